//! The three Box-Muller kernels PyTorch's CPU `normal_` chooses between.
//!
//! * **Pairwise** (`at::normal_distribution<double>`): any dtype with fewer than 16 elements or a
//!   non-contiguous layout. Two 53-bit uniforms `u1, u2` give `r = sqrt(-2 log1p(-u2))`,
//!   `theta = 2 pi u1`; `r cos(theta)` is returned and `r sin(theta)` cached in the generator
//!   for the next call, so consecutive small `randn` calls share pairs. That kernel lives on
//!   [`Generator`](super::Generator) because it touches the cache.
//! * **Blocked, libm** (`normal_fill`): 16 or more contiguous elements. All `n` uniforms are
//!   drawn first, then each block of 16 pairs element `j` (`u1 = 1 - data[j]`) with `j + 8`
//!   (`u2`); `log`, `cos` and `sin` are the C library's, in the element type. When `n % 16 != 0`
//!   the last 16 slots are refilled with fresh uniforms and transformed again, overwriting
//!   normals already written there. The cache is neither read nor written.
//! * **Blocked, AVX2** (`normal_fill_AVX2`): float32 with 16 or more contiguous elements on a
//!   PyTorch build dispatching to its AVX2 kernels. Same draws, but `log` and `sincos` are
//!   Pommier's cephes-derived polynomials (`avx_mathfun.h`), emulated here lane by lane in `f32`.
//!   GCC contracted many of the header's separate multiplies and adds into fused multiply-adds
//!   (`-ffp-contract=fast` with `-mfma`); which ones was read off the disassembly of torch
//!   2.15's `libtorch_cpu.so` AVX2 `normal_kernel`, and each `mul_add` below stands for one
//!   `vfmadd`/`vfnmadd`/`vfmsub` there.
//!
//! The final `* std + mean` is fused in every kernel too: explicitly in the AVX2 one, by GCC's
//! contraction in the others (PyTorch's x86 builds without AVX2, never a fused multiply-add,
//! would differ in the last bit when `std != 1` or `mean != 0`).
//!
//! Owns only arithmetic on slices of uniforms; drawing them is the caller's job.

/// `(float)(2.0f * c10::pi<double>)`: the AVX2 kernel's `2 pi`, computed in double then rounded.
const TWO_PI_F32: f32 = (2.0 * std::f64::consts::PI) as f32;

/// The libm transform for `f64` (`normal_fill_16<double>`), in place on each whole block of 16
/// uniforms in `data`.
pub(crate) fn blocks_f64(data: &mut [f64], mean: f64, std: f64) {
    for block in data.chunks_exact_mut(16) {
        let (first, second) = block.split_at_mut(8);
        for (a, b) in first.iter_mut().zip(second) {
            let radius = (-2.0 * (1.0 - *a).ln()).sqrt();
            let theta = 2.0 * std::f64::consts::PI * *b;
            *a = (radius * theta.cos()).mul_add(std, mean);
            *b = (radius * theta.sin()).mul_add(std, mean);
        }
    }
}

/// The libm transform for `f32` (`normal_fill_16<float>`), on each whole block of 16: what
/// PyTorch runs for float32 without its AVX2 dispatch (ARM, a `default` capability).
/// `theta` is formed in double (`2.0f * pi<double> * u2`) and rounded to float.
pub(crate) fn blocks_f32_libm(data: &mut [f32], mean: f32, std: f32) {
    for block in data.chunks_exact_mut(16) {
        let (first, second) = block.split_at_mut(8);
        for (a, b) in first.iter_mut().zip(second) {
            let radius = (-2.0 * (1.0 - *a).ln()).sqrt();
            let theta = (2.0 * std::f64::consts::PI * f64::from(*b)) as f32;
            *a = (radius * theta.cos()).mul_add(std, mean);
            *b = (radius * theta.sin()).mul_add(std, mean);
        }
    }
}

/// The AVX2 transform (`normal_fill_16_AVX2`) on each whole block of 16. Where the CPU has FMA
/// the loop is compiled with it, so `mul_add` is one instruction instead of a libm call; the
/// results are identical either way.
pub(crate) fn blocks_f32_avx2(data: &mut [f32], mean: f32, std: f32) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("fma") {
        // SAFETY: the FMA extension was detected on this CPU just above.
        unsafe { blocks_f32_avx2_fma(data, mean, std) };
        return;
    }
    blocks_f32_avx2_portable(data, mean, std);
}

/// # Safety
/// The CPU must support FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn blocks_f32_avx2_fma(data: &mut [f32], mean: f32, std: f32) {
    blocks_f32_avx2_portable(data, mean, std);
}

#[inline(always)]
fn blocks_f32_avx2_portable(data: &mut [f32], mean: f32, std: f32) {
    for block in data.chunks_exact_mut(16) {
        let (first, second) = block.split_at_mut(8);
        for (a, b) in first.iter_mut().zip(second) {
            let radius = (-2.0 * cephes_log(1.0 - *a)).sqrt();
            let (sin, cos) = cephes_sincos(TWO_PI_F32 * *b);
            // `_mm256_fmadd_ps(n, std, mean)`: one rounding.
            *a = (radius * cos).mul_add(std, mean);
            *b = (radius * sin).mul_add(std, mean);
        }
    }
}

