//! The per-element update rules, applied in one pass over a parameter, its
//! gradient and its state buffers (PyTorch's `_single_tensor_*` functions,
//! one element at a time in f64) on the CPU; parameters on another device
//! take the tensor-op form of `update_ops.rs`.

use rayon::prelude::*;

use super::{Hyper, Kind};
use crate::storage::cpu::IntoStorage;
use crate::storage::Storage;
use crate::{DType, Device, Error, Result, Tensor};

/// The most state buffers any rule keeps (RMSprop centered with momentum: 3).
const MAX_BUFS: usize = 3;

fn whole(t: &Tensor) -> bool {
    t.is_contiguous() && t.layout().offset() == 0 && t.numel() == t.storage().len()
}

/// Runs `f(param, grad, state)` for every element, writing param and state back.
fn apply<F: Fn(&mut f64, f64, &mut [f64]) + Sync>(
    p: &Tensor,
    g: &Tensor,
    bufs: &[Tensor],
    f: &F,
) -> Result<()> {
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
        DType::F32 => apply_t::<f32, F>(p, &g, bufs, f),
        DType::F64 => apply_t::<f64, F>(p, &g, bufs, f),
        d => Err(Error::Unsupported {
            op: "optimizer step",
            dtype: d,
            device: p.device(),
        }),
    }
}

fn slice_mut<T: IntoStorage>(s: &mut Storage) -> Result<&mut [T]> {
    match s {
        Storage::Cpu(c) => {
            T::slice_mut(c).ok_or_else(|| Error::Internal("optimizer state dtype".into()))
        }
        #[cfg(feature = "cuda")]
        Storage::Cuda(_) => Err(Error::Internal(
            "optimizer: CUDA state reached the host loop".into(),
        )),
    }
}

/// Elements per parallel task of an update.
const CHUNK: usize = 1 << 15;

