//! Element types and PyTorch's type promotion.
//!
//! `DType` is the runtime tag; `Element` ties each tag to its Rust type so
//! kernels are written once as generic functions and instantiated by one
//! `match` outside the loop.

use std::fmt;

use half::{bf16, f16};

/// The element types tinytorch supports, with PyTorch's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    I32,
    I64,
    F16,
    BF16,
    F32,
    F64,
}

/// The three categories PyTorch's promotion compares first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Bool,
    Integral,
    Floating,
}

impl DType {
    pub const ALL: [DType; 7] = [
        DType::Bool,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::BF16,
        DType::F32,
        DType::F64,
    ];

    /// PyTorch's spelling without the `torch.` prefix (`float32`, `int64`).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// PyTorch's legacy type name used in messages (`Float`, `Long`, as in
    /// `torch.FloatTensor` and "result type Float can't be cast ...").
    pub fn legacy_name(self) -> &'static str {
        match self {
            DType::Bool => "Bool",
            DType::I32 => "Int",
            DType::I64 => "Long",
            DType::F16 => "Half",
            DType::BF16 => "BFloat16",
            DType::F32 => "Float",
            DType::F64 => "Double",
        }
    }

    /// Parses PyTorch's names and aliases (`float`, `half`, `long`, ...).
    pub fn from_name(name: &str) -> Option<DType> {
        let n = name.strip_prefix("torch.").unwrap_or(name);
        Some(match n {
            "bool" => DType::Bool,
            "int32" | "int" => DType::I32,
            "int64" | "long" => DType::I64,
            "float16" | "half" => DType::F16,
            "bfloat16" => DType::BF16,
            "float32" | "float" => DType::F32,
            "float64" | "double" => DType::F64,
            _ => return None,
        })
    }

    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    pub fn category(self) -> Category {
        match self {
            DType::Bool => Category::Bool,
            DType::I32 | DType::I64 => Category::Integral,
            _ => Category::Floating,
        }
    }

    pub fn is_float(self) -> bool {
        self.category() == Category::Floating
    }

    pub fn is_int(self) -> bool {
        self.category() == Category::Integral
    }

    /// PyTorch's `promote_types` for two tensor dtypes.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a, b) {
            (Bool, x) | (x, Bool) => x,
            (F16, BF16) | (BF16, F16) => F32,
            (x, y) if x.is_float() && !y.is_float() => x,
            (x, y) if y.is_float() && !x.is_float() => y,
            (x, y) => x.max(y),
        }
    }

    /// The dtype float-only ops (exp, mean, true division) compute in: the
    /// dtype itself for floats, the default float dtype (float32) otherwise.
    pub fn to_float(self) -> DType {
        if self.is_float() {
            self
        } else {
            DType::F32
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "torch.{}", self.name())
    }
}

/// One operand of PyTorch's `result_type`: a tensor with dims, a 0-dim
/// tensor, or a Python number ("wrapped number").
#[derive(Debug, Clone, Copy)]
pub enum Operand {
    Tensor(DType),
    ZeroDim(DType),
    /// A Python scalar: `Bool`, `I64` for ints, `F64` for floats.
    Scalar(DType),
}

/// PyTorch's `result_type` over several operands: tensors with dims win,
/// then 0-dim tensors, then Python scalars, unless a lower tier is of a
/// higher category (an int tensor times `2.5` is float32).
pub fn result_type(operands: &[Operand]) -> DType {
    let fold = |pick: &dyn Fn(&Operand) -> Option<DType>| {
        operands.iter().filter_map(pick).reduce(DType::promote)
    };
    let dim = fold(&|o| match o {
        Operand::Tensor(d) => Some(*d),
        _ => None,
    });
    let zero = fold(&|o| match o {
        Operand::ZeroDim(d) => Some(*d),
        _ => None,
    });
    // Wrapped float numbers take the default dtype (float32).
    let wrapped = fold(&|o| match o {
        Operand::Scalar(d) if d.is_float() => Some(DType::F32),
        Operand::Scalar(d) => Some(*d),
        _ => None,
    });
    let combined = combine(dim, zero);
    combine(combined, wrapped).unwrap_or(DType::F32)
}

