print(len([1, 2]), len("héllo"), len({"a": 1}), len(range(10)), len((1,)))
print(list(range(2, 10, 3)), list(range(5, 0, -2)), range(3))
print(list(enumerate("ab", start=1)), list(zip([1, 2, 3], "ab")))
print(list(map(lambda v: v * 2, [1, 2])), list(filter(None, [0, 1, 2, ""])))
print(min(3, 1, 2), max([4, 9, 2]), min("bca"), max([], default=0), max([(1, "b"), (1, "c")]))
print(min([3, -5, 2], key=abs), sum([1, 2, 3], 10), sum([0.5, 0.25]))
print(sorted([3, 1, 2]), sorted("cba", reverse=True), sorted([(2, "a"), (1, "b")], key=lambda t: t[0]))
print(list(reversed([1, 2, 3])), any([0, 0, 1]), all([1, 1, 0]), any([]), all([]))
print(abs(-2.5), round(1.23456, 3), pow(2, 5), chr(65), ord("a"))
print(isinstance(1, int), isinstance(True, int), isinstance(1.0, (int, float)), isinstance("s", str))
print(type(1).__name__, type(1.0).__name__, type("").__name__, type([]).__name__, type(None).__name__)
it = iter([10, 20])
print(next(it), next(it), next(it, "done"))
print(list(), tuple([1, 2]), dict(a=1, b=2), dict([("x", 1)]), set([1, 1, 2]), set())
print(str(12), repr([1, "a"]), bool([]), int(True), float(2))
print(callable(len), callable(3), hash(7))
s = "  Hello, World  "
print(s.strip(), s.lstrip(), s.rstrip() + "|", s.lower(), s.upper())
print("a,b,,c".split(","), "a b  c".split(), "k=v=w".split("=", 1), "-".join(["x", "y", "z"]))
print("hello".replace("l", "L"), "hello".startswith("he"), "hello".endswith(("lo", "x")), "hello".find("l"), "hello".count("l"))
print("abc".index("c"), "42".isdigit(), "ab".isalpha(), "hello world".title(), "x".center(5, "*"), "7".zfill(3))
l = [3, 1, 2]
l.append(4)
l.extend([5, 6])
l.insert(0, 0)
print(l, l.pop(), l.pop(0), l.index(2), l.count(1))
l.remove(1)
l.sort()
print(l)
l.reverse()
print(l, l.copy(), l[1:3], l[::-1], l[-2:], l[:10])
l[1:3] = [9, 9, 9]
print(l)
l.clear()
print(l)
d = {"a": 1, "b": 2}
print(list(d.keys()), list(d.values()), list(d.items()), d.get("a"), d.get("z"), d.get("z", 0))
d.update({"c": 3}, d=4)
print(d, d.pop("a"), d.setdefault("e", 5), d, "b" in d, len(d))
for k, v in d.items():
    print(k, v)
t = (1, 2, 3)
print(t[1:], t.index(2), t.count(3), t + (4,), t * 2, (1, 2) < (1, 3))
st = {1, 2}
st.add(3)
st.discard(1)
print(sorted(st), 2 in st, sorted(st | {9}), st & {2, 5}, st - {2})
print("abc"[1], "abc"[-1], "abcdef"[1:4], "abcdef"[::2], [1, 2] * 2, "ab" * 3, [1] + [2])
print(sorted({"b": 1, "a": 2}), list({"b": 1, "a": 2}))

# expect: 2 5 1 10 1
# expect: [2, 5, 8] [5, 3, 1] range(0, 3)
# expect: [(1, 'a'), (2, 'b')] [(1, 'a'), (2, 'b')]
# expect: [2, 4] [1, 2]
# expect: 1 9 a 0 (1, 'c')
# expect: 2 16 0.75
# expect: [1, 2, 3] ['c', 'b', 'a'] [(1, 'b'), (2, 'a')]
# expect: [3, 2, 1] True False False True
# expect: 2.5 1.235 32 A 97
# expect: True True True True
# expect: int float str list NoneType
# expect: 10 20 done
# expect: [] (1, 2) {'a': 1, 'b': 2} {'x': 1} {1, 2} set()
# expect: 12 [1, 'a'] False 1 2.0
# expect: True False 7
# expect: Hello, World Hello, World     Hello, World|   hello, world     HELLO, WORLD  
# expect: ['a', 'b', '', 'c'] ['a', 'b', 'c'] ['k', 'v=w'] x-y-z
# expect: heLLo True True 2 2
# expect: 2 True True Hello World **x** 007
# expect: [3, 1, 2, 4, 5] 6 0 2 1
# expect: [2, 3, 4, 5]
# expect: [5, 4, 3, 2] [5, 4, 3, 2] [4, 3] [2, 3, 4, 5] [3, 2] [5, 4, 3, 2]
# expect: [5, 9, 9, 9, 2]
# expect: []
# expect: ['a', 'b'] [1, 2] [('a', 1), ('b', 2)] 1 None 0
# expect: {'b': 2, 'c': 3, 'd': 4, 'e': 5} 1 5 {'b': 2, 'c': 3, 'd': 4, 'e': 5} True 4
# expect: b 2
# expect: c 3
# expect: d 4
# expect: e 5
# expect: (2, 3) 1 1 (1, 2, 3, 4) (1, 2, 3, 1, 2, 3) True
# expect: [2, 3] True [2, 3, 9] {2} {3}
# expect: b c bcd ace [1, 2, 1, 2] ababab [1, 2]
# expect: ['a', 'b'] ['b', 'a']
