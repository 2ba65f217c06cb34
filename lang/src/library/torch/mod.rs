//! `torch`: the tensor type ([`tensor`]) and its value types ([`values`]),
//! and one binding table per family: creation, pointwise math,
//! reductions, shapes, products, conversions, autograd. Each family's rows
//! go into the `torch` namespace (`FUNCTIONS`), the Tensor class dict
//! (`METHODS`), or both (`BOTH`): `torch.sum(x, 1)` and `x.sum(1)` are one
//! row.

pub mod autograd;
pub mod convert;
pub mod creation;
pub mod function;
pub mod index;
pub mod linalg;
pub mod pointwise;
pub mod random;
pub mod reduce;
pub mod shape;
pub mod tensor;
pub mod values;

use crate::bind::{into_class, into_module, row, Bound, Def, Row, Style};
use crate::eval::error::PyResult;
use crate::eval::value::{Class, ModuleObj, Value};
use crate::eval::Interp;
use std::rc::Rc;
use tinytorch::DType;

/// Every family's rows: (for the torch namespace, for the Tensor class).
fn families() -> Vec<(&'static [Row], bool, bool)> {
    vec![
        (creation::FUNCTIONS, true, false),
        (creation::METHODS, false, true),
        (random::FUNCTIONS, true, false),
        (random::METHODS, false, true),
        (pointwise::BOTH, true, true),
        (pointwise::FUNCTIONS, true, false),
        (pointwise::METHODS, false, true),
        (reduce::BOTH, true, true),
        (shape::BOTH, true, true),
        (shape::METHODS, false, true),
        (shape::FUNCTIONS, true, false),
        (linalg::BOTH, true, true),
        (linalg::FUNCTIONS, true, false),
        (convert::BOTH, true, true),
        (convert::METHODS, false, true),
        (autograd::BOTH, true, true),
        (autograd::METHODS, false, true),
        (autograd::FUNCTIONS, true, false),
        (MISC, true, false),
        (tensor::DUNDERS, false, true),
    ]
}

#[rustfmt::skip]
const MISC: &[Row] = &[
    row("get_default_dtype()", "The default floating-point dtype (float32).", get_default_dtype),
    row("set_num_threads(int int)", "Sets the number of threads of CPU ops (before the first parallel op; later calls keep the pool).", set_num_threads),
    row("get_num_threads()", "The number of threads CPU ops use.", get_num_threads),
    row("set_default_device(Device? device)", "Sets the device creation functions use; only the CPU here (CUDA tensors are made with device= or .to()).", set_default_device),
    row("get_default_device()", "The device creation functions use (the CPU).", get_default_device),
];

/// `torch.accelerator`: the device-generic API (CUDA is the accelerator
/// when a GPU can be used).
#[rustfmt::skip]
const ACCELERATOR: &[Row] = &[
    row("is_available()", "Whether an accelerator (a CUDA device) can be used.", cuda_is_available),
    row("device_count()", "The number of accelerator devices.", cuda_device_count),
    row("current_accelerator(bool check_available=False)", "device(type='cuda') when CUDA can be used, else None.", current_accelerator),
    row("synchronize(Device? device=None)", "Waits for the device's queued work.", cuda_synchronize),
];

fn set_default_device(_: &mut Interp, b: Bound) -> PyResult<Value> {
    match b.device(0)? {
        None | Some(tinytorch::Device::Cpu) => Ok(Value::None),
        Some(_) => Err(crate::eval::error::exc(
            "NotImplementedError",
            "torch.set_default_device: only 'cpu' here; make CUDA tensors with device='cuda' or .to('cuda')",
        )),
    }
}

fn get_default_device(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::object(tinytorch::Device::Cpu))
}

fn current_accelerator(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(if tinytorch::cuda::is_available() {
        Value::object(tinytorch::Device::Cuda(0))
    } else {
        Value::None
    })
}

fn set_num_threads(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let n = b.int(0)?;
    if n < 1 {
        return Err(crate::eval::error::exc(
            "RuntimeError",
            "set_num_threads expects a positive integer",
        ));
    }
    // The pool is made once per process; once built it keeps its size
    // (the error says so, and is not the caller's).
    rayon::ThreadPoolBuilder::new()
        .num_threads(n as usize)
        .build_global()
        .ok();
    Ok(Value::None)
}

fn get_num_threads(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Int(rayon::current_num_threads() as i64))
}

#[rustfmt::skip]
const CUDA: &[Row] = &[
    row("is_available()", "Whether a CUDA device can be used.", cuda_is_available),
    row("device_count()", "The number of CUDA devices.", cuda_device_count),
    row("empty_cache()", "Returns the CUDA caching allocator's free blocks to the driver.", cuda_empty_cache),
    row("manual_seed(int seed)", "Seeds the CUDA generators (the Philox streams of dropout).", cuda_manual_seed),
    row("manual_seed_all(int seed)", "Seeds every CUDA device's generator.", cuda_manual_seed),
    row("synchronize(Device? device=None)", "Waits for the device's queued work.", cuda_synchronize),
];

fn get_default_dtype(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::object(DType::F32))
}

fn cuda_is_available(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(tinytorch::cuda::is_available()))
}

fn cuda_device_count(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Int(tinytorch::cuda::device_count() as i64))
}

