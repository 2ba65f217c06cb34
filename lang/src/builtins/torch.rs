//! The `torch` module bound to the engine under PyTorch's names: dtypes,
//! devices, creation functions (with PyTorch's shape and dtype inference for
//! nested lists), grad-mode context managers, operators on tensors with
//! their reflected forms, and tensor indexing. Tensor methods live in
//! `tensor_methods`; `torch.X(t, ...)` for a method `X` dispatches there.

use super::args::{self, bind};
use super::{def, native_class, register_module};
use crate::eval::call::Args;
use crate::eval::error::{exc, from_engine, type_error, EngineResult, PyResult};
use crate::eval::value::{ClassKind, ModuleObj, Native, Value};
use crate::eval::Interp;
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::ops::binary::Arg;
use tinytorch::storage::BinaryOp;
use tinytorch::{DType, Device, Scalar, Tensor};

/// The dtypes under every PyTorch spelling.
pub const DTYPES: &[(&str, DType)] = &[
    ("float32", DType::F32),
    ("float", DType::F32),
    ("float64", DType::F64),
    ("double", DType::F64),
    ("float16", DType::F16),
    ("half", DType::F16),
    ("bfloat16", DType::BF16),
    ("int64", DType::I64),
    ("long", DType::I64),
    ("int32", DType::I32),
    ("int", DType::I32),
    ("bool", DType::Bool),
];

/// Whether a CUDA device can be used: this build can place a tensor on
/// `cuda:0` (`torch.cuda.is_available()`, and the REPL banner).
/// `torch.cuda.is_available()`: the engine's probe (built with its `cuda`
/// feature, the driver loads, a device is present), never an allocation.
pub fn cuda_available() -> bool {
    tinytorch::cuda::is_available()
}

