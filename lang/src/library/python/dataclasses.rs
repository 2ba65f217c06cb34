//! `dataclasses`: `@dataclass` (with or without arguments) writes
//! `__init__`, `__repr__` and `__eq__` from the class's annotated fields (in
//! order, a base dataclass's first), with defaults from the class body or
//! `field(default=..., default_factory=...)`, and calls `__post_init__`;
//! `fields()`, `asdict()`, `replace()`.

use crate::bind::{raw, row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, set_class};
use crate::protocol::{Callable, Object};
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static FIELD: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

#[rustfmt::skip]
const FUNCTIONS: &[Row] = &[
    raw("dataclass(cls=None, /, *, init=True, repr=True, eq=True, order=False, unsafe_hash=False, frozen=False, match_args=True, kw_only=False, slots=False)", "Adds __init__, __repr__ and __eq__ built from the class's annotated fields.\n\n>>> @dataclass\n... class Config:\n...     n_embd: int = 32\n>>> Config(n_embd=64)\nConfig(n_embd=64)", dataclass),
    row("field(*, default=..., default_factory=..., init=True, repr=True, hash=None, compare=True, metadata=None, kw_only=...)", "A field's default (default_factory() is called for each new object).", field),
    row("fields(class_or_instance)", "The fields of a dataclass, in order.", fields),
    row("asdict(obj)", "The fields of a dataclass instance as a dict.", asdict),
    raw("replace(obj, /, **changes)", "A copy of a dataclass instance with some fields changed.", replace),
    row("is_dataclass(obj)", "Whether obj is a dataclass or an instance of one.", is_dataclass),
];

pub fn install(it: &mut Interp) {
    let m = super::super::module(
        it,
        "dataclasses",
        "Classes generated from annotated fields.",
    );
    crate::bind::into_module(&m, "dataclasses", FUNCTIONS, Style::Python);
    let object = it.types.object.clone();
    let f = super::super::class("Field", "dataclasses", &[&object], "A dataclass field.");
    set_class(&FIELD, &f);
    m.set("Field", Value::Class(f));
}

/// One field: its name and how it gets its value when not given.
#[derive(Clone)]
struct Field {
    name: Rc<str>,
    default: Option<Value>,
    factory: Option<Value>,
    repr: bool,
}

impl Object for Field {
    fn class(&self) -> Rc<Class> {
        class_in(&FIELD, "Field")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        let d = match &self.default {
            Some(v) => it.repr(v)?,
            None => "<dataclasses._MISSING_TYPE object>".into(),
        };
        Ok(format!("Field(name='{}',default={d})", self.name))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "name" => Some(Value::Str(self.name.clone())),
            "default" => self.default.clone(),
            "default_factory" => self.factory.clone(),
            _ => None,
        })
    }
}

fn field(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::object(Field {
        name: Rc::from(""),
        default: b.opt(0).cloned(),
        factory: b.opt(1).cloned(),
        repr: b.bool(3)?,
    }))
}

/// The options `@dataclass(...)` was given.
#[derive(Clone, Copy)]
struct Options {
    init: bool,
    repr: bool,
    eq: bool,
}

/// `@dataclass` or `@dataclass(...)` (then a decorator comes back).
fn dataclass(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut opts = Options {
        init: true,
        repr: true,
        eq: true,
    };
    for (k, v) in &a.kw {
        match &**k {
            "init" => opts.init = it.truthy(v)?,
            "repr" => opts.repr = it.truthy(v)?,
            "eq" => opts.eq = it.truthy(v)?,
            "order" | "unsafe_hash" | "frozen" | "match_args" | "kw_only" | "slots" => {}
            other => {
                return Err(type_error(format!(
                    "dataclass() got an unexpected keyword argument '{other}'"
                )))
            }
        }
    }
    match a.pos.first() {
        Some(Value::Class(c)) => make(it, c, opts),
        Some(other) => Err(type_error(format!(
            "dataclass() should be called on a class, not {}",
            other.type_name()
        ))),
        None => Ok(Value::builtin(Decorator(opts))),
    }
}

/// What `@dataclass(...)` returns.
struct Decorator(Options);

impl Callable for Decorator {
    fn call(&self, it: &mut Interp, a: Args) -> PyResult<Value> {
        match a.pos.first() {
            Some(Value::Class(c)) => make(it, c, self.0),
            _ => Err(type_error("dataclass() should be called on a class")),
        }
    }
    fn name(&self) -> &str {
        "wrap"
    }
    fn owner(&self) -> &str {
        "dataclasses"
    }
    fn doc(&self) -> &str {
        "Makes the class a dataclass."
    }
    fn signatures(&self, _: bool) -> Vec<String> {
        vec!["wrap(cls)".into()]
    }
    fn keywords(&self) -> Vec<String> {
        vec![]
    }
}

