//! Charts in matplotlib's words, drawn by the engine's figures
//! (`tinytorch::viz::figure`): the one-call forms `plot`, `scatter`,
//! `hist`, `bar`, `heatmap` (each shows its chart at once, like `plot`
//! always did), and `subplots(nrows, ncols, figsize=)` giving a `Figure`
//! and its `Axes` (`ax.plot`, `ax.scatter`, `ax.hist`, `ax.bar`,
//! `ax.imshow`, `ax.set_title`, `ax.set_xlim`, `ax.set_yscale("log")`,
//! `ax.legend(loc="outside")`, ...). A figure changed by a cell is shown
//! when the cell ends (as matplotlib's inline back-end does), or at once by
//! `fig.show()`, `display(fig)` or as the cell's last expression; in the
//! REPL, after the input that changed it. `fig.savefig(path)` writes PNG
//! or SVG. Also `confusion_matrix(y_true, y_pred)`.
//!
//! Values are lists of numbers, ranges or tensors. Keyword arguments
//! matplotlib accepts but that change nothing here (`edgecolor`, `zorder`,
//! `cmap` on a scatter, ...) are accepted and ignored; others are a
//! TypeError, as in Python.

use super::viz::emit_picture;
use crate::bind::{raw, row, Bound, Def, Row, Style as BindStyle};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::{class_in, set_class, EngineResult};
use crate::protocol::Object;
use crate::Display;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use tinytorch::viz::figure::{
    self, parse_color, parse_fmt, Axes, Figure, LegendLoc, LineStyle, Mark, Marker, PointColors,
    Scale, Style, Ticks,
};
use tinytorch::viz::MimeBundle;

// ----------------------------------------------------------------- state

/// A figure shared by its `Figure` value and its `Axes` values.
pub struct FigState {
    fig: RefCell<Figure>,
    /// Changed since it was last shown.
    dirty: Cell<bool>,
}

thread_local! {
    static FIGURE: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static AXES: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static AXES_ARRAY: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    /// Figures made by `subplots` that are still alive.
    static OPEN: RefCell<Vec<Weak<FigState>>> = const { RefCell::new(Vec::new()) };
}

fn render(fig: &Figure) -> PyResult<MimeBundle> {
    figure::render(fig).map_err(tinytorch::Error::from).py()
}

/// Shows every figure that changed since it was last shown and has
/// something drawn (called when a cell or REPL input ends).
pub fn show_pending(it: &mut Interp) {
    let live: Vec<Rc<FigState>> = OPEN.with(|o| {
        let mut o = o.borrow_mut();
        o.retain(|w| w.strong_count() > 0);
        o.iter().filter_map(Weak::upgrade).collect()
    });
    for f in live {
        if f.dirty.get() && !f.fig.borrow().is_empty() {
            f.dirty.set(false);
            let bundle = render(&f.fig.borrow());
            match bundle {
                Ok(b) => emit_picture(it, b, None),
                Err(e) => {
                    let msg = it.repr(&e.value).unwrap_or_default();
                    it.out.write_stderr(&format!("figure not shown: {msg}\n"));
                }
            }
        }
    }
}

/// What a `Figure` shows as a cell's last expression or through
/// `display()` (it then does not show again at the end of the cell).
pub fn figure_display(v: &Value, repr: String) -> Option<PyResult<Display>> {
    let f = v.downcast::<FigureObj>()?;
    f.0.dirty.set(false);
    Some(render(&f.0.fig.borrow()).map(|mut b| {
        b.plain = format!("{repr}\n{}", b.plain);
        Display::rich(b)
    }))
}

// --------------------------------------------------------------- objects

struct FigureObj(Rc<FigState>);

