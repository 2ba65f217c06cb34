//! Tests that drive the kernel from Python's Jupyter tools: the community
//! conformance suite (`jupyter_kernel_test`) and the notebook runner
//! (`nbclient`). They need the venv that tests/all.sh makes from
//! tests/requirements.txt (`TT_VENV`); without it they skip, unless
//! `TT_REQUIRE_VENV` is set, when they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("jupyter/ sits in the workspace")
        .to_path_buf()
}

/// The venv's python, or None (skip) when there is no venv and none is
/// required.
fn venv_python(test: &str) -> Option<PathBuf> {
    let required = std::env::var_os("TT_REQUIRE_VENV").is_some_and(|v| !v.is_empty());
    let Some(venv) = std::env::var_os("TT_VENV").filter(|v| !v.is_empty()) else {
        assert!(!required, "TT_REQUIRE_VENV is set but TT_VENV is not");
        eprintln!("skipping {test}: TT_VENV is not set (tests/all.sh makes the venv)");
        return None;
    };
    let py = PathBuf::from(venv).join("bin").join("python");
    if !py.exists() {
        assert!(
            !required,
            "TT_REQUIRE_VENV is set but {} is missing",
            py.display()
        );
        eprintln!("skipping {test}: {} is missing", py.display());
        return None;
    }
    Some(py)
}

/// Installs the kernelspec with `--prefix` into a scratch dir; returns the
/// directory for JUPYTER_PATH.
fn install_kernelspec() -> PathBuf {
    let prefix = common::scratch_dir("prefix");
    let out = Command::new(env!("CARGO_BIN_EXE_tinytorch-kernel"))
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "install failed: {out:?}");
    let data = prefix.join("share").join("jupyter");
    let spec = data.join("kernels").join("tinytorch");
    for f in ["kernel.json", "logo-32x32.png", "logo-64x64.png"] {
        assert!(spec.join(f).is_file(), "install did not write {f}");
    }
    data
}

/// Runs `python args..` with Jupyter looking only at our kernelspec and a
/// scratch runtime dir; panics with its output on failure.
fn run_python(py: &Path, args: &[&str], jupyter_path: &Path) {
    let runtime = common::scratch_dir("runtime");
    let out = Command::new(py)
        .args(args)
        .current_dir(workspace_root())
        .env("JUPYTER_PATH", jupyter_path)
        .env("JUPYTER_RUNTIME_DIR", &runtime)
        .env("JUPYTER_PLATFORM_DIRS", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(out.status.success(), "{args:?} failed");
    let _ = std::fs::remove_dir_all(runtime);
}

#[test]
fn jupyter_kernel_test_conformance_suite() {
    let Some(py) = venv_python("the conformance suite") else {
        return;
    };
    let data = install_kernelspec();
    run_python(&py, &["jupyter/tests/kernel_conformance.py"], &data);
}

#[test]
fn notebooks_run_top_to_bottom() {
    let Some(py) = venv_python("the notebooks") else {
        return;
    };
    let mut notebooks: Vec<String> = std::fs::read_dir(workspace_root().join("notebooks"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .map(|p| format!("notebooks/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    notebooks.sort();
    assert!(!notebooks.is_empty(), "notebooks/ has no .ipynb");
    let data = install_kernelspec();
    let mut args = vec!["tests/run_notebooks.py"];
    args.extend(notebooks.iter().map(String::as_str));
    run_python(&py, &args, &data);
}
