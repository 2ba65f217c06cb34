//! Distributed training costs on one machine (feature `distributed`):
//! MNIST CNN training throughput with 1 and 2 ranks, and the all_reduce
//! bandwidth of a 25 MB float32 buffer between 2 ranks against the
//! machine's memory-copy bandwidth and Open MPI's own MPI_Allreduce.
//!
//! ```text
//! cargo run --release -p tinytorch --features distributed --example dist_bench -- [--steps N] [--ranks N]
//! ```
//!
//! Started alone, it measures one process, then runs itself under
//! `mpirun -np N` (N = --ranks, 2 by default) for the multi-rank figures,
//! and prints both with their ratio. Random data, global batch 64 split
//! over the ranks (DistributedDataParallel, Adadelta), as the demo.

use std::process::Command;
use std::time::Instant;

use tinytorch::distributed::{self as dist, DistributedDataParallel, ReduceOp};
use tinytorch::nn::functional as F;
use tinytorch::nn::{Conv2d, Linear, Module, ModuleExt};
use tinytorch::optim::{Hyper, Kind, Optimizer};
use tinytorch::{DType, Device, Result, Tensor};

const GLOBAL_BATCH: usize = 64;
/// 25 MiB of float32: DDP's default bucket.
const BUCKET: usize = 25 << 20;

/// PyTorch's MNIST example CNN (as examples/mnist.rs).
struct Net {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    training: bool,
}

impl Module for Net {
    fn type_name(&self) -> String {
        "Net".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(x)?.relu()?;
        let x = self.conv2.forward(&x)?.relu()?;
        let x = F::max_pool2d(&x, [2, 2], None, [0, 0], [1, 1])?;
        let x = F::dropout(&x, 0.25, self.training)?.flatten(1, -1)?;
        let x = self.fc1.forward(&x)?.relu()?;
        let x = F::dropout(&x, 0.5, self.training)?;
        self.fc2.forward(&x)?.log_softmax(1)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("conv1", &self.conv1);
        f("conv2", &self.conv2);
        f("fc1", &self.fc1);
        f("fc2", &self.fc2);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("conv1", &mut self.conv1);
        f("conv2", &mut self.conv2);
        f("fc1", &mut self.fc1);
        f("fc2", &mut self.fc2);
    }
    fn training(&self) -> bool {
        self.training
    }
    fn set_training(&mut self, on: bool) {
        self.training = on;
    }
}

/// Global samples per second of `steps` CNN training steps on this
/// process's group (one process when `world` is 1).
fn cnn_samples_per_s(steps: usize, rank: usize, world: usize) -> Result<f64> {
    tinytorch::random::manual_seed(1);
    let net = Net {
        conv1: Conv2d::new(1, 32, 3)?,
        conv2: Conv2d::new(32, 64, 3)?,
        fc1: Linear::new(9216, 128, true)?,
        fc2: Linear::new(128, 10, true)?,
        training: true,
    };
    let model: Box<dyn Module> = if world > 1 {
        Box::new(DistributedDataParallel::new(net)?)
    } else {
        Box::new(net)
    };
    tinytorch::random::manual_seed(1 + rank as u64);
    let mut opt = Optimizer::new(
        Kind::Adadelta,
        model.parameters(),
        Hyper {
            lr: 1.0,
            ..Kind::Adadelta.defaults()
        },
    )?;
    let b = GLOBAL_BATCH / world;
    let x = Tensor::randn_on(&[b, 1, 28, 28], DType::F32, Device::Cpu)?;
    let y = Tensor::randint(0, 10, &[b], DType::I64, Device::Cpu)?;
    let mut step = || -> Result<()> {
        opt.zero_grad();
        let loss = F::nll_loss(&model.forward(&x)?, &y, &F::LossOptions::new())?;
        loss.backward()?;
        opt.step()
    };
    for _ in 0..3 {
        step()?;
    }
    if world > 1 {
        dist::barrier()?;
    }
    let t = Instant::now();
    for _ in 0..steps {
        step()?;
    }
    if world > 1 {
        dist::barrier()?;
    }
    Ok((steps * b * world) as f64 / t.elapsed().as_secs_f64())
}

/// Median seconds of `f` over `reps` runs.
fn median_secs(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut v = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        f()?;
        v.push(t.elapsed().as_secs_f64());
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Ok(v[reps / 2])
}

