//! [`JupyterSink`]: where a running cell's output goes. Every write becomes
//! an iopub message at once (stream, display_data, update_display_data), so
//! a notebook shows `print` output, pictures and progress bars while the
//! cell is still running.

use crate::wire::{topic, Headers, Message};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinytorch::viz::Progress;
use tinytorch_lang::{Display, InputError, OutputSink};

/// The fastest a progress bar is redrawn: about ten times a second.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// What the iopub thread publishes, in order.
pub enum Iopub {
    /// A finished message.
    Msg(Message),
    /// Stream text: consecutive pieces of one stream with the same parent
    /// are merged when the publisher falls behind.
    Stream {
        parent: Value,
        name: &'static str,
        text: String,
    },
    /// Stop after publishing everything queued before it.
    Stop,
}

/// The `data` dict of a display: every mime type the value has.
pub fn mime_data(d: &Display) -> Value {
    let mut m = Map::new();
    match &d.bundle {
        Some(b) => {
            for (mime, content) in b.entries() {
                m.insert(mime.to_string(), Value::String(content));
            }
        }
        None => {
            m.insert("text/plain".into(), Value::String(d.text.clone()));
        }
    }
    Value::Object(m)
}

/// How `input()` reads a line in this execute_request (see the kernel).
pub type InputReader = Box<dyn FnMut(&str) -> Result<Option<String>, InputError> + Send>;

/// The output sink of one execute_request.
pub struct JupyterSink {
    iopub: Sender<Iopub>,
    headers: Arc<Headers>,
    /// The execute_request whose outputs these are.
    parent: Message,
    /// Makes display ids unique to this kernel process, so that a restarted
    /// kernel's `update_display_data` never redraws an older run's output.
    id_prefix: String,
    /// Progress bars shown so far: when each was last drawn.
    bars: HashMap<String, Instant>,
    input: Option<InputReader>,
}

impl JupyterSink {
    pub fn new(iopub: Sender<Iopub>, headers: Arc<Headers>, parent: Message) -> JupyterSink {
        let id_prefix = headers.session.chars().take(8).collect();
        JupyterSink {
            iopub,
            headers,
            parent,
            id_prefix,
            bars: HashMap::new(),
            input: None,
        }
    }

    /// `input()` reads through `reader` (without one, it is not supported).
    pub fn with_input(mut self, reader: InputReader) -> JupyterSink {
        self.input = Some(reader);
        self
    }

    fn display_id(&self, id: &str) -> String {
        format!("{id}-{}", self.id_prefix)
    }

    fn publish(&self, msg_type: &str, content: Value) {
        let mut m = self.headers.reply(&self.parent, msg_type, content);
        m.identities = vec![topic(&self.headers.session, msg_type)];
        let _ = self.iopub.send(Iopub::Msg(m));
    }

    fn stream(&self, name: &'static str, s: &str) {
        if s.is_empty() {
            return;
        }
        let _ = self.iopub.send(Iopub::Stream {
            parent: self.parent.header.clone(),
            name,
            text: s.to_string(),
        });
    }

    fn show(&self, msg_type: &str, d: &Display, id: Option<&str>) {
        let mut content = json!({"data": mime_data(d), "metadata": {}});
        if let Some(id) = id {
            content["transient"] = json!({"display_id": self.display_id(id)});
        }
        self.publish(msg_type, content);
    }
}

impl OutputSink for JupyterSink {
    fn write_stdout(&mut self, s: &str) {
        self.stream("stdout", s);
    }

    fn write_stderr(&mut self, s: &str) {
        self.stream("stderr", s);
    }

    fn display(&mut self, d: &Display, id: Option<&str>) {
        self.show("display_data", d, id);
    }

    fn update_display(&mut self, d: &Display, id: &str) {
        self.show("update_display_data", d, Some(id));
    }

    fn clear_output(&mut self, wait: bool) {
        self.publish("clear_output", json!({ "wait": wait }));
    }

    fn read_line(&mut self, prompt: &str) -> Result<Option<String>, InputError> {
        match &mut self.input {
            Some(read) => read(prompt),
            None => Err(InputError {
                exc: "StdinNotImplementedError",
                message: "raw_input was called, but this frontend does not support input requests."
                    .into(),
            }),
        }
    }

