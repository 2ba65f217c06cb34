//! In-place ops (`add_`, `mul_`, `copy_`, `index_put_`, ...) with
//! PyTorch's autograd rules.
//!
//! Every in-place op follows one recipe (`Tensor::apply_inplace`):
//! 1. refuse a leaf that requires grad (or a view of one) while grad mode
//!    is on;
//! 2. compute the out-of-place result from a snapshot of `self` that
//!    carries `self`'s autograd identity (its `grad_fn`), so the new node's
//!    input edge is the old history and whatever it saves is the value
//!    before the write (PyTorch saves `self.clone()` for in-place ops);
//! 3. write the result into `self`'s storage through its layout, bump the
//!    storage's version counter (saved tensors that alias it now fail at
//!    backward), and move the new node onto `self`'s metadata. When `self`
//!    is a view, its base is rebased instead (`CopySlices(old base, new
//!    values)`) and the view becomes `AsStridedBackward0` of the new base.
//!
//! Other views of the same storage taken *before* the write are stale: each
//! view remembers the storage version its `grad_fn` was derived at
//! (`AutogradMeta::view_version`), and `autograd::edge_of` calls
//! `refresh_view_history` to re-derive it from the base's current history
//! (`AsStridedBackward0`), as PyTorch does with its version counter.
//!
//! Without recording (grad mode off, or nothing requires grad) step 2 uses
//! `self` directly, so optimizer updates cost one op and one copy.

use super::indexing::TensorIndex;
use super::{sum_to_shape, Scalar};
use std::sync::Arc;

use crate::autograd::{is_grad_enabled, record, with_no_grad, Node};
use crate::random::Generator;
use crate::{DType, Error, Layout, Result, Tensor};

/// How an in-place op records autograd.
enum Recording {
    Off,
    /// Rebase `self`'s own history.
    On,
    /// `self` is a view: rebase its base through `CopySlices`.
    View(Tensor),
}

/// Errors if writing through `t` would write one memory location twice
/// (an expanded view).
pub(crate) fn check_no_overlap(t: &Tensor) -> Result<()> {
    let overlaps = t
        .shape()
        .iter()
        .zip(t.stride())
        .any(|(&d, &s)| d > 1 && s == 0);
    if overlaps {
        return Err(Error::invalid("unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation."));
    }
    Ok(())
}

/// Re-derives the history of a view whose storage was written in place
/// since its `grad_fn` was set (through the base or another view), so its
/// gradient flows through the base's current history. Called by autograd
/// whenever a tensor's edge is taken.
pub(crate) fn refresh_view_history(t: &Tensor) {
    let (base, seen) = {
        let m = t.meta();
        match &m.view_base {
            Some(b) => (b.clone(), m.view_version),
            None => return,
        }
    };
    if t.version() == seen || !base.requires_grad() {
        return;
    }
    // Without a region (a base that is not row-major) the history stays;
    // in-place ops refuse to write through such views.
    if let Some(region) = view_region(t, &base) {
        t.derive_view_history(&base, region);
    }
}

/// The view's elements as a layout over a contiguous tensor of the base's
/// shape, when the base is row-major over its storage range.
fn view_region(view: &Tensor, base: &Tensor) -> Option<Layout> {
    if !base.is_contiguous() || view.layout().offset() < base.layout().offset() {
        return None;
    }
    Some(Layout::new(
        view.shape().to_vec(),
        view.stride().to_vec(),
        view.layout().offset() - base.layout().offset(),
    ))
}

/// PyTorch's `canCast`: no float -> integer, no number -> bool.
fn can_cast(from: DType, to: DType) -> bool {
    !(from.is_float() && !to.is_float() || from != DType::Bool && to == DType::Bool)
}

impl Tensor {
    /// Whether an in-place op on `self` with `others` must record autograd,
    /// after PyTorch's checks on leaves and views. `Some(base)` when `self`
    /// is a view whose base must be rebased through `CopySlices`.
    fn inplace_recording(&self, others: &[&Tensor]) -> Result<Recording> {
        if !is_grad_enabled() {
            return Ok(Recording::Off);
        }
        let base = self.meta().view_base.clone();
        let base_rg = base.as_ref().is_some_and(|b| b.requires_grad());
        if base_rg {
            // A view taken before an earlier in-place write starts from the
            // base's current history.
            refresh_view_history(self);
        }
        if !(self.requires_grad() || base_rg || others.iter().any(|t| t.requires_grad())) {
            return Ok(Recording::Off);
        }
        if self.requires_grad() && self.is_leaf() {
            return Err(Error::Autograd(
                "a leaf Variable that requires grad is being used in an in-place operation.".into(),
            ));
        }
        let Some(base) = base else {
            return Ok(Recording::On);
        };
        if base_rg && base.is_leaf() {
            return Err(Error::Autograd(
                "a view of a leaf Variable that requires grad is being used in an in-place operation.".into(),
            ));
        }
        if base_rg && !self.requires_grad() {
            return Err(Error::Autograd(
                "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).".into(),
            ));
        }
        // The base's gradient is addressed through the view's layout, which
        // needs the base to be row-major over its own storage range.
        if view_region(self, &base).is_none() {
            return Err(Error::Autograd(
                "tinytorch: in-place modification of a view of a tensor that requires grad is not supported for this base layout; use an out-of-place op or .clone()".into(),
            ));
        }
        Ok(Recording::View(base))
    }

