//! Answers that used to be silently wrong, each against the value or the
//! error PyTorch 2.15 gives (printed by `fixtures/make_parity_values.py`,
//! the line quoted above each check).

use tinytorch::ops::indexing::{python_index, PyIndex, TensorIndex};
use tinytorch::{DType, Device, Scalar, Tensor};

const CPU: Device = Device::Cpu;

fn t(v: &[f64], dtype: DType) -> Tensor {
    Tensor::from_vec_f64(v, &[v.len()], dtype).unwrap()
}

/// Bitwise-equal f64 vectors (NaN equal to NaN, -0 distinct from 0).
fn same(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{got:?} vs {want:?}"
        );
    }
}

fn grad_of(x: &[f64], f: impl Fn(&Tensor) -> tinytorch::Result<Tensor>) -> Vec<f64> {
    let x = t(x, DType::F32).requires_grad_(true).unwrap();
    f(&x).unwrap().backward().unwrap();
    x.grad().unwrap().to_vec_f64().unwrap()
}

#[test]
fn amax_and_amin_without_dims_reduce_everything() {
    // torch.tensor([[1.,5.],[3.,2.]]).amax() -> tensor(5.); amin -> tensor(1.)
    let x = Tensor::from_vec_f64(&[1., 5., 3., 2.], &[2, 2], DType::F32).unwrap();
    let m = x.amax(&[], false).unwrap();
    assert_eq!((m.shape(), m.item().unwrap()), (&[][..], 5.0));
    assert_eq!(x.amin(&[], false).unwrap().item().unwrap(), 1.0);
    assert_eq!(x.amax(&[], true).unwrap().shape(), &[1, 1]);
    // y = [[1,5],[5,2]]: y.amax().backward() -> [[0, .5], [.5, 0]]
    let y = Tensor::from_vec_f64(&[1., 5., 5., 2.], &[2, 2], DType::F32)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let a = y.amax(&[], false).unwrap();
    assert_eq!(a.grad_fn().unwrap().name(), "AmaxBackward0");
    a.backward().unwrap();
    assert_eq!(y.grad().unwrap().to_vec_f64().unwrap(), [0., 0.5, 0.5, 0.]);
    // torch.amin(torch.tensor([[1.,1.],[5.,2.]])).backward() -> [[.5,.5],[0,0]]
    let g = grad_of(&[1., 1., 5., 2.], |x| x.amin(&[], false));
    assert_eq!(g, [0.5, 0.5, 0., 0.]);
}

