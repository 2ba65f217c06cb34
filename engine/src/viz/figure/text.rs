//! The text form of a figure, for terminals that cannot show images: per
//! panel, lines and scatter points as a braille chart, bars as rows of
//! blocks, a heatmap's cell texts as a table, an image as its size.

use super::{Axes, Figure, Mark, Scale};
use crate::viz::chart::text::braille;
use crate::viz::chart::{PlotOptions, Series};
use crate::viz::format_value;

/// Rows of a bar listing at most.
const MAX_BAR_ROWS: usize = 24;

pub fn figure_text(fig: &Figure) -> String {
    let mut out = Vec::new();
    if let Some(t) = &fig.title {
        out.push(t.clone());
    }
    let many = fig.axes.len() > 1;
    for (i, ax) in fig.axes.iter().enumerate() {
        if many {
            if ax.marks.is_empty() {
                continue;
            }
            let (r, c) = (i / fig.cols, i % fig.cols);
            let head = match &ax.title {
                Some(t) => format!("[{r},{c}] {t}"),
                None => format!("[{r},{c}]"),
            };
            out.push(head);
        }
        out.push(panel_text(ax, !many));
    }
    out.join("\n")
}

fn panel_text(ax: &Axes, with_title: bool) -> String {
    let mut lines: Vec<Series> = Vec::new();
    let mut points: Vec<Series> = Vec::new();
    let mut out = Vec::new();
    for m in &ax.marks {
        match m {
            Mark::Line { label, xs, ys, .. } => lines.push(Series::new(label.as_str(), xs, ys)),
            Mark::Scatter { label, xs, ys, .. } => points.push(Series::new(label.as_str(), xs, ys)),
            Mark::Bars {
                label, x, heights, ..
            } => out.push(bar_rows(ax, label, x, heights)),
            Mark::Image {
                rows, cols, cells, ..
            } => match cells {
                Some(cells) => out.push(cell_table(*rows, *cols, cells, ax)),
                None => out.push(format!("(image {rows}x{cols})")),
            },
        }
    }
    let title = ax.title.clone().filter(|_| with_title);
    if !lines.is_empty() || !points.is_empty() {
        let opts = PlotOptions {
            title: title.clone(),
            xlabel: ax.xlabel.clone(),
            ylabel: ax.ylabel.clone(),
            logy: ax.yscale == Scale::Log,
            ..PlotOptions::default()
        };
        let connected = lines.len();
        lines.extend(points);
        out.insert(0, braille(&lines, &opts, 60, 12, connected));
    } else if let Some(t) = title {
        out.insert(0, t);
    }
    out.join("\n")
}

fn bar_rows(ax: &Axes, label: &str, x: &[f64], heights: &[f64]) -> String {
    let names: Vec<String> = x
        .iter()
        .map(|v| {
            ax.xticks
                .as_ref()
                .and_then(|t| {
                    let i = t.at.iter().position(|a| (a - v).abs() < 1e-9)?;
                    t.labels.as_ref()?.get(i).cloned()
                })
                .unwrap_or_else(|| format_value(*v))
        })
        .collect();
    let top = heights
        .iter()
        .filter(|h| h.is_finite())
        .fold(0.0f64, |a, h| a.max(h.abs()));
    let nw = names.iter().map(|n| n.chars().count()).max().unwrap_or(1);
    let mut out = Vec::new();
    if !label.is_empty() {
        out.push(label.to_string());
    }
    let step = x.len().div_ceil(MAX_BAR_ROWS).max(1);
    for i in (0..x.len()).step_by(step) {
        let h = heights[i];
        let n = if top > 0.0 && h.is_finite() {
            (h.abs() / top * 40.0).round() as usize
        } else {
            0
        };
        out.push(format!(
            "{:>nw$} │{} {}",
            names[i],
            "█".repeat(n),
            format_value(h)
        ));
    }
    if step > 1 {
        out.push(format!("(every {step}th of {} bars)", x.len()));
    }
    out.join("\n")
}

fn cell_table(rows: usize, cols: usize, cells: &[String], ax: &Axes) -> String {
    let label = |t: &Option<super::Ticks>, i: usize| -> String {
        t.as_ref()
            .and_then(|t| {
                let k = t.at.iter().position(|a| (a - i as f64).abs() < 1e-9)?;
                t.labels.as_ref()?.get(k).cloned()
            })
            .unwrap_or_else(|| i.to_string())
    };
    let row_names: Vec<String> = (0..rows).map(|r| label(&ax.yticks, r)).collect();
    let col_names: Vec<String> = (0..cols).map(|c| label(&ax.xticks, c)).collect();
    let rw = row_names
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(1);
    let cw = cells
        .iter()
        .chain(&col_names)
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(1);
    let mut out = Vec::new();
    let head: Vec<String> = col_names.iter().map(|c| format!("{c:>cw$}")).collect();
    out.push(format!("{:rw$}  {}", "", head.join(" ")));
    for (r, name) in row_names.iter().enumerate() {
        let row: Vec<String> = cells[r * cols..(r + 1) * cols]
            .iter()
            .map(|c| format!("{c:>cw$}"))
            .collect();
        out.push(format!("{name:>rw$}  {}", row.join(" ")));
    }
    out.join("\n")
}
