//! View ops: new layouts over the same storage, no copy. Each records a
//! node whose backward maps the gradient back to the input's shape: by the
//! inverse view (permute, reshape) or by writing the gradient into zeros
//! through the same view (narrow, select, slicing).

use super::sum_to_shape;
use crate::autograd::record;
use crate::shape::{infer_shape, normalize_dim, normalize_insert_dim};
use crate::{Error, Layout, Result, Tensor};

impl Tensor {
    /// A view of `self` through `layout`, recorded as `name` with `backward`.
    fn view_op(
        &self,
        layout: Layout,
        name: &'static str,
        backward: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
    ) -> Tensor {
        let out = self.alias(layout);
        if let Some(base) = self.meta().view_base.clone().or_else(|| Some(self.clone())) {
            let mut m = out.meta();
            m.view_base = Some(base);
            m.view_version = self.version();
        }
        record(out, name, &[self], vec![], move |g, _| {
            Ok(vec![Some(backward(g)?)])
        })
    }

    /// A view made by `f` on the layout; its backward writes the gradient
    /// into zeros of the input's shape through the same `f`.
    fn strided_view(
        &self,
        name: &'static str,
        f: impl Fn(&Layout) -> Layout + Send + Sync + 'static,
    ) -> Tensor {
        let layout = f(self.layout());
        let in_shape = self.shape().to_vec();
        self.view_op(layout, name, move |g| {
            let z = Tensor::zeros_on(&in_shape, g.dtype(), g.device())?;
            let dst = f(z.layout());
            z.storage_mut()
                .copy_into(&dst, &g.storage(), &g.layout().clone())?;
            Ok(z)
        })
    }

