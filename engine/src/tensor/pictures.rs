//! Engine types to pictures: the autograd graph behind a tensor becomes a
//! `viz::GraphView`, a tensor's values a `viz::TensorView`. The renderers in
//! `viz/` know nothing of tensors; this file is the only bridge.

use std::collections::HashMap;
use std::sync::Arc;

use crate::autograd::{Edge, Node};
use crate::viz::{self, GraphKey, GraphNode, GraphView, MimeBundle, TensorView};

fn op_node(n: &Arc<Node>) -> GraphNode {
    let mut g = GraphNode::op(n.name());
    g.key = Some(GraphKey::Node(n.id()));
    g
}
use crate::{Error, Result, Tensor};

impl From<viz::VizError> for Error {
    fn from(e: viz::VizError) -> Self {
        Error::InvalidArgument(e.to_string())
    }
}

fn grad_norm(t: &Tensor) -> Option<f64> {
    let g = t.grad()?;
    let v = g.to_vec_f64().ok()?;
    Some(v.iter().map(|x| x * x).sum::<f64>().sqrt())
}

/// A one-element tensor's value and signed gradient (micrograd's `data`
/// and `grad`).
fn scalar_facts(t: &Tensor, n: &mut GraphNode) {
    if t.numel() != 1 {
        return;
    }
    n.value = t.detach().item().ok();
    n.grad = t.grad().and_then(|g| g.item().ok());
}

fn leaf_node(t: &Tensor) -> GraphNode {
    let label = t.name().unwrap_or_else(|| {
        if t.is_parameter() {
            "parameter".into()
        } else {
            "tensor".into()
        }
    });
    let mut n = GraphNode::leaf(label, t.shape(), t.dtype().name(), t.requires_grad());
    n.grad_norm = grad_norm(t);
    n.key = Some(GraphKey::Tensor(t.id()));
    scalar_facts(t, &mut n);
    n
}

impl Tensor {
    /// The autograd graph that produced this tensor, as plain data: one op
    /// node per `grad_fn` (PyTorch's names), one node per leaf that requires
    /// grad (its name, shape, dtype and, after backward, gradient norm), and
    /// this tensor itself as the root.
    pub fn graph_view(&self) -> GraphView {
        let mut nodes: Vec<GraphNode> = Vec::new();
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut op_index: HashMap<u64, usize> = HashMap::new();
        let mut leaf_index: HashMap<u64, usize> = HashMap::new();
        let label = self.name().unwrap_or_else(|| "output".into());
        let mut root = GraphNode::tensor(label, self.shape(), self.dtype().name());
        root.grad_norm = grad_norm(self);
        root.key = Some(GraphKey::Tensor(self.id()));
        scalar_facts(self, &mut root);
        let Some(fun) = self.grad_fn() else {
            let only = if self.requires_grad() {
                leaf_node(self)
            } else {
                root
            };
            return GraphView::new(vec![only], vec![], 0);
        };
        nodes.push(root);
        let mut stack: Vec<(Arc<Node>, usize)> = Vec::new();
        nodes.push(op_node(&fun));
        op_index.insert(fun.id(), 1);
        edges.push((1, 0));
        stack.push((fun, 1));
        while let Some((node, at)) = stack.pop() {
            for e in node.inputs() {
                let from = match e {
                    Edge::None => continue,
                    Edge::Node(n) => match op_index.get(&n.id()) {
                        Some(&i) => i,
                        None => {
                            nodes.push(op_node(n));
                            let i = nodes.len() - 1;
                            op_index.insert(n.id(), i);
                            stack.push((n.clone(), i));
                            i
                        }
                    },
                    Edge::Leaf(t) => *leaf_index.entry(t.id()).or_insert_with(|| {
                        nodes.push(leaf_node(t));
                        nodes.len() - 1
                    }),
                };
                edges.push((from, at));
            }
        }
        GraphView::new(nodes, edges, 0)
    }

