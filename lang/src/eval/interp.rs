//! The tree-walking evaluator over resolved code ([`super::code`]):
//! statements, expressions, assignment targets, comprehensions, `with`,
//! `try`, imports. Operators live in `ops`, attribute access in `class`,
//! calls in `call`, printing in `format`.

use super::call::Args;
use super::code::{CompKind, Ex, FPart, MakeFn, St, StK, Target};
use super::dict::{Dict, Key};
use super::error::{exc, make_exception, type_error, PyErr, PyResult};
use super::generator::{Resume, Suspended};
use super::value::{Class, ClassKind, Function, Value};
use crate::protocol::Callable;
use crate::syntax::Span;
use crate::OutputSink;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Loop iterations and calls between two looks at the interrupt flag.
const TICKS_PER_CHECK: u32 = 1024;

/// Control flow out of a block.
pub enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
    /// A generator's `yield`: the value and where to resume wait in
    /// `Interp::yielded`, where each enclosing statement adds its place
    /// (kept out of `Flow`, which stays two words, returned in registers).
    Yield,
}

/// One activation: its slots and the function it runs (None at module level).
/// The function is borrowed from the caller, which holds it for the call.
pub struct Frame<'a> {
    pub slots: Vec<Value>,
    pub func: Option<&'a Rc<Function>>,
}

pub struct Interp {
    pub globals: Vec<Value>,
    pub names: Vec<Rc<str>>,
    pub index: HashMap<Rc<str>, u32>,
    /// The builtin each global index falls back to (Unbound: none).
    pub builtin_cache: Vec<Value>,
    pub builtins: HashMap<Rc<str>, Value>,
    /// Importable modules by dotted name.
    pub modules: HashMap<String, Value>,
    pub depth: usize,
    /// Containers whose repr is being built (by address): one met again
    /// inside itself prints as `[...]`, as CPython's reprs do.
    pub repr_active: Vec<usize>,
    pub out: Box<dyn OutputSink>,
    pub interrupt: Arc<AtomicBool>,
    /// Loop iterations and calls left before a `RuntimeError` (tests use it).
    pub step_limit: Option<u64>,
    pub steps: u64,
    /// Ticks before the next look at the interrupt flag (without a step
    /// limit the flag is read every [`TICKS_PER_CHECK`] ticks).
    ticks_left: u32,
    pub class_ns: Vec<Rc<Class>>,
    /// The exception being handled (for bare `raise`).
    pub handling: Vec<Value>,
    /// The `yield` travelling out of a generator's body (see [`Flow::Yield`]).
    pub(super) yielded: Option<Suspended>,
    /// What the suspended `yield` a generator step resumes receives:
    /// `send()`'s value or `throw()`'s (and `close()`'s) exception.
    pub(super) sent: Option<super::generator::Sent>,
    pub argv: Vec<String>,
    /// Slot vectors of finished frames, reused so that a call does not
    /// allocate.
    pub slot_pool: Vec<Vec<Value>>,
    /// The classes of the built-in types (their dicts hold the methods).
    pub types: TypeClasses,
    /// State the library keeps per interpreter (progress bars, display
    /// ids, ...), by type.
    pub ext: HashMap<std::any::TypeId, Box<dyn std::any::Any>>,
}

/// The classes of Python's built-in types. The evaluator makes them empty;
/// the library fills their dicts with methods (`list.append`, `str.split`)
/// and their constructors.
pub struct TypeClasses {
    pub object: Rc<Class>,
    pub type_: Rc<Class>,
    pub none: Rc<Class>,
    pub bool: Rc<Class>,
    pub int: Rc<Class>,
    pub float: Rc<Class>,
    pub str: Rc<Class>,
    pub list: Rc<Class>,
    pub tuple: Rc<Class>,
    pub dict: Rc<Class>,
    pub set: Rc<Class>,
    pub range: Rc<Class>,
    pub slice: Rc<Class>,
    pub module: Rc<Class>,
    pub function: Rc<Class>,
    pub method: Rc<Class>,
    pub builtin: Rc<Class>,
    pub iterator: Rc<Class>,
    pub generator: Rc<Class>,
    /// `super().__init__` where no base defines one.
    pub noop: Rc<dyn Callable>,
    /// The `NotImplemented` singleton a binary dunder returns to decline.
    pub not_implemented: Value,
}

impl TypeClasses {
    fn new() -> TypeClasses {
        let object = Class::new("object", vec![], ClassKind::Object, "builtins");
        let c = |name: &str| Class::new(name, vec![object.clone()], ClassKind::Object, "builtins");
        let int = c("int");
        TypeClasses {
            type_: c("type"),
            none: c("NoneType"),
            bool: Class::new("bool", vec![int.clone()], ClassKind::Object, "builtins"),
            int,
            float: c("float"),
            str: c("str"),
            list: c("list"),
            tuple: c("tuple"),
            dict: c("dict"),
            set: c("set"),
            range: c("range"),
            slice: c("slice"),
            module: c("module"),
            function: c("function"),
            method: c("method"),
            builtin: c("builtin_function_or_method"),
            iterator: c("iterator"),
            generator: c("generator"),
            noop: Rc::new(NoOp),
            not_implemented: Value::instance(super::value::Instance::new(Class::new(
                "NotImplementedType",
                vec![object.clone()],
                ClassKind::Object,
                "builtins",
            ))),
            object,
        }
    }
}

/// `object.__init__`: accepts the receiver and does nothing.
struct NoOp;

impl Callable for NoOp {
    fn call(&self, _: &mut Interp, _: super::call::Args) -> PyResult<Value> {
        Ok(Value::None)
    }
    fn name(&self) -> &str {
        "__init__"
    }
    fn owner(&self) -> &str {
        "object"
    }
    fn doc(&self) -> &str {
        "Initialize self."
    }
    fn signatures(&self, _method: bool) -> Vec<String> {
        vec!["__init__(self, /)".into()]
    }
    fn keywords(&self) -> Vec<String> {
        vec![]
    }
}

impl super::code::Globals for Interp {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let n: Rc<str> = Rc::from(name);
        let i = self.globals.len() as u32;
        self.globals.push(Value::Unbound);
        self.builtin_cache
            .push(self.builtins.get(name).cloned().unwrap_or(Value::Unbound));
        self.names.push(n.clone());
        self.index.insert(n, i);
        i
    }
}

