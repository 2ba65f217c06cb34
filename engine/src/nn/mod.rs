//! `torch.nn`: the [`Module`] abstraction, built-in layers, initialisation
//! and the functional forms of every layer and loss.
//!
//! A module is anything that can show its own parameters and its child
//! modules to a visitor: built-in layers are plain Rust structs
//! implementing [`Module`]; the language layer implements it for user
//! classes subclassing `nn.Module` (the visitor form lets it lend out
//! attributes that live behind its own interior mutability). Everything
//! recursive (`parameters`, `named_parameters` with PyTorch's dotted names,
//! `zero_grad`, `train`/`eval`, `state_dict`/`load_state_dict`, `to`) is
//! written once in [`ModuleExt`], on top of the visitors.

mod clip_grad;
pub mod functional;
pub mod init;
mod layers;
mod loss;
pub(crate) use layers::py_float;
pub(crate) mod state;

pub use layers::{
    Conv2d, Conv2dOptions, Dropout, Embedding, Flatten, LayerNorm, Linear, MaxPool2d, ModuleList,
    RMSNorm, ReLU, Sequential, SiLU, Sigmoid, Tanh, GELU,
};
pub use loss::{BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss};
pub use state::{load_named, IncompatibleKeys, StateDict};

/// `torch.nn.utils`.
pub mod utils {
    pub use super::clip_grad::{clip_grad_norm_, clip_grad_norm_with};
}

use crate::{Device, Error, Result, Tensor};

/// `torch.nn.Module`, seen from Rust.
pub trait Module {
    /// The class name (`"Linear"`), used in messages and `repr`.
    fn type_name(&self) -> String;

    /// `forward(input)`. Modules whose forward takes something else (the
    /// language layer's classes) may return an error here.
    fn forward(&self, input: &Tensor) -> Result<Tensor>;

    /// Shows each directly registered parameter, in registration order.
    fn visit_parameters(&self, _f: &mut dyn FnMut(&str, &Tensor)) {}

    /// Lends each directly registered parameter mutably (for `to(device)`).
    fn visit_parameters_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Tensor)) {}

    /// Shows each direct child module, in registration order.
    fn visit_children(&self, _f: &mut dyn FnMut(&str, &dyn Module)) {}

    /// Lends each direct child module mutably.
    fn visit_children_mut(&mut self, _f: &mut dyn FnMut(&str, &mut dyn Module)) {}

    /// This module's own `training` flag.
    fn training(&self) -> bool;

    /// Sets this module's own flag (children are handled by [`ModuleExt::train`]).
    fn set_training(&mut self, on: bool);

    /// The text inside the parentheses of `repr` (`in_features=4, ...`).
    fn extra_repr(&self) -> String {
        String::new()
    }
}

