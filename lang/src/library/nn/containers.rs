//! The containers: `nn.Sequential` (runs its children in order),
//! `nn.ModuleList` and `nn.ModuleDict`. Their children are attributes named
//! `"0"`, `"1"`, ... (or the dict's keys), as in PyTorch's `_modules`, so the
//! engine sees them as any module's children.

use super::module::{init_module, is_module};
use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Instance, Iter, Value};
use crate::eval::Interp;
use std::rc::Rc;

#[rustfmt::skip]
pub const SEQUENTIAL: &[Row] = &[
    raw("__init__(self, *args)", "Sequential(*modules) (or one OrderedDict of named modules): runs the modules in order.\n\n>>> len(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))\n2", sequential_init),
    row("forward(self, input)", "Each module applied to the previous one's output.", sequential_forward),
    row("append(self, module)", "Adds a module at the end; returns the container.", append),
    row("extend(self, modules)", "Adds the modules at the end; returns the container.", extend),
    row("insert(self, index, module)", "Inserts a module before index.", insert),
    row("__getitem__(self, idx)", "The idx-th module, or a container of a slice of them.", getitem),
    row("__setitem__(self, idx, module)", "Replaces the idx-th module.", setitem),
    row("__delitem__(self, idx)", "Removes the idx-th module (or a slice).", delitem),
    row("__len__(self)", "The number of modules.", len),
    row("__iter__(self)", "The modules in order.", iter),
];

#[rustfmt::skip]
pub const MODULE_LIST: &[Row] = &[
    row("__init__(self, modules=None)", "ModuleList(modules=None): a list of modules registered as children.", list_init),
    row("append(self, module)", "Adds a module at the end; returns the list.", append),
    row("extend(self, modules)", "Adds the modules at the end; returns the list.", extend),
    row("insert(self, index, module)", "Inserts a module before index.", insert),
    row("__getitem__(self, idx)", "The idx-th module, or a ModuleList of a slice.", getitem),
    row("__setitem__(self, idx, module)", "Replaces the idx-th module.", setitem),
    row("__delitem__(self, idx)", "Removes the idx-th module (or a slice).", delitem),
    row("__len__(self)", "The number of modules.", len),
    row("__iter__(self)", "The modules in order.", iter),
];

#[rustfmt::skip]
pub const MODULE_DICT: &[Row] = &[
    row("__init__(self, modules=None)", "ModuleDict(modules=None): a dict of modules registered as children under their keys.", dict_init),
    row("__getitem__(self, key)", "The module under key.", dict_getitem),
    row("__setitem__(self, key, module)", "Registers module under key.", dict_setitem),
    row("__delitem__(self, key)", "Removes the module under key.", dict_delitem),
    row("__len__(self)", "The number of modules.", len),
    row("__iter__(self)", "The keys in order.", dict_iter),
    row("__contains__(self, key)", "Whether a module is registered under key.", dict_contains),
    row("keys(self)", "The keys in order.", dict_keys),
    row("values(self)", "The modules in order.", dict_values),
    row("items(self)", "(key, module) pairs in order.", dict_items),
    row("update(self, modules)", "Registers the modules of a dict or of (key, module) pairs.", dict_update),
    row("pop(self, key)", "Removes and returns the module under key.", dict_pop),
];

fn inst(v: &Value) -> PyResult<Rc<Instance>> {
    match v {
        Value::Instance(i) => Ok(i.clone()),
        other => Err(type_error(format!(
            "descriptor requires a module but received a '{}'",
            other.type_name()
        ))),
    }
}

/// The children, in order.
fn kids(v: &Value) -> PyResult<Vec<(Rc<str>, Value)>> {
    let i = inst(v)?;
    let out: Vec<(Rc<str>, Value)> = i
        .attrs
        .borrow()
        .iter()
        .filter(|(_, x)| is_module(x))
        .cloned()
        .collect();
    Ok(out)
}

fn check_module(m: &Value) -> PyResult<()> {
    if !is_module(m) {
        return Err(type_error(format!(
            "{} is not a Module subclass",
            m.type_name()
        )));
    }
    Ok(())
}

/// Renumbers the children "0", "1", ... after an insertion or deletion.
fn set_children(it: &mut Interp, v: &Value, items: Vec<Value>) -> PyResult<()> {
    let i = inst(v)?;
    let old: Vec<Rc<str>> = kids(v)?.into_iter().map(|(k, _)| k).collect();
    for k in old {
        i.attrs.borrow_mut().remove(&k);
    }
    for (k, m) in items.into_iter().enumerate() {
        check_module(&m)?;
        it.object_setattr(v, &k.to_string(), m)?;
    }
    Ok(())
}

fn sequential_init(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut pos = a.pos.into_iter();
    let this = pos.next().unwrap_or_default();
    init_module(it, &this)?;
    let rest: Vec<Value> = pos.collect();
    // Sequential(OrderedDict([...])): named children.
    if let [Value::Dict(d)] = rest.as_slice() {
        let items: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, m) in items {
            check_module(&m)?;
            let name = it.to_str(&k)?;
            it.object_setattr(&this, &name, m)?;
        }
        return Ok(Value::None);
    }
    set_children(it, &this, rest)?;
    Ok(Value::None)
}

fn sequential_forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let mut x = b.value(1).clone();
    for (_, m) in kids(&this)? {
        x = it.call(&m, Args::new(vec![x]))?;
    }
    Ok(x)
}

fn list_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    init_module(it, &this)?;
    if let Some(ms) = b.opt(1) {
        let items = it.collect(ms)?;
        set_children(it, &this, items)?;
    }
    Ok(Value::None)
}

