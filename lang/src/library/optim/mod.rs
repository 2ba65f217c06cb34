//! `torch.optim`: the engine's six optimizers (`SGD Adagrad RMSprop
//! Adadelta Adam AdamW`, `tinytorch::optim::Optimizer`) with PyTorch's
//! arguments and defaults, `param_groups` (a list of dicts the user may
//! edit: `step()` reads each group's hyperparameters back into the engine),
//! `zero_grad(set_to_none=True)`, `step(closure=None)`, `state_dict()` /
//! `load_state_dict()` in PyTorch's nested form and `add_param_group`.
//! The engine optimizer (state buffers included) is the instance's native
//! state. `lr_scheduler` holds the schedulers.

pub mod lr_scheduler;

use crate::bind::{row, Bound, Def, Imp, Row, Style};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Instance, Value};
use crate::eval::Interp;
use crate::library::torch::tensor::value as tensor_value;
use crate::library::EngineResult;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::optim::{Hyper, Kind, Optimizer, ParamGroup};
use tinytorch::Tensor;

/// A default in a param group, as PyTorch writes it (`momentum: 0` is an int).
#[derive(Clone, Copy)]
enum D {
    F(f64),
    I(i64),
    B(bool),
    N,
    Betas,
}

impl D {
    fn value(self) -> Value {
        match self {
            D::F(f) => Value::Float(f),
            D::I(i) => Value::Int(i),
            D::B(b) => Value::Bool(b),
            D::N => Value::None,
            D::Betas => Value::tuple(vec![Value::Float(0.9), Value::Float(0.999)]),
        }
    }
}

/// Constructor arguments after `params` (positional order, then keyword-only
/// ones) and the param-group keys in PyTorch's order with their defaults.
struct Spec {
    kind: Kind,
    positional: &'static [&'static str],
    group: &'static [(&'static str, D)],
    doc: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        kind: Kind::SGD,
        positional: &["lr", "momentum", "dampening", "weight_decay", "nesterov"],
        group: &[("lr", D::F(0.001)), ("momentum", D::I(0)), ("dampening", D::I(0)), ("weight_decay", D::I(0)), ("nesterov", D::B(false)), ("maximize", D::B(false)), ("foreach", D::N), ("differentiable", D::B(false)), ("fused", D::N)],
        doc: "SGD(params, lr=0.001, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, foreach=None, differentiable=False, fused=None)\n\nStochastic gradient descent (with momentum, dampening, Nesterov, weight decay), PyTorch's update rule.\n\n>>> w = torch.tensor([1.0], requires_grad=True)\n>>> opt = torch.optim.SGD([w], lr=0.1)\n>>> (w * 2).sum().backward()\n>>> opt.step()\n>>> w\ntensor([0.8000], requires_grad=True)",
    },
    Spec {
        kind: Kind::Adagrad,
        positional: &["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "foreach"],
        group: &[("lr", D::F(0.01)), ("lr_decay", D::I(0)), ("eps", D::F(1e-10)), ("weight_decay", D::I(0)), ("initial_accumulator_value", D::I(0)), ("foreach", D::N), ("maximize", D::B(false)), ("differentiable", D::B(false)), ("fused", D::N)],
        doc: "Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None)\n\nAdagrad: steps scaled by the root of the summed squared gradients.",
    },
    Spec {
        kind: Kind::RMSprop,
        positional: &["lr", "alpha", "eps", "weight_decay", "momentum", "centered", "capturable", "foreach", "maximize", "differentiable"],
        group: &[("lr", D::F(0.01)), ("momentum", D::I(0)), ("alpha", D::F(0.99)), ("eps", D::F(1e-8)), ("centered", D::B(false)), ("weight_decay", D::I(0)), ("capturable", D::B(false)), ("foreach", D::N), ("maximize", D::B(false)), ("differentiable", D::B(false))],
        doc: "RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=False, capturable=False, foreach=None, maximize=False, differentiable=False)\n\nRMSprop: steps scaled by a running average of squared gradients.",
    },
    Spec {
        kind: Kind::Adadelta,
        positional: &["lr", "rho", "eps", "weight_decay", "foreach"],
        group: &[("lr", D::F(1.0)), ("rho", D::F(0.9)), ("eps", D::F(1e-6)), ("weight_decay", D::I(0)), ("maximize", D::B(false)), ("capturable", D::B(false)), ("foreach", D::N), ("differentiable", D::B(false))],
        doc: "Adadelta(params, lr=1.0, rho=0.9, eps=1e-06, weight_decay=0, foreach=None, *, capturable=False, maximize=False, differentiable=False)\n\nAdadelta: per-parameter step sizes from running averages of squared gradients and updates.",
    },
    Spec {
        kind: Kind::Adam,
        positional: &["lr", "betas", "eps", "weight_decay", "amsgrad"],
        group: &[("lr", D::F(0.001)), ("betas", D::Betas), ("eps", D::F(1e-8)), ("weight_decay", D::I(0)), ("amsgrad", D::B(false)), ("maximize", D::B(false)), ("foreach", D::N), ("capturable", D::B(false)), ("differentiable", D::B(false)), ("fused", D::N), ("decoupled_weight_decay", D::B(false))],
        doc: "Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False, *, foreach=None, maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False)\n\nAdam: bias-corrected first and second moment estimates.\n\n>>> model = torch.nn.Linear(2, 1)\n>>> opt = torch.optim.Adam(model.parameters(), lr=0.01)\n>>> opt.param_groups[0]['lr']\n0.01",
    },
    Spec {
        kind: Kind::AdamW,
        positional: &["lr", "betas", "eps", "weight_decay", "amsgrad"],
        group: &[("lr", D::F(0.001)), ("betas", D::Betas), ("eps", D::F(1e-8)), ("weight_decay", D::F(0.01)), ("amsgrad", D::B(false)), ("maximize", D::B(false)), ("foreach", D::N), ("capturable", D::B(false)), ("differentiable", D::B(false)), ("fused", D::N), ("decoupled_weight_decay", D::B(true))],
        doc: "AdamW(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=False, *, maximize=False, foreach=None, capturable=False, differentiable=False, fused=None)\n\nAdam with decoupled weight decay.",
    },
];

