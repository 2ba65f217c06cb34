//! The unary table: one row per function of one tensor (row format in
//! `mod.rs`). `values` rows return the input's (compute) dtype,
//! `tests` rows return bool, `composites` are built from other ops (their
//! autograd comes from those ops, as in PyTorch: `softsign` records
//! `DivBackward0`). Rows without an `api` are kernels that hand-written
//! functions or backward formulas use.
//!
//! Derivatives are written in tensor ops on `g` (the output gradient) and
//! the saved tensor (`x` the input, `y` the result).

use std::f64::consts::{FRAC_2_SQRT_PI, LN_10, LN_2, PI};

use super::scalar::{self, clip, erf, erfc, lit, pick, Int};
use super::{
    first_line, positional, Ints, Param, ParamArg, PointwiseFn, PointwiseKernel, Save, UnaryGrad,
    UnaryRow,
};
use crate::dtype::{Element, Float};
use crate::{Error, Result, Tensor};

/// SELU's constants (Klambauer et al.), as PyTorch spells them.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

unary_table! {
values {
    /// `-x`.
    Neg {
        api { neg() [torch method] inplace neg_ by hand }
        float: |x| -x;
        int: |x| x.wneg();
        cuda: "-x";
        grad: NegBackward0 nothing |g, _s| g.neg();
    }
    /// `|x|`.
    Abs {
        api { abs() [torch method] inplace abs_ }
        float: |x| x.abs();
        int: |x| pick(x < Int::zero(), x.wneg(), x);
        bool: |x| x;
        cuda: "abs_acc(x)";
        // d|x| = sign(x) g (0 at 0, as PyTorch)
        grad: AbsBackward0 input |g, x| g.mul(&x.sign()?);
    }
    /// -1, 0 or 1 by the sign of x (0 for NaN).
    Sign {
        api { sign() [torch method] inplace sign_ }
        float: |x| pick(x > lit(0.0), lit(1.0), pick(x < lit(0.0), lit(-1.0), lit(0.0)));
        int: |x| x.sgn();
        bool: |x| x;
        cuda: "sign_acc(x)";
        grad: SignBackward0 nothing |g, _s| Tensor::zeros_like(g);
    }
    /// `sign(x)` for real tensors (the complex sign, `x / |x|`, where PyTorch has complex).
    Sgn {
        api { sgn() [torch method] inplace sgn_ }
        float: |x| pick(x > lit(0.0), lit(1.0), pick(x < lit(0.0), lit(-1.0), lit(0.0)));
        int: |x| x.sgn();
        bool: |x| x;
        cuda: "sign_acc(x)";
        grad: SgnBackward0 nothing |g, _s| Tensor::zeros_like(g);
    }
    /// `x * x`.
    Square {
        api { square() [torch method] inplace square_ by hand }
        float: |x| x * x;
        int: |x| x.wmul(x);
        cuda: "x * x";
        // PyTorch records square as pow(x, 2): d x^2 = 2 x g
        grad: PowBackward0 input |g, x| g.mul(&x.mul_scalar(2.0)?);
    }
    /// `max(x, 0)`, NaN passing through.
    Relu {
        api { relu() [torch method functional] inplace relu_ }
        float: |x| pick(x > lit(0.0) || x.is_nan(), x, lit(0.0));
        int: |x| pick(x > Int::zero(), x, Int::zero());
        bool: |x| x;
        cuda: "(x > zero || x != x) ? x : zero";
        // g [y > 0]: PyTorch's threshold_backward in one pass, or a product
        // of recorded ops when the backward itself is recorded
        grad: ReluBackward0 result |g, y| {
            if crate::autograd::is_grad_enabled() {
                g.mul(&y.raw_unary(UnaryOp::StepGrad(0.0))?)
            } else {
                let y = y.to_dtype(g.dtype())?;
                crate::ops::binary::raw_binary(g, &y, super::BinaryOp::ThresholdGrad)
            }
        };
    }
    /// `x` raised to `lo` then lowered to `hi` (absent bounds are infinite).
    Clamp(lo, hi) {
        float: |x| clip(x, lit(lo), lit(hi));
        // integer tensors see integral bounds (fractional ones promote first)
        int: |x| clip(x, Element::from_f64(lo.ceil()), Element::from_f64(hi.floor()));
        cuda: "clamp_acc(x, p0, p1)";
    }
    /// `x ** e` for a Python-number exponent.
    PowScalar(e) {
        float: |x| x.powf(lit(e));
        int: |x| x.wpow(e as i64);
        cuda: "pow_scalar_acc(x, p0)";
    }
    /// `b ** x` for a Python-number base.
    ScalarPow(b) {
        float: |x| scalar::powf(lit(b), x);
        ints: promote;
        cuda: "pow((acc_t)p0, x)";
    }
    /// `e^x`.
    Exp {
        api { exp() [torch method] inplace exp_ }
        float: |x| x.exp();
        ints: promote;
        cuda: "exp(x)";
        grad: ExpBackward0 result |g, y| g.mul(y);
    }
    /// `2^x`.
    Exp2 {
        api { exp2() [torch method] inplace exp2_ }
        float: |x| x.exp2();
        ints: promote;
        cuda: "exp2(x)";
        // d 2^x = 2^x ln 2
        grad: Exp2Backward0 result |g, y| g.mul(y)?.mul_scalar(LN_2);
    }
    /// `e^x - 1`, accurate near 0.
    Expm1 {
        api { expm1() [torch method] inplace expm1_ }
        float: |x| x.exp_m1();
        ints: promote;
        cuda: "expm1(x)";
        grad: Expm1Backward0 result |g, y| g.mul(&y.add_scalar(1.0)?);
    }
    /// The natural logarithm.
    Log {
        api { log() [torch method] inplace log_ }
        float: |x| x.ln();
        ints: promote;
        cuda: "log(x)";
        grad: LogBackward0 input |g, x| g.div(x);
    }
    /// The base-2 logarithm.
    Log2 {
        api { log2() [torch method] inplace log2_ }
        float: |x| x.log2();
        ints: promote;
        cuda: "log2(x)";
        grad: Log2Backward0 input |g, x| g.div(&x.mul_scalar(LN_2)?);
    }
    /// The base-10 logarithm.
    Log10 {
        api { log10() [torch method] inplace log10_ }
        float: |x| x.log10();
        ints: promote;
        cuda: "log10(x)";
        grad: Log10Backward0 input |g, x| g.div(&x.mul_scalar(LN_10)?);
    }
    /// `ln(1 + x)`, accurate near 0.
    Log1p {
        api { log1p() [torch method] inplace log1p_ }
        float: |x| x.ln_1p();
        ints: promote;
        cuda: "log1p(x)";
        grad: Log1PBackward0 input |g, x| g.div(&x.add_scalar(1.0)?);
    }
    /// The sine.
    Sin {
        api { sin() [torch method] inplace sin_ }
        float: |x| x.sin();
        ints: promote;
        cuda: "sin(x)";
        grad: SinBackward0 input |g, x| g.mul(&x.cos()?);
    }
    /// The cosine.
    Cos {
        api { cos() [torch method] inplace cos_ }
        float: |x| x.cos();
        ints: promote;
        cuda: "cos(x)";
        grad: CosBackward0 input |g, x| g.mul(&x.sin()?)?.neg();
    }
    /// The tangent.
    Tan {
        api { tan() [torch method] inplace tan_ }
        float: |x| x.tan();
        ints: promote;
        cuda: "tan(x)";
        // d tan x = 1 + tan^2 x
        grad: TanBackward0 result |g, y| g.mul(&y.mul(y)?.add_scalar(1.0)?);
    }
    /// The inverse sine.
    Asin {
        api { asin() [torch method] inplace asin_ }
        float: |x| x.asin();
        ints: promote;
        cuda: "asin(x)";
        // d asin x = 1 / sqrt(1 - x^2)
        grad: AsinBackward0 input |g, x| g.div(&x.mul(x)?.rsub_scalar(1.0)?.sqrt()?);
    }
    /// The inverse cosine.
    Acos {
        api { acos() [torch method] inplace acos_ }
        float: |x| x.acos();
        ints: promote;
        cuda: "acos(x)";
        grad: AcosBackward0 input |g, x| g.div(&x.mul(x)?.rsub_scalar(1.0)?.sqrt()?)?.neg();
    }
    /// The inverse tangent.
    Atan {
        api { atan() [torch method] inplace atan_ }
        float: |x| x.atan();
        ints: promote;
        cuda: "atan(x)";
        grad: AtanBackward0 input |g, x| g.div(&x.mul(x)?.add_scalar(1.0)?);
    }
    /// The hyperbolic sine.
    Sinh {
        api { sinh() [torch method] inplace sinh_ }
        float: |x| x.sinh();
        ints: promote;
        cuda: "sinh(x)";
        grad: SinhBackward0 input |g, x| g.mul(&x.cosh()?);
    }
    /// The hyperbolic cosine.
    Cosh {
        api { cosh() [torch method] inplace cosh_ }
        float: |x| x.cosh();
        ints: promote;
        cuda: "cosh(x)";
        grad: CoshBackward0 input |g, x| g.mul(&x.sinh()?);
    }
    /// The hyperbolic tangent.
    Tanh {
        api { tanh() [torch method functional] inplace tanh_ }
        float: |x| x.tanh();
        ints: promote;
        cuda: "tanh(x)";
        // g (1 - y^2): one fused pass (PyTorch's rounding), or recorded ops
        // when the backward itself is recorded
        grad: TanhBackward0 result |g, y| {
            if crate::autograd::is_grad_enabled() || !g.dtype().is_float() {
                g.mul(&y.mul(y)?.rsub_scalar(1.0)?)
            } else {
                let y = y.to_dtype(g.dtype())?;
                crate::ops::binary::raw_binary(g, &y, super::BinaryOp::TanhGrad)
            }
        };
    }
    /// The inverse hyperbolic sine.
    Asinh {
        api { asinh() [torch method] inplace asinh_ }
        float: |x| x.asinh();
        ints: promote;
        cuda: "asinh(x)";
        grad: AsinhBackward0 input |g, x| g.div(&x.mul(x)?.add_scalar(1.0)?.sqrt()?);
    }
    /// The inverse hyperbolic cosine.
    Acosh {
        api { acosh() [torch method] inplace acosh_ }
        float: |x| x.acosh();
        ints: promote;
        cuda: "acosh(x)";
        grad: AcoshBackward0 input |g, x| g.div(&x.mul(x)?.sub_scalar(1.0)?.sqrt()?);
    }
    /// The inverse hyperbolic tangent.
    Atanh {
        api { atanh() [torch method] inplace atanh_ }
        float: |x| scalar::atanh(x);
        ints: promote;
        cuda: "atanh(x)";
        grad: AtanhBackward0 input |g, x| g.div(&x.mul(x)?.rsub_scalar(1.0)?);
    }
    /// The logistic function `1 / (1 + e^-x)`.
    Sigmoid {
        api { sigmoid() [torch method functional] inplace sigmoid_ }
        float: |x| scalar::sigmoid(x);
        ints: promote;
        cuda: "one / (one + exp(-x))";
        grad: SigmoidBackward0 result |g, y| g.mul(&y.mul(&y.rsub_scalar(1.0)?)?);
    }
    /// `ln(x / (1 - x))`, x first clamped to `[eps, 1 - eps]` when eps is given.
    Logit(eps) {
        api { logit(eps: Option<f64> = None) [torch method] inplace logit_
              => UnaryOp::Logit(eps.unwrap_or(-1.0)) }
        float: |x| scalar::logit(x, eps);
        ints: promote;
        cuda: "logit_acc(x, p0)";
        // d logit = 1 / (x (1 - x)); with eps, 0 where x was clamped, and
        // without, NaN outside [0, 1] (PyTorch's logit_backward)
        grad: LogitBackward0 input |g, x| {
            let d = g.div(&x.mul(&x.rsub_scalar(1.0)?)?)?;
            let (lo, hi, fill) = if eps < 0.0 { (0.0, 1.0, f64::NAN) } else { (eps, 1.0 - eps, 0.0) };
            d.masked_fill(&x.lt_scalar(lo)?.logical_or(&x.gt_scalar(hi)?)?, fill)
        };
    }
    /// The square root.
    Sqrt {
        api { sqrt() [torch method] inplace sqrt_ }
        float: |x| x.sqrt();
        ints: promote;
        cuda: "sqrt(x)";
        grad: SqrtBackward0 result |g, y| g.div(&y.mul_scalar(2.0)?);
    }
    /// `1 / sqrt(x)`.
    Rsqrt {
        api { rsqrt() [torch method] inplace rsqrt_ }
        float: |x| x.sqrt().recip();
        ints: promote;
        cuda: "one / sqrt(x)";
        // d x^(-1/2) = -y^3 / 2
        grad: RsqrtBackward0 result |g, y| g.mul(&y.mul(y)?.mul(y)?)?.mul_scalar(-0.5);
    }
    /// `1 / x`.
    Reciprocal {
        api { reciprocal() [torch method] inplace reciprocal_ }
        float: |x| x.recip();
        ints: promote;
        cuda: "one / x";
        grad: ReciprocalBackward0 result |g, y| g.mul(&y.mul(y)?)?.neg();
    }
    /// The error function.
    Erf {
        api { erf() [torch method] inplace erf_ }
        float: |x| erf(x);
        ints: promote;
        cuda: "erf(x)";
        // d erf x = 2/sqrt(pi) e^(-x^2)
        grad: ErfBackward0 input |g, x| g.mul(&x.mul(x)?.neg()?.exp()?)?.mul_scalar(FRAC_2_SQRT_PI);
    }
    /// The complementary error function `1 - erf(x)`.
    Erfc {
        api { erfc() [torch method] inplace erfc_ }
        float: |x| erfc(x);
        ints: promote;
        cuda: "erfc(x)";
        grad: ErfcBackward0 input |g, x| g.mul(&x.mul(x)?.neg()?.exp()?)?.mul_scalar(-FRAC_2_SQRT_PI);
    }
    /// The inverse error function: erfinv(±1) = ±inf, NaN outside [-1, 1].
    Erfinv {
        api { erfinv() [torch method] inplace erfinv_ }
        float: |x| scalar::erfinv(x);
        ints: promote;
        cuda: "erfinv_acc(x)";
        // d erfinv x = sqrt(pi)/2 e^(erfinv(x)^2) (PyTorch saves x and recomputes)
        grad: ErfinvBackward0 input |g, x| {
            let y = x.erfinv()?;
            g.mul(&y.mul(&y)?.exp()?)?.mul_scalar(PI.sqrt() / 2.0)
        };
    }
    /// Round toward -inf.
    Floor {
        api { floor() [torch method] inplace floor_ }
        float: |x| x.floor();
        ints: keep;
        cuda: "floor(x)";
        grad: FloorBackward0 nothing |g, _s| Tensor::zeros_like(g);
    }
    /// Round toward +inf.
    Ceil {
        api { ceil() [torch method] inplace ceil_ }
        float: |x| x.ceil();
        ints: keep;
        cuda: "ceil(x)";
        grad: CeilBackward0 nothing |g, _s| Tensor::zeros_like(g);
    }
    /// Round half to even.
    Round {
        api { round() [torch method] inplace round_ }
        float: |x| scalar::round_even(x);
        ints: keep;
        cuda: "rint(x)";
        grad: RoundBackward0 nothing |g, _s| Tensor::zeros_like(g);
    }
    /// Round toward 0.
    Trunc {
        api { trunc() [torch method] inplace trunc_ }
        float: |x| x.trunc();
        ints: keep;
        cuda: "trunc(x)";
        grad: TruncBackward0 nothing |g, _s| Tensor::zeros_like(g);
    }
    /// The fractional part `x - trunc(x)`.
    Frac {
        api { frac() [torch method] inplace frac_ }
        float: |x| x - x.trunc();
        ints: refuse;
        cuda: "x - trunc(x)";
        grad: FracBackward0 nothing |g, _s| Ok(g.clone());
    }
    /// `x` with NaN, +inf and -inf replaced (by 0 and the dtype's largest and lowest finite values by default).
    NanToNum(nan, posinf, neginf) {
        api { nan_to_num(nan: f64 = 0.0, posinf: Option<f64> = None, neginf: Option<f64> = None)
              [torch method] inplace nan_to_num_ by hand }
        float: |x| scalar::nan_to_num(x, nan, posinf, neginf);
        ints: keep;
        cuda: "nan_to_num_acc(x, p0, p1, p2)";
        grad: NanToNumBackward0 input |g, x| g.mul(&x.isfinite()?.to_dtype(g.dtype())?);
    }
    /// `x Phi(x)`, Phi the standard normal CDF (the kernel of `gelu`).
    Gelu {
        float: |x| x * (erf(x * lit(std::f64::consts::FRAC_1_SQRT_2)) + lit(1.0)) * lit(0.5);
        ints: promote;
        cuda: "half * x * (one + erf(x * (acc_t)0.70710678118654752440))";
    }
    /// `x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` (`gelu(approximate='tanh')`).
    GeluTanh {
        float: |x| gelu_tanh(x);
        ints: promote;
        cuda: "half * x * (one + tanh((acc_t)0.79788456080286535588 * (x + (acc_t)0.044715 * x * x * x)))";
    }
    /// d gelu / dx = Phi(x) + x phi(x).
    GeluGrad {
        float: |x| gelu_grad(x);
        ints: promote;
        cuda: "half * (one + erf(x * (acc_t)0.70710678118654752440)) + x * exp(-half * x * x) * (acc_t)0.39894228040143267794";
    }
    /// d gelu_tanh / dx: with t = tanh(k (x + a x^3)),
    /// 1/2 (1 + t) + x/2 (1 - t^2) k (1 + 3 a x^2).
    GeluTanhGrad {
        float: |x| gelu_tanh_grad(x);
        ints: promote;
        cuda: "gelu_tanh_grad_acc(x)";
    }
    /// `x sigmoid(x)`.
    Silu {
        api { silu() [functional] inplace silu_ }
        float: |x| x / ((-x).exp() + lit(1.0));
        ints: promote;
        cuda: "x / (one + exp(-x))";
        grad: SiluBackward0 input |g, x| g.mul(&x.raw_unary(UnaryOp::SiluGrad)?);
    }
    /// d silu / dx = s (1 + x (1 - s)), s = sigmoid(x).
    SiluGrad {
        float: |x| {
            let s = scalar::sigmoid(x);
            s * (x * (-s + lit(1.0)) + lit(1.0))
        };
        ints: promote;
        cuda: "(one / (one + exp(-x))) * (one + x * (one - one / (one + exp(-x))))";
    }
    /// `x` where positive, else `negative_slope * x`.
    LeakyRelu(slope) {
        api { leaky_relu(negative_slope: f64 = 0.01) [functional] inplace leaky_relu_
              => UnaryOp::LeakyRelu(negative_slope) }
        float: |x| pick(x > lit(0.0), x, x * lit(slope));
        ints: promote;
        cuda: "x > zero ? x : x * (acc_t)p0";
        grad: LeakyReluBackward0 input |g, x| g.mul(&x.raw_unary(UnaryOp::StepGrad(slope))?);
    }
    /// 1 where x > 0 else `slope` (the ReLU and leaky-ReLU derivative).
    StepGrad(slope) {
        float: |x| pick(x > lit(0.0), lit(1.0), lit(slope));
        ints: promote;
        cuda: "x > zero ? one : (acc_t)p0";
    }
    /// `ln(1 + e^(beta x)) / beta`, or x where `beta x > threshold`.
    Softplus(beta, threshold) {
        api { softplus(beta: f64 = 1.0, threshold: f64 = 20.0) [functional]
              => UnaryOp::Softplus(beta, threshold) }
        float: |x| scalar::softplus(x, beta, threshold);
        ints: refuse;
        cuda: "softplus_acc(x, p0, p1)";
        // d softplus = sigmoid(beta x), 1 where beta x > threshold
        grad: SoftplusBackward0 input |g, x| {
            let bx = x.mul_scalar(beta)?;
            Tensor::where_cond(&bx.gt_scalar(threshold)?, g, &g.mul(&bx.sigmoid()?)?)
        };
    }
    /// `x tanh(softplus(x))`.
    Mish {
        api { mish() [functional] inplace mish_ }
        float: |x| x * x.exp().ln_1p().tanh();
        ints: refuse;
        cuda: "x * tanh(log1p(exp(x)))";
        // t = tanh(softplus x): d mish = t + x sigmoid(x) (1 - t^2)
        grad: MishBackward0 input |g, x| {
            let t = x.exp()?.log1p()?.tanh()?;
            let d = t.add(&x.mul(&x.sigmoid()?)?.mul(&t.mul(&t)?.rsub_scalar(1.0)?)?)?;
            g.mul(&d)
        };
    }
    /// `x` clamped to `[min_val, max_val]`.
    Hardtanh(min_val, max_val) {
        api { hardtanh(min_val: f64 = -1.0, max_val: f64 = 1.0) [functional] inplace hardtanh_
              => UnaryOp::Hardtanh(min_val, max_val) }
        float: |x| clip(x, lit(min_val), lit(max_val));
        // integer tensors take the bounds truncated, as PyTorch
        int: |x| clip(x, Element::from_f64(min_val), Element::from_f64(max_val));
        cuda: "clip_acc(x, (acc_t)p0, (acc_t)p1)";
        // g where min_val < x < max_val, else 0
        grad: HardtanhBackward0 input |g, x| {
            g.masked_fill(&x.le_scalar(min_val)?.logical_or(&x.ge_scalar(max_val)?)?, 0.0)
        };
    }
    /// `relu6(x + 3) / 6`.
    Hardsigmoid {
        api { hardsigmoid() [functional] inplace hardsigmoid_ }
        float: |x| scalar::hardsigmoid(x);
        ints: refuse;
        cuda: "hardsigmoid_acc(x)";
        // 1/6 inside (-3, 3), else 0; PyTorch's kernel multiplies by the
        // float32 constant 1/6 in every dtype, and so do we
        grad: HardsigmoidBackward0 input |g, x| {
            let inside = x.gt_scalar(-3.0)?.logical_and(&x.lt_scalar(3.0)?)?;
            g.mul(&inside.to_dtype(g.dtype())?)?.mul_scalar((1.0f32 / 6.0) as f64)
        };
    }
    /// `x relu6(x + 3) / 6`.
    Hardswish {
        api { hardswish() [functional] inplace hardswish_ }
        float: |x| x * scalar::hardsigmoid(x);
        ints: refuse;
        cuda: "x * hardsigmoid_acc(x)";
        // 0 for x <= -3, x/3 + 1/2 below 3, then 1
        grad: HardswishBackward0 input |g, x| {
            let ramp = x.div_scalar(3.0)?.add_scalar(0.5)?;
            let d = Tensor::where_cond(&x.lt_scalar(3.0)?, &ramp, &Tensor::ones_like(x)?)?;
            g.mul(&d)?.masked_fill(&x.le_scalar(-3.0)?, 0.0)
        };
    }
    /// `x` where positive, else `alpha (e^x - 1)`.
    Elu(alpha) {
        api { elu(alpha: f64 = 1.0) [functional] inplace elu_ => UnaryOp::Elu(alpha) }
        float: |x| scalar::elu(x, alpha, 1.0, 1.0);
        ints: refuse;
        cuda: "elu_acc(x, p0, 1.0, 1.0)";
        grad: EluBackward0 input |g, x| elu_grad(g, x, alpha, 1.0, 1.0);
    }
    /// `scale elu(x, alpha)` with SELU's fixed alpha and scale.
    Selu {
        api { selu() [torch functional] inplace selu_ }
        float: |x| scalar::elu(x, SELU_ALPHA, SELU_SCALE, 1.0);
        ints: refuse;
        cuda: "elu_acc(x, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0)";
        grad: EluBackward0 input |g, x| elu_grad(g, x, SELU_ALPHA, SELU_SCALE, 1.0);
    }
    /// `x` where positive, else `alpha (e^(x / alpha) - 1)`.
    Celu(alpha) {
        api { celu(alpha: f64 = 1.0) [torch functional] inplace celu_ => UnaryOp::Celu(alpha) }
        float: |x| scalar::elu(x, alpha, 1.0, 1.0 / alpha);
        ints: refuse;
        cuda: "elu_acc(x, p0, 1.0, 1.0 / p0)";
        grad: CeluBackward0 input |g, x| elu_grad(g, x, alpha, 1.0, 1.0 / alpha);
    }
    /// `ln(sigmoid(x))`, without overflow.
    LogSigmoid {
        api { logsigmoid() [functional] }
        float: |x| scalar::log_sigmoid(x);
        ints: refuse;
        cuda: "log_sigmoid_acc(x)";
        // d ln sigmoid(x) = 1 - sigmoid(x) = sigmoid(-x)
        grad: LogSigmoidBackward0 input |g, x| g.mul(&x.neg()?.sigmoid()?);
    }
}
tests {
    /// `x == 0`.
    LogicalNot {
        api { logical_not() [torch method] inplace logical_not_ }
        float: |x| x == lit(0.0);
        int: |x| x == Int::zero();
        bool: |x| !x;
        cuda: "x == zero";
    }
    /// Whether x is NaN.
    IsNan {
        api { isnan() [torch method] }
        float: |x| x.is_nan();
        int: |_x| false;
        bool: |_x| false;
        cuda: "x != x";
    }
    /// Whether x is +inf or -inf.
    IsInf {
        api { isinf() [torch method] }
        float: |x| x.is_infinite();
        int: |_x| false;
        bool: |_x| false;
        cuda: "x == TT_INF || x == -TT_INF";
    }
    /// Whether x is +inf.
    IsPosInf {
        api { isposinf() [torch method] }
        float: |x| x.is_infinite() && x > lit(0.0);
        int: |_x| false;
        bool: |_x| false;
        cuda: "x == TT_INF";
    }
    /// Whether x is -inf.
    IsNegInf {
        api { isneginf() [torch method] }
        float: |x| x.is_infinite() && x < lit(0.0);
        int: |_x| false;
        bool: |_x| false;
        cuda: "x == -TT_INF";
    }
    /// Whether x is neither infinite nor NaN.
    IsFinite {
        api { isfinite() [torch method] }
        float: |x| x.is_finite();
        int: |_x| true;
        bool: |_x| true;
        cuda: "x == x && x != TT_INF && x != -TT_INF";
    }
    /// Whether the sign bit is set (true for -0.0).
    Signbit {
        api { signbit() [torch method] }
        float: |x| x.is_sign_negative();
        int: |x| x < Int::zero();
        bool: |_x| false;
        cuda: "signbit_acc(x)";
    }
}
composites {
    /// `min(max(x, 0), 6)` (`hardtanh(x, 0, 6)`).
    relu6() [functional] inplace relu6_ => |x| x.hardtanh(0.0, 6.0);
    /// `x / (1 + |x|)`.
    softsign() [functional] => |x| x.div(&x.abs()?.add_scalar(1.0)?);
    /// `x - tanh(x)`.
    tanhshrink() [functional] => |x| x.sub(&x.tanh()?);
}
}

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// `Phi(x) + x phi(x)`: Phi(x) = (1 + erf(x / sqrt 2)) / 2, phi(x) = e^(-x^2/2) / sqrt(2 pi).
#[inline(always)]
fn gelu_grad<C: Float>(x: C) -> C {
    let half = lit::<C>(0.5);
    let inv_sqrt_2pi = lit::<C>(0.398_942_280_401_432_7);
    half * (C::one() + erf(x * lit(std::f64::consts::FRAC_1_SQRT_2)))
        + x * inv_sqrt_2pi * (-half * x * x).exp()
}

