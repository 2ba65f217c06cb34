# Follows: Dive into Deep Learning (PyTorch), "Dropout"
#   (https://d2l.ai/chapter_multilayer-perceptrons/dropout.html)
# Edits: no d2l package; Fashion-MNIST replaced by seeded random 1x8x8
#   "images" (so 64 inputs); seeds fixed; a few training steps of the concise
#   model instead of full training, outputs printed in train() and eval() mode.
import torch
from torch import nn

torch.manual_seed(0)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    # In this case, all elements are dropped out
    if dropout == 1:
        return torch.zeros_like(X)
    # In this case, all elements are kept
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print(X)
print(dropout_layer(X, 0.))
print(dropout_layer(X, 0.5))
print(dropout_layer(X, 1.))

num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 64, 10, 32, 32
dropout1, dropout2 = 0.2, 0.5


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2,
                 is_training=True):
        super(Net, self).__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        # Use dropout only when training the model
        if self.training == True:
            # Add a dropout layer after the first fully connected layer
            H1 = dropout_layer(H1, dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training == True:
            # Add a dropout layer after the second fully connected layer
            H2 = dropout_layer(H2, dropout2)
        out = self.lin3(H2)
        return out


net = Net(num_inputs, num_outputs, num_hiddens1, num_hiddens2)
images = torch.randn(16, 1, 8, 8)
labels = torch.randint(0, 10, (16,))
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
for step in range(3):
    l = loss(net(images), labels)
    trainer.zero_grad()
    l.mean().backward()
    trainer.step()
    print(f'scratch step {step + 1}, loss {l.mean().item():.4f}')

# Concise implementation
net = nn.Sequential(nn.Flatten(),
                    nn.Linear(64, 32),
                    nn.ReLU(),
                    # Add a dropout layer after the first fully connected layer
                    nn.Dropout(dropout1),
                    nn.Linear(32, 32),
                    nn.ReLU(),
                    # Add a dropout layer after the second fully connected layer
                    nn.Dropout(dropout2),
                    nn.Linear(32, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
print(net)

trainer = torch.optim.SGD(net.parameters(), lr=0.5)
for step in range(3):
    net.train()
    l = loss(net(images), labels)
    trainer.zero_grad()
    l.mean().backward()
    trainer.step()
    print(f'concise step {step + 1}, loss {l.mean().item():.4f}')

x = images[:2]
net.train()
print(net.training, net[3].training)
print(net[:4](x)[0, :8])
print(net[:4](x)[0, :8])
net.eval()
print(net.training, net[3].training)
print(net[:4](x)[0, :8])
print(torch.equal(net(x), net(x)))
