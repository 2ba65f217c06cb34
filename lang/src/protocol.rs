//! What a native type offers the evaluator, and nothing more: the
//! evaluator (`eval/`) knows Python's own values and these two traits, never
//! a library type. Tensors, dtypes, devices and the other library values are
//! [`Object`]s (`Value::Object`); native functions and methods are
//! [`Callable`]s (`Value::Builtin`).
//!
//! The protocol is Python's data model. Methods and the rarer dunders
//! (`__abs__`, `__round__`, `__float__`, `__index__`, `__contains__`, ...)
//! live in the class dict of [`Object::class`], exactly as for user classes,
//! so `dir`, `help`, `isinstance` and subclass lookup need nothing special.
//! The hot operations (attribute reads, operators, indexing, truth,
//! iteration, repr) are trait methods, so `a + b` on tensors costs one
//! virtual call and no argument vector. Each returns `Ok(None)` for "not
//! mine" (Python's `NotImplemented`), and the evaluator goes on as Python
//! does: the reflected operand, then the class dict, then a TypeError.
//!
//! Library classes that user code subclasses (`nn.Module`, `Dataset`,
//! `autograd.Function`) are ordinary classes whose dicts hold native
//! functions; their instances carry the native state in
//! [`Instance::native`](crate::eval::value::Instance).

use crate::eval::call::Args;
use crate::eval::error::PyResult;
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use std::any::Any;
use std::rc::Rc;

/// A native value the evaluator can hold and operate on.
pub trait Object: Any {
    /// `type(x)`: the class whose dict holds the type's methods.
    fn class(&self) -> Rc<Class>;

    /// For downcasting (`Value::downcast::<T>()`).
    fn as_any(&self) -> &dyn Any;

    /// `repr(x)`.
    fn repr(&self, it: &mut Interp) -> PyResult<String>;

    /// `str(x)`; `repr` unless the type prints differently.
    fn str(&self, it: &mut Interp) -> PyResult<String> {
        self.repr(it)
    }

    /// `format(x, spec)` for a non-empty spec; None: Python's default (a
    /// TypeError for a spec `str` cannot take).
    fn format(&self, _it: &mut Interp, _spec: &str) -> PyResult<Option<String>> {
        Ok(None)
    }

    /// A data attribute computed by the object (`t.shape`, `t.grad`);
    /// methods are looked up in the class dict after this.
    fn getattr(&self, _it: &mut Interp, _this: &Value, _name: &str) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `x.name = v`; false: the attribute cannot be set (AttributeError).
    fn setattr(&self, _it: &mut Interp, _name: &str, _v: Value) -> PyResult<bool> {
        Ok(false)
    }

    /// `del x.name`; false: AttributeError.
    fn delattr(&self, _it: &mut Interp, _name: &str) -> PyResult<bool> {
        Ok(false)
    }

    /// `x op other` (`reflected`: `other op x`, Python's `__rop__`).
    fn binary(
        &self,
        _it: &mut Interp,
        _op: BinOp,
        _other: &Value,
        _reflected: bool,
    ) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `x op= other` in place (`__iop__`); None: falls back to `binary`.
    fn inplace(
        &self,
        _it: &mut Interp,
        _this: &Value,
        _op: BinOp,
        _other: &Value,
    ) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `-x`, `+x`, `~x` (`not x` is truth).
    fn unary(&self, _it: &mut Interp, _op: UnaryOp) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `x < other` and friends (`reflected`: the object is the right operand,
    /// and `op` is already mirrored). `is`/`in` never come here.
    fn compare(
        &self,
        _it: &mut Interp,
        _op: CmpOp,
        _other: &Value,
        _reflected: bool,
    ) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `bool(x)`.
    fn truth(&self, _it: &mut Interp) -> PyResult<bool> {
        Ok(true)
    }

    /// `len(x)`; None: TypeError.
    fn len(&self, _it: &mut Interp) -> PyResult<Option<usize>> {
        Ok(None)
    }

    /// `iter(x)`: an iterator value; None: not iterable.
    fn iter(&self, _it: &mut Interp, _this: &Value) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `x[key]`; None: not subscriptable.
    fn getitem(&self, _it: &mut Interp, _key: &Value) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `x[key] = v`; false: no item assignment.
    fn setitem(&self, _it: &mut Interp, _key: &Value, _v: Value) -> PyResult<bool> {
        Ok(false)
    }

    /// `x(args)` for callable objects; None: not callable.
    fn call(&self, _it: &mut Interp, _this: &Value, _args: Args) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `with x:` entry; None: not a context manager.
    fn enter(&self, _it: &mut Interp, _this: &Value) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// `with x:` exit; true suppresses the exception.
    fn exit(&self, _it: &mut Interp, _error: Option<&Value>) -> PyResult<bool> {
        Ok(false)
    }

    /// The integer this object stands for where Python wants an index
    /// (`__index__`: list indices, slice bounds, `range` arguments).
    fn index(&self) -> PyResult<Option<i64>> {
        Ok(None)
    }

    /// `float(x)` / `int(x)` / arithmetic with Python numbers: the number
    /// this object stands for, if any (a one-element tensor).
    fn number(&self) -> PyResult<Option<Value>> {
        Ok(None)
    }

    /// A hash key for dicts and sets; None: hashed by identity.
    fn hash_key(&self) -> Option<String> {
        None
    }

    /// Identity for `is`, `id()` and identity hashing; the allocation by default.
    fn identity(&self) -> Option<usize> {
        None
    }

    /// Names for `dir(x)` and completion beyond the class dict (data attributes).
    fn dir(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// A native function: calling it, and what `help`, Jupyter's inspect and
/// completion say about it.
pub trait Callable {
    fn call(&self, it: &mut Interp, args: Args) -> PyResult<Value>;

    /// Called as a method of `this` (errors then count argument positions
    /// without the receiver, as PyTorch's do).
    fn call_method(&self, it: &mut Interp, this: Value, args: Args) -> PyResult<Value> {
        let mut args = args;
        args.pos.insert(0, this);
        self.call(it, args)
    }

    /// `__name__`.
    fn name(&self) -> &str;

    /// Where it lives, for its repr and `help` (`"torch"`, `"Tensor"`,
    /// `"builtins"`).
    fn owner(&self) -> &str;

    /// The docstring: one line, then optionally a blank line and more.
    fn doc(&self) -> &str;

    /// The signatures `help` prints, one per overload (`"sum(input, *,
    /// dtype=None) -> Tensor"`); `method` drops the receiver parameter.
    fn signatures(&self, method: bool) -> Vec<String>;

    /// Keyword names, for completion inside a call.
    fn keywords(&self) -> Vec<String>;
}
