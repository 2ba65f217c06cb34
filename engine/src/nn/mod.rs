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
    Activation, AdaptiveAvgPool2d, AvgPool2d, BatchNorm, BatchNormOptions, Conv2d, Conv2dOptions,
    Dropout, Embedding, Flatten, LayerNorm, LazyLinear, Linear, MaxPool2d, ModuleList, RMSNorm,
    ReLU, Sequential, SiLU, Sigmoid, Tanh, GELU,
};
pub use loss::{BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss};
pub use state::{load_named, IncompatibleKeys, StateDict};

/// `torch.nn.utils`.
pub mod utils {
    pub use super::clip_grad::{clip_grad_norm_, clip_grad_norm_with};
}

use crate::{DType, Device, Error, Result, Tensor};

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

    /// Shows each directly registered buffer (running statistics, masks),
    /// in registration order, and whether it is persistent (in `state_dict`).
    fn visit_buffers(&self, _f: &mut dyn FnMut(&str, &Tensor, bool)) {}

    /// Lends each directly registered buffer mutably (for `to(device)`).
    fn visit_buffers_mut(&mut self, _f: &mut dyn FnMut(&str, &mut Tensor)) {}

    /// Identity of a module that can be shared (reached from two parents,
    /// or from itself), so that walks visit it once, as PyTorch's memo
    /// does. Owned Rust structs cannot be shared and return None; the
    /// language's modules (behind `Rc`) return their address.
    fn module_id(&self) -> Option<usize> {
        None
    }

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
        let mut visited = std::collections::HashSet::new();
        collect_params(self.as_dyn(), "", &mut out, &mut seen, &mut visited);
        out
    }

    /// `named_buffers()`: dotted names, depth first, each buffer once.
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        walk_modules(self.as_dyn(), "", &mut |prefix, m| {
            m.visit_buffers(&mut |name, b, _| {
                if seen.insert(b.id()) {
                    out.push((join(prefix, name), b.clone()));
                }
            });
        });
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
        walk_modules(self.as_dyn(), "", &mut |prefix, m| {
            out.push((prefix.to_string(), m.type_name()))
        });
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
        fn walk(m: &mut dyn Module, on: bool, visited: &mut std::collections::HashSet<usize>) {
            if let Some(id) = m.module_id() {
                if !visited.insert(id) {
                    return;
                }
            }
            m.set_training(on);
            m.visit_children_mut(&mut |_, c| walk(c, on, visited));
        }
        walk(self.as_dyn_mut(), on, &mut std::collections::HashSet::new());
    }

    /// `eval()` = `train(false)`.
    fn eval(&mut self) {
        self.train(false);
    }

    /// `state_dict()`: detached parameters and persistent buffers under
    /// their dotted names (sharing storage), in PyTorch's order: each
    /// module's parameters, then its buffers, then its children's.
    fn state_dict(&self) -> StateDict {
        let mut sd = StateDict::new();
        for (k, t) in self.state_entries() {
            sd.insert(k, t.detach());
        }
        sd
    }

    /// The tensors `state_dict` holds, undetached: parameters and persistent
    /// buffers under every path to them (a module used twice appears under
    /// both names, as in PyTorch, unlike `named_parameters`).
    fn state_entries(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        walk_paths(self.as_dyn(), "", &mut |prefix, m| {
            m.visit_parameters(&mut |name, p| out.push((join(prefix, name), p.clone())));
            m.visit_buffers(&mut |name, b, persistent| {
                if persistent {
                    out.push((join(prefix, name), b.clone()))
                }
            });
        });
        out
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
        self.map_tensors(&mut |p| {
            if p.device() == device {
                return Ok(None);
            }
            move_param(p, |t| t.to_device(device)).map(Some)
        })
    }

    /// `double()`, `half()`, `to(dtype)`: floating-point parameters and
    /// buffers cast to `dtype` (integer buffers keep theirs), as PyTorch does.
    fn to_dtype(&mut self, dtype: DType) -> Result<()> {
        self.map_tensors(&mut |p| {
            if !p.dtype().is_float() || p.dtype() == dtype {
                return Ok(None);
            }
            move_param(p, |t| t.to_dtype(dtype)).map(Some)
        })
    }

    /// Replaces every parameter and buffer `f` maps to a new tensor (each
    /// module once); stops at the first error.
    #[doc(hidden)]
    fn map_tensors(&mut self, f: &mut dyn FnMut(&Tensor) -> Result<Option<Tensor>>) -> Result<()> {
        fn walk(
            m: &mut dyn Module,
            f: &mut dyn FnMut(&Tensor) -> Result<Option<Tensor>>,
            err: &mut Option<Error>,
            visited: &mut std::collections::HashSet<usize>,
        ) {
            if let Some(id) = m.module_id() {
                if !visited.insert(id) {
                    return;
                }
            }
            let mut each = |p: &mut Tensor| {
                if err.is_some() {
                    return;
                }
                match f(p) {
                    Ok(Some(t)) => *p = t,
                    Ok(None) => {}
                    Err(e) => *err = Some(e),
                }
            };
            m.visit_parameters_mut(&mut |_, p| each(p));
            m.visit_buffers_mut(&mut |_, b| each(b));
            m.visit_children_mut(&mut |_, c| walk(c, f, err, visited));
        }
        let mut err = None;
        walk(
            self.as_dyn_mut(),
            f,
            &mut err,
            &mut std::collections::HashSet::new(),
        );
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

    /// evcxr's display hook: a module as a cell's value shows its repr.
    fn evcxr_display(&self) {
        crate::viz::MimeBundle::text(self.repr()).evcxr_display();
    }

    #[doc(hidden)]
    fn as_dyn(&self) -> &dyn Module;
    #[doc(hidden)]
    fn as_dyn_mut(&mut self) -> &mut dyn Module;
}

