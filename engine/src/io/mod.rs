//! Checkpoints: object trees (`torch.save(obj)`), state dicts and tensors
//! saved to and loaded from safetensors files (`format.rs`: the bytes and
//! their checksum; `object.rs`: the tree).
//!
//! Saving is atomic: the bytes go to a temporary file in the target's
//! directory, are fsynced, and the file is renamed over the target (then
//! the directory is fsynced), so a crash mid-save leaves the old
//! checkpoint or the new one, never a torn file. The new file keeps the
//! old one's permissions; a symlink is written through to its target (as
//! `open(path, "wb")` does); the temporary files of saves that were killed
//! are removed by the next save to the same target. A truncated or corrupt
//! file (one flipped data byte included) is an error naming the file.

mod format;
pub mod object;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use object::{Key, Object};

use crate::nn::StateDict;
use crate::{Error, Result, Tensor};

/// Serialises `tensors` to safetensors bytes (the keys are the names).
pub fn to_safetensors_bytes(tensors: &StateDict) -> Result<Vec<u8>> {
    format::encode(&Object::from_tensors(tensors.iter()))
}

/// Every tensor of safetensors bytes under its name (names sorted; a
/// tinytorch checkpoint of a nested object gives its tensors' names).
pub fn from_safetensors_bytes(bytes: &[u8], origin: &str) -> Result<StateDict> {
    let obj = format::decode(bytes, origin)?;
    let mut out = Vec::new();
    flat_tensors(&obj, &mut String::new(), &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().collect())
}

/// The tensors of a tree with their dotted key paths.
fn flat_tensors(obj: &Object, prefix: &mut String, out: &mut Vec<(String, Tensor)>) {
    let mut child = |key: String, v: &Object, prefix: &mut String| {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(&key);
        flat_tensors(v, prefix, out);
        prefix.truncate(len);
    };
    match obj {
        Object::Tensor(t) => out.push((
            if prefix.is_empty() {
                "tensor".into()
            } else {
                prefix.clone()
            },
            t.clone(),
        )),
        Object::List(v) | Object::Tuple(v) => {
            for (i, x) in v.iter().enumerate() {
                child(i.to_string(), x, prefix);
            }
        }
        Object::Dict(items) => {
            for (k, x) in items {
                let key = match k {
                    Key::Str(s) => s.clone(),
                    Key::Int(i) => i.to_string(),
                };
                child(key, x, prefix);
            }
        }
        _ => {}
    }
}

/// `torch.save(obj, path)`: any object tree, atomically.
pub fn save_object(obj: &Object, path: impl AsRef<Path>) -> Result<()> {
    write_atomic(path.as_ref(), &format::encode(obj)?)
}

/// `torch.load(path)`: the object tree of a checkpoint (tensors on the
/// CPU). A plain safetensors file loads as a flat dict of its tensors.
pub fn load_object(path: impl AsRef<Path>) -> Result<Object> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    format::decode(&bytes, &path.display().to_string())
}

/// Saves named tensors (e.g. `model.state_dict()`) as a safetensors file, atomically.
pub fn save(tensors: &StateDict, path: impl AsRef<Path>) -> Result<()> {
    write_atomic(path.as_ref(), &to_safetensors_bytes(tensors)?)
}

/// Loads every tensor of a safetensors file (on the CPU, names sorted).
pub fn load(path: impl AsRef<Path>) -> Result<StateDict> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    from_safetensors_bytes(&bytes, &path.display().to_string())
}

/// Saves one tensor (stored under the name `"tensor"`).
pub fn save_tensor(t: &Tensor, path: impl AsRef<Path>) -> Result<()> {
    save_object(&Object::Tensor(t.detach()), path)
}

/// Loads a file written by [`save_tensor`] (or any file with a tensor
/// named `"tensor"`).
pub fn load_tensor(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    match load_object(path)? {
        Object::Tensor(t) => Ok(t),
        other => other
            .get(&Key::from("tensor"))
            .and_then(|o| match o {
                Object::Tensor(t) => Some(t.clone()),
                _ => None,
            })
            .ok_or_else(|| Error::Io(format!("{}: no tensor named 'tensor'", path.display()))),
    }
}

/// The file a write to `path` lands in: symlinks followed (a dangling one
/// to the file it names), as `open(path, "wb")` does.
fn write_target(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&p) {
                Ok(t) if t.is_absolute() => p = t,
                Ok(t) => p = p.parent().map_or(t.clone(), |d| d.join(t)),
                Err(_) => break,
            },
            _ => break,
        }
    }
    p
}

/// `.name.tmp-<pid>-<nanos>` beside the target.
const TMP_MARK: &str = ".tmp-";

fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    format!(".{name}{TMP_MARK}")
}

fn temp_path(path: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    path.with_file_name(format!(
        "{}{}-{nanos}",
        temp_prefix(path),
        std::process::id()
    ))
}

/// Whether process `pid` may still be running (and writing its temp file).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true // no way to tell: keep it (only the age rule below removes it)
    }
}

/// Removes the temporary files that killed saves to `target` left behind:
/// those of processes that no longer run, or older than a day.
fn remove_stale_temps(target: &Path) {
    let prefix = temp_prefix(target);
    let dir = match target.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 24 * 3600);
        if pid.is_some_and(|p| !alive(p)) || (old && pid != Some(std::process::id())) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename),
/// keeping the replaced file's permissions and writing through symlinks.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    let target = write_target(path);
    remove_stale_temps(&target);
    let tmp = temp_path(&target);
    let old_perms = std::fs::metadata(&target).ok().map(|m| m.permissions());
    let result = (|| -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(p) = &old_perms {
            // never wider than the file it replaces, even for a moment
            std::os::unix::fs::OpenOptionsExt::mode(
                &mut opts,
                std::os::unix::fs::PermissionsExt::mode(p) & 0o777,
            );
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        if let Some(p) = old_perms {
            f.set_permissions(p)?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &target)?;
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            // make the rename itself durable (best effort where directories can't be opened)
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
