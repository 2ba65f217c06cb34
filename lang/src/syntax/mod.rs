//! The syntax layer: source text to AST, and nothing about running it.
//!
//! `span` (byte offsets, line/column, carets) -> `lexer` (tokens, indentation;
//! string bodies in `strings`) -> `parser` (cursor, blocks, simple statements)
//! with `compound` (block statements), `expr` (Pratt precedence), `display`
//! (brackets, comprehensions, calls, subscripts) and `targets` (assignment
//! rules) -> `ast`. `complete` answers "is this input finished?" for the REPL
//! and Jupyter; `sexpr` prints trees for golden tests. Errors are one type,
//! [`ParseError`], whose `kind` tells Incomplete from Invalid.
//!
//! ```
//! use tinytorch_lang::syntax::{parse_module, classify, Completeness};
//! let m = parse_module("x = 2 ** -1\nprint(f'{x:.2f}')\n").unwrap();
//! assert_eq!(m.body.len(), 2);
//! assert!(matches!(classify("def f(x):"), Completeness::Incomplete { .. }));
//! ```

pub mod ast;
mod complete;
mod compound;
mod display;
mod error;
mod expr;
pub mod lexer;
mod parser;
pub mod sexpr;
pub mod span;
mod strings;
mod targets;
pub mod token;

pub use complete::{classify, Completeness};
pub use error::{ErrorKind, PResult, ParseError};
pub use lexer::tokenize;
pub use parser::{parse_expression, parse_module, FUTURE_FEATURES, MAX_DEPTH};
pub use span::{line_col, line_text, LineCol, SourceLine, Span};