impl Object for FigureObj {
    fn class(&self) -> Rc<Class> {
        class_in(&FIGURE, "Figure")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        let f = self.0.fig.borrow();
        Ok(format!(
            "<Figure size {}x{} with {} Axes>",
            f.width,
            f.height,
            f.axes.len()
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "axes" => {
                let n = self.0.fig.borrow().axes.len();
                Some(Value::list(
                    (0..n).map(|i| axes_value(&self.0, i)).collect(),
                ))
            }
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["axes"]
    }
    fn identity(&self) -> Option<usize> {
        Some(Rc::as_ptr(&self.0) as usize)
    }
}

struct AxesObj {
    fig: Rc<FigState>,
    index: usize,
}

impl AxesObj {
    fn with<T>(&self, f: impl FnOnce(&mut Axes) -> T) -> T {
        self.fig.dirty.set(true);
        let mut fig = self.fig.fig.borrow_mut();
        f(&mut fig.axes[self.index])
    }
}

impl Object for AxesObj {
    fn class(&self) -> Rc<Class> {
        class_in(&AXES, "Axes")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        let f = self.fig.fig.borrow();
        let title = f.axes[self.index].title.clone().unwrap_or_default();
        Ok(format!("<Axes: title={{'center': {title:?}}}>"))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "figure" => Some(Value::object(FigureObj(self.fig.clone()))),
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["figure"]
    }
    fn identity(&self) -> Option<usize> {
        Some(Rc::as_ptr(&self.fig) as usize * 64 + self.index)
    }
}

fn axes_value(fig: &Rc<FigState>, index: usize) -> Value {
    Value::object(AxesObj {
        fig: fig.clone(),
        index,
    })
}

/// numpy's array of Axes as `subplots` returns it: `axes[i]`, `axes[r, c]`,
/// `axes.flat`, `axes.flatten()`, iteration over the first dimension.
struct AxesArray {
    items: Vec<Value>,
    shape: Vec<usize>,
}

impl AxesArray {
    fn row(&self, i: i64) -> PyResult<Value> {
        let n = self.shape[0] as i64;
        let i = if i < 0 { i + n } else { i };
        if !(0..n).contains(&i) {
            return Err(exc(
                "IndexError",
                format!("index {i} is out of bounds for axis 0 with size {n}"),
            ));
        }
        let i = i as usize;
        Ok(if self.shape.len() == 1 {
            self.items[i].clone()
        } else {
            let w = self.shape[1];
            Value::object(AxesArray {
                items: self.items[i * w..(i + 1) * w].to_vec(),
                shape: vec![w],
            })
        })
    }

    fn flat(&self) -> Value {
        Value::object(AxesArray {
            items: self.items.clone(),
            shape: vec![self.items.len()],
        })
    }
}

impl Object for AxesArray {
    fn class(&self) -> Rc<Class> {
        class_in(&AXES_ARRAY, "ndarray")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        let mut parts = Vec::new();
        for v in &self.items {
            parts.push(it.repr(v)?);
        }
        Ok(format!("array([{}], dtype=object)", parts.join(", ")))
    }
    fn len(&self, _: &mut Interp) -> PyResult<Option<usize>> {
        Ok(Some(self.shape[0]))
    }
    fn iter(&self, _: &mut Interp, _: &Value) -> PyResult<Option<Value>> {
        let rows: PyResult<Vec<Value>> = (0..self.shape[0] as i64).map(|i| self.row(i)).collect();
        let list = Value::list(rows?);
        Ok(Some(match list {
            Value::List(l) => Value::iter(crate::eval::value::Iter::List { list: l, pos: 0 }),
            _ => unreachable!("made as a list"),
        }))
    }
    fn getitem(&self, it: &mut Interp, key: &Value) -> PyResult<Option<Value>> {
        match key {
            Value::Slice(sl) => {
                let idx = it.slice_indices(sl, self.shape[0])?;
                let rows: PyResult<Vec<Value>> = idx.iter().map(|&i| self.row(i as i64)).collect();
                let rows = rows?;
                if self.shape.len() == 1 {
                    let n = rows.len();
                    return Ok(Some(Value::object(AxesArray {
                        items: rows,
                        shape: vec![n],
                    })));
                }
                let mut items = Vec::new();
                for r in &rows {
                    items.extend(
                        r.downcast::<AxesArray>()
                            .map(|a| a.items.clone())
                            .unwrap_or_default(),
                    );
                }
                Ok(Some(Value::object(AxesArray {
                    items,
                    shape: vec![rows.len(), self.shape[1]],
                })))
            }
            Value::Tuple(t) if t.items.len() == 2 && self.shape.len() == 2 => {
                let r = index_of(&t.items[0])?;
                let row = self.row(r)?;
                match row.downcast::<AxesArray>() {
                    Some(a) => Ok(Some(a.row(index_of(&t.items[1])?)?)),
                    None => Ok(Some(row)),
                }
            }
            Value::Tuple(_) => Err(exc(
                "IndexError",
                format!(
                    "too many indices for array: array is {}-dimensional",
                    self.shape.len()
                ),
            )),
            k => Ok(Some(self.row(index_of(k)?)?)),
        }
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        let ints = |v: &[usize]| Value::tuple(v.iter().map(|&d| Value::Int(d as i64)).collect());
        Ok(match name {
            "flat" => Some(self.flat()),
            "shape" => Some(ints(&self.shape)),
            "ndim" => Some(Value::Int(self.shape.len() as i64)),
            "size" => Some(Value::Int(self.items.len() as i64)),
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["flat", "shape", "ndim", "size"]
    }
}

fn index_of(v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Object(o) if o.index()?.is_some() => Ok(o.index()?.unwrap_or(0)),
        _ => Err(exc(
            "IndexError",
            "only integers, slices (`:`) and integer pairs (`axes[r, c]`) are valid indices",
        )),
    }
}

// --------------------------------------------------------- keyword args

/// Keyword arguments consumed by name; what is left at the end is an error
/// unless matplotlib accepts it to no effect here.
struct Kw {
    fname: &'static str,
    kw: Vec<(Rc<str>, Value)>,
}

/// Accepted and ignored (they change nothing in our drawing).
const IGNORED: &[&str] = &[
    "edgecolor",
    "edgecolors",
    "ec",
    "zorder",
    "cmap",
    "histtype",
    "rwidth",
    "align",
    "interpolation",
    "fontsize",
    "linewidths",
    "antialiased",
    "sharex",
    "sharey",
    "dpi",
    "layout",
    "constrained_layout",
    "tight_layout",
    "bbox_inches",
    "frameon",
    "ncol",
    "ncols",
    "markeredgecolor",
    "mec",
    "markerfacecolor",
    "mfc",
    "framealpha",
    "fancybox",
    "shadow",
];

impl Kw {
    fn new(fname: &'static str, kw: Vec<(Rc<str>, Value)>) -> Self {
        Self { fname, kw }
    }

    /// The value of the first of `names` given (removing all of them).
    fn take(&mut self, names: &[&str]) -> Option<Value> {
        let mut found = None;
        self.kw.retain(|(k, v)| {
            if names.contains(&&**k) {
                if found.is_none() {
                    found = Some(v.clone());
                }
                false
            } else {
                true
            }
        });
        found.filter(|v| !matches!(v, Value::None))
    }

    fn str(&mut self, names: &[&str]) -> PyResult<Option<String>> {
        match self.take(names) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(type_error(format!(
                "{}(): argument '{}' must be str, not {}",
                self.fname,
                names[0],
                other.type_name()
            ))),
        }
    }

    fn float(&mut self, names: &[&str]) -> PyResult<Option<f64>> {
        match self.take(names) {
            None => Ok(None),
            Some(v) => Ok(Some(number(self.fname, names[0], &v)?)),
        }
    }

    fn bool(&mut self, it: &mut Interp, names: &[&str]) -> PyResult<Option<bool>> {
        match self.take(names) {
            None => Ok(None),
            Some(v) => Ok(Some(it.truthy(&v)?)),
        }
    }

    fn pair(&mut self, it: &mut Interp, names: &[&str]) -> PyResult<Option<(f64, f64)>> {
        match self.take(names) {
            None => Ok(None),
            Some(v) => Ok(Some(pair(it, self.fname, names[0], &v)?)),
        }
    }

    fn finish(self) -> PyResult<()> {
        match self.kw.iter().find(|(k, _)| !IGNORED.contains(&&**k)) {
            Some((k, _)) => Err(type_error(format!(
                "{}() got an unexpected keyword argument '{k}'",
                self.fname
            ))),
            None => Ok(()),
        }
    }
}

pub(crate) fn number(fname: &str, param: &str, v: &Value) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(*b as i64 as f64),
        other => match other.downcast::<tinytorch::Tensor>() {
            Some(t) if t.numel() == 1 => t.item().py(),
            _ => Err(type_error(format!(
                "{fname}(): argument '{param}' must be a number, not {}",
                other.type_name()
            ))),
        },
    }
}

fn pair(it: &mut Interp, fname: &str, param: &str, v: &Value) -> PyResult<(f64, f64)> {
    let items = match v {
        Value::List(_) | Value::Tuple(_) => it.collect(v)?,
        _ => Vec::new(),
    };
    match items.as_slice() {
        [a, b] => Ok((number(fname, param, a)?, number(fname, param, b)?)),
        _ => Err(type_error(format!(
            "{fname}(): argument '{param}' must be a pair of numbers (low, high)"
        ))),
    }
}

/// Numbers from a list/tuple/range of numbers (or one-element tensors) or
/// a tensor (`flatten`: any shape, else at most 1-D).
fn numbers(
    it: &mut Interp,
    fname: &str,
    param: &str,
    v: &Value,
    flatten: bool,
) -> PyResult<Vec<f64>> {
    if let Some(t) = v.downcast::<tinytorch::Tensor>() {
        if t.dim() > 1 && !flatten {
            return Err(exc(
                "ValueError",
                format!(
                    "{fname}(): argument '{param}' must be 1-D, got a tensor of shape {:?}",
                    t.shape()
                ),
            ));
        }
        return t.detach().to_vec_f64().py();
    }
    match v {
        Value::List(_) | Value::Tuple(_) | Value::Range(_) => {
            let items = it.collect(v)?;
            let mut out = Vec::with_capacity(items.len());
            for x in &items {
                match x {
                    Value::List(_) | Value::Tuple(_) if flatten => {
                        out.extend(numbers(it, fname, param, x, true)?)
                    }
                    _ => out.push(number(fname, param, x)?),
                }
            }
            Ok(out)
        }
        _ => Err(type_error(format!(
            "{fname}(): argument '{param}' must be a list of numbers or a tensor, not {}",
            v.type_name()
        ))),
    }
}

fn strings(it: &mut Interp, v: &Value) -> PyResult<Option<Vec<String>>> {
    if !matches!(v, Value::List(_) | Value::Tuple(_)) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for x in it.collect(v)? {
        match x {
            Value::Str(s) => out.push(s.to_string()),
            _ => return Ok(None),
        }
    }
    Ok(Some(out))
}

fn same_len(fname: &str, xs: &[f64], ys: &[f64]) -> PyResult<()> {
    if xs.len() != ys.len() {
        return Err(exc(
            "ValueError",
            format!(
                "{fname}(): x and y must have same first dimension, but have shapes ({},) and ({},)",
                xs.len(),
                ys.len()
            ),
        ));
    }
    Ok(())
}

