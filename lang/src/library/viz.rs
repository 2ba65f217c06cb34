//! tinytorch's pictures in the language: `plot`, `graph`, `show` (global
//! names, also `from tinytorch import plot, graph, show`) and `tqdm` (`from
//! tqdm import tqdm`). The engine draws (`tinytorch::viz`); this file turns
//! language values into its inputs and hands the results to the session's
//! [`OutputSink`](crate::OutputSink): `display` / `update_display` for
//! pictures, `progress` for bars.
//!
//! Progress bars live in a per-thread table (one evaluator thread per
//! session) keyed by a number stored on the `tqdm` instance. A `for` loop
//! over a bar owns a guard; when the loop ends early (`break`, an exception)
//! the guard's drop queues the bar's final state, and [`flush_closed`]
//! writes it out at the next output (`print`, a picture, a new bar) or at
//! the end of the cell, so a bar always ends with a `done` update.

use crate::bind::{raw, row, Bound, Def, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Instance, Iter, Value};
use crate::eval::Interp;
use crate::library::EngineResult;
use crate::Display;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use tinytorch::viz::{MimeBundle, Progress};

const GRAPH_DOC: &str = "graph(t, *, display_id=None, names=None, steps=False) -> None

Shows the computation graph behind tensor t: one box per operation
(grad_fn name) and per leaf (marked when it requires grad), named by the
variables that hold them (the notebook's globals, or names= a dict of
name: tensor), with one-element values and signed gradients as
micrograd's draw_dot shows them (data, grad) and other gradients as norms
once backward has run. steps=True steps through the backward pass: one
picture per node, in the order backward() runs them, the current node
outlined, the ones before it done and the rest faded.

display_id (a tinytorch addition): a later call with the same id updates
the picture in place.

>>> x = torch.ones(2, requires_grad=True)
>>> graph((x * 2).sum())";

const SHOW_DOC: &str = "show(t, *, display_id=None, labels=None, title=None, captions=None) -> None

Shows tensor t as a picture: a heatmap for 2-D, an image grid for
(N, C, H, W) or (N, H, W) batches, bars for 1-D.

display_id (a tinytorch addition): a later call with the same id updates
the picture in place. labels names the rows and columns of the last two
dims: one list for both (the tokens of an attention map) or a pair
(row labels, column labels); title captions the picture; captions puts
one text under each image of a batch (e.g. \"pred 3 / true 5\").

>>> show(torch.eye(3))";

const TQDM_DOC: &str = "tqdm(iterable=None, desc=None, total=None, leave=True, ..., disable=False, unit='it', initial=0, postfix=None)

Iterates over iterable, showing a progress bar with the count, rate, ETA and
a postfix; in the terminal it is redrawn in place, in a notebook cell it is
an updating HTML bar. total defaults to len(iterable). Methods:
set_postfix(ordered_dict=None, refresh=True, **kwargs), set_description(desc),
update(n=1), refresh(), close(); usable as a context manager.

>>> for i in tqdm(range(3), desc='epochs'):
...     pass";

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    row("graph(Tensor t, *, str? display_id=None, object names=None, bool steps=False)", GRAPH_DOC, graph),
    row("show(Tensor t, *, str? display_id=None, object labels=None, str? title=None, object captions=None)", SHOW_DOC, show),
];

/// In the `tinytorch` module only (not builtins).
const MODULE_ONLY: &[Row] = &[row(
    "show_on_all_ranks(bool on=True)",
    "Under mpirun only rank 0 shows pictures and progress bars (the others would repeat them); tinytorch.show_on_all_ranks() lets every rank show its own.",
    show_on_all_ranks,
)];

thread_local! {
    /// Whether ranks other than 0 show pictures and bars (off by default).
    static ALL_RANKS: Cell<bool> = const { Cell::new(false) };
}

/// Whether this process keeps its pictures and progress bars to itself: a
/// rank other than 0 of a launch (mpirun's variables), unless asked.
fn quiet_rank() -> bool {
    !ALL_RANKS.with(Cell::get)
        && tinytorch::distributed::launch_env().is_some_and(|e| e.world_size > 1 && e.rank != 0)
}

fn show_on_all_ranks(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let on = b.bool(0)?;
    ALL_RANKS.with(|a| a.set(on));
    Ok(Value::None)
}

pub const TQDM: Row = row(
    "tqdm(iterable=None, desc=None, total=None, leave=True, file=None, ncols=None, mininterval=0.1, maxinterval=10.0, miniters=None, ascii=None, bool disable=False, str unit='it', unit_scale=False, dynamic_ncols=False, smoothing=0.3, bar_format=None, int initial=0, position=None, postfix=None)",
    TQDM_DOC,
    tqdm,
);

