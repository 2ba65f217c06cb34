//! Composable transforms (`torchvision.transforms`-shaped). A transform
//! maps a sample `[.., C, H, W]`; the built-ins act on the trailing
//! `[C, H, W]` dims so that they apply to a sample or a whole batch alike.

use crate::{DType, Error, Result, Tensor};

/// A function of one tensor, applied by datasets to each sample (or batch).
pub trait Transform: Send + Sync {
    fn apply(&self, x: &Tensor) -> Result<Tensor>;
}

/// `Normalize(mean, std)`: `(x - mean[c]) / std[c]` per channel.
#[derive(Debug, Clone)]
pub struct Normalize {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Normalize {
    pub fn new(mean: &[f64], std: &[f64]) -> Result<Normalize> {
        if mean.len() != std.len() || mean.is_empty() {
            return Err(Error::invalid(
                "Normalize: mean and std must have the same length",
            ));
        }
        if std.contains(&0.0) {
            return Err(Error::invalid(format!(
                "std evaluated to zero after conversion to {}, leading to division by zero.",
                DType::F32.name()
            )));
        }
        Ok(Normalize {
            mean: mean.to_vec(),
            std: std.to_vec(),
        })
    }
}

impl Transform for Normalize {
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        if x.dim() < 3 {
            return Err(Error::invalid(format!(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {:?}",
                x.shape()
            )));
        }
        let c = self.mean.len();
        let shape = [c, 1, 1];
        let m = Tensor::from_vec_f64(&self.mean, &shape, x.dtype())?.to_device(x.device())?;
        let s = Tensor::from_vec_f64(&self.std, &shape, x.dtype())?.to_device(x.device())?;
        x.sub(&m)?.div(&s)
    }
}

/// `Compose([t1, t2, ...])`: applies each in order.
pub struct Compose(pub Vec<Box<dyn Transform>>);

impl Transform for Compose {
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let mut y = x.clone();
        for t in &self.0 {
            y = t.apply(&y)?;
        }
        Ok(y)
    }
}

/// The function a [`Lambda`] wraps.
pub type TransformFn = dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync;

/// `Lambda(f)`: any function as a transform.
pub struct Lambda(pub Box<TransformFn>);

impl Transform for Lambda {
    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        (self.0)(x)
    }
}
