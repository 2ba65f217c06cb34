//! PyTorch's CPU default generator, bit for bit: `torch.manual_seed(0); torch.rand(3)` here
//! gives the numbers PyTorch prints.
//!
//! Owns the MT19937 stream ([`Generator`]), the process-wide default behind `torch.manual_seed`
//! ([`default_generator`], [`manual_seed`]) and every CPU distribution kernel's way of turning
//! draws into values. Knows nothing of tensors: it fills slices in the order PyTorch's kernels
//! visit elements (memory order for a contiguous tensor; for other layouts, TensorIterator's
//! order, i.e. dimensions sorted by stride), and the tensor layer puts them in place.
//!
//! # How PyTorch turns draws into values (CPU, torch 2.15)
//!
//! `random_u32` is one MT19937 output; `random_u64` is two, the first the high word.
//!
//! | PyTorch call | draws per element | value |
//! |---|---|---|
//! | `rand`/`uniform_(a, b)`, float32 | one u32 | `fma((u32 & (2^24-1)) * 2^-24, b - a, a)` in f32 |
//! | same, float64 | one u64 | `fma((u64 & (2^53-1)) * 2^-53, b - a, a)` in f64 |
//! | same, float16 / bfloat16 | one u32 | the float32 value, rounded once |
//! | `randint(low, high)`, any dtype | u32, or u64 when `high - low >= 2^28` | `low + draw % (high - low)` |
//! | `randperm(n)`, `n < 2^32 / 20` | one u32 per swap, `n - 1` swaps | Fisher-Yates: swap `i` with `i + u32 % (n - i)` |
//! | `bernoulli_(p)` / dropout, AMD or no MKL | one u64 | `uniform_f64 < p` |
//! | `bernoulli(probs)`, float32 probs | one u32 | `uniform_f32 < p` |
//! | `randn`/`normal_`, see [`Generator::normal_f32`] | | Box-Muller, three kernels |
//!
//! A uniform that rounds up to `b` is replaced by `a`, keeping `[a, b)` half-open. Floating
//! `randint` (e.g. `dtype=torch.float32`) draws the same integers and rounds them.
//! `randn` for float16/bfloat16 is not reproduced (PyTorch computes it in float32 chunks with a
//! draw count that is not `n + 16`).
//!
//! # Initialisation in `torch.nn` (all after `torch.manual_seed`, in construction order)
//!
//! * `nn.Linear(in, out)`: `weight` (shape `[out, in]`, `out * in` values, row-major) gets
//!   `uniform_(-b, b)` with `b = kaiming_uniform_bound(in, sqrt(5))` (see
//!   [`kaiming_uniform_bound`]; not exactly `1/sqrt(in)` in floating point), then `bias` gets
//!   `uniform_(-1/sqrt(in), 1/sqrt(in))`. Both float32: one u32 per element.
//! * `nn.Conv2d(c_in, c_out, (kh, kw), groups=g)`: the same two calls with
//!   `fan_in = c_in / g * kh * kw`, weight shape `[c_out, c_in / g, kh, kw]`.
//! * `nn.Embedding(num, dim)`: `weight.normal_(0, 1)` on a contiguous `[num, dim]` tensor, so
//!   `num * dim < 16` takes the pairwise kernel (and leaves a cached sample) and larger tables the
//!   blocked one; then the `padding_idx` row, if any, is zeroed (no draws).
//!
//! # What differs between machines
//!
//! * `randn` of 16+ contiguous float32 values: PyTorch's x86 builds with AVX2 and FMA (AVX-512
//!   CPUs included: torch 2.15 registers no AVX-512 normal kernel, so dispatch falls back to
//!   AVX2) use polynomial `log` and `sincos`; its default build (ARM,
//!   `ATEN_CPU_CAPABILITY=default`) uses the C library's. [`NormalKernel::detect`] mirrors
//!   that dispatch; both kernels are tested against PyTorch.
//! * Everything using `log`/`sin`/`cos` from libm (the pairwise and blocked-libm kernels)
//!   matches where Rust and PyTorch call the same C library (glibc on Linux); another libm may
//!   differ in the last bit.
//! * `bernoulli_(p)` with a scalar `p` (and so `F.dropout`): some PyTorch sources and builds
//!   with MKL's VSL sample it from an MKL stream instead of MT19937 (Intel CPUs, or every CPU in
//!   later sources). That stream is not reproduced. The torch 2.15 x86 wheel the fixtures come
//!   from makes no VSL call in that kernel (checked in its disassembly) and matches here.

