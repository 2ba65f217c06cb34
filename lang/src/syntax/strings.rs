//! String literal bodies: finding where a literal ends, decoding escapes, and
//! splitting f-strings into literal text and replacement fields.
//!
//! Field expressions are returned as source text with their file offset; the
//! parser parses them. Nothing here knows about tokens other than the two
//! string kinds it produces.

use super::error::{PResult, ParseError};
use super::span::Span;
use super::token::{FStringPiece, FieldSource, TokenKind};

/// Python allows a replacement field inside a format spec, but only one level
/// deep (`f"{x:{width}}"`); the limit also bounds our recursion.
const MAX_FIELD_NESTING: usize = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StringPrefix {
    pub raw: bool,
    pub format: bool,
}

impl StringPrefix {
    /// `r`, `f`, `u`, `rf`, `fr` in any case; bytes (`b`) are not supported.
    pub fn parse(word: &str) -> Option<StringPrefix> {
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "r" => Some(StringPrefix {
                raw: true,
                format: false,
            }),
            "u" => Some(StringPrefix::default()),
            "f" => Some(StringPrefix {
                raw: false,
                format: true,
            }),
            "rf" | "fr" => Some(StringPrefix {
                raw: true,
                format: true,
            }),
            _ => None,
        }
    }
}

/// Where a literal's body lies (between the quotes) and where it ends.
pub struct RawLiteral {
    pub body_start: usize,
    pub body_end: usize,
    pub end: usize,
}

/// Finds the end of the literal whose opening quote is at `quote_pos`.
pub fn scan(src: &str, quote_pos: usize, base: usize) -> PResult<RawLiteral> {
    let b = src.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let q = at(quote_pos).unwrap_or(b'"');
    let triple = at(quote_pos + 1) == Some(q) && at(quote_pos + 2) == Some(q);
    let body_start = quote_pos + if triple { 3 } else { 1 };
    let mut i = body_start;
    let open = Span::new(base + quote_pos, base + body_start);
    loop {
        let Some(c) = at(i) else {
            return Err(if triple {
                ParseError::incomplete("unterminated triple-quoted string literal", open)
            } else {
                ParseError::invalid("unterminated string literal", open)
            });
        };
        match c {
            // The escaped character never ends the literal, even in a raw string.
            b'\\' => {
                i += if at(i + 1) == Some(b'\r') && at(i + 2) == Some(b'\n') {
                    3
                } else {
                    2
                };
                if i > b.len() {
                    return Err(ParseError::incomplete("unexpected EOF while parsing", open));
                }
                continue;
            }
            b'\n' | b'\r' if !triple => {
                return Err(ParseError::invalid("unterminated string literal", open));
            }
            _ if c == q && !triple => {
                return Ok(RawLiteral {
                    body_start,
                    body_end: i,
                    end: i + 1,
                });
            }
            _ if c == q && at(i + 1) == Some(q) && at(i + 2) == Some(q) => {
                return Ok(RawLiteral {
                    body_start,
                    body_end: i,
                    end: i + 3,
                });
            }
            _ => i += 1,
        }
    }
}

/// Turns a scanned literal into a `Str` or `FString` token kind.
pub fn decode(
    src: &str,
    lit: &RawLiteral,
    prefix: StringPrefix,
    base: usize,
) -> PResult<TokenKind> {
    let body = src.get(lit.body_start..lit.body_end).unwrap_or("");
    let abs = base + lit.body_start;
    if prefix.format {
        let mut sc = FieldScanner {
            body,
            i: 0,
            abs,
            raw: prefix.raw,
            nesting: 0,
        };
        return Ok(TokenKind::FString(sc.pieces(false)?));
    }
    Ok(TokenKind::Str(if prefix.raw {
        body.replace("\r\n", "\n")
    } else {
        unescape(body, abs)?
    }))
}

/// Decodes Python escapes. Unknown escapes such as `\d` stay as written, as
/// Python keeps them (regex patterns rely on it).
pub fn unescape(s: &str, offset: usize) -> PResult<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\r' && chars.peek().map(|p| p.1) == Some('\n') {
            continue;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            out.push('\\');
            break;
        };
        let err = |what: &str, len: usize| {
            ParseError::invalid(
                format!("(unicode error) 'unicodeescape' codec can't decode bytes: {what}"),
                Span::new(offset + i, offset + i + len),
            )
        };
        match e {
            '\n' => {}
            '\r' => {
                if chars.peek().map(|p| p.1) == Some('\n') {
                    chars.next();
                }
            }
            '\\' | '\'' | '"' => out.push(e),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|p| p.1.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..n {
                    match chars.peek().and_then(|p| p.1.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            chars.next();
                        }
                        None => {
                            return Err(err(&format!("truncated \\{e}{} escape", "X".repeat(n)), 2))
                        }
                    }
                }
                out.push(char::from_u32(v).ok_or_else(|| err("illegal Unicode character", n + 2))?);
            }
            'N' => return Err(err("\\N{...} escapes are not supported", 2)),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Splits an f-string body into pieces; `i` indexes `body`, `abs` is the file
/// offset of `body[0]`.
struct FieldScanner<'a> {
    body: &'a str,
    i: usize,
    abs: usize,
    raw: bool,
    nesting: usize,
}

