//! The `nccl` backend (features `cuda` and `distributed`): NCCL through
//! cudarc's bindings for collectives on CUDA tensors, bootstrapped over
//! MPI. MPI launches the ranks, carries the per-call agreement (group.rs)
//! and the barrier, and broadcasts the NCCL unique id that rank 0 makes;
//! one NCCL communicator per device is made on that device's first
//! collective. NCCL calls go on the device's one stream, so they are
//! ordered with every other op on the device without host waits. NCCL
//! refuses two ranks on one GPU: give each rank its own device
//! (`LOCAL_RANK`).
//!
//! Results are NCCL's: its ring and tree all-reduces compute each element
//! once and pass it on, so every rank receives the same bits (AVG is
//! NCCL's `ncclAvg`). bool tensors travel as bytes, SUM/MAX as MAX and
//! PRODUCT/MIN as MIN, as PyTorch maps them.
//!
//! Finding the library: cudarc opens `libnccl.so` (or `libnccl.so.<CUDA
//! major>`) by name, but the PyPI wheel (`nvidia-nccl-cu12`/`-cu13`, what
//! `pip install torch` brings) ships only `libnccl.so.2`. The loader reads
//! `LD_LIBRARY_PATH` once at process start, so this cannot be fixed from
//! inside the process: when the library is missing, the error names the
//! wheel's folder if one is installed and gives the two commands that fix
//! it (an unversioned link, and the folder on `LD_LIBRARY_PATH`).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

use cudarc::driver::sys::CUdeviceptr;
use cudarc::driver::CudaStream;
use cudarc::nccl::{result, sys};

use super::collectives::assign;
use super::group::{Backend, ProcessGroup, ReduceOp};
use super::host::HostGroup;
use super::mpi::{self, MpiTransport};
use crate::storage::Storage;
use crate::{DType, Error, Result, Tensor};

/// One device's communicator.
struct Comm(sys::ncclComm_t);

// SAFETY: a communicator may be used from any thread as long as calls on
// it are not concurrent; every use holds the group's `comms` lock.
unsafe impl Send for Comm {}

impl Drop for Comm {
    fn drop(&mut self) {
        // SAFETY: the handle came from comm_init_rank and is dropped once.
        let _ = unsafe { result::comm_destroy(self.0) };
    }
}

pub struct NcclGroup {
    control: HostGroup<MpiTransport>,
    comms: Mutex<HashMap<usize, Comm>>,
    seq: AtomicU64,
}

fn nccl_err(e: impl std::fmt::Debug) -> Error {
    Error::invalid(format!("NCCL error: {e:?}"))
}

/// Where pip puts the NCCL wheel's library under `prefix`, if it is there.
pub fn find_nccl_wheel(prefixes: &[PathBuf]) -> Option<PathBuf> {
    prefixes.iter().find_map(|p| {
        std::fs::read_dir(p.join("lib"))
            .ok()?
            .flatten()
            .map(|e| e.path().join("site-packages/nvidia/nccl/lib"))
            .find(|d| d.join("libnccl.so.2").exists())
    })
}

fn missing_library() -> Error {
    let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    let mut prefixes: Vec<PathBuf> = ["VIRTUAL_ENV", "CONDA_PREFIX"]
        .iter()
        .filter_map(|k| env(k))
        .collect();
    if let Some(home) = env("HOME") {
        prefixes.push(home.join(".local"));
    }
    prefixes.extend(["/usr/local", "/usr"].map(PathBuf::from));
    let mut msg = String::from(
        "NCCL was not found: cudarc loads libnccl.so (or libnccl.so.<CUDA major>) from the library search path",
    );
    match find_nccl_wheel(&prefixes) {
        Some(dir) => msg.push_str(&fix_for(&dir)),
        None => msg.push_str(
            "; install NCCL (the libnccl2 package, or pip install nvidia-nccl-cu13), make libnccl.so point at it and put its folder on LD_LIBRARY_PATH",
        ),
    }
    Error::invalid(msg)
}

/// The fix for a wheel whose library folder is `dir`.
pub fn fix_for(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "; the PyPI wheel at {d} ships only libnccl.so.2. Before starting the program run: ln -sf {d}/libnccl.so.2 {d}/libnccl.so && export LD_LIBRARY_PATH={d}:$LD_LIBRARY_PATH (and pass -x LD_LIBRARY_PATH to mpirun)"
    )
}

