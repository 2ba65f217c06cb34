# Reference cycles are freed: at once by gc.collect(), and automatically as
# containers are made, so a loop that makes cycles runs in flat memory.
import gc


class Node:
    def __init__(self):
        self.me = self
        self.cb = self.step

    def step(self):
        return 1


def recursive_inner():
    def inner(n):
        return inner(n - 1) if n else 0
    return inner(3)


def patterns():
    a = [1]
    a.append(a)
    d = {}
    d['d'] = d
    n = Node()
    pair = [[], []]
    pair[0].append(pair[1])
    pair[1].append(pair[0])
    return recursive_inner()


gc.collect()
print(gc.collect())
patterns()
print(gc.collect() >= 6)
print(gc.collect())

# What is still reachable is kept, whatever cycles it is part of.
keep = [1]
keep.append(keep)
k = Node()
gc.collect()
print(keep[0], keep[1] is keep, k.me is k, k.cb())

before = len(gc.get_objects())
for i in range(20000):
    patterns()
after = len(gc.get_objects())
print(after - before < 20000)
print(gc.isenabled())
gc.disable()
print(gc.isenabled())
gc.enable()
try:
    gc.collect(3)
except ValueError as e:
    print("ValueError:", e)

# expect: 0
# expect: True
# expect: 0
# expect: 1 True True 1
# expect: True
# expect: True
# expect: False
# expect: ValueError: invalid generation
