import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        self.b = nn.Parameter(torch.zeros(2))
        self.scale = 2.0

    def forward(self, x):
        return (x @ self.w.T + self.b) * self.scale


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Net()
        self.bias = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.inner(x).sum() + self.bias


m = Outer()
print([n for n, p in m.named_parameters()])
print(len(list(m.parameters())), sum(p.numel() for p in m.parameters()))
out = m(torch.tensor([1.0, 1.0]))
print(out)
out.backward()
print(m.inner.w.grad, m.bias.grad)
m.zero_grad()
print(m.inner.w.grad)
print(m.training, m.eval().training, m.inner.training, m.train().inner.training)
print(isinstance(m, nn.Module), isinstance(m.inner.w, nn.Parameter), type(m.inner.w).__name__)
sd = m.state_dict()
print(list(sd.keys()))
print(m.inner.w)

# expect: ['bias', 'inner.w', 'inner.b']
# expect: 3 7
# expect: tensor([21.], grad_fn=<AddBackward0>)
# expect: tensor([[2., 2.],
# expect:         [2., 2.]]) tensor([1.])
# expect: None
# expect: True False False True
# expect: True True Parameter
# expect: ['bias', 'inner.w', 'inner.b']
# expect: Parameter containing:
# expect: tensor([[1., 2.],
# expect:         [3., 4.]], requires_grad=True)
