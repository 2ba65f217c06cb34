//! Creation functions (`zeros`, `ones`, `full`, `arange`, `linspace`,
//! `eye`, `*_like`, from data). Sizes are checked before allocating, so a
//! huge request is an error, not an abort.

use crate::shape::checked_numel;
use crate::storage::{CpuStorage, Storage};
use crate::{DType, Device, Error, Result, Tensor};

impl Tensor {
    /// `torch.full(shape, value, dtype=dtype, device=device)`.
    pub fn full(shape: &[usize], value: f64, dtype: DType, device: Device) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Ok(Tensor::from_contiguous(
            Storage::full(n, value, dtype, device)?,
            shape,
        ))
    }

    pub fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full(shape, 0.0, dtype, device)
    }

    pub fn ones(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full(shape, 1.0, dtype, device)
    }

    /// `torch.empty`: tinytorch zero-fills (reading uninitialised memory
    /// would make notebooks nondeterministic).
    pub fn empty(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::zeros(shape, dtype, device)
    }

    /// A 0-dim tensor.
    pub fn scalar_tensor(value: f64, dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full(&[], value, dtype, device)
    }

    pub fn zeros_like(t: &Tensor) -> Result<Tensor> {
        Tensor::zeros(t.shape(), t.dtype(), t.device())
    }

    pub fn ones_like(t: &Tensor) -> Result<Tensor> {
        Tensor::ones(t.shape(), t.dtype(), t.device())
    }

    pub fn full_like(t: &Tensor, value: f64) -> Result<Tensor> {
        Tensor::full(t.shape(), value, t.dtype(), t.device())
    }

    /// A CPU tensor from row-major values converted to `dtype`.
    pub fn from_vec_f64(values: &[f64], shape: &[usize], dtype: DType) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        if n != values.len() {
            return Err(Error::invalid(format!(
                "shape {shape:?} needs {n} values, got {}",
                values.len()
            )));
        }
        Ok(Tensor::from_contiguous(
            Storage::Cpu(CpuStorage::from_f64s(values, dtype)),
            shape,
        ))
    }

    /// A CPU tensor owning a typed vector (no conversion).
    pub fn from_vec<T: crate::storage::cpu::IntoStorage>(
        values: Vec<T>,
        shape: &[usize],
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        if n != values.len() {
            return Err(Error::invalid(format!(
                "shape {shape:?} needs {n} values, got {}",
                values.len()
            )));
        }
        Ok(Tensor::from_contiguous(
            Storage::Cpu(T::into_storage(values)),
            shape,
        ))
    }

    /// `torch.arange(start, end, step)`. The dtype is int64 when all three
    /// are integers, else the default float (as in PyTorch).
    pub fn arange(start: f64, end: f64, step: f64, dtype: DType, device: Device) -> Result<Tensor> {
        if step == 0.0 {
            return Err(Error::invalid("step must be nonzero"));
        }
        if !(start.is_finite() && end.is_finite()) {
            return Err(Error::invalid(format!(
                "unsupported range: {start} -> {end}"
            )));
        }
        if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
            return Err(Error::invalid(
                "upper bound and larger bound inconsistent with step sign",
            ));
        }
        let n = ((end - start) / step).ceil().max(0.0);
        if n > 1e12 {
            return Err(Error::OutOfMemory {
                bytes: (n * dtype.size_in_bytes() as f64) as u128,
                device,
            });
        }
        let n = n as usize;
        let vals: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
        Tensor::from_vec_f64(&vals, &[n], dtype)?.to_device(device)
    }

    /// `torch.linspace(start, end, steps)` (PyTorch computes from both
    /// ends for symmetry; so do we).
    pub fn linspace(
        start: f64,
        end: f64,
        steps: usize,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let step = if steps > 1 {
            (end - start) / (steps - 1) as f64
        } else {
            0.0
        };
        let half = steps / 2;
        let vals: Vec<f64> = (0..steps)
            .map(|i| {
                if i < half {
                    start + step * i as f64
                } else {
                    end - step * (steps - 1 - i) as f64
                }
            })
            .collect();
        Tensor::from_vec_f64(&vals, &[steps], dtype)?.to_device(device)
    }

    /// `torch.eye(n, m)`.
    pub fn eye(n: usize, m: Option<usize>, dtype: DType, device: Device) -> Result<Tensor> {
        let m = m.unwrap_or(n);
        checked_numel(&[n, m])?;
        let mut vals = vec![0.0; n * m];
        for i in 0..n.min(m) {
            vals[i * m + i] = 1.0;
        }
        Tensor::from_vec_f64(&vals, &[n, m], dtype)?.to_device(device)
    }
}
