//! Byte-offset source spans and the line/column arithmetic that tracebacks need.
//!
//! Every token and AST node carries a [`Span`] of byte offsets into the cell or
//! file it came from. Offsets are cheap to store and to merge; lines and columns
//! are computed only when an error is rendered, which is rare.

use std::fmt;

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// An empty span at `offset` (where a missing token was expected).
    pub fn point(offset: usize) -> Span {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The 1-based line and column of `start` in `source`.
    pub fn line_col(self, source: &str) -> LineCol {
        line_col(source, self.start)
    }

    /// The source line holding `start`, with the caret range for this span.
    pub fn source_line(self, source: &str) -> SourceLine<'_> {
        let start = clamp_to_boundary(source, self.start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let text = source[line_start..line_end].trim_end_matches('\r');
        let lc = line_col(source, start);
        // A span running past its first line is underlined to the end of that line.
        let end = clamp_to_boundary(source, self.end)
            .min(line_start + text.len())
            .max(start);
        let caret_len = source[start..end].chars().count().max(1);
        SourceLine {
            line: lc.line,
            text,
            caret_col: lc.col,
            caret_len,
        }
    }

    /// The source line with a caret line under the span, indented by four
    /// spaces, as Python prints it inside a traceback.
    pub fn render_caret(self, source: &str) -> String {
        let sl = self.source_line(source);
        let trimmed = sl.text.trim_start();
        let lead = sl.text.chars().count() - trimmed.chars().count();
        let col = (sl.caret_col - 1).saturating_sub(lead);
        format!(
            "    {}\n    {}{}",
            trimmed,
            " ".repeat(col),
            "^".repeat(sl.caret_len)
        )
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A 1-based line and 1-based column counted in characters (not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// One line of source text and where a caret belongs on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceLine<'a> {
    /// 1-based line number.
    pub line: usize,
    /// The line without its line terminator.
    pub text: &'a str,
    /// 1-based character column where the caret starts.
    pub caret_col: usize,
    /// Number of carets (at least one).
    pub caret_len: usize,
}

/// Moves `offset` back onto a char boundary inside `source`, so that spans from
/// another text (or stale ones) can never make slicing panic.
fn clamp_to_boundary(source: &str, offset: usize) -> usize {
    let mut o = offset.min(source.len());
    while !source.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// The 1-based line and column of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> LineCol {
    let o = clamp_to_boundary(source, offset);
    let before = &source[..o];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line,
        col: before[line_start..].chars().count() + 1,
    }
}

/// The text of 1-based line `line`, without its terminator (None past the end).
pub fn line_text(source: &str, line: usize) -> Option<&str> {
    let l = source.split('\n').nth(line.checked_sub(1)?)?;
    Some(l.strip_suffix('\r').unwrap_or(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let src = "a = 1\nbb = é + 2\n";
        assert_eq!(line_col(src, 0), LineCol { line: 1, col: 1 });
        assert_eq!(line_col(src, 6), LineCol { line: 2, col: 1 });
        let plus = src.find('+').unwrap();
        assert_eq!(line_col(src, plus), LineCol { line: 2, col: 8 });
        assert_eq!(line_text(src, 2), Some("bb = é + 2"));
        assert_eq!(line_text(src, 9), None);
    }

    #[test]
    fn caret_under_span() {
        let src = "x = 1\n  y = foo(1,\n 2)\n";
        let start = src.find("foo").unwrap();
        let span = Span::new(start, src.len() - 1);
        assert_eq!(span.render_caret(src), "    y = foo(1,\n        ^^^^^^");
        let sl = Span::point(src.len() + 10).source_line(src);
        assert_eq!(sl.caret_len, 1);
    }

    #[test]
    fn offsets_inside_a_char_do_not_panic() {
        let src = "é";
        assert_eq!(line_col(src, 1).col, 1);
        let _ = Span::new(1, 2).render_caret(src);
    }
}
