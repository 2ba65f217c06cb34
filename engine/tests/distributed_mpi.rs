//! Real multi-process runs (feature `distributed`): each test launches this
//! test binary under `mpirun -np N` running one worker below (the workers
//! are `#[ignore]`d so that a plain run skips them), and checks the launch:
//! every collective against the single-process fold on 2 and 3 ranks, DDP
//! equal to one process within 1e-6, and failures that end the job with
//! the error on stderr within a bounded time instead of hanging.
//!
//! Without `mpirun` on the PATH the tests print why and skip; with
//! `TT_REQUIRE_MPI=1` (set by tests/all.sh when it built the feature) they
//! fail instead.

#![cfg(feature = "distributed")]

mod dist;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One launch at a time: the machine's cores are shared by all ranks.
static LAUNCH: Mutex<()> = Mutex::new(());

struct Launch {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs worker `name` on `np` ranks; `None` (skipped) without mpirun.
fn mpirun(np: usize, name: &str, limit: Duration) -> Option<Launch> {
    let _one = LAUNCH.lock().unwrap_or_else(|p| p.into_inner());
    if Command::new("mpirun").arg("--version").output().is_err() {
        assert!(
            std::env::var("TT_REQUIRE_MPI").is_err(),
            "TT_REQUIRE_MPI is set but mpirun is not on the PATH"
        );
        eprintln!(
            "skipped: mpirun is not on the PATH (apt-get install openmpi-bin libopenmpi-dev)"
        );
        return None;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let started = Instant::now();
    let mut child = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe", "-np"])
        .arg(np.to_string())
        .arg(exe)
        .args([
            "--exact",
            &format!("workers::{name}"),
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TT_MPI_WORKER", name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mpirun");
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for mpirun") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "mpirun -np {np} ({name}) did not finish within {limit:?}: a hang\nstdout:\n{}\nstderr:\n{}",
                reader.join().unwrap_or_default(),
                err_reader.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Some(Launch {
        ok: status.success(),
        code: status.code(),
        stdout: reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        took: started.elapsed(),
    })
}

fn expect_success(l: Launch, what: &str) -> Launch {
    assert!(
        l.ok,
        "{what}: mpirun exited with {:?}\nstdout:\n{}\nstderr:\n{}",
        l.code, l.stdout, l.stderr
    );
    l
}

#[test]
fn every_collective_on_2_and_3_ranks() {
    for np in [2, 3] {
        let Some(l) = mpirun(np, "collectives", Duration::from_secs(300)) else {
            return;
        };
        let l = expect_success(l, "collectives");
        assert_eq!(
            l.stdout.matches("collectives ok").count(),
            np,
            "{}",
            l.stdout
        );
    }
}

#[test]
fn ddp_on_2_ranks_equals_one_process() {
    let Some(l) = mpirun(2, "ddp", Duration::from_secs(300)) else {
        return;
    };
    let l = expect_success(l, "ddp");
    // Each rank prints its relative difference; the worker asserted <= 1e-6.
    assert_eq!(l.stdout.matches("ddp ok").count(), 4, "{}", l.stdout);
    eprintln!(
        "{}",
        l.stdout
            .lines()
            .filter(|s| s.contains("ddp ok"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_rank_that_raises_ends_the_launch_with_its_error() {
    let Some(l) = mpirun(2, "raises", Duration::from_secs(120)) else {
        return;
    };
    assert!(!l.ok, "the launch must fail\n{}", l.stderr);
    assert!(
        l.stderr.contains("rank 1 raises on purpose"),
        "{}",
        l.stderr
    );
    assert!(l.took < Duration::from_secs(60), "took {:?}", l.took);
}

#[test]
fn a_rank_that_dies_ends_the_launch() {
    let Some(l) = mpirun(2, "dies", Duration::from_secs(120)) else {
        return;
    };
    assert!(!l.ok, "the launch must fail\n{}", l.stderr);
    assert!(l.stderr.contains("rank 1 aborts now"), "{}", l.stderr);
    assert!(l.stderr.contains("exited on signal 6"), "{}", l.stderr);
    assert!(l.took < Duration::from_secs(60), "took {:?}", l.took);
}

#[test]
fn a_rank_that_never_joins_times_the_others_out() {
    let Some(l) = mpirun(2, "never_joins", Duration::from_secs(120)) else {
        return;
    };
    assert!(!l.ok, "the launch must fail\n{}", l.stderr);
    assert!(
        l.stderr.contains(
            "[rank 0] tinytorch.distributed: a collective's agreement timed out after 2.0 s"
        ),
        "{}",
        l.stderr
    );
    assert!(l.took < Duration::from_secs(60), "took {:?}", l.took);
}

#[test]
fn a_rank_that_exits_early_fails_the_others_at_once() {
    let Some(l) = mpirun(2, "exits_early", Duration::from_secs(120)) else {
        return;
    };
    assert!(!l.ok, "the launch must fail\n{}", l.stderr);
    assert!(
        l.stderr.contains("at exit: ranks called different collectives: rank 0 called all_reduce and rank 1 called shutdown"),
        "{}",
        l.stderr
    );
    assert!(
        l.stdout
            .contains("rank 0 saw: ranks called different collectives"),
        "{}",
        l.stdout
    );
    assert!(l.took < Duration::from_secs(60), "took {:?}", l.took);
}

/// The bodies `mpirun` runs, one process per rank.
mod workers {
    use std::time::Duration;

    use tinytorch::distributed as dist;
    use tinytorch::{DType, Device, Tensor};

    fn init(timeout: Duration) -> (usize, usize) {
        assert!(
            std::env::var("TT_MPI_WORKER").is_ok(),
            "a worker: run by the tests above under mpirun"
        );
        let env = dist::set_torchrun_env().expect("the launch's variables");
        dist::init_process_group_with("mpi", timeout).unwrap();
        let (r, p) = (dist::get_rank().unwrap(), dist::get_world_size().unwrap());
        assert_eq!((r, p), (env.rank, env.world_size));
        assert_eq!(std::env::var("RANK").unwrap(), r.to_string());
        (r, p)
    }

    #[test]
    #[ignore = "a worker, run under mpirun by the tests above"]
    fn collectives() {
        let (r, _) = init(Duration::from_secs(120));
        super::dist::check_collectives();
        super::dist::check_mismatch_errors();
        dist::destroy_process_group().unwrap();
        assert!(!dist::is_initialized());
        // MPI stays up: a second group works.
        dist::init_process_group("gloo").unwrap();
        assert_eq!(dist::get_backend().unwrap(), "gloo");
        dist::barrier().unwrap();
        dist::destroy_process_group().unwrap();
        println!("rank {r}: collectives ok");
    }

    #[test]
    #[ignore = "a worker, run under mpirun by the tests above"]
    fn ddp() {
        let (r, _) = init(Duration::from_secs(120));
        for cap_mb in [25.0, 0.0001] {
            let e = super::dist::ddp_against_single_process(5, 4, cap_mb);
            assert!(
                e <= 1e-6,
                "rank {r}, cap {cap_mb} MB: relative difference {e}"
            );
            println!("rank {r}: ddp ok, cap {cap_mb} MB, relative difference {e:.2e}");
        }
        super::dist::check_no_sync();
        super::dist::check_grad_scaler_agrees();
        // No destroy_process_group: the exit handler shuts MPI down cleanly.
    }

    #[test]
    #[ignore = "a worker, run under mpirun by the tests above"]
    fn raises() {
        let (r, _) = init(Duration::from_secs(600));
        dist::barrier().unwrap();
        if r == 1 {
            panic!("rank 1 raises on purpose");
        }
        let t = Tensor::ones_on(&[4], DType::F32, Device::Cpu).unwrap();
        let _ = dist::all_reduce(&t, dist::ReduceOp::Sum);
        unreachable!("rank 0 must be stopped by mpirun while waiting");
    }

    #[test]
    #[ignore = "a worker, run under mpirun by the tests above"]
    fn dies() {
        let (r, _) = init(Duration::from_secs(600));
        dist::barrier().unwrap();
        if r == 1 {
            eprintln!("rank 1 aborts now");
            std::process::abort();
        }
        let t = Tensor::ones_on(&[4], DType::F32, Device::Cpu).unwrap();
        let _ = dist::all_reduce(&t, dist::ReduceOp::Sum);
        unreachable!("rank 0 must be stopped by mpirun while waiting");
    }

    #[test]
    #[ignore = "a worker, run under mpirun by the tests above"]
    fn never_joins() {
        let (r, _) = init(Duration::from_secs(2));
        if r == 1 {
            std::thread::sleep(Duration::from_secs(100));
        }
        let t = Tensor::ones_on(&[4], DType::F32, Device::Cpu).unwrap();
        let _ = dist::all_reduce(&t, dist::ReduceOp::Sum);
        unreachable!("rank 0's watchdog must end it");
    }

    #[test]
    #[ignore = "a worker, run under mpirun by the tests above"]
    fn exits_early() {
        let (r, _) = init(Duration::from_secs(600));
        if r == 0 {
            let t = Tensor::ones_on(&[4], DType::F32, Device::Cpu).unwrap();
            let e = dist::all_reduce(&t, dist::ReduceOp::Sum).unwrap_err();
            println!("rank 0 saw: {e}");
            // Wait to be stopped: rank 1 fails its exit.
            std::thread::sleep(Duration::from_secs(100));
        }
        // Rank 1 returns (exit status 0) while rank 0 is in all_reduce.
    }
}
