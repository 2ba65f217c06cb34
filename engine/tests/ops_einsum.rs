//! `Tensor::einsum` (`ops/einsum.rs`): PyTorch's fixtures, values worked by
//! hand for the forms the fixtures lack (sums, outer products, diagonals,
//! ellipsis, three operands), gradchecks, and PyTorch's error messages.

mod common;

use common::fixtures::run_op;
use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::{DType, Result, Tensor};

#[test]
fn einsum_matches_pytorch() {
    run_op("einsum", |c| {
        Ok(vec![Tensor::einsum(
            c.str("equation").unwrap(),
            &c.input_refs(),
        )?])
    });
}

fn t(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec_f64(v, shape, DType::F64).unwrap()
}

fn ein(eq: &str, ops: &[&Tensor]) -> (Vec<usize>, Vec<f64>) {
    let r = Tensor::einsum(eq, ops).unwrap();
    (r.shape().to_vec(), r.to_vec_f64().unwrap())
}

#[test]
fn einsum_by_hand() {
    // a = [[1, 2, 3], [4, 5, 6]], v = [1, 10, 100], w = [2, 3]
    let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let v = t(&[1., 10., 100.], &[3]);
    let w = t(&[2., 3.], &[2]);
    // sums over one index: rows 6, 15; columns 5, 7, 9; everything 21
    assert_eq!(ein("ij->i", &[&a]), (vec![2], vec![6., 15.]));
    assert_eq!(ein("ij->j", &[&a]), (vec![3], vec![5., 7., 9.]));
    assert_eq!(ein("ij->", &[&a]), (vec![], vec![21.]));
    // implicit output: letters used once, in alphabetical order
    assert_eq!(ein("ji", &[&a]).0, vec![3, 2]);
    assert_eq!(ein("ij,j", &[&a, &v]), (vec![2], vec![321., 654.]));
    // outer product w_i v_j
    assert_eq!(
        ein("i,j->ij", &[&w, &v]),
        (vec![2, 3], vec![2., 20., 200., 3., 30., 300.])
    );
    // three operands: sum_ij w_i a_ij v_j = 2*321 + 3*654 = 2604
    assert_eq!(ein("i,ij,j->", &[&w, &a, &v]), (vec![], vec![2604.]));
    // three operands keeping an index: out_i = w_i sum_j a_ij v_j
    assert_eq!(
        ein("i,ij,j->i", &[&w, &a, &v]),
        (vec![2], vec![642., 1962.])
    );
    // elementwise product without a sum (Hadamard)
    assert_eq!(
        ein("ij,ij->ij", &[&a, &a]).1,
        vec![1., 4., 9., 16., 25., 36.]
    );
    // diagonal and trace of m = [[1, 2], [3, 4]]
    let m = t(&[1., 2., 3., 4.], &[2, 2]);
    assert_eq!(ein("ii->i", &[&m]), (vec![2], vec![1., 4.]));
    assert_eq!(ein("ii", &[&m]), (vec![], vec![5.]));
    // ellipsis: batched row sums and a broadcast batch of matrix-vector products
    let b = t(&[1., 2., 3., 4., 5., 6., 7., 8.], &[2, 2, 2]);
    assert_eq!(
        ein("...j->...", &[&b]),
        (vec![2, 2], vec![3., 7., 11., 15.])
    );
    assert_eq!(
        ein("...ij,j->...i", &[&b, &w]),
        (vec![2, 2], vec![8., 18., 28., 38.])
    );
    // implicit dot product, and a 0-d operand scaling a vector
    assert_eq!(ein("i,i", &[&v, &v]), (vec![], vec![10101.]));
    let two = t(&[2.], &[]);
    assert_eq!(ein(",i->i", &[&two, &w]), (vec![2], vec![4., 6.]));
    // a summed dim of size 0 gives zeros
    let e0 = t(&[], &[2, 0]);
    assert_eq!(
        ein("ij,jk->ik", &[&e0, &t(&[], &[0, 3])]),
        (vec![2, 3], vec![0.; 6])
    );
    // spaces are ignored; upper-case letters sort before lower-case
    assert_eq!(ein(" iJ -> Ji ", &[&a]).0, vec![3, 2]);
    assert_eq!(ein("iA", &[&a]).0, vec![3, 2]);
}

