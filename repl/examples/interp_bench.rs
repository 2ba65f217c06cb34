//! Interpreter speed against CPython in the same run, and the per-op
//! overhead of tensor ops on a 1-element tensor with and without autograd.
//!
//! `cargo run --release -p tinytorch-lang --example interp_bench [-- REPS]`
//! prints the median of REPS runs (default 5) of each script under tinytorch
//! and under `python3` (its column is skipped when absent), interleaved so
//! that both see the same machine load. With `$TORCH_PYTHON` set to a Python
//! that has torch, the tensor rows get a PyTorch column.
//!
//! `interp_bench profile N [loop|fn|fib|class|while]` runs one script once
//! with N iterations (fib: fib(N)) and nothing else, for
//! `valgrind --tool=callgrind` (deterministic instruction counts).

use std::time::Instant;
use tinytorch_lang::{BufferSink, Session};

/// A call, a modulo and an append per iteration, 10**6 iterations.
const LOOP: &str = r#"
def f(x):
    return x * 2 + 1

out = []
for i in range(1000000):
    out.append(f(i) % 7)
total = sum(out)
"#;

/// The same loop inside a function (locals instead of globals).
const LOOP_FN: &str = r#"
def f(x):
    return x * 2 + 1

def main():
    out = []
    for i in range(1000000):
        out.append(f(i) % 7)
    return sum(out)
total = main()
"#;

/// Recursion and comparisons.
const FIB: &str = r#"
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
r = fib(25)
"#;

/// Method calls and attribute access on instances.
const CLASSES: &str = r#"
class P:
    def __init__(self, x):
        self.x = x
    def step(self, d):
        self.x = self.x + d
        return self.x
p = P(0)
acc = 0
for i in range(300000):
    acc += p.step(i % 3)
"#;

/// A while loop with float arithmetic and a comparison.
const WHILE: &str = r#"
s = 0.0
k = 0
while k < 1000000:
    s += k * 0.5
    k += 1
"#;

fn time_session(src: &str) -> f64 {
    let mut s = Session::new();
    s.set_output(Box::new(BufferSink::default()));
    let t = Instant::now();
    if let Err(e) = s.run(src, "<bench>", false) {
        panic!("benchmark script failed:\n{}", e.render());
    }
    t.elapsed().as_secs_f64()
}

/// Seconds `python` takes to run `src` (start-up and `setup` excluded), or
/// None when there is no such interpreter.
fn time_python(python: &str, setup: &str, src: &str) -> Option<f64> {
    let wrapped = format!(
        "import time\nexec(compile({setup:?}, '<setup>', 'exec'))\n_t = time.perf_counter()\nexec(compile({src:?}, '<bench>', 'exec'))\nprint(time.perf_counter() - _t)\n"
    );
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(wrapped)
        .output()
        .ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Medians of `reps` interleaved runs of `ours` and `theirs`.
fn paired(
    reps: usize,
    ours: impl Fn() -> f64,
    theirs: impl Fn() -> Option<f64>,
) -> (f64, Option<f64>) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..reps {
        a.push(ours());
        if let Some(t) = theirs() {
            b.push(t);
        }
    }
    (median(a), (!b.is_empty()).then(|| median(b)))
}

fn row(label: &str, ours: f64, theirs: Option<f64>, prec: usize) {
    match theirs {
        Some(p) => println!(
            "{label:<30} {ours:>12.prec$} {p:>12.prec$} {:>7.2}x",
            ours / p
        ),
        None => println!("{label:<30} {ours:>12.prec$} {:>12} {:>8}", "n/a", "-"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("profile") {
        let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
        let which = args.get(2).map_or("loop", String::as_str);
        let src = match which {
            "fn" => LOOP_FN.replace("1000000", &n.to_string()),
            "fib" => FIB.replace("25", &n.to_string()),
            "class" => CLASSES.replace("300000", &n.to_string()),
            "while" => WHILE.replace("1000000", &n.to_string()),
            _ => LOOP.replace("1000000", &n.to_string()),
        };
        println!("{which}, n = {n}: {:.4} s", time_session(&src));
        return;
    }
    let reps: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    println!("medians of {reps} interleaved runs");
    println!(
        "{:<30} {:>12} {:>12} {:>8}",
        "script", "tinytorch s", "python3 s", "ratio"
    );
    for (name, src) in [
        ("loop: call % append 1e6", LOOP),
        ("same loop inside a function", LOOP_FN),
        ("fib(25) recursion", FIB),
        ("method calls 3e5", CLASSES),
        ("while, float += 1e6", WHILE),
    ] {
        let (ours, py) = paired(
            reps,
            || time_session(src),
            || time_python("python3", "", src),
        );
        row(name, ours, py, 4);
    }
    // Tensor op overhead: 1-element tensors, so the time is dispatch, not
    // math; the empty loop's time is subtracted.
    let n = 100_000;
    let setup = |grad: bool| {
        format!(
            "import torch\nx = torch.ones(1, requires_grad={})\ny = torch.ones(1)\n",
            if grad { "True" } else { "False" }
        )
    };
    let ops = format!("for i in range({n}):\n    z = x * y\n");
    let empty = format!("for i in range({n}):\n    z = i\n");
    let torch_python = std::env::var("TORCH_PYTHON").ok();
    for grad in [false, true] {
        let src = format!("{}{ops}", setup(grad));
        let ours = || (time_session(&src) - time_session(&empty)) / n as f64 * 1e6;
        let theirs = || {
            let p = torch_python.as_deref()?;
            let s = setup(grad);
            Some((time_python(p, &s, &ops)? - time_python(p, &s, &empty)?) / n as f64 * 1e6)
        };
        let (ours, py) = paired(reps, ours, theirs);
        let label = if grad {
            "x * y, autograd on (us/op)"
        } else {
            "x * y, no grad (us/op)"
        };
        row(label, ours, py, 3);
    }
    if torch_python.is_some() {
        println!("(tensor rows' second column: PyTorch via $TORCH_PYTHON)");
    }
}
