//! Reduction kernels. A reduction over `dims` splits the input layout into a
//! "kept" layout (one output element each) and a "reduced" layout (the
//! elements folded into it), then picks the loop order that reads memory
//! sequentially: fold contiguous runs (sum over the last dim), or sweep
//! reduced rows into a vector of accumulators (sum over the first dim).
//! Floats accumulate in f64 lanes, integers in i64.

use half::{bf16, f16};
use rayon::prelude::*;

use super::iter::{Plan, PAR_THRESHOLD};
use super::{par, pool, CpuStorage, IntoStorage};
use crate::dtype::Element;
use crate::interrupt::Poll;
use crate::storage::op::ReduceOp;
use crate::{DType, Error, Layout, Result};

/// Splits `l` into (kept, reduced) layouts for a reduction over `dims`.
pub fn split_layout(l: &Layout, dims: &[usize]) -> (Layout, Layout) {
    let (mut ks, mut kt, mut rs, mut rt) = (vec![], vec![], vec![], vec![]);
    for d in 0..l.ndim() {
        if dims.contains(&d) {
            rs.push(l.shape()[d]);
            rt.push(l.strides()[d]);
        } else {
            ks.push(l.shape()[d]);
            kt.push(l.strides()[d]);
        }
    }
    (Layout::new(ks, kt, l.offset()), Layout::new(rs, rt, 0))
}

/// Elements folded between two interrupt polls.
const POLL_RUN: usize = 1 << 16;

/// Folds every reduced run into one accumulator per kept element. Polls
/// for an interrupt between runs (and inside long ones); an interrupted
/// fold returns `Error::Interrupted` and drops its partial output.
fn fold<T: Element, A: Copy + Send + Sync + 'static, U: IntoStorage>(
    v: &[T],
    kept: &Layout,
    red: &Layout,
    init: A,
    step: impl Fn(A, T, usize) -> A + Sync,
    merge: Option<&(dyn Fn(A, A) -> A + Sync)>,
    finish: impl Fn(A) -> U + Sync,
) -> Result<CpuStorage> {
    let red_plan = Plan::new([red]);
    let n_out = kept.numel();
    let n_red = red.numel();
    let kept_plan = Plan::new([kept]);
    let poll = Poll::new();
    let out: Vec<U> = if n_red == 0 || n_out == 0 {
        // Nothing to read (an empty reduction, or no outputs): the storage
        // may be empty while the layout's offsets are not.
        let mut out = pool::try_alloc(n_out)?;
        out.extend((0..n_out).map(|_| finish(init)));
        out
    } else if red_plan.rows() == 1 && red_plan.inner_strides()[0] == 1 {
        // Case A: each output folds one contiguous run (in blocks, polling
        // between them; the order of `step` calls is unchanged).
        let fold_run = |base: usize, range: std::ops::Range<usize>| {
            let mut a = init;
            let mut s = range.start;
            while s < range.end && !poll.stop() {
                let e = (s + POLL_RUN).min(range.end);
                for (i, &x) in v[base + s..base + e].iter().enumerate() {
                    a = step(a, x, s + i);
                }
                s = e;
            }
            a
        };
        match merge {
            Some(merge) if n_out < 4 && n_red >= PAR_THRESHOLD => {
                let offs = kept.try_offsets()?;
                offs.iter()
                    .map(|&base| {
                        let parts: Vec<A> = par::map_tasks(n_red.div_ceil(PAR_THRESHOLD), &|t| {
                            let s = t * PAR_THRESHOLD;
                            fold_run(base, s..(s + PAR_THRESHOLD).min(n_red))
                        });
                        finish(parts.into_iter().fold(init, merge))
                    })
                    .collect()
            }
            _ => kept_plan.try_collect(|[o], [s], out| {
                for (j, dst) in out.iter_mut().enumerate() {
                    dst.write(finish(fold_run(o + j * s, 0..n_red)));
                }
            })?,
        }
    } else if kept_plan.rows() == 1 && kept_plan.inner_strides()[0] == 1 && n_out > 1 {
        // Case B: kept elements are contiguous; sweep reduced offsets.
        let red_offs = red.try_offsets()?;
        let base = kept.offset();
        let mut acc = pool::try_filled(n_out, init)?;
        let sweep = |start: usize, acc: &mut [A]| {
            for (ri, &ro) in red_offs.iter().enumerate() {
                if ri % 16 == 0 && poll.stop() {
                    return;
                }
                let row = &v[base + ro + start..base + ro + start + acc.len()];
                for (a, &x) in acc.iter_mut().zip(row) {
                    *a = step(*a, x, ri);
                }
            }
        };
        if n_out * n_red >= PAR_THRESHOLD && n_out >= 64 {
            let chunk = (n_out / rayon::current_num_threads().max(1)).max(64);
            par::chunks_mut(&mut acc, chunk, &|t, a| sweep(t * chunk, a));
        } else {
            sweep(0, &mut acc);
        }
        let mut out = pool::try_alloc(n_out)?;
        out.extend(acc.into_iter().map(finish));
        out
    } else {
        // Case C: general strided.
        let red_offs = red.try_offsets()?;
        kept_plan.try_collect(|[o], [s], out| {
            for (j, dst) in out.iter_mut().enumerate() {
                let base = o + j * s;
                let mut a = init;
                for (ri, &ro) in red_offs.iter().enumerate() {
                    if ri % POLL_RUN == 0 && poll.stop() {
                        break;
                    }
                    a = step(a, v[base + ro], ri);
                }
                dst.write(finish(a));
            }
        })?
    };
    poll.finish(U::into_storage(out))
}

