//! Classes and attributes: `class` statements (plain, exception and
//! `nn.Module` subclasses), instantiation with `__init__`, attribute
//! get/set/delete on every value, method calls, `super()`, and subscripts.

use super::call::Args;
use super::error::{exc, make_exception, type_error, PyResult};
use super::interp::{hash_key, Interp};
use super::value::{find_attr, set_attr, Class, ClassKind, Instance, Value};
use std::cell::RefCell;
use std::rc::Rc;

fn no_attr(v: &Value, name: &str) -> Box<super::error::PyErr> {
    match v {
        Value::Module(m) => exc(
            "AttributeError",
            format!("module '{}' has no attribute '{name}'", m.name),
        ),
        Value::Class(c) => exc(
            "AttributeError",
            format!("type object '{}' has no attribute '{name}'", c.name),
        ),
        _ => exc(
            "AttributeError",
            format!("'{}' object has no attribute '{name}'", v.type_name()),
        ),
    }
}

impl Interp {
    pub fn make_class(
        &mut self,
        name: &str,
        bases: Vec<Value>,
        doc: Option<Rc<str>>,
    ) -> PyResult<Rc<Class>> {
        let mut bs = Vec::new();
        let mut kind = ClassKind::Object;
        for b in bases {
            match b {
                Value::Class(c) => {
                    if c.kind != ClassKind::Object {
                        kind = c.kind;
                    }
                    bs.push(c);
                }
                other => {
                    return Err(type_error(format!(
                        "bases must be types, not {}",
                        other.type_name()
                    )))
                }
            }
        }
        let c = Class::new(name, bs, kind, "__main__");
        if let Some(d) = doc {
            set_attr(&mut c.attrs.borrow_mut(), "__doc__", Value::Str(d));
        }
        Ok(c)
    }

    pub fn instantiate(&mut self, c: &Rc<Class>, args: Args) -> PyResult<Value> {
        if let Some(ctor) = c.ctor.get() {
            return ctor(self, args);
        }
        let init = c.lookup("__init__");
        if c.kind == ClassKind::Exception {
            let inst = make_exception(c.clone(), args.pos.clone());
            if let Some(f) = init {
                let mut a = args;
                a.pos.insert(0, inst.clone());
                self.call(&f, a)?;
            }
            return Ok(inst);
        }
        let inst = Value::Instance(Rc::new(Instance {
            class: c.clone(),
            attrs: RefCell::new(Vec::new()),
        }));
        if c.kind == ClassKind::NnModule {
            crate::builtins::nn::init_module(&inst);
        }
        match init {
            Some(f) => {
                let mut a = args;
                a.pos.insert(0, inst.clone());
                self.call(&f, a)?;
            }
            None => {
                if !args.pos.is_empty() || !args.kw.is_empty() {
                    return Err(type_error(format!("{}() takes no arguments", c.name)));
                }
            }
        }
        Ok(inst)
    }

