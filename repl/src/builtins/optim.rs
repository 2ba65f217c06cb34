//! `torch.optim`: SGD (momentum, dampening, nesterov, weight decay) and Adam
//! following PyTorch's single-tensor update order, with `param_groups`
//! (lr changes take effect), `zero_grad(set_to_none=True)` and `step()`.

use super::args::{self, bind};
use super::{func, native_class, register_module};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{set_attr, ClassKind, Instance, ModuleObj, NativeFn, Value};
use crate::eval::Interp;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::Tensor;

pub fn install(it: &mut Interp) {
    let m = register_module(
        it,
        "torch.optim",
        ModuleObj::new("torch.optim", "Optimizers."),
    );
    for (name, doc, ctor) in [
        (
            "SGD",
            "SGD(params, lr=0.001, momentum=0, dampening=0, weight_decay=0, nesterov=False)",
            sgd as NativeFn,
        ),
        (
            "Adam",
            "Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)",
            adam as NativeFn,
        ),
    ] {
        let c = native_class(name, "torch.optim", ClassKind::Object, doc, Some(ctor));
        let mut a = c.attrs.borrow_mut();
        set_attr(
            &mut a,
            "step",
            func(
                "step",
                "step() -> None\n\nOne update of every parameter with a gradient.",
                step,
            ),
        );
        set_attr(
            &mut a,
            "zero_grad",
            func(
                "zero_grad",
                "zero_grad(set_to_none=True) -> None",
                zero_grad,
            ),
        );
        drop(a);
        m.set(name, Value::Class(c));
    }
}

fn dict(items: Vec<(&str, Value)>) -> Value {
    let mut d = Dict::new();
    for (k, v) in items {
        d.insert(Key::Str(Rc::from(k)), Value::str(k), v);
    }
    Value::Dict(Rc::new(RefCell::new(d)))
}

fn make(it: &mut Interp, kind: &str, params: Value, hyper: Vec<(&str, Value)>) -> PyResult<Value> {
    let ps = it.collect(&params)?;
    for p in &ps {
        if !matches!(p, Value::Tensor(_)) {
            return Err(type_error(format!(
                "optimizer can only optimize Tensors, but one of the params is {}",
                p.type_name()
            )));
        }
    }
    if ps.is_empty() {
        return Err(exc("ValueError", "optimizer got an empty parameter list"));
    }
    let mut group = vec![("params", Value::list(ps))];
    group.extend(hyper);
    let class = match it.import("torch.optim")? {
        Value::Module(m) => match m.get(kind) {
            Some(Value::Class(c)) => c,
            _ => return Err(exc("RuntimeError", "torch.optim class missing")),
        },
        _ => return Err(exc("RuntimeError", "torch.optim missing")),
    };
    Ok(Value::Instance(Rc::new(Instance {
        class,
        attrs: RefCell::new(vec![
            (Rc::from("param_groups"), Value::list(vec![dict(group)])),
            (Rc::from("state"), dict(vec![])),
            (Rc::from("kind"), Value::str(kind)),
        ]),
    })))
}

fn sgd(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [p, lr, mom, damp, wd, nest, _max] = bind(
        "SGD",
        a,
        [
            "params",
            "lr",
            "momentum",
            "dampening",
            "weight_decay",
            "nesterov",
            "maximize",
        ],
        1,
    )?;
    let f = |v: Option<Value>, d: f64| v.unwrap_or(Value::Float(d));
    make(
        it,
        "SGD",
        p.expect("required"),
        vec![
            ("lr", f(lr, 1e-3)),
            ("momentum", f(mom, 0.0)),
            ("dampening", f(damp, 0.0)),
            ("weight_decay", f(wd, 0.0)),
            ("nesterov", nest.unwrap_or(Value::Bool(false))),
        ],
    )
}

fn adam(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [p, lr, betas, eps, wd, _ams] = bind(
        "Adam",
        a,
        ["params", "lr", "betas", "eps", "weight_decay", "amsgrad"],
        1,
    )?;
    let f = |v: Option<Value>, d: f64| v.unwrap_or(Value::Float(d));
    make(
        it,
        "Adam",
        p.expect("required"),
        vec![
            ("lr", f(lr, 1e-3)),
            (
                "betas",
                betas.unwrap_or(Value::tuple(vec![Value::Float(0.9), Value::Float(0.999)])),
            ),
            ("eps", f(eps, 1e-8)),
            ("weight_decay", f(wd, 0.0)),
        ],
    )
}

fn get(d: &Value, k: &str) -> Value {
    match d {
        Value::Dict(d) => d
            .borrow()
            .get(&Key::Str(Rc::from(k)))
            .cloned()
            .unwrap_or(Value::None),
        _ => Value::None,
    }
}