/// The recursive `nn.Module` methods, for every [`Module`] (trait objects included).
pub trait ModuleExt: Module {
    /// `named_parameters()`: dotted names (`fc1.weight`, `0.bias`), depth first,
    /// each parameter once even if shared.
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        collect_params(self.as_dyn(), "", &mut out, &mut seen);
        out
    }

    /// `parameters()`.
    fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    /// `named_modules()`: `("", self)` first, then every descendant.
    fn named_module_names(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        fn walk(m: &dyn Module, prefix: &str, out: &mut Vec<(String, String)>) {
            out.push((prefix.to_string(), m.type_name()));
            m.visit_children(&mut |name, c| walk(c, &join(prefix, name), out));
        }
        walk(self.as_dyn(), "", &mut out);
        out
    }

    /// `zero_grad()`: sets every parameter's `.grad` to `None` (PyTorch 2's default).
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.meta().grad = None;
        }
    }

    /// `train(mode)`: sets the flag on this module and every descendant.
    fn train(&mut self, on: bool) {
        fn walk(m: &mut dyn Module, on: bool) {
            m.set_training(on);
            m.visit_children_mut(&mut |_, c| walk(c, on));
        }
        walk(self.as_dyn_mut(), on);
    }

    /// `eval()` = `train(false)`.
    fn eval(&mut self) {
        self.train(false);
    }

    /// `state_dict()`: detached parameters under their dotted names (sharing storage).
    fn state_dict(&self) -> StateDict {
        let mut sd = StateDict::new();
        for (k, p) in self.named_parameters() {
            sd.insert(k, p.detach());
        }
        sd
    }

    /// `load_state_dict(sd, strict)`: copies values into the parameters in
    /// place. Errors name mis-shaped keys (and, strict, missing and
    /// unexpected ones) as PyTorch does; a non-strict load returns the
    /// missing and unexpected keys. Nothing is written unless every key fits.
    fn load_state_dict(&self, sd: &StateDict, strict: bool) -> Result<IncompatibleKeys> {
        state::load(self.as_dyn(), sd, strict)
    }

    /// `to(device)`: moves every parameter, keeping names, `requires_grad` and grads.
    fn to_device(&mut self, device: Device) -> Result<()> {
        let mut err: Option<Error> = None;
        fn walk(m: &mut dyn Module, device: Device, err: &mut Option<Error>) {
            m.visit_parameters_mut(&mut |_, p| {
                if err.is_some() || p.device() == device {
                    return;
                }
                match move_param(p, device) {
                    Ok(t) => *p = t,
                    Err(e) => *err = Some(e),
                }
            });
            m.visit_children_mut(&mut |_, c| walk(c, device, err));
        }
        walk(self.as_dyn_mut(), device, &mut err);
        err.map_or(Ok(()), Err)
    }

    /// Total number of parameter elements.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.numel()).sum()
    }

    /// PyTorch's `repr(module)`.
    fn repr(&self) -> String {
        repr(self.as_dyn())
    }

    #[doc(hidden)]
    fn as_dyn(&self) -> &dyn Module;
    #[doc(hidden)]
    fn as_dyn_mut(&mut self) -> &mut dyn Module;
}

impl<M: Module> ModuleExt for M {
    fn as_dyn(&self) -> &dyn Module {
        self
    }
    fn as_dyn_mut(&mut self) -> &mut dyn Module {
        self
    }
}

impl ModuleExt for dyn Module + '_ {
    fn as_dyn(&self) -> &dyn Module {
        self
    }
    fn as_dyn_mut(&mut self) -> &mut dyn Module {
        self
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn collect_params(
    m: &dyn Module,
    prefix: &str,
    out: &mut Vec<(String, Tensor)>,
    seen: &mut std::collections::HashSet<u64>,
) {
    m.visit_parameters(&mut |name, p| {
        if seen.insert(p.id()) {
            out.push((join(prefix, name), p.clone()));
        }
    });
    m.visit_children(&mut |name, c| collect_params(c, &join(prefix, name), out, seen));
}

/// A parameter tensor: a leaf requiring grad, flagged as `nn.Parameter`.
pub fn parameter(t: Tensor) -> Result<Tensor> {
    let p = t.detach();
    p.set_requires_grad(true)?;
    p.set_parameter(true);
    Ok(p)
}

fn move_param(p: &Tensor, device: Device) -> Result<Tensor> {
    let moved = crate::autograd::with_no_grad(|| p.to_device(device))?;
    let np = Tensor::from_storage(moved.storage().clone(), moved.layout().clone());
    np.set_requires_grad(p.requires_grad())?;
    np.set_parameter(p.is_parameter());
    if let Some(g) = p.grad() {
        np.set_grad(Some(g.to_device(device)?))?;
    }
    Ok(np)
}

fn repr(m: &dyn Module) -> String {
    let mut kids = Vec::new();
    m.visit_children(&mut |name, c| kids.push((name.to_string(), repr(c))));
    let mut s = format!("{}({}", m.type_name(), m.extra_repr());
    if !kids.is_empty() {
        s.push('\n');
        for (name, r) in kids {
            let r = r.replace('\n', "\n  ");
            s.push_str(&format!("  ({name}): {r}\n"));
        }
    }
    s.push(')');
    s
}
