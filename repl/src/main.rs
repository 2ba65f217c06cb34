//! `tinytorch-repl`: the terminal front end of the tinytorch language: the
//! rustyline loop and its helper, nothing else. Running code is
//! [`Session`]'s job, drawing output is `render`'s.
//!
//! `tinytorch-repl` starts the interactive loop, `tinytorch-repl FILE [ARGS]`
//! runs a script as `python FILE` does, `-c CODE [ARGS]` runs a string, and
//! input piped to stdin runs as a script.
//!
//! Continuation prompts: Python's `>>> ` / `... ` need one prompt per line,
//! which rustyline 15 draws only for the first line of a buffer (its cursor
//! layout ignores highlighter output, so `... ` cannot be painted in either).
//! So each physical line is one `readline` call, and [`Session::is_complete`]
//! on the lines so far decides between running and asking for the next
//! line, whose suggested indentation is typed in for the user. A whole block
//! enters the history as one entry: recalled, it comes back as one buffer,
//! which the same rule runs when the user accepts it.
//!
//! Indentation typed or pasted by hand wins over the suggested one: a
//! continuation line that starts with whitespace of its own after the
//! typed-in indentation loses the typed-in part, and the rest of that cell
//! gets no suggested indentation (see [`own_indentation`]). So a script
//! pasted without bracketed paste runs as it would in a file.
//!
//! Per key, the editor's work is bounded independently of the line's length
//! (see [`LONG_LINE`]): on longer lines a typed character is echoed as it
//! is, without redrawing (and re-colouring) the whole line, and history
//! hints are not searched.

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::Ordering;
mod render;

use render::{highlight, TerminalConfig, TerminalSink};
use tinytorch_lang::syntax::Completeness;
use tinytorch_lang::{LangError, Session};

const USAGE: &str = "\
usage: tinytorch-repl [option] ... [-c cmd | file | -] [arg] ...
Runs the tinytorch language, a Python subset whose tensor library mirrors PyTorch.

  (no argument)  interactive prompt (reads a script from stdin if it is not a terminal)
  file           run the script in file, as `python file` does
  -c cmd         run the program passed in as a string
  -              read the program from stdin
  -h, --help     print this help and exit
  -V, --version  print the version and exit

Environment:
  TINYTORCH_HISTORY   history file (default: $XDG_DATA_HOME/tinytorch/history,
                      or ~/.local/share/tinytorch/history)
  TINYTORCH_IMAGES    inline pictures: kitty | iterm | sixel | text (default: detected)
  TINYTORCH_PLOT_DIR  where pictures are saved (default: ./tinytorch-plots)
";

/// What the command line asks for.
enum Mode {
    Interactive,
    Script { path: String, argv: Vec<String> },
    Command { code: String, argv: Vec<String> },
    Stdin { argv: Vec<String> },
}

fn parse_args(args: Vec<String>) -> Result<Mode, ExitCode> {
    let mut it = args.into_iter();
    let Some(first) = it.next() else {
        return Ok(Mode::Interactive);
    };
    let rest: Vec<String> = it.collect();
    match first.as_str() {
        "-h" | "--help" => {
            print!("{USAGE}");
            Err(ExitCode::SUCCESS)
        }
        "-V" | "--version" => {
            println!("tinytorch {}", tinytorch_lang::VERSION);
            Err(ExitCode::SUCCESS)
        }
        "-c" => match rest.split_first() {
            Some((code, more)) => Ok(Mode::Command {
                code: code.clone(),
                argv: std::iter::once("-c".to_string())
                    .chain(more.iter().cloned())
                    .collect(),
            }),
            None => {
                eprintln!("Argument expected for the -c option\n{USAGE}");
                Err(ExitCode::from(2))
            }
        },
        "-" => Ok(Mode::Stdin {
            argv: std::iter::once("-".to_string()).chain(rest).collect(),
        }),
        flag if flag.starts_with('-') && flag.len() > 1 => {
            eprintln!("unknown option {flag}\n{USAGE}");
            Err(ExitCode::from(2))
        }
        _ => Ok(Mode::Script {
            argv: std::iter::once(first.clone()).chain(rest).collect(),
            path: first,
        }),
    }
}

