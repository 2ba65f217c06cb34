//! Fused 2-D convolution on the CPU: unfold and multiply one sample at a
//! time, so the unfolded columns never exist for the whole batch.
//!
//! The batch-wide `im2col` of PyTorch's MNIST conv2 is 42 MB per step: its
//! page faults and zeroing alone cost more than the arithmetic. Here each
//! rayon task owns one `[c*kh*kw, oh*ow]` column buffer (a few hundred KB,
//! resident in L2), refills it per sample without zeroing the whole of it,
//! and runs a single-threaded GEMM per group straight into the sample's
//! NCHW output slice. The backward recomputes the columns from the saved
//! input instead of keeping them: the weight gradient accumulates per task
//! (`beta = 1`) and is summed at the end, the input gradient goes through a
//! per-sample column buffer and `col2im`. Both poll for an interrupt
//! before each sample and drop their partial outputs when one came.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::conv::{col2im_one, im2col_one, Window2d};
use super::matmul::Gemm;
use super::{pool, CpuStorage};
use crate::interrupt::Poll;
use crate::{Error, Result};

/// A convolution: the sliding window plus the channel grouping.
#[derive(Debug, Clone, Copy)]
pub struct ConvShape {
    pub win: Window2d,
    pub groups: usize,
    /// Output channels (all groups).
    pub oc: usize,
}

impl ConvShape {
    fn cg(&self) -> usize {
        self.win.c / self.groups
    }
    /// Rows of one group's unfolded columns: `c/groups * kh * kw`.
    fn kk(&self) -> usize {
        self.cg() * self.win.kh * self.win.kw
    }
    fn l(&self) -> usize {
        self.win.oh * self.win.ow
    }
    fn ocg(&self) -> usize {
        self.oc / self.groups
    }
    /// A 1x1 kernel with unit stride and no padding reads the input as its
    /// own column matrix.
    fn pointwise(&self) -> bool {
        let g = &self.win;
        g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
    }
}

/// Length of one sample's full column buffer (all groups).
fn col_len(s: &ConvShape) -> usize {
    s.win.c * s.win.kh * s.win.kw * s.l()
}

/// Errors unless one `len`-element buffer of `T` per rayon thread fits
/// (the per-task scratch buffers are then allocated infallibly).
fn check_scratch<T>(len: usize) -> Result<()> {
    let bytes = len as u128 * std::mem::size_of::<T>() as u128;
    super::check_bytes(bytes * rayon::current_num_threads().max(1) as u128)
}

/// The columns of sample `xs` (`[c, h, w]`): `xs` itself for a pointwise
/// kernel, else unfolded into `buf`.
fn columns<'a, T: Copy + Default>(s: &ConvShape, xs: &'a [T], buf: &'a mut [T]) -> &'a [T] {
    if s.pointwise() {
        xs
    } else {
        im2col_one(xs, buf, &s.win);
        buf
    }
}

/// `[n, c, h, w]` (*) `[oc, c/groups, kh, kw]` (+ bias `[oc]`) -> `[n, oc, oh, ow]`;
/// all inputs contiguous.
fn conv2d_forward<T: Gemm + std::ops::AddAssign>(
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    s: &ConvShape,
) -> Result<Vec<T>> {
    let g = &s.win;
    let (kk, l, ocg) = (s.kk(), s.l(), s.ocg());
    let per_in = g.c * g.h * g.w;
    let per_out = s.oc * l;
    let total = g.n * per_out;
    let mut out: Vec<T> = pool::try_alloc(total)?;
    if total == 0 {
        return Ok(out);
    }
    let clen = if s.pointwise() { 0 } else { col_len(s) };
    check_scratch::<T>(clen)?;
    let poll = Poll::new();
    out.spare_capacity_mut()[..total]
        .par_chunks_mut(per_out)
        .zip(x.par_chunks(per_in.max(1)))
        .for_each_init(
            || vec![T::default(); clen],
            |buf, (dst, xs)| {
                if poll.stop() {
                    return;
                }
                let cols = columns(s, xs, buf);
                let dp = dst.as_mut_ptr() as *mut T;
                for grp in 0..s.groups {
                    // SAFETY: W_g is [ocg, kk] at grp*ocg*kk, the group's
                    // columns [kk, l] at grp*kk*l, its output rows [ocg, l]
                    // at grp*ocg*l of this sample's `per_out` slice; beta 0
                    // only writes the (uninitialised) output.
                    unsafe {
                        T::gemm_raw(
                            ocg,
                            kk,
                            l,
                            w.as_ptr().add(grp * ocg * kk),
                            kk as isize,
                            1,
                            cols.as_ptr().add(grp * kk * l),
                            l as isize,
                            1,
                            T::default(),
                            dp.add(grp * ocg * l),
                            l as isize,
                            1,
                        );
                    }
                }
                if let Some(b) = bias {
                    // SAFETY: the GEMMs above initialised all `per_out` elements.
                    let d = unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) };
                    for (row, &bv) in d.chunks_mut(l.max(1)).zip(b) {
                        row.iter_mut().for_each(|v| *v += bv);
                    }
                }
            },
        );
    // An interrupted run skipped samples: drop the buffer unpublished
    // (its length is still 0, so nothing uninitialised is ever read).
    let mut out = poll.finish(out)?;
    // SAFETY: no sample was skipped, so every sample's slice was fully
    // written by its GEMMs (k == 0 included: matrixmultiply then scales C
    // by beta = 0, i.e. zeroes it).
    unsafe { out.set_len(total) };
    Ok(out)
}

