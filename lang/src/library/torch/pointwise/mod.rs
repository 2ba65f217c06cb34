//! Pointwise math. The engine's pointwise table becomes bindings in
//! [`table`] with no line per op; here are the rows PyTorch spells with
//! more than numbers (`add`'s alpha, `div`'s rounding_mode, `clamp`,
//! comparisons, `where`, the fills), with their in-place forms and `out=`.

pub mod table;

use super::tensor::{ok, value};
use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::storage::BinaryOp;
use tinytorch::{DType, Tensor};

/// `out=`: the result written into a given tensor of the same shape.
pub(super) fn with_out(b: &Bound, out_at: usize, r: Tensor) -> PyResult<Value> {
    match b.opt_tensor(out_at)? {
        None => Ok(value(r)),
        Some(out) => {
            if out.shape() != r.shape() {
                return Err(exc(
                    "RuntimeError",
                    format!(
                        "out= tensor of shape {:?} cannot hold a result of shape {:?}",
                        out.shape(),
                        r.shape()
                    ),
                ));
            }
            out.copy_(&r).py()?;
            Ok(b.value(out_at).clone())
        }
    }
}

/// Functions that are also methods.
#[rustfmt::skip]
pub const BOTH: &[Row] = &[
    row("add(Tensor input, Tensor|Number other, *, Scalar alpha=1, Tensor? out=None)", "input + alpha * other.", add),
    row("sub(Tensor input, Tensor|Number other, *, Scalar alpha=1, Tensor? out=None)", "input - alpha * other.", sub),
    row("subtract(Tensor input, Tensor|Number other, *, Scalar alpha=1, Tensor? out=None)", "Alias of sub.", sub),
    row("mul(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input * other.", mul),
    row("multiply(Tensor input, Tensor|Number other, *, Tensor? out=None)", "Alias of mul.", mul),
    row("div(Tensor input, Tensor|Number other, *, str? rounding_mode=None, Tensor? out=None)", "input / other (rounding_mode 'trunc' or 'floor' rounds the quotient).", div),
    row("divide(Tensor input, Tensor|Number other, *, str? rounding_mode=None, Tensor? out=None)", "Alias of div.", div),
    row("true_divide(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input / other.", true_divide),
    row("floor_divide(Tensor input, Tensor|Number other, *, Tensor? out=None)", "The quotient rounded down, as Python's //.", floor_divide),
    row("remainder(Tensor input, Tensor|Number other, *, Tensor? out=None)", "The remainder with the divisor's sign, as Python's %.", remainder),
    row("pow(Tensor input, Tensor|Number exponent, *, Tensor? out=None)", "input ** exponent.", pow),
    row("maximum(Tensor input, Tensor other, *, Tensor? out=None)", "The larger of each pair of elements (NaN propagates).", maximum),
    row("minimum(Tensor input, Tensor other, *, Tensor? out=None)", "The smaller of each pair of elements (NaN propagates).", minimum),
    row("logical_and(Tensor input, Tensor other, *, Tensor? out=None)", "Elementwise logical and (a bool tensor).", logical_and),
    row("logical_or(Tensor input, Tensor other, *, Tensor? out=None)", "Elementwise logical or (a bool tensor).", logical_or),
    row("logical_xor(Tensor input, Tensor other, *, Tensor? out=None)", "Elementwise logical xor (a bool tensor).", logical_xor),
    row("lt(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input < other, elementwise.", lt),
    row("le(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input <= other, elementwise.", le),
    row("gt(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input > other, elementwise.", gt),
    row("ge(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input >= other, elementwise.", ge),
    row("eq(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input == other, elementwise.", eq),
    row("ne(Tensor input, Tensor|Number other, *, Tensor? out=None)", "input != other, elementwise.", ne),
    row("clamp(Tensor input, Scalar? min=None, Scalar? max=None, *, Tensor? out=None)", "Each element limited to [min, max].", clamp),
    row("clip(Tensor input, Scalar? min=None, Scalar? max=None, *, Tensor? out=None)", "Alias of clamp.", clamp),
    row("masked_fill(Tensor input, Tensor mask, Scalar value)", "value where mask is true, input elsewhere.", masked_fill),
    row("round(Tensor input, *, int decimals=0, Tensor? out=None)", "Each element rounded to decimals places (half to even).", round),
    row("bitwise_not(Tensor input, *, Tensor? out=None)", "~x: logical not of bools, bitwise not of integers.", bitwise_not),
    row("equal(Tensor input, Tensor other)", "Whether the tensors have the same shape and elements.", equal),
    row("allclose(Tensor input, Tensor other, float rtol=1e-05, float atol=1e-08, bool equal_nan=False)", "Whether |input - other| <= atol + rtol * |other| everywhere.", allclose),
    row("isclose(Tensor input, Tensor other, float rtol=1e-05, float atol=1e-08, bool equal_nan=False)", "|input - other| <= atol + rtol * |other|, elementwise.", isclose),
];