#[test]
fn float_floor_division_is_pythons() {
    // torch.tensor(2.) // 0.1 -> 19.
    let two = Tensor::scalar_tensor(2.0, DType::F32, CPU).unwrap();
    assert_eq!(two.floor_divide(0.1).unwrap().item().unwrap(), 19.0);
    // torch.floor_divide([2,-2,5.5,1], [0.1,0.1,-0.3,0]) -> [19,-20,-19,inf]
    let a = t(&[2., -2., 5.5, 1.0, -1.0, 0.0], DType::F32);
    let b = t(&[0.1, 0.1, -0.3, 0.0, 0.0, 0.0], DType::F32);
    let q = a.div_rounding(&b, "floor").unwrap().to_vec_f64().unwrap();
    same(
        &q,
        &[19., -20., -19., f64::INFINITY, f64::NEG_INFINITY, f64::NAN],
    );
    // torch.remainder(a, b).tolist()
    let r = a.remainder(&b).unwrap().to_vec_f64().unwrap();
    same(
        &r,
        &[
            0.09999997168779373,
            2.9802322387695312e-08,
            -0.20000022649765015,
            f64::NAN,
            f64::NAN,
            f64::NAN,
        ],
    );
    // float64: a // b and a % b for [2,-2,5.5,7,-7] and [.1,.1,-.3,.7,.7]
    let a = t(&[2., -2., 5.5, 7.0, -7.0], DType::F64);
    let b = t(&[0.1, 0.1, -0.3, 0.7, 0.7], DType::F64);
    let q = a.floor_divide(&b).unwrap();
    let r = a.remainder(&b).unwrap();
    same(&q.to_vec_f64().unwrap(), &[19., -20., -19., 10., -11.]);
    same(
        &r.to_vec_f64().unwrap(),
        &[
            0.0999999999999999,
            1.1102230246251565e-16,
            -0.1999999999999998,
            4.440892098500626e-16,
            0.6999999999999995,
        ],
    );
    // ((a // b) * b + a % b - a).tolist() -> [0.0, 0.0, 0.0, 0.0, 0.0]
    let back = q.mul(&b).unwrap().add(&r).unwrap().sub(&a).unwrap();
    assert_eq!(back.to_vec_f64().unwrap(), [0.0; 5]);
    // trunc is unchanged: [20, -20, -18, 10, -10]
    let tq = a.div_rounding(&b, "trunc").unwrap().to_vec_f64().unwrap();
    same(&tq, &[20., -20., -18., 10., -10.]);
    // with infinities: [1,-1,inf,5,-5] // [inf,inf,2,-inf,inf] -> [0,-1,nan,-1,-1]
    let a = t(&[1., -1., f64::INFINITY, 5.0, -5.0], DType::F32);
    let b = t(
        &[
            f64::INFINITY,
            f64::INFINITY,
            2.,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ],
        DType::F32,
    );
    same(
        &a.floor_divide(&b).unwrap().to_vec_f64().unwrap(),
        &[0., -1., f64::NAN, -1., -1.],
    );
    // ... and % -> [1, inf, nan, -inf, inf]
    same(
        &a.remainder(&b).unwrap().to_vec_f64().unwrap(),
        &[
            1.,
            f64::INFINITY,
            f64::NAN,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ],
    );
    // signed zeros: [0,-0,1e-300] // [-1,1,-1] (float64) -> [-0,-0,-1]
    let a = t(&[0.0, -0.0, 1e-300], DType::F64);
    let b = t(&[-1.0, 1.0, -1.0], DType::F64);
    same(
        &a.floor_divide(&b).unwrap().to_vec_f64().unwrap(),
        &[-0.0, -0.0, -1.0],
    );
}

#[test]
fn half_times_a_python_float_keeps_the_scalar_wide() {
    // torch.tensor([0, 1e-3, 2]).half() * 1e5 -> [0.0000, 100.0625, inf] (float16)
    let h = t(&[0.0, 1e-3, 2.0], DType::F16);
    let y = h.mul_scalar(1e5).unwrap();
    assert_eq!(y.dtype(), DType::F16);
    same(&y.to_vec_f64().unwrap(), &[0.0, 100.0625, f64::INFINITY]);
    // ... * 100000 (an int) and * torch.tensor(1e5) (a 0-dim tensor): the same
    same(
        &h.mul_scalar(100_000i64).unwrap().to_vec_f64().unwrap(),
        &[0.0, 100.0625, f64::INFINITY],
    );
    let wide = Tensor::scalar_tensor(1e5, DType::F64, CPU).unwrap();
    same(
        &h.mul(&wide).unwrap().to_vec_f64().unwrap(),
        &[0.0, 100.0625, f64::INFINITY],
    );
    // torch.tensor([60000., 1.]).half() / 1e5 -> [6.0010e-01, 1.0014e-05]
    let d = t(&[60000., 1.], DType::F16).div_scalar(1e5).unwrap();
    same(
        &d.to_vec_f64().unwrap(),
        &[0.60009765625, 1.0013580322265625e-5],
    );
    // bfloat16: torch.tensor([100.]).bfloat16() / 1e-8 -> 9.9992e+09
    let b = t(&[100.], DType::BF16).div_scalar(1e-8).unwrap();
    same(&b.to_vec_f64().unwrap(), &[9999220736.0]);
    // add and sub round the number to half first, as PyTorch:
    // torch.tensor([60000.]).half() - 1e5 -> -inf
    let s = t(&[60000.], DType::F16).sub_scalar(1e5).unwrap();
    same(&s.to_vec_f64().unwrap(), &[f64::NEG_INFINITY]);
    // The gradient of h * 1e5 is 1e5 kept wide too: half(1e5) would be inf.
    let x = t(&[1e-3], DType::F16).requires_grad_(true).unwrap();
    x.mul_scalar(1e5)
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap();
    assert_eq!(x.grad().unwrap().to_vec_f64().unwrap(), [f64::INFINITY]);
}

