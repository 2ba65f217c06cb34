//! Tensor methods and attributes under PyTorch's names, argument names and
//! defaults (`x.sum(dim=1, keepdim=True)`, `x.var(correction=0)`,
//! `x.max(dim=0)` -> `torch.return_types.max(values=..., indices=...)`),
//! and `torch.X(input, ...)` for each of them.

use super::args::{self, bind};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, EngineResult, PyResult};
use crate::eval::value::{Native, Value};
use crate::eval::Interp;
use crate::syntax::ast::{BinOp, CmpOp};
use std::rc::Rc;
use tinytorch::ops::binary::Arg;
use tinytorch::{DType, Device, Tensor};

/// Tensor methods also exposed as `torch.X(input, ...)`.
pub const FUNCTIONS: &[&str] = &[
    "add",
    "sub",
    "mul",
    "div",
    "true_divide",
    "matmul",
    "mm",
    "bmm",
    "neg",
    "negative",
    "exp",
    "log",
    "log1p",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "sqrt",
    "rsqrt",
    "pow",
    "abs",
    "sign",
    "square",
    "maximum",
    "minimum",
    "clamp",
    "clip",
    "masked_fill",
    "norm",
    "allclose",
    "equal",
    "any",
    "all",
    "relu",
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "var",
    "std",
    "prod",
    "reshape",
    "permute",
    "transpose",
    "t",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "narrow",
    "select",
    "index_select",
    "gather",
    "scatter",
    "scatter_add",
    "lt",
    "le",
    "gt",
    "ge",
    "eq",
    "ne",
    "logical_not",
    "logical_and",
    "logical_or",
    "logical_xor",
    "floor",
    "ceil",
    "round",
    "trunc",
    "erf",
    "reciprocal",
    "logsumexp",
    "isnan",
    "isinf",
    "amax",
    "detach",
    "clone",
    "numel",
    "floor_divide",
    "remainder",
    "softmax",
    "log_softmax",
    "broadcast_to",
    "is_floating_point",
    "dot",
    "outer",
    "exp2",
    "square",
    "isclose",
    "sort",
    "argsort",
    "topk",
    "cumsum",
    "cumprod",
    "tril",
    "triu",
    "split",
    "chunk",
    "flip",
];

/// Methods only (not torch functions).
const METHODS: &[&str] = &[
    "size",
    "dim",
    "ndimension",
    "item",
    "tolist",
    "contiguous",
    "view",
    "view_as",
    "reshape_as",
    "expand",
    "expand_as",
    "to",
    "type",
    "float",
    "half",
    "bfloat16",
    "double",
    "long",
    "int",
    "bool",
    "cuda",
    "cpu",
    "requires_grad_",
    "retain_grad",
    "backward",
    "nelement",
    "element_size",
    "is_contiguous",
    "stride",
    "zero_",
    "fill_",
    "copy_",
    "add_",
    "sub_",
    "mul_",
    "div_",
    "clamp_",
    "masked_fill_",
    "normal_",
    "uniform_",
    "mT",
    "get_device",
    "new_zeros",
    "new_ones",
    "new_tensor",
    "new_full",
    "type_as",
    "repeat",
    "split",
    "chunk",
    "topk",
    "sort",
    "argsort",
    "cumsum",
    "tril",
    "triu",
    "cumprod",
    "flip",
    "relu_",
    "neg_",
    "exp_",
    "sigmoid_",
    "tanh_",
    "clip_",
];

const ATTRS: &[&str] = &[
    "shape",
    "dtype",
    "device",
    "grad",
    "grad_fn",
    "is_leaf",
    "requires_grad",
    "data",
    "T",
    "mT",
    "ndim",
    "is_cuda",
    "itemsize",
    "nbytes",
];

pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FUNCTIONS
        .iter()
        .chain(METHODS)
        .chain(ATTRS)
        .copied()
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

pub fn attr(_: &mut Interp, t: &Tensor, name: &str) -> PyResult<Option<Value>> {
    Ok(Some(match name {
        "shape" => Value::size(t.shape()),
        "dtype" => Value::DType(t.dtype()),
        "device" => Value::Device(t.device()),
        "grad" => t.grad().map_or(Value::None, Value::Tensor),
        "grad_fn" => t
            .grad_fn()
            .map_or(Value::None, |n| Value::Native(Rc::new(Native::Node(n)))),
        "is_leaf" => Value::Bool(t.is_leaf()),
        "requires_grad" => Value::Bool(t.requires_grad()),
        "data" => Value::Tensor(t.detach()),
        "T" => Value::Tensor(if t.dim() <= 2 {
            t.t().py()?
        } else {
            t.permute(&(0..t.dim() as i64).rev().collect::<Vec<_>>())
                .py()?
        }),
        "mT" => Value::Tensor(t.mt().py()?),
        "ndim" => Value::Int(t.dim() as i64),
        "is_cuda" => Value::Bool(t.device().is_cuda()),
        "itemsize" => Value::Int(t.dtype().size_in_bytes() as i64),
        "nbytes" => Value::Int((t.dtype().size_in_bytes() * t.numel()) as i64),
        _ => return Ok(None),
    }))
}

