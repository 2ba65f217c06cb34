//! Files: `torch.save(obj, f)` / `torch.load(f)` over the engine's
//! safetensors checkpoints, and `tinytorch.datasets.MNIST(root, train=True,
//! transform=None)` over the engine's IDX reader.
//!
//! A checkpoint holds a tensor or (nested) dicts with string keys of
//! tensors and Python numbers. Nested keys are joined with `/` (so
//! `{"model": m.state_dict()}` stores `model/fc.weight`: state-dict keys
//! keep their dots); a number is stored as a 0-dim tensor whose name ends in
//! `#int`, `#float` or `#bool`, so that it loads back as a number. A bare
//! tensor is stored under the engine's name `tensor`; int dict keys load
//! back as strings. Safetensors files keep no order: dicts load with their
//! keys sorted.

use crate::bind::{row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::torch::tensor::value as tensor_value;
use crate::library::EngineResult;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::data::Dataset;
use tinytorch::nn::StateDict;
use tinytorch::{DType, Device, Tensor};

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

fn flatten(prefix: &str, v: &Value, out: &mut StateDict) -> PyResult<()> {
    match v {
        v if v.downcast::<Tensor>().is_some() => {
            out.insert(prefix, v.downcast::<Tensor>().expect("matched").detach());
            Ok(())
        }
        Value::Int(i) => {
            out.insert(
                format!("{prefix}#int"),
                Tensor::from_vec(vec![*i], &[]).py()?,
            );
            Ok(())
        }
        Value::Float(f) => {
            out.insert(
                format!("{prefix}#float"),
                Tensor::scalar_tensor(*f, DType::F64, Device::Cpu).py()?,
            );
            Ok(())
        }
        Value::Bool(b) => {
            out.insert(
                format!("{prefix}#bool"),
                Tensor::from_vec(vec![*b], &[]).py()?,
            );
            Ok(())
        }
        Value::Dict(d) => {
            let entries: Vec<(Value, Value)> = d
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, x) in entries {
                let k = match &k {
                    Value::Str(s) => s.to_string(),
                    Value::Int(i) => i.to_string(),
                    other => {
                        return Err(type_error(format!(
                            "save(): dict keys must be str or int, not {}",
                            other.type_name()
                        )))
                    }
                };
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}/{k}")
                };
                flatten(&key, &x, out)?;
            }
            Ok(())
        }
        other => Err(type_error(format!(
            "save(): tinytorch saves tensors and (nested) dicts of tensors and numbers, not {}",
            other.type_name()
        ))),
    }
}

fn save(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let obj = b.value(0).clone();
    let path = b.str(1)?.to_string();
    if let Some(t) = obj.downcast::<Tensor>() {
        tinytorch::io::save_tensor(t, &path).py()?;
        return Ok(Value::None);
    }
    match &obj {
        Value::Dict(_) => {
            let mut sd = StateDict::new();
            flatten("", &obj, &mut sd)?;
            tinytorch::io::save(&sd, &path).py()?;
        }
        other => {
            return Err(type_error(format!(
                "save(): tinytorch saves tensors and (nested) dicts of tensors and numbers, not {}",
                other.type_name()
            )))
        }
    }
    Ok(Value::None)
}

fn new_dict() -> Value {
    Value::Dict(Rc::new(RefCell::new(Dict::new())))
}

fn dict_get(d: &Value, k: &str) -> Option<Value> {
    match d {
        Value::Dict(d) => d.borrow().get(&Key::Str(Rc::from(k))).cloned(),
        _ => None,
    }
}

fn dict_put(d: &Value, k: &str, v: Value) {
    if let Value::Dict(d) = d {
        d.borrow_mut()
            .insert(Key::Str(Rc::from(k)), Value::str(k), v);
    }
}

fn load(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let path = b.str(0)?.to_string();
    let sd = tinytorch::io::load(&path).py()?;
    let keys: Vec<&str> = sd.keys().collect();
    if keys == ["tensor"] {
        let t = sd.get("tensor").expect("listed").clone();
        return Ok(tensor_value(t));
    }
    let root = new_dict();
    for (k, t) in sd.iter() {
        let (name, value) = if let Some(n) = k.strip_suffix("#int") {
            (n, Value::Int(t.item().py()? as i64))
        } else if let Some(n) = k.strip_suffix("#float") {
            (n, Value::Float(t.item().py()?))
        } else if let Some(n) = k.strip_suffix("#bool") {
            (n, Value::Bool(t.item().py()? != 0.0))
        } else {
            (k, tensor_value(t.clone()))
        };
        let parts: Vec<&str> = name.split('/').collect();
        let mut d = root.clone();
        for p in &parts[..parts.len() - 1] {
            d = match dict_get(&d, p) {
                Some(x @ Value::Dict(_)) => x,
                _ => {
                    let x = new_dict();
                    dict_put(&d, p, x.clone());
                    x
                }
            };
        }
        dict_put(&d, parts[parts.len() - 1], value);
    }
    Ok(root)
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
