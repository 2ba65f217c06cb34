#!/usr/bin/env bash
# The MLP training loop of mlp_loop.py under tinytorch-repl and under
# PyTorch, interleaved in the same run, with the ratio per part.
#
#   bash lang/benches/loop_bench.sh [PYTHON] [STEPS] [REPEATS]
#
# PYTHON is a Python with torch (default: $TORCH_PYTHON, else python3); the
# PyTorch column is left out when it cannot import torch. Prints the median
# microseconds per step (forward, backward, optimizer step) of REPEATS runs
# (default 5) of STEPS steps (default 2000); ratio below 1: tinytorch faster.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${1:-${TORCH_PYTHON:-python3}}
steps=${2:-2000}
repeats=${3:-5}
script=lang/benches/mlp_loop.py
cargo build --release -q -p tinytorch-repl
repl=target/release/tinytorch-repl
have_torch=0
"$py" -c "import torch" 2>/dev/null && have_torch=1
ours=$(mktemp) theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
for _ in $(seq "$repeats"); do
    "$repl" "$script" "$steps" | grep '^step_us' >>"$ours"
    if [ "$have_torch" = 1 ]; then
        "$py" "$script" "$steps" | grep '^step_us' >>"$theirs"
    fi
done
# median of field $2 (step), $4 (forward), $6 (backward), $8 (update)
median() { awk -v f="$2" '{print $f}' "$1" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "MLP 784-128-10, SGD, batch 64: $steps steps, median of $repeats runs"
echo "| part | tinytorch-repl us | PyTorch us | ratio |"
echo "|---|---|---|---|"
for part in "step 2" "forward 4" "backward 6" "optimizer_step 8"; do
    set -- $part
    o=$(median "$ours" "$2")
    if [ "$have_torch" = 1 ]; then
        t=$(median "$theirs" "$2")
        echo "| ${1/_/ } | $o | $t | $(awk -v o="$o" -v t="$t" 'BEGIN {printf "%.2f", o / t}') |"
    else
        echo "| ${1/_/ } | $o | - | - |"
    fi
done