/// `grad_fn.next_functions`: ((node, 0), ...) with None for leaves.
pub fn next_functions(node: &tinytorch::autograd::Node) -> Value {
    use tinytorch::autograd::Edge;
    Value::tuple(
        node.inputs()
            .iter()
            .map(|e| {
                let v = match e {
                    Edge::Node(n) => Value::Native(Rc::new(Native::Node(n.clone()))),
                    _ => Value::None,
                };
                Value::tuple(vec![v, Value::Int(0)])
            })
            .collect(),
    )
}

pub fn set_data(_t: &Tensor, _x: Value) -> PyResult<()> {
    Err(exc(
        "RuntimeError",
        "assigning .data is not supported; use t.copy_(x) under torch.no_grad()",
    ))
}

/// `torch.X(input, ...)`.
pub fn call_function(it: &mut Interp, name: &'static str, mut a: Args) -> PyResult<Value> {
    let input = if !a.pos.is_empty() {
        a.pos.remove(0)
    } else if let Some(i) = a.kw.iter().position(|(k, _)| &**k == "input") {
        a.kw.remove(i).1
    } else {
        return Err(type_error(format!(
            "{name}() missing 1 required positional arguments: \"input\""
        )));
    };
    match input {
        Value::Tensor(t) => call(it, &t, name, a),
        other => {
            // torch.exp(2.0) and friends on Python numbers act on a 0-d tensor.
            match super::torch::scalar_of(&other) {
                Some(s) if !matches!(name, "numel" | "is_floating_point") => {
                    let dt = match s {
                        tinytorch::Scalar::Float(_) => DType::F32,
                        tinytorch::Scalar::Int(_) => DType::I64,
                        tinytorch::Scalar::Bool(_) => DType::Bool,
                    };
                    let t = Tensor::scalar_tensor(s.to_f64(), dt, Device::Cpu).py()?;
                    call(it, &t, name, a)
                }
                _ => Err(type_error(format!(
                    "{name}(): argument 'input' (position 1) must be Tensor, not {}",
                    other.type_name()
                ))),
            }
        }
    }
}

fn tv(r: tinytorch::Result<Tensor>) -> PyResult<Value> {
    Ok(Value::Tensor(r.py()?))
}

fn dims_arg(it: &mut Interp, f: &str, v: &Option<Value>) -> PyResult<Option<Vec<i64>>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(x) => args::ints(it, f, "dim", x).map(Some),
    }
}

fn other_arg<'a>(v: &'a Value, keep: &'a mut Option<Tensor>) -> PyResult<Arg<'a>> {
    match v {
        Value::Tensor(t) => Ok(Arg::T(t)),
        other => match super::torch::scalar_of(other) {
            Some(s) => {
                let _ = keep;
                Ok(Arg::S(s))
            }
            None => Err(type_error(format!(
                "argument 'other' must be Tensor or Number, not {}",
                other.type_name()
            ))),
        },
    }
}

/// The shape arguments of `view`/`reshape`/`expand`/`permute`/`repeat`.
fn shape_args(it: &mut Interp, f: &str, a: Args, kw: &str) -> PyResult<Vec<i64>> {
    let mut pos = a.pos;
    for (k, v) in a.kw {
        if *k == *kw || &*k == "size" || &*k == "dims" {
            pos = vec![v];
        } else {
            return Err(type_error(format!(
                "{f}() got an unexpected keyword argument '{k}'"
            )));
        }
    }
    args::shape_varargs(it, f, &pos)
}

fn to_dtype(t: &Tensor, d: DType) -> PyResult<Value> {
    if t.dtype() == d {
        return Ok(Value::Tensor(t.clone()));
    }
    tv(t.to_dtype(d))
}

fn named2(name: &'static str, values: Tensor, indices: Tensor) -> Value {
    Value::named(
        name,
        &["values", "indices"],
        vec![Value::Tensor(values), Value::Tensor(indices)],
    )
}

