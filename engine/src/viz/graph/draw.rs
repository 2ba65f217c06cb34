//! Draws a laid-out [`GraphView`] into a [`Scene`]: boxes per node kind,
//! curved edges with arrow heads, gradient badges on a vanishing ->
//! exploding colour scale (the signed gradient of a one-element tensor,
//! else the norm; an exact zero in grey), one-element values as
//! micrograd's `data`, the variable an op's result went to, and a legend
//! of what is present.
//!
//! Graphs above [`MAX_DRAWN_NODES`] are cut to the nodes nearest the root,
//! with a note saying how many were left out. Knows the scene and the layout,
//! not how either becomes SVG or PNG.

use super::layout::{layout, LayoutInput};
use super::{GraphNode, GraphView, NodeKind};
use crate::viz::color::{self, Rgb};
use crate::viz::font::text_width;
use crate::viz::format_value;
use crate::viz::scene::{Anchor, Item, Scene, Stroke};
use std::collections::VecDeque;

/// Larger graphs are cut to this many nodes nearest the root.
pub const MAX_DRAWN_NODES: usize = 300;

const LABEL_SIZE: f64 = 13.0;
const DETAIL_SIZE: f64 = 11.0;
const PAD_X: f64 = 10.0;
const LINE_H: f64 = 16.0;
const BADGE_H: f64 = 16.0;
const ARROW: f64 = 7.0;
const EDGE: Rgb = Rgb(90, 90, 90);
const OUTPUT_STROKE: Rgb = Rgb(46, 125, 50);
/// The node running now, in a backward step-through.
const CURRENT_STROKE: Rgb = Rgb(230, 120, 0);

/// Fill and border of a node box.
fn palette(node: &GraphNode) -> (Rgb, Rgb) {
    if node.step == Some(super::Step::Pending) {
        return (Rgb(248, 249, 250), Rgb(200, 200, 200));
    }
    match node.kind {
        NodeKind::Op => (Rgb(233, 236, 239), Rgb(108, 117, 125)),
        NodeKind::Leaf if node.requires_grad => (Rgb(207, 226, 255), Rgb(61, 111, 182)),
        NodeKind::Leaf => (Rgb::WHITE, Rgb(150, 150, 150)),
        NodeKind::Tensor => (Rgb(255, 241, 194), Rgb(201, 162, 39)),
    }
}

fn detail(node: &GraphNode) -> String {
    if node.dtype.is_empty() {
        node.shape_text()
    } else {
        format!("{} {}", node.shape_text(), node.dtype)
    }
}

/// The lines under a node's label: shape and dtype for tensors, the value
/// of a one-element tensor, and for an op the variable holding its result.
fn detail_lines(node: &GraphNode) -> Vec<String> {
    let mut lines = Vec::new();
    if node.is_tensor() {
        lines.push(detail(node));
    }
    match (&node.caption, node.value) {
        (Some(c), Some(v)) => lines.push(format!("{c} = {}", format_value(v))),
        (Some(c), None) => lines.push(c.clone()),
        (None, Some(v)) => lines.push(format!("data {}", format_value(v))),
        (None, None) => {}
    }
    lines
}

/// The gradient a badge shows: the signed value of a one-element tensor's,
/// else the norm; None before backward.
fn badge(node: &GraphNode) -> Option<(String, Rgb)> {
    let (text, size) = match (node.grad, node.grad_norm) {
        (Some(g), _) => (format!("grad {}", format_value(g)), g.abs()),
        (None, Some(n)) => (format!("‖grad‖ {}", format_value(n)), n),
        (None, None) => return None,
    };
    // An exact zero is no gradient at all, not a vanishing one.
    let c = if size == 0.0 {
        color::NO_GRAD
    } else {
        color::grad_norm(size)
    };
    Some((text, c))
}

fn tooltip(node: &GraphNode) -> String {
    let mut t = node.label.clone();
    if node.is_tensor() {
        t.push_str(&format!(": {}", detail(node)));
    }
    if node.requires_grad && node.kind == NodeKind::Leaf {
        t.push_str(", requires_grad");
    }
    if let Some(v) = node.value {
        t.push_str(&format!(", data {}", format_value(v)));
    }
    if let Some(g) = node.grad {
        t.push_str(&format!(", grad {}", format_value(g)));
    } else if let Some(g) = node.grad_norm {
        t.push_str(&format!(", grad norm {}", format_value(g)));
    }
    t
}

