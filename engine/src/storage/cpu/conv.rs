//! Convolution and pooling kernels on the CPU: `im2col` / `col2im` (the
//! unfold that turns a 2-D convolution into one batched matmul, and its
//! adjoint) and 2-D max pooling with the argmax indices its backward needs.
//! Work is split over the batch with rayon; every kernel reads a contiguous
//! `[n, c, h, w]` buffer. Float32 and float64 run natively; the op layer
//! computes half types in float32.

use rayon::prelude::*;

use super::{pool, CpuStorage, IntoStorage};
use crate::interrupt::Poll;
use crate::{Error, Result};

/// Geometry of a 2-D sliding window over `[n, c, h, w]` (convolution or
/// pooling): kernel, stride, padding, dilation, and the output size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window2d {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Window2d {
    /// Rows of the unfolded matrix: `c * kh * kw`.
    pub fn col_rows(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Columns of the unfolded matrix: `oh * ow`.
    pub fn col_cols(&self) -> usize {
        self.oh * self.ow
    }

    /// The input coordinate a window tap reads, or `None` in the padding.
    #[inline(always)]
    fn src(o: usize, s: usize, p: usize, k: usize, d: usize, len: usize) -> Option<usize> {
        let i = (o * s + k * d) as isize - p as isize;
        (i >= 0 && (i as usize) < len).then_some(i as usize)
    }
}

fn unsupported(op: &'static str, s: &CpuStorage) -> Error {
    Error::Unsupported {
        op,
        dtype: s.dtype(),
        device: crate::Device::Cpu,
    }
}

/// `[n, c, h, w]` -> `[n, c*kh*kw, oh*ow]`: column `oy*ow + ox` of row
/// `(ci*kh + ki)*kw + kj` holds `x[ci, oy*sh - ph + ki*dh, ox*sw - pw + kj*dw]`
/// (zero in the padding).
pub fn im2col(x: &CpuStorage, g: &Window2d) -> Result<CpuStorage> {
    match x {
        CpuStorage::F32(v) => Ok(f32::into_storage(im2col_t(v, g)?)),
        CpuStorage::F64(v) => Ok(f64::into_storage(im2col_t(v, g)?)),
        s => Err(unsupported("im2col", s)),
    }
}

fn im2col_t<T: Copy + Default + Send + Sync + 'static>(x: &[T], g: &Window2d) -> Result<Vec<T>> {
    let per_in = g.c * g.h * g.w;
    let per_col = g.col_rows() * g.col_cols();
    let n =
        g.n.checked_mul(per_col)
            .ok_or_else(|| pool::oom(usize::MAX, 1))?;
    let mut out = pool::try_filled(n, T::default())?;
    let poll = Poll::new();
    out.par_chunks_mut(per_col.max(1))
        .zip(x.par_chunks(per_in.max(1)))
        .for_each(|(dst, src)| {
            if !poll.stop() {
                im2col_one(src, dst, g)
            }
        });
    poll.finish(out)
}

/// The contiguous run of a unit-stride output row that reads inside the
/// input row: `ox` in `[lo, hi)` maps to `ix = ox + off` (tap `kj`).
#[inline(always)]
fn run(g: &Window2d, kj: usize) -> (usize, usize, isize) {
    let off = (kj * g.dw) as isize - g.pw as isize;
    let lo = ((-off).max(0) as usize).min(g.ow);
    let hi = ((g.w as isize - off).max(0) as usize).min(g.ow).max(lo);
    (lo, hi, off)
}

/// `dst.copy_from_slice(src)` for a short row (a feature map's width): in
/// fixed blocks of 8 the compiler turns into vector moves, where a library
/// memmove call per row would cost more than the copy.
#[inline(always)]
fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (a, b) in (&mut d).zip(&mut s) {
        let a: &mut [T; 8] = a.try_into().expect("chunk of 8");
        let b: &[T; 8] = b.try_into().expect("chunk of 8");
        *a = *b;
    }
    for (a, &b) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *a = b;
    }
}

