//! `torch.distributed`: process groups, collectives and
//! DistributedDataParallel, on engines the field runs on.
//!
//! ```text
//! group.rs        the ProcessGroup seam, ReduceOp, the per-call agreement across ranks
//! collectives.rs  all_reduce broadcast all_gather reduce_scatter gather scatter barrier
//! host.rs         collectives over a host Transport (mpi, threads); reduce.rs: rank-ordered folds
//! mpi.rs          feature `distributed`: Open MPI (rsmpi) on one thread, watchdog, clean exit
//! nccl.rs         features `cuda` + `distributed`: NCCL (cudarc) on CUDA tensors, bootstrapped over MPI
//! threads.rs      ranks as threads of one process, for tests of the layers above
//! ddp.rs          DistributedDataParallel; bucket.rs: gradient bucket assignment
//! env.rs          RANK, WORLD_SIZE, LOCAL_RANK from the launcher's variables (as torchrun sets them)
//! ```
//!
//! The default group is process-wide (`init_process_group`), except that
//! the threads backend gives each of its threads its own (`threads::run`).
//! The sampler is `data::DistributedSampler`; it needs no group.

pub mod bucket;
pub mod collectives;
mod ddp;
pub mod env;
mod group;
pub mod host;
#[cfg(feature = "distributed")]
pub mod mpi;
#[cfg(all(feature = "distributed", feature = "cuda"))]
pub mod nccl;
mod reduce;
pub mod threads;

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use ddp::{DdpOptions, DistributedDataParallel, NoSyncGuard};
pub use env::{launch_env, set_torchrun_env, LaunchEnv};
pub use group::{agree, Backend, Call, Kind, ProcessGroup, ReduceOp};

use crate::{Error, Result, Tensor};

/// PyTorch's default for gloo: how long a collective may wait for the
/// other ranks before the job fails.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The default group and the backend name it was asked for.
#[derive(Clone)]
struct Entry {
    group: Arc<dyn ProcessGroup>,
    name: String,
}

static PROCESS_DEFAULT: Mutex<Option<Entry>> = Mutex::new(None);

thread_local! {
    static THREAD_DEFAULT: RefCell<Option<Entry>> = const { RefCell::new(None) };
}

/// A thread's own default group (the threads backend), until dropped.
pub(crate) struct ThreadDefault;

impl ThreadDefault {
    pub(crate) fn set(group: Arc<dyn ProcessGroup>, name: &str) -> ThreadDefault {
        THREAD_DEFAULT.with(|d| {
            *d.borrow_mut() = Some(Entry {
                group,
                name: name.into(),
            })
        });
        ThreadDefault
    }
}

impl Drop for ThreadDefault {
    fn drop(&mut self) {
        THREAD_DEFAULT.with(|d| d.borrow_mut().take());
    }
}

fn current() -> Option<Entry> {
    THREAD_DEFAULT.with(|d| d.borrow().clone()).or_else(|| {
        PROCESS_DEFAULT
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    })
}

fn not_initialized() -> Error {
    Error::invalid(
        "Default process group has not been initialized, please make sure to call init_process_group.",
    )
}

/// `dist.is_available()`: the package itself (always; backends vary).
pub fn is_available() -> bool {
    true
}

/// `dist.is_mpi_available()`: built with the `distributed` feature.
pub fn is_mpi_available() -> bool {
    cfg!(feature = "distributed")
}

/// `dist.is_nccl_available()`: built with `cuda` and `distributed`.
pub fn is_nccl_available() -> bool {
    cfg!(all(feature = "distributed", feature = "cuda"))
}

/// `dist.init_process_group(backend)` with the default timeout: `"mpi"`,
/// `"gloo"` (the CPU backend; runs on MPI) or `"nccl"`. Run under `mpirun`
/// (`mpirun -np 2 PROGRAM`); alone, the program is a world of one.
pub fn init_process_group(backend: &str) -> Result<()> {
    init_process_group_with(backend, DEFAULT_TIMEOUT)
}

/// `dist.init_process_group(backend, timeout=...)`: a collective that
/// waits longer than `timeout` for the other ranks ends this process with
/// an error (the launcher then stops the others).
pub fn init_process_group_with(backend: &str, timeout: Duration) -> Result<()> {
    if is_initialized() {
        return Err(Error::invalid(
            "trying to initialize the default process group twice!",
        ));
    }
    let group = new_group(backend, timeout)?;
    *PROCESS_DEFAULT.lock().unwrap_or_else(|p| p.into_inner()) = Some(Entry {
        group,
        name: backend.to_ascii_lowercase(),
    });
    Ok(())
}

