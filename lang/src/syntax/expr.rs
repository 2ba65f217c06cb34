//! Expression parsing: Python's precedence table as Pratt binding powers, plus
//! atoms, trailers (calls, attributes, subscripts), string concatenation and
//! f-string fields. Bracketed displays live in `display.rs`.
//!
//! Binding powers, loosest first (a left power below the caller's minimum
//! stops the loop; right-associative `**` has its right power below its left):
//!
//! | operators                    | left, right |
//! |------------------------------|-------------|
//! | `or`                         | 3, 4        |
//! | `and`                        | 5, 6        |
//! | `not` (prefix)               | -, 7        |
//! | comparisons (chained)        | 9, 10       |
//! | `\|`  `^`  `&`               | 11/13/15    |
//! | `<<` `>>`                    | 17, 18      |
//! | `+` `-`                      | 19, 20      |
//! | `*` `@` `/` `//` `%`         | 21, 22      |
//! | unary `-` `+` `~` (prefix)   | -, 23       |
//! | `**`                         | 26, 25      |
//!
//! `**` binds tighter than a unary minus on its left (`-2**2 == -4`) yet
//! accepts one on its right (`2**-1`), because prefix operators parse their
//! operand at power 23, which `**`'s left power 26 exceeds. Lambda and the
//! conditional expression sit above the table, in [`Parser::test`].

use super::ast::*;
use super::error::{PResult, ParseError};
use super::lexer::tokenize_expression;
use super::parser::{Parser, MAX_DEPTH};
use super::token::{FStringPiece, FieldSource, Keyword, Op, TokenKind};

const NOT_BP: u8 = 7;
const CMP_RIGHT_BP: u8 = 10;
/// The minimum power of a `bitwise_or` expression: what assignment targets,
/// starred items and `for` targets are made of (so `in` is not swallowed).
pub(crate) const BITOR_BP: u8 = 11;
const UNARY_BP: u8 = 23;

enum Infix {
    Bool(BoolOp),
    Bin(BinOp),
    /// A comparison and how many tokens spell it (`not in`, `is not`: two).
    Cmp(CmpOp, usize),
}

