import torch
torch.ones(2, 3) + torch.ones(4)

# expect error: RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1
