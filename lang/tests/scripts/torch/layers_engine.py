import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
conv = nn.Conv2d(1, 2, 3)
print(conv)
print(nn.Conv2d(2, 4, kernel_size=(3, 2), stride=2, padding=1, bias=False))
print(conv.weight.shape, conv.bias.shape)
x = torch.arange(32.0).view(1, 2, 4, 4) / 10
y = conv(x[:, :1])
print(y.shape, y.grad_fn is not None)
print(torch.round(y * 1000).detach())
pool = nn.MaxPool2d(2)
print(pool)
print(pool(x))
print(nn.MaxPool2d(3, stride=1, padding=1))
print(F.max_pool2d(x, 2, stride=1).shape)

emb = nn.Embedding(5, 3)
print(emb)
print(nn.Embedding(5, 3, padding_idx=0))
print(emb(torch.tensor([[0, 4], [2, 2]])).shape)

ln = nn.LayerNorm(4)
print(ln)
print(ln.weight, ln.bias)
h = torch.tensor([[1.0, 2.0, 3.0, 4.0], [2.0, 0.0, -2.0, 0.0]])
print(ln(h))
rms = nn.RMSNorm(4)
print(rms)
print(rms(h).detach())  # engine: grad_fn FusedRmsNormBackward0, PyTorch CPU: MulBackward0
print(nn.RMSNorm([4], eps=1e-6))
print(F.layer_norm(h, (4,)))
print(F.rms_norm(h, (4,), eps=1e-6))

model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
print(model)
print([n for n, p in model.named_parameters()])
print(sum(p.numel() for p in model.parameters()))
print(list(model.state_dict().keys()))

print(F.one_hot(torch.tensor([0, 2, 1]), 3))
print(F.one_hot(torch.tensor([1, 3])))
print(F.pad(torch.ones(2, 2), (1, 1)))
print(F.pad(torch.ones(1, 2), (0, 1, 1, 0), value=2.0))
q = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
print(F.scaled_dot_product_attention(q, q, q))
print(F.scaled_dot_product_attention(q, q, q, is_causal=True))
w = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])
print(F.conv2d(torch.arange(9.0).view(1, 1, 3, 3), w))
print(F.conv2d(torch.arange(9.0).view(1, 1, 3, 3), w, torch.tensor([0.5]), padding=1).shape)
print(F.embedding(torch.tensor([1, 0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])))

logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], requires_grad=True)
target = torch.tensor([0, 2])
l = F.nll_loss(F.log_softmax(logits, dim=1), target)
print(l)
print(nn.NLLLoss(reduction='sum')(F.log_softmax(logits, dim=1), target))
print(F.cross_entropy(logits, target, weight=torch.tensor([1.0, 2.0, 0.5])))
print(nn.CrossEntropyLoss(label_smoothing=0.1)(logits, target))
print(nn.CrossEntropyLoss(ignore_index=2)(logits, target))
print(nn.CrossEntropyLoss(reduction='none')(logits, target))
print(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 0.0])))
print(nn.MSELoss(reduction='sum')(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])))
print(nn.MSELoss())
print(nn.CrossEntropyLoss())


torch.manual_seed(1)
lin = nn.Linear(3, 2)
xi = torch.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0]], requires_grad=True)
out = lin(xi)
print(out)
(out * torch.tensor([[1.0, 2.0], [3.0, -1.0]])).sum().backward()
print(lin.weight.grad, lin.bias.grad, xi.grad, sep="\n")
print(F.linear(xi, lin.weight, lin.bias).grad_fn.name())
print(F.linear(xi, lin.weight).grad_fn.name())
# 1-D input: PyTorch records UnsafeViewBackward0, tinytorch AddBackward0 (not compared).


torch.manual_seed(0)
print(F.dropout(torch.ones(8), 0.5))
torch.manual_seed(0)
drop = nn.Dropout(0.25)
print(drop, drop(torch.ones(2, 5)))
drop.eval()
print(drop(torch.ones(3)))
print(F.dropout(torch.ones(3), 0.5, training=False))


torch.manual_seed(0)
e = nn.Embedding(4, 3, padding_idx=1)
print(e.weight)
out = e(torch.tensor([1, 2, 2]))
out.sum().backward()
print(e.weight.grad)
ln = nn.LayerNorm(3)
z = ln(torch.tensor([[1.0, 2.0, 4.0]], requires_grad=True))
(z * torch.tensor([[1.0, -1.0, 2.0]])).sum().backward()
print(ln.weight.grad, ln.bias.grad)

