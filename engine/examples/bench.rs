//! Engine micro-benchmarks, each printed next to a baseline measured in the
//! same run: float32 matmul against raw `matrixmultiply::sgemm`, and
//! elementwise/reduction bandwidth against a plain memory copy of the same
//! bytes.
//!
//! `cargo run --release -p tinytorch --example bench [-- --quick]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use tinytorch::{DType, Device, Tensor};

/// Best-of-`reps` wall time of `f` after one warm-up call.
fn best<R>(reps: usize, mut f: impl FnMut() -> R) -> Duration {
    black_box(f());
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn raw_sgemm(n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    // SAFETY: a, b, c are n*n row-major buffers.
    unsafe {
        matrixmultiply::sgemm(
            n,
            n,
            n,
            1.0,
            a.as_ptr(),
            n as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

fn main() -> tinytorch::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "tinytorch engine benchmark ({} rayon threads)",
        rayon::current_num_threads()
    );
    println!();
    println!("float32 matmul, GFLOP/s (best of runs)");
    println!(
        "{:>6} {:>12} {:>16} {:>8}",
        "n", "tinytorch", "raw sgemm (1T)", "ratio"
    );
    let sizes: &[usize] = if quick {
        &[256, 512]
    } else {
        &[256, 512, 1024, 2048]
    };
    for &n in sizes {
        let reps = if n >= 2048 { 3 } else { 10 };
        tinytorch::random::manual_seed(0);
        let a = Tensor::rand_on(&[n, n], DType::F32, Device::Cpu)?;
        let b = Tensor::rand_on(&[n, n], DType::F32, Device::Cpu)?;
        let (av, bv) = (a.to_vec_f32()?, b.to_vec_f32()?);
        let mut c = vec![0f32; n * n];
        let flops = 2.0 * (n as f64).powi(3);
        let t_ours = best(reps, || a.matmul(&b));
        let t_raw = best(reps, || raw_sgemm(n, &av, &bv, &mut c));
        let g = |t: Duration| flops / t.as_secs_f64() / 1e9;
        println!(
            "{:>6} {:>12.1} {:>16.1} {:>7.2}x",
            n,
            g(t_ours),
            g(t_raw),
            g(t_ours) / g(t_raw)
        );
    }
    println!();
    let n = if quick { 1 << 22 } else { 1 << 24 };
    println!(
        "{}M float32 elements, GB/s of bytes read + written (best of 10)",
        n >> 20
    );
    let x = Tensor::rand_on(&[n], DType::F32, Device::Cpu)?;
    let y = Tensor::rand_on(&[n], DType::F32, Device::Cpu)?;
    let src = x.to_vec_f32()?;
    let mut dst = vec![0f32; n];
    let bytes = (n * 4) as f64;
    let t_copy = best(10, || {
        dst.copy_from_slice(&src);
        dst[n / 2]
    });
    let copy_gbs = 2.0 * bytes / t_copy.as_secs_f64() / 1e9;
    println!("{:>10} {:>10} {:>10}", "op", "GB/s", "vs copy");
    println!("{:>10} {:>10.1} {:>9.2}x", "memcpy", copy_gbs, 1.0);
    type Op<'a> = Box<dyn Fn() -> tinytorch::Result<Tensor> + 'a>;
    let rows: Vec<(&str, f64, Op)> = vec![
        ("add", 3.0, Box::new(|| x.add(&y))),
        ("relu", 2.0, Box::new(|| x.relu())),
        ("sum", 1.0, Box::new(|| x.sum())),
        ("mul_bcast", 2.0, Box::new(|| x.mul_scalar(2.0))),
        ("exp", 2.0, Box::new(|| x.exp())),
    ];
    for (name, traffic, f) in rows {
        let t = best(10, || f().map(|t| t.numel()).unwrap_or(0));
        let gbs = traffic * bytes / t.as_secs_f64() / 1e9;
        println!("{:>10} {:>10.1} {:>9.2}x", name, gbs, gbs / copy_gbs);
    }
    Ok(())
}
