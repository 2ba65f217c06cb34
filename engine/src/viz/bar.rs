//! `ProgressBar`: tqdm for Rust code. It drives a [`Progress`] and prints
//! it: on a terminal one line redrawn in place (at most ten times a
//! second); into a pipe, a notebook (evcxr streams stdout line by line) or
//! a log, one line each time another tenth is done and a last line at the
//! end, so nothing relies on `\r`.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::progress::{postfix_number, Progress};

/// How often a terminal line is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);
/// Width of the bar in characters.
const WIDTH: usize = 20;

/// A progress bar over a loop, printed to stdout (or any writer).
///
/// Methods take `&self`, so the loop can update the postfix while
/// [`ProgressBar::iter`] drives the count:
/// ```
/// use tinytorch::viz::ProgressBar;
/// let bar = ProgressBar::new("train", 3);
/// for step in bar.iter(0..3) {
///     bar.set_postfix("loss", 1.0 / (step + 1) as f64);
/// }
/// assert_eq!(bar.progress().count, 3);
/// ```
pub struct ProgressBar {
    state: RefCell<State>,
}

struct State {
    p: Progress,
    out: Box<dyn Write>,
    /// Redraw in place with `\r` (a terminal) or print whole lines.
    in_place: bool,
    last_draw: Option<Instant>,
    /// Tenths already printed in line mode, and the count last printed.
    tenths: u64,
    printed: Option<u64>,
    done: bool,
}

impl ProgressBar {
    /// A bar of `total` steps titled `desc`, printing to stdout.
    pub fn new(desc: &str, total: u64) -> ProgressBar {
        let tty = std::io::stdout().is_terminal();
        ProgressBar::to_writer(desc, Some(total), Box::new(std::io::stdout()), tty)
    }

    /// A bar printing to `out`: redrawn in place when `in_place`, else
    /// in whole lines. `total` may be unknown.
    pub fn to_writer(
        desc: &str,
        total: Option<u64>,
        out: Box<dyn Write>,
        in_place: bool,
    ) -> ProgressBar {
        let desc = (!desc.is_empty()).then_some(desc);
        ProgressBar {
            state: RefCell::new(State {
                p: Progress::new(desc, total),
                out,
                in_place,
                last_draw: None,
                tenths: 0,
                printed: None,
                done: false,
            }),
        }
    }

    /// Wraps an iterator: each item taken after the first counts the
    /// previous one as done; the end of the iterator finishes the bar.
    pub fn iter<I: IntoIterator>(&self, items: I) -> BarIter<'_, I::IntoIter> {
        BarIter {
            bar: self,
            inner: items.into_iter(),
            started: false,
        }
    }

    /// Counts `n` more steps done.
    pub fn update(&self, n: u64) {
        let mut s = self.state.borrow_mut();
        s.p.update(n);
        s.draw(false);
    }

    /// Sets (or replaces) one `key=value` of the postfix, tqdm's
    /// `set_postfix(loss=0.25)`; numbers get tqdm's 3 significant digits.
    pub fn set_postfix(&self, key: &str, value: f64) {
        let mut s = self.state.borrow_mut();
        let value = postfix_number(value);
        match s.p.postfix.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => s.p.postfix.push((key.to_string(), value)),
        }
    }

    /// Prints the final state and ends the line (also done on drop).
    pub fn finish(&self) {
        self.state.borrow_mut().finish();
    }

    /// A copy of the current state (count, total, elapsed time, postfix).
    pub fn progress(&self) -> Progress {
        self.state.borrow().p.clone()
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.state.get_mut().finish();
    }
}

impl State {
    fn draw(&mut self, last: bool) {
        let now = Instant::now();
        if self.in_place {
            let due = self.last_draw.map_or(true, |t| now - t >= REDRAW);
            if due || last {
                let line = self.p.terminal_line(WIDTH);
                let _ = write!(self.out, "\r{line}{}", if last { "\n" } else { "" });
                let _ = self.out.flush();
                self.last_draw = Some(now);
            }
            return;
        }
        // Line mode: one line per tenth crossed, and the final state once.
        let tenths = match self.p.total {
            Some(t) if t > 0 => (self.p.count.min(t) * 10) / t,
            _ => 0,
        };
        if tenths > self.tenths || (last && self.printed != Some(self.p.count)) {
            self.tenths = tenths;
            self.printed = Some(self.p.count);
            let _ = writeln!(self.out, "{}", self.p.terminal_line(WIDTH));
            let _ = self.out.flush();
        }
    }

    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.draw(true);
        }
    }
}

/// The iterator of [`ProgressBar::iter`].
pub struct BarIter<'a, I> {
    bar: &'a ProgressBar,
    inner: I,
    started: bool,
}

impl<I: Iterator> Iterator for BarIter<'_, I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        if self.started {
            self.bar.update(1);
        }
        self.started = true;
        let item = self.inner.next();
        if item.is_none() {
            self.bar.finish();
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// A writer whose bytes the test can read after the bar is gone.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn line_mode_prints_each_tenth_once_with_the_latest_postfix() {
        let out = Shared::default();
        {
            let bar = ProgressBar::to_writer("fit", Some(25), Box::new(out.clone()), false);
            for i in bar.iter(0..25) {
                bar.set_postfix("loss", 100.0 / (i + 1) as f64);
            }
        }
        let text = String::from_utf8(out.0.borrow().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10, "{text}");
        assert!(!text.contains('\r'));
        assert!(lines[0].starts_with("fit:  12%|"), "{}", lines[0]);
        assert!(lines[9].starts_with("fit: 100%|"), "{}", lines[9]);
        assert!(
            lines[9].contains("25/25") && lines[9].ends_with("loss=4]"),
            "{}",
            lines[9]
        );
    }

    #[test]
    fn terminal_mode_redraws_in_place_and_ends_the_line() {
        let out = Shared::default();
        let bar = ProgressBar::to_writer("", None, Box::new(out.clone()), true);
        bar.update(3);
        bar.finish();
        bar.finish();
        let text = String::from_utf8(out.0.borrow().clone()).unwrap();
        assert!(text.starts_with('\r') && text.ends_with('\n'), "{text:?}");
        assert_eq!(text.matches('\n').count(), 1, "{text:?}");
        assert!(
            text.trim_end().ends_with("it/s]") && text.contains("\r3it ["),
            "{text:?}"
        );
    }
}
