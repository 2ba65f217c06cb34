//! Python's builtin functions and types: `print len range enumerate zip map
//! filter min max sum abs round int float str bool list tuple dict set
//! sorted reversed any all isinstance type iter next repr hasattr getattr
//! setattr help ...`, and the exception classes.

use super::args::{self, bind};
use super::{func, native_class};
use crate::eval::call::Args;
use crate::eval::dict::Dict;
use crate::eval::error::{exc, exc_class, exception_classes, type_error, value_error, PyResult};
use crate::eval::interp::{hash_key, Interp};
use crate::eval::value::{ClassKind, Iter, Native, TupleKind, Value};
use std::cell::RefCell;
use std::rc::Rc;

pub fn install(it: &mut Interp) {
    let fns: &[(&'static str, &'static str, crate::eval::value::NativeFn)] = &[
        ("print", "print(*values, sep=' ', end='\\n', file=sys.stdout)\n\nPrints the values, separated by sep and followed by end.\n\n>>> print(1, 'a', sep='-')\n1-a", print),
        ("len", "len(obj, /)\n\nReturns the number of items in a container (a tensor's first dimension).\n\n>>> len([1, 2, 3])\n3", len),
        ("enumerate", "enumerate(iterable, start=0)\n\nPairs (index, item).\n\n>>> list(enumerate('ab'))\n[(0, 'a'), (1, 'b')]", enumerate),
        ("zip", "zip(*iterables)\n\nTuples of items taken in parallel, as long as the shortest.\n\n>>> list(zip([1, 2], 'ab'))\n[(1, 'a'), (2, 'b')]", zip),
        ("map", "map(function, *iterables)\n\nApplies function to every item.\n\n>>> list(map(abs, [-1, 2]))\n[1, 2]", map),
        ("filter", "filter(function, iterable)\n\nItems for which function(item) is true (None: truthy items).", filter),
        ("min", "min(iterable, *, key=None, default=...) or min(a, b, ...)\n\nThe smallest item.\n\n>>> min(3, 1, 2)\n1", min),
        ("max", "max(iterable, *, key=None, default=...) or max(a, b, ...)\n\nThe largest item.\n\n>>> max([3, 1, 2])\n3", max),
        ("sum", "sum(iterable, /, start=0)\n\nThe sum of start and the items.\n\n>>> sum([1, 2, 3])\n6", sum),
        ("abs", "abs(x, /)\n\nThe absolute value.\n\n>>> abs(-2.5)\n2.5", abs),
        ("round", "round(number, ndigits=None)\n\nRounds half to even; an int when ndigits is None.\n\n>>> round(2.5)\n2", round),
        ("sorted", "sorted(iterable, /, *, key=None, reverse=False)\n\nA new sorted list.\n\n>>> sorted([3, 1, 2])\n[1, 2, 3]", sorted),
        ("reversed", "reversed(sequence, /)\n\nThe items in reverse order.", reversed),
        ("any", "any(iterable, /)\n\nTrue if any item is truthy.", any),
        ("all", "all(iterable, /)\n\nTrue if every item is truthy.", all),
        ("isinstance", "isinstance(obj, class_or_tuple, /)\n\nWhether obj is an instance of the class (or of one of the tuple's classes).\n\n>>> isinstance(3, int)\nTrue", isinstance),
        ("type", "type(object)\n\nThe object's class.\n\n>>> type(3).__name__\n'int'", type_of),
        ("iter", "iter(iterable)\n\nAn iterator over the iterable.", iter),
        ("next", "next(iterator[, default])\n\nThe next item; default (or StopIteration) when exhausted.", next),
        ("repr", "repr(obj, /)\n\nThe printable representation.\n\n>>> repr('a')\n\"'a'\"", repr),
        ("hasattr", "hasattr(obj, name, /)\n\nWhether getattr(obj, name) succeeds.", hasattr),
        ("getattr", "getattr(obj, name[, default])\n\nThe attribute called name.", getattr),
        ("setattr", "setattr(obj, name, value, /)\n\nSets the attribute called name.", setattr),
        ("help", "help(obj)\n\nPrints the documentation of obj.", help),
        ("id", "id(obj, /)\n\nThe object's identity.", id),
        ("hash", "hash(obj, /)\n\nThe object's hash.", hash),
        ("divmod", "divmod(x, y, /)\n\n(x // y, x % y).", divmod),
        ("pow", "pow(base, exp, /)\n\nbase ** exp.", pow),
        ("format", "format(value, format_spec='', /)\n\nFormats value with the format-spec mini-language.\n\n>>> format(3.14159, '.2f')\n'3.14'", format),
        ("chr", "chr(i, /)\n\nThe character with code point i.", chr),
        ("ord", "ord(c, /)\n\nThe code point of a one-character string.", ord),
        ("callable", "callable(obj, /)\n\nWhether obj can be called.", callable),
        ("super", "super(type, obj)\n\nThe parent classes' methods bound to obj (zero-argument form inside methods).", super_),
        ("globals", "globals()\n\nThe global names as a dict.", globals_fn),
        ("exit", "exit(code=0)\n\nLeaves the program (sys.exit).", super::math::sys_exit),
        ("quit", "quit(code=0)\n\nLeaves the program (sys.exit).", super::math::sys_exit),
    ];
    for (name, doc, f) in fns {
        it.builtins.insert(Rc::from(*name), func(name, doc, *f));
    }
    let types: &[(&str, &'static str, crate::eval::value::NativeFn)] = &[
        ("int", "int(x=0, base=10)\n\nAn integer from a number or a string.\n\n>>> int('42')\n42", int),
        ("float", "float(x=0.0)\n\nA floating-point number from a number or a string.\n\n>>> float('1e-3')\n0.001", float),
        ("str", "str(object='')\n\nThe string form of object.\n\n>>> str(1.5)\n'1.5'", str_),
        ("bool", "bool(x=False)\n\nThe truth value of x.", bool_),
        ("list", "list(iterable=())\n\nA new list.\n\n>>> list(range(3))\n[0, 1, 2]", list),
        ("tuple", "tuple(iterable=())\n\nA new tuple.", tuple),
        ("dict", "dict(mapping_or_iterable=(), **kwargs)\n\nA new dict.\n\n>>> dict(a=1)\n{'a': 1}", dict),
        ("set", "set(iterable=())\n\nA new set.", set),
        ("range", "range(stop) or range(start, stop[, step])\n\nAn arithmetic progression of ints.\n\n>>> list(range(1, 7, 2))\n[1, 3, 5]", range),
        ("object", "object()\n\nThe base of all classes.", object),
        ("slice", "slice(start, stop[, step])\n\nA slice object.", slice),
    ];
    for (name, doc, f) in types {
        let c = native_class(name, "builtins", ClassKind::Object, doc, Some(*f));
        it.builtins.insert(Rc::from(*name), Value::Class(c));
    }
    for (name, c) in exception_classes() {
        it.builtins.insert(Rc::from(name), Value::Class(c));
    }
    it.builtins
        .insert(Rc::from("__name__"), Value::str("__main__"));
}

fn print(it: &mut Interp, a: Args) -> PyResult<Value> {
    super::viz::flush_closed(it);
    let mut sep = " ".to_string();
    let mut end = "\n".to_string();
    let mut to_err = false;
    for (k, v) in &a.kw {
        match (&**k, v) {
            ("sep", Value::Str(s)) => sep = s.to_string(),
            ("end", Value::Str(s)) => end = s.to_string(),
            ("sep" | "end", Value::None) => {}
            ("sep" | "end", other) => {
                return Err(type_error(format!(
                    "{k} must be None or a string, not {}",
                    other.type_name()
                )))
            }
            ("file", Value::Native(n)) => to_err = matches!(**n, Native::Stream(true)),
            ("file", Value::None) => {}
            ("flush", _) => {}
            ("file", _) => {
                return Err(type_error("print(): file must be sys.stdout or sys.stderr"))
            }
            _ => {
                return Err(type_error(format!(
                    "print() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let mut parts = Vec::with_capacity(a.pos.len());
    for v in &a.pos {
        parts.push(it.to_str(v)?);
    }
    let text = parts.join(&sep) + &end;
    if to_err {
        it.out.write_stderr(&text);
    } else {
        it.out.write_stdout(&text);
    }
    Ok(Value::None)
}

pub fn length(it: &mut Interp, v: &Value) -> PyResult<i64> {
    Ok(match v {
        Value::Str(s) => s.chars().count() as i64,
        Value::List(l) => l.borrow().len() as i64,
        Value::Tuple(t) => t.items.len() as i64,
        Value::Dict(d) | Value::Set(d) => d.borrow().len() as i64,
        Value::Range(r) => crate::eval::value::range_len(r.0, r.1, r.2),
        Value::Tensor(t) => {
            if t.dim() == 0 {
                return Err(type_error("len() of a 0-d tensor"));
            }
            t.shape()[0] as i64
        }
        Value::Instance(i) if i.class.lookup("__len__").is_some() => {
            let r = it.call_method(v, "__len__", Args::default())?;
            args::int("len", "obj", &r)?
        }
        Value::Instance(_) => {
            if let Some(n) = super::nn::native_len(it, v)? {
                return Ok(n);
            }
            return Err(type_error(format!(
                "object of type '{}' has no len()",
                v.type_name()
            )));
        }
        _ => {
            return Err(type_error(format!(
                "object of type '{}' has no len()",
                v.type_name()
            )))
        }
    })
}

fn len(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("len", a, ["obj"], 1)?;
    Ok(Value::Int(length(it, &v.expect("required"))?))
}

fn range(_: &mut Interp, a: Args) -> PyResult<Value> {
    if !a.kw.is_empty() {
        return Err(type_error("range() takes no keyword arguments"));
    }
    let n: Vec<i64> = a
        .pos
        .iter()
        .map(|v| match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            Value::Tensor(t) if t.numel() == 1 && !t.dtype().is_float() => {
                Ok(t.item().map_err(crate::eval::error::from_engine)? as i64)
            }
            other => Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            ))),
        })
        .collect::<PyResult<_>>()?;
    let (s, e, st) = match n.as_slice() {
        [e] => (0, *e, 1),
        [s, e] => (*s, *e, 1),
        [s, e, st] => (*s, *e, *st),
        [] => return Err(type_error("range expected at least 1 argument, got 0")),
        _ => {
            return Err(type_error(format!(
                "range expected at most 3 arguments, got {}",
                n.len()
            )))
        }
    };
    if st == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Range(Rc::new((s, e, st))))
}

fn enumerate(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, start] = bind("enumerate", a, ["iterable", "start"], 1)?;
    let start = args::opt_int("enumerate", "start", &start)?.unwrap_or(0);
    let inner = it.iter(&v.expect("required"))?;
    let mut k = start;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            Ok(it.next(&inner)?.map(|x| {
                k += 1;
                Value::tuple(vec![Value::Int(k - 1), x])
            }))
        },
    ))))
}

