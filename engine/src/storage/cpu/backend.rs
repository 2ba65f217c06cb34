//! `impl Backend for CpuStorage`: the seam's primitives mapped onto the
//! CPU kernels of this folder. Kernels that read their input flat get it
//! through [`contiguous`], which borrows when the layout is already the
//! whole buffer in order.

use std::borrow::Cow;

use super::linear::linear;
use super::{conv, conv2d, elementwise, index, matmul, reduce, CpuStorage, IntoStorage};
use crate::storage::{Backend, BinaryOp, ConvShape, ReduceOp, UnaryOp, Window2d};
use crate::{DType, Device, Error, Layout, Result};

impl Backend for CpuStorage {
    fn device(&self) -> Device {
        Device::Cpu
    }

    fn dtype(&self) -> DType {
        CpuStorage::dtype(self)
    }

    fn len(&self) -> usize {
        CpuStorage::len(self)
    }

    fn to_cpu(&self, layout: &Layout) -> Result<CpuStorage> {
        CpuStorage::copy_strided(self, layout)
    }

    fn copy_strided(&self, layout: &Layout) -> Result<Self> {
        CpuStorage::copy_strided(self, layout)
    }

    fn cast(&self, layout: &Layout, dtype: DType) -> Result<Self> {
        CpuStorage::cast(self, layout, dtype)
    }

    fn copy_into(&mut self, dst: &Layout, src: &Self, src_layout: &Layout) -> Result<()> {
        CpuStorage::copy_into(self, dst, src, src_layout)
    }

    fn unary(&self, layout: &Layout, op: UnaryOp) -> Result<Self> {
        elementwise::unary(self, layout, op)
    }

    fn binary(
        &self,
        layout: &Layout,
        rhs: &Self,
        rhs_layout: &Layout,
        op: BinaryOp,
    ) -> Result<Self> {
        elementwise::binary(self, layout, rhs, rhs_layout, op)
    }

    fn where_cond(
        &self,
        layout: &Layout,
        a: &Self,
        al: &Layout,
        b: &Self,
        bl: &Layout,
    ) -> Result<Self> {
        elementwise::where_cond(self, layout, a, al, b, bl)
    }

    fn reduce(&self, layout: &Layout, op: ReduceOp, dims: &[usize]) -> Result<Self> {
        reduce::reduce(self, layout, op, dims)
    }

    fn matmul(&self, layout: &Layout, rhs: &Self, rhs_layout: &Layout) -> Result<Self> {
        matmul::matmul(self, layout, rhs, rhs_layout)
    }

    fn index_select(
        &self,
        layout: &Layout,
        dim: usize,
        idx: &Self,
        idx_layout: &Layout,
    ) -> Result<Self> {
        let ids = idx.to_i64s(idx_layout)?;
        let n_out = (layout.numel() / layout.shape().get(dim).copied().unwrap_or(1).max(1))
            .saturating_mul(ids.len());
        if layout.numel() <= n_out.saturating_mul(2) || ids.is_empty() {
            let src = contiguous(self, layout)?;
            return index::index_select(src.as_ref(), layout.shape(), dim, &ids);
        }
        // A few rows of a big (e.g. expanded) view: copy just those rows
        // through the view instead of making the whole of it contiguous.
        let size = layout.shape().get(dim).copied().unwrap_or(1);
        let mut shape = layout.shape().to_vec();
        if let Some(d) = shape.get_mut(dim) {
            *d = ids.len();
        }
        let mut out = CpuStorage::full(crate::shape::checked_numel(&shape)?, 0.0, self.dtype())?;
        let out_l = Layout::contiguous(&shape);
        for (j, &i) in ids.iter().enumerate() {
            if i < 0 || i as usize >= size {
                return Err(Error::IndexOutOfRange {
                    op: "index_select",
                    index: i,
                    dim,
                    size,
                });
            }
            out.copy_into(
                &out_l.narrow(dim, j, 1),
                self,
                &layout.narrow(dim, i as usize, 1),
            )?;
        }
        Ok(out)
    }

    fn gather(&self, layout: &Layout, dim: usize, idx: &Self, idx_layout: &Layout) -> Result<Self> {
        let src = contiguous(self, layout)?;
        index::gather(
            src.as_ref(),
            layout.shape(),
            dim,
            &idx.to_i64s(idx_layout)?,
            idx_layout.shape(),
        )
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
        let src = contiguous(src, src_layout)?;
        let ids = idx.to_i64s(idx_layout)?;
        index::scatter(
            self,
            shape,
            dim,
            &ids,
            idx_layout.shape(),
            src.as_ref(),
            accumulate,
        )
    }

