//! Storage and the backend seam.
//!
//! `Storage` is an enum over devices; each variant holds a backend buffer
//! that implements [`Backend`], the small set of primitives every op is
//! built from (`cpu/backend.rs` for the CPU, `cuda/backend.rs` for CUDA).
//! Ops, autograd and the optimizers call `Storage` methods only and never
//! name a device. Fused kernels and host access are defaulted `Backend`
//! methods answering `None` where a backend has no such path; the caller
//! then composes the result from primitives. A two-operand method on
//! storages of different devices is PyTorch's "Expected all tensors to be
//! on the same device" error naming both.

pub mod cpu;
pub mod cuda;
pub mod op;

use crate::{DType, Device, Error, Layout, Result};
pub use cpu::conv::Window2d;
pub use cpu::conv2d::ConvShape;
pub use cpu::CpuStorage;
use cpu::IntoStorage;
#[cfg(feature = "cuda")]
pub use cuda::CudaStorage;
pub use op::{BinaryOp, ReduceOp, UnaryOp};

/// The primitives a device backend provides. Layouts describe strided views
/// of `self`; outputs are new contiguous buffers unless stated otherwise.
pub trait Backend: Sized + Send + Sync {
    fn device(&self) -> Device;
    fn dtype(&self) -> DType;
    /// Number of elements in the buffer.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copies `layout`'s elements to a contiguous host buffer.
    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage>;
    /// A contiguous copy of `layout`'s elements.
    fn copy_strided(&self, layout: &Layout) -> Result<Self>;
    /// A contiguous copy converted to `dtype`.
    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Self>;
    /// Writes `src` (same shape and dtype) into the elements `dst` addresses.
    fn copy_into(&mut self, dst: &Layout, src: &Self, src_layout: &Layout) -> Result<()>;
    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self>;
    /// Both layouts have the same (broadcast) shape; dtypes are equal.
    fn binary(
        &self,
        layout: &Layout,
        rhs: &Self,
        rhs_layout: &Layout,
        op: BinaryOp,
    ) -> Result<Self>;
    /// `self` is the bool condition; all three layouts share one shape.
    fn where_cond(
        &self,
        layout: &Layout,
        a: &Self,
        al: &Layout,
        b: &Self,
        bl: &Layout,
    ) -> Result<Self>;
    /// Reduces `dims` away (output holds the kept dims, in order).
    fn reduce(&self, layout: &Layout, op: ReduceOp, dims: &[usize]) -> Result<Self>;
    /// `[batch.., m, k] @ [batch.., k, n]` with equal batch dims.
    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self>;
    /// Slices `idx` (int64, 1-D) of `dim`.
    fn index_select(
        &self,
        layout: &Layout,
        dim: usize,
        idx: &Self,
        idx_layout: &Layout,
    ) -> Result<Self>;
    /// `out[p] = self[p with dim replaced by idx[p]]`; output has idx's shape.
    fn gather(&self, layout: &Layout, dim: usize, idx: &Self, idx_layout: &Layout) -> Result<Self>;
    /// In place on a contiguous `self` of `shape`: writes (or adds) `src[p]`
    /// at `p` with `dim` replaced by `idx[p]`.
    #[allow(clippy::too_many_arguments)]
    fn scatter(
        &mut self,
        shape: &[usize],
        dim: usize,
        idx: &Self,
        idx_layout: &Layout,
        src: &Self,
        src_layout: &Layout,
        accumulate: bool,
    ) -> Result<()>;
    fn cumsum(&self, layout: &Layout, dim: usize) -> Result<Self>;
    /// Stable sort along `dim`: (values, int64 indices).
    fn sort(&self, layout: &Layout, dim: usize, descending: bool) -> Result<(Self, Self)>;
    /// Unfolds `[n, c, h, w]` (float) into `[n, c*kh*kw, oh*ow]` columns.
    fn im2col(&self, layout: &Layout, g: &Window2d) -> Result<Self>;
    /// The adjoint of `im2col`: `[n, c*kh*kw, oh*ow]` summed back onto `[n, c, h, w]`.
    fn col2im(&self, layout: &Layout, g: &Window2d) -> Result<Self>;
    /// Fused 2-D convolution of `self` `[n, c, h, w]` with `weight`
    /// `[oc, c/groups, kh, kw]` plus an optional `bias` `[oc]`:
    /// `[n, oc, oh, ow]`. (`im2col` + `matmul` compose the same result; a
    /// backend fuses them to avoid materialising the batch's columns. One
    /// that does not keeps this default, and `nn::functional::conv2d`
    /// composes the two for its tensors.)
    fn conv2d(
        &self,
        layout: &Layout,
        weight: &Self,
        weight_layout: &Layout,
        bias: Option<(&Self, &Layout)>,
        s: &ConvShape,
    ) -> Result<Self> {
        let _ = (layout, weight, weight_layout, bias, s);
        Err(no_fused_conv())
    }
    /// Gradients of [`Backend::conv2d`] with respect to (input, weight,
    /// bias) from the output gradient `grad`, for the `need`ed ones.
    #[allow(clippy::too_many_arguments)]
    fn conv2d_backward(
        &self,
        layout: &Layout,
        weight: &Self,
        weight_layout: &Layout,
        grad: &Self,
        grad_layout: &Layout,
        s: &ConvShape,
        need: [bool; 3],
    ) -> Result<[Option<Self>; 3]> {
        let _ = (layout, weight, weight_layout, grad, grad_layout, s, need);
        Err(no_fused_conv())
    }
    /// 2-D max pooling: values `[n, c, oh, ow]` and int64 indices into each `h*w` plane.
    fn max_pool2d(&self, layout: &Layout, g: &Window2d) -> Result<(Self, Self)>;
    /// `self` is the gradient `[n, c, oh, ow]`, scattered to `[n, c, h, w]` at `idx`.
    fn max_pool2d_backward(
        &self,
        layout: &Layout,
        idx: &Self,
        idx_layout: &Layout,
        g: &Window2d,
    ) -> Result<Self>;

