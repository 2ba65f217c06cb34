//! The backward walk: reverse topological order over the recorded graph,
//! with an explicit stack (no recursion, so 100k-node chains are fine),
//! gradients summed per node before its backward runs, and leaf gradients
//! accumulated into `.grad`.

use std::collections::HashMap;
use std::sync::Arc;

use super::foreign::{run_hooks, Foreign};
use super::hooks::{self, CallbackFrame, LeafCountdown};
use super::node::{edge_of, Edge, Node};
use crate::{Error, Result, Tensor};

/// Records `out` as produced by an op over `inputs` when grad mode is on
/// and some input requires grad; otherwise returns `out` untouched.
pub fn record(
    out: Tensor,
    name: &'static str,
    inputs: &[&Tensor],
    saved: Vec<super::SavedTensor>,
    backward: impl Fn(&Tensor, &[bool]) -> Result<Vec<Option<Tensor>>> + Send + Sync + 'static,
) -> Tensor {
    if !super::is_grad_enabled() || !inputs.iter().any(|t| t.requires_grad()) {
        return out;
    }
    let edges = inputs.iter().map(|t| edge_of(t)).collect();
    let node = Node::new(name, edges, saved, &out, Box::new(backward));
    {
        let mut m = out.meta();
        m.requires_grad = true;
        m.grad_fn = Some(node);
    }
    out
}

/// `t.backward(gradient, retain_graph)`.
pub fn backward(t: &Tensor, gradient: Option<&Tensor>, retain_graph: bool) -> Result<()> {
    backward_foreign(t, gradient, retain_graph, false, None)
}

/// [`backward`] through a graph that may hold steps computed above the
/// engine (custom Functions, tensor hooks): `foreign` runs them. With
/// `create_graph` the backward records its own graph (the gradients can
/// be differentiated again) and `.grad` keeps it, as PyTorch's.
pub fn backward_foreign(
    t: &Tensor,
    gradient: Option<&Tensor>,
    retain_graph: bool,
    create_graph: bool,
    mut foreign: Option<&mut dyn Foreign>,
) -> Result<()> {
    if !t.requires_grad() {
        return Err(Error::Autograd(
            "element 0 of tensors does not require grad and does not have a grad_fn".into(),
        ));
    }
    let retain_graph = retain_graph || create_graph;
    let _guard = super::mode::GradModeGuard::new(create_graph);
    let seed = match gradient {
        Some(g) => {
            if g.shape() != t.shape() {
                return Err(Error::shape(
                    "backward",
                    t.shape(),
                    g.shape(),
                    format!(
                        "Mismatch in shape: grad_output[0] has a shape of {:?} and output[0] has a shape of {:?}.",
                        g.shape(),
                        t.shape()
                    ),
                ));
            }
            g.to_dtype(t.dtype())?
        }
        None => {
            if t.numel() != 1 {
                return Err(Error::Autograd(
                    "grad can be implicitly created only for scalar outputs".into(),
                ));
            }
            Tensor::ones_like(t)?
        }
    };
    let frame = CallbackFrame::enter();
    let Some(root) = t.grad_fn() else {
        // A leaf: its gradient is the seed itself.
        accumulate_leaf(t, seed, &mut foreign)?;
        hooks::fire(t)?;
        return frame.finish();
    };
    let order = topo_order(&root);
    let mut countdown = LeafCountdown::new(&order);
    let mut sums = LeafSums::new(&order);
    let mut pending: HashMap<u64, Tensor> = HashMap::new();
    pending.insert(root.id(), seed);
    for node in order {
        let Some(grad) = pending.remove(&node.id()) else {
            for e in node.inputs() {
                if let Edge::Leaf(leaf) = e {
                    if let Some(sum) = sums.arrive(leaf, None)? {
                        accumulate_leaf(leaf, sum, &mut foreign)?;
                    }
                }
            }
            countdown.skip(&node)?;
            continue; // no gradient reached this node
        };
        let hooks = node.hooks().clone();
        let grad = run_hooks(hooks, grad, &mut foreign)?;
        if let Some(out) = node.retained_output() {
            set_or_add_grad(&out, grad.clone())?;
        }
        let grads = node.apply(&grad, &mut foreign)?;
        // Release this node's gradient now, so that a leaf gradient that was
        // a view of it is found unshared in `set_or_add_grad`.
        drop(grad);
        if !retain_graph {
            node.release();
        }
        for (edge, g) in node.inputs().iter().zip(grads) {
            if let Edge::Leaf(leaf) = edge {
                let got = g.is_some();
                if let Some(sum) = sums.arrive(leaf, g)? {
                    accumulate_leaf(leaf, sum, &mut foreign)?;
                }
                countdown.arrive(leaf, got)?;
                continue;
            }
            let Some(g) = g else { continue };
            if let Edge::Node(n) = edge {
                add_pending(&mut pending, n.id(), g)?;
            }
        }
    }
    frame.finish()
}

