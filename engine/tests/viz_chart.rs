//! Line charts: titles, axis labels and series names in the SVG, PNG size
//! and colours, decimation of long series, odd inputs, the braille fallback.

mod viz_common;

use tinytorch::viz::samples::loss_curves;
use tinytorch::viz::{plot, LiveChart, PlotOptions, Series};
use viz_common::*;

fn opts() -> PlotOptions {
    PlotOptions::default()
        .title("training loss")
        .xlabel("step")
        .ylabel("loss")
}

#[test]
fn svg_has_title_axis_labels_and_legend() {
    let b = plot(&loss_curves(500), &opts()).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let t = texts(&doc);
    for s in ["training loss", "step", "loss", "train", "val"] {
        assert!(t.iter().any(|x| x == s), "missing {s} in {t:?}");
    }
}

#[test]
fn png_has_the_requested_size_and_both_series_colours() {
    let b = plot(&loss_curves(500), &opts().size(640, 400)).unwrap();
    let img = assert_picture(b.png.as_deref().unwrap(), 20);
    assert_eq!((img.width, img.height), (640, 400));
    assert!(
        img.has_colour_near((31, 119, 180), 10),
        "no blue train line"
    );
    assert!(
        img.has_colour_near((255, 127, 14), 10),
        "no orange val line"
    );
}

#[test]
fn long_series_are_decimated_to_the_pixel_width() {
    let b = plot(&loss_curves(10_000)[..1], &opts()).unwrap();
    let svg = b.svg.as_deref().unwrap();
    let doc = parse_svg(svg);
    let points: usize = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("points"))
        .map(|p| p.split_whitespace().count())
        .sum();
    assert!(
        points > 500 && points <= 4 * 720 + 16,
        "{points} points drawn"
    );
}

#[test]
fn log_scale_and_odd_values_do_not_panic() {
    let nasty = [
        vec![],
        vec![f64::NAN, f64::NAN],
        vec![f64::INFINITY, f64::NEG_INFINITY],
        vec![1.0],
        vec![-1.0, 0.0, 2.0, 1e300, -1e300],
        vec![5.0; 100],
    ];
    for logy in [false, true] {
        for ys in &nasty {
            let b = plot(&[Series::from_ys("s", ys)], &opts().logy(logy)).unwrap();
            parse_svg(b.svg.as_deref().unwrap());
            decode_png(b.png.as_deref().unwrap());
        }
    }
    let b = plot(&[], &opts()).unwrap();
    assert!(texts(&parse_svg(b.svg.as_deref().unwrap()))
        .iter()
        .any(|s| s == "no data"));
    let b = plot(&[Series::from_ys("n", &[f64::NAN])], &opts()).unwrap();
    assert!(texts(&parse_svg(b.svg.as_deref().unwrap()))
        .iter()
        .any(|s| s == "no finite data"));
    let b = plot(&[Series::from_ys("s", &[1.0])], &opts().size(0, u32::MAX)).unwrap();
    decode_png(b.png.as_deref().unwrap());
}

#[test]
fn log_axis_labels_are_round_numbers() {
    let b = plot(&loss_curves(1000)[..1], &opts().logy(true)).unwrap();
    let t = texts(&parse_svg(b.svg.as_deref().unwrap()));
    for s in ["0.2", "0.5", "1", "2"] {
        assert!(t.iter().any(|x| x == s), "missing tick {s} in {t:?}");
    }
}

#[test]
fn braille_fallback_matches_golden() {
    let b = plot(&loss_curves(200), &opts()).unwrap();
    golden("plot_loss.txt", &b.plain);
    let b = plot(&loss_curves(200)[..1], &opts().logy(true)).unwrap();
    golden("plot_loss_logy.txt", &b.plain);
}

#[test]
fn live_chart_rerenders_as_points_arrive() {
    let mut live = LiveChart::new(PlotOptions::default().title("live"));
    let first = live.render().unwrap();
    assert!(first.plain.contains("no data"));
    for i in 0..50 {
        live.push_y("train", 1.0 / f64::from(i + 1));
    }
    let b = live.render().unwrap();
    assert!(b.plain.contains("train (last 0.02)"), "{}", b.plain);
    assert!(texts(&parse_svg(b.svg.as_deref().unwrap()))
        .iter()
        .any(|s| s == "train"));
    assert!(live.display_id().starts_with("tinytorch-live-"));
}
