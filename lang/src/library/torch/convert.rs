//! Conversions and facts: `to type float half bfloat16 double long int bool
//! cpu cuda item tolist numel dim size stride contiguous clone
//! element_size is_floating_point is_contiguous get_device type_as`.

use super::tensor::{item_value, ok, type_title, value};
use crate::bind::{row, Bound, Row};
use crate::eval::error::PyResult;
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::{DType, Device, Tensor};

#[rustfmt::skip]
pub const BOTH: &[Row] = &[
    row("numel(Tensor input)", "The number of elements.", numel),
    row("clone(Tensor input, *, MemoryFormat? memory_format=None)", "A copy with its own storage (gradients flow back to the original).", clone),
    row("is_floating_point(Tensor input)", "Whether the dtype is a floating-point type.", is_floating_point),
    row("is_tensor(object obj)", "Whether obj is a tensor.", is_tensor),
];

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("to(Tensor input, Device? device=None, ScalarType? dtype=None, bool non_blocking=False, bool copy=False) | to(Tensor input, ScalarType dtype, bool non_blocking=False, bool copy=False) | to(Tensor input, Tensor other, bool non_blocking=False, bool copy=False)", "The tensor on another device and/or in another dtype (itself if nothing changes).", to),
    row("type(Tensor input, ScalarType? dtype=None, bool non_blocking=False)", "The legacy type name ('torch.FloatTensor'), or the tensor cast to dtype.", type_),
    row("type_as(Tensor input, Tensor other)", "The tensor cast to other's dtype.", type_as),
    row("float(Tensor input)", "The tensor as float32.", float),
    row("double(Tensor input)", "The tensor as float64.", double),
    row("half(Tensor input)", "The tensor as float16.", half),
    row("bfloat16(Tensor input)", "The tensor as bfloat16.", bfloat16),
    row("long(Tensor input)", "The tensor as int64.", long),
    row("int(Tensor input)", "The tensor as int32.", int),
    row("bool(Tensor input)", "The tensor as bool.", bool_),
    row("cpu(Tensor input)", "The tensor on the CPU.", cpu),
    row("cuda(Tensor input, Device? device=None, bool non_blocking=False)", "The tensor on a CUDA device (cuda:0 by default).", cuda),
    row("item(Tensor input)", "The value of a one-element tensor as a Python number.", item),
    row("tolist(Tensor input)", "The elements as nested Python lists of numbers.", tolist),
    row("dim(Tensor input)", "The number of dims.", dim),
    row("ndimension(Tensor input)", "The number of dims.", dim),
    row("nelement(Tensor input)", "The number of elements.", numel),
    row("size(Tensor input, int? dim=None)", "The shape (torch.Size), or the size of one dim.", size),
    row("stride(Tensor input, int? dim=None)", "The strides (in elements), or the stride of one dim.", stride),
    row("contiguous(Tensor input, *, MemoryFormat? memory_format=None)", "The tensor laid out contiguously (itself if it is).", contiguous),
    row("element_size(Tensor input)", "Bytes per element.", element_size),
    row("is_contiguous(Tensor input, *, MemoryFormat? memory_format=None)", "Whether the elements are laid out contiguously.", is_contiguous),
    row("get_device(Tensor input)", "The CUDA device index, or -1 on the CPU.", get_device),
];

fn cast(t: &Tensor, d: DType) -> PyResult<Value> {
    if t.dtype() == d {
        return Ok(value(t.clone()));
    }
    ok(t.to_dtype(d))
}

fn numel(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(b.tensor(0)?.numel() as i64))
}

fn clone(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.clone_tensor())
}

fn is_floating_point(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(b.tensor(0)?.dtype().is_float()))
}

fn is_tensor(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(b.value(0).downcast::<Tensor>().is_some()))
}

fn to(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let (device, dtype, copy) = match b.overload {
        0 => (b.device(1)?, b.dtype(it, 2)?, b.bool(4)?),
        1 => (None, b.dtype(it, 1)?, b.bool(3)?),
        _ => {
            let o = b.tensor(1)?;
            (Some(o.device()), Some(o.dtype()), b.bool(3)?)
        }
    };
    let mut r = t.clone();
    if let Some(d) = device {
        if d != r.device() {
            r = r.to_device(d).py()?;
        }
    }
    if let Some(d) = dtype {
        if d != r.dtype() {
            r = r.to_dtype(d).py()?;
        }
    }
    if copy && r.id() == t.id() {
        r = r.clone_tensor().py()?;
    }
    Ok(value(r))
}

fn type_(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    match b.dtype(it, 1)? {
        None => Ok(Value::str(&format!(
            "torch.{}{}Tensor",
            if t.device().is_cuda() { "cuda." } else { "" },
            type_title(t.dtype())
        ))),
        Some(d) => cast(t, d),
    }
}

fn type_as(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, b.tensor(1)?.dtype())
}

fn float(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::F32)
}

fn double(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::F64)
}

fn half(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::F16)
}

fn bfloat16(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::BF16)
}

fn long(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::I64)
}

fn int(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::I32)
}

fn bool_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    cast(b.tensor(0)?, DType::Bool)
}

fn cpu(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.to_device(Device::Cpu))
}

fn cuda(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = b.device(1)?.unwrap_or(Device::Cuda(0));
    ok(b.tensor(0)?.to_device(d))
}

fn item(_: &mut Interp, b: Bound) -> PyResult<Value> {
    item_value(b.tensor(0)?)
}

/// `x.tolist()`: nested lists of Python numbers.
pub fn tolist(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let vals: Vec<Value> = match t.dtype() {
        DType::Bool => t
            .to_vec_i64()
            .py()?
            .into_iter()
            .map(|v| Value::Bool(v != 0))
            .collect(),
        d if d.is_int() => t.to_vec_i64().py()?.into_iter().map(Value::Int).collect(),
        _ => t.to_vec_f64().py()?.into_iter().map(Value::Float).collect(),
    };
    fn nest(vals: &[Value], shape: &[usize]) -> Value {
        match shape.split_first() {
            None => vals.first().cloned().unwrap_or(Value::None),
            Some((&n, rest)) => {
                let step: usize = rest.iter().product();
                Value::list(
                    (0..n)
                        .map(|i| nest(&vals[i * step..(i + 1) * step], rest))
                        .collect(),
                )
            }
        }
    }
    Ok(nest(&vals, t.shape()))
}

fn dim(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(b.tensor(0)?.dim() as i64))
}

fn size(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    match b.opt_int(1)? {
        None => Ok(super::values::size(t.shape())),
        Some(d) => Ok(Value::Int(t.size(d).py()? as i64)),
    }
}

fn stride(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let st: Vec<Value> = t.stride().iter().map(|&s| Value::Int(s as i64)).collect();
    match b.opt_int(1)? {
        None => Ok(Value::tuple(st)),
        Some(d) => {
            let n = t.dim() as i64;
            let k = if d < 0 { d + n } else { d };
            if k < 0 || k >= n {
                return Err(crate::library::from_engine(
                    tinytorch::Error::DimOutOfRange {
                        op: "stride",
                        dim: d,
                        ndim: t.dim(),
                    },
                ));
            }
            Ok(st[k as usize].clone())
        }
    }
}

fn contiguous(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.contiguous())
}

fn element_size(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(b.tensor(0)?.dtype().size_in_bytes() as i64))
}

fn is_contiguous(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Bool(b.tensor(0)?.is_contiguous()))
}

fn get_device(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(match b.tensor(0)?.device() {
        Device::Cuda(n) => n as i64,
        Device::Cpu => -1,
    }))
}
