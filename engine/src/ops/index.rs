//! Index-driven ops: `where`, `index_select`, `gather`, `scatter`,
//! `scatter_add`, `masked_fill`.

use super::{same_device, sum_to_shape};
use crate::autograd::{record, SavedTensor};
use crate::dtype::DType;
use crate::shape::{broadcast_shapes, normalize_dim};
use crate::{Error, Result, Tensor};

fn check_index_dtype(op: &str, idx: &Tensor) -> Result<()> {
    if idx.dtype() != DType::I64 && idx.dtype() != DType::I32 {
        return Err(Error::invalid(format!(
            "{op}(): Expected dtype int64 for index, but got {}",
            idx.dtype()
        )));
    }
    Ok(())
}

impl Tensor {
    /// `torch.where(condition, x, y)` with broadcasting and promotion.
    pub fn where_cond(cond: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        same_device("where", &[cond, x, y])?;
        if cond.dtype() != DType::Bool {
            return Err(Error::invalid(format!(
                "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
                cond.dtype().legacy_name()
            )));
        }
        let shape = broadcast_shapes(
            "where",
            &broadcast_shapes("where", cond.shape(), x.shape())?,
            y.shape(),
        )?;
        let dtype = DType::promote(x.dtype(), y.dtype());
        let (xa, ya) = (x.to_dtype(dtype)?, y.to_dtype(dtype)?);
        let (cl, xl, yl) = (
            cond.layout().broadcast_to(&shape)?,
            xa.layout().broadcast_to(&shape)?,
            ya.layout().broadcast_to(&shape)?,
        );
        let s = cond
            .storage()
            .where_cond(&cl, &xa.storage(), &xl, &ya.storage(), &yl)?;
        let out = Tensor::from_contiguous(s, &shape);
        let sc = SavedTensor::new("condition", cond);
        let (shx, shy) = (xa.shape().to_vec(), ya.shape().to_vec());
        Ok(record(
            out,
            "WhereBackward0",
            &[&xa, &ya],
            vec![sc.clone()],
            move |g, n| {
                let c = sc.get("WhereBackward0")?;
                let z = Tensor::zeros_like(g)?;
                let gx = if n[0] {
                    Some(sum_to_shape(&Tensor::where_cond(&c, g, &z)?, &shx)?)
                } else {
                    None
                };
                let gy = if n[1] {
                    Some(sum_to_shape(&Tensor::where_cond(&c, &z, g)?, &shy)?)
                } else {
                    None
                };
                Ok(vec![gx, gy])
            },
        ))
    }

    /// `x.masked_fill(mask, value)`.
    pub fn masked_fill(&self, mask: &Tensor, value: f64) -> Result<Tensor> {
        if mask.dtype() != DType::Bool {
            return Err(Error::invalid(format!(
                "masked_fill_ only supports boolean masks, but got mask with dtype {}",
                mask.dtype()
            )));
        }
        broadcast_shapes("masked_fill", self.shape(), mask.shape())?;
        let v = Tensor::scalar_tensor(value, self.dtype(), self.device())?;
        let out = Tensor::where_cond(mask, &v, self)?;
        if out.shape() != self.shape() {
            return Err(Error::shape(
                "masked_fill",
                self.shape(),
                mask.shape(),
                format!(
                    "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension 0",
                    self.numel(),
                    mask.numel()
                ),
            ));
        }
        Ok(out)
    }

    /// `x.index_select(dim, index)` (1-D int64 index).
    pub fn index_select(&self, dim: i64, index: &Tensor) -> Result<Tensor> {
        check_index_dtype("index_select", index)?;
        if index.dim() > 1 {
            return Err(Error::invalid(
                "index_select(): Index is supposed to be a vector",
            ));
        }
        let d = normalize_dim("index_select", dim, self.dim())?;
        let idx = index.reshape(&[-1])?;
        if self.dim() == 0 {
            return self.reshape(&[1])?.index_select(0, &idx)?.reshape(&[]);
        }
        let s = self
            .storage()
            .index_select(self.layout(), d, &idx.storage(), idx.layout())?;
        let mut shape = self.shape().to_vec();
        shape[d] = idx.numel();
        let out = Tensor::from_contiguous(s, &shape);
        let si = SavedTensor::new("index", &idx);
        let in_shape = self.shape().to_vec();
        Ok(record(
            out,
            "IndexSelectBackward0",
            &[self],
            vec![si.clone()],
            move |g, _| {
                // scatter-add the rows back: idx broadcast along the other dims
                let idx = si.get("IndexSelectBackward0")?;
                let mut view = vec![1i64; g.dim()];
                view[d] = idx.numel() as i64;
                let full = idx.reshape(&view)?.broadcast_to(g.shape())?.contiguous()?;
                let z = Tensor::zeros_on(&in_shape, g.dtype(), g.device())?;
                Ok(vec![Some(z.scatter_add(d as i64, &full, g)?)])
            },
        ))
    }

