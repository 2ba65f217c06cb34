#!/usr/bin/env bash
# Runs every test of the workspace. Some tests drive Python tools (Jupyter's
# client and conformance suite, nbclient, NVRTC from PyPI): this makes the
# local virtual environment .venv with tests/requirements.txt on first use
# (and again when the list changes), then runs `cargo test --workspace`.
# The multi-process tests (mpirun) need the `distributed` feature, which
# needs Open MPI and libclang: as root with apt this installs them when
# missing; otherwise it prints the command that does and skips those tests.
# Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] || ! cmp -s tests/requirements.txt .venv/requirements.txt; then
  echo "== making .venv from tests/requirements.txt"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt .venv/requirements.txt
fi
# The MNIST lesson notebook reads the real data set.
if [ ! -f data/mnist/t10k-labels-idx1-ubyte ]; then
  echo "== fetching MNIST into data/mnist"
  .venv/bin/python engine/examples/fetch_mnist.py --out data/mnist
fi
# Tests that need the venv find it here; with TT_REQUIRE_VENV set they fail
# instead of skipping when it is missing.
export TT_VENV="$PWD/.venv"
export TT_REQUIRE_VENV=1
MPI_PACKAGES="libopenmpi-dev openmpi-bin clang libclang-dev"
has_libclang() {
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libclang[-.0-9]*\.so' ||
    compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null
}
mpi_ready() {
  command -v mpirun >/dev/null && command -v mpicc >/dev/null && has_libclang
}
if ! mpi_ready && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Open MPI and libclang for the multi-process tests"
  apt-get update -qq
  # shellcheck disable=SC2086 # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $MPI_PACKAGES >/dev/null
fi
FEATURES=""
if mpi_ready; then
  FEATURES="--features distributed"
  export TT_REQUIRE_MPI=1
else
  echo "== SKIPPING the multi-process (mpirun) tests: Open MPI or libclang is missing."
  echo "   Install them with: sudo apt-get install -y $MPI_PACKAGES"
fi
# shellcheck disable=SC2086 # FEATURES is empty or two words
cargo test --workspace $FEATURES "$@"