    fn cumsum(&self, layout: &Layout, dim: usize) -> Result<Self> {
        let src = contiguous(self, layout)?;
        index::cumsum(src.as_ref(), layout.shape(), dim)
    }

    fn sort(&self, layout: &Layout, dim: usize, descending: bool) -> Result<(Self, Self)> {
        let src = contiguous(self, layout)?;
        index::sort(src.as_ref(), layout.shape(), dim, descending)
    }

    fn im2col(&self, layout: &Layout, g: &Window2d) -> Result<Self> {
        conv::im2col(contiguous(self, layout)?.as_ref(), g)
    }

    fn col2im(&self, layout: &Layout, g: &Window2d) -> Result<Self> {
        conv::col2im(contiguous(self, layout)?.as_ref(), g)
    }

    fn conv2d(
        &self,
        layout: &Layout,
        weight: &Self,
        weight_layout: &Layout,
        bias: Option<(&Self, &Layout)>,
        s: &ConvShape,
    ) -> Result<Self> {
        let b = bias.map(|(b, bl)| contiguous(b, bl)).transpose()?;
        conv2d::forward(
            contiguous(self, layout)?.as_ref(),
            contiguous(weight, weight_layout)?.as_ref(),
            b.as_deref(),
            s,
        )
    }

    fn conv2d_backward(
        &self,
        layout: &Layout,
        weight: &Self,
        weight_layout: &Layout,
        grad: &Self,
        grad_layout: &Layout,
        s: &ConvShape,
        need: [bool; 3],
    ) -> Result<[Option<Self>; 3]> {
        conv2d::backward(
            contiguous(self, layout)?.as_ref(),
            contiguous(weight, weight_layout)?.as_ref(),
            contiguous(grad, grad_layout)?.as_ref(),
            s,
            need,
        )
    }

    fn max_pool2d(&self, layout: &Layout, g: &Window2d) -> Result<(Self, Self)> {
        conv::max_pool2d(contiguous(self, layout)?.as_ref(), g)
    }

    fn max_pool2d_backward(
        &self,
        layout: &Layout,
        idx: &Self,
        idx_layout: &Layout,
        g: &Window2d,
    ) -> Result<Self> {
        let ids = idx.to_i64s(idx_layout)?;
        conv::max_pool2d_backward(contiguous(self, layout)?.as_ref(), &ids, g)
    }

    fn linear_widening(
        &self,
        xl: &Layout,
        w: &Self,
        wl: &Layout,
        bias: Option<(&Self, &Layout)>,
    ) -> Result<Option<Self>> {
        let CpuStorage::F32(x) = self else {
            return Ok(None);
        };
        if !xl.is_contiguous() || !wl.is_contiguous() || wl.ndim() != 2 {
            return Ok(None);
        }
        let (n, k) = (wl.shape()[0], wl.shape()[1]);
        let m = xl.numel().checked_div(k).unwrap_or(0);
        let x = &x[xl.offset()..xl.offset() + m * k];
        let w0 = wl.offset();
        let b = match bias {
            Some((CpuStorage::F32(b), bl)) if bl.is_contiguous() => {
                Some(&b[bl.offset()..bl.offset() + n])
            }
            Some(_) => return Ok(None),
            None => None,
        };
        let y = match w {
            CpuStorage::F32(v) => linear(x, m, k, &v[w0..w0 + n * k], n, b),
            CpuStorage::BF16(v) => linear(x, m, k, &v[w0..w0 + n * k], n, b),
            CpuStorage::F16(v) => linear(x, m, k, &v[w0..w0 + n * k], n, b),
            _ => return Ok(None),
        };
        Ok(Some(CpuStorage::F32(y)))
    }

    fn host_slice<T: IntoStorage>(&self) -> Option<&[T]> {
        T::slice(self)
    }

    fn host_slice_mut<T: IntoStorage>(&mut self) -> Option<&mut [T]> {
        T::slice_mut(self)
    }
}

/// Borrows `s` when `l` is exactly its whole contiguous buffer, else copies.
fn contiguous<'a>(s: &'a CpuStorage, l: &Layout) -> Result<Cow<'a, CpuStorage>> {
    Ok(
        if l.is_contiguous() && l.offset() == 0 && l.numel() == s.len() {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(s.copy_strided(l)?)
        },
    )
}
