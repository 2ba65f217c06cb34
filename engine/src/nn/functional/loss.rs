//! Losses: `mse_loss`, `nll_loss` (fused, one `NllLossBackward0` node),
//! `cross_entropy` (`log_softmax` + `nll_loss`, as PyTorch records it, with
//! class weights, `ignore_index`, label smoothing and probability targets)
//! and `binary_cross_entropy_with_logits` (the stable `max(-x, 0)` form).

use crate::autograd::{record, with_no_grad, SavedTensor};
use crate::{DType, Error, Result, Tensor};

/// PyTorch's `reduction=` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    None,
    #[default]
    Mean,
    Sum,
}

impl Reduction {
    /// Parses `'none' | 'mean' | 'sum'`.
    pub fn from_name(s: &str) -> Result<Reduction> {
        match s {
            "none" => Ok(Reduction::None),
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            _ => Err(Error::invalid(format!(
                "{s} is not a valid value for reduction"
            ))),
        }
    }

    fn apply(self, t: Tensor) -> Result<Tensor> {
        match self {
            Reduction::None => Ok(t),
            Reduction::Mean => t.mean(),
            Reduction::Sum => t.sum(),
        }
    }
}

/// `F.mse_loss(input, target, reduction)`: `(input - target)^2`, reduced.
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    if let Some(c) = crate::amp::autocast_inputs("mse_loss", &[input, target])? {
        return mse_loss(&c[0], &c[1], reduction);
    }
    fused_difference_loss(
        "MseLossBackward0",
        input,
        target,
        reduction,
        |d| d.square(),
        |d| d.mul_scalar(2.0),
    )
}

/// A loss that is a function `f` of `d = input - target` (broadcast),
/// reduced, as one autograd node named as PyTorch's: its gradient is
/// `f'(d)` times the incoming gradient, for the input, and its negative for
/// the target (each summed back to its shape).
fn fused_difference_loss(
    name: &'static str,
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    f: impl Fn(&Tensor) -> Result<Tensor>,
    df: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
) -> Result<Tensor> {
    let out = with_no_grad(|| reduction.apply(f(&input.sub(target)?)?))?;
    let (si, st) = (
        SavedTensor::new("self", input),
        SavedTensor::new("target", target),
    );
    let (i_, t_) = (si.clone(), st.clone());
    let (in_shape, t_shape) = (input.shape().to_vec(), target.shape().to_vec());
    Ok(crate::autograd::record(
        out,
        name,
        &[input, target],
        vec![si, st],
        move |g, _| {
            let d = i_.get(name)?.sub(&t_.get(name)?)?;
            let full: Vec<i64> = d.shape().iter().map(|&n| n as i64).collect();
            let g = match reduction {
                Reduction::None => g.clone(),
                Reduction::Sum => g.expand(&full)?,
                Reduction::Mean => g.div_scalar(d.numel().max(1) as f64)?.expand(&full)?,
            };
            let gd = df(&d)?.mul(&g)?;
            Ok(vec![
                Some(crate::ops::sum_to_shape(&gd, &in_shape)?),
                Some(crate::ops::sum_to_shape(&gd.neg()?, &t_shape)?),
            ])
        },
    ))
}

/// `F.l1_loss(input, target, reduction)`: `|input - target|`, reduced
/// (operands broadcast, as in PyTorch and [`mse_loss`]).
pub fn l1_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    reduction.apply(input.sub(target)?.abs()?)
}

/// `F.smooth_l1_loss(input, target, reduction, beta)`: with `z = |input -
/// target|`, `0.5 z^2 / beta` where `z < beta`, else `z - 0.5 beta`
/// (PyTorch's order of operations; `beta = 0` is the L1 loss).
pub fn smooth_l1_loss(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    beta: f64,
) -> Result<Tensor> {
    if beta < 0.0 {
        return Err(Error::invalid(
            "smooth_l1_loss does not support negative values for beta.",
        ));
    }
    if beta == 0.0 {
        return l1_loss(input, target, reduction);
    }
    fused_difference_loss(
        "SmoothL1LossBackward0",
        input,
        target,
        reduction,
        move |d| {
            let z = d.abs()?;
            let quad = z.mul_scalar(0.5)?.mul(&z)?.div_scalar(beta)?;
            let lin = z.sub_scalar(0.5 * beta)?;
            Tensor::where_cond(&z.lt_scalar(beta)?, &quad, &lin)
        },
        // d / beta inside, sign(d) outside.
        move |d| {
            let inside = d.abs()?.lt_scalar(beta)?;
            Tensor::where_cond(&inside, &d.div_scalar(beta)?, &d.sign()?)
        },
    )
}

