//! Finite-difference gradient checks (float64 central differences) for the
//! core op families: elementwise, broadcasting binary, reductions, matmul,
//! views and index ops. Each row runs on several shapes, including
//! broadcasting and non-contiguous inputs (transposed, narrowed, expanded
//! inside the closure).

use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::{DType, Device, Result, Tensor};

/// A float64 leaf with deterministic, irregular values in `[lo, hi]`.
fn leaf(shape: &[usize], lo: f64, hi: f64, seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let vals: Vec<f64> = (0..n)
        .map(|i| {
            let u = ((i * 7919 + seed * 104_729 + 17) % 1000) as f64 / 1000.0;
            lo + (hi - lo) * u
        })
        .collect();
    Tensor::from_vec_f64(&vals, shape, DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

fn check(name: &str, f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) {
    if let Err(e) = gradcheck(f, inputs, GradcheckOptions::default()) {
        panic!("{name}: {e}");
    }
}

type Unary = fn(&Tensor) -> Result<Tensor>;

#[test]
fn unary_ops_match_finite_differences() {
    // (name, op, domain): domains keep away from non-differentiable points.
    let rows: Vec<(&str, Unary, f64, f64)> = vec![
        ("neg", |x| x.neg(), -2.0, 2.0),
        ("exp", |x| x.exp(), -2.0, 2.0),
        ("log", |x| x.log(), 0.2, 3.0),
        ("log1p", |x| x.log1p(), -0.5, 3.0),
        ("sin", |x| x.sin(), -3.0, 3.0),
        ("cos", |x| x.cos(), -3.0, 3.0),
        ("tanh", |x| x.tanh(), -2.0, 2.0),
        ("sigmoid", |x| x.sigmoid(), -4.0, 4.0),
        ("sqrt", |x| x.sqrt(), 0.2, 4.0),
        ("rsqrt", |x| x.rsqrt(), 0.3, 4.0),
        ("reciprocal", |x| x.reciprocal(), 0.3, 4.0),
        ("erf", |x| x.erf(), -2.0, 2.0),
        ("abs", |x| x.abs(), 0.1, 2.0),
        ("abs_neg", |x| x.abs(), -2.0, -0.1),
        ("square", |x| x.square(), -2.0, 2.0),
        ("relu", |x| x.relu(), 0.05, 2.0),
        ("relu_neg", |x| x.relu(), -2.0, -0.05),
        ("leaky_relu", |x| x.leaky_relu(0.1), -2.0, -0.05),
        ("gelu", |x| x.gelu("none"), -3.0, 3.0),
        ("gelu_tanh", |x| x.gelu("tanh"), -3.0, 3.0),
        ("silu", |x| x.silu(), -3.0, 3.0),
        ("pow_scalar", |x| x.pow_scalar(3.0), -2.0, 2.0),
        ("pow_frac", |x| x.pow_scalar(0.7), 0.3, 2.0),
        ("rpow", |x| x.rpow_scalar(2.5), -1.0, 1.0),
        ("clamp", |x| x.clamp(Some(-0.5), Some(0.55)), -1.0, 1.0),
        ("clamp_min", |x| x.clamp(Some(0.03), None), -1.0, 1.0),
        ("mul_scalar", |x| x.mul_scalar(-1.5), -1.0, 1.0),
        ("add_scalar", |x| x.add_scalar(3.0), -1.0, 1.0),
        ("rsub_scalar", |x| x.rsub_scalar(2.0), -1.0, 1.0),
        ("rdiv_scalar", |x| x.rdiv_scalar(2.0), 0.5, 2.0),
        ("div_scalar", |x| x.div_scalar(4.0), -1.0, 1.0),
        // the pointwise tables' newer rows
        ("log2", |x| x.log2(), 0.2, 3.0),
        ("log10", |x| x.log10(), 0.2, 3.0),
        ("exp2", |x| x.exp2(), -2.0, 2.0),
        ("expm1", |x| x.expm1(), -2.0, 2.0),
        ("tan", |x| x.tan(), -1.2, 1.2),
        ("asin", |x| x.asin(), -0.9, 0.9),
        ("acos", |x| x.acos(), -0.9, 0.9),
        ("atan", |x| x.atan(), -2.0, 2.0),
        ("sinh", |x| x.sinh(), -2.0, 2.0),
        ("cosh", |x| x.cosh(), -2.0, 2.0),
        ("asinh", |x| x.asinh(), -2.0, 2.0),
        ("acosh", |x| x.acosh(), 1.2, 3.0),
        ("atanh", |x| x.atanh(), -0.9, 0.9),
        ("erfc", |x| x.erfc(), -2.0, 2.0),
        ("erfinv", |x| x.erfinv(), -0.9, 0.9),
        ("floor", |x| x.floor(), 0.1, 0.9),
        ("ceil", |x| x.ceil(), 0.1, 0.9),
        ("round", |x| x.round(), 0.1, 0.4),
        ("trunc", |x| x.trunc(), -0.9, -0.1),
        ("frac", |x| x.frac(), 1.1, 1.9),
        ("sgn", |x| x.sgn(), 0.1, 2.0),
        ("logit", |x| x.logit(None), 0.1, 0.9),
        ("logit_eps", |x| x.logit(Some(0.05)), 0.1, 0.9),
        ("logit_eps_clamped", |x| x.logit(Some(0.05)), -0.5, -0.1),
        ("nan_to_num", |x| x.nan_to_num(0.0, None, None), -2.0, 2.0),
        ("softplus", |x| x.softplus(1.0, 20.0), -3.0, 3.0),
        ("softplus_beta", |x| x.softplus(2.0, 3.0), -3.0, 1.0),
        ("softplus_linear", |x| x.softplus(2.0, 3.0), 2.0, 4.0),
        ("mish", |x| x.mish(), -3.0, 3.0),
        ("hardtanh", |x| x.hardtanh(-1.0, 1.0), -0.9, 0.9),
        ("hardtanh_outside", |x| x.hardtanh(-0.5, 0.5), 0.6, 2.0),
        ("relu6", |x| x.relu6(), 0.1, 5.9),
        ("hardsigmoid", |x| x.hardsigmoid(), -2.9, 2.9),
        ("hardswish", |x| x.hardswish(), -2.9, 2.9),
        ("hardswish_high", |x| x.hardswish(), 3.1, 4.0),
        ("hardswish_low", |x| x.hardswish(), -4.0, -3.1),
        ("elu_neg", |x| x.elu(1.5), -2.0, -0.05),
        ("elu_pos", |x| x.elu(1.5), 0.05, 2.0),
        ("selu_neg", |x| x.selu(), -2.0, -0.05),
        ("selu_pos", |x| x.selu(), 0.05, 2.0),
        ("celu_neg", |x| x.celu(0.5), -2.0, -0.05),
        ("celu_pos", |x| x.celu(0.5), 0.05, 2.0),
        ("softsign_pos", |x| x.softsign(), 0.1, 2.0),
        ("softsign_neg", |x| x.softsign(), -2.0, -0.1),
        ("tanhshrink", |x| x.tanhshrink(), -2.0, 2.0),
        ("logsigmoid", |x| x.logsigmoid(), -3.0, 3.0),
        ("clamp_min_scalar", |x| x.clamp_min(0.03), -1.0, 1.0),
        ("fmod_scalar", |x| x.fmod(0.7), 0.1, 0.6),
        ("xlogy_scalar", |x| x.xlogy(2.5), -1.0, 1.0),
        ("copysign_scalar", |x| x.copysign(-1.0), 0.2, 2.0),
    ];
    for (name, op, lo, hi) in rows {
        for shape in [vec![], vec![5], vec![3, 4]] {
            let x = leaf(&shape, lo, hi, 1);
            check(name, |xs| op(&xs[0]), std::slice::from_ref(&x));
        }
        // Non-contiguous input: a transposed view.
        let x = leaf(&[4, 3], lo, hi, 2);
        check(name, |xs| op(&xs[0].t()?), &[x]);
    }
}

type Binary = fn(&Tensor, &Tensor) -> Result<Tensor>;

#[test]
fn binary_ops_with_broadcasting() {
    let rows: Vec<(&str, Binary, f64, f64)> = vec![
        ("add", |a, b| a.add(b), -2.0, 2.0),
        ("sub", |a, b| a.sub(b), -2.0, 2.0),
        ("mul", |a, b| a.mul(b), -2.0, 2.0),
        ("div", |a, b| a.div(b), 0.5, 2.0),
        ("pow", |a, b| a.pow(b), 0.5, 2.0),
        ("maximum", |a, b| a.maximum(b), -2.0, 2.0),
        ("minimum", |a, b| a.minimum(b), -2.0, 2.0),
        ("add_alpha", |a, b| a.add_arg(b, 2.5), -2.0, 2.0),
        ("sub_alpha", |a, b| a.sub_arg(b, -0.5), -2.0, 2.0),
        ("atan2", |a, b| a.atan2(b), 0.3, 2.0),
        ("hypot", |a, b| a.hypot(b), 0.5, 2.0),
        ("xlogy", |a, b| a.xlogy(b), 0.5, 2.0),
        ("lerp_scalar", |a, b| a.lerp(b, 0.3), -2.0, 2.0),
        ("lerp_scalar_far", |a, b| a.lerp(b, 0.8), -2.0, 2.0),
    ];
    let shapes: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![3], vec![3]),
        (vec![2, 3], vec![3]),
        (vec![2, 1], vec![1, 4]),
        (vec![], vec![2, 2]),
        (vec![2, 3, 1], vec![3, 4]),
    ];
    for (name, op, lo, hi) in rows {
        for (sa, sb) in &shapes {
            let a = leaf(sa, lo, hi, 3);
            let b = leaf(sb, lo, hi, 4);
            check(name, |xs| op(&xs[0], &xs[1]), &[a, b]);
        }
        // Non-contiguous operands: transposed and expanded.
        let a = leaf(&[3, 2], lo, hi, 5);
        let b = leaf(&[1, 3], lo, hi, 6);
        check(name, |xs| op(&xs[0].t()?, &xs[1].expand(&[2, 3])?), &[a, b]);
    }
}

