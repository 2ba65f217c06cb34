//! The collectives of the host backends (mpi, threads) over a small
//! [`Transport`]: typed host buffers moved between ranks. Tensors are
//! staged into contiguous host buffers (CUDA tensors through a device copy,
//! as PyTorch's gloo does) and written back in place.
//!
//! all_reduce is a reduce-scatter then an all-gather: rank r receives
//! slice r of every rank's buffer, folds the slices in rank order
//! (reduce.rs), and the folded slices are gathered to everyone. Each
//! element is computed once, by one rank, so every rank ends with the same
//! bits, and each rank sends and receives about 2(N-1)/N of the buffer:
//! the volume of a ring all-reduce.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use super::group::{Backend, ProcessGroup, ReduceOp};
use super::reduce;
use crate::storage::cpu::CpuStorage;
use crate::storage::Storage;
use crate::{DType, Error, Layout, Result, Tensor};

/// Moves host buffers between the ranks of a group; every rank makes the
/// same calls in the same order. Counts are in elements of the buffer's
/// dtype; every rank passes buffers of one dtype.
pub trait Transport: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    fn timeout(&self) -> Duration;
    /// `send` holds `send_counts[j]` elements for rank j, in rank order;
    /// returns what each rank sent here, in rank order (`recv_counts[i]`
    /// elements from rank i).
    fn all_to_all(
        &self,
        send: CpuStorage,
        send_counts: Vec<usize>,
        recv_counts: Vec<usize>,
    ) -> Result<CpuStorage>;
    /// Every rank's `send` (`counts[i]` elements from rank i), in rank order.
    fn all_gather(&self, send: CpuStorage, counts: Vec<usize>) -> Result<CpuStorage>;
    /// `root`'s buffer, on every rank (`buf` has the same length everywhere).
    fn broadcast(&self, buf: CpuStorage, root: usize) -> Result<CpuStorage>;
    /// On `root`, every rank's equally long `send` in rank order.
    fn gather(&self, send: CpuStorage, root: usize) -> Result<Option<CpuStorage>>;
    /// Slice `rank()` (of `count` elements) of `root`'s `send`.
    fn scatter(
        &self,
        send: Option<CpuStorage>,
        count: usize,
        dtype: DType,
        root: usize,
    ) -> Result<CpuStorage>;
    fn barrier(&self) -> Result<()>;
    fn all_gather_bytes(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>>;
}

/// A process group whose collectives run on the host over `T`.
pub struct HostGroup<T: Transport> {
    pub(crate) transport: T,
    seq: AtomicU64,
}

impl<T: Transport> HostGroup<T> {
    pub fn new(transport: T) -> Self {
        HostGroup {
            transport,
            seq: AtomicU64::new(0),
        }
    }
}

/// A contiguous host copy of `t`'s elements.
pub(crate) fn stage(t: &Tensor) -> Result<CpuStorage> {
    t.to_cpu_storage()
}

/// Writes a contiguous host buffer into `t`'s elements, in place (bumping
/// its version, as any in-place write).
pub(crate) fn write_back(t: &Tensor, host: CpuStorage) -> Result<()> {
    if host.len() != t.numel() || host.dtype() != t.dtype() {
        return Err(Error::Internal(format!(
            "collective result of {} {} for a tensor of {} {}",
            host.len(),
            host.dtype().name(),
            t.numel(),
            t.dtype().name()
        )));
    }
    let src = Storage::from_cpu(host, t.device())?;
    t.storage_mut()
        .copy_into(t.layout(), &src, &Layout::contiguous(t.shape()))?;
    t.storage_cell().bump_version();
    Ok(())
}

/// `n` elements split into `parts` near-equal runs (the first `n % parts` one longer).
pub(crate) fn split(n: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|i| n / parts + usize::from(i < n % parts))
        .collect()
}

/// The largest slice of a buffer one all_reduce round moves (MPI counts are
/// 32-bit; bounding rounds also bounds the temporary buffers).
const ROUND_BYTES: usize = 256 << 20;

