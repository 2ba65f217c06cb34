//! Hugging Face weight files: `model.safetensors`, or the shards listed in
//! `model.safetensors.index.json`, memory-mapped. Each tensor is copied
//! once from the map into an engine buffer of its stored dtype (or the
//! dtype asked for), and its pages are then dropped from the mapping, so a
//! bfloat16 model costs its file size in RAM, not twice that. Every name
//! the model asks for must be there with the expected shape, and every name
//! in the files must be asked for: anything else is an error naming the
//! tensor. Knows nothing of model structure.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use half::{bf16, f16};
use memmap2::Mmap;
use safetensors::tensor::{Metadata, TensorInfo};
use safetensors::{Dtype, SafeTensors};

use crate::{DType, Error, Result, Tensor};

struct Shard {
    path: PathBuf,
    map: Mmap,
    /// Where tensor data starts (8 + header length).
    data_start: usize,
    meta: Metadata,
}

/// The tensors of a model directory, taken one by one by name.
pub struct Weights {
    shards: Vec<Shard>,
    /// name -> shard index
    index: HashMap<String, usize>,
    taken: BTreeSet<String>,
    /// Convert every tensor to this dtype (`None`: keep the stored dtype).
    dtype: Option<DType>,
}

fn open_shard(path: &Path) -> Result<Shard> {
    let file = File::open(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    // SAFETY: the map is read-only; a file truncated by another process
    // while mapped would fault, as with every memory-mapped loader
    // (transformers' safetensors included).
    let map = unsafe { Mmap::map(&file) }
        .map_err(|e| Error::Io(format!("{}: cannot map: {e}", path.display())))?;
    let (n, meta) = SafeTensors::read_metadata(&map).map_err(|e| {
        Error::Io(format!(
            "{}: not a valid safetensors file ({e:?}); the file may be truncated or corrupt",
            path.display()
        ))
    })?;
    Ok(Shard {
        path: path.to_path_buf(),
        map,
        data_start: 8 + n,
        meta,
    })
}

impl Weights {
    /// Opens `dir/model.safetensors`, or the shards `dir/model.safetensors.index.json` lists.
    pub fn open(dir: &Path, dtype: Option<DType>) -> Result<Weights> {
        let single = dir.join("model.safetensors");
        let index_path = dir.join("model.safetensors.index.json");
        let mut shards = Vec::new();
        let mut index = HashMap::new();
        if index_path.is_file() {
            let v = super::config::read_json(&index_path)?;
            let map = v
                .get("weight_map")
                .and_then(|m| m.as_object())
                .ok_or_else(|| {
                    Error::invalid(format!("{}: missing weight_map", index_path.display()))
                })?;
            let mut files: Vec<&str> = map.values().filter_map(|f| f.as_str()).collect();
            files.sort_unstable();
            files.dedup();
            for f in &files {
                shards.push(open_shard(&dir.join(f))?);
            }
            for (name, f) in map {
                let f = f.as_str().unwrap_or_default();
                let k = files.binary_search(&f).map_err(|_| {
                    Error::invalid(format!("{}: bad entry for {name}", index_path.display()))
                })?;
                if !shards[k].meta.tensors().contains_key(name) {
                    return Err(Error::invalid(format!(
                        "{}: tensor {name} is listed in the index but missing from {f}",
                        index_path.display()
                    )));
                }
                index.insert(name.clone(), k);
            }
        } else if single.is_file() {
            let s = open_shard(&single)?;
            for name in s.meta.tensors().keys() {
                index.insert(name.clone(), 0);
            }
            shards.push(s);
        } else {
            return Err(Error::Io(format!(
                "{} has no model.safetensors or model.safetensors.index.json",
                dir.display()
            )));
        }
        Ok(Weights {
            shards,
            index,
            taken: BTreeSet::new(),
            dtype,
        })
    }

    /// Whether the files hold `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The stored dtype of the first tensor (what "auto" loads as).
    pub fn stored_dtype(&self, name: &str) -> Option<DType> {
        let k = *self.index.get(name)?;
        let info = self.shards[k].meta.info(name)?;
        dtype_of(info.dtype).ok()
    }

    /// Takes tensor `name`, which must have `shape`.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor> {
        let &k = self.index.get(name).ok_or_else(|| {
            Error::invalid(format!(
                "missing tensor {name} in the checkpoint (expected shape {shape:?})"
            ))
        })?;
        let shard = &self.shards[k];
        let info: &TensorInfo = shard
            .meta
            .info(name)
            .ok_or_else(|| Error::Internal(format!("{name} indexed but not in its shard")))?;
        if info.shape != shape {
            return Err(Error::invalid(format!(
                "size mismatch for {name}: copying a param with shape {:?} from checkpoint, the shape in current model is {shape:?}",
                info.shape
            )));
        }
        let (start, end) = info.data_offsets;
        let bytes = &shard.map[shard.data_start + start..shard.data_start + end];
        let stored = dtype_of(info.dtype).map_err(|e| Error::invalid(format!("{name}: {e}")))?;
        let want = self.dtype.unwrap_or(stored);
        let t = decode(bytes, stored, want, shape)?;
        release(shard, shard.data_start + start, end - start);
        self.taken.insert(name.to_string());
        Ok(t)
    }

    /// Errors if the files hold a tensor nobody took (PyTorch's wording).
    pub fn finish(self) -> Result<()> {
        let mut extra: Vec<&String> = self
            .index
            .keys()
            .filter(|k| !self.taken.contains(*k))
            .collect();
        if extra.is_empty() {
            return Ok(());
        }
        extra.sort();
        let names: Vec<String> = extra.iter().map(|s| format!("\"{s}\"")).collect();
        Err(Error::invalid(format!(
            "Unexpected key(s) in state_dict: {} (in {})",
            names.join(", "),
            self.shards[self.index[extra[0]]].path.display()
        )))
    }
}