/// Width and height of a node's box.
fn box_size(node: &GraphNode) -> (f64, f64) {
    let mut w = text_width(&node.label, LABEL_SIZE);
    let mut h = LINE_H + 12.0;
    for line in detail_lines(node) {
        w = w.max(text_width(&line, DETAIL_SIZE));
        h += LINE_H - 2.0;
    }
    if let Some((text, _)) = badge(node) {
        w = w.max(text_width(&text, DETAIL_SIZE));
        h += BADGE_H;
    }
    (w + 2.0 * PAD_X, h)
}

/// Keeps the `max` nodes nearest the root (breadth-first along inputs);
/// returns the smaller graph and how many nodes were left out.
pub fn truncate(g: &GraphView, max: usize) -> (GraphView, usize) {
    let n = g.nodes.len();
    if n <= max {
        return (g.clone(), 0);
    }
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &g.edges {
        if a < n && b < n {
            ins[b].push(a);
        }
    }
    let mut keep = vec![usize::MAX; n];
    let mut kept = Vec::with_capacity(max);
    let mut queue = VecDeque::from([g.root.min(n - 1)]);
    while let Some(v) = queue.pop_front() {
        if keep[v] != usize::MAX || kept.len() == max {
            continue;
        }
        keep[v] = kept.len();
        kept.push(v);
        queue.extend(ins[v].iter().copied().filter(|&u| keep[u] == usize::MAX));
    }
    let nodes = kept.iter().map(|&v| g.nodes[v].clone()).collect();
    let edges = g
        .edges
        .iter()
        .filter(|&&(a, b)| a < n && b < n && keep[a] != usize::MAX && keep[b] != usize::MAX)
        .map(|&(a, b)| (keep[a], keep[b]))
        .collect();
    (GraphView::new(nodes, edges, 0), n - kept.len())
}

/// The scene of a graph. The graph must be valid (see `GraphView::validate`);
/// out-of-range edges are skipped rather than trusted.
pub fn draw(g: &GraphView) -> Scene {
    if g.nodes.is_empty() {
        let mut s = Scene::new(220.0, 60.0);
        s.text(110.0, 35.0, "empty graph", LABEL_SIZE, Anchor::Middle);
        return s;
    }
    let (g, hidden) = truncate(g, MAX_DRAWN_NODES);
    let sizes: Vec<(f64, f64)> = g.nodes.iter().map(box_size).collect();
    let edges = g.distinct_edges();
    let lay = layout(&LayoutInput {
        sizes: &sizes,
        edges: &edges,
        root: g.root,
    });
    let top = if hidden > 0 { 24.0 } else { 0.0 };
    let legend = Legend::of(&g);
    let width = lay.width.max(legend.width() + 32.0);
    let dx = (width - lay.width) / 2.0;
    let mut s = Scene::new(width, top + lay.height + legend.height());
    if hidden > 0 {
        let note = format!("… {hidden} more nodes above, not drawn");
        s.text(16.0, 18.0, note, DETAIL_SIZE, Anchor::Start);
    }
    let at = |p: (f64, f64)| (p.0 + dx, p.1 + top);
    for r in &lay.routes {
        let pts: Vec<(f64, f64)> = r.points.iter().map(|&p| at(p)).collect();
        draw_edge(&mut s, &pts, sizes[r.from].1, sizes[r.to].1);
    }
    for (v, node) in g.nodes.iter().enumerate() {
        let (cx, cy) = at(lay.centers[v]);
        draw_node(&mut s, node, (cx, cy), sizes[v], v == g.root);
    }
    legend.draw(&mut s, 16.0, top + lay.height);
    s
}

/// A vertical-tangent cubic through the route, from the source's bottom
/// edge to the target's top edge, ending in an arrow head.
fn draw_edge(s: &mut Scene, pts: &[(f64, f64)], h_from: f64, h_to: f64) {
    if pts.len() < 2 {
        return;
    }
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let dir = if last.1 >= first.1 { 1.0 } else { -1.0 };
    let mut p: Vec<(f64, f64)> = pts.to_vec();
    p[0].1 += dir * h_from / 2.0;
    let tip = (last.0, last.1 - dir * h_to / 2.0);
    let n = p.len();
    p[n - 1] = (tip.0, tip.1 - dir * ARROW);
    let segments = p
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let dy = (b.1 - a.1) / 2.0;
            [(a.0, a.1 + dy), (b.0, b.1 - dy), b]
        })
        .collect();
    s.push(Item::Curve {
        start: p[0],
        segments,
        stroke: Stroke::new(EDGE, 1.3),
        class: "edge",
    });
    let base = tip.1 - dir * ARROW;
    s.push(Item::Polygon {
        points: vec![tip, (tip.0 - 4.0, base), (tip.0 + 4.0, base)],
        fill: EDGE,
    });
}

