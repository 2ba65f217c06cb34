//! Elementwise CPU kernels: unary maps, binary maps over broadcast layouts,
//! and `where`. Half types compute in f32; each op is matched once and its
//! scalar formula inlined into the strided loop of `iter`.

use half::{bf16, f16};

use super::iter::{map_row, zip_row, Plan};
use super::{CpuStorage, IntoStorage};
use crate::dtype::{Element, Float};
use crate::storage::op::{BinaryOp, UnaryOp};
use crate::{DType, Device, Error, Layout, Result};

#[inline(always)]
fn up<T: Element, C: Element>(x: T) -> C {
    if C::DTYPE == DType::F64 {
        C::from_f64(x.to_f64())
    } else {
        C::from_f32(x.to_f32())
    }
}

#[inline(always)]
fn down<C: Element, T: Element>(x: C) -> T {
    if T::DTYPE == DType::F64 {
        T::from_f64(x.to_f64())
    } else {
        T::from_f32(x.to_f32())
    }
}

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

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

#[inline(always)]
fn erf<C: Float>(x: C) -> C {
    if C::DTYPE == DType::F64 {
        C::from_f64(libm::erf(x.to_f64()))
    } else {
        C::from_f32(libm::erff(x.to_f32()))
    }
}

/// Float unary op computed in `C`, stored as `T`.
fn float_unary<T: IntoStorage, C: Float>(v: &[T], l: &Layout, op: UnaryOp) -> CpuStorage {
    macro_rules! m {
        (|$x:ident| $e:expr) => {
            map(v, l, |t: T| -> T {
                let $x: C = up(t);
                down($e)
            })
        };
    }
    let c = |f: f64| C::from_f64(f);
    let half = c(0.5);
    let one = C::from_f64(1.0);
    let zero = C::from_f64(0.0);
    match op {
        UnaryOp::Neg => m!(|x| -x),
        UnaryOp::Abs => m!(|x| x.abs()),
        UnaryOp::Sign => m!(|x| if x > zero {
            one
        } else if x < zero {
            -one
        } else {
            zero // PyTorch: sign(0) = sign(-0) = sign(nan) = +0
        }),
        UnaryOp::Square => m!(|x| x * x),
        UnaryOp::Relu => m!(|x| if x > zero || x.is_nan() { x } else { zero }),
        UnaryOp::Clamp(lo, hi) => {
            let (lo, hi) = (lo.map(c), hi.map(c));
            m!(|x| {
                let mut y = x;
                if let Some(lo) = lo {
                    if y < lo {
                        y = lo;
                    }
                }
                if let Some(hi) = hi {
                    if y > hi {
                        y = hi;
                    }
                }
                y
            })
        }
        UnaryOp::PowScalar(e) => {
            let e = c(e);
            if e == c(2.0) {
                m!(|x| x * x)
            } else if e == half {
                m!(|x| x.sqrt())
            } else {
                m!(|x| x.powf(e))
            }
        }
        UnaryOp::ScalarPow(b) => {
            let b = c(b);
            m!(|x| b.powf(x))
        }
        UnaryOp::Exp => m!(|x| x.exp()),
        UnaryOp::Log => m!(|x| x.ln()),
        UnaryOp::Log1p => m!(|x| x.ln_1p()),
        UnaryOp::Sin => m!(|x| x.sin()),
        UnaryOp::Cos => m!(|x| x.cos()),
        UnaryOp::Tanh => m!(|x| x.tanh()),
        UnaryOp::Sigmoid => m!(|x| one / (one + (-x).exp())),
        UnaryOp::Sqrt => m!(|x| x.sqrt()),
        UnaryOp::Rsqrt => m!(|x| one / x.sqrt()),
        UnaryOp::Recip => m!(|x| one / x),
        UnaryOp::Erf => m!(|x| erf(x)),
        UnaryOp::Floor => m!(|x| x.floor()),
        UnaryOp::Ceil => m!(|x| x.ceil()),
        UnaryOp::Round => m!(|x| C::from_f64(x.to_f64().round_ties_even())),
        UnaryOp::Trunc => m!(|x| x.trunc()),
        UnaryOp::Gelu => {
            let r2 = c(std::f64::consts::FRAC_1_SQRT_2);
            m!(|x| half * x * (one + erf(x * r2)))
        }
        UnaryOp::GeluTanh => {
            let (k, a) = (c(SQRT_2_OVER_PI), c(0.044715));
            m!(|x| half * x * (one + (k * (x + a * x * x * x)).tanh()))
        }
        UnaryOp::Silu => m!(|x| x / (one + (-x).exp())),
        UnaryOp::LeakyRelu(s) => {
            let s = c(s);
            m!(|x| if x > zero { x } else { x * s })
        }
        UnaryOp::GeluGrad => {
            // d/dx x*Phi(x) = Phi(x) + x*phi(x)
            let (r2, inv_sqrt_2pi) = (
                c(std::f64::consts::FRAC_1_SQRT_2),
                c(0.398_942_280_401_432_7),
            );
            m!(|x| half * (one + erf(x * r2)) + x * inv_sqrt_2pi * (-half * x * x).exp())
        }
        UnaryOp::GeluTanhGrad => {
            // y = 0.5x(1+tanh(u)), u = k(x + a x^3):
            // dy/dx = 0.5(1+tanh u) + 0.5x(1-tanh^2 u) k (1 + 3a x^2)
            let (k, a, three) = (c(SQRT_2_OVER_PI), c(0.044715), c(3.0));
            m!(|x| {
                let t = (k * (x + a * x * x * x)).tanh();
                half * (one + t) + half * x * (one - t * t) * k * (one + three * a * x * x)
            })
        }
        UnaryOp::SiluGrad => {
            // d/dx x*s(x) = s(x) (1 + x (1 - s(x)))
            m!(|x| {
                let s = one / (one + (-x).exp());
                s * (one + x * (one - s))
            })
        }
        UnaryOp::StepGrad(slope) => {
            let s = c(slope);
            m!(|x| if x > zero { one } else { s })
        }
        UnaryOp::LogicalNot => map(v, l, |t: T| t.to_f64() == 0.0),
        UnaryOp::IsNan => map(v, l, |t: T| t.to_f64().is_nan()),
    }
}