/// `F.huber_loss(input, target, reduction, delta)`: `0.5 z^2` where
/// `z < delta`, else `delta (z - 0.5 delta)`.
pub fn huber_loss(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    delta: f64,
) -> Result<Tensor> {
    if delta <= 0.0 {
        return Err(Error::invalid(
            "huber_loss does not support non-positive values for delta.",
        ));
    }
    fused_difference_loss(
        "HuberLossBackward0",
        input,
        target,
        reduction,
        move |d| {
            let z = d.abs()?;
            let quad = z.mul_scalar(0.5)?.mul(&z)?;
            let lin = z.sub_scalar(0.5 * delta)?.mul_scalar(delta)?;
            Tensor::where_cond(&z.lt_scalar(delta)?, &quad, &lin)
        },
        // d inside, delta sign(d) outside.
        move |d| {
            let inside = d.abs()?.lt_scalar(delta)?;
            Tensor::where_cond(&inside, d, &d.sign()?.mul_scalar(delta)?)
        },
    )
}

/// `F.binary_cross_entropy(input, target, weight, reduction)` on
/// probabilities: `(y - 1) max(log(1 - x), -100) - y max(log x, -100)`,
/// times `weight` (PyTorch's CPU formula, logs clamped at -100).
pub fn binary_cross_entropy(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    if input.shape() != target.shape() {
        return Err(Error::value(format!(
            "Using a target size ({}) that is different to the input size ({}) is deprecated. \
             Please ensure they have the same size.",
            crate::nn::state::torch_size(target.shape()),
            crate::nn::state::torch_size(input.shape())
        )));
    }
    let outside = |t: &Tensor| -> Result<bool> {
        let bad = t.lt_scalar(0.0)?.logical_or(&t.gt_scalar(1.0)?)?;
        Ok(bad.any(None, false)?.item()? != 0.0)
    };
    if outside(input)? {
        return Err(Error::invalid(
            "all elements of input should be between 0 and 1",
        ));
    }
    if outside(target)? {
        return Err(Error::invalid(
            "all elements of target should be between 0 and 1",
        ));
    }
    let w = weight.cloned();
    let out = with_no_grad(|| -> Result<Tensor> {
        let log_1mx = input.neg()?.log1p()?.clamp(Some(-100.0), None)?;
        let log_x = input.log()?.clamp(Some(-100.0), None)?;
        let mut loss = target
            .sub_scalar(1.0)?
            .mul(&log_1mx)?
            .sub(&target.mul(&log_x)?)?;
        if let Some(w) = &w {
            loss = loss.mul(w)?;
        }
        reduction.apply(loss)
    })?;
    // One node, as PyTorch's: d/dx = (x - y) / max((1 - x) x, 1e-12) * w,
    // d/dy = (max(log(1 - x), -100) - max(log x, -100)) * w.
    const NAME: &str = "BinaryCrossEntropyBackward0";
    let (sx, sy) = (
        SavedTensor::new("self", input),
        SavedTensor::new("target", target),
    );
    let (x_, y_) = (sx.clone(), sy.clone());
    let shape = input.shape().to_vec();
    let n = input.numel();
    Ok(record(
        out,
        NAME,
        &[input, target],
        vec![sx, sy],
        move |g, needs| {
            let (x, y) = (x_.get(NAME)?, y_.get(NAME)?);
            let g = match reduction {
                Reduction::None => g.clone(),
                Reduction::Sum => g.expand(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?,
                Reduction::Mean => g
                    .div_scalar(n as f64)?
                    .expand(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>())?,
            };
            let g = match &w {
                Some(w) => g.mul(w)?,
                None => g,
            };
            let gx = if needs.first().copied().unwrap_or(true) {
                let denom = x.rsub_scalar(1.0)?.mul(&x)?.clamp(Some(1e-12), None)?;
                Some(x.sub(&y)?.div(&denom)?.mul(&g)?)
            } else {
                None
            };
            let gy = if needs.get(1).copied().unwrap_or(false) {
                let l1 = x.neg()?.log1p()?.clamp(Some(-100.0), None)?;
                let l0 = x.log()?.clamp(Some(-100.0), None)?;
                Some(l1.sub(&l0)?.mul(&g)?)
            } else {
                None
            };
            Ok(vec![gx, gy])
        },
    ))
}

/// Options of `nll_loss` / `cross_entropy` beyond input and target;
/// `LossOptions::default()` is PyTorch's defaults (`ignore_index=-100`).
///
/// ```
/// use tinytorch::prelude::*;
/// let logits = Tensor::new([[2f32, 0.], [0., 2.]])?;
/// let target = Tensor::new([0i64, 0])?; // class 0 is not ignored
/// let loss = F::cross_entropy(&logits, &target, &LossOptions::default())?.item()?;
/// // mean of log(1 + e^-2) and 2 + log(1 + e^-2)
/// assert!((loss - (1.0 + (1.0 + (-2f64).exp()).ln())).abs() < 1e-6);
/// # Ok::<(), tinytorch::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LossOptions {
    /// Per-class rescaling weight `[C]`.
    pub weight: Option<Tensor>,
    /// Target value that contributes neither loss nor gradient (PyTorch: -100).
    pub ignore_index: i64,
    pub reduction: Reduction,
    /// `cross_entropy` only: mixes the target with the uniform distribution.
    pub label_smoothing: f64,
}

