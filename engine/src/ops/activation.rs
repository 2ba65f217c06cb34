//! `softmax` and `log_softmax` along one dim: fused and numerically stable
//! (the row maximum is subtracted before `exp`), each one autograd node
//! (`SoftmaxBackward0`, `LogSoftmaxBackward0`) as PyTorch records.
//! float16 and bfloat16 are computed in float32 and rounded once.

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::shape::normalize_dim;
use crate::{DType, Error, Layout, Result, Tensor};

impl Tensor {
    /// `torch.softmax(x, dim)`: `exp(x - max) / sum(exp(x - max))`.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType};
    /// let x = Tensor::from_vec_f64(&[0.0, 2f64.ln()], &[2], DType::F64)?;
    /// // e^0 : e^ln2 = 1 : 2
    /// let y = x.softmax(0)?.to_vec_f64()?;
    /// assert!((y[0] - 1.0 / 3.0).abs() < 1e-15 && (y[1] - 2.0 / 3.0).abs() < 1e-15);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, false)
    }

    /// `torch.log_softmax(x, dim)`: `x - max - log(sum(exp(x - max)))`.
    pub fn log_softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, true)
    }

    fn softmax_impl(&self, dim: i64, log: bool) -> Result<Tensor> {
        let op = if log { "log_softmax" } else { "softmax" };
        if let Some(c) = crate::amp::autocast_inputs(op, &[self])? {
            return c[0].softmax_impl(dim, log);
        }
        if !self.dtype().is_float() {
            return Err(Error::Unsupported {
                op,
                dtype: self.dtype(),
                device: self.device(),
            });
        }
        let d = normalize_dim(op, dim, self.dim())? as i64;
        let out = with_no_grad(|| -> Result<Tensor> {
            if self.dim() > 0 && d as usize == self.dim() - 1 {
                // a device with a fused row kernel takes the last dim in one pass
                let fused = self.storage().fused_softmax_last(self.layout(), log)?;
                if let Some(s) = fused {
                    return Ok(Tensor::from_storage(s, Layout::contiguous(self.shape())));
                }
            }
            let half = matches!(self.dtype(), DType::F16 | DType::BF16);
            let x = if half {
                self.to_dtype(DType::F32)?
            } else {
                self.clone()
            };
            if x.dim() == 0 {
                // a scalar is its own row: softmax 1, log_softmax 0
                return Tensor::full_on(
                    &[],
                    if log { 0.0 } else { 1.0 },
                    self.dtype(),
                    self.device(),
                );
            }
            let m = x.amax(&[d], true)?;
            // a row of -inf keeps max -inf; subtracting 0 there gives PyTorch's NaN-free
            // -inf / 0 pattern only where the row is finite, so shift by a finite max
            let m = m.masked_fill(&m.isinf()?, 0.0)?;
            let s = x.sub(&m)?;
            let e = s.exp()?;
            let z = e.sum_dims(&[d], true)?;
            let y = if log { s.sub(&z.log()?)? } else { e.div(&z)? };
            y.to_dtype(self.dtype())
        })?;
        let name = if log {
            "LogSoftmaxBackward0"
        } else {
            "SoftmaxBackward0"
        };
        let saved = SavedTensor::new("result", &out);
        let keep = saved.clone();
        Ok(record(out, name, &[self], vec![saved], move |g, _| {
            let y = keep.get(name)?;
            if y.dim() == 0 {
                return Ok(vec![Some(g.mul_scalar(0.0)?)]);
            }
            let gi = if log {
                // d/dx_i of log softmax: g_i - softmax_i * sum_j g_j
                g.sub(&y.exp()?.mul(&g.sum_dims(&[d], true)?)?)?
            } else {
                // d/dx_i of softmax: y_i * (g_i - sum_j g_j y_j)
                y.mul(&g.sub(&g.mul(&y)?.sum_dims(&[d], true)?)?)?
            };
            Ok(vec![Some(gi)])
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::autograd::gradcheck::{gradcheck, GradcheckOptions};
    use crate::{DType, Tensor};

    #[test]
    fn stable_for_large_inputs() {
        // softmax([1000, 1000]) = [0.5, 0.5]; a naive exp overflows to inf/inf
        let x = Tensor::from_vec_f64(&[1000.0, 1000.0], &[2], DType::F32).unwrap();
        assert_eq!(x.softmax(0).unwrap().to_vec_f64().unwrap(), vec![0.5, 0.5]);
        // log_softmax = -ln 2 each
        let l = x.log_softmax(-1).unwrap().to_vec_f64().unwrap();
        assert!((l[0] + 2f64.ln()).abs() < 1e-6);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let v: Vec<f64> = (0..12).map(|i| ((i * 7) % 5) as f64 * 0.3 - 0.6).collect();
        let x = Tensor::from_vec_f64(&v, &[3, 4], DType::F64)
            .unwrap()
            .requires_grad_(true)
            .unwrap();
        for dim in [0, 1] {
            gradcheck(
                |t| t[0].softmax(dim),
                std::slice::from_ref(&x),
                GradcheckOptions::default(),
            )
            .unwrap();
            gradcheck(
                |t| t[0].log_softmax(dim),
                std::slice::from_ref(&x),
                GradcheckOptions::default(),
            )
            .unwrap();
        }
    }
}
