//! `Display` for tensors: PyTorch's repr.

use std::fmt;

use crate::Tensor;

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_vec_f64() {
            Ok(v) => write!(f, "tensor({v:?}, shape={:?}, dtype={})", self.shape(), self.dtype()),
            Err(e) => write!(f, "<tensor: {e}>"),
        }
    }
}
