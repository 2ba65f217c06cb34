//! Mime bundles: which types each renderer fills, base64 at the edge, and
//! evcxr's display blocks.

mod viz_common;

use tinytorch::viz::mime::base64;
use tinytorch::viz::samples::{loss_curves, mlp_graph, small_matrix};
use tinytorch::viz::{graph, plot, show, PlotOptions};

#[test]
fn renderers_fill_the_expected_mime_types() {
    let g = graph(&mlp_graph(true)).unwrap();
    assert_eq!(g.mime_types(), ["image/svg+xml", "image/png", "text/plain"]);
    let p = plot(&loss_curves(10), &PlotOptions::default()).unwrap();
    assert_eq!(p.mime_types(), ["image/svg+xml", "image/png", "text/plain"]);
    let s = show(&small_matrix()).unwrap();
    assert_eq!(s.mime_types(), ["image/svg+xml", "image/png", "text/plain"]);
}

#[test]
fn evcxr_blocks_carry_base64_png_and_the_svg() {
    let g = graph(&mlp_graph(false)).unwrap();
    let text = g.evcxr_text();
    assert_eq!(text.matches("EVCXR_BEGIN_CONTENT ").count(), 3);
    assert_eq!(text.matches("\nEVCXR_END_CONTENT\n").count(), 3);
    let png_b64 = base64(g.png.as_deref().unwrap());
    assert!(text.contains(&format!(
        "EVCXR_BEGIN_CONTENT image/png\n{png_b64}\nEVCXR_END_CONTENT"
    )));
    assert!(text.starts_with("EVCXR_BEGIN_CONTENT image/svg+xml\n<svg "));
}

#[test]
fn bundles_write_their_files() {
    let dir = std::env::temp_dir().join(format!("tinytorch-viz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = show(&small_matrix())
        .unwrap()
        .write_files(&dir, "w")
        .unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["w.txt", "w.svg", "w.png"]);
    viz_common::decode_png(&std::fs::read(dir.join("w.png")).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}
