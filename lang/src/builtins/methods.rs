//! Methods and attributes of the built-in types: str, list, dict, tuple,
//! set, int, float, and the dispatch to tensor methods. `native_attr`
//! answers `obj.name` reads, `call_native` answers `obj.name(...)`.

use super::args::{self, bind};
use crate::eval::call::Args;
use crate::eval::error::{
    exc, exc_class, make_exception, type_error, value_error, PyErr, PyResult,
};
use crate::eval::interp::{hash_key, Interp};
use crate::eval::value::{Native, Value};
use std::rc::Rc;

pub const STR_METHODS: &[&str] = &[
    "join",
    "split",
    "rsplit",
    "strip",
    "lstrip",
    "rstrip",
    "replace",
    "format",
    "startswith",
    "endswith",
    "lower",
    "upper",
    "find",
    "rfind",
    "index",
    "count",
    "isdigit",
    "isalpha",
    "isspace",
    "isupper",
    "islower",
    "isalnum",
    "title",
    "capitalize",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "splitlines",
    "partition",
    "encode",
];
pub const LIST_METHODS: &[&str] = &[
    "append", "extend", "pop", "insert", "index", "count", "remove", "reverse", "sort", "clear",
    "copy",
];
pub const DICT_METHODS: &[&str] = &[
    "keys",
    "values",
    "items",
    "get",
    "update",
    "pop",
    "setdefault",
    "clear",
    "copy",
    "popitem",
];
pub const SET_METHODS: &[&str] = &[
    "add",
    "remove",
    "discard",
    "pop",
    "clear",
    "copy",
    "update",
    "union",
    "intersection",
    "difference",
    "issubset",
];
pub const TUPLE_METHODS: &[&str] = &["index", "count"];

/// The method names a value answers to (completion, hasattr).
pub fn method_names(v: &Value) -> Vec<&'static str> {
    match v {
        Value::Str(_) => STR_METHODS.to_vec(),
        Value::List(_) => LIST_METHODS.to_vec(),
        Value::Dict(_) => DICT_METHODS.to_vec(),
        Value::Set(_) => SET_METHODS.to_vec(),
        Value::Tuple(t) if t.kind == crate::eval::value::TupleKind::Size => {
            vec!["index", "count", "numel"]
        }
        Value::Tuple(_) => TUPLE_METHODS.to_vec(),
        Value::Float(_) => vec!["is_integer", "real", "imag"],
        Value::Int(_) => vec!["bit_length", "real", "imag"],
        Value::Tensor(_) => super::tensor_methods::names(),
        Value::DType(_) => vec!["is_floating_point", "itemsize"],
        Value::Device(_) => vec!["type", "index"],
        Value::Native(n) => match &**n {
            Native::Stream(_) => vec!["write", "flush"],
            Native::Node(_) => vec!["name", "next_functions"],
            Native::GradMode { .. } | Native::TensorFn(_) => vec![],
        },
        _ => vec![],
    }
}

pub fn native_attr(it: &mut Interp, v: &Value, name: &str) -> PyResult<Option<Value>> {
    match v {
        Value::Tensor(t) => {
            if let Some(x) = super::tensor_methods::attr(it, t, name)? {
                return Ok(Some(x));
            }
        }
        Value::Float(f) if name == "real" => return Ok(Some(Value::Float(*f))),
        Value::Int(i) if name == "real" => return Ok(Some(Value::Int(*i))),
        Value::DType(d) => match name {
            "is_floating_point" => return Ok(Some(Value::Bool(d.is_float()))),
            "itemsize" => return Ok(Some(Value::Int(d.size_in_bytes() as i64))),
            _ => {}
        },
        Value::Device(d) => match name {
            "type" => return Ok(Some(Value::str(d.kind()))),
            "index" => {
                return Ok(Some(match d {
                    tinytorch::Device::Cuda(n) => Value::Int(*n as i64),
                    _ => Value::None,
                }))
            }
            _ => {}
        },
        Value::Native(n) => {
            if let Native::Node(node) = &**n {
                if name == "next_functions" {
                    return Ok(Some(super::tensor_methods::next_functions(node)));
                }
            }
        }
        Value::Range(r) => match name {
            "start" => return Ok(Some(Value::Int(r.0))),
            "stop" => return Ok(Some(Value::Int(r.1))),
            "step" => return Ok(Some(Value::Int(r.2))),
            _ => {}
        },
        _ => {}
    }
    if method_names(v).contains(&name) {
        return Ok(Some(Value::BoundNative(Rc::new((
            v.clone(),
            Rc::from(name),
        )))));
    }
    Ok(None)
}

