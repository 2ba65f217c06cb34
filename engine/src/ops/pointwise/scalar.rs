//! The per-element functions the pointwise rows call on the CPU, generic
//! over the compute float (`f32` for float32 and the half types, `f64`) or
//! the integer type. The longer formulas live here so a row stays one
//! line; nothing here knows tensors, layouts or devices.

use crate::dtype::{DType, Element, Float};

/// `v` in the compute float type (a constant the optimiser hoists).
#[inline(always)]
pub fn lit<C: Float>(v: f64) -> C {
    C::from_f64(v)
}

/// `x` if the test holds, else `y`: NaN-transparent selects read better
/// through this than through nested `if`s inside a one-line row.
#[inline(always)]
pub fn pick<C: Copy>(test: bool, x: C, y: C) -> C {
    if test {
        x
    } else {
        y
    }
}

/// Python's float `a // b` as PyTorch computes it (`div_floor_floating`,
/// CPython's algorithm): from `fmod`, so `2 // 0.1` is 19 and
/// `(a // b) * b + a % b == a`; the naive `floor(a / b)` rounds the
/// quotient first and gives 20.
#[inline(always)]
pub fn floor_divide<C: Float>(a: C, b: C) -> C {
    let zero = lit::<C>(0.0);
    if b == zero {
        return a / b;
    }
    let m = a % b;
    let mut d = (a - m) / b;
    if m != zero && ((b < zero) != (m < zero)) {
        d = d - lit(1.0);
    }
    if d != zero {
        let f = d.floor();
        pick(d - f > lit(0.5), f + lit(1.0), f)
    } else {
        zero.copysign(a / b)
    }
}

