//! `use tinytorch::prelude::*;`: the names a notebook or a training script
//! uses, PyTorch-style: `Tensor`, `nn` and `F` (`torch.nn.functional`),
//! `optim`, `no_grad`, `manual_seed` and the pictures.
//!
//! ```
//! use tinytorch::prelude::*;
//! manual_seed(0);
//! let model = nn::Sequential::new()
//!     .append(nn::Linear::new(2, 8, true)?)
//!     .append(nn::Tanh::new())
//!     .append(nn::Linear::new(8, 1, true)?);
//! let mut opt = Optimizer::adam(model.parameters(), 0.05)?;
//! let x = Tensor::randn(&[64, 2])?;
//! let y = x.sum_dims(&[1], true)?; // learn y = x0 + x1
//! let mut first = None;
//! for _ in 0..100 {
//!     let loss = F::mse_loss(&model.forward(&x)?, &y, Reduction::Mean)?;
//!     first.get_or_insert(loss.item()?);
//!     opt.zero_grad();
//!     loss.backward()?;
//!     opt.step()?;
//! }
//! let last = F::mse_loss(&model.forward(&x)?, &y, Reduction::Mean)?.item()?;
//! assert!(last < first.unwrap() / 10.0);
//! # Ok::<(), tinytorch::Error>(())
//! ```

pub use crate::autograd::{no_grad, with_no_grad};
pub use crate::nn::functional::{self as F, LossOptions, Reduction};
pub use crate::nn::{self, Module, ModuleExt};
pub use crate::optim::{self, Kind, Optimizer};
pub use crate::random::manual_seed;
pub use crate::viz::{self, MimeBundle, PlotOptions, ProgressBar, Series};
pub use crate::{DType, Device, Error, Result, Scalar, Tensor};
