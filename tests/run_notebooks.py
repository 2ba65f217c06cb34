"""Executes notebooks in fresh kernels and checks their outputs.

    python tests/run_notebooks.py notebooks/*.ipynb

For each notebook: every code cell runs top to bottom (nbclient, a fresh
kernel of the notebook's kernelspec: `tinytorch`, or evcxr's `rust`), no
cell may produce an error output, and every code cell that has outputs in
the saved notebook must produce the same kinds of output again: each output
type it had (stream, execute_result, display_data) and each rich mime type
(image/png, image/svg+xml, text/html). Every picture must carry
image/png, and no picture may live only inside text/html (an untrusted
notebook strips SVG there). Exits 1 on the first failing
notebook with the reason; prints one line per notebook.
"""

import copy
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

PICTURES = ("image/png", "image/svg+xml")
RICH = PICTURES + ("text/html",)


def kinds(cell):
    """Output types and rich mime types of a code cell's outputs."""
    out = set()
    for o in cell.get("outputs", []):
        out.add(o["output_type"])
        for mime in o.get("data", {}):
            if mime in RICH:
                out.add(mime)
    return out


def picture_problems(cell):
    """Pictures that an untrusted view or GitHub would not show."""
    out = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        html = data.get("text/html", "")
        html = "".join(html) if isinstance(html, list) else html
        if "<svg" in html or "<img" in html:
            out.append("a picture inside text/html")
        if "image/svg+xml" in data and "image/png" not in data:
            out.append("an SVG without its PNG")
    return out


def check(path):
    saved = nbformat.read(path, as_version=4)
    fresh = copy.deepcopy(saved)
    for c in fresh.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    client = NotebookClient(
        fresh,
        kernel_name=saved.metadata.get("kernelspec", {}).get("name", "tinytorch"),
        timeout=900,
        allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    t = time.time()
    try:
        client.execute()
    except CellExecutionError as e:
        return f"a cell raised an error:\n{e}"
    for i, (a, b) in enumerate(zip(saved.cells, fresh.cells)):
        if b.cell_type != "code":
            continue
        for o in b.outputs:
            if o["output_type"] == "error":
                return f"cell {i} produced an error: {o.get('ename')}: {o.get('evalue')}"
        bad = picture_problems(b) + picture_problems(a)
        if bad:
            return f"cell {i}: {', '.join(bad)}:\n{b.source}"
        missing = kinds(a) - kinds(b)
        if missing:
            return f"cell {i} did not produce {sorted(missing)} again:\n{b.source}"
    print(f"ok {path} ({len(fresh.cells)} cells, {time.time() - t:.1f} s)")
    return None


def main(paths):
    if not paths:
        print("no notebooks given")
        return 1
    for p in paths:
        err = check(p)
        if err:
            print(f"FAILED {p}: {err}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
