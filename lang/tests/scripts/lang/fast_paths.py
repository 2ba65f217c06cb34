# The cases the evaluator decides inline (int and float arithmetic,
# comparisons, calls and method calls bound straight to frame slots) next to
# the ones that take the general paths.
def f(x):
    return x * 2 + 1


def g(a, b=10):
    return a + b


def h(*xs, k=0):
    return len(xs) + k


class C:
    def __init__(self, v):
        self.v = v

    def get(self, k):
        return self.v + k

    def many(self, *xs):
        return len(xs)

    def kw(self, a, b=2):
        return a * b


print(7 % 3, -7 % 3, 7 % -3, -7 % -3, 0 % 5, -9 % 9)
print(7 // 2, -7 // 2, 7 // -2, -7 // -2, 0 // 3, -9 // 9)
print(1.5 + 2, 2 - 0.5, 3 * 0.25, 1 / 4, 2.0 * 3.0, 7 / 2.0, 1 + True, True + True)
print(7.5 % 2, -7.5 // 2, 2 ** 10, 2 ** -1, 10 - 2.5)
print(3 < 4, 4 <= 4, 5 > 6, 2 >= 3, 1 == 1.0, 2 != 2, 1.5 < 2.5, 0.1 + 0.2 == 0.3)
print(1 < 2 < 3, 3 > 2 > 2, 1 < 2.5, "a" < "b", [1, 2] < [1, 3], None is None)
nan = float("nan")
print(nan == nan, nan != nan, nan < 1.0, nan >= 1.0)
acc = 0
s = 0.0
out = []
for i in range(10):
    acc += f(i) % 7
    s += i * 0.5
    out.append(f(i) // 3)
print(acc, s, out)


def loop():
    total = 0
    xs = []
    for j in range(5):
        xs.append(j)
        total += g(j)
    return total, xs


print(loop())
print(g(1), g(1, 2), g(b=3, a=4), h(), h(1, 2), h(1, k=5), f(*[3]))
c = C(5)
print(c.get(1), c.many(1, 2, 3), c.many(), c.kw(3), c.kw(3, b=4), C.get(c, 2))
c.get = lambda k: k * 100
print(c.get(2))
k = 0
while k < 3:
    k += 1
print(k, 1 if k else 2, 1 if [] else 2)
for bad in ["7 % 0", "7 // 0", "7.0 / 0", "f()", "f(1, 2)", "c.get(1, 2)", "c.nope(1)"]:
    try:
        if bad == "7 % 0":
            print(7 % 0)
        elif bad == "7 // 0":
            print(7 // 0)
        elif bad == "7.0 / 0":
            print(7.0 / 0)
        elif bad == "f()":
            f()
        elif bad == "f(1, 2)":
            f(1, 2)
        elif bad == "c.get(1, 2)":
            c.get(1, 2)
        else:
            c.nope(1)
    except (ZeroDivisionError, TypeError, AttributeError) as e:
        print(type(e).__name__ + ":", e)


def down(n):
    return down(n + 1)


try:
    down(0)
except RecursionError as e:
    print("RecursionError:", e)
print(f(20))
print(sum([1, 2, 3]), sum([0.5, 1, 2]), sum([], 7), sum([1, 2], 10), sum((1, 2.5)), sum(range(5)))
print(sum([[1], [2, 3]], []), sum([True, True, 1]), sum([2**62, -2**62, 5]))

# expect: 1 2 -2 -1 0 0
# expect: 3 -4 -4 3 0 -1
# expect: 3.5 1.5 0.75 0.25 6.0 3.5 2 2
# expect: 1.5 -4.0 1024 0.5 7.5
# expect: True True False False True False True False
# expect: True False True True True True
# expect: False True False False
# expect: 30 22.5 [0, 1, 1, 2, 3, 3, 4, 5, 5, 6]
# expect: (60, [0, 1, 2, 3, 4])
# expect: 11 3 7 0 2 6 7
# expect: 6 3 0 6 12 7
# expect: 200
# expect: 3 1 2
# expect: ZeroDivisionError: integer modulo by zero
# expect: ZeroDivisionError: integer division or modulo by zero
# expect: ZeroDivisionError: float division by zero
# expect: TypeError: f() missing 1 required positional argument: 'x'
# expect: TypeError: f() takes 1 positional argument but 2 were given
# expect: TypeError: <lambda>() takes 1 positional argument but 2 were given
# expect: AttributeError: 'C' object has no attribute 'nope'
# expect: RecursionError: maximum recursion depth exceeded
# expect: 41
# expect: 6 3.5 7 13 3.5 10
# expect: [1, 2, 3] 3 5
