//! `Tensor::index` / `index_put_` / `nonzero` / `masked_select` against the
//! PyTorch fixtures (`fixtures/ops.json`, ops "index" and "index_put":
//! outputs and gradients), finite differences for every index kind, views
//! sharing storage, and PyTorch's error messages.

use serde_json::Value;
use tinytorch::autograd::gradcheck::{gradcheck, GradcheckOptions};
use tinytorch::ops::indexing::TensorIndex;
use tinytorch::{DType, Device, Tensor};

const FIXTURES: &str = include_str!("fixtures/ops.json");

fn float(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("unknown float spelling {other:?}"),
        },
        Value::Bool(b) => *b as u8 as f64,
        other => other.as_f64().expect("number"),
    }
}

fn shape_of(rec: &Value) -> Vec<usize> {
    rec["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect()
}

fn dtype_of(rec: &Value) -> DType {
    DType::from_name(rec["dtype"].as_str().expect("dtype")).expect("known dtype")
}

/// A plain (contiguous) tensor from a record.
fn plain(rec: &Value, shape_key: &str, data_key: &str) -> Tensor {
    let shape: Vec<usize> = rec[shape_key]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect();
    let dtype = dtype_of(rec);
    let data = rec[data_key].as_array().expect("data");
    if dtype == DType::I64 {
        let v: Vec<i64> = data.iter().map(|x| x.as_i64().expect("int")).collect();
        return Tensor::from_vec(v, &shape).unwrap();
    }
    let v: Vec<f64> = data.iter().map(float).collect();
    Tensor::from_vec_f64(&v, &shape, dtype).unwrap()
}

/// An input record as the leaf the gradient is taken for, and the tensor
/// the op sees (transposed or expanded views as the README describes).
fn input(rec: &Value) -> (Tensor, Tensor) {
    let rg = rec["requires_grad"].as_bool().unwrap_or(false);
    match rec["layout"].as_str().unwrap_or("contiguous") {
        "transposed" => {
            let s = shape_of(rec);
            let n = s.len();
            let mut stored = s.clone();
            stored.swap(n - 1, n - 2);
            // `data` is the stored leaf's contiguous data (last two dims swapped).
            let dtype = dtype_of(rec);
            let v: Vec<f64> = rec["data"].as_array().unwrap().iter().map(float).collect();
            let leaf = Tensor::from_vec_f64(&v, &stored, dtype)
                .unwrap()
                .requires_grad_(rg)
                .unwrap();
            let x = leaf.transpose(-1, -2).unwrap();
            (leaf, x)
        }
        "expanded" => {
            let base = plain(rec, "base_shape", "base_data")
                .requires_grad_(rg)
                .unwrap();
            let x = base.broadcast_to(&shape_of(rec)).unwrap();
            (base, x)
        }
        _ => {
            let t = plain(rec, "shape", "data").requires_grad_(rg).unwrap();
            (t.clone(), t)
        }
    }
}

fn index_items(args: &Value) -> Vec<TensorIndex> {
    args["index"]
        .as_array()
        .expect("index list")
        .iter()
        .map(|it| {
            if let Some(i) = it.get("int") {
                TensorIndex::Int(i.as_i64().unwrap())
            } else if let Some(s) = it.get("slice") {
                let s = s.as_array().unwrap();
                TensorIndex::Slice {
                    start: s[0].as_i64(),
                    stop: s[1].as_i64(),
                    step: s[2].as_i64().unwrap_or(1),
                }
            } else if it.get("none").is_some() {
                TensorIndex::NewAxis
            } else if it.get("ellipsis").is_some() {
                TensorIndex::Ellipsis
            } else {
                let rec = &it["tensor"];
                if dtype_of(rec) == DType::Bool {
                    let v: Vec<bool> = rec["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| b.as_bool().unwrap())
                        .collect();
                    TensorIndex::Tensor(Tensor::from_vec(v, &shape_of(rec)).unwrap())
                } else {
                    TensorIndex::Tensor(plain(rec, "shape", "data"))
                }
            }
        })
        .collect()
}

fn assert_record(name: &str, what: &str, got: &Tensor, want: &Value) {
    assert_eq!(got.shape(), &shape_of(want)[..], "{name}: {what} shape");
    assert_eq!(got.dtype(), dtype_of(want), "{name}: {what} dtype");
    let w: Vec<f64> = want["data"].as_array().unwrap().iter().map(float).collect();
    let g = got.to_vec_f64().unwrap();
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            a == b || (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{name}: {what}[{i}] = {a}, PyTorch {b}"
        );
    }
}

fn cases(op: &str) -> Vec<Value> {
    let root: Value = serde_json::from_str(FIXTURES).expect("ops.json parses");
    root["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == op)
        .cloned()
        .collect()
}

#[test]
fn index_matches_pytorch_outputs_and_grads() {
    let cs = cases("index");
    assert!(cs.len() >= 50, "only {} index cases", cs.len());
    for c in &cs {
        let name = c["name"].as_str().unwrap();
        let (leaf, x) = input(&c["inputs"][0]);
        let out = x.index(&index_items(&c["args"])).unwrap();
        assert_record(name, "output", &out, &c["output"]);
        if let Some(cot) = c.get("cotangent") {
            let cot = plain(cot, "shape", "data");
            out.mul(&cot).unwrap().sum().unwrap().backward().unwrap();
            let mut g = leaf.grad().unwrap_or_else(|| panic!("{name}: no grad"));
            if c["inputs"][0]["layout"] == "transposed" {
                g = g.transpose(-1, -2).unwrap();
            }
            assert_record(name, "grad", &g, &c["grads"][0]);
        }
    }
}

#[test]
fn index_put_matches_pytorch() {
    let cs = cases("index_put");
    assert!(cs.len() >= 15, "only {} index_put cases", cs.len());
    for c in &cs {
        let name = c["name"].as_str().unwrap();
        let (_, x) = input(&c["inputs"][0]);
        let y = x.contiguous_copy().unwrap();
        let values = match c["inputs"].get(1) {
            Some(v) => input(v).1,
            None => {
                let v = &c["args"]["values"];
                // A Python int stays int64, a float is float64 (cast to y's dtype).
                let dt = if v.is_i64() { DType::I64 } else { DType::F64 };
                Tensor::scalar_tensor(float(v), dt, Device::Cpu).unwrap()
            }
        };
        let acc = c["args"]["accumulate"].as_bool().unwrap_or(false);
        y.index_put_(&index_items(&c["args"]), &values, acc)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_record(name, "output", &y, &c["output"]);
        assert_eq!(y.version(), 1, "{name}: one in-place write, one bump");
    }
}

fn f64_tensor(v: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_vec_f64(v, shape, DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

fn ramp(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64 - 5.0) / 3.0).collect();
    f64_tensor(&v, shape)
}

fn idx(v: &[i64], shape: &[usize]) -> TensorIndex {
    TensorIndex::Tensor(Tensor::from_vec(v.to_vec(), shape).unwrap())
}

fn mask(v: &[bool], shape: &[usize]) -> TensorIndex {
    TensorIndex::Tensor(Tensor::from_vec(v.to_vec(), shape).unwrap())
}

#[test]
fn gradcheck_every_index_kind() {
    use TensorIndex::*;
    let opts = GradcheckOptions::default();
    let table: Vec<(&str, Vec<usize>, Vec<TensorIndex>)> = vec![
        ("int", vec![3, 4], vec![Int(-2)]),
        (
            "slice",
            vec![5, 3],
            vec![TensorIndex::slice(Some(1), None, 2)],
        ),
        ("none_ellipsis", vec![2, 3], vec![NewAxis, Ellipsis, Int(1)]),
        ("dupes", vec![4, 3], vec![idx(&[1, 1, 3, 1, -1], &[5])]),
        (
            "two_broadcast_dupes",
            vec![3, 4],
            vec![idx(&[0, 2, 2], &[3, 1]), idx(&[1, 1], &[2])],
        ),
        (
            "separated_moves_front",
            vec![3, 4, 5],
            vec![
                idx(&[0, 2, 0], &[3]),
                TensorIndex::full(),
                idx(&[4, 1, 4], &[3]),
            ],
        ),
        (
            "adjacent_stay",
            vec![2, 3, 4],
            vec![TensorIndex::full(), idx(&[2, 2], &[2]), idx(&[0, 3], &[2])],
        ),
        (
            "mask_2d",
            vec![2, 3],
            vec![mask(&[true, false, true, true, true, false], &[2, 3])],
        ),
        (
            "mask_dim1_then_int",
            vec![2, 4, 3],
            vec![
                TensorIndex::full(),
                mask(&[true, false, true, true], &[4]),
                Int(1),
            ],
        ),
        ("mask_0d", vec![2], vec![mask(&[true], &[])]),
        (
            "slice_then_tensor",
            vec![4, 5],
            vec![TensorIndex::slice(None, None, 2), idx(&[4, 0, 4], &[3])],
        ),
    ];
    for (name, shape, items) in table {
        let x = ramp(&shape);
        gradcheck(|xs| xs[0].index(&items), &[x], opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Through a transposed (non-contiguous) input.
    let items = vec![idx(&[1, 0, 1], &[3]), TensorIndex::slice(Some(1), None, 1)];
    gradcheck(
        |xs| xs[0].transpose(0, 1)?.index(&items),
        &[ramp(&[4, 2])],
        opts,
    )
    .unwrap();
}

#[test]
fn duplicate_indices_accumulate_in_backward() {
    // y = x[[1, 1, 3, 1]] ; d sum(y) / dx = how often each row is read:
    // row 1 three times, row 3 once.
    let x = f64_tensor(&[1.0, 2.0, 3.0, 4.0], &[4]);
    let y = x.index(&[idx(&[1, 1, 3, 1], &[4])]).unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "IndexBackward0");
    y.sum().unwrap().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec_f64().unwrap(),
        vec![0.0, 3.0, 0.0, 1.0]
    );
}

#[test]
fn basic_indexing_is_a_view_sharing_storage() {
    let x = Tensor::zeros_on(&[3, 4], DType::F32, Device::Cpu).unwrap();
    let row = x
        .index(&[TensorIndex::slice(Some(1), Some(3), 1), TensorIndex::Int(2)])
        .unwrap();
    assert!(row.shares_storage(&x));
    assert_eq!(row.shape(), &[2]);
    row.fill_(7.0).unwrap();
    // x[1:3, 2] = 7 writes rows 1 and 2, column 2.
    let want = [0., 0., 0., 0., 0., 0., 7., 0., 0., 0., 7., 0.];
    assert_eq!(x.to_vec_f64().unwrap(), want);
    assert_eq!(x.version(), 1);
    // Advanced indexing copies.
    let y = x.index(&[idx(&[0], &[1])]).unwrap();
    assert!(!y.shares_storage(&x));
    // Names recorded by the view chain.
    let w = ramp(&[3, 4]);
    assert_eq!(
        w.index(&[TensorIndex::Int(0)])
            .unwrap()
            .grad_fn()
            .unwrap()
            .name(),
        "SelectBackward0"
    );
    assert_eq!(
        w.index(&[TensorIndex::slice(Some(1), None, 1)])
            .unwrap()
            .grad_fn()
            .unwrap()
            .name(),
        "SliceBackward0"
    );
    assert_eq!(
        w.index(&[TensorIndex::Ellipsis])
            .unwrap()
            .grad_fn()
            .unwrap()
            .name(),
        "AliasBackward0"
    );
}

#[test]
fn errors_use_pytorch_wording() {
    let x = Tensor::zeros_on(&[3, 4], DType::F32, Device::Cpu).unwrap();
    let e = x.index(&[TensorIndex::Int(5)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "index 5 is out of bounds for dimension 0 with size 3"
    );
    assert_eq!(e.python_exception(), "IndexError");
    let e = x
        .index(&[TensorIndex::Int(0), TensorIndex::Int(-5)])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "index -5 is out of bounds for dimension 1 with size 4"
    );
    let e = x
        .index(&[
            TensorIndex::Int(0),
            TensorIndex::Int(0),
            TensorIndex::Int(0),
        ])
        .unwrap_err();
    assert_eq!(e.to_string(), "too many indices for tensor of dimension 2");
    let s = Tensor::scalar_tensor(1.0, DType::F32, Device::Cpu).unwrap();
    let e = s.index(&[TensorIndex::Int(0)]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("invalid index of a 0-dim tensor."),
        "{e}"
    );
    let e = x.index(&[idx(&[0, 3], &[2])]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "index 3 is out of bounds for dimension 0 with size 3"
    );
    let y = Tensor::zeros_on(&[4], DType::F32, Device::Cpu).unwrap();
    let e = y.index(&[mask(&[true, false, true], &[3])]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [4] at index 0"
    );
    let e = x
        .index(&[TensorIndex::Ellipsis, TensorIndex::Ellipsis])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "an index can only have a single ellipsis ('...')"
    );
    let e = x.index(&[TensorIndex::slice(None, None, 0)]).unwrap_err();
    assert_eq!(e.to_string(), "step must be greater than zero");
    let v = Tensor::zeros_on(&[3], DType::F32, Device::Cpu).unwrap();
    let e = x
        .index_put_(&[TensorIndex::slice(None, Some(2), 1)], &v, false)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 4]"
    );
    assert_eq!(x.version(), 0, "a failed write does not bump the version");
}

