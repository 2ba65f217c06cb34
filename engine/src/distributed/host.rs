//! The collectives of the host backends (mpi, threads) over a small
//! [`Transport`] that moves bytes between ranks. A contiguous CPU tensor is
//! sent from and received into its own storage, with no staging copy;
//! other tensors (views, CUDA tensors, as PyTorch's gloo) go through a
//! contiguous host copy that is written back in place.
//!
//! all_reduce is a reduce-scatter then an all-gather: rank r receives
//! slice r of every rank's buffer, folds the slices in rank order
//! (reduce.rs) into its own slice, and the folded slices are gathered to
//! everyone. Each element is computed once, by one rank, so every rank ends
//! with the same bits, and each rank sends and receives about 2(N-1)/N of
//! the buffer: the volume of a ring all-reduce. The received slices land in
//! a scratch buffer the group keeps, so a training loop does not fault in
//! fresh pages at every step.

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::group::{Backend, ProcessGroup, ReduceOp};
use super::reduce;
use crate::storage::cpu::CpuStorage;
use crate::storage::Storage;
use crate::{cpu_dispatch, Device, Error, Layout, Result, Tensor};

/// Moves bytes between the ranks of a group; every rank makes the same
/// calls in the same order. Counts are in bytes.
pub trait Transport: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    fn timeout(&self) -> Duration;
    /// `send` holds `send_counts[j]` bytes for rank j, in rank order;
    /// `recv` receives what each rank sent here, in rank order
    /// (`recv_counts[i]` bytes from rank i).
    fn all_to_all(
        &self,
        send: &[u8],
        send_counts: &[usize],
        recv: &mut [u8],
        recv_counts: &[usize],
    ) -> Result<()>;
    /// `recv` = every rank's `send` (`counts[i]` bytes from rank i), in rank order.
    fn all_gather(&self, send: &[u8], recv: &mut [u8], counts: &[usize]) -> Result<()>;
    /// Sends `buf` to every rank (called on the root).
    fn broadcast_from(&self, buf: &[u8]) -> Result<()>;
    /// Receives `root`'s buffer, of `buf`'s length (called on the others).
    fn broadcast_into(&self, buf: &mut [u8], root: usize) -> Result<()>;
    /// On `root`, `recv` = every rank's equally long `send` in rank order.
    fn gather(&self, send: &[u8], recv: Option<&mut [u8]>, root: usize) -> Result<()>;
    /// `recv` = slice `rank()` of `root`'s `send` (size() equal slices).
    fn scatter(&self, send: Option<&[u8]>, recv: &mut [u8], root: usize) -> Result<()>;
    fn barrier(&self) -> Result<()>;
    fn all_gather_bytes(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>>;
}

/// A process group whose collectives run on the host over `T`.
pub struct HostGroup<T: Transport> {
    pub(crate) transport: T,
    seq: AtomicU64,
    /// Received slices (8-byte aligned for every dtype), kept between calls.
    scratch: Mutex<Vec<u64>>,
}

impl<T: Transport> HostGroup<T> {
    pub fn new(transport: T) -> Self {
        HostGroup {
            transport,
            seq: AtomicU64::new(0),
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// The scratch buffer, at least `bytes` long.
    fn scratch(&self, bytes: usize) -> MutexGuard<'_, Vec<u64>> {
        let mut s = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
        let words = bytes.div_ceil(8);
        if s.len() < words {
            s.resize(words, 0);
        }
        s
    }
}

fn as_bytes(s: &mut [u64], bytes: usize) -> &mut [u8] {
    // SAFETY: u64 has no invalid bit patterns and is at least as aligned
    // as u8; `bytes` is within the buffer (scratch() sized it).
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut u8, bytes) }
}

/// The bytes of elements `start..start + n` of a host buffer.
fn range(c: &CpuStorage, start: usize, n: usize) -> &[u8] {
    cpu_dispatch!(c, v => {
        let v = &v[start..start + n];
        // SAFETY: element types are plain data; the view covers exactly `v`.
        unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
    })
}

