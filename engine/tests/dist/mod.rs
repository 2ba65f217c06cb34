//! Test bodies shared by the threads-backend tests (distributed_threads.rs)
//! and the `mpirun` workers (distributed_mpi.rs): each runs on every rank of
//! the default process group and asserts against values computed here,
//! independently of the engine's reduction code (folds in rank order in the
//! documented accumulation type).

#![allow(dead_code)]

use tinytorch::distributed::{self as dist, DdpOptions, DistributedDataParallel, ReduceOp};
use tinytorch::nn::{Linear, Module, ModuleExt, ReLU, Sequential};
use tinytorch::optim::{Hyper, Kind, Optimizer};
use tinytorch::{DType, Device, Tensor};

pub const FLOATS: [DType; 4] = [DType::F32, DType::F64, DType::F16, DType::BF16];
pub const ALL: [DType; 7] = [
    DType::F32,
    DType::F64,
    DType::F16,
    DType::BF16,
    DType::I32,
    DType::I64,
    DType::Bool,
];

/// Values rounded to `dtype` (through the engine's cast, which is not under test).
fn round_to(v: &[f64], dtype: DType) -> Vec<f64> {
    Tensor::from_vec_f64(v, &[v.len()], DType::F64)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
        .to_vec_f64()
        .unwrap()
}

/// Rank `r`'s input for `op`: cancellations (1e8 vs 1) so that the order of
/// a float sum shows, small factors for products, a NaN for MAX/MIN.
pub fn input(dtype: DType, op: ReduceOp, r: usize, p: usize, n: usize) -> Vec<f64> {
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let k = (r * 7 + i * 3) % 11;
            match (dtype, op) {
                (DType::Bool, ReduceOp::Sum | ReduceOp::Max) => ((r + i) % 3 == 0) as u8 as f64,
                (DType::Bool, _) => ((r + i) % 4 != 0) as u8 as f64,
                (_, ReduceOp::Product) => [1.0, -2.0, 3.0, 0.5, 1.5][k % 5],
                (DType::I32 | DType::I64, _) => k as f64 * 13.0 - 60.0 + r as f64,
                (_, ReduceOp::Max | ReduceOp::Min) if i == 0 && r == p - 1 => f64::NAN,
                _ => [
                    1e8,
                    1.0,
                    -1e8,
                    0.1,
                    -3.25,
                    7.0,
                    1e-3,
                    2.5e4,
                    -0.75,
                    11.0,
                    1.0 / 3.0,
                ][k],
            }
        })
        .collect();
    round_to(&v, dtype)
}

fn fold_f64(col: &[f64], op: ReduceOp) -> f64 {
    let p = col.len();
    let mut a = col[0];
    for &x in &col[1..] {
        a = match op {
            ReduceOp::Sum | ReduceOp::Avg => a + x,
            ReduceOp::Product => a * x,
            ReduceOp::Max if a.is_nan() || x.is_nan() => f64::NAN,
            ReduceOp::Min if a.is_nan() || x.is_nan() => f64::NAN,
            ReduceOp::Max => a.max(x),
            ReduceOp::Min => a.min(x),
        };
    }
    if op == ReduceOp::Avg {
        a / p as f64
    } else {
        a
    }
}

fn fold_f32(col: &[f64], op: ReduceOp) -> f64 {
    let p = col.len();
    let mut a = col[0] as f32;
    for &x in &col[1..] {
        let x = x as f32;
        a = match op {
            ReduceOp::Sum | ReduceOp::Avg => a + x,
            ReduceOp::Product => a * x,
            ReduceOp::Max if a.is_nan() || x.is_nan() => f32::NAN,
            ReduceOp::Min if a.is_nan() || x.is_nan() => f32::NAN,
            ReduceOp::Max => a.max(x),
            ReduceOp::Min => a.min(x),
        };
    }
    (if op == ReduceOp::Avg { a / p as f32 } else { a }) as f64
}

fn fold_int(col: &[f64], op: ReduceOp, bits32: bool) -> f64 {
    let wrap = |v: i64| if bits32 { v as i32 as i64 } else { v };
    let p = col.len() as i64;
    let mut a = col[0] as i64;
    for &x in &col[1..] {
        let x = x as i64;
        a = wrap(match op {
            ReduceOp::Sum | ReduceOp::Avg => a.wrapping_add(x),
            ReduceOp::Product => a.wrapping_mul(x),
            ReduceOp::Max => a.max(x),
            ReduceOp::Min => a.min(x),
        });
    }
    (if op == ReduceOp::Avg { a / p } else { a }) as f64
}

