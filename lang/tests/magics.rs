//! IPython's syntax in cells, as a notebook written for IPython uses it:
//! `%time`/`%timeit` lines, `%%time`/`%%timeit` cells, no-op magics, help
//! with `?`, and clear errors for unknown magics and shell escapes. The
//! times themselves vary; their format is IPython's.

use tinytorch_lang::{BufferSink, Session};

fn session() -> (Session, BufferSink) {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    (s, sink)
}

/// `<number> <unit>` with IPython's units.
fn is_time(s: &str) -> bool {
    let Some((n, unit)) = s.trim().split_once(' ') else {
        return false;
    };
    n.parse::<f64>().is_ok() && ["s", "ms", "\u{b5}s", "ns"].contains(&unit)
}

fn check_time_report(out: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let cpu = lines
        .iter()
        .find(|l| l.starts_with("CPU times: user "))
        .unwrap_or_else(|| panic!("no CPU line in {out:?}"));
    let rest = cpu.trim_start_matches("CPU times: user ");
    let parts: Vec<&str> = rest.split(", ").collect();
    assert_eq!(parts.len(), 3, "{cpu}");
    assert!(is_time(parts[0]), "{cpu}");
    assert!(is_time(parts[1].trim_start_matches("sys: ")), "{cpu}");
    assert!(is_time(parts[2].trim_start_matches("total: ")), "{cpu}");
    let wall = lines
        .iter()
        .find(|l| l.starts_with("Wall time: "))
        .unwrap_or_else(|| panic!("no wall line in {out:?}"));
    assert!(is_time(wall.trim_start_matches("Wall time: ")), "{wall}");
}

fn check_timeit_line(line: &str, runs: &str, loops: &str) {
    // "247 µs ± 7.1 µs per loop (mean ± std. dev. of 2 runs, 3 loops each)"
    let (times, tail) = line
        .split_once(" per loop ")
        .unwrap_or_else(|| panic!("{line}"));
    let (mean, std) = times
        .split_once(" \u{b1} ")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(is_time(mean) && is_time(std), "{line}");
    assert_eq!(
        tail,
        format!("(mean \u{b1} std. dev. of {runs}, {loops} each)"),
        "{line}"
    );
}

#[test]
fn line_magics_time_and_keep_the_value() {
    let (mut s, sink) = session();
    let d = s
        .run(
            "import torch\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nx = torch.ones(50, 50)\n%time y = x @ x\n%time float(y.sum())",
            "<cell>",
            true,
        )
        .unwrap()
        .unwrap();
    // The last line's value is the cell's result, as in IPython.
    assert_eq!(d.text, "125000.0");
    let out = sink.take_stdout();
    assert_eq!(out.matches("Wall time: ").count(), 2, "{out}");
    check_time_report(&out);
    // The assignment happened.
    let d = s.run("y.shape", "<cell>", true).unwrap().unwrap();
    assert_eq!(d.text, "torch.Size([50, 50])");
}

#[test]
fn timeit_lines_and_cells() {
    let (mut s, sink) = session();
    s.run("x = 3\n%timeit -n 5 -r 2 x * 2", "<cell>", true)
        .unwrap();
    let out = sink.take_stdout();
    check_timeit_line(out.trim_end(), "2 runs", "5 loops");
    // Without -n, the loop count grows until a run takes 0.2 s; 7 runs.
    s.run("%timeit x + 1", "<cell>", true).unwrap();
    let out = sink.take_stdout();
    let loops = out
        .split(", ")
        .nth(1)
        .and_then(|t| t.strip_suffix(" loops each)\n"))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let n: u64 = loops
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{out}"));
    let power_of_ten = n
        .to_string()
        .trim_start_matches('1')
        .chars()
        .all(|c| c == '0');
    assert!(n >= 10 && power_of_ten, "{out}");
    check_timeit_line(out.trim_end(), "7 runs", &format!("{loops} loops"));
    // A cell magic: setup on its line, the body timed; the setup ran once.
    s.run(
        "%%timeit -n 4 -r 3 total = [0]\ntotal[0] += 1",
        "<cell>",
        true,
    )
    .unwrap();
    let out = sink.take_stdout();
    check_timeit_line(out.trim_end(), "3 runs", "4 loops");
    let d = s.run("total[0]", "<cell>", true).unwrap().unwrap();
    assert_eq!(d.text, "12");
}

#[test]
fn time_cell_runs_once_and_shows_its_value() {
    let (mut s, sink) = session();
    let d = s
        .run(
            "%%time\nn = 0\nfor i in range(1000):\n    n += i\nn",
            "<cell>",
            true,
        )
        .unwrap()
        .unwrap();
    assert_eq!(d.text, "499500");
    check_time_report(&sink.take_stdout());
    // Errors inside keep their line numbers (the magic line stays a line).
    let e = s
        .run("%%time\nx = 1\ny = undefined_name", "<cell>", true)
        .unwrap_err();
    assert_eq!(e.exc, "NameError");
    assert_eq!(e.traceback.last().map(|f| f.line), Some(3));
}

#[test]
fn help_with_a_question_mark() {
    let (mut s, sink) = session();
    s.run(
        "def f(a):\n    'Adds one.'\n    return a + 1\nf?",
        "<cell>",
        true,
    )
    .unwrap();
    let out = sink.take_stdout();
    assert!(out.contains("f(a)") && out.contains("Adds one."), "{out}");
    s.run("import torch\n?torch.zeros", "<cell>", true).unwrap();
    assert!(sink.take_stdout().contains("zeros(*size"));
}

#[test]
fn unknown_magics_and_shell_escapes_are_usage_errors() {
    let (mut s, _) = session();
    let e = s.run("%who", "<cell>", true).unwrap_err();
    assert_eq!(e.exc, "UsageError");
    assert!(e.message.contains("`%who` not found"), "{}", e.message);
    let e = s.run("%%bash\nls", "<cell>", true).unwrap_err();
    assert_eq!(e.exc, "UsageError");
    let e = s
        .run("x = 1\n!pip install torch", "<cell>", true)
        .unwrap_err();
    assert_eq!(e.exc, "UsageError");
    assert!(e.message.contains("shell commands"), "{}", e.message);
    // A string that happens to hold such text is left alone.
    let d = s
        .run("t = '''\n%time x\n'''\nlen(t)", "<cell>", true)
        .unwrap()
        .unwrap();
    assert_eq!(d.text, "9");
    // Invalid Python stays a SyntaxError.
    let e = s.run("x = = 1", "<cell>", true).unwrap_err();
    assert_eq!(e.exc, "SyntaxError");
}