impl LossOptions {
    /// PyTorch's defaults: no weight, `ignore_index=-100`, `'mean'`, no smoothing.
    pub fn new() -> Self {
        LossOptions {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
            label_smoothing: 0.0,
        }
    }
}

impl Default for LossOptions {
    fn default() -> Self {
        LossOptions::new()
    }
}

/// Moves the class dim (1) last and flattens: `[N, C, d..]` -> `[N*d.., C]`;
/// `[C]` -> `[1, C]`. Returns the flat view and the permutation used.
fn rows(x: &Tensor) -> Result<(Tensor, Option<Vec<i64>>)> {
    match x.dim() {
        1 => Ok((x.unsqueeze(0)?, None)),
        2 => Ok((x.clone(), None)),
        nd => {
            let mut perm: Vec<i64> = vec![0];
            perm.extend(2..nd as i64);
            perm.push(1);
            let c = x.shape()[1];
            Ok((x.permute(&perm)?.reshape(&[-1, c as i64])?, Some(perm)))
        }
    }
}

fn check_target(input: &Tensor, target: &Tensor) -> Result<()> {
    if target.dtype() != DType::I64 {
        return Err(Error::DTypeMismatch {
            op: "nll_loss",
            expected: Some(DType::I64),
            got: target.dtype(),
            msg: format!(
                "expected scalar type Long but found {}",
                match target.dtype() {
                    DType::F32 => "Float",
                    DType::F64 => "Double",
                    DType::I32 => "Int",
                    DType::F16 => "Half",
                    DType::BF16 => "BFloat16",
                    _ => "Bool",
                }
            ),
        });
    }
    let ok = match input.dim() {
        1 => target.dim() == 0,
        _ => {
            let mut s = input.shape().to_vec();
            s.remove(1);
            target.shape() == s.as_slice()
        }
    };
    if !ok {
        if input.dim() >= 2 && target.dim() >= 1 && target.shape()[0] != input.shape()[0] {
            return Err(Error::invalid(format!(
                "Expected input batch_size ({}) to match target batch_size ({}).",
                input.shape()[0],
                target.shape()[0]
            )));
        }
        return Err(Error::invalid(format!(
            "expected target of size {:?} for input of size {:?}, got {:?}",
            {
                let mut s = input.shape().to_vec();
                if !s.is_empty() {
                    s.remove(if s.len() == 1 { 0 } else { 1 });
                }
                s
            },
            input.shape(),
            target.shape()
        )));
    }
    Ok(())
}

