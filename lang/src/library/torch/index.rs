//! Subscripts of tensors as PyTorch reads them: ints, slices, `None`,
//! `...`, bools, and integer or boolean index tensors, lists and ranges in
//! any position (`logprobs[range(n), Yb]`, `C[Xb]`), turned into the
//! engine's [`TensorIndex`]es; and the value side of `t[i] = v`.

use super::creation::from_data;
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::ops::indexing::TensorIndex;
use tinytorch::{DType, Tensor};

fn slice_bound(v: &Value) -> PyResult<Option<i64>> {
    match v {
        Value::None => Ok(None),
        Value::Int(i) => Ok(Some(*i)),
        Value::Bool(b) => Ok(Some(*b as i64)),
        Value::Object(o) => o.index()?.map(Some).ok_or_else(|| {
            crate::eval::error::type_error(
                "slice indices must be integers or None or have an __index__ method",
            )
        }),
        _ => Err(crate::eval::error::type_error(
            "slice indices must be integers or None or have an __index__ method",
        )),
    }
}

fn one(it: &mut Interp, v: &Value) -> PyResult<TensorIndex> {
    Ok(match v {
        Value::Int(i) => TensorIndex::Int(*i),
        Value::Bool(b) => TensorIndex::Tensor(Tensor::from_vec(vec![*b], &[]).py()?),
        Value::Slice(s) => {
            let step = slice_bound(&s[2])?.unwrap_or(1);
            if step <= 0 {
                return Err(exc("ValueError", "step must be greater than zero"));
            }
            TensorIndex::slice(slice_bound(&s[0])?, slice_bound(&s[1])?, step)
        }
        Value::None => TensorIndex::NewAxis,
        Value::Ellipsis => TensorIndex::Ellipsis,
        Value::Range(r) => {
            let (s, e, st) = **r;
            let n = crate::eval::value::range_len(s, e, st);
            let idx: Vec<i64> = (0..n).map(|k| s + k * st).collect();
            TensorIndex::Tensor(Tensor::from_vec(idx, &[n as usize]).py()?)
        }
        Value::List(_) | Value::Tuple(_) => {
            let t = from_data(it, v, None)?;
            if t.dtype().is_float() {
                return Err(exc(
                    "IndexError",
                    "tensors used as indices must be long, int, byte or bool tensors",
                ));
            }
            TensorIndex::Tensor(t)
        }
        other => match other.downcast::<Tensor>() {
            Some(t) => TensorIndex::Tensor(t.clone()),
            None => {
                return Err(exc(
                    "IndexError",
                    format!(
                        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
                        other.type_name()
                    ),
                ))
            }
        },
    })
}

/// The engine's index items for a Python subscript.
pub fn index_items(it: &mut Interp, idx: &Value) -> PyResult<Vec<TensorIndex>> {
    match idx {
        Value::Tuple(tu) => tu.items.iter().map(|v| one(it, v)).collect(),
        other => Ok(vec![one(it, other)?]),
    }
}

/// The values of `t[i] = v`: a tensor, or a number (or nested lists) made
/// into `t`'s dtype.
pub fn put_value(it: &mut Interp, t: &Tensor, v: &Value) -> PyResult<Tensor> {
    if let Some(s) = v.downcast::<Tensor>() {
        return Ok(s.clone());
    }
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let x = crate::bind::scalar_of(v).map_or(0.0, |s| s.to_f64());
            Tensor::scalar_tensor(x, t.dtype(), t.device()).py()
        }
        Value::List(_) | Value::Tuple(_) => {
            let d = from_data(it, v, Some(t.dtype()))?;
            d.to_device(t.device()).py()
        }
        other => Err(crate::eval::error::type_error(format!(
            "can't assign a {} to a {} tensor",
            other.type_name(),
            super::tensor::type_title(if t.dtype() == DType::Bool {
                DType::Bool
            } else {
                t.dtype()
            })
        ))),
    }
}
