# Answers that used to be silently wrong, each against CPython 3 / PyTorch
# 2.15 (annotated by tests/scripts/annotate.py, never by this interpreter).
import math
import torch


def show(f):
    try:
        print(repr(f()))
    except Exception as e:
        print(type(e).__name__ + ":", e)


# float floor division and modulo: a == (a // b) * b + a % b
show(lambda: 2 // 0.1)
show(lambda: 2 % 0.1)
show(lambda: -7.5 // 2)
show(lambda: 7.5 % -2)
show(lambda: 0.0 % -3)
show(lambda: -0.0 // 5)
show(lambda: divmod(1.0, 0.3))
show(lambda: 1e308 // 1e-308)
# powers
show(lambda: 0 ** -1)
show(lambda: 0.0 ** -2.5)
show(lambda: 10.0 ** 400)
show(lambda: 2 ** -2)
show(lambda: (-8.0) ** 2)
show(lambda: math.exp(1000))
# format specs
show(lambda: '%#X' % 7)
show(lambda: '%#o|%#x|%#5x|%-#6o|' % (8, 255, 255, 8))
show(lambda: format(5, '#1_b'))
show(lambda: format(5, '05_'))
show(lambda: format(5, '06_'))
show(lambda: format(255, '#010x'))
show(lambda: format(-255, '#010_x'))
show(lambda: format(1234567, '_'))
show(lambda: format(1234567.891, ',.2f'))
show(lambda: format(1234567, '012,'))
show(lambda: format(65535, '_x'))
show(lambda: format(255, ',x'))
show(lambda: format(-3, '+#06b'))
# keywords given twice through **
def f(**k):
    return k


def g(a, **k):
    return a


show(lambda: f(a=1, **{'a': 2}))
show(lambda: g(1, **{'b': 2}, **{'b': 3}))
show(lambda: f(**{'x': 1}, **{'y': 2}))
# a dict or set changed while iterating it
d = {1: 1, 2: 2}


def grow():
    for k in d:
        d[k + 10] = 1


show(grow)
s = {1, 2}


def shrink():
    for k in s:
        s.discard(k)


show(shrink)
d2 = {1: 1, 2: 2}


def same_size():
    out = []
    for k in d2:
        d2[k] = k * 10
        out.append(k)
    return out


show(same_size)
# tensors from Python numbers: exact ints, overflow is an error
show(lambda: torch.tensor([2**40], dtype=torch.int32))
show(lambda: torch.tensor([2**62 + 1]))
show(lambda: torch.tensor([[1, 2], [3, 2**31 - 1]], dtype=torch.int32))
show(lambda: torch.tensor([True, 2]))
show(lambda: torch.tensor([1, 2.5]))
show(lambda: torch.tensor([300], dtype=torch.int32) + 1)
def setitem(t, i, v):
    t[i] = v
    return t


t = torch.zeros(3, dtype=torch.int64)
t[0] = 2**62 + 1
show(lambda: t[0].item())
show(lambda: setitem(t, 1, 1.7))
u = torch.zeros(2, dtype=torch.int32)
show(lambda: setitem(u, 0, 2**40))
# lists of sequences as indices read as a tuple (PyTorch's rule)
x = torch.arange(12).reshape(3, 4)
show(lambda: torch.arange(4)[[[0], [1]]])
show(lambda: x[[[0, 2], [1, 3]]])
show(lambda: x[[0, 2]])
show(lambda: x[[0, slice(1, 3)]])
show(lambda: x[[True, False, True]])
show(lambda: x[range(2), [3, 0]])
show(lambda: x[0.5])
show(lambda: x[::-1])
# orderings nobody defines are a TypeError (they used to recurse forever)
show(lambda: torch.ones(2) < None)
show(lambda: None > torch.ones(2))
show(lambda: torch.ones(2) <= 'a')
class Plain:
    pass


show(lambda: Plain() < Plain())
show(lambda: sorted([torch.tensor(2), torch.tensor(1)]))

# expect: 19.0
# expect: 0.0999999999999999
# expect: -4.0
# expect: -0.5
# expect: -0.0
# expect: -0.0
# expect: (3.0, 0.10000000000000003)
# expect: inf
# expect: ZeroDivisionError: 0.0 cannot be raised to a negative power
# expect: ZeroDivisionError: 0.0 cannot be raised to a negative power
# expect: OverflowError: (34, 'Numerical result out of range')
# expect: 0.25
# expect: 64.0
# expect: OverflowError: math range error
# expect: '0X7'
# expect: '0o10|0xff| 0xff|0o10  |'
# expect: '0b101'
# expect: '0_005'
# expect: '00_005'
# expect: '0x000000ff'
# expect: '-0x00_00ff'
# expect: '1_234_567'
# expect: '1,234,567.89'
# expect: '0,001,234,567'
# expect: 'ffff'
# expect: ValueError: Cannot specify ',' with 'x'.
# expect: '-0b011'
# expect: TypeError: __main__.f() got multiple values for keyword argument 'a'
# expect: TypeError: __main__.g() got multiple values for keyword argument 'b'
# expect: {'x': 1, 'y': 2}
# expect: RuntimeError: dictionary changed size during iteration
# expect: RuntimeError: Set changed size during iteration
# expect: [1, 2]
# expect: RuntimeError: value cannot be converted to type int32 without overflow
# expect: tensor([4611686018427387905])
# expect: tensor([[         1,          2],
# expect:         [         3, 2147483647]], dtype=torch.int32)
# expect: tensor([1, 2])
# expect: tensor([1.0000, 2.5000])
# expect: tensor([301], dtype=torch.int32)
# expect: 4611686018427387905
# expect: tensor([4611686018427387905,                   1,                   0])
# expect: RuntimeError: value cannot be converted to type int without overflow
# expect: IndexError: too many indices for tensor of dimension 1
# expect: tensor([ 1, 11])
# expect: tensor([[ 0,  1,  2,  3],
# expect:         [ 8,  9, 10, 11]])
# expect: tensor([1, 2])
# expect: tensor([[ 0,  1,  2,  3],
# expect:         [ 8,  9, 10, 11]])
# expect: tensor([3, 4])
# expect: IndexError: only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)
# expect: ValueError: step must be greater than zero
# expect: TypeError: '<' not supported between instances of 'Tensor' and 'NoneType'
# expect: TypeError: '>' not supported between instances of 'NoneType' and 'Tensor'
# expect: TypeError: '<=' not supported between instances of 'Tensor' and 'str'
# expect: TypeError: '<' not supported between instances of 'Plain' and 'Plain'
# expect: [tensor(1), tensor(2)]
