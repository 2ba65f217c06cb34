//! Losses: the engine's functional losses (`F.mse_loss`, `F.l1_loss`,
//! `F.smooth_l1_loss`, `F.huber_loss`, `F.binary_cross_entropy`,
//! `F.cross_entropy`, `F.nll_loss`, `F.binary_cross_entropy_with_logits`,
//! one node each with PyTorch's grad_fn names) and their module classes,
//! whose options are attributes and whose `weight`s are buffers, as in
//! PyTorch.

use super::module::init_module;
use crate::bind::{row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::torch::tensor::ok;
use tinytorch::nn::functional as nf;
use tinytorch::Tensor;

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("mse_loss(Tensor input, Tensor target, bool? size_average=None, bool? reduce=None, str reduction='mean')", "Mean squared error.", mse_loss),
    row("cross_entropy(Tensor input, Tensor target, Tensor? weight=None, bool? size_average=None, int ignore_index=-100, bool? reduce=None, str reduction='mean', float label_smoothing=0.0)", "log_softmax over dim 1, then the negative log-likelihood of the target classes (or class probabilities).", cross_entropy),
    row("nll_loss(Tensor input, Tensor target, Tensor? weight=None, bool? size_average=None, int ignore_index=-100, bool? reduce=None, str reduction='mean')", "Negative log-likelihood of the target classes, given log-probabilities.", nll_loss),
    row("l1_loss(Tensor input, Tensor target, bool? size_average=None, bool? reduce=None, str reduction='mean')", "Mean absolute error.", l1_loss),
    row("smooth_l1_loss(Tensor input, Tensor target, bool? size_average=None, bool? reduce=None, str reduction='mean', float beta=1.0)", "Squared error below beta, absolute error above it.", smooth_l1_loss),
    row("huber_loss(Tensor input, Tensor target, str reduction='mean', float delta=1.0)", "Squared error below delta, delta times the absolute error above it.", huber_loss),
    row("binary_cross_entropy(Tensor input, Tensor target, Tensor? weight=None, bool? size_average=None, bool? reduce=None, str reduction='mean')", "Binary cross-entropy of probabilities (logs clamped at -100).", bce),
    row("binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight=None, bool? size_average=None, bool? reduce=None, str reduction='mean', Tensor? pos_weight=None)", "Binary cross-entropy on logits (a numerically stable sigmoid + BCE).", bce_with_logits),
];

