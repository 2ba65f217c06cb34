//! The CUDA C kernel sources (kernels/*.cu, embedded at build time) and how
//! a program is assembled for NVRTC: one `#define TT_<DTYPE>`, the op-code
//! table generated from the engine's op enums (so the kernels and the
//! launchers cannot disagree on a code), `common.cuh`, then the family file.
//!
//! This module needs no CUDA at all: it is compiled in every build so that
//! the kernel compile check (tests/cuda_kernels_compile.rs) runs with or
//! without the `cuda` feature.

use crate::storage::op::{BinaryOp, ReduceOp, UnaryOp};
use crate::DType;

/// The shared prelude.
pub const COMMON: &str = include_str!("../../../../kernels/common.cuh");

/// One program per kernel family: (name, source).
pub const FAMILIES: &[(&str, &str)] = &[
    (
        "elementwise",
        include_str!("../../../../kernels/elementwise.cu"),
    ),
    ("reduce", include_str!("../../../../kernels/reduce.cu")),
    ("index", include_str!("../../../../kernels/index.cu")),
    ("sort", include_str!("../../../../kernels/sort.cu")),
    ("conv", include_str!("../../../../kernels/conv.cu")),
    ("random", include_str!("../../../../kernels/random.cu")),
];

/// Every dtype a kernel is compiled for.
pub const DTYPES: &[DType] = &[
    DType::F32,
    DType::F64,
    DType::F16,
    DType::BF16,
    DType::I32,
    DType::I64,
    DType::Bool,
];

/// Unary op codes, in `UOP_*` order.
const UNARY: &[&str] = &[
    "NEG",
    "ABS",
    "SIGN",
    "SQUARE",
    "RELU",
    "CLAMP",
    "POW_SCALAR",
    "SCALAR_POW",
    "EXP",
    "LOG",
    "LOG1P",
    "SIN",
    "COS",
    "TANH",
    "SIGMOID",
    "SQRT",
    "RSQRT",
    "RECIP",
    "ERF",
    "FLOOR",
    "CEIL",
    "ROUND",
    "TRUNC",
    "GELU",
    "GELU_TANH",
    "SILU",
    "LEAKY_RELU",
    "GELU_GRAD",
    "GELU_TANH_GRAD",
    "SILU_GRAD",
    "STEP_GRAD",
    "LOGICAL_NOT",
    "IS_NAN",
];

const BINARY: &[&str] = &[
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "MAXIMUM",
    "MINIMUM",
    "POW",
    "REM",
    "FLOOR_DIV",
    "TRUNC_DIV",
    "THRESHOLD_GRAD",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
    "LT",
    "LE",
    "GT",
    "GE",
    "EQ",
    "NE",
    "LOGICAL_AND",
    "LOGICAL_OR",
    "LOGICAL_XOR",
];

const REDUCE: &[&str] = &[
    "SUM", "PROD", "MAX", "MIN", "ARGMAX", "ARGMIN", "ANY", "ALL",
];

fn code(table: &[&str], name: &str) -> i32 {
    table
        .iter()
        .position(|n| *n == name)
        .expect("op name is in its code table") as i32
}

/// A unary op's kernel arguments: (code, p0, p1, has_lo, has_hi).
pub fn unary_args(op: UnaryOp) -> (i32, f64, f64, i32, i32) {
    use UnaryOp::*;
    let (name, p0, p1, lo, hi) = match op {
        Neg => ("NEG", 0.0, 0.0, 0, 0),
        Abs => ("ABS", 0.0, 0.0, 0, 0),
        Sign => ("SIGN", 0.0, 0.0, 0, 0),
        Square => ("SQUARE", 0.0, 0.0, 0, 0),
        Relu => ("RELU", 0.0, 0.0, 0, 0),
        Clamp(lo, hi) => (
            "CLAMP",
            lo.unwrap_or(0.0),
            hi.unwrap_or(0.0),
            lo.is_some() as i32,
            hi.is_some() as i32,
        ),
        PowScalar(e) => ("POW_SCALAR", e, 0.0, 0, 0),
        ScalarPow(b) => ("SCALAR_POW", b, 0.0, 0, 0),
        Exp => ("EXP", 0.0, 0.0, 0, 0),
        Log => ("LOG", 0.0, 0.0, 0, 0),
        Log1p => ("LOG1P", 0.0, 0.0, 0, 0),
        Sin => ("SIN", 0.0, 0.0, 0, 0),
        Cos => ("COS", 0.0, 0.0, 0, 0),
        Tanh => ("TANH", 0.0, 0.0, 0, 0),
        Sigmoid => ("SIGMOID", 0.0, 0.0, 0, 0),
        Sqrt => ("SQRT", 0.0, 0.0, 0, 0),
        Rsqrt => ("RSQRT", 0.0, 0.0, 0, 0),
        Recip => ("RECIP", 0.0, 0.0, 0, 0),
        Erf => ("ERF", 0.0, 0.0, 0, 0),
        Floor => ("FLOOR", 0.0, 0.0, 0, 0),
        Ceil => ("CEIL", 0.0, 0.0, 0, 0),
        Round => ("ROUND", 0.0, 0.0, 0, 0),
        Trunc => ("TRUNC", 0.0, 0.0, 0, 0),
        Gelu => ("GELU", 0.0, 0.0, 0, 0),
        GeluTanh => ("GELU_TANH", 0.0, 0.0, 0, 0),
        Silu => ("SILU", 0.0, 0.0, 0, 0),
        LeakyRelu(s) => ("LEAKY_RELU", s, 0.0, 0, 0),
        GeluGrad => ("GELU_GRAD", 0.0, 0.0, 0, 0),
        GeluTanhGrad => ("GELU_TANH_GRAD", 0.0, 0.0, 0, 0),
        SiluGrad => ("SILU_GRAD", 0.0, 0.0, 0, 0),
        StepGrad(s) => ("STEP_GRAD", s, 0.0, 0, 0),
        LogicalNot => ("LOGICAL_NOT", 0.0, 0.0, 0, 0),
        IsNan => ("IS_NAN", 0.0, 0.0, 0, 0),
    };
    (code(UNARY, name), p0, p1, lo, hi)
}

