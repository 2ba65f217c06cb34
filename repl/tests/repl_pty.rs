//! End-to-end tests of the interactive `tinytorch-repl` in a pseudo-terminal
//! (rexpect): what a user at a terminal types and sees. Output is matched
//! with ANSI escapes stripped; every wait has a generous timeout so that a
//! loaded machine slows the tests down instead of failing them.

#![cfg(unix)]

use rexpect::process::wait::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::PtySession;
use std::path::PathBuf;
use std::process::Command;

/// Long enough for a debug build on a busy 2-core machine.
const TIMEOUT_MS: u64 = 30_000;

struct Repl {
    p: PtySession,
    dir: PathBuf,
}

impl Drop for Repl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(tag: &str) -> Repl {
    spawn_with(tag, true)
}

fn spawn_with(tag: &str, strip_ansi: bool) -> Repl {
    let dir = std::env::temp_dir().join(format!("tinytorch-pty-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tinytorch-repl"));
    cmd.current_dir(&dir)
        .env("TERM", "xterm-256color")
        .env("HOME", &dir)
        .env("TINYTORCH_HISTORY", dir.join("history"))
        .env("TINYTORCH_IMAGES", "text")
        .env_remove("XDG_DATA_HOME")
        .env_remove("COLUMNS");
    let opts = Options::new()
        .timeout_ms(Some(TIMEOUT_MS))
        .strip_ansi_escape_codes(strip_ansi);
    let p = rexpect::session::spawn_with_options(cmd, opts).expect("spawning tinytorch-repl");
    let mut r = Repl { p, dir };
    r.expect("CUDA available: no");
    r.expect("Ctrl-D to exit.");
    r.prompt();
    r
}

impl Repl {
    fn expect(&mut self, s: &str) -> String {
        match self.p.exp_string(s) {
            Ok(before) => before,
            Err(e) => panic!("waiting for {s:?}: {e}"),
        }
    }

    fn expect_regex(&mut self, re: &str) -> String {
        match self.p.exp_regex(re) {
            Ok((before, _)) => before,
            Err(e) => panic!("waiting for /{re}/: {e}"),
        }
    }

    /// A fresh `>>> ` prompt: one that starts a line. (Redraws of the line
    /// being edited start with a bare carriage return instead; typing before
    /// the fresh prompt is up would race the editor.)
    fn prompt(&mut self) -> String {
        self.expect_regex(r"\n[^\n]*>>> ")
    }

    /// A fresh `... ` continuation prompt.
    fn cont(&mut self) -> String {
        self.expect_regex(r"\n[^\n]*\.\.\. ")
    }

    /// Types `s` and presses Enter (a carriage return, as a terminal sends).
    fn enter(&mut self, s: &str) {
        self.p.send(s).unwrap();
        self.p.send("\r").unwrap();
        self.p.flush().unwrap();
    }

    /// Ctrl-D on an empty line; the process must end with status 0.
    fn exit(mut self) {
        self.p.send_control('d').unwrap();
        self.p.exp_eof().expect("eof after Ctrl-D");
        match self.p.process().wait() {
            Ok(WaitStatus::Exited(_, 0)) => {}
            other => panic!("exit status after Ctrl-D: {other:?}"),
        }
    }
}

#[test]
fn multiline_def_gets_continuation_prompts_and_indent() {
    let mut r = spawn("def");
    r.enter("def f(x):");
    r.cont();
    // The suggested indent is already typed in: the body needs no spaces.
    r.enter("y = x * 2");
    r.cont();
    r.enter("return y + 1");
    r.cont();
    // The pre-filled indent alone on a line ends the block.
    r.enter("");
    r.prompt();
    r.enter("f(20)");
    let out = r.prompt();
    assert!(out.contains("41"), "{out:?}");
    r.exit();
}