/// Prints `allreduce` lines: GB/s of tinytorch's all_reduce, of Open MPI's
/// MPI_Allreduce and of memcpy, all on a 25 MiB float32 buffer.
fn all_reduce_figures(rank: usize, world: usize) -> Result<()> {
    let n = BUCKET / 4;
    let reps = 15;
    let t = Tensor::ones_on(&[n], DType::F32, Device::Cpu)?;
    dist::all_reduce(&t, ReduceOp::Sum)?;
    let ours = median_secs(reps, || dist::all_reduce(&t, ReduceOp::Sum))?;
    let native = dist::mpi::with_world(move |w| {
        use mpi::collective::SystemOperation;
        use mpi::traits::*;
        let send = vec![1f32; n];
        let mut recv = vec![0f32; n];
        w.all_reduce_into(&send[..], &mut recv[..], SystemOperation::sum());
        let mut v = Vec::new();
        for _ in 0..reps {
            w.barrier();
            let t = Instant::now();
            w.all_reduce_into(&send[..], &mut recv[..], SystemOperation::sum());
            v.push(t.elapsed().as_secs_f64());
        }
        v.sort_by(|a, b| a.total_cmp(b));
        v[reps / 2]
    })?;
    let src = vec![1f32; n];
    let mut dst = vec![0f32; n];
    let copy = median_secs(reps, || {
        dst.copy_from_slice(std::hint::black_box(&src));
        std::hint::black_box(&dst);
        Ok(())
    })?;
    if rank == 0 {
        let gbs = |s: f64| BUCKET as f64 / s / 1e9;
        // Bus bandwidth: what each rank moves in a ring all-reduce.
        let bus = 2.0 * (world - 1) as f64 / world as f64;
        println!(
            "allreduce {:.2} {:.2} {:.2} {:.2} {:.2}",
            ours * 1e3,
            gbs(ours) * bus,
            native * 1e3,
            gbs(native) * bus,
            gbs(copy)
        );
    }
    Ok(())
}

fn child(steps: usize) -> Result<()> {
    dist::init_process_group("mpi")?;
    let (rank, world) = (dist::get_rank()?, dist::get_world_size()?);
    let sps = cnn_samples_per_s(steps, rank, world)?;
    if rank == 0 {
        println!("cnn {sps:.1}");
    }
    all_reduce_figures(rank, world)?;
    dist::destroy_process_group()
}

fn main() -> Result<()> {
    let mut steps = 20;
    let mut ranks = 2;
    let mut is_child = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--steps" => steps = args.next().and_then(|v| v.parse().ok()).unwrap_or(steps),
            "--ranks" => ranks = args.next().and_then(|v| v.parse().ok()).unwrap_or(ranks),
            "--child" => is_child = true,
            other => {
                eprintln!("unknown argument {other}; usage: dist_bench [--steps N] [--ranks N]");
                std::process::exit(2);
            }
        }
    }
    if is_child {
        return child(steps);
    }
    let threads = rayon::current_num_threads();
    println!(
        "MNIST CNN, global batch {GLOBAL_BATCH}, {steps} steps; 1 process uses {threads} threads"
    );
    let one = cnn_samples_per_s(steps, 0, 1)?;
    let exe = std::env::current_exe()?;
    let out = Command::new("mpirun")
        .args(["--allow-run-as-root", "-np", &ranks.to_string()])
        .arg(exe)
        .args(["--child", "--steps", &steps.to_string()])
        .output()
        .map_err(|e| tinytorch::Error::Io(format!("mpirun: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
        std::process::exit(1);
    }
    let field = |key: &str| -> Vec<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|l| {
                l.split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (cnn, ar) = (field("cnn "), field("allreduce "));
    if cnn.len() != 1 || ar.len() != 5 {
        eprintln!("unexpected output from the ranks:\n{text}");
        std::process::exit(1);
    }
    println!("  1 process:  {one:8.1} samples/s");
    println!(
        "  {ranks} ranks:    {:8.1} samples/s  ({:.2}x one process)",
        cnn[0],
        cnn[0] / one
    );
    println!("all_reduce (SUM) of 25 MiB float32 between {ranks} ranks, median of 15:");
    println!(
        "  tinytorch:          {:6.2} ms, bus bandwidth {:5.2} GB/s ({:.2}x memcpy)",
        ar[0],
        ar[1],
        ar[1] / ar[4]
    );
    println!(
        "  Open MPI Allreduce: {:6.2} ms, bus bandwidth {:5.2} GB/s ({:.2}x memcpy)",
        ar[2],
        ar[3],
        ar[3] / ar[4]
    );
    println!(
        "  memcpy of 25 MiB:   {:5.2} GB/s (the memory-copy limit)",
        ar[4]
    );
    Ok(())
}
