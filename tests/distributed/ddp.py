# DistributedDataParallel against single-process training on the same
# global batches: rank 0's initial weights reach every rank, gradients are
# averaged, no_sync accumulates locally. Prints one line of checks per rank.
import torch
import torch.nn as nn
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import TensorDataset, DataLoader
from torch.utils.data.distributed import DistributedSampler

dist.init_process_group("gloo")
r, w = dist.get_rank(), dist.get_world_size()

def make():
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))

torch.manual_seed(0)
ref = make()                 # what rank 0 starts from
torch.manual_seed(r)
model = make()               # every other rank starts elsewhere
ddp = DDP(model)
same_start = all(torch.equal(a, b) for a, b in zip(model.parameters(), ref.parameters()))

torch.manual_seed(123)
X, Y = torch.randn(64, 5), torch.randn(64, 1)
ds = TensorDataset(X, Y)
sampler = DistributedSampler(ds, shuffle=True, seed=7)
loader = DataLoader(ds, batch_size=8, sampler=sampler)
opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
for epoch in range(2):
    sampler.set_epoch(epoch)
    # Every rank's indices for this epoch, for the single-process reference.
    shares = []
    for q in range(w):
        s = DistributedSampler(ds, num_replicas=w, rank=q, shuffle=True, seed=7)
        s.set_epoch(epoch)
        shares.append(list(s))
    for step, (x, y) in enumerate(loader):
        opt.zero_grad()
        loss_fn(ddp(x), y).backward()
        opt.step()
        # The reference: the mean of the ranks' mean losses, in one process.
        ref_opt.zero_grad()
        total = 0
        for q in range(w):
            idx = torch.tensor(shares[q][step * 8:(step + 1) * 8])
            total = total + loss_fn(ref(X[idx]), Y[idx])
        (total / w).backward()
        ref_opt.step()
diff = max((a - b).abs().max().item() for a, b in zip(model.parameters(), ref.parameters()))
scale = max(b.abs().max().item() for b in ref.parameters())
matches = diff <= 1e-6 * scale
# Every rank holds the same weights.
flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
lo, hi = flat.clone(), flat.clone()
dist.all_reduce(lo, op=dist.ReduceOp.MIN)
dist.all_reduce(hi, op=dist.ReduceOp.MAX)
agree = torch.equal(lo, hi)

# no_sync: a backward inside keeps the local gradient; the next one outside
# averages the accumulated sum over the ranks.
def rows(q, k):
    a = 32 * k + 4 * q
    return X[a:a + 4], Y[a:a + 4]

opt.zero_grad()
with ddp.no_sync():
    loss_fn(ddp(rows(r, 0)[0]), rows(r, 0)[1]).backward()
g1 = model[0].weight.grad.clone()
lo, hi = g1.clone(), g1.clone()
dist.all_reduce(lo, op=dist.ReduceOp.MIN)
dist.all_reduce(hi, op=dist.ReduceOp.MAX)
local = not torch.equal(lo, hi)
loss_fn(ddp(rows(r, 1)[0]), rows(r, 1)[1]).backward()
g = model[0].weight.grad.clone()
chk = make()
chk.load_state_dict(model.state_dict())
expected = torch.zeros_like(g)
for q in range(w):
    chk.zero_grad()
    for k in range(2):
        loss_fn(chk(rows(q, k)[0]), rows(q, k)[1]).backward()
    expected = expected + chk[0].weight.grad
expected = expected / w
accumulated = (g - expected).abs().max().item() <= 1e-6 * expected.abs().max().item()
print(r, "start", same_start, "trained", matches, "agree", agree, "local", local,
      "accumulated", accumulated, "keys", list(ddp.state_dict().keys())[:2])
dist.destroy_process_group()
