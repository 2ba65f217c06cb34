//! Script tests: every `tests/scripts/**/*.py` runs through a `Session`;
//! its stdout must equal the `# expect: ...` comments (one per output line,
//! in order) and an uncaught error must match `# expect error: Exc: msg`.
//! Expectations were produced by CPython 3.11 / PyTorch 2.15 running the same
//! file (`tests/scripts/annotate.py`), never by this interpreter.
//!
//! Golden tracebacks: `tests/golden/tracebacks/NAME.py` must fail with the
//! exact text of `NAME.txt` (written by hand to Python's format).

use std::path::{Path, PathBuf};
use tinytorch_lang::{BufferSink, Session};

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("scripts dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scripts(&p, out);
        } else if p.extension().is_some_and(|e| e == "py")
            && p.file_name().is_some_and(|n| n != "annotate.py")
        {
            out.push(p);
        }
    }
}

struct Expect {
    lines: Vec<String>,
    error: Option<String>,
}

fn expectations(src: &str) -> Expect {
    let mut lines = Vec::new();
    let mut error = None;
    for l in src.lines() {
        if let Some(i) = l.find("# expect error: ") {
            error = Some(l[i + "# expect error: ".len()..].to_string());
        } else if let Some(i) = l.find("# expect: ") {
            lines.push(l[i + "# expect: ".len()..].to_string());
        } else if l.trim_end().ends_with("# expect:") {
            lines.push(String::new());
        }
    }
    Expect { lines, error }
}

fn run(path: &Path) -> (String, Option<tinytorch_lang::LangError>) {
    let src = std::fs::read_to_string(path).expect("script");
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    s.set_step_limit(Some(50_000_000));
    let name = path
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .to_string();
    let r = s.run(&src, &name, false);
    (sink.take_stdout(), r.err())
}

