//! Terminal rendering for `tinytorch-repl`: how a cell's output looks on a
//! terminal. Owns the [`TerminalSink`] (the REPL's [`OutputSink`]), pictures
//! (inline where the terminal can, always saved to a file), `tqdm` bars
//! updated in place, red tracebacks and the input line's syntax colours.
//!
//! It must not know the language's values: it sees only text, [`Display`]s
//! and engine [`MimeBundle`]s / [`Progress`] states.

pub mod highlight;
pub mod image;
pub mod progress;
pub mod sixel;

use image::ImageMode;
use progress::ProgressLine;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tinytorch::viz::{MimeBundle, Progress};
use tinytorch_lang::{Display, LangError, OutputSink};

const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// How this process's terminal is driven, decided once at start.
#[derive(Clone, Debug)]
pub struct TerminalConfig {
    /// Inline picture protocol (only used when stdout is a terminal).
    pub images: ImageMode,
    /// stdout is a terminal: escapes for pictures and bars may be written.
    pub stdout_tty: bool,
    /// stderr is a terminal: tracebacks in red.
    pub stderr_tty: bool,
    /// Where pictures are saved: `$TINYTORCH_PLOT_DIR`, else
    /// `./tinytorch-plots`.
    pub plot_dir: PathBuf,
}

impl TerminalConfig {
    pub fn from_env() -> Self {
        let plot_dir = std::env::var_os("TINYTORCH_PLOT_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("tinytorch-plots"));
        Self {
            images: ImageMode::from_env(),
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            plot_dir,
        }
    }
}

/// The terminal's width in columns (80 when it is not a terminal).
pub fn columns() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c| c > 0)
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .unwrap_or(80)
}

/// A traceback as the terminal shows it: in CPython 3.13's colours when
/// stderr is a terminal, with a final newline.
pub fn error_text(e: &LangError, colour: bool) -> String {
    if colour {
        format!("{}\n", e.render_coloured())
    } else {
        format!("{}\n", e.render())
    }
}

