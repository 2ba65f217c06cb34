//! A Python subscript as PyTorch reads it, turned into the engine's
//! [`TensorIndex`] items, so a front end only maps its values onto
//! [`PyIndex`] and calls [`python_index`].
//!
//! PyTorch's rules (torch/csrc/autograd/python_variable_indexing.cpp):
//! - a tuple is a tuple of indices;
//! - a *list* shorter than 32 that holds a tensor, a sequence, a slice,
//!   `...` or `None` is also read as a tuple (`x[[[0], [1]]]` is
//!   `x[[0], [1]]`; PyTorch 2.15 warns that this will change);
//! - any other list, and every sequence inside the tuple, becomes one
//!   tensor index (`torch.tensor(seq)`): int64, or a bool mask when every
//!   leaf is a bool (floats truncate, as PyTorch's
//!   `indexing_tensor_from_data` converts to int64); a bare float is an
//!   IndexError.
//!
//! Knows nothing of the front end's value types.

use super::indexing::TensorIndex;
use crate::{DType, Error, Result, Tensor};

/// One Python value used as (part of) a subscript.
#[derive(Clone)]
pub enum PyIndex {
    Int(i64),
    Bool(bool),
    /// A float: an IndexError alone, truncated inside a sequence.
    Float(f64),
    /// `start:stop:step`, each part optional.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    None,
    Ellipsis,
    Tensor(Tensor),
    List(Vec<PyIndex>),
    Tuple(Vec<PyIndex>),
}

impl PyIndex {
    fn is_sequence(&self) -> bool {
        matches!(self, PyIndex::List(_) | PyIndex::Tuple(_))
    }
}

/// The index items of `x[idx]`.
pub fn python_index(idx: &PyIndex) -> Result<Vec<TensorIndex>> {
    let items: &[PyIndex] = match idx {
        PyIndex::Tuple(items) => items,
        PyIndex::List(items) if treat_as_tuple(items) => items,
        one => std::slice::from_ref(one),
    };
    items.iter().map(item).collect()
}

/// PyTorch's `treatSequenceAsTuple` for a list.
fn treat_as_tuple(items: &[PyIndex]) -> bool {
    items.len() < 32
        && items.iter().any(|v| {
            v.is_sequence()
                || matches!(
                    v,
                    PyIndex::Tensor(_) | PyIndex::Slice(..) | PyIndex::Ellipsis | PyIndex::None
                )
        })
}

fn item(v: &PyIndex) -> Result<TensorIndex> {
    Ok(match v {
        PyIndex::Int(i) => TensorIndex::Int(*i),
        PyIndex::Bool(b) => TensorIndex::Tensor(Tensor::from_vec(vec![*b], &[])?),
        PyIndex::Slice(start, stop, step) => {
            let step = step.unwrap_or(1);
            if step <= 0 {
                return Err(Error::invalid("step must be greater than zero"));
            }
            TensorIndex::slice(*start, *stop, step)
        }
        PyIndex::None => TensorIndex::NewAxis,
        PyIndex::Ellipsis => TensorIndex::Ellipsis,
        PyIndex::Tensor(t) => TensorIndex::Tensor(t.clone()),
        PyIndex::List(_) | PyIndex::Tuple(_) => TensorIndex::Tensor(sequence_tensor(v)?),
        PyIndex::Float(_) => {
            return Err(Error::InvalidIndex(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)".into(),
            ))
        }
    })
}

fn bad_index() -> Error {
    Error::InvalidIndex("tensors used as indices must be long, int, byte or bool tensors".into())
}

/// `torch.tensor(seq)` for an index: int64, or bool when every leaf is a
/// bool (PyTorch's `indexing_tensor_from_data`).
fn sequence_tensor(v: &PyIndex) -> Result<Tensor> {
    // The shape comes from the first element at each depth, as in PyTorch.
    let mut shape = Vec::new();
    let mut cur = v;
    while let PyIndex::List(items) | PyIndex::Tuple(items) = cur {
        shape.push(items.len());
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    let mut leaves: Vec<(i64, bool)> = Vec::new();
    walk(v, 0, &shape, &mut leaves)?;
    if !leaves.is_empty() && leaves.iter().all(|&(_, b)| b) {
        let v: Vec<bool> = leaves.iter().map(|&(i, _)| i != 0).collect();
        return Tensor::from_vec(v, &shape);
    }
    Tensor::from_vec(leaves.into_iter().map(|(i, _)| i).collect(), &shape)
}

/// Collects the leaves row-major as (value, was a bool), checking every
/// sequence against `shape` (PyTorch's "expected sequence of length n at
/// dim d" for ragged input).
fn walk(v: &PyIndex, depth: usize, shape: &[usize], out: &mut Vec<(i64, bool)>) -> Result<()> {
    let ragged = |got: String| {
        Error::invalid(format!(
            "expected sequence of length {} at dim {depth} (got {got})",
            shape.get(depth).copied().unwrap_or(0)
        ))
    };
    match v {
        PyIndex::List(items) | PyIndex::Tuple(items) => {
            if shape.get(depth) != Some(&items.len()) {
                return Err(ragged(items.len().to_string()));
            }
            items
                .iter()
                .try_for_each(|x| walk(x, depth + 1, shape, out))
        }
        leaf => {
            if depth != shape.len() {
                return Err(ragged("a number".into()));
            }
            out.push(match leaf {
                PyIndex::Int(i) => (*i, false),
                PyIndex::Bool(b) => (*b as i64, true),
                PyIndex::Float(f) => (*f as i64, false),
                PyIndex::Tensor(t) if t.dim() == 0 && !t.dtype().is_float() => {
                    (t.to_vec_i64()?[0], t.dtype() == DType::Bool)
                }
                _ => return Err(bad_index()),
            });
            Ok(())
        }
    }
}
