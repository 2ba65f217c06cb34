//! Reductions with PyTorch's `dim`/`keepdim` semantics. Integer sums and
//! products are int64; mean/var/std require floats; half types accumulate
//! in f32/f64 inside the kernel.

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::shape::{normalize_dim, normalize_dims};
use crate::storage::ReduceOp;
use crate::{DType, Error, Result, Tensor};

/// `(values, indices)` of `max(dim)`, `min(dim)`, `sort`, `topk`.
#[derive(Clone, Debug)]
pub struct ValuesIndices {
    pub values: Tensor,
    pub indices: Tensor,
}

impl Tensor {
    /// Reduces `dims` (all when empty and `all` is set); output keeps the
    /// reduced dims as size 1 when `keepdim`.
    fn raw_reduce(&self, op: ReduceOp, dims: &[usize], keepdim: bool) -> Result<Tensor> {
        // A 0-dim tensor accepts dim 0 / -1 and reduces nothing.
        let dims: &[usize] = if self.dim() == 0 { &[] } else { dims };
        let x = match op {
            ReduceOp::Sum | ReduceOp::Prod if !self.dtype().is_float() => {
                self.to_dtype(DType::I64)?
            }
            _ => self.clone(),
        };
        let shape: Vec<usize> = (0..self.dim())
            .filter_map(|d| {
                if dims.contains(&d) {
                    keepdim.then_some(1)
                } else {
                    Some(self.size_at(d))
                }
            })
            .collect();
        // (reducing an empty dim away can leave an impossible shape:
        // zeros(2**40, 0, 2**40).sum(dim=1))
        crate::shape::checked_numel(&shape)?;
        let s = x.storage().reduce(x.layout(), op, dims)?;
        Ok(Tensor::from_contiguous(s, &shape))
    }

    fn all_dims(&self) -> Vec<usize> {
        (0..self.dim()).collect()
    }

    /// Shape of the gradient before it is expanded back: the reduced dims
    /// restored as size 1.
    fn keep_shape(shape: &[usize], dims: &[usize]) -> Vec<i64> {
        // (for 0-dim inputs `dims` may name dim 0, which is not in `shape`)
        (0..shape.len())
            .map(|d| {
                if dims.contains(&d) {
                    1
                } else {
                    shape[d] as i64
                }
            })
            .collect()
    }

    /// `x.sum()`.
    pub fn sum(&self) -> Result<Tensor> {
        if let Some(c) = crate::amp::autocast_inputs("sum", &[self])? {
            return c[0].sum();
        }
        let out = self.raw_reduce(ReduceOp::Sum, &self.all_dims(), false)?;
        let shape: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(record(out, "SumBackward0", &[self], vec![], move |g, _| {
            Ok(vec![Some(g.expand(&shape)?)])
        }))
    }

    /// `x.sum(dim, keepdim)`; an empty `dims` sums everything.
    pub fn sum_dims(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        if let Some(c) = crate::amp::autocast_inputs("sum", &[self])? {
            return c[0].sum_dims(dims, keepdim);
        }
        let d = if dims.is_empty() {
            self.all_dims()
        } else {
            normalize_dims("sum", dims, self.dim())?
        };
        let out = self.raw_reduce(ReduceOp::Sum, &d, keepdim)?;
        let keep = Tensor::keep_shape(self.shape(), &d);
        let shape: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(record(out, "SumBackward1", &[self], vec![], move |g, _| {
            Ok(vec![Some(g.reshape(&keep)?.expand(&shape)?)])
        }))
    }

