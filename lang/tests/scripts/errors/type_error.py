import torch
x = torch.ones(3)
x.sum(dimm=0)

# expect error:  * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)