mod mt19937;
mod normal;
mod uniform;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard, OnceLock};

use half::{bf16, f16};
use mt19937::Mt19937;
use uniform::{check_uniform, clamp_to_from, scale_in_place, unit_f32};

/// A distribution argument PyTorch rejects; the messages are PyTorch's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RandomError {
    /// `uniform_` with `from > to`, or a range wider than the dtype's maximum.
    #[error("uniform_ expects to return a [from, to) range, but found from={from} > to={to}")]
    UniformRange { from: f64, to: f64 },
    /// `uniform_` whose `to - from` overflows the dtype.
    #[error("uniform_ expects to-from <= std::numeric_limits<{dtype}>::max(), but found to={to} and from={from} which result in to-from to exceed the limit")]
    UniformOverflow {
        dtype: &'static str,
        from: f64,
        to: f64,
    },
    /// `normal_` with a negative standard deviation.
    #[error("normal expects std >= 0.0, but found std {std}")]
    NegativeStd { std: f64 },
    /// `random_`/`randint` with an empty range.
    #[error("random_ expects 'from' to be less than 'to', but got from={from} >= to={to}")]
    IntRange { from: i64, to: i64 },
    /// `bernoulli_` with `p` outside `[0, 1]`.
    #[error("bernoulli_ expects p to be in [0, 1], but got p={p}")]
    Probability { p: f64 },
    /// `exponential_` with a rate that is not positive.
    #[error("exponential_ expects lambda > 0.0, but found lambda={lambd}")]
    Lambda { lambd: f64 },
}

/// Which Box-Muller kernel PyTorch uses for 16 or more contiguous float32 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormalKernel {
    /// `normal_fill_16_AVX2`: cephes polynomials, fused multiply-add for `* std + mean`.
    Avx2,
    /// `normal_fill_16<float>`: the C library's `logf`, `cosf`, `sinf`.
    Libm,
}

impl NormalKernel {
    /// The kernel PyTorch picks on this CPU: AVX2 on x86-64 with AVX2 and FMA (its AVX2
    /// capability; AVX-512 CPUs fall back to it for `normal_`), the libm one elsewhere.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Self::Avx2;
            }
        }
        Self::Libm
    }
}

/// A CPU random generator equivalent to `torch.Generator()` (ATen's `CPUGeneratorImpl`).
#[derive(Clone)]
pub struct Generator {
    engine: Mt19937,
    /// The second Box-Muller sample of the last pair drawn by the pairwise kernel.
    next_normal: Option<f64>,
    kernel: NormalKernel,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("initial_seed", &self.initial_seed())
            .field("next_normal", &self.next_normal)
            .field("kernel", &self.kernel)
            .finish_non_exhaustive()
    }
}

impl Generator {
    /// A generator seeded like `torch.Generator().manual_seed(seed)`, using the normal kernel
    /// PyTorch would pick on this CPU.
    ///
    /// ```
    /// let mut g = tinytorch::random::Generator::new(0);
    /// // torch.manual_seed(0); torch.rand(1).item() == 0.49625658988952637
    /// assert_eq!(g.uniform_f32(1, 0.0, 1.0)?, vec![0.49625658988952637f64 as f32]);
    /// # Ok::<(), tinytorch::random::RandomError>(())
    /// ```
    pub fn new(seed: u64) -> Self {
        Self::with_kernel(seed, NormalKernel::detect())
    }

