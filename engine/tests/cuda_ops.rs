//! The CUDA backend against the CPU: one body per op family, run on every
//! CUDA device present and compared with the same op on the CPU (within
//! floating-point tolerance per dtype), autograd included; plus transfers,
//! mixed-device errors and the caching allocator. Every test is ignored
//! unless asked for with `--ignored` (tests/all.sh and .ci/run do so when
//! `nvidia-smi` lists a GPU), so that a machine without one reports them
//! as ignored, not passed; run so without a GPU they skip with a message,
//! and TT_REQUIRE_GPU=1 makes that a failure.

use tinytorch::nn::functional as F;
use tinytorch::random::manual_seed;
use tinytorch::{cuda, DType, Device, Result, Tensor};

/// Runs `body` on each CUDA device, or says why it skipped.
fn on_each_gpu(name: &str, body: impl Fn(Device) -> Result<()>) {
    let n = cuda::device_count();
    if n == 0 {
        if std::env::var("TT_REQUIRE_GPU").is_ok_and(|v| v == "1") {
            panic!("TT_REQUIRE_GPU=1 but no CUDA device is available");
        }
        eprintln!("skipped {name}: no CUDA device");
        return;
    }
    for d in 0..n {
        body(Device::Cuda(d)).unwrap_or_else(|e| panic!("{name} on cuda:{d}: {e}"));
    }
}

fn tol(dtype: DType) -> (f64, f64) {
    match dtype {
        DType::F64 => (1e-10, 1e-10),
        DType::F32 => (1e-5, 1e-4),
        DType::F16 => (2e-3, 2e-3),
        DType::BF16 => (2e-2, 1.6e-2),
        _ => (0.0, 0.0),
    }
}

