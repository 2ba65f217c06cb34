//! Matrix factorizations: values against hand-derived results and the
//! defining identities (A = Q R with Q orthonormal, A = L L^T, A V = V
//! diag(L), A = U diag(S) Vh), LAPACK's QR signs, the errors PyTorch
//! raises, and every gradient against finite differences, second
//! derivatives included.

use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::{DType, Result, Tensor};

fn t(vals: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec_f64(vals, shape, DType::F64).unwrap()
}

/// Deterministic, irregular values in `[lo, hi]` (a nonlinear hash: values
/// linear in the index would make every matrix of rank two).
fn leaf(shape: &[usize], lo: f64, hi: f64, seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let vals: Vec<f64> = (0..n)
        .map(|i| {
            let h = ((i as f64 * 12.9898 + seed as f64 * 78.233).sin() * 43758.5453).fract();
            lo + (hi - lo) * h.abs()
        })
        .collect();
    t(&vals, shape).requires_grad_(true).unwrap()
}

fn close(got: &Tensor, want: &Tensor, tol: f64) {
    assert_eq!(got.shape(), want.shape());
    let (g, w) = (got.to_vec_f64().unwrap(), want.to_vec_f64().unwrap());
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            (a - b).abs() <= tol,
            "element {i}: {a} vs {b}\n{g:?}\n{w:?}"
        );
    }
}

fn eye(n: usize) -> Tensor {
    Tensor::eye(n, None, DType::F64, Default::default()).unwrap()
}

fn check(name: &str, f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor]) {
    if let Err(e) = gradcheck(f, inputs, GradcheckOptions::default()) {
        panic!("{name}: {e}");
    }
}

/// A fixed weight for a weighted sum of an output, so each entry matters.
fn weighted(x: &Tensor, seed: usize) -> Result<Tensor> {
    x.mul(&leaf(x.shape(), -1.0, 1.0, seed).detach())?.sum()
}

#[test]
fn cholesky_by_hand_and_its_identity() {
    // [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]].
    let a = t(&[4.0, 2.0, 2.0, 3.0], &[2, 2]);
    close(
        &a.linalg_cholesky(false).unwrap(),
        &t(&[2.0, 0.0, 1.0, 2f64.sqrt()], &[2, 2]),
        1e-12,
    );
    close(
        &a.linalg_cholesky(true).unwrap(),
        &t(&[2.0, 1.0, 0.0, 2f64.sqrt()], &[2, 2]),
        1e-12,
    );
    // A batch of 5x5 SPD matrices: L L^T = A, L lower.
    let x = leaf(&[3, 5, 5], -1.0, 1.0, 1).detach();
    let a = x.matmul(&x.mt().unwrap()).unwrap().add(&eye(5)).unwrap();
    let l = a.linalg_cholesky(false).unwrap();
    close(&l.matmul(&l.mt().unwrap()).unwrap(), &a, 1e-12);
    close(
        &l.triu(1).unwrap(),
        &Tensor::zeros_on(&[3, 5, 5], DType::F64, Default::default()).unwrap(),
        0.0,
    );
}

#[test]
fn cholesky_names_the_minor_that_fails() {
    let a = t(&[1.0, 2.0, 2.0, 1.0], &[2, 2]);
    let e = a.linalg_cholesky(false).unwrap_err().to_string();
    assert!(
        e.contains("not positive-definite (the leading minor of order 2"),
        "{e}"
    );
    let b = Tensor::stack(&[&eye(2), &a], 0).unwrap();
    let e = b.linalg_cholesky(false).unwrap_err().to_string();
    assert!(e.contains("(Batch element 1)"), "{e}");
    let e = t(&[1.0; 6], &[2, 3])
        .linalg_cholesky(false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("square matrices"), "{e}");
}

