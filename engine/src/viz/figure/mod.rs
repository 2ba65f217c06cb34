//! Figures: a grid of panels ([`Axes`]), each holding marks (lines,
//! scatter points, bars, images and heatmaps) with matplotlib's vocabulary:
//! axis limits, linear or log scales, tick positions with labels, markers
//! and line styles, a legend placed by the data (`best`), in a corner or
//! outside the panel, a figure size and a title over all panels.
//!
//! [`render`] draws a figure as SVG and PNG (`draw.rs`, plotters) and as a
//! text fallback (`text.rs`). [`histogram`] bins values as numpy does.
//! `plot()` of a few series is a one-panel figure of lines (`chart/`).
//! Knows nothing of tensors: the engine hands over plain numbers.
//!
//! ```
//! use tinytorch::viz::figure::{render, Axes, Figure, Mark, Style};
//! let mut fig = Figure::grid(1, 2);
//! fig.axes[0].marks.push(Mark::line("loss", &[0.0, 1.0, 2.0], &[3.0, 1.0, 0.5], Style::default()));
//! fig.axes[1].hist("weights", &[0.1, 0.2, 0.2, 0.9], 4, None, false, Style::default());
//! fig.axes[1].title = Some("weights".into());
//! let b = render(&fig).unwrap();
//! assert!(b.svg.unwrap().contains("weights") && b.png.is_some());
//! ```

pub mod draw;
pub mod text;

use super::color::{Rgb, ValueScale, PALETTE};
use super::{MimeBundle, Result, VizError};

/// Pixels per inch for `figsize` (matplotlib's default dpi).
pub const DPI: f64 = 100.0;

/// A grid of panels with one size and an optional title over them all.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub rows: usize,
    pub cols: usize,
    /// Row-major, `rows * cols` panels.
    pub axes: Vec<Axes>,
    /// Picture size in pixels (SVG units).
    pub width: u32,
    pub height: u32,
    /// Shown over all panels (matplotlib's `suptitle`).
    pub title: Option<String>,
}

impl Figure {
    /// `rows x cols` empty panels, sized like matplotlib's default figure
    /// (6.4 x 4.8 inches) for one panel and grown for more.
    pub fn grid(rows: usize, cols: usize) -> Self {
        let (rows, cols) = (rows.max(1), cols.max(1));
        let width = if cols == 1 {
            720
        } else {
            (cols as u32 * 420).min(1800)
        };
        let height = if rows == 1 {
            440
        } else {
            (rows as u32 * 330).min(1800)
        };
        Self {
            rows,
            cols,
            axes: (0..rows * cols).map(|_| Axes::default()).collect(),
            width,
            height,
            title: None,
        }
    }

    /// A one-panel figure.
    pub fn single(axes: Axes) -> Self {
        let mut f = Self::grid(1, 1);
        f.axes[0] = axes;
        f
    }

    /// Draws it (see [`render`]): SVG, PNG and a text form.
    pub fn render(&self) -> Result<MimeBundle> {
        render(self)
    }

    /// evcxr's display hook: a figure as a cell's value shows its picture
    /// (or, if it cannot be drawn, why).
    pub fn evcxr_display(&self) {
        match self.render() {
            Ok(b) => b.evcxr_display(),
            Err(e) => MimeBundle::text(format!("<figure: {e}>")).evcxr_display(),
        }
    }

    /// Sets the size in inches at [`DPI`], as `figsize=(w, h)`.
    pub fn set_size_inches(&mut self, w: f64, h: f64) {
        self.width = (w * DPI).round().clamp(1.0, 1e6) as u32;
        self.height = (h * DPI).round().clamp(1.0, 1e6) as u32;
    }

    /// The size clamped to something drawable (160..=4096 pixels a side).
    pub fn clamped_size(&self) -> (u32, u32) {
        (self.width.clamp(160, 4096), self.height.clamp(120, 4096))
    }

