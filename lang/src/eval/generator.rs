//! Generators: calling a function whose body yields makes a generator; each
//! `next()` runs the body to its next `yield` and keeps the frame.
//!
//! The evaluator walks the tree with Rust's stack, so a suspension cannot
//! keep that stack. Instead a `yield` returns [`Flow::Yield`], noting which
//! `yield` statement it was, and every statement that holds state on the
//! way out records it ([`Resume`], gathered in `Interp::yielded` until the
//! step ends): a `for` loop its iterator, a `with` its context manager. The
//! next step walks back down to that `yield` (the statement in each block
//! that holds it), evaluating nothing already done (no loop header, no `if`
//! test), and goes on from the statement after it. Plain blocks record
//! nothing, so code that never yields pays nothing.
//!
//! `yield` is a statement (`yield v`, `x = yield v`, `yield from it`), the
//! forms generators are written with; `next()` sends `None`, `send(v)` a
//! value, `throw(e)` and `close()` an exception raised at the `yield`, so
//! that `try`/`finally` and `with` blocks around it run as they unwind.
//! A generator dropped while suspended inside such blocks is closed, as
//! CPython closes it, at the next statement boundary.

use super::call::{traceback_entry, MAX_DEPTH};
use super::code::{Ex, St, StK, Target};
use super::error::{exc, PyErr, PyResult};
use super::interp::{Flow, Frame, Interp};
use super::value::{Function, Iter, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// A yielded value and where the generator stopped.
pub struct Suspended {
    pub value: Value,
    /// The address of the `yield` statement (compared, never followed).
    at: usize,
    /// The state of the statements around it, innermost first.
    path: Vec<Resume>,
}

/// The state one statement around a suspended `yield` keeps.
pub enum Resume {
    /// Inside a loop's body: a `for` loop's iterator (or the rest of its
    /// range); `None` for `while`, whose test runs again.
    Loop(Value),
    /// Inside a `with` block, with this item's context manager still entered.
    With(Value),
    /// A `yield from`, with the iterator it delegates to.
    From(Value),
}

/// The address of a statement, to find it again.
fn addr(s: &St) -> usize {
    s as *const St as usize
}

/// Whether `s` is the statement at address `at` or holds it.
fn holds(s: &St, at: usize) -> bool {
    let any = |b: &[St]| b.iter().any(|s| holds(s, at));
    addr(s) == at
        || match &s.kind {
            StK::For(_, _, body, orelse) | StK::While(_, body, orelse) => any(body) || any(orelse),
            StK::If(branches, orelse) => branches.iter().any(|b| any(&b.1)) || any(orelse),
            StK::With(_, body) => any(body),
            StK::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                any(body) || handlers.iter().any(|h| any(&h.body)) || any(orelse) || any(finalbody)
            }
            _ => false,
        }
}

/// What a resumed `yield` receives.
pub enum Sent {
    Value(Value),
    Throw(Box<PyErr>),
}

/// Whether a `yield` at `at` inside `body` sits in a `try` with a `finally`
/// or handlers, or in a `with`: code that must run when it is abandoned.
fn guarded(body: &[St], at: usize) -> bool {
    let Some(s) = body.iter().find(|s| holds(s, at)) else {
        return false;
    };
    match &s.kind {
        StK::With(..) => true,
        StK::Try {
            body,
            handlers,
            finalbody,
            ..
        } => !finalbody.is_empty() || !handlers.is_empty() || guarded(body, at),
        StK::For(_, _, body, orelse) | StK::While(_, body, orelse) => {
            guarded(body, at) || guarded(orelse, at)
        }
        StK::If(branches, orelse) => {
            branches.iter().any(|b| guarded(&b.1, at)) || guarded(orelse, at)
        }
        _ => false,
    }
}

thread_local! {
    /// Generators dropped while suspended inside `try`/`with` blocks, in
    /// the order dropped: each is closed at the next statement boundary.
    static ABANDONED: RefCell<Vec<Generator>> = const { RefCell::new(Vec::new()) };
}

/// A generator: its function and, between steps, its frame.
pub struct Generator {
    func: Rc<Function>,
    /// The frame's slots; `None` once finished.
    slots: Option<Vec<Value>>,
    /// Where the last step stopped (the `yield`'s address and the state
    /// around it); `None` before the first.
    path: Option<(usize, Vec<Resume>)>,
    running: bool,
}

