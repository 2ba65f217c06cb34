//! Python's own library: the builtin functions and types (`builtins`), the
//! methods of `str`, `list`, `tuple`, `dict` and `set`, and the modules
//! `math`, `random`, `sys`, `time`, `gc`, `os`, `itertools` and
//! `functools`, `dataclasses`, `collections`.

pub mod builtins;
pub mod collections;
pub mod containers;
pub mod dataclasses;
pub mod descriptors;
pub mod future;
pub mod gc;
pub mod generators;
pub mod itertools;
pub mod math;
pub mod os;
pub mod random;
pub mod str;
pub mod sys;

use crate::bind::{into_class, Bound, Def, Style};
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::protocol::Callable;
use std::rc::Rc;

pub fn install(it: &mut Interp) {
    for r in builtins::FUNCTIONS {
        let d = Def::from_row("builtins", r, Style::Python);
        let name = d.name().to_string();
        it.builtins.insert(Rc::from(name), d.value());
    }
    for (name, r) in builtins::TYPES {
        let class = match *name {
            "int" => it.types.int.clone(),
            "float" => it.types.float.clone(),
            "str" => it.types.str.clone(),
            "bool" => it.types.bool.clone(),
            "list" => it.types.list.clone(),
            "tuple" => it.types.tuple.clone(),
            "dict" => it.types.dict.clone(),
            "set" => it.types.set.clone(),
            "range" => it.types.range.clone(),
            "object" => it.types.object.clone(),
            "slice" => it.types.slice.clone(),
            _ => it.types.type_.clone(),
        };
        let d = Def::from_row("builtins", r, Style::Python);
        class.set("__doc__", Value::str(d.doc()));
        *class.new.borrow_mut() = Some(d.value());
        it.builtins.insert(Rc::from(*name), Value::Class(class));
    }
    into_class(&it.types.str, str::METHODS, Style::Python);
    into_class(&it.types.list, containers::LIST, Style::Python);
    into_class(&it.types.tuple, containers::TUPLE, Style::Python);
    into_class(&it.types.dict, containers::DICT, Style::Python);
    into_class(&it.types.set, containers::SET, Style::Python);
    into_class(&it.types.generator, generators::METHODS, Style::Python);
    it.builtins
        .insert(Rc::from("__name__"), Value::str("__main__"));
    let m = super::module(it, "math", "Mathematical functions on Python numbers.");
    math::install(&m);
    let r = super::module(it, "random", "Python's Mersenne Twister random numbers.");
    crate::bind::into_module(&r, "random", random::FUNCTIONS, Style::Python);
    sys::install(it);
    gc::install(it);
    itertools::install(it);
    os::install(it);
    future::install(it);
    descriptors::install(it);
    dataclasses::install(it);
    collections::install(it);
}

/// An int argument where CPython takes an index (`randint(a, b)`, `comb(n, k)`).
pub(crate) fn int_arg(b: &Bound, i: usize) -> PyResult<i64> {
    match b.value(i) {
        Value::Int(n) => Ok(*n),
        Value::Bool(x) => Ok(*x as i64),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}
