//! Figures: panels of scatter points, histograms, bars, heatmaps and images
//! drawn as a user would see them (SVG texts and elements, PNG pixels, the
//! text form), legends outside the data, log axes, labelled ticks.

mod viz_common;

use tinytorch::viz::color::PALETTE;
use tinytorch::viz::figure::{
    histogram, render, Axes, Figure, LegendLoc, Mark, Marker, PointColors, Scale, Style, Ticks,
};
use viz_common::*;

/// Writes the pictures under $TINYTORCH_FIGURE_DIR when set (to look at).
fn keep(name: &str, b: &tinytorch::viz::MimeBundle) {
    if let Ok(dir) = std::env::var("TINYTORCH_FIGURE_DIR") {
        let _ = std::fs::create_dir_all(&dir);
        if let Some(p) = &b.png {
            std::fs::write(format!("{dir}/{name}.png"), p).unwrap();
        }
        if let Some(s) = &b.svg {
            std::fs::write(format!("{dir}/{name}.svg"), s).unwrap();
        }
    }
}

fn teaching_figure() -> Figure {
    let mut fig = Figure::grid(2, 2);
    fig.title = Some("four kinds".into());
    // Two classes of points.
    let xs: Vec<f64> = (0..40).map(|i| (i % 20) as f64 / 4.0).collect();
    let ys: Vec<f64> = (0..40)
        .map(|i| if i < 20 { 1.0 } else { 3.0 } + (i % 7) as f64 / 10.0)
        .collect();
    let classes: Vec<i64> = (0..40).map(|i| i64::from(i >= 20)).collect();
    fig.axes[0] = Axes {
        title: Some("scatter".into()),
        xlabel: Some("x1".into()),
        marks: vec![Mark::Scatter {
            label: String::new(),
            xs,
            ys,
            colors: PointColors::Classes {
                classes,
                names: Some(vec!["cat".into(), "dog".into()]),
            },
            style: Style::default(),
        }],
        ..Axes::default()
    };
    // A histogram with its counts.
    let values: Vec<f64> = (0..1000)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0)
        .collect();
    fig.axes[1].hist("weights", &values, 10, None, false, Style::default());
    fig.axes[1].title = Some("histogram".into());
    // Bars with names.
    fig.axes[2] = Axes {
        title: Some("accuracy per class".into()),
        xticks: Some(Ticks {
            at: vec![0.0, 1.0, 2.0],
            labels: Some(vec!["zero".into(), "one".into(), "two".into()]),
        }),
        ylim: Some((0.0, 1.0)),
        marks: vec![Mark::Bars {
            label: String::new(),
            x: vec![0.0, 1.0, 2.0],
            heights: vec![0.9, 0.5, 0.75],
            widths: vec![0.8; 3],
            style: Style {
                color: Some(PALETTE[2]),
                ..Style::default()
            },
            outline: false,
        }],
        ..Axes::default()
    };
    // A confusion matrix.
    let counts = [5.0, 1.0, 0.0, 2.0, 7.0, 1.0, 0.0, 0.0, 9.0];
    let names = Some(vec!["a".into(), "b".into(), "c".into()]);
    fig.axes[3] = Axes {
        title: Some("confusion".into()),
        xlabel: Some("predicted".into()),
        ylabel: Some("true".into()),
        xticks: Some(Ticks {
            at: vec![0.0, 1.0, 2.0],
            labels: names.clone(),
        }),
        yticks: Some(Ticks {
            at: vec![0.0, 1.0, 2.0],
            labels: names,
        }),
        marks: vec![Mark::heatmap(3, 3, &counts, None, true)],
        ..Axes::default()
    };
    fig
}

