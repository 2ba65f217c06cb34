//! Python's `x[...]` and `x[...] = v`: PyTorch/numpy indexing over a list
//! of [`TensorIndex`] items, plus `nonzero` and `masked_select`.
//!
//! Indexing runs in two stages, as in ATen:
//! 1. *Basic* items (ints, positive-step slices, `None`, `...`) become a
//!    chain of `select` / `slice` / `unsqueeze` views, so `x[1:3]` aliases
//!    `x` and records `SliceBackward0`.
//! 2. *Advanced* items (int64 tensors, bool masks turned into int64 columns
//!    of their `nonzero()`) broadcast together to a shape `B`. The indexed
//!    dims are moved to the front, flattened into one linear index, and
//!    gathered with `index_select`; `B` replaces the indexed dims where they
//!    stood if they were adjacent, else it goes first (numpy's rule). Ints
//!    are applied as `select` before this stage, as PyTorch does, so they
//!    never separate tensor indices. The backward (`IndexBackward0`)
//!    scatter-adds the gradient into zeros through the same linear index,
//!    so duplicate indices accumulate.
//!
//! `index_put_` reuses both stages: basic assignment writes through the
//! view's layout, advanced assignment scatters into a contiguous copy of
//! the indexed view and writes it back. Its autograd (rebasing `self`'s
//! history) is the in-place machinery of `inplace.rs`.

use std::sync::Arc;

pub use super::pyindex::{python_index, PyIndex};
use super::sum_to_shape;
use crate::autograd::{is_grad_enabled, no_grad, record, with_no_grad};
use crate::shape::broadcast_shapes;
use crate::{DType, Error, Layout, Result, Tensor};

/// One item of a Python index tuple: `x[1, 2:5, None, ..., idx]`.
#[derive(Clone)]
pub enum TensorIndex {
    /// `x[i]` (negative counts from the end): removes the dim.
    Int(i64),
    /// `x[start:stop:step]` with Python's clamping; `step` must be positive.
    Slice {
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    },
    /// `x[None]`: inserts a dim of size 1.
    NewAxis,
    /// `x[...]`: as many full slices as the other items leave dims.
    Ellipsis,
    /// An int64/int32 tensor (advanced indexing) or a bool mask.
    Tensor(Tensor),
}

impl TensorIndex {
    /// `start:stop:step`.
    pub fn slice(start: Option<i64>, stop: Option<i64>, step: i64) -> Self {
        TensorIndex::Slice { start, stop, step }
    }

    /// `:`, the full slice.
    pub fn full() -> Self {
        TensorIndex::Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }

    fn is_basic(&self) -> bool {
        !matches!(self, TensorIndex::Tensor(_))
    }
}

impl From<i64> for TensorIndex {
    fn from(i: i64) -> Self {
        TensorIndex::Int(i)
    }
}

impl From<&Tensor> for TensorIndex {
    fn from(t: &Tensor) -> Self {
        TensorIndex::Tensor(t.clone())
    }
}

/// The advanced part of an index: which dims of the basic view are indexed
/// and the flattened (row-major over the indexed sizes) position each
/// element of the broadcast index shape `bshape` reads.
struct Advanced {
    dims: Vec<usize>,
    lin: Vec<i64>,
    bshape: Vec<usize>,
    /// The indexed dims are consecutive: `B` stays where they were.
    adjacent: bool,
    /// Shape of the basic view the dims refer to.
    view_shape: Vec<usize>,
}

