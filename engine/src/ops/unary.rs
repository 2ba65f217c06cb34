//! Unary elementwise ops. Each entry: PyTorch's name, the backend
//! `UnaryOp`, the autograd node name, what the backward saves, and the
//! derivative in tensor ops (written next to the formula it implements).
//! Integer inputs of float-only functions are computed in float32, as in
//! PyTorch (`torch.exp(torch.tensor([1]))` is a float tensor).

use crate::autograd::{record, SavedTensor};
use crate::storage::UnaryOp;
use crate::{Error, Result, Tensor};

/// What a unary backward needs from the forward.
#[derive(Clone, Copy)]
enum Save {
    Input,
    Output,
    Nothing,
}

/// The derivative rule: `grad_in = rule(grad_out, saved)`.
type Rule = fn(&Tensor, &Tensor) -> Result<Tensor>;

impl Tensor {
    /// The forward only (no autograd), for ops and backward formulas.
    pub(crate) fn raw_unary(&self, op: UnaryOp) -> Result<Tensor> {
        let x = if op.integer_ok() || self.dtype().is_float() {
            self.clone()
        } else {
            self.to_dtype(self.dtype().to_float())?
        };
        let s = x.storage().unary(x.layout(), op)?;
        Ok(Tensor::from_contiguous(s, self.shape()))
    }

    fn unary_op(&self, op: UnaryOp, name: &'static str, save: Save, rule: Rule) -> Result<Tensor> {
        let x = if op.integer_ok() || self.dtype().is_float() {
            self.clone()
        } else {
            self.to_dtype(self.dtype().to_float())?
        };
        let out = x.raw_unary(op)?;
        if !x.dtype().is_float() || op.bool_output() {
            return Ok(out);
        }
        let saved = match save {
            Save::Input => Some(SavedTensor::new("self", &x)),
            Save::Output => Some(SavedTensor::new("result", &out)),
            Save::Nothing => None,
        };
        let list = saved.iter().cloned().collect();
        Ok(record(out, name, &[&x], list, move |g, _| {
            let s = match &saved {
                Some(s) => s.get(name)?,
                None => g.clone(),
            };
            Ok(vec![Some(rule(g, &s)?)])
        }))
    }

    pub fn neg(&self) -> Result<Tensor> {
        if self.dtype() == crate::DType::Bool {
            return Err(Error::invalid("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."));
        }
        // d(-x) = -g
        self.unary_op(UnaryOp::Neg, "NegBackward0", Save::Nothing, |g, _| {
            g.raw_unary(UnaryOp::Neg)
        })
    }

    pub fn exp(&self) -> Result<Tensor> {
        // d e^x = e^x g
        self.unary_op(UnaryOp::Exp, "ExpBackward0", Save::Output, |g, y| g.mul(y))
    }

    pub fn log(&self) -> Result<Tensor> {
        // d ln x = g / x
        self.unary_op(UnaryOp::Log, "LogBackward0", Save::Input, |g, x| g.div(x))
    }

    pub fn log1p(&self) -> Result<Tensor> {
        // d ln(1+x) = g / (1 + x)
        self.unary_op(UnaryOp::Log1p, "Log1PBackward0", Save::Input, |g, x| {
            g.div(&x.add_scalar(1.0)?)
        })
    }

    pub fn sin(&self) -> Result<Tensor> {
        // d sin x = g cos x
        self.unary_op(UnaryOp::Sin, "SinBackward0", Save::Input, |g, x| {
            g.mul(&x.raw_unary(UnaryOp::Cos)?)
        })
    }

    pub fn cos(&self) -> Result<Tensor> {
        // d cos x = -g sin x
        self.unary_op(UnaryOp::Cos, "CosBackward0", Save::Input, |g, x| {
            g.mul(&x.raw_unary(UnaryOp::Sin)?)?.raw_unary(UnaryOp::Neg)
        })
    }

    pub fn tanh(&self) -> Result<Tensor> {
        // d tanh x = g (1 - y^2)
        self.unary_op(UnaryOp::Tanh, "TanhBackward0", Save::Output, |g, y| {
            g.mul(&y.mul(y)?.rsub_scalar(1.0)?)
        })
    }

    pub fn sigmoid(&self) -> Result<Tensor> {
        // d s(x) = g y (1 - y)
        self.unary_op(
            UnaryOp::Sigmoid,
            "SigmoidBackward0",
            Save::Output,
            |g, y| g.mul(&y.mul(&y.rsub_scalar(1.0)?)?),
        )
    }

    pub fn sqrt(&self) -> Result<Tensor> {
        // d sqrt x = g / (2 y)
        self.unary_op(UnaryOp::Sqrt, "SqrtBackward0", Save::Output, |g, y| {
            g.div(&y.mul_scalar(2.0)?)
        })
    }

    pub fn rsqrt(&self) -> Result<Tensor> {
        // d x^(-1/2) = -g y^3 / 2
        self.unary_op(UnaryOp::Rsqrt, "RsqrtBackward0", Save::Output, |g, y| {
            g.mul(&y.mul(y)?.mul(y)?)?.mul_scalar(-0.5)
        })
    }

    pub fn reciprocal(&self) -> Result<Tensor> {
        // d 1/x = -g y^2
        self.unary_op(
            UnaryOp::Recip,
            "ReciprocalBackward0",
            Save::Output,
            |g, y| g.mul(&y.mul(y)?)?.raw_unary(UnaryOp::Neg),
        )
    }