#[test]
fn qr_has_lapack_signs_and_its_identities() {
    // Householder as LAPACK: R's diagonal is -sign(a_kk) * norm.
    let a = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let (q, r) = a.linalg_qr("reduced").unwrap();
    let s10 = 10f64.sqrt();
    close(
        &q,
        &t(&[-1.0 / s10, -3.0 / s10, -3.0 / s10, 1.0 / s10], &[2, 2]),
        1e-12,
    );
    close(
        &r,
        &t(&[-s10, -14.0 / s10, 0.0, -2.0 / s10], &[2, 2]),
        1e-12,
    );
    for (shape, mode, qcols) in [
        ([5, 3], "reduced", 3),
        ([5, 3], "complete", 5),
        ([3, 5], "reduced", 3),
        ([3, 5], "complete", 3),
    ] {
        let a = leaf(&shape, -1.0, 1.0, 2).detach();
        let (q, r) = a.linalg_qr(mode).unwrap();
        assert_eq!(q.shape(), &[shape[0], qcols]);
        close(&q.matmul(&r).unwrap(), &a, 1e-12);
        close(&q.mt().unwrap().matmul(&q).unwrap(), &eye(qcols), 1e-12);
        close(&r.tril(-1).unwrap(), &r.mul_scalar(0.0).unwrap(), 0.0);
    }
    let (q, r) = leaf(&[4, 3], -1.0, 1.0, 3).detach().linalg_qr("r").unwrap();
    assert_eq!((q.shape(), r.shape()), (&[0][..], &[3, 3][..]));
    assert!(t(&[1.0], &[1, 1]).linalg_qr("full").is_err());
}

#[test]
fn eigh_by_hand_and_its_identities() {
    let (l, v) = t(&[2.0, 1.0, 1.0, 2.0], &[2, 2]).linalg_eigh("L").unwrap();
    close(&l, &t(&[1.0, 3.0], &[2]), 1e-12);
    let h = 0.5f64.sqrt();
    // Up to sign: each eigenvector squared.
    close(
        &v.square().unwrap(),
        &t(&[0.5, 0.5, 0.5, 0.5], &[2, 2]),
        1e-12,
    );
    close(
        &v.select(1, 1).unwrap().abs().unwrap(),
        &t(&[h, h], &[2]),
        1e-12,
    );
    // Only the named triangle is read.
    let lower = t(&[2.0, 99.0, 1.0, 2.0], &[2, 2]);
    close(
        &lower.linalg_eigvalsh("L").unwrap(),
        &t(&[1.0, 3.0], &[2]),
        1e-12,
    );
    let upper = t(&[2.0, 1.0, 99.0, 2.0], &[2, 2]);
    close(
        &upper.linalg_eigvalsh("U").unwrap(),
        &t(&[1.0, 3.0], &[2]),
        1e-12,
    );
    let x = leaf(&[2, 6, 6], -1.0, 1.0, 4).detach();
    let a = x.add(&x.mt().unwrap()).unwrap();
    let (l, v) = a.linalg_eigh("L").unwrap();
    close(
        &a.matmul(&v).unwrap(),
        &v.mul(&l.unsqueeze(-2).unwrap()).unwrap(),
        1e-11,
    );
    close(
        &v.mt().unwrap().matmul(&v).unwrap(),
        &eye(6).expand(&[2, 6, 6]).unwrap(),
        1e-12,
    );
    let lv = l.to_vec_f64().unwrap();
    assert!(
        lv[..6].windows(2).all(|w| w[0] <= w[1]),
        "ascending: {lv:?}"
    );
    // The trace is the sum of the eigenvalues.
    let tr: f64 = (0..6).map(|i| a.to_vec_f64().unwrap()[i * 7]).sum();
    assert!((lv[..6].iter().sum::<f64>() - tr).abs() < 1e-12);
}

#[test]
fn svd_by_hand_and_its_identities() {
    // [[3, 0], [4, 5]]: A^T A = [[25, 20], [20, 25]], eigenvalues 45 and 5.
    let s = t(&[3.0, 0.0, 4.0, 5.0], &[2, 2]).linalg_svdvals().unwrap();
    close(&s, &t(&[45f64.sqrt(), 5f64.sqrt()], &[2]), 1e-12);
    for (shape, full) in [
        ([5, 3], false),
        ([5, 3], true),
        ([3, 5], false),
        ([3, 5], true),
        ([4, 4], false),
    ] {
        let a = leaf(&shape, -1.0, 1.0, 5).detach();
        let (u, s, vh) = a.linalg_svd(full).unwrap();
        let (m, n) = (shape[0], shape[1]);
        let k = m.min(n);
        let (ku, kv) = if full { (m, n) } else { (k, k) };
        assert_eq!(
            (u.shape(), s.shape(), vh.shape()),
            (&[m, ku][..], &[k][..], &[kv, n][..])
        );
        close(&u.mt().unwrap().matmul(&u).unwrap(), &eye(ku), 1e-12);
        close(&vh.matmul(&vh.mt().unwrap()).unwrap(), &eye(kv), 1e-12);
        let uk = u.narrow(-1, 0, k).unwrap();
        let vk = vh.narrow(-2, 0, k).unwrap();
        let back = uk
            .mul(&s.unsqueeze(-2).unwrap())
            .unwrap()
            .matmul(&vk)
            .unwrap();
        close(&back, &a, 1e-12);
        let sv = s.to_vec_f64().unwrap();
        assert!(
            sv.windows(2).all(|w| w[0] >= w[1]) && sv[k - 1] >= 0.0,
            "{sv:?}"
        );
    }
    // Rank-deficient: a zero singular value, U still orthonormal.
    let a = t(&[1.0, 2.0, 2.0, 4.0, 3.0, 6.0], &[3, 2]);
    let (u, s, _) = a.linalg_svd(false).unwrap();
    close(&s, &t(&[70f64.sqrt(), 0.0], &[2]), 1e-12);
    close(&u.mt().unwrap().matmul(&u).unwrap(), &eye(2), 1e-12);
}

