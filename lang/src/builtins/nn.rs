//! `torch.nn` as the language sees it: `nn.Module` (subclassable; parameters
//! and submodules registered by attribute assignment, in order; `model(x)`
//! runs `forward`), `nn.Parameter`, containers (`Sequential`, `ModuleList`),
//! `torch.nn.functional` activations, and `torch.utils.data.Dataset`.

use super::args::{self, bind};
use super::{def, native_class, register_module};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{Class, ClassKind, Instance, ModuleObj, Value};
use crate::eval::Interp;
use std::cell::RefCell;
use std::rc::Rc;

type Method = fn(&mut Interp, &Value, Args) -> PyResult<Value>;

pub const MODULE_METHODS: &[&str] = &[
    "parameters",
    "named_parameters",
    "children",
    "named_children",
    "modules",
    "named_modules",
    "zero_grad",
    "train",
    "eval",
    "state_dict",
    "load_state_dict",
    "to",
    "forward",
    "add_module",
    "register_parameter",
    "requires_grad_",
    "cpu",
    "cuda",
    "float",
    "double",
    "apply",
    "register_buffer",
];

pub fn install(it: &mut Interp) {
    let nn = register_module(
        it,
        "torch.nn",
        ModuleObj::new("torch.nn", "Neural-network building blocks."),
    );
    let module = native_class("Module", "torch.nn", ClassKind::NnModule, "nn.Module: the base class of models.\n\nSubclass it, assign layers and nn.Parameter tensors to self in __init__ (after super().__init__()), and define forward; model(x) runs forward.", None);
    nn.set("Module", Value::Class(module.clone()));
    nn.set("Parameter", Value::Class(native_class("Parameter", "torch.nn", ClassKind::Object, "Parameter(data=None, requires_grad=True)\n\nA tensor that a Module registers as a parameter.", Some(parameter))));
    for (name, ctor, doc) in [
        (
            "Sequential",
            sequential as crate::eval::value::NativeFn,
            "Sequential(*modules)\n\nRuns the modules in order.",
        ),
        (
            "ModuleList",
            module_list,
            "ModuleList(modules=None)\n\nA list of modules, registered as children.",
        ),
    ] {
        let c = Class::new(name, vec![module.clone()], ClassKind::NnModule, "torch.nn");
        c.ctor.set(Some(ctor));
        crate::eval::value::set_attr(&mut c.attrs.borrow_mut(), "__doc__", Value::str(doc));
        nn.set(name, Value::Class(c));
    }
    super::layers::install(it, &nn, &module);
    let f = register_module(
        it,
        "torch.nn.functional",
        ModuleObj::new("torch.nn.functional", "Functional forms of the layers."),
    );
    let fns: &[(&'static str, &'static str, crate::eval::value::NativeFn)] = &[
        ("relu", "relu(input, inplace=False) -> Tensor", |it, a| {
            unary_fn(it, a, "relu")
        }),
        ("sigmoid", "sigmoid(input) -> Tensor", |it, a| {
            unary_fn(it, a, "sigmoid")
        }),
        ("tanh", "tanh(input) -> Tensor", |it, a| {
            unary_fn(it, a, "tanh")
        }),
        ("silu", "silu(input, inplace=False) -> Tensor", |_, a| {
            let [x, _] = bind("silu", a, ["input", "inplace"], 1)?;
            Ok(Value::Tensor(
                args::tensor("silu", "input", &x.expect("required"))?
                    .silu()
                    .py()?,
            ))
        }),
        (
            "gelu",
            "gelu(input, approximate='none') -> Tensor",
            |_, a| {
                let [x, ap] = bind("gelu", a, ["input", "approximate"], 1)?;
                let ap = match &ap {
                    Some(v) => args::string("gelu", "approximate", v)?.to_string(),
                    None => "none".into(),
                };
                Ok(Value::Tensor(
                    args::tensor("gelu", "input", &x.expect("required"))?
                        .gelu(&ap)
                        .py()?,
                ))
            },
        ),
        (
            "leaky_relu",
            "leaky_relu(input, negative_slope=0.01, inplace=False) -> Tensor",
            |_, a| {
                let [x, s, _] = bind("leaky_relu", a, ["input", "negative_slope", "inplace"], 1)?;
                let s = args::opt_float("leaky_relu", "negative_slope", &s)?.unwrap_or(0.01);
                Ok(Value::Tensor(
                    args::tensor("leaky_relu", "input", &x.expect("required"))?
                        .leaky_relu(s)
                        .py()?,
                ))
            },
        ),
        (
            "softmax",
            "softmax(input, dim=None, dtype=None) -> Tensor",
            |it, a| softmax_fn(it, a, "softmax"),
        ),
        (
            "log_softmax",
            "log_softmax(input, dim=None, dtype=None) -> Tensor",
            |it, a| softmax_fn(it, a, "log_softmax"),
        ),
        (
            "linear",
            "linear(input, weight, bias=None) -> Tensor\n\ninput @ weight.T + bias",
            |_, a| {
                let [x, w, b] = bind("linear", a, ["input", "weight", "bias"], 2)?;
                let x = args::tensor("linear", "input", &x.expect("required"))?;
                let w = args::tensor("linear", "weight", &w.expect("required"))?;
                let b = match b {
                    None | Some(Value::None) => None,
                    Some(b) => Some(args::tensor("linear", "bias", &b)?),
                };
                Ok(Value::Tensor(super::layers::linear(&x, &w, b.as_ref())?))
            },
        ),
    ];
    for (n, d, func) in fns {
        def(&f, n, d, *func);
    }
    super::layers::install_functional(&f);
    register_module(it, "torch.utils", ModuleObj::new("torch.utils", ""));
    let data = register_module(
        it,
        "torch.utils.data",
        ModuleObj::new("torch.utils.data", "Datasets and loaders."),
    );
    data.set(
        "Dataset",
        Value::Class(native_class(
            "Dataset",
            "torch.utils.data",
            ClassKind::Dataset,
            "Dataset: subclass it with __len__ and __getitem__.",
            None,
        )),
    );
    let tt = register_module(
        it,
        "tinytorch",
        ModuleObj::new("tinytorch", "tinytorch's own additions."),
    );
    let _ = tt;
}

