//! Matrix factorizations of (batched) matrices: `cholesky`, `qr`, `eigh`
//! and `svd`, with `solve_triangular` beside them. Each is computed on the
//! host in float64 and returned in the input's dtype and device: Cholesky
//! column by column, QR by Householder reflections with LAPACK's sign
//! convention (so `Q` and `R` are PyTorch's), the symmetric eigenproblem by
//! cyclic Jacobi rotations and the SVD by one-sided Jacobi (both accurate to
//! a few ulps, fine for the sizes people teach with).
//!
//! Eigen- and singular vectors are unique only up to sign; here each one is
//! turned so that its largest-magnitude component is positive (PyTorch's
//! LAPACK makes no promise either way, so signs may differ from it).
//!
//! Every output records a node named as PyTorch's (`LinalgQrBackward0`, ...)
//! whose backward is the closed form written in tensor ops, so that second
//! derivatives work too. An op with several outputs records one node per
//! output, each passing only its own output's gradient to the shared
//! formula (which is linear in the output gradients), so the sum over the
//! outputs a loss uses is the whole gradient.

use std::sync::Arc;

use crate::autograd::{record, SavedTensor};
use crate::{Error, Result, Tensor};

/// The batch of `m x n` matrices in `a` (`[*, m, n]`), float64 row-major.
struct Batch {
    lead: Vec<usize>,
    m: usize,
    n: usize,
    data: Vec<f64>,
}

impl Batch {
    fn of(op: &str, a: &Tensor) -> Result<Batch> {
        let d = a.dim();
        if d < 2 {
            return Err(Error::invalid(format!(
                "linalg.{op}: The input tensor A must have at least 2 dimensions."
            )));
        }
        if !a.dtype().is_float() {
            return Err(Error::invalid(format!(
                "linalg.{op}: Expected a floating point or complex tensor as input. Got {}",
                a.dtype().name()
            )));
        }
        Ok(Batch {
            lead: a.shape()[..d - 2].to_vec(),
            m: a.shape()[d - 2],
            n: a.shape()[d - 1],
            data: a.to_vec_f64()?,
        })
    }

    fn square(op: &str, a: &Tensor) -> Result<Batch> {
        let b = Batch::of(op, a)?;
        if b.m != b.n {
            return Err(Error::invalid(format!(
                "linalg.{op}: A must be batches of square matrices, but they are {} by {} matrices",
                b.m, b.n
            )));
        }
        Ok(b)
    }

    fn count(&self) -> usize {
        self.lead.iter().product()
    }

    fn matrices(&self) -> impl Iterator<Item = &[f64]> {
        let size = (self.m * self.n).max(1);
        self.data.chunks(size).take(self.count())
    }

    /// A tensor shaped `[*lead, tail...]` from values, like `like`'s dtype and
    /// device.
    fn tensor(&self, values: &[f64], tail: &[usize], like: &Tensor) -> Result<Tensor> {
        let mut shape = self.lead.clone();
        shape.extend_from_slice(tail);
        Tensor::from_vec_f64(values, &shape, like.dtype())?.to_device(like.device())
    }

    fn batch_error(&self, op: &str, b: usize, msg: String) -> Error {
        if self.count() > 1 {
            Error::invalid(format!("linalg.{op}: (Batch element {b}): {msg}"))
        } else {
            Error::invalid(format!("linalg.{op}: {msg}"))
        }
    }
}

// ----- host algorithms (one row-major matrix) ------------------------------

/// The lower Cholesky factor from A's lower triangle, or the order of the
/// first leading minor that is not positive-definite.
fn cholesky_host(a: &[f64], n: usize) -> std::result::Result<Vec<f64>, usize> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let d = a[j * n + j] - (0..j).map(|k| l[j * n + k] * l[j * n + k]).sum::<f64>();
        if d.is_nan() || d <= 0.0 {
            return Err(j + 1);
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let s = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
            l[i * n + j] = s / d;
        }
    }
    Ok(l)
}