/// Autocast for nll_loss / cross_entropy: input, target (int64 targets are
/// left alone) and the class weight cast together.
fn autocast_loss(
    op: &str,
    input: &Tensor,
    target: &Tensor,
    opts: &LossOptions,
) -> Result<Option<(Tensor, Tensor, LossOptions)>> {
    let args = [Some(input), Some(target), opts.weight.as_ref()];
    let Some(c) = crate::amp::autocast_optional_inputs(op, &args)? else {
        return Ok(None);
    };
    let [i, t, w] = <[Option<Tensor>; 3]>::try_from(c)
        .expect("autocast_optional_inputs keeps one slot per argument");
    let opts = LossOptions {
        weight: w,
        ..opts.clone()
    };
    Ok(Some((
        i.expect("input is present"),
        t.expect("target is present"),
        opts,
    )))
}

/// `F.nll_loss(input, target, weight, ignore_index, reduction)` on log-probabilities
/// `[N, C]`, `[C]` or `[N, C, d..]` with int64 targets.
pub fn nll_loss(input: &Tensor, target: &Tensor, opts: &LossOptions) -> Result<Tensor> {
    if let Some((input, target, opts)) = autocast_loss("nll_loss", input, target, opts)? {
        return nll_loss(&input, &target, &opts);
    }
    if input.dim() == 0 {
        return Err(Error::invalid("input tensor should be 1D or 2D"));
    }
    check_target(input, target)?;
    let c = input.shape()[if input.dim() == 1 { 0 } else { 1 }];
    if let Some(w) = &opts.weight {
        if w.shape() != [c] {
            return Err(Error::invalid(format!(
                "weight tensor should be defined either for all {c} classes or no classes but got weight tensor of shape: {:?}",
                w.shape()
            )));
        }
    }
    let ids = target.to_vec_i64()?;
    let wv: Option<Vec<f64>> = match &opts.weight {
        Some(w) => Some(w.to_vec_f64()?),
        None => None,
    };
    let mut safe = Vec::with_capacity(ids.len());
    let mut wrow = Vec::with_capacity(ids.len());
    for &t in &ids {
        if t == opts.ignore_index {
            safe.push(0);
            wrow.push(0.0);
            continue;
        }
        if t < 0 || t as usize >= c {
            return Err(Error::invalid(format!("Target {t} is out of bounds.")));
        }
        safe.push(t);
        wrow.push(wv.as_ref().map_or(1.0, |w| w[t as usize]));
    }
    let total: f64 = wrow.iter().sum();
    let m = ids.len();
    let dt = input.dtype();
    let idx = Tensor::from_vec(safe, &[m, 1])?.to_device(input.device())?;
    let wt = Tensor::from_vec_f64(&wrow, &[m], dt)?.to_device(input.device())?;
    let reduction = opts.reduction;
    let out = with_no_grad(|| -> Result<Tensor> {
        let (x2, _) = rows(input)?;
        let picked = x2.gather(1, &idx)?.reshape_to(&[m])?;
        let l = picked.mul(&wt)?.neg()?;
        match reduction {
            Reduction::None => l.reshape_to(target.shape()),
            Reduction::Sum => l.sum(),
            Reduction::Mean => l.sum()?.div_scalar(total),
        }
    })?;
    let in_shape = input.shape().to_vec();
    let sidx = SavedTensor::new("target", &idx);
    let sw = SavedTensor::new("weight", &wt);
    let (si, sw2) = (sidx.clone(), sw.clone());
    const NAME: &str = "NllLossBackward0";
    Ok(record(out, NAME, &[input], vec![sidx, sw], move |g, _| {
        let (idx, wt) = (si.get(NAME)?, sw2.get(NAME)?);
        // d loss_i / d x[i, t_i] = -w_i (scaled by 1/total for 'mean'); 0 elsewhere
        let gi = match reduction {
            Reduction::None => g.reshape_to(&[m])?,
            Reduction::Sum => g.expand(&[m as i64])?,
            Reduction::Mean => g.div_scalar(total)?.expand(&[m as i64])?,
        };
        let src = gi.mul(&wt)?.neg()?.reshape_to(&[m, 1])?;
        let c = *in_shape
            .get(if in_shape.len() == 1 { 0 } else { 1 })
            .unwrap_or(&1);
        let z = Tensor::zeros_on(&[m, c], g.dtype(), g.device())?;
        let gx = z.scatter(1, &idx, &src)?;
        let gx = match in_shape.len() {
            1 | 2 => gx.reshape_to(&in_shape)?,
            nd => {
                // [N*d.., C] -> [N, d.., C] -> [N, C, d..]
                let mut s: Vec<usize> = vec![in_shape[0]];
                s.extend(&in_shape[2..]);
                s.push(c);
                let mut inv: Vec<i64> = vec![0, nd as i64 - 1];
                inv.extend(1..nd as i64 - 1);
                gx.reshape_to(&s)?.permute(&inv)?.contiguous()?
            }
        };
        Ok(vec![Some(gx)])
    }))
}

