//! `torch.optim`: the engine's six optimizers (`SGD Adagrad RMSprop
//! Adadelta Adam AdamW`, `tinytorch::optim::Optimizer`) with PyTorch's
//! arguments and defaults, `param_groups` (a list of dicts the user may
//! edit: `step()` reads each group's hyperparameters back into the engine),
//! `zero_grad(set_to_none=True)`, `step(closure=None)`, `state_dict()` /
//! `load_state_dict()` in PyTorch's nested form and `add_param_group`;
//! `lr_scheduler.StepLR` is in `lr_scheduler`.
//!
//! The engine optimizer (state buffers included) lives in a per-thread
//! table keyed by a number on the instance; entries whose instance has
//! been dropped are purged when the next optimizer is made.

use super::args::{self, bind};
use super::{func, native_class, register_module};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{set_attr, Class, ClassKind, Instance, ModuleObj, NativeFn, Value};
use crate::eval::Interp;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
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

thread_local! {
    static OPTS: RefCell<HashMap<i64, (Weak<Instance>, Optimizer)>> = RefCell::new(HashMap::new());
    static NEXT: Cell<i64> = const { Cell::new(1) };
}

pub fn install(it: &mut Interp) {
    let m = register_module(
        it,
        "torch.optim",
        ModuleObj::new("torch.optim", "Optimizers."),
    );
    let methods: [(&'static str, &'static str, NativeFn); 6] = [
        ("step", "step(closure=None) -> None\n\nOne update of every parameter that has a gradient, with the hyperparameters now in param_groups.", step),
        ("zero_grad", "zero_grad(set_to_none=True) -> None\n\nSets the parameters' gradients to None (or to zero).", zero_grad),
        ("state_dict", "state_dict() -> dict\n\n{'state': {index: {'step': ..., buffers...}}, 'param_groups': [{..., 'params': [indices]}]}", state_dict),
        ("load_state_dict", "load_state_dict(state_dict) -> None\n\nRestores hyperparameters and per-parameter state saved by state_dict().", load_state_dict),
        ("add_param_group", "add_param_group(param_group) -> None\n\nAdds a dict {'params': [...], options...}; missing options take the optimizer's defaults.", add_param_group),
        ("__repr__", "__repr__() -> str", repr),
    ];
    let base = native_class(
        "Optimizer",
        "torch.optim",
        ClassKind::Object,
        "Optimizer: the base class of torch.optim's optimizers (for isinstance).",
        None,
    );
    {
        let mut a = base.attrs.borrow_mut();
        for (n, d, f) in methods {
            set_attr(&mut a, n, func(n, d, f));
        }
    }
    m.set("Optimizer", Value::Class(base.clone()));
    for s in SPECS {
        let name = s.kind.name();
        let ctor: NativeFn = match s.kind {
            Kind::SGD => |it, a| make(it, a, Kind::SGD),
            Kind::Adagrad => |it, a| make(it, a, Kind::Adagrad),
            Kind::RMSprop => |it, a| make(it, a, Kind::RMSprop),
            Kind::Adadelta => |it, a| make(it, a, Kind::Adadelta),
            Kind::Adam => |it, a| make(it, a, Kind::Adam),
            Kind::AdamW => |it, a| make(it, a, Kind::AdamW),
        };
        let c = Class::new(name, vec![base.clone()], ClassKind::Object, "torch.optim");
        c.ctor.set(Some(ctor));
        set_attr(&mut c.attrs.borrow_mut(), "__doc__", Value::str(s.doc));
        m.set(name, Value::Class(c));
    }
    super::lr_scheduler::install(it);
}

pub(super) fn attr(v: &Value, n: &str) -> Value {
    match v {
        Value::Instance(i) => i.get(n).unwrap_or(Value::None),
        _ => Value::None,
    }
}

fn dict(items: Vec<(&str, Value)>) -> Value {
    let mut d = Dict::new();
    for (k, v) in items {
        d.insert(Key::Str(Rc::from(k)), Value::str(k), v);
    }
    Value::Dict(Rc::new(RefCell::new(d)))
}

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