/// Colour, marker, line style, widths and alpha (`fmt` first, keywords
/// over it).
fn style(kw: &mut Kw, fmt: Option<&str>) -> PyResult<Style> {
    let mut s = Style::default();
    if let Some(f) = fmt {
        let (c, m, l) = parse_fmt(f).ok_or_else(|| {
            exc(
                "ValueError",
                format!("{}(): '{f}' is not a valid format string", kw.fname),
            )
        })?;
        s.color = c;
        s.marker = m;
        s.line = l;
    }
    if let Some(c) = kw.str(&["color", "c"])? {
        s.color = Some(parse_color(&c).ok_or_else(|| {
            exc(
                "ValueError",
                format!("{}(): '{c}' is not a valid color", kw.fname),
            )
        })?);
    }
    if let Some(m) = kw.str(&["marker"])? {
        let mut chars = m.chars();
        s.marker = match (chars.next(), chars.next()) {
            (None, _) => None,
            (Some(c), None) => Some(Marker::from_char(c).ok_or_else(|| {
                exc(
                    "ValueError",
                    format!("{}(): unrecognized marker style '{m}'", kw.fname),
                )
            })?),
            _ if m == "None" || m == "none" => None,
            _ => {
                return Err(exc(
                    "ValueError",
                    format!("{}(): unrecognized marker style '{m}'", kw.fname),
                ))
            }
        };
    }
    if let Some(l) = kw.str(&["linestyle", "ls"])? {
        s.line = LineStyle::parse(&l).ok_or_else(|| {
            exc(
                "ValueError",
                format!("{}(): '{l}' is not a valid value for ls", kw.fname),
            )
        })?;
    }
    if let Some(w) = kw.float(&["linewidth", "lw"])? {
        s.width = w;
    }
    if let Some(m) = kw.float(&["markersize", "ms"])? {
        s.size = m / 2.0;
    }
    if let Some(a) = kw.float(&["alpha"])? {
        s.alpha = a;
    }
    Ok(s)
}

fn label(kw: &mut Kw, it: &mut Interp) -> PyResult<String> {
    match kw.take(&["label"]) {
        None => Ok(String::new()),
        Some(v) => it.to_str(&v),
    }
}

fn scale(fname: &str, s: &str) -> PyResult<Scale> {
    match s {
        "linear" => Ok(Scale::Linear),
        "log" => Ok(Scale::Log),
        other => Err(exc(
            "ValueError",
            format!("{fname}(): '{other}' is not a valid value for scale; supported values are 'linear', 'log'"),
        )),
    }
}

fn legend_loc(fname: &str, s: &str) -> PyResult<LegendLoc> {
    LegendLoc::parse(s).ok_or_else(|| {
        exc(
            "ValueError",
            format!("{fname}(): '{s}' is not a valid value for loc; supported values are 'best', 'upper right', 'upper left', 'lower left', 'lower right', 'outside'"),
        )
    })
}

/// The chart keywords of the one-call forms: title, axis labels, limits,
/// scales, legend, grid, size.
fn chart_options(kw: &mut Kw, it: &mut Interp, fig: &mut Figure) -> PyResult<()> {
    let ax = &mut fig.axes[0];
    ax.title = kw.str(&["title"])?;
    ax.xlabel = kw.str(&["xlabel"])?;
    ax.ylabel = kw.str(&["ylabel"])?;
    ax.xlim = kw.pair(it, &["xlim"])?;
    ax.ylim = kw.pair(it, &["ylim"])?;
    if kw.bool(it, &["logx"])? == Some(true) {
        ax.xscale = Scale::Log;
    }
    if kw.bool(it, &["logy"])? == Some(true) {
        ax.yscale = Scale::Log;
    }
    if let Some(s) = kw.str(&["xscale"])? {
        ax.xscale = scale(kw.fname, &s)?;
    }
    if let Some(s) = kw.str(&["yscale"])? {
        ax.yscale = scale(kw.fname, &s)?;
    }
    match kw.take(&["legend"]) {
        None => {}
        Some(Value::Bool(false)) => ax.no_legend = true,
        Some(Value::Bool(true)) => {}
        Some(Value::Str(s)) => ax.legend = Some(legend_loc(kw.fname, &s)?),
        Some(other) => {
            return Err(type_error(format!(
                "{}(): legend must be a bool or a location str, not {}",
                kw.fname,
                other.type_name()
            )))
        }
    }
    if kw.bool(it, &["grid"])? == Some(false) {
        ax.no_grid = true;
    }
    if let Some((w, h)) = kw.pair(it, &["figsize"])? {
        fig.set_size_inches(w, h);
    }
    Ok(())
}

// ------------------------------------------------------------ the marks

