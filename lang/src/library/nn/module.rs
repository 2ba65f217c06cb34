//! `nn.Module` for classes written in the language, as the engine's
//! [`Module`]: an instance's parameters and submodules are its attributes
//! (in assignment order, as PyTorch registers them), a built-in layer's
//! engine struct lives in the instance's native state ([`ModuleState`]),
//! and [`LangModule`] shows both to the engine, whose `ModuleExt` does
//! everything recursive (`named_parameters`, `state_dict`,
//! `load_state_dict`, `train`, `to`, `zero_grad`) once for Rust and the
//! language alike.
//!
//! The class's methods are rows here; `__getattr__`/`__setattr__` give the
//! engine layer's parameters attribute syntax (`lin.weight`, weight tying
//! by assignment) as PyTorch's `_parameters` dict does.

use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Instance, Iter, Value};
use crate::eval::Interp;
use crate::library::torch::tensor::value as tensor_value;
use crate::library::EngineResult;
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use tinytorch::nn::{Module, ModuleExt, StateDict};
use tinytorch::{DType, Device, Result as EngineRes, Tensor};

/// The native part of an `nn.Module` instance.
#[derive(Default)]
pub struct ModuleState {
    /// A built-in layer's engine module (`nn.Linear`'s weight and bias, and
    /// its forward); None for classes written in the language.
    pub layer: RefCell<Option<Box<dyn Module>>>,
    /// Buffer names (the tensors are attributes), persistent or not.
    pub buffers: RefCell<Vec<(Rc<str>, bool)>>,
    /// Other native state of a library module written around the engine
    /// (DistributedDataParallel's reducer).
    pub native: RefCell<Option<Rc<dyn std::any::Any>>>,
}

/// The module state of an instance, if it is an initialised `nn.Module`.
pub fn state_of(inst: &Instance) -> Option<Rc<ModuleState>> {
    inst.native.borrow().clone()?.downcast::<ModuleState>().ok()
}

/// Whether `v` is an initialised `nn.Module` instance.
pub fn is_module(v: &Value) -> bool {
    matches!(v, Value::Instance(i) if state_of(i).is_some())
}

/// The engine's view of a module instance.
pub struct LangModule(pub Rc<Instance>);

impl LangModule {
    /// The child modules among the attributes, in order.
    fn children(&self) -> Vec<(Rc<str>, Rc<Instance>)> {
        self.0
            .attrs
            .borrow()
            .iter()
            .filter_map(|(k, v)| match v {
                Value::Instance(c) if state_of(c).is_some() => Some((k.clone(), c.clone())),
                _ => None,
            })
            .collect()
    }
}

impl Module for LangModule {
    fn type_name(&self) -> String {
        self.0.class.name.to_string()
    }

