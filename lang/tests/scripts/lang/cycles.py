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

# expect: [1, [...]]
# expect: [1, [...]] [1, [...]]
# expect: {'k': 1, 'self': {...}}
# expect: RecursionError maximum recursion depth exceeded in comparison
# expect: RecursionError maximum recursion depth exceeded in comparison
# expect: [[1, [...]], [1, [...]]]
# expect: RecursionError maximum recursion depth exceeded while getting the repr of an object
