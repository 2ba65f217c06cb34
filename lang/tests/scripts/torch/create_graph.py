# Higher-order gradients: torch.autograd.grad(create_graph=True) gives a
# gradient with its own graph (second derivatives, Hessian-vector
# products through tanh, matmul and Linear); backward(create_graph=True)
# leaves .grad differentiable (a gradient penalty).
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 3).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
print(g, g.requires_grad)
h, = torch.autograd.grad(g.sum(), x)
print(h)

torch.manual_seed(0)
w = torch.randn(3, 3, requires_grad=True)
v = torch.randn(3)
loss = torch.tanh(w @ x).pow(2).sum()
gw, = torch.autograd.grad(loss, w, create_graph=True)
hv, = torch.autograd.grad((gw.sum(1) * v).sum(), w)
print(hv)

z = torch.tensor([0.5, -1.0], requires_grad=True)
out = (torch.sigmoid(z) * z).sum()
out.backward(create_graph=True)
print(z.grad.detach(), z.grad.requires_grad)
penalty = z.grad.pow(2).sum()
z.grad = None
penalty.backward()
print(z.grad)

a = torch.tensor([0.3, -0.2], requires_grad=True)
r = torch.relu(a * 2).exp().sum()
ga, = torch.autograd.grad(r, a, create_graph=True)
print(torch.autograd.grad(ga.sum(), a))

m = torch.nn.Linear(2, 1)
inp = torch.tensor([[1.0, 2.0]], requires_grad=True)
o = m(inp).pow(2).sum()
gi, = torch.autograd.grad(o, inp, create_graph=True)
print(torch.autograd.grad(gi.sum(), m.weight)[0])

s = torch.tensor(2.0, requires_grad=True)
d1, = torch.autograd.grad(s.sin(), s, create_graph=True)
d2, = torch.autograd.grad(d1, s, create_graph=True)
d3, = torch.autograd.grad(d2, s)
print(round(d1.item(), 6), round(d2.item(), 6), round(d3.item(), 6))

# expect: tensor([ 3., 12., 27.], grad_fn=<MulBackward0>) True
# expect: tensor([ 6., 12., 18.])
# expect: tensor([[5.4808e-04, 1.0962e-03, 1.6443e-03],
# expect:         [5.2913e-04, 1.0583e-03, 1.5874e-03],
# expect:         [2.1312e+00, 4.2625e+00, 6.3937e+00]])
# expect: tensor([0.7400, 0.0723]) True
# expect: tensor([0.6530, 0.0437])
# expect: (tensor([7.2885, 0.0000]),)
# expect: tensor([[1.2736, 1.1953]])
# expect: -0.416147 -0.909297 0.416147
