# Samplers as PyTorch's: SequentialSampler, RandomSampler (with and without
# replacement, num_samples, generator), BatchSampler, and DataLoader's
# sampler= and batch_sampler=, with PyTorch's random stream.
import torch
from torch.utils.data import DataLoader, TensorDataset, RandomSampler, SequentialSampler, BatchSampler
ds = TensorDataset(torch.arange(10) * 10)
torch.manual_seed(0)
print(list(SequentialSampler(ds)), len(SequentialSampler(ds)))
print(list(RandomSampler(ds)), torch.rand(1).item())
print(list(RandomSampler(ds, replacement=True, num_samples=40)), len(RandomSampler(ds, num_samples=25)))
print(list(RandomSampler(ds, num_samples=13)))
g = torch.Generator().manual_seed(3)
print(list(RandomSampler(ds, generator=g)), list(RandomSampler(ds, generator=g)))
print(list(BatchSampler(SequentialSampler(ds), 4, False)), list(BatchSampler(range(10), 3, True)))
print(len(BatchSampler(range(10), 3, False)), len(BatchSampler(range(10), 3, True)))
torch.manual_seed(0)
loader = DataLoader(ds, batch_size=4, sampler=RandomSampler(ds))
print([b[0].tolist() for b in loader], len(loader), torch.rand(1).item())
loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds), 3, drop_last=True))
print([b[0].tolist() for b in loader], len(loader), torch.rand(1).item())
loader = DataLoader(ds, batch_size=3, sampler=[9, 8, 1])
print([b[0].tolist() for b in loader])
for bad in [dict(sampler=SequentialSampler(ds), shuffle=True), dict(batch_sampler=BatchSampler(range(4), 2, False), batch_size=2)]:
    try:
        DataLoader(ds, **bad)
    except ValueError as e:
        print("ValueError", e)

# expect: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] 10
# expect: [6, 9, 0, 7, 3, 5, 4, 2, 1, 8] 0.08847743272781372
# expect: [1, 6, 1, 8, 3, 6, 6, 8, 3, 8, 6, 4, 5, 3, 2, 1, 4, 5, 7, 7, 0, 5, 0, 4, 2, 4, 4, 1, 1, 7, 7, 4, 0, 0, 0, 4, 5, 1, 5, 4] 25
# expect: [6, 9, 0, 2, 3, 7, 1, 8, 4, 5, 6, 0, 2]
# expect: [6, 0, 3, 7, 8, 5, 1, 9, 2, 4] [0, 9, 6, 1, 7, 2, 5, 3, 4, 8]
# expect: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
# expect: 4 3
# expect: [[60, 70, 10, 40], [20, 0, 90, 80], [30, 50]] 3 0.30742281675338745
# expect: [[10, 30, 40], [70, 60, 80], [20, 50, 0]] 3 0.6323062777519226
# expect: [[90, 80, 10]]
# expect: ValueError sampler option is mutually exclusive with shuffle
# expect: ValueError batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last
