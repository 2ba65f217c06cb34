//! Python's `math` module on Python numbers (and one-element tensors, as
//! `math.exp(t)` accepts them through `__float__`).

use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, type_error, value_error, PyErr, PyResult};
use crate::eval::value::{ModuleObj, Value};
use crate::eval::Interp;
use crate::syntax::ast::BinOp;

pub const FUNCTIONS: &[Row] = &[
    row(
        "sqrt(x, /)",
        "The square root of x.\n\n>>> math.sqrt(2)\n1.4142135623730951",
        sqrt,
    ),
    row("exp(x, /)", "e raised to the power x.", exp),
    row(
        "log(x, base=None, /)",
        "The natural logarithm of x (or to the given base).\n\n>>> math.log(math.e)\n1.0",
        log,
    ),
    row("log2(x, /)", "The base-2 logarithm of x.", log2),
    row("log10(x, /)", "The base-10 logarithm of x.", log10),
    row("log1p(x, /)", "log(1 + x), accurate near zero.", log1p),
    row("expm1(x, /)", "exp(x) - 1, accurate near zero.", expm1),
    row("sin(x, /)", "The sine of x (radians).", sin),
    row("cos(x, /)", "The cosine of x (radians).", cos),
    row("tan(x, /)", "The tangent of x (radians).", tan),
    row("asin(x, /)", "The arc sine of x.", asin),
    row("acos(x, /)", "The arc cosine of x.", acos),
    row("atan(x, /)", "The arc tangent of x.", atan),
    row("tanh(x, /)", "The hyperbolic tangent of x.", tanh),
    row("sinh(x, /)", "The hyperbolic sine of x.", sinh),
    row("cosh(x, /)", "The hyperbolic cosine of x.", cosh),
    row("fabs(x, /)", "The absolute value of x as a float.", fabs),
    row("degrees(x, /)", "Radians to degrees.", degrees),
    row("radians(x, /)", "Degrees to radians.", radians),
    row("erf(x, /)", "The error function.", erf_),
    row(
        "floor(x, /)",
        "The largest int <= x.\n\n>>> math.floor(-1.5)\n-2",
        floor,
    ),
    row("ceil(x, /)", "The smallest int >= x.", ceil),
    row("trunc(x, /)", "x truncated toward zero, as an int.", trunc),
    row("isnan(x, /)", "Whether x is NaN.", isnan),
    row("isinf(x, /)", "Whether x is infinite.", isinf),
    row(
        "isfinite(x, /)",
        "Whether x is neither infinite nor NaN.",
        isfinite,
    ),
    row("pow(x, y, /)", "x ** y as floats.", pow),
    row(
        "atan2(y, x, /)",
        "The arc tangent of y/x, in the right quadrant.",
        atan2,
    ),
    row(
        "hypot(*coordinates)",
        "The Euclidean norm sqrt(sum(x*x)).",
        hypot,
    ),
    row(
        "fmod(x, y, /)",
        "C's fmod: the remainder with the sign of x.",
        fmod,
    ),
    row("copysign(x, y, /)", "x with the sign of y.", copysign),
    row(
        "factorial(n, /)",
        "n! for a non-negative int.\n\n>>> math.factorial(5)\n120",
        factorial,
    ),
    row("gcd(*integers)", "The greatest common divisor.", gcd),
    row(
        "isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)",
        "Whether a and b are close.",
        isclose,
    ),
    row(
        "prod(iterable, /, *, start=1)",
        "The product of the items.",
        prod,
    ),
    row("fsum(iterable, /)", "An accurate floating-point sum.", fsum),
    row(
        "comb(n, k, /)",
        "The number of ways to choose k of n items.",
        comb,
    ),
];

pub fn install(m: &ModuleObj) {
    m.set("pi", Value::Float(std::f64::consts::PI));
    m.set("e", Value::Float(std::f64::consts::E));
    m.set("tau", Value::Float(std::f64::consts::TAU));
    m.set("inf", Value::Float(f64::INFINITY));
    m.set("nan", Value::Float(f64::NAN));
    crate::bind::into_module(m, "math", FUNCTIONS, crate::bind::Style::Python);
}

