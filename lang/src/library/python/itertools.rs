//! Python's `itertools` (the iterators teaching code uses: `count`,
//! `repeat`, `cycle`, `chain`, `islice`, `product`, `permutations`,
//! `combinations`, `combinations_with_replacement`, `accumulate`,
//! `zip_longest`, `groupby`, `starmap`, `takewhile`, `dropwhile`,
//! `pairwise`) and `functools` (`partial`, `reduce`, `cache`,
//! `lru_cache`, `wraps`). Infinite and source-driven iterators are lazy;
//! the combinatoric ones are computed when made.

use std::rc::Rc;

use crate::bind::{row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{type_error, value_error, PyResult};
use crate::eval::value::{Iter, Value};
use crate::eval::Interp;
use crate::protocol::Callable;
use crate::syntax::ast::BinOp;

#[rustfmt::skip]
pub const ITERTOOLS: &[Row] = &[
    row("count(start=0, step=1)", "start, start + step, ... without end.", count),
    row("repeat(object, times=None)", "object, times times (without end when None).", repeat),
    row("cycle(iterable)", "The items of iterable, over and over.", cycle),
    row("islice(iterable, *args)", "islice(iterable, stop) or islice(iterable, start, stop[, step]): a slice of an iterator.", islice),
    row("product(*iterables, int repeat=1)", "The cartesian product, as tuples (the last iterable varies fastest).", product),
    row("permutations(iterable, r=None)", "The r-length orderings of the items, as tuples.", permutations),
    row("combinations(iterable, int r)", "The r-length subsequences in order, as tuples.", combinations),
    row("combinations_with_replacement(iterable, int r)", "The r-length subsequences, items repeating, as tuples.", combinations_with_replacement),
    row("accumulate(iterable, func=None, *, initial=None)", "Running totals (or running results of func).", accumulate),
    row("zip_longest(*iterables, fillvalue=None)", "Tuples of items in parallel, as long as the longest (fillvalue for the rest).", zip_longest),
    row("groupby(iterable, key=None)", "(key, items) for each run of consecutive items with the same key.", groupby),
    row("starmap(function, iterable)", "function(*args) for each args tuple.", starmap),
    row("takewhile(predicate, iterable)", "Items while predicate holds.", takewhile),
    row("dropwhile(predicate, iterable)", "Items from the first for which predicate fails.", dropwhile),
    row("pairwise(iterable)", "Overlapping pairs (a, b), (b, c), ...", pairwise),
];

#[rustfmt::skip]
pub const FUNCTOOLS: &[Row] = &[
    row("partial(func, *args, **keywords)", "func with some arguments fixed: partial(f, 1)(2) is f(1, 2).", partial),
    row("reduce(function, iterable, initial=None, /)", "Folds the items from the left: reduce(f, [a, b, c]) is f(f(a, b), c).", reduce),
    row("cache(user_function)", "A decorator; the function is returned as it is (calls are not memoised here).", identity),
    row("lru_cache(maxsize=128, typed=False)", "A decorator factory; the function is returned as it is (calls are not memoised here).", lru_cache),
    row("wraps(wrapped, assigned=None, updated=None)", "A decorator factory for wrappers; the wrapper is returned as it is.", wraps),
];

const CHAIN: Row = row(
    "chain(*iterables)",
    "The items of each iterable in turn.",
    chain,
);
const FROM_ITERABLE: Row = row(
    "from_iterable(iterable)",
    "The items of each iterable that iterable yields, in turn.",
    from_iterable,
);

pub fn install(it: &mut Interp) {
    let m = super::super::module(it, "itertools", "Iterator building blocks.");
    crate::bind::into_module(&m, "itertools", ITERTOOLS, Style::Python);
    // `chain` is a class in CPython, with `chain.from_iterable`.
    let object = it.types.object.clone();
    let chain_class = super::super::class("chain", "itertools", &[&object], CHAIN.doc);
    *chain_class.new.borrow_mut() =
        Some(crate::bind::Def::from_row("itertools", &CHAIN, Style::Python).value());
    chain_class.set(
        "from_iterable",
        crate::bind::Def::from_row("itertools", &FROM_ITERABLE, Style::Python).value(),
    );
    m.set("chain", Value::Class(chain_class));
    let f = super::super::module(it, "functools", "Higher-order functions.");
    crate::bind::into_module(&f, "functools", FUNCTOOLS, Style::Python);
}

/// An int argument (bools count, as CPython's `__index__`).
fn index(v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

fn list_iter(items: Vec<Value>) -> Value {
    Value::iter(Iter::Seq {
        items: Rc::new(items),
        pos: 0,
    })
}

fn count(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (start, step) = (b.value(0).clone(), b.value(1).clone());
    let mut cur = start;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            let out = cur.clone();
            cur = it.binary_op(BinOp::Add, cur.clone(), step.clone())?;
            Ok(Some(out))
        },
    ))))
}

