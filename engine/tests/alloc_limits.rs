//! Sizes a user controls never abort the process: every allocation they
//! drive is checked (element counts with overflow checks, buffers through
//! the fallible allocator), and the failure is PyTorch's RuntimeError text.
//! Expected messages were written down from PyTorch 2.15:
//!
//! ```python
//! torch.arange(0, 10**12)   # RuntimeError: [enforce fail at alloc_cpu.cpp:127] err == 0.
//!                           #   DefaultCPUAllocator: can't allocate memory: you tried to
//!                           #   allocate 8000000000000 bytes. Error code 12 (Cannot allocate memory)
//! torch.zeros(2**40, 0, 2**40).sum(dim=1)
//!                           # RuntimeError: Storage size calculation overflowed with
//!                           #   sizes=[1099511627776, 1099511627776]
//! torch.ones(1).expand(2**40, 2**40)   # RuntimeError: numel: integer multiplication overflow
//! ```

use tinytorch::ops::indexing::TensorIndex;
use tinytorch::{DType, Device, Error, Tensor};

const CPU: Device = Device::Cpu;

/// PyTorch's CPU allocator message for `bytes` (the file's line number
/// dropped: ours is not a C++ file).
fn oom(bytes: u128) -> String {
    format!("[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory: you tried to allocate {bytes} bytes. Error code 12 (Cannot allocate memory)")
}

