//! One decoder block of the Llama family, built from the engine's `nn`
//! layers and tensor ops: RMSNorm, grouped-query self-attention with
//! rotary embeddings (Qwen3's per-head q/k norms before RoPE), a SwiGLU
//! MLP, two residual adds. Parameters carry Hugging Face's names through
//! [`Module`], so `named_parameters()` lists `self_attn.q_proj.weight` and
//! so on. Knows nothing of files, tokenizers or generation.

use crate::nn::functional as F;
use crate::nn::{Linear, Module, RMSNorm};
use crate::{Result, Tensor};

use super::config::ModelConfig;
use super::weights::Weights;

/// What every block of one forward step shares.
pub(crate) struct Step<'a> {
    /// `[b, 1, s, head_dim]` rotary tables for the step's positions.
    pub cos: &'a Tensor,
    pub sin: &'a Tensor,
    /// Additive mask `[b, 1, 1, s, t]` (0 or float32 min) for this block's window.
    pub mask_for: &'a dyn Fn(Option<usize>) -> Result<Tensor>,
    /// Positions already in the cache (the step's keys start there).
    pub past: usize,
    /// Return the attention probabilities `[b, heads, s, t]`.
    pub want_attention: bool,
}

/// One block's preallocated keys and values, `[b, kv_heads, capacity, head_dim]`.
pub(crate) struct LayerCache {
    pub k: Tensor,
    pub v: Tensor,
}

fn linear(w: &mut Weights, name: &str, out: usize, inp: usize, bias: bool) -> Result<Linear> {
    let weight = param(
        w.take(&format!("{name}.weight"), &[out, inp])?,
        name,
        "weight",
    )?;
    let bias = if bias {
        Some(param(
            w.take(&format!("{name}.bias"), &[out])?,
            name,
            "bias",
        )?)
    } else {
        None
    };
    Linear::from_parts(weight, bias)
}

pub(crate) fn norm(w: &mut Weights, name: &str, dim: usize, eps: f64) -> Result<RMSNorm> {
    let weight = param(w.take(&format!("{name}.weight"), &[dim])?, name, "weight")?;
    RMSNorm::from_weight(weight, Some(eps))
}

/// A checkpoint tensor as an `nn.Parameter` named as in the file (for pictures).
pub(crate) fn param(t: Tensor, module: &str, field: &str) -> Result<Tensor> {
    let p = crate::nn::parameter(t)?;
    p.set_name(format!("{module}.{field}"));
    Ok(p)
}

/// `nn.Linear`'s forward for a weight that may be stored narrower than `x`.
pub(crate) fn apply(l: &Linear, x: &Tensor) -> Result<Tensor> {
    F::widening_linear(x, &l.weight, l.bias.as_ref())
}

/// Hugging Face's `rotate_half` RoPE: `x * cos + cat(-x2, x1) * sin`,
/// where `x1`, `x2` are the first and second halves of the head dim.
pub(crate) fn apply_rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let d = x.shape()[x.dim() - 1];
    let half = d / 2;
    let x1 = x.narrow(-1, 0, half)?;
    let x2 = x.narrow(-1, half as i64, half)?;
    let rotated = Tensor::cat(&[&x2.neg()?, &x1], -1)?;
    x.mul(cos)?.add(&rotated.mul(sin)?)
}

/// `LlamaAttention` / `Qwen2Attention` / `Qwen3Attention` / `MistralAttention`.
pub struct Attention {
    pub q_proj: Linear,
    pub k_proj: Linear,
    pub v_proj: Linear,
    pub o_proj: Linear,
    pub q_norm: Option<RMSNorm>,
    pub k_norm: Option<RMSNorm>,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub sliding_window: Option<usize>,
    training: bool,
}