#[test]
fn remainder_away_from_its_jumps() {
    // a / b stays in (2, 3), so floor(a / b) = 2 and d(a % b)/db = -2.
    for (sa, sb) in [(vec![4], vec![4]), (vec![2, 3], vec![3])] {
        let a = leaf(&sa, 2.6, 2.9, 1);
        let b = leaf(&sb, 1.1, 1.2, 2);
        check("remainder", |xs| xs[0].remainder(&xs[1]), &[a, b]);
    }
}

#[test]
fn pointwise_binaries_inside_their_domains() {
    for (sa, sb) in [
        (vec![4], vec![4]),
        (vec![2, 3], vec![3]),
        (vec![3, 1], vec![1, 2]),
    ] {
        // fmod: a / b stays in (2, 3), so trunc(a / b) = 2 and d fmod / db = -2
        let a = leaf(&sa, 2.6, 2.9, 1);
        let b = leaf(&sb, 1.1, 1.2, 2);
        check("fmod", |xs| xs[0].fmod(&xs[1]), &[a, b]);
        // copysign: |a| with b's sign (negative here), so d/da = -1, d/db = 0
        let a = leaf(&sa, 0.2, 2.0, 3);
        let b = leaf(&sb, -2.0, -0.2, 4);
        check("copysign", |xs| xs[0].copysign(&xs[1]), &[a, b]);
        // lerp with a tensor weight on both sides of 1/2
        let a = leaf(&sa, -2.0, 2.0, 5);
        let b = leaf(&sb, -2.0, 2.0, 6);
        let w = leaf(&sb, 0.0, 1.0, 7);
        check("lerp_tensor", |xs| xs[0].lerp(&xs[1], &xs[2]), &[a, b, w]);
        // clamp_min / clamp_max on values drawn from two grids (no ties,
        // where neither is differentiable)
        let a = leaf(&sa, -2.0, 2.0, 8);
        let b = leaf(&sb, -1.33, 1.17, 9);
        check(
            "clamp_min",
            |xs| xs[0].clamp_min(&xs[1]),
            &[a.clone(), b.clone()],
        );
        check("clamp_max", |xs| xs[0].clamp_max(&xs[1]), &[a, b]);
    }
    // atan2 across all four quadrants (no operand at 0)
    let y = Tensor::from_vec_f64(&[1.0, 1.0, -1.0, -1.0, 0.3], &[5], DType::F64)
        .and_then(|t| t.requires_grad_(true))
        .unwrap();
    let x = Tensor::from_vec_f64(&[1.0, -1.0, 1.0, -1.0, -2.0], &[5], DType::F64)
        .and_then(|t| t.requires_grad_(true))
        .unwrap();
    check("atan2_quadrants", |xs| xs[0].atan2(&xs[1]), &[y, x]);
}