fn infix(tok: &TokenKind, next: &TokenKind) -> Option<(Infix, u8, u8)> {
    use Infix::*;
    let bin = |op, l: u8| Some((Bin(op), l, l + 1));
    match tok {
        TokenKind::Keyword(Keyword::Or) => Some((Bool(BoolOp::Or), 3, 4)),
        TokenKind::Keyword(Keyword::And) => Some((Bool(BoolOp::And), 5, 6)),
        TokenKind::Keyword(Keyword::In) => Some((Cmp(CmpOp::In, 1), 9, 10)),
        TokenKind::Keyword(Keyword::Not) if *next == TokenKind::Keyword(Keyword::In) => {
            Some((Cmp(CmpOp::NotIn, 2), 9, 10))
        }
        TokenKind::Keyword(Keyword::Is) if *next == TokenKind::Keyword(Keyword::Not) => {
            Some((Cmp(CmpOp::IsNot, 2), 9, 10))
        }
        TokenKind::Keyword(Keyword::Is) => Some((Cmp(CmpOp::Is, 1), 9, 10)),
        TokenKind::Op(op) => match op {
            Op::EqEq => Some((Cmp(CmpOp::Eq, 1), 9, 10)),
            Op::Ne => Some((Cmp(CmpOp::NotEq, 1), 9, 10)),
            Op::Lt => Some((Cmp(CmpOp::Lt, 1), 9, 10)),
            Op::Le => Some((Cmp(CmpOp::LtE, 1), 9, 10)),
            Op::Gt => Some((Cmp(CmpOp::Gt, 1), 9, 10)),
            Op::Ge => Some((Cmp(CmpOp::GtE, 1), 9, 10)),
            Op::Pipe => bin(BinOp::BitOr, 11),
            Op::Caret => bin(BinOp::BitXor, 13),
            Op::Amp => bin(BinOp::BitAnd, 15),
            Op::Shl => bin(BinOp::LShift, 17),
            Op::Shr => bin(BinOp::RShift, 17),
            Op::Plus => bin(BinOp::Add, 19),
            Op::Minus => bin(BinOp::Sub, 19),
            Op::Star => bin(BinOp::Mul, 21),
            Op::At => bin(BinOp::MatMul, 21),
            Op::Slash => bin(BinOp::Div, 21),
            Op::FloorDiv => bin(BinOp::FloorDiv, 21),
            Op::Percent => bin(BinOp::Mod, 21),
            Op::Pow => Some((Bin(BinOp::Pow), 26, 25)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a token can begin an expression (used to end comma lists that
/// allow a trailing comma).
pub(crate) fn starts_expr(tok: &TokenKind) -> bool {
    match tok {
        TokenKind::Name(_)
        | TokenKind::Int(_)
        | TokenKind::Float(_)
        | TokenKind::Str(_)
        | TokenKind::FString(_) => true,
        TokenKind::Keyword(k) => {
            matches!(
                k,
                Keyword::True | Keyword::False | Keyword::None | Keyword::Not | Keyword::Lambda
            )
        }
        TokenKind::Op(o) => matches!(
            o,
            Op::LParen
                | Op::LBracket
                | Op::LBrace
                | Op::Minus
                | Op::Plus
                | Op::Tilde
                | Op::Star
                | Op::Ellipsis
        ),
        _ => false,
    }
}

impl Parser<'_> {
    /// A full expression: lambda, conditional expression, or anything looser.
    pub(crate) fn test(&mut self) -> PResult<Expr> {
        self.nested(|p| {
            let start = p.here().start;
            if p.eat_kw(Keyword::Lambda) {
                let params = p.params(Op::Colon, false)?;
                p.expect_op(Op::Colon)?;
                let body = p.test()?;
                let kind = ExprKind::Lambda {
                    params: Box::new(params),
                    body: Box::new(body),
                };
                return Ok(Expr::new(kind, p.span_from(start)));
            }
            let body = p.expr_bp(0)?;
            if !p.eat_kw(Keyword::If) {
                return Ok(body);
            }
            let test = p.expr_bp(0)?;
            if !p.eat_kw(Keyword::Else) {
                return Err(ParseError::invalid(
                    "expected 'else' after 'if' expression",
                    p.here(),
                ));
            }
            let orelse = p.test()?;
            let kind = ExprKind::IfExp {
                test: Box::new(test),
                body: Box::new(body),
                orelse: Box::new(orelse),
            };
            Ok(Expr::new(kind, p.span_from(start)))
        })
    }

    /// `*x` (a starred `bitwise_or`) or a full expression.
    pub(crate) fn star_or_test(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        if self.eat_op(Op::Star) {
            let inner = self.expr_bp(BITOR_BP)?;
            return Ok(Expr::new(
                ExprKind::Starred(Box::new(inner)),
                self.span_from(start),
            ));
        }
        self.test()
    }

    /// Comma-separated expressions, a tuple when there is a comma: the right
    /// side of `=`, `return`'s value, an expression statement.
    pub(crate) fn testlist_star(&mut self) -> PResult<Expr> {
        self.comma_list(Self::star_or_test)
    }

    /// One assignment target (`bitwise_or` level, so `in` ends it).
    pub(crate) fn target(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        if self.eat_op(Op::Star) {
            let inner = self.expr_bp(BITOR_BP)?;
            return Ok(Expr::new(
                ExprKind::Starred(Box::new(inner)),
                self.span_from(start),
            ));
        }
        self.expr_bp(BITOR_BP)
    }

    /// `a, *b` as in `for a, *b in ...`.
    pub(crate) fn target_list(&mut self) -> PResult<Expr> {
        self.comma_list(Self::target)
    }

    pub(crate) fn comma_list(&mut self, item: fn(&mut Self) -> PResult<Expr>) -> PResult<Expr> {
        let start = self.here().start;
        let first = item(self)?;
        if !self.at_op(Op::Comma) {
            return Ok(first);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if !starts_expr(self.peek()) {
                break;
            }
            elts.push(item(self)?);
        }
        Ok(Expr::new(ExprKind::Tuple(elts), self.span_from(start)))
    }

    /// The Pratt loop: operators whose left power is at least `min_bp`.
    pub(crate) fn expr_bp(&mut self, min_bp: u8) -> PResult<Expr> {
        self.nested(|p| {
            let start = p.here().start;
            let mut lhs = p.prefix(min_bp)?;
            // Each operator in a left-leaning chain deepens the tree; count it
            // against the limit so that evaluators walking the tree are safe.
            let mut chain = 0;
            while let Some((op, l_bp, r_bp)) = infix(p.peek(), p.peek_at(1)) {
                if l_bp < min_bp {
                    break;
                }
                chain += 1;
                if p.depth + chain > MAX_DEPTH {
                    return Err(ParseError::invalid("maximum nesting depth exceeded", p.here()));
                }
                let kind = match op {
                    Infix::Bool(bop) => {
                        let mut values = vec![lhs];
                        loop {
                            p.bump();
                            values.push(p.expr_bp(r_bp)?);
                            if !matches!(infix(p.peek(), p.peek_at(1)), Some((Infix::Bool(b), ..)) if b == bop) {
                                break;
                            }
                        }
                        ExprKind::BoolOp { op: bop, values }
                    }
                    Infix::Bin(bop) => {
                        p.bump();
                        let right = p.expr_bp(r_bp)?;
                        ExprKind::BinOp { left: Box::new(lhs), op: bop, right: Box::new(right) }
                    }
                    Infix::Cmp(..) => {
                        let mut ops = Vec::new();
                        let mut comparators = Vec::new();
                        while let Some((Infix::Cmp(cop, n), ..)) = infix(p.peek(), p.peek_at(1)) {
                            for _ in 0..n {
                                p.bump();
                            }
                            ops.push(cop);
                            comparators.push(p.expr_bp(CMP_RIGHT_BP)?);
                        }
                        ExprKind::Compare { left: Box::new(lhs), ops, comparators }
                    }
                };
                lhs = Expr::new(kind, p.span_from(start));
            }
            Ok(lhs)
        })
    }

    fn prefix(&mut self, min_bp: u8) -> PResult<Expr> {
        let start = self.here().start;
        let (op, bp) = match self.peek() {
            TokenKind::Keyword(Keyword::Not) => {
                // `a == not b` is a syntax error in Python: `not` binds looser
                // than the operator to its left.
                if min_bp > NOT_BP {
                    return Err(self.unexpected());
                }
                (UnaryOp::Not, NOT_BP)
            }
            TokenKind::Op(Op::Minus) => (UnaryOp::Neg, UNARY_BP),
            TokenKind::Op(Op::Plus) => (UnaryOp::Pos, UNARY_BP),
            TokenKind::Op(Op::Tilde) => (UnaryOp::Invert, UNARY_BP),
            _ => return self.primary(),
        };
        self.bump();
        let operand = self.expr_bp(bp)?;
        Ok(Expr::new(
            ExprKind::UnaryOp {
                op,
                operand: Box::new(operand),
            },
            self.span_from(start),
        ))
    }

    /// An atom followed by any number of `.name`, `(args)` and `[index]`.
    fn primary(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        let mut e = self.atom()?;
        let mut chain = 0;
        loop {
            let kind = match self.peek() {
                TokenKind::Op(Op::Dot) => {
                    self.bump();
                    let attr = self.expect_name()?;
                    ExprKind::Attribute {
                        value: Box::new(e),
                        attr,
                    }
                }
                TokenKind::Op(Op::LParen) => {
                    self.bump();
                    let args = self.call_args()?;
                    ExprKind::Call {
                        func: Box::new(e),
                        args,
                    }
                }
                TokenKind::Op(Op::LBracket) => {
                    self.bump();
                    let index = self.subscript()?;
                    self.close(Op::RBracket)?;
                    ExprKind::Subscript {
                        value: Box::new(e),
                        index: Box::new(index),
                    }
                }
                _ => return Ok(e),
            };
            chain += 1;
            if self.depth + chain > MAX_DEPTH {
                return Err(ParseError::invalid(
                    "maximum nesting depth exceeded",
                    self.here(),
                ));
            }
            e = Expr::new(kind, self.span_from(start));
        }
    }

    /// Expects a closing bracket; two expressions side by side inside brackets
    /// get Python's comma hint.
    pub(crate) fn close(&mut self, op: Op) -> PResult<()> {
        if self.eat_op(op) {
            return Ok(());
        }
        if starts_expr(self.peek()) {
            return Err(ParseError::invalid(
                "invalid syntax. Perhaps you forgot a comma?",
                self.here(),
            ));
        }
        Err(self.unexpected())
    }

    fn atom(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        let kind = match self.peek() {
            TokenKind::Name(n) => ExprKind::Name(n.clone()),
            TokenKind::Int(v) => ExprKind::Int(*v),
            TokenKind::Float(v) => ExprKind::Float(*v),
            TokenKind::Keyword(Keyword::True) => ExprKind::Bool(true),
            TokenKind::Keyword(Keyword::False) => ExprKind::Bool(false),
            TokenKind::Keyword(Keyword::None) => ExprKind::None,
            TokenKind::Op(Op::Ellipsis) => ExprKind::Ellipsis,
            TokenKind::Str(_) | TokenKind::FString(_) => return self.strings(),
            TokenKind::Op(Op::LParen) => return self.paren(),
            TokenKind::Op(Op::LBracket) => return self.list(),
            TokenKind::Op(Op::LBrace) => return self.brace(),
            TokenKind::Op(Op::Star) => {
                return Err(ParseError::invalid(
                    "can't use starred expression here",
                    self.here(),
                ))
            }
            _ => return Err(self.unexpected()),
        };
        self.bump();
        Ok(Expr::new(kind, self.span_from(start)))
    }

    /// Adjacent string literals concatenate; any f-string makes the whole an
    /// f-string.
    fn strings(&mut self) -> PResult<Expr> {
        let start = self.here().start;
        let mut parts: Vec<FStringPart> = Vec::new();
        let mut formatted = false;
        loop {
            let pieces = match self.peek() {
                TokenKind::Str(s) => vec![FStringPiece::Literal(s.clone())],
                TokenKind::FString(p) => {
                    formatted = true;
                    p.clone()
                }
                _ => break,
            };
            self.bump();
            self.fstring_parts(&pieces, &mut parts)?;
        }
        let span = self.span_from(start);
        if formatted {
            return Ok(Expr::new(ExprKind::FString(parts), span));
        }
        let mut s = String::new();
        for p in parts {
            if let FStringPart::Literal(l) = p {
                s.push_str(&l);
            }
        }
        Ok(Expr::new(ExprKind::Str(s), span))
    }

    fn fstring_parts(
        &mut self,
        pieces: &[FStringPiece],
        out: &mut Vec<FStringPart>,
    ) -> PResult<()> {
        for piece in pieces {
            match piece {
                FStringPiece::Literal(text) => push_literal(out, text),
                FStringPiece::Field(field) => {
                    if let Some(d) = &field.debug {
                        push_literal(out, d);
                    }
                    let value = self.field_expr(field)?;
                    let spec = match &field.spec {
                        Some(spec_pieces) => {
                            let mut spec = Vec::new();
                            self.fstring_parts(spec_pieces, &mut spec)?;
                            Some(spec)
                        }
                        None => None,
                    };
                    // `{x=}` shows the repr unless a conversion or spec says otherwise.
                    let conversion = match (field.conversion, &field.debug, &spec) {
                        (None, Some(_), None) => Some('r'),
                        (c, ..) => c,
                    };
                    out.push(FStringPart::Field {
                        value: Box::new(value),
                        conversion,
                        spec,
                    });
                }
            }
        }
        Ok(())
    }

    /// Parses a replacement field's expression with spans into the file.
    fn field_expr(&mut self, field: &FieldSource) -> PResult<Expr> {
        let tokens =
            tokenize_expression(&field.expr, field.offset).map_err(ParseError::into_invalid)?;
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        let mut sub = Parser::new(self.src, tokens, self.depth + 1);
        let e = sub
            .comma_list(Self::test)
            .map_err(ParseError::into_invalid)?;
        if !sub.at(&TokenKind::Eof) {
            return Err(ParseError::invalid("f-string: expecting '}'", sub.here()));
        }
        Ok(e)
    }
}

fn push_literal(out: &mut Vec<FStringPart>, text: &str) {
    if let Some(FStringPart::Literal(prev)) = out.last_mut() {
        prev.push_str(text);
    } else if !text.is_empty() {
        out.push(FStringPart::Literal(text.to_string()));
    }
}