/// A real number argument (ints, floats, bools, objects with `__float__`).
fn num(it: &mut Interp, v: &Value) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::Object(o) => match o.number()? {
            Some(Value::Float(f)) => Ok(f),
            Some(Value::Int(i)) => Ok(i as f64),
            Some(Value::Bool(b)) => Ok(b as i64 as f64),
            _ => Err(not_real(v)),
        },
        Value::Instance(_) => match it.call_dunder(v, "__float__", Default::default())? {
            Some(Value::Float(f)) => Ok(f),
            _ => Err(not_real(v)),
        },
        _ => Err(not_real(v)),
    }
}

fn not_real(v: &Value) -> Box<PyErr> {
    type_error(format!("must be real number, not {}", v.type_name()))
}

fn domain() -> Box<PyErr> {
    value_error("math domain error")
}

fn range_error() -> Box<PyErr> {
    exc("OverflowError", "math range error")
}

/// A float result that is not NaN from non-NaN input (domain) nor infinite
/// from finite input (range), as CPython's math checks.
fn checked(x: f64, r: f64) -> PyResult<Value> {
    if r.is_nan() && !x.is_nan() {
        return Err(domain());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(range_error());
    }
    Ok(Value::Float(r))
}

fn f1(it: &mut Interp, b: &Bound, f: fn(f64) -> f64) -> PyResult<Value> {
    let x = num(it, b.value(0))?;
    checked(x, f(x))
}

fn sqrt(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::sqrt)
}
fn exp(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::exp)
}
fn expm1(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::exp_m1)
}
fn log2(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = num(it, b.value(0))?;
    if x <= 0.0 {
        return Err(domain());
    }
    Ok(Value::Float(x.log2()))
}
fn log10(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = num(it, b.value(0))?;
    if x <= 0.0 {
        return Err(domain());
    }
    Ok(Value::Float(x.log10()))
}
fn log1p(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = num(it, b.value(0))?;
    if x <= -1.0 {
        return Err(domain());
    }
    Ok(Value::Float(x.ln_1p()))
}
fn sin(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::sin)
}
fn cos(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::cos)
}
fn tan(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::tan)
}
fn asin(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::asin)
}
fn acos(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::acos)
}
fn atan(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::atan)
}
fn tanh(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::tanh)
}
fn sinh(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::sinh)
}
fn cosh(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::cosh)
}
fn fabs(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::abs)
}
fn degrees(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::to_degrees)
}
fn radians(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, f64::to_radians)
}
fn erf_(it: &mut Interp, b: Bound) -> PyResult<Value> {
    f1(it, &b, erf)
}

fn to_int(it: &mut Interp, b: &Bound, f: fn(f64) -> f64) -> PyResult<Value> {
    match b.value(0) {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Bool(x) => Ok(Value::Int(*x as i64)),
        v => {
            let r = f(num(it, v)?);
            if r.is_nan() {
                return Err(value_error("cannot convert float NaN to integer"));
            }
            if !r.is_finite() || r.abs() >= 9.223_372_036_854_776e18 {
                return Err(exc(
                    "OverflowError",
                    "cannot convert float infinity to integer",
                ));
            }
            Ok(Value::Int(r as i64))
        }
    }
}

fn floor(it: &mut Interp, b: Bound) -> PyResult<Value> {
    to_int(it, &b, f64::floor)
}
fn ceil(it: &mut Interp, b: Bound) -> PyResult<Value> {
    to_int(it, &b, f64::ceil)
}
fn trunc(it: &mut Interp, b: Bound) -> PyResult<Value> {
    to_int(it, &b, f64::trunc)
}

fn isnan(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(num(it, b.value(0))?.is_nan()))
}
fn isinf(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(num(it, b.value(0))?.is_infinite()))
}
fn isfinite(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(num(it, b.value(0))?.is_finite()))
}

fn f2(it: &mut Interp, b: &Bound) -> PyResult<(f64, f64)> {
    Ok((num(it, b.value(0))?, num(it, b.value(1))?))
}

fn pow(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (x, y) = f2(it, &b)?;
    if x == 0.0 && y < 0.0 {
        return Err(domain());
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_error());
    }
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(domain());
    }
    Ok(Value::Float(r))
}
fn atan2(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (y, x) = f2(it, &b)?;
    Ok(Value::Float(y.atan2(x)))
}
fn hypot(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut acc = 0.0f64;
    for v in b.varargs(0).to_vec() {
        acc = acc.hypot(num(it, &v)?);
    }
    Ok(Value::Float(acc))
}
fn fmod(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (x, y) = f2(it, &b)?;
    if y == 0.0 || x.is_infinite() {
        return Err(domain());
    }
    Ok(Value::Float(x % y))
}
fn copysign(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (x, y) = f2(it, &b)?;
    Ok(Value::Float(x.copysign(y)))
}

