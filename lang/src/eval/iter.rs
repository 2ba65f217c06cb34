//! Iteration: `iter(x)` over every iterable value (sequences, dicts, ranges,
//! strings, native objects, classes with `__iter__` / `__next__` or
//! `__getitem__`), `next`, `len`, and `collect` into a vector.

use super::call::Args;
use super::error::{exc, type_error, PyResult};
use super::interp::Interp;
use super::value::{Iter, Value};
use std::rc::Rc;

impl Interp {
    /// An iterator over `v`: a `Value::Iter`, or a user object with `__next__`.
    pub fn iter(&mut self, v: &Value) -> PyResult<Value> {
        let it = match v {
            Value::List(l) => Iter::List {
                list: l.clone(),
                pos: 0,
            },
            Value::Tuple(t) => Iter::Seq {
                items: Rc::new(t.items.clone()),
                pos: 0,
            },
            Value::Dict(d) | Value::Set(d) => Iter::Keys {
                keys: Rc::new(d.borrow().keys()),
                dict: d.clone(),
                pos: 0,
                kind: if matches!(v, Value::Dict(_)) {
                    "dictionary"
                } else {
                    "Set"
                },
            },
            Value::Range(r) => Iter::Range {
                next: r.0,
                stop: r.1,
                step: r.2,
            },
            Value::Str(s) => Iter::Str {
                s: s.clone(),
                pos: 0,
            },
            Value::Iter(_) => return Ok(v.clone()),
            Value::Object(o) => {
                if let Some(r) = o.iter(self, v)? {
                    return Ok(r);
                }
                return self.iter_dunders(v);
            }
            Value::Instance(_) => return self.iter_dunders(v),
            _ => return Err(not_iterable(v)),
        };
        Ok(Value::iter(it))
    }

    /// `iter(v)` through the class dict: `__iter__`, an iterator's own
    /// `__next__`, or the old sequence protocol of `__getitem__`.
    fn iter_dunders(&mut self, v: &Value) -> PyResult<Value> {
        let class = self.class_of(v);
        if class.has("__iter__") {
            return self.call_method(v, "__iter__", Args::default());
        }
        if class.has("__next__") {
            return Ok(v.clone());
        }
        if class.has("__getitem__") {
            // The old sequence protocol: items 0, 1, ... until IndexError.
            let obj = v.clone();
            let mut k = 0i64;
            return Ok(Value::iter(Iter::Native(Box::new(
                move |it: &mut Interp| match it.call_method(
                    &obj,
                    "__getitem__",
                    Args::new(vec![Value::Int(k)]),
                ) {
                    Ok(x) => {
                        k += 1;
                        Ok(Some(x))
                    }
                    Err(e) if e.is("IndexError") || e.is("StopIteration") => Ok(None),
                    Err(e) => Err(e),
                },
            ))));
        }
        Err(not_iterable(v))
    }

    /// The next item, or None when exhausted.
    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        match it {
            Value::Iter(cell) => {
                let mut b = cell.borrow_mut();
                match &mut *b {
                    Iter::List { list, pos } => {
                        let l = list.borrow();
                        if *pos < l.len() {
                            *pos += 1;
                            Ok(Some(l[*pos - 1].clone()))
                        } else {
                            Ok(None)
                        }
                    }
                    Iter::Keys {
                        dict,
                        keys,
                        pos,
                        kind,
                    } => {
                        if *pos == usize::MAX {
                            // Stopped by a size change: exhausted, as CPython's.
                            return Ok(None);
                        }
                        if dict.borrow().len() != keys.len() {
                            *pos = usize::MAX;
                            return Err(exc(
                                "RuntimeError",
                                format!("{kind} changed size during iteration"),
                            ));
                        }
                        if *pos < keys.len() {
                            *pos += 1;
                            Ok(Some(keys[*pos - 1].clone()))
                        } else {
                            Ok(None)
                        }
                    }
                    Iter::Seq { items, pos } => {
                        if *pos < items.len() {
                            *pos += 1;
                            Ok(Some(items[*pos - 1].clone()))
                        } else {
                            Ok(None)
                        }
                    }
                    Iter::Range { next, stop, step } => {
                        if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                            *next += *step;
                            Ok(Some(Value::Int(*next - *step)))
                        } else {
                            Ok(None)
                        }
                    }
                    Iter::Str { s, pos } => match s[*pos..].chars().next() {
                        Some(c) => {
                            *pos += c.len_utf8();
                            Ok(Some(Value::str(c.encode_utf8(&mut [0; 4]))))
                        }
                        None => Ok(None),
                    },
                    Iter::Generator(_) => {
                        drop(b);
                        self.next_generator(cell)
                    }
                    Iter::Native(_) => {
                        // Take the closure out so it can borrow the interpreter.
                        let Iter::Native(mut f) = std::mem::replace(
                            &mut *b,
                            Iter::Range {
                                next: 0,
                                stop: 0,
                                step: 1,
                            },
                        ) else {
                            unreachable!("matched above")
                        };
                        drop(b);
                        let r = f(self);
                        *cell.borrow_mut() = Iter::Native(f);
                        r
                    }
                }
            }
            Value::Instance(_) | Value::Object(_) => {
                match self.call_dunder(it, "__next__", Args::default()) {
                    Ok(Some(v)) => Ok(Some(v)),
                    Ok(None) => Err(type_error(format!(
                        "'{}' object is not an iterator",
                        it.type_name()
                    ))),
                    Err(e) if e.is("StopIteration") => Ok(None),
                    Err(e) => Err(e),
                }
            }
            other => Err(type_error(format!(
                "'{}' object is not an iterator",
                other.type_name()
            ))),
        }
    }

    /// All items of an iterable.
    pub fn collect(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        match v {
            Value::List(l) => return Ok(l.borrow().clone()),
            Value::Tuple(t) => return Ok(t.items.clone()),
            _ => {}
        }
        let it = self.iter(v)?;
        let mut out = Vec::new();
        while let Some(x) = self.next(&it)? {
            out.push(x);
            if out.len() % 4096 == 0 && self.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(exc("KeyboardInterrupt", ""));
            }
        }
        Ok(out)
    }
}

impl Interp {
    /// `len(v)`.
    pub fn len(&mut self, v: &Value) -> PyResult<i64> {
        Ok(match v {
            Value::Str(s) => s.chars().count() as i64,
            Value::List(l) => l.borrow().len() as i64,
            Value::Tuple(t) => t.items.len() as i64,
            Value::Dict(d) | Value::Set(d) => d.borrow().len() as i64,
            Value::Range(r) => super::value::range_len(r.0, r.1, r.2),
            Value::Object(o) => match o.len(self)? {
                Some(n) => n as i64,
                None => self.len_dunder(v)?,
            },
            Value::Instance(_) => self.len_dunder(v)?,
            _ => return Err(no_len(v)),
        })
    }

    fn len_dunder(&mut self, v: &Value) -> PyResult<i64> {
        match self.call_dunder(v, "__len__", Args::default())? {
            Some(Value::Int(n)) if n >= 0 => Ok(n),
            Some(Value::Int(_)) => Err(exc("ValueError", "__len__() should return >= 0")),
            Some(Value::Bool(b)) => Ok(b as i64),
            Some(other) => Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            ))),
            None => Err(no_len(v)),
        }
    }
}

fn no_len(v: &Value) -> Box<super::error::PyErr> {
    type_error(format!("object of type '{}' has no len()", v.type_name()))
}

fn not_iterable(v: &Value) -> Box<super::error::PyErr> {
    type_error(format!("'{}' object is not iterable", v.type_name()))
}
