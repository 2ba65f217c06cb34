//! Layers of `torch.nn` bound as native module classes.

use crate::eval::error::PyResult;
use crate::eval::value::{Class, ModuleObj, Value};
use crate::eval::Interp;
use std::rc::Rc;

pub fn install(_it: &mut Interp, _nn: &ModuleObj, _module: &Rc<Class>) {}

pub fn install_functional(_f: &ModuleObj) {}

/// The text inside `Linear(...)` in a module repr.
pub fn extra_repr(_it: &mut Interp, _v: &Value) -> PyResult<String> {
    Ok(String::new())
}
