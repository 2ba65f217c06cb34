//! Binding call arguments to a [`Signature`] as PyTorch's
//! `FunctionSignature::parse` does (positional, keyword, defaults, the
//! var-args form of a lone int list: `zeros(2, 3)`, `x.view(2, -1)`), type
//! checks against the declared types, PyTorch's and Python's TypeErrors, and
//! the typed accessors a binding reads its arguments with ([`Bound`]).

use super::signature::{Default, Kind, Param, Signature, Ty};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, PyErr, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use std::rc::Rc;
use tinytorch::{DType, Device, Scalar, Tensor};

/// Which language's wording argument errors use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// PyTorch's parser: `sum(): argument 'dim' (position 2) must be tuple
    /// of ints, not str`, `missing 1 required positional arguments: "input"`.
    Torch,
    /// CPython's: `f() missing 1 required positional argument: 'x'`.
    Python,
}

/// Why an overload did not take the arguments.
#[derive(Debug)]
enum Mismatch {
    TooMany {
        given: usize,
    },
    Missing(Vec<usize>),
    MissingKw(usize),
    Unexpected(String),
    Multiple(String),
    /// Parameter index, the given value's type, and whether it came by keyword.
    BadType(usize, String, bool),
}

/// Arguments bound to one overload, in parameter order (`*args` as a
/// tuple, `**kwargs` as a dict), defaults filled in.
pub struct Bound<'d> {
    /// Which overload matched (the index in the row's `|`-separated list).
    pub overload: usize,
    vals: Vec<Value>,
    /// Whether each parameter was passed (not defaulted).
    given: Vec<bool>,
    sig: &'d Signature,
}

/// The given arguments as PyTorch's errors list them: `(Tensor, str)`,
/// `(dimm=int, )` (its `_argDesc`: the trailing ", " stays when there are
/// keyword arguments only).
fn got(args: &Args, skip: usize) -> String {
    let mut s = String::from("(");
    let pos = &args.pos[skip.min(args.pos.len())..];
    for v in pos {
        s.push_str(&v.type_name());
        s.push_str(", ");
    }
    for (k, v) in &args.kw {
        s.push_str(&format!("{k}={}, ", v.type_name()));
    }
    if !pos.is_empty() {
        s.truncate(s.len() - 2);
    }
    s.push(')');
    s
}

fn is_int(v: &Value) -> bool {
    match v {
        Value::Int(_) => true,
        Value::Object(o) => matches!(o.index(), Ok(Some(_))) && !is_float_tensor(v),
        _ => false,
    }
}

fn is_float_tensor(v: &Value) -> bool {
    v.downcast::<Tensor>().is_some_and(|t| t.dtype().is_float())
}

/// A 0-dim tensor that stands for a number where PyTorch accepts one.
fn scalar_tensor(v: &Value) -> Option<&Tensor> {
    v.downcast::<Tensor>()
        .filter(|t| t.dim() == 0 && !t.requires_grad())
}

fn all_items(v: &Value, f: impl Fn(&Value) -> bool) -> bool {
    match v {
        Value::List(l) => l.borrow().iter().all(f),
        Value::Tuple(t) => t.items.iter().all(f),
        _ => false,
    }
}

