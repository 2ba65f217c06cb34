//! A batch of images (`N x 1 x H x W` greyscale, `N x 3 x H x W` RGB) as a
//! grid with each image's index under it. Values already in [0, 1] are shown
//! as they are; anything else is min-max scaled over the whole batch, so
//! images stay comparable. NaN pixels are magenta so they cannot pass for
//! data. Knows the scene, not the engine.

use super::{heading, Stats, TensorView};
use crate::viz::font::text_width;
use crate::viz::scene::{Anchor, Item, Scene, Stroke};
use crate::viz::{color::Rgb, format_value};

/// Images shown at most; a note says how many more there are.
pub const MAX_IMAGES: usize = 64;

/// How pixel values map to [0, 1].
fn normaliser(stats: &Stats) -> (f64, f64) {
    if stats.finite == 0 || (stats.min >= 0.0 && stats.max <= 1.0) {
        (0.0, 1.0)
    } else if stats.max > stats.min {
        (stats.min, stats.max)
    } else {
        (stats.min - 0.5, stats.min + 0.5)
    }
}

fn to_byte(v: f32, (lo, hi): (f64, f64)) -> Option<u8> {
    let v = f64::from(v);
    if v.is_nan() {
        return None;
    }
    Some((((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// The grid picture.
pub fn grid(t: &TensorView) -> Scene {
    let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3]);
    let shown = n.min(MAX_IMAGES);
    let stats = Stats::of(&t.values);
    let range = normaliser(&stats);
    // Small images are enlarged by a whole factor (crisp pixels), large
    // ones shrunk to 160 pixels a side.
    let side = h.max(w) as f64;
    let zoom = if side <= 96.0 {
        (96.0 / side).floor().min(8.0)
    } else {
        (160.0 / side).min(1.0)
    };
    let (iw, ih) = (w as f64 * zoom, h as f64 * zoom);
    let caption = |i: usize| -> String {
        t.captions
            .as_ref()
            .and_then(|c| c.get(i).cloned())
            .unwrap_or_else(|| i.to_string())
    };
    // A cell is as wide as its image or its caption.
    let cw = (0..shown)
        .map(|i| text_width(&caption(i), 11.0) + 4.0)
        .fold(iw, f64::max);
    let cols = (shown as f64).sqrt().ceil().max(1.0) as usize;
    let cols = cols
        .max((640.0 / (cw + 12.0)).floor().min(shown as f64) as usize)
        .max(1);
    let rows = shown.div_ceil(cols);
    let (gap, label_h, top) = (12.0, 16.0, 52.0);
    let head = heading(t);
    let range_note = format!(
        "{}; {} -> black, {} -> white",
        stats.describe(),
        format_value(range.0),
        format_value(range.1)
    );
    let grid_w = cols as f64 * (cw + gap) + gap;
    let width = grid_w.max(24.0 + text_width(&head, 14.0).max(text_width(&range_note, 11.0)));
    let more = n - shown;
    let height = top + rows as f64 * (ih + label_h + gap) + if more > 0 { 24.0 } else { 8.0 };
    let mut s = Scene::new(width, height);
    s.text(12.0, 18.0, head, 14.0, Anchor::Start);
    s.text(12.0, 34.0, range_note, 11.0, Anchor::Start);
    let plane = h * w;
    for i in 0..shown {
        let img = &t.values[i * c * plane..(i + 1) * c * plane];
        let mut rgb = Vec::with_capacity(plane * 3);
        for p in 0..plane {
            let px: Vec<Option<u8>> = (0..3)
                .map(|ch| to_byte(img[(ch % c) * plane + p], range))
                .collect();
            match (px[0], px[1], px[2]) {
                (Some(r), Some(g), Some(b)) => rgb.extend([r, g, b]),
                _ => rgb.extend([255, 0, 255]),
            }
        }
        let x = gap + (i % cols) as f64 * (cw + gap) + (cw - iw) / 2.0;
        let y = top + (i / cols) as f64 * (ih + label_h + gap);
        s.push(Item::Raster {
            x,
            y,
            w: iw,
            h: ih,
            cols: w,
            rows: h,
            rgb,
        });
        s.push(Item::Rect {
            x,
            y,
            w: iw,
            h: ih,
            radius: 0.0,
            fill: None,
            stroke: Some(Stroke::new(Rgb(170, 170, 170), 1.0)),
            tip: Some(format!("image {i}")),
        });
        s.text(
            x + iw / 2.0,
            y + ih + 13.0,
            caption(i),
            11.0,
            Anchor::Middle,
        );
    }
    if more > 0 {
        let y = height - 12.0;
        s.text(
            12.0,
            y,
            format!("… {more} more images not shown"),
            11.0,
            Anchor::Start,
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_range_is_kept_and_others_are_scaled() {
        let s = Stats::of(&[0.0, 0.5, 1.0]);
        assert_eq!(normaliser(&s), (0.0, 1.0));
        let s = Stats::of(&[-1.0, 3.0]);
        assert_eq!(normaliser(&s), (-1.0, 3.0));
        assert_eq!(to_byte(3.0, (-1.0, 3.0)), Some(255));
        assert_eq!(to_byte(f32::NAN, (0.0, 1.0)), None);
    }

    #[test]
    fn a_batch_draws_one_raster_per_image() {
        let t = TensorView::new(&[3, 1, 4, 4], vec![0.5; 48]);
        let s = grid(&t);
        let rasters = s
            .items
            .iter()
            .filter(|i| matches!(i, Item::Raster { .. }))
            .count();
        assert_eq!(rasters, 3);
    }

    #[test]
    fn captions_replace_the_indices_and_widen_the_cells() {
        let caps: Vec<String> = (0..2)
            .map(|i| format!("a long caption number {i}"))
            .collect();
        let t = TensorView::new(&[2, 1, 4, 4], vec![0.5; 32]).with_captions(caps.clone());
        let s = grid(&t);
        let texts: Vec<&str> = s
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&caps[1].as_str()), "{texts:?}");
        assert!(s.width >= 2.0 * text_width(&caps[0], 11.0), "{}", s.width);
    }
}
