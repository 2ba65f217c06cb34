//! The per-element update rules, applied in one pass over a parameter, its
//! gradient and its state buffers (PyTorch's `_single_tensor_*` functions,
//! which run on the CPU) in the parameter's own float type, with PyTorch's
//! order of operations; parameters on another device take the tensor-op
//! form of `update_ops.rs`.
//!
//! Each rule is a closure over one element and a fixed-size array of its
//! state values, so the chunk loop below compiles to straight-line (and
//! vectorisable) code per rule and per state count.

use rayon::prelude::*;

use super::{Hyper, Kind};
use crate::dtype::Float;
use crate::storage::cpu::IntoStorage;
use crate::storage::Storage;
use crate::{DType, Device, Error, Result, Tensor};

/// The float types parameters are updated in.
trait Real: Float + IntoStorage {
    /// A hyperparameter in this type (PyTorch casts its Python-float scalars
    /// to the tensor's dtype the same way).
    fn of(v: f64) -> Self;
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
}

fn whole(t: &Tensor) -> bool {
    t.is_contiguous() && t.layout().offset() == 0 && t.numel() == t.storage().len()
}

/// Elements per parallel task of an update. An update streams memory at a
/// few elements per ns, so below this size one core finishes it before the
/// pool's sleeping workers would wake (measured on lang/benches' MLP loop).
const CHUNK: usize = 1 << 18;

/// The host buffer of a parameter, gradient or state (the CPU path only
/// reaches here for CPU tensors; see `step`).
fn host_mut<T: IntoStorage>(s: &mut Storage) -> Result<&mut [T]> {
    s.host_slice_mut()
        .ok_or_else(|| Error::Internal("optimizer: a buffer that is not a host buffer of the parameter's dtype reached the host loop".into()))
}

/// Runs `f(param, grad, state)` for every element of `p` (whose gradient
/// `g` has already been made contiguous and of `p`'s dtype), writing the
/// parameter and its `N` state buffers back.
fn apply<R: Real, const N: usize, F: Fn(&mut R, R, &mut [R; N]) + Sync>(
    p: &Tensor,
    g: &Tensor,
    bufs: &[Tensor],
    f: F,
) -> Result<()> {
    if bufs.len() != N {
        return Err(Error::Internal(format!(
            "optimizer: {} state buffers where the rule keeps {N}",
            bufs.len()
        )));
    }
    let gs = g.storage();
    let gv: &[R] = gs.host_slice().ok_or_else(|| {
        Error::Internal(
            "optimizer: the gradient is not a host buffer of the parameter's dtype".into(),
        )
    })?;
    let mut pg = p.storage_mut();
    let pv = host_mut::<R>(&mut pg)?;
    let mut guards: Vec<_> = bufs.iter().map(|b| b.storage_mut()).collect();
    let mut bv: Vec<&mut [R]> = Vec::with_capacity(N);
    for gd in guards.iter_mut() {
        bv.push(host_mut::<R>(gd)?);
    }
    if gv.len() != pv.len() || bv.iter().any(|b| b.len() != pv.len()) {
        return Err(Error::Internal(
            "optimizer: gradient or state size differs from the parameter".into(),
        ));
    }
    // Split parameter, gradient and every state buffer into the same chunks.
    let mut state_chunks: Vec<_> = bv.into_iter().map(|b| b.chunks_mut(CHUNK)).collect();
    let mut tasks = Vec::with_capacity(pv.len().div_ceil(CHUNK));
    for (pc, gc) in pv.chunks_mut(CHUNK).zip(gv.chunks(CHUNK)) {
        let mut it = state_chunks.iter_mut().filter_map(|it| it.next());
        let sc: [&mut [R]; N] = std::array::from_fn(|_| it.next().unwrap_or_default());
        tasks.push((pc, gc, sc));
    }
    let run = |(pc, gc, mut sc): (&mut [R], &[R], [&mut [R]; N])| {
        let len = pc.len();
        let gc = &gc[..len];
        for s in sc.iter_mut() {
            let t = std::mem::take(s);
            *s = &mut t[..len];
        }
        for i in 0..len {
            let mut s: [R; N] = std::array::from_fn(|k| sc[k][i]);
            f(&mut pc[i], gc[i], &mut s);
            for (dst, v) in sc.iter_mut().zip(s) {
                dst[i] = v;
            }
        }
    };
    if tasks.len() > 1 {
        tasks.into_par_iter().for_each(run);
    } else {
        tasks.into_iter().for_each(run);
    }
    drop(guards);
    drop(pg);
    p.storage_cell().bump_version();
    for b in bufs {
        b.storage_cell().bump_version();
    }
    Ok(())
}

