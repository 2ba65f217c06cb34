//! Autocast reaching `nn::functional` on the CPU with bfloat16: linear (bias
//! included) runs and answers in bf16, the losses in float32, the norms
//! (not on PyTorch's CPU lists) in their input dtype. Each result is checked
//! against hand-derived values and against the same computation written
//! with explicit casts outside autocast; gradients reach float32 leaves.
//! The CUDA policy (norms in float32) runs on machines with a GPU.

use tinytorch::amp::autocast;
use tinytorch::nn::functional::{
    binary_cross_entropy_with_logits, cross_entropy, layer_norm, linear, mse_loss, nll_loss,
    rms_norm, LossOptions, Reduction,
};
use tinytorch::{cuda, DType, Device, Tensor};

fn t(v: &[f64], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec_f64(v, shape, dtype).unwrap()
}

fn leaf(v: &[f64], shape: &[usize]) -> Tensor {
    let x = t(v, shape, DType::F32);
    x.set_requires_grad(true).unwrap();
    x
}

#[test]
fn linear_with_bias_answers_in_bf16() {
    // x @ w.T = 16*8 + 16*8 = 256; + bias 1 = 257, which bf16 (8 significant
    // bits) cannot hold: 257 lies midway between 256 and 258 and rounds to
    // even, 256. Before the bias joined autocast, the f32 bias promoted the
    // sum to float32 and gave 257.
    let x = leaf(&[16.0, 16.0], &[1, 2]);
    let w = leaf(&[8.0, 8.0], &[1, 2]);
    let b = leaf(&[1.0], &[1]);
    let y = {
        let _ac = autocast("cpu", DType::BF16).unwrap();
        linear(&x, &w, Some(&b)).unwrap()
    };
    assert_eq!(y.dtype(), DType::BF16);
    assert_eq!(y.to_vec_f64().unwrap(), vec![256.0]);
    let explicit = linear(
        &x.to_dtype(DType::BF16).unwrap(),
        &w.to_dtype(DType::BF16).unwrap(),
        Some(&b.to_dtype(DType::BF16).unwrap()),
    )
    .unwrap();
    assert_eq!(explicit.dtype(), DType::BF16);
    assert_eq!(explicit.to_vec_f64().unwrap(), y.to_vec_f64().unwrap());
    // y = sum_k x_k w_k + b: dy/dw = x = [16, 16], dy/dx = w = [8, 8], dy/db = 1,
    // cast back through ToCopyBackward0 to the leaves' float32.
    y.sum().unwrap().backward().unwrap();
    for (p, want) in [
        (&w, vec![16.0, 16.0]),
        (&x, vec![8.0, 8.0]),
        (&b, vec![1.0]),
    ] {
        let g = p.grad().unwrap();
        assert_eq!(g.dtype(), DType::F32);
        assert_eq!(g.to_vec_f64().unwrap(), want);
    }
}

#[test]
fn losses_run_in_f32() {
    let _ac = autocast("cpu", DType::BF16).unwrap();
    // mse: diffs -0.5, 0, -2 -> squares 0.25, 0, 4 -> mean 4.25 / 3, which
    // float32 holds as 1.41666663 and bf16 would round to 1.4140625.
    let i = t(&[1.0, 2.0, 3.0], &[3], DType::BF16);
    let tg = t(&[1.5, 2.0, 5.0], &[3], DType::BF16);
    let l = mse_loss(&i, &tg, Reduction::Mean).unwrap();
    assert_eq!(l.dtype(), DType::F32);
    assert_eq!(l.item().unwrap(), (4.25f32 / 3.0) as f64);

    // nll with class weights [1, 2, 3], targets [0, 2]:
    // (1 * 1 + 3 * 4) / (1 + 3) = 3.25; exact, so only the dtype tells.
    let logp = t(&[-1.0, -2.0, -3.0, -0.5, -0.25, -4.0], &[2, 3], DType::BF16);
    let target = Tensor::from_vec(vec![0i64, 2], &[2]).unwrap();
    let mut opts = LossOptions::new();
    opts.weight = Some(t(&[1.0, 2.0, 3.0], &[3], DType::BF16));
    let l = nll_loss(&logp, &target, &opts).unwrap();
    assert_eq!(l.dtype(), DType::F32);
    assert_eq!(l.item().unwrap(), 3.25);

    // cross_entropy of equal logits is ln 3 = 1.0986123 (bf16: 1.1015625).
    let logits = t(&[0.0, 0.0, 0.0], &[1, 3], DType::BF16);
    let one = Tensor::from_vec(vec![1i64], &[1]).unwrap();
    let l = cross_entropy(&logits, &one, &LossOptions::new()).unwrap();
    assert_eq!(l.dtype(), DType::F32);
    assert!((l.item().unwrap() - 3f64.ln()).abs() < 1e-6);

    // bce_with_logits at x = 0 is ln 2 = 0.6931472 per element (bf16: 0.69140625).
    let x = t(&[0.0, 0.0], &[2], DType::BF16);
    let y = t(&[1.0, 0.0], &[2], DType::BF16);
    let l = binary_cross_entropy_with_logits(&x, &y, None, None, Reduction::Mean).unwrap();
    assert_eq!(l.dtype(), DType::F32);
    assert!((l.item().unwrap() - 2f64.ln()).abs() < 1e-6);
}

