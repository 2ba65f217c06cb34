//! Python's `sys` (streams, argv, exit) and `time` modules, and the
//! `exit`/`quit` builtins.

use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, value_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::protocol::Object;
use std::rc::Rc;

#[rustfmt::skip]
pub const SYS: &[Row] = &[
    row("exit(status=None, /)", "Leaves the program with the given exit status.", exit),
    row("getrecursionlimit()", "The maximum depth of nested calls.", getrecursionlimit),
    row("setrecursionlimit(limit, /)", "Accepted for compatibility; the limit stays fixed.", setrecursionlimit),
    row("_panic(message, /)", "Panics inside the interpreter (tests of the session's panic boundary).", panic),
];

#[rustfmt::skip]
pub const TIME: &[Row] = &[
    row("perf_counter()", "A monotonic clock in seconds, for timing code.", perf_counter),
    row("time()", "Seconds since the Unix epoch.", time),
    row("sleep(secs, /)", "Waits secs seconds (interruptible).", sleep),
];

#[rustfmt::skip]
pub const EXIT: &[Row] = &[
    row("exit(code=None)", "Leaves the program (sys.exit).", exit),
    row("quit(code=None)", "Leaves the program (sys.exit).", exit),
];

/// `sys.stdout` / `sys.stderr`.
pub struct Stream {
    stderr: bool,
    class: Rc<Class>,
}

impl Stream {
    pub fn is_stderr(&self) -> bool {
        self.stderr
    }
}

#[rustfmt::skip]
pub const STREAM_METHODS: &[Row] = &[
    row("write(self, s, /)", "Writes the string; returns the number of characters.", write),
    row("flush(self, /)", "Flushes the stream.", flush),
];

impl Object for Stream {
    fn class(&self) -> Rc<Class> {
        self.class.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<_io.TextIOWrapper name='<{}>' mode='w' encoding='utf-8'>",
            if self.stderr { "stderr" } else { "stdout" }
        ))
    }
}

fn write(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let stderr = b
        .value(0)
        .downcast::<Stream>()
        .is_some_and(Stream::is_stderr);
    let Value::Str(s) = b.value(1) else {
        return Err(crate::eval::error::type_error(format!(
            "write() argument must be str, not {}",
            b.value(1).type_name()
        )));
    };
    super::super::viz::flush_closed(it);
    if stderr {
        it.out.write_stderr(s);
    } else {
        it.out.write_stdout(s);
    }
    Ok(Value::Int(s.chars().count() as i64))
}

fn flush(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::None)
}

pub fn install(it: &mut Interp) {
    let stream = super::super::class(
        "TextIOWrapper",
        "_io",
        &[&it.types.object],
        "A text stream.",
    );
    crate::bind::into_class(&stream, STREAM_METHODS, crate::bind::Style::Python);
    let s = super::super::module(it, "sys", "The interpreter: streams, argv, exit.");
    s.set(
        "stdout",
        Value::object(Stream {
            stderr: false,
            class: stream.clone(),
        }),
    );
    s.set(
        "stderr",
        Value::object(Stream {
            stderr: true,
            class: stream,
        }),
    );
    s.set("argv", Value::list(vec![Value::str("")]));
    s.set(
        "version",
        Value::str(&format!("3.11 (tinytorch {})", crate::VERSION)),
    );
    s.set("maxsize", Value::Int(i64::MAX));
    s.set("platform", Value::str(std::env::consts::OS));
    crate::bind::into_module(&s, "sys", SYS, crate::bind::Style::Python);
    let t = super::super::module(it, "time", "Clocks and sleeping.");
    crate::bind::into_module(&t, "time", TIME, crate::bind::Style::Python);
    for r in EXIT {
        let d = crate::bind::Def::from_row("builtins", r, crate::bind::Style::Python);
        let name = crate::protocol::Callable::name(&d).to_string();
        it.builtins.insert(Rc::from(name), d.value());
    }
}

/// `sys.exit(status)`: SystemExit carrying the exit status, as CPython's
/// interpreter reads it (None: 0, an int: itself, else printed and 1).
fn exit(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let code = b.value(0).clone();
    let (status, msg) = match &code {
        Value::None => (0, String::new()),
        Value::Int(i) => ((*i & 0xff) as i32, i.to_string()),
        Value::Bool(x) => (*x as i32, (*x as i32).to_string()),
        other => {
            let s = it.to_str(other)?;
            it.out.write_stderr(&format!("{s}\n"));
            (1, s)
        }
    };
    let mut e = exc("SystemExit", msg);
    e.exit = Some(status);
    Err(e)
}

/// A deliberate internal failure, so that tests can check that a panic in
/// native code is reported and leaves the session's variables intact.
fn panic(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let message = b.str(0)?.to_string();
    panic!("{message}");
}

fn getrecursionlimit(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Int(crate::eval::call::MAX_DEPTH as i64))
}

fn setrecursionlimit(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::None)
}

fn clock_start() -> std::time::Instant {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}

fn perf_counter(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Float(clock_start().elapsed().as_secs_f64()))
}

fn time(_: &mut Interp, _: Bound) -> PyResult<Value> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Value::Float(d.as_secs_f64()))
}

fn sleep(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let s = match b.value(0) {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        other => {
            return Err(crate::eval::error::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            )))
        }
    };
    if s < 0.0 || s.is_nan() {
        return Err(value_error("sleep length must be non-negative"));
    }
    let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(s.min(1e6));
    while std::time::Instant::now() < end {
        if it.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            it.interrupt
                .store(false, std::sync::atomic::Ordering::Relaxed);
            return Err(exc("KeyboardInterrupt", ""));
        }
        std::thread::sleep(
            (end - std::time::Instant::now()).min(std::time::Duration::from_millis(20)),
        );
    }
    Ok(Value::None)
}