fn dtype_of(d: Dtype) -> Result<DType> {
    Ok(match d {
        Dtype::F32 => DType::F32,
        Dtype::F16 => DType::F16,
        Dtype::BF16 => DType::BF16,
        other => {
            return Err(Error::invalid(format!(
                "stored dtype {other:?} is not supported (float32, float16, bfloat16)"
            )))
        }
    })
}

/// Drops the pages of one copied tensor from the mapping (they are read
/// again from the file if ever touched), so mapped and copied bytes do not
/// add up during a load.
fn release(shard: &Shard, offset: usize, len: usize) {
    #[cfg(unix)]
    {
        // SAFETY: a read-only file mapping: MADV_DONTNEED discards clean
        // pages only, and nothing holds a reference into them past `take`.
        let _ = unsafe {
            shard
                .map
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
        };
    }
    #[cfg(not(unix))]
    let _ = (shard, offset, len);
}

/// Little-endian bytes of `stored` to a tensor of `want`.
fn decode(bytes: &[u8], stored: DType, want: DType, shape: &[usize]) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    if bytes.len() != n * stored.size_in_bytes() {
        return Err(Error::Internal("tensor byte length".into()));
    }
    // Read each element as f32 only when converting; a same-dtype load is
    // a plain copy of the bits.
    fn words<const N: usize>(b: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        b.chunks_exact(N).map(|c| {
            let mut w = [0u8; N];
            w.copy_from_slice(c);
            w
        })
    }
    let as_f32 = || -> Vec<f32> {
        match stored {
            DType::F32 => words::<4>(bytes).map(f32::from_le_bytes).collect(),
            DType::F16 => words::<2>(bytes)
                .map(|w| f16::from_le_bytes(w).to_f32())
                .collect(),
            _ => words::<2>(bytes)
                .map(|w| bf16::from_le_bytes(w).to_f32())
                .collect(),
        }
    };
    match (stored, want) {
        (DType::F32, DType::F32) => Tensor::from_vec(as_f32(), shape),
        (DType::F16, DType::F16) => Tensor::from_vec(
            words::<2>(bytes)
                .map(f16::from_le_bytes)
                .collect::<Vec<_>>(),
            shape,
        ),
        (DType::BF16, DType::BF16) => Tensor::from_vec(
            words::<2>(bytes)
                .map(bf16::from_le_bytes)
                .collect::<Vec<_>>(),
            shape,
        ),
        (_, DType::F32) => Tensor::from_vec(as_f32(), shape),
        (_, DType::F16) => Tensor::from_vec(
            as_f32().into_iter().map(f16::from_f32).collect::<Vec<_>>(),
            shape,
        ),
        (_, DType::BF16) => Tensor::from_vec(
            as_f32().into_iter().map(bf16::from_f32).collect::<Vec<_>>(),
            shape,
        ),
        (_, other) => Err(Error::invalid(format!(
            "cannot load weights as {} (float32, float16 or bfloat16)",
            other.name()
        ))),
    }
}