    /// A generator that uses `kernel` for large float32 normals, whatever this CPU is.
    pub fn with_kernel(seed: u64, kernel: NormalKernel) -> Self {
        Self {
            engine: Mt19937::new(seed),
            next_normal: None,
            kernel,
        }
    }

    /// Reseeds in place and drops the cached normal, like `torch.manual_seed`.
    pub fn manual_seed(&mut self, seed: u64) {
        self.engine = Mt19937::new(seed);
        self.next_normal = None;
    }

    /// The seed last set (`torch.initial_seed()`), all 64 bits, though only the low 32 seed the
    /// stream.
    pub fn initial_seed(&self) -> u64 {
        self.engine.seed()
    }

    /// The large-float32-normal kernel in use.
    pub fn normal_kernel(&self) -> NormalKernel {
        self.kernel
    }

    /// Chooses the large-float32-normal kernel, e.g. to match PyTorch on another machine.
    pub fn set_normal_kernel(&mut self, kernel: NormalKernel) {
        self.kernel = kernel;
    }

    /// One MT19937 output (ATen's `random()`).
    pub fn random_u32(&mut self) -> u32 {
        self.engine.next_u32()
    }

    /// Two MT19937 outputs, the first as the high word (ATen's `random64()`).
    pub fn random_u64(&mut self) -> u64 {
        let hi = u64::from(self.engine.next_u32());
        let lo = u64::from(self.engine.next_u32());
        (hi << 32) | lo
    }

    /// One float32 in `[0, 1)` from the low 24 bits of one draw.
    fn unit_f32(&mut self) -> f32 {
        unit_f32(self.random_u32())
    }

