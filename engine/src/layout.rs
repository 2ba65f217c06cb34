//! Strided views: a `Layout` is shape + strides (in elements) + offset into a
//! storage. Every view op (`permute`, `narrow`, `expand`, slicing, ...) is a
//! pure `Layout -> Layout` function here, so views never copy and the
//! backends only ever see (storage, layout) pairs.

use crate::shape::{checked_numel, checked_view_numel, contiguous_strides};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    shape: Vec<usize>,
    strides: Vec<usize>,
    offset: usize,
}

impl Layout {
    /// A row-major layout starting at offset 0.
    pub fn contiguous(shape: &[usize]) -> Self {
        Layout {
            strides: contiguous_strides(shape),
            shape: shape.to_vec(),
            offset: 0,
        }
    }

    pub fn new(shape: Vec<usize>, strides: Vec<usize>, offset: usize) -> Self {
        debug_assert_eq!(shape.len(), strides.len());
        Layout {
            shape,
            strides,
            offset,
        }
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements (saturating: a layout whose count overflows is
    /// refused where it is made, and a saturated count fails every
    /// allocation check instead of wrapping).
    pub fn numel(&self) -> usize {
        self.shape.iter().fold(1usize, |a, &d| a.saturating_mul(d))
    }

    /// Row-major contiguous (size-1 dims may have any stride, as in PyTorch).
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1usize;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] != 1 {
                if self.strides[i] != expected {
                    return false;
                }
                expected = expected.saturating_mul(self.shape[i]);
            }
        }
        true
    }

    /// The one-past-last storage element this layout can touch (0 if empty).
    pub fn max_extent(&self) -> usize {
        if self.shape.contains(&0) {
            return self.offset;
        }
        self.offset
            + self
                .shape
                .iter()
                .zip(&self.strides)
                .map(|(&d, &s)| (d - 1) * s)
                .sum::<usize>()
            + 1
    }

    /// Broadcasts to `shape` (trailing alignment; new and size-1 dims get
    /// stride 0). The caller has checked that the shapes broadcast.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Layout> {
        if shape.len() < self.ndim() {
            return Err(Error::shape(
                "expand",
                &self.shape,
                shape,
                format!(
                    "the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
                    shape.len(),
                    self.ndim()
                ),
            ));
        }
        let lead = shape.len() - self.ndim();
        let mut strides = vec![0; shape.len()];
        for i in 0..shape.len() {
            if i < lead {
                continue;
            }
            let (d, s) = (self.shape[i - lead], self.strides[i - lead]);
            strides[i] = if d == shape[i] {
                s
            } else if d == 1 {
                0
            } else {
                return Err(Error::shape(
                    "expand",
                    &self.shape,
                    shape,
                    format!(
                        "The expanded size of the tensor ({}) must match the existing size ({d}) at non-singleton dimension {i}.  Target sizes: {shape:?}.  Tensor sizes: {:?}",
                        shape[i], self.shape
                    ),
                ));
            };
        }
        checked_view_numel(shape)?;
        Ok(Layout::new(shape.to_vec(), strides, self.offset))
    }

    /// Reorders dims; `dims` is a permutation of `0..ndim` (checked).
    pub fn permute(&self, dims: &[usize]) -> Result<Layout> {
        let n = self.ndim();
        let mut seen = vec![false; n];
        if dims.len() != n {
            return Err(Error::invalid(format!(
                "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {}",
                dims.len()
            )));
        }
        for &d in dims {
            if d >= n || seen[d] {
                return Err(Error::invalid("permute(): duplicate dims are not allowed."));
            }
            seen[d] = true;
        }
        Ok(Layout::new(
            dims.iter().map(|&d| self.shape[d]).collect(),
            dims.iter().map(|&d| self.strides[d]).collect(),
            self.offset,
        ))
    }

    pub fn transpose(&self, a: usize, b: usize) -> Layout {
        let mut l = self.clone();
        l.shape.swap(a, b);
        l.strides.swap(a, b);
        l
    }

    /// Elements `start..start+len` of `dim` (bounds checked by the caller).
    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Layout {
        let mut l = self.clone();
        l.offset += start * l.strides[dim];
        l.shape[dim] = len;
        l
    }

    /// `start:stop:step` along `dim`, with `step > 0` and a clamped range.
    pub fn slice(&self, dim: usize, start: usize, stop: usize, step: usize) -> Layout {
        let mut l = self.clone();
        let len = if stop > start {
            (stop - start).div_ceil(step)
        } else {
            0
        };
        if len > 0 {
            l.offset += start * l.strides[dim];
        }
        l.shape[dim] = len;
        l.strides[dim] = l.strides[dim].saturating_mul(step);
        l
    }

    /// Index `i` of `dim`, removing the dim.
    pub fn select(&self, dim: usize, i: usize) -> Layout {
        let mut l = self.clone();
        l.offset += i * l.strides[dim];
        l.shape.remove(dim);
        l.strides.remove(dim);
        l
    }

    pub fn unsqueeze(&self, dim: usize) -> Layout {
        let mut l = self.clone();
        let stride = if dim < l.ndim() {
            l.strides[dim].saturating_mul(l.shape[dim])
        } else {
            1
        };
        l.shape.insert(dim, 1);
        l.strides.insert(dim, stride);
        l
    }

    /// Removes `dim` if it has size 1 (a no-op otherwise, as in PyTorch).
    pub fn squeeze(&self, dim: usize) -> Layout {
        let mut l = self.clone();
        if l.shape.get(dim) == Some(&1) {
            l.shape.remove(dim);
            l.strides.remove(dim);
        }
        l
    }

    /// A view with a new shape of the same numel, without copying, if the
    /// strides allow it (PyTorch's `computeStride`); `None` means "copy".
    pub fn view(&self, shape: &[usize]) -> Option<Layout> {
        let numel = self.numel();
        if checked_numel(shape).ok()? != numel {
            return None;
        }
        if numel == 0 || self.is_contiguous() {
            let mut l = Layout::contiguous(shape);
            l.offset = self.offset;
            return Some(l);
        }
        // Walk old dims from the back, grouping them into contiguous chunks
        // and matching each chunk against a run of new dims of equal numel.
        let mut new_strides = vec![0usize; shape.len()];
        let mut view_d = shape.len() as isize - 1;
        let mut chunk_base_stride = *self.strides.last()?;
        let mut tensor_numel = 1usize;
        let mut view_numel = 1usize;
        for tensor_d in (0..self.ndim()).rev() {
            tensor_numel *= self.shape[tensor_d];
            let chunk_ends = tensor_d == 0
                || (self.shape[tensor_d - 1] != 1
                    && self.strides[tensor_d - 1] != tensor_numel * chunk_base_stride);
            if chunk_ends {
                while view_d >= 0 && (view_numel < tensor_numel || shape[view_d as usize] == 1) {
                    new_strides[view_d as usize] = view_numel * chunk_base_stride;
                    view_numel *= shape[view_d as usize];
                    view_d -= 1;
                }
                if view_numel != tensor_numel {
                    return None;
                }
                if tensor_d > 0 {
                    chunk_base_stride = self.strides[tensor_d - 1];
                    tensor_numel = 1;
                    view_numel = 1;
                }
            }
        }
        if view_d != -1 {
            return None;
        }
        Some(Layout::new(shape.to_vec(), new_strides, self.offset))
    }

    /// Storage offsets of every element in row-major order (slow path and
    /// tests; kernels use `storage::cpu::iter`).
    pub fn offsets(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.numel());
        self.push_offsets(&mut out);
        out
    }

    /// [`Layout::offsets`] allocated fallibly (a reduction over a huge
    /// expanded view asks for one offset per reduced element).
    pub fn try_offsets(&self) -> Result<Vec<usize>> {
        let mut out = crate::storage::cpu::pool::try_alloc(self.numel())?;
        self.push_offsets(&mut out);
        Ok(out)
    }

    fn push_offsets(&self, out: &mut Vec<usize>) {
        if self.numel() == 0 {
            return;
        }
        let n = self.ndim();
        let mut idx = vec![0usize; n];
        let mut off = self.offset;
        loop {
            out.push(off);
            let mut d = n;
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                idx[d] += 1;
                off += self.strides[d];
                if idx[d] < self.shape[d] {
                    break;
                }
                off -= self.strides[d] * self.shape[d];
                idx[d] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_compose_without_copy() {
        let l = Layout::contiguous(&[2, 3, 4]);
        let t = l.transpose(0, 2);
        assert_eq!(t.shape(), &[4, 3, 2]);
        assert_eq!(t.strides(), &[1, 4, 12]);
        assert!(!t.is_contiguous());
        let n = l.narrow(1, 1, 2);
        assert_eq!(n.offset(), 4);
        assert_eq!(
            n.offsets(),
            vec![4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23]
        );
        let s = Layout::contiguous(&[10]).slice(0, 1, 8, 3);
        assert_eq!(s.offsets(), vec![1, 4, 7]);
    }

    #[test]
    fn view_follows_compute_stride() {
        let l = Layout::contiguous(&[4, 6]);
        // Splitting a dim of a transposed tensor works ...
        let t = l.transpose(0, 1); // shape [6,4], strides [1,6]
        let v = t.view(&[2, 3, 4]).unwrap();
        assert_eq!(v.strides(), &[3, 1, 6]);
        // ... merging non-adjacent memory does not.
        assert!(t.view(&[24]).is_none());
        let e = l.broadcast_to(&[3, 4, 6]).unwrap();
        assert_eq!(e.strides(), &[0, 6, 1]);
        assert!(Layout::contiguous(&[2, 3]).broadcast_to(&[3, 3]).is_err());
    }
}
