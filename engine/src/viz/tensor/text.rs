//! Text forms of a tensor: shaded blocks (` ░▒▓█`, two characters per cell)
//! for 2-D maps and images, a `▁▂▃▄▅▆▇█` sparkline for 1-D, and HTML tables
//! for small tensors in notebooks. Large maps are block-averaged to at most
//! [`MAX_TEXT_SIDE`] cells a side. Knows nothing of SVG or PNG.

use super::{Stats, TensorView};
use crate::viz::{escape_xml, format_value};

/// Text maps are averaged down to at most this many cells a side.
pub const MAX_TEXT_SIDE: usize = 32;
/// Slices (or images) printed at most.
pub const MAX_TEXT_SLICES: usize = 4;
/// Rows and columns an HTML table shows at most.
pub const MAX_TABLE_SIDE: usize = 20;

const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Position of `v` in `[lo, hi]` as a level `0..levels`; `None` for NaN.
fn level(v: f64, lo: f64, hi: f64, levels: usize) -> Option<usize> {
    if v.is_nan() {
        return None;
    }
    let t = if hi > lo {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.5
    };
    Some(((t * levels as f64) as usize).min(levels - 1))
}

/// Block-averages a `rows x cols` map (ignoring NaN) to fit `MAX_TEXT_SIDE`.
fn shrink(values: &[f32], rows: usize, cols: usize) -> (Vec<f64>, usize, usize) {
    let f = rows.max(cols).div_ceil(MAX_TEXT_SIDE).max(1);
    let (rr, rc) = (rows.div_ceil(f), cols.div_ceil(f));
    let mut out = Vec::with_capacity(rr * rc);
    for br in 0..rr {
        for bc in 0..rc {
            let (mut sum, mut n) = (0.0, 0);
            for r in br * f..((br + 1) * f).min(rows) {
                for c in bc * f..((bc + 1) * f).min(cols) {
                    let v = f64::from(values[r * cols + c]);
                    if !v.is_nan() {
                        sum += v.clamp(-f64::MAX, f64::MAX);
                        n += 1;
                    }
                }
            }
            out.push(if n == 0 { f64::NAN } else { sum / f64::from(n) });
        }
    }
    (out, rr, rc)
}

fn shaded_map(out: &mut Vec<String>, values: &[f32], rows: usize, cols: usize, lo: f64, hi: f64) {
    let (vals, rr, rc) = shrink(values, rows, cols);
    for r in 0..rr {
        let line: String = (0..rc)
            .map(|c| match level(vals[r * rc + c], lo, hi, SHADES.len()) {
                Some(l) => SHADES[l].to_string().repeat(2),
                None => "??".to_string(),
            })
            .collect();
        out.push(format!("│{line}│"));
    }
    if rr < rows || rc < cols {
        out.push(format!(
            "(averaged down from {rows} x {cols} to {rr} x {rc})"
        ));
    }
}

/// The text picture: a heading, the statistics, then shades or sparks.
pub fn shaded(t: &TensorView) -> String {
    let stats = Stats::of(&t.values);
    let mut out = vec![format!("{}: {}", super::heading(t), stats.describe())];
    if t.values.is_empty() {
        out.push("(empty)".into());
        return out.join("\n");
    }
    let (lo, hi) = if stats.finite > 0 {
        (stats.min, stats.max)
    } else {
        (0.0, 1.0)
    };
    match t.shape.len() {
        0 => out.push(format_value(f64::from(t.values[0]))),
        1 => {
            let n = t.values.len();
            let width = n.min(64);
            let line: String = (0..width)
                .map(|i| {
                    // Average the values falling in this character.
                    let (a, b) = (i * n / width, ((i + 1) * n / width).max(i * n / width + 1));
                    let s = Stats::of(&t.values[a..b]);
                    match level(s.mean, lo, hi, SPARKS.len()) {
                        Some(l) => SPARKS[l],
                        None => '?',
                    }
                })
                .collect();
            out.push(line);
        }
        _ => {
            let r = t.shape.len();
            let (rows, cols) = (t.shape[r - 2], t.shape[r - 1]);
            let per = rows * cols;
            let count = t.values.len() / per.max(1);
            let image_batch = t.is_image_batch();
            let step = if image_batch { t.shape[1] } else { 1 };
            let shown = if r == 2 {
                1
            } else {
                (count / step).min(MAX_TEXT_SLICES)
            };
            for i in 0..shown {
                if r > 2 {
                    out.push(if image_batch {
                        format!("image {i}")
                    } else {
                        format!("slice {i}")
                    });
                }
                // Images show the mean over channels.
                let start = i * step * per;
                let plane: Vec<f32> = (0..per)
                    .map(|p| {
                        (0..step)
                            .map(|ch| t.values[start + ch * per + p])
                            .sum::<f32>()
                            / step as f32
                    })
                    .collect();
                shaded_map(&mut out, &plane, rows, cols, lo, hi);
            }
            if r > 2 && count / step > shown {
                out.push(format!("… {} more not shown", count / step - shown));
            }
            out.push(format!(
                "scale: ' ' {} … '█' {}{}",
                format_value(lo),
                format_value(hi),
                if stats.nan > 0 { ", '??' nan" } else { "" }
            ));
        }
    }
    out.join("\n")
}

/// An HTML table of `rows` x `cols` cells (row-major `cells`, already
/// formatted) under a caption, each cell titled with its index.
pub fn html_table(caption: &str, rows: usize, cols: usize, cells: &[String]) -> String {
    let mut h = format!(
        "<table style=\"border-collapse:collapse;font-family:monospace;font-size:12px\">\n\
         <caption>{}</caption>\n",
        escape_xml(caption)
    );
    for r in 0..rows {
        h.push_str("<tr>");
        for c in 0..cols {
            let v = cells.get(r * cols + c).map_or("", String::as_str);
            h.push_str(&format!(
                "<td style=\"border:1px solid #ccc;padding:2px 6px;text-align:right\" \
                 title=\"[{r}, {c}]\">{}</td>",
                escape_xml(v)
            ));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ramp_uses_every_shade() {
        let t = TensorView::new(&[1, 5], vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        let s = shaded(&t);
        assert!(s.contains("│  ░░▒▒▓▓██│"), "{s}");
    }

    #[test]
    fn sparkline_and_tables() {
        let t = TensorView::new(&[4], vec![0.0, 1.0, 2.0, 3.0]);
        assert!(shaded(&t).ends_with("▁▃▆█"), "{}", shaded(&t));
        let cells: Vec<String> = ["1", "<2", "3", "4"].map(String::from).into();
        let h = html_table("a & b", 2, 2, &cells);
        assert!(h.contains("<caption>a &amp; b</caption>"), "{h}");
        assert!(h.contains("title=\"[0, 1]\">&lt;2</td>") && h.contains("title=\"[1, 1]\">4</td>"));
        assert_eq!(h.matches("<tr>").count(), 2);
    }
}
