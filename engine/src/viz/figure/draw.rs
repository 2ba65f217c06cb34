//! Draws a [`Figure`] with plotters: one generic routine over the back-end
//! (SVG into a string, a bitmap into an RGB buffer) and, per panel, over the
//! two axes' scales (linear or log). Ticks are computed here (round steps,
//! or the panel's own with labels), so the same positions and labels come
//! out of both back-ends.
//!
//! Images and heatmaps are rasters: the bitmap back-end gets their pixels
//! (nearest neighbour), the SVG back-end an `<image>` with the raster as a
//! PNG, placed right after the background so that lines, cell texts and
//! legends drawn later stay on top. Legends are drawn here rather than by
//! plotters, so they can sit outside the panel or in the corner with the
//! fewest data points under it.

use super::{
    cycle_color, linear_ticks, log_ticks, Axes, Figure, LegendLoc, LineStyle, Mark, Marker,
    PointColors, Scale, Style, Ticks,
};
use crate::viz::chart::decimate;
use crate::viz::color::{Rgb, ValueScale};
use crate::viz::font::{self, text_width, FAMILY};
use crate::viz::mime::base64;
use crate::viz::scene::encode_png;
use crate::viz::{format_value, Result, VizError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const TICK_PX: f64 = 14.0;
const DESC_PX: f64 = 15.0;
const TITLE_PX: f64 = 17.0;
const SUPTITLE_PX: f64 = 20.0;
const LEGEND_PX: f64 = 14.0;

fn err<E: std::fmt::Debug>(e: E) -> VizError {
    VizError::Render(format!("{e:?}"))
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A raster placed on the picture, in pixels.
struct Placed {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    rows: usize,
    cols: usize,
    rgb: Vec<u8>,
}

/// What happens to rasters: drawn pixel by pixel, or kept for the SVG.
enum Rasters {
    Pixels,
    Kept(Vec<Placed>),
}

/// The figure as an SVG document.
pub fn svg(fig: &Figure) -> Result<String> {
    font::ensure_registered();
    let (w, h) = fig.clamped_size();
    let mut out = String::new();
    let mut rasters = Rasters::Kept(Vec::new());
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        draw(&root, fig, &mut rasters)?;
        root.present().map_err(err)?;
    }
    if let Rasters::Kept(placed) = rasters {
        if !placed.is_empty() {
            out = embed_rasters(out, &placed)?;
        }
    }
    Ok(out)
}

/// The figure as PNG bytes.
pub fn png(fig: &Figure) -> Result<Vec<u8>> {
    font::ensure_registered();
    let (w, h) = fig.clamped_size();
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(&root, fig, &mut Rasters::Pixels)?;
        root.present().map_err(err)?;
    }
    encode_png(w, h, &buf)
}

/// Puts the rasters after the background rectangle (the first element).
fn embed_rasters(svg: String, placed: &[Placed]) -> Result<String> {
    let at = svg
        .find("<rect")
        .and_then(|r| svg[r..].find("/>").map(|e| r + e + 2))
        .ok_or_else(|| VizError::Render("no background in the SVG".into()))?;
    let mut images = String::new();
    for p in placed {
        let png = encode_png(p.cols as u32, p.rows as u32, &p.rgb)?;
        images.push_str(&format!(
            "\n<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,{}\"/>",
            p.x,
            p.y,
            p.w,
            p.h,
            base64(&png)
        ));
    }
    let mut out = svg;
    out.insert_str(at, &images);
    if !out.contains("xmlns:xlink") {
        out = out.replacen(
            "<svg ",
            "<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\" ",
            1,
        );
    }
    Ok(out)
}

fn text_style(size: f64, color: RGBColor, pos: Pos) -> TextStyle<'static> {
    TextStyle {
        font: (FAMILY, size).into_font(),
        color: color.to_backend_color(),
        pos,
    }
}

/// A linear or log axis whose ticks are ours: one coordinate type for
/// every panel, so the drawing code is not generic over scales.
#[derive(Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
}

impl Axis {
    fn new((lo, hi): (f64, f64), scale: Scale, ticks: &Ticks) -> Self {
        Self {
            lo,
            hi,
            log: scale == Scale::Log,
            ticks: ticks.at.clone(),
        }
    }
}

