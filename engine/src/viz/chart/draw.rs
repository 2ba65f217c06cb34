//! Draws prepared series with plotters: one generic routine over the
//! back-end (SVGBackend into a string, BitMapBackend into an RGB buffer that
//! `scene::encode_png` turns into PNG bytes) and over the y coordinate
//! (linear or logarithmic). All text uses the embedded font (see `font.rs`),
//! so the PNG has labels on machines without system fonts.
//!
//! Knows plotters and the prepared data; nothing of tensors or mime types.

use super::{PlotOptions, Prepared};
use crate::viz::color::{Rgb, PALETTE};
use crate::viz::font::{self, FAMILY};
use crate::viz::scene::encode_png;
use crate::viz::{format_value, Result, VizError};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

fn err<E: std::fmt::Debug>(e: E) -> VizError {
    VizError::Render(format!("{e:?}"))
}

fn series_color(i: usize) -> RGBColor {
    let Rgb(r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The chart as an SVG document.
pub fn svg(p: &Prepared, opts: &PlotOptions) -> Result<String> {
    font::ensure_registered();
    let (w, h) = opts.clamped_size();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        draw(&root, p, opts)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The chart as PNG bytes.
pub fn png(p: &Prepared, opts: &PlotOptions) -> Result<Vec<u8>> {
    font::ensure_registered();
    let (w, h) = opts.clamped_size();
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(&root, p, opts)?;
        root.present().map_err(err)?;
    }
    encode_png(w, h, &buf)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Prepared,
    opts: &PlotOptions,
) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    let (x0, x1) = p.x_range.unwrap_or((0.0, 1.0));
    let default_y = if opts.logy { (0.1, 10.0) } else { (0.0, 1.0) };
    let (y0, y1) = p.y_range.unwrap_or(default_y);
    let x: RangedCoordf64 = (x0..x1).into();
    if opts.logy {
        let y = (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
        draw_with(root, p, opts, x, y)
    } else {
        let y: RangedCoordf64 = (y0..y1).into();
        draw_with(root, p, opts, x, y)
    }
}

/// Ticks for a log axis: 1-2-5 steps per decade, only powers of ten when
/// that is too many, never fewer than the two ends.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return vec![lo, hi];
    }
    let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let in_range = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let with = |mults: &[f64]| -> Vec<f64> {
        (d0..=d1)
            .flat_map(|d| mults.iter().map(move |m| m * 10f64.powi(d)))
            .filter(in_range)
            .collect()
    };
    let mut ticks = with(&[1.0, 2.0, 5.0]);
    if ticks.len() > 10 {
        ticks = with(&[1.0]);
    }
    if ticks.len() > 10 {
        let step = ticks.len().div_ceil(8);
        ticks = ticks.into_iter().step_by(step).collect();
    }
    if ticks.len() < 3 {
        ticks = with(&[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    }
    if ticks.len() < 2 {
        ticks = vec![lo, hi];
    }
    ticks
}

fn draw_with<DB, Y>(
    root: &DrawingArea<DB, Shift>,
    p: &Prepared,
    opts: &PlotOptions,
    x: RangedCoordf64,
    y: Y,
) -> Result<()>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(14)
        .x_label_area_size(if opts.xlabel.is_some() { 46 } else { 30 })
        .y_label_area_size(if opts.ylabel.is_some() { 74 } else { 56 });
    if let Some(t) = &opts.title {
        builder.caption(t, (FAMILY, 20));
    }
    let mut chart = builder.build_cartesian_2d(x, y).map_err(err)?;
    let fmt = |v: &f64| format_value(*v);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(RGBColor(247, 247, 247))
        .bold_line_style(RGBColor(215, 215, 215))
        .label_style((FAMILY, 12))
        .axis_desc_style((FAMILY, 14))
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .x_labels(8)
        .y_labels(8);
    if let Some(t) = &opts.xlabel {
        mesh.x_desc(t.as_str());
    }
    if let Some(t) = &opts.ylabel {
        mesh.y_desc(t.as_str());
    }
    mesh.draw().map_err(err)?;

    let mut labelled = false;
    for (i, s) in p.series.iter().enumerate() {
        let color = series_color(i);
        let style = ShapeStyle {
            color: color.to_rgba(),
            filled: false,
            stroke_width: 2,
        };
        // One LineSeries per run (gaps stay gaps); the first carries the
        // legend entry, even when the series has nothing drawable.
        let mut first = true;
        let runs: Vec<&[(f64, f64)]> = if s.runs.is_empty() {
            vec![&[]]
        } else {
            s.runs.iter().map(Vec::as_slice).collect()
        };
        for run in runs {
            let ann = if run.len() == 1 {
                chart
                    .draw_series(run.iter().map(|&pt| Circle::new(pt, 3, color.filled())))
                    .map_err(err)?
            } else {
                chart
                    .draw_series(LineSeries::new(run.iter().copied(), style))
                    .map_err(err)?
            };
            if first && !s.name.is_empty() {
                ann.label(s.name.as_str())
                    .legend(move |(lx, ly)| PathElement::new(vec![(lx, ly), (lx + 18, ly)], style));
                labelled = true;
            }
            first = false;
        }
    }
    if p.x_range.is_none() {
        let area = chart.plotting_area();
        let (w, h) = area.dim_in_pixel();
        let style = TextStyle::from((FAMILY, 16).into_font())
            .color(&RGBColor(120, 120, 120))
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        let text = if p.series.iter().all(|s| s.total == 0) {
            "no data"
        } else {
            "no finite data"
        };
        area.strip_coord_spec()
            .draw_text(text, &style, (w as i32 / 2, h as i32 / 2))
            .map_err(err)?;
    }
    if labelled {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FAMILY, 13))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_step_1_2_5_and_thin_out() {
        assert_eq!(log_ticks(0.09, 3.0), vec![0.1, 0.2, 0.5, 1.0, 2.0]);
        assert_eq!(log_ticks(1e-6, 1e3).len(), 10);
        assert_eq!(log_ticks(1.1, 1.9), vec![1.1, 1.9]);
        assert!(log_ticks(1.1, 1.4).len() >= 2);
        assert_eq!(log_ticks(0.0, 1.0), vec![0.0, 1.0]);
    }
}
