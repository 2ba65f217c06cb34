//! `torch.nn.functional`: the stateless form of every layer and loss.
//! Convolution and pooling live in `conv.rs`, the normalisations in
//! `norm.rs`, losses in `loss.rs`; activations are Tensor methods (the rows
//! of `ops::pointwise`, `ops/activation.rs` for softmax), and the common
//! ones are re-exported here by name.

mod conv;
mod linear;
mod loss;
mod norm;
mod pool;

pub use conv::{conv2d, max_pool2d, max_pool2d_full, max_pool2d_with_indices};
pub use linear::widening_linear;
pub use loss::{
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss,
    mse_loss, nll_loss, smooth_l1_loss, LossOptions, Reduction,
};
pub use norm::{batch_norm, layer_norm, rms_norm, BatchNormArgs};
pub use pool::{adaptive_avg_pool2d, avg_pool2d};

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::random::default_generator;
use crate::{DType, Device, Error, Result, Tensor};

/// `F.linear(x, weight, bias)`: `x @ weight.T + bias`.
/// Under autocast all three run in the low dtype, the output included.
/// A 2-D input with a 1-D bias is one `AddmmBackward0` node, as PyTorch
/// records it: `AddmmBackward0(bias, input, TBackward0(weight))`.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    if let Some(c) = crate::amp::autocast_optional_inputs("linear", &[Some(x), Some(weight), bias])?
    {
        let [x, w, b] = <[Option<Tensor>; 3]>::try_from(c)
            .expect("autocast_optional_inputs keeps one slot per argument");
        let (x, w) = (x.expect("x is present"), w.expect("weight is present"));
        return linear(&x, &w, b.as_ref());
    }
    let wt = weight.t()?;
    let Some(b) = bias.filter(|b| x.dim() == 2 && b.dim() == 1) else {
        let y = x.matmul(&wt)?;
        return match bias {
            Some(b) => y.add(b),
            None => Ok(y),
        };
    };
    let out = with_no_grad(|| x.matmul(&wt)?.add(b))?;
    let (m1, m2) = (SavedTensor::new("mat1", x), SavedTensor::new("mat2", &wt));
    let saved = vec![m1.clone(), m2.clone()];
    let bias_shape: Vec<i64> = b.shape().iter().map(|&d| d as i64).collect();
    // out = bias + mat1 @ mat2: d bias = grad summed over rows (broadcast),
    // d mat1 = grad @ mat2^T, d mat2 = mat1^T @ grad.
    Ok(record(
        out,
        "AddmmBackward0",
        &[b, x, &wt],
        saved,
        move |g, need| {
            let gb = if need[0] {
                Some(g.sum_dims(&[0], false)?.reshape(&bias_shape)?)
            } else {
                None
            };
            let gx = if need[1] {
                Some(g.matmul(&m2.get("AddmmBackward0")?.t()?)?)
            } else {
                None
            };
            let gw = if need[2] {
                let (m1, m2) = (m1.get("AddmmBackward0")?, m2.get("AddmmBackward0")?);
                Some(crate::ops::matmul::mat2_grad(&m1, g, &m2)?)
            } else {
                None
            };
            Ok(vec![gb, gx, gw])
        },
    ))
}

pub fn relu(x: &Tensor) -> Result<Tensor> {
    x.relu()
}

/// `F.gelu(x, approximate)` with `approximate` `"none"` or `"tanh"`.
pub fn gelu(x: &Tensor, approximate: &str) -> Result<Tensor> {
    x.gelu(approximate)
}

pub fn silu(x: &Tensor) -> Result<Tensor> {
    x.silu()
}

pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    x.leaky_relu(negative_slope)
}

pub fn softmax(x: &Tensor, dim: i64) -> Result<Tensor> {
    x.softmax(dim)
}

pub fn log_softmax(x: &Tensor, dim: i64) -> Result<Tensor> {
    x.log_softmax(dim)
}