/// The reduction of every rank's input, as the documented semantics define it.
pub fn expected(dtype: DType, op: ReduceOp, xs: &[Vec<f64>]) -> Vec<f64> {
    let n = xs[0].len();
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let col: Vec<f64> = xs.iter().map(|x| x[i]).collect();
            match dtype {
                DType::F64 => fold_f64(&col, op),
                DType::F32 | DType::F16 | DType::BF16 => fold_f32(&col, op),
                DType::I64 => fold_int(&col, op, false),
                DType::I32 => fold_int(&col, op, true),
                DType::Bool => {
                    let any = col.iter().any(|&x| x != 0.0);
                    let all = col.iter().all(|&x| x != 0.0);
                    match op {
                        ReduceOp::Sum | ReduceOp::Max => any as u8 as f64,
                        _ => all as u8 as f64,
                    }
                }
            }
        })
        .collect();
    match dtype {
        // One rounding of the float32 accumulator.
        DType::F16 | DType::BF16 => Tensor::from_vec_f64(&v, &[n], DType::F32)
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
            .to_vec_f64()
            .unwrap(),
        _ => v,
    }
}

pub fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

fn tensor(v: &[f64], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec_f64(v, shape, dtype).unwrap()
}

/// Every collective, every dtype it takes, against the single-process
/// expectation; results bit-identical across ranks.
pub fn check_collectives() {
    let (r, p) = (dist::get_rank().unwrap(), dist::get_world_size().unwrap());
    let n = 13;
    for dtype in ALL {
        for op in ReduceOp::ALL {
            if dtype == DType::Bool && op == ReduceOp::Avg {
                let t = tensor(&[1.0], &[1], dtype);
                let e = dist::all_reduce(&t, op).unwrap_err().to_string();
                assert!(e.contains("AVG is not supported for bool"), "{e}");
                continue;
            }
            let xs: Vec<Vec<f64>> = (0..p).map(|q| input(dtype, op, q, p, n)).collect();
            let want = expected(dtype, op, &xs);
            // A [13, 2] buffer whose column 1 is the tensor: a strided view.
            let mut base = vec![-5.0; 2 * n];
            for i in 0..n {
                base[2 * i + 1] = xs[r][i];
            }
            let b = tensor(&base, &[n, 2], dtype);
            let col = b.select(1, 1).unwrap();
            dist::all_reduce(&col, op).unwrap();
            let got = col.to_vec_f64().unwrap();
            assert!(
                same_bits(&got, &want),
                "{} {}: rank {r} got {got:?}, want {want:?}",
                dtype.name(),
                op.name()
            );
            let untouched = b.select(1, 0).unwrap().to_vec_f64().unwrap();
            let fill = round_to(&[-5.0], dtype)[0];
            assert!(
                untouched.iter().all(|&v| v == fill),
                "the view's neighbours changed"
            );
            // Every rank holds the same bits.
            let list: Vec<Tensor> = (0..p)
                .map(|_| Tensor::zeros_on(&[n], dtype, Device::Cpu).unwrap())
                .collect();
            dist::all_gather(&list, &col.contiguous().unwrap()).unwrap();
            for (q, t) in list.iter().enumerate() {
                assert!(
                    same_bits(&t.to_vec_f64().unwrap(), &got),
                    "rank {q} differs from rank {r}"
                );
            }
        }
        check_data_movement(dtype, r, p);
    }
    dist::barrier().unwrap();
}

/// Rank `q`'s distinct values for the data-movement collectives.
fn mine(dtype: DType, q: usize, n: usize) -> Vec<f64> {
    let v: Vec<f64> = (0..n)
        .map(|i| {
            if dtype == DType::Bool {
                ((q + i) % 2) as f64
            } else {
                (100 * q + i) as f64 - 7.5
            }
        })
        .collect();
    round_to(&v, dtype)
}