impl FieldScanner<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.body.as_bytes().get(i).copied()
    }

    fn err(&self, msg: &str, at: usize) -> ParseError {
        ParseError::invalid(msg, Span::new(self.abs + at, self.abs + at + 1))
    }

    /// Literal text and fields up to the end of the body, or (inside a format
    /// spec) up to the `}` that closes the field, which is left unconsumed.
    fn pieces(&mut self, in_spec: bool) -> PResult<Vec<FStringPiece>> {
        let mut out = Vec::new();
        let mut lit = String::new();
        let mut lit_start = self.i;
        while let Some(c) = self.at(self.i) {
            let next = self.at(self.i + 1);
            match c {
                b'{' if !in_spec && next == Some(b'{') => {
                    lit.push('{');
                    self.i += 2;
                }
                b'}' if !in_spec && next == Some(b'}') => {
                    lit.push('}');
                    self.i += 2;
                }
                b'{' => {
                    self.flush(&mut lit, lit_start, &mut out)?;
                    if self.nesting >= MAX_FIELD_NESTING {
                        return Err(self.err("f-string: expressions nested too deeply", self.i));
                    }
                    self.i += 1;
                    self.nesting += 1;
                    let field = self.field()?;
                    self.nesting -= 1;
                    out.push(FStringPiece::Field(field));
                    lit_start = self.i;
                }
                b'}' if in_spec => break,
                b'}' => return Err(self.err("f-string: single '}' is not allowed", self.i)),
                _ => {
                    let ch = self.body[self.i..].chars().next().unwrap_or('\u{fffd}');
                    lit.push(ch);
                    self.i += ch.len_utf8();
                    // Keep an escaped character with its backslash so that `\\{`
                    // still opens a field after an escaped backslash.
                    if ch == '\\' && !self.raw && !matches!(next, Some(b'{' | b'}') | None) {
                        let e = self.body[self.i..].chars().next().unwrap_or('\u{fffd}');
                        lit.push(e);
                        self.i += e.len_utf8();
                    }
                }
            }
        }
        if in_spec && self.at(self.i).is_none() {
            return Err(self.err("f-string: expecting '}'", self.i.saturating_sub(1)));
        }
        self.flush(&mut lit, lit_start, &mut out)?;
        Ok(out)
    }

    fn flush(&self, lit: &mut String, start: usize, out: &mut Vec<FStringPiece>) -> PResult<()> {
        if lit.is_empty() {
            return Ok(());
        }
        let text = if self.raw {
            lit.replace("\r\n", "\n")
        } else {
            unescape(lit, self.abs + start)?
        };
        lit.clear();
        out.push(FStringPiece::Literal(text));
        Ok(())
    }

    /// One replacement field; `self.i` is just past its `{`.
    fn field(&mut self) -> PResult<FieldSource> {
        let open = self.i - 1;
        let start = self.i;
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        let mut debug = None;
        let expr_end = loop {
            let Some(c) = self.at(self.i) else {
                return Err(self.err("f-string: expecting '}'", open));
            };
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                self.i += 1;
                continue;
            }
            let next = self.at(self.i + 1);
            match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' if depth == 0 => {
                    return Err(self.err(&format!("f-string: unmatched '{}'", c as char), self.i))
                }
                b'}' if depth == 0 => break self.i,
                b')' | b']' | b'}' => depth -= 1,
                b'\\' => {
                    return Err(self.err(
                        "f-string expression part cannot include a backslash",
                        self.i,
                    ))
                }
                b'#' => return Err(self.err("f-string expression part cannot include '#'", self.i)),
                b'!' if depth == 0 && next != Some(b'=') => break self.i,
                b':' if depth == 0 => break self.i,
                b'=' if depth == 0 && next == Some(b'=') => self.i += 1,
                b'=' if depth == 0
                    && !matches!(self.at(self.i - 1), Some(b'=' | b'!' | b'<' | b'>')) =>
                {
                    let end = self.i;
                    self.i += 1;
                    while self.at(self.i) == Some(b' ') {
                        self.i += 1;
                    }
                    debug = Some(self.body[start..self.i].to_string());
                    break end;
                }
                _ => {}
            }
            self.i += 1;
        };
        let expr = &self.body[start..expr_end];
        if expr.trim().is_empty() {
            return Err(self.err("f-string: valid expression required before '}'", expr_end));
        }
        let mut conversion = None;
        if self.at(self.i) == Some(b'!') {
            let c = self.body[self.i + 1..].chars().next().unwrap_or('\0');
            if !matches!(c, 's' | 'r' | 'a') {
                return Err(self.err(
                    &format!(
                        "f-string: invalid conversion character {c:?}: expected 's', 'r', or 'a'"
                    ),
                    self.i + 1,
                ));
            }
            conversion = Some(c);
            self.i += 2;
        }
        let mut spec = None;
        if self.at(self.i) == Some(b':') {
            self.i += 1;
            spec = Some(self.pieces(true)?);
        }
        if self.at(self.i) != Some(b'}') {
            return Err(self.err("f-string: expecting '}'", open));
        }
        self.i += 1;
        Ok(FieldSource {
            expr: expr.to_string(),
            offset: self.abs + start,
            debug,
            conversion,
            spec,
        })
    }
}
