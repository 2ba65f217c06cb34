//! The reduction arithmetic of the host backends (mpi, threads): one rank
//! combines the slices every rank sent it, always in rank order 0, 1, ...,
//! N-1, so a float result is the same bits whoever computes it, and equals
//! the single-process fold `((x0 op x1) op x2) ...`.
//!
//! Per dtype: float32 and float64 accumulate in their own type; float16
//! and bfloat16 accumulate in float32 and round once at the end (as
//! PyTorch's CPU reductions do); AVG divides the sum by the world size in
//! the accumulation type (integers: truncating division, as NCCL). MAX and
//! MIN propagate NaN, as `torch.maximum`. Integer SUM and PRODUCT wrap.
//! bool: SUM and MAX are OR, PRODUCT and MIN are AND (NCCL's mapping in
//! PyTorch); AVG is an error. Knows nothing of transports or tensors.

use half::{bf16, f16};
use rayon::prelude::*;

use super::group::ReduceOp;
use crate::storage::cpu::IntoStorage;
use crate::{DType, Error, Result};

/// An element type and the type it accumulates in.
trait Acc: IntoStorage {
    type A: Copy + Default + Send + Sync;
    fn load(self) -> Self::A;
    fn store(a: Self::A) -> Self;
    fn sum(a: Self::A, b: Self::A) -> Self::A;
    fn prod(a: Self::A, b: Self::A) -> Self::A;
    fn max(a: Self::A, b: Self::A) -> Self::A;
    fn min(a: Self::A, b: Self::A) -> Self::A;
    /// `a / n`, or `None` where AVG is undefined (bool).
    fn avg(a: Self::A, n: usize) -> Option<Self::A>;
}

macro_rules! float_acc {
    ($t:ty, $a:ty, $load:expr, $store:expr) => {
        impl Acc for $t {
            type A = $a;
            #[inline(always)]
            fn load(self) -> $a {
                $load(self)
            }
            #[inline(always)]
            fn store(a: $a) -> $t {
                $store(a)
            }
            #[inline(always)]
            fn sum(a: $a, b: $a) -> $a {
                a + b
            }
            #[inline(always)]
            fn prod(a: $a, b: $a) -> $a {
                a * b
            }
            #[inline(always)]
            fn max(a: $a, b: $a) -> $a {
                if a.is_nan() || b.is_nan() {
                    <$a>::NAN
                } else if b > a {
                    b
                } else {
                    a
                }
            }
            #[inline(always)]
            fn min(a: $a, b: $a) -> $a {
                if a.is_nan() || b.is_nan() {
                    <$a>::NAN
                } else if b < a {
                    b
                } else {
                    a
                }
            }
            fn avg(a: $a, n: usize) -> Option<$a> {
                Some(a / n as $a)
            }
        }
    };
}
float_acc!(f32, f32, |x| x, |a| a);
float_acc!(f64, f64, |x| x, |a| a);
float_acc!(f16, f32, f16::to_f32, f16::from_f32);
float_acc!(bf16, f32, bf16::to_f32, bf16::from_f32);

macro_rules! int_acc {
    ($t:ty) => {
        impl Acc for $t {
            type A = $t;
            #[inline(always)]
            fn load(self) -> $t {
                self
            }
            #[inline(always)]
            fn store(a: $t) -> $t {
                a
            }
            #[inline(always)]
            fn sum(a: $t, b: $t) -> $t {
                a.wrapping_add(b)
            }
            #[inline(always)]
            fn prod(a: $t, b: $t) -> $t {
                a.wrapping_mul(b)
            }
            #[inline(always)]
            fn max(a: $t, b: $t) -> $t {
                a.max(b)
            }
            #[inline(always)]
            fn min(a: $t, b: $t) -> $t {
                a.min(b)
            }
            fn avg(a: $t, n: usize) -> Option<$t> {
                Some(a.wrapping_div(n as $t))
            }
        }
    };
}
int_acc!(i32);
int_acc!(i64);

impl Acc for bool {
    type A = bool;
    fn load(self) -> bool {
        self
    }
    fn store(a: bool) -> bool {
        a
    }
    fn sum(a: bool, b: bool) -> bool {
        a | b
    }
    fn prod(a: bool, b: bool) -> bool {
        a & b
    }
    fn max(a: bool, b: bool) -> bool {
        a | b
    }
    fn min(a: bool, b: bool) -> bool {
        a & b
    }
    fn avg(_: bool, _: usize) -> Option<bool> {
        None
    }
}

/// Elements per accumulator block (stack buffer), and per rayon task.
const BLOCK: usize = 1024;
const TASK: usize = 16 * BLOCK;

