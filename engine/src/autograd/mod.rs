//! Reverse-mode automatic differentiation, shaped like PyTorch's.
//!
//! Ops call [`record`] with their backward written in tensor ops; the graph
//! is data (`Node`, `Edge`, `SavedTensor`) that pictures can read; the walk
//! is in `backward.rs`; grad mode guards in `mode.rs`; leaf hooks and
//! end-of-backward callbacks in `hooks.rs`; finite-difference checks in
//! `gradcheck.rs`. Backends know nothing of gradients.

mod backward;
pub mod gradcheck;
mod hooks;
mod mode;
mod node;

pub use backward::{backward, edge_of, grad, record, topo_order};
pub use hooks::{queue_callback, GradHook, RemovableHandle};
pub use mode::{enable_grad, is_grad_enabled, no_grad, with_no_grad, GradModeGuard};
pub use node::{BackwardFn, Edge, Node, SavedTensor};
