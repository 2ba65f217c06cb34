//! LLM inference throughput: a model with Qwen2.5-0.5B's configuration and
//! random weights, float32 and bfloat16, next to PyTorch + transformers on
//! the same files in the same run, and against the memory-bandwidth limit.
//!
//! ```text
//! cargo run --release -p tinytorch --example llm_bench -- \
//!     [--prompt 128] [--new 32] [--dtypes float32,bfloat16] [--dir DIR] [--torch PYTHON]
//! ```
//!
//! Writes the model (config.json + model.safetensors per dtype, ~2 GB and
//! ~1 GB) under DIR (default: the system temp dir) unless already there,
//! then for each dtype runs, each in a fresh process so that its peak
//! memory is its own: our greedy `generate` of `--new` tokens after a
//! `--prompt`-token prompt (prefill tokens/s from the one-pass prompt
//! step, decode tokens/s from the rest), and with `--torch PYTHON`
//! `llm_bench_torch.py` doing the same with `model.generate`. The limit is
//! the measured copy bandwidth (read + write bytes per second, all cores)
//! divided by the weight bytes one decoded token reads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use tinytorch::llm::{CausalLM, GenerateOptions};

const HIDDEN: usize = 896;
const INTER: usize = 4864;
const LAYERS: usize = 24;
const HEADS: usize = 14;
const KV: usize = 2;
const HEAD_DIM: usize = 64;
const VOCAB: usize = 151_936;

fn config_json(dtype: &str) -> String {
    format!(
        r#"{{"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
"hidden_size": {HIDDEN}, "intermediate_size": {INTER}, "num_hidden_layers": {LAYERS},
"num_attention_heads": {HEADS}, "num_key_value_heads": {KV}, "vocab_size": {VOCAB},
"max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
"tie_word_embeddings": true, "use_sliding_window": false, "sliding_window": 32768,
"max_window_layers": 21, "bos_token_id": 151643, "eos_token_id": 151643, "torch_dtype": "{dtype}"}}"#
    )
}

/// Every tensor of the checkpoint: (name, shape, kind) with kind 0 = matrix,
/// 1 = norm weight (ones), 2 = bias.
fn tensors() -> Vec<(String, Vec<usize>, u8)> {
    let mut v = vec![(
        "model.embed_tokens.weight".to_string(),
        vec![VOCAB, HIDDEN],
        0,
    )];
    for i in 0..LAYERS {
        let p = format!("model.layers.{i}");
        for (n, o, k) in [
            ("q_proj", HEADS * HEAD_DIM, HIDDEN),
            ("k_proj", KV * HEAD_DIM, HIDDEN),
            ("v_proj", KV * HEAD_DIM, HIDDEN),
        ] {
            v.push((format!("{p}.self_attn.{n}.weight"), vec![o, k], 0));
            v.push((format!("{p}.self_attn.{n}.bias"), vec![o], 2));
        }
        v.push((
            format!("{p}.self_attn.o_proj.weight"),
            vec![HIDDEN, HEADS * HEAD_DIM],
            0,
        ));
        v.push((format!("{p}.mlp.gate_proj.weight"), vec![INTER, HIDDEN], 0));
        v.push((format!("{p}.mlp.up_proj.weight"), vec![INTER, HIDDEN], 0));
        v.push((format!("{p}.mlp.down_proj.weight"), vec![HIDDEN, INTER], 0));
        v.push((format!("{p}.input_layernorm.weight"), vec![HIDDEN], 1));
        v.push((
            format!("{p}.post_attention_layernorm.weight"),
            vec![HIDDEN],
            1,
        ));
    }
    v.push(("model.norm.weight".to_string(), vec![HIDDEN], 1));
    v
}

