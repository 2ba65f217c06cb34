"""PyTorch + transformers twin of llm_bench.rs: greedy `generate` on the same
files, timed the same way.

    python engine/examples/llm_bench_torch.py --dir DIR --dtype bfloat16 \
        [--prompt 128] [--new 32] [--threads T]

Prints `<prefill tokens/s> <decode tokens/s> <peak RSS MB>` on its last
line, which llm_bench (`--torch PYTHON`) reads. Prefill: `generate` of one
token (the prompt's forward pass, as transformers runs it inside
generate); decode: the extra time of `--new` tokens over one, per token.
Needs torch and transformers; nothing in the build or CI runs it.
Tested with torch 2.15 and transformers 5.25 on CPU.
"""
import argparse
import resource
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[a.dtype]
    m = AutoModelForCausalLM.from_pretrained(a.dir, dtype=dtype)
    m.eval()
    ids = torch.tensor([[(i * 7919 + 13) % 150000 for i in range(a.prompt)]])
    mask = torch.ones_like(ids)

    def gen(n):
        t = time.perf_counter()
        with torch.inference_mode():
            m.generate(ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                       eos_token_id=None, pad_token_id=0)
        return time.perf_counter() - t

    gen(2)  # warm-up
    t1 = gen(1)
    tn = gen(a.new)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{a.prompt / t1} {(a.new - 1) / (tn - t1)} {peak}")


if __name__ == "__main__":
    main()