fn check_data_movement(dtype: DType, r: usize, p: usize) {
    let n = 5;
    let name = dtype.name();
    // broadcast from the last rank.
    let t = tensor(&mine(dtype, r, n), &[n], dtype);
    dist::broadcast(&t, p - 1).unwrap();
    assert_eq!(
        t.to_vec_f64().unwrap(),
        mine(dtype, p - 1, n),
        "broadcast {name}"
    );
    // all_gather into a list and into one tensor.
    let t = tensor(&mine(dtype, r, n), &[1, n], dtype);
    let list: Vec<Tensor> = (0..p)
        .map(|_| Tensor::zeros_on(&[1, n], dtype, Device::Cpu).unwrap())
        .collect();
    dist::all_gather(&list, &t).unwrap();
    let out = Tensor::zeros_on(&[p, n], dtype, Device::Cpu).unwrap();
    dist::all_gather_into_tensor(&out, &t).unwrap();
    for (q, t) in list.iter().enumerate() {
        assert_eq!(
            t.to_vec_f64().unwrap(),
            mine(dtype, q, n),
            "all_gather {name}"
        );
        assert_eq!(
            out.select(0, q as i64).unwrap().to_vec_f64().unwrap(),
            mine(dtype, q, n),
            "all_gather_into_tensor {name}"
        );
    }
    // reduce_scatter: rank q sends mine(q*p + j) to rank j; rank r gets the sum of slot r.
    if dtype != DType::Bool {
        let inputs: Vec<Tensor> = (0..p)
            .map(|j| tensor(&mine(dtype, r * p + j, n), &[n], dtype))
            .collect();
        let out = Tensor::zeros_on(&[n], dtype, Device::Cpu).unwrap();
        dist::reduce_scatter(&out, &inputs, ReduceOp::Sum).unwrap();
        let xs: Vec<Vec<f64>> = (0..p).map(|q| mine(dtype, q * p + r, n)).collect();
        assert!(
            same_bits(
                &out.to_vec_f64().unwrap(),
                &expected(dtype, ReduceOp::Sum, &xs)
            ),
            "reduce_scatter {name}"
        );
        let flat = Tensor::cat(&inputs.iter().collect::<Vec<_>>(), 0).unwrap();
        let out2 = Tensor::zeros_on(&[n], dtype, Device::Cpu).unwrap();
        dist::reduce_scatter_tensor(&out2, &flat, ReduceOp::Max).unwrap();
        assert!(
            same_bits(
                &out2.to_vec_f64().unwrap(),
                &expected(dtype, ReduceOp::Max, &xs)
            ),
            "reduce_scatter_tensor {name}"
        );
    }
    // gather to rank 0.
    let t = tensor(&mine(dtype, r, n), &[n], dtype);
    if r == 0 {
        let list: Vec<Tensor> = (0..p)
            .map(|_| Tensor::zeros_on(&[n], dtype, Device::Cpu).unwrap())
            .collect();
        dist::gather(&t, Some(&list), 0).unwrap();
        for (q, g) in list.iter().enumerate() {
            assert_eq!(g.to_vec_f64().unwrap(), mine(dtype, q, n), "gather {name}");
        }
    } else {
        dist::gather(&t, None, 0).unwrap();
    }
    // scatter from the last rank.
    let t = Tensor::zeros_on(&[n], dtype, Device::Cpu).unwrap();
    if r == p - 1 {
        let list: Vec<Tensor> = (0..p)
            .map(|q| tensor(&mine(dtype, 50 + q, n), &[n], dtype))
            .collect();
        dist::scatter(&t, Some(&list), p - 1).unwrap();
    } else {
        dist::scatter(&t, None, p - 1).unwrap();
    }
    assert_eq!(
        t.to_vec_f64().unwrap(),
        mine(dtype, 50 + r, n),
        "scatter {name}"
    );
}

/// Mismatches across ranks are errors on every rank, naming both sides,
/// and the group stays usable afterwards. Needs two ranks or more.
pub fn check_mismatch_errors() {
    let r = dist::get_rank().unwrap();
    let p = dist::get_world_size().unwrap();
    assert!(p >= 2);
    let t = Tensor::zeros_on(&[4 + usize::from(r == 1)], DType::F32, Device::Cpu).unwrap();
    let e = dist::all_reduce(&t, ReduceOp::Sum).unwrap_err().to_string();
    assert_eq!(e, "all_reduce: the tensors differ across ranks: rank 0 has a float32 tensor of shape [4] and rank 1 has a float32 tensor of shape [5]", "rank {r}");
    let t = Tensor::zeros_on(
        &[3],
        if r == 1 { DType::F64 } else { DType::F32 },
        Device::Cpu,
    )
    .unwrap();
    let e = dist::broadcast(&t, 0).unwrap_err().to_string();
    assert!(
        e.contains(
            "rank 0 has a float32 tensor of shape [3] and rank 1 has a float64 tensor of shape [3]"
        ),
        "{e}"
    );
    let t = Tensor::zeros_on(&[3], DType::F32, Device::Cpu).unwrap();
    let e = if r == 1 {
        dist::broadcast(&t, 0)
    } else {
        dist::all_reduce(&t, ReduceOp::Sum)
    }
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("ranks called different collectives: rank 0 called all_reduce and rank 1 called broadcast"), "{e}");
    let e = dist::all_reduce(&t, if r == 1 { ReduceOp::Max } else { ReduceOp::Sum })
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ranks passed different ops: rank 0 passed SUM and rank 1 passed MAX"),
        "{e}"
    );
    // A bad argument on rank 1 fails every rank, not only rank 1.
    let list: Vec<Tensor> = (0..if r == 1 { 1 } else { p }).map(|_| t.clone()).collect();
    let e = dist::all_gather(&list, &t).unwrap_err().to_string();
    if r == 1 {
        assert_eq!(
            e,
            format!("all_gather: tensor_list has 1 tensors, but the world size is {p}")
        );
    } else {
        assert_eq!(e, format!("all_gather failed on rank 1: all_gather: tensor_list has 1 tensors, but the world size is {p}"));
    }
    // Still usable.
    let t = Tensor::ones_on(&[2], DType::F32, Device::Cpu).unwrap();
    dist::all_reduce(&t, ReduceOp::Sum).unwrap();
    assert_eq!(t.to_vec_f64().unwrap(), vec![p as f64; 2]);
}

