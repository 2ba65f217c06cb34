//! In-place ops and PyTorch's autograd rules for them: version counters and
//! the "modified by an inplace operation" error, leaves that require grad,
//! history rebasing (the new grad_fn's edge is the old one), views, dtype
//! and shape checks. Expected values are derived by hand (comments) or by
//! finite differences.

use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::autograd::{no_grad, Edge};
use tinytorch::ops::indexing::TensorIndex;
use tinytorch::{DType, Device, Tensor};

fn leaf(v: &[f64]) -> Tensor {
    Tensor::from_vec_f64(v, &[v.len()], DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

fn vals(t: &Tensor) -> Vec<f64> {
    t.to_vec_f64().unwrap()
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

#[test]
fn modifying_a_saved_output_fails_at_backward() {
    // ExpBackward0 saves its result y; y.add_(1) bumps y's version to 1.
    let x = leaf(&[0.0, 1.0, 2.0]);
    let y = x.exp().unwrap();
    assert_eq!(y.version(), 0);
    y.add_scalar_(1.0).unwrap();
    assert_eq!(y.version(), 1);
    let e = y.sum().unwrap().backward().unwrap_err().to_string();
    assert!(
        e.starts_with("one of the variables needed for gradient computation has been modified by an inplace operation: [torch.DoubleTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead."),
        "{e}"
    );
}

#[test]
fn modifying_an_unsaved_output_is_fine() {
    // y = 2x saves nothing that aliases y; y += 1 keeps d sum(y)/dx = 2.
    let x = leaf(&[1.0, 2.0]);
    let y = x.mul_scalar(2.0).unwrap();
    y.add_scalar_(1.0).unwrap();
    assert_eq!(vals(&y), vec![3.0, 5.0]);
    assert_eq!(y.grad_fn().unwrap().name(), "AddBackward0");
    y.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&x.grad().unwrap()), vec![2.0, 2.0]);

    // y = x * t (tensor) saves x and t, not y: y.mul_(z) is fine too, and
    // saves the old y (as PyTorch saves self.clone()):
    // loss = sum(x t z): dx = t z, dz = x t = old y.
    let x = leaf(&[1.0, 2.0]);
    let t = Tensor::from_vec_f64(&[3.0, 4.0], &[2], DType::F64).unwrap();
    let z = leaf(&[5.0, 6.0]);
    let y = x.mul(&t).unwrap();
    y.mul_(&z).unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "MulBackward0");
    y.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&x.grad().unwrap()), vec![15.0, 24.0]);
    assert_eq!(vals(&z.grad().unwrap()), vec![3.0, 8.0]);

    // Modifying a saved *input* after the fact is caught: y = x * w saves
    // w; w.mul_(2) under no_grad bumps w's version.
    let x = leaf(&[1.0, 2.0]);
    let w = Tensor::from_vec_f64(&[3.0, 4.0], &[2], DType::F64).unwrap();
    let y = x.mul(&w).unwrap();
    w.mul_scalar_(2.0).unwrap();
    let e = y.sum().unwrap().backward().unwrap_err().to_string();
    assert!(
        e.contains("which is output 0 of MulBackward0, is at version 1; expected version 0"),
        "{e}"
    );
}

#[test]
fn leaf_requiring_grad_is_refused_unless_no_grad() {
    let w = leaf(&[1.0, 2.0]);
    let e = w.add_scalar_(1.0).unwrap_err().to_string();
    assert_eq!(
        e,
        "a leaf Variable that requires grad is being used in an in-place operation."
    );
    assert_eq!(w.version(), 0, "nothing written");
    assert_eq!(vals(&w), vec![1.0, 2.0]);
    // An optimizer step: allowed under no_grad, stays a leaf.
    let g = Tensor::from_vec_f64(&[0.5, 0.5], &[2], DType::F64).unwrap();
    {
        let _ng = no_grad();
        w.sub_(&g.mul_scalar(2.0).unwrap()).unwrap();
    }
    assert_eq!(vals(&w), vec![0.0, 1.0]);
    assert!(w.is_leaf() && w.requires_grad());
    assert_eq!(w.version(), 1);
}

