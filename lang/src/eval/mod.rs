//! The evaluator: resolved code (`code`), values (`value`, `dict`), the
//! interpreter (`interp`), calls (`call`), classes and attributes (`class`),
//! operators (`ops`), iteration (`iter`), printing and formatting (`format`),
//! errors (`error`).

pub mod call;
pub mod class;
pub mod code;
pub mod dict;
pub mod error;
pub mod format;
pub mod interp;
pub mod iter;
pub mod ops;
pub mod value;

pub use call::Args;
pub use error::{exc, PyErr, PyResult};
pub use interp::Interp;
pub use value::Value;
