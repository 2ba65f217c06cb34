//! The kernel over the wire: the real binary, a connection file, ZeroMQ, and
//! this file's own signing (tests/common).

mod common;

use common::{stream_text, Kernel, Which};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn kernel_info_reply_describes_the_language() {
    let mut k = Kernel::start();
    eprintln!("start-up to kernel_info_reply: {:?}", k.startup);
    let id = k.send_shell("kernel_info_request", json!({}));
    let r = k.recv_reply(Which::Shell, &id, Duration::from_secs(5));
    let c = &r.content;
    assert_eq!(c["status"], "ok");
    assert_eq!(c["protocol_version"], "5.3");
    assert_eq!(c["language_info"]["name"], "tinytorch");
    assert_eq!(c["language_info"]["file_extension"], ".py");
    assert_eq!(c["language_info"]["pygments_lexer"], "python3");
    assert_eq!(c["language_info"]["codemirror_mode"]["name"], "python");
    assert_eq!(r.header["version"], "5.3");
    // The same answer on the control channel.
    let id = k.send_control("kernel_info_request", json!({}));
    let r = k.recv_reply(Which::Control, &id, Duration::from_secs(5));
    assert_eq!(r.content["language_info"]["name"], "tinytorch");
    // The heartbeat echoes.
    k.hb.send(&b"ping"[..], 0).unwrap();
    assert_eq!(k.hb.poll(zmq::POLLIN, 5000).unwrap(), 1);
    assert_eq!(k.hb.recv_bytes(0).unwrap(), b"ping");
}

#[test]
fn execute_reports_results_streams_and_counts() {
    let mut k = Kernel::start();
    let (reply, out) = k.execute("1 + 1");
    assert_eq!(reply.content["status"], "ok");
    assert_eq!(reply.content["execution_count"], 1);
    let types: Vec<&str> = out.iter().map(|m| m.msg_type()).collect();
    assert_eq!(types, ["status", "execute_input", "execute_result"]);
    assert_eq!(out[0].content["execution_state"], "busy");
    assert_eq!(out[1].content["code"], "1 + 1");
    assert_eq!(out[2].content["data"]["text/plain"], "2");
    assert_eq!(out[2].content["execution_count"], 1);

    // print goes to stdout; no execute_result for a statement or after `;`.
    let (reply, out) = k.execute("for i in range(3):\n    print(i, i * i)");
    assert_eq!(reply.content["execution_count"], 2);
    assert_eq!(stream_text(&out, "stdout"), "0 0\n1 1\n2 4\n");
    assert!(!out.iter().any(|m| m.msg_type() == "execute_result"));
    let (_, out) = k.execute("3;");
    assert!(!out.iter().any(|m| m.msg_type() == "execute_result"));
    let (_, out) = k.execute("import sys\nsys.stderr.write('warn\\n')\n0;");
    assert_eq!(stream_text(&out, "stderr"), "warn\n");

    // Tensors print with PyTorch's repr.
    assert_eq!(
        k.eval("import torch\ntorch.tensor([1.0, 2.5])"),
        "tensor([1.0000, 2.5000])"
    );
}

#[test]
fn stdout_streams_while_the_cell_runs() {
    let mut k = Kernel::start();
    // Prints, then spins for a second, then prints again.
    let code = "import time\nprint('first')\nt = time.time()\nwhile time.time() - t < 1.0:\n    pass\nprint('last')";
    let id = k.send_shell("execute_request", json!({"code": code}));
    let first = k
        .iopub_until(&id, Duration::from_secs(20), |m| m.msg_type() == "stream")
        .expect("a stream message");
    let first_at = Instant::now();
    assert_eq!(first.content["text"], "first\n");
    let rest = k
        .iopub_until_idle(&id, Duration::from_secs(20))
        .expect("idle");
    let idle_at = Instant::now();
    assert_eq!(stream_text(&rest, "stdout"), "last\n");
    // 'first' arrived while the loop still had most of its second to run.
    assert!(
        idle_at - first_at > Duration::from_millis(500),
        "first stream only {:?} before the end",
        idle_at - first_at
    );
    let _ = k.recv_reply(Which::Shell, &id, Duration::from_secs(5));
}

