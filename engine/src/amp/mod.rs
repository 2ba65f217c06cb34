//! Automatic mixed precision, as `torch.amp`: the [`autocast`] guard (a
//! thread-local per device type that ops consult to cast their inputs) and
//! [`GradScaler`] (dynamic loss scaling for float16 gradients).
//!
//! Ops opt in with one call at their top, `amp::autocast_inputs(op, ..)`,
//! which returns the cast inputs when the op's policy on the inputs' device
//! type asks for a change; matmul (hence mm, bmm, linear and the im2col
//! convolution), softmax/log_softmax, sum and prod, and in `nn::functional`
//! linear (bias included, so its output is in the low dtype), the losses
//! (mse, nll, cross_entropy, binary_cross_entropy_with_logits) and the norms
//! (layer_norm, rms_norm: float32 on CUDA; PyTorch's CPU list leaves them
//! alone). conv2d's own call is still to come. The op lists
//! are PyTorch's (`aten/src/ATen/autocast_mode.cpp`), per device type.

mod autocast;
mod grad_scaler;

pub use autocast::{
    autocast, autocast_dtype, autocast_inputs, autocast_optional_inputs, is_autocast_enabled,
    policy, AutocastGuard, Policy,
};
pub use grad_scaler::{GradScaler, GradScalerState};