impl Advanced {
    fn new(view_shape: &[usize], items: Vec<(usize, Tensor)>) -> Result<Advanced> {
        let mut bshape: Vec<usize> = Vec::new();
        for (_, t) in &items {
            bshape = broadcast_shapes("index", &bshape, t.shape()).map_err(|_| {
                Error::invalid(format!(
                    "shape mismatch: indexing tensors could not be broadcast together with shapes {}",
                    items
                        .iter()
                        .map(|(_, t)| format!("{:?}", t.shape()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        }
        let n = crate::shape::checked_numel(&bshape)?;
        let mut lin = crate::storage::cpu::pool::try_filled(n, 0i64)?;
        for (d, t) in &items {
            let size = view_shape[*d] as i64;
            let vals = t.broadcast_to(&bshape)?.to_vec_i64()?;
            for (acc, &v) in lin.iter_mut().zip(&vals) {
                if v < -size || v >= size {
                    return Err(Error::IndexOutOfRange {
                        op: "index",
                        index: v,
                        dim: *d,
                        size: size as usize,
                    });
                }
                let v = if v < 0 { v + size } else { v };
                // (wraps only for an empty view, whose output reads nothing)
                *acc = acc.wrapping_mul(size).wrapping_add(v);
            }
        }
        let dims: Vec<usize> = items.iter().map(|(d, _)| *d).collect();
        let adjacent = dims.windows(2).all(|w| w[1] == w[0] + 1);
        Ok(Advanced {
            dims,
            lin,
            bshape,
            adjacent,
            view_shape: view_shape.to_vec(),
        })
    }

    /// Indexed dims first, the others after, in order.
    fn perm(&self) -> Vec<usize> {
        let mut p = self.dims.clone();
        p.extend((0..self.view_shape.len()).filter(|d| !self.dims.contains(d)));
        p
    }

    fn rest(&self) -> Vec<usize> {
        (0..self.view_shape.len())
            .filter(|d| !self.dims.contains(d))
            .map(|d| self.view_shape[d])
            .collect()
    }

    /// Where `B` lands in the output: at the first indexed dim if the
    /// indexed dims are adjacent, else in front.
    fn bpos(&self) -> usize {
        if self.adjacent {
            self.dims[0]
        } else {
            0
        }
    }

    fn out_shape(&self) -> Vec<usize> {
        let mut s = self.rest();
        let at = self.bpos();
        s.splice(at..at, self.bshape.iter().copied());
        s
    }

    /// `[B.., rest..]` -> output order (`B` moved to `bpos`).
    fn front_to_place(&self, t: &Tensor) -> Result<Tensor> {
        let (nb, at) = (self.bshape.len(), self.bpos());
        if at == 0 {
            return Ok(t.clone());
        }
        let mut p: Vec<i64> = (nb..nb + at).map(|d| d as i64).collect();
        p.extend((0..nb).map(|d| d as i64));
        p.extend((nb + at..t.dim()).map(|d| d as i64));
        t.permute(&p)
    }

    /// Output order -> a contiguous `[numel(B), rest..]`.
    fn to_front(&self, t: &Tensor) -> Result<Tensor> {
        let (nb, at) = (self.bshape.len(), self.bpos());
        let moved = if at == 0 {
            t.clone()
        } else {
            let mut p: Vec<i64> = (at..at + nb).map(|d| d as i64).collect();
            p.extend((0..at).map(|d| d as i64));
            p.extend((at + nb..t.dim()).map(|d| d as i64));
            t.permute(&p)?
        };
        let mut shape = vec![self.lin.len()];
        shape.extend(self.rest());
        moved.contiguous_copy()?.reshape_to(&shape)
    }

    /// The view's indexed dims moved to the front and flattened:
    /// a contiguous `[prod(indexed sizes), rest..]` copy.
    fn flat_source(&self, view: &Tensor) -> Result<Tensor> {
        let p: Vec<i64> = self.perm().iter().map(|&d| d as i64).collect();
        let mut shape = vec![self.indexed_numel()];
        shape.extend(self.rest());
        view.permute(&p)?.contiguous_copy()?.reshape_to(&shape)
    }

    fn indexed_numel(&self) -> usize {
        self.dims
            .iter()
            .fold(1usize, |a, &d| a.saturating_mul(self.view_shape[d]))
    }

    fn lin_tensor(&self, device: crate::Device) -> Result<Tensor> {
        Tensor::from_vec(self.lin.clone(), &[self.lin.len()])?.to_device(device)
    }

    /// `view[index]` (no autograd).
    fn gather(&self, view: &Tensor) -> Result<Tensor> {
        let _g = no_grad();
        // A reshape, not a copy, when the view allows it (`W[idx]` on a
        // contiguous `W` reads only the selected rows).
        let p: Vec<i64> = self.perm().iter().map(|&d| d as i64).collect();
        let mut shape = vec![self.indexed_numel()];
        shape.extend(self.rest());
        let src = view.permute(&p)?.reshape_to(&shape)?;
        let rows = src.index_select(0, &self.lin_tensor(view.device())?)?;
        let mut shape = self.bshape.clone();
        shape.extend(self.rest());
        self.front_to_place(&rows.reshape_to(&shape)?)
    }

    /// Writes (or adds) `vals` (`[numel(B), rest..]`, contiguous, the
    /// destination's dtype) into the contiguous `flat` (`[prod, rest..]`).
    fn scatter_rows(&self, flat: &Tensor, vals: &Tensor, accumulate: bool) -> Result<()> {
        let _g = no_grad();
        let mut ishape = vec![1usize; vals.dim()];
        ishape[0] = self.lin.len();
        let idx = self
            .lin_tensor(flat.device())?
            .reshape_to(&ishape)?
            .broadcast_to(vals.shape())?
            .contiguous_copy()?;
        let (is, vs) = (idx.storage(), vals.storage());
        let mut dst = flat.storage_mut();
        dst.scatter(
            flat.shape(),
            0,
            &is,
            idx.layout(),
            &vs,
            vals.layout(),
            accumulate,
        )
    }

    /// IndexBackward0: the output gradient scatter-added into zeros of the
    /// view's shape (duplicates accumulate).
    fn grad_to_view(&self, g: &Tensor) -> Result<Tensor> {
        let _g = no_grad();
        let mut shape = vec![self.indexed_numel()];
        shape.extend(self.rest());
        let z = Tensor::zeros_on(&shape, g.dtype(), g.device())?;
        self.scatter_rows(&z, &self.to_front(g)?, true)?;
        self.unflatten_back(&z)
    }

    /// `[prod, rest..]` -> the view's shape and dim order.
    fn unflatten_back(&self, flat: &Tensor) -> Result<Tensor> {
        let perm = self.perm();
        let permuted: Vec<usize> = perm.iter().map(|&d| self.view_shape[d]).collect();
        let mut inv = vec![0i64; perm.len()];
        for (i, &d) in perm.iter().enumerate() {
            inv[d] = i as i64;
        }
        flat.reshape_to(&permuted)?.permute(&inv)
    }
}

/// The result of the basic stage: the view, and the advanced items with the
/// dim of the view each one indexes.
struct Basic {
    view: Tensor,
    tensors: Vec<(usize, Tensor)>,
    /// Whether any select/slice/unsqueeze was applied.
    moved: bool,
}

fn bool_to_index(value: bool, device: crate::Device) -> Result<Tensor> {
    let v: Vec<i64> = if value { vec![0] } else { vec![] };
    let n = v.len();
    Tensor::from_vec(v, &[n])?.to_device(device)
}

impl Tensor {
    /// The basic stage: ints, slices, `None`, `...` as views; tensor items
    /// collected with the dim they index (masks already expanded).
    fn apply_basic(&self, indices: &[TensorIndex]) -> Result<Basic> {
        let mut consumed = 0usize;
        let mut ellipses = 0;
        for it in indices {
            match it {
                TensorIndex::Int(_) | TensorIndex::Slice { .. } => consumed += 1,
                TensorIndex::Ellipsis => ellipses += 1,
                TensorIndex::NewAxis => {}
                TensorIndex::Tensor(t) => {
                    consumed +=
                        match t.dtype() {
                            DType::Bool => t.dim(),
                            DType::I64 | DType::I32 => 1,
                            _ => return Err(Error::invalid(
                                "tensors used as indices must be long, int, byte or bool tensors",
                            )),
                        }
                }
            }
        }
        if ellipses > 1 {
            return Err(Error::invalid(
                "an index can only have a single ellipsis ('...')",
            ));
        }
        if self.dim() == 0 && indices.iter().any(|i| matches!(i, TensorIndex::Int(_))) {
            return Err(Error::InvalidIndex("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number".into()));
        }
        if consumed > self.dim() {
            return Err(Error::InvalidIndex(format!(
                "too many indices for tensor of dimension {}",
                self.dim()
            )));
        }
        let mut r = self.clone();
        let mut d = 0usize; // current dim of r
        let mut real = 0usize; // dim of self the next consuming item refers to
        let mut tensors = Vec::new();
        let mut moved = false;
        for it in indices {
            match it {
                TensorIndex::Int(i) => {
                    let size = r.size_at(d) as i64;
                    if *i < -size || *i >= size {
                        return Err(Error::IndexOutOfRange {
                            op: "index",
                            index: *i,
                            dim: real,
                            size: size as usize,
                        });
                    }
                    r = r.select(d as i64, *i)?;
                    moved = true;
                    real += 1;
                }
                TensorIndex::Slice { start, stop, step } => {
                    if *step <= 0 {
                        return Err(Error::invalid("step must be greater than zero"));
                    }
                    let size = r.size_at(d) as i64;
                    let full = *step == 1
                        && start.map_or(true, |s| s == 0 || s <= -size)
                        && stop.map_or(true, |s| s >= size);
                    if !full {
                        r = r.slice(d as i64, *start, *stop, *step)?;
                        moved = true;
                    }
                    d += 1;
                    real += 1;
                }
                TensorIndex::NewAxis => {
                    r = r.unsqueeze(d as i64)?;
                    moved = true;
                    d += 1;
                }
                TensorIndex::Ellipsis => {
                    d += self.dim() - consumed;
                    real += self.dim() - consumed;
                }
                TensorIndex::Tensor(t) if t.dtype() == DType::Bool => {
                    if t.dim() == 0 {
                        // A 0-d mask adds a dim of size 1 and keeps (true)
                        // or drops (false) its only row.
                        r = r.unsqueeze(d as i64)?;
                        moved = true;
                        let value = t.item()? != 0.0;
                        tensors.push((d, bool_to_index(value, self.device())?));
                        d += 1;
                        continue;
                    }
                    for j in 0..t.dim() {
                        if t.shape()[j] != r.shape()[d + j] {
                            return Err(Error::invalid(format!(
                                    "The shape of the mask {:?} at index {j} does not match the shape of the indexed tensor {:?} at index {}",
                                    t.shape(),
                                    r.shape(),
                                    d + j
                                )));
                        }
                    }
                    let nz = t.nonzero()?;
                    for j in 0..t.dim() {
                        tensors.push((d + j, nz.select(1, j as i64)?));
                    }
                    d += t.dim();
                    real += t.dim();
                }
                TensorIndex::Tensor(t) => {
                    tensors.push((d, t.to_dtype(DType::I64)?.to_device(self.device())?));
                    d += 1;
                    real += 1;
                }
            }
        }
        Ok(Basic {
            view: r,
            tensors,
            moved,
        })
    }

    /// A new view tensor over the whole of `self` (`x[...]`, `x[:]`).
    fn alias_view(&self) -> Tensor {
        let out = self.alias(self.layout().clone());
        let base = self
            .meta()
            .view_base
            .clone()
            .unwrap_or_else(|| self.clone());
        {
            let mut m = out.meta();
            m.view_base = Some(base);
            m.view_version = self.version();
        }
        record(out, "AliasBackward0", &[self], vec![], |g, _| {
            Ok(vec![Some(g.clone())])
        })
    }

    /// `x[indices]` with PyTorch's semantics: basic items give a view,
    /// tensor items (int64 or bool masks) a new tensor (`IndexBackward0`).
    ///
    /// ```
    /// use tinytorch::{Tensor, DType, ops::indexing::TensorIndex};
    /// let x = Tensor::arange(0.0, 6.0, 1.0, DType::F32, Default::default())?.reshape(&[2, 3])?;
    /// let idx = Tensor::from_vec(vec![2i64, 0], &[2])?;
    /// let y = x.index(&[TensorIndex::full(), TensorIndex::Tensor(idx)])?;
    /// assert_eq!(y.to_vec_f64()?, vec![2.0, 0.0, 5.0, 3.0]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn index(&self, indices: &[TensorIndex]) -> Result<Tensor> {
        let basic = self.apply_basic(indices)?;
        if basic.tensors.is_empty() {
            return Ok(if basic.moved {
                basic.view
            } else {
                self.alias_view()
            });
        }
        let view = basic.view;
        let adv = Arc::new(Advanced::new(view.shape(), basic.tensors)?);
        // A fresh tensor: not a view of anything the user holds.
        let out = adv.gather(&view)?.detach();
        Ok(record(
            out,
            "IndexBackward0",
            &[&view],
            vec![],
            move |g, _| Ok(vec![Some(adv.grad_to_view(g)?)]),
        ))
    }

    /// `torch.nonzero(x)`: int64 `[n, ndim]` coordinates of the non-zero
    /// elements (NaN counts as non-zero), in row-major order.
    pub fn nonzero(&self) -> Result<Tensor> {
        let vals = self.to_vec_f64()?;
        let shape = self.shape();
        let strides = crate::shape::contiguous_strides(shape);
        let mut out = Vec::new();
        let mut n = 0;
        for (lin, v) in vals.iter().enumerate() {
            if *v != 0.0 {
                n += 1;
                for (k, &s) in strides.iter().enumerate() {
                    out.push(((lin / s) % shape[k]) as i64);
                }
            }
        }
        Tensor::from_vec(out, &[n, shape.len()])?.to_device(self.device())
    }

    /// `torch.masked_select(x, mask)`: the elements where the (broadcast)
    /// mask is true, as a 1-D tensor.
    pub fn masked_select(&self, mask: &Tensor) -> Result<Tensor> {
        if mask.dtype() != DType::Bool {
            return Err(Error::invalid(format!(
                "masked_select: expected BoolTensor for mask, but got {}",
                mask.dtype().name()
            )));
        }
        let shape = broadcast_shapes("masked_select", self.shape(), mask.shape())?;
        let x = self.broadcast_to(&shape)?;
        let m = mask.broadcast_to(&shape)?.contiguous_copy()?;
        if shape.is_empty() {
            return x
                .reshape(&[1])?
                .index(&[TensorIndex::Tensor(m.reshape(&[1])?)]);
        }
        x.index(&[TensorIndex::Tensor(m)])
    }

    /// Writes `values` at `indices` of `self` with no autograd (the caller
    /// bumps the version). Values are cast to `self`'s dtype and broadcast
    /// to the indexed shape.
    pub(crate) fn index_put_raw(
        &self,
        indices: &[TensorIndex],
        values: &Tensor,
        accumulate: bool,
    ) -> Result<()> {
        let _g = no_grad();
        let basic = self.apply_basic(indices)?;
        let view = basic.view;
        super::inplace::check_no_overlap(&view)?;
        let vals = values.to_dtype(self.dtype())?.to_device(self.device())?;
        if basic.tensors.is_empty() {
            let v = broadcast_values(&vals, view.shape())?;
            let v = if accumulate { view.add(&v)? } else { v };
            let v = if v.shares_storage(self) {
                v.contiguous_copy()?
            } else {
                v
            };
            let src = v.storage();
            return self
                .storage_mut()
                .copy_into(view.layout(), &src, v.layout());
        }
        let adv = Advanced::new(view.shape(), basic.tensors)?;
        let v = broadcast_values(&vals, &adv.out_shape())?;
        let rows = adv.to_front(&v)?;
        let whole = view.is_contiguous()
            && view.layout().offset() == 0
            && view.numel() == self.storage().len();
        if whole && adv.perm().iter().enumerate().all(|(i, &d)| i == d) {
            // Scatter straight into self (`x[idx] = v` on a plain tensor):
            // no copy of the untouched elements.
            let mut shape = vec![adv.indexed_numel()];
            shape.extend(adv.rest());
            let flat = self.alias(Layout::contiguous(&shape));
            return adv.scatter_rows(&flat, &rows, accumulate);
        }
        let flat = adv.flat_source(&view)?;
        adv.scatter_rows(&flat, &rows, accumulate)?;
        let perm = adv.perm();
        let dst = view.layout().permute(&perm)?;
        let src = flat.storage();
        self.storage_mut()
            .copy_into(&dst, &src, &Layout::contiguous(dst.shape()))
    }

    /// `torch.index_put(x, indices, values, accumulate)`: a copy of `self`
    /// with `values` written (or added) at `indices`. Differentiable in
    /// `self` and `values` (`IndexPutBackward0`; `CopySlices` when every
    /// item is basic, as PyTorch names `x[1:3] = v`).
    pub fn index_put(
        &self,
        indices: &[TensorIndex],
        values: &Tensor,
        accumulate: bool,
    ) -> Result<Tensor> {
        let vals = values.to_dtype(self.dtype())?;
        let out = self.contiguous_copy()?;
        out.index_put_raw(indices, &vals, accumulate)?;
        if !is_grad_enabled() || !(self.requires_grad() || vals.requires_grad()) {
            return Ok(out);
        }
        let name = if indices.iter().all(TensorIndex::is_basic) {
            "CopySlices"
        } else {
            "IndexPutBackward0"
        };
        let indices: Vec<TensorIndex> = indices.to_vec();
        let vshape = vals.shape().to_vec();
        Ok(record(out, name, &[self, &vals], vec![], move |g, n| {
            // d out / d self: 1 except where overwritten (accumulate: 1).
            let gself = if !n[0] {
                None
            } else if accumulate {
                Some(g.clone())
            } else {
                let z = g.contiguous_copy()?;
                let zero = Tensor::scalar_tensor(0.0, g.dtype(), g.device())?;
                z.index_put_raw(&indices, &zero, false)?;
                Some(z)
            };
            // d out / d values: the gradient at the written positions,
            // summed over the broadcast of values.
            let gv = if n[1] {
                let gi = with_no_grad(|| g.index(&indices))?;
                Some(reduce_to_values(&gi, &vshape)?)
            } else {
                None
            };
            Ok(vec![gself, gv])
        }))
    }
}

/// Values broadcast to the indexed shape, leading size-1 dims of the values
/// dropped first (PyTorch lets `x[0] = ones(1, 3)` through).
fn broadcast_values(v: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let mut v = v.clone();
    while v.dim() > shape.len() && v.shape()[0] == 1 {
        v = v.squeeze_dim(0)?;
    }
    let ok = v.dim() <= shape.len()
        && broadcast_shapes("index_put", v.shape(), shape).is_ok_and(|s| s == shape);
    if !ok {
        return Err(Error::invalid(format!(
            "shape mismatch: value tensor of shape {:?} cannot be broadcast to indexing result of shape {:?}",
            v.shape(),
            shape
        )));
    }
    v.broadcast_to(shape)
}

/// The gradient at the indexed positions summed back to the values' shape
/// (inverse of [`broadcast_values`]).
fn reduce_to_values(g: &Tensor, vshape: &[usize]) -> Result<Tensor> {
    let stripped: Vec<usize> = {
        let mut s = vshape;
        while s.len() > g.dim() && s[0] == 1 {
            s = &s[1..];
        }
        s.to_vec()
    };
    sum_to_shape(g, &stripped)?.reshape_to(vshape)
}