/// `F.dropout(x, p, training)`: on the CPU PyTorch computes
/// `x * (bernoulli_(1 - p) / (1 - p))`, so with the same seed the mask
/// equals PyTorch's. Identity when not training or `p == 0`.
pub fn dropout(x: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::invalid(format!(
            "dropout probability has to be between 0 and 1, but got {p}"
        )));
    }
    if !training || p == 0.0 || x.numel() == 0 {
        return Ok(x.clone());
    }
    if p == 1.0 {
        return x.mul(&Tensor::zeros_like(x)?);
    }
    // a device with the Philox kernel draws mask and output in one pass,
    // keyed by a seed from the default generator (so manual_seed reproduces it)
    let fused = x
        .storage()
        .fused_dropout(x.layout(), p, || default_generator().random_u64())?;
    if let Some((y, mask)) = fused {
        let y = Tensor::from_storage(y, crate::Layout::contiguous(x.shape()));
        let mask = Tensor::from_storage(mask, crate::Layout::contiguous(x.shape()));
        let saved = SavedTensor::new("mask", &mask);
        let keep = saved.clone();
        const NAME: &str = "NativeDropoutBackward0";
        // y = x * mask, so dx = g * mask
        return Ok(record(y, NAME, &[x], vec![saved], move |g, _| {
            Ok(vec![Some(g.mul(&keep.get(NAME)?)?)])
        }));
    }
    let n = x.numel();
    let noise = if x.dtype() == DType::F32 && x.device() == Device::Cpu {
        // bernoulli_(1 - p).div_(1 - p) in one pass over a recycled buffer:
        // kept elements hold 1 / (1 - p) in float32, as the division gives
        let mut buf: Vec<f32> = crate::storage::cpu::pool::alloc(n);
        buf.resize(n, 0.0);
        let keep = 1.0 - p;
        default_generator()
            .fill_bernoulli_f32(&mut buf, keep, 1.0 / keep as f32)
            .map_err(|e| Error::invalid(e.to_string()))?;
        Tensor::from_vec(buf, x.shape())?
    } else {
        let bits = default_generator()
            .bernoulli_f32(n, 1.0 - p)
            .map_err(|e| Error::invalid(e.to_string()))?;
        Tensor::from_vec(bits, x.shape())?
            .to_dtype(x.dtype())?
            .to_device(x.device())?
            .div_scalar(1.0 - p)?
    };
    x.mul(&noise)
}

/// `F.embedding(input, weight, padding_idx)`: rows of `weight` [num, dim]
/// at the int64 indices `input`; the `padding_idx` row gets no gradient.
pub fn embedding(input: &Tensor, weight: &Tensor, padding_idx: Option<i64>) -> Result<Tensor> {
    if input.dtype() != DType::I64 && input.dtype() != DType::I32 {
        return Err(Error::invalid(format!(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got {} instead (while checking arguments for embedding)",
            input.dtype().name()
        )));
    }
    if weight.dim() != 2 {
        return Err(Error::invalid("'weight' must be 2-D"));
    }
    let (num, dim) = (weight.shape()[0], weight.shape()[1]);
    let flat = input.to_dtype(DType::I64)?.reshape(&[-1])?;
    let ids = flat.to_vec_i64()?;
    if ids.iter().any(|&i| i < 0 || i as usize >= num) {
        return Err(Error::invalid("index out of range in self"));
    }
    let mut shape = input.shape().to_vec();
    shape.push(dim);
    let out = with_no_grad(|| weight.index_select(0, &flat)?.reshape_to(&shape))?;
    let pad = padding_idx.map(|p| if p < 0 { p + num as i64 } else { p });
    let keep: Vec<f64> = ids
        .iter()
        .map(|&i| if Some(i) == pad { 0.0 } else { 1.0 })
        .collect();
    let m = ids.len();
    let sidx = SavedTensor::new("indices", &flat);
    let si = sidx.clone();
    const NAME: &str = "EmbeddingBackward0";
    Ok(record(out, NAME, &[weight], vec![sidx], move |g, _| {
        // dW[r] = sum of g over the positions whose index is r (padding row excluded)
        let idx = si.get(NAME)?;
        let mask = Tensor::from_vec_f64(&keep, &[m, 1], g.dtype())?.to_device(g.device())?;
        let g2 = g.reshape_to(&[m, dim])?.mul(&mask)?;
        let idx2 = idx.reshape_to(&[m, 1])?.expand(&[m as i64, dim as i64])?;
        let z = Tensor::zeros_on(&[num, dim], g.dtype(), g.device())?;
        Ok(vec![Some(z.scatter_add(0, &idx2, &g2)?)])
    }))
}