    fn forward(&self, _input: &Tensor) -> EngineRes<Tensor> {
        Err(tinytorch::Error::invalid(
            "a module written in the language runs forward through the interpreter",
        ))
    }

    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        if let Some(st) = state_of(&self.0) {
            if let Some(layer) = st.layer.borrow().as_ref() {
                layer.visit_parameters(f);
            }
        }
        for (k, v) in self.0.attrs.borrow().iter() {
            if let Some(t) = v.downcast::<Tensor>() {
                if t.is_parameter() {
                    f(k, t);
                }
            }
        }
    }

    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        if let Some(st) = state_of(&self.0) {
            if let Some(layer) = st.layer.borrow_mut().as_mut() {
                layer.visit_parameters_mut(f);
            }
        }
        for (k, v) in self.0.attrs.borrow_mut().iter_mut() {
            let Some(t) = v.downcast::<Tensor>() else {
                continue;
            };
            if !t.is_parameter() {
                continue;
            }
            let mut t = t.clone();
            let id = t.id();
            f(k, &mut t);
            if t.id() != id {
                *v = tensor_value(t);
            }
        }
    }

    fn visit_buffers(&self, f: &mut dyn FnMut(&str, &Tensor, bool)) {
        let Some(st) = state_of(&self.0) else { return };
        if let Some(layer) = st.layer.borrow().as_ref() {
            layer.visit_buffers(f);
        }
        let attrs = self.0.attrs.borrow();
        for (name, persistent) in st.buffers.borrow().iter() {
            if let Some(t) = attrs.get_ref(name).and_then(|v| v.downcast::<Tensor>()) {
                f(name, t, *persistent);
            }
        }
    }

    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        let Some(st) = state_of(&self.0) else { return };
        if let Some(layer) = st.layer.borrow_mut().as_mut() {
            layer.visit_buffers_mut(f);
        }
        for (name, _) in st.buffers.borrow().iter() {
            let cur = self.0.get(name);
            if let Some(mut t) = cur.as_ref().and_then(|v| v.downcast::<Tensor>()).cloned() {
                let id = t.id();
                f(name, &mut t);
                if t.id() != id {
                    self.0.set(name, tensor_value(t));
                }
            }
        }
    }

    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        for (k, c) in self.children() {
            f(&k, &LangModule(c));
        }
    }

    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        for (k, c) in self.children() {
            f(&k, &mut LangModule(c));
        }
    }

    fn training(&self) -> bool {
        !matches!(self.0.get("training"), Some(Value::Bool(false)))
    }

    fn set_training(&mut self, on: bool) {
        self.0.set("training", Value::Bool(on));
        if let Some(st) = state_of(&self.0) {
            if let Some(layer) = st.layer.borrow_mut().as_mut() {
                layer.set_training(on);
            }
        }
    }

    fn extra_repr(&self) -> String {
        state_of(&self.0)
            .and_then(|st| st.layer.borrow().as_ref().map(|l| l.extra_repr()))
            .unwrap_or_default()
    }

    fn module_id(&self) -> Option<usize> {
        Some(Rc::as_ptr(&self.0) as usize)
    }
}

/// The receiver as a module instance.
fn this(b: &Bound) -> PyResult<Rc<Instance>> {
    match b.value(0) {
        Value::Instance(i) if state_of(i).is_some() => Ok(i.clone()),
        Value::Instance(i) => Err(exc(
            "AttributeError",
            format!(
                "'{}' object has no attribute '_modules' (did its __init__ call super().__init__()?)",
                i.class.name
            ),
        )),
        other => Err(type_error(format!(
            "descriptor requires an 'nn.Module' object but received a '{}'",
            other.type_name()
        ))),
    }
}

