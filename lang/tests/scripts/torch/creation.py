import torch

torch.manual_seed(0)
a = torch.tensor([[1, 2], [3, 4]])
b = torch.tensor([1.5, 2.0])
c = torch.tensor([True, False])
print(a, a.dtype, a.shape, b.dtype, c.dtype)
print(torch.tensor(3.5), torch.tensor([]), torch.tensor([[1, 2.5]]).dtype)
print(torch.zeros(2, 3), torch.ones((2,), dtype=torch.int64), torch.full((2, 2), 7))
print(torch.arange(5), torch.arange(1, 2, 0.25), torch.linspace(0, 1, 5))
print(torch.eye(2), torch.zeros_like(a), torch.ones_like(b), torch.full_like(b, 3.0))
print(torch.rand(2, 2), torch.randn(3))
print(torch.randint(0, 10, (5,)), torch.randperm(4))
x = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
print(x, x.requires_grad, x.is_leaf, x.dtype == torch.float64, x.device)
print(a.shape == (2, 2), a.shape[0], tuple(a.shape), list(a.size()), a.size(1), a.dim(), a.ndim, a.numel())
print(len(a), a.tolist(), b.tolist(), a[0, 1].item(), float(b[0]), int(a[1, 1]), bool(c[0]))
print(torch.float32, torch.float, torch.long, torch.int32, torch.bool, torch.half)
print(a.float(), b.long(), b.to(torch.float64), a.to(dtype=torch.float16), c.int())
print(isinstance(a, torch.Tensor), torch.is_tensor(a), torch.is_tensor(1), a.is_floating_point(), b.is_floating_point())
print(torch.tensor([[1, 2], [3, 4]]).T, torch.tensor([1e-5, 1.0]), torch.tensor([1e10, 1.0]))
for row in a:
    print(row)
print(torch.Size([2, 3]), torch.tensor([2 ** 40]), torch.tensor(5) + 1)

# expect: tensor([[1, 2],
# expect:         [3, 4]]) torch.int64 torch.Size([2, 2]) torch.float32 torch.bool
# expect: tensor(3.5000) tensor([]) torch.float32
# expect: tensor([[0., 0., 0.],
# expect:         [0., 0., 0.]]) tensor([1, 1]) tensor([[7, 7],
# expect:         [7, 7]])
# expect: tensor([0, 1, 2, 3, 4]) tensor([1.0000, 1.2500, 1.5000, 1.7500]) tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
# expect: tensor([[1., 0.],
# expect:         [0., 1.]]) tensor([[0, 0],
# expect:         [0, 0]]) tensor([1., 1.]) tensor([3., 3.])
# expect: tensor([[0.4963, 0.7682],
# expect:         [0.0885, 0.1320]]) tensor([-2.1788,  0.5684, -1.0845])
# expect: tensor([6, 9, 8, 6, 6]) tensor([0, 3, 1, 2])
# expect: tensor([[0., 0., 0.],
# expect:         [0., 0., 0.]], dtype=torch.float64, requires_grad=True) True True True cpu
# expect: True 2 (2, 2) [2, 2] 2 2 2 4
# expect: 2 [[1, 2], [3, 4]] [1.5, 2.0] 2 1.5 4 True
# expect: torch.float32 torch.float32 torch.int64 torch.int32 torch.bool torch.float16
# expect: tensor([[1., 2.],
# expect:         [3., 4.]]) tensor([1, 2]) tensor([1.5000, 2.0000], dtype=torch.float64) tensor([[1., 2.],
# expect:         [3., 4.]], dtype=torch.float16) tensor([1, 0], dtype=torch.int32)
# expect: True True False False True
# expect: tensor([[1, 3],
# expect:         [2, 4]]) tensor([1.0000e-05, 1.0000e+00]) tensor([1.0000e+10, 1.0000e+00])
# expect: tensor([1, 2])
# expect: tensor([3, 4])
# expect: torch.Size([2, 3]) tensor([1099511627776]) tensor(6)
