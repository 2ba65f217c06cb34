//! Autograd written in the language: `torch.autograd.Function` subclasses
//! (static `forward(ctx, ...)` / `backward(ctx, grad)`, or `forward(...)`
//! with `setup_context(ctx, inputs, output)`; `ctx.save_for_backward`,
//! `ctx.saved_tensors`, `ctx.needs_input_grad`, any attribute on `ctx`) and
//! `Tensor.register_hook`.
//!
//! The engine's graph keeps a key for each of them (its `foreign` nodes and
//! hooks); the language code and values stay here, in a per-thread table,
//! and [`Walk`] runs them when a backward started from the language reaches
//! one. An error raised in that code comes out of `backward()` as itself.

use super::tensor::value;
use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyErr, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, EngineResult};
use crate::protocol::Object;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Weak};
use tinytorch::autograd::{foreign_key, record_foreign, Foreign, GradModeGuard, Node, SavedTensor};
use tinytorch::Tensor;

thread_local! {
    pub static CTX: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    pub static HANDLE: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    /// The language side of every live foreign node and hook, by key.
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

#[derive(Default)]
struct Table {
    entries: HashMap<u64, Entry>,
    /// The size after the last sweep of dead entries.
    swept: usize,
}

enum Entry {
    /// A custom Function's node: the class, its ctx, for each forward
    /// argument the node input it became (tensors only), the inputs' shapes.
    Function {
        class: Value,
        ctx: Value,
        slots: Vec<Option<usize>>,
        shapes: Vec<Vec<usize>>,
        node: Weak<Node>,
    },
    /// A tensor hook; `node` is the result's grad_fn (None for a leaf, whose
    /// hook lives until removed).
    Hook { f: Value, node: Option<Weak<Node>> },
}

impl Entry {
    fn alive(&self) -> bool {
        match self {
            Entry::Function { node, .. }
            | Entry::Hook {
                node: Some(node), ..
            } => node.strong_count() > 0,
            Entry::Hook { node: None, .. } => true,
        }
    }
}

fn insert(key: u64, e: Entry) {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        t.entries.insert(key, e);
        // Entries of graphs that are gone are dropped now and then.
        if t.entries.len() > 64 && t.entries.len() > 2 * t.swept {
            t.entries.retain(|_, e| e.alive());
            t.swept = t.entries.len();
        }
    });
}

/// A backward walk started from the language: it runs the language's
/// Functions and hooks with the interpreter, keeping the first error.
pub struct Walk<'a> {
    it: &'a mut Interp,
    err: Option<Box<PyErr>>,
}

impl Walk<'_> {
    /// Runs `f` (an engine walk) with a `Walk`; an error raised by language
    /// code comes back as itself.
    pub fn run<T>(
        it: &mut Interp,
        f: impl FnOnce(&mut dyn Foreign) -> tinytorch::Result<T>,
    ) -> PyResult<T> {
        let mut w = Walk { it, err: None };
        let r = f(&mut w);
        match (r, w.err.take()) {
            (Ok(v), _) => Ok(v),
            (Err(_), Some(e)) => Err(e),
            (Err(e), None) => Err(e).py(),
        }
    }

    fn engine<T>(&mut self, r: PyResult<T>) -> tinytorch::Result<T> {
        r.map_err(|e| {
            self.err = Some(e);
            tinytorch::Error::Autograd("an error in language code during backward".into())
        })
    }

    fn function_backward(
        &mut self,
        key: u64,
        grad: &Tensor,
        node: &str,
    ) -> PyResult<Vec<Option<Tensor>>> {
        let found = TABLE.with(|t| match t.borrow().entries.get(&key) {
            Some(Entry::Function {
                class,
                ctx,
                slots,
                shapes,
                ..
            }) => Some((class.clone(), ctx.clone(), slots.clone(), shapes.clone())),
            _ => None,
        });
        let Some((class, ctx, slots, shapes)) = found else {
            return Err(exc("RuntimeError", format!("{node}: its backward is gone")));
        };
        let backward = self.it.get_attr(&class, "backward")?;
        let r = self
            .it
            .call(&backward, Args::new(vec![ctx, value(grad.clone())]))?;
        let items = match r {
            Value::Tuple(t) => t.items.clone(),
            v => vec![v],
        };
        if items.len() != slots.len() {
            return Err(exc(
                "RuntimeError",
                format!(
                    "function {node} returned an incorrect number of gradients (expected {}, got {})",
                    slots.len(),
                    items.len()
                ),
            ));
        }
        let mut out = vec![None; shapes.len()];
        for (i, (slot, item)) in slots.iter().zip(items).enumerate() {
            let (Some(k), Value::Object(_)) = (slot, &item) else {
                continue;
            };
            let g = item.downcast::<Tensor>().cloned().ok_or_else(|| {
                type_error(format!(
                    "function {node} returned a gradient different than None at position {} that is not a Tensor",
                    i + 1
                ))
            })?;
            if g.shape() != shapes[*k].as_slice() {
                return Err(exc(
                    "RuntimeError",
                    format!(
                        "Function {node} returned an invalid gradient at index {i} - got {:?} but expected shape compatible with {:?}",
                        g.shape(),
                        shapes[*k]
                    ),
                ));
            }
            out[*k] = Some(g);
        }
        Ok(out)
    }

    fn run_hook(&mut self, key: u64, grad: &Tensor) -> PyResult<Option<Tensor>> {
        let f = TABLE.with(|t| match t.borrow().entries.get(&key) {
            Some(Entry::Hook { f, .. }) => Some(f.clone()),
            _ => None,
        });
        let Some(f) = f else {
            return Ok(None);
        };
        match self.it.call(&f, Args::new(vec![value(grad.clone())]))? {
            Value::None => Ok(None),
            v => match v.downcast::<Tensor>() {
                Some(t) => Ok(Some(t.clone())),
                None => Err(type_error(format!(
                    "a tensor hook must return None or a Tensor, not {}",
                    v.type_name()
                ))),
            },
        }
    }
}