fn dtype(d: DType) -> sys::ncclDataType_t {
    use sys::ncclDataType_t as T;
    match d {
        DType::F32 => T::ncclFloat32,
        DType::F64 => T::ncclFloat64,
        DType::F16 => T::ncclFloat16,
        DType::BF16 => T::ncclBfloat16,
        DType::I32 => T::ncclInt32,
        DType::I64 => T::ncclInt64,
        DType::Bool => T::ncclUint8,
    }
}

fn red_op(op: ReduceOp, d: DType) -> sys::ncclRedOp_t {
    use sys::ncclRedOp_t as O;
    match (op, d == DType::Bool) {
        (ReduceOp::Sum | ReduceOp::Max, true) => O::ncclMax,
        (ReduceOp::Product | ReduceOp::Min, true) => O::ncclMin,
        (ReduceOp::Sum, _) => O::ncclSum,
        (ReduceOp::Avg, _) => O::ncclAvg,
        (ReduceOp::Max, _) => O::ncclMax,
        (ReduceOp::Min, _) => O::ncclMin,
        (ReduceOp::Product, _) => O::ncclProd,
    }
}

fn stream_ptr(s: &CudaStream) -> sys::cudaStream_t {
    s.cu_stream() as sys::cudaStream_t
}

/// A contiguous tensor owning its elements at offset 0 of its storage:
/// `t` itself when it is one, else a device copy (written back after).
fn whole(t: &Tensor) -> Result<(Tensor, bool)> {
    let s = t.storage();
    let is_whole = t.is_contiguous() && t.layout().offset() == 0 && s.len() == t.numel();
    drop(s);
    if is_whole {
        Ok((t.clone(), false))
    } else {
        Ok((crate::autograd::with_no_grad(|| t.contiguous_copy())?, true))
    }
}

/// [`whole`] for an input read while `out` is written: a copy when the two
/// share storage (`all_gather_into_tensor(out, out[rank])`).
fn apart(input: &Tensor, out: &Tensor) -> Result<(Tensor, bool)> {
    if input.shares_storage(out) {
        Ok((
            crate::autograd::with_no_grad(|| input.contiguous_copy())?,
            true,
        ))
    } else {
        whole(input)
    }
}

/// Runs `f` on the device pointer of `t`'s (whole, contiguous) buffer.
fn read<R>(t: &Tensor, f: impl FnOnce(CUdeviceptr, &std::sync::Arc<CudaStream>) -> R) -> Result<R> {
    match &*t.storage() {
        Storage::Cuda(c) => Ok(c.with_ptr(f)),
        _ => Err(Error::Internal(
            "nccl: a CPU tensor reached the backend".into(),
        )),
    }
}

/// As [`read`] for writing; bumps `t`'s version.
fn write<R>(
    t: &Tensor,
    f: impl FnOnce(CUdeviceptr, &std::sync::Arc<CudaStream>) -> R,
) -> Result<R> {
    let r = match &mut *t.storage_mut() {
        Storage::Cuda(c) => c.with_ptr_mut(f)?,
        _ => {
            return Err(Error::Internal(
                "nccl: a CPU tensor reached the backend".into(),
            ))
        }
    };
    t.storage_cell().bump_version();
    Ok(r)
}

fn ordinal(t: &Tensor) -> Result<usize> {
    match t.device() {
        crate::Device::Cuda(n) => Ok(n),
        d => Err(Error::Internal(format!(
            "nccl: a tensor on {d} reached the backend"
        ))),
    }
}

impl NcclGroup {
    /// Device `dev`'s communicator: rank 0 makes the unique id and MPI
    /// carries it to the others; every rank joins on `dev`.
    fn new_comm(&self, dev: usize) -> Result<Comm> {
        let mine = if self.rank() == 0 {
            let id = result::get_uniqueid().map_err(nccl_err)?;
            id.internal.iter().map(|&c| c as u8).collect()
        } else {
            Vec::new()
        };
        let all = self.control.all_gather_bytes(&mine)?;
        let bytes: [u8; 128] = all[0].as_slice().try_into().map_err(|_| {
            Error::Internal("nccl: rank 0 sent a unique id of the wrong size".into())
        })?;
        let id = sys::ncclUniqueId {
            internal: bytes.map(|b| b as std::ffi::c_char),
        };
        crate::storage::cuda::raw::bind(dev)?;
        let mut comm = std::mem::MaybeUninit::uninit();
        // SAFETY: comm_init_rank writes the handle on success.
        let comm = unsafe {
            result::comm_init_rank(
                comm.as_mut_ptr(),
                self.size() as i32,
                id,
                self.rank() as i32,
            )
            .map_err(nccl_err)?;
            comm.assume_init()
        };
        Ok(Comm(comm))
    }

