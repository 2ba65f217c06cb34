//! `collections`: `defaultdict`, `OrderedDict` and `Counter`, each a dict
//! (every dict method works on it) whose [`DictKind`] names its class:
//! `__missing__` gives a defaultdict's factory value and a Counter's zero,
//! `__repr__` prints as CPython 3.11 does, and the classes add their own
//! methods (`most_common`, `move_to_end`, ...).

use crate::bind::{raw, row, Bound, Def, Row, Style};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, DictKind};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::interp::hash_key;
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, set_class};
use crate::syntax::ast::BinOp;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static DEFAULTDICT: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static ORDERED_DICT: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static COUNTER: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

#[rustfmt::skip]
const DEFAULTDICT_METHODS: &[Row] = &[
    row("__missing__(self, key)", "default_factory() stored under key (a KeyError without a factory).", dd_missing),
    row("__repr__(self)", "defaultdict(factory, {...}).", dd_repr),
];

#[rustfmt::skip]
const ORDERED_DICT_METHODS: &[Row] = &[
    row("__repr__(self)", "OrderedDict([(key, value), ...]).", od_repr),
    row("move_to_end(self, key, last=True)", "Moves key to the end (or the front when last is false).", od_move_to_end),
    row("popitem(self, last=True)", "Removes and returns the last (or first) (key, value) pair.", od_popitem),
];

#[rustfmt::skip]
const COUNTER_METHODS: &[Row] = &[
    row("__missing__(self, key)", "0 for a key never counted.", counter_missing),
    row("__repr__(self)", "Counter({key: count, ...}), most common first.", counter_repr),
    row("most_common(self, n=None)", "The n most common (item, count) pairs, most common first (ties in first-seen order).", most_common),
    raw("update(self, iterable=None, /, **kwds)", "Adds the counts of an iterable's items (or of a mapping's values).", counter_update),
    raw("subtract(self, iterable=None, /, **kwds)", "Subtracts the counts of an iterable's items (or of a mapping's values).", counter_subtract),
    row("total(self)", "The sum of the counts.", counter_total),
    row("elements(self)", "Each item repeated as many times as its count.", counter_elements),
];

#[rustfmt::skip]
const TYPES: &[(&str, Row, &[Row])] = &[
    ("defaultdict", raw("defaultdict(default_factory=None, /, *args, **kwargs)", "A dict that calls default_factory() for a missing key and stores the result.\n\n>>> d = defaultdict(int)\n>>> d['a'] += 1\n>>> d\ndefaultdict(<class 'int'>, {'a': 1})", new_defaultdict), DEFAULTDICT_METHODS),
    ("OrderedDict", raw("OrderedDict(iterable=(), /, **kwargs)", "A dict that remembers insertion order (as every dict does), with move_to_end and popitem(last=).", new_ordered_dict), ORDERED_DICT_METHODS),
    ("Counter", raw("Counter(iterable=None, /, **kwds)", "A dict of counts.\n\n>>> Counter('hello').most_common(1)\n[('l', 2)]", new_counter), COUNTER_METHODS),
];

pub fn install(it: &mut Interp) {
    let m = super::super::module(
        it,
        "collections",
        "Container types: defaultdict, OrderedDict, Counter.",
    );
    let dict = it.types.dict.clone();
    for (name, ctor, methods) in TYPES {
        let class = crate::library::class(name, "collections", &[&dict], ctor.doc);
        crate::bind::into_class(&class, methods, Style::Python);
        *class.new.borrow_mut() = Some(Def::from_row("collections", ctor, Style::Python).value());
        let slot = match *name {
            "defaultdict" => &DEFAULTDICT,
            "OrderedDict" => &ORDERED_DICT,
            _ => &COUNTER,
        };
        set_class(slot, &class);
        m.set(name, Value::Class(class));
    }
}

/// A dict of kind `class` from `dict(*args, **kwargs)`.
fn of_kind(it: &mut Interp, class: Rc<Class>, factory: Value, args: Args) -> PyResult<Value> {
    let dict = Value::Class(it.types.dict.clone());
    let d = it.call(&dict, args)?;
    if let Value::Dict(cell) = &d {
        cell.borrow_mut().kind = Some(Rc::new(DictKind {
            class,
            factory: RefCell::new(factory),
        }));
    }
    Ok(d)
}

/// `d` as an `OrderedDict` (what `state_dict()` returns).
pub fn ordered(d: Value) -> Value {
    if let Value::Dict(cell) = &d {
        cell.borrow_mut().kind = Some(Rc::new(DictKind {
            class: class_in(&ORDERED_DICT, "OrderedDict"),
            factory: RefCell::new(Value::None),
        }));
    }
    d
}

