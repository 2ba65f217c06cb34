//! `torch.autocast(device_type, dtype)`: a guard that sets, for this thread
//! and one device type, the low-precision dtype that eligible ops run in.
//! Guards nest; dropping one restores the previous state (as the Python
//! context manager's `__exit__`).

use std::cell::Cell;

use crate::{DType, Device, Error, Result, Tensor};

thread_local! {
    /// The autocast dtype per device type: [cpu, cuda].
    static STATE: Cell<[Option<DType>; 2]> = const { Cell::new([None, None]) };
}

fn slot(device_type: &str) -> Result<usize> {
    match device_type {
        "cpu" => Ok(0),
        "cuda" => Ok(1),
        other => Err(Error::invalid(format!(
            "User specified an unsupported autocast device_type '{other}'"
        ))),
    }
}

/// What autocast does to an op's floating-point inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Cast to the autocast dtype (matmul, linear, conv).
    LowerPrecision,
    /// Cast to float32 (numerically sensitive: softmax, losses, norms, sums).
    Fp32,
    /// Cast every input to the widest input dtype.
    Promote,
}

/// PyTorch's lists (autocast_mode.cpp, 2.x), restricted to ops tinytorch
/// has. CUDA runs softmax, norms, reductions and pointwise exp/log/pow in
/// float32; the CPU list keeps only prod and the losses in float32.
const LOWER: &[&str] = &[
    "matmul", "mm", "bmm", "linear", "conv1d", "conv2d", "conv3d", "baddbmm", "addmm", "prelu",
];
const FP32_CUDA: &[&str] = &[
    "softmax",
    "log_softmax",
    "sum",
    "prod",
    "cumsum",
    "exp",
    "log",
    "log1p",
    "pow",
    "rsqrt",
    "reciprocal",
    "norm",
    "layer_norm",
    "group_norm",
    "rms_norm",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
];
const FP32_CPU: &[&str] = &[
    "prod",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
];
const PROMOTE: &[&str] = &[
    "cat",
    "stack",
    "index_put",
    "scatter_add",
    "addcmul",
    "addcdiv",
];

/// The autocast policy of `op` on `device_type` ("cpu" or "cuda"), `None`
/// for ops autocast leaves alone.
pub fn policy(op: &str, device_type: &str) -> Option<Policy> {
    let fp32 = if device_type == "cuda" {
        FP32_CUDA
    } else {
        FP32_CPU
    };
    if LOWER.contains(&op) {
        Some(Policy::LowerPrecision)
    } else if fp32.contains(&op) {
        Some(Policy::Fp32)
    } else if PROMOTE.contains(&op) {
        Some(Policy::Promote)
    } else {
        None
    }
}

/// Restores the previous autocast state of its device type on drop.
#[must_use = "autocast is active only while the guard lives"]
pub struct AutocastGuard {
    slot: usize,
    prev: Option<DType>,
}

impl Drop for AutocastGuard {
    fn drop(&mut self) {
        STATE.with(|s| {
            let mut v = s.get();
            v[self.slot] = self.prev;
            s.set(v);
        });
    }
}

/// `torch.autocast(device_type, dtype)`: while the guard lives, ops on
/// `device_type` tensors follow their autocast policy. CUDA takes float16
/// or bfloat16; the CPU bfloat16 or float16, as PyTorch.
///
/// ```
/// use tinytorch::{amp, DType, Device, Tensor};
/// let a = Tensor::ones_on(&[2, 3], DType::F32, Device::Cpu)?;
/// let b = Tensor::ones_on(&[3, 4], DType::F32, Device::Cpu)?;
/// {
///     let _ac = amp::autocast("cpu", DType::BF16)?;
///     assert_eq!(a.matmul(&b)?.dtype(), DType::BF16);
/// }
/// assert_eq!(a.matmul(&b)?.dtype(), DType::F32);
/// # Ok::<(), tinytorch::Error>(())
/// ```
pub fn autocast(device_type: &str, dtype: DType) -> Result<AutocastGuard> {
    let slot = slot(device_type)?;
    if !matches!(dtype, DType::F16 | DType::BF16) {
        return Err(Error::invalid(format!(
            "In {device_type} autocast, but the target dtype is not supported. Supported dtypes: torch.float16, torch.bfloat16 (got {})",
            dtype.name()
        )));
    }
    let prev = STATE.with(|s| {
        let mut v = s.get();
        let prev = v[slot];
        v[slot] = Some(dtype);
        s.set(v);
        prev
    });
    Ok(AutocastGuard { slot, prev })
}