fn draw_node(
    s: &mut Scene,
    node: &GraphNode,
    (cx, cy): (f64, f64),
    (w, h): (f64, f64),
    root: bool,
) {
    let (fill, border) = palette(node);
    let (x, y) = (cx - w / 2.0, cy - h / 2.0);
    let stroke = if node.step == Some(super::Step::Current) {
        Stroke::new(CURRENT_STROKE, 3.5)
    } else if root {
        Stroke::new(OUTPUT_STROKE, 2.5)
    } else {
        Stroke::new(border, 1.2)
    };
    let mut items = vec![Item::Rect {
        x,
        y,
        w,
        h,
        radius: if node.kind == NodeKind::Op { 8.0 } else { 3.0 },
        fill: Some(fill),
        stroke: Some(stroke),
        tip: None,
    }];
    let text = |t: String, yy: f64, size: f64, color: Rgb| Item::Text {
        x: cx,
        y: yy,
        text: t,
        size,
        color,
        anchor: Anchor::Middle,
    };
    items.push(text(
        node.label.clone(),
        y + 19.0,
        LABEL_SIZE,
        Rgb(20, 20, 20),
    ));
    for (i, line) in detail_lines(node).into_iter().enumerate() {
        let yy = y + 34.0 + i as f64 * (LINE_H - 2.0);
        items.push(text(line, yy, DETAIL_SIZE, Rgb(70, 70, 70)));
    }
    if let Some((badge_text, c)) = badge(node) {
        let by = y + h - BADGE_H - 2.0;
        items.push(Item::Rect {
            x: x + 2.0,
            y: by,
            w: w - 4.0,
            h: BADGE_H,
            radius: 2.0,
            fill: Some(c),
            stroke: None,
            tip: None,
        });
        items.push(text(badge_text, by + 12.0, DETAIL_SIZE, c.text_on()));
    }
    s.push(Item::Group {
        class: "node",
        tip: Some(tooltip(node)),
        items,
    });
}

/// The legend under the graph: node kinds present, and the gradient-norm
/// scale when any node has a gradient norm.
struct Legend {
    kinds: Vec<(GraphNode, &'static str)>,
    grads: bool,
    /// A backward step-through frame: "running now" and "waiting" swatches.
    steps: bool,
}

const SWATCH: f64 = 14.0;
const GRAD_BAR_W: f64 = 240.0;

impl Legend {
    fn of(g: &GraphView) -> Self {
        let samples = [
            (GraphNode::op("op"), "operation"),
            (GraphNode::leaf("w", &[], "", true), "leaf, requires grad"),
            (GraphNode::leaf("x", &[], "", false), "leaf"),
            (GraphNode::tensor("t", &[], ""), "retained tensor"),
        ];
        let kinds = samples
            .into_iter()
            .filter(|(s, _)| {
                g.nodes.iter().any(|n| {
                    n.kind == s.kind
                        && (n.kind != NodeKind::Leaf || n.requires_grad == s.requires_grad)
                })
            })
            .collect();
        let grads = g.nodes.iter().any(|n| n.grad_norm.is_some());
        let steps = g.nodes.iter().any(|n| n.step.is_some());
        Self {
            kinds,
            grads,
            steps,
        }
    }

