# itertools and functools as CPython's.
import itertools
from itertools import count, islice, product, chain, permutations, combinations
from functools import partial, reduce, lru_cache, wraps, cache
print(list(islice(count(5, 2), 4)), list(islice(count(), 2, 10, 3)), list(islice(count(0.5, 0.25), 3)))
print(list(itertools.repeat('x', 3)), list(islice(itertools.cycle([1, 2]), 5)))
print(list(chain([1, 2], (3,), 'ab')), list(chain.from_iterable([[1], [2, 3], []])))
print(list(product([0, 1], 'ab')), len(list(product(range(3), repeat=3))))
print(list(permutations([1, 2, 3], 2)), list(permutations('ab')))
print(list(combinations(range(4), 2)), list(itertools.combinations_with_replacement('ab', 2)))
print(list(itertools.accumulate([1, 2, 3, 4])), list(itertools.accumulate([1, 2, 3], lambda a, b: a * b, initial=10)))
print(list(itertools.zip_longest([1, 2, 3], 'ab', fillvalue='-')))
print([(k, list(g)) for k, g in itertools.groupby('aabbbc')], [(k, list(g)) for k, g in itertools.groupby([1, 3, 2, 4, 5], key=lambda x: x % 2)])
print(list(itertools.starmap(pow, [(2, 3), (3, 2)])), list(itertools.takewhile(lambda x: x < 3, [1, 2, 3, 1])), list(itertools.dropwhile(lambda x: x < 3, [1, 2, 3, 1])))
print(list(itertools.pairwise([1, 2, 3, 4])))
def f(a, b, c=0):
    return a * 100 + b * 10 + c
g = partial(f, 1, c=5)
print(g(2), g(3, c=7), partial(f, 1, 2)())
print(reduce(lambda a, b: a + b, [1, 2, 3, 4]), reduce(lambda a, b: a * b, [], 1))
@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
@cache
def sq(x):
    return x * x
print(fib(20), sq(7))
def deco(fn):
    @wraps(fn)
    def inner(*a):
        return fn(*a) + 1
    return inner
print(deco(sq)(3))
try:
    reduce(lambda a, b: a, [])
except TypeError as e:
    print("TypeError", e)

# expect: [5, 7, 9, 11] [2, 5, 8] [0.5, 0.75, 1.0]
# expect: ['x', 'x', 'x'] [1, 2, 1, 2, 1]
# expect: [1, 2, 3, 'a', 'b'] [1, 2, 3]
# expect: [(0, 'a'), (0, 'b'), (1, 'a'), (1, 'b')] 27
# expect: [(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)] [('a', 'b'), ('b', 'a')]
# expect: [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)] [('a', 'a'), ('a', 'b'), ('b', 'b')]
# expect: [1, 3, 6, 10] [10, 10, 20, 60]
# expect: [(1, 'a'), (2, 'b'), (3, '-')]
# expect: [('a', ['a', 'a']), ('b', ['b', 'b', 'b']), ('c', ['c'])] [(1, [1, 3]), (0, [2, 4]), (1, [5])]
# expect: [8, 9] [1, 2] [3, 1]
# expect: [(1, 2), (2, 3), (3, 4)]
# expect: 125 137 120
# expect: 10 1
# expect: 6765 49
# expect: 10
# expect: TypeError reduce() of empty iterable with no initial value
