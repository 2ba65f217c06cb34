def risky(k):
    if k == 0:
        raise ValueError("zero")
    if k == 1:
        return [1][5]
    if k == 2:
        return {"a": 1}["b"]
    return 10 / (k - 3)

for k in range(4):
    try:
        print(risky(k))
    except ValueError as e:
        print("ValueError:", e)
    except (IndexError, KeyError) as e:
        print(type(e).__name__, e)
    except ArithmeticError as e:
        print("arith", e)
    finally:
        print("finally", k)

class MyError(Exception):
    pass

try:
    raise MyError("custom", 2)
except Exception as e:
    print(repr(e), e.args)

try:
    try:
        1 / 0
    except ZeroDivisionError:
        print("inner")
        raise
except ZeroDivisionError as e:
    print("outer", e)

def f():
    try:
        return "try"
    finally:
        print("cleanup")
print(f())

try:
    x = undefined_name
except NameError as e:
    print(e)
try:
    int("abc")
except ValueError as e:
    print(e)
try:
    "a" + 1
except TypeError as e:
    print(e)
try:
    assert 1 == 2, "nope"
except AssertionError as e:
    print("assert", e)
try:
    None.foo
except AttributeError as e:
    print(e)
try:
    raise RuntimeError
except RuntimeError as e:
    print("bare class", repr(e))
else:
    print("not reached")
try:
    pass
except Exception:
    pass
else:
    print("else ran")
print("end")

# expect: ValueError: zero
# expect: finally 0
# expect: IndexError list index out of range
# expect: finally 1
# expect: KeyError 'b'
# expect: finally 2
# expect: arith division by zero
# expect: finally 3
# expect: MyError('custom', 2) ('custom', 2)
# expect: inner
# expect: outer division by zero
# expect: cleanup
# expect: try
# expect: name 'undefined_name' is not defined
# expect: invalid literal for int() with base 10: 'abc'
# expect: can only concatenate str (not "int") to str
# expect: assert nope
# expect: 'NoneType' object has no attribute 'foo'
# expect: bare class RuntimeError()
# expect: else ran
# expect: end
