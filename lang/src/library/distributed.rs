//! `torch.distributed` (process groups and collectives),
//! `torch.nn.parallel.DistributedDataParallel` and
//! `torch.utils.data.distributed.DistributedSampler`, over the engine's
//! `distributed`: a torchrun-style script runs unchanged under
//! `mpirun -np N tinytorch-repl train.py` (a build with the `distributed`
//! feature; without it `init_process_group` says what is missing).
//! Collectives are synchronous: `async_op=True` returns a finished work
//! handle whose `wait()` returns at once.

use super::nn::module::{init_module, state_of, LangModule};
use crate::bind::{into_class, into_module, raw, row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, module, set_class, EngineResult};
use crate::protocol::Object;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use tinytorch::data::{DistributedSampler, Sampler};
use tinytorch::distributed::{self as dist, DdpOptions, DistributedDataParallel, ReduceOp};
use tinytorch::Tensor;

thread_local! {
    static REDUCE_OP: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static WORK: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static NO_SYNC: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static SAMPLER: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

// ----- ReduceOp and Work ------------------------------------------------------

/// `dist.ReduceOp.SUM` and friends.
struct ReduceOpObj(ReduceOp);

impl Object for ReduceOpObj {
    fn class(&self) -> Rc<Class> {
        class_in(&REDUCE_OP, "ReduceOp")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!("<RedOpType.{}>", self.0.name()))
    }
}

/// The handle `async_op=True` returns: the work is already done.
struct WorkObj;

impl Object for WorkObj {
    fn class(&self) -> Rc<Class> {
        class_in(&WORK, "Work")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok("<torch.distributed.Work (completed)>".into())
    }
}

#[rustfmt::skip]
const WORK_METHODS: &[Row] = &[
    row("wait(self, timeout=None)", "Waits for the collective (it has finished: collectives here are synchronous); True.", work_wait),
    row("is_completed(self)", "True: the collective has finished.", work_wait),
];

fn work_wait(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(true))
}

/// A collective's result: None, or a finished work handle for `async_op`.
fn done(async_op: bool) -> PyResult<Value> {
    Ok(if async_op {
        Value::object(WorkObj)
    } else {
        Value::None
    })
}

fn op_arg(b: &Bound, i: usize) -> PyResult<ReduceOp> {
    match b.value(i) {
        Value::None => Ok(ReduceOp::Sum),
        v => v.downcast::<ReduceOpObj>().map(|o| o.0).ok_or_else(|| {
            type_error(format!(
                "op must be a torch.distributed.ReduceOp, not {}",
                v.type_name()
            ))
        }),
    }
}

fn no_group(b: &Bound, i: usize) -> PyResult<()> {
    if b.is_none(i) {
        Ok(())
    } else {
        Err(exc(
            "NotImplementedError",
            "only the default process group (group=None) here",
        ))
    }
}

fn tensors(it: &mut Interp, v: &Value) -> PyResult<Vec<Tensor>> {
    let mut out = Vec::new();
    for x in it.collect(v)? {
        match x.downcast::<Tensor>() {
            Some(t) => out.push(t.clone()),
            None => {
                return Err(type_error(format!(
                    "expected a list of tensors, found {}",
                    x.type_name()
                )))
            }
        }
    }
    Ok(out)
}

fn rank_arg(b: &Bound, i: usize, what: &str) -> PyResult<usize> {
    usize::try_from(b.int(i)?).map_err(|_| exc("ValueError", format!("{what} must be >= 0")))
}

