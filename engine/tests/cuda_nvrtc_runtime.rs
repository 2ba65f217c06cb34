//! The engine's run-time kernel compile path (cudarc's NVRTC bindings,
//! `compute_90` PTX, the options a device's first use passes), run without a
//! GPU: libnvrtc from the PyPI wheel under TT_VENV is loaded by path first,
//! so cudarc's by-name dlopen of `libnvrtc.so.13` finds it already loaded.
//! Complements cuda_kernels_compile.rs (which calls NVRTC's C API directly
//! for sm_90). Skips when TT_VENV is unset; fails when TT_REQUIRE_VENV is set
//! and the library is missing.

#![cfg(feature = "cuda")]

use std::path::{Path, PathBuf};

use tinytorch::cuda::compile_ptx;
use tinytorch::cuda::kernels::{DTYPES, FAMILIES};

fn nvrtc_dir(venv: &Path) -> Option<PathBuf> {
    std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages/nvidia/cu13/lib"))
        .find(|d| d.join("libnvrtc.so.13").exists())
}

#[test]
fn runtime_path_compiles_every_kernel_to_ptx() {
    let required = std::env::var_os("TT_REQUIRE_VENV").is_some();
    let Some(venv) = std::env::var_os("TT_VENV") else {
        eprintln!("skipped: TT_VENV is unset");
        return;
    };
    let Some(dir) = nvrtc_dir(Path::new(&venv)) else {
        assert!(
            !required,
            "TT_REQUIRE_VENV is set but no libnvrtc.so.13 under {venv:?}"
        );
        eprintln!("skipped: no libnvrtc in {venv:?}");
        return;
    };
    let builtins = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libnvrtc-builtins.so"))
        })
        .expect("the wheel ships libnvrtc-builtins");
    let open = |p: &Path| {
        // SAFETY: loading NVIDIA's libraries runs only their initialisers.
        unsafe {
            libloading::os::unix::Library::open(
                Some(p),
                libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL,
            )
        }
        .expect("load the NVRTC wheel's library")
    };
    let _keep = (open(&builtins), open(&dir.join("libnvrtc.so.13")));
    let mut failures = Vec::new();
    for (family, src) in FAMILIES {
        for &dtype in DTYPES {
            match compile_ptx(family, dtype, "compute_90") {
                // float32 builds every kernel (others skip the float-only
                // ones under #if TT_FLOAT): each is a PTX entry.
                Ok(ptx) if dtype == tinytorch::DType::F32 => {
                    for line in src
                        .lines()
                        .filter(|l| l.starts_with("extern \"C\" __global__ void "))
                    {
                        let name = line["extern \"C\" __global__ void ".len()..]
                            .split('(')
                            .next()
                            .unwrap();
                        if !ptx.contains(&format!(".entry {name}(")) {
                            failures.push(format!("{family}/{}: no .entry {name}", dtype.name()));
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{family}/{}: {e}", dtype.name())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compile_ptx("nope", tinytorch::DType::F32, "compute_90").is_err());
}