#[test]
fn losses_match_explicit_f32_casts() {
    let i = t(&[0.3, -1.7, 2.9, 0.1, 0.6, -0.2], &[2, 3], DType::BF16);
    let target = Tensor::from_vec(vec![2i64, 0], &[2]).unwrap();
    let probs = t(&[0.2, 0.3, 0.5, 0.9, 0.05, 0.05], &[2, 3], DType::BF16);
    let f = |t: &Tensor| t.to_dtype(DType::F32).unwrap();
    let opts = LossOptions::new();
    let (auto, explicit) = {
        let auto = {
            let _ac = autocast("cpu", DType::BF16).unwrap();
            vec![
                mse_loss(&i, &probs, Reduction::Sum).unwrap(),
                nll_loss(&i, &target, &opts).unwrap(),
                cross_entropy(&i, &target, &opts).unwrap(),
                cross_entropy(&i, &probs, &opts).unwrap(),
                binary_cross_entropy_with_logits(&i, &probs, None, None, Reduction::Mean).unwrap(),
            ]
        };
        let explicit = vec![
            mse_loss(&f(&i), &f(&probs), Reduction::Sum).unwrap(),
            nll_loss(&f(&i), &target, &opts).unwrap(),
            cross_entropy(&f(&i), &target, &opts).unwrap(),
            cross_entropy(&f(&i), &f(&probs), &opts).unwrap(),
            binary_cross_entropy_with_logits(&f(&i), &f(&probs), None, None, Reduction::Mean)
                .unwrap(),
        ];
        (auto, explicit)
    };
    for (a, e) in auto.iter().zip(&explicit) {
        assert_eq!(a.dtype(), DType::F32);
        assert_eq!(a.item().unwrap(), e.item().unwrap());
    }
}

#[test]
fn linear_then_loss_trains_f32_parameters() {
    // out = x . w + b = 1 + 2 + 0.5 = 3.5 (bf16, exact); loss = (3.5 - 1.5)^2 = 4
    // in f32; dL/dout = 2 (3.5 - 1.5) = 4, so dL/dw = 4 x = [4, 8], dL/db = 4.
    let x = t(&[1.0, 2.0], &[1, 2], DType::F32);
    let w = leaf(&[1.0, 1.0], &[1, 2]);
    let b = leaf(&[0.5], &[1]);
    let target = t(&[1.5], &[1, 1], DType::F32);
    let loss = {
        let _ac = autocast("cpu", DType::BF16).unwrap();
        let out = linear(&x, &w, Some(&b)).unwrap();
        assert_eq!(out.dtype(), DType::BF16);
        mse_loss(&out, &target, Reduction::Mean).unwrap()
    };
    assert_eq!(loss.dtype(), DType::F32);
    assert_eq!(loss.item().unwrap(), 4.0);
    loss.backward().unwrap();
    let gw = w.grad().unwrap();
    let gb = b.grad().unwrap();
    assert_eq!((gw.dtype(), gb.dtype()), (DType::F32, DType::F32));
    assert_eq!(gw.to_vec_f64().unwrap(), vec![4.0, 8.0]);
    assert_eq!(gb.to_vec_f64().unwrap(), vec![4.0]);
}

#[test]
fn norms_keep_their_input_dtype_on_cpu() {
    // PyTorch's CPU autocast lists do not name layer_norm or rms_norm: they
    // run as without autocast (statistics in f32 inside, output in x's dtype).
    let x = t(&[1.0, 3.0, -2.0, 2.0], &[2, 2], DType::BF16);
    let w = t(&[1.0, 1.0], &[2], DType::F32);
    let plain_ln = layer_norm(&x, &[2], Some(&w), None, 1e-5).unwrap();
    let plain_rms = rms_norm(&x, &[2], Some(&w), None).unwrap();
    let _ac = autocast("cpu", DType::BF16).unwrap();
    let ln = layer_norm(&x, &[2], Some(&w), None, 1e-5).unwrap();
    let rms = rms_norm(&x, &[2], Some(&w), None).unwrap();
    assert_eq!((ln.dtype(), rms.dtype()), (DType::BF16, DType::BF16));
    assert_eq!(ln.to_vec_f64().unwrap(), plain_ln.to_vec_f64().unwrap());
    assert_eq!(rms.to_vec_f64().unwrap(), plain_rms.to_vec_f64().unwrap());
    // rows [1, 3] and [-2, 2] normalise to [-1, 1] (up to eps) in both.
    for v in ln.to_vec_f64().unwrap().chunks(2) {
        assert!(
            (v[0] + 1.0).abs() < 1e-2 && (v[1] - 1.0).abs() < 1e-2,
            "{v:?}"
        );
    }
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn norms_and_losses_in_f32_on_each_gpu() {
    if !cuda::is_available() {
        eprintln!("skipped: no CUDA device (the CUDA norm policy is checked on GPU machines)");
        return;
    }
    for d in 0..cuda::device_count() {
        let dev = Device::Cuda(d);
        let x = t(&[1.0, 3.0, -2.0, 2.0], &[2, 2], DType::F16)
            .to_device(dev)
            .unwrap();
        let w = Tensor::ones_on(&[2], DType::F16, dev).unwrap();
        let _ac = autocast("cuda", DType::F16).unwrap();
        assert_eq!(
            layer_norm(&x, &[2], Some(&w), None, 1e-5).unwrap().dtype(),
            DType::F32
        );
        assert_eq!(
            rms_norm(&x, &[2], Some(&w), None).unwrap().dtype(),
            DType::F32
        );
        let lin = linear(&x, &x, Some(&w)).unwrap();
        assert_eq!(lin.dtype(), DType::F16);
        assert_eq!(
            mse_loss(&lin, &lin, Reduction::Mean).unwrap().dtype(),
            DType::F32
        );
    }
}
