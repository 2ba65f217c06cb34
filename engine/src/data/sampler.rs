//! Samplers: which dataset indices a `DataLoader` visits in an epoch, and
//! `torch.utils.data.distributed.DistributedSampler`, which gives each of
//! `num_replicas` ranks its own share of one shuffled order.
//!
//! PyTorch's `DistributedSampler.__iter__`: with `shuffle`, a fresh
//! `torch.Generator` seeded with `seed + epoch` draws `randperm(n)` (the
//! engine's `randperm` is PyTorch's CPU stream); without `drop_last` the
//! order is padded by repeating its head up to `num_replicas *
//! ceil(n / num_replicas)` indices, with `drop_last` it is cut to
//! `num_replicas * floor(n / num_replicas)`; rank r takes every
//! `num_replicas`-th index starting at r. Same seed and epoch on every
//! rank: the shares are disjoint (up to the padding) and cover the data.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::random::Generator;
use crate::{Error, Result};

/// The indices of one epoch, in visiting order.
pub trait Sampler: Send + Sync {
    /// The next epoch's indices.
    fn indices(&self) -> Vec<usize>;
    /// How many indices an epoch has (`len(sampler)`).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `DistributedSampler(dataset, num_replicas, rank, shuffle=True, seed=0,
/// drop_last=False)`, over a dataset of `dataset_len` samples.
#[derive(Debug)]
pub struct DistributedSampler {
    dataset_len: usize,
    num_replicas: usize,
    rank: usize,
    shuffle: bool,
    seed: u64,
    drop_last: bool,
    epoch: AtomicU64,
    num_samples: usize,
}

impl DistributedSampler {
    /// `num_replicas` and `rank` default to the default process group's
    /// world size and rank (an error when none is initialised).
    pub fn new(
        dataset_len: usize,
        num_replicas: Option<usize>,
        rank: Option<usize>,
        shuffle: bool,
        seed: u64,
        drop_last: bool,
    ) -> Result<Self> {
        let num_replicas = match num_replicas {
            Some(n) => n,
            None => crate::distributed::get_world_size()?,
        };
        let rank = match rank {
            Some(r) => r,
            None => crate::distributed::get_rank()?,
        };
        if num_replicas == 0 {
            return Err(Error::invalid("num_replicas should be a positive integer"));
        }
        if rank >= num_replicas {
            return Err(Error::invalid(format!(
                "Invalid rank {rank}, rank should be in the interval [0, {}]",
                num_replicas - 1
            )));
        }
        let num_samples = if drop_last && dataset_len % num_replicas != 0 {
            // ceil((n - r) / r) = floor(n / r): the largest even split.
            dataset_len / num_replicas
        } else {
            dataset_len.div_ceil(num_replicas)
        };
        Ok(DistributedSampler {
            dataset_len,
            num_replicas,
            rank,
            shuffle,
            seed,
            drop_last,
            epoch: AtomicU64::new(0),
            num_samples,
        })
    }

    /// `set_epoch(epoch)`: the next epoch's shuffle (same on every rank).
    pub fn set_epoch(&self, epoch: u64) {
        self.epoch.store(epoch, Ordering::Relaxed);
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Relaxed)
    }

    /// `num_samples`: indices per rank and epoch.
    pub fn num_samples(&self) -> usize {
        self.num_samples
    }

    /// `total_size`: `num_samples * num_replicas`.
    pub fn total_size(&self) -> usize {
        self.num_samples * self.num_replicas
    }

    pub fn rank(&self) -> usize {
        self.rank
    }

    pub fn num_replicas(&self) -> usize {
        self.num_replicas
    }
}

impl Sampler for DistributedSampler {
    fn indices(&self) -> Vec<usize> {
        let n = self.dataset_len;
        let mut order: Vec<usize> = if self.shuffle {
            Generator::new(self.seed.wrapping_add(self.epoch()))
                .randperm(n)
                .into_iter()
                .map(|i| i as usize)
                .collect()
        } else {
            (0..n).collect()
        };
        let total = self.total_size();
        if !self.drop_last && n > 0 {
            // Repeat the order's head (the whole order as often as needed).
            let mut k = 0;
            while order.len() < total {
                order.push(order[k % n]);
                k += 1;
            }
        }
        order.truncate(total);
        order
            .into_iter()
            .skip(self.rank)
            .step_by(self.num_replicas)
            .collect()
    }

    fn len(&self) -> usize {
        self.num_samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(n: usize, reps: usize, rank: usize, drop_last: bool) -> Vec<usize> {
        DistributedSampler::new(n, Some(reps), Some(rank), false, 0, drop_last)
            .unwrap()
            .indices()
    }

    #[test]
    fn unshuffled_shares_pad_or_drop_as_pytorch() {
        // 10 samples over 3 ranks: total 12, padded with 0 and 1.
        assert_eq!(indices(10, 3, 0, false), vec![0, 3, 6, 9]);
        assert_eq!(indices(10, 3, 1, false), vec![1, 4, 7, 0]);
        assert_eq!(indices(10, 3, 2, false), vec![2, 5, 8, 1]);
        // drop_last: total 9, sample 9 dropped.
        assert_eq!(indices(10, 3, 2, true), vec![2, 5, 8]);
        // Fewer samples than ranks: the order repeats whole.
        assert_eq!(indices(2, 5, 4, false), vec![0]);
        assert_eq!(indices(2, 5, 3, false), vec![1]);
        assert!(indices(2, 5, 0, true).is_empty());
    }

    #[test]
    fn bad_ranks_are_errors() {
        let e = DistributedSampler::new(10, Some(2), Some(2), true, 0, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid rank 2, rank should be in the interval [0, 1]"
        );
        assert!(DistributedSampler::new(10, Some(0), Some(0), true, 0, false).is_err());
    }
}
