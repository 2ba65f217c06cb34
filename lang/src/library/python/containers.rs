//! The methods of `list`, `tuple`, `dict` and `set`, one row each.

use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::dict::Key;
use crate::eval::error::{
    exc, exc_class, make_exception, type_error, value_error, PyErr, PyResult,
};
use crate::eval::interp::{hash_key, Interp};
use crate::eval::value::Value;
use crate::syntax::ast::BinOp;
use std::cell::RefCell;
use std::rc::Rc;

#[rustfmt::skip]
pub const LIST: &[Row] = &[
    raw("append(self, object, /)", "Appends object to the end of the list.", append),
    row("extend(self, iterable, /)", "Appends the items of iterable.", extend),
    row("pop(self, index=-1, /)", "Removes and returns the item at index (the last by default).", list_pop),
    row("insert(self, index, object, /)", "Inserts object before index.", insert),
    row("index(self, value, /)", "The index of the first item equal to value (ValueError if absent).", list_index),
    row("count(self, value, /)", "The number of items equal to value.", count),
    row("remove(self, value, /)", "Removes the first item equal to value.", remove),
    row("reverse(self, /)", "Reverses the list in place.", reverse),
    row("sort(self, /, *, key=None, reverse=False)", "Sorts the list in place (stable).\n\n>>> xs = [3, 1, 2]; xs.sort(); xs\n[1, 2, 3]", sort),
    row("clear(self, /)", "Removes all items.", list_clear),
    row("copy(self, /)", "A shallow copy.", list_copy),
];

#[rustfmt::skip]
pub const TUPLE: &[Row] = &[
    row("index(self, value, /)", "The index of the first item equal to value (ValueError if absent).", tuple_index),
    row("count(self, value, /)", "The number of items equal to value.", count),
];

#[rustfmt::skip]
pub const DICT: &[Row] = &[
    row("keys(self, /)", "The keys, in insertion order.", keys),
    row("values(self, /)", "The values, in insertion order.", values),
    row("items(self, /)", "The (key, value) pairs, in insertion order.", items),
    row("get(self, key, default=None, /)", "The value for key, or default.", get),
    raw("update(self, other=(), /, **kwargs)", "Adds the pairs of a dict or of an iterable of pairs, and the keyword arguments.", update),
    row("pop(self, key, default=..., /)", "Removes key and returns its value (default, or KeyError, if absent).", dict_pop),
    row("setdefault(self, key, default=None, /)", "The value for key, inserting default first if absent.", setdefault),
    row("clear(self, /)", "Removes all items.", dict_clear),
    row("copy(self, /)", "A shallow copy.", dict_copy),
    row("popitem(self, /)", "Removes and returns the last (key, value) pair.", popitem),
];

#[rustfmt::skip]
pub const SET: &[Row] = &[
    row("add(self, elem, /)", "Adds elem.", add),
    row("remove(self, elem, /)", "Removes elem (KeyError if absent).", set_remove),
    row("discard(self, elem, /)", "Removes elem if present.", discard),
    row("pop(self, /)", "Removes and returns an element.", set_pop),
    row("clear(self, /)", "Removes all elements.", set_clear),
    row("copy(self, /)", "A shallow copy.", set_copy),
    row("update(self, /, *others)", "Adds the elements of the iterables.", set_update),
    row("union(self, /, *others)", "A new set with the elements of all.", union),
    row("intersection(self, /, *others)", "A new set with the elements common to all.", intersection),
    row("difference(self, /, *others)", "A new set with the elements not in the others.", difference),
    row("issubset(self, other, /)", "Whether every element is in other.", issubset),
];

fn key_error(k: Value) -> Box<PyErr> {
    PyErr::new(make_exception(exc_class("KeyError"), vec![k]))
}

fn list(b: &Bound) -> PyResult<Rc<RefCell<Vec<Value>>>> {
    match b.value(0) {
        Value::List(l) => Ok(l.clone()),
        other => Err(type_error(format!(
            "descriptor requires a 'list' object but received a '{}'",
            other.type_name()
        ))),
    }
}

fn append(_: &mut Interp, a: Args) -> PyResult<Value> {
    if a.pos.len() != 2 || !a.kw.is_empty() {
        return Err(type_error(format!(
            "list.append() takes exactly one argument ({} given)",
            a.pos.len().saturating_sub(1)
        )));
    }
    let mut pos = a.pos.into_iter();
    let (Some(Value::List(l)), Some(x)) = (pos.next(), pos.next()) else {
        return Err(type_error("descriptor 'append' requires a 'list' object"));
    };
    l.borrow_mut().push(x);
    Ok(Value::None)
}

