def f(a, b=2, *args, c=3, **kw):
    return (a, b, args, c, sorted(kw.items()))

print(f(1))
print(f(1, 5, 6, 7, c=8, z=9, y=10))
print(f(b=4, a=0))

def counter():
    n = 0
    def inc(k=1):
        nonlocal n
        n += k
        return n
    return inc

c = counter()
c()
c(5)
print(c())

adders = [lambda x, i=i: x + i for i in range(3)]
print([g(10) for g in adders])

def make_mul(m):
    return lambda x: x * m
print(make_mul(3)(4), (lambda *a, **k: (a, k))(1, q=2))

total = 0
def add_global(x):
    global total
    total += x
add_global(5)
add_global(7)
print(total)

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
print(fact(10))

def gen_args(*xs):
    return sum(xs)
nums = [1, 2, 3]
print(gen_args(*nums), gen_args(*nums, 4), f(**{"a": 1, "b": 2}))

def doc():
    "A docstring."
    return doc.__doc__
print(doc(), doc.__name__)

def early(xs):
    for x in xs:
        if x > 2:
            return x
    return None
print(early([1, 2, 3, 4]), early([]))

def outer():
    x = 1
    def mid():
        def inner():
            return x + 1
        return inner()
    return mid()
print(outer())

# expect: (1, 2, (), 3, [])
# expect: (1, 5, (6, 7), 8, [('y', 10), ('z', 9)])
# expect: (0, 4, (), 3, [])
# expect: 7
# expect: [10, 11, 12]
# expect: 12 ((1,), {'q': 2})
# expect: 12
# expect: 3628800
# expect: 6 10 (1, 2, (), 3, [])
# expect: A docstring. doc
# expect: 3 None
# expect: 2
