//! Shapes, joins, splits, sorting and gathers: `reshape view permute
//! transpose flatten squeeze unsqueeze narrow select expand cat stack split
//! chunk repeat tril triu flip sort argsort topk index_select gather
//! scatter scatter_add`, views where PyTorch makes views.

use super::tensor::{ok, value};
use super::values::values_indices;
use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::Tensor;

#[rustfmt::skip]
pub const BOTH: &[Row] = &[
    row("reshape(Tensor input, int[] shape)", "The elements in a new shape (a view when possible); one size may be -1.", reshape),
    row("broadcast_to(Tensor input, int[] size)", "A broadcast view of the given size.", broadcast_to),
    row("permute(Tensor input, int[] dims)", "A view with the dims reordered.", permute),
    row("transpose(Tensor input, int dim0, int dim1)", "A view with two dims swapped.", transpose),
    row("swapaxes(Tensor input, int axis0, int axis1)", "Alias of transpose.", transpose),
    row("swapdims(Tensor input, int dim0, int dim1)", "Alias of transpose.", transpose),
    row("t(Tensor input)", "The transpose of a matrix (a 0-D or 1-D tensor as it is).", t),
    row("flatten(Tensor input, int start_dim=0, int end_dim=-1)", "The dims start_dim..end_dim merged into one.", flatten),
    row("unflatten(Tensor input, int dim, int[] sizes)", "dim split into the given sizes.", unflatten),
    row("squeeze(Tensor input) | squeeze(Tensor input, int dim) | squeeze(Tensor input, int[] dim)", "A view without size-1 dims (only the given ones, if any).", squeeze),
    row("unsqueeze(Tensor input, int dim)", "A view with a size-1 dim inserted at dim.", unsqueeze),
    row("narrow(Tensor input, int dim, int start, int length)", "A view of length elements of dim from start.", narrow),
    row("select(Tensor input, int dim, int index)", "A view of one index of dim (that dim removed).", select),
    row("split(Tensor input, int split_size_or_sections, int dim=0) | split(Tensor input, int[] split_size_or_sections, int dim=0)", "Views of pieces of split_size (or of the given sizes) along dim.", split),
    row("chunk(Tensor input, int chunks, int dim=0)", "chunks views of (nearly) equal size along dim.", chunk),
    row("tril(Tensor input, int diagonal=0)", "The lower triangle (elements above diagonal zeroed).", tril),
    row("triu(Tensor input, int diagonal=0)", "The upper triangle (elements below diagonal zeroed).", triu),
    row("flip(Tensor input, int[] dims)", "The elements reversed along dims.", flip),
    row("sort(Tensor input, int dim=-1, bool descending=False, *, bool? stable=None)", "(values, indices) sorted along dim (stable).", sort),
    row("argsort(Tensor input, int dim=-1, bool descending=False, *, bool stable=False)", "The indices that sort along dim.", argsort),
    row("topk(Tensor input, int k, int dim=-1, bool largest=True, bool sorted=True)", "(values, indices) of the k largest (or smallest) along dim.", topk),
    row("index_select(Tensor input, int dim, Tensor index)", "The entries of dim at the given indices.", index_select),
    row("gather(Tensor input, int dim, Tensor index, *, bool sparse_grad=False)", "Values picked along dim by index (index's shape).", gather),
    row("scatter(Tensor input, int dim, Tensor index, Tensor src) | scatter(Tensor input, int dim, Tensor index, Scalar value)", "A copy with src (or value) written along dim at index.", scatter),
    row("scatter_add(Tensor input, int dim, Tensor index, Tensor src)", "A copy with src added along dim at index.", scatter_add),
    row("unbind(Tensor input, int dim=0)", "The slices along dim, as a tuple (the dim removed).\n\n>>> torch.unbind(torch.zeros(2, 3), 1)[0].shape\ntorch.Size([2])", unbind),
    row("repeat_interleave(Tensor input, Tensor repeats, int? dim=None, *, int? output_size=None) | repeat_interleave(Tensor input, int repeats, int? dim=None, *, int? output_size=None) | repeat_interleave(Tensor repeats, *, int? output_size=None)", "Each element (or slice along dim) repeated, one count for all or one per element; of one tensor of counts, its indices repeated.\n\n>>> torch.tensor([1, 2]).repeat_interleave(2)\ntensor([1, 1, 2, 2])", repeat_interleave),
];

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("view(Tensor input, int[] size)", "A view in a new shape (the elements must be laid out for it); one size may be -1.", view),
    row("view_as(Tensor input, Tensor other)", "A view in other's shape.", view_as),
    row("reshape_as(Tensor input, Tensor other)", "The elements in other's shape.", reshape_as),
    row("expand(Tensor input, int[] size)", "A broadcast view; -1 keeps a dim's size.", expand),
    row("expand_as(Tensor input, Tensor other)", "A broadcast view in other's shape.", expand_as),
    row("repeat(Tensor input, int[] repeats)", "The tensor tiled repeats times along each dim.", repeat),
    row("scatter_(Tensor input, int dim, Tensor index, Tensor src) | scatter_(Tensor input, int dim, Tensor index, Scalar value)", "In-place scatter: src (or value) written along dim at index.", scatter_),
    row("scatter_add_(Tensor input, int dim, Tensor index, Tensor src)", "In-place scatter_add.", scatter_add_),
];

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("cat(Tensor[] tensors, int dim=0)", "The tensors concatenated along dim.\n\n>>> torch.cat([torch.zeros(1, 2), torch.ones(1, 2)]).shape\ntorch.Size([2, 2])", cat),
    row("concat(Tensor[] tensors, int dim=0)", "Alias of cat.", cat),
    row("concatenate(Tensor[] tensors, int axis=0)", "Alias of cat.", cat),
    row("stack(Tensor[] tensors, int dim=0)", "The tensors stacked along a new dim.", stack),
    row("hstack(Tensor[] tensors)", "Concatenated along dim 1 (dim 0 for 1-D tensors).", hstack),
    row("vstack(Tensor[] tensors)", "Concatenated along dim 0 after making each at least 2-D.", vstack),
    crate::bind::raw("meshgrid(*tensors, indexing=None)", "Coordinate grids from 1-D tensors: output i varies along dim i (indexing='ij', PyTorch's default), or with indexing='xy' (numpy's) the first two dims swapped. Outputs are expanded views.\n\n>>> xs, ys = torch.meshgrid(torch.arange(2), torch.arange(3), indexing='ij')\n>>> xs.shape\ntorch.Size([2, 3])", meshgrid),
];

