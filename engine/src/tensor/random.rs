//! Random creation functions on top of the PyTorch-identical generator in
//! `crate::random`: with the same `manual_seed`, `rand`/`randn`/`randint`/
//! `randperm` produce PyTorch's numbers.

use crate::random::{default_generator, Generator};
use crate::shape::checked_numel;
use crate::{DType, Device, Error, Result, Tensor};

impl Tensor {
    /// `torch.rand(3, 4)`: float32, uniform on [0, 1), on the CPU.
    pub fn rand(shape: &[usize]) -> Result<Tensor> {
        Tensor::rand_on(shape, DType::F32, Device::Cpu)
    }

    /// `torch.randn(3, 4)`: float32, standard normal, on the CPU. After
    /// [`manual_seed`](crate::random::manual_seed) the numbers are PyTorch's.
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// manual_seed(0);
    /// let x = Tensor::randn(&[3, 4])?;
    /// assert_eq!(x.shape(), &[3, 4]);
    /// // torch.manual_seed(0); torch.randn(3, 4)[0, 0] == 1.5410
    /// assert!((x.to_vec_f64()?[0] - 1.5410).abs() < 1e-4);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn randn(shape: &[usize]) -> Result<Tensor> {
        Tensor::randn_on(shape, DType::F32, Device::Cpu)
    }

    /// `torch.rand(shape, dtype=, device=)`: uniform on [0, 1).
    pub fn rand_on(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::uniform(shape, 0.0, 1.0, dtype, device)
    }

    /// Uniform on [low, high) (`torch.empty(shape).uniform_(low, high)`).
    pub fn uniform(
        shape: &[usize],
        low: f64,
        high: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        Tensor::uniform_with(&mut default_generator(), shape, low, high, dtype, device)
    }

    /// [`Tensor::uniform`] drawing from `g` (`generator=`).
    pub fn uniform_with(
        g: &mut Generator,
        shape: &[usize],
        low: f64,
        high: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, dtype)?;
        let t = match dtype {
            DType::F32 => Tensor::from_vec(g.uniform_f32(n, low, high)?, shape)?,
            DType::F64 => Tensor::from_vec(g.uniform_f64(n, low, high)?, shape)?,
            DType::F16 => Tensor::from_vec(g.uniform_f16(n, low, high)?, shape)?,
            DType::BF16 => Tensor::from_vec(g.uniform_bf16(n, low, high)?, shape)?,
            d => {
                return Err(Error::invalid(format!(
                    "\"check_uniform_bounds\" not implemented for '{}'",
                    d.name()
                )))
            }
        };
        t.to_device(device)
    }

    /// `torch.randn(shape, dtype=, device=)`: standard normal.
    pub fn randn_on(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::normal(shape, 0.0, 1.0, dtype, device)
    }

    /// Normal with `mean`, `std` (`torch.empty(shape).normal_(mean, std)`).
    pub fn normal(
        shape: &[usize],
        mean: f64,
        std: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        Tensor::normal_with(&mut default_generator(), shape, mean, std, dtype, device)
    }

    /// [`Tensor::normal`] drawing from `g` (`generator=`).
    pub fn normal_with(
        g: &mut Generator,
        shape: &[usize],
        mean: f64,
        std: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, dtype)?;
        let t = match dtype {
            DType::F32 => Tensor::from_vec(g.normal_f32(n, mean, std)?, shape)?,
            DType::F64 => Tensor::from_vec(g.normal_f64(n, mean, std)?, shape)?,
            DType::F16 | DType::BF16 => {
                Tensor::from_vec(g.normal_f32(n, mean, std)?, shape)?.to_dtype(dtype)?
            }
            d => {
                return Err(Error::invalid(format!(
                    "\"normal_kernel_cpu\" not implemented for '{}'",
                    d.name()
                )))
            }
        };
        t.to_device(device)
    }

    /// `torch.randint(low, high, shape)` (int64 by default).
    pub fn randint(
        low: i64,
        high: i64,
        shape: &[usize],
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        Tensor::randint_with(&mut default_generator(), low, high, shape, dtype, device)
    }

    /// [`Tensor::randint`] drawing from `g` (`generator=`).
    pub fn randint_with(
        g: &mut Generator,
        low: i64,
        high: i64,
        shape: &[usize],
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, DType::I64)?;
        let v = g.randint(n, low, high)?;
        Tensor::from_vec(v, shape)?
            .to_dtype(dtype)?
            .to_device(device)
    }

    /// `torch.randperm(n)`.
    pub fn randperm(n: usize, device: Device) -> Result<Tensor> {
        Tensor::randperm_with(&mut default_generator(), n, device)
    }

    /// [`Tensor::randperm`] drawing from `g` (`generator=`).
    pub fn randperm_with(g: &mut Generator, n: usize, device: Device) -> Result<Tensor> {
        Tensor::guard_size(n, DType::I64)?;
        let v = g.randperm(n);
        Tensor::from_vec(v, &[n])?.to_device(device)
    }

    pub fn rand_like(t: &Tensor) -> Result<Tensor> {
        Tensor::rand_on(t.shape(), t.dtype(), t.device())
    }

    pub fn randn_like(t: &Tensor) -> Result<Tensor> {
        Tensor::randn_on(t.shape(), t.dtype(), t.device())
    }

    /// `torch.empty(shape).exponential_(lambd)`: float64 draws (see
    /// [`Generator::exponential_f64`]) rounded to `dtype`.
    pub fn exponential_with(
        g: &mut Generator,
        shape: &[usize],
        lambd: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let n = checked_numel(shape)?;
        Tensor::guard_size(n, DType::F64)?;
        if !dtype.is_float() {
            return Err(Error::invalid(format!(
                "\"exponential_cpu\" not implemented for '{}'",
                dtype.name()
            )));
        }
        Tensor::from_vec(g.exponential_f64(n, lambd)?, shape)?
            .to_dtype(dtype)?
            .to_device(device)
    }

    /// `torch.bernoulli(self)`: 1 where a uniform draw is below the
    /// element's probability, 0 elsewhere, in `self`'s dtype (24-bit
    /// uniforms for float32 and the half types, 53-bit for float64).
    pub fn bernoulli_with(&self, g: &mut Generator) -> Result<Tensor> {
        let shape = self.shape().to_vec();
        let t = match self.dtype() {
            DType::F64 => {
                let p: Vec<f64> = self.to_vec_f64()?;
                Tensor::from_vec(g.bernoulli_from_f64(&p)?, &shape)?
            }
            d if d.is_float() => {
                let p: Vec<f32> = self.to_dtype(DType::F32)?.to_vec_f32()?;
                Tensor::from_vec(g.bernoulli_from_f32(&p)?, &shape)?.to_dtype(d)?
            }
            d => {
                return Err(Error::invalid(format!(
                    "\"bernoulli_tensor_cpu_p_\" not implemented for '{}'",
                    d.name()
                )))
            }
        };
        t.to_device(self.device())
    }

    /// `torch.multinomial(self, n, replacement)` with PyTorch's CPU
    /// algorithms, so a seed gives PyTorch's samples. Without replacement
    /// (or for one sample): `argmax`/`topk` of `p / q` with `q` drawn by
    /// `exponential_(1)` over the whole input (the Gumbel-max trick). With
    /// replacement: per row, the cumulative distribution normalised in the
    /// input's precision, then a binary search for each 53-bit uniform.
    pub fn multinomial_with(
        &self,
        g: &mut Generator,
        n: usize,
        replacement: bool,
    ) -> Result<Tensor> {
        let dims = self.dim();
        if !(1..=2).contains(&dims) {
            return Err(Error::invalid("prob_dist must be 1 or 2 dim"));
        }
        if !self.dtype().is_float() {
            return Err(Error::invalid(format!(
                "multinomial only supports floating-point dtypes for input, got: {}",
                self.dtype().name()
            )));
        }
        let cats = self.shape()[dims - 1];
        let rows = if dims == 2 { self.shape()[0] } else { 1 };
        if cats == 0 {
            return Err(Error::invalid("cannot sample from an empty distribution"));
        }
        if !replacement && n > cats {
            return Err(Error::invalid(
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement",
            ));
        }
        Tensor::guard_size(rows.saturating_mul(n), DType::I64)?;
        let out_shape: Vec<usize> = if dims == 2 { vec![rows, n] } else { vec![n] };
        let double = self.dtype() == DType::F64;
        let p = self.to_vec_f64()?;
        if p.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(Error::invalid(
                "probability tensor contains either `inf`, `nan` or element < 0",
            ));
        }
        if p.chunks(cats).any(|row| row.iter().sum::<f64>() == 0.0) {
            return Err(Error::invalid(
                "invalid multinomial distribution (sum of probabilities <= 0)",
            ));
        }
        let mut out: Vec<i64> = Vec::with_capacity(rows * n);
        if n == 0 {
            return Tensor::from_vec(out, &out_shape)?.to_device(self.device());
        }
        if !replacement || n == 1 {
            // q ~ Exp(1) for every element, in order; then p / q in the
            // input's precision (float32 unless float64).
            let q = g.exponential_f64(p.len(), 1.0)?;
            let key: Vec<f64> = if double {
                p.iter().zip(&q).map(|(p, q)| p / q).collect()
            } else {
                p.iter()
                    .zip(&q)
                    .map(|(&p, &q)| f64::from(p as f32 / q as f32))
                    .collect()
            };
            for row in key.chunks(cats) {
                let mut idx: Vec<usize> = (0..cats).collect();
                // Largest first; ties keep the lower index first.
                idx.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
                out.extend(idx[..n].iter().map(|&i| i as i64));
            }
        } else {
            for row in p.chunks(cats) {
                let cum: Vec<f64> = if double {
                    let mut acc = 0.0f64;
                    let c: Vec<f64> = row
                        .iter()
                        .map(|&x| {
                            acc += x;
                            acc
                        })
                        .collect();
                    c.iter().map(|&x| x / acc).collect()
                } else {
                    let mut acc = 0.0f32;
                    let c: Vec<f32> = row
                        .iter()
                        .map(|&x| {
                            acc += x as f32;
                            acc
                        })
                        .collect();
                    c.iter().map(|&x| f64::from(x / acc)).collect()
                };
                for _ in 0..n {
                    let u = g.uniform_unit_f64();
                    // The last bucket reaches 1 whatever the rounding.
                    let (mut lo, mut hi) = (0usize, cats);
                    while hi > lo {
                        let mid = lo + (hi - lo) / 2;
                        let c = if mid == cats - 1 { 1.0 } else { cum[mid] };
                        if c < u {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    out.push(lo as i64);
                }
            }
        }
        Tensor::from_vec(out, &out_shape)?.to_device(self.device())
    }

    fn guard_size(n: usize, dtype: DType) -> Result<()> {
        crate::storage::cpu::check_alloc(n, dtype)
    }
}
