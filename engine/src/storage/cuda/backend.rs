//! `CudaStorage`: a device buffer from the caching allocator plus its dtype,
//! and the `Backend` impl that launches the NVRTC kernels of kernels/ and
//! cuBLAS. Buffers are shared on clone and copied before a write when shared
//! (copy-on-write), which keeps `Storage: Clone` infallible and value-like.
//! Inputs that a kernel reads flat are first made contiguous on the device.

use std::fmt;
use std::sync::Arc;

use cudarc::driver::{CudaSlice, DeviceRepr, PushKernelArg};
use half::{bf16, f16};

use super::alloc::{alloc, DeviceBuffer};
use super::context::{cuda_err, gpu, Gpu};
use super::kernels::reduce_code;
use super::launch::{self, shape_arg, strided};
use crate::storage::cpu::CpuStorage;
use crate::storage::{Backend, BinaryOp, ReduceOp, UnaryOp, Window2d};

/// The longest line `sort_block` takes (kernels/sort.cu's SORT_BLOCK_MAX).
const SORT_BLOCK_MAX: usize = 2048;
use crate::{DType, Device, Error, Layout, Result};

#[derive(Clone)]
pub struct CudaStorage {
    buf: Arc<DeviceBuffer>,
    dtype: DType,
    len: usize,
}

impl fmt::Debug for CudaStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CudaStorage({}, {}, {} elements)",
            self.buf.gpu.device(),
            self.dtype.name(),
            self.len
        )
    }
}

/// Mirrors `struct Window` in kernels/conv.cu.
#[repr(C)]
#[derive(Clone, Copy)]
struct WindowArg([i64; 14]);
// SAFETY: plain data with the C layout the kernels declare.
unsafe impl DeviceRepr for WindowArg {}

fn window(g: &Window2d) -> WindowArg {
    WindowArg(
        [
            g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow,
        ]
        .map(|v| v as i64),
    )
}