/// Pins `span` on an error that has no location in this frame yet.
#[inline]
pub fn at<T>(r: PyResult<T>, span: Span) -> PyResult<T> {
    r.map_err(|mut e| {
        if e.span.is_none() {
            e.span = Some(span);
        }
        e
    })
}

impl Interp {
    pub fn new(out: Box<dyn OutputSink>, interrupt: Arc<AtomicBool>) -> Interp {
        let mut it = Interp {
            globals: Vec::new(),
            names: Vec::new(),
            index: HashMap::new(),
            builtin_cache: Vec::new(),
            builtins: HashMap::new(),
            modules: HashMap::new(),
            depth: 0,
            repr_active: Vec::new(),
            out,
            interrupt,
            step_limit: None,
            steps: 0,
            ticks_left: TICKS_PER_CHECK,
            class_ns: Vec::new(),
            handling: Vec::new(),
            yielded: None,
            sent: None,
            argv: vec![String::new()],
            slot_pool: Vec::new(),
            types: TypeClasses::new(),
            ext: HashMap::new(),
        };
        for (name, c) in super::error::exception_classes() {
            it.builtins.insert(Rc::from(name), Value::Class(c));
        }
        let ni = it.types.not_implemented.clone();
        it.builtins.insert(Rc::from("NotImplemented"), ni);
        it
    }