/// Whether `v` may be passed for a parameter of type `ty`.
pub fn accepts(it: &Interp, ty: Ty, v: &Value) -> bool {
    match ty {
        Ty::Object | Ty::Layout | Ty::MemoryFormat => true,
        Ty::Callable => !matches!(v, Value::None),
        Ty::Tensor => v.downcast::<Tensor>().is_some(),
        Ty::TensorOrNumber => {
            v.downcast::<Tensor>().is_some()
                || matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
        }
        Ty::Scalar => {
            matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
                || scalar_tensor(v).is_some()
        }
        Ty::Int => is_int(v),
        Ty::Float => {
            matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
                || scalar_tensor(v).is_some_and(|t| t.dtype() != DType::Bool)
        }
        Ty::Bool => {
            matches!(v, Value::Bool(_))
                || scalar_tensor(v).is_some_and(|t| t.dtype() == DType::Bool)
        }
        Ty::Str => matches!(v, Value::Str(_)),
        Ty::IntList(n) => {
            (n.is_some() && is_int(v))
                || all_items(v, is_int)
                || v.downcast::<Tensor>()
                    .is_some_and(|t| t.dim() == 1 && !t.dtype().is_float())
        }
        Ty::FloatList => {
            all_items(v, |x| {
                matches!(x, Value::Int(_) | Value::Float(_) | Value::Bool(_))
            }) || matches!(v, Value::Int(_) | Value::Float(_))
        }
        Ty::BoolList => all_items(v, |x| matches!(x, Value::Bool(_))),
        Ty::TensorList => all_items(v, |x| x.downcast::<Tensor>().is_some()),
        Ty::StrList => all_items(v, |x| matches!(x, Value::Str(_))),
        Ty::Dtype => {
            v.downcast::<DType>().is_some()
                || matches!(v, Value::Class(c) if Rc::ptr_eq(c, &it.types.float)
                    || Rc::ptr_eq(c, &it.types.int) || Rc::ptr_eq(c, &it.types.bool))
        }
        Ty::Device => {
            v.downcast::<Device>().is_some() || matches!(v, Value::Str(_) | Value::Int(_))
        }
        Ty::Generator => v.type_name() == "Generator",
    }
}

fn default_value(d: &Default) -> Value {
    match d {
        Default::None | Default::Shown(_) => Value::None,
        Default::Bool(b) => Value::Bool(*b),
        Default::Int(i) => Value::Int(*i),
        Default::Float(f) => Value::Float(*f),
        Default::Str(s) => Value::str(s),
        Default::Empty => Value::tuple(vec![]),
    }
}

/// NumPy's spellings that PyTorch's argument parser accepts as keywords
/// for its own parameter names (`numpy_compatibility_arg_names` in
/// python_arg_parser.cpp): `axis=` for `dim`, `keepdims=` for `keepdim`,
/// `x=`/`a=`/`x1=` for `input`, `x2=` for `other`.
pub const NUMPY_ALIASES: &[(&str, &str)] = &[
    ("axis", "dim"),
    ("keepdims", "keepdim"),
    ("x", "input"),
    ("a", "input"),
    ("x1", "input"),
    ("x2", "other"),
];

/// The parameter name that keyword `k` is NumPy's spelling of.
pub fn numpy_alias_of(k: &str) -> Option<&'static str> {
    NUMPY_ALIASES
        .iter()
        .find(|(a, _)| *a == k)
        .map(|(_, name)| *name)
}

