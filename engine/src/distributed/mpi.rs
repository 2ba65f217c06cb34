//! The `mpi` backend (feature `distributed`): Open MPI through rsmpi. MPI
//! does the launch (`mpirun -np N`, `--hostfile` across machines), the
//! rendezvous and the data movement; host.rs does the arithmetic.
//!
//! One thread owns MPI: it initialises it (`MPI_THREAD_FUNNELED`), runs
//! every call as a job sent from whichever thread asks, and finalises it,
//! so callers on any thread (the interpreter, test threads) are safe
//! without `MPI_THREAD_MULTIPLE`, and jobs own their buffers.
//!
//! Failure, bounded: MPI's default error handler ends the job on a
//! communication error; a rank that exits with an error ends without
//! `MPI_Finalize`, and `mpirun` then stops the others at once. A rank that
//! lives but never joins is caught by a watchdog: a job running longer than
//! its group's timeout prints what it was waiting in and ends the process
//! (`_exit(1)`), which again makes `mpirun` stop the job. A process
//! exiting with status 0 agrees on a shutdown with the other ranks and
//! finalises MPI (Open MPI treats an exit without `MPI_Finalize` as a
//! failure); exiting with any other status never finalises, because
//! `MPI_Finalize` would wait for ranks that are waiting for this one.

use std::os::raw::{c_int, c_void};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Threading;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;

use super::group::{agree, Backend, Call, Kind};
use super::host::{HostGroup, Transport};
use crate::{Error, Result};

type Job = Box<dyn FnOnce(&SimpleCommunicator) + Send>;

enum Msg {
    Run(Job),
    /// Finalise MPI, reply, and end the thread.
    Finalize(mpsc::SyncSender<()>),
}

/// What the MPI thread is doing, for the watchdog.
struct Busy {
    since: Instant,
    what: &'static str,
    timeout: Duration,
}

struct Runtime {
    jobs: Mutex<Sender<Msg>>,
    rank: usize,
    size: usize,
    busy: Arc<Mutex<Option<Busy>>>,
    finalized: Mutex<bool>,
}

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

extern "C" {
    fn _exit(status: c_int) -> !;
}

/// Ends the process now, without exit handlers (so without MPI_Finalize).
fn die(rank: usize, msg: &str) -> ! {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "[rank {rank}] tinytorch.distributed: {msg}"
    );
    let _ = std::io::stderr().flush();
    let _ = std::io::stdout().flush();
    // SAFETY: _exit only ends the process.
    unsafe { _exit(1) }
}

fn runtime() -> Result<&'static Runtime> {
    RUNTIME
        .get_or_init(start)
        .as_ref()
        .map_err(|e| Error::invalid(e.clone()))
}

fn start() -> std::result::Result<Runtime, String> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let (init_tx, init_rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("tinytorch-mpi".into())
        .spawn(move || {
            let Some((universe, _)) = mpi::initialize_with_threading(Threading::Funneled) else {
                let _ = init_tx.send(Err(
                    "MPI was already initialised by other code in this process".to_string(),
                ));
                return;
            };
            let world = universe.world();
            let _ = init_tx.send(Ok((world.rank() as usize, world.size() as usize)));
            while let Ok(msg) = rx.recv() {
                match msg {
                    Msg::Run(job) => job(&world),
                    Msg::Finalize(done) => {
                        drop(world);
                        drop(universe); // MPI_Finalize
                        let _ = done.send(());
                        return;
                    }
                }
            }
        })
        .map_err(|e| format!("could not start the MPI thread: {e}"))?;
    let (rank, size) = init_rx
        .recv()
        .map_err(|_| "the MPI thread ended during MPI_Init".to_string())??;
    let busy = Arc::new(Mutex::new(None::<Busy>));
    let watched = busy.clone();
    std::thread::Builder::new()
        .name("tinytorch-mpi-watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            let late = watched
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .filter(|b| b.since.elapsed() > b.timeout)
                .map(|b| (b.what, b.timeout));
            if let Some((what, t)) = late {
                die(rank, &format!(
                    "{what} timed out after {:.1} s waiting for the other ranks (a rank may have stopped, or be waiting in a different collective); ending this process so that mpirun stops the job",
                    t.as_secs_f64()
                ));
            }
        })
        .map_err(|e| format!("could not start the MPI watchdog: {e}"))?;
    register_exit_handler();
    Ok(Runtime {
        jobs: Mutex::new(tx),
        rank,
        size,
        busy,
        finalized: Mutex::new(false),
    })
}