/// Householder QR as LAPACK's geqrf/orgqr: `(Q, R)` with Q `m x q` and R
/// `q x n` for `q` columns of Q (`min(m, n)` reduced, `m` complete).
fn qr_host(a: &[f64], m: usize, n: usize, q: usize) -> (Vec<f64>, Vec<f64>) {
    let mut r = a.to_vec();
    let k = m.min(n);
    // Reflector j: v (v[j] = 1 implied) stored below the diagonal, and tau.
    let mut taus = Vec::with_capacity(k);
    for j in 0..k {
        let alpha = r[j * n + j];
        let xnorm = (j + 1..m).map(|i| r[i * n + j].powi(2)).sum::<f64>().sqrt();
        if xnorm == 0.0 {
            taus.push(0.0);
            continue;
        }
        let beta = -alpha.hypot(xnorm).copysign(alpha);
        let tau = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        for i in j + 1..m {
            r[i * n + j] *= scale;
        }
        r[j * n + j] = beta;
        // H = I - tau v v^T applied to the columns right of j.
        for c in j + 1..n {
            let dot = r[j * n + c] + (j + 1..m).map(|i| r[i * n + j] * r[i * n + c]).sum::<f64>();
            let f = tau * dot;
            r[j * n + c] -= f;
            for i in j + 1..m {
                r[i * n + c] -= f * r[i * n + j];
            }
        }
        taus.push(tau);
    }
    // Q = H_0 ... H_{k-1} applied to the first q columns of the identity.
    let mut qm = vec![0.0; m * q];
    for i in 0..m.min(q) {
        qm[i * q + i] = 1.0;
    }
    for j in (0..k).rev() {
        let tau = taus[j];
        if tau == 0.0 {
            continue;
        }
        for c in 0..q {
            let dot = qm[j * q + c]
                + (j + 1..m)
                    .map(|i| r[i * n + j] * qm[i * q + c])
                    .sum::<f64>();
            let f = tau * dot;
            qm[j * q + c] -= f;
            for i in j + 1..m {
                qm[i * q + c] -= f * r[i * n + j];
            }
        }
    }
    let mut rm = vec![0.0; q * n];
    for i in 0..q.min(m) {
        for c in i..n {
            rm[i * n + c] = r[i * n + c];
        }
    }
    (qm, rm)
}

/// The column `j` of a row-major `rows x cols` matrix turned so that its
/// largest-magnitude entry is positive.
fn fix_sign(v: &mut [f64], rows: usize, cols: usize, j: usize) -> bool {
    let big =
        (0..rows)
            .map(|i| v[i * cols + j])
            .fold(0.0f64, |b, x| if x.abs() > b.abs() { x } else { b });
    if big < 0.0 {
        for i in 0..rows {
            v[i * cols + j] = -v[i * cols + j];
        }
        return true;
    }
    false
}

/// Eigenvalues ascending and eigenvectors (columns of a row-major `n x n`)
/// of the symmetric matrix whose lower triangle is `a`'s.
fn eigh_host(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut s = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            s[i * n + j] = a[i * n + j];
            s[j * n + i] = a[i * n + j];
        }
    }
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = s.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| s[i * n + j].powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= f64::EPSILON * 1e-3 * scale || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = s[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (s[q * n + q] - s[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + theta.hypot(1.0));
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / t.hypot(1.0);
                let sn = t * c;
                // S <- J^T S J with J the rotation in the (p, q) plane.
                for k in 0..n {
                    let (skp, skq) = (s[k * n + p], s[k * n + q]);
                    s[k * n + p] = c * skp - sn * skq;
                    s[k * n + q] = sn * skp + c * skq;
                }
                for k in 0..n {
                    let (spk, sqk) = (s[p * n + k], s[q * n + k]);
                    s[p * n + k] = c * spk - sn * sqk;
                    s[q * n + k] = sn * spk + c * sqk;
                }
                s[p * n + q] = 0.0;
                s[q * n + p] = 0.0;
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - sn * vkq;
                    v[k * n + q] = sn * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| s[i * n + i].total_cmp(&s[j * n + j]));
    let values: Vec<f64> = order.iter().map(|&i| s[i * n + i]).collect();
    let mut vecs = vec![0.0; n * n];
    for (c, &o) in order.iter().enumerate() {
        for r in 0..n {
            vecs[r * n + c] = v[r * n + o];
        }
    }
    for c in 0..n {
        fix_sign(&mut vecs, n, n, c);
    }
    (values, vecs)
}

