//! S-expression rendering of the AST, for golden tests and debugging. The
//! format is ours (not stable for users): `(op child child)`, names bare,
//! strings quoted, absent optional children as `_`. A list that does not fit
//! in one line of 80 columns breaks one child per line, indented by two.

use super::ast::*;

enum S {
    Atom(String),
    List(Vec<S>),
}

fn atom(s: impl Into<String>) -> S {
    S::Atom(s.into())
}

fn list(head: &str, rest: impl IntoIterator<Item = S>) -> S {
    let mut v = vec![atom(head)];
    v.extend(rest);
    S::List(v)
}

fn opt(e: &Option<impl AsSexpr>) -> S {
    e.as_ref().map_or(atom("_"), |e| e.sexpr())
}

trait AsSexpr {
    fn sexpr(&self) -> S;
}

impl<T: AsSexpr> AsSexpr for Box<T> {
    fn sexpr(&self) -> S {
        (**self).sexpr()
    }
}

/// Renders a module, one top-level statement per entry.
pub fn module_to_sexpr(m: &Module) -> String {
    let mut out = String::new();
    for s in &m.body {
        render(&s.sexpr(), 0, &mut out);
        out.push('\n');
    }
    if m.trailing_semicolon {
        out.push_str(";\n");
    }
    out
}

pub fn stmt_to_sexpr(s: &Stmt) -> String {
    let mut out = String::new();
    render(&s.sexpr(), 0, &mut out);
    out
}

pub fn expr_to_sexpr(e: &Expr) -> String {
    let mut out = String::new();
    render(&e.sexpr(), 0, &mut out);
    out
}

fn flat(s: &S, out: &mut String) {
    match s {
        S::Atom(a) => out.push_str(a),
        S::List(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                flat(item, out);
            }
            out.push(')');
        }
    }
}

fn render(s: &S, indent: usize, out: &mut String) {
    let mut one_line = String::new();
    flat(s, &mut one_line);
    let items = match s {
        S::List(items) if indent + one_line.len() > 80 && items.len() > 1 => items,
        _ => {
            out.push_str(&one_line);
            return;
        }
    };
    out.push('(');
    flat(&items[0], out);
    for item in &items[1..] {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        render(item, indent + 2, out);
    }
    out.push(')');
}

fn block(head: &str, body: &[Stmt]) -> S {
    list(head, body.iter().map(|s| s.sexpr()))
}

