//! The LLM models on CUDA against the CPU: logits of the float32 and
//! bfloat16 fixtures (weights moved with `to_device`, activations float32)
//! and greedy generation with the KV cache on the device. Ignored unless
//! asked for with `--ignored` (with the `cuda` feature; tests/all.sh does
//! so when `nvidia-smi` lists a GPU); run so without a GPU they skip with a
//! message (TT_REQUIRE_GPU=1 makes that a failure), as the other CUDA
//! tests do.

use std::path::{Path, PathBuf};

use tinytorch::llm::{CausalLM, GenerateOptions};
use tinytorch::{cuda, Device, Tensor};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name)
}

fn on_each_gpu(name: &str, body: impl Fn(Device)) {
    let n = cuda::device_count();
    if n == 0 {
        if std::env::var("TT_REQUIRE_GPU").is_ok_and(|v| v == "1") {
            panic!("TT_REQUIRE_GPU=1 but no CUDA device is available");
        }
        eprintln!("skipped {name}: no CUDA device");
        return;
    }
    for d in 0..n {
        body(Device::Cuda(d));
    }
}

#[test]
#[ignore = "needs a CUDA device (tests/all.sh runs it with --ignored when nvidia-smi lists a GPU)"]
fn logits_and_greedy_ids_on_cuda_match_the_cpu() {
    on_each_gpu("llm on cuda", |dev| {
        for name in ["llama", "llama_bf16", "qwen2", "qwen3", "mistral"] {
            let cpu = CausalLM::from_pretrained(dir(name), None).unwrap();
            let mut gpu = CausalLM::from_pretrained(dir(name), None).unwrap();
            gpu.to_device(dev).unwrap();
            let ids: Vec<i64> = (1..20).collect();
            let t = Tensor::from_vec(ids.clone(), &[1, ids.len()]).unwrap();
            let a = cpu.forward(&t).unwrap().to_vec_f64().unwrap();
            let b = gpu.forward(&t).unwrap().to_vec_f64().unwrap();
            let worst = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-3, "{name} on {dev}: max |diff| {worst}");
            let mut opts = GenerateOptions::for_model(&cpu);
            opts.max_new_tokens = 8;
            opts.sampling.do_sample = false;
            let p = std::slice::from_ref(&ids);
            let g1 = cpu.generate(p, None, &opts, None).unwrap();
            let g2 = gpu.generate(p, None, &opts, None).unwrap();
            assert_eq!(g1.sequences, g2.sequences, "{name} on {dev}");
        }
    });
}
