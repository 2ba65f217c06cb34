//! The parser: tokens to AST. This file holds the token cursor, the entry
//! points, blocks and simple statements; compound statements are in
//! `compound.rs`, expressions (Pratt binding powers) in `expr.rs` and
//! bracketed forms in `display.rs`.
//!
//! Besides building the tree it enforces what CPython's parser and compiler
//! reject before running anything: invalid assignment targets, `break` outside
//! a loop, `return` outside a function, and nesting deep enough to threaten the
//! stack. An error at the very end of the input that more lines could fix (a
//! block header still waiting for its body) is `ErrorKind::Incomplete`.

use super::ast::*;
use super::error::{PResult, ParseError};
use super::lexer::{tokenize_expression, tokenize_partial};
use super::span::{line_col, Span};
use super::targets::{check_target, TargetCtx};
use super::token::{Keyword, Op, Token, TokenKind};

/// Recursion limit shared by nested blocks and nested expressions; deeper input
/// is a `SyntaxError`, never a stack overflow. A bracket costs two levels, so
/// this admits CPython's 200 nested brackets (the lexer refuses the 201st).
pub const MAX_DEPTH: usize = 450;

/// The names `from __future__ import` accepts (CPython 3's `__future__`).
pub const FUTURE_FEATURES: &[&str] = &[
    "nested_scopes",
    "generators",
    "division",
    "absolute_import",
    "with_statement",
    "print_function",
    "unicode_literals",
    "barry_as_FLUFL",
    "generator_stop",
    "annotations",
];

/// Parses a cell or a file.
pub fn parse_module(source: &str) -> PResult<Module> {
    let (tokens, lex_error) = tokenize_partial(source);
    let mut p = Parser::new(source, tokens, 0);
    let result = p.module();
    match lex_error {
        None => result,
        // The parser failed on a token before the one the lexer choked on:
        // that is the first error in the source, and a real one.
        Some(_) if result.is_err() && !p.at(&TokenKind::Eof) => result,
        Some(e) => Err(e),
    }
}

/// Parses a single expression; newlines and indentation inside it do not
/// matter, as inside brackets.
pub fn parse_expression(source: &str) -> PResult<Expr> {
    let tokens = tokenize_expression(source, 0)?;
    let mut p = Parser::new(source, tokens, 0);
    let e = p.testlist_star()?;
    if !p.at(&TokenKind::Eof) {
        return Err(p.unexpected());
    }
    Ok(e)
}

/// Where a `return`/`break`/`continue`/`nonlocal` is legal.
#[derive(Clone, Copy, Default)]
pub(crate) struct Scope {
    pub(crate) in_function: bool,
    pub(crate) in_loop: bool,
}

