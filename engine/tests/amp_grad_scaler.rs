//! GradScaler: PyTorch's dynamic loss scaling, checked against a scale
//! sequence derived by hand, with infinities injected into the gradients.

use tinytorch::amp::GradScaler;
use tinytorch::{optim, DType, Tensor};

fn param(v: f64) -> Tensor {
    Tensor::from_vec_f64(&[v], &[1], DType::F32)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

fn grad(v: f64) -> Option<Tensor> {
    Some(Tensor::from_vec_f64(&[v], &[1], DType::F32).unwrap())
}

#[test]
fn defaults_match_pytorch() {
    let s = GradScaler::new();
    assert_eq!(s.get_scale(), 65536.0);
    let st = s.state_dict();
    assert_eq!((st.growth_factor, st.backoff_factor), (2.0, 0.5));
    assert_eq!((st.growth_interval, st.growth_tracker), (2000, 0));
    let loss = Tensor::from_vec_f64(&[0.5], &[], DType::F32).unwrap();
    assert_eq!(s.scale(&loss).unwrap().item().unwrap(), 32768.0);
}

#[test]
fn scale_sequence_with_injected_infs() {
    // growth_interval 3 (instead of 2000) so growth shows in a short run.
    // Hand derivation, scale after each update():
    //   clean, clean          -> 2^16 (tracker 1, 2)
    //   clean                 -> 2^17 (3 clean in a row: x2, tracker 0)
    //   inf                   -> 2^16 (x0.5, tracker 0)
    //   clean, clean          -> 2^16 (tracker 1, 2)
    //   nan                   -> 2^15
    //   clean, clean, clean   -> 2^15, 2^15, 2^16
    let pattern = [
        false, false, false, true, false, false, true, false, false, false,
    ];
    let expected = [
        65536.0, 65536.0, 131072.0, 65536.0, 65536.0, 65536.0, 32768.0, 32768.0, 32768.0, 65536.0,
    ];
    let w = param(1.0);
    let mut opt = optim::Optimizer::sgd(vec![w.clone()], 0.5).unwrap();
    let mut s = GradScaler::with_options(65536.0, 2.0, 0.5, 3, true).unwrap();
    let mut w_expected = 1.0;
    for (i, (&bad, &want)) in pattern.iter().zip(&expected).enumerate() {
        let scale = s.get_scale();
        // The true gradient is 0.25; backward of a scaled loss gives
        // 0.25 * scale, and one step with inf or nan (iterations 3, 6).
        let g = if !bad {
            0.25 * scale
        } else if i == 3 {
            f64::INFINITY
        } else {
            f64::NAN
        };
        w.set_grad(grad(g)).unwrap();
        let stepped = s.step(&mut opt).unwrap();
        assert_eq!(stepped, !bad, "iteration {i}");
        if !bad {
            // SGD on the unscaled gradient: w -= 0.5 * 0.25.
            w_expected -= 0.125;
        }
        assert_eq!(w.to_vec_f64().unwrap(), vec![w_expected], "iteration {i}");
        s.update().unwrap();
        assert_eq!(s.get_scale(), want, "iteration {i}");
    }
    // The last clean step grew the scale and reset the tracker.
    assert_eq!(s.state_dict().growth_tracker, 0);
}

#[test]
fn unscale_then_step_and_misuse_errors() {
    let w = param(0.0);
    let mut opt = optim::Optimizer::sgd(vec![w.clone()], 1.0).unwrap();
    let mut s = GradScaler::with_options(8.0, 2.0, 0.5, 2000, true).unwrap();
    w.set_grad(grad(4.0)).unwrap();
    s.unscale_(&opt).unwrap();
    // 4 / 8 = 0.5: the unscaled gradient is visible (e.g. for clipping).
    assert_eq!(w.grad().unwrap().to_vec_f64().unwrap(), vec![0.5]);
    assert!(s.unscale_(&opt).is_err(), "second unscale_ before update");
    assert!(s.step(&mut opt).unwrap());
    assert_eq!(w.to_vec_f64().unwrap(), vec![-0.5]);
    assert!(s.step(&mut opt).is_err(), "second step before update");
    s.update().unwrap();
    assert!(s.update().is_err(), "update without an inf check");
}

#[test]
fn state_dict_round_trips_and_disabled_is_identity() {
    let mut a = GradScaler::with_options(1024.0, 4.0, 0.25, 10, true).unwrap();
    let w = param(0.0);
    let mut opt = optim::Optimizer::sgd(vec![w.clone()], 1.0).unwrap();
    w.set_grad(grad(f64::INFINITY)).unwrap();
    assert!(!a.step(&mut opt).unwrap());
    a.update().unwrap();
    // 1024 * 0.25 = 256.
    assert_eq!(a.get_scale(), 256.0);
    let mut b = GradScaler::new();
    b.load_state_dict(&a.state_dict()).unwrap();
    assert_eq!(b.state_dict(), a.state_dict());

    let mut off = GradScaler::with_options(65536.0, 2.0, 0.5, 2000, false).unwrap();
    let loss = Tensor::from_vec_f64(&[3.0], &[], DType::F32).unwrap();
    assert_eq!(off.scale(&loss).unwrap().item().unwrap(), 3.0);
    assert_eq!(off.get_scale(), 1.0);
    w.set_grad(grad(1.0)).unwrap();
    assert!(off.step(&mut opt).unwrap());
    off.update().unwrap();
    assert!(GradScaler::with_options(1.0, 1.0, 0.5, 1, true).is_err());
}
