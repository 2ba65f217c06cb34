//! The methods of `str`, one row each (`str.format` is the evaluator's own
//! format-spec machinery).

use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{type_error, value_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("join(self, iterable, /)", "Concatenates the strings of iterable with self between them.\n\n>>> '-'.join(['a', 'b'])\n'a-b'", join),
    row("split(self, /, sep=None, maxsplit=-1)", "The words of the string, split at sep (runs of whitespace by default).\n\n>>> 'a b  c'.split()\n['a', 'b', 'c']", split),
    row("rsplit(self, /, sep=None, maxsplit=-1)", "Like split, counting maxsplit from the right.", rsplit),
    row("strip(self, chars=None, /)", "A copy without leading and trailing whitespace (or chars).", strip),
    row("lstrip(self, chars=None, /)", "A copy without leading whitespace (or chars).", lstrip),
    row("rstrip(self, chars=None, /)", "A copy without trailing whitespace (or chars).", rstrip),
    row("replace(self, old, new, count=-1, /)", "A copy with occurrences of old replaced by new (the first count only if count >= 0).", replace),
    raw("format(self, /, *args, **kwargs)", "Formats the string, filling {} fields from the arguments.\n\n>>> '{} {x:.1f}'.format(1, x=2)\n'1 2.0'", format),
    row("startswith(self, prefix, /)", "Whether the string starts with prefix (or one of a tuple of them).", startswith),
    row("endswith(self, suffix, /)", "Whether the string ends with suffix (or one of a tuple of them).", endswith),
    row("lower(self, /)", "A lowercase copy.", lower),
    row("upper(self, /)", "An uppercase copy.", upper),
    row("title(self, /)", "A copy with each word capitalised.", title),
    row("capitalize(self, /)", "A copy with the first character upper case and the rest lower case.", capitalize),
    row("find(self, sub, /)", "The index of the first occurrence of sub, or -1.", find),
    row("rfind(self, sub, /)", "The index of the last occurrence of sub, or -1.", rfind),
    row("index(self, sub, /)", "The index of the first occurrence of sub (ValueError if absent).", index),
    row("count(self, sub, /)", "The number of non-overlapping occurrences of sub.", count),
    row("isdigit(self, /)", "Whether all characters are digits (and there is one).", isdigit),
    row("isalpha(self, /)", "Whether all characters are letters (and there is one).", isalpha),
    row("isalnum(self, /)", "Whether all characters are letters or digits (and there is one).", isalnum),
    row("isspace(self, /)", "Whether all characters are whitespace (and there is one).", isspace),
    row("isupper(self, /)", "Whether the cased characters are all upper case (and there is one).", isupper),
    row("islower(self, /)", "Whether the cased characters are all lower case (and there is one).", islower),
    row("center(self, width, fillchar=' ', /)", "The string centred in width characters.", center),
    row("ljust(self, width, fillchar=' ', /)", "The string left-justified in width characters.", ljust),
    row("rjust(self, width, fillchar=' ', /)", "The string right-justified in width characters.", rjust),
    row("zfill(self, width, /)", "The string padded with zeros on the left (after a sign) to width.", zfill),
    row("splitlines(self, /, keepends=False)", "The lines of the string.", splitlines),
    row("partition(self, sep, /)", "(before, sep, after) around the first sep.", partition),
    row("encode(self, /, encoding='utf-8', errors='strict')", "The string (bytes are not part of the language).", encode),
];

fn s<'a>(b: &'a Bound) -> PyResult<&'a str> {
    b.str(0)
}

fn st(x: &str) -> Value {
    Value::str(x)
}

/// A size a user controls (`'a'.center(10**12)`): refused before allocating.
pub use crate::eval::error::check_alloc as check_len;

fn join(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = it.collect(b.value(1))?;
    let mut parts = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        match x {
            Value::Str(p) => parts.push(p.to_string()),
            other => {
                return Err(type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    other.type_name()
                )))
            }
        }
    }
    Ok(st(&parts.join(s(&b)?)))
}

