//! Autograd nodes: the recorded graph, as plain inspectable data.
//!
//! A `Node` is what PyTorch calls a `grad_fn`: its PyTorch name
//! (`MulBackward0`), one edge per differentiable input, the saved tensors
//! backward needs (checked against the storage version counter), the
//! output's metadata, and the backward closure. `graph(t)` and the
//! notebook pictures read these fields; the walk lives in `backward.rs`.

use std::sync::{Arc, Mutex, Weak};

use crate::tensor::TensorImpl;
use crate::{DType, Error, Result, Tensor};

/// Where a gradient flows: into another node, into a leaf's `.grad`
/// (PyTorch's `AccumulateGrad`), or nowhere.
#[derive(Clone)]
pub enum Edge {
    None,
    Node(Arc<Node>),
    Leaf(Tensor),
}

/// The backward function of one node: given the gradient of the output and
/// which inputs need one, returns one optional gradient per input.
pub type BackwardFn = dyn Fn(&Tensor, &[bool]) -> Result<Vec<Option<Tensor>>> + Send + Sync;

/// A tensor saved for backward, with the version it had when saved.
#[derive(Clone)]
pub struct SavedTensor {
    name: &'static str,
    slot: Arc<Mutex<Option<Saved>>>,
    shape: Vec<usize>,
    dtype: DType,
}

/// What a [`SavedTensor`] holds until its graph is freed.
struct Saved {
    /// A detached alias: what a backward reads.
    alias: Tensor,
    version: u64,
    /// Where the tensor's history is: what a backward recorded for
    /// higher-order gradients (`create_graph`) reads.
    origin: Origin,
}

enum Origin {
    /// An input: the tensor itself.
    Input(Tensor),
    /// The node's own output: its history is the node, held weakly (the
    /// output holds the node), as PyTorch's SavedVariable does.
    Output(Weak<Node>),
}

impl SavedTensor {
    /// Saves `t`: a detached alias for backward, and `t` itself for a
    /// backward that records its own graph.
    pub fn new(name: &'static str, t: &Tensor) -> Self {
        SavedTensor {
            name,
            shape: t.shape().to_vec(),
            dtype: t.dtype(),
            slot: Arc::new(Mutex::new(Some(Saved {
                alias: t.detached_alias(),
                version: t.version(),
                origin: Origin::Input(t.clone()),
            }))),
        }
    }

    /// When this saves `out`, the output of `node`: keeps its history as
    /// the node (weakly) instead of the tensor, so that the output and its
    /// node do not keep each other alive.
    fn mark_output(&self, out: &Tensor, node: &Weak<Node>) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slot.as_mut() {
            if let Origin::Input(t) = &s.origin {
                if t.id() == out.id() {
                    s.origin = Origin::Output(node.clone());
                }
            }
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The saved tensor, or an error if the graph was freed or the tensor
    /// was modified in place since it was saved.
    pub fn get(&self, node: &'static str) -> Result<Tensor> {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        let Some(Saved {
            alias: t,
            version: v,
            origin,
        }) = slot.as_ref()
        else {
            return Err(Error::Autograd(
                "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.".into(),
            ));
        };
        let now = t.version();
        if now != *v {
            return Err(Error::Autograd(format!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.{}Tensor {:?}], which is output 0 of {node}, is at version {now}; expected version {v} instead. Hint: the backtrace further above can be found by enabling anomaly detection.",
                t.dtype().legacy_name(),
                t.shape()
            )));
        }
        // A backward that records a graph (create_graph) differentiates
        // through the saved tensor's own history.
        if super::is_grad_enabled() {
            match origin {
                Origin::Input(o) => return Ok(o.clone()),
                Origin::Output(node) => {
                    if let Some(node) = node.upgrade() {
                        let o = t.detach();
                        let mut m = o.meta();
                        m.requires_grad = true;
                        m.grad_fn = Some(node);
                        drop(m);
                        return Ok(o);
                    }
                }
            }
        }
        Ok(t.clone())
    }

    fn release(&self) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn is_released(&self) -> bool {
        self.slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }
}
/// One recorded operation.
pub struct Node {
    name: &'static str,
    id: u64,
    inputs: Vec<Edge>,
    saved: Vec<SavedTensor>,
    out_shape: Vec<usize>,
    out_dtype: DType,
    backward: Box<BackwardFn>,
    retained: Mutex<Option<Weak<TensorImpl>>>,
    /// The key of a backward computed above the engine (see `foreign.rs`).
    foreign: Option<u64>,
    /// Hooks on the output's gradient (`register_hook` on a non-leaf).
    hooks: Mutex<Vec<u64>>,
}

