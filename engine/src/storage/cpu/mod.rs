//! The CPU backend: storage as one typed `Vec` per dtype, and rayon kernels
//! with contiguous fast paths. Kernels are generic over the element type and
//! instantiated by one `match` on the dtype, outside every loop; `backend.rs`
//! maps the `Backend` seam onto them.

mod backend;
pub mod conv;
pub mod conv2d;
pub mod elementwise;
pub mod index;
pub mod iter;
pub mod linear;
pub mod matmul;
pub mod par;
pub mod pool;
pub mod reduce;

use half::{bf16, f16};

use crate::dtype::Element;
use crate::{DType, Error, Layout, Result};
use iter::{map_row, Plan};

/// A CPU buffer of one dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum CpuStorage {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F16(Vec<f16>),
    BF16(Vec<bf16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Runs `$body` with `$v` bound to the typed vector, for every dtype.
#[macro_export]
#[doc(hidden)]
macro_rules! cpu_dispatch {
    ($s:expr, $v:ident => $body:expr) => {
        match $s {
            $crate::storage::cpu::CpuStorage::Bool($v) => $body,
            $crate::storage::cpu::CpuStorage::I32($v) => $body,
            $crate::storage::cpu::CpuStorage::I64($v) => $body,
            $crate::storage::cpu::CpuStorage::F16($v) => $body,
            $crate::storage::cpu::CpuStorage::BF16($v) => $body,
            $crate::storage::cpu::CpuStorage::F32($v) => $body,
            $crate::storage::cpu::CpuStorage::F64($v) => $body,
        }
    };
}

/// Converts a typed `Vec` into the matching storage variant.
pub trait IntoStorage: Element {
    fn into_storage(v: Vec<Self>) -> CpuStorage;
    fn slice(s: &CpuStorage) -> Option<&[Self]>;
    fn slice_mut(s: &mut CpuStorage) -> Option<&mut [Self]>;
}

macro_rules! into_storage {
    ($t:ty, $var:ident) => {
        impl IntoStorage for $t {
            fn into_storage(v: Vec<Self>) -> CpuStorage {
                CpuStorage::$var(v)
            }
            fn slice(s: &CpuStorage) -> Option<&[Self]> {
                match s {
                    CpuStorage::$var(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(s: &mut CpuStorage) -> Option<&mut [Self]> {
                match s {
                    CpuStorage::$var(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
into_storage!(bool, Bool);
into_storage!(i32, I32);
into_storage!(i64, I64);
into_storage!(f16, F16);
into_storage!(bf16, BF16);
into_storage!(f32, F32);
into_storage!(f64, F64);

/// Requests below this size are never checked (the check reads no state,
/// but keeps small ops free of it entirely).
const UNCHECKED_BYTES: u128 = 64 << 20;

/// The most the CPU backend will allocate for one buffer: the memory the
/// OS reports as available now (MemAvailable in /proc/meminfo; 1 TiB where
/// unknown). A bigger request is an `OutOfMemory` error, not an abort
/// inside `Vec` or a visit from the OOM killer.
pub fn max_alloc_bytes() -> u128 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kb: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(1 << 40)
}

/// Errors if a buffer of `n` elements of `dtype` cannot be allocated.
pub fn check_alloc(n: usize, dtype: DType) -> Result<()> {
    check_bytes(n as u128 * dtype.size_in_bytes() as u128)
}

/// Errors if `bytes` more cannot be allocated on the host now.
pub fn check_bytes(bytes: u128) -> Result<()> {
    if bytes >= UNCHECKED_BYTES && bytes > max_alloc_bytes() {
        return Err(Error::OutOfMemory {
            bytes,
            device: crate::Device::Cpu,
        });
    }
    Ok(())
}

impl CpuStorage {
    pub fn dtype(&self) -> DType {
        match self {
            CpuStorage::Bool(_) => DType::Bool,
            CpuStorage::I32(_) => DType::I32,
            CpuStorage::I64(_) => DType::I64,
            CpuStorage::F16(_) => DType::F16,
            CpuStorage::BF16(_) => DType::BF16,
            CpuStorage::F32(_) => DType::F32,
            CpuStorage::F64(_) => DType::F64,
        }
    }

    pub fn len(&self) -> usize {
        cpu_dispatch!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` copies of `value` converted to `dtype`, after a size check.
    pub fn full(n: usize, value: f64, dtype: DType) -> Result<Self> {
        fn fill<T: IntoStorage>(n: usize, v: f64) -> Result<CpuStorage> {
            Ok(T::into_storage(pool::try_filled(n, T::from_f64(v))?))
        }
        match dtype {
            DType::Bool => fill::<bool>(n, value),
            DType::I32 => fill::<i32>(n, value),
            DType::I64 => fill::<i64>(n, value),
            DType::F16 => fill::<f16>(n, value),
            DType::BF16 => fill::<bf16>(n, value),
            DType::F32 => fill::<f32>(n, value),
            DType::F64 => fill::<f64>(n, value),
        }
    }

    /// Builds a storage of `dtype` from f64 values (creation from literals).
    pub fn from_f64s(values: &[f64], dtype: DType) -> Self {
        fn conv<T: IntoStorage>(v: &[f64]) -> CpuStorage {
            T::into_storage(v.iter().map(|&x| T::from_f64(x)).collect())
        }
        match dtype {
            DType::Bool => conv::<bool>(values),
            DType::I32 => conv::<i32>(values),
            DType::I64 => conv::<i64>(values),
            DType::F16 => conv::<f16>(values),
            DType::BF16 => conv::<bf16>(values),
            DType::F32 => conv::<f32>(values),
            DType::F64 => conv::<f64>(values),
        }
    }

    /// [`CpuStorage::from_f64s`], fallibly allocated.
    pub fn try_from_f64s(values: &[f64], dtype: DType) -> Result<Self> {
        fn conv<T: IntoStorage>(v: &[f64]) -> Result<CpuStorage> {
            let mut out = pool::try_alloc(v.len())?;
            out.extend(v.iter().map(|&x| T::from_f64(x)));
            Ok(T::into_storage(out))
        }
        match dtype {
            DType::Bool => conv::<bool>(values),
            DType::I32 => conv::<i32>(values),
            DType::I64 => conv::<i64>(values),
            DType::F16 => conv::<f16>(values),
            DType::BF16 => conv::<bf16>(values),
            DType::F32 => conv::<f32>(values),
            DType::F64 => conv::<f64>(values),
        }
    }

    /// The elements of `layout`, in row-major order, converted to f64.
    pub fn to_f64s(&self, layout: &Layout) -> Result<Vec<f64>> {
        cpu_dispatch!(self, v => Plan::new([layout]).try_collect(|[o], [s], out| map_row(v, o, s, out, |x| x.to_f64())))
    }

    /// The elements of `layout` as i64 (exact for integer dtypes; floats
    /// truncate toward zero).
    pub fn to_i64s(&self, layout: &Layout) -> Result<Vec<i64>> {
        fn go<T: Element>(v: &[T], l: &Layout) -> Result<Vec<i64>> {
            Plan::new([l]).try_collect(|[o], [s], out| map_row(v, o, s, out, cast_one::<T, i64>))
        }
        cpu_dispatch!(self, v => go(v, layout))
    }

    /// A contiguous copy of the elements of `layout` (stops between chunks
    /// on an interrupt).
    pub fn copy_strided(&self, layout: &Layout) -> Result<CpuStorage> {
        cpu_dispatch!(self, v => Ok(IntoStorage::into_storage(
            Plan::new([layout]).try_collect(|[o], [s], out| map_row(v, o, s, out, |x| x))?
        )))
    }

    /// A contiguous copy of `layout`'s elements converted to `dtype`.
    pub fn cast(&self, layout: &Layout, dtype: DType) -> Result<CpuStorage> {
        fn go<S: Element, D: IntoStorage>(v: &[S], l: &Layout) -> Result<CpuStorage> {
            Ok(D::into_storage(Plan::new([l]).try_collect(
                |[o], [s], out| map_row(v, o, s, out, cast_one::<S, D>),
            )?))
        }
        if dtype == self.dtype() {
            return self.copy_strided(layout);
        }
        cpu_dispatch!(self, v => match dtype {
            DType::Bool => go::<_, bool>(v, layout),
            DType::I32 => go::<_, i32>(v, layout),
            DType::I64 => go::<_, i64>(v, layout),
            DType::F16 => go::<_, f16>(v, layout),
            DType::BF16 => go::<_, bf16>(v, layout),
            DType::F32 => go::<_, f32>(v, layout),
            DType::F64 => go::<_, f64>(v, layout),
        })
    }

    /// Writes `src` (viewed through `src_l`, same shape as `dst_l`, same
    /// dtype) into the elements of `self` that `dst_l` addresses.
    pub fn copy_into(&mut self, dst_l: &Layout, src: &CpuStorage, src_l: &Layout) -> Result<()> {
        fn go<T: IntoStorage>(dst: &mut [T], dl: &Layout, src: &[T], sl: &Layout) {
            let plan = Plan::new([dl, sl]);
            let [sd, ss] = plan.inner_strides();
            let n = plan.inner_len();
            plan.for_rows(0..plan.rows(), |_, [od, os]| {
                if sd == 1 && ss == 1 {
                    dst[od..od + n].copy_from_slice(&src[os..os + n]);
                } else {
                    for j in 0..n {
                        dst[od + j * sd] = src[os + j * ss];
                    }
                }
            });
        }
        if dst_l.shape() != src_l.shape() || self.dtype() != src.dtype() {
            return Err(Error::Internal(format!(
                "copy_into: {:?}/{} from {:?}/{}",
                dst_l.shape(),
                self.dtype(),
                src_l.shape(),
                src.dtype()
            )));
        }
        match (self, src) {
            (CpuStorage::Bool(d), CpuStorage::Bool(s)) => go(d, dst_l, s, src_l),
            (CpuStorage::I32(d), CpuStorage::I32(s)) => go(d, dst_l, s, src_l),
            (CpuStorage::I64(d), CpuStorage::I64(s)) => go(d, dst_l, s, src_l),
            (CpuStorage::F16(d), CpuStorage::F16(s)) => go(d, dst_l, s, src_l),
            (CpuStorage::BF16(d), CpuStorage::BF16(s)) => go(d, dst_l, s, src_l),
            (CpuStorage::F32(d), CpuStorage::F32(s)) => go(d, dst_l, s, src_l),
            (CpuStorage::F64(d), CpuStorage::F64(s)) => go(d, dst_l, s, src_l),
            _ => unreachable!("dtypes checked equal above"),
        }
        Ok(())
    }
}

/// Element conversion with PyTorch's semantics: float -> int truncates
/// toward zero, int -> narrower int wraps (`static_cast`), anything ->
/// bool is `!= 0`, bool -> number is 0/1.
#[inline(always)]
pub fn cast_one<S: Element, D: Element>(x: S) -> D {
    // (the branches are on constants: each instance keeps one)
    if let (true, Some(i)) = (D::DTYPE.is_int(), x.exact_i64()) {
        D::from_i64(i)
    } else if D::DTYPE == DType::F32 {
        D::from_f32(x.to_f32())
    } else {
        D::from_f64(x.to_f64())
    }
}