fn main() -> ExitCode {
    let mode = match parse_args(std::env::args().skip(1).collect()) {
        Ok(m) => m,
        Err(code) => return code,
    };
    // Under mpirun: RANK, WORLD_SIZE, LOCAL_RANK as torchrun sets them, for
    // os.environ (before any thread reads the environment).
    tinytorch::distributed::set_torchrun_env();
    let cfg = TerminalConfig::from_env();
    let mut session = Session::new();
    let sink = TerminalSink::new(cfg.clone());
    let input_mark = sink.input_mark();
    session.set_output(Box::new(sink));
    install_interrupt(&session);
    match mode {
        Mode::Interactive if std::io::stdin().is_terminal() => {
            interactive(session, &cfg, &input_mark)
        }
        Mode::Interactive => run_stdin(session, &cfg, vec![String::new()]),
        Mode::Stdin { argv } => run_stdin(session, &cfg, argv),
        Mode::Script { path, argv } => match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(src) => run_script(session, &cfg, &src, &path, argv),
                Err(e) => {
                    eprintln!("{}", not_utf8(&path, e.as_bytes(), e.utf8_error()));
                    ExitCode::from(1)
                }
            },
            Err(e) => {
                eprintln!("tinytorch-repl: can't open file '{path}': {e}");
                ExitCode::from(2)
            }
        },
        Mode::Command { code, argv } => run_script(session, &cfg, &code, "<string>", argv),
    }
}

/// CPython's error for a file that is not UTF-8 (a `SyntaxError`, exit 1).
fn not_utf8(path: &str, bytes: &[u8], e: std::str::Utf8Error) -> String {
    let at = e.valid_up_to();
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let shown = std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string());
    format!(
        "SyntaxError: Non-UTF-8 code starting with '\\x{:02x}' in file {shown} on line {line}, but no encoding declared; see https://peps.python.org/pep-0263/ for details",
        bytes[at]
    )
}

/// Ctrl-C while a cell runs sets the session's interrupt flag, which the
/// evaluator turns into `KeyboardInterrupt`. (While the user types, the
/// terminal is in raw mode and rustyline reads Ctrl-C as a key instead.)
/// A second Ctrl-C before the evaluator took the first one ends the process,
/// for code that does not poll the flag.
fn install_interrupt(session: &Session) {
    let flag = session.interrupt_handle();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        // Long engine ops (a big matmul, a reduction) stop at their next
        // chunk too, instead of running to the end first.
        tinytorch::interrupt::request();
    });
}

fn run_stdin(session: Session, cfg: &TerminalConfig, argv: Vec<String>) -> ExitCode {
    let mut src = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut src) {
        eprintln!("tinytorch-repl: can't read stdin: {e}");
        return ExitCode::from(2);
    }
    run_script(session, cfg, &src, "<stdin>", argv)
}

/// `python FILE`: no echo; an uncaught error prints its traceback on stderr
/// and exits with status 1 (`sys.exit(n)` exits with n).
fn run_script(
    mut session: Session,
    cfg: &TerminalConfig,
    src: &str,
    name: &str,
    argv: Vec<String>,
) -> ExitCode {
    session.set_argv(argv);
    match session.run(src, name, false) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => match e.exit_code {
            Some(code) => ExitCode::from(code.clamp(0, 255) as u8),
            None => {
                eprint!("{}", render::error_text(&e, cfg.stderr_tty));
                ExitCode::from(1)
            }
        },
    }
}

/// The history file: `$TINYTORCH_HISTORY`, else the user's data directory.
fn history_path() -> Option<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = nonempty("TINYTORCH_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let data = nonempty("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| nonempty("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("tinytorch").join("history"))
}

/// `input_mark`: set before each cell runs, since its input line was echoed
/// below any earlier output (see [`TerminalSink::input_mark`]).
fn interactive(
    session: Session,
    cfg: &TerminalConfig,
    input_mark: &std::sync::atomic::AtomicBool,
) -> ExitCode {
    println!(
        "tinytorch {} (tinytorch-repl, Rust) | CUDA available: {}",
        tinytorch_lang::VERSION,
        if tinytorch::cuda::is_available() {
            "yes"
        } else {
            "no"
        }
    );
    println!("Type help(name) for help, Ctrl-D to exit.");
    let session = Rc::new(RefCell::new(session));
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .history_ignore_dups(true)
        .and_then(|c| c.history_ignore_space(false).max_history_size(10_000))
        .map(|c| c.build())
        .unwrap_or_default();
    let mut rl: Editor<ReplHelper, FileHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("tinytorch-repl: cannot start the line editor: {e}");
            return ExitCode::from(1);
        }
    };
    rl.set_helper(Some(ReplHelper {
        session: session.clone(),
        hinter: HistoryHinter::new(),
        colour: cfg.stdout_tty,
        work: Default::default(),
    }));
    let history = history_path();
    if let Some(p) = &history {
        let _ = rl.load_history(p);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut indent = String::new();
    // The user indents this cell by hand: no more suggested indentation.
    let mut by_hand = false;
    loop {
        let prompt = if lines.is_empty() { ">>> " } else { "... " };
        let line = match rl.readline_with_initial(prompt, (&indent, "")) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C while typing drops the input, as Python's prompt does.
                lines.clear();
                indent.clear();
                by_hand = false;
                continue;
            }
            Err(ReadlineError::Eof) => {
                println!();
                break;
            }
            Err(e) => {
                eprintln!("tinytorch-repl: {e}");
                break;
            }
        };
        let line = match own_indentation(&indent, line) {
            Ok(own) => {
                by_hand = true;
                own
            }
            Err(line) => line,
        };
        lines.push(line);
        let src = lines.join("\n");
        indent.clear();
        match Session::is_complete(&src) {
            Completeness::Incomplete { indent: next } => {
                // A recalled or pasted block needs no closing blank line.
                let recalled = lines.len() == 1 && src.contains('\n');
                if !(recalled
                    && Session::is_complete(&format!("{src}\n")) == Completeness::Complete)
                {
                    if !by_hand {
                        indent = next;
                    }
                    continue;
                }
            }
            Completeness::Complete | Completeness::Invalid => {}
        }
        lines.clear();
        by_hand = false;
        let src = src.trim_end().to_string();
        if src.trim().is_empty() {
            continue;
        }
        if rl.add_history_entry(src.as_str()).unwrap_or(false) {
            if let Some(p) = &history {
                save_history(&mut rl, p);
            }
        }
        input_mark.store(true, Ordering::SeqCst);
        let result = session.borrow_mut().run(&src, "<stdin>", true);
        if let Err(code) = show_result(result, cfg) {
            return code;
        }
    }
    ExitCode::SUCCESS
}

