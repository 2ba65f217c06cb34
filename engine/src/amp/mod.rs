//! Automatic mixed precision, as `torch.amp`: the [`autocast`] guard (a
//! thread-local per device type that ops consult to cast their inputs) and
//! [`GradScaler`] (dynamic loss scaling for float16 gradients).
//!
//! Ops opt in with one call at their top, `amp::autocast_inputs(op, ..)`,
//! which returns the cast inputs when the op's policy on the inputs' device
//! type asks for a change; matmul (hence mm, bmm, linear and the im2col
//! convolution), softmax/log_softmax, sum and prod do so today. The op lists
//! are PyTorch's (`aten/src/ATen/autocast_mode.cpp`), per device type.

mod autocast;
mod grad_scaler;

pub use autocast::{
    autocast, autocast_dtype, autocast_inputs, is_autocast_enabled, policy, AutocastGuard, Policy,
};
pub use grad_scaler::{GradScaler, GradScalerState};