/// Standard base64 with or without padding, whitespace ignored; `None` on
/// any other character.
#[cfg(test)]
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Saves the richest picture of `bundle` (PNG, else SVG) as
/// `dir/plot-N.ext` with the first free `N` from 1; `None` when the bundle
/// has no picture. Creates `dir`.
pub fn save_picture(bundle: &MimeBundle, dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let (ext, bytes): (&str, &[u8]) = match (&bundle.png, &bundle.svg) {
        (Some(p), _) => ("png", p),
        (None, Some(s)) => ("svg", s.as_bytes()),
        (None, None) => return Ok(None),
    };
    std::fs::create_dir_all(dir)?;
    for n in 1u64.. {
        let path = dir.join(format!("plot-{n}.{ext}"));
        // create_new: two REPLs in one directory never overwrite each other.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(bytes)?;
                return Ok(Some(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u64 plot numbers do not run out")
}

/// What the terminal shows for a displayed value: its text, or for a
/// picture the inline image (or the text fallback) and the saved file's path.
pub fn display_text(d: &Display, cfg: &TerminalConfig) -> String {
    picture_text(d, cfg, None).text
}

/// What [`picture_text`] wrote.
pub struct Shown {
    pub text: String,
    /// The file the picture was saved to.
    pub path: Option<PathBuf>,
    /// Drawn as an inline image (its height in lines is unknown).
    pub inline: bool,
}

/// [`display_text`], saving the picture over `previous` when it is given
/// and has the picture's extension (a display updated in place keeps its
/// file), else under a new name.
pub fn picture_text(d: &Display, cfg: &TerminalConfig, previous: Option<&Path>) -> Shown {
    let Some(bundle) = &d.bundle else {
        return Shown {
            text: format!("{}\n", d.text),
            path: None,
            inline: false,
        };
    };
    let mut out = String::new();
    let inline = match (&bundle.png, cfg.stdout_tty) {
        (Some(png), true) => image::inline(cfg.images, png),
        _ => None,
    };
    let is_inline = inline.is_some();
    match inline {
        Some(escapes) => out.push_str(&escapes),
        None => {
            out.push_str(&bundle.plain);
            if !bundle.plain.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    let ext = match (&bundle.png, &bundle.svg) {
        (Some(_), _) => Some("png"),
        (None, Some(_)) => Some("svg"),
        _ => None,
    };
    let reuse = previous.filter(|p| ext.is_some() && p.extension().and_then(|e| e.to_str()) == ext);
    let (saved, verb) = match reuse {
        Some(p) => (
            overwrite_picture(bundle, p).map(|()| Some(p.to_path_buf())),
            "updated",
        ),
        None => (save_picture(bundle, &cfg.plot_dir), "saved"),
    };
    let mut written = None;
    match saved {
        Ok(Some(path)) => {
            let line = format!("[{verb} {}]", path.display());
            if cfg.stdout_tty {
                out.push_str(&format!("{DIM}{line}{RESET}\n"));
            } else {
                out.push_str(&line);
                out.push('\n');
            }
            written = Some(path);
        }
        Ok(None) => {}
        Err(e) => out.push_str(&format!(
            "[could not save the picture in {}: {e}]\n",
            cfg.plot_dir.display()
        )),
    }
    Shown {
        text: out,
        path: written,
        inline: is_inline,
    }
}

/// Writes the richest picture of `bundle` over `path`.
fn overwrite_picture(bundle: &MimeBundle, path: &Path) -> std::io::Result<()> {
    match (&bundle.png, &bundle.svg) {
        (Some(p), _) => std::fs::write(path, p),
        (None, Some(s)) => std::fs::write(path, s.as_bytes()),
        (None, None) => Ok(()),
    }
}

/// The REPL's and script runner's output: `print` to stdout, displays as
/// [`display_text`], `tqdm` bars in place on stderr.
///
/// A display shown under an id and later updated (`plot(..., display_id=)`)
/// writes the new picture over the same file, so the file always holds the
/// latest version and no new file is made per update. On screen, a text
/// picture that is still the last output (nothing printed since; a live
/// `tqdm` bar below it is fine) is redrawn in place; otherwise (an inline
/// image, whose height in lines is unknown, or other output in between) the
/// new picture is shown again below. The REPL's input line counts as output
/// in between: the front end says when one was echoed ([`Self::input_mark`]),
/// so an update from a later prompt draws a fresh picture below that line
/// instead of moving up over it.
pub struct TerminalSink {
    cfg: TerminalConfig,
    bar: ProgressLine,
    /// The file saved for each display id.
    saved: std::collections::HashMap<String, PathBuf>,
    /// The last output when it was a text picture under a display id: the
    /// id and its height in lines.
    last_picture: Option<(String, usize)>,
    /// Set by the front end when the user's input was echoed below the
    /// last output (a new cell from the prompt).
    input_echoed: Arc<AtomicBool>,
}

impl TerminalSink {
    pub fn new(cfg: TerminalConfig) -> Self {
        Self {
            cfg,
            bar: ProgressLine::new(),
            saved: std::collections::HashMap::new(),
            last_picture: None,
            input_echoed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The flag to set after the terminal echoed an input line: the picture
    /// above it can no longer be redrawn in place.
    pub fn input_mark(&self) -> Arc<AtomicBool> {
        self.input_echoed.clone()
    }

    /// Forgets the last picture when an input line was echoed since.
    fn take_input_mark(&mut self) {
        if self.input_echoed.swap(false, Ordering::SeqCst) {
            self.last_picture = None;
        }
    }

    /// The text that shows `d` as the new version of display `id`: the
    /// picture again, preceded by the escapes that move up over the
    /// previous version when that is still the last thing on screen.
    fn update_text(&mut self, d: &Display, id: &str) -> String {
        self.take_input_mark();
        let previous = self.saved.get(id).cloned();
        let shown = picture_text(d, &self.cfg, previous.as_deref());
        let text = match self.last_picture.take() {
            Some((last, lines)) if last == id && !shown.inline => {
                format!("{}{}", redraw_prefix(lines), shown.text)
            }
            _ => shown.text.clone(),
        };
        self.remember(Some(id), &shown);
        text
    }

    /// Draws a `tqdm` bar on one line of stderr, in place. Off a terminal
    /// only the final state is written (a log file gets one line per bar).
    fn draw_progress(&mut self, p: &Progress, done: bool) {
        if !self.cfg.stderr_tty && !done {
            return;
        }
        if let Some(s) = self.bar.update(p, done, columns(), Instant::now()) {
            let s = if self.cfg.stderr_tty {
                s
            } else {
                format!("{}\n", progress::fit_line(p, 80))
            };
            write_err(&s);
        }
    }

    fn around_bar(&mut self, write: impl FnOnce()) {
        if let Some(clear) = self.bar.clear() {
            write_err(clear);
        }
        write();
        if let Some(again) = self.bar.redraw() {
            write_err(&again);
        }
    }
}

fn write_out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
}

fn write_err(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(s.as_bytes());
    let _ = e.flush();
}

impl OutputSink for TerminalSink {
    fn write_stdout(&mut self, s: &str) {
        self.take_input_mark();
        self.last_picture = None;
        // A bar stays below the printed lines; partial lines wait for their
        // newline before it is redrawn.
        if self.bar.active() && s.ends_with('\n') {
            self.around_bar(|| write_out(s));
        } else {
            write_out(s);
        }
    }

    fn write_stderr(&mut self, s: &str) {
        self.take_input_mark();
        self.last_picture = None;
        if self.bar.active() && s.ends_with('\n') {
            self.around_bar(|| write_err(s));
        } else {
            write_err(s);
        }
    }

    fn display(&mut self, d: &Display, id: Option<&str>) {
        self.take_input_mark();
        let shown = picture_text(d, &self.cfg, None);
        self.remember(id, &shown);
        self.around_bar(|| write_out(&shown.text));
    }

    fn update_display(&mut self, d: &Display, id: &str) {
        let text = self.update_text(d, id);
        self.around_bar(|| write_out(&text));
    }

    fn progress(&mut self, _id: &str, p: &Progress, done: bool) {
        if done {
            // A finished bar leaves a line below the picture.
            self.last_picture = None;
        }
        self.draw_progress(p, done);
    }
}

/// Moves the cursor up over a picture of `lines` lines and erases from there
/// down, so that the next picture replaces it.
pub fn redraw_prefix(lines: usize) -> String {
    format!("\x1b[{lines}A\r\x1b[J")
}

impl TerminalSink {
    fn remember(&mut self, id: Option<&str>, shown: &Shown) {
        if let (Some(id), Some(path)) = (id, &shown.path) {
            self.saved.insert(id.to_string(), path.clone());
        }
        self.last_picture = match id {
            Some(id) if self.cfg.stdout_tty && !shown.inline => {
                Some((id.to_string(), shown.text.lines().count()))
            }
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tinytorch-render-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn cfg(dir: &Path, tty: bool, images: ImageMode) -> TerminalConfig {
        TerminalConfig {
            images,
            stdout_tty: tty,
            stderr_tty: tty,
            plot_dir: dir.to_path_buf(),
        }
    }

    #[test]
    fn base64_decodes_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(decode_base64(enc).unwrap(), raw.as_bytes());
        }
        assert_eq!(decode_base64("Zm9v\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64("Zm9v!"), None);
    }

    #[test]
    fn plain_values_print_their_text() {
        let d = Display {
            text: "tensor([1., 2.])".into(),
            bundle: None,
        };
        let dir = temp_dir("plain");
        assert_eq!(
            display_text(&d, &cfg(&dir, true, ImageMode::Kitty)),
            "tensor([1., 2.])\n"
        );
        assert!(!dir.exists(), "no picture, no file");
    }

    fn picture() -> Display {
        Display::rich(
            MimeBundle::text("  chart  ")
                .with_svg("<svg/>".into())
                .with_png(b"\x89PNG".to_vec()),
        )
    }

    #[test]
    fn pictures_fall_back_to_text_and_are_always_saved() {
        let dir = temp_dir("text");
        let out = display_text(&picture(), &cfg(&dir, false, ImageMode::Kitty));
        let first = dir.join("plot-1.png");
        assert_eq!(out, format!("  chart  \n[saved {}]\n", first.display()));
        assert_eq!(std::fs::read(&first).unwrap(), b"\x89PNG");
        // The next picture gets the next number, never overwriting.
        let out2 = display_text(&picture(), &cfg(&dir, false, ImageMode::Text));
        assert!(out2.contains("plot-2.png"), "{out2}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn inline_pictures_on_a_terminal_that_speaks_kitty() {
        let dir = temp_dir("kitty");
        let out = display_text(&picture(), &cfg(&dir, true, ImageMode::Kitty));
        assert!(
            out.starts_with("\x1b_Ga=T,f=100,q=2,m=0;iVBORw==\x1b\\\n"),
            "{out:?}"
        );
        assert!(!out.contains("chart"));
        assert!(out.contains("plot-1.png"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn updated_displays_show_again_and_overwrite_their_file() {
        let dir = temp_dir("update");
        let mut sink = TerminalSink::new(cfg(&dir, false, ImageMode::Text));
        sink.display(&picture(), Some("loss"));
        let first = dir.join("plot-1.png");
        assert_eq!(sink.saved.get("loss"), Some(&first));
        let newer = Display::rich(MimeBundle::text("chart 2").with_png(b"\x89PNG second".to_vec()));
        let previous = sink.saved.get("loss").cloned();
        let shown = picture_text(&newer, &sink.cfg, previous.as_deref());
        assert_eq!(
            shown.text,
            format!("chart 2\n[updated {}]\n", first.display())
        );
        assert_eq!(shown.path.as_deref(), Some(first.as_path()));
        sink.update_display(&newer, "loss");
        assert_eq!(std::fs::read(&first).unwrap(), b"\x89PNG second");
        assert!(
            !dir.join("plot-2.png").exists(),
            "an update makes no new file"
        );
        // An id never shown before gets a new file.
        sink.update_display(&picture(), "other");
        assert!(dir.join("plot-2.png").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_text_picture_still_last_on_a_terminal_is_redrawn_in_place() {
        let dir = temp_dir("inplace");
        let mut sink = TerminalSink::new(cfg(&dir, true, ImageMode::Text));
        let shown = picture_text(&picture(), &sink.cfg, None);
        sink.remember(Some("loss"), &shown);
        // "  chart  " and the "[saved ...]" line.
        assert_eq!(sink.last_picture, Some(("loss".to_string(), 2)));
        assert_eq!(redraw_prefix(2), "\x1b[2A\r\x1b[J");
        // A finished bar in between: the next update is shown below instead.
        sink.progress("bar", &Progress::new(None, Some(1)), true);
        assert_eq!(sink.last_picture, None);
        // An update from a later prompt: the echoed input line sits below
        // the picture, so the new one is drawn below it, not over it.
        sink.remember(Some("loss"), &shown);
        let again = sink.update_text(&picture(), "loss");
        assert!(again.starts_with(&redraw_prefix(2)), "{again:?}");
        sink.input_mark().store(true, Ordering::SeqCst);
        let below = sink.update_text(&picture(), "loss");
        assert!(!below.contains("A\r\x1b[J"), "{below:?}");
        assert!(below.starts_with("  chart  \n"), "{below:?}");
        // ... and the one after that, in the same cell, in place again;
        // so too an update after a fresh display in a new cell.
        let third = sink.update_text(&picture(), "loss");
        assert!(third.starts_with(&redraw_prefix(2)), "{third:?}");
        sink.input_mark().store(true, Ordering::SeqCst);
        sink.take_input_mark();
        sink.remember(Some("loss"), &shown);
        let fourth = sink.update_text(&picture(), "loss");
        assert!(fourth.starts_with(&redraw_prefix(2)), "{fourth:?}");
        // Off a terminal nothing is redrawn.
        let mut plain = TerminalSink::new(cfg(&dir, false, ImageMode::Text));
        plain.remember(Some("loss"), &shown);
        assert_eq!(plain.last_picture, None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tensor_displays_print_only_the_repr() {
        let dir = temp_dir("tensor");
        let d = Display::rich(
            MimeBundle::text("tensor([1., 2.])").with_html("<pre>tensor([1., 2.])</pre>".into()),
        );
        assert_eq!(
            display_text(&d, &cfg(&dir, true, ImageMode::Kitty)),
            "tensor([1., 2.])\n"
        );
        assert!(!dir.exists(), "no picture, no file");
    }

    #[test]
    fn svg_only_bundles_save_svg() {
        let dir = temp_dir("svg");
        let b = MimeBundle::text("x").with_svg("<svg/>".into());
        let p = save_picture(&b, &dir).unwrap().unwrap();
        assert_eq!(p, dir.join("plot-1.svg"));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "<svg/>");
        assert_eq!(save_picture(&MimeBundle::text("x"), &dir).unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tracebacks_are_coloured_only_on_a_terminal() {
        let e = LangError {
            exc: "ValueError".into(),
            message: "bad".into(),
            traceback: vec![],
            syntax: None,
            exit_code: None,
        };
        let plain = error_text(&e, false);
        assert!(plain.ends_with("ValueError: bad\n") && !plain.contains('\x1b'));
        let coloured = error_text(&e, true);
        assert!(
            coloured.ends_with("\x1b[1;35mValueError\x1b[0m: \x1b[35mbad\x1b[0m\n"),
            "{coloured:?}"
        );
    }
}
