//! The op vocabulary every backend speaks. The pointwise ops are the rows
//! of `ops::pointwise` (their enums are generated there, next to each op's
//! formulas, CUDA expression and derivative) and are re-exported here;
//! reductions are listed below.

pub use crate::ops::pointwise::{BinaryOp, UnaryOp};

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