fn new_group(backend: &str, timeout: Duration) -> Result<Arc<dyn ProcessGroup>> {
    let b = backend.to_ascii_lowercase();
    match b.as_str() {
        #[cfg(feature = "distributed")]
        "mpi" | "gloo" => Ok(Arc::new(mpi::new_group(timeout)?)),
        #[cfg(not(feature = "distributed"))]
        "mpi" | "gloo" => {
            let _ = timeout;
            Err(Error::invalid(format!(
                "Distributed package doesn't have MPI built in: the {b} backend needs tinytorch built with the `distributed` cargo feature (and Open MPI installed)"
            )))
        }
        #[cfg(all(feature = "distributed", feature = "cuda"))]
        "nccl" => Ok(Arc::new(nccl::NcclGroup::new(timeout)?)),
        #[cfg(not(all(feature = "distributed", feature = "cuda")))]
        "nccl" => Err(Error::invalid(
            "Distributed package doesn't have NCCL built in: the nccl backend needs tinytorch built with the `cuda` and `distributed` cargo features",
        )),
        "threads" => Err(Error::invalid(
            "the threads backend runs ranks as threads of one process: start them with tinytorch::distributed::threads::run",
        )),
        _ => Err(Error::invalid(format!(
            "Invalid backend: '{backend}' (expected \"mpi\", \"gloo\" or \"nccl\")"
        ))),
    }
}

/// `dist.is_initialized()`.
pub fn is_initialized() -> bool {
    current().is_some()
}

/// The default process group.
pub fn default_group() -> Result<Arc<dyn ProcessGroup>> {
    current().map(|e| e.group).ok_or_else(not_initialized)
}

/// `dist.get_rank()`.
pub fn get_rank() -> Result<usize> {
    Ok(default_group()?.rank())
}

/// `dist.get_world_size()`.
pub fn get_world_size() -> Result<usize> {
    Ok(default_group()?.size())
}

/// `dist.get_backend()`: the name given to `init_process_group`.
pub fn get_backend() -> Result<String> {
    current().map(|e| e.name).ok_or_else(not_initialized)
}

/// `dist.destroy_process_group()`: leaves the default group. Every rank
/// calls it; it waits for the others (so that none is left waiting in a
/// collective), then drops the group. MPI itself stays up until the
/// process exits, so a new group can be made.
pub fn destroy_process_group() -> Result<()> {
    let g = default_group()?;
    let res = agree(&*g, Kind::Shutdown, Ok(Call::new(Kind::Shutdown)));
    if THREAD_DEFAULT.with(|d| d.borrow_mut().take()).is_none() {
        PROCESS_DEFAULT
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
    res
}

/// `dist.all_reduce(tensor, op)` on the default group.
pub fn all_reduce(tensor: &Tensor, op: ReduceOp) -> Result<()> {
    collectives::all_reduce(&*default_group()?, tensor, op)
}

/// `dist.broadcast(tensor, src)`.
pub fn broadcast(tensor: &Tensor, src: usize) -> Result<()> {
    collectives::broadcast(&*default_group()?, tensor, src)
}

/// `dist.all_gather(tensor_list, tensor)`.
pub fn all_gather(tensor_list: &[Tensor], tensor: &Tensor) -> Result<()> {
    collectives::all_gather(&*default_group()?, tensor_list, tensor)
}

/// `dist.all_gather_into_tensor(output_tensor, input_tensor)`.
pub fn all_gather_into_tensor(output: &Tensor, input: &Tensor) -> Result<()> {
    collectives::all_gather_into_tensor(&*default_group()?, output, input)
}

/// `dist.reduce_scatter(output, input_list, op)`.
pub fn reduce_scatter(output: &Tensor, input_list: &[Tensor], op: ReduceOp) -> Result<()> {
    collectives::reduce_scatter(&*default_group()?, output, input_list, op)
}

/// `dist.reduce_scatter_tensor(output, input, op)`.
pub fn reduce_scatter_tensor(output: &Tensor, input: &Tensor, op: ReduceOp) -> Result<()> {
    collectives::reduce_scatter_tensor(&*default_group()?, output, input, op)
}

/// `dist.gather(tensor, gather_list, dst)`.
pub fn gather(tensor: &Tensor, gather_list: Option<&[Tensor]>, dst: usize) -> Result<()> {
    collectives::gather(&*default_group()?, tensor, gather_list, dst)
}

/// `dist.scatter(tensor, scatter_list, src)`.
pub fn scatter(tensor: &Tensor, scatter_list: Option<&[Tensor]>, src: usize) -> Result<()> {
    collectives::scatter(&*default_group()?, tensor, scatter_list, src)
}

/// `dist.barrier()`.
pub fn barrier() -> Result<()> {
    collectives::barrier(&*default_group()?)
}

/// Every rank's bytes in rank order (the transport under
/// `all_gather_object`).
pub fn all_gather_bytes(mine: &[u8]) -> Result<Vec<Vec<u8>>> {
    collectives::all_gather_bytes(&*default_group()?, mine)
}
