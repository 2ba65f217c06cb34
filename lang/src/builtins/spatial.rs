//! The engine's convolution, pooling, embedding and normalisation layers
//! (`nn.Conv2d MaxPool2d Embedding LayerNorm RMSNorm`) and their `F.` forms,
//! `F.one_hot pad scaled_dot_product_attention`, `nn.init` and
//! `nn.utils.clip_grad_norm_`. Parameters are created by the engine's layer
//! constructors (PyTorch's initialisation from the default generator, so a
//! seeded model starts as in PyTorch) and live as module attributes, so
//! `parameters()`, `state_dict()` and the repr work as for every module.

use super::args::{self, bind};
use super::def;
use super::layers::{field, input, layer, make, param};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{Class, ModuleObj, Value};
use crate::eval::Interp;
use std::rc::Rc;
use tinytorch::nn::functional as nf;
use tinytorch::Tensor;

/// An int or a pair of ints (`kernel_size=3`, `stride=(2, 1)`).
fn pair(it: &mut Interp, fname: &str, param: &str, v: &Value) -> PyResult<[usize; 2]> {
    let v = args::ints(it, fname, param, v)?;
    let v: Vec<usize> = args::sizes(fname, &v)?;
    match v.as_slice() {
        [a] => Ok([*a, *a]),
        [a, b] => Ok([*a, *b]),
        _ => Err(type_error(format!(
            "{fname}(): argument '{param}' must be tuple of 2 ints, not a sequence of {}",
            v.len()
        ))),
    }
}

fn pair_value(p: [usize; 2]) -> Value {
    Value::tuple(vec![Value::Int(p[0] as i64), Value::Int(p[1] as i64)])
}

fn opt_param(t: Option<Tensor>) -> PyResult<Value> {
    match t {
        Some(t) => param(t),
        None => Ok(Value::None),
    }
}

fn tensor_field(v: &Value, name: &str) -> Option<Tensor> {
    match field(v, name) {
        Value::Tensor(t) => Some(t),
        _ => None,
    }
}

fn shape_arg(it: &mut Interp, fname: &str, v: &Value) -> PyResult<Vec<usize>> {
    let dims = args::ints(it, fname, "normalized_shape", v)?;
    args::sizes(fname, &dims)
}

fn conv2d_new(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [ic, oc, k, s, p, d, g, b, mode, _dev, _dt] = bind(
        "Conv2d",
        a,
        [
            "in_channels",
            "out_channels",
            "kernel_size",
            "stride",
            "padding",
            "dilation",
            "groups",
            "bias",
            "padding_mode",
            "device",
            "dtype",
        ],
        3,
    )?;
    let ic = args::int("Conv2d", "in_channels", &ic.expect("required"))?;
    let oc = args::int("Conv2d", "out_channels", &oc.expect("required"))?;
    let k = pair(it, "Conv2d", "kernel_size", &k.expect("required"))?;
    let mut o = tinytorch::nn::Conv2dOptions::default();
    if let Some(s) = s {
        o.stride = pair(it, "Conv2d", "stride", &s)?;
    }
    match &p {
        Some(Value::Str(m)) if &**m == "valid" => {}
        Some(Value::Str(m)) => {
            return Err(exc(
                "ValueError",
                format!(
                    "Invalid padding string '{m}': tinytorch supports 'valid' and integer padding"
                ),
            ))
        }
        Some(v) => o.padding = pair(it, "Conv2d", "padding", v)?,
        None => {}
    }
    if let Some(d) = d {
        o.dilation = pair(it, "Conv2d", "dilation", &d)?;
    }
    o.groups = args::opt_int("Conv2d", "groups", &g)?.unwrap_or(1).max(0) as usize;
    o.bias = args::opt_bool("Conv2d", "bias", &b, true)?;
    if let Some(m) = mode {
        if args::string("Conv2d", "padding_mode", &m)? != "zeros" {
            return Err(exc(
                "ValueError",
                "tinytorch's Conv2d supports padding_mode='zeros' only",
            ));
        }
    }
    let sz = args::sizes("Conv2d", &[ic, oc])?;
    let c = tinytorch::nn::Conv2d::with_options(sz[0], sz[1], k, o).py()?;
    make(
        it,
        "Conv2d",
        vec![
            ("in_channels", Value::Int(ic)),
            ("out_channels", Value::Int(oc)),
            ("kernel_size", pair_value(k)),
            ("stride", pair_value(o.stride)),
            ("padding", pair_value(o.padding)),
            ("dilation", pair_value(o.dilation)),
            ("groups", Value::Int(o.groups as i64)),
            ("weight", param(c.weight)?),
            ("bias", opt_param(c.bias)?),
        ],
    )
}