fn no_method(v: &Value, name: &str) -> Box<PyErr> {
    exc(
        "AttributeError",
        format!("'{}' object has no attribute '{name}'", v.type_name()),
    )
}

fn key_error(k: Value) -> Box<PyErr> {
    PyErr::new(make_exception(exc_class("KeyError"), vec![k]))
}

pub fn call_native(it: &mut Interp, v: &Value, name: &str, a: Args) -> PyResult<Value> {
    match v {
        Value::Str(s) => str_method(it, s, name, a),
        Value::List(_) => list_method(it, v, name, a),
        Value::Dict(_) => dict_method(it, v, name, a),
        Value::Set(_) => set_method(it, v, name, a),
        Value::Tuple(t) => match name {
            "index" | "count" => seq_index_count(it, &t.items, name, a, "tuple"),
            "numel" => Ok(Value::Int(
                t.items
                    .iter()
                    .map(|x| if let Value::Int(i) = x { *i } else { 1 })
                    .product(),
            )),
            _ => Err(no_method(v, name)),
        },
        Value::Float(f) => match name {
            "is_integer" => Ok(Value::Bool(f.fract() == 0.0)),
            _ => Err(no_method(v, name)),
        },
        Value::Int(i) => match name {
            "bit_length" => Ok(Value::Int(64 - i.unsigned_abs().leading_zeros() as i64)),
            _ => Err(no_method(v, name)),
        },
        Value::Tensor(t) => super::tensor_methods::call(it, t, name, a),
        Value::Native(n) => match (&**n, name) {
            (Native::Stream(err), "write") => {
                let [s] = bind("write", a, ["s"], 1)?;
                let s = it.to_str(&s.expect("required"))?;
                if *err {
                    it.out.write_stderr(&s);
                } else {
                    it.out.write_stdout(&s);
                }
                Ok(Value::Int(s.chars().count() as i64))
            }
            (Native::Stream(_), "flush") => Ok(Value::None),
            (Native::Node(node), "name") => Ok(Value::str(node.name())),
            _ => Err(no_method(v, name)),
        },
        _ => {
            let f = it.get_attr(v, name)?;
            it.call(&f, a)
        }
    }
}

fn seq_index_count(
    it: &mut Interp,
    items: &[Value],
    name: &str,
    a: Args,
    tn: &str,
) -> PyResult<Value> {
    let [x] = bind(name, a, ["value"], 1)?;
    let x = x.expect("required");
    if name == "count" {
        let mut n = 0;
        for y in items {
            if it.eq(y, &x)? {
                n += 1;
            }
        }
        return Ok(Value::Int(n));
    }
    for (i, y) in items.iter().enumerate() {
        if it.eq(y, &x)? {
            return Ok(Value::Int(i as i64));
        }
    }
    let r = it.repr(&x)?;
    Err(value_error(if tn == "list" {
        format!("{r} is not in list")
    } else {
        "tuple.index(x): x not in tuple".to_string()
    }))
}

