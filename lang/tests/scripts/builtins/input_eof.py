# input() with nothing to read (as `python FILE < /dev/null`): the prompt is
# written, then EOFError, as in CPython.
try:
    input("name? ")
except EOFError as e:
    print("EOFError:", e)
print(isinstance(EOFError(), Exception))

# expect: name? EOFError: EOF when reading a line
# expect: True
