//! `torch.amp.GradScaler`: dynamic loss scaling. The loss is multiplied by
//! `scale` before backward so small float16 gradients do not flush to zero;
//! `unscale_` divides the gradients back and records whether any is inf or
//! NaN; `step` skips the optimizer step on such a step; `update` halves the
//! scale after an overflow and doubles it after `growth_interval`
//! consecutive clean steps (PyTorch's `_amp_update_scale_`, in float32).
//!
//! Under a process group of several ranks (`distributed`), `unscale_`
//! takes the maximum of the inf/NaN flag over the ranks, so every rank
//! skips the same steps and the models stay equal under DDP (one small
//! all_reduce per step; every rank must step its scaler).

use crate::distributed::{self, collectives, ReduceOp};
use crate::optim::Optimizer;
use crate::{DType, Device, Error, Result, Tensor};

/// The scaler's state, as `GradScaler.state_dict()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradScalerState {
    pub scale: f32,
    pub growth_factor: f64,
    pub backoff_factor: f64,
    pub growth_interval: u64,
    pub growth_tracker: u64,
}

#[derive(Debug, Clone)]
pub struct GradScaler {
    enabled: bool,
    /// float32, as PyTorch keeps `_scale`.
    scale: f32,
    growth_factor: f64,
    backoff_factor: f64,
    growth_interval: u64,
    growth_tracker: u64,
    /// Set by `unscale_` for the current iteration: whether an inf/NaN
    /// gradient was found. `None` until unscaled.
    found_inf: Option<bool>,
    stepped: bool,
}

impl Default for GradScaler {
    fn default() -> Self {
        GradScaler::new()
    }
}

impl GradScaler {
    /// PyTorch's defaults: init_scale 2^16, growth_factor 2, backoff 0.5,
    /// growth_interval 2000.
    pub fn new() -> GradScaler {
        GradScaler::with_options(65536.0, 2.0, 0.5, 2000, true)
            .expect("the default options are valid")
    }

    pub fn with_options(
        init_scale: f64,
        growth_factor: f64,
        backoff_factor: f64,
        growth_interval: u64,
        enabled: bool,
    ) -> Result<GradScaler> {
        if growth_factor <= 1.0 {
            return Err(Error::invalid("The growth factor must be > 1.0."));
        }
        if !(backoff_factor > 0.0 && backoff_factor < 1.0) {
            return Err(Error::invalid("The backoff factor must be < 1.0."));
        }
        if growth_interval == 0 {
            return Err(Error::invalid("growth_interval must be a positive integer"));
        }
        Ok(GradScaler {
            enabled,
            scale: init_scale as f32,
            growth_factor,
            backoff_factor,
            growth_interval,
            growth_tracker: 0,
            found_inf: None,
            stepped: false,
        })
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// `get_scale()`: the current scale (1.0 when disabled).
    pub fn get_scale(&self) -> f64 {
        if self.enabled {
            self.scale as f64
        } else {
            1.0
        }
    }

    /// `scale(loss)`: `loss * scale`, in the graph.
    pub fn scale(&self, loss: &Tensor) -> Result<Tensor> {
        if !self.enabled {
            return Ok(loss.clone());
        }
        loss.mul_scalar(self.scale as f64)
    }

    /// `unscale_(optimizer)`: divides every gradient of the optimizer's
    /// parameters by the scale, in place of the old gradient, and records
    /// whether any gradient holds an inf or NaN.
    pub fn unscale_(&mut self, opt: &Optimizer) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        if self.found_inf.is_some() {
            return Err(Error::invalid(
                "unscale_() has already been called on this optimizer since the last update().",
            ));
        }
        // The reciprocal in f64 rounded to f32, as PyTorch's inv_scale.
        let inv = (1.0 / self.scale as f64) as f32 as f64;
        let mut found = false;
        let mut device = Device::Cpu;
        let _ng = crate::autograd::no_grad();
        for g in opt.param_groups() {
            for p in &g.params {
                device = p.device();
                let Some(grad) = p.grad() else { continue };
                let un = grad.mul_scalar(inv)?;
                found |= un.to_vec_f64()?.iter().any(|v| !v.is_finite());
                p.set_grad(Some(un))?;
            }
        }
        self.found_inf = Some(found_on_any_rank(found, device)?);
        Ok(())
    }

    /// `step(optimizer)`: unscales if `unscale_` was not called, then runs
    /// `optimizer.step()` unless a gradient was inf/NaN. Returns whether the
    /// optimizer stepped.
    pub fn step(&mut self, opt: &mut Optimizer) -> Result<bool> {
        if !self.enabled {
            opt.step()?;
            return Ok(true);
        }
        if self.stepped {
            return Err(Error::invalid(
                "step() has already been called since the last update().",
            ));
        }
        if self.found_inf.is_none() {
            self.unscale_(opt)?;
        }
        self.stepped = true;
        if self.found_inf == Some(true) {
            return Ok(false);
        }
        opt.step()?;
        Ok(true)
    }

    /// `update()`: backs off after an overflow, grows after
    /// `growth_interval` clean steps in a row, and starts a new iteration.
    pub fn update(&mut self) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let Some(found) = self.found_inf.take() else {
            return Err(Error::invalid(
                "No inf checks were recorded prior to update.",
            ));
        };
        self.stepped = false;
        if found {
            self.scale = (self.scale as f64 * self.backoff_factor) as f32;
            self.growth_tracker = 0;
        } else {
            let successful = self.growth_tracker + 1;
            if successful == self.growth_interval {
                let grown = (self.scale as f64 * self.growth_factor) as f32;
                // Only grow to a finite scale.
                if grown.is_finite() {
                    self.scale = grown;
                }
                self.growth_tracker = 0;
            } else {
                self.growth_tracker = successful;
            }
        }
        Ok(())
    }

    pub fn state_dict(&self) -> GradScalerState {
        GradScalerState {
            scale: self.scale,
            growth_factor: self.growth_factor,
            backoff_factor: self.backoff_factor,
            growth_interval: self.growth_interval,
            growth_tracker: self.growth_tracker,
        }
    }

    pub fn load_state_dict(&mut self, s: &GradScalerState) -> Result<()> {
        let fresh = GradScaler::with_options(
            s.scale as f64,
            s.growth_factor,
            s.backoff_factor,
            s.growth_interval,
            self.enabled,
        )?;
        *self = GradScaler {
            growth_tracker: s.growth_tracker,
            ..fresh
        };
        Ok(())
    }
}

/// Whether any rank of the default process group found an inf/NaN (this
/// rank's own flag outside a group of several ranks). The flag travels on
/// the parameters' device, which the nccl backend needs.
fn found_on_any_rank(found: bool, device: Device) -> Result<bool> {
    let Ok(g) = distributed::default_group() else {
        return Ok(found);
    };
    if g.size() == 1 {
        return Ok(found);
    }
    let flag = Tensor::scalar_tensor(f64::from(u8::from(found)), DType::F32, device)?;
    collectives::all_reduce(&*g, &flag, ReduceOp::Max)?;
    Ok(flag.item()? > 0.0)
}
