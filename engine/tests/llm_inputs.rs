//! What users get wrong and what sampling promises: bad directories and
//! files are errors naming the problem (never panics); sampled ids always
//! lie in the support the filters leave; a seed repeats a run.

use std::path::{Path, PathBuf};

use tinytorch::llm::{CausalLM, GenerateOptions, SamplingConfig};
use tinytorch::Tensor;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name)
}

/// A scratch copy of a fixture directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn of(name: &str, tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("tt-llm-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for e in std::fs::read_dir(fixture(name)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), d.join(e.file_name())).unwrap();
        }
        Scratch(d)
    }

    fn edit_config(&self, f: impl FnOnce(&mut serde_json::Value)) {
        let p = self.0.join("config.json");
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, v.to_string()).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load_err(dir: &Path) -> String {
    match CausalLM::from_pretrained(dir, None) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_directory_without_config_json() {
    let s = Scratch::of("llama", "noconfig");
    std::fs::remove_file(s.0.join("config.json")).unwrap();
    let e = load_err(&s.0);
    assert!(
        e.contains("does not appear to have a file named config.json"),
        "{e}"
    );
    let e = load_err(&s.0.join("nope"));
    assert!(e.contains("is not a directory"), "{e}");
}

#[test]
fn unknown_model_and_rope_types() {
    let s = Scratch::of("llama", "modeltype");
    s.edit_config(|c| c["model_type"] = "gpt_neox".into());
    let e = load_err(&s.0);
    assert!(e.contains("unsupported model_type 'gpt_neox'"), "{e}");
    let s = Scratch::of("llama3", "ropetype");
    s.edit_config(|c| c["rope_parameters"]["rope_type"] = "yarn".into());
    let e = load_err(&s.0);
    assert!(e.contains("unsupported rope_type 'yarn'"), "{e}");
}

#[test]
fn a_truncated_safetensors_file() {
    let s = Scratch::of("llama", "truncated");
    let p = s.0.join("model.safetensors");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 1000]).unwrap();
    let e = load_err(&s.0);
    assert!(
        e.contains("model.safetensors") && e.contains("truncated"),
        "{e}"
    );
    std::fs::write(&p, &bytes[..4]).unwrap();
    let e = load_err(&s.0);
    assert!(e.contains("not a valid safetensors file"), "{e}");
}

#[test]
fn missing_unexpected_and_misshaped_tensors_are_named() {
    let s = Scratch::of("llama", "missing");
    s.edit_config(|c| c["num_hidden_layers"] = 3.into());
    let e = load_err(&s.0);
    assert!(
        e.contains("missing tensor model.layers.2.self_attn.q_proj.weight"),
        "{e}"
    );
    s.edit_config(|c| c["num_hidden_layers"] = 1.into());
    let e = load_err(&s.0);
    assert!(
        e.contains("Unexpected key(s)") && e.contains("\"model.layers.1."),
        "{e}"
    );
    s.edit_config(|c| {
        c["num_hidden_layers"] = 2.into();
        c["intermediate_size"] = 48.into();
    });
    let e = load_err(&s.0);
    assert!(
        e.contains("size mismatch for model.layers.0.mlp.gate_proj.weight"),
        "{e}"
    );
    // tie_word_embeddings on a model that has its own lm_head: unexpected lm_head.weight
    s.edit_config(|c| {
        c["intermediate_size"] = 64.into();
        c["tie_word_embeddings"] = true.into();
    });
    let e = load_err(&s.0);
    assert!(e.contains("\"lm_head.weight\""), "{e}");
}

