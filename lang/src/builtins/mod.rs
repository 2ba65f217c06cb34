//! The builtins: Python's (`python`, `methods` for str/list/dict/...),
//! `math`/`time`/`random`/`sys` (`math`), the torch tensor library
//! (`torch`, `tensor_methods`), `nn` modules, and completion/help
//! (`introspect`). `args` holds the typed argument extraction they share.

pub mod args;
pub mod data;
pub mod docs;
pub mod introspect;
pub mod io;
pub mod layers;
pub mod lr_scheduler;
pub mod math;
pub mod methods;
pub mod nn;
pub mod nn_utils;
pub mod optim;
pub mod python;
pub mod spatial;
pub mod tensor_ext;
pub mod tensor_methods;
pub mod torch;
pub mod viz;

use crate::eval::value::{Builtin, Class, ClassKind, ModuleObj, NativeFn, Value};
use crate::eval::Interp;
use std::rc::Rc;

pub fn install(it: &mut Interp) {
    python::install(it);
    math::install(it);
    torch::install(it);
    nn::install(it);
    optim::install(it);
    data::install(it);
    viz::install(it);
    nn_utils::install(it);
    io::install(it);
}

/// A native function value.
pub fn func(name: &'static str, doc: &'static str, f: NativeFn) -> Value {
    Value::Builtin(Rc::new(Builtin {
        name,
        doc,
        f,
        bound: None,
    }))
}

/// Adds a function to a module.
pub fn def(m: &ModuleObj, name: &'static str, doc: &'static str, f: NativeFn) {
    m.set(name, func(name, doc, f));
}

/// A built-in class with a native constructor (`int`, `nn.Linear`).
pub fn native_class(
    name: &str,
    module: &'static str,
    kind: ClassKind,
    doc: &'static str,
    ctor: Option<NativeFn>,
) -> Rc<Class> {
    let c = Class::new(name, vec![], kind, module);
    c.ctor.set(ctor);
    crate::eval::value::set_attr(&mut c.attrs.borrow_mut(), "__doc__", Value::str(doc));
    c
}

/// Registers a module under its dotted name (and as an attribute of its parent).
pub fn register_module(it: &mut Interp, path: &str, m: Rc<ModuleObj>) -> Rc<ModuleObj> {
    if let Some((parent, leaf)) = path.rsplit_once('.') {
        if let Some(Value::Module(p)) = it.modules.get(parent) {
            p.set(leaf, Value::Module(m.clone()));
        }
    }
    it.modules
        .insert(path.to_string(), Value::Module(m.clone()));
    m
}
