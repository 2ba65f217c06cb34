//! A small caching allocator for large CPU buffers.
//!
//! A fresh 64 MiB output costs 2.5-3x the kernel that fills it on this
//! class of machine: the OS maps each page on first touch. Training loops
//! allocate the same sizes every step, so buffers of at least
//! `MIN_BYTES` are kept when their storage dies and handed out again for a
//! request of the same element type and a similar size, already mapped.
//! The pool holds at most `MAX_BYTES`; `empty_cache()` releases it.
//!
//! Every buffer whose size a user controls is allocated here through the
//! fallible [`try_alloc`] / [`try_filled`] / [`try_copy`]: a request larger
//! than the memory available (or whose byte count overflows) is PyTorch's
//! DefaultCPUAllocator error, never an abort inside `Vec`.

use std::any::Any;
use std::sync::Mutex;

use super::CpuStorage;
use crate::{cpu_dispatch, Device, Error, Result};

/// Buffers smaller than this go straight back to the system allocator.
const MIN_BYTES: usize = 1 << 20;
/// Upper bound on the bytes the pool keeps alive.
const MAX_BYTES: usize = 512 << 20;

struct Pool {
    /// Most recently freed last; each entry is a `Vec<T>` for some `T`.
    free: Vec<(usize, Box<dyn Any + Send>)>,
    bytes: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    free: Vec::new(),
    bytes: 0,
});

fn pool() -> std::sync::MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(|p| p.into_inner())
}

/// An empty `Vec<T>` with room for `n` elements, reusing a cached buffer
/// of the same element type when one of capacity `n..=2n` is free.
/// Callers have checked the size (`check_alloc`); prefer [`try_alloc`].
pub fn alloc<T: Send + 'static>(n: usize) -> Vec<T> {
    reuse(n.saturating_mul(std::mem::size_of::<T>())).unwrap_or_else(|| Vec::with_capacity(n))
}

/// The out-of-memory error for `n` elements of `elem` bytes each.
pub fn oom(n: usize, elem: usize) -> Error {
    Error::OutOfMemory {
        bytes: n as u128 * elem as u128,
        device: Device::Cpu,
    }
}

/// [`alloc`] that fails instead of aborting: errors when the bytes
/// overflow, exceed the memory available, or the allocator refuses.
pub fn try_alloc<T: Send + 'static>(n: usize) -> Result<Vec<T>> {
    let elem = std::mem::size_of::<T>();
    let bytes = n.checked_mul(elem).ok_or_else(|| oom(n, elem))?;
    super::check_bytes(bytes as u128)?;
    if let Some(v) = reuse(bytes) {
        return Ok(v);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| oom(n, elem))?;
    Ok(v)
}

/// `vec![value; n]`, fallibly.
pub fn try_filled<T: Clone + Send + 'static>(n: usize, value: T) -> Result<Vec<T>> {
    let mut v = try_alloc(n)?;
    v.resize(n, value);
    Ok(v)
}

/// `src.to_vec()`, fallibly.
pub fn try_copy<T: Copy + Send + 'static>(src: &[T]) -> Result<Vec<T>> {
    let mut v = try_alloc(src.len())?;
    v.extend_from_slice(src);
    Ok(v)
}

/// A cached buffer of `T` for a request of `bytes`, if the pool has one.
fn reuse<T: Send + 'static>(bytes: usize) -> Option<Vec<T>> {
    if bytes >= MIN_BYTES {
        let mut p = pool();
        let hit = p.free.iter().rposition(|(b, v)| {
            *b >= bytes && *b <= 2 * bytes && v.as_ref().downcast_ref::<Vec<T>>().is_some()
        });
        if let Some(i) = hit {
            let (b, v) = p.free.remove(i);
            p.bytes -= b;
            if let Ok(mut v) = v.downcast::<Vec<T>>() {
                v.clear();
                return Some(*v);
            }
        }
    }
    None
}

fn keep<T: Send + 'static>(v: Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if !(MIN_BYTES..=MAX_BYTES).contains(&bytes) {
        return;
    }
    let mut p = pool();
    while p.bytes + bytes > MAX_BYTES && !p.free.is_empty() {
        let (b, _) = p.free.remove(0);
        p.bytes -= b;
    }
    p.bytes += bytes;
    p.free.push((bytes, Box::new(v)));
}

/// Returns a dying storage's buffer to the pool (if it is large).
pub fn recycle(s: CpuStorage) {
    cpu_dispatch!(s, v => keep(v))
}

/// Releases every cached buffer (`torch.cuda.empty_cache()`'s CPU twin).
pub fn empty_cache() {
    let mut p = pool();
    p.free.clear();
    p.bytes = 0;
}

/// Bytes currently cached.
pub fn cached_bytes() -> usize {
    pool().bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_buffers_of_the_same_type_and_size() {
        let n = MIN_BYTES; // bytes of f32 -> 4 MiB
        let v: Vec<f32> = vec![1.0; n];
        let ptr = v.as_ptr();
        recycle(CpuStorage::F32(v));
        // A different element type never gets it ...
        let w: Vec<f64> = alloc(n / 2);
        assert_ne!(w.as_ptr() as *const f32, ptr);
        // ... the same type and size does, emptied.
        let u: Vec<f32> = alloc(n);
        assert_eq!(u.as_ptr(), ptr);
        assert!(u.is_empty() && u.capacity() >= n);
    }

    #[test]
    fn impossible_sizes_are_errors() {
        let e = try_alloc::<f64>(usize::MAX / 2).unwrap_err().to_string();
        assert!(e.contains("DefaultCPUAllocator: can't allocate memory: you tried to allocate 73786976294838206456 bytes"), "{e}");
        let e = try_filled(1usize << 50, 0f32).unwrap_err().to_string();
        assert!(
            e.contains("you tried to allocate 4503599627370496 bytes"),
            "{e}"
        );
        assert_eq!(try_filled(3, 7i32).unwrap(), vec![7, 7, 7]);
    }
}
