//! `torch.nn.parallel.DistributedDataParallel`: data parallel training
//! where every rank holds the whole model and gradients are averaged.
//!
//! At construction the ranks check that their models have the same
//! parameters and buffers (names, shapes, dtypes) and take rank 0's values.
//! Gradient reduction runs inside `backward()`: each parameter's
//! post-accumulate-grad hook marks it ready; a bucket (bucket.rs, about
//! 25 MB, reverse registration order) is all-reduced (AVG) as soon as all
//! its parameters are ready and every earlier bucket has gone, so buckets
//! go in the same order on every rank; a callback at the end of backward
//! sends whatever is left. So `.grad` holds the average over ranks when
//! `backward()` returns, before `optimizer.step()`.
//!
//! Whether a backward reduces is decided by the forward that built its
//! graph, as in PyTorch: inside `no_sync()` (or with grad mode off) the
//! forward does not prepare a reduction and the gradients accumulate
//! locally; the first backward after leaving it reduces the accumulated
//! sums. A parameter no gradient reached on this rank contributes zeros
//! (PyTorch's `find_unused_parameters=True` behaviour); one no rank used
//! ends with a zero gradient where PyTorch would leave `None`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::bucket::{self, ParamInfo};
use super::collectives::{self, assign};
use super::group::{agree, Call, Kind, ProcessGroup, ReduceOp};
use crate::autograd::{self, RemovableHandle};
use crate::nn::{Module, ModuleExt};
use crate::{Error, Result, Tensor};

/// `DistributedDataParallel(module, ...)`'s options.
#[derive(Clone)]
pub struct DdpOptions {
    /// `bucket_cap_mb`: the gradient bucket size (MiB), 25 as PyTorch.
    pub bucket_cap_mb: f64,
    /// `broadcast_buffers`: rank 0's buffers are sent to every rank at each forward.
    pub broadcast_buffers: bool,
    /// `process_group`: the default group when `None`.
    pub process_group: Option<Arc<dyn ProcessGroup>>,
}

impl Default for DdpOptions {
    fn default() -> Self {
        DdpOptions {
            bucket_cap_mb: 25.0,
            broadcast_buffers: true,
            process_group: None,
        }
    }
}

/// One backward's progress.
struct Iteration {
    /// Set by a forward that wants its backward reduced.
    expecting: bool,
    ready: Vec<bool>,
    /// Per bucket: parameters not yet ready.
    left: Vec<usize>,
    /// The next bucket to send.
    next: usize,
    callback_queued: bool,
}

/// The state the parameters' hooks share.
struct Reducer {
    group: Arc<dyn ProcessGroup>,
    /// Parameters that require grad, in registration order, and their names.
    params: Vec<Tensor>,
    names: Vec<String>,
    buckets: Vec<Vec<usize>>,
    bucket_of: Vec<usize>,
    require_sync: AtomicBool,
    iter: Mutex<Iteration>,
}

impl Reducer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Iteration> {
        self.iter.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, expecting: bool) -> Iteration {
        Iteration {
            expecting,
            ready: vec![false; self.params.len()],
            left: self.buckets.iter().map(|b| b.len()).collect(),
            next: 0,
            callback_queued: false,
        }
    }

    fn prepare_for_backward(&self) {
        let sync = self.require_sync.load(Ordering::Acquire) && autograd::is_grad_enabled();
        *self.lock() = self.fresh(sync);
    }

    /// The hook of parameter `i`: its gradient is final for this backward.
    fn mark_ready(self: &Arc<Self>, i: usize) -> Result<()> {
        let mut st = self.lock();
        if !st.expecting {
            return Ok(());
        }
        if st.ready[i] {
            return Err(Error::Autograd(format!(
                "Expected to mark a variable ready only once. Parameter {} got a second gradient in one DistributedDataParallel iteration: run the DDP module's forward again before each backward",
                self.names[i]
            )));
        }
        st.ready[i] = true;
        st.left[self.bucket_of[i]] -= 1;
        if !st.callback_queued {
            st.callback_queued = true;
            let weak = Arc::downgrade(self);
            autograd::queue_callback(move || weak.upgrade().map_or(Ok(()), |r| r.finish()))?;
        }
        while st.next < self.buckets.len() && st.left[st.next] == 0 {
            self.reduce_bucket(st.next, &st.ready)?;
            st.next += 1;
        }
        Ok(())
    }

    /// End of backward: sends the buckets still waiting, in order.
    fn finish(&self) -> Result<()> {
        let mut st = self.lock();
        if !st.expecting {
            return Ok(());
        }
        while st.next < self.buckets.len() {
            self.reduce_bucket(st.next, &st.ready)?;
            st.next += 1;
        }
        st.expecting = false;
        Ok(())
    }

    /// Averages bucket `b`'s gradients over the ranks and sets each
    /// parameter's `.grad` to its slice of the result.
    fn reduce_bucket(&self, b: usize, ready: &[bool]) -> Result<()> {
        let _ng = autograd::no_grad();
        let grads = self.buckets[b]
            .iter()
            .map(|&i| {
                let p = &self.params[i];
                let g = match p.grad().filter(|_| ready[i]) {
                    Some(g) => g,
                    None => Tensor::zeros_like(p)?,
                };
                g.reshape(&[-1])
            })
            .collect::<Result<Vec<_>>>()?;
        let flat = Tensor::cat(&grads.iter().collect::<Vec<_>>(), 0)?;
        collectives::all_reduce(&*self.group, &flat, ReduceOp::Avg)?;
        let mut at = 0;
        for &i in &self.buckets[b] {
            let p = &self.params[i];
            let n = p.numel();
            let g = flat.narrow(0, at as i64, n)?.reshape_to(p.shape())?;
            p.set_grad(Some(g))?;
            at += n;
        }
        Ok(())
    }
}

