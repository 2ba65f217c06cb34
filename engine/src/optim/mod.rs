//! `torch.optim`: SGD, Adagrad, RMSprop, Adadelta, Adam and AdamW with
//! PyTorch's update rules (its `foreach=False` code path), defaults,
//! parameter groups with their own hyperparameters, `zero_grad`,
//! `state_dict`/`load_state_dict`, and `lr_scheduler::StepLR`.
//!
//! A step runs under `no_grad` and rewrites each parameter in place: one
//! pass over the parameter, its gradient and its state buffers (write
//! locks on the storages, arithmetic in the parameter's float type as in
//! PyTorch), then a bump of the parameter's version counter. Nothing is allocated per step once the
//! state exists. Knows nothing of modules: it holds parameter tensors.

pub mod lr_scheduler;
mod update;
mod update_ops;

use crate::nn::StateDict;
use crate::{DType, Error, Result, Tensor};

/// Which update rule an [`Optimizer`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SGD,
    Adagrad,
    RMSprop,
    Adadelta,
    Adam,
    AdamW,
}

impl Kind {
    /// The PyTorch class name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::SGD => "SGD",
            Kind::Adagrad => "Adagrad",
            Kind::RMSprop => "RMSprop",
            Kind::Adadelta => "Adadelta",
            Kind::Adam => "Adam",
            Kind::AdamW => "AdamW",
        }
    }

    /// PyTorch's default hyperparameters for this optimizer.
    pub fn defaults(self) -> Hyper {
        let base = Hyper {
            lr: 0.001,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
            betas: (0.9, 0.999),
            eps: 1e-8,
            amsgrad: false,
            alpha: 0.99,
            centered: false,
            rho: 0.9,
            lr_decay: 0.0,
            initial_accumulator_value: 0.0,
        };
        match self {
            Kind::SGD => base,
            Kind::Adagrad => Hyper {
                lr: 0.01,
                eps: 1e-10,
                ..base
            },
            Kind::RMSprop => Hyper { lr: 0.01, ..base },
            Kind::Adadelta => Hyper {
                lr: 1.0,
                eps: 1e-6,
                ..base
            },
            Kind::Adam => base,
            Kind::AdamW => Hyper {
                weight_decay: 0.01,
                ..base
            },
        }
    }

    /// Names of the per-parameter state buffers (PyTorch's state keys).
    fn buffers(self, h: &Hyper) -> Vec<&'static str> {
        match self {
            Kind::SGD if h.momentum != 0.0 => vec!["momentum_buffer"],
            Kind::SGD => vec![],
            Kind::Adagrad => vec!["sum"],
            Kind::RMSprop => {
                let mut v = vec!["square_avg"];
                if h.momentum > 0.0 {
                    v.push("momentum_buffer");
                }
                if h.centered {
                    v.push("grad_avg");
                }
                v
            }
            Kind::Adadelta => vec!["square_avg", "acc_delta"],
            Kind::Adam | Kind::AdamW => {
                let mut v = vec!["exp_avg", "exp_avg_sq"];
                if h.amsgrad {
                    v.push("max_exp_avg_sq");
                }
                v
            }
        }
    }
}

/// Every hyperparameter any of the optimizers reads (a group's options).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyper {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
    pub betas: (f64, f64),
    pub eps: f64,
    pub amsgrad: bool,
    pub alpha: f64,
    pub centered: bool,
    pub rho: f64,
    pub lr_decay: f64,
    pub initial_accumulator_value: f64,
}