#[test]
fn an_error_is_reported_and_the_kernel_lives_on() {
    let mut k = Kernel::start();
    k.execute("kept = 11");
    let (reply, out) = k.execute("def f(x):\n    return x / 0\nf(1)");
    let c = &reply.content;
    assert_eq!(c["status"], "error");
    assert_eq!(c["ename"], "ZeroDivisionError");
    assert_eq!(c["evalue"], "division by zero");
    let tb: Vec<&str> = c["traceback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    // Python's layout, in CPython 3.13's colours (as ipykernel colours
    // its tracebacks): header, one frame per call, the error line last.
    assert_eq!(tb[0], "Traceback (most recent call last):");
    let plain: Vec<String> = tb.iter().map(|l| strip_ansi(l)).collect();
    assert!(plain.iter().any(|l| l.contains("in f")), "{tb:?}");
    assert_eq!(plain.last().unwrap(), "ZeroDivisionError: division by zero");
    assert_eq!(
        *tb.last().unwrap(),
        "\x1b[1;35mZeroDivisionError\x1b[0m: \x1b[35mdivision by zero\x1b[0m"
    );
    let err = out
        .iter()
        .find(|m| m.msg_type() == "error")
        .expect("iopub error");
    assert_eq!(err.content["traceback"], c["traceback"]);
    // A syntax error too.
    let (reply, _) = k.execute("x = = 1");
    assert_eq!(reply.content["ename"], "SyntaxError");
    // Still alive, variables kept.
    assert_eq!(k.eval("kept + 1"), "12");
}

#[test]
fn a_badly_signed_execute_is_not_run() {
    let mut k = Kernel::start();
    let (id, frames) = k.frames("execute_request", json!({"code": "secret = 42"}), false);
    k.shell.send_multipart(frames, 0).unwrap();
    assert!(
        k.try_reply(&id, Duration::from_millis(500)).is_none(),
        "a badly signed request was answered"
    );
    // Unsigned too.
    let (id, mut frames) = k.frames("execute_request", json!({"code": "secret = 43"}), true);
    frames[1] = Vec::new();
    k.shell.send_multipart(frames, 0).unwrap();
    assert!(k.try_reply(&id, Duration::from_millis(300)).is_none());
    let (reply, _) = k.execute("secret");
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "NameError");
    assert_eq!(reply.content["execution_count"], 1);
}

/// Starts `while True: pass`, interrupts it with `how`, and checks it stops
/// within a second with KeyboardInterrupt and the kernel keeps its state.
fn interrupt_stops_an_infinite_loop(how: impl Fn(&mut Kernel)) {
    let mut k = Kernel::start();
    k.execute("before = 'kept'");
    let id = k.send_shell("execute_request", json!({"code": "while True:\n    pass"}));
    // Let it spin.
    assert!(k.try_reply(&id, Duration::from_millis(300)).is_none());
    let t = Instant::now();
    how(&mut k);
    let reply = k.recv_reply(Which::Shell, &id, Duration::from_secs(1));
    eprintln!("interrupt took {:?}", t.elapsed());
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "KeyboardInterrupt");
    k.iopub_until_idle(&id, Duration::from_secs(5))
        .expect("idle");
    assert_eq!(k.eval("before"), "'kept'");
}

#[test]
fn interrupt_request_on_control_stops_a_loop() {
    interrupt_stops_an_infinite_loop(|k| {
        let id = k.send_control("interrupt_request", json!({}));
        let r = k.recv_reply(Which::Control, &id, Duration::from_secs(1));
        assert_eq!(r.msg_type(), "interrupt_reply");
    });
}