#[test]
fn pow_and_norm_gradients_at_zero() {
    // x = [0,1,2]: (x ** x).sum().backward() -> [0.0000, 1.0000, 6.7726]
    let g = grad_of(&[0., 1., 2.], |x| x.pow(x)?.sum());
    assert_eq!(g[0], 0.0);
    assert_eq!(g[1], 1.0);
    assert!((g[2] - 6.7726).abs() < 1e-4, "{g:?}");
    // x = 0 (4x), y = [0, 1, -1, 0.5]: d/dx [0, 1, -inf, inf], d/dy [0, 0, -inf, 0]
    let x = t(&[0.; 4], DType::F32).requires_grad_(true).unwrap();
    let y = t(&[0., 1., -1., 0.5], DType::F32)
        .requires_grad_(true)
        .unwrap();
    x.pow(&y).unwrap().sum().unwrap().backward().unwrap();
    same(
        &x.grad().unwrap().to_vec_f64().unwrap(),
        &[0., 1., f64::NEG_INFINITY, f64::INFINITY],
    );
    same(
        &y.grad().unwrap().to_vec_f64().unwrap(),
        &[0., 0., f64::NEG_INFINITY, 0.],
    );
    // torch.zeros(3).norm() backward -> [0, 0, 0]; grad_fn LinalgVectorNormBackward0
    let z = Tensor::zeros_on(&[3], DType::F32, CPU)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let n = z.norm(2.0, None, false).unwrap();
    assert_eq!(n.grad_fn().unwrap().name(), "LinalgVectorNormBackward0");
    n.backward().unwrap();
    assert_eq!(z.grad().unwrap().to_vec_f64().unwrap(), [0.; 3]);
    for p in [3.0, 1.5, 0.5] {
        assert_eq!(
            grad_of(&[0.; 3], |x| x.norm(p, None, false)),
            [0.; 3],
            "p={p}"
        );
    }
    // p=1 at [0,2,-1] -> [0,1,-1]; p=inf at [0,2,-2] -> [0,.5,-.5]
    assert_eq!(
        grad_of(&[0., 2., -1.], |x| x.norm(1.0, None, false)),
        [0., 1., -1.]
    );
    assert_eq!(
        grad_of(&[0., 2., -2.], |x| x.norm(f64::INFINITY, None, false)),
        [0., 0.5, -0.5]
    );
    // x=[3,-4,0]: p=1.5 -> [0.7330, -0.8463, 0]; p=0.5 -> [2.1547, -1.8660, 0];
    // p=3 -> [0.4449, -0.7908, 0]
    for (p, want) in [
        (1.5, [0.7330, -0.8463, 0.0]),
        (0.5, [2.1547, -1.8660, 0.0]),
        (3.0, [0.4449, -0.7908, 0.0]),
    ] {
        let g = grad_of(&[3., -4., 0.], |x| x.norm(p, None, false));
        for (a, b) in g.iter().zip(want) {
            assert!((a - b).abs() < 1e-4, "p={p}: {g:?}");
        }
    }
    // rows [[0,0],[3,4]].norm(dim=1).sum() -> [[0,0],[.6,.8]]
    let x = Tensor::from_vec_f64(&[0., 0., 3., 4.], &[2, 2], DType::F32)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    x.norm(2.0, Some(&[1]), false)
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap();
    let g = x.grad().unwrap().to_vec_f32().unwrap();
    assert_eq!(g, [0., 0., 0.6, 0.8]);
}