/// `plot`'s positional forms: `(y)`, `(x, y)`, each optionally followed
/// by a format string, repeated; a dict of name: ys or (xs, ys); a 2-D
/// tensor y is one line per column.
fn add_lines(
    it: &mut Interp,
    ax: &mut Axes,
    fname: &'static str,
    pos: &[Value],
    kw: &mut Kw,
) -> PyResult<()> {
    let label = label(kw, it)?;
    let fmt_of = |v: Option<&Value>| match v {
        Some(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    if let [Value::Dict(d)] = pos {
        let entries: Vec<(Value, Value)> = d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let st = style(kw, None)?;
        for (k, v) in entries {
            let name = it.to_str(&k)?;
            let (xs, ys) = match &v {
                Value::Tuple(t) if t.items.len() == 2 => (
                    Some(numbers(it, fname, "xs", &t.items[0], false)?),
                    numbers(it, fname, "ys", &t.items[1], false)?,
                ),
                _ => (None, numbers(it, fname, "ys", &v, false)?),
            };
            let xs = xs.unwrap_or_else(|| (0..ys.len()).map(|i| i as f64).collect());
            same_len(fname, &xs, &ys)?;
            ax.marks.push(Mark::line(&name, &xs, &ys, st));
        }
        return Ok(());
    }
    if pos.is_empty() {
        return Err(type_error(format!("{fname}() missing the values to plot")));
    }
    let mut groups: Vec<(Option<&Value>, &Value, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < pos.len() {
        if matches!(pos[i], Value::Str(_)) && i == 0 {
            return Err(type_error(format!(
                "{fname}(): argument 'ys' must be a list of numbers or a tensor, not str"
            )));
        }
        if matches!(pos[i], Value::Str(_)) {
            return Err(exc(
                "ValueError",
                format!("{fname}(): a format string must follow the values it styles"),
            ));
        }
        let second_is_data = pos.get(i + 1).is_some_and(|v| !matches!(v, Value::Str(_)));
        let (x, y) = if second_is_data {
            (Some(&pos[i]), &pos[i + 1])
        } else {
            (None, &pos[i])
        };
        i += if second_is_data { 2 } else { 1 };
        let fmt = fmt_of(pos.get(i));
        if fmt.is_some() {
            i += 1;
        }
        groups.push((x, y, fmt));
    }
    let many = groups.len() > 1;
    let base = style(kw, None)?;
    for (x, y, fmt) in groups {
        let mut st = match &fmt {
            Some(f) => {
                let mut k = Kw::new(fname, Vec::new());
                style(&mut k, Some(f))?
            }
            None => Style::default(),
        };
        // Keywords apply to every line, over the format string.
        let d = Style::default();
        if base.color.is_some() {
            st.color = base.color;
        }
        if base.marker.is_some() {
            st.marker = base.marker;
        }
        if base.line != d.line {
            st.line = base.line;
        }
        st.width = base.width;
        st.size = base.size;
        st.alpha = base.alpha;
        let cols: Vec<Vec<f64>> = match y.downcast::<tinytorch::Tensor>() {
            Some(t) if t.dim() == 2 => {
                let (r, c) = (t.shape()[0], t.shape()[1]);
                let v = t.detach().to_vec_f64().py()?;
                (0..c)
                    .map(|j| (0..r).map(|k| v[k * c + j]).collect())
                    .collect()
            }
            _ => vec![numbers(it, fname, "ys", y, false)?],
        };
        let xs = match x {
            Some(x) => numbers(it, fname, "xs", x, false)?,
            None => (0..cols[0].len()).map(|i| i as f64).collect(),
        };
        for ys in cols {
            same_len(fname, &xs, &ys)?;
            let name = if many { String::new() } else { label.clone() };
            ax.marks.push(Mark::line(&name, &xs, &ys, st));
        }
    }
    Ok(())
}

/// Positional argument `i`, or Python's missing-argument TypeError naming `param`.
fn required<'a>(pos: &'a [Value], i: usize, fname: &str, param: &str) -> PyResult<&'a Value> {
    pos.get(i).ok_or_else(|| {
        type_error(format!(
            "{fname}() missing 1 required positional argument: '{param}'"
        ))
    })
}

fn add_scatter(
    it: &mut Interp,
    ax: &mut Axes,
    fname: &'static str,
    pos: &[Value],
    kw: &mut Kw,
) -> PyResult<()> {
    let (x, y) = (required(pos, 0, fname, "x")?, required(pos, 1, fname, "y")?);
    let xs = numbers(it, fname, "x", x, true)?;
    let ys = numbers(it, fname, "y", y, true)?;
    if xs.len() != ys.len() {
        return Err(exc(
            "ValueError",
            format!("{fname}(): x and y must be the same size"),
        ));
    }
    let names = match kw.take(&["names", "classes"]) {
        Some(v) => strings(it, &v)?,
        None => None,
    };
    let size = kw.float(&["s"])?;
    let colors = match kw.take(&["c"]) {
        None => PointColors::Single,
        Some(Value::Str(s)) => {
            kw.kw.push((Rc::from("color"), Value::Str(s)));
            PointColors::Single
        }
        Some(v) => {
            let integral = match v.downcast::<tinytorch::Tensor>() {
                Some(t) => !t.dtype().is_float(),
                None => it
                    .collect(&v)?
                    .iter()
                    .all(|x| matches!(x, Value::Int(_) | Value::Bool(_))),
            };
            let values = numbers(it, fname, "c", &v, true)?;
            if values.len() != xs.len() {
                return Err(exc(
                    "ValueError",
                    format!(
                        "{fname}(): 'c' argument has {} elements, which is inconsistent with 'x' and 'y' with size {}",
                        values.len(),
                        xs.len()
                    ),
                ));
            }
            if integral {
                PointColors::Classes {
                    classes: values.iter().map(|&v| v as i64).collect(),
                    names,
                }
            } else {
                PointColors::Values(values)
            }
        }
    };
    let label = label(kw, it)?;
    let mut st = style(kw, None)?;
    if let Some(s) = size {
        // matplotlib's s is an area in points^2: a radius of about sqrt(s)/2.
        st.size = (s.max(0.0).sqrt() / 2.0 * 1.4).max(1.0);
    }
    ax.marks.push(Mark::Scatter {
        label,
        xs,
        ys,
        colors,
        style: st,
    });
    Ok(())
}

/// Adds a histogram; returns its counts and edges.
fn add_hist(
    it: &mut Interp,
    ax: &mut Axes,
    fname: &'static str,
    pos: &[Value],
    kw: &mut Kw,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let x = required(pos, 0, fname, "x")?;
    let values = numbers(it, fname, "x", x, true)?;
    let bins = match pos.get(1).cloned().or_else(|| kw.take(&["bins"])) {
        None => 10,
        Some(Value::Int(n)) if n >= 1 => n as usize,
        Some(Value::Int(n)) => {
            return Err(exc(
                "ValueError",
                format!("{fname}(): `bins` must be positive, when an integer, got {n}"),
            ))
        }
        Some(other) => {
            return Err(type_error(format!(
                "{fname}(): bins must be an int, not {}",
                other.type_name()
            )))
        }
    };
    if bins > 100_000 {
        return Err(exc(
            "ValueError",
            format!("{fname}(): {bins} bins is too many (at most 100000)"),
        ));
    }
    let range = kw.pair(it, &["range"])?;
    let density = kw.bool(it, &["density"])?.unwrap_or(false);
    let label = label(kw, it)?;
    let mut st = style(kw, None)?;
    if st.alpha == 1.0 && ax.marks.iter().any(|m| matches!(m, Mark::Bars { .. })) {
        st.alpha = 0.6; // overlapping histograms stay readable
    }
    Ok(ax.hist(&label, &values, bins, range, density, st))
}

fn add_bars(
    it: &mut Interp,
    ax: &mut Axes,
    fname: &'static str,
    pos: &[Value],
    kw: &mut Kw,
) -> PyResult<()> {
    let (x, h) = (
        required(pos, 0, fname, "x")?,
        required(pos, 1, fname, "height")?,
    );
    let heights = numbers(it, fname, "height", h, true)?;
    let (xs, names) = match strings(it, x)? {
        Some(names) => ((0..names.len()).map(|i| i as f64).collect(), Some(names)),
        None => (numbers(it, fname, "x", x, true)?, None),
    };
    let tick_label = match kw.take(&["tick_label"]) {
        Some(v) => strings(it, &v)?,
        None => None,
    };
    if xs.len() != heights.len() {
        return Err(exc(
            "ValueError",
            format!(
                "{fname}(): shape mismatch: {} positions for {} heights",
                xs.len(),
                heights.len()
            ),
        ));
    }
    let width = kw.float(&["width"])?.unwrap_or(0.8);
    if let Some(names) = names.or(tick_label) {
        ax.xticks = Some(Ticks {
            at: xs.clone(),
            labels: Some(names),
        });
    }
    let label = label(kw, it)?;
    let st = style(kw, None)?;
    ax.marks.push(Mark::Bars {
        label,
        widths: vec![width; xs.len()],
        x: xs,
        heights,
        style: st,
        outline: false,
    });
    Ok(())
}

/// `labels=`: one list for rows and columns, or a pair (rows, columns).
pub(crate) fn axis_labels(it: &mut Interp, v: &Value) -> PyResult<(Vec<String>, Vec<String>)> {
    if let Some(both) = strings(it, v)? {
        return Ok((both.clone(), both));
    }
    let parts = match v {
        Value::List(_) | Value::Tuple(_) => it.collect(v)?,
        _ => Vec::new(),
    };
    if let [r, c] = parts.as_slice() {
        if let (Some(r), Some(c)) = (strings(it, r)?, strings(it, c)?) {
            return Ok((r, c));
        }
    }
    Err(type_error(
        "labels must be a list of str, or a pair of lists (row labels, column labels)",
    ))
}

/// `imshow` / `heatmap`: a 2-D tensor through a colour map (grey for
/// `cmap="gray"`), or an image: (H, W, 3) as matplotlib, (3, H, W) or
/// (1, H, W) as torch stores it.
fn add_image(
    it: &mut Interp,
    ax: &mut Axes,
    fname: &'static str,
    pos: &[Value],
    kw: &mut Kw,
    heatmap: bool,
) -> PyResult<()> {
    let x = required(pos, 0, fname, "X")?;
    let (shape, values, integral) = match x.downcast::<tinytorch::Tensor>() {
        Some(t) => (
            t.shape().to_vec(),
            t.detach().to_vec_f64().py()?,
            !t.dtype().is_float(),
        ),
        None => {
            let rows = it.collect(x)?;
            let mut values = Vec::new();
            for r in &rows {
                values.extend(numbers(it, fname, "X", r, false)?);
            }
            let cols = if rows.is_empty() {
                0
            } else {
                values.len() / rows.len()
            };
            if cols * rows.len() != values.len() {
                return Err(exc(
                    "ValueError",
                    format!("{fname}(): the rows of X have different lengths"),
                ));
            }
            (vec![rows.len(), cols], values, false)
        }
    };
    let cmap = kw.str(&["cmap"])?;
    let vmin = kw.float(&["vmin"])?;
    let vmax = kw.float(&["vmax"])?;
    let annot = kw.bool(it, &["annot"])?;
    if let Some(a) = kw.str(&["aspect"])? {
        ax.aspect_auto = a == "auto";
    }
    if let Some(v) = kw.take(&["labels"]) {
        let (rows, cols) = axis_labels(it, &v)?;
        let at = |n: usize| (0..n).map(|i| i as f64).collect();
        ax.yticks = Some(Ticks {
            at: at(rows.len()),
            labels: Some(rows),
        });
        ax.xticks = Some(Ticks {
            at: at(cols.len()),
            labels: Some(cols),
        });
    }
    let mark = match shape.as_slice() {
        [h, w] => {
            let grey = matches!(cmap.as_deref(), Some("gray" | "grey" | "Greys_r" | "gray_r" | "Greys" | "binary" | "binary_r"));
            if grey && !heatmap {
                let (lo, hi) = value_range(&values, vmin, vmax);
                let reversed = matches!(cmap.as_deref(), Some("gray_r" | "Greys" | "binary"));
                let scaled: Vec<f64> = values
                    .iter()
                    .map(|v| {
                        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                        if reversed { 1.0 - t } else { t }
                    })
                    .collect();
                Mark::image(*h, *w, 1, &scaled)
            } else {
                let vlim = match (vmin, vmax) {
                    (None, None) => None,
                    _ => Some(value_range(&values, vmin, vmax)),
                };
                let annotate = annot.unwrap_or(heatmap && *h <= 20 && *w <= 20);
                Mark::heatmap(*h, *w, &values, vlim, annotate)
            }
        }
        [h, w, c] if (*c == 3 || *c == 4) && !heatmap => image_of(*h, *w, *c, &values, integral, false),
        [c, h, w] if (*c == 1 || *c == 3) && !heatmap => image_of(*h, *w, *c, &values, integral, true),
        _ => {
            return Err(type_error(format!(
                "{fname}(): invalid shape {shape:?} for image data (expected (H, W), (H, W, 3), (H, W, 4), (3, H, W) or (1, H, W))"
            )))
        }
    };
    let mut mark = mark;
    // extent=(left, right, bottom, top) in data units; origin='lower' puts
    // row 0 at the bottom (a function sampled on a grid).
    let extent = kw.take(&["extent"]);
    let lower = match kw.str(&["origin"])?.as_deref() {
        None | Some("upper") => false,
        Some("lower") => true,
        Some(o) => {
            return Err(exc(
                "ValueError",
                format!("{fname}(): origin must be 'upper' or 'lower', not '{o}'"),
            ))
        }
    };
    if let Mark::Image {
        rows,
        cols,
        rgb,
        extent: ext,
        cells,
        ..
    } = &mut mark
    {
        if lower {
            let w = *cols * 3;
            let flipped: Vec<u8> = rgb.chunks(w.max(1)).rev().flatten().copied().collect();
            *rgb = flipped;
            if let Some(c) = cells {
                let flipped: Vec<String> =
                    c.chunks((*cols).max(1)).rev().flatten().cloned().collect();
                *c = flipped;
            }
        }
        match extent {
            Some(v) => {
                let items = it.collect(&v)?;
                if items.len() != 4 {
                    return Err(type_error(format!(
                        "{fname}(): extent must be (left, right, bottom, top)"
                    )));
                }
                let mut e = [0.0; 4];
                for (k, x) in items.iter().enumerate() {
                    e[k] = number(fname, "extent", x)?;
                }
                *ext = (e[0], e[1], e[3], e[2]);
            }
            None if lower => *ext = (ext.0, ext.1, *rows as f64 - 0.5, -0.5),
            None => {}
        }
    }
    if heatmap || matches!(shape.as_slice(), [_, _]) {
        ax.no_grid = true;
    }
    ax.marks.push(mark);
    Ok(())
}

fn value_range(values: &[f64], vmin: Option<f64>, vmax: Option<f64>) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    (vmin.unwrap_or(lo), vmax.unwrap_or(hi))
}