fn repeat(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let x = b.value(0).clone();
    let mut left = match b.value(1) {
        Value::None => None,
        v => Some(index(v)?.max(0)),
    };
    Ok(Value::iter(Iter::Native(Box::new(
        move |_: &mut Interp| match &mut left {
            Some(0) => Ok(None),
            Some(n) => {
                *n -= 1;
                Ok(Some(x.clone()))
            }
            None => Ok(Some(x.clone())),
        },
    ))))
}

fn cycle(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = it.collect(b.value(0))?;
    let mut pos = 0usize;
    Ok(Value::iter(Iter::Native(Box::new(
        move |_: &mut Interp| {
            if items.is_empty() {
                return Ok(None);
            }
            let x = items[pos % items.len()].clone();
            pos += 1;
            Ok(Some(x))
        },
    ))))
}

fn chain(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let sources: Vec<Value> = b.varargs(0).to_vec();
    chained(it, sources)
}

fn from_iterable(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let sources = it.collect(b.value(0))?;
    chained(it, sources)
}

/// The items of each source in turn, each iterated when reached.
fn chained(_: &mut Interp, sources: Vec<Value>) -> PyResult<Value> {
    let mut k = 0usize;
    let mut cur: Option<Value> = None;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| loop {
            if cur.is_none() {
                let Some(src) = sources.get(k) else {
                    return Ok(None);
                };
                cur = Some(it.iter(src)?);
                k += 1;
            }
            let i = cur.as_ref().expect("set above");
            match it.next(i)? {
                Some(x) => return Ok(Some(x)),
                None => cur = None,
            }
        },
    ))))
}

fn islice(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let args = b.varargs(1).to_vec();
    let int = |_: &mut Interp, v: &Value| -> PyResult<Option<i64>> {
        match v {
            Value::None => Ok(None),
            v => Ok(Some(index(v)?)),
        }
    };
    let (start, stop, step) = match args.len() {
        1 => (0, int(it, &args[0])?, 1),
        2 | 3 => (
            int(it, &args[0])?.unwrap_or(0),
            int(it, &args[1])?,
            match args.get(2) {
                Some(v) => int(it, v)?.unwrap_or(1),
                None => 1,
            },
        ),
        n => {
            return Err(type_error(format!(
                "islice expected at most 4 arguments, got {}",
                n + 1
            )))
        }
    };
    if start < 0 || stop.is_some_and(|s| s < 0) || step < 1 {
        return Err(value_error(
            "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.",
        ));
    }
    let src = it.iter(b.value(0))?;
    let mut pos = 0i64;
    let mut next_take = start;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| loop {
            if stop.is_some_and(|s| next_take >= s) {
                return Ok(None);
            }
            let Some(x) = it.next(&src)? else {
                return Ok(None);
            };
            let here = pos;
            pos += 1;
            if here == next_take {
                next_take += step;
                return Ok(Some(x));
            }
        },
    ))))
}

fn product(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let repeat = b.int(1)?;
    if repeat < 0 {
        return Err(value_error("repeat argument cannot be negative"));
    }
    let mut pools: Vec<Vec<Value>> = Vec::new();
    for v in b.varargs(0) {
        pools.push(it.collect(v)?);
    }
    let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.clone()).collect();
    let mut out: Vec<Vec<Value>> = vec![vec![]];
    for pool in &pools {
        let mut next = Vec::with_capacity(out.len() * pool.len());
        for prefix in &out {
            for x in pool {
                let mut t = prefix.clone();
                t.push(x.clone());
                next.push(t);
            }
        }
        crate::eval::error::check_alloc(next.len().saturating_mul(std::mem::size_of::<Value>()))?;
        out = next;
    }
    Ok(list_iter(out.into_iter().map(Value::tuple).collect()))
}

