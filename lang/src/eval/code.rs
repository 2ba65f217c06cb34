//! The resolved program the interpreter walks: the AST with every name
//! turned into a frame slot, a closure cell, a global index or a class-body
//! name, decided once by [`Resolver`] instead of hashed on every access.
//!
//! Scopes follow Python: a function's locals are the names it binds (minus
//! `global`/`nonlocal` ones); names bound in an enclosing function and read
//! by an inner one become cells; comprehension variables live in fresh slots
//! of the current frame, so they do not leak; everything else is global.

use super::value::Value;
use crate::syntax::ast::{self, BinOp, CmpOp, ExprKind, StmtKind, UnaryOp};
use crate::syntax::Span;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A cell or file: its name in tracebacks and its text.
pub struct Source {
    pub name: String,
    pub text: String,
}

pub enum Ex {
    Const(Value),
    Local(u32),
    Free(u32),
    Global(u32, Span),
    /// A name bound in the class body being executed (else the global).
    ClassName(Rc<str>, u32),
    Bin(Box<(Ex, Ex)>, BinOp, Span),
    /// `left op <int literal>` (`i % 7`, `n - 1`): the constant is not
    /// cloned out of an expression.
    BinInt(Box<Ex>, i64, BinOp, Span),
    Unary(UnaryOp, Box<Ex>, Span),
    And(Vec<Ex>),
    Or(Vec<Ex>),
    Compare(Box<Ex>, Vec<(CmpOp, Ex)>, Span),
    /// `left op <int literal>` with one comparison (`n < 2`).
    CmpInt(Box<Ex>, i64, CmpOp, Span),
    IfExp(Box<(Ex, Ex, Ex)>),
    MakeFunction(Rc<MakeFn>),
    Call(Box<Ex>, Vec<ArgX>, Span),
    /// A call with positional arguments only (no `*`, keywords or `**`).
    CallPos(Box<Ex>, Vec<Ex>, Span),
    /// `obj.name(args)`: no bound-method object is built.
    Method(Box<Ex>, Rc<str>, Vec<ArgX>, Span),
    Attr(Box<Ex>, Rc<str>, Span),
    Subscript(Box<(Ex, Ex)>, Span),
    Slice(Box<[Option<Ex>; 3]>),
    Tuple(Vec<Ex>),
    List(Vec<Ex>),
    Set(Vec<Ex>),
    /// `None` key: `**mapping`.
    Dict(Vec<(Option<Ex>, Ex)>),
    Starred(Box<Ex>, Span),
    Comp(Box<Comp>),
    FString(Vec<FPart>),
    /// Zero-argument `super()` inside a method.
    Super(Span),
}

pub enum ArgX {
    Pos(Ex),
    Star(Ex),
    Kw(Rc<str>, Ex),
    DStar(Ex),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Gen,
    Dict,
}

pub struct Comp {
    pub kind: CompKind,
    pub elt: Ex,
    pub value: Option<Ex>,
    pub gens: Vec<(Target, Ex, Vec<Ex>)>,
}

pub enum FPart {
    Lit(Rc<str>),
    Field(Ex, Option<char>, Option<Vec<FPart>>),
}

pub enum Capture {
    Local(u32),
    Free(u32),
}

pub struct MakeFn {
    pub code: Rc<FuncCode>,
    pub defaults: Vec<Ex>,
    pub kwdefaults: Vec<Option<Ex>>,
    pub captures: Vec<Capture>,
}

pub struct FuncCode {
    pub name: Rc<str>,
    /// Positional-or-keyword parameters: slots `0..params.len()`.
    pub params: Vec<Rc<str>>,
    /// Keyword-only parameters: the slots after the positional ones.
    pub kwonly: Vec<Rc<str>>,
    pub vararg: Option<u32>,
    pub kwarg: Option<u32>,
    pub nslots: u32,
    /// Slots that hold cells (captured by inner functions).
    pub cells: Vec<u32>,
    pub body: Vec<St>,
    pub source: Rc<Source>,
    pub doc: Option<Rc<str>>,
    pub is_lambda: bool,
    /// Positional parameters only (no `*args`, `**kwargs`, keyword-only):
    /// a call with that many positional arguments binds them in order.
    pub simple: bool,
    /// The body yields: a call makes a generator instead of running it.
    pub generator: bool,
}