impl Ranged for Axis {
    type ValueType = f64;
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = |x: f64| if self.log { x.log10() } else { x };
        let (a, b) = (f(self.lo), f(self.hi));
        let t = (f(*v) - a) / (b - a);
        let t = if t.is_nan() { 0.0 } else { t.clamp(-8.0, 8.0) };
        limit.0 + ((limit.1 - limit.0) as f64 * t).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks
                .iter()
                .copied()
                .filter(|t| {
                    *t >= self.lo.min(self.hi) - 1e-12 && *t <= self.lo.max(self.hi) + 1e-12
                })
                .collect()
        }
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    rasters: &mut Rasters,
) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    let body = match &fig.title {
        Some(t) => {
            let (top, body) = root.split_vertically(SUPTITLE_PX as u32 + 22);
            let (w, h) = top.dim_in_pixel();
            let style = text_style(SUPTITLE_PX, BLACK, Pos::new(HPos::Center, VPos::Center));
            top.draw_text(t, &style, (w as i32 / 2, h as i32 / 2 + 4))
                .map_err(err)?;
            body
        }
        None => root.clone(),
    };
    let panels = body.split_evenly((fig.rows, fig.cols));
    for (area, ax) in panels.iter().zip(&fig.axes) {
        panel(root, area, ax, rasters)?;
    }
    Ok(())
}

/// A legend line: its text and what stands for it.
struct Entry {
    text: String,
    swatch: Swatch,
}

enum Swatch {
    Line(RGBColor, LineStyle, Option<Marker>),
    Marker(RGBColor, Marker),
    Box(RGBColor),
}

/// The colour a mark draws with: its own, or its place in the cycle.
fn mark_color(style: &Style, cycle: usize) -> RGBColor {
    rgb(style.color.unwrap_or_else(|| cycle_color(cycle)))
}

/// Distinct classes in order and each point's index among them.
fn class_index(classes: &[i64]) -> (Vec<i64>, Vec<usize>) {
    let mut distinct: Vec<i64> = classes.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let idx = classes
        .iter()
        .map(|c| distinct.binary_search(c).unwrap_or(0))
        .collect();
    (distinct, idx)
}

fn legend_entries(ax: &Axes) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut cycle = 0;
    for m in &ax.marks {
        match m {
            Mark::Line { label, style, .. } => {
                let c = mark_color(style, cycle);
                cycle += 1;
                if !label.is_empty() {
                    out.push(Entry {
                        text: label.clone(),
                        swatch: Swatch::Line(c, style.line, style.marker),
                    });
                }
            }
            Mark::Scatter {
                label,
                style,
                colors,
                ..
            } => {
                let marker = style.marker.unwrap_or(Marker::Circle);
                match colors {
                    PointColors::Classes { classes, names } => {
                        let (distinct, _) = class_index(classes);
                        for (i, c) in distinct.iter().enumerate() {
                            let name = usize::try_from(*c)
                                .ok()
                                .and_then(|k| names.as_ref()?.get(k).cloned())
                                .unwrap_or_else(|| c.to_string());
                            out.push(Entry {
                                text: name,
                                swatch: Swatch::Marker(rgb(cycle_color(i)), marker),
                            });
                        }
                    }
                    _ => {
                        let c = mark_color(style, cycle);
                        if !label.is_empty() {
                            out.push(Entry {
                                text: label.clone(),
                                swatch: Swatch::Marker(c, marker),
                            });
                        }
                    }
                }
                cycle += 1;
            }
            Mark::Bars { label, style, .. } => {
                let c = mark_color(style, cycle);
                cycle += 1;
                if !label.is_empty() {
                    out.push(Entry {
                        text: label.clone(),
                        swatch: Swatch::Box(c),
                    });
                }
            }
            Mark::Image { .. } => {}
        }
    }
    out
}

/// The axes' ranges: limits where set, else the data's with a 5% margin,
/// except at edges that stick (a bar's base, an image's border). The y
/// range is (bottom, top): an image puts row 0 at the top, as `imshow`.
struct Ranges {
    x: (f64, f64),
    y: (f64, f64),
    /// Some mark has drawable data.
    has_data: bool,
}

#[derive(Default)]
struct Extent {
    lo: f64,
    hi: f64,
    sticky: Vec<f64>,
    any: bool,
}

impl Extent {
    fn new() -> Self {
        Self {
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            ..Self::default()
        }
    }
    fn add(&mut self, v: f64, scale: Scale) {
        if v.is_finite() && (scale == Scale::Linear || v > 0.0) {
            self.lo = self.lo.min(v);
            self.hi = self.hi.max(v);
            self.any = true;
        }
    }
    fn stick(&mut self, v: f64, scale: Scale) {
        if v.is_finite() && (scale == Scale::Linear || v > 0.0) {
            self.add(v, scale);
            self.sticky.push(v);
        }
    }
    fn range(&self, scale: Scale) -> Option<(f64, f64)> {
        if !self.any {
            return None;
        }
        let (lo, hi) = (self.lo, self.hi);
        let (a, b, log) = match scale {
            Scale::Log => (lo.log10(), hi.log10(), true),
            Scale::Linear => (lo, hi, false),
        };
        let span = b - a;
        let pad = if span <= f64::EPSILON * a.abs().max(1.0) {
            if log {
                0.5
            } else if a == 0.0 {
                1.0
            } else {
                a.abs() * 0.1
            }
        } else {
            span * 0.05
        };
        let back = |v: f64| if log { 10f64.powf(v) } else { v };
        let mut out = (back(a - pad), back(b + pad));
        if span > 0.0 {
            if self.sticky.contains(&lo) {
                out.0 = lo;
            }
            if self.sticky.contains(&hi) {
                out.1 = hi;
            }
        }
        (out.0.is_finite() && out.1.is_finite() && out.0 < out.1).then_some(out)
    }
}

