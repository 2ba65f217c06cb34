//! Syntax colours for the REPL's input line, from the project's own lexer.
//!
//! Only SGR escapes are inserted, never characters, so the highlighted line
//! has the display width of the input (rustyline lays the cursor out on the
//! plain text). Comments are not tokens: they are the `#` runs in the gaps
//! between tokens, where nothing else but whitespace and `\` can stand. Text
//! the lexer could not read (an unterminated string, a stray character) is
//! left plain.

use tinytorch_lang::syntax::lexer::tokenize_partial;
use tinytorch_lang::syntax::token::{Keyword, TokenKind};

const RESET: &str = "\x1b[0m";
const KEYWORD: &str = "\x1b[1;35m";
const CONSTANT: &str = "\x1b[35m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const COMMENT: &str = "\x1b[90m";

/// `line` with ANSI colours for keywords, strings, numbers and comments.
/// A continuation line's indentation is not a Python error here: the line
/// is lexed without it and the spans shifted back.
pub fn highlight(line: &str) -> String {
    let code = line.trim_start();
    let offset = line.len() - code.len();
    let (tokens, error) = tokenize_partial(code);
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    let mut last_end = 0;
    for t in &tokens {
        let colour = match &t.kind {
            TokenKind::Keyword(Keyword::True | Keyword::False | Keyword::None) => CONSTANT,
            TokenKind::Keyword(_) => KEYWORD,
            TokenKind::Str(_) | TokenKind::FString(_) => STRING,
            TokenKind::Int(_) | TokenKind::Float(_) => NUMBER,
            TokenKind::Name(_) | TokenKind::Op(_) => "",
            TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent | TokenKind::Eof => continue,
        };
        let (s, e) = (t.span.start.min(code.len()), t.span.end.min(code.len()));
        if s < last_end || s >= e {
            continue;
        }
        comments_in(code, last_end, s, &mut spans);
        if !colour.is_empty() {
            spans.push((s, e, colour));
        }
        last_end = e;
    }
    if error.is_none() {
        comments_in(code, last_end, code.len(), &mut spans);
    }
    let mut out = String::with_capacity(line.len() + spans.len() * 10);
    out.push_str(&line[..offset]);
    let mut at = 0;
    for (s, e, colour) in spans {
        // Spans come from a lexer over valid UTF-8 and start at token
        // boundaries; guard anyway, a bad span must not panic the editor.
        let (Some(before), Some(text)) = (code.get(at..s), code.get(s..e)) else {
            continue;
        };
        out.push_str(before);
        out.push_str(colour);
        out.push_str(text);
        out.push_str(RESET);
        at = e;
    }
    out.push_str(code.get(at..).unwrap_or(""));
    out
}

/// Comments in the gap `code[from..to]` between two tokens: from each `#` to
/// the end of its line.
fn comments_in(code: &str, from: usize, to: usize, spans: &mut Vec<(usize, usize, &'static str)>) {
    let Some(gap) = code.get(from..to) else {
        return;
    };
    let mut i = 0;
    while let Some(h) = gap[i..].find('#') {
        let start = i + h;
        let end = gap[start..].find('\n').map_or(gap.len(), |n| start + n);
        spans.push((from + start, from + end, COMMENT));
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strips SGR escapes (`ESC [ ... m`): what the user sees as text.
    fn strip_ansi(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' && chars.peek() == Some(&'[') {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn colours_keywords_strings_numbers_and_comments() {
        let src = "def f(x=1.5): return 'a#b'  # note";
        assert_eq!(
            highlight(src),
            "\x1b[1;35mdef\x1b[0m f(x=\x1b[36m1.5\x1b[0m): \x1b[1;35mreturn\x1b[0m \
             \x1b[32m'a#b'\x1b[0m  \x1b[90m# note\x1b[0m"
        );
    }

    #[test]
    fn constants_and_indentation_of_a_continuation_line() {
        assert_eq!(highlight("    x = None"), "    x = \x1b[35mNone\x1b[0m");
    }

    #[test]
    fn unreadable_rest_stays_plain_and_text_is_unchanged() {
        // The unterminated string is not lexed: no comment colour inside it.
        let src = "y = 2 + \"abc # d";
        let h = highlight(src);
        assert_eq!(h, "y = \x1b[36m2\x1b[0m + \"abc # d");
        for s in [
            "",
            "   ",
            "x.sum(dim=0)",
            "f'{x:.2f}' # é ü",
            "while True: pass",
            "a = [1,\n 2]",
            "$ ? `",
            "\"\"\"doc",
        ] {
            assert_eq!(strip_ansi(&highlight(s)), s);
        }
    }
}
