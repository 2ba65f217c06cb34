//! `F.layer_norm` and `F.rms_norm`: statistics in float32 or float64 (half
//! types are widened), one backward node each (`NativeLayerNormBackward0`,
//! `FusedRmsNormBackward0`) whose gradient is the closed form below.

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::{DType, Error, Layout, Result, Tensor};

fn check_shape(op: &str, x: &Tensor, shape: &[usize], w: Option<&Tensor>) -> Result<()> {
    let nd = shape.len();
    if nd == 0 || x.dim() < nd || x.shape()[x.dim() - nd..] != *shape {
        let mut expected = String::from("[*");
        for d in shape {
            expected.push_str(&format!(", {d}"));
        }
        expected.push(']');
        return Err(Error::invalid(format!(
            "Given normalized_shape={shape:?}, expected input with shape {expected}, but got input of size{:?}",
            x.shape()
        )));
    }
    if let Some(w) = w {
        if w.shape() != shape {
            return Err(Error::invalid(format!(
                "{op}: Expected weight to be of same shape as normalized_shape, but got weight of shape {:?} and normalized_shape = {shape:?}",
                w.shape()
            )));
        }
    }
    Ok(())
}

fn wide(d: DType) -> DType {
    if d == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

/// (x-hat, rstd) from a device's fused row kernel, for float32 `xf` only
/// (its statistics are float32); `None` on the CPU and for float64, where
/// the composite runs.
fn fused_norm(
    xf: &Tensor,
    normalized_shape: &[usize],
    eps: f64,
    rms: bool,
) -> Result<Option<(Tensor, Tensor)>> {
    let len: usize = normalized_shape.iter().product();
    if xf.dtype() != DType::F32 || len == 0 {
        return Ok(None);
    }
    let fused = xf.storage().fused_norm_last(xf.layout(), len, eps, rms)?;
    let Some((y, _mean, r)) = fused else {
        return Ok(None);
    };
    // rstd keeps the normalised dims as size 1, as the composite's keepdim
    let lead = xf.dim() - normalized_shape.len();
    let mut keep = xf.shape()[..lead].to_vec();
    keep.resize(xf.dim(), 1);
    Ok(Some((
        Tensor::from_storage(y, Layout::contiguous(xf.shape())),
        Tensor::from_storage(r, Layout::contiguous(&keep)),
    )))
}

/// `F.layer_norm(x, normalized_shape, weight, bias, eps)`:
/// `y = (x - mean) / sqrt(var + eps) * weight + bias` over the trailing dims
/// (biased variance).
/// `g * weight` in the compute dtype (the gradient reaching the normalised
/// input), or `g` when the norm has no weight.
fn times_weight(
    g: &Tensor,
    w: &Option<SavedTensor>,
    cdt: DType,
    node: &'static str,
) -> Result<Tensor> {
    match w {
        Some(w) => g.mul(&w.get(node)?.to_dtype(cdt)?),
        None => Ok(g.clone()),
    }
}

pub fn layer_norm(
    x: &Tensor,
    normalized_shape: &[usize],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    if let Some(c) = crate::amp::autocast_optional_inputs("layer_norm", &[Some(x), weight, bias])? {
        let [x, w, b] = <[Option<Tensor>; 3]>::try_from(c)
            .expect("autocast_optional_inputs keeps one slot per argument");
        let x = x.expect("x is present");
        return layer_norm(&x, normalized_shape, w.as_ref(), b.as_ref(), eps);
    }
    check_shape("layer_norm", x, normalized_shape, weight)?;
    if let Some(b) = bias {
        if b.shape() != normalized_shape {
            return Err(Error::invalid(format!(
                "layer_norm: Expected bias to be of same shape as normalized_shape, but got bias of shape {:?} and normalized_shape = {normalized_shape:?}",
                b.shape()
            )));
        }
    }
    let dt = x.dtype();
    let cdt = wide(dt);
    let dims: Vec<i64> = (x.dim() - normalized_shape.len()..x.dim())
        .map(|d| d as i64)
        .collect();
    let (y, xhat, rstd) = with_no_grad(|| -> Result<(Tensor, Tensor, Tensor)> {
        let xf = x.to_dtype(cdt)?;
        let (xhat, rstd) = match fused_norm(&xf, normalized_shape, eps, false)? {
            Some(f) => f,
            None => {
                let mean = xf.mean_dims(&dims, true)?;
                let xc = xf.sub(&mean)?;
                let var = xc.square()?.mean_dims(&dims, true)?;
                let rstd = var.add_scalar(eps)?.rsqrt()?;
                (xc.mul(&rstd)?, rstd)
            }
        };
        let mut y = xhat.clone();
        if let Some(w) = weight {
            y = y.mul(&w.to_dtype(cdt)?)?;
        }
        if let Some(b) = bias {
            y = y.add(&b.to_dtype(cdt)?)?;
        }
        Ok((y.to_dtype(dt)?, xhat, rstd))
    })?;
    let sx = SavedTensor::new("xhat", &xhat);
    let sr = SavedTensor::new("rstd", &rstd);
    let sw = weight.map(|w| SavedTensor::new("weight", w));
    let mut saved = vec![sx.clone(), sr.clone()];
    saved.extend(sw.clone());
    let mut inputs = vec![x];
    inputs.extend(weight);
    inputs.extend(bias);
    let (has_w, has_b) = (weight.is_some(), bias.is_some());
    let lead: Vec<i64> = (0..x.dim() - normalized_shape.len())
        .map(|d| d as i64)
        .collect();
    const NAME: &str = "NativeLayerNormBackward0";
    Ok(record(y, NAME, &inputs, saved, move |g, need| {
        let xhat = sx.get(NAME)?;
        let g = g.to_dtype(cdt)?;
        let gx = times_weight(&g, &sw, cdt, NAME)?;
        let mut out = Vec::new();
        out.push(if need[0] {
            // dx = rstd * (gx - mean(gx) - xhat * mean(gx * xhat)), means over
            // the normalized dims (gx = g * weight)
            let rstd = sr.get(NAME)?;
            let a = gx.mean_dims(&dims, true)?;
            let b = gx.mul(&xhat)?.mean_dims(&dims, true)?;
            Some(rstd.mul(&gx.sub(&a)?.sub(&xhat.mul(&b)?)?)?.to_dtype(dt)?)
        } else {
            None
        });
        let reduce = |t: Tensor| -> Result<Tensor> {
            if lead.is_empty() {
                Ok(t)
            } else {
                t.sum_dims(&lead, false)
            }
        };
        if has_w {
            let k = out.len();
            out.push(if need[k] {
                // dweight = sum over leading dims of g * xhat
                Some(reduce(g.mul(&xhat)?)?.to_dtype(dt)?)
            } else {
                None
            });
        }
        if has_b {
            let k = out.len();
            out.push(if need[k] {
                Some(reduce(g.clone())?.to_dtype(dt)?)
            } else {
                None
            });
        }
        Ok(out)
    }))
}

/// `F.rms_norm(x, normalized_shape, weight, eps)`:
/// `y = x / sqrt(mean(x^2) + eps) * weight`; `eps` `None` is the dtype's
/// machine epsilon, as in PyTorch.
pub fn rms_norm(
    x: &Tensor,
    normalized_shape: &[usize],
    weight: Option<&Tensor>,
    eps: Option<f64>,
) -> Result<Tensor> {
    if let Some(c) = crate::amp::autocast_optional_inputs("rms_norm", &[Some(x), weight])? {
        let [x, w] = <[Option<Tensor>; 2]>::try_from(c)
            .expect("autocast_optional_inputs keeps one slot per argument");
        let x = x.expect("x is present");
        return rms_norm(&x, normalized_shape, w.as_ref(), eps);
    }
    check_shape("rms_norm", x, normalized_shape, weight)?;
    let dt = x.dtype();
    if !dt.is_float() {
        return Err(Error::Unsupported {
            op: "rms_norm",
            dtype: dt,
            device: x.device(),
        });
    }
    let eps = eps.unwrap_or(match dt {
        DType::F64 => f64::EPSILON,
        DType::F16 => 0.0009765625,
        DType::BF16 => 0.0078125,
        _ => f32::EPSILON as f64,
    });
    let cdt = wide(dt);
    let dims: Vec<i64> = (x.dim() - normalized_shape.len()..x.dim())
        .map(|d| d as i64)
        .collect();
    let (y, xhat, r) = with_no_grad(|| -> Result<(Tensor, Tensor, Tensor)> {
        let xf = x.to_dtype(cdt)?;
        let (xhat, r) = match fused_norm(&xf, normalized_shape, eps, true)? {
            Some(f) => f,
            None => {
                let r = xf
                    .square()?
                    .mean_dims(&dims, true)?
                    .add_scalar(eps)?
                    .rsqrt()?;
                (xf.mul(&r)?, r)
            }
        };
        let y = match weight {
            Some(w) => xhat.mul(&w.to_dtype(cdt)?)?,
            None => xhat.clone(),
        };
        Ok((y.to_dtype(dt)?, xhat, r))
    })?;
    let sx = SavedTensor::new("xhat", &xhat);
    let sr = SavedTensor::new("rstd", &r);
    let sw = weight.map(|w| SavedTensor::new("weight", w));
    let mut saved = vec![sx.clone(), sr.clone()];
    saved.extend(sw.clone());
    let mut inputs = vec![x];
    inputs.extend(weight);
    let lead: Vec<i64> = (0..x.dim() - normalized_shape.len())
        .map(|d| d as i64)
        .collect();
    const NAME: &str = "FusedRmsNormBackward0";
    Ok(record(y, NAME, &inputs, saved, move |g, need| {
        let xhat = sx.get(NAME)?;
        let g = g.to_dtype(cdt)?;
        let gx = times_weight(&g, &sw, cdt, NAME)?;
        let mut out = vec![if need[0] {
            // dx = r * (gx - xhat * mean(gx * xhat)), r = 1/sqrt(mean(x^2) + eps)
            let r = sr.get(NAME)?;
            let b = gx.mul(&xhat)?.mean_dims(&dims, true)?;
            Some(r.mul(&gx.sub(&xhat.mul(&b)?)?)?.to_dtype(dt)?)
        } else {
            None
        }];
        if sw.is_some() {
            out.push(if need[1] {
                let t = g.mul(&xhat)?;
                let t = if lead.is_empty() {
                    t
                } else {
                    t.sum_dims(&lead, false)?
                };
                Some(t.to_dtype(dt)?)
            } else {
                None
            });
        }
        Ok(out)
    }))
}

/// What `F.batch_norm` needs beyond the input: running statistics (updated
/// in place while training), the affine parameters, and the options.
pub struct BatchNormArgs<'a> {
    pub running_mean: Option<&'a Tensor>,
    pub running_var: Option<&'a Tensor>,
    pub weight: Option<&'a Tensor>,
    pub bias: Option<&'a Tensor>,
    pub training: bool,
    pub momentum: f64,
    pub eps: f64,
}