/// Makes `v` an initialised module (idempotent): Module.__init__.
pub fn init_module(it: &mut Interp, v: &Value) -> PyResult<Rc<ModuleState>> {
    let Value::Instance(i) = v else {
        return Err(type_error("Module.__init__() needs an instance"));
    };
    if let Some(st) = state_of(i) {
        return Ok(st);
    }
    let st = Rc::new(ModuleState::default());
    *i.native.borrow_mut() = Some(st.clone());
    it.object_setattr(v, "training", Value::Bool(true))?;
    Ok(st)
}

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    raw("__init__(self, *args, **kwargs)", "Initialises the module's registries (call super().__init__() first in a subclass's __init__).", init),
    raw("__call__(self, *args, **kwargs)", "Runs forward(*args, **kwargs).", call),
    raw("forward(self, *input)", "The computation; every subclass defines it.", forward),
    row("__setattr__(self, name, value)", "Sets an attribute; a layer's parameters are replaced in place of registration.", setattr),
    row("__getattr__(self, name)", "A built-in layer's parameters and buffers by name.", getattr),
    row("__delattr__(self, name)", "Deletes an attribute (and its buffer registration).", delattr),
    row("__repr__(self)", "The module tree as PyTorch prints it.", repr),
    row("extra_repr(self)", "The text inside the parentheses of the repr (a layer's sizes and options).", extra_repr),
    row("parameters(self, recurse=True)", "The parameters of the module and its submodules, each once.", parameters),
    row("named_parameters(self, prefix='', recurse=True, remove_duplicate=True)", "(dotted name, parameter) pairs.", named_parameters),
    row("buffers(self, recurse=True)", "The buffers of the module and its submodules.", buffers),
    row("named_buffers(self, prefix='', recurse=True, remove_duplicate=True)", "(dotted name, buffer) pairs.", named_buffers),
    row("children(self)", "The direct submodules.", children),
    row("named_children(self)", "(name, submodule) pairs of the direct submodules.", named_children),
    row("modules(self)", "This module and every submodule, each once.", modules),
    row("named_modules(self, memo=None, prefix='', remove_duplicate=True)", "(dotted name, module) pairs, this module first as ''.", named_modules),
    row("zero_grad(self, set_to_none=True)", "Resets the parameters' gradients (to None, as PyTorch 2 does by default).", zero_grad),
    row("train(self, mode=True)", "Sets training mode on the module and its submodules; returns the module.", train),
    row("eval(self)", "train(False).", eval),
    row("requires_grad_(self, requires_grad=True)", "Sets requires_grad on every parameter; returns the module.", requires_grad_),
    row("state_dict(self, *args, destination=None, prefix='', keep_vars=False)", "Parameters and persistent buffers by dotted name (sharing storage).", state_dict),
    row("load_state_dict(self, state_dict, strict=True, assign=False)", "Copies a state dict's tensors into the parameters and buffers (shapes must match); returns the missing and unexpected keys.", load_state_dict),
    raw("to(self, *args, **kwargs)", "Moves and/or casts the parameters and buffers (to(device), to(dtype), to(tensor)); returns the module.", to),
    row("cpu(self)", "Moves the module to the CPU.", cpu),
    row("cuda(self, device=None)", "Moves the module to a CUDA device.", cuda),
    row("float(self)", "Casts floating-point parameters and buffers to float32.", float),
    row("double(self)", "Casts floating-point parameters and buffers to float64.", double),
    row("half(self)", "Casts floating-point parameters and buffers to float16.", half),
    row("bfloat16(self)", "Casts floating-point parameters and buffers to bfloat16.", bfloat16),
    row("apply(self, fn)", "Calls fn on every submodule (children first, in order) and then on the module; returns the module.", apply),
    row("add_module(self, name, module)", "Registers a submodule under name.", add_module),
    row("register_module(self, name, module)", "Alias of add_module.", add_module),
    row("register_parameter(self, name, param)", "Registers a parameter under name.", register_parameter),
    row("register_buffer(self, name, tensor, persistent=True)", "Registers a buffer: saved in the state dict (if persistent) and moved by to(), not trained.", register_buffer),
    row("get_submodule(self, target)", "The submodule at a dotted path ('' is the module itself).", get_submodule),
];

fn init(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Some(v) = a.pos.first() else {
        return Err(type_error(
            "__init__() missing 1 required positional argument: 'self'",
        ));
    };
    init_module(it, v)?;
    Ok(Value::None)
}

fn call(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    if a.pos.is_empty() {
        return Err(type_error(
            "__call__() missing 1 required positional argument: 'self'",
        ));
    }
    let this = a.pos.remove(0);
    it.call_method(&this, "forward", a)
}

fn forward(_: &mut Interp, a: Args) -> PyResult<Value> {
    if let Some((k, _)) = a.kw.first() {
        return Err(type_error(format!(
            "forward() got an unexpected keyword argument '{k}'"
        )));
    }
    let name = a
        .pos
        .first()
        .map_or("Module".to_string(), |v| v.type_name());
    Err(exc(
        "NotImplementedError",
        format!("Module [{name}] is missing the required \"forward\" function"),
    ))
}

