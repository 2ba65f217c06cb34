//! A minimal Jupyter client for the tests: starts the real `tinytorch-kernel`
//! binary with a connection file, and speaks the wire protocol with its own
//! framing and HMAC (independent of the kernel's wire.rs, so a signing bug
//! there cannot hide behind the same bug here).
#![allow(dead_code)]

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const KEY: &str = "a0436f6c-1916-498b-8eb9-e81ab9368e84";
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, empty scratch directory under the system's temp dir.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("tt-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("creating a scratch dir");
    d
}

/// Five ports the OS says are free now.
fn free_ports() -> [u16; 5] {
    let ls: Vec<std::net::TcpListener> = (0..5)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("binding port 0"))
        .collect();
    let p: Vec<u16> = ls.iter().map(|l| l.local_addr().unwrap().port()).collect();
    [p[0], p[1], p[2], p[3], p[4]]
}

/// The ports the kernel wrote into its connection file (shell, iopub,
/// stdin, control, hb), waiting until they are all non-zero.
pub fn bound_ports(file: &std::path::Path) -> [u16; 5] {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(v) = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
        {
            let p = |k: &str| v[k].as_u64().unwrap_or(0) as u16;
            let ports = [
                p("shell_port"),
                p("iopub_port"),
                p("stdin_port"),
                p("control_port"),
                p("hb_port"),
            ];
            if ports.iter().all(|&x| x != 0) {
                return ports;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the kernel never wrote its ports into {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn sign(frames: &[&[u8]]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    for f in frames {
        m.update(f);
    }
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone)]
pub struct Msg {
    pub header: Value,
    pub parent_header: Value,
    pub content: Value,
}

impl Msg {
    pub fn msg_type(&self) -> &str {
        self.header["msg_type"].as_str().unwrap_or("")
    }
    pub fn parent_id(&self) -> &str {
        self.parent_header["msg_id"].as_str().unwrap_or("")
    }
}

pub struct Kernel {
    pub child: Child,
    pub shell: zmq::Socket,
    pub control: zmq::Socket,
    pub iopub: zmq::Socket,
    pub hb: zmq::Socket,
    _ctx: zmq::Context,
    n: u64,
    dir: PathBuf,
    /// From spawning the process to the first kernel_info_reply.
    pub startup: Duration,
}

impl Kernel {
    pub fn start() -> Kernel {
        Kernel::start_at("127.0.0.1", false)
    }

    /// A kernel bound to `ip` (`"::1"` for IPv6); with `zero_ports` the
    /// connection file asks for ports 0 and the client reads the bound ports
    /// back from the file once the kernel has rewritten it.
    pub fn start_at(ip: &str, zero_ports: bool) -> Kernel {
        let dir = scratch_dir("kernel");
        let ports = if zero_ports { [0; 5] } else { free_ports() };
        let [shell, iopub, stdin, control, hb] = ports;
        let conn = json!({
            "shell_port": shell, "iopub_port": iopub, "stdin_port": stdin,
            "control_port": control, "hb_port": hb, "ip": ip,
            "key": KEY, "transport": "tcp", "signature_scheme": "hmac-sha256",
            "kernel_name": "tinytorch",
        });
        let file = dir.join("connection.json");
        std::fs::write(&file, conn.to_string()).unwrap();
        let t0 = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_tinytorch-kernel"))
            .arg("--connection-file")
            .arg(&file)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting tinytorch-kernel");
        let [shell, iopub, _stdin, control, hb] = if zero_ports {
            bound_ports(&file)
        } else {
            ports
        };
        let host = if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        let ctx = zmq::Context::new();
        let connect = |kind, port: u16| {
            let s = ctx.socket(kind).unwrap();
            s.set_linger(0).unwrap();
            s.set_ipv6(ip.contains(':')).unwrap();
            s.connect(&format!("tcp://{host}:{port}")).unwrap();
            s
        };
        let shell_s = connect(zmq::DEALER, shell);
        let control_s = connect(zmq::DEALER, control);
        let iopub_s = connect(zmq::SUB, iopub);
        iopub_s.set_subscribe(b"").unwrap();
        let hb_s = connect(zmq::REQ, hb);
        let mut k = Kernel {
            child,
            shell: shell_s,
            control: control_s,
            iopub: iopub_s,
            hb: hb_s,
            _ctx: ctx,
            n: 0,
            dir,
            startup: Duration::ZERO,
        };
        // The first reply marks start-up; then repeat kernel_info until
        // iopub's subscription is live (its status messages arrive).
        let id = k.send_shell("kernel_info_request", json!({}));
        let r = k.recv_reply(Which::Shell, &id, Duration::from_secs(20));
        k.startup = t0.elapsed();
        assert_eq!(r.msg_type(), "kernel_info_reply");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let id = k.send_shell("kernel_info_request", json!({}));
            k.recv_reply(Which::Shell, &id, Duration::from_secs(10));
            let got = k.iopub_until_idle(&id, Duration::from_millis(300));
            if got.is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "iopub never delivered a status");
        }
        k
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn header(&mut self, msg_type: &str) -> Value {
        self.n += 1;
        json!({
            "msg_id": format!("test-{}-{}", std::process::id(), self.n),
            "session": "test-session", "username": "test",
            "date": "2026-01-01T00:00:00.000000Z",
            "msg_type": msg_type, "version": "5.3",
        })
    }

    /// The frames of a request; `good_signature` false signs with a wrong
    /// key.
    pub fn frames(
        &mut self,
        msg_type: &str,
        content: Value,
        good_signature: bool,
    ) -> (String, Vec<Vec<u8>>) {
        let h = self.header(msg_type);
        let id = h["msg_id"].as_str().unwrap().to_string();
        let parts = [
            h.to_string().into_bytes(),
            b"{}".to_vec(),
            b"{}".to_vec(),
            content.to_string().into_bytes(),
        ];
        let mut sig = sign(&[&parts[0], &parts[1], &parts[2], &parts[3]]);
        if !good_signature {
            // Flip the last hex digit.
            let last = if sig.ends_with('0') { "1" } else { "0" };
            sig.pop();
            sig.push_str(last);
        }
        let mut f = vec![b"<IDS|MSG>".to_vec(), sig.into_bytes()];
        f.extend(parts);
        (id, f)
    }

    pub fn send_shell(&mut self, msg_type: &str, content: Value) -> String {
        let (id, f) = self.frames(msg_type, content, true);
        self.shell.send_multipart(f, 0).unwrap();
        id
    }

    pub fn send_control(&mut self, msg_type: &str, content: Value) -> String {
        let (id, f) = self.frames(msg_type, content, true);
        self.control.send_multipart(f, 0).unwrap();
        id
    }

    fn recv_on(sock: &zmq::Socket, timeout: Duration) -> Option<Msg> {
        let ms = timeout.as_millis().min(i64::MAX as u128) as i64;
        if sock.poll(zmq::POLLIN, ms).unwrap() == 0 {
            return None;
        }
        let frames = sock.recv_multipart(0).unwrap();
        let pos = frames
            .iter()
            .position(|f| f == b"<IDS|MSG>")
            .expect("delimiter");
        let r = &frames[pos + 1..];
        let sig = sign(&[&r[1], &r[2], &r[3], &r[4]]);
        assert_eq!(sig.as_bytes(), &r[0][..], "the kernel's signature is wrong");
        let j = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
        Some(Msg {
            header: j(&r[1]),
            parent_header: j(&r[2]),
            content: j(&r[4]),
        })
    }

    /// The reply to `id` on a channel, skipping replies to others.
    pub fn recv_reply(&mut self, which: Which, id: &str, timeout: Duration) -> Msg {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let sock = match which {
                Which::Shell => &self.shell,
                Which::Control => &self.control,
            };
            let m = Self::recv_on(sock, left)
                .unwrap_or_else(|| panic!("no reply to {id} within {timeout:?}"));
            if m.parent_id() == id {
                return m;
            }
        }
    }

    /// A reply to `id` if one comes within `timeout`.
    pub fn try_reply(&mut self, id: &str, timeout: Duration) -> Option<Msg> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = Self::recv_on(&self.shell, left)?;
            if m.parent_id() == id {
                return Some(m);
            }
        }
    }

    /// The first iopub message for `id` that `pred` accepts.
    pub fn iopub_until(
        &mut self,
        id: &str,
        timeout: Duration,
        pred: impl Fn(&Msg) -> bool,
    ) -> Option<Msg> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = Self::recv_on(&self.iopub, left)?;
            if m.parent_id() == id && pred(&m) {
                return Some(m);
            }
        }
    }

    /// iopub messages for `id` up to its idle status (None on timeout).
    pub fn iopub_until_idle(&mut self, id: &str, timeout: Duration) -> Option<Vec<Msg>> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = Self::recv_on(&self.iopub, left)?;
            if m.parent_id() != id {
                continue;
            }
            if m.msg_type() == "status" && m.content["execution_state"] == "idle" {
                return Some(out);
            }
            out.push(m);
        }
    }

    /// Runs a cell: its execute_reply and iopub messages (busy to idle).
    pub fn execute(&mut self, code: &str) -> (Msg, Vec<Msg>) {
        let id = self.send_shell("execute_request", json!({"code": code, "silent": false}));
        let reply = self.recv_reply(Which::Shell, &id, Duration::from_secs(60));
        let out = self
            .iopub_until_idle(&id, Duration::from_secs(10))
            .expect("no idle status after the execute_reply");
        (reply, out)
    }

    /// The text/plain of a cell's execute_result.
    pub fn eval(&mut self, code: &str) -> String {
        let (reply, out) = self.execute(code);
        assert_eq!(reply.content["status"], "ok", "{code}: {:?}", reply.content);
        let r = out
            .iter()
            .find(|m| m.msg_type() == "execute_result")
            .unwrap_or_else(|| panic!("{code}: no execute_result in {out:?}"));
        r.content["data"]["text/plain"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[derive(Clone, Copy)]
pub enum Which {
    Shell,
    Control,
}

impl Drop for Kernel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Stream text of one name, concatenated.
pub fn stream_text(out: &[Msg], name: &str) -> String {
    out.iter()
        .filter(|m| m.msg_type() == "stream" && m.content["name"] == name)
        .map(|m| m.content["text"].as_str().unwrap())
        .collect()
}
