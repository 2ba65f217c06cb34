//! Calling: argument lists ([`Args`]), binding them to a function's
//! parameters (positional, keyword, defaults, `*args`, `**kwargs`) with
//! Python's TypeErrors, and running the function body in a fresh frame.

use super::code::{ArgX, St, StK};
use super::dict::{Dict, Key};
use super::error::{type_error, PyResult, TbEntry};
use super::interp::{Flow, Frame, Interp};
use super::value::{Function, Value};
use std::rc::Rc;

/// Evaluated call arguments.
#[derive(Default)]
pub struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(Rc<str>, Value)>,
}

impl Args {
    pub fn new(pos: Vec<Value>) -> Args {
        Args {
            pos,
            kw: Vec::new(),
        }
    }
}

/// A callee as CPython names it in call-site errors: `__main__.f()`,
/// `__main__.C.m()` for a user function or method.
fn callee_label(callee: Option<&Value>) -> String {
    let func = match callee {
        Some(Value::Function(f)) => Some(f.clone()),
        Some(Value::BoundMethod(m)) => match &m.1 {
            Value::Function(f) => Some(f.clone()),
            _ => None,
        },
        _ => None,
    };
    match (func, callee) {
        (Some(f), _) => {
            let class = f.class.borrow().as_ref().and_then(|w| w.upgrade());
            match class {
                Some(c) => format!("__main__.{}.{}()", c.name, f.code.name),
                None => format!("__main__.{}()", f.code.name),
            }
        }
        (None, Some(Value::Builtin(b))) => format!("{}()", b.name()),
        (None, Some(Value::Class(c))) => format!("{}()", c.qualname()),
        _ => "function".to_string(),
    }
}

/// Python stops a runaway recursion at this many nested calls.
pub const MAX_DEPTH: usize = 1000;