/// Python's float `a // b` as PyTorch computes it (`div_floor_floating`,
/// CPython's algorithm): from `fmod`, so `2 // 0.1` is 19 and
/// `(a // b) * b + a % b == a`; the naive `floor(a / b)` rounds the
/// quotient first and gives 20.
#[inline(always)]
fn floor_divide<C: Float>(a: C, b: C) -> C {
    let zero = C::from_f64(0.0);
    if b == zero {
        return a / b;
    }
    let m = a % b;
    let mut d = (a - m) / b;
    if m != zero && ((b < zero) != (m < zero)) {
        d = d - C::from_f64(1.0);
    }
    if d != zero {
        let f = d.floor();
        if d - f > C::from_f64(0.5) {
            f + C::from_f64(1.0)
        } else {
            f
        }
    } else {
        zero.copysign(a / b)
    }
}

/// Integer-safe arithmetic (wrapping, as PyTorch's integer kernels).
pub trait Int: IntoStorage + Ord {
    fn wadd(self, o: Self) -> Self;
    fn wsub(self, o: Self) -> Self;
    fn wmul(self, o: Self) -> Self;
    fn wneg(self) -> Self;
    fn wpow(self, e: i64) -> Self;
    fn div_floor(self, o: Self) -> Self;
    fn div_trunc(self, o: Self) -> Self;
    fn rem_floor(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
}

macro_rules! int_impl {
    ($t:ty) => {
        impl Int for $t {
            #[inline(always)]
            fn wadd(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline(always)]
            fn wsub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            #[inline(always)]
            fn wmul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            #[inline(always)]
            fn wneg(self) -> Self {
                self.wrapping_neg()
            }
            fn wpow(self, e: i64) -> Self {
                if e < 0 {
                    // PyTorch: integers to negative powers are an error; callers check.
                    return 0;
                }
                self.wrapping_pow(e.min(u32::MAX as i64) as u32)
            }
            #[inline(always)]
            fn div_floor(self, o: Self) -> Self {
                // (wrapping: MIN // -1 is MIN, as PyTorch)
                let q = self.wrapping_div(o);
                if (self.wrapping_rem(o) != 0) && ((self < 0) != (o < 0)) {
                    q.wrapping_sub(1)
                } else {
                    q
                }
            }
            #[inline(always)]
            fn div_trunc(self, o: Self) -> Self {
                self.wrapping_div(o)
            }
            #[inline(always)]
            fn rem_floor(self, o: Self) -> Self {
                let r = self.wrapping_rem(o);
                if r != 0 && ((r < 0) != (o < 0)) {
                    r + o
                } else {
                    r
                }
            }
            fn and(self, o: Self) -> Self {
                self & o
            }
            fn or(self, o: Self) -> Self {
                self | o
            }
            fn xor(self, o: Self) -> Self {
                self ^ o
            }
        }
    };
}
int_impl!(i32);
int_impl!(i64);

fn int_unary<T: Int>(v: &[T], l: &Layout, op: UnaryOp) -> Result<CpuStorage> {
    let z = T::from_f64(0.0);
    Ok(match op {
        UnaryOp::Neg => map(v, l, |x: T| x.wneg()),
        UnaryOp::Abs => map(v, l, |x: T| if x < z { x.wneg() } else { x }),
        UnaryOp::Sign => map(v, l, |x: T| {
            T::from_f64(x.to_f64().signum() * (x != z) as i32 as f64)
        }),
        UnaryOp::Square => map(v, l, |x: T| x.wmul(x)),
        UnaryOp::Relu => map(v, l, |x: T| if x > z { x } else { z }),
        UnaryOp::Clamp(lo, hi) => {
            let lo = lo.map(|v| T::from_f64(v.ceil()));
            let hi = hi.map(|v| T::from_f64(v.floor()));
            map(v, l, move |x: T| {
                let mut y = x;
                if let Some(lo) = lo {
                    y = y.max(lo);
                }
                if let Some(hi) = hi {
                    y = y.min(hi);
                }
                y
            })
        }
        UnaryOp::PowScalar(e) => {
            let e = e as i64;
            map(v, l, move |x: T| x.wpow(e))
        }
        UnaryOp::LogicalNot => map(v, l, |x: T| x == z),
        UnaryOp::IsNan => map(v, l, |_: T| false),
        _ => return Err(unsupported("unary", T::DTYPE)),
    })
}

/// Applies a unary op; the ops layer has already cast integer inputs of
/// float-only ops to a float dtype.
pub fn unary(s: &CpuStorage, l: &Layout, op: UnaryOp) -> Result<CpuStorage> {
    Ok(match s {
        CpuStorage::F32(v) => float_unary::<f32, f32>(v, l, op),
        CpuStorage::F64(v) => float_unary::<f64, f64>(v, l, op),
        CpuStorage::F16(v) => float_unary::<f16, f32>(v, l, op),
        CpuStorage::BF16(v) => float_unary::<bf16, f32>(v, l, op),
        CpuStorage::I64(v) => int_unary(v, l, op)?,
        CpuStorage::I32(v) => int_unary(v, l, op)?,
        CpuStorage::Bool(v) => match op {
            UnaryOp::LogicalNot => map(v, l, |x: bool| !x),
            UnaryOp::IsNan => map(v, l, |_: bool| false),
            UnaryOp::Abs | UnaryOp::Relu | UnaryOp::Square | UnaryOp::Sign => {
                map(v, l, |x: bool| x)
            }
            _ => return Err(unsupported("unary", DType::Bool)),
        },
    })
}

fn float_binary<T: IntoStorage, C: Float>(
    a: &[T],
    al: &Layout,
    b: &[T],
    bl: &Layout,
    op: BinaryOp,
) -> CpuStorage {
    macro_rules! m {
        (|$x:ident, $y:ident| $e:expr) => {
            zip(a, al, b, bl, |p: T, q: T| -> T {
                let ($x, $y): (C, C) = (up(p), up(q));
                down($e)
            })
        };
    }
    macro_rules! cmp {
        (|$x:ident, $y:ident| $e:expr) => {
            zip(a, al, b, bl, |p: T, q: T| -> bool {
                let ($x, $y): (C, C) = (up(p), up(q));
                $e
            })
        };
    }
    let zero = C::from_f64(0.0);
    match op {
        BinaryOp::Add => m!(|x, y| x + y),
        BinaryOp::Sub => m!(|x, y| x - y),
        BinaryOp::Mul => m!(|x, y| x * y),
        BinaryOp::Div => m!(|x, y| x / y),
        BinaryOp::Maximum => m!(|x, y| if x.is_nan() || x > y { x } else { y }),
        BinaryOp::Minimum => m!(|x, y| if x.is_nan() || x < y { x } else { y }),
        BinaryOp::Pow => m!(|x, y| x.powf(y)),
        BinaryOp::Rem => m!(|x, y| {
            let r = x % y;
            if r != zero && ((r < zero) != (y < zero)) {
                r + y
            } else {
                r
            }
        }),
        BinaryOp::FloorDiv => m!(|x, y| floor_divide(x, y)),
        BinaryOp::TruncDiv => m!(|x, y| (x / y).trunc()),
        BinaryOp::ThresholdGrad => m!(|x, y| if y <= zero { zero } else { x }),
        BinaryOp::Lt => cmp!(|x, y| x < y),
        BinaryOp::Le => cmp!(|x, y| x <= y),
        BinaryOp::Gt => cmp!(|x, y| x > y),
        BinaryOp::Ge => cmp!(|x, y| x >= y),
        BinaryOp::Eq => cmp!(|x, y| x == y),
        BinaryOp::Ne => cmp!(|x, y| x != y),
        BinaryOp::LogicalAnd => cmp!(|x, y| x != zero && y != zero),
        BinaryOp::LogicalOr => cmp!(|x, y| x != zero || y != zero),
        BinaryOp::LogicalXor => cmp!(|x, y| (x != zero) != (y != zero)),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => unreachable!("checked by caller"),
    }
}

fn int_binary<T: Int>(
    a: &[T],
    al: &Layout,
    b: &[T],
    bl: &Layout,
    op: BinaryOp,
) -> Result<CpuStorage> {
    let z = T::from_f64(0.0);
    if matches!(op, BinaryOp::Rem | BinaryOp::FloorDiv | BinaryOp::TruncDiv) {
        let divisor = Plan::new([bl]).collect(|[o], [s], out| map_row(b, o, s, out, |x| x));
        if divisor.contains(&z) {
            return Err(Error::invalid("ZeroDivisionError"));
        }
    }
    Ok(match op {
        BinaryOp::Add => zip(a, al, b, bl, |x: T, y: T| x.wadd(y)),
        BinaryOp::Sub => zip(a, al, b, bl, |x: T, y: T| x.wsub(y)),
        BinaryOp::Mul => zip(a, al, b, bl, |x: T, y: T| x.wmul(y)),
        BinaryOp::Maximum => zip(a, al, b, bl, |x: T, y: T| x.max(y)),
        BinaryOp::Minimum => zip(a, al, b, bl, |x: T, y: T| x.min(y)),
        BinaryOp::Pow => zip(a, al, b, bl, |x: T, y: T| x.wpow(y.to_f64() as i64)),
        BinaryOp::Rem => zip(a, al, b, bl, |x: T, y: T| x.rem_floor(y)),
        BinaryOp::FloorDiv => zip(a, al, b, bl, |x: T, y: T| x.div_floor(y)),
        BinaryOp::TruncDiv => zip(a, al, b, bl, |x: T, y: T| x.div_trunc(y)),
        BinaryOp::ThresholdGrad => zip(a, al, b, bl, |x: T, y: T| if y <= z { z } else { x }),
        BinaryOp::BitAnd => zip(a, al, b, bl, |x: T, y: T| x.and(y)),
        BinaryOp::BitOr => zip(a, al, b, bl, |x: T, y: T| x.or(y)),
        BinaryOp::BitXor => zip(a, al, b, bl, |x: T, y: T| x.xor(y)),
        BinaryOp::Lt => zip(a, al, b, bl, |x: T, y: T| x < y),
        BinaryOp::Le => zip(a, al, b, bl, |x: T, y: T| x <= y),
        BinaryOp::Gt => zip(a, al, b, bl, |x: T, y: T| x > y),
        BinaryOp::Ge => zip(a, al, b, bl, |x: T, y: T| x >= y),
        BinaryOp::Eq => zip(a, al, b, bl, |x: T, y: T| x == y),
        BinaryOp::Ne => zip(a, al, b, bl, |x: T, y: T| x != y),
        BinaryOp::LogicalAnd => zip(a, al, b, bl, |x: T, y: T| x != z && y != z),
        BinaryOp::LogicalOr => zip(a, al, b, bl, |x: T, y: T| x != z || y != z),
        BinaryOp::LogicalXor => zip(a, al, b, bl, |x: T, y: T| (x != z) != (y != z)),
        BinaryOp::Div => {
            return Err(Error::Internal(
                "integer true division reached the backend".into(),
            ))
        }
    })
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

/// Applies a binary op to two same-dtype operands whose layouts have the
/// same (broadcast) shape.
pub fn binary(
    a: &CpuStorage,
    al: &Layout,
    b: &CpuStorage,
    bl: &Layout,
    op: BinaryOp,
) -> Result<CpuStorage> {
    let bit = matches!(op, BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor);
    Ok(match (a, b) {
        (CpuStorage::F32(x), CpuStorage::F32(y)) if !bit => {
            float_binary::<f32, f32>(x, al, y, bl, op)
        }
        (CpuStorage::F64(x), CpuStorage::F64(y)) if !bit => {
            float_binary::<f64, f64>(x, al, y, bl, op)
        }
        (CpuStorage::F16(x), CpuStorage::F16(y)) if !bit => {
            float_binary::<f16, f32>(x, al, y, bl, op)
        }
        (CpuStorage::BF16(x), CpuStorage::BF16(y)) if !bit => {
            float_binary::<bf16, f32>(x, al, y, bl, op)
        }
        (CpuStorage::I64(x), CpuStorage::I64(y)) => int_binary(x, al, y, bl, op)?,
        (CpuStorage::I32(x), CpuStorage::I32(y)) => int_binary(x, al, y, bl, op)?,
        (CpuStorage::Bool(x), CpuStorage::Bool(y)) => bool_binary(x, al, y, bl, op)?,
        _ if bit => {
            return Err(Error::invalid(format!(
                "\"bitwise op\" not implemented for '{}'",
                a.dtype().name()
            )))
        }
        _ => {
            return Err(Error::Internal(format!(
                "binary {op:?} on {} and {}",
                a.dtype(),
                b.dtype()
            )))
        }
    })
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