    /// `torch.gather(x, dim, index)`.
    pub fn gather(&self, dim: i64, index: &Tensor) -> Result<Tensor> {
        check_index_dtype("gather", index)?;
        if self.dim() == 0 || index.dim() == 0 {
            // 0-dim operands gather as 1-element vectors (PyTorch allows
            // mixing 0-dim and 1-dim here); the result has index's shape.
            normalize_dim("gather", dim, self.dim())?;
            let out = self.reshape(&[-1])?.gather(0, &index.reshape(&[-1])?)?;
            return out.reshape(&index.shape().iter().map(|&d| d as i64).collect::<Vec<_>>());
        }
        let d = normalize_dim("gather", dim, self.dim())?;
        if index.dim() != self.dim() && !(index.dim() <= 1 && self.dim() <= 1) {
            return Err(Error::invalid(
                "Index tensor must have the same number of dimensions as input tensor",
            ));
        }
        for k in 0..index.dim() {
            if k != d && index.shape()[k] > self.shape().get(k).copied().unwrap_or(1) {
                return Err(Error::invalid(format!(
                    "Size does not match at dimension {k} expected index {:?} to be smaller than self {:?} apart from dimension {d}",
                    index.shape(),
                    self.shape()
                )));
            }
        }
        let s = self
            .storage()
            .gather(self.layout(), d, &index.storage(), index.layout())?;
        let out = Tensor::from_contiguous(s, index.shape());
        let si = SavedTensor::new("index", index);
        let in_shape = self.shape().to_vec();
        Ok(record(
            out,
            "GatherBackward0",
            &[self],
            vec![si.clone()],
            move |g, _| {
                let z = Tensor::zeros_on(&in_shape, g.dtype(), g.device())?;
                Ok(vec![Some(z.scatter_add(
                    d as i64,
                    &si.get("GatherBackward0")?,
                    g,
                )?)])
            },
        ))
    }

    fn scatter_impl(
        &self,
        dim: i64,
        index: &Tensor,
        src: &Tensor,
        accumulate: bool,
    ) -> Result<Tensor> {
        if self.dim() == 0 || index.dim() == 0 {
            normalize_dim("scatter", dim, self.dim())?;
            let flat = self.reshape(&[-1])?;
            let out =
                flat.scatter_impl(0, &index.reshape(&[-1])?, &src.reshape(&[-1])?, accumulate)?;
            return out.reshape(&self.shape().iter().map(|&d| d as i64).collect::<Vec<_>>());
        }
        check_index_dtype("scatter", index)?;
        let d = normalize_dim("scatter", dim, self.dim())?;
        if index.dim() != self.dim() && !(index.dim() <= 1 && self.dim() <= 1) {
            return Err(Error::invalid(
                "Index tensor must have the same number of dimensions as self tensor",
            ));
        }
        if src.dim() != index.dim() && !(src.dim() <= 1 && index.dim() <= 1) {
            return Err(Error::invalid(
                "Index tensor must have the same number of dimensions as src tensor",
            ));
        }
        // src may be larger than index: use the index-shaped corner of it.
        let mut src_c = src.to_dtype(self.dtype())?;
        for k in 0..index.dim() {
            if src_c.shape().get(k).copied().unwrap_or(1) < index.shape()[k] {
                return Err(Error::invalid(format!(
                    "Expected index {:?} to be smaller than self {:?} apart from dimension {d} and to be smaller size than src {:?}",
                    index.shape(),
                    self.shape(),
                    src.shape()
                )));
            }
            if src_c.dim() > k {
                src_c = src_c.narrow(k as i64, 0, index.shape()[k])?;
            }
        }
        let out = self.contiguous_copy()?;
        {
            let mut dst = out.storage_mut();
            dst.scatter(
                out.shape(),
                d,
                &index.storage(),
                index.layout(),
                &src_c.storage(),
                src_c.layout(),
                accumulate,
            )?;
        }
        let si = SavedTensor::new("index", index);
        let name = if accumulate {
            "ScatterAddBackward0"
        } else {
            "ScatterBackward0"
        };
        Ok(record(
            out,
            name,
            &[self, &src_c],
            vec![si.clone()],
            move |g, n| {
                let idx = si.get(name)?;
                let gs = if n[1] {
                    Some(g.gather(d as i64, &idx)?)
                } else {
                    None
                };
                let gself = if accumulate {
                    g.clone()
                } else {
                    // overwritten positions get no gradient
                    let z = Tensor::zeros_on(idx.shape(), g.dtype(), g.device())?;
                    g.contiguous_copy()?
                        .scatter_impl(d as i64, &idx, &z, false)?
                };
                Ok(vec![Some(gself), gs])
            },
        ))
    }

    /// `x.scatter(dim, index, src)` (out of place).
    pub fn scatter(&self, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> {
        self.scatter_impl(dim, index, src, false)
    }

    /// `x.scatter(dim, index, value)` with a scalar.
    pub fn scatter_value(&self, dim: i64, index: &Tensor, value: f64) -> Result<Tensor> {
        let src = Tensor::full_on(index.shape(), value, self.dtype(), self.device())?;
        self.scatter_impl(dim, index, &src, false)
    }

    /// `x.scatter_(dim, index, src)`: in place.
    pub fn scatter_(&self, dim: i64, index: &Tensor, src: &Tensor) -> Result<()> {
        self.apply_inplace(&[src], |x| x.scatter(dim, index, src))
    }

    /// `x.scatter_(dim, index, value)` with a scalar: in place.
    pub fn scatter_value_(&self, dim: i64, index: &Tensor, value: f64) -> Result<()> {
        self.apply_inplace(&[], |x| x.scatter_value(dim, index, value))
    }

    /// `x.scatter_add_(dim, index, src)`: in place.
    pub fn scatter_add_(&self, dim: i64, index: &Tensor, src: &Tensor) -> Result<()> {
        self.apply_inplace(&[src], |x| x.scatter_add(dim, index, src))
    }

    /// `x.scatter_add(dim, index, src)` (out of place).
    pub fn scatter_add(&self, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> {
        self.scatter_impl(dim, index, src, true)
    }
}
