# torch.autograd.grad: gradients returned, .grad untouched; non-leaf
# inputs, several outputs, grad_outputs, retain_graph, allow_unused.
import torch
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
w = torch.randn(3, requires_grad=True)
h = x * w
y = (h ** 2).sum()
gx, gw, gh = torch.autograd.grad(y, [x, w, h], retain_graph=True)
print(gx, gw, gh)
print(x.grad, w.grad)
(g,) = torch.autograd.grad(y, x)
print(g)
a = torch.tensor([1.0, 2.0], requires_grad=True)
out = a * 3
print(torch.autograd.grad(out, a, grad_outputs=torch.tensor([1.0, 10.0])))
u = torch.tensor(2.0, requires_grad=True)
v = torch.tensor(5.0, requires_grad=True)
print(torch.autograd.grad([u * u, u * v], [u, v]))
print(torch.autograd.grad(u * 2, [u, v], allow_unused=True))
print(torch.autograd.grad(u * 2, [u, v], materialize_grads=True))
try:
    torch.autograd.grad(u * 2, [u, v])
except RuntimeError as e:
    print("RuntimeError", e)
try:
    torch.autograd.grad(torch.ones(2, requires_grad=True) * 2, u)
except RuntimeError as e:
    print("RuntimeError", e)
z = u * v
torch.autograd.grad(z, u)
try:
    torch.autograd.grad(z, u)
except RuntimeError as e:
    print("RuntimeError", str(e)[:50])
u = torch.tensor(2.0, requires_grad=True)
try:
    torch.autograd.grad(u * 2, [u, torch.ones(1)])
except RuntimeError as e:
    print(e)

# expect: tensor([ 0.9958, -0.6903, -8.5237]) tensor([  2.6997,  -0.1868, -13.2786]) tensor([1.7519, 0.6365, 6.0945])
# expect: None None
# expect: tensor([ 0.9958, -0.6903, -8.5237])
# expect: (tensor([ 3., 30.]),)
# expect: (tensor(9.), tensor(2.))
# expect: (tensor(2.), None)
# expect: (tensor(2.), tensor(0.))
# expect: RuntimeError The differentiated Tensor at index 1 appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.
# expect: RuntimeError grad can be implicitly created only for scalar outputs
# expect: RuntimeError Trying to backward through the graph a second time
# expect: One of the differentiated Tensors does not require grad
