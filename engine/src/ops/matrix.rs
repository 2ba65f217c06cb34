//! Small matrix and counting ops teaching code reaches for: `mv`, `diag`,
//! `trace`, `roll`, `cdist` (differentiable, built from indexing and
//! products, so their gradients are those ops' gradients) and `bincount`,
//! `histc`, `unique` (counting; no gradient, as in PyTorch).

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::shape::normalize_dim;
use crate::{DType, Error, Result, Tensor};

impl Tensor {
    /// `torch.mv(mat, vec)`: `[n, m] @ [m] -> [n]`.
    pub fn mv(&self, vec: &Tensor) -> Result<Tensor> {
        if self.dim() != 2 || vec.dim() != 1 {
            return Err(Error::invalid(format!(
                "vector + matrix @ vector expected, got {}, {}, {}",
                self.dim().min(1),
                self.dim(),
                vec.dim()
            )));
        }
        if self.shape()[1] != vec.shape()[0] {
            return Err(Error::invalid(format!(
                "size mismatch, got input ({}), mat ({}x{}), vec ({})",
                self.shape()[0],
                self.shape()[0],
                self.shape()[1],
                vec.shape()[0]
            )));
        }
        let out = with_no_grad(|| self.mm(&vec.unsqueeze(1)?)?.squeeze_dim(1))?;
        // One node, as PyTorch's: d/dmat = g vec^T, d/dvec = mat^T g.
        const NAME: &str = "MvBackward0";
        let (sm, sv) = (SavedTensor::new("self", self), SavedTensor::new("vec", vec));
        let (m_, v_) = (sm.clone(), sv.clone());
        Ok(record(
            out,
            NAME,
            &[self, vec],
            vec![sm, sv],
            move |g, needs| {
                let (m, v) = (m_.get(NAME)?, v_.get(NAME)?);
                let gm = match needs.first().copied().unwrap_or(true) {
                    true => Some(g.unsqueeze(1)?.mul(&v.unsqueeze(0)?)?),
                    false => None,
                };
                let gv = match needs.get(1).copied().unwrap_or(true) {
                    true => Some(m.t()?.mm(&g.unsqueeze(1)?)?.squeeze_dim(1)?),
                    false => None,
                };
                Ok(vec![gm, gv])
            },
        ))
    }

    /// `torch.diag(x, diagonal)`: a 1-D input becomes the square matrix
    /// with it on the `diagonal`-th diagonal; a 2-D input gives that
    /// diagonal as 1-D.
    pub fn diag(&self, diagonal: i64) -> Result<Tensor> {
        match self.dim() {
            1 => {
                let n = self.shape()[0];
                let k = diagonal.unsigned_abs() as usize;
                let size = n + k;
                // Row-major positions of the diagonal in a [size, size] matrix.
                let pos: Vec<i64> = (0..n)
                    .map(|i| {
                        let (r, c) = if diagonal >= 0 {
                            (i, i + k)
                        } else {
                            (i + k, i)
                        };
                        (r * size + c) as i64
                    })
                    .collect();
                let idx = Tensor::from_vec(pos, &[n])?.to_device(self.device())?;
                let z = Tensor::zeros_on(&[size * size], self.dtype(), self.device())?;
                z.scatter(0, &idx, self)?.reshape_to(&[size, size])
            }
            2 => {
                let (r, c) = (self.shape()[0] as i64, self.shape()[1] as i64);
                let (r0, c0) = if diagonal >= 0 {
                    (0, diagonal)
                } else {
                    (-diagonal, 0)
                };
                let n = (r - r0).min(c - c0).max(0) as usize;
                let pos: Vec<i64> = (0..n as i64).map(|i| (r0 + i) * c + c0 + i).collect();
                let idx = Tensor::from_vec(pos, &[n])?.to_device(self.device())?;
                self.reshape(&[-1])?.index_select(0, &idx)
            }
            d => Err(Error::invalid(format!(
                "diag(): Supports 1D or 2D tensors. Got {d}D"
            ))),
        }
    }

