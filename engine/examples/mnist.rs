//! PyTorch's classic MNIST example, in tinytorch.
//!
//! ```text
//! cargo run --release -p tinytorch --example mnist -- [--data DIR] [--epochs N] [--model cnn|mlp] [--limit N]
//!     [--device cpu|cuda|cuda:N] [--amp] [--batch-size N] [--distributed]
//! mpirun -np 2 target/release/examples/mnist --distributed     # feature `distributed`
//! ```
//!
//! CNN: conv 1->32 3x3, relu, conv 32->64 3x3, relu, max-pool 2, dropout
//! 0.25, flatten, linear 9216->128, relu, dropout 0.5, linear 128->10,
//! log_softmax, nll loss; Adadelta lr 1.0, StepLR gamma 0.7; batch 64, test
//! batch 1000, Normalize(0.1307, 0.3081). `--model mlp`: 784-128-10 with SGD.
//!
//! `--distributed` (under `mpirun -np N`): DistributedDataParallel over the
//! mpi backend (nccl with `--device cuda`, each rank on GPU `LOCAL_RANK`);
//! a DistributedSampler gives each rank its share of every epoch, the
//! global batch is split over the ranks (64 / N each), gradients are
//! averaged, so each step is the one-process step on the global batch.
//! The test set is split over the ranks and the counts summed; rank 0
//! prints progress and writes the checkpoint.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use tinytorch::amp::{autocast, GradScaler};
use tinytorch::data::{DataLoader, DistributedSampler, Mnist, Normalize};
use tinytorch::distributed::{self as dist, DistributedDataParallel, ReduceOp};
use tinytorch::nn::functional as F;
use tinytorch::nn::{Conv2d, Dropout, Linear, Module, ModuleExt};
use tinytorch::optim::{lr_scheduler::StepLR, Hyper, Kind, Optimizer};
use tinytorch::{autograd, DType, Device, Result, Tensor};

/// The CNN of pytorch/examples `mnist/main.py`.
struct Net {
    conv1: Conv2d,
    conv2: Conv2d,
    dropout1: Dropout,
    dropout2: Dropout,
    fc1: Linear,
    fc2: Linear,
    training: bool,
}

impl Net {
    fn new() -> Result<Net> {
        Ok(Net {
            conv1: Conv2d::new(1, 32, 3)?,
            conv2: Conv2d::new(32, 64, 3)?,
            dropout1: Dropout::new(0.25)?,
            dropout2: Dropout::new(0.5)?,
            fc1: Linear::new(9216, 128, true)?,
            fc2: Linear::new(128, 10, true)?,
            training: true,
        })
    }
}

