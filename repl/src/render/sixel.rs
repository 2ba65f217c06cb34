//! PNG to sixel: decoding with the `png` crate, a palette of at most 256
//! colours (exact when the picture has that few, median cut otherwise) and
//! the DEC sixel encoding with run-length compression.
//!
//! Sixel draws six pixel rows at a time ("a band"): for each palette colour
//! present in the band, one line of characters `?`..`~` (63 + a 6-bit mask
//! of the rows that colour covers in that column), `$` back to the band's
//! start, `-` down to the next band. Knows nothing of terminals beyond that.

use std::collections::HashMap;

/// Most colours a sixel palette may hold here (what common terminals keep).
pub const MAX_COLORS: usize = 256;

/// An RGB picture, alpha already composited over white (the chart background).
#[derive(Clone, Debug, PartialEq)]
pub struct Rgb8 {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<[u8; 3]>,
}

/// Decodes a PNG of any colour type and bit depth to 8-bit RGB, or `None`.
pub fn decode_png(bytes: &[u8]) -> Option<Rgb8> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    let data = &buf[..info.buffer_size()];
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        // EXPAND turns indexed pictures into RGB(A).
        png::ColorType::Indexed => return None,
    };
    if info.bit_depth != png::BitDepth::Eight || data.len() < w * h * channels {
        return None;
    }
    let over_white = |c: u8, a: u8| -> u8 {
        // c*a + 255*(255-a), divided by 255 and rounded.
        ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8
    };
    let pixels = data
        .chunks_exact(channels)
        .take(w * h)
        .map(|p| match channels {
            1 => [p[0]; 3],
            2 => [over_white(p[0], p[1]); 3],
            3 => [p[0], p[1], p[2]],
            _ => [
                over_white(p[0], p[3]),
                over_white(p[1], p[3]),
                over_white(p[2], p[3]),
            ],
        })
        .collect();
    Some(Rgb8 {
        width: w,
        height: h,
        pixels,
    })
}

/// A palette of at most `max` colours and each pixel's index into it.
pub fn quantize(img: &Rgb8, max: usize) -> (Vec<[u8; 3]>, Vec<u8>) {
    let max = max.clamp(1, MAX_COLORS);
    let mut counts: HashMap<[u8; 3], u64> = HashMap::new();
    for p in &img.pixels {
        *counts.entry(*p).or_insert(0) += 1;
    }
    let mut colors: Vec<([u8; 3], u64)> = counts.into_iter().collect();
    // A fixed order keeps the output deterministic (HashMap order is not).
    colors.sort_unstable();
    let boxes = median_cut(colors, max);
    let mut palette = Vec::with_capacity(boxes.len());
    let mut index: HashMap<[u8; 3], u8> = HashMap::new();
    for (i, b) in boxes.iter().enumerate() {
        let total: u64 = b.iter().map(|(_, n)| n).sum();
        let mean = |ch: usize| -> u8 {
            let s: u64 = b.iter().map(|(c, n)| u64::from(c[ch]) * n).sum();
            ((s + total / 2) / total.max(1)) as u8
        };
        palette.push([mean(0), mean(1), mean(2)]);
        for (c, _) in b {
            index.insert(*c, i as u8);
        }
    }
    let indices = img.pixels.iter().map(|p| index[p]).collect();
    (palette, indices)
}