    // Fused kernels: `None` means "not fused here", and the caller runs
    // its composite of primitives (the tested reference; the CPU keeps it,
    // so CPU results never depend on these).

    /// Softmax (`log`: log_softmax) over the last dim of `layout`, in one
    /// pass per row, contiguous out.
    fn softmax_last(&self, layout: &Layout, log: bool) -> Result<Option<Self>> {
        let _ = (layout, log);
        Ok(None)
    }
    /// `x [m, k] @ w [n, k]^T + bias` for a contiguous float32 `x` and a
    /// contiguous float32/float16/bfloat16 `w` (float32 `bias`), widening
    /// the weight on the fly. `None` where the device has no such kernel:
    /// the caller composes a cast and a matmul.
    fn linear_widening(
        &self,
        xl: &Layout,
        w: &Self,
        wl: &Layout,
        bias: Option<(&Self, &Layout)>,
    ) -> Result<Option<Self>> {
        let _ = (xl, w, wl, bias);
        Ok(None)
    }
    /// Layer norm (`rms` false) or RMS norm over trailing rows of `len`
    /// elements, no affine: (x-hat, mean, rstd), the statistics float32.
    fn norm_last(
        &self,
        layout: &Layout,
        len: usize,
        eps: f64,
        rms: bool,
    ) -> Result<Option<(Self, Self, Self)>> {
        let _ = (layout, len, eps, rms);
        Ok(None)
    }
    /// Dropout from a counter-based stream keyed by `seed()` (called only
    /// by a backend that has the kernel): (output, mask = scale or 0).
    fn dropout(
        &self,
        layout: &Layout,
        p: f64,
        seed: impl FnOnce() -> u64,
    ) -> Result<Option<(Self, Self)>> {
        let _ = (layout, p, seed);
        Ok(None)
    }
    /// The whole buffer as a host slice of `T`, where it is host memory of
    /// that element type (the CPU): host loops such as the optimizers'
    /// one-pass updates then run in place. `None` elsewhere.
    fn host_slice<T: IntoStorage>(&self) -> Option<&[T]> {
        None
    }
    /// [`Backend::host_slice`], writable.
    fn host_slice_mut<T: IntoStorage>(&mut self) -> Option<&mut [T]> {
        None
    }
}

