//! `CausalLM`: the decoder-only transformer of a Hugging Face directory
//! (`AutoModelForCausalLM.from_pretrained`): embedding, the blocks of
//! `block.rs`, a final RMSNorm and the `lm_head` (tied to the embedding or
//! its own). Owns the forward pass over a step of tokens: rotary tables
//! for the step's positions, the additive masks (causal, sliding window,
//! left padding), the preallocated KV cache, and the teaching views
//! (attention probabilities, one block's forward with autograd). Knows
//! nothing of tokenizers or sampling.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use crate::nn::{Embedding, Linear, Module, RMSNorm};
use crate::{DType, Device, Error, Result, Tensor};

use super::block::{apply, norm, param, DecoderLayer, LayerCache, Step};
use super::config::{GenerationDefaults, ModelConfig, RopeScaling};
use super::weights::Weights;

/// `LlamaModel`: `embed_tokens`, `layers`, `norm`.
pub struct DecoderModel {
    pub embed_tokens: Embedding,
    pub layers: Vec<DecoderLayer>,
    pub norm: RMSNorm,
    training: bool,
}

/// `LlamaForCausalLM` and its Qwen2, Qwen3 and Mistral siblings.
pub struct CausalLM {
    pub config: ModelConfig,
    pub generation: GenerationDefaults,
    pub model: DecoderModel,
    /// `None` when tied: the logits use `model.embed_tokens.weight`.
    pub lm_head: Option<Linear>,
    /// The dtype the weights were loaded in.
    pub dtype: DType,
    inv_freq: Vec<f32>,
    training: bool,
}

/// The rows of the final hidden states that get logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogitsRows {
    All,
    /// Only each sequence's last position (what generation needs).
    Last,
}

/// The result of a forward pass.
pub struct ForwardOutput {
    /// `[b, s, vocab]` (or `[b, 1, vocab]` for [`LogitsRows::Last`]), float32.
    pub logits: Tensor,
    /// Per layer `[b, heads, s, t]` when asked for.
    pub attentions: Vec<Tensor>,
}

/// A preallocated key/value cache for a batch: every layer's
/// `[b, kv_heads, capacity, head_dim]`, filled left to right.
pub struct KvCache {
    pub(crate) layers: Vec<LayerCache>,
    /// Positions written so far.
    pub len: usize,
    pub capacity: usize,
    pub batch: usize,
}

/// `inv_freq` as transformers computes it, in float32, with Llama 3's scaling.
fn inv_freq(c: &ModelConfig) -> Vec<f32> {
    let d = c.head_dim;
    let base = c.rope_theta as f32;
    let inv: Vec<f32> = (0..d / 2)
        .map(|i| 1.0 / base.powf((2 * i) as f32 / d as f32))
        .collect();
    match c.rope_scaling {
        RopeScaling::Default => inv,
        RopeScaling::Llama3 {
            factor,
            low_freq_factor,
            high_freq_factor,
            original_max_position_embeddings: old,
        } => {
            let (factor, low, high, old) = (
                factor as f32,
                low_freq_factor as f32,
                high_freq_factor as f32,
                old as f32,
            );
            let (low_wl, high_wl) = (old / low, old / high);
            inv.into_iter()
                .map(|f| {
                    let wl = 2.0 * std::f32::consts::PI / f;
                    if wl < high_wl {
                        f
                    } else if wl > low_wl {
                        f / factor
                    } else {
                        let smooth = (old / wl - low) / (high - low);
                        (1.0 - smooth) * f / factor + smooth * f
                    }
                })
                .collect()
        }
    }
}