#[test]
fn clamp_at_and_beyond_its_bounds() {
    // x=[-1,0,.5,1,2]: x.clamp(0,1) grad -> [0,0,1,0,0] (0 at the bounds)
    let x = [-1., 0., 0.5, 1., 2.];
    assert_eq!(
        grad_of(&x, |x| x.clamp(Some(0.), Some(1.))?.sum()),
        [0., 0., 1., 0., 0.]
    );
    assert_eq!(
        grad_of(&[-1., 0., 0.5], |x| x.clamp(Some(0.), None)?.sum()),
        [0., 0., 1.]
    );
    assert_eq!(
        grad_of(&[1., 0., 2.], |x| x.clamp(None, Some(1.))?.sum()),
        [0., 1., 0.]
    );
    // min > max: value max, gradient 0
    let v = t(&[0., 1., 1.5, 2., 3.], DType::F32)
        .clamp(Some(2.), Some(1.))
        .unwrap();
    assert_eq!(v.to_vec_f64().unwrap(), [1.; 5]);
    assert_eq!(
        grad_of(&[0., 1., 1.5, 2., 3.], |x| x
            .clamp(Some(2.), Some(1.))?
            .sum()),
        [0.; 5]
    );
    // a NaN bound: every element NaN (ints become float), gradient 0
    let nan = f64::NAN;
    let c = t(&[0., 1., nan], DType::F32)
        .clamp(Some(nan), None)
        .unwrap();
    assert!(c.to_vec_f64().unwrap().iter().all(|v| v.is_nan()));
    let c = t(&[0., 1.], DType::F32)
        .clamp(Some(0.5), Some(nan))
        .unwrap();
    assert!(c.to_vec_f64().unwrap().iter().all(|v| v.is_nan()));
    let c = t(&[1., 2.], DType::I64).clamp(Some(nan), None).unwrap();
    assert_eq!(c.dtype(), DType::F32);
    assert!(c.to_vec_f64().unwrap().iter().all(|v| v.is_nan()));
    assert_eq!(
        grad_of(&[-1., 0.5, 2.], |x| x.clamp(Some(0.), Some(nan))?.sum()),
        [0.; 3]
    );
    // a NaN element stays NaN with gradient 0
    let c = t(&[nan], DType::F32).clamp(Some(0.), Some(1.)).unwrap();
    assert!(c.item().unwrap().is_nan());
    assert_eq!(
        grad_of(&[nan], |x| x.clamp(Some(0.), Some(1.))?.sum()),
        [0.]
    );
}

