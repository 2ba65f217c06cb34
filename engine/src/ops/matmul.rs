//! Matrix products: `matmul` in all of PyTorch's cases (1-D dot, matrix-
//! vector, matrix, batched with broadcast batch dims), `mm`, `bmm`. One core
//! (batched strided gemm in the backend) serves every case; each case
//! records one node with PyTorch's name.

use super::{same_device, sum_to_shape};
use crate::autograd::{record, SavedTensor};
use crate::shape::broadcast_shapes;
use crate::{Error, Layout, Result, Tensor};

/// `[b.., m, k] @ [b.., k, n]` with broadcast batch dims, no autograd.
fn core(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (ra, rb) = (a.dim(), b.dim());
    let (m, k) = (a.shape()[ra - 2], a.shape()[ra - 1]);
    let (k2, n) = (b.shape()[rb - 2], b.shape()[rb - 1]);
    if k != k2 {
        return Err(Error::shape(
            "matmul",
            a.shape(),
            b.shape(),
            format!(
                "mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
                a.shape()[..ra - 1]
                    .iter()
                    .fold(1usize, |p, &d| p.saturating_mul(d)),
                k,
                k2,
                n
            ),
        ));
    }
    let batch = broadcast_shapes("matmul", &a.shape()[..ra - 2], &b.shape()[..rb - 2])?;
    let mut sa = batch.clone();
    sa.extend([m, k]);
    let mut sb = batch.clone();
    sb.extend([k, n]);
    let (la, lb): (Layout, Layout) = (a.layout().broadcast_to(&sa)?, b.layout().broadcast_to(&sb)?);
    let mut shape = batch;
    shape.extend([m, n]);
    crate::shape::checked_numel(&shape)?;
    let s = a.storage().matmul(&la, &b.storage(), &lb)?;
    Ok(Tensor::from_contiguous(s, &shape))
}

