//! The pointwise tables (`ops::pointwise`) through the list the language
//! binds from (`unary_functions()`, `binary_functions()`), against PyTorch
//! 2.15: every listed function's forward values and gradients
//! (`fixtures/ops.json`, cases named by the function), and where PyTorch
//! spells it, its parameters and defaults and the autograd node it records
//! (`pointwise_api` in the same file, read from PyTorch by
//! `fixtures/make_op_fixtures.py`).

mod common;

use std::collections::BTreeSet;

use common::fixtures::{float, run_op};
use serde_json::Value;
use tinytorch::ops::pointwise::{binary_functions, unary_functions, PointwiseFn};
use tinytorch::{DType, Result, Scalar, Tensor};

/// `pointwise_api` of ops.json: what PyTorch says about each function.
fn pytorch_api() -> serde_json::Map<String, Value> {
    let root: Value =
        serde_json::from_str(include_str!("fixtures/ops.json")).expect("ops.json parses");
    root["pointwise_api"]
        .as_object()
        .expect("a pointwise_api record")
        .clone()
}

/// The case's keyword arguments in the function's parameter order.
fn params(f: &PointwiseFn, c: &common::fixtures::Case) -> Vec<Option<f64>> {
    f.params.iter().map(|p| c.f64(p.name)).collect()
}

#[test]
fn every_unary_function_matches_pytorch() {
    for f in unary_functions() {
        let n = run_op(f.name, |c| {
            Ok(vec![(f.call_with)(c.input(0), &params(f, c))?])
        });
        assert!(n >= 1, "{}", f.name);
    }
}

#[test]
fn every_binary_function_matches_pytorch() {
    for f in binary_functions() {
        run_op(f.name, |c| {
            let out = match c.arg("other") {
                Some(v) => {
                    let s = match v {
                        Value::Number(n) if n.is_i64() => Scalar::Int(n.as_i64().unwrap_or(0)),
                        other => Scalar::Float(float(other)),
                    };
                    let call = f.call_scalar.expect("a Python-number form");
                    call(c.input(0), s)?
                }
                None => (f.call)(c.input(0), c.input(1))?,
            };
            Ok(vec![out])
        });
    }
}

#[test]
fn lerp_matches_pytorch() {
    run_op("lerp", |c| {
        Ok(vec![match c.f64("weight") {
            Some(w) => c.input(0).lerp(c.input(1), w)?,
            None => c.input(0).lerp(c.input(1), c.input(2))?,
        }])
    });
}

