//! Matrix products on CUDA through cuBLAS.

use cudarc::cublas::sys as blas;
use cudarc::driver::{DevicePtr, DevicePtrMut};

use super::backend::CudaStorage;
use super::context::cuda_err;
use crate::storage::Backend;
use crate::{DType, Error, Layout, Result};

/// `[b.., m, k] @ [b.., k, n]` through cublasGemmStridedBatchedEx. Row-major
/// C = A B is column-major C^T = B^T A^T, so B goes first with no transposes.
/// f16/bf16 accumulate in f32; f32 is full FP32 unless `allow_tf32`.
pub(super) fn matmul(
    a: &CudaStorage,
    la: &Layout,
    b: &CudaStorage,
    lb: &Layout,
) -> Result<CudaStorage> {
    let g = a.gpu().clone();
    let r = la.ndim();
    let (m, k, n) = (la.shape()[r - 2], la.shape()[r - 1], lb.shape()[r - 1]);
    let batch: usize = la.shape()[..r - 2].iter().product();
    let dtype = Backend::dtype(a);
    let (data, compute) = match dtype {
        DType::F32 if super::allow_tf32() => (
            blas::cudaDataType::CUDA_R_32F,
            blas::cublasComputeType_t::CUBLAS_COMPUTE_32F_FAST_TF32,
        ),
        DType::F32 => (
            blas::cudaDataType::CUDA_R_32F,
            blas::cublasComputeType_t::CUBLAS_COMPUTE_32F,
        ),
        DType::F64 => (
            blas::cudaDataType::CUDA_R_64F,
            blas::cublasComputeType_t::CUBLAS_COMPUTE_64F,
        ),
        DType::F16 => (
            blas::cudaDataType::CUDA_R_16F,
            blas::cublasComputeType_t::CUBLAS_COMPUTE_32F,
        ),
        DType::BF16 => (
            blas::cudaDataType::CUDA_R_16BF,
            blas::cublasComputeType_t::CUBLAS_COMPUTE_32F,
        ),
        _ => {
            // PyTorch's words for an integer matmul on CUDA.
            return Err(Error::Unsupported {
                op: "addmm_impl_cuda_",
                dtype,
                device: g.device(),
            });
        }
    };
    let count = batch * m * n;
    if count == 0 || k == 0 {
        return CudaStorage::full(count, 0.0, dtype, g.ordinal);
    }
    let too_big = |v: usize| {
        i32::try_from(v).map_err(|_| Error::invalid("matmul: dimension too large for cuBLAS"))
    };
    let (mi, ni, ki, bi) = (too_big(m)?, too_big(n)?, too_big(k)?, too_big(batch)?);
    let ca = a.contiguous(la)?;
    let cb = b.contiguous(lb)?;
    let mut out = CudaStorage::empty(&g, count, dtype)?;
    let (one32, zero32, one64, zero64) = (1f32, 0f32, 1f64, 0f64);
    let (alpha, beta): (*const std::ffi::c_void, *const std::ffi::c_void) = if dtype == DType::F64 {
        (&one64 as *const f64 as _, &zero64 as *const f64 as _)
    } else {
        (&one32 as *const f32 as _, &zero32 as *const f32 as _)
    };
    let stream = g.stream.clone();
    let (pa, _ra) = ca.slice().device_ptr(&stream);
    let (pb, _rb) = cb.slice().device_ptr(&stream);
    let (pc, _rc) = out.slice_mut()?.device_ptr_mut(&stream);
    // SAFETY: pointers address buffers of batch*m*k, batch*k*n and
    // batch*m*n elements of `data`, on the stream the handle is bound to;
    // alpha/beta live until the call returns.
    unsafe {
        cudarc::cublas::result::gemm_strided_batched_ex(
            *g.blas.handle(),
            blas::cublasOperation_t::CUBLAS_OP_N,
            blas::cublasOperation_t::CUBLAS_OP_N,
            ni,
            mi,
            ki,
            alpha,
            pb as *const _,
            data,
            ni,
            (k * n) as i64,
            pa as *const _,
            data,
            ki,
            (m * k) as i64,
            beta,
            pc as *mut _,
            data,
            ni,
            (m * n) as i64,
            bi,
            compute,
            blas::cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
        )
    }
    .map_err(cuda_err)?;
    drop((_ra, _rb, _rc));
    Ok(out)
}