/// `F.one_hot(t, num_classes)` (int64); `num_classes = -1` means `max + 1`.
pub fn one_hot(t: &Tensor, num_classes: i64) -> Result<Tensor> {
    if t.dtype() != DType::I64 {
        return Err(Error::invalid(
            "one_hot is only applicable to index tensor of type LongTensor.",
        ));
    }
    let ids = t.to_vec_i64()?;
    if ids.iter().any(|&i| i < 0) {
        return Err(Error::invalid("Class values must be non-negative."));
    }
    let n = if num_classes < 0 {
        if ids.is_empty() {
            return Err(Error::invalid(
                "Can not infer total number of classes from empty tensor.",
            ));
        }
        ids.iter().max().copied().unwrap_or(0) + 1
    } else {
        num_classes
    };
    if ids.iter().any(|&i| i >= n) {
        return Err(Error::invalid(
            "Class values must be smaller than num_classes.",
        ));
    }
    let n = n as usize;
    let mut v = vec![0i64; ids.len() * n];
    for (r, &i) in ids.iter().enumerate() {
        v[r * n + i as usize] = 1;
    }
    let mut shape = t.shape().to_vec();
    shape.push(n);
    Tensor::from_vec(v, &shape)?.to_device(t.device())
}

/// `F.pad(x, pad, mode='constant', value)`: `pad` lists (before, after)
/// pairs starting from the last dim, as in PyTorch (non-negative here).
pub fn pad(x: &Tensor, pad: &[usize], value: f64) -> Result<Tensor> {
    if pad.len() % 2 != 0 {
        return Err(Error::invalid("Padding length must be divisible by 2"));
    }
    if pad.len() / 2 > x.dim() {
        return Err(Error::invalid(format!(
            "Padding length should be less than or equal to two times the input dimension but got padding length {} and input of dimension {}",
            pad.len(),
            x.dim()
        )));
    }
    let nd = x.dim();
    let mut shape = x.shape().to_vec();
    let mut starts = vec![0usize; nd];
    for (k, pair) in pad.chunks(2).enumerate() {
        let d = nd - 1 - k;
        starts[d] = pair[0];
        shape[d] += pair[0] + pair[1];
    }
    let out = Tensor::full_on(&shape, value, x.dtype(), x.device())?;
    let mut inner = out.layout().clone();
    for (d, &s) in starts.iter().enumerate() {
        inner = inner.narrow(d, s, x.shape()[d]);
    }
    {
        let src = x.storage();
        out.storage_mut().copy_into(&inner, &src, x.layout())?;
    }
    let orig = x.shape().to_vec();
    Ok(record(
        out,
        "ConstantPadNdBackward0",
        &[x],
        vec![],
        move |g, _| {
            let mut gi = g.clone();
            for d in 0..orig.len() {
                gi = gi.narrow(d as i64, starts[d] as i64, orig[d])?;
            }
            Ok(vec![Some(gi.contiguous()?)])
        },
    ))
}

/// `F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale)`:
/// `softmax(q k^T * scale + mask) v`, `scale` defaulting to `1/sqrt(E)`; a bool
/// mask keeps `True` positions, a float mask is added; `is_causal` keeps `j <= i`.
pub fn scaled_dot_product_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    attn_mask: Option<&Tensor>,
    dropout_p: f64,
    is_causal: bool,
    scale: Option<f64>,
) -> Result<Tensor> {
    if q.dim() < 2 || k.dim() < 2 || v.dim() < 2 {
        return Err(Error::invalid(
            "scaled_dot_product_attention: expected query, key and value to be at least 2-D",
        ));
    }
    let e = *q.shape().last().unwrap_or(&1);
    let scale = scale.unwrap_or(1.0 / (e as f64).sqrt());
    let mut attn = q.matmul(&k.mt()?)?.mul_scalar(scale)?;
    let (l, s) = (q.shape()[q.dim() - 2], k.shape()[k.dim() - 2]);
    if is_causal {
        if attn_mask.is_some() {
            return Err(Error::invalid(
                "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
            ));
        }
        let keep: Vec<bool> = (0..l * s).map(|p| p % s <= p / s).collect();
        let m = Tensor::from_vec(keep, &[l, s])?.to_device(q.device())?;
        attn = attn.masked_fill(&m.logical_not()?, f64::NEG_INFINITY)?;
    }
    if let Some(m) = attn_mask {
        attn = if m.dtype() == DType::Bool {
            attn.masked_fill(&m.logical_not()?, f64::NEG_INFINITY)?
        } else {
            attn.add(m)?
        };
    }
    let mut p = attn.softmax(-1)?;
    if dropout_p > 0.0 {
        p = dropout(&p, dropout_p, true)?;
    }
    p.matmul(v)
}