fn unary_fn(_: &mut Interp, a: Args, name: &'static str) -> PyResult<Value> {
    let [x, _inplace] = bind(name, a, ["input", "inplace"], 1)?;
    let x = args::tensor(name, "input", &x.expect("required"))?;
    Ok(Value::Tensor(
        match name {
            "relu" => x.relu(),
            "sigmoid" => x.sigmoid(),
            _ => x.tanh(),
        }
        .py()?,
    ))
}

fn softmax_fn(it: &mut Interp, a: Args, name: &'static str) -> PyResult<Value> {
    let [x, d, _stacklevel, dtype] = bind(name, a, ["input", "dim", "_stacklevel", "dtype"], 1)?;
    let x = args::tensor(name, "input", &x.expect("required"))?;
    let mut kw = vec![];
    if let Some(dt) = dtype {
        kw.push((Rc::from("dtype"), dt));
    }
    let dim = d.unwrap_or(Value::Int(-1));
    super::tensor_methods::call(it, &x, name, Args { pos: vec![dim], kw })
}

fn parameter(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [d, rg] = bind("Parameter", a, ["data", "requires_grad"], 0)?;
    let t = match d {
        Some(Value::Tensor(t)) => t.detach(),
        None | Some(Value::None) => {
            tinytorch::Tensor::zeros(&[0], tinytorch::DType::F32, tinytorch::Device::Cpu).py()?
        }
        Some(other) => {
            return Err(type_error(format!(
                "Parameter(): argument 'data' must be Tensor, not {}",
                other.type_name()
            )))
        }
    };
    t.set_parameter(true);
    t.set_requires_grad(args::opt_bool("Parameter", "requires_grad", &rg, true)?)
        .py()?;
    Ok(Value::Tensor(t))
}

/// A fresh module instance of a native class (the containers and layers).
pub fn new_module(class: &Rc<Class>) -> Value {
    let v = Value::Instance(Rc::new(Instance {
        class: class.clone(),
        attrs: RefCell::new(vec![]),
    }));
    init_module(&v);
    v
}