#[test]
fn every_panel_shows_its_titles_labels_and_legend() {
    let b = render(&teaching_figure()).unwrap();
    keep("four_kinds", &b);
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let t = texts(&doc);
    for s in [
        "four kinds",
        "scatter",
        "histogram",
        "accuracy per class",
        "confusion",
        "cat",
        "dog",
        "weights",
        "zero",
        "two",
        "predicted",
        "true",
        "x1",
    ] {
        assert!(t.iter().any(|x| x == s), "missing {s:?} in {t:?}");
    }
    // The confusion matrix's counts are written in its cells, and its
    // colours are one embedded raster.
    for s in ["5", "7", "9"] {
        assert!(t.iter().any(|x| x == s), "missing count {s}");
    }
    let images = doc
        .descendants()
        .filter(|n| n.has_tag_name("image"))
        .count();
    assert_eq!(images, 1);
    // Ten histogram bins and three bars (plus the legend's box).
    let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
    assert!(rects >= 10 + 10 + 3, "{rects} rects");
    let img = assert_picture(b.png.as_deref().unwrap(), 20);
    assert!(img.has_colour_near((31, 119, 180), 8), "no blue class");
    assert!(img.has_colour_near((255, 127, 14), 8), "no orange class");
    assert!(img.has_colour_near((44, 160, 44), 8), "no green bars");
}

#[test]
fn the_text_form_lists_each_panel() {
    let b = render(&teaching_figure()).unwrap();
    let p = &b.plain;
    assert!(p.starts_with("four kinds\n[0,0] scatter\n"), "{p}");
    assert!(p.contains("[1,0] accuracy per class"), "{p}");
    assert!(p.contains("zero │"), "{p}");
    // The confusion matrix as a table with its names.
    assert!(p.contains("a  5 1 0"), "{p}");
}

#[test]
fn a_legend_outside_leaves_the_lines_uncovered() {
    let mut ax = Axes {
        legend: Some(LegendLoc::Outside),
        ..Axes::default()
    };
    for (i, name) in ["train", "validation"].into_iter().enumerate() {
        let ys: Vec<f64> = (0..50).map(|s| 1.0 / (s + 1 + i) as f64).collect();
        let xs: Vec<f64> = (0..50).map(f64::from).collect();
        ax.marks.push(Mark::line(name, &xs, &ys, Style::default()));
    }
    let mut fig = Figure::single(ax);
    fig.set_size_inches(8.0, 4.0);
    let b = render(&fig).unwrap();
    keep("outside", &b);
    let doc = parse_svg(b.svg.as_deref().unwrap());
    assert_eq!(view_box(&doc), (800.0, 400.0));
    // The legend's text starts right of every line point.
    let legend_x = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .find(|n| n.text().map(str::trim) == Some("validation"))
        .and_then(|n| n.attribute("x"))
        .and_then(|x| x.parse::<f64>().ok())
        .expect("legend text");
    let max_line_x = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("points"))
        .flat_map(|p| {
            p.split_whitespace()
                .filter_map(|xy| xy.split(',').next()?.parse::<f64>().ok())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max);
    assert!(
        legend_x > max_line_x,
        "legend at {legend_x}, lines to {max_line_x}"
    );
}

#[test]
fn log_axes_markers_and_dashes() {
    let xs: Vec<f64> = (1..=100).map(f64::from).collect();
    let ys: Vec<f64> = xs.iter().map(|x| x * x).collect();
    let ax = Axes {
        xscale: Scale::Log,
        yscale: Scale::Log,
        marks: vec![
            Mark::line(
                "x^2",
                &xs,
                &ys,
                Style {
                    marker: Some(Marker::Square),
                    line: tinytorch::viz::figure::LineStyle::Dashed,
                    ..Style::default()
                },
            ),
            Mark::line("neg", &[1.0, 2.0], &[-1.0, 0.0], Style::default()),
        ],
        ..Axes::default()
    };
    let b = render(&Figure::single(ax)).unwrap();
    keep("loglog", &b);
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let t = texts(&doc);
    for s in ["1", "10", "100", "1000", "10000"] {
        assert!(t.iter().any(|x| x == s), "missing log tick {s} in {t:?}");
    }
    // One square marker per point.
    let polygons = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .count();
    assert!(polygons >= 100, "{polygons} markers");
    assert!(texts(&doc).iter().any(|x| x == "neg"));
}

