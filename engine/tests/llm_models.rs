//! The LLM models against Hugging Face transformers: logits at every prompt
//! position (float32 within 1e-4), the greedy continuation id for id, the
//! attention probabilities, a left-padded batch, bfloat16 weights, and the
//! teaching views. Fixtures: tests/fixtures/llm (make_llm_fixtures.py).

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinytorch::llm::{CausalLM, GenerateOptions};
use tinytorch::nn::ModuleExt;
use tinytorch::{DType, Tensor};

const MODELS: [&str; 6] = ["llama", "llama_bf16", "llama3", "qwen2", "qwen3", "mistral"];

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name)
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(dir(name).join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            x => out.push(x.as_f64().unwrap()),
        }
    }
    walk(v, &mut out);
    out
}

fn prompt(e: &Value) -> Tensor {
    let p = ids(&e["prompt_ids"]);
    let n = p.len();
    Tensor::from_vec(p, &[1, n]).unwrap()
}

fn assert_close(name: &str, what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{name} {what}: length");
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= tol,
        "{name} {what}: max |diff| {worst:e} > {tol:e}"
    );
}

#[test]
fn logits_match_transformers_at_every_position() {
    for name in MODELS {
        let e = expected(name);
        let m = CausalLM::from_pretrained(dir(name), None).unwrap();
        let logits = m.forward(&prompt(&e)).unwrap();
        let n = ids(&e["prompt_ids"]).len();
        assert_eq!(logits.shape(), &[1, n, m.config.vocab_size]);
        assert_eq!(logits.dtype(), DType::F32);
        assert_close(
            name,
            "logits",
            &logits.to_vec_f64().unwrap(),
            &floats(&e["logits"]),
            1e-4,
        );
    }
}

#[test]
fn greedy_ids_match_transformers_generate() {
    for name in MODELS {
        let e = expected(name);
        let m = CausalLM::from_pretrained(dir(name), None).unwrap();
        let mut opts = GenerateOptions::for_model(&m);
        opts.max_new_tokens = 16;
        opts.sampling.do_sample = false;
        let p = ids(&e["prompt_ids"]);
        let mut streamed = Vec::new();
        let out = m
            .generate(
                std::slice::from_ref(&p),
                None,
                &opts,
                Some(&mut |t: &[i64]| {
                    streamed.push(t[0]);
                    Ok(())
                }),
            )
            .unwrap();
        let want = ids(&e["greedy"]);
        assert_eq!(&out.sequences[0][p.len()..], &want[..], "{name}");
        assert_eq!(streamed, want, "{name}: the streamer saw every token once");
    }
}

#[test]
fn attention_probabilities_match_transformers() {
    for name in ["llama", "qwen3", "mistral"] {
        let e = expected(name);
        let m = CausalLM::from_pretrained(dir(name), None).unwrap();
        let out = m.forward_with_attentions(&prompt(&e)).unwrap();
        let want = e["attentions"].as_array().unwrap();
        assert_eq!(out.attentions.len(), want.len());
        for (a, w) in out.attentions.iter().zip(want) {
            let n = ids(&e["prompt_ids"]).len();
            assert_eq!(a.shape(), &[1, m.config.num_attention_heads, n, n]);
            assert_close(
                name,
                "attentions",
                &a.to_vec_f64().unwrap(),
                &floats(w),
                1e-5,
            );
        }
    }
    // Mistral's window of 3: query 10 sees keys 8, 9, 10 only
    let m = CausalLM::from_pretrained(dir("mistral"), None).unwrap();
    let a = m
        .forward_with_attentions(&prompt(&expected("mistral")))
        .unwrap();
    let row = a.attentions[0].select(2, 10).unwrap().select(1, 0).unwrap();
    let row = row.to_vec_f64().unwrap();
    assert!(
        row[..8].iter().chain(&row[11..]).all(|&p| p == 0.0),
        "{row:?}"
    );
    assert!((row[8..11].iter().sum::<f64>() - 1.0).abs() < 1e-5);
}

#[test]
fn left_padded_batch_generates_as_transformers() {
    let e = expected("qwen2");
    let b = &e["batch"];
    let m = CausalLM::from_pretrained(dir("qwen2"), None).unwrap();
    let rows: Vec<Vec<i64>> = b["input_ids"].as_array().unwrap().iter().map(ids).collect();
    let mask: Vec<Vec<u8>> = b["attention_mask"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| ids(r).into_iter().map(|x| x as u8).collect())
        .collect();
    assert!(mask[0].contains(&0), "the fixture's first prompt is padded");
    let mut opts = GenerateOptions::for_model(&m);
    opts.max_new_tokens = 8;
    opts.sampling.do_sample = false;
    let out = m.generate(&rows, Some(&mask), &opts, None).unwrap();
    let want: Vec<Vec<i64>> = b["sequences"].as_array().unwrap().iter().map(ids).collect();
    assert_eq!(out.sequences, want);
}

