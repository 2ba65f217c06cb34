//! Python's builtin functions (`print len range enumerate zip map ...`) and
//! the constructors of the built-in types (`int float str list ...`), one
//! row each. Rows whose CPython errors are their own (`print`, `min`,
//! `range`) take their arguments raw.

use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, value_error, PyResult};
use crate::eval::interp::{hash_key, Interp};
use crate::eval::value::{Iter, Value};
use crate::syntax::ast::{BinOp, CmpOp};
use std::rc::Rc;

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    raw("print(*values, sep=' ', end='\\n', file=sys.stdout, flush=False)", "Prints the values, separated by sep and followed by end.\n\n>>> print(1, 'a', sep='-')\n1-a", print),
    row("len(obj, /)", "Returns the number of items in a container (a tensor's first dimension).\n\n>>> len([1, 2, 3])\n3", len),
    row("enumerate(iterable, start=0)", "Pairs (index, item).\n\n>>> list(enumerate('ab'))\n[(0, 'a'), (1, 'b')]", enumerate),
    raw("zip(*iterables, strict=False)", "Tuples of items taken in parallel, as long as the shortest.\n\n>>> list(zip([1, 2], 'ab'))\n[(1, 'a'), (2, 'b')]", zip),
    raw("map(function, iterable, /, *iterables)", "Applies function to every item.\n\n>>> list(map(abs, [-1, 2]))\n[1, 2]", map),
    row("filter(function, iterable, /)", "Items for which function(item) is true (None: truthy items).", filter),
    raw("min(*args, key=None, default=...)", "The smallest item of an iterable, or of the arguments.\n\n>>> min(3, 1, 2)\n1", min),
    raw("max(*args, key=None, default=...)", "The largest item of an iterable, or of the arguments.\n\n>>> max([3, 1, 2])\n3", max),
    row("sum(iterable, /, start=0)", "The sum of start and the items.\n\n>>> sum([1, 2, 3])\n6", sum),
    row("abs(x, /)", "The absolute value.\n\n>>> abs(-2.5)\n2.5", abs),
    row("round(number, ndigits=None)", "Rounds half to even; an int when ndigits is None.\n\n>>> round(2.5)\n2", round),
    raw("sorted(iterable, /, *, key=None, reverse=False)", "A new sorted list.\n\n>>> sorted([3, 1, 2])\n[1, 2, 3]", sorted),
    row("reversed(sequence, /)", "The items in reverse order.", reversed),
    row("any(iterable, /)", "True if any item is truthy.", any),
    row("all(iterable, /)", "True if every item is truthy.", all),
    row("isinstance(obj, class_or_tuple, /)", "Whether obj is an instance of the class (or of one of the tuple's classes).\n\n>>> isinstance(3, int)\nTrue", isinstance),
    row("issubclass(cls, class_or_tuple, /)", "Whether cls is a subclass of the class (or of one of the tuple's classes).", issubclass),
    row("iter(object, /)", "An iterator over the iterable.", iter),
    row("next(iterator, default=..., /)", "The next item; default (or StopIteration) when exhausted.", next),
    row("repr(obj, /)", "The printable representation.\n\n>>> repr('a')\n\"'a'\"", repr),
    row("hasattr(obj, name, /)", "Whether getattr(obj, name) succeeds.", hasattr),
    row("getattr(object, name, default=..., /)", "The attribute called name (default if it is missing and given).", getattr),
    row("setattr(obj, name, value, /)", "Sets the attribute called name.", setattr),
    row("delattr(obj, name, /)", "Deletes the attribute called name.", delattr),
    row("id(obj, /)", "The object's identity.", id),
    row("hash(obj, /)", "The object's hash.", hash),
    row("divmod(x, y, /)", "(x // y, x % y).", divmod),
    row("pow(base, exp, mod=None)", "base ** exp.", pow),
    row("format(value, format_spec='', /)", "Formats value with the format-spec mini-language.\n\n>>> format(3.14159, '.2f')\n'3.14'", format),
    row("chr(i, /)", "The character with code point i.", chr),
    row("ord(c, /)", "The code point of a one-character string.", ord),
    row("callable(obj, /)", "Whether obj can be called.", callable),
    row("super(type=None, obj=None)", "The parent classes' methods bound to obj (zero-argument form inside methods).", super_),
    row("globals()", "The global names as a dict.", globals),
    row("input(prompt='', /)", "Shows prompt and reads one line of input (without its newline); EOFError at the end of input.", input),
    row("vars(object=..., /)", "The object's attributes as a dict (an instance's, a class's or a module's); without an argument, the global names.", vars),
    row("bin(number, /)", "The binary representation of an integer.\n\n>>> bin(5)\n'0b101'", bin),
    row("hex(number, /)", "The hexadecimal representation of an integer.", hex),
];

