# nn.LazyLinear takes in_features from its first input, drawing its
# parameters then (the random stream as PyTorch's).
import torch
import torch.nn as nn
torch.manual_seed(0)
m = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(2))
x = torch.randn(4, 5)
y = m(x)
print(y)
print(m[0].weight.shape, m[2].weight.shape, m[0].bias)
print(m)
print(len(list(m.parameters())), sum(p.numel() for p in m.parameters()))
y.sum().backward()
print(m[2].weight.grad)
print(list(m.state_dict().keys()))

# expect: tensor([[ 0.1706, -0.0241],
# expect:         [ 0.7207, -0.2991],
# expect:         [ 0.6306, -0.2831],
# expect:         [ 0.9232, -0.5333]], grad_fn=<AddmmBackward0>)
# expect: torch.Size([3, 5]) torch.Size([2, 3]) Parameter containing:
# expect: tensor([0.4446, 0.1775, 0.0604], requires_grad=True)
# expect: Sequential(
# expect:   (0): Linear(in_features=5, out_features=3, bias=True)
# expect:   (1): ReLU()
# expect:   (2): Linear(in_features=3, out_features=2, bias=True)
# expect: )
# expect: 4 26
# expect: tensor([[3.8759, 0.4552, 0.5070],
# expect:         [3.8759, 0.4552, 0.5070]])
# expect: ['0.weight', '0.bias', '2.weight', '2.bias']
