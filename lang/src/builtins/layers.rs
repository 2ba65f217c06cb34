//! Layers and losses of `torch.nn` (and their `F.` forms) built from engine
//! ops, with PyTorch's constructor arguments, initialisation (Linear draws
//! kaiming-uniform weights then uniform biases from the default generator,
//! as PyTorch does, so seeded models start identical) and reprs: `Linear`
//! (a 2-D input records one `AddmmBackward0` node), the activation modules,
//! `Flatten`, `Dropout` (the engine's, PyTorch's masks) and the four losses
//! (the engine's `nn::functional` losses). The convolution, pooling,
//! embedding and norm layers are in `spatial`.

use super::args::{self, bind};
use super::{def, func};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{set_attr, Class, ClassKind, ModuleObj, NativeFn, Value};
use crate::eval::Interp;
use std::rc::Rc;
use tinytorch::{DType, Device, Tensor};

pub(super) fn layer(
    nn: &ModuleObj,
    module: &Rc<Class>,
    name: &str,
    doc: &'static str,
    ctor: NativeFn,
    forward: NativeFn,
) {
    let c = Class::new(name, vec![module.clone()], ClassKind::NnModule, "torch.nn");
    c.ctor.set(Some(ctor));
    let mut a = c.attrs.borrow_mut();
    set_attr(&mut a, "__doc__", Value::str(doc));
    set_attr(
        &mut a,
        "forward",
        func("forward", "forward(input) -> Tensor", forward),
    );
    drop(a);
    nn.set(name, Value::Class(c));
}

fn this_class(it: &mut Interp, name: &str) -> PyResult<Rc<Class>> {
    match it.import("torch.nn")? {
        Value::Module(m) => match m.get(name) {
            Some(Value::Class(c)) => Ok(c),
            _ => Err(exc("RuntimeError", format!("torch.nn.{name} missing"))),
        },
        _ => Err(exc("RuntimeError", "torch.nn missing")),
    }
}

pub(super) fn make(it: &mut Interp, name: &str, attrs: Vec<(&str, Value)>) -> PyResult<Value> {
    let c = this_class(it, name)?;
    let m = super::nn::new_module(&c);
    if let Value::Instance(i) = &m {
        let mut a = i.attrs.borrow_mut();
        for (k, v) in attrs {
            a.push((Rc::from(k), v));
        }
    }
    Ok(m)
}

pub(super) fn field(v: &Value, name: &str) -> Value {
    match v {
        Value::Instance(i) => i.get(name).unwrap_or(Value::None),
        _ => Value::None,
    }
}

pub(super) fn input(a: Args, fname: &str) -> PyResult<(Value, Tensor)> {
    let [s, x] = bind(fname, a, ["self", "input"], 2)?;
    let x = args::tensor(fname, "input", &x.expect("required"))?;
    Ok((s.expect("required"), x))
}

pub(super) fn param(t: Tensor) -> PyResult<Value> {
    t.set_parameter(true);
    t.set_requires_grad(true).py()?;
    Ok(Value::Tensor(t))
}

