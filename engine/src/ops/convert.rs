//! Dtype and device conversions, contiguity, and copies.

use crate::autograd::record;
use crate::storage::Storage;
use crate::{DType, Device, Result, Tensor};

impl Tensor {
    /// `x.to(dtype)`: the same tensor if the dtype already matches, else a
    /// converted copy (differentiable between float dtypes: ToCopyBackward0).
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let s = self.storage().cast(self.layout(), dtype)?;
        let out = Tensor::from_contiguous(s, self.shape());
        if !dtype.is_float() {
            return Ok(out);
        }
        let src = self.dtype();
        Ok(record(
            out,
            "ToCopyBackward0",
            &[self],
            vec![],
            move |g, _| Ok(vec![Some(g.to_dtype(src)?)]),
        ))
    }

    /// `x.cuda()`: `x.to("cuda")`, device 0.
    pub fn cuda(&self) -> Result<Tensor> {
        self.to_device(Device::Cuda(0))
    }

    /// `x.cpu()`: `x.to("cpu")`.
    pub fn cpu(&self) -> Result<Tensor> {
        self.to_device(Device::Cpu)
    }

    /// `x.to(device)`: a copy on `device` (or `self` if already there).
    pub fn to_device(&self, device: Device) -> Result<Tensor> {
        if device == self.device() {
            return Ok(self.clone());
        }
        let host = self.to_cpu_storage()?;
        let out = Tensor::from_contiguous(Storage::from_cpu(host, device)?, self.shape());
        let src = self.device();
        Ok(record(
            out,
            "ToCopyBackward0",
            &[self],
            vec![],
            move |g, _| Ok(vec![Some(g.to_device(src)?)]),
        ))
    }

    /// `x.contiguous()`: `self` when already contiguous, else a copy
    /// (CloneBackward0 passes the gradient through).
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        self.clone_tensor()
    }

    /// `x.clone()`: a contiguous copy that stays in the graph.
    pub fn clone_tensor(&self) -> Result<Tensor> {
        let out = self.contiguous_copy()?;
        Ok(record(out, "CloneBackward0", &[self], vec![], |g, _| {
            Ok(vec![Some(g.clone())])
        }))
    }

    /// A contiguous copy outside the graph.
    pub fn contiguous_copy(&self) -> Result<Tensor> {
        let s = self.storage().copy_strided(self.layout())?;
        Ok(Tensor::from_contiguous(s, self.shape()))
    }
}
