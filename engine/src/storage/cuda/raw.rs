//! Raw device access for foreign libraries that take device pointers and a
//! stream (NCCL): a buffer's pointer on its device's one stream, with
//! cudarc's read/write ordering kept, and the device's context bound to the
//! calling thread. Knows nothing of what the library does.

use std::sync::Arc;

use cudarc::driver::sys::CUdeviceptr;
use cudarc::driver::{CudaStream, DevicePtr, DevicePtrMut};

use super::backend::CudaStorage;
use super::context::gpu;
use crate::Result;

impl CudaStorage {
    /// Runs `f` with the buffer's device pointer (for reading) and the
    /// device's stream; work `f` queues on that stream is ordered after
    /// every earlier op on the buffer.
    pub(crate) fn with_ptr<R>(&self, f: impl FnOnce(CUdeviceptr, &Arc<CudaStream>) -> R) -> R {
        let g = self.gpu().clone();
        let (ptr, _order) = self.slice().device_ptr(&g.stream);
        f(ptr, &g.stream)
    }

    /// As [`CudaStorage::with_ptr`] for writing: a buffer shared with
    /// another storage is copied first, so the write reaches this one only.
    pub(crate) fn with_ptr_mut<R>(
        &mut self,
        f: impl FnOnce(CUdeviceptr, &Arc<CudaStream>) -> R,
    ) -> Result<R> {
        let g = self.gpu().clone();
        let slice = self.slice_mut()?;
        let (ptr, _order) = slice.device_ptr_mut(&g.stream);
        Ok(f(ptr, &g.stream))
    }
}

/// Binds device `ordinal`'s context to this thread and returns its stream.
pub(crate) fn bind(ordinal: usize) -> Result<Arc<CudaStream>> {
    let g = gpu(ordinal)?;
    g.bind_to_thread()?;
    Ok(g.stream.clone())
}
