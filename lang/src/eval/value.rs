//! Runtime values. Every heap value is an `Rc` handle, so reading a variable
//! clones a pointer, never a list or a tensor; lists, dicts, sets and
//! instances have shared mutable interiors (`RefCell`) as in Python.
//!
//! The evaluator runs on one thread (the session's worker), so `Rc` is safe
//! and cheaper than `Arc`. Values of the library (tensors, dtypes, ...) are
//! [`Object`]s and native functions [`Callable`]s: this module knows no
//! library type.

use super::code::FuncCode;
use super::dict::Dict;
use crate::protocol::{Callable, Object};
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A value of the language.
#[derive(Default)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Tuple>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Dict>>),
    Function(Rc<Function>),
    /// A method bound to its receiver (`obj.method` read as a value): the
    /// receiver and the function (user or native).
    BoundMethod(Rc<(Value, Value)>),
    /// A native function (`len`, `torch.sum`, `list.append`).
    Builtin(Rc<dyn Callable>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Module(Rc<ModuleObj>),
    /// A native value of the library (a tensor, a dtype, a generator, ...).
    Object(Rc<dyn Object>),
    Range(Rc<(i64, i64, i64)>),
    Iter(Rc<RefCell<Iter>>),
    Slice(Rc<[Value; 3]>),
    Ellipsis,
    /// `super()` inside a method: the class after which lookup starts, and self.
    Super(Rc<(Rc<Class>, Value)>),
    /// A closure cell in a frame slot (never visible to user code).
    Cell(Rc<RefCell<Value>>),
    /// A slot that has not been assigned yet (never visible to user code).
    Unbound,
}

/// Cloning a number, a bool or None copies it inline; everything else
/// bumps one reference count (out of line, to keep the hot paths small).
impl Clone for Value {
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::None => Value::None,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            _ => self.clone_heap(),
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_heap(&self) -> Value {
        match self {
            Value::None => Value::None,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            Value::Str(x) => Value::Str(x.clone()),
            Value::List(x) => Value::List(x.clone()),
            Value::Tuple(x) => Value::Tuple(x.clone()),
            Value::Dict(x) => Value::Dict(x.clone()),
            Value::Set(x) => Value::Set(x.clone()),
            Value::Function(x) => Value::Function(x.clone()),
            Value::BoundMethod(x) => Value::BoundMethod(x.clone()),
            Value::Builtin(x) => Value::Builtin(x.clone()),
            Value::Class(x) => Value::Class(x.clone()),
            Value::Instance(x) => Value::Instance(x.clone()),
            Value::Module(x) => Value::Module(x.clone()),
            Value::Object(x) => Value::Object(x.clone()),
            Value::Range(x) => Value::Range(x.clone()),
            Value::Iter(x) => Value::Iter(x.clone()),
            Value::Slice(x) => Value::Slice(x.clone()),
            Value::Super(x) => Value::Super(x.clone()),
            Value::Cell(x) => Value::Cell(x.clone()),
            Value::Ellipsis => Value::Ellipsis,
            Value::Unbound => Value::Unbound,
        }
    }
}

/// A tuple, or an instance of a tuple subclass (`torch.Size`, the named
/// `torch.return_types.max`).
pub struct Tuple {
    pub items: Vec<Value>,
    pub class: Option<Rc<TupleClass>>,
}

/// A tuple subclass: its class (name, module, dict with `__repr__`) and,
/// for a named tuple, its field names.
pub struct TupleClass {
    pub class: Rc<Class>,
    pub fields: Vec<&'static str>,
}

/// A native function as user code calls it (`len`, `str.split`).
pub type NativeFn =
    fn(&mut super::interp::Interp, super::call::Args) -> super::error::PyResult<Value>;

/// A user function or lambda: code plus what it closed over.
pub struct Function {
    pub code: Rc<FuncCode>,
    /// Defaults of the last positional parameters, left to right.
    pub defaults: Vec<Value>,
    /// Defaults of keyword-only parameters (None: required).
    pub kwdefaults: Vec<Option<Value>>,
    pub captures: Vec<Rc<RefCell<Value>>>,
    /// The class whose body defined this function (for `super()`).
    pub class: RefCell<Option<std::rc::Weak<Class>>>,
}

/// What a class is built on, for the behaviours the evaluator implements.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClassKind {
    Object,
    Exception,
}

