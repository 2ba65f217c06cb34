//! CI compiles every CUDA kernel: each kernels/ family, for each dtype, for
//! sm_90, through the NVRTC of the PyPI package `nvidia-cuda-nvrtc` (pinned
//! in tests/requirements.txt; tests/all.sh installs it into .venv and
//! exports TT_VENV). NVRTC needs no GPU and no driver. The library is opened
//! by path with libloading (cudarc only searches the loader's default
//! paths). The program text and options are the engine's own
//! (`kernels::program_source`, `kernels::nvrtc_options`), so this compiles
//! exactly what a GPU run would.
//!
//! Skips with a message when TT_VENV is unset; fails when TT_REQUIRE_VENV is
//! set and the library is missing.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};

use tinytorch::cuda::kernels::{nvrtc_options, program_source, DTYPES, FAMILIES};

type Prog = *mut c_void;
type Create = unsafe extern "C" fn(
    *mut Prog,
    *const c_char,
    *const c_char,
    c_int,
    *const *const c_char,
    *const *const c_char,
) -> c_int;
type Compile = unsafe extern "C" fn(Prog, c_int, *const *const c_char) -> c_int;
type LogSize = unsafe extern "C" fn(Prog, *mut usize) -> c_int;
type GetLog = unsafe extern "C" fn(Prog, *mut c_char) -> c_int;
type Destroy = unsafe extern "C" fn(*mut Prog) -> c_int;

/// The wheel's library directory: site-packages/nvidia/cu13/lib.
fn nvrtc_dir(venv: &Path) -> Option<PathBuf> {
    let lib = venv.join("lib");
    for entry in std::fs::read_dir(lib).ok()?.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("python3") {
            let dir = entry.path().join("site-packages/nvidia/cu13/lib");
            if dir.join("libnvrtc.so.13").exists() {
                return Some(dir);
            }
        }
    }
    None
}

/// The first file in `dir` whose name starts with `prefix`.
fn find(dir: &Path, prefix: &str) -> Option<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    v.sort();
    v.into_iter().next()
}

#[test]
fn every_kernel_compiles_for_every_dtype() {
    let required = std::env::var_os("TT_REQUIRE_VENV").is_some();
    let Some(venv) = std::env::var_os("TT_VENV") else {
        eprintln!("skipped: TT_VENV is unset (run tests/all.sh to compile the CUDA kernels)");
        return;
    };
    let Some(dir) = nvrtc_dir(Path::new(&venv)) else {
        assert!(
            !required,
            "TT_REQUIRE_VENV is set but libnvrtc.so.13 is not under {venv:?}/lib/python3*/site-packages/nvidia/cu13/lib"
        );
        eprintln!("skipped: no libnvrtc in {venv:?}");
        return;
    };
    // libnvrtc dlopens libnvrtc-builtins by name: load it first, globally,
    // from the same directory so no LD_LIBRARY_PATH is needed.
    let builtins = find(&dir, "libnvrtc-builtins.so").expect("the wheel ships libnvrtc-builtins");
    // SAFETY: loading NVIDIA's libraries runs only their initialisers.
    let _builtins = unsafe {
        libloading::os::unix::Library::open(
            Some(&builtins),
            libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL,
        )
    }
    .expect("load libnvrtc-builtins");
    let lib =
        unsafe { libloading::Library::new(dir.join("libnvrtc.so.13")) }.expect("load libnvrtc");
    // SAFETY: the signatures are NVRTC's C API (nvrtc.h).
    let (create, compile, log_size, get_log, destroy) = unsafe {
        (
            *lib.get::<Create>(b"nvrtcCreateProgram").unwrap(),
            *lib.get::<Compile>(b"nvrtcCompileProgram").unwrap(),
            *lib.get::<LogSize>(b"nvrtcGetProgramLogSize").unwrap(),
            *lib.get::<GetLog>(b"nvrtcGetProgramLog").unwrap(),
            *lib.get::<Destroy>(b"nvrtcDestroyProgram").unwrap(),
        )
    };
    let opts: Vec<CString> = nvrtc_options("sm_90")
        .into_iter()
        .map(|o| CString::new(o).unwrap())
        .collect();
    let opt_ptrs: Vec<*const c_char> = opts.iter().map(|o| o.as_ptr()).collect();
    let mut failures = Vec::new();
    let mut compiled = 0;
    for (family, _) in FAMILIES {
        for &dtype in DTYPES {
            let src = CString::new(program_source(family, dtype).unwrap()).unwrap();
            let name = CString::new(format!("{family}.cu")).unwrap();
            let mut prog: Prog = std::ptr::null_mut();
            // SAFETY: valid C strings that outlive the program; `prog` is
            // destroyed below.
            unsafe {
                assert_eq!(
                    create(
                        &mut prog,
                        src.as_ptr(),
                        name.as_ptr(),
                        0,
                        std::ptr::null(),
                        std::ptr::null()
                    ),
                    0
                );
                let rc = compile(prog, opt_ptrs.len() as c_int, opt_ptrs.as_ptr());
                let mut n = 0usize;
                log_size(prog, &mut n);
                let mut buf = vec![0 as c_char; n.max(1)];
                get_log(prog, buf.as_mut_ptr());
                let log = CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned();
                destroy(&mut prog);
                if rc != 0 || log.contains("warning") {
                    failures.push(format!(
                        "{family}.cu for {} (rc {rc}):\n{log}",
                        dtype.name()
                    ));
                }
            }
            compiled += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "NVRTC errors:\n{}",
        failures.join("\n")
    );
    assert_eq!(compiled, FAMILIES.len() * DTYPES.len());
    eprintln!("compiled {compiled} kernel programs for sm_90");
}
