//! `torch.utils.data`: `Dataset` (subclassable), `TensorDataset` and
//! `DataLoader(batch_size=, shuffle=, drop_last=)` yielding `[x, y]`
//! batches (items stacked along a new first dim, as PyTorch's default
//! collate does).

use crate::bind::{row, Bound, Row, Style};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Iter, Value};
use crate::eval::Interp;
use crate::library::torch::random::{draw_seed, with_generator_value};
use crate::library::torch::tensor::value as tensor_value;
use crate::library::EngineResult;
use tinytorch::Tensor;

pub const DATASET: &[Row] = &[row(
    "__getitem__(self, index)",
    "The index-th item; a subclass defines it.",
    dataset_getitem,
)];

#[rustfmt::skip]
pub const TENSOR_DATASET: &[Row] = &[
    row("__init__(self, *tensors)", "TensorDataset(*tensors): item i is the tuple of each tensor's row i.", td_init),
    row("__getitem__(self, index)", "The tuple of each tensor's row index.", td_getitem),
    row("__len__(self)", "The number of rows.", td_len),
];

#[rustfmt::skip]
pub const DATA_LOADER: &[Row] = &[
    row("__init__(self, dataset, int? batch_size=1, bool? shuffle=None, sampler=None, batch_sampler=None, int num_workers=0, collate_fn=None, bool pin_memory=False, bool drop_last=False, float timeout=0, worker_init_fn=None, multiprocessing_context=None, Generator? generator=None)", "DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False): iterates over [inputs, targets] batches; each epoch draws its seeds from the global generator (or generator=) as PyTorch's does, so shuffle=True gives PyTorch's order.", dl_init),
    row("__iter__(self)", "The batches of one epoch (a new order each epoch when shuffling).", dl_iter),
    row("__len__(self)", "The number of batches per epoch.", dl_len),
];

pub fn install(it: &mut Interp) {
    super::module(it, "torch.utils", "Utilities: data loading.");
    let data = super::module(it, "torch.utils.data", "Datasets and loaders.");
    let object = it.types.object.clone();
    let dataset = super::class(
        "Dataset",
        "torch.utils.data.dataset",
        &[&object],
        "Dataset: subclass it with __len__ and __getitem__.",
    );
    crate::bind::into_class(&dataset, DATASET, Style::Python);
    data.set("Dataset", Value::Class(dataset.clone()));
    let td = super::class(
        "TensorDataset",
        "torch.utils.data.dataset",
        &[&dataset],
        TENSOR_DATASET[0].doc,
    );
    crate::bind::into_class(&td, TENSOR_DATASET, Style::Python);
    data.set("TensorDataset", Value::Class(td));
    let dl = super::class(
        "DataLoader",
        "torch.utils.data.dataloader",
        &[&object],
        DATA_LOADER[0].doc,
    );
    crate::bind::into_class(&dl, DATA_LOADER, Style::Python);
    data.set("DataLoader", Value::Class(dl));
}

fn dataset_getitem(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Err(exc(
        "NotImplementedError",
        format!(
            "Subclasses of Dataset should implement __getitem__ ({} does not)",
            b.value(0).type_name()
        ),
    ))
}

fn attr(it: &mut Interp, v: &Value, n: &str) -> PyResult<Value> {
    it.get_attr(v, n)
}

fn td_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let ts: Vec<Value> = b.varargs(1).to_vec();
    let mut n = None;
    for v in &ts {
        let Some(t) = v.downcast::<Tensor>() else {
            return Err(type_error(format!(
                "TensorDataset(): every argument must be a Tensor, not {}",
                v.type_name()
            )));
        };
        let rows = t.shape().first().copied().unwrap_or(0);
        if n.is_some_and(|m| m != rows) {
            return Err(exc("AssertionError", "Size mismatch between tensors"));
        }
        n = Some(rows);
    }
    it.set_attr(b.value(0), "tensors", Value::tuple(ts))?;
    Ok(Value::None)
}

fn td_getitem(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let Value::Tuple(ts) = attr(it, b.value(0), "tensors")? else {
        return Ok(Value::tuple(vec![]));
    };
    let mut out = Vec::with_capacity(ts.items.len());
    for t in &ts.items {
        out.push(it.get_item(t, b.value(1))?);
    }
    Ok(Value::tuple(out))
}

fn td_len(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let Value::Tuple(ts) = attr(it, b.value(0), "tensors")? else {
        return Ok(Value::Int(0));
    };
    Ok(Value::Int(
        match ts.items.first().and_then(|v| v.downcast::<Tensor>()) {
            Some(t) => t.shape().first().copied().unwrap_or(0) as i64,
            None => 0,
        },
    ))
}

fn dl_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let bs = b.opt_int(2)?.unwrap_or(1);
    if bs <= 0 {
        return Err(exc(
            "ValueError",
            format!("batch_size should be a positive integer value, but got batch_size={bs}"),
        ));
    }
    let shuffle = b.opt(3).map(|_| b.bool(3)).transpose()?.unwrap_or(false);
    for (k, v) in [
        ("dataset", b.value(1).clone()),
        ("batch_size", Value::Int(bs)),
        ("shuffle", Value::Bool(shuffle)),
        ("drop_last", Value::Bool(b.bool(9)?)),
        ("num_workers", Value::Int(b.int(6)?)),
        ("collate_fn", b.value(7).clone()),
        ("generator", b.value(13).clone()),
    ] {
        it.set_attr(&this, k, v)?;
    }
    Ok(Value::None)
}