pub const FUNCTIONS: &[Row] = &[row(
    "where(Tensor condition, Tensor|Number input, Tensor|Number other)",
    "Elements of input where condition holds, else of other (numbers allowed).",
    where_,
)];

/// In-place methods.
#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("add_(Tensor input, Tensor|Number other, *, Scalar alpha=1)", "In-place add.", add_),
    row("sub_(Tensor input, Tensor|Number other, *, Scalar alpha=1)", "In-place sub.", sub_),
    row("mul_(Tensor input, Tensor|Number other)", "In-place mul.", mul_),
    row("div_(Tensor input, Tensor|Number other)", "In-place div.", div_),
    row("pow_(Tensor input, Scalar exponent)", "In-place pow.", pow_),
    row("clamp_(Tensor input, Scalar? min=None, Scalar? max=None)", "In-place clamp.", clamp_),
    row("clip_(Tensor input, Scalar? min=None, Scalar? max=None)", "In-place clamp.", clamp_),
    row("masked_fill_(Tensor input, Tensor mask, Scalar value)", "In-place masked_fill.", masked_fill_),
    row("bitwise_not_(Tensor input)", "In-place bitwise_not.", bitwise_not_),
    row("zero_(Tensor input)", "Fills the tensor with zeros, in place.", zero_),
    row("fill_(Tensor input, Scalar value)", "Fills the tensor with value, in place.", fill_),
    row("copy_(Tensor input, Tensor src, bool non_blocking=False)", "Copies src's elements into this tensor (broadcasting), in place.", copy_),
];

fn add(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.add_arg(b.operand(1)?, b.float(2)?).py()?;
    with_out(&b, 3, r)
}

fn sub(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.sub_arg(b.operand(1)?, b.float(2)?).py()?;
    with_out(&b, 3, r)
}

fn mul(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.mul_arg(b.operand(1)?).py()?;
    with_out(&b, 2, r)
}

fn div(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let r = match b.opt_str(2)? {
        None => t.div_arg(b.operand(1)?),
        Some(m) => t.div_rounding(b.operand(1)?, m),
    }
    .py()?;
    with_out(&b, 3, r)
}

fn true_divide(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.div_arg(b.operand(1)?).py()?;
    with_out(&b, 2, r)
}

fn floor_divide(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.floor_divide(b.operand(1)?).py()?;
    with_out(&b, 2, r)
}

fn remainder(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.remainder(b.operand(1)?).py()?;
    with_out(&b, 2, r)
}

fn pow(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let r = match b.operand(1)? {
        tinytorch::ops::binary::Arg::T(e) => t.pow(e),
        tinytorch::ops::binary::Arg::S(s) => t.pow_scalar(s),
    }
    .py()?;
    with_out(&b, 2, r)
}

fn pair(b: &Bound, f: fn(&Tensor, &Tensor) -> tinytorch::Result<Tensor>) -> PyResult<Value> {
    let r = f(b.tensor(0)?, b.tensor(1)?).py()?;
    with_out(b, 2, r)
}

