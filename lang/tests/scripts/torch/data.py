import torch
from torch.utils.data import DataLoader, TensorDataset, Dataset

X = torch.arange(10, dtype=torch.float32).reshape(5, 2)
y = torch.tensor([0, 1, 0, 1, 1])
ds = TensorDataset(X, y)
print(len(ds), ds[1])
loader = DataLoader(ds, batch_size=2)
print(len(loader))
for xb, yb in loader:
    print(xb, yb)
print(len(DataLoader(ds, batch_size=2, drop_last=True)))
batches = [b for b in DataLoader(ds, batch_size=2, drop_last=True)]
print(len(batches), batches[1][1])


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i)]), i * i


sq = Squares(3)
print(len(sq))
for xb, yb in DataLoader(sq, batch_size=3):
    print(xb, yb)
seen = sorted(int(b[1][0]) for b in DataLoader(ds, batch_size=1, shuffle=True))
print(seen)

# expect: 5 (tensor([2., 3.]), tensor(1))
# expect: 3
# expect: tensor([[0., 1.],
# expect:         [2., 3.]]) tensor([0, 1])
# expect: tensor([[4., 5.],
# expect:         [6., 7.]]) tensor([0, 1])
# expect: tensor([[8., 9.]]) tensor([1])
# expect: 2
# expect: 2 tensor([0, 1])
# expect: 3
# expect: tensor([[0.],
# expect:         [1.],
# expect:         [2.]]) tensor([0, 1, 4])
# expect: [0, 0, 1, 1, 1]
