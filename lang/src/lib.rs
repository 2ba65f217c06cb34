//! The tinytorch language: lexer, parser, evaluator and PyTorch-named builtins.
//!
//! This crate is the language as a library; `tinytorch-repl` (main.rs) and the
//! Jupyter kernel are thin front ends over [`Session`].
//!
//! ```
//! use tinytorch_lang::Session;
//! let mut s = Session::new();
//! s.run("x = 2 + 3", "<cell 1>", true).unwrap();
//! let d = s.run("x * 2", "<cell 2>", true).unwrap().unwrap();
//! assert_eq!(d.text, "10");
//! let e = s.run("x @ 1", "<cell 3>", true).unwrap_err();
//! assert_eq!(e.exc, "TypeError");
//! ```

pub mod builtins;
pub mod eval;
mod session;
pub mod syntax;

pub use session::{BufferSink, Display, Frame, LangError, OutputSink, Session, StdSink};

/// The language version, shown in the REPL banner.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
