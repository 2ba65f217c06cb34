//! Checkpoints: tensors and state dicts saved to and loaded from
//! safetensors files. Saving is atomic: the bytes go to a temporary file in
//! the target's directory, are fsynced, and the file is renamed over the
//! target (then the directory is fsynced), so a crash mid-save leaves the
//! old checkpoint or the new one, never a torn file. A truncated or corrupt
//! file is an error naming the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use half::{bf16, f16};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::nn::StateDict;
use crate::storage::CpuStorage;
use crate::{DType, Error, Result, Tensor};

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
fn to_bytes(s: &CpuStorage) -> Vec<u8> {
    match s {
        CpuStorage::Bool(v) => v.iter().map(|&b| b as u8).collect(),
        CpuStorage::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::F16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        CpuStorage::BF16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        CpuStorage::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
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

/// Serialises `tensors` to safetensors bytes (names sorted as the format requires).
pub fn to_safetensors_bytes(tensors: &StateDict) -> Result<Vec<u8>> {
    let mut bufs = Vec::with_capacity(tensors.len());
    for (k, t) in tensors.iter() {
        bufs.push((
            k.to_string(),
            t.dtype(),
            t.shape().to_vec(),
            to_bytes(&t.to_cpu_storage()?),
        ));
    }
    let views = bufs
        .iter()
        .map(|(k, d, s, b)| {
            TensorView::new(st_dtype(*d), s.clone(), b)
                .map(|v| (k.clone(), v))
                .map_err(|e| Error::Internal(format!("safetensors view of {k}: {e:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let meta = Some(std::collections::HashMap::from([(
        "format".to_string(),
        "pt".to_string(),
    )]));
    safetensors::tensor::serialize(views, &meta)
        .map_err(|e| Error::Internal(format!("safetensors serialize: {e:?}")))
}

/// Parses safetensors bytes; `origin` names the source in errors.
pub fn from_safetensors_bytes(bytes: &[u8], origin: &str) -> Result<StateDict> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        Error::Io(format!(
            "{origin}: not a valid safetensors file (truncated or corrupt): {e:?}"
        ))
    })?;
    let mut entries = st.tensors();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sd = StateDict::new();
    for (name, view) in entries {
        let s = from_bytes(view.dtype(), view.data()).ok_or_else(|| {
            Error::Io(format!(
                "{origin}: tensor '{name}' has unsupported dtype {:?}",
                view.dtype()
            ))
        })?;
        sd.insert(
            name,
            Tensor::from_contiguous(crate::storage::Storage::Cpu(s), view.shape()),
        );
    }
    Ok(sd)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    path.with_file_name(format!(".{name}.tmp-{}-{nanos}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    let tmp = temp_path(path);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
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

/// Saves one tensor under the name `"tensor"`.
pub fn save_tensor(t: &Tensor, path: impl AsRef<Path>) -> Result<()> {
    let mut sd = StateDict::new();
    sd.insert("tensor", t.detach());
    save(&sd, path)
}

/// Loads a file written by [`save_tensor`].
pub fn load_tensor(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let mut sd = load(path)?;
    sd.remove("tensor")
        .ok_or_else(|| Error::Io(format!("{}: no tensor named 'tensor'", path.display())))
}
