# os and os.path as CPython's, in a scratch directory removed at the end.
import os
base = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tinytorch-os-" + str(os.getpid()))
print(os.path.join("data", "mnist", "train.idx"), os.path.join("a/", "b"), os.path.join("a", "/abs", "c"), os.path.join("", "x"))
print(os.path.basename("a/b/c.txt"), os.path.dirname("a/b/c.txt"), os.path.dirname("/x"), os.path.basename("dir/"))
print(os.path.split("a/b/c"), os.path.split("/a"), os.path.split("c"))
print(os.path.splitext("model.pt"), os.path.splitext("a/b.tar.gz"), os.path.splitext(".bashrc"), os.path.splitext("noext"))
ck = os.path.join(base, "out", "ckpt")
os.makedirs(ck, exist_ok=True)
os.makedirs(ck, exist_ok=True)
print(os.path.exists(base), os.path.isdir(ck), os.path.isfile(ck), os.path.exists(os.path.join(base, "nope")))
try:
    os.makedirs(ck)
except FileExistsError as e:
    print("FileExistsError", str(e).replace(base, "BASE"))
try:
    os.listdir(os.path.join(base, "missing"))
except FileNotFoundError as e:
    print("FileNotFoundError", str(e).replace(base, "BASE"))
os.mkdir(os.path.join(base, "out", "x"))
print(os.listdir(os.path.join(base, "out")) == ["ckpt", "x"] or sorted(os.listdir(os.path.join(base, "out"))))
print(os.path.abspath(os.path.join(base, "out/../out/x")) == os.path.join(base, "out", "x"))
print(type(os.environ.get("HOME")).__name__, "PATH" in os.environ, os.environ.get("NO_SUCH_VAR_TT", "dflt"))
print(os.path.expanduser("~/x") == os.environ["HOME"] + "/x", os.sep)
os.rmdir(os.path.join(base, "out", "x"))
os.rmdir(ck)
os.rmdir(os.path.join(base, "out"))
os.rmdir(base)
print(os.path.exists(base))

# expect: data/mnist/train.idx a/b /abs/c x
# expect: c.txt a/b / 
# expect: ('a/b', 'c') ('/', 'a') ('', 'c')
# expect: ('model', '.pt') ('a/b.tar', '.gz') ('.bashrc', '') ('noext', '')
# expect: True True False False
# expect: FileExistsError [Errno 17] File exists: 'BASE/out/ckpt'
# expect: FileNotFoundError [Errno 2] No such file or directory: 'BASE/missing'
# expect: True
# expect: True
# expect: str True dflt
# expect: True /
# expect: False
