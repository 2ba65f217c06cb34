# Every collective of torch.distributed on the CPU, one line per result,
# each prefixed with the rank (the test derives the expected values).
import torch
import torch.distributed as dist
from torch.utils.data import TensorDataset
from torch.utils.data.distributed import DistributedSampler

dist.init_process_group("gloo")
r, w = dist.get_rank(), dist.get_world_size()
t = torch.arange(4.0) + 10 * r
dist.all_reduce(t)
print(r, "sum", t.tolist())
t = torch.tensor([float(r)])
dist.all_reduce(t, op=dist.ReduceOp.AVG)
print(r, "avg", t.tolist())
for name, op in [("max", dist.ReduceOp.MAX), ("min", dist.ReduceOp.MIN), ("product", dist.ReduceOp.PRODUCT)]:
    t = torch.tensor([r + 1], dtype=torch.int64)
    dist.all_reduce(t, op=op)
    print(r, name, t.tolist())
t = torch.tensor([float(r)])
dist.broadcast(t, src=w - 1)
print(r, "broadcast", t.tolist())
parts = [torch.zeros(2) for _ in range(w)]
dist.all_gather(parts, torch.tensor([float(r), float(r * r)]))
print(r, "all_gather", [p.tolist() for p in parts])
out = torch.zeros(2)
dist.reduce_scatter_tensor(out, torch.arange(2.0 * w) + r)
print(r, "reduce_scatter", out.tolist())
got = [torch.zeros(1) for _ in range(w)] if r == 0 else None
dist.gather(torch.tensor([float(r)]), got, dst=0)
if r == 0:
    print(r, "gather", [g.tolist() for g in got])
mine = torch.zeros(1)
dist.scatter(mine, [torch.tensor([100.0 + i]) for i in range(w)] if r == 0 else None, src=0)
print(r, "scatter", mine.tolist())
work = dist.all_reduce(torch.ones(1), async_op=True)
print(r, "async", work.wait())
s = DistributedSampler(TensorDataset(torch.arange(10)), shuffle=False)
print(r, "sampler", list(s), len(s))
dist.barrier()
dist.destroy_process_group()
