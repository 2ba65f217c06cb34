//! Declarative bindings: each native function, method and constructor of
//! the library is one [`Row`], PyTorch's own signature string plus a doc
//! and the code, as PyTorch's `native_functions.yaml` rows are. The
//! signature is parsed once into an argument spec ([`signature`]); calls
//! bind against it ([`args`]) with PyTorch's errors, and `help()`,
//! Jupyter's inspect and keyword completion read the same row: no name is
//! listed anywhere else.
//!
//! This layer sits between the evaluator and the library: it knows the
//! engine's value types (to check `Tensor`, `ScalarType`, `Device`
//! arguments) but no library function.

pub mod args;
pub mod signature;

pub use args::{bind, parse_device, scalar_of, Bound, Style};
pub use signature::{Signature, Ty};

use crate::eval::call::Args;
use crate::eval::error::PyResult;
use crate::eval::value::{Class, ModuleObj, NativeFn, Value};
use crate::eval::Interp;
use crate::protocol::Callable;
use std::rc::Rc;

/// A binding's code, given its arguments bound and checked.
pub type BoundFn = fn(&mut Interp, Bound) -> PyResult<Value>;

/// A binding made at run time (one per row of an engine table).
pub type DynFn = Rc<dyn Fn(&mut Interp, Bound) -> PyResult<Value>>;

/// A run-time binding that takes its arguments as given.
pub type DynRawFn = Rc<dyn Fn(&mut Interp, Args) -> PyResult<Value>>;

#[derive(Clone)]
pub enum Imp {
    /// Arguments bound to the signature first.
    Bound(BoundFn),
    /// Arguments as given: for builtins whose CPython errors differ from
    /// the generic ones (`len() takes exactly one argument (2 given)`); the
    /// signature then only documents.
    Raw(NativeFn),
    Dyn(DynFn),
    DynRaw(DynRawFn),
}

/// One declared name.
pub struct Row {
    /// The signature, overloads separated by ` | `.
    pub sig: &'static str,
    /// One line; then, after a blank line, more (examples as `>>> ` lines
    /// that the test suite runs).
    pub doc: &'static str,
    pub imp: Imp,
}

/// A row whose arguments are bound to its signature.
pub const fn row(sig: &'static str, doc: &'static str, f: BoundFn) -> Row {
    Row {
        sig,
        doc,
        imp: Imp::Bound(f),
    }
}

/// A row whose function takes the arguments as given.
pub const fn raw(sig: &'static str, doc: &'static str, f: NativeFn) -> Row {
    Row {
        sig,
        doc,
        imp: Imp::Raw(f),
    }
}

/// A row made ready: signatures parsed, owner and wording known.
pub struct Def {
    name: Rc<str>,
    owner: Rc<str>,
    sigs: Vec<Signature>,
    doc: Rc<str>,
    imp: Imp,
    style: Style,
    /// NumPy's keyword spellings (`axis=`, `keepdims=`) are accepted: the
    /// functions PyTorch binds through its C++ argument parser (`torch.*`,
    /// `Tensor` methods, `torch.linalg`/`special`/`fft`), not its
    /// Python-level ones (`nn.functional`, modules).
    aliases: bool,
}

impl Def {
    /// Parses `sig`; a malformed signature is a bug in a table (the tests
    /// install every table).
    pub fn new(owner: &str, sig: &str, doc: &str, imp: Imp, style: Style) -> Def {
        let sigs =
            signature::overloads(sig).unwrap_or_else(|e| panic!("binding table of {owner}: {e}"));
        Def {
            name: Rc::from(sigs[0].name.as_str()),
            owner: Rc::from(owner),
            sigs,
            doc: Rc::from(doc),
            imp,
            style,
            aliases: style == Style::Torch
                && matches!(
                    owner,
                    "torch" | "Tensor" | "torch.linalg" | "torch.special" | "torch.fft"
                ),
        }
    }

    pub fn from_row(owner: &str, r: &Row, style: Style) -> Def {
        Def::new(owner, r.sig, r.doc, r.imp.clone(), style)
    }

    pub fn value(self) -> Value {
        Value::Builtin(Rc::new(self))
    }

    /// The arguments bound to this row's signatures.
    fn bind(&self, it: &mut Interp, args: &Args, method: bool) -> PyResult<Bound<'_>> {
        bind(
            it,
            &self.name,
            &self.sigs,
            args,
            self.style,
            method,
            self.aliases,
        )
    }

    fn run(&self, it: &mut Interp, args: Args, method: bool) -> PyResult<Value> {
        match &self.imp {
            Imp::Raw(f) => f(it, args),
            Imp::Bound(f) => {
                let b = self.bind(it, &args, method)?;
                f(it, b)
            }
            Imp::Dyn(f) => {
                let b = self.bind(it, &args, method)?;
                f(it, b)
            }
            Imp::DynRaw(f) => f(it, args),
        }
    }
}

impl Callable for Def {
    fn call(&self, it: &mut Interp, args: Args) -> PyResult<Value> {
        self.run(it, args, false)
    }

    fn call_method(&self, it: &mut Interp, this: Value, args: Args) -> PyResult<Value> {
        let mut args = args;
        args.pos.insert(0, this);
        self.run(it, args, true)
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn owner(&self) -> &str {
        &self.owner
    }

    fn doc(&self) -> &str {
        &self.doc
    }

    fn signatures(&self, method: bool) -> Vec<String> {
        self.sigs.iter().map(|s| s.python(method)).collect()
    }

    fn keywords(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.sigs {
            for p in &s.params {
                if matches!(
                    p.kind,
                    signature::Kind::Positional | signature::Kind::KeywordOnly
                ) && !out.contains(&p.name)
                {
                    out.push(p.name.clone());
                }
            }
        }
        out
    }
}

/// Adds `rows` to a module as functions.
pub fn into_module(m: &ModuleObj, owner: &str, rows: &[Row], style: Style) {
    for r in rows {
        let d = Def::from_row(owner, r, style);
        m.set(&d.name.clone(), d.value());
    }
}

/// Adds `rows` to a class dict as methods (the first parameter is the receiver).
pub fn into_class(c: &Class, rows: &[Row], style: Style) {
    for r in rows {
        let d = Def::from_row(&c.name, r, style);
        c.set(&d.name.clone(), d.value());
    }
}