#[test]
fn history_is_rebased_onto_the_new_node() {
    // y = 3x ; y.exp_() : y = e^{3x}, d sum(y)/dx = 3 e^{3x}.
    let x = leaf(&[0.0, 0.5, -1.0]);
    let y = x.mul_scalar(3.0).unwrap();
    let old = y.grad_fn().unwrap();
    y.exp_().unwrap();
    let node = y.grad_fn().unwrap();
    assert_eq!(node.name(), "ExpBackward0");
    match &node.inputs()[0] {
        Edge::Node(n) => assert!(std::sync::Arc::ptr_eq(n, &old), "edge to the old grad_fn"),
        _ => panic!("expected an edge to MulBackward0"),
    }
    y.sum().unwrap().backward().unwrap();
    let want: Vec<f64> = [0.0f64, 0.5, -1.0]
        .iter()
        .map(|v| 3.0 * (3.0 * v).exp())
        .collect();
    close(&vals(&x.grad().unwrap()), &want);

    // A tensor that did not require grad starts requiring it when an
    // operand does: z = zeros(3); z.copy_(w) with w of shape [1] broadcast.
    let w = leaf(&[2.0]);
    let z = Tensor::zeros_on(&[3], DType::F64, Device::Cpu).unwrap();
    z.copy_(&w).unwrap();
    assert_eq!(z.grad_fn().unwrap().name(), "CopyBackwards");
    assert_eq!(vals(&z), vec![2.0; 3]);
    // d sum(z)/dw = 3 (broadcast over three elements).
    z.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&w.grad().unwrap()), vec![3.0]);
}

