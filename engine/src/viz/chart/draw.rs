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
        let y: LogCoord<f64> = (y0..y1).log_scale().into();
        draw_with(root, p, opts, x, y)
    } else {
        let y: RangedCoordf64 = (y0..y1).into();
        draw_with(root, p, opts, x, y)
    }
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
    mesh.light_line_style(RGBColor(238, 238, 238))
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
