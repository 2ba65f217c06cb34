x = 0
print(1 / (x + 1))
print(5 // x)

# expect: 1.0
# expect error: ZeroDivisionError: integer division or modulo by zero
