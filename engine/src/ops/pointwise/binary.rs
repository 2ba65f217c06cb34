//! The binary table: one row per function of two same-dtype operands of
//! one broadcast shape (row format in `mod.rs`). `values` rows return the
//! operands' dtype, `compares` rows return bool. Rows without an `api` are
//! the kernels of the hand-written arithmetic in `ops/binary.rs` (`add`
//! with `alpha`, `div` with `rounding_mode`, `pow`'s three forms, ...).
//!
//! A backward lists what it saves (`input` is saved as `self`), binds them
//! in that order, and gives one formula per operand in tensor ops; the
//! broadcast sum back to each operand's shape is done for it. A Python
//! number as `other` records the `scalar` node, as PyTorch does.

use super::scalar::{floor_divide, lit, pick, Int};
use super::{first_line, BinaryFn, BinaryGrad, BinaryRow, Ints, Operand, PointwiseKernel2};
use crate::dtype::Float;
use crate::ops::binary::Arg;
use crate::{Error, Result, Tensor};

binary_table! {
values {
    Add {
        float: |a, b| a + b;
        int: |a, b| a.wadd(b);
        cuda: "a + b";
    }
    Sub {
        float: |a, b| a - b;
        int: |a, b| a.wsub(b);
        cuda: "a - b";
    }
    Mul {
        float: |a, b| a * b;
        int: |a, b| a.wmul(b);
        cuda: "a * b";
    }
    /// True division (integers are promoted by `div` before the kernel).
    Div {
        float: |a, b| a / b;
        ints: promote;
        cuda: "a / b";
    }
    /// The larger operand, NaN propagating.
    Maximum {
        float: |a, b| pick(a.is_nan() || a > b, a, b);
        int: |a, b| a.max(b);
        cuda: "(a != a || a > b) ? a : b";
    }
    /// The smaller operand, NaN propagating.
    Minimum {
        float: |a, b| pick(a.is_nan() || a < b, a, b);
        int: |a, b| a.min(b);
        cuda: "(a != a || a < b) ? a : b";
    }
    Pow {
        float: |a, b| a.powf(b);
        int: |a, b| a.wpow(b.to_f64() as i64);
        cuda: "pow_acc(a, b)";
    }
    /// Python's `%`: the result has the divisor's sign.
    Rem {
        float: |a, b| {
            let r = a % b;
            pick(r != lit(0.0) && ((r < lit(0.0)) != (b < lit(0.0))), r + b, r)
        };
        int: |a, b| a.rem_floor(b);
        cuda: "rem_acc(a, b)";
    }
    /// Python's `//`: the floor of the quotient (CPython's algorithm).
    FloorDiv {
        float: |a, b| floor_divide(a, b);
        int: |a, b| a.div_floor(b);
        cuda: "floor_div_acc(a, b)";
    }
    /// Division truncated toward zero (`div(rounding_mode='trunc')`).
    TruncDiv {
        float: |a, b| (a / b).trunc();
        int: |a, b| a.div_trunc(b);
        cuda: "trunc_div_acc(a, b)";
    }
    /// `threshold_backward(grad, y, 0)`: 0 where `b <= 0`, else `a` (ReLU's
    /// backward in one pass).
    ThresholdGrad {
        float: |a, b| pick(b <= lit(0.0), lit(0.0), a);
        int: |a, b| pick(b <= Int::zero(), Int::zero(), a);
        cuda: "b <= (acc_t)0 ? (acc_t)0 : a";
    }
    /// `tanh_backward(grad, y)`: `grad * (1 - y^2)` with `1 - y^2` rounded
    /// once (a fused multiply-add), as PyTorch's CPU kernel computes it.
    TanhGrad {
        float: |a, b| a * (-b).mul_add(b, lit(1.0));
        ints: refuse;
        cuda: "a * fma(-b, b, (acc_t)1)";
    }
    BitAnd {
        int: |a, b| a.and(b);
        cuda: "a & b";
    }
    BitOr {
        int: |a, b| a.or(b);
        cuda: "a | b";
    }
    BitXor {
        int: |a, b| a.xor(b);
        cuda: "a ^ b";
    }
    /// The angle of the point (other, input), in (-pi, pi].
    Atan2 {
        api { atan2 [torch method] inplace atan2_ }
        float: |a, b| a.atan2(b);
        ints: promote;
        cuda: "atan2(a, b)";
        // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
        grad { Atan2Backward0 (input, other) |g, a, b|
            input: g.mul(b)?.div(&a.mul(a)?.add(&b.mul(b)?)?),
            other: g.mul(a)?.div(&a.mul(a)?.add(&b.mul(b)?)?)?.neg(),
        }
    }
    /// `sqrt(input^2 + other^2)`, without overflow.
    Hypot {
        api { hypot [torch method] inplace hypot_ }
        float: |a, b| a.hypot(b);
        ints: refuse;
        cuda: "hypot(a, b)";
        // d r = (a da + b db) / r
        grad { HypotBackward0 (input, other, result) |g, a, b, r|
            input: g.mul(a)?.div(r),
            other: g.mul(b)?.div(r),
        }
    }
    /// C's remainder: the result has the dividend's sign.
    Fmod {
        api { fmod [torch method] inplace fmod_ }
        float: |a, b| a % b;
        int: |a, b| a.rem_trunc(b);
        cuda: "fmod_acc(a, b)";
        // a - trunc(a / b) b: d/da = 1, d/db = -trunc(a / b)
        grad { FmodBackward1 [scalar FmodBackward0] (input, other) |g, a, b|
            input: Ok(g.clone()),
            other: g.mul(&a.div_rounding(b, "trunc")?)?.neg(),
        }
    }
    /// `|input|` with the sign of `other`.
    Copysign {
        api { copysign [torch method] inplace copysign_ }
        float: |a, b| pick(b.is_sign_negative(), -a.abs(), a.abs());
        ints: promote;
        cuda: "copysign(a, b)";
        // d/da = result / a (0 where a = 0); nothing flows to the sign
        grad { CopysignBackward0 [scalar CopysignBackward1] (input, result) |g, a, r|
            input: g.mul(&r.div(a)?.masked_fill(&a.eq_scalar(0.0)?, 0.0)?),
            other: Tensor::zeros_like(g),
        }
    }
    /// `input * ln(other)`, 0 where input is 0 (unless other is NaN).
    Xlogy {
        api { xlogy [torch method] inplace xlogy_ }
        float: |a, b| pick(b.is_nan(), b, pick(a == lit(0.0), lit(0.0), a * b.ln()));
        ints: promote;
        cuda: "xlogy_acc(a, b)";
        // d/da = ln b (0 where a = 0 and b <= 0), d/db = a / b
        grad { XlogyBackward0 [scalar XlogyBackward2] (input, other) |g, a, b|
            input: g.xlogy(b)?.masked_fill(&a.eq_scalar(0.0)?.logical_and(&b.le_scalar(0.0)?)?, 0.0),
            other: g.mul(a)?.div(b),
        }
    }
    /// `max(input, min)`, NaN propagating.
    ClampMin {
        api { clamp_min [torch method] inplace clamp_min_ }
        float: |a, b| pick(a.is_nan() || a > b, a, b);
        int: |a, b| a.max(b);
        cuda: "(a != a || a > b) ? a : b";
        // the input's gradient where it was kept (ties included), else min's
        grad { ClampMinBackward1 [scalar ClampMinBackward0] (input, other) |g, a, b|
            input: g.mul(&a.ge(b)?.to_dtype(g.dtype())?),
            other: g.mul(&a.lt(b)?.to_dtype(g.dtype())?),
        }
    }
    /// `min(input, max)`, NaN propagating.
    ClampMax {
        api { clamp_max [torch method] inplace clamp_max_ }
        float: |a, b| pick(a.is_nan() || a < b, a, b);
        int: |a, b| a.min(b);
        cuda: "(a != a || a < b) ? a : b";
        grad { ClampMaxBackward1 [scalar ClampMaxBackward0] (input, other) |g, a, b|
            input: g.mul(&a.le(b)?.to_dtype(g.dtype())?),
            other: g.mul(&a.gt(b)?.to_dtype(g.dtype())?),
        }
    }
}
compares {
    Lt {
        float: |a, b| a < b;
        int: |a, b| a < b;
        cuda: "a < b";
    }
    Le {
        float: |a, b| a <= b;
        int: |a, b| a <= b;
        cuda: "a <= b";
    }
    Gt {
        float: |a, b| a > b;
        int: |a, b| a > b;
        cuda: "a > b";
    }
    Ge {
        float: |a, b| a >= b;
        int: |a, b| a >= b;
        cuda: "a >= b";
    }
    Eq {
        float: |a, b| a == b;
        int: |a, b| a == b;
        cuda: "a == b";
    }
    Ne {
        float: |a, b| a != b;
        int: |a, b| a != b;
        cuda: "a != b";
    }
    LogicalAnd {
        float: |a, b| a != lit(0.0) && b != lit(0.0);
        int: |a, b| a != Int::zero() && b != Int::zero();
        cuda: "a != (acc_t)0 && b != (acc_t)0";
    }
    LogicalOr {
        float: |a, b| a != lit(0.0) || b != lit(0.0);
        int: |a, b| a != Int::zero() || b != Int::zero();
        cuda: "a != (acc_t)0 || b != (acc_t)0";
    }
    LogicalXor {
        float: |a, b| (a != lit(0.0)) != (b != lit(0.0));
        int: |a, b| (a != Int::zero()) != (b != Int::zero());
        cuda: "(a != (acc_t)0) != (b != (acc_t)0)";
    }
}
}

impl BinaryOp {
    /// Whether the op is a comparison or logical op (bool output).
    pub fn bool_output(self) -> bool {
        self.row().test
    }

    /// Whether integer operands divide (an integer zero divisor is an error).
    pub fn divides(self) -> bool {
        matches!(
            self,
            BinaryOp::Rem | BinaryOp::FloorDiv | BinaryOp::TruncDiv | BinaryOp::Fmod
        )
    }
}
