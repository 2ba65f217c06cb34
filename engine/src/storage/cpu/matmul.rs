//! Batched, strided matrix multiply on the CPU. f32/f64 go through
//! `matrixmultiply` (its AVX2/AVX-512 microkernels read any row/column
//! stride, so transposed views need no copy); half types compute in f32;
//! integers use a plain loop. Work is split over rayon only above ~10 MFLOP,
//! where it pays, into tiles of C of at most ~4 GFLOP each (a whole matrix
//! when it is small, else row blocks times 1024-column panels, the panel
//! width of matrixmultiply's own blocking). A tile is tens of
//! milliseconds of one core, so an interrupt request (polled before each
//! tile) stops even a 4096-square product within about that long.

use half::{bf16, f16};
use rayon::prelude::*;

use super::iter::{map_row, Plan};
use super::reduce::split_layout;
use super::{cast_one, pool, CpuStorage, IntoStorage};
use crate::dtype::Element;
use crate::interrupt::Poll;
use crate::{Error, Layout, Result};

/// Below this many multiply-adds (about 100 us on one core) a matmul stays
/// on one thread: waking the pool's sleeping workers costs as much as a
/// second core saves there (measured on the MLP loop in lang/benches).
const PAR_FLOPS: usize = 16_000_000;
/// Multiply-adds in one parallel tile (~4 GFLOP: 50-80 ms on one core of
/// the development machine). Smaller tiles stop sooner on an interrupt but
/// repack B more often (1 << 30 cost ~5% on a 4096-square product).
const TILE_FLOPS: usize = 1 << 31;
/// Column panel of a tile of a wide C (matrixmultiply's NC for f32).
const TILE_COLS: usize = 1024;

/// Shape and strides of one side of a batched matmul.
struct Side {
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    batch_offsets: Vec<usize>,
}

fn side(l: &Layout) -> Result<Side> {
    let n = l.ndim();
    let batch_dims: Vec<usize> = (n - 2..n).collect();
    let (batch, _) = split_layout(l, &batch_dims);
    Ok(Side {
        rows: l.shape()[n - 2],
        cols: l.shape()[n - 1],
        rs: l.strides()[n - 2] as isize,
        cs: l.strides()[n - 1] as isize,
        batch_offsets: batch.try_offsets()?,
    })
}

/// Elements of the `[batches, m, n]` output, or the allocation error.
fn out_len<T>(batches: usize, m: usize, n: usize) -> Result<usize> {
    batches
        .checked_mul(m)
        .and_then(|x| x.checked_mul(n))
        .ok_or_else(|| pool::oom(usize::MAX, std::mem::size_of::<T>()))
}

/// C's base pointer, shared by the tasks that write disjoint tiles of it.
#[derive(Clone, Copy)]
struct CPtr<T>(*mut T);
// SAFETY: each task writes only its own tile (disjoint rows x columns).
unsafe impl<T> Send for CPtr<T> {}
unsafe impl<T> Sync for CPtr<T> {}