fn cuda_empty_cache(_: &mut Interp, _: Bound) -> PyResult<Value> {
    tinytorch::cuda::empty_cache();
    Ok(Value::None)
}

fn cuda_manual_seed(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::None)
}

fn cuda_synchronize(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::None)
}

/// `torch.Tensor` and `nn.Parameter` (a subclass), with every method row.
fn tensor_classes(it: &Interp) -> (Rc<Class>, Rc<Class>) {
    let tensor = super::class(
        "Tensor",
        "torch",
        &[&it.types.object],
        creation::TENSOR_NEW.doc,
    );
    *tensor.new.borrow_mut() =
        Some(Def::from_row("torch", &creation::TENSOR_NEW, Style::Torch).value());
    let parameter = super::class(
        "Parameter",
        "torch.nn.parameter",
        &[&tensor],
        "Parameter(data=None, requires_grad=True): a tensor that a Module registers as a parameter.",
    );
    (tensor, parameter)
}

pub fn install(it: &mut Interp) {
    let torch = super::module(it, "torch", "The tensor library, spelled as in PyTorch.");
    values::install(it, &torch);
    let (tensor, parameter) = tensor_classes(it);
    tensor::set_classes(tensor.clone(), parameter);
    torch.set("Tensor", Value::Class(tensor.clone()));
    torch.set("__version__", Value::str("2.15.0"));
    // The engine's table first: the hand-written rows (round's decimals) override it.
    pointwise::table::install(&torch, &tensor);
    for (rows, in_torch, in_class) in families() {
        if in_torch {
            into_module(&torch, "torch", rows, Style::Torch);
        }
        if in_class {
            into_class(&tensor, rows, Style::Torch);
        }
    }
    install_autograd_classes(it);
    random::install(&torch, &it.types.object.clone());
    let cuda = super::module(it, "torch.cuda", "CUDA devices.");
    into_module(&cuda, "torch.cuda", CUDA, Style::Torch);
    let la = super::module(
        it,
        "torch.linalg",
        "Linear algebra: inverses, determinants, solves, norms.",
    );
    into_module(&la, "torch.linalg", linalg::LINALG, Style::Torch);
    let acc = super::module(
        it,
        "torch.accelerator",
        "The device-generic accelerator API.",
    );
    into_module(&acc, "torch.accelerator", ACCELERATOR, Style::Torch);
}

fn install_autograd_classes(it: &mut Interp) {
    let object = it.types.object.clone();
    let grad_mode = super::class(
        "no_grad",
        "torch.autograd.grad_mode",
        &[&object],
        "A grad-mode context manager.",
    );
    super::set_class(&autograd::GRAD_MODE, &grad_mode);
    let decorated = super::class(
        "function",
        "builtins",
        &[&object],
        "A function run in a grad mode.",
    );
    into_class(&decorated, autograd::GRAD_MODE_FN_METHODS, Style::Python);
    super::set_class(&autograd::GRAD_MODE_FN, &decorated);
    let node = super::class(
        "Node",
        "torch.autograd.graph",
        &[&object],
        "An autograd node (a tensor's grad_fn).",
    );
    into_class(&node, autograd::NODE_METHODS, Style::Python);
    super::set_class(&autograd::NODE, &node);
    let ag = super::module(it, "torch.autograd", "Automatic differentiation.");
    for name in [
        "no_grad",
        "enable_grad",
        "inference_mode",
        "set_grad_enabled",
    ] {
        if let Some(Value::Module(t)) = it.modules.get("torch") {
            if let Some(v) = t.get(name) {
                ag.set(name, v);
            }
        }
    }
    into_module(
        &ag,
        "torch.autograd",
        autograd::AUTOGRAD_MODULE,
        Style::Torch,
    );
    let ctx = super::class(
        "FunctionCtx",
        "torch.autograd.function",
        &[&object],
        "The ctx of an autograd Function: save_for_backward, saved_tensors, needs_input_grad, and any attribute.",
    );
    into_class(&ctx, function::CTX_METHODS, Style::Python);
    super::set_class(&function::CTX, &ctx);
    let handle = super::class(
        "RemovableHandle",
        "torch.utils.hooks",
        &[&object],
        "A registered hook: remove() takes it off.",
    );
    into_class(&handle, function::HANDLE_METHODS, Style::Python);
    super::set_class(&function::HANDLE, &handle);
    let func = super::class(
        "Function",
        "torch.autograd.function",
        &[&object],
        "Subclass with static forward(ctx, *args) and backward(ctx, grad) (or forward(*args) and setup_context(ctx, inputs, output)); call it with apply(*args).",
    );
    for r in function::FUNCTION_METHODS {
        let d = crate::bind::Def::from_row("Function", r, Style::Python);
        let name = crate::protocol::Callable::name(&d).to_string();
        func.set(
            &name,
            crate::library::python::descriptors::classmethod_of(d.value()),
        );
    }
    ag.set("Function", Value::Class(func));
}

/// The `torch` module (installed first by [`install`]).
pub fn torch_module(it: &Interp) -> Option<Rc<ModuleObj>> {
    match it.modules.get("torch") {
        Some(Value::Module(m)) => Some(m.clone()),
        _ => None,
    }
}
