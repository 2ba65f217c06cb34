//! `torch.utils.data`: `Dataset` (subclassable), `TensorDataset` and
//! `SequentialSampler`, `RandomSampler` (PyTorch's streams), `BatchSampler`
//! and `DataLoader(batch_size=, shuffle=, drop_last=, sampler=,
//! batch_sampler=, generator=)` yielding `[x, y]`
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
pub const SEQUENTIAL_SAMPLER: &[Row] = &[
    row("__init__(self, data_source)", "SequentialSampler(data_source): the indices 0, 1, ..., len - 1.", seq_init),
    row("__iter__(self)", "The indices in order.", seq_iter),
    row("__len__(self)", "The number of indices.", sampler_len),
];

#[rustfmt::skip]
pub const RANDOM_SAMPLER: &[Row] = &[
    row("__init__(self, data_source, bool replacement=False, int? num_samples=None, Generator? generator=None)", "RandomSampler(data_source, replacement=False, num_samples=None, generator=None): random indices drawn as PyTorch's (a fresh generator seeded from the global one each epoch, unless generator= is given).", rs_init),
    row("__iter__(self)", "The indices of one epoch.", rs_iter),
    row("__len__(self)", "The number of indices per epoch.", sampler_len),
];

#[rustfmt::skip]
pub const BATCH_SAMPLER: &[Row] = &[
    row("__init__(self, sampler, int batch_size, bool drop_last)", "BatchSampler(sampler, batch_size, drop_last): lists of batch_size indices from sampler.", bs_init),
    row("__iter__(self)", "The index lists of one epoch.", bs_iter),
    row("__len__(self)", "The number of batches per epoch.", bs_len),
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
    let sampler = super::class(
        "Sampler",
        "torch.utils.data.sampler",
        &[&object],
        "Sampler: subclass it with __iter__ (yielding indices) and __len__.",
    );
    data.set("Sampler", Value::Class(sampler.clone()));
    for (name, rows) in [
        ("SequentialSampler", SEQUENTIAL_SAMPLER),
        ("RandomSampler", RANDOM_SAMPLER),
        ("BatchSampler", BATCH_SAMPLER),
    ] {
        let c = super::class(name, "torch.utils.data.sampler", &[&sampler], rows[0].doc);
        crate::bind::into_class(&c, rows, Style::Python);
        data.set(name, Value::Class(c));
    }
    let dl = super::class(
        "DataLoader",
        "torch.utils.data.dataloader",
        &[&object],
        DATA_LOADER[0].doc,
    );
    crate::bind::into_class(&dl, DATA_LOADER, Style::Python);
    data.set("DataLoader", Value::Class(dl));
    // PyTorch's submodules, for imports that name them
    // (`from torch.utils.data.dataloader import DataLoader`).
    for (sub, names) in [
        ("dataloader", &["DataLoader"][..]),
        ("dataset", &["Dataset", "TensorDataset"][..]),
        (
            "sampler",
            &[
                "Sampler",
                "SequentialSampler",
                "RandomSampler",
                "BatchSampler",
            ][..],
        ),
    ] {
        let m = super::module(
            it,
            &format!("torch.utils.data.{sub}"),
            "Part of torch.utils.data.",
        );
        for n in names {
            if let Some(v) = data.get(n) {
                m.set(n, v);
            }
        }
    }
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
    let (sampler, batch_sampler) = (b.value(4).clone(), b.value(5).clone());
    if !matches!(sampler, Value::None) && shuffle {
        return Err(exc(
            "ValueError",
            "sampler option is mutually exclusive with shuffle",
        ));
    }
    if !matches!(batch_sampler, Value::None)
        && (bs != 1 || shuffle || !matches!(sampler, Value::None) || b.bool(9)?)
    {
        return Err(exc(
            "ValueError",
            "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last",
        ));
    }
    for (k, v) in [
        ("dataset", b.value(1).clone()),
        ("batch_size", Value::Int(bs)),
        ("shuffle", Value::Bool(shuffle)),
        ("drop_last", Value::Bool(b.bool(9)?)),
        ("num_workers", Value::Int(b.int(6)?)),
        ("collate_fn", b.value(7).clone()),
        ("generator", b.value(13).clone()),
        ("sampler", sampler),
        ("batch_sampler", batch_sampler),
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
    let batch_sampler = attr(it, this, "batch_sampler")?;
    if !matches!(batch_sampler, Value::None) {
        return it.len(&batch_sampler).map(Value::Int);
    }
    let sampler = attr(it, this, "sampler")?;
    let n = if matches!(sampler, Value::None) {
        let ds = attr(it, this, "dataset")?;
        it.len(&ds)?
    } else {
        it.len(&sampler)?
    };
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

/// Where a DataLoader's batches of indices come from, one batch per call.
type IndexSource = Box<dyn FnMut(&mut Interp) -> PyResult<Option<Vec<Value>>>>;

fn dl_iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let ds = attr(it, &this, "dataset")?;
    let drop_last = matches!(attr(it, &this, "drop_last")?, Value::Bool(true));
    let collate_fn = attr(it, &this, "collate_fn")?;
    let generator = attr(it, &this, "generator")?;
    // PyTorch's iterator draws a base seed (for workers) at once; a
    // RandomSampler draws its own at the first index.
    with_generator_value(&generator, draw_seed)?;
    let batch_sampler = attr(it, &this, "batch_sampler")?;
    let mut next_indices: IndexSource = if !matches!(batch_sampler, Value::None) {
        let src = it.iter(&batch_sampler)?;
        Box::new(move |it: &mut Interp| match it.next(&src)? {
            Some(batch) => it.collect(&batch).map(Some),
            None => Ok(None),
        })
    } else {
        let bs = int_attr(it, &this, "batch_size")? as usize;
        let sampler = attr(it, &this, "sampler")?;
        let src = if !matches!(sampler, Value::None) {
            it.iter(&sampler)?
        } else if matches!(attr(it, &this, "shuffle")?, Value::Bool(true)) {
            let n = it.len(&ds)? as usize;
            Value::iter(Iter::Native(Box::new(random_indices(
                n, n, false, generator,
            ))))
        } else {
            let n = it.len(&ds)?;
            Value::iter(Iter::Range {
                next: 0,
                stop: n,
                step: 1,
            })
        };
        let mut done = false;
        Box::new(move |it: &mut Interp| next_batch(it, &src, bs, drop_last, &mut done))
    };
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            let Some(indices) = next_indices(it)? else {
                return Ok(None);
            };
            let mut items = Vec::with_capacity(indices.len());
            for i in &indices {
                items.push(it.get_item(&ds, i)?);
            }
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

fn seq_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    it.set_attr(b.value(0), "data_source", b.value(1).clone())?;
    Ok(Value::None)
}

fn seq_iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let ds = attr(it, b.value(0), "data_source")?;
    let n = it.len(&ds)?;
    Ok(Value::iter(Iter::Range {
        next: 0,
        stop: n,
        step: 1,
    }))
}

