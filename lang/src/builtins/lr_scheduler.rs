//! `torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1,
//! last_epoch=-1)` with `step()` and `get_last_lr()`: PyTorch's chainable
//! form over the optimizer's `param_groups` dicts (the source of truth that
//! `step()` hands to the engine), including `initial_lr` in each group.

use super::args::{self, bind};
use super::optim::{attr, get, put};
use super::{func, native_class, register_module};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{set_attr, ClassKind, Instance, ModuleObj, Value};
use crate::eval::Interp;
use std::cell::RefCell;
use std::rc::Rc;

pub fn install(it: &mut Interp) {
    let sched = register_module(
        it,
        "torch.optim.lr_scheduler",
        ModuleObj::new("torch.optim.lr_scheduler", "Learning-rate schedules."),
    );
    let c = native_class(
        "StepLR",
        "torch.optim.lr_scheduler",
        ClassKind::Object,
        "StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1)\n\nMultiplies each group's lr by gamma every step_size calls of step().\n\n>>> opt = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1.0)\n>>> s = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)\n>>> s.step(); s.step()\n>>> s.get_last_lr()\n[0.5]",
        Some(step_lr),
    );
    {
        let mut a = c.attrs.borrow_mut();
        set_attr(
            &mut a,
            "step",
            func(
                "step",
                "step() -> None\n\nAdvances the schedule by one epoch.",
                sched_step,
            ),
        );
        set_attr(
            &mut a,
            "get_last_lr",
            func(
                "get_last_lr",
                "get_last_lr() -> list of float\n\nThe lr of each group after the last step().",
                |_, a| {
                    let this = a.pos.into_iter().next().unwrap_or(Value::None);
                    Ok(attr(&this, "_last_lr"))
                },
            ),
        );
    }
    sched.set("StepLR", Value::Class(c));
}

fn step_lr(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [opt, step_size, gamma, last_epoch] = bind(
        "StepLR",
        a,
        ["optimizer", "step_size", "gamma", "last_epoch"],
        2,
    )?;
    let opt = opt.expect("required");
    if !matches!(attr(&opt, "_opt"), Value::Int(_)) {
        return Err(type_error(format!(
            "{} is not an Optimizer",
            opt.type_name()
        )));
    }
    let step_size = args::int("StepLR", "step_size", &step_size.expect("required"))?;
    let gamma = args::opt_float("StepLR", "gamma", &gamma)?.unwrap_or(0.1);
    let last = args::opt_int("StepLR", "last_epoch", &last_epoch)?.unwrap_or(-1);
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
    let m = it.import("torch.optim.lr_scheduler")?;
    let Ok(Value::Class(c)) = it.get_attr(&m, "StepLR") else {
        return Err(exc("RuntimeError", "StepLR missing"));
    };
    let s = Value::Instance(Rc::new(Instance {
        class: c,
        attrs: RefCell::new(vec![
            (Rc::from("optimizer"), opt),
            (Rc::from("step_size"), Value::Int(step_size)),
            (Rc::from("gamma"), Value::Float(gamma)),
            (Rc::from("base_lrs"), Value::list(lrs)),
            (Rc::from("last_epoch"), Value::Int(last)),
            (Rc::from("_last_lr"), Value::list(vec![])),
        ]),
    }));
    // PyTorch's constructor takes the first step (to epoch last_epoch + 1).
    sched_step(it, Args::new(vec![s.clone()]))?;
    Ok(s)
}

fn sched_step(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [this, _epoch] = bind("step", a, ["self", "epoch"], 1)?;
    let this = this.expect("required");
    let epoch = args::int("step", "last_epoch", &attr(&this, "last_epoch"))? + 1;
    it.set_attr(&this, "last_epoch", Value::Int(epoch))?;
    let step_size = args::int("step", "step_size", &attr(&this, "step_size"))?;
    let gamma = args::float("step", "gamma", &attr(&this, "gamma"))?;
    let groups = it.collect(&attr(&attr(&this, "optimizer"), "param_groups"))?;
    let mut last = Vec::new();
    for g in &groups {
        let lr = get(g, "lr").unwrap_or(Value::None);
        let lr = if epoch == 0 || step_size <= 0 || epoch % step_size != 0 {
            lr
        } else {
            let v = args::float("step", "lr", &lr)? * gamma;
            put(g, "lr", Value::Float(v));
            Value::Float(v)
        };
        last.push(lr);
    }
    it.set_attr(&this, "_last_lr", Value::list(last))?;
    Ok(Value::None)
}
