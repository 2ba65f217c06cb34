//! Known inputs for the renderers, shared by the gallery, the benchmark, the
//! tests and documentation: graphs shaped like what autograd builds for an
//! MLP, loss curves, and tensors with structure worth looking at. Built from
//! the viz data model only (no engine types), deterministic (a fixed-seed
//! generator), so pictures and golden files do not drift.

use super::chart::Series;
use super::graph::{GraphNode, GraphView};
use super::tensor::TensorView;

/// A tiny deterministic generator (64-bit LCG, top bits) for sample noise.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Self(
            seed.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        )
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal (sum of four uniforms, rescaled).
    pub fn normal(&mut self) -> f64 {
        let s: f64 = (0..4).map(|_| self.next_f64()).sum();
        (s - 2.0) * 3f64.sqrt()
    }
}

/// Incrementally builds a graph with named node indices.
struct Builder {
    nodes: Vec<GraphNode>,
    edges: Vec<(usize, usize)>,
}

impl Builder {
    fn node(&mut self, n: GraphNode, inputs: &[usize]) -> usize {
        let id = self.nodes.len();
        self.nodes.push(n);
        self.edges.extend(inputs.iter().map(|&i| (i, id)));
        id
    }

    /// `nn.Linear` as autograd records it: `AddmmBackward0(b, input, TBackward0(w))`.
    fn linear(
        &mut self,
        input: usize,
        name: &str,
        fan: (usize, usize),
        grads: Option<(f64, f64)>,
    ) -> usize {
        let mut w = GraphNode::leaf(format!("{name}.weight"), &[fan.1, fan.0], "float32", true);
        let mut b = GraphNode::leaf(format!("{name}.bias"), &[fan.1], "float32", true);
        if let Some((gw, gb)) = grads {
            w = w.with_grad_norm(gw);
            b = b.with_grad_norm(gb);
        }
        let b = self.node(b, &[]);
        let w = self.node(w, &[]);
        let t = self.node(GraphNode::op("TBackward0"), &[w]);
        self.node(GraphNode::op("AddmmBackward0"), &[b, input, t])
    }
}

/// `loss = mse(fc2(relu(fc1(x))), y)` for a batch of 4, 3 -> 8 -> 1, with
/// gradient norms as after `backward()` when `grads` is set. 13 nodes.
pub fn mlp_graph(grads: bool) -> GraphView {
    let mut g = Builder {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let x = g.node(GraphNode::leaf("x", &[4, 3], "float32", false), &[]);
    let g1 = grads.then_some((0.034, 0.012));
    let h = g.linear(x, "fc1", (3, 8), g1);
    let r = g.node(GraphNode::op("ReluBackward0"), &[h]);
    let g2 = grads.then_some((0.41, 0.2));
    let o = g.linear(r, "fc2", (8, 1), g2);
    let y = g.node(GraphNode::leaf("y", &[4, 1], "float32", false), &[]);
    let l = g.node(GraphNode::op("MseLossBackward0"), &[o, y]);
    let mut out = GraphNode::tensor("loss", &[], "float32");
    if grads {
        out = out.with_grad_norm(1.0);
    }
    let loss = g.node(out, &[l]);
    GraphView::new(g.nodes, g.edges, loss)
}

/// A 9-layer tanh MLP (50 nodes) whose gradient norms shrink ten-fold per
/// layer towards the input: vanishing gradients, as the picture should show.
pub fn deep_mlp_graph() -> GraphView {
    let mut g = Builder {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let mut h = g.node(GraphNode::leaf("x", &[16, 32], "float32", false), &[]);
    let layers = 9i32;
    for i in 0..layers {
        let norm = 10f64.powi(i - layers + 1) * 0.5;
        let a = g.linear(
            h,
            &format!("layers.{i}"),
            (32, 32),
            Some((norm, norm * 0.3)),
        );
        h = g.node(GraphNode::op("TanhBackward0"), &[a]);
        if i == 4 {
            let t = GraphNode::tensor("h4", &[16, 32], "float32").with_grad_norm(norm * 2.0);
            h = g.node(t, &[h]);
        }
    }
    let y = g.node(GraphNode::leaf("target", &[16, 32], "float32", false), &[]);
    let l = g.node(GraphNode::op("MseLossBackward0"), &[h, y]);
    let loss = g.node(
        GraphNode::tensor("loss", &[], "float32").with_grad_norm(1.0),
        &[l],
    );
    GraphView::new(g.nodes, g.edges, loss)
}

/// Noisy, decaying train and validation loss curves of `n` steps.
pub fn loss_curves(n: usize) -> Vec<Series> {
    let mut rng = Lcg::new(7);
    let train: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / n.max(1) as f64;
            2.3 * (-4.0 * t).exp() + 0.08 + 0.05 * rng.normal().abs() * (1.0 - 0.7 * t)
        })
        .collect();
    let every = (n / 20).max(1);
    let (vx, vy): (Vec<f64>, Vec<f64>) = (0..n)
        .step_by(every)
        .map(|i| {
            let t = i as f64 / n.max(1) as f64;
            (i as f64, 2.3 * (-3.5 * t).exp() + 0.15 + 0.1 * t)
        })
        .unzip();
    vec![
        Series::from_ys("train", &train),
        Series::new("val", &vx, &vy),
    ]
}

