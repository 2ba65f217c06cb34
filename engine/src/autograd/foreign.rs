//! Gradients computed above the engine: a custom `autograd.Function`'s
//! backward and `Tensor.register_hook` hooks written in the language. Their
//! code holds the interpreter's values, which the graph (shared across
//! threads) cannot own, so the graph keeps only a key: a node made by
//! [`record_foreign`] or a hook added by [`register_hook`]. The walk
//! (`backward_foreign`, `grad_foreign`) hands each key to the caller's
//! [`Foreign`], which runs that code with the interpreter it has at hand.

use std::sync::atomic::{AtomicU64, Ordering};

use super::node::{edge_of, Node, SavedTensor};
use crate::{Error, Result, Tensor};

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// A fresh key for a foreign node or hook (process-unique).
pub fn foreign_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

/// What the backward walk calls for the steps it cannot run itself.
pub trait Foreign {
    /// The gradients of the inputs of the node recorded with `key`, from its
    /// output's gradient; `needs` says which inputs take one.
    fn backward(&mut self, key: u64, grad: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>>;

    /// The hook registered with `key`, on a gradient about to flow on:
    /// `Some` replaces it, `None` keeps it.
    fn hook(&mut self, key: u64, grad: &Tensor) -> Result<Option<Tensor>>;
}

/// Records `out` as made from `inputs` by a step whose backward is the
/// foreign code registered under `key`. `name` is the node's class name
/// (a custom Function's `MyFnBackward`); `saved` are the tensors its
/// backward reads, freed after a backward without `retain_graph` as every
/// node's are. Returns `out` unchanged when grad mode is off or no input
/// requires grad.
pub fn record_foreign(
    out: Tensor,
    name: &str,
    inputs: &[&Tensor],
    saved: Vec<SavedTensor>,
    key: u64,
) -> Tensor {
    if !super::is_grad_enabled() || !inputs.iter().any(|t| t.requires_grad()) {
        return out;
    }
    let edges = inputs.iter().map(|t| edge_of(t)).collect();
    let node = Node::new_foreign(intern(name), edges, saved, &out, key);
    let mut m = out.meta();
    m.requires_grad = true;
    m.grad_fn = Some(node);
    drop(m);
    out
}

/// Node names live as long as the process; each distinct one is kept once.
fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    let set = names.get_or_insert_with(HashSet::new);
    if let Some(n) = set.get(name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(n);
    n
}

/// `t.register_hook(fn)`: the hook under `key` sees (and may replace) the
/// gradient of `t` during each backward: at its `grad_fn` for a result, before
/// accumulation into `.grad` for a leaf.
pub fn register_hook(t: &Tensor, key: u64) -> Result<()> {
    if !t.requires_grad() {
        return Err(Error::Autograd(
            "cannot register a hook on a tensor that doesn't require gradient".into(),
        ));
    }
    match t.grad_fn() {
        Some(node) => node.hooks().push(key),
        None => t.meta().tensor_hooks.push(key),
    }
    Ok(())
}

/// Removes the hook under `key` from `t` (nothing when it is gone already).
pub fn remove_hook(t: &Tensor, key: u64) {
    match t.grad_fn() {
        Some(node) => node.hooks().retain(|k| *k != key),
        None => t.meta().tensor_hooks.retain(|k| *k != key),
    }
}

/// `grad` after the hooks under `keys`, in registration order.
pub(crate) fn run_hooks(
    keys: Vec<u64>,
    mut grad: Tensor,
    foreign: &mut Option<&mut dyn Foreign>,
) -> Result<Tensor> {
    if keys.is_empty() {
        return Ok(grad);
    }
    let Some(f) = foreign else {
        return Err(Error::Autograd(
            "a tensor hook written in the language ran in a backward started outside it".into(),
        ));
    };
    for k in keys {
        if let Some(g) = f.hook(k, &grad)? {
            if g.shape() != grad.shape() {
                return Err(Error::Autograd(format!(
                    "hook changed the size of the gradient from {:?} to {:?}",
                    grad.shape(),
                    g.shape()
                )));
            }
            grad = g;
        }
    }
    Ok(grad)
}
