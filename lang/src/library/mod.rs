//! The library: Python's builtins and modules, and the PyTorch-named tensor
//! library bound to the engine, as tables of declarations ([`crate::bind`]),
//! one file per family. The evaluator knows none of it; [`install`] puts it
//! into an interpreter.
//!
//! | family | what |
//! |---|---|
//! | `python/` | builtins (`print len range ...`), the methods of `str list dict ...`, `math time random sys os itertools functools collections` |
//! | `torch/` | the tensor type, dtypes and devices, creation, pointwise math, reductions, shapes and indexing, linear algebra, autograd |
//! | `nn/` | `nn.Module` (the engine's `Module` for classes written in the language), the engine's layers, `F`, `init`, `utils` |
//! | `optim` | optimizers and schedulers over the engine's |
//! | `data` | `Dataset`, `TensorDataset`, `DataLoader` |
//! | `io` | `torch.save` / `torch.load`, MNIST |
//! | `viz` | `plot graph show tqdm` |
//! | `introspect` | completion, `help`, Jupyter's inspect, `dir` |

pub mod data;
pub mod errors;
pub mod introspect;
pub mod io;
pub mod nn;
pub mod optim;
pub mod python;
pub mod torch;
pub mod viz;

use crate::eval::value::{Class, ClassKind, ModuleObj, Value};
use crate::eval::Interp;
use std::rc::Rc;

pub use errors::{from_engine, EngineResult};

/// Puts the whole library into `it`.
pub fn install(it: &mut Interp) {
    python::install(it);
    torch::install(it);
    nn::install(it);
    optim::install(it);
    data::install(it);
    io::install(it);
    viz::install(it);
    introspect::install(it);
}

/// A module registered under its dotted name (and as an attribute of its
/// parent); an existing one is returned as it is.
pub fn module(it: &mut Interp, path: &str, doc: &str) -> Rc<ModuleObj> {
    if let Some(Value::Module(m)) = it.modules.get(path) {
        return m.clone();
    }
    let m = ModuleObj::new(path, doc);
    if let Some((parent, leaf)) = path.rsplit_once('.') {
        if let Some(Value::Module(p)) = it.modules.get(parent) {
            p.set(leaf, Value::Module(m.clone()));
        }
    }
    it.modules
        .insert(path.to_string(), Value::Module(m.clone()));
    m
}

/// A library class: `module` is what `<class '...'>` prints.
pub fn class(name: &str, module: &str, bases: &[&Rc<Class>], doc: &str) -> Rc<Class> {
    let c = Class::new(
        name,
        bases.iter().map(|b| (*b).clone()).collect(),
        ClassKind::Object,
        module,
    );
    c.set("__doc__", Value::str(doc));
    c
}

/// Where a native type keeps its class: one per interpreter thread (each
/// session runs on its own thread), set when the library is installed.
pub type ClassSlot = std::thread::LocalKey<std::cell::RefCell<Option<Rc<Class>>>>;

/// The class in `slot` (a bare one of that name before install, so that
/// `type()` stays total).
pub fn class_in(slot: &'static ClassSlot, name: &str) -> Rc<Class> {
    slot.with(|c| c.borrow().clone())
        .unwrap_or_else(|| Class::new(name, vec![], ClassKind::Object, "builtins"))
}

pub fn set_class(slot: &'static ClassSlot, c: &Rc<Class>) {
    slot.with(|s| *s.borrow_mut() = Some(c.clone()));
}