fn pair_field(it: &mut Interp, v: &Value, name: &str) -> PyResult<[usize; 2]> {
    pair(it, "forward", name, &field(v, name))
}

fn conv2d_forward(it: &mut Interp, a: Args) -> PyResult<Value> {
    let (s, x) = input(a, "forward")?;
    let w =
        tensor_field(&s, "weight").ok_or_else(|| type_error("Conv2d.weight must be a Tensor"))?;
    let b = tensor_field(&s, "bias");
    let groups = args::int("forward", "groups", &field(&s, "groups"))?.max(1) as usize;
    let y = nf::conv2d(
        &x,
        &w,
        b.as_ref(),
        pair_field(it, &s, "stride")?,
        pair_field(it, &s, "padding")?,
        pair_field(it, &s, "dilation")?,
        groups,
    )
    .py()?;
    Ok(Value::Tensor(y))
}

fn max_pool2d_new(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [k, s, p, d, ri, ceil] = bind(
        "MaxPool2d",
        a,
        [
            "kernel_size",
            "stride",
            "padding",
            "dilation",
            "return_indices",
            "ceil_mode",
        ],
        1,
    )?;
    let k = k.expect("required");
    pair(it, "MaxPool2d", "kernel_size", &k)?;
    let s = match s {
        None | Some(Value::None) => k.clone(),
        Some(s) => {
            pair(it, "MaxPool2d", "stride", &s)?;
            s
        }
    };
    let p = p.unwrap_or(Value::Int(0));
    pair(it, "MaxPool2d", "padding", &p)?;
    let d = d.unwrap_or(Value::Int(1));
    pair(it, "MaxPool2d", "dilation", &d)?;
    if args::opt_bool("MaxPool2d", "return_indices", &ri, false)? {
        return Err(exc(
            "ValueError",
            "tinytorch's MaxPool2d does not return indices",
        ));
    }
    if args::opt_bool("MaxPool2d", "ceil_mode", &ceil, false)? {
        return Err(exc(
            "ValueError",
            "tinytorch's MaxPool2d supports ceil_mode=False only",
        ));
    }
    make(
        it,
        "MaxPool2d",
        vec![
            ("kernel_size", k),
            ("stride", s),
            ("padding", p),
            ("dilation", d),
            ("ceil_mode", Value::Bool(false)),
        ],
    )
}

fn max_pool2d_forward(it: &mut Interp, a: Args) -> PyResult<Value> {
    let (s, x) = input(a, "forward")?;
    let y = nf::max_pool2d(
        &x,
        pair_field(it, &s, "kernel_size")?,
        Some(pair_field(it, &s, "stride")?),
        pair_field(it, &s, "padding")?,
        pair_field(it, &s, "dilation")?,
    )
    .py()?;
    Ok(Value::Tensor(y))
}

