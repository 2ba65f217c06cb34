//! The text fallback for graphs: an indented tree from the root down through
//! each node's inputs, as `grad_fn.next_functions` reads.
//!
//! ```text
//! MmBackward0
//! ├─ AccumulateGrad w [3, 4] float32 grad‖·‖=0.12
//! └─ x [2, 3] float32
//! ```
//! A node reached a second time is printed once more with `(see above)` and
//! not expanded again, so shared sub-graphs cannot blow up the output. Walks
//! with an explicit stack; knows nothing of drawing.

use super::{GraphNode, GraphView, NodeKind};
use crate::viz::format_value;

/// Lines printed at most; the rest is summarised in one line.
pub const MAX_LINES: usize = 400;

/// One node on one line.
pub fn describe(node: &GraphNode) -> String {
    let mut s = match node.kind {
        NodeKind::Op => node.label.clone(),
        NodeKind::Leaf if node.requires_grad => format!("AccumulateGrad {}", node.label),
        _ => node.label.clone(),
    };
    if node.is_tensor() {
        s.push(' ');
        s.push_str(&node.shape_text());
        if !node.dtype.is_empty() {
            s.push(' ');
            s.push_str(&node.dtype);
        }
    }
    if node.kind == NodeKind::Tensor {
        s.push_str(" (retains grad)");
    }
    match (&node.caption, node.value) {
        (Some(c), Some(v)) => s.push_str(&format!(" -> {c} = {}", format_value(v))),
        (Some(c), None) => s.push_str(&format!(" -> {c}")),
        (None, Some(v)) => s.push_str(&format!(" data={}", format_value(v))),
        (None, None) => {}
    }
    if let Some(g) = node.grad {
        s.push_str(&format!(" grad={}", format_value(g)));
    } else if let Some(g) = node.grad_norm {
        s.push_str(&format!(" grad‖·‖={}", format_value(g)));
    }
    match node.step {
        Some(super::Step::Current) => s.push_str("  <== now"),
        Some(super::Step::Pending) => s.push_str("  (waiting)"),
        _ => {}
    }
    s
}

/// The whole tree as text, one line per node visit, no trailing newline.
pub fn tree(g: &GraphView) -> String {
    let n = g.nodes.len();
    if n == 0 {
        return "empty graph".into();
    }
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, b) in g.distinct_edges() {
        if a < n && b < n {
            ins[b].push(a);
        }
    }
    let root = g.root.min(n - 1);
    let mut lines: Vec<String> = Vec::new();
    let mut seen = vec![false; n];
    let mut skipped = 0usize;
    // (node, prefix for its own line, prefix for its children)
    let mut stack = vec![(root, String::new(), String::new())];
    while let Some((v, lead, child_lead)) = stack.pop() {
        if lines.len() >= MAX_LINES {
            skipped += 1;
            continue;
        }
        if seen[v] {
            lines.push(format!("{lead}{} (see above)", describe(&g.nodes[v])));
            continue;
        }
        seen[v] = true;
        lines.push(format!("{lead}{}", describe(&g.nodes[v])));
        let kids = &ins[v];
        for (i, &u) in kids.iter().enumerate().rev() {
            let last = i + 1 == kids.len();
            let (branch, cont) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            stack.push((
                u,
                format!("{child_lead}{branch}"),
                format!("{child_lead}{cont}"),
            ));
        }
    }
    if skipped > 0 {
        lines.push(format!("… (cut at {MAX_LINES} lines)"));
    }
    let unreachable = seen.iter().filter(|s| !**s).count();
    if unreachable > 0 && skipped == 0 {
        lines.push(format!("({unreachable} nodes not reachable from the root)"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_inputs_print_once_then_refer_back() {
        // y = x * x: MulBackward0 with the same input twice plus a leaf.
        let g = GraphView::new(
            vec![
                GraphNode::op("AddBackward0"),
                GraphNode::op("MulBackward0"),
                GraphNode::leaf("x", &[2], "float32", true).with_grad_norm(0.5),
            ],
            vec![(2, 1), (1, 0), (2, 0)],
            0,
        );
        assert_eq!(
            tree(&g),
            "AddBackward0\n\
             ├─ MulBackward0\n\
             │  └─ AccumulateGrad x [2] float32 grad‖·‖=0.5\n\
             └─ AccumulateGrad x [2] float32 grad‖·‖=0.5 (see above)"
        );
    }

    #[test]
    fn long_chains_are_capped_without_recursion() {
        let n = 100_000;
        let nodes = (0..n).map(|_| GraphNode::op("AddBackward0")).collect();
        let edges = (0..n - 1).map(|i| (i + 1, i)).collect();
        let t = tree(&GraphView::new(nodes, edges, 0));
        assert_eq!(t.lines().count(), MAX_LINES + 1);
    }
}