/// `F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)`:
/// int64 class targets or float probability targets of the input's shape.
pub fn cross_entropy(input: &Tensor, target: &Tensor, opts: &LossOptions) -> Result<Tensor> {
    if let Some((input, target, opts)) = autocast_loss("cross_entropy", input, target, opts)? {
        return cross_entropy(&input, &target, &opts);
    }
    if input.dim() == 0 {
        return Err(Error::invalid("input tensor should be 1D or 2D"));
    }
    let cdim: i64 = if input.dim() == 1 { 0 } else { 1 };
    let c = input.shape()[cdim as usize];
    let ls = opts.label_smoothing;
    if !(0.0..=1.0).contains(&ls) {
        return Err(Error::invalid(format!(
            "label_smoothing must be between 0.0 and 1.0. Got: {ls}"
        )));
    }
    let logp = input.log_softmax(cdim)?;
    // a [C] weight broadcast along the class dim
    let wb = |w: &Tensor| -> Result<Tensor> {
        let mut s = vec![1usize; input.dim()];
        s[cdim as usize] = c;
        w.reshape_to(&s)
    };
    if target.dtype().is_float() {
        if target.shape() != input.shape() {
            return Err(Error::invalid(format!(
                "Expected target size {:?}, got {:?}",
                input.shape(),
                target.shape()
            )));
        }
        let t = if ls > 0.0 {
            target.mul_scalar(1.0 - ls)?.add_scalar(ls / c as f64)?
        } else {
            target.clone()
        };
        let mut prod = logp.mul(&t)?;
        if let Some(w) = &opts.weight {
            prod = prod.mul(&wb(w)?)?;
        }
        let per = prod.sum_dims(&[cdim], false)?.neg()?;
        return match opts.reduction {
            Reduction::None => Ok(per),
            Reduction::Sum => per.sum(),
            Reduction::Mean => {
                let n = if input.dim() == 1 {
                    1
                } else {
                    input.numel() / c
                };
                per.sum()?.div_scalar(n as f64)
            }
        };
    }
    let nll = nll_loss(&logp, target, opts)?;
    if ls <= 0.0 {
        return Ok(nll);
    }
    // PyTorch's label smoothing: (1 - ls) * nll + ls / C * smooth, where smooth is
    // -sum_c w_c logp_c per element (0 where ignored), reduced like nll
    let ignore = target.eq_scalar(opts.ignore_index)?;
    let weighted = match &opts.weight {
        Some(w) => logp.mul(&wb(w)?)?,
        None => logp.clone(),
    };
    let smooth = weighted
        .sum_dims(&[cdim], false)?
        .neg()?
        .masked_fill(&ignore, 0.0)?;
    let smooth = match opts.reduction {
        Reduction::None => smooth,
        Reduction::Sum => smooth.sum()?,
        Reduction::Mean => {
            let ids = target.to_vec_i64()?;
            let denom: f64 = match &opts.weight {
                Some(w) => {
                    let wv = w.to_vec_f64()?;
                    ids.iter()
                        .filter(|&&t| t != opts.ignore_index)
                        .map(|&t| wv[t as usize])
                        .sum()
                }
                None => ids.iter().filter(|&&t| t != opts.ignore_index).count() as f64,
            };
            smooth.sum()?.div_scalar(denom)?
        }
    };
    nll.mul_scalar(1.0 - ls)?
        .add(&smooth.mul_scalar(ls / c as f64)?)
}