/// An RGB(A) or single-channel image, channels last or (torch) first;
/// integers are 0..255, floats 0..1.
fn image_of(
    h: usize,
    w: usize,
    c: usize,
    values: &[f64],
    integral: bool,
    channels_first: bool,
) -> Mark {
    let scale = if integral { 1.0 / 255.0 } else { 1.0 };
    let keep = c.min(3);
    let mut out = Vec::with_capacity(h * w * keep);
    for p in 0..h * w {
        for ch in 0..keep {
            let i = if channels_first {
                ch * h * w + p
            } else {
                p * c + ch
            };
            out.push(values[i] * scale);
        }
    }
    Mark::image(h, w, keep, &out)
}

// ------------------------------------------------------- one-call forms

const PLOT_DOC: &str = "plot(ys) | plot(xs, ys) | plot(xs, ys, fmt) | plot({\"train\": a, \"val\": b}, *, title=None, xlabel=None, ylabel=None, xlim=None, ylim=None, logx=False, logy=False, legend=None, figsize=None, color=None, marker=None, linestyle=None, linewidth=None, label=None, display_id=None) -> None

A line chart (e.g. loss curves), shown at once: SVG and PNG in Jupyter, an
inline image or a text chart in the terminal (also saved to a file). Values
are lists of numbers or 1-D tensors (a 2-D tensor: one line per column); a
dict draws one named line per entry (each value ys or an (xs, ys) pair).
fmt is matplotlib's format string ('o-', 'r--', 'k.'). legend: False, or
where it goes ('best', 'upper left', ..., 'outside' to the right of the
data). figsize in inches as matplotlib (100 pixels each). Returns None, so
a cell can show several.

display_id (a tinytorch addition): the first call with a new id shows the
chart, later calls with the same id in this cell update it in place (a
live loss curve in a training loop).

>>> plot([3.0, 2.0, 1.5, 1.2], title='loss')";

const SCATTER_DOC: &str = "scatter(x, y, *, c=None, s=None, marker='o', alpha=None, label=None, names=None, title=None, xlabel=None, ylabel=None, xlim=None, ylim=None, logx=False, logy=False, legend=None, figsize=None, display_id=None) -> None

Points at (x[i], y[i]), shown at once. c: one colour ('red', 'C1',
'#ff8000'), or one value per point: integers are classes (each its own
colour and legend entry, named by names= where given), floats a colour map.
s: marker area in points^2, as matplotlib.

>>> scatter([0, 1, 2], [1, 0, 1], c=[0, 1, 1], names=['cat', 'dog'])";

const HIST_DOC: &str = "hist(x, bins=10, *, range=None, density=False, color=None, alpha=None, label=None, title=None, xlabel=None, ylabel=None, xlim=None, ylim=None, logy=False, figsize=None, display_id=None) -> None

A histogram of the values of x (a tensor of any shape, or a list), shown at
once: bins equal bins over range (default: min to max), as numpy and
matplotlib count them (the last bin includes its right edge); density
divides by count times bin width.

>>> hist(torch.randn(1000), bins=30, title='weights')";

const BAR_DOC: &str = "bar(x, height, *, width=0.8, color=None, label=None, tick_label=None, title=None, xlabel=None, ylabel=None, ylim=None, logy=False, figsize=None, display_id=None) -> None

Bars of the given heights, shown at once; x: positions, or names (one
label under each bar).

>>> bar(['cat', 'dog', 'bird'], [0.9, 0.7, 0.4], title='accuracy')";

const HEATMAP_DOC: &str = "heatmap(data, *, labels=None, annot=None, vmin=None, vmax=None, title=None, xlabel=None, ylabel=None, figsize=None, display_id=None) -> None

A 2-D tensor as coloured cells, shown at once (row 0 at the top):
sequential colours, or blue-white-red for data with both signs. labels
names the rows and columns: one list for both (tokens, class names) or a
pair (rows, columns); annot writes each value in its cell (default: for at
most 20 x 20). A confusion matrix: heatmap(confusion_matrix(y, pred),
labels=classes, xlabel='predicted', ylabel='true').

>>> heatmap(torch.eye(3), labels=['a', 'b', 'c'])";

const SUBPLOTS_DOC: &str = "subplots(nrows=1, ncols=1, *, figsize=None, squeeze=True, title=None) -> (Figure, Axes | array of Axes)

