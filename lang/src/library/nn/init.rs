//! `torch.nn.init` (the engine's in-place initialisers, drawing from the
//! default generator as PyTorch does) and `torch.nn.utils.clip_grad_norm_`.

use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::torch::tensor::value;
use crate::library::EngineResult;
use tinytorch::nn::init;
use tinytorch::Tensor;

#[rustfmt::skip]
pub const INIT: &[Row] = &[
    row("zeros_(Tensor tensor)", "Fills tensor with 0 in place (no gradient recorded).\n\n>>> torch.nn.init.zeros_(torch.ones(2))\ntensor([0., 0.])", zeros_),
    row("ones_(Tensor tensor)", "Fills tensor with 1 in place.", ones_),
    row("constant_(Tensor tensor, float val)", "Fills tensor with val in place.", constant_),
    row("normal_(Tensor tensor, float mean=0.0, float std=1.0, Generator? generator=None)", "Fills tensor with draws from N(mean, std^2) in place.", normal_),
    row("uniform_(Tensor tensor, float a=0.0, float b=1.0, Generator? generator=None)", "Fills tensor with draws from U(a, b) in place.", uniform_),
    row("xavier_uniform_(Tensor tensor, float gain=1.0, Generator? generator=None)", "U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), in place.", xavier_uniform_),
    row("kaiming_uniform_(Tensor tensor, float a=0, str mode='fan_in', str nonlinearity='leaky_relu', Generator? generator=None)", "U(-b, b) with b = sqrt(6 / ((1 + a^2) fan_in)), in place (mode='fan_in', nonlinearity='leaky_relu').", kaiming_uniform_),
];

pub const UTILS: &[Row] = &[row(
    "clip_grad_norm_(object parameters, float max_norm, object norm_type=2.0, bool error_if_nonfinite=False, bool? foreach=None)",
    "Scales the gradients in place so that their total norm (over all parameters together) is at most max_norm; returns the total norm before clipping.\n\n>>> w = torch.tensor([3.0, 4.0], requires_grad=True)\n>>> w.grad = torch.tensor([3.0, 4.0])\n>>> torch.nn.utils.clip_grad_norm_([w], 1.0)\ntensor(5.)",
    clip_grad_norm_,
)];

fn done(b: &Bound, r: tinytorch::Result<()>) -> PyResult<Value> {
    r.py()?;
    Ok(b.value(0).clone())
}

fn zeros_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::zeros_(b.tensor(0)?))
}

fn ones_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::ones_(b.tensor(0)?))
}

fn constant_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::constant_(b.tensor(0)?, b.float(1)?))
}

fn normal_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::normal_(b.tensor(0)?, b.float(1)?, b.float(2)?))
}

fn uniform_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::uniform_(b.tensor(0)?, b.float(1)?, b.float(2)?))
}

fn xavier_uniform_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::xavier_uniform_(b.tensor(0)?, b.float(1)?))
}

fn kaiming_uniform_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = b.str(2)?;
    if m != "fan_in" {
        return Err(exc(
            "ValueError",
            format!("Mode {m} not supported by tinytorch, please use fan_in"),
        ));
    }
    let nl = b.str(3)?;
    if nl != "leaky_relu" && nl != "relu" {
        return Err(exc("ValueError", format!("Unsupported nonlinearity {nl}")));
    }
    // ReLU's gain is leaky_relu's with a = 0.
    let a = if nl == "relu" { 0.0 } else { b.float(1)? };
    done(&b, init::kaiming_uniform_(b.tensor(0)?, a))
}

fn clip_grad_norm_(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let ps = b.value(0).clone();
    let items = if ps.downcast::<Tensor>().is_some() {
        vec![ps]
    } else {
        it.collect(&ps)?
    };
    let params: Vec<Tensor> = items
        .iter()
        .filter_map(|v| v.downcast::<Tensor>().cloned())
        .collect();
    let p = match b.value(2) {
        Value::Str(s) if &**s == "inf" => f64::INFINITY,
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        other => {
            return Err(exc(
                "TypeError",
                format!(
                    "norm_type must be a number or 'inf', not {}",
                    other.type_name()
                ),
            ))
        }
    };
    let total = tinytorch::nn::utils::clip_grad_norm_with(&params, b.float(1)?, p, b.bool(3)?)
        .map_err(|e| exc("RuntimeError", e.to_string()))?;
    Ok(value(total))
}
