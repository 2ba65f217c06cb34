//! [`MimeBundle`]: one picture in every form a front end may want, keyed by
//! mime type as Jupyter's `display_data` is.
//!
//! Owns the bundle, base64 (applied only at the edge: the bundle keeps raw PNG
//! bytes) and evcxr's `EVCXR_BEGIN_CONTENT` display protocol. It must not know
//! what the picture shows, nor Jupyter's wire format.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A rendered value: `text/plain` always, the others where they fit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MimeBundle {
    /// `text/plain`: the text fallback (a chart, a tree, shaded blocks).
    pub plain: String,
    /// `image/svg+xml`: a standalone SVG document.
    pub svg: Option<String>,
    /// `image/png`: raw PNG bytes (not base64).
    pub png: Option<Vec<u8>>,
    /// `text/html`: a fragment for notebooks.
    pub html: Option<String>,
}

impl MimeBundle {
    /// A bundle holding only `text/plain`.
    pub fn text(plain: impl Into<String>) -> Self {
        Self {
            plain: plain.into(),
            ..Self::default()
        }
    }

    /// Adds `image/svg+xml`.
    pub fn with_svg(mut self, svg: String) -> Self {
        self.svg = Some(svg);
        self
    }

    /// Adds `image/png` (raw bytes).
    pub fn with_png(mut self, png: Vec<u8>) -> Self {
        self.png = Some(png);
        self
    }

    /// Adds `text/html`.
    pub fn with_html(mut self, html: String) -> Self {
        self.html = Some(html);
        self
    }

    /// The mime types present, richest first.
    pub fn mime_types(&self) -> Vec<&'static str> {
        self.entries().into_iter().map(|(m, _)| m).collect()
    }

    /// Every entry as text, the way Jupyter's `data` dict and evcxr want it:
    /// PNG base64-encoded, the rest as is. Richest first, `text/plain` last.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(4);
        if let Some(h) = &self.html {
            out.push(("text/html", h.clone()));
        }
        if let Some(s) = &self.svg {
            out.push(("image/svg+xml", s.clone()));
        }
        if let Some(p) = &self.png {
            out.push(("image/png", base64(p)));
        }
        out.push(("text/plain", self.plain.clone()));
        out
    }

    /// The text evcxr reads from stdout: one block per mime type,
    /// `EVCXR_BEGIN_CONTENT <mime>\n<content>\nEVCXR_END_CONTENT`, binary
    /// content base64-encoded.
    pub fn evcxr_text(&self) -> String {
        let mut s = String::new();
        for (mime, content) in self.entries() {
            let _ = writeln!(
                s,
                "EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT"
            );
        }
        s
    }

    /// evcxr's display convention: prints [`Self::evcxr_text`] in one locked
    /// write so no other output interleaves. Engine types that render to a
    /// bundle delegate their own `evcxr_display` here.
    pub fn evcxr_display(&self) {
        let text = self.evcxr_text();
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes `stem.txt` and, where present, `stem.svg`, `stem.png` and
    /// `stem.html` into `dir`; returns the paths written.
    pub fn write_files(&self, dir: &Path, stem: &str) -> std::io::Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        let mut put = |ext: &str, bytes: &[u8]| -> std::io::Result<()> {
            let p = dir.join(format!("{stem}.{ext}"));
            std::fs::write(&p, bytes)?;
            written.push(p);
            Ok(())
        };
        put("txt", self.plain.as_bytes())?;
        if let Some(s) = &self.svg {
            put("svg", s.as_bytes())?;
        }
        if let Some(p) = &self.png {
            put("png", p)?;
        }
        if let Some(h) = &self.html {
            put("html", h.as_bytes())?;
        }
        Ok(written)
    }
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (raw, enc) in cases {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }

    #[test]
    fn evcxr_blocks_are_framed_and_png_is_base64() {
        let b = MimeBundle::text("hi")
            .with_svg("<svg/>".into())
            .with_png(b"foo".to_vec());
        assert_eq!(
            b.evcxr_text(),
            "EVCXR_BEGIN_CONTENT image/svg+xml\n<svg/>\nEVCXR_END_CONTENT\n\
             EVCXR_BEGIN_CONTENT image/png\nZm9v\nEVCXR_END_CONTENT\n\
             EVCXR_BEGIN_CONTENT text/plain\nhi\nEVCXR_END_CONTENT\n"
        );
        assert_eq!(b.mime_types(), ["image/svg+xml", "image/png", "text/plain"]);
    }
}
