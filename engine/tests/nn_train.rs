//! Module mechanics (names, zero_grad, train/eval, repr) and a small MLP
//! trained on a synthetic problem to a loss threshold.

use tinytorch::nn::functional as F;
use tinytorch::nn::{
    Dropout, Flatten, Linear, Module, ModuleExt, ModuleList, ReLU, Sequential, Tanh,
};
use tinytorch::optim::{Hyper, Kind, Optimizer};
use tinytorch::{DType, Device, Tensor};

struct Net {
    fc1: Linear,
    body: Sequential,
    training: bool,
}

impl Module for Net {
    fn type_name(&self) -> String {
        "Net".into()
    }
    fn forward(&self, x: &Tensor) -> tinytorch::Result<Tensor> {
        self.body.forward(&self.fc1.forward(x)?)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("fc1", &self.fc1);
        f("body", &self.body);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("fc1", &mut self.fc1);
        f("body", &mut self.body);
    }
    fn training(&self) -> bool {
        self.training
    }
    fn set_training(&mut self, on: bool) {
        self.training = on;
    }
}

fn net() -> Net {
    Net {
        fc1: Linear::new(2, 16, true).unwrap(),
        body: Sequential::new()
            .append(Tanh::new())
            .append(Dropout::new(0.0).unwrap())
            .append(Linear::new(16, 2, true).unwrap()),
        training: true,
    }
}

#[test]
fn names_modes_and_repr() {
    let mut m = net();
    let names: Vec<String> = m.named_parameters().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        ["fc1.weight", "fc1.bias", "body.2.weight", "body.2.bias"]
    );
    assert_eq!(m.num_parameters(), 2 * 16 + 16 + 16 * 2 + 2);
    assert!(m
        .parameters()
        .iter()
        .all(|p| p.requires_grad() && p.is_parameter()));
    m.eval();
    assert!(!m.training() && !m.body.modules[1].training());
    m.train(true);
    assert!(m.body.modules[1].training());
    assert_eq!(
        m.repr(),
        "Net(\n  (fc1): Linear(in_features=2, out_features=16, bias=True)\n  (body): Sequential(\n    (0): Tanh()\n    (1): Dropout(p=0.0, inplace=False)\n    (2): Linear(in_features=16, out_features=2, bias=True)\n  )\n)"
    );
    let mut l = ModuleList::new();
    l.push(Box::new(ReLU::new()));
    l.push(Box::new(Flatten::default()));
    assert_eq!(l.len(), 2);
    assert!(l
        .forward(&Tensor::zeros_on(&[1], DType::F32, Device::Cpu).unwrap())
        .is_err());
    let x = Tensor::ones_on(&[3, 2], DType::F32, Device::Cpu).unwrap();
    m.forward(&x).unwrap().sum().unwrap().backward().unwrap();
    assert!(m.fc1.weight.grad().is_some());
    m.zero_grad();
    assert!(m.parameters().iter().all(|p| p.grad().is_none()));
    m.to_device(Device::Cpu).unwrap();
}

#[test]
fn mlp_learns_two_moons_like_problem() {
    // label = 1 when x0 * x1 > 0 (XOR of signs): not linearly separable
    tinytorch::random::manual_seed(0);
    let x = Tensor::uniform(&[256, 2], -1.0, 1.0, DType::F32, Device::Cpu).unwrap();
    let v = x.to_vec_f64().unwrap();
    let y: Vec<i64> = v.chunks(2).map(|p| (p[0] * p[1] > 0.0) as i64).collect();
    let y = Tensor::from_vec(y, &[256]).unwrap();
    let m = net();
    let mut opt = Optimizer::new(
        Kind::Adam,
        m.parameters(),
        Hyper {
            lr: 0.05,
            ..Kind::Adam.defaults()
        },
    )
    .unwrap();
    let mut last = f64::INFINITY;
    for _ in 0..300 {
        opt.zero_grad();
        let loss = F::cross_entropy(&m.forward(&x).unwrap(), &y, &F::LossOptions::new()).unwrap();
        loss.backward().unwrap();
        opt.step().unwrap();
        last = loss.item().unwrap();
    }
    assert!(last < 0.15, "loss after 300 Adam steps: {last}");
}
