//! `torch.utils.data.TensorDataset` and `DataLoader(batch_size=, shuffle=,
//! drop_last=)` yielding `[x, y]` batches (items stacked along a new first
//! dim, as PyTorch's default collate does). `tqdm` lives in `viz`; its
//! `len` and iteration are dispatched from here.

use super::args::{self, bind};
use super::{native_class, register_module};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{ClassKind, Instance, Iter, ModuleObj, Value};
use crate::eval::Interp;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::Tensor;

pub fn install(it: &mut Interp) {
    let data = match it.import("torch.utils.data") {
        Ok(Value::Module(m)) => m,
        _ => register_module(
            it,
            "torch.utils.data",
            ModuleObj::new("torch.utils.data", "Datasets and loaders."),
        ),
    };
    let td = native_class(
        "TensorDataset",
        "torch.utils.data",
        ClassKind::Dataset,
        "TensorDataset(*tensors)\n\nItem i is the tuple of each tensor's row i.",
        Some(tensor_dataset),
    );
    data.set("TensorDataset", Value::Class(td));
    let dl = native_class("DataLoader", "torch.utils.data", ClassKind::Object, "DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False)\n\nIterates over [inputs, targets] batches.", Some(data_loader));
    data.set("DataLoader", Value::Class(dl));
}

fn instance(
    it: &mut Interp,
    module: &str,
    name: &str,
    attrs: Vec<(&str, Value)>,
) -> PyResult<Value> {
    let m = it.import(module)?;
    let Ok(Value::Class(c)) = it.get_attr(&m, name) else {
        return Err(exc("RuntimeError", format!("{module}.{name} missing")));
    };
    Ok(Value::Instance(Rc::new(Instance {
        class: c,
        attrs: RefCell::new(attrs.into_iter().map(|(k, v)| (Rc::from(k), v)).collect()),
    })))
}

fn tensor_dataset(it: &mut Interp, a: Args) -> PyResult<Value> {
    let ts: Vec<Tensor> = a
        .pos
        .iter()
        .map(|v| args::tensor("TensorDataset", "tensors", v))
        .collect::<PyResult<_>>()?;
    let n = ts.first().map(|t| t.shape().first().copied().unwrap_or(0));
    if ts.iter().any(|t| t.shape().first().copied() != n) {
        return Err(exc("AssertionError", "Size mismatch between tensors"));
    }
    instance(
        it,
        "torch.utils.data",
        "TensorDataset",
        vec![(
            "tensors",
            Value::tuple(ts.into_iter().map(Value::Tensor).collect()),
        )],
    )
}

fn data_loader(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [ds, bs, shuffle, _sampler, _bsamp, _workers, _collate, _pin, drop] = bind(
        "DataLoader",
        a,
        [
            "dataset",
            "batch_size",
            "shuffle",
            "sampler",
            "batch_sampler",
            "num_workers",
            "collate_fn",
            "pin_memory",
            "drop_last",
        ],
        1,
    )?;
    let bs = args::opt_int("DataLoader", "batch_size", &bs)?.unwrap_or(1);
    if bs <= 0 {
        return Err(exc(
            "ValueError",
            format!("batch_size should be a positive integer value, but got batch_size={bs}"),
        ));
    }
    instance(
        it,
        "torch.utils.data",
        "DataLoader",
        vec![
            ("dataset", ds.expect("required")),
            ("batch_size", Value::Int(bs)),
            (
                "shuffle",
                Value::Bool(args::opt_bool("DataLoader", "shuffle", &shuffle, false)?),
            ),
            (
                "drop_last",
                Value::Bool(args::opt_bool("DataLoader", "drop_last", &drop, false)?),
            ),
        ],
    )
}

fn attr(v: &Value, n: &str) -> Value {
    match v {
        Value::Instance(i) => i.get(n).unwrap_or(Value::None),
        _ => Value::None,
    }
}

fn class_name(v: &Value) -> Option<String> {
    match v {
        Value::Instance(i) if matches!(i.class.module, "torch.utils.data" | "tqdm") => {
            Some(i.class.name.to_string())
        }
        _ => None,
    }
}