impl Runtime {
    /// Runs `f` on the MPI thread and waits for its result; the watchdog
    /// ends the process if it runs longer than `timeout`.
    fn run<R: Send + 'static>(
        &self,
        what: &'static str,
        timeout: Duration,
        f: impl FnOnce(&SimpleCommunicator) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let (tx, rx) = mpsc::sync_channel(1);
        let busy = self.busy.clone();
        let job: Job = Box::new(move |world| {
            let mark = |b| *busy.lock().unwrap_or_else(|p| p.into_inner()) = b;
            mark(Some(Busy {
                since: Instant::now(),
                what,
                timeout,
            }));
            let r = f(world);
            mark(None);
            let _ = tx.send(r);
        });
        let stopped =
            || Error::invalid("MPI has been finalized in this process (it cannot start twice)");
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Msg::Run(job))
            .map_err(|_| stopped())?;
        rx.recv().map_err(|_| stopped())?
    }

    fn finalize(&self) {
        let mut done = self.finalized.lock().unwrap_or_else(|p| p.into_inner());
        if *done {
            return;
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Msg::Finalize(tx));
        if sent.is_ok() {
            let _ = rx.recv();
        }
        *done = true;
    }
}

/// At exit with status 0: agree on a shutdown with the other ranks (a rank
/// still waiting in a collective makes this an error on both sides), then
/// finalise MPI. Any other status leaves MPI untouched.
extern "C" fn on_exit_handler(status: c_int, _arg: *mut c_void) {
    if status != 0 {
        return;
    }
    let Some(Ok(rt)) = RUNTIME.get() else { return };
    if *rt.finalized.lock().unwrap_or_else(|p| p.into_inner()) {
        return;
    }
    let left = super::PROCESS_DEFAULT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(entry) = left {
        if let Err(e) = agree(&*entry.group, Kind::Shutdown, Ok(Call::new(Kind::Shutdown))) {
            die(rt.rank, &format!("at exit: {e}"));
        }
    }
    rt.finalize();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn register_exit_handler() {
    extern "C" {
        fn on_exit(f: extern "C" fn(c_int, *mut c_void), arg: *mut c_void) -> c_int;
    }
    // SAFETY: registers a handler with glibc; the handler only reads statics.
    unsafe {
        on_exit(on_exit_handler, std::ptr::null_mut());
    }
}

/// Without glibc's `on_exit` the exit status is unknown: finalise always
/// (a rank exiting with an error may then wait in MPI_Finalize until the
/// others' watchdogs end the job).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn register_exit_handler() {
    extern "C" fn handler() {
        on_exit_handler(0, std::ptr::null_mut());
    }
    extern "C" {
        fn atexit(f: extern "C" fn()) -> c_int;
    }
    // SAFETY: registers a handler with the C library.
    unsafe {
        atexit(handler);
    }
}

/// A group over every process of the `mpirun` launch.
pub fn new_group(timeout: Duration) -> Result<HostGroup<MpiTransport>> {
    let rt = runtime()?;
    if *rt.finalized.lock().unwrap_or_else(|p| p.into_inner()) {
        return Err(Error::invalid(
            "MPI has been finalized in this process (it cannot start twice)",
        ));
    }
    Ok(HostGroup::new(MpiTransport { rt, timeout }))
}

/// The MPI rank and world size of this process (starting MPI if needed).
pub fn world() -> Result<(usize, usize)> {
    let rt = runtime()?;
    Ok((rt.rank, rt.size))
}

/// Runs `f` with the world communicator on the thread that owns MPI, for
/// MPI calls the engine does not wrap (dist_bench's baseline uses it).
pub fn with_world<R: Send + 'static>(
    f: impl FnOnce(&SimpleCommunicator) -> R + Send + 'static,
) -> Result<R> {
    runtime()?.run("an MPI call", super::DEFAULT_TIMEOUT, move |w| Ok(f(w)))
}

/// One rank's end of the world communicator.
pub struct MpiTransport {
    rt: &'static Runtime,
    timeout: Duration,
}

/// A borrowed buffer handed to the MPI thread. Sound because
/// [`Runtime::run`] returns only after the job that uses it has finished
/// (or when it can no longer run), so the borrow outlives every use.
struct Ptr(*const u8, usize);
struct PtrMut(*mut u8, usize);
// SAFETY: see above; the buffers are plain bytes.
unsafe impl Send for Ptr {}
// SAFETY: as for Ptr.
unsafe impl Send for PtrMut {}

impl Ptr {
    fn new(s: &[u8]) -> Ptr {
        Ptr(s.as_ptr(), s.len())
    }
    /// # Safety
    /// Only inside the job the pointer was made for (see the type's doc).
    unsafe fn get<'a>(&self) -> &'a [u8] {
        // SAFETY: the caller's borrow is alive while the job runs.
        unsafe { std::slice::from_raw_parts(self.0, self.1) }
    }
}

impl PtrMut {
    fn new(s: &mut [u8]) -> PtrMut {
        PtrMut(s.as_mut_ptr(), s.len())
    }
    /// # Safety
    /// As [`Ptr::get`].
    unsafe fn get<'a>(&self) -> &'a mut [u8] {
        // SAFETY: as in Ptr::get; the caller lent this buffer exclusively.
        unsafe { std::slice::from_raw_parts_mut(self.0, self.1) }
    }
}

