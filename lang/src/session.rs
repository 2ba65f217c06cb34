//! [`Session`]: one interpreter state that front ends (the REPL, the Jupyter
//! kernel, the script runner) drive cell by cell.
//!
//! The interpreter lives on its own worker thread with a large stack, so
//! that deep (but bounded) recursion in user code never overflows the
//! caller's stack; requests travel over channels. Values stay on that thread
//! (they are `Rc`), only strings cross.

use crate::eval::code::{resolve_module, Source, StK};
use crate::eval::error::PyErr;
use crate::eval::interp::{Frame as EvalFrame, Interp};
use crate::eval::Value;
use crate::syntax::{self, Completeness};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tinytorch::viz::{MimeBundle, Progress};

/// Stack of the evaluator thread: enough for `MAX_DEPTH` nested calls in a
/// debug build (a few dozen KiB each), reserved lazily by the OS.
const EVAL_STACK: usize = 512 << 20;

/// A value to display: its `repr` as text/plain, plus the richer forms
/// (SVG, PNG, HTML) when the value has them.
#[derive(Clone, Debug, PartialEq)]
pub struct Display {
    pub text: String,
    pub bundle: Option<MimeBundle>,
}

impl Display {
    /// Plain text only.
    pub fn text(text: impl Into<String>) -> Display {
        Display {
            text: text.into(),
            bundle: None,
        }
    }

    /// A picture or rich value; `text` is the bundle's `text/plain`.
    pub fn rich(bundle: MimeBundle) -> Display {
        Display {
            text: bundle.plain.clone(),
            bundle: Some(bundle),
        }
    }
}

/// Where `print`, pictures and progress bars go while a cell runs. The
/// terminal, the Jupyter kernel and the tests each implement it.
/// Why `input()` could not read a line: the exception it raises.
#[derive(Debug, Clone)]
pub struct InputError {
    pub exc: &'static str,
    pub message: String,
}

pub trait OutputSink: Send {
    fn write_stdout(&mut self, s: &str);
    fn write_stderr(&mut self, s: &str);
    /// Shows a new output. `id` (Jupyter's display_id) names it so that
    /// later [`OutputSink::update_display`] calls can replace it in place.
    fn display(&mut self, d: &Display, id: Option<&str>);
    /// Replaces the output first shown under `id` (a live loss curve). A
    /// sink that cannot redraw shows it again.
    fn update_display(&mut self, d: &Display, id: &str) {
        self.display(d, Some(id));
    }
    /// `input(prompt)`: shows the prompt and reads one line (without its
    /// newline); `None` at the end of input (an `EOFError`). By default
    /// from the process's stdin; `Err` is the exception to raise.
    fn read_line(&mut self, prompt: &str) -> Result<Option<String>, InputError> {
        self.write_stdout(prompt);
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => {
                if line.ends_with('\n') {
                    line.pop();
                    if line.ends_with('\r') {
                        line.pop();
                    }
                }
                Ok(Some(line))
            }
            Err(e) => Err(InputError {
                exc: "OSError",
                message: e.to_string(),
            }),
        }
    }
    /// `IPython.display.clear_output(wait)`: clears the running cell's
    /// outputs (with `wait`, when the next output arrives). Nothing to clear
    /// in a terminal or a buffer.
    fn clear_output(&mut self, _wait: bool) {}
    /// A `tqdm` bar's new state; `id` is unique per bar, `done` once it
    /// closes. By default only the closed bar is written, as one line.
    fn progress(&mut self, _id: &str, p: &Progress, done: bool) {
        if done {
            self.write_stderr(&format!("{}\n", p.terminal_line(20)));
        }
    }
}

/// The process's stdout and stderr.
pub struct StdSink;

impl OutputSink for StdSink {
    fn write_stdout(&mut self, s: &str) {
        use std::io::Write;
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(s.as_bytes());
        let _ = o.flush();
    }
    fn write_stderr(&mut self, s: &str) {
        eprint!("{s}");
    }
    fn display(&mut self, d: &Display, _id: Option<&str>) {
        println!("{}", d.text);
    }
}

/// Collects output in memory (tests, notebooks): stdout and stderr text.
#[derive(Clone, Default)]
pub struct BufferSink {
    pub stdout: Arc<Mutex<String>>,
    pub stderr: Arc<Mutex<String>>,
}

