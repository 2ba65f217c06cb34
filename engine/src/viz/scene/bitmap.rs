//! The PNG back-end of a [`Scene`](super::Scene): items drawn through
//! plotters' `BitMapBackend` into an RGB buffer (text with the embedded font
//! through `ab_glyph`), then encoded with the `png` crate. Knows the items,
//! not what they depict.

use super::{Anchor, Item, Pt, Stroke};
use crate::viz::color::Rgb;
use crate::viz::font::{FAMILY, PX_PER_EM};
use crate::viz::{Result, VizError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) fn render_err<E: std::fmt::Debug>(e: E) -> VizError {
    VizError::Render(format!("{e:?}"))
}

pub(super) fn rgb(c: Rgb) -> RGBColor {
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

pub(super) fn png_item(be: &mut BitMapBackend<'_>, item: &Item, k: f64) -> Result<()> {
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