    /// `torch.trace(x)`: the sum of a matrix's main diagonal.
    pub fn trace(&self) -> Result<Tensor> {
        if self.dim() != 2 {
            return Err(Error::invalid("trace: expected a matrix"));
        }
        self.diag(0)?.sum()
    }

    /// `torch.roll(x, shifts, dims)`: elements shifted along each dim,
    /// wrapping around; with no dims, over the flattened tensor (shape
    /// kept).
    pub fn roll(&self, shifts: &[i64], dims: &[i64]) -> Result<Tensor> {
        if dims.is_empty() {
            if shifts.len() != 1 {
                return Err(Error::invalid(format!(
                    "shifts and dimensions must align. shifts: {}, dims:0",
                    shifts.len()
                )));
            }
            let shape: Vec<i64> = self.shape().iter().map(|&d| d as i64).collect();
            return self.reshape(&[-1])?.roll(shifts, &[0])?.reshape(&shape);
        }
        if shifts.len() != dims.len() {
            return Err(Error::invalid(format!(
                "shifts and dimensions must align. shifts: {}, dims:{}",
                shifts.len(),
                dims.len()
            )));
        }
        let mut out = self.clone();
        for (&s, &d) in shifts.iter().zip(dims) {
            let dim = normalize_dim("roll", d, self.dim())?;
            let n = self.shape()[dim] as i64;
            if n == 0 {
                continue;
            }
            let s = s.rem_euclid(n);
            if s == 0 {
                continue;
            }
            let tail = out.narrow(dim as i64, n - s, s as usize)?;
            let head = out.narrow(dim as i64, 0, (n - s) as usize)?;
            out = Tensor::cat(&[&tail, &head], dim as i64)?;
        }
        Ok(out)
    }

    /// `torch.cdist(x1, x2, p)`: the p-norm distance between every row of
    /// `x1` `[.., P, M]` and every row of `x2` `[.., R, M]`, `[.., P, R]`.
    pub fn cdist(&self, other: &Tensor, p: f64) -> Result<Tensor> {
        if self.dim() < 2 || other.dim() < 2 {
            return Err(Error::invalid(format!(
                "cdist only supports at least 2D tensors, X1 got: {}D, X2 got: {}D",
                self.dim(),
                other.dim()
            )));
        }
        let (m1, m2) = (self.shape()[self.dim() - 1], other.shape()[other.dim() - 1]);
        if m1 != m2 {
            return Err(Error::invalid(format!(
                "X1 and X2 must have the same number of columns. X1: {m1} X2: {m2}"
            )));
        }
        if p < 0.0 {
            return Err(Error::invalid("cdist only supports non-negative p values"));
        }
        let dist = with_no_grad(|| cdist_values(self, other, p))?;
        let (s1, s2) = (SavedTensor::new("x1", self), SavedTensor::new("x2", other));
        let so = SavedTensor::new("result", &dist);
        let (shape1, shape2) = (self.shape().to_vec(), other.shape().to_vec());
        const NAME: &str = "CdistBackward0";
        // With diff = x1_i - x2_j over the last dim: d dist_ij / d diff =
        // sign(diff) |diff|^(p-1) / dist^(p-1) (diff / dist for p = 2;
        // sign at the largest |diff| for p = inf; 0 for p = 0 and where
        // dist = 0); x1 gets its sum over j, x2 minus its sum over i.
        Ok(record(
            dist.clone(),
            NAME,
            &[self, other],
            vec![s1.clone(), s2.clone(), so.clone()],
            move |g, need| {
                let (x1, x2, d) = (s1.get(NAME)?, s2.get(NAME)?, so.get(NAME)?);
                let diff = x1.unsqueeze(-2)?.sub(&x2.unsqueeze(-3)?)?;
                let d = d.unsqueeze(-1)?;
                let g = g.unsqueeze(-1)?;
                let zero = d.eq_scalar(0.0)?;
                let gdiff = if p == 0.0 {
                    Tensor::zeros_like(&diff)?
                } else if p == f64::INFINITY {
                    let at_max = diff.abs()?.eq(&d)?.to_dtype(diff.dtype())?;
                    diff.sign()?.mul(&at_max)?.mul(&g)?
                } else if p == 1.0 {
                    diff.sign()?.mul(&g)?
                } else if p == 2.0 {
                    let safe = Tensor::where_cond(&zero, &Tensor::ones_like(&d)?, &d)?;
                    diff.div(&safe)?.mul(&g)?
                } else {
                    let safe = Tensor::where_cond(&zero, &Tensor::ones_like(&d)?, &d)?;
                    diff.sign()?
                        .mul(&diff.abs()?.pow_scalar(p - 1.0)?)?
                        .div(&safe.pow_scalar(p - 1.0)?)?
                        .mul(&g)?
                };
                let gdiff = Tensor::where_cond(&zero, &Tensor::zeros_like(&gdiff)?, &gdiff)?;
                let g1 = if need[0] {
                    Some(crate::ops::sum_to_shape(
                        &gdiff.sum_dims(&[-2], false)?,
                        &shape1,
                    )?)
                } else {
                    None
                };
                let g2 = if need[1] {
                    let s = gdiff.sum_dims(&[-3], false)?.neg()?;
                    Some(crate::ops::sum_to_shape(&s, &shape2)?)
                } else {
                    None
                };
                Ok(vec![g1, g2])
            },
        ))
    }