pub fn install(it: &mut Interp) {
    let t = register_module(
        it,
        "torch",
        ModuleObj::new("torch", "The tensor library, spelled as in PyTorch."),
    );
    for (n, d) in DTYPES {
        t.set(n, Value::DType(*d));
    }
    t.set(
        "Tensor",
        Value::Class(native_class(
            "Tensor",
            "torch",
            ClassKind::Object,
            "torch.Tensor: the n-dimensional array with autograd.",
            Some(tensor_ctor),
        )),
    );
    t.set(
        "Size",
        Value::Class(native_class(
            "Size",
            "torch",
            ClassKind::Object,
            "torch.Size: a tensor's shape, a tuple of ints.",
            Some(size_ctor),
        )),
    );
    t.set(
        "dtype",
        Value::Class(native_class(
            "dtype",
            "torch",
            ClassKind::Object,
            "torch.dtype",
            None,
        )),
    );
    t.set(
        "device",
        Value::Class(native_class(
            "device",
            "torch",
            ClassKind::Object,
            "torch.device(type) or torch.device('cuda:0')\n\nA device value.",
            Some(device_ctor),
        )),
    );
    t.set("__version__", Value::str("2.15.0"));
    let creation: &[(&'static str, &'static str, crate::eval::value::NativeFn)] = &[
        ("tensor", "tensor(data, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nA tensor from (nested) lists of numbers; ints give int64, floats float32, bools bool.\n\n>>> torch.tensor([[1, 2], [3, 4]]).shape\ntorch.Size([2, 2])", tensor),
        ("zeros", "zeros(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nA tensor of zeros.\n\n>>> torch.zeros(2, 3).shape\ntorch.Size([2, 3])", |it, a| filled(it, a, "zeros", Some(0.0))),
        ("ones", "ones(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nA tensor of ones.", |it, a| filled(it, a, "ones", Some(1.0))),
        ("empty", "empty(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nAn uninitialised tensor (zeros here).", |it, a| filled(it, a, "empty", Some(0.0))),
        ("rand", "rand(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nUniform samples in [0, 1), identical to PyTorch's CPU generator.", |it, a| filled(it, a, "rand", None)),
        ("randn", "randn(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nStandard normal samples, identical to PyTorch's CPU generator.", |it, a| filled(it, a, "randn", None)),
        ("full", "full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nA tensor filled with fill_value (its dtype inferred from the value).", full),
        ("arange", "arange(start=0, end, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nValues from start to end (excluded) by step.\n\n>>> torch.arange(3)\ntensor([0, 1, 2])", arange),
        ("linspace", "linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nsteps evenly spaced values from start to end.", linspace),
        ("eye", "eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor\n\nThe identity matrix.", eye),
        ("randint", "randint(low=0, high, size, *, dtype=torch.int64, device=None, requires_grad=False) -> Tensor\n\nUniform integers in [low, high).", randint),
        ("randperm", "randperm(n, *, dtype=torch.int64, device=None) -> Tensor\n\nA random permutation of 0..n-1.", randperm),
        ("zeros_like", "zeros_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor", |it, a| like(it, a, "zeros_like")),
        ("ones_like", "ones_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor", |it, a| like(it, a, "ones_like")),
        ("empty_like", "empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor", |it, a| like(it, a, "empty_like")),
        ("rand_like", "rand_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor", |it, a| like(it, a, "rand_like")),
        ("randn_like", "randn_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor", |it, a| like(it, a, "randn_like")),
        ("full_like", "full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor", |it, a| like(it, a, "full_like")),
        ("manual_seed", "manual_seed(seed) -> Generator\n\nSeeds the default generator; random tensors then match PyTorch's bit for bit.", manual_seed),
        ("is_tensor", "is_tensor(obj) -> bool", |_, a| {
            let [v] = bind("is_tensor", a, ["obj"], 1)?;
            Ok(Value::Bool(matches!(v, Some(Value::Tensor(_)))))
        }),
        ("is_grad_enabled", "is_grad_enabled() -> bool\n\nWhether operations record autograd graphs.", |_, a| {
            args::none("is_grad_enabled", a)?;
            Ok(Value::Bool(tinytorch::autograd::is_grad_enabled()))
        }),
        ("no_grad", "no_grad()\n\nContext manager: operations inside record no graph.\n\n>>> with torch.no_grad():\n...     y = x * 2", |_, a| grad_mode(a, "no_grad", Some(false))),
        ("enable_grad", "enable_grad()\n\nContext manager: turns graph recording back on.", |_, a| grad_mode(a, "enable_grad", Some(true))),
        ("inference_mode", "inference_mode(mode=True)\n\nContext manager: like no_grad.", |_, a| grad_mode(a, "inference_mode", None)),
        ("set_grad_enabled", "set_grad_enabled(mode)\n\nContext manager (or plain call) setting grad mode.", set_grad_enabled),
        ("where", "where(condition, input, other) -> Tensor\n\nElements of input where condition holds, else of other (numbers allowed).", where_),
        ("cat", "cat(tensors, dim=0) -> Tensor\n\nConcatenates tensors along dim.", super::tensor_methods::cat),
        ("concat", "concat(tensors, dim=0) -> Tensor\n\nAlias of cat.", super::tensor_methods::cat),
        ("stack", "stack(tensors, dim=0) -> Tensor\n\nStacks tensors along a new dim.", super::tensor_methods::stack),
        ("hstack", "hstack(tensors) -> Tensor\n\nConcatenates along dim 1 (dim 0 for 1-D tensors).", super::tensor_ext::hstack),
        ("vstack", "vstack(tensors) -> Tensor\n\nConcatenates along dim 0 after making tensors at least 2-D.", super::tensor_ext::vstack),
        ("einsum", "einsum(equation, *operands) -> Tensor\n\nEinstein summation, e.g. torch.einsum('ij,jk->ik', a, b).", super::tensor_ext::einsum),
        ("get_default_dtype", "get_default_dtype() -> torch.dtype", |_, _| Ok(Value::DType(DType::F32))),
    ];
    for (n, d, f) in creation {
        def(&t, n, d, *f);
    }
    for name in super::tensor_methods::FUNCTIONS {
        t.set(name, Value::Native(Rc::new(Native::TensorFn(name))));
    }
    let cuda = register_module(
        it,
        "torch.cuda",
        ModuleObj::new("torch.cuda", "CUDA devices."),
    );
    def(
        &cuda,
        "is_available",
        "is_available() -> bool\n\nWhether a CUDA device can be used.",
        |_, _| Ok(Value::Bool(cuda_available())),
    );
    def(&cuda, "device_count", "device_count() -> int", |_, _| {
        Ok(Value::Int(tinytorch::cuda::device_count() as i64))
    });
    def(
        &cuda,
        "empty_cache",
        "empty_cache()\n\nReturns the CUDA caching allocator's free blocks to the driver.",
        |_, _| {
            tinytorch::cuda::empty_cache();
            Ok(Value::None)
        },
    );
    def(&cuda, "manual_seed", "manual_seed(seed)", |_, _| {
        Ok(Value::None)
    });
    def(&cuda, "synchronize", "synchronize()", |_, _| {
        Ok(Value::None)
    });
    let rt = register_module(
        it,
        "torch.return_types",
        ModuleObj::new("torch.return_types", ""),
    );
    let _ = rt;
}

