//! Printing values: `repr`/`str` as Python prints them (floats as the
//! shortest round-trip string, `1e-05`, `inf`), the format-spec
//! mini-language of f-strings and `format()`, `%`-formatting, and the
//! "Did you mean" suggestion of NameError/AttributeError.

use super::call::Args;
use super::error::{exc, type_error, value_error, PyResult};
use super::interp::Interp;
use super::value::Value;
use std::rc::Rc;

/// Python's `repr(float)`: shortest digits that round-trip, scientific
/// notation below 1e-4 and from 1e16.
/// When `x` lies exactly halfway between two shortest round-trip digit
/// strings (`698.92584228515625`: `...562` and `...563`), the one with
/// the even last digit, as CPython's repr picks (Rust's picks the upper).
fn tie_to_even(x: f64, digits: &str, exp: i32) -> Option<String> {
    let k = digits.len();
    if k < 15 || digits.ends_with(['0', '2', '4', '6', '8']) {
        return None;
    }
    // The exact expansion: a tie is `k` digits, a 5, then only zeros.
    let exact = format!("{:.*e}", k + 60, x.abs());
    let mant: String = exact
        .split_once('e')?
        .0
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    if mant.as_bytes().get(k) != Some(&b'5') || !mant[k + 1..].bytes().all(|b| b == b'0') {
        return None;
    }
    // The lower neighbour is the truncation; the upper adds one unit.
    let low = &mant[..k];
    let candidate = if low.ends_with(['0', '2', '4', '6', '8']) {
        low.to_string()
    } else {
        return None; // the even one is the upper: Rust's choice when it is odd is the lower
    };
    let back: f64 = format!("{}.{}e{exp}", &candidate[..1], &candidate[1..])
        .parse()
        .ok()?;
    (back == x.abs()).then_some(candidate)
}

pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sci = format!("{x:e}"); // "1.2345e-5": shortest round-trip digits
    let (mant, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let neg = mant.starts_with('-');
    let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    if let Some(even) = tie_to_even(x, &digits, exp) {
        digits = even;
    }
    let sign = if neg { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let m = if digits.len() == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        return format!(
            "{sign}{m}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
    let n = digits.len() as i32;
    let s = if exp < 0 {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else if exp + 1 >= n {
        format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
    } else {
        let p = (exp + 1) as usize;
        format!("{}.{}", &digits[..p], &digits[p..])
    };
    format!("{sign}{s}")
}

/// Python's `repr(str)`: single quotes unless the text has one and no double.
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c)
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// The closest name within Python's edit-distance budget.
pub fn suggest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for &c in candidates {
        if c == name || c.starts_with("__") {
            continue;
        }
        let d = levenshtein(name, c);
        // CPython: (len(name) + len(candidate) + 3) * MOVE_COST(2) / 6, in cost units of 2.
        let limit = (name.len() + c.len() + 3) / 6;
        if d <= limit.max(1) && best.map_or(true, |(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = if a[i - 1] == b[j - 1] {
                0
            } else if a[i - 1].eq_ignore_ascii_case(&b[j - 1]) {
                // CPython counts a case change as cheaper than a substitution.
                0
            } else {
                1
            };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + sub);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A parsed format spec: `[[fill]align][sign][#][0][width][,][.precision][type]`.
#[derive(Default)]
struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    /// The grouping separator, `,` or `_`.
    group: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> PyResult<Spec> {
    let c: Vec<char> = spec.chars().collect();
    let mut s = Spec {
        fill: ' ',
        sign: '-',
        ..Spec::default()
    };
    let mut i = 0;
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = c[0];
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        s.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        let digits: String = c[start..i].iter().collect();
        s.width = digits
            .parse()
            .map_err(|_| value_error("Too many decimal digits in format string"))?;
        // The padding is built in memory: a width the host cannot hold is
        // a MemoryError, as CPython's.
        super::error::check_alloc(s.width.saturating_mul(4))?;
    }
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        s.group = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let ps = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == ps {
            return Err(value_error("Format specifier missing precision"));
        }
        let digits: String = c[ps..i].iter().collect();
        let p: u64 = digits
            .parse()
            .map_err(|_| value_error("Too many decimal digits in format string"))?;
        // CPython keeps precisions in a C int.
        if p > i32::MAX as u64 {
            return Err(value_error("precision too big"));
        }
        s.precision = Some(p as usize);
    }
    if i < c.len() {
        s.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return Err(value_error("Invalid format specifier"));
    }
    Ok(s)
}

/// `digits` (an integer part, then maybe `.` and a fraction) with `sep`
/// between groups of `size` integer digits.
fn group_digits(digits: &str, sep: char, size: usize) -> String {
    let (int, frac) = match digits.find('.') {
        Some(p) => (&digits[..p], &digits[p..]),
        None => (digits, ""),
    };
    let mut out = String::with_capacity(digits.len() + int.len() / size);
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % size == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out + frac
}

/// Digits a double can have after the point before its exact decimal
/// expansion ends (2^-1074 has 1074); past them every digit is 0.
const EXACT_FRAC_DIGITS: usize = 1100;
/// Significant digits of a double's exact decimal expansion, at most.
const EXACT_SIG_DIGITS: usize = 800;

/// Python's spelling of inf and nan (the format types upper-case them).
fn non_finite(x: f64) -> String {
    match (x.is_nan(), x > 0.0) {
        (true, _) => "nan".into(),
        (false, true) => "inf".into(),
        (false, false) => "-inf".into(),
    }
}

/// `{:.prec}` for any precision (Rust's formatter stops at 65535): the
/// exact digits, then zeros.
fn fixed(x: f64, prec: usize) -> String {
    if !x.is_finite() {
        return non_finite(x);
    }
    if prec <= EXACT_FRAC_DIGITS {
        return format!("{x:.prec$}");
    }
    let mut s = format!("{x:.EXACT_FRAC_DIGITS$}");
    s.push_str(&"0".repeat(prec - EXACT_FRAC_DIGITS));
    s
}

/// `{:.prec e}` for any precision, as [`fixed`] does for `{:.prec}`.
fn sci_digits(x: f64, prec: usize) -> String {
    if !x.is_finite() {
        return non_finite(x);
    }
    if prec <= EXACT_SIG_DIGITS {
        return format!("{x:.prec$e}");
    }
    let s = format!("{x:.EXACT_SIG_DIGITS$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    format!("{m}{}e{e}", "0".repeat(prec - EXACT_SIG_DIGITS))
}

/// `%e`-style exponent with at least two digits, as C and Python print it.
fn sci(x: f64, prec: usize, upper: bool) -> String {
    let s = sci_digits(x, prec);
    let (m, e) = s.split_once('e').expect("exponent");
    let e: i32 = e.parse().expect("integer exponent");
    let r = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

/// `%g`: scientific when the exponent is < -4 or >= precision; trailing zeros dropped.
fn general(x: f64, prec: usize, alt: bool) -> String {
    if !x.is_finite() {
        return float_repr(x);
    }
    let p = prec.max(1);
    if x == 0.0 {
        return if alt { fixed(0.0, p - 1) } else { "0".into() };
    }
    let e = sci_digits(x, p - 1);
    let exp: i32 = e
        .split_once('e')
        .map(|(_, e)| e.parse().unwrap_or(0))
        .unwrap_or(0);
    let strip = |s: String| -> String {
        if alt || !s.contains('.') {
            return s;
        }
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if exp < -4 || exp >= p as i32 {
        let s = sci(x, p - 1, false);
        let (m, e) = s.split_once('e').expect("exponent");
        format!("{}e{}", strip(m.to_string()), e)
    } else {
        strip(fixed(x, (p as i64 - 1 - exp as i64).max(0) as usize))
    }
}

fn pad(body: String, sign: &str, s: &Spec, default_align: char) -> String {
    let len = body.chars().count() + sign.chars().count();
    if len >= s.width {
        return format!("{sign}{body}");
    }
    let n = s.width - len;
    let (fill, align) = if s.zero && s.align.is_none() {
        ('0', '=')
    } else {
        (s.fill, s.align.unwrap_or(default_align))
    };
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ => format!("{}{sign}{body}", f(n)),
    }
}

fn format_number(x: f64, int: Option<i64>, s: &Spec) -> PyResult<String> {
    let neg = x.is_sign_negative() && !(x == 0.0 && int.is_some()) && !x.is_nan();
    let a = x.abs();
    let ty = s.ty;
    // The `#` prefix stays apart from the digits: zero padding and grouping
    // go between them (`format(255, '#010x')` is `0x000000ff`).
    let (prefix, group_size) = match (ty, s.alt) {
        (Some('x'), true) => ("0x", 4),
        (Some('X'), true) => ("0X", 4),
        (Some('o'), true) => ("0o", 4),
        (Some('b'), true) => ("0b", 4),
        (Some('x' | 'X' | 'o' | 'b'), false) => ("", 4),
        _ => ("", 3),
    };
    if let (Some(','), Some(t @ ('x' | 'X' | 'o' | 'b'))) = (s.group, ty) {
        return Err(value_error(format!("Cannot specify ',' with '{t}'.")));
    }
    let mut body = match (ty, int) {
        (Some('d') | Some('n'), Some(i)) => i.unsigned_abs().to_string(),
        (Some('d'), None) => {
            return Err(value_error(
                "Unknown format code 'd' for object of type 'float'",
            ))
        }
        (Some('x'), Some(i)) => format!("{:x}", i.unsigned_abs()),
        (Some('X'), Some(i)) => format!("{:X}", i.unsigned_abs()),
        (Some('o'), Some(i)) => format!("{:o}", i.unsigned_abs()),
        (Some('b'), Some(i)) => format!("{:b}", i.unsigned_abs()),
        (Some('f') | Some('F'), _) => {
            if a.is_finite() {
                fixed(a, s.precision.unwrap_or(6))
            } else {
                float_repr(a)
            }
        }
        (Some('e') | Some('E'), _) => {
            if a.is_finite() {
                sci(a, s.precision.unwrap_or(6), ty == Some('E'))
            } else {
                float_repr(a)
            }
        }
        // 'n' is 'g' in the C locale.
        (Some('g') | Some('G') | Some('n'), _) => general(a, s.precision.unwrap_or(6), s.alt),
        (Some('%'), _) => format!("{}%", fixed(a * 100.0, s.precision.unwrap_or(6))),
        (None, Some(i)) => i.unsigned_abs().to_string(),
        (None, None) => match s.precision {
            // An empty type with a precision behaves like 'g' here.
            Some(p) => general(a, p, false),
            None => float_repr(a),
        },
        (Some(c), _) => {
            let tn = if int.is_some() { "int" } else { "float" };
            return Err(value_error(format!(
                "Unknown format code '{c}' for object of type '{tn}'"
            )));
        }
    };
    if matches!(ty, Some('E' | 'F' | 'G')) {
        body = body.to_uppercase();
    }
    let sign = if neg {
        "-"
    } else {
        match s.sign {
            '+' => "+",
            ' ' => " ",
            _ => "",
        }
    };
    let head = format!("{sign}{prefix}");
    if let Some(sep) = s.group {
        let digit = |c: char| c.is_ascii_digit() || (group_size == 4 && c.is_ascii_hexdigit());
        let digits_end = body.find(|c: char| !digit(c));
        let (int_part, rest) = body.split_at(digits_end.unwrap_or(body.len()));
        let mut int_part = int_part.to_string();
        let rest = rest.to_string();
        let mut grouped = group_digits(&int_part, sep, group_size);
        // Zero padding is grouped too (`format(5, '06_')` is `00_005`): the
        // fewest digits d whose grouped length d + (d - 1) / size fills it.
        if s.zero && s.align.is_none() && !int_part.is_empty() {
            let need = s
                .width
                .saturating_sub(head.chars().count() + rest.chars().count());
            let grouped_len = |d: usize| d + d.saturating_sub(1) / group_size;
            let mut d = int_part.len().max(need * group_size / (group_size + 1));
            while d > int_part.len() && grouped_len(d - 1) >= need {
                d -= 1;
            }
            while grouped_len(d) < need {
                d += 1;
            }
            int_part.insert_str(0, &"0".repeat(d - int_part.len()));
            grouped = group_digits(&int_part, sep, group_size);
        }
        body = grouped + &rest;
    }
    Ok(pad(body, &head, s, '>'))
}

impl Interp {
    /// `repr(v)`.
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        Ok(match v {
            Value::None => "None".into(),
            Value::Bool(b) => (if *b { "True" } else { "False" }).into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => str_repr(s),
            Value::List(l) => {
                let items = l.borrow().clone();
                let key = Rc::as_ptr(l) as *const () as usize;
                self.repr_once(key, "[...]", |it| {
                    Ok(format!("[{}]", it.join_reprs(&items)?))
                })?
            }
            Value::Tuple(t) => match &t.class {
                None => {
                    if t.items.len() == 1 {
                        format!("({},)", self.repr(&t.items[0])?)
                    } else {
                        format!("({})", self.join_reprs(&t.items)?)
                    }
                }
                Some(c) => {
                    if c.class.has("__repr__") {
                        let r = self.call_method(v, "__repr__", Args::default())?;
                        return self.to_str(&r);
                    }
                    let mut parts = Vec::new();
                    for (k, x) in t.items.iter().enumerate() {
                        let r = self.repr(x)?;
                        parts.push(match c.fields.get(k) {
                            Some(f) => format!("{f}={r}"),
                            None => r,
                        });
                    }
                    format!("{}({})", c.class.name, parts.join(", "))
                }
            },
            Value::Dict(d) if d.borrow().kind.is_some() => {
                let class = d.borrow().kind.as_ref().map(|k| k.class.clone());
                match class.and_then(|c| c.lookup("__repr__")) {
                    // The class's own repr guards against meeting the dict
                    // inside itself.
                    Some(r) => match self.call(&r, super::call::Args::new(vec![v.clone()]))? {
                        Value::Str(s) => s.to_string(),
                        other => {
                            return Err(super::error::type_error(format!(
                                "__repr__ returned non-string (type {})",
                                other.type_name()
                            )))
                        }
                    },
                    None => self.dict_repr(d)?,
                }
            }
            Value::Dict(d) => self.dict_repr(d)?,
            Value::Set(d) => {
                let items = d.borrow().keys();
                if items.is_empty() {
                    "set()".into()
                } else {
                    format!("{{{}}}", self.join_reprs(&items)?)
                }
            }
            Value::Function(f) => format!("<function {} at 0x{:x}>", f.code.name, v.identity()),
            Value::BoundMethod(bm) => match &bm.1 {
                Value::Function(f) => format!(
                    "<bound method {}.{} of {}>",
                    bm.0.type_name(),
                    f.code.name,
                    self.repr(&bm.0)?
                ),
                Value::Builtin(b) => format!(
                    "<built-in method {} of {} object at 0x{:x}>",
                    b.name(),
                    bm.0.type_name(),
                    bm.0.identity()
                ),
                other => format!("<bound method of {}>", self.repr(other)?),
            },
            Value::Builtin(b) => match b.owner() {
                "builtins" => format!("<built-in function {}>", b.name()),
                owner => format!("<built-in method {} of {owner} object>", b.name()),
            },
            Value::Class(c) => format!("<class '{}'>", c.qualname()),
            Value::Instance(i) => {
                if i.class.kind == super::value::ClassKind::Exception {
                    let args = i.get("args").unwrap_or(Value::tuple(vec![]));
                    let inner = match &args {
                        Value::Tuple(t) if t.items.len() == 1 => self.repr(&t.items[0])?,
                        Value::Tuple(t) => self.join_reprs(&t.items)?,
                        _ => String::new(),
                    };
                    return Ok(format!("{}({})", i.class.name, inner));
                }
                if i.class.has("__repr__") {
                    let r = self.call_method(v, "__repr__", Args::default())?;
                    return match r {
                        Value::Str(s) => Ok(s.to_string()),
                        other => Err(type_error(format!(
                            "__repr__ returned non-string (type {})",
                            other.type_name()
                        ))),
                    };
                }
                format!("<{} object at 0x{:x}>", i.class.qualname(), v.identity())
            }
            Value::Module(m) => format!("<module '{}'>", m.name),
            Value::Object(o) => o.repr(self)?,
            Value::Range(r) => {
                if r.2 == 1 {
                    format!("range({}, {})", r.0, r.1)
                } else {
                    format!("range({}, {}, {})", r.0, r.1, r.2)
                }
            }
            Value::Iter(i) => match &*i.borrow() {
                super::value::Iter::Generator(g) => {
                    format!("<generator object {} at 0x{:x}>", g.name(), v.identity())
                }
                _ => format!("<iterator object at 0x{:x}>", v.identity()),
            },
            Value::Slice(s) => {
                let s = s.clone();
                format!(
                    "slice({}, {}, {})",
                    self.repr(&s[0])?,
                    self.repr(&s[1])?,
                    self.repr(&s[2])?
                )
            }
            Value::Ellipsis => "Ellipsis".into(),
            Value::Super(_) => "<super object>".into(),
            Value::Cell(_) | Value::Unbound => "<cell>".into(),
        })
    }
    /// `{k: v, ...}` (a dict met again inside itself: `{...}`).
    pub fn dict_repr(&mut self, d: &Rc<std::cell::RefCell<super::dict::Dict>>) -> PyResult<String> {
        let items: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let key = Rc::as_ptr(d) as *const () as usize;
        self.repr_once(key, "{...}", |it| {
            let mut parts = Vec::new();
            for (k, v) in items {
                parts.push(format!("{}: {}", it.repr(&k)?, it.repr(&v)?));
            }
            Ok(format!("{{{}}}", parts.join(", ")))
        })
    }

    /// Builds the repr of the container at `key` with `f`, or `placeholder`
    /// when that container is already being printed (it contains itself).
    /// Deep nesting shares the call depth limit: RecursionError, no crash.
    pub(crate) fn repr_once(
        &mut self,
        key: usize,
        placeholder: &str,
        f: impl FnOnce(&mut Self) -> PyResult<String>,
    ) -> PyResult<String> {
        if self.repr_active.contains(&key) {
            return Ok(placeholder.to_string());
        }
        self.repr_active.push(key);
        let r = self.one_level_deeper("while getting the repr of an object", f);
        self.repr_active.pop();
        r
    }

    fn join_reprs(&mut self, items: &[Value]) -> PyResult<String> {
        let mut parts = Vec::with_capacity(items.len());
        for v in items {
            parts.push(self.repr(v)?);
        }
        Ok(parts.join(", "))
    }

    /// `str(v)`.
    pub fn to_str(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Instance(i) if i.class.kind == super::value::ClassKind::Exception => {
                if i.class.lookup("__str__").is_some() {
                    let r = self.call_method(v, "__str__", Args::default())?;
                    return self.to_str(&r);
                }
                Ok(self.exception_message(v))
            }
            Value::Instance(i) if i.class.has("__str__") => {
                let r = self.call_method(v, "__str__", Args::default())?;
                self.to_str(&r)
            }
            Value::Object(o) => o.str(self),
            _ => self.repr(v),
        }
    }

    /// The text after `ExcName: ` in a traceback (KeyError shows the key's repr).
    pub fn exception_message(&mut self, v: &Value) -> String {
        let Value::Instance(i) = v else {
            return String::new();
        };
        let args = match i.get("args") {
            Some(Value::Tuple(t)) => t.items.clone(),
            _ => vec![],
        };
        let is_key = i.class.is_subclass(&super::error::exc_class("KeyError"));
        match args.len() {
            0 => String::new(),
            1 if is_key => self.repr(&args[0]).unwrap_or_default(),
            1 => self.to_str(&args[0]).unwrap_or_default(),
            _ => self.repr(&Value::tuple(args)).unwrap_or_default(),
        }
    }

    /// `format(v, spec)`, the f-string `{v:spec}`.
    pub fn format_value(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        if spec.is_empty() {
            // format(x, '') is str(x) unless the type formats itself (a
            // 0-dim tensor formats as its number; a class's __format__).
            match v {
                Value::Object(o) => {
                    if let Some(text) = o.format(self, spec)? {
                        return Ok(text);
                    }
                }
                Value::Instance(i) if i.class.has("__format__") => {
                    let r = self.call_method(v, "__format__", Args::new(vec![Value::str("")]))?;
                    return self.to_str(&r);
                }
                _ => {}
            }
            return self.to_str(v);
        }
        let s = parse_spec(spec)?;
        match v {
            Value::Bool(b) if s.ty.is_none() || s.ty == Some('s') => {
                Ok(pad((if *b { "True" } else { "False" }).into(), "", &s, '<'))
            }
            Value::Int(i) => {
                if matches!(s.ty, Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%')) {
                    format_number(*i as f64, None, &s)
                } else {
                    format_number(*i as f64, Some(*i), &s)
                }
            }
            Value::Bool(b) => format_number(*b as i64 as f64, Some(*b as i64), &s),
            Value::Float(f) => format_number(*f, None, &s),
            Value::Object(o) => match o.format(self, spec)? {
                Some(text) => Ok(text),
                None => Err(type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    v.type_name()
                ))),
            },
            Value::Instance(i) if i.class.has("__format__") => {
                let r = self.call_method(v, "__format__", Args::new(vec![Value::str(spec)]))?;
                self.to_str(&r)
            }
            _ => {
                if let Some(t) = s.ty {
                    if t != 's' {
                        return Err(value_error(format!(
                            "Unknown format code '{t}' for object of type '{}'",
                            v.type_name()
                        )));
                    }
                }
                let mut text = self.to_str(v)?;
                if let Some(p) = s.precision {
                    text = text.chars().take(p).collect();
                }
                Ok(pad(text, "", &s, '<'))
            }
        }
    }

    /// `fmt % args`.
    pub fn percent_format(&mut self, fmt: &str, args: &Value) -> PyResult<String> {
        let items: Vec<Value> = match args {
            Value::Tuple(t) => t.items.clone(),
            other => vec![other.clone()],
        };
        let mut next = items.into_iter();
        let mut out = String::new();
        let c: Vec<char> = fmt.chars().collect();
        let mut i = 0;
        while i < c.len() {
            if c[i] != '%' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            i += 1;
            if i < c.len() && c[i] == '%' {
                out.push('%');
                i += 1;
                continue;
            }
            let mut flags = String::new();
            while i < c.len() && matches!(c[i], '-' | '+' | ' ' | '0' | '#') {
                flags.push(c[i]);
                i += 1;
            }
            let mut width = String::new();
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '*') {
                width.push(c[i]);
                i += 1;
            }
            let mut prec = String::new();
            if i < c.len() && c[i] == '.' {
                i += 1;
                while i < c.len() && c[i].is_ascii_digit() {
                    prec.push(c[i]);
                    i += 1;
                }
                if prec.is_empty() {
                    prec.push('0');
                }
            }
            let Some(&ty) = c.get(i) else {
                return Err(value_error("incomplete format"));
            };
            i += 1;
            let v = next
                .next()
                .ok_or_else(|| type_error("not enough arguments for format string"))?;
            let mut spec = String::new();
            if flags.contains('-') {
                spec.push('<');
            } else if !matches!(ty, 's' | 'r') || !width.is_empty() {
                spec.push('>');
            }
            if flags.contains('+') {
                spec.push('+');
            } else if flags.contains(' ') {
                spec.push(' ');
            }
            if flags.contains('#') {
                spec.push('#');
            }
            if flags.contains('0') && !flags.contains('-') {
                spec = spec.replace('>', "");
                spec.push('0');
            }
            spec.push_str(&width);
            if !prec.is_empty() {
                spec.push('.');
                spec.push_str(&prec);
            }
            let piece = match ty {
                's' => {
                    let s = Value::str(&self.to_str(&v)?);
                    self.format_value(&s, &spec)?
                }
                'r' => {
                    let s = Value::str(&self.repr(&v)?);
                    self.format_value(&s, &spec)?
                }
                'd' | 'i' => {
                    let n = match &v {
                        Value::Float(f) => Value::Int(f.trunc() as i64),
                        other => other.clone(),
                    };
                    self.format_value(&n, &format!("{spec}d"))?
                }
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' => {
                    self.format_value(&v, &format!("{spec}{ty}"))?
                }
                other => {
                    return Err(value_error(format!(
                        "unsupported format character '{other}' (0x{:x})",
                        other as u32
                    )))
                }
            };
            out.push_str(&piece);
        }
        if next.next().is_some() {
            return Err(type_error(
                "not all arguments converted during string formatting",
            ));
        }
        Ok(out)
    }

    /// `"{} {name}".format(...)`.
    pub fn str_format(&mut self, fmt: &str, args: &Args) -> PyResult<String> {
        let mut out = String::new();
        let c: Vec<char> = fmt.chars().collect();
        let mut i = 0;
        let mut auto = 0;
        while i < c.len() {
            match c[i] {
                '{' if c.get(i + 1) == Some(&'{') => {
                    out.push('{');
                    i += 2;
                }
                '}' if c.get(i + 1) == Some(&'}') => {
                    out.push('}');
                    i += 2;
                }
                '{' => {
                    let end = c[i..]
                        .iter()
                        .position(|&x| x == '}')
                        .ok_or_else(|| value_error("Single '{' encountered in format string"))?;
                    let field: String = c[i + 1..i + end].iter().collect();
                    i += end + 1;
                    let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                    let (name, conv) = match name.split_once('!') {
                        Some((n, c)) => (n, c.chars().next()),
                        None => (name, None),
                    };
                    let v = if name.is_empty() {
                        auto += 1;
                        args.pos.get(auto - 1).cloned()
                    } else if let Ok(k) = name.parse::<usize>() {
                        args.pos.get(k).cloned()
                    } else {
                        args.kw
                            .iter()
                            .find(|(k, _)| &**k == name)
                            .map(|(_, v)| v.clone())
                    };
                    let v = v.ok_or_else(|| {
                        if name.is_empty() || name.parse::<usize>().is_ok() {
                            exc(
                                "IndexError",
                                "Replacement index out of range for positional args tuple",
                            )
                        } else {
                            exc("KeyError", format!("'{name}'"))
                        }
                    })?;
                    let v = match conv {
                        Some('r') => Value::str(&self.repr(&v)?),
                        _ => v,
                    };
                    out.push_str(&self.format_value(&v, spec)?);
                }
                ch => {
                    out.push(ch);
                    i += 1;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        // Expected strings are CPython 3.11's repr() of the same literals.
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456789012345.6, "123456789012345.6"),
            (1.5e300, "1.5e+300"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "inf"),
            (0.30000000000000004, "0.30000000000000004"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
        ];
        for (x, s) in cases {
            assert_eq!(float_repr(x), s, "{x}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("lenght", &["length", "len", "x"]), Some("length"));
        assert_eq!(suggest("zzz", &["length"]), None);
    }
}
