//! tinytorch: PyTorch-shaped tensors, autograd, nn and optimizers in Rust.

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod viz;