#[test]
fn tab_completes_methods_of_a_tensor() {
    let mut r = spawn("tab");
    r.enter("import torch");
    r.prompt();
    r.enter("x = torch.ones(2)");
    r.prompt();
    // `su` is shared by sub, sub_ and sum: the second Tab lists them.
    r.p.send("x.su\t\t").unwrap();
    r.p.flush().unwrap();
    r.expect("sum");
    // Finish the word by hand and run it.
    r.enter("m()");
    r.expect("tensor(2.)");
    r.prompt();
    // A unique prefix completes in place.
    r.p.send("x.resh\t").unwrap();
    r.p.flush().unwrap();
    r.expect("x.reshape");
    r.enter("(2, 1).shape");
    r.expect("torch.Size([2, 1])");
    r.prompt();
    r.exit();
}

#[test]
fn tab_completes_attributes_modules_and_keyword_arguments() {
    let mut r = spawn("tab2");
    r.enter("import torch");
    r.prompt();
    r.enter("w = torch.zeros(3, requires_grad=True)");
    r.prompt();
    // grad and grad_fn share "grad": the common prefix is filled in.
    r.p.send("w.gr\t").unwrap();
    r.p.flush().unwrap();
    r.expect("w.grad");
    r.enter(" is None");
    r.expect("True");
    r.prompt();
    // Submodules complete after their package, functions after a module.
    r.enter("import torch.nn.functional as F");
    r.prompt();
    r.p.send("torch.nn.functio\t").unwrap();
    r.p.flush().unwrap();
    r.expect("torch.nn.functional");
    r.p.send(".log_soft\t").unwrap();
    r.p.flush().unwrap();
    r.expect("torch.nn.functional.log_softmax");
    r.p.send_control('c').unwrap();
    r.prompt();
    // Keyword arguments of the function being called.
    r.enter("def h(alpha, beta=2):");
    r.cont();
    r.enter("return alpha * beta");
    r.cont();
    r.enter("");
    r.prompt();
    r.p.send("h(5, be\t").unwrap();
    r.p.flush().unwrap();
    r.expect("h(5, beta=");
    r.enter("3)");
    r.expect("15");
    r.prompt();
    r.exit();
}

#[test]
fn input_is_coloured_on_a_terminal() {
    let mut r = spawn_with("colour", false);
    r.p.send("def").unwrap();
    r.p.flush().unwrap();
    // The keyword is redrawn bold magenta once typed.
    r.expect("\x1b[1;35mdef\x1b[0m");
    r.p.send_control('c').unwrap();
    r.prompt();
    r.enter("1 / 0");
    // Tracebacks in CPython 3.13's colours on a terminal.
    r.expect("Traceback (most recent call last):");
    r.expect("\x1b[1;35mZeroDivisionError\x1b[0m: \x1b[35mdivision by zero");
    r.exit();
}

#[test]
fn ctrl_c_stops_a_running_loop_and_keeps_variables() {
    let mut r = spawn("intr");
    r.enter("keep = 123");
    r.prompt();
    r.enter("def spin():");
    r.cont();
    r.enter("print('spin' + 'ning')");
    r.cont();
    r.enter("while True: pass");
    r.cont();
    r.enter("");
    r.prompt();
    r.enter("spin()");
    // Once the cell prints, it runs and the terminal is back in cooked
    // mode: Ctrl-C now reaches the process as SIGINT.
    r.expect("spinning");
    std::thread::sleep(std::time::Duration::from_millis(300));
    r.p.send_control('c').unwrap();
    r.expect("KeyboardInterrupt");
    r.prompt();
    r.enter("keep + 1");
    let out = r.prompt();
    assert!(out.contains("124"), "{out:?}");
    // Ctrl-C while typing throws the line away and gives a fresh prompt.
    r.p.send("this is not run").unwrap();
    r.p.send_control('c').unwrap();
    r.prompt();
    r.enter("keep");
    let out = r.prompt();
    assert!(
        out.contains("123") && !out.contains("SyntaxError"),
        "{out:?}"
    );
    r.exit();
}