/// Attributes in assignment order (a module's parameters register in it),
/// with a hash index once there are many (the Tensor class holds hundreds).
#[derive(Default)]
pub struct Namespace {
    items: Vec<(Rc<str>, Value)>,
    index: Option<HashMap<Rc<str>, usize>>,
}

/// Past this many names a namespace keeps a hash index.
const INDEX_ABOVE: usize = 12;

impl Namespace {
    pub fn new() -> Namespace {
        Namespace::default()
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.position(name).map(|i| self.items[i].1.clone())
    }

    pub fn get_ref(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|i| &self.items[i].1)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    #[inline]
    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(name).copied(),
            None => self.items.iter().position(|(k, _)| &**k == name),
        }
    }

    pub fn set(&mut self, name: &str, v: Value) {
        if let Some(i) = self.position(name) {
            self.items[i].1 = v;
            return;
        }
        let key: Rc<str> = Rc::from(name);
        if let Some(ix) = &mut self.index {
            ix.insert(key.clone(), self.items.len());
        }
        self.items.push((key, v));
        if self.index.is_none() && self.items.len() > INDEX_ABOVE {
            self.reindex();
        }
    }

    /// Removes `name`, keeping the order of the rest; the value if present.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        let (_, v) = self.items.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(v)
    }

    fn reindex(&mut self) {
        self.index = Some(
            self.items
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect(),
        );
    }

    pub fn iter(&self) -> impl Iterator<Item = &(Rc<str>, Value)> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut (Rc<str>, Value)> {
        self.items.iter_mut()
    }

    /// The values, consuming the namespace (the cycle collector empties
    /// unreachable instances this way).
    pub fn into_values(self) -> impl Iterator<Item = Value> {
        self.items.into_iter().map(|(_, v)| v)
    }

    pub fn names(&self) -> Vec<Rc<str>> {
        self.items.iter().map(|(k, _)| k.clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

pub struct Class {
    pub name: Rc<str>,
    pub bases: Vec<Rc<Class>>,
    /// Method resolution order, starting with the class itself.
    pub mro: RefCell<Vec<Rc<Class>>>,
    pub attrs: RefCell<Namespace>,
    pub kind: ClassKind,
    /// The module that defined it (`<class 'torch.nn.modules.linear.Linear'>`).
    pub module: Rc<str>,
    /// A native constructor standing in for `__new__` + `__init__` (built-in
    /// types whose instances are not `Instance`s: `int`, `torch.device`).
    pub new: RefCell<Option<Value>>,
}

pub struct Instance {
    pub class: Rc<Class>,
    /// Attributes in assignment order (nn.Module registers parameters in it).
    pub attrs: RefCell<Namespace>,
    /// The state of a native base class (an `nn.Module`'s layer, buffers and
    /// training flag), set by that class's native `__init__`.
    pub native: RefCell<Option<Rc<dyn Any>>>,
}

pub struct ModuleObj {
    pub name: Rc<str>,
    pub attrs: RefCell<Namespace>,
    pub doc: Rc<str>,
}

/// Iterators: eager where that is fine (generator expressions are lists).
pub enum Iter {
    Seq {
        items: Rc<Vec<Value>>,
        pos: usize,
    },
    List {
        list: Rc<RefCell<Vec<Value>>>,
        pos: usize,
    },
    /// A dict's or set's keys, taken when iteration starts; a change of the
    /// container's size stops it with CPython's RuntimeError.
    Keys {
        dict: Rc<RefCell<Dict>>,
        keys: Rc<Vec<Value>>,
        pos: usize,
        /// "dictionary" or "Set", for the error.
        kind: &'static str,
    },
    Range {
        next: i64,
        stop: i64,
        step: i64,
    },
    Str {
        s: Rc<str>,
        pos: usize,
    },
    /// A native producer (a tensor's rows, a DataLoader's batches).
    Native(Box<NativeNext>),
    /// A generator function's run.
    Generator(Box<super::generator::Generator>),
}

/// The step function of a native iterator.
pub type NativeNext =
    dyn FnMut(&mut super::interp::Interp) -> super::error::PyResult<Option<Value>>;

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(v: Vec<Value>) -> Value {
        let l = Rc::new(RefCell::new(v));
        super::gc::track_list(&l);
        Value::List(l)
    }

    pub fn dict(d: Dict) -> Value {
        let d = Rc::new(RefCell::new(d));
        super::gc::track_dict(&d);
        Value::Dict(d)
    }

    pub fn set(d: Dict) -> Value {
        let d = Rc::new(RefCell::new(d));
        super::gc::track_dict(&d);
        Value::Set(d)
    }

    pub fn instance(i: Instance) -> Value {
        let i = Rc::new(i);
        super::gc::track_instance(&i);
        Value::Instance(i)
    }

    /// A closure cell (a frame slot captured by an inner function).
    pub fn cell(v: Value) -> Rc<RefCell<Value>> {
        let c = Rc::new(RefCell::new(v));
        super::gc::track_cell(&c);
        c
    }

    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(Tuple {
            items: v,
            class: None,
        }))
    }

    /// An instance of the tuple subclass `class` (`torch.Size`, a named tuple).
    pub fn tuple_of(class: &Rc<TupleClass>, v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(Tuple {
            items: v,
            class: Some(class.clone()),
        }))
    }

    pub fn iter(it: Iter) -> Value {
        let it = Rc::new(RefCell::new(it));
        super::gc::track_iter(&it);
        Value::Iter(it)
    }

    pub fn object(o: impl Object) -> Value {
        Value::Object(Rc::new(o))
    }

    pub fn builtin(f: impl Callable + 'static) -> Value {
        Value::Builtin(Rc::new(f))
    }

    /// The native value of type `T` inside, if this is one.
    #[inline]
    pub fn downcast<T: 'static>(&self) -> Option<&T> {
        match self {
            Value::Object(o) => o.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }

    /// The native state of type `T` of an instance of a native base class.
    pub fn native<T: 'static>(&self) -> Option<Rc<T>> {
        match self {
            Value::Instance(i) => i.native.borrow().clone()?.downcast::<T>().ok(),
            _ => None,
        }
    }

    /// Python's `type(x).__name__`.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(t) => match &t.class {
                None => "tuple".into(),
                Some(c) => c.class.name.to_string(),
            },
            Value::Dict(d) => match &d.borrow().kind {
                Some(k) => k.class.name.to_string(),
                None => "dict".into(),
            },
            Value::Set(_) => "set".into(),
            Value::Function(_) => "function".into(),
            Value::BoundMethod(_) => "method".into(),
            Value::Builtin(_) => "builtin_function_or_method".into(),
            Value::Class(_) => "type".into(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Module(_) => "module".into(),
            Value::Object(o) => o.class().name.to_string(),
            Value::Range(_) => "range".into(),
            Value::Iter(i) if matches!(*i.borrow(), Iter::Generator(_)) => "generator".into(),
            Value::Iter(_) => "iterator".into(),
            Value::Slice(_) => "slice".into(),
            Value::Ellipsis => "ellipsis".into(),
            Value::Super(_) => "super".into(),
            Value::Cell(_) | Value::Unbound => "cell".into(),
        }
    }

    /// Python truthiness where it needs no call (None: objects and
    /// instances, which may define it).
    pub fn truthy_simple(&self) -> Option<bool> {
        Some(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.items.is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::Range(r) => range_len(r.0, r.1, r.2) > 0,
            Value::Object(_) | Value::Instance(_) => return None,
            _ => true,
        })
    }

    /// Identity for `is`, hashing of objects and `id()`.
    pub fn identity(&self) -> usize {
        match self {
            Value::Str(s) => Rc::as_ptr(s) as *const u8 as usize,
            Value::List(l) => Rc::as_ptr(l) as usize,
            Value::Tuple(t) => Rc::as_ptr(t) as usize,
            Value::Dict(d) | Value::Set(d) => Rc::as_ptr(d) as usize,
            Value::Function(f) => Rc::as_ptr(f) as usize,
            Value::Builtin(b) => Rc::as_ptr(b) as *const u8 as usize,
            Value::Class(c) => Rc::as_ptr(c) as usize,
            Value::Instance(i) => Rc::as_ptr(i) as usize,
            Value::Module(m) => Rc::as_ptr(m) as usize,
            Value::Object(o) => o.identity().unwrap_or(Rc::as_ptr(o) as *const u8 as usize),
            Value::Iter(i) => Rc::as_ptr(i) as usize,
            Value::BoundMethod(b) => Rc::as_ptr(b) as usize,
            Value::Range(r) => Rc::as_ptr(r) as usize,
            Value::Int(i) => *i as usize,
            Value::Bool(b) => *b as usize + 1,
            Value::None => 0,
            _ => 0x1000,
        }
    }

    pub fn is_same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) | (Value::Ellipsis, Value::Ellipsis) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a == b,
            (Value::Object(a), Value::Object(b)) => {
                a.identity().is_some() && a.identity() == b.identity()
                    || std::ptr::addr_eq(Rc::as_ptr(a), Rc::as_ptr(b))
                    || match (a.hash_key(), b.hash_key()) {
                        // Interned values (dtypes, devices) are `is`-identical by value.
                        (Some(x), Some(y)) => x == y && a.class().name == b.class().name,
                        _ => false,
                    }
            }
            (a, b) => {
                std::mem::discriminant(a) == std::mem::discriminant(b)
                    && a.identity() == b.identity()
            }
        }
    }
}

