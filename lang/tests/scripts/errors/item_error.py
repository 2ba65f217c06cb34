import torch
torch.ones(3).item()

# expect error: RuntimeError: a Tensor with 3 elements cannot be converted to Scalar