#[test]
fn where_and_masked_fill_route_gradients() {
    let c = Tensor::from_vec(vec![true, false, true, false, false, true], &[2, 3]).unwrap();
    let a = leaf(&[2, 3], -1.0, 1.0, 1);
    let b = leaf(&[3], -1.0, 1.0, 2);
    check(
        "where",
        |xs| Tensor::where_cond(&c, &xs[0], &xs[1]),
        &[a.clone(), b],
    );
    check("masked_fill", |xs| xs[0].masked_fill(&c, 2.0), &[a]);
}

#[test]
fn reductions() {
    let x = leaf(&[3, 4, 2], -2.0, 2.0, 7);
    check("sum", |xs| xs[0].sum(), std::slice::from_ref(&x));
    check(
        "sum_dims",
        |xs| xs[0].sum_dims(&[0, 2], false),
        std::slice::from_ref(&x),
    );
    check(
        "sum_keep",
        |xs| xs[0].sum_dims(&[-1], true),
        std::slice::from_ref(&x),
    );
    check("mean", |xs| xs[0].mean(), std::slice::from_ref(&x));
    check(
        "mean_dims",
        |xs| xs[0].mean_dims(&[1], true),
        std::slice::from_ref(&x),
    );
    check(
        "var",
        |xs| xs[0].var(None, 1.0, false),
        std::slice::from_ref(&x),
    );
    check(
        "var_dim",
        |xs| xs[0].var(Some(&[1]), 0.0, true),
        std::slice::from_ref(&x),
    );
    check(
        "std",
        |xs| xs[0].std(None, 1.0, false),
        std::slice::from_ref(&x),
    );
    check(
        "std_dim",
        |xs| xs[0].std(Some(&[0, 2]), 1.0, false),
        std::slice::from_ref(&x),
    );
    check(
        "prod",
        |xs| xs[0].prod(None, false),
        &[leaf(&[5], 0.5, 1.5, 1)],
    );
    check(
        "prod_dim",
        |xs| xs[0].prod(Some(1), true),
        std::slice::from_ref(&x),
    );
    check("max", |xs| xs[0].max(), std::slice::from_ref(&x));
    check("min", |xs| xs[0].min(), std::slice::from_ref(&x));
    check(
        "max_dim",
        |xs| Ok(xs[0].max_dim(1, false)?.values),
        std::slice::from_ref(&x),
    );
    check(
        "min_dim",
        |xs| Ok(xs[0].min_dim(-1, true)?.values),
        std::slice::from_ref(&x),
    );
    check(
        "norm",
        |xs| xs[0].norm(2.0, None, false),
        std::slice::from_ref(&x),
    );
    check(
        "norm_p1_dim",
        |xs| xs[0].norm(1.0, Some(&[1]), false),
        &[leaf(&[3, 4], 0.1, 2.0, 3)],
    );
    check(
        "norm_p3",
        |xs| xs[0].norm(3.0, Some(&[0]), true),
        &[leaf(&[3, 4], 0.1, 2.0, 4)],
    );
    check(
        "logsumexp",
        |xs| xs[0].logsumexp(&[1], false),
        std::slice::from_ref(&x),
    );
    // Non-contiguous: reduce a permuted view.
    check(
        "sum_perm",
        |xs| xs[0].permute(&[2, 0, 1])?.sum_dims(&[1], false),
        &[x],
    );
}