/// Devices without a fused convolution: `nn::functional::conv2d` composes
/// `im2col` and `matmul` for their tensors and never asks them.
fn no_fused_conv() -> Error {
    Error::Internal(
        "this backend has no fused conv2d (nn::functional composes im2col and matmul)".into(),
    )
}

/// A tensor's buffer on some device.
#[derive(Debug, Clone)]
pub enum Storage {
    Cpu(CpuStorage),
    #[cfg(feature = "cuda")]
    Cuda(CudaStorage),
}

/// Runs `$body` with `$s` bound to the backend buffer, whatever the device.
macro_rules! each {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            Storage::Cpu($s) => $body,
            #[cfg(feature = "cuda")]
            Storage::Cuda($s) => $body,
        }
    };
}

/// Matches two storages on the same device (binding both), or returns the
/// mixed-device error naming both devices, as PyTorch does.
macro_rules! pair {
    ($op:expr, $a:expr, $b:expr, ($x:ident, $y:ident) => $cpu:expr, $cuda:expr) => {
        match ($a, $b) {
            (Storage::Cpu($x), Storage::Cpu($y)) => $cpu,
            #[cfg(feature = "cuda")]
            (Storage::Cuda($x), Storage::Cuda($y)) if $x.device() == $y.device() => $cuda,
            #[allow(unreachable_patterns)]
            (a, b) => Err(Error::DeviceMismatch {
                op: $op,
                lhs: a.device(),
                rhs: b.device(),
            }),
        }
    };
}

/// Errors unless all storages live on one device (PyTorch's message).
fn same_device(op: &'static str, all: &[&Storage]) -> Result<()> {
    let d = all[0].device();
    match all.iter().find(|s| s.device() != d) {
        Some(s) => Err(Error::DeviceMismatch {
            op,
            lhs: d,
            rhs: s.device(),
        }),
        None => Ok(()),
    }
}

impl Storage {
    /// A buffer of `n` copies of `value` on `device`.
    pub fn full(n: usize, value: f64, dtype: DType, device: Device) -> Result<Storage> {
        match device {
            Device::Cpu => Ok(Storage::Cpu(CpuStorage::full(n, value, dtype)?)),
            #[cfg(feature = "cuda")]
            Device::Cuda(i) => Ok(Storage::Cuda(CudaStorage::full(n, value, dtype, i)?)),
            #[cfg(not(feature = "cuda"))]
            Device::Cuda(_) => Err(cuda::unavailable(device)),
        }
    }

    /// Moves a host buffer to `device`.
    pub fn from_cpu(cpu: CpuStorage, device: Device) -> Result<Storage> {
        match device {
            Device::Cpu => Ok(Storage::Cpu(cpu)),
            #[cfg(feature = "cuda")]
            Device::Cuda(i) => Ok(Storage::Cuda(CudaStorage::from_cpu(&cpu, i)?)),
            #[cfg(not(feature = "cuda"))]
            Device::Cuda(_) => Err(cuda::unavailable(device)),
        }
    }

    pub fn device(&self) -> Device {
        each!(self, s => s.device())
    }

    /// Errors when an output of `n` elements of `dtype` cannot fit in host
    /// memory, for host buffers (a kernel allocating infallibly is sized
    /// here first); device allocators report their own out-of-memory.
    fn host_check(&self, n: usize, dtype: DType) -> Result<()> {
        match self {
            Storage::Cpu(_) => cpu::check_alloc(n, dtype),
            #[cfg(feature = "cuda")]
            Storage::Cuda(_) => Ok(()),
        }
    }

    pub fn dtype(&self) -> DType {
        each!(self, s => Backend::dtype(s))
    }

