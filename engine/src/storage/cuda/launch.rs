//! Layouts as kernel arguments and launch shapes.

use cudarc::driver::{DeviceRepr, LaunchConfig};

use crate::{Error, Layout, Result};

/// Mirrors `struct Strided` in kernels/common.cuh (repr(C), i64 fields).
pub(crate) const MAX_DIMS: usize = 8;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Strided {
    ndim: i64,
    offset: i64,
    shape: [i64; MAX_DIMS],
    stride: [i64; MAX_DIMS],
}

// SAFETY: plain old data with the C layout the kernels declare.
unsafe impl DeviceRepr for Strided {}

/// Merges dims that are contiguous with each other and drops size-1 dims,
/// so most views need far fewer than eight; more is `Unsupported`.
pub(crate) fn strided(l: &Layout) -> Result<Strided> {
    let mut dims: Vec<(usize, usize)> = Vec::new();
    for (&s, &st) in l.shape().iter().zip(l.strides()) {
        if s == 1 {
            continue;
        }
        match dims.last_mut() {
            Some((ps, pst)) if *pst == st * s => {
                *ps *= s;
                *pst = st;
            }
            _ => dims.push((s, st)),
        }
    }
    if dims.len() > MAX_DIMS {
        return Err(Error::invalid(format!(
            "CUDA kernels take views of at most {MAX_DIMS} non-mergeable dims, got {}",
            dims.len()
        )));
    }
    let mut out = Strided {
        ndim: dims.len() as i64,
        offset: l.offset() as i64,
        shape: [1; MAX_DIMS],
        stride: [0; MAX_DIMS],
    };
    for (i, (s, st)) in dims.into_iter().enumerate() {
        out.shape[i] = s as i64;
        out.stride[i] = st as i64;
    }
    Ok(out)
}

/// A contiguous shape as a `Strided` (the index kernels read its shape).
pub(crate) fn shape_arg(shape: &[usize]) -> Result<Strided> {
    if shape.len() > MAX_DIMS {
        return Err(Error::invalid(format!(
            "CUDA indexing kernels take at most {MAX_DIMS} dims, got {}",
            shape.len()
        )));
    }
    let mut out = Strided {
        ndim: shape.len() as i64,
        offset: 0,
        shape: [1; MAX_DIMS],
        stride: [0; MAX_DIMS],
    };
    let mut st = 1;
    for (i, &s) in shape.iter().enumerate().rev() {
        out.shape[i] = s as i64;
        out.stride[i] = st as i64;
        st *= s;
    }
    Ok(out)
}

/// 256 threads a block, enough blocks to cover `n` (grid-stride loops
/// cover the rest past the cap).
pub(crate) fn elementwise(n: usize) -> LaunchConfig {
    let blocks = n.div_ceil(256).clamp(1, 1 << 16) as u32;
    LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (256, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// One 256-thread block per row (reduce.cu's REDUCE_THREADS); the grid's
/// x dimension holds at most 2^31 - 1 blocks.
pub(crate) fn rows(rows: usize) -> Result<LaunchConfig> {
    let blocks = u32::try_from(rows.max(1))
        .ok()
        .filter(|&b| b <= i32::MAX as u32)
        .ok_or_else(|| {
            Error::invalid(format!(
                "CUDA reductions take at most 2^31 - 1 output rows, got {rows}"
            ))
        })?;
    Ok(LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (256, 1, 1),
        shared_mem_bytes: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_contiguous_runs() {
        // [2, 3, 4] contiguous is one run of 24.
        let s = strided(&Layout::contiguous(&[2, 3, 4])).unwrap();
        assert_eq!((s.ndim, s.shape[0], s.stride[0]), (1, 24, 1));
        // Its transpose (0, 2) has strides [1, 4, 12]: nothing merges.
        let t = strided(&Layout::contiguous(&[2, 3, 4]).transpose(0, 2)).unwrap();
        assert_eq!(t.ndim, 3);
        assert_eq!(&t.stride[..3], &[1, 4, 12]);
    }
}