impl AsSexpr for Stmt {
    fn sexpr(&self) -> S {
        match &self.kind {
            StmtKind::Expr(e) => list("expr", [e.sexpr()]),
            StmtKind::Assign { targets, value } => list(
                "=",
                targets.iter().map(|t| t.sexpr()).chain([value.sexpr()]),
            ),
            StmtKind::AugAssign { target, op, value } => list(
                &format!("{}=", op.symbol()),
                [target.sexpr(), value.sexpr()],
            ),
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => list("ann", [target.sexpr(), annotation.sexpr(), opt(value)]),
            StmtKind::If { branches, orelse } => {
                let mut v: Vec<S> = branches
                    .iter()
                    .map(|b| list("branch", [b.test.sexpr(), block("body", &b.body)]))
                    .collect();
                if !orelse.is_empty() {
                    v.push(block("else", orelse));
                }
                list("if", v)
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let mut v = vec![target.sexpr(), iter.sexpr(), block("body", body)];
                if !orelse.is_empty() {
                    v.push(block("else", orelse));
                }
                list("for", v)
            }
            StmtKind::While { test, body, orelse } => {
                let mut v = vec![test.sexpr(), block("body", body)];
                if !orelse.is_empty() {
                    v.push(block("else", orelse));
                }
                list("while", v)
            }
            StmtKind::Break => list("break", []),
            StmtKind::Continue => list("continue", []),
            StmtKind::Pass => list("pass", []),
            StmtKind::FunctionDef(f) => {
                let mut v = vec![atom(&f.name), f.params.sexpr()];
                if let Some(r) = &f.returns {
                    v.push(list("->", [r.sexpr()]));
                }
                if !f.decorators.is_empty() {
                    v.push(list("@", f.decorators.iter().map(|d| d.sexpr())));
                }
                v.push(block("body", &f.body));
                list("def", v)
            }
            StmtKind::Return(e) => list("return", e.iter().map(|e| e.sexpr())),
            StmtKind::Yield {
                target,
                value,
                from,
            } => {
                let y = list(
                    if *from { "yield-from" } else { "yield" },
                    value.iter().map(|e| e.sexpr()),
                );
                match target {
                    Some(t) => list("=", [t.sexpr(), y]),
                    None => y,
                }
            }
            StmtKind::ClassDef(c) => {
                let mut v = vec![
                    atom(&c.name),
                    list("bases", c.bases.iter().map(|a| a.sexpr())),
                ];
                if !c.decorators.is_empty() {
                    v.push(list("@", c.decorators.iter().map(|d| d.sexpr())));
                }
                v.push(block("body", &c.body));
                list("class", v)
            }
            StmtKind::With { items, body } => {
                let items = items
                    .iter()
                    .map(|i| list("item", [i.context.sexpr(), opt(&i.target)]));
                list("with", items.chain([block("body", body)]))
            }
            StmtKind::Assert { test, msg } => list("assert", [test.sexpr(), opt(msg)]),
            StmtKind::Try(t) => {
                let mut v = vec![block("body", &t.body)];
                for h in &t.handlers {
                    let name = h.name.as_ref().map_or(atom("_"), atom);
                    v.push(list("except", [opt(&h.typ), name, block("body", &h.body)]));
                }
                if !t.orelse.is_empty() {
                    v.push(block("else", &t.orelse));
                }
                if !t.finalbody.is_empty() {
                    v.push(block("finally", &t.finalbody));
                }
                list("try", v)
            }
            StmtKind::Raise { exc, cause } => list("raise", [opt(exc), opt(cause)]),
            StmtKind::Delete(ts) => list("del", ts.iter().map(|t| t.sexpr())),
            StmtKind::Global(ns) => list("global", ns.iter().map(atom)),
            StmtKind::Nonlocal(ns) => list("nonlocal", ns.iter().map(atom)),
            StmtKind::Import(names) => list("import", names.iter().map(|a| a.sexpr())),
            StmtKind::ImportFrom { module, names } => list(
                "from",
                [atom(module)]
                    .into_iter()
                    .chain(names.iter().map(|a| a.sexpr())),
            ),
        }
    }
}

impl AsSexpr for Alias {
    fn sexpr(&self) -> S {
        match &self.asname {
            Some(a) => list("as", [atom(&self.name), atom(a)]),
            None => atom(&self.name),
        }
    }
}

impl AsSexpr for Params {
    fn sexpr(&self) -> S {
        let param = |p: &Param, prefix: &str| {
            let mut v = vec![atom(format!("{prefix}{}", p.name))];
            if let Some(a) = &p.annotation {
                v.push(list(":", [a.sexpr()]));
            }
            if let Some(d) = &p.default {
                v.push(list("=", [d.sexpr()]));
            }
            if v.len() == 1 {
                v.pop().unwrap_or(atom("?"))
            } else {
                S::List(v)
            }
        };
        let mut v: Vec<S> = self.args.iter().map(|p| param(p, "")).collect();
        match &self.vararg {
            Some(p) => v.push(param(p, "*")),
            None if !self.kwonly.is_empty() => v.push(atom("*")),
            None => {}
        }
        v.extend(self.kwonly.iter().map(|p| param(p, "")));
        v.extend(self.kwarg.iter().map(|p| param(p, "**")));
        list("params", v)
    }
}

impl AsSexpr for Arg {
    fn sexpr(&self) -> S {
        match self {
            Arg::Positional(e) => e.sexpr(),
            Arg::Starred(e) => list("*", [e.sexpr()]),
            Arg::Keyword { name, value, .. } => list("kw", [atom(name), value.sexpr()]),
            Arg::DoubleStarred(e) => list("**", [e.sexpr()]),
        }
    }
}

fn generators(gens: &[Comprehension]) -> impl Iterator<Item = S> + '_ {
    gens.iter().map(|g| {
        let ifs = g.ifs.iter().map(|c| list("if", [c.sexpr()]));
        list(
            "for",
            [g.target.sexpr(), g.iter.sexpr()].into_iter().chain(ifs),
        )
    })
}

