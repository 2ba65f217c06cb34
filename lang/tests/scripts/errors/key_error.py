d = {"a": 1}
d["missing"]

# expect error: KeyError: 'missing'
