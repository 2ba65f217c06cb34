//! Inline pictures in a terminal: which protocol the terminal speaks, and the
//! escape sequences of each (kitty graphics, iTerm2 inline images, sixel).
//!
//! Owns protocol detection from the environment and the framing of a PNG in
//! each protocol. The pixel work of sixel (decoding, palette) lives in
//! `sixel.rs`; saving the picture to a file lives in `mod.rs`. Knows nothing
//! of the language or of what the picture shows.

use super::sixel;
use tinytorch::viz::mime::base64;

/// How a picture is shown in this terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageMode {
    /// kitty graphics protocol (kitty, and terminals that copied it).
    Kitty,
    /// iTerm2's `OSC 1337 ; File=` inline images (iTerm2, WezTerm).
    Iterm,
    /// DEC sixel graphics (xterm -ti vt340, foot, mlterm, ...).
    Sixel,
    /// No inline pictures: the bundle's text fallback.
    Text,
}

impl ImageMode {
    /// The mode for a terminal described by `var` (an environment lookup):
    /// `TINYTORCH_IMAGES=kitty|iterm|sixel|text` wins, then the variables
    /// terminals set about themselves. Anything unknown is `Text`, which is
    /// always safe to print.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> ImageMode {
        if let Some(forced) = var("TINYTORCH_IMAGES") {
            match forced.trim().to_ascii_lowercase().as_str() {
                "kitty" => return ImageMode::Kitty,
                "iterm" | "iterm2" | "wezterm" => return ImageMode::Iterm,
                "sixel" => return ImageMode::Sixel,
                "text" | "none" | "off" => return ImageMode::Text,
                _ => {}
            }
        }
        let term = var("TERM").unwrap_or_default();
        let program = var("TERM_PROGRAM").unwrap_or_default();
        if term == "xterm-kitty" || var("KITTY_WINDOW_ID").is_some() {
            ImageMode::Kitty
        } else if program == "iTerm.app" || program == "WezTerm" {
            ImageMode::Iterm
        } else if term.contains("sixel") {
            ImageMode::Sixel
        } else {
            ImageMode::Text
        }
    }

    /// [`ImageMode::detect`] on the process environment.
    pub fn from_env() -> ImageMode {
        ImageMode::detect(|k| std::env::var(k).ok())
    }
}

/// The largest base64 payload of one kitty escape, from the protocol's spec.
pub const KITTY_CHUNK: usize = 4096;

/// A PNG as kitty graphics escapes: `a=T` (transmit and display) `f=100`
/// (PNG), the base64 payload split in chunks of at most [`KITTY_CHUNK`]
/// bytes, `m=1` on every chunk but the last. Ends with a newline so that the
/// prompt comes below the picture.
pub fn kitty(png: &[u8]) -> String {
    let data = base64(png);
    // Every chunk but the last must be a multiple of 4 base64 characters;
    // 4096 is, and base64 is ASCII, so byte slicing is safe.
    let chunks: Vec<&str> = if data.is_empty() {
        vec![""]
    } else {
        data.as_bytes()
            .chunks(KITTY_CHUNK)
            .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
            .collect()
    };
    let mut out = String::with_capacity(data.len() + chunks.len() * 32);
    for (i, chunk) in chunks.iter().enumerate() {
        let more = u8::from(i + 1 < chunks.len());
        if i == 0 {
            out.push_str(&format!("\x1b_Ga=T,f=100,q=2,m={more};{chunk}\x1b\\"));
        } else {
            out.push_str(&format!("\x1b_Gm={more};{chunk}\x1b\\"));
        }
    }
    out.push('\n');
    out
}

/// A PNG as an iTerm2 inline image: `OSC 1337 ; File=inline=1;size=N :
/// <base64> BEL`, one escape (the protocol has no chunking that WezTerm
/// also reads).
pub fn iterm(png: &[u8]) -> String {
    format!(
        "\x1b]1337;File=inline=1;size={};preserveAspectRatio=1:{}\x07\n",
        png.len(),
        base64(png)
    )
}

/// A PNG as sixel graphics, or `None` when it does not decode.
pub fn sixel(png: &[u8]) -> Option<String> {
    let img = sixel::decode_png(png)?;
    let mut s = sixel::encode(&img);
    s.push('\n');
    Some(s)
}