impl Hyper {
    /// The names a group carries in `param_groups` for optimizer `kind`.
    pub fn keys(kind: Kind) -> &'static [&'static str] {
        match kind {
            Kind::SGD => &[
                "lr",
                "momentum",
                "dampening",
                "weight_decay",
                "nesterov",
                "maximize",
            ],
            Kind::Adagrad => &[
                "lr",
                "lr_decay",
                "weight_decay",
                "initial_accumulator_value",
                "eps",
                "maximize",
            ],
            Kind::RMSprop => &[
                "lr",
                "alpha",
                "eps",
                "weight_decay",
                "momentum",
                "centered",
                "maximize",
            ],
            Kind::Adadelta => &["lr", "rho", "eps", "weight_decay", "maximize"],
            Kind::Adam | Kind::AdamW => &[
                "lr",
                "beta1",
                "beta2",
                "eps",
                "weight_decay",
                "amsgrad",
                "maximize",
            ],
        }
    }

    /// A hyperparameter by name (`"lr"`, `"beta1"`, booleans as 0/1).
    pub fn get(&self, key: &str) -> Option<f64> {
        let b = |v: bool| if v { 1.0 } else { 0.0 };
        Some(match key {
            "lr" => self.lr,
            "momentum" => self.momentum,
            "dampening" => self.dampening,
            "weight_decay" => self.weight_decay,
            "nesterov" => b(self.nesterov),
            "maximize" => b(self.maximize),
            "beta1" => self.betas.0,
            "beta2" => self.betas.1,
            "eps" => self.eps,
            "amsgrad" => b(self.amsgrad),
            "alpha" => self.alpha,
            "centered" => b(self.centered),
            "rho" => self.rho,
            "lr_decay" => self.lr_decay,
            "initial_accumulator_value" => self.initial_accumulator_value,
            _ => return None,
        })
    }

    /// Sets a hyperparameter by name; unknown names are an error.
    pub fn set(&mut self, key: &str, v: f64) -> Result<()> {
        match key {
            "lr" => self.lr = v,
            "momentum" => self.momentum = v,
            "dampening" => self.dampening = v,
            "weight_decay" => self.weight_decay = v,
            "nesterov" => self.nesterov = v != 0.0,
            "maximize" => self.maximize = v != 0.0,
            "beta1" => self.betas.0 = v,
            "beta2" => self.betas.1 = v,
            "eps" => self.eps = v,
            "amsgrad" => self.amsgrad = v != 0.0,
            "alpha" => self.alpha = v,
            "centered" => self.centered = v != 0.0,
            "rho" => self.rho = v,
            "lr_decay" => self.lr_decay = v,
            "initial_accumulator_value" => self.initial_accumulator_value = v,
            _ => return Err(Error::invalid(format!("unknown optimizer option '{key}'"))),
        }
        Ok(())
    }
}

/// One entry of `param_groups`: parameters and their hyperparameters.
#[derive(Clone)]
pub struct ParamGroup {
    pub params: Vec<Tensor>,
    pub options: Hyper,
}

/// Per-parameter state: the step count and the named buffers.
#[derive(Clone)]
struct ParamState {
    step: u64,
    bufs: Vec<Tensor>,
}

/// An optimizer over parameter groups (PyTorch's `torch.optim.Optimizer`).
pub struct Optimizer {
    kind: Kind,
    groups: Vec<ParamGroup>,
    /// `state[g][i]` for parameter `i` of group `g`, created on first use.
    state: Vec<Vec<Option<ParamState>>>,
}

fn check_range(name: &str, v: f64, ok: bool) -> Result<()> {
    if !ok {
        return Err(Error::invalid(format!(
            "Invalid {name}: {}",
            crate::nn::py_float(v)
        )));
    }
    Ok(())
}

fn validate(kind: Kind, h: &Hyper) -> Result<()> {
    check_range("learning rate", h.lr, h.lr >= 0.0)?;
    check_range("weight_decay value", h.weight_decay, h.weight_decay >= 0.0)?;
    check_range("epsilon value", h.eps, h.eps >= 0.0)?;
    match kind {
        Kind::SGD => {
            check_range("momentum value", h.momentum, h.momentum >= 0.0)?;
            if h.nesterov && (h.momentum <= 0.0 || h.dampening != 0.0) {
                return Err(Error::invalid(
                    "Nesterov momentum requires a momentum and zero dampening",
                ));
            }
        }
        Kind::Adam | Kind::AdamW => {
            let (b1, b2) = h.betas;
            check_range("beta parameter at index 0", b1, (0.0..1.0).contains(&b1))?;
            check_range("beta parameter at index 1", b2, (0.0..1.0).contains(&b2))?;
        }
        Kind::RMSprop => {
            check_range("alpha value", h.alpha, h.alpha >= 0.0)?;
            check_range("momentum value", h.momentum, h.momentum >= 0.0)?;
        }
        Kind::Adadelta => check_range("rho value", h.rho, (0.0..=1.0).contains(&h.rho))?,
        Kind::Adagrad => {
            check_range("lr_decay value", h.lr_decay, h.lr_decay >= 0.0)?;
            check_range(
                "initial_accumulator_value value",
                h.initial_accumulator_value,
                h.initial_accumulator_value >= 0.0,
            )?;
        }
    }
    Ok(())
}

impl Optimizer {
    /// One group of `params` with `options` (start from [`Kind::defaults`]).
    pub fn new(kind: Kind, params: Vec<Tensor>, options: Hyper) -> Result<Optimizer> {
        Optimizer::with_groups(kind, vec![ParamGroup { params, options }])
    }

