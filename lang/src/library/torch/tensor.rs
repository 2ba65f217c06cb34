//! The engine's [`Tensor`] as a value of the language: `torch.Tensor`'s
//! data attributes (`shape`, `grad`, `T`, ...), its operators with PyTorch's
//! scalar rules and reflected forms, indexing, iteration over the first
//! dim, truth, `len`, `float()`/`int()`, and f-string formatting. Its
//! methods are rows in the class dict (the families' tables).

use super::index::{index_items, put_value};
use crate::bind::scalar_of;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Iter, Value};
use crate::eval::Interp;
use crate::library::EngineResult;
use crate::protocol::Object;
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::ops::binary::Arg;
use tinytorch::storage::BinaryOp;
use tinytorch::{DType, Device, Scalar, Tensor};

/// The data attributes, for `dir()` and completion.
pub const ATTRS: &[(&str, &str)] = &[
    ("shape", "The size of each dimension (torch.Size)."),
    ("dtype", "The element type."),
    ("device", "Where the data lives."),
    (
        "grad",
        "The gradient accumulated by backward() (None until then).",
    ),
    (
        "grad_fn",
        "The autograd node that made this tensor (None for leaves).",
    ),
    (
        "is_leaf",
        "Whether the tensor is a leaf of the autograd graph.",
    ),
    (
        "requires_grad",
        "Whether autograd records operations on it.",
    ),
    (
        "retains_grad",
        "Whether a non-leaf keeps its .grad (retain_grad()).",
    ),
    (
        "data",
        "The tensor detached from autograd, sharing storage.",
    ),
    ("T", "The tensor with its dims reversed."),
    ("mT", "The last two dims transposed."),
    ("ndim", "The number of dims."),
    ("is_cuda", "Whether the tensor lives on a CUDA device."),
    ("itemsize", "Bytes per element."),
    ("nbytes", "Bytes of the elements."),
];

/// The Python data-model methods builtins call by name (`abs(t)`,
/// `round(t)`, `x in t`, `hash(t)`, `reversed(t)`).
pub const DUNDERS: &[crate::bind::Row] = &[
    crate::bind::row(
        "__abs__(Tensor input)",
        "abs(t): the elementwise absolute value.",
        dunder_abs,
    ),
    crate::bind::row(
        "__round__(Tensor input, int? ndigits=None)",
        "round(t): elementwise, half to even.",
        dunder_round,
    ),
    crate::bind::row(
        "__contains__(Tensor input, object element)",
        "element in t: whether any element equals it.",
        dunder_contains,
    ),
    crate::bind::row(
        "__hash__(Tensor input)",
        "hash(t): the tensor's identity.",
        dunder_hash,
    ),
    crate::bind::row(
        "__reversed__(Tensor input)",
        "reversed(t): the tensor flipped along dim 0.",
        dunder_reversed,
    ),
];

fn dunder_abs(_: &mut Interp, b: crate::bind::Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.abs())
}

fn dunder_round(_: &mut Interp, b: crate::bind::Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    match b.opt_int(1)? {
        None | Some(0) => ok(t.round()),
        Some(n) => {
            let p = 10f64.powi(n.clamp(-300, 300) as i32);
            ok(t.mul_scalar(p)
                .and_then(|x| x.round())
                .and_then(|x| x.div_scalar(p)))
        }
    }
}

fn dunder_contains(it: &mut Interp, b: crate::bind::Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let eq = match t.compare(it, CmpOp::Eq, b.value(1), false)? {
        Some(v) => v,
        None => {
            return Err(type_error(format!(
                "Tensor.__contains__ only supports Tensor or scalar, but you passed in a {}.",
                b.value(1).type_name()
            )))
        }
    };
    match eq.downcast::<Tensor>() {
        Some(e) => Ok(Value::Bool(tensor_bool(&e.any(None, false).py()?)?)),
        None => Ok(Value::Bool(false)),
    }
}

fn dunder_hash(_: &mut Interp, b: crate::bind::Bound) -> PyResult<Value> {
    Ok(Value::Int(b.tensor(0)?.id() as i64))
}

