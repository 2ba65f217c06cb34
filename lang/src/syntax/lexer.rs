//! The lexer: source text to tokens, including Python's layout rules.
//!
//! It owns the indent stack (INDENT/DEDENT/NEWLINE), implicit line joining
//! inside brackets, `\` continuation, comments and numbers; string and
//! f-string bodies are scanned by `strings.rs`. It knows no grammar, but it is
//! the first to see three kinds of incomplete input (an open bracket, an
//! unterminated triple-quoted string, a trailing `\`), so it reports those as
//! `ErrorKind::Incomplete`.

use super::error::{PResult, ParseError};
use super::span::Span;
use super::strings::{self, StringPrefix};
use super::token::{Keyword, Op, Token, TokenKind};

/// Python's tokenizer refuses more than 200 open brackets; so do we, which
/// also bounds the parser's recursion on bracket nesting.
pub const MAX_BRACKETS: usize = 200;
/// Python's limit on indentation levels (its tokenizer's MAXINDENT).
pub const MAX_INDENTS: usize = 100;

/// Lexes a whole module. The result always ends with `Newline`(if any token
/// came before), the `Dedent`s that close open blocks, and `Eof`.
pub fn tokenize(source: &str) -> PResult<Vec<Token>> {
    match tokenize_partial(source) {
        (tokens, None) => Ok(tokens),
        (_, Some(e)) => Err(e),
    }
}

/// Like [`tokenize`], but on an error also returns the tokens before it
/// (ending in `Eof`), so that the parser can report an earlier syntax error
/// first, as Python does, and tell "unfinished" from "wrong" precisely.
pub fn tokenize_partial(source: &str) -> (Vec<Token>, Option<ParseError>) {
    let mut lexer = Lexer::new(source, 0, false);
    // A UTF-8 byte order mark opening a file is skipped, as CPython does.
    if source.starts_with('\u{feff}') {
        lexer.pos = '\u{feff}'.len_utf8();
    }
    lexer.run()
}

/// Lexes a lone expression, where newlines and indentation are insignificant
/// as inside brackets; spans are shifted by `offset` into the enclosing text.
pub(crate) fn tokenize_expression(expr: &str, offset: usize) -> PResult<Vec<Token>> {
    match Lexer::new(expr, offset, true).run() {
        (tokens, None) => Ok(tokens),
        (_, Some(e)) => Err(e),
    }
}