impl Attention {
    fn load(w: &mut Weights, p: &str, c: &ModelConfig, layer: usize) -> Result<Attention> {
        let (h, kv, d, hid) = (
            c.num_attention_heads,
            c.num_key_value_heads,
            c.head_dim,
            c.hidden_size,
        );
        let qk_norm = |w: &mut Weights, n: &str| -> Result<Option<RMSNorm>> {
            if c.qk_norm {
                Ok(Some(norm(w, &format!("{p}.{n}"), d, c.rms_norm_eps)?))
            } else {
                Ok(None)
            }
        };
        Ok(Attention {
            q_proj: linear(w, &format!("{p}.q_proj"), h * d, hid, c.qkv_bias)?,
            k_proj: linear(w, &format!("{p}.k_proj"), kv * d, hid, c.qkv_bias)?,
            v_proj: linear(w, &format!("{p}.v_proj"), kv * d, hid, c.qkv_bias)?,
            o_proj: linear(w, &format!("{p}.o_proj"), hid, h * d, c.o_bias)?,
            q_norm: qk_norm(w, "q_norm")?,
            k_norm: qk_norm(w, "k_norm")?,
            heads: h,
            kv_heads: kv,
            head_dim: d,
            sliding_window: c.sliding_window[layer],
            training: false,
        })
    }

    /// `x [b, s, hidden]` -> (`[b, s, hidden]`, attention probabilities if asked).
    pub(crate) fn forward_step(
        &self,
        x: &Tensor,
        step: &Step,
        cache: Option<&mut LayerCache>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let (b, s) = (x.shape()[0], x.shape()[1]);
        let (h, kvh, d) = (self.heads, self.kv_heads, self.head_dim);
        let shape = |n: usize| [b as i64, s as i64, n as i64, d as i64];
        let mut q = apply(&self.q_proj, x)?.view(&shape(h))?;
        let mut k = apply(&self.k_proj, x)?.view(&shape(kvh))?;
        let v = apply(&self.v_proj, x)?.view(&shape(kvh))?;
        if let (Some(qn), Some(kn)) = (&self.q_norm, &self.k_norm) {
            q = qn.forward(&q)?;
            k = kn.forward(&k)?;
        }
        let q = apply_rope(&q.transpose(1, 2)?, step.cos, step.sin)?; // [b, h, s, d]
        let k = apply_rope(&k.transpose(1, 2)?, step.cos, step.sin)?; // [b, kvh, s, d]
        let v = v.transpose(1, 2)?;
        let (keys, values) = match cache {
            Some(c) => {
                // write this step's keys and values into the preallocated
                // cache and attend over everything written so far
                let t = step.past + s;
                c.k.narrow(2, step.past as i64, s)?.copy_(&k)?;
                c.v.narrow(2, step.past as i64, s)?.copy_(&v)?;
                (c.k.narrow(2, 0, t)?, c.v.narrow(2, 0, t)?)
            }
            None => (k, v),
        };
        let t = keys.shape()[2];
        let g = h / kvh;
        // Grouped-query attention without repeating keys: query heads
        // h = j*g .. j*g+g-1 all read kv head j, so the g heads' rows are
        // stacked into one [g*s, d] matrix per kv head.
        let qg = q
            .contiguous()?
            .view(&[b as i64, kvh as i64, (g * s) as i64, d as i64])?;
        let scale = 1.0 / (d as f64).sqrt();
        let scores = qg
            .matmul(&keys.transpose(2, 3)?)?
            .mul_scalar(scale)?
            .view(&[b as i64, kvh as i64, g as i64, s as i64, t as i64])?;
        let mask = (step.mask_for)(self.sliding_window)?;
        let probs = scores.add(&mask)?.softmax(-1)?;
        let out = probs
            .view(&[b as i64, kvh as i64, (g * s) as i64, t as i64])?
            .matmul(&values)?
            .view(&[b as i64, h as i64, s as i64, d as i64])?
            .transpose(1, 2)?
            .reshape(&[b as i64, s as i64, (h * d) as i64])?;
        let attn = if step.want_attention {
            Some(probs.reshape(&[b as i64, h as i64, s as i64, t as i64])?)
        } else {
            None
        };
        Ok((apply(&self.o_proj, &out)?, attn))
    }
}

/// The SwiGLU MLP: `down(silu(gate(x)) * up(x))`.
pub struct Mlp {
    pub gate_proj: Linear,
    pub up_proj: Linear,
    pub down_proj: Linear,
    training: bool,
}

