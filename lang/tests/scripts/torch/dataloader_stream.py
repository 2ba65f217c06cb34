# DataLoader's random stream as PyTorch's: each epoch draws a base seed and
# (shuffling) the sampler's seed from the global generator, or uses
# generator=; the order and everything drawn afterwards match.
import torch
from torch.utils.data import DataLoader, TensorDataset
ds = TensorDataset(torch.arange(10))
torch.manual_seed(0)
print([x[0].tolist() for x in DataLoader(ds, batch_size=10, shuffle=True)], torch.rand(1).item())
torch.manual_seed(0)
print([x[0].tolist() for x in DataLoader(ds, batch_size=10)], torch.rand(1).item())
g = torch.Generator().manual_seed(5)
loader = DataLoader(ds, batch_size=4, shuffle=True, generator=g)
for epoch in range(2):
    print([x[0].tolist() for x in loader])
print(torch.rand(1).item())
torch.manual_seed(1)
X = torch.randn(12, 3)
Y = torch.arange(12)
loader = DataLoader(TensorDataset(X, Y), batch_size=5, shuffle=True, drop_last=True)
for epoch in range(3):
    for xb, yb in loader:
        print(epoch, yb.tolist(), round(xb.sum().item(), 4))
print(torch.randn(2))

# expect: [[6, 7, 1, 4, 2, 0, 9, 8, 3, 5]] 0.30742281675338745
# expect: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]] 0.08847743272781372
# expect: [[7, 4, 8, 1], [2, 3, 6, 5], [9, 0]]
# expect: [[2, 1, 6, 3], [5, 9, 4, 7], [8, 0]]
# expect: 0.13203048706054688
# expect: 0 [6, 4, 2, 0, 8] -4.0744
# expect: 0 [3, 1, 9, 7, 5] -3.4778
# expect: 1 [7, 6, 11, 0, 3] -1.1245
# expect: 1 [9, 5, 1, 4, 8] -1.4169
# expect: 2 [2, 7, 5, 3, 6] -4.5955
# expect: 2 [8, 0, 10, 1, 9] -1.298
# expect: tensor([ 0.1103, -2.2590])