    pub fn len(&self) -> usize {
        each!(self, s => Backend::len(s))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The host buffer, if this storage lives on the CPU.
    pub fn as_cpu(&self) -> Option<&CpuStorage> {
        match self {
            Storage::Cpu(s) => Some(s),
            #[cfg(feature = "cuda")]
            Storage::Cuda(_) => None,
        }
    }

    pub fn to_cpu(&self, l: &Layout) -> Result<CpuStorage> {
        each!(self, s => s.to_cpu(l))
    }

    pub fn copy_strided(&self, l: &Layout) -> Result<Storage> {
        self.host_check(l.numel(), self.dtype())?;
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.copy_strided(l)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::copy_strided(s, l)?)),
        }
    }

    pub fn cast(&self, l: &Layout, dtype: DType) -> Result<Storage> {
        self.host_check(l.numel(), dtype)?;
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(s.cast(l, dtype)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::cast(s, l, dtype)?)),
        }
    }

    pub fn copy_into(&mut self, dl: &Layout, src: &Storage, sl: &Layout) -> Result<()> {
        pair!("copy_", self, src, (d, s) => d.copy_into(dl, s, sl), d.copy_into(dl, s, sl))
    }

    pub fn unary(&self, l: &Layout, op: UnaryOp) -> Result<Storage> {
        // (the elementwise kernels allocate infallibly: sized here)
        self.host_check(l.numel(), self.dtype())?;
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(Backend::unary(s, l, op)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::unary(s, l, op)?)),
        }
    }

    pub fn binary(&self, l: &Layout, rhs: &Storage, rl: &Layout, op: BinaryOp) -> Result<Storage> {
        self.host_check(l.numel(), self.dtype())?;
        pair!("binary", self, rhs, (a, b) =>
            Ok(Storage::Cpu(Backend::binary(a, l, b, rl, op)?)),
            Ok(Storage::Cuda(Backend::binary(a, l, b, rl, op)?)))
    }

    pub fn where_cond(
        &self,
        l: &Layout,
        a: &Storage,
        al: &Layout,
        b: &Storage,
        bl: &Layout,
    ) -> Result<Storage> {
        self.host_check(l.numel(), a.dtype())?;
        same_device("where", &[self, a, b])?;
        match (self, a, b) {
            (Storage::Cpu(c), Storage::Cpu(a), Storage::Cpu(b)) => {
                Ok(Storage::Cpu(c.where_cond(l, a, al, b, bl)?))
            }
            #[cfg(feature = "cuda")]
            (Storage::Cuda(c), Storage::Cuda(a), Storage::Cuda(b)) => {
                Ok(Storage::Cuda(Backend::where_cond(c, l, a, al, b, bl)?))
            }
            #[allow(unreachable_patterns)]
            _ => Err(Error::Internal(
                "where: storages on one device differ in kind".into(),
            )),
        }
    }

    pub fn reduce(&self, l: &Layout, op: ReduceOp, dims: &[usize]) -> Result<Storage> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(Backend::reduce(s, l, op, dims)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::reduce(s, l, op, dims)?)),
        }
    }

    pub fn matmul(&self, l: &Layout, rhs: &Storage, rl: &Layout) -> Result<Storage> {
        let n = rl.shape().last().copied().unwrap_or(1);
        self.host_check(
            (l.numel() / l.shape().last().copied().unwrap_or(1).max(1)).saturating_mul(n),
            self.dtype(),
        )?;
        pair!("matmul", self, rhs, (a, b) =>
            Ok(Storage::Cpu(Backend::matmul(a, l, b, rl)?)),
            Ok(Storage::Cuda(Backend::matmul(a, l, b, rl)?)))
    }

    pub fn index_select(
        &self,
        l: &Layout,
        dim: usize,
        idx: &Storage,
        il: &Layout,
    ) -> Result<Storage> {
        pair!("index_select", self, idx, (s, i) =>
            Ok(Storage::Cpu(Backend::index_select(s, l, dim, i, il)?)),
            Ok(Storage::Cuda(Backend::index_select(s, l, dim, i, il)?)))
    }

    pub fn gather(&self, l: &Layout, dim: usize, idx: &Storage, il: &Layout) -> Result<Storage> {
        pair!("gather", self, idx, (s, i) =>
            Ok(Storage::Cpu(Backend::gather(s, l, dim, i, il)?)),
            Ok(Storage::Cuda(Backend::gather(s, l, dim, i, il)?)))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn scatter(
        &mut self,
        shape: &[usize],
        dim: usize,
        idx: &Storage,
        il: &Layout,
        src: &Storage,
        sl: &Layout,
        accumulate: bool,
    ) -> Result<()> {
        same_device("scatter", &[self, idx, src])?;
        match (self, idx, src) {
            (Storage::Cpu(d), Storage::Cpu(i), Storage::Cpu(s)) => {
                Backend::scatter(d, shape, dim, i, il, s, sl, accumulate)
            }
            #[cfg(feature = "cuda")]
            (Storage::Cuda(d), Storage::Cuda(i), Storage::Cuda(s)) => {
                Backend::scatter(d, shape, dim, i, il, s, sl, accumulate)
            }
            #[allow(unreachable_patterns)]
            _ => Err(Error::Internal(
                "scatter: storages on one device differ in kind".into(),
            )),
        }
    }

    pub fn cumsum(&self, l: &Layout, dim: usize) -> Result<Storage> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(Backend::cumsum(s, l, dim)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::cumsum(s, l, dim)?)),
        }
    }

    pub fn sort(&self, l: &Layout, dim: usize, descending: bool) -> Result<(Storage, Storage)> {
        match self {
            Storage::Cpu(s) => {
                let (v, i) = Backend::sort(s, l, dim, descending)?;
                Ok((Storage::Cpu(v), Storage::Cpu(i)))
            }
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => {
                let (v, i) = Backend::sort(s, l, dim, descending)?;
                Ok((Storage::Cuda(v), Storage::Cuda(i)))
            }
        }
    }
}

