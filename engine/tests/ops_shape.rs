//! Joining, splitting and masking ops (`ops/shape.rs`): forward values and
//! gradients against PyTorch's fixtures, finite-difference gradchecks on
//! several shapes and non-contiguous inputs, and PyTorch's error messages.

mod common;

use common::fixtures::{run_op, Case};
use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::{DType, Device, Result, Tensor};

fn dim(c: &Case) -> i64 {
    c.i64("dim").unwrap_or(0)
}

#[test]
fn cat_matches_pytorch() {
    run_op("cat", |c| Ok(vec![Tensor::cat(&c.input_refs(), dim(c))?]));
}

#[test]
fn stack_matches_pytorch() {
    run_op("stack", |c| {
        Ok(vec![Tensor::stack(&c.input_refs(), dim(c))?])
    });
}

#[test]
fn hstack_vstack_match_pytorch() {
    run_op("hstack", |c| Ok(vec![Tensor::hstack(&c.input_refs())?]));
    run_op("vstack", |c| Ok(vec![Tensor::vstack(&c.input_refs())?]));
}

#[test]
fn split_matches_pytorch() {
    // The fixtures' loss uses only the first output: the other pieces must
    // pass no gradient.
    run_op("split", |c| {
        let arg = c.arg("split_size_or_sections").expect("split size");
        match arg.as_array() {
            Some(list) => {
                let sizes: Vec<usize> = list.iter().map(|v| v.as_u64().unwrap() as usize).collect();
                c.input(0).split_sizes(&sizes, dim(c))
            }
            None => c.input(0).split(arg.as_u64().unwrap() as usize, dim(c)),
        }
    });
}

#[test]
fn chunk_matches_pytorch() {
    run_op("chunk", |c| {
        c.input(0).chunk(c.i64("chunks").unwrap() as usize, dim(c))
    });
}

#[test]
fn repeat_matches_pytorch() {
    run_op("repeat", |c| {
        let r: Vec<usize> = c
            .i64s("repeats")
            .unwrap()
            .iter()
            .map(|&r| r as usize)
            .collect();
        Ok(vec![c.input(0).repeat(&r)?])
    });
}

#[test]
fn tril_triu_match_pytorch() {
    let diag = |c: &Case| c.i64("diagonal").unwrap_or(0);
    run_op("tril", |c| Ok(vec![c.input(0).tril(diag(c))?]));
    run_op("triu", |c| Ok(vec![c.input(0).triu(diag(c))?]));
}

// ----- hand-derived values ------------------------------------------------

fn t(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec_f64(v, shape, DType::F64).unwrap()
}

#[test]
fn chunk_sizes_follow_pytorch() {
    // ceil(n / chunks) per piece: 6 into 4 -> 2,2,2; 5 into 3 -> 2,2,1;
    // 2 into 5 -> 1,1; an empty dim into 3 -> three empty pieces.
    let sizes = |n: usize, chunks: usize| -> Vec<usize> {
        Tensor::zeros_on(&[n], DType::F32, Device::Cpu)
            .unwrap()
            .chunk(chunks, 0)
            .unwrap()
            .iter()
            .map(|p| p.shape()[0])
            .collect()
    };
    assert_eq!(sizes(6, 4), vec![2, 2, 2]);
    assert_eq!(sizes(5, 3), vec![2, 2, 1]);
    assert_eq!(sizes(2, 5), vec![1, 1]);
    assert_eq!(sizes(0, 3), vec![0, 0, 0]);
    assert_eq!(sizes(7, 1), vec![7]);
}

#[test]
fn split_outputs_are_views_with_pytorch_nodes() {
    let x = t(&[0., 1., 2., 3., 4.], &[5]).requires_grad_(true).unwrap();
    let parts = x.split(2, 0).unwrap();
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| p.shares_storage(&x)));
    assert_eq!(parts[2].to_vec_f64().unwrap(), vec![4.0]);
    assert_eq!(parts[0].grad_fn().unwrap().name(), "SplitBackward0");
    let s = x.split_sizes(&[1, 4], -1).unwrap();
    assert_eq!(s[1].grad_fn().unwrap().name(), "SplitWithSizesBackward0");
    // Using pieces 0 and 2 only: d(sum(p0) + 3 * sum(p2)) / dx = [1, 1, 0, 0, 3].
    let loss = parts[0]
        .sum()
        .unwrap()
        .add(&parts[2].sum().unwrap().mul_scalar(3.0).unwrap())
        .unwrap();
    loss.backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec_f64().unwrap(),
        vec![1., 1., 0., 0., 3.]
    );
}