pub(crate) struct Parser<'a> {
    pub(crate) src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    pub(crate) depth: usize,
    /// End offset of the last consumed token, for node spans.
    pub(crate) last_end: usize,
    pub(crate) scope: Scope,
    /// Whether a `from __future__ import` may still come: only before any
    /// other statement (a docstring aside), at the top level.
    future_ok: bool,
    /// Whether no statement has been parsed yet (the docstring's place).
    first_stmt: bool,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, tokens: Vec<Token>, depth: usize) -> Parser<'a> {
        Parser {
            src,
            tokens,
            pos: 0,
            depth,
            last_end: 0,
            scope: Scope::default(),
            future_ok: true,
            first_stmt: true,
        }
    }

    // ---- token cursor -------------------------------------------------------

    pub(crate) fn peek(&self) -> &TokenKind {
        self.peek_at(0)
    }

    pub(crate) fn peek_at(&self, n: usize) -> &TokenKind {
        self.tokens
            .get(self.pos + n)
            .map_or(&TokenKind::Eof, |t| &t.kind)
    }

    /// The span of the current token (an empty span at the end of input).
    pub(crate) fn here(&self) -> Span {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .map_or(Span::point(self.src.len()), |t| t.span)
    }

    pub(crate) fn bump(&mut self) -> Token {
        let tok = self.tokens.get(self.pos).cloned().unwrap_or(Token {
            kind: TokenKind::Eof,
            span: Span::point(self.src.len()),
        });
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        if tok.kind != TokenKind::Eof {
            self.last_end = tok.span.end;
        }
        tok
    }

    pub(crate) fn at(&self, kind: &TokenKind) -> bool {
        self.peek() == kind
    }

    pub(crate) fn at_op(&self, op: Op) -> bool {
        matches!(self.peek(), TokenKind::Op(o) if *o == op)
    }

    pub(crate) fn at_kw(&self, kw: Keyword) -> bool {
        matches!(self.peek(), TokenKind::Keyword(k) if *k == kw)
    }

    pub(crate) fn eat(&mut self, kind: &TokenKind) -> bool {
        let hit = self.at(kind);
        if hit {
            self.bump();
        }
        hit
    }

    pub(crate) fn eat_op(&mut self, op: Op) -> bool {
        self.eat(&TokenKind::Op(op))
    }

    pub(crate) fn eat_kw(&mut self, kw: Keyword) -> bool {
        self.eat(&TokenKind::Keyword(kw))
    }

    pub(crate) fn expect_op(&mut self, op: Op) -> PResult<()> {
        if self.eat_op(op) {
            return Ok(());
        }
        Err(match op {
            Op::Colon => ParseError::invalid("expected ':'", self.here()),
            _ => self.unexpected(),
        })
    }

    pub(crate) fn expect_name(&mut self) -> PResult<String> {
        match self.peek() {
            TokenKind::Name(n) => {
                let n = n.clone();
                self.bump();
                Ok(n)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// The generic error at the current token, in Python's words.
    pub(crate) fn unexpected(&self) -> ParseError {
        match self.peek() {
            TokenKind::Indent => ParseError::indentation("unexpected indent", self.here()),
            TokenKind::Keyword(Keyword::Yield) => ParseError::invalid(
                "'yield' inside an expression is not supported in tinytorch: use it as a statement (`yield v`, `x = yield v`, `yield from it`)",
                self.here(),
            ),
            TokenKind::Keyword(k @ (Keyword::Async | Keyword::Await)) => {
                ParseError::invalid(format!("'{k}' is not supported in tinytorch"), self.here())
            }
            _ => ParseError::invalid("invalid syntax", self.here()),
        }
    }

    /// Only the DEDENTs that close open blocks are left: the input stopped
    /// here, so a missing piece could still come on a later line.
    pub(crate) fn at_input_end(&self) -> bool {
        let rest = self.tokens.get(self.pos..).unwrap_or(&[]);
        rest.iter()
            .all(|t| matches!(t.kind, TokenKind::Dedent | TokenKind::Eof))
    }

    pub(crate) fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.last_end)
    }

    /// Runs `f` one nesting level deeper, failing once `MAX_DEPTH` is reached.
    pub(crate) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    pub(crate) fn too_deep(&self) -> ParseError {
        ParseError::invalid("too many nested parentheses", self.here())
    }

    fn at_stmt_end(&self) -> bool {
        matches!(
            self.peek(),
            TokenKind::Newline | TokenKind::Eof | TokenKind::Op(Op::Semi)
        )
    }

    // ---- statements ---------------------------------------------------------

    fn module(&mut self) -> PResult<Module> {
        let mut body = Vec::new();
        let mut trailing_semicolon = false;
        while !self.at(&TokenKind::Eof) {
            if self.eat(&TokenKind::Newline) {
                continue;
            }
            let (stmts, semi) = self.statement()?;
            body.extend(stmts);
            trailing_semicolon = semi;
        }
        Ok(Module {
            body,
            trailing_semicolon,
        })
    }

    /// One statement line (several simple statements joined by `;`) or one
    /// compound statement. The flag tells whether the line ended with `;`.
    pub(crate) fn statement(&mut self) -> PResult<(Vec<Stmt>, bool)> {
        self.nested(|p| {
            if matches!(
                p.peek(),
                TokenKind::Keyword(
                    Keyword::If
                        | Keyword::While
                        | Keyword::For
                        | Keyword::Try
                        | Keyword::With
                        | Keyword::Def
                        | Keyword::Class
                ) | TokenKind::Op(Op::At)
            ) {
                // A compound statement: no `from __future__` after it or in it.
                p.future_ok = false;
                p.first_stmt = false;
            }
            let stmt = match p.peek() {
                TokenKind::Keyword(Keyword::If) => p.if_stmt()?,
                TokenKind::Keyword(Keyword::While) => p.while_stmt()?,
                TokenKind::Keyword(Keyword::For) => p.for_stmt()?,
                TokenKind::Keyword(Keyword::Try) => p.try_stmt()?,
                TokenKind::Keyword(Keyword::With) => p.with_stmt()?,
                TokenKind::Keyword(Keyword::Def) => p.def_stmt(Vec::new(), None)?,
                TokenKind::Keyword(Keyword::Class) => p.class_stmt(Vec::new(), None)?,
                TokenKind::Op(Op::At) => p.decorated()?,
                TokenKind::Indent | TokenKind::Dedent => return Err(p.unexpected()),
                _ => return p.simple_line(),
            };
            Ok((vec![stmt], false))
        })
    }

    pub(crate) fn simple_line(&mut self) -> PResult<(Vec<Stmt>, bool)> {
        let mut stmts = Vec::new();
        let semi = loop {
            let stmt = self.small_stmt()?;
            let future =
                matches!(&stmt.kind, StmtKind::ImportFrom { module, .. } if module == "__future__");
            let docstring = self.first_stmt
                && matches!(&stmt.kind, StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_)));
            if !future && !docstring {
                self.future_ok = false;
            }
            self.first_stmt = false;
            stmts.push(stmt);
            if !self.eat_op(Op::Semi) {
                break false;
            }
            if self.at(&TokenKind::Newline) {
                break true;
            }
        };
        if !self.eat(&TokenKind::Newline) {
            return Err(self.unexpected());
        }
        Ok((stmts, semi))
    }

    /// The body after a block header's `:`: an indented block, or simple
    /// statements on the same line. `what` names the header for messages.
    pub(crate) fn block(&mut self, what: &str, header: Span) -> PResult<Vec<Stmt>> {
        if !self.eat(&TokenKind::Newline) {
            return Ok(self.simple_line()?.0);
        }
        if !self.eat(&TokenKind::Indent) {
            let line = line_col(self.src, header.start).line;
            let msg = format!("expected an indented block after {what} on line {line}");
            if self.at_input_end() {
                return Err(ParseError {
                    exc: "IndentationError",
                    ..ParseError::incomplete(msg, self.here())
                });
            }
            return Err(ParseError::indentation(msg, self.here()));
        }
        let mut body = Vec::new();
        while !self.eat(&TokenKind::Dedent) && !self.at(&TokenKind::Eof) {
            body.extend(self.statement()?.0);
        }
        Ok(body)
    }

    /// `block` with the loop/function context switched for its duration.
    pub(crate) fn scoped_block(
        &mut self,
        scope: Scope,
        what: &str,
        header: Span,
    ) -> PResult<Vec<Stmt>> {
        let saved = std::mem::replace(&mut self.scope, scope);
        let r = self.block(what, header);
        self.scope = saved;
        r
    }

    fn small_stmt(&mut self) -> PResult<Stmt> {
        let start = self.here().start;
        let kw = match self.peek() {
            TokenKind::Keyword(k) => Some(*k),
            _ => None,
        };
        let kind = match kw {
            Some(Keyword::Pass) => {
                self.bump();
                StmtKind::Pass
            }
            Some(Keyword::Break) => {
                if !self.scope.in_loop {
                    return Err(ParseError::invalid("'break' outside loop", self.here()));
                }
                self.bump();
                StmtKind::Break
            }
            Some(Keyword::Continue) => {
                if !self.scope.in_loop {
                    return Err(ParseError::invalid(
                        "'continue' not properly in loop",
                        self.here(),
                    ));
                }
                self.bump();
                StmtKind::Continue
            }
            Some(Keyword::Return) => {
                if !self.scope.in_function {
                    return Err(ParseError::invalid(
                        "'return' outside function",
                        self.here(),
                    ));
                }
                self.bump();
                StmtKind::Return(if self.at_stmt_end() {
                    None
                } else {
                    // `return *k` is refused when the file is read, not
                    // when the function runs (`return *a, b` is a tuple).
                    let value = self.testlist_star()?;
                    reject_bare_star(&value)?;
                    Some(value)
                })
            }
            Some(Keyword::Yield) => self.yield_stmt(None)?,
            Some(Keyword::Raise) => {
                self.bump();
                let exc = if self.at_stmt_end() {
                    None
                } else {
                    Some(self.test()?)
                };
                let cause = if exc.is_some() && self.eat_kw(Keyword::From) {
                    Some(self.test()?)
                } else {
                    None
                };
                StmtKind::Raise { exc, cause }
            }
            Some(Keyword::Global) | Some(Keyword::Nonlocal) => {
                let nonlocal = kw == Some(Keyword::Nonlocal);
                if nonlocal && !self.scope.in_function {
                    return Err(ParseError::invalid(
                        "nonlocal declaration not allowed at module level",
                        self.here(),
                    ));
                }
                self.bump();
                let mut names = vec![self.expect_name()?];
                while self.eat_op(Op::Comma) {
                    names.push(self.expect_name()?);
                }
                if nonlocal {
                    StmtKind::Nonlocal(names)
                } else {
                    StmtKind::Global(names)
                }
            }
            Some(Keyword::Del) => {
                self.bump();
                let mut targets = Vec::new();
                loop {
                    let t = self.target()?;
                    check_target(&t, TargetCtx::Del)?;
                    targets.push(t);
                    if !self.eat_op(Op::Comma) || self.at_stmt_end() {
                        break;
                    }
                }
                StmtKind::Delete(targets)
            }
            Some(Keyword::Assert) => {
                self.bump();
                let test = self.test()?;
                let msg = if self.eat_op(Op::Comma) {
                    Some(self.test()?)
                } else {
                    None
                };
                StmtKind::Assert { test, msg }
            }
            Some(Keyword::Import) => {
                self.bump();
                let mut names = vec![self.alias(true)?];
                while self.eat_op(Op::Comma) {
                    names.push(self.alias(true)?);
                }
                StmtKind::Import(names)
            }
            Some(Keyword::From) => self.import_from()?,
            _ => self.expr_stmt()?,
        };
        Ok(Stmt::new(kind, self.span_from(start)))
    }

    fn dotted_name(&mut self) -> PResult<String> {
        let mut name = self.expect_name()?;
        while self.eat_op(Op::Dot) {
            name.push('.');
            name.push_str(&self.expect_name()?);
        }
        Ok(name)
    }

    fn alias(&mut self, dotted: bool) -> PResult<Alias> {
        let start = self.here().start;
        let name = if dotted {
            self.dotted_name()?
        } else {
            self.expect_name()?
        };
        let asname = if self.eat_kw(Keyword::As) {
            Some(self.expect_name()?)
        } else {
            None
        };
        Ok(Alias {
            name,
            asname,
            span: self.span_from(start),
        })
    }

    fn import_from(&mut self) -> PResult<StmtKind> {
        let start = self.bump().span;
        if self.at_op(Op::Dot) || self.at_op(Op::Ellipsis) {
            return Err(ParseError::invalid(
                "relative imports are not supported",
                self.here(),
            ));
        }
        let module = self.dotted_name()?;
        if !self.eat_kw(Keyword::Import) {
            return Err(self.unexpected());
        }
        if self.at_op(Op::Star) {
            let span = self.bump().span;
            let names = vec![Alias {
                name: "*".into(),
                asname: None,
                span,
            }];
            if module == "__future__" {
                self.check_future(start, &names)?;
            }
            return Ok(StmtKind::ImportFrom { module, names });
        }
        let paren = self.eat_op(Op::LParen);
        let mut names = vec![self.alias(false)?];
        while self.eat_op(Op::Comma) {
            if paren && self.at_op(Op::RParen) {
                break;
            }
            if !paren && self.at_stmt_end() {
                return Err(ParseError::invalid(
                    "trailing comma not allowed without surrounding parentheses",
                    self.here(),
                ));
            }
            names.push(self.alias(false)?);
        }
        if paren {
            self.expect_op(Op::RParen)?;
        }
        if module == "__future__" {
            self.check_future(start, &names)?;
        }
        Ok(StmtKind::ImportFrom { module, names })
    }

    /// CPython's compile-time rules for `from __future__ import`: at the
    /// start of the file only, and only the features it knows (all of them
    /// mandatory in Python 3, so they change nothing here).
    fn check_future(&self, start: Span, names: &[Alias]) -> PResult<()> {
        if !self.future_ok {
            return Err(ParseError::invalid(
                "from __future__ imports must occur at the beginning of the file",
                Span::new(start.start, self.last_end),
            ));
        }
        for a in names {
            if a.name == "braces" {
                return Err(ParseError::invalid(
                    "not a chance",
                    Span::point(start.start),
                ));
            }
            if !FUTURE_FEATURES.contains(&a.name.as_str()) {
                return Err(ParseError::invalid(
                    format!("future feature {} is not defined", a.name),
                    Span::point(start.start),
                ));
            }
        }
        Ok(())
    }

    fn expr_stmt(&mut self) -> PResult<StmtKind> {
        let first = self.testlist_star()?;
        if let TokenKind::Op(op) = self.peek() {
            if let Some(bin) = aug_assign_op(*op) {
                check_target(&first, TargetCtx::Aug)?;
                self.bump();
                let value = self.testlist_star()?;
                reject_bare_star(&value)?;
                return Ok(StmtKind::AugAssign {
                    target: first,
                    op: bin,
                    value,
                });
            }
        }
        if self.eat_op(Op::Colon) {
            if !matches!(
                first.kind,
                ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
            ) {
                return Err(ParseError::invalid(
                    "only single target (not tuple) can be annotated",
                    first.span,
                ));
            }
            let annotation = self.test()?;
            let value = if self.eat_op(Op::Assign) {
                Some(self.testlist_star()?)
            } else {
                None
            };
            return Ok(StmtKind::AnnAssign {
                target: first,
                annotation,
                value,
            });
        }
        if !self.at_op(Op::Assign) {
            reject_bare_star(&first)?;
            return Ok(StmtKind::Expr(first));
        }
        let mut targets = vec![first];
        while self.eat_op(Op::Assign) {
            if self.peek() == &TokenKind::Keyword(Keyword::Yield) {
                if targets.len() > 1 {
                    return Err(ParseError::invalid(
                        "'yield' is only supported with one target in tinytorch",
                        self.here(),
                    ));
                }
                let target = targets.pop().expect("one target");
                check_target(&target, TargetCtx::Assign)?;
                return self.yield_stmt(Some(target));
            }
            targets.push(self.testlist_star()?);
        }
        let value = targets.pop().ok_or_else(|| self.unexpected())?;
        reject_bare_star(&value)?;
        for t in &targets {
            check_target(t, TargetCtx::Assign)?;
        }
        Ok(StmtKind::Assign { targets, value })
    }
}

