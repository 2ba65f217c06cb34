//! `torch.linalg` basics on square (batched) matrices: `inv`, `det`,
//! `slogdet`, `solve` by LU decomposition with partial pivoting (computed
//! in float64 on the host, then in the input's dtype), each one autograd
//! node with the closed-form gradient; the norms are built from
//! reductions, and `pinv`, `matrix_rank`, `lstsq` and the spectral norms
//! from the SVD of `decomp.rs`.

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::{Error, Result, Tensor};

/// One n x n matrix factored as P A = L U (row-major, in place): the
/// pivot rows and whether an exact zero pivot (a singular matrix) appeared.
struct Lu {
    a: Vec<f64>,
    piv: Vec<usize>,
    swaps: usize,
    singular: bool,
}

fn lu(mut a: Vec<f64>, n: usize) -> Lu {
    let mut piv: Vec<usize> = (0..n).collect();
    let (mut swaps, mut singular) = (0, false);
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs()))
            .unwrap_or(k);
        if a[p * n + k] == 0.0 {
            singular = true;
            continue;
        }
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
            piv.swap(k, p);
            swaps += 1;
        }
        let d = a[k * n + k];
        for i in k + 1..n {
            let f = a[i * n + k] / d;
            a[i * n + k] = f;
            for j in k + 1..n {
                a[i * n + j] -= f * a[k * n + j];
            }
        }
    }
    Lu {
        a,
        piv,
        swaps,
        singular,
    }
}

impl Lu {
    /// Solves A x = b for one right-hand side.
    fn solve(&self, b: &[f64], n: usize) -> Vec<f64> {
        let mut x: Vec<f64> = self.piv.iter().map(|&p| b[p]).collect();
        for i in 0..n {
            for j in 0..i {
                x[i] -= self.a[i * n + j] * x[j];
            }
        }
        for i in (0..n).rev() {
            for j in i + 1..n {
                x[i] -= self.a[i * n + j] * x[j];
            }
            x[i] /= self.a[i * n + i];
        }
        x
    }

    fn det(&self, n: usize) -> f64 {
        if self.singular {
            return 0.0;
        }
        let d: f64 = (0..n).map(|i| self.a[i * n + i]).product();
        if self.swaps % 2 == 1 {
            -d
        } else {
            d
        }
    }
}

/// The batch of square matrices in `a` (`[*, n, n]`): (batch, n).
fn square(op: &str, a: &Tensor) -> Result<(usize, usize)> {
    let d = a.dim();
    if d < 2 || a.shape()[d - 1] != a.shape()[d - 2] {
        return Err(Error::invalid(format!(
            "linalg.{op}: A must be batches of square matrices, but they are {} by {} matrices",
            a.shape().get(d.wrapping_sub(2)).copied().unwrap_or(0),
            a.shape().last().copied().unwrap_or(0)
        )));
    }
    if !a.dtype().is_float() {
        return Err(Error::invalid(format!(
            "linalg.{op}: Expected a floating point or complex tensor as input. Got {}",
            a.dtype().name()
        )));
    }
    let n = a.shape()[d - 1];
    Ok((a.numel() / (n * n).max(1), n))
}

/// The last two dims swapped.
fn mt(t: &Tensor) -> Result<Tensor> {
    t.transpose(-2, -1)
}

