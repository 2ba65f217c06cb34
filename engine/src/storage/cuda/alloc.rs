//! The caching allocator: a freed buffer goes back to its device's pool,
//! keyed by its rounded size, and the next request of that size takes it
//! without calling the driver, so a training loop allocates from the driver
//! only in its first step. Sizes round up to 512 bytes below 1 MiB and to
//! 2 MiB above (few distinct keys, bounded waste). `empty_cache` returns the
//! free blocks to the driver; out of memory first empties the cache, then
//! retries once, then is `Error::OutOfMemory`.

use std::collections::HashMap;
use std::sync::Arc;

use cudarc::driver::{CudaSlice, DriverError};

use super::context::{cuda_err, Gpu};
use crate::{Error, Result};

#[derive(Default)]
pub(crate) struct Pool {
    free: HashMap<usize, Vec<CudaSlice<u8>>>,
    /// Bytes in buffers held by live storages.
    pub allocated: usize,
    /// Bytes in free blocks kept for reuse.
    pub cached: usize,
}

impl Pool {
    pub fn release_cached(&mut self) {
        self.free.clear();
        self.cached = 0;
    }
}

pub(crate) fn rounded(bytes: usize) -> usize {
    const SMALL: usize = 512;
    const LARGE: usize = 2 << 20;
    if bytes <= 1 << 20 {
        bytes.max(1).div_ceil(SMALL) * SMALL
    } else {
        bytes.div_ceil(LARGE) * LARGE
    }
}

/// A device buffer on loan from the pool; dropping it returns it.
pub(crate) struct DeviceBuffer {
    slice: Option<CudaSlice<u8>>,
    bytes: usize,
    pub gpu: Arc<Gpu>,
}

impl DeviceBuffer {
    pub fn slice(&self) -> &CudaSlice<u8> {
        self.slice
            .as_ref()
            .expect("a live DeviceBuffer holds its slice")
    }

    pub fn slice_mut(&mut self) -> &mut CudaSlice<u8> {
        self.slice
            .as_mut()
            .expect("a live DeviceBuffer holds its slice")
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        if let (Some(s), Ok(mut pool)) = (self.slice.take(), self.gpu.pool.lock()) {
            pool.allocated -= self.bytes;
            pool.cached += self.bytes;
            pool.free.entry(self.bytes).or_default().push(s);
        }
    }
}

fn is_oom(e: &DriverError) -> bool {
    e.0 == cudarc::driver::sys::CUresult::CUDA_ERROR_OUT_OF_MEMORY
}

/// An uninitialised buffer of at least `bytes` bytes on `gpu`.
pub(crate) fn alloc(gpu: &Arc<Gpu>, bytes: usize) -> Result<DeviceBuffer> {
    let size = rounded(bytes);
    let lock_err = || Error::Internal("CUDA allocator lock poisoned".into());
    {
        let mut pool = gpu.pool.lock().map_err(|_| lock_err())?;
        if let Some(s) = pool.free.get_mut(&size).and_then(|v| v.pop()) {
            pool.cached -= size;
            pool.allocated += size;
            return Ok(DeviceBuffer {
                slice: Some(s),
                bytes: size,
                gpu: gpu.clone(),
            });
        }
    }
    // SAFETY: every kernel writes its output before anything reads it; the
    // buffer is never exposed uninitialised.
    let fresh = match unsafe { gpu.stream.alloc::<u8>(size) } {
        Err(e) if is_oom(&e) => {
            gpu.pool.lock().map_err(|_| lock_err())?.release_cached();
            unsafe { gpu.stream.alloc::<u8>(size) }
        }
        other => other,
    };
    let slice = fresh.map_err(|e| {
        if is_oom(&e) {
            Error::OutOfMemory {
                bytes: size as u128,
                device: gpu.device(),
            }
        } else {
            cuda_err(e)
        }
    })?;
    gpu.pool.lock().map_err(|_| lock_err())?.allocated += size;
    Ok(DeviceBuffer {
        slice: Some(slice),
        bytes: size,
        gpu: gpu.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::rounded;

    #[test]
    fn sizes_round_to_few_keys() {
        assert_eq!(rounded(0), 512);
        assert_eq!(rounded(1), 512);
        assert_eq!(rounded(513), 1024);
        assert_eq!(rounded(1 << 20), 1 << 20);
        assert_eq!(rounded((1 << 20) + 1), 2 << 20);
        assert_eq!(rounded(5 << 20), 6 << 20);
    }
}
