import torch
if torch.ones(3) > 0:
    pass

# expect error: RuntimeError: Boolean value of Tensor with more than one value is ambiguous