fn dunder_reversed(_: &mut Interp, b: crate::bind::Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    if t.dim() == 0 {
        return Ok(b.value(0).clone());
    }
    ok(t.flip(&[0]))
}

thread_local! {
    static CLASSES: RefCell<Option<(Rc<Class>, Rc<Class>)>> = const { RefCell::new(None) };
}

/// Records `torch.Tensor` and `nn.Parameter` for this interpreter thread.
pub fn set_classes(tensor: Rc<Class>, parameter: Rc<Class>) {
    CLASSES.with(|c| *c.borrow_mut() = Some((tensor, parameter)));
}

/// `nn.Parameter` of this thread.
pub fn parameter_class() -> Rc<Class> {
    classes().1
}

/// `torch.Tensor` (or `nn.Parameter`) of this thread.
fn classes() -> (Rc<Class>, Rc<Class>) {
    CLASSES.with(|c| {
        c.borrow().clone().unwrap_or_else(|| {
            // Only before install: a bare class keeps `type()` total.
            let t = Class::new(
                "Tensor",
                vec![],
                crate::eval::value::ClassKind::Object,
                "torch",
            );
            (t.clone(), t)
        })
    })
}

/// A tensor as a value.
pub fn value(t: Tensor) -> Value {
    Value::object(t)
}

/// `tinytorch::Result<Tensor>` into a value.
pub fn ok(r: tinytorch::Result<Tensor>) -> PyResult<Value> {
    Ok(value(r.py()?))
}

/// `t.item()` as the Python number of the tensor's kind.
pub fn item_value(t: &Tensor) -> PyResult<Value> {
    if t.numel() != 1 {
        return Err(exc(
            "RuntimeError",
            format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                t.numel()
            ),
        ));
    }
    let x = t.item().py()?;
    Ok(match t.dtype() {
        DType::Bool => Value::Bool(x != 0.0),
        d if d.is_int() => {
            // Exact above 2**53.
            Value::Int(t.to_vec_i64().py()?.first().copied().unwrap_or(x as i64))
        }
        _ => Value::Float(x),
    })
}

pub fn tensor_bool(t: &Tensor) -> PyResult<bool> {
    if t.numel() != 1 {
        return Err(exc(
            "RuntimeError",
            "Boolean value of Tensor with more than one value is ambiguous",
        ));
    }
    Ok(t.item().py()? != 0.0)
}

/// A tensor's dtype combined with a Python number, as PyTorch's wrapped-number rule.
pub fn promote_scalar(d: DType, s: Scalar) -> DType {
    match s {
        Scalar::Float(_) if !d.is_float() => DType::F32,
        Scalar::Int(_) if d == DType::Bool => DType::I64,
        _ => d,
    }
}

/// A Python number as a 0-dim tensor beside `other` (PyTorch's wrapped number).
pub fn wrap_scalar(s: Scalar, other: DType, device: Device) -> PyResult<Tensor> {
    Tensor::scalar_tensor(s.to_f64(), promote_scalar(other, s), device).py()
}

fn bitwise(op: BinOp) -> Option<BinaryOp> {
    Some(match op {
        BinOp::BitAnd => BinaryOp::BitAnd,
        BinOp::BitOr => BinaryOp::BitOr,
        BinOp::BitXor => BinaryOp::BitXor,
        _ => return None,
    })
}

/// `a op b` for two tensors.
fn tensor_tensor(op: BinOp, a: &Tensor, b: &Tensor) -> PyResult<Option<Tensor>> {
    Ok(Some(
        match op {
            BinOp::Add => a.add(b),
            BinOp::Sub => a.sub(b),
            BinOp::Mul => a.mul(b),
            BinOp::Div => a.div(b),
            BinOp::MatMul => a.matmul(b),
            BinOp::Pow => a.pow(b),
            BinOp::FloorDiv => a.floor_divide(b),
            BinOp::Mod => a.remainder(b),
            BinOp::LShift | BinOp::RShift => return Ok(None),
            _ => {
                let bop = bitwise(op).expect("the other operators are matched above");
                if a.dtype() == DType::Bool && b.dtype() == DType::Bool {
                    match op {
                        BinOp::BitAnd => a.logical_and(b),
                        BinOp::BitOr => a.logical_or(b),
                        _ => a.logical_xor(b),
                    }
                } else {
                    a.bitwise(b, bop)
                }
            }
        }
        .py()?,
    ))
}

