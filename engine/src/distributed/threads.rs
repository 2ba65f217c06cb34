//! The `threads` backend: the ranks are threads of one process, exchanging
//! buffers through shared queues. It exists to test the layers above
//! (collectives, DDP, the sampler, GradScaler) fast and without MPI; it
//! runs the same reduction code as the mpi backend (host.rs, reduce.rs).
//!
//! Every transport call is one exchange: each rank posts one message to
//! every rank (FIFO per sender and receiver, so a fast rank may run ahead)
//! and takes one from each once all have posted. A rank whose handle is
//! dropped (its thread ended or panicked) makes the others' waits fail at
//! once; a rank that never arrives makes them fail after the timeout.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::group::{Backend, ProcessGroup};
use super::host::{equal_parts, HostGroup, Transport};
use crate::{Error, Result};

/// One message: bytes, or nothing for this receiver.
type Msg = Option<Vec<u8>>;

struct State {
    /// queues[dst][src]: messages from src to dst, oldest first.
    queues: Vec<Vec<VecDeque<Msg>>>,
    /// Exchanges each rank has posted so far.
    posted: Vec<u64>,
    /// Ranks whose handle is gone.
    left: Vec<bool>,
}

struct Shared {
    size: usize,
    timeout: Duration,
    state: Mutex<State>,
    cv: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One rank's end of an in-process group.
pub struct ThreadsTransport {
    shared: Arc<Shared>,
    rank: usize,
}

impl Drop for ThreadsTransport {
    fn drop(&mut self) {
        self.shared.lock().left[self.rank] = true;
        self.shared.cv.notify_all();
    }
}

/// `world_size` process groups joined together, one per rank, to hand to
/// `world_size` threads.
pub fn new_groups(world_size: usize, timeout: Duration) -> Result<Vec<Arc<dyn ProcessGroup>>> {
    if world_size == 0 {
        return Err(Error::invalid("world_size must be positive"));
    }
    let shared = Arc::new(Shared {
        size: world_size,
        timeout,
        state: Mutex::new(State {
            queues: (0..world_size)
                .map(|_| (0..world_size).map(|_| VecDeque::new()).collect())
                .collect(),
            posted: vec![0; world_size],
            left: vec![false; world_size],
        }),
        cv: Condvar::new(),
    });
    Ok((0..world_size)
        .map(|rank| {
            Arc::new(HostGroup::new(ThreadsTransport {
                shared: shared.clone(),
                rank,
            })) as Arc<dyn ProcessGroup>
        })
        .collect())
}

/// Runs `f(rank)` on `world_size` threads, each with its rank's group as
/// the thread's default process group (so `get_rank()`, the collectives
/// and DDP work as under `mpirun`), and returns the results in rank order.
/// A panic on any rank is re-raised here after every thread has ended.
pub fn run<R: Send>(
    world_size: usize,
    timeout: Duration,
    f: impl Fn(usize) -> R + Sync,
) -> Result<Vec<R>> {
    let groups = new_groups(world_size, timeout)?;
    let f = &f;
    let joined: Vec<std::thread::Result<R>> = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .into_iter()
            .enumerate()
            .map(|(rank, g)| {
                std::thread::Builder::new()
                    .name(format!("rank {rank}"))
                    .spawn_scoped(s, move || {
                        let _default = super::ThreadDefault::set(g, "threads");
                        f(rank)
                    })
                    .expect("spawn a rank thread")
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    Ok(joined
        .into_iter()
        .map(|r| r.unwrap_or_else(|p| std::panic::resume_unwind(p)))
        .collect())
}

impl ThreadsTransport {
    /// Posts `out[j]` to rank j and returns the message from each rank.
    fn exchange(&self, what: &str, out: Vec<Msg>) -> Result<Vec<Msg>> {
        let sh = &self.shared;
        let me = self.rank;
        let mut st = sh.lock();
        for (dst, m) in out.into_iter().enumerate() {
            st.queues[dst][me].push_back(m);
        }
        st.posted[me] += 1;
        let round = st.posted[me];
        sh.cv.notify_all();
        let deadline = Instant::now() + sh.timeout;
        loop {
            let missing: Vec<usize> = (0..sh.size).filter(|&s| st.posted[s] < round).collect();
            if missing.is_empty() {
                break;
            }
            if let Some(&r) = missing.iter().find(|&&r| st.left[r]) {
                return Err(Error::invalid(format!(
                    "{what}: rank {r} left the process group (its thread ended) while rank {me} waited for it"
                )));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::invalid(format!(
                    "{what}: timed out after {:.1} s on rank {me} waiting for rank(s) {missing:?}",
                    sh.timeout.as_secs_f64()
                )));
            }
            st = sh
                .cv
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        Ok((0..sh.size)
            .map(|s| st.queues[me][s].pop_front().flatten())
            .collect())
    }
}

fn out_of_step(what: &str) -> Error {
    Error::Internal(format!(
        "{what}: the ranks' transport calls are out of step"
    ))
}

/// Copies the messages (expected lengths `counts`) one after another into `recv`.
fn concat(what: &str, got: Vec<Msg>, counts: &[usize], recv: &mut [u8]) -> Result<()> {
    let mut at = 0;
    for (m, &c) in got.into_iter().zip(counts) {
        let m = m
            .filter(|m| m.len() == c)
            .ok_or_else(|| out_of_step(what))?;
        recv[at..at + c].copy_from_slice(&m);
        at += c;
    }
    Ok(())
}

/// `buf` cut into runs of `counts` bytes, one message each.
fn pieces(buf: &[u8], counts: &[usize]) -> Vec<Msg> {
    let mut at = 0;
    counts
        .iter()
        .map(|&c| {
            at += c;
            Some(buf[at - c..at].to_vec())
        })
        .collect()
}

impl Transport for ThreadsTransport {
    fn backend(&self) -> Backend {
        Backend::Threads
    }

    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.shared.size
    }

    fn timeout(&self) -> Duration {
        self.shared.timeout
    }

    fn all_to_all(
        &self,
        send: &[u8],
        send_counts: &[usize],
        recv: &mut [u8],
        recv_counts: &[usize],
    ) -> Result<()> {
        let got = self.exchange("all_to_all", pieces(send, send_counts))?;
        concat("all_to_all", got, recv_counts, recv)
    }

    fn all_gather(&self, send: &[u8], recv: &mut [u8], counts: &[usize]) -> Result<()> {
        let out = (0..self.size()).map(|_| Some(send.to_vec())).collect();
        let got = self.exchange("all_gather", out)?;
        concat("all_gather", got, counts, recv)
    }

    fn broadcast_from(&self, buf: &[u8]) -> Result<()> {
        let out = (0..self.size()).map(|_| Some(buf.to_vec())).collect();
        self.exchange("broadcast", out)?;
        Ok(())
    }

    fn broadcast_into(&self, buf: &mut [u8], root: usize) -> Result<()> {
        let mut got = self.exchange("broadcast", (0..self.size()).map(|_| None).collect())?;
        let n = buf.len();
        concat("broadcast", vec![got.swap_remove(root)], &[n], buf)
    }

    fn gather(&self, send: &[u8], recv: Option<&mut [u8]>, root: usize) -> Result<()> {
        let out = (0..self.size())
            .map(|j| (j == root).then(|| send.to_vec()))
            .collect();
        let got = self.exchange("gather", out)?;
        match recv {
            Some(r) => concat("gather", got, &vec![send.len(); self.size()], r),
            None => Ok(()),
        }
    }

    fn scatter(&self, send: Option<&[u8]>, recv: &mut [u8], root: usize) -> Result<()> {
        let p = self.size();
        let out = match send {
            Some(s) => pieces(s, &vec![equal_parts("scatter", s.len(), p)?; p]),
            None => (0..p).map(|_| None).collect(),
        };
        let mut got = self.exchange("scatter", out)?;
        let n = recv.len();
        concat("scatter", vec![got.swap_remove(root)], &[n], recv)
    }

    fn barrier(&self) -> Result<()> {
        self.exchange("barrier", (0..self.size()).map(|_| None).collect())?;
        Ok(())
    }

    fn all_gather_bytes(&self, mine: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        let out = (0..self.size()).map(|_| Some(mine.clone())).collect();
        self.exchange("collective header", out)?
            .into_iter()
            .map(|m| m.ok_or_else(|| out_of_step("collective header")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_departed_rank_fails_the_others_at_once() {
        let groups = new_groups(2, Duration::from_secs(60)).unwrap();
        let mut it = groups.into_iter();
        let (g0, g1) = (it.next().unwrap(), it.next().unwrap());
        let t0 = Instant::now();
        let waiter = std::thread::spawn(move || g0.barrier());
        drop(g1);
        let err = waiter.join().unwrap().unwrap_err().to_string();
        assert!(err.contains("rank 1 left the process group"), "{err}");
        assert!(t0.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn a_missing_rank_times_out_naming_it() {
        let groups = new_groups(3, Duration::from_millis(200)).unwrap();
        let g2 = groups[2].clone();
        let h = std::thread::spawn(move || g2.barrier());
        let err = groups[0].barrier().unwrap_err().to_string();
        assert!(
            err.contains("timed out after 0.2 s on rank 0 waiting for rank(s) [1"),
            "{err}"
        );
        drop(groups);
        assert!(h.join().unwrap().is_err());
    }
}
