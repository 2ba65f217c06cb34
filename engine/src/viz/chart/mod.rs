//! Line charts (`plot`): named series, options, the preparation the text
//! form uses (finite runs, log filtering, min/max-per-column decimation,
//! axis ranges), and [`LiveChart`] for a training loop that appends points
//! and re-renders.
//!
//! A chart is drawn as a one-panel [`Figure`] of
//! lines; `text.rs` draws the braille form. Knows nothing of tensors: the
//! engine hands over plain `f64` values.

pub mod text;

use super::figure::{self, Axes, Figure, Mark, Scale};
use super::{MimeBundle, Result};
use std::time::{Duration, Instant};

/// One named line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub name: String,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
}

impl Series {
    /// A series over x = 0, 1, 2, ...
    pub fn from_ys(name: impl Into<String>, ys: &[f64]) -> Self {
        Self {
            name: name.into(),
            xs: (0..ys.len()).map(|i| i as f64).collect(),
            ys: ys.to_vec(),
        }
    }

    /// A series from matching x and y values (extra values of the longer
    /// one are ignored).
    pub fn new(name: impl Into<String>, xs: &[f64], ys: &[f64]) -> Self {
        let n = xs.len().min(ys.len());
        Self {
            name: name.into(),
            xs: xs[..n].to_vec(),
            ys: ys[..n].to_vec(),
        }
    }

    /// Appends a point.
    pub fn push(&mut self, x: f64, y: f64) {
        self.xs.push(x);
        self.ys.push(y);
    }

    pub fn len(&self) -> usize {
        self.xs.len().min(self.ys.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Title, axis labels, scale and size of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    pub title: Option<String>,
    pub xlabel: Option<String>,
    pub ylabel: Option<String>,
    /// Logarithmic y axis; non-positive values become gaps.
    pub logy: bool,
    /// Picture size in pixels (SVG units).
    pub width: u32,
    pub height: u32,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            title: None,
            xlabel: None,
            ylabel: None,
            logy: false,
            width: 720,
            height: 420,
        }
    }
}

impl PlotOptions {
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = Some(t.into());
        self
    }
    pub fn xlabel(mut self, t: impl Into<String>) -> Self {
        self.xlabel = Some(t.into());
        self
    }
    pub fn ylabel(mut self, t: impl Into<String>) -> Self {
        self.ylabel = Some(t.into());
        self
    }
    pub fn logy(mut self, on: bool) -> Self {
        self.logy = on;
        self
    }
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// The size clamped to something drawable (120..=4096 pixels a side).
    pub fn clamped_size(&self) -> (u32, u32) {
        (self.width.clamp(120, 4096), self.height.clamp(90, 4096))
    }
}

/// A series ready to draw: its finite pieces, decimated.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedSeries {
    pub name: String,
    /// Runs of consecutive drawable points; a NaN, an infinity or (on a log
    /// axis) a non-positive value ends a run.
    pub runs: Vec<Vec<(f64, f64)>>,
    /// Points in the input, before decimation.
    pub total: usize,
}

/// Every series prepared, plus the ranges the axes should cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub series: Vec<PreparedSeries>,
    /// `None` when no series has a drawable point.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
}