impl Foreign for Walk<'_> {
    fn backward(
        &mut self,
        key: u64,
        grad: &Tensor,
        _needs: &[bool],
    ) -> tinytorch::Result<Vec<Option<Tensor>>> {
        let name = grad_fn_name(key);
        let r = self.function_backward(key, grad, &name);
        self.engine(r)
    }

    fn hook(&mut self, key: u64, grad: &Tensor) -> tinytorch::Result<Option<Tensor>> {
        let r = self.run_hook(key, grad);
        self.engine(r)
    }
}

fn grad_fn_name(key: u64) -> String {
    TABLE.with(|t| match t.borrow().entries.get(&key) {
        Some(Entry::Function { node, .. }) => node
            .upgrade()
            .map(|n| n.name().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    })
}

// ---- ctx ----------------------------------------------------------------

/// The `ctx` a Function's forward and backward share.
pub struct Ctx {
    attrs: RefCell<Vec<(Rc<str>, Value)>>,
    /// What `save_for_backward` got (None for a None argument).
    saved: RefCell<Vec<Option<SavedTensor>>>,
    needs_input_grad: Value,
}

impl Object for Ctx {
    fn class(&self) -> Rc<Class> {
        class_in(&CTX, "FunctionCtx")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<torch.autograd.function.FunctionCtx object at 0x{:x}>",
            self as *const _ as usize
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        match name {
            "saved_tensors" => {
                let saved = self.saved.borrow();
                let mut out = Vec::with_capacity(saved.len());
                for s in saved.iter() {
                    out.push(match s {
                        Some(s) => value(s.get("backward").py()?),
                        None => Value::None,
                    });
                }
                Ok(Some(Value::tuple(out)))
            }
            "needs_input_grad" => Ok(Some(self.needs_input_grad.clone())),
            _ => Ok(self
                .attrs
                .borrow()
                .iter()
                .find(|(k, _)| &**k == name)
                .map(|(_, v)| v.clone())),
        }
    }
    fn setattr(&self, _: &mut Interp, name: &str, v: Value) -> PyResult<bool> {
        let mut attrs = self.attrs.borrow_mut();
        match attrs.iter_mut().find(|(k, _)| &**k == name) {
            Some(slot) => slot.1 = v,
            None => attrs.push((Rc::from(name), v)),
        }
        Ok(true)
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["saved_tensors", "needs_input_grad"]
    }
}

fn ctx_of(v: &Value) -> PyResult<&Ctx> {
    v.downcast::<Ctx>()
        .ok_or_else(|| type_error("expected the ctx of an autograd Function"))
}

#[rustfmt::skip]
pub const CTX_METHODS: &[Row] = &[
    raw("save_for_backward(self, *tensors)", "Keeps tensors for backward (read back as ctx.saved_tensors; freed after a backward without retain_graph).", save_for_backward),
    raw("mark_non_differentiable(self, *args)", "Accepted; outputs keep their gradient.", ignore),
    raw("mark_dirty(self, *args)", "Accepted; in-place outputs are not tracked specially.", ignore),
    raw("set_materialize_grads(self, value)", "Accepted; None gradients stay None.", ignore),
];

fn save_for_backward(_: &mut Interp, a: Args) -> PyResult<Value> {
    let Some((this, tensors)) = a.pos.split_first() else {
        return Err(type_error("save_for_backward() needs self"));
    };
    let ctx = ctx_of(this)?;
    let mut saved = Vec::with_capacity(tensors.len());
    for t in tensors {
        saved.push(match t {
            Value::None => None,
            t => Some(SavedTensor::new(
                "saved",
                t.downcast::<Tensor>().ok_or_else(|| {
                    type_error(format!(
                        "save_for_backward can only save variables, but argument 0 is of type {}",
                        t.type_name()
                    ))
                })?,
            )),
        });
    }
    *ctx.saved.borrow_mut() = saved;
    Ok(Value::None)
}

fn ignore(_: &mut Interp, _: Args) -> PyResult<Value> {
    Ok(Value::None)
}

// ---- Function.apply ----------------------------------------------------

#[rustfmt::skip]
pub const FUNCTION_METHODS: &[Row] = &[
    raw("apply(cls, *args)", "Runs forward (grad off) and records one node whose backward is the class's backward.\n\n>>> class Exp(torch.autograd.Function):\n...     @staticmethod\n...     def forward(ctx, x):\n...         y = x.exp()\n...         ctx.save_for_backward(y)\n...         return y\n...     @staticmethod\n...     def backward(ctx, g):\n...         y, = ctx.saved_tensors\n...         return g * y", apply),
];

fn apply(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    if a.pos.is_empty() {
        return Err(type_error("apply() needs the Function class"));
    }
    let class = a.pos.remove(0);
    if !a.kw.is_empty() {
        return Err(type_error("apply() takes no keyword arguments"));
    }
    let args = a.pos;
    let needs: Vec<Value> = args
        .iter()
        .map(|v| Value::Bool(v.downcast::<Tensor>().is_some_and(|t| t.requires_grad())))
        .collect();
    let ctx = Value::object(Ctx {
        attrs: RefCell::new(Vec::new()),
        saved: RefCell::new(Vec::new()),
        needs_input_grad: Value::tuple(needs),
    });
    let forward = it.get_attr(&class, "forward")?;
    let out = {
        let _off = GradModeGuard::new(false);
        match it.get_attr(&class, "setup_context") {
            Ok(setup) => {
                let out = it.call(&forward, Args::new(args.clone()))?;
                let inputs = Value::tuple(args.clone());
                it.call(&setup, Args::new(vec![ctx.clone(), inputs, out.clone()]))?;
                out
            }
            Err(_) => {
                let mut pos = vec![ctx.clone()];
                pos.extend(args.iter().cloned());
                it.call(&forward, Args::new(pos))?
            }
        }
    };
    let Some(y) = out.downcast::<Tensor>() else {
        if let Value::Tuple(_) = out {
            return Err(exc(
                "NotImplementedError",
                "an autograd.Function with several outputs is not supported yet: return one tensor",
            ));
        }
        return Ok(out);
    };
    let mut inputs: Vec<Tensor> = Vec::new();
    let mut slots = Vec::with_capacity(args.len());
    for v in &args {
        slots.push(v.downcast::<Tensor>().map(|t| {
            inputs.push(t.clone());
            inputs.len() - 1
        }));
    }
    let name = match &class {
        Value::Class(c) => format!("{}Backward", c.name),
        _ => "FunctionBackward".to_string(),
    };
    let saved: Vec<SavedTensor> = ctx_of(&ctx)?
        .saved
        .borrow()
        .iter()
        .flatten()
        .cloned()
        .collect();
    let key = foreign_key();
    let refs: Vec<&Tensor> = inputs.iter().collect();
    let y = record_foreign(y.detach(), &name, &refs, saved, key);
    if let Some(node) = y.grad_fn() {
        insert(
            key,
            Entry::Function {
                class,
                ctx,
                slots,
                shapes: inputs.iter().map(|t| t.shape().to_vec()).collect(),
                node: Arc::downgrade(&node),
            },
        );
    }
    Ok(value(y))
}

// ---- register_hook -------------------------------------------------------

/// What `register_hook` returns: `remove()` takes the hook off.
pub struct HookHandle {
    tensor: Tensor,
    key: u64,
}

impl Object for HookHandle {
    fn class(&self) -> Rc<Class> {
        class_in(&HANDLE, "RemovableHandle")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<torch.utils.hooks.RemovableHandle object at 0x{:x}>",
            self as *const _ as usize
        ))
    }
}

#[rustfmt::skip]
pub const HANDLE_METHODS: &[Row] = &[
    row("remove(self)", "Takes the hook off (a second call does nothing).", remove),
];

fn remove(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let h = b
        .value(0)
        .downcast::<HookHandle>()
        .ok_or_else(|| type_error("remove() of a non-handle"))?;
    tinytorch::autograd::remove_hook(&h.tensor, h.key);
    TABLE.with(|t| t.borrow_mut().entries.remove(&h.key));
    Ok(Value::None)
}

/// `t.register_hook(hook)`: `hook(grad)` runs when the gradient of `t` is
/// computed, and may return a replacement.
pub fn register_hook(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let f = b.value(1).clone();
    let key = foreign_key();
    tinytorch::autograd::register_hook(t, key).py()?;
    let node = t.grad_fn().map(|n| Arc::downgrade(&n));
    insert(key, Entry::Hook { f, node });
    Ok(Value::object(HookHandle {
        tensor: t.clone(),
        key,
    }))
}
