# Follows: Dive into Deep Learning (PyTorch), "Softmax Regression Implementation from Scratch"
#   (https://d2l.ai/chapter_linear-classification/softmax-regression-scratch.html)
# Edits: no d2l package (Accumulator, accuracy, evaluate_accuracy, train_epoch
#   and sgd inlined as in the classic edition); Fashion-MNIST replaced by 256
#   seeded random 1x8x8 "images" of 10 classes; seeds fixed; 5 epochs.
import torch
from torch.utils import data

torch.manual_seed(0)

# Small synthetic "images": each class has its own mean pattern.
num_classes, n = 10, 256
centers = torch.randn(num_classes, 1, 8, 8)
train_labels = torch.randint(0, num_classes, (n,))
train_images = centers[train_labels] + 2.0 * torch.randn(n, 1, 8, 8)
test_labels = torch.randint(0, num_classes, (64,))
test_images = centers[test_labels] + 2.0 * torch.randn(64, 1, 8, 8)

batch_size = 32
train_iter = data.DataLoader(data.TensorDataset(train_images, train_labels),
                             batch_size, shuffle=True)
test_iter = data.DataLoader(data.TensorDataset(test_images, test_labels),
                            batch_size, shuffle=False)

num_inputs = 64
num_outputs = 10

W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdim=True), X.sum(1, keepdim=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


X = torch.normal(0, 1, (2, 5))
X_prob = softmax(X)
print(X_prob, X_prob.sum(1))


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


print(cross_entropy(y_hat, y))


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


print(accuracy(y_hat, y) / len(y))


class Accumulator:
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def evaluate_accuracy(net, data_iter):
    """Compute the accuracy for a model on a dataset."""
    if isinstance(net, torch.nn.Module):
        net.eval()  # Set the model to evaluation mode
    metric = Accumulator(2)  # No. of correct predictions, no. of predictions
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


print(evaluate_accuracy(net, test_iter))


def train_epoch_ch3(net, train_iter, loss, updater):
    """The training loop defined in Chapter 3."""
    if isinstance(net, torch.nn.Module):
        net.train()
    # Sum of training loss, sum of training accuracy, no. of examples
    metric = Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr = 0.1


def updater(batch_size):
    return sgd([W, b], lr, batch_size)


num_epochs = 5
for epoch in range(num_epochs):
    train_loss, train_acc = train_epoch_ch3(net, train_iter, cross_entropy, updater)
    test_acc = evaluate_accuracy(net, test_iter)
    print(f'epoch {epoch + 1}, loss {train_loss:.4f}, '
          f'train acc {train_acc:.3f}, test acc {test_acc:.3f}')


def predict_ch3(net, test_iter, n=6):
    """Predict labels."""
    for X, y in test_iter:
        break
    trues = [str(int(t)) for t in y]
    preds = [str(int(t)) for t in net(X).argmax(axis=1)]
    titles = [true + '\n' + pred for true, pred in zip(trues, preds)]
    for title in titles[0:n]:
        print(title.replace('\n', ' -> '))


predict_ch3(net, test_iter)
