//! `tinytorch::interrupt`: long CPU kernels stop between chunks when an
//! interrupt is requested, return `Error::Interrupted` without publishing
//! an output, and everything works again once the request is cleared.
//!
//! The flag is process-wide, so this binary holds a single test: the other
//! test binaries never request an interrupt.

use std::time::{Duration, Instant};

use tinytorch::nn::functional::conv2d;
use tinytorch::{interrupt, DType, Device, Error, Tensor};

const CPU: Device = Device::Cpu;

fn is_interrupted<T>(r: tinytorch::Result<T>) -> bool {
    matches!(r, Err(Error::Interrupted))
}

#[test]
fn long_ops_stop_on_request_and_work_after_clear() {
    interrupt::clear();
    let x = Tensor::randn_on(&[600, 700], DType::F32, CPU).unwrap();
    let xt = x.t().unwrap(); // a strided view: copies go through the planner
    let img = Tensor::randn_on(&[8, 3, 32, 32], DType::F32, CPU).unwrap();
    let w = Tensor::randn_on(&[4, 3, 3, 3], DType::F32, CPU)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let long = Tensor::randn_on(&[200_000], DType::F64, CPU).unwrap();

    // A pending request stops each polling kernel at its first chunk.
    interrupt::request();
    assert!(interrupt::check().is_err());
    assert!(is_interrupted(x.matmul(&x.t().unwrap())));
    assert!(is_interrupted(xt.contiguous()));
    assert!(is_interrupted(xt.to_dtype(DType::F64)));
    assert!(is_interrupted(x.sum()));
    assert!(is_interrupted(x.sum_dims(&[1], false)));
    assert!(is_interrupted(xt.sum_dims(&[0], false)));
    assert!(is_interrupted(x.max()));
    assert!(is_interrupted(x.sort(1, false)));
    assert!(is_interrupted(long.cumsum(0)));
    assert!(is_interrupted(conv2d(
        &img,
        &w,
        None,
        [1, 1],
        [1, 1],
        [1, 1],
        1
    )));
    let mi32 = Tensor::ones_on(&[300, 300], DType::I32, CPU).unwrap();
    assert!(is_interrupted(mi32.matmul(&mi32)));
    // An interrupted op published nothing: the inputs are as they were.
    let before = x.sum();
    interrupt::clear();
    assert!(before.is_err());

    // Cleared: the same ops give their values.
    let s = x.sum().unwrap().item().unwrap();
    let by_rows = x
        .sum_dims(&[1], false)
        .unwrap()
        .sum()
        .unwrap()
        .item()
        .unwrap();
    assert!((s - by_rows).abs() < 1e-2 * s.abs().max(1.0));
    let c = xt.contiguous().unwrap();
    assert_eq!(c.shape(), &[700, 600]);
    assert_eq!(c.to_vec_f64().unwrap()[1], x.to_vec_f64().unwrap()[700]);
    let y = conv2d(&img, &w, None, [1, 1], [1, 1], [1, 1], 1).unwrap();
    assert_eq!(y.shape(), &[8, 4, 32, 32]);
    // conv2d's backward polls too
    let loss = y.sum().unwrap();
    interrupt::request();
    assert!(is_interrupted(loss.backward_with(None, true)));
    interrupt::clear();
    loss.backward().unwrap();
    assert_eq!(w.grad().unwrap().shape(), &[4, 3, 3, 3]);

    // A request made while a big matmul runs stops it within about one tile
    // (tens of milliseconds of one core); the bound here is loose because
    // the test machine is shared.
    let n = 4096;
    let a = Tensor::randn_on(&[n, n], DType::F32, CPU).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        interrupt::request();
        Instant::now()
    });
    let t0 = Instant::now();
    tx.send(()).unwrap();
    let r = a.matmul(&a);
    let done = Instant::now();
    let asked = waiter.join().unwrap();
    let finished_first = done < asked;
    interrupt::clear();
    if finished_first {
        // (a machine that multiplies 4096^2 in under 0.3 s: nothing to stop)
        eprintln!(
            "the matmul finished in {:?}, before the request",
            t0.elapsed()
        );
        assert!(r.is_ok());
    } else {
        let latency = done - asked;
        eprintln!(
            "interrupt latency of a {n}x{n} matmul: {latency:?} (ran {:?})",
            asked - t0
        );
        assert!(is_interrupted(r));
        assert!(latency < Duration::from_secs(5), "{latency:?}");
    }
    // ... and later ops work.
    let b = Tensor::ones_on(&[64, 64], DType::F32, CPU).unwrap();
    let p = b.matmul(&b).unwrap();
    assert_eq!(p.to_vec_f64().unwrap()[0], 64.0);
}