/// The engine layer's parameter or buffer called `name`.
fn layer_tensor(st: &ModuleState, name: &str) -> Option<Tensor> {
    let layer = st.layer.borrow();
    let layer = layer.as_ref()?;
    let mut found = None;
    layer.visit_parameters(&mut |n, t| {
        if n == name {
            found = Some(t.clone());
        }
    });
    if found.is_none() {
        layer.visit_buffers(&mut |n, t, _| {
            if n == name {
                found = Some(t.clone());
            }
        });
    }
    found
}

fn setattr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(0).clone();
    let name = b.str(1)?.to_string();
    let x = b.value(2).clone();
    let Value::Instance(inst) = &v else {
        return it.object_setattr(&v, &name, x).map(|_| Value::None);
    };
    let st = state_of(inst);
    let is_param = x.downcast::<Tensor>().is_some_and(Tensor::is_parameter);
    match &st {
        None if is_param || is_module(&x) => {
            return Err(exc(
                "AttributeError",
                format!(
                    "cannot assign {} before Module.__init__() call",
                    if is_param { "parameters" } else { "module" }
                ),
            ))
        }
        Some(st) if layer_tensor(st, &name).is_some() => {
            let Some(t) = x.downcast::<Tensor>() else {
                return Err(type_error(format!(
                    "cannot assign '{}' as parameter '{name}' (torch.nn.Parameter or None expected)",
                    x.type_name()
                )));
            };
            let mut layer = st.layer.borrow_mut();
            if let Some(layer) = layer.as_mut() {
                layer.visit_parameters_mut(&mut |n, p| {
                    if n == name {
                        *p = t.clone();
                    }
                });
                layer.visit_buffers_mut(&mut |n, p| {
                    if n == name {
                        *p = t.clone();
                    }
                });
            }
            return Ok(Value::None);
        }
        _ => {}
    }
    if name == "training" {
        if let (Some(st), Value::Bool(on)) = (&st, &x) {
            if let Some(layer) = st.layer.borrow_mut().as_mut() {
                layer.set_training(*on);
            }
        }
    }
    it.object_setattr(&v, &name, x)?;
    Ok(Value::None)
}

fn getattr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = b.str(1)?;
    if let Value::Instance(i) = b.value(0) {
        if let Some(t) = state_of(i).and_then(|st| layer_tensor(&st, name)) {
            return Ok(tensor_value(t));
        }
    }
    Err(exc(
        "AttributeError",
        format!(
            "'{}' object has no attribute '{name}'",
            b.value(0).type_name()
        ),
    ))
}

fn delattr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let name = b.str(1)?;
    if let Some(st) = state_of(&inst) {
        st.buffers.borrow_mut().retain(|(n, _)| &**n != name);
    }
    if inst.attrs.borrow_mut().remove(name).is_none() {
        return Err(exc(
            "AttributeError",
            format!("'{}' object has no attribute '{name}'", inst.class.name),
        ));
    }
    Ok(Value::None)
}

thread_local! {
    /// Modules whose repr is being built (a module that contains itself).
    static IN_REPR: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
}

/// PyTorch's module repr: `Name(extra)` or `Name(\n  (child): Child(...)\n)`.
fn repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let key = Rc::as_ptr(&inst) as usize;
    if !IN_REPR.with(|s| s.borrow_mut().insert(key)) {
        return Err(exc(
            "RecursionError",
            "maximum recursion depth exceeded while getting the repr of an object",
        ));
    }
    let r = module_repr(it, b.value(0), &inst);
    IN_REPR.with(|s| s.borrow_mut().remove(&key));
    r.map(|s| Value::str(&s))
}

