//! `F.conv2d` on the backend's fused convolution (im2col + GEMM per sample,
//! see `storage/cpu/conv2d.rs`), and `F.max_pool2d` with the argmax indices
//! its backward scatters through. Each records one node
//! (`ConvolutionBackward0` saving `input` and `weight` as PyTorch does,
//! `MaxPool2DWithIndicesBackward0`).
//!
//! Channel layout: per sample and group, the unfolded input is
//! `[c_in/groups*kh*kw, oh*ow]` and the weight `[c_out/groups,
//! c_in/groups*kh*kw]`, so their product is the group's block of output
//! channels `g*(c_out/groups) + j` in NCHW order: no transpose, no copy.

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::storage::{ConvShape, Window2d};
use crate::{DType, Error, Result, Tensor};

/// Computes half types in float32 (the kernels run f32 and f64).
fn compute_dtype(d: DType) -> Result<DType> {
    match d {
        DType::F32 | DType::F64 => Ok(d),
        DType::F16 | DType::BF16 => Ok(DType::F32),
        d => Err(Error::Unsupported {
            op: "conv2d",
            dtype: d,
            device: crate::Device::Cpu,
        }),
    }
}

fn out_len(op: &str, len: usize, k: usize, s: usize, p: usize, d: usize) -> Result<usize> {
    if k == 0 {
        return Err(Error::invalid(format!(
            "{op}: kernel size should be greater than zero, but got kernel size 0"
        )));
    }
    // (in u128: user-sized paddings and dilations cannot overflow it)
    let eff = d as u128 * (k as u128 - 1) + 1;
    let padded = len as u128 + 2 * p as u128;
    if padded < eff {
        return Err(Error::invalid(format!(
            "{op}: Calculated padded input size per channel: ({padded}). Kernel size: ({eff}). Kernel size can't be greater than actual input size"
        )));
    }
    usize::try_from((padded - eff) / s.max(1) as u128 + 1)
        .map_err(|_| Error::invalid(format!("{op}: the output size overflows")))
}

fn check_pos(op: &str, what: &str, v: [usize; 2]) -> Result<()> {
    if v[0] == 0 || v[1] == 0 {
        return Err(Error::invalid(format!(
            "{op}: {what} should be greater than zero, but got {what}: ({}, {})",
            v[0], v[1]
        )));
    }
    Ok(())
}

