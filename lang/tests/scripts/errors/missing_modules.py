# Modules tinytorch does not have: CPython's ModuleNotFoundError, naming the
# first missing part of the dotted path, then (ours) what to use instead.
# The text before " (" is CPython's; the hint checks are tinytorch's own.
try:
    import numpy as np
except ModuleNotFoundError as e:
    print(str(e).split(" (")[0], "|", "torch.tensor" in str(e))
try:
    import matplotlib.pyplot as plt
except ModuleNotFoundError as e:
    print(str(e).split(" (")[0], "|", "plot(values)" in str(e))
try:
    from torchvision import datasets
except ModuleNotFoundError as e:
    print(str(e).split(" (")[0], "|", "MNIST" in str(e))
try:
    import torch.nonexistent
except ModuleNotFoundError as e:
    print(e)
import nosuchmodule.sub

# expect: No module named 'numpy' | True
# expect: No module named 'matplotlib' | True
# expect: No module named 'torchvision' | True
# expect: No module named 'torch.nonexistent'
# expect error: ModuleNotFoundError: No module named 'nosuchmodule'
