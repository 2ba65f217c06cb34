//! The Jupyter wire protocol: the connection file, message framing over
//! ZeroMQ multipart messages, and HMAC-SHA256 signing.
//!
//! A message on the wire is
//! `[identities.., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers..]`,
//! the signature being the hex HMAC of the four JSON frames in that order.
//! This module knows nothing of what the messages mean (that is kernel.rs).

use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The delimiter between routing identities and the message proper.
pub const DELIM: &[u8] = b"<IDS|MSG>";

/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

type HmacSha256 = Hmac<Sha256>;

/// The parts of a connection file the kernel needs.
#[derive(Clone, Debug)]
pub struct Connection {
    pub transport: String,
    pub ip: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    pub key: String,
    pub signature_scheme: String,
}

impl Connection {
    /// Parses a connection file's JSON text.
    pub fn parse(text: &str) -> Result<Connection, String> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("invalid connection file: {e}"))?;
        let s = |k: &str, default: &str| -> String {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_string()
        };
        let port = |k: &str| -> Result<u16, String> {
            v.get(k)
                .and_then(Value::as_u64)
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| format!("connection file: missing or invalid \"{k}\""))
        };
        let c = Connection {
            transport: s("transport", "tcp"),
            ip: s("ip", "127.0.0.1"),
            shell_port: port("shell_port")?,
            iopub_port: port("iopub_port")?,
            stdin_port: port("stdin_port")?,
            control_port: port("control_port")?,
            hb_port: port("hb_port")?,
            key: s("key", ""),
            signature_scheme: s("signature_scheme", "hmac-sha256"),
        };
        if !c.key.is_empty() && c.signature_scheme != "hmac-sha256" {
            return Err(format!(
                "unsupported signature scheme \"{}\" (only hmac-sha256)",
                c.signature_scheme
            ));
        }
        Ok(c)
    }

    /// The ZeroMQ endpoint of a port: `tcp://ip:port` (an IPv6 address in
    /// brackets, `tcp://[::1]:port`) or `ipc://ip-port`. Port 0 asks for
    /// any free port (`tcp://ip:*`), as ipykernel's `bind_to_random_port`.
    pub fn endpoint(&self, port: u16) -> String {
        if self.transport == "ipc" {
            return format!("ipc://{}-{}", self.ip, port);
        }
        let host = if self.is_ipv6() && !self.ip.starts_with('[') {
            format!("[{}]", self.ip)
        } else {
            self.ip.clone()
        };
        let port = if port == 0 {
            "*".to_string()
        } else {
            port.to_string()
        };
        format!("{}://{host}:{port}", self.transport)
    }

    /// Whether the address is IPv6 (`::1`, `::`): its sockets need ZeroMQ's
    /// IPv6 option.
    pub fn is_ipv6(&self) -> bool {
        self.transport == "tcp" && self.ip.contains(':')
    }

    /// The TCP port a socket bound to `endpoint` (its last endpoint, as
    /// ZeroMQ reports it: `tcp://127.0.0.1:41234`, `tcp://[::1]:41234`).
    pub fn port_of(endpoint: &str) -> Option<u16> {
        endpoint.rsplit_once(':')?.1.parse().ok()
    }

    /// The connection file's text with the ports replaced by `ports`
    /// (shell, iopub, stdin, control, hb), every other field kept: what
    /// ipykernel writes back after binding the ports a file left at 0.
    pub fn with_ports(text: &str, ports: [u16; 5]) -> Result<String, String> {
        let mut v: Value =
            serde_json::from_str(text).map_err(|e| format!("invalid connection file: {e}"))?;
        let o = v
            .as_object_mut()
            .ok_or("invalid connection file: not an object")?;
        for (k, p) in PORT_KEYS.iter().zip(ports) {
            o.insert((*k).to_string(), json!(p));
        }
        serde_json::to_string_pretty(&v).map_err(|e| e.to_string())
    }

    /// The ports in [`PORT_KEYS`] order.
    pub fn ports(&self) -> [u16; 5] {
        [
            self.shell_port,
            self.iopub_port,
            self.stdin_port,
            self.control_port,
            self.hb_port,
        ]
    }
}