// ----- torch.distributed ------------------------------------------------------

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("is_available()", "True: torch.distributed is here (which backends, see is_mpi_available and is_nccl_available).", is_available),
    row("is_mpi_available()", "Whether this build has Open MPI (the `distributed` cargo feature).", is_mpi_available),
    row("is_gloo_available()", "Whether the CPU backend is here ('gloo' runs on Open MPI).", is_mpi_available),
    row("is_nccl_available()", "Whether this build has NCCL (the `cuda` and `distributed` features).", is_nccl_available),
    row("is_initialized()", "Whether init_process_group has run.", is_initialized),
    row("is_torchelastic_launched()", "Whether launched with the launcher's variables set (mpirun, or torchrun's RANK/WORLD_SIZE).", is_launched),
    row("init_process_group(str? backend=None, str? init_method=None, object timeout=None, int world_size=-1, int rank=-1, object store=None, str group_name='', object pg_options=None, object device_id=None)", "Joins the default process group: backend 'gloo' or 'mpi' (CPU tensors, over Open MPI), 'nccl' (CUDA tensors); None is 'gloo'. Run under mpirun -np N; alone, the world has one rank. timeout (seconds or a timedelta) bounds each collective's wait.", init_process_group),
    row("destroy_process_group(group=None)", "Leaves the default group (every rank calls it).", destroy_process_group),
    row("get_rank(group=None)", "This process's rank in the default group.", get_rank),
    row("get_world_size(group=None)", "The number of ranks in the default group.", get_world_size),
    row("get_backend(group=None)", "The default group's backend name.", get_backend),
    row("barrier(group=None, bool async_op=False, device_ids=None)", "Waits until every rank has reached it.", barrier),
    row("all_reduce(Tensor tensor, op=None, group=None, bool async_op=False)", "Reduces tensor over every rank in place (op: ReduceOp.SUM by default, AVG, MAX, MIN, PRODUCT); every rank gets the same bits.", all_reduce),
    row("broadcast(Tensor tensor, int src, group=None, bool async_op=False)", "Copies rank src's tensor into every rank's tensor.", broadcast),
    row("all_gather(tensor_list, Tensor tensor, group=None, bool async_op=False)", "Fills tensor_list[r] with rank r's tensor, on every rank.", all_gather),
    row("all_gather_into_tensor(Tensor output_tensor, Tensor input_tensor, group=None, bool async_op=False)", "Every rank's input concatenated along dim 0 into output_tensor.", all_gather_into_tensor),
    row("reduce_scatter(Tensor output, input_list, op=None, group=None, bool async_op=False)", "output on rank r: the reduction over ranks of input_list[r].", reduce_scatter),
    row("reduce_scatter_tensor(Tensor output, Tensor input, op=None, group=None, bool async_op=False)", "output on rank r: the reduction over ranks of chunk r of input (split along dim 0).", reduce_scatter_tensor),
    row("gather(Tensor tensor, gather_list=None, int dst=0, group=None, bool async_op=False)", "Rank dst's gather_list[r] receives rank r's tensor.", gather),
    row("scatter(Tensor tensor, scatter_list=None, int src=0, group=None, bool async_op=False)", "Rank r's tensor receives rank src's scatter_list[r].", scatter),
];

fn is_available(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(dist::is_available()))
}

fn is_mpi_available(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(dist::is_mpi_available()))
}

fn is_nccl_available(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(dist::is_nccl_available()))
}

fn is_initialized(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(dist::is_initialized()))
}

fn is_launched(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::Bool(dist::launch_env().is_some()))
}

/// A timeout: seconds, or anything with `total_seconds()` (a timedelta).
fn timeout(it: &mut Interp, v: &Value) -> PyResult<Duration> {
    let secs = match v {
        Value::None => return Ok(dist::DEFAULT_TIMEOUT),
        Value::Int(n) => *n as f64,
        Value::Float(f) => *f,
        other => match it.call_method(other, "total_seconds", Args::default())? {
            Value::Int(n) => n as f64,
            Value::Float(f) => f,
            _ => {
                return Err(type_error(
                    "timeout must be a number of seconds or a timedelta",
                ))
            }
        },
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(exc("ValueError", "timeout must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn init_process_group(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let backend = b.opt_str(0)?.unwrap_or("gloo").to_string();
    let t = timeout(it, b.value(2))?;
    dist::init_process_group_with(&backend, t).py()?;
    // An explicit world size or rank must be the launcher's.
    for (i, what, actual) in [
        (3, "world_size", dist::get_world_size().py()?),
        (4, "rank", dist::get_rank().py()?),
    ] {
        let asked = b.int(i)?;
        if asked >= 0 && asked as usize != actual {
            return Err(exc(
                "ValueError",
                format!("init_process_group({what}={asked}), but the launch gives {what} {actual}"),
            ));
        }
    }
    Ok(Value::None)
}

fn destroy_process_group(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 0)?;
    dist::destroy_process_group().py()?;
    Ok(Value::None)
}

fn get_rank(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 0)?;
    Ok(Value::Int(dist::get_rank().py()? as i64))
}

fn get_world_size(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 0)?;
    Ok(Value::Int(dist::get_world_size().py()? as i64))
}

