//! Reference cycles made in a loop do not grow memory: the cycle patterns
//! of everyday code (a list or dict holding itself, `self.me = self`,
//! `self.cb = self.step`, an `nn.Module` holding itself, a recursive inner
//! function, a suspended generator whose frame holds a list that holds
//! it) run 10^5 times with the process's resident memory flat. Its
//! own test binary, so no other test's allocations move the measure.

use tinytorch_lang::{BufferSink, Session};

const SETUP: &str = "
import gc
import torch
from torch import nn

class Node:
    def __init__(self):
        self.me = self
        self.cb = self.step
        self.t = torch.zeros(16)
    def step(self):
        return 1

class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.me = [self]

def recursive_inner():
    def inner(n):
        return inner(n - 1) if n else 0
    return inner(3)

def counter(box):
    while True:
        yield len(box)

def patterns():
    box = []
    g = counter(box)
    box.append(g)
    next(g)
    a = [1]
    a.append(a)
    d = {}
    d['d'] = d
    n = Node()
    m = Loop()
    return recursive_inner()

def run(times):
    for i in range(times):
        patterns()
";

/// Resident memory of this process in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

#[test]
#[cfg(target_os = "linux")]
fn cycles_made_in_a_loop_are_freed() {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    s.run(SETUP, "<setup>", false).expect("setup runs");
    // Warm up: allocator pools, the first collections.
    s.run("run(20000)", "<warm>", false).expect("warm-up runs");
    let before = rss();
    s.run(
        "n0 = len(gc.get_objects())\nrun(100000)\nn1 = len(gc.get_objects())\nprint(n1 - n0)",
        "<loop>",
        false,
    )
    .expect("the loop runs");
    let after = rss();
    let grown: i64 = sink.take_stdout().trim().parse().expect("a count");
    let mb = (after as f64 - before as f64) / 1e6;
    let seen = format!("{grown} more live containers, resident memory {mb:+.1} MB");
    // Each iteration makes 9 containers in cycles: 900,000 stay without
    // cycle collection (and about 400 MB). At most one collection's worth
    // may be pending here.
    assert!(grown < 30_000, "after 10^5 iterations: {seen}");
    assert!(mb < 40.0, "after 10^5 iterations: {seen}");
}