#[test]
fn ctrl_c_lands_during_one_long_matmul() {
    // One op that runs for seconds: the interrupt must stop the op itself,
    // not wait for it and then for the interpreter's next check.
    let mut r = spawn("intr-op");
    r.enter("import torch");
    r.prompt();
    r.enter("b = torch.ones(4000, 4000)");
    r.prompt();
    r.enter("print('start'); z = b @ b @ b @ b @ b @ b; print('after')");
    r.expect("start");
    std::thread::sleep(std::time::Duration::from_millis(300));
    r.p.send_control('c').unwrap();
    let out = r.expect("KeyboardInterrupt");
    // (The echoed input line holds 'after' too: look at printed lines.)
    assert!(!out.contains("\nafter"), "{out:?}");
    r.prompt();
    // The session, and tensors it held, are intact; the next op runs.
    r.enter("print(b.shape, (b[:2, :2] @ b[:2, :2]).sum().item())");
    let out = r.prompt();
    assert!(out.contains("torch.Size([4000, 4000]) 8.0"), "{out:?}");
    r.exit();
}

#[test]
fn syntax_error_then_a_working_line() {
    let mut r = spawn("syntax");
    r.enter("x = = 2");
    r.expect("SyntaxError");
    r.prompt();
    r.enter("1 / 0");
    r.expect("ZeroDivisionError");
    r.prompt();
    r.enter("print('still', 6 * 7)");
    r.expect("still 42");
    r.prompt();
    r.exit();
}

#[test]
fn history_is_written_and_read_back() {
    let mut r = spawn("hist");
    r.enter("hist_value = 7");
    r.prompt();
    r.enter("for k in range(2):");
    r.cont();
    r.enter("print('round', k + hist_value)");
    r.cont();
    r.enter("");
    r.expect("round 8");
    r.prompt();
    let file = r.dir.join("history");
    let text = std::fs::read_to_string(&file).expect("history file written");
    assert!(text.contains("hist_value = 7"), "{text:?}");
    assert!(text.contains("for k in range(2):"), "{text:?}");
    // Up twice recalls the block as one entry, which runs as it is.
    r.enter("hist_value = 100");
    r.prompt();
    r.p.send("\x1b[A\x1b[A\r").unwrap();
    r.p.flush().unwrap();
    r.expect("round 100");
    r.expect("round 101");
    r.prompt();
    r.exit();
}

/// Lines typed while a cell still runs are kept for the next prompt (the
/// editor must not drop bytes it read ahead).
#[test]
fn typeahead_while_a_cell_runs_is_kept() {
    let mut r = spawn("ahead");
    r.enter("n = 0");
    r.prompt();
    r.enter("for i in range(300000): n += 1");
    r.cont();
    // The blank line starts the loop; `n` is typed before it ends.
    r.enter("");
    r.enter("n");
    r.prompt();
    let out = r.prompt();
    assert!(out.contains("300000"), "{out:?}");
    r.exit();
}

/// A script pasted into a terminal without bracketed paste arrives as typed
/// keys, its own indentation included: the typed-in indentation must not
/// double it. 105 lines: functions, classes (one inheriting), nested loops,
/// if/elif/else, try/except, a generator, blank lines only where CPython's
/// interactive prompt needs them (after top-level compound statements).
/// The expected output, fixtures/paste_script.out, is what CPython 3.11
/// printed for the script (`python3 paste_script.py`, and the same with
/// `python3 -i < paste_script.py`), recorded once so that this test needs
/// no Python.
#[test]
fn pasted_indented_script_runs_as_in_cpython() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let script = std::fs::read_to_string(fixtures.join("paste_script.py")).unwrap();
    let expected = std::fs::read_to_string(fixtures.join("paste_script.out")).unwrap();
    let mut r = spawn("paste");
    // A terminal sends Enter as a carriage return, pasted line breaks too;
    // the closing blank line ends the last block.
    r.p.send(&format!("{}\r", script.replace('\n', "\r")))
        .unwrap();
    r.p.flush().unwrap();
    let before_done = r.expect("\ndone");
    r.prompt();
    // What is left once the echoed input lines (after a `>>> ` or `... `
    // prompt) are dropped is the script's output.
    let got: Vec<&str> = before_done
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.contains(">>> ") && !l.contains("... ") && !l.trim().is_empty())
        .collect();
    let want: Vec<&str> = expected.lines().filter(|l| *l != "done").collect();
    assert_eq!(got, want, "full output:\n{before_done}");
    // The session is still usable, and the definitions are there.
    r.enter("print(Stack.__name__, fib(5))");
    r.expect("Stack [0, 1, 1, 2, 3]");
    r.prompt();
    r.exit();
}

