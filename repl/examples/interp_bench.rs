//! Interpreter speed against CPython in the same run, and the per-op
//! overhead of tensor ops on a 1-element tensor with and without autograd.
//!
//! `cargo run --release -p tinytorch-lang --example interp_bench`
//! (CPython is looked up as `python3`; its row is skipped when absent).

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

/// Recursion and attribute access on instances.
const FIB: &str = r#"
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
r = fib(25)
"#;

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

fn time_session(src: &str) -> f64 {
    let mut s = Session::new();
    s.set_output(Box::new(BufferSink::default()));
    let t = Instant::now();
    if let Err(e) = s.run(src, "<bench>", false) {
        panic!("benchmark script failed:\n{}", e.render());
    }
    t.elapsed().as_secs_f64()
}

fn time_python(src: &str) -> Option<f64> {
    // Time inside Python so interpreter start-up is excluded, as above.
    let wrapped = format!(
        "import time\n_t = time.perf_counter()\nexec(compile({src:?}, '<bench>', 'exec'))\nprint(time.perf_counter() - _t)\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(wrapped)
        .output()
        .ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

fn best_of(n: usize, f: impl Fn() -> f64) -> f64 {
    (0..n).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "script", "tinytorch s", "python3 s", "ratio"
    );
    for (name, src) in [
        ("loop: call % append 1e6", LOOP),
        ("fib(25) recursion", FIB),
        ("method calls 3e5", CLASSES),
    ] {
        let ours = best_of(3, || time_session(src));
        match (0..3).filter_map(|_| time_python(src)).reduce(f64::min) {
            Some(py) => println!("{name:<28} {ours:>12.4} {py:>12.4} {:>7.2}x", ours / py),
            None => println!("{name:<28} {ours:>12.4} {:>12} {:>8}", "n/a", "-"),
        }
    }
    // Tensor op overhead: 1-element tensors, so the time is dispatch, not math.
    let n = 100_000;
    let body = |grad: bool| {
        format!(
            "import torch\nx = torch.ones(1, requires_grad={})\ny = torch.ones(1)\nfor i in range({n}):\n    z = x * y\n",
            if grad { "True" } else { "False" }
        )
    };
    let empty = format!("for i in range({n}):\n    z = i\n");
    let base = best_of(3, || time_session(&empty));
    for grad in [false, true] {
        let src = body(grad);
        let ours = (best_of(3, || time_session(&src)) - base) / n as f64 * 1e6;
        let py = {
            let s = format!("import torch\n{}", body(grad));
            let wrapped = format!(
                "import time\nexec(compile({:?}, '<b>', 'exec'))\n_t = time.perf_counter()\nexec(compile({s:?}, '<b>', 'exec'))\n_a = time.perf_counter() - _t\n_t = time.perf_counter()\nexec(compile({empty:?}, '<b>', 'exec'))\nprint((_a - (time.perf_counter() - _t)) / {n} * 1e6)\n",
                "import torch"
            );
            std::env::var("TORCH_PYTHON")
                .ok()
                .and_then(|p| {
                    std::process::Command::new(p)
                        .arg("-c")
                        .arg(wrapped)
                        .output()
                        .ok()
                })
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.trim().parse::<f64>().ok())
        };
        let label = if grad {
            "x * y, autograd on (us/op)"
        } else {
            "x * y, no grad (us/op)"
        };
        match py {
            Some(p) => println!("{label:<28} {ours:>12.3} {p:>12.3} {:>7.2}x   (python column: PyTorch via $TORCH_PYTHON)", ours / p),
            None => println!("{label:<28} {ours:>12.3} {:>12} {:>8}", "-", "-"),
        }
    }
}
