//! The kernel: five sockets, their threads, and the message handlers.
//!
//! Threads: heartbeat (echo), iopub (the only owner of the PUB socket; the
//! others queue messages for it), control (interrupt, shutdown,
//! kernel_info; never waits for a cell), and the shell loop on the calling
//! thread, which owns the [`Session`] (whose interpreter runs on a thread of
//! its own). SIGINT sets the same interrupt flag as interrupt_request.
//! Both also ask the engine to stop a long op between chunks
//! (`tinytorch::interrupt`), so an interrupt lands inside one big matmul.

use crate::sink::InputReader;
use crate::sink::{mime_data, Iopub, JupyterSink};
use crate::sockets::{bind, write_ports};
use crate::wire::{topic, Connection, Headers, Message, Signer, PROTOCOL_VERSION};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tinytorch_lang::syntax::Completeness;
use tinytorch_lang::{InputError, LangError, Session};

/// Everything the handler threads share.
struct Shared {
    signer: Signer,
    headers: Arc<Headers>,
    iopub: Sender<Iopub>,
    /// The running Session's interrupt flag (replaced with the Session
    /// when a crashed interpreter is restarted).
    interrupt: Mutex<Arc<AtomicBool>>,
    /// The stdin channel: `input()` asks the client for a line here.
    stdin: Mutex<zmq::Socket>,
    conn: Connection,
}

impl Shared {
    fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn publish(&self, parent: &Message, msg_type: &str, content: Value) {
        let mut m = self.headers.reply(parent, msg_type, content);
        m.identities = vec![topic(&self.headers.session, msg_type)];
        let _ = self.iopub.send(Iopub::Msg(m));
    }

    fn status(&self, parent: &Message, state: &str) {
        self.publish(parent, "status", json!({ "execution_state": state }));
    }

    fn send(&self, sock: &zmq::Socket, parent: &Message, msg_type: &str, content: Value) {
        let m = self.headers.reply(parent, msg_type, content);
        if let Err(e) = sock.send_multipart(m.encode(&self.signer), 0) {
            log(&format!("sending {msg_type}: {e}"));
        }
    }

    /// Receives the next message that decodes and carries a valid
    /// signature; others are logged and dropped.
    fn recv(&self, sock: &zmq::Socket, channel: &str) -> Option<Message> {
        loop {
            let frames = match sock.recv_multipart(0) {
                Ok(f) => f,
                Err(zmq::Error::EINTR) => continue,
                Err(e) => {
                    log(&format!("{channel}: receive failed: {e}"));
                    return None;
                }
            };
            match Message::decode(frames, &self.signer) {
                Ok(m) => return Some(m),
                Err(e) => log(&format!("{channel}: dropped a message: {e}")),
            }
        }
    }

    /// Replies, tells iopub, and ends the process (a restart is the
    /// client's job: it starts a fresh kernel, so nothing survives).
    fn shutdown(&self, sock: &zmq::Socket, m: &Message) -> ! {
        let restart = m.content.get("restart").and_then(Value::as_bool) == Some(true);
        let content = json!({"status": "ok", "restart": restart});
        self.send(sock, m, "shutdown_reply", content.clone());
        self.publish(m, "shutdown_reply", content);
        self.status(m, "idle");
        let _ = self.iopub.send(Iopub::Stop);
        // Let the I/O threads hand the last messages to the network.
        std::thread::sleep(Duration::from_millis(100));
        std::process::exit(0);
    }
}

pub fn log(s: &str) {
    eprintln!("[tinytorch-kernel] {s}");
}

/// The kernel_info_reply content.
pub fn kernel_info() -> Value {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "tinytorch",
        "implementation_version": tinytorch_lang::VERSION,
        "language_info": {
            "name": "tinytorch",
            "version": tinytorch_lang::VERSION,
            "mimetype": "text/x-python",
            "file_extension": ".py",
            "pygments_lexer": "python3",
            "codemirror_mode": {"name": "python", "version": 3},
            "nbconvert_exporter": "python",
        },
        "banner": format!(
            "tinytorch {}: a Python-flavoured language for a deep-learning engine written in Rust",
            tinytorch_lang::VERSION
        ),
        "help_links": [],
    })
}

