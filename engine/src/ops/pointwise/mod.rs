//! Pointwise functions as two tables, one row per op: `unary.rs` (one
//! tensor) and `binary.rs` (two tensors of one broadcast shape).
//!
//! A row holds everything about its op, and nothing else repeats it:
//! - the variant (`UnaryOp::Erfinv`, with `f64` parameters where the op
//!   has them, `UnaryOp::Logit(eps)`), whose index is the kernels' op code;
//! - the public function: PyTorch's name, its parameters with defaults,
//!   where PyTorch has it (`torch.*`, `Tensor.*`, `F.*`) and its in-place
//!   `name_` form; the `Tensor` method is generated from this;
//! - the CPU formula, a closure generic over the compute type (`f32` for
//!   float32 and the half types, `f64`), plus integer and bool formulas
//!   where PyTorch computes in those types;
//! - the dtype rule for integer inputs: computed natively (an `int`
//!   formula), computed in float32 (`ints: promote`, as `torch.exp` of an
//!   int tensor), returned as a copy (`ints: keep`, as `torch.floor`), or
//!   refused with PyTorch's message (`ints: refuse`);
//! - the CUDA expression in `x` (binary: `a`, `b`) and `p0 p1 p2`, spliced
//!   into `kernels/elementwise.cu` when NVRTC compiles it;
//! - the backward: PyTorch's node name (`ErfinvBackward0`), what it saves
//!   (input, result or nothing), and the derivative in tensor ops.
//!
//! A row, as `unary.rs` writes it:
//! ```text
//! /// The inverse error function: erfinv(±1) = ±inf, NaN outside [-1, 1].
//! Erfinv {
//!     api { erfinv() [torch method] inplace erfinv_ }
//!     float: |x| scalar::erfinv(x);
//!     ints: promote;
//!     cuda: "erfinv_acc(x)";
//!     // d erfinv x = sqrt(pi)/2 e^(erfinv(x)^2)
//!     grad: ErfinvBackward0 input |g, x| { .. };
//! }
//! ```
//!
//! How a call flows: `x.erfinv()` -> `Tensor::pointwise` applies the dtype
//! rule -> `Storage::unary` -> the CPU backend asks the row for its formula
//! once (`UnaryOp::on_float` hands it to the kernel's loop) or the CUDA
//! backend launches the cached module with the op code -> autograd records
//! the row's node. Adding an op is one row (and its tests).
//!
//! For the language, [`unary_functions`] and [`binary_functions`] list the
//! public rows ([`PointwiseFn`], [`BinaryFn`]): name, signature, one-line
//! doc, parameters, entry points, and where PyTorch spells it, so bindings
//! are made from the list:
//! ```
//! use tinytorch::ops::pointwise::unary_functions;
//! use tinytorch::{DType, Tensor};
//! let logit = unary_functions().iter().find(|f| f.name == "logit").unwrap();
//! assert_eq!(logit.signature, "logit(input, eps=None)");
//! assert!(logit.in_torch && logit.tensor_method && logit.inplace.is_some());
//! let x = Tensor::from_vec_f64(&[0.0, 0.5], &[2], DType::F64)?;
//! // eps=0.25 clamps 0 up to 0.25: ln(0.25 / 0.75) = -ln 3
//! let y = (logit.call_with)(&x, &[Some(0.25)])?.to_vec_f64()?;
//! assert!((y[0] + 3f64.ln()).abs() < 1e-15 && y[1] == 0.0);
//! # Ok::<(), tinytorch::Error>(())
//! ```
//! Functions with non-numeric parameters (`gelu`'s
//! `approximate`, `clamp`'s tensor bounds) and the arithmetic operators
//! with `alpha` and Python-number forms stay hand-written in `ops/unary.rs`
//! and `ops/binary.rs`, their kernels still rows here.

#[macro_use]
mod table;
mod binary;
pub mod scalar;
mod unary;

pub use binary::{binary_functions, BinaryOp};
pub use unary::{unary_functions, UnaryOp};

use crate::autograd::{record, SavedTensor};
use crate::dtype::result_type;
use crate::ops::binary::{materialise, operand, raw_binary, Arg};
use crate::ops::{sum_to_shape, Scalar};
use crate::{DType, Error, Result, Tensor};

