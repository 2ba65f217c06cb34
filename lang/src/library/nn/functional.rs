//! `torch.nn.functional`: the engine's functional forms of the layers,
//! activations and attention, one row each (the losses are in `loss`).

use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::torch::tensor::{ok, value};
use crate::library::EngineResult;
use tinytorch::nn::functional as nf;

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("gelu(Tensor input, str approximate='none')", "x * Phi(x) elementwise (approximate='tanh' for the tanh form).", gelu),
    row("softmax(Tensor input, int? dim=None, int _stacklevel=3, ScalarType? dtype=None)", "exp(x) / sum(exp(x)) along dim (PyTorch's legacy choice of dim when None).", softmax),
    row("log_softmax(Tensor input, int? dim=None, int _stacklevel=3, ScalarType? dtype=None)", "log(softmax(x)) along dim, computed stably.", log_softmax),
    row("linear(Tensor input, Tensor weight, Tensor? bias=None)", "input @ weight.T + bias (one AddmmBackward0 node for 2-D input).", linear),
    row("conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] dilation=1, int groups=1)", "2-D convolution of (N, C, H, W) input with weight (out, C/groups, kH, kW).", conv2d),
    row("avg_pool2d(Tensor input, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None)", "Mean over windows (stride defaults to kernel_size).", avg_pool2d),
    row("adaptive_avg_pool2d(Tensor input, int[2] output_size)", "Mean over output_size bins that cover the input.", adaptive_avg_pool2d),
    row("max_pool2d(Tensor input, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, int[2] dilation=1, bool ceil_mode=False, bool return_indices=False)", "Maximum over windows (stride defaults to kernel_size); with return_indices, (values, indices).", max_pool2d),
    row("dropout(Tensor input, float p=0.5, bool training=True, bool inplace=False)", "Zeroes elements with probability p when training, scaling the rest by 1/(1-p).", dropout),
    row("embedding(Tensor input, Tensor weight, int? padding_idx=None, float? max_norm=None, float norm_type=2.0, bool scale_grad_by_freq=False, bool sparse=False)", "Rows of weight at the int64 indices input.", embedding),
    row("layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1e-05)", "Normalisation over the trailing normalized_shape dims.", layer_norm),
    row("rms_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, float? eps=None)", "x / sqrt(mean(x^2) + eps) * weight over the trailing dims.", rms_norm),
    row("one_hot(Tensor tensor, int num_classes=-1)", "int64 one-hot rows; num_classes -1 means max + 1.\n\n>>> F.one_hot(torch.tensor([0, 2]), 3)\ntensor([[1, 0, 0],\n        [0, 0, 1]])", one_hot),
    row("pad(Tensor input, int[] pad, str mode='constant', float? value=None)", "pad lists (before, after) amounts from the last dim backwards.", pad),
    row("scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0.0, bool is_causal=False, float? scale=None, bool enable_gqa=False)", "softmax(q @ k.T * scale + mask) @ v; scale defaults to 1/sqrt(E).", sdpa),
];

fn gelu(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.gelu(b.str(1)?))
}

fn softmax_impl(it: &Interp, b: &Bound, log: bool) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let t = match b.dtype(it, 3)? {
        Some(d) if d != t.dtype() => t.to_dtype(d).py()?,
        _ => t.clone(),
    };
    let dim = b
        .opt_int(1)?
        .unwrap_or_else(|| super::layers::legacy_softmax_dim(t.dim()));
    ok(if log {
        t.log_softmax(dim)
    } else {
        t.softmax(dim)
    })
}

fn softmax(it: &mut Interp, b: Bound) -> PyResult<Value> {
    softmax_impl(it, &b, false)
}

fn log_softmax(it: &mut Interp, b: Bound) -> PyResult<Value> {
    softmax_impl(it, &b, true)
}

fn linear(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(nf::linear(b.tensor(0)?, b.tensor(1)?, b.opt_tensor(2)?))
}

fn conv2d(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let g = b.int(6)?;
    if g <= 0 {
        return Err(exc("RuntimeError", "non-positive groups is not supported"));
    }
    ok(nf::conv2d(
        b.tensor(0)?,
        b.tensor(1)?,
        b.opt_tensor(2)?,
        b.pair(3)?,
        b.pair(4)?,
        b.pair(5)?,
        g as usize,
    ))
}

fn avg_pool2d(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let stride = if b.is_none(2) { None } else { Some(b.pair(2)?) };
    let divisor = b.opt_int(6)?.map(|d| d.max(0) as usize);
    let t = nf::avg_pool2d(
        b.tensor(0)?,
        b.pair(1)?,
        stride,
        b.pair(3)?,
        b.bool(4)?,
        b.bool(5)?,
        divisor,
    )
    .py()?;
    Ok(value(t))
}

fn adaptive_avg_pool2d(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(value(
        nf::adaptive_avg_pool2d(b.tensor(0)?, b.pair(1)?).py()?,
    ))
}

fn max_pool2d(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let stride = if b.is_none(2) { None } else { Some(b.pair(2)?) };
    let (v, i) = nf::max_pool2d_full(
        b.tensor(0)?,
        b.pair(1)?,
        stride,
        b.pair(3)?,
        b.pair(4)?,
        b.bool(5)?,
    )
    .py()?;
    if b.bool(6)? {
        return Ok(Value::tuple(vec![value(v), value(i)]));
    }
    Ok(value(v))
}

fn dropout(_: &mut Interp, b: Bound) -> PyResult<Value> {
    nf::dropout(b.tensor(0)?, b.float(1)?, b.bool(2)?)
        .map(value)
        .map_err(|e| exc("ValueError", e.to_string()))
}

fn embedding(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(nf::embedding(b.tensor(0)?, b.tensor(1)?, b.opt_int(2)?))
}

fn layer_norm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(nf::layer_norm(
        b.tensor(0)?,
        &b.sizes(1)?,
        b.opt_tensor(2)?,
        b.opt_tensor(3)?,
        b.float(4)?,
    ))
}

fn rms_norm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(nf::rms_norm(
        b.tensor(0)?,
        &b.sizes(1)?,
        b.opt_tensor(2)?,
        b.opt_float(3)?,
    ))
}

fn one_hot(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(nf::one_hot(b.tensor(0)?, b.int(1)?))
}

fn pad(_: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.str(2)? != "constant" {
        return Err(exc(
            "NotImplementedError",
            "tinytorch's pad supports mode='constant' only",
        ));
    }
    let v = b.opt_float(3)?.unwrap_or(0.0);
    ok(nf::pad(b.tensor(0)?, &b.sizes(1)?, v))
}

fn sdpa(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(nf::scaled_dot_product_attention(
        b.tensor(0)?,
        b.tensor(1)?,
        b.tensor(2)?,
        b.opt_tensor(3)?,
        b.float(4)?,
        b.bool(5)?,
        b.opt_float(6)?,
    ))
}