fn zero_grad(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [s, stn] = bind("zero_grad", a, ["self", "set_to_none"], 1)?;
    let s = s.expect("required");
    let to_none = args::opt_bool("zero_grad", "set_to_none", &stn, true)?;
    let groups = it.get_attr(&s, "param_groups")?;
    for g in it.collect(&groups)? {
        for p in it.collect(&get(&g, "params"))? {
            if let Value::Tensor(p) = p {
                if to_none {
                    p.set_grad(None).py()?;
                } else if let Some(g) = p.grad() {
                    let _ng = tinytorch::autograd::no_grad();
                    super::tensor_ext::assign_into(
                        &g,
                        &Tensor::zeros(&[], g.dtype(), g.device()).py()?,
                    )?;
                }
            }
        }
    }
    Ok(Value::None)
}

fn step(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [s, _closure] = bind("step", a, ["self", "closure"], 1)?;
    let s = s.expect("required");
    let kind = it.get_attr(&s, "kind")?;
    let Value::Dict(state) = it.get_attr(&s, "state")? else {
        return Err(exc("RuntimeError", "optimizer state missing"));
    };
    let groups = it.get_attr(&s, "param_groups")?;
    let _ng = tinytorch::autograd::no_grad();
    for g in it.collect(&groups)? {
        let lr = args::float("step", "lr", &get(&g, "lr"))?;
        let wd = args::float("step", "weight_decay", &get(&g, "weight_decay"))?;
        for p in it.collect(&get(&g, "params"))? {
            let Value::Tensor(p) = p else { continue };
            let Some(mut grad) = p.grad() else { continue };
            if wd != 0.0 {
                grad = grad.add(&p.mul_scalar(wd).py()?).py()?;
            }
            let key = Key::Id(p.id() as usize);
            let st = state.borrow().get(&key).cloned();
            let update = if matches!(&kind, Value::Str(k) if &**k == "SGD") {
                let mom = args::float("step", "momentum", &get(&g, "momentum"))?;
                let damp = args::float("step", "dampening", &get(&g, "dampening"))?;
                let nesterov = matches!(get(&g, "nesterov"), Value::Bool(true));
                let mut d = grad.clone();
                if mom != 0.0 {
                    let buf = match st {
                        Some(Value::Tensor(b)) => b
                            .mul_scalar(mom)
                            .py()?
                            .add(&grad.mul_scalar(1.0 - damp).py()?)
                            .py()?,
                        _ => grad.clone_tensor().py()?,
                    };
                    state.borrow_mut().insert(
                        key,
                        Value::Tensor(p.clone()),
                        Value::Tensor(buf.clone()),
                    );
                    d = if nesterov {
                        grad.add(&buf.mul_scalar(mom).py()?).py()?
                    } else {
                        buf
                    };
                }
                d.mul_scalar(lr).py()?
            } else {
                let betas = it.collect(&get(&g, "betas"))?;
                let b1 = args::float("step", "betas", &betas[0])?;
                let b2 = args::float("step", "betas", &betas[1])?;
                let eps = args::float("step", "eps", &get(&g, "eps"))?;
                let (t, m, v) = match st {
                    Some(Value::Tuple(x)) => (
                        args::int("step", "step", &x.items[0])? + 1,
                        args::tensor("step", "exp_avg", &x.items[1])?,
                        args::tensor("step", "exp_avg_sq", &x.items[2])?,
                    ),
                    _ => (
                        1,
                        Tensor::zeros_like(&p).py()?,
                        Tensor::zeros_like(&p).py()?,
                    ),
                };
                // exp_avg.lerp_(grad, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                let m = m.add(&grad.sub(&m).py()?.mul_scalar(1.0 - b1).py()?).py()?;
                let v = v
                    .mul_scalar(b2)
                    .py()?
                    .add(&grad.mul(&grad).py()?.mul_scalar(1.0 - b2).py()?)
                    .py()?;
                state.borrow_mut().insert(
                    key,
                    Value::Tensor(p.clone()),
                    Value::tuple(vec![
                        Value::Int(t),
                        Value::Tensor(m.clone()),
                        Value::Tensor(v.clone()),
                    ]),
                );
                let bc1 = 1.0 - b1.powi(t as i32);
                let bc2 = 1.0 - b2.powi(t as i32);
                let denom = v
                    .sqrt()
                    .py()?
                    .div_scalar(bc2.sqrt())
                    .py()?
                    .add_scalar(eps)
                    .py()?;
                m.div(&denom).py()?.mul_scalar(lr / bc1).py()?
            };
            let newp = p.sub(&update).py()?;
            super::tensor_ext::assign_into(&p, &newp)?;
        }
    }
    Ok(Value::None)
}
