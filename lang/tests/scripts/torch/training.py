import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)
lin = nn.Linear(3, 2)
print(lin)
print(lin.weight, lin.bias)
x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
print(lin(x).detach())

model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
print(model)
print(len(model), sum(p.numel() for p in model.parameters()))
opt = optim.SGD(model.parameters(), lr=0.1)
y = torch.tensor([[1.0], [-1.0]])
for step in range(5):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 4))

logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], requires_grad=True)
target = torch.tensor([0, 2])
ce = nn.CrossEntropyLoss()(logits, target)
print(ce.detach())
ce.backward()
print(logits.grad)
print(F.cross_entropy(logits, target, reduction="sum").detach(), F.nll_loss(F.log_softmax(logits, dim=1), target).detach())
print(F.relu(torch.tensor([-1.0, 2.0])), F.softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0))

torch.manual_seed(1)
w = nn.Linear(2, 1)
adam = optim.Adam(w.parameters(), lr=0.05)
data = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
for i in range(3):
    adam.zero_grad()
    l = (w(data) ** 2).mean()
    l.backward()
    adam.step()
    print(i, round(l.item(), 4))
print(adam.param_groups[0]["lr"])


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.fc2 = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


torch.manual_seed(2)
net = MLP()
print(net)
print(net(data).detach())
print([name for name, _ in net.named_parameters()])

# expect: Linear(in_features=3, out_features=2, bias=True)
# expect: Parameter containing:
# expect: tensor([[-0.0043,  0.3097, -0.4752],
# expect:         [-0.4249, -0.2224,  0.1548]], requires_grad=True) Parameter containing:
# expect: tensor([-0.0114,  0.4578], requires_grad=True)
# expect: tensor([[-0.8219,  0.0526],
# expect:         [-0.3233,  0.4677]])
# expect: Sequential(
# expect:   (0): Linear(in_features=3, out_features=4, bias=True)
# expect:   (1): ReLU()
# expect:   (2): Linear(in_features=4, out_features=1, bias=True)
# expect: )
# expect: 3 21
# expect: 0 0.6947
# expect: 1 0.2591
# expect: 2 0.0647
# expect: 3 0.0184
# expect: 4 0.0072
# expect: tensor(0.1755)
# expect: tensor([[-0.1072,  0.0876,  0.0196],
# expect:         [ 0.0247,  0.0272, -0.0519]])
# expect: tensor(0.3509) tensor(0.1755)
# expect: tensor([0., 2.]) tensor([0.0900, 0.2447, 0.6652])
# expect: 0 0.1215
# expect: 1 0.0252
# expect: 2 0.0689
# expect: 0.05
# expect: MLP(
# expect:   (fc1): Linear(in_features=2, out_features=3, bias=True)
# expect:   (fc2): Linear(in_features=3, out_features=1, bias=True)
# expect: )
# expect: tensor([[-0.0056],
# expect:         [ 0.0327]])
# expect: ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
