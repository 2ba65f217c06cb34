//! Tensor methods bound to the engine's shape, sort, indexing, activation
//! and in-place families: indexing and indexed assignment (`TensorIndex`,
//! `index_put_`), `cat`/`stack`/`hstack`/`vstack`, in-place updates with
//! autograd (`zero_ add_ ...`), `repeat split chunk topk sort argsort
//! cumsum cumprod tril triu flip`, `softmax`, `einsum`.

use super::args::{self, bind};
use crate::eval::call::Args;
use crate::eval::error::{exc, EngineResult, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use tinytorch::ops::indexing::TensorIndex;
use tinytorch::{DType, Tensor};

/// `dst.copy_(src)` with PyTorch's autograd rules (leaf checks, version bump).
pub fn assign_into(dst: &Tensor, src: &Tensor) -> PyResult<()> {
    dst.copy_(src).py()
}

fn tensor_list(it: &mut Interp, fname: &str, v: &Value) -> PyResult<Vec<Tensor>> {
    it.collect(v)?
        .iter()
        .map(|x| args::tensor(fname, "tensors", x))
        .collect()
}

fn seq_op(it: &mut Interp, a: Args, fname: &str) -> PyResult<Value> {
    let [ts, d] = bind(fname, a, ["tensors", "dim"], 1)?;
    let ts = tensor_list(it, fname, &ts.expect("required"))?;
    let refs: Vec<&Tensor> = ts.iter().collect();
    let dim = args::opt_int(fname, "dim", &d)?.unwrap_or(0);
    Ok(Value::Tensor(
        match fname {
            "stack" => Tensor::stack(&refs, dim),
            "hstack" => Tensor::hstack(&refs),
            "vstack" => Tensor::vstack(&refs),
            _ => Tensor::cat(&refs, dim),
        }
        .py()?,
    ))
}

pub fn cat(it: &mut Interp, a: Args) -> PyResult<Value> {
    seq_op(it, a, "cat")
}

pub fn stack(it: &mut Interp, a: Args) -> PyResult<Value> {
    seq_op(it, a, "stack")
}

pub fn hstack(it: &mut Interp, a: Args) -> PyResult<Value> {
    seq_op(it, a, "hstack")
}

pub fn vstack(it: &mut Interp, a: Args) -> PyResult<Value> {
    seq_op(it, a, "vstack")
}

/// `torch.einsum(equation, *operands)` (or a list of operands).
pub fn einsum(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut pos = a.pos.into_iter();
    let eq = pos.next().ok_or_else(|| {
        crate::eval::error::type_error("einsum() missing required argument 'equation'")
    })?;
    let eq = args::string("einsum", "equation", &eq)?.to_string();
    let rest: Vec<Value> = pos.collect();
    let ops = if rest.len() == 1 && matches!(rest[0], Value::List(_) | Value::Tuple(_)) {
        tensor_list(it, "einsum", &rest[0])?
    } else {
        rest.iter()
            .map(|v| args::tensor("einsum", "operands", v))
            .collect::<PyResult<_>>()?
    };
    let refs: Vec<&Tensor> = ops.iter().collect();
    Ok(Value::Tensor(Tensor::einsum(&eq, &refs).py()?))
}

/// The engine's index items for a Python subscript.
fn index_items(it: &mut Interp, idx: &Value) -> PyResult<Vec<TensorIndex>> {
    let items: Vec<Value> = match idx {
        Value::Tuple(tu) => tu.items.clone(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .map(|v| {
            Ok(match v {
                Value::Int(i) => TensorIndex::Int(*i),
                Value::Bool(b) => TensorIndex::Tensor(Tensor::from_vec(vec![*b], &[]).py()?),
                Value::Slice(s) => {
                    let get = |x: &Value| -> PyResult<Option<i64>> {
                        match x {
                            Value::None => Ok(None),
                            other => args::int("index", "slice", other).map(Some),
                        }
                    };
                    let step = get(&s[2])?.unwrap_or(1);
                    if step <= 0 {
                        return Err(exc("ValueError", "step must be greater than zero"));
                    }
                    TensorIndex::slice(get(&s[0])?, get(&s[1])?, step)
                }
                Value::None => TensorIndex::NewAxis,
                Value::Ellipsis => TensorIndex::Ellipsis,
                Value::Tensor(t) => TensorIndex::Tensor(t.clone()),
                Value::List(_) | Value::Tuple(_) => TensorIndex::Tensor(super::torch::from_data(it, v, None)?),
                other => {
                    return Err(exc(
                        "IndexError",
                        format!(
                            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
                            other.type_name()
                        ),
                    ))
                }
            })
        })
        .collect()
}

/// `t[idx]`.
pub fn index(it: &mut Interp, t: &Tensor, idx: &Value) -> PyResult<Tensor> {
    let items = index_items(it, idx)?;
    t.index(&items).py()
}

/// `t[idx] = v`.
pub fn index_put(it: &mut Interp, t: &Tensor, idx: &Value, v: Value) -> PyResult<()> {
    let items = index_items(it, idx)?;
    let values = match &v {
        Value::Tensor(s) => s.clone(),
        other => {
            let x = args::float("index_put_", "values", other)?;
            Tensor::scalar_tensor(x, t.dtype(), t.device()).py()?
        }
    };
    t.index_put_(&items, &values, false).py()
}

fn named(name: &'static str, r: tinytorch::ops::reduce::ValuesIndices) -> Value {
    Value::named(
        name,
        &["values", "indices"],
        vec![Value::Tensor(r.values), Value::Tensor(r.indices)],
    )
}

fn tensors(v: Vec<Tensor>) -> Value {
    Value::tuple(v.into_iter().map(Value::Tensor).collect())
}

pub fn call(it: &mut Interp, t: &Tensor, name: &str, a: Args) -> PyResult<Value> {
    let done = |r: tinytorch::Result<()>| -> PyResult<Value> {
        r.py()?;
        Ok(Value::Tensor(t.clone()))
    };
    match name {
        "zero_" => {
            args::none(name, a)?;
            done(t.zero_())
        }
        "fill_" => {
            let [v] = bind(name, a, ["value"], 1)?;
            done(t.fill_(args::float(name, "value", &v.expect("required"))?))
        }
        "copy_" => {
            let [s, _] = bind(name, a, ["src", "non_blocking"], 1)?;
            done(t.copy_(&args::tensor(name, "src", &s.expect("required"))?))
        }
        "add_" | "sub_" | "mul_" | "div_" => {
            let [o, alpha] = bind(name, a, ["other", "alpha"], 1)?;
            let alpha = args::opt_float(name, "alpha", &alpha)?;
            let o = o.expect("required");
            match (&o, name) {
                (Value::Tensor(o), "add_") => done(match alpha {
                    Some(al) => t.add_alpha_(o, al),
                    None => t.add_(o),
                }),
                (Value::Tensor(o), "sub_") => done(match alpha {
                    Some(al) => t.add_alpha_(o, -al),
                    None => t.sub_(o),
                }),
                (Value::Tensor(o), "mul_") => done(t.mul_(o)),
                (Value::Tensor(o), _) => done(t.div_(o)),
                (other, _) => {
                    let s = super::torch::scalar_of(other).ok_or_else(|| {
                        crate::eval::error::type_error(format!(
                            "{name}(): argument 'other' must be Tensor or Number, not {}",
                            other.type_name()
                        ))
                    })?;
                    let s = match alpha {
                        Some(al) => tinytorch::Scalar::Float(s.to_f64() * al),
                        None => s,
                    };
                    done(match name {
                        "add_" => t.add_scalar_(s),
                        "sub_" => t.sub_scalar_(s),
                        "mul_" => t.mul_scalar_(s),
                        _ => t.div_scalar_(s),
                    })
                }
            }
        }
        "clamp_" | "clip_" => {
            let [lo, hi] = bind(name, a, ["min", "max"], 0)?;
            done(t.clamp_(
                args::opt_float(name, "min", &lo)?,
                args::opt_float(name, "max", &hi)?,
            ))
        }
        "masked_fill_" => {
            let [m, v] = bind(name, a, ["mask", "value"], 2)?;
            let m = args::tensor(name, "mask", &m.expect("required"))?;
            done(t.masked_fill_(&m, args::float(name, "value", &v.expect("required"))?))
        }
        "relu_" | "neg_" | "exp_" | "sigmoid_" | "tanh_" => {
            args::none(name, a)?;
            done(match name {
                "relu_" => t.relu_(),
                "neg_" => t.neg_(),
                "exp_" => t.exp_(),
                "sigmoid_" => t.sigmoid_(),
                _ => t.tanh_(),
            })
        }
        "normal_" | "uniform_" => {
            let (p0, p1, d1) = if name == "normal_" {
                ("mean", "std", 1.0)
            } else {
                ("from", "to", 1.0)
            };
            let [x, y] = bind(name, a, [p0, p1], 0)?;
            let x = args::opt_float(name, p0, &x)?.unwrap_or(0.0);
            let y = args::opt_float(name, p1, &y)?.unwrap_or(d1);
            done(if name == "normal_" {
                t.normal_(x, y)
            } else {
                t.uniform_(x, y)
            })
        }
        "tril" | "triu" => {
            let [d] = bind(name, a, ["diagonal"], 0)?;
            let k = args::opt_int(name, "diagonal", &d)?.unwrap_or(0);
            Ok(Value::Tensor(
                if name == "tril" { t.tril(k) } else { t.triu(k) }.py()?,
            ))
        }
        "repeat" => {
            let mut pos = a.pos;
            if let Some((_, v)) = a.kw.into_iter().find(|(k, _)| &**k == "repeats") {
                pos = vec![v];
            }
            let r = args::shape_varargs(it, "repeat", &pos)?;
            Ok(Value::Tensor(t.repeat(&args::sizes("repeat", &r)?).py()?))
        }
        "split" => {
            let [s, d] = bind(name, a, ["split_size_or_sections", "dim"], 1)?;
            let dim = args::opt_int(name, "dim", &d)?.unwrap_or(0);
            match s.expect("required") {
                v @ (Value::List(_) | Value::Tuple(_)) => {
                    let sizes = args::ints(it, name, "split_size_or_sections", &v)?;
                    Ok(tensors(
                        t.split_sizes(&args::sizes(name, &sizes)?, dim).py()?,
                    ))
                }
                v => {
                    let n = args::int(name, "split_size_or_sections", &v)?;
                    Ok(tensors(t.split(args::sizes(name, &[n])?[0], dim).py()?))
                }
            }
        }
        "chunk" => {
            let [c, d] = bind(name, a, ["chunks", "dim"], 1)?;
            let c = args::int(name, "chunks", &c.expect("required"))?;
            Ok(tensors(
                t.chunk(
                    args::sizes(name, &[c])?[0],
                    args::opt_int(name, "dim", &d)?.unwrap_or(0),
                )
                .py()?,
            ))
        }
        "sort" | "argsort" => {
            let [d, desc, _stable] = bind(name, a, ["dim", "descending", "stable"], 0)?;
            let dim = args::opt_int(name, "dim", &d)?.unwrap_or(-1);
            let desc = args::opt_bool(name, "descending", &desc, false)?;
            if name == "sort" {
                Ok(named("sort", t.sort(dim, desc).py()?))
            } else {
                Ok(Value::Tensor(t.argsort(dim, desc).py()?))
            }
        }
        "topk" => {
            let [k, d, largest, sorted] = bind(name, a, ["k", "dim", "largest", "sorted"], 1)?;
            let k = args::int(name, "k", &k.expect("required"))?;
            let dim = args::opt_int(name, "dim", &d)?.unwrap_or(-1);
            let r = t
                .topk(
                    args::sizes(name, &[k])?[0],
                    dim,
                    args::opt_bool(name, "largest", &largest, true)?,
                    args::opt_bool(name, "sorted", &sorted, true)?,
                )
                .py()?;
            Ok(named("topk", r))
        }
        "cumsum" | "cumprod" => {
            let [d, dtype] = bind(name, a, ["dim", "dtype"], 1)?;
            let dim = args::int(name, "dim", &d.expect("required"))?;
            let src = match args::opt_dtype(name, "dtype", &dtype)? {
                Some(dt) => t.to_dtype(dt).py()?,
                None => t.clone(),
            };
            Ok(Value::Tensor(
                if name == "cumsum" {
                    src.cumsum(dim)
                } else {
                    src.cumprod(dim)
                }
                .py()?,
            ))
        }
        "flip" => {
            let mut pos = a.pos;
            if let Some((_, v)) = a.kw.into_iter().find(|(k, _)| &**k == "dims") {
                pos = vec![v];
            }
            let dims = args::shape_varargs(it, "flip", &pos)?;
            Ok(Value::Tensor(t.flip(&dims).py()?))
        }
        _ => Err(exc(
            "AttributeError",
            format!("'Tensor' object has no attribute '{name}'"),
        )),
    }
}

#[allow(dead_code)]
fn unused(_: DType) {}
