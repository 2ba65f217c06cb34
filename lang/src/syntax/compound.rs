//! Compound statements: `if`, `while`, `for`, `try`, `with`, `def`, `class`
//! and decorators, plus parameter lists (shared with `lambda`). Each header
//! hands its body to `Parser::block`, which knows indentation and when a
//! missing body means "more input needed".

use super::ast::*;
use super::error::{PResult, ParseError};
use super::parser::{Parser, Scope};
use super::span::Span;
use super::targets::{check_target, TargetCtx};
use super::token::{Keyword, Op, TokenKind};

impl Parser<'_> {
    fn header_colon(&mut self) -> PResult<()> {
        self.expect_op(Op::Colon)
    }

    pub(crate) fn if_stmt(&mut self) -> PResult<Stmt> {
        let start = self.here().start;
        let mut branches = Vec::new();
        let mut what = "'if' statement";
        loop {
            let kw = self.bump().span;
            let test = self.test()?;
            self.header_colon()?;
            let span = self.span_from(kw.start);
            let body = self.block(what, kw)?;
            branches.push(IfBranch { test, body, span });
            if !self.at_kw(Keyword::Elif) {
                break;
            }
            what = "'elif' statement";
        }
        let orelse = self.else_block()?;
        Ok(Stmt::new(
            StmtKind::If { branches, orelse },
            self.span_from(start),
        ))
    }

    fn else_block(&mut self) -> PResult<Vec<Stmt>> {
        if !self.at_kw(Keyword::Else) {
            return Ok(Vec::new());
        }
        let kw = self.bump().span;
        self.header_colon()?;
        self.block("'else' statement", kw)
    }

    pub(crate) fn while_stmt(&mut self) -> PResult<Stmt> {
        let kw = self.bump().span;
        let test = self.test()?;
        self.header_colon()?;
        let body = self.scoped_block(
            Scope {
                in_loop: true,
                ..self.scope
            },
            "'while' statement",
            kw,
        )?;
        let orelse = self.else_block()?;
        Ok(Stmt::new(
            StmtKind::While { test, body, orelse },
            self.span_from(kw.start),
        ))
    }

    pub(crate) fn for_stmt(&mut self) -> PResult<Stmt> {
        let kw = self.bump().span;
        let target = self.target_list()?;
        check_target(&target, TargetCtx::Assign)?;
        if !self.eat_kw(Keyword::In) {
            return Err(self.unexpected());
        }
        let iter = self.testlist_star()?;
        self.header_colon()?;
        let body = self.scoped_block(
            Scope {
                in_loop: true,
                ..self.scope
            },
            "'for' statement",
            kw,
        )?;
        let orelse = self.else_block()?;
        Ok(Stmt::new(
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            },
            self.span_from(kw.start),
        ))
    }

    pub(crate) fn try_stmt(&mut self) -> PResult<Stmt> {
        let kw = self.bump().span;
        self.header_colon()?;
        let body = self.block("'try' statement", kw)?;
        let mut handlers: Vec<ExceptHandler> = Vec::new();
        while self.at_kw(Keyword::Except) {
            let hkw = self.bump().span;
            if handlers.last().is_some_and(|h| h.typ.is_none()) {
                return Err(ParseError::invalid("default 'except:' must be last", hkw));
            }
            let mut typ = None;
            let mut name = None;
            if !self.at_op(Op::Colon) {
                typ = Some(self.test()?);
                if self.at_op(Op::Comma) {
                    return Err(ParseError::invalid(
                        "multiple exception types must be parenthesized",
                        self.here(),
                    ));
                }
                if self.eat_kw(Keyword::As) {
                    name = Some(self.expect_name()?);
                }
            }
            self.header_colon()?;
            let span = self.span_from(hkw.start);
            let body = self.block("'except' statement", hkw)?;
            handlers.push(ExceptHandler {
                typ,
                name,
                body,
                span,
            });
        }
        let orelse = if handlers.is_empty() {
            Vec::new()
        } else {
            self.else_block()?
        };
        let finalbody = if self.at_kw(Keyword::Finally) {
            let fkw = self.bump().span;
            self.header_colon()?;
            Some(self.block("'finally' statement", fkw)?)
        } else {
            None
        };
        if handlers.is_empty() && finalbody.is_none() {
            let msg = "expected 'except' or 'finally' block";
            return Err(if self.at_input_end() {
                ParseError::incomplete(msg, self.here())
            } else {
                ParseError::invalid(msg, self.here())
            });
        }
        let t = Try {
            body,
            handlers,
            orelse,
            finalbody: finalbody.unwrap_or_default(),
        };
        Ok(Stmt::new(
            StmtKind::Try(Box::new(t)),
            self.span_from(kw.start),
        ))
    }

    pub(crate) fn with_stmt(&mut self) -> PResult<Stmt> {
        let kw = self.bump().span;
        let mut items = Vec::new();
        loop {
            let context = self.test()?;
            let target = if self.eat_kw(Keyword::As) {
                let t = self.target()?;
                check_target(&t, TargetCtx::Assign)?;
                Some(t)
            } else {
                None
            };
            items.push(WithItem { context, target });
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.header_colon()?;
        let body = self.block("'with' statement", kw)?;
        Ok(Stmt::new(
            StmtKind::With { items, body },
            self.span_from(kw.start),
        ))
    }

    pub(crate) fn decorated(&mut self) -> PResult<Stmt> {
        let start = self.here().start;
        let mut decorators = Vec::new();
        while self.eat_op(Op::At) {
            decorators.push(self.test()?);
            if !self.eat(&TokenKind::Newline) {
                return Err(self.unexpected());
            }
        }
        if self.at_input_end() {
            return Err(ParseError::incomplete(
                "expected a function or class definition",
                self.here(),
            ));
        }
        match self.peek() {
            TokenKind::Keyword(Keyword::Def) => self.def_stmt(decorators, Some(start)),
            TokenKind::Keyword(Keyword::Class) => self.class_stmt(decorators, Some(start)),
            _ => Err(self.unexpected()),
        }
    }

    pub(crate) fn def_stmt(
        &mut self,
        decorators: Vec<Expr>,
        start: Option<usize>,
    ) -> PResult<Stmt> {
        let kw = self.bump().span;
        let name = self.expect_name()?;
        self.expect_op(Op::LParen)?;
        let params = self.params(Op::RParen, true)?;
        self.expect_op(Op::RParen)?;
        let returns = if self.eat_op(Op::Arrow) {
            Some(self.test()?)
        } else {
            None
        };
        self.header_colon()?;
        let body = self.scoped_block(
            Scope {
                in_function: true,
                in_loop: false,
            },
            "function definition",
            kw,
        )?;
        let def = FunctionDef {
            name,
            params,
            returns,
            body,
            decorators,
        };
        Ok(Stmt::new(
            StmtKind::FunctionDef(Box::new(def)),
            self.span_from(start.unwrap_or(kw.start)),
        ))
    }

    pub(crate) fn class_stmt(
        &mut self,
        decorators: Vec<Expr>,
        start: Option<usize>,
    ) -> PResult<Stmt> {
        let kw = self.bump().span;
        let name = self.expect_name()?;
        let bases = if self.eat_op(Op::LParen) {
            self.call_args()?
        } else {
            Vec::new()
        };
        self.header_colon()?;
        let body = self.scoped_block(Scope::default(), "class definition", kw)?;
        let class = ClassDef {
            name,
            bases,
            body,
            decorators,
        };
        Ok(Stmt::new(
            StmtKind::ClassDef(Box::new(class)),
            self.span_from(start.unwrap_or(kw.start)),
        ))
    }

    /// Parameters of a `def` (annotations allowed) or `lambda`, up to but not
    /// including `close`.
    pub(crate) fn params(&mut self, close: Op, annotations: bool) -> PResult<Params> {
        let mut p = Params::default();
        let mut star_span: Option<Span> = None;
        let mut bare_star = false;
        let mut seen_default = false;
        while !self.at_op(close) {
            if self.eat_op(Op::Pow) {
                p.kwarg = Some(self.param(annotations, false)?);
                self.eat_op(Op::Comma);
                if !self.at_op(close) {
                    return Err(ParseError::invalid(
                        "arguments cannot follow var-keyword argument",
                        self.here(),
                    ));
                }
                break;
            }
            if self.at_op(Op::Star) {
                let span = self.bump().span;
                if star_span.is_some() {
                    return Err(ParseError::invalid("* argument may appear only once", span));
                }
                star_span = Some(span);
                if self.at_op(Op::Comma) || self.at_op(close) {
                    bare_star = true;
                } else {
                    p.vararg = Some(self.param(annotations, false)?);
                }
            } else {
                let param = self.param(annotations, true)?;
                if star_span.is_some() {
                    p.kwonly.push(param);
                } else {
                    if param.default.is_some() {
                        seen_default = true;
                    } else if seen_default {
                        return Err(ParseError::invalid(
                            "parameter without a default follows parameter with a default",
                            param.span,
                        ));
                    }
                    p.args.push(param);
                }
            }
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        if let (true, Some(span)) = (bare_star && p.kwonly.is_empty(), star_span) {
            return Err(ParseError::invalid(
                "named arguments must follow bare *",
                span,
            ));
        }
        let all = p
            .args
            .iter()
            .chain(&p.vararg)
            .chain(&p.kwonly)
            .chain(&p.kwarg);
        let mut seen = std::collections::HashSet::new();
        for param in all {
            if !seen.insert(param.name.as_str()) {
                let msg = format!("duplicate argument '{}' in function definition", param.name);
                return Err(ParseError::invalid(msg, param.span));
            }
        }
        Ok(p)
    }

    fn param(&mut self, annotations: bool, default: bool) -> PResult<Param> {
        let start = self.here().start;
        let name = self.expect_name()?;
        let annotation = if annotations && self.eat_op(Op::Colon) {
            Some(self.test()?)
        } else {
            None
        };
        let default = if default && self.eat_op(Op::Assign) {
            Some(self.test()?)
        } else {
            None
        };
        Ok(Param {
            name,
            annotation,
            default,
            span: self.span_from(start),
        })
    }
}