    /// `torch.bincount(x, weights, minlength)`: how often each value of a
    /// 1-D non-negative integer tensor occurs (int64), or the sum of
    /// `weights` per value (float64, or float32 for float32 weights).
    pub fn bincount(&self, weights: Option<&Tensor>, minlength: usize) -> Result<Tensor> {
        if self.dim() != 1 || self.dtype().is_float() || self.dtype() == DType::Bool {
            return Err(Error::invalid(
                "bincount only supports 1-d non-negative integral inputs.",
            ));
        }
        let v = self.to_vec_i64()?;
        if v.iter().any(|&x| x < 0) {
            return Err(Error::invalid(
                "bincount only supports 1-d non-negative integral inputs.",
            ));
        }
        let len = v
            .iter()
            .map(|&x| x as usize + 1)
            .max()
            .unwrap_or(0)
            .max(minlength);
        crate::storage::cpu::check_alloc(len, DType::F64)?;
        match weights {
            None => {
                let mut counts = vec![0i64; len];
                for &x in &v {
                    counts[x as usize] += 1;
                }
                Tensor::from_vec(counts, &[len])?.to_device(self.device())
            }
            Some(w) => {
                if w.shape() != self.shape() {
                    return Err(Error::invalid(
                        "weights should be 1-d and have the same length as input",
                    ));
                }
                let wv = w.to_vec_f64()?;
                let mut sums = vec![0f64; len];
                for (&x, &wi) in v.iter().zip(&wv) {
                    sums[x as usize] += wi;
                }
                let dt = if w.dtype() == DType::F32 {
                    DType::F32
                } else {
                    DType::F64
                };
                Tensor::from_vec_f64(&sums, &[len], dt)?.to_device(self.device())
            }
        }
    }

    /// `torch.histc(x, bins, min, max)`: a histogram of `bins` equal-width
    /// bins over [min, max] (the data's range when both are 0); elements
    /// outside are ignored, the maximum falls in the last bin.
    pub fn histc(&self, bins: usize, min: f64, max: f64) -> Result<Tensor> {
        if !self.dtype().is_float() {
            return Err(Error::invalid(format!(
                "\"histogram_cpu\" not implemented for '{}'",
                self.dtype().name()
            )));
        }
        if bins == 0 {
            return Err(Error::invalid("torch.histc: bins must be > 0"));
        }
        let v = self.to_vec_f64()?;
        let (mut lo, mut hi) = (min, max);
        if lo == hi && !v.is_empty() {
            lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
            hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        }
        if lo == hi {
            lo -= 1.0;
            hi += 1.0;
        }
        if lo > hi {
            return Err(Error::invalid("torch.histc: max must be larger than min"));
        }
        let mut counts = vec![0f64; bins];
        for &x in &v {
            if x < lo || x > hi || x.is_nan() {
                continue;
            }
            let b = (((x - lo) * bins as f64) / (hi - lo)) as usize;
            counts[b.min(bins - 1)] += 1.0;
        }
        Tensor::from_vec_f64(&counts, &[bins], self.dtype())?.to_device(self.device())
    }