#[test]
fn a_prompt_longer_than_max_position_embeddings() {
    let m = CausalLM::from_pretrained(fixture("llama"), None).unwrap();
    let n = m.config.max_position_embeddings + 1;
    let ids = Tensor::from_vec(vec![5i64; n], &[1, n]).unwrap();
    let e = m.forward(&ids).unwrap_err().to_string();
    assert!(e.contains("more than max_position_embeddings (64)"), "{e}");
    let opts = GenerateOptions::for_model(&m);
    let e = m
        .generate(&[vec![5; n]], None, &opts, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than max_position_embeddings (64)"), "{e}");
    // ids outside the vocabulary
    let bad = Tensor::from_vec(vec![1i64, 100_000], &[1, 2]).unwrap();
    assert!(m.forward(&bad).is_err());
    // the model is still usable after the errors
    assert!(m
        .forward(&Tensor::from_vec(vec![1i64, 2], &[1, 2]).unwrap())
        .is_ok());
}

/// The ids a filter keeps for these logits, computed here from the
/// definitions (sorting, not the engine's processors).
fn support(logits: &[f32], cfg: &SamplingConfig) -> Vec<usize> {
    let t = cfg.temperature as f32;
    let l: Vec<f32> = logits.iter().map(|x| x / t).collect();
    let mut order: Vec<usize> = (0..l.len()).collect();
    order.sort_by(|&a, &b| l[b].total_cmp(&l[a])); // descending
    let mut keep: Vec<usize> = order.clone();
    if cfg.top_k > 0 {
        let kth = l[order[cfg.top_k - 1]];
        keep.retain(|&i| l[i] >= kth);
    }
    // top_p: the smallest descending prefix whose mass reaches top_p
    let max = l[order[0]];
    let z: f32 = keep.iter().map(|&i| (l[i] - max).exp()).sum();
    let mut mass = 0f32;
    let mut prefix = Vec::new();
    for &i in &keep {
        prefix.push(i);
        mass += (l[i] - max).exp() / z;
        if mass >= cfg.top_p as f32 {
            break;
        }
    }
    let mut s = prefix;
    s.sort();
    s
}

#[test]
fn sampled_ids_lie_in_the_filtered_support_and_seeds_repeat() {
    let m = CausalLM::from_pretrained(fixture("qwen3"), None).unwrap();
    let prompt: Vec<i64> = vec![40, 51, 62, 73, 84];
    for (top_k, top_p, temperature) in [(5, 1.0, 1.0), (0, 0.6, 1.3), (8, 0.9, 0.7)] {
        let mut opts = GenerateOptions::for_model(&m);
        opts.sampling = SamplingConfig {
            do_sample: true,
            top_k,
            top_p,
            temperature,
            ..SamplingConfig::default()
        };
        opts.max_new_tokens = 12;
        opts.eos_token_id.clear();
        opts.seed = Some(7);
        let a = m
            .generate(std::slice::from_ref(&prompt), None, &opts, None)
            .unwrap();
        let b = m
            .generate(std::slice::from_ref(&prompt), None, &opts, None)
            .unwrap();
        assert_eq!(a.sequences, b.sequences, "same seed, same tokens");
        let seq = &a.sequences[0];
        for step in prompt.len()..seq.len() {
            // the logits at this step from a full forward of the prefix
            let n = step;
            let ids = Tensor::from_vec(seq[..n].to_vec(), &[1, n]).unwrap();
            let logits = m.forward(&ids).unwrap().select(1, n as i64 - 1).unwrap();
            let row = logits.to_vec_f32().unwrap();
            let s = support(&row, &opts.sampling);
            assert!(
                s.contains(&(seq[step] as usize)),
                "step {step}: {} not in {s:?} (top_k {top_k}, top_p {top_p})",
                seq[step]
            );
        }
        let mut other = opts.clone();
        other.seed = Some(8);
        let c = m
            .generate(std::slice::from_ref(&prompt), None, &other, None)
            .unwrap();
        assert_eq!(c.sequences[0].len(), seq.len());
    }
}

#[test]
fn sampling_covers_the_support_and_draws_from_the_generator() {
    // a hand-made distribution: softmax of ln(p) with p = .5 .3 .15 .05
    let logits: Vec<f32> = [0.5f32, 0.3, 0.15, 0.05].iter().map(|p| p.ln()).collect();
    let cfg = SamplingConfig {
        do_sample: true,
        top_k: 3,
        ..SamplingConfig::default()
    };
    let mut g = tinytorch::random::Generator::new(0);
    let mut counts = [0usize; 4];
    for _ in 0..4000 {
        let mut l = logits.clone();
        counts[cfg.choose(&mut l, &[], &mut g).unwrap() as usize] += 1;
    }
    assert_eq!(counts[3], 0, "top_k 3 removes the 5% token");
    // renormalised .5/.95 .3/.95 .15/.95 = .526 .316 .158, within 4 sigma
    for (c, p) in counts.iter().zip([0.526, 0.316, 0.158]) {
        let f = *c as f64 / 4000.0;
        assert!(
            (f - p).abs() < 4.0 * (p * (1.0 - p) / 4000.0f64).sqrt(),
            "{counts:?}"
        );
    }
    let bad = SamplingConfig {
        do_sample: true,
        temperature: 0.0,
        ..SamplingConfig::default()
    };
    assert!(bad.validate().is_err());
}
