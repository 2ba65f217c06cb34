//! Typed argument extraction for native functions, with the TypeErrors
//! Python and PyTorch raise: `sum() got an unexpected keyword argument
//! 'dimm'`, `zeros(): argument 'dtype' must be torch.dtype, not str`.

use crate::eval::call::Args;
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use tinytorch::{DType, Tensor};

/// Binds `args` to the parameter `names` (positional order, then by
/// keyword); the first `required` must be present. Returns one slot per name.
pub fn bind<const N: usize>(
    fname: &str,
    args: Args,
    names: [&str; N],
    required: usize,
) -> PyResult<[Option<Value>; N]> {
    let mut out: [Option<Value>; N] = std::array::from_fn(|_| None);
    if args.pos.len() > N {
        return Err(type_error(if N == required {
            format!(
                "{fname}() takes {N} positional argument{} but {} were given",
                if N == 1 { "" } else { "s" },
                args.pos.len()
            )
        } else {
            format!(
                "{fname}() takes from {required} to {N} positional arguments but {} were given",
                args.pos.len()
            )
        }));
    }
    for (i, v) in args.pos.into_iter().enumerate() {
        out[i] = Some(v);
    }
    for (k, v) in args.kw {
        match names.iter().position(|n| **n == *k) {
            Some(i) => {
                if out[i].is_some() {
                    return Err(type_error(format!(
                        "{fname}() got multiple values for argument '{k}'"
                    )));
                }
                out[i] = Some(v);
            }
            None => {
                return Err(type_error(format!(
                    "{fname}() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    for (i, n) in names.iter().enumerate().take(required) {
        if out[i].is_none() {
            return Err(type_error(format!(
                "{fname}() missing required argument '{n}' (pos {})",
                i + 1
            )));
        }
    }
    Ok(out)
}

/// Rejects any argument (methods such as `x.numel()`).
pub fn none(fname: &str, args: Args) -> PyResult<()> {
    bind::<0>(fname, args, [], 0).map(|_| ())
}

fn wrong(fname: &str, param: &str, want: &str, v: &Value) -> Box<crate::eval::PyErr> {
    type_error(format!(
        "{fname}(): argument '{param}' must be {want}, not {}",
        v.type_name()
    ))
}

pub fn int(fname: &str, param: &str, v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Tensor(t) if t.numel() == 1 && !t.dtype().is_float() => {
            Ok(t.item().map_err(crate::eval::error::from_engine)? as i64)
        }
        _ => Err(wrong(fname, param, "int", v)),
    }
}

pub fn float(fname: &str, param: &str, v: &Value) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::Tensor(t) if t.numel() == 1 => t.item().map_err(crate::eval::error::from_engine),
        _ => Err(wrong(fname, param, "float", v)),
    }
}

pub fn boolean(fname: &str, param: &str, v: &Value) -> PyResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Int(i) => Ok(*i != 0),
        Value::None => Ok(false),
        _ => Err(wrong(fname, param, "bool", v)),
    }
}

pub fn string<'a>(fname: &str, param: &str, v: &'a Value) -> PyResult<&'a str> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(wrong(fname, param, "str", v)),
    }
}

pub fn tensor(fname: &str, param: &str, v: &Value) -> PyResult<Tensor> {
    match v {
        Value::Tensor(t) => Ok(t.clone()),
        _ => Err(type_error(format!(
            "{fname}(): argument '{param}' (position 1) must be Tensor, not {}",
            v.type_name()
        ))),
    }
}

pub fn dtype(fname: &str, param: &str, v: &Value) -> PyResult<DType> {
    match v {
        Value::DType(d) => Ok(*d),
        _ => Err(wrong(fname, param, "torch.dtype", v)),
    }
}

pub fn opt_int(fname: &str, param: &str, v: &Option<Value>) -> PyResult<Option<i64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(x) => int(fname, param, x).map(Some),
    }
}

pub fn opt_float(fname: &str, param: &str, v: &Option<Value>) -> PyResult<Option<f64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(x) => float(fname, param, x).map(Some),
    }
}

pub fn opt_bool(fname: &str, param: &str, v: &Option<Value>, default: bool) -> PyResult<bool> {
    match v {
        None => Ok(default),
        Some(x) => boolean(fname, param, x),
    }
}

pub fn opt_dtype(fname: &str, param: &str, v: &Option<Value>) -> PyResult<Option<DType>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(x) => dtype(fname, param, x).map(Some),
    }
}

/// A list of ints from a tuple/list/Size or a single int (`dim=(0, 1)`).
pub fn ints(it: &mut Interp, fname: &str, param: &str, v: &Value) -> PyResult<Vec<i64>> {
    match v {
        Value::Int(_) | Value::Bool(_) => Ok(vec![int(fname, param, v)?]),
        Value::List(_) | Value::Tuple(_) => {
            let items = it.collect(v)?;
            items.iter().map(|x| int(fname, param, x)).collect()
        }
        _ => Err(wrong(fname, param, "tuple of ints", v)),
    }
}

/// A shape given as varargs (`zeros(2, 3)`) or one sequence (`zeros((2, 3))`).
pub fn shape_varargs(it: &mut Interp, fname: &str, pos: &[Value]) -> PyResult<Vec<i64>> {
    if pos.len() == 1 && matches!(pos[0], Value::List(_) | Value::Tuple(_)) {
        return ints(it, fname, "size", &pos[0]);
    }
    pos.iter().map(|v| int(fname, "size", v)).collect()
}

/// Non-negative sizes.
pub fn sizes(_fname: &str, dims: &[i64]) -> PyResult<Vec<usize>> {
    dims.iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| {
                crate::eval::exc(
                    "RuntimeError",
                    format!("Trying to create tensor with negative dimension {d}: {dims:?}"),
                )
            })
        })
        .collect::<PyResult<Vec<usize>>>()
}