impl Tensor {
    /// `torch.linalg.inv(A)`; a singular matrix is an error, as in PyTorch.
    pub fn linalg_inv(&self) -> Result<Tensor> {
        let (batch, n) = square("inv", self)?;
        if n == 0 {
            return Ok(self.clone());
        }
        let v = self.to_vec_f64()?;
        let mut out = Vec::with_capacity(v.len());
        for (b, m) in v.chunks(n * n).enumerate().take(batch) {
            let f = lu(m.to_vec(), n);
            if f.singular {
                return Err(singular("inv", batch, b, n, &f));
            }
            let mut inv = vec![0.0; n * n];
            for j in 0..n {
                let e: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i == j))).collect();
                for (i, x) in f.solve(&e, n).into_iter().enumerate() {
                    inv[i * n + j] = x;
                }
            }
            out.extend(inv);
        }
        let out =
            Tensor::from_vec_f64(&out, self.shape(), self.dtype())?.to_device(self.device())?;
        // d(A^-1) = -A^-1 dA A^-1: grad_A = -(A^-T g A^-T).
        const NAME: &str = "LinalgInvExBackward0";
        let saved = SavedTensor::new("inverse", &out);
        let s = saved.clone();
        Ok(record(out, NAME, &[self], vec![saved], move |g, _| {
            let inv_t = mt(&s.get(NAME)?)?;
            Ok(vec![Some(inv_t.matmul(g)?.matmul(&inv_t)?.neg()?)])
        }))
    }

    /// `torch.linalg.det(A)` (also `torch.det`).
    pub fn linalg_det(&self) -> Result<Tensor> {
        let (batch, n) = square("det", self)?;
        let v = self.to_vec_f64()?;
        let dets: Vec<f64> = if n == 0 {
            vec![1.0; batch]
        } else {
            v.chunks(n * n)
                .take(batch)
                .map(|m| lu(m.to_vec(), n).det(n))
                .collect()
        };
        let shape = &self.shape()[..self.dim() - 2];
        let out = Tensor::from_vec_f64(&dets, shape, self.dtype())?.to_device(self.device())?;
        // d det(A) = det(A) tr(A^-1 dA): grad_A = g det(A) A^-T.
        const NAME: &str = "LinalgDetBackward0";
        let (sa, sd) = (
            SavedTensor::new("A", self),
            SavedTensor::new("result", &out),
        );
        let (a_, d_) = (sa.clone(), sd.clone());
        Ok(record(out, NAME, &[self], vec![sa, sd], move |g, _| {
            let (a, det) = (a_.get(NAME)?, d_.get(NAME)?);
            let inv_t = with_no_grad(|| mt(&a.linalg_inv()?))?;
            let scale = g.mul(&det)?.unsqueeze(-1)?.unsqueeze(-1)?;
            Ok(vec![Some(inv_t.mul(&scale)?)])
        }))
    }

    /// `torch.linalg.slogdet(A)`: (sign, log|det A|), the log through one
    /// node whose gradient is `g A^-T`.
    pub fn linalg_slogdet(&self) -> Result<(Tensor, Tensor)> {
        let det = with_no_grad(|| self.detach().linalg_det())?;
        let sign = det.sign()?;
        let logabs = det.abs()?.log()?;
        const NAME: &str = "LinalgSlogdetBackward0";
        let sa = SavedTensor::new("A", self);
        let a_ = sa.clone();
        let logabs = record(logabs, NAME, &[self], vec![sa], move |g, _| {
            let inv_t = with_no_grad(|| mt(&a_.get(NAME)?.linalg_inv()?))?;
            Ok(vec![Some(inv_t.mul(&g.unsqueeze(-1)?.unsqueeze(-1)?)?)])
        });
        Ok((sign, logabs))
    }

    /// `torch.linalg.solve(A, B)`: X with A X = B, for B `[*, n]` or
    /// `[*, n, k]` (batch dims broadcast as matmul's); one node: the
    /// gradient of B is `A^-T g`, of A `-(A^-T g) X^T`.
    pub fn linalg_solve(&self, b: &Tensor) -> Result<Tensor> {
        let (_, n) = square("solve", self)?;
        let vector = b.dim() == 1 || (b.dim() == self.dim() - 1 && b.shape()[b.dim() - 1] == n);
        let bm = if vector { b.unsqueeze(-1)? } else { b.clone() };
        if bm.dim() < 2 || bm.shape()[bm.dim() - 2] != n {
            return Err(Error::invalid(format!(
                "linalg.solve: Incompatible shapes of A and B for the equation AX = B ({:?} and {:?})",
                self.shape(),
                b.shape()
            )));
        }
        let xm = with_no_grad(|| -> Result<Tensor> {
            let inv = self.detach().linalg_inv().map_err(|e| match e {
                Error::InvalidArgument(m) => {
                    Error::InvalidArgument(m.replace("linalg.inv", "linalg.solve"))
                }
                other => other,
            })?;
            inv.matmul(&bm.detach())
        })?;
        let out = if vector {
            xm.squeeze_dim(-1)?
        } else {
            xm.clone()
        };
        const NAME: &str = "LinalgSolveExBackward0";
        let (sa, sx) = (SavedTensor::new("A", self), SavedTensor::new("result", &xm));
        let (a_, x_) = (sa.clone(), sx.clone());
        let (a_shape, b_shape) = (self.shape().to_vec(), b.shape().to_vec());
        Ok(record(out, NAME, &[self, b], vec![sa, sx], move |g, _| {
            let (a, x) = (a_.get(NAME)?, x_.get(NAME)?);
            let g = if vector { g.unsqueeze(-1)? } else { g.clone() };
            let gb = with_no_grad(|| mt(&a.linalg_inv()?)?.matmul(&g))?;
            let ga = gb.matmul(&mt(&x)?)?.neg()?;
            let ga = crate::ops::sum_to_shape(&ga, &a_shape)?;
            let gb = if vector { gb.squeeze_dim(-1)? } else { gb };
            let gb = crate::ops::sum_to_shape(&gb, &b_shape)?;
            Ok(vec![Some(ga), Some(gb)])
        }))
    }

    /// `torch.linalg.vector_norm(x, ord, dim, keepdim)`.
    pub fn linalg_vector_norm(
        &self,
        ord: f64,
        dims: Option<&[i64]>,
        keepdim: bool,
    ) -> Result<Tensor> {
        let a = self.abs()?;
        let all: Vec<i64>;
        let dims = match dims {
            Some(d) if !d.is_empty() => d,
            _ => {
                all = (0..self.dim() as i64).collect();
                &all
            }
        };
        if ord == f64::INFINITY {
            return a.amax(dims, keepdim);
        }
        if ord == f64::NEG_INFINITY {
            return a.amin(dims, keepdim);
        }
        if ord == 0.0 {
            return a
                .ne_scalar(0.0)?
                .to_dtype(self.dtype())?
                .sum_dims(dims, keepdim);
        }
        self.norm(ord, Some(dims), keepdim)
    }

    /// `torch.linalg.matrix_norm(A, 'fro' | 'nuc' | inf | -inf | 1 | -1 | 2 |
    /// -2)` over the last two dims.
    pub fn linalg_matrix_norm(&self, ord: &str, keepdim: bool) -> Result<Tensor> {
        if self.dim() < 2 {
            return Err(Error::invalid(
                "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.",
            ));
        }
        let a = self.abs()?;
        match ord {
            "fro" => self.norm(2.0, Some(&[-2, -1]), keepdim),
            // Max (min) over rows of the row sums; over columns of column sums.
            "inf" => a
                .sum_dims(&[-1], true)?
                .amax(&[-2], true)
                .and_then(|t| drop2(t, keepdim)),
            "-inf" => a
                .sum_dims(&[-1], true)?
                .amin(&[-2], true)
                .and_then(|t| drop2(t, keepdim)),
            "1" => a
                .sum_dims(&[-2], true)?
                .amax(&[-1], true)
                .and_then(|t| drop2(t, keepdim)),
            "-1" => a
                .sum_dims(&[-2], true)?
                .amin(&[-1], true)
                .and_then(|t| drop2(t, keepdim)),
            // The singular values' sum, largest or smallest.
            "nuc" | "2" | "-2" => {
                let s = self.linalg_svdvals()?;
                let r = match ord {
                    "nuc" => s.sum_dims(&[-1], false)?,
                    "2" => s.amax(&[-1], false)?,
                    _ => s.amin(&[-1], false)?,
                };
                if keepdim {
                    r.unsqueeze(-1)?.unsqueeze(-1)
                } else {
                    Ok(r)
                }
            }
            other => Err(Error::invalid(format!(
                "linalg.matrix_norm: Order {other} not supported."
            ))),
        }
    }
}