/// A C `float` constant initialised from a `double` literal: decimal to double to float.
const fn c_float(x: f64) -> f32 {
    x as f32
}

/// `log256_ps` for one lane, valid for the positive normal inputs `1 - u` takes: split off
/// the exponent, fold the mantissa into `[sqrt(1/2), sqrt(2))`, then cephes' degree-9 polynomial.
// The constants are avx_mathfun.h's literals, digits and all, so their provenance is checkable.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
#[inline(always)]
fn cephes_log(x: f32) -> f32 {
    const SQRTHF: f32 = c_float(0.707106781186547524);
    const P: [f32; 9] = [
        c_float(7.0376836292E-2),
        c_float(-1.1514610310E-1),
        c_float(1.1676998740E-1),
        c_float(-1.2420140846E-1),
        c_float(1.4249322787E-1),
        c_float(-1.6668057665E-1),
        c_float(2.0000714765E-1),
        c_float(-2.4999993993E-1),
        c_float(3.3333331174E-1),
    ];
    const Q1: f32 = c_float(-2.12194440e-4);
    const Q2: f32 = c_float(0.693359375);

    // Flush subnormals to the smallest normal, as `_mm256_max_ps` does.
    let x = x.max(f32::MIN_POSITIVE);
    let bits = x.to_bits();
    let mut e = ((bits >> 23) as i32 - 0x7f) as f32 + 1.0;
    let mut x = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let below = x < SQRTHF;
    let tmp = if below { x } else { 0.0 };
    x -= 1.0;
    e -= if below { 1.0 } else { 0.0 };
    x += tmp;
    let z = x * x;
    let mut y = P[0];
    for &p in &P[1..] {
        y = y.mul_add(x, p);
    }
    let y = (y * x).mul_add(z, e * Q1);
    let y = (-z).mul_add(0.5, y);
    e.mul_add(Q2, x + y)
}

/// `sincos256_ps` for one lane, valid for the non-negative arguments `2 pi u` takes: reduce by
/// multiples of `pi/4` in three parts (cephes' DP1..DP3), evaluate both polynomials, pick and
/// sign by octant. Returns `(sin, cos)`.
#[allow(clippy::excessive_precision)]
#[inline(always)]
fn cephes_sincos(x: f32) -> (f32, f32) {
    const FOPI: f32 = c_float(1.27323954473516);
    const DP1: f32 = c_float(-0.78515625);
    const DP2: f32 = c_float(-2.4187564849853515625e-4);
    const DP3: f32 = c_float(-3.77489497744594108e-8);
    const SIN_P: [f32; 3] = [
        c_float(-1.9515295891E-4),
        c_float(8.3321608736E-3),
        c_float(-1.6666654611E-1),
    ];
    const COS_P: [f32; 3] = [
        c_float(2.443315711809948E-005),
        c_float(-1.388731625493765E-003),
        c_float(4.166664568298827E-002),
    ];
    const SIGN: u32 = 0x8000_0000;

    let sign_in = x.to_bits() & SIGN;
    let mut x = x.abs();
    // `_mm256_cvttps_epi32` truncates; out of range gives i32::MIN, which `as` would saturate,
    // but the arguments here stay below 2 pi * 4 / pi = 8.
    let mut octant = (x * FOPI) as i32;
    octant = (octant.wrapping_add(1)) & !1;
    let y = octant as f32;
    let swap_sign_sin = ((octant & 4) as u32) << 29;
    let use_sin_poly = (octant & 2) == 0;
    x = y.mul_add(DP1, x);
    x = y.mul_add(DP2, x);
    x = y.mul_add(DP3, x);
    let sign_cos = ((!(octant.wrapping_sub(2)) & 4) as u32) << 29;
    let sign_sin = sign_in ^ swap_sign_sin;

    let z = x * x;
    let c = COS_P[0].mul_add(z, COS_P[1]).mul_add(z, COS_P[2]);
    let c = (c * z).mul_add(z, -(z * 0.5)) + 1.0;
    let s = SIN_P[0].mul_add(z, SIN_P[1]).mul_add(z, SIN_P[2]);
    let s = x.mul_add(s * z, x);

    // The select is done with masks and adds of +0.0; `0.0 + v` turns -0.0 into +0.0 exactly
    // as the vector code does.
    let (sin_part, cos_part) = if use_sin_poly {
        (0.0 + s, c + 0.0)
    } else {
        (c + 0.0, 0.0 + s)
    };
    (
        f32::from_bits(sin_part.to_bits() ^ sign_sin),
        f32::from_bits(cos_part.to_bits() ^ sign_cos),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cephes_log_is_close_to_ln() {
        for i in 1..=1000 {
            let x = i as f32 / 1000.0;
            assert!(
                (cephes_log(x) - x.ln()).abs() <= 2e-7 * x.ln().abs().max(1.0),
                "{x}"
            );
        }
    }

    #[test]
    fn cephes_sincos_is_close_to_libm() {
        for i in 0..1000 {
            let x = i as f32 * TWO_PI_F32 / 1000.0;
            let (s, c) = cephes_sincos(x);
            assert!((s - x.sin()).abs() < 1e-6, "sin {x}");
            assert!((c - x.cos()).abs() < 1e-6, "cos {x}");
        }
    }
}
