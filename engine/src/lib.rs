//! tinytorch: PyTorch-shaped tensors, autograd, nn and optimizers, written
//! from scratch in Rust.
//!
//! ```text
//! error.rs dtype.rs     Error + Result; DType, PyTorch's promotion, Element
//! shape.rs layout.rs    dims, broadcasting; strides + offset (views are Layout -> Layout)
//! scalar.rs             Python numbers as operands (wrapping) and as data (checked)
//! device.rs storage/    Device; Storage + the Backend trait (the device seam), cpu/ kernels
//!   storage/cuda/       feature `cuda`: CudaStorage, NVRTC kernels (../kernels), cuBLAS; `tinytorch::cuda`
//! amp/                  autocast guard (per-op dtype policy), GradScaler
//! tensor/               Tensor (cheap clone), creation, PyTorch's repr
//! ops/                  one file per op family, each with its backward;
//!   ops/pointwise/      the elementwise tables: one row per op (formula, CUDA
//!                       expression, derivative), the list the language binds
//! autograd/             Node/Edge/SavedTensor, the backward walk, no_grad, gradcheck
//! nn/ optim/            Module + layers + functional; optimizers, StepLR
//! data/ io/             Dataset, DataLoader, samplers, transforms, MNIST; safetensors checkpoints
//! distributed/          process groups (mpi, nccl, threads), collectives, DistributedDataParallel
//! prelude.rs            `use tinytorch::prelude::*`: the names a notebook uses
//! llm/                  Llama/Qwen2/Qwen3/Mistral from Hugging Face files: tokenizer, generate
//! interrupt.rs          the Ctrl-C flag long CPU kernels poll between chunks
//! ```
//!
//! A short tour (`prelude` brings the names a notebook uses):
//! ```
//! use tinytorch::prelude::*;
//! let w = Tensor::new([[1f32, 2.], [3., 4.]])?.requires_grad_(true)?;
//! let x = Tensor::ones(&[2, 1])?;
//! let loss = w.matmul(&x)?.relu()?.sum()?;
//! assert_eq!(loss.grad_fn().unwrap().name(), "SumBackward0");
//! loss.backward()?;
//! assert_eq!(w.grad().unwrap().to_vec_f64()?, vec![1.0, 1.0, 1.0, 1.0]);
//! # Ok::<(), tinytorch::Error>(())
//! ```

pub mod amp;
pub mod autograd;
pub mod data;
pub mod device;
pub mod distributed;
pub mod dtype;
pub mod error;
pub mod interrupt;
pub mod io;
pub mod layout;
pub mod llm;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod prelude;
pub mod random;
pub mod scalar;
pub mod shape;
pub mod storage;
pub mod tensor;
pub mod viz;

pub use device::Device;
pub use dtype::DType;
pub use error::{Error, Result};
pub use layout::Layout;
pub use ops::Scalar;
/// `torch.cuda`: availability, device count, memory statistics.
pub use storage::cuda;
pub use tensor::Tensor;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

impl Tensor {
    /// `loss.backward()`: gradients of a scalar into the leaves' `.grad`.
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let x = Tensor::new([2f32, 3.])?.requires_grad_(true)?;
    /// let y = (&x * &x)?.sum()?; // y = x0^2 + x1^2
    /// y.backward()?;
    /// assert_eq!(x.grad().unwrap().to_vec_f64()?, [4.0, 6.0]);
    /// // A non-scalar output needs a gradient, as in PyTorch:
    /// let err = (&x * &x)?.backward().unwrap_err();
    /// assert!(err.to_string().contains("grad can be implicitly created only for scalar outputs"));
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn backward(&self) -> Result<()> {
        autograd::backward(self, None, false)
    }

    /// `t.backward(gradient=..., retain_graph=...)`.
    pub fn backward_with(&self, gradient: Option<&Tensor>, retain_graph: bool) -> Result<()> {
        autograd::backward(self, gradient, retain_graph)
    }
}
