# torch.meshgrid: both indexings, list and varargs forms, grids in use.
import torch

a, b = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")
print(a)
print(b)
a, b = torch.meshgrid([torch.arange(2), torch.arange(3)], indexing="xy")
print(a)
print(b.shape)
xs = torch.linspace(-1, 1, 3)
ys = torch.linspace(0, 2, 2)
X, Y = torch.meshgrid(xs, ys, indexing="xy")
print(X * Y)
x, y, z = torch.meshgrid(torch.tensor(1.0), torch.arange(2.0), torch.arange(3.0), indexing="ij")
print(x.shape, y.dtype, z[0, 1])
try:
    torch.meshgrid(torch.arange(2), torch.arange(2.0))
except RuntimeError as e:
    print(e)
try:
    torch.meshgrid(torch.zeros(2, 2), indexing="ij")
except RuntimeError as e:
    print(type(e).__name__, str(e).startswith("torch.meshgrid: Expected 0D or 1D tensor"))

# expect: tensor([[0, 0, 0],
# expect:         [1, 1, 1]])
# expect: tensor([[0, 1, 2],
# expect:         [0, 1, 2]])
# expect: tensor([[0, 1],
# expect:         [0, 1],
# expect:         [0, 1]])
# expect: torch.Size([3, 2])
# expect: tensor([[-0.,  0.,  0.],
# expect:         [-2.,  0.,  2.]])
# expect: torch.Size([1, 2, 3]) torch.float32 tensor([0., 1., 2.])
# expect: meshgrid expects all tensors to have the same dtype
# expect: RuntimeError True