/// Binds `args` to `sig` (checking types), or says why not. `aliases`:
/// NumPy's keyword spellings are accepted ([`NUMPY_ALIASES`]).
fn bind_one(
    it: &Interp,
    sig: &Signature,
    args: &Args,
    aliases: bool,
) -> Result<(Vec<Value>, Vec<bool>), Mismatch> {
    let params = &sig.params;
    let mut vals: Vec<Option<Value>> = vec![None; params.len()];
    let positional: Vec<usize> = (0..params.len())
        .filter(|&i| matches!(params[i].kind, Kind::Positional | Kind::PositionalOnly))
        .collect();
    let varargs = params.iter().position(|p| p.kind == Kind::VarArgs);
    let varkw = params.iter().position(|p| p.kind == Kind::VarKw);
    let mut pos: &[Value] = &args.pos;
    // A lone trailing int-list parameter takes the remaining ints var-args
    // style (`zeros(2, 3)`, `x.view(2, -1)`), as PyTorch allows.
    let mut gathered = None;
    if let Some(&last) = positional.last() {
        let k = positional.len() - 1;
        if matches!(params[last].ty, Some(Ty::IntList(_)))
            && pos.len() > k
            && is_int(&pos[k])
            && pos[k..].iter().all(is_int)
        {
            gathered = Some((last, Value::tuple(pos[k..].to_vec())));
            pos = &pos[..k];
        }
    }
    let mut extra = Vec::new();
    for (i, v) in pos.iter().enumerate() {
        match positional.get(i) {
            Some(&p) => vals[p] = Some(v.clone()),
            None if varargs.is_some() => extra.push(v.clone()),
            None => {
                return Err(Mismatch::TooMany {
                    given: args.pos.len(),
                })
            }
        }
    }
    if let Some((p, v)) = gathered {
        vals[p] = Some(v);
    }
    if let Some(va) = varargs {
        vals[va] = Some(Value::tuple(extra));
    }
    let mut kwextra = Dict::new();
    let named = |n: &str| {
        params.iter().position(|p| {
            *p.name == *n && !matches!(p.kind, Kind::VarArgs | Kind::VarKw | Kind::PositionalOnly)
        })
    };
    // Keywords by their own names first, then NumPy's spellings of the
    // parameters still unfilled (PyTorch's parser reads `dim=` before `axis=`).
    let mut by_alias = Vec::new();
    let mut leftover = false;
    for (k, v) in &args.kw {
        match named(k) {
            Some(i) => {
                if vals[i].is_some() {
                    return Err(Mismatch::Multiple(k.to_string()));
                }
                vals[i] = Some(v.clone());
            }
            None if aliases && numpy_alias_of(k).is_some() => by_alias.push((k, v)),
            None if varkw.is_some() => {
                kwextra.insert(Key::Str(k.clone()), Value::Str(k.clone()), v.clone());
            }
            None if aliases => leftover = true,
            None => return Err(Mismatch::Unexpected(k.to_string())),
        }
    }
    let mut kw_given = vec![false; params.len()];
    for (k, v) in by_alias {
        match numpy_alias_of(k).and_then(named) {
            Some(i) if vals[i].is_none() => {
                vals[i] = Some(v.clone());
                kw_given[i] = true;
            }
            _ => leftover = true,
        }
    }
    if leftover {
        // PyTorch names the first keyword that is no parameter's own name.
        let k = args.kw.iter().find(|(k, _)| named(k).is_none());
        return Err(Mismatch::Unexpected(
            k.map_or(String::new(), |(k, _)| k.to_string()),
        ));
    }
    if let Some(vk) = varkw {
        vals[vk] = Some(Value::dict(kwextra));
    }
    let missing: Vec<usize> = (0..params.len())
        .filter(|&i| {
            vals[i].is_none() && params[i].required() && params[i].kind != Kind::KeywordOnly
        })
        .collect();
    if !missing.is_empty() {
        return Err(Mismatch::Missing(missing));
    }
    if let Some(i) = (0..params.len()).find(|&i| vals[i].is_none() && params[i].required()) {
        return Err(Mismatch::MissingKw(i));
    }
    let mut out = Vec::with_capacity(params.len());
    let given: Vec<bool> = vals.iter().map(Option::is_some).collect();
    for (i, (p, v)) in params.iter().zip(vals).enumerate() {
        match v {
            Some(v) => {
                if let Some(ty) = p.ty {
                    let none_ok = matches!(v, Value::None) && p.optional;
                    if !none_ok && !accepts(it, ty, &v) {
                        let by_kw = kw_given[i] || args.kw.iter().any(|(k, _)| **k == *p.name);
                        return Err(Mismatch::BadType(i, v.type_name(), by_kw));
                    }
                }
                out.push(v);
            }
            None => out.push(p.default.as_ref().map_or(Value::None, default_value)),
        }
    }
    Ok((out, given))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The TypeError for one overload's mismatch.
fn mismatch_error(
    name: &str,
    sig: &Signature,
    m: &Mismatch,
    style: Style,
    method: bool,
) -> Box<PyErr> {
    let skip = usize::from(method);
    let params = &sig.params;
    match m {
        Mismatch::TooMany { given } => {
            let max = sig.max_positional().unwrap_or(0).saturating_sub(skip);
            let given = given.saturating_sub(skip);
            let min = params
                .iter()
                .skip(skip)
                .filter(|p| {
                    matches!(p.kind, Kind::Positional | Kind::PositionalOnly) && p.required()
                })
                .count();
            let was = if given == 1 { "was" } else { "were" };
            if style == Style::Python && min != max {
                type_error(format!(
                    "{name}() takes from {min} to {max} positional arguments but {given} {was} given"
                ))
            } else {
                type_error(format!(
                    "{name}() takes {max} positional argument{} but {given} {was} given",
                    plural(max)
                ))
            }
        }
        Mismatch::Missing(idx) => {
            let n = idx.len();
            match style {
                Style::Torch => {
                    let names: Vec<String> = idx
                        .iter()
                        .map(|&i| format!("\"{}\"", params[i].name))
                        .collect();
                    type_error(format!(
                        "{name}() missing {n} required positional arguments: {}",
                        names.join(", ")
                    ))
                }
                Style::Python => {
                    let names: Vec<String> = idx
                        .iter()
                        .map(|&i| format!("'{}'", params[i].name))
                        .collect();
                    let list = match n {
                        1 => names[0].clone(),
                        2 => format!("{} and {}", names[0], names[1]),
                        _ => format!("{}, and {}", names[..n - 1].join(", "), names[n - 1]),
                    };
                    type_error(format!(
                        "{name}() missing {n} required positional argument{}: {list}",
                        plural(n)
                    ))
                }
            }
        }
        Mismatch::MissingKw(i) => type_error(format!(
            "{name}() missing 1 required keyword-only argument: '{}'",
            params[*i].name
        )),
        Mismatch::Unexpected(k) => {
            type_error(format!("{name}() got an unexpected keyword argument '{k}'"))
        }
        Mismatch::Multiple(k) => {
            type_error(format!("{name}() got multiple values for argument '{k}'"))
        }
        Mismatch::BadType(i, given, by_kw) => {
            let p: &Param = &params[*i];
            let want = p.ty.map_or("object", |t| t.display());
            let want = if p.optional {
                format!("{want} or None")
            } else {
                want.to_string()
            };
            if *by_kw {
                type_error(format!(
                    "{name}(): argument '{}' must be {want}, not {given}",
                    p.name
                ))
            } else {
                let position = *i + 1 - skip.min(*i);
                type_error(format!(
                    "{name}(): argument '{}' (position {position}) must be {want}, not {given}",
                    p.name
                ))
            }
        }
    }
}

/// Binds `args` to the first overload that takes them, or raises the error
/// PyTorch's parser raises: the overload's own error when only one is
/// plausible, else "received an invalid combination of arguments".
pub fn bind<'d>(
    it: &Interp,
    name: &str,
    sigs: &'d [Signature],
    args: &Args,
    style: Style,
    method: bool,
    aliases: bool,
) -> PyResult<Bound<'d>> {
    let mut errors = Vec::with_capacity(sigs.len());
    for (k, sig) in sigs.iter().enumerate() {
        match bind_one(it, sig, args, aliases) {
            Ok((vals, given)) => {
                return Ok(Bound {
                    overload: k,
                    vals,
                    given,
                    sig,
                })
            }
            Err(m) => errors.push(m),
        }
    }
    if sigs.len() == 1 {
        return Err(mismatch_error(name, &sigs[0], &errors[0], style, method));
    }
    // PyTorch: when exactly one overload takes this many arguments, its own
    // error is the clearer one.
    let n = args.pos.len() + args.kw.len();
    let plausible: Vec<usize> = (0..sigs.len())
        .filter(|&k| {
            let s = &sigs[k];
            let min = s.params.iter().filter(|p| p.required()).count();
            let max = if s
                .params
                .iter()
                .any(|p| matches!(p.kind, Kind::VarArgs | Kind::VarKw))
            {
                usize::MAX
            } else {
                s.params.len()
            };
            (min..=max).contains(&n)
        })
        .collect();
    if let [k] = plausible.as_slice() {
        return Err(mismatch_error(name, &sigs[*k], &errors[*k], style, method));
    }
    let skip = usize::from(method);
    let mut msg = format!(
        "{name}() received an invalid combination of arguments - got {}, but expected one of:\n",
        got(args, skip)
    );
    for sig in sigs {
        let option = sig.torch(method);
        msg.push_str(&format!(" * {option}\n"));
        if let Some(why) = mismatch_note(it, sig, &option, args, skip) {
            msg.push_str(&format!("      didn't match because {why}\n"));
        }
    }
    Err(type_error(msg))
}