/// Gradients of [`conv2d_forward`] from the output gradient `gy`
/// (`[n, oc, oh, ow]`): input, weight and bias gradients for the `need`ed ones.
fn conv2d_backward<T: Gemm + std::ops::AddAssign>(
    x: &[T],
    w: &[T],
    gy: &[T],
    s: &ConvShape,
    need: [bool; 3],
) -> Result<[Option<Vec<T>>; 3]> {
    let g = &s.win;
    let (kk, l, ocg) = (s.kk(), s.l(), s.ocg());
    let per_in = g.c * g.h * g.w;
    let per_out = s.oc * l;
    let wlen = s.oc * kk;
    let [need_x, need_w, need_b] = need;
    let cols_len = if need_w && !s.pointwise() {
        col_len(s)
    } else {
        0
    };
    let dcols_len = if need_x { col_len(s) } else { 0 };
    check_scratch::<T>(cols_len + dcols_len + wlen + s.oc)?;
    let poll = Poll::new();
    // Per-task state: columns, input-gradient columns, dW and db accumulators.
    type State<T> = (Vec<T>, Vec<T>, Vec<T>, Vec<T>);
    let init = || -> State<T> {
        (
            vec![T::default(); cols_len],
            vec![T::default(); dcols_len],
            vec![T::default(); if need_w { wlen } else { 0 }],
            vec![T::default(); if need_b { s.oc } else { 0 }],
        )
    };
    let one_sample = |mut st: State<T>, i: usize, dx: Option<&mut [T]>| -> State<T> {
        if poll.stop() {
            return st;
        }
        let (cbuf, dcols, dw, db) = (&mut st.0, &mut st.1, &mut st.2, &mut st.3);
        let gs = &gy[i * per_out..(i + 1) * per_out];
        if need_w {
            let cols = columns(s, &x[i * per_in..(i + 1) * per_in], cbuf);
            for grp in 0..s.groups {
                // dW_g [ocg, kk] += gy_g [ocg, l] @ cols_g^T [l, kk]
                // SAFETY: in-bounds group blocks as in the forward; dw is
                // this task's own accumulator.
                unsafe {
                    T::gemm_raw(
                        ocg,
                        l,
                        kk,
                        gs.as_ptr().add(grp * ocg * l),
                        l as isize,
                        1,
                        cols.as_ptr().add(grp * kk * l),
                        1,
                        l as isize,
                        T::ONE,
                        dw.as_mut_ptr().add(grp * ocg * kk),
                        kk as isize,
                        1,
                    );
                }
            }
        }
        if need_b {
            for (acc, row) in db.iter_mut().zip(gs.chunks(l.max(1))) {
                let mut t = T::default();
                row.iter().for_each(|&v| t += v);
                *acc += t;
            }
        }
        if let Some(dx) = dx {
            for grp in 0..s.groups {
                // dcols_g [kk, l] = W_g^T [kk, ocg] @ gy_g [ocg, l]
                // SAFETY: W_g read transposed (row stride 1, column stride kk).
                unsafe {
                    T::gemm_raw(
                        kk,
                        ocg,
                        l,
                        w.as_ptr().add(grp * ocg * kk),
                        1,
                        kk as isize,
                        gs.as_ptr().add(grp * ocg * l),
                        l as isize,
                        1,
                        T::default(),
                        dcols.as_mut_ptr().add(grp * kk * l),
                        l as isize,
                        1,
                    );
                }
            }
            if s.pointwise() {
                dx.copy_from_slice(&dcols[..per_in]);
            } else {
                dx.iter_mut().for_each(|v| *v = T::default());
                col2im_one(dcols, dx, g);
            }
        }
        st
    };
    let sum = |mut a: State<T>, b: State<T>| -> State<T> {
        a.2.iter_mut().zip(&b.2).for_each(|(p, &q)| *p += q);
        a.3.iter_mut().zip(&b.3).for_each(|(p, &q)| *p += q);
        a
    };
    let mut dx_out = None;
    let st = if need_x {
        let mut dx: Vec<T> = pool::try_filled(g.n * per_in, T::default())?;
        let st = dx
            .par_chunks_mut(per_in.max(1))
            .enumerate()
            .fold(init, |st, (i, d)| one_sample(st, i, Some(d)))
            .reduce(init, sum);
        dx_out = Some(dx);
        st
    } else {
        (0..g.n)
            .into_par_iter()
            .fold(init, |st, i| one_sample(st, i, None))
            .reduce(init, sum)
    };
    poll.finish([dx_out, need_w.then_some(st.2), need_b.then_some(st.3)])
}