impl Tensor {
    /// The default relative tolerance for rank decisions: `max(m, n)` times
    /// the dtype's machine epsilon, as PyTorch's.
    fn rank_rtol(&self) -> f64 {
        let eps = match self.dtype() {
            crate::DType::F64 => f64::EPSILON,
            crate::DType::F16 => 9.765_625e-4,
            crate::DType::BF16 => 7.812_5e-3,
            _ => f64::from(f32::EPSILON),
        };
        let d = self.dim();
        eps * self.shape()[d - 2].max(self.shape()[d - 1]) as f64
    }

    /// The singular values above `max(atol, rtol * largest)` (PyTorch's
    /// rule; rtol defaults to [`Tensor::rank_rtol`] when atol is not given
    /// either): `(S, mask of those kept)`.
    fn kept_singular(&self, atol: Option<f64>, rtol: Option<f64>) -> Result<(Tensor, Tensor)> {
        let s = self.linalg_svdvals()?;
        let rtol = rtol.unwrap_or(if atol.is_some_and(|a| a > 0.0) {
            0.0
        } else {
            self.rank_rtol()
        });
        let tol = s
            .detach()
            .amax(&[-1], true)?
            .mul_scalar(rtol)?
            .clamp_min(atol.unwrap_or(0.0))?;
        let keep = s.detach().gt(&tol)?;
        Ok((s, keep))
    }