fn module_repr(it: &mut Interp, v: &Value, inst: &Rc<Instance>) -> PyResult<String> {
    let extra = it.call_method(v, "extra_repr", Args::default())?;
    let extra = it.to_str(&extra)?;
    let kids = LangModule(inst.clone()).children();
    // A lazy layer becomes the layer it stands for once initialised
    // (PyTorch changes its class: LazyLinear -> Linear).
    let name = match state_of(inst) {
        Some(st) if inst.class.name.starts_with("Lazy") => st
            .layer
            .borrow()
            .as_ref()
            .map_or(inst.class.name.to_string(), |l| l.type_name()),
        _ => inst.class.name.to_string(),
    };
    if kids.is_empty() {
        return Ok(format!("{name}({extra})"));
    }
    let mut lines = Vec::new();
    if !extra.is_empty() {
        lines.push(format!("  {extra}"));
    }
    for (k, c) in kids {
        let r = it.repr(&Value::Instance(c))?;
        lines.push(format!("  ({k}): {}", r.replace('\n', "\n  ")));
    }
    Ok(format!("{name}(\n{}\n)", lines.join("\n")))
}

fn extra_repr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    Ok(Value::str(&LangModule(inst).extra_repr()))
}

fn seq(items: Vec<Value>) -> Value {
    Value::iter(Iter::Seq {
        items: Rc::new(items),
        pos: 0,
    })
}

fn pairs(items: Vec<(String, Value)>) -> Value {
    seq(items
        .into_iter()
        .map(|(n, v)| Value::tuple(vec![Value::str(&n), v]))
        .collect())
}

/// Own parameters only (`recurse=False`).
fn own_parameters(inst: &Rc<Instance>) -> Vec<(String, Tensor)> {
    let mut out = Vec::new();
    LangModule(inst.clone()).visit_parameters(&mut |n, t| out.push((n.to_string(), t.clone())));
    out
}

fn prefixed(prefix: &str, name: String) -> String {
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}.{name}")
    }
}

fn parameters(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let ps = if it.truthy(b.value(1))? {
        LangModule(inst).named_parameters()
    } else {
        own_parameters(&inst)
    };
    Ok(seq(ps.into_iter().map(|(_, t)| tensor_value(t)).collect()))
}

fn named_parameters(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let prefix = b.str(1)?.to_string();
    let ps = if it.truthy(b.value(2))? {
        LangModule(inst).named_parameters()
    } else {
        own_parameters(&inst)
    };
    Ok(pairs(
        ps.into_iter()
            .map(|(n, t)| (prefixed(&prefix, n), tensor_value(t)))
            .collect(),
    ))
}

fn buffers(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    Ok(seq(LangModule(inst)
        .named_buffers()
        .into_iter()
        .map(|(_, t)| tensor_value(t))
        .collect()))
}

fn named_buffers(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let prefix = b.str(1)?.to_string();
    Ok(pairs(
        LangModule(inst)
            .named_buffers()
            .into_iter()
            .map(|(n, t)| (prefixed(&prefix, n), tensor_value(t)))
            .collect(),
    ))
}

fn children(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    Ok(seq(LangModule(inst)
        .children()
        .into_iter()
        .map(|(_, c)| Value::Instance(c))
        .collect()))
}

fn named_children(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    Ok(pairs(
        LangModule(inst)
            .children()
            .into_iter()
            .map(|(n, c)| (n.to_string(), Value::Instance(c)))
            .collect(),
    ))
}

/// (dotted name, module) for the module and every submodule, each once.
fn walk(inst: &Rc<Instance>, prefix: &str) -> Vec<(String, Rc<Instance>)> {
    fn go(
        inst: &Rc<Instance>,
        prefix: &str,
        seen: &mut HashSet<usize>,
        out: &mut Vec<(String, Rc<Instance>)>,
    ) {
        if !seen.insert(Rc::as_ptr(inst) as usize) {
            return;
        }
        out.push((prefix.to_string(), inst.clone()));
        for (k, c) in LangModule(inst.clone()).children() {
            go(&c, &prefixed(prefix, k.to_string()), seen, out);
        }
    }
    let mut out = Vec::new();
    go(inst, prefix, &mut HashSet::new(), &mut out);
    out
}