#[test]
fn scripts_match_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut files = Vec::new();
    scripts(&root, &mut files);
    assert!(
        files.len() >= 10,
        "expected the script suite, found {}",
        files.len()
    );
    // `SCRIPTS=part cargo test --test scripts` runs only the matching ones.
    if let Ok(only) = std::env::var("SCRIPTS") {
        files.retain(|f| f.to_string_lossy().contains(&only));
    }
    let mut failures = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).expect("script");
        let exp = expectations(&src);
        let (out, err) = run(f);
        let got: Vec<&str> = out.lines().collect();
        let want: Vec<&str> = exp.lines.iter().map(|s| s.as_str()).collect();
        let rel = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        if got != want {
            let n = got.iter().zip(&want).take_while(|(a, b)| a == b).count();
            failures.push(format!(
                "{rel}: stdout differs at line {}\n  want: {:?}\n  got:  {:?}",
                n + 1,
                want.get(n),
                got.get(n)
            ));
        }
        // The last line of the error, as annotate.py records Python's.
        let got_err = err.as_ref().map(|e| {
            let text = if e.message.is_empty() {
                e.exc.clone()
            } else {
                format!("{}: {}", e.exc, e.message)
            };
            text.trim_end().lines().last().unwrap_or("").to_string()
        });
        if got_err != exp.error {
            failures.push(format!(
                "{rel}: error differs\n  want: {:?}\n  got:  {:?}\n{}",
                exp.error,
                got_err,
                err.map(|e| e.render()).unwrap_or_default()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn golden_tracebacks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tracebacks");
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
    {
        let want =
            std::fs::read_to_string(p.with_extension("txt")).expect("golden .txt beside the .py");
        let src = std::fs::read_to_string(&p).expect("script");
        let mut s = Session::new();
        s.set_output(Box::new(BufferSink::default()));
        let err = s
            .run(&src, "<stdin>", false)
            .expect_err("golden scripts fail");
        assert_eq!(err.render(), want.trim_end_matches('\n'), "{}", p.display());
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn session_keeps_state_across_cells_and_errors() {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    assert_eq!(s.run("x = [1, 2]", "<cell 1>", true), Ok(None));
    let e = s
        .run("x.append(3)\ny = 1 / 0", "<cell 2>", true)
        .unwrap_err();
    assert_eq!(e.exc, "ZeroDivisionError");
    // The append before the error happened, and x survived.
    assert_eq!(
        s.run("x", "<cell 3>", true).unwrap().unwrap().text,
        "[1, 2, 3]"
    );
    // IPython's rule: `;` suppresses the display; None is not displayed.
    assert_eq!(s.run("x;", "<cell 4>", true), Ok(None));
    assert_eq!(s.run("None", "<cell 5>", true), Ok(None));
    assert_eq!(s.run("print('a')", "<cell 6>", true), Ok(None));
    assert_eq!(sink.take_stdout(), "a\n");
    assert!(s.globals().contains(&"x".to_string()));
    // Files do not echo.
    assert_eq!(s.run("x", "f.py", false), Ok(None));
}

#[test]
fn recursion_and_memory_errors_do_not_crash() {
    let mut s = Session::new();
    let e = s
        .run("def f(n):\n    return f(n + 1)\nf(0)", "<cell>", false)
        .unwrap_err();
    assert_eq!(e.exc, "RecursionError");
    assert_eq!(e.message, "maximum recursion depth exceeded");
    let e = s
        .run("import torch\nt = torch.zeros(10**12)", "<cell>", false)
        .unwrap_err();
    assert_eq!(e.exc, "RuntimeError");
    // The session still works.
    assert_eq!(s.run("1 + 1", "<cell>", true).unwrap().unwrap().text, "2");
}

/// Runs `src` (which does not end by itself), interrupts it after 200 ms,
/// checks the KeyboardInterrupt, then that `check` still sees the session's
/// state and shows `want`.
fn interrupted_then(src: &str, check: &str, want: &str) {
    let mut s = Session::new();
    let flag = s.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let e = s.run(src, "<cell>", false).unwrap_err();
    t.join().unwrap();
    assert_eq!(e.exc, "KeyboardInterrupt");
    assert_eq!(s.run(check, "<cell>", true).unwrap().unwrap().text, want);
}

#[test]
fn interrupt_stops_a_running_loop() {
    interrupted_then("i = 0\nwhile True:\n    i += 1", "i > 0", "True");
}

#[test]
fn interrupt_stops_a_recursion_without_loops() {
    // Calls count as ticks too: fib(40) makes ~3e8 calls and no loop.
    interrupted_then(
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(40)",
        "fib(10)",
        "55",
    );
}

#[test]
fn int_overflow_is_an_error_on_the_fast_paths() {
    // Ints are 64-bit here (an OverflowError, not a bigint): 2**63 does not fit.
    let mut s = Session::new();
    for src in [
        "x = 2**62\nfor i in range(3):\n    x = x * 2",
        "def f(a):\n    return a + a\nf(2**62)",
        "x = 2**62\nx += x",
        "x = -2**62\nx = x - 2**62 - 1",
    ] {
        let e = s.run(src, "<cell>", false).unwrap_err();
        assert_eq!(e.exc, "OverflowError", "{src}");
    }
    // The largest int still adds.
    assert_eq!(
        s.run("2**62 - 1 + 2**62", "<cell>", true)
            .unwrap()
            .unwrap()
            .text,
        "9223372036854775807"
    );
}

#[test]
fn fast_paths_keep_python_semantics() {
    // Each expected value worked by hand from Python's rules.
    let mut s = Session::new();
    let cases = [
        // `x op <int literal>` on non-int left operands and divisors Python floors.
        ("x = 7.5\nx % 2", "1.5"),
        ("x = -7\nx % 3", "2"),
        ("x = 7\nx % -3", "-2"),
        ("x = 'ab'\nx * 2", "'abab'"),
        ("x = [1]\nx * 3", "[1, 1, 1]"),
        (
            "class V:\n    def __add__(self, o):\n        return 'V+' + str(o)\nV() + 1",
            "'V+1'",
        ),
        // `x cmp <int literal>` on a float, a str, an instance.
        ("x = 2.5\nx < 3", "True"),
        ("x = '1'\nx == 1", "False"),
        (
            "class L:\n    def __lt__(self, o):\n        return o\nL() < 7",
            "7",
        ),
        // sum(): ints, then a float and a bool; a start; lists (the slow path).
        ("sum([1, 2.5, True])", "4.5"),
        ("sum([1, 2], 10)", "13"),
        ("sum([[1], [2]], [])", "[1, 2]"),
        // `.append` on an instance is its own method, not list.append.
        (
            "class A:\n    def __init__(self):\n        self.got = []\n    def append(self, v):\n        self.got.append(v * 10)\na = A()\na.append(4)\na.got",
            "[40]",
        ),
        // The callee is read before its arguments: rebinding it there is too late.
        (
            "def f(x):\n    return x + 1\ndef g():\n    global f\n    f = None\n    return 1\nf(g())",
            "2",
        ),
        // The list is read before the argument as well.
        (
            "out = [0]\ndef h():\n    global out\n    out = []\n    return 5\nold = out\nout.append(h())\n(old, out)",
            "([0, 5], [])",
        ),
    ];
    for (src, want) in cases {
        let got = s.run(src, "<cell>", true).unwrap().unwrap().text;
        assert_eq!(got, want, "{src}");
    }
    for (src, exc) in [
        ("x = 1\nx / 0", "ZeroDivisionError"),
        ("x = 1\nx % 0", "ZeroDivisionError"),
        ("sum([2**62, 2**62])", "OverflowError"),
        ("x = 'a'\nx - 1", "TypeError"),
        ("x = 'a'\nx < 1", "TypeError"),
    ] {
        let e = s.run(src, "<cell>", false).unwrap_err();
        assert_eq!(e.exc, exc, "{src}");
    }
}

#[test]
fn completion_and_inspection() {
    let mut s = Session::new();
    s.run("import torch\nx = torch.ones(2, requires_grad=True)\ndef g(alpha, beta=1):\n    'Adds.'\n    return alpha", "<cell>", false).unwrap();
    let (start, c) = s.complete("x.gr", 4);
    assert_eq!(start, 2);
    assert!(
        c.contains(&"grad".to_string()) && c.contains(&"grad_fn".to_string()),
        "{c:?}"
    );
    let (_, c) = s.complete("torch.nn.", 9);
    assert!(
        c.contains(&"Module".to_string()) && c.contains(&"functional".to_string()),
        "{c:?}"
    );
    let (_, c) = s.complete("g(al", 4);
    assert!(c.contains(&"alpha=".to_string()), "{c:?}");
    let (_, c) = s.complete("pri", 3);
    assert!(c.contains(&"print".to_string()));
    let doc = s.inspect("g", 1).unwrap();
    assert!(
        doc.contains("g(alpha, beta=1)") && doc.contains("Adds."),
        "{doc}"
    );
    assert!(s.inspect("torch.zeros", 8).unwrap().contains("zeros(*size"));
}

#[test]
fn completion_and_inspection_survive_non_ascii_and_odd_cursors() {
    let mut s = Session::new();
    s.run("été = 1\nnaïve = 2", "<cell>", false).unwrap();
    // Every byte offset, inside characters included: no panic, and the
    // evaluator thread keeps answering.
    for code in ["été", "naï", "x = été + naïve", "print(été"] {
        for cursor in 0..=code.len() + 2 {
            let _ = s.inspect(code, cursor);
            let _ = s.complete(code, cursor);
        }
    }
    let (start, c) = s.complete("na", 2);
    assert_eq!((start, c), (0, vec!["naïve".to_string()]));
    assert!(s.inspect("été", 1).unwrap().contains("int"));
    assert_eq!(
        s.run("été + naïve", "<cell>", true).unwrap().unwrap().text,
        "3"
    );
}

#[test]
fn cuda_without_a_gpu_is_an_error_not_a_crash() {
    let mut s = Session::new();
    let probe = s
        .run(
            "import torch\n(torch.cuda.is_available(), torch.cuda.device_count())",
            "<cell>",
            true,
        )
        .unwrap()
        .unwrap()
        .text;
    if tinytorch::cuda::is_available() {
        eprintln!("a CUDA device is present: the no-GPU path is not exercised here");
        return;
    }
    assert_eq!(probe, "(False, 0)");
    for code in ["torch.zeros(2, device='cuda')", "torch.ones(2).cuda()"] {
        let e = s.run(code, "<cell>", true).unwrap_err();
        assert!(
            e.message.contains("Torch not compiled with CUDA enabled")
                || e.message.contains("No CUDA GPUs are available"),
            "{}",
            e.render()
        );
    }
    let t = s
        .run("torch.ones(2).sum()", "<cell>", true)
        .unwrap()
        .unwrap();
    assert_eq!(t.text, "tensor(2.)");
}

#[test]
fn system_exit_raised_directly_exits_like_cpython() {
    // CPython: `raise SystemExit(7)` exits 7 silently; a string is printed
    // on stderr and exits 1; no argument (or None) exits 0.
    for (src, code, stderr) in [
        ("raise SystemExit(7)", 7, ""),
        ("raise SystemExit(256 + 3)", 3, ""),
        ("raise SystemExit('bye')", 1, "bye\n"),
        ("raise SystemExit", 0, ""),
        ("raise SystemExit(None)", 0, ""),
        ("import sys\nsys.exit(-1)", 255, ""),
    ] {
        let mut s = Session::new();
        let sink = BufferSink::default();
        s.set_output(Box::new(sink.clone()));
        let e = s.run(src, "<cell>", false).unwrap_err();
        assert_eq!(
            (e.exc.as_str(), e.exit_code),
            ("SystemExit", Some(code)),
            "{src}"
        );
        assert_eq!(sink.take_stderr(), stderr, "{src}");
    }
}

#[test]
fn a_byte_order_mark_opens_a_file() {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    s.run("\u{feff}print('bom')", "<file>", false).unwrap();
    assert_eq!(sink.take_stdout(), "bom\n");
    // Anywhere else it is an invalid (non-printable) character.
    let e = s.run("x = 1\u{feff}", "<file>", false).unwrap_err();
    assert_eq!(e.exc, "SyntaxError");
    assert_eq!(e.message, "invalid non-printable character U+FEFF");
}

#[test]
fn a_syntax_error_anywhere_stops_the_file_before_it_runs() {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    let e = s
        .run("print('a')\ndef f(k): return *k\n", "<file>", false)
        .unwrap_err();
    assert_eq!(e.exc, "SyntaxError");
    assert_eq!(sink.take_stdout(), "", "nothing ran");
    // A starred item in a tuple is fine.
    s.run("def g(k): return *k, 1\nprint(g([2, 3]))", "<file>", false)
        .unwrap();
    assert_eq!(sink.take_stdout(), "(2, 3, 1)\n");
}

#[test]
fn a_panic_in_native_code_keeps_the_session() {
    let mut s = Session::new();
    s.set_output(Box::new(BufferSink::default()));
    s.run("x = 41", "<cell 1>", false).unwrap();
    let e = s
        .run("import sys\ny = 1\nsys._panic('boom')", "<cell 2>", false)
        .unwrap_err();
    assert_eq!(e.exc, "SystemError");
    assert!(e.message.contains("boom"), "{}", e.message);
    // Variables from before, and those the failed cell set, are kept.
    assert_eq!(
        s.run("x + y", "<cell 3>", true).unwrap().unwrap().text,
        "42"
    );
}