/// Runs the kernel until a shutdown_request ends the process. Ports given
/// as 0 in the connection are bound to free ports, which are then written
/// back into `file` (as ipykernel does), so a client reading the file
/// after start-up finds them.
pub fn run(mut conn: Connection, file: Option<&Path>) -> Result<(), String> {
    let ctx = zmq::Context::new();
    let (shell, shell_port) = bind(&ctx, zmq::ROUTER, &conn, conn.shell_port)?;
    let (control, control_port) = bind(&ctx, zmq::ROUTER, &conn, conn.control_port)?;
    let (iopub, iopub_port) = bind(&ctx, zmq::PUB, &conn, conn.iopub_port)?;
    let (stdin, stdin_port) = bind(&ctx, zmq::ROUTER, &conn, conn.stdin_port)?;
    let (hb, hb_port) = bind(&ctx, zmq::REP, &conn, conn.hb_port)?;
    let bound = [shell_port, iopub_port, stdin_port, control_port, hb_port];
    if bound != conn.ports() {
        if let Some(file) = file {
            write_ports(file, bound)?;
        }
        [
            conn.shell_port,
            conn.iopub_port,
            conn.stdin_port,
            conn.control_port,
            conn.hb_port,
        ] = bound;
    }

    std::thread::Builder::new()
        .name("heartbeat".into())
        .spawn(move || heartbeat(hb))
        .map_err(|e| e.to_string())?;

    let signer = Signer::new(&conn.key);
    let headers = Arc::new(Headers::new());
    let (iopub_tx, iopub_rx) = channel();
    {
        let signer = signer.clone();
        let headers = headers.clone();
        std::thread::Builder::new()
            .name("iopub".into())
            .spawn(move || publisher(iopub, iopub_rx, signer, &headers))
            .map_err(|e| e.to_string())?;
    }

    watch_parent();
    let session = Session::new();
    let interrupt = session.interrupt_handle();
    on_sigint(&interrupt)?;
    // SAFETY: the action is one relaxed atomic store, which is
    // async-signal-safe; it stays registered for the process's life.
    unsafe {
        signal_hook::low_level::register(signal_hook::consts::SIGINT, tinytorch::interrupt::request)
    }
    .map_err(|e| format!("installing the SIGINT handler: {e}"))?;

    let shared = Arc::new(Shared {
        signer,
        headers,
        iopub: iopub_tx,
        interrupt: Mutex::new(interrupt),
        stdin: Mutex::new(stdin),
        conn,
    });
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("control".into())
            .spawn(move || control_loop(&shared, control))
            .map_err(|e| e.to_string())?;
    }
    let mut shell_state = ShellState {
        session,
        execution_count: 0,
        history: Vec::new(),
        queued: Vec::new(),
        exit_requested: false,
    };
    while let Some(m) = shared.recv(&shell, "shell") {
        shared.status(&m, "busy");
        shell_state.handle(&shared, &shell, &m);
        shared.status(&m, "idle");
        if shell_state.exit_requested {
            // `exit()` in a cell: the kernel ends after its reply, as
            // ipykernel's does.
            log("exit() in a cell: shutting down");
            let _ = shared.iopub.send(Iopub::Stop);
            std::thread::sleep(Duration::from_millis(100));
            std::process::exit(0);
        }
        abort_queued(&shared, &shell, &mut shell_state);
    }
    Err("the shell socket closed".into())
}

/// After a failed cell with `stop_on_error`, the execute requests that were
/// already waiting when it failed (the rest of a "run all") are answered
/// `aborted` instead of run, as ipykernel does; other requests are handled
/// as usual.
fn abort_queued(shared: &Arc<Shared>, shell: &zmq::Socket, state: &mut ShellState) {
    for m in std::mem::take(&mut state.queued) {
        shared.status(&m, "busy");
        if m.msg_type() == "execute_request" {
            let content = json!({"status": "aborted", "execution_count": state.execution_count});
            shared.send(shell, &m, "execute_reply", content);
        } else {
            state.handle(shared, shell, &m);
        }
        shared.status(&m, "idle");
    }
}

