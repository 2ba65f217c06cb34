//! `torch.nn`: the `Module` base class ([`module`]), the engine's layers
//! ([`layers`]), the containers, the losses, `functional`, `init` and
//! `utils`, and `nn.Parameter`.

pub mod containers;
pub mod functional;
pub mod init;
pub mod layers;
pub mod loss;
pub mod module;

use crate::bind::{into_class, into_module, row, Bound, Def, Row, Style};
use crate::eval::error::PyResult;
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::torch::tensor::value;
use crate::library::EngineResult;
use std::rc::Rc;
use tinytorch::Tensor;

const PARAMETER: Row = row(
    "Parameter(Tensor? data=None, bool requires_grad=True)",
    "A tensor that a Module registers as a parameter (a leaf requiring grad, sharing data's storage).",
    parameter,
);

fn parameter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = match b.opt_tensor(0)? {
        Some(t) => t.detach(),
        None => Tensor::zeros_on(&[0], tinytorch::DType::F32, tinytorch::Device::Cpu).py()?,
    };
    t.set_parameter(true);
    t.set_requires_grad(b.bool(1)?).py()?;
    Ok(value(t))
}

/// A class of `torch.nn` deriving from `nn.Module`, with its rows.
fn subclass(name: &str, base: &Rc<Class>, doc: &str, rows: &[Row]) -> Rc<Class> {
    let c = super::class(name, "torch.nn.modules", &[base], doc);
    into_class(&c, rows, Style::Torch);
    c
}

pub fn install(it: &mut Interp) {
    let nn = super::module(it, "torch.nn", "Neural-network building blocks.");
    let module = super::class(
        "Module",
        "torch.nn.modules.module",
        &[&it.types.object],
        "nn.Module: the base class of models.\n\nSubclass it, assign layers and nn.Parameter tensors to self in __init__ (after super().__init__()), and define forward; model(x) runs forward.",
    );
    into_class(&module, module::METHODS, Style::Python);
    nn.set("Module", Value::Class(module.clone()));
    // nn.Parameter: the subclass of torch.Tensor that parameters report.
    let p = super::torch::tensor::parameter_class();
    *p.new.borrow_mut() = Some(Def::from_row("torch.nn", &PARAMETER, Style::Torch).value());
    nn.set("Parameter", Value::Class(p));
    for (name, init) in layers::LAYERS {
        let c = subclass(name, &module, init.doc, &[]);
        c.set("__init__", Def::from_row(name, init, Style::Torch).value());
        c.set(
            "forward",
            Def::from_row(name, &layers::FORWARD, Style::Torch).value(),
        );
        nn.set(name, Value::Class(c));
    }
    for (name, doc, init) in layers::activations() {
        let c = subclass(name, &module, doc, &[]);
        c.set("__init__", init.value());
        c.set(
            "forward",
            Def::from_row(name, &layers::FORWARD, Style::Torch).value(),
        );
        nn.set(name, Value::Class(c));
    }
    for (name, rows) in [
        ("Sequential", containers::SEQUENTIAL),
        ("ModuleList", containers::MODULE_LIST),
        ("ModuleDict", containers::MODULE_DICT),
    ] {
        let c = subclass(name, &module, rows[0].doc, rows);
        nn.set(name, Value::Class(c));
    }
    for (name, init, fwd) in loss::MODULES {
        let c = subclass(name, &module, init.doc, &[]);
        c.set("__init__", Def::from_row(name, init, Style::Torch).value());
        c.set("forward", Def::from_row(name, fwd, Style::Torch).value());
        nn.set(name, Value::Class(c));
    }
    let f = super::module(
        it,
        "torch.nn.functional",
        "Functional forms of the layers and losses.",
    );
    into_module(
        &f,
        "torch.nn.functional",
        functional::FUNCTIONS,
        Style::Torch,
    );
    into_module(&f, "torch.nn.functional", loss::FUNCTIONS, Style::Torch);
    super::torch::pointwise::table::install_functional(&f);
    let i = super::module(it, "torch.nn.init", "In-place parameter initialisation.");
    into_module(&i, "torch.nn.init", init::INIT, Style::Torch);
    let u = super::module(it, "torch.nn.utils", "Gradient clipping.");
    into_module(&u, "torch.nn.utils", init::UTILS, Style::Torch);
}
