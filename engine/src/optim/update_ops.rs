//! The update rules of `update.rs` written once more in engine tensor ops,
//! so they run on the parameter's own device and in its dtype (as
//! PyTorch's `_single_tensor_*` functions do on CUDA): no host round trip.
//! The CPU keeps the fused f64 loop of `update.rs` (bit-for-bit with the
//! fixtures); the tests below hold this form to that loop on the CPU.

use super::{Hyper, Kind};
use crate::autograd::with_no_grad;
use crate::nn::state::copy_values;
use crate::{Result, Tensor};

/// One step of `kind` for `p` on its device; `done` steps were taken before.
/// New parameter and state values are computed out of place, then copied
/// into the existing storages (which bumps their version counters).
pub(super) fn step(
    kind: Kind,
    h: &Hyper,
    p: &Tensor,
    g: &Tensor,
    done: u64,
    bufs: &[Tensor],
) -> Result<()> {
    with_no_grad(|| {
        let (x, g) = (p.detach(), g.detach().to_dtype(p.dtype())?);
        let s: Vec<Tensor> = bufs.iter().map(Tensor::detach).collect();
        let (x_new, s_new) = rule(kind, h, &x, &g, done, &s)?;
        copy_values(p, &x_new)?;
        for (b, n) in bufs.iter().zip(s_new) {
            if let Some(n) = n {
                copy_values(b, &n)?;
            }
        }
        Ok(())
    })
}