    /// `x.view(*shape)`: errors when the strides do not allow a view.
    pub fn view(&self, shape: &[i64]) -> Result<Tensor> {
        let shape = infer_shape("view", shape, self.numel())?;
        let layout = self.layout().view(&shape).ok_or_else(|| {
            Error::invalid("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        })?;
        let orig: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(self.view_op(layout, "ViewBackward0", move |g| g.reshape(&orig)))
    }

    /// `x.reshape(*shape)`: a view when possible, else a copy.
    pub fn reshape(&self, shape: &[i64]) -> Result<Tensor> {
        let target = infer_shape("reshape", shape, self.numel())?;
        if self.layout().view(&target).is_some() {
            return self.view(shape);
        }
        let copy = self.clone_tensor()?;
        let layout = Layout::contiguous(&target);
        let orig: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(copy.view_op(layout, "UnsafeViewBackward0", move |g| g.reshape(&orig)))
    }

    /// Reshape to a `usize` shape (Rust convenience).
    pub fn reshape_to(&self, shape: &[usize]) -> Result<Tensor> {
        self.reshape(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
    }

    /// `x.permute(*dims)`.
    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        let n = self.dim();
        let dims: Vec<usize> = dims
            .iter()
            .map(|&d| normalize_dim("permute", d, n))
            .collect::<Result<_>>()?;
        let layout = self.layout().permute(&dims)?;
        let mut inv = vec![0i64; n];
        for (i, &d) in dims.iter().enumerate() {
            inv[d] = i as i64;
        }
        Ok(self.view_op(layout, "PermuteBackward0", move |g| g.permute(&inv)))
    }

    /// `x.transpose(dim0, dim1)`.
    pub fn transpose(&self, dim0: i64, dim1: i64) -> Result<Tensor> {
        let n = self.dim();
        let (a, b) = (
            normalize_dim("transpose", dim0, n)?,
            normalize_dim("transpose", dim1, n)?,
        );
        if n == 0 {
            return Ok(
                self.view_op(self.layout().clone(), "TransposeBackward0", |g| {
                    Ok(g.clone())
                }),
            );
        }
        let layout = self.layout().transpose(a, b);
        Ok(self.view_op(layout, "TransposeBackward0", move |g| {
            g.transpose(a as i64, b as i64)
        }))
    }

    /// `x.t()`: transpose of a matrix (no-op below 2-D).
    pub fn t(&self) -> Result<Tensor> {
        if self.dim() > 2 {
            return Err(Error::invalid(format!(
                "t() expects a tensor with <= 2 dimensions, but self is {}D",
                self.dim()
            )));
        }
        let layout = if self.dim() == 2 {
            self.layout().transpose(0, 1)
        } else {
            self.layout().clone()
        };
        Ok(self.view_op(layout, "TBackward0", |g| g.t()))
    }

    /// `x.mT`: transpose of the last two dims.
    pub fn mt(&self) -> Result<Tensor> {
        if self.dim() < 2 {
            return Err(Error::invalid(
                "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.",
            ));
        }
        self.transpose(-2, -1)
    }

    /// `x.expand(*sizes)`; `-1` keeps a dim.
    pub fn expand(&self, sizes: &[i64]) -> Result<Tensor> {
        if sizes.len() < self.dim() {
            return Err(Error::invalid(format!(
                "expand(torch.FloatTensor{{{:?}}}, size=[{}]): the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
                self.shape(),
                sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                sizes.len(),
                self.dim()
            )));
        }
        let lead = sizes.len() - self.dim();
        let mut shape = Vec::with_capacity(sizes.len());
        for (i, &s) in sizes.iter().enumerate() {
            shape.push(if s == -1 {
                if i < lead {
                    return Err(Error::invalid(format!(
                        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}"
                    )));
                }
                self.shape()[i - lead]
            } else if s < 0 {
                return Err(Error::invalid(format!("Trying to create tensor with negative dimension {s}")));
            } else {
                s as usize
            });
        }
        let layout = self.layout().broadcast_to(&shape)?;
        let orig = self.shape().to_vec();
        Ok(self.view_op(layout, "ExpandBackward0", move |g| sum_to_shape(g, &orig)))
    }

    /// Broadcast to a `usize` shape.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        self.expand(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())
    }

    /// `x.expand_as(other)`.
    pub fn expand_as(&self, other: &Tensor) -> Result<Tensor> {
        self.broadcast_to(other.shape())
    }

    /// `x.squeeze()`: removes every size-1 dim.
    pub fn squeeze(&self) -> Result<Tensor> {
        let shape: Vec<i64> = self
            .shape()
            .iter()
            .filter(|&&d| d != 1)
            .map(|&d| d as i64)
            .collect();
        let layout = self
            .layout()
            .view(&shape.iter().map(|&d| d as usize).collect::<Vec<_>>());
        let layout = match layout {
            Some(l) => l,
            None => return self.reshape(&shape),
        };
        let orig: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(self.view_op(layout, "SqueezeBackward0", move |g| g.reshape(&orig)))
    }

    /// `x.squeeze(dim)`: removes `dim` if it has size 1.
    pub fn squeeze_dim(&self, dim: i64) -> Result<Tensor> {
        let d = normalize_dim("squeeze", dim, self.dim())?;
        let layout = if self.dim() == 0 {
            self.layout().clone()
        } else {
            self.layout().squeeze(d)
        };
        let orig: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(self.view_op(layout, "SqueezeBackward1", move |g| g.reshape(&orig)))
    }

    /// `x.squeeze(dims)` for a tuple of dims (PyTorch 2): removes those
    /// that have size 1.
    pub fn squeeze_dims(&self, dims: &[i64]) -> Result<Tensor> {
        let ds = crate::shape::normalize_dims("squeeze", dims, self.dim())?;
        let shape: Vec<i64> = (0..self.dim())
            .filter(|d| !(ds.contains(d) && self.shape()[*d] == 1))
            .map(|d| self.size_at(d) as i64)
            .collect();
        let layout = self
            .layout()
            .view(&shape.iter().map(|&d| d as usize).collect::<Vec<_>>())
            .ok_or_else(|| Error::Internal("squeeze of a size-1 dim must be a view".into()))?;
        let orig: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
        Ok(self.view_op(layout, "SqueezeBackward2", move |g| g.reshape(&orig)))
    }

    /// `x.unsqueeze(dim)`.
    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        let d = normalize_insert_dim("unsqueeze", dim, self.dim())?;
        let layout = self.layout().unsqueeze(d);
        Ok(self.view_op(layout, "UnsqueezeBackward0", move |g| {
            g.squeeze_dim(d as i64)
        }))
    }

