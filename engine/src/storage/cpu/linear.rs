//! `y = x W^T (+ b)` on the CPU for a float32 input and a row-major weight
//! `[n, k]` stored as float32, float16 or bfloat16, accumulating in
//! float32 without ever materialising a converted copy of the weight.
//!
//! Two regimes. Few input rows (decoding, `m <= GEMV_ROWS`): each weight
//! row is streamed once and dotted with every input row while it is in
//! registers; the loop is memory-bound, so it reads the half types at half
//! the bytes. AVX2/FMA (F16C for float16) kernels are chosen at run time;
//! other CPUs get the portable loop. Many rows (a prompt): blocks of
//! `GEMM_COLS` weight rows are widened into a per-thread float32 buffer
//! (float32 rows are read in place) and multiplied by `matrixmultiply`'s
//! sgemm, straight into the output's columns, the blocks spread over rayon.

use half::{bf16, f16};
use rayon::prelude::*;

use super::matmul::Gemm;

/// Input rows up to which the streaming dot-product kernel runs.
pub const GEMV_ROWS: usize = 8;
/// Weight rows per sgemm block (the input is repacked once per block, so
/// wide blocks keep that repacking negligible).
const GEMM_COLS: usize = 128;
/// Below this many weight elements the GEMV stays on one thread.
const PAR_WEIGHTS: usize = 1 << 16;

/// A weight element: widened to f32 one at a time, or eight at a time.
pub trait WeightElem: Copy + Send + Sync + 'static {
    fn widen(self) -> f32;
    /// The weights themselves when they are already float32 (no widening copy).
    fn as_f32(_w: &[Self]) -> Option<&[f32]> {
        None
    }
    /// # Safety
    /// `p` must address 8 readable elements; the CPU must have AVX2, FMA and F16C.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load8(p: *const Self) -> std::arch::x86_64::__m256;
}

impl WeightElem for f32 {
    #[inline(always)]
    fn widen(self) -> f32 {
        self
    }
    fn as_f32(w: &[Self]) -> Option<&[f32]> {
        Some(w)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load8(p: *const Self) -> std::arch::x86_64::__m256 {
        // SAFETY: the caller guarantees 8 readable floats.
        unsafe { std::arch::x86_64::_mm256_loadu_ps(p) }
    }
}

impl WeightElem for bf16 {
    #[inline(always)]
    fn widen(self) -> f32 {
        self.to_f32()
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load8(p: *const Self) -> std::arch::x86_64::__m256 {
        use std::arch::x86_64::*;
        // bfloat16 is the high half of a float32: zero-extend, shift left 16
        // SAFETY: the caller guarantees 8 readable elements and AVX2.
        unsafe {
            let h = _mm_loadu_si128(p as *const __m128i);
            _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16))
        }
    }
}

