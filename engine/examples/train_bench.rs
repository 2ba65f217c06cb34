//! MNIST-shaped training throughput on random data (runs without the dataset).
//!
//! ```text
//! cargo run --release -p tinytorch --example train_bench -- [--batches N]
//! ```
//!
//! Times full training steps (forward, nll loss, backward, optimizer step)
//! at batch 64 for the 784-128-10 MLP (SGD) and PyTorch's MNIST CNN
//! (Adadelta), and projects the time of a 60k-sample epoch.

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

fn bench(
    name: &str,
    batches: usize,
    params: Vec<Tensor>,
    kind: Kind,
    hyper: Hyper,
    forward: &dyn Fn(&Tensor) -> Result<Tensor>,
) -> Result<f64> {
    let mut opt = Optimizer::new(kind, params, hyper)?;
    let x = Tensor::randn(&[BATCH, 1, 28, 28], DType::F32, Device::Cpu)?;
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
    let t = Instant::now();
    for _ in 0..batches {
        step()?;
    }
    let per = t.elapsed().as_secs_f64() / batches as f64;
    println!(
        "| {name:<4} | {:>8.2} | {:>9.0} | {:>8.1} |",
        per * 1e3,
        BATCH as f64 / per,
        per * EPOCH.div_ceil(BATCH) as f64
    );
    Ok(per)
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
    let mut batches = 30;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--batches" {
            batches = args.next().and_then(|v| v.parse().ok()).unwrap_or(batches);
        }
    }
    tinytorch::random::manual_seed(0);
    println!(
        "batch {BATCH}, {batches} timed steps after 3 warm-up, {} threads",
        rayon::current_num_threads()
    );
    println!("| model | ms/batch | samples/s | epoch s |");
    println!("|------|----------|-----------|---------|");
    let fc1 = Linear::new(784, 128, true)?;
    let fc2 = Linear::new(128, 10, true)?;
    let mut p = fc1.parameters();
    p.extend(fc2.parameters());
    bench(
        "mlp",
        batches,
        p,
        Kind::SGD,
        Hyper {
            lr: 0.01,
            ..Kind::SGD.defaults()
        },
        &|x| {
            fc2.forward(&fc1.forward(&x.flatten(1, -1)?)?.relu()?)?
                .log_softmax(1)
        },
    )?;
    let c1 = Conv2d::new(1, 32, 3)?;
    let c2 = Conv2d::new(32, 64, 3)?;
    let f1 = Linear::new(9216, 128, true)?;
    let f2 = Linear::new(128, 10, true)?;
    let mods: [&dyn Module; 4] = [&c1, &c2, &f1, &f2];
    let mut p = Vec::new();
    for m in mods {
        p.extend(m.parameters());
    }
    bench(
        "cnn",
        batches,
        p,
        Kind::Adadelta,
        Hyper {
            lr: 1.0,
            ..Kind::Adadelta.defaults()
        },
        &|x| cnn_forward(&mods, x),
    )?;
    Ok(())
}
