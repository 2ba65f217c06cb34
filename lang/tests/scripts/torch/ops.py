import torch

x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
y = torch.tensor([0.5, 1.0, 2.0])
print(x + y, x - 1, 2 - x, x * 2, x / y, 1 / y, x ** 2, 2 ** y, x // 2, x % 3)
print(-x, abs(x), x.abs(), x.exp().shape, y.log(), y.sqrt(), torch.sigmoid(y), torch.tanh(y), x.relu())
print(x @ x.T, torch.matmul(y, y), x.mm(x.t()), torch.mm(x, x.T))
print(x.sum(), x.sum(dim=0), x.sum(1, keepdim=True), x.mean(), x.mean(dim=-1))
print(x.max(), x.min(), x.max(dim=1), x.min(dim=0).values, x.argmax(), x.argmax(dim=1))
v, i = x.max(dim=0)
print(v, i, x.max(dim=1, keepdim=True).indices)
print(x.var(), x.std(dim=1), x.var(dim=0, correction=0), x.var(unbiased=False), x.prod(), x.norm())
print(x > 0, x == 4.0, x <= y, (x > 0) & (x < 4), (x > 0) | (x < -5), ~(x > 0))
print(x.reshape(3, 2), x.view(-1), x.permute(1, 0), x.transpose(0, 1), x.flatten(), x.unsqueeze(0).shape, x.unsqueeze(0).squeeze().shape)
print(x[0], x[:, 1], x[1, -1], x[..., 0], x[None].shape, x[:, ::2], x[0, 1:])
print(x.clamp(min=0), x.clamp(-1, 1), torch.clamp(x, max=2.0), torch.where(x > 0, x, torch.zeros_like(x)), torch.where(x > 0, x, 0.0))
print(torch.maximum(x, y), torch.minimum(x, y), x.masked_fill(x < 0, 0.0), torch.exp(torch.tensor(0.0)))
print(x.sum().item(), x.mean().item(), torch.allclose(x, x + 1e-9), x.any(), (x > 10).all())
print(x.detach(), x.clone(), x.contiguous().is_contiguous(), x.t().is_contiguous())
i = torch.tensor([1, 2, 3])
print(i * 2, i / 2, i + 0.5, i // 2, i.sum(), i.float().mean(), i.dtype, (i * 1.5).dtype, (i > 1).dtype)
print(x.softmax(dim=1), torch.log_softmax(y, dim=0))
print(torch.tensor([1.0, 2.0]).index_select(0, torch.tensor([1, 0])), x.gather(1, torch.tensor([[0], [2]])))
print(x.size(), x.shape[1], x.expand(2, 2, 3).shape, y.repeat if False else 0)
print(x[x > 0], x[torch.tensor([1, 0])], y[[0, 2]])

# expect: tensor([[ 1.5000, -1.0000,  5.0000],
# expect:         [ 4.5000,  6.0000, -4.0000]]) tensor([[ 0., -3.,  2.],
# expect:         [ 3.,  4., -7.]]) tensor([[ 1.,  4., -1.],
# expect:         [-2., -3.,  8.]]) tensor([[  2.,  -4.,   6.],
# expect:         [  8.,  10., -12.]]) tensor([[ 2.0000, -2.0000,  1.5000],
# expect:         [ 8.0000,  5.0000, -3.0000]]) tensor([2.0000, 1.0000, 0.5000]) tensor([[ 1.,  4.,  9.],
# expect:         [16., 25., 36.]]) tensor([1.4142, 2.0000, 4.0000]) tensor([[ 0., -1.,  1.],
# expect:         [ 2.,  2., -3.]]) tensor([[1., 1., 0.],
# expect:         [1., 2., -0.]])
# expect: tensor([[-1.,  2., -3.],
# expect:         [-4., -5.,  6.]]) tensor([[1., 2., 3.],
# expect:         [4., 5., 6.]]) tensor([[1., 2., 3.],
# expect:         [4., 5., 6.]]) torch.Size([2, 3]) tensor([-0.6931,  0.0000,  0.6931]) tensor([0.7071, 1.0000, 1.4142]) tensor([0.6225, 0.7311, 0.8808]) tensor([0.4621, 0.7616, 0.9640]) tensor([[1., 0., 3.],
# expect:         [4., 5., 0.]])
# expect: tensor([[ 14., -24.],
# expect:         [-24.,  77.]]) tensor(5.2500) tensor([[ 14., -24.],
# expect:         [-24.,  77.]]) tensor([[ 14., -24.],
# expect:         [-24.,  77.]])
# expect: tensor(5.) tensor([ 5.,  3., -3.]) tensor([[2.],
# expect:         [3.]]) tensor(0.8333) tensor([0.6667, 1.0000])
# expect: tensor(5.) tensor(-6.) torch.return_types.max(
# expect: values=tensor([3., 5.]),
# expect: indices=tensor([2, 1])) tensor([ 1., -2., -6.]) tensor(4) tensor([2, 1])
# expect: tensor([4., 5., 3.]) tensor([1, 1, 0]) tensor([[2],
# expect:         [1]])
# expect: tensor(17.3667) tensor([2.5166, 6.0828]) tensor([ 2.2500, 12.2500, 20.2500]) tensor(14.4722) tensor(720.) tensor(9.5394)
# expect: tensor([[ True, False,  True],
# expect:         [ True,  True, False]]) tensor([[False, False, False],
# expect:         [ True, False, False]]) tensor([[False,  True, False],
# expect:         [False, False,  True]]) tensor([[ True, False,  True],
# expect:         [False, False, False]]) tensor([[ True, False,  True],
# expect:         [ True,  True,  True]]) tensor([[False,  True, False],
# expect:         [False, False,  True]])
# expect: tensor([[ 1., -2.],
# expect:         [ 3.,  4.],
# expect:         [ 5., -6.]]) tensor([ 1., -2.,  3.,  4.,  5., -6.]) tensor([[ 1.,  4.],
# expect:         [-2.,  5.],
# expect:         [ 3., -6.]]) tensor([[ 1.,  4.],
# expect:         [-2.,  5.],
# expect:         [ 3., -6.]]) tensor([ 1., -2.,  3.,  4.,  5., -6.]) torch.Size([1, 2, 3]) torch.Size([2, 3])
# expect: tensor([ 1., -2.,  3.]) tensor([-2.,  5.]) tensor(-6.) tensor([1., 4.]) torch.Size([1, 2, 3]) tensor([[ 1.,  3.],
# expect:         [ 4., -6.]]) tensor([-2.,  3.])
# expect: tensor([[1., 0., 3.],
# expect:         [4., 5., 0.]]) tensor([[ 1., -1.,  1.],
# expect:         [ 1.,  1., -1.]]) tensor([[ 1., -2.,  2.],
# expect:         [ 2.,  2., -6.]]) tensor([[1., 0., 3.],
# expect:         [4., 5., 0.]]) tensor([[1., 0., 3.],
# expect:         [4., 5., 0.]])
# expect: tensor([[1., 1., 3.],
# expect:         [4., 5., 2.]]) tensor([[ 0.5000, -2.0000,  2.0000],
# expect:         [ 0.5000,  1.0000, -6.0000]]) tensor([[1., 0., 3.],
# expect:         [4., 5., 0.]]) tensor(1.)
# expect: 5.0 0.8333333134651184 True tensor(True) tensor(False)
# expect: tensor([[ 1., -2.,  3.],
# expect:         [ 4.,  5., -6.]]) tensor([[ 1., -2.,  3.],
# expect:         [ 4.,  5., -6.]]) True False
# expect: tensor([2, 4, 6]) tensor([0.5000, 1.0000, 1.5000]) tensor([1.5000, 2.5000, 3.5000]) tensor([0, 1, 1]) tensor(6) tensor(2.) torch.int64 torch.float32 torch.bool
# expect: tensor([[1.1850e-01, 5.8998e-03, 8.7560e-01],
# expect:         [2.6894e-01, 7.3105e-01, 1.2210e-05]]) tensor([-1.9644, -1.4644, -0.4644])
# expect: tensor([2., 1.]) tensor([[ 1.],
# expect:         [-6.]])
# expect: torch.Size([2, 3]) 3 torch.Size([2, 2, 3]) 0
# expect: tensor([1., 3., 4., 5.]) tensor([[ 4.,  5., -6.],
# expect:         [ 1., -2.,  3.]]) tensor([0.5000, 2.0000])
