import torch

a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
b = torch.tensor([[5.0, 6.0]])
print(torch.cat([a, b]), torch.cat((a, a), dim=1), torch.stack([a, a]).shape, torch.stack([a, a], dim=2).shape)
print(torch.hstack([a, a]), torch.vstack([a, b]))
x = torch.arange(10)
print(x.split(4), x.chunk(3), torch.split(x, [2, 8]))
print(a.repeat(2, 1), a.tril(), a.triu(1), torch.tril(torch.ones(3, 3)))
v = torch.tensor([3.0, 1.0, 2.0, 5.0])
print(v.sort(), v.sort(descending=True).values, v.argsort(), torch.topk(v, 2), v.topk(2, largest=False).indices)
print(v.cumsum(0), torch.cumsum(a, dim=1), a.flip(0))
print(torch.einsum("ij,jk->ik", a, a), torch.einsum("ij->ji", a))
print(a.softmax(dim=-1), torch.log_softmax(a, dim=0))
m = torch.zeros(3, 4)
m[0, 1] = 5.0
m[1] = torch.tensor([1.0, 2.0, 3.0, 4.0])
m[:, 3] = 7.0
m[m > 4] = -1.0
print(m)
print(m[torch.tensor([0, 2])], m[[1, 2], [0, 1]], m[1:, ::2], m[..., -1], m[None, 0].shape)
w = torch.ones(3, requires_grad=True)
y = w * 2
y[0] = 10.0
y.sum().backward()
print(y, w.grad)
p = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    p.add_(1.0)
    p.mul_(torch.tensor([2.0, 3.0]))
print(p, p.is_leaf, p.requires_grad)
z = torch.zeros(2)
z.fill_(3.0)
z.clamp_(max=2.0)
print(z, z.zero_())

# expect: tensor([[1., 2.],
# expect:         [3., 4.],
# expect:         [5., 6.]]) tensor([[1., 2., 1., 2.],
# expect:         [3., 4., 3., 4.]]) torch.Size([2, 2, 2]) torch.Size([2, 2, 2])
# expect: tensor([[1., 2., 1., 2.],
# expect:         [3., 4., 3., 4.]]) tensor([[1., 2.],
# expect:         [3., 4.],
# expect:         [5., 6.]])
# expect: (tensor([0, 1, 2, 3]), tensor([4, 5, 6, 7]), tensor([8, 9])) (tensor([0, 1, 2, 3]), tensor([4, 5, 6, 7]), tensor([8, 9])) (tensor([0, 1]), tensor([2, 3, 4, 5, 6, 7, 8, 9]))
# expect: tensor([[1., 2.],
# expect:         [3., 4.],
# expect:         [1., 2.],
# expect:         [3., 4.]]) tensor([[1., 0.],
# expect:         [3., 4.]]) tensor([[0., 2.],
# expect:         [0., 0.]]) tensor([[1., 0., 0.],
# expect:         [1., 1., 0.],
# expect:         [1., 1., 1.]])
# expect: torch.return_types.sort(
# expect: values=tensor([1., 2., 3., 5.]),
# expect: indices=tensor([1, 2, 0, 3])) tensor([5., 3., 2., 1.]) tensor([1, 2, 0, 3]) torch.return_types.topk(
# expect: values=tensor([5., 3.]),
# expect: indices=tensor([3, 0])) tensor([1, 2])
# expect: tensor([ 3.,  4.,  6., 11.]) tensor([[1., 3.],
# expect:         [3., 7.]]) tensor([[3., 4.],
# expect:         [1., 2.]])
# expect: tensor([[ 7., 10.],
# expect:         [15., 22.]]) tensor([[1., 3.],
# expect:         [2., 4.]])
# expect: tensor([[0.2689, 0.7311],
# expect:         [0.2689, 0.7311]]) tensor([[-2.1269, -2.1269],
# expect:         [-0.1269, -0.1269]])
# expect: tensor([[ 0., -1.,  0., -1.],
# expect:         [ 1.,  2.,  3., -1.],
# expect:         [ 0.,  0.,  0., -1.]])
# expect: tensor([[ 0., -1.,  0., -1.],
# expect:         [ 0.,  0.,  0., -1.]]) tensor([1., 0.]) tensor([[1., 3.],
# expect:         [0., 0.]]) tensor([-1., -1., -1.]) torch.Size([1, 4])
# expect: tensor([10.,  2.,  2.], grad_fn=<CopySlices>) tensor([0., 2., 2.])
# expect: tensor([4., 9.], requires_grad=True) True True
# expect: tensor([0., 0.]) tensor([0., 0.])
