//! Tensors as pictures (`show`): the engine-independent [`TensorView`] (a
//! shape and `f32` values, row-major) and the choice of picture by rank:
//!
//! - 0-D: the value, large;
//! - 1-D: a bar chart (a line chart past [`bars::MAX_BARS`] values);
//! - 2-D: a heatmap with a colour bar, values in the cells when small;
//! - `N x 1 x H x W` and `N x 3 x H x W`: a grid of images;
//! - other ranks: a grid of 2-D slices over the leading dimensions.
//!
//! Small tensors also get an HTML table; every tensor gets a shaded-block
//! text picture. Knows nothing of `Tensor`, dtypes or devices: the engine
//! converts (and casts to `f32`) before calling.

pub mod bars;
pub mod heatmap;
pub mod images;
pub mod text;

use super::scene::{Anchor, Scene};
use super::{format_value, MimeBundle, Result, VizError};

/// A tensor's values, row-major, with its shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TensorView {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
    /// Shown above the picture (e.g. the variable name).
    pub title: Option<String>,
    /// Names for the rows and columns of the last two dims (e.g. the tokens
    /// of an attention map), drawn instead of the indices.
    pub axis_labels: Option<(Vec<String>, Vec<String>)>,
    /// One caption per image of an image grid (e.g. "pred 3 / true 5"),
    /// drawn instead of the index.
    pub captions: Option<Vec<String>>,
}

impl TensorView {
    pub fn new(shape: &[usize], values: Vec<f32>) -> Self {
        Self {
            shape: shape.to_vec(),
            values,
            title: None,
            axis_labels: None,
            captions: None,
        }
    }

    /// Captions for the images of a grid, one per image.
    pub fn with_captions(mut self, captions: Vec<String>) -> Self {
        self.captions = Some(captions);
        self
    }

    /// Labels for the rows and columns of the last two dims.
    pub fn with_axis_labels(mut self, rows: Vec<String>, cols: Vec<String>) -> Self {
        self.axis_labels = Some((rows, cols));
        self
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Checks that the shape accounts for every value.
    pub fn validate(&self) -> Result<()> {
        let expected = self
            .shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .unwrap_or(usize::MAX);
        if let Some((r, c)) = &self.axis_labels {
            let n = self.shape.len();
            if n < 2 || r.len() != self.shape[n - 2] || c.len() != self.shape[n - 1] {
                return Err(VizError::ShapeMismatch {
                    shape: self.shape.clone(),
                    expected: self.shape.get(n.wrapping_sub(1)).copied().unwrap_or(0),
                    got: c.len(),
                });
            }
        }
        if expected != self.values.len() {
            return Err(VizError::ShapeMismatch {
                shape: self.shape.clone(),
                expected,
                got: self.values.len(),
            });
        }
        Ok(())
    }

    /// `[2, 3]`.
    pub fn shape_text(&self) -> String {
        let d: Vec<String> = self.shape.iter().map(ToString::to_string).collect();
        format!("[{}]", d.join(", "))
    }

    /// Whether this is a batch of greyscale or RGB images.
    pub fn is_image_batch(&self) -> bool {
        self.shape.len() == 4
            && matches!(self.shape[1], 1 | 3)
            && self.shape[2] > 1
            && self.shape[3] > 1
    }
}

/// Summary numbers over the finite values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub finite: usize,
    pub nan: usize,
    pub inf: usize,
}

impl Stats {
    pub fn of(values: &[f32]) -> Self {
        let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        let (mut finite, mut nan, mut inf) = (0, 0, 0);
        for &v in values {
            let v = f64::from(v);
            if v.is_nan() {
                nan += 1;
            } else if v.is_infinite() {
                inf += 1;
            } else {
                finite += 1;
                min = min.min(v);
                max = max.max(v);
                sum += v;
            }
        }
        let mean = if finite > 0 {
            sum / finite as f64
        } else {
            f64::NAN
        };
        Self {
            min,
            max,
            mean,
            finite,
            nan,
            inf,
        }
    }