impl Mlp {
    fn load(w: &mut Weights, p: &str, c: &ModelConfig) -> Result<Mlp> {
        let (hid, inter, bias) = (c.hidden_size, c.intermediate_size, c.mlp_bias);
        Ok(Mlp {
            gate_proj: linear(w, &format!("{p}.gate_proj"), inter, hid, bias)?,
            up_proj: linear(w, &format!("{p}.up_proj"), inter, hid, bias)?,
            down_proj: linear(w, &format!("{p}.down_proj"), hid, inter, bias)?,
            training: false,
        })
    }

    fn forward_mlp(&self, x: &Tensor) -> Result<Tensor> {
        let a = apply(&self.gate_proj, x)?.silu()?;
        apply(&self.down_proj, &a.mul(&apply(&self.up_proj, x)?)?)
    }
}

/// `LlamaDecoderLayer`: pre-norm attention and MLP, each added back to the residual.
pub struct DecoderLayer {
    pub self_attn: Attention,
    pub mlp: Mlp,
    pub input_layernorm: RMSNorm,
    pub post_attention_layernorm: RMSNorm,
    training: bool,
}

impl DecoderLayer {
    pub(crate) fn load(w: &mut Weights, c: &ModelConfig, i: usize) -> Result<DecoderLayer> {
        let p = format!("model.layers.{i}");
        let (hid, eps) = (c.hidden_size, c.rms_norm_eps);
        Ok(DecoderLayer {
            self_attn: Attention::load(w, &format!("{p}.self_attn"), c, i)?,
            mlp: Mlp::load(w, &format!("{p}.mlp"), c)?,
            input_layernorm: norm(w, &format!("{p}.input_layernorm"), hid, eps)?,
            post_attention_layernorm: norm(w, &format!("{p}.post_attention_layernorm"), hid, eps)?,
            training: false,
        })
    }

    pub(crate) fn forward_step(
        &self,
        x: &Tensor,
        step: &Step,
        cache: Option<&mut LayerCache>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let (a, probs) =
            self.self_attn
                .forward_step(&self.input_layernorm.forward(x)?, step, cache)?;
        let h = x.add(&a)?;
        let m = self
            .mlp
            .forward_mlp(&self.post_attention_layernorm.forward(&h)?)?;
        Ok((h.add(&m)?, probs))
    }
}

macro_rules! flag {
    () => {
        fn training(&self) -> bool {
            self.training
        }
        fn set_training(&mut self, on: bool) {
            self.training = on;
        }
    };
}

impl Module for Attention {
    fn type_name(&self) -> String {
        "Attention".into()
    }
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(crate::Error::invalid(
            "Attention runs inside its decoder layer (it needs positions and a mask)",
        ))
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("q_proj", &self.q_proj);
        f("k_proj", &self.k_proj);
        f("v_proj", &self.v_proj);
        f("o_proj", &self.o_proj);
        if let (Some(q), Some(k)) = (&self.q_norm, &self.k_norm) {
            f("q_norm", q);
            f("k_norm", k);
        }
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("q_proj", &mut self.q_proj);
        f("k_proj", &mut self.k_proj);
        f("v_proj", &mut self.v_proj);
        f("o_proj", &mut self.o_proj);
        if let (Some(q), Some(k)) = (&mut self.q_norm, &mut self.k_norm) {
            f("q_norm", q);
            f("k_norm", k);
        }
    }
    flag!();
}

impl Module for Mlp {
    fn type_name(&self) -> String {
        "MLP".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_mlp(x)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("gate_proj", &self.gate_proj);
        f("up_proj", &self.up_proj);
        f("down_proj", &self.down_proj);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("gate_proj", &mut self.gate_proj);
        f("up_proj", &mut self.up_proj);
        f("down_proj", &mut self.down_proj);
    }
    flag!();
}

impl Module for DecoderLayer {
    fn type_name(&self) -> String {
        "DecoderLayer".into()
    }
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(crate::Error::invalid(
            "a decoder layer needs positions: use CausalLM::block_forward",
        ))
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        f("self_attn", &self.self_attn);
        f("mlp", &self.mlp);
        f("input_layernorm", &self.input_layernorm);
        f("post_attention_layernorm", &self.post_attention_layernorm);
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        f("self_attn", &mut self.self_attn);
        f("mlp", &mut self.mlp);
        f("input_layernorm", &mut self.input_layernorm);
        f(
            "post_attention_layernorm",
            &mut self.post_attention_layernorm,
        );
    }
    flag!();
}