/// (class, constructor, forward).
#[rustfmt::skip]
pub const MODULES: &[(&str, Row, Row)] = &[
    ("MSELoss", row("__init__(self, bool? size_average=None, bool? reduce=None, str reduction='mean')", "Mean squared error: loss(input, target).\n\n>>> nn.MSELoss()(torch.tensor([1., 2.]), torch.tensor([1., 4.]))\ntensor(2.)", mse_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", mse_forward)),
    ("CrossEntropyLoss", row("__init__(self, Tensor? weight=None, bool? size_average=None, int ignore_index=-100, bool? reduce=None, str reduction='mean', float label_smoothing=0.0)", "log_softmax over dim 1, then the negative log-likelihood of the target classes (or class probabilities).", ce_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", ce_forward)),
    ("NLLLoss", row("__init__(self, Tensor? weight=None, bool? size_average=None, int ignore_index=-100, bool? reduce=None, str reduction='mean')", "Negative log-likelihood of the target classes, given log-probabilities.", nll_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", nll_forward)),
    ("L1Loss", row("__init__(self, bool? size_average=None, bool? reduce=None, str reduction='mean')", "Mean absolute error: loss(input, target).", mse_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", l1_forward)),
    ("SmoothL1Loss", row("__init__(self, bool? size_average=None, bool? reduce=None, str reduction='mean', float beta=1.0)", "Squared error below beta, absolute error above it.", smooth_l1_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", smooth_l1_forward)),
    ("HuberLoss", row("__init__(self, str reduction='mean', float delta=1.0)", "Squared error below delta, delta times the absolute error above it.", huber_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", huber_forward)),
    ("BCELoss", row("__init__(self, Tensor? weight=None, bool? size_average=None, bool? reduce=None, str reduction='mean')", "Binary cross-entropy of probabilities.", bce_probs_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", bce_probs_forward)),
    ("BCEWithLogitsLoss", row("__init__(self, Tensor? weight=None, bool? size_average=None, bool? reduce=None, str reduction='mean', Tensor? pos_weight=None)", "Binary cross-entropy on logits (a numerically stable sigmoid + BCE).", bce_init), row("forward(self, Tensor input, Tensor target)", "The loss of input against target.", bce_forward)),
];

fn reduction(s: &str) -> PyResult<nf::Reduction> {
    nf::Reduction::from_name(s).map_err(|e| exc("ValueError", e.to_string()))
}

/// PyTorch's legacy `size_average`/`reduce` pair folded into `reduction`.
fn legacy(b: &Bound, size_average: usize, reduce: usize, reduction_at: usize) -> PyResult<String> {
    let (sa, re) = (b.opt(size_average).is_some(), b.opt(reduce).is_some());
    if !sa && !re {
        return Ok(b.str(reduction_at)?.to_string());
    }
    let sa = !sa || b.bool(size_average)?;
    let re = !re || b.bool(reduce)?;
    Ok(match (re, sa) {
        (false, _) => "none",
        (true, true) => "mean",
        (true, false) => "sum",
    }
    .to_string())
}

fn options(
    weight: Option<&Tensor>,
    ignore_index: i64,
    red: &str,
    smoothing: f64,
) -> PyResult<nf::LossOptions> {
    let mut o = nf::LossOptions::new();
    o.weight = weight.cloned();
    o.ignore_index = ignore_index;
    o.reduction = reduction(red)?;
    o.label_smoothing = smoothing;
    Ok(o)
}

fn mse_loss(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 3, 4)?;
    ok(nf::mse_loss(b.tensor(0)?, b.tensor(1)?, reduction(&r)?))
}

fn l1_loss(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 3, 4)?;
    ok(nf::l1_loss(b.tensor(0)?, b.tensor(1)?, reduction(&r)?))
}

fn smooth_l1_loss(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 3, 4)?;
    ok(nf::smooth_l1_loss(
        b.tensor(0)?,
        b.tensor(1)?,
        reduction(&r)?,
        b.float(5)?,
    ))
}

fn huber_loss(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = reduction(b.str(2)?)?;
    ok(nf::huber_loss(b.tensor(0)?, b.tensor(1)?, r, b.float(3)?))
}

fn bce(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 3, 4, 5)?;
    ok(nf::binary_cross_entropy(
        b.tensor(0)?,
        b.tensor(1)?,
        b.opt_tensor(2)?,
        reduction(&r)?,
    ))
}

fn cross_entropy(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 3, 5, 6)?;
    let o = options(b.opt_tensor(2)?, b.int(4)?, &r, b.float(7)?)?;
    ok(nf::cross_entropy(b.tensor(0)?, b.tensor(1)?, &o))
}

fn nll_loss(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 3, 5, 6)?;
    let o = options(b.opt_tensor(2)?, b.int(4)?, &r, 0.0)?;
    ok(nf::nll_loss(b.tensor(0)?, b.tensor(1)?, &o))
}

fn bce_with_logits(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 3, 4, 5)?;
    ok(nf::binary_cross_entropy_with_logits(
        b.tensor(0)?,
        b.tensor(1)?,
        b.opt_tensor(2)?,
        b.opt_tensor(6)?,
        reduction(&r)?,
    ))
}

/// Sets up a loss module: its reduction (checked now) and options as
/// attributes, its tensors as buffers.
fn setup(
    it: &mut Interp,
    this: &Value,
    red: String,
    attrs: Vec<(&str, Value)>,
    buffers: Vec<(&str, Value)>,
) -> PyResult<Value> {
    reduction(&red)?;
    init_module(it, this)?;
    it.object_setattr(this, "reduction", Value::str(&red))?;
    for (k, v) in attrs {
        it.object_setattr(this, k, v)?;
    }
    for (k, v) in buffers {
        it.call_method(this, "register_buffer", Args::new(vec![Value::str(k), v]))?;
    }
    Ok(Value::None)
}

fn mse_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 1, 2, 3)?;
    setup(it, b.value(0), r, vec![], vec![])
}

fn ce_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 4, 5)?;
    let attrs = vec![
        ("ignore_index", Value::Int(b.int(3)?)),
        ("label_smoothing", Value::Float(b.float(6)?)),
    ];
    setup(
        it,
        b.value(0),
        r,
        attrs,
        vec![("weight", b.value(1).clone())],
    )
}

fn nll_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 4, 5)?;
    let attrs = vec![("ignore_index", Value::Int(b.int(3)?))];
    setup(
        it,
        b.value(0),
        r,
        attrs,
        vec![("weight", b.value(1).clone())],
    )
}

fn smooth_l1_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 1, 2, 3)?;
    setup(
        it,
        b.value(0),
        r,
        vec![("beta", Value::Float(b.float(4)?))],
        vec![],
    )
}