#[test]
fn sigint_stops_a_loop() {
    interrupt_stops_an_infinite_loop(|k| {
        let ok = std::process::Command::new("kill")
            .args(["-INT", &k.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    });
}

#[test]
fn complete_inspect_and_is_complete() {
    let mut k = Kernel::start();
    k.execute("import torch\ndef scale(x, factor=2):\n    \"\"\"Multiplies x by factor.\"\"\"\n    return x * factor\nmy_value = 3");
    let ask = |k: &mut Kernel, t: &str, content| {
        let id = k.send_shell(t, content);
        k.recv_reply(Which::Shell, &id, Duration::from_secs(5))
            .content
    };
    // "y = my_v": the word starts at 4, the cursor is at 8.
    let c = ask(
        &mut k,
        "complete_request",
        json!({"code": "y = my_v", "cursor_pos": 8}),
    );
    assert_eq!(c["matches"], json!(["my_value"]));
    assert_eq!(
        (c["cursor_start"].as_u64(), c["cursor_end"].as_u64()),
        (Some(4), Some(8))
    );
    // Attributes; cursor positions count code points ("é" is one).
    let c = ask(
        &mut k,
        "complete_request",
        json!({"code": "é = torch.zer", "cursor_pos": 13}),
    );
    let m: Vec<&str> = c["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(m.contains(&"zeros") && m.contains(&"zeros_like"), "{m:?}");
    assert_eq!(c["cursor_start"], 10);
    assert_eq!(c["cursor_end"], 13);

    let c = ask(
        &mut k,
        "inspect_request",
        json!({"code": "scale(", "cursor_pos": 2, "detail_level": 0}),
    );
    assert_eq!(c["found"], true);
    let doc = c["data"]["text/plain"].as_str().unwrap();
    assert!(doc.contains("Multiplies x by factor."), "{doc}");
    assert!(doc.contains("factor=2"), "{doc}");
    let c = ask(
        &mut k,
        "inspect_request",
        json!({"code": "no_such_name", "cursor_pos": 3}),
    );
    assert_eq!(c["found"], false);

    let c = ask(&mut k, "is_complete_request", json!({"code": "x = 1"}));
    assert_eq!(c["status"], "complete");
    let c = ask(&mut k, "is_complete_request", json!({"code": "def f(x):"}));
    assert_eq!(c["status"], "incomplete");
    assert_eq!(c["indent"], "    ");
    let c = ask(&mut k, "is_complete_request", json!({"code": "x = )"}));
    assert_eq!(c["status"], "invalid");
}

#[test]
fn history_comm_info_and_shutdown() {
    let mut k = Kernel::start();
    k.execute("a = 1");
    k.execute("a + 1");
    let id = k.send_shell(
        "history_request",
        json!({"hist_access_type": "tail", "n": 10, "output": false, "raw": true}),
    );
    let c = k
        .recv_reply(Which::Shell, &id, Duration::from_secs(5))
        .content;
    assert_eq!(c["history"], json!([[0, 1, "a = 1"], [0, 2, "a + 1"]]));
    let id = k.send_shell("comm_info_request", json!({}));
    let c = k
        .recv_reply(Which::Shell, &id, Duration::from_secs(5))
        .content;
    assert_eq!(c["comms"], json!({}));
    // Shutdown on control ends the process.
    let id = k.send_control("shutdown_request", json!({"restart": false}));
    let r = k.recv_reply(Which::Control, &id, Duration::from_secs(5));
    assert_eq!(r.content["restart"], false);
    exits_cleanly(&mut k);
}

/// Start-up and `1 + 1` round trips, for the report (run with --nocapture).
#[test]
fn timing_report() {
    let mut k = Kernel::start();
    let mut rt: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let _ = k.execute("1 + 1");
            t.elapsed()
        })
        .collect();
    rt.sort();
    eprintln!(
        "tinytorch-kernel: start-up to kernel_info_reply {:?}, `1 + 1` round trip median {:?}",
        k.startup, rt[25]
    );
    assert!(k.startup < Duration::from_secs(5));
}

/// `plot` sends its picture as display_data (SVG and PNG) while the cell
/// runs.
#[test]
fn plot_sends_display_data() {
    let mut k = Kernel::start();
    let (reply, out) = k.execute("plot([3.0, 1.0, 2.0])\nplot([1.0, 2.0])\nprint('after')");
    assert_eq!(reply.content["status"], "ok");
    let shown: Vec<_> = out
        .iter()
        .filter(|m| m.msg_type() == "display_data")
        .collect();
    assert_eq!(shown.len(), 2, "one display_data per plot: {out:?}");
    for m in &shown {
        let data = &m.content["data"];
        assert!(data["image/svg+xml"].as_str().unwrap().contains("<svg"));
        // base64 of the PNG signature's first bytes, 0x89 'P' 'N' 'G'.
        assert!(data["image/png"]
            .as_str()
            .unwrap()
            .starts_with("iVBORw0KGgo"));
    }
    // The pictures came before the print that follows them.
    let pos = |t: &str| out.iter().position(|m| m.msg_type() == t).unwrap();
    assert!(pos("display_data") < pos("stream"));
}

/// A cell that plots under a display_id shows its chart each time it runs:
/// the first use of the id in a cell is a display_data, later uses in the
/// same cell update it (ipykernel's rule; re-running used to send only
/// updates, and the re-run cell stayed empty).
#[test]
fn a_rerun_cell_shows_its_display_id_output_again() {
    let mut k = Kernel::start();
    let code = "for i in range(3):\n    plot([1.0, 2.0 + i], display_id='loss')";
    for run in 0..2 {
        let (reply, out) = k.execute(code);
        assert_eq!(reply.content["status"], "ok");
        let kinds: Vec<&str> = out
            .iter()
            .map(|m| m.msg_type())
            .filter(|t| t.ends_with("display_data"))
            .collect();
        assert_eq!(
            kinds,
            ["display_data", "update_display_data", "update_display_data"],
            "run {run}: {out:?}"
        );
    }
}

/// `IPython.display`: `display` sends a display_data (a tensor with its
/// HTML table), `clear_output(wait=True)` a clear_output message, in order.
#[test]
fn ipython_display_and_clear_output() {
    let mut k = Kernel::start();
    let (reply, out) = k.execute(
        "from IPython.display import display, clear_output\nimport torch\ndisplay(torch.ones(2, 2), 'x')\nclear_output(wait=True)\ndisplay(3)",
    );
    assert_eq!(reply.content["status"], "ok");
    let kinds: Vec<&str> = out
        .iter()
        .map(|m| m.msg_type())
        .filter(|t| *t == "display_data" || *t == "clear_output")
        .collect();
    assert_eq!(
        kinds,
        [
            "display_data",
            "display_data",
            "clear_output",
            "display_data"
        ],
        "{out:?}"
    );
    let shown: Vec<_> = out
        .iter()
        .filter(|m| m.msg_type() == "display_data")
        .collect();
    assert!(shown[0].content["data"]["text/html"]
        .as_str()
        .unwrap()
        .contains("<table"));
    assert_eq!(shown[1].content["data"]["text/plain"], "'x'");
    assert_eq!(shown[2].content["data"]["text/plain"], "3");
    let clear = out.iter().find(|m| m.msg_type() == "clear_output").unwrap();
    assert_eq!(clear.content["wait"], true);
}

/// A `tqdm` bar is one output updated in place, ending at its final state.
#[test]
fn tqdm_updates_one_output_in_place() {
    let mut k = Kernel::start();
    let (reply, out) = k.execute(
        "from tqdm import tqdm\nimport time\nfor i in tqdm(range(5), desc='steps'):\n    time.sleep(0.05)",
    );
    assert_eq!(reply.content["status"], "ok", "{:?}", reply.content);
    let bars: Vec<_> = out
        .iter()
        .filter(|m| matches!(m.msg_type(), "display_data" | "update_display_data"))
        .collect();
    assert!(!bars.is_empty(), "no display for the bar: {out:?}");
    assert_eq!(bars[0].msg_type(), "display_data");
    let id = &bars[0].content["transient"]["display_id"];
    assert!(id.is_string());
    for m in &bars[1..] {
        assert_eq!(m.msg_type(), "update_display_data");
        assert_eq!(&m.content["transient"]["display_id"], id);
    }
    let last = bars.last().unwrap().content["data"]["text/html"]
        .as_str()
        .unwrap();
    assert!(last.contains("5/5"), "{last}");
}

/// After an error, cells already queued behind it (a "run all") are
/// aborted, not run; later cells run again.
#[test]
fn an_error_aborts_the_queued_cells() {
    let mut k = Kernel::start();
    let failing = k.send_shell(
        "execute_request",
        json!({"code": "import time\ntime.sleep(0.3)\n1 / 0", "stop_on_error": true}),
    );
    let queued = k.send_shell("execute_request", json!({"code": "b = 5"}));
    let r = k.recv_reply(Which::Shell, &failing, Duration::from_secs(10));
    assert_eq!(r.content["status"], "error");
    let r = k.recv_reply(Which::Shell, &queued, Duration::from_secs(10));
    assert_eq!(r.content["status"], "aborted");
    let (r, _) = k.execute("b");
    assert_eq!(r.content["ename"], "NameError");
    assert_eq!(k.eval("2 * 3"), "6");
}

/// Inspecting or completing at a non-ASCII name leaves the session working.
#[test]
fn inspect_at_a_non_ascii_name_keeps_the_session() {
    let mut k = Kernel::start();
    k.execute("été = 4");
    for (t, pos) in [
        ("inspect_request", 0),
        ("inspect_request", 1),
        ("complete_request", 2),
    ] {
        let id = k.send_shell(t, json!({"code": "été", "cursor_pos": pos}));
        let r = k.recv_reply(Which::Shell, &id, Duration::from_secs(5));
        assert_eq!(r.content["status"], "ok");
    }
    assert_eq!(k.eval("été + 1"), "5");
}

/// `exit()` in a cell: ipykernel's reply (status ok, an `ask_exit`
/// payload), the idle status, then the kernel process ends cleanly.
#[test]
fn exit_in_a_cell_ends_the_kernel_after_its_reply() {
    let mut k = Kernel::start();
    let (reply, out) = k.execute("print('bye')\nexit()");
    assert_eq!(reply.content["status"], "ok", "{:?}", reply.content);
    assert_eq!(
        reply.content["payload"],
        json!([{"source": "ask_exit", "keepkernel": false}])
    );
    assert_eq!(stream_text(&out, "stdout"), "bye\n");
    exits_cleanly(&mut k);
}

/// IPython's magics reach the kernel as they reach the REPL.
#[test]
fn magics_and_help_in_a_notebook_cell() {
    let mut k = Kernel::start();
    let (reply, out) = k.execute("%time x = sum(range(1000))\nx");
    assert_eq!(reply.content["status"], "ok");
    assert!(stream_text(&out, "stdout").contains("Wall time: "));
    assert!(out
        .iter()
        .any(|m| m.msg_type() == "execute_result" && m.content["data"]["text/plain"] == "499500"));
    let (reply, out) = k.execute("%who");
    assert_eq!(reply.content["status"], "error");
    assert_eq!(reply.content["ename"], "UsageError");
    drop(out);
}

/// `s` without ANSI colour sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Waits (up to 5 s) for the kernel process to end, successfully.
fn exits_cleanly(k: &mut Kernel) {
    let t = Instant::now();
    loop {
        if let Some(status) = k.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the kernel did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
