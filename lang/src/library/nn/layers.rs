//! The engine's layers as `nn` classes, one row each: the constructor's
//! PyTorch signature builds the engine struct (PyTorch's initialisation,
//! draw for draw) into the instance's native state, with PyTorch's
//! attributes (`in_features`, `kernel_size`, ...); `forward` runs the
//! engine layer. Subclassing works as for any class.

use super::module::{init_module, state_of};
use crate::bind::{row, Bound, Def, DynFn, Imp, Row, Style};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::torch::pointwise::table::{self, ACTIVATION_CLASSES};
use crate::library::torch::tensor::ok;
use crate::library::EngineResult;
use std::rc::Rc;
use tinytorch::nn::{
    Activation, AdaptiveAvgPool2d, AvgPool2d, BatchNorm, BatchNormOptions, Conv2d, Conv2dOptions,
    Dropout, Embedding, Flatten, LayerNorm, LazyLinear, Linear, MaxPool2d, Module, RMSNorm, GELU,
};
use tinytorch::{DType, Tensor};

/// (class name, constructor row).
#[rustfmt::skip]
pub const LAYERS: &[(&str, Row)] = &[
    ("Linear", row("__init__(self, int in_features, int out_features, bool bias=True, Device? device=None, ScalarType? dtype=None)", "Linear(in_features, out_features, bias=True): y = x @ weight.T + bias, weight (out_features, in_features) drawn as PyTorch does.\n\n>>> nn.Linear(4, 2)(torch.zeros(3, 4)).shape\ntorch.Size([3, 2])", linear)),
    ("LazyLinear", row("__init__(self, int out_features, bool bias=True, Device? device=None, ScalarType? dtype=None)", "A Linear whose in_features is taken from its first input (its parameters are drawn then).", lazy_linear)),
    ("Conv2d", row("__init__(self, int in_channels, int out_channels, int[2] kernel_size, int[2] stride=1, object padding=0, int[2] dilation=1, int groups=1, bool bias=True, str padding_mode='zeros', Device? device=None, ScalarType? dtype=None)", "2-D convolution over (N, C, H, W) input; weight (out_channels, in_channels/groups, kH, kW) initialised as PyTorch does.\n\n>>> nn.Conv2d(1, 4, 3)(torch.zeros(2, 1, 5, 5)).shape\ntorch.Size([2, 4, 3, 3])", conv2d)),
    ("MaxPool2d", row("__init__(self, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, int[2] dilation=1, bool return_indices=False, bool ceil_mode=False)", "Maximum over kernel_size windows (stride defaults to kernel_size).\n\n>>> nn.MaxPool2d(2)(torch.arange(16.).view(1, 1, 4, 4))\ntensor([[[[ 5.,  7.],\n          [13., 15.]]]])", max_pool2d)),
    ("AvgPool2d", row("__init__(self, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None)", "Mean over kernel_size windows (stride defaults to kernel_size).\n\n>>> nn.AvgPool2d(2)(torch.arange(16.).view(1, 1, 4, 4))\ntensor([[[[ 2.5000,  4.5000],\n          [10.5000, 12.5000]]]])", avg_pool2d)),
    ("AdaptiveAvgPool2d", row("__init__(self, int[2] output_size)", "Mean over output_size bins that cover the input (1 is the global average).", adaptive_avg_pool2d)),
    ("Dropout", row("__init__(self, float p=0.5, bool inplace=False)", "Zeroes elements with probability p in training mode, scaling the rest by 1/(1-p).", dropout)),
    ("Embedding", row("__init__(self, int num_embeddings, int embedding_dim, int? padding_idx=None, float? max_norm=None, float norm_type=2.0, bool scale_grad_by_freq=False, bool sparse=False, Tensor? _weight=None, bool _freeze=False, Device? device=None, ScalarType? dtype=None)", "A lookup table: input indices (int64) select rows of weight (num_embeddings, embedding_dim), drawn from N(0, 1).", embedding)),
    ("LayerNorm", row("__init__(self, int[1] normalized_shape, float eps=1e-05, bool elementwise_affine=True, bool bias=True, Device? device=None, ScalarType? dtype=None)", "Normalises over the trailing normalized_shape dims (biased variance), then weight * x + bias.", layer_norm)),
    ("BatchNorm1d", row("__init__(self, int num_features, float eps=1e-05, float? momentum=0.1, bool affine=True, bool track_running_stats=True, Device? device=None, ScalarType? dtype=None, bool bias=True)", "Normalises each channel of (N, C) or (N, C, L) input by the batch's statistics while training (updating running_mean and running_var) and by the running statistics in eval mode.", batch_norm_1d)),
    ("BatchNorm2d", row("__init__(self, int num_features, float eps=1e-05, float? momentum=0.1, bool affine=True, bool track_running_stats=True, Device? device=None, ScalarType? dtype=None, bool bias=True)", "Normalises each channel of (N, C, H, W) input by the batch's statistics while training (updating running_mean and running_var) and by the running statistics in eval mode.", batch_norm_2d)),
    ("RMSNorm", row("__init__(self, int[1] normalized_shape, float? eps=None, bool elementwise_affine=True, Device? device=None, ScalarType? dtype=None)", "x / sqrt(mean(x^2) + eps) * weight over the trailing dims; eps None is the dtype's machine epsilon.", rms_norm)),
    ("GELU", row("__init__(self, str approximate='none')", "x * Phi(x) elementwise (approximate='tanh' for the tanh form).", gelu)),
    ("Softmax", row("__init__(self, int? dim=None)", "softmax along dim.", softmax)),
    ("LogSoftmax", row("__init__(self, int? dim=None)", "log_softmax along dim.", log_softmax)),
    ("Identity", row("__init__(self, *args, **kwargs)", "Returns its input (the arguments are ignored).", identity)),
    ("Flatten", row("__init__(self, int start_dim=1, int end_dim=-1)", "Flattens dims start_dim..end_dim (keeping the batch dim by default).", flatten)),
];

