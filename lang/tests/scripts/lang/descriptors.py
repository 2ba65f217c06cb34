# staticmethod, classmethod and property (getter, setter, docstring, a
# missing setter), inherited by subclasses; vars() and __dict__.


class Shape:
    made = 0

    def __init__(self, r):
        self._r = r

    @staticmethod
    def unit(x):
        return x + 1

    @classmethod
    def make(cls, r):
        cls.made += 1
        return cls(r)

    @property
    def area(self):
        """Three r squared."""
        return 3 * self._r ** 2

    @property
    def r(self):
        return self._r

    @r.setter
    def r(self, v):
        if v < 0:
            raise ValueError("negative radius")
        self._r = v


class Circle(Shape):
    @property
    def area(self):
        return 3.14 * self.r ** 2


a = Shape.make(2)
c = Circle.make(1)
print(Shape.unit(1), a.unit(2), type(c).__name__, Shape.made, Circle.made)
print(a.area, c.area, Shape.area.__doc__)
a.r = 5
print(a.r, a.area, vars(a))
try:
    a.area = 3
except AttributeError as e:
    print("AttributeError:", e)
try:
    a.r = -1
except ValueError as e:
    print("ValueError:", e)
print(isinstance(Shape.__dict__["unit"], staticmethod), isinstance(Shape.__dict__["make"], classmethod))
print(isinstance(Shape.__dict__["area"], property), Shape.__dict__["unit"](41))
print(sorted(k for k in vars(Shape) if not k.startswith("__")))
f = staticmethod(len)
print(f("abc"), callable(f))

# expect: 2 3 Circle 1 2
# expect: 12 3.14 Three r squared.
# expect: 5 75 {'_r': 5}
# expect: AttributeError: property 'area' of 'Shape' object has no setter
# expect: ValueError: negative radius
# expect: True True
# expect: True 42
# expect: ['area', 'made', 'make', 'r', 'unit']
# expect: 3 True
