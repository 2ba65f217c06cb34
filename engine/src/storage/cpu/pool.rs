//! A small caching allocator for large CPU buffers.
//!
//! A fresh 64 MiB output costs 2.5-3x the kernel that fills it on this
//! class of machine: the OS maps each page on first touch. Training loops
//! allocate the same sizes every step, so buffers of at least
//! `MIN_BYTES` are kept when their storage dies and handed out again for a
//! request of the same element type and a similar size, already mapped.
//! The pool holds at most `MAX_BYTES`; `empty_cache()` releases it.

use std::any::Any;
use std::sync::Mutex;

use super::CpuStorage;
use crate::cpu_dispatch;

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
pub fn alloc<T: Send + 'static>(n: usize) -> Vec<T> {
    let bytes = n * std::mem::size_of::<T>();
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
                return *v;
            }
        }
    }
    Vec::with_capacity(n)
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
}
