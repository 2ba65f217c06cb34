//! Cycle collection, as CPython's `gc` module does it.
//!
//! Values are reference counted (`Rc`), which frees everything at once
//! except cycles: a list that contains itself, `self.cb = self.step`, a
//! module that holds itself, a recursive inner function (the function
//! holds the cell that holds the function). Those are found here by trial
//! deletion:
//!
//! 1. The mutable containers (lists, dicts, sets, instances, classes,
//!    closure cells, iterators) register a weak handle when they are made:
//!    every cycle passes through one, because only a mutation can close
//!    one. Everything reachable from them through the values they hold
//!    (tuples, functions, bound methods, ...) joins the candidate set.
//! 2. For each candidate, its strong count minus the references held by
//!    other candidates is the number of references from outside the set
//!    (a variable, an interpreter frame, a native object). Candidates with
//!    outside references, and all they reach, are alive.
//! 3. The rest is unreachable: their contents are taken out, which breaks
//!    the cycles, and reference counting frees them.
//!
//! Only references the collector can see are subtracted, so one it cannot
//! see (held by a native object, or a container borrowed at the time) only
//! keeps objects alive: an error here leaks, it never frees a live value.
//! Collection runs on `gc.collect()` and automatically at a statement
//! boundary once as many containers were made as were alive after the last
//! collection (at least [`THRESHOLD`]), so its cost stays proportional to
//! allocation.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::{Rc, Weak};

use super::dict::Dict;
use super::value::{Class, Instance, Iter, Namespace, Value};

/// Containers made between two automatic collections, at least.
pub const THRESHOLD: usize = 10_000;

enum Handle {
    List(Weak<RefCell<Vec<Value>>>),
    Dict(Weak<RefCell<Dict>>),
    Instance(Weak<Instance>),
    Class(Weak<Class>),
    Cell(Weak<RefCell<Value>>),
    Iter(Weak<RefCell<Iter>>),
}

struct Heap {
    handles: Vec<Handle>,
    /// Handles registered since the last collection.
    made: usize,
    /// Live handles after the last collection.
    live: usize,
    threshold: usize,
    enabled: bool,
    collections: usize,
}

thread_local! {
    static HEAP: RefCell<Heap> = const {
        RefCell::new(Heap {
            handles: Vec::new(),
            made: 0,
            live: 0,
            threshold: THRESHOLD,
            enabled: true,
            collections: 0,
        })
    };
    /// Set when an automatic collection is due; read at statement
    /// boundaries, where no container is borrowed.
    static DUE: Cell<bool> = const { Cell::new(false) };
}

fn register(h: Handle) {
    HEAP.with(|heap| {
        let mut heap = heap.borrow_mut();
        heap.handles.push(h);
        heap.made += 1;
        if heap.enabled && heap.made >= heap.threshold.max(heap.live) && heap.threshold > 0 {
            DUE.with(|d| d.set(true));
        }
    });
}

pub fn track_list(l: &Rc<RefCell<Vec<Value>>>) {
    register(Handle::List(Rc::downgrade(l)));
}
pub fn track_dict(d: &Rc<RefCell<Dict>>) {
    register(Handle::Dict(Rc::downgrade(d)));
}
pub fn track_instance(i: &Rc<Instance>) {
    register(Handle::Instance(Rc::downgrade(i)));
}
pub fn track_class(c: &Rc<Class>) {
    register(Handle::Class(Rc::downgrade(c)));
}
pub fn track_cell(c: &Rc<RefCell<Value>>) {
    register(Handle::Cell(Rc::downgrade(c)));
}
pub fn track_iter(i: &Rc<RefCell<Iter>>) {
    register(Handle::Iter(Rc::downgrade(i)));
}

/// Whether work waits for the next statement boundary: a collection, or
/// the `__exit__` of a context an abandoned generator left entered (see
/// [`super::generator`]); the interpreter then runs it.
#[inline]
pub fn due() -> bool {
    DUE.with(Cell::get)
}

/// Asks for a boundary's work at the next statement.
pub fn request() {
    DUE.with(|d| d.set(true));
}

pub fn is_enabled() -> bool {
    HEAP.with(|h| h.borrow().enabled)
}

pub fn set_enabled(on: bool) {
    HEAP.with(|h| h.borrow_mut().enabled = on);
    if !on {
        DUE.with(|d| d.set(false));
    }
}

/// Containers made since the last collection (`gc.get_count()[0]`).
pub fn count() -> usize {
    HEAP.with(|h| h.borrow().made)
}

pub fn threshold() -> usize {
    HEAP.with(|h| h.borrow().threshold)
}

/// 0 disables automatic collection, as in CPython.
pub fn set_threshold(n: usize) {
    HEAP.with(|h| h.borrow_mut().threshold = n);
}

/// Collections run so far (automatic and explicit).
pub fn collections() -> usize {
    HEAP.with(|h| h.borrow().collections)
}

/// The registered containers still alive (`gc.get_objects()`).
pub fn objects() -> Vec<Value> {
    HEAP.with(|h| h.borrow().handles.iter().filter_map(upgrade).collect())
}

