class Animal:
    kind = "animal"

    def __init__(self, name):
        self.name = name

    def speak(self):
        return f"{self.name} makes a sound"

    def __repr__(self):
        return f"Animal({self.name!r})"


class Dog(Animal):
    def __init__(self, name, breed):
        super().__init__(name)
        self.breed = breed

    def speak(self):
        return super().speak() + " (woof)"


d = Dog("Rex", "lab")
print(d.speak(), d.kind, d.breed)
print(Animal("cat"), [Animal("a")])
print(isinstance(d, Animal), isinstance(d, Dog), isinstance(Animal("x"), Dog))
print(type(d).__name__, hasattr(d, "breed"), hasattr(d, "wings"), getattr(d, "wings", 0))
setattr(d, "wings", 2)
print(d.wings)


class Vec:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    def __rmul__(self, k):
        return self * k

    def __eq__(self, o):
        return self.x == o.x and self.y == o.y

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return (self.x, self.y)[i]

    def __str__(self):
        return f"<{self.x}, {self.y}>"


v = Vec(1, 2) + Vec(3, 4)
print(v, 2 * v, v * 3, v == Vec(4, 6), len(v), v[1], list(v))


class Counter:
    count = 0

    def __init__(self):
        Counter.count += 1


Counter()
Counter()
print(Counter.count)


class Ctx:
    def __enter__(self):
        print("enter")
        return self

    def __exit__(self, typ, val, tb):
        print("exit", typ.__name__ if typ else None)
        return True


with Ctx() as c:
    print("inside")
    raise ValueError("boom")
print("after")

# expect: Rex makes a sound (woof) animal lab
# expect: Animal('cat') [Animal('a')]
# expect: True True False
# expect: Dog True False 0
# expect: 2
# expect: <4, 6> <8, 12> <12, 18> True 2 6 [4, 6]
# expect: 2
# expect: enter
# expect: inside
# expect: exit ValueError
# expect: after