fn float_reduce<T: IntoStorage>(
    v: &[T],
    kept: &Layout,
    red: &Layout,
    op: ReduceOp,
) -> Result<CpuStorage> {
    let add = |a: f64, b: f64| a + b;
    let mul = |a: f64, b: f64| a * b;
    let max = |a: f64, b: f64| if a.is_nan() || a >= b { a } else { b };
    let min = |a: f64, b: f64| if a.is_nan() || a <= b { a } else { b };
    let fin = |a: f64| T::from_f64(a);
    match op {
        ReduceOp::Sum => fold(v, kept, red, 0.0, |a, x, _| a + x.to_f64(), Some(&add), fin),
        ReduceOp::Prod => fold(v, kept, red, 1.0, |a, x, _| a * x.to_f64(), Some(&mul), fin),
        ReduceOp::Max => fold(
            v,
            kept,
            red,
            f64::NEG_INFINITY,
            |a, x, _| max(a, x.to_f64()),
            Some(&max),
            fin,
        ),
        ReduceOp::Min => fold(
            v,
            kept,
            red,
            f64::INFINITY,
            |a, x, _| min(a, x.to_f64()),
            Some(&min),
            fin,
        ),
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            let want_max = op == ReduceOp::ArgMax;
            let init = (f64::NAN, -1i64);
            fold(
                v,
                kept,
                red,
                init,
                move |(best, bi): (f64, i64), x, i| {
                    let x = x.to_f64();
                    if bi >= 0 && best.is_nan() {
                        return (best, bi);
                    }
                    let better = bi < 0 || x.is_nan() || if want_max { x > best } else { x < best };
                    if better {
                        (x, i as i64)
                    } else {
                        (best, bi)
                    }
                },
                None,
                |(_, i): (f64, i64)| i,
            )
        }
        ReduceOp::Any => fold(
            v,
            kept,
            red,
            false,
            |a, x, _| a || x.to_f64() != 0.0,
            Some(&|a, b| a || b),
            |a| a,
        ),
        ReduceOp::All => fold(
            v,
            kept,
            red,
            true,
            |a, x, _| a && x.to_f64() != 0.0,
            Some(&|a, b| a && b),
            |a| a,
        ),
    }
}

fn int_reduce<T: IntoStorage + Ord + Into<i64>>(
    v: &[T],
    kept: &Layout,
    red: &Layout,
    op: ReduceOp,
) -> Result<CpuStorage> {
    let fin = |a: i64| T::from_i64(a);
    match op {
        // Sums and products of integers are int64 (the ops layer casts first).
        ReduceOp::Sum => fold(
            v,
            kept,
            red,
            0i64,
            |a, x, _| a.wrapping_add(x.into()),
            Some(&|a: i64, b| a.wrapping_add(b)),
            |a| a,
        ),
        ReduceOp::Prod => fold(
            v,
            kept,
            red,
            1i64,
            |a, x, _| a.wrapping_mul(x.into()),
            Some(&|a: i64, b| a.wrapping_mul(b)),
            |a| a,
        ),
        ReduceOp::Max => fold(
            v,
            kept,
            red,
            i64::MIN,
            |a, x, _| a.max(x.into()),
            Some(&|a: i64, b| a.max(b)),
            fin,
        ),
        ReduceOp::Min => fold(
            v,
            kept,
            red,
            i64::MAX,
            |a, x, _| a.min(x.into()),
            Some(&|a: i64, b| a.min(b)),
            fin,
        ),
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            let want_max = op == ReduceOp::ArgMax;
            fold(
                v,
                kept,
                red,
                (0i64, -1i64),
                move |(best, bi), x, i| {
                    let x: i64 = x.into();
                    if bi < 0 || (want_max && x > best) || (!want_max && x < best) {
                        (x, i as i64)
                    } else {
                        (best, bi)
                    }
                },
                None,
                |(_, i)| i,
            )
        }
        ReduceOp::Any => fold(
            v,
            kept,
            red,
            false,
            |a, x, _| a || x.into() != 0,
            Some(&|a, b| a || b),
            |a| a,
        ),
        ReduceOp::All => fold(
            v,
            kept,
            red,
            true,
            |a, x, _| a && x.into() != 0,
            Some(&|a, b| a && b),
            |a| a,
        ),
    }
}