pub fn install(_it: &mut Interp, nn: &ModuleObj, module: &Rc<Class>) {
    super::spatial::install(nn, module);
    layer(nn, module, "Linear", "Linear(in_features, out_features, bias=True)\n\ny = x @ weight.T + bias, weight of shape (out_features, in_features).", |it, a| {
        let [i, o, b, _dev, dt] = bind("Linear", a, ["in_features", "out_features", "bias", "device", "dtype"], 2)?;
        let fan_in = args::int("Linear", "in_features", &i.expect("required"))?;
        let out = args::int("Linear", "out_features", &o.expect("required"))?;
        let dtype = args::opt_dtype("Linear", "dtype", &dt)?.unwrap_or(DType::F32);
        let sz = args::sizes("Linear", &[out, fan_in])?;
        // PyTorch: kaiming_uniform_(w, a=sqrt(5)), then bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        let bound = tinytorch::random::kaiming_uniform_bound(sz[1], 5f64.sqrt());
        let w = Tensor::uniform(&sz, -bound, bound, dtype, Device::Cpu).py()?;
        let bias = if args::opt_bool("Linear", "bias", &b, true)? {
            let bb = if fan_in > 0 { 1.0 / (fan_in as f64).sqrt() } else { 0.0 };
            param(Tensor::uniform(&[sz[0]], -bb, bb, dtype, Device::Cpu).py()?)?
        } else {
            Value::None
        };
        make(it, "Linear", vec![("in_features", Value::Int(fan_in)), ("out_features", Value::Int(out)), ("weight", param(w)?), ("bias", bias)])
    }, |_, a| {
        let (s, x) = input(a, "forward")?;
        let Value::Tensor(w) = field(&s, "weight") else { return Err(type_error("Linear.weight must be a Tensor")) };
        let b = match field(&s, "bias") {
            Value::Tensor(b) => Some(b),
            _ => None,
        };
        Ok(Value::Tensor(linear(&x, &w, b.as_ref())?))
    });
    let acts: &[(&str, &'static str, NativeFn)] = &[
        ("ReLU", "ReLU(inplace=False)", |_, a| {
            Ok(Value::Tensor(input(a, "forward")?.1.relu().py()?))
        }),
        ("Tanh", "Tanh()", |_, a| {
            Ok(Value::Tensor(input(a, "forward")?.1.tanh().py()?))
        }),
        ("Sigmoid", "Sigmoid()", |_, a| {
            Ok(Value::Tensor(input(a, "forward")?.1.sigmoid().py()?))
        }),
        ("SiLU", "SiLU(inplace=False)", |_, a| {
            Ok(Value::Tensor(input(a, "forward")?.1.silu().py()?))
        }),
        ("GELU", "GELU(approximate='none')", |_, a| {
            let (s, x) = input(a, "forward")?;
            let ap = match field(&s, "approximate") {
                Value::Str(s) => s.to_string(),
                _ => "none".into(),
            };
            Ok(Value::Tensor(x.gelu(&ap).py()?))
        }),
        ("Identity", "Identity()", |_, a| {
            Ok(Value::Tensor(input(a, "forward")?.1))
        }),
    ];
    for (name, doc, fwd) in acts {
        layer(
            nn,
            module,
            name,
            doc,
            |it, a| {
                // The class name is not passed to a NativeFn; recover it from the docstring-free ctor table.
                let _ = (it, a);
                Err(exc("RuntimeError", "unreachable"))
            },
            *fwd,
        );
        if let Some(Value::Class(c)) = nn.get(name) {
            c.ctor.set(Some(match *name {
                "ReLU" => |it, a| simple(it, a, "ReLU"),
                "Tanh" => |it, a| simple(it, a, "Tanh"),
                "Sigmoid" => |it, a| simple(it, a, "Sigmoid"),
                "SiLU" => |it, a| simple(it, a, "SiLU"),
                "Identity" => |it, a| simple(it, a, "Identity"),
                _ => |it, a| {
                    let [ap] = bind("GELU", a, ["approximate"], 0)?;
                    make(
                        it,
                        "GELU",
                        vec![("approximate", ap.unwrap_or(Value::str("none")))],
                    )
                },
            }));
        }
    }
    layer(
        nn,
        module,
        "Flatten",
        "Flatten(start_dim=1, end_dim=-1)",
        |it, a| {
            let [s, e] = bind("Flatten", a, ["start_dim", "end_dim"], 0)?;
            make(
                it,
                "Flatten",
                vec![
                    ("start_dim", s.unwrap_or(Value::Int(1))),
                    ("end_dim", e.unwrap_or(Value::Int(-1))),
                ],
            )
        },
        |_, a| {
            let (s, x) = input(a, "forward")?;
            let sd = args::int("Flatten", "start_dim", &field(&s, "start_dim"))?;
            let ed = args::int("Flatten", "end_dim", &field(&s, "end_dim"))?;
            Ok(Value::Tensor(x.flatten(sd, ed).py()?))
        },
    );
    layer(nn, module, "Dropout", "Dropout(p=0.5, inplace=False)\n\nZeroes elements with probability p in training mode, scaling the rest by 1/(1-p).", |it, a| {
        let [p, _] = bind("Dropout", a, ["p", "inplace"], 0)?;
        make(it, "Dropout", vec![("p", p.unwrap_or(Value::Float(0.5)))])
    }, |_, a| {
        let (s, x) = input(a, "forward")?;
        let p = args::float("Dropout", "p", &field(&s, "p"))?;
        let training = matches!(field(&s, "training"), Value::Bool(true));
        Ok(Value::Tensor(dropout(&x, p, training)?))
    });
    for (name, doc) in [
        ("MSELoss", "MSELoss(size_average=None, reduce=None, reduction='mean')\n\nMean squared error: loss(input, target).\n\n>>> nn.MSELoss()(torch.tensor([1., 2.]), torch.tensor([1., 4.]))\ntensor(2.)"),
        ("CrossEntropyLoss", "CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean', label_smoothing=0.0)\n\nlog_softmax over dim 1, then the negative log-likelihood of the target classes (or class probabilities)."),
        ("NLLLoss", "NLLLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean')\n\nNegative log-likelihood of the target classes, given log-probabilities."),
        ("BCEWithLogitsLoss", "BCEWithLogitsLoss(weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None)\n\nBinary cross-entropy on logits (a numerically stable sigmoid + BCE)."),
    ] {
        layer(nn, module, name, doc, |_, _| Err(exc("RuntimeError", "unreachable")), |_, _| Err(exc("RuntimeError", "unreachable")));
        if let Some(Value::Class(c)) = nn.get(name) {
            let (ctor, fwd): (NativeFn, NativeFn) = match name {
                "MSELoss" => (|it, a| loss_ctor(it, a, "MSELoss", "mse_loss"), |it, a| loss_fwd(it, a, "mse_loss")),
                "CrossEntropyLoss" => (|it, a| loss_ctor(it, a, "CrossEntropyLoss", "cross_entropy"), |it, a| loss_fwd(it, a, "cross_entropy")),
                "NLLLoss" => (|it, a| loss_ctor(it, a, "NLLLoss", "nll_loss"), |it, a| loss_fwd(it, a, "nll_loss")),
                _ => (|it, a| loss_ctor(it, a, "BCEWithLogitsLoss", "binary_cross_entropy_with_logits"), |it, a| loss_fwd(it, a, "binary_cross_entropy_with_logits")),
            };
            c.ctor.set(Some(ctor));
            set_attr(&mut c.attrs.borrow_mut(), "forward", func("forward", "forward(input, target) -> Tensor", fwd));
        }
    }
}

fn simple(it: &mut Interp, a: Args, name: &str) -> PyResult<Value> {
    let _ = bind(name, a, ["inplace"], 0)?;
    make(it, name, vec![])
}

/// The engine's dropout: `x * bernoulli(1 - p) / (1 - p)` drawn as PyTorch
/// draws it on the CPU, so a seeded mask equals PyTorch's.
fn dropout(x: &Tensor, p: f64, training: bool) -> PyResult<Tensor> {
    tinytorch::nn::functional::dropout(x, p, training).map_err(|e| exc("ValueError", e.to_string()))
}

/// `F.linear` / `nn.Linear`: `x @ weight.T + bias`. A 2-D input with a
/// bias is one addmm node, as PyTorch records it:
/// `AddmmBackward0(bias, input, TBackward0(weight))`.
pub fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> PyResult<Tensor> {
    use tinytorch::autograd::{record, with_no_grad, SavedTensor};
    let wt = w.t().py()?;
    let Some(b) = b.filter(|b| x.dim() == 2 && b.dim() == 1) else {
        let y = x.matmul(&wt).py()?;
        return match b {
            Some(b) => y.add(b).py(),
            None => Ok(y),
        };
    };
    let out = with_no_grad(|| x.matmul(&wt)?.add(b)).py()?;
    let (m1, m2) = (SavedTensor::new("mat1", x), SavedTensor::new("mat2", &wt));
    let saved = vec![m1.clone(), m2.clone()];
    let bias_shape = b.shape().to_vec();
    // out = bias + mat1 @ mat2: d bias = grad summed over rows (broadcast),
    // d mat1 = grad @ mat2^T, d mat2 = mat1^T @ grad.
    Ok(record(
        out,
        "AddmmBackward0",
        &[b, x, &wt],
        saved,
        move |g, need| {
            let gb = if need[0] {
                Some(
                    g.sum_dims(&[0], false)?
                        .reshape(&bias_shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?,
                )
            } else {
                None
            };
            let gx = if need[1] {
                Some(g.matmul(&m2.get("AddmmBackward0")?.t()?)?)
            } else {
                None
            };
            let gw = if need[2] {
                Some(m1.get("AddmmBackward0")?.t()?.matmul(g)?)
            } else {
                None
            };
            Ok(vec![gb, gx, gw])
        },
    ))
}

/// The keyword arguments of each loss (module and functional form), in
/// PyTorch's positional order after `input, target`.
fn loss_params(f: &str) -> &'static [&'static str] {
    match f {
        "mse_loss" => &["size_average", "reduce", "reduction"],
        "nll_loss" => &[
            "weight",
            "size_average",
            "ignore_index",
            "reduce",
            "reduction",
        ],
        "cross_entropy" => &[
            "weight",
            "size_average",
            "ignore_index",
            "reduce",
            "reduction",
            "label_smoothing",
        ],
        _ => &[
            "weight",
            "size_average",
            "reduce",
            "reduction",
            "pos_weight",
        ],
    }
}

/// `nn.MSELoss(...)` & co: the options are kept as attributes.
fn loss_ctor(it: &mut Interp, a: Args, name: &str, f: &str) -> PyResult<Value> {
    let names = loss_params(f);
    if a.pos.len() > names.len() {
        return Err(type_error(format!(
            "{name}.__init__() takes from 1 to {} positional arguments but {} were given",
            names.len() + 1,
            a.pos.len() + 1
        )));
    }
    let mut attrs: Vec<(&str, Value)> = names
        .iter()
        .map(|n| {
            (
                *n,
                match *n {
                    "reduction" => Value::str("mean"),
                    "ignore_index" => Value::Int(-100),
                    "label_smoothing" => Value::Float(0.0),
                    _ => Value::None,
                },
            )
        })
        .collect();
    for (i, v) in a.pos.into_iter().enumerate() {
        attrs[i].1 = v;
    }
    for (k, v) in a.kw {
        match attrs.iter_mut().find(|(n, _)| **n == *k) {
            Some(slot) => slot.1 = v,
            None => {
                return Err(type_error(format!(
                    "{name}.__init__() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    // Checked now, as PyTorch does when the loss is called.
    let r = field_of(&attrs, "reduction");
    tinytorch::nn::functional::Reduction::from_name(args::string(name, "reduction", &r)?)
        .map_err(|e| exc("ValueError", e.to_string()))?;
    attrs.retain(|(n, _)| !matches!(*n, "size_average" | "reduce"));
    make(it, name, attrs)
}

fn field_of(attrs: &[(&str, Value)], n: &str) -> Value {
    attrs
        .iter()
        .find(|(k, _)| *k == n)
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::None)
}

fn loss_fwd(it: &mut Interp, a: Args, f: &str) -> PyResult<Value> {
    let [s, x, y] = bind("forward", a, ["self", "input", "target"], 3)?;
    let s = s.expect("required");
    let kw = loss_params(f)
        .iter()
        .filter(|n| !matches!(**n, "size_average" | "reduce"))
        .map(|n| (Rc::from(*n), field(&s, n)))
        .collect();
    functional_loss(
        it,
        f,
        Args {
            pos: vec![x.expect("required"), y.expect("required")],
            kw,
        },
    )
}

fn opt_tensor(f: &str, param: &str, v: &Option<Value>) -> PyResult<Option<Tensor>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(t) => args::tensor(f, param, t).map(Some),
    }
}

/// `F.mse_loss`, `F.cross_entropy`, `F.nll_loss`,
/// `F.binary_cross_entropy_with_logits`: the engine's losses (one
/// `NllLossBackward0` node, PyTorch's grad_fn names), with PyTorch's
/// arguments.
pub fn functional_loss(_it: &mut Interp, f: &str, a: Args) -> PyResult<Value> {
    use tinytorch::nn::functional as nf;
    let names = loss_params(f);
    let mut pos = a.pos.into_iter();
    let x = pos.next();
    let y = pos.next();
    let rest = Args {
        pos: pos.collect(),
        kw: a.kw,
    };
    let mut all = vec!["input", "target"];
    all.extend_from_slice(names);
    // Bind the remaining arguments by name (positional after target).
    let mut slots: Vec<Option<Value>> = vec![x, y];
    slots.resize(all.len(), None);
    if rest.pos.len() > names.len() {
        return Err(type_error(format!(
            "{f}() takes from 2 to {} positional arguments but {} were given",
            all.len(),
            rest.pos.len() + 2
        )));
    }
    for (i, v) in rest.pos.into_iter().enumerate() {
        slots[i + 2] = Some(v);
    }
    for (k, v) in rest.kw {
        match all.iter().position(|n| **n == *k) {
            Some(i) if slots[i].is_none() => slots[i] = Some(v),
            Some(_) => {
                return Err(type_error(format!(
                    "{f}() got multiple values for argument '{k}'"
                )))
            }
            None => {
                return Err(type_error(format!(
                    "{f}() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let get = |n: &str| slots[all.iter().position(|x| *x == n).unwrap_or(0)].clone();
    let Some(x) = slots[0].clone() else {
        return Err(type_error(format!(
            "{f}() missing required argument 'input' (pos 1)"
        )));
    };
    let Some(y) = slots[1].clone() else {
        return Err(type_error(format!(
            "{f}() missing required argument 'target' (pos 2)"
        )));
    };
    let x = args::tensor(f, "input", &x)?;
    let y = args::tensor(f, "target", &y)?;
    let reduction = match get("reduction") {
        None | Some(Value::None) => "mean".to_string(),
        Some(v) => args::string(f, "reduction", &v)?.to_string(),
    };
    let reduction =
        nf::Reduction::from_name(&reduction).map_err(|e| exc("ValueError", e.to_string()))?;
    let weight = if names.contains(&"weight") {
        opt_tensor(f, "weight", &get("weight"))?
    } else {
        None
    };
    let out = match f {
        "mse_loss" => nf::mse_loss(&x, &y, reduction).py()?,
        "binary_cross_entropy_with_logits" => {
            let pw = opt_tensor(f, "pos_weight", &get("pos_weight"))?;
            nf::binary_cross_entropy_with_logits(&x, &y, weight.as_ref(), pw.as_ref(), reduction)
                .py()?
        }
        _ => {
            let mut o = nf::LossOptions::new();
            o.weight = weight;
            o.reduction = reduction;
            if let Some(v) = get("ignore_index") {
                if !matches!(v, Value::None) {
                    o.ignore_index = args::int(f, "ignore_index", &v)?;
                }
            }
            if f == "cross_entropy" {
                if let Some(v) = get("label_smoothing") {
                    if !matches!(v, Value::None) {
                        o.label_smoothing = args::float(f, "label_smoothing", &v)?;
                    }
                }
                nf::cross_entropy(&x, &y, &o).py()?
            } else {
                nf::nll_loss(&x, &y, &o).py()?
            }
        }
    };
    Ok(Value::Tensor(out))
}

pub fn install_functional(f: &ModuleObj) {
    super::spatial::install_functional(f);
    def(
        f,
        "mse_loss",
        "mse_loss(input, target, size_average=None, reduce=None, reduction='mean') -> Tensor",
        |it, a| functional_loss(it, "mse_loss", a),
    );
    def(f, "cross_entropy", "cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean', label_smoothing=0.0) -> Tensor", |it, a| functional_loss(it, "cross_entropy", a));
    def(
        f,
        "nll_loss",
        "nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean') -> Tensor",
        |it, a| functional_loss(it, "nll_loss", a),
    );
    def(
        f,
        "binary_cross_entropy_with_logits",
        "binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None) -> Tensor",
        |it, a| functional_loss(it, "binary_cross_entropy_with_logits", a),
    );
    def(
        f,
        "dropout",
        "dropout(input, p=0.5, training=True, inplace=False) -> Tensor",
        |_, a| {
            let [x, p, tr, _] = bind("dropout", a, ["input", "p", "training", "inplace"], 1)?;
            let x = args::tensor("dropout", "input", &x.expect("required"))?;
            let p = args::opt_float("dropout", "p", &p)?.unwrap_or(0.5);
            Ok(Value::Tensor(dropout(
                &x,
                p,
                args::opt_bool("dropout", "training", &tr, true)?,
            )?))
        },
    );
}

/// The text inside `Linear(...)` in a module repr.
pub fn extra_repr(it: &mut Interp, v: &Value) -> PyResult<String> {
    let Value::Instance(i) = v else {
        return Ok(String::new());
    };
    if i.class.module != "torch.nn" {
        return Ok(String::new());
    }
    if let Some(s) = super::spatial::extra_repr(it, &i.class.name, v)? {
        return Ok(s);
    }
    Ok(match &*i.class.name {
        "Linear" => format!(
            "in_features={}, out_features={}, bias={}",
            it.repr(&field(v, "in_features"))?,
            it.repr(&field(v, "out_features"))?,
            if matches!(field(v, "bias"), Value::None) {
                "False"
            } else {
                "True"
            }
        ),
        "Flatten" => format!(
            "start_dim={}, end_dim={}",
            it.repr(&field(v, "start_dim"))?,
            it.repr(&field(v, "end_dim"))?
        ),
        "Dropout" => format!("p={}, inplace=False", it.repr(&field(v, "p"))?),
        "GELU" => format!("approximate={}", it.repr(&field(v, "approximate"))?),
        _ => String::new(),
    })
}
