//! Bindings made from the engine's pointwise table
//! (`tinytorch::ops::pointwise`), with no line per op: each unary row
//! becomes `torch.name` (with `out=`), `Tensor.name`, the in-place
//! `Tensor.name_` and `torch.name_`, and `F.name` and its `nn` class where
//! PyTorch has them; each binary row becomes `torch.name` and
//! `Tensor.name(_)`. An op added to the engine's table is here at once,
//! under PyTorch's name, signature and defaults.

use super::with_out;
use crate::bind::{Bound, Def, DynFn, Imp, Style};
use crate::eval::error::PyResult;
use crate::eval::value::{Class, ModuleObj, Value};
use crate::library::torch::tensor::{value, wrap_scalar};
use crate::library::EngineResult;
use std::rc::Rc;
use tinytorch::ops::binary::Arg;
use tinytorch::ops::pointwise::{binary_functions, unary_functions, BinaryFn, PointwiseFn};
use tinytorch::Tensor;

/// PyTorch's other spellings of table rows (torch functions and methods).
#[rustfmt::skip]
const ALIASES: &[(&str, &str)] = &[
    ("absolute", "abs"), ("negative", "neg"), ("fix", "trunc"),
    ("arccos", "acos"), ("arcsin", "asin"), ("arctan", "atan"),
    ("arccosh", "acosh"), ("arcsinh", "asinh"), ("arctanh", "atanh"),
    ("arctan2", "atan2"),
];

/// `F.sigmoid` and `F.tanh` are the old aliases of the torch functions:
/// they take no `inplace=` (their in-place forms are methods only).
const NO_FUNCTIONAL_INPLACE: &[&str] = &["sigmoid", "tanh"];

/// The activations PyTorch also spells as `F.name_` (in place).
const FUNCTIONAL_INPLACE_FORMS: &[&str] =
    &["relu", "leaky_relu", "hardtanh", "elu", "selu", "celu"];

/// `nn` classes of functional rows: (class, function).
#[rustfmt::skip]
pub const ACTIVATION_CLASSES: &[(&str, &str)] = &[
    ("ReLU", "relu"), ("ReLU6", "relu6"), ("SiLU", "silu"), ("Mish", "mish"),
    ("LeakyReLU", "leaky_relu"), ("ELU", "elu"), ("SELU", "selu"), ("CELU", "celu"),
    ("Softplus", "softplus"), ("Hardtanh", "hardtanh"), ("Hardsigmoid", "hardsigmoid"),
    ("Hardswish", "hardswish"), ("LogSigmoid", "logsigmoid"), ("Softsign", "softsign"),
    ("Tanhshrink", "tanhshrink"), ("Sigmoid", "sigmoid"), ("Tanh", "tanh"),
];

/// The engine's unary row of that name.
pub fn unary(name: &str) -> Option<PointwiseFn> {
    unary_functions().iter().find(|f| f.name == name).copied()
}

/// The row's numeric parameters in PyTorch's signature syntax, each after
/// a comma: `, float? eps=None`.
fn params_signature(f: &PointwiseFn) -> String {
    f.params
        .iter()
        .map(|p| match p.default {
            "None" => format!(", float? {}=None", p.name),
            d => format!(", float {}={d}", p.name),
        })
        .collect()
}

/// The numeric arguments bound at `from..`.
fn numbers(b: &Bound, from: usize, n: usize) -> PyResult<Vec<Option<f64>>> {
    (from..from + n).map(|i| b.opt_float(i)).collect()
}

/// Whether `F.name` takes `inplace=`.
fn functional_inplace(f: &PointwiseFn) -> bool {
    f.inplace.is_some() && !NO_FUNCTIONAL_INPLACE.contains(&f.name)
}

fn def(owner: &str, sig: &str, doc: &str, call: DynFn) -> Value {
    Def::new(owner, sig, doc, Imp::Dyn(call), Style::Torch).value()
}

/// Every row of the table into `torch` and the Tensor class.
pub fn install(torch: &ModuleObj, tensor: &Class) {
    for f in unary_functions() {
        install_unary(torch, tensor, f.name, *f);
    }
    for g in binary_functions() {
        install_binary(torch, tensor, g.name, *g);
    }
    for (alias, name) in ALIASES {
        if let Some(f) = unary(name) {
            install_unary(torch, tensor, alias, f);
        } else if let Some(g) = binary_functions().iter().find(|g| g.name == *name) {
            install_binary(torch, tensor, alias, *g);
        }
    }
}

