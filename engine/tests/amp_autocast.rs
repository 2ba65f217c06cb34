//! Autocast on the CPU with bfloat16: output dtypes per op category
//! (PyTorch's CPU lists: matmul-family in bf16, prod and losses in f32,
//! everything else untouched), gradients reaching f32 leaves, and a tiny
//! training run under autocast that reduces the loss. On a machine with a
//! GPU, the CUDA lists run too (softmax and sum in f32 there).

use tinytorch::amp::{autocast, is_autocast_enabled};
use tinytorch::{cuda, nn, optim, DType, Device, Tensor};

fn t(v: &[f64], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec_f64(v, shape, dtype).unwrap()
}

#[test]
fn matmul_family_runs_in_bf16() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3], DType::F32);
    let b = t(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[3, 2], DType::F32);
    let _ac = autocast("cpu", DType::BF16).unwrap();
    assert!(is_autocast_enabled("cpu"));
    let y = a.matmul(&b).unwrap();
    assert_eq!(y.dtype(), DType::BF16);
    // [1 2 3; 4 5 6] @ [1 0; 0 1; 1 1] = [4 5; 10 11], exact in bf16.
    assert_eq!(y.to_vec_f64().unwrap(), vec![4.0, 5.0, 10.0, 11.0]);
    assert_eq!(a.mm(&b).unwrap().dtype(), DType::BF16);
    let a3 = a.unsqueeze(0).unwrap();
    let b3 = b.unsqueeze(0).unwrap();
    assert_eq!(a3.bmm(&b3).unwrap().dtype(), DType::BF16);
    // linear without bias is a matmul with the transposed weight.
    let w = t(&[1.0, 1.0, 1.0], &[1, 3], DType::F32);
    let l = nn::functional::linear(&a, &w, None).unwrap();
    assert_eq!(l.dtype(), DType::BF16);
    assert_eq!(l.to_vec_f64().unwrap(), vec![6.0, 15.0]);
}

#[test]
fn ineligible_inputs_are_left_alone() {
    let _ac = autocast("cpu", DType::BF16).unwrap();
    // float64 and integers are never autocast (PyTorch's is_eligible).
    let a = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2], DType::F64);
    assert_eq!(a.matmul(&a).unwrap().dtype(), DType::F64);
    let i = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2], DType::I64);
    assert_eq!(i.matmul(&i).unwrap().dtype(), DType::I64);
}

#[test]
fn fp32_list_and_untouched_ops_on_cpu() {
    let x = t(&[1.5, 2.0, 4.0], &[3], DType::BF16);
    let _ac = autocast("cpu", DType::BF16).unwrap();
    // prod is on the CPU fp32 list: 1.5 * 2 * 4 = 12 in float32.
    let p = x.prod(None, false).unwrap();
    assert_eq!(p.dtype(), DType::F32);
    assert_eq!(p.item().unwrap(), 12.0);
    // softmax and sum are not on the CPU lists: they keep the input dtype.
    assert_eq!(x.softmax(0).unwrap().dtype(), DType::BF16);
    assert_eq!(x.sum().unwrap().dtype(), DType::BF16);
    let f = t(&[1.0, 2.0], &[2], DType::F32);
    assert_eq!(f.softmax(0).unwrap().dtype(), DType::F32);
    // Elementwise ops are untouched.
    assert_eq!(f.relu().unwrap().dtype(), DType::F32);
}

#[test]
fn autocast_is_per_device_type_and_scoped() {
    let a = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2], DType::F32);
    {
        // CUDA autocast does not touch CPU tensors.
        let _ac = autocast("cuda", DType::F16).unwrap();
        assert_eq!(a.matmul(&a).unwrap().dtype(), DType::F32);
    }
    {
        let _ac = autocast("cpu", DType::BF16).unwrap();
        assert_eq!(a.matmul(&a).unwrap().dtype(), DType::BF16);
    }
    assert!(!is_autocast_enabled("cpu"));
    assert_eq!(a.matmul(&a).unwrap().dtype(), DType::F32);
}