/// Streams a safetensors file of uniform(-0.05, 0.05) matrices (xorshift).
fn write_model(dir: &Path, bf16: bool) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let name = if bf16 { "bfloat16" } else { "float32" };
    std::fs::write(dir.join("config.json"), config_json(name))?;
    let ts = tensors();
    let size = if bf16 { 2 } else { 4 };
    let mut header = String::from("{");
    let mut off = 0usize;
    for (i, (n, shape, _)) in ts.iter().enumerate() {
        let bytes = shape.iter().product::<usize>() * size;
        let dt = if bf16 { "BF16" } else { "F32" };
        header.push_str(&format!(
            "{}\"{n}\":{{\"dtype\":\"{dt}\",\"shape\":{shape:?},\"data_offsets\":[{off},{}]}}",
            if i > 0 { "," } else { "" },
            off + bytes
        ));
        off += bytes;
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let tmp = dir.join("model.safetensors.part");
    let mut f = std::io::BufWriter::with_capacity(1 << 22, std::fs::File::create(&tmp)?);
    f.write_all(&(header.len() as u64).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut buf = Vec::with_capacity(1 << 20);
    for (_, shape, kind) in &ts {
        let n: usize = shape.iter().product();
        for chunk in 0..n.div_ceil(1 << 18) {
            buf.clear();
            for _ in 0..(n - chunk * (1 << 18)).min(1 << 18) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let u = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                let v = match kind {
                    0 => u * 0.1,
                    1 => 1.0 + u * 0.1,
                    _ => u * 0.02,
                };
                if bf16 {
                    buf.extend_from_slice(&half::bf16::from_f32(v).to_le_bytes());
                } else {
                    buf.extend_from_slice(&v.to_le_bytes());
                }
            }
            f.write_all(&buf)?;
        }
    }
    f.into_inner()?.sync_all()?;
    std::fs::rename(tmp, dir.join("model.safetensors"))
}

/// Copy bandwidth (read + write bytes per second) over all cores, best of 5.
fn copy_bandwidth() -> f64 {
    use rayon::prelude::*;
    let n = 64 << 20; // 256 MB of f32 each way
    let src = vec![1f32; n];
    let mut dst = vec![0f32; n];
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        dst.par_chunks_mut(1 << 20)
            .zip(src.par_chunks(1 << 20))
            .for_each(|(d, s)| d.copy_from_slice(s));
        best = best.min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&dst);
    2.0 * (n * 4) as f64 / best
}

