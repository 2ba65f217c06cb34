# @dataclass with and without arguments: fields in order with defaults,
# field(default_factory=...), inheritance, __post_init__, repr, eq,
# fields(), asdict(), replace(), errors; class __annotations__.
from dataclasses import dataclass, field, fields, asdict, replace
import dataclasses


@dataclass
class GPTConfig:
    block_size: int = 1024
    vocab_size: int = 50304
    n_layer: int = 12
    dropout: float = 0.0
    bias: bool = True


c = GPTConfig(block_size=256, n_layer=6)
print(c)
print(c.block_size, c.vocab_size, c.bias)
print(GPTConfig() == GPTConfig(), c == GPTConfig(), c != GPTConfig())
print(GPTConfig.__annotations__)


@dataclass
class Point:
    x: float
    y: float = 0.0
    tags: list = field(default_factory=list)

    def norm2(self):
        return self.x ** 2 + self.y ** 2


p = Point(3, 4)
q = Point(1.5)
p.tags.append("a")
print(p, q, p.norm2(), q.tags)


@dataclass
class Point3(Point):
    z: float = 1.0

    def __post_init__(self):
        self.total = self.x + self.y + self.z


r = Point3(1, 2, 3)
print(r, r.total)
print([f.name for f in fields(r)], asdict(q))
print(replace(p, y=10))
print(dataclasses.is_dataclass(p), dataclasses.is_dataclass(3))


@dataclass(repr=False)
class Quiet:
    a: int = 1


print(repr(Quiet()).startswith("<__main__.Quiet object at"), Quiet(2).a)

try:
    Point()
except TypeError as e:
    print("TypeError:", e)
try:
    Point(1, 2, [], 4)
except TypeError as e:
    print("TypeError:", e)
try:
    Point(1, w=2)
except TypeError as e:
    print("TypeError:", e)
try:
    @dataclass
    class Bad:
        a: int = 1
        b: int
except TypeError as e:
    print("TypeError:", e)
try:
    @dataclass
    class Mutable:
        items: list = []
except ValueError as e:
    print("ValueError:", e)

# expect: GPTConfig(block_size=256, vocab_size=50304, n_layer=6, dropout=0.0, bias=True)
# expect: 256 50304 True
# expect: True False True
# expect: {'block_size': <class 'int'>, 'vocab_size': <class 'int'>, 'n_layer': <class 'int'>, 'dropout': <class 'float'>, 'bias': <class 'bool'>}
# expect: Point(x=3, y=4, tags=['a']) Point(x=1.5, y=0.0, tags=[]) 25 []
# expect: Point3(x=1, y=2, tags=3, z=1.0) 4.0
# expect: ['x', 'y', 'tags', 'z'] {'x': 1.5, 'y': 0.0, 'tags': []}
# expect: Point(x=3, y=10, tags=['a'])
# expect: True False
# expect: True 2
# expect: TypeError: Point.__init__() missing 1 required positional argument: 'x'
# expect: TypeError: Point.__init__() takes from 2 to 4 positional arguments but 5 were given
# expect: TypeError: Point.__init__() got an unexpected keyword argument 'w'
# expect: TypeError: non-default argument 'b' follows default argument
# expect: ValueError: mutable default <class 'list'> for field items is not allowed: use default_factory
