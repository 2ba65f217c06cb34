//! Where the CPU kernels meet rayon, behind non-generic entry points.
//!
//! A kernel's per-chunk closure is generic (over the element type and the
//! op), and was once handed to rayon directly: every op × dtype then
//! instantiated rayon's whole job machinery, about 60% of the engine's
//! LLVM IR and most of its release build time. Here the closure crosses
//! into rayon as a `&dyn Fn`, so rayon is instantiated once; the dynamic
//! call happens once per task (tens of thousands of elements), never per
//! element, and the loop inside each task stays monomorphic.

use rayon::prelude::*;

/// Runs `task(t)` for every `t` in `0..tasks` on rayon's pool.
pub fn for_each_task(tasks: usize, task: &(dyn Fn(usize) + Sync)) {
    (0..tasks).into_par_iter().for_each(task);
}

/// Calls `f(t, chunk)` in parallel for the `t`-th `chunk`-long piece of
/// `data` (the last one may be shorter), as `data.par_chunks_mut(chunk)
/// .enumerate()` does.
pub fn chunks_mut<T: Send>(data: &mut [T], chunk: usize, f: &(dyn Fn(usize, &mut [T]) + Sync)) {
    let n = data.len();
    let chunk = chunk.max(1);
    let base = SharedMut(data.as_mut_ptr());
    for_each_task(n.div_ceil(chunk), &|t| {
        let start = t * chunk;
        let len = chunk.min(n - start);
        // SAFETY: `start + len <= n`, and distinct tasks get disjoint
        // ranges, so each element of `data` (mutably borrowed for this
        // whole call) is reachable from exactly one live slice.
        let piece = unsafe { std::slice::from_raw_parts_mut(base.get().add(start), len) };
        f(t, piece);
    });
}

/// `(0..tasks).map(f)` computed in parallel, in order.
pub fn map_tasks<A: Send>(tasks: usize, f: &(dyn Fn(usize) -> A + Sync)) -> Vec<A> {
    (0..tasks).into_par_iter().map(f).collect()
}

/// A pointer handed to tasks that write disjoint parts of one buffer.
struct SharedMut<T>(*mut T);

// SAFETY: the pointer is only used by `chunks_mut`, whose tasks touch
// disjoint elements; sending those elements across threads needs `T: Send`.
unsafe impl<T: Send> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    fn get(&self) -> *mut T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_buffer_once_in_order() {
        let mut v = vec![0usize; 1003];
        chunks_mut(&mut v, 100, &|t, c| {
            for (j, x) in c.iter_mut().enumerate() {
                *x += t * 100 + j + 1;
            }
        });
        assert!(v.iter().enumerate().all(|(i, &x)| x == i + 1));
        assert_eq!(map_tasks(5, &|t| t * t), vec![0, 1, 4, 9, 16]);
    }
}