/// The escapes that show `png` in `mode`, or `None` for [`ImageMode::Text`]
/// (or an undecodable PNG in sixel mode): the caller prints the text fallback.
pub fn inline(mode: ImageMode, png: &[u8]) -> Option<String> {
    match mode {
        ImageMode::Kitty => Some(kitty(png)),
        ImageMode::Iterm => Some(iterm(png)),
        ImageMode::Sixel => sixel(png),
        ImageMode::Text => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::decode_base64;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        move |k| v.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone())
    }

    #[test]
    fn detection_follows_terminal_variables_and_the_override() {
        assert_eq!(
            ImageMode::detect(env(&[("TERM", "xterm-kitty")])),
            ImageMode::Kitty
        );
        assert_eq!(
            ImageMode::detect(env(&[("TERM", "xterm-256color"), ("KITTY_WINDOW_ID", "1")])),
            ImageMode::Kitty
        );
        assert_eq!(
            ImageMode::detect(env(&[("TERM_PROGRAM", "iTerm.app")])),
            ImageMode::Iterm
        );
        assert_eq!(
            ImageMode::detect(env(&[("TERM_PROGRAM", "WezTerm")])),
            ImageMode::Iterm
        );
        assert_eq!(
            ImageMode::detect(env(&[("TERM", "foot-sixel")])),
            ImageMode::Sixel
        );
        assert_eq!(
            ImageMode::detect(env(&[("TERM", "xterm-256color")])),
            ImageMode::Text
        );
        assert_eq!(ImageMode::detect(env(&[])), ImageMode::Text);
        // The override wins over what the terminal says, both ways.
        assert_eq!(
            ImageMode::detect(env(&[
                ("TERM", "xterm-kitty"),
                ("TINYTORCH_IMAGES", "text")
            ])),
            ImageMode::Text
        );
        assert_eq!(
            ImageMode::detect(env(&[("TERM", "dumb"), ("TINYTORCH_IMAGES", "SIXEL")])),
            ImageMode::Sixel
        );
        // An unknown override falls back to detection.
        assert_eq!(
            ImageMode::detect(env(&[
                ("TERM", "xterm-kitty"),
                ("TINYTORCH_IMAGES", "bogus")
            ])),
            ImageMode::Kitty
        );
    }

    /// Splits kitty output into (control, payload) pairs, checking the
    /// `ESC _ G ... ESC \` framing of each escape.
    fn kitty_escapes(s: &str) -> Vec<(String, String)> {
        let body = s.strip_suffix('\n').expect("ends with a newline");
        let mut out = Vec::new();
        for part in body.split("\x1b\\").filter(|p| !p.is_empty()) {
            let inner = part
                .strip_prefix("\x1b_G")
                .expect("escape starts with ESC _ G");
            let (ctrl, payload) = inner.split_once(';').expect("control;payload");
            out.push((ctrl.to_string(), payload.to_string()));
        }
        out
    }

    #[test]
    fn kitty_chunks_are_at_most_4096_and_reassemble() {
        // 10_000 bytes -> 13_336 base64 characters -> chunks 4096, 4096, 4096, 1048.
        let png: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let esc = kitty_escapes(&kitty(&png));
        assert_eq!(esc.len(), 4);
        assert_eq!(esc[0].0, "a=T,f=100,q=2,m=1");
        assert_eq!(esc[1].0, "m=1");
        assert_eq!(esc[2].0, "m=1");
        assert_eq!(esc[3].0, "m=0");
        let lens: Vec<usize> = esc.iter().map(|(_, p)| p.len()).collect();
        assert_eq!(lens, [4096, 4096, 4096, 1048]);
        let joined: String = esc.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(decode_base64(&joined).unwrap(), png);
    }

    #[test]
    fn kitty_small_picture_is_one_final_chunk() {
        let esc = kitty_escapes(&kitty(b"\x89PNG"));
        // "\x89PNG" is 4 bytes -> base64 "iVBORw==".
        assert_eq!(
            esc,
            [("a=T,f=100,q=2,m=0".to_string(), "iVBORw==".to_string())]
        );
    }

    #[test]
    fn iterm_frames_one_osc_1337_with_size_and_payload() {
        let png: Vec<u8> = (0..5000u32).map(|i| (i % 256) as u8).collect();
        let s = iterm(&png);
        let body = s
            .strip_prefix("\x1b]1337;File=")
            .and_then(|b| b.strip_suffix("\x07\n"))
            .expect("OSC 1337 ; File= ... BEL");
        let (args, payload) = body.split_once(':').unwrap();
        assert!(args.split(';').any(|a| a == "inline=1"));
        assert!(args.split(';').any(|a| a == "size=5000"));
        assert_eq!(decode_base64(payload).unwrap(), png);
    }

    #[test]
    fn text_mode_and_bad_png_give_no_escapes() {
        assert_eq!(inline(ImageMode::Text, b"whatever"), None);
        assert_eq!(inline(ImageMode::Sixel, b"not a png"), None);
    }
}
