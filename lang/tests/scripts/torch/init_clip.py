import torch
import torch.nn as nn

torch.manual_seed(0)
w = torch.empty(3, 4)
print(nn.init.zeros_(w))
print(nn.init.ones_(w))
print(nn.init.constant_(w, 0.5))
print(nn.init.uniform_(w, -1.0, 1.0))
print(nn.init.normal_(w, mean=1.0, std=0.1))
print(nn.init.xavier_uniform_(w))
print(nn.init.xavier_uniform_(w, gain=2.0))
print(nn.init.kaiming_uniform_(w, a=5 ** 0.5))
print(nn.init.kaiming_uniform_(w, nonlinearity='relu'))
lin = nn.Linear(2, 2)
r = nn.init.zeros_(lin.bias)
print(r is lin.bias, lin.bias)

a = torch.tensor([3.0, 4.0], requires_grad=True)
b = torch.tensor([[12.0]], requires_grad=True)
a.grad = torch.tensor([3.0, 4.0])
b.grad = torch.tensor([[12.0]])
print(nn.utils.clip_grad_norm_([a, b], max_norm=1.0))
print(a.grad, b.grad)
a.grad = torch.tensor([3.0, 4.0])
print(nn.utils.clip_grad_norm_(a, 10.0), a.grad)
a.grad = torch.tensor([3.0, -4.0])
print(nn.utils.clip_grad_norm_([a], 2.0, norm_type=float('inf')), a.grad)
a.grad = torch.tensor([3.0, 4.0])
print(nn.utils.clip_grad_norm_([a], 1.0, norm_type=1), a.grad)
print(nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0))
torch.manual_seed(0)
m = nn.Linear(3, 2)
m(torch.ones(4, 3)).sum().backward()
total = torch.nn.utils.clip_grad_norm_(m.parameters(), 0.5)
print(total, m.weight.grad, m.bias.grad)

# expect: tensor([[0., 0., 0., 0.],
# expect:         [0., 0., 0., 0.],
# expect:         [0., 0., 0., 0.]])
# expect: tensor([[1., 1., 1., 1.],
# expect:         [1., 1., 1., 1.],
# expect:         [1., 1., 1., 1.]])
# expect: tensor([[0.5000, 0.5000, 0.5000, 0.5000],
# expect:         [0.5000, 0.5000, 0.5000, 0.5000],
# expect:         [0.5000, 0.5000, 0.5000, 0.5000]])
# expect: tensor([[-0.0075,  0.5364, -0.8230, -0.7359],
# expect:         [-0.3852,  0.2682, -0.0198,  0.7929],
# expect:         [-0.0887,  0.2646, -0.3022, -0.1966]])
# expect: tensor([[1.0403, 1.0838, 0.9281, 0.9597],
# expect:         [0.9403, 1.0182, 0.9143, 1.1101],
# expect:         [0.8929, 1.0123, 0.9434, 1.0373]])
# expect: tensor([[-0.5404,  0.7958,  0.4131,  0.4487],
# expect:         [ 0.0487, -0.4747,  0.1566, -0.8644],
# expect:         [-0.6690, -0.4773,  0.5841,  0.5428]])
# expect: tensor([[-0.8212, -0.0668,  1.1842,  1.8408],
# expect:         [ 0.7349,  0.2501,  1.2415, -1.0903],
# expect:         [ 0.3450, -1.4356, -1.2833, -0.9565]])
# expect: tensor([[ 0.2262,  0.2011, -0.2962,  0.1511],
# expect:         [ 0.2745, -0.0631,  0.0191,  0.1159],
# expect:         [ 0.3102,  0.4801, -0.3853, -0.1832]])
# expect: tensor([[ 0.4813,  1.0148,  1.0658,  1.0807],
# expect:         [ 0.2437, -1.0650,  0.1127, -0.7662],
# expect:         [-1.1414,  1.0882,  0.9312, -1.2217]])
# expect: True Parameter containing:
# expect: tensor([0., 0.], requires_grad=True)
# expect: tensor(13.)
# expect: tensor([0.2308, 0.3077]) tensor([[0.9231]])
# expect: tensor(5.) tensor([3., 4.])
# expect: tensor(4.) tensor([ 1.5000, -2.0000])
# expect: tensor(7.) tensor([0.4286, 0.5714])
# expect: tensor(0.)
# expect: tensor(11.3137) tensor([[0.1768, 0.1768, 0.1768],
# expect:         [0.1768, 0.1768, 0.1768]]) tensor([0.1768, 0.1768])