A figure of nrows x ncols panels, as matplotlib's plt.subplots: one Axes
for 1 x 1, else an array of them (axes[i] in one row or column, axes[r, c]
in a grid, axes.flat for all). Draw with ax.plot, ax.scatter, ax.hist,
ax.bar, ax.imshow; set ax.set_title, set_xlabel, set_ylabel, set_xlim,
set_ylim, set_xscale/set_yscale('log'), set_xticks(ticks, labels),
legend(loc=), grid(False), axis('off'). The figure is shown when the cell
ends (or at fig.show(), display(fig), or as the cell's last expression);
fig.suptitle(t) titles it, fig.savefig(path) writes .png or .svg.

>>> fig, (a, b) = subplots(1, 2, figsize=(8, 3))
>>> a.plot([3, 2, 1]); b.hist(torch.randn(100))";

const CONFUSION_DOC: &str = "confusion_matrix(y_true, y_pred, num_classes=None) -> Tensor

Counts of (true class, predicted class) pairs as an int64 tensor of shape
(num_classes, num_classes), rows true and columns predicted (scikit-learn's
layout); num_classes defaults to the largest class seen plus one.

>>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]))
tensor([[1, 0],
        [1, 1]])";

#[rustfmt::skip]
pub const FUNCTIONS: &[Row] = &[
    raw("plot(*args, **kwargs)", PLOT_DOC, plot),
    raw("scatter(x, y, **kwargs)", SCATTER_DOC, scatter),
    raw("hist(x, bins=10, **kwargs)", HIST_DOC, hist),
    raw("bar(x, height, **kwargs)", BAR_DOC, bar),
    raw("heatmap(data, **kwargs)", HEATMAP_DOC, heatmap),
    raw("subplots(nrows=1, ncols=1, **kwargs)", SUBPLOTS_DOC, subplots),
    row("confusion_matrix(Tensor y_true, Tensor y_pred, int? num_classes=None)", CONFUSION_DOC, confusion_matrix),
];

