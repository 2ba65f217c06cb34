//! Layers and losses of `torch.nn` (and their `F.` forms) built from engine
//! ops, with PyTorch's constructor arguments, initialisation (Linear draws
//! kaiming-uniform weights then uniform biases from the default generator,
//! as PyTorch does, so seeded models start identical) and reprs.

use super::args::{self, bind};
use super::{def, func};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{set_attr, Class, ClassKind, ModuleObj, NativeFn, Value};
use crate::eval::Interp;
use std::rc::Rc;
use tinytorch::{DType, Device, Tensor};

fn layer(
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

fn make(it: &mut Interp, name: &str, attrs: Vec<(&str, Value)>) -> PyResult<Value> {
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

fn field(v: &Value, name: &str) -> Value {
    match v {
        Value::Instance(i) => i.get(name).unwrap_or(Value::None),
        _ => Value::None,
    }
}

fn input(a: Args, fname: &str) -> PyResult<(Value, Tensor)> {
    let [s, x] = bind(fname, a, ["self", "input"], 2)?;
    let x = args::tensor(fname, "input", &x.expect("required"))?;
    Ok((s.expect("required"), x))
}

fn param(t: Tensor) -> PyResult<Value> {
    t.set_parameter(true);
    t.set_requires_grad(true).py()?;
    Ok(Value::Tensor(t))
}

pub fn install(_it: &mut Interp, nn: &ModuleObj, module: &Rc<Class>) {
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
        let mut y = x.matmul(&w.t().py()?).py()?;
        if let Value::Tensor(b) = field(&s, "bias") {
            y = y.add(&b).py()?;
        }
        Ok(Value::Tensor(y))
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
        ("MSELoss", "MSELoss(reduction='mean')\n\nMean squared error."),
        ("CrossEntropyLoss", "CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)"),
        ("NLLLoss", "NLLLoss(weight=None, ignore_index=-100, reduction='mean')"),
        ("BCEWithLogitsLoss", "BCEWithLogitsLoss(weight=None, reduction='mean')"),
    ] {
        layer(nn, module, name, doc, |_, _| Err(exc("RuntimeError", "unreachable")), |_, _| Err(exc("RuntimeError", "unreachable")));
        if let Some(Value::Class(c)) = nn.get(name) {
            let (ctor, fwd): (NativeFn, NativeFn) = match name {
                "MSELoss" => (|it, a| loss_ctor(it, a, "MSELoss"), |it, a| loss_fwd(it, a, "mse_loss")),
                "CrossEntropyLoss" => (|it, a| loss_ctor(it, a, "CrossEntropyLoss"), |it, a| loss_fwd(it, a, "cross_entropy")),
                "NLLLoss" => (|it, a| loss_ctor(it, a, "NLLLoss"), |it, a| loss_fwd(it, a, "nll_loss")),
                _ => (|it, a| loss_ctor(it, a, "BCEWithLogitsLoss"), |it, a| loss_fwd(it, a, "binary_cross_entropy_with_logits")),
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

fn dropout(x: &Tensor, p: f64, training: bool) -> PyResult<Tensor> {
    if !(0.0..=1.0).contains(&p) {
        return Err(exc(
            "ValueError",
            format!("dropout probability has to be between 0 and 1, but got {p}"),
        ));
    }
    if !training || p == 0.0 {
        return Ok(x.clone());
    }
    let keep = Tensor::rand(x.shape(), DType::F32, Device::Cpu)
        .py()?
        .ge_scalar(p)
        .py()?;
    let scale = if p < 1.0 { 1.0 / (1.0 - p) } else { 0.0 };
    x.mul(&keep.to_dtype(x.dtype()).py()?)
        .py()?
        .mul_scalar(scale)
        .py()
}

fn loss_ctor(it: &mut Interp, a: Args, name: &str) -> PyResult<Value> {
    let [w, _size_avg, ignore, _reduce, reduction, ls] = bind(
        name,
        a,
        [
            "weight",
            "size_average",
            "ignore_index",
            "reduce",
            "reduction",
            "label_smoothing",
        ],
        0,
    )?;
    let _ = w;
    make(
        it,
        name,
        vec![
            ("reduction", reduction.unwrap_or(Value::str("mean"))),
            ("ignore_index", ignore.unwrap_or(Value::Int(-100))),
            ("label_smoothing", ls.unwrap_or(Value::Float(0.0))),
        ],
    )
}

fn loss_fwd(it: &mut Interp, a: Args, f: &str) -> PyResult<Value> {
    let [s, x, y] = bind("forward", a, ["self", "input", "target"], 3)?;
    let s = s.expect("required");
    let mut kw = vec![(Rc::from("reduction"), field(&s, "reduction"))];
    if f == "cross_entropy" || f == "nll_loss" {
        kw.push((Rc::from("ignore_index"), field(&s, "ignore_index")));
    }
    if f == "cross_entropy" {
        kw.push((Rc::from("label_smoothing"), field(&s, "label_smoothing")));
    }
    functional_loss(
        it,
        f,
        Args {
            pos: vec![x.expect("required"), y.expect("required")],
            kw,
        },
    )
}

fn reduce(t: Tensor, reduction: &str, count: Option<Tensor>) -> PyResult<Tensor> {
    match reduction {
        "mean" => match count {
            Some(c) => t.sum().and_then(|s| s.div(&c)).py(),
            None => t.mean().py(),
        },
        "sum" => t.sum().py(),
        "none" => Ok(t),
        other => Err(exc(
            "ValueError",
            format!("{other} is not a valid value for reduction"),
        )),
    }
}

/// `F.mse_loss`, `F.cross_entropy`, `F.nll_loss`, `F.binary_cross_entropy_with_logits`.
pub fn functional_loss(it: &mut Interp, f: &str, a: Args) -> PyResult<Value> {
    let [x, y, _w, _sa, ignore, _r, reduction, ls] = bind(
        f,
        a,
        [
            "input",
            "target",
            "weight",
            "size_average",
            "ignore_index",
            "reduce",
            "reduction",
            "label_smoothing",
        ],
        2,
    )?;
    let x = args::tensor(f, "input", &x.expect("required"))?;
    let y = args::tensor(f, "target", &y.expect("required"))?;
    let reduction = match &reduction {
        Some(v) => args::string(f, "reduction", v)?.to_string(),
        None => "mean".into(),
    };
    let ignore = args::opt_int(f, "ignore_index", &ignore)?.unwrap_or(-100);
    let ls = args::opt_float(f, "label_smoothing", &ls)?.unwrap_or(0.0);
    let _ = it;
    let out = match f {
        "mse_loss" => {
            if x.shape() != y.shape() && reduction != "none" {
                // PyTorch broadcasts with a warning; so do we (without the warning).
            }
            reduce(x.sub(&y).py()?.square().py()?, &reduction, None)?
        }
        "binary_cross_entropy_with_logits" => {
            // max(x, 0) - x*y + log(1 + exp(-|x|))
            let l = x
                .relu()
                .py()?
                .sub(&x.mul(&y).py()?)
                .py()?
                .add(&x.abs().py()?.neg().py()?.exp().py()?.log1p().py()?)
                .py()?;
            reduce(l, &reduction, None)?
        }
        _ => {
            let logp = if f == "cross_entropy" {
                super::tensor_methods::softmax(&x, 1, true).py()?
            } else {
                x.clone()
            };
            if y.dtype().is_float() {
                // Class probabilities as target.
                let l = logp.mul(&y).py()?.sum_dims(&[1], false).py()?.neg().py()?;
                return Ok(Value::Tensor(reduce(l, &reduction, None)?));
            }
            let n_classes = x.shape().get(1).copied().unwrap_or(0) as i64;
            let yv = y.to_vec_i64().py()?;
            for &c in &yv {
                if c != ignore && (c < 0 || c >= n_classes) {
                    return Err(exc("IndexError", format!("Target {c} is out of bounds.")));
                }
            }
            let valid: Vec<bool> = yv.iter().map(|&c| c != ignore).collect();
            let safe: Vec<i64> = yv
                .iter()
                .map(|&c| if c == ignore { 0 } else { c })
                .collect();
            let idx = Tensor::from_vec(safe, y.shape()).py()?.unsqueeze(1).py()?;
            let picked = logp.gather(1, &idx).py()?.squeeze_dim(1).py()?.neg().py()?;
            let mask = Tensor::from_vec(valid.clone(), y.shape()).py()?;
            let mut l = picked.masked_fill(&mask.logical_not().py()?, 0.0).py()?;
            if ls > 0.0 && f == "cross_entropy" {
                let smooth = logp
                    .mean_dims(&[1], false)
                    .py()?
                    .neg()
                    .py()?
                    .masked_fill(&mask.logical_not().py()?, 0.0)
                    .py()?;
                l = l
                    .mul_scalar(1.0 - ls)
                    .py()?
                    .add(&smooth.mul_scalar(ls).py()?)
                    .py()?;
            }
            let count = valid.iter().filter(|&&b| b).count() as f64;
            let c = Tensor::scalar_tensor(count, l.dtype(), Device::Cpu).py()?;
            reduce(l, &reduction, Some(c))?
        }
    };
    Ok(Value::Tensor(out))
}

pub fn install_functional(f: &ModuleObj) {
    def(
        f,
        "mse_loss",
        "mse_loss(input, target, reduction='mean') -> Tensor",
        |it, a| functional_loss(it, "mse_loss", a),
    );
    def(f, "cross_entropy", "cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0) -> Tensor", |it, a| functional_loss(it, "cross_entropy", a));
    def(
        f,
        "nll_loss",
        "nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean') -> Tensor",
        |it, a| functional_loss(it, "nll_loss", a),
    );
    def(
        f,
        "binary_cross_entropy_with_logits",
        "binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean') -> Tensor",
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
