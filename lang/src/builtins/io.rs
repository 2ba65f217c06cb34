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
//! back as strings. Safetensors files
//! keep no order: dicts load with their keys sorted.

use super::args::{self, bind};
use super::{func, native_class, register_module};
use crate::eval::call::Args;
use crate::eval::dict::{Dict, Key};
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{set_attr, ClassKind, Instance, ModuleObj, Value};
use crate::eval::Interp;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::data::Dataset;
use tinytorch::nn::StateDict;
use tinytorch::{DType, Device, Tensor};

pub fn install(it: &mut Interp) {
    if let Some(Value::Module(t)) = it.modules.get("torch").cloned() {
        super::def(&t, "save", "save(obj, f) -> None\n\nWrites a tensor or a (nested) dict of tensors and numbers to the file f as safetensors (nested keys joined with '/').\n\n>>> torch.save({'w': torch.ones(2), 'epoch': 3}, 'ckpt.safetensors')", save);
        super::def(&t, "load", "load(f, map_location=None, weights_only=True) -> tensor or dict\n\nReads a file written by torch.save (or any safetensors file: a dict of tensors).", load);
    }
    let tt = match it.modules.get("tinytorch") {
        Some(Value::Module(m)) => m.clone(),
        _ => register_module(
            it,
            "tinytorch",
            ModuleObj::new("tinytorch", "tinytorch's own additions."),
        ),
    };
    let ds = register_module(
        it,
        "tinytorch.datasets",
        ModuleObj::new("tinytorch.datasets", "Datasets read from local files."),
    );
    tt.set("datasets", Value::Module(ds.clone()));
    let c = native_class(
        "MNIST",
        "tinytorch.datasets",
        ClassKind::Dataset,
        "MNIST(root, train=True, transform=None)\n\nThe MNIST digits from the standard IDX files in root (train-images-idx3-ubyte, ... or their .gz). Item i is (image, label): a float32 [1, 28, 28] tensor in [0, 1] passed through transform, and an int.",
        Some(mnist),
    );
    {
        let mut a = c.attrs.borrow_mut();
        set_attr(
            &mut a,
            "__len__",
            func("__len__", "__len__() -> int", mnist_len),
        );
        set_attr(
            &mut a,
            "__getitem__",
            func(
                "__getitem__",
                "__getitem__(index) -> (image, label)",
                mnist_item,
            ),
        );
    }
    ds.set("MNIST", Value::Class(c));
}

fn flatten(prefix: &str, v: &Value, out: &mut StateDict) -> PyResult<()> {
    match v {
        Value::Tensor(t) => {
            out.insert(prefix, t.detach());
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

fn path_arg(fname: &str, v: &Value) -> PyResult<String> {
    Ok(args::string(fname, "f", v)?.to_string())
}

fn save(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [obj, f, _pm, _pp, _zip] = bind(
        "save",
        a,
        [
            "obj",
            "f",
            "pickle_module",
            "pickle_protocol",
            "_use_new_zipfile_serialization",
        ],
        2,
    )?;
    let obj = obj.expect("required");
    let path = path_arg("save", &f.expect("required"))?;
    match &obj {
        Value::Tensor(t) => tinytorch::io::save_tensor(t, &path).py()?,
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

fn load(_it: &mut Interp, a: Args) -> PyResult<Value> {
    let [f, _ml, _pm, _wo, _mmap] = bind(
        "load",
        a,
        ["f", "map_location", "pickle_module", "weights_only", "mmap"],
        1,
    )?;
    let path = path_arg("load", &f.expect("required"))?;
    let sd = tinytorch::io::load(&path).py()?;
    let keys: Vec<&str> = sd.keys().collect();
    if keys == ["tensor"] {
        let t = sd.get("tensor").expect("listed").clone();
        return Ok(Value::Tensor(t));
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
            (k, Value::Tensor(t.clone()))
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

thread_local! {
    static SETS: RefCell<Vec<tinytorch::data::Mnist>> = const { RefCell::new(Vec::new()) };
}

fn mnist(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [root, train, transform, _tt, _dl] = bind(
        "MNIST",
        a,
        ["root", "train", "transform", "target_transform", "download"],
        1,
    )?;
    let root = args::string("MNIST", "root", &root.expect("required"))?.to_string();
    let train = args::opt_bool("MNIST", "train", &train, true)?;
    let m = tinytorch::data::Mnist::new(&root, train, None)
        .map_err(|e| exc("RuntimeError", e.to_string()))?;
    let id = SETS.with(|s| {
        let mut s = s.borrow_mut();
        s.push(m);
        s.len() as i64 - 1
    });
    let md = it.import("tinytorch.datasets")?;
    let Ok(Value::Class(c)) = it.get_attr(&md, "MNIST") else {
        return Err(exc("RuntimeError", "tinytorch.datasets.MNIST missing"));
    };
    Ok(Value::Instance(Rc::new(Instance {
        class: c,
        attrs: RefCell::new(vec![
            (Rc::from("root"), Value::str(&root)),
            (Rc::from("train"), Value::Bool(train)),
            (Rc::from("transform"), transform.unwrap_or(Value::None)),
            (Rc::from("_set"), Value::Int(id)),
        ]),
    })))
}

fn set_id(v: &Value) -> PyResult<usize> {
    match v {
        Value::Instance(i) => match i.get("_set") {
            Some(Value::Int(n)) => Ok(n as usize),
            _ => Err(type_error("descriptor requires a 'MNIST' object")),
        },
        _ => Err(type_error("descriptor requires a 'MNIST' object")),
    }
}

fn mnist_len(_: &mut Interp, a: Args) -> PyResult<Value> {
    let this = a.pos.into_iter().next().unwrap_or(Value::None);
    let id = set_id(&this)?;
    Ok(Value::Int(
        SETS.with(|s| s.borrow().get(id).map(|m| m.len()).unwrap_or(0)) as i64,
    ))
}

fn mnist_item(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [this, index] = bind("__getitem__", a, ["self", "index"], 2)?;
    let this = this.expect("required");
    let id = set_id(&this)?;
    let n = SETS.with(|s| s.borrow().get(id).map(|m| m.len()).unwrap_or(0)) as i64;
    let mut i = args::int("__getitem__", "index", &index.expect("required"))?;
    if i < 0 {
        i += n;
    }
    if i < 0 || i >= n {
        return Err(exc(
            "IndexError",
            format!("index {i} is out of bounds for dimension 0 with size {n}"),
        ));
    }
    let item = SETS.with(|s| match s.borrow().get(id) {
        Some(m) => m.get(i as usize),
        None => Err(tinytorch::Error::invalid("MNIST dataset is gone")),
    });
    let item = item.py()?;
    let mut x = Value::Tensor(item[0].clone());
    let y = Value::Int(item[1].item().py()? as i64);
    let transform = match &this {
        Value::Instance(inst) => inst.get("transform").unwrap_or(Value::None),
        _ => Value::None,
    };
    if !matches!(transform, Value::None) {
        x = it.call(&transform, Args::new(vec![x]))?;
    }
    Ok(Value::tuple(vec![x, y]))
}
