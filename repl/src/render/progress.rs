//! A `tqdm` bar on one terminal line: redrawn in place with `\r` and
//! erase-to-end-of-line, at most ten times a second (tqdm's `mininterval`),
//! always on the final update. The line's text is the engine's
//! [`Progress::terminal_line`]; this file only fits it to the terminal width
//! and decides when to draw.

use std::time::{Duration, Instant};
use tinytorch::viz::Progress;

/// Least time between two redraws of an unfinished bar.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// The state of the bar currently on screen.
#[derive(Debug, Default)]
pub struct ProgressLine {
    last_draw: Option<Instant>,
    /// The last line drawn, to redraw it after other output.
    current: Option<String>,
}

impl ProgressLine {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a bar is on screen (unfinished).
    pub fn active(&self) -> bool {
        self.current.is_some()
    }

    /// What to write for this update, or `None` when it is too soon after
    /// the last redraw. `done` ends the line with a newline.
    pub fn update(
        &mut self,
        p: &Progress,
        done: bool,
        columns: usize,
        now: Instant,
    ) -> Option<String> {
        if !done {
            if let Some(t) = self.last_draw {
                if now.duration_since(t) < MIN_INTERVAL {
                    return None;
                }
            }
        }
        self.last_draw = Some(now);
        let line = fit_line(p, columns);
        let mut out = format!("\r{line}\x1b[K");
        if done {
            out.push('\n');
            self.current = None;
            self.last_draw = None;
        } else {
            self.current = Some(line);
        }
        Some(out)
    }

    /// Erases the bar before other output is written (tqdm.write's trick).
    pub fn clear(&self) -> Option<&'static str> {
        self.current.as_ref().map(|_| "\r\x1b[K")
    }

    /// Redraws the bar after other output that ended with a newline.
    pub fn redraw(&self) -> Option<String> {
        self.current.as_ref().map(|l| format!("\r{l}\x1b[K"))
    }
}

/// tqdm's line with the widest bar that fits `columns` (10 to 40 cells; the
/// line is one character short of the width so the cursor never wraps).
pub fn fit_line(p: &Progress, columns: usize) -> String {
    let bare = p.terminal_line(0).chars().count();
    let bar = columns.saturating_sub(bare + 1).clamp(10, 40);
    p.terminal_line(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(count: u64) -> Progress {
        let mut p = Progress::new(Some("train"), Some(100));
        p.count = count;
        p.elapsed = 1.0;
        p
    }

    #[test]
    fn updates_in_place_and_throttles() {
        let t0 = Instant::now();
        let mut line = ProgressLine::new();
        let first = line.update(&progress(1), false, 80, t0).unwrap();
        assert!(first.starts_with("\rtrain:   1%|"));
        assert!(first.ends_with("\x1b[K") && !first.contains('\n'));
        assert!(line.active());
        // 50 ms later: skipped; 150 ms later: drawn; the final one always.
        assert_eq!(
            line.update(&progress(2), false, 80, t0 + Duration::from_millis(50)),
            None
        );
        assert!(line
            .update(&progress(3), false, 80, t0 + Duration::from_millis(150))
            .is_some());
        let last = line
            .update(&progress(100), true, 80, t0 + Duration::from_millis(151))
            .unwrap();
        assert!(last.starts_with("\rtrain: 100%|") && last.ends_with("\x1b[K\n"));
        assert!(!line.active());
        assert_eq!(line.clear(), None);
    }

    #[test]
    fn bar_fills_the_width_within_bounds() {
        let p = progress(50);
        // 80 columns: the line is at most 79 characters.
        let l = fit_line(&p, 80);
        assert!(l.chars().count() <= 79, "{l}");
        assert!(l.chars().count() >= 70, "{l}");
        // Narrow terminals keep a 10-cell bar; wide ones stop at 40.
        let bare = p.terminal_line(0).chars().count();
        assert_eq!(fit_line(&p, 20).chars().count(), bare + 10);
        assert_eq!(fit_line(&p, 500).chars().count(), bare + 40);
    }
}
