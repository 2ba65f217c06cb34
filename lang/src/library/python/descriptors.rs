//! Descriptors: what reading an attribute of a class gives. Native callables
//! that stand in for functions (a decorated function) bind like functions;
//! `staticmethod`, `classmethod` and `property` are Python's.

use crate::bind::{into_class, raw, row, Bound, Def, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, set_class};
use crate::protocol::Object;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static STATICMETHOD: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static CLASSMETHOD: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static PROPERTY: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

/// `__get__(self, instance, owner)` of a function-like object: itself when
/// read from the class, bound to the instance otherwise.
pub fn bind_like_function(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(match b.value(1) {
        Value::None => b.value(0).clone(),
        inst => Value::BoundMethod(Rc::new((inst.clone(), b.value(0).clone()))),
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Static,
    Class,
    Property,
}

/// A `staticmethod`, `classmethod` or `property` object.
struct Descriptor {
    kind: Kind,
    /// The function (the getter of a property; None: no getter).
    f: Value,
    /// A property's setter.
    set: Value,
    doc: Value,
}

impl Object for Descriptor {
    fn class(&self) -> Rc<Class> {
        match self.kind {
            Kind::Static => class_in(&STATICMETHOD, "staticmethod"),
            Kind::Class => class_in(&CLASSMETHOD, "classmethod"),
            Kind::Property => class_in(&PROPERTY, "property"),
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        Ok(match self.kind {
            Kind::Static => format!("<staticmethod({})>", it.repr(&self.f)?),
            Kind::Class => format!("<classmethod({})>", it.repr(&self.f)?),
            Kind::Property => format!("<property object at 0x{:x}>", self as *const _ as usize),
        })
    }
    fn getattr(&self, it: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(Some(match (self.kind, name) {
            (Kind::Static | Kind::Class, "__func__" | "__wrapped__") => self.f.clone(),
            (Kind::Static | Kind::Class, "__name__" | "__doc__") => it.get_attr(&self.f, name)?,
            (Kind::Property, "fget") => self.f.clone(),
            (Kind::Property, "fset") => self.set.clone(),
            (Kind::Property, "__doc__") => self.doc.clone(),
            _ => return Ok(None),
        }))
    }
    /// A staticmethod is callable as its function (Python 3.10+).
    fn call(&self, it: &mut Interp, _: &Value, args: Args) -> PyResult<Option<Value>> {
        match self.kind {
            Kind::Static => it.call(&self.f, args).map(Some),
            _ => Ok(None),
        }
    }
    fn dir(&self) -> Vec<&'static str> {
        match self.kind {
            Kind::Property => vec!["fget", "fset", "getter", "setter"],
            _ => vec!["__func__"],
        }
    }
}

/// `classmethod(f)`, for native classes that declare one.
pub fn classmethod_of(f: Value) -> Value {
    descriptor(Kind::Class, f)
}

fn descriptor(kind: Kind, f: Value) -> Value {
    Value::object(Descriptor {
        kind,
        f,
        set: Value::None,
        doc: Value::None,
    })
}

fn this<'a>(b: &'a Bound) -> PyResult<&'a Descriptor> {
    b.value(0)
        .downcast::<Descriptor>()
        .ok_or_else(|| type_error("descriptor method called on another object"))
}

fn staticmethod(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(descriptor(Kind::Static, b.value(0).clone()))
}

fn classmethod(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(descriptor(Kind::Class, b.value(0).clone()))
}

fn property(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let doc = match b.value(3) {
        Value::None if !matches!(f, Value::None) => {
            it.get_attr(&f, "__doc__").unwrap_or(Value::None)
        }
        d => d.clone(),
    };
    Ok(Value::object(Descriptor {
        kind: Kind::Property,
        f,
        set: b.value(1).clone(),
        doc,
    }))
}

fn static_get(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(this(&b)?.f.clone())
}

fn class_get(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let owner = match (b.value(2), b.value(1)) {
        (Value::None, inst) => Value::Class(it.class_of(inst)),
        (owner, _) => owner.clone(),
    };
    Ok(Value::BoundMethod(Rc::new((owner, this(&b)?.f.clone()))))
}