    /// Whether any panel has something drawn.
    pub fn is_empty(&self) -> bool {
        self.axes.iter().all(|a| a.marks.is_empty())
    }

    /// Checks that every mark's data is consistent.
    pub fn validate(&self) -> Result<()> {
        if self.axes.len() != self.rows * self.cols {
            return Err(VizError::Render(format!(
                "a {}x{} figure needs {} panels, has {}",
                self.rows,
                self.cols,
                self.rows * self.cols,
                self.axes.len()
            )));
        }
        for a in &self.axes {
            for m in &a.marks {
                m.validate()?;
            }
            for t in [&a.xticks, &a.yticks].into_iter().flatten() {
                if let Some(l) = &t.labels {
                    if l.len() != t.at.len() {
                        return Err(VizError::Render(format!(
                            "{} tick labels for {} ticks",
                            l.len(),
                            t.at.len()
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    #[default]
    Linear,
    /// Logarithmic; non-positive values are not drawn.
    Log,
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendLoc {
    /// The inside corner that covers the fewest data points.
    #[default]
    Best,
    UpperRight,
    UpperLeft,
    LowerLeft,
    LowerRight,
    /// To the right of the panel, off the data.
    Outside,
}

impl LegendLoc {
    /// matplotlib's `loc=` names (`"outside"`, `"center left"` with a
    /// `bbox_to_anchor` past the right edge, as in the usual recipe, are
    /// both [`LegendLoc::Outside`]).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "best" => Self::Best,
            "upper right" | "right" | "center right" => Self::UpperRight,
            "upper left" | "center left" | "upper center" | "center" => Self::UpperLeft,
            "lower left" | "lower center" => Self::LowerLeft,
            "lower right" => Self::LowerRight,
            "outside" | "outside right" | "outside upper right" | "outside center right" => {
                Self::Outside
            }
            _ => return None,
        })
    }
}

/// Explicit tick positions, optionally with their own labels (class names,
/// tokens).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ticks {
    pub at: Vec<f64>,
    pub labels: Option<Vec<String>>,
}

/// One panel: its marks and how its axes look.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axes {
    pub title: Option<String>,
    pub xlabel: Option<String>,
    pub ylabel: Option<String>,
    /// Axis limits; `None` fits the data (with a margin).
    pub xlim: Option<(f64, f64)>,
    pub ylim: Option<(f64, f64)>,
    pub xscale: Scale,
    pub yscale: Scale,
    pub xticks: Option<Ticks>,
    pub yticks: Option<Ticks>,
    /// `None`: a legend appears only when some mark has a label.
    pub legend: Option<LegendLoc>,
    /// Whether to draw the legend at all (`legend=False` turns it off).
    pub no_legend: bool,
    /// Grid lines at the ticks (on unless turned off).
    pub no_grid: bool,
    /// `axis('off')`: no axes, ticks or grid (images).
    pub axis_off: bool,
    /// `aspect="auto"`: an image fills the panel instead of keeping
    /// square pixels.
    pub aspect_auto: bool,
    pub marks: Vec<Mark>,
}

impl Axes {
    /// An empty panel with a title, for building a figure from Rust:
    ///
    /// ```
    /// use tinytorch::viz::{Axes, Figure, Mark};
    /// let ax = Axes::titled("two classes")
    ///     .with(Mark::scatter_classes(&[0.0, 1.0, 2.0], &[1.0, 0.0, 1.0], &[0, 1, 1]));
    /// let svg = Figure::single(ax).render().unwrap().svg.unwrap();
    /// assert!(svg.contains("two classes"));
    /// ```
    pub fn titled(title: &str) -> Self {
        Axes {
            title: Some(title.to_string()),
            ..Axes::default()
        }
    }

    /// Adds a mark (builder form of `marks.push`).
    pub fn with(mut self, mark: Mark) -> Self {
        self.marks.push(mark);
        self
    }

    /// Adds a histogram of `values` (see [`histogram`]) as bars; returns
    /// the counts (densities with `density`) and the bin edges.
    pub fn hist(
        &mut self,
        label: &str,
        values: &[f64],
        bins: usize,
        range: Option<(f64, f64)>,
        density: bool,
        style: Style,
    ) -> (Vec<f64>, Vec<f64>) {
        let (counts, edges) = histogram(values, bins, range, density);
        let x: Vec<f64> = edges.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
        let widths: Vec<f64> = edges.windows(2).map(|w| w[1] - w[0]).collect();
        self.marks.push(Mark::Bars {
            label: label.to_string(),
            x,
            heights: counts.clone(),
            widths,
            style,
            outline: true,
        });
        (counts, edges)
    }

    /// The number of the next mark that takes a colour from the cycle.
    pub fn next_color(&self) -> usize {
        self.marks.iter().filter(|m| m.cycles_color()).count()
    }
}

/// A marker shape (matplotlib's letters: `o . s ^ v x + * D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Point,
    Square,
    TriangleUp,
    TriangleDown,
    Cross,
    Plus,
    Star,
    Diamond,
}

impl Marker {
    pub fn from_char(c: char) -> Option<Self> {
        Some(match c {
            'o' => Self::Circle,
            '.' | ',' => Self::Point,
            's' => Self::Square,
            '^' => Self::TriangleUp,
            'v' => Self::TriangleDown,
            'x' | 'X' => Self::Cross,
            '+' | 'P' => Self::Plus,
            '*' => Self::Star,
            'D' | 'd' => Self::Diamond,
            _ => return None,
        })
    }
}

/// How a line is drawn between points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineStyle {
    #[default]
    Solid,
    Dashed,
    Dotted,
    DashDot,
    /// No line: markers only.
    None,
}

impl LineStyle {
    /// `-`, `--`, `:`, `-.`, and the long names (`solid`, `dashed`, ...).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "-" | "solid" => Self::Solid,
            "--" | "dashed" => Self::Dashed,
            ":" | "dotted" => Self::Dotted,
            "-." | "dashdot" => Self::DashDot,
            "" | " " | "None" | "none" => Self::None,
            _ => return None,
        })
    }
}