fn ranges(ax: &Axes) -> Ranges {
    let (mut x, mut y) = (Extent::new(), Extent::new());
    let mut image = false;
    for m in &ax.marks {
        match m {
            Mark::Line { xs, ys, .. } | Mark::Scatter { xs, ys, .. } => {
                for (&a, &b) in xs.iter().zip(ys) {
                    let ok = |v: f64, s: Scale| v.is_finite() && (s == Scale::Linear || v > 0.0);
                    if ok(a, ax.xscale) && ok(b, ax.yscale) {
                        x.add(a, ax.xscale);
                        y.add(b, ax.yscale);
                    }
                }
            }
            Mark::Bars {
                x: cx,
                heights,
                widths,
                ..
            } => {
                for ((&c, &h), &w) in cx.iter().zip(heights).zip(widths) {
                    x.add(c - w / 2.0, ax.xscale);
                    x.add(c + w / 2.0, ax.xscale);
                    y.add(h, ax.yscale);
                }
                if !cx.is_empty() {
                    y.stick(0.0, ax.yscale);
                }
            }
            Mark::Image { extent, .. } => {
                // Row 0 at the smaller value: y grows downwards (imshow's
                // default); an extent given top-first keeps y upwards.
                image |= extent.2 < extent.3;
                x.stick(extent.0, ax.xscale);
                x.stick(extent.1, ax.xscale);
                y.stick(extent.2, ax.yscale);
                y.stick(extent.3, ax.yscale);
            }
        }
    }
    let has_data = x.any && y.any;
    let default = |s: Scale| match s {
        Scale::Log => (0.1, 10.0),
        Scale::Linear => (0.0, 1.0),
    };
    let xr = ax
        .xlim
        .or_else(|| x.range(ax.xscale))
        .unwrap_or(default(ax.xscale));
    let mut yr = ax
        .ylim
        .or_else(|| y.range(ax.yscale))
        .unwrap_or(default(ax.yscale));
    if image && ax.ylim.is_none() {
        yr = (yr.1, yr.0);
    }
    let fix = |(a, b): (f64, f64), s: Scale| -> (f64, f64) {
        let ok = |v: f64| v.is_finite() && (s == Scale::Linear || v > 0.0);
        if !ok(a) || !ok(b) {
            return default(s);
        }
        if a == b {
            return match s {
                Scale::Log => (a / 2.0, a * 2.0),
                Scale::Linear => (a - 0.5, a + 0.5),
            };
        }
        (a, b)
    };
    Ranges {
        x: fix(xr, ax.xscale),
        y: fix(yr, ax.yscale),
        has_data,
    }
}

/// Tick positions and labels for one axis.
fn ticks(own: &Option<Ticks>, (a, b): (f64, f64), scale: Scale, target: usize) -> Ticks {
    if let Some(t) = own {
        return t.clone();
    }
    let (lo, hi) = (a.min(b), a.max(b));
    let at = match scale {
        Scale::Log => log_ticks(lo, hi),
        Scale::Linear => linear_ticks(lo, hi, target),
    };
    Ticks { at, labels: None }
}

fn tick_text(t: &Ticks) -> Vec<String> {
    match &t.labels {
        Some(l) => l.clone(),
        None => t.at.iter().map(|v| format_value(*v)).collect(),
    }
}

/// The label for tick value `v` (its own text, or the number).
fn label_of(t: &Ticks, text: &[String], v: f64) -> String {
    let tol = 1e-9 * v.abs().max(1.0);
    t.at.iter()
        .position(|a| (a - v).abs() <= tol)
        .and_then(|i| text.get(i).cloned())
        .unwrap_or_else(|| format_value(v))
}

