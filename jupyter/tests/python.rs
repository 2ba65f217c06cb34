//! Tests that drive kernels from Python's Jupyter tools: the community
//! conformance suite (`jupyter_kernel_test`) and the notebook runner
//! (`nbclient`), on our kernel and on evcxr's (the engine used from Rust).
//! They need the venv that tests/all.sh makes from tests/requirements.txt
//! (`TT_VENV`); without it they skip, unless `TT_REQUIRE_VENV` is set, when
//! they fail. The evcxr test is `#[ignore]`d (it needs `evcxr_jupyter`,
//! which tests/all.sh installs and then runs it with `--ignored`).

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

/// Runs `python args..` with Jupyter looking only at the kernelspecs in
/// `jupyter_path` and a scratch runtime dir, plus `envs`; panics with its
/// output on failure.
fn run_python(py: &Path, args: &[&str], jupyter_path: &Path, envs: &[(&str, &Path)]) {
    let runtime = common::scratch_dir("runtime");
    let out = Command::new(py)
        .args(args)
        .current_dir(workspace_root())
        .envs(envs.iter().copied())
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
    run_python(&py, &["jupyter/tests/kernel_conformance.py"], &data, &[]);
}

/// The lesson notebooks (paths relative to the workspace) whose kernelspec
/// is `kernel`, sorted.
fn notebooks_for(kernel: &str) -> Vec<String> {
    let mut notebooks: Vec<String> = std::fs::read_dir(workspace_root().join("notebooks"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .filter(|p| {
            let nb: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            nb["metadata"]["kernelspec"]["name"] == kernel
        })
        .map(|p| format!("notebooks/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    notebooks.sort();
    notebooks
}

#[test]
fn notebooks_run_top_to_bottom() {
    let Some(py) = venv_python("the notebooks") else {
        return;
    };
    let notebooks = notebooks_for("tinytorch");
    assert!(
        !notebooks.is_empty(),
        "notebooks/ has no tinytorch notebook"
    );
    let data = install_kernelspec();
    let mut args = vec!["tests/run_notebooks.py"];
    args.extend(notebooks.iter().map(String::as_str));
    run_python(&py, &args, &data, &[]);
}

/// Mime types of the saved outputs of the code cell whose last line (the
/// value it shows) is `last_line`.
fn saved_mimes(notebook: &str, last_line: &str) -> Vec<String> {
    let text = std::fs::read_to_string(workspace_root().join(notebook)).unwrap();
    let nb: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cell = nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            let s = &c["source"];
            let joined = match s.as_array() {
                Some(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
                None => s.as_str().unwrap_or_default().to_string(),
            };
            joined.trim().lines().last() == Some(last_line)
        })
        .unwrap_or_else(|| panic!("{notebook} has no cell ending in `{last_line}`"));
    cell["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["data"].as_object().into_iter().flatten())
        .map(|(mime, _)| mime.clone())
        .collect()
}

/// The Rust lesson runs for real in evcxr's Jupyter kernel: `:dep` on the
/// engine, tensors shown as repr + HTML table, graphs and charts as SVG +
/// PNG, a training loop with the progress bar. The runner reruns every
/// cell in a fresh kernel and fails on an error or on any output kind
/// (including text/html, image/svg+xml, image/png) that the saved notebook
/// has and the fresh run lacks; the saved outputs are checked here first.
#[test]
#[ignore = "needs evcxr_jupyter (tests/all.sh installs it and runs this test)"]
fn rust_notebooks_run_in_evcxr() {
    let py = venv_python("the evcxr notebooks").expect("the evcxr test needs the venv (TT_VENV)");
    let evcxr = std::env::var_os("TT_EVCXR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("evcxr_jupyter"));
    let notebooks = notebooks_for("rust");
    assert!(
        !notebooks.is_empty(),
        "notebooks/ has no Rust (evcxr) notebook"
    );
    let lesson = "notebooks/10-autograd-in-rust.ipynb";
    assert!(notebooks.iter().any(|n| n == lesson));
    let tensor = saved_mimes(lesson, "x.narrow(0, 0, 4)?");
    assert!(
        tensor.contains(&"text/html".to_string()) && tensor.contains(&"text/plain".to_string()),
        "{tensor:?}"
    );
    for graph in ["l.graph()?", "loss.graph()?"] {
        let m = saved_mimes(lesson, graph);
        assert!(
            m.contains(&"image/svg+xml".to_string()) && m.contains(&"image/png".to_string()),
            "{graph}: {m:?}"
        );
    }

    // evcxr's own installer writes the kernelspec (kernel name `rust`).
    let data = common::scratch_dir("evcxr").join("share").join("jupyter");
    std::fs::create_dir_all(&data).unwrap();
    let out = Command::new(&evcxr)
        .arg("--install")
        .env("JUPYTER_PATH", &data)
        .output()
        .unwrap_or_else(|e| panic!("running {} --install: {e}", evcxr.display()));
    assert!(
        out.status.success(),
        "evcxr_jupyter --install failed: {out:?}"
    );
    assert!(data
        .join("kernels")
        .join("rust")
        .join("kernel.json")
        .is_file());

    // evcxr builds each session's crate (the engine included) in this
    // directory, kept between runs so that a second run only relinks. Not
    // under target/: a crate inside our workspace's folder would be taken
    // for an unlisted member of it.
    let build = std::env::temp_dir().join("tinytorch-evcxr-notebooks");
    let mut args = vec!["tests/run_notebooks.py"];
    args.extend(notebooks.iter().map(String::as_str));
    run_python(&py, &args, &data, &[("EVCXR_TMPDIR", &build)]);
}