impl WeightElem for f16 {
    #[inline(always)]
    fn widen(self) -> f32 {
        self.to_f32()
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load8(p: *const Self) -> std::arch::x86_64::__m256 {
        use std::arch::x86_64::*;
        // SAFETY: the caller guarantees 8 readable elements and F16C.
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p as *const __m128i)) }
    }
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("f16c")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `out[i] = x_i . w` for the `R` rows of `xs` (each `k` long).
#[inline(always)]
fn dots_portable<W: WeightElem, const R: usize>(xs: &[&[f32]; R], w: &[W], out: &mut [f32; R]) {
    const L: usize = 8;
    let k = w.len();
    let mut acc = [[0f32; L]; R];
    let mut p = 0;
    while p + L <= k {
        let mut wv = [0f32; L];
        for l in 0..L {
            wv[l] = w[p + l].widen();
        }
        for r in 0..R {
            for l in 0..L {
                acc[r][l] += xs[r][p + l] * wv[l];
            }
        }
        p += L;
    }
    for r in 0..R {
        let mut s: f32 = acc[r].iter().sum();
        for q in p..k {
            s += xs[r][q] * w[q].widen();
        }
        out[r] = s;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn dots_avx2<W: WeightElem, const R: usize>(xs: &[&[f32]; R], w: &[W], out: &mut [f32; R]) {
    use std::arch::x86_64::*;
    let k = w.len();
    // two accumulators per row hide the FMA latency
    let mut a0 = [_mm256_setzero_ps(); R];
    let mut a1 = [_mm256_setzero_ps(); R];
    let mut p = 0;
    // SAFETY: every load reads 8 elements at p or p+8 with p + 16 <= k (or
    // p + 8 <= k below), inside `w` and each `xs[r]` (all `k` long).
    unsafe {
        while p + 16 <= k {
            let w0 = W::load8(w.as_ptr().add(p));
            let w1 = W::load8(w.as_ptr().add(p + 8));
            for r in 0..R {
                let x = xs[r].as_ptr().add(p);
                a0[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x), w0, a0[r]);
                a1[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x.add(8)), w1, a1[r]);
            }
            p += 16;
        }
        if p + 8 <= k {
            let w0 = W::load8(w.as_ptr().add(p));
            for r in 0..R {
                a0[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xs[r].as_ptr().add(p)), w0, a0[r]);
            }
            p += 8;
        }
    }
    for r in 0..R {
        let v = _mm256_add_ps(a0[r], a1[r]);
        let mut lanes = [0f32; 8];
        // SAFETY: `lanes` holds 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), v) };
        let mut s: f32 = lanes.iter().sum();
        for q in p..k {
            s += xs[r][q] * w[q].widen();
        }
        out[r] = s;
    }
}

/// `R` input rows against every weight row of `w` (`[rows, k]`): writes
/// `out[j * m + i]` (the transposed output) for the rows in `rows_x`.
fn gemv_block<W: WeightElem, const R: usize>(
    xs: &[&[f32]; R],
    w: &[W],
    k: usize,
    out_t: &mut [f32],
    m: usize,
    i0: usize,
    avx2: bool,
) {
    let mut d = [0f32; R];
    for (j, row) in w.chunks_exact(k).enumerate() {
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: `avx2` is true only where the CPU has AVX2, FMA, F16C.
            unsafe { dots_avx2::<W, R>(xs, row, &mut d) }
        } else {
            dots_portable::<W, R>(xs, row, &mut d)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = avx2;
            dots_portable::<W, R>(xs, row, &mut d)
        }
        out_t[j * m + i0..j * m + i0 + R].copy_from_slice(&d);
    }
}

/// The streaming kernel: `y[m, n]` for `m <= GEMV_ROWS`.
fn gemv<W: WeightElem>(x: &[f32], m: usize, k: usize, w: &[W], n: usize) -> Vec<f32> {
    let avx2 = has_avx2();
    let mut out_t = vec![0f32; n * m];
    let run = |w: &[W], out: &mut [f32]| {
        let mut i = 0;
        while i < m {
            let row = |r: usize| &x[(i + r) * k..(i + r + 1) * k];
            // groups of up to 4 rows share each weight load
            match m - i {
                1 => gemv_block::<W, 1>(&[row(0)], w, k, out, m, i, avx2),
                2 => gemv_block::<W, 2>(&[row(0), row(1)], w, k, out, m, i, avx2),
                3 => gemv_block::<W, 3>(&[row(0), row(1), row(2)], w, k, out, m, i, avx2),
                _ => gemv_block::<W, 4>(&[row(0), row(1), row(2), row(3)], w, k, out, m, i, avx2),
            }
            i += (m - i).min(4);
        }
    };
    if n * k < PAR_WEIGHTS || n == 0 || k == 0 {
        if k > 0 {
            run(w, &mut out_t);
        }
    } else {
        // ~4 pieces per thread balance uneven cores without tiny tasks
        let pieces = rayon::current_num_threads().max(1) * 4;
        let rows = n.div_ceil(pieces).max(1);
        w.par_chunks(rows * k)
            .zip(out_t.par_chunks_mut(rows * m))
            .for_each(|(wb, ob)| run(wb, ob));
    }
    if m == 1 {
        return out_t;
    }
    let mut y = vec![0f32; m * n];
    for j in 0..n {
        for i in 0..m {
            y[i * n + j] = out_t[j * m + i];
        }
    }
    y
}

