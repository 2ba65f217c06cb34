//! Reductions and scans with PyTorch's overloads: `sum mean prod max min
//! argmax argmin var std norm any all amax amin logsumexp softmax
//! log_softmax cumsum cumprod`; `dim`/`keepdim` positional or by keyword,
//! `axis`/`keepdims` as NumPy-style aliases, `max(dim=)` returning
//! `torch.return_types.max(values, indices)`.

use super::tensor::ok;
use super::values::values_indices;
use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::Tensor;

#[rustfmt::skip]
pub const BOTH: &[Row] = &[
    row("sum(Tensor input, *, ScalarType? dtype=None) | sum(Tensor input, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)", "The sum of the elements (over dim, if given).\n\n>>> torch.sum(torch.tensor([[1., 2.], [3., 4.]]), dim=0)\ntensor([4., 6.])", sum),
    row("mean(Tensor input, *, ScalarType? dtype=None) | mean(Tensor input, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)", "The mean of the elements (over dim, if given).", mean),
    row("prod(Tensor input, *, ScalarType? dtype=None) | prod(Tensor input, int dim, bool keepdim=False, *, ScalarType? dtype=None)", "The product of the elements (over dim, if given).", prod),
    row("max(Tensor input) | max(Tensor input, int dim, bool keepdim=False) | max(Tensor input, Tensor other)", "The largest element; with dim, (values, indices) along it; with a tensor, the elementwise maximum.", max),
    row("min(Tensor input) | min(Tensor input, int dim, bool keepdim=False) | min(Tensor input, Tensor other)", "The smallest element; with dim, (values, indices) along it; with a tensor, the elementwise minimum.", min),
    row("argmax(Tensor input, int? dim=None, bool keepdim=False)", "The index of the largest element (over the flattened tensor, or along dim).", argmax),
    row("argmin(Tensor input, int? dim=None, bool keepdim=False)", "The index of the smallest element (over the flattened tensor, or along dim).", argmin),
    row("amax(Tensor input, int[1] dim=[], bool keepdim=False)", "The largest elements over dim (all dims by default).", amax),
    row("amin(Tensor input, int[1] dim=[], bool keepdim=False)", "The smallest elements over dim (all dims by default).", amin),
    row("var(Tensor input, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) | var(Tensor input, int[1]? dim, bool unbiased=True, bool keepdim=False) | var(Tensor input, bool unbiased=True)", "The variance (Bessel-corrected unless correction=0 or unbiased=False).", var),
    row("std(Tensor input, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) | std(Tensor input, int[1]? dim, bool unbiased=True, bool keepdim=False) | std(Tensor input, bool unbiased=True)", "The standard deviation (Bessel-corrected unless correction=0 or unbiased=False).", std),
    row("norm(Tensor input, object p='fro', int[1]? dim=None, bool keepdim=False, ScalarType? dtype=None)", "The p-norm (2 by default) over all elements or over dim.", norm),
    row("any(Tensor input) | any(Tensor input, int dim, bool keepdim=False)", "Whether any element is non-zero (along dim, if given).", any),
    row("all(Tensor input) | all(Tensor input, int dim, bool keepdim=False)", "Whether every element is non-zero (along dim, if given).", all),
    row("logsumexp(Tensor input, int[1] dim, bool keepdim=False)", "log(sum(exp(input))) over dim, computed stably.", logsumexp),
    row("softmax(Tensor input, int dim, ScalarType? dtype=None)", "exp(x) / sum(exp(x)) along dim.", softmax),
    row("log_softmax(Tensor input, int dim, ScalarType? dtype=None)", "log(softmax(x)) along dim, computed stably.", log_softmax),
    row("cumsum(Tensor input, int dim, *, ScalarType? dtype=None)", "Running sums along dim.", cumsum),
    row("cumprod(Tensor input, int dim, *, ScalarType? dtype=None)", "Running products along dim.", cumprod),
];

/// The tensor cast to the requested accumulation dtype.
fn cast(it: &Interp, b: &Bound, at: usize) -> PyResult<Tensor> {
    let t = b.tensor(0)?;
    match b.dtype(it, at)? {
        Some(d) if d != t.dtype() => t.to_dtype(d).py(),
        _ => Ok(t.clone()),
    }
}

fn all_dims(t: &Tensor) -> Vec<i64> {
    (0..t.dim() as i64).collect()
}

fn sum(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.overload == 0 {
        return ok(cast(it, &b, 1)?.sum());
    }
    let t = cast(it, &b, 3)?;
    let keep = b.bool(2)?;
    match b.opt_ints(1)? {
        Some(d) => ok(t.sum_dims(&d, keep)),
        None if keep => ok(t.sum_dims(&all_dims(&t), true)),
        None => ok(t.sum()),
    }
}

