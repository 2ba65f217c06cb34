//! Sorting and scans (`ops/sort.rs`): forward values and gradients against
//! PyTorch's fixtures, gradchecks on several shapes and layouts, errors.

mod common;

use common::fixtures::{float, run_op, run_op_filtered, Case};
use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::{DType, Result, Tensor};

/// Whether the case's input has two equal values (then index order among
/// ties is unspecified in PyTorch unless the sort is stable).
fn has_ties(c: &Case) -> bool {
    let mut v: Vec<f64> = c.raw["inputs"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(float)
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v.windows(2)
        .any(|w| w[0] == w[1] || (w[0].is_nan() && w[1].is_nan()))
}

#[test]
fn sort_matches_pytorch() {
    run_op_filtered(
        "sort",
        |c| {
            let s = c.input(0).sort(
                c.i64("dim").unwrap_or(-1),
                c.bool("descending").unwrap_or(false),
            )?;
            Ok(vec![s.values, s.indices])
        },
        // tinytorch's sort is always stable, so stable cases compare indices too
        &|c, i| i == 0 || !has_ties(c) || c.bool("stable") == Some(true),
    );
}

#[test]
fn topk_matches_pytorch() {
    run_op_filtered(
        "topk",
        |c| {
            let r = c.input(0).topk(
                c.i64("k").unwrap() as usize,
                c.i64("dim").unwrap_or(-1),
                c.bool("largest").unwrap_or(true),
                c.bool("sorted").unwrap_or(true),
            )?;
            Ok(vec![r.values, r.indices])
        },
        &|c, i| i == 0 || !has_ties(c),
    );
}

#[test]
fn cumsum_matches_pytorch() {
    run_op("cumsum", |c| {
        Ok(vec![c.input(0).cumsum(c.i64("dim").unwrap())?])
    });
}

// ----- hand-derived values ------------------------------------------------

fn t(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec_f64(v, shape, DType::F64).unwrap()
}

#[test]
fn sort_is_stable_and_nan_is_largest() {
    let x = t(&[2., f64::NAN, 1., 2., 0.], &[5]);
    let s = x.sort(0, false).unwrap();
    assert_eq!(s.indices.to_vec_i64().unwrap(), vec![4, 2, 0, 3, 1]);
    let d = x.sort(0, true).unwrap();
    // descending: NaN first, ties keep input order
    assert_eq!(d.indices.to_vec_i64().unwrap(), vec![1, 0, 3, 2, 4]);
    assert_eq!(
        x.argsort(-1, true).unwrap().to_vec_i64().unwrap(),
        vec![1, 0, 3, 2, 4]
    );
    // rows sorted independently along dim 0 of a transposed view
    let m = t(&[3., 1., 2., 0.], &[2, 2]).t().unwrap(); // [[3, 2], [1, 0]]
    let s = m.sort(0, false).unwrap();
    assert_eq!(s.values.to_vec_f64().unwrap(), vec![1., 0., 3., 2.]);
    assert_eq!(s.indices.to_vec_i64().unwrap(), vec![1, 1, 0, 0]);
}

#[test]
fn topk_picks_largest_or_smallest() {
    let x = t(&[0.3, 2., -1., 5., 4., 1.], &[2, 3]);
    let r = x.topk(2, 1, true, true).unwrap();
    assert_eq!(r.values.to_vec_f64().unwrap(), vec![2., 0.3, 5., 4.]);
    assert_eq!(r.indices.to_vec_i64().unwrap(), vec![1, 0, 0, 1]);
    let r = x.topk(1, 0, false, true).unwrap();
    assert_eq!(r.values.to_vec_f64().unwrap(), vec![0.3, 2., -1.]);
    assert_eq!(r.values.grad_fn().map(|n| n.name()), None);
    let xg = x.detach().requires_grad_(true).unwrap();
    assert_eq!(
        xg.topk(1, 0, true, true)
            .unwrap()
            .values
            .grad_fn()
            .unwrap()
            .name(),
        "TopkBackward0"
    );
    assert_eq!(
        xg.sort(0, true).unwrap().values.grad_fn().unwrap().name(),
        "SortBackward0"
    );
}

#[test]
fn cumsum_and_cumprod_values() {
    // running sums of [1, 2, 3, 4] along rows of a 2x2: [[1, 3], [3, 7]]
    let x = t(&[1., 2., 3., 4.], &[2, 2]);
    assert_eq!(
        x.cumsum(-1).unwrap().to_vec_f64().unwrap(),
        vec![1., 3., 3., 7.]
    );
    assert_eq!(
        x.cumsum(0).unwrap().to_vec_f64().unwrap(),
        vec![1., 2., 4., 6.]
    );
    let b = Tensor::from_vec(vec![true, true, false, true], &[4]).unwrap();
    let c = b.cumsum(0).unwrap();
    assert_eq!(
        (c.dtype(), c.to_vec_i64().unwrap()),
        (DType::I64, vec![1, 2, 2, 3])
    );
    // running products [2, 2*0, 2*0*3] and [1, 1*-2, 1*-2*0.5]
    let y = t(&[2., 0., 3., 1., -2., 0.5], &[2, 3]);
    assert_eq!(
        y.cumprod(1).unwrap().to_vec_f64().unwrap(),
        vec![2., 0., 0., 1., -2., -1.]
    );
    let xg = x.detach().requires_grad_(true).unwrap();
    assert_eq!(
        xg.cumsum(0).unwrap().grad_fn().unwrap().name(),
        "CumsumBackward0"
    );
}

// ----- gradcheck ----------------------------------------------------------

fn leaf(shape: &[usize], seed: usize) -> Tensor {
    // distinct values (no ties), so sort/topk are differentiable everywhere
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| ((i * 7 + seed * 3) % n) as f64 * 0.37 - 1.3 + i as f64 * 1e-3)
        .collect();
    t(&v, shape).requires_grad_(true).unwrap()
}

