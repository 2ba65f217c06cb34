//! What the front ends ask about values: completions (`x.gr` -> `x.grad`,
//! `torch.nn.` -> its members, keyword arguments inside a call), docstrings
//! for `help()` and Jupyter's inspect request.

use crate::eval::value::{find_attr, Value};
use crate::eval::Interp;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// Resolves `a.b.c` without calling anything (attribute reads only).
fn resolve_chain(it: &mut Interp, chain: &str) -> Option<Value> {
    let mut parts = chain.split('.');
    let first = parts.next()?;
    let mut v = it
        .get_global(first)
        .or_else(|| it.builtins.get(first).cloned())
        .or_else(|| it.modules.get(first).cloned())?;
    for p in parts {
        v = it.get_attr(&v, p).ok()?;
    }
    Some(v)
}

/// Attribute names of a value.
pub fn attr_names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match v {
        Value::Module(m) => out.extend(m.attrs.borrow().iter().map(|(k, _)| k.to_string())),
        Value::Instance(i) => {
            out.extend(i.attrs.borrow().iter().map(|(k, _)| k.to_string()));
            for c in i.class.mro.borrow().iter() {
                out.extend(c.attrs.borrow().iter().map(|(k, _)| k.to_string()));
            }
            if i.class.kind == crate::eval::value::ClassKind::NnModule {
                out.extend(super::nn::MODULE_METHODS.iter().map(|s| s.to_string()));
            }
        }
        Value::Class(c) => out.extend(c.attrs.borrow().iter().map(|(k, _)| k.to_string())),
        other => out.extend(
            super::methods::method_names(other)
                .iter()
                .map(|s| s.to_string()),
        ),
    }
    out.retain(|n| !n.starts_with('_'));
    out.sort();
    out.dedup();
    out
}

/// `cursor` clamped into `s` and moved back onto a character boundary, so
/// that a front end's off-by-some byte offset never splits a character.
fn char_floor(s: &str, cursor: usize) -> usize {
    let mut c = cursor.min(s.len());
    while !s.is_char_boundary(c) {
        c -= 1;
    }
    c
}

pub fn complete(it: &mut Interp, line: &str, cursor: usize) -> (usize, Vec<String>) {
    let cursor = char_floor(line, cursor);
    let before = &line[..cursor];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(cursor, |(i, _)| i);
    let word = &before[start..];
    if let Some((chain, partial)) = word.rsplit_once('.') {
        let Some(v) = resolve_chain(it, chain) else {
            return (cursor, vec![]);
        };
        let mut names: Vec<String> = attr_names(&v)
            .into_iter()
            .filter(|n| n.starts_with(partial))
            .collect();
        // Submodules such as `torch.nn` are importable names too.
        let prefix = format!("{chain}.");
        for m in it.modules.keys() {
            if let Some(rest) = m.strip_prefix(&prefix) {
                if !rest.contains('.') && rest.starts_with(partial) {
                    names.push(rest.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        return (cursor - partial.len(), names);
    }
    let mut names: Vec<String> = Vec::new();
    // Keyword arguments of the innermost open call.
    if let Some(f) = open_call(before) {
        if let Some(Value::Function(func)) = resolve_chain(it, &f) {
            for p in func.code.params.iter().chain(func.code.kwonly.iter()) {
                if p.starts_with(word) && &**p != "self" {
                    names.push(format!("{p}="));
                }
            }
        }
    }
    for (n, v) in it.names.iter().zip(&it.globals) {
        if !matches!(v, Value::Unbound) && n.starts_with(word) {
            names.push(n.to_string());
        }
    }
    names.extend(
        it.builtins
            .keys()
            .filter(|k| k.starts_with(word) && !k.starts_with('_'))
            .map(|k| k.to_string()),
    );
    names.extend(
        KEYWORDS
            .iter()
            .filter(|k| k.starts_with(word))
            .map(|k| k.to_string()),
    );
    if word.is_empty() {
        names.retain(|n| n.ends_with('='));
    }
    names.sort();
    names.dedup();
    (start, names)
}

/// The callee of the innermost unclosed `(` before the cursor.
fn open_call(before: &str) -> Option<String> {
    let mut depth = 0i32;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' => {
                if depth == 0 {
                    if c != '(' {
                        return None;
                    }
                    let head = &before[..i];
                    let s = head
                        .char_indices()
                        .rev()
                        .take_while(|(_, c)| is_word(*c))
                        .last()?
                        .0;
                    return Some(head[s..].to_string());
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// `help(v)` text: signature and docstring.
pub fn doc_of(it: &mut Interp, v: &Value) -> String {
    match v {
        Value::Builtin(b) => format!("Help on built-in function {}:\n\n{}", b.name, b.doc),
        Value::Function(f) => {
            let c = &f.code;
            let mut params: Vec<String> = c.params.iter().map(|p| p.to_string()).collect();
            let nd = f.defaults.len();
            let np = params.len();
            for (k, d) in f.defaults.iter().enumerate() {
                let r = it.repr(d).unwrap_or_default();
                params[np - nd + k] = format!("{}={r}", params[np - nd + k]);
            }
            let sig = format!("{}({})", c.name, params.join(", "));
            match &c.doc {
                Some(d) => format!("Help on function {}:\n\n{sig}\n    {d}", c.name),
                None => format!("Help on function {}:\n\n{sig}", c.name),
            }
        }
        Value::Class(c) => {
            let doc = find_attr(&c.attrs.borrow(), "__doc__")
                .and_then(|d| {
                    if let Value::Str(s) = d {
                        Some(s.to_string())
                    } else {
                        None
                    }
                })
                .unwrap_or_default();
            format!("Help on class {}:\n\n{doc}", c.name)
        }
        Value::Module(m) => {
            let names = attr_names(v).join(", ");
            format!(
                "Help on module {}:\n\n{}\n\nContents: {names}",
                m.name, m.doc
            )
        }
        Value::Native(n) => match &**n {
            crate::eval::value::Native::TensorFn(name) => format!(
                "Help on built-in function {name}:\n\n{}",
                super::docs::tensor_doc(name)
            ),
            _ => it.repr(v).unwrap_or_default(),
        },
        Value::BoundNative(b) => match &b.0 {
            Value::Tensor(_) => format!(
                "Help on method Tensor.{}:\n\n{}",
                b.1,
                super::docs::tensor_doc(&b.1)
            ),
            recv => format!("Help on method {}.{}", recv.type_name(), b.1),
        },
        Value::BoundMethod(bm) => doc_of(it, &bm.1.clone()),
        other => format!(
            "Help on {} object:\n\n{}",
            other.type_name(),
            attr_names(other).join(", ")
        ),
    }
}

pub fn inspect(it: &mut Interp, code: &str, cursor: usize) -> Option<String> {
    let cursor = char_floor(code, cursor);
    let end = cursor
        + code[cursor..]
            .chars()
            .take_while(|&c| c.is_alphanumeric() || c == '_')
            .map(char::len_utf8)
            .sum::<usize>();
    let before = &code[..end];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()?
        .0;
    let chain = before[start..].trim_matches('.');
    let v = resolve_chain(it, chain)
        .or_else(|| open_call(&code[..cursor]).and_then(|f| resolve_chain(it, &f)))?;
    Some(doc_of(it, &v))
}
