# A leaf reached along several edges gets their sum in one accumulation, as
# PyTorch's AccumulateGrad: a hook sees the sum once, and under
# create_graph `.grad` is one CopyBackwards of it.
import torch
x = torch.tensor([1., 2.], requires_grad=True)
(x ** 3).sum().backward(create_graph=True)
print(x.grad)
g, = torch.autograd.grad((x ** 2).sum(), x, create_graph=True)
print(g)
w = torch.tensor(2., requires_grad=True)
(w * w).backward(create_graph=True)
print(w.grad, [(type(f).__name__ if f else None, i) for f, i in w.grad.grad_fn.next_functions])
(w * 3).backward(create_graph=True)
print(w.grad)
v = torch.tensor([1., -1.], requires_grad=True)
v.register_hook(lambda g: print("hook sees", g))
(v * v + v * 2 + v.exp()).sum().backward()
print(v.grad)

# expect: tensor([ 3., 12.], grad_fn=<CopyBackwards>)
# expect: tensor([2., 4.], grad_fn=<MulBackward0>)
# expect: tensor(4., grad_fn=<CopyBackwards>) [(None, 0), ('AddBackward0', 0)]
# expect: tensor(7., grad_fn=<AddBackward0>)
# expect: hook sees tensor([6.7183, 0.3679])
# expect: tensor([6.7183, 0.3679])
