//! Replays `fixtures/random.json` (made by `fixtures/make_random_fixtures.py` with PyTorch) on
//! `tinytorch::random::Generator`: every float32 must match bit for bit, every float64 and
//! integer exactly.

use std::collections::BTreeMap;

use tinytorch::random::{kaiming_uniform_bound, Generator, NormalKernel};

/// Just enough JSON for the fixture file: numbers keep their text so integers stay exact.
#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool,
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    let Json::Str(k) = self.value()? else {
                        return Err(format!("object key expected at byte {}", self.i));
                    };
                    self.eat(b':')?;
                    m.insert(k, self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("bad object at byte {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(v));
                }
                loop {
                    v.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(v));
                        }
                        _ => return Err(format!("bad array at byte {}", self.i)),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let start = self.i;
                while self.s.get(self.i).is_some_and(|&c| c != b'"') {
                    self.i += 1;
                }
                let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.eat(b'"')?;
                Ok(Json::Str(text))
            }
            Some(b't') | Some(b'f') | Some(b'n') => {
                for (word, value) in [
                    ("true", Json::Bool),
                    ("false", Json::Bool),
                    ("null", Json::Null),
                ] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(value);
                    }
                }
                Err(format!("bad literal at byte {}", self.i))
            }
            Some(_) => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
                {
                    self.i += 1;
                }
                Ok(Json::Num(
                    String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                ))
            }
            None => Err("unexpected end".into()),
        }
    }
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.get(key),
            _ => None,
        }
    }
    fn f64(&self, key: &str) -> f64 {
        match self.get(key) {
            Some(Json::Num(s)) => parse_f64(s),
            other => panic!("{key}: number expected, got {other:?}"),
        }
    }
    fn i64(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(Json::Num(s)) => s.parse().unwrap_or_else(|e| panic!("{key}={s}: {e}")),
            other => panic!("{key}: integer expected, got {other:?}"),
        }
    }
    fn usize(&self, key: &str) -> usize {
        usize::try_from(self.i64(key)).expect("non-negative size")
    }
    fn str(&self, key: &str) -> &str {
        match self.get(key) {
            Some(Json::Str(s)) => s,
            _ => "",
        }
    }
    fn arr(&self, key: &str) -> &[Json] {
        match self.get(key) {
            Some(Json::Arr(v)) => v,
            other => panic!("{key}: array expected, got {other:?}"),
        }
    }
    fn nums(&self, key: &str) -> Vec<&str> {
        self.arr(key)
            .iter()
            .map(|v| match v {
                Json::Num(s) => s.as_str(),
                other => panic!("number expected, got {other:?}"),
            })
            .collect()
    }
}

/// Python writes `Infinity`/`NaN` for non-finite floats; Rust's parser knows `inf`/`NaN`.
fn parse_f64(s: &str) -> f64 {
    match s {
        "Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => s.parse().unwrap_or_else(|e| panic!("{s}: {e}")),
    }
}

fn load() -> Json {
    let text = include_str!("fixtures/random.json");
    Parser {
        s: text.as_bytes(),
        i: 0,
    }
    .value()
    .expect("fixture parses")
}

/// Compares one op's output with PyTorch's and returns a message per mismatch.
fn check(name: &str, got: Got, expected: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    let len = match &got {
        Got::F32(v) => v.len(),
        Got::F64(v) => v.len(),
        Got::I64(v) => v.len(),
    };
    if len != expected.len() {
        return vec![format!(
            "{name}: {len} values, PyTorch has {}",
            expected.len()
        )];
    }
    for (i, e) in expected.iter().enumerate() {
        let ok = match &got {
            // float32 values are exact in the JSON's float64 text.
            Got::F32(v) => v[i].to_bits() == (parse_f64(e) as f32).to_bits(),
            Got::F64(v) => v[i].to_bits() == parse_f64(e).to_bits(),
            Got::I64(v) => Ok(v[i]) == e.parse::<i64>(),
        };
        if !ok && bad.len() < 5 {
            let g = match &got {
                Got::F32(v) => format!("{:e}", v[i]),
                Got::F64(v) => format!("{:e}", v[i]),
                Got::I64(v) => v[i].to_string(),
            };
            bad.push(format!("{name}[{i}]: got {g}, PyTorch {e}"));
        }
    }
    bad
}

enum Got {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
}