fn class_of(it: &mut Interp, name: &str) -> Rc<Class> {
    match it.import("torch.nn").ok().and_then(|m| {
        if let Value::Module(m) = m {
            m.get(name)
        } else {
            None
        }
    }) {
        Some(Value::Class(c)) => c,
        _ => Class::new(name, vec![], ClassKind::NnModule, "torch.nn"),
    }
}

fn sequential(it: &mut Interp, a: Args) -> PyResult<Value> {
    let c = class_of(it, "Sequential");
    let m = new_module(&c);
    let Value::Instance(i) = &m else {
        unreachable!("new_module makes instances")
    };
    for (k, v) in a.pos.into_iter().enumerate() {
        i.attrs.borrow_mut().push((Rc::from(k.to_string()), v));
    }
    Ok(m)
}

fn module_list(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [ms] = bind("ModuleList", a, ["modules"], 0)?;
    let c = class_of(it, "ModuleList");
    let m = new_module(&c);
    if let Some(ms) = ms {
        let Value::Instance(i) = &m else {
            unreachable!("new_module makes instances")
        };
        for (k, v) in it.collect(&ms)?.into_iter().enumerate() {
            i.attrs.borrow_mut().push((Rc::from(k.to_string()), v));
        }
    }
    Ok(m)
}

pub fn init_module(inst: &Value) {
    if let Value::Instance(i) = inst {
        i.attrs
            .borrow_mut()
            .push((Rc::from("training"), Value::Bool(true)));
    }
}

fn is_module(v: &Value) -> bool {
    matches!(v, Value::Instance(i) if i.class.kind == ClassKind::NnModule)
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::Instance(i) if i.class.kind == ClassKind::NnModule && i.class.module == "torch.nn" && matches!(&*i.class.name, "Sequential" | "ModuleList"))
}

/// Own parameters (in registration order) then each child's, recursively,
/// with dotted names; shared tensors are yielded once, as in PyTorch.
fn named_params(v: &Value, prefix: &str, out: &mut Vec<(String, tinytorch::Tensor)>) {
    let Value::Instance(i) = v else { return };
    let attrs = i.attrs.borrow().clone();
    for (k, x) in &attrs {
        if let Value::Tensor(t) = x {
            if t.is_parameter() && !out.iter().any(|(_, o)| o.id() == t.id()) {
                out.push((format!("{prefix}{k}"), t.clone()));
            }
        }
    }
    for (k, x) in &attrs {
        if is_module(x) {
            named_params(x, &format!("{prefix}{k}."), out);
        }
    }
}

fn children(v: &Value) -> Vec<(Rc<str>, Value)> {
    let Value::Instance(i) = v else { return vec![] };
    i.attrs
        .borrow()
        .iter()
        .filter(|(_, x)| is_module(x))
        .cloned()
        .collect()
}

fn named_modules(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    out.push((prefix.to_string(), v.clone()));
    for (k, c) in children(v) {
        let p = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        named_modules(&c, &p, out);
    }
}

pub fn parameters_of(v: &Value) -> Vec<tinytorch::Tensor> {
    let mut out = Vec::new();
    named_params(v, "", &mut out);
    out.into_iter().map(|(_, t)| t).collect()
}

pub fn module_attr(_: &mut Interp, v: &Value, name: &str) -> PyResult<Option<Value>> {
    if MODULE_METHODS.contains(&name) || name == "__call__" {
        return Ok(Some(Value::BoundNative(Rc::new((
            v.clone(),
            Rc::from(name),
        )))));
    }
    Ok(None)
}

fn set_training(v: &Value, on: bool) {
    let mut all = Vec::new();
    named_modules(v, "", &mut all);
    for (_, m) in all {
        if let Value::Instance(i) = m {
            crate::eval::value::set_attr(&mut i.attrs.borrow_mut(), "training", Value::Bool(on));
        }
    }
}

