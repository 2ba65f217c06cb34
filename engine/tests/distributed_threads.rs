//! The collectives, DistributedDataParallel and GradScaler's agreement on
//! the threads backend (ranks as threads of this process), with 1 to 4
//! ranks. The same bodies run under `mpirun` in distributed_mpi.rs.

mod dist;

use std::time::Duration;

use tinytorch::distributed::{self as d, threads, DdpOptions, DistributedDataParallel, ReduceOp};
use tinytorch::nn::{Linear, Module, ModuleExt};
use tinytorch::{DType, Device, Tensor};

const T: Duration = Duration::from_secs(60);

#[test]
fn collectives_match_the_single_process_fold_on_1_to_4_ranks() {
    for p in 1..=4 {
        threads::run(p, T, |_| dist::check_collectives()).unwrap();
    }
}

#[test]
fn mismatches_are_errors_naming_both_ranks() {
    threads::run(2, T, |_| dist::check_mismatch_errors()).unwrap();
    threads::run(3, T, |_| dist::check_mismatch_errors()).unwrap();
}

#[test]
fn the_default_group_is_per_thread_under_the_threads_backend() {
    assert!(!d::is_initialized());
    let got = threads::run(3, T, |rank| {
        let g = d::default_group().unwrap();
        assert_eq!(d::get_backend().unwrap(), "threads");
        (
            rank,
            d::get_rank().unwrap(),
            d::get_world_size().unwrap(),
            g.backend().name(),
        )
    })
    .unwrap();
    assert_eq!(
        got,
        vec![
            (0, 0, 3, "threads"),
            (1, 1, 3, "threads"),
            (2, 2, 3, "threads")
        ]
    );
    assert!(!d::is_initialized());
    assert!(d::get_rank().is_err());
    let e = d::init_process_group("threads").unwrap_err().to_string();
    assert!(e.contains("threads::run"), "{e}");
    let e = d::init_process_group("tcp").unwrap_err().to_string();
    assert!(e.starts_with("Invalid backend: 'tcp'"), "{e}");
}

#[test]
fn destroy_waits_for_every_rank_and_leaves_the_thread_uninitialised() {
    threads::run(2, T, |rank| {
        if rank == 1 {
            std::thread::sleep(Duration::from_millis(50));
        }
        d::destroy_process_group().unwrap();
        assert!(!d::is_initialized());
    })
    .unwrap();
}

#[test]
fn ddp_equals_one_process_on_the_same_global_batches() {
    for (p, cap_mb) in [(2, 25.0), (4, 25.0), (2, 0.0001), (3, 0.0)] {
        let errs = threads::run(p, T, |_| dist::ddp_against_single_process(5, 3, cap_mb)).unwrap();
        for e in errs {
            assert!(
                e <= 1e-6,
                "{p} ranks, cap {cap_mb} MB: relative difference {e}"
            );
        }
    }
}

#[test]
fn no_sync_accumulates_locally_then_averages_the_sums() {
    threads::run(2, T, |_| dist::check_no_sync()).unwrap();
    threads::run(3, T, |_| dist::check_no_sync()).unwrap();
}

#[test]
fn grad_scaler_skips_the_same_step_on_every_rank() {
    threads::run(2, T, |_| dist::check_grad_scaler_agrees()).unwrap();
}

#[test]
fn buckets_follow_reverse_registration_order() {
    threads::run(2, T, |_| {
        let m = dist::mlp();
        let opts = |mb| DdpOptions {
            bucket_cap_mb: mb,
            ..DdpOptions::default()
        };
        let ddp = DistributedDataParallel::with_options(m, opts(0.0)).unwrap();
        let names: Vec<Vec<String>> = ddp.bucket_names();
        assert_eq!(
            names,
            ["4.bias", "4.weight", "2.bias", "2.weight", "0.bias", "0.weight"]
                .map(|n| vec![n.to_string()])
        );
        // 100 bytes: 4.bias (12) + 4.weight (48) + 2.bias (16) + 2.weight (80) closes;
        // 0.bias (20) + 0.weight (120) closes.
        let ddp =
            DistributedDataParallel::with_options(dist::mlp(), opts(100.0 / 1048576.0)).unwrap();
        assert_eq!(
            ddp.bucket_names(),
            vec![
                vec!["4.bias", "4.weight", "2.bias", "2.weight"],
                vec!["0.bias", "0.weight"]
            ]
        );
        assert!(ddp
            .repr()
            .starts_with("DistributedDataParallel(\n  (module): Sequential("));
        let names: Vec<String> = ddp.named_parameters().into_iter().map(|(k, _)| k).collect();
        assert_eq!(names[0], "module.0.weight");
    })
    .unwrap();
}

#[test]
fn different_models_are_an_error_on_every_rank() {
    let errs = threads::run(2, T, |rank| {
        let m = if rank == 0 {
            Linear::new(4, 3, true).unwrap()
        } else {
            Linear::new(4, 2, true).unwrap()
        };
        DistributedDataParallel::new(m).err().unwrap().to_string()
    })
    .unwrap();
    for e in errs {
        assert_eq!(
            e,
            "DistributedDataParallel expects the same model on every rank, but rank 0 has parameter weight of shape [3, 4] and dtype float32 where rank 1 has parameter weight of shape [2, 4] and dtype float32"
        );
    }
    let errs = threads::run(2, T, |rank| {
        DistributedDataParallel::new(Linear::new(4, 3, rank == 0).unwrap())
            .err()
            .unwrap()
            .to_string()
    })
    .unwrap();
    assert!(
        errs[1].ends_with("rank 0 has 2 parameters and buffers while rank 1 has 1"),
        "{}",
        errs[1]
    );
}

#[test]
fn a_parameter_unused_on_one_rank_gets_the_average_of_the_others() {
    threads::run(2, T, |rank| {
        let m = Linear::new(2, 1, true).unwrap();
        let ddp = DistributedDataParallel::new(m).unwrap();
        let x = Tensor::from_vec_f64(&[1.0, 2.0], &[1, 2], DType::F32).unwrap();
        let out = ddp.forward(&x).unwrap();
        // Rank 0's loss uses only the bias; rank 1's the whole output.
        let loss = if rank == 0 {
            ddp.module().bias.as_ref().unwrap().sum().unwrap()
        } else {
            out.sum().unwrap()
        };
        loss.backward().unwrap();
        // weight: rank 0 contributes zeros, rank 1 x = [1, 2]: average [0.5, 1].
        let w = &ddp.module().weight;
        assert_eq!(w.grad().unwrap().to_vec_f64().unwrap(), vec![0.5, 1.0]);
        assert_eq!(
            ddp.module()
                .bias
                .as_ref()
                .unwrap()
                .grad()
                .unwrap()
                .to_vec_f64()
                .unwrap(),
            vec![1.0]
        );
    })
    .unwrap();
}

#[test]
fn a_rank_that_ends_early_fails_the_others_at_once() {
    let res = std::panic::catch_unwind(|| {
        threads::run(2, T, |rank| {
            if rank == 1 {
                panic!("rank 1 raises");
            }
            let t = Tensor::ones_on(&[3], DType::F32, Device::Cpu).unwrap();
            let e = d::all_reduce(&t, ReduceOp::Sum).unwrap_err().to_string();
            assert!(e.contains("rank 1 left the process group"), "{e}");
        })
    });
    let msg = res
        .err()
        .and_then(|p| p.downcast_ref::<&str>().map(|s| s.to_string()));
    assert_eq!(msg.as_deref(), Some("rank 1 raises"));
}