/// The built-in types: their constructors.
#[rustfmt::skip]
pub const TYPES: &[(&str, Row)] = &[
    ("int", raw("int(x=0, /, base=10)", "An integer from a number or a string.\n\n>>> int('42')\n42", int)),
    ("float", row("float(x=0.0, /)", "A floating-point number from a number or a string.\n\n>>> float('1e-3')\n0.001", float)),
    ("str", row("str(object='')", "The string form of object.\n\n>>> str(1.5)\n'1.5'", str_)),
    ("bool", row("bool(x=False, /)", "The truth value of x.", bool_)),
    ("list", row("list(iterable=(), /)", "A new list.\n\n>>> list(range(3))\n[0, 1, 2]", list)),
    ("tuple", row("tuple(iterable=(), /)", "A new tuple.", tuple)),
    ("dict", raw("dict(mapping=(), /, **kwargs)", "A new dict.\n\n>>> dict(a=1)\n{'a': 1}", dict)),
    ("set", row("set(iterable=(), /)", "A new set.", set)),
    ("range", raw("range(start, stop=None, step=1, /)", "An arithmetic progression of ints: range(stop) or range(start, stop[, step]).\n\n>>> list(range(1, 7, 2))\n[1, 3, 5]", range)),
    ("object", row("object()", "The base of all classes.", object)),
    ("slice", raw("slice(start, stop=None, step=None, /)", "A slice object.", slice)),
    ("type", row("type(object, /)", "The object's class.\n\n>>> type(3).__name__\n'int'", type_of)),
];

