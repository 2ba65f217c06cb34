//! `AutoTokenizer`: Hugging Face's `tokenizer.json` through the
//! `tokenizers` crate (BOS and other special tokens come from its
//! post-processor, as in transformers' fast tokenizers), the special
//! tokens and chat template of `tokenizer_config.json`, the template
//! rendered by `minijinja` with transformers' settings (trim_blocks,
//! lstrip_blocks, `raise_exception`, Python string methods). Also the
//! incremental decoder a streamer needs. Knows nothing of models.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::config::read_json;
use crate::{Error, Result};

/// One chat turn (`{"role": ..., "content": ...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// A tokenizer with its special tokens and chat template.
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    pub chat_template: Option<String>,
    pub bos_token: Option<String>,
    pub eos_token: Option<String>,
    pub pad_token: Option<String>,
    /// Where batches are padded, "left" or "right" (`padding_side` of
    /// tokenizer_config.json; transformers' default is "right").
    pub padding_side: String,
}

fn tk_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{what}: {e}"))
}

/// A special token in tokenizer_config.json: a string or `{"content": ...}`.
fn token_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("content")?.as_str().map(str::to_string),
        _ => None,
    }
}

impl Tokenizer {
    /// `tokenizer.json` alone (no chat template, no named special tokens).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Tokenizer> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::Io(format!("{}: no such file", path.display())));
        }
        let inner = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| tk_err(&path.display().to_string(), e))?;
        Ok(Tokenizer {
            inner,
            chat_template: None,
            bos_token: None,
            eos_token: None,
            pad_token: None,
            padding_side: "right".into(),
        })
    }

    /// `AutoTokenizer.from_pretrained(dir)`: `tokenizer.json` plus
    /// `tokenizer_config.json` where present.
    pub fn from_pretrained(dir: impl AsRef<Path>) -> Result<Tokenizer> {
        let dir = dir.as_ref();
        let mut t = Tokenizer::from_file(dir.join("tokenizer.json"))?;
        let cfg: PathBuf = dir.join("tokenizer_config.json");
        if cfg.is_file() {
            let v = read_json(&cfg)?;
            t.bos_token = token_str(v.get("bos_token"));
            t.eos_token = token_str(v.get("eos_token"));
            t.pad_token = token_str(v.get("pad_token"));
            if let Some(side @ ("left" | "right")) = v.get("padding_side").and_then(Value::as_str) {
                t.padding_side = side.to_string();
            }
            t.chat_template = match v.get("chat_template") {
                Some(Value::String(s)) => Some(s.clone()),
                // a list of named templates: the one called "default"
                Some(Value::Array(a)) => a
                    .iter()
                    .find(|e| e.get("name").and_then(Value::as_str) == Some("default"))
                    .and_then(|e| e.get("template")?.as_str().map(str::to_string)),
                _ => None,
            };
        }
        let jinja = dir.join("chat_template.jinja");
        if t.chat_template.is_none() && jinja.is_file() {
            t.chat_template = Some(std::fs::read_to_string(&jinja)?);
        }
        Ok(t)
    }

    /// `tokenizer(text).input_ids` (`add_special_tokens` as the post-processor says).
    pub fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Vec<i64>> {
        let enc = self
            .inner
            .encode(text, add_special_tokens)
            .map_err(|e| tk_err("encode", e))?;
        Ok(enc.get_ids().iter().map(|&i| i64::from(i)).collect())
    }

    /// `tokenizer.decode(ids, skip_special_tokens)`.
    pub fn decode(&self, ids: &[i64], skip_special_tokens: bool) -> Result<String> {
        let ids = ids
            .iter()
            .map(|&i| {
                u32::try_from(i).map_err(|_| Error::invalid(format!("token id {i} out of range")))
            })
            .collect::<Result<Vec<u32>>>()?;
        self.inner
            .decode(&ids, skip_special_tokens)
            .map_err(|e| tk_err("decode", e))
    }

    /// `convert_ids_to_tokens`: each id's vocabulary string (labels for pictures).
    pub fn convert_ids_to_tokens(&self, ids: &[i64]) -> Vec<String> {
        ids.iter()
            .map(|&i| {
                u32::try_from(i)
                    .ok()
                    .and_then(|u| self.inner.id_to_token(u))
                    .unwrap_or_else(|| format!("<{i}>"))
            })
            .collect()
    }

    /// The id of a token string, if it is in the vocabulary.
    pub fn token_to_id(&self, token: &str) -> Option<i64> {
        self.inner.token_to_id(token).map(i64::from)
    }

    /// The vocabulary size, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// `apply_chat_template(messages, add_generation_prompt=..., tokenize=False)`.
    pub fn apply_chat_template(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String> {
        let template = self.chat_template.as_deref().ok_or_else(|| {
            Error::invalid(
                "Cannot use chat template functions because tokenizer.chat_template is not set",
            )
        })?;
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<String, minijinja::Error> {
                Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    msg,
                ))
            },
        );
        env.add_function("strftime_now", |fmt: String| strftime_now(&fmt));
        env.add_template("chat", template)
            .map_err(|e| tk_err("chat template", e))?;
        let msgs: Vec<BTreeMap<&str, &str>> = messages
            .iter()
            .map(|m| BTreeMap::from([("role", m.role.as_str()), ("content", m.content.as_str())]))
            .collect();
        let tmpl = env
            .get_template("chat")
            .map_err(|e| tk_err("chat template", e))?;
        tmpl.render(minijinja::context! {
            messages => msgs,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos_token.clone().unwrap_or_default(),
            eos_token => self.eos_token.clone().unwrap_or_default(),
            pad_token => self.pad_token.clone(),
        })
        .map_err(|e| tk_err("chat template", e))
    }
}

