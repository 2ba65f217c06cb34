//! A bounded fuzz of the engine's tensor API: random ops on random inputs
//! (shapes with zero and huge dims, every dtype, views, NaN/inf/huge
//! scalars, negative and huge sizes, autograd on top) must each end in
//! `Ok` or `Err`, never a panic, an abort or a hang.
//!
//! Fixed seed and 5000 cases by default; `TT_FUZZ_CASES=N` and
//! `TT_FUZZ_SEED=S` run longer or elsewhere. A case that runs 10 s gets an
//! interrupt request (the polling kernels then stop); one that runs 60 s is
//! a hang: the case is printed and the process aborts. Its own binary, as
//! the interrupt flag is process-wide.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tinytorch::nn::functional as F;
use tinytorch::ops::indexing::{python_index, PyIndex, TensorIndex};
use tinytorch::storage::BinaryOp;
use tinytorch::{interrupt, DType, Device, Error, Result, Scalar, Tensor};

const CPU: Device = Device::Cpu;

/// splitmix64: small, fixed, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// A dim size: mostly small, sometimes 0, sometimes far beyond memory
    /// (never a size between, whose ops would only be slow).
    fn size(&mut self) -> usize {
        match self.below(20) {
            0 => 0,
            1 => self.pick(&[1 << 40, 1 << 50, 1 << 62, usize::MAX / 2, usize::MAX]),
            _ => self.below(5) as usize,
        }
    }
    fn sizes(&mut self) -> Vec<usize> {
        (0..self.below(5)).map(|_| self.size()).collect()
    }
    /// A signed size/dim/index argument.
    fn int(&mut self) -> i64 {
        match self.below(16) {
            0 => self.pick(&[
                i64::MIN,
                i64::MAX,
                1 << 40,
                -(1 << 40),
                1 << 31,
                i64::MIN + 1,
            ]),
            1 => -1,
            _ => self.below(11) as i64 - 5,
        }
    }
    fn ints(&mut self) -> Vec<i64> {
        (0..self.below(5)).map(|_| self.int()).collect()
    }
    fn float(&mut self) -> f64 {
        match self.below(10) {
            0 => self.pick(&[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                1e300,
                -1e300,
                1e-300,
                65504.0,
                1e5,
            ]),
            _ => (self.below(2001) as f64 - 1000.0) / 100.0,
        }
    }
    fn scalar(&mut self) -> Scalar {
        match self.below(3) {
            0 => Scalar::Bool(self.chance(0.5)),
            1 => Scalar::Int(match self.below(4) {
                0 => self.pick(&[i64::MIN, i64::MAX, 1 << 32, (1 << 62) + 1, -(1 << 40)]),
                _ => self.below(9) as i64 - 4,
            }),
            _ => Scalar::Float(self.float()),
        }
    }
    fn dtype(&mut self) -> DType {
        self.pick(&DType::ALL)
    }

    /// A tensor with at most 256 elements of data, possibly a view (a
    /// transpose, a strided slice, or an expand, sometimes to a huge shape).
    fn tensor(&mut self) -> Tensor {
        let ndim = self.below(5) as usize;
        let shape: Vec<usize> = (0..ndim)
            .map(|_| {
                if self.chance(0.1) {
                    0
                } else {
                    self.below(4) as usize + 1
                }
            })
            .collect();
        let n: usize = shape.iter().product();
        let vals: Vec<f64> = (0..n).map(|_| self.float()).collect();
        let dtype = self.dtype();
        let mut t = Tensor::from_vec_f64(&vals, &shape, dtype).expect("small tensor");
        if self.chance(0.3) && dtype.is_float() {
            t = t.requires_grad_(true).expect("float leaf");
        }
        match self.below(6) {
            0 if ndim >= 2 => t.transpose(0, ndim as i64 - 1).expect("transpose"),
            1 if ndim >= 1 && shape[0] > 1 => t.slice(0, Some(0), None, 2).expect("slice"),
            2 => {
                // expand size-1 dims (and new leading ones), maybe hugely
                let huge = self.chance(0.3);
                let mut target: Vec<i64> = shape
                    .iter()
                    .map(|&d| {
                        if d == 1 {
                            if huge {
                                1 << 40
                            } else {
                                self.below(4) as i64 + 1
                            }
                        } else {
                            -1
                        }
                    })
                    .collect();
                if self.chance(0.5) {
                    target.insert(0, if huge { 1 << 40 } else { 3 });
                }
                t.expand(&target).unwrap_or(t)
            }
            _ => t,
        }
    }
}

fn dims_of(r: &mut Rng, t: &Tensor) -> i64 {
    if r.chance(0.9) {
        r.below(t.dim() as u64 * 2 + 2) as i64 - t.dim() as i64 - 1
    } else {
        r.int()
    }
}

