//! One `Gpu` per device, made on first use: the driver context, the one
//! stream every op of the device is queued on (so ops are ordered without
//! events), the cuBLAS handle bound to it, the NVRTC module cache keyed by
//! (family, dtype), and the caching allocator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use cudarc::cublas::CudaBlas;
use cudarc::driver::{CudaContext, CudaFunction, CudaModule, CudaStream};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions, Ptx};

use super::alloc::Pool;
use super::kernels;
use crate::{DType, Device, Error, Result};

pub(crate) struct Gpu {
    pub ordinal: usize,
    pub stream: Arc<CudaStream>,
    pub blas: CudaBlas,
    ctx: Arc<CudaContext>,
    /// NVRTC target: `compute_XY` PTX, finished by the driver's JIT.
    arch: String,
    modules: Mutex<HashMap<(&'static str, DType), Arc<CudaModule>>>,
    pub(crate) pool: Mutex<Pool>,
}

/// Wraps a CUDA library error as PyTorch words it ("CUDA error: ...").
pub(crate) fn cuda_err(e: impl std::fmt::Debug) -> Error {
    Error::invalid(format!("CUDA error: {e:?}"))
}

/// The number of devices, 0 when the driver library is absent or reports
/// none. Probing the library first keeps cudarc from panicking on a
/// machine without a driver.
pub(crate) fn device_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        // SAFETY: only tries to dlopen the driver library by its known names.
        if !unsafe { cudarc::driver::sys::is_culib_present() } {
            return 0;
        }
        CudaContext::device_count()
            .map(|n| n.max(0) as usize)
            .unwrap_or(0)
    })
}

fn slots() -> &'static [OnceLock<Arc<Gpu>>] {
    static SLOTS: OnceLock<Vec<OnceLock<Arc<Gpu>>>> = OnceLock::new();
    SLOTS.get_or_init(|| (0..device_count()).map(|_| OnceLock::new()).collect())
}

/// The device `ordinal`, initialised on first use; an error (never a panic)
/// without a driver, a device, NVRTC or cuBLAS.
pub(crate) fn gpu(ordinal: usize) -> Result<Arc<Gpu>> {
    let slot = slots()
        .get(ordinal)
        .ok_or_else(|| super::unavailable(Device::Cuda(ordinal)))?;
    if let Some(g) = slot.get() {
        return Ok(g.clone());
    }
    let g = Arc::new(Gpu::new(ordinal)?);
    // A racing thread may have won; either value is a working device.
    Ok(slot.get_or_init(|| g).clone())
}

impl Gpu {
    fn new(ordinal: usize) -> Result<Gpu> {
        // SAFETY: as in device_count, these only probe for the libraries.
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            return Err(Error::invalid(
                "CUDA error: libnvrtc was not found (install the CUDA runtime compiler, e.g. the nvidia-cuda-nvrtc package)",
            ));
        }
        if !unsafe { cudarc::cublas::sys::is_culib_present() } {
            return Err(Error::invalid("CUDA error: libcublas was not found"));
        }
        let ctx = CudaContext::new(ordinal).map_err(cuda_err)?;
        let (major, minor) = ctx.compute_capability().map_err(cuda_err)?;
        let stream = ctx.default_stream();
        let blas = CudaBlas::new(stream.clone()).map_err(cuda_err)?;
        Ok(Gpu {
            ordinal,
            stream,
            blas,
            ctx,
            arch: format!("compute_{major}{minor}"),
            modules: Mutex::new(HashMap::new()),
            pool: Mutex::new(Pool::default()),
        })
    }

    pub fn device(&self) -> Device {
        Device::Cuda(self.ordinal)
    }

    /// Kernel `name` of `family` for `dtype`, compiling the family's program
    /// on first use (one NVRTC compile per device, family and dtype).
    pub fn function(&self, family: &'static str, dtype: DType, name: &str) -> Result<CudaFunction> {
        let module = {
            let mut cache = self
                .modules
                .lock()
                .map_err(|_| Error::Internal("CUDA module cache poisoned".into()))?;
            match cache.get(&(family, dtype)) {
                Some(m) => m.clone(),
                None => {
                    let ptx = compile(family, dtype, &self.arch)?;
                    let m = self.ctx.load_module(ptx).map_err(cuda_err)?;
                    cache.insert((family, dtype), m.clone());
                    m
                }
            }
        };
        module.load_function(name).map_err(cuda_err)
    }

    pub fn synchronize(&self) -> Result<()> {
        self.stream.synchronize().map_err(cuda_err)
    }

    #[cfg(feature = "distributed")]
    /// Makes this device's context current on the calling thread (for
    /// libraries that use the current context, as NCCL's communicator init).
    pub fn bind_to_thread(&self) -> Result<()> {
        self.ctx.bind_to_thread().map_err(cuda_err)
    }
}

/// Compiles kernel `family` for `dtype` and `arch` exactly as a device's
/// first use does. Needs libnvrtc, not a GPU.
pub(crate) fn compile(family: &str, dtype: DType, arch: &str) -> Result<Ptx> {
    // SAFETY: only probes for the library, so a missing NVRTC is an error
    // here instead of cudarc's panic.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err(Error::invalid(
            "CUDA error: libnvrtc was not found (install the CUDA runtime compiler, e.g. the nvidia-cuda-nvrtc package)",
        ));
    }
    let src = kernels::program_source(family, dtype)
        .ok_or_else(|| Error::invalid(format!("no CUDA kernel family {family}")))?;
    let opts = CompileOptions {
        options: kernels::nvrtc_options(arch),
        name: Some(format!("{family}.cu")),
        ..Default::default()
    };
    compile_ptx_with_opts(src, opts).map_err(|e| {
        Error::Internal(format!(
            "NVRTC failed on {family}.cu for {}: {e}",
            dtype.name()
        ))
    })
}

/// (allocated, reserved) bytes of device `ordinal`; zeros for a device not
/// yet used.
pub(crate) fn memory_stats(ordinal: usize) -> (usize, usize) {
    slots()
        .get(ordinal)
        .and_then(|s| s.get())
        .and_then(|g| {
            g.pool
                .lock()
                .ok()
                .map(|p| (p.allocated, p.allocated + p.cached))
        })
        .unwrap_or((0, 0))
}

pub(crate) fn empty_cache() {
    for g in slots().iter().filter_map(|s| s.get()) {
        if let Ok(mut p) = g.pool.lock() {
            p.release_cached();
        }
    }
}