fn meshgrid(it: &mut Interp, a: crate::eval::call::Args) -> PyResult<Value> {
    use crate::eval::error::{exc, type_error};
    let mut xy = false;
    for (k, v) in &a.kw {
        match (&**k, v) {
            ("indexing", Value::Str(s)) if &**s == "xy" => xy = true,
            ("indexing", Value::Str(s)) if &**s == "ij" => {}
            ("indexing", Value::None) => {}
            ("indexing", other) => {
                let r = it.repr(other)?;
                return Err(exc(
                    "ValueError",
                    format!("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {r}"),
                ));
            }
            (k, _) => {
                return Err(type_error(format!(
                    "meshgrid() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let items = match a.pos.as_slice() {
        [v @ (Value::List(_) | Value::Tuple(_))] => it.collect(v)?,
        _ => a.pos.clone(),
    };
    let mut ts = Vec::with_capacity(items.len());
    for v in &items {
        match v.downcast::<Tensor>() {
            Some(t) if t.dim() <= 1 => ts.push(t.reshape(&[-1]).py()?),
            Some(t) => {
                return Err(exc(
                    "RuntimeError",
                    format!(
                        "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {:?}",
                        t.shape()
                    ),
                ))
            }
            None => {
                return Err(type_error(format!(
                    "meshgrid(): expected Tensor as element {} in argument 0, but got {}",
                    ts.len(),
                    v.type_name()
                )))
            }
        }
    }
    if ts.windows(2).any(|w| w[0].dtype() != w[1].dtype()) {
        return Err(exc(
            "RuntimeError",
            "meshgrid expects all tensors to have the same dtype",
        ));
    }
    let n = ts.len();
    let mut sizes: Vec<i64> = ts.iter().map(|t| t.numel() as i64).collect();
    let swap = xy && n >= 2;
    if swap {
        sizes.swap(0, 1);
    }
    let mut out = Vec::with_capacity(n);
    for (i, t) in ts.iter().enumerate() {
        let pos = if swap && i < 2 { 1 - i } else { i };
        let mut shape = vec![1i64; n];
        shape[pos] = sizes[pos];
        out.push(t.view(&shape).py()?.expand(&sizes).py()?);
    }
    Ok(tensors(out))
}

/// A tuple of tensors.
fn tensors(v: Vec<Tensor>) -> Value {
    Value::tuple(v.into_iter().map(value).collect())
}

fn reshape(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.reshape(&b.ints(1)?))
}

fn view(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.view(&b.ints(1)?))
}

fn broadcast_to(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.broadcast_to(&b.sizes(1)?))
}

fn permute(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.permute(&b.ints(1)?))
}

fn transpose(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.transpose(b.int(1)?, b.int(2)?))
}

