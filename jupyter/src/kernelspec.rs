//! `tinytorch-kernel install`: writes the kernelspec (kernel.json and two
//! logos) where Jupyter looks for kernels.

use serde_json::json;
use std::path::{Path, PathBuf};
use tinytorch::viz::color::Rgb;
use tinytorch::viz::scene::{Anchor, Item, Scene};

/// Where to install, as `jupyter kernelspec install` names the choices.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The user's Jupyter data directory.
    User,
    /// The active Python environment's `share/jupyter`.
    SysPrefix,
    /// `DIR/share/jupyter`.
    Prefix(PathBuf),
}

/// The Jupyter data directory for `target` (kernels go in its `kernels/`).
pub fn data_dir(target: &Target) -> Result<PathBuf, String> {
    match target {
        Target::Prefix(dir) => Ok(dir.join("share").join("jupyter")),
        Target::SysPrefix => Ok(sys_prefix()?.join("share").join("jupyter")),
        Target::User => user_data_dir(),
    }
}

/// `$JUPYTER_DATA_DIR`, else the platform's default as jupyter_core has it.
fn user_data_dir() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("JUPYTER_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .ok_or("HOME is not set: use --prefix DIR")?;
    if cfg!(target_os = "macos") {
        return Ok(home.join("Library").join("Jupyter"));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".local").join("share"));
    Ok(base.join("jupyter"))
}

/// The active virtual or conda environment, else the prefix of the
/// `python3` on PATH.
fn sys_prefix() -> Result<PathBuf, String> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(d) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(d));
        }
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .map_err(|e| format!("--sys-prefix needs python3 on PATH: {e}"))?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || s.is_empty() {
        return Err("python3 did not report sys.prefix".into());
    }
    Ok(PathBuf::from(s))
}

/// The kernel.json content for the binary at `exe`.
pub fn kernel_json(exe: &Path) -> serde_json::Value {
    json!({
        "argv": [exe.to_string_lossy(), "--connection-file", "{connection_file}"],
        "display_name": "tinytorch",
        "language": "tinytorch",
        "interrupt_mode": "message",
        "metadata": {"debugger": false},
    })
}

/// A square logo `size` pixels wide: "tt" in white on an orange tile.
pub fn logo_png(size: u32) -> Result<Vec<u8>, String> {
    let s = f64::from(size);
    let mut scene = Scene::new(s, s);
    scene.push(Item::Rect {
        x: 0.0,
        y: 0.0,
        w: s,
        h: s,
        radius: s * 0.18,
        fill: Some(Rgb(238, 76, 44)),
        stroke: None,
        tip: None,
    });
    scene.push(Item::Text {
        x: s * 0.5,
        y: s * 0.72,
        text: "tt".into(),
        size: s * 0.62,
        color: Rgb::WHITE,
        anchor: Anchor::Middle,
    });
    scene
        .to_png(1.0)
        .map_err(|e| format!("drawing the logo: {e}"))
}

/// Writes `kernels/tinytorch/` under the data directory of `target` for the
/// binary `exe`; returns the kernelspec directory.
pub fn install(target: &Target, exe: &Path) -> Result<PathBuf, String> {
    let dir = data_dir(target)?.join("kernels").join("tinytorch");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("writing {}: {e}", p.display()))
    };
    let spec = serde_json::to_string_pretty(&kernel_json(exe)).expect("JSON of strings");
    write("kernel.json", format!("{spec}\n").as_bytes())?;
    write("logo-32x32.png", &logo_png(32)?)?;
    write("logo-64x64.png", &logo_png(64)?)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_installs_under_share_jupyter() {
        let d = data_dir(&Target::Prefix("/opt/x".into())).unwrap();
        assert_eq!(d, Path::new("/opt/x/share/jupyter"));
    }

    #[test]
    fn logos_are_pngs_of_the_named_size() {
        for size in [32u32, 64] {
            let png = logo_png(size).unwrap();
            // PNG signature, then the IHDR chunk: width and height big-endian
            // at bytes 16..20 and 20..24.
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(&png[12..16], b"IHDR");
            assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), size);
            assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), size);
        }
    }

    #[test]
    fn kernel_json_passes_the_connection_file() {
        let v = kernel_json(Path::new("/bin/tinytorch-kernel"));
        assert_eq!(
            v["argv"],
            json!([
                "/bin/tinytorch-kernel",
                "--connection-file",
                "{connection_file}"
            ])
        );
        assert_eq!(v["language"], "tinytorch");
        assert_eq!(v["display_name"], "tinytorch");
    }
}