    /// The library's per-interpreter state of type `T`, made on first use.
    pub fn ext<T: Default + 'static>(&mut self) -> &mut T {
        self.ext
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("keyed by its own TypeId")
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        let i = super::code::Globals::intern(self, name) as usize;
        self.globals[i] = v;
    }

    pub fn get_global(&self, name: &str) -> Option<Value> {
        let i = *self.index.get(name)? as usize;
        match &self.globals[i] {
            Value::Unbound => None,
            v => Some(v.clone()),
        }
    }

    /// Counts a loop iteration or a call: every so often (every time under
    /// a step limit) looks at the interrupt flag and the step limit.
    #[inline(always)]
    fn tick(&mut self) -> PyResult<()> {
        if self.step_limit.is_none() {
            self.ticks_left = self.ticks_left.wrapping_sub(1);
            if self.ticks_left != 0 {
                return Ok(());
            }
        }
        self.tick_slow()
    }

    #[cold]
    #[inline(never)]
    fn tick_slow(&mut self) -> PyResult<()> {
        self.ticks_left = TICKS_PER_CHECK;
        if self.interrupt.load(Ordering::Relaxed) {
            self.interrupt.store(false, Ordering::Relaxed);
            return Err(exc("KeyboardInterrupt", ""));
        }
        if let Some(limit) = self.step_limit {
            self.steps += 1;
            if self.steps > limit {
                return Err(exc("RuntimeError", "step limit exceeded"));
            }
        }
        Ok(())
    }

    pub fn exec_block(&mut self, body: &[St], f: &mut Frame) -> PyResult<Flow> {
        for s in body {
            // Between statements no container is borrowed: a due cycle
            // collection runs here.
            if super::gc::due() {
                self.statement_boundary();
            }
            match self.exec(s, f) {
                Ok(Flow::Normal) => {}
                Ok(flow) => return Ok(flow),
                Err(e) => return at(Err(e), s.span),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, s: &St, f: &mut Frame) -> PyResult<Flow> {
        match &s.kind {
            StK::Expr(e) => {
                self.eval(e, f)?;
            }
            StK::Assign(targets, value) => {
                let v = self.eval(value, f)?;
                if let [t] = targets.as_slice() {
                    self.store(t, v, f)?;
                } else {
                    for t in targets {
                        self.assign(t, v.clone(), f)?;
                    }
                }
            }
            StK::AugAssign(t, op, value) => self.aug_assign(t, *op, value, f, s.span)?,
            StK::Annotate(a) => {
                if let Some(class) = self.class_ns.last().cloned() {
                    let ann = match class.attrs.borrow().get("__annotations__") {
                        Some(d @ Value::Dict(_)) => d,
                        _ => Value::dict(Dict::new()),
                    };
                    class.set("__annotations__", ann.clone());
                    let v = self
                        .eval(&a.value, f)
                        .unwrap_or_else(|_| Value::Str(a.text.clone()));
                    self.set_item(&ann, Value::Str(a.name.clone()), v)?;
                }
                if let Some(a) = &a.assign {
                    let v = self.eval(&a.1, f)?;
                    self.store(&a.0, v, f)?;
                }
            }
            StK::If(branches, orelse) => {
                for (test, body) in branches {
                    let c = self.eval(test, f)?;
                    if self.truthy_fast(&c)? {
                        return self.exec_block(body, f);
                    }
                }
                return self.exec_block(orelse, f);
            }
            StK::For(target, iter, body, orelse) => {
                let it = self.eval(iter, f)?;
                return self.run_for(target, it, body, orelse, f);
            }
            StK::While(test, body, orelse) => return self.run_while(test, body, orelse, f),
            StK::Yield(_, value, from) => {
                let v = match value {
                    Some(e) => self.eval(e, f)?,
                    None => Value::None,
                };
                return self.start_yield(s, v, *from);
            }
            StK::Break => return Ok(Flow::Break),
            StK::Continue => return Ok(Flow::Continue),
            StK::Pass => {}
            StK::Return(v) => {
                let v = match v {
                    Some(e) => self.operand(e, f)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(v));
            }
            StK::Def(target, mk, decorators) => {
                let mut func = self.eval(mk, f)?;
                for d in decorators.iter().rev() {
                    let dv = self.eval(d, f)?;
                    func = self.call(&dv, Args::new(vec![func]))?;
                }
                self.assign(target, func, f)?;
            }
            StK::Class {
                target,
                name,
                bases,
                body,
                doc,
                decorators,
            } => {
                let args = self.eval_args(bases, f, None)?;
                let class = self.make_class(name, args.pos, doc.clone())?;
                self.class_ns.push(class.clone());
                let r = self.exec_block(body, f);
                self.class_ns.pop();
                r?;
                // Methods learn their class, for zero-argument super().
                for (_, v) in class.attrs.borrow().iter() {
                    if let Value::Function(func) = v {
                        *func.class.borrow_mut() = Some(Rc::downgrade(&class));
                    }
                }
                let mut v = Value::Class(class);
                for d in decorators.iter().rev() {
                    let dv = self.eval(d, f)?;
                    v = self.call(&dv, Args::new(vec![v]))?;
                }
                self.assign(target, v, f)?;
            }
            StK::With(items, body) => return self.exec_with(items, body, f),
            StK::Assert(test, msg) => {
                let c = self.eval(test, f)?;
                if !self.truthy(&c)? {
                    let args = match msg {
                        Some(m) => vec![self.eval(m, f)?],
                        None => vec![],
                    };
                    return Err(PyErr::new(make_exception(
                        super::error::exc_class("AssertionError"),
                        args,
                    )));
                }
            }
            StK::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => return self.exec_try(body, None, handlers, orelse, finalbody, f),
            StK::Raise(e, _cause) => {
                let v = match e {
                    Some(e) => self.eval(e, f)?,
                    None => match self.handling.last() {
                        Some(v) => v.clone(),
                        None => return Err(exc("RuntimeError", "No active exception to reraise")),
                    },
                };
                return Err(self.exception_of(v)?);
            }
            StK::Delete(targets) => {
                for t in targets {
                    self.delete(t, f)?;
                }
            }
            StK::Import(path, target, top) => {
                let m = self.import(path)?;
                let v = if *top {
                    let first = path.split('.').next().unwrap_or("");
                    self.import(first)?
                } else {
                    m
                };
                self.assign(target, v, f)?;
            }
            StK::ImportFrom(path, names) => {
                let m = self.import(path)?;
                for (n, t) in names {
                    let v = match self.get_attr(&m, n) {
                        Ok(v) => v,
                        Err(_) => match self.import(&format!("{path}.{n}")) {
                            Ok(v) => v,
                            Err(_) => {
                                return Err(exc(
                                    "ImportError",
                                    format!("cannot import name '{n}' from '{path}'"),
                                ))
                            }
                        },
                    };
                    self.assign(t, v, f)?;
                }
            }
        }
        Ok(Flow::Normal)
    }

    /// A `for` loop over `it` (an iterable, or the iterator or rest of a
    /// range a suspended generator left).
    #[inline(never)]
    pub(super) fn run_for(
        &mut self,
        target: &Target,
        it: Value,
        body: &[St],
        orelse: &[St],
        f: &mut Frame,
    ) -> PyResult<Flow> {
        // Ranges loop without an iterator object.
        if let Value::Range(r) = &it {
            let (mut i, stop, step) = **r;
            while (step > 0 && i < stop) || (step < 0 && i > stop) {
                self.tick()?;
                self.store(target, Value::Int(i), f)?;
                match self.exec_block(body, f)? {
                    Flow::Break => return Ok(Flow::Normal),
                    Flow::Return(v) => return Ok(Flow::Return(v)),
                    Flow::Yield => {
                        let rest = Value::Range(Rc::new((i + step, stop, step)));
                        return Ok(self.suspended_at(Resume::Loop(rest)));
                    }
                    Flow::Normal | Flow::Continue => {}
                }
                i += step;
            }
            return self.exec_block(orelse, f);
        }
        let iter = self.iter(&it)?;
        while let Some(v) = self.next(&iter)? {
            self.tick()?;
            self.store(target, v, f)?;
            match self.exec_block(body, f)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Yield => return Ok(self.suspended_at(Resume::Loop(iter))),
                Flow::Normal | Flow::Continue => {}
            }
        }
        self.exec_block(orelse, f)
    }

    #[inline(never)]
    pub(super) fn run_while(
        &mut self,
        test: &Ex,
        body: &[St],
        orelse: &[St],
        f: &mut Frame,
    ) -> PyResult<Flow> {
        loop {
            let c = self.eval(test, f)?;
            if !self.truthy_fast(&c)? {
                break;
            }
            self.tick()?;
            match self.exec_block(body, f)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Yield => return Ok(self.suspended_at(Resume::Loop(Value::None))),
                Flow::Normal | Flow::Continue => {}
            }
        }
        self.exec_block(orelse, f)
    }

    pub fn import(&mut self, path: &str) -> PyResult<Value> {
        self.modules.get(path).cloned().ok_or_else(|| {
            let top = path.split('.').next().unwrap_or(path);
            let hint = match top {
                "numpy" => " (tinytorch has no numpy: use tensors, e.g. torch.tensor(...), torch.zeros(...) and their methods)",
                "matplotlib" => " (tinytorch has no matplotlib: plot(values) draws line charts, show(t) a tensor, graph(loss) the autograd graph)",
                "torchvision" => " (tinytorch has no torchvision: tinytorch.datasets.MNIST reads MNIST, and models are built from torch.nn)",
                "pandas" => " (tinytorch has no pandas: keep the data in tensors, lists or dicts)",
                _ => "",
            };
            // As CPython: the first part of the dotted path that is missing.
            let mut missing = path;
            for (i, _) in path.match_indices('.') {
                if !self.modules.contains_key(&path[..i]) {
                    missing = &path[..i];
                    break;
                }
            }
            exc("ModuleNotFoundError", format!("No module named '{missing}'{hint}"))
        })
    }

    /// A raised value as an exception: an instance, or a class to instantiate.
    pub(crate) fn exception_of(&mut self, v: Value) -> PyResult<Box<PyErr>> {
        match &v {
            Value::Class(c) if c.kind == ClassKind::Exception => {
                let inst = self.call(&v, Args::default())?;
                Ok(PyErr::new(inst))
            }
            Value::Instance(i) if i.class.kind == ClassKind::Exception => Ok(PyErr::new(v)),
            _ => Err(type_error("exceptions must derive from BaseException")),
        }
    }

    /// `try` statement; `resume` continues a suspended generator's body.
    pub(super) fn exec_try(
        &mut self,
        body: &[St],
        resume: Option<(usize, &mut Vec<Resume>)>,
        handlers: &[super::code::Handler],
        orelse: &[St],
        finalbody: &[St],
        f: &mut Frame,
    ) -> PyResult<Flow> {
        let mut result = match resume {
            None => self.exec_block(body, f),
            Some((at, path)) => self.resume_block(body, at, path, f),
        };
        if let Ok(Flow::Yield) = result {
            // Suspended inside the body: handlers, else and finally wait.
            return result;
        }
        if let Err(e) = &result {
            if e.exit.is_none() {
                let err_class = e.class();
                for h in handlers {
                    let matches = match &h.typ {
                        None => true,
                        Some(t) => {
                            let tv = self.eval(t, f)?;
                            match &err_class {
                                Some(c) => exc_matches(c, &tv),
                                None => false,
                            }
                        }
                    };
                    if matches {
                        let Err(e) = std::mem::replace(&mut result, Ok(Flow::Normal)) else {
                            unreachable!("checked above")
                        };
                        if let Some(n) = &h.name {
                            self.assign(n, e.value.clone(), f)?;
                        }
                        self.handling.push(e.value.clone());
                        result = self.exec_block(&h.body, f).and_then(no_yield);
                        self.handling.pop();
                        break;
                    }
                }
            }
        } else if !orelse.is_empty() {
            if let Ok(Flow::Normal) = result {
                result = self.exec_block(orelse, f).and_then(no_yield);
            }
        }
        if !finalbody.is_empty() {
            match no_yield(self.exec_block(finalbody, f)?)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        result
    }

    pub(super) fn exec_with(
        &mut self,
        items: &[(Ex, Option<Target>)],
        body: &[St],
        f: &mut Frame,
    ) -> PyResult<Flow> {
        let Some(((ctx, target), rest)) = items.split_first() else {
            return self.exec_block(body, f);
        };
        let cm = self.eval(ctx, f)?;
        let entered = self.enter(&cm)?;
        if let Some(t) = target {
            self.assign(t, entered, f)?;
        }
        let r = self.exec_with(rest, body, f);
        self.leave_with(cm, r)
    }

    /// The end of a `with` item's block that ended with `r`: `__exit__`, or,
    /// when a generator suspended inside it, the context kept for resuming.
    pub(super) fn leave_with(&mut self, cm: Value, r: PyResult<Flow>) -> PyResult<Flow> {
        if let Ok(Flow::Yield) = r {
            return Ok(self.suspended_at(Resume::With(cm)));
        }
        let suppress = self.exit(&cm, r.as_ref().err().map(|e| e.value.clone()))?;
        match r {
            Err(_) if suppress => Ok(Flow::Normal),
            r => r,
        }
    }

    fn enter(&mut self, cm: &Value) -> PyResult<Value> {
        if let Value::Object(o) = cm {
            if let Some(v) = o.enter(self, cm)? {
                return Ok(v);
            }
        }
        match self.call_dunder(cm, "__enter__", Args::default())? {
            Some(v) => Ok(v),
            None => Err(type_error(format!(
                "'{}' object does not support the context manager protocol",
                cm.type_name()
            ))),
        }
    }

    pub(super) fn exit(&mut self, cm: &Value, err: Option<Value>) -> PyResult<bool> {
        if let Value::Object(o) = cm {
            if !self.class_of(cm).has("__exit__") {
                return o.exit(self, err.as_ref());
            }
        }
        let args = match err {
            Some(e) => {
                let t = Value::Class(self.class_of(&e));
                vec![t, e, Value::None]
            }
            None => vec![Value::None, Value::None, Value::None],
        };
        match self.call_dunder(cm, "__exit__", Args::new(args))? {
            Some(r) => self.truthy(&r),
            None => Ok(false),
        }
    }

    // ---- names and targets ----

    #[inline(always)]
    fn load_global(&self, g: u32) -> PyResult<Value> {
        let i = g as usize;
        match &self.globals[i] {
            Value::Unbound => match &self.builtin_cache[i] {
                Value::Unbound => Err(self.name_error(&self.names[i])),
                v => Ok(v.clone()),
            },
            v => Ok(v.clone()),
        }
    }

    pub fn name_error(&self, name: &str) -> Box<PyErr> {
        let mut candidates: Vec<&str> = self
            .names
            .iter()
            .zip(&self.globals)
            .filter(|(_, v)| !matches!(v, Value::Unbound))
            .map(|(n, _)| &**n)
            .collect();
        candidates.extend(self.builtins.keys().map(|k| &**k));
        let msg = match super::format::suggest(name, &candidates) {
            Some(s) => format!("name '{name}' is not defined. Did you mean: '{s}'?"),
            None => format!("name '{name}' is not defined"),
        };
        exc("NameError", msg)
    }

    /// `assign` with plain local and global names stored inline.
    #[inline(always)]
    fn store(&mut self, t: &Target, v: Value, f: &mut Frame) -> PyResult<()> {
        match t {
            Target::Local(s) => {
                let slot = &mut f.slots[*s as usize];
                if let Value::Cell(c) = slot {
                    *c.borrow_mut() = v;
                } else {
                    *slot = v;
                }
                Ok(())
            }
            Target::Global(g) => {
                self.globals[*g as usize] = v;
                Ok(())
            }
            _ => self.assign(t, v, f),
        }
    }

    pub fn assign(&mut self, t: &Target, v: Value, f: &mut Frame) -> PyResult<()> {
        match t {
            Target::Local(s) => {
                let slot = &mut f.slots[*s as usize];
                if let Value::Cell(c) = slot {
                    *c.borrow_mut() = v;
                } else {
                    *slot = v;
                }
            }
            Target::Free(i) => {
                let func = f
                    .func
                    .as_ref()
                    .expect("free variables only inside functions");
                *func.captures[*i as usize].borrow_mut() = v;
            }
            Target::Global(g) => self.globals[*g as usize] = v,
            Target::ClassName(n) => {
                let c = self.class_ns.last().expect("class body").clone();
                c.set(n, v);
            }
            Target::Attr(obj, name, span) => {
                let o = self.eval(obj, f)?;
                at(self.set_attr(&o, name, v), *span)?;
            }
            Target::Subscript(obj, idx, span) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                at(self.set_item(&o, i, v), *span)?;
            }
            Target::Seq(ts, star, span) => {
                let items = at(self.collect(&v), *span)?;
                let n = ts.len();
                match star {
                    None => {
                        if items.len() != n {
                            return at(
                                Err(exc(
                                    "ValueError",
                                    if items.len() > n {
                                        format!("too many values to unpack (expected {n})")
                                    } else {
                                        format!(
                                            "not enough values to unpack (expected {n}, got {})",
                                            items.len()
                                        )
                                    },
                                )),
                                *span,
                            );
                        }
                        for (t, v) in ts.iter().zip(items) {
                            self.assign(t, v, f)?;
                        }
                    }
                    Some(k) => {
                        if items.len() < n - 1 {
                            return at(
                                Err(exc(
                                    "ValueError",
                                    format!(
                                        "not enough values to unpack (expected at least {}, got {})",
                                        n - 1,
                                        items.len()
                                    ),
                                )),
                                *span,
                            );
                        }
                        let after = n - 1 - k;
                        let mut items = items;
                        let tail = items.split_off(items.len() - after);
                        let mid = items.split_off(*k);
                        for (t, v) in ts[..*k].iter().zip(items) {
                            self.assign(t, v, f)?;
                        }
                        self.assign(&ts[*k], Value::list(mid), f)?;
                        for (t, v) in ts[k + 1..].iter().zip(tail) {
                            self.assign(t, v, f)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn delete(&mut self, t: &Target, f: &mut Frame) -> PyResult<()> {
        match t {
            Target::Local(s) => f.slots[*s as usize] = Value::Unbound,
            Target::Global(g) => {
                if matches!(self.globals[*g as usize], Value::Unbound) {
                    return Err(self.name_error(&self.names[*g as usize].clone()));
                }
                self.globals[*g as usize] = Value::Unbound
            }
            Target::Free(i) => {
                let func = f
                    .func
                    .as_ref()
                    .expect("free variables only inside functions");
                *func.captures[*i as usize].borrow_mut() = Value::Unbound;
            }
            Target::ClassName(n) => {
                let c = self.class_ns.last().expect("class body").clone();
                c.attrs.borrow_mut().remove(n);
            }
            Target::Attr(obj, name, span) => {
                let o = self.eval(obj, f)?;
                at(self.del_attr(&o, name), *span)?;
            }
            Target::Subscript(obj, idx, span) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                at(self.del_item(&o, i), *span)?;
            }
            Target::Seq(ts, _, _) => {
                for t in ts {
                    self.delete(t, f)?;
                }
            }
        }
        Ok(())
    }

    fn aug_assign(
        &mut self,
        t: &Target,
        op: crate::syntax::ast::BinOp,
        value: &Ex,
        f: &mut Frame,
        span: Span,
    ) -> PyResult<()> {
        match t {
            Target::Attr(obj, name, sp) => {
                let o = self.eval(obj, f)?;
                let cur = at(self.get_attr(&o, name), *sp)?;
                let rhs = self.eval(value, f)?;
                let v = at(self.inplace_op(op, cur, rhs), span)?;
                at(self.set_attr(&o, name, v), *sp)
            }
            Target::Subscript(obj, idx, sp) => {
                let o = self.eval(obj, f)?;
                let i = self.eval(idx, f)?;
                let cur = at(self.get_item(&o, &i), *sp)?;
                let rhs = self.eval(value, f)?;
                let v = at(self.inplace_op(op, cur, rhs), span)?;
                at(self.set_item(&o, i, v), *sp)
            }
            _ => {
                let cur = self.load_target(t, f)?;
                let rhs = self.eval(value, f)?;
                if let Some(v) = super::ops::num_fast(op, &cur, &rhs) {
                    return self.store(t, v, f);
                }
                let v = at(self.inplace_op(op, cur, rhs), span)?;
                self.assign(t, v, f)
            }
        }
    }

    fn load_target(&mut self, t: &Target, f: &mut Frame) -> PyResult<Value> {
        match t {
            Target::Local(s) => self.load_local(*s, f),
            Target::Free(i) => self.load_free(*i, f),
            Target::Global(g) => self.load_global(*g),
            Target::ClassName(n) => self.load_class_name(n, None),
            _ => Err(exc(
                "SyntaxError",
                "illegal expression for augmented assignment",
            )),
        }
    }

    #[inline(always)]
    fn load_local(&self, s: u32, f: &Frame) -> PyResult<Value> {
        match &f.slots[s as usize] {
            Value::Unbound => Err(unbound()),
            Value::Cell(c) => match &*c.borrow() {
                Value::Unbound => Err(unbound()),
                v => Ok(v.clone()),
            },
            v => Ok(v.clone()),
        }
    }

    fn load_free(&self, i: u32, f: &Frame) -> PyResult<Value> {
        let func = f
            .func
            .as_ref()
            .expect("free variables only inside functions");
        match &*func.captures[i as usize].borrow() {
            Value::Unbound => Err(exc(
                "NameError",
                "cannot access free variable where it is not associated with a value in enclosing scope",
            )),
            v => Ok(v.clone()),
        }
    }

    fn load_class_name(&self, n: &str, g: Option<u32>) -> PyResult<Value> {
        if let Some(c) = self.class_ns.last() {
            if let Some(v) = c.attrs.borrow().get(n) {
                return Ok(v);
            }
        }
        match g {
            Some(g) => self.load_global(g),
            None => Err(self.name_error(n)),
        }
    }

    // ---- expressions ----

    /// `eval` with constants and names read inline: operands of operators,
    /// arguments and receivers are mostly these, and each saves a call.
    #[inline(always)]
    fn operand(&mut self, e: &Ex, f: &mut Frame) -> PyResult<Value> {
        match e {
            Ex::Const(v) => Ok(v.clone()),
            Ex::Local(s) => self.load_local(*s, f),
            Ex::Global(g, span) => at(self.load_global(*g), *span),
            _ => self.eval(e, f),
        }
    }

    /// The value of a plain local or global name, borrowed (None for other
    /// expressions, cells and unbound names: the caller takes the general path).
    #[inline(always)]
    fn peek<'v>(&'v self, e: &Ex, f: &'v Frame) -> Option<&'v Value> {
        match e {
            Ex::Local(s) => f.slots.get(*s as usize),
            Ex::Global(g, _) => self.globals.get(*g as usize),
            _ => None,
        }
    }

    pub fn eval(&mut self, e: &Ex, f: &mut Frame) -> PyResult<Value> {
        match e {
            Ex::Const(v) => Ok(v.clone()),
            Ex::Local(s) => self.load_local(*s, f),
            Ex::Free(i) => self.load_free(*i, f),
            Ex::Global(g, span) => at(self.load_global(*g), *span),
            Ex::ClassName(n, g) => self.load_class_name(n, Some(*g)),
            Ex::Bin(lr, op, span) => {
                let l = self.operand(&lr.0, f)?;
                let r = self.operand(&lr.1, f)?;
                if let Some(v) = super::ops::num_fast(*op, &l, &r) {
                    // Both are numbers: nothing to drop.
                    std::mem::forget(l);
                    std::mem::forget(r);
                    return Ok(v);
                }
                at(self.binary_op(*op, l, r), *span)
            }
            Ex::BinInt(l, b, op, span) => {
                let l = self.operand(l, f)?;
                let r = Value::Int(*b);
                if let Some(v) = super::ops::num_fast(*op, &l, &r) {
                    // Both are numbers: nothing to drop.
                    std::mem::forget(l);
                    return Ok(v);
                }
                at(self.binary_op(*op, l, r), *span)
            }
            Ex::Unary(op, x, span) => {
                let v = self.eval(x, f)?;
                at(self.unary_op(*op, v), *span)
            }
            Ex::And(vs) => {
                let mut last = Value::None;
                for x in vs {
                    last = self.eval(x, f)?;
                    if !self.truthy(&last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Ex::Or(vs) => {
                let mut last = Value::None;
                for x in vs {
                    last = self.eval(x, f)?;
                    if self.truthy(&last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Ex::Compare(left, rest, span) => {
                let mut l = self.operand(left, f)?;
                if let [(op, rx)] = rest.as_slice() {
                    let r = self.operand(rx, f)?;
                    if let Some(b) = super::ops::cmp_fast(*op, &l, &r) {
                        // Both are numbers: nothing to drop.
                        std::mem::forget(l);
                        std::mem::forget(r);
                        return Ok(Value::Bool(b));
                    }
                    return at(self.compare(*op, &l, &r), *span);
                }
                let n = rest.len();
                for (i, (op, rx)) in rest.iter().enumerate() {
                    let r = self.eval(rx, f)?;
                    let c = at(self.compare(*op, &l, &r), *span)?;
                    if i + 1 == n {
                        return Ok(c);
                    }
                    if !self.truthy(&c)? {
                        return Ok(c);
                    }
                    l = r;
                }
                Ok(Value::Bool(true))
            }
            Ex::CmpInt(l, b, op, span) => {
                let l = self.operand(l, f)?;
                let r = Value::Int(*b);
                if let Some(b) = super::ops::cmp_fast(*op, &l, &r) {
                    // Both are numbers: nothing to drop.
                    std::mem::forget(l);
                    return Ok(Value::Bool(b));
                }
                at(self.compare(*op, &l, &r), *span)
            }
            Ex::IfExp(x) => {
                let c = self.eval(&x.0, f)?;
                if self.truthy_fast(&c)? {
                    self.eval(&x.1, f)
                } else {
                    self.eval(&x.2, f)
                }
            }
            Ex::MakeFunction(mk) => self.make_function(mk, f),
            Ex::Call(func, args, span) => {
                let fv = self.eval(func, f)?;
                let a = self.eval_args(args, f, Some(&fv))?;
                self.tick_call(*span)?;
                at(self.call(&fv, a), *span)
            }
            Ex::CallPos(func, args, span) => {
                // A user function in a global or local, called with exactly its
                // positional parameters: only its `Rc` is cloned (no `Value`
                // clone and drop), and the arguments go straight into the new
                // frame's slots.
                if let Some(Value::Function(fu)) = self.peek(func, f) {
                    if fu.code.simple && args.len() == fu.code.params.len() {
                        let fu = fu.clone();
                        let slots = self.eval_into_slots(None, args, fu.code.nslots, f)?;
                        self.tick_call(*span)?;
                        return at(self.run_frame(&fu, slots), *span);
                    }
                }
                let fv = self.operand(func, f)?;
                // A user function called with exactly its positional parameters:
                // the arguments go straight into the new frame's slots.
                if let Value::Function(func) = &fv {
                    if func.code.simple && args.len() == func.code.params.len() {
                        let slots = self.eval_into_slots(None, args, func.code.nslots, f)?;
                        self.tick_call(*span)?;
                        return at(self.run_frame(func, slots), *span);
                    }
                }
                let mut pos = Vec::with_capacity(args.len());
                for e in args {
                    pos.push(self.eval(e, f)?);
                }
                self.tick_call(*span)?;
                at(self.call(&fv, Args::new(pos)), *span)
            }
            Ex::Method(obj, name, args, span) => {
                // `xs.append(v)` on a list in a global or local: only the list's
                // `Rc` is cloned (the receiver is read before the argument).
                if let (Some(Value::List(l)), [super::code::ArgX::Pos(e)]) =
                    (self.peek(obj, f), args.as_slice())
                {
                    if &**name == "append" {
                        let l = l.clone();
                        let v = self.operand(e, f)?;
                        l.borrow_mut().push(v);
                        return Ok(Value::None);
                    }
                }
                let o = self.operand(obj, f)?;
                match &o {
                    // `xs.append(v)`, the commonest call in loops, without an argument vector.
                    Value::List(l) if &**name == "append" && args.len() == 1 => {
                        if let super::code::ArgX::Pos(e) = &args[0] {
                            let v = self.operand(e, f)?;
                            l.borrow_mut().push(v);
                            return Ok(Value::None);
                        }
                    }
                    // `obj.method(args)` on a user class: self and the arguments
                    // go straight into the frame, no bound method is built.
                    Value::Instance(inst) => {
                        if let Some(func) = simple_method(inst, name, args) {
                            let slots = self.eval_into_slots(Some(o), args, func.code.nslots, f)?;
                            self.tick_call(*span)?;
                            return at(self.run_frame(&func, slots), *span);
                        }
                    }
                    _ => {}
                }
                let a = self.eval_args(args, f, None)?;
                self.tick_call(*span)?;
                at(self.call_method(&o, name, a), *span)
            }
            Ex::Attr(obj, name, span) => {
                let o = self.operand(obj, f)?;
                at(self.get_attr(&o, name), *span)
            }
            Ex::Subscript(oi, span) => {
                let o = self.operand(&oi.0, f)?;
                let i = self.operand(&oi.1, f)?;
                at(self.get_item(&o, &i), *span)
            }
            Ex::Tuple(xs) => Ok(Value::tuple(self.eval_seq(xs, f)?)),
            Ex::List(xs) => Ok(Value::list(self.eval_seq(xs, f)?)),
            Ex::Slice(_)
            | Ex::Set(_)
            | Ex::Dict(_)
            | Ex::Starred(..)
            | Ex::Comp(_)
            | Ex::FString(_)
            | Ex::Super(_) => self.eval_rare(e, f),
        }
    }

    /// The expressions rarely inside hot loops, kept out of `eval` so that
    /// its frame stays small.
    #[inline(never)]
    fn eval_rare(&mut self, e: &Ex, f: &mut Frame) -> PyResult<Value> {
        match e {
            Ex::Slice(parts) => {
                let mut out: [Value; 3] = Default::default();
                for (k, p) in parts.iter().enumerate() {
                    if let Some(x) = p {
                        out[k] = self.eval(x, f)?;
                    }
                }
                Ok(Value::Slice(Rc::new(out)))
            }
            Ex::Set(xs) => {
                let items = self.eval_seq(xs, f)?;
                self.make_set(items)
            }
            Ex::Dict(items) => {
                let mut d = Dict::new();
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            let kv = self.eval(k, f)?;
                            let vv = self.eval(v, f)?;
                            let key = hash_key(&kv)?;
                            d.insert(key, kv, vv);
                        }
                        None => {
                            let m = self.eval(v, f)?;
                            let Value::Dict(src) = &m else {
                                return Err(type_error(format!(
                                    "'{}' object is not a mapping",
                                    m.type_name()
                                )));
                            };
                            for (k, v) in src.borrow().iter() {
                                d.insert(hash_key(k)?, k.clone(), v.clone());
                            }
                        }
                    }
                }
                Ok(Value::dict(d))
            }
            Ex::Starred(_, span) => at(
                Err(exc("SyntaxError", "can't use starred expression here")),
                *span,
            ),
            Ex::Comp(c) => self.eval_comp(c, f),
            Ex::FString(parts) => Ok(Value::Str(Rc::from(self.eval_fstring(parts, f)?))),
            Ex::Super(span) => {
                let class = f
                    .func
                    .as_ref()
                    .and_then(|func| func.class.borrow().as_ref().and_then(|w| w.upgrade()));
                let this = f.slots.first().cloned().unwrap_or(Value::Unbound);
                let this = match this {
                    Value::Cell(c) => c.borrow().clone(),
                    v => v,
                };
                match class {
                    Some(c) if !matches!(this, Value::Unbound) => {
                        Ok(Value::Super(Rc::new((c, this))))
                    }
                    _ => at(Err(exc("RuntimeError", "super(): no arguments")), *span),
                }
            }
            _ => unreachable!("eval dispatches only the rare expressions here"),
        }
    }

    /// A frame's slots from the pool: `first` (the receiver), the positional
    /// `args`, then unbound slots up to `nslots`.
    #[inline]
    fn eval_into_slots(
        &mut self,
        first: Option<Value>,
        args: &[impl AsPosArg],
        nslots: u32,
        f: &mut Frame,
    ) -> PyResult<Vec<Value>> {
        let mut slots = match self.slot_pool.pop() {
            Some(v) => v,
            None => Vec::with_capacity(nslots as usize),
        };
        slots.reserve(nslots as usize);
        if let Some(v) = first {
            slots.push(v);
        }
        for a in args {
            match self.operand(a.pos_expr(), f) {
                Ok(v) => slots.push(v),
                Err(e) => {
                    self.recycle(slots);
                    return Err(e);
                }
            }
        }
        if slots.len() < nslots as usize {
            slots.resize(nslots as usize, Value::Unbound);
        }
        Ok(slots)
    }

    /// Gives a finished frame's slot vector back to the pool.
    #[inline(always)]
    pub fn recycle(&mut self, mut slots: Vec<Value>) {
        slots.clear();
        if self.slot_pool.len() < 64 {
            self.slot_pool.push(slots);
        }
    }

    #[inline(always)]
    fn tick_call(&mut self, span: Span) -> PyResult<()> {
        at(self.tick(), span)
    }

    fn eval_fstring(&mut self, parts: &[FPart], f: &mut Frame) -> PyResult<String> {
        let mut s = String::new();
        for p in parts {
            match p {
                FPart::Lit(l) => s.push_str(l),
                FPart::Field(e, conv, spec) => {
                    let v = self.eval(e, f)?;
                    let v = match conv {
                        Some('r') => Value::str(&self.repr(&v)?),
                        Some('s') => Value::str(&self.to_str(&v)?),
                        _ => v,
                    };
                    let spec = match spec {
                        Some(sp) => self.eval_fstring(sp, f)?,
                        None => String::new(),
                    };
                    s.push_str(&self.format_value(&v, &spec)?);
                }
            }
        }
        Ok(s)
    }

    fn eval_seq(&mut self, xs: &[Ex], f: &mut Frame) -> PyResult<Vec<Value>> {
        let mut out = Vec::with_capacity(xs.len());
        for x in xs {
            if let Ex::Starred(inner, span) = x {
                let v = self.eval(inner, f)?;
                out.extend(at(self.collect(&v), *span)?);
            } else {
                out.push(self.eval(x, f)?);
            }
        }
        Ok(out)
    }

    fn make_function(&mut self, mk: &MakeFn, f: &mut Frame) -> PyResult<Value> {
        let mut defaults = Vec::with_capacity(mk.defaults.len());
        for d in &mk.defaults {
            defaults.push(self.eval(d, f)?);
        }
        let mut kwdefaults = Vec::with_capacity(mk.kwdefaults.len());
        for d in &mk.kwdefaults {
            kwdefaults.push(match d {
                Some(d) => Some(self.eval(d, f)?),
                None => None,
            });
        }
        let captures = mk
            .captures
            .iter()
            .map(|c| match c {
                super::code::Capture::Local(s) => match &f.slots[*s as usize] {
                    Value::Cell(c) => c.clone(),
                    other => {
                        // A module-frame slot captured after the fact: make it a cell now.
                        let cell = Value::cell(other.clone());
                        f.slots[*s as usize] = Value::Cell(cell.clone());
                        cell
                    }
                },
                super::code::Capture::Free(i) => f
                    .func
                    .as_ref()
                    .expect("free variables only inside functions")
                    .captures[*i as usize]
                    .clone(),
            })
            .collect();
        Ok(Value::Function(Rc::new(Function {
            code: mk.code.clone(),
            defaults,
            kwdefaults,
            captures,
            class: RefCell::new(None),
        })))
    }

    fn eval_comp(&mut self, c: &super::code::Comp, f: &mut Frame) -> PyResult<Value> {
        let mut out = Vec::new();
        let mut dict = Dict::new();
        self.comp_level(c, 0, f, &mut out, &mut dict)?;
        match c.kind {
            CompKind::List => Ok(Value::list(out)),
            CompKind::Gen => Ok(Value::iter(super::value::Iter::Seq {
                items: Rc::new(out),
                pos: 0,
            })),
            CompKind::Set => self.make_set(out),
            CompKind::Dict => Ok(Value::dict(dict)),
        }
    }

    fn comp_level(
        &mut self,
        c: &super::code::Comp,
        level: usize,
        f: &mut Frame,
        out: &mut Vec<Value>,
        dict: &mut Dict,
    ) -> PyResult<()> {
        let Some((target, iter, ifs)) = c.gens.get(level) else {
            if c.kind == CompKind::Dict {
                let k = self.eval(&c.elt, f)?;
                let v = self.eval(c.value.as_ref().expect("dict comprehension value"), f)?;
                dict.insert(hash_key(&k)?, k, v);
            } else {
                out.push(self.eval(&c.elt, f)?);
            }
            return Ok(());
        };
        let it = self.eval(iter, f)?;
        let it = self.iter(&it)?;
        'items: while let Some(v) = self.next(&it)? {
            self.tick()?;
            self.assign(target, v, f)?;
            for cond in ifs {
                let t = self.eval(cond, f)?;
                if !self.truthy(&t)? {
                    continue 'items;
                }
            }
            self.comp_level(c, level + 1, f, out, dict)?;
        }
        Ok(())
    }

    pub fn make_set(&mut self, items: Vec<Value>) -> PyResult<Value> {
        let mut d = Dict::new();
        for v in items {
            d.insert(hash_key(&v)?, v, Value::None);
        }
        Ok(Value::set(d))
    }

    /// Calls any callable value.
    pub fn call(&mut self, fv: &Value, args: Args) -> PyResult<Value> {
        match fv {
            Value::Function(func) => {
                if args.kw.is_empty() {
                    self.call_positional(func, args.pos)
                } else {
                    self.call_function(func, args)
                }
            }
            Value::Builtin(b) => b.call(self, args),
            Value::BoundMethod(bm) => {
                if let Value::Builtin(b) = &bm.1 {
                    return b.call_method(self, bm.0.clone(), args);
                }
                let mut args = args;
                args.pos.insert(0, bm.0.clone());
                self.call(&bm.1, args)
            }
            Value::Class(c) => self.instantiate(c, args),
            Value::Object(o) => match o.call(self, fv, args)? {
                Some(v) => Ok(v),
                None => Err(type_error(format!(
                    "'{}' object is not callable",
                    fv.type_name()
                ))),
            },
            Value::Instance(i) => match i.class.lookup("__call__") {
                Some(f) => {
                    let mut args = args;
                    args.pos.insert(0, fv.clone());
                    self.call(&f, args)
                }
                None => Err(type_error(format!(
                    "'{}' object is not callable",
                    fv.type_name()
                ))),
            },
            other => Err(type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    /// `truthy` with bools decided inline (conditions are mostly comparisons).
    #[inline(always)]
    fn truthy_fast(&mut self, v: &Value) -> PyResult<bool> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => self.truthy(v),
        }
    }

    /// Python truthiness (a tensor with more than one element raises).
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        if let Some(b) = v.truthy_simple() {
            return Ok(b);
        }
        match v {
            Value::Object(o) => o.truth(self),
            Value::Instance(i) => {
                if i.class.has("__bool__") {
                    let r = self.call_method(v, "__bool__", Args::default())?;
                    return match r {
                        Value::Bool(b) => Ok(b),
                        other => Err(type_error(format!(
                            "__bool__ should return bool, returned {}",
                            other.type_name()
                        ))),
                    };
                }
                if i.class.has("__len__") {
                    let n = self.len(v)?;
                    return Ok(n != 0);
                }
                Ok(true)
            }
            _ => Ok(true),
        }
    }
}

/// An argument expression known to be positional.
trait AsPosArg {
    fn pos_expr(&self) -> &Ex;
}

impl AsPosArg for Ex {
    #[inline(always)]
    fn pos_expr(&self) -> &Ex {
        self
    }
}

impl AsPosArg for super::code::ArgX {
    #[inline(always)]
    fn pos_expr(&self) -> &Ex {
        match self {
            super::code::ArgX::Pos(e) => e,
            // `simple_method` admits positional arguments only.
            _ => unreachable!("a positional argument"),
        }
    }
}

/// The user function `inst.name` resolves to when it can be called with
/// `inst` and `args` bound straight to its positional parameters: found on
/// the class (not shadowed by an instance attribute), no `*args`/`**kwargs`/
/// keyword-only parameters, positional arguments filling them exactly.
#[inline]
fn simple_method(
    inst: &super::value::Instance,
    name: &str,
    args: &[super::code::ArgX],
) -> Option<Rc<Function>> {
    if !args.iter().all(|a| matches!(a, super::code::ArgX::Pos(_))) {
        return None;
    }
    if inst.attrs.borrow().iter().any(|(k, _)| &**k == name) {
        return None;
    }
    match inst.class.lookup(name)? {
        Value::Function(func) if func.code.simple && func.code.params.len() == args.len() + 1 => {
            Some(func)
        }
        _ => None,
    }
}

fn unbound() -> Box<PyErr> {
    exc(
        "UnboundLocalError",
        "cannot access local variable where it is not associated with a value",
    )
}

/// Whether an exception of class `c` is caught by handler type `t` (a class or tuple).
pub fn exc_matches(c: &Rc<Class>, t: &Value) -> bool {
    match t {
        Value::Class(h) => c.is_subclass(h),
        Value::Tuple(items) => items.items.iter().any(|x| exc_matches(c, x)),
        _ => false,
    }
}

/// The dict key of `v`, or Python's TypeError for unhashable values.
pub fn hash_key(v: &Value) -> PyResult<Key> {
    Key::of(v).ok_or_else(|| type_error(format!("unhashable type: '{}'", unhashable(v))))
}

/// The type CPython names when hashing fails: a tuple reports the first
/// unhashable item inside it.
fn unhashable(v: &Value) -> String {
    match v {
        Value::Tuple(t) => t
            .items
            .iter()
            .find(|x| Key::of(x).is_none())
            .map_or_else(|| "tuple".into(), unhashable),
        other => other.type_name(),
    }
}

/// Refuses a `yield` from an `except`, `else` or `finally` block.
fn no_yield(flow: Flow) -> PyResult<Flow> {
    match flow {
        Flow::Yield => Err(exc(
            "SyntaxError",
            "'yield' inside 'except', 'else' or 'finally' is not supported in tinytorch",
        )),
        flow => Ok(flow),
    }
}