/// Index tuples of the r-length choices of n items: orderings
/// (permutations), or non-decreasing / increasing index runs.
fn choices(n: usize, r: usize, kind: u8, out: &mut Vec<Vec<usize>>, cur: &mut Vec<usize>) {
    if cur.len() == r {
        out.push(cur.clone());
        return;
    }
    let from = match (kind, cur.last()) {
        (b'c', Some(&l)) => l + 1,
        (b'r', Some(&l)) => l,
        _ => 0,
    };
    for i in from..n {
        if kind == b'p' && cur.contains(&i) {
            continue;
        }
        cur.push(i);
        choices(n, r, kind, out, cur);
        cur.pop();
    }
}

fn choose(it: &mut Interp, src: &Value, r: Option<usize>, kind: u8) -> PyResult<Value> {
    let pool = it.collect(src)?;
    let r = r.unwrap_or(pool.len());
    if kind != b'r' && r > pool.len() {
        return Ok(list_iter(vec![]));
    }
    let mut idx = Vec::new();
    choices(pool.len(), r, kind, &mut idx, &mut Vec::new());
    Ok(list_iter(
        idx.into_iter()
            .map(|ix| Value::tuple(ix.into_iter().map(|i| pool[i].clone()).collect()))
            .collect(),
    ))
}

fn non_negative(v: &Value) -> PyResult<usize> {
    let r = index(v)?;
    if r < 0 {
        return Err(value_error("r must be non-negative"));
    }
    Ok(r as usize)
}

fn permutations(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = match b.value(1) {
        Value::None => None,
        v => Some(non_negative(v)?),
    };
    choose(it, b.value(0), r, b'p')
}

fn combinations(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = non_negative(b.value(1))?;
    choose(it, b.value(0), Some(r), b'c')
}

fn combinations_with_replacement(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let r = non_negative(b.value(1))?;
    choose(it, b.value(0), Some(r), b'r')
}

fn accumulate(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = it.collect(b.value(0))?;
    let func = b.value(1).clone();
    let mut out = Vec::with_capacity(items.len() + 1);
    let mut acc = match b.value(2) {
        Value::None => None,
        v => {
            out.push(v.clone());
            Some(v.clone())
        }
    };
    for x in items {
        let next = match (&acc, &func) {
            (None, _) => x,
            (Some(a), Value::None) => it.binary_op(BinOp::Add, a.clone(), x)?,
            (Some(a), f) => it.call(f, Args::new(vec![a.clone(), x]))?,
        };
        out.push(next.clone());
        acc = Some(next);
    }
    Ok(list_iter(out))
}

fn zip_longest(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let fill = b.value(1).clone();
    let mut cols = Vec::new();
    for v in b.varargs(0) {
        cols.push(it.collect(v)?);
    }
    let n = cols.iter().map(Vec::len).max().unwrap_or(0);
    Ok(list_iter(
        (0..n)
            .map(|i| {
                Value::tuple(
                    cols.iter()
                        .map(|c| c.get(i).cloned().unwrap_or_else(|| fill.clone()))
                        .collect(),
                )
            })
            .collect(),
    ))
}

fn groupby(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = it.collect(b.value(0))?;
    let key = b.value(1).clone();
    let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
    for x in items {
        let k = match &key {
            Value::None => x.clone(),
            f => it.call(f, Args::new(vec![x.clone()]))?,
        };
        let same = match groups.last() {
            Some((last, _)) => it.eq(last, &k)?,
            None => false,
        };
        if same {
            groups.last_mut().expect("checked").1.push(x);
        } else {
            groups.push((k, vec![x]));
        }
    }
    Ok(list_iter(
        groups
            .into_iter()
            .map(|(k, xs)| Value::tuple(vec![k, list_iter(xs)]))
            .collect(),
    ))
}

fn starmap(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let src = it.iter(b.value(1))?;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            let Some(args) = it.next(&src)? else {
                return Ok(None);
            };
            let args = it.collect(&args)?;
            it.call(&f, Args::new(args)).map(Some)
        },
    ))))
}