fn items(v: &Value) -> PyResult<Vec<Value>> {
    Ok(kids(v)?.into_iter().map(|(_, m)| m).collect())
}

fn append(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let m = b.value(1).clone();
    check_module(&m)?;
    let n = kids(&this)?.len();
    it.object_setattr(&this, &n.to_string(), m)?;
    Ok(this)
}

fn extend(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let mut all = items(&this)?;
    all.extend(it.collect(b.value(1))?);
    set_children(it, &this, all)?;
    Ok(this)
}

fn insert(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let mut all = items(&this)?;
    let n = all.len() as i64;
    let i = b.int(1)?;
    let k = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    all.insert(k, b.value(2).clone());
    set_children(it, &this, all)?;
    Ok(Value::None)
}

fn index(v: &Value, i: i64) -> PyResult<usize> {
    let n = kids(v)?.len() as i64;
    let k = if i < 0 { i + n } else { i };
    if k < 0 || k >= n {
        return Err(exc("IndexError", format!("index {i} is out of range")));
    }
    Ok(k as usize)
}

fn getitem(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    match b.value(1) {
        Value::Int(i) => Ok(kids(&this)?[index(&this, *i)?].1.clone()),
        Value::Slice(s) => {
            let all = items(&this)?;
            let s = s.clone();
            let idx = it.slice_indices(&s, all.len())?;
            let picked: Vec<Value> = idx.into_iter().map(|k| all[k].clone()).collect();
            let class = Value::Class(it.class_of(&this));
            let out = it.call(&class, Args::default())?;
            set_children(it, &out, picked)?;
            Ok(out)
        }
        other => Err(type_error(format!(
            "{} indices must be integers or slices, not {}",
            this.type_name(),
            other.type_name()
        ))),
    }
}

fn setitem(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let Value::Int(i) = b.value(1) else {
        return Err(type_error("indices must be integers"));
    };
    let k = index(&this, *i)?;
    let name = kids(&this)?[k].0.clone();
    let m = b.value(2).clone();
    check_module(&m)?;
    it.object_setattr(&this, &name, m)?;
    Ok(Value::None)
}

fn delitem(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let mut all = items(&this)?;
    match b.value(1) {
        Value::Int(i) => {
            all.remove(index(&this, *i)?);
        }
        Value::Slice(s) => {
            let s = s.clone();
            let mut idx = it.slice_indices(&s, all.len())?;
            idx.sort_unstable();
            for k in idx.into_iter().rev() {
                all.remove(k);
            }
        }
        other => {
            return Err(type_error(format!(
                "indices must be integers or slices, not {}",
                other.type_name()
            )))
        }
    }
    set_children(it, &this, all)?;
    Ok(Value::None)
}

fn len(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(kids(b.value(0))?.len() as i64))
}

fn iter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::iter(Iter::Seq {
        items: Rc::new(items(b.value(0))?),
        pos: 0,
    }))
}

fn dict_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    init_module(it, &this)?;
    if let Some(ms) = b.opt(1).cloned() {
        update(it, &this, &ms)?;
    }
    Ok(Value::None)
}

fn update(it: &mut Interp, this: &Value, src: &Value) -> PyResult<()> {
    for (k, m) in crate::library::python::containers::pairs(it, src)? {
        let Value::Str(name) = &k else {
            return Err(type_error(format!(
                "module name should be a string. Got {}",
                k.type_name()
            )));
        };
        check_module(&m)?;
        it.object_setattr(this, name, m)?;
    }
    Ok(())
}

fn key<'a>(b: &'a Bound) -> PyResult<&'a str> {
    b.str(1)
}

fn dict_getitem(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = key(&b)?;
    kids(b.value(0))?
        .into_iter()
        .find(|(n, _)| &**n == k)
        .map(|(_, m)| m)
        .ok_or_else(|| exc("KeyError", format!("'{k}'")))
}

fn dict_setitem(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = b.value(2).clone();
    check_module(&m)?;
    it.object_setattr(b.value(0), key(&b)?, m)?;
    Ok(Value::None)
}

fn dict_delitem(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = key(&b)?;
    let i = inst(b.value(0))?;
    if i.attrs.borrow_mut().remove(k).is_none() {
        return Err(exc("KeyError", format!("'{k}'")));
    }
    Ok(Value::None)
}

fn dict_pop(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = key(&b)?;
    let i = inst(b.value(0))?;
    let is_child = kids(b.value(0))?.iter().any(|(n, _)| &**n == k);
    match is_child.then(|| i.attrs.borrow_mut().remove(k)).flatten() {
        Some(m) => Ok(m),
        None => Err(exc("KeyError", format!("'{k}'"))),
    }
}

fn dict_iter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let keys: Vec<Value> = kids(b.value(0))?
        .into_iter()
        .map(|(k, _)| Value::Str(k))
        .collect();
    Ok(Value::iter(Iter::Seq {
        items: Rc::new(keys),
        pos: 0,
    }))
}

fn dict_contains(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = match b.value(1) {
        Value::Str(s) => s.clone(),
        _ => return Ok(Value::Bool(false)),
    };
    Ok(Value::Bool(kids(b.value(0))?.iter().any(|(n, _)| *n == k)))
}

fn dict_keys(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::list(
        kids(b.value(0))?
            .into_iter()
            .map(|(k, _)| Value::Str(k))
            .collect(),
    ))
}

fn dict_values(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::list(items(b.value(0))?))
}

fn dict_items(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::list(
        kids(b.value(0))?
            .into_iter()
            .map(|(k, m)| Value::tuple(vec![Value::Str(k), m]))
            .collect(),
    ))
}

fn dict_update(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    update(it, &this, b.value(1))?;
    Ok(Value::None)
}