#[test]
fn prod_with_zeros() {
    // d prod / dx_i = product of the others; exactly-one-zero and two-zero rows.
    let x = Tensor::from_vec_f64(&[0.0, 2.0, 3.0, 0.0, 0.0, 4.0], &[2, 3], DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    x.prod(Some(1), false)
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec_f64().unwrap(),
        vec![6.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
}

#[test]
fn matmul_every_case() {
    let cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![3], vec![3]),
        (vec![2, 3], vec![3]),
        (vec![3], vec![3, 4]),
        (vec![2, 3], vec![3, 4]),
        (vec![2, 2, 3], vec![2, 3, 4]),
        (vec![2, 1, 2, 3], vec![3, 3, 2]),
        (vec![2, 2, 3], vec![3, 2]),
    ];
    for (sa, sb) in cases {
        let a = leaf(&sa, -1.0, 1.0, 1);
        let b = leaf(&sb, -1.0, 1.0, 2);
        check(
            &format!("matmul {sa:?}x{sb:?}"),
            |xs| xs[0].matmul(&xs[1]),
            &[a, b],
        );
    }
    let a = leaf(&[3, 2], -1.0, 1.0, 3);
    let b = leaf(&[4, 3], -1.0, 1.0, 4);
    check("mm transposed", |xs| xs[0].t()?.mm(&xs[1].t()?), &[a, b]);
    let a = leaf(&[2, 3, 2], -1.0, 1.0, 5);
    let b = leaf(&[2, 3, 4], -1.0, 1.0, 6);
    check("bmm", |xs| xs[0].transpose(1, 2)?.bmm(&xs[1]), &[a, b]);
}

