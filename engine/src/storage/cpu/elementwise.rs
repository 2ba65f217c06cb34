//! Elementwise CPU kernels: unary maps, binary maps over broadcast layouts,
//! and `where`. The formulas are the rows of `ops::pointwise`; this file
//! only supplies the loops. The dtype is matched once, then the op once
//! (inside the table's `on_float`/`on_int`), and the row's closure is
//! inlined into the strided loop of `iter`: no per-element dispatch.
//! Half types compute in f32 through the f32 kernels (`widened`), so
//! each formula is compiled for f32 and f64 only.

use super::iter::{map_row, zip_row, Plan};
use super::{CpuStorage, IntoStorage};
use crate::dtype::Element;
use crate::ops::pointwise::scalar::Int;
use crate::ops::pointwise::{PointwiseKernel, PointwiseKernel2};
use crate::storage::op::{BinaryOp, UnaryOp};
use crate::{DType, Device, Error, Layout, Result};

fn unsupported(op: &'static str, dtype: DType) -> Error {
    Error::Unsupported {
        op,
        dtype,
        device: Device::Cpu,
    }
}

fn map<T: Element, U: IntoStorage>(v: &[T], l: &Layout, f: impl Fn(T) -> U + Sync) -> CpuStorage {
    U::into_storage(Plan::new([l]).collect(|[o], [s], out| map_row(v, o, s, out, &f)))
}

fn zip<A: Element, B: Element, U: IntoStorage>(
    a: &[A],
    al: &Layout,
    b: &[B],
    bl: &Layout,
    f: impl Fn(A, B) -> U + Sync,
) -> CpuStorage {
    U::into_storage(
        Plan::new([al, bl]).collect(|offs, strides, out| zip_row(a, b, offs, strides, out, &f)),
    )
}

/// One strided operand, handed a row's formula by the table
/// (`UnaryOp::on_float` and friends) and computed in its own type.
struct Same<'a, T> {
    v: &'a [T],
    l: &'a Layout,
}

impl<T: IntoStorage> PointwiseKernel<T> for Same<'_, T> {
    type Out = CpuStorage;
    fn map(self, f: impl Fn(T) -> T + Send + Sync) -> CpuStorage {
        map(self.v, self.l, f)
    }
    fn test(self, f: impl Fn(T) -> bool + Send + Sync) -> CpuStorage {
        map(self.v, self.l, f)
    }
}

/// Two strided operands of one (broadcast) shape, computed in their type.
struct Same2<'a, T> {
    a: &'a [T],
    al: &'a Layout,
    b: &'a [T],
    bl: &'a Layout,
}

impl<T: IntoStorage> PointwiseKernel2<T> for Same2<'_, T> {
    type Out = CpuStorage;
    fn map(self, f: impl Fn(T, T) -> T + Send + Sync) -> CpuStorage {
        zip(self.a, self.al, self.b, self.bl, f)
    }
    fn test(self, f: impl Fn(T, T) -> bool + Send + Sync) -> CpuStorage {
        zip(self.a, self.al, self.b, self.bl, f)
    }
}

/// A half operand as f32, for the f32 kernels: the whole buffer converted
/// under the same layout (keeping broadcasts unexpanded) when it is no
/// larger than the view, else the view's elements made contiguous. Each
/// element widens exactly, so the f32 formula then sees the values the
/// per-element widening would.
fn widened(s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Layout)> {
    if s.len() <= l.numel() {
        Ok((
            s.cast(&Layout::contiguous(&[s.len()]), DType::F32)?,
            l.clone(),
        ))
    } else {
        Ok((s.cast(l, DType::F32)?, Layout::contiguous(l.shape())))
    }
}

/// An f32 kernel's output rounded back to the half `dtype` (once per
/// element, as PyTorch's CPU kernels do); bool outputs (comparisons,
/// tests such as `isnan`) are kept.
fn rounded(out: CpuStorage, dtype: DType) -> Result<CpuStorage> {
    match out {
        CpuStorage::F32(ref v) => out.cast(&Layout::contiguous(&[v.len()]), dtype),
        other => Ok(other),
    }
}

/// Applies a unary op; the ops layer has already applied the row's dtype
/// rule, so an op without a formula for this dtype is a broken invariant.
pub fn unary(s: &CpuStorage, l: &Layout, op: UnaryOp) -> Result<CpuStorage> {
    let out = match s {
        CpuStorage::F32(v) => Some(op.on_float::<f32, _>(Same { v, l })),
        CpuStorage::F64(v) => Some(op.on_float::<f64, _>(Same { v, l })),
        CpuStorage::F16(_) | CpuStorage::BF16(_) => {
            let (w, wl) = widened(s, l)?;
            return rounded(unary(&w, &wl, op)?, s.dtype());
        }
        CpuStorage::I64(v) => op.on_int::<i64, _>(Same { v, l }),
        CpuStorage::I32(v) => op.on_int::<i32, _>(Same { v, l }),
        CpuStorage::Bool(v) => op.on_bool(Same { v, l }),
    };
    out.ok_or_else(|| unsupported(op.row().name, s.dtype()))
}