/// The new parameter and, per state buffer, its new value (`None`: unchanged).
fn rule(
    kind: Kind,
    h: &Hyper,
    x: &Tensor,
    g: &Tensor,
    done: u64,
    s: &[Tensor],
) -> Result<(Tensor, Vec<Option<Tensor>>)> {
    let t = (done + 1) as f64;
    let (lr, wd, eps) = (h.lr, h.weight_decay, h.eps);
    let mut out: Vec<Option<Tensor>> = vec![None; s.len()];
    let mut d = if h.maximize { g.neg()? } else { g.clone() };
    // L2 weight decay folded into the gradient (AdamW decays the weight instead)
    if wd != 0.0 && kind != Kind::AdamW {
        d = d.add(&x.mul_scalar(wd)?)?;
    }
    let x_new = match kind {
        Kind::SGD => {
            let mom = h.momentum;
            if mom != 0.0 {
                // buf = d on the first step, then momentum * buf + (1 - dampening) * d
                let b = if done == 0 {
                    d.clone()
                } else {
                    s[0].mul_scalar(mom)?
                        .add(&d.mul_scalar(1.0 - h.dampening)?)?
                };
                d = if h.nesterov {
                    d.add(&b.mul_scalar(mom)?)?
                } else {
                    b.clone()
                };
                out[0] = Some(b);
            }
            x.sub(&d.mul_scalar(lr)?)?
        }
        Kind::Adagrad => {
            let clr = lr / (1.0 + (t - 1.0) * h.lr_decay);
            let sum = s[0].add(&d.square()?)?;
            let step = d.div(&sum.sqrt()?.add_scalar(eps)?)?.mul_scalar(clr)?;
            out[0] = Some(sum);
            x.sub(&step)?
        }
        Kind::RMSprop => {
            let (alpha, mom) = (h.alpha, h.momentum);
            let ga = if mom > 0.0 { 2 } else { 1 };
            let sq = s[0]
                .mul_scalar(alpha)?
                .add(&d.square()?.mul_scalar(1.0 - alpha)?)?;
            let avg = if h.centered {
                let gavg = s[ga].add(&d.sub(&s[ga])?.mul_scalar(1.0 - alpha)?)?;
                let a = sq.sub(&gavg.square()?)?.sqrt()?.add_scalar(eps)?;
                out[ga] = Some(gavg);
                a
            } else {
                sq.sqrt()?.add_scalar(eps)?
            };
            out[0] = Some(sq);
            if mom > 0.0 {
                let b = s[1].mul_scalar(mom)?.add(&d.div(&avg)?)?;
                let x_new = x.sub(&b.mul_scalar(lr)?)?;
                out[1] = Some(b);
                x_new
            } else {
                x.sub(&d.div(&avg)?.mul_scalar(lr)?)?
            }
        }
        Kind::Adadelta => {
            let rho = h.rho;
            let sq = s[0]
                .mul_scalar(rho)?
                .add(&d.square()?.mul_scalar(1.0 - rho)?)?;
            let delta = s[1]
                .add_scalar(eps)?
                .sqrt()?
                .div(&sq.add_scalar(eps)?.sqrt()?)?
                .mul(&d)?;
            let acc = s[1]
                .mul_scalar(rho)?
                .add(&delta.square()?.mul_scalar(1.0 - rho)?)?;
            out[0] = Some(sq);
            out[1] = Some(acc);
            x.sub(&delta.mul_scalar(lr)?)?
        }
        Kind::Adam | Kind::AdamW => {
            let (b1, b2) = h.betas;
            let x = if kind == Kind::AdamW {
                x.mul_scalar(1.0 - lr * wd)?
            } else {
                x.clone()
            };
            // bias corrections: m / (1 - b1^t), sqrt(v / (1 - b2^t))
            let step_size = lr / (1.0 - b1.powf(t));
            let bc2_sqrt = (1.0 - b2.powf(t)).sqrt();
            let m = s[0].add(&d.sub(&s[0])?.mul_scalar(1.0 - b1)?)?;
            let v = s[1]
                .mul_scalar(b2)?
                .add(&d.square()?.mul_scalar(1.0 - b2)?)?;
            let vm = if h.amsgrad {
                let mx = s[2].maximum(&v)?;
                out[2] = Some(mx.clone());
                mx
            } else {
                v.clone()
            };
            let denom = vm.sqrt()?.div_scalar(bc2_sqrt)?.add_scalar(eps)?;
            let x_new = x.sub(&m.div(&denom)?.mul_scalar(step_size)?)?;
            out[0] = Some(m);
            out[1] = Some(v);
            x_new
        }
    };
    Ok((x_new, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DType, Device};

    /// Every rule with its options switched on, three steps, float64: the
    /// tensor-op form against the fused loop of `update.rs` (the one the
    /// PyTorch fixtures check), both on the CPU.
    #[test]
    fn tensor_ops_match_the_fused_loop() {
        let base = |k: Kind| Hyper {
            weight_decay: 0.1,
            ..k.defaults()
        };
        let cases: Vec<(Kind, Hyper)> = vec![
            (Kind::SGD, base(Kind::SGD)),
            (
                Kind::SGD,
                Hyper {
                    momentum: 0.9,
                    dampening: 0.1,
                    maximize: true,
                    ..base(Kind::SGD)
                },
            ),
            (
                Kind::SGD,
                Hyper {
                    momentum: 0.9,
                    nesterov: true,
                    ..base(Kind::SGD)
                },
            ),
            (
                Kind::Adagrad,
                Hyper {
                    lr_decay: 0.01,
                    ..base(Kind::Adagrad)
                },
            ),
            (Kind::RMSprop, base(Kind::RMSprop)),
            (
                Kind::RMSprop,
                Hyper {
                    momentum: 0.5,
                    centered: true,
                    ..base(Kind::RMSprop)
                },
            ),
            (
                Kind::RMSprop,
                Hyper {
                    centered: true,
                    ..base(Kind::RMSprop)
                },
            ),
            (Kind::Adadelta, base(Kind::Adadelta)),
            (Kind::Adam, base(Kind::Adam)),
            (
                Kind::Adam,
                Hyper {
                    amsgrad: true,
                    ..base(Kind::Adam)
                },
            ),
            (Kind::AdamW, base(Kind::AdamW)),
        ];
        let x0 = [0.5, -1.25, 2.0, 0.0, -0.3, 1.7];
        let grads = [
            [0.1, -0.4, 0.25, 1.5, -2.0, 0.05],
            [-0.3, 0.2, 0.0, 0.7, 1.1, -0.6],
            [0.9, -0.1, 0.35, -1.2, 0.4, 0.2],
        ];
        for (kind, h) in cases {
            let n = kind.buffers(&h).len();
            let mk = || Tensor::from_vec_f64(&x0, &[2, 3], DType::F64).unwrap();
            let (pa, pb) = (mk(), mk());
            let zeros = || -> Vec<Tensor> {
                (0..n)
                    .map(|_| Tensor::zeros_on(&[2, 3], DType::F64, Device::Cpu).unwrap())
                    .collect()
            };
            let (ba, bb) = (zeros(), zeros());
            for (i, gv) in grads.iter().enumerate() {
                let g = Tensor::from_vec_f64(gv, &[2, 3], DType::F64).unwrap();
                super::super::update::step(kind, &h, &pa, &g, i as u64, &ba).unwrap();
                step(kind, &h, &pb, &g, i as u64, &bb).unwrap();
            }
            let pairs = std::iter::once((&pa, &pb)).chain(ba.iter().zip(&bb));
            for (a, b) in pairs {
                for (u, v) in a.to_vec_f64().unwrap().iter().zip(b.to_vec_f64().unwrap()) {
                    assert!(
                        (u - v).abs() <= 1e-12 * (1.0 + u.abs()),
                        "{kind:?} {h:?}: {u} vs {v}"
                    );
                }
            }
        }
    }
}