#[rustfmt::skip]
pub const TQDM_METHODS: &[Row] = &[
    raw("write(*args, **kwargs)", "write(s, file=None, end='\\n'): prints s without breaking the progress bars on screen.", write),
    raw("set_postfix(self, ordered_dict=None, refresh=True, **kwargs)", "Sets the key=value pairs shown after the rate.\n\n>>> bar = tqdm(total=2)\n>>> bar.set_postfix(loss=0.25)\n>>> bar.close()", set_postfix),
    row("set_description(self, desc=None, refresh=True)", "Sets the text before the bar.", set_description),
    row("update(self, n=1)", "Advances the bar by n.", update),
    row("refresh(self)", "Redraws the bar.", refresh),
    row("close(self)", "Finishes the bar (a for loop over the bar closes it at its end).", close),
    row("__enter__(self)", "The bar.", enter),
    row("__exit__(self, *exc)", "Closes the bar.", close),
    row("__iter__(self)", "The iterable's items, one step each.", iter),
    row("__len__(self)", "total, or the iterable's length.", len),
];

pub const TRANGE: Row = raw(
    "trange(*args, **kwargs)",
    "tqdm(range(*args), **kwargs).",
    trange,
);

pub fn install(it: &mut Interp) {
    let tt = super::module(it, "tinytorch", "tinytorch's own additions.");
    for r in FUNCTIONS {
        let d = Def::from_row("tinytorch", r, Style::Torch);
        let name = crate::protocol::Callable::name(&d).to_string();
        let v = d.value();
        tt.set(&name, v.clone());
        it.builtins.insert(Rc::from(name.as_str()), v);
    }
    crate::bind::into_module(&tt, "tinytorch", MODULE_ONLY, Style::Torch);
    let c = super::class("tqdm", "tqdm.std", &[&it.types.object], TQDM_DOC);
    *c.new.borrow_mut() = Some(Def::from_row("tqdm", &TQDM, Style::Python).value());
    crate::bind::into_class(&c, TQDM_METHODS, Style::Python);
    let tq = super::module(it, "tqdm", "Progress bars.");
    tq.set("tqdm", Value::Class(c.clone()));
    tq.set(
        "trange",
        Def::from_row("tqdm", &TRANGE, Style::Python).value(),
    );
    for m in ["tqdm.auto", "tqdm.notebook"] {
        let auto = super::module(it, m, "Progress bars.");
        auto.set("tqdm", Value::Class(c.clone()));
        auto.set(
            "trange",
            Def::from_row("tqdm", &TRANGE, Style::Python).value(),
        );
    }
}

// ---------------------------------------------------------------- pictures

thread_local! {
    /// Display ids shown by the running cell (the evaluator thread's).
    static SHOWN: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// A new cell starts: a display id belongs to the output that showed it
/// (IPython's rule), so its first use in this cell shows a new output
/// (a re-run cell gets its chart back) and later uses update that one.
pub fn new_cell() {
    SHOWN.with(|s| s.borrow_mut().clear());
}

/// Shows `bundle`, or updates the output first shown under `display_id`.
pub(crate) fn emit_picture(it: &mut Interp, bundle: MimeBundle, display_id: Option<String>) {
    emit(it, Display::rich(bundle), display_id)
}

/// Shows `d`, or updates the output first shown under `display_id`.
pub fn emit(it: &mut Interp, d: Display, display_id: Option<String>) {
    flush_closed(it);
    if quiet_rank() {
        return;
    }
    match display_id {
        None => it.out.display(&d, None),
        Some(id) => {
            let seen = SHOWN.with(|s| !s.borrow_mut().insert(id.clone()));
            if seen {
                it.out.update_display(&d, &id);
            } else {
                it.out.display(&d, Some(&id));
            }
        }
    }
}

fn opt_str(fname: &str, param: &str, v: Option<Value>) -> PyResult<Option<String>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.to_string())),
        Some(other) => Err(type_error(format!(
            "{fname}(): argument '{param}' must be str, not {}",
            other.type_name()
        ))),
    }
}