#[test]
fn nodes_have_pytorch_names() {
    let x = t(&[1., 2., 3., 4.], &[2, 2]).requires_grad_(true).unwrap();
    let name = |r: Result<Tensor>| r.unwrap().grad_fn().unwrap().name();
    assert_eq!(name(Tensor::cat(&[&x, &x], 0)), "CatBackward0");
    assert_eq!(name(Tensor::stack(&[&x, &x], 0)), "StackBackward0");
    assert_eq!(name(x.repeat(&[2, 1])), "RepeatBackward0");
    assert_eq!(name(x.tril(0)), "TrilBackward0");
    assert_eq!(name(x.triu(0)), "TriuBackward0");
    assert_eq!(name(x.flip(&[0])), "FlipBackward0");
}

#[test]
fn cat_promotes_and_keeps_input_grad_dtypes() {
    // float32 [1, 2] ++ float64 [3] -> float64; each input's gradient comes
    // back in its own dtype.
    let a = Tensor::from_vec_f64(&[1., 2.], &[2], DType::F32)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let b = t(&[3.], &[1]).requires_grad_(true).unwrap();
    let c = Tensor::cat(&[&a, &b], 0).unwrap();
    assert_eq!(c.dtype(), DType::F64);
    assert_eq!(c.to_vec_f64().unwrap(), vec![1., 2., 3.]);
    c.mul(&t(&[1., 2., 3.], &[3]))
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap();
    let ga = a.grad().unwrap();
    assert_eq!(
        (ga.dtype(), ga.to_vec_f64().unwrap()),
        (DType::F32, vec![1., 2.])
    );
    assert_eq!(b.grad().unwrap().to_vec_f64().unwrap(), vec![3.]);
    // bool with int64 -> int64
    let i = Tensor::from_vec(vec![true, false], &[2]).unwrap();
    let j = Tensor::from_vec(vec![5i64], &[1]).unwrap();
    let k = Tensor::cat(&[&i, &j], 0).unwrap();
    assert_eq!(
        (k.dtype(), k.to_vec_i64().unwrap()),
        (DType::I64, vec![1, 0, 5])
    );
}

#[test]
fn repeat_and_flip_values() {
    // [[1, 2]] repeated (2, 2) tiles the row twice in each direction.
    let x = t(&[1., 2.], &[1, 2]);
    let r = x.repeat(&[2, 2]).unwrap();
    assert_eq!(r.shape(), &[2, 4]);
    assert_eq!(
        r.to_vec_f64().unwrap(),
        vec![1., 2., 1., 2., 1., 2., 1., 2.]
    );
    // a leading repeat adds a dim: [3] -> (2, 1, 3)
    assert_eq!(
        t(&[1., 2., 3.], &[3]).repeat(&[2, 1, 1]).unwrap().shape(),
        &[2, 1, 3]
    );
    let m = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    assert_eq!(
        m.flip(&[-1]).unwrap().to_vec_f64().unwrap(),
        vec![3., 2., 1., 6., 5., 4.]
    );
    assert_eq!(
        m.flip(&[0, 1]).unwrap().to_vec_f64().unwrap(),
        vec![6., 5., 4., 3., 2., 1.]
    );
}

// ----- gradcheck ----------------------------------------------------------

fn leaf(shape: &[usize], seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| ((i * 37 + seed * 11) % 17) as f64 / 7.0 - 1.1)
        .collect();
    t(&v, shape).requires_grad_(true).unwrap()
}

fn check(f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) {
    gradcheck(f, inputs, GradcheckOptions::default()).unwrap();
}