    /// `obj.name`.
    pub fn get_attr(&mut self, v: &Value, name: &str) -> PyResult<Value> {
        match v {
            Value::Instance(i) => {
                if let Some(x) = i.get(name) {
                    return Ok(x);
                }
                if let Some(x) = i.class.lookup(name) {
                    return Ok(match x {
                        Value::Function(_) | Value::Builtin(_) => {
                            Value::BoundMethod(Rc::new((v.clone(), x)))
                        }
                        other => other,
                    });
                }
                if name == "__class__" {
                    return Ok(Value::Class(i.class.clone()));
                }
                if name == "__dict__" {
                    let d = Value::Dict(Rc::new(RefCell::new(Default::default())));
                    for (k, x) in i.attrs.borrow().iter() {
                        self.set_item(&d, Value::Str(k.clone()), x.clone())?;
                    }
                    return Ok(d);
                }
                if i.class.kind == ClassKind::NnModule {
                    if let Some(x) = crate::builtins::nn::module_attr(self, v, name)? {
                        return Ok(x);
                    }
                }
                if i.class.lookup("__getattr__").is_some() {
                    return self.call_method(v, "__getattr__", Args::new(vec![Value::str(name)]));
                }
                Err(no_attr(v, name))
            }
            Value::Class(c) => match name {
                "__name__" => Ok(Value::Str(c.name.clone())),
                "__doc__" => Ok(c.lookup("__doc__").unwrap_or(Value::None)),
                _ => c.lookup(name).ok_or_else(|| no_attr(v, name)),
            },
            Value::Module(m) => match name {
                "__name__" => Ok(Value::Str(m.name.clone())),
                _ => m.get(name).ok_or_else(|| no_attr(v, name)),
            },
            Value::Function(f) => match name {
                "__name__" => Ok(Value::Str(f.code.name.clone())),
                "__doc__" => Ok(f.code.doc.clone().map_or(Value::None, Value::Str)),
                _ => Err(no_attr(v, name)),
            },
            Value::Builtin(b) => match name {
                "__name__" => Ok(Value::str(b.name)),
                "__doc__" => Ok(Value::str(b.doc)),
                _ => Err(no_attr(v, name)),
            },
            Value::Super(s) => {
                let (class, this) = &**s;
                match self.super_lookup(class, this, name) {
                    Some(f) => Ok(match f {
                        Value::Function(_) => Value::BoundMethod(Rc::new((this.clone(), f))),
                        other => other,
                    }),
                    None if name == "__init__" => Ok(Value::BoundNative(Rc::new((
                        Value::None,
                        Rc::from("__noop__"),
                    )))),
                    None => Ok(Value::BoundNative(Rc::new((this.clone(), Rc::from(name))))),
                }
            }
            Value::Tuple(t) => {
                if let Some(x) = Interp::named_tuple_get(t, name) {
                    return Ok(x);
                }
                crate::builtins::methods::native_attr(self, v, name)?
                    .ok_or_else(|| no_attr(v, name))
            }
            _ => crate::builtins::methods::native_attr(self, v, name)?
                .ok_or_else(|| no_attr(v, name)),
        }
    }

    fn super_lookup(&self, class: &Rc<Class>, this: &Value, name: &str) -> Option<Value> {
        let start = match this {
            Value::Instance(i) => i.class.clone(),
            _ => class.clone(),
        };
        let mro = start.mro.borrow();
        let pos = mro.iter().position(|c| Rc::ptr_eq(c, class))?;
        for c in mro.iter().skip(pos + 1) {
            if let Some(v) = find_attr(&c.attrs.borrow(), name) {
                return Some(v);
            }
        }
        None
    }

    /// `obj.name(args)` without building a bound method.
    pub fn call_method(&mut self, v: &Value, name: &str, args: Args) -> PyResult<Value> {
        match v {
            Value::Instance(i) => {
                if let Some(x) = i.get(name) {
                    return self.call(&x, args);
                }
                if let Some(x) = i.class.lookup(name) {
                    return match &x {
                        Value::Function(f) => {
                            let mut a = args;
                            a.pos.insert(0, v.clone());
                            let f = f.clone();
                            if a.kw.is_empty() {
                                self.call_positional(&f, a.pos)
                            } else {
                                self.call_function(&f, a)
                            }
                        }
                        Value::Builtin(_) => {
                            let mut a = args;
                            a.pos.insert(0, v.clone());
                            self.call(&x, a)
                        }
                        other => {
                            let o = other.clone();
                            self.call(&o, args)
                        }
                    };
                }
                if i.class.kind == ClassKind::NnModule {
                    if let Some(r) = crate::builtins::nn::module_method(self, v, name, &args) {
                        return r(self, v, args);
                    }
                }
                let f = self.get_attr(v, name)?;
                self.call(&f, args)
            }
            Value::Super(s) => {
                let (class, this) = &**s;
                match self.super_lookup(class, this, name) {
                    Some(f) => {
                        let mut a = args;
                        a.pos.insert(0, this.clone());
                        self.call(&f, a)
                    }
                    None if name == "__init__" => Ok(Value::None),
                    None => self.call_method(this, name, args),
                }
            }
            Value::None if name == "__noop__" => Ok(Value::None),
            Value::Module(m) => {
                let f = m.get(name).ok_or_else(|| no_attr(v, name))?;
                self.call(&f, args)
            }
            Value::Class(_) | Value::Function(_) | Value::Builtin(_) => {
                let f = self.get_attr(v, name)?;
                self.call(&f, args)
            }
            _ => crate::builtins::methods::call_native(self, v, name, args),
        }
    }

