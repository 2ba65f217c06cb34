//! Signatures as PyTorch writes them for its Python argument parser
//! (torch/csrc/utils/python_arg_parser.cpp): `"sum(Tensor input, int[1]? dim,
//! bool keepdim=False, *, ScalarType? dtype=None)"`, parsed once into
//! [`Signature`]s. A parameter without a type takes any value (Python's own
//! builtins are declared that way: `"sorted(iterable, /, *, key=None,
//! reverse=False)"`).
//!
//! Types: `Tensor Scalar int float bool str object callable int[] int[N]
//! float[] bool[] Tensor[] str[] ScalarType Device Generator Layout
//! MemoryFormat`, with `?` for "or None". Markers: `*` (keyword-only after),
//! `/` (positional-only before), `*args`, `**kwargs`.

use std::fmt::Write;

/// What a typed parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Tensor,
    /// A tensor or a Python number standing for a 0-dim one (`Tensor|Number`:
    /// what PyTorch's parser allows for `other` of `add`, `mul`, `eq`, ...).
    TensorOrNumber,
    /// A Python number (PyTorch's `Number`).
    Scalar,
    Int,
    Float,
    Bool,
    Str,
    /// Anything.
    Object,
    Callable,
    /// A sequence of ints; `Some(n)`: a single int is accepted and repeated
    /// (`int[2] stride=1`, `int[1] dim`).
    IntList(Option<usize>),
    FloatList,
    BoolList,
    TensorList,
    StrList,
    /// `torch.dtype` (Python's `float`, `int`, `bool` classes too).
    Dtype,
    /// `torch.device`, a device string or a CUDA index.
    Device,
    Generator,
    /// Accepted and ignored (`layout=torch.strided`, `memory_format=`).
    Layout,
    MemoryFormat,
}

impl Ty {
    fn parse(s: &str) -> Option<Ty> {
        if let Some(inner) = s.strip_suffix(']') {
            let (base, n) = inner.split_once('[')?;
            let n = if n.is_empty() {
                None
            } else {
                Some(n.parse().ok()?)
            };
            return match base {
                "int" | "IntArrayRef" | "SymIntArrayRef" => Some(Ty::IntList(n)),
                "float" => Some(Ty::FloatList),
                "bool" => Some(Ty::BoolList),
                "Tensor" => Some(Ty::TensorList),
                "str" => Some(Ty::StrList),
                _ => None,
            };
        }
        Some(match s {
            "Tensor" => Ty::Tensor,
            "Tensor|Number" => Ty::TensorOrNumber,
            "Scalar" | "Number" => Ty::Scalar,
            "int" | "int64_t" | "SymInt" => Ty::Int,
            "float" | "double" => Ty::Float,
            "bool" => Ty::Bool,
            "str" => Ty::Str,
            "object" => Ty::Object,
            "callable" => Ty::Callable,
            "IntArrayRef" => Ty::IntList(None),
            "TensorList" => Ty::TensorList,
            "ScalarType" | "dtype" => Ty::Dtype,
            "Device" | "device" => Ty::Device,
            "Generator" => Ty::Generator,
            "Layout" => Ty::Layout,
            "MemoryFormat" => Ty::MemoryFormat,
            _ => return None,
        })
    }

    /// The type as PyTorch's argument errors name it.
    pub fn display(self) -> &'static str {
        match self {
            Ty::Tensor | Ty::TensorOrNumber => "Tensor",
            Ty::Scalar => "Number",
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Str => "str",
            Ty::Object => "object",
            Ty::Callable => "callable",
            Ty::IntList(_) => "tuple of ints",
            Ty::FloatList => "tuple of floats",
            Ty::BoolList => "tuple of bools",
            Ty::TensorList => "tuple of Tensors",
            Ty::StrList => "tuple of str",
            Ty::Dtype => "torch.dtype",
            Ty::Device => "torch.device",
            Ty::Generator => "torch.Generator",
            Ty::Layout => "torch.layout",
            Ty::MemoryFormat => "torch.memory_format",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Before a `/`.
    PositionalOnly,
    Positional,
    /// After `*` or `*args`.
    KeywordOnly,
    /// `*args`.
    VarArgs,
    /// `**kwargs`.
    VarKw,
}

/// A default value, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Default {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// `[]` / `()`: an empty sequence.
    Empty,
    /// Shown in help, supplied as None (`file=sys.stdout`, `default=...`).
    Shown(String),
}

impl Default {
    fn parse(s: &str) -> Default {
        match s {
            "None" => Default::None,
            "True" => Default::Bool(true),
            "False" => Default::Bool(false),
            "[]" | "()" => Default::Empty,
            _ => {
                if let Ok(i) = s.parse::<i64>() {
                    return Default::Int(i);
                }
                if let Ok(f) = s.parse::<f64>() {
                    return Default::Float(f);
                }
                let q = s.as_bytes();
                if q.len() >= 2 && (q[0] == b'\'' || q[0] == b'"') && q[q.len() - 1] == q[0] {
                    return Default::Str(s[1..s.len() - 1].to_string());
                }
                Default::Shown(s.to_string())
            }
        }
    }

