//! Files: `torch.save(obj, f)` / `torch.load(f)` over the engine's
//! safetensors checkpoints, and `tinytorch.datasets.MNIST(root, train=True,
//! transform=None)` over the engine's IDX reader.
//!
//! A checkpoint holds any tree of tensors, numbers (ints exactly),
//! strings, None, lists, tuples and dicts with str or int keys, as the
//! engine's object tree (`tinytorch::io::Object`: safetensors with the tree
//! and a checksum in its metadata; written atomically). It loads back as
//! saved: order, key types and a bare tensor included. A plain safetensors
//! file loads as a dict of its tensors.

use crate::bind::{row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::dict::Dict;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::interp::hash_key;
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::torch::tensor::value as tensor_value;
use crate::library::EngineResult;
use std::rc::Rc;
use tinytorch::data::Dataset;
use tinytorch::io::{Key as ObjKey, Object};
use tinytorch::Tensor;

#[rustfmt::skip]
pub const TORCH: &[Row] = &[
    row("save(obj, str f, pickle_module=None, pickle_protocol=2, bool _use_new_zipfile_serialization=True)", "Writes a tensor or a (nested) dict of tensors and numbers to the file f as safetensors (nested keys joined with '/').\n\n>>> torch.save({'w': torch.ones(2), 'epoch': 3}, 'ckpt.safetensors')", save),
    row("load(str f, map_location=None, pickle_module=None, bool weights_only=True, bool mmap=False)", "Reads a file written by torch.save (or any safetensors file: a dict of tensors).", load),
];

#[rustfmt::skip]
pub const MNIST: &[Row] = &[
    row("__init__(self, str root, bool train=True, transform=None, target_transform=None, bool download=False)", "MNIST(root, train=True, transform=None): the MNIST digits from the standard IDX files in root (train-images-idx3-ubyte, ... or their .gz). Item i is (image, label): a float32 [1, 28, 28] tensor in [0, 1] passed through transform, and an int.", mnist),
    row("__len__(self)", "The number of images.", mnist_len),
    row("__getitem__(self, int index)", "(image, label) of the index-th image.", mnist_item),
];

pub fn install(it: &mut Interp) {
    if let Some(t) = super::torch::torch_module(it) {
        crate::bind::into_module(&t, "torch", TORCH, Style::Torch);
    }
    let tt = super::module(it, "tinytorch", "tinytorch's own additions.");
    let ds = super::module(it, "tinytorch.datasets", "Datasets read from local files.");
    tt.set("datasets", Value::Module(ds.clone()));
    let base = match it.modules.get("torch.utils.data").cloned() {
        Some(Value::Module(m)) => match m.get("Dataset") {
            Some(Value::Class(c)) => c,
            _ => it.types.object.clone(),
        },
        _ => it.types.object.clone(),
    };
    let c = super::class("MNIST", "tinytorch.datasets", &[&base], MNIST[0].doc);
    crate::bind::into_class(&c, MNIST, Style::Python);
    ds.set("MNIST", Value::Class(c));
}

/// A Python value as the engine's checkpoint object tree. Containers that
/// hold themselves are refused (CPython's pickle would recurse too).
fn to_object(v: &Value, depth: usize) -> PyResult<Object> {
    if depth > 200 {
        return Err(exc(
            "ValueError",
            "save(): the object is nested too deeply (or contains itself)",
        ));
    }
    if let Some(t) = v.downcast::<Tensor>() {
        return Ok(Object::Tensor(t.detach()));
    }
    let items = |xs: &[Value]| -> PyResult<Vec<Object>> {
        xs.iter().map(|x| to_object(x, depth + 1)).collect()
    };
    Ok(match v {
        Value::None => Object::None,
        Value::Bool(b) => Object::Bool(*b),
        Value::Int(i) => Object::Int(*i),
        Value::Float(f) => Object::Float(*f),
        Value::Str(s) => Object::Str(s.to_string()),
        Value::List(l) => {
            let xs = l.borrow().clone();
            Object::List(items(&xs)?)
        }
        Value::Tuple(t) => Object::Tuple(items(&t.items)?),
        Value::Dict(d) => {
            let entries: Vec<(Value, Value)> = d
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut out = Vec::with_capacity(entries.len());
            for (k, x) in entries {
                let key = match &k {
                    Value::Str(s) => ObjKey::Str(s.to_string()),
                    Value::Int(i) => ObjKey::Int(*i),
                    other => {
                        return Err(type_error(format!(
                            "save(): dict keys must be str or int, not {}",
                            other.type_name()
                        )))
                    }
                };
                out.push((key, to_object(&x, depth + 1)?));
            }
            Object::Dict(out)
        }
        other => {
            return Err(type_error(format!(
                "save(): tinytorch saves tensors, numbers, strings, None and lists, tuples and dicts of them, not {}",
                other.type_name()
            )))
        }
    })
}

/// The Python value of a loaded object tree.
fn from_object(o: Object) -> PyResult<Value> {
    Ok(match o {
        Object::None => Value::None,
        Object::Bool(b) => Value::Bool(b),
        Object::Int(i) => Value::Int(i),
        Object::Float(f) => Value::Float(f),
        Object::Str(s) => Value::str(&s),
        Object::Tensor(t) => tensor_value(t),
        Object::List(xs) => Value::list(xs.into_iter().map(from_object).collect::<PyResult<_>>()?),
        Object::Tuple(xs) => {
            Value::tuple(xs.into_iter().map(from_object).collect::<PyResult<_>>()?)
        }
        Object::Dict(items) => {
            let mut d = Dict::new();
            for (k, x) in items {
                let key = match k {
                    ObjKey::Str(s) => Value::str(&s),
                    ObjKey::Int(i) => Value::Int(i),
                };
                d.insert(hash_key(&key)?, key, from_object(x)?);
            }
            Value::dict(d)
        }
    })
}

fn save(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let obj = to_object(b.value(0), 0)?;
    let path = b.str(1)?.to_string();
    tinytorch::io::save_object(&obj, &path).py()?;
    Ok(Value::None)
}

fn load(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let path = b.str(0)?.to_string();
    from_object(tinytorch::io::load_object(&path).py()?)
}

// ---------------------------------------------------------------- MNIST

type MnistState = tinytorch::data::Mnist;

fn mnist(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let root = b.str(1)?.to_string();
    let train = b.bool(2)?;
    let m = tinytorch::data::Mnist::new(&root, train, None)
        .map_err(|e| exc("RuntimeError", e.to_string()))?;
    if let Value::Instance(i) = &this {
        *i.native.borrow_mut() = Some(Rc::new(m) as Rc<dyn std::any::Any>);
    }
    it.set_attr(&this, "root", Value::str(&root))?;
    it.set_attr(&this, "train", Value::Bool(train))?;
    it.set_attr(&this, "transform", b.value(3).clone())?;
    it.set_attr(&this, "target_transform", b.value(4).clone())?;
    Ok(Value::None)
}

fn set(v: &Value) -> PyResult<Rc<MnistState>> {
    v.native::<MnistState>()
        .ok_or_else(|| type_error("descriptor requires a 'MNIST' object"))
}

fn mnist_len(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(set(b.value(0))?.len() as i64))
}

fn mnist_item(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let m = set(&this)?;
    let n = m.len() as i64;
    let mut i = b.int(1)?;
    if i < 0 {
        i += n;
    }
    if i < 0 || i >= n {
        return Err(exc(
            "IndexError",
            format!("index {i} is out of bounds for dimension 0 with size {n}"),
        ));
    }
    let item = m.get(i as usize).py()?;
    let mut x = tensor_value(item[0].clone());
    let mut y = Value::Int(item[1].item().py()? as i64);
    let transform = it.get_attr(&this, "transform")?;
    if !matches!(transform, Value::None) {
        x = it.call(&transform, Args::new(vec![x]))?;
    }
    let tt = it.get_attr(&this, "target_transform")?;
    if !matches!(tt, Value::None) {
        y = it.call(&tt, Args::new(vec![y]))?;
    }
    Ok(Value::tuple(vec![x, y]))
}