fn fold<T: Acc>(
    recv: &[T],
    ranks: usize,
    m: usize,
    out: &mut [T],
    f: impl Fn(T::A, T::A) -> T::A + Sync,
    fin: impl Fn(T::A) -> T::A + Sync,
) {
    let task = |(ti, o): (usize, &mut [T])| {
        for (bi, ob) in o.chunks_mut(BLOCK).enumerate() {
            let start = ti * TASK + bi * BLOCK;
            let n = ob.len();
            let mut acc = [T::A::default(); BLOCK];
            for (a, &x) in acc[..n].iter_mut().zip(&recv[start..start + n]) {
                *a = x.load();
            }
            for r in 1..ranks {
                let row = &recv[r * m + start..r * m + start + n];
                for (a, &x) in acc[..n].iter_mut().zip(row) {
                    *a = f(*a, x.load());
                }
            }
            for (o, &a) in ob.iter_mut().zip(&acc[..n]) {
                *o = T::store(fin(a));
            }
        }
    };
    if m < 2 * TASK {
        out.chunks_mut(TASK).enumerate().for_each(task);
    } else {
        out.par_chunks_mut(TASK).enumerate().for_each(task);
    }
}

fn combine_typed<T: Acc>(recv: &[T], ranks: usize, op: ReduceOp, out: &mut [T]) -> Result<()> {
    let m = out.len();
    if recv.len() != m * ranks {
        return Err(Error::Internal(format!(
            "reduce: {} received elements for {ranks} slices of {m}",
            recv.len()
        )));
    }
    let id = |a| a;
    match op {
        ReduceOp::Sum => fold(recv, ranks, m, out, T::sum, id),
        ReduceOp::Product => fold(recv, ranks, m, out, T::prod, id),
        ReduceOp::Max => fold(recv, ranks, m, out, T::max, id),
        ReduceOp::Min => fold(recv, ranks, m, out, T::min, id),
        ReduceOp::Avg => {
            if T::avg(T::A::default(), 1).is_none() {
                return Err(Error::invalid(format!(
                    "all_reduce: ReduceOp.AVG is not supported for {} tensors",
                    T::DTYPE.name()
                )));
            }
            let fin = |a| T::avg(a, ranks).unwrap_or(a);
            fold(recv, ranks, m, out, T::sum, fin)
        }
    }
    Ok(())
}

/// `bytes` as elements of `T`; an error if misaligned or ragged.
///
/// # Safety
/// The bytes must hold valid `T`s (for bool: 0 or 1), which holds for
/// buffers filled from tensors of `T`'s dtype.
unsafe fn typed<T>(bytes: &[u8]) -> Result<&[T]> {
    // SAFETY: the caller vouches for the values; align_to checks alignment.
    let (pre, mid, post) = unsafe { bytes.align_to::<T>() };
    if !pre.is_empty() || !post.is_empty() {
        return Err(Error::Internal("reduce: a misaligned buffer".into()));
    }
    Ok(mid)
}

/// # Safety
/// As [`typed`].
unsafe fn typed_mut<T>(bytes: &mut [u8]) -> Result<&mut [T]> {
    // SAFETY: as in `typed`.
    let (pre, mid, post) = unsafe { bytes.align_to_mut::<T>() };
    if !pre.is_empty() || !post.is_empty() {
        return Err(Error::Internal("reduce: a misaligned buffer".into()));
    }
    Ok(mid)
}

/// `recv` holds `ranks` equal slices of `dtype` elements (rank 0's first);
/// writes their element-wise reduction in rank order into `out`.
pub fn combine_into(
    dtype: DType,
    recv: &[u8],
    ranks: usize,
    op: ReduceOp,
    out: &mut [u8],
) -> Result<()> {
    fn go<T: Acc>(recv: &[u8], ranks: usize, op: ReduceOp, out: &mut [u8]) -> Result<()> {
        // SAFETY: both buffers were filled from tensors of T's dtype (the
        // agreement before every collective checked the dtype on all ranks).
        let (r, o) = unsafe { (typed::<T>(recv)?, typed_mut::<T>(out)?) };
        combine_typed(r, ranks, op, o)
    }
    match dtype {
        DType::Bool => go::<bool>(recv, ranks, op, out),
        DType::I32 => go::<i32>(recv, ranks, op, out),
        DType::I64 => go::<i64>(recv, ranks, op, out),
        DType::F16 => go::<f16>(recv, ranks, op, out),
        DType::BF16 => go::<bf16>(recv, ranks, op, out),
        DType::F32 => go::<f32>(recv, ranks, op, out),
        DType::F64 => go::<f64>(recv, ranks, op, out),
    }
}

