//! Batched, strided matrix multiply on the CPU. f32/f64 go through
//! `matrixmultiply` (its AVX2/AVX-512 microkernels read any row/column
//! stride, so transposed views need no copy); half types compute in f32;
//! integers use a plain loop. Work is split over rayon only above ~10 MFLOP,
//! where it pays: by batch when there are several matrices, else by rows of C.

use half::{bf16, f16};
use rayon::prelude::*;

use super::iter::{map_row, Plan};
use super::reduce::split_layout;
use super::{cast_one, CpuStorage, IntoStorage};
use crate::dtype::Element;
use crate::{Error, Layout, Result};

/// Below this many multiply-adds a matmul stays on one thread.
const PAR_FLOPS: usize = 5_000_000;

/// Shape and strides of one side of a batched matmul.
struct Side {
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    batch_offsets: Vec<usize>,
}

fn side(l: &Layout) -> Side {
    let n = l.ndim();
    let batch_dims: Vec<usize> = (n - 2..n).collect();
    let (batch, _) = split_layout(l, &batch_dims);
    Side {
        rows: l.shape()[n - 2],
        cols: l.shape()[n - 1],
        rs: l.strides()[n - 2] as isize,
        cs: l.strides()[n - 1] as isize,
        batch_offsets: batch.offsets(),
    }
}