    /// A copy of `self`'s values carrying its autograd identity: ops on it
    /// record edges to `self`'s current history.
    fn snapshot(&self) -> Result<Tensor> {
        let s = self.contiguous_copy()?;
        let (rg, gf) = {
            let m = self.meta();
            (m.requires_grad, m.grad_fn.clone())
        };
        let mut m = s.meta();
        m.requires_grad = rg;
        m.grad_fn = gf;
        drop(m);
        Ok(s)
    }

    /// Writes `src` (same shape and dtype) into `self`'s elements. Copies
    /// first when `src` aliases `self`'s storage: the write lock must never
    /// be taken while a read guard of the same storage is alive.
    pub(crate) fn write_values(&self, src: &Tensor) -> Result<()> {
        check_no_overlap(self)?;
        let src = if src.shares_storage(self) {
            src.contiguous_copy()?
        } else {
            src.clone()
        };
        let guard = src.storage();
        self.storage_mut()
            .copy_into(self.layout(), &guard, src.layout())
    }

    /// The in-place recipe (module docs): `f` computes the new value of
    /// `self` out of place from its argument.
    pub(crate) fn apply_inplace(
        &self,
        others: &[&Tensor],
        f: impl FnOnce(&Tensor) -> Result<Tensor>,
    ) -> Result<()> {
        let recording = self.inplace_recording(others)?;
        let src = if matches!(recording, Recording::Off) {
            self.clone()
        } else {
            self.snapshot()?
        };
        let out = f(&src)?;
        if out.shape() != self.shape() {
            return Err(Error::shape(
                "inplace",
                self.shape(),
                out.shape(),
                format!(
                    "output with shape {:?} doesn't match the broadcast shape {:?}",
                    self.shape(),
                    out.shape()
                ),
            ));
        }
        let out = if out.dtype() != self.dtype() {
            if !can_cast(out.dtype(), self.dtype()) {
                return Err(Error::invalid(format!(
                    "result type {} can't be cast to the desired output type {}",
                    out.dtype().legacy_name(),
                    self.dtype().legacy_name()
                )));
            }
            out.to_dtype(self.dtype())?
        } else {
            out
        };
        self.write_values(&out)?;
        self.storage_cell().bump_version();
        match recording {
            Recording::Off => {}
            Recording::On => {
                if let Some(node) = out.grad_fn() {
                    self.set_history(node);
                }
            }
            Recording::View(base) => self.rebase_view(&base, &out),
        }
        Ok(())
    }

    fn set_history(&self, node: Arc<Node>) {
        if self.retains_grad() {
            node.retain_output(self);
        }
        let mut m = self.meta();
        m.requires_grad = true;
        m.grad_fn = Some(node);
    }

    /// After `out` (computed from the view `self`) was written through the
    /// view: the base becomes `CopySlices(old base, out)` -- its gradient
    /// passes unchanged outside the view's region and flows into `out`'s
    /// history inside it -- and the view becomes `AsStridedBackward0` of
    /// the new base, as PyTorch rebases in-place ops on views.
    fn rebase_view(&self, base: &Tensor, out: &Tensor) {
        let Some(region) = view_region(self, base) else {
            return;
        };
        let r = region.clone();
        let rebased = record(
            base.detach(),
            "CopySlices",
            &[base, out],
            vec![],
            move |g, n| {
                let g = g.contiguous_copy()?;
                let gout = if n[1] {
                    Some(g.alias(r.clone()).contiguous_copy()?)
                } else {
                    None
                };
                let z = Tensor::zeros_on(r.shape(), g.dtype(), g.device())?;
                g.storage_mut().copy_into(&r, &z.storage(), z.layout())?;
                Ok(vec![Some(g), gout])
            },
        );
        let Some(node) = rebased.grad_fn() else {
            return;
        };
        base.set_history(node);
        self.derive_view_history(base, region);
    }