/// Why one overload did not match, as PyTorch's `format_invalid_args`
/// explains it: only for an option whose printed items (`*` and an empty
/// `()` count as one, an absent `out` does not) number the given
/// arguments; then the keywords it does not name, or the arguments whose
/// types are wrong, marked `!str!`.
fn mismatch_note(
    it: &Interp,
    sig: &Signature,
    option: &str,
    args: &Args,
    skip: usize,
) -> Option<String> {
    let inner = &option[1..option.len() - 1];
    let mut items: Vec<&str> = inner.split(", ").collect();
    let has_out = sig.params.iter().any(|p| p.name == "out");
    if has_out && !args.kw.iter().any(|(k, _)| &**k == "out") {
        items.retain(|i| !i.starts_with("Tensor out"));
    }
    let pos = &args.pos[skip.min(args.pos.len())..];
    let n = pos.len() + args.kw.len();
    if items.len() != n {
        return None;
    }
    // PyTorch reads an item's name as the text after its last space.
    let name_of = |item: &str| item.rsplit(' ').next().unwrap_or("").to_string();
    let start = items.len().saturating_sub(args.kw.len());
    let unmatched: Vec<&str> = args
        .kw
        .iter()
        .filter(|(k, _)| !items[start..].iter().any(|i| name_of(i) == **k))
        .map(|(k, _)| &**k)
        .collect();
    if !unmatched.is_empty() {
        return Some(format!(
            "some of the keywords were incorrect: {}",
            unmatched.join(", ")
        ));
    }
    // The item at each position, and whether the argument fits its type.
    let params: Vec<&Param> = sig
        .params
        .iter()
        .skip(skip)
        .filter(|p| !(p.name == "out" && has_out && !args.kw.iter().any(|(k, _)| &**k == "out")))
        .collect();
    let mut param_at = Vec::with_capacity(items.len());
    let mut pi = 0;
    for item in &items {
        if *item == "*" || item.is_empty() {
            param_at.push(None);
        } else {
            param_at.push(params.get(pi).copied());
            pi += 1;
        }
    }
    let fits = |p: Option<&Param>, v: &Value| match p {
        None => false,
        Some(p) => {
            (matches!(v, Value::None) && p.optional) || p.ty.map_or(true, |t| accepts(it, t, v))
        }
    };
    let mut parts = Vec::with_capacity(n);
    for (i, v) in pos.iter().enumerate() {
        let t = described(v);
        parts.push(if fits(param_at[i], v) {
            t
        } else {
            format!("!{t}!")
        });
    }
    for (k, v) in &args.kw {
        let p = params.iter().find(|p| *p.name == **k).copied();
        let t = described(v);
        parts.push(if fits(p, v) {
            format!("{k}={t}")
        } else {
            format!("{k}=!{t}!")
        });
    }
    Some(format!(
        "some of the arguments have invalid types: ({})",
        parts.join(", ")
    ))
}

