//! Binary elementwise ops with broadcasting and PyTorch's type promotion:
//! arithmetic (differentiable), comparisons and logic (bool results), and
//! the `std::ops` operators on `&Tensor` (each returning `Result`).

use super::{same_device, sum_to_shape, Scalar};
use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::dtype::{result_type, Operand};
use crate::shape::broadcast_shapes;
use crate::storage::{BinaryOp, UnaryOp};
use crate::{DType, Error, Result, Tensor};

/// One side of a binary op: a tensor or a Python number.
#[derive(Clone)]
pub enum Arg<'a> {
    T(&'a Tensor),
    S(Scalar),
}

impl<'a> From<&'a Tensor> for Arg<'a> {
    fn from(t: &'a Tensor) -> Self {
        Arg::T(t)
    }
}

impl From<Scalar> for Arg<'_> {
    fn from(s: Scalar) -> Self {
        Arg::S(s)
    }
}

impl From<f64> for Arg<'_> {
    fn from(s: f64) -> Self {
        Arg::S(Scalar::Float(s))
    }
}

impl From<i64> for Arg<'_> {
    fn from(s: i64) -> Self {
        Arg::S(Scalar::Int(s))
    }
}

pub(crate) fn operand(a: &Arg) -> Operand {
    match a {
        Arg::T(t) if t.dim() == 0 => Operand::ZeroDim(t.dtype()),
        Arg::T(t) => Operand::Tensor(t.dtype()),
        Arg::S(s) => Operand::Scalar(s.dtype()),
    }
}

/// Materialises both sides as tensors of `dtype` on one device.
pub(crate) fn materialise(
    op: &'static str,
    a: &Arg,
    b: &Arg,
    dtype: DType,
) -> Result<(Tensor, Tensor)> {
    let dev = match (a, b) {
        (Arg::T(x), Arg::T(y)) => {
            // 0-dim CPU tensors may mix with any device, as in PyTorch.
            if x.dim() == 0 && x.device().kind() == "cpu" {
                y.device()
            } else if y.dim() == 0 && y.device().kind() == "cpu" {
                x.device()
            } else {
                same_device(op, &[x, y])?
            }
        }
        (Arg::T(x), _) | (_, Arg::T(x)) => x.device(),
        _ => crate::Device::Cpu,
    };
    let conv = |s: &Arg| -> Result<Tensor> {
        match s {
            Arg::T(t) => t.to_dtype(dtype)?.to_device(dev),
            // Python ints wrap into integer dtypes, exactly (as PyTorch).
            Arg::S(v) => v.to_tensor(dtype, dev),
        }
    };
    Ok((conv(a)?, conv(b)?))
}

/// The forward of a binary op on already-promoted operands.
pub(crate) fn raw_binary(a: &Tensor, b: &Tensor, op: BinaryOp) -> Result<Tensor> {
    let shape = broadcast_shapes(op_name(op), a.shape(), b.shape())?;
    let al = a.layout().broadcast_to(&shape)?;
    let bl = b.layout().broadcast_to(&shape)?;
    let s = {
        let sa = a.storage();
        let sb = b.storage();
        sa.binary(&al, &sb, &bl, op)?
    };
    Ok(Tensor::from_contiguous(s, &shape))
}

fn op_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "sub",
        BinaryOp::Mul => "mul",
        BinaryOp::Div => "div",
        BinaryOp::Pow => "pow",
        _ => "binary op",
    }
}