    pub fn new(timeout: Duration) -> Result<Self> {
        // SAFETY: only tries to open the library by its known names.
        if !unsafe { sys::is_culib_present() } {
            return Err(missing_library());
        }
        Ok(NcclGroup {
            control: mpi::new_group(timeout)?,
            comms: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(0),
        })
    }

    /// Runs `f` with device `dev`'s communicator, made on first use.
    fn with_comm<R>(&self, dev: usize, f: impl FnOnce(sys::ncclComm_t) -> Result<R>) -> Result<R> {
        let mut comms = self.comms.lock().unwrap_or_else(|p| p.into_inner());
        let comm = match comms.entry(dev) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(self.new_comm(dev)?),
        };
        // NCCL enqueues on the calling thread's current context.
        crate::storage::cuda::raw::bind(dev)?;
        f(comm.0)
    }
}

impl ProcessGroup for NcclGroup {
    fn backend(&self) -> Backend {
        Backend::Nccl
    }

    fn rank(&self) -> usize {
        self.control.rank()
    }

    fn size(&self) -> usize {
        self.control.size()
    }

    fn timeout(&self) -> Duration {
        self.control.timeout()
    }

    fn sequence(&self) -> &AtomicU64 {
        &self.seq
    }

    fn all_gather_bytes(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>> {
        self.control.all_gather_bytes(mine)
    }

    fn all_reduce(&self, t: &Tensor, op: ReduceOp) -> Result<()> {
        let (w, copied) = whole(t)?;
        let (n, dt, rop) = (w.numel(), dtype(w.dtype()), red_op(op, w.dtype()));
        self.with_comm(ordinal(t)?, |comm| {
            write(&w, |p, s| unsafe {
                // SAFETY: in place on a buffer of n elements on the comm's device.
                result::all_reduce(p as _, p as _, n, dt, rop, comm, stream_ptr(s))
            })?
            .map_err(nccl_err)
        })?;
        if copied {
            assign(t, &w)?;
        }
        Ok(())
    }

    fn broadcast(&self, t: &Tensor, root: usize) -> Result<()> {
        let (w, copied) = whole(t)?;
        let (n, dt) = (w.numel(), dtype(w.dtype()));
        self.with_comm(ordinal(t)?, |comm| {
            write(&w, |p, s| unsafe {
                // SAFETY: in place on a buffer of n elements.
                result::broadcast(p as _, p as _, n, dt, root as i32, comm, stream_ptr(s))
            })?
            .map_err(nccl_err)
        })?;
        if copied {
            assign(t, &w)?;
        }
        Ok(())
    }

    fn all_gather(&self, out: &Tensor, input: &Tensor) -> Result<()> {
        let ((i, _), (o, copied)) = (apart(input, out)?, whole(out)?);
        let (n, dt) = (i.numel(), dtype(i.dtype()));
        self.with_comm(ordinal(input)?, |comm| {
            read(&i, |src, _| {
                write(&o, |dst, s| unsafe {
                    // SAFETY: src holds n elements, dst size() * n.
                    result::all_gather(src as _, dst as _, n, dt, comm, stream_ptr(s))
                })
            })??
            .map_err(nccl_err)
        })?;
        if copied {
            assign(out, &o)?;
        }
        Ok(())
    }

    fn reduce_scatter(&self, out: &Tensor, input: &Tensor, op: ReduceOp) -> Result<()> {
        let ((i, _), (o, copied)) = (apart(input, out)?, whole(out)?);
        let (n, dt, rop) = (o.numel(), dtype(o.dtype()), red_op(op, o.dtype()));
        self.with_comm(ordinal(out)?, |comm| {
            read(&i, |src, _| {
                write(&o, |dst, s| unsafe {
                    // SAFETY: src holds size() * n elements, dst n.
                    result::reduce_scatter(src as _, dst as _, n, dt, rop, comm, stream_ptr(s))
                })
            })??
            .map_err(nccl_err)
        })?;
        if copied {
            assign(out, &o)?;
        }
        Ok(())
    }

    /// NCCL has no gather: point-to-point sends to the root in one group call.
    fn gather(&self, out: Option<&Tensor>, input: &Tensor, root: usize) -> Result<()> {
        let (i, _) = whole(input)?;
        let (n, dt, es) = (i.numel(), dtype(i.dtype()), i.dtype().size_in_bytes());
        let p = self.size();
        let o = out.map(whole).transpose()?;
        self.with_comm(ordinal(input)?, |comm| {
            read(&i, |src, s| -> Result<()> {
                result::group_start().map_err(nccl_err)?;
                // SAFETY: every rank sends n elements; the root receives
                // slot j's n elements from rank j (itself included).
                unsafe { result::send(src as _, n, dt, root as i32, comm, stream_ptr(s)) }
                    .map_err(nccl_err)?;
                if let Some((o, _)) = &o {
                    write(o, |dst, s| -> Result<()> {
                        for j in 0..p {
                            let at = dst + (j * n * es) as CUdeviceptr;
                            unsafe { result::recv(at as _, n, dt, j as i32, comm, stream_ptr(s)) }
                                .map_err(nccl_err)?;
                        }
                        Ok(())
                    })??;
                }
                result::group_end().map_err(nccl_err)?;
                Ok(())
            })?
        })?;
        if let (Some(out), Some((o, true))) = (out, &o) {
            assign(out, o)?;
        }
        Ok(())
    }

    /// NCCL has no scatter: point-to-point sends from the root in one group call.
    fn scatter(&self, out: &Tensor, input: Option<&Tensor>, root: usize) -> Result<()> {
        let (o, copied) = whole(out)?;
        let (n, dt, es) = (o.numel(), dtype(o.dtype()), o.dtype().size_in_bytes());
        let p = self.size();
        let i = input.map(whole).transpose()?;
        self.with_comm(ordinal(out)?, |comm| {
            write(&o, |dst, s| -> Result<()> {
                result::group_start().map_err(nccl_err)?;
                // SAFETY: the root sends slot j (n elements) to rank j;
                // every rank receives n elements.
                if let Some((i, _)) = &i {
                    read(i, |src, s| -> Result<()> {
                        for j in 0..p {
                            let at = src + (j * n * es) as CUdeviceptr;
                            unsafe { result::send(at as _, n, dt, j as i32, comm, stream_ptr(s)) }
                                .map_err(nccl_err)?;
                        }
                        Ok(())
                    })??;
                }
                unsafe { result::recv(dst as _, n, dt, root as i32, comm, stream_ptr(s)) }
                    .map_err(nccl_err)?;
                result::group_end().map_err(nccl_err)?;
                Ok(())
            })?
        })?;
        if copied {
            assign(out, &o)?;
        }
        Ok(())
    }

    /// Waits for the queued NCCL work of every device, then for every rank.
    fn barrier(&self) -> Result<()> {
        let devices: Vec<usize> = self
            .comms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        for d in devices {
            crate::cuda::synchronize(d)?;
        }
        self.control.barrier()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wheel_is_found_and_the_fix_names_its_folder() {
        let root = std::env::temp_dir().join(format!("tt-nccl-{}", std::process::id()));
        let lib = root.join("lib/python3.11/site-packages/nvidia/nccl/lib");
        std::fs::create_dir_all(&lib).unwrap();
        assert_eq!(find_nccl_wheel(std::slice::from_ref(&root)), None);
        std::fs::write(lib.join("libnccl.so.2"), b"").unwrap();
        let found = find_nccl_wheel(&[PathBuf::from("/nonexistent"), root.clone()]).unwrap();
        assert_eq!(found, lib);
        let fix = fix_for(&found);
        assert!(fix.contains(&format!(
            "ln -sf {0}/libnccl.so.2 {0}/libnccl.so",
            lib.display()
        )));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn ops_map_as_pytorch_maps_them() {
        assert_eq!(
            red_op(ReduceOp::Sum, DType::Bool),
            sys::ncclRedOp_t::ncclMax
        );
        assert_eq!(
            red_op(ReduceOp::Product, DType::Bool),
            sys::ncclRedOp_t::ncclMin
        );
        assert_eq!(red_op(ReduceOp::Avg, DType::F16), sys::ncclRedOp_t::ncclAvg);
        assert_eq!(dtype(DType::BF16), sys::ncclDataType_t::ncclBfloat16);
    }
}
