//! Index-driven CPU kernels: index_select, gather, scatter(_add), cumsum and
//! sort. They work on contiguous data (the caller makes inputs contiguous)
//! and treat a tensor as `[outer, size(dim), inner]`, the usual trick that
//! turns any `dim` into three nested loops.

use std::cmp::Ordering;

use super::pool::{try_alloc, try_copy, try_filled};
use super::{CpuStorage, IntoStorage};
use crate::{cpu_dispatch, interrupt, Error, Result};

/// Outer iterations between two interrupt polls in the serial loops.
const POLL_EVERY: usize = 1 << 10;

/// `(outer, size, inner)` of `shape` around `dim`. Callers return early
/// for empty tensors, so the products of a valid tensor's dims fit.
pub fn split3(shape: &[usize], dim: usize) -> (usize, usize, usize) {
    // (a 0-dim tensor's "dim 0" is past the end: treated as size 1)
    let prod = |s: &[usize]| s.iter().fold(1usize, |a, &d| a.saturating_mul(d));
    let outer = prod(&shape[..dim.min(shape.len())]);
    let inner = prod(&shape[(dim + 1).min(shape.len())..]);
    (outer, shape.get(dim).copied().unwrap_or(1), inner)
}

fn numel(shape: &[usize]) -> usize {
    shape.iter().fold(1usize, |a, &d| a.saturating_mul(d))
}

fn check_index(op: &'static str, idx: &[i64], size: usize, dim: usize) -> Result<()> {
    for &i in idx {
        if i < 0 || i as usize >= size {
            return Err(Error::IndexOutOfRange {
                op,
                index: i,
                dim,
                size,
            });
        }
    }
    Ok(())
}

/// Rows `idx` of `dim` from a contiguous tensor of `shape`.
pub fn index_select(
    s: &CpuStorage,
    shape: &[usize],
    dim: usize,
    idx: &[i64],
) -> Result<CpuStorage> {
    let (outer, size, inner) = split3(shape, dim);
    check_index("index_select", idx, size, dim)?;
    fn go<T: IntoStorage>(
        v: &[T],
        outer: usize,
        size: usize,
        inner: usize,
        idx: &[i64],
    ) -> Result<CpuStorage> {
        let n = outer
            .checked_mul(idx.len())
            .and_then(|x| x.checked_mul(inner))
            .ok_or_else(|| super::pool::oom(usize::MAX, std::mem::size_of::<T>()))?;
        let mut out = try_alloc(n)?;
        if n == 0 {
            return Ok(T::into_storage(out));
        }
        for o in 0..outer {
            if o % POLL_EVERY == 0 {
                interrupt::check()?;
            }
            for &i in idx {
                let start = (o * size + i as usize) * inner;
                out.extend_from_slice(&v[start..start + inner]);
            }
        }
        Ok(T::into_storage(out))
    }
    cpu_dispatch!(s, v => go(v, outer, size, inner, idx))
}

/// `out[.., j, ..] = src[.., idx[.., j, ..], ..]` along `dim`; `idx` has the
/// shape `ishape` (same ndim as `shape`, each dim no larger except `dim`).
pub fn gather(
    s: &CpuStorage,
    shape: &[usize],
    dim: usize,
    idx: &[i64],
    ishape: &[usize],
) -> Result<CpuStorage> {
    let size = shape.get(dim).copied().unwrap_or(1);
    check_index("gather", idx, size, dim)?;
    let src_strides = crate::shape::contiguous_strides(shape);
    let idx_strides = crate::shape::contiguous_strides(ishape);
    fn go<T: IntoStorage>(
        v: &[T],
        idx: &[i64],
        ishape: &[usize],
        istr: &[usize],
        sstr: &[usize],
        dim: usize,
    ) -> Result<CpuStorage> {
        let mut out = try_alloc(idx.len())?;
        for (lin, &i) in idx.iter().enumerate() {
            if lin % (POLL_EVERY << 6) == 0 {
                interrupt::check()?;
            }
            let mut off = 0;
            for d in 0..ishape.len() {
                let c = (lin / istr[d]) % ishape[d];
                off += if d == dim { i as usize } else { c } * sstr[d];
            }
            out.push(v[off]);
        }
        Ok(T::into_storage(out))
    }
    cpu_dispatch!(s, v => go(v, idx, ishape, &idx_strides, &src_strides, dim))
}

/// In place on a contiguous `dst` of `shape`: `dst[.., idx[p], ..] (+)= src[p]`
/// along `dim`, for every position `p` of `idx` (shape `ishape`, the same as
/// the contiguous `src`'s).
pub fn scatter(
    dst: &mut CpuStorage,
    shape: &[usize],
    dim: usize,
    idx: &[i64],
    ishape: &[usize],
    src: &CpuStorage,
    accumulate: bool,
) -> Result<()> {
    let size = shape.get(dim).copied().unwrap_or(1);
    check_index("scatter", idx, size, dim)?;
    let dstr = crate::shape::contiguous_strides(shape);
    let istr = crate::shape::contiguous_strides(ishape);
    #[allow(clippy::too_many_arguments)]
    fn go<T: IntoStorage>(
        d: &mut [T],
        s: &[T],
        idx: &[i64],
        ishape: &[usize],
        istr: &[usize],
        dstr: &[usize],
        dim: usize,
        acc: bool,
    ) {
        for (lin, &i) in idx.iter().enumerate() {
            let mut off = 0;
            for k in 0..ishape.len() {
                let c = (lin / istr[k]) % ishape[k];
                off += if k == dim { i as usize } else { c } * dstr[k];
            }
            d[off] = if acc {
                T::from_f64(d[off].to_f64() + s[lin].to_f64())
            } else {
                s[lin]
            };
        }
    }
    macro_rules! arm {
        ($($v:ident),*) => {
            match (dst, src) {
                $((CpuStorage::$v(d), CpuStorage::$v(s)) => go(d, s, idx, ishape, &istr, &dstr, dim, accumulate),)*
                _ => return Err(Error::Internal("scatter: dtypes differ".into())),
            }
        };
    }
    arm!(Bool, I32, I64, F16, BF16, F32, F64);
    Ok(())
}