fn floats<'a>(op: &'static str, s: &'a CpuStorage) -> Result<&'a CpuStorage> {
    match s {
        CpuStorage::F32(_) | CpuStorage::F64(_) => Ok(s),
        s => Err(Error::Unsupported {
            op,
            dtype: s.dtype(),
            device: crate::Device::Cpu,
        }),
    }
}

/// `conv2d_forward` on storages of one float dtype (contiguous buffers).
pub fn forward(
    x: &CpuStorage,
    w: &CpuStorage,
    bias: Option<&CpuStorage>,
    s: &ConvShape,
) -> Result<CpuStorage> {
    Ok(match (floats("conv2d", x)?, w, bias) {
        (CpuStorage::F32(x), CpuStorage::F32(w), None) => {
            CpuStorage::F32(conv2d_forward(x, w, None, s)?)
        }
        (CpuStorage::F32(x), CpuStorage::F32(w), Some(CpuStorage::F32(b))) => {
            CpuStorage::F32(conv2d_forward(x, w, Some(b), s)?)
        }
        (CpuStorage::F64(x), CpuStorage::F64(w), None) => {
            CpuStorage::F64(conv2d_forward(x, w, None, s)?)
        }
        (CpuStorage::F64(x), CpuStorage::F64(w), Some(CpuStorage::F64(b))) => {
            CpuStorage::F64(conv2d_forward(x, w, Some(b), s)?)
        }
        _ => {
            return Err(Error::invalid(
                "conv2d: input, weight and bias dtypes differ",
            ))
        }
    })
}