/// A boxed module is a module (`Box<dyn Module>` included).
impl<M: Module + ?Sized> Module for Box<M> {
    fn type_name(&self) -> String {
        (**self).type_name()
    }
    fn forward(&self, input: &Tensor) -> Result<Tensor> {
        (**self).forward(input)
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        (**self).visit_parameters(f)
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        (**self).visit_parameters_mut(f)
    }
    fn visit_buffers(&self, f: &mut dyn FnMut(&str, &Tensor, bool)) {
        (**self).visit_buffers(f)
    }
    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        (**self).visit_buffers_mut(f)
    }
    fn module_id(&self) -> Option<usize> {
        (**self).module_id()
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        (**self).visit_children(f)
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        (**self).visit_children_mut(f)
    }
    fn training(&self) -> bool {
        (**self).training()
    }
    fn set_training(&mut self, on: bool) {
        (**self).set_training(on)
    }
    fn extra_repr(&self) -> String {
        (**self).extra_repr()
    }
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
    visited: &mut std::collections::HashSet<usize>,
) {
    if let Some(id) = m.module_id() {
        if !visited.insert(id) {
            return;
        }
    }
    m.visit_parameters(&mut |name, p| {
        if seen.insert(p.id()) {
            out.push((join(prefix, name), p.clone()));
        }
    });
    m.visit_children(&mut |name, c| collect_params(c, &join(prefix, name), out, seen, visited));
}

/// Calls `f(prefix, module)` for `m` and every descendant, depth first,
/// under every path to it (a module met again below itself is skipped).
fn walk_paths(m: &dyn Module, prefix: &str, f: &mut dyn FnMut(&str, &dyn Module)) {
    fn go(
        m: &dyn Module,
        prefix: &str,
        f: &mut dyn FnMut(&str, &dyn Module),
        above: &mut Vec<usize>,
    ) {
        let id = m.module_id();
        if let Some(id) = id {
            if above.contains(&id) {
                return;
            }
            above.push(id);
        }
        f(prefix, m);
        m.visit_children(&mut |name, c| go(c, &join(prefix, name), f, above));
        if id.is_some() {
            above.pop();
        }
    }
    go(m, prefix, f, &mut Vec::new());
}

/// Calls `f(prefix, module)` for `m` and every descendant, depth first,
/// each module once.
pub(crate) fn walk_modules(m: &dyn Module, prefix: &str, f: &mut dyn FnMut(&str, &dyn Module)) {
    fn go(
        m: &dyn Module,
        prefix: &str,
        f: &mut dyn FnMut(&str, &dyn Module),
        visited: &mut std::collections::HashSet<usize>,
    ) {
        if let Some(id) = m.module_id() {
            if !visited.insert(id) {
                return;
            }
        }
        f(prefix, m);
        m.visit_children(&mut |name, c| go(c, &join(prefix, name), f, visited));
    }
    go(m, prefix, f, &mut std::collections::HashSet::new());
}

/// A parameter tensor: a leaf requiring grad, flagged as `nn.Parameter`.
pub fn parameter(t: Tensor) -> Result<Tensor> {
    let p = t.detach();
    p.set_requires_grad(true)?;
    p.set_parameter(true);
    Ok(p)
}

/// A parameter (or buffer) converted by `f` (to a device or dtype), a new
/// leaf keeping its flags and with its gradient converted the same way.
fn move_param(p: &Tensor, f: impl Fn(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    // `moved` is a fresh tensor with no history: a detached alias of it is
    // the new leaf (no copy).
    let np = crate::autograd::with_no_grad(|| f(p))?.detach();
    np.set_requires_grad(p.requires_grad())?;
    np.set_parameter(p.is_parameter());
    if let Some(g) = p.grad() {
        np.set_grad(Some(f(&g)?))?;
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