    /// The default as Python source.
    pub fn source(&self) -> String {
        match self {
            Default::None => "None".into(),
            Default::Bool(b) => (if *b { "True" } else { "False" }).into(),
            Default::Int(i) => i.to_string(),
            Default::Float(f) => {
                let s = f.to_string();
                if s.contains(['.', 'e', 'i', 'N']) {
                    s
                } else {
                    format!("{s}.0")
                }
            }
            Default::Str(s) => format!("'{s}'"),
            Default::Empty => "()".into(),
            Default::Shown(s) => s.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    /// None: untyped (any value).
    pub ty: Option<Ty>,
    /// `Ty?`: None is accepted too.
    pub optional: bool,
    pub kind: Kind,
    pub default: Option<Default>,
}

impl Param {
    pub fn required(&self) -> bool {
        self.default.is_none() && !matches!(self.kind, Kind::VarArgs | Kind::VarKw)
    }
}

/// One overload.
#[derive(Clone, Debug)]
pub struct Signature {
    pub name: String,
    pub params: Vec<Param>,
    /// The `-> Tensor` part, for help.
    pub ret: Option<String>,
}

impl Signature {
    /// Parses `name(params) -> ret`.
    pub fn parse(src: &str) -> Result<Signature, String> {
        let src = src.trim();
        let open = src.find('(').ok_or_else(|| format!("no '(' in {src:?}"))?;
        let close = src.rfind(')').ok_or_else(|| format!("no ')' in {src:?}"))?;
        let name = src[..open].trim().to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("bad name in {src:?}"));
        }
        let ret = src[close + 1..]
            .trim()
            .strip_prefix("->")
            .map(|r| r.trim().to_string());
        let mut params = Vec::new();
        let mut kind = Kind::Positional;
        for part in split_top(&src[open + 1..close]) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            match part {
                "*" => {
                    kind = Kind::KeywordOnly;
                    continue;
                }
                "/" => {
                    for p in &mut params {
                        let p: &mut Param = p;
                        if p.kind == Kind::Positional {
                            p.kind = Kind::PositionalOnly;
                        }
                    }
                    continue;
                }
                _ => {}
            }
            if let Some(n) = part.strip_prefix("**") {
                params.push(Param {
                    name: n.trim().to_string(),
                    ty: None,
                    optional: false,
                    kind: Kind::VarKw,
                    default: None,
                });
                continue;
            }
            if let Some(n) = part.strip_prefix('*') {
                params.push(Param {
                    name: n.trim().to_string(),
                    ty: None,
                    optional: false,
                    kind: Kind::VarArgs,
                    default: None,
                });
                kind = Kind::KeywordOnly;
                continue;
            }
            let (decl, default) = match part.split_once('=') {
                Some((d, v)) => (d.trim(), Some(Default::parse(v.trim()))),
                None => (part, None),
            };
            let (ty, optional, pname) = match decl.rsplit_once(char::is_whitespace) {
                Some((t, n)) => {
                    let t = t.trim();
                    let (t, opt) = match t.strip_suffix('?') {
                        Some(t) => (t, true),
                        None => (t, false),
                    };
                    let ty =
                        Ty::parse(t).ok_or_else(|| format!("unknown type {t:?} in {src:?}"))?;
                    (Some(ty), opt, n.trim())
                }
                None => (None, false, decl),
            };
            if pname.is_empty() || !pname.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(format!("bad parameter {part:?} in {src:?}"));
            }
            // `Tensor? x` without a default is required but may be None, as in
            // PyTorch's schemas (`int[1]? dim` in `sum`'s second overload).
            params.push(Param {
                name: pname.to_string(),
                ty,
                optional: optional || default == Some(Default::None),
                kind,
                default,
            });
        }
        Ok(Signature { name, params, ret })
    }

    /// The most positional arguments accepted (None: `*args`).
    pub fn max_positional(&self) -> Option<usize> {
        if self.params.iter().any(|p| p.kind == Kind::VarArgs) {
            return None;
        }
        Some(
            self.params
                .iter()
                .filter(|p| matches!(p.kind, Kind::Positional | Kind::PositionalOnly))
                .count(),
        )
    }

    /// As `help()` shows it, Python style: `sum(input, *, dtype=None) -> Tensor`.
    /// `method` drops the receiver (the first parameter).
    pub fn python(&self, method: bool) -> String {
        let mut s = format!("{}(", self.name);
        let params = if method && !self.params.is_empty() {
            &self.params[1..]
        } else {
            &self.params[..]
        };
        let mut first = true;
        let mut star_done = false;
        let mut prev_pos_only = false;
        // A lone int-list parameter takes var-args (`zeros(*size)`), as
        // PyTorch's docs write it.
        let positional: Vec<&Param> = params
            .iter()
            .filter(|p| matches!(p.kind, Kind::Positional | Kind::PositionalOnly))
            .collect();
        let varargs_list = match positional.as_slice() {
            [p] if matches!(p.ty, Some(Ty::IntList(None))) && p.default.is_none() => {
                Some(p.name.as_str())
            }
            _ => None,
        };
        for p in params {
            let mut item = String::new();
            if p.kind != Kind::PositionalOnly && prev_pos_only {
                item.push_str("/, ");
            }
            prev_pos_only = p.kind == Kind::PositionalOnly;
            match p.kind {
                Kind::VarArgs => {
                    star_done = true;
                    let _ = write!(item, "*{}", p.name);
                }
                Kind::VarKw => {
                    let _ = write!(item, "**{}", p.name);
                }
                Kind::KeywordOnly if !star_done => {
                    star_done = true;
                    let _ = write!(item, "*, {}", p.name);
                }
                _ if varargs_list == Some(p.name.as_str()) => {
                    star_done = true;
                    let _ = write!(item, "*{}", p.name);
                }
                _ => item.push_str(&p.name),
            }
            if let Some(d) = &p.default {
                let _ = write!(item, "={}", d.source());
            }
            if !first {
                s.push_str(", ");
            }
            first = false;
            s.push_str(&item);
        }
        if prev_pos_only {
            s.push_str(if first { "/" } else { ", /" });
        }
        s.push(')');
        if let Some(r) = &self.ret {
            let _ = write!(s, " -> {r}");
        }
        s
    }

    /// As PyTorch's "expected one of" list shows it: `(Tensor input, *,
    /// torch.dtype dtype = None)`.
    pub fn torch(&self, method: bool) -> String {
        let params = if method && !self.params.is_empty() {
            &self.params[1..]
        } else {
            &self.params[..]
        };
        let mut parts = Vec::new();
        let mut star_done = false;
        for p in params {
            if p.kind == Kind::KeywordOnly && !star_done {
                parts.push("*".to_string());
                star_done = true;
            }
            let mut item = match p.kind {
                Kind::VarArgs => {
                    star_done = true;
                    format!("*{}", p.name)
                }
                Kind::VarKw => format!("**{}", p.name),
                _ => match p.ty {
                    Some(t) => format!("{} {}", t.display(), p.name),
                    None => p.name.clone(),
                },
            };
            if let Some(d) = &p.default {
                let _ = write!(item, " = {}", d.source());
            }
            parts.push(item);
        }
        format!("({})", parts.join(", "))
    }
}