fn spec(kind: Kind) -> &'static Spec {
    SPECS
        .iter()
        .find(|s| s.kind == kind)
        .expect("SPECS lists every Kind")
}

/// The optimizer methods, on the `Optimizer` base class.
#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("step(self, closure=None)", "One update of every parameter that has a gradient, with the hyperparameters now in param_groups; returns closure's loss if given.", step),
    row("zero_grad(self, set_to_none=True)", "Sets the parameters' gradients to None (or to zero).", zero_grad),
    row("state_dict(self)", "{'state': {index: {'step': ..., buffers...}}, 'param_groups': [{..., 'params': [indices]}]}", state_dict),
    row("load_state_dict(self, state_dict)", "Restores hyperparameters and per-parameter state saved by state_dict().", load_state_dict),
    row("add_param_group(self, param_group)", "Adds a dict {'params': [...], options...}; missing options take the optimizer's defaults.", add_param_group),
    row("__repr__(self)", "PyTorch's listing of the parameter groups.", repr),
];

pub fn install(it: &mut Interp) {
    let m = super::module(it, "torch.optim", "Optimizers.");
    let base = super::class(
        "Optimizer",
        "torch.optim.optimizer",
        &[&it.types.object],
        "Optimizer: the base class of torch.optim's optimizers.",
    );
    crate::bind::into_class(&base, METHODS, Style::Python);
    m.set("Optimizer", Value::Class(base.clone()));
    for s in SPECS {
        let name = s.kind.name();
        let kind = s.kind;
        let c = super::class(
            name,
            &format!("torch.optim.{}", name.to_lowercase()),
            &[&base],
            s.doc,
        );
        let sig = s.doc.lines().next().unwrap_or(name);
        let ctor = Def::new(
            "torch.optim",
            sig,
            s.doc,
            Imp::DynRaw(Rc::new(move |it, a| make(it, a, kind))),
            Style::Python,
        );
        *c.new.borrow_mut() = Some(ctor.value());
        m.set(name, Value::Class(c));
    }
    lr_scheduler::install(it);
}

fn dict(items: Vec<(&str, Value)>) -> Value {
    let mut d = Dict::new();
    for (k, v) in items {
        d.insert(Key::Str(Rc::from(k)), Value::str(k), v);
    }
    Value::dict(d)
}

