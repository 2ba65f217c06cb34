# Regression losses and BCE on probabilities, forward and backward, as PyTorch.
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(4, 3, requires_grad=True)
y = torch.randn(4, 3)
for name, f in [("l1", F.l1_loss), ("smooth_l1", F.smooth_l1_loss), ("huber", F.huber_loss)]:
    for red in ["mean", "sum", "none"]:
        out = f(x, y, reduction=red)
        print(name, red, out.detach() if red == "none" else round(out.item(), 5))
    x.grad = None
    f(x * 2, y).backward()
    print(name, "grad", x.grad)
print(round(F.smooth_l1_loss(x, y, beta=0.5).item(), 5), round(F.smooth_l1_loss(x, y, beta=0.0).item(), 5))
print(round(F.huber_loss(x, y, delta=2.0).item(), 5))
p = torch.sigmoid(torch.randn(5, requires_grad=True))
t = torch.tensor([0., 1., 1., 0., 1.])
print(F.binary_cross_entropy(p, t))
print(F.binary_cross_entropy(torch.tensor([0., 1., 0.5]), torch.tensor([1., 0., 0.5])))
print(F.binary_cross_entropy(p, t, weight=torch.tensor([1., 2., 1., 2., 1.]), reduction="sum"))
q = torch.tensor([0.2, 0.7, 0.9], requires_grad=True)
F.binary_cross_entropy(q, torch.tensor([0., 1., 0.])).backward()
print(q.grad)
print(round(nn.L1Loss()(x, y).item(), 5), round(nn.SmoothL1Loss(beta=0.3)(x, y).item(), 5), round(nn.HuberLoss(delta=0.7)(x, y).item(), 5))
print(round(nn.BCELoss()(p, t).item(), 5), round(nn.BCELoss(reduction="sum")(p, t).item(), 5))
try:
    F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
except RuntimeError as e:
    print("RuntimeError", e)
print(F.binary_cross_entropy(q, torch.tensor([0., 1., 0.])).grad_fn.name())
print(nn.SmoothL1Loss(beta=0.3), nn.BCELoss())

# expect: l1 mean 1.36302
# expect: l1 sum 16.35618
# expect: l1 none tensor([[2.3977, 1.3940, 1.1076],
# expect:         [0.4457, 0.5182, 1.7717],
# expect:         [1.2953, 2.3471, 1.0897],
# expect:         [1.8598, 1.5364, 0.5928]])
# expect: l1 grad tensor([[ 0.1667, -0.1667, -0.1667],
# expect:         [ 0.1667, -0.1667, -0.1667],
# expect:         [ 0.1667,  0.1667, -0.1667],
# expect:         [-0.1667, -0.1667, -0.1667]])
# expect: smooth_l1 mean 0.8924
# expect: smooth_l1 sum 10.70875
# expect: smooth_l1 none tensor([[1.8977, 0.8940, 0.6076],
# expect:         [0.0993, 0.1343, 1.2717],
# expect:         [0.7953, 1.8471, 0.5897],
# expect:         [1.3598, 1.0364, 0.1757]])
# expect: smooth_l1 grad tensor([[ 0.1667, -0.1667, -0.1667],
# expect:         [ 0.1667, -0.1667, -0.1667],
# expect:         [ 0.1667,  0.1667, -0.1667],
# expect:         [-0.1667, -0.1667, -0.0685]])
# expect: huber mean 0.8924
# expect: huber sum 10.70875
# expect: huber none tensor([[1.8977, 0.8940, 0.6076],
# expect:         [0.0993, 0.1343, 1.2717],
# expect:         [0.7953, 1.8471, 0.5897],
# expect:         [1.3598, 1.0364, 0.1757]])
# expect: huber grad tensor([[ 0.1667, -0.1667, -0.1667],
# expect:         [ 0.1667, -0.1667, -0.1667],
# expect:         [ 0.1667,  0.1667, -0.1667],
# expect:         [-0.1667, -0.1667, -0.0685]])
# expect: 1.11326 1.36302
# expect: 1.11633
# expect: tensor(0.7307, grad_fn=<BinaryCrossEntropyBackward0>)
# expect: tensor(66.8977)
# expect: tensor(4.2763, grad_fn=<BinaryCrossEntropyBackward0>)
# expect: tensor([ 0.4167, -0.4762,  3.3333])
# expect: 1.36302 1.21302 0.71366
# expect: 0.73071 3.65356
# expect: RuntimeError all elements of input should be between 0 and 1
# expect: BinaryCrossEntropyBackward0
# expect: SmoothL1Loss() BCELoss()