/// Cumulative sum along `dim` of a contiguous tensor (floats accumulate in
/// f64, integers exactly in their own type; ops sum ints and bools as int64).
pub fn cumsum(s: &CpuStorage, shape: &[usize], dim: usize) -> Result<CpuStorage> {
    if numel(shape) == 0 {
        return Ok(cpu_dispatch!(s, v => IntoStorage::into_storage(v[..0].to_vec())));
    }
    let (outer, size, inner) = split3(shape, dim);
    // Floats accumulate in f64; integers in i64, exactly (an f64
    // accumulator would round int64 sums beyond 2^53).
    fn go<T: IntoStorage>(
        v: &[T],
        outer: usize,
        size: usize,
        inner: usize,
        add: impl Fn(T, T) -> T,
    ) -> Result<CpuStorage> {
        let mut out = try_copy(v)?;
        for o in 0..outer {
            if o % POLL_EVERY == 0 {
                interrupt::check()?;
            }
            for i in 0..inner {
                let base = o * size * inner + i;
                for j in 1..size {
                    let p = base + j * inner;
                    out[p] = add(out[p - inner], v[p]);
                }
            }
        }
        Ok(T::into_storage(out))
    }
    fn go_float<T: IntoStorage>(
        v: &[T],
        outer: usize,
        size: usize,
        inner: usize,
    ) -> Result<CpuStorage> {
        let mut out = try_copy(v)?;
        for o in 0..outer {
            if o % POLL_EVERY == 0 {
                interrupt::check()?;
            }
            for i in 0..inner {
                let mut acc = 0f64;
                for j in 0..size {
                    let p = (o * size + j) * inner + i;
                    acc += v[p].to_f64();
                    out[p] = T::from_f64(acc);
                }
            }
        }
        Ok(T::into_storage(out))
    }
    match s {
        CpuStorage::I64(v) => go(v, outer, size, inner, |a: i64, b| a.wrapping_add(b)),
        CpuStorage::I32(v) => go(v, outer, size, inner, |a: i32, b| a.wrapping_add(b)),
        CpuStorage::Bool(v) => go(v, outer, size, inner, |a: bool, b| a | b),
        _ => cpu_dispatch!(s, v => go_float(v, outer, size, inner)),
    }
}

/// Stable sort along `dim` of a contiguous tensor: (values, int64 indices).
/// NaN sorts as larger than every number, as in PyTorch.
pub fn sort(
    s: &CpuStorage,
    shape: &[usize],
    dim: usize,
    descending: bool,
) -> Result<(CpuStorage, CpuStorage)> {
    if numel(shape) == 0 {
        let empty = cpu_dispatch!(s, v => IntoStorage::into_storage(v[..0].to_vec()));
        return Ok((empty, CpuStorage::I64(Vec::new())));
    }
    let (outer, size, inner) = split3(shape, dim);
    fn go<T: IntoStorage>(
        v: &[T],
        outer: usize,
        size: usize,
        inner: usize,
        desc: bool,
    ) -> Result<(CpuStorage, CpuStorage)> {
        let mut vals = try_copy(v)?;
        let mut idxs = try_filled(v.len(), 0i64)?;
        let mut perm: Vec<usize> = try_alloc(size)?;
        // Poll about every 64K elements sorted.
        let poll = (POLL_EVERY << 6).div_ceil(size.max(1));
        // Compare in the element type itself (an f64 key would merge int64
        // values beyond 2^53); NaN, the only value unordered with itself,
        // sorts as the largest.
        let is_nan = |x: T| x.partial_cmp(&x).is_none();
        let cmp = |a: T, b: T| match (is_nan(a), is_nan(b)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        };
        for o in 0..outer {
            for i in 0..inner {
                if (o * inner + i) % poll == 0 {
                    interrupt::check()?;
                }
                let at = |j: usize| (o * size + j) * inner + i;
                perm.clear();
                perm.extend(0..size);
                perm.sort_by(|&a, &b| {
                    let c = cmp(v[at(a)], v[at(b)]);
                    if desc {
                        c.reverse()
                    } else {
                        c
                    }
                });
                for (j, &p) in perm.iter().enumerate() {
                    vals[at(j)] = v[at(p)];
                    idxs[at(j)] = p as i64;
                }
            }
        }
        Ok((T::into_storage(vals), CpuStorage::I64(idxs)))
    }
    cpu_dispatch!(s, v => go(v, outer, size, inner, descending))
}