fn int_attr(it: &mut Interp, v: &Value, n: &str) -> PyResult<i64> {
    match attr(it, v, n)? {
        Value::Int(i) => Ok(i),
        other => Err(type_error(format!(
            "{n} must be an int, not {}",
            other.type_name()
        ))),
    }
}

fn dl_len(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let ds = attr(it, this, "dataset")?;
    let n = it.len(&ds)?;
    let bs = int_attr(it, this, "batch_size")?;
    let drop_last = matches!(attr(it, this, "drop_last")?, Value::Bool(true));
    Ok(Value::Int(if drop_last {
        n / bs
    } else {
        (n + bs - 1) / bs
    }))
}

/// Default collate: tensors stacked, numbers made a tensor, tuples per field.
fn collate(it: &mut Interp, items: Vec<Value>) -> PyResult<Value> {
    let Some(first) = items.first() else {
        return Ok(Value::list(vec![]));
    };
    if first.downcast::<Tensor>().is_some() {
        let ts: Vec<Tensor> = items
            .iter()
            .map(|x| {
                x.downcast::<Tensor>().cloned().ok_or_else(|| {
                    type_error(format!(
                        "default_collate: batch must contain tensors, numbers, dicts or lists; found {}",
                        x.type_name()
                    ))
                })
            })
            .collect::<PyResult<_>>()?;
        let refs: Vec<&Tensor> = ts.iter().collect();
        return Ok(tensor_value(Tensor::stack(&refs, 0).py()?));
    }
    match first {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let dtype = match first {
                Value::Float(_) => tinytorch::DType::F64,
                Value::Bool(_) => tinytorch::DType::Bool,
                _ => tinytorch::DType::I64,
            };
            let t =
                super::torch::creation::from_data(it, &Value::list(items.clone()), Some(dtype))?;
            Ok(tensor_value(t))
        }
        Value::Tuple(_) | Value::List(_) => {
            let rows: Vec<Vec<Value>> = items
                .iter()
                .map(|x| it.collect(x))
                .collect::<PyResult<_>>()?;
            let n = rows[0].len();
            let mut fields = Vec::with_capacity(n);
            for k in 0..n {
                let col: Vec<Value> = rows
                    .iter()
                    .map(|r| r.get(k).cloned().unwrap_or(Value::None))
                    .collect();
                fields.push(collate(it, col)?);
            }
            Ok(Value::list(fields))
        }
        _ => Ok(Value::list(items)),
    }
}

fn dl_iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let ds = attr(it, &this, "dataset")?;
    let n = it.len(&ds)?;
    let bs = int_attr(it, &this, "batch_size")? as usize;
    let drop_last = matches!(attr(it, &this, "drop_last")?, Value::Bool(true));
    let collate_fn = attr(it, &this, "collate_fn")?;
    let generator = attr(it, &this, "generator")?;
    // PyTorch's iterator draws a base seed (for workers) at once, and the
    // RandomSampler its own seed at the first batch; the order is then a
    // randperm of a fresh generator with that seed (or of generator=).
    with_generator_value(&generator, draw_seed)?;
    let shuffle = matches!(attr(it, &this, "shuffle")?, Value::Bool(true));
    // The sampler's stream: a fresh generator seeded at the first batch, or
    // the loader's generator.
    let mut own: Option<tinytorch::random::Generator> = None;
    let mut perm = move |n: usize| -> PyResult<Vec<i64>> {
        let t = match &generator {
            Value::None => {
                let g = match &mut own {
                    Some(g) => g,
                    None => {
                        let seed = with_generator_value(&Value::None, draw_seed)?;
                        own.insert(tinytorch::random::Generator::new(seed))
                    }
                };
                Tensor::randperm_with(g, n, tinytorch::Device::Cpu)
            }
            g => with_generator_value(g, |g| Tensor::randperm_with(g, n, tinytorch::Device::Cpu))?,
        };
        t.py()?.to_vec_i64().py()
    };
    let mut order: Option<Vec<i64>> = None;
    let mut exhausted = false;
    let mut pos = 0usize;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            let order = match &mut order {
                Some(o) => o,
                None => order.insert(if shuffle {
                    perm(n as usize)?
                } else {
                    (0..n).collect()
                }),
            };
            let end = (pos + bs).min(order.len());
            // PyTorch's RandomSampler asks for one more permutation (and
            // keeps none of it) when its indices run out, inside the fetch
            // that reaches the end: the stream moves on as PyTorch's.
            if shuffle && !exhausted && pos + bs > order.len() {
                exhausted = true;
                perm(order.len())?;
            }
            if pos >= order.len() || (drop_last && end - pos < bs) {
                return Ok(None);
            }
            let mut items = Vec::with_capacity(end - pos);
            for &i in &order[pos..end] {
                items.push(it.get_item(&ds, &Value::Int(i))?);
            }
            pos = end;
            if matches!(collate_fn, Value::None) {
                collate(it, items).map(Some)
            } else {
                it.call(
                    &collate_fn,
                    crate::eval::call::Args::new(vec![Value::list(items)]),
                )
                .map(Some)
            }
        },
    ))))
}
