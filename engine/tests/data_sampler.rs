//! `DistributedSampler` and a `DataLoader` driven by it, against
//! `fixtures/sampler.json` (made by `fixtures/make_sampler_fixtures.py` with
//! PyTorch 2.15): every rank's indices for shuffled and ordered epochs,
//! padded and dropped tails, several seeds and epochs, and the loader's
//! batches plus the default generator's state after an epoch.

use std::sync::Arc;

use serde_json::Value;
use tinytorch::data::{DataLoader, DistributedSampler, Sampler, TensorDataset};
use tinytorch::{DType, Device, Tensor};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/sampler.json")).expect("sampler.json parses")
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_u64().expect("an index") as usize)
        .collect()
}

#[test]
fn every_rank_gets_pytorchs_indices() {
    let f = fixtures();
    let cases = f["samplers"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for c in cases {
        let n = c["n"].as_u64().unwrap() as usize;
        let reps = c["num_replicas"].as_u64().unwrap() as usize;
        let (shuffle, drop_last) = (
            c["shuffle"].as_bool().unwrap(),
            c["drop_last"].as_bool().unwrap(),
        );
        let (seed, epoch) = (c["seed"].as_u64().unwrap(), c["epoch"].as_u64().unwrap());
        let mut seen = Vec::new();
        for rank in 0..reps {
            let s = DistributedSampler::new(n, Some(reps), Some(rank), shuffle, seed, drop_last)
                .unwrap();
            s.set_epoch(epoch);
            let got = s.indices();
            let what = format!("n={n} replicas={reps} rank={rank} shuffle={shuffle} drop_last={drop_last} seed={seed} epoch={epoch}");
            assert_eq!(
                s.len(),
                c["num_samples"].as_u64().unwrap() as usize,
                "{what}"
            );
            assert_eq!(got.len(), s.len(), "{what}");
            if let Some(all) = c.get("indices") {
                assert_eq!(got, usizes(&all[rank]), "{what}");
            } else {
                assert_eq!(got[..100], usizes(&c["head"][rank])[..], "{what}");
                assert_eq!(
                    got[got.len() - 100..],
                    usizes(&c["tail"][rank])[..],
                    "{what}"
                );
            }
            seen.extend(got);
        }
        // The shares cover the dataset (drop_last: all but fewer than num_replicas).
        seen.sort_unstable();
        seen.dedup();
        let expect = if drop_last { n - n % reps } else { n };
        assert!(
            seen.len() >= expect.min(n),
            "n={n} replicas={reps}: {} distinct",
            seen.len()
        );
    }
}

#[test]
fn a_loader_batches_the_sampler_and_draws_one_base_seed() {
    let f = fixtures();
    for c in f["loaders"].as_array().unwrap() {
        let n = c["n"].as_u64().unwrap() as usize;
        let reps = c["num_replicas"].as_u64().unwrap() as usize;
        let rank = c["rank"].as_u64().unwrap() as usize;
        let bs = c["batch_size"].as_u64().unwrap() as usize;
        tinytorch::random::manual_seed(c["manual_seed"].as_u64().unwrap());
        let s =
            Arc::new(DistributedSampler::new(n, Some(reps), Some(rank), true, 7, false).unwrap());
        s.set_epoch(c["epoch"].as_u64().unwrap());
        let data = Tensor::arange(0.0, n as f64, 1.0, DType::I64, Device::Cpu).unwrap();
        let ds = Arc::new(TensorDataset::new(vec![data]).unwrap());
        let loader = DataLoader::new(ds, bs).unwrap().sampler(s).unwrap();
        let batches: Vec<Vec<usize>> = loader
            .iter()
            .map(|b| {
                b.unwrap()[0]
                    .to_vec_i64()
                    .unwrap()
                    .into_iter()
                    .map(|i| i as usize)
                    .collect()
            })
            .collect();
        let want: Vec<Vec<usize>> = c["batches"]
            .as_array()
            .unwrap()
            .iter()
            .map(usizes)
            .collect();
        assert_eq!(batches, want, "rank {rank} epoch {}", c["epoch"]);
        assert_eq!(loader.len(), want.len());
        let after = Tensor::randint(0, 1000, &[3], DType::I64, Device::Cpu).unwrap();
        assert_eq!(
            after.to_vec_i64().unwrap(),
            c["randint_after"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_sampler_excludes_shuffle_and_needs_a_group_for_defaults() {
    let data = Tensor::zeros_on(&[4], DType::F32, Device::Cpu).unwrap();
    let ds = Arc::new(TensorDataset::new(vec![data]).unwrap());
    let s = Arc::new(DistributedSampler::new(4, Some(2), Some(0), true, 0, false).unwrap());
    let err = DataLoader::new(ds, 2)
        .unwrap()
        .shuffle(true)
        .sampler(s)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "sampler option is mutually exclusive with shuffle"
    );
    let err = DistributedSampler::new(4, None, None, true, 0, false).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Default process group has not been initialized"),
        "{err}"
    );
}
