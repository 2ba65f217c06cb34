//! `config.json` and `generation_config.json` as Hugging Face transformers
//! reads them, for the four decoder-only families we build (llama, qwen2,
//! qwen3, mistral). Every default below is the one of the family's
//! `*Config` class in transformers; a field we cannot honour (an unknown
//! `rope_type`, an activation other than SiLU) is an error, never ignored.
//! Knows nothing of tensors.

use std::path::Path;

use serde_json::{Map, Value};

use crate::{Error, Result};

/// The model families (`model_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Llama,
    Qwen2,
    Qwen3,
    Mistral,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::Llama => "llama",
            Arch::Qwen2 => "qwen2",
            Arch::Qwen3 => "qwen3",
            Arch::Mistral => "mistral",
        }
    }
}

/// How rotary frequencies are derived (`rope_type`).
#[derive(Debug, Clone, PartialEq)]
pub enum RopeScaling {
    /// `inv_freq = 1 / theta^(2i/d)`.
    Default,
    /// Llama 3.1's smooth interpolation between scaled and unscaled frequencies.
    Llama3 {
        factor: f64,
        low_freq_factor: f64,
        high_freq_factor: f64,
        original_max_position_embeddings: f64,
    },
}

/// A model's `config.json`, resolved.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub arch: Arch,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    /// Query head `h` reads key/value head `h / (heads / kv_heads)`.
    pub num_key_value_heads: usize,
    pub head_dim: usize,
    pub max_position_embeddings: usize,
    pub rms_norm_eps: f64,
    pub rope_theta: f64,
    pub rope_scaling: RopeScaling,
    /// q/k/v projections carry a bias (Qwen2 always; llama/qwen3 with `attention_bias`).
    pub qkv_bias: bool,
    /// The output projection carries a bias (`attention_bias` in llama and qwen3).
    pub o_bias: bool,
    /// gate/up/down carry a bias (llama's `mlp_bias`).
    pub mlp_bias: bool,
    /// Qwen3: an RMSNorm over each head's query and key before RoPE.
    pub qk_norm: bool,
    /// `lm_head` reuses `embed_tokens.weight` (no `lm_head.weight` in the file).
    pub tie_word_embeddings: bool,
    /// Per layer: `Some(w)` when a query sees only itself and the `w - 1`
    /// keys before it (Mistral's `sliding_window`, Qwen's sliding layers).
    pub sliding_window: Vec<Option<usize>>,
    pub bos_token_id: Option<i64>,
    pub eos_token_id: Vec<i64>,
    pub pad_token_id: Option<i64>,
    /// The stored dtype as the config names it (`torch_dtype` or `dtype`).
    pub torch_dtype: Option<String>,
}

fn get<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    m.get(k).filter(|v| !v.is_null())
}

fn usize_field(m: &Map<String, Value>, k: &str, default: Option<usize>) -> Result<usize> {
    match get(m, k) {
        Some(v) => v
            .as_u64()
            .map(|x| x as usize)
            .ok_or_else(|| Error::invalid(format!("config.json: {k} must be an integer, got {v}"))),
        None => default.ok_or_else(|| Error::invalid(format!("config.json: missing {k}"))),
    }
}

fn f64_field(m: &Map<String, Value>, k: &str, default: f64) -> Result<f64> {
    match get(m, k) {
        Some(v) => v
            .as_f64()
            .ok_or_else(|| Error::invalid(format!("config.json: {k} must be a number, got {v}"))),
        None => Ok(default),
    }
}

fn bool_field(m: &Map<String, Value>, k: &str, default: bool) -> Result<bool> {
    match get(m, k) {
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid(format!("config.json: {k} must be a boolean, got {v}"))),
        None => Ok(default),
    }
}

