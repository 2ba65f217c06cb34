//! Cancellation of long CPU ops (Ctrl-C in the REPL, an interrupt request
//! in Jupyter): one process-wide flag that long kernels read between
//! chunks of work.
//!
//! A front end calls [`request`] from its signal or control thread; every
//! kernel that polls (matmul between tiles, conv2d between samples,
//! reductions, strided copies and casts, sort, cumsum) stops at its next
//! chunk boundary and returns [`Error::Interrupted`] without publishing
//! its output, so no tensor is ever half written. The flag stays set
//! until the front end calls [`clear`] (when it has raised
//! KeyboardInterrupt), so an interrupt that arrives between two ops stops
//! the next one instead of being lost. One flag per process fits the
//! front ends (one session each); it knows nothing of them.
//!
//! Polling is a relaxed atomic load per chunk (tens of microseconds of
//! work or more), which is free next to the chunk itself.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Error, Result};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks running and future long ops to stop (async-signal-safe: one store).
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Withdraws the request (the front end has reported the interrupt).
pub fn clear() {
    REQUESTED.store(false, Ordering::Relaxed);
}

/// Whether an interrupt is pending.
#[inline]
pub fn is_requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Error::Interrupted)` when an interrupt is pending.
#[inline]
pub fn check() -> Result<()> {
    if is_requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// Interrupt polling for one kernel run. It remembers that it saw a
/// request, so work it skipped is never published even if the flag is
/// cleared before the kernel returns.
#[derive(Debug, Default)]
pub struct Poll(std::sync::atomic::AtomicBool);

impl Poll {
    pub fn new() -> Self {
        Poll::default()
    }

    /// Whether the kernel should stop now (cheap; call between chunks).
    #[inline]
    pub fn stop(&self) -> bool {
        if self.0.load(Ordering::Relaxed) {
            return true;
        }
        let hit = is_requested();
        if hit {
            self.0.store(true, Ordering::Relaxed);
        }
        hit
    }

    /// `Ok(value)` if no chunk was skipped, else `Err(Error::Interrupted)`.
    pub fn finish<T>(self, value: T) -> Result<T> {
        if self.0.into_inner() {
            Err(Error::Interrupted)
        } else {
            Ok(value)
        }
    }
}
