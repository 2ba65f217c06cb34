"""Writes the expected output of corpus scripts: PyTorch's stdout.

Usage (by hand, never in CI; a Python with torch 2.x):
    python tests/corpus/expect.py tests/corpus/NAME.py [...]

Each script runs under this Python in the corpus directory; its stdout goes
to NAME.out beside it. A script that fails under PyTorch is an error here:
the corpus holds only code that runs there.
"""
import os
import subprocess
import sys

for path in sys.argv[1:]:
    path = os.path.abspath(path)
    r = subprocess.run([sys.executable, os.path.basename(path)], capture_output=True,
                       text=True, cwd=os.path.dirname(path), timeout=600)
    if r.returncode != 0:
        sys.exit(f"{path} failed under PyTorch:\n{r.stderr}")
    with open(path[:-3] + ".out", "w") as f:
        f.write(r.stdout)
    print(f"{os.path.basename(path)}: {len(r.stdout.splitlines())} lines")
