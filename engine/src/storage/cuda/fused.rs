//! Launchers of the fused row kernels (`softmax_rows`, `norm_rows` in
//! reduce.cu; `dropout` in random.cu), CUDA's answers to the defaulted
//! `Backend::{softmax_last, norm_last, dropout}` (the CPU keeps the
//! defaults, and ops and nn run their composites there).

use cudarc::driver::PushKernelArg;

use super::context::cuda_err;
use super::launch as cfg;
use super::CudaStorage;
use crate::layout::Layout;
use crate::storage::Backend;
use crate::{DType, Error, Result};

fn float_only(op: &'static str, s: &CudaStorage) -> Result<()> {
    if matches!(
        Backend::dtype(s),
        DType::F32 | DType::F64 | DType::F16 | DType::BF16
    ) {
        Ok(())
    } else {
        Err(Error::Unsupported {
            op,
            dtype: Backend::dtype(s),
            device: s.device(),
        })
    }
}

impl CudaStorage {
    /// Softmax (or log_softmax) over the last dim of `layout`, one block per
    /// row, computed in acc_t and rounded once.
    pub(crate) fn softmax_rows(&self, layout: &Layout, log: bool) -> Result<CudaStorage> {
        float_only("softmax", self)?;
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let n = layout.numel();
        let len = layout.shape().last().copied().unwrap_or(1).max(1);
        let rows = n / len;
        let mut out = Self::empty(&g, n, Backend::dtype(self))?;
        if n > 0 {
            let f = g.function("reduce", Backend::dtype(self), "softmax_rows")?;
            let (len64, lg) = (len as i64, log as i32);
            let mut b = g.stream.launch_builder(&f);
            b.arg(src.slice());
            b.arg(out.slice_mut()?);
            b.arg(&len64);
            b.arg(&lg);
            // SAFETY: the arguments match the kernel's C signature in order
            // (kernels/*.cu), and every buffer holds the elements it indexes.
            unsafe { b.launch(cfg::rows(rows)?) }.map_err(cuda_err)?;
        }
        Ok(out)
    }

    /// Layer norm (`rms` false) or RMS norm over rows of `len` trailing
    /// elements, no affine: (normalised x, per-row mean (0 for RMS), per-row
    /// rstd), the statistics in float32.
    pub(crate) fn norm_rows(
        &self,
        layout: &Layout,
        len: usize,
        eps: f64,
        rms: bool,
    ) -> Result<(CudaStorage, CudaStorage, CudaStorage)> {
        float_only("layer_norm", self)?;
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let n = layout.numel();
        let rows = n.checked_div(len).unwrap_or(0);
        let mut out = Self::empty(&g, n, Backend::dtype(self))?;
        let mut mean = Self::empty(&g, rows, DType::F32)?;
        let mut rstd = Self::empty(&g, rows, DType::F32)?;
        if n > 0 {
            let f = g.function("reduce", Backend::dtype(self), "norm_rows")?;
            let (len64, r) = (len as i64, rms as i32);
            let mut b = g.stream.launch_builder(&f);
            b.arg(src.slice());
            b.arg(out.slice_mut()?);
            b.arg(mean.slice_mut()?);
            b.arg(rstd.slice_mut()?);
            b.arg(&len64);
            b.arg(&eps);
            b.arg(&r);
            // SAFETY: the arguments match the kernel's C signature in order
            // (kernels/*.cu), and every buffer holds the elements it indexes.
            unsafe { b.launch(cfg::rows(rows)?) }.map_err(cuda_err)?;
        }
        Ok((out, mean, rstd))
    }

    /// Dropout with the Philox stream at (`seed`, `offset`): (output, mask),
    /// the mask holding 1 / (1 - p) where kept and 0 elsewhere.
    pub(crate) fn dropout_philox(
        &self,
        layout: &Layout,
        p: f64,
        seed: u64,
        offset: u64,
    ) -> Result<(CudaStorage, CudaStorage)> {
        float_only("dropout", self)?;
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let n = layout.numel();
        let mut out = Self::empty(&g, n, Backend::dtype(self))?;
        let mut mask = Self::empty(&g, n, Backend::dtype(self))?;
        if n > 0 {
            let f = g.function("random", Backend::dtype(self), "dropout")?;
            let n64 = n as i64;
            let mut b = g.stream.launch_builder(&f);
            b.arg(src.slice());
            b.arg(out.slice_mut()?);
            b.arg(mask.slice_mut()?);
            b.arg(&n64);
            b.arg(&seed);
            b.arg(&offset);
            b.arg(&p);
            // SAFETY: the arguments match the kernel's C signature in order
            // (kernels/*.cu), and every buffer holds the elements it indexes.
            unsafe { b.launch(cfg::elementwise(n)) }.map_err(cuda_err)?;
        }
        Ok((out, mask))
    }
}