/// A sampler's `num_samples` (RandomSampler) or its data source's length.
fn sampler_len(it: &mut Interp, b: Bound) -> PyResult<Value> {
    num_samples(it, b.value(0)).map(Value::Int)
}

fn num_samples(it: &mut Interp, this: &Value) -> PyResult<i64> {
    if let Ok(Value::Int(n)) = attr(it, this, "_num_samples") {
        return Ok(n);
    }
    let ds = attr(it, this, "data_source")?;
    it.len(&ds)
}

fn rs_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    if let Some(n) = b.opt_int(3)? {
        if n <= 0 {
            return Err(exc(
                "ValueError",
                format!("num_samples should be a positive integer value, but got num_samples={n}"),
            ));
        }
    }
    for (k, v) in [
        ("data_source", b.value(1).clone()),
        ("replacement", Value::Bool(b.bool(2)?)),
        ("_num_samples", b.value(3).clone()),
        ("generator", b.value(4).clone()),
    ] {
        it.set_attr(this, k, v)?;
    }
    Ok(Value::None)
}

fn rs_iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let ds = attr(it, this, "data_source")?;
    let n = it.len(&ds)? as usize;
    let total = num_samples(it, this)? as usize;
    let replacement = matches!(attr(it, this, "replacement")?, Value::Bool(true));
    let generator = attr(it, this, "generator")?;
    Ok(Value::iter(Iter::Native(Box::new(random_indices(
        n,
        total,
        replacement,
        generator,
    )))))
}