fn str_method(it: &mut Interp, s: &Rc<str>, name: &str, a: Args) -> PyResult<Value> {
    let text: &str = s;
    let st = |x: &str| Value::str(x);
    Ok(match name {
        "join" => {
            let [xs] = bind("join", a, ["iterable"], 1)?;
            let items = it.collect(&xs.expect("required"))?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match x {
                    Value::Str(p) => parts.push(p.to_string()),
                    other => {
                        return Err(type_error(format!(
                            "sequence item {i}: expected str instance, {} found",
                            other.type_name()
                        )))
                    }
                }
            }
            st(&parts.join(text))
        }
        "split" | "rsplit" => {
            let [sep, maxsplit] = bind(name, a, ["sep", "maxsplit"], 0)?;
            let max = args::opt_int(name, "maxsplit", &maxsplit)?.unwrap_or(-1);
            let parts: Vec<String> = match &sep {
                None | Some(Value::None) => {
                    if max < 0 {
                        text.split_whitespace().map(String::from).collect()
                    } else {
                        let mut out = Vec::new();
                        let mut rest = text.trim_start();
                        for _ in 0..max {
                            match rest.find(char::is_whitespace) {
                                Some(p) => {
                                    out.push(rest[..p].to_string());
                                    rest = rest[p..].trim_start();
                                }
                                None => break,
                            }
                        }
                        if !rest.is_empty() {
                            out.push(rest.to_string());
                        }
                        out
                    }
                }
                Some(Value::Str(sep)) => {
                    if sep.is_empty() {
                        return Err(value_error("empty separator"));
                    }
                    if max < 0 {
                        text.split(&**sep).map(String::from).collect()
                    } else if name == "split" {
                        text.splitn(max as usize + 1, &**sep)
                            .map(String::from)
                            .collect()
                    } else {
                        let mut v: Vec<String> = text
                            .rsplitn(max as usize + 1, &**sep)
                            .map(String::from)
                            .collect();
                        v.reverse();
                        v
                    }
                }
                Some(other) => {
                    return Err(type_error(format!(
                        "must be str or None, not {}",
                        other.type_name()
                    )))
                }
            };
            Value::list(parts.iter().map(|p| st(p)).collect())
        }
        "strip" | "lstrip" | "rstrip" => {
            let [chars] = bind(name, a, ["chars"], 0)?;
            let set: Option<Vec<char>> = match &chars {
                Some(Value::Str(c)) => Some(c.chars().collect()),
                _ => None,
            };
            let pat = |c: char| match &set {
                Some(s) => s.contains(&c),
                None => c.is_whitespace(),
            };
            st(match name {
                "strip" => text.trim_matches(pat),
                "lstrip" => text.trim_start_matches(pat),
                _ => text.trim_end_matches(pat),
            })
        }
        "replace" => {
            let [old, new, count] = bind("replace", a, ["old", "new", "count"], 2)?;
            let (old, new) = (old.expect("required"), new.expect("required"));
            let old = args::string("replace", "old", &old)?;
            let new = args::string("replace", "new", &new)?;
            match args::opt_int("replace", "count", &count)? {
                Some(n) if n >= 0 => st(&text.replacen(old, new, n as usize)),
                _ => st(&text.replace(old, new)),
            }
        }
        "format" => st(&it.str_format(text, &a)?),
        "startswith" | "endswith" => {
            let [p] = bind(name, a, ["prefix"], 1)?;
            let ps: Vec<Value> = match p.expect("required") {
                Value::Tuple(t) => t.items.clone(),
                other => vec![other],
            };
            let mut hit = false;
            for p in &ps {
                let p = args::string(name, "prefix", p)?;
                hit |= if name == "startswith" {
                    text.starts_with(p)
                } else {
                    text.ends_with(p)
                };
            }
            Value::Bool(hit)
        }
        "lower" => st(&text.to_lowercase()),
        "upper" => st(&text.to_uppercase()),
        "title" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for c in text.chars() {
                out.extend(if prev_alpha {
                    c.to_lowercase().collect::<Vec<_>>()
                } else {
                    c.to_uppercase().collect()
                });
                prev_alpha = c.is_alphabetic();
            }
            st(&out)
        }
        "capitalize" => {
            let mut cs = text.chars();
            st(&match cs.next() {
                Some(c) => c.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
                None => String::new(),
            })
        }
        "find" | "rfind" | "index" => {
            let [sub] = bind(name, a, ["sub"], 1)?;
            let sub = sub.expect("required");
            let sub = args::string(name, "sub", &sub)?;
            let pos = if name == "rfind" {
                text.rfind(sub)
            } else {
                text.find(sub)
            };
            match pos {
                Some(p) => Value::Int(text[..p].chars().count() as i64),
                None if name == "index" => return Err(value_error("substring not found")),
                None => Value::Int(-1),
            }
        }
        "count" => {
            let [sub] = bind(name, a, ["sub"], 1)?;
            let sub = sub.expect("required");
            let sub = args::string(name, "sub", &sub)?;
            Value::Int(if sub.is_empty() {
                text.chars().count() as i64 + 1
            } else {
                text.matches(sub).count() as i64
            })
        }
        "isdigit" => Value::Bool(!text.is_empty() && text.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::Bool(!text.is_empty() && text.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!text.is_empty() && text.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!text.is_empty() && text.chars().all(char::is_whitespace)),
        "isupper" => Value::Bool(
            text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase),
        ),
        "islower" => Value::Bool(
            text.chars().any(char::is_lowercase) && !text.chars().any(char::is_uppercase),
        ),
        "center" | "ljust" | "rjust" => {
            let [w, fill] = bind(name, a, ["width", "fillchar"], 1)?;
            let w = args::int(name, "width", &w.expect("required"))?.max(0) as usize;
            let fill = match &fill {
                Some(Value::Str(f)) => f.chars().next().unwrap_or(' '),
                _ => ' ',
            };
            let n = text.chars().count();
            if n >= w {
                st(text)
            } else {
                let pad = w - n;
                let f = |k: usize| fill.to_string().repeat(k);
                st(&match name {
                    "ljust" => format!("{text}{}", f(pad)),
                    "rjust" => format!("{}{text}", f(pad)),
                    _ => {
                        let left = pad / 2 + (pad & w & 1);
                        format!("{}{text}{}", f(left), f(pad - left))
                    }
                })
            }
        }
        "zfill" => {
            let [w] = bind(name, a, ["width"], 1)?;
            let w = args::int(name, "width", &w.expect("required"))?.max(0) as usize;
            let n = text.chars().count();
            if n >= w {
                st(text)
            } else {
                let (sign, rest) = match text.chars().next() {
                    Some(c @ ('-' | '+')) => (c.to_string(), &text[1..]),
                    _ => (String::new(), text),
                };
                st(&format!("{sign}{}{rest}", "0".repeat(w - n)))
            }
        }
        "splitlines" => Value::list(text.lines().map(st).collect()),
        "partition" => {
            let [sep] = bind(name, a, ["sep"], 1)?;
            let sep = sep.expect("required");
            let sep = args::string(name, "sep", &sep)?;
            match text.split_once(sep) {
                Some((l, r)) => Value::tuple(vec![st(l), st(sep), st(r)]),
                None => Value::tuple(vec![st(text), st(""), st("")]),
            }
        }
        "encode" => st(text),
        _ => return Err(no_method(&Value::Str(s.clone()), name)),
    })
}

