//! Joining, splitting and masking: `cat`, `stack`, `hstack`, `vstack`,
//! `split`, `split_sizes`, `chunk`, `repeat`, `tril`, `triu`, `flip`.
//!
//! Joins copy each input into its slice of one new buffer and record one
//! node (`CatBackward0`, `StackBackward0`) whose backward hands each input
//! its slice of the gradient. Splits are narrow views; each output carries
//! its own node that writes the gradient into zeros at its offset, so a
//! gradient is right whichever outputs the loss uses.

use super::same_device;
use crate::autograd::{record, with_no_grad};
use crate::shape::{normalize_dim, normalize_dims, normalize_insert_dim};
use crate::{DType, Error, Result, Tensor};

/// `[2, 3]` as PyTorch prints sizes in messages.
fn fmt_shape(s: &[usize]) -> String {
    format!(
        "[{}]",
        s.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// PyTorch's legacy rule: a 1-D tensor of size 0 is skipped by `cat`
/// whatever the other inputs' ranks.
fn is_legacy_empty(t: &Tensor) -> bool {
    t.dim() == 1 && t.numel() == 0
}

impl Tensor {
    /// `torch.cat(tensors, dim)`: joins along an existing dim. Dtypes promote
    /// across the inputs; 1-D empty tensors are skipped (PyTorch's legacy
    /// rule). Records `CatBackward0`.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType};
    /// let a = Tensor::from_vec_f64(&[1.0, 2.0], &[1, 2], DType::F32)?;
    /// let b = Tensor::from_vec_f64(&[3.0, 4.0], &[1, 2], DType::F32)?;
    /// let c = Tensor::cat(&[&a, &b], -1)?;
    /// assert_eq!(c.shape(), &[1, 4]);
    /// assert_eq!(c.to_vec_f64()?, vec![1.0, 2.0, 3.0, 4.0]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn cat(tensors: &[&Tensor], dim: i64) -> Result<Tensor> {
        if tensors.is_empty() {
            return Err(Error::invalid(
                "torch.cat(): expected a non-empty list of Tensors",
            ));
        }
        let device = same_device("cat", tensors)?;
        let dtype = tensors
            .iter()
            .map(|t| t.dtype())
            .reduce(DType::promote)
            .expect("the list is non-empty");
        for (i, t) in tensors.iter().enumerate() {
            if t.dim() == 0 {
                return Err(Error::invalid(format!(
                    "zero-dimensional tensor (at position {i}) cannot be concatenated"
                )));
            }
        }
        let Some(reference) = tensors.iter().position(|t| !is_legacy_empty(t)) else {
            // Every input is a legacy empty tensor: the result is one too.
            let out = Tensor::zeros_on(&[0], dtype, device)?;
            normalize_dim("cat", dim, 1)?;
            return Ok(out);
        };
        let ref_shape = tensors[reference].shape().to_vec();
        let d = normalize_dim("cat", dim, ref_shape.len())?;
        let mut total = 0usize;
        for (i, t) in tensors.iter().enumerate() {
            if is_legacy_empty(t) {
                continue;
            }
            if t.dim() != ref_shape.len() {
                return Err(Error::shape(
                    "cat",
                    &ref_shape,
                    t.shape(),
                    format!(
                        "Tensors must have same number of dimensions: got {} and {}",
                        ref_shape.len(),
                        t.dim()
                    ),
                ));
            }
            for (k, (&a, &b)) in ref_shape.iter().zip(t.shape()).enumerate() {
                if k != d && a != b {
                    return Err(Error::shape(
                        "cat",
                        &ref_shape,
                        t.shape(),
                        format!(
                            "Sizes of tensors must match except in dimension {d}. Expected size {a} but got size {b} for tensor number {i} in the list."
                        ),
                    ));
                }
            }
            total += t.size_at(d);
        }
        let mut shape = ref_shape;
        shape[d] = total;
        let out = Tensor::zeros_on(&shape, dtype, device)?;
        // (offset along `d`, size) of each input; legacy empties get none.
        let mut spans: Vec<Option<(usize, usize)>> = Vec::with_capacity(tensors.len());
        let mut offset = 0usize;
        for t in tensors {
            if is_legacy_empty(t) {
                spans.push(None);
                continue;
            }
            let len = t.size_at(d);
            spans.push(Some((offset, len)));
            if len > 0 {
                let src = t.detach().to_dtype(dtype)?;
                let dst = out.layout().narrow(d, offset, len);
                out.storage_mut()
                    .copy_into(&dst, &src.storage(), src.layout())?;
            }
            offset += len;
        }
        let in_dtypes: Vec<DType> = tensors.iter().map(|t| t.dtype()).collect();
        Ok(record(
            out,
            "CatBackward0",
            tensors,
            vec![],
            move |g, need| {
                spans
                    .iter()
                    .zip(need)
                    .zip(&in_dtypes)
                    .map(|((span, &need), &dt)| {
                        if !need {
                            return Ok(None);
                        }
                        let gi = match span {
                            Some((off, len)) => g.narrow(d as i64, *off as i64, *len)?,
                            None => Tensor::zeros_on(&[0], g.dtype(), g.device())?,
                        };
                        Ok(Some(gi.to_dtype(dt)?))
                    })
                    .collect()
            },
        ))
    }

    /// `torch.stack(tensors, dim)`: joins along a new dim; every input must
    /// have the same shape. Records `StackBackward0`.
    pub fn stack(tensors: &[&Tensor], dim: i64) -> Result<Tensor> {
        let Some(first) = tensors.first() else {
            return Err(Error::invalid("stack expects a non-empty TensorList"));
        };
        for (i, t) in tensors.iter().enumerate() {
            if t.shape() != first.shape() {
                return Err(Error::shape(
                    "stack",
                    first.shape(),
                    t.shape(),
                    format!(
                        "stack expects each tensor to be equal size, but got {} at entry 0 and {} at entry {i}",
                        fmt_shape(first.shape()),
                        fmt_shape(t.shape())
                    ),
                ));
            }
        }
        let d = normalize_insert_dim("stack", dim, first.dim())?;
        let out = with_no_grad(|| -> Result<Tensor> {
            let parts = tensors
                .iter()
                .map(|t| t.detach().unsqueeze(d as i64))
                .collect::<Result<Vec<_>>>()?;
            Tensor::cat(&parts.iter().collect::<Vec<_>>(), d as i64)
        })?;
        let in_dtypes: Vec<DType> = tensors.iter().map(|t| t.dtype()).collect();
        Ok(record(
            out,
            "StackBackward0",
            tensors,
            vec![],
            move |g, need| {
                need.iter()
                    .zip(&in_dtypes)
                    .enumerate()
                    .map(|(i, (&need, &dt))| {
                        if !need {
                            return Ok(None);
                        }
                        Ok(Some(g.select(d as i64, i as i64)?.to_dtype(dt)?))
                    })
                    .collect()
            },
        ))
    }

    /// `torch.hstack(tensors)`: `cat` along dim 1, or dim 0 for 1-D inputs
    /// (0-d inputs count as 1-D).
    pub fn hstack(tensors: &[&Tensor]) -> Result<Tensor> {
        if tensors.is_empty() {
            return Err(Error::invalid("hstack expects a non-empty TensorList"));
        }
        let parts = tensors
            .iter()
            .map(|t| t.atleast_1d())
            .collect::<Result<Vec<_>>>()?;
        let dim = if parts[0].dim() == 1 { 0 } else { 1 };
        Tensor::cat(&parts.iter().collect::<Vec<_>>(), dim)
    }

    /// `torch.vstack(tensors)`: `cat` along dim 0 after viewing 0-d and 1-D
    /// inputs as rows (`atleast_2d`).
    pub fn vstack(tensors: &[&Tensor]) -> Result<Tensor> {
        if tensors.is_empty() {
            return Err(Error::invalid("vstack expects a non-empty TensorList"));
        }
        let parts = tensors
            .iter()
            .map(|t| t.atleast_2d())
            .collect::<Result<Vec<_>>>()?;
        Tensor::cat(&parts.iter().collect::<Vec<_>>(), 0)
    }

    /// `torch.atleast_1d(x)`: 0-d becomes shape `[1]`, others unchanged.
    pub fn atleast_1d(&self) -> Result<Tensor> {
        if self.dim() == 0 {
            self.reshape(&[1])
        } else {
            Ok(self.clone())
        }
    }

    /// `torch.atleast_2d(x)`: 0-d becomes `[1, 1]`, 1-D `[n]` becomes `[1, n]`.
    pub fn atleast_2d(&self) -> Result<Tensor> {
        match self.dim() {
            0 => self.reshape(&[1, 1]),
            1 => self.unsqueeze(0),
            _ => Ok(self.clone()),
        }
    }

    /// A narrow view along `d` recorded as `name`; its backward writes the
    /// gradient into zeros of the input's shape at the same place.
    fn split_view(&self, d: usize, start: usize, len: usize, name: &'static str) -> Tensor {
        let out = self.alias(self.layout().narrow(d, start, len));
        let base = self
            .meta()
            .view_base
            .clone()
            .unwrap_or_else(|| self.clone());
        out.meta().view_base = Some(base);
        let in_shape = self.shape().to_vec();
        record(out, name, &[self], vec![], move |g, _| {
            let z = Tensor::zeros_on(&in_shape, g.dtype(), g.device())?;
            let dst = z.layout().narrow(d, start, len);
            z.storage_mut()
                .copy_into(&dst, &g.storage(), &g.layout().clone())?;
            Ok(vec![Some(z)])
        })
    }

    /// `torch.split(x, split_size, dim)`: views of `split_size` along `dim`,
    /// the last one shorter when the size does not divide. Each output
    /// records `SplitBackward0`.
    pub fn split(&self, split_size: usize, dim: i64) -> Result<Vec<Tensor>> {
        if self.dim() == 0 {
            return Err(Error::invalid(
                "split expects at least a 1-dimensional tensor",
            ));
        }
        let d = normalize_dim("split", dim, self.dim())?;
        let n = self.size_at(d);
        if split_size == 0 && n != 0 {
            return Err(Error::invalid(format!(
                "split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )));
        }
        let chunks = if split_size == 0 {
            1
        } else {
            n.div_ceil(split_size).max(1)
        };
        check_views(chunks)?;
        Ok((0..chunks)
            .map(|i| {
                let start = i * split_size;
                let len = split_size.min(n - start);
                self.split_view(d, start, len, "SplitBackward0")
            })
            .collect())
    }

    /// `torch.split(x, [sizes], dim)`: views of the given sizes, which must
    /// add up to the size of `dim`. Each output records
    /// `SplitWithSizesBackward0`.
    pub fn split_sizes(&self, sizes: &[usize], dim: i64) -> Result<Vec<Tensor>> {
        if self.dim() == 0 {
            return Err(Error::invalid(
                "split expects at least a 1-dimensional tensor",
            ));
        }
        let d = normalize_dim("split_with_sizes", dim, self.dim())?;
        let n = self.size_at(d);
        check_views(sizes.len())?;
        let total = sizes
            .iter()
            .try_fold(0usize, |a, &s| a.checked_add(s))
            .unwrap_or(usize::MAX);
        if total != n {
            return Err(Error::invalid(format!(
                "split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), but got split_sizes={}",
                fmt_shape(sizes)
            )));
        }
        let mut start = 0;
        Ok(sizes
            .iter()
            .map(|&len| {
                let v = self.split_view(d, start, len, "SplitWithSizesBackward0");
                start += len;
                v
            })
            .collect())
    }

    /// `torch.chunk(x, chunks, dim)`: `split` with size `ceil(n / chunks)`,
    /// so fewer than `chunks` pieces can come back (6 into 4 gives 3).
    pub fn chunk(&self, chunks: usize, dim: i64) -> Result<Vec<Tensor>> {
        if self.dim() == 0 {
            return Err(Error::invalid(
                "chunk expects at least a 1-dimensional tensor",
            ));
        }
        if chunks == 0 {
            return Err(Error::invalid(
                "chunk expects `chunks` to be greater than 0, got: 0",
            ));
        }
        let d = normalize_dim("chunk", dim, self.dim())?;
        let n = self.size_at(d);
        if n == 0 {
            // PyTorch returns `chunks` empty pieces here.
            check_views(chunks)?;
            return self.split_sizes(&vec![0; chunks], d as i64);
        }
        self.split(n.div_ceil(chunks), d as i64)
    }

    /// `x.repeat_interleave(repeats, dim)`: each slice along `dim` (each
    /// element of the flattened tensor when `dim` is None) repeated, one
    /// count for all (`repeats` of length 1) or one per slice. Made of
    /// `index_select`, so the gradient sums the copies.
    pub fn repeat_interleave(&self, repeats: &[usize], dim: Option<i64>) -> Result<Tensor> {
        let (x, d) = match dim {
            Some(d) => (
                self.clone(),
                normalize_dim("repeat_interleave", d, self.dim().max(1))?,
            ),
            None => (self.reshape(&[-1])?, 0),
        };
        let x = if x.dim() == 0 { x.reshape(&[1])? } else { x };
        let n = x.size_at(d);
        if repeats.len() != 1 && repeats.len() != n {
            return Err(Error::invalid(format!(
                "repeats must have the same size as input along dim, but got repeats.size(0) = {} and input.size({d}) = {n}",
                repeats.len()
            )));
        }
        if let [r] = repeats {
            // One count for all, as PyTorch: unsqueeze, expand, copy, view
            // (so the node is `ViewBackward0`).
            let mut wide: Vec<i64> = x.shape().iter().map(|&s| s as i64).collect();
            wide.insert(d + 1, *r as i64);
            let mut out: Vec<i64> = x.shape().iter().map(|&s| s as i64).collect();
            out[d] = out[d].saturating_mul(*r as i64);
            crate::shape::checked_numel(&out.iter().map(|&s| s as usize).collect::<Vec<_>>())?;
            return x
                .unsqueeze(d as i64 + 1)?
                .expand(&wide)?
                .contiguous()?
                .view(&out);
        }
        let count = |i: usize| repeats[i];
        let total = (0..n).try_fold(0usize, |acc, i| acc.checked_add(count(i)));
        let total = total.ok_or_else(|| Error::invalid("repeat_interleave: too many repeats"))?;
        let mut idx: Vec<i64> = Vec::with_capacity(total);
        for i in 0..n {
            idx.extend(std::iter::repeat(i as i64).take(count(i)));
        }
        let index = Tensor::from_vec(idx, &[total])?;
        x.index_select(d as i64, &index)
    }

    /// `x.repeat(*repeats)`: tiles the tensor; `repeats` may have more
    /// entries than `x` has dims (leading ones are added). Records
    /// `RepeatBackward0`.
    pub fn repeat(&self, repeats: &[usize]) -> Result<Tensor> {
        if repeats.len() < self.dim() {
            return Err(Error::invalid(
                "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
            ));
        }
        let lead = repeats.len() - self.dim();
        let mut padded = vec![1usize; lead];
        padded.extend_from_slice(self.shape());
        // [r0, s0, r1, s1, ..]: each size dim preceded by its repeat count.
        let interleaved: Vec<usize> = repeats
            .iter()
            .zip(&padded)
            .flat_map(|(&r, &s)| [r, s])
            .collect();
        let out_shape: Vec<usize> = repeats
            .iter()
            .zip(&padded)
            .map(|(r, s)| r.saturating_mul(*s))
            .collect();
        crate::shape::checked_numel(&out_shape)?;
        let out = with_no_grad(|| -> Result<Tensor> {
            let mut x = self.detach().reshape_to(&padded)?;
            for k in 0..padded.len() {
                x = x.unsqueeze(2 * k as i64)?;
            }
            x.broadcast_to(&interleaved)?
                .contiguous_copy()?
                .reshape_to(&out_shape)
        })?;
        let in_shape = self.shape().to_vec();
        let rep_dims: Vec<i64> = (0..repeats.len()).map(|k| 2 * k as i64).collect();
        Ok(record(
            out,
            "RepeatBackward0",
            &[self],
            vec![],
            move |g, _| {
                // d out / d x sums the gradient over every tile.
                let g = g.reshape_to(&interleaved)?;
                let g = if rep_dims.is_empty() {
                    g
                } else {
                    g.sum_dims(&rep_dims, false)?
                };
                Ok(vec![Some(g.reshape_to(&in_shape)?)])
            },
        ))
    }

    /// The `[rows, cols]` bool mask of the last two dims kept by `tril`
    /// (`upper = false`) or `triu` (`upper = true`).
    fn triangle_mask(&self, op: &'static str, diagonal: i64, upper: bool) -> Result<Tensor> {
        if self.dim() < 2 {
            return Err(Error::invalid(format!(
                "{op}: input tensor must have at least 2 dimensions"
            )));
        }
        let (m, n) = (self.shape()[self.dim() - 2], self.shape()[self.dim() - 1]);
        let mut keep: Vec<bool> =
            crate::storage::cpu::pool::try_alloc(crate::shape::checked_numel(&[m, n])?)?;
        keep.extend((0..m * n).map(|p| {
            let off = (p % n) as i64 - (p / n) as i64;
            if upper {
                off >= diagonal
            } else {
                off <= diagonal
            }
        }));
        Tensor::from_vec(keep, &[m, n])?.to_device(self.device())
    }

    fn triangle(&self, op: &'static str, diagonal: i64, upper: bool) -> Result<Tensor> {
        let mask = self.triangle_mask(op, diagonal, upper)?;
        // `where`, not a product with the mask: NaN and inf outside the
        // triangle become exact zeros, as in PyTorch.
        let zero = Tensor::zeros_on(&[], self.dtype(), self.device())?;
        let out = with_no_grad(|| Tensor::where_cond(&mask, &self.detach(), &zero))?;
        let name = if upper {
            "TriuBackward0"
        } else {
            "TrilBackward0"
        };
        Ok(record(out, name, &[self], vec![], move |g, _| {
            let z = Tensor::zeros_on(&[], g.dtype(), g.device())?;
            Ok(vec![Some(Tensor::where_cond(&mask, g, &z)?)])
        }))
    }

    /// `torch.tril(x, diagonal)`: zeros above the `diagonal`-th diagonal of
    /// the last two dims. Records `TrilBackward0`.
    pub fn tril(&self, diagonal: i64) -> Result<Tensor> {
        self.triangle("tril", diagonal, false)
    }

    /// `torch.triu(x, diagonal)`: zeros below the `diagonal`-th diagonal of
    /// the last two dims. Records `TriuBackward0`.
    pub fn triu(&self, diagonal: i64) -> Result<Tensor> {
        self.triangle("triu", diagonal, true)
    }

    /// `torch.flip(x, dims)`: reverses the order along each of `dims` (a
    /// copy, as in PyTorch). Records `FlipBackward0`.
    pub fn flip(&self, dims: &[i64]) -> Result<Tensor> {
        let ds = normalize_dims("flip", dims, self.dim())?;
        let out = with_no_grad(|| -> Result<Tensor> {
            let mut x = self.detach();
            for &d in &ds {
                if self.dim() == 0 || self.numel() == 0 {
                    break;
                }
                let n = x.size_at(d);
                let mut rev: Vec<i64> = crate::storage::cpu::pool::try_alloc(n)?;
                rev.extend((0..n as i64).rev());
                let idx = Tensor::from_vec(rev, &[n])?.to_device(x.device())?;
                x = x.index_select(d as i64, &idx)?;
            }
            x.contiguous_copy()
        })?;
        let dims = dims.to_vec();
        Ok(record(
            out,
            "FlipBackward0",
            &[self],
            vec![],
            move |g, _| Ok(vec![Some(g.flip(&dims)?)]),
        ))
    }
}

/// Errors unless `n` views (a split's pieces) fit in memory: a split of an
/// empty tensor with a huge dim asks for one per element.
fn check_views(n: usize) -> Result<()> {
    // (a view's handle, layout and autograd node: well under 1 KiB)
    crate::storage::cpu::check_bytes(n as u128 * 1024)
}
