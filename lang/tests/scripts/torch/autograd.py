import torch

w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
x = torch.tensor([1.0, 0.5])
y = (w @ x).relu()
loss = (y ** 2).sum()
print(y, loss)
print(y.grad_fn.name(), loss.grad_fn.name(), w.grad_fn, w.is_leaf, y.is_leaf)
loss.backward()
print(w.grad)
w.grad = None
print(w.grad)

a = torch.tensor(2.0, requires_grad=True)
b = a * a * a
b.backward()
print(a.grad)
c = a * 3
c.backward()
print(a.grad)

with torch.no_grad():
    z = a * 2
print(z.requires_grad, z.grad_fn, torch.is_grad_enabled())
with torch.enable_grad():
    print(torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print((a * 2).requires_grad)
with torch.inference_mode():
    print((a * 2).requires_grad)
print(torch.is_grad_enabled())

p = torch.ones(3, requires_grad=True)
q = p * 2
q.retain_grad()
r = q.sum()
r.backward()
print(q.grad, p.grad)

s = torch.tensor([1.0, 2.0], requires_grad=True)
t = s * s
t.backward(torch.tensor([1.0, 0.5]))
print(s.grad)

with torch.no_grad():
    s -= 0.1 * s.grad
print(s, s.requires_grad, s.is_leaf)
s.grad.zero_()
print(s.grad)
d = s.detach()
print(d.requires_grad, s.requires_grad_(False).requires_grad)
e = torch.tensor([1.0, 2.0])
e += 1
e *= 2
print(e)

# expect: tensor([2., 5.], grad_fn=<ReluBackward0>) tensor(29., grad_fn=<SumBackward0>)
# expect: ReluBackward0 SumBackward0 None True False
# expect: tensor([[ 4.,  2.],
# expect:         [10.,  5.]])
# expect: None
# expect: tensor(12.)
# expect: tensor(15.)
# expect: False None True
# expect: True
# expect: False
# expect: False
# expect: True
# expect: tensor([1., 1., 1.]) tensor([2., 2., 2.])
# expect: tensor([2., 2.])
# expect: tensor([0.8000, 1.8000], requires_grad=True) True True
# expect: tensor([0., 0.])
# expect: False False
# expect: tensor([4., 6.])