    pub fn erf(&self) -> Result<Tensor> {
        // d erf x = g 2/sqrt(pi) e^(-x^2)
        self.unary_op(UnaryOp::Erf, "ErfBackward0", Save::Input, |g, x| {
            g.mul(&x.mul(x)?.raw_unary(UnaryOp::Neg)?.raw_unary(UnaryOp::Exp)?)?
                .mul_scalar(std::f64::consts::FRAC_2_SQRT_PI)
        })
    }

    pub fn abs(&self) -> Result<Tensor> {
        // d |x| = g sign(x) (0 at 0, as PyTorch)
        self.unary_op(UnaryOp::Abs, "AbsBackward0", Save::Input, |g, x| {
            g.mul(&x.raw_unary(UnaryOp::Sign)?)
        })
    }

    pub fn sign(&self) -> Result<Tensor> {
        // piecewise constant: zero gradient
        self.unary_op(UnaryOp::Sign, "SignBackward0", Save::Nothing, |g, _| {
            Tensor::zeros_like(g)
        })
    }

    pub fn square(&self) -> Result<Tensor> {
        if self.dtype() == crate::DType::Bool {
            return self.to_dtype(crate::DType::I64)?.square();
        }
        // PyTorch implements square as pow(x, 2): d x^2 = 2 x g
        self.unary_op(UnaryOp::Square, "PowBackward0", Save::Input, |g, x| {
            g.mul(&x.mul_scalar(2.0)?)
        })
    }

    pub fn relu(&self) -> Result<Tensor> {
        // d relu x = g [y > 0]: PyTorch's threshold_backward in one pass, or
        // as a product of recorded ops when the backward itself is recorded
        self.unary_op(UnaryOp::Relu, "ReluBackward0", Save::Output, |g, y| {
            if crate::autograd::is_grad_enabled() {
                g.mul(&y.raw_unary(UnaryOp::StepGrad(0.0))?)
            } else {
                let y = y.to_dtype(g.dtype())?;
                crate::ops::binary::raw_binary(g, &y, crate::storage::BinaryOp::ThresholdGrad)
            }
        })
    }

    /// `F.leaky_relu(x, negative_slope=0.01)`.
    pub fn leaky_relu(&self, negative_slope: f64) -> Result<Tensor> {
        let x = self.to_dtype(self.dtype().to_float())?;
        let out = x.raw_unary(UnaryOp::LeakyRelu(negative_slope))?;
        let sx = SavedTensor::new("self", &x);
        Ok(record(
            out,
            "LeakyReluBackward0",
            &[&x],
            vec![sx.clone()],
            move |g, _| {
                Ok(vec![Some(
                    g.mul(
                        &sx.get("LeakyReluBackward0")?
                            .raw_unary(UnaryOp::StepGrad(negative_slope))?,
                    )?,
                )])
            },
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

    /// `F.silu(x)` = x sigmoid(x).
    pub fn silu(&self) -> Result<Tensor> {
        self.unary_op(UnaryOp::Silu, "SiluBackward0", Save::Input, |g, x| {
            g.mul(&x.raw_unary(UnaryOp::SiluGrad)?)
        })
    }

    pub fn floor(&self) -> Result<Tensor> {
        self.rounding(UnaryOp::Floor, "FloorBackward0")
    }
    pub fn ceil(&self) -> Result<Tensor> {
        self.rounding(UnaryOp::Ceil, "CeilBackward0")
    }
    pub fn round(&self) -> Result<Tensor> {
        self.rounding(UnaryOp::Round, "RoundBackward0")
    }
    pub fn trunc(&self) -> Result<Tensor> {
        self.rounding(UnaryOp::Trunc, "TruncBackward0")
    }

    fn rounding(&self, op: UnaryOp, name: &'static str) -> Result<Tensor> {
        if !self.dtype().is_float() {
            return self.clone_tensor();
        }
        self.unary_op(op, name, Save::Nothing, |g, _| Tensor::zeros_like(g))
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
            self.to_dtype(crate::DType::F32)?
        } else {
            self.clone()
        };
        let out = if min.is_some_and(f64::is_nan) || max.is_some_and(f64::is_nan) {
            Tensor::full(x.shape(), f64::NAN, x.dtype(), x.device())?
        } else {
            x.raw_unary(UnaryOp::Clamp(min, max))?
        };
        let name = match (min, max) {
            (Some(_), Some(_)) => "ClampBackward1",
            (Some(_), None) => "ClampMinBackward0",
            _ => "ClampMaxBackward0",
        };
        let sx = SavedTensor::new("self", &x);
        Ok(record(out, name, &[&x], vec![sx.clone()], move |g, _| {
            let x = sx.get(name)?;
            let mut mask = Tensor::ones_like(&x)?.to_dtype(crate::DType::Bool)?;
            if let Some(lo) = min {
                mask = mask.logical_and(&x.gt_scalar(lo)?)?;
            }
            if let Some(hi) = max {
                mask = mask.logical_and(&x.lt_scalar(hi)?)?;
            }
            Ok(vec![Some(g.mul(&mask.to_dtype(g.dtype())?)?)])
        }))
    }

    /// `torch.logical_not`: bool result.
    pub fn logical_not(&self) -> Result<Tensor> {
        self.raw_unary(UnaryOp::LogicalNot)
    }

    /// `~x`: logical not for bool tensors, bitwise not for integers.
    pub fn bitwise_not(&self) -> Result<Tensor> {
        match self.dtype() {
            crate::DType::Bool => self.logical_not(),
            d if d.is_int() => self.neg()?.sub_scalar(1i64),
            d => Err(Error::invalid(format!(
                "\"bitwise_not_cpu\" not implemented for '{}'",
                d.name()
            ))),
        }
    }

    pub fn isnan(&self) -> Result<Tensor> {
        self.raw_unary(UnaryOp::IsNan)
    }
}