impl Tensor {
    /// `torch.matmul(self, other)` (`a @ b`) with PyTorch's rules for 1-D
    /// operands and batch broadcasting.
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let a = Tensor::new([[1f32, 2.], [3., 4.]])?;
    /// let b = Tensor::new([[1f32], [1.]])?;
    /// assert_eq!(a.matmul(&b)?.to_vec_f64()?, [3.0, 7.0]);
    /// // The arithmetic operators work on references and return a Result.
    /// let c = ((&a + &a)? * &a)?;
    /// assert_eq!(c.to_vec_f64()?, [2.0, 8.0, 18.0, 32.0]);
    /// // Floats on either side, in the order written.
    /// assert_eq!((1.0 - &a)?.to_vec_f64()?, [0.0, -1.0, -2.0, -3.0]);
    /// assert_eq!((&a / 2.0)?.to_vec_f64()?, [0.5, 1.0, 1.5, 2.0]);
    /// assert_eq!((2.0 / &b)?.to_vec_f64()?, [2.0, 2.0]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        if let Some(c) = crate::amp::autocast_inputs("matmul", &[self, other])? {
            return c[0].matmul(&c[1]);
        }
        same_device("matmul", &[self, other])?;
        let (ra, rb) = (self.dim(), other.dim());
        if ra == 0 || rb == 0 {
            return Err(Error::invalid(format!(
                "both arguments to matmul need to be at least 1D, but they are {ra}D and {rb}D"
            )));
        }
        if self.dtype() != other.dtype() {
            return Err(Error::DTypeMismatch {
                op: "matmul",
                expected: Some(self.dtype()),
                got: other.dtype(),
                msg: format!(
                    "expected m1 and m2 to have the same dtype, but got: {} != {}",
                    self.dtype().name(),
                    other.dtype().name()
                ),
            });
        }
        // View 1-D operands as matrices (detached: the node below owns the
        // whole product), multiply, and drop the added dims.
        let a2 = if ra == 1 {
            self.detach().unsqueeze(0)?
        } else {
            self.detach()
        };
        let b2 = if rb == 1 {
            other.detach().unsqueeze(1)?
        } else {
            other.detach()
        };
        let mut out = core(&a2, &b2)?;
        let mut shape: Vec<usize> = out.shape().to_vec();
        if rb == 1 {
            shape.remove(shape.len() - 1);
        }
        if ra == 1 {
            shape.remove(shape.len() - if rb == 1 { 1 } else { 2 });
        }
        if shape != out.shape() {
            out = out.alias(Layout::contiguous(&shape));
        }
        let name = match (ra, rb) {
            (1, 1) => "DotBackward0",
            (2, 1) => "MvBackward0",
            (1, 2) => "SqueezeBackward4",
            (2, 2) => "MmBackward0",
            (3, 3) if self.shape()[0] == other.shape()[0] => "BmmBackward0",
            _ => "UnsafeViewBackward0",
        };
        let (sa, sb) = (
            SavedTensor::new("self", self),
            SavedTensor::new("mat2", other),
        );
        let (sha, shb) = (self.shape().to_vec(), other.shape().to_vec());
        Ok(record(
            out,
            name,
            &[self, other],
            vec![sa.clone(), sb.clone()],
            move |g, n| {
                let a = sa.get(name)?;
                let b = sb.get(name)?;
                let a2 = if ra == 1 { a.unsqueeze(0)? } else { a };
                let b2 = if rb == 1 { b.unsqueeze(1)? } else { b };
                // g viewed with the unit dims restored: [.., m, n]
                let mut g2 = g.clone();
                if ra == 1 {
                    g2 = g2.unsqueeze(if rb == 1 { -1 } else { -2 })?;
                }
                if rb == 1 {
                    g2 = g2.unsqueeze(-1)?;
                }
                let ga = if n[0] {
                    // dA = dC @ B^T, summed over broadcast batch dims (a
                    // recorded product when the backward records its graph)
                    let d = if crate::autograd::is_grad_enabled() {
                        g2.matmul(&b2.mt()?)?
                    } else {
                        core(&g2, &b2.mt()?)?
                    };
                    let d = sum_to_shape(&d, a2.shape())?;
                    Some(d.reshape_to(&sha)?)
                } else {
                    None
                };
                let gb = if n[1] {
                    let d = mat2_grad(&a2, &g2, &b2)?;
                    let d = sum_to_shape(&d, b2.shape())?;
                    Some(d.reshape_to(&shb)?)
                } else {
                    None
                };
                Ok(vec![ga, gb])
            },
        ))
    }

    /// `torch.mm`: strictly 2-D.
    pub fn mm(&self, other: &Tensor) -> Result<Tensor> {
        if self.dim() != 2 || other.dim() != 2 {
            return Err(Error::invalid(format!(
                "{} must be a matrix",
                if self.dim() != 2 { "self" } else { "mat2" }
            )));
        }
        self.matmul(other)
    }

    /// `torch.bmm`: strictly 3-D with equal batch sizes.
    pub fn bmm(&self, other: &Tensor) -> Result<Tensor> {
        if self.dim() != 3 || other.dim() != 3 {
            return Err(Error::invalid(format!(
                "batch1 must be a 3D tensor, got {}D and {}D",
                self.dim(),
                other.dim()
            )));
        }
        if self.shape()[0] != other.shape()[0] {
            return Err(Error::shape(
                "bmm",
                self.shape(),
                other.shape(),
                format!(
                    "batch1 and batch2 must have same number of batches, got {} and {}",
                    self.shape()[0],
                    other.shape()[0]
                ),
            ));
        }
        self.matmul(other)
    }
}

impl std::ops::Rem<&Tensor> for &Tensor {
    type Output = Result<Tensor>;
    /// `%` on tensors is Python's remainder.
    fn rem(self, rhs: &Tensor) -> Result<Tensor> {
        self.remainder(rhs)
    }
}

/// `dB = A^T @ dC` for `C = A @ B`. When B is a 2-D transposed view
/// (Linear's `weight.t()`), dB is computed in B's memory order as
/// `(dC^T @ A)^T`, as PyTorch's mm backward does, so the weight's gradient
/// arrives contiguous instead of being copied through a transpose.
/// Recorded like any matmul when the backward pass builds a graph.
pub(crate) fn mat2_grad(a: &Tensor, g: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dim() == 2 && b.dim() == 2 && b.stride()[0] == 1 && b.stride()[1] != 1 {
        g.mt()?.matmul(a)?.mt()
    } else {
        a.mt()?.matmul(g)
    }
}