/// The float element types `matrixmultiply` multiplies natively.
pub(super) trait Gemm: Copy + Send + Sync + Default + 'static {
    /// The multiplicative identity (`beta` to accumulate into C).
    const ONE: Self;

    /// C (m x n, strides `rsc`/`csc`) = A (m x k) * B (k x n) + beta * C.
    /// With `beta == 0` C is only written, so it may be uninitialised.
    ///
    /// # Safety
    /// `a`, `b` and `c` must address every element their strides reach, and
    /// `c` must not alias `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );

    /// C (m x n, row-major, contiguous) = A (m x k) * B (k x n).
    ///
    /// # Safety
    /// `a` and `b` must address every element their strides reach.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        c: &mut [Self],
    ) {
        debug_assert!(c.len() >= m * n);
        // SAFETY: caller guarantees a/b bounds; c has m*n elements.
        unsafe {
            Self::gemm_raw(
                m,
                k,
                n,
                a,
                rsa,
                csa,
                b,
                rsb,
                csb,
                Self::default(),
                c.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    }
}

macro_rules! gemm_impl {
    ($t:ty, $f:path) => {
        impl Gemm for $t {
            const ONE: $t = 1.0;

            unsafe fn gemm_raw(
                m: usize,
                k: usize,
                n: usize,
                a: *const $t,
                rsa: isize,
                csa: isize,
                b: *const $t,
                rsb: isize,
                csb: isize,
                beta: $t,
                c: *mut $t,
                rsc: isize,
                csc: isize,
            ) {
                // SAFETY: forwarded from the caller's contract.
                unsafe { $f(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
            }
        }
    };
}
gemm_impl!(f32, matrixmultiply::sgemm);
gemm_impl!(f64, matrixmultiply::dgemm);

fn float_matmul<T: Gemm>(a: &[T], al: &Layout, b: &[T], bl: &Layout) -> Vec<T> {
    let (sa, sb) = (side(al), side(bl));
    let (m, k, n) = (sa.rows, sa.cols, sb.cols);
    let batches = sa.batch_offsets.len();
    let mut c = vec![T::default(); batches * m * n];
    if m == 0 || n == 0 {
        return c;
    }
    let one = |bi: usize, row0: usize, cc: &mut [T]| {
        let rows = cc.len() / n;
        if k == 0 {
            return; // C stays zero
        }
        // SAFETY: offsets come from layouts that fit their storages (checked
        // by the ops layer); `row0 + rows <= m`.
        unsafe {
            let ap = a
                .as_ptr()
                .add(sa.batch_offsets[bi])
                .offset(row0 as isize * sa.rs);
            let bp = b.as_ptr().add(sb.batch_offsets[bi]);
            T::gemm(rows, k, n, ap, sa.rs, sa.cs, bp, sb.rs, sb.cs, cc);
        }
    };
    let flops = batches * m * n * k;
    if flops < PAR_FLOPS {
        for (bi, cc) in c.chunks_mut(m * n).enumerate() {
            one(bi, 0, cc);
        }
    } else if batches >= rayon::current_num_threads() {
        c.par_chunks_mut(m * n)
            .enumerate()
            .for_each(|(bi, cc)| one(bi, 0, cc));
    } else {
        let threads = rayon::current_num_threads().max(1);
        let rows_per = m.div_ceil(threads).max(1);
        for (bi, cb) in c.chunks_mut(m * n).enumerate() {
            cb.par_chunks_mut(rows_per * n)
                .enumerate()
                .for_each(|(t, cc)| one(bi, t * rows_per, cc));
        }
    }
    c
}

fn int_matmul<T: Element>(a: &[T], al: &Layout, b: &[T], bl: &Layout) -> Vec<T> {
    let (sa, sb) = (side(al), side(bl));
    let (m, k, n) = (sa.rows, sa.cols, sb.cols);
    let mut c = Vec::with_capacity(sa.batch_offsets.len() * m * n);
    for (&oa, &ob) in sa.batch_offsets.iter().zip(&sb.batch_offsets) {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0i64;
                for p in 0..k {
                    let x = a[(oa as isize + i as isize * sa.rs + p as isize * sa.cs) as usize]
                        .to_f64() as i64;
                    let y = b[(ob as isize + p as isize * sb.rs + j as isize * sb.cs) as usize]
                        .to_f64() as i64;
                    acc = acc.wrapping_add(x.wrapping_mul(y));
                }
                c.push(T::from_f64(acc as f64));
            }
        }
    }
    c
}

fn via_f32<T: IntoStorage>(a: &[T], al: &Layout, b: &[T], bl: &Layout) -> CpuStorage {
    let x: Vec<f32> =
        Plan::new([al]).collect(|[o], [s], out| map_row(a, o, s, out, |v| v.to_f32()));
    let y: Vec<f32> =
        Plan::new([bl]).collect(|[o], [s], out| map_row(b, o, s, out, |v| v.to_f32()));
    let c = float_matmul(
        &x,
        &Layout::contiguous(al.shape()),
        &y,
        &Layout::contiguous(bl.shape()),
    );
    T::into_storage(c.into_iter().map(cast_one::<f32, T>).collect())
}

/// `a @ b` for layouts `[batch..., m, k]` and `[batch..., k, n]` with equal
/// (already broadcast) batch dims; returns a contiguous `[batch..., m, n]`.
pub fn matmul(a: &CpuStorage, al: &Layout, b: &CpuStorage, bl: &Layout) -> Result<CpuStorage> {
    Ok(match (a, b) {
        (CpuStorage::F32(x), CpuStorage::F32(y)) => CpuStorage::F32(float_matmul(x, al, y, bl)),
        (CpuStorage::F64(x), CpuStorage::F64(y)) => CpuStorage::F64(float_matmul(x, al, y, bl)),
        (CpuStorage::F16(x), CpuStorage::F16(y)) => via_f32::<f16>(x, al, y, bl),
        (CpuStorage::BF16(x), CpuStorage::BF16(y)) => via_f32::<bf16>(x, al, y, bl),
        (CpuStorage::I64(x), CpuStorage::I64(y)) => CpuStorage::I64(int_matmul(x, al, y, bl)),
        (CpuStorage::I32(x), CpuStorage::I32(y)) => CpuStorage::I32(int_matmul(x, al, y, bl)),
        _ => {
            return Err(Error::invalid(format!(
                "\"matmul\" not implemented for '{}'",
                a.dtype().name()
            )))
        }
    })
}

impl<T: IntoStorage> From<Vec<T>> for CpuStorage {
    fn from(v: Vec<T>) -> Self {
        T::into_storage(v)
    }
}