#[test]
fn einsum_agrees_with_matmul_on_attention_shapes() {
    // bhqd,bhkd->bhqk is q @ k^T
    let n = |s: &[usize], k: f64| {
        let c: usize = s.iter().product();
        t(
            &(0..c).map(|i| ((i as f64) * k).sin()).collect::<Vec<_>>(),
            s,
        )
    };
    let q = n(&[2, 3, 4, 5], 0.7);
    let k = n(&[2, 3, 6, 5], 1.3);
    let e = Tensor::einsum("bhqd,bhkd->bhqk", &[&q, &k]).unwrap();
    let m = q.matmul(&k.transpose(-1, -2).unwrap()).unwrap();
    assert_eq!(e.shape(), m.shape());
    for (a, b) in e.to_vec_f64().unwrap().iter().zip(m.to_vec_f64().unwrap()) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

fn leaf(shape: &[usize], seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| ((i * 37 + seed * 11) % 17) as f64 / 7.0 - 1.1)
        .collect();
    t(&v, shape).requires_grad_(true).unwrap()
}

#[test]
fn gradcheck_einsum() {
    let check = |eq: &'static str, f: &dyn Fn(&[Tensor]) -> Result<Vec<Tensor>>, xs: &[Tensor]| {
        gradcheck(
            |x| {
                let ops = f(x)?;
                Tensor::einsum(eq, &ops.iter().collect::<Vec<_>>())
            },
            xs,
            GradcheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{eq}: {e}"));
    };
    let id = |x: &[Tensor]| Ok(x.to_vec());
    check("ij,jk->ik", &id, &[leaf(&[3, 4], 1), leaf(&[4, 2], 2)]);
    check(
        "bij,bjk->bik",
        &id,
        &[leaf(&[2, 3, 4], 1), leaf(&[2, 4, 2], 2)],
    );
    check("i,i->", &id, &[leaf(&[5], 1), leaf(&[5], 2)]);
    check("ij->ji", &id, &[leaf(&[2, 3], 1)]);
    check("ij->i", &id, &[leaf(&[2, 3], 1)]);
    check("ij,j->i", &id, &[leaf(&[3, 4], 1), leaf(&[4], 2)]);
    check(
        "bhqd,bhkd->bhqk",
        &id,
        &[leaf(&[2, 2, 3, 4], 1), leaf(&[2, 2, 2, 4], 2)],
    );
    check("i,j->ij", &id, &[leaf(&[3], 1), leaf(&[4], 2)]);
    check("ii->i", &id, &[leaf(&[3, 3], 1)]);
    check("iij->j", &id, &[leaf(&[2, 2, 3], 1)]);
    check(
        "i,ij,jk->k",
        &id,
        &[leaf(&[2], 1), leaf(&[2, 3], 2), leaf(&[3, 4], 3)],
    );
    check(
        "...ij,...jk->...ik",
        &id,
        &[leaf(&[2, 3, 4], 1), leaf(&[4, 2], 2)],
    );
    // non-contiguous operands: transposed, expanded, narrowed
    check(
        "ij,jk->ik",
        &|x: &[Tensor]| Ok(vec![x[0].t()?, x[1].expand(&[4, 3])?]),
        &[leaf(&[4, 3], 1), leaf(&[3], 2)],
    );
    check(
        "bij,bkj->bik",
        &|x: &[Tensor]| Ok(vec![x[0].narrow(-1, 1, 3)?, x[1].transpose(0, 2)?]),
        &[leaf(&[2, 3, 5], 1), leaf(&[3, 4, 2], 2)],
    );
}

fn err(eq: &str, ops: &[&Tensor]) -> String {
    Tensor::einsum(eq, ops).unwrap_err().to_string()
}