#[test]
fn nonzero_and_masked_select() {
    let x =
        Tensor::from_vec_f64(&[0.0, 1.5, 0.0, f64::NAN, -2.0, 0.0], &[2, 3], DType::F32).unwrap();
    let nz = x.nonzero().unwrap();
    assert_eq!(nz.shape(), &[3, 2]);
    assert_eq!(nz.dtype(), DType::I64);
    // non-zero at (0,1), (1,0) [NaN], (1,1)
    assert_eq!(nz.to_vec_i64().unwrap(), vec![0, 1, 1, 0, 1, 1]);
    let m = Tensor::from_vec(vec![true, false, true], &[3]).unwrap();
    let y = ramp(&[2, 3]);
    let s = y.masked_select(&m).unwrap();
    // mask broadcast over rows: y[0,0], y[0,2], y[1,0], y[1,2]
    let yv = y.to_vec_f64().unwrap();
    assert_eq!(s.to_vec_f64().unwrap(), vec![yv[0], yv[2], yv[3], yv[5]]);
    gradcheck(
        |xs| xs[0].masked_select(&m),
        &[ramp(&[2, 3])],
        GradcheckOptions::default(),
    )
    .unwrap();
}

#[test]
fn index_put_covers_assignment_forms() {
    // x[0, 1] = 2.0
    let x = Tensor::zeros_on(&[2, 3], DType::F32, Device::Cpu).unwrap();
    let two = Tensor::scalar_tensor(2.0, DType::F64, Device::Cpu).unwrap();
    x.index_put_(&[TensorIndex::Int(0), TensorIndex::Int(1)], &two, false)
        .unwrap();
    assert_eq!(x.to_vec_f64().unwrap(), vec![0., 2., 0., 0., 0., 0.]);
    // x[mask] = -1 where x == 0
    let m = x.eq_scalar(0.0).unwrap();
    let neg = Tensor::scalar_tensor(-1.0, DType::F32, Device::Cpu).unwrap();
    x.index_put_(&[TensorIndex::Tensor(m)], &neg, false)
        .unwrap();
    assert_eq!(x.to_vec_f64().unwrap(), vec![-1., 2., -1., -1., -1., -1.]);
    // x[[0, 0, 1], 2] += [1, 10, 100] with accumulate: (0,2) gets 11, (1,2) gets 100
    let v = Tensor::from_vec_f64(&[1.0, 10.0, 100.0], &[3], DType::F32).unwrap();
    x.index_put_(&[idx(&[0, 0, 1], &[3]), TensorIndex::Int(2)], &v, true)
        .unwrap();
    assert_eq!(x.to_vec_f64().unwrap(), vec![-1., 2., 10., -1., -1., 99.]);
    // x[:, 1:] = y (broadcast row) on a transposed destination view
    let z = Tensor::zeros_on(&[3, 2], DType::F32, Device::Cpu).unwrap();
    let zt = z.transpose(0, 1).unwrap(); // [2, 3] view
    let row = Tensor::from_vec_f64(&[5.0, 6.0], &[2], DType::F32).unwrap();
    zt.index_put_(
        &[TensorIndex::full(), TensorIndex::slice(Some(1), None, 1)],
        &row,
        false,
    )
    .unwrap();
    // zt = [[0,5,6],[0,5,6]] so z = zt^T = [[0,0],[5,5],[6,6]]
    assert_eq!(z.to_vec_f64().unwrap(), vec![0., 0., 5., 5., 6., 6.]);
    // writing through an expanded view is refused
    let e = Tensor::zeros_on(&[1], DType::F32, Device::Cpu)
        .unwrap()
        .broadcast_to(&[3])
        .unwrap();
    let err = e.index_put_(
        &[TensorIndex::full()],
        &row.index(&[TensorIndex::Int(0)]).unwrap(),
        false,
    );
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("more than one element of the written-to tensor"));
}