    /// The first state of a bar is shown as a new output; later states
    /// replace it in place, at most every [`PROGRESS_INTERVAL`], and the
    /// closing state always.
    fn progress(&mut self, id: &str, p: &Progress, done: bool) {
        let now = Instant::now();
        let d = Display::rich(p.bundle());
        let key = format!("progress-{id}");
        match self.bars.get(id).copied() {
            None => {
                self.show("display_data", &d, Some(&key));
                self.bars.insert(id.to_string(), now);
            }
            Some(last) => {
                if done || now.duration_since(last) >= PROGRESS_INTERVAL {
                    self.show("update_display_data", &d, Some(&key));
                    self.bars.insert(id.to_string(), now);
                }
            }
        }
        if done {
            self.bars.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver};
    use tinytorch::viz::MimeBundle;

    fn sink() -> (JupyterSink, Receiver<Iopub>) {
        let (tx, rx) = channel();
        let parent = Message {
            identities: vec![],
            header: json!({"msg_id": "req-1", "msg_type": "execute_request"}),
            parent_header: json!({}),
            metadata: json!({}),
            content: json!({}),
        };
        (JupyterSink::new(tx, Arc::new(Headers::new()), parent), rx)
    }

    fn msgs(rx: &Receiver<Iopub>) -> Vec<Message> {
        rx.try_iter()
            .filter_map(|i| match i {
                Iopub::Msg(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn display_sends_every_mime_type_and_the_display_id() {
        let (mut s, rx) = sink();
        let b = MimeBundle::text("chart")
            .with_svg("<svg/>".into())
            .with_png(vec![1, 2, 3]);
        s.display(&Display::rich(b.clone()), Some("loss"));
        s.update_display(&Display::rich(b), "loss");
        s.display(&Display::text("plain"), None);
        let m = msgs(&rx);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].msg_type(), "display_data");
        assert_eq!(m[0].parent_header["msg_id"], "req-1");
        let data = &m[0].content["data"];
        assert_eq!(data["image/svg+xml"], "<svg/>");
        // base64 of the bytes 1, 2, 3 (000000 010000 001000 000011).
        assert_eq!(data["image/png"], "AQID");
        assert_eq!(data["text/plain"], "chart");
        let id = m[0].content["transient"]["display_id"].as_str().unwrap();
        assert!(id.starts_with("loss-"), "{id}");
        assert_eq!(m[1].msg_type(), "update_display_data");
        assert_eq!(m[1].content["transient"]["display_id"], id);
        assert_eq!(m[2].content["data"], json!({"text/plain": "plain"}));
        assert!(m[2].content.get("transient").is_none());
    }

    #[test]
    fn clear_output_is_an_iopub_message_with_wait() {
        let (mut s, rx) = sink();
        s.clear_output(true);
        let m = msgs(&rx);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].msg_type(), "clear_output");
        assert_eq!(m[0].content, json!({"wait": true}));
        assert_eq!(m[0].parent_header["msg_id"], "req-1");
    }

    #[test]
    fn progress_is_shown_once_then_updated_at_most_ten_times_a_second() {
        let (mut s, rx) = sink();
        let mut p = Progress::new(Some("train"), Some(1000));
        let t0 = Instant::now();
        for _ in 0..1000 {
            p.update(1);
            s.progress("7", &p, false);
        }
        s.progress("7", &p, true);
        let elapsed = t0.elapsed();
        let m = msgs(&rx);
        assert_eq!(m[0].msg_type(), "display_data");
        let id = &m[0].content["transient"]["display_id"];
        assert!(m[1..].iter().all(|x| x.msg_type() == "update_display_data"
            && &x.content["transient"]["display_id"] == id));
        // One update per started 100 ms at most, plus the closing one.
        let budget = (elapsed.as_millis() / 100) as usize + 1;
        assert!(
            m.len() - 1 <= budget,
            "{} updates in {elapsed:?}",
            m.len() - 1
        );
        // The last message shows the final count.
        let html = m.last().unwrap().content["data"]["text/html"]
            .as_str()
            .unwrap();
        assert!(html.contains("1000/1000"), "{html}");
    }

    #[test]
    fn progress_redraws_once_the_interval_has_passed() {
        let (mut s, rx) = sink();
        let mut p = Progress::new(None, Some(3));
        s.progress("1", &p, false);
        for _ in 0..2 {
            std::thread::sleep(PROGRESS_INTERVAL + Duration::from_millis(20));
            p.update(1);
            s.progress("1", &p, false);
        }
        let m = msgs(&rx);
        let types: Vec<&str> = m.iter().map(Message::msg_type).collect();
        assert_eq!(
            types,
            ["display_data", "update_display_data", "update_display_data"]
        );
    }

    #[test]
    fn streams_carry_the_parent_and_skip_empty_writes() {
        let (mut s, rx) = sink();
        s.write_stdout("a");
        s.write_stdout("");
        s.write_stderr("b");
        let items: Vec<Iopub> = rx.try_iter().collect();
        assert_eq!(items.len(), 2);
        match &items[1] {
            Iopub::Stream { parent, name, text } => {
                assert_eq!(parent["msg_id"], "req-1");
                assert_eq!((*name, text.as_str()), ("stderr", "b"));
            }
            _ => panic!("expected a stream"),
        }
    }
}
