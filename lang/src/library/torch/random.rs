//! Random streams: `torch.Generator` (an independent stream beside the
//! global one), `generator=` on every random function, and the sampling
//! functions `normal`, `bernoulli`, `multinomial`, `exponential_`. The
//! engine's generator is PyTorch's MT19937 with its CPU kernels, so the
//! same seed gives PyTorch's numbers.

use std::cell::RefCell;
use std::rc::Rc;

use super::tensor::value;
use crate::bind::{row, Bound, Def, Row, Style};
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, EngineResult};
use crate::protocol::Object;
use tinytorch::random::{default_generator, nondeterministic_seed, Generator};
use tinytorch::{DType, Device, Tensor};

thread_local! {
    pub static GENERATOR: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

/// A `torch.Generator`: its own MT19937 stream.
pub struct GeneratorObj {
    g: RefCell<Generator>,
}

impl Object for GeneratorObj {
    fn class(&self) -> Rc<Class> {
        class_in(&GENERATOR, "Generator")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<torch._C.Generator object at 0x{:x}>",
            self as *const Self as usize
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "device" => Some(Value::object(Device::Cpu)),
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["device"]
    }
}

/// Runs `f` on the generator passed at argument `i` (a `torch.Generator`),
/// or on the global one when it is None.
pub fn with_generator<R>(b: &Bound, i: usize, f: impl FnOnce(&mut Generator) -> R) -> PyResult<R> {
    with_generator_value(b.value(i), f)
}

/// [`with_generator`] for a value held elsewhere (a DataLoader's
/// `generator` attribute).
pub fn with_generator_value<R>(v: &Value, f: impl FnOnce(&mut Generator) -> R) -> PyResult<R> {
    match v {
        Value::None => Ok(f(&mut default_generator())),
        v => match v.downcast::<GeneratorObj>() {
            Some(g) => Ok(f(&mut g.g.borrow_mut())),
            None => Err(type_error(format!(
                "generator must be a torch.Generator, not {}",
                v.type_name()
            ))),
        },
    }
}

pub const NEW: Row = row(
    "Generator(Device? device=None)",
    "A random number generator with its own stream: seed it with manual_seed(s) and pass it as generator= to random functions.",
    new,
);

#[rustfmt::skip]
pub const GENERATOR_METHODS: &[Row] = &[
    row("manual_seed(object self, int seed)", "Seeds this generator; returns it.", manual_seed),
    row("seed(object self)", "Seeds this generator from a nondeterministic source; returns the seed.", seed),
    row("initial_seed(object self)", "The seed last set.", initial_seed),
];

/// The factory keywords after `*`, with the generator last.
macro_rules! random_factory {
    () => {
        "Generator? generator=None, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool pin_memory=False, bool requires_grad=False"
    };
}

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row(concat!("normal(Tensor mean, Tensor std, *, Generator? generator=None) | normal(Tensor mean, float std=1, *, Generator? generator=None) | normal(float mean, Tensor std, *, Generator? generator=None) | normal(float mean, float std, int[] size, *, ", random_factory!(), ")"), "Normal samples: elementwise mean and std (broadcast), or a tensor of the given size.", normal),
    row("bernoulli(Tensor input, *, Generator? generator=None) | bernoulli(Tensor input, float p, *, Generator? generator=None)", "1 with the probability in each element of input (or p), else 0.", bernoulli),
    row("multinomial(Tensor input, int num_samples, bool replacement=False, *, Generator? generator=None)", "Indices sampled from the categorical distributions in input's rows, with PyTorch's algorithm (the same seed gives PyTorch's samples).", multinomial),
];

#[rustfmt::skip]
pub const METHODS: &[Row] = &[
    row("normal_(Tensor input, float mean=0, float std=1, *, Generator? generator=None)", "Fills the tensor with normal samples, in place.", normal_),
    row("uniform_(Tensor input, float from=0, float to=1, *, Generator? generator=None)", "Fills the tensor with uniform samples in [from, to), in place.", uniform_),
    row("exponential_(Tensor input, float lambd=1, *, Generator? generator=None)", "Fills the tensor with exponential samples of rate lambd, in place.", exponential_),
    row("bernoulli_(Tensor input, float p=0.5, *, Generator? generator=None)", "Fills the tensor with 1 (probability p) or 0, in place.", bernoulli_),
    row("bernoulli(Tensor input, *, Generator? generator=None)", "1 with the probability in each element, else 0.", bernoulli),
    row("multinomial(Tensor input, int num_samples, bool replacement=False, *, Generator? generator=None)", "Indices sampled from the categorical distributions in the rows.", multinomial),
];

pub fn install(torch: &crate::eval::value::ModuleObj, object: &Rc<Class>) {
    let class = crate::library::class("Generator", "torch", &[object], NEW.doc);
    crate::bind::into_class(&class, GENERATOR_METHODS, Style::Python);
    *class.new.borrow_mut() = Some(Def::from_row("torch", &NEW, Style::Torch).value());
    crate::library::set_class(&GENERATOR, &class);
    torch.set("Generator", Value::Class(class));
}