/// A generator dropped while suspended inside `try`/`finally` or `with`
/// blocks has code left to run (a `finally`, a `torch.no_grad()` to turn
/// off): as CPython closes an abandoned generator, it is closed, at the
/// next statement boundary (the drop itself cannot reach the interpreter).
impl Drop for Generator {
    fn drop(&mut self) {
        let Some((at, _)) = &self.path else {
            return;
        };
        if self.slots.is_none() || !guarded(&self.func.code.body, *at) {
            return;
        }
        // Not while the thread ends (the list itself being dropped): then
        // there is no interpreter left to run the code.
        let open = ABANDONED
            .try_with(|a| a.try_borrow_mut().is_ok())
            .unwrap_or(false);
        if !open {
            return;
        }
        let g = Generator {
            func: self.func.clone(),
            slots: self.slots.take(),
            path: self.path.take(),
            running: false,
        };
        ABANDONED.with(|a| a.borrow_mut().push(g));
        super::gc::request();
    }
}

impl Interp {
    /// At the end of a cell or script: the collection and generator closing
    /// a statement boundary would run, if due.
    pub(crate) fn settle(&mut self) {
        if super::gc::due() {
            self.statement_boundary();
        }
    }

    /// Between statements, when [`super::gc::due`]: a cycle collection, then
    /// the closing of generators abandoned inside `try`/`with` blocks.
    #[cold]
    pub(super) fn statement_boundary(&mut self) {
        super::gc::collect();
        loop {
            let next = ABANDONED.with(|a| {
                let mut a = a.borrow_mut();
                (!a.is_empty()).then(|| a.remove(0))
            });
            let Some(g) = next else { break };
            let mut cell = RefCell::new(Iter::Generator(Box::new(g)));
            // As CPython's: an error while closing is not raised into the
            // code that happened to run next; and this close is the last.
            let _ = self.close_generator(&cell);
            if let Iter::Generator(g) = cell.get_mut() {
                g.slots = None;
            }
        }
    }
}

impl Generator {
    #[cold]
    #[inline(never)]
    pub fn start(func: Rc<Function>, slots: Vec<Value>) -> Value {
        Value::iter(Iter::Generator(Box::new(Generator {
            func,
            slots: Some(slots),
            path: None,
            running: false,
        })))
    }

    /// What a suspended generator holds: its function, frame and the state
    /// around its `yield` (for the cycle collector).
    pub fn visit(&self, f: &mut dyn FnMut(&Value)) {
        f(&Value::Function(self.func.clone()));
        self.slots.iter().flatten().for_each(&mut *f);
        for r in self.path.iter().flat_map(|p| &p.1) {
            match r {
                Resume::Loop(v) | Resume::With(v) | Resume::From(v) => f(v),
            }
        }
    }

    /// The function's name, for the repr.
    pub fn name(&self) -> &str {
        &self.func.code.name
    }
}

fn lost() -> Box<super::PyErr> {
    exc("SystemError", "a generator lost its place")
}

impl Interp {
    /// A yield passing out of a statement: the statement's place is added.
    #[cold]
    #[inline(never)]
    pub(super) fn suspended_at(&mut self, place: Resume) -> Flow {
        if let Some(y) = &mut self.yielded {
            y.path.push(place);
        }
        Flow::Yield
    }

    /// Starts a yield of `value` from statement `s` with `path` inside it.
    fn yield_value(&mut self, s: &St, value: Value, path: Vec<Resume>) -> Flow {
        self.yielded = Some(Suspended {
            value,
            at: addr(s),
            path,
        });
        Flow::Yield
    }

    /// `yield v`, or the first step of `yield from v` (statement `s`).
    #[inline(never)]
    pub(super) fn start_yield(&mut self, s: &St, v: Value, from: bool) -> PyResult<Flow> {
        if !from {
            return Ok(self.yield_value(s, v, Vec::new()));
        }
        let it = self.iter(&v)?;
        self.delegate(s, it)
    }

    /// The next item of a `yield from`'s iterator, or on when it is done.
    fn delegate(&mut self, s: &St, it: Value) -> PyResult<Flow> {
        Ok(match self.next(&it)? {
            Some(value) => self.yield_value(s, value, vec![Resume::From(it)]),
            None => Flow::Normal,
        })
    }

