//! `tqdm`: the state of a progress bar (count, total, elapsed time, rate,
//! ETA, description, postfix) and its renderings: a terminal line in tqdm's
//! format and a notebook HTML bar. Pure data: the caller sets the elapsed
//! time (or lets `update` read the clock), so renderings are testable. Knows
//! nothing of iterables or the language.

use super::{escape_xml, MimeBundle};
use std::time::Instant;

/// Progress of a loop.
#[derive(Debug, Clone)]
pub struct Progress {
    pub desc: Option<String>,
    pub count: u64,
    pub total: Option<u64>,
    /// Seconds since the start.
    pub elapsed: f64,
    /// `key=value` pairs shown after the rate, in order.
    pub postfix: Vec<(String, String)>,
    /// Unit name, `it` by default.
    pub unit: String,
    started: Instant,
}

impl Progress {
    pub fn new(desc: Option<&str>, total: Option<u64>) -> Self {
        Self {
            desc: desc.map(str::to_string),
            count: 0,
            total,
            elapsed: 0.0,
            postfix: Vec::new(),
            unit: "it".into(),
            started: Instant::now(),
        }
    }

    /// Advances by `n` and reads the clock.
    pub fn update(&mut self, n: u64) {
        self.count = self.count.saturating_add(n);
        self.elapsed = self.started.elapsed().as_secs_f64();
    }

    /// Replaces the postfix, as tqdm's `set_postfix(loss=..)` does.
    pub fn set_postfix(&mut self, pairs: Vec<(String, String)>) {
        self.postfix = pairs;
    }

    /// Iterations per second, once measurable.
    pub fn rate(&self) -> Option<f64> {
        (self.elapsed > 0.0 && self.elapsed.is_finite() && self.count > 0)
            .then(|| self.count as f64 / self.elapsed)
    }

    /// Seconds left, when there is a total and a rate.
    pub fn eta(&self) -> Option<f64> {
        let (total, rate) = (self.total?, self.rate()?);
        Some(total.saturating_sub(self.count) as f64 / rate)
    }

    /// Fraction done in [0, 1], when there is a total.
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(t) => Some((self.count as f64 / t as f64).min(1.0)),
            None => None,
        }
    }

    fn rate_text(&self) -> String {
        match self.rate() {
            None => format!("?{}/s", self.unit),
            Some(r) if r < 1.0 => format!("{:.2}s/{}", 1.0 / r, self.unit),
            Some(r) => format!("{r:.2}{}/s", self.unit),
        }
    }

    fn postfix_text(&self) -> String {
        self.postfix
            .iter()
            .map(|(k, v)| format!(", {k}={v}"))
            .collect()
    }

    /// The counters after the bar: `45/100 [00:01<00:01, 40.12it/s, loss=0.123]`
    /// (or `45it [...]` without a total).
    pub fn counters(&self) -> String {
        let times = match self.eta() {
            Some(eta) => format!("{}<{}", clock(self.elapsed), clock(eta)),
            None if self.total.is_some() => format!("{}<?", clock(self.elapsed)),
            None => clock(self.elapsed),
        };
        let tail = format!("[{times}, {}{}]", self.rate_text(), self.postfix_text());
        match self.total {
            Some(total) => format!("{}/{total} {tail}", self.count),
            None => format!("{}{} {tail}", self.count, self.unit),
        }
    }

    /// tqdm's line, e.g. `train: 45%|████▌     | 45/100 [00:01<00:01, 40.12it/s, loss=0.123]`,
    /// with a bar `bar_width` characters wide.
    pub fn terminal_line(&self, bar_width: usize) -> String {
        let desc = self
            .desc
            .as_deref()
            .map(|d| format!("{d}: "))
            .unwrap_or_default();
        match self.fraction() {
            Some(f) => format!(
                "{desc}{:>3}%|{}| {}",
                (f * 100.0).floor() as u64,
                bar(f, bar_width),
                self.counters()
            ),
            None => format!("{desc}{}", self.counters()),
        }
    }

    /// A notebook progress bar: description, an HTML `<progress>` element
    /// and the same counters as the terminal line.
    pub fn html(&self) -> String {
        let desc = self.desc.as_deref().map(escape_xml).unwrap_or_default();
        let (bar, pct) = match (self.total, self.fraction()) {
            (Some(t), Some(f)) => (
                format!(
                    "<progress value=\"{}\" max=\"{t}\" style=\"width:240px\"></progress>",
                    self.count.min(t)
                ),
                format!("{:>3}%", (f * 100.0).floor() as u64),
            ),
            _ => (String::new(), String::new()),
        };
        format!(
            "<div style=\"font-family:monospace;display:flex;gap:8px;align-items:center\">\
             <span>{desc}</span><span>{pct}</span>{bar}<span>{}</span></div>",
            escape_xml(&self.counters())
        )
    }

    /// Both renderings in a bundle (bar 10 characters wide in the text).
    pub fn bundle(&self) -> MimeBundle {
        MimeBundle::text(self.terminal_line(10)).with_html(self.html())
    }
}

