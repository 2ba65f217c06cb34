//! Assignment-target rules: what may stand left of `=`, after `for`, `as`,
//! `del`, or before an augmented operator, with CPython's error messages.

use super::ast::*;
use super::error::{PResult, ParseError};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetCtx {
    Assign,
    Aug,
    Del,
}

/// Rejects what cannot be assigned to (or deleted), with CPython's messages.
pub(crate) fn check_target(e: &Expr, ctx: TargetCtx) -> PResult<()> {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Ok(()),
        ExprKind::Tuple(elts) | ExprKind::List(elts) if ctx != TargetCtx::Aug => {
            let stars = elts
                .iter()
                .filter(|x| matches!(x.kind, ExprKind::Starred(_)))
                .count();
            if stars > 1 && ctx == TargetCtx::Assign {
                return Err(ParseError::invalid(
                    "multiple starred expressions in assignment",
                    e.span,
                ));
            }
            for elt in elts {
                match (&elt.kind, ctx) {
                    (ExprKind::Starred(_), TargetCtx::Del) => {
                        return Err(ParseError::invalid("cannot delete starred", elt.span))
                    }
                    (ExprKind::Starred(inner), _) => check_target(inner, ctx)?,
                    _ => check_target(elt, ctx)?,
                }
            }
            Ok(())
        }
        ExprKind::Starred(_) if ctx == TargetCtx::Assign => Err(ParseError::invalid(
            "starred assignment target must be in a list or tuple",
            e.span,
        )),
        kind => {
            let what = describe(kind);
            let msg = match ctx {
                TargetCtx::Assign => format!("cannot assign to {what}"),
                TargetCtx::Del => format!("cannot delete {what}"),
                TargetCtx::Aug => {
                    format!("'{what}' is an illegal expression for augmented assignment")
                }
            };
            Err(ParseError::invalid(msg, e.span))
        }
    }
}

fn describe(kind: &ExprKind) -> &'static str {
    match kind {
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) => "literal",
        ExprKind::Bool(true) => "True",
        ExprKind::Bool(false) => "False",
        ExprKind::None => "None",
        ExprKind::Ellipsis => "ellipsis",
        ExprKind::FString(_) => "f-string expression",
        ExprKind::Call { .. } => "function call",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::Tuple(_) => "tuple",
        ExprKind::List(_) => "list",
        ExprKind::Set(_) => "set display",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::Starred(_) => "starred",
        _ => "expression",
    }
}
