//! Uniform reals the way ATen's `uniform_real` makes them: a masked draw scaled to `[0, 1)`,
//! then `fma(x, to - from, from)` in the dtype's "opmath" type, kept half-open.
//!
//! Knows nothing of the generator; `random.rs` hands it draws and slices.

use std::cmp::Ordering;

use super::RandomError;

/// ATen's `uniform_real` for float: the low 24 bits of a draw, times `2^-24`.
#[inline(always)]
pub(super) fn unit_f32(draw: u32) -> f32 {
    (draw & 0x00ff_ffff) as f32 * (1.0 / 16_777_216.0)
}

/// A float type with a fused multiply-add.
pub(super) trait Fused: Copy + PartialEq {
    fn fused(self, a: Self, b: Self) -> Self;
    fn sub(self, other: Self) -> Self;
}

impl Fused for f32 {
    #[inline(always)]
    fn fused(self, a: f32, b: f32) -> f32 {
        self.mul_add(a, b)
    }
    #[inline(always)]
    fn sub(self, other: f32) -> f32 {
        self - other
    }
}

impl Fused for f64 {
    #[inline(always)]
    fn fused(self, a: f64, b: f64) -> f64 {
        self.mul_add(a, b)
    }
    #[inline(always)]
    fn sub(self, other: f64) -> f64 {
        self - other
    }
}

/// Maps unit uniforms in `out` to `[from, to)` as PyTorch's `uniform_real` does:
/// `fma(x, to - from, from)`, a result equal to `to` replaced by `from`.
pub(super) fn scale_in_place<T: Fused>(out: &mut [T], from: T, to: T) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("fma") {
        // SAFETY: the FMA extension was detected on this CPU just above.
        unsafe { scale_in_place_fma(out, from, to) };
        return;
    }
    scale_in_place_portable(out, from, to);
}

/// # Safety
/// The CPU must support FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn scale_in_place_fma<T: Fused>(out: &mut [T], from: T, to: T) {
    scale_in_place_portable(out, from, to);
}

#[inline(always)]
fn scale_in_place_portable<T: Fused>(out: &mut [T], from: T, to: T) {
    let width = to.sub(from);
    for v in out {
        *v = clamp_to_from(v.fused(width, from), from, to);
    }
}

/// PyTorch's guard for a rounding that lands on the excluded upper bound: `[from, to)` stays
/// half-open by mapping `to` to `from`.
pub(super) fn clamp_to_from<T: PartialEq>(value: T, from: T, to: T) -> T {
    if value == to {
        from
    } else {
        value
    }
}

/// PyTorch's `uniform_` checks, on the requested bounds and on the bounds cast to the dtype.
pub(super) fn check_uniform(
    low: f64,
    high: f64,
    from: f64,
    to: f64,
    max: f64,
    dtype: &'static str,
) -> Result<(f64, f64), RandomError> {
    // NaN bounds fail too, as PyTorch's `from <= to` check does.
    if !matches!(
        low.partial_cmp(&high),
        Some(Ordering::Less | Ordering::Equal)
    ) {
        return Err(RandomError::UniformRange {
            from: low,
            to: high,
        });
    }
    if to - from > max {
        return Err(RandomError::UniformOverflow { dtype, from, to });
    }
    Ok((from, to))
}
