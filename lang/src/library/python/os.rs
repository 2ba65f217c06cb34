//! Python's `os` as training scripts use it: `environ` (a dict, read when
//! the session starts), `getcwd`, `listdir`, `makedirs`, `mkdir`,
//! `remove`, `rmdir`, `getpid`, `sep`, and `os.path` (`join`, `exists`, `isfile`, `isdir`,
//! `basename`, `dirname`, `splitext`, `split`, `abspath`, `expanduser`,
//! `getsize`). OS errors are CPython's (`FileNotFoundError`,
//! `FileExistsError`, ...).

use std::path::Path;

use crate::bind::{row, Bound, Row, Style};
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;

#[rustfmt::skip]
pub const OS: &[Row] = &[
    row("getcwd()", "The current working directory.", getcwd),
    row("listdir(path='.')", "The names of the entries in a directory (sorted here).", listdir),
    row("makedirs(name, mode=0o777, exist_ok=False)", "Makes a directory and any missing parents.", makedirs),
    row("mkdir(path, mode=0o777)", "Makes one directory.", mkdir),
    row("remove(path)", "Deletes a file.", remove),
    row("rmdir(path)", "Deletes an empty directory.", rmdir),
    row("getpid()", "This process's id.", getpid),
];

#[rustfmt::skip]
pub const PATH: &[Row] = &[
    row("join(a, *p)", "Joins path pieces with '/' (an absolute piece restarts the path).", join),
    row("exists(path)", "Whether the path exists.", exists),
    row("isfile(path)", "Whether the path is a regular file.", isfile),
    row("isdir(path)", "Whether the path is a directory.", isdir),
    row("basename(p)", "The last component of a path.", basename),
    row("dirname(p)", "The path without its last component.", dirname),
    row("split(p)", "(dirname, basename).", split),
    row("splitext(p)", "(root, extension), the extension with its dot.", splitext),
    row("abspath(path)", "The absolute path (joined to the working directory, normalised).", abspath),
    row("expanduser(path)", "~ replaced by the home directory.", expanduser),
    row("getsize(filename)", "The size of a file in bytes.", getsize),
];

pub fn install(it: &mut Interp) {
    let os = super::super::module(
        it,
        "os",
        "Operating system interfaces: files, directories, the environment.",
    );
    crate::bind::into_module(&os, "os", OS, Style::Python);
    let mut env = Dict::new();
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (k, v) in vars {
        env.insert(Key::Str(k.as_str().into()), Value::str(&k), Value::str(&v));
    }
    os.set("environ", Value::dict(env));
    os.set("sep", Value::str("/"));
    os.set("name", Value::str("posix"));
    let path = super::super::module(it, "os.path", "Pathname manipulations.");
    crate::bind::into_module(&path, "os.path", PATH, Style::Python);
    path.set("sep", Value::str("/"));
}

fn text(v: &Value, what: &str) -> PyResult<String> {
    match v {
        Value::Str(s) => Ok(s.to_string()),
        other => Err(type_error(format!(
            "{what}: path should be string, not {}",
            other.type_name()
        ))),
    }
}

/// An io error as CPython names it, with the path.
fn os_error(e: std::io::Error, path: &str) -> Box<crate::eval::error::PyErr> {
    let (name, msg) = match e.kind() {
        std::io::ErrorKind::NotFound => ("FileNotFoundError", "No such file or directory"),
        std::io::ErrorKind::AlreadyExists => ("FileExistsError", "File exists"),
        std::io::ErrorKind::PermissionDenied => ("PermissionError", "Permission denied"),
        _ => ("OSError", ""),
    };
    let msg = if msg.is_empty() {
        e.to_string()
    } else {
        msg.to_string()
    };
    let code = e.raw_os_error().unwrap_or(0);
    exc(name, format!("[Errno {code}] {msg}: '{path}'"))
}

fn getcwd(_: &mut Interp, _: Bound) -> PyResult<Value> {
    let d = std::env::current_dir().map_err(|e| os_error(e, "."))?;
    Ok(Value::str(&d.to_string_lossy()))
}