/// The requests waiting on `shell` now, without blocking.
fn waiting(shared: &Shared, shell: &zmq::Socket) -> Vec<Message> {
    let mut out = Vec::new();
    while shell.poll(zmq::POLLIN, 0).unwrap_or(0) > 0 {
        match shared.recv(shell, "shell") {
            Some(m) => out.push(m),
            None => break,
        }
    }
    out
}

/// Ends the kernel when the Jupyter process that started it (it sets
/// `JPY_PARENT_PID`) has gone, so a killed server leaves no orphan.
#[cfg(unix)]
fn watch_parent() {
    if std::env::var_os("JPY_PARENT_PID").is_none() {
        return;
    }
    let parent = std::os::unix::process::parent_id();
    let _ = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            if std::os::unix::process::parent_id() != parent {
                log("the parent process has gone: exiting");
                std::process::exit(0);
            }
        });
}

#[cfg(not(unix))]
fn watch_parent() {}

/// SIGINT (interrupt_mode "signal") sets `flag`, stopping the running cell
/// instead of the process.
fn on_sigint(flag: &Arc<AtomicBool>) -> Result<(), String> {
    signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone())
        .map(|_| ())
        .map_err(|e| format!("installing the SIGINT handler: {e}"))
}

fn heartbeat(sock: zmq::Socket) {
    loop {
        match sock.recv_bytes(0) {
            Ok(b) => {
                if let Err(e) = sock.send(b, 0) {
                    log(&format!("heartbeat: {e}"));
                }
            }
            Err(zmq::Error::EINTR) => continue,
            Err(e) => {
                log(&format!("heartbeat stopped: {e}"));
                return;
            }
        }
    }
}

/// Publishes queued messages in order. When it falls behind, consecutive
/// stream pieces of one stream and parent go out as one message.
fn publisher(sock: zmq::Socket, rx: Receiver<Iopub>, signer: Signer, headers: &Headers) {
    let mut pending: Vec<Iopub> = Vec::new();
    while let Ok(first) = rx.recv() {
        pending.push(first);
        pending.extend(rx.try_iter());
        let mut stop = false;
        let mut i = 0;
        while i < pending.len() {
            let msg = match &pending[i] {
                Iopub::Stop => {
                    stop = true;
                    break;
                }
                Iopub::Msg(m) => m.clone(),
                Iopub::Stream { parent, name, text } => {
                    let mut text = text.clone();
                    while let Some(Iopub::Stream {
                        parent: p2,
                        name: n2,
                        text: t2,
                    }) = pending.get(i + 1)
                    {
                        if p2 != parent || n2 != name {
                            break;
                        }
                        text.push_str(t2);
                        i += 1;
                    }
                    Message {
                        identities: vec![topic(&headers.session, "stream")],
                        header: headers.header("stream"),
                        parent_header: parent.clone(),
                        metadata: json!({}),
                        content: json!({"name": name, "text": text}),
                    }
                }
            };
            if let Err(e) = sock.send_multipart(msg.encode(&signer), 0) {
                log(&format!("iopub: {e}"));
            }
            i += 1;
        }
        pending.clear();
        if stop {
            return;
        }
    }
}

fn control_loop(shared: &Shared, sock: zmq::Socket) {
    while let Some(m) = shared.recv(&sock, "control") {
        match m.msg_type() {
            "interrupt_request" => {
                shared.interrupt_flag().store(true, Ordering::Relaxed);
                tinytorch::interrupt::request();
                shared.send(&sock, &m, "interrupt_reply", json!({"status": "ok"}));
            }
            "shutdown_request" => shared.shutdown(&sock, &m),
            "kernel_info_request" => {
                shared.send(&sock, &m, "kernel_info_reply", kernel_info());
            }
            other => {
                log(&format!("control: ignoring {other}"));
            }
        }
    }
}

