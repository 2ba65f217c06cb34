//! nn layers and functional ops against PyTorch 2.15 (fixtures made by
//! tests/fixtures/make_nn_fixtures.py): seeded initialisation bit for bit,
//! forward outputs and gradients in float64, dropout masks.

use serde_json::Value;
use tinytorch::nn::functional as F;
use tinytorch::nn::{Conv2d, Conv2dOptions, Embedding, Linear, ModuleExt};
use tinytorch::{DType, Tensor};

fn load(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn shape(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn data(v: &Value) -> Vec<f64> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d.as_f64()
                .unwrap_or_else(|| d.as_bool().map_or(f64::NAN, |b| b as u8 as f64))
        })
        .collect()
}

fn tensor(v: &Value) -> Tensor {
    Tensor::from_vec_f64(&data(v), &shape(v), DType::F64).unwrap()
}

fn long(v: &Value) -> Tensor {
    let d: Vec<i64> = data(v).iter().map(|&x| x as i64).collect();
    Tensor::from_vec(d, &shape(v)).unwrap()
}

fn close(name: &str, got: &Tensor, want: &Value, tol: f64) {
    assert_eq!(got.shape(), shape(want).as_slice(), "{name}: shape");
    let g = got.to_vec_f64().unwrap();
    for (i, (a, b)) in g.iter().zip(data(want)).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()),
            "{name}: element {i}: got {a}, PyTorch {b}"
        );
    }
}

fn usize2(v: &Value) -> [usize; 2] {
    match v {
        Value::Array(a) => [
            a[0].as_u64().unwrap() as usize,
            a[1].as_u64().unwrap() as usize,
        ],
        n => [n.as_u64().unwrap() as usize; 2],
    }
}

#[test]
fn seeded_initialisation_equals_pytorch() {
    for case in load("nn_init.json")["cases"].as_array().unwrap() {
        tinytorch::random::manual_seed(case["seed"].as_u64().unwrap());
        // all modules of a case are built in order, sharing the stream
        let mut built = Vec::new();
        for m in case["modules"].as_array().unwrap() {
            let a: Vec<i64> = m["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap_or_else(|| x.as_bool().unwrap() as i64))
                .collect();
            let sd = match m["kind"].as_str().unwrap() {
                "linear" => Linear::new(a[0] as usize, a[1] as usize, a[2] != 0)
                    .unwrap()
                    .state_dict(),
                "conv2d" => Conv2d::with_options(
                    a[0] as usize,
                    a[1] as usize,
                    [a[2] as usize; 2],
                    Conv2dOptions {
                        groups: a[3] as usize,
                        ..Default::default()
                    },
                )
                .unwrap()
                .state_dict(),
                _ => Embedding::new(a[0] as usize, a[1] as usize, (a[2] >= 0).then_some(a[2]))
                    .unwrap()
                    .state_dict(),
            };
            built.push((m.clone(), sd));
        }
        for (m, sd) in built {
            for (k, want) in m["params"].as_object().unwrap() {
                let got = sd.get(k).unwrap();
                assert_eq!(got.shape(), shape(want).as_slice());
                let g = got.to_vec_f32().unwrap();
                let w: Vec<f32> = data(want).iter().map(|&x| x as f32).collect();
                assert_eq!(g, w, "{} {}", case["name"], k);
            }
        }
    }
}

/// Runs one fixture case's op on `inputs` (float64 leaves).
fn run(case: &Value, x: &[Tensor]) -> Tensor {
    let a = &case["args"];
    let red = |a: &Value| F::Reduction::from_name(a["reduction"].as_str().unwrap()).unwrap();
    match case["op"].as_str().unwrap() {
        "conv2d" => F::conv2d(
            &x[0],
            &x[1],
            x.get(2),
            usize2(&a["stride"]),
            usize2(&a["padding"]),
            usize2(&a["dilation"]),
            a["groups"].as_u64().unwrap() as usize,
        )
        .unwrap(),
        "max_pool2d" => F::max_pool2d(
            &x[0],
            usize2(&a["kernel"]),
            Some(usize2(&a["stride"])),
            usize2(&a["padding"]),
            usize2(&a["dilation"]),
        )
        .unwrap(),
        "linear" => F::linear(&x[0], &x[1], Some(&x[2])).unwrap(),
        "layer_norm" => F::layer_norm(&x[0], &[2, 4], Some(&x[1]), Some(&x[2]), 1e-5).unwrap(),
        "rms_norm" => F::rms_norm(&x[0], &[5], Some(&x[1]), Some(1e-6)).unwrap(),
        "softmax" => x[0].softmax(a["dim"].as_i64().unwrap()).unwrap(),
        "log_softmax" => x[0].log_softmax(a["dim"].as_i64().unwrap()).unwrap(),
        "cross_entropy" | "nll_loss" => {
            let opts = F::LossOptions {
                weight: a.get("weight").filter(|w| !w.is_null()).map(tensor),
                ignore_index: a["ignore_index"].as_i64().unwrap(),
                reduction: red(a),
                label_smoothing: a
                    .get("label_smoothing")
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0),
            };
            if case["op"] == "nll_loss" {
                F::nll_loss(&x[0], &x[1], &opts).unwrap()
            } else {
                F::cross_entropy(&x[0], &x[1], &opts).unwrap()
            }
        }
        "mse_loss" => F::mse_loss(&x[0], &x[1], red(a)).unwrap(),
        "bce_with_logits" => {
            let pw = a.get("pos_weight").filter(|w| !w.is_null()).map(tensor);
            F::binary_cross_entropy_with_logits(&x[0], &x[1], None, pw.as_ref(), red(a)).unwrap()
        }
        "sdpa" => F::scaled_dot_product_attention(
            &x[0],
            &x[1],
            &x[2],
            None,
            0.0,
            a["is_causal"].as_bool().unwrap(),
            None,
        )
        .unwrap(),
        "pad" => {
            let p: Vec<usize> = a["pad"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            F::pad(&x[0], &p, a["value"].as_f64().unwrap()).unwrap()
        }
        "embedding" => F::embedding(&x[0], &x[1], a["padding_idx"].as_i64()).unwrap(),
        op => panic!("unknown op {op}"),
    }
}

#[test]
fn layers_forward_and_gradients_match_pytorch() {
    let fx = load("nn_layers.json");
    let mut checked = 0;
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if case["op"] == "dropout" {
            continue;
        }
        let inputs: Vec<Tensor> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let is_int = data(v).iter().all(|x| x.fract() == 0.0)
                    && matches!(
                        case["op"].as_str(),
                        Some("cross_entropy" | "nll_loss" | "embedding")
                    )
                    && v == &case["inputs"][if case["op"] == "embedding" { 0 } else { 1 }]
                    && name != "ce_probs";
                if is_int {
                    long(v)
                } else {
                    tensor(v).requires_grad_(true).unwrap()
                }
            })
            .collect();
        let out = run(case, &inputs);
        close(name, &out, &case["output"], 1e-10);
        if let Some(grads) = case.get("grads") {
            let cot = tensor(&case["cot"]);
            out.mul(&cot).unwrap().sum().unwrap().backward().unwrap();
            for (i, g) in grads.as_array().unwrap().iter().enumerate() {
                if g.is_null() {
                    continue;
                }
                let got = inputs[i]
                    .grad()
                    .unwrap_or_else(|| panic!("{name}: no grad for input {i}"));
                close(&format!("{name} grad {i}"), &got, g, 1e-10);
            }
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} cases ran");
}