/// Unfolds one sample `[c, h, w]` into `dst` `[c*kh*kw, oh*ow]`, writing
/// every element (zeros in the padding), so `dst` may hold stale data.
pub fn im2col_one<T: Copy + Default>(src: &[T], dst: &mut [T], g: &Window2d) {
    let plane = g.h * g.w;
    let cols = g.col_cols();
    let zero = T::default();
    for ci in 0..g.c {
        let img = &src[ci * plane..(ci + 1) * plane];
        for ki in 0..g.kh {
            for kj in 0..g.kw {
                let r = (ci * g.kh + ki) * g.kw + kj;
                let row = &mut dst[r * cols..(r + 1) * cols];
                for (oy, orow) in (0..g.oh).zip(row.chunks_exact_mut(g.ow.max(1))) {
                    let Some(iy) = Window2d::src(oy, g.sh, g.ph, ki, g.dh, g.h) else {
                        orow.fill(zero);
                        continue;
                    };
                    let irow = &img[iy * g.w..(iy + 1) * g.w];
                    if g.sw == 1 {
                        let (lo, hi, off) = run(g, kj);
                        orow[..lo].fill(zero);
                        let s0 = (lo as isize + off) as usize;
                        if lo < hi {
                            copy_short(&mut orow[lo..hi], &irow[s0..s0 + (hi - lo)]);
                        }
                        orow[hi..].fill(zero);
                    } else {
                        for (ox, o) in orow.iter_mut().enumerate() {
                            *o = match Window2d::src(ox, g.sw, g.pw, kj, g.dw, g.w) {
                                Some(ix) => irow[ix],
                                None => zero,
                            };
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `[n, c*kh*kw, oh*ow]` -> `[n, c, h, w]`,
/// adding every column entry back onto the input element it was read from.
pub fn col2im(cols: &CpuStorage, g: &Window2d) -> Result<CpuStorage> {
    match cols {
        CpuStorage::F32(v) => Ok(f32::into_storage(col2im_t(v, g)?)),
        CpuStorage::F64(v) => Ok(f64::into_storage(col2im_t(v, g)?)),
        s => Err(unsupported("col2im", s)),
    }
}

fn col2im_t<T>(c: &[T], g: &Window2d) -> Result<Vec<T>>
where
    T: Copy + Default + Send + Sync + std::ops::AddAssign + 'static,
{
    let per_in = g.c * g.h * g.w;
    let per_col = g.col_rows() * g.col_cols();
    let n =
        g.n.checked_mul(per_in)
            .ok_or_else(|| pool::oom(usize::MAX, 1))?;
    let mut out = pool::try_filled(n, T::default())?;
    let poll = Poll::new();
    out.par_chunks_mut(per_in.max(1))
        .zip(c.par_chunks(per_col.max(1)))
        .for_each(|(dst, src)| {
            if !poll.stop() {
                col2im_one(src, dst, g)
            }
        });
    poll.finish(out)
}

/// Adds one sample's columns `src` `[c*kh*kw, oh*ow]` onto `dst` `[c, h, w]`.
pub fn col2im_one<T: Copy + std::ops::AddAssign>(src: &[T], dst: &mut [T], g: &Window2d) {
    let plane = g.h * g.w;
    let cols = g.col_cols();
    for ci in 0..g.c {
        let img = &mut dst[ci * plane..(ci + 1) * plane];
        for ki in 0..g.kh {
            for kj in 0..g.kw {
                let r = (ci * g.kh + ki) * g.kw + kj;
                let row = &src[r * cols..(r + 1) * cols];
                for (oy, orow) in (0..g.oh).zip(row.chunks_exact(g.ow.max(1))) {
                    let Some(iy) = Window2d::src(oy, g.sh, g.ph, ki, g.dh, g.h) else {
                        continue;
                    };
                    let irow = &mut img[iy * g.w..(iy + 1) * g.w];
                    if g.sw == 1 {
                        let (lo, hi, off) = run(g, kj);
                        if lo < hi {
                            let s0 = (lo as isize + off) as usize;
                            for (d, &v) in irow[s0..s0 + (hi - lo)].iter_mut().zip(&orow[lo..hi]) {
                                *d += v;
                            }
                        }
                        continue;
                    }
                    for (ox, &v) in orow.iter().enumerate() {
                        if let Some(ix) = Window2d::src(ox, g.sw, g.pw, kj, g.dw, g.w) {
                            irow[ix] += v;
                        }
                    }
                }
            }
        }
    }
}

/// Max pooling over `[n, c, h, w]`: values `[n, c, oh, ow]` and, as
/// PyTorch's `max_pool2d_with_indices`, int64 indices into each input plane
/// (`iy * w + ix`). Padding never wins (it is minus infinity); NaN wins.
pub fn max_pool2d(x: &CpuStorage, g: &Window2d) -> Result<(CpuStorage, CpuStorage)> {
    match x {
        CpuStorage::F32(v) => {
            let (o, i) = max_pool_t(v, g, f32::NEG_INFINITY)?;
            Ok((f32::into_storage(o), i64::into_storage(i)))
        }
        CpuStorage::F64(v) => {
            let (o, i) = max_pool_t(v, g, f64::NEG_INFINITY)?;
            Ok((f64::into_storage(o), i64::into_storage(i)))
        }
        s => Err(unsupported("max_pool2d", s)),
    }
}

fn max_pool_t<T>(x: &[T], g: &Window2d, ninf: T) -> Result<(Vec<T>, Vec<i64>)>
where
    T: Copy + Default + Send + Sync + PartialOrd + 'static,
{
    let plane = g.h * g.w;
    let oplane = g.oh * g.ow;
    let total =
        g.n.checked_mul(g.c)
            .and_then(|x| x.checked_mul(oplane))
            .ok_or_else(|| pool::oom(usize::MAX, 1))?;
    let mut out: Vec<T> = pool::try_filled(total, T::default())?;
    let mut idx: Vec<i64> = pool::try_filled(total, 0)?;
    let poll = Poll::new();
    // Every window lies inside the image (no padding, and no ceil_mode
    // window running off the edge): no tap needs a bounds test.
    let inside = g.ph == 0
        && g.pw == 0
        && (g.oh.max(1) - 1) * g.sh + (g.kh.max(1) - 1) * g.dh < g.h
        && (g.ow.max(1) - 1) * g.sw + (g.kw.max(1) - 1) * g.dw < g.w;
    out.par_chunks_mut(oplane.max(1))
        .zip(idx.par_chunks_mut(oplane.max(1)))
        .zip(x.par_chunks(plane.max(1)))
        .for_each(|((o, ix_out), img)| {
            if poll.stop() {
                return;
            }
            if inside && g.kh > 0 && g.kw > 0 {
                pool_plane_inside(img, o, ix_out, g);
            } else {
                pool_plane(img, o, ix_out, g, ninf);
            }
        });
    poll.finish((out, idx))
}

/// `v != v`: NaN, which wins against anything (the last NaN of a window
/// gives the index, as in PyTorch's CPU kernel).
#[inline(always)]
fn is_nan<T: PartialOrd>(v: T) -> bool {
    #[allow(clippy::eq_op)]
    let nan = v != v;
    nan
}

/// One plane of max pooling where every window is inside the image: the
/// first tap starts the running maximum, a later tap replaces it when
/// strictly greater (the first maximum wins ties) or NaN.
fn pool_plane_inside<T: Copy + PartialOrd>(
    img: &[T],
    o: &mut [T],
    ix_out: &mut [i64],
    g: &Window2d,
) {
    for oy in 0..g.oh {
        let orow = &mut o[oy * g.ow..(oy + 1) * g.ow];
        let irow = &mut ix_out[oy * g.ow..(oy + 1) * g.ow];
        for (ox, (dst, at_out)) in orow.iter_mut().zip(irow.iter_mut()).enumerate() {
            let first = oy * g.sh * g.w + ox * g.sw;
            let (mut best, mut at) = (img[first], first);
            for ki in 0..g.kh {
                let row = first + ki * g.dh * g.w;
                for kj in 0..g.kw {
                    let i = row + kj * g.dw;
                    let v = img[i];
                    if v > best || is_nan(v) {
                        best = v;
                        at = i;
                    }
                }
            }
            *dst = best;
            *at_out = at as i64;
        }
    }
}

/// One plane of max pooling, any padding: padded taps are skipped.
fn pool_plane<T: Copy + PartialOrd>(
    img: &[T],
    o: &mut [T],
    ix_out: &mut [i64],
    g: &Window2d,
    ninf: T,
) {
    for oy in 0..g.oh {
        for ox in 0..g.ow {
            let mut best = ninf;
            let mut at: i64 = -1;
            for ki in 0..g.kh {
                let Some(iy) = Window2d::src(oy, g.sh, g.ph, ki, g.dh, g.h) else {
                    continue;
                };
                for kj in 0..g.kw {
                    let Some(ix) = Window2d::src(ox, g.sw, g.pw, kj, g.dw, g.w) else {
                        continue;
                    };
                    let v = img[iy * g.w + ix];
                    if at < 0 || v > best || is_nan(v) {
                        best = v;
                        at = (iy * g.w + ix) as i64;
                    }
                }
            }
            o[oy * g.ow + ox] = best;
            ix_out[oy * g.ow + ox] = at.max(0);
        }
    }
}

/// Gradient of [`max_pool2d`]: `grad` `[n, c, oh, ow]` is added at the saved
/// indices of a zero `[n, c, h, w]`.
pub fn max_pool2d_backward(grad: &CpuStorage, idx: &[i64], g: &Window2d) -> Result<CpuStorage> {
    fn run<T>(gr: &[T], idx: &[i64], g: &Window2d) -> Result<Vec<T>>
    where
        T: Copy + Default + Send + Sync + std::ops::AddAssign + 'static,
    {
        let plane = g.h * g.w;
        let oplane = g.oh * g.ow;
        let total =
            g.n.checked_mul(g.c)
                .and_then(|x| x.checked_mul(plane))
                .ok_or_else(|| pool::oom(usize::MAX, 1))?;
        let mut out: Vec<T> = pool::try_filled(total, T::default())?;
        out.par_chunks_mut(plane.max(1))
            .zip(
                gr.par_chunks(oplane.max(1))
                    .zip(idx.par_chunks(oplane.max(1))),
            )
            .for_each(|(dst, (src, ids))| {
                for (&v, &i) in src.iter().zip(ids) {
                    dst[i as usize] += v;
                }
            });
        Ok(out)
    }
    match grad {
        CpuStorage::F32(v) => Ok(f32::into_storage(run(v, idx, g)?)),
        CpuStorage::F64(v) => Ok(f64::into_storage(run(v, idx, g)?)),
        s => Err(unsupported("max_pool2d_backward", s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom(h: usize, w: usize, k: usize, s: usize, p: usize, d: usize) -> Window2d {
        let o = |len: usize| (len + 2 * p - d * (k - 1) - 1) / s + 1;
        Window2d {
            n: 1,
            c: 1,
            h,
            w,
            kh: k,
            kw: k,
            sh: s,
            sw: s,
            ph: p,
            pw: p,
            dh: d,
            dw: d,
            oh: o(h),
            ow: o(w),
        }
    }

    #[test]
    fn im2col_by_hand() {
        // x = [[1,2,3],[4,5,6],[7,8,9]], 2x2 kernel, stride 1: the four
        // windows are [1,2,4,5] [2,3,5,6] [4,5,7,8] [5,6,8,9]; row r of the
        // unfolded matrix is tap r of each window.
        let x = CpuStorage::F64((1..=9).map(f64::from).collect());
        let g = geom(3, 3, 2, 1, 0, 1);
        let CpuStorage::F64(c) = im2col(&x, &g).unwrap() else {
            unreachable!()
        };
        let expect = [
            1., 2., 4., 5., 2., 3., 5., 6., 4., 5., 7., 8., 5., 6., 8., 9.,
        ];
        assert_eq!(c, expect);
    }

    #[test]
    fn col2im_is_the_adjoint() {
        // <im2col(x), y> == <x, col2im(y)> for any x, y (padding, stride, dilation).
        let g = geom(5, 4, 3, 2, 1, 1);
        let x: Vec<f64> = (0..20).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
        let n = g.col_rows() * g.col_cols();
        let y: Vec<f64> = (0..n).map(|i| ((i * 13) % 7) as f64 - 3.0).collect();
        let CpuStorage::F64(cx) = im2col(&CpuStorage::F64(x.clone()), &g).unwrap() else {
            unreachable!()
        };
        let CpuStorage::F64(ty) = col2im(&CpuStorage::F64(y.clone()), &g).unwrap() else {
            unreachable!()
        };
        let lhs: f64 = cx.iter().zip(&y).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&ty).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }

    #[test]
    fn max_pool_fast_path_agrees_with_the_bounds_checked_one() {
        // Windows fully inside the image take the unchecked path; on the
        // same plane the checked path must pick the same values and indices,
        // with ties (first maximum wins) and NaN (the last NaN wins).
        let mut x: Vec<f32> = (0..42).map(|i| ((i * 5) % 7) as f32).collect();
        x[9] = f32::NAN;
        x[17] = f32::NAN;
        for (k, s, d) in [(2, 2, 1), (3, 1, 1), (2, 1, 2), (3, 2, 1)] {
            let g = geom(6, 7, k, s, 0, d);
            let (mut o1, mut i1) = (vec![0.0; g.oh * g.ow], vec![0; g.oh * g.ow]);
            let (mut o2, mut i2) = (o1.clone(), i1.clone());
            pool_plane_inside(&x, &mut o1, &mut i1, &g);
            pool_plane(&x, &mut o2, &mut i2, &g, f32::NEG_INFINITY);
            assert_eq!(i1, i2, "indices, kernel {k} stride {s} dilation {d}");
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&o1),
                bits(&o2),
                "values, kernel {k} stride {s} dilation {d}"
            );
        }
    }

    #[test]
    fn max_pool_by_hand() {
        // 2x2 windows of [[1,5,2,0],[3,4,8,1],[0,0,1,1],[9,0,1,2]]:
        // maxima 5 (at 1), 8 (at 6), 9 (at 12), 2 (at 15).
        let x = CpuStorage::F32(vec![
            1., 5., 2., 0., 3., 4., 8., 1., 0., 0., 1., 1., 9., 0., 1., 2.,
        ]);
        let g = geom(4, 4, 2, 2, 0, 1);
        let (v, i) = max_pool2d(&x, &g).unwrap();
        assert_eq!(v, CpuStorage::F32(vec![5., 8., 9., 2.]));
        assert_eq!(i, CpuStorage::I64(vec![1, 6, 12, 15]));
    }
}