/// `x.name(args)`.
pub fn call(it: &mut Interp, t: &Tensor, name: &str, a: Args) -> PyResult<Value> {
    macro_rules! unary {
        ($m:ident) => {{
            args::none(name, a)?;
            tv(t.$m())
        }};
    }
    match name {
        "exp" => unary!(exp),
        "log" => unary!(log),
        "log1p" => unary!(log1p),
        "sin" => unary!(sin),
        "cos" => unary!(cos),
        "tanh" => unary!(tanh),
        "sigmoid" => unary!(sigmoid),
        "sqrt" => unary!(sqrt),
        "rsqrt" => unary!(rsqrt),
        "abs" => unary!(abs),
        "sign" => unary!(sign),
        "square" => unary!(square),
        "relu" => unary!(relu),
        "floor" => unary!(floor),
        "ceil" => unary!(ceil),
        "trunc" => unary!(trunc),
        "erf" => unary!(erf),
        "reciprocal" => unary!(reciprocal),
        "isnan" => unary!(isnan),
        "isinf" => unary!(isinf),
        "logical_not" => unary!(logical_not),
        "neg" | "negative" => unary!(neg),
        "exp2" => {
            args::none(name, a)?;
            tv(t.rpow_scalar(2.0))
        }
        "round" => {
            let [d] = bind(name, a, ["decimals"], 0)?;
            match args::opt_int(name, "decimals", &d)? {
                None | Some(0) => tv(t.round()),
                Some(n) => {
                    let p = 10f64.powi(n as i32);
                    tv(t.mul_scalar(p)
                        .and_then(|x| x.round())
                        .and_then(|x| x.div_scalar(p)))
                }
            }
        }
        "detach" => {
            args::none(name, a)?;
            Ok(Value::Tensor(t.detach()))
        }
        "clone" => {
            let _ = bind(name, a, ["memory_format"], 0)?;
            tv(t.clone_tensor())
        }
        "contiguous" => {
            let _ = bind(name, a, ["memory_format"], 0)?;
            tv(t.contiguous())
        }
        "numel" | "nelement" => {
            args::none(name, a)?;
            Ok(Value::Int(t.numel() as i64))
        }
        "dim" | "ndimension" => {
            args::none(name, a)?;
            Ok(Value::Int(t.dim() as i64))
        }
        "element_size" => {
            args::none(name, a)?;
            Ok(Value::Int(t.dtype().size_in_bytes() as i64))
        }
        "is_floating_point" => {
            args::none(name, a)?;
            Ok(Value::Bool(t.dtype().is_float()))
        }
        "is_contiguous" => {
            let _ = bind(name, a, ["memory_format"], 0)?;
            Ok(Value::Bool(t.is_contiguous()))
        }
        "get_device" => Ok(Value::Int(match t.device() {
            Device::Cuda(n) => n as i64,
            Device::Cpu => -1,
        })),
        "size" => {
            let [d] = bind(name, a, ["dim"], 0)?;
            match args::opt_int(name, "dim", &d)? {
                None => Ok(Value::size(t.shape())),
                Some(d) => Ok(Value::Int(t.size(d).py()? as i64)),
            }
        }
        "stride" => {
            let [d] = bind(name, a, ["dim"], 0)?;
            let st: Vec<Value> = t.stride().iter().map(|&s| Value::Int(s as i64)).collect();
            match args::opt_int(name, "dim", &d)? {
                None => Ok(Value::tuple(st)),
                Some(d) => {
                    let n = t.dim() as i64;
                    let k = if d < 0 { d + n } else { d };
                    st.get(k as usize).cloned().ok_or_else(|| {
                        crate::eval::error::from_engine(tinytorch::Error::DimOutOfRange {
                            op: "stride",
                            dim: d,
                            ndim: t.dim(),
                        })
                    })
                }
            }
        }
        "item" => {
            args::none(name, a)?;
            super::torch::item_value(t)
        }
        "tolist" => {
            args::none(name, a)?;
            tolist(t)
        }
        "float" => to_dtype(t, DType::F32),
        "double" => to_dtype(t, DType::F64),
        "half" => to_dtype(t, DType::F16),
        "bfloat16" => to_dtype(t, DType::BF16),
        "long" => to_dtype(t, DType::I64),
        "int" => to_dtype(t, DType::I32),
        "bool" => to_dtype(t, DType::Bool),
        "cpu" => tv(t.to_device(Device::Cpu)),
        "cuda" => {
            let [d] = bind(name, a, ["device"], 0)?;
            let dev = super::torch::device_arg(name, &d)?.unwrap_or(Device::Cuda(0));
            tv(t.to_device(dev))
        }
        "to" => {
            let mut dtype = None;
            let mut device = None;
            for v in a.pos.iter().chain(a.kw.iter().map(|(_, v)| v)) {
                match v {
                    Value::DType(d) => dtype = Some(*d),
                    Value::Device(_) | Value::Str(_) => {
                        device = super::torch::device_arg("to", &Some(v.clone()))?
                    }
                    Value::Tensor(o) => {
                        dtype = Some(o.dtype());
                        device = Some(o.device());
                    }
                    Value::Bool(_) | Value::None => {}
                    other => {
                        return Err(type_error(format!(
                            "to() received an invalid combination of arguments - got ({})",
                            other.type_name()
                        )))
                    }
                }
            }
            let mut r = t.clone();
            if let Some(d) = device {
                r = r.to_device(d).py()?;
            }
            if let Some(d) = dtype {
                if d != r.dtype() {
                    r = r.to_dtype(d).py()?;
                }
            }
            Ok(Value::Tensor(r))
        }
        "type" => {
            let [d] = bind(name, a, ["dtype"], 0)?;
            match d {
                None => Ok(Value::str(&format!(
                    "torch.{}Tensor",
                    match t.dtype() {
                        DType::F32 => "Float",
                        DType::F64 => "Double",
                        DType::F16 => "Half",
                        DType::BF16 => "BFloat16",
                        DType::I64 => "Long",
                        DType::I32 => "Int",
                        DType::Bool => "Bool",
                    }
                ))),
                Some(Value::DType(d)) => to_dtype(t, d),
                Some(other) => Err(type_error(format!(
                    "type(): argument 'dtype' must be torch.dtype, not {}",
                    other.type_name()
                ))),
            }
        }
        "type_as" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = args::tensor(name, "other", &o.expect("required"))?;
            to_dtype(t, o.dtype())
        }
        "requires_grad_" => {
            let [r] = bind(name, a, ["requires_grad"], 0)?;
            let on = args::opt_bool(name, "requires_grad", &r, true)?;
            t.set_requires_grad(on).py()?;
            Ok(Value::Tensor(t.clone()))
        }
        "retain_grad" => {
            args::none(name, a)?;
            t.retain_grad().py()?;
            Ok(Value::None)
        }
        "backward" => {
            let [g, retain, _create, _inputs] = bind(
                name,
                a,
                ["gradient", "retain_graph", "create_graph", "inputs"],
                0,
            )?;
            let g = match g {
                None | Some(Value::None) => None,
                Some(Value::Tensor(g)) => Some(g),
                Some(other) => {
                    return Err(type_error(format!(
                        "backward(): argument 'gradient' must be Tensor, not {}",
                        other.type_name()
                    )))
                }
            };
            let retain = match &retain {
                None | Some(Value::None) => false,
                Some(v) => args::boolean(name, "retain_graph", v)?,
            };
            t.backward_with(g.as_ref(), retain).py()?;
            Ok(Value::None)
        }
        // ---- binary ----
        "add" | "sub" => {
            let [o, alpha] = bind(name, a, ["other", "alpha"], 1)?;
            let o = o.expect("required");
            let alpha = args::opt_float(name, "alpha", &alpha)?.unwrap_or(1.0);
            let mut keep = None;
            let arg = other_arg(&o, &mut keep)?;
            tv(if name == "add" {
                t.add_arg(arg, alpha)
            } else {
                t.sub_arg(arg, alpha)
            })
        }
        "mul" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = o.expect("required");
            let mut keep = None;
            tv(t.mul_arg(other_arg(&o, &mut keep)?))
        }
        "div" | "true_divide" => {
            let [o, mode] = bind(name, a, ["other", "rounding_mode"], 1)?;
            let o = o.expect("required");
            let mut keep = None;
            let arg = other_arg(&o, &mut keep)?;
            match mode {
                None | Some(Value::None) => tv(t.div_arg(arg)),
                Some(m) => tv(t.div_rounding(arg, args::string(name, "rounding_mode", &m)?)),
            }
        }
        "floor_divide" | "remainder" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = o.expect("required");
            let mut keep = None;
            let arg = other_arg(&o, &mut keep)?;
            tv(if name == "floor_divide" {
                t.floor_divide(arg)
            } else {
                t.remainder(arg)
            })
        }
        "pow" => {
            let [e] = bind(name, a, ["exponent"], 1)?;
            match e.expect("required") {
                Value::Tensor(e) => tv(t.pow(&e)),
                other => match super::torch::scalar_of(&other) {
                    Some(s) => tv(t.pow_scalar(s)),
                    None => Err(type_error(format!(
                        "pow(): argument 'exponent' must be Tensor or Number, not {}",
                        other.type_name()
                    ))),
                },
            }
        }
        "matmul" | "mm" | "bmm" | "maximum" | "minimum" | "logical_and" | "logical_or"
        | "logical_xor" | "dot" | "outer" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = args::tensor(name, "other", &o.expect("required"))?;
            tv(match name {
                "matmul" => t.matmul(&o),
                "mm" => t.mm(&o),
                "bmm" => t.bmm(&o),
                "maximum" => t.maximum(&o),
                "minimum" => t.minimum(&o),
                "logical_and" => t.logical_and(&o),
                "logical_or" => t.logical_or(&o),
                "dot" => {
                    if t.dim() != 1 || o.dim() != 1 {
                        return Err(exc(
                            "RuntimeError",
                            format!(
                                "1D tensors expected, but got {}D and {}D tensors",
                                t.dim(),
                                o.dim()
                            ),
                        ));
                    }
                    t.mul(&o).and_then(|x| x.sum())
                }
                "outer" => t.unsqueeze(1).and_then(|x| x.mul(&o.unsqueeze(0)?)),
                _ => t.logical_xor(&o),
            })
        }
        "lt" | "le" | "gt" | "ge" | "eq" | "ne" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let op = match name {
                "lt" => CmpOp::Lt,
                "le" => CmpOp::LtE,
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::GtE,
                "eq" => CmpOp::Eq,
                _ => CmpOp::NotEq,
            };
            super::torch::tensor_compare(op, &Value::Tensor(t.clone()), &o.expect("required"))
        }
        "equal" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = args::tensor(name, "other", &o.expect("required"))?;
            if o.shape() != t.shape() {
                return Ok(Value::Bool(false));
            }
            Ok(Value::Bool(t.to_vec_f64().py()? == o.to_vec_f64().py()?))
        }
        "allclose" | "isclose" => {
            let [o, rtol, atol, nan] = bind(name, a, ["other", "rtol", "atol", "equal_nan"], 1)?;
            let o = args::tensor(name, "other", &o.expect("required"))?;
            let rtol = args::opt_float(name, "rtol", &rtol)?.unwrap_or(1e-5);
            let atol = args::opt_float(name, "atol", &atol)?.unwrap_or(1e-8);
            let equal_nan = args::opt_bool(name, "equal_nan", &nan, false)?;
            // |a - b| <= atol + rtol * |b|, elementwise with broadcasting (in float64).
            let a64 = t.detach().to_dtype(DType::F64).py()?;
            let b64 = o.detach().to_dtype(DType::F64).py()?;
            let diff = a64.sub(&b64).and_then(|d| d.abs()).py()?;
            let tol = b64
                .abs()
                .and_then(|b| b.mul_scalar(rtol))
                .and_then(|b| b.add_scalar(atol))
                .py()?;
            let mut close = diff.le(&tol).py()?;
            // Infinities of the same sign are close.
            close = close.logical_or(&a64.eq(&b64).py()?).py()?;
            if equal_nan {
                close = close
                    .logical_or(
                        &a64.isnan()
                            .and_then(|x| x.logical_and(&b64.isnan()?))
                            .py()?,
                    )
                    .py()?;
            }
            if name == "isclose" {
                return tv(Ok(close));
            }
            Ok(Value::Bool(
                close.all(None, false).py()?.item().py()? != 0.0,
            ))
        }
        "clamp" | "clip" | "clamp_" => {
            let [lo, hi] = bind(name, a, ["min", "max"], 0)?;
            let lo = args::opt_float(name, "min", &lo)?;
            let hi = args::opt_float(name, "max", &hi)?;
            if lo.is_none() && hi.is_none() {
                return Err(exc(
                    "RuntimeError",
                    "torch.clamp: At least one of 'min' or 'max' must not be None",
                ));
            }
            if name == "clamp_" {
                return inplace_result(t, t.clamp(lo, hi));
            }
            tv(t.clamp(lo, hi))
        }
        "masked_fill" | "masked_fill_" => {
            let [m, v] = bind(name, a, ["mask", "value"], 2)?;
            let m = args::tensor(name, "mask", &m.expect("required"))?;
            let v = args::float(name, "value", &v.expect("required"))?;
            if name == "masked_fill_" {
                return inplace_result(t, t.masked_fill(&m, v));
            }
            tv(t.masked_fill(&m, v))
        }
        // ---- reductions ----
        "sum" | "mean" => {
            let [d, keep, dtype] = bind(name, a, ["dim", "keepdim", "dtype"], 0)?;
            let keep = args::opt_bool(name, "keepdim", &keep, false)?;
            let src = match args::opt_dtype(name, "dtype", &dtype)? {
                Some(dt) => t.to_dtype(dt).py()?,
                None => t.clone(),
            };
            let dims = dims_arg(it, name, &d)?;
            tv(match (name, dims) {
                ("sum", None) => {
                    if keep {
                        let all: Vec<i64> = (0..t.dim() as i64).collect();
                        src.sum_dims(&all, true)
                    } else {
                        src.sum()
                    }
                }
                ("sum", Some(ds)) => src.sum_dims(&ds, keep),
                (_, None) => {
                    if keep {
                        let all: Vec<i64> = (0..t.dim() as i64).collect();
                        src.mean_dims(&all, true)
                    } else {
                        src.mean()
                    }
                }
                (_, Some(ds)) => src.mean_dims(&ds, keep),
            })
        }
        "max" | "min" => {
            let [d, keep] = bind(name, a, ["dim", "keepdim"], 0)?;
            match d {
                None => tv(if name == "max" { t.max() } else { t.min() }),
                Some(Value::Tensor(o)) => tv(if name == "max" {
                    t.maximum(&o)
                } else {
                    t.minimum(&o)
                }),
                Some(dv) => {
                    let dim = args::int(name, "dim", &dv)?;
                    let keep = args::opt_bool(name, "keepdim", &keep, false)?;
                    let r = if name == "max" {
                        t.max_dim(dim, keep)
                    } else {
                        t.min_dim(dim, keep)
                    }
                    .py()?;
                    Ok(named2(
                        if name == "max" { "max" } else { "min" },
                        r.values,
                        r.indices,
                    ))
                }
            }
        }
        "argmax" | "argmin" => {
            let [d, keep] = bind(name, a, ["dim", "keepdim"], 0)?;
            let dim = args::opt_int(name, "dim", &d)?;
            let keep = args::opt_bool(name, "keepdim", &keep, false)?;
            tv(if name == "argmax" {
                t.argmax(dim, keep)
            } else {
                t.argmin(dim, keep)
            })
        }
        "var" | "std" => {
            let [d, unbiased, keep, correction] =
                bind(name, a, ["dim", "unbiased", "keepdim", "correction"], 0)?;
            // The legacy positional form var(unbiased) passes a bool first.
            let (d, unbiased) = match d {
                Some(Value::Bool(b)) => (None, Some(Value::Bool(b))),
                other => (other, unbiased),
            };
            let dims = dims_arg(it, name, &d)?;
            let keep = args::opt_bool(name, "keepdim", &keep, false)?;
            let corr = match (&correction, &unbiased) {
                (Some(c), _) if !matches!(c, Value::None) => args::float(name, "correction", c)?,
                (_, Some(u)) => {
                    if args::boolean(name, "unbiased", u)? {
                        1.0
                    } else {
                        0.0
                    }
                }
                _ => 1.0,
            };
            tv(if name == "var" {
                t.var(dims.as_deref(), corr, keep)
            } else {
                t.std(dims.as_deref(), corr, keep)
            })
        }
        "prod" => {
            let [d, keep, dtype] = bind(name, a, ["dim", "keepdim", "dtype"], 0)?;
            let src = match args::opt_dtype(name, "dtype", &dtype)? {
                Some(dt) => t.to_dtype(dt).py()?,
                None => t.clone(),
            };
            tv(src.prod(
                args::opt_int(name, "dim", &d)?,
                args::opt_bool(name, "keepdim", &keep, false)?,
            ))
        }
        "norm" => {
            let [p, d, keep, _dtype] = bind(name, a, ["p", "dim", "keepdim", "dtype"], 0)?;
            let p = match &p {
                None | Some(Value::None) => 2.0,
                Some(Value::Str(s)) if &**s == "fro" => 2.0,
                Some(Value::Str(s)) => {
                    return Err(exc("RuntimeError", format!("norm(): unsupported p '{s}'")))
                }
                Some(v) => args::float(name, "p", v)?,
            };
            let dims = dims_arg(it, name, &d)?;
            tv(t.norm(
                p,
                dims.as_deref(),
                args::opt_bool(name, "keepdim", &keep, false)?,
            ))
        }
        "any" | "all" => {
            let [d, keep] = bind(name, a, ["dim", "keepdim"], 0)?;
            let dim = args::opt_int(name, "dim", &d)?;
            let keep = args::opt_bool(name, "keepdim", &keep, false)?;
            tv(if name == "any" {
                t.any(dim, keep)
            } else {
                t.all(dim, keep)
            })
        }
        "logsumexp" | "amax" => {
            let [d, keep] = bind(
                name,
                a,
                ["dim", "keepdim"],
                if name == "amax" { 0 } else { 1 },
            )?;
            let dims = dims_arg(it, name, &d)?.unwrap_or_default();
            let keep = args::opt_bool(name, "keepdim", &keep, false)?;
            tv(if name == "amax" {
                t.amax(&dims, keep)
            } else {
                t.logsumexp(&dims, keep)
            })
        }
        "softmax" | "log_softmax" => {
            let [d, dtype] = bind(name, a, ["dim", "dtype"], 1)?;
            let dim = args::int(name, "dim", &d.expect("required"))?;
            let src = match args::opt_dtype(name, "dtype", &dtype)? {
                Some(dt) => t.to_dtype(dt).py()?,
                None => t.clone(),
            };
            tv(softmax(&src, dim, name == "log_softmax"))
        }
        // ---- shape ----
        "reshape" | "view" => {
            if let (1, Some(Value::DType(_))) = (a.pos.len(), a.pos.first()) {
                return Err(exc("RuntimeError", "view(dtype) is not supported"));
            }
            let s = shape_args(it, name, a, "shape")?;
            tv(if name == "view" {
                t.view(&s)
            } else {
                t.reshape(&s)
            })
        }
        "view_as" | "reshape_as" | "expand_as" => {
            let [o] = bind(name, a, ["other"], 1)?;
            let o = args::tensor(name, "other", &o.expect("required"))?;
            let s: Vec<i64> = o.shape().iter().map(|&x| x as i64).collect();
            tv(match name {
                "view_as" => t.view(&s),
                "reshape_as" => t.reshape(&s),
                _ => t.expand_as(&o),
            })
        }
        "expand" => {
            let s = shape_args(it, name, a, "size")?;
            tv(t.expand(&s))
        }
        "broadcast_to" => {
            let [s] = bind(name, a, ["size"], 1)?;
            let s = args::ints(it, name, "size", &s.expect("required"))?;
            tv(t.broadcast_to(&args::sizes(name, &s)?))
        }
        "permute" => {
            let s = shape_args(it, name, a, "dims")?;
            tv(t.permute(&s))
        }
        "transpose" => {
            let [d0, d1] = bind(name, a, ["dim0", "dim1"], 2)?;
            tv(t.transpose(
                args::int(name, "dim0", &d0.expect("required"))?,
                args::int(name, "dim1", &d1.expect("required"))?,
            ))
        }
        "t" => {
            args::none(name, a)?;
            tv(t.t())
        }
        "flatten" => {
            let [s, e] = bind(name, a, ["start_dim", "end_dim"], 0)?;
            tv(t.flatten(
                args::opt_int(name, "start_dim", &s)?.unwrap_or(0),
                args::opt_int(name, "end_dim", &e)?.unwrap_or(-1),
            ))
        }
        "unflatten" => {
            let [d, s] = bind(name, a, ["dim", "sizes"], 2)?;
            let s = args::ints(it, name, "sizes", &s.expect("required"))?;
            tv(t.unflatten(args::int(name, "dim", &d.expect("required"))?, &s))
        }
        "squeeze" => {
            let [d] = bind(name, a, ["dim"], 0)?;
            match d {
                None | Some(Value::None) => tv(t.squeeze()),
                Some(v @ (Value::Tuple(_) | Value::List(_))) => {
                    let mut ds = args::ints(it, name, "dim", &v)?;
                    let n = t.dim() as i64;
                    for d in ds.iter_mut() {
                        if *d < 0 {
                            *d += n;
                        }
                    }
                    ds.sort_unstable();
                    let mut r = t.clone();
                    for d in ds.into_iter().rev() {
                        r = r.squeeze_dim(d).py()?;
                    }
                    Ok(Value::Tensor(r))
                }
                Some(v) => tv(t.squeeze_dim(args::int(name, "dim", &v)?)),
            }
        }
        "unsqueeze" => {
            let [d] = bind(name, a, ["dim"], 1)?;
            tv(t.unsqueeze(args::int(name, "dim", &d.expect("required"))?))
        }
        "narrow" => {
            let [d, s, l] = bind(name, a, ["dim", "start", "length"], 3)?;
            let l = args::int(name, "length", &l.expect("required"))?;
            tv(t.narrow(
                args::int(name, "dim", &d.expect("required"))?,
                args::int(name, "start", &s.expect("required"))?,
                args::sizes(name, &[l])?[0],
            ))
        }
        "select" => {
            let [d, i] = bind(name, a, ["dim", "index"], 2)?;
            tv(t.select(
                args::int(name, "dim", &d.expect("required"))?,
                args::int(name, "index", &i.expect("required"))?,
            ))
        }
        "index_select" | "gather" => {
            let [d, i] = bind(name, a, ["dim", "index"], 2)?;
            let dim = args::int(name, "dim", &d.expect("required"))?;
            let i = args::tensor(name, "index", &i.expect("required"))?;
            tv(if name == "gather" {
                t.gather(dim, &i)
            } else {
                t.index_select(dim, &i)
            })
        }
        "scatter" | "scatter_add" => {
            let [d, i, src, value] = bind(name, a, ["dim", "index", "src", "value"], 2)?;
            let dim = args::int(name, "dim", &d.expect("required"))?;
            let i = args::tensor(name, "index", &i.expect("required"))?;
            match (src.or(value), name) {
                (Some(Value::Tensor(s)), "scatter") => tv(t.scatter(dim, &i, &s)),
                (Some(Value::Tensor(s)), _) => tv(t.scatter_add(dim, &i, &s)),
                (Some(v), "scatter") => {
                    tv(t.scatter_value(dim, &i, args::float(name, "value", &v)?))
                }
                _ => Err(type_error(format!(
                    "{name}() missing required argument 'src'"
                ))),
            }
        }
        "new_zeros" | "new_ones" | "new_full" | "new_tensor" => {
            let mut a = a;
            let dtype = match a.kw.iter().position(|(k, _)| &**k == "dtype") {
                Some(i) => args::dtype(name, "dtype", &a.kw.remove(i).1)?,
                None => t.dtype(),
            };
            a.kw.retain(|(k, _)| &**k != "device" && &**k != "requires_grad");
            match name {
                "new_tensor" => {
                    let [d] = bind(name, a, ["data"], 1)?;
                    tv(Ok(super::torch::from_data(
                        it,
                        &d.expect("required"),
                        Some(dtype),
                    )?))
                }
                "new_full" => {
                    let [s, v] = bind(name, a, ["size", "fill_value"], 2)?;
                    let s = args::ints(it, name, "size", &s.expect("required"))?;
                    tv(Tensor::full(
                        &args::sizes(name, &s)?,
                        args::float(name, "fill_value", &v.expect("required"))?,
                        dtype,
                        t.device(),
                    ))
                }
                _ => {
                    let s = shape_args(it, name, a, "size")?;
                    let v = if name == "new_ones" { 1.0 } else { 0.0 };
                    tv(Tensor::full(&args::sizes(name, &s)?, v, dtype, t.device()))
                }
            }
        }
        _ => super::tensor_ext::call(it, t, name, a),
    }
}

