//! Shape arithmetic: dim normalisation, broadcasting, and PyTorch-worded
//! errors for both. Pure functions over `&[usize]`.

use crate::{Error, Result};

/// Normalises a possibly negative `dim` for a tensor of `ndim` dims.
/// As in PyTorch, a 0-dim tensor accepts dims -1 and 0.
pub fn normalize_dim(op: &'static str, dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64;
    let d = if dim < 0 { dim + n } else { dim };
    if d < 0 || d >= n {
        return Err(Error::DimOutOfRange { op, dim, ndim });
    }
    Ok(d as usize)
}

/// Like [`normalize_dim`] for inserting a dim (`unsqueeze`, `stack`): the
/// valid range is `[-ndim-1, ndim]`.
pub fn normalize_insert_dim(op: &'static str, dim: i64, ndim: usize) -> Result<usize> {
    normalize_dim(op, dim, ndim + 1)
}

/// Normalises a list of dims, rejecting repeats as PyTorch does.
pub fn normalize_dims(op: &'static str, dims: &[i64], ndim: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let n = normalize_dim(op, d, ndim)?;
        if out.contains(&n) {
            return Err(Error::invalid(format!(
                "dim {n} appears multiple times in the list of dims"
            )));
        }
        out.push(n);
    }
    Ok(out)
}

/// The broadcast shape of two shapes, with PyTorch's error message.
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            (x, y) => {
                return Err(Error::shape(
                    op,
                    a,
                    b,
                    format!(
                        "The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
                    ),
                ));
            }
        };
    }
    checked_view_numel(&out)?;
    Ok(out)
}

/// Number of elements of a tensor about to be allocated, with overflow
/// reported (PyTorch's storage-size message) instead of wrapping. As in
/// PyTorch the product is taken left to right, so `[2^40, 0, 2^40]` is a
/// valid empty shape while `[2^40, 2^40, 0]` overflows.
pub fn checked_numel(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            Error::invalid(format!(
                "Storage size calculation overflowed with sizes={shape:?}"
            ))
        })
}

/// Number of elements of a view's shape (`view`, `reshape`, `expand`),
/// with PyTorch's message when it overflows.
pub fn checked_view_numel(shape: &[usize]) -> Result<usize> {
    checked_numel(shape).map_err(|_| Error::invalid("numel: integer multiplication overflow"))
}

/// Row-major (C-contiguous) strides for a shape.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc = acc.saturating_mul(shape[i].max(1));
    }
    strides
}

/// Resolves a shape with at most one `-1` against `numel` (for `view`/`reshape`).
pub fn infer_shape(op: &'static str, spec: &[i64], numel: usize) -> Result<Vec<usize>> {
    let mut infer = None;
    let mut known = 1usize;
    for (i, &d) in spec.iter().enumerate() {
        if d == -1 {
            if infer.is_some() {
                return Err(Error::invalid("only one dimension can be inferred"));
            }
            infer = Some(i);
        } else if d < 0 {
            return Err(Error::invalid(format!("invalid shape dimension {d}")));
        } else {
            known = known.saturating_mul(d as usize);
        }
    }
    let mut shape: Vec<usize> = spec.iter().map(|&d| d.max(0) as usize).collect();
    let invalid = || {
        Error::shape(
            op,
            &[numel],
            &[],
            format!(
                "shape '[{}]' is invalid for input of size {numel}",
                spec.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    match infer {
        Some(i) => {
            if known == 0 || numel % known != 0 {
                return Err(invalid());
            }
            shape[i] = numel / known;
        }
        None if known != numel => return Err(invalid()),
        None => {}
    }
    checked_view_numel(&shape)?;
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy_rules() {
        assert_eq!(
            broadcast_shapes("add", &[2, 1, 3], &[4, 1]).unwrap(),
            vec![2, 4, 3]
        );
        assert_eq!(broadcast_shapes("add", &[], &[5]).unwrap(), vec![5]);
        let e = broadcast_shapes("add", &[3], &[4]).unwrap_err().to_string();
        assert!(e.contains("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0"), "{e}");
    }

    #[test]
    fn dims_normalise_like_pytorch() {
        assert_eq!(normalize_dim("sum", -1, 3).unwrap(), 2);
        assert_eq!(normalize_dim("sum", 0, 0).unwrap(), 0);
        let e = normalize_dim("sum", 3, 3).unwrap_err().to_string();
        assert_eq!(
            e,
            "Dimension out of range (expected to be in range of [-3, 2], but got 3)"
        );
        assert_eq!(normalize_insert_dim("unsqueeze", -1, 2).unwrap(), 2);
    }

    #[test]
    fn infer_shape_resolves_minus_one() {
        assert_eq!(infer_shape("view", &[-1, 4], 12).unwrap(), vec![3, 4]);
        let e = infer_shape("view", &[5, -1], 12).unwrap_err().to_string();
        assert!(
            e.contains("shape '[5, -1]' is invalid for input of size 12"),
            "{e}"
        );
    }
}