    /// Sets the view's history to `AsStridedBackward0` of the base's
    /// current history: the gradient written into zeros of the base's shape
    /// at the view's `region`.
    fn derive_view_history(&self, base: &Tensor, region: Layout) {
        let base_shape = base.shape().to_vec();
        let view = record(
            self.detach(),
            "AsStridedBackward0",
            &[base],
            vec![],
            move |g, _| {
                let z = Tensor::zeros_on(&base_shape, g.dtype(), g.device())?;
                z.storage_mut()
                    .copy_into(&region, &g.storage(), g.layout())?;
                Ok(vec![Some(z)])
            },
        );
        if let Some(node) = view.grad_fn() {
            self.set_history(node);
        }
        self.meta().view_version = self.version();
    }

    /// An in-place op whose result does not depend on `self`'s values:
    /// records `name` with a zero gradient for the old `self`.
    fn overwrite_inplace(&self, name: &'static str, value: Tensor) -> Result<()> {
        self.apply_inplace(&[], |old| {
            let out = value.broadcast_to(old.shape())?.contiguous_copy()?;
            Ok(record(out, name, &[old], vec![], |g, _| {
                Ok(vec![Some(Tensor::zeros_like(g)?)])
            }))
        })
    }

    /// `x.zero_()`.
    pub fn zero_(&self) -> Result<()> {
        let z = Tensor::scalar_tensor(0.0, self.dtype(), self.device())?;
        self.overwrite_inplace("ZeroBackward0", z)
    }

    /// `x.fill_(value)` (cast to `x`'s dtype).
    pub fn fill_(&self, value: f64) -> Result<()> {
        let v = Tensor::scalar_tensor(value, self.dtype(), self.device())?;
        self.overwrite_inplace("FillBackward0", v)
    }

    /// `x.normal_(mean, std)`: PyTorch's generator stream, as `torch.normal`.
    pub fn normal_(&self, mean: f64, std: f64) -> Result<()> {
        let v = Tensor::normal(self.shape(), mean, std, self.dtype(), self.device())?;
        self.overwrite_inplace("NormalBackward0", v)
    }

    /// `x.uniform_(low, high)`.
    pub fn uniform_(&self, low: f64, high: f64) -> Result<()> {
        let v = Tensor::uniform(self.shape(), low, high, self.dtype(), self.device())?;
        self.overwrite_inplace("UniformBackward0", v)
    }

    /// [`Tensor::normal_`] drawing from `g` (`generator=`).
    pub fn normal_with_(&self, g: &mut Generator, mean: f64, std: f64) -> Result<()> {
        let v = Tensor::normal_with(g, self.shape(), mean, std, self.dtype(), self.device())?;
        self.overwrite_inplace("NormalBackward0", v)
    }

    /// [`Tensor::uniform_`] drawing from `g` (`generator=`).
    pub fn uniform_with_(&self, g: &mut Generator, low: f64, high: f64) -> Result<()> {
        let v = Tensor::uniform_with(g, self.shape(), low, high, self.dtype(), self.device())?;
        self.overwrite_inplace("UniformBackward0", v)
    }

    /// `x.exponential_(lambd)` drawing from `g`.
    pub fn exponential_with_(&self, g: &mut Generator, lambd: f64) -> Result<()> {
        let v = Tensor::exponential_with(g, self.shape(), lambd, self.dtype(), self.device())?;
        self.overwrite_inplace("ExponentialBackward0", v)
    }

    /// `x.bernoulli_(p)` drawing from `g`: 1 with probability `p` (53-bit
    /// uniforms, as PyTorch's CPU kernel), in `x`'s dtype.
    pub fn bernoulli_with_(&self, g: &mut Generator, p: f64) -> Result<()> {
        let n = crate::shape::checked_numel(self.shape())?;
        crate::storage::cpu::check_alloc(n, DType::F32)?;
        let v = Tensor::from_vec(g.bernoulli_f32(n, p)?, self.shape())?
            .to_dtype(self.dtype())?
            .to_device(self.device())?;
        self.overwrite_inplace("BernoulliBackward0", v)
    }

    /// `x.copy_(src)`: `src` broadcast to `x`'s shape and cast to its dtype
    /// and device (`CopyBackwards`: no gradient to the old `x`, the
    /// gradient summed back to `src`'s shape for `src`).
    pub fn copy_(&self, src: &Tensor) -> Result<()> {
        self.apply_inplace(&[src], |old| {
            let shape = old.shape().to_vec();
            let v = with_no_grad(|| -> Result<Tensor> {
                src.to_dtype(old.dtype())?
                    .to_device(old.device())?
                    .broadcast_to(&shape)?
                    .contiguous_copy()
            })?;
            let (sshape, sdtype, sdev) = (src.shape().to_vec(), src.dtype(), src.device());
            Ok(record(
                v,
                "CopyBackwards",
                &[old, src],
                vec![],
                move |g, n| {
                    let gs = if n[1] {
                        Some(
                            sum_to_shape(g, &sshape)?
                                .to_dtype(sdtype)?
                                .to_device(sdev)?,
                        )
                    } else {
                        None
                    };
                    Ok(vec![Some(Tensor::zeros_like(g)?), gs])
                },
            ))
        })
    }

