//! The one font the renderers use: DejaVu Sans (license beside it in
//! `fonts/`), embedded so that PNG text needs neither fontconfig nor freetype.
//! Registered with plotters' `ab_glyph` font table under the family name
//! [`FAMILY`] the first time anything is measured or drawn. Knows nothing of
//! what is drawn.

use plotters::style::{FontStyle, IntoFont};
use std::sync::Once;

/// The family name every renderer asks for. SVG output names it too, so
/// viewers fall back to their own sans-serif font.
pub const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the embedded font with plotters (idempotent, thread-safe).
pub fn ensure_registered() {
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType file checked in with the source; a
        // failure here would mean the file is corrupt, and text would then be
        // measured by the fallback in `text_width`.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS);
    });
}

/// plotters (through ab_glyph) sizes text by its line height, SVG by its em:
/// DejaVu Sans' ascent plus descent is 1.164 em. Scene text sizes are ems.
pub const PX_PER_EM: f64 = 1.164;

/// The width in pixels of `text` at font size `size` (in ems, as SVG's
/// `font-size`).
pub fn text_width(text: &str, size: f64) -> f64 {
    ensure_registered();
    match (FAMILY, size * PX_PER_EM).into_font().box_size(text) {
        Ok((w, _)) => f64::from(w),
        // Rough DejaVu Sans average advance, used only if the font failed.
        Err(_) => text.chars().count() as f64 * size * 0.6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider() {
        let a = text_width("x", 12.0);
        let b = text_width("MmBackward0", 12.0);
        assert!(a > 2.0 && b > 5.0 * a, "{a} {b}");
        assert_eq!(text_width("", 12.0), 0.0);
    }
}