/// `x/2 (1 + tanh(k (x + a x^3)))`, `k = sqrt(2/pi)`, `a = 0.044715`.
#[inline(always)]
fn gelu_tanh<C: Float>(x: C) -> C {
    let (k, a) = (lit::<C>(SQRT_2_OVER_PI), lit::<C>(0.044715));
    lit::<C>(0.5) * x * (C::one() + (k * (x + a * x * x * x)).tanh())
}

/// d/dx of `x/2 (1 + tanh(u))`, `u = k (x + a x^3)`:
/// `1/2 (1 + t) + x/2 (1 - t^2) k (1 + 3 a x^2)` with `t = tanh(u)`.
#[inline(always)]
fn gelu_tanh_grad<C: Float>(x: C) -> C {
    let (k, a, half, one) = (
        lit::<C>(SQRT_2_OVER_PI),
        lit::<C>(0.044715),
        lit::<C>(0.5),
        C::one(),
    );
    let t = (k * (x + a * x * x * x)).tanh();
    half * (one + t) + half * x * (one - t * t) * k * (one + lit::<C>(3.0) * a * x * x)
}

/// The ELU family's derivative: `scale g` for `x > 0`, else
/// `alpha scale input_scale e^(input_scale x) g` (PyTorch's `elu_backward`
/// on the input).
fn elu_grad(g: &Tensor, x: &Tensor, alpha: f64, scale: f64, input_scale: f64) -> Result<Tensor> {
    let neg = x
        .mul_scalar(input_scale)?
        .exp()?
        .mul_scalar(alpha * scale * input_scale)?;
    let d = Tensor::where_cond(&x.le_scalar(0.0)?, &neg, &Tensor::full_like(x, scale)?)?;
    g.mul(&d)
}