/// `d[k]` of a dict value.
pub(super) fn get(d: &Value, k: &str) -> Option<Value> {
    match d {
        Value::Dict(d) => d.borrow().get(&Key::Str(Rc::from(k))).cloned(),
        _ => None,
    }
}

pub(super) fn put(d: &Value, k: &str, v: Value) {
    if let Value::Dict(d) = d {
        d.borrow_mut()
            .insert(Key::Str(Rc::from(k)), Value::str(k), v);
    }
}

/// An attribute of an instance (None when absent).
pub(super) fn attr(v: &Value, n: &str) -> Value {
    match v {
        Value::Instance(i) => i.get(n).unwrap_or(Value::None),
        _ => Value::None,
    }
}

fn num(name: &str, key: &str, v: &Value) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(*b as i64 as f64),
        other => match other.downcast::<Tensor>() {
            Some(t) if t.numel() == 1 => t.item().py(),
            _ => Err(type_error(format!(
                "{name}: '{key}' must be a number, not {}",
                other.type_name()
            ))),
        },
    }
}

fn tensors(it: &mut Interp, v: &Value) -> PyResult<Vec<Tensor>> {
    let items = if v.downcast::<Tensor>().is_some() {
        vec![v.clone()]
    } else {
        it.collect(v)?
    };
    items
        .into_iter()
        .map(|p| {
            p.downcast::<Tensor>().cloned().ok_or_else(|| {
                type_error(format!(
                    "optimizer can only optimize Tensors, but one of the params is {}",
                    p.type_name()
                ))
            })
        })
        .collect()
}

/// The engine's options from a param-group dict.
fn hyper(it: &mut Interp, kind: Kind, g: &Value) -> PyResult<Hyper> {
    let mut h = kind.defaults();
    for key in Hyper::keys(kind) {
        let v = match *key {
            "beta1" | "beta2" => {
                let Some(b) = get(g, "betas") else { continue };
                let b = it.collect(&b)?;
                if b.len() != 2 {
                    return Err(exc("ValueError", "betas must be a pair of floats"));
                }
                num(kind.name(), "betas", &b[usize::from(*key == "beta2")])?
            }
            k => match get(g, k) {
                None | Some(Value::None) => continue,
                Some(v) => num(kind.name(), k, &v)?,
            },
        };
        h.set(key, v).py()?;
    }
    Ok(h)
}

/// `decoupled_weight_decay=True` makes Adam the AdamW rule.
fn engine_kind(kind: Kind, g: &Value) -> Kind {
    match (kind, get(g, "decoupled_weight_decay")) {
        (Kind::Adam, Some(Value::Bool(true))) => Kind::AdamW,
        _ => kind,
    }
}

/// The param-group dict: given options, else the group defaults.
fn group_dict(
    kind: Kind,
    params: Vec<Tensor>,
    given: &[(Rc<str>, Value)],
    defaults: Option<&Value>,
) -> Value {
    let mut items = vec![(
        "params",
        Value::list(params.into_iter().map(tensor_value).collect()),
    )];
    for (k, d) in spec(kind).group {
        let v = given
            .iter()
            .find(|(n, _)| &**n == *k)
            .map(|(_, v)| v.clone())
            .or_else(|| defaults.and_then(|g| get(g, k)))
            .unwrap_or_else(|| d.value());
        items.push((k, v));
    }
    dict(items)
}

/// The engine optimizer behind an optimizer instance.
type State = RefCell<Optimizer>;

fn state(v: &Value) -> PyResult<Rc<State>> {
    v.native::<State>().ok_or_else(|| {
        type_error(format!(
            "descriptor requires a 'torch.optim.Optimizer' object but received a '{}'",
            v.type_name()
        ))
    })
}

