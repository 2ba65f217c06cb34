//! Computation graphs: the engine-independent [`GraphView`] (what autograd
//! hands over), and [`graph`], which renders it as SVG, PNG and an indented
//! text tree.
//!
//! Direction: data flows downwards. Leaves (parameters, inputs) sit at the
//! top and the root (the loss) at the bottom, as torchviz draws it; reading
//! down follows the forward pass, reading up follows `backward()`. The text
//! tree is the other way round (root first) because a terminal reads from
//! the top and the root is what the user asked about.
//!
//! Knows nothing of `Tensor` or autograd `Node`: the engine builds a
//! `GraphView` from its own graph.

pub mod draw;
pub mod layout;
pub mod tree;

use super::{MimeBundle, Result, VizError};

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A backward function, e.g. `MmBackward0`.
    Op,
    /// A leaf tensor: a parameter or an input.
    Leaf,
    /// A non-leaf tensor kept with `retain_grad()` (or the root's value).
    Tensor,
}

/// One node of a computation graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    pub kind: NodeKind,
    /// PyTorch's op name (`MmBackward0`) or the variable name (`w`).
    pub label: String,
    /// The tensor's shape (empty for scalars; unused for ops).
    pub shape: Vec<usize>,
    /// PyTorch's dtype name, e.g. `float32` (may be empty for ops).
    pub dtype: String,
    pub requires_grad: bool,
    /// The gradient's L2 norm, once `backward()` has run.
    pub grad_norm: Option<f64>,
    /// A one-element tensor's value (micrograd's `data`).
    pub value: Option<f64>,
    /// A one-element tensor's gradient, with its sign.
    pub grad: Option<f64>,
    /// The variable that holds this op's result (`c` for `c = a * b`),
    /// drawn under the op's name.
    pub caption: Option<String>,
    /// What the node stands for, so a front end can name it.
    pub key: Option<GraphKey>,
    /// In a step-through of the backward pass: where this node stands.
    pub step: Option<Step>,
}

/// A node's state in one frame of a backward step-through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Its gradient is not computed yet.
    Pending,
    /// Running now: its output's gradient goes to its inputs.
    Current,
    /// Done (a leaf: every gradient it receives has arrived).
    Done,
}

/// The engine object behind a graph node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphKey {
    /// A tensor (leaf or output), by its id.
    Tensor(u64),
    /// An autograd node, by its id.
    Node(u64),
}

impl GraphNode {
    /// An operation node.
    pub fn op(label: impl Into<String>) -> Self {
        Self {
            kind: NodeKind::Op,
            label: label.into(),
            shape: Vec::new(),
            dtype: String::new(),
            requires_grad: true,
            grad_norm: None,
            value: None,
            grad: None,
            caption: None,
            key: None,
            step: None,
        }
    }

    /// A leaf tensor.
    pub fn leaf(
        label: impl Into<String>,
        shape: &[usize],
        dtype: &str,
        requires_grad: bool,
    ) -> Self {
        Self {
            kind: NodeKind::Leaf,
            label: label.into(),
            shape: shape.to_vec(),
            dtype: dtype.into(),
            requires_grad,
            grad_norm: None,
            value: None,
            grad: None,
            caption: None,
            key: None,
            step: None,
        }
    }

    /// A non-leaf tensor that retains its gradient.
    pub fn tensor(label: impl Into<String>, shape: &[usize], dtype: &str) -> Self {
        Self {
            kind: NodeKind::Tensor,
            label: label.into(),
            shape: shape.to_vec(),
            dtype: dtype.into(),
            requires_grad: true,
            grad_norm: None,
            value: None,
            grad: None,
            caption: None,
            key: None,
            step: None,
        }
    }

    /// The same node with a gradient norm.
    pub fn with_grad_norm(mut self, norm: f64) -> Self {
        self.grad_norm = Some(norm);
        self
    }

    /// `[3, 4]`, as PyTorch prints `torch.Size` contents.
    pub fn shape_text(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(ToString::to_string).collect();
        format!("[{}]", dims.join(", "))
    }

    /// Whether the node shows a shape and dtype (tensors do, ops do not).
    pub fn is_tensor(&self) -> bool {
        self.kind != NodeKind::Op
    }
}

/// A computation graph: nodes, edges from an input to its consumer, and the
/// node the user asked about (usually the loss's `grad_fn`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphView {
    pub nodes: Vec<GraphNode>,
    /// `(input, consumer)` index pairs.
    pub edges: Vec<(usize, usize)>,
    pub root: usize,
}

impl GraphView {
    pub fn new(nodes: Vec<GraphNode>, edges: Vec<(usize, usize)>, root: usize) -> Self {
        Self { nodes, edges, root }
    }

    /// Checks that edges and root name existing nodes (an empty graph is
    /// valid and draws as "empty graph").
    pub fn validate(&self) -> Result<()> {
        let n = self.nodes.len();
        if n == 0 {
            return Ok(());
        }
        if self.root >= n {
            return Err(VizError::InvalidGraph(format!(
                "root {} out of range for {n} nodes",
                self.root
            )));
        }
        if let Some(&(a, b)) = self.edges.iter().find(|&&(a, b)| a >= n || b >= n) {
            return Err(VizError::InvalidGraph(format!(
                "edge ({a}, {b}) out of range for {n} nodes"
            )));
        }
        Ok(())
    }

    /// The distinct edges, self-loops dropped, in first-seen order.
    pub fn distinct_edges(&self) -> Vec<(usize, usize)> {
        let mut seen = std::collections::HashSet::new();
        self.edges
            .iter()
            .copied()
            .filter(|&(a, b)| a != b && seen.insert((a, b)))
            .collect()
    }
}

/// Renders a computation graph: SVG and PNG of the layered drawing, and the
/// indented tree as `text/plain`.
///
/// ```
/// use tinytorch::viz::{graph, GraphNode, GraphView};
/// let g = GraphView::new(
///     vec![GraphNode::leaf("w", &[3], "float32", true), GraphNode::op("SumBackward0")],
///     vec![(0, 1)],
///     1,
/// );
/// let b = graph(&g).unwrap();
/// assert!(b.plain.starts_with("SumBackward0"));
/// ```
pub fn graph(g: &GraphView) -> Result<MimeBundle> {
    g.validate()?;
    let scene = draw::draw(g);
    let png = scene.to_png(1.0)?;
    Ok(MimeBundle::text(tree::tree(g))
        .with_svg(scene.to_svg_scaled(draw::display_scale(&scene)))
        .with_png(png))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_graphs_are_errors_not_panics() {
        let g = GraphView::new(vec![GraphNode::op("A")], vec![(0, 3)], 0);
        assert!(matches!(graph(&g), Err(VizError::InvalidGraph(_))));
        let g = GraphView::new(vec![GraphNode::op("A")], vec![], 7);
        assert!(g.validate().is_err());
    }

    #[test]
    fn shape_text_reads_like_torch() {
        assert_eq!(
            GraphNode::leaf("w", &[3, 4], "float32", true).shape_text(),
            "[3, 4]"
        );
        assert_eq!(
            GraphNode::leaf("s", &[], "float32", true).shape_text(),
            "[]"
        );
    }
}
