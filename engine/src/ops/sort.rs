//! Sorting and scans: `sort`, `argsort`, `topk`, `cumsum`, `cumprod`.
//!
//! Built on the backend's stable `sort` and `cumsum` primitives. The
//! backward of `sort` and `topk` scatters the gradient back through the
//! returned indices; `cumsum`'s is a reversed cumsum.

use super::reduce::ValuesIndices;
use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::shape::normalize_dim;
use crate::{DType, Error, Result, Tensor};

impl Tensor {
    /// Stable sort along `d` outside the graph: (values, int64 indices).
    fn sort_raw(&self, d: usize, descending: bool) -> Result<(Tensor, Tensor)> {
        if self.dim() == 0 {
            let idx = Tensor::zeros_on(&[], DType::I64, self.device())?;
            return Ok((self.contiguous_copy()?, idx));
        }
        let (v, i) = self.storage().sort(self.layout(), d, descending)?;
        Ok((
            Tensor::from_contiguous(v, self.shape()),
            Tensor::from_contiguous(i, self.shape()),
        ))
    }

    /// Records `out` (a selection of `self`'s elements along `d` at
    /// `indices`) as `name`: the gradient lands back at those indices.
    fn record_selection(
        &self,
        out: Tensor,
        indices: &Tensor,
        d: usize,
        name: &'static str,
    ) -> Tensor {
        let saved = SavedTensor::new("indices", indices);
        let in_shape = self.shape().to_vec();
        record(out, name, &[self], vec![saved.clone()], move |g, _| {
            if in_shape.is_empty() {
                return Ok(vec![Some(g.clone())]);
            }
            let idx = saved.get(name)?;
            let z = Tensor::zeros_on(&in_shape, g.dtype(), g.device())?;
            Ok(vec![Some(z.scatter_add(d as i64, &idx, g)?)])
        })
    }

    /// `torch.sort(x, dim, descending, stable=True)`: always stable (ties
    /// keep their input order); NaN sorts as the largest value. Records
    /// `SortBackward0` on the values.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType};
    /// let x = Tensor::from_vec_f64(&[3.0, 1.0, 2.0], &[3], DType::F32)?;
    /// let s = x.sort(-1, false)?;
    /// assert_eq!(s.values.to_vec_f64()?, vec![1.0, 2.0, 3.0]);
    /// assert_eq!(s.indices.to_vec_i64()?, vec![1, 2, 0]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn sort(&self, dim: i64, descending: bool) -> Result<ValuesIndices> {
        let d = normalize_dim("sort", dim, self.dim())?;
        let (values, indices) = self.sort_raw(d, descending)?;
        let values = self.record_selection(values, &indices, d, "SortBackward0");
        Ok(ValuesIndices { values, indices })
    }

    /// `torch.argsort(x, dim, descending)`: the indices of a stable sort.
    pub fn argsort(&self, dim: i64, descending: bool) -> Result<Tensor> {
        let d = normalize_dim("argsort", dim, self.dim())?;
        Ok(self.sort_raw(d, descending)?.1)
    }

    /// `torch.topk(x, k, dim, largest, sorted)`: the `k` largest (or
    /// smallest) elements along `dim` and their indices. Results always come
    /// sorted, which `sorted=False` allows, so the flag changes nothing;
    /// among ties the lowest indices win (PyTorch leaves tie order
    /// unspecified). Records `TopkBackward0`.
    pub fn topk(&self, k: usize, dim: i64, largest: bool, _sorted: bool) -> Result<ValuesIndices> {
        let d = normalize_dim("topk", dim, self.dim())?;
        let size = self.shape().get(d).copied().unwrap_or(1);
        if k > size {
            return Err(Error::invalid("selected index k out of range"));
        }
        let (v, i) = self.sort_raw(d, largest)?;
        let (values, indices) = if self.dim() == 0 {
            (v, i)
        } else {
            (
                v.narrow(d as i64, 0, k)?.contiguous_copy()?,
                i.narrow(d as i64, 0, k)?.contiguous_copy()?,
            )
        };
        let values = self.record_selection(values, &indices, d, "TopkBackward0");
        Ok(ValuesIndices { values, indices })
    }

    /// `torch.cumsum(x, dim)`: running sums along `dim`. Integer and bool
    /// inputs give int64. Records `CumsumBackward0`.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType};
    /// let x = Tensor::from_vec_f64(&[1.0, 2.0, 3.0], &[3], DType::I32)?;
    /// let c = x.cumsum(0)?;
    /// assert_eq!((c.dtype(), c.to_vec_i64()?), (DType::I64, vec![1, 3, 6]));
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn cumsum(&self, dim: i64) -> Result<Tensor> {
        let d = normalize_dim("cumsum", dim, self.dim())?;
        let x = if self.dtype().is_float() {
            self.detach()
        } else {
            self.to_dtype(DType::I64)?
        };
        let out = if x.dim() == 0 {
            x.contiguous_copy()?
        } else {
            let s = x.storage().cumsum(x.layout(), d)?;
            Tensor::from_contiguous(s, x.shape())
        };
        Ok(record(
            out,
            "CumsumBackward0",
            &[self],
            vec![],
            move |g, _| {
                // out_j = sum_{i<=j} x_i, so dx_i = sum_{j>=i} g_j: a cumsum of
                // the gradient taken from the end.
                if g.dim() == 0 {
                    return Ok(vec![Some(g.clone())]);
                }
                let dd = [d as i64];
                Ok(vec![Some(g.flip(&dd)?.cumsum(d as i64)?.flip(&dd)?)])
            },
        ))
    }

    /// `torch.cumprod(x, dim)`: running products along `dim` (integer and
    /// bool inputs give int64). Built from `mul` and `cat` along the dim, so
    /// its gradient is exact also at zeros; the node is `CatBackward0`.
    pub fn cumprod(&self, dim: i64) -> Result<Tensor> {
        let d = normalize_dim("cumprod", dim, self.dim())?;
        let x = if self.dtype().is_float() {
            self.clone()
        } else {
            with_no_grad(|| self.to_dtype(DType::I64))?
        };
        if x.dim() == 0 || x.size_at(d) == 0 {
            return x.clone_tensor();
        }
        let n = x.size_at(d);
        let mut acc = x.narrow(d as i64, 0, 1)?;
        let mut parts = vec![acc.clone()];
        for j in 1..n {
            acc = acc.mul(&x.narrow(d as i64, j as i64, 1)?)?;
            parts.push(acc.clone());
        }
        Tensor::cat(&parts.iter().collect::<Vec<_>>(), d as i64)
    }
}