fn print(it: &mut Interp, a: Args) -> PyResult<Value> {
    super::super::viz::flush_closed(it);
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
            ("file", Value::None) | ("flush", _) => {}
            ("file", v) => match v.downcast::<super::sys::Stream>() {
                Some(s) => to_err = s.is_stderr(),
                None => return Err(type_error("print(): file must be sys.stdout or sys.stderr")),
            },
            _ => {
                return Err(type_error(format!(
                    "print() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let mut text = String::new();
    for (i, v) in a.pos.iter().enumerate() {
        if i > 0 {
            text.push_str(&sep);
        }
        text.push_str(&it.to_str(v)?);
    }
    text.push_str(&end);
    if to_err {
        it.out.write_stderr(&text);
    } else {
        it.out.write_stdout(&text);
    }
    Ok(Value::None)
}

fn len(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(it.len(b.value(0))?))
}

fn enumerate(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let start = b.int(1)?;
    let inner = it.iter(b.value(0))?;
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
    let mut strict = false;
    for (k, v) in &a.kw {
        match &**k {
            "strict" => strict = it.truthy(v)?,
            _ => {
                return Err(type_error(format!(
                    "zip() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let iters: Vec<Value> = a.pos.iter().map(|v| it.iter(v)).collect::<PyResult<_>>()?;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            if iters.is_empty() {
                return Ok(None);
            }
            let mut row = Vec::with_capacity(iters.len());
            for (k, i) in iters.iter().enumerate() {
                match it.next(i)? {
                    Some(x) => row.push(x),
                    None => {
                        if strict
                            && (k > 0
                                || iters[1..].iter().any(|j| matches!(it.next(j), Ok(Some(_)))))
                        {
                            return Err(value_error(format!(
                                "zip() argument {} is shorter than argument 1",
                                k.max(1) + 1
                            )));
                        }
                        return Ok(None);
                    }
                }
            }
            Ok(Some(Value::tuple(row)))
        },
    ))))
}

fn map(it: &mut Interp, a: Args) -> PyResult<Value> {
    if !a.kw.is_empty() {
        return Err(type_error("map() takes no keyword arguments"));
    }
    if a.pos.len() < 2 {
        return Err(type_error("map() must have at least two arguments."));
    }
    let mut pos = a.pos.into_iter();
    let f = pos.next().unwrap_or_default();
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

fn filter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let inner = it.iter(b.value(1))?;
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

fn extreme(it: &mut Interp, a: Args, name: &str, op: CmpOp) -> PyResult<Value> {
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
    let items = match a.pos.len() {
        0 => {
            return Err(type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )))
        }
        1 => it.collect(&a.pos[0])?,
        _ => {
            if default.is_some() {
                return Err(type_error(format!(
                    "Cannot specify a default for {name}() with multiple positional arguments"
                )));
            }
            a.pos
        }
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
        None => default.ok_or_else(|| value_error(format!("{name}() iterable argument is empty"))),
    }
}

fn min(it: &mut Interp, a: Args) -> PyResult<Value> {
    extreme(it, a, "min", CmpOp::Lt)
}

fn max(it: &mut Interp, a: Args) -> PyResult<Value> {
    extreme(it, a, "max", CmpOp::Gt)
}

fn sum(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut acc = b.value(1).clone();
    if matches!(acc, Value::Str(_)) {
        return Err(type_error(
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    let add = BinOp::Add;
    let v = b.value(0).clone();
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

fn abs(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(0).clone();
    match &v {
        Value::Int(i) => Ok(Value::Int(
            i.checked_abs()
                .ok_or_else(|| exc("OverflowError", "integer overflow"))?,
        )),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        _ => match it.call_dunder(&v, "__abs__", Args::default())? {
            Some(r) => Ok(r),
            None => Err(type_error(format!(
                "bad operand type for abs(): '{}'",
                v.type_name()
            ))),
        },
    }
}

/// Rounds half to even, as Python's round does.
pub fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn round(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let nd = b.opt_int(1)?;
    match (b.value(0).clone(), nd) {
        (Value::Int(i), None) => Ok(Value::Int(i)),
        (Value::Int(i), Some(n)) => {
            if n >= 0 {
                return Ok(Value::Int(i));
            }
            // round(1234, -2) == 1200, half to even on the dropped digits.
            let p = 10i128.checked_pow((-n).min(38) as u32).unwrap_or(i128::MAX);
            let (q, r) = ((i as i128).div_euclid(p), (i as i128).rem_euclid(p));
            let q = if 2 * r > p || (2 * r == p && q % 2 != 0) {
                q + 1
            } else {
                q
            };
            Ok(Value::Int(
                (q * p).clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            ))
        }
        (Value::Bool(b), _) => Ok(Value::Int(b as i64)),
        (Value::Float(f), None) => float_to_int(round_half_even(f)),
        (Value::Float(f), Some(n)) => {
            // Decimal rounding through the shortest repr, as CPython's correctly-rounded algorithm does.
            let r: f64 = if n >= 0 {
                let s = format!("{:.*}", n.clamp(0, 320) as usize, f);
                s.parse().unwrap_or(f)
            } else {
                let p = 10f64.powi((-n).min(400) as i32);
                round_half_even(f / p) * p
            };
            Ok(Value::Float(r))
        }
        (v, _) => {
            let args = match nd {
                Some(n) => Args::new(vec![Value::Int(n)]),
                None => Args::default(),
            };
            match it.call_dunder(&v, "__round__", args)? {
                Some(r) => Ok(r),
                None => Err(type_error(format!(
                    "type {} doesn't define __round__ method",
                    v.type_name()
                ))),
            }
        }
    }
}

/// Python's stable sort of `items` by `key`, fallible comparisons included.
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
    // A merge sort by index (stable, as Python's) with fallible comparisons:
    // `less(a, b)` is keys[a] < keys[b] (or > when reversed, which keeps
    // equal items in their order, as Python's reverse=True does).
    let op = if reverse { CmpOp::Gt } else { CmpOp::Lt };
    let mut err = None;
    let mut less = |a: usize, b: usize| -> bool {
        if err.is_some() {
            return false;
        }
        match it.compare(op, &keys[a], &keys[b]) {
            Ok(Value::Bool(v)) => v,
            Ok(v) => match it.truthy(&v) {
                Ok(t) => t,
                Err(e) => {
                    err = Some(e);
                    false
                }
            },
            Err(e) => {
                err = Some(e);
                false
            }
        }
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut buf = idx.clone();
    let n = idx.len();
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j, mut k) = (lo, mid, lo);
            while i < mid && j < hi {
                // Take from the right only when strictly less: stability.
                if less(idx[j], idx[i]) {
                    buf[k] = idx[j];
                    j += 1;
                } else {
                    buf[k] = idx[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&idx[i..mid]);
            k += mid - i;
            buf[k..k + (hi - j)].copy_from_slice(&idx[j..hi]);
            lo = hi;
        }
        std::mem::swap(&mut idx, &mut buf);
        width *= 2;
    }
    if let Some(e) = err {
        return Err(e);
    }
    *items = idx.iter().map(|&i| items[i].clone()).collect();
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

fn reversed(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(0);
    if let Some(r) = it.call_dunder(v, "__reversed__", Args::default())? {
        return Ok(r);
    }
    let mut items = it.collect(v)?;
    items.reverse();
    Ok(Value::iter(Iter::Seq {
        items: Rc::new(items),
        pos: 0,
    }))
}

fn any(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inner = it.iter(b.value(0))?;
    while let Some(x) = it.next(&inner)? {
        if it.truthy(&x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn all(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let inner = it.iter(b.value(0))?;
    while let Some(x) = it.next(&inner)? {
        if !it.truthy(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// Whether class `c` is (a subclass of) the class or one of the tuple's.
fn subclass_of(c: &crate::eval::value::Class, of: &Value, what: &str) -> PyResult<bool> {
    match of {
        Value::Class(k) => {
            Ok(c.is_subclass(k) || (&*k.name == "object" && &*k.module == "builtins"))
        }
        Value::Tuple(t) => {
            for x in &t.items {
                if subclass_of(c, x, what)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(type_error(format!(
            "{what}() arg 2 must be a type, a tuple of types, or a union"
        ))),
    }
}

/// Whether `v` is an instance of class value `c`.
pub fn is_instance(it: &Interp, v: &Value, c: &Value) -> PyResult<bool> {
    subclass_of(&it.class_of(v), c, "isinstance")
}

fn isinstance(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(is_instance(it, b.value(0), b.value(1))?))
}

fn issubclass(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let Value::Class(c) = b.value(0) else {
        return Err(type_error("issubclass() arg 1 must be a class"));
    };
    Ok(Value::Bool(subclass_of(c, b.value(1), "issubclass")?))
}

fn type_of(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Class(it.class_of(b.value(0))))
}

fn iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    it.iter(b.value(0))
}

fn next(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(0);
    if matches!(
        v,
        Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Dict(_) | Value::Range(_)
    ) {
        return Err(type_error(format!(
            "'{}' object is not an iterator",
            v.type_name()
        )));
    }
    match it.next(v)? {
        Some(x) => Ok(x),
        None if b.given(1) => Ok(b.value(1).clone()),
        None => Err(exc("StopIteration", "")),
    }
}

fn repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::str(&it.repr(b.value(0))?))
}

fn attr_name<'a>(b: &'a Bound, f: &str) -> PyResult<&'a str> {
    match b.value(1) {
        Value::Str(s) => Ok(s),
        other => Err(type_error(format!(
            "{f}(): attribute name must be string, not '{}'",
            other.type_name()
        ))),
    }
}

fn hasattr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = attr_name(&b, "hasattr")?;
    match it.get_attr(b.value(0), name) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.is("AttributeError") => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn getattr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = attr_name(&b, "getattr")?;
    match it.get_attr(b.value(0), name) {
        Err(e) if e.is("AttributeError") && b.given(2) => Ok(b.value(2).clone()),
        r => r,
    }
}

fn setattr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = attr_name(&b, "setattr")?.to_string();
    it.set_attr(b.value(0), &name, b.value(2).clone())?;
    Ok(Value::None)
}

fn delattr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = attr_name(&b, "delattr")?.to_string();
    it.del_attr(b.value(0), &name)?;
    Ok(Value::None)
}

fn id(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(b.value(0).identity() as i64))
}

fn hash(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = hash_key(b.value(0))?;
    use std::hash::{Hash, Hasher};
    if let Key::Int(i) = k {
        return Ok(Value::Int(i));
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    k.hash(&mut h);
    Ok(Value::Int(h.finish() as i64 >> 1))
}

fn divmod(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (x, y) = (b.value(0).clone(), b.value(1).clone());
    let q = it.binary_op(BinOp::FloorDiv, x.clone(), y.clone())?;
    let r = it.binary_op(BinOp::Mod, x, y)?;
    Ok(Value::tuple(vec![q, r]))
}

fn pow(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (x, y) = (b.value(0).clone(), b.value(1).clone());
    match b.opt(2) {
        None => it.binary_op(BinOp::Pow, x, y),
        Some(m) => {
            let (Value::Int(mut base), Value::Int(mut e), Value::Int(m)) = (x, y, m.clone()) else {
                return Err(type_error(
                    "pow() 3rd argument not allowed unless all arguments are integers",
                ));
            };
            if m == 0 {
                return Err(value_error("pow() 3rd argument cannot be 0"));
            }
            if e < 0 {
                return Err(value_error("base is not invertible for the given modulus"));
            }
            let m128 = m as i128;
            let mut acc: i128 = 1;
            base = base.rem_euclid(m);
            let mut bb = base as i128;
            while e > 0 {
                if e & 1 == 1 {
                    acc = (acc * bb).rem_euclid(m128);
                }
                bb = (bb * bb).rem_euclid(m128);
                e >>= 1;
            }
            // Python's result has the modulus's sign.
            let r = if m < 0 && acc > 0 { acc + m128 } else { acc };
            Ok(Value::Int(r as i64))
        }
    }
}

fn format(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let spec = match b.value(1) {
        Value::Str(s) => s.to_string(),
        other => {
            return Err(type_error(format!(
                "format() argument 2 must be str, not {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::str(&it.format_value(b.value(0), &spec)?))
}

fn chr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let i = match b.value(0) {
        Value::Int(i) => *i,
        Value::Bool(x) => *x as i64,
        other => {
            return Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            )))
        }
    };
    let c = u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| value_error("chr() arg not in range(0x110000)"))?;
    Ok(Value::str(&c.to_string()))
}

fn ord(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let Value::Str(s) = b.value(0) else {
        return Err(type_error(format!(
            "ord() expected string of length 1, but {} found",
            b.value(0).type_name()
        )));
    };
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) => Ok(Value::Int(c as i64)),
        _ => Err(type_error(format!(
            "ord() expected a character, but string of length {} found",
            s.chars().count()
        ))),
    }
}

fn callable(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(is_callable(it, b.value(0))))
}

/// `callable(v)`.
pub fn is_callable(it: &mut Interp, v: &Value) -> bool {
    match v {
        Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) | Value::Class(_) => true,
        Value::Instance(_) | Value::Object(_) => it.class_of(v).has("__call__"),
        _ => false,
    }
}

