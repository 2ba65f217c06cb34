//! Tensor methods that build on the engine's shape, sort, indexing and
//! in-place families: indexing and indexed assignment, `cat`/`stack`,
//! in-place updates (`zero_ add_ ...`), `repeat split chunk topk sort
//! cumsum tril triu`.

use super::args::{self, bind};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use tinytorch::storage::{CpuStorage, Storage};
use tinytorch::{DType, Tensor};

/// Writes `src` (broadcast to `dst`'s shape) into `dst`'s storage in place,
/// bumping the version counter so autograd notices.
pub fn assign_into(dst: &Tensor, src: &Tensor) -> PyResult<()> {
    if tinytorch::autograd::is_grad_enabled() && dst.requires_grad() {
        if dst.is_leaf() {
            return Err(exc(
                "RuntimeError",
                "a leaf Variable that requires grad is being used in an in-place operation.",
            ));
        }
        return Err(exc(
            "RuntimeError",
            "in-place operations on tensors that require grad are not supported here yet",
        ));
    }
    let src = src.detach().broadcast_to(dst.shape()).py()?;
    let vals = src.to_vec_f64().py()?;
    let ints = if dst.dtype().is_int() {
        Some(src.to_vec_i64().py()?)
    } else {
        None
    };
    let offsets = dst.layout().offsets();
    let cell = dst.storage_cell();
    {
        let mut guard = cell.write();
        #[allow(irrefutable_let_patterns)]
        let Storage::Cpu(cpu) = &mut *guard
        else {
            return Err(exc(
                "RuntimeError",
                "in-place writes are only supported on the CPU",
            ));
        };
        match cpu {
            CpuStorage::F32(v) => offsets
                .iter()
                .zip(&vals)
                .for_each(|(&o, &x)| v[o] = x as f32),
            CpuStorage::F64(v) => offsets.iter().zip(&vals).for_each(|(&o, &x)| v[o] = x),
            CpuStorage::F16(v) => offsets
                .iter()
                .zip(&vals)
                .for_each(|(&o, &x)| v[o] = half::f16::from_f64(x)),
            CpuStorage::BF16(v) => offsets
                .iter()
                .zip(&vals)
                .for_each(|(&o, &x)| v[o] = half::bf16::from_f64(x)),
            CpuStorage::I64(v) => offsets
                .iter()
                .zip(ints.iter().flatten())
                .for_each(|(&o, &x)| v[o] = x),
            CpuStorage::I32(v) => offsets
                .iter()
                .zip(ints.iter().flatten())
                .for_each(|(&o, &x)| v[o] = x as i32),
            CpuStorage::Bool(v) => offsets
                .iter()
                .zip(&vals)
                .for_each(|(&o, &x)| v[o] = x != 0.0),
        }
    }
    cell.bump_version();
    Ok(())
}

fn tensor_list(it: &mut Interp, fname: &str, v: &Value) -> PyResult<Vec<Tensor>> {
    it.collect(v)?
        .iter()
        .map(|x| args::tensor(fname, "tensors", x))
        .collect()
}

pub fn cat(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [ts, d] = bind("cat", a, ["tensors", "dim"], 1)?;
    let ts = tensor_list(it, "cat", &ts.expect("required"))?;
    let dim = args::opt_int("cat", "dim", &d)?.unwrap_or(0);
    if ts.is_empty() {
        return Err(exc(
            "RuntimeError",
            "torch.cat(): expected a non-empty list of Tensors",
        ));
    }
    // Concatenation by zero-padding and adding: correct values and gradients
    // through existing ops (each piece is padded into place).
    let nd = ts[0].dim() as i64;
    let d = if dim < 0 { dim + nd } else { dim };
    if d < 0 || d >= nd.max(1) {
        return Err(crate::eval::error::from_engine(
            tinytorch::Error::DimOutOfRange {
                op: "cat",
                dim,
                ndim: nd as usize,
            },
        ));
    }
    let d = d as usize;
    let total: usize = ts
        .iter()
        .map(|t| t.shape().get(d).copied().unwrap_or(0))
        .sum();
    let mut out_shape = ts[0].shape().to_vec();
    for t in &ts {
        if t.dim() != ts[0].dim()
            || t.shape()
                .iter()
                .enumerate()
                .any(|(k, &s)| k != d && s != out_shape[k])
        {
            return Err(exc("RuntimeError", format!(
                "Sizes of tensors must match except in dimension {d}. Expected size {} but got size {} for tensor number 1 in the list.",
                out_shape.get(if d == 0 { 1 } else { 0 }).copied().unwrap_or(0),
                t.shape().get(if d == 0 { 1 } else { 0 }).copied().unwrap_or(0)
            )));
        }
    }
    out_shape[d] = total;
    let dtype = ts
        .iter()
        .skip(1)
        .fold(ts[0].dtype(), |acc, t| DType::promote(acc, t.dtype()));
    let mut acc: Option<Tensor> = None;
    let mut start = 0;
    for t in &ts {
        let n = t.shape()[d];
        // one-hot placement matrix along d: P[i, start + i] = 1
        let mut p = vec![0.0; n * total];
        for i in 0..n {
            p[i * total + start + i] = 1.0;
        }
        let p = Tensor::from_vec_f64(&p, &[n, total], dtype).py()?;
        let moved = t.to_dtype(dtype).py()?.transpose(d as i64, -1).py()?;
        let placed = if dtype.is_float() {
            moved.matmul(&p).py()?
        } else {
            moved
                .to_dtype(DType::F64)
                .py()?
                .matmul(&p.to_dtype(DType::F64).py()?)
                .py()?
                .to_dtype(dtype)
                .py()?
        };
        let placed = placed.transpose(d as i64, -1).py()?;
        acc = Some(match acc {
            None => placed,
            Some(a) => a.add(&placed).py()?,
        });
        start += n;
    }
    Ok(Value::Tensor(acc.expect("non-empty")))
}

