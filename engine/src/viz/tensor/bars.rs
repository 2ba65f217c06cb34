//! 1-D tensors: a bar chart from a zero baseline (positive bars blue,
//! negative red, NaN marked), each bar titled with its index and value; past
//! [`MAX_BARS`] values a decimated line chart instead. Knows the scene and
//! `plot`, not the engine.

use super::{heading, Stats, TensorView};
use crate::viz::chart::{plot, PlotOptions, Series};
use crate::viz::color::{Rgb, NAN_GREY, PALETTE};
use crate::viz::font::text_width;
use crate::viz::scene::{Anchor, Item, Scene, Stroke};
use crate::viz::{format_value, MimeBundle, Result};

/// Longer 1-D tensors are drawn as a line chart.
pub const MAX_BARS: usize = 256;

const LEFT: f64 = 60.0;
const TOP: f64 = 56.0;
const PLOT_H: f64 = 220.0;

/// The bar chart of a 1-D tensor with at most [`MAX_BARS`] values.
pub fn bars(t: &TensorView) -> Scene {
    let n = t.values.len();
    let stats = Stats::of(&t.values);
    let bar_w = (640.0 / n.max(1) as f64).clamp(2.0, 40.0);
    let plot_w = bar_w * n as f64;
    let head = heading(t);
    let desc = stats.describe();
    let width =
        (LEFT + plot_w + 24.0).max(24.0 + text_width(&head, 14.0).max(text_width(&desc, 11.0)));
    // Values under negative bars need a row of their own above the indices.
    let index_y = TOP
        + PLOT_H
        + if stats.min < 0.0 && n <= 16 {
            30.0
        } else {
            16.0
        };
    let mut s = Scene::new(width, index_y + 24.0);
    s.text(12.0, 18.0, head, 14.0, Anchor::Start);
    s.text(12.0, 34.0, desc, 11.0, Anchor::Start);
    // The value axis always includes zero, where the bars start.
    let (mut lo, mut hi) = if stats.finite > 0 {
        (stats.min.min(0.0), stats.max.max(0.0))
    } else {
        (0.0, 1.0)
    };
    if stats.inf > 0 {
        // Infinite bars run to the edge; keep the finite ones readable.
        lo = lo.min(-1e-12);
        hi = hi.max(1e-12);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let y_of = |v: f64| TOP + (hi - v.clamp(lo, hi)) / (hi - lo) * PLOT_H;
    let zero = y_of(0.0);
    let axis = Stroke::new(Rgb(90, 90, 90), 1.0);
    let mut items = Vec::with_capacity(n);
    for (i, &v) in t.values.iter().enumerate() {
        let v = f64::from(v);
        let x = LEFT + i as f64 * bar_w;
        let tip = Some(format!("[{i}] = {}", format_value(v)));
        if v.is_nan() {
            items.push(Item::Rect {
                x: x + bar_w * 0.1,
                y: zero - 3.0,
                w: bar_w * 0.8,
                h: 6.0,
                radius: 0.0,
                fill: Some(NAN_GREY),
                stroke: None,
                tip,
            });
            continue;
        }
        let top = y_of(v).min(zero);
        let h = (y_of(v) - zero).abs().max(0.5);
        let fill = if v < 0.0 { PALETTE[3] } else { PALETTE[0] };
        items.push(Item::Rect {
            x: x + bar_w * 0.1,
            y: top,
            w: (bar_w * 0.8).max(1.0),
            h,
            radius: 0.0,
            fill: Some(fill),
            stroke: None,
            tip,
        });
        if n <= 16 {
            let ty = if v < 0.0 { top + h + 12.0 } else { top - 4.0 };
            items.push(Item::Text {
                x: x + bar_w / 2.0,
                y: ty,
                text: format_value(v),
                size: 10.0,
                color: Rgb(40, 40, 40),
                anchor: Anchor::Middle,
            });
        }
    }
    s.push(Item::Group {
        class: "bars",
        tip: None,
        items,
    });
    // Axes: the value axis with lo, 0 and hi, the baseline, index ticks.
    s.push(Item::Line {
        points: vec![(LEFT - 4.0, TOP), (LEFT - 4.0, TOP + PLOT_H)],
        stroke: axis,
    });
    s.push(Item::Line {
        points: vec![(LEFT - 4.0, zero), (LEFT + plot_w, zero)],
        stroke: axis,
    });
    let mut ticks = vec![hi, lo];
    if lo < 0.0 && hi > 0.0 {
        ticks.push(0.0);
    }
    for v in ticks {
        s.text(
            LEFT - 8.0,
            y_of(v) + 3.5,
            format_value(v),
            10.0,
            Anchor::End,
        );
    }
    let step = ((28.0 / bar_w).ceil() as usize).max(1);
    let step = [1, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|&k| k >= step)
        .unwrap_or(step);
    for i in (0..n).step_by(step) {
        let x = LEFT + (i as f64 + 0.5) * bar_w;
        s.text(x, index_y, i.to_string(), 10.0, Anchor::Middle);
    }
    s
}

/// A long 1-D tensor as a line chart over its indices.
pub fn long_line(t: &TensorView) -> Result<MimeBundle> {
    let ys: Vec<f64> = t.values.iter().map(|&v| f64::from(v)).collect();
    let opts = PlotOptions::default().title(heading(t)).xlabel("index");
    plot(&[Series::from_ys("", &ys)], &opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_titles_and_values() {
        let t = TensorView::new(&[3], vec![1.0, -2.0, f32::NAN]);
        let svg = bars(&t).to_svg();
        assert!(svg.contains("<title>[1] = -2</title>"));
        assert!(svg.contains("<title>[2] = nan</title>"));
        assert!(svg.contains(">-2</text>"));
    }

    #[test]
    fn infinite_values_do_not_break_the_scale() {
        let t = TensorView::new(&[2], vec![f32::INFINITY, 1.0]);
        let svg = bars(&t).to_svg();
        assert!(!svg.contains("NaN") && svg.contains("<title>[0] = inf</title>"));
    }
}