    fn require_float(&self, op: &str) -> Result<()> {
        if self.dtype().is_float() {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "{op}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
                self.dtype().legacy_name()
            )))
        }
    }

    /// `x.mean()`.
    pub fn mean(&self) -> Result<Tensor> {
        self.require_float("mean")?;
        let n = self.numel().max(1) as f64;
        let out = with_no_grad(|| self.accumulate_f32(|x| x.sum()))?
            .div_scalar(if self.numel() == 0 { 0.0 } else { n })?;
        let shape: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(record(
            out,
            "MeanBackward0",
            &[self],
            vec![],
            move |g, _| Ok(vec![Some(g.div_scalar(n)?.expand(&shape)?)]),
        ))
    }

    /// `x.mean(dim, keepdim)`.
    pub fn mean_dims(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        self.require_float("mean")?;
        let d = if dims.is_empty() {
            self.all_dims()
        } else {
            normalize_dims("mean", dims, self.dim())?
        };
        let n = d
            .iter()
            .map(|&i| self.shape().get(i).copied().unwrap_or(1) as f64)
            .product::<f64>();
        let dd: Vec<i64> = d.iter().map(|&x| x as i64).collect();
        let out =
            with_no_grad(|| self.accumulate_f32(|x| x.sum_dims(&dd, keepdim)))?.div_scalar(n)?;
        let keep = Tensor::keep_shape(self.shape(), &d);
        let shape: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(record(
            out,
            "MeanBackward1",
            &[self],
            vec![],
            move |g, _| Ok(vec![Some(g.reshape(&keep)?.expand(&shape)?.div_scalar(n)?)]),
        ))
    }

    /// Runs `f` in float32 for half inputs (accuracy), casting back.
    fn accumulate_f32(&self, f: impl Fn(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
        match self.dtype() {
            DType::F16 | DType::BF16 => f(&self.to_dtype(DType::F32)?)?.to_dtype(self.dtype()),
            _ => f(self),
        }
    }

    /// `x.prod()` / `x.prod(dim, keepdim)` (`dim = None` for all).
    pub fn prod(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        if let Some(c) = crate::amp::autocast_inputs("prod", &[self])? {
            return c[0].prod(dim, keepdim);
        }
        let d = match dim {
            Some(dim) => vec![normalize_dim("prod", dim, self.dim())?],
            None => self.all_dims(),
        };
        let keepdim = keepdim && dim.is_some();
        let out = self.raw_reduce(ReduceOp::Prod, &d, keepdim)?;
        let (sx, so) = (
            SavedTensor::new("self", self),
            SavedTensor::new("result", &out),
        );
        let keep = Tensor::keep_shape(self.shape(), &d);
        let dd: Vec<i64> = d.iter().map(|&x| x as i64).collect();
        let name = if dim.is_some() {
            "ProdBackward1"
        } else {
            "ProdBackward0"
        };
        Ok(record(
            out,
            name,
            &[self],
            vec![sx.clone(), so.clone()],
            move |g, _| {
                // d prod / dx_i = prod_{j != i} x_j, computed without dividing by
                // zero: with no zero it is out / x_i; with exactly one zero only
                // that position gets the product of the others; else 0.
                let x = sx.get(name)?;
                let out = so.get(name)?.reshape(&keep)?;
                let g = g.reshape(&keep)?;
                let is_zero = x.eq_scalar(0.0)?;
                let zeros = is_zero.to_dtype(DType::I64)?.sum_dims(&dd, true)?;
                let ones = Tensor::ones_like(&x)?;
                let nonzero_prod = Tensor::where_cond(&is_zero, &ones, &x)?.prod_keep(&dd)?;
                let safe_x = Tensor::where_cond(&is_zero, &ones, &x)?;
                let no_zero = out.div(&safe_x)?;
                let one_zero = Tensor::where_cond(
                    &is_zero,
                    &nonzero_prod.expand_as(&x)?,
                    &Tensor::zeros_like(&x)?,
                )?;
                let d = Tensor::where_cond(
                    &zeros.eq_scalar(0i64)?.expand_as(&x)?,
                    &no_zero,
                    &Tensor::where_cond(
                        &zeros.eq_scalar(1i64)?.expand_as(&x)?,
                        &one_zero,
                        &Tensor::zeros_like(&x)?,
                    )?,
                )?;
                Ok(vec![Some(g.mul(&d)?)])
            },
        ))
    }

    fn prod_keep(&self, dims: &[i64]) -> Result<Tensor> {
        let d = normalize_dims("prod", dims, self.dim())?;
        self.raw_reduce(ReduceOp::Prod, &d, true)
    }

    /// `x.max()`: the maximum over all elements (gradient split over ties).
    pub fn max(&self) -> Result<Tensor> {
        self.extreme_all(ReduceOp::Max, "MaxBackward1")
    }

    /// `x.min()`.
    pub fn min(&self) -> Result<Tensor> {
        self.extreme_all(ReduceOp::Min, "MinBackward1")
    }

    fn extreme_all(&self, op: ReduceOp, name: &'static str) -> Result<Tensor> {
        if self.numel() == 0 {
            return Err(Error::invalid(format!(
                "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
                if op == ReduceOp::Max { "max" } else { "min" }
            )));
        }
        let out = self.raw_reduce(op, &self.all_dims(), false)?;
        let (sx, so) = (
            SavedTensor::new("self", self),
            SavedTensor::new("result", &out),
        );
        Ok(record(
            out,
            name,
            &[self],
            vec![sx.clone(), so.clone()],
            move |g, _| {
                // evenly distributed over the positions equal to the result
                let x = sx.get(name)?;
                let mask = x.eq(&so.get(name)?)?.to_dtype(g.dtype())?;
                let count = mask.sum()?;
                Ok(vec![Some(mask.mul(&g.div(&count)?)?)])
            },
        ))
    }

    /// `x.max(dim, keepdim)`: values and int64 indices.
    pub fn max_dim(&self, dim: i64, keepdim: bool) -> Result<ValuesIndices> {
        self.extreme_dim(dim, keepdim, ReduceOp::ArgMax, "MaxBackward0")
    }

    /// `x.min(dim, keepdim)`.
    pub fn min_dim(&self, dim: i64, keepdim: bool) -> Result<ValuesIndices> {
        self.extreme_dim(dim, keepdim, ReduceOp::ArgMin, "MinBackward0")
    }

    fn extreme_dim(
        &self,
        dim: i64,
        keepdim: bool,
        arg: ReduceOp,
        name: &'static str,
    ) -> Result<ValuesIndices> {
        let d = normalize_dim("max", dim, self.dim())?;
        if self.dim() == 0 {
            let idx = Tensor::scalar_tensor(0.0, DType::I64, self.device())?;
            return Ok(ValuesIndices {
                values: self.clone_tensor()?,
                indices: idx,
            });
        }
        let indices = self.raw_reduce(arg, &[d], true)?;
        let values = with_no_grad(|| self.gather(d as i64, &indices))?;
        let (values, indices) = if keepdim {
            (values, indices)
        } else {
            (
                values.squeeze_dim(d as i64)?,
                indices.squeeze_dim(d as i64)?,
            )
        };
        let values = values.detach();
        let si = SavedTensor::new("indices", &indices);
        let shape = self.shape().to_vec();
        let values = record(values, name, &[self], vec![si.clone()], move |g, _| {
            let idx = si.get(name)?;
            let (g, idx) = if keepdim {
                (g.clone(), idx)
            } else {
                (g.unsqueeze(d as i64)?, idx.unsqueeze(d as i64)?)
            };
            let z = Tensor::zeros_on(&shape, g.dtype(), g.device())?;
            Ok(vec![Some(z.scatter_add(d as i64, &idx, &g)?)])
        });
        Ok(ValuesIndices { values, indices })
    }

    /// `x.argmax()` (flattened) or `x.argmax(dim, keepdim)`.
    pub fn argmax(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        self.arg_extreme(dim, keepdim, ReduceOp::ArgMax)
    }

    /// `x.argmin()` / `x.argmin(dim, keepdim)`.
    pub fn argmin(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        self.arg_extreme(dim, keepdim, ReduceOp::ArgMin)
    }

    fn arg_extreme(&self, dim: Option<i64>, keepdim: bool, op: ReduceOp) -> Result<Tensor> {
        match dim {
            None => {
                let flat = self.detach().reshape(&[-1])?;
                let r = flat.raw_reduce(op, &[0], false)?;
                if keepdim {
                    r.reshape(&vec![1; self.dim()])
                } else {
                    Ok(r)
                }
            }
            Some(dim) => {
                let d = normalize_dim("argmax", dim, self.dim())?;
                if self.dim() == 0 {
                    return Tensor::scalar_tensor(0.0, DType::I64, self.device());
                }
                self.raw_reduce(op, &[d], keepdim)
            }
        }
    }

    /// `x.var(dim=None, correction=1, keepdim=False)`.
    pub fn var(&self, dims: Option<&[i64]>, correction: f64, keepdim: bool) -> Result<Tensor> {
        self.moments(dims, correction, keepdim, false)
    }

    /// `x.std(dim=None, correction=1, keepdim=False)`.
    pub fn std(&self, dims: Option<&[i64]>, correction: f64, keepdim: bool) -> Result<Tensor> {
        self.moments(dims, correction, keepdim, true)
    }

    fn moments(
        &self,
        dims: Option<&[i64]>,
        correction: f64,
        keepdim: bool,
        sqrt: bool,
    ) -> Result<Tensor> {
        let op = if sqrt { "std" } else { "var" };
        self.require_float(op)?;
        let d = match dims {
            Some(ds) if !ds.is_empty() => normalize_dims(op, ds, self.dim())?,
            _ => self.all_dims(),
        };
        let dd: Vec<i64> = d.iter().map(|&x| x as i64).collect();
        let n = d
            .iter()
            .map(|&i| self.shape().get(i).copied().unwrap_or(1) as f64)
            .product::<f64>();
        let denom = (n - correction).max(0.0);
        let (var, centered) = with_no_grad(|| -> Result<(Tensor, Tensor)> {
            let x = if self.dtype().is_float() && self.dtype() != DType::F64 {
                self.to_dtype(DType::F32)?
            } else {
                self.clone()
            };
            let c = x.sub(&x.mean_dims(&dd, true)?)?;
            let v = c.mul(&c)?.sum_dims(&dd, keepdim)?.div_scalar(denom)?;
            Ok((v, c))
        })?;
        let out = if sqrt { var.sqrt()? } else { var };
        let out = out.to_dtype(self.dtype())?.detach();
        let keep = Tensor::keep_shape(self.shape(), &d);
        let (sc, so) = (
            SavedTensor::new("self", &centered),
            SavedTensor::new("result", &out),
        );
        let name = if sqrt { "StdBackward0" } else { "VarBackward0" };
        let dtype = self.dtype();
        Ok(record(
            out,
            name,
            &[self],
            vec![sc.clone(), so.clone()],
            move |g, _| {
                // d var / dx = 2 (x - mean) / (n - c);  d std = d var / (2 std)
                let c = sc.get(name)?;
                let g = g.reshape(&keep)?;
                let mut d = c.mul_scalar(2.0 / denom)?;
                if sqrt {
                    // d std = d var / (2 std); 0 where std == 0, as PyTorch
                    let s = so.get(name)?.reshape(&keep)?.to_dtype(c.dtype())?;
                    let zero = s.eq_scalar(0.0)?;
                    let safe = Tensor::where_cond(&zero, &Tensor::ones_like(&s)?, &s)?;
                    d = d.div(&safe.mul_scalar(2.0)?)?;
                    d = Tensor::where_cond(&zero.expand_as(&d)?, &Tensor::zeros_like(&d)?, &d)?;
                }
                Ok(vec![Some(g.mul(&d)?.to_dtype(dtype)?)])
            },
        ))
    }

    /// `x.norm(p=2, dim=None, keepdim=False)` for p-norms with `p > 0`
    /// (and `inf`), recorded as PyTorch's `LinalgVectorNormBackward0`,
    /// whose gradient at a zero norm is 0 (a subgradient), not NaN.
    pub fn norm(&self, p: f64, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
        self.require_float("norm")?;
        let d: Vec<i64> = match dims {
            Some(ds) if !ds.is_empty() => ds.to_vec(),
            _ => (0..self.dim() as i64).collect(),
        };
        if p.is_nan() || p <= 0.0 {
            return Err(Error::invalid(format!(
                "norm: p = {p} is not supported (use p > 0)"
            )));
        }
        let out = with_no_grad(|| -> Result<Tensor> {
            if p == f64::INFINITY {
                let a = self.abs()?;
                return if d.len() == self.dim() && !keepdim {
                    a.max()
                } else {
                    a.amax(&d, keepdim)
                };
            }
            if p == 2.0 {
                return self.mul(self)?.sum_dims(&d, keepdim)?.sqrt();
            }
            self.abs()?
                .pow_scalar(p)?
                .sum_dims(&d, keepdim)?
                .pow_scalar(1.0 / p)
        })?
        .detach();
        let keep = Tensor::keep_shape(
            self.shape(),
            &normalize_dims("norm", &d, self.dim()).unwrap_or_default(),
        );
        let (sx, so) = (
            SavedTensor::new("self", self),
            SavedTensor::new("result", &out),
        );
        let name = "LinalgVectorNormBackward0";
        Ok(record(
            out,
            name,
            &[self],
            vec![sx.clone(), so.clone()],
            move |g, _| {
                let x = sx.get(name)?;
                let norm = so.get(name)?.reshape(&keep)?;
                let g = g.reshape(&keep)?;
                let zero_norm = norm.eq_scalar(0.0)?;
                // grad / norm^(p-1) with 0 where the norm is 0
                let scaled = |pow: f64| -> Result<Tensor> {
                    let s = g.div(&norm.pow_scalar(pow)?)?;
                    Tensor::where_cond(&zero_norm.expand_as(&s)?, &Tensor::zeros_like(&s)?, &s)
                };
                let dx = if p == 1.0 {
                    x.sign()?.mul(&g)?
                } else if p == 2.0 {
                    let r = x.div(&norm)?;
                    let r = Tensor::where_cond(
                        &zero_norm.expand_as(&r)?,
                        &Tensor::zeros_like(&r)?,
                        &r,
                    )?;
                    g.mul(&r)?
                } else if p == f64::INFINITY {
                    let a = x.abs()?;
                    let mask = a.eq(&norm)?.logical_or(&a.isnan()?)?.to_dtype(g.dtype())?;
                    let count = mask.sum_dims(&d, true)?;
                    x.sign()?.mul(&g.div(&count)?.mul(&mask)?)?
                } else if p < 1.0 {
                    let a = x.abs()?.pow_scalar(p - 1.0)?;
                    let a = Tensor::where_cond(&x.eq_scalar(0.0)?, &Tensor::zeros_like(&a)?, &a)?;
                    x.sign()?
                        .mul(&a)?
                        .mul(&g)?
                        .mul(&norm.pow_scalar(1.0 - p)?)?
                } else if p < 2.0 {
                    x.sign()?
                        .mul(&x.abs()?.pow_scalar(p - 1.0)?)?
                        .mul(&scaled(p - 1.0)?)?
                } else {
                    x.mul(&x.abs()?.pow_scalar(p - 2.0)?)?
                        .mul(&scaled(p - 1.0)?)?
                };
                Ok(vec![Some(dx)])
            },
        ))
    }

    /// `torch.amax(x, dim=(), keepdim)`: an empty `dims` reduces every
    /// dim (as PyTorch); the gradient is split evenly over the elements
    /// equal to the maximum of their slice.
    pub fn amax(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        self.amax_amin(dims, keepdim, ReduceOp::Max, "amax", "AmaxBackward0")
    }

    /// `torch.amin(x, dim=(), keepdim)`.
    pub fn amin(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        self.amax_amin(dims, keepdim, ReduceOp::Min, "amin", "AminBackward0")
    }

    fn amax_amin(
        &self,
        dims: &[i64],
        keepdim: bool,
        op: ReduceOp,
        api: &'static str,
        name: &'static str,
    ) -> Result<Tensor> {
        let ds = if dims.is_empty() {
            self.all_dims()
        } else {
            normalize_dims(api, dims, self.dim())?
        };
        if let Some(&d) = ds.iter().find(|&&d| self.size_at(d) == 0) {
            return Err(Error::invalid(format!(
                "{api}(): Expected reduction dim {d} to have non-zero size."
            )));
        }
        let out = self.raw_reduce(op, &ds, keepdim)?;
        let keep = Tensor::keep_shape(self.shape(), &ds);
        let reduced: Vec<i64> = ds.iter().map(|&d| d as i64).collect();
        let (sx, so) = (
            SavedTensor::new("self", self),
            SavedTensor::new("result", &out),
        );
        Ok(record(
            out,
            name,
            &[self],
            vec![sx.clone(), so.clone()],
            move |g, _| {
                let x = sx.get(name)?;
                let r = so.get(name)?.reshape(&keep)?;
                let mask = x.eq(&r)?.to_dtype(g.dtype())?;
                let count = mask.sum_dims(&reduced, true)?;
                Ok(vec![Some(mask.mul(&g.reshape(&keep)?.div(&count)?)?)])
            },
        ))
    }

    /// `x.any()` / `x.all()` (bool results; `dim = None` for all).
    pub fn any(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        self.bool_reduce(ReduceOp::Any, dim, keepdim)
    }

    pub fn all(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        self.bool_reduce(ReduceOp::All, dim, keepdim)
    }

    fn bool_reduce(&self, op: ReduceOp, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        match dim {
            None => self.raw_reduce(op, &self.all_dims(), false),
            Some(d) => {
                let d = normalize_dim("any", d, self.dim())?;
                self.raw_reduce(op, &[d], keepdim)
            }
        }
    }

    /// `torch.logsumexp(x, dim, keepdim)`, stable.
    pub fn logsumexp(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        let m = with_no_grad(|| self.amax(dims, true))?.detach();
        let m = Tensor::where_cond(&m.isinf()?, &Tensor::zeros_like(&m)?, &m)?;
        let s = self.sub(&m)?.exp()?.sum_dims(dims, true)?.log()?.add(&m)?;
        if keepdim {
            Ok(s)
        } else {
            let d = normalize_dims("logsumexp", dims, self.dim())?;
            let shape: Vec<i64> = (0..self.dim())
                .filter(|x| !d.contains(x))
                .map(|x| self.shape()[x] as i64)
                .collect();
            s.reshape(&shape)
        }
    }
}
