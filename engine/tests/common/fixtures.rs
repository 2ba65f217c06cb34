//! Reading the PyTorch op fixtures (`tests/fixtures/ops.json`, format in
//! `tests/fixtures/README.md`) and checking an op against them.
//!
//! Use from a test file with `mod common;` and
//! `use common::fixtures::{run_op, Case};`, then
//! `run_op("cumsum", |c| Ok(vec![c.input(0).cumsum(c.i64("dim").unwrap())?]))`.
//! `run_op` builds every case's inputs (contiguous, transposed or expanded
//! views of float64 leaves), calls the op, compares each output (dtype,
//! shape, values with a dtype-aware tolerance, NaN equal to NaN), and for
//! gradient cases backpropagates `(outputs[0] * cotangent).sum()` and
//! compares the leaves' gradients. All failures are reported together.
//!
//! One body, every device: `run_op` runs each case on the CPU, then again
//! on every CUDA device present (every fixture tensor is made on the device
//! under test), against the same PyTorch values. Without a GPU the CUDA
//! rounds are skipped; `TT_REQUIRE_GPU=1` makes a missing GPU a failure.

#![allow(dead_code)]

use std::cell::Cell;
use std::sync::OnceLock;

use serde_json::Value;
use tinytorch::{DType, Device, Tensor};

thread_local! {
    /// The device fixture tensors are made on (per test thread).
    static DEVICE: Cell<Device> = const { Cell::new(Device::Cpu) };
}

/// The CPU and every CUDA device present. Panics without a GPU when
/// `TT_REQUIRE_GPU=1`.
pub fn devices() -> Vec<Device> {
    let n = tinytorch::cuda::device_count();
    if n == 0 && std::env::var("TT_REQUIRE_GPU").is_ok_and(|v| v == "1") {
        panic!("TT_REQUIRE_GPU=1 but no CUDA device is available");
    }
    std::iter::once(Device::Cpu)
        .chain((0..n).map(Device::Cuda))
        .collect()
}

/// The device the current fixture round runs on.
pub fn current_device() -> Device {
    DEVICE.with(|d| d.get())
}

const OPS_JSON: &str = include_str!("../fixtures/ops.json");

/// Every case in ops.json, parsed once.
pub fn all_cases() -> &'static [Value] {
    static CASES: OnceLock<Vec<Value>> = OnceLock::new();
    CASES.get_or_init(|| {
        let root: Value = serde_json::from_str(OPS_JSON).expect("ops.json parses");
        root["cases"].as_array().expect("a cases array").clone()
    })
}

/// A float fixture value: a JSON number or "nan" / "inf" / "-inf".
pub fn float(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("unknown float spelling {other:?}"),
        },
        Value::Bool(b) => *b as u8 as f64,
        other => other.as_f64().expect("a number"),
    }
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|d| d.as_u64().expect("a size") as usize)
        .collect()
}

