//! A display list (boxes, paths, polygons, text, raster images) and its two
//! back-ends: hand-written SVG text, and PNG bytes drawn through plotters'
//! `BitMapBackend` and encoded with the `png` crate. Graphs, heatmaps, image
//! grids and bar charts draw into a [`Scene`] once, so their SVG and PNG show
//! the same picture.
//!
//! Coordinates are SVG user units (one unit is one PNG pixel at scale 1), y
//! grows downwards, and text `y` is the baseline. This module knows nothing of
//! graphs, tensors or charts.

use super::color::Rgb;
use super::font::{self, FAMILY, PX_PER_EM};
use super::mime::base64;
use super::{escape_xml, Result, VizError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;

/// A point in scene coordinates.
pub type Pt = (f64, f64);

/// Line colour and width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub color: Rgb,
    pub width: f64,
}

impl Stroke {
    pub fn new(color: Rgb, width: f64) -> Self {
        Self { color, width }
    }
}

/// Horizontal alignment of text around its `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One thing to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A rectangle, rounded when `radius > 0`; `tip` becomes an SVG
    /// `<title>` (shown on hover).
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        radius: f64,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
        tip: Option<String>,
    },
    /// An open polyline.
    Line { points: Vec<Pt>, stroke: Stroke },
    /// A cubic Bézier path: `start`, then (control, control, end) triples.
    Curve {
        start: Pt,
        segments: Vec<[Pt; 3]>,
        stroke: Stroke,
        class: &'static str,
    },
    /// A filled polygon (arrow heads, legend swatches).
    Polygon { points: Vec<Pt>, fill: Rgb },
    /// One line of text; `y` is the baseline.
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        color: Rgb,
        anchor: Anchor,
    },
    /// An RGB image of `cols x rows` pixels stretched over a rectangle with
    /// nearest-neighbour sampling (large heatmaps, image grids).
    Raster {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        cols: usize,
        rows: usize,
        rgb: Vec<u8>,
    },
    /// Items drawn together; in SVG a `<g class=..>` with an optional title.
    Group {
        class: &'static str,
        tip: Option<String>,
        items: Vec<Item>,
    },
}

/// A picture: a size, a background and what to draw on it, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub background: Rgb,
    pub items: Vec<Item>,
}

/// The largest PNG side we draw; bigger scenes are scaled down to fit.
pub const MAX_PNG_SIDE: f64 = 4096.0;

impl Scene {
    /// An empty white scene.
    pub fn new(width: f64, height: f64) -> Self {
        Self {
            width: sanitize_len(width),
            height: sanitize_len(height),
            background: Rgb::WHITE,
            items: Vec::new(),
        }
    }

    /// Adds an item.
    pub fn push(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Adds a line of text.
    pub fn text(&mut self, x: f64, y: f64, text: impl Into<String>, size: f64, anchor: Anchor) {
        self.items.push(Item::Text {
            x,
            y,
            text: text.into(),
            size,
            color: Rgb(30, 30, 30),
            anchor,
        });
    }

    /// Adds a plain rectangle.
    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
    ) {
        self.items.push(Item::Rect {
            x,
            y,
            w,
            h,
            radius: 0.0,
            fill,
            stroke,
            tip: None,
        });
    }

    /// The SVG document, `display_width` wide on screen (the viewBox keeps
    /// the scene's own units, so a large scene can be shown scaled down).
    pub fn to_svg_scaled(&self, display_scale: f64) -> String {
        let mut s = String::with_capacity(256 + self.items.len() * 96);
        let (w, h) = (self.width, self.height);
        let k = if display_scale.is_finite() && display_scale > 0.0 {
            display_scale
        } else {
            1.0
        };
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"DejaVu Sans, {FAMILY}\">",
            num(w * k),
            num(h * k),
            num(w),
            num(h)
        );
        let _ = writeln!(
            s,
            "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
            num(w),
            num(h),
            self.background.hex()
        );
        for item in &self.items {
            svg_item(&mut s, item);
        }
        s.push_str("</svg>\n");
        s
    }

    /// The SVG document at its natural size.
    pub fn to_svg(&self) -> String {
        self.to_svg_scaled(1.0)
    }

    /// PNG bytes at `scale` pixels per unit (reduced if the image would be
    /// larger than [`MAX_PNG_SIDE`]).
    pub fn to_png(&self, scale: f64) -> Result<Vec<u8>> {
        font::ensure_registered();
        let mut k = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        k = k
            .min(MAX_PNG_SIDE / self.width)
            .min(MAX_PNG_SIDE / self.height);
        let pw = ((self.width * k).ceil() as u32).max(1);
        let ph = ((self.height * k).ceil() as u32).max(1);
        let mut buf = vec![255u8; pw as usize * ph as usize * 3];
        {
            let mut be = BitMapBackend::with_buffer(&mut buf, (pw, ph));
            let bg = self.background;
            be.draw_rect((0, 0), (pw as i32, ph as i32), &rgb(bg), true)
                .map_err(render_err)?;
            for item in &self.items {
                png_item(&mut be, item, k)?;
            }
            be.present().map_err(render_err)?;
        }
        encode_png(pw, ph, &buf)
    }
}