/// The gradients flowing into each leaf reached along several edges (`w *
/// w`), summed before the one accumulation into `.grad`, as PyTorch's
/// AccumulateGrad sums its input first: hooks see the sum, and `.grad`
/// under `create_graph` is one `CopyBackwards` of it.
struct LeafSums {
    /// Per leaf used more than once: edges still to come, the sum so far.
    many: HashMap<u64, (usize, Option<Tensor>)>,
}

impl LeafSums {
    fn new(order: &[Arc<Node>]) -> Self {
        let mut counts: HashMap<u64, usize> = HashMap::new();
        for node in order {
            for e in node.inputs() {
                if let Edge::Leaf(l) = e {
                    *counts.entry(l.id()).or_insert(0) += 1;
                }
            }
        }
        let many = counts
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .map(|(id, n)| (id, (n, None)))
            .collect();
        LeafSums { many }
    }

    /// One edge into `leaf` is done, carrying `g` or nothing: the gradient
    /// to accumulate now, once the last edge has come (and any carried one).
    fn arrive(&mut self, leaf: &Tensor, g: Option<Tensor>) -> Result<Option<Tensor>> {
        let Some((left, sum)) = self.many.get_mut(&leaf.id()) else {
            return Ok(g);
        };
        if let Some(g) = g {
            *sum = Some(match sum.take() {
                Some(s) => s.add(&g)?,
                None => g,
            });
        }
        *left -= 1;
        Ok(if *left == 0 { sum.take() } else { None })
    }
}

/// Adds `g` to the gradient waiting at node `id` (a node reached along
/// several edges receives their sum).
fn add_pending(pending: &mut HashMap<u64, Tensor>, id: u64, g: Tensor) -> Result<()> {
    let sum = match pending.remove(&id) {
        Some(prev) => prev.add(&g)?,
        None => g,
    };
    pending.insert(id, sum);
    Ok(())
}

fn accumulate_leaf(leaf: &Tensor, g: Tensor, foreign: &mut Option<&mut dyn Foreign>) -> Result<()> {
    let hooks = leaf.meta().tensor_hooks.clone();
    let g = run_hooks(hooks, g, foreign)?;
    if g.shape() != leaf.shape() {
        return Err(Error::Internal(format!(
            "gradient of shape {:?} for a leaf of shape {:?}",
            g.shape(),
            leaf.shape()
        )));
    }
    set_or_add_grad(leaf, g)
}

fn set_or_add_grad(t: &Tensor, g: Tensor) -> Result<()> {
    let g = if g.dtype() != t.dtype() {
        g.to_dtype(t.dtype())?
    } else {
        g
    };
    let prev = t.grad();
    let new = match prev {
        Some(p) => p.add(&g)?,
        // create_graph: `.grad` is a copy that keeps the gradient's history
        // (PyTorch's AccumulateGrad records it as `CopyBackwards`).
        None if g.requires_grad() => {
            // Its inputs as PyTorch's: the fresh destination (no history)
            // and the gradient.
            let copy = g.detach().contiguous_copy()?;
            let dst = copy.detach();
            record(copy, "CopyBackwards", &[&dst, &g], vec![], |gr, _| {
                Ok(vec![None, Some(gr.clone())])
            })
        }
        // A fresh, contiguous gradient that nothing else sees is kept as it
        // is (PyTorch's AccumulateGrad steals it too); any other may alias
        // a tensor the user holds, so `.grad` gets its own buffer.
        None if g.is_contiguous() && !g.requires_grad() && g.claim_buffer() => g,
        None => g.contiguous_copy()?,
    };
    t.meta().grad = Some(new);
    Ok(())
}

/// Nodes reachable from `root`, each after every node that feeds it a
/// gradient (iterative DFS post-order, reversed).
pub fn topo_order(root: &Arc<Node>) -> Vec<Arc<Node>> {
    let mut visited: HashMap<u64, ()> = HashMap::new();
    let mut post: Vec<Arc<Node>> = Vec::new();
    let mut stack: Vec<(Arc<Node>, usize)> = vec![(root.clone(), 0)];
    visited.insert(root.id(), ());
    while let Some((node, i)) = stack.pop() {
        if i < node.inputs().len() {
            let next = node.inputs()[i].clone();
            stack.push((node, i + 1));
            if let Edge::Node(n) = next {
                if visited.insert(n.id(), ()).is_none() {
                    stack.push((n, 0));
                }
            }
        } else {
            post.push(node);
        }
    }
    post.reverse();
    post
}