fn graph(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let mut view = t.graph_view();
    let held: Vec<(String, tinytorch::Tensor)> = match b.value(2) {
        Value::None => it
            .names
            .iter()
            .zip(&it.globals)
            .filter(|(n, _)| !n.starts_with('_'))
            .filter_map(|(n, v)| Some((n.to_string(), v.downcast::<tinytorch::Tensor>()?.clone())))
            .collect(),
        v => {
            let mut out = Vec::new();
            for k in it.collect(v)? {
                let x = it.get_item(v, &k)?;
                match (k, x.downcast::<tinytorch::Tensor>()) {
                    (Value::Str(n), Some(t)) => out.push((n.to_string(), t.clone())),
                    _ => {
                        return Err(crate::eval::error::type_error(
                            "graph(names=) takes a dict of name: tensor",
                        ))
                    }
                }
            }
            out
        }
    };
    if b.bool(3)? {
        let steps = t.backward_steps();
        if steps.is_empty() {
            return Err(crate::eval::error::exc(
                "RuntimeError",
                "graph(steps=True): the tensor has no autograd graph (no grad_fn)",
            ));
        }
        for (what, mut v) in steps {
            name_nodes(&mut v, t, &held);
            let bundle = tinytorch::viz::graph(&v)
                .map_err(tinytorch::Error::from)
                .py()?;
            it.out.write_stdout(&format!("{what}\n"));
            emit_picture(it, bundle, None);
        }
        return Ok(Value::None);
    }
    name_nodes(&mut view, t, &held);
    let bundle = tinytorch::viz::graph(&view)
        .map_err(tinytorch::Error::from)
        .py()?;
    emit_picture(it, bundle, b.opt_str(1)?.map(String::from));
    Ok(Value::None)
}

/// Names graph nodes after the variables holding their tensors: a leaf or
/// the output by its name, an op by the variable its result went to (with
/// a one-element result's value and retained gradient).
fn name_nodes(
    view: &mut tinytorch::viz::GraphView,
    root: &tinytorch::Tensor,
    held: &[(String, tinytorch::Tensor)],
) {
    use std::collections::HashMap;
    use tinytorch::viz::GraphKey;
    let mut by_key: HashMap<GraphKey, (&str, &tinytorch::Tensor)> = HashMap::new();
    for (n, t) in held {
        by_key.entry(GraphKey::Tensor(t.id())).or_insert((n, t));
        if let Some(f) = t.grad_fn() {
            by_key.entry(GraphKey::Node(f.id())).or_insert((n, t));
        }
    }
    let root_fn = root.grad_fn().map(|f| GraphKey::Node(f.id()));
    for node in &mut view.nodes {
        let Some(key) = node.key else { continue };
        let Some(&(name, t)) = by_key.get(&key) else {
            continue;
        };
        match key {
            GraphKey::Tensor(_) => node.label = name.to_string(),
            // The output's own op: the output box already has the name.
            GraphKey::Node(_) if Some(key) == root_fn => {}
            GraphKey::Node(_) => {
                node.caption = Some(name.to_string());
                if t.numel() == 1 {
                    node.value = t.detach().item().ok();
                    node.grad = t.grad().and_then(|g| g.item().ok());
                }
            }
        }
    }
}

fn show(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut view = b.tensor(0)?.tensor_view().py()?;
    if !b.is_none(2) {
        let (rows, cols) = super::figure::axis_labels(it, b.value(2))?;
        view = view.with_axis_labels(rows, cols);
    }
    if let Some(t) = b.opt_str(3)? {
        view = view.with_title(t);
    }
    if !b.is_none(4) {
        let mut caps = Vec::new();
        for c in it.collect(b.value(4))? {
            caps.push(it.to_str(&c)?);
        }
        if view.shape.len() == 3 {
            view.shape.insert(1, 1); // (N, H, W): greyscale images
        }
        let n = view.shape.first().copied().unwrap_or(0);
        if !view.is_image_batch() || caps.len() != n {
            return Err(exc(
                "ValueError",
                format!(
                    "show(): captions= needs one caption per image of an (N, C, H, W) or (N, H, W) batch; got {} for shape {:?}",
                    caps.len(),
                    view.shape
                ),
            ));
        }
        view = view.with_captions(caps);
    }
    let bundle = tinytorch::viz::show(&view)
        .map_err(tinytorch::Error::from)
        .py()?;
    emit_picture(it, bundle, b.opt_str(1)?.map(String::from));
    Ok(Value::None)
}

/// What a tensor shows as the last expression of a cell: its repr as
/// text/plain, and for notebooks an HTML form (a table for small 2-D
/// tensors, else the escaped repr in a `<pre>`). No picture: the terminal
/// prints the repr and saves nothing.
pub fn tensor_display(t: &tinytorch::Tensor, repr: String) -> Display {
    Display::rich(t.display_bundle(repr))
}

// ------------------------------------------------------------------- tqdm

struct Bar {
    key: String,
    p: Progress,
    disabled: bool,
}