/// How a row treats integer inputs (bool inputs follow the same rule
/// unless the row has a bool formula).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ints {
    /// The row's integer formula runs on the integers.
    Native,
    /// Integers are computed in float32, as `torch.exp(int_tensor)`.
    Promote,
    /// PyTorch has no integer kernel: an error naming the dtype.
    Refuse,
    /// Integer (and bool) inputs come back unchanged, as a copy
    /// (`floor`, `nan_to_num` of an int tensor).
    Keep,
}

/// What a unary backward keeps from the forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// The input, saved as `self`.
    Input,
    /// The output, saved as `result` (exp, tanh, sigmoid: the derivative is a function of it).
    Result,
    Nothing,
}

/// `grad_input = rule(grad_output, saved, op)`; `saved` is the grad itself
/// under [`Save::Nothing`].
pub type UnaryRule = fn(&Tensor, &Tensor, UnaryOp) -> Result<Tensor>;

/// A unary row's backward.
#[derive(Clone, Copy)]
pub struct UnaryGrad {
    pub node: &'static str,
    pub save: Save,
    pub rule: UnaryRule,
}

/// A unary row, as the backends and autograd read it.
pub struct UnaryRow {
    /// The variant's name (`LogSigmoid`); messages and the CUDA table use it.
    pub name: &'static str,
    /// The CUDA expression in `acc_t x` and `double p0, p1, p2`.
    pub cuda: &'static str,
    pub ints: Ints,
    /// Whether the row has a bool formula (else bools follow `ints`).
    pub bools: bool,
    /// A predicate: the output is bool (`isnan`).
    pub test: bool,
    pub grad: Option<UnaryGrad>,
}

/// Which tensor a binary backward saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// Saved as `self`.
    Input,
    Other,
    Result,
}

/// `grad_operand = rule(grad_output, saved, operand)`, operand 0 = input,
/// 1 = other; `saved` in the order the row lists them.
pub type BinaryRule = fn(&Tensor, &[Tensor], usize) -> Result<Tensor>;

/// A binary row's backward.
#[derive(Clone, Copy)]
pub struct BinaryGrad {
    /// The node for two tensors (`FmodBackward1`).
    pub node: &'static str,
    /// The node when `other` is a Python number (`FmodBackward0`); `None`
    /// where PyTorch takes tensors only.
    pub scalar_node: Option<&'static str>,
    pub saves: &'static [Operand],
    pub rule: BinaryRule,
}

/// A binary row, as the backends and autograd read it.
pub struct BinaryRow {
    pub name: &'static str,
    /// The CUDA expression in `acc_t a, b`.
    pub cuda: &'static str,
    /// Whether the row has a float formula (bitwise ops do not).
    pub float: bool,
    pub ints: Ints,
    /// A comparison: the output is bool.
    pub test: bool,
    pub grad: Option<BinaryGrad>,
}

/// A backend kernel over element type `X`, handed one row's formula: the
/// table matches on the op once and calls `map` (or `test`, for a bool
/// result) with the row's closure, so each op gets its own monomorphised
/// loop and no per-element dispatch.
pub trait PointwiseKernel<X> {
    type Out;
    fn map(self, f: impl Fn(X) -> X + Send + Sync) -> Self::Out;
    fn test(self, f: impl Fn(X) -> bool + Send + Sync) -> Self::Out;
}

/// [`PointwiseKernel`] for two operands.
pub trait PointwiseKernel2<X> {
    type Out;
    fn map(self, f: impl Fn(X, X) -> X + Send + Sync) -> Self::Out;
    fn test(self, f: impl Fn(X, X) -> bool + Send + Sync) -> Self::Out;
}

/// A keyword parameter of a pointwise function (after the tensor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// PyTorch's default as Python source: `"1.0"`, `"-1.0"`, `"None"`.
    pub default: &'static str,
}

impl Param {
    /// The default as a number; `None` for a `None` default.
    pub fn default_value(&self) -> Option<f64> {
        self.default.replace(' ', "").parse().ok()
    }
}

/// A unary function with its numeric parameters by position.
pub type CallWith = fn(&Tensor, &[Option<f64>]) -> Result<Tensor>;

/// The in-place form of a [`CallWith`].
pub type CallInplace = fn(&Tensor, &[Option<f64>]) -> Result<()>;