    /// `optim.<kind>(params, lr=lr)` with PyTorch's other defaults for `kind`.
    pub fn with_lr(kind: Kind, params: Vec<Tensor>, lr: f64) -> Result<Optimizer> {
        Optimizer::new(
            kind,
            params,
            Hyper {
                lr,
                ..kind.defaults()
            },
        )
    }

    /// `optim.SGD(params, lr=lr)`; other options through [`Optimizer::new`]
    /// (`Hyper { momentum: 0.9, ..Kind::SGD.defaults() }`).
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let w = Tensor::new([1f32, 2.])?.requires_grad_(true)?;
    /// let mut opt = Optimizer::sgd(vec![w.clone()], 0.1)?;
    /// (&w * &w)?.sum()?.backward()?; // d/dw sum(w^2) = 2w
    /// opt.step()?;
    /// let w = w.to_vec_f64()?;
    /// assert!((w[0] - 0.8).abs() < 1e-6 && (w[1] - 1.6).abs() < 1e-6);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn sgd(params: Vec<Tensor>, lr: f64) -> Result<Optimizer> {
        Optimizer::with_lr(Kind::SGD, params, lr)
    }

    /// `optim.Adam(params, lr=lr)` with PyTorch's other defaults.
    pub fn adam(params: Vec<Tensor>, lr: f64) -> Result<Optimizer> {
        Optimizer::with_lr(Kind::Adam, params, lr)
    }

    /// `optim.AdamW(params, lr=lr)` (weight decay 0.01) with PyTorch's other defaults.
    pub fn adamw(params: Vec<Tensor>, lr: f64) -> Result<Optimizer> {
        Optimizer::with_lr(Kind::AdamW, params, lr)
    }

    /// Several groups, each with its own options.
    pub fn with_groups(kind: Kind, groups: Vec<ParamGroup>) -> Result<Optimizer> {
        let mut opt = Optimizer {
            kind,
            groups: Vec::new(),
            state: Vec::new(),
        };
        for g in groups {
            opt.add_param_group(g)?;
        }
        if opt.groups.iter().all(|g| g.params.is_empty()) {
            return Err(Error::invalid("optimizer got an empty parameter list"));
        }
        Ok(opt)
    }

    /// `add_param_group(group)`.
    pub fn add_param_group(&mut self, g: ParamGroup) -> Result<()> {
        validate(self.kind, &g.options)?;
        for p in &g.params {
            if !p.is_leaf() {
                return Err(Error::invalid("can't optimize a non-leaf Tensor"));
            }
            if !matches!(p.dtype(), DType::F32 | DType::F64) {
                return Err(Error::Unsupported {
                    op: "optimizer step",
                    dtype: p.dtype(),
                    device: p.device(),
                });
            }
            let dup = self
                .groups
                .iter()
                .flat_map(|g| &g.params)
                .any(|q| q.id() == p.id());
            if dup {
                return Err(Error::invalid(
                    "some parameters appear in more than one parameter group",
                ));
            }
        }
        let mut st = vec![None; g.params.len()];
        if self.kind == Kind::Adagrad {
            // Adagrad creates its state eagerly: `sum` filled with the initial value
            for (s, p) in st.iter_mut().zip(&g.params) {
                *s = Some(ParamState {
                    step: 0,
                    bufs: vec![Tensor::full_on(
                        p.shape(),
                        g.options.initial_accumulator_value,
                        p.dtype(),
                        p.device(),
                    )?],
                });
            }
        }
        self.state.push(st);
        self.groups.push(g);
        Ok(())
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn param_groups(&self) -> &[ParamGroup] {
        &self.groups
    }

    pub fn param_groups_mut(&mut self) -> &mut [ParamGroup] {
        &mut self.groups
    }

    /// The first group's learning rate.
    pub fn lr(&self) -> f64 {
        self.groups.first().map_or(0.0, |g| g.options.lr)
    }

    /// Sets every group's learning rate.
    pub fn set_lr(&mut self, lr: f64) {
        for g in &mut self.groups {
            g.options.lr = lr;
        }
    }

    /// `zero_grad()`: every parameter's `.grad` becomes `None` (PyTorch 2's `set_to_none=True`).
    pub fn zero_grad(&self) {
        for g in &self.groups {
            for p in &g.params {
                p.meta().grad = None;
            }
        }
    }

    /// `step()`: one update of every parameter that has a gradient.
    pub fn step(&mut self) -> Result<()> {
        let _ng = crate::autograd::no_grad();
        for (gi, group) in self.groups.iter().enumerate() {
            let h = group.options;
            let names = self.kind.buffers(&h);
            for (pi, p) in group.params.iter().enumerate() {
                let Some(grad) = p.grad() else { continue };
                let slot = &mut self.state[gi][pi];
                if !matches!(slot, Some(s) if s.bufs.len() == names.len()) {
                    let mut bufs = Vec::with_capacity(names.len());
                    for _ in &names {
                        bufs.push(Tensor::zeros_on(p.shape(), p.dtype(), p.device())?);
                    }
                    *slot = Some(ParamState { step: 0, bufs });
                }
                let st = slot.as_mut().expect("state was just created");
                update::step(self.kind, &h, p, &grad, st.step, &st.bufs)?;
                st.step += 1;
            }
        }
        Ok(())
    }

    /// `state_dict()`, flattened for safetensors: `state.{i}.{buffer}`,
    /// `state.{i}.step` (float32 scalar), `param_groups.{g}.{option}`
    /// (float64 scalars) and `param_groups.{g}.params` (int64 indices), with
    /// `i` counting parameters across groups as PyTorch does.
    pub fn state_dict(&self) -> Result<StateDict> {
        let mut sd = StateDict::new();
        let mut k = 0i64;
        for (gi, group) in self.groups.iter().enumerate() {
            let names = self.kind.buffers(&group.options);
            let mut ids = Vec::new();
            for (pi, _) in group.params.iter().enumerate() {
                if let Some(st) = &self.state[gi][pi] {
                    sd.insert(
                        format!("state.{k}.step"),
                        Tensor::scalar_tensor(st.step as f64, DType::F32, crate::Device::Cpu)?,
                    );
                    for (n, b) in names.iter().zip(&st.bufs) {
                        sd.insert(format!("state.{k}.{n}"), b.detach());
                    }
                }
                ids.push(k);
                k += 1;
            }
            for key in Hyper::keys(self.kind) {
                let v = group.options.get(key).expect("keys() lists known options");
                sd.insert(
                    format!("param_groups.{gi}.{key}"),
                    Tensor::scalar_tensor(v, DType::F64, crate::Device::Cpu)?,
                );
            }
            let n = ids.len();
            sd.insert(
                format!("param_groups.{gi}.params"),
                Tensor::from_vec(ids, &[n])?,
            );
        }
        Ok(sd)
    }

    /// `load_state_dict(sd)`: group options and per-parameter state (copied).
    pub fn load_state_dict(&mut self, sd: &StateDict) -> Result<()> {
        let saved_groups = (0..)
            .take_while(|g| sd.get(&format!("param_groups.{g}.params")).is_some())
            .count();
        if saved_groups != self.groups.len() {
            return Err(Error::invalid(
                "loaded state dict has a different number of parameter groups",
            ));
        }
        let mut new_state = Vec::new();
        let mut new_opts = Vec::new();
        for (gi, group) in self.groups.iter().enumerate() {
            let ids = sd
                .get(&format!("param_groups.{gi}.params"))
                .expect("counted above")
                .to_vec_i64()?;
            if ids.len() != group.params.len() {
                return Err(Error::invalid(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
                ));
            }
            let mut opts = group.options;
            for key in Hyper::keys(self.kind) {
                if let Some(t) = sd.get(&format!("param_groups.{gi}.{key}")) {
                    opts.set(key, t.item()?)?;
                }
            }
            let names = self.kind.buffers(&opts);
            let mut states = Vec::new();
            for (pi, p) in group.params.iter().enumerate() {
                let id = ids[pi];
                let Some(step) = sd.get(&format!("state.{id}.step")) else {
                    states.push(self.state[gi][pi].clone());
                    continue;
                };
                let mut bufs = Vec::new();
                for n in &names {
                    let key = format!("state.{id}.{n}");
                    let t = sd.get(&key).ok_or_else(|| {
                        Error::invalid(format!("optimizer state_dict is missing '{key}'"))
                    })?;
                    if t.shape() != p.shape() {
                        return Err(Error::invalid(format!(
                            "optimizer state '{key}' has shape {:?}, but the parameter has shape {:?}",
                            t.shape(),
                            p.shape()
                        )));
                    }
                    bufs.push(
                        t.to_dtype(p.dtype())?
                            .to_device(p.device())?
                            .contiguous_copy()?,
                    );
                }
                states.push(Some(ParamState {
                    step: step.item()? as u64,
                    bufs,
                }));
            }
            new_state.push(states);
            new_opts.push(opts);
        }
        self.state = new_state;
        for (g, o) in self.groups.iter_mut().zip(new_opts) {
            g.options = o;
        }
        Ok(())
    }
}
