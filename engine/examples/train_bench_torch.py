"""PyTorch twin of train_bench.rs: the same MNIST-shaped training steps,
timed the same way, for a side-by-side table.

    python engine/examples/train_bench_torch.py [--batches N] [--threads T]

Prints one line per model, `<name> <wall ms per batch> <CPU ms per batch>`
(process CPU time, all threads), which train_bench
(`--torch PYTHON`) reads. Needs torch; nothing in the build or CI runs it.
Tested with torch 2.x on CPU.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 64


class Net(nn.Module):  # PyTorch's examples/mnist network
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = F.dropout(x, 0.25, True).flatten(1)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, 0.5, True)
        return F.log_softmax(self.fc2(x), dim=1)


def bench(model, opt, batches):
    x = torch.randn(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad()
        F.nll_loss(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    c, t = time.process_time(), time.perf_counter()
    for _ in range(batches):
        step()
    return (1e3 * (time.perf_counter() - t) / batches, 1e3 * (time.process_time() - c) / batches)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.LogSoftmax(1))
    print("mlp %.4f %.4f" % bench(mlp, torch.optim.SGD(mlp.parameters(), lr=0.01), a.batches), flush=True)
    cnn = Net()
    print("cnn %.4f %.4f" % bench(cnn, torch.optim.Adadelta(cnn.parameters(), lr=1.0), a.batches), flush=True)


if __name__ == "__main__":
    main()