/// A unary pointwise function for the language to bind.
#[derive(Clone, Copy)]
pub struct PointwiseFn {
    /// PyTorch's name (`erfinv`, `softplus`).
    pub name: &'static str,
    /// PyTorch's signature: `"logit(input, eps=None)"`.
    pub signature: &'static str,
    /// One line.
    pub doc: &'static str,
    /// The numeric keyword parameters, in order (all `float` or `None`).
    pub params: &'static [Param],
    /// The function with every parameter at its default.
    pub call: fn(&Tensor) -> Result<Tensor>,
    /// The function with `params` by position; `None` (or a missing
    /// entry) means the default (or Python's `None` where that is the default).
    pub call_with: CallWith,
    /// The in-place form (`Tensor.name_`, or `F.name(..., inplace=True)`).
    pub inplace: Option<CallInplace>,
    /// `torch.name` exists.
    pub in_torch: bool,
    /// `Tensor.name` exists.
    pub tensor_method: bool,
    /// `torch.nn.functional.name` exists.
    pub functional: bool,
}

/// A binary pointwise function for the language to bind.
#[derive(Clone, Copy)]
pub struct BinaryFn {
    pub name: &'static str,
    /// PyTorch's signature: `"atan2(input, other)"`.
    pub signature: &'static str,
    pub doc: &'static str,
    /// Two tensors (a 0-dim tensor takes part in promotion as PyTorch's).
    pub call: fn(&Tensor, &Tensor) -> Result<Tensor>,
    /// `other` a Python number (PyTorch's promotion of a wrapped number:
    /// `torch.fmod(int_tensor, 2.5)` is float32); `None` where PyTorch
    /// accepts tensors only.
    pub call_scalar: Option<fn(&Tensor, Scalar) -> Result<Tensor>>,
    /// The in-place form `Tensor.name_`.
    pub inplace: Option<fn(&Tensor, &Tensor) -> Result<()>>,
    pub in_torch: bool,
    pub tensor_method: bool,
}

/// How the language's argument (a number or `None`) becomes a parameter.
pub trait ParamArg: Sized {
    fn from_arg(v: Option<f64>, default: Self) -> Self;
}

impl ParamArg for f64 {
    fn from_arg(v: Option<f64>, default: f64) -> f64 {
        v.unwrap_or(default)
    }
}

impl ParamArg for Option<f64> {
    fn from_arg(v: Option<f64>, _default: Option<f64>) -> Option<f64> {
        v
    }
}

/// The language's positional parameters as a fixed array (missing ones `None`).
fn positional<const N: usize>(p: &[Option<f64>]) -> [Option<f64>; N] {
    std::array::from_fn(|i| p.get(i).copied().flatten())
}

