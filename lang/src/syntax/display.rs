//! Bracketed forms: parenthesized expressions and tuples, list/dict/set
//! displays, comprehensions and generator expressions, call arguments and
//! subscripts with slices.

use super::ast::*;
use super::error::{PResult, ParseError};
use super::expr::BITOR_BP;
use super::parser::Parser;
use super::targets::{check_target, TargetCtx};
use super::token::{Keyword, Op, TokenKind};

impl Parser<'_> {
    pub(crate) fn paren(&mut self) -> PResult<Expr> {
        let start = self.bump().span.start;
        if self.eat_op(Op::RParen) {
            return Ok(Expr::new(
                ExprKind::Tuple(Vec::new()),
                self.span_from(start),
            ));
        }
        let first = self.star_or_test()?;
        if self.at_kw(Keyword::For) {
            let e = self.comprehension(first, None, start, CompKind::Gen)?;
            self.close(Op::RParen)?;
            return Ok(Expr {
                span: self.span_from(start),
                ..e
            });
        }
        if !self.at_op(Op::Comma) {
            self.close(Op::RParen)?;
            if let ExprKind::Starred(_) = first.kind {
                return Err(ParseError::invalid(
                    "cannot use starred expression here",
                    first.span,
                ));
            }
            return Ok(first);
        }
        let elts = self.rest_of_display(first, Op::RParen)?;
        Ok(Expr::new(ExprKind::Tuple(elts), self.span_from(start)))
    }

    /// The remaining `, item` list of a display whose first item is parsed,
    /// through the closing bracket.
    fn rest_of_display(&mut self, first: Expr, close: Op) -> PResult<Vec<Expr>> {
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(close) {
                break;
            }
            elts.push(self.star_or_test()?);
        }
        self.close(close)?;
        Ok(elts)
    }

    pub(crate) fn list(&mut self) -> PResult<Expr> {
        let start = self.bump().span.start;
        if self.eat_op(Op::RBracket) {
            return Ok(Expr::new(ExprKind::List(Vec::new()), self.span_from(start)));
        }
        let first = self.star_or_test()?;
        if self.at_kw(Keyword::For) {
            let e = self.comprehension(first, None, start, CompKind::List)?;
            self.close(Op::RBracket)?;
            return Ok(Expr {
                span: self.span_from(start),
                ..e
            });
        }
        let elts = self.rest_of_display(first, Op::RBracket)?;
        Ok(Expr::new(ExprKind::List(elts), self.span_from(start)))
    }

    pub(crate) fn brace(&mut self) -> PResult<Expr> {
        let start = self.bump().span.start;
        if self.eat_op(Op::RBrace) {
            return Ok(Expr::new(ExprKind::Dict(Vec::new()), self.span_from(start)));
        }
        let first = if self.eat_op(Op::Pow) {
            DictItem::Unpack(self.expr_bp(BITOR_BP)?)
        } else {
            let key = self.star_or_test()?;
            if !self.eat_op(Op::Colon) {
                // A set display or set comprehension.
                if self.at_kw(Keyword::For) {
                    let e = self.comprehension(key, None, start, CompKind::Set)?;
                    self.close(Op::RBrace)?;
                    return Ok(Expr {
                        span: self.span_from(start),
                        ..e
                    });
                }
                let elts = self.rest_of_display(key, Op::RBrace)?;
                return Ok(Expr::new(ExprKind::Set(elts), self.span_from(start)));
            }
            let value = self.test()?;
            if self.at_kw(Keyword::For) {
                let e = self.comprehension(key, Some(value), start, CompKind::Dict)?;
                self.close(Op::RBrace)?;
                return Ok(Expr {
                    span: self.span_from(start),
                    ..e
                });
            }
            DictItem::Pair(key, value)
        };
        let mut items = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RBrace) {
                break;
            }
            if self.eat_op(Op::Pow) {
                items.push(DictItem::Unpack(self.expr_bp(BITOR_BP)?));
                continue;
            }
            let key = self.test()?;
            self.expect_op(Op::Colon)?;
            items.push(DictItem::Pair(key, self.test()?));
        }
        self.close(Op::RBrace)?;
        Ok(Expr::new(ExprKind::Dict(items), self.span_from(start)))
    }

    /// The `for ... in ... if ...` clauses after a comprehension's element.
    fn comprehension(
        &mut self,
        elt: Expr,
        value: Option<Expr>,
        start: usize,
        kind: CompKind,
    ) -> PResult<Expr> {
        if let ExprKind::Starred(_) = elt.kind {
            return Err(ParseError::invalid(
                "iterable unpacking cannot be used in comprehension",
                elt.span,
            ));
        }
        let mut generators = Vec::new();
        while self.eat_kw(Keyword::For) {
            let target = self.target_list()?;
            check_target(&target, TargetCtx::Assign)?;
            if !self.eat_kw(Keyword::In) {
                return Err(self.unexpected());
            }
            let iter = self.expr_bp(0)?;
            let mut ifs = Vec::new();
            while self.eat_kw(Keyword::If) {
                ifs.push(self.expr_bp(0)?);
            }
            generators.push(Comprehension { target, iter, ifs });
        }
        let elt = Box::new(elt);
        let kind = match (kind, value) {
            (CompKind::Dict, Some(v)) => ExprKind::DictComp {
                key: elt,
                value: Box::new(v),
                generators,
            },
            (CompKind::List, _) => ExprKind::ListComp { elt, generators },
            (CompKind::Set, _) => ExprKind::SetComp { elt, generators },
            _ => ExprKind::GeneratorExp { elt, generators },
        };
        Ok(Expr::new(kind, self.span_from(start)))
    }

    /// Call arguments after `(`, through `)`. Also parses a class's bases.
    pub(crate) fn call_args(&mut self) -> PResult<Vec<Arg>> {
        let mut args: Vec<Arg> = Vec::new();
        let mut seen_keyword = false;
        let mut seen_kwargs = false;
        while !self.at_op(Op::RParen) {
            let start = self.here().start;
            if self.eat_op(Op::Star) {
                if seen_kwargs {
                    return Err(ParseError::invalid(
                        "iterable argument unpacking follows keyword argument unpacking",
                        self.here(),
                    ));
                }
                args.push(Arg::Starred(self.test()?));
            } else if self.eat_op(Op::Pow) {
                seen_kwargs = true;
                args.push(Arg::DoubleStarred(self.test()?));
            } else if matches!(self.peek(), TokenKind::Name(_))
                && self.peek_at(1) == &TokenKind::Op(Op::Assign)
            {
                let name = self.expect_name()?;
                self.bump();
                let value = self.test()?;
                let repeated = args
                    .iter()
                    .any(|a| matches!(a, Arg::Keyword { name: n, .. } if *n == name));
                if repeated {
                    return Err(ParseError::invalid(
                        format!("keyword argument repeated: {name}"),
                        self.span_from(start),
                    ));
                }
                seen_keyword = true;
                args.push(Arg::Keyword {
                    name,
                    value,
                    span: self.span_from(start),
                });
            } else {
                let mut e = self.test()?;
                if self.at_kw(Keyword::For) {
                    e = self.comprehension(e, None, start, CompKind::Gen)?;
                    if !args.is_empty() || !self.at_op(Op::RParen) {
                        return Err(ParseError::invalid(
                            "Generator expression must be parenthesized",
                            e.span,
                        ));
                    }
                }
                if self.at_op(Op::Assign) {
                    return Err(ParseError::invalid(
                        "expression cannot contain assignment, perhaps you meant \"==\"?",
                        self.span_from(start),
                    ));
                }
                if seen_kwargs {
                    return Err(ParseError::invalid(
                        "positional argument follows keyword argument unpacking",
                        e.span,
                    ));
                }
                if seen_keyword {
                    return Err(ParseError::invalid(
                        "positional argument follows keyword argument",
                        e.span,
                    ));
                }
                args.push(Arg::Positional(e));
            }
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.close(Op::RParen)?;
        Ok(args)
    }

    /// The inside of `[...]`: an index, a slice, or a tuple of them.
    pub(crate) fn subscript(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        let first = self.slice_item()?;
        if !self.at_op(Op::Comma) {
            return Ok(first);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RBracket) {
                break;
            }
            elts.push(self.slice_item()?);
        }
        Ok(Expr::new(ExprKind::Tuple(elts), self.span_from(start)))
    }

    fn slice_item(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        let lower = if self.at_op(Op::Colon) {
            None
        } else {
            let e = self.test()?;
            if !self.at_op(Op::Colon) {
                return Ok(e);
            }
            Some(Box::new(e))
        };
        self.bump();
        let ends = |p: &Self| p.at_op(Op::Colon) || p.at_op(Op::Comma) || p.at_op(Op::RBracket);
        let upper = if ends(self) {
            None
        } else {
            Some(Box::new(self.test()?))
        };
        let mut step = None;
        if self.eat_op(Op::Colon) && !self.at_op(Op::Comma) && !self.at_op(Op::RBracket) {
            step = Some(Box::new(self.test()?));
        }
        Ok(Expr::new(
            ExprKind::Slice { lower, upper, step },
            self.span_from(start),
        ))
    }
}

#[derive(Clone, Copy)]
enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}
