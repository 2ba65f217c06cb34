# The training loop of a 784-128-10 MLP with SGD on batches of 64, written
# as a plain PyTorch script: it runs unchanged under `python` (with torch)
# and under `tinytorch-repl`, and prints the time per step and its parts.
# Random data (seeded), so it needs no files. Used by the loop benchmark
# (`bash lang/benches/loop_bench.sh`).
import sys
import time
import torch
import torch.nn as nn
import torch.nn.functional as F

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
torch.manual_seed(0)
torch.set_num_threads(2)
x = torch.randn(64 * 20, 784)
y = torch.randint(0, 10, (64 * 20,))
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)

fwd = bwd = upd = 0.0
for warm in (True, False):
    n = 30 if warm else steps
    fwd = bwd = upd = 0.0
    start = time.perf_counter()
    for i in range(n):
        k = i % 20
        xb = x[k * 64:(k + 1) * 64]
        yb = y[k * 64:(k + 1) * 64]
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        fwd += t1 - t0
        bwd += t2 - t1
        upd += t3 - t2
    total = time.perf_counter() - start
print(f"step_us {total / steps * 1e6:.1f} forward_us {fwd / steps * 1e6:.1f} backward_us {bwd / steps * 1e6:.1f} step_update_us {upd / steps * 1e6:.1f} loss {loss.item():.4f}")