#[test]
fn inplace_gradients_match_finite_differences() {
    let opts = GradcheckOptions::default();
    let x0 = leaf(&[0.3, -0.7, 1.2, -1.9]);
    let other = leaf(&[0.5, 1.5, -2.0, 0.25]);
    type F = fn(&Tensor, &Tensor) -> tinytorch::Result<()>;
    let table: Vec<(&str, F)> = vec![
        ("add_", |y, o| y.add_(o)),
        ("add_alpha_", |y, o| y.add_alpha_(o, -0.5)),
        ("sub_", |y, o| y.sub_(o)),
        ("mul_", |y, o| y.mul_(o)),
        ("div_", |y, o| y.div_(o)),
        ("copy_", |y, o| y.copy_(o)),
        ("add_scalar_", |y, _| y.add_scalar_(2.5)),
        ("mul_scalar_", |y, _| y.mul_scalar_(-1.5)),
        ("div_scalar_", |y, _| y.div_scalar_(4.0)),
        ("pow_scalar_", |y, _| y.pow_scalar_(3.0)),
        ("clamp_", |y, _| y.clamp_(Some(-1.0), Some(1.0))),
        ("relu_", |y, _| y.relu_()),
        ("neg_", |y, _| y.neg_()),
        ("exp_", |y, _| y.exp_()),
        ("sigmoid_", |y, _| y.sigmoid_()),
        ("tanh_", |y, _| y.tanh_()),
        ("zero_", |y, _| y.zero_()),
        ("fill_", |y, _| y.fill_(3.0)),
        ("masked_fill_", |y, _| {
            let m = Tensor::from_vec(vec![true, false, false, true], &[4])?;
            y.masked_fill_(&m, 9.0)
        }),
        ("index_put_", |y, o| {
            let i = Tensor::from_vec(vec![2i64, 0], &[2])?;
            y.index_put_(
                &[TensorIndex::Tensor(i)],
                &o.index(&[TensorIndex::slice(None, Some(2), 1)])?,
                false,
            )
        }),
        ("index_put_acc", |y, o| {
            let i = Tensor::from_vec(vec![3i64, 3], &[2])?;
            y.index_put_(
                &[TensorIndex::Tensor(i)],
                &o.index(&[TensorIndex::slice(Some(1), Some(3), 1)])?,
                true,
            )
        }),
        ("chain", |y, o| {
            y.mul_(o)?;
            y.tanh_()?;
            y.add_(o)
        }),
    ];
    for (name, f) in table {
        // The in-place op applies to a non-leaf (y = 1.5 x), then y is
        // used again out of place so the rebased history is exercised.
        gradcheck(
            |xs| {
                let y = xs[0].mul_scalar(1.5)?;
                f(&y, &xs[1])?;
                y.mul(&xs[0])
            },
            &[x0.clone(), other.clone()],
            opts,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn views_and_version_counters() {
    // Views share the version counter of their storage.
    let x = Tensor::zeros_on(&[2, 3], DType::F32, Device::Cpu).unwrap();
    let row = x.index(&[TensorIndex::Int(1)]).unwrap();
    assert_eq!((x.version(), row.version()), (0, 0));
    row.add_scalar_(2.0).unwrap();
    assert_eq!(vals(&x), vec![0., 0., 0., 2., 2., 2.]);
    assert_eq!((x.version(), row.version()), (1, 1));
    x.zero_().unwrap();
    x.fill_(1.0).unwrap();
    x.mul_scalar_(3.0).unwrap();
    assert_eq!(x.version(), 4);
    assert_eq!(vals(&row), vec![3.0; 3]);

    // A copy from an overlapping view of the same storage: x[0:2] = x[2:4].
    let y = Tensor::from_vec_f64(&[1.0, 2.0, 3.0, 4.0], &[4], DType::F64).unwrap();
    let lo = y.index(&[TensorIndex::slice(None, Some(2), 1)]).unwrap();
    let hi = y.index(&[TensorIndex::slice(Some(2), None, 1)]).unwrap();
    lo.copy_(&hi).unwrap();
    assert_eq!(vals(&y), vec![3.0, 4.0, 3.0, 4.0]);
    y.add_(&y).unwrap();
    assert_eq!(vals(&y), vec![6.0, 8.0, 6.0, 8.0]);

    // In-place on a view of a leaf that requires grad: PyTorch's error.
    let w = leaf(&[1.0, 2.0, 3.0]);
    let e = w
        .index(&[TensorIndex::Int(0)])
        .unwrap()
        .zero_()
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "a view of a leaf Variable that requires grad is being used in an in-place operation."
    );
    // ... but allowed under no_grad (parameter initialisation).
    {
        let _ng = no_grad();
        w.index(&[TensorIndex::Int(0)]).unwrap().fill_(7.0).unwrap();
    }
    assert_eq!(vals(&w), vec![7.0, 2.0, 3.0]);
    // A detached alias writes through too and bumps the shared counter.
    let before = w.version();
    w.detach().mul_scalar_(2.0).unwrap();
    assert_eq!(vals(&w), vec![14.0, 4.0, 6.0]);
    assert_eq!(w.version(), before + 1);

    // Writing through an expanded view is refused.
    let e = Tensor::zeros_on(&[1], DType::F32, Device::Cpu)
        .unwrap()
        .broadcast_to(&[3])
        .unwrap()
        .fill_(1.0)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("unsupported operation: more than one element of the written-to tensor refers to a single memory location."), "{e}");
}

#[test]
fn dtype_and_shape_rules() {
    // Results are cast back to self's dtype when PyTorch can cast ...
    let i = Tensor::from_vec(vec![1i64, 2, 3], &[3]).unwrap();
    i.add_scalar_(2i64).unwrap();
    assert_eq!(i.to_vec_i64().unwrap(), vec![3, 4, 5]);
    let f = Tensor::from_vec_f64(&[1.0, 2.0], &[2], DType::F32).unwrap();
    f.add_(&Tensor::from_vec_f64(&[0.5, 0.25], &[2], DType::F64).unwrap())
        .unwrap();
    assert_eq!((f.dtype(), vals(&f)), (DType::F32, vec![1.5, 2.25]));
    // copy_ casts: 2.7 into int64 truncates to 2.
    let j = Tensor::zeros_on(&[2], DType::I64, Device::Cpu).unwrap();
    j.copy_(&Tensor::from_vec_f64(&[2.7, -1.5], &[2], DType::F32).unwrap())
        .unwrap();
    assert_eq!(j.to_vec_i64().unwrap(), vec![2, -1]);
    // ... and refuse float -> int.
    let e = i.div_scalar_(2i64).unwrap_err().to_string();
    assert_eq!(
        e,
        "result type Float can't be cast to the desired output type Long"
    );
    let e = i.exp_().unwrap_err().to_string();
    assert_eq!(
        e,
        "result type Float can't be cast to the desired output type Long"
    );
    assert_eq!(i.to_vec_i64().unwrap(), vec![3, 4, 5]);
    // The other operand broadcasts to self, never the reverse.
    let a = Tensor::zeros_on(&[3], DType::F32, Device::Cpu).unwrap();
    let b = Tensor::ones_on(&[2, 3], DType::F32, Device::Cpu).unwrap();
    let e = a.add_(&b).unwrap_err().to_string();
    assert!(
        e.ends_with("output with shape [3] doesn't match the broadcast shape [2, 3]"),
        "{e}"
    );
    b.add_(&a.add_scalar(1.0).unwrap()).unwrap();
    assert_eq!(vals(&b), vec![2.0; 6]);
    // masked_fill_ with a broadcast mask.
    let m = Tensor::from_vec(vec![false, true, false], &[3]).unwrap();
    b.masked_fill_(&m, -1.0).unwrap();
    assert_eq!(vals(&b), vec![2.0, -1.0, 2.0, 2.0, -1.0, 2.0]);
}

#[test]
fn random_fills_draw_from_the_default_generator() {
    // uniform_ / normal_ consume the same stream as torch.rand / torch.randn
    // (whose values are checked against PyTorch in random_fixtures.rs).
    let x = Tensor::zeros_on(&[5], DType::F32, Device::Cpu).unwrap();
    tinytorch::random::manual_seed(3);
    x.uniform_(-2.0, 2.0).unwrap();
    tinytorch::random::manual_seed(3);
    let want = Tensor::uniform(&[5], -2.0, 2.0, DType::F32, Device::Cpu).unwrap();
    assert_eq!(vals(&x), vals(&want));
    assert!(vals(&x).iter().all(|v| (-2.0..2.0).contains(v)));
    tinytorch::random::manual_seed(4);
    x.normal_(1.0, 0.5).unwrap();
    tinytorch::random::manual_seed(4);
    let want = Tensor::normal(&[5], 1.0, 0.5, DType::F32, Device::Cpu).unwrap();
    assert_eq!(vals(&x), vals(&want));
    assert_eq!(x.version(), 2);
    // On a non-leaf requiring grad: the old values get no gradient.
    let w = leaf(&[1.0, 2.0]);
    let y = w.mul_scalar(1.0).unwrap();
    y.normal_(0.0, 1.0).unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "NormalBackward0");
    y.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&w.grad().unwrap()), vec![0.0, 0.0]);
}