pub fn dtype_of(rec: &Value) -> DType {
    let name = rec["dtype"].as_str().expect("a dtype name");
    DType::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// A contiguous tensor from `data`/`shape`/`dtype` (integers exactly).
pub fn tensor(data: &Value, shape: &[usize], dtype: DType) -> Tensor {
    let raw = data.as_array().expect("data is a list");
    let t = match dtype {
        DType::I64 => Tensor::from_vec(
            raw.iter().map(|v| v.as_i64().expect("int")).collect(),
            shape,
        ),
        DType::I32 => Tensor::from_vec(
            raw.iter()
                .map(|v| v.as_i64().expect("int") as i32)
                .collect(),
            shape,
        ),
        DType::Bool => Tensor::from_vec(
            raw.iter().map(|v| v.as_bool().expect("bool")).collect(),
            shape,
        ),
        _ => Tensor::from_vec_f64(&raw.iter().map(float).collect::<Vec<_>>(), shape, dtype),
    };
    let t = t.expect("fixture tensor builds");
    match current_device() {
        Device::Cpu => t,
        dev => t
            .to_device(dev)
            .expect("fixture tensor moves to the device"),
    }
}

/// A plain tensor record (`output`, `cotangent`, a tensor inside `args`).
pub fn record_tensor(rec: &Value) -> Tensor {
    tensor(&rec["data"], &usizes(&rec["shape"]), dtype_of(rec))
}

/// An input record: `(leaf, input)`. The leaf requires grad when the record
/// says so; the input is the leaf, its `.transpose(-1, -2)` ("transposed")
/// or its `.expand(shape)` ("expanded").
pub fn input_tensor(rec: &Value) -> (Tensor, Tensor) {
    let shape = usizes(&rec["shape"]);
    let dtype = dtype_of(rec);
    let layout = rec["layout"].as_str().unwrap_or("contiguous");
    let leaf = match layout {
        "contiguous" => tensor(&rec["data"], &shape, dtype),
        "transposed" => {
            let mut s = shape.clone();
            let n = s.len();
            s.swap(n - 2, n - 1);
            tensor(&rec["data"], &s, dtype)
        }
        "expanded" => tensor(&rec["base_data"], &usizes(&rec["base_shape"]), dtype),
        other => panic!("unknown layout {other}"),
    };
    if rec["requires_grad"].as_bool().unwrap_or(false) {
        leaf.set_requires_grad(true).expect("float leaf");
    }
    let input = match layout {
        "transposed" => leaf.transpose(-1, -2).expect("transpose"),
        "expanded" => leaf.broadcast_to(&shape).expect("expand"),
        _ => leaf.clone(),
    };
    (leaf, input)
}

/// `(atol, rtol)` for comparing a computed `dtype` output with PyTorch's.
pub fn tolerance(dtype: DType) -> (f64, f64) {
    match dtype {
        DType::F64 => (1e-12, 1e-10),
        DType::F32 => (1e-6, 1e-5),
        DType::F16 => (1e-3, 1e-3),
        DType::BF16 => (1e-2, 8e-3),
        _ => (0.0, 0.0),
    }
}

/// Compares `got` with a fixture record: dtype, shape, then values within
/// [`tolerance`] (NaN matches NaN, infinities must match exactly).
pub fn compare(got: &Tensor, want: &Value) -> Result<(), String> {
    let (wd, ws) = (dtype_of(want), usizes(&want["shape"]));
    if got.dtype() != wd {
        return Err(format!("dtype {} != expected {}", got.dtype(), wd));
    }
    if got.shape() != ws.as_slice() {
        return Err(format!("shape {:?} != expected {:?}", got.shape(), ws));
    }
    let g = got.to_vec_f64().map_err(|e| e.to_string())?;
    let w: Vec<f64> = want["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(float)
        .collect();
    close(&g, &w, wd)
}

/// Element-wise closeness of two value lists at `dtype`'s tolerance.
pub fn close(got: &[f64], want: &[f64], dtype: DType) -> Result<(), String> {
    let (atol, rtol) = tolerance(dtype);
    if got.len() != want.len() {
        return Err(format!("{} values, expected {}", got.len(), want.len()));
    }
    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
        let ok = if a.is_nan() || b.is_nan() {
            a.is_nan() && b.is_nan()
        } else if a.is_infinite() || b.is_infinite() {
            a == b
        } else {
            (a - b).abs() <= atol + rtol * b.abs()
        };
        if !ok {
            return Err(format!("value {i}: got {a}, expected {b}"));
        }
    }
    Ok(())
}

/// One fixture case with its inputs built.
pub struct Case {
    pub name: String,
    pub op: String,
    pub raw: Value,
    /// The op's inputs (views where the layout says so).
    pub inputs: Vec<Tensor>,
    /// The leaves the inputs were made from (gradients land here).
    pub leaves: Vec<Tensor>,
}

impl Case {
    pub fn new(raw: &Value) -> Case {
        let (leaves, inputs) = raw["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(input_tensor)
            .unzip();
        Case {
            name: raw["name"].as_str().expect("name").to_string(),
            op: raw["op"].as_str().expect("op").to_string(),
            raw: raw.clone(),
            inputs,
            leaves,
        }
    }

    pub fn input(&self, i: usize) -> &Tensor {
        &self.inputs[i]
    }

    /// All inputs as a slice of references (for `cat`, `einsum`, ...).
    pub fn input_refs(&self) -> Vec<&Tensor> {
        self.inputs.iter().collect()
    }

    pub fn args(&self) -> &Value {
        &self.raw["args"]
    }

    /// An argument, `None` when absent or `null` (PyTorch's default).
    pub fn arg(&self, key: &str) -> Option<&Value> {
        self.raw["args"].get(key).filter(|v| !v.is_null())
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.arg(key).map(|v| v.as_i64().expect("an int arg"))
    }

    pub fn f64(&self, key: &str) -> Option<f64> {
        self.arg(key).map(float)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.arg(key).map(|v| v.as_bool().expect("a bool arg"))
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.arg(key).map(|v| v.as_str().expect("a string arg"))
    }

    pub fn i64s(&self, key: &str) -> Option<Vec<i64>> {
        self.arg(key).map(|v| {
            v.as_array()
                .expect("a list arg")
                .iter()
                .map(|x| x.as_i64().expect("an int"))
                .collect()
        })
    }

    /// A tensor given inside `args` (index, mask, condition).
    pub fn tensor_arg(&self, key: &str) -> Option<Tensor> {
        self.arg(key).map(record_tensor)
    }

    /// The expected outputs (`output` or `outputs`).
    pub fn expected(&self) -> Vec<&Value> {
        match self.raw.get("outputs") {
            Some(list) => list.as_array().expect("outputs").iter().collect(),
            None => vec![&self.raw["output"]],
        }
    }

    pub fn has_grads(&self) -> bool {
        self.raw.get("grads").is_some()
    }

    /// Backpropagates `(outputs[0] * cotangent).sum()` and compares every
    /// leaf's gradient with `grads`.
    pub fn check_grads(&self, first_output: &Tensor) -> Result<(), String> {
        let cot = record_tensor(&self.raw["cotangent"]);
        let loss = first_output
            .mul(&cot)
            .and_then(|t| t.sum())
            .map_err(|e| format!("loss: {e}"))?;
        if loss.requires_grad() {
            loss.backward().map_err(|e| format!("backward: {e}"))?;
        }
        let grads = self.raw["grads"].as_array().expect("grads");
        for (i, (want, rec)) in grads
            .iter()
            .zip(self.raw["inputs"].as_array().unwrap())
            .enumerate()
        {
            if want.is_null() {
                continue;
            }
            let leaf = &self.leaves[i];
            let got = match leaf.grad() {
                Some(g) => g,
                None => Tensor::zeros_like(leaf).map_err(|e| e.to_string())?,
            };
            let got = if rec["layout"] == "transposed" {
                got.transpose(-1, -2).map_err(|e| e.to_string())?
            } else {
                got
            };
            compare(&got, want).map_err(|e| format!("grad {i}: {e}"))?;
        }
        Ok(())
    }
}

/// Which outputs of a case to compare (`true` = compare output `index`).
pub type OutputFilter<'a> = &'a dyn Fn(&Case, usize) -> bool;

/// Runs `f` on every case of `op` and checks outputs and gradients; panics
/// listing every failing case. Returns the number of cases run.
pub fn run_op(op: &str, f: impl Fn(&Case) -> tinytorch::Result<Vec<Tensor>>) -> usize {
    run_op_filtered(op, f, &|_, _| true)
}

/// [`run_op`] comparing only the outputs `filter` accepts (for example
/// `topk` indices only where the input has no ties).
pub fn run_op_filtered(
    op: &str,
    f: impl Fn(&Case) -> tinytorch::Result<Vec<Tensor>>,
    filter: OutputFilter,
) -> usize {
    let mut failures = Vec::new();
    let mut n = 0;
    for dev in devices() {
        DEVICE.with(|d| d.set(dev));
        n = 0;
        for raw in all_cases().iter().filter(|c| c["op"] == op) {
            n += 1;
            let case = Case::new(raw);
            if let Err(e) = check_case(&case, &f, filter) {
                failures.push(format!("{} on {dev}: {e}", case.name));
            }
        }
    }
    DEVICE.with(|d| d.set(Device::Cpu));
    assert!(n > 0, "no fixture cases for op {op}");
    assert!(
        failures.is_empty(),
        "{} of {n} {op} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    n
}

fn check_case(
    case: &Case,
    f: &impl Fn(&Case) -> tinytorch::Result<Vec<Tensor>>,
    filter: OutputFilter,
) -> Result<(), String> {
    let outs = f(case).map_err(|e| format!("op failed: {e}"))?;
    let want = case.expected();
    if outs.len() != want.len() {
        return Err(format!("{} outputs, expected {}", outs.len(), want.len()));
    }
    for (i, (got, w)) in outs.iter().zip(&want).enumerate() {
        if filter(case, i) {
            compare(got, w).map_err(|e| format!("output {i}: {e}"))?;
        }
    }
    if case.has_grads() {
        case.check_grads(&outs[0])?;
    }
    Ok(())
}
