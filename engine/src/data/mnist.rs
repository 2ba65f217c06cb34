//! MNIST from the four standard IDX files (`train-images-idx3-ubyte`, ...),
//! plain or gzipped, in `root` or torchvision's `root/MNIST/raw`.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Dataset, Transform};
use crate::{Error, Result, Tensor};

/// The command that fetches the files when they are missing.
pub const MNIST_FETCH_HINT: &str = "python3 engine/examples/fetch_mnist.py --out data/mnist";

/// Reads an IDX file (gzipped or not): its dims and its unsigned-byte payload.
pub fn read_idx(path: &Path) -> Result<(Vec<usize>, Vec<u8>)> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    let raw = std::fs::read(path).map_err(io)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(io)?;
        out
    } else {
        raw
    };
    let bad = |why: &str| Error::Io(format!("{}: not a valid IDX file ({why})", path.display()));
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad("bad magic number"));
    }
    if bytes[2] != 0x08 {
        return Err(bad("only unsigned-byte IDX files are supported"));
    }
    let nd = bytes[3] as usize;
    let head = 4 + 4 * nd;
    if bytes.len() < head {
        return Err(bad("truncated header"));
    }
    let dims: Vec<usize> = (0..nd)
        .map(|i| {
            let b = &bytes[4 + 4 * i..8 + 4 * i];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let n: usize = dims.iter().product();
    if bytes.len() != head + n {
        return Err(bad(&format!(
            "expected {n} data bytes for dims {dims:?}, found {}",
            bytes.len() - head
        )));
    }
    Ok((dims, bytes[head..].to_vec()))
}

fn find(root: &Path, stem: &str) -> Option<PathBuf> {
    for dir in [root.to_path_buf(), root.join("MNIST").join("raw")] {
        for name in [stem.to_string(), format!("{stem}.gz")] {
            let p = dir.join(&name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// `MNIST(root, train, transform)`: images as float32 `[1, 28, 28]` in
/// `[0, 1]` (`ToTensor`), then `transform`; labels as int64 scalars.
pub struct Mnist {
    images: Vec<u8>,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
    transform: Option<Box<dyn Transform>>,
}

impl Mnist {
    pub fn new(
        root: impl AsRef<Path>,
        train: bool,
        transform: Option<Box<dyn Transform>>,
    ) -> Result<Mnist> {
        let root = root.as_ref();
        let split = if train { "train" } else { "t10k" };
        let (ims, lbs) = (
            format!("{split}-images-idx3-ubyte"),
            format!("{split}-labels-idx1-ubyte"),
        );
        let (Some(ip), Some(lp)) = (find(root, &ims), find(root, &lbs)) else {
            return Err(Error::Io(format!(
                "MNIST files not found in {} (looked for {ims}[.gz] and {lbs}[.gz]). Fetch them with:\n    {MNIST_FETCH_HINT}",
                root.display()
            )));
        };
        let (idims, images) = read_idx(&ip)?;
        let (ldims, labels) = read_idx(&lp)?;
        if idims.len() != 3 || ldims.len() != 1 || idims[0] != ldims[0] {
            return Err(Error::Io(format!(
                "{} and {}: expected [n, rows, cols] images and [n] labels, got {idims:?} and {ldims:?}",
                ip.display(),
                lp.display()
            )));
        }
        Ok(Mnist {
            images,
            labels,
            rows: idims[1],
            cols: idims[2],
            transform,
        })
    }

    fn pixels(&self, indices: &[usize]) -> Result<Tensor> {
        let px = self.rows * self.cols;
        let mut v = Vec::with_capacity(indices.len() * px);
        for &i in indices {
            if i >= self.labels.len() {
                return Err(Error::IndexOutOfRange {
                    op: "MNIST",
                    index: i as i64,
                    dim: 0,
                    size: self.labels.len(),
                });
            }
            v.extend(
                self.images[i * px..(i + 1) * px]
                    .iter()
                    .map(|&b| b as f32 / 255.0),
            );
        }
        let x = Tensor::from_vec(v, &[indices.len(), 1, self.rows, self.cols])?;
        match &self.transform {
            Some(t) => t.apply(&x),
            None => Ok(x),
        }
    }

    /// The raw labels, in file order.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }
}

impl Dataset for Mnist {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn get(&self, index: usize) -> Result<Vec<Tensor>> {
        let x = self.pixels(&[index])?.squeeze_dim(0)?;
        let y = Tensor::from_vec(vec![self.labels[index] as i64], &[])?;
        Ok(vec![x, y])
    }

    fn get_batch(&self, indices: &[usize]) -> Result<Vec<Tensor>> {
        let x = self.pixels(indices)?;
        let y: Vec<i64> = indices.iter().map(|&i| self.labels[i] as i64).collect();
        Ok(vec![x, Tensor::from_vec(y, &[indices.len()])?])
    }
}
