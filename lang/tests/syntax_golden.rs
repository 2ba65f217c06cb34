//! Golden parser tests: every file in `tests/golden/parser/` holds cases of the
//! form
//!
//! ```text
//! === title
//! source lines
//! ---
//! expected S-expressions (or `error: ...`)
//! ```
//!
//! Run with `UPDATE_GOLDEN=1` to rewrite the expectations from the current
//! parser, then review the diff.

use std::fmt::Write as _;
use std::path::Path;
use tinytorch_lang::syntax::{parse_module, sexpr::module_to_sexpr, ErrorKind};

struct Case {
    title: String,
    source: String,
    expected: String,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for chunk in text.split("=== ").skip(1) {
        let (title, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let (source, expected) = rest.split_once("\n---\n").unwrap_or((rest, ""));
        cases.push(Case {
            title: title.to_string(),
            source: source.to_string(),
            expected: expected.trim_end().to_string(),
        });
    }
    cases
}

fn actual(source: &str) -> String {
    match parse_module(source) {
        Ok(m) => module_to_sexpr(&m).trim_end().to_string(),
        Err(e) => {
            let lc = e.span.line_col(source);
            let kind = if e.kind == ErrorKind::Incomplete {
                "incomplete"
            } else {
                "invalid"
            };
            format!("error ({kind}) at {}:{}: {e}", lc.line, lc.col)
        }
    }
}

#[test]
fn golden_parser_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/parser");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut failures = String::new();
    let mut count = 0;
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        let text = std::fs::read_to_string(path).expect("golden file is UTF-8");
        let mut rewritten = String::new();
        for case in parse_cases(&text) {
            count += 1;
            let got = actual(&case.source);
            if update {
                let _ = write!(
                    rewritten,
                    "=== {}\n{}\n---\n{}\n\n",
                    case.title, case.source, got
                );
            } else if got != case.expected {
                let _ = write!(
                    failures,
                    "\n{}: {}\n--- expected\n{}\n--- got\n{}\n",
                    path.display(),
                    case.title,
                    case.expected,
                    got
                );
            }
        }
        if update {
            std::fs::write(path, rewritten.trim_end().to_string() + "\n")
                .expect("golden file is writable");
        }
    }
    assert!(count > 0, "no golden cases found");
    assert!(
        failures.is_empty(),
        "golden mismatches (UPDATE_GOLDEN=1 to accept):{failures}"
    );
}