/// Integer arithmetic as PyTorch's integer kernels do it (wrapping).
pub trait Int: Element + Ord {
    fn wadd(self, o: Self) -> Self;
    fn wsub(self, o: Self) -> Self;
    fn wmul(self, o: Self) -> Self;
    fn wneg(self) -> Self;
    /// `self ** e` for `e >= 0` (callers refuse negative exponents).
    fn wpow(self, e: i64) -> Self;
    fn div_floor(self, o: Self) -> Self;
    fn div_trunc(self, o: Self) -> Self;
    /// Python's `%`: the result has the divisor's sign.
    fn rem_floor(self, o: Self) -> Self;
    /// C's `%` (`torch.fmod`): the result has the dividend's sign.
    fn rem_trunc(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    fn zero() -> Self;
    /// -1, 0 or 1.
    fn sgn(self) -> Self;
}

macro_rules! int_impl {
    ($t:ty) => {
        impl Int for $t {
            #[inline(always)]
            fn wadd(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline(always)]
            fn wsub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            #[inline(always)]
            fn wmul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            #[inline(always)]
            fn wneg(self) -> Self {
                self.wrapping_neg()
            }
            fn wpow(self, e: i64) -> Self {
                if e < 0 {
                    return 0;
                }
                self.wrapping_pow(e.min(u32::MAX as i64) as u32)
            }
            #[inline(always)]
            fn div_floor(self, o: Self) -> Self {
                // (wrapping: MIN // -1 is MIN, as PyTorch)
                let q = self.wrapping_div(o);
                if (self.wrapping_rem(o) != 0) && ((self < 0) != (o < 0)) {
                    q.wrapping_sub(1)
                } else {
                    q
                }
            }
            #[inline(always)]
            fn div_trunc(self, o: Self) -> Self {
                self.wrapping_div(o)
            }
            #[inline(always)]
            fn rem_floor(self, o: Self) -> Self {
                let r = self.wrapping_rem(o);
                if r != 0 && ((r < 0) != (o < 0)) {
                    r + o
                } else {
                    r
                }
            }
            #[inline(always)]
            fn rem_trunc(self, o: Self) -> Self {
                self.wrapping_rem(o)
            }
            #[inline(always)]
            fn and(self, o: Self) -> Self {
                self & o
            }
            #[inline(always)]
            fn or(self, o: Self) -> Self {
                self | o
            }
            #[inline(always)]
            fn xor(self, o: Self) -> Self {
                self ^ o
            }
            #[inline(always)]
            fn zero() -> Self {
                0
            }
            #[inline(always)]
            fn sgn(self) -> Self {
                self.signum()
            }
        }
    };
}
int_impl!(i32);
int_impl!(i64);

/// The error function (libm's, in the compute type).
#[inline(always)]
pub fn erf<C: Float>(x: C) -> C {
    if C::DTYPE == DType::F64 {
        C::from_f64(libm::erf(x.to_f64()))
    } else {
        C::from_f32(libm::erff(x.to_f32()))
    }
}

/// The complementary error function `1 - erf(x)`, accurate where erf is near 1.
#[inline(always)]
pub fn erfc<C: Float>(x: C) -> C {
    if C::DTYPE == DType::F64 {
        C::from_f64(libm::erfc(x.to_f64()))
    } else {
        C::from_f32(libm::erfcf(x.to_f32()))
    }
}

/// The inverse error function, computed in f64 (and rounded once for f32):
/// erfinv(±1) = ±inf, NaN outside [-1, 1].
#[inline]
pub fn erfinv<C: Float>(x: C) -> C {
    C::from_f64(erfinv_f64(x.to_f64()))
}

/// erfinv in f64. Winitzki's closed form (relative error below 2e-3) as the
/// start, then Halley steps on f(y) = erf(y) - x, whose derivatives are
/// f' = 2/sqrt(pi) e^(-y^2) and f'' = -2y f', so one step is
/// y -= f / (f' + y f). Each step triples the correct digits; three are
/// enough from 2e-3. Away from 0, f is evaluated as (1 - |x|) - erfc(y)
/// (1 - |x| is exact there), which keeps its digits as |x| approaches 1.
pub fn erfinv_f64(x: f64) -> f64 {
    if x.is_nan() || x.abs() > 1.0 {
        return f64::NAN;
    }
    if x.abs() == 1.0 {
        return f64::INFINITY.copysign(x);
    }
    if x == 0.0 {
        return x;
    }
    let z = x.abs();
    const A: f64 = 0.147;
    let ln = (-z * z).ln_1p();
    let t = 2.0 / (std::f64::consts::PI * A) + ln / 2.0;
    let mut y = ((t * t - ln / A).sqrt() - t).sqrt();
    for _ in 0..3 {
        let f = if z < 0.5 {
            libm::erf(y) - z
        } else {
            (1.0 - z) - libm::erfc(y)
        };
        let d = std::f64::consts::FRAC_2_SQRT_PI * (-y * y).exp();
        y -= f / (d + y * f);
    }
    y.copysign(x)
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub fn sigmoid<C: Float>(x: C) -> C {
    C::one() / (C::one() + (-x).exp())
}

/// The inverse hyperbolic tangent, `ln((1 + x) / (1 - x)) / 2`, evaluated
/// on `|x|` as `ln_1p(2|x| / (1 - |x|)) / 2`: near -1 the usual
/// `ln_1p(2x / (1 - x))` takes the log of a cancelled `1 + y` (float32
/// atanh(-0.999999) loses two digits that way).
#[inline(always)]
pub fn atanh<C: Float>(x: C) -> C {
    let a = x.abs();
    let r = ((a + a) / (C::one() - a)).ln_1p() * lit(0.5);
    pick(x.is_sign_negative(), -r, r)
}

/// `b ** e` (a function, so a row can raise a constant to `x`).
#[inline(always)]
pub fn powf<C: Float>(b: C, e: C) -> C {
    b.powf(e)
}

/// Round half to even (`torch.round`).
#[inline(always)]
pub fn round_even<C: Float>(x: C) -> C {
    C::from_f64(x.to_f64().round_ties_even())
}

/// `ln(x / (1 - x))`, `x` first clamped to `[eps, 1 - eps]` unless `eps < 0`
/// (PyTorch passes -1 for `eps=None`).
#[inline(always)]
pub fn logit<C: Float>(x: C, eps: f64) -> C {
    let z = if eps < 0.0 {
        x
    } else {
        clip(x, lit(eps), lit(1.0 - eps))
    };
    (z / (C::one() - z)).ln()
}

/// `ln(1 + e^(beta x)) / beta`, or `x` itself where `beta x > threshold`.
#[inline(always)]
pub fn softplus<C: Float>(x: C, beta: f64, threshold: f64) -> C {
    let bx = x * lit(beta);
    pick(bx > lit(threshold), x, bx.exp().ln_1p() / lit(beta))
}

/// PyTorch's ELU family: `scale x` for `x > 0`, else
/// `alpha scale (e^(input_scale x) - 1)`.
#[inline(always)]
pub fn elu<C: Float>(x: C, alpha: f64, scale: f64, input_scale: f64) -> C {
    pick(
        x <= C::zero(),
        (x * lit(input_scale)).exp_m1() * lit(alpha * scale),
        x * lit(scale),
    )
}

/// `min(max(x + 3, 0), 6) / 6`, NaN passing through.
#[inline(always)]
pub fn hardsigmoid<C: Float>(x: C) -> C {
    let t = x + lit(3.0);
    let t = pick(t < C::zero(), C::zero(), t);
    pick(t > lit(6.0), lit(6.0), t) / lit(6.0)
}

/// `min(x, 0) - ln(1 + e^(-|x|))`: log(sigmoid(x)) without overflow.
#[inline(always)]
pub fn log_sigmoid<C: Float>(x: C) -> C {
    pick(x < C::zero(), x, C::zero()) - (-x.abs()).exp().ln_1p()
}

/// `x` raised to `lo`, then lowered to `hi` (so `hi` wins when `lo > hi`,
/// as `torch.clamp`); NaN passes through.
#[inline(always)]
pub fn clip<C: Copy + PartialOrd>(x: C, lo: C, hi: C) -> C {
    let y = pick(x < lo, lo, x);
    pick(y > hi, hi, y)
}

/// `nan`, `posinf` and `neginf` in place of NaN and the infinities.
#[inline(always)]
pub fn nan_to_num<C: Float>(x: C, nan: f64, posinf: f64, neginf: f64) -> C {
    if x.is_nan() {
        lit(nan)
    } else if x == C::infinity() {
        lit(posinf)
    } else if x == C::neg_infinity() {
        lit(neginf)
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfinv_inverts_erf_to_the_last_digits() {
        // erf is computed independently (libm); erfinv(erf(y)) must give y back.
        for i in -60..=60 {
            let y = i as f64 * 0.1;
            let x = libm::erf(y);
            if x.abs() == 1.0 {
                continue;
            }
            let back = erfinv_f64(x);
            // near |x| = 1 erf is flat: compare in x, where the error lives
            assert!(
                (libm::erf(back) - x).abs() <= 2.0 * f64::EPSILON * x.abs().max(1e-300),
                "erfinv(erf({y})) = {back}"
            );
        }
        assert_eq!(erfinv_f64(1.0), f64::INFINITY);
        assert_eq!(erfinv_f64(-1.0), f64::NEG_INFINITY);
        assert!(erfinv_f64(1.5).is_nan() && erfinv_f64(f64::NAN).is_nan());
        assert!(erfinv_f64(-0.0).is_sign_negative());
    }

    #[test]
    fn integer_division_rounds_as_python_and_c() {
        // -7 // 2 = -4 and -7 % 2 = 1 (Python); fmod(-7, 2) = -1 (C)
        assert_eq!(Int::div_floor(-7i64, 2), -4);
        assert_eq!(Int::rem_floor(-7i64, 2), 1);
        assert_eq!(Int::rem_trunc(-7i64, 2), -1);
        assert_eq!(Int::rem_floor(7i32, -2), -1);
    }
}