/// Appends to the orthonormal columns `cols` (each of length `len`) unit
/// vectors orthogonal to them, until there are `want`.
fn complete_basis(cols: &mut Vec<Vec<f64>>, len: usize, want: usize) {
    let mut e = 0;
    while cols.len() < want && e < len {
        let mut v = vec![0.0; len];
        v[e] = 1.0;
        e += 1;
        // Gram-Schmidt twice, for orthogonality to working precision.
        for _ in 0..2 {
            for c in cols.iter() {
                let d: f64 = c.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(c).for_each(|(x, y)| *x -= d * y);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-8 {
            cols.push(v.iter().map(|x| x / norm).collect());
        }
    }
}

/// The SVD of a row-major `m x n` matrix: U (`m x ku`), S (`min(m, n)`,
/// descending), V (`n x kv`) as row-major, with `ku = kv = min(m, n)`
/// reduced or `m` and `n` full.
fn svd_host(a: &[f64], m: usize, n: usize, full: bool) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    if m < n {
        let mut at = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                at[j * m + i] = a[i * n + j];
            }
        }
        let (v, s, u) = svd_host(&at, n, m, full);
        return (u, s, v);
    }
    // One-sided Jacobi on the columns of W = A V (m >= n).
    let mut w: Vec<Vec<f64>> = (0..n)
        .map(|j| (0..m).map(|i| a[i * n + j]).collect())
        .collect();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|j| (0..n).map(|i| f64::from(u8::from(i == j))).collect())
        .collect();
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    for _sweep in 0..100 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (alpha, beta, gamma) =
                    (dot(&w[p], &w[p]), dot(&w[q], &w[q]), dot(&w[p], &w[q]));
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + zeta.hypot(1.0));
                let t = if zeta == 0.0 { 1.0 } else { t };
                let c = 1.0 / t.hypot(1.0);
                let s = c * t;
                for cols in [&mut w, &mut v] {
                    let (lo, hi) = cols.split_at_mut(q);
                    for (x, y) in lo[p].iter_mut().zip(hi[0].iter_mut()) {
                        let (xp, xq) = (*x, *y);
                        *x = c * xp - s * xq;
                        *y = s * xp + c * xq;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = w.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
    let s: Vec<f64> = order.iter().map(|&i| norms[i]).collect();
    let tiny = s.first().copied().unwrap_or(0.0) * f64::EPSILON * m as f64;
    let mut ucols: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut vcols: Vec<Vec<f64>> = Vec::with_capacity(n);
    for &o in &order {
        if norms[o] > tiny && norms[o] > 0.0 {
            ucols.push(w[o].iter().map(|x| x / norms[o]).collect());
        }
        vcols.push(v[o].clone());
    }
    // Columns of U for (near) zero singular values: any orthonormal ones.
    complete_basis(&mut ucols, m, n);
    let ku = if full { m } else { n };
    complete_basis(&mut ucols, m, ku);
    let (mut um, mut vm) = (vec![0.0; m * ku], vec![0.0; n * n]);
    for (j, c) in ucols.iter().enumerate().take(ku) {
        for i in 0..m {
            um[i * ku + j] = c[i];
        }
    }
    for (j, c) in vcols.iter().enumerate() {
        for i in 0..n {
            vm[i * n + j] = c[i];
        }
    }
    // Sign: U's column positive at its largest entry, V's turned with it.
    for j in 0..n {
        if fix_sign(&mut um, m, ku, j) {
            for i in 0..n {
                vm[i * n + j] = -vm[i * n + j];
            }
        }
    }
    for j in n..ku {
        fix_sign(&mut um, m, ku, j);
    }
    (um, s, vm)
}

// ----- tensor helpers for the backward formulas ----------------------------

/// The identity `n x n`, like `t`'s dtype and device.
fn eye_like(n: usize, t: &Tensor) -> Result<Tensor> {
    Tensor::eye(n, None, t.dtype(), t.device())
}

/// `[*, k]` as diagonal matrices `[*, k, k]`.
fn diag_embed(v: &Tensor) -> Result<Tensor> {
    let k = v.shape()[v.dim() - 1];
    v.unsqueeze(-1)?.mul(&eye_like(k, v)?)
}

/// `X - X^T` over the last two dims.
fn skew(x: &Tensor) -> Result<Tensor> {
    x.sub(&x.mt()?)
}

/// `1 / (row_j - row_i)` style matrix `b[j] - b[i]` over the last dim of
/// `b`, with ones on the diagonal (so dividing by it leaves that alone).
fn pair_gaps(b: &Tensor) -> Result<Tensor> {
    let k = b.shape()[b.dim() - 1];
    let e = b.unsqueeze(-2)?.sub(&b.unsqueeze(-1)?)?;
    e.add(&eye_like(k, b)?)
}

/// The gradient of a factorization's input from one output's gradient:
/// `(A, which output, its gradient)`.
type FactorBackward = dyn Fn(&Tensor, usize, &Tensor) -> Result<Tensor> + Send + Sync;

/// Records output `which` of a factorization of `a` as one node that saves
/// only `a`: its backward factors `a` again (the same result, the
/// algorithm being deterministic; with `create_graph` a recorded one, so
/// second derivatives flow) and applies the formula to this output's
/// gradient alone. Saving the other outputs instead would make the nodes
/// of one factorization hold each other in a cycle.
fn per_output(
    out: Tensor,
    name: &'static str,
    a: &Tensor,
    which: usize,
    backward: Arc<FactorBackward>,
) -> Tensor {
    let saved = SavedTensor::new("self", a);
    let s = saved.clone();
    record(out, name, &[a], vec![saved], move |g, _| {
        Ok(vec![Some(backward(&s.get(name)?, which, g)?)])
    })
}

impl Tensor {
    /// `torch.linalg.solve_triangular(A, B, upper=, left=, unitriangular=)`:
    /// X with A X = B (`left`) or X A = B, A triangular (only its upper or
    /// lower triangle is read). Batch dims broadcast as matmul's.
    pub fn linalg_solve_triangular(
        &self,
        b: &Tensor,
        upper: bool,
        left: bool,
        unitriangular: bool,
    ) -> Result<Tensor> {
        if !left {
            // X A = B  <=>  A^T X^T = B^T.
            return self
                .mt()?
                .linalg_solve_triangular(&b.mt()?, !upper, true, unitriangular)?
                .mt();
        }
        let a = Batch::square("solve_triangular", self)?;
        let n = a.n;
        if b.dim() < 2 || b.shape()[b.dim() - 2] != n || b.dtype() != self.dtype() {
            return Err(Error::invalid(format!(
                "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B ({:?} and {:?})",
                self.shape(),
                b.shape()
            )));
        }
        let k = b.shape()[b.dim() - 1];
        let lead = crate::shape::broadcast_shapes(
            "linalg.solve_triangular",
            &self.shape()[..self.dim() - 2],
            &b.shape()[..b.dim() - 2],
        )?;
        let full = |t: &Tensor, tail: &[usize]| -> Result<Vec<f64>> {
            let mut s = lead.clone();
            s.extend_from_slice(tail);
            t.detach().broadcast_to(&s)?.to_vec_f64()
        };
        let (av, bv) = (full(self, &[n, n])?, full(b, &[n, k])?);
        let count: usize = lead.iter().product();
        let mut x = bv;
        for i in 0..count {
            let am = &av[i * n * n..(i + 1) * n * n];
            let xm = &mut x[i * n * k..(i + 1) * n * k];
            let rows: Vec<usize> = if upper {
                (0..n).rev().collect()
            } else {
                (0..n).collect()
            };
            for &r in &rows {
                for c in 0..k {
                    let mut s = xm[r * k + c];
                    let others = if upper { r + 1..n } else { 0..r };
                    for j in others {
                        s -= am[r * n + j] * xm[j * k + c];
                    }
                    xm[r * k + c] = if unitriangular { s } else { s / am[r * n + r] };
                }
            }
        }
        let mut shape = lead.clone();
        shape.extend_from_slice(&[n, k]);
        let out = Tensor::from_vec_f64(&x, &shape, self.dtype())?.to_device(self.device())?;
        // gB = A^-T gX (a triangular solve), gA = -gB X^T on A's triangle.
        const NAME: &str = "LinalgSolveTriangularBackward0";
        let (sa, sx) = (
            SavedTensor::new("self", self),
            SavedTensor::new("result", &out),
        );
        let (a_, x_) = (sa.clone(), sx.clone());
        let (a_shape, b_shape) = (self.shape().to_vec(), b.shape().to_vec());
        Ok(record(
            out,
            NAME,
            &[self, b],
            vec![sa, sx],
            move |g, needs| {
                let (a, x) = (a_.get(NAME)?, x_.get(NAME)?);
                let gb = a
                    .mt()?
                    .linalg_solve_triangular(g, !upper, true, unitriangular)?;
                let ga = if needs[0] {
                    let ga = gb.matmul(&x.mt()?)?.neg()?;
                    let ga = if upper {
                        ga.triu(i64::from(unitriangular))?
                    } else {
                        ga.tril(-i64::from(unitriangular))?
                    };
                    Some(crate::ops::sum_to_shape(&ga, &a_shape)?)
                } else {
                    None
                };
                Ok(vec![ga, Some(crate::ops::sum_to_shape(&gb, &b_shape)?)])
            },
        ))
    }

    /// `torch.linalg.cholesky(A, upper=False)`: L lower with A = L L^T
    /// (U = L^T with `upper`), from A's lower triangle; an error names the
    /// first leading minor that is not positive-definite.
    pub fn linalg_cholesky(&self, upper: bool) -> Result<Tensor> {
        let a = Batch::square("cholesky", self)?;
        let n = a.n;
        let mut out = Vec::with_capacity(a.data.len());
        for (b, m) in a.matrices().enumerate() {
            match cholesky_host(m, n) {
                Ok(l) => out.extend(l),
                Err(k) => {
                    return Err(a.batch_error("cholesky", b, format!(
                        "The factorization could not be completed because the input is not positive-definite (the leading minor of order {k} is not positive-definite)."
                    )))
                }
            }
        }
        let l = a.tensor(&out, &[n, n], self)?;
        let l = if upper { l.mt()?.contiguous()? } else { l };
        // PyTorch's formula: with T = tril(L^T gL), S = (T + tril(T, -1)^T) / 2,
        // gA = L^-T S L^-1 (symmetric).
        const NAME: &str = "LinalgCholeskyExBackward0";
        let saved = SavedTensor::new("L", &l);
        let s_ = saved.clone();
        Ok(record(l, NAME, &[self], vec![saved], move |g, _| {
            let (l, g) = (s_.get(NAME)?, g.clone());
            let (l, g) = if upper { (l.mt()?, g.mt()?) } else { (l, g) };
            let t = l.mt()?.matmul(&g)?.tril(0)?;
            let s = t.add(&t.tril(-1)?.mt()?)?.mul_scalar(0.5)?;
            let x = l.mt()?.linalg_solve_triangular(&s, true, true, false)?;
            Ok(vec![Some(
                l.linalg_solve_triangular(&x, false, false, false)?,
            )])
        }))
    }

    /// `torch.linalg.qr(A, mode)`: `(Q, R)` with A = Q R, Q orthonormal
    /// columns and R upper triangular, as LAPACK computes them. `mode` is
    /// `"reduced"` (Q `m x k`, R `k x n`, k = min(m, n)), `"complete"` (Q
    /// `m x m`, R `m x n`) or `"r"` (Q empty).
    pub fn linalg_qr(&self, mode: &str) -> Result<(Tensor, Tensor)> {
        let a = Batch::of("qr", self)?;
        let (m, n) = (a.m, a.n);
        let q = match mode {
            "reduced" | "r" => m.min(n),
            "complete" => m,
            other => {
                return Err(Error::invalid(format!(
                    "qr received unrecognized mode '{other}' but expected one of 'reduced' (default), 'r', or 'complete'"
                )))
            }
        };
        let (mut qs, mut rs) = (Vec::new(), Vec::new());
        for mat in a.matrices() {
            let (qm, rm) = qr_host(mat, m, n, q);
            qs.extend(qm);
            rs.extend(rm);
        }
        if a.count() == 0 || m * n == 0 {
            qs = vec![0.0; a.count() * m * q];
            rs = vec![0.0; a.count() * q * n];
            for b in 0..a.count() {
                for i in 0..m.min(q) {
                    qs[b * m * q + i * q + i] = 1.0;
                }
            }
        }
        let qt = a.tensor(&qs, &[m, q], self)?;
        let rt = a.tensor(&rs, &[q, n], self)?;
        if mode == "r" {
            let q = Tensor::zeros_on(&[0], self.dtype(), self.device())?;
            let no_q = Arc::new(|_: &Tensor, _: usize, _: &Tensor| {
                Err(Error::Autograd(
                    "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.".into(),
                ))
            });
            let r = per_output(rt, "LinalgQrBackward0", self, 1, no_q);
            return Ok((q, r));
        }
        let mode = mode.to_string();
        let backward = move |a: &Tensor, which: usize, g: &Tensor| {
            if mode == "complete" && m > n {
                return Err(Error::Autograd(
                    "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.".into(),
                ));
            }
            let (q, r) = a.linalg_qr(&mode)?;
            let g = Some(g.clone());
            match which {
                0 => qr_backward(&q, &r, g, None),
                _ => qr_backward(&q, &r, None, g),
            }
        };
        let backward = Arc::new(backward);
        let q_out = per_output(qt, "LinalgQrBackward0", self, 0, backward.clone());
        let r_out = per_output(rt, "LinalgQrBackward0", self, 1, backward);
        Ok((q_out, r_out))
    }

    /// `torch.linalg.eigh(A, UPLO)`: eigenvalues ascending and eigenvectors
    /// as columns of the symmetric matrix read from A's lower (`'L'`) or
    /// upper (`'U'`) triangle.
    pub fn linalg_eigh(&self, uplo: &str) -> Result<(Tensor, Tensor)> {
        let upper = match uplo {
            "L" | "l" => false,
            "U" | "u" => true,
            other => {
                return Err(Error::invalid(format!(
                    "Expected UPLO argument to be 'L' or 'U', but got {other}"
                )))
            }
        };
        let src = if upper { self.mt()? } else { self.clone() };
        let a = Batch::square("eigh", &src)?;
        let n = a.n;
        let (mut ls, mut vs) = (Vec::new(), Vec::new());
        for mat in a.matrices() {
            let (l, v) = eigh_host(mat, n);
            ls.extend(l);
            vs.extend(v);
        }
        let lt = a.tensor(&ls, &[n], self)?;
        let vt = a.tensor(&vs, &[n, n], self)?;
        // gA = V (diag(gL) + skew(V^T gV) / 2 / E) V^T, E_ij = L_j - L_i.
        let uplo = uplo.to_string();
        let backward = Arc::new(move |a: &Tensor, which: usize, g: &Tensor| {
            let (l, v) = a.linalg_eigh(&uplo)?;
            let inner = if which == 0 {
                diag_embed(g)?
            } else {
                skew(&v.mt()?.matmul(g)?)?
                    .mul_scalar(0.5)?
                    .div(&pair_gaps(&l)?)?
            };
            v.matmul(&inner)?.matmul(&v.mt()?)
        });
        let l_out = per_output(lt, "LinalgEighBackward0", self, 0, backward.clone());
        let v_out = per_output(vt, "LinalgEighBackward0", self, 1, backward);
        Ok((l_out, v_out))
    }

    /// `torch.linalg.svd(A, full_matrices)`: `(U, S, Vh)` with A = U diag(S)
    /// Vh, S descending. Gradients flow through the reduced factors (the
    /// extra columns of full U or rows of Vh are not unique), as PyTorch's.
    pub fn linalg_svd(&self, full_matrices: bool) -> Result<(Tensor, Tensor, Tensor)> {
        let a = Batch::of("svd", self)?;
        let (m, n) = (a.m, a.n);
        let k = m.min(n);
        let (ku, kv) = if full_matrices { (m, n) } else { (k, k) };
        let (mut us, mut ss, mut vhs) = (Vec::new(), Vec::new(), Vec::new());
        for mat in a.matrices() {
            let (u, s, v) = svd_host(mat, m, n, full_matrices);
            // v is n x kv' row-major (kv' = n when m >= n, or the full/reduced
            // count otherwise); Vh takes its first kv columns as rows.
            let vcols = v.len() / n.max(1);
            for r in 0..kv {
                for c in 0..n {
                    vhs.push(v[c * vcols + r]);
                }
            }
            let ucols = u.len() / m.max(1);
            for r in 0..m {
                for c in 0..ku {
                    us.push(u[r * ucols + c]);
                }
            }
            ss.extend(s.into_iter().take(k));
        }
        let ut = a.tensor(&us, &[m, ku], self)?;
        let st = a.tensor(&ss, &[k], self)?;
        let vht = a.tensor(&vhs, &[kv, n], self)?;
        let backward = Arc::new(move |a: &Tensor, which: usize, g: &Tensor| {
            let (u, s, vh) = a.linalg_svd(false)?;
            let mut grads = [None, None, None];
            grads[which] = Some(match which {
                0 => g.narrow(-1, 0, k)?,
                2 => g.narrow(-2, 0, k)?,
                _ => g.clone(),
            });
            let [gu, gs, gvh] = grads;
            svd_backward(&u, &s, &vh, gu, gs, gvh)
        });
        const NAME: &str = "LinalgSvdBackward0";
        let u_out = per_output(ut, NAME, self, 0, backward.clone());
        let s_out = per_output(st, NAME, self, 1, backward.clone());
        let vh_out = per_output(vht, NAME, self, 2, backward);
        Ok((u_out, s_out, vh_out))
    }

    /// `torch.linalg.svdvals(A)`: the singular values, descending.
    pub fn linalg_svdvals(&self) -> Result<Tensor> {
        Ok(self.linalg_svd(false)?.1)
    }

    /// `torch.linalg.eigvalsh(A, UPLO)`: the eigenvalues, ascending.
    pub fn linalg_eigvalsh(&self, uplo: &str) -> Result<Tensor> {
        Ok(self.linalg_eigh(uplo)?.0)
    }
}

/// The gradient of A from those of Q and R (either may be absent), for
/// reduced QR (and complete when m <= n).
fn qr_backward(q: &Tensor, r: &Tensor, gq: Option<Tensor>, gr: Option<Tensor>) -> Result<Tensor> {
    let (m, n) = (q.shape()[q.dim() - 2], r.shape()[r.dim() - 1]);
    if m >= n {
        // gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q.
        let zeros_n = || Tensor::zeros_on(&[n, n], q.dtype(), q.device());
        let mut mm = match &gr {
            Some(gr) => r.matmul(&gr.mt()?)?,
            None => zeros_n()?,
        };
        if let Some(gq) = &gq {
            mm = mm.sub(&gq.mt()?.matmul(q)?)?;
        }
        let sym = mm.tril(0)?.add(&mm.tril(-1)?.mt()?)?;
        let mut b = q.matmul(&sym)?;
        if let Some(gq) = &gq {
            b = b.add(gq)?;
        }
        // B R^-T: solve X R^T = B.
        return r.mt()?.linalg_solve_triangular(&b, false, false, false);
    }
    // Wide: A = [X | Y], R = [U | V], X = Q U, V = Q^T Y.
    let u = r.narrow(-1, 0, m)?;
    let gu = gr.as_ref().map(|g| g.narrow(-1, 0, m)).transpose()?;
    let gv = gr
        .as_ref()
        .map(|g| g.narrow(-1, m as i64, n - m))
        .transpose()?;
    let y = q.matmul(&r.narrow(-1, m as i64, n - m)?)?;
    let gq = match (&gq, &gv) {
        (Some(a), Some(b)) => Some(a.add(&y.matmul(&b.mt()?)?)?),
        (Some(a), None) => Some(a.clone()),
        (None, Some(b)) => Some(y.matmul(&b.mt()?)?),
        (None, None) => None,
    };
    let gx = qr_backward(q, &u, gq, gu)?;
    let gy = match &gv {
        Some(gv) => q.matmul(gv)?,
        None => {
            let mut s = q.shape()[..q.dim() - 2].to_vec();
            s.extend_from_slice(&[m, n - m]);
            Tensor::zeros_on(&s, q.dtype(), q.device())?
        }
    };
    Tensor::cat(&[&gx, &gy], -1)
}

/// The gradient of A from those of the reduced factors (U `m x k`, S,
/// Vh `k x n`), PyTorch's formula for real matrices.
fn svd_backward(
    u: &Tensor,
    s: &Tensor,
    vh: &Tensor,
    gu: Option<Tensor>,
    gs: Option<Tensor>,
    gvh: Option<Tensor>,
) -> Result<Tensor> {
    let (m, n, k) = (
        u.shape()[u.dim() - 2],
        vh.shape()[vh.dim() - 1],
        s.shape()[s.dim() - 1],
    );
    let v = vh.mt()?;
    let gv = gvh.map(|g| g.mt()).transpose()?;
    let s_row = s.unsqueeze(-2)?;
    let s_col = s.unsqueeze(-1)?;
    let e = pair_gaps(&s.mul(s)?)?;
    let mut inner: Option<Tensor> = None;
    let mut add = |x: Tensor| -> Result<()> {
        inner = Some(match inner.take() {
            Some(i) => i.add(&x)?,
            None => x,
        });
        Ok(())
    };
    if let Some(gu) = &gu {
        add(skew(&u.mt()?.matmul(gu)?)?.mul(&s_row)?.div(&e)?)?;
    }
    if let Some(gv) = &gv {
        add(s_col.mul(&skew(&v.mt()?.matmul(gv)?)?)?.div(&e)?)?;
    }
    if let Some(gs) = &gs {
        add(diag_embed(gs)?)?;
    }
    let inner = match inner {
        Some(i) => i,
        None => {
            let mut shape = u.shape()[..u.dim() - 2].to_vec();
            shape.extend_from_slice(&[m, n]);
            return Tensor::zeros_on(&shape, u.dtype(), u.device());
        }
    };
    let mut ga = u.matmul(&inner)?.matmul(vh)?;
    if m > k {
        if let Some(gu) = &gu {
            // (I - U U^T) gU S^-1 V^T
            let gus = gu.div(&s_row)?;
            let proj = gus.sub(&u.matmul(&u.mt()?.matmul(&gus)?)?)?;
            ga = ga.add(&proj.matmul(vh)?)?;
        }
    }
    if n > k {
        if let Some(gv) = &gv {
            // U S^-1 gV^T (I - V V^T)
            let gvs = gv.div(&s_row)?;
            let proj = gvs.sub(&v.matmul(&v.mt()?.matmul(&gvs)?)?)?;
            ga = ga.add(&u.matmul(&proj.mt()?)?)?;
        }
    }
    Ok(ga)
}