/// Indenting by hand while typing (a space after the typed-in indentation)
/// keeps the hand-made indentation, for the whole block.
#[test]
fn typed_own_indentation_is_kept() {
    let mut r = spawn("ownindent");
    r.enter("class P:");
    r.cont();
    r.enter("    def f(self):");
    r.cont();
    r.enter("        return 7");
    r.cont();
    r.enter("");
    r.prompt();
    r.enter("if P().f() == 7:");
    r.cont();
    r.enter("    print('seven')");
    r.cont();
    r.enter("else:");
    r.cont();
    r.enter("    print('other')");
    r.cont();
    r.enter("");
    let out = r.prompt();
    assert!(out.contains("seven") && !out.contains("Error"), "{out:?}");
    r.exit();
}

/// A 10 kB line typed in one go is echoed and runs. (The per-key work that
/// made this quadratic is bounded in main.rs's unit test
/// `work_per_typed_key_is_bounded_on_a_long_line`; no timing is asserted
/// here beyond the usual generous timeout.)
#[test]
fn a_ten_kilobyte_line_is_echoed_and_runs() {
    let mut r = spawn_with("longline", false);
    let line = format!("long = [{}7]", "1, ".repeat(3400));
    assert!(line.len() > 10_000);
    r.enter(&line);
    r.expect("7]");
    r.expect_regex(r"\n[^\n]*>>> ");
    r.enter("print(len(long), sum(long))");
    r.expect("3401 3407");
    r.exit();
}

/// `plot(..., display_id=)` from two prompts: the second call must not move
/// up over its own input line (which ate the line and drew the chart twice);
/// it draws a fresh chart below. Within one cell an update still redraws in
/// place.
#[test]
fn live_chart_updated_from_a_second_prompt_draws_below_the_input() {
    let mut r = spawn_with("chart", false);
    // Cursor up (ESC [ n A) then erase down: the in-place redraw.
    let redraw = regex_lite_redraw;
    r.enter("plot([1.0, 2.0, 3.0], title='first', display_id='d')");
    let out = r.prompt();
    assert!(out.contains("first"), "{out:?}");
    r.enter("plot([3.0, 2.0, 1.0], title='second', display_id='d')");
    let out = r.prompt();
    assert!(out.contains("second"), "{out:?}");
    assert!(!redraw(&out), "moved up over the input line: {out:?}");
    // Two updates in one cell: the second replaces the first in place.
    r.enter("for k in range(2): plot([1.0, k + 2.0], title=f'loop {k}', display_id='d')");
    r.cont();
    r.enter("");
    let out = r.prompt();
    assert!(out.contains("loop 1"), "{out:?}");
    let loop1 = out.find("loop 1").unwrap();
    assert!(
        redraw(&out[..loop1]),
        "no in-place redraw in a loop: {out:?}"
    );
    r.exit();
}

/// Whether `s` holds the in-place redraw sequence `ESC [ <n> A CR ESC [ J`.
fn regex_lite_redraw(s: &str) -> bool {
    s.match_indices("\x1b[").any(|(i, _)| {
        let rest = &s[i + 2..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with("A\r\x1b[J")
    })
}