/// `F.conv2d(input, weight, bias, stride, padding, dilation, groups)` on a
/// `[n, c, h, w]` (or unbatched `[c, h, w]`) input.
pub fn conv2d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
) -> Result<Tensor> {
    let mut cast_in = vec![input, weight];
    cast_in.extend(bias);
    if let Some(c) = crate::amp::autocast_inputs("conv2d", &cast_in)? {
        return conv2d(&c[0], &c[1], c.get(2), stride, padding, dilation, groups);
    }
    if input.dim() == 3 {
        let out = conv2d(
            &input.unsqueeze(0)?,
            weight,
            bias,
            stride,
            padding,
            dilation,
            groups,
        )?;
        return out.squeeze_dim(0);
    }
    if input.dim() != 4 {
        return Err(Error::invalid(format!(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {:?}",
            input.shape()
        )));
    }
    if weight.dim() != 4 {
        return Err(Error::invalid(format!(
            "weight should have at least three dimensions (got {:?})",
            weight.shape()
        )));
    }
    check_pos("conv2d", "stride", stride)?;
    check_pos("conv2d", "dilation", dilation)?;
    if groups == 0 {
        return Err(Error::invalid("non-positive groups is not supported"));
    }
    let (n, c, h, w) = (
        input.shape()[0],
        input.shape()[1],
        input.shape()[2],
        input.shape()[3],
    );
    let (oc, cg, kh, kw) = (
        weight.shape()[0],
        weight.shape()[1],
        weight.shape()[2],
        weight.shape()[3],
    );
    if cg.checked_mul(groups) != Some(c) {
        return Err(Error::shape(
            "conv2d",
            input.shape(),
            weight.shape(),
            format!(
                "Given groups={groups}, weight of size {:?}, expected input{:?} to have {} channels, but got {c} channels instead",
                weight.shape(),
                input.shape(),
                cg.saturating_mul(groups)
            ),
        ));
    }
    if oc % groups != 0 {
        return Err(Error::invalid(format!(
            "Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of size {:?} instead",
            weight.shape()
        )));
    }
    if let Some(b) = bias {
        if b.shape() != [oc] {
            return Err(Error::invalid(format!(
                "Given weight of size {:?}, expected bias to be 1-dimensional with {oc} elements, but got bias of size {:?} instead",
                weight.shape(),
                b.shape()
            )));
        }
    }
    if input.dtype() != weight.dtype() || bias.is_some_and(|b| b.dtype() != input.dtype()) {
        return Err(Error::DTypeMismatch {
            op: "conv2d",
            expected: Some(input.dtype()),
            got: weight.dtype(),
            msg: format!(
                "Input type ({}) and weight type ({}) should be the same",
                input.dtype().name(),
                weight.dtype().name()
            ),
        });
    }
    let oh = out_len("conv2d", h, kh, stride[0], padding[0], dilation[0])?;
    let ow = out_len("conv2d", w, kw, stride[1], padding[1], dilation[1])?;
    let geo = Window2d {
        n,
        c,
        h,
        w,
        kh,
        kw,
        sh: stride[0],
        sw: stride[1],
        ph: padding[0],
        pw: padding[1],
        dh: dilation[0],
        dw: dilation[1],
        oh,
        ow,
    };
    let shape = ConvShape {
        win: geo,
        groups,
        oc,
    };
    if input.device() != crate::Device::Cpu {
        return conv2d_unfolded(input, weight, bias, &shape);
    }
    let dt = input.dtype();
    let cdt = compute_dtype(dt)?;
    let out = with_no_grad(|| -> Result<Tensor> {
        let x = input.to_dtype(cdt)?;
        let wc = weight.to_dtype(cdt)?;
        let bc = bias.map(|b| b.to_dtype(cdt)).transpose()?;
        let bs = bc.as_ref().map(|b| b.storage());
        let barg = bs.as_deref().zip(bc.as_ref().map(|b| b.layout()));
        let s = x
            .storage()
            .conv2d(x.layout(), &wc.storage(), wc.layout(), barg, &shape)?;
        Tensor::from_contiguous(s, &[n, oc, oh, ow]).to_dtype(dt)
    })?;
    let sx = SavedTensor::new("input", input);
    let sw = SavedTensor::new("weight", weight);
    let (sx2, sw2) = (sx.clone(), sw.clone());
    let mut inputs = vec![input, weight];
    if let Some(b) = bias {
        inputs.push(b);
    }
    let has_bias = bias.is_some();
    const NAME: &str = "ConvolutionBackward0";
    Ok(record(out, NAME, &inputs, vec![sx, sw], move |g, need| {
        // y[i, o] = b[o] + sum_{c, taps} W[o, c, tap] * x[i, c, window(tap)]:
        // dx = col2im(W^T @ g), dW = sum_i g_i @ cols_i^T, db = sum of g over (i, oh, ow).
        let x = sx2.get(NAME)?.to_dtype(cdt)?;
        let wt = sw2.get(NAME)?.to_dtype(cdt)?;
        let g = g.to_dtype(cdt)?;
        let want = [need[0], need[1], has_bias && need[2]];
        let [gx, gw, gb] = x.storage().conv2d_backward(
            x.layout(),
            &wt.storage(),
            wt.layout(),
            &g.storage(),
            g.layout(),
            &shape,
            want,
        )?;
        let wrap = |s: Option<crate::storage::Storage>, sh: &[usize]| {
            s.map(|s| Tensor::from_contiguous(s, sh).to_dtype(dt))
                .transpose()
        };
        let mut v = vec![wrap(gx, &[n, c, h, w])?, wrap(gw, &[oc, cg, kh, kw])?];
        if has_bias {
            v.push(wrap(gb, &[oc])?);
        }
        Ok(v)
    }))
}