fn extend(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = it.collect(b.value(1))?;
    list(&b)?.borrow_mut().extend(items);
    Ok(Value::None)
}

fn list_pop(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let l = list(&b)?;
    let mut v = l.borrow_mut();
    if v.is_empty() {
        return Err(exc("IndexError", "pop from empty list"));
    }
    let n = v.len();
    let k = crate::eval::items::norm_index(b.int(1)?, n)
        .ok_or_else(|| exc("IndexError", "pop index out of range"))?;
    Ok(v.remove(k))
}

fn insert(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let i = b.int(1)?;
    let l = list(&b)?;
    let mut v = l.borrow_mut();
    let n = v.len() as i64;
    let k = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    v.insert(k, b.value(2).clone());
    Ok(Value::None)
}

/// The items of a list or tuple receiver (a copy: comparisons run user code).
fn seq(b: &Bound) -> Vec<Value> {
    match b.value(0) {
        Value::List(l) => l.borrow().clone(),
        Value::Tuple(t) => t.items.clone(),
        _ => vec![],
    }
}

fn position(it: &mut Interp, b: &Bound) -> PyResult<Option<usize>> {
    let x = b.value(1);
    for (i, y) in seq(b).iter().enumerate() {
        if it.eq(y, x)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn list_index(it: &mut Interp, b: Bound) -> PyResult<Value> {
    match position(it, &b)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => {
            let r = it.repr(b.value(1))?;
            Err(value_error(format!("{r} is not in list")))
        }
    }
}

fn tuple_index(it: &mut Interp, b: Bound) -> PyResult<Value> {
    match position(it, &b)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => Err(value_error("tuple.index(x): x not in tuple")),
    }
}

fn count(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = b.value(1);
    let mut n = 0;
    for y in seq(&b) {
        if it.eq(&y, x)? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn remove(it: &mut Interp, b: Bound) -> PyResult<Value> {
    match position(it, &b)? {
        Some(i) => {
            let l = list(&b)?;
            let mut v = l.borrow_mut();
            if i < v.len() {
                v.remove(i);
            }
            Ok(Value::None)
        }
        None => Err(value_error("list.remove(x): x not in list")),
    }
}

fn reverse(_: &mut Interp, b: Bound) -> PyResult<Value> {
    list(&b)?.borrow_mut().reverse();
    Ok(Value::None)
}

fn sort(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let l = list(&b)?;
    let mut items = l.borrow().clone();
    let reverse = it.truthy(b.value(2))?;
    super::builtins::sort_values(it, &mut items, b.opt(1), reverse)?;
    *l.borrow_mut() = items;
    Ok(Value::None)
}

fn list_clear(_: &mut Interp, b: Bound) -> PyResult<Value> {
    list(&b)?.borrow_mut().clear();
    Ok(Value::None)
}

fn list_copy(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::list(list(&b)?.borrow().clone()))
}

fn dict(b: &Bound) -> PyResult<Rc<RefCell<crate::eval::dict::Dict>>> {
    match b.value(0) {
        Value::Dict(d) | Value::Set(d) => Ok(d.clone()),
        other => Err(type_error(format!(
            "descriptor requires a 'dict' object but received a '{}'",
            other.type_name()
        ))),
    }
}

fn keys(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::list(dict(&b)?.borrow().keys()))
}

fn values(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::list(dict(&b)?.borrow().values()))
}

fn items(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let items: Vec<Value> = dict(&b)?
        .borrow()
        .iter()
        .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
        .collect();
    Ok(Value::list(items))
}

fn get(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let key = hash_key(b.value(1))?;
    let found = dict(&b)?.borrow().get(&key).cloned();
    Ok(found.unwrap_or_else(|| b.value(2).clone()))
}

/// The (key, value) pairs of a dict or of an iterable of pairs.
pub fn pairs(it: &mut Interp, src: &Value) -> PyResult<Vec<(Value, Value)>> {
    if let Value::Dict(s) = src {
        return Ok(s
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect());
    }
    let mut out = Vec::new();
    for pair in it.collect(src)? {
        let kv = it.collect(&pair)?;
        if kv.len() != 2 {
            return Err(value_error(format!(
                "dictionary update sequence element #{} has length {}; 2 is required",
                out.len(),
                kv.len()
            )));
        }
        out.push((kv[0].clone(), kv[1].clone()));
    }
    Ok(out)
}

