//! `torch.optim.lr_scheduler.StepLR`.

use super::Optimizer;
use crate::{Error, Result};

/// Multiplies every group's learning rate by `gamma` each `step_size` epochs.
#[derive(Debug, Clone)]
pub struct StepLR {
    pub step_size: usize,
    pub gamma: f64,
    pub last_epoch: usize,
    last_lr: Vec<f64>,
}

impl StepLR {
    /// `StepLR(optimizer, step_size, gamma=0.1)`.
    pub fn new(opt: &Optimizer, step_size: usize, gamma: f64) -> Result<StepLR> {
        if step_size == 0 {
            return Err(Error::invalid("step_size must be a positive integer"));
        }
        Ok(StepLR {
            step_size,
            gamma,
            last_epoch: 0,
            last_lr: opt.param_groups().iter().map(|g| g.options.lr).collect(),
        })
    }

    /// `scheduler.step()`: one epoch later.
    pub fn step(&mut self, opt: &mut Optimizer) {
        self.last_epoch += 1;
        let decay = self.last_epoch % self.step_size == 0;
        for g in opt.param_groups_mut() {
            if decay {
                g.options.lr *= self.gamma;
            }
        }
        self.last_lr = opt.param_groups().iter().map(|g| g.options.lr).collect();
    }

    /// `get_last_lr()`: each group's learning rate after the last step.
    pub fn get_last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }
}