/// Read bandwidth (bytes per second summed, all cores), best of 5: what a
/// streaming matrix-vector product can reach at most.
fn read_bandwidth() -> f64 {
    use rayon::prelude::*;
    let n = 64 << 20;
    let src = vec![1f32; n];
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        let s: f32 = src
            .par_chunks(1 << 20)
            .map(|c| {
                c.chunks_exact(16)
                    .fold([0f32; 16], |mut a, x| {
                        for i in 0..16 {
                            a[i] += x[i];
                        }
                        a
                    })
                    .iter()
                    .sum::<f32>()
            })
            .sum();
        std::hint::black_box(s);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (n * 4) as f64 / best
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            l.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Child mode: one measurement, printed as `prefill_tps decode_tps peak_mb weight_bytes`.
fn child(dir: &Path, prompt: usize, new: usize) -> tinytorch::Result<()> {
    let m = CausalLM::from_pretrained(dir, None)?;
    let ids: Vec<i64> = (0..prompt as i64)
        .map(|i| (i * 7919 + 13) % 150_000)
        .collect();
    let mut opts = GenerateOptions::for_model(&m);
    opts.max_new_tokens = new;
    opts.sampling.do_sample = false;
    opts.eos_token_id.clear();
    // one warm-up run (page faults, rayon threads), then the measured one
    let mut warm = opts.clone();
    warm.max_new_tokens = 2;
    m.generate(std::slice::from_ref(&ids), None, &warm, None)?;
    let out = m.generate(std::slice::from_ref(&ids), None, &opts, None)?;
    println!(
        "{} {} {} {}",
        prompt as f64 / out.prefill_seconds,
        (out.new_tokens - 1) as f64 / out.decode_seconds,
        peak_rss_mb(),
        m.weight_bytes_per_token()
    );
    Ok(())
}

fn parse_line(s: &str) -> Option<Vec<f64>> {
    let v: Vec<f64> = s
        .lines()
        .last()?
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    (v.len() >= 3).then_some(v)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let prompt: usize = get("--prompt").and_then(|v| v.parse().ok()).unwrap_or(128);
    let new: usize = get("--new").and_then(|v| v.parse().ok()).unwrap_or(32);
    if let Some(dir) = get("--child") {
        if let Err(e) = child(Path::new(&dir), prompt, new) {
            eprintln!("llm_bench: {e}");
            std::process::exit(1);
        }
        return;
    }
    let root =
        get("--dir").map_or_else(|| std::env::temp_dir().join("tt-llm-bench"), PathBuf::from);
    let dtypes = get("--dtypes").unwrap_or_else(|| "float32,bfloat16".into());
    let torch = get("--torch");
    let bw = copy_bandwidth();
    println!(
        "Qwen2.5-0.5B configuration, random weights; prompt {prompt} tokens, {new} new tokens (greedy), {} threads",
        rayon::current_num_threads()
    );
    let rbw = read_bandwidth();
    println!(
        "copy bandwidth (read + write): {:.1} GB/s; read bandwidth: {:.1} GB/s",
        bw / 1e9,
        rbw / 1e9
    );
    println!(
        "{:<9} {:<12} {:>12} {:>12} {:>10} {:>14}",
        "weights", "engine", "prefill t/s", "decode t/s", "peak MB", "decode/limit"
    );
    for dt in dtypes.split(',') {
        let bf16 = match dt {
            "float32" => false,
            "bfloat16" => true,
            other => {
                eprintln!("llm_bench: --dtypes takes float32 and bfloat16, got {other}");
                std::process::exit(2);
            }
        };
        let dir = root.join(dt);
        if !dir.join("model.safetensors").is_file() {
            eprintln!("writing {} ...", dir.display());
            if let Err(e) = write_model(&dir, bf16) {
                eprintln!("llm_bench: {e}");
                std::process::exit(1);
            }
        }
        let me = std::env::current_exe().expect("own path");
        let ours = Command::new(me)
            .args(["--child", dir.to_str().expect("utf-8 path")])
            .args(["--prompt", &prompt.to_string(), "--new", &new.to_string()])
            .output()
            .expect("run the child");
        let Some(o) = parse_line(&String::from_utf8_lossy(&ours.stdout)) else {
            eprintln!(
                "llm_bench child failed: {}",
                String::from_utf8_lossy(&ours.stderr)
            );
            std::process::exit(1);
        };
        let limit = bw / o[3];
        let row = |who: &str, v: &[f64]| {
            println!(
                "{:<9} {:<12} {:>12.1} {:>12.2} {:>10.0} {:>13.0}%",
                dt,
                who,
                v[0],
                v[1],
                v[2],
                100.0 * v[1] / limit
            )
        };
        row("tinytorch", &o);
        if let Some(py) = &torch {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/llm_bench_torch.py");
            let t = Command::new(py)
                .arg(script)
                .args(["--dir", dir.to_str().expect("utf-8 path"), "--dtype", dt])
                .args(["--prompt", &prompt.to_string(), "--new", &new.to_string()])
                .args(["--threads", &rayon::current_num_threads().to_string()])
                .output()
                .expect("run python");
            match parse_line(&String::from_utf8_lossy(&t.stdout)) {
                Some(v) => {
                    row("pytorch", &v);
                    println!(
                        "{:<9} {:<12} {:>11.2}x {:>11.2}x",
                        dt,
                        "ratio",
                        o[0] / v[0],
                        o[1] / v[1]
                    );
                }
                None => eprintln!("torch run failed: {}", String::from_utf8_lossy(&t.stderr)),
            }
        }
        println!(
            "{:<9} {:<12} weights read per token {:.0} MB: limit {:.2} tokens/s at the copy bandwidth, {:.2} at the read bandwidth",
            dt,
            "limit",
            o[3] / 1e6,
            limit,
            rbw / o[3]
        );
    }
}
