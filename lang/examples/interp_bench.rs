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

/// CPU seconds used so far by all threads of this process (Linux
/// `/proc/self/task/*/schedstat`, nanoseconds), or None elsewhere.
fn process_cpu() -> Option<f64> {
    let mut ns = 0u64;
    for t in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let s = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
        ns += s.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 * 1e-9)
}

/// One timing: wall seconds and CPU seconds (None where unknown). On a
/// loaded machine CPU time is the fairer measure: wall time also counts the
/// time other processes ran.
#[derive(Clone, Copy)]
struct Time {
    wall: f64,
    cpu: Option<f64>,
}

/// One run of `src` in a fresh session (start-up excluded).
fn run_session(src: &str) -> Time {
    let mut s = Session::new();
    s.set_output(Box::new(BufferSink::default()));
    let c0 = process_cpu();
    let t = Instant::now();
    if let Err(e) = s.run(src, "<bench>", false) {
        panic!("benchmark script failed:\n{}", e.render());
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = match (c0, process_cpu()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Time { wall, cpu }
}

/// One run of `src` under `python` (start-up and `setup` excluded), or None
/// when there is no such interpreter.
fn run_python(python: &str, setup: &str, src: &str) -> Option<Time> {
    let wrapped = format!(
        "import time\nexec(compile({setup:?}, '<setup>', 'exec'))\n_c = time.process_time()\n_t = time.perf_counter()\nexec(compile({src:?}, '<bench>', 'exec'))\nprint(time.perf_counter() - _t, time.process_time() - _c)\n"
    );
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(wrapped)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut it = text.split_whitespace().map(|x| x.parse::<f64>().ok());
    Some(Time {
        wall: it.next()??,
        cpu: it.next().flatten(),
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Median wall and CPU seconds.
type Medians = (Option<f64>, Option<f64>);

/// Medians of `reps` runs of `ours` and of `theirs`, interleaved so that
/// both see the same machine load.
fn paired(
    reps: usize,
    ours: impl Fn() -> Time,
    theirs: impl Fn() -> Option<Time>,
) -> (Medians, Medians) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        a.push(ours());
        b.extend(theirs());
    }
    let med = |v: &[Time]| {
        (
            median(v.iter().map(|t| t.wall).collect()),
            median(v.iter().filter_map(|t| t.cpu).collect()),
        )
    };
    (med(&a), med(&b))
}

fn row(label: &str, ours: Medians, theirs: Medians, scale: f64, prec: usize) {
    let cell = |x: Option<f64>| x.map_or("n/a".to_string(), |x| format!("{:.prec$}", x * scale));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}x", a / b),
        _ => "-".to_string(),
    };
    println!(
        "{label:<30} {:>9} {:>9} {:>7}   {:>9} {:>9} {:>7}",
        cell(ours.0),
        cell(theirs.0),
        ratio(ours.0, theirs.0),
        cell(ours.1),
        cell(theirs.1),
        ratio(ours.1, theirs.1),
    );
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
        let t = run_session(&src);
        println!(
            "{which}, n = {n}: {:.4} s wall, {:.4} s cpu",
            t.wall,
            t.cpu.unwrap_or(f64::NAN)
        );
        return;
    }
    let reps: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    println!(
        "medians of {reps} interleaved runs; tinytorch vs python3 (tensor rows: vs $TORCH_PYTHON)"
    );
    println!(
        "{:<30} {:>9} {:>9} {:>7}   {:>9} {:>9} {:>7}",
        "script", "ours wall", "py wall", "ratio", "ours cpu", "py cpu", "ratio"
    );
    for (name, src) in [
        ("loop: call % append 1e6 (s)", LOOP),
        ("same loop in a function (s)", LOOP_FN),
        ("fib(25) recursion (s)", FIB),
        ("method calls 3e5 (s)", CLASSES),
        ("while, float += 1e6 (s)", WHILE),
    ] {
        let (ours, py) = paired(reps, || run_session(src), || run_python("python3", "", src));
        row(name, ours, py, 1.0, 4);
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
    let diff = |a: Time, b: Time| Time {
        wall: a.wall - b.wall,
        cpu: a.cpu.zip(b.cpu).map(|(a, b)| a - b),
    };
    for grad in [false, true] {
        let src = format!("{}{ops}", setup(grad));
        let ours = || diff(run_session(&src), run_session(&empty));
        let theirs = || {
            let p = torch_python.as_deref()?;
            let s = setup(grad);
            Some(diff(run_python(p, &s, &ops)?, run_python(p, &s, &empty)?))
        };
        let (ours, py) = paired(reps, ours, theirs);
        let label = if grad {
            "x * y, autograd on (us/op)"
        } else {
            "x * y, no grad (us/op)"
        };
        row(label, ours, py, 1e6 / n as f64, 3);
    }
}