fn bool_binary(
    a: &[bool],
    al: &Layout,
    b: &[bool],
    bl: &Layout,
    op: BinaryOp,
) -> Result<CpuStorage> {
    Ok(match op {
        BinaryOp::Add | BinaryOp::BitOr | BinaryOp::LogicalOr | BinaryOp::Maximum => {
            zip(a, al, b, bl, |x: bool, y: bool| x | y)
        }
        BinaryOp::Mul | BinaryOp::BitAnd | BinaryOp::LogicalAnd | BinaryOp::Minimum => {
            zip(a, al, b, bl, |x: bool, y: bool| x & y)
        }
        BinaryOp::BitXor | BinaryOp::LogicalXor | BinaryOp::Ne => {
            zip(a, al, b, bl, |x: bool, y: bool| x ^ y)
        }
        BinaryOp::Eq => zip(a, al, b, bl, |x: bool, y: bool| x == y),
        BinaryOp::Lt => zip(a, al, b, bl, |x: bool, y: bool| !x & y),
        BinaryOp::Le => zip(a, al, b, bl, |x: bool, y: bool| x <= y),
        BinaryOp::Gt => zip(a, al, b, bl, |x: bool, y: bool| x & !y),
        BinaryOp::Ge => zip(a, al, b, bl, |x: bool, y: bool| x >= y),
        _ => {
            return Err(Error::invalid(format!(
                "{op:?} is not supported for two bool tensors"
            )))
        }
    })
}

/// An integer binary op, after refusing a zero divisor as Python does.
fn int_binary<T: Int + IntoStorage>(
    a: &[T],
    al: &Layout,
    b: &[T],
    bl: &Layout,
    op: BinaryOp,
) -> Result<Option<CpuStorage>> {
    if op.divides() {
        let divisor = Plan::new([bl]).collect(|[o], [s], out| map_row(b, o, s, out, |x| x));
        if divisor.contains(&T::zero()) {
            return Err(Error::invalid("ZeroDivisionError"));
        }
    }
    Ok(op.on_int::<T, _>(Same2 { a, al, b, bl }))
}

/// Applies a binary op to two same-dtype operands whose layouts have the
/// same (broadcast) shape.
pub fn binary(
    a: &CpuStorage,
    al: &Layout,
    b: &CpuStorage,
    bl: &Layout,
    op: BinaryOp,
) -> Result<CpuStorage> {
    let out = match (a, b) {
        (CpuStorage::F32(a), CpuStorage::F32(b)) => op.on_float::<f32, _>(Same2 { a, al, b, bl }),
        (CpuStorage::F64(a), CpuStorage::F64(b)) => op.on_float::<f64, _>(Same2 { a, al, b, bl }),
        (CpuStorage::F16(_), CpuStorage::F16(_)) | (CpuStorage::BF16(_), CpuStorage::BF16(_)) => {
            let ((wa, wal), (wb, wbl)) = (widened(a, al)?, widened(b, bl)?);
            return rounded(binary(&wa, &wal, &wb, &wbl, op)?, a.dtype());
        }
        (CpuStorage::I64(x), CpuStorage::I64(y)) => int_binary(x, al, y, bl, op)?,
        (CpuStorage::I32(x), CpuStorage::I32(y)) => int_binary(x, al, y, bl, op)?,
        (CpuStorage::Bool(x), CpuStorage::Bool(y)) => Some(bool_binary(x, al, y, bl, op)?),
        _ => {
            return Err(Error::Internal(format!(
                "binary {op:?} on {} and {}",
                a.dtype(),
                b.dtype()
            )))
        }
    };
    match out {
        Some(out) => Ok(out),
        None if matches!(op, BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor) => {
            Err(Error::invalid(format!(
                "\"bitwise op\" not implemented for '{}'",
                a.dtype().name()
            )))
        }
        None => Err(unsupported(op.row().name, a.dtype())),
    }
}

/// `where(cond, a, b)` with all three layouts broadcast to one shape and
/// `a`, `b` of one dtype.
pub fn where_cond(
    cond: &CpuStorage,
    cl: &Layout,
    a: &CpuStorage,
    al: &Layout,
    b: &CpuStorage,
    bl: &Layout,
) -> Result<CpuStorage> {
    let CpuStorage::Bool(c) = cond else {
        return Err(Error::invalid(
            "where expected condition to be a boolean tensor",
        ));
    };
    fn go<T: IntoStorage>(
        c: &[bool],
        cl: &Layout,
        a: &[T],
        al: &Layout,
        b: &[T],
        bl: &Layout,
    ) -> CpuStorage {
        T::into_storage(
            Plan::new([cl, al, bl]).collect(|[oc, oa, ob], [sc, sa, sb], out| {
                for (j, o) in out.iter_mut().enumerate() {
                    o.write(if c[oc + j * sc] {
                        a[oa + j * sa]
                    } else {
                        b[ob + j * sb]
                    });
                }
            }),
        )
    }
    Ok(match (a, b) {
        (CpuStorage::F32(x), CpuStorage::F32(y)) => go(c, cl, x, al, y, bl),
        (CpuStorage::F64(x), CpuStorage::F64(y)) => go(c, cl, x, al, y, bl),
        (CpuStorage::F16(x), CpuStorage::F16(y)) => go(c, cl, x, al, y, bl),
        (CpuStorage::BF16(x), CpuStorage::BF16(y)) => go(c, cl, x, al, y, bl),
        (CpuStorage::I64(x), CpuStorage::I64(y)) => go(c, cl, x, al, y, bl),
        (CpuStorage::I32(x), CpuStorage::I32(y)) => go(c, cl, x, al, y, bl),
        (CpuStorage::Bool(x), CpuStorage::Bool(y)) => go(c, cl, x, al, y, bl),
        _ => return Err(Error::Internal("where: operand dtypes differ".into())),
    })
}