/// `repr(t)`, exactly as PyTorch prints it.
pub fn tensor_repr(t: &Tensor) -> PyResult<String> {
    t.repr().py()
}

pub fn tensor_bool(t: &Tensor) -> PyResult<bool> {
    if t.numel() != 1 {
        return Err(exc(
            "RuntimeError",
            "Boolean value of Tensor with more than one value is ambiguous",
        ));
    }
    Ok(t.item().py()? != 0.0)
}

/// `t.item()` as the Python number of the tensor's kind.
pub fn item_value(t: &Tensor) -> PyResult<Value> {
    if t.numel() != 1 {
        return Err(exc(
            "RuntimeError",
            format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                t.numel()
            ),
        ));
    }
    let x = t.item().py()?;
    Ok(match t.dtype() {
        DType::Bool => Value::Bool(x != 0.0),
        d if d.is_int() => Value::Int(x as i64),
        _ => Value::Float(x),
    })
}

pub fn parse_device(s: &str) -> PyResult<Device> {
    match s {
        "cpu" => Ok(Device::Cpu),
        "cuda" => Ok(Device::Cuda(0)),
        _ => match s.strip_prefix("cuda:").and_then(|n| n.parse().ok()) {
            Some(n) => Ok(Device::Cuda(n)),
            None => Err(exc(
                "RuntimeError",
                format!("Expected one of cpu, cuda device type at start of device string: {s}"),
            )),
        },
    }
}

pub fn device_arg(fname: &str, v: &Option<Value>) -> PyResult<Option<Device>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Device(d)) => Ok(Some(*d)),
        Some(Value::Str(s)) => parse_device(s).map(Some),
        Some(Value::Int(n)) => Ok(Some(Device::Cuda(*n as usize))),
        Some(other) => Err(type_error(format!(
            "{fname}(): argument 'device' must be torch.device, not {}",
            other.type_name()
        ))),
    }
}