/// `t op s` (or `s op t` when `reflected`) for a Python number `s`.
fn tensor_scalar(op: BinOp, t: &Tensor, s: Scalar, reflected: bool) -> PyResult<Option<Tensor>> {
    let r = if !reflected {
        match op {
            BinOp::Add => t.add_scalar(s),
            BinOp::Sub => t.sub_scalar(s),
            BinOp::Mul => t.mul_scalar(s),
            BinOp::Div => t.div_scalar(s),
            BinOp::Pow => t.pow_scalar(s),
            BinOp::FloorDiv => t.floor_divide(Arg::S(s)),
            BinOp::Mod => t.remainder(Arg::S(s)),
            BinOp::MatMul | BinOp::LShift | BinOp::RShift => return Ok(None),
            _ => t.bitwise(Arg::S(s), bitwise(op).expect("bitwise operators remain")),
        }
    } else {
        match op {
            BinOp::Add => t.add_scalar(s),
            BinOp::Sub => t.rsub_scalar(s),
            BinOp::Mul => t.mul_scalar(s),
            BinOp::Div => t.rdiv_scalar(s),
            BinOp::Pow => t.rpow_scalar(s),
            BinOp::FloorDiv | BinOp::Mod => {
                let st = wrap_scalar(s, t.dtype(), t.device())?;
                if op == BinOp::FloorDiv {
                    st.floor_divide(t)
                } else {
                    st.remainder(t)
                }
            }
            BinOp::MatMul | BinOp::LShift | BinOp::RShift => return Ok(None),
            _ => t.bitwise(Arg::S(s), bitwise(op).expect("bitwise operators remain")),
        }
    };
    Ok(Some(r.py()?))
}

fn cmp_op(op: CmpOp) -> Option<BinaryOp> {
    Some(match op {
        CmpOp::Eq => BinaryOp::Eq,
        CmpOp::NotEq => BinaryOp::Ne,
        CmpOp::Lt => BinaryOp::Lt,
        CmpOp::LtE => BinaryOp::Le,
        CmpOp::Gt => BinaryOp::Gt,
        CmpOp::GtE => BinaryOp::Ge,
        _ => return None,
    })
}

/// `t op= r` in place, as PyTorch does (`w -= lr * w.grad`), with the
/// engine's in-place autograd rules; None: not an in-place form.
fn inplace_op(op: BinOp, t: &Tensor, r: &Value) -> PyResult<Option<()>> {
    let res = if let Some(o) = r.downcast::<Tensor>() {
        match op {
            BinOp::Add => t.add_(o),
            BinOp::Sub => t.sub_(o),
            BinOp::Mul => t.mul_(o),
            BinOp::Div => t.div_(o),
            _ => return inplace_general(op, t, r),
        }
    } else if let Some(s) = scalar_of(r).filter(|_| !matches!(r, Value::Object(_))) {
        match op {
            BinOp::Add => t.add_scalar_(s),
            BinOp::Sub => t.sub_scalar_(s),
            BinOp::Mul => t.mul_scalar_(s),
            BinOp::Div => t.div_scalar_(s),
            BinOp::Pow => t.pow_scalar_(s),
            _ => return inplace_general(op, t, r),
        }
    } else {
        return Ok(None);
    };
    res.py()?;
    Ok(Some(()))
}

/// The other `op=` forms: the out-of-place result copied back, if its type
/// can be cast to the tensor's (PyTorch's rule).
fn inplace_general(op: BinOp, t: &Tensor, r: &Value) -> PyResult<Option<()>> {
    let out = match (r.downcast::<Tensor>(), scalar_of(r)) {
        (Some(o), _) => tensor_tensor(op, t, o)?,
        (None, Some(s)) => tensor_scalar(op, t, s, false)?,
        _ => None,
    };
    let Some(o) = out else { return Ok(None) };
    if o.dtype() != t.dtype() && DType::promote(t.dtype(), o.dtype()) != t.dtype() {
        return Err(exc(
            "RuntimeError",
            format!(
                "result type {} can't be cast to the desired output type {}",
                type_title(o.dtype()),
                type_title(t.dtype())
            ),
        ));
    }
    t.copy_(&o).py()?;
    Ok(Some(()))
}