    const STEP_NAMES: [&'static str; 2] = ["running now", "waiting"];

    fn row_width(&self) -> f64 {
        let steps: &[&str] = if self.steps { &Self::STEP_NAMES } else { &[] };
        let items: f64 = self
            .kinds
            .iter()
            .map(|(_, name)| *name)
            .chain(steps.iter().copied())
            .map(|name| SWATCH + 6.0 + text_width(name, DETAIL_SIZE) + 18.0)
            .sum();
        items + SWATCH + 6.0 + text_width("output", DETAIL_SIZE)
    }

    fn width(&self) -> f64 {
        let grad = if self.grads {
            GRAD_BAR_W + text_width("‖grad‖  ", DETAIL_SIZE) + 60.0
        } else {
            0.0
        };
        self.row_width().max(grad)
    }

    fn height(&self) -> f64 {
        if self.grads {
            70.0
        } else {
            30.0
        }
    }

    fn draw(&self, s: &mut Scene, x0: f64, y0: f64) {
        let mut x = x0;
        let y = y0 + 4.0;
        let swatch = |s: &mut Scene, x: &mut f64, fill: Rgb, stroke: Stroke, name: &str| {
            s.rect(*x, y, SWATCH, SWATCH, Some(fill), Some(stroke));
            s.text(
                *x + SWATCH + 6.0,
                y + 11.0,
                name,
                DETAIL_SIZE,
                Anchor::Start,
            );
            *x += SWATCH + 6.0 + text_width(name, DETAIL_SIZE) + 18.0;
        };
        for (sample, name) in &self.kinds {
            let (fill, border) = palette(sample);
            swatch(s, &mut x, fill, Stroke::new(border, 1.2), name);
        }
        if self.steps {
            let [now, waiting] = Self::STEP_NAMES;
            swatch(s, &mut x, Rgb::WHITE, Stroke::new(CURRENT_STROKE, 3.0), now);
            swatch(
                s,
                &mut x,
                Rgb(248, 249, 250),
                Stroke::new(Rgb(200, 200, 200), 1.2),
                waiting,
            );
        }
        swatch(
            s,
            &mut x,
            Rgb::WHITE,
            Stroke::new(OUTPUT_STROKE, 2.5),
            "output",
        );
        if !self.grads {
            return;
        }
        let y = y0 + 30.0;
        s.text(x0, y + 11.0, "‖grad‖", DETAIL_SIZE, Anchor::Start);
        let bx = x0 + text_width("‖grad‖  ", DETAIL_SIZE);
        let steps = 48;
        let (lo, hi) = color::GRAD_LOG10_RANGE;
        for i in 0..steps {
            let t = (f64::from(i) + 0.5) / f64::from(steps);
            let norm = 10f64.powf(lo + t * (hi - lo));
            let w = GRAD_BAR_W / f64::from(steps);
            s.rect(
                bx + f64::from(i) * w,
                y,
                w + 0.5,
                12.0,
                Some(color::grad_norm(norm)),
                None,
            );
        }
        for (e, label) in [
            (lo, "1e-8 vanishing"),
            (-2.0, "1e-2"),
            (1.0, "10"),
            (hi, "1e4 exploding"),
        ] {
            let tx = bx + (e - lo) / (hi - lo) * GRAD_BAR_W;
            s.push(Item::Line {
                points: vec![(tx, y + 12.0), (tx, y + 16.0)],
                stroke: Stroke::new(Rgb(60, 60, 60), 1.0),
            });
            s.text(tx, y + 28.0, label, DETAIL_SIZE - 1.0, Anchor::Middle);
        }
    }
}

/// The on-screen scale for the SVG: large drawings shrink to fit a notebook
/// column (down to 60 %), small ones stay at their natural size.
pub fn display_scale(scene: &Scene) -> f64 {
    (1400.0 / scene.width).clamp(0.6, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_sign_scalars_and_grey_out_zero() {
        let mut n = GraphNode::leaf("a", &[], "float32", true).with_grad_norm(3.0);
        n.grad = Some(-3.0);
        n.value = Some(2.0);
        assert_eq!(badge(&n).map(|b| b.0), Some("grad -3".into()));
        assert_eq!(detail_lines(&n), ["[] float32", "data 2"]);
        let z = GraphNode::leaf("z", &[3], "float32", true).with_grad_norm(0.0);
        assert_eq!(badge(&z), Some(("‖grad‖ 0".into(), color::NO_GRAD)));
        assert_ne!(
            color::grad_norm(1e-9),
            color::NO_GRAD,
            "vanishing is not zero"
        );
        let mut op = GraphNode::op("MulBackward0");
        op.caption = Some("c".into());
        op.value = Some(-6.0);
        assert_eq!(detail_lines(&op), ["c = -6"]);
    }

    #[test]
    fn truncation_keeps_the_nodes_nearest_the_root() {
        // A chain 0 -> 1 -> ... -> 9 with root 9.
        let nodes = (0..10).map(|i| GraphNode::op(format!("Op{i}"))).collect();
        let edges = (0..9).map(|i| (i, i + 1)).collect();
        let (g, hidden) = truncate(&GraphView::new(nodes, edges, 9), 4);
        assert_eq!(hidden, 6);
        assert_eq!(g.nodes[0].label, "Op9");
        assert_eq!(g.edges.len(), 3);
    }

    #[test]
    fn boxes_grow_with_gradient_badges() {
        let a = box_size(&GraphNode::leaf("w", &[3, 4], "float32", true));
        let b = box_size(&GraphNode::leaf("w", &[3, 4], "float32", true).with_grad_norm(0.5));
        assert!(b.1 > a.1);
        assert!(box_size(&GraphNode::op("MmBackward0")).1 < a.1);
    }
}