#[test]
fn histogram_bars_match_the_counts() {
    let (counts, edges) = histogram(&[0.5, 1.5, 1.6, 2.5, 2.6, 2.7], 3, Some((0.0, 3.0)), false);
    assert_eq!(counts, vec![1.0, 2.0, 3.0]);
    assert_eq!(edges, vec![0.0, 1.0, 2.0, 3.0]);
    let mut ax = Axes::default();
    ax.hist(
        "",
        &[0.5, 1.5, 1.6, 2.5, 2.6, 2.7],
        3,
        Some((0.0, 3.0)),
        false,
        Style::default(),
    );
    let b = render(&Figure::single(ax)).unwrap();
    let doc = parse_svg(b.svg.as_deref().unwrap());
    // Bar heights in pixels are proportional to the counts (1 : 2 : 3).
    let mut heights: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| n.attribute("fill") == Some("#1F77B4"))
        .filter_map(|n| n.attribute("height")?.parse::<f64>().ok())
        .collect();
    heights.sort_by(f64::total_cmp);
    heights.dedup();
    assert_eq!(heights.len(), 3, "{heights:?}");
    let r = (heights[1] / heights[0], heights[2] / heights[0]);
    assert!(
        (r.0 - 2.0).abs() < 0.05 && (r.1 - 3.0).abs() < 0.05,
        "{heights:?}"
    );
}

#[test]
fn image_grids_with_captions_and_no_axes() {
    let mut fig = Figure::grid(1, 3);
    for (i, ax) in fig.axes.iter_mut().enumerate() {
        let values: Vec<f64> = (0..64).map(|p| ((p + i * 8) % 64) as f64 / 63.0).collect();
        ax.marks.push(Mark::image(8, 8, 1, &values));
        ax.axis_off = true;
        ax.title = Some(format!("pred {i} / true {}", 2 - i));
    }
    let b = render(&fig).unwrap();
    keep("images", &b);
    let doc = parse_svg(b.svg.as_deref().unwrap());
    let t = texts(&doc);
    assert!(t.iter().any(|s| s == "pred 0 / true 2"), "{t:?}");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("image"))
            .count(),
        3
    );
    // No tick labels with axes off: only the three captions.
    assert_eq!(t.len(), 3, "{t:?}");
    let img = decode_png(b.png.as_deref().unwrap());
    assert!(img.has_colour_near((0, 0, 0), 2) && img.has_colour_near((128, 128, 128), 6));
}

#[test]
fn bad_marks_are_errors_not_panics() {
    let mut ax = Axes::default();
    ax.marks.push(Mark::Scatter {
        label: String::new(),
        xs: vec![1.0, 2.0],
        ys: vec![1.0],
        colors: PointColors::Single,
        style: Style::default(),
    });
    assert!(render(&Figure::single(ax)).is_err());
    let mut ax = Axes::default();
    ax.marks.push(Mark::Image {
        rows: 2,
        cols: 2,
        rgb: vec![0; 5],
        extent: (0.0, 1.0, 0.0, 1.0),
        cells: None,
        scale: None,
    });
    assert!(render(&Figure::single(ax)).is_err());
    // Odd limits and sizes still draw.
    let ax = Axes {
        xlim: Some((f64::NAN, 1.0)),
        ylim: Some((2.0, 2.0)),
        marks: vec![Mark::line("", &[1.0], &[f64::INFINITY], Style::default())],
        ..Axes::default()
    };
    let mut fig = Figure::single(ax);
    fig.width = 0;
    let b = render(&fig).unwrap();
    decode_png(b.png.as_deref().unwrap());
}
