//! The tinytorch language: lexer, parser, evaluator and PyTorch-named builtins.
//!
//! This crate is the language as a library; `tinytorch-repl` (main.rs) and the
//! Jupyter kernel are thin front ends over it.

pub mod syntax;

/// The language version, shown in the REPL banner.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
