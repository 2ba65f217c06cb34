//! Heatmaps of 2-D tensors and grids of 2-D slices for higher ranks, with a
//! colour bar (diverging around zero for signed data, sequential otherwise).
//! Up to [`MAX_RECT_CELLS`] cells are drawn as rectangles carrying an SVG
//! `<title>` (the value on hover), up to 12 x 12 with the value written in
//! the cell; larger maps become one raster image, block-averaged down to at
//! most [`MAX_RASTER_SIDE`] pixels a side first.

use super::{heading, Stats, TensorView};
use crate::viz::color::{Rgb, ValueScale, NAN_GREY};
use crate::viz::font::text_width;
use crate::viz::scene::{Anchor, Item, Scene, Stroke};
use crate::viz::{format_sig, format_value};

/// Maps with more cells than this are drawn as a raster image.
pub const MAX_RECT_CELLS: usize = 64 * 64;
/// Raster images are averaged down to at most this many pixels a side.
pub const MAX_RASTER_SIDE: usize = 1024;
/// Slices shown at most for rank >= 3.
pub const MAX_SLICES: usize = 16;

const HEAD: f64 = 44.0;
const LEFT: f64 = 44.0;
const BAR_W: f64 = 14.0;

/// Cell size for a map of this many rows and columns.
fn cell_size(rows: usize, cols: usize, budget: f64) -> f64 {
    let big = rows.max(cols).max(1) as f64;
    if rows <= 12 && cols <= 12 {
        (budget / big).clamp(28.0, 44.0)
    } else {
        (budget / big).clamp(0.25, 24.0)
    }
}

/// Draws one map of `rows x cols` values at (x, y) with square cells.
#[allow(clippy::too_many_arguments)]
fn draw_map(
    s: &mut Scene,
    values: &[f32],
    (rows, cols): (usize, usize),
    (x, y): (f64, f64),
    cell: f64,
    scale: &ValueScale,
    index_prefix: &str,
    numbers: bool,
) {
    if rows * cols <= MAX_RECT_CELLS {
        let mut items = Vec::with_capacity(rows * cols * 2);
        for r in 0..rows {
            for c in 0..cols {
                let v = f64::from(values[r * cols + c]);
                let fill = scale.color(v);
                items.push(Item::Rect {
                    x: x + c as f64 * cell,
                    y: y + r as f64 * cell,
                    w: cell,
                    h: cell,
                    radius: 0.0,
                    fill: Some(fill),
                    stroke: None,
                    tip: Some(format!("[{index_prefix}{r}, {c}] = {}", format_value(v))),
                });
                if numbers {
                    let size = (cell * 0.3).min(11.0);
                    items.push(Item::Text {
                        x: x + (c as f64 + 0.5) * cell,
                        y: y + (r as f64 + 0.5) * cell + size * 0.35,
                        text: format_sig(v, 3),
                        size,
                        color: fill.text_on(),
                        anchor: Anchor::Middle,
                    });
                }
            }
        }
        s.push(Item::Group {
            class: "heatmap",
            tip: None,
            items,
        });
    } else {
        // Block-average down to the raster budget (NaN blocks stay NaN).
        let f = rows.max(cols).div_ceil(MAX_RASTER_SIDE).max(1);
        let (rr, rc) = (rows.div_ceil(f), cols.div_ceil(f));
        let mut rgb = Vec::with_capacity(rr * rc * 3);
        for br in 0..rr {
            for bc in 0..rc {
                let (mut sum, mut n) = (0.0, 0usize);
                for r in br * f..((br + 1) * f).min(rows) {
                    for c in bc * f..((bc + 1) * f).min(cols) {
                        let v = f64::from(values[r * cols + c]);
                        if !v.is_nan() {
                            sum += v.clamp(-f64::MAX, f64::MAX);
                            n += 1;
                        }
                    }
                }
                let v = if n == 0 { f64::NAN } else { sum / n as f64 };
                let Rgb(r, g, b) = scale.color(v);
                rgb.extend([r, g, b]);
            }
        }
        s.push(Item::Raster {
            x,
            y,
            w: cols as f64 * cell,
            h: rows as f64 * cell,
            cols: rc,
            rows: rr,
            rgb,
        });
    }
    s.push(Item::Rect {
        x,
        y,
        w: cols as f64 * cell,
        h: rows as f64 * cell,
        radius: 0.0,
        fill: None,
        stroke: Some(Stroke::new(Rgb(120, 120, 120), 1.0)),
        tip: None,
    });
}

/// Axis labels cut to this many characters.
const LABEL_CHARS: usize = 8;

/// A row or column label: the given name (shortened) or the index.
fn label(names: Option<&Vec<String>>, i: usize) -> String {
    match names.and_then(|n| n.get(i)) {
        Some(n) if n.chars().count() > LABEL_CHARS => {
            let mut t: String = n.chars().take(LABEL_CHARS - 1).collect();
            t.push('…');
            t
        }
        Some(n) => n.clone(),
        None => i.to_string(),
    }
}