#[test]
fn views() {
    let x = leaf(&[2, 3, 4], -1.0, 1.0, 8);
    check("view", |xs| xs[0].view(&[6, -1]), std::slice::from_ref(&x));
    check(
        "reshape_nc",
        |xs| xs[0].transpose(0, 2)?.reshape(&[-1]),
        std::slice::from_ref(&x),
    );
    check(
        "permute",
        |xs| xs[0].permute(&[2, 0, 1]),
        std::slice::from_ref(&x),
    );
    check(
        "transpose",
        |xs| xs[0].transpose(-1, 0),
        std::slice::from_ref(&x),
    );
    check(
        "flatten",
        |xs| xs[0].flatten(1, -1),
        std::slice::from_ref(&x),
    );
    check(
        "unflatten",
        |xs| xs[0].unflatten(2, &[2, 2]),
        std::slice::from_ref(&x),
    );
    check(
        "unsqueeze",
        |xs| xs[0].unsqueeze(-1),
        std::slice::from_ref(&x),
    );
    check(
        "squeeze",
        |xs| xs[0].unsqueeze(1)?.squeeze(),
        std::slice::from_ref(&x),
    );
    check(
        "squeeze_dim",
        |xs| xs[0].unsqueeze(0)?.squeeze_dim(0),
        std::slice::from_ref(&x),
    );
    check(
        "expand",
        |xs| xs[0].unsqueeze(0)?.expand(&[3, -1, -1, -1]),
        std::slice::from_ref(&x),
    );
    check(
        "narrow",
        |xs| xs[0].narrow(1, 1, 2),
        std::slice::from_ref(&x),
    );
    check(
        "slice_step",
        |xs| xs[0].slice(2, Some(-3), None, 2),
        std::slice::from_ref(&x),
    );
    check("select", |xs| xs[0].select(1, -1), std::slice::from_ref(&x));
    check("t", |xs| xs[0].select(0, 0)?.t(), std::slice::from_ref(&x));
    check(
        "chain",
        |xs| xs[0].narrow(2, 1, 3)?.transpose(0, 1)?.select(2, 1),
        &[x],
    );
}

#[test]
fn index_ops() {
    let x = leaf(&[3, 4], -1.0, 1.0, 9);
    let idx = Tensor::from_vec(vec![2i64, 0, 2], &[3]).unwrap();
    check(
        "index_select",
        |xs| xs[0].index_select(1, &idx),
        std::slice::from_ref(&x),
    );
    let g = Tensor::from_vec(vec![0i64, 3, 1, 1, 2, 0], &[3, 2]).unwrap();
    check("gather", |xs| xs[0].gather(1, &g), std::slice::from_ref(&x));
    let s = Tensor::from_vec(vec![0i64, 2, 1, 1, 2, 0], &[2, 3]).unwrap();
    let src = leaf(&[2, 3], -1.0, 1.0, 10);
    check(
        "scatter_add",
        |xs| xs[0].scatter_add(0, &s, &xs[1]),
        &[x.clone(), src.clone()],
    );
    // scatter without duplicate targets, so overwriting is well defined.
    let s1 = Tensor::from_vec(vec![0i64, 2, 1, 1, 0, 2], &[2, 3]).unwrap();
    check("scatter", |xs| xs[0].scatter(0, &s1, &xs[1]), &[x, src]);
}

#[test]
fn dtype_conversion_is_differentiable() {
    let x = leaf(&[4], -1.0, 1.0, 11);
    // float32 in the middle: a wider step and tolerance for its rounding.
    let loose = GradcheckOptions {
        eps: 1e-3,
        atol: 1e-4,
        rtol: 1e-3,
    };
    gradcheck(
        |xs| xs[0].to_dtype(DType::F32)?.to_dtype(DType::F64),
        std::slice::from_ref(&x),
        loose,
    )
    .unwrap();
    check("clone", |xs| xs[0].clone_tensor(), std::slice::from_ref(&x));
    check(
        "contiguous",
        |xs| xs[0].unsqueeze(0)?.expand(&[2, 4])?.contiguous(),
        &[x],
    );
    let _ = Device::Cpu;
}