    /// The backward pass step by step: for each autograd node in the order
    /// `backward()` runs them, a description and the graph with that node
    /// current, the ones before it done (and the leaves whose gradients
    /// have all arrived) and the rest pending. Empty without a graph.
    pub fn backward_steps(&self) -> Vec<(String, GraphView)> {
        let Some(root) = self.grad_fn() else {
            return Vec::new();
        };
        let base = self.graph_view();
        let order = crate::autograd::topo_order(&root);
        let rank: HashMap<u64, usize> =
            order.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
        // Index of each op node in the view, and the ops each leaf feeds.
        let op_step = |n: &GraphNode| match n.key {
            Some(GraphKey::Node(id)) => rank.get(&id).copied(),
            _ => None,
        };
        let mut feeds: Vec<Vec<usize>> = vec![Vec::new(); base.nodes.len()];
        for &(a, b) in &base.edges {
            if let Some(s) = base.nodes.get(b).and_then(op_step) {
                feeds[a].push(s);
            }
        }
        order
            .iter()
            .enumerate()
            .map(|(k, node)| {
                let mut v = base.clone();
                for (i, n) in v.nodes.iter_mut().enumerate() {
                    n.step = Some(match op_step(n) {
                        Some(s) if s < k => viz::Step::Done,
                        Some(s) if s == k => viz::Step::Current,
                        Some(_) => viz::Step::Pending,
                        None if i == v.root => viz::Step::Done,
                        None if !feeds[i].is_empty() && feeds[i].iter().all(|&s| s <= k) => {
                            viz::Step::Done
                        }
                        None => viz::Step::Pending,
                    });
                }
                let inputs = node
                    .inputs()
                    .iter()
                    .filter(|e| !matches!(e, Edge::None))
                    .count();
                let what = format!(
                    "step {} of {}: {} sends the gradient of its output to its {} input{}",
                    k + 1,
                    order.len(),
                    node.name(),
                    inputs,
                    if inputs == 1 { "" } else { "s" }
                );
                (what, v)
            })
            .collect()
    }

    /// `graph(t)`: the computation graph as SVG, PNG and a text tree (in
    /// evcxr, the bundle as a cell's value shows the picture).
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let w = Tensor::randn(&[3, 2])?.requires_grad_(true)?;
    /// let loss = Tensor::ones(&[4, 3])?.matmul(&w)?.relu()?.mean()?;
    /// let g = loss.graph()?;
    /// assert!(g.svg.unwrap().contains("MeanBackward0") && g.png.is_some());
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn graph(&self) -> Result<MimeBundle> {
        Ok(viz::graph(&self.graph_view())?)
    }

    /// The values as a `viz::TensorView` (float32), titled with the name.
    pub fn tensor_view(&self) -> Result<TensorView> {
        let mut v = TensorView::new(self.shape(), self.detach().to_vec_f32()?);
        v.title = self.name();
        Ok(v)
    }

    /// `show(t)`: heatmap, image grid, bars or slices, as SVG and PNG.
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let heat = Tensor::new([[0f32, 1.], [2., 3.]])?.show()?;
    /// assert!(heat.svg.unwrap().contains("<title>[1, 0] = 2</title>") && heat.png.is_some());
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn show(&self) -> Result<MimeBundle> {
        Ok(viz::show(&self.tensor_view()?)?)
    }

    /// A 2-D tensor of at most 20 x 20 values as an HTML table, captioned
    /// with shape, dtype and the autograd facts the repr shows; `None` for
    /// other tensors.
    pub fn html_table(&self) -> Option<String> {
        let side = viz::tensor::text::MAX_TABLE_SIDE;
        let s = self.shape();
        if s.len() != 2 || s[0] > side || s[1] > side || s[0] * s[1] == 0 {
            return None;
        }
        let values = self.detach().to_vec_f64().ok()?;
        let cells: Vec<String> = values
            .iter()
            .map(|&v| match self.dtype() {
                crate::DType::Bool => if v != 0.0 { "True" } else { "False" }.to_string(),
                d if d.is_float() => viz::format_value(v),
                _ => format!("{}", v as i64),
            })
            .collect();
        let autograd = match self.grad_fn() {
            Some(n) => format!(", grad_fn=<{}>", n.name()),
            None if self.requires_grad() => ", requires_grad=True".to_string(),
            None => String::new(),
        };
        let caption = format!(
            "tensor of shape ({}, {}), {}{autograd}",
            s[0],
            s[1],
            self.dtype().name()
        );
        Some(viz::tensor::text::html_table(&caption, s[0], s[1], &cells))
    }

    /// What a tensor shows as a notebook cell's value: `repr` (PyTorch's,
    /// or the caller's print options) as text, and as HTML the table of a
    /// small 2-D tensor, else the repr in a `<pre>`. No picture: that is
    /// [`Tensor::show`]'s job.
    pub fn display_bundle(&self, repr: String) -> MimeBundle {
        let html = self
            .html_table()
            .unwrap_or_else(|| format!("<pre>{}</pre>", viz::escape_xml(&repr)));
        MimeBundle::text(repr).with_html(html)
    }

    /// evcxr's display hook: a tensor as a cell's value shows its PyTorch
    /// repr and, when small and 2-D, a table ([`Tensor::display_bundle`]).
    pub fn evcxr_display(&self) {
        let text = self.repr().unwrap_or_else(|e| format!("<tensor: {e}>"));
        self.display_bundle(text).evcxr_display();
    }
}