/// 6 -> 5 -> 4 -> 3 with ReLUs: six parameters, several buckets under a small cap.
pub fn mlp() -> Sequential {
    Sequential::new()
        .append(Linear::new(6, 5, true).unwrap())
        .append(ReLU::new())
        .append(Linear::new(5, 4, true).unwrap())
        .append(ReLU::new())
        .append(Linear::new(4, 3, true).unwrap())
}

/// Deterministic parameter values (no generator involved), distinct per `seed`.
pub fn init(model: &dyn Module, seed: u64) {
    let _ng = tinytorch::autograd::no_grad();
    for (k, (_, p)) in model.named_parameters().into_iter().enumerate() {
        let v: Vec<f64> = (0..p.numel())
            .map(|i| (((i * 37 + k * 11) as u64 + seed * 101) % 29) as f64 / 29.0 - 0.45)
            .collect();
        p.copy_(&tensor(&v, p.shape(), DType::F32)).unwrap();
    }
}

/// Global batch `step`: inputs [rows, 6] and targets [rows, 3].
pub fn batch(step: usize, rows: usize) -> (Tensor, Tensor) {
    let x: Vec<f64> = (0..rows * 6)
        .map(|i| (((i + 7 * step) * 13) % 17) as f64 / 8.0 - 1.0)
        .collect();
    let y: Vec<f64> = (0..rows * 3)
        .map(|i| (((i + 3 * step) * 5) % 7) as f64 / 3.0 - 1.0)
        .collect();
    (
        tensor(&x, &[rows, 6], DType::F32),
        tensor(&y, &[rows, 3], DType::F32),
    )
}

fn sgd(params: Vec<Tensor>) -> Optimizer {
    Optimizer::new(
        Kind::SGD,
        params,
        Hyper {
            lr: 0.1,
            momentum: 0.9,
            ..Kind::SGD.defaults()
        },
    )
    .unwrap()
}

fn mse(out: &Tensor, y: &Tensor) -> Tensor {
    out.sub(y).unwrap().pow_scalar(2.0).unwrap().mean().unwrap()
}

/// Largest |a - b| over largest |b|, over every parameter.
pub fn rel_err(a: &dyn Module, b: &dyn Module) -> f64 {
    let (mut num, mut den) = (0f64, 0f64);
    for ((_, x), (_, y)) in a.named_parameters().into_iter().zip(b.named_parameters()) {
        for (u, v) in x
            .to_vec_f64()
            .unwrap()
            .into_iter()
            .zip(y.to_vec_f64().unwrap())
        {
            num = num.max((u - v).abs());
            den = den.max(v.abs());
        }
    }
    num / den
}

/// K steps of 2-layer-MLP training with DDP (each rank its slice of each
/// global batch) against the same steps in one process on whole batches.
/// Returns the relative difference of the final weights.
pub fn ddp_against_single_process(steps: usize, rows_per_rank: usize, cap_mb: f64) -> f64 {
    let (r, p) = (dist::get_rank().unwrap(), dist::get_world_size().unwrap());
    let rows = rows_per_rank * p;
    let local = mlp();
    init(&local, 100 + r as u64); // differs per rank: DDP must take rank 0's
    let ddp = DistributedDataParallel::with_options(
        local,
        DdpOptions {
            bucket_cap_mb: cap_mb,
            ..DdpOptions::default()
        },
    )
    .unwrap();
    let reference = mlp();
    init(&reference, 100);
    assert_eq!(
        rel_err(ddp.module(), &reference),
        0.0,
        "construction must broadcast rank 0's parameters"
    );
    let mut opt = sgd(ddp.parameters());
    let mut ref_opt = sgd(reference.parameters());
    for step in 0..steps {
        let (x, y) = batch(step, rows);
        let (xs, ys) = (
            x.narrow(0, (r * rows_per_rank) as i64, rows_per_rank)
                .unwrap(),
            y.narrow(0, (r * rows_per_rank) as i64, rows_per_rank)
                .unwrap(),
        );
        opt.zero_grad();
        mse(&ddp.forward(&xs).unwrap(), &ys).backward().unwrap();
        opt.step().unwrap();
        ref_opt.zero_grad();
        mse(&reference.forward(&x).unwrap(), &y).backward().unwrap();
        ref_opt.step().unwrap();
    }
    rel_err(ddp.module(), &reference)
}