/// A value's type as PyTorch's notes show it: `list of [int, int]`.
fn described(v: &Value) -> String {
    match v {
        Value::List(l) => format!(
            "list of [{}]",
            l.borrow()
                .iter()
                .map(Value::type_name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Tuple(t) if t.class.is_none() => {
            let inner: Vec<String> = t.items.iter().map(Value::type_name).collect();
            if inner.len() == 1 {
                format!("tuple of ({},)", inner[0])
            } else {
                format!("tuple of ({})", inner.join(", "))
            }
        }
        other => other.type_name(),
    }
}

/// A conversion that the type check allowed but the value refused (a
/// 0-dim tensor whose item cannot be read).
fn engine(e: tinytorch::Error) -> Box<PyErr> {
    crate::library::errors::from_engine(e)
}

impl<'d> Bound<'d> {
    /// Arguments bound by hand (natives that call others' implementations).
    pub fn len(&self) -> usize {
        self.vals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }

    fn param(&self, i: usize) -> &str {
        self.sig.params.get(i).map_or("?", |p| &p.name)
    }

    fn wrong(&self, i: usize, want: &str) -> Box<PyErr> {
        type_error(format!(
            "{}(): argument '{}' must be {want}, not {}",
            self.sig.name,
            self.param(i),
            self.vals[i].type_name()
        ))
    }

    /// The raw value.
    pub fn value(&self, i: usize) -> &Value {
        &self.vals[i]
    }

    /// Moves the value out (leaving None).
    pub fn take(&mut self, i: usize) -> Value {
        std::mem::take(&mut self.vals[i])
    }

    /// Whether the argument was passed (rather than defaulted).
    pub fn given(&self, i: usize) -> bool {
        self.given.get(i).copied().unwrap_or(false)
    }

    pub fn is_none(&self, i: usize) -> bool {
        matches!(self.vals[i], Value::None)
    }

    /// The value, or None for None.
    pub fn opt(&self, i: usize) -> Option<&Value> {
        match &self.vals[i] {
            Value::None => None,
            v => Some(v),
        }
    }

    pub fn tensor(&self, i: usize) -> PyResult<&Tensor> {
        self.vals[i]
            .downcast::<Tensor>()
            .ok_or_else(|| self.wrong(i, "Tensor"))
    }

    /// A tensor, or a Python number as the engine's scalar operand.
    pub fn operand(&self, i: usize) -> PyResult<tinytorch::ops::binary::Arg<'_>> {
        use tinytorch::ops::binary::Arg;
        match self.vals[i].downcast::<Tensor>() {
            Some(t) => Ok(Arg::T(t)),
            None => match &self.vals[i] {
                Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                    Ok(Arg::S(scalar_of(&self.vals[i]).expect("a Python number")))
                }
                _ => Err(self.wrong(i, "Tensor")),
            },
        }
    }

    pub fn opt_tensor(&self, i: usize) -> PyResult<Option<&Tensor>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            _ => self.tensor(i).map(Some),
        }
    }

    pub fn int(&self, i: usize) -> PyResult<i64> {
        match &self.vals[i] {
            Value::Int(n) => Ok(*n),
            Value::Bool(b) => Ok(*b as i64),
            Value::Object(o) => o.index()?.ok_or_else(|| self.wrong(i, "int")),
            _ => Err(self.wrong(i, "int")),
        }
    }

    pub fn opt_int(&self, i: usize) -> PyResult<Option<i64>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn float(&self, i: usize) -> PyResult<f64> {
        match &self.vals[i] {
            Value::Int(n) => Ok(*n as f64),
            Value::Float(f) => Ok(*f),
            Value::Bool(b) => Ok(*b as i64 as f64),
            v => match v.downcast::<Tensor>() {
                Some(t) if t.numel() == 1 => t.item().map_err(engine),
                _ => Err(self.wrong(i, "float")),
            },
        }
    }

    pub fn opt_float(&self, i: usize) -> PyResult<Option<f64>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            _ => self.float(i).map(Some),
        }
    }

    pub fn bool(&self, i: usize) -> PyResult<bool> {
        match &self.vals[i] {
            Value::Bool(b) => Ok(*b),
            Value::Int(n) => Ok(*n != 0),
            Value::None => Ok(false),
            v => match v.downcast::<Tensor>() {
                Some(t) if t.numel() == 1 => Ok(t.item().map_err(engine)? != 0.0),
                _ => Err(self.wrong(i, "bool")),
            },
        }
    }

    pub fn str(&self, i: usize) -> PyResult<&str> {
        match &self.vals[i] {
            Value::Str(s) => Ok(s),
            _ => Err(self.wrong(i, "str")),
        }
    }

    pub fn opt_str(&self, i: usize) -> PyResult<Option<&str>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            _ => self.str(i).map(Some),
        }
    }

    /// A Python number (or a one-element tensor) as an engine scalar.
    pub fn scalar(&self, i: usize) -> PyResult<Scalar> {
        scalar_of(&self.vals[i]).ok_or_else(|| self.wrong(i, "Number"))
    }

    /// An int list, or one int repeated to `int[N]`'s length.
    pub fn ints(&self, i: usize) -> PyResult<Vec<i64>> {
        let v = &self.vals[i];
        let item = |x: &Value| -> PyResult<i64> {
            match x {
                Value::Int(n) => Ok(*n),
                Value::Bool(b) => Ok(*b as i64),
                Value::Object(o) => o.index()?.ok_or_else(|| self.wrong(i, "tuple of ints")),
                _ => Err(self.wrong(i, "tuple of ints")),
            }
        };
        match v {
            Value::List(l) => l.borrow().iter().map(item).collect(),
            Value::Tuple(t) => t.items.iter().map(item).collect(),
            Value::Int(_) | Value::Bool(_) => {
                let n = match self.sig.params.get(i).and_then(|p| p.ty) {
                    Some(Ty::IntList(Some(n))) => n,
                    _ => 1,
                };
                Ok(vec![item(v)?; n])
            }
            Value::Object(_) => match v.downcast::<Tensor>() {
                Some(t) if t.dim() == 1 => Ok(t
                    .to_vec_f64()
                    .map_err(engine)?
                    .into_iter()
                    .map(|x| x as i64)
                    .collect()),
                _ => Ok(vec![item(v)?]),
            },
            _ => Err(self.wrong(i, "tuple of ints")),
        }
    }

    /// Sizes: non-negative ints (PyTorch's error for a negative one).
    pub fn sizes(&self, i: usize) -> PyResult<Vec<usize>> {
        sizes(&self.ints(i)?)
    }

    /// One size: a non-negative int.
    pub fn size(&self, i: usize) -> PyResult<usize> {
        let n = self.int(i)?;
        usize::try_from(n).map_err(|_| {
            exc(
                "RuntimeError",
                format!("Trying to create tensor with negative dimension {n}: [{n}]"),
            )
        })
    }

    /// A (height, width) pair: one size or two (`kernel_size=3`, `stride=(2, 1)`).
    pub fn pair(&self, i: usize) -> PyResult<[usize; 2]> {
        let v = self.sizes(i)?;
        match v.as_slice() {
            [a] => Ok([*a, *a]),
            [a, b] => Ok([*a, *b]),
            _ => Err(type_error(format!(
                "{}(): argument '{}' must be an int or a pair of ints, got {} values",
                self.sig.name,
                self.param(i),
                v.len()
            ))),
        }
    }

    pub fn opt_ints(&self, i: usize) -> PyResult<Option<Vec<i64>>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            _ => self.ints(i).map(Some),
        }
    }

    pub fn floats(&self, i: usize) -> PyResult<Vec<f64>> {
        let num = |x: &Value| -> PyResult<f64> {
            match x {
                Value::Int(n) => Ok(*n as f64),
                Value::Float(f) => Ok(*f),
                Value::Bool(b) => Ok(*b as i64 as f64),
                _ => Err(self.wrong(i, "tuple of floats")),
            }
        };
        match &self.vals[i] {
            Value::List(l) => l.borrow().iter().map(num).collect(),
            Value::Tuple(t) => t.items.iter().map(num).collect(),
            v => Ok(vec![num(v)?]),
        }
    }

    pub fn tensors(&self, i: usize) -> PyResult<Vec<Tensor>> {
        let one = |x: &Value| {
            x.downcast::<Tensor>()
                .cloned()
                .ok_or_else(|| self.wrong(i, "tuple of Tensors"))
        };
        match &self.vals[i] {
            Value::List(l) => l.borrow().iter().map(one).collect(),
            Value::Tuple(t) => t.items.iter().map(one).collect(),
            _ => Err(self.wrong(i, "tuple of Tensors")),
        }
    }

    /// A dtype (Python's `float`/`int`/`bool` classes map to float64, int64
    /// and bool, as in PyTorch); None for None.
    pub fn dtype(&self, it: &Interp, i: usize) -> PyResult<Option<DType>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            Value::Class(c) if Rc::ptr_eq(c, &it.types.float) => Ok(Some(DType::F64)),
            Value::Class(c) if Rc::ptr_eq(c, &it.types.int) => Ok(Some(DType::I64)),
            Value::Class(c) if Rc::ptr_eq(c, &it.types.bool) => Ok(Some(DType::Bool)),
            v => v
                .downcast::<DType>()
                .copied()
                .map(Some)
                .ok_or_else(|| self.wrong(i, "torch.dtype")),
        }
    }

    /// A device (a `torch.device`, `"cuda:1"`, or a CUDA index); None for None.
    pub fn device(&self, i: usize) -> PyResult<Option<Device>> {
        match &self.vals[i] {
            Value::None => Ok(None),
            Value::Str(s) => parse_device(s).map(Some),
            Value::Int(n) if *n >= 0 => Ok(Some(Device::Cuda(*n as usize))),
            v => v
                .downcast::<Device>()
                .copied()
                .map(Some)
                .ok_or_else(|| self.wrong(i, "torch.device")),
        }
    }

    /// `*args` as a slice.
    pub fn varargs(&self, i: usize) -> &[Value] {
        match &self.vals[i] {
            Value::Tuple(t) => &t.items,
            _ => &[],
        }
    }

    /// `**kwargs` as (name, value) pairs.
    pub fn kwargs(&self, i: usize) -> Vec<(Rc<str>, Value)> {
        match &self.vals[i] {
            Value::Dict(d) => d
                .borrow()
                .iter()
                .filter_map(|(k, v)| match k {
                    Value::Str(s) => Some((s.clone(), v.clone())),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        }
    }
}

/// A Python number, or a one-element tensor, as an engine scalar.
pub fn scalar_of(v: &Value) -> Option<Scalar> {
    match v {
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Int(i) => Some(Scalar::Int(*i)),
        Value::Float(f) => Some(Scalar::Float(*f)),
        _ => {
            let t = v.downcast::<Tensor>()?;
            if t.numel() != 1 {
                return None;
            }
            let x = t.item().ok()?;
            Some(match t.dtype() {
                DType::Bool => Scalar::Bool(x != 0.0),
                d if d.is_int() => Scalar::Int(x as i64),
                _ => Scalar::Float(x),
            })
        }
    }
}

/// `"cpu"`, `"cuda"`, `"cuda:1"`.
pub fn parse_device(s: &str) -> PyResult<Device> {
    match s {
        "cpu" => Ok(Device::Cpu),
        "cuda" => Ok(Device::Cuda(0)),
        _ => match s.strip_prefix("cuda:").and_then(|n| n.parse().ok()) {
            Some(n) => Ok(Device::Cuda(n)),
            None => match s.strip_prefix("cpu:") {
                Some("0") => Ok(Device::Cpu),
                _ => Err(exc(
                    "RuntimeError",
                    format!("Expected one of cpu, cuda device type at start of device string: {s}"),
                )),
            },
        },
    }
}

/// Non-negative sizes (PyTorch's error for negative ones).
pub fn sizes(dims: &[i64]) -> PyResult<Vec<usize>> {
    dims.iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| {
                exc(
                    "RuntimeError",
                    format!("Trying to create tensor with negative dimension {d}: {dims:?}"),
                )
            })
        })
        .collect()
}
