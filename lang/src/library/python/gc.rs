//! Python's `gc` module over the cycle collector ([`crate::eval::gc`]):
//! one generation, collected automatically as containers are made and on
//! `gc.collect()`.

use crate::bind::{row, Bound, Row, Style};
use crate::eval::error::{value_error, PyResult};
use crate::eval::gc;
use crate::eval::value::Value;
use crate::eval::Interp;

#[rustfmt::skip]
pub const GC: &[Row] = &[
    row("collect(generation=2)", "Frees unreachable reference cycles now; returns how many objects were unreachable.", collect),
    row("enable()", "Turns automatic collection on.", enable),
    row("disable()", "Turns automatic collection off (gc.collect() still works).", disable),
    row("isenabled()", "Whether automatic collection is on.", isenabled),
    row("get_count()", "Containers made since the last collection (one generation: the others are 0).", get_count),
    row("get_threshold()", "The automatic collection threshold (one generation: the others are 0).", get_threshold),
    row("get_objects(generation=None)", "The containers (lists, dicts, sets, instances, classes, cells, iterators) alive now.", get_objects),
    row("set_threshold(threshold0, threshold1=0, threshold2=0, /)", "Sets the threshold; 0 turns automatic collection off.", set_threshold),
];

pub fn install(it: &mut Interp) {
    let m = super::super::module(it, "gc", "The cycle collector: frees reference cycles.");
    crate::bind::into_module(&m, "gc", GC, Style::Python);
}

fn collect(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let generation = b.opt_int(0)?.unwrap_or(2);
    if !(0..=2).contains(&generation) {
        return Err(value_error("invalid generation"));
    }
    Ok(Value::Int(gc::collect() as i64))
}

fn enable(_: &mut Interp, _: Bound) -> PyResult<Value> {
    gc::set_enabled(true);
    Ok(Value::None)
}

fn disable(_: &mut Interp, _: Bound) -> PyResult<Value> {
    gc::set_enabled(false);
    Ok(Value::None)
}

fn isenabled(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(gc::is_enabled()))
}

fn get_count(_: &mut Interp, _: Bound) -> PyResult<Value> {
    let n = gc::count() as i64;
    Ok(Value::tuple(vec![
        Value::Int(n),
        Value::Int(0),
        Value::Int(0),
    ]))
}

fn get_threshold(_: &mut Interp, _: Bound) -> PyResult<Value> {
    let n = gc::threshold() as i64;
    Ok(Value::tuple(vec![
        Value::Int(n),
        Value::Int(0),
        Value::Int(0),
    ]))
}

fn set_threshold(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let n = super::int_arg(&b, 0)?;
    if n < 0 {
        return Err(value_error("threshold must be non-negative"));
    }
    gc::set_threshold(n as usize);
    Ok(Value::None)
}

fn get_objects(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::list(gc::objects()))
}