    /// `min -1, max 2.5, mean 0.33` plus NaN and infinity counts if any.
    pub fn describe(&self) -> String {
        let mut s = if self.finite > 0 {
            format!(
                "min {}, max {}, mean {}",
                format_value(self.min),
                format_value(self.max),
                format_value(self.mean)
            )
        } else {
            "no finite values".to_string()
        };
        if self.nan > 0 {
            s.push_str(&format!(", {} nan", self.nan));
        }
        if self.inf > 0 {
            s.push_str(&format!(", {} inf", self.inf));
        }
        s
    }
}

/// The heading drawn above every tensor picture.
pub(crate) fn heading(t: &TensorView) -> String {
    match &t.title {
        Some(name) => format!("{name}  {}", t.shape_text()),
        None => format!("tensor {}", t.shape_text()),
    }
}

/// Renders a tensor as the picture that fits its rank (SVG and PNG), with
/// a shaded-block text fallback. No HTML: a notebook that is not trusted
/// strips SVG inside HTML, so pictures travel as images only (the table
/// form of a small tensor is [`text::html_table`], for a cell's value).
///
/// ```
/// use tinytorch::viz::{show, TensorView};
/// let t = TensorView::new(&[2, 2], vec![0.0, 1.0, 2.0, 3.0]);
/// let b = show(&t).unwrap();
/// assert!(b.svg.unwrap().contains("<title>[1, 0] = 2</title>"));
/// ```
pub fn show(t: &TensorView) -> Result<MimeBundle> {
    t.validate()?;
    let plain = text::shaded(t);
    let scene = if t.values.is_empty() {
        Some(message_scene(&heading(t), "empty tensor: nothing to draw"))
    } else {
        match t.shape.len() {
            0 => Some(message_scene(
                &heading(t),
                &format_value(f64::from(t.values[0])),
            )),
            1 if t.values.len() > bars::MAX_BARS => None,
            1 => Some(bars::bars(t)),
            2 => Some(heatmap::heatmap(t)),
            _ if t.is_image_batch() => Some(images::grid(t)),
            _ => Some(heatmap::slices(t)),
        }
    };
    let bundle = match scene {
        Some(scene) => {
            let png = scene.to_png(1.0)?;
            MimeBundle::text(plain)
                .with_svg(scene.to_svg())
                .with_png(png)
        }
        None => {
            // Long 1-D tensors read better as a decimated line chart.
            let mut b = bars::long_line(t)?;
            b.plain = plain;
            b
        }
    };
    Ok(bundle)
}

/// A small picture with a heading and one message line.
pub(crate) fn message_scene(head: &str, message: &str) -> Scene {
    let w = 40.0 + super::font::text_width(head, 14.0).max(super::font::text_width(message, 22.0));
    let mut s = Scene::new(w.max(200.0), 90.0);
    s.text(20.0, 26.0, head, 14.0, Anchor::Start);
    s.text(20.0, 64.0, message, 22.0, Anchor::Start);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_values_must_agree() {
        let t = TensorView::new(&[2, 3], vec![0.0; 5]);
        assert!(matches!(
            show(&t),
            Err(VizError::ShapeMismatch {
                expected: 6,
                got: 5,
                ..
            })
        ));
        let huge = TensorView::new(&[usize::MAX, 2], vec![]);
        assert!(huge.validate().is_err());
    }

    #[test]
    fn every_rank_renders() {
        for shape in [
            vec![],
            vec![0],
            vec![5],
            vec![3, 0],
            vec![3, 4],
            vec![2, 3, 4],
            vec![2, 1, 5, 5],
            vec![2, 2, 2, 2, 2],
        ] {
            let n: usize = shape.iter().product();
            let t = TensorView::new(&shape, (0..n).map(|i| i as f32).collect());
            let b = show(&t).unwrap_or_else(|e| panic!("{shape:?}: {e}"));
            assert!(b.svg.is_some() && b.png.is_some(), "{shape:?}");
        }
    }

    #[test]
    fn stats_skip_non_finite_values() {
        let s = Stats::of(&[1.0, f32::NAN, 3.0, f32::INFINITY]);
        assert_eq!((s.min, s.max, s.mean, s.nan, s.inf), (1.0, 3.0, 2.0, 1, 1));
        assert_eq!(s.describe(), "min 1, max 3, mean 2, 1 nan, 1 inf");
    }
}
