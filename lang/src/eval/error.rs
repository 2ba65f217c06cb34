//! Errors while running: [`PyErr`] (a raised exception value plus the
//! traceback collected as it unwinds) and the exception class hierarchy.
//!
//! Native code raises with [`exc`]`("TypeError", msg)`; the evaluator pins
//! the failing expression's span on the way out of each frame.

use super::code::Source;
use super::value::{Class, ClassKind, Instance, Value};
use crate::syntax::Span;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// One traceback line: where, in which function.
#[derive(Clone)]
pub struct TbEntry {
    pub source: Rc<Source>,
    pub span: Span,
    pub func: Rc<str>,
}

/// A raised exception unwinding the evaluator.
pub struct PyErr {
    /// The exception instance.
    pub value: Value,
    /// Frames already left, innermost first.
    pub tb: Vec<TbEntry>,
    /// Where it failed in the frame now unwinding (set once, by the innermost
    /// expression that has a span).
    pub span: Option<Span>,
    /// Control flow that is not an error: `sys.exit(code)`.
    pub exit: Option<i32>,
}

pub type PyResult<T> = Result<T, Box<PyErr>>;

impl PyErr {
    pub fn new(value: Value) -> Box<PyErr> {
        Box::new(PyErr {
            value,
            tb: Vec::new(),
            span: None,
            exit: None,
        })
    }

    /// The class name of the exception (`"TypeError"`).
    pub fn name(&self) -> String {
        match &self.value {
            Value::Instance(i) => i.class.name.to_string(),
            other => other.type_name(),
        }
    }

    pub fn class(&self) -> Option<Rc<Class>> {
        match &self.value {
            Value::Instance(i) => Some(i.class.clone()),
            _ => None,
        }
    }

    pub fn is(&self, name: &str) -> bool {
        let Some(c) = self.class() else { return false };
        let target = exc_class(name);
        c.is_subclass(&target)
    }
}

/// The exception hierarchy, built once per thread: (name, parent).
const HIERARCHY: &[(&str, &str)] = &[
    ("BaseException", ""),
    ("Exception", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("SystemExit", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("RuntimeError", "Exception"),
    // IPython's, for a magic it does not know or was given badly.
    ("UsageError", "Exception"),
    ("NotImplementedError", "RuntimeError"),
    // ipykernel's, for input() where the client cannot send input.
    ("StdinNotImplementedError", "NotImplementedError"),
    ("RecursionError", "RuntimeError"),
    ("TypeError", "Exception"),
    ("ValueError", "Exception"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("AttributeError", "Exception"),
    ("AssertionError", "Exception"),
    ("StopIteration", "Exception"),
    ("EOFError", "Exception"),
    ("OSError", "Exception"),
    ("FileNotFoundError", "OSError"),
    ("FileExistsError", "OSError"),
    ("PermissionError", "OSError"),
    ("IsADirectoryError", "OSError"),
    ("NotADirectoryError", "OSError"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
    ("SyntaxError", "Exception"),
    ("IndentationError", "SyntaxError"),
    ("MemoryError", "Exception"),
];

thread_local! {
    static CLASSES: RefCell<HashMap<&'static str, Rc<Class>>> = RefCell::new(HashMap::new());
}

/// All exception classes, for the builtins table.
pub fn exception_classes() -> Vec<(&'static str, Rc<Class>)> {
    HIERARCHY.iter().map(|(n, _)| (*n, exc_class(n))).collect()
}

/// The built-in exception class called `name` (RuntimeError for unknown names).
pub fn exc_class(name: &str) -> Rc<Class> {
    CLASSES.with(|c| {
        let mut map = c.borrow_mut();
        if map.is_empty() {
            for (n, parent) in HIERARCHY {
                let bases = if parent.is_empty() {
                    vec![]
                } else {
                    vec![map[parent].clone()]
                };
                let class = Class::new(n, bases, ClassKind::Exception, "builtins");
                map.insert(n, class);
            }
        }
        map.get(name)
            .cloned()
            .unwrap_or_else(|| map["RuntimeError"].clone())
    })
}

/// A new exception instance of class `class` with `args`.
pub fn make_exception(class: Rc<Class>, args: Vec<Value>) -> Value {
    let inst = Instance::new(class);
    inst.set("args", Value::tuple(args));
    Value::instance(inst)
}

/// Raises built-in exception `name` with a message.
pub fn exc(name: &str, msg: impl Into<String>) -> Box<PyErr> {
    let msg: String = msg.into();
    let args = if msg.is_empty() {
        vec![]
    } else {
        vec![Value::str(&msg)]
    };
    PyErr::new(make_exception(exc_class(name), args))
}

/// CPython's MemoryError for a buffer of `bytes` that cannot be had: more
/// than the address space allows, or (from 64 MiB up) more than the host
/// has available now, so that a huge `[0] * n` or `'a' * n` raises instead
/// of aborting the process.
pub fn check_alloc(bytes: usize) -> PyResult<usize> {
    if bytes > (isize::MAX as usize) / 8
        || tinytorch::storage::cpu::check_bytes(bytes as u128).is_err()
    {
        return Err(exc("MemoryError", ""));
    }
    Ok(bytes)
}

pub fn type_error(msg: impl Into<String>) -> Box<PyErr> {
    exc("TypeError", msg)
}

pub fn value_error(msg: impl Into<String>) -> Box<PyErr> {
    exc("ValueError", msg)
}