fn apply_t<T: IntoStorage, F: Fn(&mut f64, f64, &mut [f64]) + Sync>(
    p: &Tensor,
    g: &Tensor,
    bufs: &[Tensor],
    f: &F,
) -> Result<()> {
    let gs = g.storage();
    let gv: &[T] = match &*gs {
        Storage::Cpu(c) => T::slice(c).ok_or_else(|| Error::Internal("grad dtype".into()))?,
        #[cfg(feature = "cuda")]
        Storage::Cuda(_) => {
            return Err(Error::Internal(
                "optimizer: CUDA grad reached the host loop".into(),
            ))
        }
    };
    let mut pg = p.storage_mut();
    let pv = slice_mut::<T>(&mut pg)?;
    let mut guards: Vec<_> = bufs.iter().map(|b| b.storage_mut()).collect();
    let mut bv: Vec<&mut [T]> = Vec::with_capacity(guards.len());
    for gd in guards.iter_mut() {
        bv.push(slice_mut::<T>(gd)?);
    }
    let n = bufs.len();
    if gv.len() != pv.len() || bv.iter().any(|b| b.len() != pv.len()) {
        return Err(Error::Internal(
            "optimizer: gradient or state size differs from the parameter".into(),
        ));
    }
    // Split parameter, gradient and every state buffer into the same chunks.
    let mut state_chunks: Vec<_> = bv.iter_mut().map(|b| b.chunks_mut(CHUNK)).collect();
    let mut tasks = Vec::with_capacity(pv.len().div_ceil(CHUNK));
    for (pc, gc) in pv.chunks_mut(CHUNK).zip(gv.chunks(CHUNK)) {
        let sc: Vec<&mut [T]> = state_chunks.iter_mut().filter_map(|it| it.next()).collect();
        tasks.push((pc, gc, sc));
    }
    let run = |(pc, gc, mut sc): (&mut [T], &[T], Vec<&mut [T]>)| {
        let mut s = [0f64; MAX_BUFS];
        for i in 0..pc.len() {
            let mut x = pc[i].to_f64();
            for k in 0..n {
                s[k] = sc[k][i].to_f64();
            }
            f(&mut x, gc[i].to_f64(), &mut s[..n]);
            pc[i] = T::from_f64(x);
            for k in 0..n {
                sc[k][i] = T::from_f64(s[k]);
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
    let t = (done + 1) as f64;
    let sign = if h.maximize { -1.0 } else { 1.0 };
    let (lr, wd, eps) = (h.lr, h.weight_decay, h.eps);
    match kind {
        Kind::SGD => {
            let (mom, damp, nest) = (h.momentum, h.dampening, h.nesterov);
            let first = done == 0;
            apply(p, g, bufs, &|x, g, s| {
                let mut d = sign * g;
                if wd != 0.0 {
                    d += wd * *x;
                }
                if mom != 0.0 {
                    // buf = g on the first step, then momentum * buf + (1 - dampening) * g
                    let b = if first {
                        d
                    } else {
                        mom * s[0] + (1.0 - damp) * d
                    };
                    s[0] = b;
                    d = if nest { d + mom * b } else { b };
                }
                *x -= lr * d;
            })
        }
        Kind::Adagrad => {
            let clr = lr / (1.0 + (t - 1.0) * h.lr_decay);
            apply(p, g, bufs, &|x, g, s| {
                let mut d = sign * g;
                if wd != 0.0 {
                    d += wd * *x;
                }
                s[0] += d * d;
                *x -= clr * (d / (s[0].sqrt() + eps));
            })
        }
        Kind::RMSprop => {
            let (alpha, mom, centered) = (h.alpha, h.momentum, h.centered);
            let mb = 1;
            let ga = if mom > 0.0 { 2 } else { 1 };
            apply(p, g, bufs, &|x, g, s| {
                let mut d = sign * g;
                if wd != 0.0 {
                    d += wd * *x;
                }
                s[0] = alpha * s[0] + (1.0 - alpha) * (d * d);
                let avg = if centered {
                    s[ga] += (d - s[ga]) * (1.0 - alpha);
                    (s[0] - (s[ga] * s[ga])).sqrt() + eps
                } else {
                    s[0].sqrt() + eps
                };
                if mom > 0.0 {
                    s[mb] = mom * s[mb] + d / avg;
                    *x -= lr * s[mb];
                } else {
                    *x -= lr * (d / avg);
                }
            })
        }
        Kind::Adadelta => {
            let rho = h.rho;
            apply(p, g, bufs, &|x, g, s| {
                let mut d = sign * g;
                if wd != 0.0 {
                    d += wd * *x;
                }
                s[0] = rho * s[0] + (1.0 - rho) * (d * d);
                let delta = (s[1] + eps).sqrt() / (s[0] + eps).sqrt() * d;
                s[1] = rho * s[1] + (1.0 - rho) * (delta * delta);
                *x -= lr * delta;
            })
        }
        Kind::Adam | Kind::AdamW => {
            let (b1, b2) = h.betas;
            let decoupled = kind == Kind::AdamW;
            let ams = h.amsgrad;
            // bias corrections: m / (1 - b1^t), sqrt(v / (1 - b2^t))
            let step_size = lr / (1.0 - b1.powf(t));
            let bc2_sqrt = (1.0 - b2.powf(t)).sqrt();
            apply(p, g, bufs, &|x, g, s| {
                let mut d = sign * g;
                if decoupled {
                    *x *= 1.0 - lr * wd;
                } else if wd != 0.0 {
                    d += wd * *x;
                }
                s[0] += (d - s[0]) * (1.0 - b1);
                s[1] = s[1] * b2 + (1.0 - b2) * (d * d);
                let v = if ams {
                    s[2] = s[2].max(s[1]);
                    s[2]
                } else {
                    s[1]
                };
                *x -= step_size * (s[0] / (v.sqrt() / bc2_sqrt + eps));
            })
        }
    }
}