impl Parser<'_> {
    /// `yield [value]`, `yield from value`, after an optional `target =`.
    fn yield_stmt(&mut self, target: Option<Expr>) -> PResult<StmtKind> {
        if !self.scope.in_function {
            return Err(ParseError::invalid("'yield' outside function", self.here()));
        }
        self.bump();
        let from = self.eat_kw(Keyword::From);
        let value = if from {
            Some(self.test()?)
        } else if self.at_stmt_end() {
            None
        } else {
            let v = self.testlist_star()?;
            reject_bare_star(&v)?;
            Some(v)
        };
        Ok(StmtKind::Yield {
            target,
            value,
            from,
        })
    }
}

fn aug_assign_op(op: Op) -> Option<BinOp> {
    Some(match op {
        Op::PlusAssign => BinOp::Add,
        Op::MinusAssign => BinOp::Sub,
        Op::StarAssign => BinOp::Mul,
        Op::SlashAssign => BinOp::Div,
        Op::FloorDivAssign => BinOp::FloorDiv,
        Op::PercentAssign => BinOp::Mod,
        Op::PowAssign => BinOp::Pow,
        Op::AtAssign => BinOp::MatMul,
        Op::AmpAssign => BinOp::BitAnd,
        Op::PipeAssign => BinOp::BitOr,
        Op::CaretAssign => BinOp::BitXor,
        Op::ShlAssign => BinOp::LShift,
        Op::ShrAssign => BinOp::RShift,
        _ => return None,
    })
}

fn reject_bare_star(e: &Expr) -> PResult<()> {
    if let ExprKind::Starred(_) = e.kind {
        return Err(ParseError::invalid(
            "can't use starred expression here",
            e.span,
        ));
    }
    Ok(())
}