/// `MM:SS`, or `H:MM:SS` past an hour, as tqdm prints times.
pub fn clock(secs: f64) -> String {
    let s = if secs.is_finite() && secs > 0.0 {
        secs.round() as u64
    } else {
        0
    };
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// A bar of full blocks and one partial eighth-block, padded with spaces.
pub fn bar(fraction: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let f = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (f * width as f64 * 8.0).floor() as usize;
    let (full, part) = (eighths / 8, eighths % 8);
    let mut s = "█".repeat(full.min(width));
    if full < width {
        if part > 0 {
            s.push(PARTS[part]);
        } else {
            s.push(' ');
        }
        s.push_str(&" ".repeat(width - full - 1));
    }
    s
}

/// A float as tqdm formats postfix values: 3 significant digits.
pub fn postfix_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return super::format_value(v);
    }
    let e = v.abs().log10().floor() as i32;
    if !(-4..5).contains(&e) {
        return format!("{v:.2e}");
    }
    let digits = (2 - e).max(0) as usize;
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

    fn at(count: u64, total: Option<u64>, elapsed: f64) -> Progress {
        let mut p = Progress::new(Some("train"), total);
        p.count = count;
        p.elapsed = elapsed;
        p
    }

    #[test]
    fn reads_like_tqdm() {
        let mut p = at(45, Some(100), 1.1215);
        p.set_postfix(vec![("loss".into(), postfix_number(0.12345))]);
        assert_eq!(
            p.terminal_line(10),
            "train:  45%|████▌     | 45/100 [00:01<00:01, 40.12it/s, loss=0.123]"
        );
    }

    #[test]
    fn unknown_totals_slow_rates_and_start() {
        assert_eq!(
            at(7, None, 2.0).terminal_line(10),
            "train: 7it [00:02, 3.50it/s]"
        );
        assert_eq!(
            at(1, Some(3), 4.0).terminal_line(4),
            "train:  33%|█▎  | 1/3 [00:04<00:08, 4.00s/it]"
        );
        assert_eq!(
            at(0, Some(10), 0.0).terminal_line(4),
            "train:   0%|    | 0/10 [00:00<?, ?it/s]"
        );
        assert_eq!(at(5, Some(0), 1.0).fraction(), Some(1.0));
    }

    #[test]
    fn clocks_bars_and_numbers() {
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(f64::NAN), "00:00");
        assert_eq!(bar(1.0, 3), "███");
        assert_eq!(bar(2.0, 3), "███");
        assert_eq!(postfix_number(1234.4), "1234");
        assert_eq!(postfix_number(1.5e-7), "1.50e-7");
    }

    #[test]
    fn html_has_a_progress_element() {
        let h = at(3, Some(4), 1.0).html();
        assert!(h.contains("<progress value=\"3\" max=\"4\""));
        assert!(h.contains("3/4 [00:01&lt;00:00, 3.00it/s]"), "{h}");
    }
}
