//! Runtime values. Every heap value is an `Rc` handle, so reading a variable
//! clones a pointer, never a list or a tensor; lists, dicts, sets and
//! instances have shared mutable interiors (`RefCell`) as in Python.
//!
//! The evaluator runs on one thread (the session's worker), so `Rc` is safe
//! and cheaper than `Arc`; tensors are the engine's own `Arc` handles.

use super::code::FuncCode;
use super::dict::Dict;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::{DType, Device, Tensor};

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
    /// A method bound to its receiver (`obj.method` read as a value).
    BoundMethod(Rc<(Value, Value)>),
    /// A native method of a built-in type bound to its receiver (`lst.append`).
    BoundNative(Rc<(Value, Rc<str>)>),
    Builtin(Rc<Builtin>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Module(Rc<ModuleObj>),
    Tensor(Tensor),
    Range(Rc<(i64, i64, i64)>),
    Iter(Rc<RefCell<Iter>>),
    Slice(Rc<[Value; 3]>),
    Ellipsis,
    DType(DType),
    Device(Device),
    /// `super()` inside a method: the class after which lookup starts, and self.
    Super(Rc<(Rc<Class>, Value)>),
    /// Context managers and other native objects.
    Native(Rc<Native>),
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
            Value::BoundNative(x) => Value::BoundNative(x.clone()),
            Value::Builtin(x) => Value::Builtin(x.clone()),
            Value::Class(x) => Value::Class(x.clone()),
            Value::Instance(x) => Value::Instance(x.clone()),
            Value::Module(x) => Value::Module(x.clone()),
            Value::Tensor(x) => Value::Tensor(x.clone()),
            Value::Range(x) => Value::Range(x.clone()),
            Value::Iter(x) => Value::Iter(x.clone()),
            Value::Slice(x) => Value::Slice(x.clone()),
            Value::Super(x) => Value::Super(x.clone()),
            Value::Native(x) => Value::Native(x.clone()),
            Value::Cell(x) => Value::Cell(x.clone()),
            Value::Ellipsis => Value::Ellipsis,
            Value::DType(d) => Value::DType(*d),
            Value::Device(d) => Value::Device(*d),
            Value::Unbound => Value::Unbound,
        }
    }
}

/// A tuple, and the tuple-like types PyTorch prints differently.
pub struct Tuple {
    pub items: Vec<Value>,
    pub kind: TupleKind,
}

#[derive(Clone, PartialEq)]
pub enum TupleKind {
    Plain,
    /// `torch.Size([2, 3])`.
    Size,
    /// `torch.return_types.max(values=..., indices=...)`: name and field names.
    Named(&'static str, &'static [&'static str]),
}

/// A native function: `f(interp, args)`.
pub type NativeFn =
    fn(&mut super::interp::Interp, super::call::Args) -> super::error::PyResult<Value>;

pub struct Builtin {
    pub name: &'static str,
    pub doc: &'static str,
    pub f: NativeFn,
    /// A value the function is bound to (a module's functions need none).
    pub bound: Option<Value>,
}

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

/// What a class is built on, for the behaviours implemented natively.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClassKind {
    Object,
    Exception,
    NnModule,
    Dataset,
}

pub struct Class {
    pub name: Rc<str>,
    pub bases: Vec<Rc<Class>>,
    /// Method resolution order, starting with the class itself.
    pub mro: RefCell<Vec<Rc<Class>>>,
    pub attrs: RefCell<Vec<(Rc<str>, Value)>>,
    pub kind: ClassKind,
    pub doc: Option<Rc<str>>,
    /// The module that defined it (`torch.nn` prints `torch.nn.modules...`).
    pub module: &'static str,
    /// A native constructor (built-in types such as `int`, `nn.Linear`).
    pub ctor: std::cell::Cell<Option<NativeFn>>,
}

pub struct Instance {
    pub class: Rc<Class>,
    /// Attributes in assignment order (nn.Module registers parameters in it).
    pub attrs: RefCell<Vec<(Rc<str>, Value)>>,
}

pub struct ModuleObj {
    pub name: Rc<str>,
    pub attrs: RefCell<Vec<(Rc<str>, Value)>>,
    pub doc: &'static str,
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
    Range {
        next: i64,
        stop: i64,
        step: i64,
    },
    Str {
        s: Rc<str>,
        pos: usize,
    },
    Tensor {
        t: Tensor,
        pos: usize,
    },
    /// A DataLoader-like native producer.
    Native(Box<NativeNext>),
}

/// The step function of a native iterator.
pub type NativeNext =
    dyn FnMut(&mut super::interp::Interp) -> super::error::PyResult<Option<Value>>;

/// Native objects with identity (context managers, progress bars, ...).
pub enum Native {
    /// `torch.no_grad()` & co: the mode to set, and the guards currently held.
    GradMode {
        name: &'static str,
        enabled: bool,
        guards: RefCell<Vec<tinytorch::autograd::GradModeGuard>>,
        /// `set_grad_enabled(b)` switches at call time; this is the mode to
        /// restore when it is used as a context manager.
        restore: Option<bool>,
    },
    /// `sys.stdout` / `sys.stderr`.
    Stream(bool),
    /// A `grad_fn` node.
    Node(std::sync::Arc<tinytorch::autograd::Node>),
    /// `torch.X` for a tensor method `X`: `torch.X(t, ...)` is `t.X(...)`.
    TensorFn(&'static str),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }

    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(Tuple {
            items: v,
            kind: TupleKind::Plain,
        }))
    }