    /// `torch.unique(x, sorted, return_inverse, return_counts)` over the
    /// flattened tensor: the distinct values in ascending order, where each
    /// element went (in `x`'s shape) and how often each occurs.
    pub fn unique(&self) -> Result<(Tensor, Tensor, Tensor)> {
        let n = self.numel();
        let flat = self.reshape(&[-1])?;
        let sorted = flat.sort(0, false)?;
        let vals = sorted.values.to_vec_f64()?;
        let order = sorted.indices.to_vec_i64()?;
        let mut keep: Vec<i64> = Vec::new();
        let mut counts: Vec<i64> = Vec::new();
        let mut inverse = vec![0i64; n];
        for (i, &x) in vals.iter().enumerate() {
            // NaN is never equal to itself: each NaN is its own value.
            if i == 0 || x != vals[i - 1] {
                keep.push(i as i64);
                counts.push(0);
            }
            *counts.last_mut().expect("a group was opened") += 1;
            inverse[order[i] as usize] = keep.len() as i64 - 1;
        }
        let idx = Tensor::from_vec(keep.clone(), &[keep.len()])?.to_device(self.device())?;
        let values = sorted.values.index_select(0, &idx)?;
        let inv = Tensor::from_vec(inverse, self.shape())?.to_device(self.device())?;
        let cnt = Tensor::from_vec(counts, &[keep.len()])?.to_device(self.device())?;
        Ok((values.detach(), inv, cnt))
    }

    /// `torch.unique(x, dim=d)`: the distinct slices along `dim`, in
    /// lexicographic order, with the index of each input slice's distinct
    /// slice and the counts (as [`Tensor::unique`]).
    pub fn unique_dim(&self, dim: i64) -> Result<(Tensor, Tensor, Tensor)> {
        let d = crate::shape::normalize_dim("unique", dim, self.dim())?;
        let n = self.size_at(d);
        let mut perm: Vec<i64> = vec![d as i64];
        perm.extend((0..self.dim() as i64).filter(|&k| k != d as i64));
        let moved = self.permute(&perm)?.contiguous()?;
        let width = moved.numel().checked_div(n).unwrap_or(0);
        let vals = moved.to_vec_f64()?;
        let row = |i: usize| &vals[i * width..(i + 1) * width];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            row(a)
                .iter()
                .zip(row(b))
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut keep: Vec<i64> = Vec::new();
        let mut counts: Vec<i64> = Vec::new();
        let mut inverse = vec![0i64; n];
        for (k, &i) in order.iter().enumerate() {
            if k == 0 || row(i) != row(order[k - 1]) {
                keep.push(i as i64);
                counts.push(0);
            }
            *counts.last_mut().expect("a group was opened") += 1;
            inverse[i] = keep.len() as i64 - 1;
        }
        let idx = Tensor::from_vec(keep.clone(), &[keep.len()])?.to_device(self.device())?;
        let values = self.detach().index_select(d as i64, &idx)?;
        let inv = Tensor::from_vec(inverse, &[n])?.to_device(self.device())?;
        let cnt = Tensor::from_vec(counts, &[keep.len()])?.to_device(self.device())?;
        Ok((values, inv, cnt))
    }
}

/// The values of `cdist(x1, x2, p)`.
fn cdist_values(x1: &Tensor, x2: &Tensor, p: f64) -> Result<Tensor> {
    // [.., P, 1, M] - [.., 1, R, M] -> |.|^p summed over M -> ^(1/p)
    let d = x1.unsqueeze(-2)?.sub(&x2.unsqueeze(-3)?)?.abs()?;
    if p == f64::INFINITY {
        return d.amax(&[-1], false);
    }
    if p == 0.0 {
        return d
            .ne_scalar(0.0)?
            .to_dtype(x1.dtype())?
            .sum_dims(&[-1], false);
    }
    if p == 2.0 {
        return d.square()?.sum_dims(&[-1], false)?.sqrt();
    }
    d.pow_scalar(p)?.sum_dims(&[-1], false)?.pow_scalar(1.0 / p)
}