pub enum Target {
    Local(u32),
    Free(u32),
    Global(u32),
    ClassName(Rc<str>),
    Attr(Ex, Rc<str>, Span),
    Subscript(Ex, Ex, Span),
    /// Tuple/list unpacking; the index of a `*rest` target if any.
    Seq(Vec<Target>, Option<usize>, Span),
}

pub struct St {
    pub kind: StK,
    pub span: Span,
}

pub struct Handler {
    pub typ: Option<Ex>,
    pub name: Option<Target>,
    pub body: Vec<St>,
}

pub enum StK {
    Expr(Ex),
    Assign(Vec<Target>, Ex),
    AugAssign(Target, BinOp, Ex),
    If(Vec<(Ex, Vec<St>)>, Vec<St>),
    For(Target, Ex, Vec<St>, Vec<St>),
    While(Ex, Vec<St>, Vec<St>),
    Break,
    Continue,
    Pass,
    Return(Option<Ex>),
    /// `name: annotation [= value]` in a class body.
    Annotate(Box<Annotation>),
    /// `[target =] yield [value]` or `yield from value` (the flag).
    Yield(Option<Target>, Option<Ex>, bool),
    Def(Target, Ex, Vec<Ex>),
    Class {
        target: Target,
        name: Rc<str>,
        bases: Vec<ArgX>,
        body: Vec<St>,
        doc: Option<Rc<str>>,
        decorators: Vec<Ex>,
    },
    With(Vec<(Ex, Option<Target>)>, Vec<St>),
    Assert(Ex, Option<Ex>),
    Try {
        body: Vec<St>,
        handlers: Vec<Handler>,
        orelse: Vec<St>,
        finalbody: Vec<St>,
    },
    Raise(Option<Ex>, Option<Ex>),
    Delete(Vec<Target>),
    /// `import a.b as c`: module path, target, whether `a` (not `a.b`) is bound.
    Import(Rc<str>, Target, bool),
    /// `from m import a as b`: module path, (name, target) pairs; empty = `*`.
    ImportFrom(Rc<str>, Vec<(Rc<str>, Target)>),
}

/// `name: annotation [= value]` in a class body: the annotation (its value,
/// or its source text where it cannot be evaluated, e.g. `Optional[int]`
/// without `typing`) goes into the class's `__annotations__`, then the
/// assignment runs.
pub struct Annotation {
    pub name: Rc<str>,
    pub value: Ex,
    pub text: Rc<str>,
    pub assign: Option<Box<(Target, Ex)>>,
}

/// The global table the resolver interns names into (owned by the interpreter).
pub trait Globals {
    fn intern(&mut self, name: &str) -> u32;
}

#[derive(PartialEq)]
enum ScopeKind {
    Module,
    Function,
}

struct Scope {
    kind: ScopeKind,
    locals: HashMap<String, u32>,
    globals: HashSet<String>,
    nslots: u32,
    cells: HashSet<u32>,
    frees: Vec<(String, Capture)>,
    blocks: Vec<HashMap<String, u32>>,
    /// Names bound in each class body being resolved in this scope.
    classes: Vec<HashSet<String>>,
    /// Whether we are inside a method (`super()` is allowed).
    in_method: bool,
}

impl Scope {
    fn new(kind: ScopeKind) -> Scope {
        Scope {
            kind,
            locals: HashMap::new(),
            globals: HashSet::new(),
            nslots: 0,
            cells: HashSet::new(),
            frees: Vec::new(),
            blocks: Vec::new(),
            classes: Vec::new(),
            in_method: false,
        }
    }

    fn slot(&mut self, name: &str) -> u32 {
        if let Some(&s) = self.locals.get(name) {
            return s;
        }
        let s = self.nslots;
        self.nslots += 1;
        self.locals.insert(name.to_string(), s);
        s
    }