/// A signed 5 x 7 matrix, small enough for values in the cells.
pub fn small_matrix() -> TensorView {
    let v = (0..35)
        .map(|i| ((i as f32) * 0.7).sin() * 2.0 - 0.3)
        .collect();
    TensorView::new(&[5, 7], v).with_title("w")
}

/// A 96 x 96 smooth field (drawn as a raster).
pub fn large_matrix() -> TensorView {
    let n = 96;
    let v = (0..n * n)
        .map(|k| {
            let (r, c) = ((k / n) as f32 / 12.0, (k % n) as f32 / 12.0);
            r.sin() * c.cos() + 0.3 * (r * c / 8.0).sin()
        })
        .collect();
    TensorView::new(&[n, n], v).with_title("activations")
}

/// `n` greyscale 28 x 28 images of rings and bars, in [0, 1].
pub fn image_batch(n: usize) -> TensorView {
    let mut v = Vec::with_capacity(n * 28 * 28);
    for i in 0..n {
        for r in 0..28 {
            for c in 0..28 {
                let (y, x) = (r as f32 - 13.5, c as f32 - 13.5);
                let ring = ((x * x + y * y).sqrt() - 4.0 - i as f32 % 6.0).abs() < 1.6;
                let bar = (i % 3 == 0) && (x - y * (i as f32 * 0.3).sin()).abs() < 1.2;
                v.push(if ring || bar { 1.0 } else { 0.05 });
            }
        }
    }
    TensorView::new(&[n, 1, 28, 28], v).with_title("batch")
}

/// `n` RGB 16 x 16 gradients, in [0, 1].
pub fn rgb_batch(n: usize) -> TensorView {
    let p = 16 * 16;
    let mut v = vec![0.0f32; n * 3 * p];
    for i in 0..n {
        for k in 0..p {
            let (r, c) = ((k / 16) as f32 / 15.0, (k % 16) as f32 / 15.0);
            let base = i * 3 * p;
            v[base + k] = r;
            v[base + p + k] = c;
            v[base + 2 * p + k] = (i as f32 / n.max(1) as f32 + r * c) % 1.0;
        }
    }
    TensorView::new(&[n, 3, 16, 16], v).with_title("rgb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_valid_and_sized_as_documented() {
        assert_eq!(mlp_graph(true).nodes.len(), 13);
        assert_eq!(deep_mlp_graph().nodes.len(), 50);
        mlp_graph(false).validate().unwrap();
        deep_mlp_graph().validate().unwrap();
        for t in [small_matrix(), large_matrix(), image_batch(3), rgb_batch(2)] {
            t.validate().unwrap();
        }
        let mut a = Lcg::new(1);
        let u = a.next_f64();
        assert!((0.0..1.0).contains(&u));
    }
}