fn first_line(doc: &'static str) -> &'static str {
    doc.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// `CamelCase` -> `snake_case` (a row's name as PyTorch spells kernels).
pub fn snake(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                s.push('_');
            }
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// PyTorch's error for a dtype the row has no kernel for.
fn not_implemented(row: &str, dtype: DType, device: crate::Device) -> Error {
    Error::invalid(format!(
        "\"{}_{}\" not implemented for '{}'",
        snake(row),
        device.kind(),
        dtype.legacy_name()
    ))
}

/// The dtype a row computes in for an input of `dtype`.
fn compute_dtype(
    name: &str,
    ints: Ints,
    native_bool: bool,
    dtype: DType,
    device: crate::Device,
) -> Result<DType> {
    if dtype.is_float() || (dtype == DType::Bool && native_bool) {
        return Ok(dtype);
    }
    match ints {
        Ints::Native if dtype != DType::Bool => Ok(dtype),
        Ints::Promote => Ok(dtype.to_float()),
        _ => Err(not_implemented(name, dtype, device)),
    }
}

impl Tensor {
    /// The forward only (no autograd): the row's dtype rule, then the
    /// kernel. Backward formulas use it to avoid recording.
    pub(crate) fn raw_unary(&self, op: UnaryOp) -> Result<Tensor> {
        let row = op.row();
        if row.ints == Ints::Keep && !self.dtype().is_float() {
            return self.contiguous_copy();
        }
        let dtype = compute_dtype(row.name, row.ints, row.bools, self.dtype(), self.device())?;
        let x = self.to_dtype(dtype)?;
        let s = x.storage().unary(x.layout(), op)?;
        Ok(Tensor::from_contiguous(s, self.shape()))
    }

    /// A unary row: dtype rule, kernel, and the row's autograd node.
    pub(crate) fn pointwise(&self, op: UnaryOp) -> Result<Tensor> {
        let row = op.row();
        if row.ints == Ints::Keep && !self.dtype().is_float() {
            return self.clone_tensor();
        }
        let dtype = compute_dtype(row.name, row.ints, row.bools, self.dtype(), self.device())?;
        let x = self.to_dtype(dtype)?;
        let out = x.raw_unary(op)?;
        let grad = match row.grad {
            Some(g) if !row.test && dtype.is_float() => g,
            _ => return Ok(out),
        };
        let saved = match grad.save {
            Save::Input => Some(SavedTensor::new("self", &x)),
            Save::Result => Some(SavedTensor::new("result", &out)),
            Save::Nothing => None,
        };
        let list = saved.iter().cloned().collect();
        Ok(record(out, grad.node, &[&x], list, move |g, _| {
            let s = match &saved {
                Some(s) => s.get(grad.node)?,
                None => g.clone(),
            };
            Ok(vec![Some((grad.rule)(g, &s, op)?)])
        }))
    }

    /// A binary row: PyTorch's promotion, the row's dtype rule, the kernel,
    /// and the row's node (the scalar form's node when `other` is a number).
    pub(crate) fn pointwise_binary(&self, other: Arg, op: BinaryOp) -> Result<Tensor> {
        let row = op.row();
        let a = Arg::T(self);
        let promoted = result_type(&[operand(&a), operand(&other)]);
        let dtype = compute_dtype(row.name, row.ints, false, promoted, self.device())?;
        if !row.float && dtype.is_float() {
            return Err(not_implemented(row.name, dtype, self.device()));
        }
        let (x, y) = materialise(row.name, &a, &other, dtype)?;
        let out = raw_binary(&x, &y, op)?;
        let grad = match row.grad {
            Some(g) if !row.test && dtype.is_float() => g,
            _ => return Ok(out),
        };
        let scalar = matches!(other, Arg::S(_));
        let node = match (scalar, grad.scalar_node) {
            (true, Some(n)) => n,
            _ => grad.node,
        };
        let saved: Vec<SavedTensor> = grad
            .saves
            .iter()
            .map(|o| match o {
                Operand::Input => SavedTensor::new("self", &x),
                Operand::Other => SavedTensor::new("other", &y),
                Operand::Result => SavedTensor::new("result", &out),
            })
            .collect();
        let shapes = [x.shape().to_vec(), y.shape().to_vec()];
        let inputs: Vec<&Tensor> = if scalar { vec![&x] } else { vec![&x, &y] };
        let keep = saved.clone();
        Ok(record(out, node, &inputs, saved, move |g, needs| {
            let vals = keep
                .iter()
                .map(|s| s.get(node))
                .collect::<Result<Vec<_>>>()?;
            needs
                .iter()
                .enumerate()
                .map(|(i, &need)| {
                    if need {
                        Ok(Some(sum_to_shape(&(grad.rule)(g, &vals, i)?, &shapes[i])?))
                    } else {
                        Ok(None)
                    }
                })
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_index_the_rows() {
        for (i, row) in UnaryOp::rows().iter().enumerate() {
            assert!(!row.cuda.is_empty(), "{} has no CUDA expression", row.name);
            assert!(i < u16::MAX as usize);
        }
        assert_eq!(UnaryOp::Exp.row().name, "Exp");
        assert_eq!(UnaryOp::Logit(0.1).row().name, "Logit");
        assert_eq!(UnaryOp::Logit(0.1).params(), [0.1, 0.0, 0.0]);
        assert_eq!(
            UnaryOp::rows()[UnaryOp::IsNan.code() as usize].name,
            "IsNan"
        );
        assert_eq!(BinaryOp::Atan2.row().name, "Atan2");
        assert_eq!(BinaryOp::rows()[BinaryOp::Lt.code() as usize].name, "Lt");
    }

    #[test]
    fn names_and_defaults_read_as_python() {
        assert_eq!(snake("LogSigmoid"), "log_sigmoid");
        assert_eq!(snake("Exp"), "exp");
        let logit = unary_functions()
            .iter()
            .find(|f| f.name == "logit")
            .expect("logit is listed");
        assert_eq!(logit.signature, "logit(input, eps=None)");
        assert_eq!(logit.params[0].default_value(), None);
        let softplus = unary_functions()
            .iter()
            .find(|f| f.name == "softplus")
            .expect("softplus is listed");
        assert_eq!(softplus.params[1].default_value(), Some(20.0));
        let names: Vec<&str> = unary_functions().iter().map(|f| f.name).collect();
        let mut dedup = names.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(names.len(), dedup.len(), "a name is listed twice");
    }
}
