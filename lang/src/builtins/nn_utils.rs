//! `torch.nn.init` (the engine's in-place initialisers, drawing from the
//! default generator as PyTorch does) and `torch.nn.utils.clip_grad_norm_`
//! (PyTorch's semantics, written with engine ops).

use super::args::{self, bind};
use super::{def, register_module};
use crate::eval::call::Args;
use crate::eval::error::{exc, EngineResult, PyResult};
use crate::eval::value::{ModuleObj, Value};
use crate::eval::Interp;
use tinytorch::nn::init;
use tinytorch::Tensor;

pub fn install(it: &mut Interp) {
    let m = register_module(
        it,
        "torch.nn.init",
        ModuleObj::new("torch.nn.init", "In-place parameter initialisation."),
    );
    def(&m, "zeros_", "zeros_(tensor) -> Tensor\n\nFills tensor with 0 in place (no gradient recorded).\n\n>>> torch.nn.init.zeros_(torch.ones(2))\ntensor([0., 0.])", |_, a| {
        let t = one_tensor("zeros_", a)?;
        init::zeros_(&t).py()?;
        Ok(Value::Tensor(t))
    });
    def(
        &m,
        "ones_",
        "ones_(tensor) -> Tensor\n\nFills tensor with 1 in place.",
        |_, a| {
            let t = one_tensor("ones_", a)?;
            init::ones_(&t).py()?;
            Ok(Value::Tensor(t))
        },
    );
    def(
        &m,
        "constant_",
        "constant_(tensor, val) -> Tensor\n\nFills tensor with val in place.",
        |_, a| {
            let [t, v] = bind("constant_", a, ["tensor", "val"], 2)?;
            let t = args::tensor("constant_", "tensor", &t.expect("required"))?;
            init::constant_(&t, args::float("constant_", "val", &v.expect("required"))?).py()?;
            Ok(Value::Tensor(t))
        },
    );
    def(&m, "normal_", "normal_(tensor, mean=0.0, std=1.0, generator=None) -> Tensor\n\nFills tensor with draws from N(mean, std^2) in place.", |_, a| {
        let [t, mean, std, _g] = bind("normal_", a, ["tensor", "mean", "std", "generator"], 1)?;
        let t = args::tensor("normal_", "tensor", &t.expect("required"))?;
        let mean = args::opt_float("normal_", "mean", &mean)?.unwrap_or(0.0);
        let std = args::opt_float("normal_", "std", &std)?.unwrap_or(1.0);
        init::normal_(&t, mean, std).py()?;
        Ok(Value::Tensor(t))
    });
    def(&m, "uniform_", "uniform_(tensor, a=0.0, b=1.0, generator=None) -> Tensor\n\nFills tensor with draws from U(a, b) in place.", |_, a| {
        let [t, lo, hi, _g] = bind("uniform_", a, ["tensor", "a", "b", "generator"], 1)?;
        let t = args::tensor("uniform_", "tensor", &t.expect("required"))?;
        let lo = args::opt_float("uniform_", "a", &lo)?.unwrap_or(0.0);
        let hi = args::opt_float("uniform_", "b", &hi)?.unwrap_or(1.0);
        init::uniform_(&t, lo, hi).py()?;
        Ok(Value::Tensor(t))
    });
    def(&m, "xavier_uniform_", "xavier_uniform_(tensor, gain=1.0, generator=None) -> Tensor\n\nU(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), in place.", |_, a| {
        let [t, gain, _g] = bind("xavier_uniform_", a, ["tensor", "gain", "generator"], 1)?;
        let t = args::tensor("xavier_uniform_", "tensor", &t.expect("required"))?;
        let gain = args::opt_float("xavier_uniform_", "gain", &gain)?.unwrap_or(1.0);
        init::xavier_uniform_(&t, gain).py()?;
        Ok(Value::Tensor(t))
    });
    def(&m, "kaiming_uniform_", "kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None) -> Tensor\n\nU(-b, b) with b = sqrt(6 / ((1 + a^2) fan_in)), in place (mode='fan_in', nonlinearity='leaky_relu').", |_, a| {
        let [t, slope, mode, nl, _g] = bind("kaiming_uniform_", a, ["tensor", "a", "mode", "nonlinearity", "generator"], 1)?;
        let t = args::tensor("kaiming_uniform_", "tensor", &t.expect("required"))?;
        let slope = args::opt_float("kaiming_uniform_", "a", &slope)?.unwrap_or(0.0);
        if let Some(m) = mode {
            let m = args::string("kaiming_uniform_", "mode", &m)?;
            if m != "fan_in" {
                return Err(exc("ValueError", format!("Mode {m} not supported by tinytorch, please use fan_in")));
            }
        }
        if let Some(n) = nl {
            let n = args::string("kaiming_uniform_", "nonlinearity", &n)?;
            if n != "leaky_relu" && n != "relu" {
                return Err(exc("ValueError", format!("Unsupported nonlinearity {n}")));
            }
            if n == "relu" {
                init::kaiming_uniform_(&t, 0.0).py()?;
                return Ok(Value::Tensor(t));
            }
        }
        init::kaiming_uniform_(&t, slope).py()?;
        Ok(Value::Tensor(t))
    });
    let u = register_module(
        it,
        "torch.nn.utils",
        ModuleObj::new("torch.nn.utils", "Gradient clipping."),
    );
    def(&u, "clip_grad_norm_", "clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None) -> Tensor\n\nScales the gradients in place so that their total norm (over all parameters together) is at most max_norm; returns the total norm before clipping.\n\n>>> w = torch.tensor([3.0, 4.0], requires_grad=True)\n>>> w.grad = torch.tensor([3.0, 4.0])\n>>> torch.nn.utils.clip_grad_norm_([w], 1.0)\ntensor(5.)", clip_grad_norm);
}

