# collections: defaultdict (factories, __missing__ storing, repr, dict
# methods), Counter (counting, most_common ties in first-seen order,
# update/subtract/total/elements, missing keys are 0), OrderedDict
# (repr, move_to_end, popitem), isinstance with dict.
from collections import defaultdict, Counter, OrderedDict
import collections

d = defaultdict(int)
for ch in "mississippi":
    d[ch] += 1
print(d)
print(sorted(d.items()), d["z"], len(d), isinstance(d, dict), type(d).__name__)
groups = defaultdict(list)
for w in ["apple", "avocado", "banana", "blueberry", "cherry"]:
    groups[w[0]].append(w)
print(dict(groups))
print(defaultdict(lambda: "?")["k"])
plain = defaultdict()
try:
    plain["missing"]
except KeyError as e:
    print("KeyError", e)

c = Counter("abracadabra")
print(c)
print(c.most_common(2), c["z"], c["a"])
c.update("aaz")
c.subtract({"b": 1})
print(c.most_common(3), c.total(), sorted(c.elements())[:6])
words = "the cat sat on the mat the end".split()
print(Counter(words).most_common(1), Counter(a=2, b=1))
print(Counter(), Counter([1, 1, 2]) == {1: 2, 2: 1})

od = OrderedDict([("a", 1), ("b", 2), ("c", 3)])
od.move_to_end("a")
print(od, list(od.keys()))
od.move_to_end("c", last=False)
print(od.popitem(), od.popitem(last=False), od)
print(OrderedDict(), OrderedDict(x=1), isinstance(od, dict))
print(collections.OrderedDict is OrderedDict)

# expect: defaultdict(<class 'int'>, {'m': 1, 'i': 4, 's': 4, 'p': 2})
# expect: [('i', 4), ('m', 1), ('p', 2), ('s', 4)] 0 5 True defaultdict
# expect: {'a': ['apple', 'avocado'], 'b': ['banana', 'blueberry'], 'c': ['cherry']}
# expect: ?
# expect: KeyError 'missing'
# expect: Counter({'a': 5, 'b': 2, 'r': 2, 'c': 1, 'd': 1})
# expect: [('a', 5), ('b', 2)] 0 5
# expect: [('a', 7), ('r', 2), ('b', 1)] 13 ['a', 'a', 'a', 'a', 'a', 'a']
# expect: [('the', 3)] Counter({'a': 2, 'b': 1})
# expect: Counter() True
# expect: OrderedDict([('b', 2), ('c', 3), ('a', 1)]) ['b', 'c', 'a']
# expect: ('a', 1) ('c', 3) OrderedDict([('b', 2)])
# expect: OrderedDict() OrderedDict([('x', 1)]) True
# expect: True
