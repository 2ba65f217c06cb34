//! `torch.utils.data`: the [`Dataset`] trait, [`TensorDataset`], the
//! [`DataLoader`] (batching, seeded shuffles equal to PyTorch's, `drop_last`,
//! samplers, batches prepared on a background thread), [`DistributedSampler`]
//! (`sampler.rs`), composable transforms, and the MNIST dataset reading the
//! standard IDX files (`mnist.rs`).

mod loader;
mod mnist;
mod sampler;
mod transform;

pub use loader::{DataLoader, DataLoaderIter};
pub use mnist::{read_idx, Mnist, MNIST_FETCH_HINT};
pub use sampler::{DistributedSampler, Sampler};
pub use transform::{Compose, Lambda, Normalize, Transform};

use crate::{DType, Error, Result, Tensor};

/// A map-style dataset: `len` samples, each a tuple of tensors.
pub trait Dataset: Send + Sync {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sample `index` (`dataset[index]`).
    fn get(&self, index: usize) -> Result<Vec<Tensor>>;

    /// The samples at `indices` stacked along a new first dim (the default
    /// collate); datasets override it with a faster gather.
    fn get_batch(&self, indices: &[usize]) -> Result<Vec<Tensor>> {
        let samples = indices
            .iter()
            .map(|&i| self.get(i))
            .collect::<Result<Vec<_>>>()?;
        collate(&samples)
    }
}

/// Stacks per-sample tuples field by field: `B` tensors of shape `S`
/// become one `[B, S..]` tensor per field.
pub fn collate(samples: &[Vec<Tensor>]) -> Result<Vec<Tensor>> {
    let Some(first) = samples.first() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(first.len());
    for (j, f0) in first.iter().enumerate() {
        let shape = f0.shape().to_vec();
        let dtype = f0.dtype();
        let mut vals = Vec::with_capacity(samples.len() * f0.numel());
        for s in samples {
            let t = s.get(j).ok_or_else(|| {
                Error::invalid("each element in list of batch should be of equal size")
            })?;
            if t.shape() != shape.as_slice() {
                return Err(Error::invalid(format!(
                    "stack expects each tensor to be equal size, but got {:?} at entry 0 and {:?} at entry {}",
                    shape,
                    t.shape(),
                    out.len()
                )));
            }
            vals.extend(t.to_vec_f64()?);
        }
        let mut bs = vec![samples.len()];
        bs.extend(&shape);
        let t = if dtype == DType::I64 {
            Tensor::from_vec(vals.iter().map(|&v| v as i64).collect::<Vec<_>>(), &bs)?
        } else {
            Tensor::from_vec_f64(&vals, &bs, dtype)?
        };
        out.push(t);
    }
    Ok(out)
}

/// `TensorDataset(*tensors)`: sample `i` is `(t[i] for t in tensors)`.
pub struct TensorDataset {
    tensors: Vec<Tensor>,
}

impl TensorDataset {
    pub fn new(tensors: Vec<Tensor>) -> Result<TensorDataset> {
        let n = tensors
            .first()
            .map(|t| t.shape().first().copied().unwrap_or(0));
        if tensors
            .iter()
            .any(|t| t.dim() == 0 || Some(t.shape()[0]) != n)
        {
            return Err(Error::invalid("Size mismatch between tensors"));
        }
        Ok(TensorDataset {
            tensors: tensors.iter().map(|t| t.detach()).collect(),
        })
    }

    pub fn tensors(&self) -> &[Tensor] {
        &self.tensors
    }
}

impl Dataset for TensorDataset {
    fn len(&self) -> usize {
        self.tensors.first().map_or(0, |t| t.shape()[0])
    }

    fn get(&self, index: usize) -> Result<Vec<Tensor>> {
        if index >= self.len() {
            return Err(Error::IndexOutOfRange {
                op: "TensorDataset",
                index: index as i64,
                dim: 0,
                size: self.len(),
            });
        }
        self.tensors
            .iter()
            .map(|t| t.select(0, index as i64)?.contiguous())
            .collect()
    }

    fn get_batch(&self, indices: &[usize]) -> Result<Vec<Tensor>> {
        let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let n = idx.len();
        let it = Tensor::from_vec(idx, &[n])?;
        self.tensors
            .iter()
            .map(|t| t.index_select(0, &it))
            .collect()
    }
}
