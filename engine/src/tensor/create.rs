//! Creation functions (`zeros`, `ones`, `full`, `arange`, `linspace`,
//! `eye`, `*_like`, from data). Sizes are checked before allocating, so a
//! huge request is an error, not an abort.

use crate::shape::checked_numel;
use crate::storage::cpu::{pool, IntoStorage};
use crate::storage::{CpuStorage, Storage};
use crate::{DType, Device, Error, Layout, Result, Scalar, Tensor};

/// The short forms use PyTorch's defaults (float32 on the CPU); each has an
/// `_on` form taking the dtype and device.
impl Tensor {
    /// `torch.zeros(3, 4)`: float32 zeros on the CPU.
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let z = Tensor::zeros(&[2, 3])?;
    /// assert_eq!((z.shape(), z.dtype()), (&[2, 3][..], DType::F32));
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn zeros(shape: &[usize]) -> Result<Tensor> {
        Tensor::zeros_on(shape, DType::F32, Device::Cpu)
    }

    /// `torch.ones(3, 4)`: float32 ones on the CPU.
    pub fn ones(shape: &[usize]) -> Result<Tensor> {
        Tensor::ones_on(shape, DType::F32, Device::Cpu)
    }

    /// `torch.full(shape, value)`: float32 on the CPU.
    ///
    /// ```
    /// let t = tinytorch::Tensor::full(&[2], 0.5)?;
    /// assert_eq!(t.to_vec_f64()?, [0.5, 0.5]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn full(shape: &[usize], value: f64) -> Result<Tensor> {
        Tensor::full_on(shape, value, DType::F32, Device::Cpu)
    }

    /// `torch.empty(shape)`: float32 on the CPU (zero-filled, see [`Tensor::empty_on`]).
    pub fn empty(shape: &[usize]) -> Result<Tensor> {
        Tensor::empty_on(shape, DType::F32, Device::Cpu)
    }

    /// `torch.full(shape, value, dtype=dtype, device=device)`.
    pub fn full_on(shape: &[usize], value: f64, dtype: DType, device: Device) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Ok(Tensor::from_contiguous(
            Storage::full(n, value, dtype, device)?,
            shape,
        ))
    }

    pub fn zeros_on(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full_on(shape, 0.0, dtype, device)
    }

    pub fn ones_on(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full_on(shape, 1.0, dtype, device)
    }

    /// `torch.empty`: tinytorch zero-fills (reading uninitialised memory
    /// would make notebooks nondeterministic).
    pub fn empty_on(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::zeros_on(shape, dtype, device)
    }

    /// A 0-dim tensor.
    pub fn scalar_tensor(value: f64, dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full_on(&[], value, dtype, device)
    }

    pub fn zeros_like(t: &Tensor) -> Result<Tensor> {
        Tensor::zeros_on(t.shape(), t.dtype(), t.device())
    }

    pub fn ones_like(t: &Tensor) -> Result<Tensor> {
        Tensor::ones_on(t.shape(), t.dtype(), t.device())
    }

    pub fn full_like(t: &Tensor, value: f64) -> Result<Tensor> {
        Tensor::full_on(t.shape(), value, t.dtype(), t.device())
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
        from_f64s(values, shape, dtype)
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
                "unsupported range: {} -> {}",
                fmt_g(start),
                fmt_g(end)
            )));
        }
        if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
            return Err(Error::invalid(
                "upper bound and lower bound inconsistent with step sign",
            ));
        }
        let n = ((end - start) / step).ceil().max(0.0);
        if n.is_nan() || n >= i64::MAX as f64 {
            return Err(Error::invalid("invalid size, possible overflow?"));
        }
        let n = n as usize;
        let mut vals = pool::try_alloc(n)?;
        vals.extend((0..n).map(|i| start + i as f64 * step));
        from_f64s(&vals, &[n], dtype)?.to_device(device)
    }

    /// `torch.linspace(start, end, steps)` with PyTorch's CPU kernel's
    /// arithmetic: the first half counts up from `start`, the second down
    /// from `end`; floats compute in their op-math type (float32 for the
    /// half types, from the ends rounded to the output type first),
    /// integers with a double step and truncate. (PyTorch's vectorised
    /// lanes, used for long outputs, can differ from this in the last bit.)
    pub fn linspace(
        start: f64,
        end: f64,
        steps: usize,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let mut vals: Vec<f64> = pool::try_alloc(steps)?;
        let half = (steps / 2) as i64;
        let last = steps as i64 - 1;
        // `ends` rounds start/end to the output type, `op` is the rounding
        // of one arithmetic result in the op-math type.
        let fill = |vals: &mut Vec<f64>, ends: &dyn Fn(f64) -> f64, op: &dyn Fn(f64) -> f64| {
            let (s, e) = (ends(start), ends(end));
            let step = if steps > 1 {
                op(op(e - s) / last as f64)
            } else {
                0.0
            };
            vals.extend((0..steps as i64).map(|i| {
                if steps == 1 {
                    s
                } else if i < half {
                    // One rounding of start + step * i, as PyTorch's
                    // kernel gets from a fused multiply-add.
                    op(step.mul_add(i as f64, s))
                } else {
                    op((-step).mul_add((last - i) as f64, e))
                }
            }));
        };
        let f32r = |x: f64| x as f32 as f64;
        match dtype {
            DType::F64 => fill(&mut vals, &|x| x, &|x| x),
            DType::F32 => fill(&mut vals, &f32r, &f32r),
            DType::F16 => fill(&mut vals, &|x| half::f16::from_f64(x).to_f64(), &f32r),
            DType::BF16 => fill(&mut vals, &|x| half::bf16::from_f64(x).to_f64(), &f32r),
            // (the ends as the integer type; the step and sums in double)
            _ => fill(&mut vals, &|x| x.trunc(), &|x| x),
        }
        from_f64s(&vals, &[steps], dtype)?.to_device(device)
    }

    /// `torch.eye(n, m)`.
    pub fn eye(n: usize, m: Option<usize>, dtype: DType, device: Device) -> Result<Tensor> {
        let m = m.unwrap_or(n);
        crate::shape::checked_view_numel(&[n, m])?;
        let t = Tensor::zeros_on(&[n, m], dtype, device)?;
        let k = n.min(m);
        if k > 0 {
            // The diagonal is a strided view (stride m + 1) of the zeros.
            let diag = Layout::new(vec![k], vec![m + 1], 0);
            let ones = Storage::full(k, 1.0, dtype, device)?;
            t.storage_mut()
                .copy_into(&diag, &ones, &Layout::contiguous(&[k]))?;
        }
        Ok(t)
    }

    /// `torch.tensor(data, dtype=dtype)` from Python numbers as written:
    /// ints convert exactly (an int64 beyond 2^53 keeps every bit), and a
    /// value out of an integer dtype's range is PyTorch's "value cannot be
    /// converted to type int32 without overflow" (floats round, to inf).
    pub fn from_scalars(values: &[Scalar], shape: &[usize], dtype: DType) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        if n != values.len() {
            return Err(Error::invalid(format!(
                "shape {shape:?} needs {n} values, got {}",
                values.len()
            )));
        }
        fn conv<T: IntoStorage>(values: &[Scalar], dtype: DType) -> Result<CpuStorage> {
            let mut v = pool::try_alloc(values.len())?;
            for &s in values {
                v.push(s.checked::<T>(dtype.name(), false)?);
            }
            Ok(T::into_storage(v))
        }
        let s = match dtype {
            DType::Bool => conv::<bool>(values, dtype)?,
            DType::I32 => conv::<i32>(values, dtype)?,
            DType::I64 => conv::<i64>(values, dtype)?,
            DType::F16 => conv::<half::f16>(values, dtype)?,
            DType::BF16 => conv::<half::bf16>(values, dtype)?,
            DType::F32 => conv::<f32>(values, dtype)?,
            DType::F64 => conv::<f64>(values, dtype)?,
        };
        Ok(Tensor::from_contiguous(Storage::Cpu(s), shape))
    }

    /// `torch.full(shape, value, dtype=dtype)` for a Python number: an int
    /// fills exactly, and a value the dtype cannot hold (an int out of
    /// range, a finite float beyond the float type's range) is PyTorch's
    /// "value cannot be converted to type int without overflow" (the C++
    /// type names: int, long, float, double, c10::Half, c10::BFloat16).
    pub fn full_scalar(
        shape: &[usize],
        value: Scalar,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        let one = value.checked_for_fill(dtype)?;
        let s = crate::scalar::repeat_one(&one, n)?;
        Tensor::from_contiguous(Storage::Cpu(s), shape).to_device(device)
    }
}

/// Row-major f64 values converted to `dtype` in a fallibly allocated CPU
/// storage.
fn from_f64s(values: &[f64], shape: &[usize], dtype: DType) -> Result<Tensor> {
    Ok(Tensor::from_contiguous(
        Storage::Cpu(CpuStorage::try_from_f64s(values, dtype)?),
        shape,
    ))
}

/// A float as C's `%g` prints it (PyTorch's messages use it).
pub(crate) fn fmt_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let exp = x.abs().log10().floor() as i32;
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    // %g: scientific when the exponent is < -4 or >= the precision (6).
    let e = {
        let s = format!("{:.5e}", x);
        let (m, ex) = s.split_once('e').unwrap_or((&s, "0"));
        let ex: i32 = ex.parse().unwrap_or(0);
        (trim(m.to_string()), ex)
    };
    if e.1 < -4 || e.1 >= 6 {
        format!(
            "{}e{}{:02}",
            e.0,
            if e.1 < 0 { '-' } else { '+' },
            e.1.abs()
        )
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim(format!("{x:.decimals$}"))
    }
}
