//! Autograd in the language: `backward`, `requires_grad_`, `retain_grad`,
//! `detach`, the grad-mode context managers (`no_grad enable_grad
//! inference_mode set_grad_enabled`, also usable as decorators), and
//! `grad_fn` nodes (`name()`, `next_functions`).

use super::function::Walk;
use super::tensor::value;
use crate::bind::{row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, EngineResult};
use crate::protocol::Object;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use tinytorch::autograd::{Edge, GradModeGuard, Node};
use tinytorch::Tensor;

thread_local! {
    pub static GRAD_MODE: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    pub static NODE: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    pub static GRAD_MODE_FN: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

/// Functions of `torch.autograd` itself.
#[rustfmt::skip]
pub const AUTOGRAD_MODULE: &[Row] = &[
    row("grad(object outputs, object inputs, object grad_outputs=None, bool? retain_graph=None, bool create_graph=False, bool only_inputs=True, bool? allow_unused=None, bool is_grads_batched=False, bool materialize_grads=False)", "The gradients of outputs with respect to inputs, returned as a tuple (no .grad is changed).", autograd_grad),
];

/// A tensor or a sequence of tensors (or Nones where `none` allows them).
fn tensors_of(it: &mut Interp, v: &Value, what: &str, none: bool) -> PyResult<Vec<Option<Tensor>>> {
    let items = match v {
        Value::Object(_) => vec![v.clone()],
        other => it.collect(other)?,
    };
    items
        .iter()
        .map(|x| match x {
            Value::None if none => Ok(None),
            x => x.downcast::<Tensor>().cloned().map(Some).ok_or_else(|| {
                crate::eval::error::type_error(format!(
                    "{what} must be a Tensor or a sequence of Tensors, not {}",
                    x.type_name()
                ))
            }),
        })
        .collect()
}

fn autograd_grad(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let outputs: Vec<Tensor> = tensors_of(it, b.value(0), "outputs", false)?
        .into_iter()
        .flatten()
        .collect();
    let inputs: Vec<Tensor> = tensors_of(it, b.value(1), "inputs", false)?
        .into_iter()
        .flatten()
        .collect();
    let grad_outputs = match b.value(2) {
        Value::None => vec![],
        v => tensors_of(it, v, "grad_outputs", true)?,
    };
    for x in &inputs {
        if !x.requires_grad() {
            return Err(exc(
                "RuntimeError",
                "One of the differentiated Tensors does not require grad",
            ));
        }
    }
    let create = b.bool(4)?;
    let retain = b.opt(3).map(|_| b.bool(3)).transpose()?.unwrap_or(create);
    let grads = Walk::run(it, |w| {
        tinytorch::autograd::grad_foreign(&outputs, &grad_outputs, &inputs, retain, create, Some(w))
    })?;
    let allow_unused = b.opt(6).map(|_| b.bool(6)).transpose()?.unwrap_or(false);
    let materialize = b.bool(8)?;
    let mut out = Vec::with_capacity(grads.len());
    for (i, (g, x)) in grads.into_iter().zip(&inputs).enumerate() {
        match g {
            Some(g) => out.push(value(g)),
            None if materialize => out.push(value(Tensor::zeros_like(x).py()?)),
            None if allow_unused => out.push(Value::None),
            None => {
                return Err(exc(
                    "RuntimeError",
                    format!("The differentiated Tensor at index {i} appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."),
                ))
            }
        }
    }
    Ok(Value::tuple(out))
}

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("backward(Tensor input, Tensor? gradient=None, bool? retain_graph=None, bool create_graph=False, object inputs=None)", "Computes the gradients of this tensor with respect to the leaves, accumulating them into their .grad.", backward),
    row("requires_grad_(Tensor input, bool requires_grad=True)", "Sets requires_grad in place; returns the tensor.", requires_grad_),
    row("detach_(Tensor input)", "Cuts this tensor from its graph in place; returns it.", detach_),
    row("retain_grad(Tensor input)", "Keeps .grad for this non-leaf tensor after backward().", retain_grad),
    row("register_hook(Tensor input, object hook)", "hook(grad) runs when this tensor's gradient is computed and may return a replacement; returns a handle with remove().\n\n>>> h = y.register_hook(lambda g: g * 2)", super::function::register_hook),
];

