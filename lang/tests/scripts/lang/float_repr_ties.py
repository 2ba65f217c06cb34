# Float repr is CPython's shortest round-trip form, ties included: values
# with exact binary expansions (as float32 results are) hit ties often.
bad = 0
out = []
for i in range(1, 4000):
    for p in (17, 20, 23, 30):
        x = (i * 7919 % 1000003) * 1.0 / 2 ** p * (10 ** (i % 7))
        out.append(repr(x))
        out.append(repr(-x / 3.0))
print(len(out))
h = 0
for s in out:
    for ch in s:
        h = (h * 131 + ord(ch)) % 1000000007
print(h)
print(out[:3], out[-3:])

# expect: 31992
# expect: 463037084
# expect: ['0.6041717529296875', '-0.20139058430989584', '0.07552146911621094'] ['-2.6543458302815757', '0.062211230397224426', '-0.02073707679907481']
