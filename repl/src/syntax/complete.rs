//! Is this input a whole cell yet? The REPL's multi-line validator and
//! Jupyter's `is_complete_request` both ask [`classify`].
//!
//! Python's interactive rule: input with an open bracket, an unterminated
//! triple-quoted string or a trailing `\` needs more lines; so does input whose
//! last statement is compound (it owns a block), until a blank line ends the
//! block. Anything the parser rejects outright is `Invalid`, which front ends
//! submit anyway so that the user sees the error.

use super::error::ErrorKind;
use super::lexer::tokenize;
use super::parser::parse_tokens;
use super::token::{Op, TokenKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// Ready to run (this includes empty and comment-only input).
    Complete,
    /// More lines are needed; `indent` is a suggested indentation for the next.
    Incomplete { indent: String },
    /// A syntax error that no further line can fix.
    Invalid,
}

/// Classifies REPL or notebook input, as `codeop`/IPython's `check_complete` do.
pub fn classify(source: &str) -> Completeness {
    if source.trim().is_empty() {
        return Completeness::Complete;
    }
    let blank_end = ends_with_blank_line(source);
    let tokens = match tokenize(source) {
        Ok(tokens) => tokens,
        Err(e) if e.kind == ErrorKind::Incomplete => {
            return Completeness::Incomplete {
                indent: last_indent(source).to_string(),
            }
        }
        Err(_) => return Completeness::Invalid,
    };
    let opens_block = ends_with_colon(&tokens);
    let incomplete = || {
        let mut indent = last_indent(source).to_string();
        if opens_block {
            indent.push_str("    ");
        }
        Completeness::Incomplete { indent }
    };
    match parse_tokens(source, tokens) {
        // A blank line right after a header is Python's "expected an indented
        // block": the user gave up on the block, so report the error.
        Err(e) if e.kind == ErrorKind::Incomplete && !blank_end => incomplete(),
        Err(_) => Completeness::Invalid,
        Ok(m) if !blank_end && m.body.last().is_some_and(|s| s.is_compound()) => incomplete(),
        Ok(_) => Completeness::Complete,
    }
}

/// True when the text after the last newline is only whitespace: the user
/// pressed Enter on an empty line.
fn ends_with_blank_line(source: &str) -> bool {
    match source.rfind('\n') {
        Some(i) => source[i + 1..].trim().is_empty(),
        None => false,
    }
}

/// Leading whitespace of the last line that has any code.
fn last_indent(source: &str) -> &str {
    let line = source
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let code = line.trim_start();
    &line[..line.len() - code.len()]
}

fn ends_with_colon(tokens: &[super::token::Token]) -> bool {
    let last = tokens.iter().rev().find(|t| {
        !matches!(
            t.kind,
            TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent | TokenKind::Eof
        )
    });
    matches!(last, Some(t) if t.kind == TokenKind::Op(Op::Colon))
}