    /// One float64 in `[0, 1)` from the low 53 bits of a 64-bit draw.
    fn unit_f64(&mut self) -> f64 {
        (self.random_u64() & ((1 << 53) - 1)) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Fills `out` like `uniform_(low, high)` on a float32 tensor; `torch.rand` is `(0, 1)`.
    pub fn fill_uniform_f32(
        &mut self,
        out: &mut [f32],
        low: f64,
        high: f64,
    ) -> Result<(), RandomError> {
        let (from, to) = check_uniform(
            low,
            high,
            low as f32 as f64,
            high as f32 as f64,
            f32::MAX as f64,
            "float",
        )?;
        let (from, to) = (from as f32, to as f32);
        self.engine.fill_with(out, unit_f32);
        scale_in_place(out, from, to);
        Ok(())
    }

    /// `n` float32 values as `torch.empty(n).uniform_(low, high)`.
    pub fn uniform_f32(&mut self, n: usize, low: f64, high: f64) -> Result<Vec<f32>, RandomError> {
        let mut out = vec![0.0; n];
        self.fill_uniform_f32(&mut out, low, high)?;
        Ok(out)
    }

    /// Fills `out` like `uniform_(low, high)` on a float64 tensor.
    pub fn fill_uniform_f64(
        &mut self,
        out: &mut [f64],
        low: f64,
        high: f64,
    ) -> Result<(), RandomError> {
        let (from, to) = check_uniform(low, high, low, high, f64::MAX, "double")?;
        for v in out.iter_mut() {
            *v = self.unit_f64();
        }
        scale_in_place(out, from, to);
        Ok(())
    }

    /// `n` float64 values as `torch.empty(n, dtype=torch.float64).uniform_(low, high)`.
    pub fn uniform_f64(&mut self, n: usize, low: f64, high: f64) -> Result<Vec<f64>, RandomError> {
        let mut out = vec![0.0; n];
        self.fill_uniform_f64(&mut out, low, high)?;
        Ok(out)
    }

    /// `n` float16 values as `uniform_(low, high)`: the float32 kernel (24-bit draw, bounds
    /// cast from f64 to f32, fused multiply-add) rounded once to half; a value that rounds up to
    /// `high` becomes `low`.
    pub fn uniform_f16(&mut self, n: usize, low: f64, high: f64) -> Result<Vec<f16>, RandomError> {
        self.uniform_reduced(n, low, high, f16::MAX.to_f64(), "c10::Half", f16::from_f32)
    }

    /// `n` bfloat16 values as `uniform_(low, high)`, like [`Generator::uniform_f16`].
    pub fn uniform_bf16(
        &mut self,
        n: usize,
        low: f64,
        high: f64,
    ) -> Result<Vec<bf16>, RandomError> {
        self.uniform_reduced(
            n,
            low,
            high,
            bf16::MAX.to_f64(),
            "c10::BFloat16",
            bf16::from_f32,
        )
    }

    /// PyTorch computes half and bfloat16 uniforms in their "opmath" type, float32.
    fn uniform_reduced<T: Copy + PartialEq>(
        &mut self,
        n: usize,
        low: f64,
        high: f64,
        max: f64,
        dtype: &'static str,
        round: fn(f32) -> T,
    ) -> Result<Vec<T>, RandomError> {
        check_uniform(low, high, low as f32 as f64, high as f32 as f64, max, dtype)?;
        let (from, to) = (low as f32, high as f32);
        let width = to - from;
        let (from_t, to_t) = (round(from), round(to));
        Ok((0..n)
            .map(|_| clamp_to_from(round(self.unit_f32().mul_add(width, from)), from_t, to_t))
            .collect())
    }

    /// One value of the pairwise Box-Muller kernel (`at::normal_distribution<double>`),
    /// consuming or refilling the cached second sample.
    fn pairwise_normal(&mut self, mean: f64, std: f64) -> f64 {
        let z = match self.next_normal.take() {
            Some(z) => z,
            None => {
                let u1 = self.unit_f64();
                let u2 = self.unit_f64();
                let r = (-2.0 * (-u2).ln_1p()).sqrt();
                let theta = 2.0 * std::f64::consts::PI * u1;
                self.next_normal = Some(r * theta.sin());
                r * theta.cos()
            }
        };
        z.mul_add(std, mean)
    }

    /// Fills `out` like `normal_(mean, std)` on a contiguous float32 tensor (`torch.randn` is
    /// `(0, 1)`): fewer than 16 values take the pairwise kernel (computed in f64, rounded to
    /// f32, sharing the cached sample); 16 or more the blocked kernel chosen by
    /// [`NormalKernel`]. See the `normal` module for the exact draw order.
    pub fn fill_normal_f32(
        &mut self,
        out: &mut [f32],
        mean: f64,
        std: f64,
    ) -> Result<(), RandomError> {
        check_std(std)?;
        if out.len() < 16 {
            return self.fill_normal_f32_strided(out, mean, std);
        }
        let blocks = match self.kernel {
            NormalKernel::Avx2 => normal::blocks_f32_avx2,
            NormalKernel::Libm => normal::blocks_f32_libm,
        };
        let (mean, std) = (mean as f32, std as f32);
        self.engine.fill_with(out, unit_f32);
        blocks(out, mean, std);
        if out.len() % 16 != 0 {
            let tail = out.len() - 16;
            self.engine.fill_with(&mut out[tail..], unit_f32);
            blocks(&mut out[tail..], mean, std);
        }
        Ok(())
    }

    /// Fills `out`, the elements of a non-contiguous float32 tensor in TensorIterator order,
    /// like `normal_(mean, std)`: always the pairwise kernel, whatever the size.
    pub fn fill_normal_f32_strided(
        &mut self,
        out: &mut [f32],
        mean: f64,
        std: f64,
    ) -> Result<(), RandomError> {
        check_std(std)?;
        for v in out {
            *v = self.pairwise_normal(mean, std) as f32;
        }
        Ok(())
    }

    /// `n` float32 values as `torch.randn(n) * std + mean` would be drawn by `normal_`.
    pub fn normal_f32(&mut self, n: usize, mean: f64, std: f64) -> Result<Vec<f32>, RandomError> {
        let mut out = vec![0.0; n];
        self.fill_normal_f32(&mut out, mean, std)?;
        Ok(out)
    }

    /// Fills `out` like `normal_(mean, std)` on a contiguous float64 tensor: pairwise below 16
    /// values, the blocked libm kernel (53-bit uniforms) from 16.
    pub fn fill_normal_f64(
        &mut self,
        out: &mut [f64],
        mean: f64,
        std: f64,
    ) -> Result<(), RandomError> {
        check_std(std)?;
        if out.len() < 16 {
            return self.fill_normal_f64_strided(out, mean, std);
        }
        for v in out.iter_mut() {
            *v = self.unit_f64();
        }
        normal::blocks_f64(out, mean, std);
        if out.len() % 16 != 0 {
            let tail = out.len() - 16;
            for v in &mut out[tail..] {
                *v = self.unit_f64();
            }
            normal::blocks_f64(&mut out[tail..], mean, std);
        }
        Ok(())
    }

    /// Fills `out`, a non-contiguous float64 tensor in TensorIterator order: pairwise kernel.
    pub fn fill_normal_f64_strided(
        &mut self,
        out: &mut [f64],
        mean: f64,
        std: f64,
    ) -> Result<(), RandomError> {
        check_std(std)?;
        for v in out {
            *v = self.pairwise_normal(mean, std);
        }
        Ok(())
    }

    /// `n` float64 values as `torch.empty(n, dtype=torch.float64).normal_(mean, std)`.
    pub fn normal_f64(&mut self, n: usize, mean: f64, std: f64) -> Result<Vec<f64>, RandomError> {
        let mut out = vec![0.0; n];
        self.fill_normal_f64(&mut out, mean, std)?;
        Ok(out)
    }

    /// `n` integers as `torch.randint(low, high, (n,))`: `low + draw % (high - low)`, with a
    /// 64-bit draw once the range reaches `2^28` (PyTorch's bound on modulo skew).
    pub fn randint(&mut self, n: usize, low: i64, high: i64) -> Result<Vec<i64>, RandomError> {
        if low >= high {
            return Err(RandomError::IntRange {
                from: low,
                to: high,
            });
        }
        // Two's complement makes this exact even when `high - low` exceeds i64::MAX.
        let range = high.wrapping_sub(low) as u64;
        Ok((0..n)
            .map(|_| {
                let draw = if range >= 1 << 28 {
                    self.random_u64()
                } else {
                    u64::from(self.random_u32())
                };
                low.wrapping_add((draw % range) as i64)
            })
            .collect())
    }

    /// A permutation of `0..n` as `torch.randperm(n)` on the CPU.
    pub fn randperm(&mut self, n: usize) -> Vec<i64> {
        let mut out: Vec<i64> = (0..n as i64).collect();
        if (n as u64) < u64::from(u32::MAX / 20) {
            // Forward Fisher-Yates: slot i takes a uniformly chosen slot from i..n.
            for i in 0..n.saturating_sub(1) {
                let z = u64::from(self.random_u32()) % (n - i) as u64;
                out.swap(i, i + z as usize);
            }
        } else {
            // Huge n: PyTorch's "inside-out" variant with 64-bit draws, against modulo skew.
            for i in 0..n {
                let z = (self.random_u64() % (i as u64 + 1)) as usize;
                out[i] = out[z];
                out[z] = i as i64;
            }
        }
        out
    }

    /// `n` float32 values of `torch.empty(n).bernoulli_(p)`: `1.0` where a 53-bit uniform is
    /// below `p`. `F.dropout(x, p)` on the CPU is `x * bernoulli_(1 - p) / (1 - p)`.
    pub fn bernoulli_f32(&mut self, n: usize, p: f64) -> Result<Vec<f32>, RandomError> {
        let mut out = vec![0.0; n];
        self.fill_bernoulli_f32(&mut out, p, 1.0)?;
        Ok(out)
    }

    /// Fills `out` with `value` where [`Generator::bernoulli_f32`] would draw `1.0` and `0.0`
    /// elsewhere (the same draws: two words per element), a run of words at a time.
    pub fn fill_bernoulli_f32(
        &mut self,
        out: &mut [f32],
        p: f64,
        value: f32,
    ) -> Result<(), RandomError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(RandomError::Probability { p });
        }
        // The uniform is m * 2^-53 for the low 53 bits m of a 64-bit draw (exact), so
        // `uniform < p` is the integer test `m < ceil(p * 2^53)` (scaling by 2^53 is exact).
        const BITS53: u64 = (1 << 53) - 1;
        let below = (p * 9_007_199_254_740_992.0).ceil() as u64;
        const RUN: usize = 2048;
        let mut words = [0u32; 2 * RUN];
        for run in out.chunks_mut(RUN) {
            let w = &mut words[..2 * run.len()];
            self.engine.fill_with(w, |x| x);
            for (o, pair) in run.iter_mut().zip(w.chunks_exact(2)) {
                let m = ((u64::from(pair[0]) << 32) | u64::from(pair[1])) & BITS53;
                *o = if m < below { value } else { 0.0 };
            }
        }
        Ok(())
    }

    /// `torch.bernoulli(probs)` for float32 probabilities: `1.0` where a 24-bit uniform is below
    /// the element's `p` (compared in f32).
    pub fn bernoulli_from_f32(&mut self, probs: &[f32]) -> Result<Vec<f32>, RandomError> {
        if let Some(&p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(RandomError::Probability { p: p.into() });
        }
        Ok(probs
            .iter()
            .map(|&p| f32::from(u8::from(self.unit_f32() < p)))
            .collect())
    }

    /// `n` values of `torch.empty(n).exponential_(lambd)` in float64: PyTorch's CPU kernel draws
    /// a 53-bit uniform `u` per element and returns `-1 / lambd * log1p(-u)` (float32 tensors
    /// round this double).
    pub fn exponential_f64(&mut self, n: usize, lambd: f64) -> Result<Vec<f64>, RandomError> {
        if lambd.is_nan() || lambd <= 0.0 {
            return Err(RandomError::Lambda { lambd });
        }
        Ok((0..n)
            .map(|_| -1.0 / lambd * (-self.unit_f64()).ln_1p())
            .collect())
    }

    /// One draw of `torch.multinomial(probs, n, replacement=True)`'s uniform: 53 bits.
    pub fn uniform_unit_f64(&mut self) -> f64 {
        self.unit_f64()
    }

    /// `torch.bernoulli(probs)` for float64 probabilities: 53-bit uniforms.
    pub fn bernoulli_from_f64(&mut self, probs: &[f64]) -> Result<Vec<f64>, RandomError> {
        if let Some(&p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(RandomError::Probability { p });
        }
        Ok(probs
            .iter()
            .map(|&p| f64::from(u8::from(self.unit_f64() < p)))
            .collect())
    }
}