/// Finds and frees unreachable cycles; returns how many objects were
/// unreachable (what `gc.collect()` returns).
pub fn collect() -> usize {
    DUE.with(|d| d.set(false));
    let roots = HEAP.with(|heap| {
        let mut heap = heap.borrow_mut();
        heap.collections += 1;
        let mut roots = Vec::with_capacity(heap.handles.len());
        heap.handles.retain(|h| match upgrade(h) {
            Some(v) => {
                roots.push(v);
                true
            }
            None => false,
        });
        roots
    });
    let mut graph = Graph::default();
    graph.index.reserve(2 * roots.len());
    for v in roots {
        graph.add(v);
    }
    graph.explore();
    let dead = graph.unreachable();
    let found = dead.len();
    // Take the contents out first and drop them after every borrow ends:
    // dropping may free other candidates.
    let mut contents: Vec<Value> = Vec::new();
    for i in dead {
        clear(&graph.nodes[i], &mut contents);
    }
    drop(graph);
    drop(contents);
    HEAP.with(|heap| {
        let mut heap = heap.borrow_mut();
        heap.handles.retain(is_alive);
        heap.live = heap.handles.len();
        heap.made = 0;
    });
    found
}

fn upgrade(h: &Handle) -> Option<Value> {
    Some(match h {
        Handle::List(w) => Value::List(w.upgrade()?),
        Handle::Dict(w) => Value::Dict(w.upgrade()?),
        Handle::Instance(w) => Value::Instance(w.upgrade()?),
        Handle::Class(w) => Value::Class(w.upgrade()?),
        Handle::Cell(w) => Value::Cell(w.upgrade()?),
        Handle::Iter(w) => Value::Iter(w.upgrade()?),
    })
}

fn is_alive(h: &Handle) -> bool {
    match h {
        Handle::List(w) => w.strong_count() > 0,
        Handle::Dict(w) => w.strong_count() > 0,
        Handle::Instance(w) => w.strong_count() > 0,
        Handle::Class(w) => w.strong_count() > 0,
        Handle::Cell(w) => w.strong_count() > 0,
        Handle::Iter(w) => w.strong_count() > 0,
    }
}

/// The candidate set: each node held once by the collector.
#[derive(Default)]
struct Graph {
    nodes: Vec<Value>,
    index: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
    /// References to each node from other nodes.
    inner: Vec<usize>,
}

impl Graph {
    /// Adds `v` if it is a node not yet in the set; returns its index.
    fn add(&mut self, v: Value) -> Option<usize> {
        let id = node_id(&v)?;
        if let Some(&i) = self.index.get(&id) {
            return Some(i);
        }
        let i = self.nodes.len();
        self.nodes.push(v);
        self.inner.push(0);
        self.index.insert(id, i);
        Some(i)
    }

    /// Visits every node once (breadth first, the set growing as it goes)
    /// and counts the references between nodes.
    fn explore(&mut self) {
        let mut i = 0;
        let mut found = Vec::new();
        while i < self.nodes.len() {
            children(&self.nodes[i], &mut |child| {
                if node_id(child).is_some() {
                    found.push(child.clone());
                }
            });
            for child in found.drain(..) {
                if let Some(j) = self.add(child) {
                    self.inner[j] += 1;
                }
            }
            i += 1;
        }
    }

    /// Nodes referenced from outside the set, and all they reach, are
    /// alive; the indices of the others.
    fn unreachable(&self) -> Vec<usize> {
        let mut alive = vec![false; self.nodes.len()];
        let mut work: Vec<usize> = Vec::new();
        for (i, v) in self.nodes.iter().enumerate() {
            // The collector's own handle accounts for one reference.
            if strong_count(v) > self.inner[i] + 1 {
                alive[i] = true;
                work.push(i);
            }
        }
        while let Some(i) = work.pop() {
            children(&self.nodes[i], &mut |child| {
                if let Some(&j) = node_id(child).and_then(|id| self.index.get(&id)) {
                    if !alive[j] {
                        alive[j] = true;
                        work.push(j);
                    }
                }
            });
        }
        (0..self.nodes.len()).filter(|&i| !alive[i]).collect()
    }
}

/// Hashes an address (already unique) with one multiply.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The identity of a value the collector follows, or None for leaves
/// (numbers, strings, native objects, modules).
fn node_id(v: &Value) -> Option<usize> {
    match v {
        Value::List(_)
        | Value::Tuple(_)
        | Value::Dict(_)
        | Value::Set(_)
        | Value::Function(_)
        | Value::BoundMethod(_)
        | Value::Class(_)
        | Value::Instance(_)
        | Value::Iter(_) => Some(v.identity()),
        Value::Slice(s) => Some(Rc::as_ptr(s) as *const u8 as usize),
        Value::Super(s) => Some(Rc::as_ptr(s) as *const u8 as usize),
        Value::Cell(c) => Some(Rc::as_ptr(c) as *const u8 as usize),
        _ => None,
    }
}

