//! Is this input a whole cell yet? The REPL's multi-line validator and
//! Jupyter's `is_complete_request` both ask [`classify`].
//!
//! Python's interactive rule: input with an open bracket, an unterminated
//! triple-quoted string or a trailing `\` needs more lines; so does input whose
//! last statement is compound (it owns a block), until a blank line ends the
//! block. Anything the parser rejects outright is `Invalid`, which front ends
//! submit anyway so that the user sees the error.

use super::error::ErrorKind;
use super::lexer::tokenize_partial;
use super::parser::parse_module;
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
    let (tokens, lex_error) = tokenize_partial(source);
    // Blank lines inside brackets and strings are content, not block ends.
    let lexer_incomplete = lex_error.is_some_and(|e| e.kind == ErrorKind::Incomplete);
    let blank_end = ends_with_blank_line(source) && !lexer_incomplete;
    let incomplete = || {
        let mut indent = last_indent(source).to_string();
        if ends_with_colon(&tokens) {
            indent.push_str("    ");
        }
        Completeness::Incomplete { indent }
    };
    match parse_module(source) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn incomplete(indent: &str) -> Completeness {
        Completeness::Incomplete {
            indent: indent.to_string(),
        }
    }

    #[test]
    fn simple_statements_are_complete() {
        assert_eq!(classify("x = 1"), Completeness::Complete);
        assert_eq!(classify("print(x)\n"), Completeness::Complete);
        assert_eq!(classify(""), Completeness::Complete);
        assert_eq!(classify("   \n"), Completeness::Complete);
        assert_eq!(classify("# just a comment"), Completeness::Complete);
    }

    #[test]
    fn block_headers_wait_for_a_body() {
        assert_eq!(classify("def f(x):"), incomplete("    "));
        assert_eq!(classify("for i in range(3):"), incomplete("    "));
        assert_eq!(
            classify("class A:\n    def f(self):"),
            incomplete("        ")
        );
    }

    #[test]
    fn blocks_wait_for_a_blank_line() {
        assert_eq!(classify("if x:\n    y = 1"), incomplete("    "));
        assert_eq!(classify("if x: pass"), incomplete(""));
        assert_eq!(classify("if x:\n    y = 1\n"), Completeness::Complete);
        assert_eq!(classify("if x:\n    y = 1\n    "), Completeness::Complete);
        assert_eq!(
            classify("def f():\n    return 1\nf()"),
            Completeness::Complete
        );
    }

    #[test]
    fn open_brackets_strings_and_backslashes_are_incomplete() {
        assert_eq!(classify("x = [1,"), incomplete(""));
        assert_eq!(classify("x = f(1,\n\n"), incomplete(""));
        assert_eq!(classify("s = '''abc"), incomplete(""));
        assert_eq!(classify("x = 1 + \\"), incomplete(""));
        assert_eq!(classify("if x:\n    y = (1,"), incomplete("    "));
    }

    #[test]
    fn tails_of_compound_statements_are_incomplete() {
        assert_eq!(classify("if x:\n    pass\nelse:"), incomplete("    "));
        assert_eq!(classify("try:\n    pass"), incomplete("    "));
        assert_eq!(classify("@dec"), incomplete(""));
    }

    #[test]
    fn errors_are_invalid() {
        assert_eq!(classify("x = = 1"), Completeness::Invalid);
        assert_eq!(classify("x = 1)"), Completeness::Invalid);
        assert_eq!(classify("  x = 1"), Completeness::Invalid);
        assert_eq!(classify("if x"), Completeness::Invalid);
        // A blank line right after a header gives up on the block.
        assert_eq!(classify("if x:\n"), Completeness::Invalid);
        assert_eq!(classify("try:\n    pass\n"), Completeness::Invalid);
    }
}