fn zip(it: &mut Interp, a: Args) -> PyResult<Value> {
    let iters: Vec<Value> = a.pos.iter().map(|v| it.iter(v)).collect::<PyResult<_>>()?;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            if iters.is_empty() {
                return Ok(None);
            }
            let mut row = Vec::with_capacity(iters.len());
            for i in &iters {
                match it.next(i)? {
                    Some(x) => row.push(x),
                    None => return Ok(None),
                }
            }
            Ok(Some(Value::tuple(row)))
        },
    ))))
}

fn map(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut pos = a.pos.into_iter();
    let f = pos
        .next()
        .ok_or_else(|| type_error("map() must have at least two arguments."))?;
    let iters: Vec<Value> = pos.map(|v| it.iter(&v)).collect::<PyResult<_>>()?;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            let mut row = Vec::with_capacity(iters.len());
            for i in &iters {
                match it.next(i)? {
                    Some(x) => row.push(x),
                    None => return Ok(None),
                }
            }
            it.call(&f, Args::new(row)).map(Some)
        },
    ))))
}

fn filter(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [f, v] = bind("filter", a, ["function", "iterable"], 2)?;
    let (f, v) = (f.expect("required"), v.expect("required"));
    let inner = it.iter(&v)?;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            while let Some(x) = it.next(&inner)? {
                let keep = if matches!(f, Value::None) {
                    it.truthy(&x)?
                } else {
                    let r = it.call(&f, Args::new(vec![x.clone()]))?;
                    it.truthy(&r)?
                };
                if keep {
                    return Ok(Some(x));
                }
            }
            Ok(None)
        },
    ))))
}