fn update(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut pos = a.pos.into_iter();
    let Some(Value::Dict(d)) = pos.next() else {
        return Err(type_error("descriptor 'update' requires a 'dict' object"));
    };
    let src = match pos.next() {
        Some(v) => pairs(it, &v)?,
        None => vec![],
    };
    if pos.next().is_some() {
        return Err(type_error("update expected at most 1 argument"));
    }
    let mut keyed = Vec::with_capacity(src.len());
    for (k, x) in src {
        keyed.push((hash_key(&k)?, k, x));
    }
    let mut v = d.borrow_mut();
    for (key, k, x) in keyed {
        v.insert(key, k, x);
    }
    for (k, x) in a.kw {
        v.insert(Key::Str(k.clone()), Value::Str(k), x);
    }
    Ok(Value::None)
}

fn dict_pop(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = b.value(1).clone();
    let key = hash_key(&k)?;
    let r = dict(&b)?.borrow_mut().remove(&key);
    match r {
        Some((_, x)) => Ok(x),
        None if b.given(2) => Ok(b.value(2).clone()),
        None => Err(key_error(k)),
    }
}

fn setdefault(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = b.value(1).clone();
    let key = hash_key(&k)?;
    let d = dict(&b)?;
    if let Some(x) = d.borrow().get(&key) {
        return Ok(x.clone());
    }
    let dv = b.value(2).clone();
    d.borrow_mut().insert(key, k, dv.clone());
    Ok(dv)
}

fn dict_clear(_: &mut Interp, b: Bound) -> PyResult<Value> {
    dict(&b)?.borrow_mut().clear();
    Ok(Value::None)
}

fn dict_copy(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::dict(dict(&b)?.borrow().clone()))
}

fn popitem(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = dict(&b)?.borrow_mut().pop_last();
    r.map(|(k, v)| Value::tuple(vec![k, v]))
        .ok_or_else(|| exc("KeyError", "'popitem(): dictionary is empty'"))
}

fn add(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = b.value(1).clone();
    let key = hash_key(&x)?;
    dict(&b)?.borrow_mut().insert(key, x, Value::None);
    Ok(Value::None)
}

fn set_remove(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = b.value(1).clone();
    let r = dict(&b)?.borrow_mut().remove(&hash_key(&x)?);
    if r.is_none() {
        return Err(key_error(x));
    }
    Ok(Value::None)
}

fn discard(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = b.value(1);
    dict(&b)?.borrow_mut().remove(&hash_key(x)?);
    Ok(Value::None)
}

fn set_pop(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = dict(&b)?.borrow_mut().pop_last();
    r.map(|(k, _)| k)
        .ok_or_else(|| exc("KeyError", "'pop from an empty set'"))
}

fn set_clear(_: &mut Interp, b: Bound) -> PyResult<Value> {
    dict(&b)?.borrow_mut().clear();
    Ok(Value::None)
}

fn set_copy(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::set(dict(&b)?.borrow().clone()))
}

fn set_update(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = dict(&b)?;
    for src in b.varargs(1).to_vec() {
        for x in it.collect(&src)? {
            let key = hash_key(&x)?;
            d.borrow_mut().insert(key, x, Value::None);
        }
    }
    Ok(Value::None)
}

fn combine(it: &mut Interp, b: &Bound, op: BinOp) -> PyResult<Value> {
    let mut acc = Value::set(dict(b)?.borrow().clone());
    for o in b.varargs(1).to_vec() {
        let items = it.collect(&o)?;
        let other = it.make_set(items)?;
        acc = it.binary_op(op, acc, other)?;
    }
    Ok(acc)
}

fn union(it: &mut Interp, b: Bound) -> PyResult<Value> {
    combine(it, &b, BinOp::BitOr)
}

fn intersection(it: &mut Interp, b: Bound) -> PyResult<Value> {
    combine(it, &b, BinOp::BitAnd)
}

fn difference(it: &mut Interp, b: Bound) -> PyResult<Value> {
    combine(it, &b, BinOp::Sub)
}

fn issubset(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let o = b.value(1).clone();
    for k in dict(&b)?.borrow().keys() {
        if !it.contains(&o, &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}
