//! The bytes of a checkpoint: a standard safetensors file whose header
//! metadata carries the object tree (`tinytorch.tree`, see `object.rs`)
//! and a CRC-32 of the tensor data (`tinytorch.crc32`).
//!
//! A flat dict of string keys and tensors is written with those keys as the
//! safetensors names, so other tools read it as usual; any other tensor
//! gets its key path joined with dots, or a generated `__tt.<n>` name where
//! that would be ambiguous. A file without the tree (written by other
//! tools, or by older tinytorch) loads as a flat dict of its tensors.

use std::collections::{HashMap, HashSet};

use half::{bf16, f16};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::object::{self, Key, Object};
use crate::storage::cpu::pool;
use crate::storage::{CpuStorage, Storage};
use crate::{DType, Error, Result, Tensor};

const TREE: &str = "tinytorch.tree";
const CRC: &str = "tinytorch.crc32";

fn st_dtype(d: DType) -> Dtype {
    match d {
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::I64 => Dtype::I64,
        DType::I32 => Dtype::I32,
        DType::Bool => Dtype::BOOL,
    }
}

/// The little-endian bytes of a contiguous host buffer.
fn to_bytes(s: &CpuStorage) -> Result<Vec<u8>> {
    fn le<T: Copy + Send + 'static, const N: usize>(
        v: &[T],
        f: impl Fn(T) -> [u8; N],
    ) -> Result<Vec<u8>> {
        let mut out = pool::try_alloc(v.len().saturating_mul(N))?;
        out.extend(v.iter().flat_map(|&x| f(x)));
        Ok(out)
    }
    match s {
        CpuStorage::Bool(v) => le(v, |b| [b as u8]),
        CpuStorage::I32(v) => le(v, i32::to_le_bytes),
        CpuStorage::I64(v) => le(v, i64::to_le_bytes),
        CpuStorage::F16(v) => le(v, |x| x.to_bits().to_le_bytes()),
        CpuStorage::BF16(v) => le(v, |x| x.to_bits().to_le_bytes()),
        CpuStorage::F32(v) => le(v, f32::to_le_bytes),
        CpuStorage::F64(v) => le(v, f64::to_le_bytes),
    }
}

fn chunks<const N: usize>(b: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
    b.chunks_exact(N)
        .map(|c| c.try_into().expect("chunks_exact yields N bytes"))
}

fn from_bytes(d: Dtype, b: &[u8]) -> Option<CpuStorage> {
    Some(match d {
        Dtype::BOOL => CpuStorage::Bool(b.iter().map(|&x| x != 0).collect()),
        Dtype::I32 => CpuStorage::I32(chunks::<4>(b).map(i32::from_le_bytes).collect()),
        Dtype::I64 => CpuStorage::I64(chunks::<8>(b).map(i64::from_le_bytes).collect()),
        Dtype::F16 => CpuStorage::F16(
            chunks::<2>(b)
                .map(|c| f16::from_bits(u16::from_le_bytes(c)))
                .collect(),
        ),
        Dtype::BF16 => CpuStorage::BF16(
            chunks::<2>(b)
                .map(|c| bf16::from_bits(u16::from_le_bytes(c)))
                .collect(),
        ),
        Dtype::F32 => CpuStorage::F32(chunks::<4>(b).map(f32::from_le_bytes).collect()),
        Dtype::F64 => CpuStorage::F64(chunks::<8>(b).map(f64::from_le_bytes).collect()),
        Dtype::U8 => CpuStorage::I64(b.iter().map(|&x| x as i64).collect()),
        _ => return None,
    })
}

/// CRC-32 of every tensor's name, dtype, shape and bytes, in name order
/// (independent of where the format puts the data).
fn checksum<'a>(
    tensors: impl IntoIterator<Item = (&'a str, Dtype, &'a [usize], &'a [u8])>,
) -> String {
    let mut all: Vec<_> = tensors.into_iter().collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    let mut crc = flate2::Crc::new();
    for (name, dtype, shape, data) in all {
        crc.update(name.as_bytes());
        crc.update(&[0]);
        crc.update(format!("{dtype:?}").as_bytes());
        for d in shape {
            crc.update(&(*d as u64).to_le_bytes());
        }
        crc.update(data);
    }
    format!("{:08x}", crc.sum())
}

/// The safetensors name of each tensor in the tree, depth first.
struct Namer {
    used: HashSet<String>,
    generated: usize,
}

