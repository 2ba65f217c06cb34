//! MNIST-shaped training throughput on random data (runs without the dataset).
//!
//! ```text
//! cargo run --release -p tinytorch --example train_bench -- \
//!     [--batches N] [--repeats R] [--torch PYTHON]
//! ```
//!
//! Times full training steps (forward, nll loss, backward, optimizer step)
//! at batch 64 for the 784-128-10 MLP (SGD) and PyTorch's MNIST CNN
//! (Adadelta), and projects the time of a 60k-sample epoch. Wall time and
//! process CPU time are both reported: on a shared machine the CPU time per
//! batch is the steadier of the two.
//!
//! With `--torch PYTHON`, each repeat also runs `train_bench_torch.py` (the
//! same steps in PyTorch, limited to as many threads as rayon uses) right
//! after ours, and the table gives medians over the repeats side by side
//! with the ratio. Nothing else needs PyTorch.

use std::time::Instant;

use tinytorch::nn::functional as F;
use tinytorch::nn::{Conv2d, Linear, Module, ModuleExt};
use tinytorch::optim::{Hyper, Kind, Optimizer};
use tinytorch::{DType, Device, Result, Tensor};

const BATCH: usize = 64;
const EPOCH: usize = 60_000;

fn cnn_forward(m: &[&dyn Module], x: &Tensor) -> Result<Tensor> {
    let x = m[0].forward(x)?.relu()?;
    let x = m[1].forward(&x)?.relu()?;
    let x = F::max_pool2d(&x, [2, 2], None, [0, 0], [1, 1])?;
    let x = F::dropout(&x, 0.25, true)?.flatten(1, -1)?;
    let x = m[2].forward(&x)?.relu()?;
    let x = F::dropout(&x, 0.5, true)?;
    m[3].forward(&x)?.log_softmax(1)
}

/// Process CPU time (all threads) in seconds, where the OS exposes it.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, in clock ticks (USER_HZ, 100 on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// One timing: wall and CPU milliseconds per batch.
#[derive(Clone, Copy)]
struct Timing {
    wall_ms: f64,
    cpu_ms: Option<f64>,
}

fn bench(
    batches: usize,
    params: Vec<Tensor>,
    kind: Kind,
    hyper: Hyper,
    forward: &dyn Fn(&Tensor) -> Result<Tensor>,
) -> Result<Timing> {
    let mut opt = Optimizer::new(kind, params, hyper)?;
    let x = Tensor::randn_on(&[BATCH, 1, 28, 28], DType::F32, Device::Cpu)?;
    let y = Tensor::randint(0, 10, &[BATCH], DType::I64, Device::Cpu)?;
    let mut step = || -> Result<()> {
        opt.zero_grad();
        let loss = F::nll_loss(&forward(&x)?, &y, &F::LossOptions::new())?;
        loss.backward()?;
        opt.step()
    };
    for _ in 0..3 {
        step()?;
    }
    let c0 = cpu_seconds();
    let t = Instant::now();
    for _ in 0..batches {
        step()?;
    }
    let wall = t.elapsed().as_secs_f64() / batches as f64;
    let cpu = c0.zip(cpu_seconds()).map(|(a, b)| (b - a) / batches as f64);
    Ok(Timing {
        wall_ms: wall * 1e3,
        cpu_ms: cpu.map(|c| c * 1e3),
    })
}

/// Runs the PyTorch twin once; its lines read `<model> <wall ms> <cpu ms>`.
fn torch_run(python: &str, batches: usize, threads: usize) -> Option<Vec<(String, Timing)>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/train_bench_torch.py");
    let out = std::process::Command::new(python)
        .args([script, "--batches", &batches.to_string()])
        .args(["--threads", &threads.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "train_bench_torch.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let rows = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let wall_ms = f.get(1)?.parse().ok()?;
            let cpu_ms = f.get(2).and_then(|v| v.parse().ok());
            Some((f[0].to_string(), Timing { wall_ms, cpu_ms }))
        })
        .collect();
    Some(rows)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// glibc returns every buffer above its mmap threshold to the OS on free, so
/// the multi-megabyte activations of each step would be page-faulted in
/// afresh; raising the thresholds keeps them in the heap for reuse.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only sets allocator tunables; called before any threads start.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
            mallopt(M_TRIM_THRESHOLD, 1 << 30);
        }
    }
}