impl<T: Transport> HostGroup<T> {
    fn all_reduce_host(&self, buf: CpuStorage, op: ReduceOp) -> Result<CpuStorage> {
        let p = self.transport.size();
        let me = self.transport.rank();
        let n = buf.len();
        let per_round = (ROUND_BYTES / buf.dtype().size_in_bytes()).max(p);
        if n <= per_round {
            let counts = split(n, p);
            let recv = self
                .transport
                .all_to_all(buf, counts.clone(), vec![counts[me]; p])?;
            let mine = reduce::combine(&recv, p, op)?;
            return self.transport.all_gather(mine, counts);
        }
        // Rounds of at most `per_round` elements, in order on every rank.
        let mut parts = Vec::new();
        let mut start = 0;
        while start < n {
            let len = per_round.min(n - start);
            let piece = buf.copy_strided(&Layout::new(vec![len], vec![1], start));
            parts.push(self.all_reduce_host(piece, op)?);
            start += len;
        }
        Ok(concat(parts))
    }
}

fn concat(parts: Vec<CpuStorage>) -> CpuStorage {
    macro_rules! cat {
        ($var:ident) => {{
            let mut out = Vec::new();
            for p in parts {
                if let CpuStorage::$var(v) = p {
                    out.extend(v);
                }
            }
            CpuStorage::$var(out)
        }};
    }
    match parts.first().map(|p| p.dtype()) {
        Some(DType::Bool) => cat!(Bool),
        Some(DType::I32) => cat!(I32),
        Some(DType::I64) => cat!(I64),
        Some(DType::F16) => cat!(F16),
        Some(DType::BF16) => cat!(BF16),
        Some(DType::F64) => cat!(F64),
        Some(DType::F32) | None => cat!(F32),
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
        let out = self.all_reduce_host(stage(t)?, op)?;
        write_back(t, out)
    }

    fn broadcast(&self, t: &Tensor, root: usize) -> Result<()> {
        let me = self.rank();
        let buf = if me == root {
            stage(t)?
        } else {
            CpuStorage::full(t.numel(), 0.0, t.dtype())?
        };
        let out = self.transport.broadcast(buf, root)?;
        if me != root {
            write_back(t, out)?;
        }
        Ok(())
    }

    fn all_gather(&self, out: &Tensor, input: &Tensor) -> Result<()> {
        let n = input.numel();
        let all = self
            .transport
            .all_gather(stage(input)?, vec![n; self.size()])?;
        write_back(out, all)
    }

    fn reduce_scatter(&self, out: &Tensor, input: &Tensor, op: ReduceOp) -> Result<()> {
        let (p, m) = (self.size(), out.numel());
        let recv = self
            .transport
            .all_to_all(stage(input)?, vec![m; p], vec![m; p])?;
        write_back(out, reduce::combine(&recv, p, op)?)
    }

    fn gather(&self, out: Option<&Tensor>, input: &Tensor, root: usize) -> Result<()> {
        let all = self.transport.gather(stage(input)?, root)?;
        match (out, all) {
            (Some(o), Some(all)) => write_back(o, all),
            (None, None) => Ok(()),
            _ => Err(Error::Internal("gather: output only on the root".into())),
        }
    }

    fn scatter(&self, out: &Tensor, input: Option<&Tensor>, root: usize) -> Result<()> {
        let send = input.map(stage).transpose()?;
        let mine = self
            .transport
            .scatter(send, out.numel(), out.dtype(), root)?;
        write_back(out, mine)
    }

    fn barrier(&self) -> Result<()> {
        self.transport.barrier()
    }
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
    fn concat_joins_in_order() {
        let c = concat(vec![CpuStorage::I32(vec![1, 2]), CpuStorage::I32(vec![3])]);
        assert_eq!(c, CpuStorage::I32(vec![1, 2, 3]));
    }
}