/// `DistributedDataParallel(module)`: wraps `module` (its parameters
/// become `module.<name>`, as in PyTorch) and averages gradients across
/// the process group in every backward that follows a forward through it.
pub struct DistributedDataParallel<M: Module> {
    module: M,
    reducer: Arc<Reducer>,
    hooks: Vec<RemovableHandle>,
    broadcast_buffers: bool,
    training: bool,
}

/// Describes every parameter and buffer, one per line, for the model check.
fn describe(module: &dyn Module) -> Vec<String> {
    let kind = |k: &str, (n, t): (String, Tensor)| {
        format!(
            "{k} {n} of shape {:?} and dtype {}",
            t.shape(),
            t.dtype().name()
        )
    };
    let ps = module
        .named_parameters()
        .into_iter()
        .map(|p| kind("parameter", p));
    let bs = module
        .named_buffers()
        .into_iter()
        .map(|b| kind("buffer", b));
    ps.chain(bs).collect()
}

/// The same verdict on every rank: rank 0's model against each other rank's.
fn check_same_model(g: &dyn ProcessGroup, mine: &[String]) -> Result<()> {
    agree(g, Kind::ModelCheck, Ok(Call::new(Kind::ModelCheck)))?;
    let all = g.all_gather_bytes(mine.join("\n").as_bytes())?;
    let lines: Vec<Vec<String>> = all
        .iter()
        .map(|b| {
            let s = String::from_utf8_lossy(b);
            s.lines().map(str::to_string).collect()
        })
        .collect();
    let head = "DistributedDataParallel expects the same model on every rank, but";
    for (r, other) in lines.iter().enumerate().skip(1) {
        if let Some(k) =
            (0..lines[0].len().max(other.len())).find(|&k| lines[0].get(k) != other.get(k))
        {
            return Err(Error::invalid(match (lines[0].get(k), other.get(k)) {
                (Some(a), Some(b)) => format!("{head} rank 0 has {a} where rank {r} has {b}"),
                _ => format!(
                    "{head} rank 0 has {} parameters and buffers while rank {r} has {}",
                    lines[0].len(),
                    other.len()
                ),
            }));
        }
    }
    Ok(())
}

/// Rank 0's values of `tensors`, written in place on every rank, sent in
/// flat groups of one dtype and device (at most 250 MB each).
fn sync_from_rank0(g: &dyn ProcessGroup, tensors: &[Tensor]) -> Result<()> {
    let _ng = autograd::no_grad();
    let info: Vec<ParamInfo> = tensors
        .iter()
        .map(|t| ParamInfo {
            dtype: t.dtype(),
            device: t.device(),
            numel: t.numel(),
        })
        .collect();
    for group in bucket::assign(&info, 250 << 20) {
        let parts = group
            .iter()
            .map(|&i| tensors[i].reshape(&[-1]))
            .collect::<Result<Vec<_>>>()?;
        let flat = Tensor::cat(&parts.iter().collect::<Vec<_>>(), 0)?;
        collectives::broadcast(g, &flat, 0)?;
        let mut at = 0;
        for &i in &group {
            let n = tensors[i].numel();
            assign(&tensors[i], &flat.narrow(0, at as i64, n)?)?;
            at += n;
        }
    }
    Ok(())
}

impl<M: Module> DistributedDataParallel<M> {
    /// `DistributedDataParallel(module)` on the default group.
    pub fn new(module: M) -> Result<Self> {
        Self::with_options(module, DdpOptions::default())
    }

