//! Second derivatives (`create_graph`): the gradient computed with its own
//! graph is itself checked against finite differences, for the ops whose
//! backward is written in recorded tensor ops (pointwise, products,
//! reductions, softmax, losses, Linear). A backward that used a raw kernel
//! would give a gradient without history, and the check would fail.

use tinytorch::autograd::grad_foreign;
use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::nn::functional as F;
use tinytorch::{DType, Result, Tensor};

fn leaf(shape: &[usize], lo: f64, hi: f64, seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let vals: Vec<f64> = (0..n)
        .map(|i| lo + (hi - lo) * (((i * 7919 + seed * 104_729 + 17) % 1000) as f64 / 1000.0))
        .collect();
    Tensor::from_vec_f64(&vals, shape, DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

/// The gradient of `f(inputs).sum()` with respect to the first input, with
/// its graph: its own derivative is what gradcheck checks.
fn first_grad(f: &dyn Fn(&[Tensor]) -> Result<Tensor>, x: &[Tensor]) -> Result<Tensor> {
    // gradcheck's finite differences run without grad; this gradient needs it.
    let _on = tinytorch::autograd::enable_grad();
    // Finite differences pass plain tensors: differentiate a leaf copy.
    let mut x = x.to_vec();
    if !x[0].requires_grad() {
        x[0] = x[0].detach().requires_grad_(true)?;
    }
    let y = f(&x)?.sum()?;
    let g = grad_foreign(&[y], &[], &x[..1], false, true, None)?;
    Ok(g.into_iter().next().flatten().expect("used"))
}

fn check2(name: &str, f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) {
    let g = first_grad(&f, inputs).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(g.requires_grad(), "{name}: the gradient has no graph");
    if let Err(e) = gradcheck(|x| first_grad(&f, x), inputs, GradcheckOptions::default()) {
        panic!("{name}: {e}");
    }
}

#[test]
fn pointwise_second_derivatives_match_finite_differences() {
    let x = || leaf(&[2, 3], -1.5, 1.5, 1);
    check2("exp", |t| t[0].exp(), &[x()]);
    check2("tanh", |t| t[0].tanh(), &[x()]);
    check2("sigmoid", |t| t[0].sigmoid(), &[x()]);
    check2("sin", |t| t[0].sin(), &[x()]);
    check2("pow 3", |t| t[0].pow_scalar(3.0), &[x()]);
    check2("log", |t| t[0].log(), &[leaf(&[4], 0.5, 2.0, 2)]);
    check2(
        "mul",
        |t| t[0].mul(&t[1]),
        &[x(), leaf(&[2, 3], -1.0, 1.0, 3)],
    );
    check2(
        "x * x * y",
        |t| t[0].mul(&t[0])?.mul(&t[1]),
        &[x(), leaf(&[3], 0.5, 1.0, 4)],
    );
    check2(
        "div",
        |t| t[1].div(&t[0]),
        &[leaf(&[3], 0.5, 2.0, 5), leaf(&[3], -1.0, 1.0, 6)],
    );
}

#[test]
fn products_reductions_and_layers_second_derivatives() {
    let w = || leaf(&[3, 4], -1.0, 1.0, 7);
    let x = || leaf(&[2, 4], -1.0, 1.0, 8);
    check2("matmul", |t| t[0].matmul(&t[1].t()?)?.tanh(), &[w(), x()]);
    check2(
        "mv",
        |t| t[0].matmul(&t[1])?.square(),
        &[w(), leaf(&[4], -1.0, 1.0, 9)],
    );
    check2(
        "mean of squares",
        |t| t[0].square()?.mean_dims(&[1], true)?.mul(&t[0]),
        &[x()],
    );
    check2(
        "softmax",
        |t| t[0].softmax(1)?.mul(&t[1]),
        &[x(), leaf(&[2, 4], -1.0, 1.0, 10)],
    );
    check2("log_softmax", |t| t[0].log_softmax(1)?.square(), &[x()]);
    check2(
        "linear",
        |t| F::linear(&t[1], &t[0], None)?.tanh(),
        &[w(), x()],
    );
    let target = Tensor::from_vec(vec![1i64, 3], &[2]).unwrap();
    let opts = F::LossOptions::new();
    check2(
        "cross_entropy",
        |t| F::cross_entropy(&t[0], &target, &opts),
        &[x()],
    );
    let y = Tensor::from_vec_f64(&[0.5; 8], &[2, 4], DType::F64).unwrap();
    check2(
        "mse_loss",
        |t| F::mse_loss(&t[0].tanh()?, &y, F::Reduction::Mean),
        &[x()],
    );
}
