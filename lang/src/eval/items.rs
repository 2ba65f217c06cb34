//! Subscripts: `obj[i]`, `obj[i] = x`, `del obj[i]` on lists, tuples,
//! strings, ranges and dicts, Python's slice arithmetic, and the protocol
//! for native objects and user classes (`__getitem__`, `__setitem__`,
//! `__delitem__`, `__index__`).

use super::call::Args;
use super::error::{exc, make_exception, type_error, PyResult};
use super::interp::{hash_key, Interp};
use super::value::Value;

impl Interp {
    /// `obj[i]`.
    pub fn get_item(&mut self, v: &Value, i: &Value) -> PyResult<Value> {
        match (v, i) {
            (Value::List(l), Value::Int(k)) => {
                let l = l.borrow();
                let k = norm_index(*k, l.len())
                    .ok_or_else(|| exc("IndexError", "list index out of range"))?;
                Ok(l[k].clone())
            }
            (Value::Tuple(t), Value::Int(k)) => {
                let k = norm_index(*k, t.items.len())
                    .ok_or_else(|| exc("IndexError", "tuple index out of range"))?;
                Ok(t.items[k].clone())
            }
            (Value::Str(s), Value::Int(k)) => {
                let n = s.chars().count();
                let k = norm_index(*k, n)
                    .ok_or_else(|| exc("IndexError", "string index out of range"))?;
                Ok(Value::str(
                    &s.chars().nth(k).expect("index checked").to_string(),
                ))
            }
            (Value::List(l), Value::Slice(sl)) => {
                let items = l.borrow().clone();
                let idx = self.slice_indices(sl, items.len())?;
                Ok(Value::list(
                    idx.into_iter().map(|k| items[k].clone()).collect(),
                ))
            }
            (Value::Tuple(t), Value::Slice(sl)) => {
                let idx = self.slice_indices(sl, t.items.len())?;
                let items: Vec<Value> = idx.into_iter().map(|k| t.items[k].clone()).collect();
                // A slice of a tuple subclass without fields (torch.Size) keeps
                // its class, as torch.Size's own __getitem__ does.
                Ok(match &t.class {
                    Some(c) if c.fields.is_empty() => Value::tuple_of(c, items),
                    _ => Value::tuple(items),
                })
            }
            (Value::Str(s), Value::Slice(sl)) => {
                let chars: Vec<char> = s.chars().collect();
                let idx = self.slice_indices(sl, chars.len())?;
                Ok(Value::str(
                    &idx.into_iter().map(|k| chars[k]).collect::<String>(),
                ))
            }
            (Value::Range(r), Value::Int(k)) => {
                let n = super::value::range_len(r.0, r.1, r.2);
                let k = norm_index(*k, n as usize)
                    .ok_or_else(|| exc("IndexError", "range object index out of range"))?;
                Ok(Value::Int(r.0 + k as i64 * r.2))
            }
            (Value::Dict(d), _) => {
                let key = hash_key(i)?;
                let found = d.borrow().get(&key).cloned();
                if let Some(x) = found {
                    return Ok(x);
                }
                // A dict subclass's `__missing__` (defaultdict, Counter).
                let class = d.borrow().kind.as_ref().map(|k| k.class.clone());
                if let Some(missing) = class.and_then(|c| c.lookup("__missing__")) {
                    return self.call(&missing, super::call::Args::new(vec![v.clone(), i.clone()]));
                }
                Err(super::error::PyErr::new(make_exception(
                    super::error::exc_class("KeyError"),
                    vec![i.clone()],
                )))
            }
            (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::Bool(b)) => {
                self.get_item(v, &Value::Int(*b as i64))
            }
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Object(o),
            ) => match o.index()? {
                Some(k) => self.get_item(v, &Value::Int(k)),
                None => Err(type_error(format!(
                    "{} indices must be integers or slices, not {}",
                    v.type_name(),
                    i.type_name()
                ))),
            },
            (Value::Object(o), _) => match o.getitem(self, i)? {
                Some(r) => Ok(r),
                None => self.getitem_dunder(v, i),
            },
            (Value::Instance(_) | Value::Class(_), _) => self.getitem_dunder(v, i),
            (Value::List(_) | Value::Tuple(_) | Value::Str(_), _) => Err(type_error(format!(
                "{} indices must be integers or slices, not {}",
                v.type_name(),
                i.type_name()
            ))),
            _ => Err(type_error(format!(
                "'{}' object is not subscriptable",
                v.type_name()
            ))),
        }
    }

    /// `obj[i] = x`.
    pub fn set_item(&mut self, v: &Value, i: Value, x: Value) -> PyResult<()> {
        match (v, &i) {
            (Value::List(l), Value::Int(k)) => {
                let mut l = l.borrow_mut();
                let k = assignment_index(*k, l.len())?;
                l[k] = x;
                Ok(())
            }
            (Value::List(l), Value::Slice(sl)) => {
                let items = self.collect(&x)?;
                let n = l.borrow().len();
                let sl = sl.clone();
                let (start, stop, step) = self.slice_bounds(&sl, n)?;
                if step != 1 {
                    let idx = self.slice_indices(&sl, n)?;
                    if idx.len() != items.len() {
                        return Err(exc("ValueError", format!("attempt to assign sequence of size {} to extended slice of size {}", items.len(), idx.len())));
                    }
                    let mut l = l.borrow_mut();
                    for (k, v) in idx.into_iter().zip(items) {
                        l[k] = v;
                    }
                    return Ok(());
                }
                let stop = stop.max(start);
                l.borrow_mut().splice(start as usize..stop as usize, items);
                Ok(())
            }
            (Value::Dict(d), _) => {
                let key = hash_key(&i)?;
                d.borrow_mut().insert(key, i, x);
                Ok(())
            }
            (Value::Object(o), _) => {
                if o.setitem(self, &i, x.clone())? {
                    return Ok(());
                }
                self.setitem_dunder(v, i, x)
            }
            (Value::Instance(_), _) => self.setitem_dunder(v, i, x),
            _ => Err(type_error(format!(
                "'{}' object does not support item assignment",
                v.type_name()
            ))),
        }
    }

    pub fn del_item(&mut self, v: &Value, i: Value) -> PyResult<()> {
        match (v, &i) {
            (Value::List(l), Value::Int(k)) => {
                let mut l = l.borrow_mut();
                let k = assignment_index(*k, l.len())?;
                l.remove(k);
                Ok(())
            }
            (Value::List(l), Value::Slice(sl)) => {
                let n = l.borrow().len();
                let mut idx = self.slice_indices(sl, n)?;
                idx.sort_unstable();
                let mut l = l.borrow_mut();
                for k in idx.into_iter().rev() {
                    l.remove(k);
                }
                Ok(())
            }
            (Value::Dict(d), _) => {
                let key = hash_key(&i)?;
                d.borrow_mut().remove(&key).map(|_| ()).ok_or_else(|| {
                    super::error::PyErr::new(make_exception(
                        super::error::exc_class("KeyError"),
                        vec![i.clone()],
                    ))
                })
            }
            (Value::Instance(_) | Value::Object(_), _) => {
                match self.call_dunder(v, "__delitem__", Args::new(vec![i]))? {
                    Some(_) => Ok(()),
                    None => Err(type_error(format!(
                        "'{}' object doesn't support item deletion",
                        v.type_name()
                    ))),
                }
            }
            _ => Err(type_error(format!(
                "'{}' object doesn't support item deletion",
                v.type_name()
            ))),
        }
    }

    /// `__getitem__` from the class dict (user or native); `C[...]` on a
    /// class asks `__class_getitem__` (type hints such as `list[int]`).
    fn getitem_dunder(&mut self, v: &Value, i: &Value) -> PyResult<Value> {
        if let Value::Class(c) = v {
            return match c.lookup("__class_getitem__") {
                Some(f) => self.call(&f, Args::new(vec![v.clone(), i.clone()])),
                // `list[int]`-style hints evaluate to the class itself.
                None => Ok(v.clone()),
            };
        }
        match self.call_dunder(v, "__getitem__", Args::new(vec![i.clone()]))? {
            Some(r) => Ok(r),
            None => Err(type_error(format!(
                "'{}' object is not subscriptable",
                v.type_name()
            ))),
        }
    }

    fn setitem_dunder(&mut self, v: &Value, i: Value, x: Value) -> PyResult<()> {
        match self.call_dunder(v, "__setitem__", Args::new(vec![i, x]))? {
            Some(_) => Ok(()),
            None => Err(type_error(format!(
                "'{}' object does not support item assignment",
                v.type_name()
            ))),
        }
    }

    /// Python's `slice.indices(n)`: start, stop, step clamped.
    pub fn slice_bounds(&mut self, sl: &[Value; 3], n: usize) -> PyResult<(i64, i64, i64)> {
        let n = n as i64;
        let get = |v: &Value| -> PyResult<Option<i64>> {
            match v {
                Value::None => Ok(None),
                Value::Int(i) => Ok(Some(*i)),
                Value::Bool(b) => Ok(Some(*b as i64)),
                Value::Object(o) => match o.index()? {
                    Some(k) => Ok(Some(k)),
                    None => Err(type_error(
                        "slice indices must be integers or None or have an __index__ method",
                    )),
                },
                _ => Err(type_error(
                    "slice indices must be integers or None or have an __index__ method",
                )),
            }
        };
        let step = get(&sl[2])?.unwrap_or(1);
        if step == 0 {
            return Err(exc("ValueError", "slice step cannot be zero"));
        }
        let clamp = |x: Option<i64>, default: i64| -> i64 {
            match x {
                None => default,
                Some(v) => {
                    let v = if v < 0 { v + n } else { v };
                    if step > 0 {
                        v.clamp(0, n)
                    } else {
                        v.clamp(-1, n - 1)
                    }
                }
            }
        };
        let (ds, de) = if step > 0 { (0, n) } else { (n - 1, -1) };
        Ok((clamp(get(&sl[0])?, ds), clamp(get(&sl[1])?, de), step))
    }

    pub fn slice_indices(&mut self, sl: &[Value; 3], n: usize) -> PyResult<Vec<usize>> {
        let (start, stop, step) = self.slice_bounds(sl, n)?;
        let mut out = Vec::new();
        let mut k = start;
        while (step > 0 && k < stop) || (step < 0 && k > stop) {
            out.push(k as usize);
            k += step;
        }
        Ok(out)
    }
}

/// The position `l[k] = x` and `del l[k]` write, or Python's IndexError.
fn assignment_index(k: i64, n: usize) -> PyResult<usize> {
    norm_index(k, n).ok_or_else(|| exc("IndexError", "list assignment index out of range"))
}

/// A Python index (negative counts from the end) into a length-`n` sequence.
pub fn norm_index(k: i64, n: usize) -> Option<usize> {
    let k = if k < 0 { k + n as i64 } else { k };
    (k >= 0 && (k as usize) < n).then_some(k as usize)
}