    pub fn with_options(module: M, opts: DdpOptions) -> Result<Self> {
        let group = match opts.process_group {
            Some(g) => g,
            None => super::default_group()?,
        };
        check_same_model(&*group, &describe(&module))?;
        let state: Vec<Tensor> = module
            .named_parameters()
            .into_iter()
            .chain(module.named_buffers())
            .map(|(_, t)| t)
            .collect();
        sync_from_rank0(&*group, &state)?;
        let (names, params): (Vec<String>, Vec<Tensor>) = module
            .named_parameters()
            .into_iter()
            .filter(|(_, p)| p.requires_grad())
            .unzip();
        let info: Vec<ParamInfo> = params
            .iter()
            .map(|p| ParamInfo {
                dtype: p.dtype(),
                device: p.device(),
                numel: p.numel(),
            })
            .collect();
        let buckets = bucket::assign(&info, bucket::cap_bytes(opts.bucket_cap_mb));
        let mut bucket_of = vec![0; params.len()];
        for (b, idx) in buckets.iter().enumerate() {
            for &i in idx {
                bucket_of[i] = b;
            }
        }
        let reducer = Arc::new(Reducer {
            group,
            params,
            names,
            buckets,
            bucket_of,
            require_sync: AtomicBool::new(true),
            iter: Mutex::new(Iteration {
                expecting: false,
                ready: Vec::new(),
                left: Vec::new(),
                next: 0,
                callback_queued: false,
            }),
        });
        let mut hooks = Vec::new();
        for (i, p) in reducer.params.iter().enumerate() {
            let weak: Weak<Reducer> = Arc::downgrade(&reducer);
            hooks.push(
                p.register_post_accumulate_grad_hook(Arc::new(move |_: &Tensor| {
                    weak.upgrade().map_or(Ok(()), |r| r.mark_ready(i))
                }))?,
            );
        }
        let training = module.training();
        Ok(DistributedDataParallel {
            module,
            reducer,
            hooks,
            broadcast_buffers: opts.broadcast_buffers,
            training,
        })
    }

    /// `ddp.module`.
    pub fn module(&self) -> &M {
        &self.module
    }

    pub fn module_mut(&mut self) -> &mut M {
        &mut self.module
    }

    /// The process group gradients are averaged over.
    pub fn process_group(&self) -> &Arc<dyn ProcessGroup> {
        &self.reducer.group
    }

    /// What the forward does before the module's own: sends rank 0's
    /// buffers (with `broadcast_buffers`) and prepares the next backward's
    /// reduction. `forward` calls it; a caller that runs the wrapped
    /// module's forward itself (with other arguments) calls it first.
    pub fn pre_forward(&self) -> Result<()> {
        if self.broadcast_buffers && self.reducer.group.size() > 1 {
            let bufs: Vec<Tensor> = self
                .module
                .named_buffers()
                .into_iter()
                .map(|(_, b)| b)
                .collect();
            if !bufs.is_empty() {
                sync_from_rank0(&*self.reducer.group, &bufs)?;
            }
        }
        self.reducer.prepare_for_backward();
        Ok(())
    }

    /// `with ddp.no_sync():` as a guard: backwards of forwards run while it
    /// lives accumulate gradients locally, without communication.
    pub fn no_sync(&self) -> NoSyncGuard<'_> {
        let prev = self.reducer.require_sync.swap(false, Ordering::AcqRel);
        NoSyncGuard {
            flag: &self.reducer.require_sync,
            prev,
        }
    }

    /// `ddp.require_backward_grad_sync = on` (what `no_sync` toggles).
    pub fn set_require_backward_grad_sync(&self, on: bool) {
        self.reducer.require_sync.store(on, Ordering::Release);
    }

    pub fn require_backward_grad_sync(&self) -> bool {
        self.reducer.require_sync.load(Ordering::Acquire)
    }

    /// The gradient buckets in launch order, as parameter names (of the
    /// wrapped module) in each bucket's layout order.
    pub fn bucket_names(&self) -> Vec<Vec<String>> {
        self.reducer
            .buckets
            .iter()
            .map(|b| b.iter().map(|&i| self.reducer.names[i].clone()).collect())
            .collect()
    }
}

impl<M: Module> Drop for DistributedDataParallel<M> {
    fn drop(&mut self) {
        for h in &self.hooks {
            h.remove();
        }
    }
}

/// Restores gradient synchronisation when dropped.
pub struct NoSyncGuard<'a> {
    flag: &'a AtomicBool,
    prev: bool,
}

impl Drop for NoSyncGuard<'_> {
    fn drop(&mut self) {
        self.flag.store(self.prev, Ordering::Release);
    }
}

impl<M: Module> Module for DistributedDataParallel<M> {
    fn type_name(&self) -> String {
        "DistributedDataParallel".into()
    }

    fn forward(&self, input: &Tensor) -> Result<Tensor> {
        self.pre_forward()?;
        self.module.forward(input)
    }

    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("module", &self.module);
    }

    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("module", &mut self.module);
    }

    fn training(&self) -> bool {
        self.training
    }

    fn set_training(&mut self, on: bool) {
        self.training = on;
    }
}