/// `conv2d` composed from the backend's `im2col` / `col2im` and batched
/// matmuls, for devices without a fused convolution (CUDA: cuBLAS does the
/// products). Materialises the batch's columns, which the fused CPU path
/// avoids; records the same `ConvolutionBackward0` node.
fn conv2d_unfolded(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    shape: &ConvShape,
) -> Result<Tensor> {
    let geo = shape.win;
    let (n, c, h, w) = (geo.n, geo.c, geo.h, geo.w);
    let (groups, oc) = (shape.groups, shape.oc);
    let (oh, ow) = (geo.oh, geo.ow);
    let kk = c / groups * geo.kh * geo.kw;
    let l = oh * ow;
    let ocg = oc / groups;
    let dt = input.dtype();
    let cdt = compute_dtype(dt)?;
    let (out, cols) = with_no_grad(|| -> Result<(Tensor, Tensor)> {
        let x = input.to_dtype(cdt)?;
        let s = x.storage().im2col(x.layout(), &geo)?;
        let cols = Tensor::from_contiguous(s, &[n, groups, kk, l]);
        let wm = weight.to_dtype(cdt)?.reshape_to(&[groups, ocg, kk])?;
        let mut out = wm.matmul(&cols)?.reshape_to(&[n, oc, oh, ow])?;
        if let Some(b) = bias {
            out = out.add(&b.to_dtype(cdt)?.reshape_to(&[1, oc, 1, 1])?)?;
        }
        Ok((out.to_dtype(dt)?, cols))
    })?;
    let sw = SavedTensor::new("weight", weight);
    let scols = SavedTensor::new("columns", &cols);
    drop(cols);
    let (sw2, scols2) = (sw.clone(), scols.clone());
    let wshape = weight.shape().to_vec();
    let mut inputs = vec![input, weight];
    if let Some(b) = bias {
        inputs.push(b);
    }
    let has_bias = bias.is_some();
    const NAME: &str = "ConvolutionBackward0";
    Ok(record(
        out,
        NAME,
        &inputs,
        vec![sw, scols],
        move |g, need| {
            let g = g
                .to_dtype(cdt)?
                .contiguous()?
                .reshape_to(&[n, groups, ocg, l])?;
            let gi = if need[0] {
                // d cols = W^T @ g per group, folded back onto the input by col2im
                let wm = sw2
                    .get(NAME)?
                    .to_dtype(cdt)?
                    .reshape_to(&[groups, ocg, kk])?;
                let dcols = wm.mt()?.matmul(&g)?;
                let s = dcols.storage().col2im(dcols.layout(), &geo)?;
                Some(Tensor::from_contiguous(s, &[n, c, h, w]).to_dtype(dt)?)
            } else {
                None
            };
            let gw = if need[1] {
                // d W = sum over the batch of g @ cols^T
                let cols = scols2.get(NAME)?;
                let d = g.matmul(&cols.mt()?)?.sum_dims(&[0], false)?;
                Some(d.reshape_to(&wshape)?.to_dtype(dt)?)
            } else {
                None
            };
            let mut v = vec![gi, gw];
            if has_bias {
                v.push(if need[2] {
                    Some(
                        g.reshape_to(&[n, oc, l])?
                            .sum_dims(&[0, 2], false)?
                            .to_dtype(dt)?,
                    )
                } else {
                    None
                });
            }
            Ok(v)
        },
    ))
}

