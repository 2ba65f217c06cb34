//! Finite-difference gradient checking (float64 central differences), the
//! oracle every differentiable op is tested against.

use crate::{DType, Error, Result, Tensor};

/// Tolerances and step for [`gradcheck`].
#[derive(Debug, Clone, Copy)]
pub struct GradcheckOptions {
    pub eps: f64,
    pub atol: f64,
    pub rtol: f64,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        }
    }
}

/// Checks the analytic gradient of `f` at `inputs` (float64 leaves; those
/// with `requires_grad` are checked) against central differences of
/// `sum(f(inputs) * w)` for a fixed pseudo-random cotangent `w`.
pub fn gradcheck(
    f: impl Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[Tensor],
    opts: GradcheckOptions,
) -> Result<()> {
    for x in inputs {
        if x.requires_grad() && x.dtype() != DType::F64 {
            return Err(Error::invalid("gradcheck expects float64 inputs"));
        }
        x.set_grad(None)?;
    }
    let out = f(inputs)?;
    let n = out.numel();
    // A fixed, irregular cotangent so that errors cannot cancel out.
    let w: Vec<f64> = (0..n)
        .map(|i| 0.5 + ((i * 7919 + 13) % 101) as f64 / 101.0)
        .collect();
    let wt = Tensor::from_vec_f64(&w, out.shape(), DType::F64)?;
    let objective = |xs: &[Tensor]| -> Result<f64> {
        let _g = crate::autograd::no_grad();
        let o = f(xs)?.to_dtype(DType::F64)?;
        Ok(o.to_vec_f64()?.iter().zip(&w).map(|(a, b)| a * b).sum())
    };
    if out.requires_grad() {
        out.to_dtype(DType::F64)?.mul(&wt)?.sum()?.backward()?;
    }
    for (k, x) in inputs.iter().enumerate() {
        if !x.requires_grad() {
            continue;
        }
        let base = x.to_vec_f64()?;
        let analytic = match x.grad() {
            Some(g) => g.to_vec_f64()?,
            None => vec![0.0; base.len()],
        };
        for j in 0..base.len() {
            let eval = |delta: f64| -> Result<f64> {
                let mut v = base.clone();
                v[j] += delta;
                let mut xs: Vec<Tensor> = inputs.to_vec();
                xs[k] = Tensor::from_vec_f64(&v, x.shape(), DType::F64)?;
                objective(&xs)
            };
            let numeric = (eval(opts.eps)? - eval(-opts.eps)?) / (2.0 * opts.eps);
            let a = analytic[j];
            if (a - numeric).abs() > opts.atol + opts.rtol * numeric.abs() {
                return Err(Error::Autograd(format!(
                    "gradcheck failed for input {k} (shape {:?}) at flat index {j}: analytic {a}, numerical {numeric}",
                    x.shape()
                )));
            }
        }
    }
    Ok(())
}