/// `forward(input)` of every layer: the engine layer's.
pub const FORWARD: Row = row(
    "forward(self, Tensor input)",
    "The layer applied to input.",
    forward,
);

/// Makes `self` a module whose engine layer is `layer`, with PyTorch's
/// attributes.
fn install(
    it: &mut Interp,
    this: &Value,
    layer: Box<dyn Module>,
    attrs: Vec<(&str, Value)>,
) -> PyResult<Value> {
    let st = init_module(it, this)?;
    *st.layer.borrow_mut() = Some(layer);
    for (k, v) in attrs {
        it.object_setattr(this, k, v)?;
    }
    Ok(Value::None)
}

fn forward(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let Value::Instance(i) = b.value(0) else {
        return Err(type_error("forward() needs a module"));
    };
    let x = b.tensor(1)?;
    let st = state_of(i).ok_or_else(|| {
        exc(
            "RuntimeError",
            format!("{} was not initialised", i.class.name),
        )
    })?;
    let layer = st.layer.borrow();
    match layer.as_ref() {
        Some(l) => ok(l.forward(x)),
        None => Err(exc(
            "NotImplementedError",
            format!(
                "Module [{}] is missing the required \"forward\" function",
                i.class.name
            ),
        )),
    }
}

fn pair_value(p: [usize; 2]) -> Value {
    Value::tuple(vec![Value::Int(p[0] as i64), Value::Int(p[1] as i64)])
}

fn dtype(it: &Interp, b: &Bound, i: usize) -> PyResult<DType> {
    Ok(b.dtype(it, i)?.unwrap_or(DType::F32))
}

fn linear(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (i, o) = (b.size(1)?, b.size(2)?);
    let l = Linear::with_dtype(i, o, b.bool(3)?, dtype(it, &b, 5)?).py()?;
    install(
        it,
        b.value(0),
        Box::new(l),
        vec![
            ("in_features", Value::Int(i as i64)),
            ("out_features", Value::Int(o as i64)),
        ],
    )
}