#[test]
fn inplace_on_a_view_rebases_the_base() {
    // h = 2w ; v = h[1:] ; v *= 3  =>  h = [2w0, 6w1, 6w2]
    // loss = sum(h * c), c = [1, 2, 3]: dw = [2, 12, 18].
    let c = Tensor::from_vec_f64(&[1.0, 2.0, 3.0], &[3], DType::F64).unwrap();
    let w = leaf(&[1.0, 2.0, 3.0]);
    let h = w.mul_scalar(2.0).unwrap();
    let v = h.index(&[TensorIndex::slice(Some(1), None, 1)]).unwrap();
    v.mul_scalar_(3.0).unwrap();
    assert_eq!(vals(&h), vec![2.0, 12.0, 18.0]);
    assert_eq!(h.grad_fn().unwrap().name(), "CopySlices");
    assert_eq!(v.grad_fn().unwrap().name(), "AsStridedBackward0");
    h.mul(&c).unwrap().sum().unwrap().backward().unwrap();
    assert_eq!(vals(&w.grad().unwrap()), vec![2.0, 12.0, 18.0]);

    // Through the view itself: loss = sum(v) = 6 (w1 + w2): dw = [0, 6, 6].
    let w = leaf(&[1.0, 2.0, 3.0]);
    let h = w.mul_scalar(2.0).unwrap();
    let v = h.index(&[TensorIndex::slice(Some(1), None, 1)]).unwrap();
    v.mul_scalar_(3.0).unwrap();
    v.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&w.grad().unwrap()), vec![0.0, 6.0, 6.0]);

    // A buffer that does not require grad, written through a row view by
    // a tensor that does: buf[0] = u, loss = sum(buf * c2) => du = c2[0].
    let u = leaf(&[4.0, 5.0, 6.0]);
    let buf = Tensor::zeros_on(&[2, 3], DType::F64, Device::Cpu).unwrap();
    buf.index(&[TensorIndex::Int(0)])
        .unwrap()
        .copy_(&u)
        .unwrap();
    assert!(buf.requires_grad());
    assert_eq!(buf.grad_fn().unwrap().name(), "CopySlices");
    let c2 = Tensor::from_vec_f64(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3], DType::F64).unwrap();
    buf.mul(&c2).unwrap().sum().unwrap().backward().unwrap();
    assert_eq!(vals(&u.grad().unwrap()), vec![1.0, 2.0, 3.0]);

    // Finite differences through strided views of a non-leaf.
    let opts = GradcheckOptions::default();
    gradcheck(
        |xs| {
            let y = xs[0].mul_scalar(1.5)?;
            let v = y.index(&[TensorIndex::slice(Some(1), None, 1), TensorIndex::Int(0)])?;
            v.exp_()?;
            v.mul_(&xs[1])?;
            let t = y.transpose(0, 1)?.index(&[TensorIndex::Int(1)])?;
            t.tanh_()?;
            y.mul(&xs[0])
        },
        &[
            Tensor::from_vec_f64(&[0.1, -0.2, 0.3, 0.4, -0.5, 0.6], &[3, 2], DType::F64)
                .unwrap()
                .requires_grad_(true)
                .unwrap(),
            leaf(&[0.7, -1.1]),
        ],
        opts,
    )
    .unwrap();
}

