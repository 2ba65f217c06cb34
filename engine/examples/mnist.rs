//! PyTorch's classic MNIST example, in tinytorch.
//!
//! ```text
//! cargo run --release -p tinytorch --example mnist -- [--data DIR] [--epochs N] [--model cnn|mlp] [--limit N]
//!     [--device cpu|cuda|cuda:N] [--amp]
//! ```
//!
//! CNN: conv 1->32 3x3, relu, conv 32->64 3x3, relu, max-pool 2, dropout
//! 0.25, flatten, linear 9216->128, relu, dropout 0.5, linear 128->10,
//! log_softmax, nll loss; Adadelta lr 1.0, StepLR gamma 0.7; batch 64, test
//! batch 1000, Normalize(0.1307, 0.3081). `--model mlp`: 784-128-10 with SGD.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use tinytorch::amp::{autocast, GradScaler};
use tinytorch::data::{DataLoader, Mnist, Normalize};
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
            "-h" | "--help" => return Err(
                "usage: mnist [--data DIR] [--epochs N] [--model cnn|mlp] [--limit N] [--seed S] [--device cpu|cuda|cuda:N] [--amp]"
                    .into(),
            ),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.model != "cnn" && a.model != "mlp" {
        return Err(format!("--model must be cnn or mlp, not {}", a.model));
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

fn run(args: &Args) -> Result<()> {
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
    let train_loader = DataLoader::new(train, 64)?.shuffle(true);
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
    let dev = args.device;
    model.to_device(dev)?;
    // Mixed precision as PyTorch's recipes: float16 with loss scaling on
    // CUDA, bfloat16 (no scaling needed) on the CPU.
    let amp_dtype = if dev.is_cuda() {
        DType::F16
    } else {
        DType::BF16
    };
    let mut scaler =
        GradScaler::with_options(65536.0, 2.0, 0.5, 2000, args.amp && amp_dtype == DType::F16)?;
    println!(
        "model {} ({} parameters) on {dev}{}, {} training samples, {} test samples, {} threads",
        args.model,
        model.num_parameters(),
        if args.amp {
            format!(" with autocast to {}", amp_dtype.name())
        } else {
            String::new()
        },
        train_loader.dataset().len(),
        test.len(),
        rayon::current_num_threads()
    );
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
            if i % 10 == 0 || i + 1 == total {
                bar(i + 1, total, l, started);
            }
        }
        let train_time = started.elapsed().as_secs_f64();
        println!();
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
        println!(
            "epoch {epoch}: train loss {:.4}, test loss {:.4}, test accuracy {correct}/{n} ({:.2}%), {train_time:.1}s ({:.1} ms/batch)",
            sum / count.max(1) as f64,
            test_loss / n.max(1) as f64,
            100.0 * correct as f64 / n.max(1) as f64,
            1000.0 * train_time / total.max(1) as f64
        );
        sched.step(&mut opt);
    }
    let path = format!("mnist_{}.safetensors", args.model);
    tinytorch::io::save(&model.state_dict(), &path)?;
    println!("saved {path}");
    Ok(())
}