/// The fields of `c` (a base dataclass's first), as recorded by [`make`].
fn class_fields(c: &Class) -> Vec<Field> {
    match c.lookup("__dataclass_fields__") {
        Some(Value::Tuple(t)) => t
            .items
            .iter()
            .filter_map(|v| v.downcast::<Field>().cloned())
            .collect(),
        _ => Vec::new(),
    }
}

fn make(it: &mut Interp, c: &Rc<Class>, opts: Options) -> PyResult<Value> {
    let mut fields: Vec<Field> = Vec::new();
    for base in &c.bases {
        for f in class_fields(base) {
            fields.retain(|g| g.name != f.name);
            fields.push(f);
        }
    }
    let own = match c.attrs.borrow().get("__annotations__") {
        Some(Value::Dict(d)) => d.borrow().keys(),
        _ => Vec::new(),
    };
    for name in own {
        let Value::Str(name) = name else { continue };
        let mut f = match c.attrs.borrow().get(&name) {
            Some(v) => match v.downcast::<Field>() {
                Some(spec) => spec.clone(),
                None => Field {
                    name: name.clone(),
                    default: Some(v),
                    factory: None,
                    repr: true,
                },
            },
            None => Field {
                name: name.clone(),
                default: None,
                factory: None,
                repr: true,
            },
        };
        f.name = name.clone();
        // A field(...) spec leaves its default (or nothing) in the class.
        match &f.default {
            Some(d) => c.set(&name, d.clone()),
            None => {
                c.attrs.borrow_mut().remove(&name);
            }
        }
        if let Some(v) = &f.default {
            if matches!(v, Value::List(_) | Value::Dict(_) | Value::Set(_)) {
                let class = Value::Class(it.class_of(v));
                return Err(crate::eval::error::exc(
                    "ValueError",
                    format!(
                        "mutable default {} for field {name} is not allowed: use default_factory",
                        it.repr(&class)?
                    ),
                ));
            }
        }
        fields.retain(|g| g.name != f.name);
        fields.push(f);
    }
    let mut seen_default = false;
    for f in &fields {
        let has = f.default.is_some() || f.factory.is_some();
        if seen_default && !has {
            return Err(type_error(format!(
                "non-default argument '{}' follows default argument",
                f.name
            )));
        }
        seen_default |= has;
    }
    let fields = Rc::new(fields);
    c.set(
        "__dataclass_fields__",
        Value::tuple(fields.iter().map(|f| Value::object(f.clone())).collect()),
    );
    let method = |kind: Kind| {
        Value::builtin(Generated {
            kind,
            fields: fields.clone(),
            class: c.name.clone(),
        })
    };
    if opts.init {
        c.set("__init__", method(Kind::Init));
    }
    if opts.repr {
        c.set("__repr__", method(Kind::Repr));
    }
    if opts.eq {
        c.set("__eq__", method(Kind::Eq));
    }
    Ok(Value::Class(c.clone()))
}

#[derive(Clone, Copy)]
enum Kind {
    Init,
    Repr,
    Eq,
}

/// A method `@dataclass` wrote.
struct Generated {
    kind: Kind,
    fields: Rc<Vec<Field>>,
    class: Rc<str>,
}

impl Callable for Generated {
    fn call(&self, it: &mut Interp, a: Args) -> PyResult<Value> {
        let mut pos = a.pos.into_iter();
        let Some(this) = pos.next() else {
            return Err(type_error(format!("{}() needs self", self.name())));
        };
        match self.kind {
            Kind::Init => {
                let pos: Vec<Value> = pos.collect();
                init(it, &this, &self.fields, &self.class, pos, a.kw)?;
                Ok(Value::None)
            }
            Kind::Repr => {
                let mut parts = Vec::new();
                for f in self.fields.iter().filter(|f| f.repr) {
                    let v = it.get_attr(&this, &f.name)?;
                    parts.push(format!("{}={}", f.name, it.repr(&v)?));
                }
                let name = it.class_of(&this).name.clone();
                Ok(Value::str(&format!("{name}({})", parts.join(", "))))
            }
            Kind::Eq => {
                let Some(other) = pos.next() else {
                    return Err(type_error("__eq__() needs other"));
                };
                if !Rc::ptr_eq(&it.class_of(&this), &it.class_of(&other)) {
                    return Ok(Value::Bool(false));
                }
                for f in self.fields.iter() {
                    let (x, y) = (it.get_attr(&this, &f.name)?, it.get_attr(&other, &f.name)?);
                    if !it.eq(&x, &y)? {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(true))
            }
        }
    }
    fn name(&self) -> &str {
        match self.kind {
            Kind::Init => "__init__",
            Kind::Repr => "__repr__",
            Kind::Eq => "__eq__",
        }
    }
    fn owner(&self) -> &str {
        &self.class
    }
    fn doc(&self) -> &str {
        "Written by @dataclass from the class's fields."
    }
    fn signatures(&self, _: bool) -> Vec<String> {
        let params: Vec<String> = self.fields.iter().map(|f| f.name.to_string()).collect();
        vec![format!("{}(self, {})", self.name(), params.join(", "))]
    }
    fn keywords(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.to_string()).collect()
    }
}