/// `F.max_pool2d(input, kernel_size, stride, padding, dilation)` (floor mode).
/// `stride` `None` means the kernel size, as in PyTorch.
pub fn max_pool2d(
    input: &Tensor,
    kernel_size: [usize; 2],
    stride: Option<[usize; 2]>,
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Result<Tensor> {
    Ok(max_pool2d_with_indices(input, kernel_size, stride, padding, dilation)?.0)
}

/// `F.max_pool2d(..., return_indices=True)`: values and int64 indices into each `h*w` plane.
pub fn max_pool2d_with_indices(
    input: &Tensor,
    kernel_size: [usize; 2],
    stride: Option<[usize; 2]>,
    padding: [usize; 2],
    dilation: [usize; 2],
) -> Result<(Tensor, Tensor)> {
    max_pool2d_full(input, kernel_size, stride, padding, dilation, false)
}

/// Output length of a pooling window, PyTorch's `pooling_output_shape`:
/// with `ceil_mode` the last, partial window counts, unless it would start
/// inside the right padding.
pub(super) fn pool_out_len(
    len: usize,
    k: usize,
    s: usize,
    p: usize,
    d: usize,
    ceil: bool,
) -> Result<usize> {
    let floor = out_len("max_pool2d", len, k, s, p, d)?;
    if !ceil {
        return Ok(floor);
    }
    let span = len + 2 * p - (d * (k - 1) + 1);
    let mut o = span.div_ceil(s) + 1;
    if (o - 1) * s >= len + p {
        o -= 1;
    }
    Ok(o)
}

/// `F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode,
/// return_indices=True)`: values and int64 indices into each `h*w` plane.
pub fn max_pool2d_full(
    input: &Tensor,
    kernel_size: [usize; 2],
    stride: Option<[usize; 2]>,
    padding: [usize; 2],
    dilation: [usize; 2],
    ceil_mode: bool,
) -> Result<(Tensor, Tensor)> {
    if input.dim() == 3 {
        let (v, i) = max_pool2d_full(
            &input.unsqueeze(0)?,
            kernel_size,
            stride,
            padding,
            dilation,
            ceil_mode,
        )?;
        return Ok((v.squeeze_dim(0)?, i.squeeze_dim(0)?));
    }
    if input.dim() != 4 {
        return Err(Error::invalid(format!(
            "non-empty 3D or 4D (batch mode) tensor expected for input, but got: {:?}",
            input.shape()
        )));
    }
    let stride = stride.unwrap_or(kernel_size);
    check_pos("max_pool2d", "kernel_size", kernel_size)?;
    check_pos("max_pool2d", "stride", stride)?;
    check_pos("max_pool2d", "dilation", dilation)?;
    for i in 0..2 {
        if padding[i] > kernel_size[i] / 2 {
            return Err(Error::invalid(format!(
                "pad should be at most half of effective kernel size, but got pad={}, kernel_size={} and dilation={}",
                padding[i], kernel_size[i], dilation[i]
            )));
        }
    }
    let s = input.shape();
    let (n, c, h, w) = (s[0], s[1], s[2], s[3]);
    let oh = pool_out_len(
        h,
        kernel_size[0],
        stride[0],
        padding[0],
        dilation[0],
        ceil_mode,
    )?;
    let ow = pool_out_len(
        w,
        kernel_size[1],
        stride[1],
        padding[1],
        dilation[1],
        ceil_mode,
    )?;
    let geo = Window2d {
        n,
        c,
        h,
        w,
        kh: kernel_size[0],
        kw: kernel_size[1],
        sh: stride[0],
        sw: stride[1],
        ph: padding[0],
        pw: padding[1],
        dh: dilation[0],
        dw: dilation[1],
        oh,
        ow,
    };
    let dt = input.dtype();
    let cdt = compute_dtype(dt)?;
    let (vals, idx) = with_no_grad(|| -> Result<(Tensor, Tensor)> {
        let x = input.to_dtype(cdt)?;
        let (v, i) = x.storage().max_pool2d(x.layout(), &geo)?;
        Ok((
            Tensor::from_contiguous(v, &[n, c, oh, ow]).to_dtype(dt)?,
            Tensor::from_contiguous(i, &[n, c, oh, ow]),
        ))
    })?;
    let sidx = SavedTensor::new("result1", &idx);
    let keep = sidx.clone();
    const NAME: &str = "MaxPool2DWithIndicesBackward0";
    let out = record(vals, NAME, &[input], vec![sidx], move |g, _| {
        let idx = keep.get(NAME)?;
        let g = g.to_dtype(cdt)?;
        let s = g
            .storage()
            .max_pool2d_backward(g.layout(), &idx.storage(), idx.layout(), &geo)?;
        Ok(vec![Some(
            Tensor::from_contiguous(s, &[n, c, h, w]).to_dtype(dt)?,
        )])
    });
    Ok((out, idx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autograd::gradcheck::{gradcheck, GradcheckOptions};

    fn leaf(shape: &[usize], salt: usize) -> Tensor {
        let n: usize = shape.iter().product();
        let v: Vec<f64> = (0..n)
            .map(|i| (((i * 7919 + salt * 104729) % 997) as f64 / 997.0 - 0.5) * 2.0)
            .collect();
        Tensor::from_vec_f64(&v, shape, DType::F64)
            .unwrap()
            .requires_grad_(true)
            .unwrap()
    }

    fn shape_of(x: &[usize], w: &[usize], st: usize, pd: usize, groups: usize) -> ConvShape {
        let (oh, ow) = (
            (x[2] + 2 * pd - w[2]) / st + 1,
            (x[3] + 2 * pd - w[3]) / st + 1,
        );
        ConvShape {
            win: Window2d {
                n: x[0],
                c: x[1],
                h: x[2],
                w: x[3],
                kh: w[2],
                kw: w[3],
                sh: st,
                sw: st,
                ph: pd,
                pw: pd,
                dh: 1,
                dw: 1,
                oh,
                ow,
            },
            groups,
            oc: w[0],
        }
    }

    /// The composite path other devices take, run on the CPU: gradients
    /// against finite differences, values against the fused CPU kernel.
    #[test]
    fn unfolded_conv2d_matches_the_fused_one_and_finite_differences() {
        for (xs, ws, st, pd, g) in [
            ([3, 2, 5, 4], [4, 2, 3, 2], 1, 1, 1),
            ([2, 4, 6, 5], [6, 2, 2, 2], 2, 0, 2),
        ] {
            let (x, w, b) = (leaf(&xs, 1), leaf(&ws, 2), leaf(&[ws[0]], 3));
            let s = shape_of(&xs, &ws, st, pd, g);
            gradcheck(
                |t| conv2d_unfolded(&t[0], &t[1], Some(&t[2]), &s),
                &[x.clone(), w.clone(), b.clone()],
                GradcheckOptions::default(),
            )
            .unwrap();
            let a = conv2d_unfolded(&x, &w, Some(&b), &s).unwrap();
            let f = conv2d(&x, &w, Some(&b), [st; 2], [pd; 2], [1, 1], g).unwrap();
            assert_eq!(a.shape(), f.shape());
            for (p, q) in a.to_vec_f64().unwrap().iter().zip(f.to_vec_f64().unwrap()) {
                assert!((p - q).abs() < 1e-12, "{p} vs {q}");
            }
            assert_eq!(a.grad_fn().unwrap().name(), "ConvolutionBackward0");
        }
    }
}