fn get_backend(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 0)?;
    Ok(Value::str(&dist::get_backend().py()?))
}

fn barrier(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 0)?;
    dist::barrier().py()?;
    done(b.bool(1)?)
}

fn all_reduce(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 2)?;
    dist::all_reduce(b.tensor(0)?, op_arg(&b, 1)?).py()?;
    done(b.bool(3)?)
}

fn broadcast(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 2)?;
    dist::broadcast(b.tensor(0)?, rank_arg(&b, 1, "src")?).py()?;
    done(b.bool(3)?)
}

fn all_gather(it: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 2)?;
    let list = tensors(it, b.value(0))?;
    dist::all_gather(&list, b.tensor(1)?).py()?;
    done(b.bool(3)?)
}

fn all_gather_into_tensor(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 2)?;
    dist::all_gather_into_tensor(b.tensor(0)?, b.tensor(1)?).py()?;
    done(b.bool(3)?)
}

fn reduce_scatter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 3)?;
    let list = tensors(it, b.value(1))?;
    dist::reduce_scatter(b.tensor(0)?, &list, op_arg(&b, 2)?).py()?;
    done(b.bool(4)?)
}

fn reduce_scatter_tensor(_: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 3)?;
    dist::reduce_scatter_tensor(b.tensor(0)?, b.tensor(1)?, op_arg(&b, 2)?).py()?;
    done(b.bool(4)?)
}

fn opt_tensors(it: &mut Interp, v: &Value) -> PyResult<Option<Vec<Tensor>>> {
    match v {
        Value::None => Ok(None),
        v => tensors(it, v).map(Some),
    }
}

fn gather(it: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 3)?;
    let list = opt_tensors(it, b.value(1))?;
    dist::gather(b.tensor(0)?, list.as_deref(), rank_arg(&b, 2, "dst")?).py()?;
    done(b.bool(4)?)
}

fn scatter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    no_group(&b, 3)?;
    let list = opt_tensors(it, b.value(1))?;
    dist::scatter(b.tensor(0)?, list.as_deref(), rank_arg(&b, 2, "src")?).py()?;
    done(b.bool(4)?)
}

// ----- DistributedDataParallel ------------------------------------------------

/// The engine's DDP over the wrapped module, kept in the wrapper's
/// module state.
type Ddp = DistributedDataParallel<LangModule>;

#[rustfmt::skip]
const DDP_METHODS: &[Row] = &[
    row("__init__(self, module, device_ids=None, output_device=None, int dim=0, bool broadcast_buffers=True, object process_group=None, float bucket_cap_mb=25, bool find_unused_parameters=False, bool check_reduction=False, bool gradient_as_bucket_view=False, bool static_graph=False)", "DistributedDataParallel(module): rank 0's parameters and buffers go to every rank (an error if the ranks' models differ); each backward averages the gradients over the ranks in buckets of bucket_cap_mb, ready before optimizer.step(). The wrapped module is .module.", ddp_init),
    raw("forward(self, *inputs, **kwargs)", "Prepares the gradient reduction (and sends rank 0's buffers), then runs the wrapped module.", ddp_forward),
    row("no_sync(self)", "A context manager: backwards inside it accumulate gradients locally, without communication (gradient accumulation).", ddp_no_sync),
];

fn ddp_of(v: &Value) -> PyResult<Rc<Ddp>> {
    let Value::Instance(i) = v else {
        return Err(type_error("expected a DistributedDataParallel"));
    };
    state_of(i)
        .and_then(|st| st.native.borrow().clone())
        .and_then(|n| n.downcast::<Ddp>().ok())
        .ok_or_else(|| {
            exc(
                "RuntimeError",
                "DistributedDataParallel was not initialised",
            )
        })
}

