import torch
a = torch.ones(2, 3)
b = torch.ones(4, 5)
print("before")
c = a @ b

# expect: before
# expect error: RuntimeError: mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)