impl Module for Net {
    fn type_name(&self) -> String {
        "Net".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(x)?.relu()?;
        let x = self.conv2.forward(&x)?.relu()?;
        let x = F::max_pool2d(&x, [2, 2], None, [0, 0], [1, 1])?;
        let x = self.dropout1.forward(&x)?.flatten(1, -1)?;
        let x = self.fc1.forward(&x)?.relu()?;
        let x = self.dropout2.forward(&x)?;
        self.fc2.forward(&x)?.log_softmax(1)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("conv1", &self.conv1);
        f("conv2", &self.conv2);
        f("dropout1", &self.dropout1);
        f("dropout2", &self.dropout2);
        f("fc1", &self.fc1);
        f("fc2", &self.fc2);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("conv1", &mut self.conv1);
        f("conv2", &mut self.conv2);
        f("dropout1", &mut self.dropout1);
        f("dropout2", &mut self.dropout2);
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

/// 784-128-10 with ReLU.
struct Mlp {
    fc1: Linear,
    fc2: Linear,
    training: bool,
}

impl Module for Mlp {
    fn type_name(&self) -> String {
        "Mlp".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.fc1.forward(&x.flatten(1, -1)?)?.relu()?;
        self.fc2.forward(&x)?.log_softmax(1)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("fc1", &self.fc1);
        f("fc2", &self.fc2);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
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

struct Args {
    data: String,
    epochs: usize,
    model: String,
    limit: Option<usize>,
    seed: u64,
    device: Device,
    amp: bool,
    batch_size: usize,
    distributed: bool,
}

fn parse_args() -> std::result::Result<Args, String> {
    let mut a = Args {
        data: "data/mnist".into(),
        epochs: 1,
        model: "cnn".into(),
        limit: None,
        seed: 1,
        device: Device::Cpu,
        amp: false,
        batch_size: 64,
        distributed: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => a.data = val()?,
            "--epochs" => a.epochs = val()?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--model" => a.model = val()?,
            "--limit" => a.limit = Some(val()?.parse().map_err(|e| format!("--limit: {e}"))?),
            "--seed" => a.seed = val()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--device" => {
                a.device = val()?
                    .parse()
                    .map_err(|e: tinytorch::Error| format!("--device: {e}"))?
            }
            "--amp" => a.amp = true,
            "--batch-size" => {
                a.batch_size = val()?.parse().map_err(|e| format!("--batch-size: {e}"))?
            }
            "--distributed" => a.distributed = true,
            "-h" | "--help" => return Err(
                "usage: mnist [--data DIR] [--epochs N] [--model cnn|mlp] [--limit N] [--seed S] [--device cpu|cuda|cuda:N] [--amp] [--batch-size N] [--distributed]"
                    .into(),
            ),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.model != "cnn" && a.model != "mlp" {
        return Err(format!("--model must be cnn or mlp, not {}", a.model));
    }
    if a.batch_size == 0 {
        return Err("--batch-size must be positive".into());
    }
    Ok(a)
}

/// A training subset: the first `limit` samples.
struct Limited(Arc<dyn tinytorch::data::Dataset>, usize);

impl tinytorch::data::Dataset for Limited {
    fn len(&self) -> usize {
        self.0.len().min(self.1)
    }
    fn get(&self, i: usize) -> Result<Vec<Tensor>> {
        self.0.get(i)
    }
    fn get_batch(&self, idx: &[usize]) -> Result<Vec<Tensor>> {
        self.0.get_batch(idx)
    }
}

/// The samples at `indices` of a dataset (this rank's share of the test set).
struct Shard(Arc<dyn tinytorch::data::Dataset>, Vec<usize>);

impl tinytorch::data::Dataset for Shard {
    fn len(&self) -> usize {
        self.1.len()
    }
    fn get(&self, i: usize) -> Result<Vec<Tensor>> {
        self.0.get(self.1[i])
    }
    fn get_batch(&self, idx: &[usize]) -> Result<Vec<Tensor>> {
        self.0
            .get_batch(&idx.iter().map(|&i| self.1[i]).collect::<Vec<_>>())
    }
}

fn bar(done: usize, total: usize, loss: f64, started: Instant) {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let el = started.elapsed().as_secs_f64();
    let rate = done as f64 / el.max(1e-9);
    let eta = (total - done) as f64 / rate.max(1e-9);
    print!(
        "\r  [{}{}] {done}/{total} loss {loss:.4} {:.1} it/s, {el:.0}s elapsed, eta {eta:.0}s ",
        "#".repeat(filled),
        "-".repeat(width - filled),
        rate
    );
    let _ = std::io::stdout().flush();
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

fn main() {
    tune_allocator();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// This process's place: (rank, world size, device); starts the process
/// group under `--distributed`.
fn place(args: &Args) -> Result<(usize, usize, Device)> {
    if !args.distributed {
        return Ok((0, 1, args.device));
    }
    let env = dist::set_torchrun_env();
    let dev = match (args.device, env) {
        // One GPU per rank on each machine, as torchrun's LOCAL_RANK.
        (Device::Cuda(_), Some(e)) => Device::Cuda(e.local_rank),
        (d, _) => d,
    };
    dist::init_process_group(if dev.is_cuda() { "nccl" } else { "mpi" })?;
    Ok((dist::get_rank()?, dist::get_world_size()?, dev))
}

/// The sum over ranks of `values` (one all_reduce; identity on one process).
fn sum_over_ranks(values: &[f64], world: usize, dev: Device) -> Result<Vec<f64>> {
    if world == 1 {
        return Ok(values.to_vec());
    }
    let t = Tensor::from_vec_f64(values, &[values.len()], DType::F64)?.to_device(dev)?;
    dist::all_reduce(&t, ReduceOp::Sum)?;
    t.to_vec_f64()
}

fn run(args: &Args) -> Result<()> {
    let (rank, world, dev) = place(args)?;
    let lead = rank == 0;
    tinytorch::random::manual_seed(args.seed);
    let norm = || -> Result<Box<dyn tinytorch::data::Transform>> {
        Ok(Box::new(Normalize::new(&[0.1307], &[0.3081])?))
    };
    let train: Arc<dyn tinytorch::data::Dataset> =
        Arc::new(Mnist::new(&args.data, true, Some(norm()?))?);
    let train: Arc<dyn tinytorch::data::Dataset> = match args.limit {
        Some(n) => Arc::new(Limited(train, n)),
        None => train,
    };
    let test: Arc<dyn tinytorch::data::Dataset> =
        Arc::new(Mnist::new(&args.data, false, Some(norm()?))?);
    // Each rank takes every world-th test sample; the counts are summed.
    let test: Arc<dyn tinytorch::data::Dataset> = if world > 1 {
        Arc::new(Shard(
            test.clone(),
            (rank..test.len()).step_by(world).collect(),
        ))
    } else {
        test
    };
    let per_rank = (args.batch_size / world).max(1);
    let sampler = if args.distributed {
        Some(Arc::new(DistributedSampler::new(
            train.len(),
            Some(world),
            Some(rank),
            true,
            args.seed,
            false,
        )?))
    } else {
        None
    };
    let train_loader = match &sampler {
        Some(s) => DataLoader::new(train, per_rank)?.sampler(s.clone())?,
        None => DataLoader::new(train, per_rank)?.shuffle(true),
    };
    let test_loader = DataLoader::new(test.clone(), 1000)?;

    let cnn = args.model == "cnn";
    let mut model: Box<dyn Module> = if cnn {
        Box::new(Net::new()?)
    } else {
        Box::new(Mlp {
            fc1: Linear::new(784, 128, true)?,
            fc2: Linear::new(128, 10, true)?,
            training: true,
        })
    };
    model.to_device(dev)?;
    if args.distributed {
        // Rank 0's initial weights reach every rank; dropout then draws
        // different masks per rank, as for different samples of one batch.
        model = Box::new(DistributedDataParallel::new(model)?);
        tinytorch::random::manual_seed(args.seed + rank as u64);
    }
    // Mixed precision as PyTorch's recipes: float16 with loss scaling on
    // CUDA, bfloat16 (no scaling needed) on the CPU.
    let amp_dtype = if dev.is_cuda() {
        DType::F16
    } else {
        DType::BF16
    };
    let mut scaler =
        GradScaler::with_options(65536.0, 2.0, 0.5, 2000, args.amp && amp_dtype == DType::F16)?;
    if lead {
        println!(
            "model {} ({} parameters) on {dev}{}, {} training samples, {} test samples, {} threads{}",
            args.model,
            model.num_parameters(),
            if args.amp {
                format!(" with autocast to {}", amp_dtype.name())
            } else {
                String::new()
            },
            train_loader.dataset().len(),
            test.len() * world,
            rayon::current_num_threads(),
            if args.distributed {
                format!(", {world} ranks with batches of {per_rank} (global batch {})", per_rank * world)
            } else {
                String::new()
            }
        );
    }
    let mut opt = if cnn {
        Optimizer::new(
            Kind::Adadelta,
            model.parameters(),
            Hyper {
                lr: 1.0,
                ..Kind::Adadelta.defaults()
            },
        )?
    } else {
        Optimizer::new(
            Kind::SGD,
            model.parameters(),
            Hyper {
                lr: 0.1,
                momentum: 0.9,
                ..Kind::SGD.defaults()
            },
        )?
    };
    let mut sched = StepLR::new(&opt, 1, 0.7)?;
    for epoch in 1..=args.epochs {
        if let Some(s) = &sampler {
            s.set_epoch(epoch as u64 - 1);
        }
        model.train(true);
        let started = Instant::now();
        let total = train_loader.len();
        let (mut sum, mut count) = (0.0, 0usize);
        for (i, batch) in train_loader.iter().enumerate() {
            let batch = batch?;
            let (x, y) = (&batch[0].to_device(dev)?, &batch[1].to_device(dev)?);
            opt.zero_grad();
            let loss = {
                let _amp = args
                    .amp
                    .then(|| autocast(dev.kind(), amp_dtype))
                    .transpose()?;
                let out = model.forward(x)?;
                F::nll_loss(&out, y, &F::LossOptions::new())?
            };
            scaler.scale(&loss)?.backward()?;
            scaler.step(&mut opt)?;
            scaler.update()?;
            let l = loss.item()?;
            sum += l * y.numel() as f64;
            count += y.numel();
            if lead && (i % 10 == 0 || i + 1 == total) {
                bar(i + 1, total, l, started);
            }
        }
        let train_time = started.elapsed().as_secs_f64();
        if lead {
            println!();
        }
        model.eval();
        let (mut correct, mut test_loss, mut n) = (0usize, 0.0, 0usize);
        {
            let _g = autograd::no_grad();
            for batch in test_loader.iter() {
                let batch = batch?;
                let batch = [batch[0].to_device(dev)?, batch[1].to_device(dev)?];
                let _amp = args
                    .amp
                    .then(|| autocast(dev.kind(), amp_dtype))
                    .transpose()?;
                let out = model.forward(&batch[0])?;
                let opts = F::LossOptions {
                    reduction: F::Reduction::Sum,
                    ..F::LossOptions::new()
                };
                test_loss += F::nll_loss(&out, &batch[1], &opts)?.item()?;
                let pred = out.argmax(Some(1), false)?.to_vec_i64()?;
                let truth = batch[1].to_vec_i64()?;
                correct += pred.iter().zip(&truth).filter(|(a, b)| a == b).count();
                n += truth.len();
            }
        }
        let totals = sum_over_ranks(
            &[sum, count as f64, correct as f64, test_loss, n as f64],
            world,
            dev,
        )?;
        let (sum, count, correct, test_loss, n) = (
            totals[0],
            totals[1],
            totals[2] as usize,
            totals[3],
            totals[4] as usize,
        );
        if lead {
            println!(
                "epoch {epoch}: train loss {:.4}, test loss {:.4}, test accuracy {correct}/{n} ({:.2}%), {train_time:.1}s ({:.1} ms/batch, {:.0} samples/s)",
                sum / count.max(1.0),
                test_loss / n.max(1) as f64,
                100.0 * correct as f64 / n.max(1) as f64,
                1000.0 * train_time / total.max(1) as f64,
                count / train_time.max(1e-9)
            );
        }
        sched.step(&mut opt);
    }
    if lead {
        let path = format!("mnist_{}.safetensors", args.model);
        // Under DDP the names lose the wrapper's `module.` prefix, as
        // PyTorch's `ddp.module.state_dict()`.
        let mut sd = tinytorch::nn::StateDict::new();
        for (k, t) in model.state_dict().iter() {
            sd.insert(k.strip_prefix("module.").unwrap_or(k), t.clone());
        }
        tinytorch::io::save(&sd, &path)?;
        println!("saved {path}");
    }
    if args.distributed {
        dist::destroy_process_group()?;
    }
    Ok(())
}