fn lazy_linear(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let o = b.size(1)?;
    let l = LazyLinear::new(o, b.bool(2)?, dtype(it, &b, 4)?);
    install(
        it,
        b.value(0),
        Box::new(l),
        vec![("out_features", Value::Int(o as i64))],
    )
}

fn conv2d(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (ic, oc) = (b.size(1)?, b.size(2)?);
    let k = b.pair(3)?;
    let mut o = Conv2dOptions {
        stride: b.pair(4)?,
        dilation: b.pair(6)?,
        groups: b.int(7)?.max(0) as usize,
        bias: b.bool(8)?,
        dtype: dtype(it, &b, 11)?,
        ..Default::default()
    };
    let padding = match b.value(5) {
        Value::Str(m) if &**m == "valid" => Value::str("valid"),
        Value::Str(m) if &**m == "same" && o.stride == [1, 1] => {
            // 'same' for odd kernels: (k - 1) * dilation / 2 on each side.
            let p = [
                (k[0] - 1) * o.dilation[0] / 2,
                (k[1] - 1) * o.dilation[1] / 2,
            ];
            if (k[0] - 1) * o.dilation[0] % 2 != 0 || (k[1] - 1) * o.dilation[1] % 2 != 0 {
                return Err(exc(
                    "ValueError",
                    "tinytorch supports padding='same' for odd effective kernel sizes only",
                ));
            }
            o.padding = p;
            Value::str("same")
        }
        Value::Str(m) => {
            return Err(exc(
                "ValueError",
                format!("Invalid padding string '{m}', should be one of {{'valid', 'same'}}"),
            ))
        }
        _ => {
            o.padding = b.pair(5)?;
            pair_value(o.padding)
        }
    };
    if b.str(9)? != "zeros" {
        return Err(exc(
            "ValueError",
            "tinytorch's Conv2d supports padding_mode='zeros' only",
        ));
    }
    let c = Conv2d::with_options(ic, oc, k, o).py()?;
    install(
        it,
        b.value(0),
        Box::new(c),
        vec![
            ("in_channels", Value::Int(ic as i64)),
            ("out_channels", Value::Int(oc as i64)),
            ("kernel_size", pair_value(k)),
            ("stride", pair_value(o.stride)),
            ("padding", padding),
            ("dilation", pair_value(o.dilation)),
            ("groups", Value::Int(o.groups as i64)),
            ("padding_mode", Value::str("zeros")),
        ],
    )
}

fn avg_pool2d(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = b.pair(1)?;
    let s = if b.is_none(2) { None } else { Some(b.pair(2)?) };
    let ceil = b.bool(4)?;
    let divisor = b.opt_int(6)?.map(|d| d.max(0) as usize);
    let m = AvgPool2d::new(k, s, b.pair(3)?, b.bool(5)?, divisor).ceil_mode(ceil);
    let stride = stride_attr(&b);
    install(
        it,
        b.value(0),
        Box::new(m),
        vec![
            ("kernel_size", b.value(1).clone()),
            ("stride", stride),
            ("padding", b.value(3).clone()),
            ("ceil_mode", Value::Bool(ceil)),
            ("count_include_pad", b.value(5).clone()),
            ("divisor_override", b.value(6).clone()),
        ],
    )
}

/// A pooling layer's `stride` attribute: as given, or its kernel_size (the
/// value at 1) when None, as PyTorch stores it.
fn stride_attr(b: &Bound) -> Value {
    if b.is_none(2) {
        b.value(1).clone()
    } else {
        b.value(2).clone()
    }
}

fn adaptive_avg_pool2d(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = AdaptiveAvgPool2d::new(b.pair(1)?);
    install(
        it,
        b.value(0),
        Box::new(m),
        vec![("output_size", b.value(1).clone())],
    )
}

