import torch

# keepdims= / axis= as NumPy-style aliases of keepdim= / dim=
t = torch.arange(6.0).reshape(2, 3)
print(t.sum(axis=1, keepdims=True))
print(torch.sum(t, axis=0))
print(t.mean(axis=1, keepdims=True))
print(torch.mean(t, axis=0, keepdims=True))
print(t.max(axis=1, keepdims=True))
print(torch.max(t, axis=0).values)
print(t.min(axis=1).indices)
print(torch.argmax(t, axis=1, keepdims=True))
print(t.argmin(axis=0))
print(t.std(axis=1, keepdims=True))
print(torch.var(t, axis=0))
print(t.prod(axis=1))
print(torch.amax(t, axis=(0, 1), keepdims=True))
print(t.logsumexp(axis=1, keepdims=True))
print(torch.softmax(t, axis=1))
print(t.log_softmax(axis=0))
print(torch.cat([t, t], axis=0).shape)
print(t.unsqueeze(axis=0).shape)
print(torch.cumsum(t, axis=1))
print(t.norm(dim=1, keepdim=True))
print(torch.sum(x=t), torch.sum(a=t))
print(torch.add(x=t, x2=t))
for bad in [lambda: torch.sum(t, 1, axis=1), lambda: torch.sum(t, axis=1, dim=1),
            lambda: torch.mean(t, axis=1, keepdims=True, keepdim=False),
            lambda: torch.sum(t, 1, dim=1), lambda: torch.cumsum(t, axis="a"),
            lambda: torch.cumsum(t, axis=1, foo=2),
            lambda: torch.nn.functional.softmax(t, axis=1)]:
    try:
        bad()
    except TypeError as e:
        print(e)

# expect: tensor([[ 3.],
# expect:         [12.]])
# expect: tensor([3., 5., 7.])
# expect: tensor([[1.],
# expect:         [4.]])
# expect: tensor([[1.5000, 2.5000, 3.5000]])
# expect: torch.return_types.max(
# expect: values=tensor([[2.],
# expect:         [5.]]),
# expect: indices=tensor([[2],
# expect:         [2]]))
# expect: tensor([3., 4., 5.])
# expect: tensor([0, 0])
# expect: tensor([[2],
# expect:         [2]])
# expect: tensor([0, 0, 0])
# expect: tensor([[1.],
# expect:         [1.]])
# expect: tensor([4.5000, 4.5000, 4.5000])
# expect: tensor([ 0., 60.])
# expect: tensor([[5.]])
# expect: tensor([[2.4076],
# expect:         [5.4076]])
# expect: tensor([[0.0900, 0.2447, 0.6652],
# expect:         [0.0900, 0.2447, 0.6652]])
# expect: tensor([[-3.0486, -3.0486, -3.0486],
# expect:         [-0.0486, -0.0486, -0.0486]])
# expect: torch.Size([4, 3])
# expect: torch.Size([1, 2, 3])
# expect: tensor([[ 0.,  1.,  3.],
# expect:         [ 3.,  7., 12.]])
# expect: tensor([[2.2361],
# expect:         [7.0711]])
# expect: tensor(15.) tensor(15.)
# expect: tensor([[ 0.,  2.,  4.],
# expect:         [ 6.,  8., 10.]])
# expect: sum() got an unexpected keyword argument 'axis'
# expect: sum() got an unexpected keyword argument 'axis'
# expect: mean() got an unexpected keyword argument 'axis'
# expect: sum() got multiple values for argument 'dim'
# expect: cumsum(): argument 'dim' must be int, not str
# expect: cumsum() got an unexpected keyword argument 'axis'
# expect: softmax() got an unexpected keyword argument 'axis'
