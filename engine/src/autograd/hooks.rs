//! Hooks into the backward walk, as PyTorch's: a leaf's
//! `register_post_accumulate_grad_hook` runs once per backward after the
//! leaf's `.grad` holds every contribution of that backward, and
//! `queue_callback` runs a function when the current backward finishes
//! (`Variable._execution_engine.queue_callback`). DistributedDataParallel
//! reduces gradient buckets from the first and finishes the iteration from
//! the second; the walk (backward.rs) calls [`LeafCountdown`] and
//! [`CallbackFrame`], and knows nothing of what the hooks do.
//!
//! The walk accumulates a leaf's gradient once per graph edge into it, so a
//! leaf used twice receives two contributions: the countdown counts the
//! edges into each hooked leaf before the walk and fires the hooks when the
//! last one has arrived (or been skipped because no gradient flowed along
//! it). Walks with no hooked leaf anywhere in the process skip all this.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use super::node::{Edge, Node};
use crate::{Error, Result, Tensor};

/// A post-accumulate-grad hook: called with the leaf once its gradient is final.
pub type GradHook = dyn Fn(&Tensor) -> Result<()> + Send + Sync;

/// Hooks registered on live tensors, process-wide (0: the walk skips counting).
static LIVE_HOOKS: AtomicUsize = AtomicUsize::new(0);
static NEXT_HOOK: AtomicU64 = AtomicU64::new(1);

/// What `register_post_accumulate_grad_hook` returns: `remove()` unregisters.
/// Dropping the handle keeps the hook, as in PyTorch.
pub struct RemovableHandle {
    tensor: Tensor,
    id: u64,
}