/// `len(dataset)` / `len(loader)`.
pub fn native_len(it: &mut Interp, v: &Value) -> PyResult<Option<i64>> {
    Ok(match class_name(v).as_deref() {
        Some("TensorDataset") => match attr(v, "tensors") {
            Value::Tuple(t) => Some(match t.items.first() {
                Some(Value::Tensor(x)) => x.shape().first().copied().unwrap_or(0) as i64,
                _ => 0,
            }),
            _ => Some(0),
        },
        Some("DataLoader") => {
            let n = super::python::length(it, &attr(v, "dataset"))?;
            let bs = args::int("len", "batch_size", &attr(v, "batch_size"))?;
            Some(if matches!(attr(v, "drop_last"), Value::Bool(true)) {
                n / bs
            } else {
                (n + bs - 1) / bs
            })
        }
        Some("tqdm") => match attr(v, "total") {
            Value::Int(n) => Some(n),
            _ => Some(super::python::length(it, &attr(v, "iterable"))?),
        },
        _ => None,
    })
}

/// `dataset[i]` for TensorDataset.
pub fn native_getitem(it: &mut Interp, v: &Value, i: &Value) -> PyResult<Option<Value>> {
    if let Some(m) = super::nn::container_item(v, i)? {
        return Ok(Some(m));
    }
    if class_name(v).as_deref() != Some("TensorDataset") {
        return Ok(None);
    }
    let Value::Tuple(ts) = attr(v, "tensors") else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for t in &ts.items {
        out.push(it.get_item(t, i)?);
    }
    Ok(Some(Value::tuple(out)))
}

/// Default collate: tensors stacked, numbers made a tensor, tuples per field.
fn collate(it: &mut Interp, items: Vec<Value>) -> PyResult<Value> {
    let Some(first) = items.first() else {
        return Ok(Value::list(vec![]));
    };
    match first {
        Value::Tensor(_) => {
            let ts: Vec<Tensor> = items
                .iter()
                .map(|x| args::tensor("collate", "batch", x))
                .collect::<PyResult<_>>()?;
            let refs: Vec<&Tensor> = ts.iter().collect();
            Ok(Value::Tensor(Tensor::stack(&refs, 0).py()?))
        }
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Ok(Value::Tensor(
            super::torch::from_data(it, &Value::list(items.clone()), None)?
                .to_dtype(match first {
                    Value::Float(_) => tinytorch::DType::F64,
                    Value::Bool(_) => tinytorch::DType::Bool,
                    _ => tinytorch::DType::I64,
                })
                .py()?,
        )),
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

/// Iteration over DataLoader and tqdm.
pub fn native_iter(it: &mut Interp, v: &Value) -> PyResult<Option<Value>> {
    match class_name(v).as_deref() {
        Some("tqdm") => super::viz::tqdm_iter(it, v).map(Some),
        Some("DataLoader") => {
            let ds = attr(v, "dataset");
            let n = super::python::length(it, &ds)?;
            let bs = args::int("DataLoader", "batch_size", &attr(v, "batch_size"))?;
            let drop_last = matches!(attr(v, "drop_last"), Value::Bool(true));
            let order: Vec<i64> = if matches!(attr(v, "shuffle"), Value::Bool(true)) {
                Tensor::randperm(n as usize, tinytorch::Device::Cpu)
                    .py()?
                    .to_vec_i64()
                    .py()?
            } else {
                (0..n).collect()
            };
            let mut pos = 0usize;
            Ok(Some(Value::iter(Iter::Native(Box::new(
                move |it: &mut Interp| {
                    let end = (pos + bs as usize).min(order.len());
                    if pos >= order.len() || (drop_last && end - pos < bs as usize) {
                        return Ok(None);
                    }
                    let mut items = Vec::with_capacity(end - pos);
                    for &i in &order[pos..end] {
                        items.push(it.get_item(&ds, &Value::Int(i))?);
                    }
                    pos = end;
                    collate(it, items).map(Some)
                },
            )))))
        }
        _ => Ok(None),
    }
}

#[allow(dead_code)]
fn unused() -> PyResult<()> {
    Err(type_error(""))
}