fn sanitize_len(v: f64) -> f64 {
    if v.is_finite() && v >= 1.0 {
        v
    } else {
        1.0
    }
}

/// A number for SVG: at most one decimal, no `-0`, never NaN.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn stroke_attrs(s: Option<Stroke>) -> String {
    match s {
        Some(s) => format!(
            " stroke=\"{}\" stroke-width=\"{}\"",
            s.color.hex(),
            num(s.width)
        ),
        None => String::new(),
    }
}

fn svg_item(s: &mut String, item: &Item) {
    match item {
        Item::Rect {
            x,
            y,
            w,
            h,
            radius,
            fill,
            stroke,
            tip,
        } => {
            let fill = fill.map_or("none".to_string(), Rgb::hex);
            let r = if *radius > 0.0 {
                format!(" rx=\"{}\"", num(*radius))
            } else {
                String::new()
            };
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{r} fill=\"{fill}\"{}",
                num(*x),
                num(*y),
                num(*w),
                num(*h),
                stroke_attrs(*stroke)
            );
            match tip {
                Some(t) => {
                    let _ = writeln!(s, "><title>{}</title></rect>", escape_xml(t));
                }
                None => s.push_str("/>\n"),
            }
        }
        Item::Line { points, stroke } => {
            let pts: Vec<String> = points
                .iter()
                .map(|p| format!("{},{}", num(p.0), num(p.1)))
                .collect();
            let _ = writeln!(
                s,
                "<polyline points=\"{}\" fill=\"none\"{}/>",
                pts.join(" "),
                stroke_attrs(Some(*stroke))
            );
        }
        Item::Curve {
            start,
            segments,
            stroke,
            class,
        } => {
            let mut d = format!("M{},{}", num(start.0), num(start.1));
            for [a, b, c] in segments {
                let _ = write!(
                    d,
                    " C{},{} {},{} {},{}",
                    num(a.0),
                    num(a.1),
                    num(b.0),
                    num(b.1),
                    num(c.0),
                    num(c.1)
                );
            }
            let _ = writeln!(
                s,
                "<path class=\"{class}\" d=\"{d}\" fill=\"none\"{}/>",
                stroke_attrs(Some(*stroke))
            );
        }
        Item::Polygon { points, fill } => {
            let pts: Vec<String> = points
                .iter()
                .map(|p| format!("{},{}", num(p.0), num(p.1)))
                .collect();
            let _ = writeln!(
                s,
                "<polygon points=\"{}\" fill=\"{}\"/>",
                pts.join(" "),
                fill.hex()
            );
        }
        Item::Text {
            x,
            y,
            text,
            size,
            color,
            anchor,
        } => {
            let a = match anchor {
                Anchor::Start => "start",
                Anchor::Middle => "middle",
                Anchor::End => "end",
            };
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\" text-anchor=\"{a}\">{}</text>",
                num(*x),
                num(*y),
                num(*size),
                color.hex(),
                escape_xml(text)
            );
        }
        Item::Raster {
            x,
            y,
            w,
            h,
            cols,
            rows,
            rgb,
        } => {
            if let Ok(png) = encode_png(*cols as u32, *rows as u32, rgb) {
                let _ = writeln!(
                    s,
                    "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
                     style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,{}\"/>",
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h),
                    base64(&png)
                );
            }
        }
        Item::Group { class, tip, items } => {
            let _ = writeln!(s, "<g class=\"{class}\">");
            if let Some(t) = tip {
                let _ = writeln!(s, "<title>{}</title>", escape_xml(t));
            }
            for i in items {
                svg_item(s, i);
            }
            s.push_str("</g>\n");
        }
    }
}