fn split_impl(b: &Bound, right: bool) -> PyResult<Value> {
    let text = s(b)?;
    let max = b.int(2)?;
    let parts: Vec<String> = match b.value(1) {
        Value::None => {
            if max < 0 {
                text.split_whitespace().map(String::from).collect()
            } else if !right {
                let mut out = Vec::new();
                let mut rest = text.trim_start();
                for _ in 0..max {
                    match rest.find(char::is_whitespace) {
                        Some(p) => {
                            out.push(rest[..p].to_string());
                            rest = rest[p..].trim_start();
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest.to_string());
                }
                out
            } else {
                let mut out = Vec::new();
                let mut rest = text.trim_end();
                for _ in 0..max {
                    match rest.rfind(char::is_whitespace) {
                        Some(p) => {
                            let w = rest[p..].chars().next().map_or(1, char::len_utf8);
                            out.push(rest[p + w..].to_string());
                            rest = rest[..p].trim_end();
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest.to_string());
                }
                out.reverse();
                out
            }
        }
        Value::Str(sep) => {
            if sep.is_empty() {
                return Err(value_error("empty separator"));
            }
            if max < 0 {
                text.split(&**sep).map(String::from).collect()
            } else if !right {
                text.splitn(max as usize + 1, &**sep)
                    .map(String::from)
                    .collect()
            } else {
                let mut v: Vec<String> = text
                    .rsplitn(max as usize + 1, &**sep)
                    .map(String::from)
                    .collect();
                v.reverse();
                v
            }
        }
        other => {
            return Err(type_error(format!(
                "must be str or None, not {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::list(parts.iter().map(|p| st(p)).collect()))
}

fn split(_: &mut Interp, b: Bound) -> PyResult<Value> {
    split_impl(&b, false)
}

fn rsplit(_: &mut Interp, b: Bound) -> PyResult<Value> {
    split_impl(&b, true)
}

fn strip_impl(b: &Bound, how: u8) -> PyResult<Value> {
    let text = s(b)?;
    let set: Option<Vec<char>> = match b.value(1) {
        Value::Str(c) => Some(c.chars().collect()),
        Value::None => None,
        other => {
            return Err(type_error(format!(
                "strip arg must be None or str, not {}",
                other.type_name()
            )))
        }
    };
    let pat = |c: char| match &set {
        Some(s) => s.contains(&c),
        None => c.is_whitespace(),
    };
    Ok(st(match how {
        0 => text.trim_matches(pat),
        1 => text.trim_start_matches(pat),
        _ => text.trim_end_matches(pat),
    }))
}

fn strip(_: &mut Interp, b: Bound) -> PyResult<Value> {
    strip_impl(&b, 0)
}

fn lstrip(_: &mut Interp, b: Bound) -> PyResult<Value> {
    strip_impl(&b, 1)
}

fn rstrip(_: &mut Interp, b: Bound) -> PyResult<Value> {
    strip_impl(&b, 2)
}

fn replace(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    let (old, new) = (b.str(1)?, b.str(2)?);
    let count = b.int(3)?;
    let n = if count >= 0 {
        text.matches(old).count().min(count as usize)
    } else if old.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(old).count()
    };
    check_len(text.len().saturating_add(n.saturating_mul(new.len())))?;
    Ok(st(&if count >= 0 {
        text.replacen(old, new, count as usize)
    } else {
        text.replace(old, new)
    }))
}

fn format(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    let this = a.pos.remove(0);
    let Value::Str(text) = &this else {
        return Err(type_error("descriptor 'format' requires a 'str' object"));
    };
    Ok(st(&it.str_format(text, &a)?))
}

fn affix(b: &Bound, start: bool) -> PyResult<Value> {
    let text = s(b)?;
    let ps: Vec<Value> = match b.value(1) {
        Value::Tuple(t) => t.items.clone(),
        other => vec![other.clone()],
    };
    let mut hit = false;
    for p in &ps {
        let Value::Str(p) = p else {
            return Err(type_error(format!(
                "{} first arg must be str or a tuple of str, not {}",
                if start { "startswith" } else { "endswith" },
                p.type_name()
            )));
        };
        hit |= if start {
            text.starts_with(&**p)
        } else {
            text.ends_with(&**p)
        };
    }
    Ok(Value::Bool(hit))
}

fn startswith(_: &mut Interp, b: Bound) -> PyResult<Value> {
    affix(&b, true)
}

fn endswith(_: &mut Interp, b: Bound) -> PyResult<Value> {
    affix(&b, false)
}

fn lower(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(st(&s(&b)?.to_lowercase()))
}

fn upper(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(st(&s(&b)?.to_uppercase()))
}

fn title(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut out = String::new();
    let mut prev_alpha = false;
    for c in s(&b)?.chars() {
        if prev_alpha {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_alpha = c.is_alphabetic();
    }
    Ok(st(&out))
}

fn capitalize(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut cs = s(&b)?.chars();
    Ok(st(&match cs.next() {
        Some(c) => c.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
        None => String::new(),
    }))
}

fn find_impl(b: &Bound, last: bool, strict: bool) -> PyResult<Value> {
    let text = s(b)?;
    let sub = b.str(1)?;
    let pos = if last {
        text.rfind(sub)
    } else {
        text.find(sub)
    };
    match pos {
        Some(p) => Ok(Value::Int(text[..p].chars().count() as i64)),
        None if strict => Err(value_error("substring not found")),
        None => Ok(Value::Int(-1)),
    }
}

fn find(_: &mut Interp, b: Bound) -> PyResult<Value> {
    find_impl(&b, false, false)
}

fn rfind(_: &mut Interp, b: Bound) -> PyResult<Value> {
    find_impl(&b, true, false)
}

fn index(_: &mut Interp, b: Bound) -> PyResult<Value> {
    find_impl(&b, false, true)
}

fn count(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    let sub = b.str(1)?;
    Ok(Value::Int(if sub.is_empty() {
        text.chars().count() as i64 + 1
    } else {
        text.matches(sub).count() as i64
    }))
}

fn all_chars(b: &Bound, f: fn(char) -> bool) -> PyResult<Value> {
    let text = s(b)?;
    Ok(Value::Bool(!text.is_empty() && text.chars().all(f)))
}

fn isdigit(_: &mut Interp, b: Bound) -> PyResult<Value> {
    all_chars(&b, |c| c.is_ascii_digit())
}

fn isalpha(_: &mut Interp, b: Bound) -> PyResult<Value> {
    all_chars(&b, char::is_alphabetic)
}

fn isalnum(_: &mut Interp, b: Bound) -> PyResult<Value> {
    all_chars(&b, char::is_alphanumeric)
}

fn isspace(_: &mut Interp, b: Bound) -> PyResult<Value> {
    all_chars(&b, char::is_whitespace)
}

fn isupper(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    Ok(Value::Bool(
        text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase),
    ))
}

fn islower(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    Ok(Value::Bool(
        text.chars().any(char::is_lowercase) && !text.chars().any(char::is_uppercase),
    ))
}

/// `center`/`ljust`/`rjust`: 0, 1, 2.
fn justify(b: &Bound, how: u8) -> PyResult<Value> {
    let text = s(b)?;
    let w = b.int(1)?.max(0) as usize;
    let fill_s = b.str(2)?;
    let mut fc = fill_s.chars();
    let fill = match (fc.next(), fc.next()) {
        (Some(c), None) => c,
        _ => {
            return Err(type_error(
                "The fill character must be exactly one character long",
            ))
        }
    };
    let n = text.chars().count();
    if n >= w {
        return Ok(st(text));
    }
    check_len(w.saturating_mul(fill.len_utf8()))?;
    let pad = w - n;
    let f = |k: usize| fill.to_string().repeat(k);
    Ok(st(&match how {
        1 => format!("{text}{}", f(pad)),
        2 => format!("{}{text}", f(pad)),
        _ => {
            // CPython: the extra character goes left when both are odd.
            let left = pad / 2 + (pad & w & 1);
            format!("{}{text}{}", f(left), f(pad - left))
        }
    }))
}

fn center(_: &mut Interp, b: Bound) -> PyResult<Value> {
    justify(&b, 0)
}

fn ljust(_: &mut Interp, b: Bound) -> PyResult<Value> {
    justify(&b, 1)
}

fn rjust(_: &mut Interp, b: Bound) -> PyResult<Value> {
    justify(&b, 2)
}

fn zfill(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    let w = b.int(1)?.max(0) as usize;
    let n = text.chars().count();
    if n >= w {
        return Ok(st(text));
    }
    check_len(w)?;
    let (sign, rest) = match text.chars().next() {
        Some(c @ ('-' | '+')) => (c.to_string(), &text[1..]),
        _ => (String::new(), text),
    };
    Ok(st(&format!("{sign}{}{rest}", "0".repeat(w - n))))
}

fn splitlines(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    if b.bool(1)? {
        return Ok(Value::list(text.split_inclusive('\n').map(st).collect()));
    }
    Ok(Value::list(text.lines().map(st).collect()))
}

fn partition(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = s(&b)?;
    let sep = b.str(1)?;
    if sep.is_empty() {
        return Err(value_error("empty separator"));
    }
    Ok(match text.split_once(sep) {
        Some((l, r)) => Value::tuple(vec![st(l), st(sep), st(r)]),
        None => Value::tuple(vec![st(text), st(""), st("")]),
    })
}

fn encode(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(st(s(&b)?))
}
