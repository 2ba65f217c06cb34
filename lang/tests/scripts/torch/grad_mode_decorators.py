import torch

# grad-mode decorators
w = torch.ones(2, requires_grad=True)


@torch.no_grad()
def f(x):
    return x * 2


@torch.no_grad
def g(x):
    return x * 3


@torch.inference_mode()
def h(x):
    return x * 4


@torch.enable_grad()
def k(x):
    return x * 5


print(f(w).requires_grad, g(w).requires_grad, h(w).requires_grad)
with torch.no_grad():
    print(k(w).requires_grad, (w * 1).requires_grad)
print(torch.is_grad_enabled(), f.__name__, g.__name__)


class M:
    def __init__(self):
        self.w = torch.ones(2, requires_grad=True)

    @torch.no_grad()
    def run(self, x):
        return self.w * x


print(M().run(2.0), M().run(3.0).requires_grad)
with torch.no_grad() as ctx:
    print(ctx, (w * 2).requires_grad)

# expect: False False False
# expect: True False
# expect: True f g
# expect: tensor([2., 2.]) False
# expect: None False