fn super_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    match (b.value(0), b.value(1)) {
        (Value::Class(c), obj) if !matches!(obj, Value::None) => {
            Ok(Value::Super(Rc::new((c.clone(), obj.clone()))))
        }
        _ => Err(exc("RuntimeError", "super(): no arguments")),
    }
}

fn globals(it: &mut Interp, _: Bound) -> PyResult<Value> {
    let mut d = Dict::new();
    for (n, v) in it.names.iter().zip(&it.globals) {
        if !matches!(v, Value::Unbound) {
            d.insert(Key::Str(n.clone()), Value::Str(n.clone()), v.clone());
        }
    }
    Ok(Value::dict(d))
}

fn input(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let prompt = match b.opt(0) {
        Some(p) => it.to_str(p)?,
        None => String::new(),
    };
    match it.out.read_line(&prompt) {
        Ok(Some(line)) => Ok(Value::str(&line)),
        Ok(None) => Err(exc("EOFError", "EOF when reading a line")),
        Err(e) => Err(exc(e.exc, e.message)),
    }
}

fn vars(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let Some(v) = b.opt(0) else {
        return globals(it, b);
    };
    let items: Vec<(Rc<str>, Value)> = match v {
        Value::Instance(i) => i.attrs.borrow().iter().cloned().collect(),
        Value::Class(c) => c.attrs.borrow().iter().cloned().collect(),
        Value::Module(m) => m.attrs.borrow().iter().cloned().collect(),
        other => {
            return Err(type_error(format!(
                "vars() argument must have __dict__ attribute (a '{}' has none)",
                other.type_name()
            )))
        }
    };
    let mut d = Dict::new();
    for (k, x) in items {
        d.insert(Key::Str(k.clone()), Value::Str(k), x);
    }
    Ok(Value::dict(d))
}

