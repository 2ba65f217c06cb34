//! Pictures of what happens inside a model: computation graphs, line charts,
//! tensors and progress bars, each rendered into a [`MimeBundle`] (plain text
//! always; SVG, PNG and HTML where they fit).
//!
//! This module owns the renderers and their engine-independent data models
//! ([`GraphView`], [`Series`], [`TensorView`], [`Progress`]). It must not know
//! `Tensor`, autograd nodes or the language: the engine converts its own types
//! into these views, and front ends (REPL, Jupyter) decide which mime type to
//! show.
//!
//! Map:
//! ```text
//! mime.rs      MimeBundle, base64 at the edge, evcxr's display protocol
//! scene/       a display list of boxes, paths and text -> SVG text or PNG bytes
//! color.rs     colour maps: sequential, diverging, gradient-norm scale
//! font.rs      the embedded DejaVu Sans, registered once with plotters
//! graph/       GraphView, layered (Sugiyama) layout, drawing, text tree
//! figure/      Figure: panels of lines, points, bars, images; plotters, text
//! chart/       plot(): series, decimation, braille text, LiveChart
//! tensor/      show(): heatmaps, image grids, bars, slices, HTML tables, shaded text
//! progress.rs  tqdm-like progress state, terminal line and notebook HTML
//! bar.rs       ProgressBar: tqdm for Rust loops (stdout, terminal or line by line)
//! samples.rs   deterministic sample inputs (MLP graphs, loss curves, images)
//! ```
//!
//! ```
//! use tinytorch::viz::{plot, Series, PlotOptions};
//! let loss = Series::from_ys("loss", &[1.0, 0.5, 0.25, 0.2]);
//! let bundle = plot(&[loss], &PlotOptions::default().title("training")).unwrap();
//! assert!(bundle.svg.as_deref().unwrap().contains("training"));
//! ```

mod bar;
pub mod chart;
pub mod color;
pub mod figure;
mod font;
pub mod graph;
pub mod mime;
pub mod progress;
pub mod samples;
pub mod scene;
pub mod tensor;

pub use bar::{BarIter, ProgressBar};
pub use chart::{plot, LiveChart, PlotOptions, Series};
pub use figure::{render as render_figure, Axes, Figure, Mark};
pub use graph::{graph, GraphKey, GraphNode, GraphView, NodeKind, Step};
pub use mime::MimeBundle;
pub use progress::Progress;
pub use tensor::{show, TensorView};

/// What can go wrong while drawing. Bad user data gives one of these, never a
/// panic; the engine can wrap it in its own error type.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum VizError {
    /// A graph whose edges or root name nodes that do not exist.
    #[error("invalid graph: {0}")]
    InvalidGraph(String),
    /// A tensor view whose shape does not match its number of values.
    #[error("shape {shape:?} needs {expected} values, got {got}")]
    ShapeMismatch {
        shape: Vec<usize>,
        expected: usize,
        got: usize,
    },
    /// A drawing back-end failed (should not happen on valid input).
    #[error("rendering failed: {0}")]
    Render(String),
}

/// `Result` with [`VizError`].
pub type Result<T> = std::result::Result<T, VizError>;

/// Escapes text for SVG and HTML element content and attribute values.
pub(crate) fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Formats a number compactly for labels: 4 significant digits, scientific
/// notation for very small or large magnitudes, `nan`/`inf` spelt like PyTorch.
pub fn format_value(v: f64) -> String {
    format_sig(v, 4)
}

/// [`format_value`] with `sig` significant digits (1 to 7).
pub fn format_sig(v: f64, sig: usize) -> String {
    let sig = sig.clamp(1, 7);
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.prec$e}", prec = sig - 1);
        // "1.20e-5" -> "1.2e-5"; "1.00e3" -> "1e3"
        if let Some((m, e)) = s.split_once('e') {
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            return format!("{m}e{e}");
        }
        return s;
    }
    let digits = (sig as i32 - 1 - a.log10().floor() as i32).clamp(0, 7) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_format_compactly() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(0.12345), "0.1235");
        assert_eq!(format_value(12.0), "12");
        assert_eq!(format_value(-3.5), "-3.5");
        assert_eq!(format_value(1.2e-5), "1.2e-5");
        assert_eq!(format_value(1e6), "1e6");
        assert_eq!(format_sig(0.98765, 3), "0.988");
        assert_eq!(format_sig(-2.2651, 3), "-2.27");
        assert_eq!(format_value(f64::NAN), "nan");
        assert_eq!(format_value(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(escape_xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape_xml("x\u{1}y"), "x y");
    }
}
