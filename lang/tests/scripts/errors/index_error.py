xs = [1, 2, 3]
def get(i):
    return xs[i]
print(get(0))
get(10)

# expect: 1
# expect error: IndexError: list index out of range
