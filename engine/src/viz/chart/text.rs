//! The text fallback for line charts: Unicode braille dots (2 x 4 per
//! character cell) with y labels on the left, x labels below, then the axis
//! descriptions and a legend line with each series' last value. For
//! terminals that cannot show images; knows nothing of plotters.

use super::{prepare, PlotOptions, Series};
use crate::viz::format_value;

/// Braille bit for the dot at (column 0..2, row 0..4) of a cell.
const DOT: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

struct Canvas {
    w: usize,
    h: usize,
    cells: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            cells: vec![0; w * h],
        }
    }

    fn set(&mut self, x: i64, y: i64) {
        if x < 0 || y < 0 || x >= 2 * self.w as i64 || y >= 4 * self.h as i64 {
            return;
        }
        let (x, y) = (x as usize, y as usize);
        self.cells[(y / 4) * self.w + x / 2] |= DOT[x % 2][y % 4];
    }

    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64)) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut e) = (x0, y0, dx + dy);
        loop {
            self.set(x, y);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * e;
            if e2 >= dy {
                e += dy;
                x += sx;
            }
            if e2 <= dx {
                e += dx;
                y += sy;
            }
        }
    }

    fn row(&self, r: usize) -> String {
        self.cells[r * self.w..(r + 1) * self.w]
            .iter()
            .map(|&b| {
                if b == 0 {
                    ' '
                } else {
                    char::from_u32(0x2800 + u32::from(b)).unwrap_or(' ')
                }
            })
            .collect()
    }
}

/// A `width x height` character braille chart (at least 10 x 3).
pub fn braille_chart(series: &[Series], opts: &PlotOptions, width: usize, height: usize) -> String {
    braille(series, opts, width, height, usize::MAX)
}

/// [`braille_chart`] whose first `connected` series are lines and the rest
/// unconnected points (scatter).
pub fn braille(
    series: &[Series],
    opts: &PlotOptions,
    width: usize,
    height: usize,
    connected: usize,
) -> String {
    let (w, h) = (width.max(10), height.max(3));
    let p = prepare(series, opts.logy, 2 * w);
    let mut out: Vec<String> = Vec::new();
    if let Some(t) = &opts.title {
        out.push(t.clone());
    }
    let points = || p.series.iter().flat_map(|s| s.runs.iter().flatten());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in points() {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        out.push(if series.iter().all(Series::is_empty) {
            "(no data)".into()
        } else {
            "(no finite data)".into()
        });
        return out.join("\n");
    }
    let ty = |y: f64| if opts.logy { y.log10() } else { y };
    let (ly0, ly1) = (ty(y0), ty(y1));
    let frac = |v: f64, lo: f64, hi: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let mut canvas = Canvas::new(w, h);
    let to_dot = |(x, y): (f64, f64)| {
        let dx = (frac(x, x0, x1) * (2 * w - 1) as f64).round() as i64;
        let dy = ((1.0 - frac(ty(y), ly0, ly1)) * (4 * h - 1) as f64).round() as i64;
        (dx, dy)
    };
    for (i, s) in p.series.iter().enumerate() {
        for run in &s.runs {
            let mut prev = None;
            for &pt in run {
                let d = to_dot(pt);
                match prev {
                    Some(q) if i < connected => canvas.line(q, d),
                    _ => canvas.set(d.0, d.1),
                }
                prev = Some(d);
            }
        }
    }
    let mid = if opts.logy {
        10f64.powf((ly0 + ly1) / 2.0)
    } else {
        (y0 + y1) / 2.0
    };
    let labels = [format_value(y1), format_value(mid), format_value(y0)];
    let lw = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    for r in 0..h {
        let (label, tick) = if r == 0 {
            (labels[0].as_str(), '┤')
        } else if r == h / 2 && h > 2 {
            (labels[1].as_str(), '┤')
        } else if r == h - 1 {
            (labels[2].as_str(), '┤')
        } else {
            ("", '│')
        };
        let line = format!("{label:>lw$} {tick}{}", canvas.row(r));
        out.push(line.trim_end().to_string());
    }
    out.push(format!("{:lw$} └{}", "", "─".repeat(w)));
    let (xl, xr) = (format_value(x0), format_value(x1));
    let gap = w
        .saturating_sub(xl.chars().count() + xr.chars().count())
        .max(1);
    out.push(format!("{:lw$}  {xl}{}{xr}", "", " ".repeat(gap)));
    if let Some(t) = &opts.xlabel {
        let pad = (w.saturating_sub(t.chars().count())) / 2;
        out.push(format!("{:lw$}  {}{t}", "", " ".repeat(pad)));
    }
    let mut notes = Vec::new();
    if let Some(t) = &opts.ylabel {
        notes.push(format!("y: {t}"));
    }
    if opts.logy {
        notes.push("log scale".into());
    }
    if !notes.is_empty() {
        out.push(notes.join(", "));
    }
    let legend: Vec<String> = series
        .iter()
        .filter(|s| !s.name.is_empty())
        .map(|s| {
            let last = s.ys.iter().rev().find(|v| v.is_finite()).copied();
            match last {
                Some(v) => format!("{} (last {})", s.name, format_value(v)),
                None => s.name.clone(),
            }
        })
        .collect();
    if !legend.is_empty() {
        out.push(format!("series: {}", legend.join(", ")));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rising_line_fills_the_diagonal() {
        let s = Series::from_ys("up", &[0.0, 1.0]);
        let t = braille_chart(&[s], &PlotOptions::default(), 10, 3);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("  1 ┤"), "{t}");
        assert!(lines[2].starts_with("  0 ┤⡠"), "{t}");
        assert!(lines[1].starts_with("0.5 ┤ "), "{t}");
        assert!(t.ends_with("series: up (last 1)"), "{t}");
    }

    #[test]
    fn nothing_drawable_says_so() {
        let s = Series::from_ys("nan", &[f64::NAN]);
        assert_eq!(
            braille_chart(&[s], &PlotOptions::default(), 10, 3),
            "(no finite data)"
        );
        assert_eq!(
            braille_chart(&[], &PlotOptions::default(), 10, 3),
            "(no data)"
        );
    }
}