fn listdir(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "listdir")?;
    let mut names: Vec<String> = std::fs::read_dir(&p)
        .map_err(|e| os_error(e, &p))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    Ok(Value::list(names.iter().map(|n| Value::str(n)).collect()))
}

fn makedirs(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "makedirs")?;
    let exist_ok = it.truthy(b.value(2))?;
    if Path::new(&p).exists() {
        if exist_ok && Path::new(&p).is_dir() {
            return Ok(Value::None);
        }
        return Err(exc(
            "FileExistsError",
            format!("[Errno 17] File exists: '{p}'"),
        ));
    }
    std::fs::create_dir_all(&p).map_err(|e| os_error(e, &p))?;
    Ok(Value::None)
}

fn mkdir(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "mkdir")?;
    std::fs::create_dir(&p).map_err(|e| os_error(e, &p))?;
    Ok(Value::None)
}

fn remove(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "remove")?;
    std::fs::remove_file(&p).map_err(|e| os_error(e, &p))?;
    Ok(Value::None)
}

fn join(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut out = text(b.value(0), "join")?;
    for v in b.varargs(1) {
        let piece = text(v, "join")?;
        if piece.starts_with('/') {
            out = piece;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&piece);
        } else {
            out.push('/');
            out.push_str(&piece);
        }
    }
    Ok(Value::str(&out))
}

fn exists(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(
        matches!(b.value(0), Value::Str(s) if Path::new(&**s).exists()),
    ))
}

fn isfile(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(
        matches!(b.value(0), Value::Str(s) if Path::new(&**s).is_file()),
    ))
}

fn isdir(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(
        matches!(b.value(0), Value::Str(s) if Path::new(&**s).is_dir()),
    ))
}

/// (head, tail) split at the last '/', as `posixpath.split` (the head
/// keeps a root '/' and loses other trailing slashes).
fn split_path(p: &str) -> (String, String) {
    match p.rfind('/') {
        Some(i) => {
            let (head, tail) = (&p[..=i], &p[i + 1..]);
            let trimmed = head.trim_end_matches('/');
            let head = if trimmed.is_empty() { head } else { trimmed };
            (head.to_string(), tail.to_string())
        }
        None => (String::new(), p.to_string()),
    }
}

fn basename(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "basename")?;
    Ok(Value::str(&split_path(&p).1))
}

fn dirname(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "dirname")?;
    Ok(Value::str(&split_path(&p).0))
}

fn split(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "split")?;
    let (h, t) = split_path(&p);
    Ok(Value::tuple(vec![Value::str(&h), Value::str(&t)]))
}

fn splitext(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "splitext")?;
    let base_start = p.rfind('/').map_or(0, |i| i + 1);
    let base = &p[base_start..];
    // A leading dot (".bashrc") is not an extension.
    let dot = base
        .rfind('.')
        .filter(|&i| base[..i].chars().any(|c| c != '.'));
    Ok(match dot {
        Some(i) => Value::tuple(vec![
            Value::str(&p[..base_start + i]),
            Value::str(&base[i..]),
        ]),
        None => Value::tuple(vec![Value::str(&p), Value::str("")]),
    })
}

/// `posixpath.normpath` of an absolute path.
fn normalise(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

fn abspath(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "abspath")?;
    let full = if p.starts_with('/') {
        p
    } else {
        let cwd = std::env::current_dir().map_err(|e| os_error(e, "."))?;
        format!("{}/{p}", cwd.to_string_lossy())
    };
    Ok(Value::str(&normalise(&full)))
}

fn expanduser(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "expanduser")?;
    let home = std::env::var("HOME").unwrap_or_default();
    Ok(Value::str(&match p.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => p,
    }))
}

fn getsize(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "getsize")?;
    let m = std::fs::metadata(&p).map_err(|e| os_error(e, &p))?;
    Ok(Value::Int(m.len() as i64))
}

fn rmdir(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let p = text(b.value(0), "rmdir")?;
    std::fs::remove_dir(&p).map_err(|e| os_error(e, &p))?;
    Ok(Value::None)
}

fn getpid(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Int(std::process::id() as i64))
}