/// An indentation width measured twice: with tab stops of 8 and with tabs
/// counting as one column. Python calls indentation ambiguous (TabError) when
/// the two measures disagree on how two lines compare.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Width {
    tab8: usize,
    tab1: usize,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Added to every span: non-zero for f-string fields.
    base: usize,
    tokens: Vec<Token>,
    indents: Vec<Width>,
    /// Open brackets and where they opened.
    brackets: Vec<(u8, usize)>,
    at_line_start: bool,
    /// Field expressions behave as if inside one bracket that never closes.
    joined: bool,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, base: usize, joined: bool) -> Lexer<'a> {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            base,
            tokens: Vec::new(),
            indents: vec![Width { tab8: 0, tab1: 0 }],
            brackets: Vec::new(),
            at_line_start: !joined,
            joined,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        let span = self.span(start, end);
        self.tokens.push(Token { kind, span });
    }

    fn peek_at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    fn layout_active(&self) -> bool {
        self.brackets.is_empty() && !self.joined
    }

    fn run(mut self) -> (Vec<Token>, Option<ParseError>) {
        match self.lex().and_then(|()| self.check_brackets()) {
            Ok(()) => (self.finish(), None),
            Err(e) => {
                let end = self.base + self.src.len();
                let mut tokens = self.tokens;
                tokens.push(Token {
                    kind: TokenKind::Eof,
                    span: Span::point(end),
                });
                (tokens, Some(e))
            }
        }
    }

    fn lex(&mut self) -> PResult<()> {
        loop {
            if self.at_line_start && self.layout_active() {
                self.at_line_start = false;
                self.indentation()?;
            }
            self.skip_blanks();
            let Some(&c) = self.bytes.get(self.pos) else {
                break;
            };
            match c {
                b'#' => self.skip_comment(),
                b'\n' | b'\r' => self.newline(),
                b'\\' => self.continuation()?,
                b'0'..=b'9' => self.number()?,
                b'.' if self.peek_at(self.pos + 1).is_ascii_digit() => self.number()?,
                b'\'' | b'"' => self.string(StringPrefix::default(), self.pos)?,
                _ if is_ident_start(self.char_at(self.pos)) => self.name_or_prefixed_string()?,
                _ => self.operator()?,
            }
        }
        Ok(())
    }

    fn char_at(&self, i: usize) -> char {
        self.src
            .get(i..)
            .and_then(|s| s.chars().next())
            .unwrap_or('\0')
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek_at(self.pos), b' ' | b'\t' | b'\x0c') {
            self.pos += 1;
        }
    }

    fn skip_comment(&mut self) {
        while self.pos < self.bytes.len() && !matches!(self.bytes[self.pos], b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    /// A physical line end: a NEWLINE token when it ends a non-empty logical line
    /// outside brackets; nothing at all inside brackets or after a blank line.
    fn newline(&mut self) {
        let start = self.pos;
        if self.peek_at(self.pos) == b'\r' && self.peek_at(self.pos + 1) == b'\n' {
            self.pos += 2;
        } else {
            self.pos += 1;
        }
        if !self.layout_active() {
            return;
        }
        let ends_line = matches!(
            self.tokens.last(),
            Some(t) if !matches!(t.kind, TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent)
        );
        if ends_line {
            self.push(TokenKind::Newline, start, self.pos);
        }
        self.at_line_start = true;
    }

    fn continuation(&mut self) -> PResult<()> {
        let start = self.pos;
        self.pos += 1;
        match self.peek_at(self.pos) {
            b'\n' => self.pos += 1,
            b'\r' => {
                self.pos += if self.peek_at(self.pos + 1) == b'\n' {
                    2
                } else {
                    1
                };
            }
            _ if self.pos >= self.bytes.len() => {
                return Err(ParseError::incomplete(
                    "unexpected EOF while parsing",
                    self.span(start, self.pos),
                ))
            }
            _ => {
                return Err(ParseError::invalid(
                    "unexpected character after line continuation character",
                    self.span(start, self.pos),
                ))
            }
        }
        if self.pos >= self.bytes.len() && !self.joined {
            return Err(ParseError::incomplete(
                "unexpected EOF while parsing",
                self.span(start, self.pos),
            ));
        }
        Ok(())
    }

    /// Measures the indentation of a new line and emits INDENT/DEDENTs. Blank and
    /// comment-only lines do not take part in layout.
    fn indentation(&mut self) -> PResult<()> {
        let start = self.pos;
        let mut w = Width { tab8: 0, tab1: 0 };
        loop {
            match self.peek_at(self.pos) {
                b' ' => {
                    w.tab8 += 1;
                    w.tab1 += 1;
                }
                b'\t' => {
                    w.tab8 = (w.tab8 / 8 + 1) * 8;
                    w.tab1 += 1;
                }
                // A form feed resets the column, as in CPython.
                b'\x0c' => w = Width { tab8: 0, tab1: 0 },
                _ => break,
            }
            self.pos += 1;
        }
        if matches!(self.peek_at(self.pos), b'#' | b'\n' | b'\r') || self.pos >= self.bytes.len() {
            return Ok(());
        }
        let end = self.pos;
        let top = *self.indents.last().unwrap_or(&Width { tab8: 0, tab1: 0 });
        let span = self.span(start, end);
        let tab_error = move || ParseError {
            exc: "TabError",
            ..ParseError::invalid("inconsistent use of tabs and spaces in indentation", span)
        };
        if w.tab8 > top.tab8 {
            if w.tab1 <= top.tab1 {
                return Err(tab_error());
            }
            if self.indents.len() > MAX_INDENTS {
                return Err(ParseError::indentation(
                    "too many levels of indentation",
                    self.span(start, end),
                ));
            }
            self.indents.push(w);
            self.push(TokenKind::Indent, start, end);
            return Ok(());
        }
        while self.indents.last().is_some_and(|t| t.tab8 > w.tab8) {
            self.indents.pop();
            self.push(TokenKind::Dedent, end, end);
        }
        match self.indents.last() {
            Some(t) if t.tab8 == w.tab8 && t.tab1 == w.tab1 => Ok(()),
            Some(t) if t.tab8 == w.tab8 => Err(tab_error()),
            _ => Err(ParseError::indentation(
                "unindent does not match any outer indentation level",
                self.span(start, end),
            )),
        }
    }

    fn check_brackets(&self) -> PResult<()> {
        match self.brackets.last() {
            Some(&(open, at)) => Err(ParseError::incomplete(
                format!("'{}' was never closed", open as char),
                self.span(at, at + 1),
            )),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> Vec<Token> {
        let end = self.bytes.len();
        if !self.joined {
            let needs_newline = matches!(
                self.tokens.last(),
                Some(t) if !matches!(t.kind, TokenKind::Newline | TokenKind::Dedent)
            );
            if needs_newline {
                self.push(TokenKind::Newline, end, end);
            }
            while self.indents.len() > 1 {
                self.indents.pop();
                self.push(TokenKind::Dedent, end, end);
            }
        }
        self.push(TokenKind::Eof, end, end);
        self.tokens
    }

    fn name_or_prefixed_string(&mut self) -> PResult<()> {
        let start = self.pos;
        let mut end = self.pos;
        while let Some(c) = self.src.get(end..).and_then(|s| s.chars().next()) {
            if !is_ident_continue(c) {
                break;
            }
            end += c.len_utf8();
        }
        let word = &self.src[start..end];
        if matches!(self.peek_at(end), b'\'' | b'"') {
            if let Some(prefix) = StringPrefix::parse(word) {
                self.pos = end;
                return self.string(prefix, start);
            }
        }
        self.pos = end;
        let kind = match Keyword::from_name(word) {
            Some(k) => TokenKind::Keyword(k),
            None => TokenKind::Name(word.to_string()),
        };
        self.push(kind, start, end);
        Ok(())
    }

    /// A string literal whose opening quote is at `self.pos`; `start` is where
    /// its prefix began.
    fn string(&mut self, prefix: StringPrefix, start: usize) -> PResult<()> {
        let lit = strings::scan(self.src, self.pos, self.base)?;
        self.pos = lit.end;
        let kind = strings::decode(self.src, &lit, prefix, self.base)?;
        self.push(kind, start, lit.end);
        Ok(())
    }

    fn number(&mut self) -> PResult<()> {
        let start = self.pos;
        let radix = match (self.peek_at(start), self.peek_at(start + 1) | 0x20) {
            (b'0', b'x') => 16,
            (b'0', b'o') => 8,
            (b'0', b'b') => 2,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            let digits_start = self.pos;
            self.digits(|c| (c as char).is_digit(radix), true)?;
            let text: String = self.src[digits_start..self.pos]
                .chars()
                .filter(|&c| c != '_')
                .collect();
            self.reject_trailing_ident(start)?;
            let value = i64::from_str_radix(&text, radix).map_err(|_| {
                let msg = if text.is_empty() {
                    "invalid number literal"
                } else {
                    "integer literal too large"
                };
                ParseError::invalid(msg, self.span(start, self.pos))
            })?;
            self.push(TokenKind::Int(value), start, self.pos);
            return Ok(());
        }
        let mut is_float = false;
        if self.peek_at(self.pos) != b'.' {
            self.digits(|c| c.is_ascii_digit(), false)?;
        }
        if self.peek_at(self.pos) == b'.' && self.peek_at(self.pos + 1) != b'.' {
            is_float = true;
            self.pos += 1;
            if self.peek_at(self.pos).is_ascii_digit() {
                self.digits(|c| c.is_ascii_digit(), false)?;
            }
        }
        if self.peek_at(self.pos) | 0x20 == b'e' {
            let mut p = self.pos + 1;
            if matches!(self.peek_at(p), b'+' | b'-') {
                p += 1;
            }
            if self.peek_at(p).is_ascii_digit() {
                is_float = true;
                self.pos = p;
                self.digits(|c| c.is_ascii_digit(), false)?;
            }
        }
        if self.peek_at(self.pos) | 0x20 == b'j' {
            return Err(ParseError::invalid(
                "complex literals are not supported",
                self.span(start, self.pos + 1),
            ));
        }
        self.reject_trailing_ident(start)?;
        let text: String = self.src[start..self.pos]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        let span = self.span(start, self.pos);
        let kind = if is_float {
            TokenKind::Float(
                text.parse()
                    .map_err(|_| ParseError::invalid("invalid decimal literal", span))?,
            )
        } else {
            if text.len() > 1 && text.starts_with('0') && text.bytes().any(|c| c != b'0') {
                return Err(ParseError::invalid(
                    "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                    span,
                ));
            }
            TokenKind::Int(
                text.parse()
                    .map_err(|_| ParseError::invalid("integer literal too large", span))?,
            )
        };
        self.push(kind, start, self.pos);
        Ok(())
    }

    /// Consumes a run of digits where `_` may only sit between two digits.
    /// `after_prefix` allows one `_` right after `0x`.
    fn digits(&mut self, is_digit: impl Fn(u8) -> bool, after_prefix: bool) -> PResult<()> {
        let mut prev_digit = after_prefix;
        loop {
            let c = self.peek_at(self.pos);
            if is_digit(c) {
                prev_digit = true;
            } else if c == b'_' && prev_digit && is_digit(self.peek_at(self.pos + 1)) {
                prev_digit = false;
            } else if c == b'_' {
                return Err(ParseError::invalid(
                    "invalid decimal literal",
                    self.span(self.pos, self.pos + 1),
                ));
            } else {
                return Ok(());
            }
            self.pos += 1;
        }
    }

    fn reject_trailing_ident(&self, start: usize) -> PResult<()> {
        let c = self.char_at(self.pos);
        if is_ident_continue(c) && self.pos < self.bytes.len() {
            return Err(ParseError::invalid(
                "invalid decimal literal",
                self.span(start, self.pos + c.len_utf8()),
            ));
        }
        Ok(())
    }

    fn operator(&mut self) -> PResult<()> {
        let start = self.pos;
        let rest = &self.src[start..];
        let Some(op) = Op::ALL
            .iter()
            .copied()
            .find(|op| rest.starts_with(op.as_str()))
        else {
            let c = self.char_at(start);
            let msg = if c == '!' {
                "invalid syntax".to_string()
            } else if !printable(c) {
                format!("invalid non-printable character U+{:04X}", c as u32)
            } else {
                format!("invalid character '{c}' (U+{:04X})", c as u32)
            };
            return Err(ParseError::invalid(
                msg,
                self.span(start, start + c.len_utf8().max(1)),
            ));
        };
        self.pos += op.as_str().len();
        match op {
            Op::LParen | Op::LBracket | Op::LBrace => {
                if self.brackets.len() >= MAX_BRACKETS {
                    return Err(ParseError::invalid(
                        "too many nested parentheses",
                        self.span(start, self.pos),
                    ));
                }
                self.brackets.push((self.bytes[start], start));
            }
            Op::RParen | Op::RBracket | Op::RBrace => {
                let close = self.bytes[start];
                match self.brackets.pop() {
                    None => {
                        return Err(ParseError::invalid(
                            format!("unmatched '{}'", close as char),
                            self.span(start, self.pos),
                        ))
                    }
                    Some((open, _)) if matching(open) != close => {
                        return Err(ParseError::invalid(
                            format!(
                                "closing parenthesis '{}' does not match opening parenthesis '{}'",
                                close as char, open as char
                            ),
                            self.span(start, self.pos),
                        ))
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        self.push(TokenKind::Op(op), start, self.pos);
        Ok(())
    }
}

fn matching(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Python's `str.isprintable()` for one character, for the lexer's error:
/// control and format characters, line and paragraph separators and every
/// space but ' ' are not printable (Unicode categories Cc, Cf, Zl, Zp, Zs).
fn printable(c: char) -> bool {
    let format_char = matches!(
        c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
            | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
            | 0xFFF9..=0xFFFB
    );
    let separator = c != ' ' && (c.is_whitespace() || matches!(c, '\u{2028}' | '\u{2029}'));
    !(c.is_control() || format_char || separator)
}