/// PyTorch's `RandomSampler.__iter__` as a state machine: at the first
/// index, a fresh generator seeded from the global one (unless one was
/// given); then `total / n` permutations and a last, cut one (with
/// replacement: chunks of 32 `randint`s and a last, short one). The last
/// chunk is drawn even when it is empty, as PyTorch's generator does.
fn random_indices(
    n: usize,
    total: usize,
    replacement: bool,
    generator: Value,
) -> impl FnMut(&mut Interp) -> PyResult<Option<Value>> {
    let (chunk, full) = if replacement {
        (32, total / 32)
    } else {
        (n.max(1), total / n.max(1))
    };
    let rest = total - full * chunk;
    let mut own: Option<tinytorch::random::Generator> = None;
    let mut queue = std::collections::VecDeque::<i64>::new();
    let (mut started, mut drawn, mut last_done) = (false, 0usize, false);
    move |_: &mut Interp| loop {
        if let Some(i) = queue.pop_front() {
            return Ok(Some(Value::Int(i)));
        }
        if !started {
            started = true;
            if matches!(generator, Value::None) {
                let seed = with_generator_value(&Value::None, draw_seed)?;
                own = Some(tinytorch::random::Generator::new(seed));
            }
        }
        let size = if drawn < full {
            drawn += 1;
            chunk
        } else if !last_done {
            last_done = true;
            rest
        } else {
            return Ok(None);
        };
        let draw = |g: &mut tinytorch::random::Generator| -> tinytorch::Result<Vec<i64>> {
            if replacement {
                Tensor::randint_with(
                    g,
                    0,
                    n as i64,
                    &[size],
                    tinytorch::DType::I64,
                    tinytorch::Device::Cpu,
                )?
                .to_vec_i64()
            } else {
                let mut p = Tensor::randperm_with(g, n, tinytorch::Device::Cpu)?.to_vec_i64()?;
                p.truncate(size);
                Ok(p)
            }
        };
        let got = match &mut own {
            Some(g) => draw(g),
            None => with_generator_value(&generator, |g| draw(g))?,
        }
        .py()?;
        queue.extend(got);
    }
}

fn bs_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let bs = b.int(2)?;
    if bs <= 0 {
        return Err(exc(
            "ValueError",
            format!("batch_size should be a positive integer value, but got batch_size={bs}"),
        ));
    }
    let this = b.value(0);
    for (k, v) in [
        ("sampler", b.value(1).clone()),
        ("batch_size", Value::Int(bs)),
        ("drop_last", Value::Bool(b.bool(3)?)),
    ] {
        it.set_attr(this, k, v)?;
    }
    Ok(Value::None)
}

fn bs_iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let sampler = attr(it, this, "sampler")?;
    let bs = int_attr(it, this, "batch_size")? as usize;
    let drop_last = matches!(attr(it, this, "drop_last")?, Value::Bool(true));
    let src = it.iter(&sampler)?;
    let mut done = false;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| match next_batch(it, &src, bs, drop_last, &mut done)? {
            Some(ix) => Ok(Some(Value::list(ix))),
            None => Ok(None),
        },
    ))))
}

/// Up to `bs` indices from the sampler iterator `src` (pulled one by one
/// until it is exhausted, as PyTorch's BatchSampler does); None at the end
/// (or for a short last batch with `drop_last`).
fn next_batch(
    it: &mut Interp,
    src: &Value,
    bs: usize,
    drop_last: bool,
    done: &mut bool,
) -> PyResult<Option<Vec<Value>>> {
    if *done {
        return Ok(None);
    }
    let mut ix = Vec::with_capacity(bs);
    while ix.len() < bs {
        match it.next(src)? {
            Some(i) => ix.push(i),
            None => {
                *done = true;
                break;
            }
        }
    }
    if ix.is_empty() || (drop_last && ix.len() < bs) {
        return Ok(None);
    }
    Ok(Some(ix))
}

fn bs_len(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0);
    let sampler = attr(it, this, "sampler")?;
    let n = it.len(&sampler)?;
    let bs = int_attr(it, this, "batch_size")?;
    let drop_last = matches!(attr(it, this, "drop_last")?, Value::Bool(true));
    Ok(Value::Int(if drop_last {
        n / bs
    } else {
        (n + bs - 1) / bs
    }))
}
