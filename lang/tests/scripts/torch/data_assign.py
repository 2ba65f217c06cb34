import torch

# in-place updates through .data
p = torch.nn.Parameter(torch.tensor([1.0, 2.0, 3.0]))
loss = (p * p).sum()
loss.backward()
p.data -= 0.1 * p.grad
print(p)
p.data += 1
print(p)
p.data *= 2
print(p)
p.data /= 4
print(p, p.grad, p.requires_grad, p.is_leaf)
q = p
p.data = torch.zeros(3)
print(p, q is p, p.requires_grad, type(p).__name__)
lin = torch.nn.Linear(2, 1)
lin.weight.data = torch.tensor([[1.0, -1.0]])
lin.bias.data.fill_(0.5)
print(lin(torch.tensor([[3.0, 1.0]])))
for par in lin.parameters():
    par.data -= 0.5 * torch.ones_like(par)
print(lin.weight, lin.bias)
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
x.data += 10
print(x, y, x.grad_fn, x.requires_grad)
n = torch.zeros(3)
n.data[1] = 7.0
n.data[0] += 1
print(n)

# expect: Parameter containing:
# expect: tensor([0.8000, 1.6000, 2.4000], requires_grad=True)
# expect: Parameter containing:
# expect: tensor([1.8000, 2.6000, 3.4000], requires_grad=True)
# expect: Parameter containing:
# expect: tensor([3.6000, 5.2000, 6.8000], requires_grad=True)
# expect: Parameter containing:
# expect: tensor([0.9000, 1.3000, 1.7000], requires_grad=True) tensor([2., 4., 6.]) True True
# expect: Parameter containing:
# expect: tensor([0., 0., 0.], requires_grad=True) True True Parameter
# expect: tensor([[2.5000]], grad_fn=<AddmmBackward0>)
# expect: Parameter containing:
# expect: tensor([[ 0.5000, -1.5000]], requires_grad=True) Parameter containing:
# expect: tensor([0.], requires_grad=True)
# expect: tensor([11., 12.], requires_grad=True) tensor([2., 4.], grad_fn=<MulBackward0>) None True
# expect: tensor([1., 7., 0.])