#[test]
fn solve_triangular_all_sides() {
    let a = t(&[2.0, 0.0, 0.0, 1.0, 3.0, 0.0, 4.0, 5.0, 6.0], &[3, 3]);
    let b = leaf(&[3, 2], -1.0, 1.0, 6).detach();
    let x = a.linalg_solve_triangular(&b, false, true, false).unwrap();
    close(&a.matmul(&x).unwrap(), &b, 1e-12);
    let au = a.mt().unwrap();
    let x = au.linalg_solve_triangular(&b, true, true, false).unwrap();
    close(&au.matmul(&x).unwrap(), &b, 1e-12);
    let bt = b.mt().unwrap();
    let x = a.linalg_solve_triangular(&bt, false, false, false).unwrap();
    close(&x.matmul(&a).unwrap(), &bt, 1e-12);
    // Unit diagonal assumed: the stored 2, 3, 6 are ignored.
    let unit = a.tril(-1).unwrap().add(&eye(3)).unwrap();
    let x = a.linalg_solve_triangular(&b, false, true, true).unwrap();
    close(&unit.matmul(&x).unwrap(), &b, 1e-12);
}

#[test]
fn factorization_gradients_match_finite_differences() {
    let spd = |x: &Tensor| -> Result<Tensor> {
        x.matmul(&x.mt()?)?.add(&eye(x.shape()[0]).mul_scalar(3.0)?)
    };
    let x3 = || leaf(&[3, 3], -1.0, 1.0, 7);
    check(
        "cholesky",
        |x| weighted(&spd(&x[0])?.linalg_cholesky(false)?, 8),
        &[x3()],
    );
    check(
        "cholesky upper",
        |x| weighted(&spd(&x[0])?.linalg_cholesky(true)?, 9),
        &[x3()],
    );
    for shape in [[4, 3], [3, 3], [3, 4]] {
        let a = leaf(&shape, -1.0, 1.0, 10);
        check(
            "qr Q",
            |x| weighted(&x[0].linalg_qr("reduced")?.0, 11),
            std::slice::from_ref(&a),
        );
        check(
            "qr R",
            |x| weighted(&x[0].linalg_qr("reduced")?.1, 12),
            std::slice::from_ref(&a),
        );
        check(
            "qr both",
            |x| {
                let (q, r) = x[0].linalg_qr("reduced")?;
                weighted(&q, 13)?.add(&weighted(&r, 14)?)
            },
            std::slice::from_ref(&a),
        );
        // Sign-invariant losses: S, U*U, Vh*Vh, and U S Vh itself.
        check(
            "svdvals",
            |x| weighted(&x[0].linalg_svdvals()?, 15),
            std::slice::from_ref(&a),
        );
        check(
            "svd vectors",
            |x| {
                let (u, s, vh) = x[0].linalg_svd(false)?;
                weighted(&u.square()?, 16)?
                    .add(&weighted(&vh.square()?, 17)?)?
                    .add(&weighted(&s, 18)?)
            },
            std::slice::from_ref(&a),
        );
        check(
            "svd full",
            |x| {
                let (u, _, vh) = x[0].linalg_svd(true)?;
                let k = x[0].shape()[0].min(x[0].shape()[1]);
                weighted(&u.narrow(-1, 0, k)?.square()?, 19)?
                    .add(&weighted(&vh.narrow(-2, 0, k)?.square()?, 20)?)
            },
            std::slice::from_ref(&a),
        );
    }
    check(
        "qr complete wide",
        |x| weighted(&x[0].linalg_qr("complete")?.0, 21),
        &[leaf(&[2, 4], -1.0, 1.0, 22)],
    );
    let sym = |x: &Tensor| x.add(&x.mt()?);
    let x4 = || leaf(&[4, 4], -1.0, 1.0, 23);
    check(
        "eigvalsh",
        |x| weighted(&sym(&x[0])?.linalg_eigvalsh("L")?, 24),
        &[x4()],
    );
    check(
        "eigh vectors",
        |x| {
            let (l, v) = sym(&x[0])?.linalg_eigh("U")?;
            weighted(&v.square()?, 25)?.add(&weighted(&l, 26)?)
        },
        &[x4()],
    );
    let tall = || leaf(&[4, 3], -1.0, 1.0, 36);
    check(
        "pinv",
        |x| weighted(&x[0].linalg_pinv(None, None)?, 37),
        &[tall()],
    );
    check(
        "lstsq",
        |x| weighted(&x[0].linalg_lstsq(&x[1], None)?.0, 38),
        &[tall(), leaf(&[4, 2], -1.0, 1.0, 39)],
    );
    check(
        "nuclear norm",
        |x| x[0].linalg_matrix_norm("nuc", false),
        &[tall()],
    );
    check(
        "spectral norm",
        |x| x[0].linalg_matrix_norm("2", true)?.sum(),
        &[tall()],
    );
    check(
        "matrix_power",
        |x| weighted(&x[0].linalg_matrix_power(3)?, 40),
        &[x4()],
    );
    for (upper, left, unit) in [
        (false, true, false),
        (true, true, false),
        (false, false, false),
        (true, false, true),
    ] {
        let a = leaf(&[3, 3], 0.5, 1.5, 27);
        let b = leaf(&[3, 3], -1.0, 1.0, 28);
        check(
            "solve_triangular",
            |x| weighted(&x[0].linalg_solve_triangular(&x[1], upper, left, unit)?, 29),
            &[a, b],
        );
    }
}