fn modules(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    Ok(seq(walk(&inst, "")
        .into_iter()
        .map(|(_, m)| Value::Instance(m))
        .collect()))
}

fn named_modules(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let prefix = b.str(2)?.to_string();
    Ok(pairs(
        walk(&inst, &prefix)
            .into_iter()
            .map(|(n, m)| (n, Value::Instance(m)))
            .collect(),
    ))
}

fn zero_grad(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let m = LangModule(inst);
    if it.truthy(b.value(1))? {
        m.zero_grad();
        return Ok(Value::None);
    }
    let _ng = tinytorch::autograd::no_grad();
    for p in m.parameters() {
        if let Some(g) = p.grad() {
            g.zero_().py()?;
        }
    }
    Ok(Value::None)
}

fn train(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let on = match b.value(1) {
        Value::Bool(on) => *on,
        other => {
            return Err(exc(
                "ValueError",
                format!(
                    "training mode is expected to be boolean, got {}",
                    it.repr(other)?
                ),
            ))
        }
    };
    LangModule(this(&b)?).train(on);
    Ok(b.value(0).clone())
}

fn eval(_: &mut Interp, b: Bound) -> PyResult<Value> {
    LangModule(this(&b)?).eval();
    Ok(b.value(0).clone())
}

fn requires_grad_(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let on = it.truthy(b.value(1))?;
    for p in LangModule(this(&b)?).parameters() {
        p.set_requires_grad(on).py()?;
    }
    Ok(b.value(0).clone())
}

/// A state dict as the language's dict (insertion order kept).
pub fn dict_of(sd: &StateDict) -> Value {
    let mut d = Dict::new();
    for (k, t) in sd.iter() {
        d.insert(
            Key::Str(Rc::from(k)),
            Value::str(k),
            tensor_value(t.clone()),
        );
    }
    Value::dict(d)
}

fn state_dict(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let prefix = b.str(3)?.to_string();
    let keep_vars = it.truthy(b.value(4))?;
    let sd = LangModule(inst.clone()).state_dict();
    if prefix.is_empty() && !keep_vars {
        return Ok(crate::library::python::collections::ordered(dict_of(&sd)));
    }
    // keep_vars: the parameters themselves rather than detached aliases.
    let live: Vec<(String, Tensor)> = if keep_vars {
        LangModule(inst).named_parameters()
    } else {
        vec![]
    };
    let mut out = StateDict::new();
    for (k, t) in sd.iter() {
        let t = live
            .iter()
            .find(|(n, _)| n == k)
            .map_or_else(|| t.clone(), |(_, p)| p.clone());
        out.insert(format!("{prefix}{k}"), t);
    }
    Ok(crate::library::python::collections::ordered(dict_of(&out)))
}

/// A dict of tensors as an engine state dict.
pub fn state_of_dict(it: &mut Interp, v: &Value) -> PyResult<StateDict> {
    let Value::Dict(d) = v else {
        return Err(type_error(format!(
            "Expected state_dict to be dict-like, got {}.",
            v.type_name()
        )));
    };
    let entries: Vec<(Value, Value)> = d
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut sd = StateDict::new();
    for (k, v) in entries {
        let key = it.to_str(&k)?;
        match v.downcast::<Tensor>() {
            Some(t) => sd.insert(key, t.clone()),
            None => {
                return Err(type_error(format!(
                    "state_dict value for '{key}' must be a Tensor, not {}",
                    v.type_name()
                )))
            }
        }
    }
    Ok(sd)
}

