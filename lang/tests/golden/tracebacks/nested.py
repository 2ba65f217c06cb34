def inner(x):
    return x / 0

def outer(y):
    return inner(y) + 1

outer(1)