#[test]
fn matrix_helpers() {
    check(
        "mv",
        |x| x[0].mv(&x[1]),
        &[leaf(&[3, 4], -1.0, 1.0, 40), leaf(&[4], -1.0, 1.0, 41)],
    );
    for k in [-1i64, 0, 2] {
        check(
            "diag of a vector",
            |x| x[0].diag(k),
            &[leaf(&[3], -1.0, 1.0, 42)],
        );
        check(
            "diag of a matrix",
            |x| x[0].diag(k),
            &[leaf(&[3, 4], -1.0, 1.0, 43)],
        );
    }
    check("trace", |x| x[0].trace(), &[leaf(&[3, 3], -1.0, 1.0, 44)]);
    check(
        "roll",
        |x| x[0].roll(&[1, -2], &[0, 1]),
        &[leaf(&[3, 4], -1.0, 1.0, 45)],
    );
    check(
        "roll flat",
        |x| x[0].roll(&[5], &[]),
        &[leaf(&[3, 4], -1.0, 1.0, 46)],
    );
    // Distances away from zero (where the norm has no derivative).
    for p in [1.0, 2.0, 3.0, 0.5, f64::INFINITY] {
        check(
            "cdist",
            |x| x[0].cdist(&x[1], p),
            &[leaf(&[2, 3], -1.0, 1.0, 47), leaf(&[4, 3], 2.0, 3.0, 48)],
        );
    }
    // Batched, the batch dim broadcast from x2.
    check(
        "cdist batched",
        |x| x[0].cdist(&x[1], 2.0),
        &[
            leaf(&[2, 2, 3], -1.0, 1.0, 49),
            leaf(&[1, 4, 3], 2.0, 3.0, 50),
        ],
    );
}

#[test]
fn linear_algebra() {
    // Well-conditioned: the identity plus a small perturbation.
    let a = || {
        let eye = Tensor::from_vec_f64(
            &[2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0],
            &[3, 3],
            DType::F64,
        )
        .unwrap();
        leaf(&[3, 3], -0.5, 0.5, 50)
            .detach()
            .add(&eye)
            .unwrap()
            .requires_grad_(true)
            .unwrap()
    };
    check("inv", |x| x[0].linalg_inv(), &[a()]);
    check("det", |x| x[0].linalg_det(), &[a()]);
    check("slogdet", |x| Ok(x[0].linalg_slogdet()?.1), &[a()]);
    check(
        "solve matrix",
        |x| x[0].linalg_solve(&x[1]),
        &[a(), leaf(&[3, 2], -1.0, 1.0, 51)],
    );
    check(
        "solve vector",
        |x| x[0].linalg_solve(&x[1]),
        &[a(), leaf(&[3], -1.0, 1.0, 52)],
    );
    check(
        "vector_norm",
        |x| x[0].linalg_vector_norm(3.0, Some(&[1]), false),
        &[leaf(&[2, 3], 0.5, 1.5, 53)],
    );
    check(
        "matrix_norm",
        |x| x[0].linalg_matrix_norm("fro", false),
        &[leaf(&[2, 3], 0.5, 1.5, 54)],
    );
}

#[test]
fn repeat_interleave_unbind_and_inplace_scatter_match_finite_differences() {
    let x = leaf(&[2, 3], -1.0, 1.0, 11);
    check(
        "repeat_interleave(2, dim=0)",
        |t| t[0].repeat_interleave(&[2], Some(0)),
        std::slice::from_ref(&x),
    );
    check(
        "repeat_interleave([1,0,2], dim=1)",
        |t| t[0].repeat_interleave(&[1, 0, 2], Some(1)),
        std::slice::from_ref(&x),
    );
    check(
        "repeat_interleave(3) flat",
        |t| t[0].repeat_interleave(&[3], None),
        std::slice::from_ref(&x),
    );
    check(
        "unbind(1)",
        |t| {
            let p = t[0].unbind(1)?;
            p[0].mul_scalar(2.0)?.add(&p[2])
        },
        std::slice::from_ref(&x),
    );
    let src = leaf(&[1, 3], -1.0, 1.0, 12);
    let idx = Tensor::from_vec(vec![1i64, 0, 1], &[1, 3]).unwrap();
    check(
        "scatter_ (in place, through a clone)",
        |t| {
            let y = t[0].mul_scalar(1.5)?;
            y.scatter_(0, &idx, &t[1])?;
            Ok(y)
        },
        &[x.clone(), src],
    );
    check(
        "scatter_ value (in place)",
        |t| {
            let y = t[0].mul_scalar(1.0)?;
            y.scatter_value_(0, &idx, 2.0)?;
            Ok(y)
        },
        std::slice::from_ref(&x),
    );
}