/// A raw output pointer shared by the column blocks, which write disjoint columns.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: each block writes only its own columns of the output.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

impl OutPtr {
    /// Used through a method so closures capture the wrapper, not the raw pointer.
    fn at(self, j: usize) -> *mut f32 {
        self.0.wrapping_add(j)
    }
}

/// The blocked kernel: weight rows widened block by block, then sgemm.
fn gemm<W: WeightElem>(x: &[f32], m: usize, k: usize, w: &[W], n: usize) -> Vec<f32> {
    let mut y = vec![0f32; m * n];
    if m == 0 || n == 0 || k == 0 {
        return y;
    }
    let out = OutPtr(y.as_mut_ptr());
    let blocks = n.div_ceil(GEMM_COLS);
    (0..blocks)
        .into_par_iter()
        .for_each_init(Vec::<f32>::new, |buf, b| {
            let j0 = b * GEMM_COLS;
            let cols = GEMM_COLS.min(n - j0);
            let src = &w[j0 * k..(j0 + cols) * k];
            let wb: &[f32] = match W::as_f32(src) {
                Some(f) => f,
                None => {
                    buf.clear();
                    buf.extend(src.iter().map(|v| v.widen()));
                    buf
                }
            };
            // SAFETY: x is m x k row-major; wb is cols x k row-major, read as
            // B = wb^T (k x cols: row stride 1, column stride k); C is the
            // column block [j0, j0 + cols) of the m x n row-major output,
            // written by this block only.
            unsafe {
                <f32 as Gemm>::gemm_raw(
                    m,
                    k,
                    cols,
                    x.as_ptr(),
                    k as isize,
                    1,
                    wb.as_ptr(),
                    1,
                    k as isize,
                    0.0,
                    out.at(j0),
                    n as isize,
                    1,
                )
            }
        });
    y
}

/// `x [m, k] @ w[n, k]^T + bias` (all contiguous, row-major).
pub fn linear<W: WeightElem>(
    x: &[f32],
    m: usize,
    k: usize,
    w: &[W],
    n: usize,
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let mut y = if m <= GEMV_ROWS {
        gemv(x, m, k, w, n)
    } else {
        gemm(x, m, k, w, n)
    };
    if let Some(b) = bias {
        for row in y.chunks_exact_mut(n.max(1)) {
            for (v, bb) in row.iter_mut().zip(b) {
                *v += bb;
            }
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: the definition, in f64.
    fn naive(x: &[f32], m: usize, k: usize, w: &[f32], n: usize) -> Vec<f64> {
        let mut y = vec![0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                y[i * n + j] = (0..k)
                    .map(|p| x[i * k + p] as f64 * w[j * k + p] as f64)
                    .sum();
            }
        }
        y
    }

    fn vals(n: usize, salt: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 7919 + salt * 31) % 211) as f32 / 211.0 - 0.5) * 2.0)
            .collect()
    }

    #[test]
    fn both_regimes_all_weight_types_match_the_definition() {
        // odd k exercises the 16-, 8- and scalar tails; n*k above the
        // parallel threshold in the last case
        for (m, k, n) in [
            (1, 37, 5),
            (3, 64, 9),
            (5, 23, 4),
            (9, 77, 130),
            (2, 600, 300),
        ] {
            let x = vals(m * k, 1);
            let wf = vals(n * k, 2);
            // weights rounded to bf16/f16 first, so all three share one reference
            let wb: Vec<bf16> = wf.iter().map(|&v| bf16::from_f32(v)).collect();
            let wr: Vec<f32> = wb.iter().map(|v| v.to_f32()).collect();
            let want = naive(&x, m, k, &wr, n);
            let wh: Vec<f16> = wr.iter().map(|&v| f16::from_f32(v)).collect();
            for got in [
                linear(&x, m, k, &wr, n, None),
                linear(&x, m, k, &wb, n, None),
                linear(&x, m, k, &wh, n, None),
            ] {
                for (a, b) in got.iter().zip(&want) {
                    assert!(
                        (*a as f64 - b).abs() < 1e-4 * (1.0 + b.abs()),
                        "{m}x{k}x{n}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