/// The room the row labels need on the left of a map.
fn label_room(t: &TensorView) -> f64 {
    match &t.axis_labels {
        Some((rows, _)) => (0..rows.len())
            .map(|i| text_width(&label(Some(rows), i), 10.0) + 10.0)
            .fold(LEFT, f64::max),
        None => LEFT,
    }
}

/// Index (or name) labels along the top (columns) and left (rows), spaced
/// so they do not collide.
fn draw_indices(
    s: &mut Scene,
    (rows, cols): (usize, usize),
    (x, y): (f64, f64),
    cell: f64,
    names: Option<&(Vec<String>, Vec<String>)>,
) {
    let col_names = names.map(|n| &n.1);
    let widest = (0..cols)
        .map(|c| text_width(&label(col_names, c), 10.0) + 4.0)
        .fold(22.0, f64::max);
    let step = |n: usize, min_gap: f64| -> usize {
        let mut k = 1;
        while (k as f64) * cell < min_gap && k < n {
            k = if k == 1 {
                2
            } else if k == 2 {
                5
            } else {
                k * 2
            };
        }
        k
    };
    let (kc, kr) = (
        step(cols, widest),
        step(rows, if names.is_some() { 14.0 } else { 22.0 }),
    );
    for c in (0..cols).step_by(kc) {
        s.text(
            x + (c as f64 + 0.5) * cell,
            y - 5.0,
            label(col_names, c),
            10.0,
            Anchor::Middle,
        );
    }
    for r in (0..rows).step_by(kr) {
        s.text(
            x - 5.0,
            y + (r as f64 + 0.5) * cell + 3.5,
            label(names.map(|n| &n.0), r),
            10.0,
            Anchor::End,
        );
    }
}

/// A vertical colour bar with its range; returns the width used.
pub(crate) fn colour_bar(
    s: &mut Scene,
    scale: &ValueScale,
    (x, y): (f64, f64),
    h: f64,
    has_nan: bool,
) -> f64 {
    let steps = 64;
    for i in 0..steps {
        let t = 1.0 - (f64::from(i) + 0.5) / f64::from(steps);
        let seg = h / f64::from(steps);
        s.rect(
            x,
            y + f64::from(i) * seg,
            BAR_W,
            seg + 0.5,
            Some(scale.color_at(t)),
            None,
        );
    }
    s.rect(
        x,
        y,
        BAR_W,
        h,
        None,
        Some(Stroke::new(Rgb(120, 120, 120), 1.0)),
    );
    let mid = (scale.lo + scale.hi) / 2.0;
    let labels = [(0.0, scale.hi), (0.5, mid), (1.0, scale.lo)];
    let mut w: f64 = 0.0;
    for (f, v) in labels {
        let t = format_value(v);
        w = w.max(text_width(&t, 10.0));
        s.text(x + BAR_W + 5.0, y + f * h + 3.5, t, 10.0, Anchor::Start);
    }
    if has_nan {
        s.rect(x, y + h + 8.0, BAR_W, 10.0, Some(NAN_GREY), None);
        s.text(x + BAR_W + 5.0, y + h + 17.0, "nan", 10.0, Anchor::Start);
    }
    BAR_W + 8.0 + w
}

fn header(s: &mut Scene, t: &TensorView, stats: &Stats) {
    s.text(12.0, 18.0, heading(t), 14.0, Anchor::Start);
    s.text(12.0, 34.0, stats.describe(), 11.0, Anchor::Start);
}

fn header_width(t: &TensorView, stats: &Stats) -> f64 {
    24.0 + text_width(&heading(t), 14.0).max(text_width(&stats.describe(), 11.0))
}

/// A 2-D tensor as a heatmap.
pub fn heatmap(t: &TensorView) -> Scene {
    let (rows, cols) = (t.shape[0], t.shape[1]);
    let stats = Stats::of(&t.values);
    let scale = ValueScale::fit(t.values.iter().map(|&v| f64::from(v)));
    let cell = cell_size(rows, cols, 480.0);
    let (mw, mh) = (cols as f64 * cell, rows as f64 * cell);
    let top = HEAD + 18.0;
    let bar_h = mh.max(120.0);
    let left = label_room(t);
    let width = (left + mw + 24.0 + BAR_W + 60.0).max(header_width(t, &stats));
    let mut s = Scene::new(width, top + bar_h + 40.0);
    header(&mut s, t, &stats);
    let numbers = rows <= 12 && cols <= 12;
    draw_map(
        &mut s,
        &t.values,
        (rows, cols),
        (left, top),
        cell,
        &scale,
        "",
        numbers,
    );
    draw_indices(
        &mut s,
        (rows, cols),
        (left, top),
        cell,
        t.axis_labels.as_ref(),
    );
    colour_bar(
        &mut s,
        &scale,
        (left + mw + 24.0, top),
        bar_h,
        stats.nan > 0,
    );
    s
}

