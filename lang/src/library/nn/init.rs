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
    row("kaiming_uniform_(Tensor tensor, float a=0, str mode='fan_in', str nonlinearity='leaky_relu', Generator? generator=None)", "U(-b, b) with b = sqrt(3) * gain / sqrt(fan), in place; fan is fan_in or fan_out (mode), gain calculate_gain(nonlinearity, a).", kaiming_uniform_),
    row("kaiming_normal_(Tensor tensor, float a=0, str mode='fan_in', str nonlinearity='leaky_relu', Generator? generator=None)", "N(0, std^2) with std = gain / sqrt(fan), in place (He et al.; for ReLU networks pass nonlinearity='relu').", kaiming_normal_),
    row("xavier_normal_(Tensor tensor, float gain=1.0, Generator? generator=None)", "N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)), in place (Glorot and Bengio).", xavier_normal_),
    row("calculate_gain(str nonlinearity, float? param=None)", "The recommended gain for a nonlinearity: 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + a^2)) for leaky_relu (a = param, default 0.01), 3/4 for selu.\n\n>>> torch.nn.init.calculate_gain('relu')\n1.4142135623730951", calculate_gain),
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

fn mode(b: &Bound) -> PyResult<init::FanMode> {
    match b.str(2)? {
        "fan_in" => Ok(init::FanMode::FanIn),
        "fan_out" => Ok(init::FanMode::FanOut),
        m => Err(exc(
            "ValueError",
            format!("Mode {m} not supported, please use one of ['fan_in', 'fan_out']"),
        )),
    }
}

/// calculate_gain's value, a ValueError for an unknown nonlinearity (as PyTorch).
fn gain(nl: &str, param: Option<f64>) -> PyResult<f64> {
    init::calculate_gain(nl, param)
        .map_err(|_| exc("ValueError", format!("Unsupported nonlinearity {nl}")))
}

fn kaiming_uniform_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    gain(b.str(3)?, None)?;
    let m = mode(&b)?;
    done(
        &b,
        init::kaiming_uniform_mode_(b.tensor(0)?, b.float(1)?, m, b.str(3)?),
    )
}

fn kaiming_normal_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    gain(b.str(3)?, None)?;
    let m = mode(&b)?;
    done(
        &b,
        init::kaiming_normal_(b.tensor(0)?, b.float(1)?, m, b.str(3)?),
    )
}

fn xavier_normal_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    done(&b, init::xavier_normal_(b.tensor(0)?, b.float(1)?))
}

fn calculate_gain(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let g = gain(b.str(0)?, b.opt_float(1)?)?;
    // PyTorch returns the int 1 for the identity-like ones.
    Ok(if g == 1.0 {
        Value::Int(1)
    } else {
        Value::Float(g)
    })
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
