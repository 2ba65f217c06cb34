//! `torch.nn.utils.clip_grad_norm_`: rescales gradients in place so that
//! their joint norm is at most `max_norm`. Knows gradients and norms only.

use crate::autograd::with_no_grad;
use crate::nn::py_float;
use crate::{DType, Device, Error, Result, Tensor};

/// `clip_grad_norm_(parameters, max_norm, norm_type)`: the norm of the
/// per-parameter gradient norms (`norm_type` `f64::INFINITY` for the max
/// norm) is returned, and every gradient is multiplied in place by
/// `min(max_norm / (total_norm + 1e-6), 1)`, as PyTorch does. Parameters
/// without a gradient are skipped; with none at all the result is `0`.
pub fn clip_grad_norm_(parameters: &[Tensor], max_norm: f64, norm_type: f64) -> Result<Tensor> {
    clip_grad_norm_with(parameters, max_norm, norm_type, false)
}

/// [`clip_grad_norm_`] with PyTorch's `error_if_nonfinite`: fail instead of
/// scaling when the total norm is NaN or infinite.
pub fn clip_grad_norm_with(
    parameters: &[Tensor],
    max_norm: f64,
    norm_type: f64,
    error_if_nonfinite: bool,
) -> Result<Tensor> {
    let grads: Vec<Tensor> = parameters.iter().filter_map(|p| p.grad()).collect();
    let Some(first) = grads.first() else {
        return Tensor::scalar_tensor(0.0, DType::F32, Device::Cpu);
    };
    let dt = first.dtype();
    with_no_grad(|| {
        let norms = grads
            .iter()
            .map(|g| g.norm(norm_type, None, false)?.to_dtype(dt))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor> = norms.iter().collect();
        let total = Tensor::stack(&refs, 0)?.norm(norm_type, None, false)?;
        let t = total.item()?;
        if error_if_nonfinite && !t.is_finite() {
            return Err(Error::invalid(format!(
                "The total norm of order {} for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`",
                py_float(norm_type)
            )));
        }
        // clip_coef = max_norm / (total + 1e-6), clamped to at most 1;
        // PyTorch multiplies even when the clamp makes it 1.
        let coef = total
            .add_scalar(1e-6)?
            .rdiv_scalar(max_norm)?
            .clamp(None, Some(1.0))?;
        for g in &grads {
            g.mul_(&coef.to_dtype(g.dtype())?)?;
        }
        Ok(total)
    })
}
