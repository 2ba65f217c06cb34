"""PyTorch reference for the mnist example's recipe (pytorch/examples
mnist/main.py, one process, CPU): trains the same CNN for N epochs on the
IDX files in DIR and prints test accuracy per epoch, to compare accuracy
distributions across seeds with `cargo run --release --example mnist`.

    python engine/examples/mnist_torch.py [--data DIR] [--epochs N] [--seed S] [--threads T]

Needs torch and numpy; nothing in the build or CI runs it.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(path):
    raw = open(path, "rb").read()
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = self.dropout1(F.max_pool2d(x, 2)).flatten(1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def load(d, split):
    x = torch.from_numpy(idx(f"{d}/{split}-images-idx3-ubyte").copy()).float().div(255)
    y = torch.from_numpy(idx(f"{d}/{split}-labels-idx1-ubyte").astype(np.int64))
    return (x.unsqueeze(1) - 0.1307) / 0.3081, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    (xtr, ytr), (xte, yte) = load(a.data, "train"), load(a.data, "t10k")
    model = Net()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    for epoch in range(1, a.epochs + 1):
        model.train()
        t = time.perf_counter()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            F.nll_loss(model(xtr[b]), ytr[b]).backward()
            opt.step()
        secs = time.perf_counter() - t
        model.eval()
        with torch.no_grad():
            out = torch.cat([model(xte[i:i + 1000]) for i in range(0, len(xte), 1000)])
        acc = (out.argmax(1) == yte).float().mean().item() * 100
        print(f"seed {a.seed} epoch {epoch}: test accuracy {acc:.2f}%, {secs:.1f}s", flush=True)
        sched.step()


if __name__ == "__main__":
    main()