    /// `next()` of the generator in `cell`.
    pub(super) fn next_generator(&mut self, cell: &RefCell<Iter>) -> PyResult<Option<Value>> {
        self.resume_generator(cell, None)
    }

    /// `gen.close()`: GeneratorExit raised at the suspended `yield`, so the
    /// blocks around it unwind; a generator that yields again is an error.
    pub(crate) fn close_generator(&mut self, cell: &RefCell<Iter>) -> PyResult<()> {
        let exit = exc("GeneratorExit", "");
        match self.resume_generator(cell, Some(Sent::Throw(exit))) {
            Ok(None) => Ok(()),
            // Still suspended, as CPython's: a later close tries again.
            Ok(Some(_)) => Err(exc("RuntimeError", "generator ignored GeneratorExit")),
            Err(e) if e.is("GeneratorExit") || e.is("StopIteration") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One step of the generator in `cell`, its `yield` receiving `sent`
    /// (`None` as from `next()`): the next value, or `None` when it ends.
    pub(crate) fn resume_generator(
        &mut self,
        cell: &RefCell<Iter>,
        sent: Option<Sent>,
    ) -> PyResult<Option<Value>> {
        let (func, slots, path) = {
            let mut b = cell.borrow_mut();
            let Iter::Generator(g) = &mut *b else {
                return Err(lost());
            };
            if g.running {
                return Err(exc("ValueError", "generator already executing"));
            }
            let Some(slots) = g.slots.take() else {
                return match sent {
                    Some(Sent::Throw(e)) => Err(e),
                    _ => Ok(None),
                };
            };
            if g.path.is_none() {
                match sent {
                    // Not started: nothing to unwind; it is finished.
                    Some(Sent::Throw(e)) => return Err(e),
                    Some(Sent::Value(v)) if !matches!(v, Value::None) => {
                        g.slots = Some(slots);
                        return Err(super::error::type_error(
                            "can't send non-None value to a just-started generator",
                        ));
                    }
                    _ => {}
                }
            }
            g.running = true;
            (g.func.clone(), slots, g.path.take())
        };
        self.sent = if path.is_some() { sent } else { None };
        let r = self.step(&func, slots, path);
        self.sent = None;
        let mut b = cell.borrow_mut();
        let Iter::Generator(g) = &mut *b else {
            return Err(lost());
        };
        g.running = false;
        Ok(match r? {
            Some((value, slots, path)) => {
                g.slots = Some(slots);
                g.path = Some(path);
                Some(value)
            }
            None => None,
        })
    }

    /// Runs `func`'s body from `path` (from the top when `None`) to its next
    /// yield: the value, the frame and the new place; `None` when it ends.
    #[allow(clippy::type_complexity)]
    fn step(
        &mut self,
        func: &Rc<Function>,
        slots: Vec<Value>,
        path: Option<(usize, Vec<Resume>)>,
    ) -> PyResult<Option<(Value, Vec<Value>, (usize, Vec<Resume>))>> {
        if self.depth + 1 >= MAX_DEPTH {
            return Err(exc("RecursionError", "maximum recursion depth exceeded"));
        }
        self.depth += 1;
        let mut frame = Frame {
            slots,
            func: Some(func),
        };
        let body = &func.code.body;
        let r = match path {
            None => self.exec_block(body, &mut frame),
            Some((at, mut p)) => self.resume_block(body, at, &mut p, &mut frame),
        };
        self.depth -= 1;
        let yielded = self.yielded.take();
        match r {
            Ok(Flow::Yield) => {
                let Some(Suspended { value, at, path }) = yielded else {
                    return Err(lost());
                };
                Ok(Some((value, frame.slots, (at, path))))
            }
            Ok(_) => Ok(None),
            // As in Python 3.7+: a StopIteration escaping the body would end
            // the caller's loop silently; it becomes a RuntimeError.
            Err(e) if e.is("StopIteration") => Err(traceback_entry(
                exc("RuntimeError", "generator raised StopIteration"),
                &func.code,
            )),
            Err(e) => Err(traceback_entry(e, &func.code)),
        }
    }

    /// Continues `body` inside the statement that holds the `yield` at
    /// address `at`; `path` holds the state around it, outermost last.
    pub(super) fn resume_block(
        &mut self,
        body: &[St],
        at: usize,
        path: &mut Vec<Resume>,
        f: &mut Frame,
    ) -> PyResult<Flow> {
        let Some(i) = body.iter().position(|s| holds(s, at)) else {
            return Err(lost());
        };
        let s = &body[i];
        match super::interp::at(self.resume_stmt(s, at, path, f), s.span)? {
            Flow::Normal => self.exec_block(&body[i + 1..], f),
            flow => Ok(flow),
        }
    }

    /// Continues inside statement `s`, then finishes it as a normal run would.
    fn resume_stmt(
        &mut self,
        s: &St,
        at: usize,
        path: &mut Vec<Resume>,
        f: &mut Frame,
    ) -> PyResult<Flow> {
        match &s.kind {
            StK::Yield(target, _, false) if addr(s) == at => {
                let v = match self.sent.take() {
                    Some(Sent::Throw(e)) => return Err(e),
                    Some(Sent::Value(v)) => v,
                    None => Value::None,
                };
                if let Some(t) = target {
                    self.assign(t, v, f)?;
                }
                Ok(Flow::Normal)
            }
            StK::Yield(_, _, true) if addr(s) == at => match path.pop() {
                Some(Resume::From(it)) => {
                    if let Some(Sent::Throw(e)) = self.sent.take() {
                        // The delegate is closed first, as CPython's.
                        if let Value::Iter(cell) = &it {
                            if matches!(*cell.borrow(), Iter::Generator(_)) {
                                self.close_generator(cell)?;
                            }
                        }
                        return Err(e);
                    }
                    self.delegate(s, it)
                }
                _ => Err(lost()),
            },
            StK::For(_, _, _, orelse) | StK::While(_, _, orelse)
                if orelse.iter().any(|s| holds(s, at)) =>
            {
                // Suspended in the `else` block: the loop itself is done.
                self.resume_block(orelse, at, path, f)
            }
            StK::For(target, _, body, orelse) => {
                let Some(Resume::Loop(it)) = path.pop() else {
                    return Err(lost());
                };
                match self.resume_block(body, at, path, f)? {
                    Flow::Break => Ok(Flow::Normal),
                    Flow::Return(v) => Ok(Flow::Return(v)),
                    Flow::Yield => Ok(self.suspended_at(Resume::Loop(it))),
                    Flow::Normal | Flow::Continue => self.run_for(target, it, body, orelse, f),
                }
            }
            StK::While(test, body, orelse) => {
                let Some(Resume::Loop(_)) = path.pop() else {
                    return Err(lost());
                };
                match self.resume_block(body, at, path, f)? {
                    Flow::Break => Ok(Flow::Normal),
                    Flow::Return(v) => Ok(Flow::Return(v)),
                    Flow::Yield => Ok(self.suspended_at(Resume::Loop(Value::None))),
                    Flow::Normal | Flow::Continue => self.run_while(test, body, orelse, f),
                }
            }
            StK::If(branches, orelse) => {
                let inside = |b: &[St]| b.iter().any(|s| holds(s, at));
                let body = match branches.iter().find(|b| inside(&b.1)) {
                    Some(b) => &b.1[..],
                    None => &orelse[..],
                };
                self.resume_block(body, at, path, f)
            }
            StK::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.exec_try(body, Some((at, path)), handlers, orelse, finalbody, f),
            StK::With(items, body) => match path.pop() {
                Some(Resume::With(cm)) => self.resume_with(items, body, cm, at, path, f),
                _ => Err(lost()),
            },
            _ => Err(lost()),
        }
    }

    /// Continues inside a `with` statement whose first item is `cm`.
    fn resume_with(
        &mut self,
        items: &[(Ex, Option<Target>)],
        body: &[St],
        cm: Value,
        at: usize,
        path: &mut Vec<Resume>,
        f: &mut Frame,
    ) -> PyResult<Flow> {
        let rest = items.get(1..).unwrap_or(&[]);
        let r = if rest.is_empty() {
            self.resume_block(body, at, path, f)
        } else {
            match path.pop() {
                Some(Resume::With(inner)) => self.resume_with(rest, body, inner, at, path, f),
                _ => Err(lost()),
            }
        };
        self.leave_with(cm, r)
    }
}
