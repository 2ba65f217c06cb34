//! `widening_linear`: `F.linear` for a weight stored in a float dtype no
//! wider than the input's (a bfloat16 or float16 checkpoint driven by
//! float32 activations), computed as `x @ weight.to(x.dtype).T + bias`
//! without materialising the widened weight where the device has a kernel
//! for it (the CPU: `storage::cpu::linear`); elsewhere the cast and the
//! matmul are composed. PyTorch's `F.linear` refuses mixed dtypes; this is
//! the engine's own op for language models, kept out of `linear` so that
//! `nn.Linear` keeps PyTorch's contract. One node, `LinearBackward0`.

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::{DType, Error, Layout, Result, Tensor};

fn rank(d: DType) -> u8 {
    match d {
        DType::F16 | DType::BF16 => 1,
        DType::F32 => 2,
        DType::F64 => 3,
        _ => 0,
    }
}

/// `x @ weight.to(x.dtype).T + bias.to(x.dtype)`: `x [.., k]`, `weight [n, k]`.
/// The weight (and bias) may be stored narrower than `x` (float16/bfloat16
/// under float32, anything under float64); the output has `x`'s dtype and
/// the weight's gradient arrives in the weight's dtype.
pub fn widening_linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let (dt, wdt) = (x.dtype(), weight.dtype());
    let narrower = |d: DType| rank(d) > 0 && (d == dt || rank(d) < rank(dt));
    if !dt.is_float() || !narrower(wdt) || bias.is_some_and(|b| !narrower(b.dtype())) {
        return Err(Error::DTypeMismatch {
            op: "widening_linear",
            expected: Some(dt),
            got: wdt,
            msg: format!(
                "widening_linear: the weight and bias must be floats no wider than the input, got input {} and weight {}",
                dt.name(),
                wdt.name()
            ),
        });
    }
    if weight.dim() != 2 || x.dim() == 0 || x.shape()[x.dim() - 1] != weight.shape()[1] {
        return Err(Error::shape(
            "widening_linear",
            x.shape(),
            weight.shape(),
            format!(
                "mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
                x.numel() / x.shape().last().copied().unwrap_or(1).max(1),
                x.shape().last().copied().unwrap_or(0),
                weight.shape().get(1).copied().unwrap_or(0),
                weight.shape()[0]
            ),
        ));
    }
    let n = weight.shape()[0];
    if let Some(b) = bias {
        if b.shape() != [n] {
            return Err(Error::shape(
                "widening_linear",
                b.shape(),
                &[n],
                format!("bias must have shape [{n}], got {:?}", b.shape()),
            ));
        }
    }
    crate::ops::same_device("widening_linear", &[x, weight])?;
    let mut out_shape = x.shape().to_vec();
    *out_shape.last_mut().expect("x has at least one dim") = n;
    let y = with_no_grad(|| -> Result<Tensor> {
        let xc = x.contiguous()?;
        let bf = match bias {
            Some(b) => Some(b.to_dtype(dt)?.contiguous()?),
            None => None,
        };
        let fused = {
            let bs = bf.as_ref().map(|b| b.storage());
            xc.storage().linear_widening(
                xc.layout(),
                &weight.storage(),
                weight.layout(),
                bs.as_deref()
                    .map(|s| (s, bf.as_ref().expect("bias").layout())),
            )?
        };
        if let Some(s) = fused {
            return Ok(Tensor::from_storage(s, Layout::contiguous(&out_shape)));
        }
        let y = x.matmul(&weight.to_dtype(dt)?.t()?)?;
        match &bf {
            Some(b) => y.add(b),
            None => Ok(y),
        }
    })?;
    let sx = SavedTensor::new("self", x);
    let sw = SavedTensor::new("weight", weight);
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    let bdt = bias.map(|b| b.dtype());
    let k = weight.shape()[1];
    const NAME: &str = "LinearBackward0";
    Ok(record(
        y,
        NAME,
        &inputs,
        vec![sx.clone(), sw.clone()],
        move |g, need| {
            // y = x W^T + b: dx = g W, dW = g^T x (over all leading dims), db = sum g
            let g2 = g.reshape(&[-1, n as i64])?;
            let mut out = vec![None, None];
            if need[0] {
                let w = sw.get(NAME)?.to_dtype(dt)?;
                out[0] = Some(g.matmul(&w)?);
            }
            if need[1] {
                let x2 = sx.get(NAME)?.reshape(&[-1, k as i64])?;
                out[1] = Some(g2.t()?.matmul(&x2)?.to_dtype(wdt)?);
            }
            if let Some(bdt) = bdt {
                out.push(if need[2] {
                    Some(g2.sum_dims(&[0], false)?.to_dtype(bdt)?)
                } else {
                    None
                });
            }
            Ok(out)
        },
    ))
}