fn max_pool2d(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = b.pair(1)?;
    let s = if b.is_none(2) { k } else { b.pair(2)? };
    let (p, d) = (b.pair(3)?, b.pair(4)?);
    if b.bool(5)? {
        return Err(exc(
            "NotImplementedError",
            "nn.MaxPool2d(return_indices=True): use F.max_pool2d(..., return_indices=True)",
        ));
    }
    let ceil = b.bool(6)?;
    let m = MaxPool2d::with_pairs(k, s, p, d).ceil_mode(ceil);
    let stride = stride_attr(&b);
    install(
        it,
        b.value(0),
        Box::new(m),
        vec![
            ("kernel_size", b.value(1).clone()),
            ("stride", stride),
            ("padding", b.value(3).clone()),
            ("dilation", b.value(4).clone()),
            ("return_indices", Value::Bool(false)),
            ("ceil_mode", Value::Bool(ceil)),
        ],
    )
}

fn dropout(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = b.float(1)?;
    let d = Dropout::new(p).map_err(|e| exc("ValueError", e.to_string()))?;
    install(
        it,
        b.value(0),
        Box::new(d),
        vec![("p", Value::Float(p)), ("inplace", Value::Bool(b.bool(2)?))],
    )
}

fn embedding(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (n, d) = (b.size(1)?, b.size(2)?);
    let pad = b.opt_int(3)?;
    let mut e = Embedding::with_dtype(n, d, pad, dtype(it, &b, 11)?)
        .map_err(|err| exc("AssertionError", err.to_string()))?;
    if let Some(w) = b.opt_tensor(8)? {
        if w.shape() != [n, d] {
            return Err(exc(
                "AssertionError",
                "Shape of weight does not match num_embeddings and embedding_dim",
            ));
        }
        e.weight = tinytorch::nn::parameter(w.clone()).py()?;
    }
    let pad_norm = e.padding_idx.map_or(Value::None, Value::Int);
    install(
        it,
        b.value(0),
        Box::new(e),
        vec![
            ("num_embeddings", Value::Int(n as i64)),
            ("embedding_dim", Value::Int(d as i64)),
            ("padding_idx", pad_norm),
            ("max_norm", b.value(4).clone()),
            ("norm_type", b.value(5).clone()),
            ("scale_grad_by_freq", b.value(6).clone()),
            ("sparse", b.value(7).clone()),
        ],
    )
}

fn shape_tuple(s: &[usize]) -> Value {
    Value::tuple(s.iter().map(|&d| Value::Int(d as i64)).collect())
}

fn layer_norm(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let shape = b.sizes(1)?;
    let eps = b.float(2)?;
    let affine = b.bool(3)?;
    let l = LayerNorm::with_dtype(&shape, eps, affine, b.bool(4)?, dtype(it, &b, 6)?).py()?;
    install(
        it,
        b.value(0),
        Box::new(l),
        vec![
            ("normalized_shape", shape_tuple(&shape)),
            ("eps", Value::Float(eps)),
            ("elementwise_affine", Value::Bool(affine)),
        ],
    )
}

fn batch_norm(it: &mut Interp, b: Bound, spatial: usize) -> PyResult<Value> {
    let n = b.size(1)?;
    let eps = b.float(2)?;
    let momentum = b.opt_float(3)?;
    let (affine, track) = (b.bool(4)?, b.bool(5)?);
    let o = BatchNormOptions {
        eps,
        momentum,
        affine,
        bias: b.bool(8)?,
        track_running_stats: track,
        dtype: dtype(it, &b, 7)?,
    };
    let l = BatchNorm::new(spatial, n, o).py()?;
    install(
        it,
        b.value(0),
        Box::new(l),
        vec![
            ("num_features", Value::Int(n as i64)),
            ("eps", Value::Float(eps)),
            ("momentum", momentum.map_or(Value::None, Value::Float)),
            ("affine", Value::Bool(affine)),
            ("track_running_stats", Value::Bool(track)),
        ],
    )
}

