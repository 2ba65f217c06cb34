//! Helpers shared by the `viz_*` tests: parse SVG as XML, decode PNGs and
//! judge that they show something, compare text with golden files.
#![allow(dead_code)]

use std::path::PathBuf;

/// Parses an SVG document, failing the test if it is not well-formed XML.
pub fn parse_svg(svg: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG is not XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc
}

/// The contents of every `<text>` element.
pub fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let s: String = n
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|t| t.text())
                .collect();
            s.trim().to_string()
        })
        .collect()
}

/// The contents of every `<title>` element.
pub fn titles(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

/// How many elements carry `class="..."`.
pub fn count_class(doc: &roxmltree::Document<'_>, class: &str) -> usize {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .count()
}

/// A decoded PNG as 8-bit RGB.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Image {
    /// How many different colours appear.
    pub fn distinct_colours(&self) -> usize {
        let mut set = std::collections::HashSet::new();
        for p in self.rgb.chunks(3) {
            set.insert((p[0], p[1], p[2]));
        }
        set.len()
    }

    /// The share of pixels that are not white.
    pub fn ink(&self) -> f64 {
        let n = self.rgb.len() / 3;
        let inked = self.rgb.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        inked as f64 / n.max(1) as f64
    }

    /// Whether some pixel is close to this colour.
    pub fn has_colour_near(&self, (r, g, b): (u8, u8, u8), tol: i32) -> bool {
        self.rgb.chunks(3).any(|p| {
            (i32::from(p[0]) - i32::from(r)).abs() <= tol
                && (i32::from(p[1]) - i32::from(g)).abs() <= tol
                && (i32::from(p[2]) - i32::from(b)).abs() <= tol
        })
    }
}

/// Decodes PNG bytes, failing the test if they are not a PNG.
pub fn decode_png(bytes: &[u8]) -> Image {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgb: buf,
    }
}

/// A PNG that shows a picture: decodes, is not blank, has many colours.
pub fn assert_picture(bytes: &[u8], min_colours: usize) -> Image {
    let img = decode_png(bytes);
    assert!(
        img.width > 50 && img.height > 30,
        "tiny PNG {}x{}",
        img.width,
        img.height
    );
    let colours = img.distinct_colours();
    assert!(colours >= min_colours, "only {colours} colours");
    assert!(img.ink() > 0.02, "blank PNG (ink {})", img.ink());
    img
}

/// The `viewBox` width and height of an SVG.
pub fn view_box(doc: &roxmltree::Document<'_>) -> (f64, f64) {
    let vb = doc.root_element().attribute("viewBox").expect("viewBox");
    let v: Vec<f64> = vb.split_whitespace().map(|x| x.parse().unwrap()).collect();
    (v[2], v[3])
}

/// Compares `actual` with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites
/// the file instead.
pub fn golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {name}; run with UPDATE_GOLDEN=1"));
    assert!(
        expected == actual,
        "{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}