fn ddp_init(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let this = b.value(0).clone();
    let inner = match b.value(1) {
        Value::Instance(i) if state_of(i).is_some() => i.clone(),
        other => {
            return Err(type_error(format!(
                "DistributedDataParallel wraps an nn.Module, not {}",
                other.type_name()
            )))
        }
    };
    if !b.is_none(6) {
        return Err(exc(
            "NotImplementedError",
            "only the default process group (process_group=None) here",
        ));
    }
    let opts = DdpOptions {
        bucket_cap_mb: b.float(7)?,
        broadcast_buffers: b.bool(5)?,
        process_group: None,
    };
    let ddp = DistributedDataParallel::with_options(LangModule(inner.clone()), opts).py()?;
    let st = init_module(it, &this)?;
    it.object_setattr(&this, "module", Value::Instance(inner))?;
    *st.native.borrow_mut() = Some(Rc::new(ddp));
    Ok(Value::None)
}

fn ddp_forward(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut a = a;
    if a.pos.is_empty() {
        return Err(type_error("forward() needs self"));
    }
    let this = a.pos.remove(0);
    let ddp = ddp_of(&this)?;
    ddp.pre_forward().py()?;
    let inner = it.get_attr(&this, "module")?;
    it.call(&inner, a)
}

/// `with ddp.no_sync():`.
struct NoSyncObj {
    ddp: Rc<Ddp>,
    prev: Cell<bool>,
}

impl Object for NoSyncObj {
    fn class(&self) -> Rc<Class> {
        class_in(&NO_SYNC, "no_sync")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok("<DistributedDataParallel.no_sync context>".into())
    }
}

#[rustfmt::skip]
const NO_SYNC_METHODS: &[Row] = &[
    row("__enter__(self)", "Turns gradient synchronisation off.", no_sync_enter),
    row("__exit__(self, exc_type, exc_value, traceback)", "Turns it back as it was.", no_sync_exit),
];

fn ddp_no_sync(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::object(NoSyncObj {
        ddp: ddp_of(b.value(0))?,
        prev: Cell::new(true),
    }))
}

fn no_sync_obj<'a>(b: &'a Bound) -> PyResult<&'a NoSyncObj> {
    b.value(0)
        .downcast::<NoSyncObj>()
        .ok_or_else(|| type_error("expected a no_sync context"))
}

fn no_sync_enter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let c = no_sync_obj(&b)?;
    c.prev.set(c.ddp.require_backward_grad_sync());
    c.ddp.set_require_backward_grad_sync(false);
    Ok(b.value(0).clone())
}

fn no_sync_exit(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let c = no_sync_obj(&b)?;
    c.ddp.set_require_backward_grad_sync(c.prev.get());
    Ok(Value::Bool(false))
}

// ----- DistributedSampler -------------------------------------------------------

/// `DistributedSampler(dataset, num_replicas=None, rank=None, shuffle=True,
/// seed=0, drop_last=False)`.
struct SamplerObj(DistributedSampler);

impl Object for SamplerObj {
    fn class(&self) -> Rc<Class> {
        class_in(&SAMPLER, "DistributedSampler")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<torch.utils.data.distributed.DistributedSampler object at 0x{:x}>",
            self as *const Self as usize
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        let s = &self.0;
        let int = |n: usize| Some(Value::Int(n as i64));
        Ok(match name {
            "num_replicas" => int(s.num_replicas()),
            "rank" => int(s.rank()),
            "num_samples" => int(s.num_samples()),
            "total_size" => int(s.total_size()),
            "epoch" => Some(Value::Int(s.epoch() as i64)),
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["num_replicas", "rank", "num_samples", "total_size", "epoch"]
    }
}

const SAMPLER_NEW: Row = row(
    "DistributedSampler(dataset, int? num_replicas=None, int? rank=None, bool shuffle=True, int seed=0, bool drop_last=False)",
    "This rank's share of the dataset's indices: every num_replicas-th of one shuffled (seed + epoch) order, padded to an even split (or dropped with drop_last); call set_epoch(e) each epoch. num_replicas and rank default to the process group's.",
    sampler_new,
);

#[rustfmt::skip]
const SAMPLER_METHODS: &[Row] = &[
    row("__iter__(self)", "This rank's indices for the current epoch.", sampler_iter),
    row("__len__(self)", "The number of indices per rank and epoch.", sampler_len),
    row("set_epoch(self, int epoch)", "The epoch whose shuffle the next iteration uses (the same on every rank).", set_epoch),
];

fn sampler_new(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let n = it.len(b.value(0))?;
    let opt = |i: usize, what: &str| -> PyResult<Option<usize>> {
        b.opt_int(i)?
            .map(|v| {
                usize::try_from(v).map_err(|_| exc("ValueError", format!("{what} must be >= 0")))
            })
            .transpose()
    };
    let s = DistributedSampler::new(
        n as usize,
        opt(1, "num_replicas")?,
        opt(2, "rank")?,
        b.bool(3)?,
        b.int(4)? as u64,
        b.bool(5)?,
    )
    .py()?;
    Ok(Value::object(SamplerObj(s)))
}

fn sampler_of<'a>(b: &'a Bound) -> PyResult<&'a DistributedSampler> {
    b.value(0)
        .downcast::<SamplerObj>()
        .map(|s| &s.0)
        .ok_or_else(|| type_error("expected a DistributedSampler"))
}