fn main() -> Result<()> {
    tune_allocator();
    let (mut batches, mut repeats, mut torch) = (30, 1, None::<String>);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--batches" => batches = args.next().and_then(|v| v.parse().ok()).unwrap_or(batches),
            "--repeats" => repeats = args.next().and_then(|v| v.parse().ok()).unwrap_or(repeats),
            "--torch" => torch = args.next(),
            _ => {}
        }
    }
    let threads = rayon::current_num_threads();
    tinytorch::random::manual_seed(0);
    let fc1 = Linear::new(784, 128, true)?;
    let fc2 = Linear::new(128, 10, true)?;
    let mut mlp_params = fc1.parameters();
    mlp_params.extend(fc2.parameters());
    let mlp = |x: &Tensor| {
        fc2.forward(&fc1.forward(&x.flatten(1, -1)?)?.relu()?)?
            .log_softmax(1)
    };
    let c1 = Conv2d::new(1, 32, 3)?;
    let c2 = Conv2d::new(32, 64, 3)?;
    let f1 = Linear::new(9216, 128, true)?;
    let f2 = Linear::new(128, 10, true)?;
    let mods: [&dyn Module; 4] = [&c1, &c2, &f1, &f2];
    let mut cnn_params = Vec::new();
    for m in mods {
        cnn_params.extend(m.parameters());
    }
    let cnn = |x: &Tensor| cnn_forward(&mods, x);
    // (model, ours, torch) timings over the repeats, interleaved so that
    // load from other processes hits both sides alike.
    let names = ["mlp", "cnn"];
    let mut ours: Vec<Vec<Timing>> = vec![Vec::new(); 2];
    let mut theirs: Vec<Vec<Timing>> = vec![Vec::new(); 2];
    for r in 0..repeats {
        ours[0].push(bench(
            batches,
            mlp_params.clone(),
            Kind::SGD,
            Hyper {
                lr: 0.01,
                ..Kind::SGD.defaults()
            },
            &mlp,
        )?);
        ours[1].push(bench(
            batches,
            cnn_params.clone(),
            Kind::Adadelta,
            Hyper {
                lr: 1.0,
                ..Kind::Adadelta.defaults()
            },
            &cnn,
        )?);
        if let Some(py) = &torch {
            for (name, t) in torch_run(py, batches, threads).unwrap_or_default() {
                if let Some(i) = names.iter().position(|n| *n == name) {
                    theirs[i].push(t);
                }
            }
        }
        let cpu = |t: &Timing| fmt(t.cpu_ms, 1);
        eprintln!(
            "repeat {}: mlp {:.2} ms (cpu {}), cnn {:.1} ms (cpu {}){}",
            r + 1,
            ours[0][r].wall_ms,
            cpu(&ours[0][r]),
            ours[1][r].wall_ms,
            cpu(&ours[1][r]),
            match (theirs[0].last(), theirs[1].last()) {
                (Some(m), Some(c)) if torch.is_some() => format!(
                    "; torch mlp {:.2} ms (cpu {}), cnn {:.1} ms (cpu {})",
                    m.wall_ms,
                    cpu(m),
                    c.wall_ms,
                    cpu(c)
                ),
                _ => String::new(),
            }
        );
    }
    println!(
        "batch {BATCH}, {batches} timed steps after 3 warm-up, {threads} threads, median of {repeats} repeat(s)"
    );
    println!("| model | ms/batch | samples/s | CPU ms/batch | epoch s | torch ms/batch | torch samples/s | torch CPU ms/batch | speed vs torch (wall) | (CPU) |");
    println!("|-------|---------:|----------:|-------------:|--------:|---------------:|----------------:|-------------------:|------:|------:|");
    for (i, name) in names.iter().enumerate() {
        let w = median(ours[i].iter().map(|t| t.wall_ms).collect());
        let c = median(ours[i].iter().filter_map(|t| t.cpu_ms).collect());
        let tw = median(theirs[i].iter().map(|t| t.wall_ms).collect());
        let tc = median(theirs[i].iter().filter_map(|t| t.cpu_ms).collect());
        let sps = |ms: Option<f64>| ms.map(|m| BATCH as f64 * 1e3 / m);
        let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            fmt(w, 2),
            fmt(sps(w), 0),
            fmt(c, 1),
            fmt(w.map(|m| m * EPOCH.div_ceil(BATCH) as f64 / 1e3), 1),
            fmt(tw, 2),
            fmt(sps(tw), 0),
            fmt(tc, 1),
            fmt(ratio(tw, w), 2),
            fmt(ratio(tc, c), 2),
        );
    }
    Ok(())
}