fn embedding_new(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [n, dim, pad, _max_norm, _nt, _sg, _sparse, w, _freeze, _dev, _dt] = bind(
        "Embedding",
        a,
        [
            "num_embeddings",
            "embedding_dim",
            "padding_idx",
            "max_norm",
            "norm_type",
            "scale_grad_by_freq",
            "sparse",
            "_weight",
            "_freeze",
            "device",
            "dtype",
        ],
        2,
    )?;
    let n = args::int("Embedding", "num_embeddings", &n.expect("required"))?;
    let dim = args::int("Embedding", "embedding_dim", &dim.expect("required"))?;
    let pad = args::opt_int("Embedding", "padding_idx", &pad)?;
    let sz = args::sizes("Embedding", &[n, dim])?;
    let e = tinytorch::nn::Embedding::new(sz[0], sz[1], pad).py()?;
    let weight = match w {
        Some(Value::Tensor(t)) => t.detach(),
        _ => e.weight,
    };
    make(
        it,
        "Embedding",
        vec![
            ("num_embeddings", Value::Int(n)),
            ("embedding_dim", Value::Int(dim)),
            (
                "padding_idx",
                e.padding_idx.map(Value::Int).unwrap_or(Value::None),
            ),
            ("weight", param(weight)?),
        ],
    )
}

fn embedding_forward(_: &mut Interp, a: Args) -> PyResult<Value> {
    let (s, x) = input(a, "forward")?;
    let w = tensor_field(&s, "weight")
        .ok_or_else(|| type_error("Embedding.weight must be a Tensor"))?;
    let pad = args::opt_int("forward", "padding_idx", &Some(field(&s, "padding_idx")))?;
    Ok(Value::Tensor(nf::embedding(&x, &w, pad).py()?))
}

fn layer_norm_new(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [shape, eps, affine, bias, _dev, _dt] = bind(
        "LayerNorm",
        a,
        [
            "normalized_shape",
            "eps",
            "elementwise_affine",
            "bias",
            "device",
            "dtype",
        ],
        1,
    )?;
    let shape = shape_arg(it, "LayerNorm", &shape.expect("required"))?;
    let eps = args::opt_float("LayerNorm", "eps", &eps)?.unwrap_or(1e-5);
    let affine = args::opt_bool("LayerNorm", "elementwise_affine", &affine, true)?;
    let bias = args::opt_bool("LayerNorm", "bias", &bias, true)?;
    let l = tinytorch::nn::LayerNorm::new(&shape, eps, affine, bias).py()?;
    make(
        it,
        "LayerNorm",
        vec![
            ("normalized_shape", size_tuple(&shape)),
            ("eps", Value::Float(eps)),
            ("elementwise_affine", Value::Bool(affine)),
            ("weight", opt_param(l.weight)?),
            ("bias", opt_param(l.bias)?),
        ],
    )
}

fn size_tuple(s: &[usize]) -> Value {
    Value::tuple(s.iter().map(|&d| Value::Int(d as i64)).collect())
}

fn layer_norm_forward(it: &mut Interp, a: Args) -> PyResult<Value> {
    let (s, x) = input(a, "forward")?;
    let shape = shape_arg(it, "forward", &field(&s, "normalized_shape"))?;
    let eps = args::float("forward", "eps", &field(&s, "eps"))?;
    let y = nf::layer_norm(
        &x,
        &shape,
        tensor_field(&s, "weight").as_ref(),
        tensor_field(&s, "bias").as_ref(),
        eps,
    )
    .py()?;
    Ok(Value::Tensor(y))
}

fn rms_norm_new(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [shape, eps, affine, _dev, _dt] = bind(
        "RMSNorm",
        a,
        [
            "normalized_shape",
            "eps",
            "elementwise_affine",
            "device",
            "dtype",
        ],
        1,
    )?;
    let shape = shape_arg(it, "RMSNorm", &shape.expect("required"))?;
    let eps = args::opt_float("RMSNorm", "eps", &eps)?;
    let affine = args::opt_bool("RMSNorm", "elementwise_affine", &affine, true)?;
    let l = tinytorch::nn::RMSNorm::new(&shape, eps, affine).py()?;
    make(
        it,
        "RMSNorm",
        vec![
            ("normalized_shape", size_tuple(&shape)),
            ("eps", eps.map(Value::Float).unwrap_or(Value::None)),
            ("elementwise_affine", Value::Bool(affine)),
            ("weight", opt_param(l.weight)?),
        ],
    )
}