fn dict_of(v: &Value) -> PyResult<&Rc<RefCell<Dict>>> {
    match v {
        Value::Dict(d) => Ok(d),
        other => Err(type_error(format!(
            "descriptor requires a dict subclass, not '{}'",
            other.type_name()
        ))),
    }
}

fn items(v: &Value) -> PyResult<Vec<(Value, Value)>> {
    Ok(dict_of(v)?
        .borrow()
        .iter()
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect())
}

// ---- defaultdict --------------------------------------------------------

fn new_defaultdict(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    let factory = if a.pos.is_empty() {
        Value::None
    } else {
        a.pos.remove(0)
    };
    if !matches!(factory, Value::None)
        && !crate::library::python::builtins::is_callable(it, &factory)
    {
        return Err(type_error("first argument must be callable or None"));
    }
    of_kind(it, class_in(&DEFAULTDICT, "defaultdict"), factory, a)
}

fn dd_missing(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = dict_of(b.value(0))?;
    let factory = d.borrow().kind.as_ref().map(|k| k.factory.borrow().clone());
    let key = b.value(1).clone();
    match factory {
        Some(f) if !matches!(f, Value::None) => {
            let v = it.call(&f, Args::default())?;
            it.set_item(b.value(0), key, v.clone())?;
            Ok(v)
        }
        _ => Err(crate::eval::error::PyErr::new(
            crate::eval::error::make_exception(
                crate::eval::error::exc_class("KeyError"),
                vec![key],
            ),
        )),
    }
}

fn dd_repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = dict_of(b.value(0))?.clone();
    let factory = d
        .borrow()
        .kind
        .as_ref()
        .map(|k| k.factory.borrow().clone())
        .unwrap_or_default();
    let f = it.repr(&factory)?;
    let body = it.dict_repr(&d)?;
    Ok(Value::str(&format!("defaultdict({f}, {body})")))
}

// ---- OrderedDict --------------------------------------------------------

fn new_ordered_dict(it: &mut Interp, a: Args) -> PyResult<Value> {
    of_kind(it, class_in(&ORDERED_DICT, "OrderedDict"), Value::None, a)
}

/// A dict's address, for the guard against printing it inside itself.
fn address(v: &Value) -> usize {
    v.identity()
}

fn od_repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = items(b.value(0))?;
    let name = it.class_of(b.value(0)).name.clone();
    if items.is_empty() {
        return Ok(Value::str(&format!("{name}()")));
    }
    let s = it.repr_once(address(b.value(0)), "...", |it| {
        let mut parts = Vec::with_capacity(items.len());
        for (k, v) in items {
            parts.push(format!("({}, {})", it.repr(&k)?, it.repr(&v)?));
        }
        Ok(format!("{name}([{}])", parts.join(", ")))
    })?;
    Ok(Value::str(&s))
}

fn od_move_to_end(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = dict_of(b.value(0))?.clone();
    let key = b.value(1).clone();
    let last = b.bool(2)?;
    let hk = hash_key(&key)?;
    let mut items: Vec<(Value, Value)> = items(b.value(0))?;
    let Some(i) = items
        .iter()
        .position(|(k, _)| hash_key(k).is_ok_and(|x| x == hk))
    else {
        return Err(crate::eval::error::PyErr::new(
            crate::eval::error::make_exception(
                crate::eval::error::exc_class("KeyError"),
                vec![key],
            ),
        ));
    };
    let pair = items.remove(i);
    if last {
        items.push(pair);
    } else {
        items.insert(0, pair);
    }
    rebuild(it, &d, items)
}

/// Replaces the entries of `d` by `items`, in order, keeping its kind.
fn rebuild(_: &mut Interp, d: &Rc<RefCell<Dict>>, items: Vec<(Value, Value)>) -> PyResult<Value> {
    let mut fresh = Dict::new();
    for (k, v) in items {
        fresh.insert(hash_key(&k)?, k, v);
    }
    let mut b = d.borrow_mut();
    fresh.kind = b.kind.take();
    *b = fresh;
    Ok(Value::None)
}

fn od_popitem(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = dict_of(b.value(0))?.clone();
    let last = b.bool(1)?;
    let mut items = items(b.value(0))?;
    if items.is_empty() {
        return Err(exc("KeyError", "dictionary is empty"));
    }
    let (k, v) = if last {
        items.pop().expect("not empty")
    } else {
        items.remove(0)
    };
    rebuild(it, &d, items)?;
    Ok(Value::tuple(vec![k, v]))
}

// ---- Counter ------------------------------------------------------------

