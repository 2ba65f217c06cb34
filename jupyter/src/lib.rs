//! The Jupyter kernel for the tinytorch language (binary `tinytorch-kernel`).
//!
//! ```text
//! wire.rs        connection file, message framing, HMAC-SHA256 signing
//! kernel.rs      the five sockets, their threads, the request handlers
//! sockets.rs     binding them (free ports for 0, written back; IPv6)
//! sink.rs        JupyterSink: a running cell's output as iopub messages
//! kernelspec.rs  `install`: kernel.json and the logos
//! ```
//! The language itself is `tinytorch_lang::Session`; this crate only
//! translates between it and the messaging protocol (version 5.3).

pub mod kernel;
pub mod kernelspec;
pub mod sink;
pub mod sockets;
pub mod wire;
