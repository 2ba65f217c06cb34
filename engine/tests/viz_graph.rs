//! Computation-graph pictures: what a user sees in the SVG, the PNG and the
//! text tree, and the layout's crossing count on known graphs.

mod viz_common;

use tinytorch::viz::graph::layout::{layout, LayoutInput};
use tinytorch::viz::samples::{deep_mlp_graph, mlp_graph, Lcg};
use tinytorch::viz::{graph, GraphNode, GraphView, VizError};
use viz_common::*;

fn crossings(g: &GraphView) -> usize {
    let sizes = vec![(80.0, 30.0); g.nodes.len()];
    let edges = g.distinct_edges();
    layout(&LayoutInput {
        sizes: &sizes,
        edges: &edges,
        root: g.root,
    })
    .crossings
}

#[test]
fn mlp_graph_shows_ops_leaves_shapes_and_every_edge() {
    let g = mlp_graph(false);
    let b = graph(&g).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let t = texts(&doc);
    for label in [
        "AddmmBackward0",
        "TBackward0",
        "ReluBackward0",
        "MseLossBackward0",
        "fc1.weight",
        "fc2.bias",
        "x",
    ] {
        assert!(t.iter().any(|s| s == label), "missing {label} in {t:?}");
    }
    assert!(t.iter().any(|s| s == "[8, 3] float32"));
    assert!(t.iter().any(|s| s == "[4, 3] float32"));
    assert_eq!(count_class(&doc, "node"), 13);
    assert_eq!(count_class(&doc, "edge"), g.distinct_edges().len());
    assert_eq!(g.distinct_edges().len(), 12);
    // Hover titles say what each node is.
    assert!(titles(&doc)
        .iter()
        .any(|s| s == "fc1.weight: [8, 3] float32, requires_grad"));
    // No gradients yet: no gradient legend.
    assert!(!t.iter().any(|s| s.contains("exploding")));
}

#[test]
fn a_tree_shaped_mlp_lays_out_without_crossings() {
    assert_eq!(crossings(&mlp_graph(true)), 0);
    assert_eq!(crossings(&deep_mlp_graph()), 0);
}

#[test]
fn leaves_are_above_and_the_loss_at_the_bottom() {
    let g = mlp_graph(false);
    let sizes = vec![(80.0, 30.0); g.nodes.len()];
    let edges = g.distinct_edges();
    let l = layout(&LayoutInput {
        sizes: &sizes,
        edges: &edges,
        root: g.root,
    });
    for &(a, b) in &edges {
        assert!(
            l.centers[a].1 < l.centers[b].1,
            "edge {a}->{b} must point down"
        );
    }
    let lowest = l.centers.iter().map(|c| c.1).fold(f64::MIN, f64::max);
    assert_eq!(l.centers[g.root].1, lowest);
}

#[test]
fn gradient_norms_get_badges_and_a_legend() {
    let b = graph(&mlp_graph(true)).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let t = texts(&doc);
    assert!(t.iter().any(|s| s == "‖grad‖ 0.034"), "{t:?}");
    assert!(t.iter().any(|s| s == "1e-8 vanishing"));
    assert!(t.iter().any(|s| s == "1e4 exploding"));
    let img = assert_picture(b.png.as_deref().unwrap(), 40);
    // The healthy-gradient green of the badges is in the PNG.
    assert!(img.has_colour_near((70, 170, 90), 6));
}

#[test]
fn png_matches_the_drawing_size_and_shows_boxes_and_text() {
    let b = graph(&mlp_graph(false)).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let (w, h) = view_box(&doc);
    let img = assert_picture(b.png.as_deref().unwrap(), 20);
    assert_eq!((img.width, img.height), (w.ceil() as u32, h.ceil() as u32));
    // Op boxes are light grey, parameter boxes light blue.
    assert!(img.has_colour_near((233, 236, 239), 2));
    assert!(img.has_colour_near((207, 226, 255), 2));
}

#[test]
fn a_fifty_node_graph_stays_legible() {
    let g = deep_mlp_graph();
    let b = graph(&g).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert_eq!(count_class(&doc, "node"), 50);
    assert_eq!(count_class(&doc, "edge"), g.distinct_edges().len());
    let (w, _) = view_box(&doc);
    assert!(w < 1400.0, "50 nodes should fit a notebook column, got {w}");
    assert_picture(b.png.as_deref().unwrap(), 40);
    assert!(texts(&doc).iter().any(|s| s == "‖grad‖ 5e-9"));
}

#[test]
fn text_trees_match_golden_files() {
    golden(
        "graph_mlp_tree.txt",
        &graph(&mlp_graph(false)).unwrap().plain,
    );
    golden(
        "graph_mlp_grads_tree.txt",
        &graph(&mlp_graph(true)).unwrap().plain,
    );
}

#[test]
fn empty_and_invalid_graphs() {
    let b = graph(&GraphView::default()).unwrap();
    assert_eq!(b.plain, "empty graph");
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert!(texts(&doc).iter().any(|s| s == "empty graph"));
    assert_picture(b.png.as_deref().unwrap(), 2);
    let bad = GraphView::new(vec![GraphNode::op("A")], vec![(0, 1)], 0);
    assert!(matches!(graph(&bad), Err(VizError::InvalidGraph(_))));
}

#[test]
fn random_graphs_with_cycles_duplicates_and_odd_labels_never_panic() {
    let mut rng = Lcg::new(42);
    for case in 0..40 {
        let n = 1 + (rng.next_f64() * 30.0) as usize;
        let nodes = (0..n)
            .map(|i| match i % 3 {
                0 => GraphNode::op(format!("Op<{i}>&\"")),
                1 => {
                    GraphNode::leaf("", &[0, 3], "", rng.next_f64() < 0.5).with_grad_norm(f64::NAN)
                }
                _ => GraphNode::tensor("t", &[], "bfloat16").with_grad_norm(rng.next_f64() * 1e9),
            })
            .collect();
        let m = (rng.next_f64() * 3.0 * n as f64) as usize;
        let edges = (0..m)
            .map(|_| {
                (
                    (rng.next_f64() * n as f64) as usize,
                    (rng.next_f64() * n as f64) as usize,
                )
            })
            .collect();
        let g = GraphView::new(nodes, edges, case % n);
        let b = graph(&g).unwrap();
        parse_svg(b.svg.as_deref().unwrap());
        decode_png(b.png.as_deref().unwrap());
    }
}

#[test]
fn huge_graphs_are_cut_to_the_nodes_nearest_the_root() {
    let n = 2_000;
    let nodes = (0..n).map(|_| GraphNode::op("AddBackward0")).collect();
    let edges = (0..n - 1).map(|i| (i + 1, i)).collect();
    let b = graph(&GraphView::new(nodes, edges, 0)).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert_eq!(count_class(&doc, "node"), 300);
    assert!(texts(&doc).iter().any(|s| s.contains("1700 more nodes")));
}