fn maximum(_: &mut Interp, b: Bound) -> PyResult<Value> {
    pair(&b, Tensor::maximum)
}

fn minimum(_: &mut Interp, b: Bound) -> PyResult<Value> {
    pair(&b, Tensor::minimum)
}

fn logical_and(_: &mut Interp, b: Bound) -> PyResult<Value> {
    pair(&b, Tensor::logical_and)
}

fn logical_or(_: &mut Interp, b: Bound) -> PyResult<Value> {
    pair(&b, Tensor::logical_or)
}

fn logical_xor(_: &mut Interp, b: Bound) -> PyResult<Value> {
    pair(&b, Tensor::logical_xor)
}

fn compare(b: &Bound, op: BinaryOp) -> PyResult<Value> {
    let r = b.tensor(0)?.compare_op(b.operand(1)?, op).py()?;
    with_out(b, 2, r)
}

fn lt(_: &mut Interp, b: Bound) -> PyResult<Value> {
    compare(&b, BinaryOp::Lt)
}

fn le(_: &mut Interp, b: Bound) -> PyResult<Value> {
    compare(&b, BinaryOp::Le)
}

fn gt(_: &mut Interp, b: Bound) -> PyResult<Value> {
    compare(&b, BinaryOp::Gt)
}

fn ge(_: &mut Interp, b: Bound) -> PyResult<Value> {
    compare(&b, BinaryOp::Ge)
}

fn eq(_: &mut Interp, b: Bound) -> PyResult<Value> {
    compare(&b, BinaryOp::Eq)
}

fn ne(_: &mut Interp, b: Bound) -> PyResult<Value> {
    compare(&b, BinaryOp::Ne)
}

fn bounds(b: &Bound) -> PyResult<(Option<f64>, Option<f64>)> {
    let (lo, hi) = (b.opt_float(1)?, b.opt_float(2)?);
    if lo.is_none() && hi.is_none() {
        return Err(exc(
            "RuntimeError",
            "torch.clamp: At least one of 'min' or 'max' must not be None",
        ));
    }
    Ok((lo, hi))
}

fn clamp(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (lo, hi) = bounds(&b)?;
    let r = b.tensor(0)?.clamp(lo, hi).py()?;
    with_out(&b, 3, r)
}

fn masked_fill(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.masked_fill(b.tensor(1)?, b.float(2)?))
}

fn round(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let r = match b.int(1)? {
        0 => t.round(),
        n => {
            let p = 10f64.powi(n.clamp(-300, 300) as i32);
            t.mul_scalar(p)
                .and_then(|x| x.round())
                .and_then(|x| x.div_scalar(p))
        }
    }
    .py()?;
    with_out(&b, 2, r)
}

fn bitwise_not(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.bitwise_not().py()?;
    with_out(&b, 1, r)
}

fn equal(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, o) = (b.tensor(0)?, b.tensor(1)?);
    if o.shape() != t.shape() {
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(t.to_vec_f64().py()? == o.to_vec_f64().py()?))
}

/// `|a - b| <= atol + rtol * |b|` elementwise (in float64), infinities of
/// one sign close, NaNs close when `equal_nan`.
fn close(b: &Bound) -> PyResult<Tensor> {
    let (t, o) = (b.tensor(0)?, b.tensor(1)?);
    let (rtol, atol, equal_nan) = (b.float(2)?, b.float(3)?, b.bool(4)?);
    let a64 = t.detach().to_dtype(DType::F64).py()?;
    let b64 = o.detach().to_dtype(DType::F64).py()?;
    let diff = a64.sub(&b64).and_then(|d| d.abs()).py()?;
    let tol = b64
        .abs()
        .and_then(|x| x.mul_scalar(rtol))
        .and_then(|x| x.add_scalar(atol))
        .py()?;
    let mut c = diff.le(&tol).py()?;
    c = c.logical_or(&a64.eq(&b64).py()?).py()?;
    if equal_nan {
        c = c
            .logical_or(
                &a64.isnan()
                    .and_then(|x| x.logical_and(&b64.isnan()?))
                    .py()?,
            )
            .py()?;
    }
    Ok(c)
}

