import torch
x = torch.ones(3)
x.foo

# expect error: AttributeError: 'Tensor' object has no attribute 'foo'
