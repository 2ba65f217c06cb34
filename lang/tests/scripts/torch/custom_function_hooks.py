# torch.autograd.Function subclasses (ctx.save_for_backward, saved_tensors,
# needs_input_grad, attributes on ctx, non-tensor arguments, the
# setup_context style) checked against finite differences and analytic
# gradients, and Tensor.register_hook on leaves and results (replacing the
# gradient, removal, inside autograd.grad); errors from backward code.
import torch


class Cubic(torch.autograd.Function):
    """P(x) = (5x^3 - 3x) / 2, with P'(x) = (15x^2 - 3) / 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)


x = torch.linspace(-1, 1, 5, dtype=torch.float64, requires_grad=True)
y = Cubic.apply(x)
print(y)
print(type(y.grad_fn).__name__, y.grad_fn.name(), y.requires_grad)
y.sum().backward()
print(x.grad)
eps = 1e-6
with torch.no_grad():
    fd = (Cubic.apply(x + eps) - Cubic.apply(x - eps)) / (2 * eps)
print(torch.allclose(x.grad, fd, atol=1e-6))


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inp):
        ctx.save_for_backward(inp)
        return inp.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        inp, = ctx.saved_tensors
        g = grad_output.clone()
        g[inp < 0] = 0
        return g


torch.manual_seed(0)
w1 = torch.randn(3, 4, requires_grad=True)
w2 = torch.randn(4, 2, requires_grad=True)
data = torch.randn(5, 3)
target = torch.randn(5, 2)
for step in range(3):
    pred = MyReLU.apply(data.mm(w1)).mm(w2)
    loss = (pred - target).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= 1e-2 * w1.grad
        w2 -= 1e-2 * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
    print(step, round(loss.item(), 4))


class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, factor, b):
        ctx.factor = factor
        ctx.save_for_backward(a, b)
        print("needs", ctx.needs_input_grad)
        return a * factor + b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * ctx.factor, None, g.sum(0) if ctx.needs_input_grad[2] else None


a = torch.ones(2, 3, requires_grad=True)
b = torch.zeros(3)
out = Scale.apply(a, 2.5, b)
out.sum().backward()
print(a.grad, b.grad)


class Square(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g


s = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
Square.apply(s).sum().backward()
print(s.grad)
with torch.no_grad():
    print(Square.apply(s).grad_fn)

z = Cubic.apply(torch.tensor([0.5], requires_grad=True)).sum()
z.backward()
try:
    z.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:46])


class Wrong(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p, q):
        return p + q

    @staticmethod
    def backward(ctx, g):
        return g


try:
    Wrong.apply(torch.ones(2, requires_grad=True), torch.ones(2)).sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)


class Boom(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p):
        return p * 1

    @staticmethod
    def backward(ctx, g):
        raise ValueError("no gradient today")


try:
    Boom.apply(torch.ones(2, requires_grad=True)).sum().backward()
except ValueError as e:
    print("ValueError:", e)

# Hooks.
p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
q = p * 2
seen = []
hq = q.register_hook(lambda g: seen.append(g.clone()))
hp = p.register_hook(lambda g: g * 10)
q.retain_grad()
(q * q).sum().backward()
print(seen, q.grad, p.grad)
hp.remove()
p.grad = None
q2 = p * 2
(q2 * q2).sum().backward()
print(p.grad)

u = torch.tensor([1.0, 1.0], requires_grad=True)
v = u * 3
v.register_hook(lambda g: g + 1)
w = v.sum()
print(torch.autograd.grad(w, u))

try:
    torch.ones(2).register_hook(lambda g: g)
except RuntimeError as e:
    print("RuntimeError:", e)

r = torch.ones(2, requires_grad=True)
r.register_hook(lambda g: 1 / 0)
try:
    (r * 2).sum().backward()
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e)

# expect: tensor([-1.0000,  0.4375,  0.0000, -0.4375,  1.0000], dtype=torch.float64,
# expect:        grad_fn=<CubicBackward>)
# expect: CubicBackward CubicBackward True
# expect: tensor([ 6.0000,  0.3750, -1.5000,  0.3750,  6.0000], dtype=torch.float64)
# expect: True
# expect: 0 25.1909
# expect: 1 7.8782
# expect: 2 3.8799
# expect: needs (True, False, False)
# expect: tensor([[2.5000, 2.5000, 2.5000],
# expect:         [2.5000, 2.5000, 2.5000]]) None
# expect: tensor([ 2., -4.,  6.])
# expect: None
# expect: RuntimeError: Trying to backward through the graph a second 
# expect: RuntimeError: function WrongBackward returned an incorrect number of gradients (expected 2, got 1)
# expect: ValueError: no gradient today
# expect: [tensor([ 4.,  8., 12.])] tensor([ 4.,  8., 12.]) tensor([ 80., 160., 240.])
# expect: tensor([ 8., 16., 24.])
# expect: (tensor([6., 6.]),)
# expect: RuntimeError: cannot register a hook on a tensor that doesn't require gradient
# expect: ZeroDivisionError: division by zero
