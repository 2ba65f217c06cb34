//! Classes and attributes: `class` statements, instantiation with
//! `__init__` (native constructors for built-in types), attribute
//! get/set/delete on every value with Python's lookup order (instance dict,
//! class dict along the MRO with descriptors, `__getattr__`), method calls,
//! and `super()`.
//!
//! Every value has a class ([`Interp::class_of`]): methods of `list`, `str`,
//! a tensor or an `nn.Module` are found in class dicts the same way, whether
//! the function there is the user's or native.

use super::call::Args;
use super::error::{exc, make_exception, type_error, PyErr, PyResult};
use super::interp::Interp;
use super::value::{Class, ClassKind, Instance, Value};
use std::rc::Rc;

pub fn no_attr(v: &Value, name: &str) -> Box<PyErr> {
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

/// A class attribute read through an instance: functions bind to it.
fn bind_to(this: &Value, x: Value) -> Value {
    match x {
        Value::Function(_) | Value::Builtin(_) => Value::BoundMethod(Rc::new((this.clone(), x))),
        other => other,
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
            c.set("__doc__", Value::Str(d));
        }
        Ok(c)
    }

    /// `C(args)`.
    pub fn instantiate(&mut self, c: &Rc<Class>, args: Args) -> PyResult<Value> {
        let new = c.new.borrow().clone();
        if let Some(ctor) = new {
            return self.call(&ctor, args);
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
        let inst = Value::instance(Instance::new(c.clone()));
        match init {
            Some(f) => {
                let mut a = args;
                a.pos.insert(0, inst.clone());
                let r = self.call(&f, a)?;
                if !matches!(r, Value::None) {
                    return Err(type_error(format!(
                        "__init__() should return None, not '{}'",
                        r.type_name()
                    )));
                }
            }
            None => {
                if !args.pos.is_empty() || !args.kw.is_empty() {
                    return Err(type_error(format!("{}() takes no arguments", c.name)));
                }
            }
        }
        Ok(inst)
    }

    /// `type(v)`.
    pub fn class_of(&self, v: &Value) -> Rc<Class> {
        let t = &self.types;
        match v {
            Value::Instance(i) => i.class.clone(),
            Value::Object(o) => o.class(),
            Value::None => t.none.clone(),
            Value::Bool(_) => t.bool.clone(),
            Value::Int(_) => t.int.clone(),
            Value::Float(_) => t.float.clone(),
            Value::Str(_) => t.str.clone(),
            Value::List(_) => t.list.clone(),
            Value::Tuple(tu) => match &tu.class {
                Some(c) => c.class.clone(),
                None => t.tuple.clone(),
            },
            Value::Dict(d) => match &d.borrow().kind {
                Some(k) => k.class.clone(),
                None => t.dict.clone(),
            },
            Value::Set(_) => t.set.clone(),
            Value::Range(_) => t.range.clone(),
            Value::Slice(_) => t.slice.clone(),
            Value::Class(_) => t.type_.clone(),
            Value::Module(_) => t.module.clone(),
            Value::Function(_) => t.function.clone(),
            Value::BoundMethod(_) => t.method.clone(),
            Value::Builtin(_) => t.builtin.clone(),
            Value::Iter(i) if matches!(*i.borrow(), super::value::Iter::Generator(_)) => {
                t.generator.clone()
            }
            Value::Iter(_) => t.iterator.clone(),
            _ => t.object.clone(),
        }
    }

    /// A class attribute found for instance `this`: functions bind, and an
    /// object whose class has `__get__` (property, staticmethod) is asked.
    fn class_attr(&mut self, this: &Value, owner: &Rc<Class>, x: Value) -> PyResult<Value> {
        if let Value::Object(o) = &x {
            let get = o.class().lookup("__get__");
            if let Some(get) = get {
                return self.call(
                    &get,
                    Args::new(vec![x.clone(), this.clone(), Value::Class(owner.clone())]),
                );
            }
        }
        Ok(bind_to(this, x))
    }

    /// `obj.name`.
    pub fn get_attr(&mut self, v: &Value, name: &str) -> PyResult<Value> {
        match v {
            Value::Instance(i) => {
                if let Some(x) = i.get(name) {
                    return Ok(x);
                }
                if let Some(x) = i.class.lookup(name) {
                    let class = i.class.clone();
                    return self.class_attr(v, &class, x);
                }
                match name {
                    "__class__" => return Ok(Value::Class(i.class.clone())),
                    "__dict__" => {
                        let d = Value::dict(Default::default());
                        let items: Vec<(Rc<str>, Value)> =
                            i.attrs.borrow().iter().cloned().collect();
                        for (k, x) in items {
                            self.set_item(&d, Value::Str(k), x)?;
                        }
                        return Ok(d);
                    }
                    _ => {}
                }
                if let Some(ga) = i.class.lookup("__getattr__") {
                    return self.call(&ga, Args::new(vec![v.clone(), Value::str(name)]));
                }
                Err(no_attr(v, name))
            }
            Value::Object(o) => {
                if let Some(x) = o.getattr(self, v, name)? {
                    return Ok(x);
                }
                let class = o.class();
                if let Some(x) = class.lookup(name) {
                    return self.class_attr(v, &class, x);
                }
                match name {
                    "__class__" => Ok(Value::Class(class)),
                    _ => Err(no_attr(v, name)),
                }
            }
            Value::Class(c) => match name {
                "__name__" => Ok(Value::Str(c.name.clone())),
                "__qualname__" => Ok(Value::Str(c.name.clone())),
                "__module__" => Ok(Value::Str(c.module.clone())),
                "__doc__" => Ok(c.lookup("__doc__").unwrap_or(Value::None)),
                "__mro__" => Ok(Value::tuple(
                    c.mro
                        .borrow()
                        .iter()
                        .map(|k| Value::Class(k.clone()))
                        .collect(),
                )),
                "__bases__" => Ok(Value::tuple(
                    c.bases.iter().map(|k| Value::Class(k.clone())).collect(),
                )),
                "__dict__" => {
                    let d = Value::dict(Default::default());
                    let items: Vec<(Rc<str>, Value)> = c.attrs.borrow().iter().cloned().collect();
                    for (k, x) in items {
                        self.set_item(&d, Value::Str(k), x)?;
                    }
                    Ok(d)
                }
                _ => match c.lookup(name) {
                    // A classmethod/staticmethod object decides what reading it gives.
                    Some(x @ Value::Object(_)) => {
                        let get = match &x {
                            Value::Object(o) => o.class().lookup("__get__"),
                            _ => None,
                        };
                        match get {
                            Some(get) => {
                                self.call(&get, Args::new(vec![x, Value::None, v.clone()]))
                            }
                            None => Ok(x),
                        }
                    }
                    Some(x) => Ok(x),
                    None => Err(no_attr(v, name)),
                },
            },
            Value::Module(m) => match name {
                "__name__" => Ok(Value::Str(m.name.clone())),
                "__doc__" => Ok(Value::Str(m.doc.clone())),
                _ => m.get(name).ok_or_else(|| no_attr(v, name)),
            },
            Value::Function(f) => match name {
                "__name__" | "__qualname__" => Ok(Value::Str(f.code.name.clone())),
                "__doc__" => Ok(f.code.doc.clone().map_or(Value::None, Value::Str)),
                "__module__" => Ok(Value::str("__main__")),
                _ => Err(no_attr(v, name)),
            },
            Value::Builtin(b) => match name {
                "__name__" | "__qualname__" => Ok(Value::str(b.name())),
                "__doc__" => Ok(Value::str(b.doc())),
                "__module__" => Ok(Value::str(b.owner())),
                _ => Err(no_attr(v, name)),
            },
            Value::BoundMethod(bm) => match name {
                "__self__" => Ok(bm.0.clone()),
                "__func__" => Ok(bm.1.clone()),
                _ => self.get_attr(&bm.1.clone(), name),
            },
            Value::Super(s) => {
                let (class, this) = &**s;
                match self.super_lookup(class, this, name) {
                    Some(f) => {
                        let owner = class.clone();
                        self.class_attr(this, &owner, f)
                    }
                    None if name == "__init__" => Ok(Value::Builtin(self.types.noop.clone())),
                    None => Err(exc(
                        "AttributeError",
                        format!("'super' object has no attribute '{name}'"),
                    )),
                }
            }
            Value::Tuple(t) => {
                if let Some(c) = &t.class {
                    if let Some(i) = c.fields.iter().position(|f| *f == name) {
                        return Ok(t.items[i].clone());
                    }
                }
                self.builtin_type_attr(v, name)
            }
            _ => self.builtin_type_attr(v, name),
        }
    }

    /// An attribute of a value of a built-in type: its class dict.
    fn builtin_type_attr(&mut self, v: &Value, name: &str) -> PyResult<Value> {
        let class = self.class_of(v);
        match class.lookup(name) {
            Some(x) => self.class_attr(v, &class, x),
            None if name == "__class__" => Ok(Value::Class(class)),
            // A built-in type's subclass may answer the rest (a dict whose
            // keys read as attributes).
            None => match class.lookup("__getattr__") {
                Some(ga) => self.call(&ga, Args::new(vec![v.clone(), Value::str(name)])),
                None => Err(no_attr(v, name)),
            },
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
            if let Some(v) = c.attrs.borrow().get(name) {
                return Some(v);
            }
        }
        None
    }

    /// Calls a function found in a class dict with `this` as first argument.
    fn call_unbound(&mut self, this: &Value, f: Value, args: Args) -> PyResult<Value> {
        if let Value::Builtin(b) = &f {
            return b.call_method(self, this.clone(), args);
        }
        let mut a = args;
        a.pos.insert(0, this.clone());
        match &f {
            Value::Function(func) => {
                let func = func.clone();
                if a.kw.is_empty() {
                    self.call_positional(&func, a.pos)
                } else {
                    self.call_function(&func, a)
                }
            }
            _ => self.call(&f, a),
        }
    }

    /// `obj.name(args)` without building a bound method.
    pub fn call_method(&mut self, v: &Value, name: &str, args: Args) -> PyResult<Value> {
        match v {
            Value::Instance(i) => {
                if let Some(x) = i.get(name) {
                    return self.call(&x, args);
                }
                if let Some(x) = i.class.lookup(name) {
                    if matches!(x, Value::Function(_) | Value::Builtin(_)) {
                        return self.call_unbound(v, x, args);
                    }
                }
                let f = self.get_attr(v, name)?;
                self.call(&f, args)
            }
            Value::Super(s) => {
                let (class, this) = &**s;
                match self.super_lookup(class, this, name) {
                    Some(f @ (Value::Function(_) | Value::Builtin(_))) => {
                        let this = this.clone();
                        self.call_unbound(&this, f, args)
                    }
                    Some(_) => {
                        let f = self.get_attr(v, name)?;
                        self.call(&f, args)
                    }
                    None if name == "__init__" => Ok(Value::None),
                    None => Err(exc(
                        "AttributeError",
                        format!("'super' object has no attribute '{name}'"),
                    )),
                }
            }
            Value::Module(m) => {
                let f = m.get(name).ok_or_else(|| no_attr(v, name))?;
                self.call(&f, args)
            }
            Value::Class(_) | Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) => {
                let f = self.get_attr(v, name)?;
                self.call(&f, args)
            }
            Value::Object(o) => {
                let class = o.class();
                if let Some(x) = class.lookup(name) {
                    if matches!(x, Value::Function(_) | Value::Builtin(_)) {
                        return self.call_unbound(v, x, args);
                    }
                }
                let f = self.get_attr(v, name)?;
                self.call(&f, args)
            }
            _ => {
                let class = self.class_of(v);
                match class.lookup(name) {
                    Some(x @ (Value::Function(_) | Value::Builtin(_))) => {
                        self.call_unbound(v, x, args)
                    }
                    _ => {
                        let f = self.get_attr(v, name)?;
                        self.call(&f, args)
                    }
                }
            }
        }
    }

    /// Calls `name` on `v` if its class defines it (a dunder): None if not.
    pub fn call_dunder(&mut self, v: &Value, name: &str, args: Args) -> PyResult<Option<Value>> {
        let class = self.class_of(v);
        match class.lookup(name) {
            Some(f) => self.call_unbound(v, f, args).map(Some),
            None => Ok(None),
        }
    }

    /// `obj.name = x`.
    pub fn set_attr(&mut self, v: &Value, name: &str, x: Value) -> PyResult<()> {
        match v {
            Value::Instance(i) => {
                if let Some(sa) = i.class.lookup("__setattr__") {
                    self.call(&sa, Args::new(vec![v.clone(), Value::str(name), x]))?;
                    return Ok(());
                }
                self.object_setattr(v, name, x)
            }
            Value::Class(c) => {
                c.set(name, x);
                Ok(())
            }
            Value::Module(m) => {
                m.set(name, x);
                Ok(())
            }
            Value::Object(o) => {
                if o.setattr(self, name, x)? {
                    return Ok(());
                }
                if o.class().has(name) {
                    return Err(exc(
                        "AttributeError",
                        format!(
                            "attribute '{name}' of '{}' objects is not writable",
                            v.type_name()
                        ),
                    ));
                }
                Err(no_attr(v, name))
            }
            _ => Err(exc(
                "AttributeError",
                format!("'{}' object attribute '{name}' is read-only", v.type_name()),
            )),
        }
    }

    /// The `__set__` of a data descriptor (a property) in a class dict.
    fn descriptor_set(&self, d: &Value) -> Option<Value> {
        match d {
            Value::Object(o) => o.class().lookup("__set__"),
            _ => None,
        }
    }

    /// `object.__setattr__(obj, name, x)`: a data descriptor of the class
    /// (a property's setter), else the instance dict, skipping any
    /// `__setattr__` of the class (what a native base calls when done).
    pub fn object_setattr(&mut self, v: &Value, name: &str, x: Value) -> PyResult<()> {
        match v {
            Value::Instance(i) => {
                if let Some(d) = i.class.lookup(name) {
                    if let Some(set) = self.descriptor_set(&d) {
                        self.call(&set, Args::new(vec![d, v.clone(), x]))?;
                        return Ok(());
                    }
                }
                i.set(name, x);
                Ok(())
            }
            _ => self.set_attr(v, name, x),
        }
    }

    pub fn del_attr(&mut self, v: &Value, name: &str) -> PyResult<()> {
        match v {
            Value::Instance(i) => {
                if let Some(da) = i.class.lookup("__delattr__") {
                    self.call(&da, Args::new(vec![v.clone(), Value::str(name)]))?;
                    return Ok(());
                }
                if i.attrs.borrow_mut().remove(name).is_none() {
                    return Err(no_attr(v, name));
                }
                Ok(())
            }
            Value::Object(o) => {
                if o.delattr(self, name)? {
                    Ok(())
                } else {
                    Err(no_attr(v, name))
                }
            }
            Value::Class(c) => {
                if c.attrs.borrow_mut().remove(name).is_none() {
                    return Err(no_attr(v, name));
                }
                Ok(())
            }
            _ => Err(no_attr(v, name)),
        }
    }
}