impl BufferSink {
    pub fn take_stdout(&self) -> String {
        std::mem::take(&mut *self.stdout.lock().unwrap_or_else(|e| e.into_inner()))
    }
    pub fn take_stderr(&self) -> String {
        std::mem::take(&mut *self.stderr.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl OutputSink for BufferSink {
    fn write_stdout(&mut self, s: &str) {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_str(s);
    }
    fn write_stderr(&mut self, s: &str) {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_str(s);
    }
    fn display(&mut self, d: &Display, _id: Option<&str>) {
        let mut o = self.stdout.lock().unwrap_or_else(|e| e.into_inner());
        o.push_str(&d.text);
        o.push('\n');
    }
    /// No input here: `input()` shows its prompt and meets the end.
    fn read_line(&mut self, prompt: &str) -> Result<Option<String>, InputError> {
        self.write_stdout(prompt);
        Ok(None)
    }
}

/// One traceback entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub file: String,
    pub line: usize,
    /// `<module>` or the function name.
    pub func: String,
    /// The source line, leading whitespace stripped.
    pub source_line: String,
    /// Caret range in characters within `source_line` (start, length).
    pub caret: Option<(usize, usize)>,
}

/// An uncaught error of a cell: Python's exception name, message, traceback.
#[derive(Clone, Debug, PartialEq)]
pub struct LangError {
    /// `"RuntimeError"`, `"SyntaxError"`, ...
    pub exc: String,
    pub message: String,
    /// Outermost first, as Python prints it.
    pub traceback: Vec<Frame>,
    /// For syntax errors: the `File ..., line N` block Python prints instead
    /// of a traceback.
    pub syntax: Option<String>,
    /// `sys.exit(code)`: the requested exit status.
    pub exit_code: Option<i32>,
}

impl LangError {
    /// Python-style rendering: traceback, source lines, carets, `Exc: message`.
    pub fn render(&self) -> String {
        self.render_styled(false)
    }

    /// [`LangError::render`] with CPython 3.13's terminal colours (ANSI):
    /// file, line and function in magenta, carets in bold red, the
    /// exception's name in bold magenta and its message in magenta. Jupyter
    /// front ends show these colours too.
    pub fn render_coloured(&self) -> String {
        self.render_styled(true)
    }

    fn render_styled(&self, colour: bool) -> String {
        let paint = |code: &str, t: &str| {
            if colour {
                format!("\x1b[{code}m{t}\x1b[0m")
            } else {
                t.to_string()
            }
        };
        let (name, detail, carets) = ("35", "35", "1;31");
        let last = if self.message.is_empty() {
            paint("1;35", &self.exc)
        } else {
            format!(
                "{}: {}",
                paint("1;35", &self.exc),
                paint(detail, &self.message)
            )
        };
        if let Some(s) = &self.syntax {
            return format!("{s}\n{last}");
        }
        let mut out = String::from("Traceback (most recent call last):\n");
        // CPython prints a frame repeated in a row three times, then counts
        // the rest: "[Previous line repeated 996 more times]".
        let same = |a: &Frame, b: &Frame| a.file == b.file && a.line == b.line && a.func == b.func;
        let mut i = 0;
        while i < self.traceback.len() {
            let f = &self.traceback[i];
            let run = self.traceback[i..]
                .iter()
                .take_while(|g| same(f, g))
                .count();
            for _ in 0..run.min(3) {
                out.push_str(&format!(
                    "  File \"{}\", line {}, in {}\n",
                    paint(name, &f.file),
                    paint(name, &f.line.to_string()),
                    paint(name, &f.func)
                ));
                if !f.source_line.is_empty() {
                    out.push_str(&format!("    {}\n", f.source_line));
                    if let Some((c, n)) = f.caret {
                        out.push_str(&format!(
                            "    {}{}\n",
                            " ".repeat(c),
                            paint(carets, &"^".repeat(n))
                        ));
                    }
                }
            }
            if run > 3 {
                let more = run - 3;
                let times = if more == 1 { "time" } else { "times" };
                out.push_str(&format!("  [Previous line repeated {more} more {times}]\n"));
            }
            i += run;
        }
        out.push_str(&last);
        out
    }
}

impl std::fmt::Display for LangError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for LangError {}

enum Request {
    Run(String, String, bool),
    SetOutput(Box<dyn OutputSink>),
    Complete(String, usize),
    Inspect(String, usize),
    Globals,
    SetArgv(Vec<String>),
    SetStepLimit(Option<u64>),
}

enum Response {
    Run(Result<Option<Display>, LangError>),
    Complete(usize, Vec<String>),
    Inspect(Option<String>),
    Globals(Vec<String>),
    Ack,
}

/// One interpreter state: globals persist across cells.
pub struct Session {
    tx: Option<Sender<Request>>,
    rx: Receiver<Response>,
    interrupt: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    pub fn new() -> Session {
        let (tx, req_rx) = channel::<Request>();
        let (resp_tx, rx) = channel::<Response>();
        let interrupt = Arc::new(AtomicBool::new(false));
        let flag = interrupt.clone();
        let worker = std::thread::Builder::new()
            .name("tinytorch-eval".into())
            .stack_size(EVAL_STACK)
            .spawn(move || worker(req_rx, resp_tx, flag))
            .expect("spawning the evaluator thread");
        Session {
            tx: Some(tx),
            rx,
            interrupt,
            worker: Some(worker),
        }
    }

    fn ask(&self, r: Request) -> Option<Response> {
        self.tx.as_ref()?.send(r).ok()?;
        self.rx.recv().ok()
    }

    /// Runs a cell or REPL input. `name` is the file or cell name shown in
    /// tracebacks; `echo` displays the final expression statement's value
    /// (IPython's rule, `;` suppresses it).
    pub fn run(&mut self, src: &str, name: &str, echo: bool) -> Result<Option<Display>, LangError> {
        match self.ask(Request::Run(src.to_string(), name.to_string(), echo)) {
            Some(Response::Run(r)) => r,
            _ => Err(LangError {
                exc: "SystemError".into(),
                message: "the evaluator thread stopped".into(),
                traceback: vec![],
                syntax: None,
                exit_code: None,
            }),
        }
    }

    /// Where `print()` and displays go while a cell runs.
    pub fn set_output(&mut self, out: Box<dyn OutputSink>) {
        let _ = self.ask(Request::SetOutput(out));
    }

    /// Set it to stop a running cell with `KeyboardInterrupt`.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// Completions at `cursor` (a byte offset in `line`): the start of the
    /// word being completed and the candidates.
    pub fn complete(&self, line: &str, cursor: usize) -> (usize, Vec<String>) {
        match self.ask(Request::Complete(line.to_string(), cursor)) {
            Some(Response::Complete(s, v)) => (s, v),
            _ => (cursor, vec![]),
        }
    }

    /// Docstring and signature of the name or attribute chain at `cursor`.
    pub fn inspect(&self, code: &str, cursor: usize) -> Option<String> {
        match self.ask(Request::Inspect(code.to_string(), cursor)) {
            Some(Response::Inspect(s)) => s,
            _ => None,
        }
    }

    pub fn is_complete(src: &str) -> Completeness {
        syntax::classify(src)
    }

    /// The names the user has defined (not the builtins).
    pub fn globals(&self) -> Vec<String> {
        match self.ask(Request::Globals) {
            Some(Response::Globals(v)) => v,
            _ => vec![],
        }
    }

    /// `sys.argv` for a script run.
    pub fn set_argv(&mut self, argv: Vec<String>) {
        let _ = self.ask(Request::SetArgv(argv));
    }

    /// Stops any cell after `steps` loop iterations and calls (tests).
    pub fn set_step_limit(&mut self, steps: Option<u64>) {
        let _ = self.ask(Request::SetStepLimit(steps));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn worker(rx: Receiver<Request>, tx: Sender<Response>, flag: Arc<AtomicBool>) {
    let mut it = Interp::new(Box::new(StdSink), flag.clone());
    crate::library::install(&mut it);
    while let Ok(req) = rx.recv() {
        let resp = match req {
            Request::Run(src, name, echo) => {
                // An interrupt from before this cell (the engine's flag
                // included) must not stop it.
                flag.store(false, Ordering::Relaxed);
                tinytorch::interrupt::clear();
                it.steps = 0;
                // A panic in native code ends the cell, not the session: the
                // interpreter and its globals stay as they were.
                let run = catch_unwind(AssertUnwindSafe(|| {
                    let r = run_cell(&mut it, &src, &name, echo);
                    // What the cell's last statements let go of is settled
                    // now, not when the next cell starts.
                    it.settle();
                    r
                }));
                Response::Run(run.unwrap_or_else(|p| Err(internal_error(p.as_ref()))))
            }
            Request::SetOutput(o) => {
                it.out = o;
                Response::Ack
            }
            Request::Complete(line, cursor) => {
                let done = catch_unwind(AssertUnwindSafe(|| {
                    crate::library::introspect::complete(&mut it, &line, cursor)
                }));
                let (s, v) = done.unwrap_or((cursor, Vec::new()));
                Response::Complete(s, v)
            }
            Request::Inspect(code, cursor) => {
                let done = catch_unwind(AssertUnwindSafe(|| {
                    crate::library::introspect::inspect(&mut it, &code, cursor)
                }));
                Response::Inspect(done.unwrap_or(None))
            }
            Request::Globals => Response::Globals(
                it.names
                    .iter()
                    .zip(&it.globals)
                    .filter(|(_, v)| !matches!(v, Value::Unbound))
                    .map(|(n, _)| n.to_string())
                    .collect(),
            ),
            Request::SetArgv(a) => {
                if let Some(Value::Module(sys)) = it.modules.get("sys") {
                    sys.set(
                        "argv",
                        Value::list(a.iter().map(|s| Value::str(s)).collect()),
                    );
                }
                it.argv = a;
                Response::Ack
            }
            Request::SetStepLimit(s) => {
                it.step_limit = s;
                Response::Ack
            }
        };
        if tx.send(resp).is_err() {
            break;
        }
    }
}

/// The error a cell ends with when native code panicked.
fn internal_error(payload: &(dyn std::any::Any + Send)) -> LangError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    LangError {
        exc: "SystemError".into(),
        message: format!(
            "internal error in tinytorch: {what} (the session and its variables are kept; please report this)"
        ),
        traceback: vec![],
        syntax: None,
        exit_code: None,
    }
}

/// A cell parsed and resolved, ready to run (once, or many times under
/// `%%timeit`).
struct Prepared {
    code: crate::eval::code::ModuleCode,
    source: Rc<Source>,
    trailing_semicolon: bool,
}

fn usage_error(message: String) -> LangError {
    LangError {
        exc: "UsageError".into(),
        message,
        traceback: vec![],
        syntax: None,
        exit_code: None,
    }
}

fn run_cell(
    it: &mut Interp,
    src: &str,
    name: &str,
    echo: bool,
) -> Result<Option<Display>, LangError> {
    crate::library::viz::new_cell();
    let Some(magic) = crate::magics::cell_magic(src) else {
        let p = prepare(it, src, name)?;
        return execute(it, &p, echo);
    };
    let (magic, body) = magic.map_err(usage_error)?;
    match magic {
        crate::magics::CellMagic::Time => {
            let p = prepare(it, &body, name)?;
            let clock = crate::library::ipython::Clock::start();
            let r = execute(it, &p, echo);
            let report = clock.report();
            it.out.write_stdout(&report);
            r
        }
        crate::magics::CellMagic::Timeit(o) => {
            if !o.setup.trim().is_empty() {
                let setup = prepare(it, &o.setup, name)?;
                execute(it, &setup, false)?;
            }
            let p = prepare(it, &body, name)?;
            let mut failed = None;
            let report =
                crate::library::ipython::timeit(it, o.number, o.repeat, &mut |it| match execute(
                    it, &p, false,
                ) {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        failed = Some(e);
                        Err(crate::eval::error::exc(
                            "RuntimeError",
                            "the timed cell failed",
                        ))
                    }
                });
            if let Some(e) = failed {
                return Err(e);
            }
            let report = report.map_err(|e| to_lang_error(it, *e, &p.source))?;
            it.out.write_stdout(&report);
            Ok(None)
        }
    }
}

/// Parses and resolves a cell; one that is not Python but uses IPython's
/// syntax (line magics, `x?`, `!cmd`) is parsed as rewritten by
/// [`crate::magics`], its lines kept where they were.
fn prepare(it: &mut Interp, src: &str, name: &str) -> Result<Prepared, LangError> {
    let module = match syntax::parse_module(src) {
        Ok(m) => m,
        Err(e) => {
            let rewritten =
                crate::magics::transform(src).and_then(|t| syntax::parse_module(&t).ok());
            match rewritten {
                Some(m) => m,
                None => {
                    return Err(LangError {
                        exc: e.exc.to_string(),
                        message: e.message.clone(),
                        traceback: vec![],
                        syntax: Some({
                            let r = e.render(name, src);
                            // `render` ends with the "Exc: message" line; keep the location part.
                            r.rsplit_once('\n').map(|(a, _)| a.to_string()).unwrap_or(r)
                        }),
                        exit_code: None,
                    });
                }
            }
        }
    };
    let source = Rc::new(Source {
        name: name.to_string(),
        text: src.to_string(),
    });
    let code = resolve_module(&module, source.clone(), it);
    Ok(Prepared {
        code,
        source,
        trailing_semicolon: module.trailing_semicolon,
    })
}

/// Runs a prepared cell; with `echo`, its last expression's value is the
/// cell's display.
fn execute(it: &mut Interp, p: &Prepared, echo: bool) -> Result<Option<Display>, LangError> {
    let code = &p.code;
    let mut frame = EvalFrame {
        slots: vec![Value::Unbound; code.nslots as usize],
        func: None,
    };
    for &c in &code.cells {
        frame.slots[c as usize] = Value::Cell(Rc::new(std::cell::RefCell::new(Value::Unbound)));
    }
    it.depth = 0;
    it.class_ns.clear();
    it.handling.clear();
    let body = &code.body;
    let display_last =
        echo && !p.trailing_semicolon && matches!(body.last().map(|s| &s.kind), Some(StK::Expr(_)));
    let n = if display_last {
        body.len() - 1
    } else {
        body.len()
    };
    let result = (|| {
        it.exec_block(&body[..n], &mut frame)?;
        if display_last {
            let last = &body[n];
            let StK::Expr(e) = &last.kind else {
                unreachable!("checked above")
            };
            let v = crate::eval::interp::at(it.eval(e, &mut frame), last.span)?;
            if !matches!(v, Value::None) {
                return crate::library::display_of(it, &v).map(Some);
            }
        }
        Ok(None)
    })();
    // Bars that a `break` or an error left open end before the cell's output,
    // then the figures the cell changed show (matplotlib's inline rule).
    crate::library::viz::flush_closed(it);
    crate::library::figure::show_pending(it);
    result.map_err(|e: Box<PyErr>| to_lang_error(it, *e, &p.source))
}

fn to_lang_error(it: &mut Interp, mut e: PyErr, source: &Rc<Source>) -> LangError {
    let span = e.span.take().unwrap_or_default();
    e.tb.push(crate::eval::error::TbEntry {
        source: source.clone(),
        span,
        func: Rc::from("<module>"),
    });
    let traceback =
        e.tb.iter()
            .rev()
            .map(|t| {
                let sl = t.span.source_line(&t.source.text);
                let trimmed = sl.text.trim_start();
                let lead = sl.text.chars().count() - trimmed.chars().count();
                let col = (sl.caret_col - 1).saturating_sub(lead);
                let width = trimmed.trim_end().chars().count();
                // Python leaves the carets out when they would underline the whole line.
                let caret = if col == 0 && sl.caret_len >= width {
                    None
                } else {
                    Some((col, sl.caret_len))
                };
                Frame {
                    file: t.source.name.clone(),
                    line: sl.line,
                    func: t.func.to_string(),
                    source_line: trimmed.trim_end().to_string(),
                    caret,
                }
            })
            .collect();
    let message = it.exception_message(&e.value);
    let exit_code = match e.exit {
        Some(code) => Some(code),
        None if e.is("SystemExit") => Some(system_exit_status(it, &e.value)),
        None => None,
    };
    LangError {
        exc: e.name(),
        message,
        traceback,
        syntax: None,
        exit_code,
    }
}

/// The exit status of an uncaught `raise SystemExit(arg)`, as CPython's
/// interpreter reads it: no argument or None is 0, an int is itself (the
/// low byte), anything else is printed on stderr and is 1.
fn system_exit_status(it: &mut Interp, exc: &Value) -> i32 {
    let arg = match exc {
        Value::Instance(inst) => match inst.get("args") {
            Some(Value::Tuple(t)) if t.items.len() == 1 => t.items[0].clone(),
            Some(Value::Tuple(t)) if t.items.is_empty() => Value::None,
            Some(args) => args,
            None => Value::None,
        },
        _ => Value::None,
    };
    match arg {
        Value::None => 0,
        Value::Int(i) => (i & 0xff) as i32,
        Value::Bool(b) => b as i32,
        other => {
            let text = it.to_str(&other).unwrap_or_default();
            it.out.write_stderr(&format!("{text}\n"));
            1
        }
    }
}