    fn fresh(&mut self) -> u32 {
        self.nslots += 1;
        self.nslots - 1
    }
}

pub struct Resolver<'g> {
    globals: &'g mut dyn Globals,
    scopes: Vec<Scope>,
    source: Rc<Source>,
}

/// The resolved module: its statements and the slots its frame needs.
pub struct ModuleCode {
    pub body: Vec<St>,
    pub nslots: u32,
    pub cells: Vec<u32>,
}

pub fn resolve_module(
    m: &ast::Module,
    source: Rc<Source>,
    globals: &mut dyn Globals,
) -> ModuleCode {
    let mut r = Resolver {
        globals,
        scopes: vec![Scope::new(ScopeKind::Module)],
        source,
    };
    let body = r.block(&m.body);
    let scope = r.scopes.pop().expect("module scope");
    let mut cells: Vec<u32> = scope.cells.into_iter().collect();
    cells.sort();
    ModuleCode {
        body,
        nslots: scope.nslots,
        cells,
    }
}

fn docstring(body: &[ast::Stmt]) -> Option<Rc<str>> {
    match body.first().map(|s| &s.kind) {
        Some(StmtKind::Expr(ast::Expr {
            kind: ExprKind::Str(s),
            ..
        })) => Some(Rc::from(s.as_str())),
        _ => None,
    }
}

/// Whether a block yields (not descending into nested scopes).
fn yields(body: &[ast::Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Yield { .. } => true,
        StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
            yields(body) || yields(orelse)
        }
        StmtKind::If { branches, orelse } => {
            branches.iter().any(|b| yields(&b.body)) || yields(orelse)
        }
        StmtKind::With { body, .. } => yields(body),
        StmtKind::Try(t) => {
            yields(&t.body)
                || t.handlers.iter().any(|h| yields(&h.body))
                || yields(&t.orelse)
                || yields(&t.finalbody)
        }
        _ => false,
    })
}

/// Names a block binds (not descending into nested scopes).
fn bound_names(body: &[ast::Stmt], out: &mut Vec<String>, globals: &mut HashSet<String>) {
    for s in body {
        match &s.kind {
            StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| target_names(t, out)),
            StmtKind::AugAssign { target, .. } | StmtKind::AnnAssign { target, .. } => {
                target_names(target, out)
            }
            StmtKind::For {
                target,
                body,
                orelse,
                ..
            } => {
                target_names(target, out);
                bound_names(body, out, globals);
                bound_names(orelse, out, globals);
            }
            StmtKind::While { body, orelse, .. } => {
                bound_names(body, out, globals);
                bound_names(orelse, out, globals);
            }
            StmtKind::If { branches, orelse } => {
                for b in branches {
                    bound_names(&b.body, out, globals);
                }
                bound_names(orelse, out, globals);
            }
            StmtKind::FunctionDef(f) => out.push(f.name.clone()),
            StmtKind::ClassDef(c) => out.push(c.name.clone()),
            StmtKind::With { items, body } => {
                for i in items {
                    if let Some(t) = &i.target {
                        target_names(t, out);
                    }
                }
                bound_names(body, out, globals);
            }
            StmtKind::Try(t) => {
                bound_names(&t.body, out, globals);
                for h in &t.handlers {
                    if let Some(n) = &h.name {
                        out.push(n.clone());
                    }
                    bound_names(&h.body, out, globals);
                }
                bound_names(&t.orelse, out, globals);
                bound_names(&t.finalbody, out, globals);
            }
            StmtKind::Delete(ts) => ts.iter().for_each(|t| target_names(t, out)),
            StmtKind::Yield {
                target: Some(t), ..
            } => target_names(t, out),
            StmtKind::Global(ns) => globals.extend(ns.iter().cloned()),
            // Nonlocal names are bound elsewhere: mark them so they are not locals.
            StmtKind::Nonlocal(ns) => globals.extend(ns.iter().map(|n| format!("\0{n}"))),
            StmtKind::Import(aliases) => {
                for a in aliases {
                    out.push(match &a.asname {
                        Some(n) => n.clone(),
                        None => a.name.split('.').next().unwrap_or("").to_string(),
                    });
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    out.push(a.asname.clone().unwrap_or_else(|| a.name.clone()));
                }
            }
            _ => {}
        }
    }
}