fn device_ctor(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [t, idx] = bind("device", a, ["type", "index"], 1)?;
    let d = match t.expect("required") {
        Value::Str(s) => parse_device(&s)?,
        Value::Device(d) => d,
        other => {
            return Err(type_error(format!(
                "device(): argument 'type' must be str, not {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::Device(match (d, idx) {
        (Device::Cuda(_), Some(Value::Int(n))) => Device::Cuda(n as usize),
        (d, _) => d,
    }))
}

fn size_ctor(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [v] = bind("Size", a, ["sizes"], 0)?;
    let dims = match v {
        Some(v) => args::ints(it, "Size", "sizes", &v)?,
        None => vec![],
    };
    Ok(Value::size(&args::sizes("Size", &dims)?))
}

fn tensor_ctor(it: &mut Interp, a: Args) -> PyResult<Value> {
    // torch.Tensor(data) builds a float32 tensor; torch.Tensor(2, 3) an empty one.
    if a.pos.iter().all(|v| matches!(v, Value::Int(_))) && !a.pos.is_empty() {
        return filled(it, a, "Tensor", Some(0.0));
    }
    let t = from_data(
        it,
        &a.pos.first().cloned().unwrap_or(Value::list(vec![])),
        Some(DType::F32),
    )?;
    Ok(Value::Tensor(t))
}

fn grad_mode(a: Args, name: &'static str, enabled: Option<bool>) -> PyResult<Value> {
    let [mode] = bind(name, a, ["mode"], 0)?;
    let enabled = match enabled {
        Some(e) => e,
        None => !args::opt_bool(name, "mode", &mode, true)?,
    };
    Ok(Value::Native(Rc::new(Native::GradMode {
        name,
        enabled,
        guards: RefCell::new(vec![]),
        restore: None,
    })))
}

fn set_grad_enabled(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [mode] = bind("set_grad_enabled", a, ["mode"], 1)?;
    let on = args::boolean("set_grad_enabled", "mode", &mode.expect("required"))?;
    // Called as a function it takes effect at once, as in PyTorch; as a
    // context manager the previous mode comes back on exit.
    let prev = tinytorch::autograd::is_grad_enabled();
    std::mem::forget(tinytorch::autograd::GradModeGuard::new(on));
    Ok(Value::Native(Rc::new(Native::GradMode {
        name: "set_grad_enabled",
        enabled: on,
        guards: RefCell::new(vec![]),
        restore: Some(prev),
    })))
}

fn manual_seed(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [s] = bind("manual_seed", a, ["seed"], 1)?;
    let s = args::int("manual_seed", "seed", &s.expect("required"))?;
    tinytorch::random::manual_seed(s as u64);
    Ok(Value::None)
}

/// Common `dtype=, device=, requires_grad=` keyword handling.
struct Factory {
    dtype: Option<DType>,
    device: Device,
    requires_grad: bool,
}

fn split_factory(fname: &str, a: &mut Args) -> PyResult<Factory> {
    let mut f = Factory {
        dtype: None,
        device: Device::Cpu,
        requires_grad: false,
    };
    let mut rest = Vec::new();
    for (k, v) in a.kw.drain(..) {
        match &*k {
            "dtype" => f.dtype = args::opt_dtype(fname, "dtype", &Some(v))?,
            "device" => f.device = device_arg(fname, &Some(v))?.unwrap_or(Device::Cpu),
            "requires_grad" => f.requires_grad = args::boolean(fname, "requires_grad", &v)?,
            "pin_memory" | "layout" | "memory_format" => {}
            _ => rest.push((k, v)),
        }
    }
    a.kw = rest;
    Ok(f)
}

fn finish(t: Tensor, f: &Factory) -> PyResult<Value> {
    let t = if f.device != t.device() {
        t.to_device(f.device).py()?
    } else {
        t
    };
    if f.requires_grad {
        if !t.dtype().is_float() {
            return Err(exc(
                "RuntimeError",
                "Only Tensors of floating point and complex dtype can require gradients",
            ));
        }
        t.set_requires_grad(true).py()?;
    }
    Ok(Value::Tensor(t))
}

fn filled(it: &mut Interp, mut a: Args, fname: &str, value: Option<f64>) -> PyResult<Value> {
    let f = split_factory(fname, &mut a)?;
    let mut pos = a.pos;
    for (k, v) in a.kw {
        if &*k == "size" {
            pos = vec![v];
        } else {
            return Err(type_error(format!(
                "{fname}() got an unexpected keyword argument '{k}'"
            )));
        }
    }
    let dims = args::shape_varargs(it, fname, &pos)?;
    let shape = args::sizes(fname, &dims)?;
    let dtype = f.dtype.unwrap_or(DType::F32);
    let t = match (fname, value) {
        ("rand", _) => Tensor::rand(&shape, dtype, Device::Cpu),
        ("randn", _) => Tensor::randn(&shape, dtype, Device::Cpu),
        (_, Some(v)) => Tensor::full(&shape, v, dtype, Device::Cpu),
        _ => Tensor::zeros(&shape, dtype, Device::Cpu),
    }
    .py()?;
    finish(t, &f)
}

fn full(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("full", &mut a)?;
    let [size, value] = bind("full", a, ["size", "fill_value"], 2)?;
    let dims = args::ints(it, "full", "size", &size.expect("required"))?;
    let shape = args::sizes("full", &dims)?;
    let v = value.expect("required");
    let dtype = f.dtype.unwrap_or(match v {
        Value::Bool(_) => DType::Bool,
        Value::Int(_) => DType::I64,
        _ => DType::F32,
    });
    let x = args::float("full", "fill_value", &v)?;
    finish(Tensor::full(&shape, x, dtype, Device::Cpu).py()?, &f)
}

fn arange(_: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("arange", &mut a)?;
    let [s, e, st] = bind("arange", a, ["start", "end", "step"], 1)?;
    let (start, end) = match e {
        Some(e) => (s.expect("required"), e),
        None => (Value::Int(0), s.expect("required")),
    };
    let step = st.unwrap_or(Value::Int(1));
    let all_int = [&start, &end, &step]
        .iter()
        .all(|v| matches!(v, Value::Int(_) | Value::Bool(_)));
    let dtype = f
        .dtype
        .unwrap_or(if all_int { DType::I64 } else { DType::F32 });
    let t = Tensor::arange(
        args::float("arange", "start", &start)?,
        args::float("arange", "end", &end)?,
        args::float("arange", "step", &step)?,
        dtype,
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn linspace(_: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("linspace", &mut a)?;
    let [s, e, n] = bind("linspace", a, ["start", "end", "steps"], 3)?;
    let n = args::int("linspace", "steps", &n.expect("required"))?;
    if n < 0 {
        return Err(exc("RuntimeError", "number of steps must be non-negative"));
    }
    let t = Tensor::linspace(
        args::float("linspace", "start", &s.expect("required"))?,
        args::float("linspace", "end", &e.expect("required"))?,
        n as usize,
        f.dtype.unwrap_or(DType::F32),
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn eye(_: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("eye", &mut a)?;
    let [n, m] = bind("eye", a, ["n", "m"], 1)?;
    let n = args::int("eye", "n", &n.expect("required"))?;
    let m = args::opt_int("eye", "m", &m)?;
    let sz = args::sizes("eye", &[n, m.unwrap_or(n)])?;
    let t = Tensor::eye(
        sz[0],
        m.map(|_| sz[1]),
        f.dtype.unwrap_or(DType::F32),
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn randint(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("randint", &mut a)?;
    let (low, high, size) = match (a.pos.len(), a.kw.iter().any(|(k, _)| &**k == "size")) {
        (2, _) => (Value::Int(0), a.pos[0].clone(), a.pos[1].clone()),
        (1, true) => (
            Value::Int(0),
            a.pos[0].clone(),
            a.kw.iter()
                .find(|(k, _)| &**k == "size")
                .map(|(_, v)| v.clone())
                .expect("checked"),
        ),
        _ => {
            let [l, h, s] = bind("randint", a, ["low", "high", "size"], 3)?;
            (
                l.expect("required"),
                h.expect("required"),
                s.expect("required"),
            )
        }
    };
    let dims = args::ints(it, "randint", "size", &size)?;
    let shape = args::sizes("randint", &dims)?;
    let t = Tensor::randint(
        args::int("randint", "low", &low)?,
        args::int("randint", "high", &high)?,
        &shape,
        f.dtype.unwrap_or(DType::I64),
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn randperm(_: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("randperm", &mut a)?;
    let [n] = bind("randperm", a, ["n"], 1)?;
    let n = args::int("randperm", "n", &n.expect("required"))?;
    let t = Tensor::randperm(args::sizes("randperm", &[n])?[0], Device::Cpu).py()?;
    let t = match f.dtype {
        Some(d) if d != t.dtype() => t.to_dtype(d).py()?,
        _ => t,
    };
    finish(t, &f)
}

fn like(_: &mut Interp, mut a: Args, fname: &str) -> PyResult<Value> {
    let mut f = split_factory(fname, &mut a)?;
    let [input, value] = bind(fname, a, ["input", "fill_value"], 1)?;
    let src = args::tensor(fname, "input", &input.expect("required"))?;
    let dtype = f.dtype.unwrap_or(src.dtype());
    f.device = src.device();
    let shape = src.shape().to_vec();
    let t = match fname {
        "zeros_like" | "empty_like" => Tensor::zeros(&shape, dtype, Device::Cpu),
        "ones_like" => Tensor::ones(&shape, dtype, Device::Cpu),
        "rand_like" => Tensor::rand(&shape, dtype, Device::Cpu),
        "randn_like" => Tensor::randn(&shape, dtype, Device::Cpu),
        _ => {
            let v = value.ok_or_else(|| {
                type_error("full_like() missing required argument 'fill_value' (pos 2)")
            })?;
            Tensor::full(
                &shape,
                args::float(fname, "fill_value", &v)?,
                dtype,
                Device::Cpu,
            )
        }
    }
    .py()?;
    finish(t, &f)
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Kind {
    Bool,
    Int,
    Float,
}

/// Walks nested lists: shape, flat values, and the widest element kind.
fn flatten(
    it: &mut Interp,
    v: &Value,
    depth: usize,
    shape: &mut Vec<usize>,
    out: &mut Vec<f64>,
    kind: &mut Option<Kind>,
) -> PyResult<()> {
    match v {
        Value::List(_) | Value::Tuple(_) => {
            let items = it.collect(v)?;
            if shape.len() == depth {
                shape.push(items.len());
            } else if shape.get(depth) != Some(&items.len()) {
                return Err(exc(
                    "ValueError",
                    format!(
                        "expected sequence of length {} at dim {depth} (got {})",
                        shape.get(depth).copied().unwrap_or(0),
                        items.len()
                    ),
                ));
            }
            for x in &items {
                flatten(it, x, depth + 1, shape, out, kind)?;
            }
            Ok(())
        }
        _ => {
            if shape.len() > depth {
                return Err(type_error("not a sequence"));
            }
            let (x, k) = match v {
                Value::Bool(b) => (*b as i64 as f64, Kind::Bool),
                Value::Int(i) => (*i as f64, Kind::Int),
                Value::Float(f) => (*f, Kind::Float),
                Value::Tensor(t) if t.numel() == 1 => {
                    let k = match t.dtype() {
                        DType::Bool => Kind::Bool,
                        d if d.is_int() => Kind::Int,
                        _ => Kind::Float,
                    };
                    (t.item().py()?, k)
                }
                Value::Tensor(_) => {
                    return Err(exc(
                        "ValueError",
                        "only one element tensors can be converted to Python scalars",
                    ))
                }
                other => {
                    return Err(type_error(format!(
                        "new(): invalid data type '{}'",
                        other.type_name()
                    )))
                }
            };
            if kind.map_or(true, |c| k > c) {
                *kind = Some(k);
            }
            out.push(x);
            Ok(())
        }
    }
}

pub fn from_data(it: &mut Interp, data: &Value, dtype: Option<DType>) -> PyResult<Tensor> {
    if let Value::Tensor(t) = data {
        let t = t.detach().clone_tensor().py()?;
        return match dtype {
            Some(d) if d != t.dtype() => t.to_dtype(d).py(),
            _ => Ok(t),
        };
    }
    let mut shape = Vec::new();
    let mut vals = Vec::new();
    let mut kind = None;
    flatten(it, data, 0, &mut shape, &mut vals, &mut kind)?;
    let inferred = match kind {
        Some(Kind::Bool) => DType::Bool,
        Some(Kind::Int) => DType::I64,
        _ => DType::F32,
    };
    let dtype = dtype.unwrap_or(inferred);
    if dtype == DType::I64 && kind != Some(Kind::Float) {
        // Exact int64 values (f64 would round above 2**53).
        let mut ints = Vec::with_capacity(vals.len());
        collect_ints(it, data, &mut ints)?;
        return Tensor::from_vec(ints, &shape).py();
    }
    Tensor::from_vec_f64(&vals, &shape, dtype).py()
}

fn collect_ints(it: &mut Interp, v: &Value, out: &mut Vec<i64>) -> PyResult<()> {
    match v {
        Value::List(_) | Value::Tuple(_) => {
            for x in it.collect(v)? {
                collect_ints(it, &x, out)?;
            }
        }
        Value::Int(i) => out.push(*i),
        Value::Bool(b) => out.push(*b as i64),
        Value::Tensor(t) => out.push(t.item().py()? as i64),
        _ => out.push(0),
    }
    Ok(())
}

fn tensor(it: &mut Interp, mut a: Args) -> PyResult<Value> {
    let f = split_factory("tensor", &mut a)?;
    let [data] = bind("tensor", a, ["data"], 1)?;
    let t = from_data(it, &data.expect("required"), f.dtype)?;
    finish(t, &f)
}

fn where_(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [c, x, y] = bind("where", a, ["condition", "input", "other"], 1)?;
    let c = args::tensor("where", "condition", &c.expect("required"))?;
    let (Some(x), Some(y)) = (x, y) else {
        return Err(type_error(
            "where() with one argument (nonzero) is not supported",
        ));
    };
    let as_t = |v: &Value, other: &Value| -> PyResult<Tensor> {
        match v {
            Value::Tensor(t) => Ok(t.clone()),
            _ => {
                let s = scalar_of(v).ok_or_else(|| {
                    type_error(format!(
                        "where(): argument 'input' must be Tensor, not {}",
                        v.type_name()
                    ))
                })?;
                let dtype = match other {
                    Value::Tensor(t) => promote_scalar(t.dtype(), s),
                    _ => match s {
                        Scalar::Float(_) => DType::F32,
                        Scalar::Int(_) => DType::I64,
                        Scalar::Bool(_) => DType::Bool,
                    },
                };
                Tensor::scalar_tensor(s.to_f64(), dtype, Device::Cpu).py()
            }
        }
    };
    let xt = as_t(&x, &y)?;
    let yt = as_t(&y, &x)?;
    Ok(Value::Tensor(Tensor::where_cond(&c, &xt, &yt).py()?))
}

/// A tensor's dtype combined with a Python number, as PyTorch's wrapped-number rule.
fn promote_scalar(d: DType, s: Scalar) -> DType {
    match s {
        Scalar::Float(_) if !d.is_float() => DType::F32,
        Scalar::Int(_) if d == DType::Bool => DType::I64,
        _ => d,
    }
}

pub fn scalar_of(v: &Value) -> Option<Scalar> {
    match v {
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Int(i) => Some(Scalar::Int(*i)),
        Value::Float(f) => Some(Scalar::Float(*f)),
        _ => None,
    }
}

fn binop_of(op: BinOp) -> Option<BinaryOp> {
    Some(match op {
        BinOp::BitAnd => BinaryOp::BitAnd,
        BinOp::BitOr => BinaryOp::BitOr,
        BinOp::BitXor => BinaryOp::BitXor,
        _ => return None,
    })
}

/// `l op r` where at least one side is a tensor; `inplace` for `op=`.
pub fn tensor_binary(
    it: &mut Interp,
    op: BinOp,
    l: &Value,
    r: &Value,
    inplace: bool,
) -> PyResult<Value> {
    if inplace {
        if let Value::Tensor(t) = l {
            if let Some(v) = super::tensor_methods::inplace_binary(it, op, t, r)? {
                return Ok(v);
            }
        }
    }
    let out = match (l, r) {
        (Value::Tensor(a), Value::Tensor(b)) => match op {
            BinOp::Add => a.add(b),
            BinOp::Sub => a.sub(b),
            BinOp::Mul => a.mul(b),
            BinOp::Div => a.div(b),
            BinOp::MatMul => a.matmul(b),
            BinOp::Pow => a.pow(b),
            BinOp::FloorDiv => a.floor_divide(b),
            BinOp::Mod => a.remainder(b),
            _ => match binop_of(op) {
                Some(bop) => {
                    if a.dtype() == DType::Bool && b.dtype() == DType::Bool {
                        match op {
                            BinOp::BitAnd => a.logical_and(b),
                            BinOp::BitOr => a.logical_or(b),
                            _ => a.logical_xor(b),
                        }
                    } else {
                        a.bitwise(b, bop)
                    }
                }
                None => return Err(unsupported(op, l, r)),
            },
        },
        (Value::Tensor(a), other) => {
            let Some(s) = scalar_of(other) else {
                return reflected(it, op, l, r);
            };
            match op {
                BinOp::Add => a.add_scalar(s),
                BinOp::Sub => a.sub_scalar(s),
                BinOp::Mul => a.mul_scalar(s),
                BinOp::Div => a.div_scalar(s),
                BinOp::Pow => a.pow_scalar(s),
                BinOp::FloorDiv => a.floor_divide(Arg::S(s)),
                BinOp::Mod => a.remainder(Arg::S(s)),
                BinOp::MatMul => return Err(unsupported(op, l, r)),
                _ => match binop_of(op) {
                    Some(bop) => a.bitwise(Arg::S(s), bop),
                    None => return Err(unsupported(op, l, r)),
                },
            }
        }
        (other, Value::Tensor(b)) => {
            let Some(s) = scalar_of(other) else {
                return reflected(it, op, l, r);
            };
            match op {
                BinOp::Add => b.add_scalar(s),
                BinOp::Sub => b.rsub_scalar(s),
                BinOp::Mul => b.mul_scalar(s),
                BinOp::Div => b.rdiv_scalar(s),
                BinOp::Pow => b.rpow_scalar(s),
                BinOp::FloorDiv | BinOp::Mod => {
                    let st = Tensor::scalar_tensor(
                        s.to_f64(),
                        promote_scalar(b.dtype(), s),
                        Device::Cpu,
                    )
                    .py()?;
                    if op == BinOp::FloorDiv {
                        st.floor_divide(b)
                    } else {
                        st.remainder(b)
                    }
                }
                BinOp::MatMul => return Err(unsupported(op, l, r)),
                _ => match binop_of(op) {
                    Some(bop) => b.bitwise(Arg::S(s), bop),
                    None => return Err(unsupported(op, l, r)),
                },
            }
        }
        _ => return Err(unsupported(op, l, r)),
    };
    Ok(Value::Tensor(out.map_err(from_engine)?))
}

fn reflected(it: &mut Interp, op: BinOp, l: &Value, r: &Value) -> PyResult<Value> {
    if let Value::Instance(i) = r {
        let (_, rname) = dunder_names(op);
        if i.class.lookup(rname).is_some() {
            return it.call_method(r, rname, Args::new(vec![l.clone()]));
        }
    }
    Err(unsupported(op, l, r))
}

fn dunder_names(op: BinOp) -> (&'static str, &'static str) {
    match op {
        BinOp::Add => ("__add__", "__radd__"),
        BinOp::Sub => ("__sub__", "__rsub__"),
        BinOp::Mul => ("__mul__", "__rmul__"),
        BinOp::MatMul => ("__matmul__", "__rmatmul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__"),
        _ => ("", ""),
    }
}

fn unsupported(op: BinOp, l: &Value, r: &Value) -> Box<crate::eval::PyErr> {
    type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        l.type_name(),
        r.type_name()
    ))
}

pub fn tensor_unary(op: UnaryOp, t: &Tensor) -> PyResult<Value> {
    let r = match op {
        UnaryOp::Neg => {
            if t.dtype() == DType::Bool {
                return Err(exc("RuntimeError", "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."));
            }
            t.neg()
        }
        UnaryOp::Pos => Ok(t.clone()),
        UnaryOp::Invert => {
            if t.dtype() == DType::Bool {
                t.logical_not()
            } else {
                t.bitwise_not()
            }
        }
        UnaryOp::Not => return Ok(Value::Bool(!tensor_bool(t)?)),
    };
    Ok(Value::Tensor(r.py()?))
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtE => CmpOp::GtE,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtE => CmpOp::LtE,
        o => o,
    }
}

fn cmp_binop(op: CmpOp) -> BinaryOp {
    match op {
        CmpOp::Eq => BinaryOp::Eq,
        CmpOp::NotEq => BinaryOp::Ne,
        CmpOp::Lt => BinaryOp::Lt,
        CmpOp::LtE => BinaryOp::Le,
        CmpOp::Gt => BinaryOp::Gt,
        _ => BinaryOp::Ge,
    }
}

/// `l op r` for comparisons with a tensor on either side.
pub fn tensor_compare(op: CmpOp, l: &Value, r: &Value) -> PyResult<Value> {
    let out = match (l, r) {
        (Value::Tensor(a), Value::Tensor(b)) => a.compare_op(b, cmp_binop(op)),
        (Value::Tensor(a), o) | (o, Value::Tensor(a)) => {
            let op = if matches!(l, Value::Tensor(_)) {
                op
            } else {
                flip(op)
            };
            match scalar_of(o) {
                Some(s) => a.compare_op(Arg::S(s), cmp_binop(op)),
                None => {
                    return match op {
                        CmpOp::Eq => Ok(Value::Bool(false)),
                        CmpOp::NotEq => Ok(Value::Bool(true)),
                        _ => Err(type_error(format!(
                            "'{}' not supported between instances of '{}' and '{}'",
                            op.symbol(),
                            l.type_name(),
                            r.type_name()
                        ))),
                    }
                }
            }
        }
        _ => return Err(type_error("tensor comparison without a tensor")),
    };
    Ok(Value::Tensor(out.py()?))
}

/// `t.grad = g`, `t.requires_grad = b`.
pub fn tensor_setattr(_: &mut Interp, t: &Tensor, name: &str, x: Value) -> PyResult<()> {
    match name {
        "grad" => match x {
            Value::None => t.set_grad(None).py(),
            Value::Tensor(g) => t.set_grad(Some(g)).py(),
            other => Err(type_error(format!(
                "assigned grad expected to be a Tensor or None but got grad of type {}",
                other.type_name()
            ))),
        },
        "requires_grad" => {
            let on = args::boolean("requires_grad", "requires_grad", &x)?;
            t.set_requires_grad(on).py().map(|_| ())
        }
        "data" => super::tensor_methods::set_data(t, x),
        _ => Err(exc(
            "AttributeError",
            format!("'Tensor' object has no attribute '{name}'"),
        )),
    }
}

/// `t[i]`.
pub fn tensor_getitem(it: &mut Interp, t: &Tensor, idx: &Value) -> PyResult<Value> {
    super::tensor_methods::index(it, t, idx).map(Value::Tensor)
}

/// `t[i] = v`.
pub fn tensor_setitem(it: &mut Interp, t: &Tensor, idx: &Value, v: Value) -> PyResult<()> {
    super::tensor_methods::index_put(it, t, idx, v)
}
