//! `Display` for tensors: PyTorch's repr, through the pure formatter in
//! `repr.rs` (which owns every rule and is tested against PyTorch itself).

use std::fmt;

use super::repr::{format_tensor, PrintOptions, ReprInput, ReprValues};
use crate::{DType, Result, Tensor};

impl Tensor {
    /// `repr(t)` exactly as PyTorch prints it.
    pub fn repr(&self) -> Result<String> {
        self.repr_with(&PrintOptions::default())
    }

    /// `repr(t)` under explicit print options (`torch.set_printoptions`).
    pub fn repr_with(&self, opts: &PrintOptions) -> Result<String> {
        let values = match self.dtype() {
            DType::Bool => {
                ReprValues::Bool(self.to_vec_i64()?.into_iter().map(|v| v != 0).collect())
            }
            d if d.is_int() => ReprValues::Int(self.to_vec_i64()?),
            _ => ReprValues::Float(self.to_vec_f64()?),
        };
        let device = self.device().to_string();
        let grad_fn = self.grad_fn().map(|n| n.name());
        let input = ReprInput {
            shape: self.shape(),
            values,
            dtype: self.dtype().name(),
            device: self.device().is_cuda().then_some(device.as_str()),
            requires_grad: self.requires_grad() && grad_fn.is_none(),
            grad_fn,
            is_parameter: self.is_parameter(),
        };
        Ok(format_tensor(&input, opts))
    }
}

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr() {
            Ok(s) => f.write_str(&s),
            Err(e) => write!(f, "<tensor: {e}>"),
        }
    }
}
