//! The one error type of the syntax layer: [`ParseError`], which tells an
//! input that merely stops early (more lines could fix it) from one that is
//! wrong. The REPL's validator and Jupyter's `is_complete_request` depend on
//! that distinction; running a file treats both as a `SyntaxError`.

use super::span::Span;
use std::fmt;

/// Whether more input could turn the source into a valid program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// An open bracket, an unterminated triple-quoted string, a trailing `\`,
    /// or a block header still waiting for its body.
    Incomplete,
    /// A real syntax error: no continuation can fix it.
    Invalid,
}

/// A syntax error with Python's exception name and wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ErrorKind,
    /// `"SyntaxError"`, `"IndentationError"` or `"TabError"`, as Python names them.
    pub exc: &'static str,
    pub message: String,
    pub span: Span,
}

impl ParseError {
    pub fn invalid(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            kind: ErrorKind::Invalid,
            exc: "SyntaxError",
            message: message.into(),
            span,
        }
    }

    pub fn incomplete(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            kind: ErrorKind::Incomplete,
            exc: "SyntaxError",
            message: message.into(),
            span,
        }
    }

    pub fn indentation(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            exc: "IndentationError",
            ..ParseError::invalid(message, span)
        }
    }

    pub fn is_incomplete(&self) -> bool {
        self.kind == ErrorKind::Incomplete
    }

    /// The same error, but final: used where a nested parse (an f-string field)
    /// cannot be continued by more input.
    pub(crate) fn into_invalid(self) -> ParseError {
        ParseError {
            kind: ErrorKind::Invalid,
            ..self
        }
    }

    /// `File "<name>", line N` header, source line and caret, then
    /// `SyntaxError: message`, as Python prints a syntax error.
    pub fn render(&self, file: &str, source: &str) -> String {
        let line = self.span.line_col(source).line;
        format!(
            "  File \"{file}\", line {line}\n{}\n{}: {}",
            self.span.render_caret(source),
            self.exc,
            self.message
        )
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.exc, self.message)
    }
}

impl std::error::Error for ParseError {}

pub type PResult<T> = Result<T, ParseError>;