impl Namer {
    fn name(&mut self, path: &[&Key]) -> String {
        let readable = if path.is_empty() {
            Some("tensor".to_string())
        } else {
            path.iter()
                .map(|k| match k {
                    Key::Str(s) if !s.is_empty() => Some(s.as_str()),
                    _ => None,
                })
                .collect::<Option<Vec<&str>>>()
                .map(|parts| parts.join("."))
        };
        let name = match readable {
            Some(n) if !n.starts_with("__tt.") && !self.used.contains(&n) => n,
            _ => loop {
                let n = format!("__tt.{}", self.generated);
                self.generated += 1;
                if !self.used.contains(&n) {
                    break n;
                }
            },
        };
        self.used.insert(name.clone());
        name
    }
}

/// Serialises an object tree (tensors copied to the host).
pub fn encode(obj: &Object) -> Result<Vec<u8>> {
    let mut namer = Namer {
        used: HashSet::new(),
        generated: 0,
    };
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    let tree = object::encode(obj, &mut |path, t| {
        let n = namer.name(path);
        tensors.push((n.clone(), t.clone()));
        n
    });
    let mut bufs = Vec::with_capacity(tensors.len());
    for (name, t) in &tensors {
        crate::interrupt::check()?;
        bufs.push((
            name.as_str(),
            st_dtype(t.dtype()),
            t.shape().to_vec(),
            to_bytes(&t.to_cpu_storage()?)?,
        ));
    }
    let crc = checksum(bufs.iter().map(|(n, d, s, b)| (*n, *d, &s[..], &b[..])));
    let views = bufs
        .iter()
        .map(|(k, d, s, b)| {
            TensorView::new(*d, s.clone(), b)
                .map(|v| (k.to_string(), v))
                .map_err(|e| Error::Internal(format!("safetensors view of {k}: {e:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let meta = HashMap::from([
        ("format".to_string(), "pt".to_string()),
        (TREE.to_string(), tree.to_string()),
        (CRC.to_string(), crc),
    ]);
    safetensors::tensor::serialize(views, &Some(meta))
        .map_err(|e| Error::Internal(format!("safetensors serialize: {e:?}")))
}

/// Parses checkpoint bytes; `origin` names the source in errors. The data
/// must match the checksum when the file has one.
pub fn decode(bytes: &[u8], origin: &str) -> Result<Object> {
    let corrupt = |what: String| Error::Io(format!("{origin}: {what}"));
    // (the header is parsed once: it validates every tensor's offsets
    // against the buffer, so slicing the data below cannot fail)
    let (n, header) = SafeTensors::read_metadata(bytes).map_err(|e| {
        corrupt(format!(
            "not a valid safetensors file (truncated or corrupt): {e:?}"
        ))
    })?;
    let meta = header.metadata().clone().unwrap_or_default();
    let data = &bytes[8 + n..];
    let views: HashMap<String, (Dtype, &[usize], &[u8])> = header
        .tensors()
        .into_iter()
        .map(|(name, info)| {
            let (s, e) = info.data_offsets;
            (name, (info.dtype, &info.shape[..], &data[s..e]))
        })
        .collect();
    if let Some(want) = meta.get(CRC) {
        let got = checksum(views.iter().map(|(n, v)| (n.as_str(), v.0, v.1, v.2)));
        if &got != want {
            return Err(corrupt(format!(
                "the tensor data does not match the checkpoint's checksum (crc32 {got}, expected {want}): the file is corrupt"
            )));
        }
    }
    let load = |name: &str| -> Result<Tensor> {
        let v = views
            .get(name)
            .ok_or_else(|| corrupt(format!("the structure names a missing tensor '{name}'")))?;
        let &(dtype, shape, bytes) = v;
        let s = from_bytes(dtype, bytes)
            .ok_or_else(|| corrupt(format!("tensor '{name}' has unsupported dtype {dtype:?}")))?;
        Ok(Tensor::from_contiguous(Storage::Cpu(s), shape))
    };
    match meta.get(TREE) {
        Some(text) => {
            let tree: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| corrupt(format!("the checkpoint structure is not JSON: {e}")))?;
            object::decode(&tree, &mut |n| load(n)).map_err(|e| match e {
                Error::Io(m) => corrupt(m),
                e => e,
            })
        }
        None => {
            let mut names: Vec<&String> = views.keys().collect();
            names.sort();
            let mut items = Vec::with_capacity(names.len());
            for n in names {
                items.push((Key::Str(n.clone()), Object::Tensor(load(n)?)));
            }
            Ok(Object::Dict(items))
        }
    }
}