fn sampler_iter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let idx = sampler_of(&b)?.indices();
    let items = idx.into_iter().map(|i| Value::Int(i as i64)).collect();
    let list = Value::list(items);
    Ok(Value::iter(crate::eval::value::Iter::List {
        list: match list {
            Value::List(l) => l,
            _ => unreachable!("made as a list"),
        },
        pos: 0,
    }))
}

fn sampler_len(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::Int(sampler_of(&b)?.num_samples() as i64))
}

fn set_epoch(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let e = u64::try_from(b.int(1)?).map_err(|_| exc("ValueError", "epoch must be >= 0"))?;
    sampler_of(&b)?.set_epoch(e);
    Ok(Value::None)
}

// ----- install --------------------------------------------------------------------

/// Registers `torch.distributed`, `torch.nn.parallel` and
/// `torch.utils.data.distributed` (after `nn` and `data`).
pub fn install(it: &mut Interp) {
    let object = it.types.object.clone();
    let d = module(
        it,
        "torch.distributed",
        "Process groups and collectives: run the script under mpirun -np N.",
    );
    into_module(&d, "torch.distributed", FUNCTIONS, Style::Torch);
    let op = super::class(
        "ReduceOp",
        "torch.distributed",
        &[&object],
        "How all_reduce combines: ReduceOp.SUM, AVG, MAX, MIN, PRODUCT.",
    );
    for o in [
        ReduceOp::Sum,
        ReduceOp::Avg,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::Product,
    ] {
        op.set(o.name(), Value::object(ReduceOpObj(o)));
    }
    set_class(&REDUCE_OP, &op);
    d.set("ReduceOp", Value::Class(op));
    let work = super::class(
        "Work",
        "torch.distributed",
        &[&object],
        "A collective's handle.",
    );
    into_class(&work, WORK_METHODS, Style::Python);
    set_class(&WORK, &work);

    let nn_module = match it.modules.get("torch.nn") {
        Some(Value::Module(m)) => m.get("Module"),
        _ => None,
    };
    if let Some(Value::Class(base)) = nn_module {
        let par = module(it, "torch.nn.parallel", "Data parallelism over processes.");
        let ddp = super::class(
            "DistributedDataParallel",
            "torch.nn.parallel.distributed",
            &[&base],
            DDP_METHODS[0].doc,
        );
        into_class(&ddp, DDP_METHODS, Style::Python);
        par.set("DistributedDataParallel", Value::Class(ddp.clone()));
        let sub = module(
            it,
            "torch.nn.parallel.distributed",
            "Part of torch.nn.parallel.",
        );
        sub.set("DistributedDataParallel", Value::Class(ddp));
    }
    let ns = super::class("no_sync", "torch.nn.parallel.distributed", &[&object], "");
    into_class(&ns, NO_SYNC_METHODS, Style::Python);
    set_class(&NO_SYNC, &ns);

    let sampler = super::class(
        "DistributedSampler",
        "torch.utils.data.distributed",
        &[&object],
        SAMPLER_NEW.doc,
    );
    into_class(&sampler, SAMPLER_METHODS, Style::Python);
    *sampler.new.borrow_mut() =
        Some(crate::bind::Def::from_row("torch.utils.data", &SAMPLER_NEW, Style::Torch).value());
    set_class(&SAMPLER, &sampler);
    let m = module(
        it,
        "torch.utils.data.distributed",
        "DistributedSampler: each rank's share of a dataset.",
    );
    m.set("DistributedSampler", Value::Class(sampler));
}
