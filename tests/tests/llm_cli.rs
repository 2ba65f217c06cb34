//! `tinytorch-llm` end to end on the engine's fixture models: the greedy
//! ids on stdout's last line, `--logits` JSON, `tokenize`, and errors as
//! messages with a non-zero exit (no panics).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures/llm")
}

/// The binary beside this test's profile directory, built first if absent
/// (a plain `cargo test -p tinytorch-tests` does not build other packages' binaries).
fn bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(format!("tinytorch-llm{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut c = Command::new(cargo);
        c.args(["build", "-p", "tinytorch-lang", "--bin", "tinytorch-llm"]);
        if dir.file_name().is_some_and(|n| n == "release") {
            c.arg("--release");
        }
        assert!(c.status().unwrap().success(), "building tinytorch-llm");
    }
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn expected(model: &str) -> Value {
    let p = fixtures().join(model).join("expected.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn join(v: &Value) -> String {
    let ids: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.to_string())
        .collect();
    ids.join(",")
}

#[test]
fn greedy_print_ids_is_the_last_stdout_line() {
    let e = expected("mistral");
    let model = fixtures().join("mistral");
    let prompt = join(&e["prompt_ids"]);
    let out = run(&[
        "--model",
        model.to_str().unwrap(),
        "--prompt-ids",
        &prompt,
        "--greedy",
        "--max-new-tokens",
        "16",
        "--print-ids",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    assert_eq!(last.replace(' ', ","), join(&e["greedy"]));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("tokens/s decoding"), "{stderr}");
}

#[test]
fn logits_json_has_a_row_per_prompt_position() {
    let e = expected("qwen3");
    let model = fixtures().join("qwen3");
    let out = run(&[
        "--model",
        model.to_str().unwrap(),
        "--prompt-ids",
        &join(&e["prompt_ids"]),
        "--logits",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (got, want) = (got.as_array().unwrap(), e["logits"].as_array().unwrap());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        for (a, b) in g.as_array().unwrap().iter().zip(w.as_array().unwrap()) {
            assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-4);
        }
    }
}

#[test]
fn tokenize_prints_the_ids() {
    let tok = fixtures().join("tok_bos/expected.json");
    let e: Value = serde_json::from_str(&std::fs::read_to_string(tok).unwrap()).unwrap();
    let case = &e["texts"][0];
    let file = fixtures().join("tok_bos/tokenizer.json");
    let out = run(&[
        "tokenize",
        "--tokenizer",
        file.to_str().unwrap(),
        case["text"].as_str().unwrap(),
    ]);
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    assert_eq!(line.trim().replace(' ', ","), join(&case["ids"]));
}

#[test]
fn bad_input_is_a_message_not_a_panic() {
    let model = fixtures().join("llama");
    for args in [
        vec!["--model", "/no/such/dir", "--prompt", "hi"],
        vec!["--model", model.to_str().unwrap()],
        vec!["--model", model.to_str().unwrap(), "--prompt-ids", "1,x"],
        vec![
            "--model",
            model.to_str().unwrap(),
            "--prompt-ids",
            "1",
            "--greedy",
            "--top-k",
            "3",
        ],
        vec![
            "--model",
            model.to_str().unwrap(),
            "--prompt-ids",
            "1",
            "--dtype",
            "int8",
        ],
        vec![
            "--model",
            model.to_str().unwrap(),
            "--prompt-ids",
            "99999",
            "--logits",
        ],
    ] {
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("tinytorch-llm: ") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}
