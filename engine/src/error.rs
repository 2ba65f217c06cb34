//! The engine's one error type. Every variant carries the op and the values
//! involved, and messages use PyTorch's wording where PyTorch has one, so the
//! language layer can show them unchanged as `RuntimeError`s.

use crate::{DType, Device};

/// Errors raised by the engine. Nothing in the engine panics on user input:
/// every fallible operation returns [`Result`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Two shapes that must match (or broadcast) do not.
    #[error("{op}: {msg}")]
    ShapeMismatch {
        op: &'static str,
        lhs: Vec<usize>,
        rhs: Vec<usize>,
        msg: String,
    },
    /// A dimension index outside `[-ndim, ndim)`.
    #[error("Dimension out of range (expected to be in range of [{}, {}], but got {dim})", -(*.ndim.max(&1) as i64), (*.ndim.max(&1) as i64) - 1)]
    DimOutOfRange {
        op: &'static str,
        dim: i64,
        ndim: usize,
    },
    /// An element index outside a dimension's size.
    #[error("index {index} is out of bounds for dimension {dim} with size {size}")]
    IndexOutOfRange {
        op: &'static str,
        index: i64,
        dim: usize,
        size: usize,
    },
    /// A subscript of a kind no index accepts (Python's IndexError).
    #[error("{0}")]
    InvalidIndex(String),
    /// An op received a dtype it does not accept.
    #[error("{op}: {msg}")]
    DTypeMismatch {
        op: &'static str,
        expected: Option<DType>,
        got: DType,
        msg: String,
    },
    /// Operands live on different devices.
    #[error("Expected all tensors to be on the same device, but found at least two devices, {lhs} and {rhs}! (when checking argument for {op})")]
    DeviceMismatch {
        op: &'static str,
        lhs: Device,
        rhs: Device,
    },
    /// An allocation the engine refuses (too large) or the device cannot
    /// serve, in the words of PyTorch's allocator for that device.
    #[error("{}", oom_message(*.bytes, *.device))]
    OutOfMemory { bytes: u128, device: Device },
    /// An op/dtype/device combination that is not implemented.
    #[error("\"{op}\" not implemented for '{dtype}' on {device}")]
    Unsupported {
        op: &'static str,
        dtype: DType,
        device: Device,
    },
    /// An invalid argument value (negative size, bad step, ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// An argument PyTorch checks in Python before the op runs (a layer's
    /// input rank, a batch too small to normalise): Python's ValueError.
    #[error("{0}")]
    Value(String),
    /// Autograd misuse: backward through a freed graph, a tensor modified in
    /// place that backward still needs, grad of a non-scalar, ...
    #[error("{0}")]
    Autograd(String),
    /// File and stream errors (checkpoints, datasets).
    #[error("{0}")]
    Io(String),
    /// A broken engine invariant: a bug, reported instead of a panic.
    #[error("internal error: {0}")]
    Internal(String),
    /// A long op stopped between chunks because [`crate::interrupt::request`]
    /// was called (Ctrl-C); its output was never published.
    #[error("interrupted")]
    Interrupted,
}

/// PyTorch's out-of-memory wording: the CPU allocator's enforce message,
/// or the CUDA caching allocator's first sentence.
fn oom_message(bytes: u128, device: Device) -> String {
    match device {
        Device::Cpu => format!(
            "[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory: you tried to allocate {bytes} bytes. Error code 12 (Cannot allocate memory)"
        ),
        Device::Cuda(i) => {
            let gib = bytes as f64 / (1u64 << 30) as f64;
            let size = if gib >= 1.0 {
                format!("{gib:.2} GiB")
            } else {
                format!("{:.2} MiB", bytes as f64 / (1u64 << 20) as f64)
            };
            format!("CUDA out of memory. Tried to allocate {size}. GPU {i}")
        }
    }
}

impl Error {
    /// A shape mismatch with a free-form PyTorch-worded message.
    pub fn shape(op: &'static str, lhs: &[usize], rhs: &[usize], msg: impl Into<String>) -> Self {
        Error::ShapeMismatch {
            op,
            lhs: lhs.to_vec(),
            rhs: rhs.to_vec(),
            msg: msg.into(),
        }
    }

    /// Shorthand for [`Error::InvalidArgument`].
    /// [`Error::Value`]: what PyTorch raises as ValueError.
    pub fn value(msg: impl Into<String>) -> Self {
        Error::Value(msg.into())
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    /// The PyTorch exception class this error maps to in the language layer.
    pub fn python_exception(&self) -> &'static str {
        match self {
            Error::IndexOutOfRange { .. }
            | Error::DimOutOfRange { .. }
            | Error::InvalidIndex(_) => "IndexError",
            Error::Io(_) => "OSError",
            Error::Value(_) => "ValueError",
            Error::Interrupted => "KeyboardInterrupt",
            _ => "RuntimeError",
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl From<crate::random::RandomError> for Error {
    fn from(e: crate::random::RandomError) -> Self {
        Error::InvalidArgument(e.to_string())
    }
}