/// The connection file's port fields, in the order of [`Connection::ports`].
pub const PORT_KEYS: [&str; 5] = [
    "shell_port",
    "iopub_port",
    "stdin_port",
    "control_port",
    "hb_port",
];

/// How many signatures the replay check remembers (ipykernel's
/// `digest_history_size`).
pub const DIGEST_HISTORY: usize = 1 << 16;

/// The signatures of the messages already accepted, oldest first: a
/// correctly signed message replayed verbatim is refused, as ipykernel's
/// Session refuses a "Duplicate Signature". Bounded: past
/// [`DIGEST_HISTORY`] the oldest tenth is forgotten (ipykernel culls a
/// random tenth).
#[derive(Default)]
struct Digests {
    seen: HashSet<Vec<u8>>,
    order: VecDeque<Vec<u8>>,
}

impl Digests {
    /// Records `sig`; false if it was already there.
    fn insert(&mut self, sig: &[u8]) -> bool {
        if self.seen.contains(sig) {
            return false;
        }
        if self.order.len() >= DIGEST_HISTORY {
            for _ in 0..DIGEST_HISTORY / 10 {
                if let Some(old) = self.order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
        self.seen.insert(sig.to_vec());
        self.order.push_back(sig.to_vec());
        true
    }
}

/// Signs and verifies messages with the connection's key. An empty key means
/// no signing (the signature frame is empty), as the protocol allows. Clones
/// share one history of accepted signatures (every channel's).
#[derive(Clone)]
pub struct Signer {
    mac: Option<HmacSha256>,
    digests: Arc<Mutex<Digests>>,
}

impl Signer {
    pub fn new(key: &str) -> Signer {
        let mac = if key.is_empty() {
            None
        } else {
            Some(HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any size"))
        };
        Signer {
            mac,
            digests: Arc::default(),
        }
    }

    /// Records an accepted message's signature; false when it was seen
    /// before (a replay). Without a key there are no signatures to track.
    pub fn first_use(&self, signature: &[u8]) -> bool {
        if self.mac.is_none() {
            return true;
        }
        self.digests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(signature)
    }

    /// The hex signature of the four JSON frames.
    pub fn sign(&self, frames: &[&[u8]]) -> String {
        match &self.mac {
            None => String::new(),
            Some(m) => {
                let mut m = m.clone();
                for f in frames {
                    m.update(f);
                }
                hex(&m.finalize().into_bytes())
            }
        }
    }

    /// Whether `signature` (hex) is the frames' signature, compared in
    /// constant time. With no key every message passes.
    pub fn verify(&self, signature: &[u8], frames: &[&[u8]]) -> bool {
        match &self.mac {
            None => true,
            Some(m) => {
                let Some(sig) = unhex(signature) else {
                    return false;
                };
                let mut m = m.clone();
                for f in frames {
                    m.update(f);
                }
                m.verify_slice(&sig).is_ok()
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let d = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.chunks(2)
        .map(|p| Some(d(p[0])? << 4 | d(p[1])?))
        .collect()
}

/// One message: routing identities plus the four JSON parts.
#[derive(Clone, Debug)]
pub struct Message {
    pub identities: Vec<Vec<u8>>,
    pub header: Value,
    pub parent_header: Value,
    pub metadata: Value,
    pub content: Value,
}

/// Why an incoming multipart message was dropped.
#[derive(Debug, PartialEq)]
pub enum WireError {
    NoDelimiter,
    TooShort,
    BadSignature,
    /// A correctly signed message whose signature was already used.
    Replayed,
    BadJson(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::NoDelimiter => f.write_str("no <IDS|MSG> delimiter"),
            WireError::TooShort => f.write_str("fewer than 5 frames after the delimiter"),
            WireError::BadSignature => f.write_str("bad HMAC signature"),
            WireError::Replayed => f.write_str("duplicate signature (a replayed message)"),
            WireError::BadJson(e) => write!(f, "invalid JSON: {e}"),
        }
    }
}

impl Message {
    /// Parses and verifies received frames. A message whose signature does
    /// not match is rejected before its JSON is even parsed.
    pub fn decode(frames: Vec<Vec<u8>>, signer: &Signer) -> Result<Message, WireError> {
        let pos = frames
            .iter()
            .position(|f| f == DELIM)
            .ok_or(WireError::NoDelimiter)?;
        let rest = &frames[pos + 1..];
        if rest.len() < 5 {
            return Err(WireError::TooShort);
        }
        let parts = [&rest[1][..], &rest[2][..], &rest[3][..], &rest[4][..]];
        if !signer.verify(&rest[0], &parts) {
            return Err(WireError::BadSignature);
        }
        if !signer.first_use(&rest[0]) {
            return Err(WireError::Replayed);
        }
        let parse = |b: &[u8]| -> Result<Value, WireError> {
            serde_json::from_slice(b).map_err(|e| WireError::BadJson(e.to_string()))
        };
        Ok(Message {
            identities: frames[..pos].to_vec(),
            header: parse(parts[0])?,
            parent_header: parse(parts[1])?,
            metadata: parse(parts[2])?,
            content: parse(parts[3])?,
        })
    }

    /// The frames to send, signed.
    pub fn encode(&self, signer: &Signer) -> Vec<Vec<u8>> {
        let parts: [Vec<u8>; 4] = [
            self.header.to_string().into_bytes(),
            self.parent_header.to_string().into_bytes(),
            self.metadata.to_string().into_bytes(),
            self.content.to_string().into_bytes(),
        ];
        let sig = signer.sign(&[&parts[0], &parts[1], &parts[2], &parts[3]]);
        let mut out = self.identities.clone();
        out.push(DELIM.to_vec());
        out.push(sig.into_bytes());
        out.extend(parts);
        out
    }

    pub fn msg_type(&self) -> &str {
        self.header
            .get("msg_type")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The iopub topic frame of a message: `kernel.<session>.<msg_type>`.
pub fn topic(session: &str, msg_type: &str) -> Vec<u8> {
    let short: String = session.chars().take(8).collect();
    format!("kernel.{short}.{msg_type}").into_bytes()
}

/// Makes message headers: one session id per kernel process, and message
/// ids `<session>_<counter>`.
pub struct Headers {
    pub session: String,
    counter: AtomicU64,
}

impl Headers {
    pub fn new() -> Headers {
        Headers {
            session: random_id(),
            counter: AtomicU64::new(0),
        }
    }

    /// A fresh header of type `msg_type`.
    pub fn header(&self, msg_type: &str) -> Value {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        json!({
            "msg_id": format!("{}_{}", self.session, n),
            "session": self.session,
            "username": "kernel",
            "date": now_iso8601(),
            "msg_type": msg_type,
            "version": PROTOCOL_VERSION,
        })
    }

    /// A reply or a broadcast caused by `parent`: `identities` are the
    /// parent's (ignored on iopub).
    pub fn reply(&self, parent: &Message, msg_type: &str, content: Value) -> Message {
        Message {
            identities: parent.identities.clone(),
            header: self.header(msg_type),
            parent_header: parent.header.clone(),
            metadata: Value::Object(Map::new()),
            content,
        }
    }
}

impl Default for Headers {
    fn default() -> Self {
        Headers::new()
    }
}

/// 128 random bits as 32 hex digits, from the OS when it can, else from
/// the clock and process id (ids need to be unique, not secret).
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .is_ok();
    if !ok {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = (t ^ (u128::from(std::process::id()) << 96)).to_le_bytes();
    }
    hex(&b)
}

/// The current UTC time as ISO 8601 with microseconds and a `Z`.
pub fn now_iso8601() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let (y, m, dd) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let s = Signer::new("Jefe");
        let want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(s.sign(&[b"what do ya want ", b"for nothing?"]), want);
        assert!(s.verify(want.as_bytes(), &[b"what do ya want for nothing?"]));
        assert!(!s.verify(want.as_bytes(), &[b"what do ya want for nothing!"]));
        assert!(!s.verify(b"zz", &[b"what do ya want for nothing?"]));
    }

    #[test]
    fn encode_then_decode_round_trips_and_rejects_tampering() {
        let s = Signer::new("secret");
        let m = Message {
            identities: vec![b"client".to_vec()],
            header: json!({"msg_type": "execute_request", "msg_id": "1"}),
            parent_header: json!({}),
            metadata: json!({}),
            content: json!({"code": "1 + 1"}),
        };
        let frames = m.encode(&s);
        let back = Message::decode(frames.clone(), &s).unwrap();
        assert_eq!(back.identities, m.identities);
        assert_eq!(back.content, m.content);
        let mut bad = frames;
        let n = bad.len();
        bad[n - 1] = br#"{"code": "x = 1"}"#.to_vec();
        assert_eq!(
            Message::decode(bad, &s).unwrap_err(),
            WireError::BadSignature
        );
    }

    #[test]
    fn dates_follow_the_civil_calendar() {
        // 1970-01-01 is day 0; 2000-03-01 is day 11017 (30 years of 365
        // days + 7 leap days = 10957 to 2000-01-01, then 31 + 29).
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn endpoints_for_tcp_and_ipc() {
        let c = Connection::parse(
            r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4,
                "hb_port": 5, "ip": "127.0.0.1", "key": "k", "transport": "tcp",
                "signature_scheme": "hmac-sha256"}"#,
        )
        .unwrap();
        assert_eq!(c.endpoint(c.hb_port), "tcp://127.0.0.1:5");
        let mut i = c.clone();
        i.transport = "ipc".into();
        i.ip = "/tmp/k".into();
        assert_eq!(i.endpoint(2), "ipc:///tmp/k-2");
        assert!(Connection::parse("{}").is_err());
        let mut v6 = c.clone();
        v6.ip = "::1".into();
        assert!(v6.is_ipv6() && !c.is_ipv6());
        assert_eq!(v6.endpoint(5), "tcp://[::1]:5");
        assert_eq!(v6.endpoint(0), "tcp://[::1]:*");
        assert_eq!(Connection::port_of("tcp://[::1]:41234"), Some(41234));
        assert_eq!(Connection::port_of("tcp://127.0.0.1:80"), Some(80));
    }

    #[test]
    fn ports_are_written_back_keeping_the_other_fields() {
        let text = r#"{"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0,
                "hb_port": 0, "ip": "::1", "key": "k", "kernel_name": "tinytorch"}"#;
        let out = Connection::with_ports(text, [1, 2, 3, 4, 5]).unwrap();
        let c = Connection::parse(&out).unwrap();
        assert_eq!(c.ports(), [1, 2, 3, 4, 5]);
        assert_eq!((c.ip.as_str(), c.key.as_str()), ("::1", "k"));
        assert!(out.contains("\"kernel_name\": \"tinytorch\""));
    }

    #[test]
    fn a_replayed_signature_is_refused_and_the_history_is_bounded() {
        let s = Signer::new("secret");
        let m = Message {
            identities: vec![],
            header: json!({"msg_type": "execute_request", "msg_id": "1"}),
            parent_header: json!({}),
            metadata: json!({}),
            content: json!({"code": "x += 1"}),
        };
        let frames = m.encode(&s);
        assert!(Message::decode(frames.clone(), &s).is_ok());
        // A clone (another channel's thread) shares the history.
        assert_eq!(
            Message::decode(frames, &s.clone()).unwrap_err(),
            WireError::Replayed
        );
        let mut d = Digests::default();
        for i in 0..DIGEST_HISTORY + 1 {
            assert!(d.insert(&(i as u64).to_le_bytes()));
        }
        assert!(d.order.len() <= DIGEST_HISTORY && d.seen.len() == d.order.len());
        assert!(!d.insert(&(DIGEST_HISTORY as u64).to_le_bytes()));
        // Without a key nothing is signed, so nothing can be tracked.
        assert!(Signer::new("").first_use(b"") && Signer::new("").first_use(b""));
    }
}
