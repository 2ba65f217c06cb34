#!/usr/bin/env bash
# Runs every test of the workspace. Some tests drive Python tools (Jupyter's
# client and conformance suite, nbclient, NVRTC from PyPI): this makes the
# local virtual environment .venv with tests/requirements.txt on first use
# (and again when the list changes), then runs `cargo test --workspace`.
# The multi-process tests (mpirun) need the `distributed` feature, which
# needs Open MPI and libclang: as root with apt this installs them when
# missing; otherwise it prints the command that does and skips those tests.
# The Rust lesson notebook runs in evcxr's Jupyter kernel: this installs
# evcxr_jupyter from crates.io into .tools/ once (kept between runs; about
# 5 min on 2 cores) unless one is on PATH, and runs that test after the
# others; TT_SKIP_EVCXR=1 skips it (said in the summary).
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
EVCXR_VERSION=0.22.0
EVCXR=""
EVCXR_WHY="TT_SKIP_EVCXR is set"
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt 95 ]; then
  # evcxr 0.22 needs Rust 1.95.
  EVCXR_WHY="evcxr $EVCXR_VERSION needs Rust 1.95 or newer (rustup update)"
  TT_SKIP_EVCXR=1
fi
if [ -z "${TT_SKIP_EVCXR:-}" ]; then
  if [ -x .tools/bin/evcxr_jupyter ]; then
    EVCXR="$PWD/.tools/bin/evcxr_jupyter"
  elif command -v evcxr_jupyter >/dev/null; then
    EVCXR="$(command -v evcxr_jupyter)"
  else
    echo "== installing evcxr_jupyter $EVCXR_VERSION into .tools (once; about 4 min on 2 cores)"
    # At opt-level 1 it builds a minute faster and runs the lesson as fast.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
      cargo install evcxr_jupyter --locked --version "$EVCXR_VERSION" --root .tools
    EVCXR="$PWD/.tools/bin/evcxr_jupyter"
  fi
  # evcxr asks rust-analyzer for the types of a cell's variables: it reads
  # the standard library's sources.
  if command -v rustup >/dev/null; then
    rustup component add rust-src >/dev/null 2>&1 || true
  fi
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
# What did not run is said at the end, not only in the log: tests that need
# a GPU are #[ignore]d with the reason "needs a CUDA device", and run here
# (with --ignored, the cuda feature, TT_REQUIRE_GPU=1) only when nvidia-smi
# lists a GPU.
GPU_TESTS="--test cuda_ops --test llm_cuda --test amp_autocast --test amp_nn"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
status=0
# shellcheck disable=SC2086 # FEATURES is empty or two words
cargo test --workspace $FEATURES "$@" 2>&1 | tee "$LOG" || status=$?
gpu_present() {
  command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU'
}
EVCXR_RAN=""
if [ "$status" = 0 ] && [ -n "$EVCXR" ]; then
  echo "== the Rust lesson in evcxr's kernel ($EVCXR)"
  TT_EVCXR="$EVCXR" cargo test -p tinytorch-jupyter --test python -- --ignored rust_notebooks_run_in_evcxr 2>&1 |
    tee -a "$LOG" || status=$?
  EVCXR_RAN=1
fi
GPU_RAN=""
if [ "$status" = 0 ] && gpu_present; then
  echo "== GPU found: the CUDA tests (--features cuda, --ignored)"
  # shellcheck disable=SC2086 # a list of --test flags
  TT_REQUIRE_GPU=1 cargo test -p tinytorch --features cuda $GPU_TESTS -- --ignored 2>&1 |
    tee -a "$LOG" || status=$?
  GPU_RAN=1
fi
gpu_ignored=$(grep -c 'ignored, needs a CUDA device' "$LOG" || true)
other_ignored=$(grep ' \.\.\. ignored' "$LOG" | grep -v 'needs a CUDA device' | grep -vc 'needs evcxr_jupyter' || true)
echo
echo "== SUMMARY: what did not run"
if [ -n "$GPU_RAN" ]; then
  echo "   GPU tests: ran with --ignored on this machine's GPU (their first pass lists them as ignored)"
else
  echo "   $gpu_ignored GPU tests IGNORED: no GPU (nvidia-smi lists none); they check nothing here."
  echo "   On a GPU machine: cargo test -p tinytorch --features cuda $GPU_TESTS -- --ignored"
fi
if [ -n "$EVCXR_RAN" ]; then
  echo "   the evcxr notebook test: listed as ignored in the first pass, then ran (see '== the Rust lesson')"
else
  echo "   the evcxr notebook test DID NOT RUN (${EVCXR:+an earlier test failed}${EVCXR:-$EVCXR_WHY})"
fi
if [ -z "$FEATURES" ]; then
  echo "   multi-process (mpirun) tests SKIPPED: Open MPI or libclang is missing ($MPI_PACKAGES)"
fi
echo "   $other_ignored other ignored tests (their reasons are in the log above, e.g. mpirun workers)"
exit "$status"