fn int_arg(b: &Bound) -> PyResult<i64> {
    match b.value(0) {
        Value::Int(i) => Ok(*i),
        Value::Bool(x) => Ok(*x as i64),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

fn radix(i: i64, prefix: &str, digits: String) -> Value {
    let sign = if i < 0 { "-" } else { "" };
    Value::str(&format!("{sign}{prefix}{digits}"))
}

fn bin(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let i = int_arg(&b)?;
    Ok(radix(i, "0b", format!("{:b}", i.unsigned_abs())))
}

fn hex(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let i = int_arg(&b)?;
    Ok(radix(i, "0x", format!("{:x}", i.unsigned_abs())))
}

// ---- the built-in types as constructors ----

fn not_scalar(n: usize) -> Box<crate::eval::error::PyErr> {
    exc(
        "RuntimeError",
        format!("a Tensor with {n} elements cannot be converted to Scalar"),
    )
}

fn int(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut x = None;
    let mut base = None;
    let mut pos = a.pos.into_iter();
    if let Some(v) = pos.next() {
        x = Some(v);
    }
    if let Some(v) = pos.next() {
        base = Some(v);
    }
    if pos.next().is_some() {
        return Err(type_error("int() takes at most 2 arguments"));
    }
    for (k, v) in a.kw {
        match &*k {
            "base" if base.is_none() => base = Some(v),
            _ => {
                return Err(type_error(format!(
                    "'{k}' is an invalid keyword argument for int()"
                )))
            }
        }
    }
    let base = match base {
        None => None,
        Some(Value::Int(b)) => Some(b),
        Some(other) => {
            return Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            )))
        }
    };
    match (x.unwrap_or(Value::Int(0)), base) {
        (Value::Str(s), b) => {
            let b = b.unwrap_or(10);
            if b != 0 && !(2..=36).contains(&b) {
                return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
            }
            let t = s.trim().replace('_', "");
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
            };
            let lower = digits.to_ascii_lowercase();
            let (b, digits) = match (b, lower.get(..2)) {
                (0 | 16, Some("0x")) => (16, &digits[2..]),
                (0 | 8, Some("0o")) => (8, &digits[2..]),
                (0 | 2, Some("0b")) => (2, &digits[2..]),
                (0, _) => (10, &digits[..]),
                (b, _) => (b, &digits[..]),
            };
            let bad = || {
                value_error(format!(
                    "invalid literal for int() with base {b}: {}",
                    crate::eval::format::str_repr(&s)
                ))
            };
            if digits.is_empty() {
                return Err(bad());
            }
            let mag = u64::from_str_radix(digits, b as u32).map_err(|e| {
                if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) {
                    exc("OverflowError", "int too large (ints are 64-bit here)")
                } else {
                    bad()
                }
            })?;
            let v = if neg {
                0i64.checked_sub_unsigned(mag)
            } else {
                i64::try_from(mag).ok()
            };
            v.map(Value::Int)
                .ok_or_else(|| exc("OverflowError", "int too large (ints are 64-bit here)"))
        }
        (_, Some(_)) => Err(type_error(
            "int() can't convert non-string with explicit base",
        )),
        (Value::Int(i), None) => Ok(Value::Int(i)),
        (Value::Bool(b), None) => Ok(Value::Int(b as i64)),
        (Value::Float(f), None) => float_to_int(f),
        (v @ Value::Object(_), None) => {
            if let Value::Object(o) = &v {
                match o.number()? {
                    Some(Value::Float(f)) => return float_to_int(f.trunc()),
                    Some(n @ (Value::Int(_) | Value::Bool(_))) => {
                        return int(it, Args::new(vec![n]));
                    }
                    _ => {}
                }
                if let Some(n) = o.len(it)? {
                    if n != 1 {
                        return Err(not_scalar(n));
                    }
                }
            }
            dunder_number(it, &v, "__int__", "int")
        }
        (v, None) => dunder_number(it, &v, "__int__", "int"),
    }
}