/// `gpu` (any device) equals `cpu` in dtype, shape and values within `tol`.
fn same(what: &str, gpu: &Tensor, cpu: &Tensor) {
    assert_eq!(gpu.dtype(), cpu.dtype(), "{what}: dtype");
    assert_eq!(gpu.shape(), cpu.shape(), "{what}: shape");
    let (atol, rtol) = tol(cpu.dtype());
    let (g, c) = (gpu.to_vec_f64().unwrap(), cpu.to_vec_f64().unwrap());
    for (i, (a, b)) in g.iter().zip(&c).enumerate() {
        let ok = (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= atol + rtol * b.abs();
        assert!(ok, "{what}: element {i}: gpu {a} vs cpu {b}");
    }
}

fn randn(shape: &[usize], dtype: DType) -> Tensor {
    Tensor::randn_on(shape, DType::F32, Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn transfers_round_trip_every_dtype() {
    on_each_gpu("transfers", |dev| {
        for dtype in [
            DType::F32,
            DType::F64,
            DType::F16,
            DType::BF16,
            DType::I32,
            DType::I64,
            DType::Bool,
        ] {
            let x = Tensor::arange(-3.0, 5.0, 1.0, DType::F64, Device::Cpu)?.to_dtype(dtype)?;
            let back = x.to_device(dev)?.to_device(Device::Cpu)?;
            assert_eq!(back.to_vec_f64()?, x.to_vec_f64()?, "{}", dtype.name());
            let full = Tensor::full_on(&[2, 3], 1.5, DType::F32, dev)?;
            assert_eq!(full.to_vec_f64()?, vec![1.5; 6]);
        }
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn elementwise_strided_and_broadcast() {
    manual_seed(0);
    on_each_gpu("elementwise", |dev| {
        for dtype in [DType::F32, DType::F16, DType::BF16] {
            let a = randn(&[4, 3], dtype).t()?; // transposed view [3, 4]
            let b = randn(&[3, 1], dtype);
            let (ga, gb) = (a.to_device(dev)?, b.to_device(dev)?);
            type U = fn(&Tensor) -> Result<Tensor>;
            let unary: [(&str, U); 8] = [
                ("exp", |x| x.exp()),
                ("tanh", |x| x.tanh()),
                ("sigmoid", |x| x.sigmoid()),
                ("relu", |x| x.relu()),
                ("gelu", |x| x.gelu("none")),
                ("silu", |x| x.silu()),
                ("abs", |x| x.abs()),
                ("clamp", |x| x.clamp(Some(-0.5), Some(0.5))),
            ];
            for (name, f) in unary {
                same(name, &f(&ga)?, &f(&a)?);
            }
            same("add", &ga.add(&gb)?, &a.add(&b)?);
            same("mul", &ga.mul(&gb)?, &a.mul(&gb.to_device(Device::Cpu)?)?);
            same("div", &ga.div(&gb)?, &a.div(&b)?);
            same("maximum", &ga.maximum(&gb)?, &a.maximum(&b)?);
            same("lt", &ga.lt(&gb)?, &a.lt(&b)?);
            let c = a.gt(&b)?;
            same(
                "where",
                &Tensor::where_cond(&c.to_device(dev)?, &ga, &gb)?,
                &Tensor::where_cond(&c, &a, &b)?,
            );
            same("cast", &ga.to_dtype(DType::F32)?, &a.to_dtype(DType::F32)?);
        }
        // Python's floor division on integers: -6 // 4 = -2, 5 // 4 = 1.
        let i = Tensor::arange(-6.0, 6.0, 1.0, DType::I64, Device::Cpu)?;
        let four = Tensor::full_on(&[1], 4.0, DType::I64, Device::Cpu)?;
        let got = i.to_device(dev)?.floor_divide(&four.to_device(dev)?)?;
        same("int floor_divide", &got, &i.floor_divide(&four)?);
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn reductions() {
    manual_seed(1);
    on_each_gpu("reductions", |dev| {
        for dtype in [DType::F32, DType::F16, DType::BF16] {
            let x = randn(&[3, 5, 7], dtype);
            let g = x.to_device(dev)?;
            same("sum", &g.sum()?, &x.sum()?);
            same(
                "sum_dims",
                &g.sum_dims(&[0, 2], true)?,
                &x.sum_dims(&[0, 2], true)?,
            );
            same(
                "mean",
                &g.mean_dims(&[1], false)?,
                &x.mean_dims(&[1], false)?,
            );
            let (gv, cv) = (g.max_dim(2, false)?, x.max_dim(2, false)?);
            same("max values", &gv.values, &cv.values);
            same("max indices", &gv.indices, &cv.indices);
            same(
                "argmin",
                &g.argmin(Some(1), false)?,
                &x.argmin(Some(1), false)?,
            );
            same(
                "any",
                &g.gt_scalar(1.0)?.any(Some(0), false)?,
                &x.gt_scalar(1.0)?.any(Some(0), false)?,
            );
            same("prod", &g.prod(Some(0), false)?, &x.prod(Some(0), false)?);
        }
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn matmul_through_cublas() {
    manual_seed(2);
    on_each_gpu("matmul", |dev| {
        for dtype in [DType::F32, DType::F64, DType::F16, DType::BF16] {
            let a = randn(&[2, 5, 7], dtype);
            let b = randn(&[3, 7], dtype).t()?.t()?; // contiguous
            let bt = randn(&[3, 7], dtype).t()?; // transposed view [7, 3]
            for (name, rhs) in [("plain", &b), ("transposed rhs", &bt)] {
                let got = a.to_device(dev)?.matmul(&rhs.to_device(dev)?)?;
                same(name, &got, &a.matmul(rhs)?);
            }
        }
        let i = Tensor::ones_on(&[2, 2], DType::I64, dev)?;
        assert!(
            i.matmul(&i).is_err(),
            "integer matmul is unsupported on CUDA, as in PyTorch"
        );
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn indexing_scan_sort() {
    manual_seed(3);
    on_each_gpu("indexing", |dev| {
        let x = randn(&[4, 6], DType::F32);
        let g = x.to_device(dev)?;
        let idx = Tensor::from_vec(vec![3i64, 0, 3, 1], &[4])?;
        let gidx = idx.to_device(dev)?;
        same(
            "index_select",
            &g.index_select(0, &gidx)?,
            &x.index_select(0, &idx)?,
        );
        let gi = Tensor::from_vec(vec![0i64, 5, 2, 2, 1, 0, 4, 3], &[4, 2])?;
        same(
            "gather",
            &g.gather(1, &gi.to_device(dev)?)?,
            &x.gather(1, &gi)?,
        );
        let src = Tensor::ones_on(&[4, 2], DType::F32, Device::Cpu)?;
        same(
            "scatter_add",
            &g.scatter_add(1, &gi.to_device(dev)?, &src.to_device(dev)?)?,
            &x.scatter_add(1, &gi, &src)?,
        );
        same("cumsum", &g.cumsum(1)?, &x.cumsum(1)?);
        let (gs, cs) = (g.sort(1, true)?, x.sort(1, true)?);
        same("sort values", &gs.values, &cs.values);
        same("sort indices", &gs.indices, &cs.indices);
        let bad = Tensor::from_vec(vec![9i64], &[1])?.to_device(dev)?;
        assert!(
            g.index_select(0, &bad).is_err(),
            "out-of-range index is an error"
        );
        Ok(())
    });
}

/// `sort_block` (bitonic in shared memory, lines of 2..=2048) and the
/// one-thread-per-line fallback past it: lengths on both sides of the limit,
/// a strided sort dim (inner > 1), many ties (stability shows in the
/// indices) and NaN (last ascending, first descending), against the CPU.
#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn sort_long_lines_block_wide_and_fallback() {
    manual_seed(5);
    on_each_gpu("sort long lines", |dev| {
        for len in [1usize, 2, 3, 255, 1000, 2048, 2049] {
            for dtype in [DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64] {
                // values in {-4..4}: ties everywhere
                let x = randn(&[len, 3], DType::F32).mul_scalar(2.0)?.round()?;
                let x = if dtype.is_float() && len > 2 {
                    let nan = Tensor::full_on(&[1, 3], f64::NAN, DType::F32, Device::Cpu)?;
                    x.narrow(0, 1, 1)?.copy_(&nan)?;
                    x
                } else {
                    x
                };
                let x = x.to_dtype(dtype)?;
                let g = x.to_device(dev)?;
                for desc in [false, true] {
                    let what = format!("sort len {len} {} desc {desc}", dtype.name());
                    let (gs, cs) = (g.sort(0, desc)?, x.sort(0, desc)?);
                    same(&what, &gs.values, &cs.values);
                    same(&what, &gs.indices, &cs.indices);
                    let (gt, ct) = (g.t()?.sort(1, desc)?, x.t()?.sort(1, desc)?);
                    same(&what, &gt.values, &ct.values);
                    same(&what, &gt.indices, &ct.indices);
                }
            }
        }
        Ok(())
    });
}

/// The fused row kernels ops reach on CUDA storage (softmax_rows,
/// norm_rows, Philox dropout) against the CPU composites, gradients
/// included; dropout by its defining properties (mask in {0, 1/(1-p)},
/// y = x * mask, dx = mask, the keep rate, reproducible under manual_seed).
#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn fused_softmax_norm_dropout() {
    manual_seed(11);
    on_each_gpu("fused row kernels", |dev| {
        for dtype in [DType::F32, DType::F16, DType::BF16, DType::F64] {
            let x = randn(&[5, 300], dtype);
            let g = x.to_device(dev)?;
            same("softmax", &g.softmax(1)?, &x.softmax(-1)?);
            same("log_softmax", &g.log_softmax(-1)?, &x.log_softmax(1)?);
            let w = randn(&[300], dtype);
            let b = randn(&[300], dtype);
            let (gw, gb) = (w.to_device(dev)?, b.to_device(dev)?);
            same(
                "layer_norm",
                &F::layer_norm(&g, &[300], Some(&gw), Some(&gb), 1e-5)?,
                &F::layer_norm(&x, &[300], Some(&w), Some(&b), 1e-5)?,
            );
            same(
                "rms_norm",
                &F::rms_norm(&g, &[300], Some(&gw), None)?,
                &F::rms_norm(&x, &[300], Some(&w), None)?,
            );
        }
        // gradients through the fused forward (float32, [2, 3, 40] over the last two dims)
        let x = randn(&[2, 3, 40], DType::F32);
        let w = randn(&[3, 40], DType::F32);
        let run = |d: Device| -> Result<(Tensor, Tensor, Tensor)> {
            let xd = x.to_device(d)?.detach();
            let wd = w.to_device(d)?.detach();
            xd.set_requires_grad(true)?;
            wd.set_requires_grad(true)?;
            let y = F::layer_norm(&xd, &[3, 40], Some(&wd), None, 1e-5)?;
            let s = y.softmax(-1)?.mul(&y)?.sum()?;
            let r = F::rms_norm(&xd, &[3, 40], Some(&wd), None)?.log_softmax(-1)?;
            s.add(&r.mean()?)?.backward()?;
            Ok((y, xd.grad().expect("x grad"), wd.grad().expect("w grad")))
        };
        let (gy, gx, gw) = run(dev)?;
        let (cy, cx, cw) = run(Device::Cpu)?;
        same("layer_norm out", &gy, &cy);
        same("grad x", &gx, &cx);
        same("grad w", &gw, &cw);

        let x = randn(&[64, 1000], DType::F32).to_device(dev)?.detach();
        x.set_requires_grad(true)?;
        let p = 0.3;
        manual_seed(7);
        let y = F::dropout(&x, p, true)?;
        manual_seed(7);
        let again = F::dropout(&x.detach(), p, true)?;
        same("dropout reproducible", &again, &y);
        y.sum()?.backward()?;
        let mask = x.grad().expect("dropout grad").to_vec_f64()?;
        let scale = 1.0 / (1.0 - p);
        let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / mask.len() as f64;
        assert!(mask
            .iter()
            .all(|&m| m == 0.0 || (m - scale).abs() < 1e-6 * scale));
        // 64000 Bernoulli(0.7) draws: sd of the rate is 0.0018, allow 5 sd
        assert!((kept - 0.7).abs() < 0.01, "kept {kept}");
        let xv = x.to_vec_f64()?;
        for ((yv, xv), m) in y.to_vec_f64()?.iter().zip(&xv).zip(&mask) {
            assert!((yv - xv * m).abs() <= 1e-6 * (1.0 + yv.abs()));
        }
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn conv_pool_and_autograd() {
    manual_seed(4);
    on_each_gpu("conv", |dev| {
        let x = randn(&[2, 3, 8, 8], DType::F32).requires_grad_(true)?;
        let w = randn(&[4, 3, 3, 3], DType::F32).requires_grad_(true)?;
        let gx = x.detach().to_device(dev)?.requires_grad_(true)?;
        let gw = w.detach().to_device(dev)?.requires_grad_(true)?;
        let run = |x: &Tensor, w: &Tensor| -> Result<Tensor> {
            let y = F::conv2d(x, w, None, [1, 1], [1, 1], [1, 1], 1)?;
            F::max_pool2d(&y.relu()?, [2, 2], None, [0, 0], [1, 1])?.sum()
        };
        let (lg, lc) = (run(&gx, &gw)?, run(&x, &w)?);
        same("loss", &lg, &lc);
        lg.backward()?;
        lc.backward()?;
        same("dx", &gx.grad().unwrap(), &x.grad().unwrap());
        same("dw", &gw.grad().unwrap(), &w.grad().unwrap());
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn mixed_devices_are_an_error_naming_both() {
    on_each_gpu("mixed devices", |dev| {
        let a = Tensor::ones_on(&[2], DType::F32, dev)?;
        let b = Tensor::ones_on(&[2], DType::F32, Device::Cpu)?;
        let e = a.add(&b).unwrap_err().to_string();
        assert!(e.contains(&dev.to_string()) && e.contains("cpu"), "{e}");
        Ok(())
    });
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn caching_allocator_reuses_blocks() {
    on_each_gpu("allocator", |dev| {
        let Device::Cuda(i) = dev else { unreachable!() };
        cuda::synchronize(i)?;
        let before = cuda::memory_allocated(i);
        let t = Tensor::zeros_on(&[1 << 20], DType::F32, dev)?; // 4 MiB
        assert_eq!(cuda::memory_allocated(i), before + (4 << 20));
        drop(t);
        assert_eq!(cuda::memory_allocated(i), before);
        let reserved = cuda::memory_reserved(i);
        // Same size again: served from the cache, nothing new reserved.
        let t2 = Tensor::zeros_on(&[1 << 20], DType::F32, dev)?;
        assert_eq!(cuda::memory_reserved(i), reserved);
        drop(t2);
        cuda::empty_cache();
        assert_eq!(cuda::memory_reserved(i), cuda::memory_allocated(i));
        // Far beyond any GPU's memory: an error, not a crash.
        assert!(Tensor::zeros_on(&[1 << 45], DType::F32, dev).is_err());
        Ok(())
    });
}
