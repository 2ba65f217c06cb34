//! The hand-written unary functions: those whose argument checks or
//! parameters a table row cannot say (a bool check with PyTorch's message,
//! `gelu`'s `approximate` string, `clamp`'s optional bounds and their three
//! node names, `nan_to_num`'s dtype-dependent defaults). Their kernels,
//! and every other unary function, are rows of `ops::pointwise`.

use crate::autograd::{record, SavedTensor};
use crate::storage::UnaryOp;
use crate::{DType, Error, Result, Tensor};

impl Tensor {
    /// `-x` (`torch.neg`); a bool tensor is refused with PyTorch's advice.
    pub fn neg(&self) -> Result<Tensor> {
        if self.dtype() == DType::Bool {
            return Err(Error::invalid("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."));
        }
        self.pointwise(UnaryOp::Neg)
    }

    /// `torch.square`; a bool tensor squares as int64, as in PyTorch.
    pub fn square(&self) -> Result<Tensor> {
        if self.dtype() == DType::Bool {
            return self.to_dtype(DType::I64)?.square();
        }
        self.pointwise(UnaryOp::Square)
    }

    /// `torch.nan_to_num(x, nan=0.0, posinf=None, neginf=None)`: the
    /// infinities default to the dtype's largest and lowest finite values.
    pub fn nan_to_num(&self, nan: f64, posinf: Option<f64>, neginf: Option<f64>) -> Result<Tensor> {
        let max = match self.dtype() {
            DType::F16 => half::f16::MAX.to_f64(),
            DType::BF16 => half::bf16::MAX.to_f64(),
            DType::F32 => f32::MAX as f64,
            _ => f64::MAX,
        };
        self.pointwise(UnaryOp::NanToNum(
            nan,
            posinf.unwrap_or(max),
            neginf.unwrap_or(-max),
        ))
    }

    /// `F.gelu(x, approximate='none' | 'tanh')`.
    pub fn gelu(&self, approximate: &str) -> Result<Tensor> {
        let (op, grad) = match approximate {
            "none" => (UnaryOp::Gelu, UnaryOp::GeluGrad),
            "tanh" => (UnaryOp::GeluTanh, UnaryOp::GeluTanhGrad),
            a => {
                return Err(Error::invalid(format!(
                    "approximate argument must be either none or tanh, got '{a}'"
                )))
            }
        };
        let x = self.to_dtype(self.dtype().to_float())?;
        let out = x.raw_unary(op)?;
        let sx = SavedTensor::new("self", &x);
        Ok(record(
            out,
            "GeluBackward0",
            &[&x],
            vec![sx.clone()],
            move |g, _| {
                Ok(vec![Some(
                    g.mul(&sx.get("GeluBackward0")?.raw_unary(grad)?)?,
                )])
            },
        ))
    }

    /// `torch.clamp(x, min=None, max=None)`; gradient flows where
    /// `min < x < max` (strictly: 0 at the bounds, as PyTorch 2.15). A NaN
    /// bound makes every element NaN, as in PyTorch.
    pub fn clamp(&self, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
        if min.is_none() && max.is_none() {
            return Err(Error::invalid(
                "torch.clamp: At least one of 'min' or 'max' must not be None",
            ));
        }
        let x = if !self.dtype().is_float()
            && (min.is_some_and(|v| v.fract() != 0.0) || max.is_some_and(|v| v.fract() != 0.0))
        {
            self.to_dtype(DType::F32)?
        } else {
            self.clone()
        };
        let out = if min.is_some_and(f64::is_nan) || max.is_some_and(f64::is_nan) {
            Tensor::full_on(x.shape(), f64::NAN, x.dtype(), x.device())?
        } else {
            x.raw_unary(UnaryOp::Clamp(
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            ))?
        };
        let name = match (min, max) {
            (Some(_), Some(_)) => "ClampBackward1",
            (Some(_), None) => "ClampMinBackward0",
            _ => "ClampMaxBackward0",
        };
        let sx = SavedTensor::new("self", &x);
        Ok(record(out, name, &[&x], vec![sx.clone()], move |g, _| {
            let x = sx.get(name)?;
            let mut mask = Tensor::ones_like(&x)?.to_dtype(DType::Bool)?;
            if let Some(lo) = min {
                mask = mask.logical_and(&x.gt_scalar(lo)?)?;
            }
            if let Some(hi) = max {
                mask = mask.logical_and(&x.lt_scalar(hi)?)?;
            }
            Ok(vec![Some(g.mul(&mask.to_dtype(g.dtype())?)?)])
        }))
    }

    /// `~x`: logical not for bool tensors, bitwise not for integers.
    pub fn bitwise_not(&self) -> Result<Tensor> {
        match self.dtype() {
            DType::Bool => self.logical_not(),
            d if d.is_int() => self.neg()?.sub_scalar(1i64),
            d => Err(Error::invalid(format!(
                "\"bitwise_not_cpu\" not implemented for '{}'",
                d.name()
            ))),
        }
    }
}