pub fn stack(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [ts, d] = bind("stack", a, ["tensors", "dim"], 1)?;
    let ts = tensor_list(it, "stack", &ts.expect("required"))?;
    let dim = args::opt_int("stack", "dim", &d)?.unwrap_or(0);
    let us: Vec<Value> = ts
        .iter()
        .map(|t| t.unsqueeze(dim).py().map(Value::Tensor))
        .collect::<PyResult<_>>()?;
    cat(
        it,
        Args {
            pos: vec![Value::list(us), Value::Int(dim)],
            kw: vec![],
        },
    )
}

/// `t[idx]`: ints, slices, None, Ellipsis, tuples of these, an int or bool
/// tensor (or list) along the first dim.
pub fn index(it: &mut Interp, t: &Tensor, idx: &Value) -> PyResult<Tensor> {
    let items: Vec<Value> = match idx {
        Value::Tuple(tu) => tu.items.clone(),
        other => vec![other.clone()],
    };
    let consumed = items
        .iter()
        .filter(|v| !matches!(v, Value::None | Value::Ellipsis))
        .count();
    if consumed > t.dim() {
        return Err(exc(
            "IndexError",
            format!("too many indices for tensor of dimension {}", t.dim()),
        ));
    }
    let mut r = t.clone();
    let mut dim: i64 = 0;
    for v in &items {
        match v {
            Value::Int(_) | Value::Bool(_) => {
                let i = args::int("index", "index", v)?;
                let size = r.shape()[dim as usize] as i64;
                if i < -size || i >= size {
                    return Err(exc("IndexError", format!("index {i} is out of bounds for dimension {dim} with size {size}")));
                }
                r = r.select(dim, i).py()?;
            }
            Value::Slice(s) => {
                let size = r.shape()[dim as usize];
                let (start, stop, step) = it.slice_bounds(s, size)?;
                if step < 0 {
                    return Err(exc("ValueError", "step must be greater than zero"));
                }
                r = r.slice(dim, Some(start), Some(stop.max(start)), step).py()?;
                dim += 1;
            }
            Value::None => {
                r = r.unsqueeze(dim).py()?;
                dim += 1;
            }
            Value::Ellipsis => {
                let rest = items.iter().skip_while(|x| !matches!(x, Value::Ellipsis)).skip(1).filter(|v| !matches!(v, Value::None)).count() as i64;
                dim = r.dim() as i64 - rest;
            }
            Value::Tensor(ix) if ix.dtype() == DType::Bool => {
                if items.len() != 1 || ix.shape() != r.shape() {
                    return Err(exc("IndexError", "boolean mask indexing is supported for a full-shape mask only"));
                }
                let m = ix.to_vec_i64().py()?;
                let pos: Vec<i64> = m.iter().enumerate().filter(|(_, &b)| b != 0).map(|(i, _)| i as i64).collect();
                let flat = r.reshape(&[-1]).py()?;
                let n = pos.len();
                let it_t = Tensor::from_vec(pos, &[n]).py()?;
                return flat.index_select(0, &it_t).py();
            }
            Value::Tensor(ix) => {
                let shape = ix.shape().to_vec();
                let flat = ix.reshape(&[-1]).py()?;
                let size = r.shape()[dim as usize] as i64;
                let idx: Vec<i64> = flat.to_vec_i64().py()?.into_iter().map(|i| if i < 0 { i + size } else { i }).collect();
                let n = idx.len();
                let idx_t = Tensor::from_vec(idx, &[n]).py()?;
                let sel = r.index_select(dim, &idx_t).py()?;
                let mut new_shape: Vec<i64> = r.shape()[..dim as usize].iter().map(|&x| x as i64).collect();
                new_shape.extend(shape.iter().map(|&x| x as i64));
                new_shape.extend(r.shape()[dim as usize + 1..].iter().map(|&x| x as i64));
                r = sel.reshape(&new_shape).py()?;
                dim += shape.len() as i64;
            }
            Value::List(_) => {
                let ix = super::torch::from_data(it, v, None)?;
                let sub = Value::Tensor(ix);
                let rest: Vec<Value> = vec![sub];
                r = index(it, &r, &Value::tuple([vec![Value::Slice(std::rc::Rc::new([Value::None, Value::None, Value::None])); dim as usize], rest].concat()))?;
                dim += 1;
            }
            other => {
                return Err(exc(
                    "IndexError",
                    format!(
                        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
                        other.type_name()
                    ),
                ))
            }
        }
    }
    Ok(r)
}