fn check(f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) {
    gradcheck(f, inputs, GradcheckOptions::default()).unwrap();
}

#[test]
fn gradcheck_sort_topk() {
    check(|x| Ok(x[0].sort(-1, false)?.values), &[leaf(&[3, 5], 1)]);
    check(|x| Ok(x[0].t()?.sort(0, true)?.values), &[leaf(&[3, 4], 2)]);
    check(|x| Ok(x[0].sort(1, false)?.values), &[leaf(&[2, 3, 4], 3)]);
    check(
        |x| Ok(x[0].topk(2, -1, true, true)?.values),
        &[leaf(&[3, 5], 4)],
    );
    check(
        |x| Ok(x[0].t()?.topk(3, -2, false, true)?.values),
        &[leaf(&[4, 5], 5)],
    );
    check(
        |x| Ok(x[0].narrow(1, 1, 3)?.topk(1, 1, true, false)?.values),
        &[leaf(&[2, 5], 6)],
    );
}

#[test]
fn gradcheck_cumsum_cumprod() {
    check(|x| x[0].cumsum(0), &[leaf(&[5], 1)]);
    check(|x| x[0].cumsum(-1), &[leaf(&[3, 4], 2)]);
    check(|x| x[0].t()?.cumsum(1), &[leaf(&[3, 4], 3)]);
    check(|x| x[0].expand(&[3, 4])?.cumsum(-2), &[leaf(&[4], 4)]);
    check(|x| x[0].cumsum(1), &[leaf(&[2, 3, 2], 5)]);
    check(|x| x[0].cumprod(-1), &[leaf(&[3, 4], 6)]);
    // a zero inside the running product: still exact
    let z = t(&[0.5, 0., 2., -1.5], &[4]).requires_grad_(true).unwrap();
    check(|x| x[0].cumprod(0), &[z]);
}

// ----- errors -------------------------------------------------------------

#[test]
fn errors_use_pytorch_messages() {
    let x = t(&[1., 2., 3.], &[3]);
    assert_eq!(
        x.topk(4, 0, true, true).unwrap_err().to_string(),
        "selected index k out of range"
    );
    assert!(x
        .sort(1, false)
        .unwrap_err()
        .to_string()
        .contains("Dimension out of range (expected to be in range of [-1, 0], but got 1)"));
    assert!(x
        .cumsum(-2)
        .unwrap_err()
        .to_string()
        .contains("Dimension out of range"));
    assert!(t(&[1.], &[]).topk(2, 0, true, true).is_err());
}

#[test]
fn int64_beyond_f64_precision_is_exact() {
    // 2^53 + 1 is not an f64: an f64 accumulator or sort key would merge it
    // with 2^53.
    let big = 1i64 << 53;
    let x = Tensor::from_vec(vec![big, 1, 1], &[3]).unwrap();
    assert_eq!(
        x.cumsum(0).unwrap().to_vec_i64().unwrap(),
        vec![big, big + 1, big + 2]
    );
    let y = Tensor::from_vec(vec![big + 1, big, big + 3, big + 2], &[4]).unwrap();
    let s = y.sort(0, false).unwrap();
    assert_eq!(s.indices.to_vec_i64().unwrap(), vec![1, 0, 3, 2]);
    assert_eq!(
        y.topk(1, 0, true, true)
            .unwrap()
            .indices
            .to_vec_i64()
            .unwrap(),
        vec![2]
    );
}