#[test]
fn the_list_says_what_pytorch_says() {
    let api = pytorch_api();
    let mut missing = BTreeSet::new();
    for (name, rec) in &api {
        let flag = |k: &str| rec[k].as_bool().unwrap_or(false);
        if let Some(f) = unary_functions().iter().find(|f| f.name == name) {
            assert_eq!(f.in_torch, flag("torch"), "{name}: torch.{name}");
            assert_eq!(f.tensor_method, flag("method"), "{name}: Tensor.{name}");
            assert_eq!(f.functional, flag("functional"), "{name}: F.{name}");
            assert_eq!(
                f.inplace.is_some(),
                flag("inplace_method") || flag("inplace_kwarg"),
                "{name}: in-place form"
            );
            let want: Vec<(String, Option<f64>)> = rec["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(|p| (p[0].as_str().unwrap_or("").to_string(), p[1].as_f64()))
                .collect();
            let got: Vec<(String, Option<f64>)> = f
                .params
                .iter()
                .map(|p| (p.name.to_string(), p.default_value()))
                .collect();
            assert_eq!(got, want, "{name}: parameters");
        } else if let Some(f) = binary_functions().iter().find(|f| f.name == name) {
            assert_eq!(f.in_torch, flag("torch"), "{name}: torch.{name}");
            assert_eq!(f.tensor_method, flag("method"), "{name}: Tensor.{name}");
            assert_eq!(f.inplace.is_some(), flag("inplace_method"), "{name}");
            assert_eq!(
                f.call_scalar.is_some(),
                !rec["scalar_node"].is_null(),
                "{name}: Python-number other"
            );
        } else {
            missing.insert(name.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "PyTorch functions the tables lack: {missing:?}"
    );
}

#[test]
fn each_function_records_pytorchs_node() {
    for (name, rec) in pytorch_api() {
        let x = Tensor::from_vec_f64(&[0.5, 0.25], &[2], DType::F64)
            .and_then(|t| t.requires_grad_(true))
            .expect("a leaf");
        let node = |t: Result<Tensor>| t.expect(&name).grad_fn().map(|n| n.name().to_string());
        if let Some(f) = unary_functions().iter().find(|f| f.name == name) {
            assert_eq!(
                node((f.call)(&x)).as_deref(),
                rec["node"].as_str(),
                "{name}"
            );
        } else if let Some(f) = binary_functions().iter().find(|f| f.name == name) {
            let y = Tensor::from_vec_f64(&[0.75, -0.5], &[2], DType::F64)
                .and_then(|t| t.requires_grad_(true))
                .expect("a leaf");
            assert_eq!(
                node((f.call)(&x, &y)).as_deref(),
                rec["node"].as_str(),
                "{name}"
            );
            if let Some(call) = f.call_scalar {
                let got = node(call(&x, Scalar::Float(1.5)));
                assert_eq!(got.as_deref(), rec["scalar_node"].as_str(), "{name}");
            }
        }
    }
}

#[test]
fn in_place_forms_write_what_the_function_returns() {
    let vals = [-2.5, -0.5, 0.0, 0.3, 0.9, 4.0];
    for f in unary_functions() {
        let Some(inplace) = f.inplace else { continue };
        let x = Tensor::from_vec_f64(&vals, &[2, 3], DType::F64).expect("x");
        let want = (f.call)(&x).expect(f.name);
        if want.dtype() != DType::F64 {
            continue; // predicates and logical_not write bool into a float tensor
        }
        let y = x.clone_tensor().expect("copy");
        inplace(&y, &[]).expect(f.name);
        let (got, want) = (y.to_vec_f64().expect("y"), want.to_vec_f64().expect("want"));
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g == w || (g.is_nan() && w.is_nan()),
                "{}_: {got:?} != {want:?}",
                f.name
            );
        }
    }
    let a = Tensor::from_vec_f64(&[5.5, -5.5], &[2], DType::F32).expect("a");
    let b = Tensor::from_vec_f64(&[2.0, 2.0], &[2], DType::F32).expect("b");
    a.fmod_(&b).expect("fmod_");
    // C's remainder keeps the dividend's sign: 5.5 = 2*2 + 1.5, -5.5 = -2*2 - 1.5
    assert_eq!(a.to_vec_f64().expect("a"), vec![1.5, -1.5]);
}

#[test]
fn dtype_rules_and_errors_use_pytorchs_words() {
    let ints = Tensor::from_vec(vec![1i64, -2, 3], &[3]).expect("ints");
    // activations without an integer kernel refuse, as "softplus_cpu" does
    let e = ints.softplus(1.0, 20.0).expect_err("int softplus");
    assert!(
        e.to_string()
            .contains("\"softplus_cpu\" not implemented for 'Long'"),
        "{e}"
    );
    let e = ints.frac().expect_err("int frac");
    assert!(
        e.to_string()
            .contains("\"frac_cpu\" not implemented for 'Long'"),
        "{e}"
    );
    // float functions compute integers in float32; rounding returns them as they are
    assert_eq!(ints.erfinv().expect("erfinv").dtype(), DType::F32);
    assert_eq!(ints.floor().expect("floor").dtype(), DType::I64);
    assert_eq!(
        ints.clamp_min(0.5)
            .expect("clamp_min")
            .to_vec_f64()
            .expect("values"),
        vec![1.0, 0.5, 3.0]
    );
    let e = ints.hypot(&ints).expect_err("int hypot");
    assert!(
        e.to_string()
            .contains("\"hypot_cpu\" not implemented for 'Long'"),
        "{e}"
    );
    let zero = Tensor::from_vec(vec![0i64, 1, 1], &[3]).expect("divisor");
    let e = ints.fmod(&zero).expect_err("integer fmod by zero");
    assert!(e.to_string().contains("ZeroDivisionError"), "{e}");
    let f = Tensor::from_vec_f64(&[1.0], &[1], DType::F32).expect("f");
    let d = Tensor::from_vec_f64(&[1.0], &[1], DType::F64).expect("d");
    let e = f.lerp(&d, 0.5).expect_err("mixed lerp");
    assert!(
        e.to_string()
            .contains("expected dtype float32 for `end` but got dtype float64"),
        "{e}"
    );
}

#[test]
fn edge_values_as_pytorch_defines_them() {
    let x = |v: &[f64]| Tensor::from_vec_f64(v, &[v.len()], DType::F64).expect("x");
    // erfinv(±1) = ±inf, NaN outside [-1, 1]
    let e = x(&[1.0, -1.0, 1.5])
        .erfinv()
        .and_then(|t| t.to_vec_f64())
        .expect("erfinv");
    assert_eq!(&e[..2], &[f64::INFINITY, f64::NEG_INFINITY]);
    assert!(e[2].is_nan());
    // logit clamps to [eps, 1 - eps]: logit(0, eps=0.25) = ln(0.25 / 0.75) = -ln 3
    let l = x(&[0.0, 1.0])
        .logit(Some(0.25))
        .and_then(|t| t.to_vec_f64())
        .expect("logit");
    assert!((l[0] + 3f64.ln()).abs() < 1e-15 && (l[1] - 3f64.ln()).abs() < 1e-15);
    let l = x(&[0.0, 1.0])
        .logit(None)
        .and_then(|t| t.to_vec_f64())
        .expect("logit");
    assert_eq!(l, vec![f64::NEG_INFINITY, f64::INFINITY]);
    // nan_to_num defaults to the dtype's finite extremes
    let h = Tensor::from_vec_f64(
        &[f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
        &[3],
        DType::F16,
    )
    .and_then(|t| t.nan_to_num(0.0, None, None))
    .and_then(|t| t.to_vec_f64())
    .expect("nan_to_num");
    assert_eq!(h, vec![0.0, 65504.0, -65504.0]);
    // signbit reads the sign bit itself: -0.0 and a negative NaN have it
    let s = x(&[-0.0, 0.0, f64::NAN, -f64::NAN])
        .signbit()
        .and_then(|t| t.to_vec_f64())
        .expect("signbit");
    assert_eq!(s, vec![1.0, 0.0, 0.0, 1.0]);
}