struct ShellState {
    session: Session,
    execution_count: u64,
    /// (execution count, code) of every stored cell.
    history: Vec<(u64, String)>,
    /// Requests that were waiting when a cell failed with `stop_on_error`.
    queued: Vec<Message>,
    /// A cell called `exit()` (or raised SystemExit).
    exit_requested: bool,
}

/// Byte offset of the `chars`-th code point of `s` (Jupyter counts cursor
/// positions in code points).
fn byte_offset(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

fn char_offset(s: &str, byte: usize) -> usize {
    s[..byte.min(s.len())].chars().count()
}

fn error_content(e: &LangError) -> Value {
    // Coloured as ipykernel's are (front ends render ANSI).
    let traceback: Vec<String> = e.render_coloured().lines().map(str::to_string).collect();
    json!({"ename": e.exc, "evalue": e.message, "traceback": traceback})
}

impl ShellState {
    fn handle(&mut self, shared: &Arc<Shared>, sock: &zmq::Socket, m: &Message) {
        let c = &m.content;
        let str_of = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
        let cursor = |code: &str| {
            let pos = c
                .get("cursor_pos")
                .and_then(Value::as_u64)
                .map_or(code.chars().count(), |p| p as usize);
            byte_offset(code, pos)
        };
        match m.msg_type() {
            "kernel_info_request" => shared.send(sock, m, "kernel_info_reply", kernel_info()),
            "execute_request" => self.execute(shared, sock, m),
            "complete_request" => {
                let code = str_of("code");
                let at = cursor(code);
                let (start, matches) = self.session.complete(code, at);
                let content = json!({
                    "status": "ok",
                    "matches": matches,
                    "cursor_start": char_offset(code, start),
                    "cursor_end": char_offset(code, at),
                    "metadata": {},
                });
                shared.send(sock, m, "complete_reply", content);
            }
            "inspect_request" => {
                let code = str_of("code");
                // Start at the end of the word under the cursor (inspect
                // looks there anyway, but steps over it byte by byte).
                let mut at = cursor(code);
                at += code[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .map(char::len_utf8)
                    .sum::<usize>();
                let doc = self.session.inspect(code, at);
                let content = match doc {
                    Some(d) => json!({
                        "status": "ok", "found": true,
                        "data": {"text/plain": d}, "metadata": {},
                    }),
                    None => json!({"status": "ok", "found": false, "data": {}, "metadata": {}}),
                };
                shared.send(sock, m, "inspect_reply", content);
            }
            "is_complete_request" => {
                let content = match Session::is_complete(str_of("code")) {
                    Completeness::Complete => json!({"status": "complete"}),
                    Completeness::Incomplete { indent } => {
                        json!({"status": "incomplete", "indent": indent})
                    }
                    Completeness::Invalid => json!({"status": "invalid"}),
                };
                shared.send(sock, m, "is_complete_reply", content);
            }
            "history_request" => {
                let content = json!({"status": "ok", "history": self.history_of(c)});
                shared.send(sock, m, "history_reply", content);
            }
            "comm_info_request" => {
                shared.send(
                    sock,
                    m,
                    "comm_info_reply",
                    json!({"status": "ok", "comms": {}}),
                );
            }
            "connect_request" => {
                let p = &shared.conn;
                let content = json!({
                    "status": "ok",
                    "shell_port": p.shell_port, "iopub_port": p.iopub_port,
                    "stdin_port": p.stdin_port, "control_port": p.control_port,
                    "hb_port": p.hb_port,
                });
                shared.send(sock, m, "connect_reply", content);
            }
            "shutdown_request" => shared.shutdown(sock, m),
            // No comm targets exist: opening one is answered by closing it.
            "comm_open" => {
                let id = c.get("comm_id").cloned().unwrap_or(Value::Null);
                shared.publish(m, "comm_close", json!({"comm_id": id, "data": {}}));
            }
            "comm_msg" | "comm_close" => {}
            other => log(&format!("shell: ignoring {other}")),
        }
    }

    /// History entries `[session, line, input]` (`input` becomes
    /// `[input, null]` with `output`): `tail` gives the last `n`, `range`
    /// the lines `start..stop` of this session (0), `search` those holding
    /// the pattern with `*` and `?` removed (the last `n`, `unique`
    /// dropping repeats).
    fn history_of(&self, c: &Value) -> Value {
        let get = |k: &str| c.get(k).and_then(Value::as_u64);
        let kind = c
            .get("hist_access_type")
            .and_then(Value::as_str)
            .unwrap_or("tail");
        let output = c.get("output").and_then(Value::as_bool) == Some(true);
        let all = self.history.iter();
        let mut rows: Vec<&(u64, String)> = match kind {
            "range" => {
                let start = get("start").unwrap_or(0);
                let stop = get("stop").unwrap_or(u64::MAX);
                all.filter(|(i, _)| (start..stop).contains(i)).collect()
            }
            "search" => {
                let pat = c.get("pattern").and_then(Value::as_str).unwrap_or("*");
                let needle: String = pat.chars().filter(|&ch| ch != '*' && ch != '?').collect();
                let mut v: Vec<_> = all.filter(|(_, code)| code.contains(&needle)).collect();
                if c.get("unique").and_then(Value::as_bool) == Some(true) {
                    let mut seen = std::collections::HashSet::new();
                    v.reverse();
                    v.retain(|(_, code)| seen.insert(code.as_str()));
                    v.reverse();
                }
                v
            }
            _ => all.collect(),
        };
        if kind != "range" {
            let n = get("n").map_or(rows.len(), |n| n as usize);
            rows.drain(..rows.len().saturating_sub(n));
        }
        Value::Array(
            rows.into_iter()
                .map(|(i, code)| {
                    let input = if output {
                        json!([code, null])
                    } else {
                        json!(code)
                    };
                    json!([0, i, input])
                })
                .collect(),
        )
    }

    fn execute(&mut self, shared: &Arc<Shared>, sock: &zmq::Socket, m: &Message) {
        let c = &m.content;
        let code = c
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let silent = c.get("silent").and_then(Value::as_bool) == Some(true);
        let store = !silent && c.get("store_history").and_then(Value::as_bool) != Some(false);
        if store {
            self.execution_count += 1;
            self.history.push((self.execution_count, code.clone()));
        }
        let count = self.execution_count;
        if !silent {
            shared.publish(
                m,
                "execute_input",
                json!({"code": code, "execution_count": count}),
            );
        }
        let allow_stdin = c.get("allow_stdin").and_then(Value::as_bool) == Some(true);
        let sink = JupyterSink::new(shared.iopub.clone(), shared.headers.clone(), topicless(m))
            .with_input(input_reader(shared.clone(), m.clone(), allow_stdin));
        self.session.set_output(Box::new(sink));
        let name = format!("<cell {count}>");
        let result = self.session.run(&code, &name, !silent);
        if let Err(e) = &result {
            if e.exc == "SystemError" && e.message == "the evaluator thread stopped" {
                self.restart_session(shared, m);
            }
        }
        match result {
            // exit()/quit()/SystemExit: ipykernel's reply, an `ask_exit`
            // payload, and the kernel ends after it.
            Err(e) if e.exit_code.is_some() => {
                self.exit_requested = true;
                let reply = json!({
                    "status": "ok", "execution_count": count, "user_expressions": {},
                    "payload": [{"source": "ask_exit", "keepkernel": false}],
                });
                shared.send(sock, m, "execute_reply", reply);
            }
            Ok(value) => {
                if let (Some(d), false) = (value, silent) {
                    shared.publish(
                        m,
                        "execute_result",
                        json!({"execution_count": count, "data": mime_data(&d), "metadata": {}}),
                    );
                }
                let exprs = self.user_expressions(c.get("user_expressions"));
                let reply = json!({
                    "status": "ok", "execution_count": count,
                    "user_expressions": exprs, "payload": [],
                });
                shared.send(sock, m, "execute_reply", reply);
            }
            Err(e) => {
                let err = error_content(&e);
                shared.publish(m, "error", err.clone());
                let mut reply = err;
                reply["status"] = json!("error");
                reply["execution_count"] = json!(count);
                reply["user_expressions"] = json!({});
                reply["payload"] = json!([]);
                // Collected before the reply goes out, so that no request
                // sent in answer to it can be aborted.
                if c.get("stop_on_error").and_then(Value::as_bool) != Some(false) {
                    self.queued = waiting(shared, sock);
                }
                shared.send(sock, m, "execute_reply", reply);
            }
        }
        // A SIGINT that arrived after the cell ended must not stop the next.
        shared.interrupt_flag().store(false, Ordering::Relaxed);
        tinytorch::interrupt::clear();
    }

    /// Replaces a Session whose interpreter thread died (a bug, never user
    /// input) with a fresh one, and says so in the cell's output.
    fn restart_session(&mut self, shared: &Shared, parent: &Message) {
        log("the interpreter thread stopped: starting a fresh session");
        self.session = Session::new();
        let flag = self.session.interrupt_handle();
        if let Err(e) = on_sigint(&flag) {
            log(&e);
        }
        *shared.interrupt.lock().unwrap_or_else(|e| e.into_inner()) = flag;
        shared.publish(
            parent,
            "stream",
            json!({"name": "stderr", "text": "The interpreter stopped unexpectedly (a bug in tinytorch); \
                   the kernel started a fresh session, so earlier variables are gone.\n"}),
        );
    }

    /// Evaluates each `user_expressions` entry after the cell, as the
    /// protocol asks: its display data, or its error.
    fn user_expressions(&mut self, exprs: Option<&Value>) -> Value {
        let mut out = serde_json::Map::new();
        if let Some(Value::Object(map)) = exprs {
            for (k, v) in map {
                let src = v.as_str().unwrap_or("");
                let r = match self.session.run(src, "<user_expression>", true) {
                    Ok(Some(d)) => json!({"status": "ok", "data": mime_data(&d), "metadata": {}}),
                    Ok(None) => {
                        json!({"status": "ok", "data": {"text/plain": "None"}, "metadata": {}})
                    }
                    Err(e) => {
                        let mut r = error_content(&e);
                        r["status"] = json!("error");
                        r
                    }
                };
                out.insert(k.clone(), r);
            }
        }
        Value::Object(out)
    }
}

/// The request as a parent for iopub messages (its routing identities
/// replaced by nothing: the sink sets the topic).
/// `input(prompt)` for one execute_request: an input_request to the
/// client that sent it, on the stdin channel, then its input_reply
/// (ipykernel's protocol). A client that did not allow stdin gets
/// ipykernel's StdinNotImplementedError; an interrupt while waiting is a
/// KeyboardInterrupt.
fn input_reader(shared: Arc<Shared>, parent: Message, allow: bool) -> InputReader {
    Box::new(move |prompt: &str| {
        if !allow {
            return Err(InputError {
                exc: "StdinNotImplementedError",
                message: "raw_input was called, but this frontend does not support input requests."
                    .into(),
            });
        }
        let sock = shared.stdin.lock().unwrap_or_else(|e| e.into_inner());
        shared.send(
            &sock,
            &parent,
            "input_request",
            json!({"prompt": prompt, "password": false}),
        );
        let flag = shared.interrupt_flag();
        loop {
            if flag.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(InputError {
                    exc: "KeyboardInterrupt",
                    message: String::new(),
                });
            }
            match sock.poll(zmq::POLLIN, 100) {
                Ok(0) | Err(zmq::Error::EINTR) => continue,
                Ok(_) => {}
                Err(e) => {
                    return Err(InputError {
                        exc: "OSError",
                        message: format!("reading the stdin channel: {e}"),
                    })
                }
            }
            let Some(reply) = shared.recv(&sock, "stdin") else {
                continue;
            };
            if reply.msg_type() == "input_reply" {
                let value = reply
                    .content
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                return Ok(Some(value.to_string()));
            }
        }
    })
}

fn topicless(m: &Message) -> Message {
    Message {
        identities: vec![],
        ..m.clone()
    }
}