pub const BOTH: &[Row] = &[row(
    "detach(Tensor input)",
    "A tensor sharing storage, cut from the autograd graph.",
    detach,
)];

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("no_grad(orig_func=None)", "Context manager (or decorator, with or without parentheses): operations inside record no graph.\n\n>>> with torch.no_grad():\n...     y = x * 2", no_grad),
    row("enable_grad(orig_func=None)", "Context manager (or decorator, with or without parentheses): turns graph recording back on.", enable_grad),
    row("inference_mode(mode=True)", "Context manager (or decorator, with or without parentheses): like no_grad.", inference_mode),
    row("set_grad_enabled(bool mode)", "Sets grad mode now; as a context manager, restores it on exit.", set_grad_enabled),
    row("is_grad_enabled()", "Whether operations record autograd graphs.", is_grad_enabled),
];

fn backward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let g = b.opt_tensor(1)?;
    let create = b.bool(3)?;
    let retain = b.opt(2).map(|_| b.bool(2)).transpose()?.unwrap_or(create);
    Walk::run(it, |w| {
        tinytorch::autograd::backward_foreign(t, g, retain, create, Some(w))
    })?;
    Ok(Value::None)
}

fn requires_grad_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    b.tensor(0)?.set_requires_grad(b.bool(1)?).py()?;
    Ok(b.value(0).clone())
}

fn detach_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    b.tensor(0)?.detach_();
    Ok(b.value(0).clone())
}

fn retain_grad(_: &mut Interp, b: Bound) -> PyResult<Value> {
    b.tensor(0)?.retain_grad().py()?;
    Ok(Value::None)
}

fn detach(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(value(b.tensor(0)?.detach()))
}

/// A grad-mode context manager.
pub struct GradMode {
    name: &'static str,
    enabled: bool,
    guards: RefCell<Vec<GradModeGuard>>,
    /// `set_grad_enabled(b)` switches at call time; this is the mode to
    /// restore when it is used as a context manager.
    restore: Option<bool>,
}

impl Object for GradMode {
    fn class(&self) -> Rc<Class> {
        class_in(&GRAD_MODE, self.name)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<torch.autograd.grad_mode.{} object at 0x{:x}>",
            self.name, self as *const Self as usize
        ))
    }
    fn enter(&self, _: &mut Interp, _: &Value) -> PyResult<Option<Value>> {
        self.guards
            .borrow_mut()
            .push(GradModeGuard::new(self.enabled));
        Ok(Some(Value::None))
    }
    fn exit(&self, _: &mut Interp, _: Option<&Value>) -> PyResult<bool> {
        self.guards.borrow_mut().pop();
        if let Some(prev) = self.restore {
            // set_grad_enabled switched at call time: undo it on exit (the
            // guard is forgotten so that nothing re-applies it).
            std::mem::forget(GradModeGuard::new(prev));
        }
        Ok(false)
    }
    /// `@torch.no_grad()` on a function: the function run in this mode.
    fn call(&self, _: &mut Interp, _: &Value, args: Args) -> PyResult<Option<Value>> {
        match (args.pos.as_slice(), args.kw.is_empty()) {
            ([f], true) => Ok(Some(Value::object(GradModeFn {
                enabled: self.enabled,
                f: f.clone(),
            }))),
            _ => Err(type_error(format!(
                "{}() used as a decorator takes one function",
                self.name
            ))),
        }
    }
}

/// A function decorated with a grad mode.
pub struct GradModeFn {
    enabled: bool,
    f: Value,
}

impl Object for GradModeFn {
    fn class(&self) -> Rc<Class> {
        class_in(&GRAD_MODE_FN, "function")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        it.repr(&self.f)
    }
    fn getattr(&self, it: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        match name {
            "__wrapped__" => Ok(Some(self.f.clone())),
            "__name__" | "__doc__" => it.get_attr(&self.f, name).map(Some),
            _ => Ok(None),
        }
    }
    fn call(&self, it: &mut Interp, _: &Value, args: Args) -> PyResult<Option<Value>> {
        let _guard = GradModeGuard::new(self.enabled);
        it.call(&self.f, args).map(Some)
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["__wrapped__"]
    }
}

fn mode(name: &'static str, enabled: bool) -> Value {
    Value::object(GradMode {
        name,
        enabled,
        guards: RefCell::new(vec![]),
        restore: None,
    })
}

/// The mode itself, or, given a function (`@torch.no_grad` without
/// parentheses, as PyTorch's `__new__(cls, orig_func=None)` allows), the
/// function decorated with it.
fn mode_or_decorated(name: &'static str, enabled: bool, f: Option<&Value>) -> Value {
    match f {
        Some(f) => Value::object(GradModeFn {
            enabled,
            f: f.clone(),
        }),
        None => mode(name, enabled),
    }
}

fn no_grad(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(mode_or_decorated("no_grad", false, b.opt(0)))
}

