# Containers that contain themselves print as CPython's ([...], {...});
# comparing them, or too deep a nesting, is a RecursionError, never a crash.
a = [1]
a.append(a)
print(a)
print(str(a), repr(a))
d = {'k': 1}
d['self'] = d
print(d)
b = [1]
b.append(b)
try:
    print(a == b)
except RecursionError as e:
    print("RecursionError", e)
try:
    print(sorted([a, b]))
except RecursionError as e:
    print("RecursionError", e)
x = [a, a]
print(x)
deep = []
for i in range(5000):
    deep = [deep]
try:
    s = repr(deep)
    print(len(s))
except RecursionError as e:
    print("RecursionError", e)

# Hashing, membership and comparison with self-containing containers:
# the same object is equal to itself without recursing (CPython's rule).
sd = {}
sd[1] = sd
class T:
    def __eq__(self, o):
        raise ValueError('never asked')
t = T()
try:
    print('hash(a)', '->', repr(hash(a))[:40])
except Exception as e:
    print('hash(a)', '->', type(e).__name__, e)
try:
    print('hash((a,))', '->', repr(hash((a,)))[:40])
except Exception as e:
    print('hash((a,))', '->', type(e).__name__, e)
try:
    print('{(a,): 1}', '->', repr({(a,): 1})[:40])
except Exception as e:
    print('{(a,): 1}', '->', type(e).__name__, e)
try:
    print('set([a])', '->', repr(set([a]))[:40])
except Exception as e:
    print('set([a])', '->', type(e).__name__, e)
try:
    print('sorted([a, a])', '->', repr(sorted([a, a]))[:40])
except Exception as e:
    print('sorted([a, a])', '->', type(e).__name__, e)
try:
    print('a in a', '->', repr(a in a)[:40])
except Exception as e:
    print('a in a', '->', type(e).__name__, e)
try:
    print('a.index(a)', '->', repr(a.index(a))[:40])
except Exception as e:
    print('a.index(a)', '->', type(e).__name__, e)
try:
    print('a.count(a)', '->', repr(a.count(a))[:40])
except Exception as e:
    print('a.count(a)', '->', type(e).__name__, e)
try:
    print('a == a', '->', repr(a == a)[:40])
except Exception as e:
    print('a == a', '->', type(e).__name__, e)
try:
    print('max([a, a])', '->', repr(max([a, a]))[:40])
except Exception as e:
    print('max([a, a])', '->', type(e).__name__, e)
try:
    print('[a] == [a]', '->', repr([a] == [a])[:40])
except Exception as e:
    print('[a] == [a]', '->', type(e).__name__, e)
try:
    print('(a,) == (a,)', '->', repr((a,) == (a,))[:40])
except Exception as e:
    print('(a,) == (a,)', '->', type(e).__name__, e)
try:
    print('sd == sd', '->', repr(sd == sd)[:40])
except Exception as e:
    print('sd == sd', '->', type(e).__name__, e)
try:
    print('sd != sd', '->', repr(sd != sd)[:40])
except Exception as e:
    print('sd != sd', '->', type(e).__name__, e)
try:
    print('a in [b]', '->', repr(a in [b])[:40])
except Exception as e:
    print('a in [b]', '->', type(e).__name__, e)
try:
    print('[a, 1] < [a, 2]', '->', repr([a, 1] < [a, 2])[:40])
except Exception as e:
    print('[a, 1] < [a, 2]', '->', type(e).__name__, e)
try:
    print('[t] == [t]', '->', repr([t] == [t])[:40])
except Exception as e:
    print('[t] == [t]', '->', type(e).__name__, e)

# expect: [1, [...]]
# expect: [1, [...]] [1, [...]]
# expect: {'k': 1, 'self': {...}}
# expect: RecursionError maximum recursion depth exceeded in comparison
# expect: RecursionError maximum recursion depth exceeded in comparison
# expect: [[1, [...]], [1, [...]]]
# expect: RecursionError maximum recursion depth exceeded while getting the repr of an object
# expect: hash(a) -> TypeError unhashable type: 'list'
# expect: hash((a,)) -> TypeError unhashable type: 'list'
# expect: {(a,): 1} -> TypeError unhashable type: 'list'
# expect: set([a]) -> TypeError unhashable type: 'list'
# expect: sorted([a, a]) -> [[1, [...]], [1, [...]]]
# expect: a in a -> True
# expect: a.index(a) -> 1
# expect: a.count(a) -> 1
# expect: a == a -> True
# expect: max([a, a]) -> [1, [...]]
# expect: [a] == [a] -> True
# expect: (a,) == (a,) -> True
# expect: sd == sd -> True
# expect: sd != sd -> False
# expect: a in [b] -> RecursionError maximum recursion depth exceeded in comparison
# expect: [a, 1] < [a, 2] -> True
# expect: [t] == [t] -> True
