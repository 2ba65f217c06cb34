# BCE with logits as one node, as PyTorch prints it, with input and target
# gradients through weight and pos_weight.
import torch, torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(2, 3, requires_grad=True)
t = torch.rand(2, 3, requires_grad=True)
for r in ['mean', 'sum', 'none']:
    out = F.binary_cross_entropy_with_logits(x, t, reduction=r, pos_weight=torch.tensor([1.0, 2.0, 0.5]), weight=torch.tensor([[1.0], [3.0]]))
    print(out.grad_fn.name(), out.detach())
    x.grad = None; t.grad = None
    out.sum().backward()
    print(x.grad, t.grad)
print(torch.nn.BCEWithLogitsLoss()(x, t.detach()))

# expect: BinaryCrossEntropyWithLogitsBackward0 tensor(2.1881)
# expect: tensor([[ 0.1335,  0.0269, -0.0100],
# expect:         [ 0.0599, -0.4832, -0.1406]]) tensor([[-0.2568,  0.1907,  0.1726],
# expect:         [-0.2842,  1.2301,  0.2945]])
# expect: BinaryCrossEntropyWithLogitsBackward0 tensor(13.1286)
# expect: tensor([[ 0.8013,  0.1616, -0.0602],
# expect:         [ 0.3596, -2.8993, -0.8436]]) tensor([[-1.5410,  1.1440,  1.0358],
# expect:         [-1.7053,  7.3808,  1.7669]])
# expect: BinaryCrossEntropyWithLogitsBackward0 tensor([[1.7007, 0.7503, 0.4116],
# expect:         [2.1674, 6.0230, 2.0756]])
# expect: tensor([[ 0.8013,  0.1616, -0.0602],
# expect:         [ 0.3596, -2.8993, -0.8436]]) tensor([[-1.5410,  1.1440,  1.0358],
# expect:         [-1.7053,  7.3808,  1.7669]])
# expect: tensor(1.0275, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)