fn mean(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.overload == 0 {
        return ok(cast(it, &b, 1)?.mean());
    }
    let t = cast(it, &b, 3)?;
    let keep = b.bool(2)?;
    match b.opt_ints(1)? {
        Some(d) => ok(t.mean_dims(&d, keep)),
        None if keep => ok(t.mean_dims(&all_dims(&t), true)),
        None => ok(t.mean()),
    }
}

fn prod(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.overload == 0 {
        return ok(cast(it, &b, 1)?.prod(None, false));
    }
    ok(cast(it, &b, 3)?.prod(Some(b.int(1)?), b.bool(2)?))
}

fn extreme(b: &Bound, largest: bool) -> PyResult<Value> {
    let t = b.tensor(0)?;
    match b.overload {
        0 => ok(if largest { t.max() } else { t.min() }),
        1 => {
            let (dim, keep) = (b.int(1)?, b.bool(2)?);
            let r = if largest {
                t.max_dim(dim, keep)
            } else {
                t.min_dim(dim, keep)
            }
            .py()?;
            Ok(values_indices(
                if largest { "max" } else { "min" },
                r.values,
                r.indices,
            ))
        }
        _ => {
            let o = b.tensor(1)?;
            ok(if largest { t.maximum(o) } else { t.minimum(o) })
        }
    }
}

fn max(_: &mut Interp, b: Bound) -> PyResult<Value> {
    extreme(&b, true)
}

fn min(_: &mut Interp, b: Bound) -> PyResult<Value> {
    extreme(&b, false)
}

fn argmax(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.argmax(b.opt_int(1)?, b.bool(2)?))
}

fn argmin(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.argmin(b.opt_int(1)?, b.bool(2)?))
}

/// `amax`/`amin` over `dim`; an empty `dim` means every dim (PyTorch).
fn amax_dims(b: &Bound) -> PyResult<(Vec<i64>, bool)> {
    let t = b.tensor(0)?;
    let d = b.ints(1)?;
    Ok((if d.is_empty() { all_dims(t) } else { d }, b.bool(2)?))
}

fn amax(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (d, keep) = amax_dims(&b)?;
    ok(b.tensor(0)?.amax(&d, keep))
}

fn amin(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (d, keep) = amax_dims(&b)?;
    // min over dims = -max(-x): the engine's amax carries the gradient rule.
    let t = b.tensor(0)?;
    ok(t.neg().and_then(|n| n.amax(&d, keep)).and_then(|m| m.neg()))
}

/// (dims, correction, keepdim) of var/std's three overloads.
fn moments(b: &Bound) -> PyResult<(Option<Vec<i64>>, f64, bool)> {
    match b.overload {
        0 => Ok((b.opt_ints(1)?, b.opt_float(2)?.unwrap_or(1.0), b.bool(3)?)),
        1 => Ok((
            b.opt_ints(1)?,
            if b.bool(2)? { 1.0 } else { 0.0 },
            b.bool(3)?,
        )),
        _ => Ok((None, if b.bool(1)? { 1.0 } else { 0.0 }, false)),
    }
}

fn var(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (d, c, keep) = moments(&b)?;
    ok(b.tensor(0)?.var(d.as_deref(), c, keep))
}

fn std(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (d, c, keep) = moments(&b)?;
    ok(b.tensor(0)?.std(d.as_deref(), c, keep))
}

fn norm(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = match b.value(1) {
        Value::None => 2.0,
        Value::Str(s) if &**s == "fro" => 2.0,
        Value::Str(s) if &**s == "nuc" => {
            return Err(exc(
                "RuntimeError",
                "norm(): the nuclear norm is not supported",
            ))
        }
        Value::Str(s) => return Err(exc("RuntimeError", format!("norm(): unsupported p '{s}'"))),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        other => {
            return Err(crate::eval::error::type_error(format!(
                "norm(): argument 'p' must be Number or str, not {}",
                other.type_name()
            )))
        }
    };
    let t = cast(it, &b, 4)?;
    ok(t.norm(p, b.opt_ints(2)?.as_deref(), b.bool(3)?))
}

fn any(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    if b.overload == 0 {
        return ok(t.any(None, false));
    }
    ok(t.any(Some(b.int(1)?), b.bool(2)?))
}

fn all(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    if b.overload == 0 {
        return ok(t.all(None, false));
    }
    ok(t.all(Some(b.int(1)?), b.bool(2)?))
}

fn logsumexp(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.logsumexp(&b.ints(1)?, b.bool(2)?))
}

fn softmax(it: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(cast(it, &b, 2)?.softmax(b.int(1)?))
}

fn log_softmax(it: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(cast(it, &b, 2)?.log_softmax(b.int(1)?))
}

fn cumsum(it: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(cast(it, &b, 2)?.cumsum(b.int(1)?))
}

fn cumprod(it: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(cast(it, &b, 2)?.cumprod(b.int(1)?))
}