fn load_state_dict(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let strict = it.truthy(b.value(2))?;
    let sd = state_of_dict(it, b.value(1))?;
    let m = LangModule(inst);
    let have: Vec<String> = m.state_dict().keys().map(String::from).collect();
    let missing: Vec<Value> = have
        .iter()
        .filter(|k| sd.get(k).is_none())
        .map(|k| Value::str(k))
        .collect();
    let unexpected: Vec<Value> = sd
        .keys()
        .filter(|k| !have.iter().any(|h| h == k))
        .map(Value::str)
        .collect();
    m.load_state_dict(&sd, strict).py()?;
    Ok(Value::object(IncompatibleKeys {
        missing: Value::list(missing),
        unexpected: Value::list(unexpected),
    }))
}

thread_local! {
    static INCOMPATIBLE_KEYS: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

/// What `load_state_dict` returns: PyTorch's named tuple
/// `_IncompatibleKeys(missing_keys=[...], unexpected_keys=[...])`, which
/// also unpacks and indexes as a pair.
struct IncompatibleKeys {
    missing: Value,
    unexpected: Value,
}

impl IncompatibleKeys {
    fn pair(&self) -> Vec<Value> {
        vec![self.missing.clone(), self.unexpected.clone()]
    }
}

impl crate::protocol::Object for IncompatibleKeys {
    fn class(&self) -> Rc<Class> {
        crate::library::class_in(&INCOMPATIBLE_KEYS, "_IncompatibleKeys")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "_IncompatibleKeys(missing_keys={}, unexpected_keys={})",
            it.repr(&self.missing)?,
            it.repr(&self.unexpected)?
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "missing_keys" => Some(self.missing.clone()),
            "unexpected_keys" => Some(self.unexpected.clone()),
            _ => None,
        })
    }
    fn len(&self, _: &mut Interp) -> PyResult<Option<usize>> {
        Ok(Some(2))
    }
    fn iter(&self, it: &mut Interp, _: &Value) -> PyResult<Option<Value>> {
        it.iter(&Value::tuple(self.pair())).map(Some)
    }
    fn getitem(&self, it: &mut Interp, key: &Value) -> PyResult<Option<Value>> {
        it.get_item(&Value::tuple(self.pair()), key).map(Some)
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["missing_keys", "unexpected_keys"]
    }
}

/// `module.to(device)`, `to(dtype)`, `to(tensor)`, `to(device, dtype)`.
fn to(_: &mut Interp, a: Args) -> PyResult<Value> {
    let mut pos = a.pos.into_iter();
    let Some(v @ Value::Instance(_)) = pos.next() else {
        return Err(type_error("to() needs a module"));
    };
    let Value::Instance(inst) = &v else {
        unreachable!("matched above")
    };
    let mut device = None;
    let mut dtype = None;
    for x in pos.chain(a.kw.into_iter().map(|(_, x)| x)) {
        if let Some(d) = x.downcast::<DType>() {
            dtype = Some(*d);
        } else if let Some(d) = x.downcast::<Device>() {
            device = Some(*d);
        } else if let Some(t) = x.downcast::<Tensor>() {
            device = Some(t.device());
            dtype = Some(t.dtype());
        } else {
            match &x {
                Value::Str(s) => device = Some(crate::bind::parse_device(s)?),
                Value::Int(n) if *n >= 0 => device = Some(Device::Cuda(*n as usize)),
                Value::Bool(_) | Value::None => {}
                other => {
                    return Err(type_error(format!(
                        "to() received an invalid combination of arguments - got ({})",
                        other.type_name()
                    )))
                }
            }
        }
    }
    let mut m = LangModule(inst.clone());
    if let Some(d) = device {
        m.to_device(d).py()?;
    }
    if let Some(d) = dtype {
        m.to_dtype(d).py()?;
    }
    Ok(v)
}

fn moved(b: &Bound, f: impl FnOnce(&mut LangModule) -> EngineRes<()>) -> PyResult<Value> {
    let mut m = LangModule(this(b)?);
    f(&mut m).py()?;
    Ok(b.value(0).clone())
}

fn cpu(_: &mut Interp, b: Bound) -> PyResult<Value> {
    moved(&b, |m| m.to_device(Device::Cpu))
}