/// `no_sync` keeps gradients local (they differ across ranks after a
/// backward inside it); the next synced backward averages the accumulated
/// sums, which equal one process's gradients of both micro-batches.
pub fn check_no_sync() {
    let (r, p) = (dist::get_rank().unwrap(), dist::get_world_size().unwrap());
    let m = mlp();
    init(&m, 7);
    let ddp = DistributedDataParallel::new(m).unwrap();
    let reference = mlp();
    init(&reference, 7);
    let rows = 2;
    let slice = |t: &Tensor| t.narrow(0, (r * rows) as i64, rows).unwrap();
    let (x1, y1) = batch(1, rows * p);
    let (x2, y2) = batch(2, rows * p);
    {
        let _g = ddp.no_sync();
        mse(&ddp.forward(&slice(&x1)).unwrap(), &slice(&y1))
            .backward()
            .unwrap();
    }
    assert!(ddp.require_backward_grad_sync());
    let g = ddp.module().parameters()[0].grad().unwrap();
    let list: Vec<Tensor> = (0..p).map(|_| Tensor::zeros_like(&g).unwrap()).collect();
    dist::all_gather(&list, &g).unwrap();
    assert!(
        list.iter()
            .any(|t| t.to_vec_f64().unwrap() != g.to_vec_f64().unwrap()),
        "no_sync must not communicate"
    );
    mse(&ddp.forward(&slice(&x2)).unwrap(), &slice(&y2))
        .backward()
        .unwrap();
    mse(&reference.forward(&x1).unwrap(), &y1)
        .backward()
        .unwrap();
    mse(&reference.forward(&x2).unwrap(), &y2)
        .backward()
        .unwrap();
    for ((name, a), (_, b)) in ddp
        .module()
        .named_parameters()
        .into_iter()
        .zip(reference.named_parameters())
    {
        let (a, b) = (
            a.grad().unwrap().to_vec_f64().unwrap(),
            b.grad().unwrap().to_vec_f64().unwrap(),
        );
        let scale = b.iter().fold(0f64, |m, v| m.max(v.abs()));
        let err = a
            .iter()
            .zip(&b)
            .fold(0f64, |m, (u, v)| m.max((u - v).abs()));
        assert!(
            err <= 1e-6 * scale.max(1e-30),
            "{name}: accumulated grads differ by {err} (scale {scale})"
        );
    }
}

/// GradScaler skips a step on every rank when one rank alone sees an inf.
pub fn check_grad_scaler_agrees() {
    let r = dist::get_rank().unwrap();
    let w = tensor(&[1.0, 2.0], &[2], DType::F32)
        .requires_grad_(true)
        .unwrap();
    let mut opt = sgd(vec![w.clone()]);
    let mut scaler = tinytorch::amp::GradScaler::with_options(4.0, 2.0, 0.5, 2000, true).unwrap();
    let g = if r == 1 {
        [f64::INFINITY, 0.0]
    } else {
        [4.0, 4.0]
    };
    w.set_grad(Some(tensor(&g, &[2], DType::F32))).unwrap();
    assert!(
        !scaler.step(&mut opt).unwrap(),
        "rank {r} stepped although rank 1 found an inf"
    );
    scaler.update().unwrap();
    assert_eq!(scaler.get_scale(), 2.0);
    assert_eq!(w.to_vec_f64().unwrap(), vec![1.0, 2.0]);
    w.set_grad(Some(tensor(&[2.0, 2.0], &[2], DType::F32)))
        .unwrap();
    assert!(
        scaler.step(&mut opt).unwrap(),
        "a clean step on every rank steps"
    );
    scaler.update().unwrap();
    // grad 2 / scale 2 = 1, lr 0.1: w - 0.1.
    let v = w.to_vec_f64().unwrap();
    assert!(
        (v[0] - 0.9).abs() < 1e-6 && (v[1] - 1.9).abs() < 1e-6,
        "{v:?}"
    );
}
