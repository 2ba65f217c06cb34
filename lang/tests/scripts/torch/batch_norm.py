# BatchNorm1d/2d as PyTorch's: batch statistics and running averages while
# training, running statistics in eval mode, buffers in the state_dict.
import torch
import torch.nn as nn
torch.manual_seed(0)
bn = nn.BatchNorm1d(3)
print(bn)
x = torch.randn(8, 3) * 2 + 1
y = bn(x)
print(y[:2])
print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
y.pow(2).sum().backward()
print(bn.weight.grad, bn.bias.grad.abs().max() < 1e-5)
bn(torch.randn(8, 3))
print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
bn.eval()
print(bn(x[:2]).detach())
print(list(bn.state_dict().keys()))
b2 = nn.BatchNorm2d(2, momentum=None)
x4 = torch.randn(2, 2, 3, 3)
out = b2(x4)
print(out[0, 0], b2.running_mean, b2.running_var)
b2(x4 * 3)
print(b2.running_mean, b2.running_var, b2.num_batches_tracked)
print(nn.BatchNorm1d(4, affine=False, track_running_stats=False))
print(nn.BatchNorm1d(2)(torch.randn(4, 2, 5)).shape)
m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
print(m(torch.randn(5, 3)).shape, len(list(m.parameters())), len(m.state_dict()))
try:
    nn.BatchNorm2d(2)(torch.randn(2, 2, 3))
except ValueError as e:
    print("ValueError", e)
try:
    nn.BatchNorm1d(2)(torch.randn(1, 2))
except ValueError as e:
    print("ValueError", e)

# expect: BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
# expect: tensor([[-1.2663, -0.9897, -0.3219],
# expect:         [-0.4531,  0.7208,  0.6126]], grad_fn=<SliceBackward0>)
# expect: tensor([0.0903, 0.1011, 0.1148]) tensor([1.2310, 1.5257, 1.3651]) tensor(1)
# expect: tensor([15.9999, 16.0000, 16.0000]) tensor(True)
# expect: tensor([0.0987, 0.1032, 0.0949]) tensor([1.1846, 1.5367, 1.3003]) tensor(2)
# expect: tensor([[-1.2407, -1.1358,  0.3543],
# expect:         [ 0.0308,  2.0927,  2.0075]])
# expect: ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
# expect: tensor([[-0.3466,  0.8828, -1.5201],
# expect:         [-0.1981,  1.1267, -0.8297],
# expect:         [ 1.4379,  0.3647, -0.5870]], grad_fn=<SelectBackward0>) tensor([0.1267, 0.1786]) tensor([0.4267, 1.4537])
# expect: tensor([0.2533, 0.3572]) tensor([2.1335, 7.2683]) tensor(2)
# expect: BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
# expect: torch.Size([4, 2, 5])
# expect: torch.Size([5, 4]) 4 7
# expect: ValueError expected 4D input (got 3D input)
# expect: ValueError Expected more than 1 value per channel when training, got input size torch.Size([1, 2])