#[test]
fn views_taken_before_an_inplace_write_follow_the_new_history() {
    let a = || leaf(&[1.0, 2.0, 3.0]);
    // b = 1a ; v = b[0:2] ; b *= 2 ; loss = sum(v) = 2(a0 + a1): da = [2, 2, 0].
    let x = a();
    let b = x.mul_scalar(1.0).unwrap();
    let v = b.index(&[TensorIndex::slice(None, Some(2), 1)]).unwrap();
    b.mul_scalar_(2.0).unwrap();
    v.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&x.grad().unwrap()), vec![2.0, 2.0, 0.0]);

    // Overlapping views: v1 = b[0:2] ; v2 = b[1:3] ; v1 *= 3
    // => b = [3a0, 3a1, a2], loss = sum(v2) = 3a1 + a2: da = [0, 3, 1].
    let x = a();
    let b = x.mul_scalar(1.0).unwrap();
    let v1 = b.index(&[TensorIndex::slice(None, Some(2), 1)]).unwrap();
    let v2 = b.index(&[TensorIndex::slice(Some(1), None, 1)]).unwrap();
    v1.mul_scalar_(3.0).unwrap();
    v2.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&x.grad().unwrap()), vec![0.0, 3.0, 1.0]);

    // An in-place op on a stale view: v = b[0:2] ; b *= 2 ; v *= 5
    // => b = [10a0, 10a1, 2a2], loss = sum(b): da = [10, 10, 2].
    let x = a();
    let b = x.mul_scalar(1.0).unwrap();
    let v = b.index(&[TensorIndex::slice(None, Some(2), 1)]).unwrap();
    b.mul_scalar_(2.0).unwrap();
    v.mul_scalar_(5.0).unwrap();
    assert_eq!(vals(&b), vec![10.0, 20.0, 6.0]);
    b.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&x.grad().unwrap()), vec![10.0, 10.0, 2.0]);

    // A view of a leaf written under no_grad (an optimizer step) keeps
    // pointing at the leaf: loss = sum(v) => da = [1, 1, 0].
    let x = a();
    let v = x.index(&[TensorIndex::slice(None, Some(2), 1)]).unwrap();
    {
        let _ng = no_grad();
        x.mul_scalar_(4.0).unwrap();
    }
    v.sum().unwrap().backward().unwrap();
    assert_eq!(vals(&x.grad().unwrap()), vec![1.0, 1.0, 0.0]);
}

#[test]
fn a_view_made_under_no_grad_cannot_be_modified_with_grad_on() {
    let w = leaf(&[1.0, 2.0, 3.0]);
    let h = w.mul_scalar(2.0).unwrap();
    let v = {
        let _ng = no_grad();
        h.index(&[TensorIndex::slice(None, Some(2), 1)]).unwrap()
    };
    assert!(!v.requires_grad());
    let e = v.mul_scalar_(2.0).unwrap_err().to_string();
    assert!(e.starts_with("A view was created in no_grad mode and is being modified inplace with grad mode enabled."), "{e}");
    assert_eq!(vals(&h), vec![2.0, 4.0, 6.0], "nothing written");
    // Both inside no_grad: allowed, untracked.
    {
        let _ng = no_grad();
        v.mul_scalar_(2.0).unwrap();
    }
    assert_eq!(vals(&h), vec![4.0, 8.0, 6.0]);
}

#[test]
fn a_leaf_gradient_never_aliases_a_tensor_the_user_holds() {
    // x.t() is a view; its backward hands x the transpose of the seed, a view
    // of the user's `g`. `.grad` must get its own buffer: writing into it
    // leaves `g` as it was.
    let x = Tensor::zeros_on(&[2, 3], DType::F64, Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let g = Tensor::from_vec_f64(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2], DType::F64).unwrap();
    tinytorch::autograd::backward(&x.t().unwrap(), Some(&g), false).unwrap();
    let xg = x.grad().unwrap();
    // d(sum(g * x^T))/dx = g^T
    close(&vals(&xg), &[1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
    xg.add_scalar_(10.0).unwrap();
    close(&vals(&g), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert!(!xg.shares_storage(&g));
}
