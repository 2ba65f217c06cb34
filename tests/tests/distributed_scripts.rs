//! Language scripts under `mpirun -np N tinytorch-repl SCRIPT` (the
//! `distributed` build): every collective against values derived here from
//! the math, DistributedDataParallel against single-process training on the
//! same global batches, a failing rank ending the launch quickly, and only
//! rank 0 showing pictures.
//!
//! Built only with the `distributed` feature (`cargo test --workspace
//! --features distributed`, as tests/all.sh runs when Open MPI is
//! installed), which also builds `tinytorch-repl` with MPI. Without
//! `mpirun` or that REPL they say why and skip; with `TT_REQUIRE_MPI=1`
//! (set by tests/all.sh then) they fail instead.
#![cfg(feature = "distributed")]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One launch at a time: ranks of two launches would share the two cores.
static LAUNCH: Mutex<()> = Mutex::new(());

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("distributed")
}

/// Skips (returns false) with a reason, or fails under TT_REQUIRE_MPI.
fn skip(why: &str) -> bool {
    assert!(
        std::env::var("TT_REQUIRE_MPI").is_err(),
        "TT_REQUIRE_MPI is set but {why}"
    );
    eprintln!("skipped: {why}");
    false
}

/// The REPL binary beside this test's profile directory.
fn repl() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let p = dir.join(format!("tinytorch-repl{}", std::env::consts::EXE_SUFFIX));
    p.is_file().then_some(p)
}

struct Launch {
    ok: bool,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// `mpirun -np np tinytorch-repl script` in `cwd`; None when it cannot run here.
fn mpirun(np: usize, script: &Path, cwd: &Path) -> Option<Launch> {
    let _one = LAUNCH.lock().unwrap_or_else(|p| p.into_inner());
    if Command::new("mpirun").arg("--version").output().is_err() {
        skip("mpirun is not on the PATH (apt-get install openmpi-bin libopenmpi-dev)");
        return None;
    }
    let Some(bin) = repl() else {
        skip("tinytorch-repl is not built (cargo build -p tinytorch-repl --features distributed)");
        return None;
    };
    let limit = Duration::from_secs(120);
    let started = Instant::now();
    let mut child = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe", "-np"])
        .arg(np.to_string())
        .arg(bin)
        .arg(script)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mpirun");
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let r1 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let r2 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "mpirun -np {np} {} hung past {limit:?}\n{}\n{}",
                script.display(),
                r1.join().unwrap_or_default(),
                r2.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let l = Launch {
        ok: status.success(),
        stdout: r1.join().unwrap_or_default(),
        stderr: r2.join().unwrap_or_default(),
        took: started.elapsed(),
    };
    if l.stderr.contains("doesn't have MPI built in") {
        skip("tinytorch-repl was built without the distributed feature");
        return None;
    }
    Some(l)
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// A float as Python's repr prints these small values.
fn py(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn list(xs: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", xs.into_iter().collect::<Vec<_>>().join(", "))
}

/// What collectives.py prints on `w` ranks, from the math.
fn expected_collectives(w: usize) -> Vec<String> {
    let s = (w * (w - 1) / 2) as f64;
    let wf = w as f64;
    let mut out = Vec::new();
    for r in 0..w {
        let rf = r as f64;
        let mut add = |what: &str, v: String| out.push(format!("{r} {what} {v}"));
        add("sum", list((0..4).map(|k| py(10.0 * s + k as f64 * wf))));
        add("avg", list([py((wf - 1.0) / 2.0)]));
        add("max", format!("[{w}]"));
        add("min", "[1]".into());
        add("product", format!("[{}]", (1..=w).product::<usize>()));
        add("broadcast", list([py(wf - 1.0)]));
        add(
            "all_gather",
            list((0..w).map(|q| list([py(q as f64), py((q * q) as f64)]))),
        );
        add(
            "reduce_scatter",
            list([py(wf * 2.0 * rf + s), py(wf * (2.0 * rf + 1.0) + s)]),
        );
        if r == 0 {
            add("gather", list((0..w).map(|q| list([py(q as f64)]))));
        }
        add("scatter", list([py(100.0 + rf)]));
        add("async", "True".into());
        // 10 samples, unshuffled: padded to an even split with the head.
        let per = 10usize.div_ceil(w);
        let order: Vec<usize> = (0..per * w).map(|i| i % 10).collect();
        let mine: Vec<String> = order
            .iter()
            .skip(r)
            .step_by(w)
            .map(|i| i.to_string())
            .collect();
        add("sampler", format!("{} {per}", list(mine)));
    }
    out.sort();
    out
}

#[test]
fn every_collective_from_the_language_on_2_and_3_ranks() {
    for np in [2, 3] {
        let Some(l) = mpirun(np, &scripts().join("collectives.py"), &scripts()) else {
            return;
        };
        assert!(l.ok, "np {np}:\n{}\n{}", l.stdout, l.stderr);
        assert_eq!(sorted_lines(&l.stdout), expected_collectives(np), "np {np}");
    }
}

#[test]
fn ddp_from_the_language_matches_single_process_training() {
    for np in [2, 3] {
        let Some(l) = mpirun(np, &scripts().join("ddp.py"), &scripts()) else {
            return;
        };
        assert!(l.ok, "np {np}:\n{}\n{}", l.stdout, l.stderr);
        let want: Vec<String> = (0..np)
            .map(|r| {
                format!("{r} start True trained True agree True local True accumulated True keys ['module.0.weight', 'module.0.bias']")
            })
            .collect();
        assert_eq!(sorted_lines(&l.stdout), want, "np {np}\n{}", l.stderr);
    }
}

#[test]
fn a_failing_rank_ends_the_launch_with_its_error() {
    let Some(l) = mpirun(2, &scripts().join("fails.py"), &scripts()) else {
        return;
    };
    assert!(!l.ok, "the launch must fail");
    assert!(l.took < Duration::from_secs(60), "took {:?}", l.took);
    let all = format!("{}{}", l.stdout, l.stderr);
    assert!(all.contains("ValueError: rank 1 gives up"), "{all}");
    assert!(!all.contains("never printed"), "{all}");
}

#[test]
fn only_rank_0_shows_pictures_unless_asked() {
    let dir = std::env::temp_dir().join(format!("tt-dist-pictures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let Some(l) = mpirun(2, &scripts().join("pictures.py"), &dir) else {
        return;
    };
    assert!(l.ok, "{}\n{}", l.stdout, l.stderr);
    // The first chart on rank 0 only; after show_on_all_ranks() on both:
    // three saved pictures (four if every rank showed both, two if none
    // could be asked for).
    let saved = l.stdout.lines().filter(|s| s.contains("[saved")).count();
    assert_eq!(saved, 3, "{}", l.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}