fn make(it: &mut Interp, a: Args, kind: Kind) -> PyResult<Value> {
    let sp = spec(kind);
    let name = kind.name();
    let Args { pos, kw } = a;
    if pos.is_empty() && !kw.iter().any(|(k, _)| &**k == "params") {
        return Err(type_error(format!(
            "{name}.__init__() missing 1 required positional argument: 'params'"
        )));
    }
    let mut pos = pos.into_iter();
    let mut params = pos.next();
    let mut given: Vec<(Rc<str>, Value)> = Vec::new();
    for (i, v) in pos.enumerate() {
        let Some(n) = sp.positional.get(i) else {
            return Err(type_error(format!(
                "{name}.__init__() takes from 2 to {} positional arguments but {} were given",
                sp.positional.len() + 2,
                i + 3
            )));
        };
        given.push((Rc::from(*n), v));
    }
    for (k, v) in kw {
        if &*k == "params" && params.is_none() {
            params = Some(v);
            continue;
        }
        if !sp.group.iter().any(|(n, _)| **n == *k)
            || (kind == Kind::AdamW && &*k == "decoupled_weight_decay")
        {
            return Err(type_error(format!(
                "{name}.__init__() got an unexpected keyword argument '{k}'"
            )));
        }
        if given.iter().any(|(n, _)| *n == k) {
            return Err(type_error(format!(
                "{name}.__init__() got multiple values for argument '{k}'"
            )));
        }
        given.push((k, v));
    }
    let Some(params) = params else {
        return Err(type_error(format!(
            "{name}.__init__() missing 1 required positional argument: 'params'"
        )));
    };
    if let Some(t) = params.downcast::<Tensor>() {
        return Err(type_error(format!(
            "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.{}Tensor",
            crate::library::torch::tensor::type_title(t.dtype())
        )));
    }
    let items = it.collect(&params)?;
    if items.is_empty() {
        return Err(exc("ValueError", "optimizer got an empty parameter list"));
    }
    let defaults = group_dict(kind, vec![], &given, None);
    let mut groups = Vec::new();
    if matches!(items[0], Value::Dict(_)) {
        for g in &items {
            let Some(ps) = get(g, "params") else {
                return Err(exc("KeyError", "'params'"));
            };
            let ps = tensors(it, &ps)?;
            let own: Vec<(Rc<str>, Value)> = match g {
                Value::Dict(d) => d
                    .borrow()
                    .iter()
                    .filter_map(|(k, v)| match k {
                        Value::Str(s) if &**s != "params" => Some((s.clone(), v.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            };
            groups.push(group_dict(kind, ps, &own, Some(&defaults)));
        }
    } else {
        let ps = tensors(it, &Value::list(items))?;
        groups.push(group_dict(kind, ps, &given, None));
    }
    for g in &groups {
        // PyTorch prints the value as given (`-1`, not `-1.0`).
        if let Some(lr) = get(g, "lr") {
            if num(name, "lr", &lr)? < 0.0 {
                let r = it.repr(&lr)?;
                return Err(exc("ValueError", format!("Invalid learning rate: {r}")));
            }
        }
    }
    let ekind = engine_kind(kind, &defaults);
    let mut eg = Vec::with_capacity(groups.len());
    for g in &groups {
        eg.push(ParamGroup {
            params: tensors(it, &get(g, "params").unwrap_or(Value::None))?,
            options: hyper(it, ekind, g)?,
        });
    }
    let opt = Optimizer::with_groups(ekind, eg).map_err(|e| exc("ValueError", e.to_string()))?;
    let class = match it.import("torch.optim")? {
        Value::Module(m) => match m.get(name) {
            Some(Value::Class(c)) => c,
            _ => return Err(exc("RuntimeError", "torch.optim class missing")),
        },
        _ => return Err(exc("RuntimeError", "torch.optim missing")),
    };
    let inst = Instance::new(class);
    inst.set("param_groups", Value::list(groups));
    inst.set("defaults", defaults);
    inst.set("state", Value::dict(Dict::new()));
    *inst.native.borrow_mut() = Some(Rc::new(RefCell::new(opt)) as Rc<dyn std::any::Any>);
    Ok(Value::instance(inst))
}

/// Copies the hyperparameters of the `param_groups` dicts into the engine.
fn sync(it: &mut Interp, this: &Value) -> PyResult<()> {
    let st = state(this)?;
    let groups = it.collect(&attr(this, "param_groups"))?;
    let kind = st.borrow().kind();
    let mut hs = Vec::with_capacity(groups.len());
    for g in &groups {
        hs.push(hyper(it, kind, g)?);
    }
    let mut o = st.borrow_mut();
    if o.param_groups().len() != hs.len() {
        return Err(exc(
            "RuntimeError",
            "param_groups changed length: use add_param_group to add a group",
        ));
    }
    for (g, h) in o.param_groups_mut().iter_mut().zip(hs) {
        g.options = h;
    }
    Ok(())
}

fn step(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let loss = match b.opt(1) {
        None => Value::None,
        Some(c) => {
            let _g = tinytorch::autograd::GradModeGuard::new(true);
            it.call(c, Args::default())?
        }
    };
    sync(it, &this)?;
    state(&this)?.borrow_mut().step().py()?;
    Ok(loss)
}

fn zero_grad(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let to_none = it.truthy(b.value(1))?;
    let groups = attr(&this, "param_groups");
    for g in it.collect(&groups)? {
        for p in it.collect(&get(&g, "params").unwrap_or(Value::list(vec![])))? {
            let Some(p) = p.downcast::<Tensor>() else {
                continue;
            };
            if to_none {
                p.set_grad(None).py()?;
            } else if let Some(g) = p.grad() {
                let _ng = tinytorch::autograd::no_grad();
                g.zero_().py()?;
            }
        }
    }
    Ok(Value::None)
}

fn add_param_group(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let g = b.value(1).clone();
    let Value::Dict(d) = &g else {
        return Err(type_error("param_group must be a dict"));
    };
    let kind = match &this {
        Value::Instance(i) => SPECS
            .iter()
            .map(|s| s.kind)
            .find(|k| k.name() == &*i.class.name)
            .unwrap_or(Kind::SGD),
        _ => Kind::SGD,
    };
    let ps = tensors(it, &get(&g, "params").unwrap_or(Value::None))?;
    let own: Vec<(Rc<str>, Value)> = d
        .borrow()
        .iter()
        .filter_map(|(k, v)| match k {
            Value::Str(s) if &**s != "params" => Some((s.clone(), v.clone())),
            _ => None,
        })
        .collect();
    let defaults = attr(&this, "defaults");
    let nd = group_dict(kind, ps.clone(), &own, Some(&defaults));
    let st = state(&this)?;
    let ekind = st.borrow().kind();
    let h = hyper(it, ekind, &nd)?;
    st.borrow_mut()
        .add_param_group(ParamGroup {
            params: ps,
            options: h,
        })
        .map_err(|e| exc("ValueError", e.to_string()))?;
    if let Value::List(l) = attr(&this, "param_groups") {
        l.borrow_mut().push(nd);
    }
    Ok(Value::None)
}

const BOOL_KEYS: &[&str] = &["nesterov", "maximize", "amsgrad", "centered"];

fn state_dict(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    sync(it, &this)?;
    let st = state(&this)?;
    let (flat, kind) = {
        let o = st.borrow();
        (o.state_dict().py()?, o.kind())
    };
    let state = Value::dict(Dict::new());
    for (k, t) in flat.iter() {
        let Some(rest) = k.strip_prefix("state.") else {
            continue;
        };
        let Some((i, buf)) = rest.split_once('.') else {
            continue;
        };
        let Ok(i) = i.parse::<i64>() else { continue };
        // PyTorch's SGD keeps no step count.
        if kind == Kind::SGD && buf == "step" {
            continue;
        }
        let entry = match it.get_item(&state, &Value::Int(i)) {
            Ok(e) => e,
            Err(_) => {
                let e = dict(vec![]);
                it.set_item(&state, Value::Int(i), e.clone())?;
                e
            }
        };
        put(&entry, buf, tensor_value(t.clone()));
    }
    let mut groups = Vec::new();
    let py_groups = it.collect(&attr(&this, "param_groups"))?;
    for (gi, pg) in py_groups.iter().enumerate() {
        let g = dict(vec![]);
        if let Value::Dict(d) = pg {
            for (k, v) in d.borrow().iter() {
                if let Value::Str(s) = k {
                    if &**s != "params" {
                        put(&g, s, v.clone());
                    }
                }
            }
        }
        if let Some(ids) = flat.get(&format!("param_groups.{gi}.params")) {
            let ids = ids.to_vec_i64().py()?;
            put(
                &g,
                "params",
                Value::list(ids.into_iter().map(Value::Int).collect()),
            );
        }
        groups.push(g);
    }
    Ok(dict(vec![
        ("state", state),
        ("param_groups", Value::list(groups)),
    ]))
}

fn load_state_dict(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let sd = b.value(1).clone();
    let (Some(state_v), Some(groups)) = (get(&sd, "state"), get(&sd, "param_groups")) else {
        return Err(exc(
            "KeyError",
            "'state_dict must hold \"state\" and \"param_groups\"'",
        ));
    };
    let mut flat = tinytorch::nn::StateDict::new();
    if let Value::Dict(d) = &state_v {
        let entries: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, entry) in entries {
            let Value::Int(i) = k else {
                return Err(type_error(
                    "optimizer state keys must be parameter indices (ints)",
                ));
            };
            if let Value::Dict(e) = &entry {
                if !e.borrow().is_empty() && get(&entry, "step").is_none() {
                    // PyTorch's SGD state has no step; the engine's needs one.
                    flat.insert(
                        format!("state.{i}.step"),
                        Tensor::scalar_tensor(1.0, tinytorch::DType::F32, tinytorch::Device::Cpu)
                            .py()?,
                    );
                }
                for (bk, bv) in e.borrow().iter() {
                    if let (Value::Str(b), Some(t)) = (bk, bv.downcast::<Tensor>()) {
                        flat.insert(format!("state.{i}.{b}"), t.clone());
                    }
                }
            }
        }
    }
    let st = state(&this)?;
    let kind = st.borrow().kind();
    let groups = it.collect(&groups)?;
    for (gi, g) in groups.iter().enumerate() {
        let h = hyper(it, kind, g)?;
        for key in Hyper::keys(kind) {
            let v = h
                .get(key)
                .ok_or_else(|| exc("RuntimeError", format!("unknown optimizer option {key}")))?;
            flat.insert(
                format!("param_groups.{gi}.{key}"),
                Tensor::scalar_tensor(v, tinytorch::DType::F64, tinytorch::Device::Cpu).py()?,
            );
        }
        let ids: Vec<i64> = it
            .collect(&get(g, "params").unwrap_or(Value::list(vec![])))?
            .iter()
            .map(|v| match v {
                Value::Int(i) => Ok(*i),
                other => Err(type_error(format!(
                    "param_groups' params must be indices, not {}",
                    other.type_name()
                ))),
            })
            .collect::<PyResult<_>>()?;
        let n = ids.len();
        flat.insert(
            format!("param_groups.{gi}.params"),
            Tensor::from_vec(ids, &[n]).py()?,
        );
    }
    st.borrow_mut()
        .load_state_dict(&flat)
        .map_err(|e| exc("ValueError", e.to_string()))?;
    // The saved hyperparameters replace the current ones (params stay).
    let py_groups = it.collect(&attr(&this, "param_groups"))?;
    for (pg, g) in py_groups.iter().zip(&groups) {
        if let Value::Dict(d) = g {
            for (k, v) in d.borrow().iter() {
                if let Value::Str(s) = k {
                    if &**s != "params" {
                        let v = match v {
                            Value::Int(i) if BOOL_KEYS.contains(&&**s) => Value::Bool(*i != 0),
                            other => other.clone(),
                        };
                        put(pg, s, v);
                    }
                }
            }
        }
    }
    Ok(Value::None)
}

/// PyTorch's `Adam (\nParameter Group 0\n    amsgrad: False\n ...)`.
fn repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let name = this.type_name();
    let mut out = format!("{name} (");
    for (gi, g) in it.collect(&attr(&this, "param_groups"))?.iter().enumerate() {
        out.push_str(&format!("\nParameter Group {gi}"));
        let mut keys: Vec<(String, Value)> = match g {
            Value::Dict(d) => d
                .borrow()
                .iter()
                .filter_map(|(k, v)| match k {
                    Value::Str(s) if &**s != "params" => Some((s.to_string(), v.clone())),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        };
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in keys {
            let r = it.repr(&v)?;
            out.push_str(&format!("\n    {k}: {r}"));
        }
    }
    out.push_str("\n)");
    Ok(Value::str(&out))
}
