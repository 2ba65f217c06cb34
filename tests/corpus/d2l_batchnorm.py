# Follows: Dive into Deep Learning (PyTorch), "Batch Normalization"
#   (https://d2l.ai/chapter_convolutional-modern/batch-norm.html)
# Edits: no d2l package; seeded random inputs instead of Fashion-MNIST;
#   the from-scratch BatchNorm compared with nn.BatchNorm1d / nn.BatchNorm2d
#   on the same batches instead of training LeNet.
import torch
from torch import nn

torch.manual_seed(0)


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # Use is_grad_enabled to determine whether we are in training mode
    if not torch.is_grad_enabled():
        # In prediction mode, use mean and variance obtained by moving average
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # When using a fully connected layer, calculate the mean and
            # variance on the feature dimension
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # When using a two-dimensional convolutional layer, calculate the
            # mean and variance on the channel dimension (axis=1). Here we
            # need to maintain the shape of X, so that the broadcasting
            # operation can be carried out later
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        # In training mode, the current mean and variance are used
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the mean and variance using moving average
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta  # Scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    # num_features: the number of outputs for a fully connected layer or the
    # number of output channels for a convolutional layer. num_dims: 2 for a
    # fully connected layer and 4 for a convolutional layer
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        # The scale parameter and the shift parameter (model parameters) are
        # initialized to 1 and 0, respectively
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # The variables that are not model parameters are initialized to 0 and
        # 1
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        # If X is not on the main memory, copy moving_mean and moving_var to
        # the device where X is located
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        # Save the updated moving_mean and moving_var
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


# Fully connected case
bn = BatchNorm(4, num_dims=2)
ref = nn.BatchNorm1d(4)
print(ref)
X = torch.randn(8, 4) * 3 + 1
Y = bn(X)
Y_ref = ref(X)
print(Y[:2])
print(torch.allclose(Y, Y_ref, atol=1e-5))
print(torch.allclose(Y.mean(dim=0), torch.zeros(4), atol=1e-6), Y.std(dim=0, unbiased=False))
print(bn.moving_mean)
print(ref.running_mean)
print([name for name, _ in bn.named_parameters()])
print([name for name, _ in ref.named_parameters()])

# Convolutional case
bn2 = BatchNorm(3, num_dims=4)
ref2 = nn.BatchNorm2d(3)
for step in range(3):
    X = torch.randn(4, 3, 5, 5) + step
    Y = bn2(X)
    Y_ref = ref2(X)
    print(step, torch.allclose(Y, Y_ref, atol=1e-5))
print(bn2.moving_mean.reshape(-1))
print(ref2.running_mean)
print(bn2.moving_var.reshape(-1))
print(ref2.running_var)
print(ref2.num_batches_tracked)

# Prediction mode: the scratch version reads torch.is_grad_enabled(),
# the module reads eval()
X = torch.randn(2, 3, 5, 5)
with torch.no_grad():
    Y = bn2(X)
ref2.eval()
Y_ref = ref2(X)
print(torch.allclose(Y, Y_ref, atol=1e-5))
print(Y[0, :, 0, 0])

# Gradients flow to gamma and beta
loss = bn2(X).sum() + (bn2(X) ** 2).mean()
loss.backward()
print(bn2.gamma.grad.reshape(-1), bn2.beta.grad.reshape(-1))

# The concise LeNet with batch normalization, one forward pass
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
    nn.Linear(84, 10))
X = torch.randn(4, 1, 28, 28)
print(net(X).shape)
print(net[1].gamma if hasattr(net[1], 'gamma') else net[1].weight.shape)
print(net[1].running_mean)
