//! Loss modules, `nn.utils.clip_grad_norm_` and `MaxPool2d(ceil_mode=True)`
//! against values derived by hand (derivations in the comments).

use tinytorch::nn::functional::Reduction;
use tinytorch::nn::utils::{clip_grad_norm_, clip_grad_norm_with};
use tinytorch::nn::{BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, MaxPool2d, Module, NLLLoss};
use tinytorch::{DType, Tensor};

fn t(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec_f64(v, shape, DType::F64).unwrap()
}

fn idx(v: &[i64]) -> Tensor {
    Tensor::from_vec(v.to_vec(), &[v.len()]).unwrap()
}

fn close(got: &Tensor, want: &[f64]) {
    let g = got.to_vec_f64().unwrap();
    assert_eq!(g.len(), want.len(), "{g:?} vs {want:?}");
    for (a, b) in g.iter().zip(want) {
        assert!((a - b).abs() < 1e-9, "{g:?} vs {want:?}");
    }
}

#[test]
fn mse_loss_module() {
    // diffs (1, 0, -2) -> squares (1, 0, 4): mean 5/3, sum 5.
    let (x, y) = (t(&[1., 2., 3.], &[3]), t(&[0., 2., 5.], &[3]));
    close(&MSELoss::new().forward(&x, &y).unwrap(), &[5. / 3.]);
    let sum = MSELoss::with_reduction(Reduction::Sum);
    close(&sum.forward(&x, &y).unwrap(), &[5.]);
    let none = MSELoss::with_reduction(Reduction::None);
    close(&none.forward(&x, &y).unwrap(), &[1., 0., 4.]);
    assert_eq!(sum.extra_repr(), "reduction=sum");
}

#[test]
fn nll_loss_module_options() {
    // -logp of the targets: row 0 class 2 -> 3, row 1 class 0 -> 0.5.
    let x = t(&[-1., -2., -3., -0.5, -1.5, -2.5], &[2, 3]);
    let y = idx(&[2, 0]);
    close(&NLLLoss::new().forward(&x, &y).unwrap(), &[1.75]);
    // weight (1, 1, 2): (2*3 + 1*0.5) / (2 + 1)
    let w = NLLLoss {
        weight: Some(t(&[1., 1., 2.], &[3])),
        ..NLLLoss::new()
    };
    close(&w.forward(&x, &y).unwrap(), &[6.5 / 3.]);
    // ignore_index 2 drops row 0: mean over the one remaining row.
    let ig = NLLLoss {
        ignore_index: 2,
        ..NLLLoss::new()
    };
    close(&ig.forward(&x, &y).unwrap(), &[0.5]);
    let none = NLLLoss {
        reduction: Reduction::None,
        ..NLLLoss::new()
    };
    close(&none.forward(&x, &y).unwrap(), &[3., 0.5]);
}

#[test]
fn cross_entropy_module_with_label_smoothing() {
    // logits (0, ln 3) -> softmax (1/4, 3/4); target 0: -log(1/4) = ln 4.
    let x = t(&[0., 3f64.ln()], &[1, 2]);
    let y = idx(&[0]);
    let ln4 = 4f64.ln();
    close(&CrossEntropyLoss::new().forward(&x, &y).unwrap(), &[ln4]);
    // eps = 0.2, C = 2: (1 - eps) * ln 4 + eps/C * (ln 4 + ln 4/3).
    let ls = CrossEntropyLoss {
        label_smoothing: 0.2,
        ..CrossEntropyLoss::new()
    };
    let want = 0.8 * ln4 + 0.1 * (ln4 + (4f64 / 3.).ln());
    close(&ls.forward(&x, &y).unwrap(), &[want]);
}

#[test]
fn bce_with_logits_module_weights() {
    // x = 0 gives log(1 + e^0) = ln 2 for either target.
    let x = t(&[0., 0.], &[2]);
    let y = t(&[1., 0.], &[2]);
    let ln2 = 2f64.ln();
    close(&BCEWithLogitsLoss::new().forward(&x, &y).unwrap(), &[ln2]);
    // pos_weight 3 scales the positive term: (3 ln 2 + ln 2) / 2.
    let pw = BCEWithLogitsLoss {
        pos_weight: Some(t(&[3.], &[1])),
        ..BCEWithLogitsLoss::new()
    };
    close(&pw.forward(&x, &y).unwrap(), &[2. * ln2]);
    // and weight (2, 1) on top: (2 * 3 ln 2 + ln 2) / 2.
    let both = BCEWithLogitsLoss {
        weight: Some(t(&[2., 1.], &[2])),
        reduction: Reduction::Mean,
        pos_weight: Some(t(&[3.], &[1])),
    };
    close(&both.forward(&x, &y).unwrap(), &[3.5 * ln2]);
}