/// `Float`, `Long`, ...: the dtype as PyTorch names it in legacy type names.
pub fn type_title(d: DType) -> &'static str {
    match d {
        DType::F32 => "Float",
        DType::F64 => "Double",
        DType::F16 => "Half",
        DType::BF16 => "BFloat16",
        DType::I64 => "Long",
        DType::I32 => "Int",
        DType::Bool => "Bool",
    }
}

fn attr(t: &Tensor, name: &str) -> PyResult<Option<Value>> {
    Ok(Some(match name {
        "shape" => super::values::size(t.shape()),
        "dtype" => Value::object(t.dtype()),
        "device" => Value::object(t.device()),
        "grad" => t.grad().map_or(Value::None, value),
        "grad_fn" => t
            .grad_fn()
            .map_or(Value::None, |n| Value::object(super::autograd::NodeRef(n))),
        "is_leaf" => Value::Bool(t.is_leaf()),
        "requires_grad" => Value::Bool(t.requires_grad()),
        "retains_grad" => Value::Bool(t.retains_grad()),
        "data" => value(t.detach()),
        "T" => value(if t.dim() <= 2 {
            t.t().py()?
        } else {
            t.permute(&(0..t.dim() as i64).rev().collect::<Vec<_>>())
                .py()?
        }),
        "mT" => value(t.mt().py()?),
        "ndim" => Value::Int(t.dim() as i64),
        "is_cuda" => Value::Bool(t.device().is_cuda()),
        "itemsize" => Value::Int(t.dtype().size_in_bytes() as i64),
        "nbytes" => Value::Int((t.dtype().size_in_bytes() * t.numel()) as i64),
        _ => return Ok(None),
    }))
}

impl Object for Tensor {
    fn class(&self) -> Rc<Class> {
        let (t, p) = classes();
        if self.is_parameter() {
            p
        } else {
            t
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        self.repr().py()
    }

    /// PyTorch: a 0-dim tensor formats as its number (`f"{loss:.4f}"`);
    /// others only with an empty spec.
    fn format(&self, it: &mut Interp, spec: &str) -> PyResult<Option<String>> {
        if self.dim() == 0 {
            let x = item_value(self)?;
            return it.format_value(&x, spec).map(Some);
        }
        Ok(None)
    }

    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        attr(self, name)
    }