static NEXT_NODE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Node {
    pub fn new(
        name: &'static str,
        inputs: Vec<Edge>,
        saved: Vec<SavedTensor>,
        out: &Tensor,
        backward: Box<BackwardFn>,
    ) -> Arc<Node> {
        Arc::new_cyclic(|me| {
            for s in &saved {
                s.mark_output(out, me);
            }
            Node {
                name,
                id: NEXT_NODE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                inputs,
                saved,
                out_shape: out.shape().to_vec(),
                out_dtype: out.dtype(),
                backward,
                retained: Mutex::new(None),
                foreign: None,
                hooks: Mutex::new(Vec::new()),
            }
        })
    }

    /// A node whose backward the walk asks its [`Foreign`](super::Foreign)
    /// for, by `key`.
    pub(crate) fn new_foreign(
        name: &'static str,
        inputs: Vec<Edge>,
        saved: Vec<SavedTensor>,
        out: &Tensor,
        key: u64,
    ) -> Arc<Node> {
        let backward = Box::new(move |_: &Tensor, _: &[bool]| {
            Err(Error::Autograd(format!(
                "{name} is computed above the engine and needs its backward walk"
            )))
        });
        let mut node = Node::new(name, inputs, saved, out, backward);
        Arc::get_mut(&mut node).expect("a fresh node").foreign = Some(key);
        node
    }

    /// The key of a backward computed above the engine.
    pub fn foreign(&self) -> Option<u64> {
        self.foreign
    }

    pub(crate) fn hooks(&self) -> std::sync::MutexGuard<'_, Vec<u64>> {
        self.hooks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// PyTorch's class name of this node (`MmBackward0`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A process-unique id (stable while the node lives).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// PyTorch's `next_functions`: one edge per input.
    pub fn inputs(&self) -> &[Edge] {
        &self.inputs
    }

    pub fn saved(&self) -> &[SavedTensor] {
        &self.saved
    }

    pub fn output_shape(&self) -> &[usize] {
        &self.out_shape
    }

    pub fn output_dtype(&self) -> DType {
        self.out_dtype
    }

    pub(crate) fn apply(
        &self,
        grad: &Tensor,
        foreign: &mut Option<&mut dyn super::Foreign>,
    ) -> Result<Vec<Option<Tensor>>> {
        let needs: Vec<bool> = self
            .inputs
            .iter()
            .map(|e| !matches!(e, Edge::None))
            .collect();
        let grads = match (self.foreign, foreign) {
            (Some(key), Some(f)) => f.backward(key, grad, &needs)?,
            _ => (self.backward)(grad, &needs)?,
        };
        if grads.len() != self.inputs.len() {
            return Err(Error::Internal(format!(
                "{} returned {} gradients for {} inputs",
                self.name,
                grads.len(),
                self.inputs.len()
            )));
        }
        Ok(grads)
    }

    /// Frees the saved tensors (backward without `retain_graph`).
    pub(crate) fn release(&self) {
        for s in &self.saved {
            s.release();
        }
    }

    pub(crate) fn retain_output(&self, t: &Tensor) {
        *self.retained.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::downgrade(&t.0));
    }

    pub(crate) fn retained_output(&self) -> Option<Tensor> {
        let r = self.retained.lock().unwrap_or_else(|p| p.into_inner());
        r.as_ref().and_then(|w| w.upgrade()).map(Tensor)
    }
}

impl Drop for Node {
    /// Dismantles long chains iteratively: a graph built over 100k steps
    /// must not overflow the stack when it is dropped.
    fn drop(&mut self) {
        let mut stack: Vec<Arc<Node>> = Vec::new();
        for e in self.inputs.drain(..) {
            if let Edge::Node(n) = e {
                stack.push(n);
            }
        }
        while let Some(n) = stack.pop() {
            if let Some(mut inner) = Arc::into_inner(n) {
                for e in inner.inputs.drain(..) {
                    if let Edge::Node(n) = e {
                        stack.push(n);
                    }
                }
            }
        }
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} object>", self.name)
    }
}

/// The edge a gradient for `t` flows along.
pub fn edge_of(t: &Tensor) -> Edge {
    crate::ops::inplace::refresh_view_history(t);
    let m = t.meta();
    match (&m.grad_fn, m.requires_grad) {
        (Some(n), _) => Edge::Node(n.clone()),
        (None, true) => Edge::Leaf(t.clone()),
        (None, false) => Edge::None,
    }
}
