//! `torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1,
//! last_epoch=-1)` with `step()` and `get_last_lr()`: PyTorch's chainable
//! form over the optimizer's `param_groups` dicts (the source of truth that
//! `step()` hands to the engine), including `initial_lr` in each group.

use super::{attr, get, put};
use crate::bind::{row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;

#[rustfmt::skip]
pub const STEP_LR: &[Row] = &[
    row("__init__(self, optimizer, int step_size, float gamma=0.1, int last_epoch=-1)", "StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1): multiplies each group's lr by gamma every step_size calls of step().\n\n>>> opt = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1.0)\n>>> s = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)\n>>> s.step(); s.step()\n>>> s.get_last_lr()\n[0.5]", init),
    row("step(self, epoch=None)", "Advances the schedule by one epoch.", step),
    row("get_last_lr(self)", "The lr of each group after the last step().", get_last_lr),
];

pub fn install(it: &mut Interp) {
    let m = super::super::module(it, "torch.optim.lr_scheduler", "Learning-rate schedules.");
    let base = super::super::class(
        "LRScheduler",
        "torch.optim.lr_scheduler",
        &[&it.types.object],
        "The base class of the learning-rate schedulers.",
    );
    m.set("LRScheduler", Value::Class(base.clone()));
    let c = super::super::class(
        "StepLR",
        "torch.optim.lr_scheduler",
        &[&base],
        STEP_LR[0].doc,
    );
    crate::bind::into_class(&c, STEP_LR, Style::Python);
    m.set("StepLR", Value::Class(c));
}

fn init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let opt = b.value(1).clone();
    if opt
        .native::<std::cell::RefCell<tinytorch::optim::Optimizer>>()
        .is_none()
    {
        return Err(type_error(format!(
            "{} is not an Optimizer",
            opt.type_name()
        )));
    }
    let (step_size, gamma, last) = (b.int(2)?, b.float(3)?, b.int(4)?);
    let groups = it.collect(&attr(&opt, "param_groups"))?;
    let mut lrs = Vec::new();
    for g in &groups {
        let lr = match get(g, "initial_lr") {
            Some(v) if last != -1 => v,
            _ => {
                let lr = get(g, "lr").unwrap_or(Value::None);
                put(g, "initial_lr", lr.clone());
                lr
            }
        };
        lrs.push(lr);
    }
    for (k, v) in [
        ("optimizer", opt),
        ("step_size", Value::Int(step_size)),
        ("gamma", Value::Float(gamma)),
        ("base_lrs", Value::list(lrs)),
        ("last_epoch", Value::Int(last)),
        ("_last_lr", Value::list(vec![])),
    ] {
        it.set_attr(&this, k, v)?;
    }
    // PyTorch's constructor takes the first step (to epoch last_epoch + 1).
    it.call_method(&this, "step", Args::default())?;
    Ok(Value::None)
}

fn num(v: &Value, what: &str) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        other => Err(type_error(format!(
            "{what} must be a number, not {}",
            other.type_name()
        ))),
    }
}

fn step(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let epoch = num(&attr(&this, "last_epoch"), "last_epoch")? as i64 + 1;
    it.set_attr(&this, "last_epoch", Value::Int(epoch))?;
    let step_size = num(&attr(&this, "step_size"), "step_size")? as i64;
    let gamma = num(&attr(&this, "gamma"), "gamma")?;
    let groups = it.collect(&attr(&attr(&this, "optimizer"), "param_groups"))?;
    let mut last = Vec::new();
    for g in &groups {
        let lr = get(g, "lr").unwrap_or(Value::None);
        let lr = if epoch == 0 || step_size <= 0 || epoch % step_size != 0 {
            lr
        } else {
            let v = num(&lr, "lr")? * gamma;
            put(g, "lr", Value::Float(v));
            Value::Float(v)
        };
        last.push(lr);
    }
    it.set_attr(&this, "_last_lr", Value::list(last))?;
    Ok(Value::None)
}

fn get_last_lr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(attr(b.value(0), "_last_lr"))
}