fn t(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.t())
}

fn flatten(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.flatten(b.int(1)?, b.int(2)?))
}

fn unflatten(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.unflatten(b.int(1)?, &b.ints(2)?))
}

fn squeeze(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    match b.overload {
        0 => ok(t.squeeze()),
        1 => ok(t.squeeze_dim(b.int(1)?)),
        _ => ok(t.squeeze_dims(&b.ints(1)?)),
    }
}

fn unsqueeze(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.unsqueeze(b.int(1)?))
}

fn narrow(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let len = b.size(3)?;
    ok(b.tensor(0)?.narrow(b.int(1)?, b.int(2)?, len))
}

fn select(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.select(b.int(1)?, b.int(2)?))
}

fn split(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let dim = b.int(2)?;
    if b.overload == 0 {
        let n = b.int(1)?;
        if n <= 0 {
            return Err(exc(
                "RuntimeError",
                format!(
                    "split_size can only be 0 if dimension size is 0, but got dimension size of {}",
                    t.shape().first().copied().unwrap_or(0)
                ),
            ));
        }
        return Ok(tensors(t.split(n as usize, dim).py()?));
    }
    Ok(tensors(t.split_sizes(&b.sizes(1)?, dim).py()?))
}

fn chunk(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let n = b.int(1)?;
    if n <= 0 {
        return Err(exc(
            "RuntimeError",
            "chunk expects `chunks` to be greater than 0, got: 0",
        ));
    }
    Ok(tensors(b.tensor(0)?.chunk(n as usize, b.int(2)?).py()?))
}

fn tril(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.tril(b.int(1)?))
}

fn triu(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.triu(b.int(1)?))
}

fn flip(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.flip(&b.ints(1)?))
}

fn sort(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = b.tensor(0)?.sort(b.int(1)?, b.bool(2)?).py()?;
    Ok(values_indices("sort", r.values, r.indices))
}

fn argsort(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.argsort(b.int(1)?, b.bool(2)?))
}

fn topk(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let k = b.size(1)?;
    let r = b
        .tensor(0)?
        .topk(k, b.int(2)?, b.bool(3)?, b.bool(4)?)
        .py()?;
    Ok(values_indices("topk", r.values, r.indices))
}

fn index_select(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.index_select(b.int(1)?, b.tensor(2)?))
}

fn gather(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.gather(b.int(1)?, b.tensor(2)?))
}