pub fn module_method(_: &mut Interp, v: &Value, name: &str, _: &Args) -> Option<Method> {
    let _ = v;
    Some(match name {
        "__call__" => |it, v, a| {
            if is_container(v) && matches!(v, Value::Instance(i) if &*i.class.name == "Sequential")
            {
                let mut x = a.pos.into_iter().next().unwrap_or(Value::None);
                for (_, m) in children(v) {
                    x = it.call(&m, Args::new(vec![x]))?;
                }
                return Ok(x);
            }
            it.call_method(v, "forward", a)
        },
        "forward" => |_, v, _| {
            Err(exc(
                "NotImplementedError",
                format!(
                    "Module [{}] is missing the required \"forward\" function",
                    v.type_name()
                ),
            ))
        },
        "parameters" => |_, v, a| {
            let _ = bind("parameters", a, ["recurse"], 0)?;
            let items: Vec<Value> = parameters_of(v).into_iter().map(Value::Tensor).collect();
            Ok(Value::iter(crate::eval::value::Iter::Seq {
                items: Rc::new(items),
                pos: 0,
            }))
        },
        "named_parameters" => |_, v, _| {
            let mut out = Vec::new();
            named_params(v, "", &mut out);
            let items: Vec<Value> = out
                .into_iter()
                .map(|(n, t)| Value::tuple(vec![Value::str(&n), Value::Tensor(t)]))
                .collect();
            Ok(Value::iter(crate::eval::value::Iter::Seq {
                items: Rc::new(items),
                pos: 0,
            }))
        },
        "children" => |_, v, _| {
            let items: Vec<Value> = children(v).into_iter().map(|(_, c)| c).collect();
            Ok(Value::iter(crate::eval::value::Iter::Seq {
                items: Rc::new(items),
                pos: 0,
            }))
        },
        "named_children" => |_, v, _| {
            let items: Vec<Value> = children(v)
                .into_iter()
                .map(|(n, c)| Value::tuple(vec![Value::Str(n), c]))
                .collect();
            Ok(Value::iter(crate::eval::value::Iter::Seq {
                items: Rc::new(items),
                pos: 0,
            }))
        },
        "modules" | "named_modules" => |_, v, _| {
            let mut out = Vec::new();
            named_modules(v, "", &mut out);
            let items: Vec<Value> = out.into_iter().map(|(_, m)| m).collect();
            Ok(Value::iter(crate::eval::value::Iter::Seq {
                items: Rc::new(items),
                pos: 0,
            }))
        },
        "zero_grad" => |_, v, a| {
            let [stn] = bind("zero_grad", a, ["set_to_none"], 0)?;
            let to_none = args::opt_bool("zero_grad", "set_to_none", &stn, true)?;
            for p in parameters_of(v) {
                match (to_none, p.grad()) {
                    (true, _) => p.set_grad(None).py()?,
                    (false, Some(g)) => {
                        let _ng = tinytorch::autograd::no_grad();
                        super::tensor_ext::assign_into(
                            &g,
                            &tinytorch::Tensor::zeros(&[], g.dtype(), g.device()).py()?,
                        )?
                    }
                    _ => {}
                }
            }
            Ok(Value::None)
        },
        "train" => |_, v, a| {
            let [mode] = bind("train", a, ["mode"], 0)?;
            set_training(v, args::opt_bool("train", "mode", &mode, true)?);
            Ok(v.clone())
        },
        "eval" => |_, v, _| {
            set_training(v, false);
            Ok(v.clone())
        },
        "to" | "cpu" | "cuda" | "float" | "double" => |_, v, _| Ok(v.clone()),
        "requires_grad_" => |_, v, a| {
            let [r] = bind("requires_grad_", a, ["requires_grad"], 0)?;
            let on = args::opt_bool("requires_grad_", "requires_grad", &r, true)?;
            for p in parameters_of(v) {
                p.set_requires_grad(on).py()?;
            }
            Ok(v.clone())
        },
        "state_dict" => |_, v, _| {
            let mut out = Vec::new();
            named_params(v, "", &mut out);
            let mut d = Dict::new();
            for (n, t) in out {
                d.insert(
                    Key::Str(Rc::from(n.as_str())),
                    Value::str(&n),
                    Value::Tensor(t.detach()),
                );
            }
            Ok(Value::Dict(Rc::new(RefCell::new(d))))
        },
        "load_state_dict" => |_, v, a| {
            let [sd, _strict] = bind("load_state_dict", a, ["state_dict", "strict"], 1)?;
            let Some(Value::Dict(sd)) = sd else {
                return Err(type_error(
                    "load_state_dict(): argument 'state_dict' must be a dict",
                ));
            };
            let mut out = Vec::new();
            named_params(v, "", &mut out);
            let _g = tinytorch::autograd::no_grad();
            for (n, p) in out {
                match sd.borrow().get(&Key::Str(Rc::from(n.as_str()))) {
                    Some(Value::Tensor(src)) => super::tensor_ext::assign_into(&p, src)?,
                    _ => return Err(exc("RuntimeError", format!("Error(s) in loading state_dict: Missing key(s) in state_dict: \"{n}\"."))),
                }
            }
            Ok(Value::None)
        },
        "add_module" | "register_parameter" | "register_buffer" => |it, v, a| {
            let [n, m, _] = bind("add_module", a, ["name", "module", "persistent"], 2)?;
            let n = n.expect("required");
            let name = args::string("add_module", "name", &n)?.to_string();
            it.set_attr(v, &name, m.expect("required"))?;
            Ok(Value::None)
        },
        "apply" => |it, v, a| {
            let [f] = bind("apply", a, ["fn"], 1)?;
            let f = f.expect("required");
            let mut all = Vec::new();
            named_modules(v, "", &mut all);
            for (_, m) in all.into_iter().rev() {
                it.call(&f, Args::new(vec![m]))?;
            }
            Ok(v.clone())
        },
        _ => return None,
    })
}

