import math
import random
import sys
import time
from math import sqrt, pi as PI

print(math.sqrt(16), math.floor(2.7), math.ceil(2.1), math.pi, math.e)
print(math.log(100, 10), math.exp(0), math.isclose(0.1 + 0.2, 0.3), math.inf, math.factorial(6))
print(sqrt(2), PI, math.gcd(12, 18), math.hypot(3, 4), math.isnan(float("nan")))
print(math.sin(0), math.cos(0), math.tanh(0.5), math.log2(8), math.log10(1000), math.fabs(-2))
random.seed(0)
print(random.random(), random.randint(1, 100), random.random())
random.seed(42)
xs = list(range(10))
random.shuffle(xs)
print(xs, random.choice(["a", "b", "c"]))
t0 = time.perf_counter()
t1 = time.perf_counter()
print(t1 >= t0, type(time.time()).__name__)
print("to stderr", file=sys.stderr)
sys.stdout.write("written\n")
print(len(sys.argv))
print("a", "b", sep="-", end="!\n")
print()

# expect: 4.0 2 3 3.141592653589793 2.718281828459045
# expect: 2.0 1.0 True inf 720
# expect: 1.4142135623730951 3.141592653589793 6 5.0 True
# expect: 0.0 1.0 0.46211715726000974 3.0 3.0 2.0
# expect: 0.8444218515250481 98 0.890243920837131
# expect: [7, 3, 2, 8, 5, 6, 9, 4, 0, 1] c
# expect: True float
# expect: written
# expect: 1
# expect: a-b!
# expect:
