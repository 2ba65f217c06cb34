# Sizes a user controls: more than the host has is a MemoryError, never an
# abort; format precisions and widths of any size (annotated by CPython).
def tr(f):
    try:
        r = f()
        print(type(r).__name__, len(r))
    except Exception as e:
        print(type(e).__name__, e)
tr(lambda: [0] * 10**12)
tr(lambda: [0] * 2**62)
tr(lambda: (1, 2) * 2**61)
tr(lambda: 'ab'.zfill(10**13))
tr(lambda: 'ab'.center(10**13))
tr(lambda: 'ab'.ljust(10**13))
tr(lambda: f"{1:{10**13}}")
tr(lambda: format(1.5, '.70000f'))
tr(lambda: '%.70000f' % 1.5)
tr(lambda: 'x' * 3)
tr(lambda: int('10', 37))
tr(lambda: format(5, '010000_'))
tr(lambda: format(-5, '+#020_x'))
tr(lambda: f"{1:99999999999999999999999}")
tr(lambda: format(1.5, '.70000e'))
tr(lambda: format(1.5, '.70000g'))
tr(lambda: format(1.5, '#.70000g'))
tr(lambda: format(0.1, '.70000%'))
print(format(0.1, '.1200f')[-130:-100], format(2.0**-1074, '.1080f')[-20:])
print(format(1/3, '.900e')[790:830])

# expect: MemoryError 
# expect: MemoryError 
# expect: MemoryError 
# expect: MemoryError 
# expect: MemoryError 
# expect: MemoryError 
# expect: MemoryError 
# expect: str 70002
# expect: str 70002
# expect: str 3
# expect: ValueError int() base must be >= 2 and <= 36, or 0
# expect: str 10001
# expect: str 20
# expect: ValueError Too many decimal digits in format string
# expect: str 70006
# expect: str 3
# expect: str 70001
# expect: str 70004
# expect: 000000000000000000000000000000 65533447265625000000
# expect: 0000000000000000000000000000000000000000
