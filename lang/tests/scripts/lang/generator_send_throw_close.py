# Generators: send(), throw(), close(); finally and with blocks run when a
# generator is closed or abandoned (as CPython closes it when dropped).
def averager():
    total, n = 0.0, 0
    avg = None
    while True:
        x = yield avg
        total += x
        n += 1
        avg = total / n

a = averager()
print(next(a))
print(a.send(10), a.send(20), a.send(60))

def guarded():
    try:
        yield 1
        yield 2
    finally:
        print("finally runs")

def recovering():
    try:
        yield 1
    except ValueError as e:
        print("caught", e)
    yield "recovered"
    yield "more"

g = recovering()
print(next(g))
print(g.throw(ValueError("bad")))
g.close()
print("closed")
g = guarded()
print(next(g))
try:
    g.throw(KeyError, "k")
except KeyError as e:
    print("KeyError came out:", e)
try:
    next(g)
except StopIteration:
    print("finished after the throw")

for x in guarded():
    print("got", x)
    break
print("after the loop")

class Ctx:
    def __enter__(self):
        print("enter")
        return self
    def __exit__(self, typ, val, tb):
        print("exit", typ.__name__ if typ else None)
        return False

def with_gen():
    with Ctx():
        yield "a"
        yield "b"

w = with_gen()
print(next(w))
del w
print("deleted")

def stubborn():
    try:
        yield 1
    except GeneratorExit:
        print("ignoring")
    yield 2

s = stubborn()
next(s)
try:
    s.close()
except RuntimeError as e:
    print("RuntimeError:", e)

fresh = guarded()
fresh.close()
print("a fresh generator closes without running")
try:
    guarded().send(5)
except TypeError as e:
    print("TypeError:", e)

def outer():
    try:
        yield from guarded()
    finally:
        print("outer finally")

o = outer()
print(next(o))
o.close()
print(issubclass(GeneratorExit, Exception), issubclass(GeneratorExit, BaseException))

# expect: None
# expect: 10.0 15.0 30.0
# expect: 1
# expect: caught bad
# expect: recovered
# expect: closed
# expect: 1
# expect: finally runs
# expect: KeyError came out: 'k'
# expect: finished after the throw
# expect: got 1
# expect: finally runs
# expect: after the loop
# expect: enter
# expect: a
# expect: exit GeneratorExit
# expect: deleted
# expect: ignoring
# expect: RuntimeError: generator ignored GeneratorExit
# expect: a fresh generator closes without running
# expect: TypeError: can't send non-None value to a just-started generator
# expect: 1
# expect: finally runs
# expect: outer finally
# expect: False True