/// A continuation line whose text after the typed-in indentation `auto`
/// starts with whitespace of its own (pasted without bracketed paste, or
/// typed by someone who indents by hand): `Ok` with that text alone, as
/// IPython and CPython 3.13 keep such a line's own indentation. `Err` gives
/// the line back unchanged otherwise.
fn own_indentation(auto: &str, line: String) -> Result<String, String> {
    if auto.is_empty() {
        return Err(line);
    }
    match line.strip_prefix(auto) {
        Some(rest) if rest.starts_with([' ', '\t']) => Ok(rest.to_string()),
        _ => Err(line),
    }
}

/// Lines longer than this (in bytes) are not redrawn on every typed
/// character, nor searched in the history for a hint: that per-key work
/// grows with the line, so typing or pasting a long line would take time
/// quadratic in its length. Colours catch up at the next full redraw (when
/// the cursor wraps to a new row, on Enter, or on any edit but appending).
const LONG_LINE: usize = 512;

/// Appends to the history file; a missing directory is created, and a
/// failure (read-only home, full disk) is ignored: history is a comfort.
fn save_history(rl: &mut Editor<ReplHelper, FileHistory>, path: &std::path::Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = rl.append_history(path);
}

/// Prints a cell's value or error; `Err` with the status when the cell
/// called `sys.exit`.
fn show_result(
    result: Result<Option<tinytorch_lang::Display>, LangError>,
    cfg: &TerminalConfig,
) -> Result<(), ExitCode> {
    match result {
        Ok(Some(d)) => {
            use std::io::Write;
            let text = render::display_text(&d, cfg);
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
        Ok(None) => {}
        Err(e) => {
            if let Some(code) = e.exit_code {
                return Err(ExitCode::from(code.clamp(0, 255) as u8));
            }
            eprint!("{}", render::error_text(&e, cfg.stderr_tty));
        }
    }
    Ok(())
}

/// rustyline's helper: completion from the session, history hints, syntax
/// colours.
struct ReplHelper {
    session: Rc<RefCell<Session>>,
    hinter: HistoryHinter,
    colour: bool,
    /// Bytes of input the hinter and highlighter have gone over (for the
    /// per-key work test).
    work: std::cell::Cell<usize>,
}

impl Helper for ReplHelper {}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        // Tab in the indentation indents, as in Python's REPL.
        if line[..pos].trim().is_empty() {
            return Ok((
                pos,
                vec![Pair {
                    display: "    ".into(),
                    replacement: "    ".into(),
                }],
            ));
        }
        let Ok(session) = self.session.try_borrow() else {
            return Ok((pos, vec![]));
        };
        let (start, names) = session.complete(line, pos);
        let start = start.min(pos);
        Ok((
            start,
            names
                .into_iter()
                .map(|n| Pair {
                    display: n.clone(),
                    replacement: n,
                })
                .collect(),
        ))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        if line.len() > LONG_LINE {
            return None;
        }
        self.work.set(self.work.get() + line.len());
        // A hint is the rest of a history entry's first line only: a block's
        // later lines would not line up under a `... ` prompt.
        let h = self.hinter.hint(line, pos, ctx)?;
        let first = h.split('\n').next().unwrap_or("");
        (!first.is_empty()).then(|| first.to_string())
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.colour {
            return Cow::Borrowed(line);
        }
        self.work.set(self.work.get() + line.len());
        Cow::Owned(highlight::highlight(line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.colour {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(format!("\x1b[90m{hint}\x1b[0m"))
    }

    /// Whether an edit needs the whole line redrawn: the colours do not
    /// depend on the cursor, so moving it never does; appending a character
    /// to a long line does not either (see [`LONG_LINE`]).
    fn highlight_char(&self, line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.colour
            && match kind {
                CmdKind::MoveCursor => false,
                CmdKind::Other => line.len() <= LONG_LINE,
                CmdKind::ForcedRefresh => true,
            }
    }
}

/// A one-line buffer is always accepted: whether it ends the cell is decided
/// in the loop (see the module comment), so that the next line gets its
/// `... ` prompt. A multi-line buffer (a block recalled from history or
/// pasted) is edited in place, so there Enter inserts a line break while
/// the block is unfinished even with a closing blank line, e.g. inside an
/// open bracket.
impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input.contains('\n') {
            if let Completeness::Incomplete { .. } = Session::is_complete(&format!("{input}\n")) {
                return Ok(ValidationResult::Incomplete);
            }
        }
        Ok(ValidationResult::Valid(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustyline::history::{History, MemHistory};

    #[test]
    fn own_indentation_replaces_the_typed_in_one() {
        let own = |auto: &str, line: &str| own_indentation(auto, line.to_string());
        // Pasted `    y = 1` after a typed-in 4-space indent.
        assert_eq!(own("    ", "        y = 1"), Ok("    y = 1".to_string()));
        assert_eq!(own("    ", "    \ty = 1"), Ok("\ty = 1".to_string()));
        // A dedent pasted under a deeper suggestion keeps its own level.
        assert_eq!(
            own("        ", "            else:"),
            Ok("    else:".to_string())
        );
        // Typed on the suggestion, or edited: unchanged.
        assert_eq!(own("    ", "    y = 1"), Err("    y = 1".to_string()));
        assert_eq!(own("    ", "y = 1"), Err("y = 1".to_string()));
        assert_eq!(own("    ", "    "), Err("    ".to_string()));
        assert_eq!(own("", "  y"), Err("  y".to_string()));
    }

    fn helper() -> ReplHelper {
        ReplHelper {
            session: Rc::new(RefCell::new(Session::new())),
            hinter: HistoryHinter::new(),
            colour: true,
            work: Default::default(),
        }
    }

    /// Typing a 10 kB line key by key, as rustyline does per key: a hint,
    /// and a full highlight when `highlight_char` asks for a redraw. The
    /// bytes gone over per key stay under a bound that does not grow with
    /// the line (it was the whole line on every key, twice).
    #[test]
    fn work_per_typed_key_is_bounded_on_a_long_line() {
        let h = helper();
        let line: String = "x = [".to_string() + &"1, ".repeat(3400) + "1]";
        assert!(line.len() > 10_000);
        // The worst case for the history search: the line itself is there.
        let mut history = MemHistory::new();
        history.add(&line).unwrap();
        let ctx = Context::new(&history);
        let mut redraws = 0;
        let mut max_per_key = 0;
        for end in 1..=line.len() {
            let typed = &line[..end];
            let before = h.work.get();
            let _ = h.hint(typed, end, &ctx);
            if h.highlight_char(typed, end, CmdKind::Other) {
                redraws += 1;
                let _ = h.highlight(typed, end);
            }
            max_per_key = max_per_key.max(h.work.get() - before);
            // Moving the cursor never redraws.
            assert!(!h.highlight_char(typed, end / 2, CmdKind::MoveCursor));
        }
        assert!(
            max_per_key <= 2 * LONG_LINE,
            "{max_per_key} bytes in one key"
        );
        assert_eq!(redraws, LONG_LINE);
        assert!(
            h.work.get() <= 2 * LONG_LINE * LONG_LINE,
            "{}",
            h.work.get()
        );
        // The final redraw on Enter still colours the whole line.
        assert!(h.highlight_char(&line, line.len(), CmdKind::ForcedRefresh));
        assert!(h.highlight(&line, line.len()).contains("\x1b[36m1\x1b[0m]"));
    }

    #[test]
    fn short_lines_are_redrawn_and_hinted_as_before() {
        let h = helper();
        assert!(h.highlight_char("def", 3, CmdKind::Other));
        let mut history = MemHistory::new();
        history.add("print('hello')").unwrap();
        let ctx = Context::new(&history);
        assert_eq!(h.hint("pri", 3, &ctx).as_deref(), Some("nt('hello')"));
    }
}