/// `eos_token_id`: an int or a list of ints.
pub(crate) fn token_ids(v: Option<&Value>, what: &str) -> Result<Vec<i64>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(|x| vec![x])
            .ok_or_else(|| Error::invalid(format!("{what} must be an integer"))),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_i64()
                    .ok_or_else(|| Error::invalid(format!("{what} must hold integers, got {x}")))
            })
            .collect(),
        Some(other) => Err(Error::invalid(format!(
            "{what} must be an integer or a list of integers, got {other}"
        ))),
    }
}

pub(crate) fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid(format!("{}: invalid JSON: {e}", path.display())))
}

/// The rope settings: `rope_theta` at the top level (transformers 4) or
/// inside `rope_parameters` (transformers 5); scaling in `rope_scaling`
/// (4) or `rope_parameters` (5), its kind under `rope_type` (or the old
/// `type`).
fn rope(m: &Map<String, Value>) -> Result<(f64, RopeScaling)> {
    let params = get(m, "rope_parameters").and_then(Value::as_object);
    let scaling = get(m, "rope_scaling").and_then(Value::as_object);
    let theta = match params.and_then(|p| get(p, "rope_theta")) {
        Some(v) => v
            .as_f64()
            .ok_or_else(|| Error::invalid("config.json: rope_theta must be a number"))?,
        None => f64_field(m, "rope_theta", 10000.0)?,
    };
    let Some(s) = scaling.or(params) else {
        return Ok((theta, RopeScaling::Default));
    };
    let kind = get(s, "rope_type")
        .or_else(|| get(s, "type"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    let num = |k: &str| -> Result<f64> {
        get(s, k).and_then(Value::as_f64).ok_or_else(|| {
            Error::invalid(format!(
                "config.json: rope_type '{kind}' needs a number {k}"
            ))
        })
    };
    if let Some(f) = get(s, "partial_rotary_factor").and_then(Value::as_f64) {
        if f != 1.0 {
            return Err(Error::invalid(format!(
                "config.json: partial_rotary_factor {f} is not supported (only 1.0)"
            )));
        }
    }
    let scaling = match kind {
        "default" => RopeScaling::Default,
        "llama3" => RopeScaling::Llama3 {
            factor: num("factor")?,
            low_freq_factor: num("low_freq_factor")?,
            high_freq_factor: num("high_freq_factor")?,
            original_max_position_embeddings: num("original_max_position_embeddings")?,
        },
        other => {
            return Err(Error::invalid(format!(
                "config.json: unsupported rope_type '{other}' (supported: default, llama3)"
            )))
        }
    };
    Ok((theta, scaling))
}

impl ModelConfig {
    /// Reads `dir/config.json`.
    pub fn from_dir(dir: &Path) -> Result<ModelConfig> {
        let path = dir.join("config.json");
        if !path.is_file() {
            return Err(Error::Io(format!(
                "{} does not appear to have a file named config.json",
                dir.display()
            )));
        }
        ModelConfig::from_json(&read_json(&path)?)
    }

    /// Resolves a parsed `config.json`.
    pub fn from_json(v: &Value) -> Result<ModelConfig> {
        let m = v
            .as_object()
            .ok_or_else(|| Error::invalid("config.json must hold a JSON object"))?;
        let arch = match get(m, "model_type").and_then(Value::as_str) {
            Some("llama") => Arch::Llama,
            Some("qwen2") => Arch::Qwen2,
            Some("qwen3") => Arch::Qwen3,
            Some("mistral") => Arch::Mistral,
            Some(other) => {
                return Err(Error::invalid(format!(
                    "config.json: unsupported model_type '{other}' (supported: llama, qwen2, qwen3, mistral)"
                )))
            }
            None => return Err(Error::invalid("config.json: missing model_type")),
        };
        let act = get(m, "hidden_act")
            .and_then(Value::as_str)
            .unwrap_or("silu");
        if act != "silu" {
            return Err(Error::invalid(format!(
                "config.json: unsupported hidden_act '{act}' (only silu)"
            )));
        }
        let hidden_size = usize_field(m, "hidden_size", None)?;
        let heads = usize_field(m, "num_attention_heads", None)?;
        let kv_heads = usize_field(m, "num_key_value_heads", Some(heads))?;
        if heads == 0 || kv_heads == 0 || heads % kv_heads != 0 {
            return Err(Error::invalid(format!(
                "config.json: num_attention_heads ({heads}) must be a positive multiple of num_key_value_heads ({kv_heads})"
            )));
        }
        let head_dim = usize_field(m, "head_dim", Some(hidden_size / heads))?;
        if head_dim == 0 || head_dim % 2 != 0 {
            return Err(Error::invalid(format!(
                "config.json: head_dim must be positive and even, got {head_dim}"
            )));
        }
        let layers = usize_field(m, "num_hidden_layers", None)?;
        let (max_pos, eps) = match arch {
            Arch::Llama => (2048, 1e-6),
            Arch::Qwen2 | Arch::Qwen3 => (32768, 1e-6),
            Arch::Mistral => (4096 * 32, 1e-6),
        };
        let attention_bias = bool_field(m, "attention_bias", false)?;
        let (qkv_bias, o_bias) = match arch {
            Arch::Qwen2 => (true, false),
            Arch::Mistral => (false, false),
            Arch::Llama | Arch::Qwen3 => (attention_bias, attention_bias),
        };
        let (rope_theta, rope_scaling) = rope(m)?;
        let window = get(m, "sliding_window").and_then(Value::as_u64);
        let sliding_window = sliding_layers(m, arch, layers, window)?;
        Ok(ModelConfig {
            arch,
            vocab_size: usize_field(m, "vocab_size", None)?,
            hidden_size,
            intermediate_size: usize_field(m, "intermediate_size", None)?,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            num_key_value_heads: kv_heads,
            head_dim,
            max_position_embeddings: usize_field(m, "max_position_embeddings", Some(max_pos))?,
            rms_norm_eps: f64_field(m, "rms_norm_eps", eps)?,
            rope_theta,
            rope_scaling,
            qkv_bias,
            o_bias,
            mlp_bias: arch == Arch::Llama && bool_field(m, "mlp_bias", false)?,
            qk_norm: arch == Arch::Qwen3,
            tie_word_embeddings: bool_field(m, "tie_word_embeddings", false)?,
            sliding_window,
            bos_token_id: get(m, "bos_token_id").and_then(Value::as_i64),
            eos_token_id: token_ids(get(m, "eos_token_id"), "config.json: eos_token_id")?,
            pad_token_id: get(m, "pad_token_id").and_then(Value::as_i64),
            torch_dtype: get(m, "torch_dtype")
                .or_else(|| get(m, "dtype"))
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

/// Which layers use a sliding window, as each family's config decides:
/// Mistral applies `sliding_window` to every layer; Qwen2/3 only with
/// `use_sliding_window`, from layer `max_window_layers` on, unless
/// `layer_types` names each layer's kind.
fn sliding_layers(
    m: &Map<String, Value>,
    arch: Arch,
    layers: usize,
    window: Option<u64>,
) -> Result<Vec<Option<usize>>> {
    let w = window.map(|w| w as usize);
    if w == Some(0) {
        return Err(Error::invalid(
            "config.json: sliding_window must be positive",
        ));
    }
    Ok(match arch {
        Arch::Mistral => vec![w; layers],
        Arch::Llama => vec![None; layers],
        Arch::Qwen2 | Arch::Qwen3 => {
            let w = if bool_field(m, "use_sliding_window", false)? {
                w
            } else {
                None
            };
            if let Some(types) = get(m, "layer_types").and_then(Value::as_array) {
                if types.len() != layers {
                    return Err(Error::invalid(format!(
                        "config.json: layer_types has {} entries for {layers} layers",
                        types.len()
                    )));
                }
                types
                    .iter()
                    .map(|t| match t.as_str() {
                        Some("sliding_attention") => Ok(w),
                        Some("full_attention") => Ok(None),
                        _ => Err(Error::invalid(format!(
                            "config.json: unsupported layer type {t}"
                        ))),
                    })
                    .collect::<Result<_>>()?
            } else {
                let first = usize_field(m, "max_window_layers", Some(layers))?;
                (0..layers)
                    .map(|i| if i >= first { w } else { None })
                    .collect()
            }
        }
    })
}

/// `generation_config.json` (all optional): the defaults `generate` starts from.
#[derive(Debug, Clone, Default)]
pub struct GenerationDefaults {
    pub do_sample: Option<bool>,
    pub temperature: Option<f64>,
    pub top_k: Option<usize>,
    pub top_p: Option<f64>,
    pub min_p: Option<f64>,
    pub repetition_penalty: Option<f64>,
    pub max_new_tokens: Option<usize>,
    pub eos_token_id: Vec<i64>,
    pub bos_token_id: Option<i64>,
    pub pad_token_id: Option<i64>,
}

impl GenerationDefaults {
    /// Reads `dir/generation_config.json` if present (empty defaults if not).
    pub fn from_dir(dir: &Path) -> Result<GenerationDefaults> {
        let path = dir.join("generation_config.json");
        if !path.is_file() {
            return Ok(GenerationDefaults::default());
        }
        let v = read_json(&path)?;
        let m = v
            .as_object()
            .ok_or_else(|| Error::invalid("generation_config.json must hold a JSON object"))?;
        Ok(GenerationDefaults {
            do_sample: get(m, "do_sample").and_then(Value::as_bool),
            temperature: get(m, "temperature").and_then(Value::as_f64),
            top_k: get(m, "top_k").and_then(Value::as_u64).map(|k| k as usize),
            top_p: get(m, "top_p").and_then(Value::as_f64),
            min_p: get(m, "min_p").and_then(Value::as_f64),
            repetition_penalty: get(m, "repetition_penalty").and_then(Value::as_f64),
            max_new_tokens: get(m, "max_new_tokens")
                .and_then(Value::as_u64)
                .map(|k| k as usize),
            eos_token_id: token_ids(
                get(m, "eos_token_id"),
                "generation_config.json: eos_token_id",
            )?,
            bos_token_id: get(m, "bos_token_id").and_then(Value::as_i64),
            pad_token_id: get(m, "pad_token_id").and_then(Value::as_i64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"model_type": "llama", "vocab_size": 10, "hidden_size": 8,
               "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2})
    }

    #[test]
    fn defaults_follow_transformers() {
        let c = ModelConfig::from_json(&base()).unwrap();
        assert_eq!((c.num_key_value_heads, c.head_dim), (2, 4));
        assert_eq!((c.rope_theta, c.max_position_embeddings), (10000.0, 2048));
        assert!(!c.tie_word_embeddings && c.eos_token_id.is_empty());
    }

    #[test]
    fn rope_theta_in_rope_parameters_and_llama3() {
        let mut v = base();
        v["rope_parameters"] = json!({"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
            "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192});
        let c = ModelConfig::from_json(&v).unwrap();
        assert_eq!(c.rope_theta, 500000.0);
        assert!(matches!(c.rope_scaling, RopeScaling::Llama3 { factor, .. } if factor == 8.0));
        v["rope_parameters"]["rope_type"] = json!("yarn");
        let e = ModelConfig::from_json(&v).unwrap_err().to_string();
        assert!(e.contains("unsupported rope_type 'yarn'"), "{e}");
    }

    #[test]
    fn eos_int_or_list_and_qwen_sliding_layers() {
        let mut v = base();
        v["eos_token_id"] = json!([3, 4]);
        v["model_type"] = json!("qwen2");
        v["use_sliding_window"] = json!(true);
        v["sliding_window"] = json!(5);
        v["max_window_layers"] = json!(1);
        let c = ModelConfig::from_json(&v).unwrap();
        assert_eq!(c.eos_token_id, vec![3, 4]);
        assert_eq!(c.sliding_window, vec![None, Some(5)]);
        assert!(c.qkv_bias && !c.o_bias);
        v["model_type"] = json!("gpt2");
        assert!(ModelConfig::from_json(&v).is_err());
    }
}