/// The active autocast dtype of `device_type`, if autocast is on.
pub fn autocast_dtype(device_type: &str) -> Option<DType> {
    slot(device_type)
        .ok()
        .and_then(|i| STATE.with(|s| s.get()[i]))
}

/// `torch.is_autocast_enabled(device_type)`.
pub fn is_autocast_enabled(device_type: &str) -> bool {
    autocast_dtype(device_type).is_some()
}

fn device_type(d: Device) -> &'static str {
    d.kind()
}

/// PyTorch casts only floating tensors other than float64.
fn eligible(t: &Tensor) -> bool {
    matches!(t.dtype(), DType::F32 | DType::F16 | DType::BF16)
}

/// The inputs of `op` cast as autocast's policy asks, or `None` when
/// autocast is off for their device type, the op has no policy, or nothing
/// would change (so the op runs on its inputs as given). The casts record
/// `ToCopyBackward0`, so gradients reach the original dtypes.
pub fn autocast_inputs(op: &str, inputs: &[&Tensor]) -> Result<Option<Vec<Tensor>>> {
    let Some(first) = inputs.first() else {
        return Ok(None);
    };
    let dt = device_type(first.device());
    let Some(low) = autocast_dtype(dt) else {
        return Ok(None);
    };
    let target = match policy(op, dt) {
        None => return Ok(None),
        Some(Policy::LowerPrecision) => low,
        Some(Policy::Fp32) => DType::F32,
        Some(Policy::Promote) => inputs
            .iter()
            .map(|t| t.dtype())
            .reduce(DType::promote)
            .unwrap_or(DType::F32),
    };
    if inputs.iter().all(|t| !eligible(t) || t.dtype() == target) {
        return Ok(None);
    }
    inputs
        .iter()
        .map(|t| {
            if eligible(t) {
                t.to_dtype(target)
            } else {
                Ok((*t).clone())
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// [`autocast_inputs`] for ops with optional tensor arguments (a loss's
/// `weight`, a linear's `bias`): the present ones are cast together, the
/// absent ones stay `None`, positions kept.
pub fn autocast_optional_inputs(
    op: &str,
    inputs: &[Option<&Tensor>],
) -> Result<Option<Vec<Option<Tensor>>>> {
    let present: Vec<&Tensor> = inputs.iter().flatten().copied().collect();
    let Some(cast) = autocast_inputs(op, &present)? else {
        return Ok(None);
    };
    let mut cast = cast.into_iter();
    Ok(Some(
        inputs.iter().map(|t| t.and_then(|_| cast.next())).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_nest_and_restore() {
        assert_eq!(autocast_dtype("cpu"), None);
        {
            let _a = autocast("cpu", DType::BF16).unwrap();
            {
                let _b = autocast("cpu", DType::F16).unwrap();
                assert_eq!(autocast_dtype("cpu"), Some(DType::F16));
                assert_eq!(autocast_dtype("cuda"), None);
            }
            assert_eq!(autocast_dtype("cpu"), Some(DType::BF16));
        }
        assert!(!is_autocast_enabled("cpu"));
        assert!(autocast("cpu", DType::F64).is_err());
        assert!(autocast("tpu", DType::BF16).is_err());
    }

    #[test]
    fn lists_differ_by_device_type() {
        assert_eq!(policy("matmul", "cpu"), Some(Policy::LowerPrecision));
        assert_eq!(policy("softmax", "cuda"), Some(Policy::Fp32));
        assert_eq!(policy("softmax", "cpu"), None);
        assert_eq!(policy("prod", "cpu"), Some(Policy::Fp32));
        assert_eq!(policy("relu", "cuda"), None);
    }
}