fn tensors(it: &mut Interp, v: &Value) -> PyResult<Vec<Tensor>> {
    let items = match v {
        Value::Tensor(_) => vec![v.clone()],
        _ => it.collect(v)?,
    };
    items
        .into_iter()
        .map(|p| match p {
            Value::Tensor(t) => Ok(t),
            other => Err(type_error(format!(
                "optimizer can only optimize Tensors, but one of the params is {}",
                other.type_name()
            ))),
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
                args::float(kind.name(), "betas", &b[usize::from(*key == "beta2")])?
            }
            k => match get(g, k) {
                None | Some(Value::None) => continue,
                Some(v) => args::float(kind.name(), k, &v)?,
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
) -> PyResult<Value> {
    let mut items = vec![(
        "params",
        Value::list(params.into_iter().map(Value::Tensor).collect()),
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
    Ok(dict(items))
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
    let params = params.expect("checked above");
    if let Value::Tensor(_) = params {
        return Err(type_error(format!(
            "params argument given to the optimizer should be an iterable of Tensors or dicts, but got {}",
            "torch.FloatTensor"
        )));
    }
    let items = it.collect(&params)?;
    if items.is_empty() {
        return Err(exc("ValueError", "optimizer got an empty parameter list"));
    }
    let defaults = group_dict(kind, vec![], &given, None)?;
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
            groups.push(group_dict(kind, ps, &own, Some(&defaults))?);
        }
    } else {
        let ps = tensors(it, &Value::list(items))?;
        groups.push(group_dict(kind, ps, &given, None)?);
    }
    for g in &groups {
        // PyTorch prints the value as given (`-1`, not `-1.0`).
        if let Some(lr) = get(g, "lr") {
            if args::float(name, "lr", &lr)? < 0.0 {
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
    let id = NEXT.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    let class = match it.import("torch.optim")? {
        Value::Module(m) => match m.get(name) {
            Some(Value::Class(c)) => c,
            _ => return Err(exc("RuntimeError", "torch.optim class missing")),
        },
        _ => return Err(exc("RuntimeError", "torch.optim missing")),
    };
    let inst = Rc::new(Instance {
        class,
        attrs: RefCell::new(vec![
            (Rc::from("param_groups"), Value::list(groups)),
            (Rc::from("defaults"), defaults),
            (Rc::from("_opt"), Value::Int(id)),
        ]),
    });
    OPTS.with(|o| {
        let mut o = o.borrow_mut();
        o.retain(|_, (w, _)| w.strong_count() > 0);
        o.insert(id, (Rc::downgrade(&inst), opt));
    });
    Ok(Value::Instance(inst))
}

fn this_and_id(v: &Value) -> PyResult<i64> {
    match attr(v, "_opt") {
        Value::Int(i) => Ok(i),
        _ => Err(type_error(format!(
            "descriptor requires a 'torch.optim.Optimizer' object but received a '{}'",
            v.type_name()
        ))),
    }
}

/// Runs `f` on the engine optimizer behind `this`.
fn with_opt<T>(this: &Value, f: impl FnOnce(&mut Optimizer) -> PyResult<T>) -> PyResult<T> {
    let id = this_and_id(this)?;
    OPTS.with(|o| match o.borrow_mut().get_mut(&id) {
        Some((_, opt)) => f(opt),
        None => Err(exc("RuntimeError", "the optimizer's state is gone")),
    })
}

/// Copies the hyperparameters of the `param_groups` dicts into the engine.
fn sync(it: &mut Interp, this: &Value) -> PyResult<()> {
    let groups = it.collect(&attr(this, "param_groups"))?;
    let kind = with_opt(this, |o| Ok(o.kind()))?;
    let mut hs = Vec::with_capacity(groups.len());
    for g in &groups {
        hs.push(hyper(it, kind, g)?);
    }
    with_opt(this, |o| {
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
    })
}

fn step(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [this, closure] = bind("step", a, ["self", "closure"], 1)?;
    let this = this.expect("required");
    let loss = match closure {
        None | Some(Value::None) => Value::None,
        Some(c) => {
            let _g = tinytorch::autograd::GradModeGuard::new(true);
            it.call(&c, Args::default())?
        }
    };
    sync(it, &this)?;
    with_opt(&this, |o| o.step().py())?;
    Ok(loss)
}

fn zero_grad(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [s, stn] = bind("zero_grad", a, ["self", "set_to_none"], 1)?;
    let s = s.expect("required");
    let to_none = args::opt_bool("zero_grad", "set_to_none", &stn, true)?;
    let groups = attr(&s, "param_groups");
    for g in it.collect(&groups)? {
        for p in it.collect(&get(&g, "params").unwrap_or(Value::list(vec![])))? {
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

fn add_param_group(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [this, g] = bind("add_param_group", a, ["self", "param_group"], 2)?;
    let (this, g) = (this.expect("required"), g.expect("required"));
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
    let nd = group_dict(kind, ps.clone(), &own, Some(&defaults))?;
    let ekind = with_opt(&this, |o| Ok(o.kind()))?;
    let h = hyper(it, ekind, &nd)?;
    with_opt(&this, |o| {
        o.add_param_group(ParamGroup {
            params: ps,
            options: h,
        })
        .map_err(|e| exc("ValueError", e.to_string()))
    })?;
    if let Value::List(l) = attr(&this, "param_groups") {
        l.borrow_mut().push(nd);
    }
    Ok(Value::None)
}

const BOOL_KEYS: &[&str] = &["nesterov", "maximize", "amsgrad", "centered"];

fn state_dict(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [this] = bind("state_dict", a, ["self"], 1)?;
    let this = this.expect("required");
    sync(it, &this)?;
    let (flat, kind) = with_opt(&this, |o| Ok((o.state_dict().py()?, o.kind())))?;
    let state = Value::Dict(Rc::new(RefCell::new(Dict::new())));
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
        put(&entry, buf, Value::Tensor(t.clone()));
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

fn load_state_dict(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [this, sd] = bind("load_state_dict", a, ["self", "state_dict"], 2)?;
    let (this, sd) = (this.expect("required"), sd.expect("required"));
    let (Some(state), Some(groups)) = (get(&sd, "state"), get(&sd, "param_groups")) else {
        return Err(exc(
            "KeyError",
            "'state_dict must hold \"state\" and \"param_groups\"'",
        ));
    };
    let mut flat = tinytorch::nn::StateDict::new();
    if let Value::Dict(d) = &state {
        let entries: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, entry) in entries {
            let i = args::int("load_state_dict", "state", &k)?;
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
                    if let (Value::Str(b), Value::Tensor(t)) = (bk, bv) {
                        flat.insert(format!("state.{i}.{b}"), t.clone());
                    }
                }
            }
        }
    }
    let kind = with_opt(&this, |o| Ok(o.kind()))?;
    let groups = it.collect(&groups)?;
    for (gi, g) in groups.iter().enumerate() {
        let h = hyper(it, kind, g)?;
        for key in Hyper::keys(kind) {
            let v = h.get(key).expect("keys() lists known options");
            flat.insert(
                format!("param_groups.{gi}.{key}"),
                Tensor::scalar_tensor(v, tinytorch::DType::F64, tinytorch::Device::Cpu).py()?,
            );
        }
        let ids: Vec<i64> = it
            .collect(&get(g, "params").unwrap_or(Value::list(vec![])))?
            .iter()
            .map(|v| args::int("load_state_dict", "params", v))
            .collect::<PyResult<_>>()?;
        let n = ids.len();
        flat.insert(
            format!("param_groups.{gi}.params"),
            Tensor::from_vec(ids, &[n]).py()?,
        );
    }
    with_opt(&this, |o| {
        o.load_state_dict(&flat)
            .map_err(|e| exc("ValueError", e.to_string()))
    })?;
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
fn repr(it: &mut Interp, a: Args) -> PyResult<Value> {
    let this = a.pos.into_iter().next().unwrap_or(Value::None);
    let name = match &this {
        Value::Instance(i) => i.class.name.to_string(),
        _ => String::new(),
    };
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