/// `torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph)`: the
/// gradients of `outputs` (weighted by `grad_outputs`, ones for scalars)
/// with respect to each of `inputs`, leaves or not, returned instead of
/// accumulated: no `.grad` changes and no hooks run. `None` for an input
/// the outputs do not depend on (PyTorch's `allow_unused=True`; the caller
/// raises otherwise).
pub fn grad(
    outputs: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    inputs: &[Tensor],
    retain_graph: bool,
) -> Result<Vec<Option<Tensor>>> {
    grad_foreign(outputs, grad_outputs, inputs, retain_graph, false, None)
}

/// [`grad`] through a graph that may hold steps computed above the engine;
/// with `create_graph` the gradients carry their own graph.
pub fn grad_foreign(
    outputs: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    inputs: &[Tensor],
    retain_graph: bool,
    create_graph: bool,
    mut foreign: Option<&mut dyn Foreign>,
) -> Result<Vec<Option<Tensor>>> {
    let retain_graph = retain_graph || create_graph;
    let _guard = super::mode::GradModeGuard::new(create_graph);
    let mut found: Vec<Option<Tensor>> = vec![None; inputs.len()];
    let add = |slot: &mut Option<Tensor>, g: &Tensor| -> Result<()> {
        *slot = Some(match slot.take() {
            Some(prev) => prev.add(g)?,
            None => g.clone(),
        });
        Ok(())
    };
    for (k, out) in outputs.iter().enumerate() {
        if !out.requires_grad() {
            return Err(Error::Autograd(format!(
                "element {k} of tensors does not require grad and does not have a grad_fn"
            )));
        }
        let seed = match grad_outputs.get(k).cloned().flatten() {
            Some(g) => {
                if g.shape() != out.shape() {
                    return Err(Error::Autograd(format!(
                        "Mismatch in shape: grad_output[{k}] has a shape of {:?} and output[{k}] has a shape of {:?}.",
                        g.shape(),
                        out.shape()
                    )));
                }
                g.to_dtype(out.dtype())?
            }
            None if out.numel() == 1 => Tensor::ones_like(out)?,
            None => {
                return Err(Error::Autograd(
                    "grad can be implicitly created only for scalar outputs".into(),
                ))
            }
        };
        // An output that is itself an input.
        for (i, x) in inputs.iter().enumerate() {
            if x.id() == out.id() {
                add(&mut found[i], &seed)?;
            }
        }
        let Some(root) = out.grad_fn() else {
            continue;
        };
        // Non-leaf inputs are met at their grad_fn: the gradient that
        // reaches that node is the gradient of its output.
        let at_node: HashMap<u64, Vec<usize>> = inputs
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.grad_fn().map(|n| (n.id(), i)))
            .fold(HashMap::new(), |mut m, (id, i)| {
                m.entry(id).or_insert_with(Vec::new).push(i);
                m
            });
        let keep = retain_graph || k + 1 < outputs.len();
        let mut pending: HashMap<u64, Tensor> = HashMap::new();
        pending.insert(root.id(), seed);
        for node in topo_order(&root) {
            let Some(g) = pending.remove(&node.id()) else {
                continue;
            };
            let hooks = node.hooks().clone();
            let g = run_hooks(hooks, g, &mut foreign)?;
            if let Some(ix) = at_node.get(&node.id()) {
                for &i in ix {
                    add(&mut found[i], &g)?;
                }
            }
            let grads = node.apply(&g, &mut foreign)?;
            if !keep {
                node.release();
            }
            for (edge, g) in node.inputs().iter().zip(grads) {
                let Some(g) = g else { continue };
                match edge {
                    Edge::Leaf(leaf) => {
                        let hooks = leaf.meta().tensor_hooks.clone();
                        let g = run_hooks(hooks, g, &mut foreign)?;
                        for (i, x) in inputs.iter().enumerate() {
                            if x.id() == leaf.id() {
                                add(&mut found[i], &g)?;
                            }
                        }
                    }
                    Edge::Node(n) => add_pending(&mut pending, n.id(), g)?,
                    Edge::None => {}
                }
            }
        }
    }
    Ok(found)
}
