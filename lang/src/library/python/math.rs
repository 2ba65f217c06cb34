//! Python's `math` module on Python numbers (and one-element tensors, as
//! `math.exp(t)` accepts them through `__float__`).

use crate::bind::{row, Bound, Def, Imp, Row, Style};
use crate::eval::error::{exc, type_error, value_error, PyErr, PyResult};
use crate::eval::value::{ModuleObj, Value};
use crate::eval::Interp;
use crate::syntax::ast::BinOp;
use std::rc::Rc;

/// One named function of a float, with its doc.
type Named<R> = (&'static str, &'static str, fn(f64) -> R);

/// The one-argument float functions: name, doc, formula. A NaN result
/// from a number is a domain error, an infinite one from a finite number a
/// range error, as CPython's math checks.
#[rustfmt::skip]
const FLOAT_FNS: &[Named<f64>] = &[
    ("sqrt", "The square root of x.\n\n>>> math.sqrt(2)\n1.4142135623730951", f64::sqrt),
    ("exp", "e raised to the power x.", f64::exp),
    ("expm1", "exp(x) - 1, accurate near zero.", f64::exp_m1),
    ("sin", "The sine of x (radians).", f64::sin),
    ("cos", "The cosine of x (radians).", f64::cos),
    ("tan", "The tangent of x (radians).", f64::tan),
    ("asin", "The arc sine of x.", f64::asin),
    ("acos", "The arc cosine of x.", f64::acos),
    ("atan", "The arc tangent of x.", f64::atan),
    ("tanh", "The hyperbolic tangent of x.", f64::tanh),
    ("sinh", "The hyperbolic sine of x.", f64::sinh),
    ("cosh", "The hyperbolic cosine of x.", f64::cosh),
    ("fabs", "The absolute value of x as a float.", f64::abs),
    ("degrees", "Radians to degrees.", f64::to_degrees),
    ("radians", "Degrees to radians.", f64::to_radians),
    ("erf", "The error function.", erf),
    ("log2", "The base-2 logarithm of x.", log2),
    ("log10", "The base-10 logarithm of x.", log10),
    ("log1p", "log(1 + x), accurate near zero.", log1p),
];

/// The predicates on a float.
#[rustfmt::skip]
const TESTS: &[Named<bool>] = &[
    ("isnan", "Whether x is NaN.", f64::is_nan),
    ("isinf", "Whether x is infinite.", f64::is_infinite),
    ("isfinite", "Whether x is neither infinite nor NaN.", f64::is_finite),
];

/// The roundings to an int.
#[rustfmt::skip]
const ROUNDINGS: &[Named<f64>] = &[
    ("floor", "The largest int <= x.\n\n>>> math.floor(-1.5)\n-2", f64::floor),
    ("ceil", "The smallest int >= x.", f64::ceil),
    ("trunc", "x truncated toward zero, as an int.", f64::trunc),
];

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("log(x, base=None, /)", "The natural logarithm of x (or to the given base).\n\n>>> math.log(math.e)\n1.0", log),
    row("pow(x, y, /)", "x ** y as floats.", pow),
    row("atan2(y, x, /)", "The arc tangent of y/x, in the right quadrant.", atan2),
    row("hypot(*coordinates)", "The Euclidean norm sqrt(sum(x*x)).", hypot),
    row("fmod(x, y, /)", "C's fmod: the remainder with the sign of x.", fmod),
    row("copysign(x, y, /)", "x with the sign of y.", copysign),
    row("factorial(n, /)", "n! for a non-negative int.\n\n>>> math.factorial(5)\n120", factorial),
    row("gcd(*integers)", "The greatest common divisor.", gcd),
    row("isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)", "Whether a and b are close.", isclose),
    row("prod(iterable, /, *, start=1)", "The product of the items.", prod),
    row("fsum(iterable, /)", "An accurate floating-point sum.", fsum),
    row("comb(n, k, /)", "The number of ways to choose k of n items.", comb),
];

pub fn install(m: &ModuleObj) {
    m.set("pi", Value::Float(std::f64::consts::PI));
    m.set("e", Value::Float(std::f64::consts::E));
    m.set("tau", Value::Float(std::f64::consts::TAU));
    m.set("inf", Value::Float(f64::INFINITY));
    m.set("nan", Value::Float(f64::NAN));
    crate::bind::into_module(m, "math", FUNCTIONS, Style::Python);
    let def = |name: &str, doc: &str, f: crate::bind::DynFn| {
        let d = Def::new(
            "math",
            &format!("{name}(x, /)"),
            doc,
            Imp::Dyn(f),
            Style::Python,
        );
        m.set(name, d.value());
    };
    for &(name, doc, f) in FLOAT_FNS {
        def(
            name,
            doc,
            Rc::new(move |it, b| {
                let x = num(it, b.value(0))?;
                checked(x, f(x))
            }),
        );
    }
    for &(name, doc, f) in TESTS {
        def(
            name,
            doc,
            Rc::new(move |it, b| Ok(Value::Bool(f(num(it, b.value(0))?)))),
        );
    }
    for &(name, doc, f) in ROUNDINGS {
        def(
            name,
            doc,
            Rc::new(move |it, b| match b.value(0) {
                Value::Int(i) => Ok(Value::Int(*i)),
                Value::Bool(x) => Ok(Value::Int(*x as i64)),
                v => super::builtins::float_to_int(f(num(it, v)?)),
            }),
        );
    }
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

use super::int_arg;

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

/// log2 with NaN outside the domain (the caller raises the domain error).
fn log2(x: f64) -> f64 {
    if x > 0.0 {
        x.log2()
    } else {
        f64::NAN
    }
}

fn log10(x: f64) -> f64 {
    if x > 0.0 {
        x.log10()
    } else {
        f64::NAN
    }
}

fn log1p(x: f64) -> f64 {
    if x > -1.0 {
        x.ln_1p()
    } else {
        f64::NAN
    }
}