/// Reduces `dims` of `l` away; the output is contiguous with the kept dims.
/// Empty reductions: sum 0, prod 1; max/min/arg* of nothing is an error.
pub fn reduce(s: &CpuStorage, l: &Layout, op: ReduceOp, dims: &[usize]) -> Result<CpuStorage> {
    let (kept, red) = split_layout(l, dims);
    if red.numel() == 0
        && matches!(
            op,
            ReduceOp::Max | ReduceOp::Min | ReduceOp::ArgMax | ReduceOp::ArgMin
        )
    {
        return Err(Error::invalid(format!(
            "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
            format!("{op:?}").to_lowercase()
        )));
    }
    if let (CpuStorage::F32(v), ReduceOp::Sum, true) = (
        s,
        op,
        kept.numel() == 1 && l.is_contiguous() && l.numel() > 0,
    ) {
        let n = l.numel();
        let poll = Poll::new();
        let xs = &v[l.offset()..l.offset() + n];
        let total = if n < PAR_THRESHOLD {
            sum_f32(xs)
        } else {
            xs.par_chunks(PAR_THRESHOLD)
                .map(|c| if poll.stop() { 0.0 } else { sum_f32(c) })
                .sum()
        };
        return poll.finish(CpuStorage::F32(vec![total as f32]));
    }
    Ok(match s {
        CpuStorage::F32(v) => float_reduce(v, &kept, &red, op)?,
        CpuStorage::F64(v) => float_reduce(v, &kept, &red, op)?,
        CpuStorage::F16(v) => float_reduce::<f16>(v, &kept, &red, op)?,
        CpuStorage::BF16(v) => float_reduce::<bf16>(v, &kept, &red, op)?,
        CpuStorage::I64(v) => int_reduce(v, &kept, &red, op)?,
        CpuStorage::I32(v) => int_reduce(v, &kept, &red, op)?,
        CpuStorage::Bool(v) => {
            let mut as_i: Vec<i64> = pool::try_alloc(v.len())?;
            as_i.extend(v.iter().map(|&b| b as i64));
            let r = int_reduce(&as_i, &kept, &red, op)?;
            match op {
                ReduceOp::Max | ReduceOp::Min => {
                    let CpuStorage::I64(x) = r else {
                        unreachable!("int_reduce keeps i64")
                    };
                    CpuStorage::Bool(x.into_iter().map(|x| x != 0).collect())
                }
                _ => r,
            }
        }
    })
}

/// Lane-parallel sum of a contiguous f32 slice (the hot path of `sum()`),
/// accumulating 8 independent f64 lanes so the loop vectorises.
pub fn sum_f32(xs: &[f32]) -> f64 {
    let mut lanes = [0f64; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..8 {
            lanes[j] += c[j] as f64;
        }
    }
    lanes.iter().sum::<f64>() + rest.iter().map(|&x| x as f64).sum::<f64>()
}

/// Whole-tensor sum of a contiguous f32 buffer, split over rayon.
pub fn sum_all_f32(xs: &[f32]) -> f64 {
    if xs.len() < PAR_THRESHOLD {
        return sum_f32(xs);
    }
    xs.par_chunks(PAR_THRESHOLD).map(sum_f32).sum()
}

/// Output dtype of a reduction over a `dtype` input.
pub fn output_dtype(op: ReduceOp, dtype: DType) -> DType {
    match op {
        ReduceOp::ArgMax | ReduceOp::ArgMin => DType::I64,
        ReduceOp::Any | ReduceOp::All => DType::Bool,
        ReduceOp::Sum | ReduceOp::Prod if !dtype.is_float() => DType::I64,
        _ => dtype,
    }
}
