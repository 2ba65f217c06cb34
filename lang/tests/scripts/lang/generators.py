# Generator functions: yield, yield from, x = yield, suspension inside for,
# while, if/else, try (handlers and finally after resuming) and with, early
# return, infinite generators, laziness, errors inside and around them.


def squares(n):
    for i in range(n):
        yield i * i


print(list(squares(5)), sum(squares(4)), max(squares(3)))


def chained():
    yield from squares(3)
    yield from "ab"
    yield from [10, 20]
    yield 100


print(list(chained()))


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


f = fib()
print([next(f) for _ in range(12)])
print(type(f).__name__, repr(f).startswith("<generator object fib at 0x"))


def lazy(log):
    log.append("start")
    yield 1
    log.append("after 1")
    yield 2
    log.append("end")


log = []
g = lazy(log)
print(log)
print(next(g), log)
print(next(g), log)
print(next(g, "done"), log)


def nested(xs):
    for x in xs:
        if x % 2 == 0:
            for y in range(x):
                yield (x, y)
        elif x > 4:
            yield "big"
        else:
            try:
                yield -x
                if x == 3:
                    raise ValueError("three")
            except ValueError as e:
                print("caught", e)
            else:
                print("no error", x)
            finally:
                print("finally", x)


print(list(nested([1, 2, 3, 4, 5])))


def early(n):
    for i in range(10):
        if i == n:
            return
        yield i
    yield "never"


print(list(early(3)), list(early(0)))


def batches(data, size):
    for i in range(0, len(data), size):
        yield data[i:i + size]


for b in batches(list(range(8)), 3):
    print(b)


class Ctx:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        print("enter", self.name)
        return self

    def __exit__(self, *exc):
        print("exit", self.name)
        return False


def managed():
    with Ctx("a"), Ctx("b") as b:
        yield b.name
        yield "inside"
    yield "outside"


for v in managed():
    print("got", v)


def counter():
    total = 0
    while True:
        x = yield total
        if x is None:
            total += 1
        else:
            total += x


c = counter()
print(next(c), next(c), next(c))


def window(seq, k):
    it = iter(seq)
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) == k:
            yield tuple(buf)
            buf.pop(0)


print(list(window(range(6), 3)))
print(dict(zip("abc", squares(3))), list(enumerate(squares(3))))
print([x for x in squares(6) if x % 2], sorted(squares(4), reverse=True))


def closure_gen():
    k = 10

    def add(x):
        return x + k

    for i in range(3):
        yield add(i)


print(list(closure_gen()))

g = squares(2)
print(list(g), list(g))


def reentrant():
    yield next(me)


me = reentrant()
try:
    next(me)
except ValueError as e:
    print("ValueError:", e)


def stops():
    yield 1
    raise StopIteration


try:
    list(stops())
except RuntimeError as e:
    print("RuntimeError:", e)


def fails():
    yield 1
    yield 1 / 0


out = []
try:
    for v in fails():
        out.append(v)
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e, out)


def loop_else(n):
    for i in range(n):
        yield i
    else:
        yield "for-else"
    while n > 0:
        n -= 1
        if n == 1:
            continue
        yield n
    else:
        yield "while-else"


print(list(loop_else(3)))


def deep():
    for i in range(2):
        for j in "ab":
            with Ctx(j):
                if j == "b":
                    yield from [(i, j, 0), (i, j, 1)]
                else:
                    yield (i, j)


print(list(deep()))


def inside_no_grad():
    import torch
    with torch.no_grad():
        for i in range(10):
            yield torch.is_grad_enabled()


for flag in inside_no_grad():
    print("inside", flag)
    break
import torch
print("after break", torch.is_grad_enabled())


def managed_forever():
    with Ctx("loop"):
        while True:
            yield 1


g = managed_forever()
next(g)
del g
print("after del")

# expect: [0, 1, 4, 9, 16] 14 4
# expect: [0, 1, 4, 'a', 'b', 10, 20, 100]
# expect: [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
# expect: generator True
# expect: []
# expect: 1 ['start']
# expect: 2 ['start', 'after 1']
# expect: done ['start', 'after 1', 'end']
# expect: no error 1
# expect: finally 1
# expect: caught three
# expect: finally 3
# expect: [-1, (2, 0), (2, 1), -3, (4, 0), (4, 1), (4, 2), (4, 3), 'big']
# expect: [0, 1, 2] []
# expect: [0, 1, 2]
# expect: [3, 4, 5]
# expect: [6, 7]
# expect: enter a
# expect: enter b
# expect: got b
# expect: got inside
# expect: exit b
# expect: exit a
# expect: got outside
# expect: 0 1 2
# expect: [(0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5)]
# expect: {'a': 0, 'b': 1, 'c': 4} [(0, 0), (1, 1), (2, 4)]
# expect: [1, 9, 25] [9, 4, 1, 0]
# expect: [10, 11, 12]
# expect: [0, 1] []
# expect: ValueError: generator already executing
# expect: RuntimeError: generator raised StopIteration
# expect: ZeroDivisionError: division by zero [1]
# expect: [0, 1, 2, 'for-else', 2, 0, 'while-else']
# expect: enter a
# expect: exit a
# expect: enter b
# expect: exit b
# expect: enter a
# expect: exit a
# expect: enter b
# expect: exit b
# expect: [(0, 'a'), (0, 'b', 0), (0, 'b', 1), (1, 'a'), (1, 'b', 0), (1, 'b', 1)]
# expect: inside False
# expect: after break True
# expect: enter loop
# expect: exit loop
# expect: after del
