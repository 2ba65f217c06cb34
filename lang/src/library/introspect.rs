//! What the front ends ask about values: completions (`x.gr` -> `x.grad`,
//! `torch.nn.` -> its members, keyword arguments inside a call, from the
//! binding rows' signatures), docstrings for `help()` and Jupyter's
//! inspect request, and `dir()`.

use crate::bind::{row, Bound, Def, Row, Style};
use crate::eval::error::PyResult;
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::protocol::Callable;
use std::rc::Rc;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
];

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("help(obj=None)", "Prints the documentation of obj: its signatures and docstring.", help),
    row("dir(obj=None, /)", "The attribute names of obj (the names defined in the session without one).", dir),
];

pub fn install(it: &mut Interp) {
    for r in FUNCTIONS {
        let d = Def::from_row("builtins", r, Style::Python);
        let name = d.name().to_string();
        it.builtins.insert(Rc::from(name.as_str()), d.value());
    }
}

fn help(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let text = if b.given(0) {
        doc_of(it, b.value(0))
    } else {
        "Type help(name) for the documentation of a function, class or module.".to_string()
    };
    it.out.write_stdout(&format!("{text}\n"));
    Ok(Value::None)
}

fn dir(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let names: Vec<String> = if b.given(0) {
        let mut n = attr_names(it, b.value(0), true);
        n.sort();
        n.dedup();
        n
    } else {
        let mut n: Vec<String> = it
            .names
            .iter()
            .zip(&it.globals)
            .filter(|(_, v)| !matches!(v, Value::Unbound))
            .map(|(n, _)| n.to_string())
            .collect();
        n.sort();
        n
    };
    Ok(Value::list(names.iter().map(|s| Value::str(s)).collect()))
}

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

fn class_names(c: &Class, out: &mut Vec<String>) {
    for k in c.mro.borrow().iter() {
        out.extend(k.attrs.borrow().iter().map(|(n, _)| n.to_string()));
    }
}

/// Attribute names of a value (`dunder` keeps `__x__` names, as `dir` does).
pub fn attr_names(it: &Interp, v: &Value, dunder: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match v {
        Value::Module(m) => out.extend(m.attrs.borrow().iter().map(|(k, _)| k.to_string())),
        Value::Instance(i) => {
            out.extend(i.attrs.borrow().iter().map(|(k, _)| k.to_string()));
            class_names(&i.class, &mut out);
            if let Some(st) = crate::library::nn::module::state_of(i) {
                if let Some(layer) = st.layer.borrow().as_ref() {
                    layer.visit_parameters(&mut |n, _| out.push(n.to_string()));
                }
            }
        }
        Value::Class(c) => class_names(c, &mut out),
        Value::Object(o) => {
            out.extend(o.dir().into_iter().map(String::from));
            class_names(&o.class(), &mut out);
        }
        other => class_names(&it.class_of(other), &mut out),
    }
    if !dunder {
        out.retain(|n| !n.starts_with('_'));
    }
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

/// The keyword parameters a callable takes (for completion inside a call).
pub fn keywords_of(f: &Value) -> Vec<String> {
    match f {
        Value::Function(func) => func
            .code
            .params
            .iter()
            .chain(func.code.kwonly.iter())
            .filter(|p| &***p != "self")
            .map(|p| p.to_string())
            .collect(),
        Value::Builtin(b) => b.keywords(),
        Value::BoundMethod(bm) => {
            let mut k = keywords_of(&bm.1.clone());
            if matches!(bm.1, Value::Builtin(_)) && !k.is_empty() {
                k.remove(0);
            }
            k
        }
        Value::Class(c) => {
            if let Some(new) = c.new.borrow().clone() {
                return keywords_of(&new);
            }
            match c.lookup("__init__") {
                Some(init) => {
                    let mut k = keywords_of(&init);
                    k.retain(|n| n != "self");
                    k
                }
                None => vec![],
            }
        }
        _ => vec![],
    }
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
        let mut names: Vec<String> = attr_names(it, &v, false)
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
    // Keyword arguments of the innermost open call come first (as in
    // IPython): `SGD(params, l` offers `lr=` before `len` and `list`.
    let mut keywords: Vec<String> = Vec::new();
    if let Some(f) = open_call(before) {
        if let Some(fv) = resolve_chain(it, &f) {
            for p in keywords_of(&fv) {
                if p.starts_with(word) {
                    keywords.push(format!("{p}="));
                }
            }
        }
    }
    keywords.sort();
    keywords.dedup();
    if word.is_empty() {
        return (start, keywords);
    }
    let mut names: Vec<String> = Vec::new();
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
    names.sort();
    names.dedup();
    keywords.extend(names);
    (start, keywords)
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

/// A native callable's signatures and docstring.
fn builtin_doc(b: &dyn Callable, method: bool, rename: Option<&str>) -> String {
    let mut sigs = b.signatures(method);
    if let Some(n) = rename {
        for s in &mut sigs {
            if let Some(rest) = s.strip_prefix(b.name()) {
                *s = format!("{n}{rest}");
            }
        }
    }
    format!("{}\n\n{}", sigs.join("\n"), b.doc())
}

/// `help(v)` text: signature and docstring.
pub fn doc_of(it: &mut Interp, v: &Value) -> String {
    match v {
        Value::Builtin(b) => format!(
            "Help on built-in function {}:\n\n{}",
            b.name(),
            builtin_doc(&**b, false, None)
        ),
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
            let doc = match c.lookup("__doc__") {
                Some(Value::Str(s)) => s.to_string(),
                _ => String::new(),
            };
            // The constructor's signature under the class's name.
            let ctor = c.new.borrow().clone().or_else(|| c.lookup("__init__"));
            let sig = match ctor {
                Some(Value::Builtin(b)) => {
                    let method = b.name() == "__init__";
                    let mut s = b.signatures(method);
                    for x in &mut s {
                        if let Some(rest) = x.strip_prefix(b.name()) {
                            *x = format!("{}{rest}", c.name);
                        }
                    }
                    s.join("\n")
                }
                _ => String::new(),
            };
            if sig.is_empty() || doc.starts_with(&*c.name) {
                format!("Help on class {}:\n\n{doc}", c.name)
            } else {
                format!("Help on class {}:\n\n{sig}\n\n{doc}", c.name)
            }
        }
        Value::Module(m) => {
            let names = attr_names(it, v, false).join(", ");
            format!(
                "Help on module {}:\n\n{}\n\nContents: {names}",
                m.name, m.doc
            )
        }
        Value::BoundMethod(bm) => match &bm.1 {
            Value::Builtin(b) => format!(
                "Help on method {}.{}:\n\n{}",
                bm.0.type_name(),
                b.name(),
                builtin_doc(&**b, true, None)
            ),
            f => doc_of(it, &f.clone()),
        },
        other => format!(
            "Help on {} object:\n\n{}",
            other.type_name(),
            attr_names(it, other, false).join(", ")
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