    /// `x.flatten(start_dim=0, end_dim=-1)`.
    pub fn flatten(&self, start_dim: i64, end_dim: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            return self.reshape(&[1]);
        }
        let n = self.dim();
        let (s, e) = (
            normalize_dim("flatten", start_dim, n)?,
            normalize_dim("flatten", end_dim, n)?,
        );
        if s > e {
            return Err(Error::invalid(
                "flatten() has invalid args: start_dim cannot come after end_dim",
            ));
        }
        if s == e {
            return Ok(self.clone());
        }
        let sh = self.shape();
        let mut shape: Vec<i64> = sh[..s].iter().map(|&d| d as i64).collect();
        let merged = crate::shape::checked_view_numel(&sh[s..=e])?;
        shape.push(
            i64::try_from(merged)
                .map_err(|_| Error::invalid("numel: integer multiplication overflow"))?,
        );
        shape.extend(sh[e + 1..].iter().map(|&d| d as i64));
        self.reshape(&shape)
    }

    /// `x.unflatten(dim, sizes)`.
    pub fn unflatten(&self, dim: i64, sizes: &[i64]) -> Result<Tensor> {
        if self.dim() == 0 {
            return Err(Error::invalid(format!(
                "Dimension specified as {dim} but tensor has no dimensions"
            )));
        }
        let d = normalize_dim("unflatten", dim, self.dim())?;
        let inner = infer_shape("unflatten", sizes, self.size_at(d)).map_err(|_| {
            Error::invalid(format!(
                "unflatten: Provided sizes {sizes:?} don't multiply up to the size of dim {dim} ({}) in the input tensor",
                self.size_at(d)
            ))
        })?;
        let mut shape: Vec<i64> = self.shape()[..d].iter().map(|&x| x as i64).collect();
        shape.extend(inner.iter().map(|&x| x as i64));
        shape.extend(self.shape()[d + 1..].iter().map(|&x| x as i64));
        self.view(&shape).or_else(|_| self.reshape(&shape))
    }

    /// `x.narrow(dim, start, length)`.
    pub fn narrow(&self, dim: i64, start: i64, length: usize) -> Result<Tensor> {
        let d = normalize_dim("narrow", dim, self.dim())?;
        if self.dim() == 0 {
            return Err(Error::invalid(
                "narrow() cannot be applied to a 0-dim tensor.",
            ));
        }
        let size = self.size_at(d) as i64;
        let st = if start < 0 {
            start.saturating_add(size)
        } else {
            start
        };
        if st < 0 || st > size || length as u64 > (size - st) as u64 {
            return Err(Error::invalid(format!(
                "start ({start}) + length ({length}) exceeds dimension size ({size})."
            )));
        }
        let st = st as usize;
        Ok(self.strided_view("SliceBackward0", move |l| l.narrow(d, st, length)))
    }

    /// `x[..., start:stop:step, ...]` along `dim`, with Python's clamping of
    /// out-of-range bounds and negative indices; `step` must be positive.
    pub fn slice(
        &self,
        dim: i64,
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    ) -> Result<Tensor> {
        if self.dim() == 0 {
            return Err(Error::invalid(
                "slice() cannot be applied to a 0-dim tensor.",
            ));
        }
        let d = normalize_dim("slice", dim, self.dim())?;
        if step <= 0 {
            return Err(Error::invalid("slice step must be positive"));
        }
        let size = self.size_at(d) as i64;
        let norm = |v: i64| {
            if v < 0 {
                (v + size).max(0)
            } else {
                v.min(size)
            }
        };
        let st = start.map(norm).unwrap_or(0) as usize;
        let sp = stop.map(norm).unwrap_or(size) as usize;
        let step = step as usize;
        Ok(self.strided_view("SliceBackward0", move |l| l.slice(d, st, sp.max(st), step)))
    }

    /// `x[i]` along `dim` (removes the dim); negative `i` counts from the end.
    pub fn select(&self, dim: i64, index: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            return Err(Error::invalid("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"));
        }
        let d = normalize_dim("select", dim, self.dim())?;
        let size = self.size_at(d) as i64;
        let i = if index < 0 { index + size } else { index };
        if i < 0 || i >= size {
            return Err(Error::IndexOutOfRange {
                op: "select",
                index,
                dim: d,
                size: size as usize,
            });
        }
        let i = i as usize;
        Ok(self.strided_view("SelectBackward0", move |l| l.select(d, i)))
    }

    /// `x.unbind(dim)`: every slice along `dim` (the dim removed), as views.
    pub fn unbind(&self, dim: i64) -> Result<Vec<Tensor>> {
        if self.dim() == 0 {
            return Err(Error::invalid(
                "Dimension specified as 0 but tensor has no dimensions",
            ));
        }
        let d = normalize_dim("unbind", dim, self.dim())?;
        Ok((0..self.size_at(d))
            .map(|i| self.strided_view("UnbindBackward0", move |l| l.select(d, i)))
            .collect())
    }
}