#[test]
fn index_put_autograd() {
    // y = 2w (non-leaf); y[[0, 2]] = v ; loss = sum(y * c)
    // d/dw: 2c except at the overwritten 0 and 2; d/dv = c[[0, 2]].
    let w = f64_tensor(&[1.0, 2.0, 3.0, 4.0], &[4]);
    let v = f64_tensor(&[10.0, 20.0], &[2]);
    let c = Tensor::from_vec_f64(&[1.0, 2.0, 3.0, 4.0], &[4], DType::F64).unwrap();
    let y = w.mul_scalar(2.0).unwrap();
    y.index_put_(&[idx(&[0, 2], &[2])], &v, false).unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "IndexPutBackward0");
    assert_eq!(y.to_vec_f64().unwrap(), vec![10.0, 4.0, 20.0, 8.0]);
    y.mul(&c).unwrap().sum().unwrap().backward().unwrap();
    assert_eq!(
        w.grad().unwrap().to_vec_f64().unwrap(),
        vec![0.0, 4.0, 0.0, 8.0]
    );
    assert_eq!(v.grad().unwrap().to_vec_f64().unwrap(), vec![1.0, 3.0]);

    // accumulate with duplicates: y[[1, 1]] += v ; d/dv = [c1, c1], d/dw = 2c
    let w = f64_tensor(&[1.0, 2.0, 3.0, 4.0], &[4]);
    let v = f64_tensor(&[10.0, 20.0], &[2]);
    let y = w.mul_scalar(2.0).unwrap();
    y.index_put_(&[idx(&[1, 1], &[2])], &v, true).unwrap();
    assert_eq!(y.to_vec_f64().unwrap(), vec![2.0, 34.0, 6.0, 8.0]);
    y.mul(&c).unwrap().sum().unwrap().backward().unwrap();
    assert_eq!(
        w.grad().unwrap().to_vec_f64().unwrap(),
        vec![2.0, 4.0, 6.0, 8.0]
    );
    assert_eq!(v.grad().unwrap().to_vec_f64().unwrap(), vec![2.0, 2.0]);

    // basic assignment of a broadcast value: y[1:, 0] = s (0-d); d/ds = c[2] + c[4]
    let w = f64_tensor(&[1.0; 6], &[3, 2]);
    let s = f64_tensor(&[5.0], &[]);
    let c = Tensor::from_vec_f64(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2], DType::F64).unwrap();
    let y = w.mul_scalar(1.0).unwrap();
    y.index_put_(
        &[TensorIndex::slice(Some(1), None, 1), TensorIndex::Int(0)],
        &s,
        false,
    )
    .unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "CopySlices");
    y.mul(&c).unwrap().sum().unwrap().backward().unwrap();
    assert_eq!(s.grad().unwrap().to_vec_f64().unwrap(), vec![8.0]);
    assert_eq!(
        w.grad().unwrap().to_vec_f64().unwrap(),
        vec![1.0, 2.0, 0.0, 4.0, 0.0, 6.0]
    );

    // finite differences through index_put (out of place) in both inputs
    let items = vec![mask(&[true, false, true], &[3])];
    gradcheck(
        |xs| xs[0].index_put(&items, &xs[1], true),
        &[ramp(&[3, 2]), ramp(&[2])],
        GradcheckOptions::default(),
    )
    .unwrap();
}