fn new(_: &mut Interp, b: Bound) -> PyResult<Value> {
    if let Some(d) = b.device(0)? {
        if d != Device::Cpu {
            return Err(crate::eval::error::exc(
                "RuntimeError",
                "Generator: only CPU generators here (CUDA dropout keeps its own Philox streams)",
            ));
        }
    }
    Ok(Value::object(GeneratorObj {
        g: RefCell::new(Generator::new(nondeterministic_seed())),
    }))
}

fn this<'a>(b: &'a Bound<'a>) -> &'a GeneratorObj {
    b.value(0)
        .downcast::<GeneratorObj>()
        .expect("bound as a Generator method")
}

fn manual_seed(_: &mut Interp, b: Bound) -> PyResult<Value> {
    this(&b).g.borrow_mut().manual_seed(b.int(1)? as u64);
    Ok(b.value(0).clone())
}

fn seed(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let s = nondeterministic_seed();
    this(&b).g.borrow_mut().manual_seed(s);
    Ok(Value::Int(s as i64))
}

fn initial_seed(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(this(&b).g.borrow().initial_seed() as i64))
}

fn normal(it: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.overload == 3 {
        let shape = b.sizes(2)?;
        let dtype = b.dtype(it, 4)?.unwrap_or(DType::F32);
        let (mean, std) = (b.float(0)?, b.float(1)?);
        let t = with_generator(&b, 3, |g| {
            Tensor::normal_with(g, &shape, mean, std, dtype, Device::Cpu)
        })?
        .py()?;
        let t = match b.device(6)? {
            Some(d) if d != t.device() => t.to_device(d).py()?,
            _ => t,
        };
        if b.bool(8)? {
            t.set_requires_grad(true).py()?;
        }
        return Ok(value(t));
    }
    // PyTorch: the output (of the broadcast shape) is filled by normal_(0, 1)
    // and then scaled: output.mul_(std).add_(mean).
    let as_tensor = |i: usize| -> PyResult<Tensor> {
        match b.tensor(i) {
            Ok(t) => Ok(t.clone()),
            Err(_) => Tensor::scalar_tensor(b.float(i)?, DType::F32, Device::Cpu).py(),
        }
    };
    let (mean, std) = (as_tensor(0)?, as_tensor(1)?);
    let shape = tinytorch::shape::broadcast_shapes("normal", mean.shape(), std.shape()).py()?;
    let dtype = if b.tensor(0).is_ok() {
        mean.dtype()
    } else {
        std.dtype()
    };
    let z = with_generator(&b, 2, |g| {
        Tensor::normal_with(g, &shape, 0.0, 1.0, dtype, mean.device())
    })?
    .py()?;
    let _guard = tinytorch::autograd::GradModeGuard::new(false);
    Ok(value(z.mul(&std).py()?.add(&mean).py()?))
}

fn bernoulli(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    if b.overload == 1 {
        let p = b.float(1)?;
        let out = Tensor::zeros_on(t.shape(), t.dtype(), t.device()).py()?;
        with_generator(&b, 2, |g| out.bernoulli_with_(g, p))?.py()?;
        return Ok(value(out));
    }
    Ok(value(with_generator(&b, 1, |g| t.bernoulli_with(g))?.py()?))
}

fn multinomial(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let n = b.int(1)?;
    if n < 0 {
        return Err(crate::eval::error::exc(
            "RuntimeError",
            "cannot sample n_sample <= 0 samples",
        ));
    }
    let replacement = b.bool(2)?;
    Ok(value(
        with_generator(&b, 3, |g| t.multinomial_with(g, n as usize, replacement))?.py()?,
    ))
}

fn done(b: &Bound, r: PyResult<tinytorch::Result<()>>) -> PyResult<Value> {
    r?.py()?;
    Ok(b.value(0).clone())
}

fn normal_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, mean, std) = (b.tensor(0)?, b.float(1)?, b.float(2)?);
    done(&b, with_generator(&b, 3, |g| t.normal_with_(g, mean, std)))
}

fn uniform_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, lo, hi) = (b.tensor(0)?, b.float(1)?, b.float(2)?);
    done(&b, with_generator(&b, 3, |g| t.uniform_with_(g, lo, hi)))
}

fn exponential_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, lambd) = (b.tensor(0)?, b.float(1)?);
    done(&b, with_generator(&b, 2, |g| t.exponential_with_(g, lambd)))
}

fn bernoulli_(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, p) = (b.tensor(0)?, b.float(1)?);
    done(&b, with_generator(&b, 2, |g| t.bernoulli_with_(g, p)))
}

/// `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: a
/// 64-bit draw reduced to [0, 2^63), as PyTorch's DataLoader and
/// RandomSampler draw their seeds.
pub fn draw_seed(g: &mut Generator) -> u64 {
    g.random_u64() % (1u64 << 63)
}