fn fstring(parts: &[FStringPart]) -> Vec<S> {
    parts
        .iter()
        .map(|p| match p {
            FStringPart::Literal(s) => atom(format!("{s:?}")),
            FStringPart::Field {
                value,
                conversion,
                spec,
            } => {
                let mut v = vec![value.sexpr()];
                if let Some(c) = conversion {
                    v.push(atom(format!("!{c}")));
                }
                if let Some(spec) = spec {
                    v.push(list("spec", fstring(spec)));
                }
                list("fmt", v)
            }
        })
        .collect()
}

impl AsSexpr for Expr {
    fn sexpr(&self) -> S {
        match &self.kind {
            ExprKind::Name(n) => atom(n),
            ExprKind::Int(v) => atom(v.to_string()),
            ExprKind::Float(v) => atom(format!("{v:?}")),
            ExprKind::Str(s) => atom(format!("{s:?}")),
            ExprKind::Bool(b) => atom(if *b { "True" } else { "False" }),
            ExprKind::None => atom("None"),
            ExprKind::Ellipsis => atom("..."),
            ExprKind::FString(parts) => list("f", fstring(parts)),
            ExprKind::BinOp { left, op, right } => list(op.symbol(), [left.sexpr(), right.sexpr()]),
            ExprKind::UnaryOp { op, operand } => {
                let head = match op {
                    UnaryOp::Neg => "neg",
                    UnaryOp::Pos => "pos",
                    UnaryOp::Invert => "~",
                    UnaryOp::Not => "not",
                };
                list(head, [operand.sexpr()])
            }
            ExprKind::BoolOp { op, values } => list(
                if *op == BoolOp::And { "and" } else { "or" },
                values.iter().map(|v| v.sexpr()),
            ),
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                let mut v = vec![left.sexpr()];
                for (op, c) in ops.iter().zip(comparators) {
                    v.push(atom(op.symbol().replace(' ', "-")));
                    v.push(c.sexpr());
                }
                list("cmp", v)
            }
            ExprKind::IfExp { test, body, orelse } => {
                list("ifexp", [test.sexpr(), body.sexpr(), orelse.sexpr()])
            }
            ExprKind::Lambda { params, body } => list("lambda", [params.sexpr(), body.sexpr()]),
            ExprKind::Call { func, args } => list(
                "call",
                [func.sexpr()]
                    .into_iter()
                    .chain(args.iter().map(|a| a.sexpr())),
            ),
            ExprKind::Attribute { value, attr } => list(".", [value.sexpr(), atom(attr)]),
            ExprKind::Subscript { value, index } => list("[]", [value.sexpr(), index.sexpr()]),
            ExprKind::Slice { lower, upper, step } => {
                list("slice", [opt(lower), opt(upper), opt(step)])
            }
            ExprKind::Starred(e) => list("*", [e.sexpr()]),
            ExprKind::Tuple(es) => list("tuple", es.iter().map(|e| e.sexpr())),
            ExprKind::List(es) => list("list", es.iter().map(|e| e.sexpr())),
            ExprKind::Set(es) => list("set", es.iter().map(|e| e.sexpr())),
            ExprKind::Dict(items) => list(
                "dict",
                items.iter().map(|i| match i {
                    DictItem::Pair(k, v) => S::List(vec![k.sexpr(), v.sexpr()]),
                    DictItem::Unpack(e) => list("**", [e.sexpr()]),
                }),
            ),
            ExprKind::ListComp { elt, generators: g } => {
                list("listcomp", [elt.sexpr()].into_iter().chain(generators(g)))
            }
            ExprKind::SetComp { elt, generators: g } => {
                list("setcomp", [elt.sexpr()].into_iter().chain(generators(g)))
            }
            ExprKind::GeneratorExp { elt, generators: g } => {
                list("genexp", [elt.sexpr()].into_iter().chain(generators(g)))
            }
            ExprKind::DictComp {
                key,
                value,
                generators: g,
            } => list(
                "dictcomp",
                [key.sexpr(), value.sexpr()]
                    .into_iter()
                    .chain(generators(g)),
            ),
        }
    }
}
