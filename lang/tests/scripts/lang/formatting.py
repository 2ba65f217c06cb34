x = 3.14159265
n = 42
print(f"{x:.2f} {x:10.3f}| {x:<10.1f}| {x:^10.2f}| {x:+.1e}")
print(f"{n:5d}|{n:<5}|{n:^6}|{n:05d}|{n:x}|{n:#x}|{n:,}|{1234567.891:,.2f}")
print(f"{0.256:.1%} {1/3:.3} {1e-7:g} {123456789.0:g} {0.0001:g} {2.5:g}")
print(f"{'hi':>6}|{'hi':*<6}|{'hi':^7}|{'abcdef':.3}")
print(f"{x!r} {'s'!r} {n=}" if False else f"{x!r} {'s'!r}")
w = 8
print(f"{x:{w}.2f}|", f"{{literal}}")
print("%5.2f|%-6d|%s|%r|%03d|%x|%%" % (x, n, "str", "str", 7, 255))
print("{} {:.2f} {name}".format(1, 2.345, name="z"), "{0}{1}{0}".format("a", "b"))
print(format(1234.5, ",.1f"), format(7, "b"), format(-3, "+d"), format(True))
print(1e-05, 1e16, 1.5e300, 123.0, 0.1 + 0.2, -0.0, 2.5e-10, 1 / 3, 100.0 / 3)
print(float("nan"), float("-inf"), 10 ** 12 // 10 ** 5, 7 // -2, -7 % 3, 7.5 % -2)
print(round(2.5), round(3.5), round(2.675, 2), round(-1.5), abs(-3), divmod(17, 5))
print(str(1.0), repr("it's"), repr('say "x"'), str([1.5, "a", None, True]))
print(int(3.9), int(-3.9), int("  12 "), float("1e3"), bool(""), bool("x"))
print(2 ** 10, 2 ** -1, 9 ** 0.5, 7 / 2, 7 // 2, 7 % 2, -7 // 2)

# expect: 3.14      3.142| 3.1       |    3.14   | +3.1e+00
# expect:    42|42   |  42  |00042|2a|0x2a|42|1,234,567.89
# expect: 25.6% 0.333 1e-07 1.23457e+08 0.0001 2.5
# expect:     hi|hi****|  hi   |abc
# expect: 3.14159265 's'
# expect:     3.14| {literal}
# expect:  3.14|42    |str|'str'|007|ff|%
# expect: 1 2.35 z aba
# expect: 1,234.5 111 -3 True
# expect: 1e-05 1e+16 1.5e+300 123.0 0.30000000000000004 -0.0 2.5e-10 0.3333333333333333 33.333333333333336
# expect: nan -inf 10000000 -4 2 -0.5
# expect: 2 4 2.67 -2 3 (3, 2)
# expect: 1.0 "it's" 'say "x"' [1.5, 'a', None, True]
# expect: 3 -3 12 1000.0 False True
# expect: 1024 0.5 3.0 3.5 3 1 -4
