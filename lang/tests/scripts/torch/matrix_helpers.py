# Matrix helpers and counting ops, values and gradients as PyTorch.
import torch
torch.manual_seed(0)
A = torch.randn(3, 4, requires_grad=True)
v = torch.randn(4, requires_grad=True)
y = torch.mv(A, v)
print(y)
y.sum().backward()
print(A.grad, v.grad)
print(torch.diag(torch.tensor([1., 2., 3.])))
print(torch.diag(torch.tensor([1, 2]), 1))
print(torch.diag(torch.tensor([1, 2]), -2))
M = torch.arange(12.).reshape(3, 4)
print(torch.diag(M), torch.diag(M, 1), torch.diag(M, -1), torch.diag(M, 5))
print(torch.trace(M), M.trace())
x = torch.arange(10).reshape(2, 5)
print(torch.roll(x, 1), torch.roll(x, -2, 1), torch.roll(x, (1, 2), (0, 1)))
print(x.roll(3, 0))
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = torch.tensor([4., 6., 8.])
l = torch.lerp(a, b, 0.3)
print(l, torch.lerp(a, b, torch.tensor([0.2, 0.6, 0.9])), a.lerp(b, 0.75))
l.sum().backward()
print(a.grad)
print(torch.bincount(torch.tensor([0, 1, 1, 3, 1])), torch.bincount(torch.tensor([2, 0]), minlength=5))
print(torch.bincount(torch.tensor([0, 1, 1]), weights=torch.tensor([0.5, 1.0, 2.0])))
print(torch.histc(torch.tensor([1., 2., 1., 2.5, 4.]), bins=4, min=0, max=3))
print(torch.histc(torch.tensor([1., 2., 1.]), bins=4))
u = torch.tensor([[3, 1, 2], [1, 3, 3]])
print(torch.unique(u))
print(torch.unique(u, return_inverse=True, return_counts=True))
print(torch.unique(torch.tensor([2.5, -1.0, 2.5])).tolist())
P = torch.randn(2, 3, requires_grad=True)
Q = torch.randn(4, 3)
d = torch.cdist(P, Q)
print(d.detach())

d.sum().backward()
print(P.grad)
print(torch.cdist(P, Q, p=1).detach(), torch.cdist(P, Q, p=float("inf")).detach())

# expect: tensor([ 0.7606, -0.9395,  0.8337], grad_fn=<MvBackward0>)
# expect: tensor([[-0.8567,  1.1006, -1.0712,  0.1227],
# expect:         [-0.8567,  1.1006, -1.0712,  0.1227],
# expect:         [-0.8567,  1.1006, -1.0712,  0.1227]]) tensor([-0.2628, -2.0954, -2.3721,  1.5885])
# expect: tensor([[1., 0., 0.],
# expect:         [0., 2., 0.],
# expect:         [0., 0., 3.]])
# expect: tensor([[0, 1, 0],
# expect:         [0, 0, 2],
# expect:         [0, 0, 0]])
# expect: tensor([[0, 0, 0, 0],
# expect:         [0, 0, 0, 0],
# expect:         [1, 0, 0, 0],
# expect:         [0, 2, 0, 0]])
# expect: tensor([ 0.,  5., 10.]) tensor([ 1.,  6., 11.]) tensor([4., 9.]) tensor([])
# expect: tensor(15.) tensor(15.)
# expect: tensor([[9, 0, 1, 2, 3],
# expect:         [4, 5, 6, 7, 8]]) tensor([[2, 3, 4, 0, 1],
# expect:         [7, 8, 9, 5, 6]]) tensor([[8, 9, 5, 6, 7],
# expect:         [3, 4, 0, 1, 2]])
# expect: tensor([[5, 6, 7, 8, 9],
# expect:         [0, 1, 2, 3, 4]])
# expect: tensor([1.9000, 3.2000, 4.5000], grad_fn=<LerpBackward0>) tensor([1.6000, 4.4000, 7.5000], grad_fn=<LerpBackward1>) tensor([3.2500, 5.0000, 6.7500], grad_fn=<LerpBackward0>)
# expect: tensor([0.7000, 0.7000, 0.7000])
# expect: tensor([1, 3, 0, 1]) tensor([1, 0, 1, 0, 0])
# expect: tensor([0.5000, 3.0000])
# expect: tensor([0., 2., 1., 1.])
# expect: tensor([2., 0., 0., 1.])
# expect: tensor([1, 2, 3])
# expect: (tensor([1, 2, 3]), tensor([[2, 0, 1],
# expect:         [0, 2, 2]]), tensor([2, 1, 3]))
# expect: [-1.0, 2.5]
# expect: tensor([[1.8986, 2.4753, 1.8652, 1.6273],
# expect:         [2.7857, 3.9369, 2.0688, 0.9515]])
# expect: tensor([[-1.3665,  1.1570, -2.2496],
# expect:         [-2.5094,  0.9905,  2.4385]])
# expect: tensor([[2.9917, 3.5946, 3.0477, 2.3621],
# expect:         [4.1180, 6.6813, 3.5150, 1.2887]]) tensor([[1.5061, 1.8301, 1.4106, 1.4348],
# expect:         [2.4489, 2.7729, 1.4882, 0.9137]])