fn install_unary(torch: &ModuleObj, tensor: &Class, name: &str, f: PointwiseFn) {
    let params = params_signature(&f);
    let n = f.params.len();
    let call: DynFn = Rc::new(move |_, b| {
        let r = (f.call_with)(b.tensor(0)?, &numbers(&b, 1, n)?).py()?;
        with_out(&b, 1 + n, r)
    });
    if f.in_torch {
        let sig = format!("{name}(Tensor input{params}, *, Tensor? out=None)");
        torch.set(name, def("torch", &sig, f.doc, call));
    }
    if f.tensor_method {
        let method: DynFn = Rc::new(move |_, b| {
            Ok(value(
                (f.call_with)(b.tensor(0)?, &numbers(&b, 1, n)?).py()?,
            ))
        });
        let sig = format!("{name}(Tensor input{params})");
        tensor.set(name, def("Tensor", &sig, f.doc, method));
    }
    if let Some(inplace) = f.inplace {
        let call: DynFn = Rc::new(move |_, b| {
            inplace(b.tensor(0)?, &numbers(&b, 1, n)?).py()?;
            Ok(b.value(0).clone())
        });
        let name_ = format!("{name}_");
        let sig = format!("{name_}(Tensor input{params})");
        let doc = format!("In-place {name}: {}", f.doc);
        if f.tensor_method {
            tensor.set(&name_, def("Tensor", &sig, &doc, call.clone()));
        }
        if f.in_torch {
            torch.set(&name_, def("torch", &sig, &doc, call));
        }
    }
}

/// The name of a binary row's second parameter (`min` of `clamp_min`).
fn other_name(g: &BinaryFn) -> &'static str {
    g.signature
        .split(['(', ',', ')'])
        .nth(2)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("other")
}

fn install_binary(torch: &ModuleObj, tensor: &Class, name: &str, g: BinaryFn) {
    let ty = if g.call_scalar.is_some() {
        "Tensor|Number"
    } else {
        "Tensor"
    };
    let other = other_name(&g);
    let name: Rc<str> = name.into();
    let label = name.clone();
    let compute = Rc::new(move |b: &Bound| -> PyResult<Tensor> {
        let x = b.tensor(0)?;
        match (b.operand(1)?, g.call_scalar) {
            (Arg::S(s), Some(with_number)) => with_number(x, s).py(),
            (Arg::S(_), None) => Err(crate::eval::error::type_error(format!(
                "{label}(): argument '{other}' (position 2) must be Tensor, not number"
            ))),
            (Arg::T(o), _) => (g.call)(x, o).py(),
        }
    });
    let for_method = compute.clone();
    let in_torch: DynFn = Rc::new(move |_, b| {
        let r = compute(&b)?;
        with_out(&b, 2, r)
    });
    if g.in_torch {
        let sig = format!("{name}(Tensor input, {ty} {other}, *, Tensor? out=None)");
        torch.set(&name, def("torch", &sig, g.doc, in_torch));
    }
    if !g.tensor_method {
        return;
    }
    let method: DynFn = Rc::new(move |_, b| Ok(value(for_method(&b)?)));
    let sig = format!("{name}(Tensor input, {ty} {other})");
    tensor.set(&name, def("Tensor", &sig, g.doc, method));
    if let Some(inplace) = g.inplace {
        let call: DynFn = Rc::new(move |_, b| {
            let x = b.tensor(0)?;
            let r = match b.operand(1)? {
                Arg::T(o) => inplace(x, o),
                // A number is the 0-dim tensor PyTorch wraps it in.
                Arg::S(s) => inplace(x, &wrap_scalar(s, x.dtype(), x.device())?),
            };
            r.py()?;
            Ok(b.value(0).clone())
        });
        let sig = format!("{name}_(Tensor input, {ty} {other})");
        let doc = format!("In-place {name}: {}", g.doc);
        tensor.set(&format!("{name}_"), def("Tensor", &sig, &doc, call));
    }
}

/// The functional rows into `torch.nn.functional`: `F.name(input,
/// params..., inplace=False)` and PyTorch's `F.name_` forms.
pub fn install_functional(functional: &ModuleObj) {
    for f in unary_functions().iter().filter(|f| f.functional) {
        let f = *f;
        let (name, n) = (f.name, f.params.len());
        let params = params_signature(&f);
        let takes_inplace = functional_inplace(&f);
        let call: DynFn = Rc::new(move |_, b| {
            let (x, args) = (b.tensor(0)?, numbers(&b, 1, n)?);
            match f.inplace {
                Some(inplace) if takes_inplace && b.bool(1 + n)? => {
                    inplace(x, &args).py()?;
                    Ok(b.value(0).clone())
                }
                _ => Ok(value((f.call_with)(x, &args).py()?)),
            }
        });
        let flag = if takes_inplace {
            ", bool inplace=False"
        } else {
            ""
        };
        let sig = format!("{name}(Tensor input{params}{flag})");
        functional.set(name, def("torch.nn.functional", &sig, f.doc, call));
        if let (Some(inplace), true) = (f.inplace, FUNCTIONAL_INPLACE_FORMS.contains(&name)) {
            let call: DynFn = Rc::new(move |_, b| {
                inplace(b.tensor(0)?, &numbers(&b, 1, n)?).py()?;
                Ok(b.value(0).clone())
            });
            let sig = format!("{name}_(Tensor input{params})");
            let doc = format!("In-place {name}: {}", f.doc);
            functional.set(
                &format!("{name}_"),
                def("torch.nn.functional", &sig, &doc, call),
            );
        }
    }
}