/// Promotes, computes and records a binary op. `dtype_rule` maps the
/// promoted dtype to the compute dtype (e.g. true division of ints is float).
fn binary(
    a: Arg,
    b: Arg,
    op: BinaryOp,
    compute: impl Fn(DType) -> DType,
) -> Result<(Tensor, Tensor, Tensor)> {
    let dtype = compute(result_type(&[operand(&a), operand(&b)]));
    if let (Arg::T(t), DType::F16 | DType::BF16, BinaryOp::Mul | BinaryOp::Div) = (&a, dtype, op) {
        // PyTorch keeps a CPU scalar (a Python number, or a 0-dim tensor)
        // wide against a half tensor in mul and div (`half * 1e5` is not
        // `half * inf`): the product is taken in float32 with the scalar
        // as float32 and rounded once.
        let wide = match &b {
            Arg::S(s) => Some(s.to_tensor(DType::F32, t.device())?),
            Arg::T(y) if y.dim() == 0 && !y.device().is_cuda() && !y.requires_grad() => {
                Some(y.to_dtype(DType::F32)?.to_device(t.device())?)
            }
            _ => None,
        };
        if let Some(y) = wide {
            let x = t.to_dtype(dtype)?;
            let out = raw_binary(&x.to_dtype(DType::F32)?, &y, op)?.to_dtype(dtype)?;
            return Ok((x, y, out));
        }
    }
    let (x, y) = materialise(op_name(op), &a, &b, dtype)?;
    let out = raw_binary(&x, &y, op)?;
    Ok((x, y, out))
}

/// `alpha` as the Python number it was written as (an integral alpha keeps
/// integer tensors integral, as `torch.add(int_t, int_t, alpha=3)`).
fn alpha_scalar(alpha: f64) -> Scalar {
    if alpha.fract() == 0.0 && alpha.abs() < 9.0e15 {
        Scalar::Int(alpha as i64)
    } else {
        Scalar::Float(alpha)
    }
}

fn keep(d: DType) -> DType {
    d
}

