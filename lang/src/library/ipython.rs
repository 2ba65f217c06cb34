//! `IPython.display`: `display(*objs, display_id=None, clear=False)` shows
//! values as a cell's last expression would (a tensor with its HTML form in
//! a notebook; pictures keep their images), and `clear_output(wait=False)`
//! clears the running cell's outputs in a notebook (nothing in a terminal).

use super::viz::{emit, tensor_display};
use crate::bind::{raw, row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::Display;

#[rustfmt::skip]
const DISPLAY: &[Row] = &[
    raw("display(*objs, include=None, exclude=None, metadata=None, transient=None, display_id=None, raw=False, clear=False, **kwargs)", "Shows each value as a cell's last expression would (display_id: later calls with the same id update that output).", display),
    row("clear_output(wait=False)", "Clears the running cell's outputs (wait: when the next output arrives). Nothing in a terminal.", clear_output),
];

pub fn install(it: &mut Interp) {
    super::module(it, "IPython", "IPython's display helpers, for notebooks.");
    let m = super::module(
        it,
        "IPython.display",
        "Rich display of values in notebooks.",
    );
    crate::bind::into_module(&m, "IPython.display", DISPLAY, Style::Python);
}

fn display(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut id = None;
    for (k, v) in &a.kw {
        match (&**k, v) {
            ("display_id", Value::Str(s)) => id = Some(s.to_string()),
            ("display_id", Value::None) => {}
            ("display_id", other) => {
                return Err(type_error(format!(
                    "display_id must be a str, not {}",
                    other.type_name()
                )))
            }
            ("clear", v) if it.truthy(v)? => it.out.clear_output(true),
            _ => {}
        }
    }
    for v in &a.pos {
        let text = it.repr(v)?;
        let d = match v.downcast::<tinytorch::Tensor>() {
            Some(t) => tensor_display(t, text),
            None => Display::text(text),
        };
        emit(it, d, id.clone());
    }
    Ok(Value::None)
}

fn clear_output(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let wait = it.truthy(b.value(0))?;
    it.out.clear_output(wait);
    Ok(Value::None)
}
