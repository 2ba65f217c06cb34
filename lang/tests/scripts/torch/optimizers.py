import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


def run(make, steps=3):
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = make(model.parameters())
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    y = torch.tensor([[1.0, 0.0], [-1.0, 2.0]])
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    print(type(opt).__name__, round(loss.item(), 3))
    print(torch.round(model.weight.detach() * 10000))
    return opt


run(lambda p: optim.SGD(p, lr=0.1))
run(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
run(lambda p: optim.SGD(p, 0.05, 0.5, 0.1))
run(lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1))
run(lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True))
run(lambda p: optim.Adadelta(p, lr=0.5))
run(lambda p: optim.Adam(p, lr=0.05))
run(lambda p: optim.Adam(p, lr=0.05, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.1))
run(lambda p: optim.AdamW(p, lr=0.05))
run(lambda p: optim.Adam(p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True))

opt = run(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
print(opt)
g = opt.param_groups[0]
print(g['lr'], g['momentum'], g['nesterov'], len(g['params']))
sd = opt.state_dict()
print(list(sd.keys()), sorted(sd['state'].keys()), list(sd['state'][0].keys()))
print(sd['param_groups'][0]['params'], sd['param_groups'][0]['lr'])
print(optim.Adam([torch.zeros(2, requires_grad=True)]))
print(optim.AdamW([torch.zeros(1, requires_grad=True)]).param_groups[0]['weight_decay'])

# param groups with their own options
torch.manual_seed(0)
m = nn.Linear(2, 1)
opt = optim.SGD([{'params': [m.weight]}, {'params': [m.bias], 'lr': 0.5}], lr=0.1)
print([g['lr'] for g in opt.param_groups])
m(torch.ones(1, 2)).sum().backward()
b0 = m.bias.item()
opt.step()
print(round(b0 - m.bias.item(), 4))

# changing lr in param_groups takes effect; StepLR
torch.manual_seed(0)
w = torch.tensor([1.0, -2.0], requires_grad=True)
opt = optim.SGD([w], lr=1.0)
sched = StepLR(opt, step_size=2, gamma=0.5)
for epoch in range(5):
    opt.zero_grad()
    (w ** 2).sum().backward()
    opt.step()
    sched.step()
    print(epoch, sched.get_last_lr(), w.detach())
print(opt.param_groups[0]['initial_lr'])
opt.param_groups[0]['lr'] = 0.0
opt.zero_grad()
(w ** 2).sum().backward()
opt.step()
print(w.detach())

# state_dict round trip: a fresh optimizer continues identically
torch.manual_seed(0)
a = nn.Linear(2, 2)
b = nn.Linear(2, 2)
b.load_state_dict(a.state_dict())
oa = optim.Adam(a.parameters(), lr=0.1)
x = torch.tensor([[1.0, -1.0]])
for _ in range(2):
    oa.zero_grad()
    a(x).pow(2).sum().backward()
    oa.step()
b.load_state_dict(a.state_dict())
ob = optim.Adam(b.parameters(), lr=0.5)
ob.load_state_dict(oa.state_dict())
print(ob.param_groups[0]['lr'])
# (PyTorch's loaded state shares tensors with oa's: step only ob.)
ob.zero_grad()
b(x).pow(2).sum().backward()
ob.step()
print(torch.round(b.weight.detach() * 10000))

# closure
w = torch.tensor([3.0], requires_grad=True)
opt = optim.SGD([w], lr=0.25)
def closure():
    opt.zero_grad()
    l = (w ** 2).sum()
    l.backward()
    return l
print(opt.step(closure), w)
try:
    optim.SGD([], lr=0.1)
except ValueError as e:
    print(e)
try:
    optim.SGD([w], lr=-1)
except ValueError as e:
    print(e)
try:
    optim.Adam([w], betas=(1.5, 0.9))
except ValueError as e:
    print(e)
print(isinstance(optim.AdamW([w]), optim.Optimizer), isinstance(w, optim.Optimizer))
print(optim.RMSprop.__name__, type(optim.SGD([w])).__name__)

# expect: SGD 0.425
# expect: tensor([[  707.,  6310., -1218.],
# expect:         [-3218., -4260.,  1567.]])
# expect: SGD 0.346
# expect: tensor([[  211.,  7662.,  -891.],
# expect:         [-1587., -7003.,  1878.]])
# expect: SGD 0.554
# expect: tensor([[  912.,  6258.,  -949.],
# expect:         [-3542., -3724.,  1483.]])
# expect: Adagrad 0.606
# expect: tensor([[ 1622.,  5037., -2893.],
# expect:         [-2117., -4209.,  1099.]])
# expect: RMSprop 0.434
# expect: tensor([[ 2429.,  6010., -2004.],
# expect:         [ -869., -5099.,  1422.]])
# expect: Adadelta 1.506
# expect: tensor([[    5.,  3146., -4703.],
# expect:         [-4200., -2272.,  1502.]])
# expect: Adam 0.861
# expect: tensor([[ 1421.,  4581., -3274.],
# expect:         [-2750., -3703.,  1457.]])
# expect: Adam 0.863
# expect: tensor([[ 1404.,  4572., -3285.],
# expect:         [-2750., -3690.,  1418.]])
# expect: AdamW 0.861
# expect: tensor([[ 1421.,  4576., -3268.],
# expect:         [-2744., -3699.,  1455.]])
# expect: Adam 0.862
# expect: tensor([[ 1414.,  4527., -3211.],
# expect:         [-2694., -3663.,  1438.]])
# expect: SGD 0.643
# expect: tensor([[ 1452.,  9349.,  2180.],
# expect:         [-2295., -6100.,  1571.]])
# expect: SGD (
# expect: Parameter Group 0
# expect:     dampening: 0
# expect:     differentiable: False
# expect:     foreach: None
# expect:     fused: None
# expect:     lr: 0.1
# expect:     maximize: False
# expect:     momentum: 0.9
# expect:     nesterov: False
# expect:     weight_decay: 0
# expect: )
# expect: 0.1 0.9 False 2
# expect: ['state', 'param_groups'] [0, 1] ['momentum_buffer']
# expect: [0, 1] 0.1
# expect: Adam (
# expect: Parameter Group 0
# expect:     amsgrad: False
# expect:     betas: (0.9, 0.999)
# expect:     capturable: False
# expect:     decoupled_weight_decay: False
# expect:     differentiable: False
# expect:     eps: 1e-08
# expect:     foreach: None
# expect:     fused: None
# expect:     lr: 0.001
# expect:     maximize: False
# expect:     weight_decay: 0
# expect: )
# expect: 0.01
# expect: [0.1, 0.5]
# expect: 0.5
# expect: 0 [1.0] tensor([-1.,  2.])
# expect: 1 [0.5] tensor([ 1., -2.])
# expect: 2 [0.5] tensor([0., 0.])
# expect: 3 [0.25] tensor([0., 0.])
# expect: 4 [0.25] tensor([0., 0.])
# expect: 1.0
# expect: tensor([0., 0.])
# expect: 0.1
# expect: tensor([[ 2680.,  1060.],
# expect:         [-6190., -4833.]])
# expect: tensor(9., grad_fn=<SumBackward0>) tensor([1.5000], requires_grad=True)
# expect: optimizer got an empty parameter list
# expect: Invalid learning rate: -1
# expect: Invalid beta parameter at index 0: 1.5
# expect: True False
# expect: RMSprop SGD