/// As [`range`], writable. Bytes written must be valid elements of the
/// buffer's dtype: they always come from a buffer of the same dtype.
fn range_mut(c: &mut CpuStorage, start: usize, n: usize) -> &mut [u8] {
    cpu_dispatch!(c, v => {
        let v = &mut v[start..start + n];
        // SAFETY: as in `range`; see the doc comment for bools.
        unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, std::mem::size_of_val(v)) }
    })
}

/// Runs `f` on `t`'s elements as bytes: the storage itself for a
/// contiguous CPU tensor, else a host copy.
fn with_host<R>(t: &Tensor, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
    if t.device() == Device::Cpu && t.is_contiguous() {
        let s = t.storage();
        // Refutable with the cuda feature.
        #[allow(irrefutable_let_patterns)]
        if let Storage::Cpu(c) = &*s {
            return f(range(c, t.layout().offset(), t.numel()));
        }
    }
    let c = t.to_cpu_storage()?;
    f(range(&c, 0, t.numel()))
}

/// Runs `f` on `t`'s elements as writable bytes (in place for a contiguous
/// CPU tensor, else through a host copy written back), bumping its version.
fn with_host_mut<R>(t: &Tensor, f: impl FnOnce(&mut [u8]) -> Result<R>) -> Result<R> {
    if t.device() == Device::Cpu && t.is_contiguous() {
        let mut s = t.storage_mut();
        #[allow(irrefutable_let_patterns)]
        if let Storage::Cpu(c) = &mut *s {
            let r = f(range_mut(c, t.layout().offset(), t.numel()))?;
            drop(s);
            t.storage_cell().bump_version();
            return Ok(r);
        }
    }
    let mut c = t.to_cpu_storage()?;
    let r = f(range_mut(&mut c, 0, t.numel()))?;
    let src = Storage::from_cpu(c, t.device())?;
    t.storage_mut()
        .copy_into(t.layout(), &src, &Layout::contiguous(t.shape()))?;
    t.storage_cell().bump_version();
    Ok(r)
}

/// `input` itself, or a copy when it shares storage with `out` (so that
/// reading one while writing the other takes two different locks).
fn apart(input: &Tensor, out: &Tensor) -> Result<Tensor> {
    if input.shares_storage(out) {
        crate::autograd::with_no_grad(|| input.contiguous_copy())
    } else {
        Ok(input.clone())
    }
}

/// `n` items split into `parts` near-equal runs (the first `n % parts` one longer).
pub(crate) fn split(n: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|i| n / parts + usize::from(i < n % parts))
        .collect()
}

/// The largest slice of a buffer one all_reduce round moves (MPI counts are
/// 32-bit; bounding rounds also bounds the scratch buffer).
const ROUND_BYTES: usize = 256 << 20;

impl<T: Transport> HostGroup<T> {
    /// all_reduce in place on `data`, elements of `es` bytes.
    fn all_reduce_bytes(&self, data: &mut [u8], es: usize, t: &Tensor, op: ReduceOp) -> Result<()> {
        let (p, me) = (self.size(), self.rank());
        let n = data.len() / es;
        let per_round = (ROUND_BYTES / es).max(p);
        let mut start = 0;
        // Every rank has the same n (the agreement checked the shapes).
        while start < n {
            let len = per_round.min(n - start);
            let seg = &mut data[start * es..(start + len) * es];
            let counts: Vec<usize> = split(len, p).into_iter().map(|c| c * es).collect();
            let at: usize = counts[..me].iter().sum();
            let mine = counts[me];
            let mut scratch = self.scratch(mine * p);
            let recv = as_bytes(&mut scratch, mine * p);
            self.transport
                .all_to_all(seg, &counts, recv, &vec![mine; p])?;
            reduce::combine_into(t.dtype(), recv, p, op, &mut seg[at..at + mine])?;
            // The folded slice goes out from scratch: MPI's send and
            // receive buffers must not overlap.
            recv[..mine].copy_from_slice(&seg[at..at + mine]);
            self.transport.all_gather(&recv[..mine], seg, &counts)?;
            start += len;
        }
        Ok(())
    }
}