fn check_std(std: f64) -> Result<(), RandomError> {
    if std < 0.0 {
        return Err(RandomError::NegativeStd { std });
    }
    Ok(())
}

/// The bound `torch.nn.init.kaiming_uniform_(w, a)` samples within for fan-in `fan_in`
/// (leaky-ReLU gain, `mode="fan_in"`), computed with Python's exact expression
/// `sqrt(3) * (sqrt(2 / (1 + a**2)) / sqrt(fan_in))`, so that `nn.Linear`'s
/// `a = sqrt(5)` gives PyTorch's float64 bound bit for bit.
pub fn kaiming_uniform_bound(fan_in: usize, a: f64) -> f64 {
    let gain = (2.0 / (1.0 + a * a)).sqrt();
    3.0f64.sqrt() * (gain / (fan_in as f64).sqrt())
}

/// The process-wide generator behind `torch.manual_seed`, `torch.rand` and friends.
static DEFAULT: OnceLock<Mutex<Generator>> = OnceLock::new();

/// Locks the default generator. Like PyTorch's, it starts from a nondeterministic seed until
/// [`manual_seed`] is called. A panic while it was held does not poison it: the state is plain
/// numbers, valid after any partial draw.
pub fn default_generator() -> MutexGuard<'static, Generator> {
    DEFAULT
        .get_or_init(|| Mutex::new(Generator::new(nondeterministic_seed())))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `torch.manual_seed(seed)` for the default generator.