fn log(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = num(it, b.value(0))?;
    if x <= 0.0 {
        return Err(domain());
    }
    match b.opt(1).cloned() {
        None => Ok(Value::Float(x.ln())),
        Some(base) => {
            let base = num(it, &base)?;
            if base <= 0.0 || base == 1.0 {
                return Err(if base == 1.0 {
                    exc("ZeroDivisionError", "float division by zero")
                } else {
                    domain()
                });
            }
            Ok(Value::Float(x.ln() / base.ln()))
        }
    }
}

/// The error function, to double precision: the Maclaurin series near zero,
/// the continued fraction of erfc beyond.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.abs() < 2.5 {
        let mut sum = x;
        let mut term = x;
        let x2 = x * x;
        for n in 1..80 {
            term *= -x2 / n as f64;
            let t = term / (2 * n + 1) as f64;
            sum += t;
            if t.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        let ax = x.abs();
        let mut f = 0.0;
        for n in (1..60).rev() {
            f = (n as f64 / 2.0) / (ax + f);
        }
        let erfc = (-ax * ax).exp() / (std::f64::consts::PI.sqrt() * (ax + f));
        (1.0 - erfc).copysign(x)
    }
}

fn int_arg(b: &Bound, i: usize) -> PyResult<i64> {
    match b.value(i) {
        Value::Int(n) => Ok(*n),
        Value::Bool(x) => Ok(*x as i64),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

fn factorial(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let n = int_arg(&b, 0)?;
    if n < 0 {
        return Err(value_error("factorial() not defined for negative values"));
    }
    let mut r: i64 = 1;
    for k in 2..=n {
        r = r
            .checked_mul(k)
            .ok_or_else(|| exc("OverflowError", "integer overflow (ints are 64-bit here)"))?;
    }
    Ok(Value::Int(r))
}

fn gcd(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut g: u64 = 0;
    for v in b.varargs(0) {
        let mut x = match v {
            Value::Int(n) => n.unsigned_abs(),
            Value::Bool(x) => *x as u64,
            other => {
                return Err(type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )))
            }
        };
        let mut y = g;
        while y != 0 {
            let t = x % y;
            x = y;
            y = t;
        }
        g = x;
    }
    i64::try_from(g)
        .map(Value::Int)
        .map_err(|_| exc("OverflowError", "integer overflow (ints are 64-bit here)"))
}

fn comb(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (n, k) = (int_arg(&b, 0)?, int_arg(&b, 1)?);
    if n < 0 || k < 0 {
        return Err(value_error("n and k must be non-negative integers"));
    }
    if k > n {
        return Ok(Value::Int(0));
    }
    let k = k.min(n - k);
    let mut r: i128 = 1;
    for i in 0..k {
        r = r
            .checked_mul((n - i) as i128)
            .ok_or_else(|| exc("OverflowError", "integer overflow (ints are 64-bit here)"))?
            / (i + 1) as i128;
    }
    i64::try_from(r)
        .map(Value::Int)
        .map_err(|_| exc("OverflowError", "integer overflow (ints are 64-bit here)"))
}

fn isclose(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (x, y) = f2(it, &b)?;
    let rel = num(it, b.value(2))?;
    let abs = num(it, b.value(3))?;
    if rel < 0.0 || abs < 0.0 {
        return Err(value_error("tolerances must be non-negative"));
    }
    Ok(Value::Bool(
        x == y || (x - y).abs() <= (rel * x.abs().max(y.abs())).max(abs),
    ))
}

fn prod(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut acc = b.value(1).clone();
    for x in it.collect(b.value(0))? {
        acc = it.binary_op(BinOp::Mul, acc, x)?;
    }
    Ok(acc)
}

fn fsum(it: &mut Interp, b: Bound) -> PyResult<Value> {
    // Neumaier compensated summation.
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for x in it.collect(b.value(0))? {
        let x = num(it, &x)?;
        let t = s + x;
        c += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    Ok(Value::Float(s + c))
}