    fn setattr(&self, _: &mut Interp, name: &str, x: Value) -> PyResult<bool> {
        match name {
            "grad" => match &x {
                Value::None => self.set_grad(None).py()?,
                v => match v.downcast::<Tensor>() {
                    Some(g) => self.set_grad(Some(g.clone())).py()?,
                    None => {
                        return Err(type_error(format!(
                            "assigned grad expected to be a Tensor or None but got grad of type {}",
                            v.type_name()
                        )))
                    }
                },
            },
            "requires_grad" => {
                let on = match x {
                    Value::Bool(b) => b,
                    other => {
                        return Err(type_error(format!(
                            "requires_grad must be a bool, not {}",
                            other.type_name()
                        )))
                    }
                };
                self.set_requires_grad(on).py()?;
            }
            "data" => {
                let Some(src) = x.downcast::<Tensor>() else {
                    return Err(type_error(format!(
                        "data must be a Tensor, not {}",
                        x.type_name()
                    )));
                };
                // `p.data += u` writes in place and assigns the same storage back.
                if src.shares_storage(self) && src.layout() == self.layout() {
                    return Ok(true);
                }
                if src.shape() != self.shape() {
                    return Err(exc(
                        "RuntimeError",
                        format!(
                            "assigning .data of shape {:?} to a tensor of shape {:?}: tinytorch keeps a tensor's shape; assign a new tensor instead",
                            src.shape(),
                            self.shape()
                        ),
                    ));
                }
                // The new values, written through the detached alias (no autograd).
                self.detach().copy_(src).py()?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn delattr(&self, _: &mut Interp, name: &str) -> PyResult<bool> {
        if name == "grad" {
            self.set_grad(None).py()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn binary(
        &self,
        _: &mut Interp,
        op: BinOp,
        other: &Value,
        reflected: bool,
    ) -> PyResult<Option<Value>> {
        let out = if let Some(o) = other.downcast::<Tensor>() {
            if reflected {
                tensor_tensor(op, o, self)?
            } else {
                tensor_tensor(op, self, o)?
            }
        } else {
            match other {
                Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                    let s = scalar_of(other).expect("a Python number");
                    tensor_scalar(op, self, s, reflected)?
                }
                _ => None,
            }
        };
        Ok(out.map(value))
    }

    fn inplace(
        &self,
        _: &mut Interp,
        this: &Value,
        op: BinOp,
        other: &Value,
    ) -> PyResult<Option<Value>> {
        Ok(inplace_op(op, self, other)?.map(|_| this.clone()))
    }

    fn unary(&self, it: &mut Interp, op: UnaryOp) -> PyResult<Option<Value>> {
        let r = match op {
            UnaryOp::Neg => self.neg(),
            UnaryOp::Pos => Ok(self.clone()),
            UnaryOp::Invert => self.bitwise_not(),
            UnaryOp::Not => return Ok(Some(Value::Bool(!self.truth(it)?))),
        };
        Ok(Some(value(r.py()?)))
    }

    fn compare(
        &self,
        _: &mut Interp,
        op: CmpOp,
        other: &Value,
        _reflected: bool,
    ) -> PyResult<Option<Value>> {
        let Some(bop) = cmp_op(op) else {
            return Ok(None);
        };
        let r = if let Some(o) = other.downcast::<Tensor>() {
            self.compare_op(o, bop)
        } else {
            match other {
                Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                    let s = scalar_of(other).expect("a Python number");
                    self.compare_op(Arg::S(s), bop)
                }
                _ => return Ok(None),
            }
        };
        Ok(Some(value(r.py()?)))
    }

    fn truth(&self, _: &mut Interp) -> PyResult<bool> {
        tensor_bool(self)
    }

    fn len(&self, _: &mut Interp) -> PyResult<Option<usize>> {
        if self.dim() == 0 {
            return Err(type_error("len() of a 0-d tensor"));
        }
        Ok(Some(self.shape()[0]))
    }

    fn iter(&self, _: &mut Interp, _: &Value) -> PyResult<Option<Value>> {
        if self.dim() == 0 {
            return Err(type_error("iteration over a 0-d tensor"));
        }
        let t = self.clone();
        let mut pos = 0usize;
        Ok(Some(Value::iter(Iter::Native(Box::new(move |_| {
            if pos >= t.shape()[0] {
                return Ok(None);
            }
            pos += 1;
            Ok(Some(value(t.select(0, pos as i64 - 1).py()?)))
        })))))
    }

    fn getitem(&self, it: &mut Interp, key: &Value) -> PyResult<Option<Value>> {
        let items = index_items(it, key)?;
        Ok(Some(value(self.index(&items).py()?)))
    }

    fn setitem(&self, it: &mut Interp, key: &Value, v: Value) -> PyResult<bool> {
        let items = index_items(it, key)?;
        let values = put_value(it, self, &v)?;
        self.index_put_(&items, &values, false).py()?;
        Ok(true)
    }

    fn index(&self) -> PyResult<Option<i64>> {
        if self.numel() == 1 && !self.dtype().is_float() && self.dtype() != DType::Bool {
            return Ok(Some(self.to_vec_i64().py()?[0]));
        }
        Ok(None)
    }

    fn number(&self) -> PyResult<Option<Value>> {
        if self.numel() != 1 {
            return Ok(None);
        }
        item_value(self).map(Some)
    }

    fn identity(&self) -> Option<usize> {
        Some(self.id() as usize)
    }

    fn dir(&self) -> Vec<&'static str> {
        ATTRS.iter().map(|(n, _)| *n).collect()
    }
}