/// Rank >= 3 (and rank-4 tensors that are not image batches): the last two
/// dimensions as heatmaps, one per index of the leading ones, sharing one
/// colour scale.
pub fn slices(t: &TensorView) -> Scene {
    let r = t.shape.len();
    let (rows, cols) = (t.shape[r - 2], t.shape[r - 1]);
    let lead = &t.shape[..r - 2];
    let count: usize = lead.iter().product();
    let shown = count.min(MAX_SLICES);
    let per = rows * cols;
    let stats = Stats::of(&t.values);
    let scale = ValueScale::fit(t.values.iter().map(|&v| f64::from(v)));
    let grid_cols = (shown as f64).sqrt().ceil().max(1.0) as usize;
    let grid_rows = shown.div_ceil(grid_cols);
    let budget = (720.0 / grid_cols as f64).min(260.0);
    let cell = cell_size(rows, cols, budget)
        .min(budget / rows.max(cols) as f64)
        .max(0.25);
    let (mw, mh) = (cols as f64 * cell, rows as f64 * cell);
    // named axes are labelled on every slice: room for the row names
    let room = label_room(t) - LEFT;
    let (gap_x, gap_y) = (
        36.0 + room,
        if t.axis_labels.is_some() { 56.0 } else { 40.0 },
    );
    let top = HEAD + 8.0;
    let grid_w = grid_cols as f64 * (mw + gap_x);
    let grid_h = grid_rows as f64 * (mh + gap_y);
    let width = (LEFT + room + grid_w + BAR_W + 70.0).max(header_width(t, &stats));
    let note = (shown < count).then(|| format!("first {shown} of {count} slices shown"));
    let mut s = Scene::new(
        width,
        top + grid_h.max(140.0) + if note.is_some() { 36.0 } else { 16.0 },
    );
    header(&mut s, t, &stats);
    let numbers = rows <= 6 && cols <= 6 && cell >= 28.0;
    for i in 0..shown {
        // Multi-index of slice i over the leading dimensions.
        let mut idx = vec![0usize; lead.len()];
        let mut rem = i;
        for (k, &d) in lead.iter().enumerate().rev() {
            idx[k] = rem % d.max(1);
            rem /= d.max(1);
        }
        let prefix: String = idx.iter().map(|i| format!("{i}, ")).collect();
        let x = LEFT + room + (i % grid_cols) as f64 * (mw + gap_x);
        let y = top + 20.0 + (i / grid_cols) as f64 * (mh + gap_y);
        if t.axis_labels.is_some() {
            draw_indices(
                &mut s,
                (rows, cols),
                (x, y + 14.0),
                cell,
                t.axis_labels.as_ref(),
            );
        }
        s.text(x, y - 6.0, format!("[{prefix}:, :]"), 11.0, Anchor::Start);
        let y = if t.axis_labels.is_some() { y + 14.0 } else { y };
        let vals = &t.values[i * per..(i + 1) * per];
        draw_map(
            &mut s,
            vals,
            (rows, cols),
            (x, y),
            cell,
            &scale,
            &prefix,
            numbers,
        );
    }
    colour_bar(
        &mut s,
        &scale,
        (LEFT + room + grid_w, top + 20.0),
        mh.max(120.0),
        stats.nan > 0,
    );
    if let Some(n) = note {
        let y = s.height - 14.0;
        s.text(12.0, y, n, 11.0, Anchor::Start);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_maps_write_values_and_titles() {
        let t = TensorView::new(&[2, 2], vec![1.0, -2.0, f32::NAN, 4.0]);
        let svg = heatmap(&t).to_svg();
        assert!(svg.contains("<title>[0, 1] = -2</title>"));
        assert!(svg.contains("<title>[1, 0] = nan</title>"));
        assert!(svg.contains(">nan</text>"));
    }

    #[test]
    fn large_maps_become_rasters() {
        let t = TensorView::new(&[100, 100], (0..10_000).map(|i| i as f32).collect());
        let s = heatmap(&t);
        assert!(s.items.iter().any(|i| matches!(i, Item::Raster { .. })));
    }

    #[test]
    fn named_axes_replace_the_indices() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let t = TensorView::new(&[2, 3], vec![0.0; 6]).with_axis_labels(
            names(&["The", "cat"]),
            names(&["The", "cat", "sat_on_the_mat"]),
        );
        t.validate().unwrap();
        let svg = heatmap(&t).to_svg();
        assert!(
            svg.contains(">cat</text>") && svg.contains(">sat_on_…</text>"),
            "{svg}"
        );
        let t3 = TensorView::new(&[2, 2, 3], vec![0.0; 12])
            .with_axis_labels(names(&["a", "b"]), names(&["x", "y", "z"]));
        assert!(slices(&t3).to_svg().contains(">z</text>"));
        let bad =
            TensorView::new(&[2, 3], vec![0.0; 6]).with_axis_labels(names(&["a"]), names(&["x"]));
        assert!(bad.validate().is_err());
    }

    #[test]
    fn slice_titles_carry_the_full_index() {
        let t = TensorView::new(&[2, 2, 2], (0..8).map(|i| i as f32).collect());
        let svg = slices(&t).to_svg();
        assert!(svg.contains("<title>[1, 0, 1] = 5</title>"), "{svg}");
        assert!(svg.contains("[1, :, :]"));
    }
}