/// The fused kernels and host access of [`Backend`], per device: `None`
/// where the device has no such path.
impl Storage {
    /// See [`Backend::softmax_last`].
    pub(crate) fn fused_softmax_last(&self, l: &Layout, log: bool) -> Result<Option<Storage>> {
        Ok(match self {
            Storage::Cpu(s) => Backend::softmax_last(s, l, log)?.map(Storage::Cpu),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Backend::softmax_last(s, l, log)?.map(Storage::Cuda),
        })
    }

    /// See [`Backend::linear_widening`].
    pub(crate) fn linear_widening(
        &self,
        xl: &Layout,
        w: &Storage,
        wl: &Layout,
        bias: Option<(&Storage, &Layout)>,
    ) -> Result<Option<Storage>> {
        match (self, w, bias) {
            (Storage::Cpu(x), Storage::Cpu(w), None) => {
                Ok(Backend::linear_widening(x, xl, w, wl, None)?.map(Storage::Cpu))
            }
            (Storage::Cpu(x), Storage::Cpu(w), Some((Storage::Cpu(b), bl))) => {
                Ok(Backend::linear_widening(x, xl, w, wl, Some((b, bl)))?.map(Storage::Cpu))
            }
            #[cfg(feature = "cuda")]
            _ => Ok(None),
        }
    }

    /// See [`Backend::norm_last`].
    pub(crate) fn fused_norm_last(
        &self,
        l: &Layout,
        len: usize,
        eps: f64,
        rms: bool,
    ) -> Result<Option<(Storage, Storage, Storage)>> {
        Ok(match self {
            Storage::Cpu(s) => Backend::norm_last(s, l, len, eps, rms)?
                .map(|(y, m, r)| (Storage::Cpu(y), Storage::Cpu(m), Storage::Cpu(r))),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Backend::norm_last(s, l, len, eps, rms)?
                .map(|(y, m, r)| (Storage::Cuda(y), Storage::Cuda(m), Storage::Cuda(r))),
        })
    }