/// `model[i]` for `Sequential` and `ModuleList` (negative indices too).
pub fn container_item(v: &Value, i: &Value) -> PyResult<Option<Value>> {
    if !is_container(v) {
        return Ok(None);
    }
    let Value::Int(i) = i else {
        return Err(type_error(format!(
            "indices must be integers, not {}",
            i.type_name()
        )));
    };
    let kids = children(v);
    let n = kids.len() as i64;
    let k = if *i < 0 { i + n } else { *i };
    if k < 0 || k >= n {
        return Err(exc("IndexError", format!("index {i} is out of range")));
    }
    Ok(Some(kids[k as usize].1.clone()))
}

/// Iteration over containers.
pub fn native_iter(it: &mut Interp, v: &Value) -> PyResult<Option<Value>> {
    if let Some(r) = super::data::native_iter(it, v)? {
        return Ok(Some(r));
    }
    if is_container(v) {
        let items: Vec<Value> = children(v).into_iter().map(|(_, c)| c).collect();
        return Ok(Some(Value::iter(crate::eval::value::Iter::Seq {
            items: Rc::new(items),
            pos: 0,
        })));
    }
    Ok(None)
}

pub fn native_len(it: &mut Interp, v: &Value) -> PyResult<Option<i64>> {
    if let Some(n) = super::data::native_len(it, v)? {
        return Ok(Some(n));
    }
    if is_container(v) {
        return Ok(Some(children(v).len() as i64));
    }
    Ok(None)
}

/// PyTorch's module repr: `Name(\n  (child): Child(...)\n)`.
pub fn module_repr(it: &mut Interp, v: &Value) -> PyResult<String> {
    let Value::Instance(i) = v else {
        return Ok(String::new());
    };
    let extra = match i.class.lookup("extra_repr") {
        Some(_) => {
            let r = it.call_method(v, "extra_repr", Args::default())?;
            it.to_str(&r)?
        }
        None => super::layers::extra_repr(it, v)?,
    };
    let kids = children(v);
    if kids.is_empty() {
        return Ok(format!("{}({extra})", i.class.name));
    }
    let mut lines = Vec::new();
    if !extra.is_empty() {
        lines.push(format!("  {extra}"));
    }
    for (k, c) in kids {
        let r = it.repr(&c)?;
        let r = r.replace('\n', "\n  ");
        lines.push(format!("  ({k}): {r}"));
    }
    Ok(format!("{}(\n{}\n)", i.class.name, lines.join("\n")))
}