/// Byte counts as MPI counts and displacements (32-bit in MPI).
fn layout(counts: &[usize]) -> Result<(Vec<Count>, Vec<Count>)> {
    let too_big = || {
        Error::invalid(
            "the mpi backend moves at most 2 GiB per collective and rank (MPI counts are 32-bit)",
        )
    };
    let mut c = Vec::with_capacity(counts.len());
    let mut d = Vec::with_capacity(counts.len());
    let mut at: usize = 0;
    for &b in counts {
        c.push(Count::try_from(b).map_err(|_| too_big())?);
        d.push(Count::try_from(at).map_err(|_| too_big())?);
        at = at.checked_add(b).ok_or_else(too_big)?;
    }
    Count::try_from(at).map_err(|_| too_big())?;
    Ok((c, d))
}

impl Transport for MpiTransport {
    fn backend(&self) -> Backend {
        Backend::Mpi
    }

    fn rank(&self) -> usize {
        self.rt.rank
    }

    fn size(&self) -> usize {
        self.rt.size
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn all_to_all(
        &self,
        send: &[u8],
        send_counts: &[usize],
        recv: &mut [u8],
        recv_counts: &[usize],
    ) -> Result<()> {
        let (sc, sd) = layout(send_counts)?;
        let (rc, rd) = layout(recv_counts)?;
        let (s, r) = (Ptr::new(send), PtrMut::new(recv));
        self.rt.run("all_to_all", self.timeout, move |w| {
            // SAFETY: run() holds the caller until this job is done.
            let (send, recv) = unsafe { (s.get(), r.get()) };
            w.all_to_all_varcount_into(
                &Partition::new(send, sc, sd),
                &mut PartitionMut::new(recv, rc, rd),
            );
            Ok(())
        })
    }

    fn all_gather(&self, send: &[u8], recv: &mut [u8], counts: &[usize]) -> Result<()> {
        let (rc, rd) = layout(counts)?;
        let (s, r) = (Ptr::new(send), PtrMut::new(recv));
        self.rt.run("all_gather", self.timeout, move |w| {
            // SAFETY: as in all_to_all.
            let (send, recv) = unsafe { (s.get(), r.get()) };
            w.all_gather_varcount_into(send, &mut PartitionMut::new(recv, rc, rd));
            Ok(())
        })
    }

    fn broadcast_from(&self, buf: &[u8]) -> Result<()> {
        layout(&[buf.len()])?;
        let (b, root) = (Ptr::new(buf), self.rank() as i32);
        self.rt.run("broadcast", self.timeout, move |w| {
            // SAFETY: as in all_to_all. MPI_Bcast only reads the root's
            // buffer, so lending it as mutable writes nothing.
            let buf = unsafe { std::slice::from_raw_parts_mut(b.get().as_ptr() as *mut u8, b.1) };
            w.process_at_rank(root).broadcast_into(buf);
            Ok(())
        })
    }

    fn broadcast_into(&self, buf: &mut [u8], root: usize) -> Result<()> {
        layout(&[buf.len()])?;
        let b = PtrMut::new(buf);
        self.rt.run("broadcast", self.timeout, move |w| {
            // SAFETY: as in all_to_all.
            let buf = unsafe { b.get() };
            w.process_at_rank(root as i32).broadcast_into(buf);
            Ok(())
        })
    }

    fn gather(&self, send: &[u8], recv: Option<&mut [u8]>, root: usize) -> Result<()> {
        layout(&vec![send.len(); self.size()])?;
        let (s, r) = (Ptr::new(send), recv.map(PtrMut::new));
        self.rt.run("gather", self.timeout, move |w| {
            let at = w.process_at_rank(root as i32);
            // SAFETY: as in all_to_all.
            let send = unsafe { s.get() };
            match r {
                Some(r) => at.gather_into_root(send, unsafe { r.get() }),
                None => at.gather_into(send),
            }
            Ok(())
        })
    }

    fn scatter(&self, send: Option<&[u8]>, recv: &mut [u8], root: usize) -> Result<()> {
        layout(&vec![recv.len(); self.size()])?;
        let (s, r) = (send.map(Ptr::new), PtrMut::new(recv));
        self.rt.run("scatter", self.timeout, move |w| {
            let at = w.process_at_rank(root as i32);
            // SAFETY: as in all_to_all.
            let recv = unsafe { r.get() };
            match s {
                Some(s) => at.scatter_into_root(unsafe { s.get() }, recv),
                None => at.scatter_into(recv),
            }
            Ok(())
        })
    }

    fn barrier(&self) -> Result<()> {
        self.rt.run("barrier", self.timeout, |w| {
            w.barrier();
            Ok(())
        })
    }

    fn all_gather_bytes(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        let p = self.size();
        self.rt
            .run("a collective's agreement", self.timeout, move |w| {
                let mut lens = vec![0u64; p];
                w.all_gather_into(&(mine.len() as u64), &mut lens[..]);
                let counts: Vec<usize> = lens.iter().map(|&l| l as usize).collect();
                let (rc, rd) = layout(&counts)?;
                let mut all = vec![0u8; counts.iter().sum()];
                w.all_gather_varcount_into(&mine[..], &mut PartitionMut::new(&mut all[..], rc, rd));
                let mut out = Vec::with_capacity(p);
                let mut at = 0;
                for n in counts {
                    out.push(all[at..at + n].to_vec());
                    at += n;
                }
                Ok(out)
            })
    }
}