fn panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    ax: &Axes,
    rasters: &mut Rasters,
) -> Result<()> {
    let entries = if ax.no_legend {
        Vec::new()
    } else {
        legend_entries(ax)
    };
    let loc = ax.legend.unwrap_or_default();
    let legend_w = entries
        .iter()
        .map(|e| text_width(&e.text, LEGEND_PX))
        .fold(0.0, f64::max)
        + 44.0;
    let (aw, ah) = area.dim_in_pixel();
    let outside = loc == LegendLoc::Outside && !entries.is_empty();
    let (chart_area, legend_area) = if outside {
        let lw = (legend_w as u32 + 8).min(aw / 2);
        let (a, b) = area.split_horizontally(aw - lw);
        (a, Some(b))
    } else {
        (area.clone(), None)
    };
    let r = ranges(ax);
    let (cw, ch) = chart_area.dim_in_pixel();
    let xt = ticks(&ax.xticks, r.x, ax.xscale, (cw as usize / 110).clamp(3, 9));
    let yt = ticks(&ax.yticks, r.y, ax.yscale, (ah as usize / 70).clamp(3, 8));
    let (xtext, ytext) = (tick_text(&xt), tick_text(&yt));
    // Labels that would overlap along x are turned to read downwards.
    let widest_x = xtext
        .iter()
        .map(|s| text_width(s, TICK_PX))
        .fold(0.0, f64::max);
    let rotate =
        xt.labels.is_some() && widest_x * xt.at.len() as f64 > 0.85 * (cw as f64 - 80.0).max(40.0);
    let (x_area, y_area) = if ax.axis_off {
        (0.0, 0.0)
    } else {
        let x_area = if rotate { widest_x + 12.0 } else { 26.0 }
            + if ax.xlabel.is_some() { 24.0 } else { 0.0 };
        let widest_y = ytext
            .iter()
            .map(|s| text_width(s, TICK_PX))
            .fold(0.0, f64::max);
        let y_area = widest_y + 16.0 + if ax.ylabel.is_some() { 26.0 } else { 0.0 };
        (
            x_area.min(ch as f64 / 2.0).round(),
            y_area.min(cw as f64 / 2.0).round(),
        )
    };
    // Images keep square pixels (imshow's aspect="equal"): the panel
    // shrinks along the dimension that has room to spare.
    let chart_area = match square_pixels(ax, &r, (cw, ch), (x_area, y_area)) {
        Some((dx, dy)) => chart_area.margin(dy / 2, dy - dy / 2, dx / 2, dx - dx / 2),
        None => chart_area,
    };
    let mut builder = ChartBuilder::on(&chart_area);
    builder.margin(10).margin_right(18);
    if let Some(t) = &ax.title {
        builder.caption(t, (FAMILY, TITLE_PX));
    }
    builder
        .x_label_area_size(x_area as u32)
        .y_label_area_size(y_area as u32);
    let job = Job {
        root,
        ax,
        xt: &xt,
        yt: &yt,
        xtext: &xtext,
        ytext: &ytext,
        rotate,
        entries: &entries,
        loc,
        legend_area: legend_area.as_ref(),
        has_data: r.has_data,
    };
    job.draw(
        &mut builder,
        Axis::new(r.x, ax.xscale, &xt),
        Axis::new(r.y, ax.yscale, &yt),
        rasters,
    )
}

/// How much to take off a panel's width and height so that an image's
/// pixels come out square; `None` when the panel has no image, has set
/// limits or asked for `aspect="auto"`.
fn square_pixels(
    ax: &Axes,
    r: &Ranges,
    (cw, ch): (u32, u32),
    (xa, ya): (f64, f64),
) -> Option<(u32, u32)> {
    let image = ax.marks.iter().any(|m| matches!(m, Mark::Image { .. }));
    if !image || ax.aspect_auto || ax.xlim.is_some() || ax.ylim.is_some() {
        return None;
    }
    let caption = if ax.title.is_some() {
        TITLE_PX * 1.25 + 10.0
    } else {
        0.0
    };
    let pw = cw as f64 - 28.0 - ya;
    let ph = ch as f64 - 20.0 - caption - xa;
    let (xs, ys) = ((r.x.1 - r.x.0).abs(), (r.y.1 - r.y.0).abs());
    if pw <= 1.0 || ph <= 1.0 || xs <= 0.0 || ys <= 0.0 {
        return None;
    }
    let (sx, sy) = (pw / xs, ph / ys);
    if sx > sy {
        Some(((pw - sy * xs).max(0.0) as u32, 0))
    } else {
        Some((0, (ph - sx * ys).max(0.0) as u32))
    }
}

/// One panel's drawing, once its axes' types are known.
struct Job<'a, DB: DrawingBackend> {
    root: &'a DrawingArea<DB, Shift>,
    ax: &'a Axes,
    xt: &'a Ticks,
    yt: &'a Ticks,
    xtext: &'a [String],
    ytext: &'a [String],
    rotate: bool,
    entries: &'a [Entry],
    loc: LegendLoc,
    legend_area: Option<&'a DrawingArea<DB, Shift>>,
    has_data: bool,
}

