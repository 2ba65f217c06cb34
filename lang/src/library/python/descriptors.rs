//! Descriptors: what reading an attribute of a class gives. Native callables
//! that stand in for functions (a decorated function) bind like functions.

use crate::bind::Bound;
use crate::eval::error::PyResult;
use crate::eval::value::Value;
use crate::eval::Interp;
use std::rc::Rc;

/// `__get__(self, instance, owner)` of a function-like object: itself when
/// read from the class, bound to the instance otherwise.
pub fn bind_like_function(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(match b.value(1) {
        Value::None => b.value(0).clone(),
        inst => Value::BoundMethod(Rc::new((inst.clone(), b.value(0).clone()))),
    })
}
