//! Gradient buckets, as PyTorch's `compute_bucket_assignment_by_size`:
//! parameters walked in reverse registration order (about the order their
//! gradients become ready in backward), grouped by dtype and device, a
//! bucket closed as soon as it holds `cap` bytes or more; buckets are then
//! ordered by the first parameter they hold, which is the order DDP
//! launches them in, on every rank. Knows only sizes, not tensors.

use crate::{DType, Device};

/// What bucketing needs of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamInfo {
    pub dtype: DType,
    pub device: Device,
    pub numel: usize,
}

/// `params` in registration order; returns buckets of parameter indices,
/// in launch order, each listing its parameters in reverse registration
/// order (the layout of the bucket's flat buffer).
pub fn assign(params: &[ParamInfo], cap_bytes: usize) -> Vec<Vec<usize>> {
    let mut open: Vec<((DType, Device), Vec<usize>, usize)> = Vec::new();
    let mut done: Vec<Vec<usize>> = Vec::new();
    for i in (0..params.len()).rev() {
        let p = params[i];
        let key = (p.dtype, p.device);
        let slot = match open.iter().position(|(k, _, _)| *k == key) {
            Some(s) => s,
            None => {
                open.push((key, Vec::new(), 0));
                open.len() - 1
            }
        };
        let (_, idx, bytes) = &mut open[slot];
        idx.push(i);
        *bytes += p.numel * p.dtype.size_in_bytes();
        if *bytes >= cap_bytes {
            done.push(std::mem::take(idx));
            *bytes = 0;
        }
    }
    done.extend(
        open.into_iter()
            .map(|(_, idx, _)| idx)
            .filter(|b| !b.is_empty()),
    );
    // Walk position of a bucket's first parameter: the highest index.
    done.sort_by_key(|b| std::cmp::Reverse(b[0]));
    done
}

/// Bytes from a cap given in MB, as PyTorch's `bucket_cap_mb` (MiB).
pub fn cap_bytes(bucket_cap_mb: f64) -> usize {
    (bucket_cap_mb * 1024.0 * 1024.0).max(0.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(sizes: &[usize]) -> Vec<ParamInfo> {
        sizes
            .iter()
            .map(|&numel| ParamInfo {
                dtype: DType::F32,
                device: Device::Cpu,
                numel,
            })
            .collect()
    }

    #[test]
    fn reverse_order_and_a_bucket_closes_once_it_reaches_the_cap() {
        // 4-byte elements, cap 40 bytes = 10 elements. Walk 4, 3, 2, 1, 0:
        // p4 (6) + p3 (5) = 44 bytes closes [4, 3]; p2 (12) alone closes;
        // p1 (1) + p0 (2) stay open to the end.
        let b = assign(&f32s(&[2, 1, 12, 5, 6]), 40);
        assert_eq!(b, vec![vec![4, 3], vec![2], vec![1, 0]]);
    }

    #[test]
    fn one_bucket_under_the_default_cap() {
        // The MNIST CNN: 1.2M float32 parameters (4.8 MB) under 25 MB.
        let b = assign(
            &f32s(&[288, 32, 18432, 64, 1179648, 128, 1280, 10]),
            cap_bytes(25.0),
        );
        assert_eq!(b, vec![vec![7, 6, 5, 4, 3, 2, 1, 0]]);
        assert_eq!(cap_bytes(25.0), 26_214_400);
    }

    #[test]
    fn dtypes_and_devices_never_share_a_bucket() {
        let mut ps = f32s(&[3, 3, 3, 3]);
        ps[1].dtype = DType::F64;
        ps[2].device = Device::Cuda(0);
        let b = assign(&ps, 1 << 20);
        // Each key's bucket stays open; ordered by walk position of their
        // first member: p3 (f32 cpu), p2 (cuda), p1 (f64).
        assert_eq!(b, vec![vec![3, 0], vec![2], vec![1]]);
    }

    #[test]
    fn a_zero_cap_gives_one_bucket_per_parameter() {
        assert_eq!(
            assign(&f32s(&[1, 1, 1]), 0),
            vec![vec![2], vec![1], vec![0]]
        );
        assert!(assign(&[], 10).is_empty());
    }
}
