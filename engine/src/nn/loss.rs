//! Loss modules (`nn.MSELoss`, `nn.NLLLoss`, `nn.CrossEntropyLoss`,
//! `nn.BCEWithLogitsLoss`): PyTorch's constructor options as public fields,
//! `forward(input, target)` delegating to the functional losses. They are
//! not [`Module`](super::Module)s: a loss takes two inputs and owns no
//! parameters (class weights are buffers, not parameters, in PyTorch too).

use super::functional::{self as F, LossOptions, Reduction};
use crate::{Result, Tensor};

fn reduction_repr(r: Reduction) -> String {
    match r {
        Reduction::Mean => String::new(),
        Reduction::Sum => "reduction=sum".into(),
        Reduction::None => "reduction=none".into(),
    }
}

/// `nn.MSELoss(reduction='mean')`.
#[derive(Debug, Clone, Default)]
pub struct MSELoss {
    pub reduction: Reduction,
}

impl MSELoss {
    pub fn new() -> MSELoss {
        MSELoss::default()
    }
    pub fn with_reduction(reduction: Reduction) -> MSELoss {
        MSELoss { reduction }
    }
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        F::mse_loss(input, target, self.reduction)
    }
    pub fn type_name(&self) -> String {
        "MSELoss".into()
    }
    pub fn extra_repr(&self) -> String {
        reduction_repr(self.reduction)
    }
}

/// `nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')`.
#[derive(Debug, Clone)]
pub struct NLLLoss {
    pub weight: Option<Tensor>,
    pub ignore_index: i64,
    pub reduction: Reduction,
}

impl Default for NLLLoss {
    fn default() -> Self {
        NLLLoss {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
        }
    }
}

impl NLLLoss {
    pub fn new() -> NLLLoss {
        NLLLoss::default()
    }
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        let o = LossOptions {
            weight: self.weight.clone(),
            ignore_index: self.ignore_index,
            reduction: self.reduction,
            label_smoothing: 0.0,
        };
        F::nll_loss(input, target, &o)
    }
    pub fn type_name(&self) -> String {
        "NLLLoss".into()
    }
    pub fn extra_repr(&self) -> String {
        reduction_repr(self.reduction)
    }
}

/// `nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean',
/// label_smoothing=0.0)`.
#[derive(Debug, Clone)]
pub struct CrossEntropyLoss {
    pub weight: Option<Tensor>,
    pub ignore_index: i64,
    pub reduction: Reduction,
    pub label_smoothing: f64,
}

impl Default for CrossEntropyLoss {
    fn default() -> Self {
        CrossEntropyLoss {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
            label_smoothing: 0.0,
        }
    }
}

impl CrossEntropyLoss {
    pub fn new() -> CrossEntropyLoss {
        CrossEntropyLoss::default()
    }
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        let o = LossOptions {
            weight: self.weight.clone(),
            ignore_index: self.ignore_index,
            reduction: self.reduction,
            label_smoothing: self.label_smoothing,
        };
        F::cross_entropy(input, target, &o)
    }
    pub fn type_name(&self) -> String {
        "CrossEntropyLoss".into()
    }
    pub fn extra_repr(&self) -> String {
        reduction_repr(self.reduction)
    }
}

/// `nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)`.
#[derive(Debug, Clone, Default)]
pub struct BCEWithLogitsLoss {
    pub weight: Option<Tensor>,
    pub reduction: Reduction,
    pub pos_weight: Option<Tensor>,
}

impl BCEWithLogitsLoss {
    pub fn new() -> BCEWithLogitsLoss {
        BCEWithLogitsLoss::default()
    }
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        F::binary_cross_entropy_with_logits(
            input,
            target,
            self.weight.as_ref(),
            self.pos_weight.as_ref(),
            self.reduction,
        )
    }
    pub fn type_name(&self) -> String {
        "BCEWithLogitsLoss".into()
    }
    pub fn extra_repr(&self) -> String {
        reduction_repr(self.reduction)
    }
}
