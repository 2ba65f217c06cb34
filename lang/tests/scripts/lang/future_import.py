"""A module docstring may come before __future__ imports."""
# and comments
from __future__ import annotations
from __future__ import (division,
                        print_function as pf)
from __future__ import generator_stop, nested_scopes, generators, absolute_import
from __future__ import with_statement, unicode_literals
import __future__


def f(x: SomeUndefinedName) -> AnotherOne:
    return x * 2


print(f(21), 7 / 2, 7 // 2)
print(annotations)
print(pf, division)
print(__future__.all_feature_names)
print(__future__.annotations.mandatory, __future__.division.compiler_flag)
print(type(annotations).__name__, __future__.generators.optional)

# expect: 42 3.5 3
# expect: _Feature((3, 7, 0, 'beta', 1), None, 16777216)
# expect: _Feature((2, 6, 0, 'alpha', 2), (3, 0, 0, 'alpha', 0), 1048576) _Feature((2, 2, 0, 'alpha', 2), (3, 0, 0, 'alpha', 0), 131072)
# expect: ['nested_scopes', 'generators', 'division', 'absolute_import', 'with_statement', 'print_function', 'unicode_literals', 'barry_as_FLUFL', 'generator_stop', 'annotations']
# expect: None 131072
# expect: _Feature (2, 2, 0, 'alpha', 1)
