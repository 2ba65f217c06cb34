//! Tensor creation: `torch.tensor` (PyTorch's shape and dtype inference
//! for nested lists), `zeros ones empty full arange linspace eye rand randn
//! randint randperm`, the `*_like` forms, `Tensor.new_*`, `manual_seed`, and
//! the legacy `torch.Tensor(...)` constructor.

use super::random::with_generator;
use super::tensor::value;
use crate::bind::{row, Bound, Row};
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::{DType, Device, Scalar, Tensor};

/// The factory keywords every creation function takes, after `*`.
macro_rules! factory {
    () => {
        "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool pin_memory=False, bool requires_grad=False"
    };
}

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row(concat!("tensor(object data, *, ", factory!(), ")"), "A tensor from (nested) lists of numbers; ints give int64, floats float32, bools bool.\n\n>>> torch.tensor([[1, 2], [3, 4]]).shape\ntorch.Size([2, 2])", tensor),
    row(concat!("zeros(int[] size, *, ", factory!(), ")"), "A tensor of zeros.\n\n>>> torch.zeros(2, 3).shape\ntorch.Size([2, 3])", zeros),
    row(concat!("ones(int[] size, *, ", factory!(), ")"), "A tensor of ones.", ones),
    row(concat!("empty(int[] size, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "An uninitialised tensor (zeros here).", zeros),
    row(concat!("rand(int[] size, *, ", factory!(), ", Generator? generator=None)"), "Uniform samples in [0, 1), identical to PyTorch's CPU generator.", rand),
    row(concat!("randn(int[] size, *, ", factory!(), ", Generator? generator=None)"), "Standard normal samples, identical to PyTorch's CPU generator.", randn),
    row(concat!("full(int[] size, Scalar fill_value, *, ", factory!(), ")"), "A tensor filled with fill_value (its dtype inferred from the value).", full),
    row(concat!("arange(Scalar end, *, ", factory!(), ") | arange(Scalar start, Scalar end, Scalar step=1, *, ", factory!(), ")"), "Values from start to end (excluded) by step.\n\n>>> torch.arange(3)\ntensor([0, 1, 2])", arange),
    row(concat!("linspace(Scalar start, Scalar end, int steps, *, ", factory!(), ")"), "steps evenly spaced values from start to end.", linspace),
    row(concat!("eye(int n, *, ", factory!(), ") | eye(int n, int m, *, ", factory!(), ")"), "The identity matrix.", eye),
    row(concat!("randint(int high, int[] size, *, ", factory!(), ", Generator? generator=None) | randint(int low, int high, int[] size, *, ", factory!(), ", Generator? generator=None)"), "Uniform integers in [low, high).", randint),
    row(concat!("randperm(int n, *, ", factory!(), ", Generator? generator=None)"), "A random permutation of 0..n-1.", randperm),
    row(concat!("zeros_like(Tensor input, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "Zeros of input's shape (and dtype and device unless given).", zeros_like),
    row(concat!("ones_like(Tensor input, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "Ones of input's shape (and dtype and device unless given).", ones_like),
    row(concat!("empty_like(Tensor input, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "An uninitialised tensor (zeros here) of input's shape.", zeros_like),
    row(concat!("rand_like(Tensor input, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "Uniform samples in [0, 1) of input's shape.", rand_like),
    row(concat!("randn_like(Tensor input, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "Standard normal samples of input's shape.", randn_like),
    row(concat!("full_like(Tensor input, Scalar fill_value, *, ", factory!(), ", MemoryFormat? memory_format=None)"), "fill_value in input's shape.", full_like),
    row("manual_seed(int seed)", "Seeds the default generator; random tensors then match PyTorch's bit for bit.", manual_seed),
    row("scalar_tensor(Scalar s, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool pin_memory=False)", "A 0-dim tensor holding s.", scalar_tensor),
];

/// `Tensor.new_*`: the receiver's dtype and device unless given.
#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row(concat!("new_zeros(Tensor input, int[] size, *, ", factory!(), ")"), "Zeros of the given size, with this tensor's dtype and device.", new_zeros),
    row(concat!("new_ones(Tensor input, int[] size, *, ", factory!(), ")"), "Ones of the given size, with this tensor's dtype and device.", new_ones),
    row(concat!("new_empty(Tensor input, int[] size, *, ", factory!(), ")"), "An uninitialised tensor (zeros here) with this tensor's dtype and device.", new_zeros),
    row(concat!("new_full(Tensor input, int[] size, Scalar fill_value, *, ", factory!(), ")"), "fill_value in the given size, with this tensor's dtype and device.", new_full),
    row(concat!("new_tensor(Tensor input, object data, *, ", factory!(), ")"), "A tensor from data, with this tensor's dtype and device.", new_tensor),
];

/// The legacy constructor `torch.Tensor(data)` / `torch.Tensor(2, 3)`.
pub const TENSOR_NEW: Row = row(
    "Tensor(*args, ScalarType? dtype=None, Device? device=None)",
    "torch.Tensor: the n-dimensional array with autograd. Tensor(data) makes a float32 tensor from data, Tensor(2, 3) an uninitialised one (zeros here).",
    tensor_new,
);

pub use crate::bind::args::sizes;

/// The factory keywords, found by name after the leading parameters.
struct Factory {
    dtype: Option<DType>,
    device: Option<Device>,
    requires_grad: bool,
}

/// Reads `dtype`, `device` and `requires_grad` at `first` (the index of
/// `dtype`; `layout` sits between dtype and device).
fn factory(it: &Interp, b: &Bound, first: usize) -> PyResult<Factory> {
    Ok(Factory {
        dtype: b.dtype(it, first)?,
        device: b.device(first + 2)?,
        requires_grad: b.bool(first + 4)?,
    })
}

/// Moves to the requested device and sets requires_grad (floats only).
fn finish(t: Tensor, f: &Factory) -> PyResult<Value> {
    let t = match f.device {
        Some(d) if d != t.device() => t.to_device(d).py()?,
        _ => t,
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
    Ok(value(t))
}

fn filled(it: &Interp, b: &Bound, what: &str) -> PyResult<Value> {
    let f = factory(it, b, 1)?;
    let shape = b.sizes(0)?;
    let dtype = f.dtype.unwrap_or(DType::F32);
    // rand and randn take `generator=` after the factory keywords.
    let t = match what {
        "rand" => with_generator(b, 6, |g| {
            Tensor::uniform_with(g, &shape, 0.0, 1.0, dtype, Device::Cpu)
        })?,
        "randn" => with_generator(b, 6, |g| {
            Tensor::normal_with(g, &shape, 0.0, 1.0, dtype, Device::Cpu)
        })?,
        "ones" => Tensor::full_on(&shape, 1.0, dtype, Device::Cpu),
        _ => Tensor::zeros_on(&shape, dtype, Device::Cpu),
    }
    .py()?;
    finish(t, &f)
}

fn zeros(it: &mut Interp, b: Bound) -> PyResult<Value> {
    filled(it, &b, "zeros")
}

fn ones(it: &mut Interp, b: Bound) -> PyResult<Value> {
    filled(it, &b, "ones")
}

fn rand(it: &mut Interp, b: Bound) -> PyResult<Value> {
    filled(it, &b, "rand")
}

fn randn(it: &mut Interp, b: Bound) -> PyResult<Value> {
    filled(it, &b, "randn")
}

/// The dtype PyTorch infers for a Python number.
fn number_dtype(v: &Value) -> DType {
    match v {
        Value::Bool(_) => DType::Bool,
        Value::Int(_) => DType::I64,
        _ => DType::F32,
    }
}

fn full(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = factory(it, &b, 2)?;
    let shape = b.sizes(0)?;
    let dtype = f.dtype.unwrap_or(number_dtype(b.value(1)));
    finish(
        Tensor::full_on(&shape, b.float(1)?, dtype, Device::Cpu).py()?,
        &f,
    )
}

fn arange(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (start, end, step, first) = if b.overload == 0 {
        (Value::Int(0), b.value(0).clone(), Value::Int(1), 1)
    } else {
        (
            b.value(0).clone(),
            b.value(1).clone(),
            b.value(2).clone(),
            3,
        )
    };
    let f = factory(it, &b, first)?;
    let all_int = [&start, &end, &step]
        .iter()
        .all(|v| matches!(v, Value::Int(_) | Value::Bool(_)));
    let dtype = f
        .dtype
        .unwrap_or(if all_int { DType::I64 } else { DType::F32 });
    let num = |v: &Value| crate::bind::scalar_of(v).map_or(0.0, |s| s.to_f64());
    let t = Tensor::arange(num(&start), num(&end), num(&step), dtype, Device::Cpu).py()?;
    finish(t, &f)
}

fn linspace(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = factory(it, &b, 3)?;
    let n = b.int(2)?;
    if n < 0 {
        return Err(exc("RuntimeError", "number of steps must be non-negative"));
    }
    let t = Tensor::linspace(
        b.float(0)?,
        b.float(1)?,
        n as usize,
        f.dtype.unwrap_or(DType::F32),
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn eye(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let two = b.overload == 1;
    let f = factory(it, &b, if two { 2 } else { 1 })?;
    let n = b.int(0)?;
    let m = if two { Some(b.int(1)?) } else { None };
    let sz = sizes(&[n, m.unwrap_or(n)])?;
    let t = Tensor::eye(
        sz[0],
        m.map(|_| sz[1]),
        f.dtype.unwrap_or(DType::F32),
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn randint(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let (low, high, size_at) = if b.overload == 0 {
        (0, b.int(0)?, 1)
    } else {
        (b.int(0)?, b.int(1)?, 2)
    };
    let f = factory(it, &b, size_at + 1)?;
    let (shape, dtype) = (b.sizes(size_at)?, f.dtype.unwrap_or(DType::I64));
    let t = with_generator(&b, size_at + 6, |g| {
        Tensor::randint_with(g, low, high, &shape, dtype, Device::Cpu)
    })?
    .py()?;
    finish(t, &f)
}

fn randperm(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = factory(it, &b, 1)?;
    let n = b.size(0)?;
    let t = with_generator(&b, 6, |g| Tensor::randperm_with(g, n, Device::Cpu))?.py()?;
    let t = match f.dtype {
        Some(d) if d != t.dtype() => t.to_dtype(d).py()?,
        _ => t,
    };
    finish(t, &f)
}

fn like(it: &Interp, b: &Bound, what: &str) -> PyResult<Value> {
    let first = if what == "full" { 2 } else { 1 };
    let mut f = factory(it, b, first)?;
    let src = b.tensor(0)?;
    let dtype = f.dtype.unwrap_or(src.dtype());
    f.device = Some(f.device.unwrap_or(src.device()));
    let shape = src.shape().to_vec();
    let t = match what {
        "ones" => Tensor::ones_on(&shape, dtype, Device::Cpu),
        "rand" => Tensor::rand_on(&shape, dtype, Device::Cpu),
        "randn" => Tensor::randn_on(&shape, dtype, Device::Cpu),
        "full" => Tensor::full_on(&shape, b.float(1)?, dtype, Device::Cpu),
        _ => Tensor::zeros_on(&shape, dtype, Device::Cpu),
    }
    .py()?;
    finish(t, &f)
}

fn zeros_like(it: &mut Interp, b: Bound) -> PyResult<Value> {
    like(it, &b, "zeros")
}

fn ones_like(it: &mut Interp, b: Bound) -> PyResult<Value> {
    like(it, &b, "ones")
}

fn rand_like(it: &mut Interp, b: Bound) -> PyResult<Value> {
    like(it, &b, "rand")
}

fn randn_like(it: &mut Interp, b: Bound) -> PyResult<Value> {
    like(it, &b, "randn")
}

fn full_like(it: &mut Interp, b: Bound) -> PyResult<Value> {
    like(it, &b, "full")
}

fn manual_seed(_: &mut Interp, b: Bound) -> PyResult<Value> {
    tinytorch::random::manual_seed(b.int(0)? as u64);
    Ok(Value::None)
}

fn scalar_tensor(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let dtype = b.dtype(it, 1)?.unwrap_or(DType::F32);
    let device = b.device(3)?.unwrap_or(Device::Cpu);
    Ok(value(
        Tensor::scalar_tensor(b.float(0)?, dtype, device).py()?,
    ))
}

fn new_like(it: &Interp, b: &Bound, fill: f64, first: usize) -> PyResult<Value> {
    let mut f = factory(it, b, first)?;
    let src = b.tensor(0)?;
    f.device = Some(f.device.unwrap_or(src.device()));
    let t = Tensor::full_on(
        &b.sizes(1)?,
        fill,
        f.dtype.unwrap_or(src.dtype()),
        Device::Cpu,
    )
    .py()?;
    finish(t, &f)
}

fn new_zeros(it: &mut Interp, b: Bound) -> PyResult<Value> {
    new_like(it, &b, 0.0, 2)
}

fn new_ones(it: &mut Interp, b: Bound) -> PyResult<Value> {
    new_like(it, &b, 1.0, 2)
}

fn new_full(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let fill = b.float(2)?;
    new_like(it, &b, fill, 3)
}

fn new_tensor(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut f = factory(it, &b, 2)?;
    let src = b.tensor(0)?.clone();
    f.device = Some(f.device.unwrap_or(src.device()));
    let data = b.value(1).clone();
    let t = from_data(it, &data, Some(f.dtype.unwrap_or(src.dtype())))?;
    finish(t, &f)
}

fn tensor(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = factory(it, &b, 1)?;
    let data = b.value(0).clone();
    let t = from_data(it, &data, f.dtype)?;
    finish(t, &f)
}

fn tensor_new(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let args = b.varargs(0).to_vec();
    let dtype = b.dtype(it, 1)?.unwrap_or(DType::F32);
    let device = b.device(2)?;
    let f = Factory {
        dtype: Some(dtype),
        device,
        requires_grad: false,
    };
    if !args.is_empty() && args.iter().all(|v| matches!(v, Value::Int(_))) {
        let dims: Vec<i64> = args
            .iter()
            .map(|v| if let Value::Int(i) = v { *i } else { 0 })
            .collect();
        return finish(
            Tensor::zeros_on(&sizes(&dims)?, dtype, Device::Cpu).py()?,
            &f,
        );
    }
    let data = args.first().cloned().unwrap_or(Value::list(vec![]));
    let t = from_data(it, &data, Some(dtype))?;
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
    out: &mut Vec<Scalar>,
    kind: &mut Option<Kind>,
) -> PyResult<()> {
    if depth > 64 {
        return Err(exc(
            "ValueError",
            "too many dimensions (nested sequences deeper than 64)",
        ));
    }
    if let Value::List(_) | Value::Tuple(_) | Value::Range(_) = v {
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
        return Ok(());
    }
    if shape.len() > depth {
        return Err(type_error("not a sequence"));
    }
    let (x, k) = match v {
        Value::Bool(b) => (Scalar::Bool(*b), Kind::Bool),
        Value::Int(i) => (Scalar::Int(*i), Kind::Int),
        Value::Float(f) => (Scalar::Float(*f), Kind::Float),
        other => match other.downcast::<Tensor>() {
            Some(t) if t.numel() == 1 => match t.dtype() {
                DType::Bool => (Scalar::Bool(t.item().py()? != 0.0), Kind::Bool),
                d if d.is_int() => {
                    let i = t.to_vec_i64().py()?.first().copied().unwrap_or(0);
                    (Scalar::Int(i), Kind::Int)
                }
                _ => (Scalar::Float(t.item().py()?), Kind::Float),
            },
            Some(_) => {
                return Err(exc(
                    "ValueError",
                    "only one element tensors can be converted to Python scalars",
                ))
            }
            None => {
                return Err(type_error(format!(
                    "new(): invalid data type '{}'",
                    other.type_name()
                )))
            }
        },
    };
    if kind.map_or(true, |c| k > c) {
        *kind = Some(k);
    }
    out.push(x);
    Ok(())
}

/// A tensor from `data` (a tensor, a number, or nested sequences).
pub fn from_data(it: &mut Interp, data: &Value, dtype: Option<DType>) -> PyResult<Tensor> {
    if let Some(t) = data.downcast::<Tensor>() {
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
    // Ints convert exactly, and a value the dtype cannot hold is
    // PyTorch's "value cannot be converted to type int32 without overflow".
    Tensor::from_scalars(&vals, &shape, dtype.unwrap_or(inferred)).py()
}