fn rms_norm_forward(it: &mut Interp, a: Args) -> PyResult<Value> {
    let (s, x) = input(a, "forward")?;
    let shape = shape_arg(it, "forward", &field(&s, "normalized_shape"))?;
    let eps = args::opt_float("forward", "eps", &Some(field(&s, "eps")))?;
    let y = nf::rms_norm(&x, &shape, tensor_field(&s, "weight").as_ref(), eps).py()?;
    Ok(Value::Tensor(y))
}

pub fn install(nn: &ModuleObj, module: &Rc<Class>) {
    layer(nn, module, "Conv2d", "Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')\n\n2-D convolution over (N, C, H, W) input; weight (out_channels, in_channels/groups, kH, kW) initialised as PyTorch does.\n\n>>> nn.Conv2d(1, 4, 3)(torch.zeros(2, 1, 5, 5)).shape\ntorch.Size([2, 4, 3, 3])", conv2d_new, conv2d_forward);
    layer(nn, module, "MaxPool2d", "MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)\n\nMaximum over kernel_size windows (stride defaults to kernel_size).\n\n>>> nn.MaxPool2d(2)(torch.arange(16.).view(1, 1, 4, 4))\ntensor([[[[ 5.,  7.],\n          [13., 15.]]]])", max_pool2d_new, max_pool2d_forward);
    layer(nn, module, "Embedding", "Embedding(num_embeddings, embedding_dim, padding_idx=None, ...)\n\nA lookup table: input indices (int64) select rows of weight (num_embeddings, embedding_dim), drawn from N(0, 1).", embedding_new, embedding_forward);
    layer(nn, module, "LayerNorm", "LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True, bias=True)\n\nNormalises over the trailing normalized_shape dims (biased variance), then weight * x + bias.", layer_norm_new, layer_norm_forward);
    layer(nn, module, "RMSNorm", "RMSNorm(normalized_shape, eps=None, elementwise_affine=True)\n\nx / sqrt(mean(x^2) + eps) * weight over the trailing dims; eps None is the dtype's machine epsilon.", rms_norm_new, rms_norm_forward);
}

/// The repr text of these layers, as PyTorch prints it.
pub fn extra_repr(it: &mut Interp, name: &str, v: &Value) -> PyResult<Option<String>> {
    let r = |it: &mut Interp, n: &str| it.repr(&field(v, n));
    Ok(Some(match name {
        "Conv2d" => {
            let mut s = format!(
                "{}, {}, kernel_size={}, stride={}",
                r(it, "in_channels")?,
                r(it, "out_channels")?,
                r(it, "kernel_size")?,
                r(it, "stride")?
            );
            let p = r(it, "padding")?;
            if p != "(0, 0)" {
                s.push_str(&format!(", padding={p}"));
            }
            let d = r(it, "dilation")?;
            if d != "(1, 1)" {
                s.push_str(&format!(", dilation={d}"));
            }
            let g = r(it, "groups")?;
            if g != "1" {
                s.push_str(&format!(", groups={g}"));
            }
            if matches!(field(v, "bias"), Value::None) {
                s.push_str(", bias=False");
            }
            s
        }
        "MaxPool2d" => format!(
            "kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
            r(it, "kernel_size")?,
            r(it, "stride")?,
            r(it, "padding")?,
            r(it, "dilation")?,
            r(it, "ceil_mode")?
        ),
        "Embedding" => {
            let mut s = format!("{}, {}", r(it, "num_embeddings")?, r(it, "embedding_dim")?);
            if !matches!(field(v, "padding_idx"), Value::None) {
                s.push_str(&format!(", padding_idx={}", r(it, "padding_idx")?));
            }
            s
        }
        "LayerNorm" => format!(
            "{}, eps={}, elementwise_affine={}, bias={}",
            r(it, "normalized_shape")?,
            r(it, "eps")?,
            r(it, "elementwise_affine")?,
            if matches!(field(v, "elementwise_affine"), Value::Bool(true))
                && matches!(field(v, "bias"), Value::None)
            {
                "False"
            } else {
                "True"
            }
        ),
        "RMSNorm" => format!(
            "{}, eps={}, elementwise_affine={}",
            r(it, "normalized_shape")?,
            r(it, "eps")?,
            r(it, "elementwise_affine")?
        ),
        _ => return Ok(None),
    }))
}