    /// See [`Backend::dropout`].
    pub(crate) fn fused_dropout(
        &self,
        l: &Layout,
        p: f64,
        seed: impl FnOnce() -> u64,
    ) -> Result<Option<(Storage, Storage)>> {
        Ok(match self {
            Storage::Cpu(s) => {
                Backend::dropout(s, l, p, seed)?.map(|(y, m)| (Storage::Cpu(y), Storage::Cpu(m)))
            }
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => {
                Backend::dropout(s, l, p, seed)?.map(|(y, m)| (Storage::Cuda(y), Storage::Cuda(m)))
            }
        })
    }

    /// See [`Backend::host_slice`].
    pub(crate) fn host_slice<T: IntoStorage>(&self) -> Option<&[T]> {
        each!(self, s => Backend::host_slice(s))
    }

    /// See [`Backend::host_slice_mut`].
    pub(crate) fn host_slice_mut<T: IntoStorage>(&mut self) -> Option<&mut [T]> {
        each!(self, s => Backend::host_slice_mut(s))
    }
}

impl Storage {
    pub fn im2col(&self, l: &Layout, g: &Window2d) -> Result<Storage> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(Backend::im2col(s, l, g)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::im2col(s, l, g)?)),
        }
    }

    pub fn col2im(&self, l: &Layout, g: &Window2d) -> Result<Storage> {
        match self {
            Storage::Cpu(s) => Ok(Storage::Cpu(Backend::col2im(s, l, g)?)),
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => Ok(Storage::Cuda(Backend::col2im(s, l, g)?)),
        }
    }

    pub fn conv2d(
        &self,
        l: &Layout,
        w: &Storage,
        wl: &Layout,
        bias: Option<(&Storage, &Layout)>,
        s: &ConvShape,
    ) -> Result<Storage> {
        self.host_check(
            s.win
                .n
                .saturating_mul(s.oc)
                .saturating_mul(s.win.oh)
                .saturating_mul(s.win.ow),
            self.dtype(),
        )?;
        match (self, w, bias) {
            (Storage::Cpu(x), Storage::Cpu(w), None) => {
                Ok(Storage::Cpu(Backend::conv2d(x, l, w, wl, None, s)?))
            }
            (Storage::Cpu(x), Storage::Cpu(w), Some((Storage::Cpu(b), bl))) => Ok(Storage::Cpu(
                Backend::conv2d(x, l, w, wl, Some((b, bl)), s)?,
            )),
            // Other devices compose im2col and matmul (nn::functional::conv).
            #[cfg(feature = "cuda")]
            _ => Err(no_fused_conv()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn conv2d_backward(
        &self,
        l: &Layout,
        w: &Storage,
        wl: &Layout,
        grad: &Storage,
        gl: &Layout,
        s: &ConvShape,
        need: [bool; 3],
    ) -> Result<[Option<Storage>; 3]> {
        match (self, w, grad) {
            (Storage::Cpu(x), Storage::Cpu(w), Storage::Cpu(g)) => {
                Ok(Backend::conv2d_backward(x, l, w, wl, g, gl, s, need)?
                    .map(|v| v.map(Storage::Cpu)))
            }
            #[cfg(feature = "cuda")]
            _ => Err(no_fused_conv()),
        }
    }

    pub fn max_pool2d(&self, l: &Layout, g: &Window2d) -> Result<(Storage, Storage)> {
        match self {
            Storage::Cpu(s) => {
                let (v, i) = Backend::max_pool2d(s, l, g)?;
                Ok((Storage::Cpu(v), Storage::Cpu(i)))
            }
            #[cfg(feature = "cuda")]
            Storage::Cuda(s) => {
                let (v, i) = Backend::max_pool2d(s, l, g)?;
                Ok((Storage::Cuda(v), Storage::Cuda(i)))
            }
        }
    }

    pub fn max_pool2d_backward(
        &self,
        l: &Layout,
        idx: &Storage,
        il: &Layout,
        g: &Window2d,
    ) -> Result<Storage> {
        pair!("max_pool2d_backward", self, idx, (s, i) =>
            Ok(Storage::Cpu(Backend::max_pool2d_backward(s, l, i, il, g)?)),
            Ok(Storage::Cuda(Backend::max_pool2d_backward(s, l, i, il, g)?)))
    }
}
