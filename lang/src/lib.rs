//! The tinytorch language: a Python subset whose tensor library mirrors
//! PyTorch, as a library; the terminal REPL (`repl/`) and the Jupyter kernel
//! (`jupyter/`) are thin front ends over [`Session`].
//!
//! Layers, each knowing only those below it:
//!
//! | module | what |
//! |---|---|
//! | [`syntax`] | lexer, parser (descent + Pratt), AST; `Incomplete` vs `Invalid` for front ends |
//! | [`eval`] | the evaluator over resolved code; Python's values; no library type |
//! | [`protocol`] | what a native type offers the evaluator (`Object`, `Callable`) |
//! | [`bind`] | binding rows: PyTorch signature strings parsed once, argument binding and errors |
//! | [`library`] | Python's builtins and the PyTorch-named library, one table per family |
//! | `magics` | IPython's input syntax (`%time`, `%%timeit`, `x?`, `!cmd`) rewritten into calls |
//! | [`Session`] | a worker thread running cells, completion and inspection for front ends |
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

pub mod bind;
pub mod eval;
pub mod library;
mod magics;
pub mod protocol;
mod session;
pub mod syntax;

pub use session::{
    BufferSink, Display, Frame, InputError, LangError, OutputSink, Session, StdSink,
};

/// The language version, shown in the REPL banner.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
