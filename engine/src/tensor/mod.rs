//! `Tensor`: a cheap-to-clone handle (an `Arc`) on a strided view of a
//! shared storage, plus its autograd metadata.
//!
//! Locking: the storage sits behind an `RwLock` because views alias it and
//! in-place ops write through any of them; reads (every op's inputs) take a
//! shared lock, and an in-place write takes the exclusive lock only for the
//! final copy. Autograd metadata (grad, grad_fn) sits behind its own `Mutex`
//! so that setting `.grad` never contends with kernels reading the data.
//! Both are uncontended in single-threaded use, costing ~20 ns an op.

pub mod create;
pub mod display;
pub mod literal;
pub mod pictures;
pub mod random;
pub mod repr;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::autograd::Node;
use crate::storage::{CpuStorage, Storage};
use crate::{DType, Device, Error, Layout, Result};

/// A storage shared by a tensor and all its views, with the version counter
/// that in-place ops bump (checked by autograd's saved tensors).
#[derive(Debug)]
pub struct StorageCell {
    data: RwLock<Storage>,
    version: AtomicU64,
}

impl StorageCell {
    pub fn new(storage: Storage) -> Arc<Self> {
        Arc::new(StorageCell {
            data: RwLock::new(storage),
            version: AtomicU64::new(0),
        })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Storage> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Storage> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }
}

impl Drop for StorageCell {
    /// Large CPU buffers go back to the caching allocator, already mapped.
    fn drop(&mut self) {
        let data = self.data.get_mut().unwrap_or_else(|p| p.into_inner());
        let s = std::mem::replace(data, Storage::Cpu(CpuStorage::Bool(Vec::new())));
        // Refutable once a device variant exists.
        #[allow(irrefutable_let_patterns)]
        if let Storage::Cpu(c) = s {
            crate::storage::cpu::pool::recycle(c);
        }
    }
}

/// Autograd state of one tensor.
#[derive(Default)]
pub struct AutogradMeta {
    pub requires_grad: bool,
    pub grad: Option<Tensor>,
    pub grad_fn: Option<Arc<Node>>,
    pub retains_grad: bool,
    /// A user-facing name (variable or parameter name) for pictures.
    pub name: Option<String>,
    /// Set for `nn.Parameter`s (changes the repr).
    pub is_parameter: bool,
    /// For views: the tensor whose storage this view aliases.
    pub view_base: Option<Tensor>,
    /// For views: the storage version when `grad_fn` was last derived from
    /// the base. A later in-place write (through the base or another view)
    /// makes it stale; autograd then re-derives it from the base's current
    /// history, as PyTorch does.
    pub view_version: u64,
    /// Post-accumulate-grad hooks of a leaf, with their handles' ids.
    pub grad_hooks: Vec<(u64, Arc<crate::autograd::GradHook>)>,
    /// Keys of hooks on a leaf's incoming gradient (`register_hook`), run
    /// by the walk's [`Foreign`](crate::autograd::Foreign).
    pub tensor_hooks: Vec<u64>,
}

pub struct TensorImpl {
    id: u64,
    storage: Arc<StorageCell>,
    layout: Layout,
    dtype: DType,
    device: Device,
    meta: Mutex<AutogradMeta>,
}