/// Whether `op` applies to `dtype` (checked before any rank communicates).
pub fn supports(op: ReduceOp, dtype: DType) -> bool {
    !(op == ReduceOp::Avg && dtype == DType::Bool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::cpu::CpuStorage;

    /// Folds a storage of `ranks` slices through the byte interface.
    fn combine(recv: &CpuStorage, ranks: usize, op: ReduceOp) -> Result<CpuStorage> {
        fn go<T: Acc>(v: &[T], ranks: usize, op: ReduceOp) -> Result<CpuStorage> {
            let mut out = vec![T::default(); v.len() / ranks];
            combine_typed(v, ranks, op, &mut out)?;
            Ok(T::into_storage(out))
        }
        crate::cpu_dispatch!(recv, v => go(v, ranks, op))
    }

    #[test]
    fn the_byte_interface_checks_alignment_and_lengths() {
        let recv: Vec<f32> = vec![1.0, 2.0, 3.0, 4.0];
        let bytes: Vec<u8> = recv.iter().flat_map(|x| x.to_ne_bytes()).collect();
        // A Vec<u64> gives the 8-byte alignment every dtype needs.
        let mut aligned = vec![0u64; 2];
        // SAFETY: plain bytes into a u64 buffer of 16 bytes.
        let a = unsafe { std::slice::from_raw_parts_mut(aligned.as_mut_ptr() as *mut u8, 16) };
        a.copy_from_slice(&bytes);
        let mut out = [0u8; 8];
        let mut out_aligned = vec![0u64; 1];
        // SAFETY: 8 bytes of a u64.
        let o = unsafe { std::slice::from_raw_parts_mut(out_aligned.as_mut_ptr() as *mut u8, 8) };
        combine_into(DType::F32, a, 2, ReduceOp::Sum, o).unwrap();
        out.copy_from_slice(o);
        assert_eq!(f32::from_ne_bytes(out[..4].try_into().unwrap()), 4.0);
        assert_eq!(f32::from_ne_bytes(out[4..].try_into().unwrap()), 6.0);
        assert!(combine_into(DType::F32, &a[..12], 2, ReduceOp::Sum, o).is_err());
        assert!(combine_into(DType::F32, &a[1..9], 1, ReduceOp::Sum, &mut o[..8]).is_err());
    }

    #[test]
    fn floats_fold_in_rank_order() {
        // (1e8 + 1) + -1e8 in float32: 1e8 + 1 rounds to 1e8 (ulp 8), so 0;
        // any other order gives 1.
        let r = combine(&CpuStorage::F32(vec![1e8, 1.0, -1e8]), 3, ReduceOp::Sum).unwrap();
        assert_eq!(r, CpuStorage::F32(vec![0.0]));
        let r = combine(&CpuStorage::F32(vec![1.0, 2.0, 4.0, 8.0]), 2, ReduceOp::Avg).unwrap();
        assert_eq!(r, CpuStorage::F32(vec![2.5, 5.0]));
    }

    #[test]
    fn half_types_accumulate_in_f32_and_round_once() {
        // 2048 + 1 + 1 in float16: stepwise rounding loses both ones
        // (ulp 2 at 2048, ties to even); one rounding of 2050 keeps them.
        let v = [2048.0, 1.0, 1.0].map(f16::from_f32).to_vec();
        let r = combine(&CpuStorage::F16(v), 3, ReduceOp::Sum).unwrap();
        assert_eq!(r, CpuStorage::F16(vec![f16::from_f32(2050.0)]));
        let v = [1.0, 3.0].map(bf16::from_f32).to_vec();
        let r = combine(&CpuStorage::BF16(v), 2, ReduceOp::Avg).unwrap();
        assert_eq!(r, CpuStorage::BF16(vec![bf16::from_f32(2.0)]));
    }

    #[test]
    fn max_min_propagate_nan_and_ints_wrap_and_truncate() {
        let r = combine(
            &CpuStorage::F64(vec![1.0, f64::NAN, 3.0, 2.0]),
            2,
            ReduceOp::Max,
        )
        .unwrap();
        let CpuStorage::F64(v) = r else { panic!() };
        assert!(v[0] == 3.0 && v[1].is_nan());
        let r = combine(&CpuStorage::I32(vec![i32::MAX, 1]), 2, ReduceOp::Sum).unwrap();
        assert_eq!(r, CpuStorage::I32(vec![i32::MIN]));
        let r = combine(&CpuStorage::I64(vec![-7, 0, 0]), 3, ReduceOp::Avg).unwrap();
        assert_eq!(r, CpuStorage::I64(vec![-2]));
        let r = combine(&CpuStorage::I64(vec![3, -2, 5]), 3, ReduceOp::Product).unwrap();
        assert_eq!(r, CpuStorage::I64(vec![-30]));
    }

    #[test]
    fn bool_maps_to_or_and() {
        let v = CpuStorage::Bool(vec![true, false, false, false]);
        assert_eq!(
            combine(&v, 2, ReduceOp::Sum).unwrap(),
            CpuStorage::Bool(vec![true, false])
        );
        assert_eq!(
            combine(&v, 2, ReduceOp::Min).unwrap(),
            CpuStorage::Bool(vec![false, false])
        );
        assert!(combine(&v, 2, ReduceOp::Avg).is_err());
    }

    #[test]
    fn long_buffers_split_into_blocks_and_tasks() {
        let m = 3 * TASK + 17;
        let v: Vec<f64> = (0..2 * m).map(|i| i as f64).collect();
        let CpuStorage::F64(r) = combine(&CpuStorage::F64(v), 2, ReduceOp::Sum).unwrap() else {
            panic!()
        };
        assert!(r.iter().enumerate().all(|(i, &x)| x == (2 * i + m) as f64));
    }
}