fn enable_grad(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(mode_or_decorated("enable_grad", true, b.opt(0)))
}

fn inference_mode(_: &mut Interp, b: Bound) -> PyResult<Value> {
    match b.value(0) {
        Value::Bool(on) => Ok(mode("inference_mode", !on)),
        Value::None => Ok(mode("inference_mode", false)),
        f => Ok(mode_or_decorated("inference_mode", false, Some(f))),
    }
}

fn set_grad_enabled(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let on = b.bool(0)?;
    // Called as a function it takes effect at once, as in PyTorch; as a
    // context manager the previous mode comes back on exit.
    let prev = tinytorch::autograd::is_grad_enabled();
    std::mem::forget(GradModeGuard::new(on));
    Ok(Value::object(GradMode {
        name: "set_grad_enabled",
        enabled: on,
        guards: RefCell::new(vec![]),
        restore: Some(prev),
    }))
}

fn is_grad_enabled(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(tinytorch::autograd::is_grad_enabled()))
}

/// A `grad_fn` node.
pub struct NodeRef(pub Arc<Node>);

/// A decorated function read through an instance binds to it, as a
/// function does (`@torch.no_grad()` on a method).
pub const GRAD_MODE_FN_METHODS: &[Row] = &[row(
    "__get__(self, instance, owner=None)",
    "The function bound to instance.",
    crate::library::python::descriptors::bind_like_function,
)];

pub const NODE_METHODS: &[Row] = &[row(
    "name(self)",
    "The node's name (PyTorch's: MulBackward0).",
    node_name,
)];

fn node_name(_: &mut Interp, b: Bound) -> PyResult<Value> {
    if let Some(n) = b.value(0).downcast::<NodeRef>() {
        return Ok(Value::str(n.0.name()));
    }
    match b.value(0).downcast::<AccumulateGrad>() {
        Some(_) => Ok(Value::str("torch::autograd::AccumulateGrad")),
        None => Err(type_error("name() of a non-node")),
    }
}

/// The node PyTorch shows where a gradient reaches a leaf
/// (`next_functions` of a node fed by a parameter): `.variable` is the leaf.
pub struct AccumulateGrad(pub Tensor);

impl Object for AccumulateGrad {
    fn class(&self) -> Rc<Class> {
        node_class("AccumulateGrad")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<AccumulateGrad object at 0x{:x}>",
            self.0.id() * 16 + 0x7e00_0000_0000
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "variable" => Some(value(self.0.clone())),
            "next_functions" => Some(Value::tuple(vec![])),
            "__name__" => Some(Value::str("AccumulateGrad")),
            _ => None,
        })
    }
    fn identity(&self) -> Option<usize> {
        Some(self.0.id() as usize)
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["variable", "next_functions"]
    }
}

/// `grad_fn.next_functions`: ((node, 0), ...) with None for leaves.
fn next_functions(node: &Node) -> Value {
    Value::tuple(
        node.inputs()
            .iter()
            .map(|e| {
                let v = match e {
                    Edge::Node(n) => Value::object(NodeRef(n.clone())),
                    Edge::Leaf(t) => Value::object(AccumulateGrad(t.clone())),
                    Edge::None => Value::None,
                };
                Value::tuple(vec![v, Value::Int(0)])
            })
            .collect(),
    )
}

thread_local! {
    /// One class per node name (`type(loss.grad_fn).__name__` is
    /// `NllLossBackward0`), deriving from `Node`.
    static NODE_CLASSES: RefCell<std::collections::HashMap<&'static str, Rc<Class>>> =
        RefCell::new(std::collections::HashMap::new());
}

/// The class of nodes called `name`, deriving from `Node`.
fn node_class(name: &'static str) -> Rc<Class> {
    NODE_CLASSES.with(|m| {
        m.borrow_mut()
            .entry(name)
            .or_insert_with(|| {
                let base = class_in(&NODE, "Node");
                Class::new(
                    name,
                    vec![base],
                    crate::eval::value::ClassKind::Object,
                    "builtins",
                )
            })
            .clone()
    })
}

impl Object for NodeRef {
    fn class(&self) -> Rc<Class> {
        node_class(self.0.name())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<{} object at 0x{:x}>",
            self.0.name(),
            self.0.id() * 16 + 0x7f00_0000_0000
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "next_functions" => Some(next_functions(&self.0)),
            "__name__" => Some(Value::str(self.0.name())),
            _ => None,
        })
    }
    fn identity(&self) -> Option<usize> {
        Some(self.0.id() as usize)
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["next_functions"]
    }
}