#[test]
fn linspace_follows_pytorchs_kernel() {
    // torch.linspace(0, 1, 1) -> tensor([0.]); linspace(5, 1, 1) -> [5.]
    let one = |a, b| {
        Tensor::linspace(a, b, 1, DType::F32, CPU)
            .unwrap()
            .to_vec_f64()
            .unwrap()
    };
    assert_eq!(one(0.0, 1.0), [0.0]);
    assert_eq!(one(5.0, 1.0), [5.0]);
    let get = |a, b, n, d| {
        Tensor::linspace(a, b, n, d, CPU)
            .unwrap()
            .to_vec_f64()
            .unwrap()
    };
    assert_eq!(get(0.0, 1.0, 0, DType::F32), Vec::<f64>::new());
    assert_eq!(get(0.0, 1.0, 2, DType::F32), [0.0, 1.0]);
    // torch.linspace(0, 1, 7).tolist(): computed in float32
    same(
        &get(0.0, 1.0, 7, DType::F32),
        &[
            0.0,
            0.1666666716337204,
            0.3333333432674408,
            0.5,
            0.6666666269302368,
            0.8333333134651184,
            1.0,
        ],
    );
    same(
        &get(0.0, 1.0, 7, DType::F64),
        &[
            0.0,
            0.16666666666666666,
            0.3333333333333333,
            0.5,
            0.6666666666666667,
            0.8333333333333334,
            1.0,
        ],
    );
    same(
        &get(0.0, 1.0, 7, DType::F16),
        &[
            0.0,
            0.1666259765625,
            0.333251953125,
            0.5,
            0.66650390625,
            0.83349609375,
            1.0,
        ],
    );
    same(
        &get(0.0, 3000.0, 9, DType::F16),
        &[
            0.0, 375.0, 750.0, 1125.0, 1500.0, 1875.0, 2250.0, 2624.0, 3000.0,
        ],
    );
    same(
        &get(-1.0, 7.0, 9, DType::BF16),
        &[-1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    );
    // linspace(-3.3, 7.7, 11, dtype=float16 / int64), linspace(.1, .2, 5, bfloat16)
    same(
        &get(-3.3, 7.7, 11, DType::F16),
        &[
            -3.30078125,
            -2.201171875,
            -1.1005859375,
            -0.0007810592651367188,
            1.099609375,
            2.19921875,
            3.298828125,
            4.3984375,
            5.5,
            6.59765625,
            7.69921875,
        ],
    );
    assert_eq!(
        get(-3.3, 7.7, 11, DType::I64),
        [-3., -2., -1., 0., 1., 2., 3., 4., 5., 6., 7.]
    );
    same(
        &get(0.1, 0.2, 5, DType::BF16),
        &[
            0.10009765625,
            0.125,
            0.150390625,
            0.1748046875,
            0.2001953125,
        ],
    );
    assert_eq!(get(0.0, 10.0, 4, DType::I64), [0., 3., 6., 10.]);
    assert_eq!(get(-5.0, 5.0, 4, DType::I64), [-5., -1., 1., 5.]);
    assert_eq!(
        get(-5.0, 5.0, 7, DType::I32),
        [-5., -3., -1., 0., 1., 3., 5.]
    );
}

#[test]
fn int32_tensors_wrap_out_of_range_python_ints() {
    let x = Tensor::from_vec(vec![1i32, 2], &[2]).unwrap();
    let ints = |r: tinytorch::Result<Tensor>| r.unwrap().to_vec_i64().unwrap();
    // i32 + 2**32 -> [1, 2]; + 2**31 -> [-2147483647, -2147483646]
    assert_eq!(ints(x.add_scalar(1i64 << 32)), [1, 2]);
    assert_eq!(ints(x.add_scalar(1i64 << 31)), [-2147483647, -2147483646]);
    // i32 * (2**33 + 3) -> [3, 6]; i32 - 2**40 -> [1, 2]
    assert_eq!(ints(x.mul_scalar((1i64 << 33) + 3)), [3, 6]);
    assert_eq!(ints(x.sub_scalar(1i64 << 40)), [1, 2]);
    assert_eq!(x.add_scalar(1i64 << 32).unwrap().dtype(), DType::I32);
    // i32 == 2**32 + 1 -> [True, False]; i32 < 2**32 -> [False, False]
    assert_eq!(ints(x.eq_scalar((1i64 << 32) + 1)), [1, 0]);
    assert_eq!(ints(x.lt_scalar(1i64 << 32)), [0, 0]);
    // [5, 7] // (2**32 + 2) -> [2, 3]; % -> [1, 1]; // 2**32 -> ZeroDivisionError
    let y = Tensor::from_vec(vec![5i32, 7], &[2]).unwrap();
    assert_eq!(ints(y.floor_divide((1i64 << 32) + 2)), [2, 3]);
    assert_eq!(ints(y.remainder((1i64 << 32) + 2)), [1, 1]);
    assert!(y.floor_divide(1i64 << 32).is_err());
    // i32 & (2**32 + 1) with [1, 3] -> [1, 1]
    let z = Tensor::from_vec(vec![1i32, 3], &[2]).unwrap();
    assert_eq!(
        ints(z.bitwise(
            Scalar::Int((1 << 32) + 1),
            tinytorch::storage::BinaryOp::BitAnd
        )),
        [1, 1]
    );
    // int64 stays exact beyond 2^53: tensor([1]) + (2**62 + 1) -> 4611686018427387906
    let one = Tensor::from_vec(vec![1i64], &[1]).unwrap();
    assert_eq!(ints(one.add_scalar((1i64 << 62) + 1)), [(1i64 << 62) + 2]);
    // tensor([2**62 + 1]) * 3 wraps -> -4611686018427387901
    let big = Tensor::from_vec(vec![(1i64 << 62) + 1], &[1]).unwrap();
    assert_eq!(ints(big.mul_scalar(3i64)), [-4611686018427387901]);
    // tensor([2**40 + 5, -2**40 - 3]).to(torch.int32) -> [5, -3]
    let w = Tensor::from_vec(vec![(1i64 << 40) + 5, -(1i64 << 40) - 3], &[2]).unwrap();
    assert_eq!(ints(w.to_dtype(DType::I32)), [5, -3]);
}

#[test]
fn tensor_literals_check_their_dtype_range() {
    let lit = |v: &[Scalar], d| Tensor::from_scalars(v, &[v.len()], d);
    let msg = |r: tinytorch::Result<Tensor>| r.err().map(|e| e.to_string());
    // torch.tensor([2**40], dtype=torch.int32)
    let overflow = Some("value cannot be converted to type int32 without overflow".to_string());
    assert_eq!(msg(lit(&[Scalar::Int(1 << 40)], DType::I32)), overflow);
    assert_eq!(
        msg(lit(&[Scalar::Int(1), Scalar::Int(1 << 31)], DType::I32)),
        overflow
    );
    assert_eq!(msg(lit(&[Scalar::Float(1e10)], DType::I32)), overflow);
    assert_eq!(msg(lit(&[Scalar::Float(f64::NAN)], DType::I32)), overflow);
    assert_eq!(
        msg(lit(&[Scalar::Float(f64::INFINITY)], DType::I64)),
        Some("value cannot be converted to type int64 without overflow".into())
    );
    // tensor([-2**31], dtype=int32) is fine; 2**31 - 0.5 truncates to 2147483647
    let ok = lit(
        &[Scalar::Int(-(1 << 31)), Scalar::Float(2147483647.5)],
        DType::I32,
    )
    .unwrap();
    assert_eq!(ok.to_vec_i64().unwrap(), [-(1i64 << 31), 2147483647]);
    // tensor([2**62 + 1]) keeps every bit
    let big = lit(&[Scalar::Int((1 << 62) + 1)], DType::I64).unwrap();
    assert_eq!(big.to_vec_i64().unwrap(), [(1i64 << 62) + 1]);
    // floats round instead: tensor([1e300], dtype=float32) -> inf; float16 1e5 -> inf
    let f = lit(&[Scalar::Float(1e300)], DType::F32).unwrap();
    assert_eq!(f.to_vec_f64().unwrap(), [f64::INFINITY]);
    let h = lit(&[Scalar::Int(100_000)], DType::F16).unwrap();
    assert_eq!(h.to_vec_f64().unwrap(), [f64::INFINITY]);
    // bool: tensor([-1, 0], dtype=torch.bool) -> [True, False]
    let b = lit(&[Scalar::Int(-1), Scalar::Int(0)], DType::Bool).unwrap();
    assert_eq!(b.to_vec_i64().unwrap(), [1, 0]);
    // torch.full((2,), 2**33 + 5, dtype=torch.int32): "... type int without overflow"
    let full = |v: Scalar, d| Tensor::full_scalar(&[2], v, d, CPU);
    assert_eq!(
        msg(full(Scalar::Int((1 << 33) + 5), DType::I32)),
        Some("value cannot be converted to type int without overflow".into())
    );
    assert_eq!(
        msg(full(Scalar::Float(1e300), DType::F32)),
        Some("value cannot be converted to type float without overflow".into())
    );
    assert_eq!(
        msg(full(Scalar::Float(1e5), DType::F16)),
        Some("value cannot be converted to type c10::Half without overflow".into())
    );
    let inf = full(Scalar::Float(f64::INFINITY), DType::F16).unwrap();
    assert_eq!(inf.to_vec_f64().unwrap(), [f64::INFINITY; 2]);
    let exact = full(Scalar::Int((1 << 62) + 1), DType::I64).unwrap();
    assert_eq!(exact.to_vec_i64().unwrap(), [(1i64 << 62) + 1; 2]);
    assert_eq!(
        full(Scalar::Float(1.5), DType::I32)
            .unwrap()
            .to_vec_i64()
            .unwrap(),
        [1, 1]
    );
}

/// `x[[[0], [1]]]`: a list index holding sequences is a tuple of indices
/// (PyTorch 2.15's legacy rule, with a deprecation warning), so it is
/// `x[[0], [1]]`, not `x[tensor([[0], [1]])]`.
#[test]
fn a_list_of_lists_index_is_a_tuple_as_in_pytorch() {
    let x = Tensor::arange(0.0, 6.0, 1.0, DType::I64, CPU)
        .unwrap()
        .reshape(&[3, 2])
        .unwrap();
    let ints = |v: &[i64]| PyIndex::List(v.iter().map(|&i| PyIndex::Int(i)).collect());
    let get = |idx: PyIndex| -> (Vec<usize>, Vec<i64>) {
        let items: Vec<TensorIndex> = python_index(&idx).unwrap();
        let y = x.index(&items).unwrap();
        (y.shape().to_vec(), y.to_vec_i64().unwrap())
    };
    // x[[[0],[1]]] -> tensor([1])
    assert_eq!(
        get(PyIndex::List(vec![ints(&[0]), ints(&[1])])),
        (vec![1], vec![1])
    );
    // x[[0,1]] -> [[0,1],[2,3]] (a list of ints is one index)
    assert_eq!(get(ints(&[0, 1])), (vec![2, 2], vec![0, 1, 2, 3]));
    // x[[[0,1]]] -> [[0,1],[2,3]]
    assert_eq!(
        get(PyIndex::List(vec![ints(&[0, 1])])),
        (vec![2, 2], vec![0, 1, 2, 3])
    );
    // x[[[0,1],[1,0]]] -> tensor([1, 2])
    assert_eq!(
        get(PyIndex::List(vec![ints(&[0, 1]), ints(&[1, 0])])),
        (vec![2], vec![1, 2])
    );
    // x[[[0],[1]],] (a real tuple) -> shape [2, 1, 2]: [[[0,1]],[[2,3]]]
    assert_eq!(
        get(PyIndex::Tuple(vec![PyIndex::List(vec![
            ints(&[0]),
            ints(&[1])
        ])])),
        (vec![2, 1, 2], vec![0, 1, 2, 3])
    );
    // x[[0, slice(None)]] -> tensor([0, 1])
    assert_eq!(
        get(PyIndex::List(vec![
            PyIndex::Int(0),
            PyIndex::Slice(None, None, None)
        ])),
        (vec![2], vec![0, 1])
    );
    // x[[[0],[1]], 0] -> [[0],[2]]
    assert_eq!(
        get(PyIndex::Tuple(vec![
            PyIndex::List(vec![ints(&[0]), ints(&[1])]),
            PyIndex::Int(0)
        ])),
        (vec![2, 1], vec![0, 2])
    );
    // bool lists are masks: x[[True, False, True]] -> [[0,1],[4,5]]
    let mask = PyIndex::List(vec![
        PyIndex::Bool(true),
        PyIndex::Bool(false),
        PyIndex::Bool(true),
    ]);
    assert_eq!(get(mask), (vec![2, 2], vec![0, 1, 4, 5]));
    // x[[0.5]] -> [[0, 1]] (a float in a list truncates); x[0.5] is an IndexError
    assert_eq!(
        get(PyIndex::List(vec![PyIndex::Float(0.5)])),
        (vec![1, 2], vec![0, 1])
    );
    let e = python_index(&PyIndex::Float(0.5)).err().unwrap();
    assert_eq!(e.python_exception(), "IndexError");
    assert_eq!(
        e.to_string(),
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)"
    );
}