/// `int(f)`: truncated, with CPython's errors for NaN and infinities (and
/// for values past the 64-bit ints of the language).
pub fn float_to_int(f: f64) -> PyResult<Value> {
    if f.is_nan() {
        return Err(exc("ValueError", "cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(exc(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let t = f.trunc();
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&t) {
        return Err(exc("OverflowError", "int too large (ints are 64-bit here)"));
    }
    Ok(Value::Int(t as i64))
}

fn dunder_number(it: &mut Interp, v: &Value, dunder: &str, what: &str) -> PyResult<Value> {
    match it.call_dunder(v, dunder, Args::default())? {
        Some(r) => Ok(r),
        None => Err(type_error(if what == "int" {
            format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                v.type_name()
            )
        } else {
            format!(
                "float() argument must be a string or a real number, not '{}'",
                v.type_name()
            )
        })),
    }
}

/// Python's `float(str)`.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim().replace('_', "").to_lowercase();
    match t.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        _ => t.parse().ok(),
    }
}

fn float(it: &mut Interp, b: Bound) -> PyResult<Value> {
    match b.value(0).clone() {
        Value::Str(s) => parse_float(&s).map(Value::Float).ok_or_else(|| {
            value_error(format!(
                "could not convert string to float: {}",
                crate::eval::format::str_repr(&s)
            ))
        }),
        Value::Int(i) => Ok(Value::Float(i as f64)),
        Value::Bool(b) => Ok(Value::Float(b as i64 as f64)),
        Value::Float(f) => Ok(Value::Float(f)),
        v @ Value::Object(_) => {
            if let Value::Object(o) = &v {
                match o.number()? {
                    Some(Value::Float(f)) => return Ok(Value::Float(f)),
                    Some(Value::Int(i)) => return Ok(Value::Float(i as f64)),
                    Some(Value::Bool(x)) => return Ok(Value::Float(x as i64 as f64)),
                    _ => {}
                }
                if let Some(n) = o.len(it)? {
                    if n != 1 {
                        return Err(not_scalar(n));
                    }
                }
            }
            dunder_number(it, &v, "__float__", "float")
        }
        v => dunder_number(it, &v, "__float__", "float"),
    }
}

