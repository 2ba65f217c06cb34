for i in range(3):
    if i == 1:
        continue
    print("i", i)
else:
    print("loop done")

n = 0
while True:
    n += 1
    if n >= 4:
        break
print(n)

for a, b in [(1, 2), (3, 4)]:
    print(a + b)

for i, (x, y) in enumerate(zip("ab", [10, 20])):
    print(i, x, y)

x = 5
if x < 3:
    print("small")
elif x < 10:
    print("medium")
else:
    print("large")

print(1 < 2 < 3, 1 < 3 < 2, 2 == 2.0 != 3)
print(0 or "default", 3 and 4, not [], None is None, [] is not None)
print("yes" if x else "no", 3 in [1, 2, 3], "a" not in "bcd")

a, *rest = range(5)
*init, last = "hello"
(p, q), r = (1, 2), 3
print(a, rest, init, last, p, q, r)

a, b = 1, 2
a, b = b, a
print(a, b)

lst = [1, 2, 3, 4, 5]
del lst[0]
del lst[-1]
print(lst)
d = {"k": 1, "j": 2}
del d["k"]
print(d)

assert x == 5, "x must be 5"
i = 0
while i < 3:
    i += 1
else:
    print("while else", i)

with_val = [y for y in range(10) if y % 3 == 0]
print(with_val, [(i, j) for i in range(2) for j in range(2) if i != j])
print({k: k * k for k in range(3)}, {v % 3 for v in range(10)})
print(sum(v * v for v in range(4)), list(x for x in "ab"))
x = 10
print([x for x in range(3)], x)

# expect: i 0
# expect: i 2
# expect: loop done
# expect: 4
# expect: 3
# expect: 7
# expect: 0 a 10
# expect: 1 b 20
# expect: medium
# expect: True False True
# expect: default 4 True True True
# expect: yes True True
# expect: 0 [1, 2, 3, 4] ['h', 'e', 'l', 'l'] o 1 2 3
# expect: 2 1
# expect: [2, 3, 4]
# expect: {'j': 2}
# expect: while else 3
# expect: [0, 3, 6, 9] [(0, 1), (1, 0)]
# expect: {0: 0, 1: 1, 2: 4} {0, 1, 2}
# expect: 14 ['a', 'b']
# expect: [0, 1, 2] 10
