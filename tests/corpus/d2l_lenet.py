# Follows: Dive into Deep Learning (PyTorch), "Convolutional Neural Networks (LeNet)"
#   (https://d2l.ai/chapter_convolutional-neural-networks/lenet.html)
# Edits: no d2l package; Fashion-MNIST replaced by seeded random 28x28
#   images; seeds fixed; a few training steps instead of 10 epochs.
import torch
from torch import nn

torch.manual_seed(0)

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))

X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
for layer in net:
    X = layer(X)
    print(layer.__class__.__name__, 'output shape: \t', X.shape)


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)


net.apply(init_weights)
images = torch.randn(32, 1, 28, 28)
labels = torch.randint(0, 10, (32,))
optimizer = torch.optim.SGD(net.parameters(), lr=0.9)
loss = nn.CrossEntropyLoss()
net.train()
for step in range(4):
    optimizer.zero_grad()
    y_hat = net(images)
    l = loss(y_hat, labels)
    l.backward()
    optimizer.step()
    with torch.no_grad():
        print(f'step {step + 1}, loss {l.item():.4f}, '
              f'train acc {accuracy(y_hat, labels) / labels.numel():.3f}')
print(net[0].weight.grad.shape, net[0].bias.grad[:3])
print(net[-1].bias)