/// Splits the colour histogram into at most `max` boxes: repeatedly the box
/// with the widest channel range, at the pixel-weighted median of that
/// channel. With `max` or fewer distinct colours every colour is its own box.
fn median_cut(colors: Vec<([u8; 3], u64)>, max: usize) -> Vec<Vec<([u8; 3], u64)>> {
    if colors.len() <= max {
        return colors.into_iter().map(|c| vec![c]).collect();
    }
    let range = |b: &[([u8; 3], u64)]| -> (usize, u8) {
        (0..3)
            .map(|ch| {
                let lo = b.iter().map(|(c, _)| c[ch]).min().unwrap_or(0);
                let hi = b.iter().map(|(c, _)| c[ch]).max().unwrap_or(0);
                (ch, hi - lo)
            })
            .max_by_key(|&(_, r)| r)
            .unwrap_or((0, 0))
    };
    let mut boxes = vec![colors];
    while boxes.len() < max {
        let Some((i, ch)) = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() > 1)
            .map(|(i, b)| (i, range(b)))
            .max_by_key(|&(_, (_, r))| r)
            .map(|(i, (ch, _))| (i, ch))
        else {
            break;
        };
        let mut b = boxes.swap_remove(i);
        b.sort_unstable_by_key(|(c, _)| c[ch]);
        let total: u64 = b.iter().map(|(_, n)| n).sum();
        let mut acc = 0;
        let mut cut = 1;
        for (k, (_, n)) in b.iter().enumerate() {
            acc += n;
            if acc * 2 >= total {
                cut = k + 1;
                break;
            }
        }
        let cut = cut.clamp(1, b.len() - 1);
        let hi = b.split_off(cut);
        boxes.push(b);
        boxes.push(hi);
    }
    boxes
}

/// The sixel escape for `img`: `ESC P q`, raster attributes, the palette
/// (`#i;2;r;g;b` in percent), the bands, `ESC \`.
pub fn encode(img: &Rgb8) -> String {
    let (palette, idx) = quantize(img, MAX_COLORS);
    let (w, h) = (img.width, img.height);
    let mut out = String::from("\x1bPq");
    out.push_str(&format!("\"1;1;{w};{h}"));
    for (i, c) in palette.iter().enumerate() {
        let pct = |v: u8| (u32::from(v) * 100 + 127) / 255;
        out.push_str(&format!("#{i};2;{};{};{}", pct(c[0]), pct(c[1]), pct(c[2])));
    }
    // masks[colour][x]: which of the band's six rows that colour covers.
    let mut masks = vec![vec![0u8; w]; palette.len()];
    for band in (0..h).step_by(6) {
        let rows = (h - band).min(6);
        let mut used = vec![false; palette.len()];
        for dy in 0..rows {
            for x in 0..w {
                let c = idx[(band + dy) * w + x] as usize;
                masks[c][x] |= 1 << dy;
                used[c] = true;
            }
        }
        let mut first = true;
        for (c, row) in masks.iter_mut().enumerate() {
            if !used[c] {
                continue;
            }
            if !first {
                out.push('$');
            }
            first = false;
            out.push_str(&format!("#{c}"));
            push_runs(&mut out, row);
            row.fill(0);
        }
        out.push('-');
    }
    out.push_str("\x1b\\");
    out
}