pub fn binary_code(op: BinaryOp) -> i32 {
    use BinaryOp::*;
    let name = match op {
        Add => "ADD",
        Sub => "SUB",
        Mul => "MUL",
        Div => "DIV",
        Maximum => "MAXIMUM",
        Minimum => "MINIMUM",
        Pow => "POW",
        Rem => "REM",
        FloorDiv => "FLOOR_DIV",
        TruncDiv => "TRUNC_DIV",
        ThresholdGrad => "THRESHOLD_GRAD",
        BitAnd => "BIT_AND",
        BitOr => "BIT_OR",
        BitXor => "BIT_XOR",
        Lt => "LT",
        Le => "LE",
        Gt => "GT",
        Ge => "GE",
        Eq => "EQ",
        Ne => "NE",
        LogicalAnd => "LOGICAL_AND",
        LogicalOr => "LOGICAL_OR",
        LogicalXor => "LOGICAL_XOR",
    };
    code(BINARY, name)
}

pub fn reduce_code(op: ReduceOp) -> i32 {
    use ReduceOp::*;
    let name = match op {
        Sum => "SUM",
        Prod => "PROD",
        Max => "MAX",
        Min => "MIN",
        ArgMax => "ARGMAX",
        ArgMin => "ARGMIN",
        Any => "ANY",
        All => "ALL",
    };
    code(REDUCE, name)
}

/// The `TT_*` macro that selects a dtype in common.cuh.
pub fn dtype_macro(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "TT_F32",
        DType::F64 => "TT_F64",
        DType::F16 => "TT_F16",
        DType::BF16 => "TT_BF16",
        DType::I32 => "TT_I32",
        DType::I64 => "TT_I64",
        DType::Bool => "TT_BOOL",
    }
}

/// The full NVRTC program text of `family` (a `FAMILIES` name) for `dtype`.
pub fn program_source(family: &str, dtype: DType) -> Option<String> {
    let body = FAMILIES.iter().find(|(n, _)| *n == family)?.1;
    let mut s = format!("#define {} 1\n", dtype_macro(dtype));
    for (prefix, table) in [("UOP", UNARY), ("BOP", BINARY), ("ROP", REDUCE)] {
        for (i, name) in table.iter().enumerate() {
            s.push_str(&format!("#define {prefix}_{name} {i}\n"));
        }
    }
    s.push_str(COMMON);
    s.push('\n');
    s.push_str(body);
    Some(s)
}

/// NVRTC options for a device of compute capability `arch` (e.g. "sm_90"
/// or "compute_90"); the run-time compile and the CI check use these.
pub fn nvrtc_options(arch: &str) -> Vec<String> {
    vec![
        format!("--gpu-architecture={arch}"),
        "--std=c++17".to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_has_a_distinct_code() {
        // Codes are table positions: a duplicate name would alias two ops.
        for table in [UNARY, BINARY, REDUCE] {
            let mut names = table.to_vec();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), table.len());
        }
        assert_eq!(unary_args(UnaryOp::Neg).0, 0);
        assert_eq!(unary_args(UnaryOp::IsNan).0, UNARY.len() as i32 - 1);
        assert_eq!(binary_code(BinaryOp::LogicalXor), BINARY.len() as i32 - 1);
        assert_eq!(reduce_code(ReduceOp::All), 7);
        assert_eq!(
            unary_args(UnaryOp::Clamp(None, Some(2.0))),
            (5, 0.0, 2.0, 0, 1)
        );
    }

    #[test]
    fn program_has_dtype_codes_and_body() {
        let s = program_source("elementwise", DType::BF16).unwrap();
        assert!(s.starts_with("#define TT_BF16 1\n"));
        assert!(s.contains("#define BOP_LOGICAL_XOR 22\n"));
        assert!(s.contains("extern \"C\" __global__ void unary("));
        assert!(program_source("nope", DType::F32).is_none());
    }
}