/// `__init__(self, *fields)`: positional then keyword values, defaults and
/// factories for the rest, then `__post_init__`.
fn init(
    it: &mut Interp,
    this: &Value,
    fields: &[Field],
    class: &str,
    pos: Vec<Value>,
    kw: Vec<(Rc<str>, Value)>,
) -> PyResult<()> {
    if pos.len() > fields.len() {
        let required = fields
            .iter()
            .filter(|f| f.default.is_none() && f.factory.is_none())
            .count();
        let takes = if required == fields.len() {
            format!("{}", fields.len() + 1)
        } else {
            format!("from {} to {}", required + 1, fields.len() + 1)
        };
        return Err(type_error(format!(
            "{class}.__init__() takes {takes} positional arguments but {} were given",
            pos.len() + 1
        )));
    }
    let mut values: Vec<Option<Value>> = vec![None; fields.len()];
    for (i, v) in pos.into_iter().enumerate() {
        values[i] = Some(v);
    }
    for (k, v) in kw {
        let Some(i) = fields.iter().position(|f| f.name == k) else {
            return Err(type_error(format!(
                "{class}.__init__() got an unexpected keyword argument '{k}'"
            )));
        };
        if values[i].is_some() {
            return Err(type_error(format!(
                "{class}.__init__() got multiple values for argument '{k}'"
            )));
        }
        values[i] = Some(v);
    }
    for (f, v) in fields.iter().zip(values) {
        let v = match (v, &f.default, &f.factory) {
            (Some(v), _, _) => v,
            (None, Some(d), _) => d.clone(),
            (None, None, Some(make)) => it.call(make, Args::default())?,
            (None, None, None) => {
                return Err(type_error(format!(
                    "{class}.__init__() missing 1 required positional argument: '{}'",
                    f.name
                )))
            }
        };
        it.set_attr(this, &f.name, v)?;
    }
    if it.class_of(this).has("__post_init__") {
        it.call_method(this, "__post_init__", Args::default())?;
    }
    Ok(())
}

fn fields_of(it: &mut Interp, v: &Value) -> PyResult<Vec<Field>> {
    let fields = match v {
        Value::Class(c) => class_fields(c),
        v => class_fields(&it.class_of(v)),
    };
    if fields.is_empty()
        && !it.class_of(v).has("__dataclass_fields__")
        && !matches!(v, Value::Class(c) if c.has("__dataclass_fields__"))
    {
        return Err(type_error(
            "must be called with a dataclass type or instance",
        ));
    }
    Ok(fields)
}

fn fields(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let fs = fields_of(it, b.value(0))?;
    Ok(Value::tuple(fs.into_iter().map(Value::object).collect()))
}

fn asdict(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let mut d = Dict::new();
    for f in fields_of(it, this)? {
        let v = it.get_attr(this, &f.name)?;
        d.insert(Key::Str(f.name.clone()), Value::Str(f.name.clone()), v);
    }
    Ok(Value::dict(d))
}

fn replace(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Some(this) = a.pos.first().cloned() else {
        return Err(type_error(
            "replace() missing 1 required positional argument: 'obj'",
        ));
    };
    let mut kw = a.kw;
    for f in fields_of(it, &this)? {
        if !kw.iter().any(|(k, _)| *k == f.name) {
            let v = it.get_attr(&this, &f.name)?;
            kw.push((f.name.clone(), v));
        }
    }
    let class = Value::Class(it.class_of(&this));
    it.call(&class, Args { pos: vec![], kw })
}

fn is_dataclass(it: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(match b.value(0) {
        Value::Class(c) => c.has("__dataclass_fields__"),
        v => it.class_of(v).has("__dataclass_fields__"),
    }))
}
