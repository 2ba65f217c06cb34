//! Reverse-mode automatic differentiation, shaped like PyTorch's.
//!
//! Ops call [`record`] with their backward written in tensor ops; the graph
//! is data (`Node`, `Edge`, `SavedTensor`) that pictures can read; the walk
//! is in `backward.rs`; grad mode guards in `mode.rs`; leaf hooks and
//! end-of-backward callbacks in `hooks.rs`; steps and tensor hooks computed
//! above the engine (the language's) in `foreign.rs`; finite-difference checks in
//! `gradcheck.rs`. Backends know nothing of gradients.

mod backward;
mod foreign;
pub mod gradcheck;
mod hooks;
mod mode;
mod node;

pub use backward::{backward, backward_foreign, grad, grad_foreign, record, topo_order};
pub use foreign::{foreign_key, record_foreign, register_hook, remove_hook, Foreign};
pub use hooks::{queue_callback, GradHook, RemovableHandle};
pub use mode::{enable_grad, is_grad_enabled, no_grad, with_no_grad, GradModeGuard};
pub use node::{edge_of, BackwardFn, Edge, Node, SavedTensor};