#[test]
fn bad_equations_use_pytorch_messages() {
    let a = t(&[0.; 6], &[2, 3]);
    let b = t(&[0.; 8], &[4, 2]);
    assert_eq!(
        err("ij,jk->ik", &[&a, &b]),
        "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"
    );
    let c = t(&[0.; 12], &[3, 2, 2]);
    assert!(err("...ij,...jk", &[&c, &t(&[0.; 8], &[2, 2, 2])])
        .contains("einsum(): dimension 0 covered by ellipsis in operand 1 has size 2 which does not broadcast with previously seen ellipsis with size 3"));
    // size-1 dims broadcast: [2, 1] x [1, 3] -> outer-product-like [2, 3]
    let e = Tensor::einsum(
        "ij,ij->ij",
        &[&t(&[1., 2.], &[2, 1]), &t(&[1., 2., 3.], &[1, 3])],
    )
    .unwrap();
    assert_eq!(e.to_vec_f64().unwrap(), vec![1., 2., 3., 2., 4., 6.]);
    assert_eq!(
        err("ij,jk->ik", &[&a]),
        "einsum(): fewer operands were provided than specified in the equation"
    );
    assert_eq!(
        err("ij->ij", &[&a, &a]),
        "einsum(): more operands were provided than specified in the equation"
    );
    assert_eq!(
        err("ijk->i", &[&a]),
        "einsum(): the number of subscripts in the equation (3) does not match the number of dimensions (2) for operand 0 and no ellipsis was given"
    );
    assert_eq!(
        err("i1->i", &[&a]),
        "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]"
    );
    assert_eq!(
        err("ij->ii", &[&a]),
        "einsum(): output subscript i appears more than once in the output"
    );
    assert_eq!(
        err("ij->k", &[&a]),
        "einsum(): output subscript k does not appear in the equation for any input operand"
    );
    assert_eq!(
        err("i.j->i", &[&a]),
        "einsum(): found '.' for operand 0 that is not part of any ellipsis"
    );
    assert_eq!(
        err("...i...->i", &[&a]),
        "einsum(): found '.' for operand 0 for which an ellipsis was already found"
    );
    assert_eq!(
        err("ij->i.", &[&a]),
        "einsum(): found '.' for output that is not part of any ellipsis (...)"
    );
    assert_eq!(
        err("ii->i", &[&a]),
        "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"
    );
    assert!(err("ij", &[]).contains("einsum(): must provide at least one operand"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn tensor(shape: &[usize], k: f64) -> Tensor {
        let n: usize = shape.iter().product();
        t(
            &(0..n).map(|i| (i as f64 * k).sin()).collect::<Vec<_>>(),
            shape,
        )
    }

    fn assert_close(a: &Tensor, b: &Tensor) -> std::result::Result<(), TestCaseError> {
        prop_assert_eq!(a.shape(), b.shape());
        for (x, y) in a.to_vec_f64().unwrap().iter().zip(b.to_vec_f64().unwrap()) {
            prop_assert!((x - y).abs() < 1e-12, "{} vs {}", x, y);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Contractions agree with matmul, sums with sum_dims, on any sizes
        /// (0 included).
        #[test]
        fn einsum_agrees_with_matmul_and_sum(b in 0usize..3, i in 0usize..4, j in 0usize..4, k in 0usize..4) {
            let x = tensor(&[b, i, j], 0.7);
            let y = tensor(&[b, j, k], 1.1);
            assert_close(&Tensor::einsum("bij,bjk->bik", &[&x, &y]).unwrap(), &x.matmul(&y).unwrap())?;
            assert_close(&Tensor::einsum("bij,bkj->bki", &[&x, &y.mt().unwrap()]).unwrap(),
                         &x.matmul(&y).unwrap().mt().unwrap())?;
            assert_close(&Tensor::einsum("bij->j", &[&x]).unwrap(), &x.sum_dims(&[0, 1], false).unwrap())?;
        }
    }
}