#[test]
fn gradcheck_cat_stack() {
    // contiguous, transposed, expanded and narrowed operands; negative dims
    check(
        |x| Tensor::cat(&[&x[0], &x[1]], -1),
        &[leaf(&[2, 3], 1), leaf(&[2, 2], 2)],
    );
    check(
        |x| Tensor::cat(&[&x[0].t()?, &x[1], &x[2].expand(&[2, 3])?], 0),
        &[leaf(&[3, 2], 1), leaf(&[1, 3], 2), leaf(&[3], 3)],
    );
    check(
        |x| Tensor::cat(&[&x[0].narrow(1, 1, 2)?, &x[1]], 1),
        &[leaf(&[2, 4, 3], 4), leaf(&[2, 1, 3], 5)],
    );
    check(
        |x| Tensor::stack(&[&x[0], &x[1].t()?], -1),
        &[leaf(&[2, 3], 1), leaf(&[3, 2], 2)],
    );
    check(
        |x| Tensor::stack(&[&x[0], &x[1].expand(&[2, 3])?, &x[0]], 1),
        &[leaf(&[2, 3], 6), leaf(&[3], 7)],
    );
    check(
        |x| Tensor::hstack(&[&x[0], &x[1]]),
        &[leaf(&[2, 1], 1), leaf(&[2, 3], 2)],
    );
    check(
        |x| Tensor::vstack(&[&x[0], &x[1]]),
        &[leaf(&[3], 1), leaf(&[2, 3], 2)],
    );
}

#[test]
fn gradcheck_split_chunk() {
    // one piece or a combination of pieces, the others unused
    check(|x| Ok(x[0].split(2, -1)?[1].clone()), &[leaf(&[3, 5], 1)]);
    check(
        |x| {
            let p = x[0].t()?.chunk(3, 0)?;
            p[0].mul(&p[2].narrow(0, 0, 1)?.expand(&[2, 3])?)
        },
        &[leaf(&[3, 5], 2)],
    );
    check(
        |x| {
            let p = x[0].split_sizes(&[1, 0, 3], 1)?;
            Tensor::cat(&[&p[2], &p[0], &p[1]], 1)
        },
        &[leaf(&[2, 4, 2], 3)],
    );
}

#[test]
fn gradcheck_repeat_tril_triu_flip() {
    check(|x| x[0].repeat(&[2, 3]), &[leaf(&[2, 3], 1)]);
    check(|x| x[0].t()?.repeat(&[2, 1, 2]), &[leaf(&[3, 2], 2)]);
    check(|x| x[0].expand(&[2, 3])?.repeat(&[1, 2]), &[leaf(&[3], 3)]);
    for d in [-2, -1, 0, 1, 3] {
        check(|x| x[0].tril(d), &[leaf(&[3, 4], 4)]);
        check(|x| x[0].transpose(0, 2)?.triu(d), &[leaf(&[4, 2, 3], 5)]);
    }
    check(|x| x[0].flip(&[0, -1]), &[leaf(&[3, 4], 6)]);
    check(|x| x[0].t()?.flip(&[1]), &[leaf(&[3, 4], 7)]);
}

// ----- errors -------------------------------------------------------------