#[test]
fn bf16_weights_stay_bf16_and_converting_on_load_matches() {
    let m = CausalLM::from_pretrained(dir("llama_bf16"), None).unwrap();
    assert_eq!(m.dtype, DType::BF16);
    for (name, p) in m.named_parameters() {
        assert_eq!(p.dtype(), DType::BF16, "{name}");
    }
    // float32 weights rounded to bfloat16 on load equal the stored bf16 file
    let e = expected("llama_bf16");
    let conv = CausalLM::from_pretrained(dir("llama"), Some(DType::BF16)).unwrap();
    let logits = conv.forward(&prompt(&e)).unwrap();
    assert_close(
        "llama->bf16",
        "logits",
        &logits.to_vec_f64().unwrap(),
        &floats(&e["logits"]),
        1e-4,
    );
    // and upcasting the bf16 file gives float32 weights with the same logits
    let up = CausalLM::from_pretrained(dir("llama_bf16"), Some(DType::F32)).unwrap();
    assert_eq!(up.model.layers[0].mlp.up_proj.weight.dtype(), DType::F32);
    let l2 = up.forward(&prompt(&e)).unwrap();
    assert_close(
        "bf16->f32",
        "logits",
        &l2.to_vec_f64().unwrap(),
        &floats(&e["logits"]),
        1e-4,
    );
}

#[test]
fn parameter_names_are_the_checkpoint_names() {
    let m = CausalLM::from_pretrained(dir("qwen3"), None).unwrap();
    let names: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"model.layers.1.self_attn.q_norm.weight".to_string()));
    assert!(names.contains(&"lm_head.weight".to_string()));
    let tied = CausalLM::from_pretrained(dir("qwen2"), None).unwrap();
    let names: Vec<String> = tied
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(names.contains(&"model.layers.0.self_attn.q_proj.bias".to_string()));
    assert!(
        !names.iter().any(|n| n.starts_with("lm_head")),
        "tied: no lm_head of its own"
    );
}

#[test]
fn one_block_forward_records_a_drawable_graph() {
    let e = expected("llama");
    let m = CausalLM::from_pretrained(dir("llama"), None).unwrap();
    let h = m.hidden_states_before(1, &prompt(&e)).unwrap();
    assert!(h.grad_fn().is_none());
    let x = h.requires_grad_(true).unwrap();
    x.set_name("hidden_states");
    let y = m.block_forward(1, &x).unwrap();
    let view = y.graph_view();
    let labels: Vec<&str> = view.nodes.iter().map(|n| n.label.as_str()).collect();
    for want in [
        "hidden_states",
        "model.layers.1.self_attn.q_proj.weight",
        "model.layers.1.mlp.down_proj.weight",
        "LinearBackward0",
        "SoftmaxBackward0",
    ] {
        assert!(labels.contains(&want), "{want} not in {labels:?}");
    }
    // the recorded block is differentiable end to end
    y.sum().unwrap().backward().unwrap();
    assert_eq!(x.grad().unwrap().shape(), x.shape());
    assert!(m.model.layers[1].self_attn.q_proj.weight.grad().is_some());
    // and the block's output is the next layer's input in the plain forward
    let next = m.hidden_states_before(2, &prompt(&e)).unwrap();
    assert_close(
        "block",
        "output",
        &y.to_vec_f64().unwrap(),
        &next.to_vec_f64().unwrap(),
        1e-5,
    );
}

#[test]
fn attention_heatmaps_are_labelled_with_the_tokens() {
    let e = expected("qwen2");
    let m = CausalLM::from_pretrained(dir("qwen2"), None).unwrap();
    let tok = tinytorch::llm::Tokenizer::from_pretrained(dir("qwen2")).unwrap();
    let p = ids(&e["prompt_ids"]);
    let out = m.forward_with_attentions(&prompt(&e)).unwrap();
    let tokens = tok.convert_ids_to_tokens(&p);
    let views = tinytorch::llm::attention_views(&out, 0, &tokens).unwrap();
    assert_eq!(views.len(), m.config.num_hidden_layers);
    assert_eq!(
        views[1].shape,
        vec![m.config.num_attention_heads, p.len(), p.len()]
    );
    let pic = tinytorch::viz::tensor::show(&views[1]).unwrap();
    let svg = pic.svg.unwrap();
    assert!(svg.contains("layer 1 attention"), "title");
    // a token that is a short vocabulary entry appears as an axis label
    let short = tokens
        .iter()
        .find(|t| t.len() <= 3 && t.chars().all(char::is_alphanumeric))
        .unwrap();
    assert!(
        svg.contains(&format!(">{short}</text>")),
        "{short} not labelled"
    );
}
