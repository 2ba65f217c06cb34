//! Average pooling: `F.avg_pool2d` (windows of `kernel_size` every
//! `stride`, zero padding counted or not) and `F.adaptive_avg_pool2d`
//! (PyTorch's bins `[floor(i H / out), ceil((i + 1) H / out))`). Built from
//! strided slices and sums, so the gradient is theirs.

use crate::{Error, Result, Tensor};

/// The output length of a pooling window sweep (floor mode).
fn out_len(n: usize, k: usize, s: usize, p: usize) -> Result<usize> {
    let span = n + 2 * p;
    if k == 0 || s == 0 || span < k {
        return Err(Error::invalid(format!(
            "Given input size {n} (padding {p}), kernel size {k} and stride {s}: the output size would be empty"
        )));
    }
    Ok((span - k) / s + 1)
}

/// `F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode,
/// count_include_pad, divisor_override)` on `[N, C, H, W]` or `[C, H, W]`.
/// With `ceil_mode` a last window may run past the padded input; it is
/// divided by the cells it covers inside the padded input (inside the
/// input without `count_include_pad`), as PyTorch's kernel does.
pub fn avg_pool2d(
    x: &Tensor,
    kernel: [usize; 2],
    stride: Option<[usize; 2]>,
    padding: [usize; 2],
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<usize>,
) -> Result<Tensor> {
    if x.dim() == 3 {
        return avg_pool2d(
            &x.unsqueeze(0)?,
            kernel,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
        )?
        .squeeze_dim(0);
    }
    if x.dim() != 4 {
        return Err(Error::invalid(format!(
            "non-empty 3D or 4D (batch mode) tensor expected for input, got {}D",
            x.dim()
        )));
    }
    let stride = stride.unwrap_or(kernel);
    for i in 0..2 {
        if padding[i] * 2 > kernel[i] {
            return Err(Error::invalid(
                "pad should be at most half of effective kernel size",
            ));
        }
    }
    let (h, w) = (x.shape()[2], x.shape()[3]);
    let (oh, ow) = if ceil_mode {
        (
            super::conv::pool_out_len(h, kernel[0], stride[0], padding[0], 1, true)?,
            super::conv::pool_out_len(w, kernel[1], stride[1], padding[1], 1, true)?,
        )
    } else {
        (
            out_len(h, kernel[0], stride[0], padding[0])?,
            out_len(w, kernel[1], stride[1], padding[1])?,
        )
    };
    // Cells past the padded input that a ceil-mode window reaches.
    let extra = |n: usize, o: usize, i: usize| {
        ((o - 1) * stride[i] + kernel[i]).saturating_sub(n + 2 * padding[i])
    };
    let (eh, ew) = (extra(h, oh, 0), extra(w, ow, 1));
    let pads = [padding[1], padding[1] + ew, padding[0], padding[0] + eh];
    let padded = if pads == [0, 0, 0, 0] {
        x.clone()
    } else {
        super::pad(x, &pads, 0.0)?
    };
    let window_sum = |t: &Tensor| -> Result<Tensor> {
        let mut acc: Option<Tensor> = None;
        for ki in 0..kernel[0] {
            let rows = t.slice(
                2,
                Some(ki as i64),
                Some((ki + stride[0] * (oh - 1) + 1) as i64),
                stride[0] as i64,
            )?;
            for kj in 0..kernel[1] {
                let cell = rows.slice(
                    3,
                    Some(kj as i64),
                    Some((kj + stride[1] * (ow - 1) + 1) as i64),
                    stride[1] as i64,
                )?;
                acc = Some(match acc {
                    None => cell.contiguous()?,
                    Some(a) => a.add(&cell)?,
                });
            }
        }
        Ok(acc.expect("a kernel has at least one cell"))
    };
    let sum = window_sum(&padded)?;
    if let Some(d) = divisor_override {
        if d == 0 {
            return Err(Error::invalid("divisor must be not zero"));
        }
        return sum.div_scalar(d as f64);
    }
    if (count_include_pad || padding == [0, 0]) && (eh, ew) == (0, 0) {
        return sum.div_scalar((kernel[0] * kernel[1]) as f64);
    }
    // Divide each window by how many of its cells are inside the padded
    // input (count_include_pad) or inside the input.
    let ones = if count_include_pad {
        let (ph, pw) = (h + 2 * padding[0], w + 2 * padding[1]);
        super::pad(
            &Tensor::ones_on(&[1, 1, ph, pw], x.dtype(), x.device())?,
            &[0, ew, 0, eh],
            0.0,
        )?
    } else {
        super::pad(
            &Tensor::ones_on(&[1, 1, h, w], x.dtype(), x.device())?,
            &pads,
            0.0,
        )?
    };
    let inside = window_sum(&ones)?;
    sum.div(&inside)
}

/// `F.adaptive_avg_pool2d(x, output_size)`: bin `i` of `out` over a length
/// `n` dim covers `[floor(i n / out), ceil((i + 1) n / out))`.
pub fn adaptive_avg_pool2d(x: &Tensor, output: [usize; 2]) -> Result<Tensor> {
    if x.dim() == 3 {
        return adaptive_avg_pool2d(&x.unsqueeze(0)?, output)?.squeeze_dim(0);
    }
    if x.dim() != 4 {
        return Err(Error::invalid(format!(
            "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {}D",
            x.dim()
        )));
    }
    let (h, w) = (x.shape()[2], x.shape()[3]);
    if output == [1, 1] {
        return x.mean_dims(&[2, 3], true);
    }
    if h % output[0].max(1) == 0 && w % output[1].max(1) == 0 && output[0] > 0 && output[1] > 0 {
        // Equal bins: one reshape and a mean.
        let (n, c) = (x.shape()[0] as i64, x.shape()[1] as i64);
        let (bh, bw) = ((h / output[0]) as i64, (w / output[1]) as i64);
        return x
            .reshape(&[n, c, output[0] as i64, bh, output[1] as i64, bw])?
            .mean_dims(&[3, 5], false);
    }
    let bins = |n: usize, out: usize| -> Vec<(usize, usize)> {
        (0..out)
            .map(|i| (i * n / out, ((i + 1) * n).div_ceil(out)))
            .collect()
    };
    let mut rows = Vec::new();
    for (r0, r1) in bins(h, output[0]) {
        let band = x.narrow(2, r0 as i64, r1 - r0)?;
        let mut cells = Vec::new();
        for (c0, c1) in bins(w, output[1]) {
            cells.push(
                band.narrow(3, c0 as i64, c1 - c0)?
                    .mean_dims(&[2, 3], true)?,
            );
        }
        let refs: Vec<&Tensor> = cells.iter().collect();
        rows.push(Tensor::cat(&refs, 3)?);
    }
    let refs: Vec<&Tensor> = rows.iter().collect();
    Tensor::cat(&refs, 2)
}
