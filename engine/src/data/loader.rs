//! `DataLoader`: batches of a [`Dataset`] in sequential or shuffled order,
//! prepared on a background thread while the caller trains on the last one.
//!
//! Shuffles equal PyTorch's for the same seed. Per epoch, PyTorch's
//! iterator first draws a base seed (`random_()` on an int64, one 64-bit
//! draw) from the loader's generator or the default one; then its
//! `RandomSampler` either runs `randperm(n)` on the loader's generator, or,
//! with none given, seeds a fresh generator with a second 64-bit draw
//! (modulo 2^63) of the default generator and runs `randperm` on that. An
//! exhausted sampler draws one more (empty-sliced) `randperm`, so a private
//! generator advances by two permutations per epoch. With a `sampler`
//! (`DistributedSampler`), the sampler gives the order and only the base
//! seed is drawn.

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use super::{Dataset, Sampler};
use crate::random::{default_generator, Generator};
use crate::{Error, Result, Tensor};

/// `DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, generator=None)`.
#[derive(Clone)]
pub struct DataLoader {
    dataset: Arc<dyn Dataset>,
    pub batch_size: usize,
    pub shuffle: bool,
    pub drop_last: bool,
    generator: Option<Arc<Mutex<Generator>>>,
    sampler: Option<Arc<dyn Sampler>>,
    /// Batches prepared ahead on the background thread (0: no thread).
    pub prefetch: usize,
}

impl DataLoader {
    pub fn new(dataset: Arc<dyn Dataset>, batch_size: usize) -> Result<DataLoader> {
        if batch_size == 0 {
            return Err(Error::invalid(format!(
                "batch_size should be a positive integer value, but got batch_size={batch_size}"
            )));
        }
        Ok(DataLoader {
            dataset,
            batch_size,
            shuffle: false,
            drop_last: false,
            generator: None,
            sampler: None,
            prefetch: 2,
        })
    }

    pub fn shuffle(mut self, on: bool) -> Self {
        self.shuffle = on;
        self
    }

    pub fn drop_last(mut self, on: bool) -> Self {
        self.drop_last = on;
        self
    }

    /// Shuffles with a private generator seeded like `torch.Generator().manual_seed(seed)`.
    pub fn generator(mut self, seed: u64) -> Self {
        self.generator = Some(Arc::new(Mutex::new(Generator::new(seed))));
        self
    }

    /// `DataLoader(..., sampler=sampler)`: the sampler chooses each epoch's
    /// indices (for `DistributedSampler`, call its `set_epoch` per epoch).
    pub fn sampler(mut self, sampler: Arc<dyn Sampler>) -> Result<Self> {
        if self.shuffle {
            return Err(Error::invalid(
                "sampler option is mutually exclusive with shuffle",
            ));
        }
        self.sampler = Some(sampler);
        Ok(self)
    }

    pub fn prefetch(mut self, batches: usize) -> Self {
        self.prefetch = batches;
        self
    }

    pub fn dataset(&self) -> &Arc<dyn Dataset> {
        &self.dataset
    }

    /// `len(loader)`: the number of batches.
    pub fn len(&self) -> usize {
        let n = match &self.sampler {
            Some(s) => s.len(),
            None => self.dataset.len(),
        };
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sample order of the next epoch (consumes the draws PyTorch does).
    pub fn epoch_order(&self) -> Vec<usize> {
        let n = self.dataset.len();
        if let Some(s) = &self.sampler {
            let _base_seed = match &self.generator {
                Some(g) => g.lock().unwrap_or_else(|p| p.into_inner()).random_u64(),
                None => default_generator().random_u64(),
            };
            return s.indices();
        }
        match &self.generator {
            Some(g) => {
                let mut g = g.lock().unwrap_or_else(|p| p.into_inner());
                let _base_seed = g.random_u64();
                if self.shuffle {
                    let perm = g.randperm(n).into_iter().map(|i| i as usize).collect();
                    // RandomSampler ends each pass with a second randperm whose
                    // slice `[:num_samples % n]` is empty: its draws still happen
                    let _ = g.randperm(n);
                    perm
                } else {
                    (0..n).collect()
                }
            }
            None => {
                let mut d = default_generator();
                let _base_seed = d.random_u64();
                if self.shuffle {
                    let seed = d.random_u64() % (1u64 << 63);
                    drop(d);
                    Generator::new(seed)
                        .randperm(n)
                        .into_iter()
                        .map(|i| i as usize)
                        .collect()
                } else {
                    (0..n).collect()
                }
            }
        }
    }

    /// One epoch of batches (`for batch in loader`).
    pub fn iter(&self) -> DataLoaderIter {
        let order = self.epoch_order();
        let mut batches: Vec<Vec<usize>> =
            order.chunks(self.batch_size).map(|c| c.to_vec()).collect();
        if self.drop_last && batches.last().is_some_and(|b| b.len() < self.batch_size) {
            batches.pop();
        }
        let total = batches.len();
        if self.prefetch == 0 {
            return DataLoaderIter {
                source: Source::Inline {
                    dataset: self.dataset.clone(),
                    batches: batches.into_iter(),
                },
                remaining: total,
            };
        }
        let (tx, rx) = sync_channel(self.prefetch);
        let ds = self.dataset.clone();
        std::thread::spawn(move || {
            for b in batches {
                if tx.send(ds.get_batch(&b)).is_err() {
                    break; // the iterator was dropped
                }
            }
        });
        DataLoaderIter {
            source: Source::Thread(rx),
            remaining: total,
        }
    }
}

enum Source {
    Thread(Receiver<Result<Vec<Tensor>>>),
    Inline {
        dataset: Arc<dyn Dataset>,
        batches: std::vec::IntoIter<Vec<usize>>,
    },
}

/// One epoch's batches, each `Result<[inputs, targets, ..]>`.
pub struct DataLoaderIter {
    source: Source,
    remaining: usize,
}

impl Iterator for DataLoaderIter {
    type Item = Result<Vec<Tensor>>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match &mut self.source {
            Source::Thread(rx) => rx.recv().ok(),
            Source::Inline { dataset, batches } => batches.next().map(|b| dataset.get_batch(&b)),
        };
        if item.is_some() {
            self.remaining -= 1;
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for DataLoaderIter {}