fn list_method(it: &mut Interp, v: &Value, name: &str, a: Args) -> PyResult<Value> {
    let Value::List(l) = v else {
        unreachable!("list_method on a list")
    };
    match name {
        "append" => {
            if a.pos.len() != 1 || !a.kw.is_empty() {
                return Err(type_error(format!(
                    "list.append() takes exactly one argument ({} given)",
                    a.pos.len()
                )));
            }
            let x = a.pos.into_iter().next().expect("one argument");
            l.borrow_mut().push(x);
            Ok(Value::None)
        }
        "extend" => {
            let [xs] = bind("extend", a, ["iterable"], 1)?;
            let items = it.collect(&xs.expect("required"))?;
            l.borrow_mut().extend(items);
            Ok(Value::None)
        }
        "pop" => {
            let [i] = bind("pop", a, ["index"], 0)?;
            let mut b = l.borrow_mut();
            if b.is_empty() {
                return Err(exc("IndexError", "pop from empty list"));
            }
            let n = b.len();
            let i = args::opt_int("pop", "index", &i)?.unwrap_or(-1);
            let k = crate::eval::class::norm_index(i, n)
                .ok_or_else(|| exc("IndexError", "pop index out of range"))?;
            Ok(b.remove(k))
        }
        "insert" => {
            let [i, x] = bind("insert", a, ["index", "object"], 2)?;
            let i = args::int("insert", "index", &i.expect("required"))?;
            let mut b = l.borrow_mut();
            let n = b.len() as i64;
            let k = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
            b.insert(k, x.expect("required"));
            Ok(Value::None)
        }
        "index" | "count" => {
            let items = l.borrow().clone();
            seq_index_count(it, &items, name, a, "list")
        }
        "remove" => {
            let [x] = bind("remove", a, ["value"], 1)?;
            let x = x.expect("required");
            let items = l.borrow().clone();
            for (i, y) in items.iter().enumerate() {
                if it.eq(y, &x)? {
                    l.borrow_mut().remove(i);
                    return Ok(Value::None);
                }
            }
            Err(value_error("list.remove(x): x not in list"))
        }
        "reverse" => {
            args::none("reverse", a)?;
            l.borrow_mut().reverse();
            Ok(Value::None)
        }
        "sort" => {
            let mut key = None;
            let mut reverse = false;
            if !a.pos.is_empty() {
                return Err(type_error("sort() takes no positional arguments"));
            }
            for (k, x) in a.kw {
                match &*k {
                    "key" => key = Some(x),
                    "reverse" => reverse = it.truthy(&x)?,
                    _ => {
                        return Err(type_error(format!(
                            "sort() got an unexpected keyword argument '{k}'"
                        )))
                    }
                }
            }
            let mut items = l.borrow().clone();
            super::python::sort_values(it, &mut items, key.as_ref(), reverse)?;
            *l.borrow_mut() = items;
            Ok(Value::None)
        }
        "clear" => {
            args::none("clear", a)?;
            l.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => {
            args::none("copy", a)?;
            Ok(Value::list(l.borrow().clone()))
        }
        _ => Err(no_method(v, name)),
    }
}

fn dict_method(it: &mut Interp, v: &Value, name: &str, a: Args) -> PyResult<Value> {
    let Value::Dict(d) = v else {
        unreachable!("dict_method on a dict")
    };
    let seq = |items: Vec<Value>| {
        Value::iter(crate::eval::value::Iter::Seq {
            items: Rc::new(items),
            pos: 0,
        })
    };
    match name {
        "keys" => {
            args::none("keys", a)?;
            Ok(Value::list(d.borrow().keys()))
        }
        "values" => {
            args::none("values", a)?;
            Ok(Value::list(d.borrow().values()))
        }
        "items" => {
            args::none("items", a)?;
            let items: Vec<Value> = d
                .borrow()
                .iter()
                .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
                .collect();
            let _ = seq;
            Ok(Value::list(items))
        }
        "get" => {
            let [k, default] = bind("get", a, ["key", "default"], 1)?;
            let key = hash_key(&k.expect("required"))?;
            Ok(d.borrow()
                .get(&key)
                .cloned()
                .unwrap_or(default.unwrap_or(Value::None)))
        }
        "update" => {
            let src = match a.pos.into_iter().next() {
                Some(Value::Dict(s)) => s
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<_>>(),
                Some(other) => {
                    let mut out = Vec::new();
                    for pair in it.collect(&other)? {
                        let kv = it.collect(&pair)?;
                        if kv.len() != 2 {
                            return Err(value_error(
                                "dictionary update sequence element has the wrong length",
                            ));
                        }
                        out.push((kv[0].clone(), kv[1].clone()));
                    }
                    out
                }
                None => vec![],
            };
            let mut b = d.borrow_mut();
            for (k, x) in src {
                b.insert(hash_key(&k)?, k, x);
            }
            for (k, x) in a.kw {
                b.insert(crate::eval::dict::Key::Str(k.clone()), Value::Str(k), x);
            }
            Ok(Value::None)
        }
        "pop" => {
            let [k, default] = bind("pop", a, ["key", "default"], 1)?;
            let k = k.expect("required");
            let key = hash_key(&k)?;
            let r = d.borrow_mut().remove(&key);
            match (r, default) {
                (Some((_, x)), _) => Ok(x),
                (None, Some(dv)) => Ok(dv),
                (None, None) => Err(key_error(k)),
            }
        }
        "setdefault" => {
            let [k, default] = bind("setdefault", a, ["key", "default"], 1)?;
            let k = k.expect("required");
            let key = hash_key(&k)?;
            if let Some(x) = d.borrow().get(&key) {
                return Ok(x.clone());
            }
            let dv = default.unwrap_or(Value::None);
            d.borrow_mut().insert(key, k, dv.clone());
            Ok(dv)
        }
        "clear" => {
            args::none("clear", a)?;
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => {
            args::none("copy", a)?;
            Ok(Value::Dict(Rc::new(std::cell::RefCell::new(
                d.borrow().clone(),
            ))))
        }
        "popitem" => {
            args::none("popitem", a)?;
            let r = d.borrow_mut().pop_last();
            r.map(|(k, v)| Value::tuple(vec![k, v]))
                .ok_or_else(|| exc("KeyError", "'popitem(): dictionary is empty'"))
        }
        _ => Err(no_method(v, name)),
    }
}

fn set_method(it: &mut Interp, v: &Value, name: &str, a: Args) -> PyResult<Value> {
    let Value::Set(s) = v else {
        unreachable!("set_method on a set")
    };
    match name {
        "add" => {
            let [x] = bind("add", a, ["elem"], 1)?;
            let x = x.expect("required");
            s.borrow_mut().insert(hash_key(&x)?, x, Value::None);
            Ok(Value::None)
        }
        "remove" | "discard" => {
            let [x] = bind(name, a, ["elem"], 1)?;
            let x = x.expect("required");
            let r = s.borrow_mut().remove(&hash_key(&x)?);
            if r.is_none() && name == "remove" {
                return Err(key_error(x));
            }
            Ok(Value::None)
        }
        "pop" => {
            let r = s.borrow_mut().pop_last();
            r.map(|(k, _)| k)
                .ok_or_else(|| exc("KeyError", "'pop from an empty set'"))
        }
        "clear" => {
            s.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => Ok(Value::Set(Rc::new(std::cell::RefCell::new(
            s.borrow().clone(),
        )))),
        "update" => {
            for src in a.pos {
                for x in it.collect(&src)? {
                    s.borrow_mut().insert(hash_key(&x)?, x, Value::None);
                }
            }
            Ok(Value::None)
        }
        "union" | "intersection" | "difference" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let items = it.collect(&o.expect("required"))?;
            let other = it.make_set(items)?;
            let op = match name {
                "union" => crate::syntax::ast::BinOp::BitOr,
                "intersection" => crate::syntax::ast::BinOp::BitAnd,
                _ => crate::syntax::ast::BinOp::Sub,
            };
            it.binary_op(op, v.clone(), other)
        }
        "issubset" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = o.expect("required");
            for k in s.borrow().keys() {
                if !it.contains(&o, &k)? {
                    return Ok(Value::Bool(false));
                }
            }
            Ok(Value::Bool(true))
        }
        _ => Err(no_method(v, name)),
    }
}