fn str_(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if !b.given(0) {
        return Ok(Value::str(""));
    }
    Ok(Value::str(&it.to_str(b.value(0))?))
}

fn bool_(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(it.truthy(b.value(0))?))
}

fn list(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if !b.given(0) {
        return Ok(Value::list(vec![]));
    }
    Ok(Value::list(it.collect(b.value(0))?))
}

fn tuple(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if !b.given(0) {
        return Ok(Value::tuple(vec![]));
    }
    Ok(Value::tuple(it.collect(b.value(0))?))
}

fn dict(it: &mut Interp, a: Args) -> PyResult<Value> {
    if a.pos.len() > 1 {
        return Err(type_error(format!(
            "dict expected at most 1 argument, got {}",
            a.pos.len()
        )));
    }
    let mut d = Dict::new();
    if let Some(src) = a.pos.first() {
        for (k, v) in super::containers::pairs(it, src)? {
            d.insert(hash_key(&k)?, k, v);
        }
    }
    for (k, v) in a.kw {
        d.insert(Key::Str(k.clone()), Value::Str(k), v);
    }
    Ok(Value::dict(d))
}

fn set(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = if b.given(0) {
        it.collect(b.value(0))?
    } else {
        vec![]
    };
    it.make_set(items)
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
            Value::Object(o) => o.index()?.ok_or_else(|| {
                type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    v.type_name()
                ))
            }),
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

fn object(it: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::instance(crate::eval::value::Instance::new(
        it.types.object.clone(),
    )))
}

fn slice(_: &mut Interp, a: Args) -> PyResult<Value> {
    if !a.kw.is_empty() {
        return Err(type_error("slice() takes no keyword arguments"));
    }
    let p = a.pos;
    let s = match p.len() {
        1 => [Value::None, p[0].clone(), Value::None],
        2 => [p[0].clone(), p[1].clone(), Value::None],
        3 => [p[0].clone(), p[1].clone(), p[2].clone()],
        0 => return Err(type_error("slice expected at least 1 argument, got 0")),
        n => {
            return Err(type_error(format!(
                "slice expected at most 3 arguments, got {n}"
            )))
        }
    };
    Ok(Value::Slice(Rc::new(s)))
}