    pub fn size(dims: &[usize]) -> Value {
        Value::Tuple(Rc::new(Tuple {
            items: dims.iter().map(|&d| Value::Int(d as i64)).collect(),
            kind: TupleKind::Size,
        }))
    }

    pub fn named(name: &'static str, fields: &'static [&'static str], v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(Tuple {
            items: v,
            kind: TupleKind::Named(name, fields),
        }))
    }

    pub fn iter(it: Iter) -> Value {
        Value::Iter(Rc::new(RefCell::new(it)))
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
            Value::Tuple(t) => match t.kind {
                TupleKind::Plain => "tuple".into(),
                TupleKind::Size => "Size".into(),
                TupleKind::Named(n, _) => n.into(),
            },
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Function(_) => "function".into(),
            Value::BoundMethod(_) | Value::BoundNative(_) => "method".into(),
            Value::Builtin(_) => "builtin_function_or_method".into(),
            Value::Class(_) => "type".into(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Module(_) => "module".into(),
            Value::Tensor(t) => {
                if t.is_parameter() {
                    "Parameter".into()
                } else {
                    "Tensor".into()
                }
            }
            Value::Range(_) => "range".into(),
            Value::Iter(_) => "iterator".into(),
            Value::Slice(_) => "slice".into(),
            Value::Ellipsis => "ellipsis".into(),
            Value::DType(_) => "dtype".into(),
            Value::Device(_) => "device".into(),
            Value::Super(_) => "super".into(),
            Value::Native(n) => match &**n {
                Native::GradMode { name, .. } => (*name).into(),
                Native::Stream(_) => "TextIOWrapper".into(),
                Native::Node(n) => n.name().into(),
                Native::TensorFn(_) => "builtin_function_or_method".into(),
            },
            Value::Cell(_) | Value::Unbound => "cell".into(),
        }
    }

    /// Python truthiness (tensors are handled by the caller: they may fail).
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
            Value::Tensor(_) | Value::Instance(_) => return None,
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
            Value::Builtin(b) => Rc::as_ptr(b) as usize,
            Value::Class(c) => Rc::as_ptr(c) as usize,
            Value::Instance(i) => Rc::as_ptr(i) as usize,
            Value::Module(m) => Rc::as_ptr(m) as usize,
            Value::Tensor(t) => t.id() as usize,
            Value::Iter(i) => Rc::as_ptr(i) as usize,
            Value::Native(n) => Rc::as_ptr(n) as usize,
            Value::BoundMethod(b) => Rc::as_ptr(b) as usize,
            Value::BoundNative(b) => Rc::as_ptr(b) as usize,
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
            (Value::DType(a), Value::DType(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a == b,
            (Value::Tensor(a), Value::Tensor(b)) => a.id() == b.id(),
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
        if let Some(v) = find_attr(&self.attrs.borrow(), name) {
            return Some(v);
        }
        for c in self.mro.borrow().iter().skip(1) {
            if let Some(v) = find_attr(&c.attrs.borrow(), name) {
                return Some(v);
            }
        }
        None
    }

    pub fn is_subclass(&self, other: &Class) -> bool {
        std::ptr::eq(self, other) || self.mro.borrow().iter().any(|c| std::ptr::eq(&**c, other))
    }

    /// A class with `bases`, its MRO computed depth-first left-to-right without
    /// duplicates (C3 agrees on the single-inheritance trees users write).
    pub fn new(
        name: &str,
        bases: Vec<Rc<Class>>,
        kind: ClassKind,
        module: &'static str,
    ) -> Rc<Class> {
        let c = Rc::new(Class {
            name: Rc::from(name),
            bases: bases.clone(),
            mro: RefCell::new(Vec::new()),
            attrs: RefCell::new(Vec::new()),
            kind,
            doc: None,
            module,
            ctor: std::cell::Cell::new(None),
        });
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
}

/// Linear search of an ordered attribute list (short lists beat hashing).
pub fn find_attr(attrs: &[(Rc<str>, Value)], name: &str) -> Option<Value> {
    attrs
        .iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.clone())
}

pub fn set_attr(attrs: &mut Vec<(Rc<str>, Value)>, name: &str, v: Value) {
    if let Some(slot) = attrs.iter_mut().find(|(k, _)| &**k == name) {
        slot.1 = v;
    } else {
        attrs.push((Rc::from(name), v));
    }
}

pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    }
}

impl Instance {
    pub fn get(&self, name: &str) -> Option<Value> {
        find_attr(&self.attrs.borrow(), name)
    }
}

impl ModuleObj {
    pub fn new(name: &str, doc: &'static str) -> Rc<ModuleObj> {
        Rc::new(ModuleObj {
            name: Rc::from(name),
            attrs: RefCell::new(Vec::new()),
            doc,
        })
    }
    pub fn get(&self, name: &str) -> Option<Value> {
        find_attr(&self.attrs.borrow(), name)
    }
    pub fn set(&self, name: &str, v: Value) {
        set_attr(&mut self.attrs.borrow_mut(), name, v)
    }
}
