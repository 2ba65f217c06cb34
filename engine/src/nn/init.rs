//! `torch.nn.init`: in-place initialisers drawing from the default
//! generator in PyTorch's order (so seeded weights equal PyTorch's).

use super::state::copy_values;
use crate::random::kaiming_uniform_bound;
use crate::{Error, Result, Tensor};

fn fans(t: &Tensor) -> Result<(usize, usize)> {
    if t.dim() < 2 {
        return Err(Error::invalid(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
        ));
    }
    let rf: usize = t.shape()[2..].iter().product();
    Ok((t.shape()[1] * rf, t.shape()[0] * rf))
}

/// `nn.init.uniform_(t, a, b)`.
pub fn uniform_(t: &Tensor, a: f64, b: f64) -> Result<()> {
    let _g = crate::autograd::no_grad();
    copy_values(t, &Tensor::uniform(t.shape(), a, b, t.dtype(), t.device())?)
}

/// `nn.init.normal_(t, mean, std)`.
pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<()> {
    let _g = crate::autograd::no_grad();
    copy_values(
        t,
        &Tensor::normal(t.shape(), mean, std, t.dtype(), t.device())?,
    )
}

/// `nn.init.constant_(t, v)`.
pub fn constant_(t: &Tensor, v: f64) -> Result<()> {
    let _g = crate::autograd::no_grad();
    copy_values(t, &Tensor::full_on(t.shape(), v, t.dtype(), t.device())?)
}

pub fn zeros_(t: &Tensor) -> Result<()> {
    constant_(t, 0.0)
}

pub fn ones_(t: &Tensor) -> Result<()> {
    constant_(t, 1.0)
}

/// `nn.init.xavier_uniform_(t, gain)`: bound `gain * sqrt(6 / (fan_in + fan_out))`.
pub fn xavier_uniform_(t: &Tensor, gain: f64) -> Result<()> {
    let (fi, fo) = fans(t)?;
    let std = gain * (2.0 / (fi + fo) as f64).sqrt();
    let b = 3f64.sqrt() * std;
    uniform_(t, -b, b)
}

/// `nn.init.kaiming_uniform_(t, a)` (fan_in, leaky_relu gain).
pub fn kaiming_uniform_(t: &Tensor, a: f64) -> Result<()> {
    let (fi, _) = fans(t)?;
    let b = kaiming_uniform_bound(fi, a);
    uniform_(t, -b, b)
}

/// `nn.init.calculate_gain(nonlinearity, param)`: the factor that keeps
/// activations' variance through a layer (PyTorch's table).
pub fn calculate_gain(nonlinearity: &str, param: Option<f64>) -> Result<f64> {
    Ok(match nonlinearity {
        "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d"
        | "conv_transpose3d" | "sigmoid" => 1.0,
        "tanh" => 5.0 / 3.0,
        "relu" => 2f64.sqrt(),
        "leaky_relu" => {
            let a = param.unwrap_or(0.01);
            (2.0 / (1.0 + a * a)).sqrt()
        }
        "selu" => 0.75,
        other => return Err(Error::invalid(format!("Unsupported nonlinearity {other}"))),
    })
}

/// Which fan a Kaiming initialiser divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanMode {
    FanIn,
    FanOut,
}

fn kaiming_std(t: &Tensor, a: f64, mode: FanMode, nonlinearity: &str) -> Result<f64> {
    let (fi, fo) = fans(t)?;
    let fan = if mode == FanMode::FanIn { fi } else { fo };
    let gain = calculate_gain(nonlinearity, Some(a))?;
    Ok(gain / (fan.max(1) as f64).sqrt())
}

/// `nn.init.kaiming_normal_(t, a, mode, nonlinearity)`: N(0, std^2) with
/// std = gain / sqrt(fan).
pub fn kaiming_normal_(t: &Tensor, a: f64, mode: FanMode, nonlinearity: &str) -> Result<()> {
    let std = kaiming_std(t, a, mode, nonlinearity)?;
    normal_(t, 0.0, std)
}

/// `nn.init.kaiming_uniform_(t, a, mode, nonlinearity)` in full:
/// U(-b, b) with b = sqrt(3) * gain / sqrt(fan).
pub fn kaiming_uniform_mode_(t: &Tensor, a: f64, mode: FanMode, nonlinearity: &str) -> Result<()> {
    let b = 3f64.sqrt() * kaiming_std(t, a, mode, nonlinearity)?;
    uniform_(t, -b, b)
}

/// `nn.init.xavier_normal_(t, gain)`: N(0, std^2) with
/// std = gain * sqrt(2 / (fan_in + fan_out)).
pub fn xavier_normal_(t: &Tensor, gain: f64) -> Result<()> {
    let (fi, fo) = fans(t)?;
    normal_(t, 0.0, gain * (2.0 / (fi + fo) as f64).sqrt())
}