impl Tensor {
    /// `torch.add(self, other, alpha=1)`.
    pub fn add_arg<'a>(&self, other: impl Into<Arg<'a>>, alpha: f64) -> Result<Tensor> {
        let other = other.into();
        if alpha != 1.0 {
            let scaled = match &other {
                Arg::T(t) => t.mul_scalar(alpha_scalar(alpha))?,
                Arg::S(s) => return self.add_arg(Scalar::Float(s.to_f64() * alpha), 1.0),
            };
            return self.add_arg(&scaled, 1.0);
        }
        let (x, y, out) = binary(Arg::T(self), other, BinaryOp::Add, keep)?;
        let (sx, sy) = (x.shape().to_vec(), y.shape().to_vec());
        Ok(record(
            out,
            "AddBackward0",
            &[&x, &y],
            vec![],
            move |g, _| {
                Ok(vec![
                    Some(sum_to_shape(g, &sx)?),
                    Some(sum_to_shape(g, &sy)?),
                ])
            },
        ))
    }

    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        self.add_arg(other, 1.0)
    }

    pub fn add_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.add_arg(s.into(), 1.0)
    }

    /// `torch.sub(self, other, alpha=1)`.
    pub fn sub_arg<'a>(&self, other: impl Into<Arg<'a>>, alpha: f64) -> Result<Tensor> {
        let other = other.into();
        if let Arg::T(t) = &other {
            if t.dtype() == DType::Bool && self.dtype() == DType::Bool {
                return Err(Error::invalid("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."));
            }
        }
        if alpha != 1.0 {
            let scaled = match &other {
                Arg::T(t) => t.mul_scalar(alpha_scalar(alpha))?,
                Arg::S(s) => return self.sub_arg(Scalar::Float(s.to_f64() * alpha), 1.0),
            };
            return self.sub_arg(&scaled, 1.0);
        }
        let (x, y, out) = binary(Arg::T(self), other, BinaryOp::Sub, keep)?;
        let (sx, sy) = (x.shape().to_vec(), y.shape().to_vec());
        Ok(record(
            out,
            "SubBackward0",
            &[&x, &y],
            vec![],
            move |g, n| {
                Ok(vec![
                    Some(sum_to_shape(g, &sx)?),
                    if n[1] {
                        Some(sum_to_shape(&g.neg()?, &sy)?)
                    } else {
                        None
                    },
                ])
            },
        ))
    }

    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        self.sub_arg(other, 1.0)
    }

    pub fn sub_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.sub_arg(s.into(), 1.0)
    }

    /// `s - self` (Python's reflected `__rsub__`).
    pub fn rsub_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        let (_, y, out) = binary(Arg::S(s.into()), Arg::T(self), BinaryOp::Sub, keep)?;
        let sy = y.shape().to_vec();
        Ok(record(out, "RsubBackward1", &[&y], vec![], move |g, _| {
            Ok(vec![Some(sum_to_shape(&g.neg()?, &sy)?)])
        }))
    }

    /// `torch.mul`.
    pub fn mul_arg<'a>(&self, other: impl Into<Arg<'a>>) -> Result<Tensor> {
        let (x, y, out) = binary(Arg::T(self), other.into(), BinaryOp::Mul, keep)?;
        let (sx, sy) = (SavedTensor::new("self", &x), SavedTensor::new("other", &y));
        let (shx, shy) = (x.shape().to_vec(), y.shape().to_vec());
        let saved = vec![sx.clone(), sy.clone()];
        Ok(record(
            out,
            "MulBackward0",
            &[&x, &y],
            saved,
            move |g, n| {
                let ga = if n[0] {
                    Some(sum_to_shape(&g.mul(&sy.get("MulBackward0")?)?, &shx)?)
                } else {
                    None
                };
                let gb = if n[1] {
                    Some(sum_to_shape(&g.mul(&sx.get("MulBackward0")?)?, &shy)?)
                } else {
                    None
                };
                Ok(vec![ga, gb])
            },
        ))
    }

    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        self.mul_arg(other)
    }

    pub fn mul_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        let s = s.into();
        let (x, _, out) = binary(Arg::T(self), Arg::S(s), BinaryOp::Mul, keep)?;
        let v = s.to_f64();
        let shx = x.shape().to_vec();
        Ok(record(out, "MulBackward0", &[&x], vec![], move |g, _| {
            Ok(vec![Some(sum_to_shape(&g.mul_scalar(v)?, &shx)?)])
        }))
    }

    /// `torch.div` (true division: integers divide as floats).
    pub fn div_arg<'a>(&self, other: impl Into<Arg<'a>>) -> Result<Tensor> {
        let (x, y, out) = binary(Arg::T(self), other.into(), BinaryOp::Div, |d| d.to_float())?;
        let (sx, sy) = (SavedTensor::new("self", &x), SavedTensor::new("other", &y));
        let (shx, shy) = (x.shape().to_vec(), y.shape().to_vec());
        let saved = vec![sx.clone(), sy.clone()];
        Ok(record(
            out,
            "DivBackward0",
            &[&x, &y],
            saved,
            move |g, n| {
                let b = sy.get("DivBackward0")?;
                let ga = if n[0] {
                    Some(sum_to_shape(&g.div(&b)?, &shx)?)
                } else {
                    None
                };
                let gb = if n[1] {
                    // d(a/b)/db = -a / b^2
                    let a = sx.get("DivBackward0")?;
                    Some(sum_to_shape(&g.mul(&a)?.div(&b.mul(&b)?)?.neg()?, &shy)?)
                } else {
                    None
                };
                Ok(vec![ga, gb])
            },
        ))
    }

    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        self.div_arg(other)
    }

    pub fn div_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.div_arg(s.into())
    }

    /// `torch.div(self, other, rounding_mode='floor' | 'trunc')`.
    pub fn div_rounding<'a>(&self, other: impl Into<Arg<'a>>, mode: &str) -> Result<Tensor> {
        let op = match mode {
            "floor" => BinaryOp::FloorDiv,
            "trunc" => BinaryOp::TruncDiv,
            m => {
                return Err(Error::invalid(format!(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{m}'"
            )))
            }
        };
        Ok(binary(Arg::T(self), other.into(), op, keep)?.2)
    }

    /// Python's `self // other` (`torch.floor_divide`).
    pub fn floor_divide<'a>(&self, other: impl Into<Arg<'a>>) -> Result<Tensor> {
        self.div_rounding(other, "floor")
    }

    /// `s / self` (Python's reflected `__rtruediv__`).
    pub fn rdiv_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        let s = s.into();
        let dtype = result_type(&[operand(&Arg::T(self)), Operand::Scalar(s.dtype())]).to_float();
        let num = Tensor::scalar_tensor(s.to_f64(), dtype, self.device())?;
        num.div_arg(self)
    }

    /// Python's `%` (`torch.remainder`): the sign of the divisor.
    pub fn remainder<'a>(&self, other: impl Into<Arg<'a>>) -> Result<Tensor> {
        let (x, y, out) = binary(Arg::T(self), other.into(), BinaryOp::Rem, keep)?;
        let (sx, sy) = (SavedTensor::new("self", &x), SavedTensor::new("other", &y));
        let (shx, shy) = (x.shape().to_vec(), y.shape().to_vec());
        let saved = vec![sx.clone(), sy.clone()];
        Ok(record(
            out,
            "RemainderBackward0",
            &[&x, &y],
            saved,
            move |g, n| {
                let ga = Some(sum_to_shape(g, &shx)?);
                let gb = if n[1] {
                    let q = sx
                        .get("RemainderBackward0")?
                        .floor_divide(&sy.get("RemainderBackward0")?)?;
                    Some(sum_to_shape(&g.mul(&q)?.neg()?, &shy)?)
                } else {
                    None
                };
                Ok(vec![ga, gb])
            },
        ))
    }

    /// `torch.pow(self, exponent)` for a tensor exponent.
    pub fn pow(&self, exponent: &Tensor) -> Result<Tensor> {
        let (x, y, out) = binary(Arg::T(self), Arg::T(exponent), BinaryOp::Pow, keep)?;
        let (sx, sy, so) = (
            SavedTensor::new("self", &x),
            SavedTensor::new("exponent", &y),
            SavedTensor::new("result", &out),
        );
        let (shx, shy) = (x.shape().to_vec(), y.shape().to_vec());
        let saved = vec![sx.clone(), sy.clone(), so.clone()];
        Ok(record(
            out,
            "PowBackward1",
            &[&x, &y],
            saved,
            move |g, n| {
                let (a, b) = (sx.get("PowBackward1")?, sy.get("PowBackward1")?);
                let ga = if n[0] {
                    // d a^b / da = b a^(b-1), 0 where b == 0 (PyTorch's
                    // pow_backward_self: x ** x at 0 has gradient 0, not NaN)
                    let d = b.mul(&a.pow(&b.sub_scalar(1.0)?)?)?;
                    let d = Tensor::where_cond(&b.eq_scalar(0.0)?, &Tensor::zeros_like(&d)?, &d)?;
                    Some(sum_to_shape(&g.mul(&d)?, &shx)?)
                } else {
                    None
                };
                let gb = if n[1] {
                    // d a^b / db = a^b ln a (0 where a == 0 and b >= 0, as PyTorch)
                    let o = so.get("PowBackward1")?;
                    let ln = a.log()?;
                    let zero_base = a.eq_scalar(0.0)?.logical_and(&b.ge_scalar(0.0)?)?;
                    let d =
                        Tensor::where_cond(&zero_base, &Tensor::zeros_like(&ln)?, &o.mul(&ln)?)?;
                    Some(sum_to_shape(&g.mul(&d)?, &shy)?)
                } else {
                    None
                };
                Ok(vec![ga, gb])
            },
        ))
    }

    /// `torch.pow(self, e)` for a scalar exponent.
    pub fn pow_scalar(&self, e: impl Into<Scalar>) -> Result<Tensor> {
        let e = e.into();
        let dtype = result_type(&[operand(&Arg::T(self)), Operand::Scalar(e.dtype())]);
        if dtype.is_int() && e.to_f64() < 0.0 {
            return Err(Error::invalid(
                "Integers to negative integer powers are not allowed.",
            ));
        }
        let x = self.to_dtype(dtype)?;
        let ev = e.to_f64();
        // x ** 2 and x ** 0.5 as PyTorch computes them: a product, a sqrt
        let op = if ev == 2.0 {
            UnaryOp::Square
        } else if ev == 0.5 && dtype.is_float() {
            UnaryOp::Sqrt
        } else {
            UnaryOp::PowScalar(ev)
        };
        let out = x.raw_unary(op)?;
        let sx = SavedTensor::new("self", &x);
        Ok(record(
            out,
            "PowBackward0",
            &[&x],
            vec![sx.clone()],
            move |g, _| {
                let a = sx.get("PowBackward0")?;
                let d = if ev == 0.0 {
                    Tensor::zeros_like(&a)?
                } else {
                    a.pow_scalar(ev - 1.0)?.mul_scalar(ev)?
                };
                Ok(vec![Some(g.mul(&d)?)])
            },
        ))
    }

    /// `base ** self` for a scalar base (Python's `__rpow__`).
    pub fn rpow_scalar(&self, base: impl Into<Scalar>) -> Result<Tensor> {
        let b = base.into();
        let dtype = result_type(&[operand(&Arg::T(self)), Operand::Scalar(b.dtype())]);
        let x = self.to_dtype(dtype)?;
        if !dtype.is_float() {
            let bt = Tensor::scalar_tensor(b.to_f64(), dtype, self.device())?;
            return bt.pow(&x);
        }
        let bv = b.to_f64();
        let out = x.raw_unary(UnaryOp::ScalarPow(bv))?;
        let so = SavedTensor::new("result", &out);
        Ok(record(
            out,
            "PowBackward2",
            &[&x],
            vec![so.clone()],
            move |g, _| {
                Ok(vec![Some(
                    g.mul(&so.get("PowBackward2")?)?.mul_scalar(bv.ln())?,
                )])
            },
        ))
    }

    /// `torch.lerp(input, end, weight)`: `input + weight (end - input)`,
    /// evaluated from the nearer end as PyTorch does (`end - (end - input)
    /// (1 - weight)` once `|weight| >= 0.5`). `weight` is a Python number
    /// (`LerpBackward0`) or a tensor (`LerpBackward1`); all broadcast.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType};
    /// let a = Tensor::from_vec_f64(&[1.0, 2.0], &[2], DType::F32)?;
    /// let b = Tensor::from_vec_f64(&[3.0, 5.0], &[2], DType::F32)?;
    /// // 3 - (3 - 1) 0.25 = 2.5, 5 - (5 - 2) 0.25 = 4.25
    /// assert_eq!(a.lerp(&b, 0.75)?.to_vec_f64()?, vec![2.5, 4.25]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn lerp<'a>(&self, end: &Tensor, weight: impl Into<Arg<'a>>) -> Result<Tensor> {
        let weight = weight.into();
        let dtype = self.dtype();
        let mismatch = |what: &str, d: DType| {
            Error::invalid(format!(
                "expected dtype {} for `{what}` but got dtype {}",
                dtype.name(),
                d.name()
            ))
        };
        if end.dtype() != dtype {
            return Err(mismatch("end", end.dtype()));
        }
        if let Arg::T(w) = &weight {
            if w.dtype() != dtype {
                return Err(mismatch("weight", w.dtype()));
            }
        }
        if !dtype.is_float() {
            return Err(Error::invalid(format!(
                "\"lerp_kernel_scalar_weight\" not implemented for '{}'",
                dtype.legacy_name()
            )));
        }
        let out = with_no_grad(|| -> Result<Tensor> {
            let d = end.sub(self)?;
            match &weight {
                Arg::S(w) => {
                    let w = w.to_f64();
                    if w.abs() < 0.5 {
                        self.add(&d.mul_scalar(w)?)
                    } else {
                        end.sub(&d.mul_scalar(1.0 - w)?)
                    }
                }
                Arg::T(w) => {
                    let near_input = self.add(&d.mul(w)?)?;
                    let near_end = end.sub(&d.mul(&w.rsub_scalar(1.0)?)?)?;
                    Tensor::where_cond(&w.abs()?.lt_scalar(0.5)?, &near_input, &near_end)
                }
            }
        })?;
        let shapes = [self.shape().to_vec(), end.shape().to_vec()];
        // d/dinput = 1 - w, d/dend = w, d/dweight = end - input
        match weight {
            Arg::S(w) => {
                let w = w.to_f64();
                Ok(record(
                    out,
                    "LerpBackward0",
                    &[self, end],
                    vec![],
                    move |g, n| {
                        Ok(vec![
                            n[0].then(|| sum_to_shape(&g.mul_scalar(1.0 - w)?, &shapes[0]))
                                .transpose()?,
                            n[1].then(|| sum_to_shape(&g.mul_scalar(w)?, &shapes[1]))
                                .transpose()?,
                        ])
                    },
                ))
            }
            Arg::T(w) => {
                const NAME: &str = "LerpBackward1";
                let saved = [
                    SavedTensor::new("self", self),
                    SavedTensor::new("end", end),
                    SavedTensor::new("weight", w),
                ];
                let keep = saved.clone();
                let wshape = w.shape().to_vec();
                Ok(record(
                    out,
                    NAME,
                    &[self, end, w],
                    saved.to_vec(),
                    move |g, n| {
                        let [a, b, w] =
                            [keep[0].get(NAME)?, keep[1].get(NAME)?, keep[2].get(NAME)?];
                        Ok(vec![
                            n[0].then(|| sum_to_shape(&g.mul(&w.rsub_scalar(1.0)?)?, &shapes[0]))
                                .transpose()?,
                            n[1].then(|| sum_to_shape(&g.mul(&w)?, &shapes[1]))
                                .transpose()?,
                            n[2].then(|| sum_to_shape(&g.mul(&b.sub(&a)?)?, &wshape))
                                .transpose()?,
                        ])
                    },
                ))
            }
        }
    }

    /// `torch.maximum` (NaN-propagating; ties split the gradient in half).
    pub fn maximum(&self, other: &Tensor) -> Result<Tensor> {
        self.extremum(other, BinaryOp::Maximum, "MaximumBackward0")
    }

    /// `torch.minimum`.
    pub fn minimum(&self, other: &Tensor) -> Result<Tensor> {
        self.extremum(other, BinaryOp::Minimum, "MinimumBackward0")
    }

    fn extremum(&self, other: &Tensor, op: BinaryOp, name: &'static str) -> Result<Tensor> {
        let (x, y, out) = binary(Arg::T(self), Arg::T(other), op, keep)?;
        let (sx, sy) = (SavedTensor::new("self", &x), SavedTensor::new("other", &y));
        let (shx, shy) = (x.shape().to_vec(), y.shape().to_vec());
        let saved = vec![sx.clone(), sy.clone()];
        Ok(record(out, name, &[&x, &y], saved, move |g, _| {
            let (a, b) = (sx.get(name)?, sy.get(name)?);
            let wins = if op == BinaryOp::Maximum {
                a.gt(&b)?
            } else {
                a.lt(&b)?
            };
            let ties = a.eq(&b)?.to_dtype(g.dtype())?.mul_scalar(0.5)?;
            let wa = wins.to_dtype(g.dtype())?.add(&ties)?;
            let wb = wa.rsub_scalar(1.0)?;
            Ok(vec![
                Some(sum_to_shape(&g.mul(&wa)?, &shx)?),
                Some(sum_to_shape(&g.mul(&wb)?, &shy)?),
            ])
        }))
    }

    fn compare<'a>(&self, other: impl Into<Arg<'a>>, op: BinaryOp) -> Result<Tensor> {
        Ok(binary(Arg::T(self), other.into(), op, keep)?.2)
    }

    pub fn lt(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::Lt)
    }
    pub fn le(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::Le)
    }
    pub fn gt(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::Gt)
    }
    pub fn ge(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::Ge)
    }
    pub fn eq(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::Eq)
    }
    pub fn ne(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::Ne)
    }
    pub fn lt_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.compare(s.into(), BinaryOp::Lt)
    }
    pub fn le_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.compare(s.into(), BinaryOp::Le)
    }
    pub fn gt_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.compare(s.into(), BinaryOp::Gt)
    }
    pub fn ge_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.compare(s.into(), BinaryOp::Ge)
    }
    pub fn eq_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.compare(s.into(), BinaryOp::Eq)
    }
    pub fn ne_scalar(&self, s: impl Into<Scalar>) -> Result<Tensor> {
        self.compare(s.into(), BinaryOp::Ne)
    }

    /// Any comparison by op, for the language layer's operator table.
    pub fn compare_op<'a>(&self, other: impl Into<Arg<'a>>, op: BinaryOp) -> Result<Tensor> {
        if !op.bool_output() {
            return Err(Error::Internal(format!("{op:?} is not a comparison")));
        }
        self.compare(other, op)
    }

    pub fn logical_and(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::LogicalAnd)
    }
    pub fn logical_or(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::LogicalOr)
    }
    pub fn logical_xor(&self, o: &Tensor) -> Result<Tensor> {
        self.compare(o, BinaryOp::LogicalXor)
    }

    /// `&`, `|`, `^` on bool and integer tensors.
    pub fn bitwise<'a>(&self, other: impl Into<Arg<'a>>, op: BinaryOp) -> Result<Tensor> {
        let other = other.into();
        let dtype = result_type(&[operand(&Arg::T(self)), operand(&other)]);
        if dtype.is_float() {
            return Err(Error::invalid(format!(
                "\"bitwise_{}_cpu\" not implemented for '{}'",
                match op {
                    BinaryOp::BitAnd => "and",
                    BinaryOp::BitOr => "or",
                    _ => "xor",
                },
                crate::dtype::DType::name(dtype)
                    .replace("float32", "Float")
                    .replace("float64", "Double")
            )));
        }
        Ok(binary(Arg::T(self), other, op, keep)?.2)
    }
}