/// Parameters with gradients (3, 4) and [[12]], plus one without a gradient.
fn params() -> Vec<Tensor> {
    let a = t(&[0., 0.], &[2]);
    a.set_grad(Some(t(&[3., 4.], &[2]))).unwrap();
    let b = t(&[0.], &[1, 1]);
    b.set_grad(Some(t(&[12.], &[1, 1]))).unwrap();
    vec![a, b, t(&[1.], &[1])]
}

fn grads(p: &[Tensor]) -> Vec<f64> {
    p.iter()
        .filter_map(|p| p.grad())
        .flat_map(|g| g.to_vec_f64().unwrap())
        .collect()
}

#[test]
fn clip_grad_norm_two_one_and_inf() {
    // 2-norm: norms 5 and 12 -> total sqrt(25 + 144) = 13; clipped to 1
    // every gradient is scaled by 1 / (13 + 1e-6).
    let p = params();
    close(&clip_grad_norm_(&p, 1.0, 2.0).unwrap(), &[13.]);
    let c = 1.0 / (13.0 + 1e-6);
    close(&t(&grads(&p), &[3]), &[3. * c, 4. * c, 12. * c]);
    // A large max_norm clamps the coefficient to 1: unchanged.
    let p = params();
    close(&clip_grad_norm_(&p, 100.0, 2.0).unwrap(), &[13.]);
    close(&t(&grads(&p), &[3]), &[3., 4., 12.]);
    // inf-norm: max |g| = 12; coefficient 6 / (12 + 1e-6).
    let p = params();
    close(&clip_grad_norm_(&p, 6.0, f64::INFINITY).unwrap(), &[12.]);
    let c = 6.0 / (12.0 + 1e-6);
    close(&t(&grads(&p), &[3]), &[3. * c, 4. * c, 12. * c]);
    // 1-norm: 3 + 4 + 12 = 19.
    close(&clip_grad_norm_(&params(), 1.0, 1.0).unwrap(), &[19.]);
    // No gradients at all: 0.
    close(
        &clip_grad_norm_(&[t(&[1.], &[1])], 1.0, 2.0).unwrap(),
        &[0.],
    );
}

#[test]
fn clip_grad_norm_nonfinite() {
    let p = t(&[0.], &[1]);
    p.set_grad(Some(t(&[f64::INFINITY], &[1]))).unwrap();
    let e = clip_grad_norm_with(std::slice::from_ref(&p), 1.0, 2.0, true).unwrap_err();
    assert!(
        e.to_string()
            .contains("The total norm of order 2.0 for gradients from `parameters` is non-finite"),
        "{e}"
    );
    // Without the flag PyTorch scales anyway: coefficient 1/inf = 0, inf * 0 = NaN.
    clip_grad_norm_(std::slice::from_ref(&p), 1.0, 2.0).unwrap();
    assert!(p.grad().unwrap().to_vec_f64().unwrap()[0].is_nan());
}

#[test]
fn max_pool2d_ceil_mode_by_hand() {
    // x = 0..25 as 5x5; 2x2 windows, stride 2. Floor mode: 2x2 output;
    // ceil mode adds the partial windows of row/column 4. Each window's
    // maximum is its bottom-right element: rows {0,1},{2,3},{4} x the same
    // columns -> 6 8 9 / 16 18 19 / 21 23 24.
    let x = t(&(0..25).map(f64::from).collect::<Vec<_>>(), &[1, 1, 5, 5]);
    let floor = MaxPool2d::new(2);
    close(&floor.forward(&x).unwrap(), &[6., 8., 16., 18.]);
    let ceil = MaxPool2d::new(2).ceil_mode(true);
    let y = ceil.forward(&x).unwrap();
    assert_eq!(y.shape(), &[1, 1, 3, 3]);
    close(&y, &[6., 8., 9., 16., 18., 19., 21., 23., 24.]);
    assert!(ceil.extra_repr().ends_with("ceil_mode=True"));
    // A window that would start in the right padding is dropped: length 6,
    // kernel 2, stride 4, padding 1: ceil((6 + 2 - 2) / 4) + 1 = 3, but
    // window 2 starts at 2*4 - 1 = 7 >= 6, so 2 outputs (as floor mode).
    let x = t(&(0..6).map(f64::from).collect::<Vec<_>>(), &[1, 1, 1, 6]);
    let p = MaxPool2d::with_options(2, 4, 1, 1).ceil_mode(true);
    // windows cover columns {-1,0} -> 0 and {3,4} -> 4 (rows: {-1,0} -> row 0)
    let y = p.forward(&x).unwrap();
    assert_eq!(y.shape(), &[1, 1, 1, 2]);
    close(&y, &[0., 4.]);
}
