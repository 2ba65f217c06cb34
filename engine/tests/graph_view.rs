//! The autograd graph as users see it: `graph_view()` mirrors PyTorch's
//! `grad_fn` / `next_functions` structure, and `graph()` renders it.

use tinytorch::viz::NodeKind;
use tinytorch::{DType, Device, Tensor};

fn param(name: &str, shape: &[usize]) -> Tensor {
    let t = Tensor::full_on(shape, 0.5, DType::F32, Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    t.set_name(name);
    t
}

#[test]
fn two_layer_mlp_graph_has_pytorch_nodes_and_named_leaves() {
    let x = Tensor::ones_on(&[4, 3], DType::F32, Device::Cpu).unwrap();
    let (w1, b1, w2) = (
        param("w1", &[3, 5]),
        param("b1", &[5]),
        param("w2", &[5, 2]),
    );
    let h = x.matmul(&w1).unwrap().add(&b1).unwrap().relu().unwrap();
    let loss = h.matmul(&w2).unwrap().sum().unwrap();
    let g = loss.graph_view();
    let labels: Vec<&str> = g.nodes.iter().map(|n| n.label.as_str()).collect();
    // output, SumBackward0, MmBackward0 (x2), ReluBackward0, AddBackward0 and 3 leaves
    for want in [
        "output",
        "SumBackward0",
        "MmBackward0",
        "ReluBackward0",
        "AddBackward0",
        "w1",
        "b1",
        "w2",
    ] {
        assert!(labels.contains(&want), "missing {want} in {labels:?}");
    }
    assert_eq!(labels.iter().filter(|l| **l == "MmBackward0").count(), 2);
    // x does not require grad: no node for it, as in PyTorch's graph.
    assert_eq!(g.nodes.len(), 9);
    // Each op consumes its inputs: 8 edges into the 5 ops and the output.
    assert_eq!(g.edges.len(), 8);
    assert!(g
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Leaf)
        .all(|n| n.grad_norm.is_none()));

    loss.backward().unwrap();
    let g = loss.graph_view();
    let w2n = g.nodes.iter().find(|n| n.label == "w2").unwrap();
    // d loss / d w2 = h^T 1: h = relu(x w1 + b1) = 0.5*3 + 0.5 = 2 everywhere,
    // so every entry is 4 rows * 2 = 8 and the norm is sqrt(10 * 64).
    assert!((w2n.grad_norm.unwrap() - (640f64).sqrt()).abs() < 1e-9);

    let bundle = loss.graph().unwrap();
    let svg = bundle.svg.as_deref().unwrap();
    for want in ["SumBackward0", "ReluBackward0", "w1", "[3, 5]"] {
        assert!(svg.contains(want), "svg lacks {want}");
    }
    assert!(bundle
        .png
        .as_ref()
        .is_some_and(|p| p.starts_with(b"\x89PNG")));
    assert!(bundle.plain.contains("MmBackward0"));
}

#[test]
fn leaf_and_constant_graphs() {
    let w = param("w", &[2]);
    let g = w.graph_view();
    assert_eq!(g.nodes.len(), 1);
    assert_eq!(g.nodes[0].kind, NodeKind::Leaf);
    let c = Tensor::zeros_on(&[2], DType::F32, Device::Cpu).unwrap();
    assert_eq!(c.graph_view().nodes[0].kind, NodeKind::Tensor);
}

#[test]
fn show_renders_values() {
    let t = Tensor::from_vec_f64(&[1.0, -2.0, 3.0, 4.0], &[2, 2], DType::F32).unwrap();
    let b = t.show().unwrap();
    assert!(b.svg.is_some() && b.png.is_some());
}

/// The backward step-through: one frame per node in backward()'s order,
/// the current node marked, earlier ones done, and a leaf done only once
/// every gradient it receives has arrived. L = (a*b + a) * 0.5 runs
/// MulBackward0 (by 0.5), AddBackward0, then MulBackward0 (a*b); `a`
/// receives from AddBackward0 and from a*b, so it is done only at the end.
#[test]
fn backward_steps_follow_the_walk() {
    use tinytorch::viz::{GraphKey, Step};
    let (a, b) = (param("a", &[]), param("b", &[]));
    let l = a.mul(&b).unwrap().add(&a).unwrap().mul_scalar(0.5).unwrap();
    let steps = l.backward_steps();
    let what: Vec<&str> = steps.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(
        what,
        [
            "step 1 of 3: MulBackward0 sends the gradient of its output to its 1 input",
            "step 2 of 3: AddBackward0 sends the gradient of its output to its 2 inputs",
            "step 3 of 3: MulBackward0 sends the gradient of its output to its 2 inputs",
        ]
    );
    let state = |k: usize, label: &str| {
        steps[k]
            .1
            .nodes
            .iter()
            .find(|n| n.label == label)
            .and_then(|n| n.step)
            .unwrap()
    };
    let current = |k: usize| -> Vec<String> {
        steps[k]
            .1
            .nodes
            .iter()
            .filter(|n| n.step == Some(Step::Current))
            .map(|n| n.label.clone())
            .collect()
    };
    assert_eq!(current(1), ["AddBackward0"]);
    assert_eq!(
        (state(1, "a"), state(1, "b")),
        (Step::Pending, Step::Pending)
    );
    assert_eq!((state(2, "a"), state(2, "b")), (Step::Done, Step::Done));
    // Every op node keeps its key (the front end names nodes by it).
    assert!(steps[0]
        .1
        .nodes
        .iter()
        .any(|n| matches!(n.key, Some(GraphKey::Node(_)))));
    // A tensor without history has no steps.
    assert!(a.backward_steps().is_empty());
}