fn combine(higher: Option<DType>, lower: Option<DType>) -> Option<DType> {
    match (higher, lower) {
        (None, l) => l,
        (h, None) => h,
        (Some(h), Some(l)) => {
            if h.is_float() {
                Some(h)
            } else if h == DType::Bool || l.is_float() {
                Some(DType::promote(h, l))
            } else {
                Some(h)
            }
        }
    }
}

/// A Rust type that can be a tensor element.
pub trait Element:
    Copy + Send + Sync + PartialOrd + PartialEq + Default + fmt::Debug + 'static
{
    const DTYPE: DType;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_f32(self) -> f32 {
        self.to_f64() as f32
    }
    fn from_f32(v: f32) -> Self {
        Self::from_f64(v as f64)
    }
    /// The value as an exact integer when the type is integral or bool
    /// (`None` for floats): integer casts go through it, never through f64.
    #[inline(always)]
    fn exact_i64(self) -> Option<i64> {
        None
    }
    /// An integer converted as C++'s `static_cast` does (what PyTorch's
    /// `.to(int32)` does): integers wrap, bool is `!= 0`, floats round.
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        Self::from_f64(v as f64)
    }
}

macro_rules! element_int {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
            #[inline(always)]
            fn exact_i64(self) -> Option<i64> {
                Some(self as i64)
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
        }
    };
}
element_int!(i64, DType::I64);
element_int!(i32, DType::I32);

macro_rules! element_num {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
        }
    };
}
element_num!(f32, DType::F32);
element_num!(f64, DType::F64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline(always)]
    fn exact_i64(self) -> Option<i64> {
        Some(self as i64)
    }
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v != 0
    }
}

macro_rules! element_half {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self.to_f64()
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                <$t>::from_f64(v)
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self.to_f32()
            }
            #[inline(always)]
            fn from_f32(v: f32) -> Self {
                <$t>::from_f32(v)
            }
        }
    };
}
element_half!(f16, DType::F16);
element_half!(bf16, DType::BF16);

/// The float types kernels compute in (half types compute in f32).
pub trait Float: Element + num_traits::Float + std::iter::Sum {}
impl Float for f32 {}
impl Float for f64 {}

#[cfg(test)]
mod tests {
    use super::DType::*;
    use super::*;

    #[test]
    fn promote_types_matches_pytorch_table() {
        // torch.promote_types, checked by hand against PyTorch's table.
        assert_eq!(DType::promote(Bool, I32), I32);
        assert_eq!(DType::promote(I32, I64), I64);
        assert_eq!(DType::promote(I64, F16), F16);
        assert_eq!(DType::promote(F16, BF16), F32);
        assert_eq!(DType::promote(BF16, F32), F32);
        assert_eq!(DType::promote(F32, F64), F64);
        assert_eq!(DType::promote(Bool, Bool), Bool);
    }

    #[test]
    fn result_type_with_scalars_and_zero_dim() {
        use Operand::*;
        // int32 tensor + 2 -> int32; + 2.5 -> float32
        assert_eq!(result_type(&[Tensor(I32), Scalar(I64)]), I32);
        assert_eq!(result_type(&[Tensor(I32), Scalar(F64)]), F32);
        // float16 tensor * 2.0 stays float16
        assert_eq!(result_type(&[Tensor(F16), Scalar(F64)]), F16);
        // bool tensor + 1 -> int64
        assert_eq!(result_type(&[Tensor(Bool), Scalar(I64)]), I64);
        // float32 tensor + float64 0-dim tensor -> float32
        assert_eq!(result_type(&[Tensor(F32), ZeroDim(F64)]), F32);
        // int tensor + float64 0-dim -> float64
        assert_eq!(result_type(&[Tensor(I64), ZeroDim(F64)]), F64);
        // two 0-dim tensors promote normally
        assert_eq!(result_type(&[ZeroDim(I32), ZeroDim(F64)]), F64);
    }
}