impl Interp {
    /// Runs `f` one level deeper on the call depth that Python's recursion
    /// limit counts (nested reprs and comparisons share it, as in CPython):
    /// past the limit, `RecursionError: maximum recursion depth exceeded
    /// {what}`.
    pub fn one_level_deeper<T>(
        &mut self,
        what: &str,
        f: impl FnOnce(&mut Self) -> PyResult<T>,
    ) -> PyResult<T> {
        if self.depth + 1 >= MAX_DEPTH {
            return Err(super::error::exc(
                "RecursionError",
                format!("maximum recursion depth exceeded {what}"),
            ));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Evaluates a call's arguments. `callee` names the function in the
    /// error for a keyword given twice through `**` (CPython checks that at
    /// the call site, whatever the function takes).
    pub fn eval_args(
        &mut self,
        args: &[ArgX],
        f: &mut Frame,
        callee: Option<&Value>,
    ) -> PyResult<Args> {
        let mut out = Args {
            pos: Vec::with_capacity(args.len()),
            kw: Vec::new(),
        };
        for a in args {
            match a {
                ArgX::Pos(e) => {
                    let v = self.eval(e, f)?;
                    out.pos.push(v)
                }
                ArgX::Star(e) => {
                    let v = self.eval(e, f)?;
                    let items = self.collect(&v)?;
                    out.pos.extend(items);
                }
                ArgX::Kw(n, e) => {
                    let v = self.eval(e, f)?;
                    out.kw.push((n.clone(), v))
                }
                ArgX::DStar(e) => {
                    let v = self.eval(e, f)?;
                    let Value::Dict(d) = &v else {
                        return Err(type_error(format!(
                            "argument after ** must be a mapping, not {}",
                            v.type_name()
                        )));
                    };
                    for (k, val) in d.borrow().iter() {
                        let Value::Str(s) = k else {
                            return Err(type_error("keywords must be strings"));
                        };
                        if out.kw.iter().any(|(n, _)| n == s) {
                            return Err(type_error(format!(
                                "{} got multiple values for keyword argument '{s}'",
                                callee_label(callee)
                            )));
                        }
                        out.kw.push((s.clone(), val.clone()));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Binds `args` to `func`'s parameters and runs it.
    pub fn call_function(&mut self, func: &Rc<Function>, args: Args) -> PyResult<Value> {
        let code = &func.code;
        let mut slots = vec![Value::Unbound; code.nslots as usize];
        let np = code.params.len();
        let name = &code.name;
        let Args { pos, kw } = args;
        let npos = pos.len();
        if npos > np && code.vararg.is_none() {
            let given = if npos == 1 { "was" } else { "were" };
            return Err(type_error(format!(
                "{name}() takes {np} positional argument{} but {npos} {given} given",
                if np == 1 { "" } else { "s" }
            )));
        }
        let mut extra = Vec::new();
        for (i, v) in pos.into_iter().enumerate() {
            if i < np {
                slots[i] = v;
            } else {
                extra.push(v);
            }
        }
        if let Some(s) = code.vararg {
            slots[s as usize] = Value::tuple(extra);
        }
        let mut kwextra = Dict::new();
        for (k, v) in kw {
            let idx = code
                .params
                .iter()
                .position(|p| **p == *k)
                .or_else(|| code.kwonly.iter().position(|p| **p == *k).map(|i| i + np));
            match idx {
                Some(i) => {
                    if !matches!(slots[i], Value::Unbound) {
                        return Err(type_error(format!(
                            "{name}() got multiple values for argument '{k}'"
                        )));
                    }
                    slots[i] = v;
                }
                None if code.kwarg.is_some() => {
                    kwextra.insert(Key::Str(k.clone()), Value::Str(k), v);
                }
                None => {
                    return Err(type_error(format!(
                        "{name}() got an unexpected keyword argument '{k}'"
                    )))
                }
            }
        }
        let ndef = func.defaults.len();
        let mut missing = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate().take(np) {
            if matches!(slot, Value::Unbound) {
                if i + ndef >= np {
                    *slot = func.defaults[i + ndef - np].clone();
                } else {
                    missing.push(format!("'{}'", code.params[i]));
                }
            }
        }
        if !missing.is_empty() {
            let n = missing.len();
            let list = match n {
                1 => missing[0].clone(),
                2 => format!("{} and {}", missing[0], missing[1]),
                _ => format!("{}, and {}", missing[..n - 1].join(", "), missing[n - 1]),
            };
            return Err(type_error(format!(
                "{name}() missing {n} required positional argument{}: {list}",
                if n == 1 { "" } else { "s" }
            )));
        }
        for (j, kwname) in code.kwonly.iter().enumerate() {
            let i = np + j;
            if matches!(slots[i], Value::Unbound) {
                match func.kwdefaults.get(j).cloned().flatten() {
                    Some(d) => slots[i] = d,
                    None => {
                        return Err(type_error(format!(
                            "{name}() missing 1 required keyword-only argument: '{kwname}'"
                        )))
                    }
                }
            }
        }
        if let Some(s) = code.kwarg {
            slots[s as usize] = Value::dict(kwextra);
        }
        self.run_frame(func, slots)
    }

    /// Runs a function body on prepared slots (they go back to the pool).
    pub fn run_frame(&mut self, func: &Rc<Function>, mut slots: Vec<Value>) -> PyResult<Value> {
        let code = &func.code;
        // The module's own frame counts, as in CPython: 999 nested calls.
        if self.depth + 1 >= MAX_DEPTH {
            self.recycle(slots);
            return Err(super::error::exc(
                "RecursionError",
                "maximum recursion depth exceeded",
            ));
        }
        for &c in &code.cells {
            let v = std::mem::take(&mut slots[c as usize]);
            slots[c as usize] = Value::Cell(Value::cell(v));
        }
        if code.generator {
            return Ok(super::generator::Generator::start(func.clone(), slots));
        }

        self.depth += 1;
        let mut frame = Frame {
            slots,
            func: Some(func),
        };
        // `return expr` alone (small helpers, lambdas): no statement walk.
        if let [St {
            kind: StK::Return(Some(e)),
            span,
        }] = &code.body[..]
        {
            let r = self.eval(e, &mut frame);
            self.depth -= 1;
            self.recycle(frame.slots);
            return r.map_err(|mut e| {
                if e.span.is_none() {
                    e.span = Some(*span);
                }
                traceback_entry(e, code)
            });
        }
        let r = self.exec_block(&code.body, &mut frame);
        self.depth -= 1;
        self.recycle(frame.slots);
        match r {
            Ok(Flow::Return(v)) => Ok(v),
            Ok(_) => Ok(Value::None),
            Err(e) => Err(traceback_entry(e, code)),
        }
    }

    /// Fast path: a function called with positional arguments that fill its
    /// positional parameters exactly (no defaults, no varargs).
    pub fn call_positional(&mut self, func: &Rc<Function>, pos: Vec<Value>) -> PyResult<Value> {
        let code = &func.code;
        if code.simple && pos.len() == code.params.len() {
            let mut slots = pos;
            slots.resize(code.nslots as usize, Value::Unbound);
            return self.run_frame(func, slots);
        }
        self.call_function(func, Args::new(pos))
    }
}

/// Adds the frame of `code` to an error unwinding out of it.
#[cold]
pub(super) fn traceback_entry(
    mut e: Box<super::error::PyErr>,
    code: &super::code::FuncCode,
) -> Box<super::error::PyErr> {
    let span = e.span.take().unwrap_or_default();
    e.tb.push(TbEntry {
        source: code.source.clone(),
        span,
        func: code.name.clone(),
    });
    e
}