fn index_item(r: &mut Rng, t: &Tensor) -> PyIndex {
    match r.below(9) {
        0 => PyIndex::Int(r.int()),
        1 => PyIndex::Slice(
            r.chance(0.5).then(|| r.int()),
            r.chance(0.5).then(|| r.int()),
            r.chance(0.5).then(|| r.int()),
        ),
        2 => PyIndex::None,
        3 => PyIndex::Ellipsis,
        4 => PyIndex::Bool(r.chance(0.5)),
        5 => PyIndex::Float(r.float()),
        6 => PyIndex::Tensor(r.tensor()),
        7 => PyIndex::List((0..r.below(4)).map(|_| PyIndex::Int(r.int())).collect()),
        _ => PyIndex::List(
            (0..r.below(3))
                .map(|_| {
                    PyIndex::List(
                        (0..r.below(3))
                            .map(|_| PyIndex::Int(dims_of(r, t)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

fn shape_of(v: &[usize]) -> Vec<usize> {
    v.to_vec()
}

/// Runs one random call; `desc` says what it was.
fn one_case(r: &mut Rng, desc: &mut String) -> Result<Tensor> {
    let x = r.tensor();
    let y = r.tensor();
    *desc = format!(
        "x {:?} {:?} {}, y {:?} {:?} {}",
        x.shape(),
        x.stride(),
        x.dtype(),
        y.shape(),
        y.stride(),
        y.dtype()
    );
    let op = r.below(72);
    desc.push_str(&format!(", op {op}"));
    let d = dims_of(r, &x);
    let s = r.scalar();
    desc.push_str(&format!(", dim {d}, scalar {s:?}"));
    let dt = r.dtype();
    let one = |v: Result<Vec<Tensor>>| v.map(|v| v.into_iter().next().unwrap_or(x.clone()));
    match op {
        0 => Tensor::zeros_on(&r.sizes(), dt, CPU),
        1 => Tensor::full_scalar(&r.sizes(), s, dt, CPU),
        2 => Tensor::arange(r.float(), r.float(), r.float(), dt, CPU),
        3 => Tensor::linspace(r.float(), r.float(), r.size(), dt, CPU),
        4 => Tensor::eye(r.size(), r.chance(0.5).then(|| r.size()), dt, CPU),
        5 => Tensor::rand_on(&r.sizes(), dt, CPU),
        6 => Tensor::randint(r.int(), r.int(), &r.sizes(), dt, CPU),
        7 => Tensor::randperm(r.size(), CPU),
        8 => {
            let v: Vec<Scalar> = (0..r.below(4)).map(|_| r.scalar()).collect();
            Tensor::from_scalars(&v, &[v.len()], dt)
        }
        9 => x.add(&y),
        10 => x.sub_scalar(s),
        11 => x.mul_scalar(s),
        12 => x.div(&y),
        13 => x.div_scalar(s),
        14 => x.floor_divide(s),
        15 => x.remainder(&y),
        16 => x.div_rounding(&y, r.pick(&["floor", "trunc", "bad"])),
        17 => x.pow(&y),
        18 => x.pow_scalar(s),
        19 => x.rpow_scalar(s),
        20 => x.maximum(&y),
        21 => x.compare_op(s, r.pick(&[BinaryOp::Lt, BinaryOp::Eq, BinaryOp::Ge])),
        22 => x.bitwise(s, r.pick(&[BinaryOp::BitAnd, BinaryOp::BitXor])),
        23 => x.clamp(
            r.chance(0.7).then(|| r.float()),
            r.chance(0.7).then(|| r.float()),
        ),
        24 => x.exp(),
        25 => x.sqrt(),
        26 => x.neg(),
        27 => x.abs(),
        28 => x.sigmoid(),
        29 => x.gelu(r.pick(&["none", "tanh"])),
        30 => x.sum(),
        31 => x.sum_dims(&[d], r.chance(0.5)),
        32 => x.mean_dims(&r.ints(), r.chance(0.5)),
        33 => x.prod(r.chance(0.5).then_some(d), r.chance(0.5)),
        34 => x.max(),
        35 => x.max_dim(d, r.chance(0.5)).map(|v| v.values),
        36 => x.argmin(r.chance(0.5).then_some(d), r.chance(0.5)),
        37 => x.amax(&r.ints(), r.chance(0.5)),
        38 => x.var(Some(&[d]), r.float(), r.chance(0.5)),
        39 => x.norm(r.float(), r.chance(0.5).then_some(&[d][..]), r.chance(0.5)),
        40 => x.logsumexp(&[d], r.chance(0.5)),
        41 => x.cumsum(d),
        42 => x.sort(d, r.chance(0.5)).map(|v| v.values),
        43 => x.topk(r.size(), d, r.chance(0.5), true).map(|v| v.indices),
        44 => x.reshape(&r.ints()),
        45 => x.view(&r.ints()),
        46 => x.expand(&r.ints()),
        47 => x.permute(&r.ints()),
        48 => x.flatten(dims_of(r, &x), dims_of(r, &x)),
        49 => x.unflatten(d, &r.ints()),
        50 => x.narrow(d, r.int(), r.size()),
        51 => x.slice(d, Some(r.int()), Some(r.int()), r.int()),
        52 => x.select(d, r.int()),
        53 => Tensor::cat(&[&x, &y], d),
        54 => Tensor::stack(&[&x, &y], d),
        55 => one(x.split(r.size(), d)),
        56 => one(x.chunk(r.size(), d)),
        57 => x.repeat(&r.sizes()),
        58 => x.flip(&r.ints()),
        59 => x.tril(r.int()),
        60 => {
            let items = python_index(&PyIndex::Tuple(
                (0..r.below(4)).map(|_| index_item(r, &x)).collect(),
            ))?;
            x.index(&items)
        }
        61 => x.index_select(d, &y),
        62 => x.gather(d, &y),
        63 => x.scatter_add(d, &y, &r.tensor()),
        64 => Tensor::where_cond(&y, &x, &r.tensor()),
        65 => x.masked_fill(&y, r.float()),
        66 => x.matmul(&y),
        67 => Tensor::einsum(
            r.pick(&[
                "ij,jk->ik",
                "i,i->",
                "bij,bjk->bik",
                "ij->ji",
                "ii->i",
                "i,j->ij",
                "ab",
            ]),
            &[&x, &y],
        ),
        68 => {
            let items: Vec<TensorIndex> = python_index(&index_item(r, &x))?;
            x.index_put(&items, &y, r.chance(0.5))
        }
        69 => F::conv2d(
            &x,
            &y,
            None,
            [r.size().clamp(1, 3), 1],
            [r.size().min(3), 0],
            [1, r.size().clamp(1, 3)],
            r.size().max(1),
        ),
        70 => F::max_pool2d(&x, [r.size(), r.size()], None, [r.size(), 0], [1, 1]),
        _ => match r.below(6) {
            0 => x.to_dtype(dt),
            1 => x.contiguous(),
            2 => x.softmax(d),
            3 => F::layer_norm(
                &x,
                &shape_of(&x.shape()[x.dim().saturating_sub(1)..]),
                None,
                None,
                1e-5,
            ),
            4 => x.nonzero(),
            _ => x.masked_select(&y),
        },
    }
}

#[test]
fn random_api_calls_end_in_ok_or_err() {
    let cases: u64 = std::env::var("TT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let seed: u64 = std::env::var("TT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(14);
    // The watchdog: interrupt a slow case, abort on a hung one.
    let started = Arc::new(AtomicU64::new(0)); // ms since t0 when the case began, 0 = idle
    let current = Arc::new(Mutex::new(String::new()));
    let t0 = Instant::now();
    {
        let (started, current) = (started.clone(), current.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let s = started.load(Ordering::Relaxed);
            if s == 0 {
                continue;
            }
            let ran = t0.elapsed().as_millis() as u64 - s;
            if ran > 10_000 {
                interrupt::request();
            }
            if ran > 60_000 {
                eprintln!("HANG (60 s): {}", current.lock().unwrap());
                std::process::abort();
            }
        });
    }
    let mut r = Rng(seed);
    let (mut ok, mut err, mut stopped, mut grads) = (0, 0, 0, 0);
    let mut panics = Vec::new();
    for case in 0..cases {
        let mut desc = String::new();
        interrupt::clear();
        started.store(t0.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let res = catch_unwind(AssertUnwindSafe(|| {
            let out = one_case(&mut r, &mut desc);
            *current.lock().unwrap() = desc.clone();
            // Autograd through whatever came out.
            if let Ok(t) = &out {
                if t.requires_grad() && t.numel() < 10_000 {
                    let g = t.sum().and_then(|s| s.backward());
                    return (out.map(|_| ()), Some(g.is_ok()));
                }
            }
            (out.map(|_| ()), None)
        }));
        started.store(0, Ordering::Relaxed);
        match res {
            Ok((Ok(()), g)) => {
                ok += 1;
                grads += g.unwrap_or(false) as u32;
            }
            Ok((Err(Error::Interrupted), _)) => stopped += 1,
            Ok((Err(_), _)) => err += 1,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panics.push(format!("case {case} (seed {seed}): {desc}: {msg}"));
            }
        }
    }
    interrupt::clear();
    eprintln!(
        "{cases} cases: {ok} Ok ({grads} with a backward), {err} Err, {stopped} interrupted after 10 s, {} panics",
        panics.len()
    );
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
}