thread_local! {
    /// Open bars by number.
    static BARS: RefCell<HashMap<i64, Bar>> = RefCell::new(HashMap::new());
    static NEXT_BAR: Cell<i64> = const { Cell::new(1) };
    /// Bars closed by a dropped loop, waiting for an output sink.
    static CLOSED: RefCell<Vec<(String, Progress)>> = const { RefCell::new(Vec::new()) };
}

/// Writes the final state of bars whose loop ended early (break, error).
/// Called before other output and at the end of every cell.
pub fn flush_closed(it: &mut Interp) {
    let done = CLOSED.with(|c| std::mem::take(&mut *c.borrow_mut()));
    if quiet_rank() {
        return;
    }
    for (key, p) in done {
        it.out.progress(&key, &p, true);
    }
}

/// Sends bar `id`'s state to the sink (after `f` changes it).
fn with_bar(it: &mut Interp, id: i64, done: bool, f: impl FnOnce(&mut Progress)) {
    let bar = BARS.with(|b| {
        let mut b = b.borrow_mut();
        let bar = b.get_mut(&id)?;
        f(&mut bar.p);
        if bar.disabled {
            return None;
        }
        Some((bar.key.clone(), bar.p.clone()))
    });
    if done {
        BARS.with(|b| b.borrow_mut().remove(&id));
    }
    if let Some((key, p)) = bar {
        if !quiet_rank() {
            it.out.progress(&key, &p, done);
        }
    }
}

/// Held by a `for` loop over a bar: closes the bar when the loop is dropped
/// without finishing.
struct LoopGuard(i64);

impl Drop for LoopGuard {
    fn drop(&mut self) {
        let bar = BARS
            .try_with(|b| b.borrow_mut().remove(&self.0))
            .ok()
            .flatten();
        if let Some(mut bar) = bar {
            if !bar.disabled {
                bar.p.update(0);
                let _ = CLOSED.try_with(|c| c.borrow_mut().push((bar.key, bar.p)));
            }
        }
    }
}

fn bar_id(v: &Value) -> PyResult<i64> {
    match v {
        Value::Instance(i) => match i.get("_bar") {
            Some(Value::Int(n)) => Ok(n),
            _ => Err(type_error("descriptor requires a 'tqdm' object")),
        },
        _ => Err(type_error(format!(
            "descriptor requires a 'tqdm' object but received a '{}'",
            v.type_name()
        ))),
    }
}

fn tqdm(it: &mut Interp, b: Bound) -> PyResult<Value> {
    flush_closed(it);
    let iterable = b.value(0).clone();
    let desc = b.opt(1).cloned();
    let total = b.opt(2).cloned();
    let disable = b.bool(10)?;
    let unit = b.opt(11).cloned();
    let initial = b.int(16)?;
    let postfix = b.opt(18).cloned();
    let desc = opt_str("tqdm", "desc", desc)?;
    let total = match total {
        None | Some(Value::None) => match &iterable {
            Value::None => None,
            v => it.len(v).ok(),
        },
        Some(v) => Some(super::figure::number("tqdm", "total", &v)? as i64),
    };
    let mut p = Progress::new(desc.as_deref(), total.map(|t| t.max(0) as u64));
    if let Some(u) = opt_str("tqdm", "unit", unit)? {
        p.unit = u;
    }
    p.count = initial.max(0) as u64;
    if let Some(Value::Dict(d)) = &postfix {
        let entries: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        p.postfix = postfix_pairs(it, entries)?;
    }
    let disabled = disable;
    let id = NEXT_BAR.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    BARS.with(|b| {
        b.borrow_mut().insert(
            id,
            Bar {
                key: format!("tqdm-{id}"),
                p,
                disabled,
            },
        )
    });
    with_bar(it, id, false, |_| {});
    let m = it.import("tqdm")?;
    let Ok(Value::Class(c)) = it.get_attr(&m, "tqdm") else {
        return Err(exc("RuntimeError", "tqdm.tqdm missing"));
    };
    let inst = Instance::new(c);
    inst.set("iterable", iterable);
    inst.set("total", total.map(Value::Int).unwrap_or(Value::None));
    inst.set("desc", desc.map(|d| Value::str(&d)).unwrap_or(Value::None));
    inst.set("disable", Value::Bool(disabled));
    inst.set("_bar", Value::Int(id));
    Ok(Value::instance(inst))
}