fn render_err<E: std::fmt::Debug>(e: E) -> VizError {
    VizError::Render(format!("{e:?}"))
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn ipt(p: Pt, k: f64) -> (i32, i32) {
    let c = |v: f64| (v * k).round().clamp(-1e6, 1e6) as i32;
    (c(p.0), c(p.1))
}

/// Points around a rounded rectangle, for filling and outlining in PNG.
fn rounded_outline(x: f64, y: f64, w: f64, h: f64, r: f64) -> Vec<Pt> {
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    let mut pts = Vec::with_capacity(20);
    let corners = [
        (x + w - r, y + r, -90.0f64),
        (x + w - r, y + h - r, 0.0),
        (x + r, y + h - r, 90.0),
        (x + r, y + r, 180.0),
    ];
    for (cx, cy, a0) in corners {
        for i in 0..=4 {
            let a = (a0 + 22.5 * f64::from(i)).to_radians();
            pts.push((cx + r * a.cos(), cy + r * a.sin()));
        }
    }
    pts
}

fn flatten(start: Pt, segments: &[[Pt; 3]]) -> Vec<Pt> {
    let mut out = vec![start];
    let mut p0 = start;
    for [c1, c2, p3] in segments {
        for i in 1..=12 {
            let t = f64::from(i) / 12.0;
            let u = 1.0 - t;
            let b = |a: f64, b: f64, c: f64, d: f64| {
                u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
            };
            out.push((b(p0.0, c1.0, c2.0, p3.0), b(p0.1, c1.1, c2.1, p3.1)));
        }
        p0 = *p3;
    }
    out
}

fn stroke_style(s: Stroke, k: f64) -> ShapeStyle {
    ShapeStyle {
        color: rgb(s.color).to_rgba(),
        filled: false,
        stroke_width: ((s.width * k).round() as u32).max(1),
    }
}

fn png_item(be: &mut BitMapBackend<'_>, item: &Item, k: f64) -> Result<()> {
    match item {
        Item::Rect {
            x,
            y,
            w,
            h,
            radius,
            fill,
            stroke,
            ..
        } => {
            if *radius > 0.0 {
                let outline: Vec<(i32, i32)> = rounded_outline(*x, *y, *w, *h, *radius)
                    .into_iter()
                    .map(|p| ipt(p, k))
                    .collect();
                if let Some(f) = fill {
                    be.fill_polygon(outline.clone(), &rgb(*f))
                        .map_err(render_err)?;
                }
                if let Some(s) = stroke {
                    let mut closed = outline;
                    closed.push(closed[0]);
                    be.draw_path(closed, &stroke_style(*s, k))
                        .map_err(render_err)?;
                }
            } else {
                let a = ipt((*x, *y), k);
                let b = ipt((x + w, y + h), k);
                if let Some(f) = fill {
                    be.draw_rect(a, b, &rgb(*f), true).map_err(render_err)?;
                }
                if let Some(s) = stroke {
                    let st = stroke_style(*s, k);
                    let path = [a, (b.0, a.1), b, (a.0, b.1), a];
                    be.draw_path(path, &st).map_err(render_err)?;
                }
            }
        }
        Item::Line { points, stroke } => {
            let pts: Vec<_> = points.iter().map(|p| ipt(*p, k)).collect();
            be.draw_path(pts, &stroke_style(*stroke, k))
                .map_err(render_err)?;
        }
        Item::Curve {
            start,
            segments,
            stroke,
            ..
        } => {
            let pts: Vec<_> = flatten(*start, segments)
                .into_iter()
                .map(|p| ipt(p, k))
                .collect();
            be.draw_path(pts, &stroke_style(*stroke, k))
                .map_err(render_err)?;
        }
        Item::Polygon { points, fill } => {
            let pts: Vec<_> = points.iter().map(|p| ipt(*p, k)).collect();
            be.fill_polygon(pts, &rgb(*fill)).map_err(render_err)?;
        }
        Item::Text {
            x,
            y,
            text,
            size,
            color,
            anchor,
        } => {
            if text.is_empty() {
                return Ok(());
            }
            let px = size * PX_PER_EM * k;
            let h = match anchor {
                Anchor::Start => HPos::Left,
                Anchor::Middle => HPos::Center,
                Anchor::End => HPos::Right,
            };
            // With ab_glyph, plotters puts the baseline half a line height
            // below a top-anchored position.
            let color = rgb(*color);
            let style = TextStyle::from((FAMILY, px).into_font())
                .color(&color)
                .pos(Pos::new(h, VPos::Top));
            let pos = ipt((*x, *y - size * PX_PER_EM / 2.0), k);
            be.draw_text(text, &style, pos).map_err(render_err)?;
        }
        Item::Raster {
            x,
            y,
            w,
            h,
            cols,
            rows,
            rgb: src,
        } => blit_scaled(be, (*x, *y, *w, *h), (*cols, *rows), src, k)?,
        Item::Group { items, .. } => {
            for i in items {
                png_item(be, i, k)?;
            }
        }
    }
    Ok(())
}

/// Nearest-neighbour scaling of an RGB image into a rectangle, clipped to
/// the canvas.
fn blit_scaled(
    be: &mut BitMapBackend<'_>,
    (x, y, w, h): (f64, f64, f64, f64),
    (cols, rows): (usize, usize),
    src: &[u8],
    k: f64,
) -> Result<()> {
    if cols == 0 || rows == 0 || src.len() < cols * rows * 3 {
        return Ok(());
    }
    let (cw, ch) = be.get_size();
    let (x0, y0) = ipt((x, y), k);
    let (x1, y1) = ipt((x + w, y + h), k);
    let (dx0, dy0) = (x0.max(0), y0.max(0));
    let (dx1, dy1) = (x1.min(cw as i32), y1.min(ch as i32));
    if dx1 <= dx0 || dy1 <= dy0 {
        return Ok(());
    }
    let (dw, dh) = ((dx1 - dx0) as usize, (dy1 - dy0) as usize);
    let (fw, fh) = (f64::from((x1 - x0).max(1)), f64::from((y1 - y0).max(1)));
    let mut out = vec![0u8; dw * dh * 3];
    for r in 0..dh {
        let sy = ((f64::from(dy0 - y0) + r as f64 + 0.5) / fh * rows as f64) as usize;
        let sy = sy.min(rows - 1);
        for c in 0..dw {
            let sx = ((f64::from(dx0 - x0) + c as f64 + 0.5) / fw * cols as f64) as usize;
            let si = (sy * cols + sx.min(cols - 1)) * 3;
            out[(r * dw + c) * 3..][..3].copy_from_slice(&src[si..si + 3]);
        }
    }
    be.blit_bitmap((dx0, dy0), (dw as u32, dh as u32), &out)
        .map_err(render_err)
}

/// Encodes 8-bit RGB pixels as PNG bytes.
pub fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>> {
    if width == 0 || height == 0 || rgb.len() != width as usize * height as usize * 3 {
        return Err(VizError::Render(format!(
            "{width}x{height} RGB image needs {} bytes, got {}",
            width as usize * height as usize * 3,
            rgb.len()
        )));
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().map_err(render_err)?;
        w.write_image_data(rgb).map_err(render_err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Scene {
        let mut s = Scene::new(120.0, 60.0);
        s.push(Item::Rect {
            x: 10.0,
            y: 10.0,
            w: 60.0,
            h: 30.0,
            radius: 4.0,
            fill: Some(Rgb(200, 220, 255)),
            stroke: Some(Stroke::new(Rgb::BLACK, 1.0)),
            tip: Some("a <box>".into()),
        });
        s.text(40.0, 30.0, "hi & bye", 12.0, Anchor::Middle);
        s
    }

    #[test]
    fn svg_escapes_text_and_titles() {
        let svg = sample().to_svg();
        assert!(svg.contains("<title>a &lt;box&gt;</title>"));
        assert!(svg.contains(">hi &amp; bye</text>"));
        assert!(svg.starts_with("<svg "));
    }

    #[test]
    fn png_has_the_scene_size_and_is_not_blank() {
        let png = sample().to_png(2.0).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // IHDR width and height, big-endian, right after the signature.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 240);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 120);
    }

    #[test]
    fn numbers_never_print_nan() {
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(2.25), "2.3");
    }
}