#[test]
fn gradients_reach_f32_leaves() {
    // y = sum(a @ b) with a = [[1, 2]], b = [[3], [4]]:
    // dy/da = b^T = [3, 4], dy/db = a^T = [1, 2] (exact in bf16).
    let a = t(&[1.0, 2.0], &[1, 2], DType::F32)
        .requires_grad_(true)
        .unwrap();
    let b = t(&[3.0, 4.0], &[2, 1], DType::F32)
        .requires_grad_(true)
        .unwrap();
    let y = {
        let _ac = autocast("cpu", DType::BF16).unwrap();
        a.matmul(&b).unwrap().sum().unwrap()
    };
    assert_eq!(y.dtype(), DType::BF16);
    y.backward().unwrap();
    let ga = a.grad().unwrap();
    assert_eq!(ga.dtype(), DType::F32);
    assert_eq!(ga.to_vec_f64().unwrap(), vec![3.0, 4.0]);
    assert_eq!(b.grad().unwrap().to_vec_f64().unwrap(), vec![1.0, 2.0]);
}

#[test]
fn training_under_autocast_bf16_reduces_the_loss() {
    // Fit y = 2x - 1 on 16 points in [-1, 1] with x @ w + b, w and b float32
    // leaves; the matmul runs in bf16 under autocast.
    let xs: Vec<f64> = (0..16).map(|i| -1.0 + i as f64 * (2.0 / 15.0)).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 2.0 * x - 1.0).collect();
    let x = t(&xs, &[16, 1], DType::F32);
    let y = t(&ys, &[16, 1], DType::F32);
    let w = Tensor::zeros_on(&[1, 1], DType::F32, Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let b = Tensor::zeros_on(&[1], DType::F32, Device::Cpu)
        .unwrap()
        .requires_grad_(true)
        .unwrap();
    let mut opt = optim::Optimizer::sgd(vec![w.clone(), b.clone()], 0.2).unwrap();
    let mut losses = Vec::new();
    for _ in 0..60 {
        opt.zero_grad();
        let loss = {
            let _ac = autocast("cpu", DType::BF16).unwrap();
            let pred = x.matmul(&w).unwrap().add(&b).unwrap();
            pred.sub(&y).unwrap().square().unwrap().mean().unwrap()
        };
        losses.push(loss.item().unwrap());
        loss.backward().unwrap();
        opt.step().unwrap();
    }
    let (first, last) = (losses[0], *losses.last().unwrap());
    // At w = b = 0 the loss is mean((2x - 1)^2) = 4 mean(x^2) + 1 > 1.
    assert!(first > 1.0, "{first}");
    assert!(last < first / 20.0, "loss went {first} -> {last}");
    assert_eq!(w.grad().unwrap().dtype(), DType::F32);
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn cuda_lists_on_each_gpu() {
    if !cuda::is_available() {
        eprintln!("skipped: no CUDA device (CUDA autocast lists are checked on GPU machines)");
        return;
    }
    for d in 0..cuda::device_count() {
        let dev = Device::Cuda(d);
        let a = Tensor::ones_on(&[4, 4], DType::F32, dev).unwrap();
        let _ac = autocast("cuda", DType::F16).unwrap();
        let m = a.matmul(&a).unwrap();
        assert_eq!(m.dtype(), DType::F16);
        // softmax and sum run in float32 on CUDA.
        assert_eq!(m.softmax(1).unwrap().dtype(), DType::F32);
        assert_eq!(m.sum().unwrap().dtype(), DType::F32);
        assert_eq!(m.to_vec_f64().unwrap(), vec![4.0; 16]);
    }
}

#[test]
fn conv2d_runs_in_bf16_and_its_gradients_reach_f32_leaves() {
    // x = [[1 2], [3 4]] (one sample, one channel), w = ones 2x2, b = 0.5:
    // the single output is 1 + 2 + 3 + 4 + 0.5 = 10.5, exact in bfloat16.
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2], DType::F32);
    let w = t(&[1.0; 4], &[1, 1, 2, 2], DType::F32)
        .requires_grad_(true)
        .unwrap();
    let b = t(&[0.5], &[1], DType::F32).requires_grad_(true).unwrap();
    let y = {
        let _ac = autocast("cpu", DType::BF16).unwrap();
        nn::functional::conv2d(&x, &w, Some(&b), [1, 1], [0, 0], [1, 1], 1).unwrap()
    };
    assert_eq!(y.dtype(), DType::BF16);
    assert_eq!(y.to_vec_f64().unwrap(), vec![10.5]);
    y.sum().unwrap().backward().unwrap();
    // dy/dw = x, dy/db = 1, delivered in the leaves' float32.
    let gw = w.grad().unwrap();
    assert_eq!(gw.dtype(), DType::F32);
    assert_eq!(gw.to_vec_f64().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(b.grad().unwrap().to_vec_f64().unwrap(), vec![1.0]);
}