/// Runs one fixture op on `g`, as PyTorch's default generator ran it.
fn run(g: &mut Generator, op: &Json) -> Got {
    let n = op.get("n").map_or(0, |_| op.usize("n"));
    let dtype = op.str("dtype");
    let f64s = dtype == "float64";
    let ok = "valid fixture arguments";
    match op.str("op") {
        "rand" | "uniform" => {
            let (lo, hi) = if op.str("op") == "rand" {
                (0.0, 1.0)
            } else {
                (op.f64("low"), op.f64("high"))
            };
            match dtype {
                "float64" => Got::F64(g.uniform_f64(n, lo, hi).expect(ok)),
                "float16" => Got::F32(
                    g.uniform_f16(n, lo, hi)
                        .expect(ok)
                        .iter()
                        .map(|h| h.to_f32())
                        .collect(),
                ),
                "bfloat16" => Got::F32(
                    g.uniform_bf16(n, lo, hi)
                        .expect(ok)
                        .iter()
                        .map(|h| h.to_f32())
                        .collect(),
                ),
                _ => Got::F32(g.uniform_f32(n, lo, hi).expect(ok)),
            }
        }
        kind @ ("randn" | "normal" | "normal_strided") => {
            let (mean, std) = if kind == "randn" {
                (0.0, 1.0)
            } else {
                (op.f64("mean"), op.f64("std"))
            };
            match (f64s, kind == "normal_strided") {
                (true, false) => Got::F64(g.normal_f64(n, mean, std).expect(ok)),
                (false, false) => Got::F32(g.normal_f32(n, mean, std).expect(ok)),
                (true, true) => {
                    let mut v = vec![0.0; n];
                    g.fill_normal_f64_strided(&mut v, mean, std).expect(ok);
                    Got::F64(v)
                }
                (false, true) => {
                    let mut v = vec![0.0; n];
                    g.fill_normal_f32_strided(&mut v, mean, std).expect(ok);
                    Got::F32(v)
                }
            }
        }
        "randint" => Got::I64(g.randint(n, op.i64("low"), op.i64("high")).expect(ok)),
        "randperm" => Got::I64(g.randperm(n)),
        "bernoulli" => Got::F32(g.bernoulli_f32(n, op.f64("p")).expect(ok)),
        "bernoulli_tensor" => {
            let p = op.f64("p");
            if f64s {
                Got::F64(g.bernoulli_from_f64(&vec![p; n]).expect(ok))
            } else {
                Got::F32(g.bernoulli_from_f32(&vec![p as f32; n]).expect(ok))
            }
        }
        "dropout" => {
            // F.dropout(ones, p): bernoulli_(1 - p), then div_(1 - p) in float32.
            let p = op.f64("p");
            // F.dropout's CPU path draws the scaled mask in one pass.
            let mut mask = vec![0.0; n];
            g.fill_bernoulli_f32(&mut mask, 1.0 - p, 1.0 / (1.0 - p) as f32)
                .expect(ok);
            Got::F32(mask)
        }
        kind @ ("linear" | "conv2d") => {
            let (fan_in, count, out) = if kind == "linear" {
                let (i, o) = (op.usize("in"), op.usize("out"));
                (i, i * o, o)
            } else {
                let (i, o, k) = (op.usize("in"), op.usize("out"), op.usize("k"));
                (i * k * k, o * i * k * k, o)
            };
            let bound = kaiming_uniform_bound(fan_in, 5f64.sqrt());
            let mut v = g.uniform_f32(count, -bound, bound).expect(ok);
            let bias_bound = 1.0 / (fan_in as f64).sqrt();
            v.extend(g.uniform_f32(out, -bias_bound, bias_bound).expect(ok));
            Got::F32(v)
        }
        "embedding" => Got::F32(
            g.normal_f32(op.usize("num") * op.usize("dim"), 0.0, 1.0)
                .expect(ok),
        ),
        other => panic!("unknown fixture op {other}"),
    }
}

fn replay(cases: &[Json], kernel: NormalKernel) -> Vec<String> {
    let mut bad = Vec::new();
    for case in cases {
        let seed = u64::try_from(case.i64("seed")).expect("non-negative seed");
        let mut g = Generator::with_kernel(seed, kernel);
        for (k, op) in case.arr("ops").iter().enumerate() {
            let name = format!("{}#{k}({})", case.str("name"), op.str("op"));
            let got = run(&mut g, op);
            bad.extend(check(&name, got, &op.nums("values")));
        }
    }
    bad
}

fn kernel_for(capability: &str) -> NormalKernel {
    if capability.eq_ignore_ascii_case("avx2") {
        NormalKernel::Avx2
    } else {
        NormalKernel::Libm
    }
}

#[test]
fn every_fixture_matches_pytorch() {
    let root = load();
    let kernel = kernel_for(root.str("cpu_capability"));
    let cases = root.arr("cases");
    assert!(cases.len() > 300, "fixture has {} cases", cases.len());
    let bad = replay(cases, kernel);
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn libm_normal_kernel_matches_default_capability() {
    let root = load();
    let bad = replay(root.arr("default_capability_randn"), NormalKernel::Libm);
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