impl RemovableHandle {
    /// Unregisters the hook (a second call does nothing).
    pub fn remove(&self) {
        let mut m = self.tensor.meta();
        let before = m.grad_hooks.len();
        m.grad_hooks.retain(|(id, _)| *id != self.id);
        if m.grad_hooks.len() < before {
            LIVE_HOOKS.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Tensor {
    /// `register_post_accumulate_grad_hook(hook)`: runs `hook(self)` after
    /// each backward has accumulated into this leaf's `.grad`. An error from
    /// the hook ends that backward with the error.
    pub fn register_post_accumulate_grad_hook(
        &self,
        hook: Arc<GradHook>,
    ) -> Result<RemovableHandle> {
        let mut m = self.meta();
        if m.grad_fn.is_some() {
            return Err(Error::Autograd(
                "post accumulate grad hooks cannot be registered on non-leaf tensors".into(),
            ));
        }
        if !m.requires_grad {
            return Err(Error::Autograd(
                "cannot register a hook on a tensor that doesn't require gradient".into(),
            ));
        }
        let id = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        m.grad_hooks.push((id, hook));
        LIVE_HOOKS.fetch_add(1, Ordering::AcqRel);
        Ok(RemovableHandle {
            tensor: self.clone(),
            id,
        })
    }
}

/// Runs `leaf`'s post-accumulate-grad hooks (outside its metadata lock).
pub(crate) fn fire(leaf: &Tensor) -> Result<()> {
    if LIVE_HOOKS.load(Ordering::Acquire) == 0 {
        return Ok(());
    }
    let hooks: Vec<Arc<GradHook>> = leaf
        .meta()
        .grad_hooks
        .iter()
        .map(|(_, h)| h.clone())
        .collect();
    for h in hooks {
        h(leaf)?;
    }
    Ok(())
}

/// Per hooked leaf of one walk: edges still to come, and whether any
/// gradient arrived.
pub(crate) struct LeafCountdown {
    left: HashMap<u64, (usize, bool)>,
}

impl LeafCountdown {
    /// Counts the edges into hooked leaves over the nodes the walk visits.
    pub fn new(order: &[Arc<Node>]) -> Self {
        let mut left = HashMap::new();
        if LIVE_HOOKS.load(Ordering::Acquire) > 0 {
            for node in order {
                for e in node.inputs() {
                    if let Edge::Leaf(l) = e {
                        if !l.meta().grad_hooks.is_empty() {
                            left.entry(l.id()).or_insert((0, false)).0 += 1;
                        }
                    }
                }
            }
        }
        LeafCountdown { left }
    }

    /// One edge into `leaf` is done (`got`: it carried a gradient); fires
    /// the hooks after the last one if any gradient arrived.
    pub fn arrive(&mut self, leaf: &Tensor, got: bool) -> Result<()> {
        let Some(entry) = self.left.get_mut(&leaf.id()) else {
            return Ok(());
        };
        entry.0 -= 1;
        entry.1 |= got;
        if entry.0 == 0 && entry.1 {
            fire(leaf)?;
        }
        Ok(())
    }

    /// A node that received no gradient: its leaf edges carry none.
    pub fn skip(&mut self, node: &Node) -> Result<()> {
        if self.left.is_empty() {
            return Ok(());
        }
        for e in node.inputs() {
            if let Edge::Leaf(l) = e {
                self.arrive(l, false)?;
            }
        }
        Ok(())
    }
}

type Callback = Box<dyn FnOnce() -> Result<()>>;

thread_local! {
    /// One frame per backward running on this thread (nested backwards in hooks).
    static FRAMES: RefCell<Vec<Vec<Callback>>> = const { RefCell::new(Vec::new()) };
}

/// `queue_callback(f)`: runs `f` when the backward now running on this
/// thread finishes, after every gradient is accumulated (callbacks queued by
/// other callbacks run too, in order). Outside a backward it is an error.
pub fn queue_callback(f: impl FnOnce() -> Result<()> + 'static) -> Result<()> {
    FRAMES.with(|fr| match fr.borrow_mut().last_mut() {
        Some(frame) => {
            frame.push(Box::new(f));
            Ok(())
        }
        None => Err(Error::Autograd(
            "Final callbacks can only be installed during backward pass.".into(),
        )),
    })
}

/// The callback frame of one backward walk: [`CallbackFrame::finish`] runs
/// its callbacks; dropping it unfinished (the walk failed) discards them.
pub(crate) struct CallbackFrame {
    depth: usize,
}

impl CallbackFrame {
    pub fn enter() -> Self {
        let depth = FRAMES.with(|fr| {
            let mut fr = fr.borrow_mut();
            fr.push(Vec::new());
            fr.len()
        });
        CallbackFrame { depth }
    }

    pub fn finish(self) -> Result<()> {
        loop {
            let next = FRAMES.with(|fr| {
                let mut fr = fr.borrow_mut();
                let frame = fr.get_mut(self.depth - 1)?;
                (!frame.is_empty()).then(|| frame.remove(0))
            });
            match next {
                Some(cb) => cb()?,
                None => return Ok(()),
            }
        }
    }
}

impl Drop for CallbackFrame {
    fn drop(&mut self) {
        FRAMES.with(|fr| fr.borrow_mut().truncate(self.depth - 1));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::DType;

    fn leaf(v: &[f64]) -> Tensor {
        Tensor::from_vec_f64(v, &[v.len()], DType::F64)
            .unwrap()
            .requires_grad_(true)
            .unwrap()
    }

    #[test]
    fn hook_sees_the_final_gradient_once_for_a_leaf_used_twice() {
        let x = leaf(&[1.0, 2.0]);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let h = x
            .register_post_accumulate_grad_hook(Arc::new(move |t: &Tensor| {
                s.lock().unwrap().push(t.grad().unwrap().to_vec_f64()?);
                Ok(())
            }))
            .unwrap();
        // y = sum(x*x + 3x): dy/dx = 2x + 3, reaching x along three edges.
        let y = x.mul(&x).unwrap().add(&x.mul_scalar(3.0).unwrap()).unwrap();
        y.sum().unwrap().backward().unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![vec![5.0, 7.0]]);
        h.remove();
        x.sum().unwrap().backward().unwrap();
        assert_eq!(seen.lock().unwrap().len(), 1, "a removed hook stays silent");
    }

    #[test]
    fn hook_errors_end_backward_and_non_leaves_refuse_hooks() {
        let x = leaf(&[1.0]);
        let h = x
            .register_post_accumulate_grad_hook(Arc::new(|_: &Tensor| {
                Err(Error::invalid("from the hook"))
            }))
            .unwrap();
        let err = x.mul_scalar(2.0).unwrap().sum().unwrap().backward();
        assert_eq!(err.unwrap_err().to_string(), "from the hook");
        h.remove();
        let y = x.mul_scalar(2.0).unwrap();
        assert!(y
            .register_post_accumulate_grad_hook(Arc::new(|_: &Tensor| Ok(())))
            .is_err());
    }

    #[test]
    fn callbacks_run_after_every_gradient_and_only_inside_backward() {
        assert!(queue_callback(|| Ok(())).is_err());
        let (a, b) = (leaf(&[1.0]), leaf(&[2.0]));
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let (l1, bb) = (log.clone(), b.clone());
        let h = a
            .register_post_accumulate_grad_hook(Arc::new(move |_: &Tensor| {
                let (l2, bb) = (l1.clone(), bb.clone());
                l1.lock().unwrap().push("hook a".into());
                queue_callback(move || {
                    // b's gradient is in place by the time callbacks run.
                    l2.lock().unwrap().push(format!(
                        "callback, b.grad={:?}",
                        bb.grad().unwrap().to_vec_f64()?
                    ));
                    Ok(())
                })
            }))
            .unwrap();
        a.mul(&b).unwrap().sum().unwrap().backward().unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            vec!["hook a".to_string(), "callback, b.grad=[1.0]".to_string()]
        );
        h.remove();
    }
}