# expect: Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))
# expect: Conv2d(2, 4, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), bias=False)
# expect: torch.Size([2, 1, 3, 3]) torch.Size([2])
# expect: torch.Size([1, 2, 2, 2]) True
# expect: tensor([[[[-169., -184.],
# expect:           [-230., -246.]],
# expect:
# expect:          [[-160., -201.],
# expect:           [-324., -365.]]]])
# expect: MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
# expect: tensor([[[[0.5000, 0.7000],
# expect:           [1.3000, 1.5000]],
# expect:
# expect:          [[2.1000, 2.3000],
# expect:           [2.9000, 3.1000]]]])
# expect: MaxPool2d(kernel_size=3, stride=1, padding=1, dilation=1, ceil_mode=False)
# expect: torch.Size([1, 2, 3, 3])
# expect: Embedding(5, 3)
# expect: Embedding(5, 3, padding_idx=0)
# expect: torch.Size([2, 2, 3])
# expect: LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
# expect: Parameter containing:
# expect: tensor([1., 1., 1., 1.], requires_grad=True) Parameter containing:
# expect: tensor([0., 0., 0., 0.], requires_grad=True)
# expect: tensor([[-1.3416, -0.4472,  0.4472,  1.3416],
# expect:         [ 1.4142,  0.0000, -1.4142,  0.0000]],
# expect:        grad_fn=<NativeLayerNormBackward0>)
# expect: RMSNorm((4,), eps=None, elementwise_affine=True)
# expect: tensor([[ 0.3651,  0.7303,  1.0954,  1.4606],
# expect:         [ 1.4142,  0.0000, -1.4142,  0.0000]])
# expect: RMSNorm((4,), eps=1e-06, elementwise_affine=True)
# expect: tensor([[-1.3416, -0.4472,  0.4472,  1.3416],
# expect:         [ 1.4142,  0.0000, -1.4142,  0.0000]])
# expect: tensor([[ 0.3651,  0.7303,  1.0954,  1.4606],
# expect:         [ 1.4142,  0.0000, -1.4142,  0.0000]])
# expect: Sequential(
# expect:   (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
# expect:   (1): ReLU()
# expect:   (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
# expect:   (3): Flatten(start_dim=1, end_dim=-1)
# expect:   (4): Linear(in_features=8, out_features=3, bias=True)
# expect: )
# expect: ['0.weight', '0.bias', '4.weight', '4.bias']
# expect: 47
# expect: ['0.weight', '0.bias', '4.weight', '4.bias']
# expect: tensor([[1, 0, 0],
# expect:         [0, 0, 1],
# expect:         [0, 1, 0]])
# expect: tensor([[0, 1, 0, 0],
# expect:         [0, 0, 0, 1]])
# expect: tensor([[0., 1., 1., 0.],
# expect:         [0., 1., 1., 0.]])
# expect: tensor([[2., 2., 2.],
# expect:         [1., 1., 2.]])
# expect: tensor([[[0.8022, 0.5989],
# expect:          [0.5989, 0.8022],
# expect:          [0.7517, 0.7517]]])
# expect: tensor([[[1.0000, 0.0000],
# expect:          [0.3302, 0.6698],
# expect:          [0.7517, 0.7517]]])
# expect: tensor([[[[-4., -4.],
# expect:           [-4., -4.]]]])
# expect: torch.Size([1, 1, 4, 4])
# expect: tensor([[3., 4.],
# expect:         [1., 2.]])
# expect: tensor(0.1755, grad_fn=<NllLossBackward0>)
# expect: tensor(0.3509, grad_fn=<NllLossBackward0>)
# expect: tensor(0.1974, grad_fn=<NllLossBackward0>)
# expect: tensor(0.3455, grad_fn=<AddBackward0>)
# expect: tensor(0.2413, grad_fn=<NllLossBackward0>)
# expect: tensor([0.2413, 0.1096], grad_fn=<NllLossBackward0>)
# expect: tensor(0.6307)
# expect: tensor(5.)
# expect: MSELoss()
# expect: CrossEntropyLoss()
# expect: tensor([[ 0.6324,  1.8249],
# expect:         [-0.5975,  0.4427]], grad_fn=<AddmmBackward0>)
# expect: tensor([[ 1.0000,  1.0000,  6.5000],
# expect:         [ 2.0000, -5.0000, -1.0000]])
# expect: tensor([4., 1.])
# expect: tensor([[ 0.8395, -1.3419,  0.5806],
# expect:         [ 0.6215, -0.2210, -0.6820]])
# expect: AddmmBackward0
# expect: MmBackward0
# expect: tensor([0., 0., 2., 0., 0., 0., 2., 2.])
# expect: Dropout(p=0.25, inplace=False) tensor([[0.0000, 1.3333, 1.3333, 0.0000, 1.3333],
# expect:         [0.0000, 1.3333, 1.3333, 1.3333, 1.3333]])
# expect: tensor([1., 1., 1.])
# expect: tensor([1., 1., 1.])
# expect: Parameter containing:
# expect: tensor([[ 1.5410, -0.2934, -2.1788],
# expect:         [ 0.0000,  0.0000,  0.0000],
# expect:         [ 0.4033,  0.8380, -0.7193],
# expect:         [-0.4033, -0.5966,  0.1820]], requires_grad=True)
# expect: tensor([[0., 0., 0.],
# expect:         [0., 0., 0.],
# expect:         [2., 2., 2.],
# expect:         [0., 0., 0.]])
# expect: tensor([-1.0690,  0.2673,  2.6726]) tensor([ 1., -1.,  2.])
