//! Property tests: no combination of shapes, dims and arguments makes an
//! op panic. Every call returns `Ok` or a clear `Err`.

use proptest::prelude::*;
use tinytorch::ops::indexing::TensorIndex;
use tinytorch::{DType, Device, Tensor};

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..4, 0..4)
}

fn tensor(shape: &[usize], dtype: DType) -> Tensor {
    let n: usize = shape.iter().product();
    let vals: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 3.0).collect();
    Tensor::from_vec_f64(&vals, shape, dtype).expect("valid shape")
}

fn dtype() -> impl Strategy<Value = DType> {
    prop::sample::select(DType::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn binary_ops_never_panic(a in shape(), b in shape(), da in dtype(), db in dtype()) {
        let (x, y) = (tensor(&a, da), tensor(&b, db));
        let _ = x.add(&y);
        let _ = x.sub(&y);
        let _ = x.mul(&y);
        let _ = x.div(&y);
        let _ = x.remainder(&y);
        let _ = x.floor_divide(&y);
        let _ = x.pow(&y);
        let _ = x.maximum(&y);
        let _ = x.lt(&y);
        let _ = x.logical_and(&y);
        let _ = x.matmul(&y);
        let _ = Tensor::where_cond(&x.gt_scalar(0.0).unwrap(), &x, &y);
        let _ = Tensor::cat(&[&x, &y], 0);
        let _ = Tensor::stack(&[&x, &y], -1);
    }

    #[test]
    fn unary_and_reductions_never_panic(s in shape(), d in dtype(), dim in -5i64..5, keep in any::<bool>()) {
        let x = tensor(&s, d);
        let _ = x.exp();
        let _ = x.sqrt();
        let _ = x.neg();
        let _ = x.relu();
        let _ = x.clamp(Some(-1.0), Some(1.0));
        let _ = x.sum();
        let _ = x.sum_dims(&[dim], keep);
        let _ = x.mean();
        let _ = x.mean_dims(&[dim], keep);
        let _ = x.var(Some(&[dim]), 1.0, keep);
        let _ = x.std(None, 1.0, keep);
        let _ = x.prod(Some(dim), keep);
        let _ = x.max();
        let _ = x.max_dim(dim, keep);
        let _ = x.argmin(Some(dim), keep);
        let _ = x.norm(2.0, Some(&[dim]), keep);
        let _ = x.logsumexp(&[dim], keep);
        let _ = x.cumsum(dim);
        let _ = x.sort(dim, true);
        let _ = x.topk(2, dim, true, true);
        let _ = x.softmax(dim);
        let _ = x.log_softmax(dim);
    }

    #[test]
    fn views_and_indexing_never_panic(
        s in shape(),
        dim in -5i64..5,
        a in -5i64..6,
        b in -5i64..6,
        step in 1i64..3,
        spec in prop::collection::vec(-3i64..4, 0..4),
    ) {
        let x = tensor(&s, DType::F32);
        let _ = x.view(&spec);
        let _ = x.reshape(&spec);
        let _ = x.permute(&spec);
        let _ = x.expand(&spec);
        let _ = x.repeat(&spec.iter().map(|&v| v.unsigned_abs() as usize).collect::<Vec<_>>());
        let _ = x.transpose(dim, a);
        let _ = x.narrow(dim, a, b.unsigned_abs() as usize);
        let _ = x.slice(dim, Some(a), Some(b), step);
        let _ = x.select(dim, a);
        let _ = x.squeeze_dim(dim);
        let _ = x.unsqueeze(dim);
        let _ = x.flatten(dim, a);
        let _ = x.unflatten(dim, &spec);
        let _ = x.split(b.unsigned_abs() as usize, dim);
        let _ = x.chunk(b.unsigned_abs() as usize, dim);
        let _ = x.tril(a);
        let idx = Tensor::from_vec(spec.clone(), &[spec.len()]).expect("index");
        let _ = x.index_select(dim, &idx);
        let _ = x.gather(dim, &idx);
        let _ = x.index(&[TensorIndex::Int(a), TensorIndex::slice(Some(b), None, step)]);
        let _ = x.index(&[TensorIndex::Tensor(idx.clone())]);
        let _ = x.index(&[TensorIndex::Ellipsis, TensorIndex::NewAxis, TensorIndex::Int(b)]);
        let _ = x.index_put_(&[TensorIndex::Tensor(idx)], &tensor(&[], DType::F32), false);
    }

    #[test]
    fn creation_never_panics(
        s in prop::collection::vec(prop_oneof![0usize..4, (1usize << 36)..(1usize << 40)], 0..4),
        n in 0usize..10,
    ) {
        let _ = Tensor::zeros_on(&s, DType::F32, Device::Cpu);
        let _ = Tensor::rand_on(&s, DType::F64, Device::Cpu);
        let _ = Tensor::arange(0.0, n as f64, 0.5, DType::F32, Device::Cpu);
        let _ = Tensor::eye(n, Some(n + 1), DType::I64, Device::Cpu);
    }
}