fn one_tensor(fname: &str, a: Args) -> PyResult<Tensor> {
    let [t] = bind(fname, a, ["tensor"], 1)?;
    args::tensor(fname, "tensor", &t.expect("required"))
}

/// PyTorch: total = norm(stack(norm(g, p) for g in grads), p) (max for
/// inf); every grad is multiplied by clamp(max_norm / (total + 1e-6), max=1).
fn clip_grad_norm(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [ps, max_norm, nt, err, _fe] = bind(
        "clip_grad_norm_",
        a,
        [
            "parameters",
            "max_norm",
            "norm_type",
            "error_if_nonfinite",
            "foreach",
        ],
        2,
    )?;
    let ps = ps.expect("required");
    let items = match &ps {
        Value::Tensor(_) => vec![ps.clone()],
        v => it.collect(v)?,
    };
    let max_norm = args::float("clip_grad_norm_", "max_norm", &max_norm.expect("required"))?;
    let p = match &nt {
        Some(Value::Str(s)) if &**s == "inf" => f64::INFINITY,
        _ => args::opt_float("clip_grad_norm_", "norm_type", &nt)?.unwrap_or(2.0),
    };
    let err = args::opt_bool("clip_grad_norm_", "error_if_nonfinite", &err, false)?;
    let grads: Vec<Tensor> = items
        .iter()
        .filter_map(|v| match v {
            Value::Tensor(t) => t.grad(),
            _ => None,
        })
        .collect();
    let _ng = tinytorch::autograd::no_grad();
    if grads.is_empty() {
        return Ok(Value::Tensor(
            Tensor::scalar_tensor(0.0, tinytorch::DType::F32, tinytorch::Device::Cpu).py()?,
        ));
    }
    let norms: Vec<Tensor> = grads
        .iter()
        .map(|g| {
            if p.is_infinite() {
                g.abs()?.max()
            } else {
                g.norm(p, None, false)
            }
        })
        .collect::<tinytorch::Result<_>>()
        .py()?;
    let refs: Vec<&Tensor> = norms.iter().collect();
    let stacked = Tensor::stack(&refs, 0).py()?;
    let total = if p.is_infinite() {
        stacked.max().py()?
    } else {
        stacked.norm(p, None, false).py()?
    };
    let tv = total.item().py()?;
    if err && !tv.is_finite() {
        return Err(exc(
            "RuntimeError",
            format!("The total norm of order {p} for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"),
        ));
    }
    let coef = total
        .add_scalar(1e-6)
        .py()?
        .rdiv_scalar(max_norm)
        .py()?
        .clamp(None, Some(1.0))
        .py()?;
    for g in &grads {
        let scaled = g.mul(&coef.to_dtype(g.dtype()).py()?).py()?;
        super::tensor_ext::assign_into(g, &scaled)?;
    }
    Ok(Value::Tensor(total))
}
