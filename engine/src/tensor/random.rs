//! Random creation functions on top of the PyTorch-identical generator in
//! `crate::random`: with the same `manual_seed`, `rand`/`randn`/`randint`/
//! `randperm` produce PyTorch's numbers.

use crate::random::default_generator;
use crate::shape::checked_numel;
use crate::{DType, Device, Error, Result, Tensor};

impl Tensor {
    /// `torch.rand(shape)`: uniform on [0, 1).
    pub fn rand(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::uniform(shape, 0.0, 1.0, dtype, device)
    }

    /// Uniform on [low, high) (`torch.empty(shape).uniform_(low, high)`).
    pub fn uniform(
        shape: &[usize],
        low: f64,
        high: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, dtype)?;
        let mut g = default_generator();
        let t = match dtype {
            DType::F32 => Tensor::from_vec(g.uniform_f32(n, low, high)?, shape)?,
            DType::F64 => Tensor::from_vec(g.uniform_f64(n, low, high)?, shape)?,
            DType::F16 => Tensor::from_vec(g.uniform_f16(n, low, high)?, shape)?,
            DType::BF16 => Tensor::from_vec(g.uniform_bf16(n, low, high)?, shape)?,
            d => {
                return Err(Error::invalid(format!(
                    "\"check_uniform_bounds\" not implemented for '{}'",
                    d.name()
                )))
            }
        };
        drop(g);
        t.to_device(device)
    }

    /// `torch.randn(shape)`: standard normal.
    pub fn randn(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::normal(shape, 0.0, 1.0, dtype, device)
    }

    /// Normal with `mean`, `std` (`torch.empty(shape).normal_(mean, std)`).
    pub fn normal(
        shape: &[usize],
        mean: f64,
        std: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, dtype)?;
        let mut g = default_generator();
        let t = match dtype {
            DType::F32 => Tensor::from_vec(g.normal_f32(n, mean, std)?, shape)?,
            DType::F64 => Tensor::from_vec(g.normal_f64(n, mean, std)?, shape)?,
            DType::F16 | DType::BF16 => {
                Tensor::from_vec(g.normal_f32(n, mean, std)?, shape)?.to_dtype(dtype)?
            }
            d => {
                return Err(Error::invalid(format!(
                    "\"normal_kernel_cpu\" not implemented for '{}'",
                    d.name()
                )))
            }
        };
        drop(g);
        t.to_device(device)
    }

    /// `torch.randint(low, high, shape)` (int64 by default).
    pub fn randint(
        low: i64,
        high: i64,
        shape: &[usize],
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, DType::I64)?;
        let v = default_generator().randint(n, low, high)?;
        Tensor::from_vec(v, shape)?
            .to_dtype(dtype)?
            .to_device(device)
    }

    /// `torch.randperm(n)`.
    pub fn randperm(n: usize, device: Device) -> Result<Tensor> {
        Tensor::guard_size(n, DType::I64)?;
        let v = default_generator().randperm(n);
        Tensor::from_vec(v, &[n])?.to_device(device)
    }

    pub fn rand_like(t: &Tensor) -> Result<Tensor> {
        Tensor::rand(t.shape(), t.dtype(), t.device())
    }

    pub fn randn_like(t: &Tensor) -> Result<Tensor> {
        Tensor::randn(t.shape(), t.dtype(), t.device())
    }

    fn guard_size(n: usize, dtype: DType) -> Result<()> {
        crate::storage::cpu::check_alloc(n, dtype)
    }
}

/// `torch.manual_seed(seed)`.
pub fn manual_seed(seed: u64) {
    crate::random::manual_seed(seed);
}