fn err<T: std::fmt::Debug>(r: tinytorch::Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn creation_beyond_memory_is_pytorchs_allocator_error() {
    assert_eq!(
        err(Tensor::arange(0.0, 1e12, 1.0, DType::I64, CPU)),
        oom(8_000_000_000_000)
    );
    assert_eq!(
        err(Tensor::linspace(
            0.0,
            1.0,
            1_000_000_000_000,
            DType::F32,
            CPU
        )),
        // (our linspace computes in f64 before the cast: 8 bytes a step)
        oom(8_000_000_000_000)
    );
    assert_eq!(
        err(Tensor::eye(1_000_000, None, DType::F32, CPU)),
        oom(4_000_000_000_000)
    );
    assert_eq!(
        err(Tensor::full_on(
            &[1_000_000, 1_000_000],
            1.0,
            DType::F32,
            CPU
        )),
        oom(4_000_000_000_000)
    );
    assert_eq!(
        err(Tensor::zeros_on(&[1 << 40], DType::Bool, CPU)),
        oom(1 << 40)
    );
    assert_eq!(
        err(Tensor::rand_on(&[1_000_000, 1_000_000], DType::F32, CPU)),
        oom(4_000_000_000_000)
    );
    assert_eq!(
        err(Tensor::randperm(1_000_000_000_000, CPU)),
        oom(8_000_000_000_000)
    );
    assert_eq!(
        err(Tensor::full_scalar(
            &[1 << 40],
            1i64.into(),
            DType::I64,
            CPU
        )),
        oom(8 << 40)
    );
}

#[test]
fn impossible_shapes_are_overflow_errors() {
    assert_eq!(
        err(Tensor::zeros_on(&[1 << 40, 1 << 40], DType::F32, CPU)),
        "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]"
    );
    // torch.eye(10**10): numel: integer multiplication overflow
    assert_eq!(
        err(Tensor::eye(10_000_000_000, None, DType::F32, CPU)),
        "numel: integer multiplication overflow"
    );
    assert_eq!(
        err(Tensor::arange(0.0, 1e19, 1.0, DType::F32, CPU)),
        "invalid size, possible overflow?"
    );
    let one = Tensor::ones_on(&[1], DType::F32, CPU).unwrap();
    assert_eq!(
        err(one.expand(&[1 << 40, 1 << 40])),
        "numel: integer multiplication overflow"
    );
}

/// `torch.zeros(2**40, 0, 2**40)` is a valid empty tensor; reducing its
/// empty dim away would need 2^80 elements.
#[test]
fn empty_tensor_with_huge_dims_then_reduce_index_matmul_cumsum() {
    let z = Tensor::zeros_on(&[1 << 40, 0, 1 << 40], DType::F32, CPU).unwrap();
    assert_eq!(z.numel(), 0);
    let overflow = "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]";
    assert_eq!(err(z.sum_dims(&[1], false)), overflow);
    assert_eq!(err(z.mean_dims(&[1], false)), overflow);
    assert_eq!(err(z.prod(Some(1), false)), overflow);
    // amax/max over an empty dim: PyTorch's message (an IndexError there)
    assert_eq!(
        err(z.amax(&[1], false)),
        "amax(): Expected reduction dim 1 to have non-zero size."
    );
    // The ops PyTorch answers with empty tensors stay empty and fast.
    assert_eq!(z.cumsum(0).unwrap().shape(), &[1 << 40, 0, 1 << 40]);
    assert_eq!(z.cumsum(2).unwrap().shape(), &[1 << 40, 0, 1 << 40]);
    assert_eq!(z.sort(2, false).unwrap().values.shape(), z.shape());
    assert_eq!(z.sum().unwrap().item().unwrap(), 0.0);
    assert_eq!(
        z.index(&[TensorIndex::Int(0)]).unwrap().shape(),
        &[0, 1 << 40]
    );
    let idx = Tensor::from_vec(vec![0i64, 1], &[2]).unwrap();
    assert_eq!(
        z.index(&[TensorIndex::Tensor(idx)]).unwrap().shape(),
        &[2, 0, 1 << 40]
    );
    assert_eq!(z.reshape(&[-1]).unwrap().shape(), &[0]);
    assert_eq!(
        err(z.reshape(&[1 << 40, 1 << 40, 0])),
        "numel: integer multiplication overflow"
    );
    // [2^40, 0] @ [0, 2^40] would be [2^40, 2^40]
    let a = Tensor::zeros_on(&[1 << 40, 0], DType::F32, CPU).unwrap();
    let b = Tensor::zeros_on(&[0, 1 << 40], DType::F32, CPU).unwrap();
    assert_eq!(err(a.matmul(&b)), overflow);
    // a transposed view whose leading dims overflow a product
    let p = z.permute(&[0, 2, 1]).unwrap();
    assert!(p
        .matmul(&Tensor::zeros_on(&[0, 3], DType::F32, CPU).unwrap())
        .is_err());
    assert_eq!(
        err(p.flatten(0, 1)),
        "numel: integer multiplication overflow"
    );
}

/// A reduction, copy or product over a huge expanded view: PyTorch
/// answers sum() after minutes and the rest with its allocator error; we
/// answer every one with the allocator error. (`sum(dim=0)`, 10^12 adds
/// into 10^6 outputs, runs in both, interruptibly here.)
#[test]
fn huge_expanded_views_error_instead_of_aborting() {
    let e = Tensor::zeros_on(&[1], DType::F32, CPU)
        .unwrap()
        .expand(&[1_000_000, 1_000_000])
        .unwrap();
    for r in [
        e.contiguous(),
        e.clone_tensor(),
        e.exp(),
        e.add_scalar(1.0),
        e.to_dtype(DType::F64),
        e.max(),
        e.sum(),
        e.cumsum(0),
        e.matmul(&e),
    ] {
        let m = err(r);
        assert!(
            m.contains("DefaultCPUAllocator: can't allocate memory"),
            "{m}"
        );
    }
    let m = err(e.sort(1, false).map(|v| v.values));
    assert!(m.contains("DefaultCPUAllocator"), "{m}");
    let m = err(e.to_vec_f64());
    assert!(m.contains("DefaultCPUAllocator"), "{m}");
    // Indexing two rows of it is small and works (as in PyTorch).
    let idx = Tensor::from_vec(vec![0i64, 1], &[2]).unwrap();
    assert_eq!(
        e.index(&[TensorIndex::Tensor(idx)]).unwrap().shape(),
        &[2, 1_000_000]
    );
}

/// `torch.tensor([-2**63]) // -1` wraps to -2**63 in PyTorch (and
/// `% -1` is 0); neither may panic.
#[test]
fn integer_division_overflow_wraps() {
    let min = Tensor::from_vec(vec![i64::MIN], &[1]).unwrap();
    assert_eq!(
        min.floor_divide(-1i64).unwrap().to_vec_i64().unwrap(),
        vec![i64::MIN]
    );
    assert_eq!(min.remainder(-1i64).unwrap().to_vec_i64().unwrap(), vec![0]);
    // (PyTorch 2.15 itself dies with SIGFPE on rounding_mode='trunc')
    assert_eq!(
        min.div_rounding(-1i64, "trunc")
            .unwrap()
            .to_vec_i64()
            .unwrap(),
        vec![i64::MIN]
    );
    let min32 = Tensor::from_vec(vec![i32::MIN], &[1]).unwrap();
    assert_eq!(
        min32.floor_divide(-1i64).unwrap().to_vec_i64().unwrap(),
        vec![i32::MIN as i64]
    );
    // -x and abs(x) of MIN wrap to MIN in PyTorch
    assert_eq!(min.neg().unwrap().to_vec_i64().unwrap(), vec![i64::MIN]);
    assert_eq!(min.abs().unwrap().to_vec_i64().unwrap(), vec![i64::MIN]);
    // torch.tensor([5]) // 0 -> RuntimeError: ZeroDivisionError
    let five = Tensor::from_vec(vec![5i64], &[1]).unwrap();
    assert!(
        matches!(five.floor_divide(0i64), Err(Error::InvalidArgument(m)) if m == "ZeroDivisionError")
    );
}