fn strong_count(v: &Value) -> usize {
    match v {
        Value::List(x) => Rc::strong_count(x),
        Value::Tuple(x) => Rc::strong_count(x),
        Value::Dict(x) | Value::Set(x) => Rc::strong_count(x),
        Value::Function(x) => Rc::strong_count(x),
        Value::BoundMethod(x) => Rc::strong_count(x),
        Value::Class(x) => Rc::strong_count(x),
        Value::Instance(x) => Rc::strong_count(x),
        Value::Iter(x) => Rc::strong_count(x),
        Value::Slice(x) => Rc::strong_count(x),
        Value::Super(x) => Rc::strong_count(x),
        Value::Cell(x) => Rc::strong_count(x),
        // Not a node: never unreachable.
        _ => usize::MAX,
    }
}

/// Calls `f` for every strong reference `v` holds to another value. A
/// container borrowed at the time is skipped (its children then count as
/// referenced from outside: kept alive).
fn children(v: &Value, f: &mut dyn FnMut(&Value)) {
    match v {
        Value::List(l) => {
            if let Ok(items) = l.try_borrow() {
                items.iter().for_each(f);
            }
        }
        Value::Tuple(t) => t.items.iter().for_each(f),
        Value::Dict(d) | Value::Set(d) => {
            if let Ok(d) = d.try_borrow() {
                for (k, x) in d.iter() {
                    f(k);
                    f(x);
                }
            }
        }
        Value::Function(func) => {
            func.defaults.iter().for_each(&mut *f);
            func.kwdefaults.iter().flatten().for_each(&mut *f);
            for c in &func.captures {
                f(&Value::Cell(c.clone()));
            }
        }
        Value::BoundMethod(b) => {
            f(&b.0);
            f(&b.1);
        }
        Value::Instance(i) => {
            f(&Value::Class(i.class.clone()));
            if let Ok(attrs) = i.attrs.try_borrow() {
                attrs.iter().for_each(|(_, x)| f(x));
            }
        }
        Value::Class(c) => {
            for b in &c.bases {
                f(&Value::Class(b.clone()));
            }
            if let Ok(mro) = c.mro.try_borrow() {
                for m in mro.iter() {
                    f(&Value::Class(m.clone()));
                }
            }
            if let Ok(attrs) = c.attrs.try_borrow() {
                attrs.iter().for_each(|(_, x)| f(x));
            }
            if let Ok(new) = c.new.try_borrow() {
                new.iter().for_each(&mut *f);
            }
        }
        Value::Cell(c) => {
            if let Ok(x) = c.try_borrow() {
                f(&x);
            }
        }
        Value::Iter(it) => {
            if let Ok(it) = it.try_borrow() {
                match &*it {
                    Iter::List { list, .. } => f(&Value::List(list.clone())),
                    Iter::Keys { dict, .. } => f(&Value::Dict(dict.clone())),
                    Iter::Generator(g) => g.visit(f),
                    // Shared item vectors and native producers are not
                    // followed: what they hold stays alive.
                    _ => {}
                }
            }
        }
        Value::Slice(s) => s.iter().for_each(f),
        Value::Super(s) => {
            f(&Value::Class(s.0.clone()));
            f(&s.1);
        }
        _ => {}
    }
}

/// Takes the contents out of an unreachable container (into `out`, dropped
/// by the caller), which breaks the cycles through it. Immutable values
/// (tuples, functions, bound methods) keep theirs: every cycle also passes
/// through a container cleared here.
fn clear(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::List(l) => {
            if let Ok(mut items) = l.try_borrow_mut() {
                out.append(&mut items);
            }
        }
        Value::Dict(d) | Value::Set(d) => {
            if let Ok(mut d) = d.try_borrow_mut() {
                out.push(Value::Dict(Rc::new(RefCell::new(std::mem::take(&mut *d)))));
            }
        }
        Value::Instance(i) => {
            if let Ok(mut attrs) = i.attrs.try_borrow_mut() {
                take_namespace(&mut attrs, out);
            }
        }
        Value::Class(c) => {
            if let Ok(mut attrs) = c.attrs.try_borrow_mut() {
                take_namespace(&mut attrs, out);
            }
            if let Ok(mut mro) = c.mro.try_borrow_mut() {
                out.extend(mro.drain(..).map(Value::Class));
            }
            if let Ok(mut new) = c.new.try_borrow_mut() {
                out.extend(new.take());
            }
        }
        Value::Cell(c) => {
            if let Ok(mut x) = c.try_borrow_mut() {
                out.push(std::mem::replace(&mut *x, Value::Unbound));
            }
        }
        Value::Iter(it) => {
            if let Ok(mut it) = it.try_borrow_mut() {
                let done = Iter::Range {
                    next: 0,
                    stop: 0,
                    step: 1,
                };
                out.push(Value::Iter(Rc::new(RefCell::new(std::mem::replace(
                    &mut *it, done,
                )))));
            }
        }
        _ => {}
    }
}

fn take_namespace(ns: &mut Namespace, out: &mut Vec<Value>) {
    out.extend(std::mem::take(ns).into_values());
}
