//! The teaching corpus: scripts that follow public teaching material (the
//! PyTorch tutorials, karpathy's micrograd and nn-zero-to-hero,
//! jcjohnson's pytorch-examples and the like), each made self-contained
//! (its header says what it follows and what was changed), run under
//! tinytorch and compared with the stdout PyTorch printed for it
//! (`tests/corpus/NAME.out`, written by `tests/corpus/expect.py`).
//!
//! Comparison is exact unless the header has `# Tolerance: R`: then every
//! number may differ by R relative (and R absolute near zero), for float32
//! sums whose order differs from PyTorch's kernels; everything else exact.
//! `TT_CORPUS=name` runs the scripts whose name contains `name`.

use std::path::{Path, PathBuf};
use tinytorch_lang::{BufferSink, Session};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let filter = std::env::var("TT_CORPUS").unwrap_or_default();
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .filter(|p| p.with_extension("out").exists())
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    out.sort();
    out
}

/// The tolerance a script's header states, if any.
fn tolerance(src: &str) -> Option<f64> {
    src.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# Tolerance:"))
        .map(|t| t.trim().parse().expect("a number after '# Tolerance:'"))
}

/// Splits text into numbers and the text between them.
fn tokens(s: &str) -> Vec<Result<f64, String>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    let mut text = String::new();
    while i < b.len() {
        let starts_number =
            b[i].is_ascii_digit() || (b[i] == b'-' && i + 1 < b.len() && b[i + 1].is_ascii_digit());
        let in_word = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if starts_number && !in_word {
            let mut j = i + 1;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || b[j] == b'.'
                    || ((b[j] == b'e' || b[j] == b'E')
                        && j + 1 < b.len()
                        && (b[j + 1].is_ascii_digit() || b[j + 1] == b'-' || b[j + 1] == b'+'))
                    || ((b[j] == b'-' || b[j] == b'+') && (b[j - 1] == b'e' || b[j - 1] == b'E')))
            {
                j += 1;
            }
            if let Ok(x) = s[i..j].parse::<f64>() {
                if !text.is_empty() {
                    out.push(Err(std::mem::take(&mut text)));
                }
                out.push(Ok(x));
                i = j;
                continue;
            }
        }
        text.push(b[i] as char);
        i += 1;
    }
    if !text.is_empty() {
        out.push(Err(text));
    }
    out
}

/// The first line where `got` and `want` differ beyond `tol`, if any.
fn first_difference(got: &str, want: &str, tol: Option<f64>) -> Option<String> {
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    for i in 0..g.len().max(w.len()) {
        let (a, b) = (
            g.get(i).copied().unwrap_or("<missing>"),
            w.get(i).copied().unwrap_or("<missing>"),
        );
        let same = match tol {
            None => a == b,
            Some(r) => {
                let (ta, tb) = (tokens(a), tokens(b));
                ta.len() == tb.len()
                    && ta.iter().zip(&tb).all(|(x, y)| match (x, y) {
                        (Ok(x), Ok(y)) => (x - y).abs() <= r * y.abs().max(1.0),
                        (Err(x), Err(y)) => x.split_whitespace().eq(y.split_whitespace()),
                        _ => false,
                    })
            }
        };
        if !same {
            return Some(format!(
                "line {}:\n  tinytorch: {a}\n  PyTorch:   {b}",
                i + 1
            ));
        }
    }
    None
}

#[test]
fn tolerant_comparison_reads_numbers() {
    assert_eq!(
        first_difference("loss 0.12345", "loss 0.12346", Some(1e-4)),
        None
    );
    assert!(first_difference("loss 0.1234", "loss 0.1334", Some(1e-4)).is_some());
    assert!(first_difference("loss 1e-3", "lost 1e-3", Some(1e-4)).is_some());
    assert!(first_difference("a", "a\nb", None).is_some());
    assert_eq!(
        first_difference(
            "tensor([-1.5e-05, 2.])",
            "tensor([-1.5000e-05, 2.0])",
            Some(1e-6)
        ),
        None
    );
}

#[test]
fn teaching_scripts_print_what_pytorch_printed() {
    let scripts = corpus();
    assert!(!scripts.is_empty(), "no corpus scripts found");
    let mut failures = Vec::new();
    for path in &scripts {
        let src = std::fs::read_to_string(path).expect("script");
        let want = std::fs::read_to_string(path.with_extension("out")).expect("expected output");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let mut s = Session::new();
        let sink = BufferSink::default();
        s.set_output(Box::new(sink.clone()));
        let r = s.run(&src, &name, false);
        let got = sink.take_stdout();
        let problem = match r {
            Err(e) => Some(format!(
                "stopped with {}: {}\n  after {} of {} lines",
                e.exc,
                e.message,
                got.lines().count(),
                want.lines().count()
            )),
            Ok(_) => first_difference(&got, &want, tolerance(&src)),
        };
        if let Some(p) = problem {
            failures.push(format!("{name}: {p}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus scripts differ from PyTorch:\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n")
    );
}