/// Colour, marker, line style and sizes of a mark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// `None`: the next colour of the panel's cycle.
    pub color: Option<Rgb>,
    pub marker: Option<Marker>,
    pub line: LineStyle,
    /// Line width in pixels.
    pub width: f64,
    /// Marker size in pixels (radius-like).
    pub size: f64,
    /// Opacity, 0 to 1.
    pub alpha: f64,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            color: None,
            marker: None,
            line: LineStyle::Solid,
            width: 2.0,
            size: 4.0,
            alpha: 1.0,
        }
    }
}

/// matplotlib's colour names: one letter (`b g r c m y k w`), `C0`..`C9`,
/// the common CSS names and `#rrggbb`.
pub fn parse_color(s: &str) -> Option<Rgb> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 {
            let v = u32::from_str_radix(hex, 16).ok()?;
            return Some(Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return None;
    }
    if let Some(n) = s.strip_prefix('C').and_then(|n| n.parse::<usize>().ok()) {
        return Some(cycle_color(n));
    }
    Some(match s.to_ascii_lowercase().as_str() {
        "b" | "blue" | "tab:blue" => PALETTE[0],
        "orange" | "tab:orange" => PALETTE[1],
        "g" | "green" | "tab:green" => PALETTE[2],
        "r" | "red" | "tab:red" => PALETTE[3],
        "purple" | "tab:purple" => PALETTE[4],
        "brown" | "tab:brown" => PALETTE[5],
        "pink" | "tab:pink" => PALETTE[6],
        "gray" | "grey" | "tab:gray" | "tab:grey" => PALETTE[7],
        "c" | "cyan" | "tab:cyan" => Rgb(23, 190, 207),
        "m" | "magenta" => Rgb(191, 0, 191),
        "y" | "yellow" | "tab:olive" | "olive" => Rgb(188, 189, 34),
        "k" | "black" => Rgb(0, 0, 0),
        "w" | "white" => Rgb(255, 255, 255),
        _ => return None,
    })
}