impl CausalLM {
    /// Loads `dir` (config.json, generation_config.json, weights).
    /// `dtype` `None` keeps the stored dtype ("auto"); otherwise every
    /// weight is converted on load. Activations are float32 whatever the
    /// weights: half-precision weights are widened inside each matmul.
    pub fn from_pretrained(dir: impl AsRef<Path>, dtype: Option<DType>) -> Result<CausalLM> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::Io(format!("{} is not a directory", dir.display())));
        }
        let config = ModelConfig::from_dir(dir)?;
        let generation = GenerationDefaults::from_dir(dir)?;
        let mut w = Weights::open(dir, dtype)?;
        let emb_name = "model.embed_tokens.weight";
        let loaded = dtype
            .or_else(|| w.stored_dtype(emb_name))
            .unwrap_or(DType::F32);
        let c = &config;
        let embed = param(
            w.take(emb_name, &[c.vocab_size, c.hidden_size])?,
            "model.embed_tokens",
            "weight",
        )?;
        let layers = (0..c.num_hidden_layers)
            .map(|i| DecoderLayer::load(&mut w, c, i))
            .collect::<Result<Vec<_>>>()?;
        let final_norm = norm(&mut w, "model.norm", c.hidden_size, c.rms_norm_eps)?;
        let lm_head = if c.tie_word_embeddings {
            None
        } else {
            let weight = param(
                w.take("lm_head.weight", &[c.vocab_size, c.hidden_size])?,
                "lm_head",
                "weight",
            )?;
            Some(Linear::from_parts(weight, None)?)
        };
        w.finish()?;
        Ok(CausalLM {
            inv_freq: inv_freq(c),
            model: DecoderModel {
                embed_tokens: Embedding::from_pretrained(embed)?,
                layers,
                norm: final_norm,
                training: false,
            },
            lm_head,
            dtype: loaded,
            config,
            generation,
            training: false,
        })
    }

    pub fn device(&self) -> Device {
        self.model.embed_tokens.weight.device()
    }

    /// `model.to(device)`: moves every weight.
    pub fn to_device(&mut self, device: Device) -> Result<()> {
        crate::nn::ModuleExt::to_device(self, device)
    }

    /// An empty cache for `batch` sequences of up to `capacity` positions.
    pub fn new_cache(&self, batch: usize, capacity: usize) -> Result<KvCache> {
        let c = &self.config;
        let shape = [batch, c.num_key_value_heads, capacity, c.head_dim];
        let layers = (0..c.num_hidden_layers)
            .map(|_| -> Result<LayerCache> {
                Ok(LayerCache {
                    k: Tensor::zeros_on(&shape, DType::F32, self.device())?,
                    v: Tensor::zeros_on(&shape, DType::F32, self.device())?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(KvCache {
            layers,
            len: 0,
            capacity,
            batch,
        })
    }

    /// `model(input_ids).logits`: `[b, s, vocab]` float32 for int64 `input_ids [b, s]`
    /// (or `[s]`), no padding, under `no_grad`.
    pub fn forward(&self, input_ids: &Tensor) -> Result<Tensor> {
        let ids = batch_ids(input_ids)?;
        let _g = crate::autograd::no_grad();
        Ok(self
            .forward_ids(&ids, None, None, LogitsRows::All, false)?
            .logits)
    }

    /// Logits and every layer's attention probabilities `[b, heads, s, s]`
    /// for a prompt (`output_attentions=True`).
    pub fn forward_with_attentions(&self, input_ids: &Tensor) -> Result<ForwardOutput> {
        let ids = batch_ids(input_ids)?;
        let _g = crate::autograd::no_grad();
        self.forward_ids(&ids, None, None, LogitsRows::All, true)
    }

    /// One forward step over `ids` (`[b][s]`, all rows equally long).
    /// `key_mask[b][j]` (0 = padding) covers every position the step can
    /// see (cache and step); `None` means no padding. With a cache the
    /// step's keys are written at `cache.len` and `cache.len` advances.
    pub fn forward_ids(
        &self,
        ids: &[Vec<i64>],
        key_mask: Option<&[Vec<u8>]>,
        mut cache: Option<&mut KvCache>,
        rows: LogitsRows,
        want_attention: bool,
    ) -> Result<ForwardOutput> {
        let b = ids.len();
        let s = ids.first().map_or(0, Vec::len);
        if b == 0 || s == 0 || ids.iter().any(|r| r.len() != s) {
            return Err(Error::invalid(
                "input_ids must be a non-empty [batch, seq] array with equal rows",
            ));
        }
        let past = cache.as_ref().map_or(0, |c| c.len);
        let t = past + s;
        let c = &self.config;
        if let Some(cache) = &cache {
            if cache.batch != b || t > cache.capacity {
                return Err(Error::invalid(format!(
                    "KV cache holds {} sequences of {} positions; this step needs {b} of {t}",
                    cache.batch, cache.capacity
                )));
            }
        }
        let full_mask: Vec<Vec<u8>> = match key_mask {
            Some(m) => {
                if m.len() != b || m.iter().any(|r| r.len() != t) {
                    return Err(Error::invalid(format!(
                        "attention_mask must be [{b}, {t}] for this step"
                    )));
                }
                m.to_vec()
            }
            None => vec![vec![1; t]; b],
        };
        // positions count only real tokens (left padding takes none), as
        // transformers' cumsum(attention_mask) - 1
        let mut positions = Vec::with_capacity(b * s);
        for row in &full_mask {
            let mut p: i64 = -1;
            let mut pos = Vec::with_capacity(t);
            for &m in row {
                p += i64::from(m != 0);
                pos.push(p.max(0));
            }
            positions.extend_from_slice(&pos[past..]);
        }
        if let Some(&p) = positions.iter().max() {
            if p as usize >= c.max_position_embeddings {
                return Err(Error::invalid(format!(
                    "the sequence is {} tokens long, more than max_position_embeddings ({}) of this model",
                    p + 1,
                    c.max_position_embeddings
                )));
            }
        }
        for &id in ids.iter().flatten() {
            if id < 0 || id as usize >= c.vocab_size {
                return Err(Error::IndexOutOfRange {
                    op: "embedding",
                    index: id,
                    dim: 0,
                    size: c.vocab_size,
                });
            }
        }
        let dev = self.device();
        let (cos, sin) = self.rope_tables(&positions, b, s)?;
        let (cos, sin) = (cos.to_device(dev)?, sin.to_device(dev)?);
        let masks: RefCell<HashMap<Option<usize>, Tensor>> = RefCell::new(HashMap::new());
        let mask_for = |w: Option<usize>| -> Result<Tensor> {
            if let Some(m) = masks.borrow().get(&w) {
                return Ok(m.clone());
            }
            let m = additive_mask(&full_mask, past, s, w)?.to_device(dev)?;
            masks.borrow_mut().insert(w, m.clone());
            Ok(m)
        };
        let step = Step {
            cos: &cos,
            sin: &sin,
            mask_for: &mask_for,
            past,
            want_attention,
        };
        let flat: Vec<i64> = ids.iter().flatten().copied().collect();
        let idx = Tensor::from_vec(flat, &[b, s])?.to_device(dev)?;
        let mut h = self
            .model
            .embed_tokens
            .forward(&idx)?
            .to_dtype(DType::F32)?;
        let mut attentions = Vec::new();
        for (i, layer) in self.model.layers.iter().enumerate() {
            let lc = cache.as_mut().map(|c| &mut c.layers[i]);
            let (out, probs) = layer.forward_step(&h, &step, lc)?;
            h = out;
            attentions.extend(probs);
        }
        if let Some(cache) = cache {
            cache.len = t;
        }
        if rows == LogitsRows::Last {
            h = h.narrow(1, s as i64 - 1, 1)?;
        }
        let h = self.model.norm.forward(&h)?;
        let logits = self.lm_head(&h)?;
        Ok(ForwardOutput { logits, attentions })
    }

    fn lm_head(&self, h: &Tensor) -> Result<Tensor> {
        match &self.lm_head {
            Some(l) => apply(l, h),
            None => {
                crate::nn::functional::widening_linear(h, &self.model.embed_tokens.weight, None)
            }
        }
    }

    /// `[b, 1, s, head_dim]` cos and sin for the positions (`emb = cat(freqs, freqs)`).
    fn rope_tables(&self, positions: &[i64], b: usize, s: usize) -> Result<(Tensor, Tensor)> {
        let d = self.config.head_dim;
        let half = d / 2;
        let mut cos = Vec::with_capacity(b * s * d);
        let mut sin = Vec::with_capacity(b * s * d);
        for &p in positions {
            for _ in 0..2 {
                for &f in &self.inv_freq[..half] {
                    let a = p as f32 * f;
                    cos.push(a.cos());
                    sin.push(a.sin());
                }
            }
        }
        Ok((
            Tensor::from_vec(cos, &[b, 1, s, d])?,
            Tensor::from_vec(sin, &[b, 1, s, d])?,
        ))
    }

    /// Decoder block `layer`'s forward on `hidden [b, s, hidden]` (positions
    /// 0..s, causal, no cache) with autograd recording, so that `graph()`
    /// of the result draws the block, every weight a named parameter (make
    /// the input a named leaf, e.g. `hidden_states`, to see it drawn too).
    pub fn block_forward(&self, layer: usize, hidden: &Tensor) -> Result<Tensor> {
        let l = self.model.layers.get(layer).ok_or_else(|| {
            Error::invalid(format!(
                "layer {layer} out of range: the model has {} layers",
                self.model.layers.len()
            ))
        })?;
        if hidden.dim() != 3 || hidden.shape()[2] != self.config.hidden_size {
            return Err(Error::invalid(format!(
                "block_forward expects hidden states [batch, seq, {}], got {:?}",
                self.config.hidden_size,
                hidden.shape()
            )));
        }
        let (b, s) = (hidden.shape()[0], hidden.shape()[1]);
        let _g = crate::autograd::enable_grad();
        self.prompt_step(b, s, |step| Ok(l.forward_step(hidden, step, None)?.0))
    }

    /// Runs `f` with the [`Step`] of a whole, unpadded prompt of `b`
    /// sequences of `s` tokens (positions from 0, no cache, causal mask).
    fn prompt_step<R>(&self, b: usize, s: usize, f: impl FnOnce(&Step) -> Result<R>) -> Result<R> {
        let positions: Vec<i64> = (0..b).flat_map(|_| 0..s as i64).collect();
        let dev = self.device();
        let (cos, sin) = self.rope_tables(&positions, b, s)?;
        let (cos, sin) = (cos.to_device(dev)?, sin.to_device(dev)?);
        let full = vec![vec![1u8; s]; b];
        let mask_for =
            |w: Option<usize>| -> Result<Tensor> { additive_mask(&full, 0, s, w)?.to_device(dev) };
        let step = Step {
            cos: &cos,
            sin: &sin,
            mask_for: &mask_for,
            past: 0,
            want_attention: false,
        };
        f(&step)
    }

    /// The hidden states entering block `layer` for a prompt (no grad), for [`CausalLM::block_forward`].
    pub fn hidden_states_before(&self, layer: usize, input_ids: &Tensor) -> Result<Tensor> {
        let ids = batch_ids(input_ids)?;
        let _g = crate::autograd::no_grad();
        let (b, s) = (ids.len(), ids[0].len());
        let flat: Vec<i64> = ids.iter().flatten().copied().collect();
        let idx = Tensor::from_vec(flat, &[b, s])?.to_device(self.device())?;
        let mut h = self
            .model
            .embed_tokens
            .forward(&idx)?
            .to_dtype(DType::F32)?;
        self.prompt_step(b, s, |step| {
            for l in self.model.layers.iter().take(layer) {
                h = l.forward_step(&h, step, None)?.0;
            }
            Ok(h)
        })
    }

    /// Bytes of weights read per decoded token (every matrix once; the
    /// embedding contributes one row unless it is also the `lm_head`).
    pub fn weight_bytes_per_token(&self) -> usize {
        let c = &self.config;
        let total: usize = crate::nn::ModuleExt::parameters(self)
            .iter()
            .map(|p| p.numel() * p.dtype().size_in_bytes())
            .sum();
        let emb = self.model.embed_tokens.weight.numel() * self.dtype.size_in_bytes();
        if c.tie_word_embeddings {
            total
        } else {
            total - emb + c.hidden_size * self.dtype.size_in_bytes()
        }
    }
}

/// `input_ids` as rows: int64 `[b, s]` or `[s]`.
pub(crate) fn batch_ids(t: &Tensor) -> Result<Vec<Vec<i64>>> {
    if !matches!(t.dtype(), DType::I64 | DType::I32) || !(1..=2).contains(&t.dim()) {
        return Err(Error::invalid(format!(
            "input_ids must be an integer tensor [batch, seq] or [seq], got {} {:?}",
            t.dtype().name(),
            t.shape()
        )));
    }
    let v = t.to_vec_i64()?;
    let s = t.shape()[t.dim() - 1];
    Ok(v.chunks(s.max(1)).map(<[i64]>::to_vec).collect())
}

/// The additive mask `[b, 1, 1, s, t]`: 0 where query `past + i` may see
/// key `j` (j <= past + i, within the window, not padding), float32 min
/// elsewhere (transformers' value: a fully masked row stays finite).
fn additive_mask(keys: &[Vec<u8>], past: usize, s: usize, window: Option<usize>) -> Result<Tensor> {
    let b = keys.len();
    let t = past + s;
    let mut m = vec![0f32; b * s * t];
    for (bi, row) in keys.iter().enumerate() {
        for i in 0..s {
            let q = past + i;
            for j in 0..t {
                let visible = j <= q && window.map_or(true, |w| q - j < w) && row[j] != 0;
                if !visible {
                    m[(bi * s + i) * t + j] = f32::MIN;
                }
            }
        }
    }
    Tensor::from_vec(m, &[b, 1, 1, s, t])
}

impl Module for DecoderModel {
    fn type_name(&self) -> String {
        "DecoderModel".into()
    }
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(Error::invalid("call the CausalLM, not its inner model"))
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("embed_tokens", &self.embed_tokens);
        for (i, l) in self.layers.iter().enumerate() {
            f(&format!("layers.{i}"), l);
        }
        f("norm", &self.norm);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("embed_tokens", &mut self.embed_tokens);
        for (i, l) in self.layers.iter_mut().enumerate() {
            f(&format!("layers.{i}"), l);
        }
        f("norm", &mut self.norm);
    }
    fn training(&self) -> bool {
        self.training
    }
    fn set_training(&mut self, on: bool) {
        self.training = on;
    }
}

impl Module for CausalLM {
    fn type_name(&self) -> String {
        match self.config.arch {
            super::Arch::Llama => "LlamaForCausalLM",
            super::Arch::Qwen2 => "Qwen2ForCausalLM",
            super::Arch::Qwen3 => "Qwen3ForCausalLM",
            super::Arch::Mistral => "MistralForCausalLM",
        }
        .into()
    }
    fn forward(&self, input_ids: &Tensor) -> Result<Tensor> {
        CausalLM::forward(self, input_ids)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("model", &self.model);
        if let Some(l) = &self.lm_head {
            f("lm_head", l);
        }
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("model", &mut self.model);
        if let Some(l) = &mut self.lm_head {
            f("lm_head", l);
        }
    }
    fn training(&self) -> bool {
        self.training
    }
    fn set_training(&mut self, on: bool) {
        self.training = on;
    }
}
