//! `format_tensor` against what PyTorch itself printed for the same tensors
//! (`fixtures/repr.json`, made by `fixtures/make_repr_fixtures.py`), byte for byte;
//! and a property test that no shape, value or option makes it panic.

use proptest::prelude::*;
use serde_json::Value;
use tinytorch::tensor::repr::{format_tensor, PrintOptions, ReprInput, ReprValues};

const FIXTURES: &str = include_str!("fixtures/repr.json");

/// Floats are JSON numbers, or strings for the values JSON cannot hold.
fn float(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "-0.0" => -0.0,
            other => panic!("unknown float spelling {other:?}"),
        },
        other => other.as_f64().expect("float fixture value"),
    }
}

fn values(dtype: &str, raw: &[Value]) -> ReprValues {
    match dtype {
        "float32" | "float64" | "float16" | "bfloat16" => {
            ReprValues::Float(raw.iter().map(float).collect())
        }
        "bool" => ReprValues::Bool(raw.iter().map(|v| v.as_bool().expect("bool")).collect()),
        _ => ReprValues::Int(raw.iter().map(|v| v.as_i64().expect("int")).collect()),
    }
}

fn options(raw: &Value) -> PrintOptions {
    let mut opts = PrintOptions::default();
    let field = |name: &str| raw.get(name).and_then(Value::as_u64).map(|n| n as usize);
    opts.precision = field("precision").unwrap_or(opts.precision);
    opts.threshold = field("threshold").unwrap_or(opts.threshold);
    opts.edgeitems = field("edgeitems").unwrap_or(opts.edgeitems);
    opts.linewidth = field("linewidth").unwrap_or(opts.linewidth);
    opts.sci_mode = raw.get("sci_mode").and_then(Value::as_bool);
    opts
}

#[test]
fn matches_pytorch_fixtures() {
    let root: Value = serde_json::from_str(FIXTURES).expect("repr.json parses");
    let cases = root["cases"].as_array().expect("cases array");
    assert!(cases.len() >= 150, "only {} fixture cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|d| d.as_u64().expect("dim") as usize)
            .collect();
        let dtype = case["dtype"].as_str().expect("dtype");
        let input = ReprInput {
            shape: &shape,
            values: values(dtype, case["values"].as_array().expect("values")),
            dtype,
            device: case["device"].as_str(),
            requires_grad: case["requires_grad"].as_bool().expect("requires_grad"),
            grad_fn: case["grad_fn"].as_str(),
            is_parameter: case["is_parameter"].as_bool().expect("is_parameter"),
        };
        let got = format_tensor(&input, &options(&case["options"]));
        let expected = case["expected"].as_str().expect("expected");
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- got\n{got}\n",
                case["name"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn any_values(n: usize) -> impl Strategy<Value = ReprValues> {
    let special = prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        -1e3..1e3f64,
    ];
    prop_oneof![
        prop::collection::vec(special, n).prop_map(ReprValues::Float),
        prop::collection::vec(any::<i64>(), n).prop_map(ReprValues::Int),
        prop::collection::vec(any::<bool>(), n).prop_map(ReprValues::Bool),
    ]
}

/// A shape with usually as many values as it holds, sometimes one too many.
fn any_case() -> impl Strategy<Value = (Vec<usize>, ReprValues)> {
    (prop::collection::vec(0usize..5, 0..5), 0usize..2).prop_flat_map(|(shape, extra)| {
        let n = shape.iter().product::<usize>() + extra;
        (Just(shape), any_values(n))
    })
}

proptest! {
    #[test]
    fn never_panics(
        (shape, values) in any_case(),
        precision in 0usize..12,
        threshold in 0usize..40,
        edgeitems in 0usize..4,
        linewidth in 0usize..100,
        sci_mode in any::<Option<bool>>(),
    ) {
        let input = ReprInput {
            shape: &shape,
            values,
            dtype: "float64",
            device: Some("cuda:0"),
            requires_grad: true,
            grad_fn: None,
            is_parameter: false,
        };
        let opts = PrintOptions { precision, threshold, edgeitems, linewidth, sci_mode };
        let text = format_tensor(&input, &opts);
        prop_assert!(text.starts_with("tensor(") && text.ends_with(')'));
        prop_assert_eq!(text.matches('[').count(), text.matches(']').count());
    }
}
