length = 3
print(lenght)