fn huber_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.str(1)?.to_string();
    setup(
        it,
        b.value(0),
        r,
        vec![("delta", Value::Float(b.float(2)?))],
        vec![],
    )
}

fn bce_probs_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 3, 4)?;
    setup(
        it,
        b.value(0),
        r,
        vec![],
        vec![("weight", b.value(1).clone())],
    )
}

fn bce_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = legacy(&b, 2, 3, 4)?;
    setup(
        it,
        b.value(0),
        r,
        vec![],
        vec![
            ("weight", b.value(1).clone()),
            ("pos_weight", b.value(5).clone()),
        ],
    )
}

/// A loss module's attribute.
fn attr(it: &mut Interp, this: &Value, name: &str) -> PyResult<Value> {
    it.get_attr(this, name)
}

fn opt_tensor(v: &Value) -> Option<Tensor> {
    v.downcast::<Tensor>().cloned()
}

fn red_of(it: &mut Interp, this: &Value) -> PyResult<String> {
    let r = attr(it, this, "reduction")?;
    it.to_str(&r)
}

fn int_attr(it: &mut Interp, this: &Value, name: &str) -> PyResult<i64> {
    match attr(it, this, name)? {
        Value::Int(i) => Ok(i),
        other => Err(exc(
            "TypeError",
            format!("{name} must be an int, not {}", other.type_name()),
        )),
    }
}

fn mse_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = red_of(it, b.value(0))?;
    ok(nf::mse_loss(b.tensor(1)?, b.tensor(2)?, reduction(&r)?))
}

fn l1_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = red_of(it, b.value(0))?;
    ok(nf::l1_loss(b.tensor(1)?, b.tensor(2)?, reduction(&r)?))
}

/// A float option of a loss module (`beta`, `delta`).
fn float_attr(it: &mut Interp, this: &Value, name: &str) -> PyResult<f64> {
    match attr(it, this, name)? {
        Value::Float(f) => Ok(f),
        Value::Int(i) => Ok(i as f64),
        other => Err(exc(
            "TypeError",
            format!("{name} must be a float, not {}", other.type_name()),
        )),
    }
}

fn smooth_l1_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let r = red_of(it, this)?;
    let beta = float_attr(it, this, "beta")?;
    ok(nf::smooth_l1_loss(
        b.tensor(1)?,
        b.tensor(2)?,
        reduction(&r)?,
        beta,
    ))
}

fn huber_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let r = red_of(it, this)?;
    let delta = float_attr(it, this, "delta")?;
    ok(nf::huber_loss(
        b.tensor(1)?,
        b.tensor(2)?,
        reduction(&r)?,
        delta,
    ))
}

fn bce_probs_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let r = red_of(it, this)?;
    let w = opt_tensor(&attr(it, this, "weight")?);
    ok(nf::binary_cross_entropy(
        b.tensor(1)?,
        b.tensor(2)?,
        w.as_ref(),
        reduction(&r)?,
    ))
}

fn ce_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let r = red_of(it, this)?;
    let w = opt_tensor(&attr(it, this, "weight")?);
    let ls = match attr(it, this, "label_smoothing")? {
        Value::Float(f) => f,
        Value::Int(i) => i as f64,
        _ => 0.0,
    };
    let o = options(w.as_ref(), int_attr(it, this, "ignore_index")?, &r, ls)?;
    ok(nf::cross_entropy(b.tensor(1)?, b.tensor(2)?, &o))
}

fn nll_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let r = red_of(it, this)?;
    let w = opt_tensor(&attr(it, this, "weight")?);
    let o = options(w.as_ref(), int_attr(it, this, "ignore_index")?, &r, 0.0)?;
    ok(nf::nll_loss(b.tensor(1)?, b.tensor(2)?, &o))
}

fn bce_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let r = red_of(it, this)?;
    let w = opt_tensor(&attr(it, this, "weight")?);
    let pw = opt_tensor(&attr(it, this, "pos_weight")?);
    ok(nf::binary_cross_entropy_with_logits(
        b.tensor(1)?,
        b.tensor(2)?,
        w.as_ref(),
        pw.as_ref(),
        reduction(&r)?,
    ))
}