    /// `x.add_(other)`.
    pub fn add_(&self, other: &Tensor) -> Result<()> {
        self.apply_inplace(&[other], |x| x.add(other))
    }

    /// `x.add_(other, alpha=alpha)`.
    pub fn add_alpha_(&self, other: &Tensor, alpha: f64) -> Result<()> {
        self.apply_inplace(&[other], |x| x.add_arg(other, alpha))
    }

    /// `x.add_(s)` for a Python number.
    pub fn add_scalar_(&self, s: impl Into<Scalar>) -> Result<()> {
        let s = s.into();
        self.apply_inplace(&[], |x| x.add_scalar(s))
    }

    /// `x.sub_(other)`.
    pub fn sub_(&self, other: &Tensor) -> Result<()> {
        self.apply_inplace(&[other], |x| x.sub(other))
    }

    /// `x.sub_(s)` for a Python number.
    pub fn sub_scalar_(&self, s: impl Into<Scalar>) -> Result<()> {
        let s = s.into();
        self.apply_inplace(&[], |x| x.sub_scalar(s))
    }

    /// `x.mul_(other)`.
    pub fn mul_(&self, other: &Tensor) -> Result<()> {
        self.apply_inplace(&[other], |x| x.mul(other))
    }

    /// `x.mul_(s)` for a Python number.
    pub fn mul_scalar_(&self, s: impl Into<Scalar>) -> Result<()> {
        let s = s.into();
        self.apply_inplace(&[], |x| x.mul_scalar(s))
    }

    /// `x.div_(other)` (true division: an integer `x` is an error).
    pub fn div_(&self, other: &Tensor) -> Result<()> {
        self.apply_inplace(&[other], |x| x.div(other))
    }

    /// `x.div_(s)` for a Python number.
    pub fn div_scalar_(&self, s: impl Into<Scalar>) -> Result<()> {
        let s = s.into();
        self.apply_inplace(&[], |x| x.div_scalar(s))
    }

    /// `x.pow_(e)` for a Python number.
    pub fn pow_scalar_(&self, e: impl Into<Scalar>) -> Result<()> {
        let e = e.into();
        self.apply_inplace(&[], |x| x.pow_scalar(e))
    }

    /// `x.clamp_(min, max)`.
    pub fn clamp_(&self, min: Option<f64>, max: Option<f64>) -> Result<()> {
        self.apply_inplace(&[], |x| x.clamp(min, max))
    }

    /// `x.masked_fill_(mask, value)`; the mask broadcasts to `x`'s shape.
    pub fn masked_fill_(&self, mask: &Tensor, value: f64) -> Result<()> {
        self.apply_inplace(&[], |x| {
            let out = with_no_grad(|| x.masked_fill(mask, value))?;
            let m = mask.clone();
            // d/dx where(mask, v, x) = where(mask, 0, g)
            Ok(record(
                out,
                "MaskedFillBackward0",
                &[x],
                vec![],
                move |g, _| {
                    let z = Tensor::zeros_like(g)?;
                    Ok(vec![Some(Tensor::where_cond(&m, &z, g)?)])
                },
            ))
        })
    }

    /// `x[indices] = values` (`accumulate`: `+=` with duplicates adding
    /// up, as `x.index_put_(indices, values, accumulate=True)`). Values are
    /// cast to `x`'s dtype and broadcast to the indexed shape.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType, ops::indexing::TensorIndex};
    /// let x = Tensor::zeros_on(&[2, 3], DType::F32, Default::default())?;
    /// let v = Tensor::scalar_tensor(2.0, DType::F64, Default::default())?;
    /// x.index_put_(&[TensorIndex::Int(0), TensorIndex::Int(1)], &v, false)?;
    /// assert_eq!(x.to_vec_f64()?, vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn index_put_(
        &self,
        indices: &[TensorIndex],
        values: &Tensor,
        accumulate: bool,
    ) -> Result<()> {
        if matches!(self.inplace_recording(&[values])?, Recording::Off) {
            // Write only the indexed elements, not the whole tensor.
            self.index_put_raw(indices, values, accumulate)?;
            self.storage_cell().bump_version();
            return Ok(());
        }
        self.apply_inplace(&[values], |x| x.index_put(indices, values, accumulate))
    }
}
