//! Tensor pictures: heatmaps with hover titles and colour bars, image grids,
//! bars, slices, HTML tables, shaded-block text, and odd shapes and values.

mod viz_common;

use tinytorch::viz::samples::{image_batch, large_matrix, rgb_batch, small_matrix};
use tinytorch::viz::{show, Progress, TensorView, VizError};
use viz_common::*;

#[test]
fn small_heatmap_has_a_title_per_cell_values_and_a_table() {
    let t = small_matrix();
    let b = show(&t).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let cells = titles(&doc).iter().filter(|s| s.starts_with('[')).count();
    assert_eq!(cells, 35);
    assert!(titles(&doc).iter().any(|s| s == "[0, 0] = -0.3"));
    let t = texts(&doc);
    assert!(t.iter().any(|s| s == "-0.3"));
    assert!(t.iter().any(|s| s == "w  [5, 7]"));
    // Pictures are images, never SVG inside HTML (stripped when untrusted).
    assert!(b.html.is_none());
    assert_picture(b.png.as_deref().unwrap(), 30);
}

#[test]
fn large_heatmap_is_a_raster_with_a_colour_bar() {
    let b = show(&large_matrix()).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("image"))
            .count(),
        1
    );
    assert!(b.html.is_none());
    assert_picture(b.png.as_deref().unwrap(), 100);
}

#[test]
fn image_batches_become_grids() {
    let b = show(&image_batch(16)).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("image"))
            .count(),
        16
    );
    let img = assert_picture(b.png.as_deref().unwrap(), 5);
    assert!(img.has_colour_near((255, 255, 255), 0) && img.has_colour_near((13, 13, 13), 2));
    let b = show(&rgb_batch(4)).unwrap();
    assert_picture(b.png.as_deref().unwrap(), 200);
}

#[test]
fn bars_slices_scalars_and_empty_tensors() {
    let bars = TensorView::new(&[6], vec![1.0, -1.0, 0.5, f32::NAN, 2.0, 0.0]);
    let b = show(&bars).unwrap();
    assert!(titles(&parse_svg(b.svg.as_deref().unwrap()))
        .iter()
        .any(|s| s == "[3] = nan"));
    let slices = TensorView::new(&[2, 4, 3, 3], (0..72).map(|i| i as f32).collect());
    let b = show(&slices).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert!(titles(&doc).iter().any(|s| s == "[1, 3, 2, 2] = 71"));
    assert!(texts(&doc).iter().any(|s| s == "[1, 3, :, :]"));
    let b = show(&TensorView::new(&[], vec![0.5])).unwrap();
    assert!(texts(&parse_svg(b.svg.as_deref().unwrap()))
        .iter()
        .any(|s| s == "0.5"));
    let b = show(&TensorView::new(&[0, 4], vec![])).unwrap();
    assert!(b.plain.contains("(empty)"));
    decode_png(b.png.as_deref().unwrap());
    let long = TensorView::new(&[3000], (0..3000).map(|i| i as f32).collect());
    assert!(show(&long).unwrap().svg.unwrap().contains("polyline"));
}

#[test]
fn odd_values_and_bad_shapes() {
    let odd = vec![
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        0.0,
    ];
    for shape in [vec![6], vec![2, 3], vec![1, 1, 2, 3], vec![6, 1, 1, 1]] {
        let b = show(&TensorView::new(&shape, odd.clone())).unwrap();
        parse_svg(b.svg.as_deref().unwrap());
        decode_png(b.png.as_deref().unwrap());
    }
    let all_nan = TensorView::new(&[2, 2], vec![f32::NAN; 4]);
    assert!(show(&all_nan).unwrap().plain.contains("no finite values"));
    let bad = TensorView::new(&[2, 2], vec![1.0]);
    assert!(matches!(
        show(&bad),
        Err(VizError::ShapeMismatch {
            expected: 4,
            got: 1,
            ..
        })
    ));
}

#[test]
fn shaded_text_matches_golden() {
    golden("show_small.txt", &show(&small_matrix()).unwrap().plain);
    golden("show_large.txt", &show(&large_matrix()).unwrap().plain);
    golden("show_images.txt", &show(&image_batch(2)).unwrap().plain);
    let v = TensorView::new(&[12], (0..12).map(|i| (i as f32 * 0.6).sin()).collect());
    golden("show_1d.txt", &show(&v).unwrap().plain);
}

#[test]
fn progress_renders_for_terminal_and_notebook() {
    let mut p = Progress::new(Some("epoch 1"), Some(100));
    p.count = 45;
    p.elapsed = 1.1215;
    p.set_postfix(vec![("loss".into(), "0.123".into())]);
    let b = p.bundle();
    assert_eq!(
        b.plain,
        "epoch 1:  45%|████▌     | 45/100 [00:01<00:01, 40.12it/s, loss=0.123]"
    );
    let html = b.html.unwrap();
    roxmltree::Document::parse(&html).expect("progress HTML is well-formed");
    assert!(html.contains("<progress value=\"45\" max=\"100\""));
}
