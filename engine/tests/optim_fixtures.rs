//! Optimizers' first three steps against PyTorch 2.15 (`foreach=False`,
//! float64, fixed gradients), plus StepLR, zero_grad and state_dict.

use serde_json::Value;
use tinytorch::optim::{lr_scheduler::StepLR, Hyper, Kind, Optimizer, ParamGroup};
use tinytorch::{DType, Tensor};

fn load() -> Value {
    let p = format!(
        "{}/tests/fixtures/nn_optim.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn tensor(v: &Value) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let d: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Tensor::from_vec_f64(&d, &shape, DType::F64).unwrap()
}

fn kind(name: &str) -> Kind {
    match name {
        "SGD" => Kind::SGD,
        "Adagrad" => Kind::Adagrad,
        "RMSprop" => Kind::RMSprop,
        "Adadelta" => Kind::Adadelta,
        "Adam" => Kind::Adam,
        _ => Kind::AdamW,
    }
}

fn hyper(k: Kind, opts: &Value) -> Hyper {
    let mut h = k.defaults();
    for (key, v) in opts.as_object().unwrap() {
        match key.as_str() {
            "betas" => {
                h.betas = (v[0].as_f64().unwrap(), v[1].as_f64().unwrap());
            }
            _ => h
                .set(
                    key,
                    v.as_f64()
                        .unwrap_or_else(|| v.as_bool().unwrap() as u8 as f64),
                )
                .unwrap(),
        }
    }
    h
}

#[test]
fn first_steps_match_pytorch() {
    let fx = load();
    let grads: Vec<Tensor> = fx["grads"].as_array().unwrap().iter().map(tensor).collect();
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let k = kind(case["optimizer"].as_str().unwrap());
        let p = tensor(&fx["param"]).requires_grad_(true).unwrap();
        let mut opt = Optimizer::new(k, vec![p.clone()], hyper(k, &case["options"])).unwrap();
        for (s, want) in case["steps"].as_array().unwrap().iter().enumerate() {
            p.set_grad(Some(grads[s].clone())).unwrap();
            let v0 = p.version();
            opt.step().unwrap();
            assert!(
                p.version() > v0,
                "{name}: step must bump the version counter"
            );
            let got = p.to_vec_f64().unwrap();
            let w = tensor(want).to_vec_f64().unwrap();
            for (i, (a, b)) in got.iter().zip(&w).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                    "{name} step {s} element {i}: {a} vs PyTorch {b}"
                );
            }
        }
    }
}

#[test]
fn state_dict_round_trip_continues_identically() {
    // two Adam optimizers: one runs 3 steps; the other runs 1, is saved and
    // reloaded into a fresh optimizer, then runs 2 more: same parameters
    let fx = load();
    let grads: Vec<Tensor> = fx["grads"].as_array().unwrap().iter().map(tensor).collect();
    let h = Hyper {
        lr: 0.01,
        amsgrad: true,
        ..Kind::Adam.defaults()
    };
    let p1 = tensor(&fx["param"]).requires_grad_(true).unwrap();
    let mut o1 = Optimizer::new(Kind::Adam, vec![p1.clone()], h).unwrap();
    for g in &grads {
        p1.set_grad(Some(g.clone())).unwrap();
        o1.step().unwrap();
    }
    let p2 = tensor(&fx["param"]).requires_grad_(true).unwrap();
    let mut o2 = Optimizer::new(Kind::Adam, vec![p2.clone()], h).unwrap();
    p2.set_grad(Some(grads[0].clone())).unwrap();
    o2.step().unwrap();
    let sd = o2.state_dict().unwrap();
    assert!(sd.get("state.0.exp_avg").is_some() && sd.get("param_groups.0.lr").is_some());
    let bytes = tinytorch::io::to_safetensors_bytes(&sd).unwrap();
    let sd2 = tinytorch::io::from_safetensors_bytes(&bytes, "mem").unwrap();
    let mut o3 = Optimizer::new(Kind::Adam, vec![p2.clone()], Kind::Adam.defaults()).unwrap();
    o3.load_state_dict(&sd2).unwrap();
    assert_eq!(o3.param_groups()[0].options.lr, 0.01);
    for g in &grads[1..] {
        p2.set_grad(Some(g.clone())).unwrap();
        o3.step().unwrap();
    }
    assert_eq!(p1.to_vec_f64().unwrap(), p2.to_vec_f64().unwrap());
}

#[test]
fn param_groups_step_lr_and_zero_grad() {
    let a = Tensor::ones_on(&[2], DType::F64, tinytorch::Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let b = Tensor::ones_on(&[2], DType::F64, tinytorch::Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let groups = vec![
        ParamGroup {
            params: vec![a.clone()],
            options: Hyper {
                lr: 0.1,
                ..Kind::SGD.defaults()
            },
        },
        ParamGroup {
            params: vec![b.clone()],
            options: Hyper {
                lr: 1.0,
                ..Kind::SGD.defaults()
            },
        },
    ];
    let mut opt = Optimizer::with_groups(Kind::SGD, groups).unwrap();
    let g = Tensor::full_on(&[2], 0.5, DType::F64, tinytorch::Device::Cpu).unwrap();
    a.set_grad(Some(g.clone())).unwrap();
    b.set_grad(Some(g)).unwrap();
    opt.step().unwrap();
    // a = 1 - 0.1 * 0.5 = 0.95, b = 1 - 1.0 * 0.5 = 0.5
    assert_eq!(a.to_vec_f64().unwrap(), vec![0.95, 0.95]);
    assert_eq!(b.to_vec_f64().unwrap(), vec![0.5, 0.5]);
    opt.zero_grad();
    assert!(a.grad().is_none() && b.grad().is_none());
    // StepLR(step_size=2, gamma=0.5): lrs after steps 1..4 are
    // [0.1, 1], [0.05, 0.5], [0.05, 0.5], [0.025, 0.25]
    let mut s = StepLR::new(&opt, 2, 0.5).unwrap();
    let mut seen = Vec::new();
    for _ in 0..4 {
        s.step(&mut opt);
        seen.push(s.get_last_lr());
    }
    assert_eq!(
        seen,
        vec![
            vec![0.1, 1.0],
            vec![0.05, 0.5],
            vec![0.05, 0.5],
            vec![0.025, 0.25]
        ]
    );
}

#[test]
fn invalid_options_are_errors() {
    let p = Tensor::ones_on(&[1], DType::F32, tinytorch::Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let e = Optimizer::new(
        Kind::SGD,
        vec![p.clone()],
        Hyper {
            lr: -1.0,
            ..Kind::SGD.defaults()
        },
    );
    assert_eq!(e.err().unwrap().to_string(), "Invalid learning rate: -1.0");
    let e = Optimizer::new(
        Kind::Adam,
        vec![p],
        Hyper {
            betas: (1.0, 0.9),
            ..Kind::Adam.defaults()
        },
    );
    assert_eq!(
        e.err().unwrap().to_string(),
        "Invalid beta parameter at index 0: 1.0"
    );
}