/// One colour's line of a band, run-length encoded (`!n<char>` for runs
/// longer than three), trailing empty columns left out.
fn push_runs(out: &mut String, row: &[u8]) {
    let end = row.iter().rposition(|&m| m != 0).map_or(0, |i| i + 1);
    let mut x = 0;
    while x < end {
        let m = row[x];
        let run = row[x..end].iter().take_while(|&&v| v == m).count();
        let ch = char::from(63 + m);
        if run > 3 {
            out.push_str(&format!("!{run}{ch}"));
        } else {
            (0..run).for_each(|_| out.push(ch));
        }
        x += run;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(w: u32, h: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(color);
            enc.set_depth(png::BitDepth::Eight);
            let mut wr = enc.write_header().unwrap();
            wr.write_image_data(data).unwrap();
        }
        out
    }

    #[test]
    fn decodes_rgba_over_white_and_grayscale() {
        // Red at alpha 0 is white; red at alpha 255 stays red; half-transparent
        // black is 255*(255-128)/255 = 127.
        let rgba = [255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 0, 128];
        let img = decode_png(&png_bytes(3, 1, png::ColorType::Rgba, &rgba)).unwrap();
        assert_eq!((img.width, img.height), (3, 1));
        assert_eq!(img.pixels, [[255, 255, 255], [255, 0, 0], [127, 127, 127]]);
        let gray = decode_png(&png_bytes(2, 1, png::ColorType::Grayscale, &[10, 200])).unwrap();
        assert_eq!(gray.pixels, [[10; 3], [200; 3]]);
        assert!(decode_png(b"\x89PNG\r\n\x1a\n garbage").is_none());
    }

    #[test]
    fn exact_palette_for_few_colours_and_hand_encoded_bands() {
        // 2x7 picture: column 0 red, column 1 blue; rows 0..6 form band 1,
        // row 6 band 2. Palette sorted: blue [0,0,255] < red [255,0,0].
        let mut px = Vec::new();
        for _ in 0..7 {
            px.extend_from_slice(&[255, 0, 0, 0, 0, 255]);
        }
        let img = decode_png(&png_bytes(2, 7, png::ColorType::Rgb, &px)).unwrap();
        let s = encode(&img);
        // Band 1: blue covers column 1 in all six rows (mask 63 -> '~'),
        // column 0 empty ('?'); red the other way round. Band 2: one row
        // (mask 1 -> '@').
        assert_eq!(
            s,
            "\x1bPq\"1;1;2;7#0;2;0;0;100#1;2;100;0;0\
             #0?~$#1~-#0?@$#1@-\x1b\\"
        );
    }

    #[test]
    fn many_colours_fit_in_256_and_stay_close() {
        // A 64x64 gradient has 4096 distinct colours.
        let (w, h) = (64usize, 64usize);
        let mut px = Vec::new();
        for y in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[(x * 4) as u8, (y * 4) as u8, 128]);
            }
        }
        let img = Rgb8 {
            width: w,
            height: h,
            pixels: px.chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
        };
        let (palette, idx) = quantize(&img, 256);
        assert!(palette.len() <= 256 && palette.len() > 200);
        // 4096 colours in <= 256 boxes of a 256x256 plane: each box spans
        // about 16x16 values, so no pixel is off by more than ~16 per channel.
        for (p, &i) in img.pixels.iter().zip(&idx) {
            let q = palette[i as usize];
            for ch in 0..3 {
                assert!(
                    (i32::from(p[ch]) - i32::from(q[ch])).abs() <= 24,
                    "{p:?} -> {q:?}"
                );
            }
        }
        let s = encode(&img);
        assert!(s.starts_with("\x1bPq") && s.ends_with("\x1b\\"));
        assert_eq!(s.matches('-').count(), 64usize.div_ceil(6));
        // Palette entries appear once each, numbered below 256.
        // (a definition `#i;2;r;g;b` has four ';', a colour selector none).
        let defs = s.split('#').filter(|d| d.matches(';').count() == 4).count();
        assert_eq!(defs, palette.len());
    }

    #[test]
    fn an_engine_chart_encodes_at_its_size() {
        use tinytorch::viz::{plot, PlotOptions, Series};
        let ys: Vec<f64> = (0..50).map(|i| (-(i as f64) / 10.0).exp()).collect();
        let opts = PlotOptions {
            title: Some("loss".into()),
            width: 240,
            height: 160,
            ..PlotOptions::default()
        };
        let bundle = plot(&[Series::from_ys("loss", &ys)], &opts).unwrap();
        let img = decode_png(bundle.png.as_ref().unwrap()).unwrap();
        let s = encode(&img);
        assert!(s.starts_with(&format!("\x1bPq\"1;1;{};{}", img.width, img.height)));
        assert!(s.ends_with("\x1b\\"));
        // One band per six rows; at most 256 palette definitions.
        assert_eq!(s.matches('-').count(), img.height.div_ceil(6));
        let defs = s.split('#').filter(|d| d.matches(';').count() == 4).count();
        assert!((2..=MAX_COLORS).contains(&defs), "{defs}");
    }

    #[test]
    fn long_runs_are_compressed() {
        let mut out = String::new();
        push_runs(&mut out, &[63, 63, 63, 63, 63, 1, 1, 0, 0]);
        assert_eq!(out, "!5~@@");
    }
}
