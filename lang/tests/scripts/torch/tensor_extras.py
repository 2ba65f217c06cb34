# Functions the teaching corpus needed: repeat_interleave (int and tensor
# counts, dim, the one-argument form) and its gradient, unbind, scatter_ /
# scatter_add_ in place, detach_, out= on matmul, unique(dim=), the
# AccumulateGrad nodes in next_functions, '%' formatting of tensors,
# PyTorch's data submodules, linspace's float32 values.
import math
import torch
from torch.utils.data.dataloader import DataLoader
from torch.utils.data.dataset import TensorDataset
from torch.utils.data.sampler import SequentialSampler

x = torch.tensor([1, 2, 3])
print(torch.repeat_interleave(x, 2), x.repeat_interleave(torch.tensor([1, 0, 2])))
print(torch.repeat_interleave(torch.tensor([2, 1])))
m = torch.arange(6.).reshape(2, 3).requires_grad_()
y = m.repeat_interleave(2, dim=0)
print(y, y.grad_fn.name())
(y * torch.arange(12.).reshape(4, 3)).sum().backward()
print(m.grad)
z = m.repeat_interleave(torch.tensor([2, 0, 1]), dim=1)
print(z, z.grad_fn.name())

a, b, c = torch.unbind(m, 1)
print(a, c.grad_fn.name(), len(m.unbind()))

t = torch.zeros(10).scatter_(0, torch.tensor(3), value=1)
print(t)
u = torch.zeros(2, 4)
u.scatter_(1, torch.tensor([[0, 1], [2, 3]]), torch.tensor([[5., 6.], [7., 8.]]))
u.scatter_add_(1, torch.tensor([[0, 0], [3, 3]]), torch.ones(2, 2))
print(u)

h = torch.ones(2, requires_grad=True) * 2
h.detach_()
print(h.requires_grad, h.grad_fn)

o = torch.empty(2, 2)
r = torch.matmul(torch.ones(2, 3), torch.ones(3, 2), out=o)
print(o, r is o)

q = torch.tensor([[1, 2], [1, 2], [3, 4], [0, 9]])
print(torch.unique(q, dim=0, return_inverse=True, return_counts=True))
print(torch.unique(q, dim=1))

lin = torch.nn.Linear(2, 2)
out = lin(torch.relu(torch.ones(1, 3) @ torch.randn(3, 2, requires_grad=True)))
nf = out.grad_fn.next_functions
print([type(n).__name__ if n is not None else None for n, _ in nf])
print(nf[0][0].name(), nf[0][0].variable is lin.bias)

s = torch.tensor(0.123456)
print('%.2f%%' % (s * 100), '%d items' % torch.tensor(3), '%s' % torch.tensor([1, 2]))

print(len(DataLoader(TensorDataset(torch.zeros(5)), batch_size=2)), list(SequentialSampler(range(3))))

v = torch.linspace(-math.pi, math.pi, 2000)
print(v[999].item(), v[1500].item(), torch.linspace(-1, 1, 7))

# expect: tensor([1, 1, 2, 2, 3, 3]) tensor([1, 3, 3])
# expect: tensor([0, 0, 1])
# expect: tensor([[0., 1., 2.],
# expect:         [0., 1., 2.],
# expect:         [3., 4., 5.],
# expect:         [3., 4., 5.]], grad_fn=<ViewBackward0>) ViewBackward0
# expect: tensor([[ 3.,  5.,  7.],
# expect:         [15., 17., 19.]])
# expect: tensor([[0., 0., 2.],
# expect:         [3., 3., 5.]], grad_fn=<IndexSelectBackward0>) IndexSelectBackward0
# expect: tensor([0., 3.], grad_fn=<UnbindBackward0>) UnbindBackward0 2
# expect: tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])
# expect: tensor([[ 7.,  6.,  0.,  0.],
# expect:         [ 0.,  0.,  7., 10.]])
# expect: False None
# expect: tensor([[3., 3.],
# expect:         [3., 3.]]) True
# expect: (tensor([[0, 9],
# expect:         [1, 2],
# expect:         [3, 4]]), tensor([1, 1, 2, 0]), tensor([1, 2, 1]))
# expect: tensor([[1, 2],
# expect:         [1, 2],
# expect:         [3, 4],
# expect:         [0, 9]])
# expect: ['AccumulateGrad', 'ReluBackward0', 'TBackward0']
# expect: torch::autograd::AccumulateGrad True
# expect: 12.35% 3 items tensor([1, 2])
# expect: 3 [0, 1, 2]
# expect: -0.0015715761110186577 1.5731537342071533 tensor([-1.0000e+00, -6.6667e-01, -3.3333e-01, -2.9802e-08,  3.3333e-01,
# expect:          6.6667e-01,  1.0000e+00])