fn cuda(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = match b.value(1) {
        Value::None => Device::Cuda(0),
        Value::Int(n) if *n >= 0 => Device::Cuda(*n as usize),
        Value::Str(s) => crate::bind::parse_device(s)?,
        v => v.downcast::<Device>().copied().unwrap_or(Device::Cuda(0)),
    };
    moved(&b, |m| m.to_device(d))
}

fn float(_: &mut Interp, b: Bound) -> PyResult<Value> {
    moved(&b, |m| m.to_dtype(DType::F32))
}

fn double(_: &mut Interp, b: Bound) -> PyResult<Value> {
    moved(&b, |m| m.to_dtype(DType::F64))
}

fn half(_: &mut Interp, b: Bound) -> PyResult<Value> {
    moved(&b, |m| m.to_dtype(DType::F16))
}

fn bfloat16(_: &mut Interp, b: Bound) -> PyResult<Value> {
    moved(&b, |m| m.to_dtype(DType::BF16))
}

/// PyTorch's order: each child's `apply` (children in registration
/// order), then `fn(self)`.
fn apply(it: &mut Interp, b: Bound) -> PyResult<Value> {
    fn go(
        it: &mut Interp,
        inst: &Rc<Instance>,
        f: &Value,
        seen: &mut HashSet<usize>,
    ) -> PyResult<()> {
        if !seen.insert(Rc::as_ptr(inst) as usize) {
            return Ok(());
        }
        for (_, c) in LangModule(inst.clone()).children() {
            go(it, &c, f, seen)?;
        }
        it.call(f, Args::new(vec![Value::Instance(inst.clone())]))?;
        Ok(())
    }
    let inst = this(&b)?;
    go(it, &inst, b.value(1), &mut HashSet::new())?;
    Ok(b.value(0).clone())
}

fn add_module(it: &mut Interp, b: Bound) -> PyResult<Value> {
    this(&b)?;
    let name = b.str(1)?.to_string();
    let m = b.value(2).clone();
    if !is_module(&m) && !matches!(m, Value::None) {
        return Err(type_error(format!(
            "{} is not a Module subclass",
            m.type_name()
        )));
    }
    it.object_setattr(b.value(0), &name, m)?;
    Ok(Value::None)
}

fn register_parameter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    this(&b)?;
    let name = b.str(1)?.to_string();
    let p = b.value(2).clone();
    if !matches!(p, Value::None) && !p.downcast::<Tensor>().is_some_and(Tensor::is_parameter) {
        return Err(type_error(format!(
            "cannot assign '{}' object to parameter '{name}' (torch.nn.Parameter or None required)",
            p.type_name()
        )));
    }
    it.object_setattr(b.value(0), &name, p)?;
    Ok(Value::None)
}

fn register_buffer(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inst = this(&b)?;
    let name = b.str(1)?.to_string();
    let t = b.value(2).clone();
    if !matches!(t, Value::None) && t.downcast::<Tensor>().is_none() {
        return Err(type_error(format!(
            "cannot assign '{}' object to buffer '{name}' (torch Tensor or None required)",
            t.type_name()
        )));
    }
    let persistent = it.truthy(b.value(3))?;
    if let Some(st) = state_of(&inst) {
        let mut bufs = st.buffers.borrow_mut();
        bufs.retain(|(n, _)| **n != *name);
        bufs.push((Rc::from(name.as_str()), persistent));
    }
    it.object_setattr(b.value(0), &name, t)?;
    Ok(Value::None)
}

fn get_submodule(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut v = b.value(0).clone();
    let target = b.str(1)?.to_string();
    if target.is_empty() {
        return Ok(v);
    }
    for part in target.split('.') {
        v = it.get_attr(&v, part)?;
        if !is_module(&v) {
            return Err(exc(
                "AttributeError",
                format!("`{part}` is not an nn.Module"),
            ));
        }
    }
    Ok(v)
}
