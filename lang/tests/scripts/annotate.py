"""Writes `# expect:` comments into a test script from a real Python run.

Usage: python annotate.py SCRIPT.py   (use a Python with torch 2.x, and tqdm
4.x for scripts that import it, for torch/
scripts; CPython 3.11 was used for the others). Strips old expectations,
runs the script, appends one `# expect: line` per stdout line and an
`# expect error: Exc: msg` for an uncaught error. The interpreter under test
is never involved.
"""
import subprocess, sys

path = sys.argv[1]
src = open(path).read()
body = "\n".join(l for l in src.splitlines() if "# expect" not in l).rstrip() + "\n"
open(path, "w").write(body)
r = subprocess.run([sys.executable, path], capture_output=True, text=True)
lines = ["# expect: " + l if l else "# expect:" for l in r.stdout.splitlines()]
if r.returncode != 0:
    last = r.stderr.strip().splitlines()[-1]
    lines.append("# expect error: " + last)
open(path, "w").write(body + "\n" + "\n".join(lines) + "\n")