// Rust's operators, each returning a `Result` (shapes may not broadcast):
// tensors by value or reference on either side, and a float on either side.
macro_rules! std_op {
    ($trait:ident, $method:ident, $call:ident, $scalar:ident, $rscalar:expr) => {
        impl std::ops::$trait<&Tensor> for &Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                Tensor::$call(&self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: Tensor) -> Result<Tensor> {
                Tensor::$call(&self, &rhs)
            }
        }
        impl std::ops::$trait<&Tensor> for Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                Tensor::$call(&self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for &Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: Tensor) -> Result<Tensor> {
                Tensor::$call(&self, &rhs)
            }
        }
        impl std::ops::$trait<f64> for &Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: f64) -> Result<Tensor> {
                Tensor::$scalar(&self, rhs)
            }
        }
        impl std::ops::$trait<f64> for Tensor {
            type Output = Result<Tensor>;
            fn $method(self, rhs: f64) -> Result<Tensor> {
                Tensor::$scalar(&self, rhs)
            }
        }
        impl std::ops::$trait<&Tensor> for f64 {
            type Output = Result<Tensor>;
            fn $method(self, rhs: &Tensor) -> Result<Tensor> {
                #[allow(clippy::redundant_closure_call)]
                ($rscalar)(rhs, self)
            }
        }
    };
}
std_op!(Add, add, add, add_scalar, |t: &Tensor, s: f64| t
    .add_scalar(s));
std_op!(Sub, sub, sub, sub_scalar, |t: &Tensor, s: f64| t
    .rsub_scalar(s));
std_op!(Mul, mul, mul, mul_scalar, |t: &Tensor, s: f64| t
    .mul_scalar(s));
std_op!(Div, div, div, div_scalar, |t: &Tensor, s: f64| t
    .rdiv_scalar(s));

impl std::ops::Neg for &Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        Tensor::neg(self)
    }
}

impl std::ops::Neg for Tensor {
    type Output = Result<Tensor>;
    fn neg(self) -> Result<Tensor> {
        Tensor::neg(&self)
    }
}