impl<T> CPtr<T> {
    /// The pointer (a method, so closures capture the whole Sync wrapper).
    fn get(self) -> *mut T {
        self.0
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

fn float_matmul<T: Gemm>(a: &[T], al: &Layout, b: &[T], bl: &Layout) -> Result<Vec<T>> {
    let (sa, sb) = (side(al)?, side(bl)?);
    let (m, k, n) = (sa.rows, sa.cols, sb.cols);
    let batches = sa.batch_offsets.len();
    let len = out_len::<T>(batches, m, n)?;
    if m == 0 || n == 0 || k == 0 {
        return pool::try_filled(len, T::default()); // (k == 0: C is zero)
    }
    // C is written, never read (beta = 0), so it starts uninitialised; its
    // length is set once every tile has been written.
    let mut c: Vec<T> = pool::try_alloc(len)?;
    // C[bi][r0.., c0..] (rows x cols) = A[bi][r0.., :] @ B[bi][:, c0..].
    let cp = CPtr(c.as_mut_ptr());
    let tile = |bi: usize, r0: usize, rows: usize, c0: usize, cols: usize| {
        // SAFETY: offsets come from layouts that fit their storages
        // (checked by the ops layer); `r0 + rows <= m`, `c0 + cols <= n`;
        // the tile of C is written by this call only.
        unsafe {
            let ap = a
                .as_ptr()
                .add(sa.batch_offsets[bi])
                .offset(r0 as isize * sa.rs);
            let bp = b
                .as_ptr()
                .add(sb.batch_offsets[bi])
                .offset(c0 as isize * sb.cs);
            let cc = cp.get().add(bi * m * n + r0 * n + c0);
            T::gemm_raw(
                rows,
                k,
                cols,
                ap,
                sa.rs,
                sa.cs,
                bp,
                sb.rs,
                sb.cs,
                T::default(),
                cc,
                n as isize,
                1,
            );
        }
    };
    let poll = Poll::new();
    let flops = batches
        .saturating_mul(m)
        .saturating_mul(n)
        .saturating_mul(k);
    if flops < PAR_FLOPS {
        for bi in 0..batches {
            tile(bi, 0, m, 0, n);
        }
        // SAFETY: the tiles covered all `len` elements of C.
        unsafe { c.set_len(len) };
        return Ok(c);
    }
    // Tiles: whole matrices when they are small, else column panels of
    // TILE_COLS and as many rows as keep a tile near TILE_FLOPS; at least
    // one tile per thread.
    let threads = rayon::current_num_threads().max(1);
    let nb = if n > TILE_COLS + TILE_COLS / 2 {
        TILE_COLS
    } else {
        n
    };
    let mut mb = (TILE_FLOPS / k.saturating_mul(nb).max(1)).clamp(16, m.max(16));
    let col_tiles = n.div_ceil(nb);
    if batches * m.div_ceil(mb) * col_tiles < threads {
        mb = m.div_ceil(threads.div_ceil(batches * col_tiles)).max(1);
    }
    let mb = mb.min(m);
    let row_tiles = m.div_ceil(mb);
    let per_batch = row_tiles * col_tiles;
    (0..batches * per_batch).into_par_iter().for_each(|t| {
        if poll.stop() {
            return;
        }
        let (bi, rest) = (t / per_batch, t % per_batch);
        let (r0, c0) = ((rest / col_tiles) * mb, (rest % col_tiles) * nb);
        tile(bi, r0, mb.min(m - r0), c0, nb.min(n - c0));
    });
    // An interrupted run skipped tiles: C is dropped with length 0.
    let mut c = poll.finish(c)?;
    // SAFETY: no tile was skipped; the tiles partition all `len` elements.
    unsafe { c.set_len(len) };
    Ok(c)
}

fn int_matmul<T: Element>(a: &[T], al: &Layout, b: &[T], bl: &Layout) -> Result<Vec<T>> {
    let (sa, sb) = (side(al)?, side(bl)?);
    let (m, k, n) = (sa.rows, sa.cols, sb.cols);
    let mut c = pool::try_alloc(out_len::<T>(sa.batch_offsets.len(), m, n)?)?;
    for (&oa, &ob) in sa.batch_offsets.iter().zip(&sb.batch_offsets) {
        for i in 0..m {
            crate::interrupt::check()?;
            for j in 0..n {
                let mut acc = 0i64;
                for p in 0..k {
                    let x = a[(oa as isize + i as isize * sa.rs + p as isize * sa.cs) as usize]
                        .exact_i64()
                        .unwrap_or(0);
                    let y = b[(ob as isize + p as isize * sb.rs + j as isize * sb.cs) as usize]
                        .exact_i64()
                        .unwrap_or(0);
                    acc = acc.wrapping_add(x.wrapping_mul(y));
                }
                c.push(T::from_i64(acc));
            }
        }
    }
    Ok(c)
}

fn via_f32<T: IntoStorage>(a: &[T], al: &Layout, b: &[T], bl: &Layout) -> Result<CpuStorage> {
    let x: Vec<f32> =
        Plan::new([al]).try_collect(|[o], [s], out| map_row(a, o, s, out, |v| v.to_f32()))?;
    let y: Vec<f32> =
        Plan::new([bl]).try_collect(|[o], [s], out| map_row(b, o, s, out, |v| v.to_f32()))?;
    let c = float_matmul(
        &x,
        &Layout::contiguous(al.shape()),
        &y,
        &Layout::contiguous(bl.shape()),
    )?;
    let mut out = pool::try_alloc(c.len())?;
    out.extend(c.into_iter().map(cast_one::<f32, T>));
    Ok(T::into_storage(out))
}

/// `a @ b` for layouts `[batch..., m, k]` and `[batch..., k, n]` with equal
/// (already broadcast) batch dims; returns a contiguous `[batch..., m, n]`.
pub fn matmul(a: &CpuStorage, al: &Layout, b: &CpuStorage, bl: &Layout) -> Result<CpuStorage> {
    Ok(match (a, b) {
        (CpuStorage::F32(x), CpuStorage::F32(y)) => CpuStorage::F32(float_matmul(x, al, y, bl)?),
        (CpuStorage::F64(x), CpuStorage::F64(y)) => CpuStorage::F64(float_matmul(x, al, y, bl)?),
        (CpuStorage::F16(x), CpuStorage::F16(y)) => via_f32::<f16>(x, al, y, bl)?,
        (CpuStorage::BF16(x), CpuStorage::BF16(y)) => via_f32::<bf16>(x, al, y, bl)?,
        (CpuStorage::I64(x), CpuStorage::I64(y)) => CpuStorage::I64(int_matmul(x, al, y, bl)?),
        (CpuStorage::I32(x), CpuStorage::I32(y)) => CpuStorage::I32(int_matmul(x, al, y, bl)?),
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