fn err(r: Result<impl std::fmt::Debug>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn errors_use_pytorch_messages() {
    let a = t(&[0.; 4], &[2, 2]);
    let b = t(&[0.; 6], &[3, 2]);
    assert_eq!(
        err(Tensor::cat(&[&a, &b], 1)),
        "cat: Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 in the list."
    );
    assert!(err(Tensor::cat(&[&a, &t(&[0.; 2], &[2])], 0))
        .contains("Tensors must have same number of dimensions: got 2 and 1"));
    assert_eq!(
        err(Tensor::cat(&[&a, &a], 2)),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    );
    assert!(err(Tensor::cat(&[], 0)).contains("expected a non-empty list of Tensors"));
    let s = Tensor::scalar_tensor(1.0, DType::F64, Device::Cpu).unwrap();
    assert!(err(Tensor::cat(&[&s], 0))
        .contains("zero-dimensional tensor (at position 0) cannot be concatenated"));
    assert!(err(Tensor::stack(&[&a, &b], 0)).contains(
        "stack expects each tensor to be equal size, but got [2, 2] at entry 0 and [3, 2] at entry 1"
    ));
    assert!(err(Tensor::stack(&[&a, &a], 3))
        .contains("Dimension out of range (expected to be in range of [-3, 2], but got 3)"));
    assert!(err(Tensor::stack(&[], 0)).contains("stack expects a non-empty TensorList"));
    assert!(err(a.split_sizes(&[1, 2], 0)).contains(
        "split_with_sizes expects split_sizes to sum exactly to 2 (input tensor's size at dimension 0), but got split_sizes=[1, 2]"
    ));
    assert!(err(a.split(0, 0)).contains("split_size can only be 0 if dimension size is 0"));
    assert!(err(a.split(1, -3)).contains("Dimension out of range"));
    assert!(err(a.chunk(0, 0)).contains("chunk expects `chunks` to be greater than 0, got: 0"));
    assert!(err(a.repeat(&[2])).contains("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"));
    assert!(
        err(t(&[1.], &[1]).tril(0)).contains("tril: input tensor must have at least 2 dimensions")
    );
    assert!(err(a.flip(&[0, 0])).contains("dim 0 appears multiple times in the list of dims"));
}

// ----- properties -----------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn tensor(shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        t(&v, shape)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// cat(split(x)) == x, whatever the piece size; the pieces match
        /// narrow() of the same ranges.
        #[test]
        fn split_then_cat_round_trips(
            shape in prop::collection::vec(0usize..4, 1..4),
            dim_seed in 0usize..8,
            size in 1usize..4,
        ) {
            let x = tensor(&shape);
            let d = dim_seed % shape.len();
            let parts = x.split(size, d as i64).unwrap();
            let mut start = 0;
            for p in &parts {
                let n = p.shape()[d];
                prop_assert_eq!(
                    p.to_vec_f64().unwrap(),
                    x.narrow(d as i64, start, n).unwrap().to_vec_f64().unwrap()
                );
                start += n as i64;
            }
            let back = Tensor::cat(&parts.iter().collect::<Vec<_>>(), d as i64 - shape.len() as i64).unwrap();
            prop_assert_eq!(back.shape(), x.shape());
            prop_assert_eq!(back.to_vec_f64().unwrap(), x.to_vec_f64().unwrap());
        }

        /// Joins of views equal joins of their contiguous copies.
        #[test]
        fn joins_of_views_equal_joins_of_copies(
            rows in 1usize..4, cols in 1usize..4, dim in 0i64..2,
        ) {
            let a = tensor(&[cols, rows]).t().unwrap();
            let b = tensor(&[cols]).expand(&[rows as i64, cols as i64]).unwrap();
            let (ac, bc) = (a.contiguous_copy().unwrap(), b.contiguous_copy().unwrap());
            prop_assert_eq!(
                Tensor::cat(&[&a, &b], dim).unwrap().to_vec_f64().unwrap(),
                Tensor::cat(&[&ac, &bc], dim).unwrap().to_vec_f64().unwrap()
            );
            prop_assert_eq!(
                Tensor::stack(&[&a, &b], dim).unwrap().to_vec_f64().unwrap(),
                Tensor::stack(&[&ac, &bc], dim).unwrap().to_vec_f64().unwrap()
            );
            prop_assert_eq!(
                a.repeat(&[2, 1, 2]).unwrap().to_vec_f64().unwrap(),
                ac.repeat(&[2, 1, 2]).unwrap().to_vec_f64().unwrap()
            );
        }

        /// chunk returns ceil(n / chunks)-sized pieces covering the dim.
        #[test]
        fn chunk_covers_the_dim(n in 0usize..12, chunks in 1usize..6) {
            let x = tensor(&[n]);
            let parts = x.chunk(chunks, 0).unwrap();
            let sizes: Vec<usize> = parts.iter().map(|p| p.shape()[0]).collect();
            prop_assert_eq!(sizes.iter().sum::<usize>(), n);
            prop_assert!(parts.len() <= chunks);
            if n > 0 {
                let c = n.div_ceil(chunks);
                prop_assert!(sizes[..sizes.len() - 1].iter().all(|&s| s == c));
            }
        }
    }
}
