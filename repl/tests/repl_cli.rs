//! The non-interactive `tinytorch-repl`: `FILE`, `-c`, stdin, `--help`,
//! `--version`, exit statuses and where tracebacks go (as `python` does).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn repl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tinytorch-repl"));
    c.env("TINYTORCH_IMAGES", "text").stdin(Stdio::null());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_script(name: &str, src: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tinytorch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, src).unwrap();
    p
}

#[test]
fn file_runs_without_echo_and_exits_zero() {
    let p = temp_script("ok.py", "x = 2 + 3\nx\nprint('x =', x)\n");
    let out = repl().arg(&p).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // The bare `x` on line 2 is not echoed in a file run.
    assert_eq!(text(&out.stdout), "x = 5\n");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn file_error_prints_traceback_on_stderr_and_exits_one() {
    let p = temp_script(
        "bad.py",
        "print('before')\ndef f(v):\n    return v @ 2\nf(1)\n",
    );
    let out: Output = repl().arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(text(&out.stdout), "before\n");
    let err = text(&out.stderr);
    let path = p.display().to_string();
    assert!(
        err.starts_with("Traceback (most recent call last):\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!("File \"{path}\", line 4, in <module>")),
        "{err}"
    );
    assert!(
        err.contains(&format!("File \"{path}\", line 3, in f")),
        "{err}"
    );
    assert!(
        err.trim_end()
            .ends_with("TypeError: unsupported operand type(s) for @: 'int' and 'int'"),
        "{err}"
    );
    // Not a terminal: no colour escapes.
    assert!(!err.contains('\x1b'), "{err:?}");
}

#[test]
fn dash_c_runs_a_string() {
    let out = repl()
        .args(["-c", "x = 6\nprint(x * 7)\nx"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "42\n");

    let out = repl()
        .args(["-c", "raise ValueError('nope')"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ValueError: nope"), "{out:?}");
    assert!(
        text(&out.stderr).contains("File \"<string>\", line 1"),
        "{out:?}"
    );
}

/// Python's `sys.argv` for `-c`: `['-c', args...]`. The front end passes it
/// with `Session::set_argv`, which sets the `sys` module's `argv`.
#[test]
fn dash_c_passes_argv() {
    let out = repl()
        .args(["-c", "import sys\nprint(sys.argv)", "a", "b"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "['-c', 'a', 'b']\n");
}

#[test]
fn sys_exit_sets_the_status() {
    let out = repl()
        .args(["-c", "import sys\nsys.exit(3)"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn syntax_error_in_a_file_exits_one() {
    let p = temp_script("syntax.py", "x = (1,\ny = 2\n");
    let out = repl().arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("SyntaxError"), "{out:?}");
}

#[test]
fn piped_stdin_runs_as_a_script() {
    let mut child = repl()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"for i in range(3):\n    print(i * i)\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "0\n1\n4\n");
}

#[test]
fn help_version_and_bad_usage() {
    let out = repl().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        format!("tinytorch {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = repl().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("usage: tinytorch-repl"));
    let out = repl().arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = repl().arg("/definitely/not/here.py").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("can't open file"), "{out:?}");
}

/// What a script's pictures and bars look like off a terminal: the text
/// chart and the saved file's path on stdout (an update overwrites the same
/// file), each tqdm bar's final line on stderr.
#[test]
fn pictures_and_bars_in_a_script_run() {
    let dir = std::env::temp_dir().join(format!("tinytorch-cli-plots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = "from tqdm import tqdm\nimport torch\nls = []\nfor i in tqdm(range(3), desc='ep'):\n    ls.append(1.0 / (i + 1))\n    plot(ls, title='loss', display_id='l')\nshow(torch.eye(2))\nprint('done')\n";
    let out = repl()
        .env("TINYTORCH_PLOT_DIR", &dir)
        .args(["-c", src])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    let first = dir.join("plot-1.png");
    assert_eq!(
        stdout
            .matches(&format!("[saved {}]", first.display()))
            .count(),
        1,
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches(&format!("[updated {}]", first.display()))
            .count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains(&format!("[saved {}]", dir.join("plot-2.png").display())));
    assert!(stdout.ends_with("done\n"), "{stdout}");
    assert!(std::fs::read(&first).unwrap().starts_with(b"\x89PNG"));
    assert!(!dir.join("plot-3.png").exists());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("ep: 100%") && stderr.contains("3/3"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file that is not UTF-8 is CPython's SyntaxError (exit 1), naming the
/// first bad byte and its line; nothing of it runs.
#[test]
fn a_file_that_is_not_utf8_is_a_syntax_error() {
    let dir = std::env::temp_dir().join(format!("tinytorch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("latin1.py");
    std::fs::write(&p, b"print('ran')\nprint('\xe9t\xe9')\n").unwrap();
    let out = repl().arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("SyntaxError: Non-UTF-8 code starting with '\\xe9' in file ")
            && err.contains("latin1.py on line 2, but no encoding declared"),
        "{err}"
    );
}
