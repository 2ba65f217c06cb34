# Follows: PyTorch tutorials, "Deep Learning with PyTorch: A 60 Minute Blitz",
#   "A Gentle Introduction to torch.autograd"
#   (https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html)
# Edits: torchvision's resnet18 replaced by a small nn.Sequential; seeds fixed;
#   values printed where the tutorial shows them.
import torch
from torch import nn, optim

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
data = torch.rand(1, 8)
labels = torch.rand(1, 4)

prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
print(prediction)
print(model[0].weight.grad.shape, model[2].bias.grad)

optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optimizer.step()
print(model[2].bias)

# Differentiation in autograd: Q = 3a^3 - b^2.
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)

# Exclusion from the DAG.
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
c = x + y
print(f"Does `c` require gradients?: {c.requires_grad}")
d = x + z
print(f"Does `d` require gradients?: {d.requires_grad}")

# Freezing all but the last layer.
for param in model.parameters():
    param.requires_grad = False
model[2] = nn.Linear(16, 10)
print([p.requires_grad for p in model.parameters()])
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
out = model(data).sum()
out.backward()
print(model[0].weight.grad is None, model[2].weight.grad.shape)