    /// `obj.name = x`.
    pub fn set_attr(&mut self, v: &Value, name: &str, x: Value) -> PyResult<()> {
        match v {
            Value::Instance(i) => {
                set_attr(&mut i.attrs.borrow_mut(), name, x);
                Ok(())
            }
            Value::Class(c) => {
                set_attr(&mut c.attrs.borrow_mut(), name, x);
                Ok(())
            }
            Value::Module(m) => {
                m.set(name, x);
                Ok(())
            }
            Value::Tensor(t) => crate::builtins::torch::tensor_setattr(self, t, name, x),
            _ => Err(exc(
                "AttributeError",
                format!("'{}' object attribute '{name}' is read-only", v.type_name()),
            )),
        }
    }

    pub fn del_attr(&mut self, v: &Value, name: &str) -> PyResult<()> {
        match v {
            Value::Instance(i) => {
                let mut a = i.attrs.borrow_mut();
                let n = a.len();
                a.retain(|(k, _)| &**k != name);
                if a.len() == n {
                    drop(a);
                    return Err(no_attr(v, name));
                }
                Ok(())
            }
            Value::Tensor(t) if name == "grad" => {
                t.set_grad(None).map_err(super::error::from_engine)
            }
            _ => Err(no_attr(v, name)),
        }
    }

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
                Ok(if t.kind == super::value::TupleKind::Size {
                    Value::Tuple(Rc::new(super::value::Tuple {
                        items,
                        kind: super::value::TupleKind::Size,
                    }))
                } else {
                    Value::tuple(items)
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
                d.borrow().get(&key).cloned().ok_or_else(|| {
                    super::error::PyErr::new(make_exception(
                        super::error::exc_class("KeyError"),
                        vec![i.clone()],
                    ))
                })
            }
            (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::Bool(b)) => {
                self.get_item(v, &Value::Int(*b as i64))
            }
            (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::Tensor(t))
                if t.numel() == 1 && !t.dtype().is_float() =>
            {
                let k = t.item().map_err(super::error::from_engine)? as i64;
                self.get_item(v, &Value::Int(k))
            }
            (Value::Tensor(t), _) => crate::builtins::torch::tensor_getitem(self, t, i),
            (Value::Instance(inst), _) => {
                if inst.class.lookup("__getitem__").is_none() {
                    if let Some(r) = crate::builtins::data::native_getitem(self, v, i)? {
                        return Ok(r);
                    }
                }
                self.call_method(v, "__getitem__", Args::new(vec![i.clone()]))
            }
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
                let n = l.len();
                let k = norm_index(*k, n)
                    .ok_or_else(|| exc("IndexError", "list assignment index out of range"))?;
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
            (Value::Tensor(t), _) => crate::builtins::torch::tensor_setitem(self, t, &i, x),
            (Value::Instance(_), _) => {
                self.call_method(v, "__setitem__", Args::new(vec![i, x]))?;
                Ok(())
            }
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
                let n = l.len();
                let k = norm_index(*k, n)
                    .ok_or_else(|| exc("IndexError", "list assignment index out of range"))?;
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
            (Value::Instance(_), _) => {
                self.call_method(v, "__delitem__", Args::new(vec![i]))?;
                Ok(())
            }
            _ => Err(type_error(format!(
                "'{}' object doesn't support item deletion",
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
                Value::Tensor(t) if t.numel() == 1 => {
                    Ok(Some(t.item().map_err(super::error::from_engine)? as i64))
                }
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

/// A Python index (negative counts from the end) into a length-`n` sequence.
pub fn norm_index(k: i64, n: usize) -> Option<usize> {
    let k = if k < 0 { k + n as i64 } else { k };
    (k >= 0 && (k as usize) < n).then_some(k as usize)
}
