//! Fuzzing in the test suite: mutated programs, format specs and tensor
//! calls run in-process and must end in a value or a Python exception,
//! never a panic (reported as SystemError at the session boundary), an
//! abort or a hang (a step limit bounds every run), and the session must
//! answer afterwards. A fixed seed and a bounded number of cases here;
//! `TT_FUZZ_CASES=N` runs N of each, `TT_FUZZ_SEED=S` another sequence.

use std::path::{Path, PathBuf};
use tinytorch_lang::{BufferSink, Session};

/// xorshift64*: a fixed, dependency-free sequence for a given seed.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Rng {
        let seed = std::env::var("TT_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x5eed_1234_abcd_ef01u64);
        Rng((seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn cases(default: usize) -> usize {
    std::env::var("TT_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn session() -> Session {
    let mut s = Session::new();
    s.set_output(Box::new(BufferSink::default()));
    s.set_step_limit(Some(20_000));
    s
}

/// Runs `src`; fails on a panic and checks the session still answers.
/// Returns whether the program ran (was not refused as a SyntaxError).
fn survives(s: &mut Session, src: &str) -> bool {
    let mut ran = true;
    if let Err(e) = s.run(src, "<fuzz>", false) {
        assert_ne!(
            e.exc, "SystemError",
            "the interpreter failed ({}) on:\n{src}",
            e.message
        );
        ran = !matches!(
            e.exc.as_str(),
            "SyntaxError" | "IndentationError" | "TabError"
        );
    }
    let r = s.run("1 + 1", "<after>", true);
    assert!(r.is_ok(), "session unusable after:\n{src}");
    ran
}

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("scripts dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            scripts(&p, out);
        } else if p.extension().is_some_and(|x| x == "py") && !p.ends_with("annotate.py") {
            out.push(p);
        }
    }
}

/// Values a mutation puts in place of a number: edges of every range the
/// interpreter and the engine check (sizes far past memory, i64 limits).
const EDGES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2**62",
    "-2**63",
    "2**63 - 1",
    "10**12",
    "1e308",
    "-0.0",
    "float('nan')",
    "float('inf')",
    "None",
    "[]",
    "()",
    "''",
    "2**40",
];

/// Tokens a mutation inserts.
const TOKENS: &[&str] = &[
    "(", ")", "[", "]", ":", ",", "*", "**", "=", "lambda", "yield", "return", "\n    ", "\n", "'",
    "\"", "f'{", "}", "@", ".", "not", "in", "is", "#", "\\", "...", "-",
];

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = src
        .lines()
        .filter(|l| !l.contains("# expect"))
        .map(String::from)
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(lines.len());
        match rng.below(6) {
            0 => {
                lines.remove(i);
                if lines.is_empty() {
                    break;
                }
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 => {
                // Replace a number with an edge value.
                let l = &lines[i];
                let digits: Vec<usize> = l
                    .char_indices()
                    .filter(|(_, c)| c.is_ascii_digit())
                    .map(|(k, _)| k)
                    .collect();
                if let Some(&k) = digits.get(rng.below(digits.len().max(1))) {
                    let end = l[k..]
                        .find(|c: char| !c.is_ascii_digit() && c != '.')
                        .map_or(l.len(), |e| k + e);
                    lines[i] = format!("{}({}){}", &l[..k], rng.pick(EDGES), &l[end..]);
                }
            }
            4 => {
                // Insert a token at a char boundary.
                let l = &lines[i];
                let cuts: Vec<usize> = l.char_indices().map(|(k, _)| k).chain([l.len()]).collect();
                let k = *rng.pick(&cuts);
                lines[i] = format!("{}{}{}", &l[..k], rng.pick(TOKENS), &l[k..]);
            }
            _ => {
                // Cut a piece out of a line.
                let l = &lines[i];
                let cuts: Vec<usize> = l.char_indices().map(|(k, _)| k).chain([l.len()]).collect();
                let (a, b) = (*rng.pick(&cuts), *rng.pick(&cuts));
                let (a, b) = (a.min(b), a.max(b));
                lines[i] = format!("{}{}", &l[..a], &l[b..]);
            }
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn mutated_scripts_end_in_a_value_or_an_exception() {
    let mut corpus = Vec::new();
    scripts(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts"),
        &mut corpus,
    );
    corpus.sort();
    let sources: Vec<String> = corpus
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("script"))
        // Sleeping is not bounded by the step limit.
        .filter(|s| !s.contains("sleep"))
        .collect();
    assert!(sources.len() > 20, "the corpus is the script tests");
    let mut rng = Rng::new(1);
    let mut s = session();
    let (total, mut ran) = (cases(300), 0);
    for n in 0..total {
        if n % 25 == 0 {
            s = session();
        }
        let i = rng.below(sources.len());
        let src = mutate(&sources[i], &mut rng);
        ran += survives(&mut s, &src) as usize;
    }
    // Most mutations keep the program valid Python: the fuzz runs code.
    assert!(
        ran * 3 > total,
        "only {ran} of {total} mutated programs parsed"
    );
}

#[test]
fn format_specs_end_in_a_string_or_an_exception() {
    let values = [
        "0",
        "-7",
        "2**63 - 1",
        "-2**63",
        "10**30",
        "1.5",
        "-0.0",
        "float('nan')",
        "float('-inf')",
        "1e300",
        "5e-324",
        "True",
        "'abc'",
        "''",
        "None",
        "[1]",
        "torch.tensor(2.5)",
        "torch.ones(2)",
    ];
    let pieces: [&[&str]; 9] = [
        &["", "x", "0", "*", "\u{e9}", "{", "}"],
        &["", "<", ">", "^", "="],
        &["", "+", "-", " "],
        &["", "z"],
        &["", "#"],
        &["", "0"],
        &["", "1", "10", "65536", "99999999999999999999"],
        &["", ",", "_", ",_"],
        &["", ".0", ".3", ".65536", ".2147483648", ".", ".x"],
    ];
    let types = [
        "", "b", "c", "d", "e", "E", "f", "F", "g", "G", "n", "o", "s", "x", "X", "%", "r", "q",
    ];
    let percent = [
        "d", "i", "x", "X", "o", "e", "f", "g", "s", "r", "c", "%", "a", "*d",
    ];
    let mut rng = Rng::new(2);
    let mut s = session();
    let per_program = 20;
    for _ in 0..cases(3000).div_ceil(per_program) {
        let mut src = String::from("import torch\n");
        for _ in 0..per_program {
            let mut spec: String = pieces.iter().map(|p| *rng.pick(p)).collect();
            spec.push_str(types[rng.below(types.len())]);
            let v = rng.pick(&values);
            let flags: String = (0..rng.below(3))
                .map(|_| *rng.pick(&["-", "+", " ", "#", "0"]))
                .collect();
            let width = rng.pick(&["", "5", "*", "99999999999999999999", "65536"]);
            let prec = rng.pick(&["", ".2", ".65536", ".2147483648", ".*"]);
            let conv = rng.pick(&percent);
            let quoted = spec.replace('\\', "\\\\").replace('\'', "\\'");
            src.push_str(&format!(
                "try:\n    format({v}, '{quoted}')\nexcept Exception:\n    pass\n\
                 try:\n    '%{flags}{width}{prec}{conv}' % ({v},)\nexcept Exception:\n    pass\n"
            ));
            if !spec.contains(['{', '}']) && !v.contains('\'') {
                src.push_str(&format!(
                    "try:\n    f'{{{v}:{spec}}}'\nexcept Exception:\n    pass\n"
                ));
            }
        }
        assert!(
            survives(&mut s, &src),
            "a generated program must parse:\n{src}"
        );
    }
}

#[test]
fn tensor_calls_end_in_a_value_or_an_exception() {
    let mut s = session();
    let setup = "import torch\nimport torch.nn.functional as F\n\
        t = torch.randn(2, 3)\nti = torch.arange(6).reshape(2, 3)\ntb = t > 0\n\
        t0 = torch.tensor(1.5)\nte = torch.zeros(0, 3)\nth = t.half()\n\
        tg = torch.randn(2, 3, requires_grad=True)\n";
    s.run(setup, "<setup>", false).expect("setup");
    let names = |s: &mut Session, expr: &str| -> Vec<String> {
        let sink = BufferSink::default();
        s.set_output(Box::new(sink.clone()));
        s.run(
            &format!("for n in dir({expr}):\n    if not n.startswith('_'):\n        print(n)"),
            "<names>",
            false,
        )
        .expect("dir");
        s.set_output(Box::new(BufferSink::default()));
        // Files, processes and devices are not fuzzed here.
        let skip = [
            "save",
            "load",
            "open",
            "exit",
            "sleep",
            "set_",
            "cuda",
            "distributed",
            "hub",
        ];
        sink.take_stdout()
            .lines()
            .filter(|n| !skip.iter().any(|k| n.contains(k)))
            .map(String::from)
            .collect()
    };
    let torch_fns = names(&mut s, "torch");
    let functional = names(&mut s, "F");
    let methods = names(&mut s, "t");
    assert!(torch_fns.len() > 100 && methods.len() > 100 && functional.len() > 20);
    let args = [
        "t",
        "ti",
        "tb",
        "t0",
        "te",
        "th",
        "tg",
        "0",
        "1",
        "-1",
        "2",
        "3",
        "2**62",
        "-2**63",
        "10**12",
        "1.5",
        "float('nan')",
        "float('inf')",
        "None",
        "True",
        "[1, 2]",
        "(2, 3)",
        "[]",
        "'x'",
        "torch.float16",
        "torch.int64",
        "torch.bool",
        "dim=5",
        "dim=-1",
        "keepdim=True",
        "dtype=torch.int32",
        "out=t",
        "[t, t]",
        "slice(None)",
        "...",
    ];
    let mut rng = Rng::new(3);
    let per_program = 20;
    s.run("calls_ok = 0", "<count>", false).expect("counter");
    for _ in 0..cases(2000).div_ceil(per_program) {
        let mut src = String::new();
        for _ in 0..per_program {
            let callee = match rng.below(3) {
                0 => format!("torch.{}", rng.pick(&torch_fns)),
                1 => format!("F.{}", rng.pick(&functional)),
                _ => format!(
                    "{}.{}",
                    rng.pick(&["t", "ti", "tb", "t0", "te", "th", "tg"]),
                    rng.pick(&methods)
                ),
            };
            let mut a: Vec<&str> = (0..rng.below(4)).map(|_| *rng.pick(&args)).collect();
            // Keyword arguments after positional ones, each once, as
            // Python requires.
            a.sort_by_key(|x| x.contains('='));
            let mut seen = Vec::new();
            a.retain(|x| match x.split_once('=') {
                Some((k, _)) if seen.contains(&k) => false,
                Some((k, _)) => {
                    seen.push(k);
                    true
                }
                None => true,
            });
            src.push_str(&format!(
                "try:\n    r = {callee}({})\n    calls_ok += 1\nexcept Exception:\n    pass\n",
                a.join(", ")
            ));
        }
        // The fixtures stay as they were (an in-place call may change one).
        let src = format!("{setup}{src}");
        assert!(
            survives(&mut s, &src),
            "a generated program must parse:\n{src}"
        );
    }
    // Calls really ran: some of the random combinations are valid (7% with
    // the default seed), the rest raise.
    let ok = s
        .run("calls_ok", "<count>", true)
        .expect("count")
        .expect("a value")
        .text;
    let ok: usize = ok.parse().expect("an int");
    assert!(ok * 30 > cases(2000), "only {ok} calls returned a value");
}