/// Splits on commas outside brackets and quotes.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Splits a row's signature text into its overloads (` | ` between them).
pub fn overloads(src: &str) -> Result<Vec<Signature>, String> {
    src.split(" | ").map(Signature::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pytorch_signatures() {
        let s = Signature::parse(
            "sum(Tensor input, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
        )
        .unwrap();
        assert_eq!(s.name, "sum");
        assert_eq!(s.params.len(), 4);
        assert_eq!(s.params[1].ty, Some(Ty::IntList(Some(1))));
        assert!(s.params[1].optional);
        assert_eq!(s.params[1].default, None);
        assert_eq!(s.params[2].default, Some(Default::Bool(false)));
        assert_eq!(s.params[3].kind, Kind::KeywordOnly);
        assert_eq!(
            s.python(false),
            "sum(input, dim, keepdim=False, *, dtype=None) -> Tensor"
        );
        assert_eq!(
            s.python(true),
            "sum(dim, keepdim=False, *, dtype=None) -> Tensor"
        );
        assert_eq!(
            s.torch(false),
            "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)"
        );
    }

    #[test]
    fn parses_python_signatures() {
        let s = Signature::parse("print(*values, sep=' ', end='\\n', file=sys.stdout)").unwrap();
        assert_eq!(s.params[0].kind, Kind::VarArgs);
        assert_eq!(s.params[1].kind, Kind::KeywordOnly);
        assert_eq!(s.params[1].default, Some(Default::Str(" ".into())));
        assert_eq!(
            s.params[3].default,
            Some(Default::Shown("sys.stdout".into()))
        );
        let s = Signature::parse("len(obj, /)").unwrap();
        assert_eq!(s.params[0].kind, Kind::PositionalOnly);
        assert_eq!(s.python(false), "len(obj, /)");
        let s = Signature::parse("dict(mapping=(), **kwargs)").unwrap();
        assert_eq!(s.params[1].kind, Kind::VarKw);
        assert_eq!(s.max_positional(), Some(1));
    }

    #[test]
    fn rejects_unknown_types_and_bad_names() {
        assert!(Signature::parse("f(Tensr x)").is_err());
        assert!(Signature::parse("f x)").is_err());
        assert!(Signature::parse("f(int x-y)").is_err());
        assert_eq!(
            overloads("max(Tensor input) | max(Tensor input, int dim)")
                .unwrap()
                .len(),
            2
        );
    }
}
