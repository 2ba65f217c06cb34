//! Every layer's gradient against float64 central differences.

use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::nn::functional as F;
use tinytorch::{DType, Tensor};

fn leaf(shape: &[usize], salt: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| (((i * 7919 + salt * 104729) % 997) as f64 / 997.0 - 0.5) * 2.0)
        .collect();
    Tensor::from_vec_f64(&v, shape, DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

fn check(f: impl Fn(&[Tensor]) -> tinytorch::Result<Tensor>, inputs: &[Tensor]) {
    gradcheck(f, inputs, GradcheckOptions::default()).unwrap();
}

#[test]
fn conv2d_gradients() {
    for (xs, ws, st, pd, dl, g) in [
        ([2, 3, 5, 4], [4, 3, 2, 2], [1, 1], [0, 0], [1, 1], 1),
        ([1, 4, 6, 5], [2, 2, 3, 3], [2, 1], [1, 2], [1, 2], 2),
    ] {
        let (x, w, b) = (leaf(&xs, 1), leaf(&ws, 2), leaf(&[ws[0]], 3));
        check(
            |t| F::conv2d(&t[0], &t[1], Some(&t[2]), st, pd, dl, g),
            &[x, w, b],
        );
    }
}

#[test]
fn fused_conv2d_paths_gradients() {
    // One input channel (MNIST's first layer), odd batch, no bias; and a
    // pointwise 1x1 kernel with groups, which skips the unfolding.
    check(
        |t| F::conv2d(&t[0], &t[1], None, [1, 1], [1, 0], [1, 1], 1),
        &[leaf(&[3, 1, 4, 4], 8), leaf(&[3, 1, 3, 2], 9)],
    );
    check(
        |t| F::conv2d(&t[0], &t[1], Some(&t[2]), [1, 1], [0, 0], [1, 1], 2),
        &[
            leaf(&[3, 4, 2, 3], 10),
            leaf(&[6, 2, 1, 1], 11),
            leaf(&[6], 12),
        ],
    );
}

#[test]
fn max_pool2d_ceil_mode_gradients() {
    // 5x6 input, 2x2 windows, stride 2, ceil mode: the last row and column
    // of windows are partial (one input row / column left).
    check(
        |t| Ok(F::max_pool2d_full(&t[0], [2, 2], None, [0, 1], [1, 1], true)?.0),
        &[leaf(&[1, 2, 5, 6], 13)],
    );
}

#[test]
fn pooling_and_norm_gradients() {
    check(
        |t| F::max_pool2d(&t[0], [2, 2], Some([1, 2]), [1, 0], [1, 1]),
        &[leaf(&[1, 2, 4, 5], 4)],
    );
    check(
        |t| F::layer_norm(&t[0], &[4], Some(&t[1]), Some(&t[2]), 1e-5),
        &[leaf(&[3, 4], 5), leaf(&[4], 6), leaf(&[4], 7)],
    );
    check(
        |t| F::rms_norm(&t[0], &[2, 3], Some(&t[1]), None),
        &[leaf(&[2, 2, 3], 8), leaf(&[2, 3], 9)],
    );
}

#[test]
fn loss_gradients() {
    let t = Tensor::from_vec(vec![1i64, 0, -100, 2], &[4]).unwrap();
    let w = Tensor::from_vec_f64(&[0.5, 1.0, 2.0], &[3], DType::F64).unwrap();
    let opts = F::LossOptions {
        weight: Some(w),
        label_smoothing: 0.1,
        ..F::LossOptions::new()
    };
    check(|x| F::cross_entropy(&x[0], &t, &opts), &[leaf(&[4, 3], 10)]);
    let y = Tensor::from_vec_f64(&[0.0, 1.0, 0.3, 0.9, 1.0, 0.0], &[2, 3], DType::F64).unwrap();
    check(
        |x| F::binary_cross_entropy_with_logits(&x[0], &y, None, None, F::Reduction::Mean),
        &[leaf(&[2, 3], 11)],
    );
    // The fused node's input and target gradients, weighted, with pos_weight.
    let pw = Tensor::from_vec_f64(&[0.5, 2.0, 3.0], &[3], DType::F64).unwrap();
    let wt = Tensor::from_vec_f64(&[1.0, 0.5], &[2, 1], DType::F64).unwrap();
    for red in [F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None] {
        check(
            |x| {
                let t = x[1].mul_scalar(0.4)?.add_scalar(0.5)?;
                F::binary_cross_entropy_with_logits(&x[0], &t, Some(&wt), Some(&pw), red)?.sum()
            },
            &[leaf(&[2, 3], 30), leaf(&[2, 3], 31)],
        );
    }
    check(
        |x| F::mse_loss(&x[0], &x[1], F::Reduction::Sum),
        &[leaf(&[3], 12), leaf(&[3], 13)],
    );
}

#[test]
fn regression_and_probability_loss_gradients() {
    // L1 away from its kink (the target lies outside the inputs' range).
    let far =
        Tensor::from_vec_f64(&[2.0, -2.0, 1.5, -1.5, 3.0, -3.0], &[2, 3], DType::F64).unwrap();
    check(
        |x| F::l1_loss(&x[0], &far, F::Reduction::Mean),
        &[leaf(&[2, 3], 14)],
    );
    // Smooth L1 and Huber are C1: both regimes, and the switch, check.
    for red in [F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None] {
        check(
            |x| F::smooth_l1_loss(&x[0], &x[1], red, 0.4)?.sum(),
            &[leaf(&[2, 3], 15), leaf(&[2, 3], 16)],
        );
        check(
            |x| F::huber_loss(&x[0], &x[1], red, 0.3)?.sum(),
            &[leaf(&[2, 3], 17), leaf(&[2, 3], 18)],
        );
    }
    // BCE on probabilities in (0.1, 0.9), through its one fused node, with
    // respect to the input and the target, weighted.
    let w = Tensor::from_vec_f64(&[0.5, 1.0, 2.0], &[3], DType::F64).unwrap();
    for red in [F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None] {
        check(
            |x| {
                let p = x[0].mul_scalar(0.4)?.add_scalar(0.5)?;
                let y = x[1].mul_scalar(0.4)?.add_scalar(0.5)?;
                F::binary_cross_entropy(&p, &y, Some(&w), red)?.sum()
            },
            &[leaf(&[2, 3], 19), leaf(&[2, 3], 20)],
        );
    }
}

#[test]
fn attention_embedding_pad_gradients() {
    check(
        |t| F::scaled_dot_product_attention(&t[0], &t[1], &t[2], None, 0.0, true, None),
        &[
            leaf(&[2, 3, 4], 14),
            leaf(&[2, 3, 4], 15),
            leaf(&[2, 3, 2], 16),
        ],
    );
    let idx = Tensor::from_vec(vec![2i64, 0, 2, 1], &[2, 2]).unwrap();
    // (the padding_idx row gets no gradient by design; the PyTorch fixture covers it)
    check(|t| F::embedding(&idx, &t[0], None), &[leaf(&[3, 2], 17)]);
    check(|t| F::pad(&t[0], &[1, 0, 2, 1], -1.0), &[leaf(&[2, 3], 18)]);
    check(
        |t| F::linear(&t[0], &t[1], Some(&t[2])),
        &[leaf(&[2, 3], 19), leaf(&[4, 3], 20), leaf(&[4], 21)],
    );
}

#[test]
fn widening_linear_gradients() {
    // same dtype (all float64): dx, dW and db of the LinearBackward0 node,
    // for a 2-D and a 3-D input
    for xs in [vec![3usize, 5], vec![2, 3, 5]] {
        check(
            |t| F::widening_linear(&t[0], &t[1], Some(&t[2])),
            &[leaf(&xs, 20), leaf(&[4, 5], 21), leaf(&[4], 22)],
        );
    }
    // a float32 weight under a float64 input: the weight is widened, dx checked
    let w32 = leaf(&[4, 5], 23).detach().to_dtype(DType::F32).unwrap();
    check(
        |t| F::widening_linear(&t[0], &w32, None),
        &[leaf(&[3, 5], 24)],
    );
    // the forward equals the composite x @ W.to(x.dtype).T + b, on the
    // float32 kernel path with bfloat16 weights and bias
    let x = leaf(&[9, 5], 25).detach().to_dtype(DType::F32).unwrap();
    let w = leaf(&[4, 5], 26).detach().to_dtype(DType::BF16).unwrap();
    let b = leaf(&[4], 27).detach().to_dtype(DType::BF16).unwrap();
    let got = F::widening_linear(&x, &w, Some(&b)).unwrap();
    assert_eq!(got.dtype(), DType::F32);
    let want = x
        .matmul(&w.to_dtype(DType::F32).unwrap().t().unwrap())
        .unwrap()
        .add(&b.to_dtype(DType::F32).unwrap())
        .unwrap();
    for (a, b) in got
        .to_vec_f64()
        .unwrap()
        .iter()
        .zip(want.to_vec_f64().unwrap())
    {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    // a weight wider than the input is refused
    let e = F::widening_linear(&w, &x.narrow(0, 0, 4).unwrap(), None).unwrap_err();
    assert!(e.to_string().contains("no wider than the input"), "{e}");
}

#[test]
fn batch_norm_gradients() {
    let w = leaf(&[3], 21);
    let b = leaf(&[3], 22);
    // Training: batch statistics (the running ones move, outside the graph).
    let rm = Tensor::zeros_on(&[3], DType::F64, tinytorch::Device::Cpu).unwrap();
    let rv = Tensor::ones_on(&[3], DType::F64, tinytorch::Device::Cpu).unwrap();
    for shape in [vec![4, 3], vec![2, 3, 5]] {
        check(
            |x| {
                F::batch_norm(
                    &x[0],
                    &F::BatchNormArgs {
                        running_mean: Some(&rm),
                        running_var: Some(&rv),
                        weight: Some(&x[1]),
                        bias: Some(&x[2]),
                        training: true,
                        momentum: 0.1,
                        eps: 1e-5,
                    },
                )
            },
            &[leaf(&shape, 23), w.clone(), b.clone()],
        );
    }
    // Eval: the running statistics.
    check(
        |x| {
            F::batch_norm(
                &x[0],
                &F::BatchNormArgs {
                    running_mean: Some(&rm),
                    running_var: Some(&rv),
                    weight: Some(&x[1]),
                    bias: None,
                    training: false,
                    momentum: 0.1,
                    eps: 1e-5,
                },
            )
        },
        &[leaf(&[2, 3, 2, 2], 24), w.clone()],
    );
    // Without affine parameters or running statistics (training only).
    check(
        |x| {
            F::batch_norm(
                &x[0],
                &F::BatchNormArgs {
                    running_mean: None,
                    running_var: None,
                    weight: None,
                    bias: Some(&x[1]),
                    training: true,
                    momentum: 0.1,
                    eps: 1e-5,
                },
            )
        },
        &[leaf(&[5, 3], 26), b.clone()],
    );
}

#[test]
fn average_pooling_gradients() {
    let x = || leaf(&[1, 2, 5, 6], 25);
    check(
        |x| F::avg_pool2d(&x[0], [2, 2], None, [0, 0], false, true, None),
        &[x()],
    );
    check(
        |x| F::avg_pool2d(&x[0], [3, 2], Some([2, 1]), [1, 1], false, false, None),
        &[x()],
    );
    // ceil_mode: partial last windows, with and without the padding counted.
    check(
        |x| F::avg_pool2d(&x[0], [2, 2], None, [0, 0], true, true, None),
        &[x()],
    );
    check(
        |x| F::avg_pool2d(&x[0], [3, 3], Some([2, 2]), [1, 1], true, false, None),
        &[x()],
    );
    check(|x| F::adaptive_avg_pool2d(&x[0], [2, 3]), &[x()]);
    check(|x| F::adaptive_avg_pool2d(&x[0], [3, 4]), &[x()]);
}