/// `F.batch_norm(x, running_mean, running_var, weight, bias, training,
/// momentum, eps)` over channel dim 1: batch statistics (biased variance)
/// while training or without running statistics, which then move by
/// `momentum` towards the batch's mean and unbiased variance; the running
/// statistics otherwise.
pub fn batch_norm(x: &Tensor, a: &BatchNormArgs) -> Result<Tensor> {
    if x.dim() < 2 {
        return Err(Error::invalid(format!(
            "batch_norm: expected an input with a batch and a channel dim, got shape {:?}",
            x.shape()
        )));
    }
    let c = x.shape()[1];
    let per_channel: Vec<i64> = (0..x.dim())
        .map(|d| if d == 1 { c as i64 } else { 1 })
        .collect();
    let dims: Vec<i64> = (0..x.dim() as i64).filter(|&d| d != 1).collect();
    let count = x.numel() / c.max(1);
    for (name, t) in [
        ("running_mean", a.running_mean),
        ("running_var", a.running_var),
        ("weight", a.weight),
        ("bias", a.bias),
    ] {
        if let Some(t) = t {
            if t.numel() != c {
                return Err(Error::invalid(format!(
                    "batch_norm: {name} should contain {c} elements not {}",
                    t.numel()
                )));
            }
        }
    }
    let use_batch = a.training || a.running_mean.is_none() || a.running_var.is_none();
    if use_batch && count <= 1 && a.training {
        return Err(Error::value(format!(
            "Expected more than 1 value per channel when training, got input size {}",
            crate::nn::state::torch_size(x.shape())
        )));
    }
    // The forward without a graph: the statistics used (batch or running)
    // as per-channel mean and 1/sqrt(var + eps), then one node.
    let (y, mean, invstd) = with_no_grad(|| -> Result<(Tensor, Tensor, Tensor)> {
        let (mean, var) = if use_batch {
            let mean = x.mean_dims(&dims, true)?;
            let var = x.sub(&mean)?.square()?.mean_dims(&dims, true)?;
            if a.training {
                let m = a.momentum;
                if let Some(rm) = a.running_mean {
                    let new = rm
                        .mul_scalar(1.0 - m)?
                        .add(&mean.reshape(&[c as i64])?.mul_scalar(m)?)?;
                    rm.copy_(&new)?;
                }
                if let Some(rv) = a.running_var {
                    let unbiased = var
                        .reshape(&[c as i64])?
                        .mul_scalar(count as f64 / (count as f64 - 1.0))?;
                    let new = rv.mul_scalar(1.0 - m)?.add(&unbiased.mul_scalar(m)?)?;
                    rv.copy_(&new)?;
                }
            }
            (mean, var)
        } else {
            let (rm, rv) = (
                a.running_mean.expect("checked above"),
                a.running_var.expect("checked above"),
            );
            (
                rm.reshape(&per_channel)?.clone(),
                rv.reshape(&per_channel)?.clone(),
            )
        };
        let std = var.add_scalar(a.eps)?.sqrt()?;
        let mut y = x.sub(&mean)?.div(&std)?;
        if let Some(w) = a.weight {
            y = y.mul(&w.reshape(&per_channel)?)?;
        }
        if let Some(b) = a.bias {
            y = y.add(&b.reshape(&per_channel)?)?;
        }
        Ok((y, mean.detach(), std.reciprocal()?))
    })?;
    let mut inputs = vec![x];
    inputs.extend(a.weight);
    inputs.extend(a.bias);
    let sx = SavedTensor::new("input", x);
    let sw = a.weight.map(|w| SavedTensor::new("weight", w));
    let mut saved = vec![sx.clone()];
    saved.extend(sw.clone());
    let (has_w, has_b) = (a.weight.is_some(), a.bias.is_some());
    const NAME: &str = "NativeBatchNormBackward0";
    Ok(record(y, NAME, &inputs, saved, move |g, need| {
        // x^ = (x - mean) invstd, y = w x^ + b:
        // db = sum g, dw = sum g x^, and dx = w invstd (g - mean(g) -
        // x^ mean(g x^)) with batch statistics (w invstd g with running ones).
        let x = sx.get(NAME)?;
        let xhat = x.sub(&mean)?.mul(&invstd)?;
        let gsum = g.sum_dims(&dims, true)?;
        let gxhat = g.mul(&xhat)?.sum_dims(&dims, true)?;
        let mut out = Vec::with_capacity(3);
        out.push(if need[0] {
            let scale = match &sw {
                Some(w) => invstd.mul(&w.get(NAME)?.reshape(&per_channel)?)?,
                None => invstd.clone(),
            };
            let inner = if use_batch {
                let n = count as f64;
                g.sub(&gsum.div_scalar(n)?)?
                    .sub(&xhat.mul(&gxhat.div_scalar(n)?)?)?
            } else {
                g.clone()
            };
            Some(inner.mul(&scale)?)
        } else {
            None
        });
        if has_w {
            out.push(if need[1] {
                Some(gxhat.reshape(&[c as i64])?)
            } else {
                None
            });
        }
        if has_b {
            out.push(if need[out.len()] {
                Some(gsum.reshape(&[c as i64])?)
            } else {
                None
            });
        }
        Ok(out)
    }))
}
