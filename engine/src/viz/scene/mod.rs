//! A display list (boxes, paths, polygons, text, raster images) and its two
//! back-ends: hand-written SVG text, and PNG bytes drawn through plotters'
//! `BitMapBackend` and encoded with the `png` crate. Graphs, heatmaps, image
//! grids and bar charts draw into a [`Scene`] once, so their SVG and PNG show
//! the same picture.
//!
//! Coordinates are SVG user units (one unit is one PNG pixel at scale 1), y
//! grows downwards, and text `y` is the baseline. This module knows nothing of
//! graphs, tensors or charts.

mod bitmap;
mod svg;

pub use bitmap::encode_png;

use super::color::Rgb;
use super::font::{self, FAMILY};
use super::Result;
use bitmap::{png_item, render_err, rgb};
use plotters::prelude::*;
use std::fmt::Write as _;
use svg::{num, svg_item};

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

#[cfg(test)]
mod tests {
    use super::svg::num;
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