fn new_counter(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    let src = if a.pos.is_empty() {
        None
    } else {
        Some(a.pos.remove(0))
    };
    if !a.pos.is_empty() {
        return Err(type_error(format!(
            "expected at most 1 argument, got {}",
            a.pos.len() + 1
        )));
    }
    let c = of_kind(
        it,
        class_in(&COUNTER, "Counter"),
        Value::None,
        Args::default(),
    )?;
    add_counts(it, &c, src.as_ref(), &a.kw, 1)?;
    Ok(c)
}

/// Adds `sign` times the counts of `src` (an iterable's items, or a
/// mapping's values) and of the keywords to counter `c`.
fn add_counts(
    it: &mut Interp,
    c: &Value,
    src: Option<&Value>,
    kw: &[(Rc<str>, Value)],
    sign: i64,
) -> PyResult<()> {
    let mut pairs: Vec<(Value, Value)> = Vec::new();
    match src {
        None | Some(Value::None) => {}
        Some(Value::Dict(d)) => {
            pairs.extend(d.borrow().iter().map(|(k, v)| (k.clone(), v.clone())))
        }
        Some(v) => {
            for x in it.collect(v)? {
                pairs.push((x, Value::Int(1)));
            }
        }
    }
    pairs.extend(kw.iter().map(|(k, v)| (Value::Str(k.clone()), v.clone())));
    let d = dict_of(c)?.clone();
    for (k, n) in pairs {
        let hk = hash_key(&k)?;
        let prev = d.borrow().get(&hk).cloned().unwrap_or(Value::Int(0));
        let op = if sign < 0 { BinOp::Sub } else { BinOp::Add };
        let n = it.binary_op(op, prev, n)?;
        d.borrow_mut().insert(hk, k, n);
    }
    Ok(())
}

fn counter_missing(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Int(0))
}

/// The (item, count) pairs, largest count first, ties in insertion order.
fn sorted_counts(it: &mut Interp, v: &Value) -> PyResult<Vec<(Value, Value)>> {
    let mut items = items(v)?;
    let mut err = None;
    // A stable sort on the counts, descending.
    let mut keyed: Vec<(f64, (Value, Value))> = Vec::with_capacity(items.len());
    for (k, n) in items.drain(..) {
        let x = match &n {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            Value::Bool(b) => *b as i64 as f64,
            other => {
                err = Some(type_error(format!(
                    "'<' not supported between instances of '{}' and 'int'",
                    other.type_name()
                )));
                0.0
            }
        };
        keyed.push((x, (k, n)));
    }
    if let Some(e) = err {
        return Err(e);
    }
    let _ = it;
    keyed.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    Ok(keyed.into_iter().map(|(_, p)| p).collect())
}

fn counter_repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = it.class_of(b.value(0)).name.clone();
    let items = sorted_counts(it, b.value(0))?;
    if items.is_empty() {
        return Ok(Value::str(&format!("{name}()")));
    }
    let s = it.repr_once(address(b.value(0)), "...", |it| {
        let mut parts = Vec::with_capacity(items.len());
        for (k, v) in items {
            parts.push(format!("{}: {}", it.repr(&k)?, it.repr(&v)?));
        }
        Ok(format!("{name}({{{}}})", parts.join(", ")))
    })?;
    Ok(Value::str(&s))
}

fn most_common(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut items = sorted_counts(it, b.value(0))?;
    if let Some(n) = b.opt(1) {
        let n = match n {
            Value::Int(n) => (*n).max(0) as usize,
            other => {
                return Err(type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )))
            }
        };
        items.truncate(n);
    }
    Ok(Value::list(
        items
            .into_iter()
            .map(|(k, v)| Value::tuple(vec![k, v]))
            .collect(),
    ))
}

fn counter_update(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    if a.pos.is_empty() {
        return Err(type_error("update() needs self"));
    }
    let this = a.pos.remove(0);
    add_counts(it, &this, a.pos.first(), &a.kw, 1)?;
    Ok(Value::None)
}

fn counter_subtract(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    if a.pos.is_empty() {
        return Err(type_error("subtract() needs self"));
    }
    let this = a.pos.remove(0);
    add_counts(it, &this, a.pos.first(), &a.kw, -1)?;
    Ok(Value::None)
}

fn counter_total(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut total = Value::Int(0);
    for (_, n) in items(b.value(0))? {
        total = it.binary_op(BinOp::Add, total, n)?;
    }
    Ok(total)
}

fn counter_elements(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut out = Vec::new();
    for (k, n) in items(b.value(0))? {
        if let Value::Int(n) = n {
            for _ in 0..n.max(0) {
                out.push(k.clone());
            }
        }
    }
    Ok(Value::iter(crate::eval::value::Iter::Seq {
        items: Rc::new(out),
        pos: 0,
    }))
}