/// One step of `kind` for parameter `p`; `done` is the number of steps taken before.
pub(super) fn step(
    kind: Kind,
    h: &Hyper,
    p: &Tensor,
    g: &Tensor,
    done: u64,
    bufs: &[Tensor],
) -> Result<()> {
    if p.device() != Device::Cpu {
        // on a device: the same rules in tensor ops, where the parameter lives
        return super::update_ops::step(kind, h, p, g, done, bufs);
    }
    if !whole(p) {
        return Err(Error::invalid(
            "optimizer: parameters must be contiguous tensors owning their storage",
        ));
    }
    let g = if whole(g) && g.dtype() == p.dtype() {
        g.clone()
    } else {
        g.to_dtype(p.dtype())?.contiguous_copy()?
    };
    match p.dtype() {
        DType::F32 => step_t::<f32>(kind, h, p, &g, done, bufs),
        DType::F64 => step_t::<f64>(kind, h, p, &g, done, bufs),
        d => Err(Error::Unsupported {
            op: "optimizer step",
            dtype: d,
            device: p.device(),
        }),
    }
}

/// [`step`] in the parameter's float type `R`.
fn step_t<R: Real>(
    kind: Kind,
    h: &Hyper,
    p: &Tensor,
    g: &Tensor,
    done: u64,
    bufs: &[Tensor],
) -> Result<()> {
    let t = (done + 1) as f64;
    let maximize = h.maximize;
    let (lr, wd, eps) = (R::of(h.lr), R::of(h.weight_decay), R::of(h.eps));
    let decay = h.weight_decay != 0.0;
    // d = ±grad (+ weight_decay * param)
    let dir = move |x: R, g: R| {
        let d = if maximize { -g } else { g };
        if decay {
            d + wd * x
        } else {
            d
        }
    };
    match kind {
        Kind::SGD if h.momentum != 0.0 => {
            let (mom, damp1, nest) = (R::of(h.momentum), R::of(1.0 - h.dampening), h.nesterov);
            let first = done == 0;
            apply(p, g, bufs, |x, g, [b]: &mut [R; 1]| {
                let d = dir(*x, g);
                // buf = d on the first step, then momentum * buf + (1 - dampening) * d
                *b = if first { d } else { *b * mom + damp1 * d };
                let d = if nest { d + mom * *b } else { *b };
                *x = *x - lr * d;
            })
        }
        Kind::SGD => apply(p, g, bufs, |x, g, _: &mut [R; 0]| {
            *x = *x - lr * dir(*x, g);
        }),
        Kind::Adagrad => {
            let clr = R::of(h.lr / (1.0 + (t - 1.0) * h.lr_decay));
            apply(p, g, bufs, |x, g, [sum]: &mut [R; 1]| {
                let d = dir(*x, g);
                *sum = *sum + d * d;
                *x = *x - clr * (d / (sum.sqrt() + eps));
            })
        }
        Kind::RMSprop => {
            let (alpha, alpha1, mom) = (R::of(h.alpha), R::of(1.0 - h.alpha), R::of(h.momentum));
            // square_avg = alpha * square_avg + (1 - alpha) * d^2
            let sq = move |s: R, d: R| s * alpha + alpha1 * d * d;
            // grad_avg.lerp_(d, 1 - alpha); avg = sqrt(square_avg - grad_avg^2) + eps
            let centred = move |s: R, ga: &mut R, d: R| {
                *ga = lerp(*ga, d, alpha1);
                (s - *ga * *ga).sqrt() + eps
            };
            match (h.momentum > 0.0, h.centered) {
                (false, false) => apply(p, g, bufs, |x, g, [s]: &mut [R; 1]| {
                    let d = dir(*x, g);
                    *s = sq(*s, d);
                    *x = *x - lr * (d / (s.sqrt() + eps));
                }),
                (false, true) => apply(p, g, bufs, |x, g, [s, ga]: &mut [R; 2]| {
                    let d = dir(*x, g);
                    *s = sq(*s, d);
                    let avg = centred(*s, ga, d);
                    *x = *x - lr * (d / avg);
                }),
                (true, false) => apply(p, g, bufs, |x, g, [s, b]: &mut [R; 2]| {
                    let d = dir(*x, g);
                    *s = sq(*s, d);
                    *b = *b * mom + d / (s.sqrt() + eps);
                    *x = *x - lr * *b;
                }),
                (true, true) => apply(p, g, bufs, |x, g, [s, b, ga]: &mut [R; 3]| {
                    let d = dir(*x, g);
                    *s = sq(*s, d);
                    let avg = centred(*s, ga, d);
                    *b = *b * mom + d / avg;
                    *x = *x - lr * *b;
                }),
            }
        }
        Kind::Adadelta => {
            let (rho, rho1) = (R::of(h.rho), R::of(1.0 - h.rho));
            apply(p, g, bufs, |x, g, [sq, acc]: &mut [R; 2]| {
                let d = dir(*x, g);
                *sq = *sq * rho + rho1 * d * d;
                let delta = (*acc + eps).sqrt() / (*sq + eps).sqrt() * d;
                *acc = *acc * rho + rho1 * delta * delta;
                *x = *x - lr * delta;
            })
        }
        Kind::Adam | Kind::AdamW => {
            let (b1, b2) = h.betas;
            // bias corrections: m / (1 - b1^t), sqrt(v / (1 - b2^t)); PyTorch
            // works these out in Python floats
            let step_size = R::of(h.lr / (1.0 - b1.powf(t)));
            let bc2_sqrt = R::of((1.0 - b2.powf(t)).sqrt());
            let (b1_1, b2, b2_1) = (R::of(1.0 - b1), R::of(b2), R::of(1.0 - b2));
            let shrink = R::of(1.0 - h.lr * h.weight_decay);
            let adamw = kind == Kind::AdamW;
            // the moments and the parameter, given the denominator's second moment
            let moments = move |x: &mut R, g: R, m: &mut R, v: &mut R| {
                let d = if adamw {
                    *x = *x * shrink;
                    if maximize {
                        -g
                    } else {
                        g
                    }
                } else {
                    dir(*x, g)
                };
                *m = lerp(*m, d, b1_1);
                *v = *v * b2 + b2_1 * d * d;
            };
            let update = move |x: &mut R, m: R, v: R| {
                *x = *x - step_size * (m / (v.sqrt() / bc2_sqrt + eps));
            };
            if h.amsgrad {
                apply(p, g, bufs, |x, g, [m, v, vmax]: &mut [R; 3]| {
                    moments(x, g, m, v);
                    *vmax = vmax.max(*v);
                    update(x, *m, *vmax);
                })
            } else {
                apply(p, g, bufs, |x, g, [m, v]: &mut [R; 2]| {
                    moments(x, g, m, v);
                    update(x, *m, *v);
                })
            }
        }
    }
}

/// `torch.lerp(a, b, w)` as PyTorch computes it (from the nearer end).
fn lerp<R: Real>(a: R, b: R, w: R) -> R {
    if w.abs() < R::of(0.5) {
        a + w * (b - a)
    } else {
        b - (b - a) * (R::one() - w)
    }
}
