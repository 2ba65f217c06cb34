length = 3
print(lenght)

# expect error: NameError: name 'lenght' is not defined. Did you mean: 'length'?