impl<T: Transport> ProcessGroup for HostGroup<T> {
    fn backend(&self) -> Backend {
        self.transport.backend()
    }

    fn rank(&self) -> usize {
        self.transport.rank()
    }

    fn size(&self) -> usize {
        self.transport.size()
    }

    fn timeout(&self) -> Duration {
        self.transport.timeout()
    }

    fn sequence(&self) -> &AtomicU64 {
        &self.seq
    }

    fn all_gather_bytes(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>> {
        self.transport.all_gather_bytes(mine.to_vec())
    }

    fn all_reduce(&self, t: &Tensor, op: ReduceOp) -> Result<()> {
        let es = t.dtype().size_in_bytes();
        with_host_mut(t, |data| self.all_reduce_bytes(data, es, t, op))
    }

    fn broadcast(&self, t: &Tensor, root: usize) -> Result<()> {
        // The root's tensor is only read (its version stays, as in PyTorch).
        if self.rank() == root {
            return with_host(t, |data| self.transport.broadcast_from(data));
        }
        with_host_mut(t, |data| self.transport.broadcast_into(data, root))
    }

    fn all_gather(&self, out: &Tensor, input: &Tensor) -> Result<()> {
        let input = apart(input, out)?;
        let p = self.size();
        with_host(&input, |src| {
            let counts = vec![src.len(); p];
            with_host_mut(out, |dst| self.transport.all_gather(src, dst, &counts))
        })
    }

    fn reduce_scatter(&self, out: &Tensor, input: &Tensor, op: ReduceOp) -> Result<()> {
        let input = apart(input, out)?;
        let p = self.size();
        let m = out.numel() * out.dtype().size_in_bytes();
        with_host(&input, |src| {
            let mut scratch = self.scratch(m * p);
            let recv = as_bytes(&mut scratch, m * p);
            self.transport
                .all_to_all(src, &vec![m; p], recv, &vec![m; p])?;
            with_host_mut(out, |dst| {
                reduce::combine_into(out.dtype(), recv, p, op, dst)
            })
        })
    }

    fn gather(&self, out: Option<&Tensor>, input: &Tensor, root: usize) -> Result<()> {
        let input = match out {
            Some(o) => apart(input, o)?,
            None => input.clone(),
        };
        with_host(&input, |src| match out {
            Some(o) => with_host_mut(o, |dst| self.transport.gather(src, Some(dst), root)),
            None => self.transport.gather(src, None, root),
        })
    }

    fn scatter(&self, out: &Tensor, input: Option<&Tensor>, root: usize) -> Result<()> {
        let input = input.map(|i| apart(i, out)).transpose()?;
        match &input {
            Some(i) => with_host(i, |src| {
                with_host_mut(out, |dst| self.transport.scatter(Some(src), dst, root))
            }),
            None => with_host_mut(out, |dst| self.transport.scatter(None, dst, root)),
        }
    }

    fn barrier(&self) -> Result<()> {
        self.transport.barrier()
    }
}

/// Errors unless `bytes` splits into `parts` equal runs.
pub(crate) fn equal_parts(what: &str, bytes: usize, parts: usize) -> Result<usize> {
    if parts == 0 || bytes % parts != 0 {
        return Err(Error::Internal(format!(
            "{what}: {bytes} bytes do not split into {parts} equal parts"
        )));
    }
    Ok(bytes / parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_n_with_near_equal_runs() {
        assert_eq!(split(10, 3), vec![4, 3, 3]);
        assert_eq!(split(2, 3), vec![1, 1, 0]);
        assert_eq!(split(0, 2), vec![0, 0]);
        assert_eq!(split(7, 1), vec![7]);
    }

    #[test]
    fn equal_parts_refuses_ragged_buffers() {
        assert_eq!(equal_parts("gather", 12, 3).unwrap(), 4);
        assert!(equal_parts("gather", 10, 3).is_err());
    }
}