fn opt_tensor(f: &str, param: &str, v: &Option<Value>) -> PyResult<Option<Tensor>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(t) => args::tensor(f, param, t).map(Some),
    }
}

fn t(v: Tensor) -> PyResult<Value> {
    Ok(Value::Tensor(v))
}

pub fn install_functional(f: &ModuleObj) {
    def(f, "conv2d", "conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor\n\n2-D convolution of (N, C, H, W) input with weight (out, C/groups, kH, kW).", |it, a| {
        let [x, w, b, s, p, d, g] = bind("conv2d", a, ["input", "weight", "bias", "stride", "padding", "dilation", "groups"], 2)?;
        let x = args::tensor("conv2d", "input", &x.expect("required"))?;
        let w = args::tensor("conv2d", "weight", &w.expect("required"))?;
        let b = opt_tensor("conv2d", "bias", &b)?;
        let one = Value::Int(1);
        let s = pair(it, "conv2d", "stride", s.as_ref().unwrap_or(&one))?;
        let p = pair(it, "conv2d", "padding", p.as_ref().unwrap_or(&Value::Int(0)))?;
        let d = pair(it, "conv2d", "dilation", d.as_ref().unwrap_or(&one))?;
        let g = args::opt_int("conv2d", "groups", &g)?.unwrap_or(1).max(1) as usize;
        t(nf::conv2d(&x, &w, b.as_ref(), s, p, d, g).py()?)
    });
    def(f, "max_pool2d", "max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False) -> Tensor", |it, a| {
        let [x, k, s, p, d, _c, _r] = bind("max_pool2d", a, ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"], 2)?;
        let x = args::tensor("max_pool2d", "input", &x.expect("required"))?;
        let k = pair(it, "max_pool2d", "kernel_size", &k.expect("required"))?;
        let s = match s {
            None | Some(Value::None) => None,
            Some(s) => Some(pair(it, "max_pool2d", "stride", &s)?),
        };
        let p = pair(it, "max_pool2d", "padding", p.as_ref().unwrap_or(&Value::Int(0)))?;
        let d = pair(it, "max_pool2d", "dilation", d.as_ref().unwrap_or(&Value::Int(1)))?;
        t(nf::max_pool2d(&x, k, s, p, d).py()?)
    });
    def(f, "embedding", "embedding(input, weight, padding_idx=None, ...) -> Tensor\n\nRows of weight at the int64 indices input.", |_, a| {
        let [x, w, pad, _mn, _nt, _sg, _sp] = bind("embedding", a, ["input", "weight", "padding_idx", "max_norm", "norm_type", "scale_grad_by_freq", "sparse"], 2)?;
        let x = args::tensor("embedding", "input", &x.expect("required"))?;
        let w = args::tensor("embedding", "weight", &w.expect("required"))?;
        let pad = args::opt_int("embedding", "padding_idx", &pad)?;
        t(nf::embedding(&x, &w, pad).py()?)
    });
    def(
        f,
        "layer_norm",
        "layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor",
        |it, a| {
            let [x, shape, w, b, eps] = bind(
                "layer_norm",
                a,
                ["input", "normalized_shape", "weight", "bias", "eps"],
                2,
            )?;
            let x = args::tensor("layer_norm", "input", &x.expect("required"))?;
            let shape = shape_arg(it, "layer_norm", &shape.expect("required"))?;
            let w = opt_tensor("layer_norm", "weight", &w)?;
            let b = opt_tensor("layer_norm", "bias", &b)?;
            let eps = args::opt_float("layer_norm", "eps", &eps)?.unwrap_or(1e-5);
            t(nf::layer_norm(&x, &shape, w.as_ref(), b.as_ref(), eps).py()?)
        },
    );
    def(
        f,
        "rms_norm",
        "rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor",
        |it, a| {
            let [x, shape, w, eps] = bind(
                "rms_norm",
                a,
                ["input", "normalized_shape", "weight", "eps"],
                2,
            )?;
            let x = args::tensor("rms_norm", "input", &x.expect("required"))?;
            let shape = shape_arg(it, "rms_norm", &shape.expect("required"))?;
            let w = opt_tensor("rms_norm", "weight", &w)?;
            let eps = args::opt_float("rms_norm", "eps", &eps)?;
            t(nf::rms_norm(&x, &shape, w.as_ref(), eps).py()?)
        },
    );
    def(f, "one_hot", "one_hot(tensor, num_classes=-1) -> Tensor\n\nint64 one-hot rows; num_classes -1 means max + 1.\n\n>>> F.one_hot(torch.tensor([0, 2]), 3)\ntensor([[1, 0, 0],\n        [0, 0, 1]])", |_, a| {
        let [x, n] = bind("one_hot", a, ["tensor", "num_classes"], 1)?;
        let x = args::tensor("one_hot", "tensor", &x.expect("required"))?;
        let n = args::opt_int("one_hot", "num_classes", &n)?.unwrap_or(-1);
        t(nf::one_hot(&x, n).py()?)
    });
    def(f, "pad", "pad(input, pad, mode='constant', value=None) -> Tensor\n\npad lists (before, after) amounts from the last dim backwards.", |it, a| {
        let [x, p, mode, value] = bind("pad", a, ["input", "pad", "mode", "value"], 2)?;
        let x = args::tensor("pad", "input", &x.expect("required"))?;
        let p = args::ints(it, "pad", "pad", &p.expect("required"))?;
        let p = args::sizes("pad", &p)?;
        if let Some(m) = mode {
            if args::string("pad", "mode", &m)? != "constant" {
                return Err(exc("NotImplementedError", "tinytorch's pad supports mode='constant' only"));
            }
        }
        let v = args::opt_float("pad", "value", &value)?.unwrap_or(0.0);
        t(nf::pad(&x, &p, v).py()?)
    });
    def(f, "scaled_dot_product_attention", "scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None) -> Tensor\n\nsoftmax(q @ k.T * scale + mask) @ v; scale defaults to 1/sqrt(E).", |_, a| {
        let [q, k, v, m, dp, causal, scale, _gqa] = bind("scaled_dot_product_attention", a, ["query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa"], 3)?;
        let q = args::tensor("scaled_dot_product_attention", "query", &q.expect("required"))?;
        let k = args::tensor("scaled_dot_product_attention", "key", &k.expect("required"))?;
        let v = args::tensor("scaled_dot_product_attention", "value", &v.expect("required"))?;
        let m = opt_tensor("scaled_dot_product_attention", "attn_mask", &m)?;
        let dp = args::opt_float("scaled_dot_product_attention", "dropout_p", &dp)?.unwrap_or(0.0);
        let causal = args::opt_bool("scaled_dot_product_attention", "is_causal", &causal, false)?;
        let scale = args::opt_float("scaled_dot_product_attention", "scale", &scale)?;
        t(nf::scaled_dot_product_attention(&q, &k, &v, m.as_ref(), dp, causal, scale).py()?)
    });
}