#[test]
fn factorization_second_derivatives() {
    // The gradient, computed with its own graph, is itself gradchecked.
    let grad_of = |f: fn(&Tensor) -> Result<Tensor>| {
        move |x: &[Tensor]| -> Result<Tensor> {
            let _on = tinytorch::autograd::enable_grad();
            let x0 = if x[0].requires_grad() {
                x[0].clone()
            } else {
                x[0].detach().requires_grad_(true)?
            };
            let y = f(&x0)?;
            let g = tinytorch::autograd::grad_foreign(&[y], &[], &[x0], false, true, None)?;
            weighted(&g.into_iter().next().flatten().expect("used"), 30)
        }
    };
    let a = leaf(&[3, 3], -1.0, 1.0, 31);
    check(
        "cholesky twice",
        grad_of(|x| {
            let a = x.matmul(&x.mt()?)?.add(&eye(3).mul_scalar(3.0)?)?;
            weighted(&a.linalg_cholesky(false)?, 32)
        }),
        std::slice::from_ref(&a),
    );
    check(
        "svdvals twice",
        grad_of(|x| weighted(&x.linalg_svdvals()?, 33)),
        std::slice::from_ref(&a),
    );
    check(
        "qr twice",
        grad_of(|x| weighted(&x.linalg_qr("reduced")?.1, 34)),
        &[a],
    );
}

#[test]
fn outputs_are_named_as_pytorch() {
    let a = leaf(&[3, 3], -1.0, 1.0, 35);
    let spd = a.matmul(&a.mt().unwrap()).unwrap().add(&eye(3)).unwrap();
    let name = |t: &Tensor| {
        t.grad_fn()
            .map(|n| n.name().to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        name(&spd.linalg_cholesky(false).unwrap()),
        "LinalgCholeskyExBackward0"
    );
    let (q, r) = a.linalg_qr("reduced").unwrap();
    assert_eq!(
        (name(&q), name(&r)),
        ("LinalgQrBackward0".into(), "LinalgQrBackward0".into())
    );
    let (u, s, vh) = a.linalg_svd(false).unwrap();
    for x in [u, s, vh] {
        assert_eq!(name(&x), "LinalgSvdBackward0");
    }
    assert_eq!(
        name(&spd.linalg_eigh("L").unwrap().1),
        "LinalgEighBackward0"
    );
    // mode='r' has no Q to differentiate through.
    let (_, r) = a.linalg_qr("r").unwrap();
    let e = tinytorch::autograd::backward(&r.sum().unwrap(), None, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("mode='r'"), "{e}");
}