#[test]
fn fused_nodes_carry_pytorch_names() {
    let x = Tensor::randn_on(&[4, 5], DType::F32, tinytorch::Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let t = Tensor::from_vec(vec![0i64, 1, 2, 3], &[4]).unwrap();
    let l = F::cross_entropy(&x, &t, &F::LossOptions::new()).unwrap();
    let node = l.grad_fn().unwrap();
    assert_eq!(node.name(), "NllLossBackward0");
    match &node.inputs()[0] {
        tinytorch::autograd::Edge::Node(n) => assert_eq!(n.name(), "LogSoftmaxBackward0"),
        _ => panic!("expected LogSoftmaxBackward0 under NllLossBackward0"),
    }
    let y = F::layer_norm(&x, &[5], None, None, 1e-5).unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "NativeLayerNormBackward0");
    let img = Tensor::randn_on(&[1, 1, 4, 4], DType::F32, tinytorch::Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let w = Tensor::randn_on(&[2, 1, 3, 3], DType::F32, tinytorch::Device::Cpu).unwrap();
    assert_eq!(
        F::conv2d(&img, &w, None, [1, 1], [0, 0], [1, 1], 1)
            .unwrap()
            .grad_fn()
            .unwrap()
            .name(),
        "ConvolutionBackward0"
    );
}

#[test]
fn dropout_mask_equals_pytorch() {
    let fx = load("nn_layers.json");
    let case = fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["op"] == "dropout")
        .unwrap();
    tinytorch::random::manual_seed(5);
    let x = Tensor::ones_on(&[40], DType::F32, tinytorch::Device::Cpu).unwrap();
    let y = F::dropout(&x, 0.3, true).unwrap();
    close("dropout", &y, &case["output"], 1e-7);
    // eval mode is the identity
    assert_eq!(
        F::dropout(&x, 0.3, false).unwrap().to_vec_f64().unwrap(),
        vec![1.0; 40]
    );
}

#[test]
fn float32_conv_and_softmax_agree_with_float64() {
    // the float32 path (what training uses) against the float64 one, same values
    let fx = load("nn_layers.json");
    let case = fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "conv_groups")
        .unwrap();
    let ins: Vec<Tensor> = case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| tensor(v).to_dtype(DType::F32).unwrap())
        .collect();
    let out = run(case, &ins);
    assert_eq!(out.dtype(), DType::F32);
    close("conv_groups f32", &out, &case["output"], 1e-5);
    let h = Tensor::from_vec_f64(&[1.0, 2.0, 3.0], &[3], DType::F16).unwrap();
    let s = h.softmax(0).unwrap();
    assert_eq!(s.dtype(), DType::F16);
    // softmax([1,2,3]) = [0.0900, 0.2447, 0.6652]
    let v = s.to_vec_f64().unwrap();
    assert!((v[2] - 0.6652).abs() < 1e-3);
}