/// Host bytes of a CPU buffer, in the device's element encoding.
fn host_bytes(c: &CpuStorage) -> Vec<u8> {
    match c {
        CpuStorage::Bool(v) => v.iter().map(|&b| b as u8).collect(),
        CpuStorage::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::F16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        CpuStorage::BF16(v) => v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect(),
        CpuStorage::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        CpuStorage::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

fn from_host_bytes(dtype: DType, b: &[u8]) -> CpuStorage {
    fn chunks<const N: usize, T>(b: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        b.chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunks_exact yields N bytes")))
            .collect()
    }
    match dtype {
        DType::Bool => CpuStorage::Bool(b.iter().map(|&x| x != 0).collect()),
        DType::I32 => CpuStorage::I32(chunks(b, i32::from_le_bytes)),
        DType::I64 => CpuStorage::I64(chunks(b, i64::from_le_bytes)),
        DType::F16 => CpuStorage::F16(chunks(b, |c| f16::from_bits(u16::from_le_bytes(c)))),
        DType::BF16 => CpuStorage::BF16(chunks(b, |c| bf16::from_bits(u16::from_le_bytes(c)))),
        DType::F32 => CpuStorage::F32(chunks(b, f32::from_le_bytes)),
        DType::F64 => CpuStorage::F64(chunks(b, f64::from_le_bytes)),
    }
}

fn cast_kernel(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "cast_f32",
        DType::F64 => "cast_f64",
        DType::F16 => "cast_f16",
        DType::BF16 => "cast_bf16",
        DType::I32 => "cast_i32",
        DType::I64 => "cast_i64",
        DType::Bool => "cast_bool",
    }
}

/// [outer, dim, inner] sizes of `shape` around `dim`.
fn split(shape: &[usize], dim: usize) -> (usize, usize, usize) {
    (
        shape[..dim].iter().product(),
        shape[dim],
        shape[dim + 1..].iter().product(),
    )
}

macro_rules! launch {
    ($gpu:expr, $f:expr, $cfg:expr, $($arg:expr),+ $(,)?) => {{
        let mut b = $gpu.stream.launch_builder(&$f);
        $(b.arg($arg);)+
        // SAFETY: the argument list matches the kernel's C signature
        // (checked by name and order against kernels/*.cu), and every
        // buffer holds the elements the kernel indexes.
        unsafe { b.launch($cfg) }.map_err(cuda_err)?;
    }};
}

impl CudaStorage {
    /// Reads the strided view `layout` into a new contiguous buffer of
    /// `dtype` with the `elementwise` family's kernel `name` (a copy or a
    /// cast), one thread per element.
    fn gather_strided(&self, layout: &Layout, dtype: DType, name: &str) -> Result<Self> {
        let g = self.gpu().clone();
        let n = layout.numel();
        let mut out = Self::empty(&g, n, dtype)?;
        if n > 0 {
            let f = g.function("elementwise", self.dtype, name)?;
            let (xs, n64) = (strided(layout)?, n as i64);
            launch!(
                g,
                f,
                launch::elementwise(n),
                self.slice(),
                &xs,
                out.slice_mut()?,
                &n64
            );
        }
        Ok(out)
    }

    pub(super) fn gpu(&self) -> &Arc<Gpu> {
        &self.buf.gpu
    }

    pub(super) fn slice(&self) -> &CudaSlice<u8> {
        self.buf.slice()
    }

    pub(super) fn empty(gpu: &Arc<Gpu>, len: usize, dtype: DType) -> Result<Self> {
        let bytes = len
            .checked_mul(dtype.size_in_bytes())
            .ok_or(Error::OutOfMemory {
                bytes: u128::MAX,
                device: gpu.device(),
            })?;
        Ok(CudaStorage {
            buf: Arc::new(alloc(gpu, bytes)?),
            dtype,
            len,
        })
    }

    /// The buffer for writing: copied first when another storage shares it.
    pub(super) fn slice_mut(&mut self) -> Result<&mut CudaSlice<u8>> {
        if Arc::get_mut(&mut self.buf).is_none() {
            let copy = self.copy_strided(&Layout::contiguous(&[self.len]))?;
            self.buf = copy.buf;
        }
        Ok(Arc::get_mut(&mut self.buf)
            .expect("the buffer was just made unshared")
            .slice_mut())
    }

    fn zeroed(gpu: &Arc<Gpu>, len: usize, dtype: DType) -> Result<Self> {
        let mut s = Self::empty(gpu, len, dtype)?;
        let g = gpu.clone();
        g.stream.memset_zeros(s.slice_mut()?).map_err(cuda_err)?;
        Ok(s)
    }

    /// `n` copies of `value` on device `ordinal`.
    pub fn full(n: usize, value: f64, dtype: DType, ordinal: usize) -> Result<Self> {
        let g = gpu(ordinal)?;
        let mut out = Self::empty(&g, n, dtype)?;
        let f = g.function("elementwise", dtype, "fill")?;
        let n64 = n as i64;
        launch!(g, f, launch::elementwise(n), out.slice_mut()?, &n64, &value);
        Ok(out)
    }

    /// Copies a host buffer to device `ordinal`.
    pub fn from_cpu(cpu: &CpuStorage, ordinal: usize) -> Result<Self> {
        let g = gpu(ordinal)?;
        let mut out = Self::empty(&g, cpu.len(), cpu.dtype())?;
        let bytes = host_bytes(cpu);
        if !bytes.is_empty() {
            g.stream
                .memcpy_htod(&bytes, &mut out.slice_mut()?.slice_mut(..bytes.len()))
                .map_err(cuda_err)?;
        }
        Ok(out)
    }

    /// Whether `l` addresses exactly this whole buffer in order.
    fn is_whole(&self, l: &Layout) -> bool {
        l.is_contiguous() && l.offset() == 0 && l.numel() == self.len
    }

    /// `self` when `l` is the whole buffer, else a contiguous copy.
    pub(super) fn contiguous(&self, l: &Layout) -> Result<CudaStorage> {
        if self.is_whole(l) {
            Ok(self.clone())
        } else {
            self.copy_strided(l)
        }
    }

    /// Reads the kernels' error flag (a sync point): set means an index was
    /// out of range.
    fn check_flag(g: &Arc<Gpu>, flag: &CudaStorage, op: &str) -> Result<()> {
        let v = g
            .stream
            .clone_dtoh(&flag.slice().slice(..4))
            .map_err(cuda_err)?;
        if v.iter().any(|&b| b != 0) {
            return Err(Error::invalid(format!("{op}: index out of range in self")));
        }
        Ok(())
    }

    fn unary_bool(&self, layout: &Layout, op: UnaryOp) -> Result<Self> {
        let g = self.gpu().clone();
        let n = layout.numel();
        let mut out = Self::empty(&g, n, DType::Bool)?;
        let f = g.function("elementwise", self.dtype, "unary_bool")?;
        let (xs, n64, code) = (strided(layout)?, n as i64, op.code());
        launch!(
            g,
            f,
            launch::elementwise(n),
            self.slice(),
            &xs,
            out.slice_mut()?,
            &n64,
            &code
        );
        Ok(out)
    }

    fn reduce_rows(&self, rows: usize, len: usize, op: ReduceOp) -> Result<Self> {
        let g = self.gpu().clone();
        let (name, dtype) = match op {
            ReduceOp::ArgMax | ReduceOp::ArgMin => ("reduce_rows_arg", DType::I64),
            ReduceOp::Any | ReduceOp::All => ("reduce_rows_bool", DType::Bool),
            _ => ("reduce_rows", self.dtype),
        };
        let mut out = Self::empty(&g, rows, dtype)?;
        if rows == 0 {
            return Ok(out);
        }
        let f = g.function("reduce", self.dtype, name)?;
        let (len64, code) = (len as i64, reduce_code(op));
        launch!(
            g,
            f,
            launch::rows(rows)?,
            self.slice(),
            out.slice_mut()?,
            &len64,
            &code
        );
        Ok(out)
    }
}

impl CudaStorage {
    /// `im2col` or `col2im` (the `conv` family's kernel `name`): one thread
    /// per element of the `n`-element output.
    fn fold_kernel(&self, layout: &Layout, g: &Window2d, name: &str, n: usize) -> Result<Self> {
        let gpu = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let mut out = Self::empty(&gpu, n, self.dtype)?;
        if n > 0 {
            let f = gpu.function("conv", self.dtype, name)?;
            let w = window(g);
            launch!(
                gpu,
                f,
                launch::elementwise(n),
                src.slice(),
                out.slice_mut()?,
                &w
            );
        }
        Ok(out)
    }
}

impl Backend for CudaStorage {
    fn device(&self) -> Device {
        self.gpu().device()
    }

    fn dtype(&self) -> DType {
        self.dtype
    }

    fn len(&self) -> usize {
        self.len
    }

    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage> {
        let src = self.contiguous(layout)?;
        let nbytes = layout.numel() * self.dtype.size_in_bytes();
        if nbytes == 0 {
            return Ok(from_host_bytes(self.dtype, &[]));
        }
        let bytes = self
            .gpu()
            .stream
            .clone_dtoh(&src.slice().slice(..nbytes))
            .map_err(cuda_err)?;
        Ok(from_host_bytes(self.dtype, &bytes))
    }

    fn copy_strided(&self, layout: &Layout) -> Result<Self> {
        self.gather_strided(layout, self.dtype, "copy_strided")
    }

    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Self> {
        self.gather_strided(layout, dtype, cast_kernel(dtype))
    }

    fn copy_into(&mut self, dst: &Layout, src: &Self, src_layout: &Layout) -> Result<()> {
        let g = self.gpu().clone();
        let n = dst.numel();
        if n == 0 {
            return Ok(());
        }
        let f = g.function("elementwise", self.dtype, "copy_into")?;
        // The source may share this buffer (x[1:] = x[:-1]): read a copy.
        let src = src.copy_strided(src_layout)?;
        let (ss, ds, n64) = (strided(&Layout::contiguous(&[n]))?, strided(dst)?, n as i64);
        launch!(
            g,
            f,
            launch::elementwise(n),
            src.slice(),
            &ss,
            self.slice_mut()?,
            &ds,
            &n64
        );
        Ok(())
    }

    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self> {
        if op.row().test {
            return self.unary_bool(layout, op);
        }
        let g = self.gpu().clone();
        let n = layout.numel();
        let mut out = Self::empty(&g, n, self.dtype)?;
        if n > 0 {
            let f = g.function("elementwise", self.dtype, "unary")?;
            let (code, [p0, p1, p2]) = (op.code(), op.params());
            let (xs, n64) = (strided(layout)?, n as i64);
            launch!(
                g,
                f,
                launch::elementwise(n),
                self.slice(),
                &xs,
                out.slice_mut()?,
                &n64,
                &code,
                &p0,
                &p1,
                &p2
            );
        }
        Ok(out)
    }

    fn binary(
        &self,
        layout: &Layout,
        rhs: &Self,
        rhs_layout: &Layout,
        op: BinaryOp,
    ) -> Result<Self> {
        let g = self.gpu().clone();
        let n = layout.numel();
        let (name, dtype) = if op.bool_output() {
            ("compare", DType::Bool)
        } else {
            ("binary", self.dtype)
        };
        let mut out = Self::empty(&g, n, dtype)?;
        if n > 0 {
            let f = g.function("elementwise", self.dtype, name)?;
            let (a, b) = (strided(layout)?, strided(rhs_layout)?);
            let (n64, code) = (n as i64, op.code());
            launch!(
                g,
                f,
                launch::elementwise(n),
                self.slice(),
                &a,
                rhs.slice(),
                &b,
                out.slice_mut()?,
                &n64,
                &code
            );
        }
        Ok(out)
    }

    fn where_cond(
        &self,
        layout: &Layout,
        a: &Self,
        al: &Layout,
        b: &Self,
        bl: &Layout,
    ) -> Result<Self> {
        let g = self.gpu().clone();
        let n = layout.numel();
        let mut out = Self::empty(&g, n, a.dtype)?;
        if n > 0 {
            let f = g.function("elementwise", a.dtype, "where_cond")?;
            let (cs, as_, bs, n64) = (strided(layout)?, strided(al)?, strided(bl)?, n as i64);
            launch!(
                g,
                f,
                launch::elementwise(n),
                self.slice(),
                &cs,
                a.slice(),
                &as_,
                b.slice(),
                &bs,
                out.slice_mut()?,
                &n64
            );
        }
        Ok(out)
    }

    fn reduce(&self, layout: &Layout, op: ReduceOp, dims: &[usize]) -> Result<Self> {
        // Kept dims first, reduced dims last: then each output is one
        // contiguous row of the permuted copy.
        let nd = layout.ndim();
        let mut perm: Vec<usize> = (0..nd).filter(|d| !dims.contains(d)).collect();
        let rows: usize = perm.iter().map(|&d| layout.shape()[d]).product();
        perm.extend(dims.iter().copied());
        let len: usize = dims.iter().map(|&d| layout.shape()[d]).product();
        let src = self.contiguous(&layout.permute(&perm)?)?;
        src.reduce_rows(rows, len, op)
    }

    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self> {
        super::blas::matmul(self, layout, rhs, rhs_layout)
    }

    fn index_select(
        &self,
        layout: &Layout,
        dim: usize,
        idx: &Self,
        idx_layout: &Layout,
    ) -> Result<Self> {
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let ids = idx.contiguous(idx_layout)?;
        let (outer, d, inner) = split(layout.shape(), dim);
        let nidx = idx_layout.numel();
        let n = outer * nidx * inner;
        let mut out = Self::empty(&g, n, self.dtype)?;
        if n > 0 {
            let mut flag = Self::zeroed(&g, 1, DType::I32)?;
            let f = g.function("index", self.dtype, "index_select")?;
            let a = [outer, d, inner, nidx].map(|v| v as i64);
            launch!(
                g,
                f,
                launch::elementwise(n),
                src.slice(),
                ids.slice(),
                out.slice_mut()?,
                &a[0],
                &a[1],
                &a[2],
                &a[3],
                flag.slice_mut()?
            );
            Self::check_flag(&g, &flag, "index_select")?;
        }
        Ok(out)
    }

    fn gather(&self, layout: &Layout, dim: usize, idx: &Self, idx_layout: &Layout) -> Result<Self> {
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let ids = idx.contiguous(idx_layout)?;
        let n = idx_layout.numel();
        let mut out = Self::empty(&g, n, self.dtype)?;
        if n > 0 {
            let mut flag = Self::zeroed(&g, 1, DType::I32)?;
            let f = g.function("index", self.dtype, "gather")?;
            let (ss, is) = (shape_arg(layout.shape())?, shape_arg(idx_layout.shape())?);
            let (n64, d) = (n as i64, dim as i32);
            launch!(
                g,
                f,
                launch::elementwise(n),
                src.slice(),
                &ss,
                ids.slice(),
                &is,
                out.slice_mut()?,
                &n64,
                &d,
                flag.slice_mut()?
            );
            Self::check_flag(&g, &flag, "gather")?;
        }
        Ok(out)
    }

    fn scatter(
        &mut self,
        shape: &[usize],
        dim: usize,
        idx: &Self,
        idx_layout: &Layout,
        src: &Self,
        src_layout: &Layout,
        accumulate: bool,
    ) -> Result<()> {
        let g = self.gpu().clone();
        let n = idx_layout.numel();
        if n == 0 {
            return Ok(());
        }
        let ids = idx.contiguous(idx_layout)?;
        // src is read at idx's positions: view it with idx's shape.
        let sl = Layout::new(
            idx_layout.shape().to_vec(),
            src_layout.strides().to_vec(),
            src_layout.offset(),
        );
        let (ds, is, ss) = (
            shape_arg(shape)?,
            shape_arg(idx_layout.shape())?,
            strided(&sl)?,
        );
        let (n64, d, acc) = (n as i64, dim as i32, accumulate as i32);
        let mut flag = Self::zeroed(&g, 1, DType::I32)?;
        let f = g.function("index", self.dtype, "scatter")?;
        launch!(
            g,
            f,
            launch::elementwise(n),
            self.slice_mut()?,
            &ds,
            ids.slice(),
            &is,
            src.slice(),
            &ss,
            &n64,
            &d,
            &acc,
            flag.slice_mut()?
        );
        Self::check_flag(&g, &flag, "scatter")
    }

    fn cumsum(&self, layout: &Layout, dim: usize) -> Result<Self> {
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let n = layout.numel();
        let mut out = Self::empty(&g, n, self.dtype)?;
        if n > 0 {
            let (o, l, i) = split(layout.shape(), dim);
            let a = [o, l, i].map(|v| v as i64);
            let f = g.function("index", self.dtype, "cumsum")?;
            launch!(
                g,
                f,
                launch::elementwise(o * i),
                src.slice(),
                out.slice_mut()?,
                &a[0],
                &a[1],
                &a[2]
            );
        }
        Ok(out)
    }

    fn sort(&self, layout: &Layout, dim: usize, descending: bool) -> Result<(Self, Self)> {
        let g = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let n = layout.numel();
        let mut vals = Self::empty(&g, n, self.dtype)?;
        let mut ids = Self::empty(&g, n, DType::I64)?;
        if n > 0 {
            let (o, l, i) = split(layout.shape(), dim);
            let a = [o, l, i].map(|v| v as i64);
            let desc = descending as i32;
            // lines of up to SORT_BLOCK_MAX (sort.cu) sort block-wide in shared
            // memory; longer ones one thread per line (insertion, O(len^2))
            let (name, cfg) = match launch::rows(o * i) {
                Ok(cfg) if (2..=SORT_BLOCK_MAX).contains(&l) => ("sort_block", cfg),
                _ => ("sort_lines", launch::elementwise(o * i)),
            };
            let f = g.function("sort", self.dtype, name)?;
            launch!(
                g,
                f,
                cfg,
                src.slice(),
                vals.slice_mut()?,
                ids.slice_mut()?,
                &a[0],
                &a[1],
                &a[2],
                &desc
            );
        }
        Ok((vals, ids))
    }

    fn im2col(&self, layout: &Layout, g: &Window2d) -> Result<Self> {
        self.fold_kernel(layout, g, "im2col", g.n * g.c * g.kh * g.kw * g.oh * g.ow)
    }

    fn col2im(&self, layout: &Layout, g: &Window2d) -> Result<Self> {
        self.fold_kernel(layout, g, "col2im", g.n * g.c * g.h * g.w)
    }

    fn max_pool2d(&self, layout: &Layout, g: &Window2d) -> Result<(Self, Self)> {
        let gpu = self.gpu().clone();
        let src = self.contiguous(layout)?;
        let n = g.n * g.c * g.oh * g.ow;
        let mut vals = Self::empty(&gpu, n, self.dtype)?;
        let mut ids = Self::empty(&gpu, n, DType::I64)?;
        if n > 0 {
            let f = gpu.function("conv", self.dtype, "max_pool2d")?;
            let w = window(g);
            launch!(
                gpu,
                f,
                launch::elementwise(n),
                src.slice(),
                vals.slice_mut()?,
                ids.slice_mut()?,
                &w
            );
        }
        Ok((vals, ids))
    }

    fn max_pool2d_backward(
        &self,
        layout: &Layout,
        idx: &Self,
        idx_layout: &Layout,
        g: &Window2d,
    ) -> Result<Self> {
        let gpu = self.gpu().clone();
        let gy = self.contiguous(layout)?;
        let ids = idx.contiguous(idx_layout)?;
        let mut gx = Self::zeroed(&gpu, g.n * g.c * g.h * g.w, self.dtype)?;
        let n = g.n * g.c * g.oh * g.ow;
        if n > 0 {
            let f = gpu.function("conv", self.dtype, "max_pool2d_backward")?;
            let w = window(g);
            launch!(
                gpu,
                f,
                launch::elementwise(n),
                gy.slice(),
                ids.slice(),
                gx.slice_mut()?,
                &w
            );
        }
        Ok(gx)
    }
    fn softmax_last(&self, layout: &Layout, log: bool) -> Result<Option<Self>> {
        self.softmax_rows(layout, log).map(Some)
    }

    fn norm_last(
        &self,
        layout: &Layout,
        len: usize,
        eps: f64,
        rms: bool,
    ) -> Result<Option<(Self, Self, Self)>> {
        self.norm_rows(layout, len, eps, rms).map(Some)
    }

    fn dropout(
        &self,
        layout: &Layout,
        p: f64,
        seed: impl FnOnce() -> u64,
    ) -> Result<Option<(Self, Self)>> {
        self.dropout_philox(layout, p, seed(), 0).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_encoding_round_trips_every_dtype() {
        // Values chosen exact in every dtype; the device encoding is the
        // little-endian element bytes (bool: one byte 0/1).
        let vals = [-2.0, 0.0, 1.0, 3.0];
        for dtype in super::super::kernels::DTYPES {
            let c = CpuStorage::from_f64s(&vals, *dtype);
            let b = host_bytes(&c);
            assert_eq!(b.len(), vals.len() * dtype.size_in_bytes());
            assert_eq!(from_host_bytes(*dtype, &b), c, "{}", dtype.name());
        }
        // bf16 1.0 is 0x3f80: bytes 80 3f.
        assert_eq!(
            host_bytes(&CpuStorage::from_f64s(&[1.0], DType::BF16)),
            vec![0x80, 0x3f]
        );
    }

    #[test]
    fn window_is_fourteen_i64s_in_conv_cu_order() {
        let g = Window2d {
            n: 1,
            c: 2,
            h: 3,
            w: 4,
            kh: 5,
            kw: 6,
            sh: 7,
            sw: 8,
            ph: 9,
            pw: 10,
            dh: 11,
            dw: 12,
            oh: 13,
            ow: 14,
        };
        assert_eq!(
            window(&g).0,
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
        );
        assert_eq!(std::mem::size_of::<WindowArg>(), 14 * 8);
    }
}