/// Splits series into drawable runs, decimates runs to about `columns`
/// pixel columns (keeping first, min, max and last of each column, so the
/// drawn envelope is exact) and finds padded axis ranges.
pub fn prepare(series: &[Series], logy: bool, columns: usize) -> Prepared {
    let drawable = |x: f64, y: f64| x.is_finite() && y.is_finite() && (!logy || y > 0.0);
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in series {
        for (&x, &y) in s.xs.iter().zip(&s.ys) {
            if drawable(x, y) {
                x0 = x0.min(x);
                x1 = x1.max(x);
            }
        }
    }
    let x_range = (x0 <= x1).then(|| pad_range(x0, x1, false));
    let columns = columns.max(1);
    let mut prepared = Vec::with_capacity(series.len());
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in series {
        let mut runs = Vec::new();
        let mut run: Vec<(f64, f64)> = Vec::new();
        for (&x, &y) in s.xs.iter().zip(&s.ys) {
            if drawable(x, y) {
                run.push((x, y));
                y0 = y0.min(y);
                y1 = y1.max(y);
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        let runs = runs
            .into_iter()
            .map(|r| decimate(&r, (x0, x1), columns))
            .collect();
        prepared.push(PreparedSeries {
            name: s.name.clone(),
            runs,
            total: s.len(),
        });
    }
    let y_range = (y0 <= y1).then(|| pad_range(y0, y1, logy));
    Prepared {
        series: prepared,
        x_range,
        y_range,
    }
}

/// A range with room around the data; a single value gets a unit (or, on a
/// log axis, a decade) around it.
fn pad_range(lo: f64, hi: f64, log: bool) -> (f64, f64) {
    if log {
        let (a, b) = (lo.log10(), hi.log10());
        let pad = if b - a < 1e-9 { 0.5 } else { (b - a) * 0.05 };
        return (10f64.powf(a - pad), 10f64.powf(b + pad));
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.05;
    let (a, b) = (lo - pad, hi + pad);
    if a.is_finite() && b.is_finite() {
        (a, b)
    } else {
        (lo, hi)
    }
}

/// Min/max-per-column decimation (the M4 scheme: first, min, max and last
/// point of every pixel column, in input order). Runs short enough to draw
/// as they are come back unchanged; x need not be sorted, but columns then
/// follow the point index instead of x.
pub fn decimate(run: &[(f64, f64)], (x0, x1): (f64, f64), columns: usize) -> Vec<(f64, f64)> {
    if run.len() <= 4 * columns {
        return run.to_vec();
    }
    let sorted = run.windows(2).all(|w| w[0].0 <= w[1].0);
    let span = x1 - x0;
    let column = |i: usize, x: f64| -> usize {
        let t = if sorted && span > 0.0 && span.is_finite() {
            (x - x0) / span
        } else {
            i as f64 / run.len() as f64
        };
        ((t * columns as f64) as usize).min(columns - 1)
    };
    let mut out = Vec::with_capacity(4 * columns);
    let mut start = 0;
    while start < run.len() {
        let c = column(start, run[start].0);
        let mut end = start + 1;
        while end < run.len() && column(end, run[end].0) == c {
            end += 1;
        }
        let bucket = &run[start..end];
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in bucket.iter().enumerate() {
            if p.1 < bucket[lo].1 {
                lo = i;
            }
            if p.1 > bucket[hi].1 {
                hi = i;
            }
        }
        let mut picks = [0, lo, hi, bucket.len() - 1];
        picks.sort_unstable();
        let mut last = usize::MAX;
        for i in picks {
            if i != last {
                out.push(bucket[i]);
                last = i;
            }
        }
        start = end;
    }
    out
}

/// Renders a line chart: SVG and PNG through plotters, a braille chart as
/// `text/plain`.
///
/// ```
/// use tinytorch::viz::{plot, PlotOptions, Series};
/// let b = plot(&[Series::from_ys("loss", &[3.0, 2.0, 1.5])], &PlotOptions::default()).unwrap();
/// assert!(b.png.is_some() && b.plain.contains("loss"));
/// ```
pub fn plot(series: &[Series], opts: &PlotOptions) -> Result<MimeBundle> {
    figure::render(&figure_of(series, opts))
}

/// The one-panel figure that draws `series` with `opts` (an empty chart
/// keeps one empty line, so it says "no data").
pub fn figure_of(series: &[Series], opts: &PlotOptions) -> Figure {
    let mut marks: Vec<Mark> = series
        .iter()
        .map(|s| Mark::line(&s.name, &s.xs, &s.ys, figure::Style::default()))
        .collect();
    if marks.is_empty() {
        marks.push(Mark::line("", &[], &[], figure::Style::default()));
    }
    let mut fig = Figure::single(Axes {
        title: opts.title.clone(),
        xlabel: opts.xlabel.clone(),
        ylabel: opts.ylabel.clone(),
        yscale: if opts.logy { Scale::Log } else { Scale::Linear },
        marks,
        ..Axes::default()
    });
    let (w, h) = opts.clamped_size();
    fig.width = w;
    fig.height = h;
    fig
}

/// A chart that a training loop feeds point by point; the front end
/// re-renders it in place (Jupyter `update_display_data` under
/// [`LiveChart::display_id`], or a redrawn text chart in a terminal).
#[derive(Debug, Clone)]
pub struct LiveChart {
    series: Vec<Series>,
    opts: PlotOptions,
    display_id: String,
    last_render: Option<Instant>,
    /// Renders closer together than this are reported as not due.
    pub min_interval: Duration,
}

impl LiveChart {
    pub fn new(opts: PlotOptions) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Self {
            series: Vec::new(),
            opts,
            display_id: format!("tinytorch-live-{id}-{nanos:x}"),
            last_render: None,
            min_interval: Duration::from_millis(250),
        }
    }

    /// Appends `(x, y)` to the series called `name`, creating it if needed.
    pub fn push(&mut self, name: &str, x: f64, y: f64) {
        match self.series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.push(x, y),
            None => {
                let mut s = Series::new(name, &[], &[]);
                s.push(x, y);
                self.series.push(s);
            }
        }
    }

    /// Appends `y` at the next step (x = number of points so far).
    pub fn push_y(&mut self, name: &str, y: f64) {
        let x = self
            .series
            .iter()
            .find(|s| s.name == name)
            .map_or(0, Series::len);
        self.push(name, x as f64, y);
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// A stable id for updating the same notebook output in place.
    pub fn display_id(&self) -> &str {
        &self.display_id
    }

    /// Whether enough time has passed since the last render to draw again.
    pub fn due(&self) -> bool {
        match self.last_render {
            Some(t) => t.elapsed() >= self.min_interval,
            None => true,
        }
    }

    /// Renders the current state (and remembers when).
    pub fn render(&mut self) -> Result<MimeBundle> {
        self.last_render = Some(Instant::now());
        plot(&self.series, &self.opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_the_envelope() {
        let run: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (i as f64, if i == 5_000 { 100.0 } else { (i % 7) as f64 }))
            .collect();
        let d = decimate(&run, (0.0, 9_999.0), 100);
        assert!(d.len() <= 400);
        assert!(d.contains(&(5_000.0, 100.0)));
        assert_eq!(d[0], run[0]);
        assert_eq!(*d.last().unwrap(), run[9_999]);
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn gaps_split_runs_and_log_drops_non_positive() {
        let s = Series::from_ys("a", &[1.0, f64::NAN, 2.0, 0.0, 4.0]);
        let p = prepare(std::slice::from_ref(&s), false, 100);
        assert_eq!(p.series[0].runs.len(), 2);
        let p = prepare(&[s], true, 100);
        assert_eq!(p.series[0].runs.len(), 3);
        let (lo, hi) = p.y_range.unwrap();
        assert!(lo > 0.0 && lo < 1.0 && hi > 4.0);
    }

    #[test]
    fn empty_and_flat_data_still_have_ranges() {
        let p = prepare(&[Series::from_ys("e", &[])], false, 10);
        assert_eq!((p.x_range, p.y_range), (None, None));
        let p = prepare(&[Series::from_ys("c", &[2.0])], false, 10);
        assert_eq!(p.y_range, Some((1.8, 2.2)));
    }

    #[test]
    fn live_chart_appends_by_name() {
        let mut c = LiveChart::new(PlotOptions::default());
        c.push_y("train", 1.0);
        c.push_y("train", 0.5);
        c.push_y("val", 0.7);
        assert_eq!(c.series()[0].xs, vec![0.0, 1.0]);
        assert_eq!(c.series()[1].len(), 1);
        assert!(c.due());
        c.render().unwrap();
        assert!(!c.due());
    }
}