/// `t[idx] = v`.
pub fn index_put(it: &mut Interp, t: &Tensor, idx: &Value, v: Value) -> PyResult<()> {
    if let Value::Tensor(m) = idx {
        if m.dtype() == DType::Bool {
            let val = args::float("index_put_", "value", &v)?;
            let r = t.masked_fill(m, val).py()?;
            return assign_into(t, &r);
        }
    }
    let view = index(it, t, idx)?;
    if !view.shares_storage(t) {
        return Err(exc(
            "RuntimeError",
            "indexed assignment through integer tensors is not supported yet",
        ));
    }
    let src = match &v {
        Value::Tensor(s) => s.clone(),
        other => {
            let x = args::float("index_put_", "value", other)?;
            Tensor::full(view.shape(), x, view.dtype(), view.device()).py()?
        }
    };
    assign_into(&view, &src)
}

pub fn call(it: &mut Interp, t: &Tensor, name: &str, a: Args) -> PyResult<Value> {
    let _ = it;
    match name {
        "zero_" => {
            args::none(name, a)?;
            assign_into(t, &Tensor::zeros(&[], t.dtype(), t.device()).py()?)?;
            Ok(Value::Tensor(t.clone()))
        }
        "fill_" => {
            let [v] = bind(name, a, ["value"], 1)?;
            let x = args::float(name, "value", &v.expect("required"))?;
            assign_into(t, &Tensor::full(&[], x, t.dtype(), t.device()).py()?)?;
            Ok(Value::Tensor(t.clone()))
        }
        "copy_" => {
            let [s] = bind(name, a, ["src", "non_blocking"], 1).map(|[s, _]| [s])?;
            let s = args::tensor(name, "src", &s.expect("required"))?;
            assign_into(t, &s)?;
            Ok(Value::Tensor(t.clone()))
        }
        "add_" | "sub_" | "mul_" | "div_" => {
            let mut a = a;
            let alpha = match a.kw.iter().position(|(k, _)| &**k == "alpha") {
                Some(i) => args::float(name, "alpha", &a.kw.remove(i).1)?,
                None => 1.0,
            };
            let [o] = bind(name, a, ["other"], 1)?;
            let mut o = o.expect("required");
            if alpha != 1.0 {
                o = it.binary_op(crate::syntax::ast::BinOp::Mul, o, Value::Float(alpha))?;
            }
            let op = match name {
                "add_" => crate::syntax::ast::BinOp::Add,
                "sub_" => crate::syntax::ast::BinOp::Sub,
                "mul_" => crate::syntax::ast::BinOp::Mul,
                _ => crate::syntax::ast::BinOp::Div,
            };
            super::tensor_methods::inplace_binary(it, op, t, &o)?;
            Ok(Value::Tensor(t.clone()))
        }
        "normal_" | "uniform_" => {
            let (p0, p1, d0, d1) = if name == "normal_" {
                ("mean", "std", 0.0, 1.0)
            } else {
                ("from", "to", 0.0, 1.0)
            };
            let [x, y] = bind(name, a, [p0, p1], 0)?;
            let x = args::opt_float(name, p0, &x)?.unwrap_or(d0);
            let y = args::opt_float(name, p1, &y)?.unwrap_or(d1);
            let r = if name == "normal_" {
                Tensor::normal(t.shape(), x, y, t.dtype(), t.device())
            } else {
                Tensor::uniform(t.shape(), x, y, t.dtype(), t.device())
            }
            .py()?;
            let _g = tinytorch::autograd::no_grad();
            assign_into(t, &r)?;
            Ok(Value::Tensor(t.clone()))
        }
        "tril" | "triu" => {
            let [d] = bind(name, a, ["diagonal"], 0)?;
            let k = args::opt_int(name, "diagonal", &d)?.unwrap_or(0);
            if t.dim() < 2 {
                return Err(exc(
                    "RuntimeError",
                    format!("{name}: input tensor must have at least 2 dimensions"),
                ));
            }
            let (rows, cols) = (t.shape()[t.dim() - 2], t.shape()[t.dim() - 1]);
            let mut m = vec![false; rows * cols];
            for i in 0..rows {
                for j in 0..cols {
                    let (i, j) = (i as i64, j as i64);
                    let keep = if name == "tril" {
                        j - i <= k
                    } else {
                        j - i >= k
                    };
                    m[(i * cols as i64 + j) as usize] = !keep;
                }
            }
            let mask = Tensor::from_vec(m, &[rows, cols]).py()?;
            Ok(Value::Tensor(t.masked_fill(&mask, 0.0).py()?))
        }
        _ => Err(exc(
            "AttributeError",
            format!("'Tensor' object has no attribute '{name}'"),
        )),
    }
}

#[allow(unused)]
fn unused() -> PyResult<()> {
    Err(type_error(""))
}
