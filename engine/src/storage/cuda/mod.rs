//! The CUDA backend (feature `cuda`) and the `tinytorch::cuda` namespace.
//!
//! Without the feature only the kernel sources ([`kernels`]) and the query
//! functions exist: `is_available()` is false, `device_count()` is 0, and a
//! tensor on `Device::Cuda(_)` is an error ("Torch not compiled with CUDA
//! enabled"). With the feature, cudarc loads libcuda, NVRTC and cuBLAS at
//! run time; the driver library is probed first (cudarc panics when it is
//! missing), so a machine without a GPU answers `false` / "No CUDA GPUs are
//! available" and never reaches that panic.
//!
//! Layout: `context.rs` (one `Gpu` per device: context, stream, cuBLAS
//! handle, the per-dtype module cache, the caching allocator), `alloc.rs`
//! (the allocator), `backend.rs` (`CudaStorage` and its `Backend` impl),
//! `blas.rs` (matmul through cuBLAS), `fused.rs` (launchers of the fused
//! softmax, norm and dropout kernels behind the defaulted `Backend`
//! methods), `kernels.rs` (the sources and the pointwise rows' generated
//! `case` lines), `launch.rs` (layouts as kernel arguments, launch shapes),
//! `raw.rs` (device pointers and streams for NCCL).

pub mod kernels;

#[cfg(feature = "cuda")]
mod alloc;
#[cfg(feature = "cuda")]
mod backend;
#[cfg(feature = "cuda")]
mod blas;
#[cfg(feature = "cuda")]
mod context;
#[cfg(feature = "cuda")]
mod fused;
#[cfg(feature = "cuda")]
mod launch;
#[cfg(all(feature = "cuda", feature = "distributed"))]
pub(crate) mod raw;

#[cfg(feature = "cuda")]
pub use backend::CudaStorage;

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Device, Error, Result};

static ALLOW_TF32: AtomicBool = AtomicBool::new(false);

/// `torch.backends.cuda.matmul.allow_tf32 = on`: float32 matmuls may use
/// TF32 tensor cores (10-bit mantissa inputs). Off by default, as PyTorch.
pub fn set_allow_tf32(on: bool) {
    ALLOW_TF32.store(on, Ordering::Relaxed);
}

pub fn allow_tf32() -> bool {
    ALLOW_TF32.load(Ordering::Relaxed)
}

/// `torch.cuda.is_available()`: built with CUDA, the driver loads, and at
/// least one device is present.
pub fn is_available() -> bool {
    device_count() > 0
}

/// `torch.cuda.device_count()`: 0 without the feature, the driver, or a GPU.
pub fn device_count() -> usize {
    #[cfg(feature = "cuda")]
    {
        context::device_count()
    }
    #[cfg(not(feature = "cuda"))]
    {
        0
    }
}

/// `torch.cuda.memory_allocated(device)`: bytes held by live tensors.
pub fn memory_allocated(device: usize) -> usize {
    #[cfg(feature = "cuda")]
    {
        context::memory_stats(device).0
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = device;
        0
    }
}

/// `torch.cuda.memory_reserved(device)`: bytes held by the allocator,
/// live tensors plus cached free blocks.
pub fn memory_reserved(device: usize) -> usize {
    #[cfg(feature = "cuda")]
    {
        context::memory_stats(device).1
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = device;
        0
    }
}

/// `torch.cuda.empty_cache()`: returns every cached free block to the driver.
pub fn empty_cache() {
    #[cfg(feature = "cuda")]
    context::empty_cache();
}

/// `torch.cuda.synchronize()`: waits for the device's queued work.
pub fn synchronize(device: usize) -> Result<()> {
    #[cfg(feature = "cuda")]
    {
        context::gpu(device)?.synchronize()
    }
    #[cfg(not(feature = "cuda"))]
    {
        Err(unavailable(Device::Cuda(device)))
    }
}

/// Compiles kernel `family` (a [`kernels::FAMILIES`] name) for `dtype` and
/// `arch` (e.g. "compute_90") through cudarc's NVRTC, exactly as a device's
/// first use does, and returns the PTX. Needs libnvrtc, not a GPU: CI uses
/// it to check the run-time compile path.
#[cfg(feature = "cuda")]
pub fn compile_ptx(family: &str, dtype: crate::DType, arch: &str) -> Result<String> {
    Ok(context::compile(family, dtype, arch)?.to_src())
}

/// The error for a CUDA device this process cannot use, in PyTorch's words.
pub(crate) fn unavailable(device: Device) -> Error {
    if !cfg!(feature = "cuda") {
        return Error::invalid("Torch not compiled with CUDA enabled");
    }
    match device {
        Device::Cuda(n) if device_count() > 0 => Error::invalid(format!(
            "CUDA error: invalid device ordinal (device {n} requested, {} present)",
            device_count()
        )),
        _ => Error::invalid("No CUDA GPUs are available"),
    }
}
