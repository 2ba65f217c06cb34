//! The evaluator: resolved code (`code`), values (`value`, `dict`), the
//! interpreter (`interp`), calls (`call`), classes and attributes (`class`),
//! subscripts (`items`), operators (`ops`), iteration and `len` (`iter`),
//! generators (`generator`),
//! printing and formatting (`format`), errors (`error`).
//!
//! It knows Python's values and the [`protocol`](crate::protocol) that
//! native types implement, and no library type: the library
//! ([`library`](crate::library)) is a layer above it.

pub mod call;
pub mod class;
pub mod code;
pub mod dict;
pub mod error;
pub mod format;
pub mod gc;
pub mod generator;
pub mod interp;
pub mod items;
pub mod iter;
pub mod ops;
pub mod value;

pub use call::Args;
pub use error::{exc, PyErr, PyResult};
pub use interp::Interp;
pub use value::Value;
