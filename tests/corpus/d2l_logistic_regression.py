# Follows: yunjey/pytorch-tutorial (PyTorch Tutorial for Deep Learning
#   Researchers), "Logistic Regression", with the two-blob binary data of
#   the classic introductory PyTorch classification lessons
#   (https://github.com/yunjey/pytorch-tutorial/tree/master/tutorials/01-basics/logistic_regression)
# Edits: MNIST replaced by two seeded 2-D Gaussian blobs and a binary label;
#   nn.BCEWithLogitsLoss with nn.Linear(2, 1); 100 epochs of full-batch SGD,
#   loss printed every 10 epochs; the legacy .type(torch.FloatTensor) written
#   .type(torch.float32).
import torch
import torch.nn as nn

torch.manual_seed(42)

# Hyper-parameters
input_size = 2
num_epochs = 100
learning_rate = 0.1
n_per_class = 100

# Two Gaussian blobs
x0 = torch.normal(mean=torch.full((n_per_class, 2), -1.0), std=1.0)
x1 = torch.randn(n_per_class, 2) + torch.tensor([1.5, 1.0])
x = torch.cat((x0, x1), 0).type(torch.float32)
y = torch.cat((torch.zeros(n_per_class), torch.ones(n_per_class)), 0).unsqueeze(1)
print(x.shape, y.shape, x.mean(dim=0))

# Logistic regression model
model = nn.Linear(input_size, 1)

# Loss and optimizer
# nn.BCEWithLogitsLoss() computes the sigmoid and the binary cross entropy
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

# Train the model
for epoch in range(num_epochs):
    # Forward pass
    outputs = model(x)
    loss = criterion(outputs, y)

    # Backward and optimize
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    if (epoch + 1) % 10 == 0:
        print('Epoch [{}/{}], Loss: {:.4f}'.format(epoch + 1, num_epochs,
                                                   loss.item()))

# Test the model
# In test phase, we don't need to compute gradients (for memory efficiency)
with torch.no_grad():
    out = model(x)
    predicted = (torch.sigmoid(out) > 0.5).float()
    correct = (predicted == y).sum().item()
    total = y.size(0)
    print('Accuracy of the model on the {} points: {} %'.format(
        total, 100 * correct / total))
    acc = predicted.eq(y).float().mean()
    print(f'accuracy: {acc:.4f}')

print(model.weight, model.bias)
w, b = model.weight.squeeze(), model.bias.item()
print('decision boundary: {:.3f} * x1 + {:.3f} * x2 + {:.3f} = 0'.format(
    w[0].item(), w[1].item(), b))
new_points = torch.tensor([[-2.0, -2.0], [0.0, 0.0], [2.0, 2.0]])
with torch.no_grad():
    print(torch.sigmoid(model(new_points)).squeeze())
