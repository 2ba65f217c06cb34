# Fused losses print and differentiate as PyTorch: MseLossBackward0,
# SmoothL1LossBackward0, HuberLossBackward0; l1_loss stays composite.
import torch, torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True); y = torch.rand(3)
for f in [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss]:
    for r in ['mean', 'sum', 'none']:
        out = f(x, y, reduction=r)
        print(f.__name__, r, out.grad_fn.name())
        x.grad = None
        out.sum().backward()
        print(x.grad)
t = torch.rand(2, 3, requires_grad=True)
F.mse_loss(torch.zeros(2, 3), t).backward()
print(t.grad)

# expect: mse_loss mean MseLossBackward0
# expect: tensor([ 0.7236, -0.6172, -1.6851])
# expect: mse_loss sum MseLossBackward0
# expect: tensor([ 2.1707, -1.8515, -5.0554])
# expect: mse_loss none MseLossBackward0
# expect: tensor([ 2.1707, -1.8515, -5.0554])
# expect: l1_loss mean MeanBackward0
# expect: tensor([ 0.3333, -0.3333, -0.3333])
# expect: l1_loss sum SumBackward0
# expect: tensor([ 1., -1., -1.])
# expect: l1_loss none AbsBackward0
# expect: tensor([ 1., -1., -1.])
# expect: smooth_l1_loss mean SmoothL1LossBackward0
# expect: tensor([ 0.3333, -0.3086, -0.3333])
# expect: smooth_l1_loss sum SmoothL1LossBackward0
# expect: tensor([ 1.0000, -0.9257, -1.0000])
# expect: smooth_l1_loss none SmoothL1LossBackward0
# expect: tensor([ 1.0000, -0.9257, -1.0000])
# expect: huber_loss mean HuberLossBackward0
# expect: tensor([ 0.3333, -0.3086, -0.3333])
# expect: huber_loss sum HuberLossBackward0
# expect: tensor([ 1.0000, -0.9257, -1.0000])
# expect: huber_loss none HuberLossBackward0
# expect: tensor([ 1.0000, -0.9257, -1.0000])
# expect: tensor([[0.1339, 0.0074, 0.0563],
# expect:         [0.0980, 0.1728, 0.2326]])
