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
use tinytorch::ops::pyindex::{python_index, PyIndex};
use tinytorch::{DType, Scalar, Tensor};

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

/// A subscript value as the engine's [`PyIndex`] (PyTorch's reading of
/// lists, tuples, bools and floats is the engine's `python_index`).
fn py_index(it: &mut Interp, v: &Value) -> PyResult<PyIndex> {
    Ok(match v {
        Value::Int(i) => PyIndex::Int(*i),
        Value::Bool(b) => PyIndex::Bool(*b),
        Value::Float(f) => PyIndex::Float(*f),
        Value::Slice(s) => {
            let step = slice_bound(&s[2])?;
            if step.is_some_and(|k| k <= 0) {
                return Err(exc("ValueError", "step must be greater than zero"));
            }
            PyIndex::Slice(slice_bound(&s[0])?, slice_bound(&s[1])?, step)
        }
        Value::None => PyIndex::None,
        Value::Ellipsis => PyIndex::Ellipsis,
        Value::Range(r) => {
            let (s, e, st) = **r;
            let n = crate::eval::value::range_len(s, e, st);
            PyIndex::List((0..n).map(|k| PyIndex::Int(s + k * st)).collect())
        }
        Value::List(_) => {
            let items = it.collect(v)?;
            PyIndex::List(seq(it, &items)?)
        }
        Value::Tuple(t) => PyIndex::Tuple(seq(it, &t.items)?),
        other => match other.downcast::<Tensor>() {
            Some(t) => PyIndex::Tensor(t.clone()),
            None => match other {
                // Objects with __index__ (a 0-d integer tensor is caught above).
                Value::Object(o) if matches!(o.index(), Ok(Some(_))) => {
                    PyIndex::Int(o.index()?.unwrap_or(0))
                }
                _ => {
                    return Err(exc(
                        "IndexError",
                        format!(
                            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
                            other.type_name()
                        ),
                    ))
                }
            },
        },
    })
}

fn seq(it: &mut Interp, items: &[Value]) -> PyResult<Vec<PyIndex>> {
    items.iter().map(|x| py_index(it, x)).collect()
}

/// The engine's index items for a Python subscript.
pub fn index_items(it: &mut Interp, idx: &Value) -> PyResult<Vec<TensorIndex>> {
    python_index(&py_index(it, idx)?).py()
}

/// The values of `t[i] = v`: a tensor, or a number (or nested lists) made
/// into `t`'s dtype.
pub fn put_value(it: &mut Interp, t: &Tensor, v: &Value) -> PyResult<Tensor> {
    if let Some(s) = v.downcast::<Tensor>() {
        return Ok(s.clone());
    }
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            // Exact for ints; PyTorch's overflow error where the dtype
            // cannot hold the number.
            let x = crate::bind::scalar_of(v).unwrap_or(Scalar::Int(0));
            Tensor::full_scalar(&[], x, t.dtype(), t.device()).py()
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