/// The `n`-th colour of the cycle (matplotlib's `C0`, `C1`, ...: Tableau 10).
pub fn cycle_color(n: usize) -> Rgb {
    const MORE: [Rgb; 2] = [Rgb(188, 189, 34), Rgb(23, 190, 207)];
    let all = PALETTE.len() + MORE.len();
    let i = n % all;
    if i < PALETTE.len() {
        PALETTE[i]
    } else {
        MORE[i - PALETTE.len()]
    }
}

/// A matplotlib format string (`"o-"`, `"r--"`, `"k."`, `"s:"`): colour,
/// marker and line style; `None` when it is not one. A marker without a
/// line style draws markers only, as matplotlib does.
pub fn parse_fmt(fmt: &str) -> Option<(Option<Rgb>, Option<Marker>, LineStyle)> {
    let mut color = None;
    let mut marker = None;
    let mut line = None;
    let mut rest = fmt;
    while !rest.is_empty() {
        let ls = ["--", "-.", "-", ":"]
            .into_iter()
            .find(|p| rest.starts_with(p));
        if let Some(p) = ls {
            if line.is_some() {
                return None;
            }
            line = LineStyle::parse(p);
            rest = &rest[p.len()..];
            continue;
        }
        let c = rest.chars().next()?;
        if let Some(m) = Marker::from_char(c).filter(|_| marker.is_none()) {
            marker = Some(m);
        } else if "bgrcmykw".contains(c) && color.is_none() {
            color = parse_color(&c.to_string());
        } else {
            return None;
        }
        rest = &rest[c.len_utf8()..];
    }
    let line = match (line, marker) {
        (Some(l), _) => l,
        (None, Some(_)) => LineStyle::None,
        (None, None) => LineStyle::Solid,
    };
    Some((color, marker, line))
}

/// How scatter points get their colours.
#[derive(Debug, Clone, PartialEq)]
pub enum PointColors {
    /// One colour (the style's, or the cycle's).
    Single,
    /// A class per point: each class its colour of the cycle and its own
    /// legend entry (named by `names` where given, else the class number).
    Classes {
        classes: Vec<i64>,
        names: Option<Vec<String>>,
    },
    /// A value per point, coloured by a sequential (or, for signed data,
    /// diverging) colour map.
    Values(Vec<f64>),
}

/// Something drawn in a panel.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A line through points in order (NaN leaves a gap); markers optional.
    Line {
        label: String,
        xs: Vec<f64>,
        ys: Vec<f64>,
        style: Style,
    },
    /// Unconnected points.
    Scatter {
        label: String,
        xs: Vec<f64>,
        ys: Vec<f64>,
        colors: PointColors,
        style: Style,
    },
    /// Vertical bars centred at `x` (histograms, bar charts).
    Bars {
        label: String,
        x: Vec<f64>,
        heights: Vec<f64>,
        widths: Vec<f64>,
        style: Style,
        /// A thin darker outline (histogram bins next to each other).
        outline: bool,
    },
    /// A raster covering `extent` (x0, x1, y0, y1 in data units: y0 is the
    /// edge of row 0, drawn at the top; when y0 < y1 the panel's y axis
    /// grows downwards, as `imshow`'s default): an image, or a heatmap whose values
    /// were mapped to colours; `cells` writes each cell's text in it (a
    /// confusion matrix's counts).
    Image {
        rows: usize,
        cols: usize,
        /// `rows * cols * 3` bytes, row-major.
        rgb: Vec<u8>,
        extent: (f64, f64, f64, f64),
        cells: Option<Vec<String>>,
        /// The values' colour scale, for a heatmap (shown in the legend
        /// area as the range).
        scale: Option<ValueScale>,
    },
}