/// `strftime_now(fmt)` for templates that print today's date (Llama 3's):
/// the `%d`, `%b`, `%B`, `%Y`, `%m` fields in UTC.
fn strftime_now(fmt: &str) -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // civil-from-days (H. Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = MONTHS[(m - 1) as usize];
    fmt.replace("%d", &format!("{d:02}"))
        .replace("%m", &format!("{m:02}"))
        .replace("%Y", &y.to_string())
        .replace("%B", name)
        .replace("%b", &name[..3])
}

/// The text-streaming rule of transformers' `TextStreamer`, without the
/// tokenizer (a caller that cannot hold a borrow of it passes it per call):
/// decodes everything since the last flush and emits the new suffix once it
/// no longer ends in an incomplete UTF-8 character, flushing at a newline.
#[derive(Debug, Clone, Default)]
pub struct StreamState {
    skip_special_tokens: bool,
    ids: Vec<i64>,
    printed: usize,
}

impl StreamState {
    pub fn new(skip_special_tokens: bool) -> Self {
        StreamState {
            skip_special_tokens,
            ids: Vec::new(),
            printed: 0,
        }
    }

    /// Adds ids; returns the text that became final.
    pub fn put(&mut self, tokenizer: &Tokenizer, ids: &[i64]) -> Result<String> {
        self.ids.extend_from_slice(ids);
        let text = tokenizer.decode(&self.ids, self.skip_special_tokens)?;
        if text.ends_with('\u{FFFD}') || text.len() < self.printed {
            return Ok(String::new());
        }
        let Some(piece) = text.get(self.printed..).map(str::to_string) else {
            return Ok(String::new());
        };
        if text.ends_with('\n') {
            self.ids.clear();
            self.printed = 0;
        } else {
            self.printed = text.len();
        }
        Ok(piece)
    }

    /// The text still held back.
    pub fn end(&mut self, tokenizer: &Tokenizer) -> Result<String> {
        let text = tokenizer.decode(&self.ids, self.skip_special_tokens)?;
        let piece = text.get(self.printed..).unwrap_or_default().to_string();
        self.ids.clear();
        self.printed = 0;
        Ok(piece)
    }
}

/// Turns a stream of ids into text pieces, as transformers' `TextStreamer`
/// ([`StreamState`] with its tokenizer).
pub struct TextStreamer<'a> {
    tokenizer: &'a Tokenizer,
    state: StreamState,
}

impl<'a> TextStreamer<'a> {
    pub fn new(tokenizer: &'a Tokenizer, skip_special_tokens: bool) -> Self {
        TextStreamer {
            tokenizer,
            state: StreamState::new(skip_special_tokens),
        }
    }

    /// Adds one id; returns the text that became final.
    pub fn put(&mut self, id: i64) -> Result<String> {
        self.state.put(self.tokenizer, &[id])
    }

    /// The text still held back.
    pub fn end(&mut self) -> Result<String> {
        self.state.end(self.tokenizer)
    }
}