fn target_names(t: &ast::Expr, out: &mut Vec<String>) {
    match &t.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::Tuple(v) | ExprKind::List(v) => v.iter().for_each(|e| target_names(e, out)),
        ExprKind::Starred(e) => target_names(e, out),
        _ => {}
    }
}

impl Resolver<'_> {
    fn top(&mut self) -> &mut Scope {
        self.scopes.last_mut().expect("a scope")
    }

    fn block(&mut self, body: &[ast::Stmt]) -> Vec<St> {
        body.iter().map(|s| self.stmt(s)).collect()
    }

    /// Finds `name` bound in scope `depth` or further out, marking cells and
    /// threading free variables through the scopes in between.
    fn capture(&mut self, name: &str, depth: usize) -> Option<Capture> {
        let scope = &mut self.scopes[depth];
        for b in scope.blocks.iter().rev() {
            if let Some(&s) = b.get(name) {
                scope.cells.insert(s);
                return Some(Capture::Local(s));
            }
        }
        if scope.kind == ScopeKind::Module || scope.globals.contains(name) {
            return None;
        }
        if let Some(&s) = scope.locals.get(name) {
            scope.cells.insert(s);
            return Some(Capture::Local(s));
        }
        if let Some(i) = scope.frees.iter().position(|(n, _)| n == name) {
            return Some(Capture::Free(i as u32));
        }
        let outer = self.capture(name, depth.checked_sub(1)?)?;
        let scope = &mut self.scopes[depth];
        scope.frees.push((name.to_string(), outer));
        Some(Capture::Free(scope.frees.len() as u32 - 1))
    }

    fn load(&mut self, name: &str, span: Span) -> Ex {
        match self.lookup(name) {
            Resolved::Local(s) => Ex::Local(s),
            Resolved::Free(s) => Ex::Free(s),
            Resolved::Global(g) => Ex::Global(g, span),
            Resolved::Class(g) => Ex::ClassName(Rc::from(name), g),
        }
    }

    fn lookup(&mut self, name: &str) -> Resolved {
        let depth = self.scopes.len() - 1;
        let scope = &self.scopes[depth];
        for b in scope.blocks.iter().rev() {
            if let Some(&s) = b.get(name) {
                return Resolved::Local(s);
            }
        }
        if let Some(c) = scope.classes.last() {
            if c.contains(name) {
                return Resolved::Class(self.globals.intern(name));
            }
        }
        if scope.kind == ScopeKind::Function && !scope.globals.contains(name) {
            if let Some(&s) = scope.locals.get(name) {
                return Resolved::Local(s);
            }
            if depth > 0 {
                if let Some(c) = self.capture(name, depth) {
                    return match c {
                        Capture::Local(s) => Resolved::Local(s),
                        Capture::Free(s) => Resolved::Free(s),
                    };
                }
            }
        }
        Resolved::Global(self.globals.intern(name))
    }

    fn store(&mut self, name: &str) -> Target {
        match self.lookup(name) {
            Resolved::Local(s) => Target::Local(s),
            Resolved::Free(s) => Target::Free(s),
            Resolved::Global(g) => Target::Global(g),
            Resolved::Class(_) => Target::ClassName(Rc::from(name)),
        }
    }

    fn target(&mut self, e: &ast::Expr) -> Target {
        match &e.kind {
            ExprKind::Name(n) => self.store(n),
            ExprKind::Attribute { value, attr } => {
                Target::Attr(self.expr(value), Rc::from(attr.as_str()), e.span)
            }
            ExprKind::Subscript { value, index } => {
                Target::Subscript(self.expr(value), self.expr(index), e.span)
            }
            ExprKind::Tuple(v) | ExprKind::List(v) => {
                let star = v
                    .iter()
                    .position(|x| matches!(x.kind, ExprKind::Starred(_)));
                let ts = v
                    .iter()
                    .map(|x| match &x.kind {
                        ExprKind::Starred(inner) => self.target(inner),
                        _ => self.target(x),
                    })
                    .collect();
                Target::Seq(ts, star, e.span)
            }
            ExprKind::Starred(inner) => self.target(inner),
            // The parser rejects other targets; keep a harmless fallback.
            _ => Target::Subscript(Ex::Const(Value::None), Ex::Const(Value::None), e.span),
        }
    }

    fn stmt(&mut self, s: &ast::Stmt) -> St {
        let kind = match &s.kind {
            StmtKind::Expr(e) => StK::Expr(self.expr(e)),
            StmtKind::Assign { targets, value } => {
                let v = self.expr(value);
                StK::Assign(targets.iter().map(|t| self.target(t)).collect(), v)
            }
            StmtKind::AugAssign { target, op, value } => {
                let v = self.expr(value);
                StK::AugAssign(self.target(target), *op, v)
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                let assign = value.as_ref().map(|v| {
                    let v = self.expr(v);
                    Box::new((self.target(target), v))
                });
                match (&target.kind, self.top().classes.is_empty()) {
                    // In a class body the annotation is recorded (as its
                    // source text, unevaluated) for `@dataclass`.
                    (ExprKind::Name(n), false) => {
                        let span = annotation.span;
                        let text = self
                            .source
                            .text
                            .get(span.start..span.end)
                            .unwrap_or("")
                            .to_string();
                        let ann = self.expr(annotation);
                        StK::Annotate(Box::new(Annotation {
                            name: Rc::from(n.as_str()),
                            value: ann,
                            text: Rc::from(text),
                            assign,
                        }))
                    }
                    _ => match assign {
                        Some(a) => {
                            let (t, v) = *a;
                            StK::Assign(vec![t], v)
                        }
                        None => StK::Pass,
                    },
                }
            }
            StmtKind::If { branches, orelse } => StK::If(
                branches
                    .iter()
                    .map(|b| (self.expr(&b.test), self.block(&b.body)))
                    .collect(),
                self.block(orelse),
            ),
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let it = self.expr(iter);
                StK::For(
                    self.target(target),
                    it,
                    self.block(body),
                    self.block(orelse),
                )
            }
            StmtKind::While { test, body, orelse } => {
                StK::While(self.expr(test), self.block(body), self.block(orelse))
            }
            StmtKind::Break => StK::Break,
            StmtKind::Continue => StK::Continue,
            StmtKind::Pass | StmtKind::Global(_) | StmtKind::Nonlocal(_) => StK::Pass,
            StmtKind::FunctionDef(f) => {
                let decorators = f.decorators.iter().map(|d| self.expr(d)).collect();
                let in_class = !self.top().classes.is_empty();
                let mk = self.function(&f.name, &f.params, Body::Block(&f.body), in_class);
                StK::Def(self.store(&f.name), Ex::MakeFunction(mk), decorators)
            }
            StmtKind::Return(v) => StK::Return(v.as_ref().map(|e| self.expr(e))),
            StmtKind::Yield {
                target,
                value,
                from,
            } => {
                let value = value.as_ref().map(|e| self.expr(e));
                StK::Yield(target.as_ref().map(|t| self.target(t)), value, *from)
            }
            StmtKind::ClassDef(c) => {
                let decorators = c.decorators.iter().map(|d| self.expr(d)).collect();
                let bases = c.bases.iter().map(|a| self.arg(a)).collect();
                let mut names = Vec::new();
                let mut globals = HashSet::new();
                bound_names(&c.body, &mut names, &mut globals);
                self.top().classes.push(names.into_iter().collect());
                let body = self.block(&c.body);
                self.top().classes.pop();
                StK::Class {
                    target: self.store(&c.name),
                    name: Rc::from(c.name.as_str()),
                    bases,
                    body,
                    doc: docstring(&c.body),
                    decorators,
                }
            }
            StmtKind::With { items, body } => StK::With(
                items
                    .iter()
                    .map(|i| {
                        (
                            self.expr(&i.context),
                            i.target.as_ref().map(|t| self.target(t)),
                        )
                    })
                    .collect(),
                self.block(body),
            ),
            StmtKind::Assert { test, msg } => {
                StK::Assert(self.expr(test), msg.as_ref().map(|m| self.expr(m)))
            }
            StmtKind::Try(t) => StK::Try {
                body: self.block(&t.body),
                handlers: t
                    .handlers
                    .iter()
                    .map(|h| Handler {
                        typ: h.typ.as_ref().map(|e| self.expr(e)),
                        name: h.name.as_ref().map(|n| self.store(n)),
                        body: self.block(&h.body),
                    })
                    .collect(),
                orelse: self.block(&t.orelse),
                finalbody: self.block(&t.finalbody),
            },
            StmtKind::Raise { exc, cause } => StK::Raise(
                exc.as_ref().map(|e| self.expr(e)),
                cause.as_ref().map(|e| self.expr(e)),
            ),
            StmtKind::Delete(ts) => StK::Delete(ts.iter().map(|t| self.target(t)).collect()),
            StmtKind::Import(aliases) => {
                // Several aliases become consecutive statements in one block.
                let mut parts: Vec<St> = aliases
                    .iter()
                    .map(|a| {
                        let (bind, top) = match &a.asname {
                            Some(n) => (n.clone(), false),
                            None => (a.name.split('.').next().unwrap_or("").to_string(), true),
                        };
                        St {
                            kind: StK::Import(Rc::from(a.name.as_str()), self.store(&bind), top),
                            span: a.span,
                        }
                    })
                    .collect();
                if parts.len() == 1 {
                    return parts.pop().expect("one import");
                }
                StK::If(vec![(Ex::Const(Value::Bool(true)), parts)], vec![])
            }
            StmtKind::ImportFrom { module, names } => StK::ImportFrom(
                Rc::from(module.as_str()),
                names
                    .iter()
                    .filter(|a| a.name != "*")
                    .map(|a| {
                        let bind = a.asname.clone().unwrap_or_else(|| a.name.clone());
                        (Rc::from(a.name.as_str()), self.store(&bind))
                    })
                    .collect(),
            ),
        };
        St { kind, span: s.span }
    }

    fn function(
        &mut self,
        name: &str,
        params: &ast::Params,
        body: Body,
        in_class: bool,
    ) -> Rc<MakeFn> {
        // Defaults are evaluated in the enclosing scope, at definition time.
        let defaults = params
            .args
            .iter()
            .filter_map(|p| p.default.as_ref())
            .map(|d| self.expr(d))
            .collect();
        let kwdefaults = params
            .kwonly
            .iter()
            .map(|p| p.default.as_ref().map(|d| self.expr(d)))
            .collect();
        let mut scope = Scope::new(ScopeKind::Function);
        scope.in_method = in_class || self.top().in_method;
        let pnames: Vec<Rc<str>> = params
            .args
            .iter()
            .map(|p| Rc::from(p.name.as_str()))
            .collect();
        for p in &params.args {
            scope.slot(&p.name);
        }
        let kwonly: Vec<Rc<str>> = params
            .kwonly
            .iter()
            .map(|p| Rc::from(p.name.as_str()))
            .collect();
        for p in &params.kwonly {
            scope.slot(&p.name);
        }
        let vararg = params.vararg.as_ref().map(|p| scope.slot(&p.name));
        let kwarg = params.kwarg.as_ref().map(|p| scope.slot(&p.name));
        let mut names = Vec::new();
        if let Body::Block(b) = body {
            bound_names(b, &mut names, &mut scope.globals);
        }
        let nonlocals: Vec<String> = scope
            .globals
            .iter()
            .filter_map(|g| g.strip_prefix('\0').map(String::from))
            .collect();
        scope.globals.retain(|g| !g.starts_with('\0'));
        for n in names {
            if !scope.globals.contains(&n) && !nonlocals.contains(&n) {
                scope.slot(&n);
            }
        }
        self.scopes.push(scope);
        let generator = matches!(body, Body::Block(b) if yields(b));
        let (body, doc, is_lambda) = match body {
            Body::Block(b) => (self.block(b), docstring(b), false),
            Body::Expr(e) => {
                let ex = self.expr(e);
                (
                    vec![St {
                        kind: StK::Return(Some(ex)),
                        span: e.span,
                    }],
                    None,
                    true,
                )
            }
        };
        let scope = self.scopes.pop().expect("function scope");
        let mut cells: Vec<u32> = scope.cells.into_iter().collect();
        cells.sort();
        let simple = vararg.is_none() && kwarg.is_none() && kwonly.is_empty();
        let code = FuncCode {
            simple,
            generator,
            name: Rc::from(name),
            params: pnames,
            kwonly,
            vararg,
            kwarg,
            nslots: scope.nslots,
            cells,
            body,
            source: self.source.clone(),
            doc,
            is_lambda,
        };
        Rc::new(MakeFn {
            code: Rc::new(code),
            defaults,
            kwdefaults,
            captures: scope.frees.into_iter().map(|(_, c)| c).collect(),
        })
    }

    fn arg(&mut self, a: &ast::Arg) -> ArgX {
        match a {
            ast::Arg::Positional(e) => ArgX::Pos(self.expr(e)),
            ast::Arg::Starred(e) => ArgX::Star(self.expr(e)),
            ast::Arg::Keyword { name, value, .. } => {
                ArgX::Kw(Rc::from(name.as_str()), self.expr(value))
            }
            ast::Arg::DoubleStarred(e) => ArgX::DStar(self.expr(e)),
        }
    }

    fn exprs(&mut self, v: &[ast::Expr]) -> Vec<Ex> {
        v.iter().map(|e| self.expr(e)).collect()
    }

    fn fparts(&mut self, parts: &[ast::FStringPart]) -> Vec<FPart> {
        parts
            .iter()
            .map(|p| match p {
                ast::FStringPart::Literal(s) => FPart::Lit(Rc::from(s.as_str())),
                ast::FStringPart::Field {
                    value,
                    conversion,
                    spec,
                } => FPart::Field(
                    self.expr(value),
                    *conversion,
                    spec.as_ref().map(|s| self.fparts(s)),
                ),
            })
            .collect()
    }

    fn comp(
        &mut self,
        kind: CompKind,
        elt: &ast::Expr,
        value: Option<&ast::Expr>,
        gens: &[ast::Comprehension],
    ) -> Ex {
        let mut out = Vec::new();
        let mut pushed = 0;
        for g in gens {
            // The first iterable is evaluated in the enclosing scope.
            let iter = self.expr(&g.iter);
            let mut names = Vec::new();
            target_names(&g.target, &mut names);
            let mut block = HashMap::new();
            for n in names {
                let s = self.top().fresh();
                block.insert(n, s);
            }
            self.top().blocks.push(block);
            pushed += 1;
            let t = self.target(&g.target);
            let ifs = self.exprs(&g.ifs);
            out.push((t, iter, ifs));
        }
        let elt = self.expr(elt);
        let value = value.map(|v| self.expr(v));
        for _ in 0..pushed {
            self.top().blocks.pop();
        }
        Ex::Comp(Box::new(Comp {
            kind,
            elt,
            value,
            gens: out,
        }))
    }

    fn expr(&mut self, e: &ast::Expr) -> Ex {
        let sp = e.span;
        match &e.kind {
            ExprKind::Name(n) => self.load(n, sp),
            ExprKind::Int(i) => Ex::Const(Value::Int(*i)),
            ExprKind::Float(f) => Ex::Const(Value::Float(*f)),
            ExprKind::Str(s) => Ex::Const(Value::str(s)),
            ExprKind::Bool(b) => Ex::Const(Value::Bool(*b)),
            ExprKind::None => Ex::Const(Value::None),
            ExprKind::Ellipsis => Ex::Const(Value::Ellipsis),
            ExprKind::FString(parts) => Ex::FString(self.fparts(parts)),
            ExprKind::BinOp { left, op, right } => match (self.expr(left), self.expr(right)) {
                (l, Ex::Const(Value::Int(b))) => Ex::BinInt(Box::new(l), b, *op, sp),
                (l, r) => Ex::Bin(Box::new((l, r)), *op, sp),
            },
            ExprKind::UnaryOp { op, operand } => Ex::Unary(*op, Box::new(self.expr(operand)), sp),
            ExprKind::BoolOp { op, values } => match op {
                ast::BoolOp::And => Ex::And(self.exprs(values)),
                ast::BoolOp::Or => Ex::Or(self.exprs(values)),
            },
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                let l = self.expr(left);
                let mut rest: Vec<(CmpOp, Ex)> = ops
                    .iter()
                    .zip(comparators)
                    .map(|(o, c)| (*o, self.expr(c)))
                    .collect();
                match rest.as_slice() {
                    [(op, Ex::Const(Value::Int(b)))] => Ex::CmpInt(Box::new(l), *b, *op, sp),
                    _ => Ex::Compare(Box::new(l), std::mem::take(&mut rest), sp),
                }
            }
            ExprKind::IfExp { test, body, orelse } => Ex::IfExp(Box::new((
                self.expr(test),
                self.expr(body),
                self.expr(orelse),
            ))),
            ExprKind::Lambda { params, body } => {
                Ex::MakeFunction(self.function("<lambda>", params, Body::Expr(body), false))
            }
            ExprKind::Call { func, args } => {
                if let ExprKind::Name(n) = &func.kind {
                    if n == "super" && args.is_empty() && self.top().in_method {
                        return Ex::Super(sp);
                    }
                }
                let argx: Vec<ArgX> = args.iter().map(|a| self.arg(a)).collect();
                if let ExprKind::Attribute { value, attr } = &func.kind {
                    return Ex::Method(
                        Box::new(self.expr(value)),
                        Rc::from(attr.as_str()),
                        argx,
                        sp,
                    );
                }
                let func = Box::new(self.expr(func));
                if argx.iter().all(|a| matches!(a, ArgX::Pos(_))) {
                    let pos = argx
                        .into_iter()
                        .filter_map(|a| match a {
                            ArgX::Pos(e) => Some(e),
                            _ => None,
                        })
                        .collect();
                    return Ex::CallPos(func, pos, sp);
                }
                Ex::Call(func, argx, sp)
            }
            ExprKind::Attribute { value, attr } => {
                Ex::Attr(Box::new(self.expr(value)), Rc::from(attr.as_str()), sp)
            }
            ExprKind::Subscript { value, index } => {
                Ex::Subscript(Box::new((self.expr(value), self.expr(index))), sp)
            }
            ExprKind::Slice { lower, upper, step } => Ex::Slice(Box::new([
                lower.as_ref().map(|x| self.expr(x)),
                upper.as_ref().map(|x| self.expr(x)),
                step.as_ref().map(|x| self.expr(x)),
            ])),
            ExprKind::Starred(x) => Ex::Starred(Box::new(self.expr(x)), sp),
            ExprKind::Tuple(v) => Ex::Tuple(self.exprs(v)),
            ExprKind::List(v) => Ex::List(self.exprs(v)),
            ExprKind::Set(v) => Ex::Set(self.exprs(v)),
            ExprKind::Dict(items) => Ex::Dict(
                items
                    .iter()
                    .map(|i| match i {
                        ast::DictItem::Pair(k, v) => (Some(self.expr(k)), self.expr(v)),
                        ast::DictItem::Unpack(m) => (None, self.expr(m)),
                    })
                    .collect(),
            ),
            ExprKind::ListComp { elt, generators } => {
                self.comp(CompKind::List, elt, None, generators)
            }
            ExprKind::SetComp { elt, generators } => {
                self.comp(CompKind::Set, elt, None, generators)
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comp(CompKind::Gen, elt, None, generators)
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comp(CompKind::Dict, key, Some(value), generators),
        }
    }
}

enum Resolved {
    Local(u32),
    Free(u32),
    Global(u32),
    Class(u32),
}

enum Body<'a> {
    Block(&'a [ast::Stmt]),
    Expr(&'a ast::Expr),
}
