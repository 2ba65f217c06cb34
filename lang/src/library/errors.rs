//! Engine errors as the Python exceptions PyTorch raises for them, and `?`
//! on engine results inside bindings (`.py()`).

use crate::eval::error::{exc, PyErr, PyResult};

/// An engine error as the Python exception PyTorch raises for it.
pub fn from_engine(e: tinytorch::Error) -> Box<PyErr> {
    let msg = match &e {
        // PyTorch 2.15 prefixes only the 2-D matmul message with its op.
        tinytorch::Error::ShapeMismatch { msg, .. } if msg.starts_with("mat1 and mat2") => {
            format!("mm: {msg}")
        }
        tinytorch::Error::ShapeMismatch { msg, .. }
        | tinytorch::Error::DTypeMismatch { msg, .. } => msg.clone(),
        other => other.to_string(),
    };
    exc(e.python_exception(), msg)
}

/// `?` on engine results inside bindings.
pub trait EngineResult<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> EngineResult<T> for tinytorch::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(from_engine)
    }
}