fn scatter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    if b.overload == 0 {
        return ok(t.scatter(b.int(1)?, b.tensor(2)?, b.tensor(3)?));
    }
    ok(t.scatter_value(b.int(1)?, b.tensor(2)?, b.float(3)?))
}

fn scatter_add(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?
        .scatter_add(b.int(1)?, b.tensor(2)?, b.tensor(3)?))
}

fn unbind(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let parts = b.tensor(0)?.unbind(b.int(1)?).py()?;
    Ok(Value::tuple(
        parts.into_iter().map(super::tensor::value).collect(),
    ))
}

fn scatter_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    if b.overload == 0 {
        t.scatter_(b.int(1)?, b.tensor(2)?, b.tensor(3)?).py()?;
    } else {
        t.scatter_value_(b.int(1)?, b.tensor(2)?, b.float(3)?)
            .py()?;
    }
    Ok(b.value(0).clone())
}

fn scatter_add_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    b.tensor(0)?
        .scatter_add_(b.int(1)?, b.tensor(2)?, b.tensor(3)?)
        .py()?;
    Ok(b.value(0).clone())
}

fn repeat_interleave(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let counts = |t: &Tensor| -> PyResult<Vec<usize>> {
        if t.dtype().is_float() || t.dim() > 1 {
            return Err(crate::eval::error::exc(
                "RuntimeError",
                "repeats has to be a Long tensor of at most one dimension",
            ));
        }
        let v = t.to_vec_f64().py()?;
        if v.iter().any(|&x| x < 0.0) {
            return Err(crate::eval::error::exc(
                "RuntimeError",
                "repeats can not be negative",
            ));
        }
        Ok(v.into_iter().map(|x| x as usize).collect())
    };
    match b.overload {
        0 => {
            let r = counts(b.tensor(1)?)?;
            ok(b.tensor(0)?.repeat_interleave(&r, b.opt_int(2)?))
        }
        1 => {
            let n = b.int(1)?;
            if n < 0 {
                return Err(crate::eval::error::exc(
                    "RuntimeError",
                    "repeats can not be negative",
                ));
            }
            ok(b.tensor(0)?.repeat_interleave(&[n as usize], b.opt_int(2)?))
        }
        _ => {
            let r = counts(b.tensor(0)?)?;
            let idx = Tensor::arange(
                0.0,
                r.len() as f64,
                1.0,
                tinytorch::DType::I64,
                b.tensor(0)?.device(),
            )
            .py()?;
            ok(idx.repeat_interleave(&r, None))
        }
    }
}

fn view_as(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let s: Vec<i64> = b.tensor(1)?.shape().iter().map(|&x| x as i64).collect();
    ok(b.tensor(0)?.view(&s))
}

fn reshape_as(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let s: Vec<i64> = b.tensor(1)?.shape().iter().map(|&x| x as i64).collect();
    ok(b.tensor(0)?.reshape(&s))
}

fn expand(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.expand(&b.ints(1)?))
}

fn expand_as(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.expand_as(b.tensor(1)?))
}

fn repeat(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.repeat(&b.sizes(1)?))
}

fn joined(b: &Bound, f: fn(&[&Tensor]) -> tinytorch::Result<Tensor>) -> PyResult<Value> {
    let ts = b.tensors(0)?;
    let refs: Vec<&Tensor> = ts.iter().collect();
    ok(f(&refs))
}

fn cat(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let ts = b.tensors(0)?;
    let refs: Vec<&Tensor> = ts.iter().collect();
    ok(Tensor::cat(&refs, b.int(1)?))
}

fn stack(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let ts = b.tensors(0)?;
    let refs: Vec<&Tensor> = ts.iter().collect();
    ok(Tensor::stack(&refs, b.int(1)?))
}

fn hstack(_: &mut Interp, b: Bound) -> PyResult<Value> {
    joined(&b, Tensor::hstack)
}

fn vstack(_: &mut Interp, b: Bound) -> PyResult<Value> {
    joined(&b, Tensor::vstack)
}
