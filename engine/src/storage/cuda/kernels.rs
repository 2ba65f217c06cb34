//! The CUDA C kernel sources (kernels/*.cu, embedded at build time) and how
//! a program is assembled for NVRTC: one `#define TT_<DTYPE>`, the op codes
//! and each pointwise row's `case` line generated from the engine's tables
//! (`ops::pointwise`; so the kernels and the launchers cannot disagree on a
//! code or a formula), `common.cuh`, then the family file.
//!
//! This module needs no CUDA at all: it is compiled in every build so that
//! the kernel compile check (tests/cuda_kernels_compile.rs) runs with or
//! without the `cuda` feature.

use crate::ops::pointwise::{BinaryRow, Ints, UnaryRow};
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

const REDUCE: &[&str] = &[
    "SUM", "PROD", "MAX", "MIN", "ARGMAX", "ARGMIN", "ANY", "ALL",
];

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
    REDUCE
        .iter()
        .position(|n| *n == name)
        .expect("every ReduceOp is in REDUCE") as i32
}

/// A row as the CUDA table needs it: its name (for a comment) and expression.
trait CudaRow {
    fn parts(&self) -> (&'static str, &'static str);
}

impl CudaRow for UnaryRow {
    fn parts(&self) -> (&'static str, &'static str) {
        (self.name, self.cuda)
    }
}

impl CudaRow for BinaryRow {
    fn parts(&self) -> (&'static str, &'static str) {
        (self.name, self.cuda)
    }
}

/// `#define NAME case 0: /* Neg */ return (-x); case 1: ...` for the rows
/// that `keep` selects; a row's code is its index.
fn cases<R: CudaRow>(out: &mut String, name: &str, rows: &[R], keep: impl Fn(&R) -> bool) {
    out.push_str("#define ");
    out.push_str(name);
    for (code, row) in rows.iter().enumerate() {
        if keep(row) {
            let (name, expr) = row.parts();
            out.push_str(&format!(" case {code}: /* {name} */ return ({expr});"));
        }
    }
    out.push('\n');
}

/// The reduction codes (`ROP_SUM`, ...) and the pointwise rows' `case`
/// lines that elementwise.cu is compiled with, from the engine's tables.
pub fn op_table() -> String {
    let mut s = String::new();
    for (code, name) in REDUCE.iter().enumerate() {
        s.push_str(&format!("#define ROP_{name} {code}\n"));
    }
    let unary = UnaryOp::rows();
    let native = |r: &UnaryRow| r.ints == Ints::Native;
    cases(&mut s, "TT_UNARY_CASES", unary, |r| !r.test && native(r));
    cases(&mut s, "TT_UNARY_FLOAT_CASES", unary, |r| {
        !r.test && !native(r)
    });
    cases(&mut s, "TT_TEST_CASES", unary, |r| r.test);
    let binary = BinaryOp::rows();
    let both = |r: &BinaryRow| r.float && r.ints == Ints::Native;
    cases(&mut s, "TT_BINARY_CASES", binary, |r| !r.test && both(r));
    let float_only = |r: &BinaryRow| !r.test && r.float && r.ints != Ints::Native;
    cases(&mut s, "TT_BINARY_FLOAT_CASES", binary, float_only);
    cases(&mut s, "TT_BINARY_INT_CASES", binary, |r| {
        !r.test && !r.float
    });
    cases(&mut s, "TT_COMPARE_CASES", binary, |r| r.test);
    s
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
    s.push_str(&op_table());
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
    fn every_row_has_its_code_and_case() {
        let t = op_table();
        assert_eq!(reduce_code(ReduceOp::All), 7);
        assert!(t.contains("#define ROP_ALL 7\n"));
        // each row's expression appears exactly once, under its own code
        for (code, row) in UnaryOp::rows().iter().enumerate() {
            let case = format!(" case {code}: /* {} */ return ({});", row.name, row.cuda);
            assert_eq!(t.matches(&case).count(), 1, "{}", row.name);
        }
        for (code, row) in BinaryOp::rows().iter().enumerate() {
            let case = format!(" case {code}: /* {} */ return ({});", row.name, row.cuda);
            assert_eq!(t.matches(&case).count(), 1, "{}", row.name);
        }
        // integer-capable rows compile for every dtype, the others under TT_FLOAT
        let line = |name: &str| {
            t.lines()
                .find(|l| l.starts_with(&format!("#define {name} ")))
                .unwrap_or("")
                .to_string()
        };
        let erfinv = format!("case {}:", UnaryOp::Erfinv.code());
        assert!(line("TT_UNARY_FLOAT_CASES").contains(&erfinv));
        assert!(!line("TT_UNARY_CASES").contains(&erfinv));
        let abs = format!("case {}:", UnaryOp::Abs.code());
        assert!(line("TT_UNARY_CASES").contains(&abs));
        let bit = format!("case {}:", BinaryOp::BitXor.code());
        assert!(line("TT_BINARY_INT_CASES").contains(&bit));
        let lt = format!("case {}:", BinaryOp::Lt.code());
        assert!(line("TT_COMPARE_CASES").contains(&lt));
    }

    #[test]
    fn program_has_dtype_codes_and_body() {
        let s = program_source("elementwise", DType::BF16).unwrap();
        assert!(s.starts_with("#define TT_BF16 1\n"));
        assert!(s.contains("#define TT_UNARY_FLOAT_CASES "));
        assert!(s.contains("extern \"C\" __global__ void unary("));
        assert!(program_source("nope", DType::F32).is_none());
    }
}
