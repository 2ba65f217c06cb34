#!/usr/bin/env bash
# Runs every test of the workspace. Some tests drive Python tools (Jupyter's
# client and conformance suite, nbclient, NVRTC from PyPI): this makes the
# local virtual environment .venv with tests/requirements.txt on first use
# (and again when the list changes), then runs `cargo test --workspace`.
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
cargo test --workspace "$@"