impl<DB: DrawingBackend> Job<'_, DB> {
    fn draw(
        &self,
        builder: &mut ChartBuilder<DB>,
        x: Axis,
        y: Axis,
        rasters: &mut Rasters,
    ) -> Result<()> {
        let ax = self.ax;
        let mut chart = builder.build_cartesian_2d(x, y).map_err(err)?;
        let has_image = ax.marks.iter().any(|m| matches!(m, Mark::Image { .. }));
        if !ax.axis_off {
            let xf = |v: &f64| label_of(self.xt, self.xtext, *v);
            let yf = |v: &f64| label_of(self.yt, self.ytext, *v);
            let mut mesh = chart.configure_mesh();
            let grid = if ax.no_grid || has_image {
                TRANSPARENT.into()
            } else {
                ShapeStyle::from(RGBColor(222, 222, 222))
            };
            let tick_font = (FAMILY, TICK_PX).into_font();
            let x_style = if self.rotate {
                TextStyle::from(tick_font.clone().transform(FontTransform::Rotate90))
            } else {
                TextStyle::from(tick_font.clone())
            };
            mesh.bold_line_style(grid)
                .light_line_style(TRANSPARENT)
                .x_label_style(x_style)
                .y_label_style(TextStyle::from(tick_font))
                .axis_desc_style((FAMILY, DESC_PX))
                .x_label_formatter(&xf)
                .y_label_formatter(&yf)
                .x_labels(self.xt.at.len().max(1))
                .y_labels(self.yt.at.len().max(1));
            if let Some(t) = &ax.xlabel {
                mesh.x_desc(t.as_str());
            }
            if let Some(t) = &ax.ylabel {
                mesh.y_desc(t.as_str());
            }
            mesh.draw().map_err(err)?;
        }
        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut cycle = 0;
        let mut points: Vec<(i32, i32)> = Vec::new();
        for m in &ax.marks {
            match m {
                Mark::Line { xs, ys, style, .. } => {
                    let c = mark_color(style, cycle);
                    cycle += 1;
                    self.line(&mut chart, xs, ys, style, c, &mut points)?;
                }
                Mark::Scatter {
                    xs,
                    ys,
                    colors,
                    style,
                    ..
                } => {
                    let c = mark_color(style, cycle);
                    cycle += 1;
                    self.scatter(&mut chart, xs, ys, colors, style, c, &mut points)?;
                }
                Mark::Bars {
                    x,
                    heights,
                    widths,
                    style,
                    outline,
                    ..
                } => {
                    let c = mark_color(style, cycle);
                    cycle += 1;
                    let base = match ax.yscale {
                        Scale::Linear => 0.0,
                        Scale::Log => chart.y_range().start.min(chart.y_range().end),
                    };
                    let fill = c.mix(style.alpha.clamp(0.05, 1.0)).filled();
                    let edge = RGBColor(
                        (c.0 as f64 * 0.6) as u8,
                        (c.1 as f64 * 0.6) as u8,
                        (c.2 as f64 * 0.6) as u8,
                    );
                    for ((&cx, &h), &w) in x.iter().zip(heights).zip(widths) {
                        if !(cx.is_finite() && h.is_finite() && w.is_finite()) {
                            continue;
                        }
                        let rect = [(cx - w / 2.0, base), (cx + w / 2.0, h)];
                        chart
                            .draw_series(std::iter::once(Rectangle::new(rect, fill)))
                            .map_err(err)?;
                        if *outline {
                            chart
                                .draw_series(std::iter::once(Rectangle::new(
                                    rect,
                                    edge.stroke_width(1),
                                )))
                                .map_err(err)?;
                        }
                        points.push(chart.backend_coord(&(cx, h)));
                    }
                }
                Mark::Image {
                    rows,
                    cols,
                    rgb: pixels,
                    extent,
                    cells,
                    ..
                } => {
                    let (x0, y0) = chart.backend_coord(&(extent.0, extent.2));
                    let (x1, y1) = chart.backend_coord(&(extent.1, extent.3));
                    let place = Placed {
                        x: x0.min(x1),
                        y: y0.min(y1),
                        w: (x1 - x0).abs(),
                        h: (y1 - y0).abs(),
                        rows: *rows,
                        cols: *cols,
                        rgb: pixels.clone(),
                    };
                    self.raster(place, (px.clone(), py.clone()), rasters)?;
                    if let Some(cells) = cells {
                        self.cell_texts(&mut chart, *rows, *cols, pixels, cells, *extent)?;
                    }
                }
            }
        }
        if !self.has_data && !ax.marks.is_empty() {
            let (w, h) = chart.plotting_area().dim_in_pixel();
            let style = text_style(
                16.0,
                RGBColor(120, 120, 120),
                Pos::new(HPos::Center, VPos::Center),
            );
            let all_empty = ax.marks.iter().all(|m| match m {
                Mark::Line { xs, .. } | Mark::Scatter { xs, .. } => xs.is_empty(),
                Mark::Bars { x, .. } => x.is_empty(),
                Mark::Image { .. } => false,
            });
            let text = if all_empty {
                "no data"
            } else {
                "no finite data"
            };
            chart
                .plotting_area()
                .strip_coord_spec()
                .draw_text(text, &style, (w as i32 / 2, h as i32 / 2))
                .map_err(err)?;
        }
        if !self.entries.is_empty() {
            match self.legend_area {
                Some(a) => {
                    let (ax0, ay0) = {
                        let (r, _) = a.get_pixel_range();
                        (r.start + 4, py.start)
                    };
                    legend(self.root, self.entries, (ax0, ay0))?;
                }
                None => {
                    let (w, h) = legend_size(self.entries);
                    let (mx, my) = ((px.start + px.end - w) / 2, (py.start + py.end - h) / 2);
                    let corners = [
                        (LegendLoc::UpperRight, (px.end - w - 8, py.start + 8)),
                        (LegendLoc::UpperLeft, (px.start + 8, py.start + 8)),
                        (LegendLoc::LowerLeft, (px.start + 8, py.end - h - 8)),
                        (LegendLoc::LowerRight, (px.end - w - 8, py.end - h - 8)),
                        (LegendLoc::Best, (px.end - w - 8, my)),
                        (LegendLoc::Best, (px.start + 8, my)),
                        (LegendLoc::Best, (mx, py.end - h - 8)),
                        (LegendLoc::Best, (mx, py.start + 8)),
                    ];
                    let at = match corners
                        .iter()
                        .find(|(l, _)| *l == self.loc && *l != LegendLoc::Best)
                    {
                        Some((_, at)) => *at,
                        None => {
                            let covered = |&(x, y): &(i32, i32)| {
                                points
                                    .iter()
                                    .filter(|p| {
                                        p.0 >= x && p.0 <= x + w && p.1 >= y && p.1 <= y + h
                                    })
                                    .count()
                            };
                            corners
                                .iter()
                                .map(|(_, at)| *at)
                                .min_by_key(|at| covered(at))
                                .unwrap_or(corners[0].1)
                        }
                    };
                    legend(self.root, self.entries, at)?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn line(
        &self,
        chart: &mut Chart<DB>,
        xs: &[f64],
        ys: &[f64],
        style: &Style,
        c: RGBColor,
        points: &mut Vec<(i32, i32)>,
    ) -> Result<()> {
        let ok = |v: f64, s: Scale| v.is_finite() && (s == Scale::Linear || v > 0.0);
        let (xs0, xs1) = (chart.x_range().start, chart.x_range().end);
        let columns = chart.plotting_area().dim_in_pixel().0.max(1) as usize;
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (&a, &b) in xs.iter().zip(ys) {
            if ok(a, self.ax.xscale) && ok(b, self.ax.yscale) {
                runs.last_mut().expect("one run").push((a, b));
            } else if !runs.last().expect("one run").is_empty() {
                runs.push(Vec::new());
            }
        }
        let stroke = ShapeStyle {
            color: c.mix(style.alpha.clamp(0.05, 1.0)),
            filled: false,
            stroke_width: style.width.round().clamp(1.0, 20.0) as u32,
        };
        for run in runs.iter().filter(|r| !r.is_empty()) {
            let drawn = if style.marker.is_some() {
                run.clone()
            } else {
                decimate(run, (xs0.min(xs1), xs0.max(xs1)), columns)
            };
            for p in drawn.iter().step_by((drawn.len() / 500).max(1)) {
                points.push(chart.backend_coord(p));
            }
            let lone = run.len() == 1 && style.marker.is_none();
            match style.line {
                _ if lone => {
                    chart
                        .draw_series(drawn.iter().map(|&p| Circle::new(p, 3, c.filled())))
                        .map_err(err)?;
                }
                LineStyle::None => {}
                LineStyle::Solid => {
                    chart
                        .draw_series(LineSeries::new(drawn.iter().copied(), stroke))
                        .map_err(err)?;
                }
                ls => {
                    let (dash, gap) = match ls {
                        LineStyle::Dotted => (2, 4),
                        LineStyle::DashDot => (10, 4),
                        _ => (8, 5),
                    };
                    chart
                        .draw_series(DashedLineSeries::new(
                            drawn.iter().copied(),
                            dash,
                            gap,
                            stroke,
                        ))
                        .map_err(err)?;
                }
            }
            if let Some(m) = style.marker {
                let fill = c.mix(style.alpha.clamp(0.05, 1.0));
                let colored: Vec<((f64, f64), RGBAColor)> =
                    run.iter().map(|&p| (p, fill)).collect();
                markers(chart, &colored, m, style.size)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn scatter(
        &self,
        chart: &mut Chart<DB>,
        xs: &[f64],
        ys: &[f64],
        colors: &PointColors,
        style: &Style,
        c: RGBColor,
        points: &mut Vec<(i32, i32)>,
    ) -> Result<()> {
        let ok = |v: f64, s: Scale| v.is_finite() && (s == Scale::Linear || v > 0.0);
        let alpha = style.alpha.clamp(0.05, 1.0);
        let per_point: Vec<RGBColor> = match colors {
            PointColors::Single => vec![c; xs.len()],
            PointColors::Classes { classes, .. } => {
                let (_, idx) = class_index(classes);
                idx.into_iter().map(|i| rgb(cycle_color(i))).collect()
            }
            PointColors::Values(v) => {
                let scale = ValueScale::fit(v.iter().copied());
                v.iter().map(|&v| rgb(scale.color(v))).collect()
            }
        };
        let mut colored = Vec::with_capacity(xs.len());
        for ((&a, &b), &pc) in xs.iter().zip(ys).zip(&per_point) {
            if ok(a, self.ax.xscale) && ok(b, self.ax.yscale) {
                colored.push(((a, b), pc.mix(alpha)));
            }
        }
        for (p, _) in colored.iter().step_by((colored.len() / 2000).max(1)) {
            points.push(chart.backend_coord(p));
        }
        markers(
            chart,
            &colored,
            style.marker.unwrap_or(Marker::Circle),
            style.size,
        )
    }

    fn raster(
        &self,
        p: Placed,
        (px, py): (std::ops::Range<i32>, std::ops::Range<i32>),
        rasters: &mut Rasters,
    ) -> Result<()> {
        if p.w <= 0 || p.h <= 0 || p.rows == 0 || p.cols == 0 {
            return Ok(());
        }
        match rasters {
            Rasters::Kept(v) => v.push(p),
            Rasters::Pixels => {
                let (x0, x1) = (p.x.max(px.start), (p.x + p.w).min(px.end));
                let (y0, y1) = (p.y.max(py.start), (p.y + p.h).min(py.end));
                for y in y0..y1 {
                    let r = (((y - p.y) as f64 + 0.5) / p.h as f64 * p.rows as f64) as usize;
                    let r = r.min(p.rows - 1);
                    for x in x0..x1 {
                        let c = (((x - p.x) as f64 + 0.5) / p.w as f64 * p.cols as f64) as usize;
                        let i = (r * p.cols + c.min(p.cols - 1)) * 3;
                        let color = RGBColor(p.rgb[i], p.rgb[i + 1], p.rgb[i + 2]);
                        self.root.draw_pixel((x, y), &color).map_err(err)?;
                    }
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn cell_texts(
        &self,
        chart: &mut Chart<DB>,
        rows: usize,
        cols: usize,
        pixels: &[u8],
        cells: &[String],
        extent: (f64, f64, f64, f64),
    ) -> Result<()> {
        let (x0, y0) = chart.backend_coord(&(extent.0, extent.2));
        let (x1, y1) = chart.backend_coord(&(extent.1, extent.3));
        let (cw, ch) = (
            (x1 - x0).abs() as f64 / cols as f64,
            (y1 - y0).abs() as f64 / rows as f64,
        );
        let widest = cells
            .iter()
            .map(|s| text_width(s, 13.0))
            .fold(0.0, f64::max);
        if widest > cw - 2.0 || ch < 14.0 {
            return Ok(()); // too small to read
        }
        let size = (ch * 0.45).clamp(10.0, 16.0);
        let dx = (extent.1 - extent.0) / cols as f64;
        let dy = (extent.3 - extent.2) / rows as f64;
        for r in 0..rows {
            for c in 0..cols {
                let i = r * cols + c;
                let bg = Rgb(pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]);
                let at = chart.backend_coord(&(
                    extent.0 + dx * (c as f64 + 0.5),
                    extent.2 + dy * (r as f64 + 0.5),
                ));
                let style = text_style(
                    size,
                    rgb(bg.text_on()),
                    Pos::new(HPos::Center, VPos::Center),
                );
                self.root.draw_text(&cells[i], &style, at).map_err(err)?;
            }
        }
        Ok(())
    }
}

/// Draws markers of one shape at data points, each with its colour.
fn markers<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    points: &[((f64, f64), RGBAColor)],
    m: Marker,
    size: f64,
) -> Result<()> {
    let s = size.clamp(1.0, 40.0);
    let si = s.round() as i32;
    match m {
        Marker::Circle | Marker::Point => {
            let r = if m == Marker::Point {
                (s / 2.0).max(1.5)
            } else {
                s
            };
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&(p, c)| Circle::new(p, r.round() as i32, c.filled())),
                )
                .map_err(err)?;
        }
        Marker::Cross | Marker::Plus => {
            let arms: [[(i32, i32); 2]; 2] = if m == Marker::Cross {
                [[(-si, -si), (si, si)], [(-si, si), (si, -si)]]
            } else {
                [[(-si, 0), (si, 0)], [(0, -si), (0, si)]]
            };
            chart
                .draw_series(points.iter().map(|&(p, c)| {
                    let st = c.stroke_width(2);
                    EmptyElement::at(p)
                        + PathElement::new(arms[0].to_vec(), st)
                        + PathElement::new(arms[1].to_vec(), st)
                }))
                .map_err(err)?;
        }
        _ => {
            let shape = marker_polygon(m, s);
            chart
                .draw_series(
                    points.iter().map(|&(p, c)| {
                        EmptyElement::at(p) + Polygon::new(shape.clone(), c.filled())
                    }),
                )
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The outline of a filled marker around (0, 0), in pixels.
fn marker_polygon(m: Marker, s: f64) -> Vec<(i32, i32)> {
    let pt = |a: f64, r: f64| ((r * a.cos()).round() as i32, (-r * a.sin()).round() as i32);
    use std::f64::consts::{FRAC_PI_2, PI};
    match m {
        Marker::Square => {
            let k = (s * 0.9).round() as i32;
            vec![(-k, -k), (k, -k), (k, k), (-k, k)]
        }
        Marker::TriangleUp => (0..3)
            .map(|i| pt(FRAC_PI_2 + i as f64 * 2.0 * PI / 3.0, s * 1.2))
            .collect(),
        Marker::TriangleDown => (0..3)
            .map(|i| pt(-FRAC_PI_2 + i as f64 * 2.0 * PI / 3.0, s * 1.2))
            .collect(),
        Marker::Diamond => vec![
            (0, -(s * 1.2) as i32),
            (s as i32, 0),
            (0, (s * 1.2) as i32),
            (-(s as i32), 0),
        ],
        _ => (0..10)
            .map(|i| {
                let r = if i % 2 == 0 { s * 1.4 } else { s * 0.6 };
                pt(FRAC_PI_2 + i as f64 * PI / 5.0, r)
            })
            .collect(),
    }
}

fn legend_size(entries: &[Entry]) -> (i32, i32) {
    let w = entries
        .iter()
        .map(|e| text_width(&e.text, LEGEND_PX))
        .fold(0.0, f64::max)
        + 44.0;
    (w.round() as i32, entries.len() as i32 * 22 + 10)
}

/// A framed legend with its top-left corner at `(x, y)`.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    (x, y): (i32, i32),
) -> Result<()> {
    let (w, h) = legend_size(entries);
    root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        WHITE.mix(0.88).filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        RGBColor(190, 190, 190).stroke_width(1),
    ))
    .map_err(err)?;
    let style = text_style(LEGEND_PX, BLACK, Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().enumerate() {
        let cy = y + 16 + i as i32 * 22;
        let (sx, ex) = (x + 8, x + 30);
        match e.swatch {
            Swatch::Line(c, ls, m) => {
                if ls != LineStyle::None {
                    let st = c.stroke_width(2);
                    let seg = if ls == LineStyle::Solid { 22 } else { 8 };
                    let mut s = sx;
                    while s < ex {
                        root.draw(&PathElement::new(
                            vec![(s, cy), ((s + seg).min(ex), cy)],
                            st,
                        ))
                        .map_err(err)?;
                        s += seg + 4;
                    }
                }
                if let Some(m) = m {
                    swatch_marker(root, m, c, ((sx + ex) / 2, cy))?;
                }
            }
            Swatch::Marker(c, m) => swatch_marker(root, m, c, ((sx + ex) / 2, cy))?,
            Swatch::Box(c) => {
                root.draw(&Rectangle::new([(sx, cy - 6), (ex, cy + 6)], c.filled()))
                    .map_err(err)?;
            }
        }
        root.draw_text(&e.text, &style, (ex + 6, cy)).map_err(err)?;
    }
    Ok(())
}

fn swatch_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    m: Marker,
    c: RGBColor,
    at: (i32, i32),
) -> Result<()> {
    match m {
        Marker::Circle | Marker::Point => {
            root.draw(&Circle::new(at, 4, c.filled())).map_err(err)?;
        }
        Marker::Cross | Marker::Plus => {
            root.draw(
                &(EmptyElement::at(at)
                    + PathElement::new(vec![(-4, 0), (4, 0)], c.stroke_width(2))
                    + PathElement::new(vec![(0, -4), (0, 4)], c.stroke_width(2))),
            )
            .map_err(err)?;
        }
        _ => {
            root.draw(&(EmptyElement::at(at) + Polygon::new(marker_polygon(m, 4.0), c.filled())))
                .map_err(err)?;
        }
    }
    Ok(())
}