fn allclose(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let c = close(&b)?;
    Ok(Value::Bool(c.all(None, false).py()?.item().py()? != 0.0))
}

fn isclose(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(value(close(&b)?))
}

fn where_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    use tinytorch::ops::binary::Arg;
    let c = b.tensor(0)?;
    let (x, y) = (b.operand(1)?, b.operand(2)?);
    // A number beside a tensor takes the tensor's dtype (PyTorch's wrapped-number rule).
    let as_t = |a: &Arg, other: &Arg| -> PyResult<Tensor> {
        match a {
            Arg::T(t) => Ok((*t).clone()),
            Arg::S(s) => {
                let dtype = match other {
                    Arg::T(t) => super::tensor::promote_scalar(t.dtype(), *s),
                    Arg::S(_) => match s {
                        tinytorch::Scalar::Float(_) => DType::F32,
                        tinytorch::Scalar::Int(_) => DType::I64,
                        tinytorch::Scalar::Bool(_) => DType::Bool,
                    },
                };
                Tensor::scalar_tensor(s.to_f64(), dtype, c.device()).py()
            }
        }
    };
    let xt = as_t(&x, &y)?;
    let yt = as_t(&y, &x)?;
    ok(Tensor::where_cond(c, &xt, &yt))
}

/// Runs an in-place engine op and returns the receiver.
fn done(b: &Bound, r: tinytorch::Result<()>) -> PyResult<Value> {
    r.py()?;
    Ok(b.value(0).clone())
}

fn add_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    use tinytorch::ops::binary::Arg;
    let t = b.tensor(0)?;
    let alpha = b.float(2)?;
    let r = match b.operand(1)? {
        Arg::T(o) if alpha == 1.0 => t.add_(o),
        Arg::T(o) => t.add_alpha_(o, alpha),
        Arg::S(s) if alpha == 1.0 => t.add_scalar_(s),
        Arg::S(s) => t.add_scalar_(tinytorch::Scalar::Float(s.to_f64() * alpha)),
    };
    done(&b, r)
}

fn sub_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    use tinytorch::ops::binary::Arg;
    let t = b.tensor(0)?;
    let alpha = b.float(2)?;
    let r = match b.operand(1)? {
        Arg::T(o) if alpha == 1.0 => t.sub_(o),
        Arg::T(o) => t.add_alpha_(o, -alpha),
        Arg::S(s) if alpha == 1.0 => t.sub_scalar_(s),
        Arg::S(s) => t.sub_scalar_(tinytorch::Scalar::Float(s.to_f64() * alpha)),
    };
    done(&b, r)
}

fn mul_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    use tinytorch::ops::binary::Arg;
    let t = b.tensor(0)?;
    let r = match b.operand(1)? {
        Arg::T(o) => t.mul_(o),
        Arg::S(s) => t.mul_scalar_(s),
    };
    done(&b, r)
}

fn div_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    use tinytorch::ops::binary::Arg;
    let t = b.tensor(0)?;
    let r = match b.operand(1)? {
        Arg::T(o) => t.div_(o),
        Arg::S(s) => t.div_scalar_(s),
    };
    done(&b, r)
}

fn pow_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, b.tensor(0)?.pow_scalar_(b.scalar(1)?))
}

fn clamp_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (lo, hi) = bounds(&b)?;
    done(&b, b.tensor(0)?.clamp_(lo, hi))
}

fn masked_fill_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, b.tensor(0)?.masked_fill_(b.tensor(1)?, b.float(2)?))
}

fn bitwise_not_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    done(&b, t.bitwise_not().and_then(|r| t.copy_(&r)))
}

fn zero_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, b.tensor(0)?.zero_())
}

fn fill_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, b.tensor(0)?.fill_(b.float(1)?))
}

fn copy_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, b.tensor(0)?.copy_(b.tensor(1)?))
}
