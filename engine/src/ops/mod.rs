//! Tensor operations, one file per family. Each op checks its arguments,
//! computes the output through `Storage` (never naming a device), and, when
//! autograd is recording, attaches a node whose backward sits right under
//! the forward, written in tensor ops. Elementwise functions are rows of
//! the tables in `pointwise/`; `unary.rs` and `binary.rs` hold the few
//! whose checks or signatures a row cannot say.

pub mod activation;
pub mod binary;
pub mod convert;
pub mod decomp;
pub mod einsum;
pub mod index;
pub mod indexing;
pub mod inplace;
pub mod linalg;
pub mod matmul;
pub mod matrix;
pub mod pointwise;
pub mod pyindex;
pub mod reduce;
pub mod shape;
pub mod sort;
pub mod unary;
pub mod view;

use crate::{Device, Error, Result, Tensor};

pub use crate::scalar::Scalar;

/// Errors unless all tensors live on one device.
pub(crate) fn same_device(op: &'static str, ts: &[&Tensor]) -> Result<Device> {
    let d = ts.first().map(|t| t.device()).unwrap_or_default();
    for t in ts {
        if t.device() != d {
            return Err(Error::DeviceMismatch {
                op,
                lhs: d,
                rhs: t.device(),
            });
        }
    }
    Ok(d)
}

/// Sums a broadcast gradient back to `shape` (the one helper every
/// broadcasting backward uses).
pub(crate) fn sum_to_shape(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    let lead = g.dim() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &s) in shape.iter().enumerate() {
        if s == 1 && g.shape()[lead + i] != 1 {
            dims.push((lead + i) as i64);
        }
    }
    let summed = if dims.is_empty() {
        g.clone()
    } else {
        g.sum_dims(&dims, true)?
    };
    summed.reshape(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
}