fn batch_norm_1d(it: &mut Interp, b: Bound) -> PyResult<Value> {
    batch_norm(it, b, 1)
}

fn batch_norm_2d(it: &mut Interp, b: Bound) -> PyResult<Value> {
    batch_norm(it, b, 2)
}

fn rms_norm(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let shape = b.sizes(1)?;
    let eps = b.opt_float(2)?;
    let affine = b.bool(3)?;
    let l = RMSNorm::with_dtype(&shape, eps, affine, dtype(it, &b, 5)?).py()?;
    install(
        it,
        b.value(0),
        Box::new(l),
        vec![
            ("normalized_shape", shape_tuple(&shape)),
            ("eps", eps.map_or(Value::None, Value::Float)),
            ("elementwise_affine", Value::Bool(affine)),
        ],
    )
}

fn gelu(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let ap = b.str(1)?.to_string();
    let g = GELU::new(&ap).map_err(|e| exc("ValueError", e.to_string()))?;
    install(
        it,
        b.value(0),
        Box::new(g),
        vec![("approximate", Value::str(&ap))],
    )
}

/// PyTorch's legacy rule for softmax without `dim`: 0 for 0-, 1- and 3-D
/// input, else 1.
pub fn legacy_softmax_dim(ndim: usize) -> i64 {
    if matches!(ndim, 0 | 1 | 3) {
        0
    } else {
        1
    }
}

fn softmax_layer(it: &mut Interp, b: Bound, log: bool) -> PyResult<Value> {
    let dim = b.opt_int(1)?;
    let name = if log { "LogSoftmax" } else { "Softmax" };
    let extra = format!("dim={}", dim.map_or("None".into(), |d| d.to_string()));
    let a = Activation::new(name, extra, move |x: &Tensor| {
        let d = dim.unwrap_or_else(|| legacy_softmax_dim(x.dim()));
        if log {
            x.log_softmax(d)
        } else {
            x.softmax(d)
        }
    });
    install(
        it,
        b.value(0),
        Box::new(a),
        vec![("dim", dim.map_or(Value::None, Value::Int))],
    )
}

fn softmax(it: &mut Interp, b: Bound) -> PyResult<Value> {
    softmax_layer(it, b, false)
}

fn log_softmax(it: &mut Interp, b: Bound) -> PyResult<Value> {
    softmax_layer(it, b, true)
}

fn identity(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let a = Activation::new("Identity", "", |x: &Tensor| Ok(x.clone()));
    install(it, b.value(0), Box::new(a), vec![])
}

fn flatten(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (s, e) = (b.int(1)?, b.int(2)?);
    install(
        it,
        b.value(0),
        Box::new(Flatten::new(s, e)),
        vec![("start_dim", Value::Int(s)), ("end_dim", Value::Int(e))],
    )
}

/// The activation classes made from the engine's pointwise table
/// (`nn.ReLU`, `nn.Hardtanh(min_val, max_val)`, ...): (class name,
/// doc, constructor).
pub fn activations() -> Vec<(&'static str, &'static str, Def)> {
    ACTIVATION_CLASSES
        .iter()
        .filter_map(|&(class, function)| {
            let f = table::unary(function)?;
            let init: DynFn = Rc::new(move |it, b| {
                let a = table::activation_args(&f, &b)?;
                let (numbers, inplace) = (a.numbers, a.inplace);
                let layer =
                    Activation::new(class, a.extra_repr, move |x: &Tensor| match f.inplace {
                        Some(write) if inplace => write(x, &numbers).map(|()| x.clone()),
                        _ => (f.call_with)(x, &numbers),
                    });
                install(it, b.value(0), Box::new(layer), a.attrs)
            });
            let sig = table::activation_signature(&f);
            Some((
                class,
                f.doc,
                Def::new(class, &sig, f.doc, Imp::Dyn(init), Style::Torch),
            ))
        })
        .collect()
}