/// A multi-dimensional array with autograd, shaped like `torch.Tensor`.
/// Cloning is cheap and aliases the same tensor (like a Python reference).
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<TensorImpl>);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Tensor {
    /// Wraps a fresh storage viewed through `layout`.
    pub fn from_storage(storage: Storage, layout: Layout) -> Tensor {
        let (dtype, device) = (storage.dtype(), storage.device());
        Tensor::from_cell(StorageCell::new(storage), layout, dtype, device)
    }

    fn from_cell(
        storage: Arc<StorageCell>,
        layout: Layout,
        dtype: DType,
        device: Device,
    ) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            storage,
            layout,
            dtype,
            device,
            meta: Mutex::new(AutogradMeta::default()),
        }))
    }

    /// A contiguous tensor owning `storage`.
    pub fn from_contiguous(storage: Storage, shape: &[usize]) -> Tensor {
        Tensor::from_storage(storage, Layout::contiguous(shape))
    }

    /// A new tensor aliasing this one's storage through `layout` (a view),
    /// with no autograd history of its own yet.
    pub(crate) fn alias(&self, layout: Layout) -> Tensor {
        Tensor::from_cell(self.0.storage.clone(), layout, self.0.dtype, self.0.device)
    }

    /// Unique id of this tensor object (not of its storage).
    pub fn id(&self) -> u64 {
        self.0.id
    }

    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }

    pub fn shape(&self) -> &[usize] {
        self.0.layout.shape()
    }

    /// `size(dim)` with a negative-dim-aware index.
    pub fn size(&self, dim: i64) -> Result<usize> {
        let d = crate::shape::normalize_dim("size", dim, self.dim())?;
        Ok(self.shape().get(d).copied().unwrap_or(1))
    }

    /// Size of dim `d`, or 1 past the last dim (a 0-dim tensor's "dim 0",
    /// which PyTorch's dim normalisation accepts).
    pub(crate) fn size_at(&self, d: usize) -> usize {
        self.shape().get(d).copied().unwrap_or(1)
    }

    pub fn stride(&self) -> &[usize] {
        self.0.layout.strides()
    }

    pub fn dim(&self) -> usize {
        self.0.layout.ndim()
    }

    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }

    pub fn dtype(&self) -> DType {
        self.0.dtype
    }

    pub fn device(&self) -> Device {
        self.0.device
    }

    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }

    /// Whether two tensors share a storage (one is a view of the other).
    pub fn shares_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0.storage, &other.0.storage)
    }

    /// Whether this handle is the only one on its tensor and on its storage
    /// (no clone, no other view), so that its buffer can be taken over
    /// without a copy. A view whose base nothing else holds qualifies too:
    /// it drops the link to that base, and its storage becomes its own.
    pub(crate) fn claim_buffer(&self) -> bool {
        if Arc::strong_count(&self.0) != 1 {
            return false;
        }
        let mut m = self.meta();
        if let Some(base) = &m.view_base {
            if Arc::strong_count(&base.0) != 1 || Arc::strong_count(&base.0.storage) != 2 {
                return false;
            }
            m.view_base = None;
        }
        Arc::strong_count(&self.0.storage) == 1
    }

    pub fn storage_cell(&self) -> &Arc<StorageCell> {
        &self.0.storage
    }

    /// Shared read access to the storage.
    pub fn storage(&self) -> RwLockReadGuard<'_, Storage> {
        self.0.storage.read()
    }

    pub(crate) fn storage_mut(&self) -> RwLockWriteGuard<'_, Storage> {
        self.0.storage.write()
    }

    /// The in-place version counter of the storage.
    pub fn version(&self) -> u64 {
        self.0.storage.version()
    }

    pub fn meta(&self) -> MutexGuard<'_, AutogradMeta> {
        self.0.meta.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ----- autograd accessors -------------------------------------------

    pub fn requires_grad(&self) -> bool {
        self.meta().requires_grad
    }

    /// `requires_grad_()`: only float leaves may require grad.
    pub fn set_requires_grad(&self, on: bool) -> Result<&Self> {
        let mut m = self.meta();
        if m.grad_fn.is_some() && !on {
            return Err(Error::Autograd(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().".into(),
            ));
        }
        if on && !self.dtype().is_float() {
            return Err(Error::Autograd(
                "only Tensors of floating point dtype can require gradients".into(),
            ));
        }
        m.requires_grad = on;
        Ok(self)
    }

    /// Builder form of [`Tensor::set_requires_grad`].
    pub fn requires_grad_(self, on: bool) -> Result<Tensor> {
        self.set_requires_grad(on)?;
        Ok(self)
    }

    /// `.grad`: filled by [`Tensor::backward`] on leaves that require grad.
    pub fn grad(&self) -> Option<Tensor> {
        self.meta().grad.clone()
    }

    pub fn set_grad(&self, g: Option<Tensor>) -> Result<()> {
        if let Some(g) = &g {
            if g.shape() != self.shape() {
                return Err(Error::shape(
                    "grad",
                    self.shape(),
                    g.shape(),
                    format!(
                        "assigned grad has data of a different size: expected {:?}, got {:?}",
                        self.shape(),
                        g.shape()
                    ),
                ));
            }
        }
        self.meta().grad = g;
        Ok(())
    }

    pub fn grad_fn(&self) -> Option<Arc<Node>> {
        self.meta().grad_fn.clone()
    }

    /// Leaves: tensors created by the user (or not requiring grad).
    pub fn is_leaf(&self) -> bool {
        self.meta().grad_fn.is_none()
    }

    pub fn retains_grad(&self) -> bool {
        self.meta().retains_grad
    }

    /// Keeps `.grad` for a non-leaf tensor after backward. On a leaf it is
    /// a no-op, as in PyTorch (a leaf keeps its `.grad` anyway, and its
    /// `retains_grad` stays false).
    pub fn retain_grad(&self) -> Result<()> {
        let node = {
            let mut m = self.meta();
            if !m.requires_grad {
                return Err(Error::Autograd(
                    "can't retain_grad on Tensor that has requires_grad=False".into(),
                ));
            }
            if m.grad_fn.is_none() {
                return Ok(());
            }
            m.retains_grad = true;
            m.grad_fn.clone()
        };
        if let Some(node) = node {
            node.retain_output(self);
        }
        Ok(())
    }

    pub fn name(&self) -> Option<String> {
        self.meta().name.clone()
    }

    /// Names the tensor for pictures (the variable or parameter name).
    pub fn set_name(&self, name: impl Into<String>) {
        self.meta().name = Some(name.into());
    }

    pub fn is_parameter(&self) -> bool {
        self.meta().is_parameter
    }

    pub fn set_parameter(&self, on: bool) {
        self.meta().is_parameter = on;
    }

    /// A tensor sharing storage with this one, cut from the graph.
    pub fn detach(&self) -> Tensor {
        self.alias(self.0.layout.clone())
    }

    /// `x.detach_()`: cuts this tensor from its graph in place (no
    /// `grad_fn`, `requires_grad` off), as PyTorch's.
    pub fn detach_(&self) {
        let mut m = self.meta();
        m.grad_fn = None;
        m.requires_grad = false;
    }

    /// A detached alias that keeps no graph alive (what saved tensors hold).
    pub(crate) fn detached_alias(&self) -> Tensor {
        self.detach()
    }

    // ----- data access --------------------------------------------------

    /// Elements in row-major order, converted to f64.
    pub fn to_vec_f64(&self) -> Result<Vec<f64>> {
        let cpu = self.to_cpu_storage()?;
        cpu.to_f64s(&Layout::contiguous(self.shape()))
    }

    /// Elements as i64 (exact for integer dtypes).
    pub fn to_vec_i64(&self) -> Result<Vec<i64>> {
        let cpu = self.to_cpu_storage()?;
        cpu.to_i64s(&Layout::contiguous(self.shape()))
    }

    /// Elements as f32.
    pub fn to_vec_f32(&self) -> Result<Vec<f32>> {
        let cpu = self
            .to_cpu_storage()?
            .cast(&Layout::contiguous(self.shape()), DType::F32)?;
        match cpu {
            CpuStorage::F32(v) => Ok(v),
            _ => Err(Error::Internal("cast to f32".into())),
        }
    }

    /// A contiguous host copy of the elements (storage dtype kept).
    pub fn to_cpu_storage(&self) -> Result<CpuStorage> {
        self.storage().to_cpu(self.layout())
    }

    /// The single value of a one-element tensor, as f64.
    pub fn item(&self) -> Result<f64> {
        if self.numel() != 1 {
            return Err(Error::invalid(format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                self.numel()
            )));
        }
        Ok(self.to_vec_f64()?[0])
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Tensor {
        Tensor::zeros_on(&[2, 3], DType::F32, Device::Cpu).unwrap()
    }

    #[test]
    fn a_fresh_tensor_owns_its_buffer_a_shared_one_does_not() {
        assert!(matrix().claim_buffer());
        let t = matrix();
        let other = t.clone();
        assert!(!t.claim_buffer());
        drop(other);
        assert!(t.claim_buffer());
    }

    #[test]
    fn a_view_claims_the_buffer_of_a_base_nothing_else_holds() {
        // Gradients arrive this way: `g.t()` of a temporary `g`.
        let v = matrix().t().unwrap();
        assert!(v.meta().view_base.is_some());
        assert!(v.claim_buffer());
        assert!(
            v.meta().view_base.is_none(),
            "the link to the base is dropped"
        );
        assert_eq!(Arc::strong_count(&v.0.storage), 1);
    }

    #[test]
    fn a_view_of_a_held_base_or_beside_another_view_claims_nothing() {
        let base = matrix();
        let v = base.t().unwrap();
        assert!(!v.claim_buffer());
        drop(base);
        let w = v.t().unwrap();
        assert!(!v.claim_buffer(), "w aliases the same storage");
        assert!(v.meta().view_base.is_some());
        drop(w);
        assert!(v.claim_buffer());
    }
}