    /// `torch.linalg.matrix_rank(A, atol=, rtol=)`: how many singular values
    /// exceed the tolerance (int64).
    pub fn linalg_matrix_rank(&self, atol: Option<f64>, rtol: Option<f64>) -> Result<Tensor> {
        let (_, keep) = self.kept_singular(atol, rtol)?;
        keep.to_dtype(crate::DType::I64)?.sum_dims(&[-1], false)
    }

    /// `torch.linalg.pinv(A, atol=, rtol=)`: the Moore-Penrose inverse
    /// `V diag(1/S) U^T` over the singular values kept, built from the SVD
    /// (so its gradient is the SVD's).
    pub fn linalg_pinv(&self, atol: Option<f64>, rtol: Option<f64>) -> Result<Tensor> {
        let (u, _, vh) = self.linalg_svd(false)?;
        let (s, keep) = self.kept_singular(atol, rtol)?;
        let ones = s.detach().mul_scalar(0.0)?.add_scalar(1.0)?;
        let safe = Tensor::where_cond(&keep, &s, &ones)?;
        let inv = safe.reciprocal()?.mul(&keep.to_dtype(self.dtype())?)?;
        vh.mt()?.mul(&inv.unsqueeze(-2)?)?.matmul(&u.mt()?)
    }

    /// `torch.linalg.lstsq(A, B)`: the least-squares (minimum-norm when A
    /// is wide or rank-deficient) solution of A X = B, and A's rank: what
    /// PyTorch's CPU default driver `gelsy` returns.
    pub fn linalg_lstsq(&self, b: &Tensor, rcond: Option<f64>) -> Result<(Tensor, Tensor)> {
        let d = self.dim();
        if d < 2 || b.dim() + 1 < d || b.dim() > d {
            return Err(Error::invalid(format!(
                "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1 (got {:?} and {:?})",
                self.shape(),
                b.shape()
            )));
        }
        let vector = b.dim() + 1 == d;
        let bm = if vector { b.unsqueeze(-1)? } else { b.clone() };
        if bm.shape()[bm.dim() - 2] != self.shape()[d - 2] {
            return Err(Error::invalid(format!(
                "torch.linalg.lstsq: input.size(-2) should match other.size(-2) (got {:?} and {:?})",
                self.shape(),
                b.shape()
            )));
        }
        let rtol = rcond.filter(|r| *r >= 0.0);
        let x = self.linalg_pinv(None, rtol)?.matmul(&bm)?;
        let x = if vector { x.squeeze_dim(-1)? } else { x };
        Ok((x, self.linalg_matrix_rank(None, rtol)?))
    }

    /// `torch.linalg.matrix_power(A, n)`: A multiplied by itself n times
    /// (by squaring), the identity for 0, the inverse's power for n < 0.
    pub fn linalg_matrix_power(&self, n: i64) -> Result<Tensor> {
        let (_, size) = square("matrix_power", self)?;
        if n == 0 {
            let eye = Tensor::eye(size, None, self.dtype(), self.device())?;
            return eye.expand_as(self)?.contiguous();
        }
        let base = if n < 0 {
            self.linalg_inv()?
        } else {
            self.clone()
        };
        let (mut e, mut sq, mut acc) = (n.unsigned_abs(), base, None::<Tensor>);
        loop {
            if e & 1 == 1 {
                acc = Some(match acc {
                    Some(a) => a.matmul(&sq)?,
                    None => sq.clone(),
                });
            }
            e >>= 1;
            if e == 0 {
                break;
            }
            sq = sq.matmul(&sq)?;
        }
        Ok(acc.expect("n != 0"))
    }
}

/// `[*, 1, 1]` to `[*]` unless keepdim.
fn drop2(t: Tensor, keepdim: bool) -> Result<Tensor> {
    if keepdim {
        Ok(t)
    } else {
        t.squeeze_dim(-1)?.squeeze_dim(-1)
    }
}

fn singular(op: &str, batch: usize, b: usize, n: usize, f: &Lu) -> Error {
    let col = (0..n).find(|&i| f.a[i * n + i] == 0.0).unwrap_or(0) + 1;
    if batch > 1 {
        Error::invalid(format!(
            "linalg.{op}: (Batch element {b}): The diagonal element {col} is zero, the inversion could not be completed because the input matrix is singular."
        ))
    } else {
        Error::invalid(format!(
            "linalg.{op}: The diagonal element {col} is zero, the inversion could not be completed because the input matrix is singular."
        ))
    }
}
