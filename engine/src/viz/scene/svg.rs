//! The SVG back-end of a [`Scene`](super::Scene): each item as one element,
//! numbers rounded to a tenth, text and titles escaped, raster items as
//! embedded base64 PNG images. Knows the items, not what they depict.

use super::{Anchor, Item, Stroke};
use crate::viz::color::Rgb;
use crate::viz::escape_xml;
use crate::viz::mime::base64;
use std::fmt::Write as _;

/// A number for SVG: at most one decimal, no `-0`, never NaN.
pub(super) fn num(v: f64) -> String {
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

pub(super) fn svg_item(s: &mut String, item: &Item) {
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
            if let Ok(png) = super::bitmap::encode_png(*cols as u32, *rows as u32, rgb) {
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
