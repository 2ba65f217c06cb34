//! `Scalar`: a Python number as an op operand or a fill value, and its
//! conversion to an element type under PyTorch's two rules:
//! - as an operand (`int32_tensor + 2**32`) it is a "wrapped number" cast
//!   as C++'s `static_cast`: integers wrap, exactly (never through f64);
//! - as data (`torch.tensor([...], dtype=...)`, `torch.full`) a value the
//!   dtype cannot hold is an error ("value cannot be converted to type
//!   int32 without overflow").
//!
//! Knows nothing of tensors beyond building a one-element one.

use crate::dtype::Element;
use crate::storage::cpu::{pool, IntoStorage};
use crate::storage::{CpuStorage, Storage};
use crate::{cpu_dispatch, DType, Device, Error, Result, Tensor};

/// A Python number operand (`x + 2`, `x * 0.5`, `x & True`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }

    /// The dtype PyTorch gives this Python number as a "wrapped" operand.
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::I64,
            Scalar::Float(_) => DType::F64,
        }
    }

    /// The number as an operand of element type `T`: integers wrap
    /// (`int32 + 2**32` adds 0, as PyTorch), floats round.
    pub fn wrapping<T: Element>(self) -> T {
        match self {
            Scalar::Bool(b) => T::from_i64(b as i64),
            Scalar::Int(i) => T::from_i64(i),
            Scalar::Float(f) => T::from_f64(f),
        }
    }

    /// A 0-dim tensor of `dtype` on `device` holding the operand value
    /// ([`Scalar::wrapping`]).
    pub fn to_tensor(self, dtype: DType, device: Device) -> Result<Tensor> {
        fn one<T: IntoStorage>(s: Scalar) -> CpuStorage {
            T::into_storage(vec![s.wrapping::<T>()])
        }
        let c = by_dtype!(dtype, T => one::<T>(self));
        Tensor::from_contiguous(Storage::Cpu(c), &[]).to_device(device)
    }

    /// The number as data of type `T`, or PyTorch's overflow error naming
    /// `type_name`. Integers must fit exactly; a float converts to an
    /// integer type by truncation when it is within range (compared, as
    /// `c10::checked_convert` does, against the bounds rounded to float);
    /// NaN and infinities never fit an integer type. With `float_range`
    /// (fills) a finite value beyond a float type's range is an error too;
    /// without it (tensor literals) it rounds to inf, as in PyTorch.
    pub fn checked<T: Element>(self, type_name: &str, float_range: bool) -> Result<T> {
        let overflow = || {
            Error::invalid(format!(
                "value cannot be converted to type {type_name} without overflow"
            ))
        };
        let (lo, hi) = match T::DTYPE {
            DType::I32 => (i32::MIN as i64, i32::MAX as i64),
            DType::I64 => (i64::MIN, i64::MAX),
            DType::Bool => return Ok(T::from_f64((self.to_f64() != 0.0) as u8 as f64)),
            d => {
                let v = self.to_f64();
                let max = match d {
                    DType::F16 => half::f16::MAX.to_f64(),
                    DType::BF16 => half::bf16::MAX.to_f64(),
                    DType::F32 => f32::MAX as f64,
                    _ => f64::MAX,
                };
                if float_range && v.is_finite() && v.abs() > max {
                    // (values that round down to MAX are in range)
                    if T::from_f64(v).to_f64().is_infinite() {
                        return Err(overflow());
                    }
                }
                return Ok(T::from_f64(v));
            }
        };
        match self {
            Scalar::Bool(b) => Ok(T::from_i64(b as i64)),
            Scalar::Int(i) if i < lo || i > hi => Err(overflow()),
            Scalar::Int(i) => Ok(T::from_i64(i)),
            Scalar::Float(f) => {
                let (flo, fhi) = (lo as f32 as f64, hi as f32 as f64);
                if f.is_nan() || f < flo || f > fhi {
                    Err(overflow())
                } else {
                    Ok(T::from_f64(f))
                }
            }
        }
    }

    /// A one-element host storage of `dtype` holding this fill value
    /// ([`Scalar::checked`] with the C++ type names `full`/`fill_` use).
    pub fn checked_for_fill(self, dtype: DType) -> Result<CpuStorage> {
        fn one<T: IntoStorage>(s: Scalar, name: &str) -> Result<CpuStorage> {
            Ok(T::into_storage(vec![s.checked::<T>(name, true)?]))
        }
        let name = match dtype {
            DType::Bool => "bool",
            DType::I32 => "int",
            DType::I64 => "long",
            DType::F16 => "c10::Half",
            DType::BF16 => "c10::BFloat16",
            DType::F32 => "float",
            DType::F64 => "double",
        };
        by_dtype!(dtype, T => one::<T>(self, name))
    }
}

/// `n` copies of the single element of `one`, fallibly allocated.
pub(crate) fn repeat_one(one: &CpuStorage, n: usize) -> Result<CpuStorage> {
    cpu_dispatch!(one, v => Ok(IntoStorage::into_storage(pool::try_filled(n, v[0])?)))
}

/// Runs `$body` with `$t` the element type of `$dtype`.
macro_rules! by_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            DType::Bool => {
                type $t = bool;
                $body
            }
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            DType::F16 => {
                type $t = half::f16;
                $body
            }
            DType::BF16 => {
                type $t = half::bf16;
                $body
            }
            DType::F32 => {
                type $t = f32;
                $body
            }
            DType::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}
use by_dtype;

impl From<f64> for Scalar {
    fn from(v: f64) -> Self {
        Scalar::Float(v)
    }
}
impl From<f32> for Scalar {
    fn from(v: f32) -> Self {
        Scalar::Float(v as f64)
    }
}
impl From<i64> for Scalar {
    fn from(v: i64) -> Self {
        Scalar::Int(v)
    }
}
impl From<i32> for Scalar {
    fn from(v: i32) -> Self {
        Scalar::Int(v as i64)
    }
}
impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operands_wrap_and_data_checks() {
        // torch: (torch.tensor([1], dtype=torch.int32) + 2**32) -> 1
        assert_eq!(Scalar::Int(1 << 32).wrapping::<i32>(), 0);
        assert_eq!(Scalar::Int((1 << 33) + 3).wrapping::<i32>(), 3);
        assert_eq!(Scalar::Int((1 << 62) + 1).wrapping::<i64>(), (1 << 62) + 1);
        let e = Scalar::Int(1 << 40)
            .checked::<i32>("int32", false)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "value cannot be converted to type int32 without overflow"
        );
        // torch.tensor([2**31 - 0.5], dtype=torch.int32) -> 2147483647, and
        // torch.tensor([-2**31 - 0.5], dtype=torch.int32) raises.
        let max = Scalar::Float(2147483647.5).checked::<i32>("int32", false);
        assert_eq!(max.unwrap(), i32::MAX);
        assert!(Scalar::Float(-2147483648.5)
            .checked::<i32>("int32", false)
            .is_err());
        assert!(Scalar::Float(f64::NAN)
            .checked::<i64>("int64", false)
            .is_err());
        // tensor([1e300], dtype=float32) is inf; full(..., 1e300) raises.
        assert!(Scalar::Float(1e300)
            .checked::<f32>("float", false)
            .unwrap()
            .is_infinite());
        assert!(Scalar::Float(1e300).checked::<f32>("float", true).is_err());
        assert!(Scalar::Float(f64::INFINITY)
            .checked::<half::f16>("c10::Half", true)
            .is_ok());
    }
}