fn extreme(it: &mut Interp, a: Args, name: &str, want: std::cmp::Ordering) -> PyResult<Value> {
    let mut key = None;
    let mut default = None;
    for (k, v) in a.kw {
        match &*k {
            "key" => key = Some(v),
            "default" => default = Some(v),
            _ => {
                return Err(type_error(format!(
                    "{name}() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    if a.pos.len() == 1 {
        if let Value::Tensor(t) = &a.pos[0] {
            // Python's max over a tensor iterates rows; a 1-D tensor gives 0-d tensors.
            let _ = t;
        }
    }
    let items = match a.pos.len() {
        0 => {
            return Err(type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )))
        }
        1 => it.collect(&a.pos[0])?,
        _ => a.pos,
    };
    let mut best: Option<(Value, Value)> = None;
    for x in items {
        let k = match &key {
            Some(f) if !matches!(f, Value::None) => it.call(f, Args::new(vec![x.clone()]))?,
            _ => x.clone(),
        };
        let better = match &best {
            None => true,
            Some((bk, _)) => {
                let op = if want == std::cmp::Ordering::Less {
                    crate::syntax::ast::CmpOp::Lt
                } else {
                    crate::syntax::ast::CmpOp::Gt
                };
                let c = it.compare(op, &k, bk)?;
                it.truthy(&c)?
            }
        };
        if better {
            best = Some((k, x));
        }
    }
    match best {
        Some((_, x)) => Ok(x),
        None => default.ok_or_else(|| value_error(format!("{name}() arg is an empty sequence"))),
    }
}

fn min(it: &mut Interp, a: Args) -> PyResult<Value> {
    extreme(it, a, "min", std::cmp::Ordering::Less)
}

fn max(it: &mut Interp, a: Args) -> PyResult<Value> {
    extreme(it, a, "max", std::cmp::Ordering::Greater)
}

fn sum(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, start] = bind("sum", a, ["iterable", "start"], 1)?;
    let mut acc = start.unwrap_or(Value::Int(0));
    let add = crate::syntax::ast::BinOp::Add;
    let v = v.expect("required");
    if let Value::List(l) = &v {
        // By index, as Python's list iterator (the list may change meanwhile).
        let mut i = 0;
        loop {
            // Numbers are added under one borrow: no user code runs there.
            {
                let items = l.borrow();
                while let Some(x) = items.get(i) {
                    match crate::eval::ops::num_fast(add, &acc, x) {
                        Some(v) => acc = v,
                        None => break,
                    }
                    i += 1;
                }
            }
            let Some(x) = l.borrow().get(i).cloned() else {
                return Ok(acc);
            };
            i += 1;
            acc = it.binary_op(add, acc, x)?;
        }
    }
    let inner = it.iter(&v)?;
    while let Some(x) = it.next(&inner)? {
        acc = match crate::eval::ops::num_fast(add, &acc, &x) {
            Some(v) => v,
            None => it.binary_op(add, acc, x)?,
        };
    }
    Ok(acc)
}

fn abs(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("abs", a, ["x"], 1)?;
    match v.expect("required") {
        Value::Int(i) => Ok(Value::Int(
            i.checked_abs()
                .ok_or_else(|| exc("OverflowError", "integer overflow"))?,
        )),
        Value::Bool(b) => Ok(Value::Int(b as i64)),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        Value::Tensor(t) => Ok(Value::Tensor(
            t.abs().map_err(crate::eval::error::from_engine)?,
        )),
        other @ Value::Instance(_) => it.call_method(&other, "__abs__", Args::default()),
        other => Err(type_error(format!(
            "bad operand type for abs(): '{}'",
            other.type_name()
        ))),
    }
}

/// Rounds half to even, as Python's round does.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn round(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, nd] = bind("round", a, ["number", "ndigits"], 1)?;
    let nd = args::opt_int("round", "ndigits", &nd)?;
    match (v.expect("required"), nd) {
        (Value::Int(i), _) => Ok(Value::Int(i)),
        (Value::Bool(b), _) => Ok(Value::Int(b as i64)),
        (Value::Float(f), None) => {
            if !f.is_finite() {
                return Err(exc(
                    if f.is_nan() {
                        "ValueError"
                    } else {
                        "OverflowError"
                    },
                    "cannot convert float NaN or infinity to integer",
                ));
            }
            Ok(Value::Int(round_half_even(f) as i64))
        }
        (Value::Float(f), Some(n)) => {
            // Decimal rounding through the shortest repr, as CPython's correctly-rounded algorithm does.
            let s = format!("{:.*}", n.clamp(0, 300) as usize, f);
            let r: f64 = if n >= 0 {
                s.parse().unwrap_or(f)
            } else {
                let p = 10f64.powi((-n) as i32);
                round_half_even(f / p) * p
            };
            Ok(Value::Float(r))
        }
        (Value::Tensor(t), _) => Ok(Value::Tensor(
            t.round().map_err(crate::eval::error::from_engine)?,
        )),
        (other, _) => Err(type_error(format!(
            "type {} doesn't define __round__ method",
            other.type_name()
        ))),
    }
}

pub fn sort_values(
    it: &mut Interp,
    items: &mut Vec<Value>,
    key: Option<&Value>,
    reverse: bool,
) -> PyResult<()> {
    let keys: Vec<Value> = match key {
        Some(f) if !matches!(f, Value::None) => items
            .iter()
            .map(|x| it.call(f, Args::new(vec![x.clone()])))
            .collect::<PyResult<_>>()?,
        _ => items.clone(),
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    // Merge sort by index with fallible comparisons (stable, as Python's).
    let mut err = None;
    let mut cmp = |a: usize, b: usize| -> bool {
        if err.is_some() {
            return false;
        }
        match it.compare(crate::syntax::ast::CmpOp::Lt, &keys[b], &keys[a]) {
            Ok(v) => v.truthy_simple().unwrap_or(false),
            Err(e) => {
                err = Some(e);
                false
            }
        }
    };
    // Insertion into a sorted vector via binary search keeps stability.
    let mut sorted: Vec<usize> = Vec::with_capacity(idx.len());
    for i in idx.drain(..) {
        let (mut lo, mut hi) = (0, sorted.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            // place i after every element not greater than it
            if cmp(sorted[mid], i) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        sorted.insert(lo, i);
    }
    if let Some(e) = err {
        return Err(e);
    }
    let mut out: Vec<Value> = sorted.iter().map(|&i| items[i].clone()).collect();
    if reverse {
        // Python's reverse sort is stable too: reverse, stable-sort, reverse.
        out = {
            let mut groups: Vec<Vec<Value>> = Vec::new();
            let mut gkeys: Vec<Value> = Vec::new();
            for &i in &sorted {
                let k = keys[i].clone();
                let same = match gkeys.last() {
                    Some(last) => it.eq(last, &k)?,
                    None => false,
                };
                if same {
                    groups.last_mut().expect("a group").push(items[i].clone());
                } else {
                    groups.push(vec![items[i].clone()]);
                    gkeys.push(k);
                }
            }
            groups.into_iter().rev().flatten().collect()
        };
    }
    *items = out;
    Ok(())
}

fn sorted(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut pos = a.pos;
    if pos.len() != 1 {
        return Err(type_error(format!(
            "sorted expected 1 argument, got {}",
            pos.len()
        )));
    }
    let mut key = None;
    let mut reverse = false;
    for (k, v) in a.kw {
        match &*k {
            "key" => key = Some(v),
            "reverse" => reverse = it.truthy(&v)?,
            _ => {
                return Err(type_error(format!(
                    "sort() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let mut items = it.collect(&pos.remove(0))?;
    sort_values(it, &mut items, key.as_ref(), reverse)?;
    Ok(Value::list(items))
}

fn reversed(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("reversed", a, ["sequence"], 1)?;
    let mut items = it.collect(&v.expect("required"))?;
    items.reverse();
    Ok(Value::iter(Iter::Seq {
        items: Rc::new(items),
        pos: 0,
    }))
}

fn any(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("any", a, ["iterable"], 1)?;
    let inner = it.iter(&v.expect("required"))?;
    while let Some(x) = it.next(&inner)? {
        if it.truthy(&x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn all(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("all", a, ["iterable"], 1)?;
    let inner = it.iter(&v.expect("required"))?;
    while let Some(x) = it.next(&inner)? {
        if !it.truthy(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// Whether `v` is an instance of class value `c`.
pub fn is_instance(v: &Value, c: &Value) -> PyResult<bool> {
    let Value::Class(c) = c else {
        if let Value::Tuple(t) = c {
            for x in &t.items {
                if is_instance(v, x)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        return Err(type_error(
            "isinstance() arg 2 must be a type, a tuple of types, or a union",
        ));
    };
    if let Value::Instance(i) = v {
        return Ok(i.class.is_subclass(c) || &*c.name == "object");
    }
    if c.module == "builtins" || c.module == "torch" || c.module == "torch.nn" {
        return Ok(match (&*c.name, v) {
            ("object", _) => true,
            ("int", Value::Int(_) | Value::Bool(_)) => true,
            ("float", Value::Float(_)) => true,
            ("bool", Value::Bool(_)) => true,
            ("str", Value::Str(_)) => true,
            ("list", Value::List(_)) => true,
            ("tuple", Value::Tuple(_)) => true,
            ("dict", Value::Dict(_)) => true,
            ("set", Value::Set(_)) => true,
            ("range", Value::Range(_)) => true,
            ("Size", Value::Tuple(t)) => t.kind == TupleKind::Size,
            ("Tensor", Value::Tensor(_)) => true,
            ("Parameter", Value::Tensor(t)) => t.is_parameter(),
            ("dtype", Value::DType(_)) => true,
            ("device", Value::Device(_)) => true,
            _ => false,
        });
    }
    Ok(false)
}

fn isinstance(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, c] = bind("isinstance", a, ["obj", "class_or_tuple"], 2)?;
    Ok(Value::Bool(is_instance(
        &v.expect("required"),
        &c.expect("required"),
    )?))
}

fn type_of(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("type", a, ["object"], 1)?;
    let v = v.expect("required");
    if let Value::Instance(i) = &v {
        return Ok(Value::Class(i.class.clone()));
    }
    let name = v.type_name();
    let module = match &v {
        Value::Tensor(_) | Value::DType(_) | Value::Device(_) => "torch",
        Value::Tuple(t) if t.kind == TupleKind::Size => "torch",
        _ => "builtins",
    };
    if let Some(Value::Class(c)) = it.builtins.get(name.as_str()) {
        return Ok(Value::Class(c.clone()));
    }
    if module == "torch" {
        if let Ok(Value::Module(m)) = it.import("torch") {
            if let Some(c @ Value::Class(_)) = m.get(&name) {
                return Ok(c);
            }
        }
    }
    Ok(Value::Class(native_class(
        &name,
        module,
        ClassKind::Object,
        "",
        None,
    )))
}

fn iter(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("iter", a, ["object"], 1)?;
    it.iter(&v.expect("required"))
}

fn next(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, default] = bind("next", a, ["iterator", "default"], 1)?;
    let v = v.expect("required");
    if !matches!(v, Value::Iter(_) | Value::Instance(_)) {
        return Err(type_error(format!(
            "'{}' object is not an iterator",
            v.type_name()
        )));
    }
    match it.next(&v)? {
        Some(x) => Ok(x),
        None => default.ok_or_else(|| exc("StopIteration", "")),
    }
}

fn repr(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("repr", a, ["obj"], 1)?;
    Ok(Value::str(&it.repr(&v.expect("required"))?))
}

fn hasattr(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, n] = bind("hasattr", a, ["obj", "name"], 2)?;
    let n = n.expect("required");
    let name = args::string("hasattr", "name", &n)?;
    match it.get_attr(&v.expect("required"), name) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.is("AttributeError") => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn getattr(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, n, default] = bind("getattr", a, ["obj", "name", "default"], 2)?;
    let n = n.expect("required");
    let name = args::string("getattr", "name", &n)?;
    match it.get_attr(&v.expect("required"), name) {
        Err(e) if e.is("AttributeError") && default.is_some() => Ok(default.expect("checked")),
        r => r,
    }
}

fn setattr(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, n, x] = bind("setattr", a, ["obj", "name", "value"], 3)?;
    let n = n.expect("required");
    let name = args::string("setattr", "name", &n)?;
    it.set_attr(&v.expect("required"), name, x.expect("required"))?;
    Ok(Value::None)
}

fn help(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("help", a, ["obj"], 0)?;
    let text = match v {
        None => "Type help(name) for the documentation of a function, class or module.".to_string(),
        Some(v) => super::introspect::doc_of(it, &v),
    };
    it.out.write_stdout(&format!("{text}\n"));
    Ok(Value::None)
}

fn id(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("id", a, ["obj"], 1)?;
    Ok(Value::Int(v.expect("required").identity() as i64))
}

fn hash(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("hash", a, ["obj"], 1)?;
    let v = v.expect("required");
    let k = hash_key(&v)?;
    use std::hash::{Hash, Hasher};
    if let crate::eval::dict::Key::Int(i) = k {
        return Ok(Value::Int(i));
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    k.hash(&mut h);
    Ok(Value::Int(h.finish() as i64 >> 1))
}

fn divmod(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [x, y] = bind("divmod", a, ["x", "y"], 2)?;
    let (x, y) = (x.expect("required"), y.expect("required"));
    let q = it.binary_op(crate::syntax::ast::BinOp::FloorDiv, x.clone(), y.clone())?;
    let r = it.binary_op(crate::syntax::ast::BinOp::Mod, x, y)?;
    Ok(Value::tuple(vec![q, r]))
}

fn pow(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [x, y] = bind("pow", a, ["base", "exp"], 2)?;
    it.binary_op(
        crate::syntax::ast::BinOp::Pow,
        x.expect("required"),
        y.expect("required"),
    )
}

fn format(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, spec] = bind("format", a, ["value", "format_spec"], 1)?;
    let spec = match &spec {
        Some(s) => args::string("format", "format_spec", s)?.to_string(),
        None => String::new(),
    };
    Ok(Value::str(&it.format_value(&v.expect("required"), &spec)?))
}

fn chr(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("chr", a, ["i"], 1)?;
    let i = args::int("chr", "i", &v.expect("required"))?;
    let c = u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| value_error("chr() arg not in range(0x110000)"))?;
    Ok(Value::str(&c.to_string()))
}

fn ord(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("ord", a, ["c"], 1)?;
    let v = v.expect("required");
    let s = args::string("ord", "c", &v)?;
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) => Ok(Value::Int(c as i64)),
        _ => Err(type_error(format!(
            "ord() expected a character, but string of length {} found",
            s.chars().count()
        ))),
    }
}

fn callable(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("callable", a, ["obj"], 1)?;
    Ok(Value::Bool(match v.expect("required") {
        Value::Function(_)
        | Value::Builtin(_)
        | Value::BoundMethod(_)
        | Value::BoundNative(_)
        | Value::Class(_) => true,
        Value::Instance(i) => {
            i.class.lookup("__call__").is_some() || i.class.kind == ClassKind::NnModule
        }
        _ => false,
    }))
}

fn super_(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [c, obj] = bind("super", a, ["type", "obj"], 0)?;
    match (c, obj) {
        (Some(Value::Class(c)), Some(obj)) => Ok(Value::Super(Rc::new((c, obj)))),
        _ => Err(exc("RuntimeError", "super(): no arguments")),
    }
}

fn globals_fn(it: &mut Interp, a: Args) -> PyResult<Value> {
    args::none("globals", a)?;
    let mut d = Dict::new();
    for (n, v) in it.names.iter().zip(&it.globals) {
        if !matches!(v, Value::Unbound) {
            d.insert(
                crate::eval::dict::Key::Str(n.clone()),
                Value::Str(n.clone()),
                v.clone(),
            );
        }
    }
    Ok(Value::Dict(Rc::new(RefCell::new(d))))
}

// ---- the built-in types as constructors ----

fn int(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v, base] = bind("int", a, ["x", "base"], 0)?;
    let base = args::opt_int("int", "base", &base)?;
    match (v.unwrap_or(Value::Int(0)), base) {
        (Value::Str(s), b) => {
            let b = b.unwrap_or(10);
            let t = s.trim().replace('_', "");
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
            };
            let digits = if b == 16 {
                digits.trim_start_matches("0x").to_string()
            } else {
                digits
            };
            i64::from_str_radix(&digits, b as u32)
                .map(|i| Value::Int(if neg { -i } else { i }))
                .map_err(|_| {
                    value_error(format!(
                        "invalid literal for int() with base {b}: {}",
                        crate::eval::format::str_repr(&s)
                    ))
                })
        }
        (Value::Int(i), None) => Ok(Value::Int(i)),
        (Value::Bool(b), None) => Ok(Value::Int(b as i64)),
        (Value::Float(f), None) => {
            if !f.is_finite() {
                return Err(exc(
                    if f.is_nan() {
                        "ValueError"
                    } else {
                        "OverflowError"
                    },
                    format!(
                        "cannot convert float {} to integer",
                        crate::eval::format::float_repr(f)
                    ),
                ));
            }
            Ok(Value::Int(f.trunc() as i64))
        }
        (Value::Tensor(t), None) => {
            if t.numel() != 1 {
                return Err(exc(
                    "RuntimeError",
                    "a Tensor with more than one element cannot be converted to Scalar",
                ));
            }
            Ok(Value::Int(
                t.item().map_err(crate::eval::error::from_engine)?.trunc() as i64,
            ))
        }
        (v @ Value::Instance(_), None) => it.call_method(&v, "__int__", Args::default()),
        (other, _) => Err(type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim().replace('_', "").to_lowercase();
    match t.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        _ => t.parse().ok(),
    }
}

fn float(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("float", a, ["x"], 0)?;
    match v.unwrap_or(Value::Float(0.0)) {
        Value::Str(s) => parse_float(&s).map(Value::Float).ok_or_else(|| {
            value_error(format!(
                "could not convert string to float: {}",
                crate::eval::format::str_repr(&s)
            ))
        }),
        Value::Int(i) => Ok(Value::Float(i as f64)),
        Value::Bool(b) => Ok(Value::Float(b as i64 as f64)),
        Value::Float(f) => Ok(Value::Float(f)),
        Value::Tensor(t) => {
            if t.numel() != 1 {
                return Err(exc(
                    "RuntimeError",
                    "a Tensor with more than one element cannot be converted to Scalar",
                ));
            }
            Ok(Value::Float(
                t.item().map_err(crate::eval::error::from_engine)?,
            ))
        }
        v @ Value::Instance(_) => it.call_method(&v, "__float__", Args::default()),
        other => Err(type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

fn str_(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("str", a, ["object"], 0)?;
    match v {
        None => Ok(Value::str("")),
        Some(v) => Ok(Value::str(&it.to_str(&v)?)),
    }
}

fn bool_(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("bool", a, ["x"], 0)?;
    match v {
        None => Ok(Value::Bool(false)),
        Some(v) => Ok(Value::Bool(it.truthy(&v)?)),
    }
}

fn list(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("list", a, ["iterable"], 0)?;
    match v {
        None => Ok(Value::list(vec![])),
        Some(v) => Ok(Value::list(it.collect(&v)?)),
    }
}

fn tuple(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("tuple", a, ["iterable"], 0)?;
    match v {
        None => Ok(Value::tuple(vec![])),
        Some(v) => Ok(Value::tuple(it.collect(&v)?)),
    }
}

fn dict(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut d = Dict::new();
    if let Some(src) = a.pos.first() {
        match src {
            Value::Dict(s) => d = s.borrow().clone(),
            other => {
                for pair in it.collect(other)? {
                    let kv = it.collect(&pair)?;
                    if kv.len() != 2 {
                        return Err(value_error(format!(
                            "dictionary update sequence element has length {}; 2 is required",
                            kv.len()
                        )));
                    }
                    d.insert(hash_key(&kv[0])?, kv[0].clone(), kv[1].clone());
                }
            }
        }
    }
    for (k, v) in a.kw {
        d.insert(crate::eval::dict::Key::Str(k.clone()), Value::Str(k), v);
    }
    Ok(Value::Dict(Rc::new(RefCell::new(d))))
}

fn set(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("set", a, ["iterable"], 0)?;
    let items = match v {
        None => vec![],
        Some(v) => it.collect(&v)?,
    };
    it.make_set(items)
}

fn object(_: &mut Interp, a: Args) -> PyResult<Value> {
    args::none("object", a)?;
    let c = native_class("object", "builtins", ClassKind::Object, "", None);
    Ok(Value::Instance(Rc::new(crate::eval::value::Instance {
        class: c,
        attrs: RefCell::new(vec![]),
    })))
}

fn slice(_: &mut Interp, a: Args) -> PyResult<Value> {
    let p = a.pos;
    let s = match p.len() {
        1 => [Value::None, p[0].clone(), Value::None],
        2 => [p[0].clone(), p[1].clone(), Value::None],
        3 => [p[0].clone(), p[1].clone(), p[2].clone()],
        n => {
            return Err(type_error(format!(
                "slice expected at most 3 arguments, got {n}"
            )))
        }
    };
    Ok(Value::Slice(Rc::new(s)))
}

/// The class of exceptions named `name` as a value (for `except` tests).
pub fn exception(name: &str) -> Value {
    Value::Class(exc_class(name))
}