fn takewhile(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let src = it.iter(b.value(1))?;
    let mut done = false;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| {
            if done {
                return Ok(None);
            }
            let Some(x) = it.next(&src)? else {
                return Ok(None);
            };
            let keep = it.call(&f, Args::new(vec![x.clone()]))?;
            if it.truthy(&keep)? {
                Ok(Some(x))
            } else {
                done = true;
                Ok(None)
            }
        },
    ))))
}

fn dropwhile(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let src = it.iter(b.value(1))?;
    let mut dropping = true;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| loop {
            let Some(x) = it.next(&src)? else {
                return Ok(None);
            };
            if dropping {
                let drop = it.call(&f, Args::new(vec![x.clone()]))?;
                if it.truthy(&drop)? {
                    continue;
                }
                dropping = false;
            }
            return Ok(Some(x));
        },
    ))))
}

fn pairwise(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let src = it.iter(b.value(0))?;
    let mut prev: Option<Value> = None;
    Ok(Value::iter(Iter::Native(Box::new(
        move |it: &mut Interp| loop {
            let Some(x) = it.next(&src)? else {
                return Ok(None);
            };
            match prev.replace(x.clone()) {
                Some(p) => return Ok(Some(Value::tuple(vec![p, x]))),
                None => continue,
            }
        },
    ))))
}

/// `functools.partial`: the function with leading arguments and keywords
/// fixed (keywords given at the call override the fixed ones).
struct Partial {
    func: Value,
    args: Vec<Value>,
    kw: Vec<(Rc<str>, Value)>,
}

impl Callable for Partial {
    fn call(&self, it: &mut Interp, a: Args) -> PyResult<Value> {
        let mut pos = self.args.clone();
        pos.extend(a.pos);
        let mut kw: Vec<(Rc<str>, Value)> = self
            .kw
            .iter()
            .filter(|(k, _)| !a.kw.iter().any(|(k2, _)| k2 == k))
            .cloned()
            .collect();
        kw.extend(a.kw);
        it.call(&self.func, Args { pos, kw })
    }
    fn name(&self) -> &str {
        "partial"
    }
    fn owner(&self) -> &str {
        "functools"
    }
    fn doc(&self) -> &str {
        "A function with some arguments fixed."
    }
    fn signatures(&self, _: bool) -> Vec<String> {
        vec!["partial(*args, **keywords)".into()]
    }
    fn keywords(&self) -> Vec<String> {
        vec![]
    }
}

fn partial(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(Value::builtin(Partial {
        func: b.value(0).clone(),
        args: b.varargs(1).to_vec(),
        kw: b.kwargs(2),
    }))
}

fn reduce(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let items = it.collect(b.value(1))?;
    let mut iter = items.into_iter();
    let mut acc = match b.opt(2) {
        Some(init) => init.clone(),
        None => iter
            .next()
            .ok_or_else(|| type_error("reduce() of empty iterable with no initial value"))?,
    };
    for x in iter {
        acc = it.call(&f, Args::new(vec![acc, x]))?;
    }
    Ok(acc)
}

fn identity(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(b.value(0).clone())
}

/// `lru_cache(maxsize)` returns a decorator; `@lru_cache` on a function
/// (called with the function itself) returns the function.
fn lru_cache(_: &mut Interp, b: Bound) -> PyResult<Value> {
    match b.value(0) {
        f @ (Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_)) => Ok(f.clone()),
        _ => Ok(Value::builtin(Passthrough)),
    }
}

fn wraps(_: &mut Interp, _: Bound) -> PyResult<Value> {
    Ok(Value::builtin(Passthrough))
}

/// A decorator that returns what it decorates.
struct Passthrough;

impl Callable for Passthrough {
    fn call(&self, _: &mut Interp, a: Args) -> PyResult<Value> {
        a.pos
            .into_iter()
            .next()
            .ok_or_else(|| type_error("decorator expected a function"))
    }
    fn name(&self) -> &str {
        "decorator"
    }
    fn owner(&self) -> &str {
        "functools"
    }
    fn doc(&self) -> &str {
        "Returns the function it decorates."
    }
    fn signatures(&self, _: bool) -> Vec<String> {
        vec!["decorator(function)".into()]
    }
    fn keywords(&self) -> Vec<String> {
        vec![]
    }
}
