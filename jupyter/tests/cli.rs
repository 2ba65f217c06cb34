//! The kernel binary's command line: help, version and argument errors,
//! without starting a kernel or writing anything.

use std::process::{Command, Output};

fn kernel(args: &[&str], home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinytorch-kernel"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("JUPYTER_DATA_DIR", home.join("jupyter"))
        .output()
        .unwrap()
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tt-kernel-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn help_prints_usage_and_exits_0_everywhere() {
    let home = scratch("help");
    for args in [
        &["--help"][..],
        &["-h"],
        &[],
        &["install", "--help"],
        &["install", "-h"],
    ] {
        let out = kernel(args, &home);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert!(
            stdout.contains("usage: tinytorch-kernel install"),
            "{args:?}: {stdout}"
        );
    }
    // Asking for help installed nothing.
    let written: Vec<_> = std::fs::read_dir(&home).unwrap().collect();
    assert!(written.is_empty(), "{written:?}");
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn bad_install_arguments_exit_2_with_usage() {
    let home = scratch("bad");
    let out = kernel(&["install", "--bogus"], &home);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unrecognised arguments"), "{stderr}");
    assert!(stderr.contains("usage:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn version_exits_0() {
    let home = scratch("version");
    let out = kernel(&["--version"], &home);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tinytorch-kernel "));
    let _ = std::fs::remove_dir_all(&home);
}