/// `conv2d_backward` on storages of one float dtype (contiguous buffers).
pub fn backward(
    x: &CpuStorage,
    w: &CpuStorage,
    gy: &CpuStorage,
    s: &ConvShape,
    need: [bool; 3],
) -> Result<[Option<CpuStorage>; 3]> {
    Ok(match (floats("conv2d_backward", x)?, w, gy) {
        (CpuStorage::F32(x), CpuStorage::F32(w), CpuStorage::F32(gy)) => {
            conv2d_backward(x, w, gy, s, need)?.map(|v| v.map(CpuStorage::F32))
        }
        (CpuStorage::F64(x), CpuStorage::F64(w), CpuStorage::F64(gy)) => {
            conv2d_backward(x, w, gy, s, need)?.map(|v| v.map(CpuStorage::F64))
        }
        _ => {
            return Err(Error::invalid(
                "conv2d_backward: input, weight and gradient dtypes differ",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct convolution by its definition (no unfolding), and its adjoint
    /// by scattering each output's gradient back over the taps it read:
    /// y[i,o,p,q] = b[o] + sum_{c,u,v} W[o,c,u,v] * x[i, grp*cg + c, p*sh-ph+u*dh, q*sw-pw+v*dw].
    #[allow(clippy::type_complexity)]
    fn direct(
        x: &[f64],
        w: &[f64],
        b: &[f64],
        gy: &[f64],
        s: &ConvShape,
    ) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let g = &s.win;
        let (cg, ocg) = (s.cg(), s.ocg());
        let mut y = vec![0.0; g.n * s.oc * g.oh * g.ow];
        let mut dx = vec![0.0; x.len()];
        let mut dw = vec![0.0; w.len()];
        let mut db = vec![0.0; s.oc];
        for i in 0..g.n {
            for o in 0..s.oc {
                let grp = o / ocg;
                for p in 0..g.oh {
                    for q in 0..g.ow {
                        let yi = ((i * s.oc + o) * g.oh + p) * g.ow + q;
                        let mut acc = b[o];
                        db[o] += gy[yi];
                        for c in 0..cg {
                            for u in 0..g.kh {
                                for v in 0..g.kw {
                                    let iy = (p * g.sh + u * g.dh) as isize - g.ph as isize;
                                    let ix = (q * g.sw + v * g.dw) as isize - g.pw as isize;
                                    if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize
                                    {
                                        continue;
                                    }
                                    let ci = grp * cg + c;
                                    let xi =
                                        ((i * g.c + ci) * g.h + iy as usize) * g.w + ix as usize;
                                    let wi = ((o * cg + c) * g.kh + u) * g.kw + v;
                                    acc += w[wi] * x[xi];
                                    dx[xi] += w[wi] * gy[yi];
                                    dw[wi] += x[xi] * gy[yi];
                                }
                            }
                        }
                        y[yi] = acc;
                    }
                }
            }
        }
        (y, dx, dw, db)
    }

    #[allow(clippy::too_many_arguments)]
    fn shape(
        n: usize,
        c: usize,
        hw: (usize, usize),
        oc: usize,
        k: (usize, usize),
        st: usize,
        pd: usize,
        dl: usize,
        groups: usize,
    ) -> ConvShape {
        let o = |len: usize, k: usize| (len + 2 * pd - dl * (k - 1) - 1) / st + 1;
        ConvShape {
            win: Window2d {
                n,
                c,
                h: hw.0,
                w: hw.1,
                kh: k.0,
                kw: k.1,
                sh: st,
                sw: st,
                ph: pd,
                pw: pd,
                dh: dl,
                dw: dl,
                oh: o(hw.0, k.0),
                ow: o(hw.1, k.1),
            },
            groups,
            oc,
        }
    }

    fn data(len: usize, seed: usize) -> Vec<f64> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104729) % 23) as f64 - 11.0) / 8.0)
            .collect()
    }

    fn close(what: &str, a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-9 * (1.0 + y.abs()),
                "{what}[{k}]: {x} vs {y}"
            );
        }
    }

    #[test]
    fn fused_conv_matches_the_direct_definition() {
        // Odd batches (7, 5, 3) split unevenly over rayon tasks, so the
        // per-task weight/bias accumulators are summed across uneven chunks.
        let cases = [
            shape(7, 1, (6, 5), 4, (3, 3), 1, 0, 1, 1), // one input channel (MNIST conv1)
            shape(5, 3, (7, 6), 4, (3, 2), 2, 1, 1, 1), // stride + padding, odd outputs
            shape(3, 2, (9, 8), 3, (3, 3), 1, 2, 2, 1), // dilation
            shape(7, 6, (5, 5), 4, (2, 2), 1, 1, 1, 2), // groups
            shape(3, 4, (5, 6), 8, (3, 3), 2, 1, 1, 4), // depthwise
            shape(5, 6, (4, 3), 4, (1, 1), 1, 0, 1, 2), // pointwise: no unfolding
            shape(1, 2, (3, 3), 2, (3, 3), 1, 0, 1, 1), // a single output pixel
        ];
        for (k, s) in cases.iter().enumerate() {
            let g = &s.win;
            let x = data(g.n * g.c * g.h * g.w, 1 + k);
            let w = data(s.oc * s.kk(), 2 + k);
            let b = data(s.oc, 3 + k);
            let gy = data(g.n * s.oc * s.l(), 4 + k);
            let (y, dx, dw, db) = direct(&x, &w, &b, &gy, s);
            close("y", &conv2d_forward(&x, &w, Some(&b), s).unwrap(), &y);
            let yb: Vec<f64> = conv2d_forward(&x, &w, None, s).unwrap();
            let nob: Vec<f64> = y
                .iter()
                .enumerate()
                .map(|(i, v)| v - b[(i / s.l()) % s.oc])
                .collect();
            close("y without bias", &yb, &nob);
            let [gx, gw, gb] = conv2d_backward(&x, &w, &gy, s, [true, true, true]).unwrap();
            close("dx", &gx.unwrap(), &dx);
            close("dw", &gw.unwrap(), &dw);
            close("db", &gb.unwrap(), &db);
            // Only the weight gradient (the first layer's case): no input gradient.
            let [gx, gw, gb] = conv2d_backward(&x, &w, &gy, s, [false, true, false]).unwrap();
            assert!(gx.is_none() && gb.is_none());
            close("dw alone", &gw.unwrap(), &dw);
        }
    }

    #[test]
    fn reused_column_buffers_hold_no_stale_values() {
        // Each task's column buffer is refilled without zeroing: unfolding
        // into a NaN-filled buffer must give exactly the batch im2col
        // (whose zero padding comes from a fresh zeroed buffer).
        for s in [
            shape(1, 2, (4, 5), 3, (3, 3), 1, 1, 1, 1),
            shape(1, 2, (7, 6), 3, (3, 2), 2, 2, 2, 1),
        ] {
            let x = data(2 * s.win.h * s.win.w, 9);
            let mut buf = vec![f64::NAN; col_len(&s)];
            im2col_one(&x, &mut buf, &s.win);
            let CpuStorage::F64(want) =
                super::super::conv::im2col(&CpuStorage::F64(x.clone()), &s.win).unwrap()
            else {
                unreachable!()
            };
            assert_eq!(buf, want);
        }
    }
}