/// `for x in bar:` counts one step per item; the bar closes when the
/// iterable is exhausted, or through the guard when the loop stops early.
fn iter(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(0);
    let id = bar_id(v)?;
    let iterable = match v {
        Value::Instance(i) => i.get("iterable").unwrap_or(Value::None),
        _ => Value::None,
    };
    if matches!(iterable, Value::None) {
        return Err(type_error("'NoneType' object is not iterable"));
    }
    let inner = it.iter(&iterable)?;
    let guard = LoopGuard(id);
    let mut started = false;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            let _held = &guard;
            if started {
                with_bar(it, id, false, |p| p.update(1));
            }
            started = true;
            match it.next(&inner)? {
                Some(x) => Ok(Some(x)),
                None => {
                    with_bar(it, id, true, |p| p.update(0));
                    Ok(None)
                }
            }
        },
    ))))
}

fn postfix_pairs(it: &mut Interp, items: Vec<(Value, Value)>) -> PyResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(items.len());
    for (k, v) in items {
        let key = it.to_str(&k)?;
        let val = match &v {
            Value::Float(f) => tinytorch::viz::progress::postfix_number(*f),
            Value::Int(i) => i.to_string(),
            other => it.to_str(other)?,
        };
        out.push((key, val));
    }
    Ok(out)
}

fn trange(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Args { pos, kw } = a;
    let range = it
        .builtins
        .get("range")
        .cloned()
        .ok_or_else(|| exc("RuntimeError", "range missing"))?;
    let r = it.call(&range, Args::new(pos))?;
    let class = match it.import("tqdm")? {
        Value::Module(m) => m.get("tqdm").unwrap_or(Value::None),
        _ => Value::None,
    };
    it.call(&class, Args { pos: vec![r], kw })
}

/// `tqdm.write(s)` (also on a bar): a line printed above the live bars.
fn write(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Args { mut pos, kw } = a;
    if matches!(pos.first(), Some(v) if bar_id(v).is_ok()) {
        pos.remove(0);
    }
    let mut s = None;
    let mut file = None;
    let mut end = "\n".to_string();
    for (k, v) in kw {
        match &*k {
            "s" => s = Some(v),
            "file" => file = Some(v),
            "end" => end = opt_str("write", "end", Some(v))?.unwrap_or_else(|| "\n".into()),
            _ => {
                return Err(type_error(format!(
                    "write() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let mut pos = pos.into_iter();
    let s = match s.or_else(|| pos.next()) {
        Some(v) => it.to_str(&v)?,
        None => {
            return Err(type_error(
                "write() missing 1 required positional argument: 's'",
            ))
        }
    };
    let to_err = file
        .as_ref()
        .and_then(|f| f.downcast::<super::python::sys::Stream>())
        .is_some_and(|st| st.is_stderr());
    flush_closed(it);
    if to_err {
        it.out.write_stderr(&format!("{s}{end}"));
    } else {
        it.out.write_stdout(&format!("{s}{end}"));
    }
    Ok(Value::None)
}

fn set_postfix(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Args { pos, kw } = a;
    let mut pos = pos.into_iter();
    let this = pos.next().unwrap_or(Value::None);
    let id = bar_id(&this)?;
    let mut items = Vec::new();
    if let Some(Value::Dict(d)) = pos.next() {
        items.extend(d.borrow().iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    items.extend(
        kw.into_iter()
            .filter(|(k, _)| &**k != "refresh")
            .map(|(k, v)| (Value::Str(k), v)),
    );
    let pairs = postfix_pairs(it, items)?;
    with_bar(it, id, false, |p| p.set_postfix(pairs));
    Ok(Value::None)
}

fn set_description(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let id = bar_id(b.value(0))?;
    let desc = opt_str("set_description", "desc", b.opt(1).cloned())?;
    with_bar(it, id, false, |p| p.desc = desc);
    Ok(Value::None)
}

fn update(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let id = bar_id(b.value(0))?;
    let n = match b.opt(1) {
        None => 1,
        Some(v) => super::figure::number("update", "n", v)? as i64,
    };
    with_bar(it, id, false, |p| p.update(n.max(0) as u64));
    Ok(Value::None)
}

fn refresh(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let id = bar_id(b.value(0))?;
    with_bar(it, id, false, |_| {});
    Ok(Value::None)
}

fn close(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let id = bar_id(b.value(0))?;
    with_bar(it, id, true, |p| p.update(0));
    Ok(Value::None)
}

fn enter(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(b.value(0).clone())
}

fn len(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let v = b.value(0);
    match it.get_attr(v, "total")? {
        Value::Int(n) => Ok(Value::Int(n)),
        _ => {
            let inner = it.get_attr(v, "iterable")?;
            Ok(Value::Int(it.len(&inner)?))
        }
    }
}
