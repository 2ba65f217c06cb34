# A small CNN trained end to end: nn.Module subclass, Conv2d, MaxPool2d,
# Dropout off in eval, CrossEntropyLoss, Adam, StepLR, DataLoader over a
# TensorDataset, tqdm (its bar goes to stderr), clip_grad_norm_.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.norm = nn.LayerNorm(16)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv(x)))
        x = x.mean(dim=1).flatten(1)
        return self.fc(self.norm(x))


torch.manual_seed(0)
x = torch.randn(24, 1, 8, 8)
y = torch.randint(0, 3, (24,))
model = Net()
print(model)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()
loader = DataLoader(TensorDataset(x, y), batch_size=8)
print(len(loader))
for epoch in tqdm(range(4), desc="epochs"):
    total = 0.0
    bar = tqdm(loader, leave=False)
    for xb, yb in bar:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        total += loss.item()
        bar.set_postfix(loss=loss.item())
    sched.step()
    print(epoch, round(total / len(loader), 3), sched.get_last_lr())
model.eval()
with torch.no_grad():
    acc = (model(x).argmax(dim=1) == y).float().mean()
print(round(acc.item(), 3))
print(type(loss.grad_fn).__name__)

# expect: Net(
# expect:   (conv): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
# expect:   (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
# expect:   (norm): LayerNorm((16,), eps=1e-05, elementwise_affine=True, bias=True)
# expect:   (fc): Linear(in_features=16, out_features=3, bias=True)
# expect: )
# expect: 3
# expect: 0 1.3 [0.01]
# expect: 1 1.078 [0.005]
# expect: 2 0.955 [0.005]
# expect: 3 0.895 [0.0025]
# expect: 0.708
# expect: NllLossBackward0