/// `F.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)`:
/// `(1 - y) x + (1 + (pw - 1) y) (log(1 + e^-|x|) + max(-x, 0))`, times `weight`.
pub fn binary_cross_entropy_with_logits(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    if let Some(c) = crate::amp::autocast_optional_inputs(
        "binary_cross_entropy_with_logits",
        &[Some(input), Some(target), weight, pos_weight],
    )? {
        let [i, t, w, pw] = <[Option<Tensor>; 4]>::try_from(c)
            .expect("autocast_optional_inputs keeps one slot per argument");
        let (i, t) = (i.expect("input is present"), t.expect("target is present"));
        return binary_cross_entropy_with_logits(&i, &t, w.as_ref(), pw.as_ref(), reduction);
    }
    if input.shape() != target.shape() {
        return Err(Error::invalid(format!(
            "Target size ({}) must be the same as input size ({})",
            crate::nn::state::torch_size(target.shape()),
            crate::nn::state::torch_size(input.shape())
        )));
    }
    let composite = || -> Result<Tensor> {
        let soft = input
            .abs()?
            .neg()?
            .exp()?
            .log1p()?
            .add(&input.neg()?.relu()?)?;
        let lw = match pos_weight {
            Some(pw) => pw.sub_scalar(1.0)?.mul(target)?.add_scalar(1.0)?,
            None => Tensor::ones_on(&[], input.dtype(), input.device())?,
        };
        let mut loss = target.rsub_scalar(1.0)?.mul(input)?.add(&lw.mul(&soft)?)?;
        if let Some(w) = weight {
            loss = loss.mul(w)?;
        }
        reduction.apply(loss)
    };
    // Gradients for weight or pos_weight come from the composite's graph;
    // otherwise one node, as PyTorch's.
    if weight.is_some_and(|w| w.requires_grad()) || pos_weight.is_some_and(|p| p.requires_grad()) {
        return composite();
    }
    let out = with_no_grad(composite)?;
    const NAME: &str = "BinaryCrossEntropyWithLogitsBackward0";
    let (sx, sy) = (
        SavedTensor::new("self", input),
        SavedTensor::new("target", target),
    );
    let (x_, y_) = (sx.clone(), sy.clone());
    let (w, pw) = (weight.cloned(), pos_weight.cloned());
    let shape: Vec<i64> = input.shape().iter().map(|&n| n as i64).collect();
    let n = input.numel().max(1) as f64;
    Ok(record(
        out,
        NAME,
        &[input, target],
        vec![sx, sy],
        move |g, _| {
            let (x, y) = (x_.get(NAME)?, y_.get(NAME)?);
            let g = match reduction {
                Reduction::None => g.clone(),
                Reduction::Sum => g.expand(&shape)?,
                Reduction::Mean => g.div_scalar(n)?.expand(&shape)?,
            };
            let g = match &w {
                Some(w) => g.mul(w)?,
                None => g,
            };
            // d/dx = (1 - y) + lw (sigmoid(x) - 1), lw = 1 + (pw - 1) y.
            let lw = match &pw {
                Some(pw) => pw.sub_scalar(1.0)?.mul(&y)?.add_scalar(1.0)?,
                None => Tensor::ones_on(&[], x.dtype(), x.device())?,
            };
            let gx = y
                .rsub_scalar(1.0)?
                .add(&lw.mul(&x.sigmoid()?.sub_scalar(1.0)?)?)?
                .mul(&g)?;
            // d/dy = -x + (pw - 1) softplus(-x).
            let gy = match &pw {
                Some(pw) => {
                    let soft = x.abs()?.neg()?.exp()?.log1p()?.add(&x.neg()?.relu()?)?;
                    pw.sub_scalar(1.0)?.mul(&soft)?.sub(&x)?
                }
                None => x.neg()?,
            }
            .mul(&g)?;
            Ok(vec![Some(gx), Some(gy)])
        },
    ))
}