/// The constructor row of an activation class: `__init__(self, params...,
/// inplace=False)`; the layer keeps PyTorch's attributes and repr.
pub fn activation_signature(f: &PointwiseFn) -> String {
    let flag = if functional_inplace(f) {
        ", bool inplace=False"
    } else {
        ""
    };
    format!("__init__(self{}{flag})", params_signature(f))
}

/// What an activation class's constructor bound: its numbers, whether it
/// works in place, and PyTorch's attributes and repr for them.
pub struct ActivationArgs {
    pub numbers: Vec<Option<f64>>,
    pub inplace: bool,
    pub attrs: Vec<(&'static str, Value)>,
    pub extra_repr: String,
}

/// Reads an activation constructor's arguments (after `self`).
pub fn activation_args(f: &PointwiseFn, b: &Bound) -> PyResult<ActivationArgs> {
    let n = f.params.len();
    let numbers = numbers(b, 1, n)?;
    let inplace = functional_inplace(f) && b.bool(1 + n)?;
    let mut attrs = Vec::new();
    let mut shown = Vec::new();
    for (i, p) in f.params.iter().enumerate() {
        let v = b.value(1 + i).clone();
        shown.push(format!("{}={}", p.name, number_repr(&v)));
        attrs.push((p.name, v));
    }
    if functional_inplace(f) {
        attrs.push(("inplace", Value::Bool(inplace)));
        if inplace {
            shown.push("inplace=True".into());
        }
    }
    Ok(ActivationArgs {
        numbers,
        inplace,
        attrs,
        extra_repr: shown.join(", "),
    })
}

/// A bound number as Python prints it (`-2`, `0.01`, `None`).
fn number_repr(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(x) => crate::eval::format::float_repr(*x),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        _ => "None".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Session;

    fn eval(s: &mut Session, src: &str) -> String {
        match s.run(src, "<test>", true) {
            Ok(Some(d)) => d.text,
            other => panic!("{src}: {other:?}"),
        }
    }

    fn flag(b: bool) -> &'static str {
        if b {
            "True"
        } else {
            "False"
        }
    }

    /// Each unary row is bound exactly where its flags say, and the
    /// binding hands the tensor and the defaults to the row.
    #[test]
    fn every_unary_row_is_bound_where_pytorch_has_it() {
        let mut s = Session::new();
        eval(&mut s, "import torch\nimport torch.nn.functional as F\n0");
        eval(
            &mut s,
            "x = torch.tensor([-1.5, 0.25, 0.5, 0.75, 3.0], dtype=torch.float64)\n0",
        );
        let x = Tensor::from_vec_f64(&[-1.5, 0.25, 0.5, 0.75, 3.0], &[5], tinytorch::DType::F64)
            .unwrap();
        for f in unary_functions() {
            let n = f.name;
            let has = format!(
                "(hasattr(torch, '{n}'), hasattr(torch.Tensor, '{n}'), hasattr(F, '{n}'), hasattr(torch.Tensor, '{n}_'))"
            );
            let want = format!(
                "({}, {}, {}, {})",
                flag(f.in_torch),
                flag(f.tensor_method),
                flag(f.functional),
                flag(f.tensor_method && f.inplace.is_some())
            );
            assert_eq!(eval(&mut s, &has), want, "{n}");
            let via = if f.in_torch {
                format!("torch.{n}(x)")
            } else if f.tensor_method {
                format!("x.{n}()")
            } else {
                format!("F.{n}(x)")
            };
            let got = eval(&mut s, &format!("{via}.double().tolist()"));
            let want: Vec<f64> = (f.call)(&x)
                .and_then(|t| t.to_dtype(tinytorch::DType::F64))
                .and_then(|t| t.to_vec_f64())
                .unwrap();
            let want = format!(
                "[{}]",
                want.iter()
                    .map(|v| number_repr(&Value::Float(*v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            assert_eq!(got, want, "{via}");
        }
    }

    #[test]
    fn every_binary_row_is_bound_with_its_number_form() {
        let mut s = Session::new();
        eval(&mut s, "import torch\n0");
        for g in binary_functions() {
            let n = g.name;
            let has = format!("(hasattr(torch, '{n}'), hasattr(torch.Tensor, '{n}_'))");
            let want = format!(
                "({}, {})",
                flag(g.in_torch),
                flag(g.tensor_method && g.inplace.is_some())
            );
            assert_eq!(eval(&mut s, &has), want, "{n}");
            let with_number = s.run(
                &format!("torch.{n}(torch.tensor([1.5]), 2.0)"),
                "<test>",
                true,
            );
            assert_eq!(
                with_number.is_ok(),
                g.call_scalar.is_some(),
                "{n}: {with_number:?}"
            );
        }
    }
}