/// Runs a one-call chart: one panel, its marks, the chart keywords, shown.
fn one_call(
    it: &mut Interp,
    a: Args,
    fname: &'static str,
    add: fn(&mut Interp, &mut Axes, &'static str, &[Value], &mut Kw) -> PyResult<()>,
) -> PyResult<Value> {
    let Args { pos, kw } = a;
    let mut kw = Kw::new(fname, kw);
    let mut fig = Figure::single(Axes::default());
    let display_id = kw.str(&["display_id"])?;
    chart_options(&mut kw, it, &mut fig)?;
    add(it, &mut fig.axes[0], fname, &pos, &mut kw)?;
    kw.finish()?;
    let bundle = render(&fig)?;
    emit_picture(it, bundle, display_id);
    Ok(Value::None)
}

fn plot(it: &mut Interp, a: Args) -> PyResult<Value> {
    one_call(it, a, "plot", add_lines)
}

fn scatter(it: &mut Interp, a: Args) -> PyResult<Value> {
    one_call(it, a, "scatter", add_scatter)
}

fn hist(it: &mut Interp, a: Args) -> PyResult<Value> {
    one_call(it, a, "hist", |it, ax, f, pos, kw| {
        add_hist(it, ax, f, pos, kw).map(drop)
    })
}

fn bar(it: &mut Interp, a: Args) -> PyResult<Value> {
    one_call(it, a, "bar", add_bars)
}

fn heatmap(it: &mut Interp, a: Args) -> PyResult<Value> {
    one_call(it, a, "heatmap", |it, ax, f, pos, kw| {
        add_image(it, ax, f, pos, kw, true)
    })
}

fn subplots(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Args { pos, kw } = a;
    let mut kw = Kw::new("subplots", kw);
    let dim = |v: Option<Value>, name: &str| -> PyResult<usize> {
        match v {
            None => Ok(1),
            Some(Value::Int(n)) if (1..=16).contains(&n) => Ok(n as usize),
            Some(Value::Int(n)) => Err(exc(
                "ValueError",
                format!("subplots(): {name} must be between 1 and 16, got {n}"),
            )),
            Some(other) => Err(type_error(format!(
                "subplots(): {name} must be an int, not {}",
                other.type_name()
            ))),
        }
    };
    let nrows = dim(
        pos.first().cloned().or_else(|| kw.take(&["nrows"])),
        "nrows",
    )?;
    let ncols = dim(pos.get(1).cloned().or_else(|| kw.take(&["ncols"])), "ncols")?;
    let mut fig = Figure::grid(nrows, ncols);
    if let Some((w, h)) = kw.pair(it, &["figsize"])? {
        fig.set_size_inches(w, h);
    }
    fig.title = kw.str(&["title", "suptitle"])?;
    let squeeze = kw.bool(it, &["squeeze"])?.unwrap_or(true);
    kw.finish()?;
    let state = Rc::new(FigState {
        fig: RefCell::new(fig),
        dirty: Cell::new(false),
    });
    OPEN.with(|o| o.borrow_mut().push(Rc::downgrade(&state)));
    let items: Vec<Value> = (0..nrows * ncols).map(|i| axes_value(&state, i)).collect();
    let axes = if squeeze && nrows * ncols == 1 {
        items[0].clone()
    } else {
        let shape = if squeeze && (nrows == 1 || ncols == 1) {
            vec![nrows * ncols]
        } else {
            vec![nrows, ncols]
        };
        Value::object(AxesArray { items, shape })
    };
    Ok(Value::tuple(vec![Value::object(FigureObj(state)), axes]))
}

fn confusion_matrix(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?.detach().to_vec_f64().py()?;
    let p = b.tensor(1)?.detach().to_vec_f64().py()?;
    if t.len() != p.len() {
        return Err(exc(
            "ValueError",
            format!(
                "confusion_matrix(): y_true has {} values and y_pred {}",
                t.len(),
                p.len()
            ),
        ));
    }
    let class = |v: f64| -> PyResult<usize> {
        if v >= 0.0 && v.fract() == 0.0 && v < 1e6 {
            Ok(v as usize)
        } else {
            Err(exc(
                "ValueError",
                format!("confusion_matrix(): classes must be integers from 0, got {v}"),
            ))
        }
    };
    let mut pairs = Vec::with_capacity(t.len());
    let mut seen = 0;
    for (&a, &b) in t.iter().zip(&p) {
        let (a, b) = (class(a)?, class(b)?);
        seen = seen.max(a + 1).max(b + 1);
        pairs.push((a, b));
    }
    let n = match b.opt_int(2)? {
        Some(n) if n >= 0 && (n as usize) >= seen && n <= 10_000 => n as usize,
        Some(n) => {
            return Err(exc(
                "ValueError",
                format!(
                    "confusion_matrix(): num_classes={n} but class {} appears",
                    seen.saturating_sub(1)
                ),
            ))
        }
        None => seen,
    };
    let mut counts = vec![0i64; n * n];
    for (a, b) in pairs {
        counts[a * n + b] += 1;
    }
    let out = tinytorch::Tensor::from_vec(counts, &[n, n]).py()?;
    Ok(Value::object(out))
}

// ------------------------------------------------------------ methods

fn axes_of(v: &Value) -> PyResult<&AxesObj> {
    v.downcast::<AxesObj>()
        .ok_or_else(|| type_error("expected an Axes"))
}

fn figure_of(v: &Value) -> PyResult<&FigureObj> {
    v.downcast::<FigureObj>()
        .ok_or_else(|| type_error("expected a Figure"))
}

/// Runs `add` on the receiver's panel.
fn on_axes<T>(
    it: &mut Interp,
    a: Args,
    fname: &'static str,
    add: impl FnOnce(&mut Interp, &mut Axes, &'static str, &[Value], &mut Kw) -> PyResult<T>,
) -> PyResult<T> {
    let Args { mut pos, kw } = a;
    if pos.is_empty() {
        return Err(type_error(format!("{fname}() needs an Axes")));
    }
    let this = pos.remove(0);
    let ax = axes_of(&this)?;
    let mut kw = Kw::new(fname, kw);
    // Work on a copy: an error leaves the panel as it was.
    let mut copy = ax.fig.fig.borrow().axes[ax.index].clone();
    let out = add(it, &mut copy, fname, &pos, &mut kw)?;
    kw.finish()?;
    ax.with(|a| *a = copy);
    Ok(out)
}

fn ax_plot(it: &mut Interp, a: Args) -> PyResult<Value> {
    on_axes(it, a, "plot", add_lines).map(|_| Value::None)
}

fn ax_scatter(it: &mut Interp, a: Args) -> PyResult<Value> {
    on_axes(it, a, "scatter", add_scatter).map(|_| Value::None)
}

fn ax_bar(it: &mut Interp, a: Args) -> PyResult<Value> {
    on_axes(it, a, "bar", add_bars).map(|_| Value::None)
}

fn ax_imshow(it: &mut Interp, a: Args) -> PyResult<Value> {
    on_axes(it, a, "imshow", |it, ax, f, pos, kw| {
        add_image(it, ax, f, pos, kw, false)
    })
    .map(|_| Value::None)
}

fn ax_heatmap(it: &mut Interp, a: Args) -> PyResult<Value> {
    on_axes(it, a, "heatmap", |it, ax, f, pos, kw| {
        add_image(it, ax, f, pos, kw, true)
    })
    .map(|_| Value::None)
}

/// matplotlib returns (n, bins, patches); patches are None here.
fn ax_hist(it: &mut Interp, a: Args) -> PyResult<Value> {
    let (counts, edges) = on_axes(it, a, "hist", add_hist)?;
    let t = |v: Vec<f64>| -> PyResult<Value> {
        let n = v.len();
        let t = tinytorch::Tensor::from_vec_f64(&v, &[n], tinytorch::DType::F32).py()?;
        Ok(Value::object(t))
    };
    Ok(Value::tuple(vec![t(counts)?, t(edges)?, Value::None]))
}

/// `set_xlim(left, right)` or `set_xlim((left, right))`.
fn limits(it: &mut Interp, b: &Bound, fname: &str) -> PyResult<Option<(f64, f64)>> {
    if b.is_none(1) && b.is_none(2) {
        return Ok(None);
    }
    if b.is_none(2) {
        return pair(it, fname, "left", b.value(1)).map(Some);
    }
    Ok(Some((
        number(fname, "left", b.value(1))?,
        number(fname, "right", b.value(2))?,
    )))
}

fn set_xlim(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let l = limits(it, &b, "set_xlim")?;
    axes_of(b.value(0))?.with(|a| a.xlim = l);
    Ok(Value::None)
}

fn set_ylim(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let l = limits(it, &b, "set_ylim")?;
    axes_of(b.value(0))?.with(|a| a.ylim = l);
    Ok(Value::None)
}

fn text_arg(it: &mut Interp, b: &Bound, i: usize) -> PyResult<Option<String>> {
    match b.value(i) {
        Value::None => Ok(None),
        v => it.to_str(v).map(Some),
    }
}

fn set_title(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = text_arg(it, &b, 1)?;
    axes_of(b.value(0))?.with(|a| a.title = t);
    Ok(Value::None)
}

fn set_xlabel(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = text_arg(it, &b, 1)?;
    axes_of(b.value(0))?.with(|a| a.xlabel = t);
    Ok(Value::None)
}

fn set_ylabel(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = text_arg(it, &b, 1)?;
    axes_of(b.value(0))?.with(|a| a.ylabel = t);
    Ok(Value::None)
}

fn set_xscale(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let s = scale("set_xscale", b.str(1)?)?;
    axes_of(b.value(0))?.with(|a| a.xscale = s);
    Ok(Value::None)
}

fn set_yscale(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let s = scale("set_yscale", b.str(1)?)?;
    axes_of(b.value(0))?.with(|a| a.yscale = s);
    Ok(Value::None)
}

fn ticks_arg(it: &mut Interp, b: &Bound, fname: &str) -> PyResult<Ticks> {
    let at = numbers(it, fname, "ticks", b.value(1), false)?;
    let labels = match b.value(2) {
        Value::None => None,
        v => {
            let mut out = Vec::new();
            for x in it.collect(v)? {
                out.push(it.to_str(&x)?);
            }
            if out.len() != at.len() {
                return Err(exc(
                    "ValueError",
                    format!(
                        "{fname}(): the number of FixedLocator locations ({}), usually from a call to set_ticks, does not match the number of labels ({})",
                        at.len(),
                        out.len()
                    ),
                ));
            }
            Some(out)
        }
    };
    Ok(Ticks { at, labels })
}

fn set_xticks(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = ticks_arg(it, &b, "set_xticks")?;
    axes_of(b.value(0))?.with(|a| a.xticks = Some(t));
    Ok(Value::None)
}

fn set_yticks(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = ticks_arg(it, &b, "set_yticks")?;
    axes_of(b.value(0))?.with(|a| a.yticks = Some(t));
    Ok(Value::None)
}

fn legend(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Args { pos, kw } = a;
    let this = pos
        .first()
        .ok_or_else(|| type_error("legend() needs an Axes"))?;
    let ax = axes_of(this)?;
    let mut kw = Kw::new("legend", kw);
    let loc = match pos.get(1).cloned().or_else(|| kw.take(&["loc"])) {
        None => None,
        Some(Value::Str(s)) => Some(legend_loc("legend", &s)?),
        Some(other) => {
            return Err(type_error(format!(
                "legend(): loc must be a str, not {}",
                other.type_name()
            )))
        }
    };
    // The usual recipe for a legend beside the plot:
    // loc="center left" (or "upper left"), bbox_to_anchor=(1.02, 0.5).
    let outside = match kw.take(&["bbox_to_anchor"]) {
        Some(v) => {
            let items = it.collect(&v)?;
            match items.first() {
                Some(x) => number("legend", "bbox_to_anchor", x)? > 1.0,
                None => false,
            }
        }
        None => false,
    };
    kw.take(&["title", "labels", "handles", "borderaxespad", "markerscale"]);
    kw.finish()?;
    let loc = if outside {
        Some(LegendLoc::Outside)
    } else {
        loc
    };
    ax.with(|a| {
        a.no_legend = false;
        if loc.is_some() {
            a.legend = loc;
        }
    });
    Ok(Value::None)
}

fn grid(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let on = match b.value(1) {
        Value::None => true,
        v => it.truthy(v)?,
    };
    axes_of(b.value(0))?.with(|a| a.no_grid = !on);
    Ok(Value::None)
}

fn axis(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let off = match b.value(1) {
        Value::Str(s) if &**s == "off" => true,
        Value::Str(s) if &**s == "on" => false,
        Value::Bool(v) => !v,
        Value::None => return Ok(Value::None),
        other => {
            let s = it.repr(other)?;
            return Err(exc(
                "ValueError",
                format!("axis(): unrecognized string {s} to axis; try 'on' or 'off'"),
            ));
        }
    };
    axes_of(b.value(0))?.with(|a| a.axis_off = off);
    Ok(Value::None)
}

fn set_aspect(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let auto = match b.value(1) {
        Value::Str(s) if &**s == "auto" => true,
        Value::Str(s) if &**s == "equal" => false,
        _ => {
            return Err(exc(
                "ValueError",
                "set_aspect(): aspect must be 'auto' or 'equal'",
            ))
        }
    };
    axes_of(b.value(0))?.with(|a| a.aspect_auto = auto);
    Ok(Value::None)
}

/// `ax.set(title=..., xlabel=..., xlim=..., yscale=...)`.
fn set(it: &mut Interp, a: Args) -> PyResult<Value> {
    let Args { pos, kw } = a;
    let this = pos
        .first()
        .ok_or_else(|| type_error("set() needs an Axes"))?;
    let ax = axes_of(this)?;
    let mut kw = Kw::new("set", kw);
    let title = kw.str(&["title"])?;
    let xlabel = kw.str(&["xlabel"])?;
    let ylabel = kw.str(&["ylabel"])?;
    let xlim = kw.pair(it, &["xlim"])?;
    let ylim = kw.pair(it, &["ylim"])?;
    let xscale = kw.str(&["xscale"])?.map(|s| scale("set", &s)).transpose()?;
    let yscale = kw.str(&["yscale"])?.map(|s| scale("set", &s)).transpose()?;
    kw.finish()?;
    ax.with(|a| {
        a.title = title.or(a.title.take());
        a.xlabel = xlabel.or(a.xlabel.take());
        a.ylabel = ylabel.or(a.ylabel.take());
        a.xlim = xlim.or(a.xlim);
        a.ylim = ylim.or(a.ylim);
        a.xscale = xscale.unwrap_or(a.xscale);
        a.yscale = yscale.unwrap_or(a.yscale);
    });
    Ok(Value::None)
}

fn suptitle(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = text_arg(it, &b, 1)?;
    let f = figure_of(b.value(0))?;
    f.0.fig.borrow_mut().title = t;
    f.0.dirty.set(true);
    Ok(Value::None)
}

fn fig_show(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = figure_of(b.value(0))?;
    let bundle = render(&f.0.fig.borrow())?;
    f.0.dirty.set(false);
    emit_picture(it, bundle, b.opt_str(1)?.map(String::from));
    Ok(Value::None)
}

fn savefig(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = figure_of(b.value(0))?;
    let path = b.str(1)?.to_string();
    let ext = std::path::Path::new(&path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("png")
        .to_ascii_lowercase();
    let fig = f.0.fig.borrow();
    let bytes = match ext.as_str() {
        "png" => figure::draw::png(&fig),
        "svg" => figure::draw::svg(&fig).map(String::into_bytes),
        other => {
            return Err(exc(
                "ValueError",
                format!(
                    "savefig(): Format '{other}' is not supported (supported formats: png, svg)"
                ),
            ))
        }
    }
    .map_err(tinytorch::Error::from)
    .py()?;
    std::fs::write(&path, bytes).map_err(|e| exc("OSError", format!("savefig(): {path}: {e}")))?;
    Ok(Value::None)
}

fn set_size_inches(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = figure_of(b.value(0))?;
    let (w, h) = if b.is_none(2) {
        pair(it, "set_size_inches", "w", b.value(1))?
    } else {
        (
            number("set_size_inches", "w", b.value(1))?,
            number("set_size_inches", "h", b.value(2))?,
        )
    };
    f.0.fig.borrow_mut().set_size_inches(w, h);
    f.0.dirty.set(true);
    Ok(Value::None)
}

fn nothing(_: &mut Interp, _: Args) -> PyResult<Value> {
    Ok(Value::None)
}

#[rustfmt::skip]
const AXES_METHODS: &[Row] = &[
    raw("plot(self, *args, **kwargs)", "Lines, as plot() (fmt strings, color=, marker=, linestyle=, label=).", ax_plot),
    raw("scatter(self, x, y, **kwargs)", "Points, as scatter() (c= classes or values, s=, marker=, label=).", ax_scatter),
    raw("hist(self, x, bins=10, **kwargs)", "A histogram, as hist(); returns (counts, bin_edges, None) as matplotlib's (n, bins, patches).", ax_hist),
    raw("bar(self, x, height, **kwargs)", "Bars, as bar().", ax_bar),
    raw("imshow(self, X, cmap=None, vmin=None, vmax=None, aspect=None, extent=None, origin=None, **kwargs)", "An image ((H, W, 3), (3, H, W), or (H, W) with cmap='gray') or a 2-D tensor through a colour map; row 0 at the top (origin='lower': at the bottom), square pixels unless aspect='auto'; extent=(left, right, bottom, top) places it in data units (a loss surface under trajectories drawn with ax.plot).", ax_imshow),
    raw("heatmap(self, data, labels=None, annot=None, **kwargs)", "A 2-D tensor as labelled, annotated cells, as heatmap().", ax_heatmap),
    row("set_title(self, label)", "The panel's title (e.g. 'pred 3 / true 5').", set_title),
    row("set_xlabel(self, xlabel)", "The x axis' description.", set_xlabel),
    row("set_ylabel(self, ylabel)", "The y axis' description.", set_ylabel),
    row("set_xlim(self, left=None, right=None)", "The x axis' range (left, right), or a pair.", set_xlim),
    row("set_ylim(self, bottom=None, top=None)", "The y axis' range (bottom, top), or a pair.", set_ylim),
    row("set_xscale(self, str value)", "'linear' or 'log'.", set_xscale),
    row("set_yscale(self, str value)", "'linear' or 'log'.", set_yscale),
    row("set_xticks(self, ticks, labels=None)", "Tick positions on x, with their labels (class names, tokens).", set_xticks),
    row("set_yticks(self, ticks, labels=None)", "Tick positions on y, with their labels.", set_yticks),
    raw("legend(self, loc=None, bbox_to_anchor=None, **kwargs)", "Shows the labelled marks' legend: loc 'best' (the corner with the fewest points under it), 'upper right', ..., or 'outside' (also bbox_to_anchor past the right edge) to put it beside the data.", legend),
    row("grid(self, visible=None)", "Grid lines on (default) or off.", grid),
    row("axis(self, arg=None)", "axis('off') hides the axes, ticks and grid (images); axis('on') shows them.", axis),
    row("set_aspect(self, aspect)", "'equal' (images keep square pixels, the default) or 'auto' (fill the panel).", set_aspect),
    raw("set(self, **kwargs)", "Several properties at once: title=, xlabel=, ylabel=, xlim=, ylim=, xscale=, yscale=.", set),
];

#[rustfmt::skip]
const FIGURE_METHODS: &[Row] = &[
    row("suptitle(self, t)", "A title over all panels.", suptitle),
    row("show(self, str? display_id=None)", "Shows the figure now (otherwise it shows when the cell ends).", fig_show),
    row("savefig(self, str fname)", "Writes the figure to fname: .png (default) or .svg.", savefig),
    row("set_size_inches(self, w, h=None)", "The size in inches (100 pixels each).", set_size_inches),
    raw("tight_layout(self, *args, **kwargs)", "Accepted for matplotlib code; panels are always laid out without overlap.", nothing),
];

pub fn install(it: &mut Interp) {
    let tt = super::module(it, "tinytorch", "tinytorch's own additions.");
    for r in FUNCTIONS {
        let d = Def::from_row("tinytorch", r, BindStyle::Torch);
        let name = crate::protocol::Callable::name(&d).to_string();
        let v = d.value();
        tt.set(&name, v.clone());
        it.builtins.insert(Rc::from(name.as_str()), v);
    }
    let object = it.types.object.clone();
    let fig = super::class("Figure", "tinytorch.figure", &[&object], SUBPLOTS_DOC);
    crate::bind::into_class(&fig, FIGURE_METHODS, BindStyle::Python);
    set_class(&FIGURE, &fig);
    let axes = super::class(
        "Axes",
        "tinytorch.figure",
        &[&object],
        "One panel of a Figure (see subplots).",
    );
    crate::bind::into_class(&axes, AXES_METHODS, BindStyle::Python);
    set_class(&AXES, &axes);
    let arr = super::class(
        "ndarray",
        "tinytorch.figure",
        &[&object],
        "The Axes of a subplots grid: axes[i], axes[r, c], axes.flat.",
    );
    crate::bind::into_class(&arr, ARRAY_METHODS, BindStyle::Python);
    set_class(&AXES_ARRAY, &arr);
    tt.set("Figure", Value::Class(fig));
    tt.set("Axes", Value::Class(axes));
}

fn array_of(v: &Value) -> PyResult<&AxesArray> {
    v.downcast::<AxesArray>()
        .ok_or_else(|| type_error("expected an array of Axes"))
}

fn flatten(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Ok(array_of(b.value(0))?.flat())
}

#[rustfmt::skip]
const ARRAY_METHODS: &[Row] = &[
    row("flatten(self)", "All the Axes in one row-major array.", flatten),
    row("ravel(self)", "All the Axes in one row-major array.", flatten),
];
