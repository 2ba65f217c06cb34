//! No GPU is not an error: the queries answer false / 0, and putting a
//! tensor on a CUDA device is a PyTorch-worded error, never a panic. These
//! run on every machine; on one with a GPU they check the opposite answers.
//! TT_REQUIRE_GPU=1 turns a missing GPU into a failure (for GPU CI).

use tinytorch::{cuda, DType, Device, Tensor};

fn gpu_present() -> bool {
    let present = cuda::is_available();
    if !present && std::env::var("TT_REQUIRE_GPU").is_ok_and(|v| v == "1") {
        panic!("TT_REQUIRE_GPU=1 but no CUDA device is available");
    }
    present
}

/// The message PyTorch gives when CUDA cannot be used on this build/machine.
fn expected_message() -> &'static str {
    if cfg!(feature = "cuda") {
        "No CUDA GPUs are available"
    } else {
        "Torch not compiled with CUDA enabled"
    }
}

#[test]
fn queries_answer_without_a_gpu() {
    if gpu_present() {
        assert!(cuda::device_count() >= 1);
        return;
    }
    assert!(!cuda::is_available());
    assert_eq!(cuda::device_count(), 0);
    assert_eq!(cuda::memory_allocated(0), 0);
    assert_eq!(cuda::memory_reserved(0), 0);
    cuda::empty_cache();
    let e = cuda::synchronize(0).unwrap_err();
    assert!(e.to_string().contains(expected_message()), "{e}");
}

#[test]
fn moving_or_creating_on_cuda_is_an_error() {
    if gpu_present() {
        return;
    }
    let x = Tensor::from_vec_f64(&[1.0, 2.0], &[2], DType::F32).unwrap();
    for dev in [Device::Cuda(0), Device::Cuda(3)] {
        let e = x.to_device(dev).unwrap_err();
        assert!(e.to_string().contains(expected_message()), "{e}");
        assert_eq!(e.python_exception(), "RuntimeError");
        let e = Tensor::zeros_on(&[2, 2], DType::F32, dev).unwrap_err();
        assert!(e.to_string().contains(expected_message()), "{e}");
        assert!(Tensor::ones_on(&[3], DType::BF16, dev).is_err());
        assert!(Tensor::arange(0.0, 4.0, 1.0, DType::I64, dev).is_err());
    }
    let e = x.cuda().unwrap_err();
    assert!(e.to_string().contains(expected_message()), "{e}");
    assert_eq!(x.cpu().unwrap().to_vec_f64().unwrap(), vec![1.0, 2.0]);
    // The CPU keeps working afterwards.
    assert_eq!(x.add(&x).unwrap().to_vec_f64().unwrap(), vec![2.0, 4.0]);
}

#[test]
fn device_strings_parse_without_a_gpu() {
    assert_eq!("cuda".parse::<Device>().unwrap(), Device::Cuda(0));
    assert_eq!("cuda:1".parse::<Device>().unwrap().kind(), "cuda");
}

#[test]
fn tf32_is_off_by_default() {
    // PyTorch: torch.backends.cuda.matmul.allow_tf32 defaults to False.
    assert!(!cuda::allow_tf32());
}
