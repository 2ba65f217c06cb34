import torch
x = torch.ones(3)
x.sum(dimm=0)

# expect error: TypeError: sum() got an unexpected keyword argument 'dimm'