pub fn manual_seed(seed: u64) {
    default_generator().manual_seed(seed);
}

/// A seed from the OS-seeded keys of the standard library's `RandomState`.
/// A seed from the clock and the process (what an unseeded generator starts from).
pub fn nondeterministic_seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x7472_6e67);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rand_after_seed_zero_matches_pytorch() {
        // torch.manual_seed(0); torch.rand(3) -> tensor([0.4963, 0.7682, 0.0885])
        let mut g = Generator::new(0);
        let v = g.uniform_f32(3, 0.0, 1.0).unwrap();
        // The values as `tolist()` prints them, float32 widened exactly to float64.
        let torch = [
            0.496_256_589_889_526_37,
            0.768_221_795_558_929_4,
            0.088_477_432_727_813_72,
        ];
        assert_eq!(v, torch.map(|x: f64| x as f32));
    }

    #[test]
    fn manual_seed_resets_stream_and_cache() {
        let mut g = Generator::new(3);
        let first = g.normal_f32(1, 0.0, 1.0).unwrap();
        g.manual_seed(3);
        assert_eq!(g.normal_f32(1, 0.0, 1.0).unwrap(), first);
    }

    #[test]
    fn bad_arguments_are_errors() {
        let mut g = Generator::new(0);
        assert_eq!(
            g.randint(1, 5, 5).unwrap_err().to_string(),
            "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"
        );
        assert!(g.uniform_f32(1, 2.0, 1.0).is_err());
        assert!(g.uniform_f32(1, -3e38, 3e38).is_err());
        assert!(g.normal_f64(1, 0.0, -1.0).is_err());
        assert!(g.bernoulli_f32(1, 1.5).is_err());
        assert!(g.bernoulli_from_f32(&[f32::NAN]).is_err());
    }

    #[test]
    fn full_i64_range_randint_does_not_overflow() {
        let mut g = Generator::new(0);
        let v = g.randint(100, i64::MIN, i64::MAX).unwrap();
        assert!(v.iter().all(|&x| x < i64::MAX));
    }

    #[test]
    fn randperm_is_a_permutation() {
        let mut g = Generator::new(0);
        for n in [0, 1, 2, 10, 1000] {
            let mut p = g.randperm(n);
            p.sort_unstable();
            assert_eq!(p, (0..n as i64).collect::<Vec<_>>());
        }
    }

    #[test]
    fn linear_bound_is_pythons() {
        // Python: math.sqrt(3.0) * (math.sqrt(2.0 / (1 + math.sqrt(5) ** 2)) / math.sqrt(4))
        // == 0.49999999999999994, one ulp below the 0.5 that 1 / sqrt(4) gives.
        assert_eq!(
            kaiming_uniform_bound(4, 5f64.sqrt()),
            0.499_999_999_999_999_94
        );
    }

    #[test]
    fn default_generator_follows_manual_seed() {
        manual_seed(0);
        let v = default_generator().uniform_f32(1, 0.0, 1.0).unwrap();
        assert_eq!(v, vec![0.496_256_589_889_526_37f64 as f32]);
        assert_eq!(default_generator().initial_seed(), 0);
    }
}