impl Class {
    /// Looks `name` up along the MRO.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.attrs.borrow().get(name) {
            return Some(v);
        }
        for c in self.mro.borrow().iter().skip(1) {
            if let Some(v) = c.attrs.borrow().get(name) {
                return Some(v);
            }
        }
        None
    }

    /// Whether `name` is defined along the MRO (no value cloned).
    pub fn has(&self, name: &str) -> bool {
        self.attrs.borrow().contains(name)
            || self
                .mro
                .borrow()
                .iter()
                .skip(1)
                .any(|c| c.attrs.borrow().contains(name))
    }

    pub fn is_subclass(&self, other: &Class) -> bool {
        std::ptr::eq(self, other) || self.mro.borrow().iter().any(|c| std::ptr::eq(&**c, other))
    }

    /// `module.Name` as Python prints it in `<class '...'>`.
    pub fn qualname(&self) -> String {
        if &*self.module == "builtins" {
            self.name.to_string()
        } else {
            format!("{}.{}", self.module, self.name)
        }
    }

    /// A class with `bases`, its MRO computed depth-first left-to-right without
    /// duplicates (C3 agrees on the single-inheritance trees users write).
    pub fn new(name: &str, bases: Vec<Rc<Class>>, kind: ClassKind, module: &str) -> Rc<Class> {
        let c = Rc::new(Class {
            name: Rc::from(name),
            bases: bases.clone(),
            mro: RefCell::new(Vec::new()),
            attrs: RefCell::new(Namespace::new()),
            kind,
            module: Rc::from(module),
            new: RefCell::new(None),
        });
        super::gc::track_class(&c);
        let mut mro = vec![c.clone()];
        for b in &bases {
            for m in b.mro.borrow().iter() {
                if !mro.iter().any(|x| Rc::ptr_eq(x, m)) {
                    mro.push(m.clone());
                }
            }
        }
        *c.mro.borrow_mut() = mro;
        c
    }

    /// Sets a class attribute (a method, `__doc__`).
    pub fn set(&self, name: &str, v: Value) {
        self.attrs.borrow_mut().set(name, v);
    }
}

pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    // In i128: `range(-2**63, 2**63 - 1)` has more than i64::MAX items.
    let (start, stop, step) = (start as i128, stop as i128, step as i128);
    let n = if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    };
    n.min(i64::MAX as i128) as i64
}

impl Instance {
    pub fn new(class: Rc<Class>) -> Instance {
        Instance {
            class,
            attrs: RefCell::new(Namespace::new()),
            native: RefCell::new(None),
        }
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.attrs.borrow().get(name)
    }

    pub fn set(&self, name: &str, v: Value) {
        self.attrs.borrow_mut().set(name, v)
    }
}

impl ModuleObj {
    pub fn new(name: &str, doc: &str) -> Rc<ModuleObj> {
        Rc::new(ModuleObj {
            name: Rc::from(name),
            attrs: RefCell::new(Namespace::new()),
            doc: Rc::from(doc),
        })
    }
    pub fn get(&self, name: &str) -> Option<Value> {
        self.attrs.borrow().get(name)
    }
    pub fn set(&self, name: &str, v: Value) {
        self.attrs.borrow_mut().set(name, v)
    }
}
