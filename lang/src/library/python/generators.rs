//! The methods of a generator: `send`, `throw`, `close` (and the iterator
//! protocol), over the evaluator's generator steps.

use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::generator::Sent;
use crate::eval::interp::Interp;
use crate::eval::value::{Iter, Value};
use std::cell::RefCell;

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("__iter__(self, /)", "The generator itself.", iter_self),
    row("__next__(self, /)", "Runs to the next yield; StopIteration when the body ends.", next),
    row("send(self, value, /)", "Resumes with value as the result of the suspended yield; returns the next yielded value.", send),
    row("throw(self, typ, val=None, tb=None, /)", "Raises an exception at the suspended yield; returns the next yielded value.", throw),
    row("close(self, /)", "Raises GeneratorExit at the suspended yield, so its finally and with blocks run.", close),
];

fn cell<'a>(b: &'a Bound) -> PyResult<&'a RefCell<Iter>> {
    match b.value(0) {
        Value::Iter(c) if matches!(*c.borrow(), Iter::Generator(_)) => Ok(c),
        other => Err(type_error(format!(
            "descriptor requires a 'generator' object but received a '{}'",
            other.type_name()
        ))),
    }
}

/// A step's value, or StopIteration when the generator ended.
fn yielded(v: Option<Value>) -> PyResult<Value> {
    v.ok_or_else(|| exc("StopIteration", ""))
}

fn iter_self(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cell(&b)?;
    Ok(b.value(0).clone())
}

fn next(it: &mut Interp, b: Bound) -> PyResult<Value> {
    yielded(it.resume_generator(cell(&b)?, None)?)
}

fn send(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(1).clone();
    yielded(it.resume_generator(cell(&b)?, Some(Sent::Value(v)))?)
}

fn throw(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let c = cell(&b)?;
    let e = match (b.value(1), b.opt(2)) {
        // throw(Class, value): the class called with the value.
        (Value::Class(_), Some(v)) if !matches!(v, Value::None) => {
            let inst = it.call(b.value(1), crate::eval::call::Args::new(vec![v.clone()]))?;
            it.exception_of(inst)?
        }
        (typ, _) => it.exception_of(typ.clone())?,
    };
    yielded(it.resume_generator(c, Some(Sent::Throw(e)))?)
}

fn close(it: &mut Interp, b: Bound) -> PyResult<Value> {
    it.close_generator(cell(&b)?)?;
    Ok(Value::None)
}