/// softmax / log_softmax over `dim` (the engine's fused ops, PyTorch's nodes).
pub fn softmax(t: &Tensor, dim: i64, log: bool) -> tinytorch::Result<Tensor> {
    if log {
        t.log_softmax(dim)
    } else {
        t.softmax(dim)
    }
}

/// `x.tolist()`: nested lists of Python numbers.
pub fn tolist(t: &Tensor) -> PyResult<Value> {
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

fn inplace_result(t: &Tensor, r: tinytorch::Result<Tensor>) -> PyResult<Value> {
    let r = r.py()?;
    super::tensor_ext::assign_into(t, &r)?;
    Ok(Value::Tensor(t.clone()))
}

/// `t op= r` in place, as PyTorch does (`w -= lr * w.grad`), with the
/// engine's in-place autograd rules.
pub fn inplace_binary(
    it: &mut Interp,
    op: BinOp,
    t: &Tensor,
    r: &Value,
) -> PyResult<Option<Value>> {
    let res = match (op, r) {
        (BinOp::Add, Value::Tensor(o)) => t.add_(o),
        (BinOp::Sub, Value::Tensor(o)) => t.sub_(o),
        (BinOp::Mul, Value::Tensor(o)) => t.mul_(o),
        (BinOp::Div, Value::Tensor(o)) => t.div_(o),
        (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow, other) => {
            let Some(s) = super::torch::scalar_of(other) else {
                return Ok(None);
            };
            match op {
                BinOp::Add => t.add_scalar_(s),
                BinOp::Sub => t.sub_scalar_(s),
                BinOp::Mul => t.mul_scalar_(s),
                BinOp::Div => t.div_scalar_(s),
                _ => t.pow_scalar_(s),
            }
        }
        _ => {
            let out = super::torch::tensor_binary(it, op, &Value::Tensor(t.clone()), r, false)?;
            let Value::Tensor(o) = out else {
                return Ok(None);
            };
            if o.dtype() != t.dtype() && DType::promote(t.dtype(), o.dtype()) != t.dtype() {
                return Err(exc(
                    "RuntimeError",
                    format!(
                        "result type {} can't be cast to the desired output type {}",
                        type_title(o.dtype()),
                        type_title(t.dtype())
                    ),
                ));
            }
            t.copy_(&o)
        }
    };
    res.py()?;
    Ok(Some(Value::Tensor(t.clone())))
}

fn type_title(d: DType) -> &'static str {
    match d {
        DType::F32 => "Float",
        DType::F64 => "Double",
        DType::F16 => "Half",
        DType::BF16 => "BFloat16",
        DType::I64 => "Long",
        DType::I32 => "Int",
        DType::Bool => "Bool",
    }
}

pub fn cat(it: &mut Interp, a: Args) -> PyResult<Value> {
    super::tensor_ext::cat(it, a)
}

pub fn stack(it: &mut Interp, a: Args) -> PyResult<Value> {
    super::tensor_ext::stack(it, a)
}

pub fn index(it: &mut Interp, t: &Tensor, idx: &Value) -> PyResult<Tensor> {
    super::tensor_ext::index(it, t, idx)
}

pub fn index_put(it: &mut Interp, t: &Tensor, idx: &Value, v: Value) -> PyResult<()> {
    super::tensor_ext::index_put(it, t, idx, v)
}

#[allow(unused)]
fn unused(_: CmpOp) {}
