//! Index-driven CPU kernels: index_select, gather, scatter(_add), cumsum and
//! sort. They work on contiguous data (the caller makes inputs contiguous)
//! and treat a tensor as `[outer, size(dim), inner]`, the usual trick that
//! turns any `dim` into three nested loops.

use std::cmp::Ordering;

use super::{CpuStorage, IntoStorage};
use crate::{cpu_dispatch, Error, Result};

/// `(outer, size, inner)` of `shape` around `dim`.
pub fn split3(shape: &[usize], dim: usize) -> (usize, usize, usize) {
    let outer = shape[..dim].iter().product();
    let inner = shape[dim + 1..].iter().product();
    (outer, shape.get(dim).copied().unwrap_or(1), inner)
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
    ) -> CpuStorage {
        let mut out = Vec::with_capacity(outer * idx.len() * inner);
        for o in 0..outer {
            for &i in idx {
                let start = (o * size + i as usize) * inner;
                out.extend_from_slice(&v[start..start + inner]);
            }
        }
        T::into_storage(out)
    }
    Ok(cpu_dispatch!(s, v => go(v, outer, size, inner, idx)))
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
    let (outer, size, inner) = split3(shape, dim);
    let (iouter, isize_, iinner) = split3(ishape, dim);
    check_index("gather", idx, size, dim)?;
    let src_strides = crate::shape::contiguous_strides(shape);
    let idx_strides = crate::shape::contiguous_strides(ishape);
    let _ = (outer, inner, iouter, isize_, iinner);
    fn go<T: IntoStorage>(
        v: &[T],
        idx: &[i64],
        ishape: &[usize],
        istr: &[usize],
        sstr: &[usize],
        dim: usize,
    ) -> CpuStorage {
        let mut out = Vec::with_capacity(idx.len());
        for (lin, &i) in idx.iter().enumerate() {
            let mut off = 0;
            for d in 0..ishape.len() {
                let c = (lin / istr[d]) % ishape[d];
                off += if d == dim { i as usize } else { c } * sstr[d];
            }
            out.push(v[off]);
        }
        T::into_storage(out)
    }
    Ok(cpu_dispatch!(s, v => go(v, idx, ishape, &idx_strides, &src_strides, dim)))
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
/// f64, integers in i64; ints and bools are summed as int64 by the caller).
pub fn cumsum(s: &CpuStorage, shape: &[usize], dim: usize) -> CpuStorage {
    let (outer, size, inner) = split3(shape, dim);
    fn go<T: IntoStorage>(v: &[T], outer: usize, size: usize, inner: usize) -> CpuStorage {
        let mut out = v.to_vec();
        let exact_int = !T::DTYPE.is_float();
        for o in 0..outer {
            for i in 0..inner {
                let mut acc = 0f64;
                let mut iacc = 0i64;
                for j in 0..size {
                    let p = (o * size + j) * inner + i;
                    if exact_int {
                        iacc = iacc.wrapping_add(v[p].to_f64() as i64);
                        out[p] = T::from_f64(iacc as f64);
                    } else {
                        acc += v[p].to_f64();
                        out[p] = T::from_f64(acc);
                    }
                }
            }
        }
        T::into_storage(out)
    }
    cpu_dispatch!(s, v => go(v, outer, size, inner))
}

/// Stable sort along `dim` of a contiguous tensor: (values, int64 indices).
/// NaN sorts as larger than every number, as in PyTorch.
pub fn sort(
    s: &CpuStorage,
    shape: &[usize],
    dim: usize,
    descending: bool,
) -> (CpuStorage, CpuStorage) {
    let (outer, size, inner) = split3(shape, dim);
    fn go<T: IntoStorage>(
        v: &[T],
        outer: usize,
        size: usize,
        inner: usize,
        desc: bool,
    ) -> (CpuStorage, CpuStorage) {
        let mut vals = v.to_vec();
        let mut idxs = vec![0i64; v.len()];
        let mut perm: Vec<usize> = Vec::with_capacity(size);
        let key = |x: T| x.to_f64();
        let cmp = |a: f64, b: f64| match (a.is_nan(), b.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        };
        for o in 0..outer {
            for i in 0..inner {
                let at = |j: usize| (o * size + j) * inner + i;
                perm.clear();
                perm.extend(0..size);
                perm.sort_by(|&a, &b| {
                    let c = cmp(key(v[at(a)]), key(v[at(b)]));
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
        (T::into_storage(vals), CpuStorage::I64(idxs))
    }
    cpu_dispatch!(s, v => go(v, outer, size, inner, descending))
}