impl Mark {
    /// A line through `(xs[i], ys[i])`.
    pub fn line(label: &str, xs: &[f64], ys: &[f64], style: Style) -> Self {
        let n = xs.len().min(ys.len());
        Mark::Line {
            label: label.to_string(),
            xs: xs[..n].to_vec(),
            ys: ys[..n].to_vec(),
            style,
        }
    }

    /// Points coloured by class (`scatter(x, y, c=classes)`), one legend
    /// entry per class.
    pub fn scatter_classes(xs: &[f64], ys: &[f64], classes: &[i64]) -> Self {
        let n = xs.len().min(ys.len());
        Mark::Scatter {
            label: String::new(),
            xs: xs[..n].to_vec(),
            ys: ys[..n].to_vec(),
            colors: PointColors::Classes {
                classes: classes.to_vec(),
                names: None,
            },
            style: Style::default(),
        }
    }

    /// An image or heatmap placed at `extent` = (x0, x1, y0, y1) in data
    /// units, `y0` being the edge of row 0 (`imshow(extent=...)`); other
    /// marks are returned unchanged.
    pub fn at_extent(mut self, x0: f64, x1: f64, y0: f64, y1: f64) -> Self {
        if let Mark::Image { extent, .. } = &mut self {
            *extent = (x0, x1, y0, y1);
        }
        self
    }

    /// A heatmap of a `rows x cols` matrix: colours from a sequential map
    /// (diverging for signed data, or within `vlim`), cells written in
    /// when `annotate`, cell `(r, c)` centred at `(c, r)` as `imshow` does.
    pub fn heatmap(
        rows: usize,
        cols: usize,
        values: &[f64],
        vlim: Option<(f64, f64)>,
        annotate: bool,
    ) -> Self {
        let scale = match vlim {
            Some((lo, hi)) => ValueScale {
                lo,
                hi,
                diverging: lo < 0.0 && hi > 0.0,
            },
            None => ValueScale::fit(values.iter().copied()),
        };
        let mut rgb = Vec::with_capacity(values.len() * 3);
        for &v in values {
            let Rgb(r, g, b) = scale.color(v);
            rgb.extend([r, g, b]);
        }
        let all_int = values.iter().all(|v| v.fract() == 0.0 && v.abs() < 1e15);
        let cells = annotate.then(|| {
            values
                .iter()
                .map(|&v| {
                    if all_int {
                        format!("{}", v as i64)
                    } else {
                        super::format_sig(v, 3)
                    }
                })
                .collect()
        });
        Mark::Image {
            rows,
            cols,
            rgb,
            extent: (-0.5, cols as f64 - 0.5, -0.5, rows as f64 - 0.5),
            cells,
            scale: Some(scale),
        }
    }

    /// An image from values in [0, 1] (greyscale: one per pixel; RGB:
    /// three, interleaved); values outside are clipped, NaN is magenta.
    pub fn image(rows: usize, cols: usize, channels: usize, values: &[f64]) -> Self {
        let byte = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        let mut rgb = Vec::with_capacity(rows * cols * 3);
        for p in values.chunks(channels.max(1)) {
            if p.iter().any(|v| v.is_nan()) {
                rgb.extend([255, 0, 255]);
            } else if p.len() >= 3 {
                rgb.extend([byte(p[0]), byte(p[1]), byte(p[2])]);
            } else {
                let g = byte(p[0]);
                rgb.extend([g, g, g]);
            }
        }
        Mark::Image {
            rows,
            cols,
            rgb,
            extent: (-0.5, cols as f64 - 0.5, -0.5, rows as f64 - 0.5),
            cells: None,
            scale: None,
        }
    }

    /// Whether the mark takes the next colour of its panel's cycle.
    fn cycles_color(&self) -> bool {
        matches!(
            self,
            Mark::Line { .. } | Mark::Scatter { .. } | Mark::Bars { .. }
        )
    }

    fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(VizError::Render(what));
        match self {
            Mark::Line { xs, ys, .. } if xs.len() != ys.len() => {
                bad(format!("{} x values for {} y values", xs.len(), ys.len()))
            }
            Mark::Scatter { xs, ys, colors, .. } => {
                if xs.len() != ys.len() {
                    return bad(format!("{} x values for {} y values", xs.len(), ys.len()));
                }
                let n = match colors {
                    PointColors::Single => xs.len(),
                    PointColors::Classes { classes, .. } => classes.len(),
                    PointColors::Values(v) => v.len(),
                };
                if n != xs.len() {
                    return bad(format!("{n} colours for {} points", xs.len()));
                }
                Ok(())
            }
            Mark::Bars {
                x, heights, widths, ..
            } if x.len() != heights.len() || x.len() != widths.len() => bad(format!(
                "{} bar positions, {} heights, {} widths",
                x.len(),
                heights.len(),
                widths.len()
            )),
            Mark::Image {
                rows,
                cols,
                rgb,
                cells,
                ..
            } => {
                let n = rows.checked_mul(*cols).unwrap_or(usize::MAX);
                if rgb.len() != n.saturating_mul(3) {
                    return bad(format!("a {rows}x{cols} image needs {} bytes", n * 3));
                }
                if cells.as_ref().is_some_and(|c| c.len() != n) {
                    return bad(format!("a {rows}x{cols} heatmap needs {n} cell texts"));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// numpy's `histogram`: `bins` equal bins over `range` (default: the finite
/// values' min to max; a single value v gets v-0.5..v+0.5), each bin
/// half-open except the last, which includes its right edge; values
/// outside the range and NaN are left out. With `density`, counts are
/// divided by (total * bin width), so the bars' area is 1.
pub fn histogram(
    values: &[f64],
    bins: usize,
    range: Option<(f64, f64)>,
    density: bool,
) -> (Vec<f64>, Vec<f64>) {
    let bins = bins.max(1);
    let (mut lo, mut hi) = range.unwrap_or_else(|| {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
    });
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    if lo == hi {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let edges: Vec<f64> = (0..=bins)
        .map(|i| lo + (hi - lo) * i as f64 / bins as f64)
        .collect();
    let mut counts = vec![0.0; bins];
    let width = (hi - lo) / bins as f64;
    for &v in values {
        if !(v >= lo && v <= hi) {
            continue;
        }
        let mut i = (((v - lo) / width) as usize).min(bins - 1);
        // Rounding can put a value on the wrong side of an edge.
        if v < edges[i] && i > 0 {
            i -= 1;
        } else if i + 1 < bins && v >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1.0;
    }
    if density {
        let total: f64 = counts.iter().sum();
        if total > 0.0 {
            for (c, w) in counts.iter_mut().zip(edges.windows(2)) {
                *c /= total * (w[1] - w[0]);
            }
        }
    }
    (counts, edges)
}

/// Tick positions for a linear axis: steps of 1, 2, 2.5 or 5 times a power
/// of ten, about `target` of them inside `lo..=hi`.
pub fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let e = raw.log10().floor() as i32;
    let mag = 10f64.powi(e);
    let mult = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| m * mag >= raw * 0.999)
        .unwrap_or(10.0);
    let step = mult * mag;
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last - first > 100 {
        return vec![lo, hi];
    }
    // k * mult / 10^-e is exact where k * mult * 10^e is not (0.6, not
    // 0.6000000000000001).
    let at = |k: i64| {
        if e < 0 {
            k as f64 * mult / 10f64.powi(-e)
        } else {
            k as f64 * step
        }
    };
    (first..=last).map(at).collect()
}

/// Ticks for a log axis: 1-2-5 steps per decade, only powers of ten when
/// that is too many, never fewer than the two ends.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return vec![lo, hi];
    }
    let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let in_range = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let with = |mults: &[f64]| -> Vec<f64> {
        (d0..=d1)
            .flat_map(|d| mults.iter().map(move |m| m * 10f64.powi(d)))
            .filter(in_range)
            .collect()
    };
    let mut ticks = with(&[1.0, 2.0, 5.0]);
    if ticks.len() > 10 {
        ticks = with(&[1.0]);
    }
    if ticks.len() > 10 {
        let step = ticks.len().div_ceil(8);
        ticks = ticks.into_iter().step_by(step).collect();
    }
    if ticks.len() < 3 {
        ticks = with(&[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    }
    if ticks.len() < 2 {
        ticks = vec![lo, hi];
    }
    ticks
}

/// Draws the figure: SVG and PNG (plotters), and a text form as
/// `text/plain` (braille lines and points, bar rows, shaded heatmaps). A
/// figure whose images hold more than [`SVG_MAX_PIXELS`] pixels in all has
/// no SVG (it would be large); its PNG carries the picture.
pub fn render(fig: &Figure) -> Result<MimeBundle> {
    fig.validate()?;
    let png = draw::png(fig)?;
    let plain = text::figure_text(fig);
    let mut b = MimeBundle::text(plain).with_png(png);
    let pixels: usize = fig
        .axes
        .iter()
        .flat_map(|a| &a.marks)
        .map(|m| match m {
            Mark::Image { rows, cols, .. } => rows * cols,
            _ => 0,
        })
        .sum();
    if pixels <= SVG_MAX_PIXELS {
        b = b.with_svg(draw::svg(fig)?);
    }
    Ok(b)
}

/// Image pixels above which a figure gets no SVG.
pub const SVG_MAX_PIXELS: usize = 200_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_matches_numpy() {
        // np.histogram([1, 2, 2, 3, 4, 4, 4, 5], bins=4)
        // -> [1, 2, 1, 4], edges [1, 2, 3, 4, 5]
        let (c, e) = histogram(&[1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 4.0, 5.0], 4, None, false);
        assert_eq!(c, vec![1.0, 2.0, 1.0, 4.0]);
        assert_eq!(e, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        // range= leaves out values outside; NaN is ignored.
        let (c, _) = histogram(&[0.0, 0.5, 1.0, 2.0, f64::NAN], 2, Some((0.0, 1.0)), false);
        assert_eq!(c, vec![1.0, 2.0]);
        // density: area one.
        let (c, e) = histogram(&[0.0, 0.0, 1.0, 3.0], 2, None, true);
        let area: f64 = c
            .iter()
            .zip(e.windows(2))
            .map(|(c, w)| c * (w[1] - w[0]))
            .sum();
        assert!((area - 1.0).abs() < 1e-12);
        // One value: a unit-wide range around it.
        let (_, e) = histogram(&[2.0, 2.0], 1, None, false);
        assert_eq!(e, vec![1.5, 2.5]);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            linear_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(-3.0, 7.0, 5), vec![-2.0, 0.0, 2.0, 4.0, 6.0]);
        assert_eq!(log_ticks(0.09, 3.0), vec![0.1, 0.2, 0.5, 1.0, 2.0]);
        assert_eq!(log_ticks(1e-6, 1e3).len(), 10);
        assert_eq!(log_ticks(0.0, 1.0), vec![0.0, 1.0]);
    }

    #[test]
    fn format_strings_and_colors_parse_like_matplotlib() {
        assert_eq!(
            parse_fmt("ro"),
            Some((Some(PALETTE[3]), Some(Marker::Circle), LineStyle::None))
        );
        assert_eq!(
            parse_fmt("o--"),
            Some((None, Some(Marker::Circle), LineStyle::Dashed))
        );
        assert_eq!(
            parse_fmt("k-."),
            Some((Some(Rgb(0, 0, 0)), None, LineStyle::DashDot))
        );
        assert_eq!(parse_fmt("hello"), None);
        assert_eq!(parse_color("#ff8000"), Some(Rgb(255, 128, 0)));
        assert_eq!(parse_color("C1"), Some(PALETTE[1]));
        assert_eq!(parse_color("nope"), None);
        assert_eq!(LegendLoc::parse("center left"), Some(LegendLoc::UpperLeft));
    }
}