fn property_get(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = this(&b)?;
    match (b.value(1), &p.f) {
        (Value::None, _) => Ok(b.value(0).clone()),
        (_, Value::None) => Err(exc("AttributeError", "property has no getter")),
        (inst, f) => it.call(f, Args::new(vec![inst.clone()])),
    }
}

fn property_set(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = this(&b)?;
    let inst = b.value(1).clone();
    if let Value::None = p.set {
        let owner = inst.type_name();
        let name = match &p.f {
            Value::None => "?".to_string(),
            f => match it.get_attr(f, "__name__")? {
                Value::Str(s) => s.to_string(),
                _ => "?".to_string(),
            },
        };
        return Err(exc(
            "AttributeError",
            format!("property '{name}' of '{owner}' object has no setter"),
        ));
    }
    it.call(&p.set, Args::new(vec![inst, b.value(2).clone()]))?;
    Ok(Value::None)
}

/// `prop.setter(fset)` / `prop.getter(fget)`: a copy with that function.
fn property_setter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = this(&b)?;
    Ok(Value::object(Descriptor {
        kind: Kind::Property,
        f: p.f.clone(),
        set: b.value(1).clone(),
        doc: p.doc.clone(),
    }))
}

fn property_getter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = this(&b)?;
    Ok(Value::object(Descriptor {
        kind: Kind::Property,
        f: b.value(1).clone(),
        set: p.set.clone(),
        doc: p.doc.clone(),
    }))
}

#[rustfmt::skip]
const STATIC_METHODS: &[Row] = &[
    row("__get__(self, instance, owner=None)", "The function itself.", static_get),
    raw("__call__(self, *args, **kwargs)", "Calls the function (Python 3.10+; what callable() looks for).", static_call),
];

fn static_call(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    if a.pos.is_empty() {
        return Err(type_error(
            "__call__() missing 1 required positional argument: 'self'",
        ));
    }
    let this = a.pos.remove(0);
    let f = match this.downcast::<Descriptor>() {
        Some(d) => d.f.clone(),
        None => return Err(type_error("descriptor '__call__' needs a staticmethod")),
    };
    it.call(&f, a)
}

#[rustfmt::skip]
const CLASS_METHODS: &[Row] = &[
    row("__get__(self, instance, owner=None)", "The function bound to the class.", class_get),
];

#[rustfmt::skip]
const PROPERTY_METHODS: &[Row] = &[
    row("__get__(self, instance, owner=None)", "The getter's value for instance (the property itself from the class).", property_get),
    row("__set__(self, instance, value)", "Calls the setter.", property_set),
    row("setter(self, fset)", "A copy of the property with this setter (a decorator).", property_setter),
    row("getter(self, fget)", "A copy of the property with this getter (a decorator).", property_getter),
];

/// The classes, callable as Python's decorators and constructors.
#[rustfmt::skip]
const TYPES: &[(&str, Row, &[Row])] = &[
    ("staticmethod", row("staticmethod(function, /)", "A function stored in a class that does not receive the instance.\n\n>>> class A:\n...     @staticmethod\n...     def f(x): return x + 1\n>>> A.f(1)\n2", staticmethod), STATIC_METHODS),
    ("classmethod", row("classmethod(function, /)", "A function stored in a class that receives the class as its first argument.", classmethod), CLASS_METHODS),
    ("property", row("property(fget=None, fset=None, fdel=None, doc=None)", "A computed attribute: reading calls fget(obj), assigning calls fset(obj, value).\n\n>>> class A:\n...     @property\n...     def two(self): return 2\n>>> A().two\n2", property), PROPERTY_METHODS),
];

pub fn install(it: &mut Interp) {
    let object = it.types.object.clone();
    for (name, ctor, methods) in TYPES {
        let class = crate::library::class(name, "builtins", &[&object], ctor.doc);
        into_class(&class, methods, Style::Python);
        let d = Def::from_row("builtins", ctor, Style::Python);
        *class.new.borrow_mut() = Some(d.value());
        let slot = match *name {
            "staticmethod" => &STATICMETHOD,
            "classmethod" => &CLASSMETHOD,
            _ => &PROPERTY,
        };
        set_class(slot, &class);
        it.builtins.insert(Rc::from(*name), Value::Class(class));
    }
}
