//! The primitive op vocabulary shared by every backend. Ops and autograd
//! speak in these enums; each backend maps them to a CPU loop or a CUDA
//! expression. Adding an elementwise function is one variant here plus its
//! scalar formula in each backend.

/// Elementwise functions of one tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    // Any numeric dtype.
    Neg,
    Abs,
    Sign,
    Square,
    Relu,
    /// `clamp(min, max)`; either bound may be absent.
    Clamp(Option<f64>, Option<f64>),
    /// `x ** e` for a scalar exponent.
    PowScalar(f64),
    /// `e ** x` for a scalar base.
    ScalarPow(f64),
    // Floating dtypes only.
    Exp,
    Log,
    Log1p,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Sqrt,
    Rsqrt,
    Recip,
    Erf,
    Floor,
    Ceil,
    Round,
    Trunc,
    Gelu,
    GeluTanh,
    Silu,
    LeakyRelu(f64),
    /// d gelu / dx (exact), used by GeluBackward0.
    GeluGrad,
    /// d gelu_tanh / dx, used by GeluBackward0 with approximate='tanh'.
    GeluTanhGrad,
    /// d silu / dx, used by SiluBackward0.
    SiluGrad,
    /// 1 where x > 0 else `slope` (LeakyReluBackward0 and ReluBackward0).
    StepGrad(f64),
    /// Bool output: `x == 0`.
    LogicalNot,
    /// Bool output: `x != x`.
    IsNan,
}

impl UnaryOp {
    /// Whether the op is defined on integer and bool inputs.
    pub fn integer_ok(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Neg | Abs | Sign | Square | Relu | Clamp(..) | PowScalar(_) | LogicalNot | IsNan
        )
    }

    pub fn bool_output(self) -> bool {
        matches!(self, UnaryOp::LogicalNot | UnaryOp::IsNan)
    }
}

/// Elementwise functions of two same-shaped, same-dtype tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
    Pow,
    /// Python's `%`: the result has the sign of the divisor.
    Rem,
    /// Python's `//`: floor of the quotient.
    FloorDiv,
    /// Division truncated toward zero (`div(rounding_mode='trunc')`).
    TruncDiv,
    /// `threshold_backward(grad, y, 0)`: `0` where `y <= 0`, else the grad
    /// `a` (ReLU's backward in one pass).
    ThresholdGrad,
    BitAnd,
    BitOr,
    BitXor,
    // Bool output.
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
}

impl BinaryOp {
    pub fn bool_output(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            Lt | Le | Gt | Ge | Eq | Ne | LogicalAnd | LogicalOr | LogicalXor
        )
    }
}

/// Reductions over a set of dims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    /// Index (int64) of the first maximum (NaN counts as the maximum).
    ArgMax,
    /// Index (int64) of the first minimum (NaN counts as the minimum).
    ArgMin,
    /// Bool: any element non-zero.
    Any,
    /// Bool: all elements non-zero.
    All,
}
