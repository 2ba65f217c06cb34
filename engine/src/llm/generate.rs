//! `model.generate(...)`: the whole prompt in one forward pass into a
//! preallocated KV cache, then one token per step, for a batch of prompts
//! left-padded to one length with an attention mask, until every sequence
//! has produced an end-of-sequence id or `max_new_tokens` ran out. Finished
//! sequences continue with the pad id, as in transformers. A callback sees
//! each step's tokens as they are made (the streamer). Knows nothing of
//! text.

use std::time::Instant;

use super::model::{CausalLM, LogitsRows};
use super::sampling::SamplingConfig;
use crate::random::{default_generator, Generator};
use crate::{Error, Result};

/// `generate`'s arguments beyond the prompt.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub max_new_tokens: usize,
    pub sampling: SamplingConfig,
    /// Any of these ends a sequence.
    pub eos_token_id: Vec<i64>,
    /// Fills finished sequences and left padding (transformers falls back to the first EOS id).
    pub pad_token_id: Option<i64>,
    /// Seeds a private generator; `None` draws from the default generator
    /// (so `manual_seed` reproduces a run).
    pub seed: Option<u64>,
}

impl GenerateOptions {
    /// The model's `generation_config.json` over transformers' defaults
    /// (greedy unless it says `do_sample`, 20 new tokens).
    pub fn for_model(model: &CausalLM) -> GenerateOptions {
        let g = &model.generation;
        let d = SamplingConfig::default();
        let eos = if g.eos_token_id.is_empty() {
            model.config.eos_token_id.clone()
        } else {
            g.eos_token_id.clone()
        };
        GenerateOptions {
            max_new_tokens: g.max_new_tokens.unwrap_or(20),
            sampling: SamplingConfig {
                do_sample: g.do_sample.unwrap_or(d.do_sample),
                temperature: g.temperature.unwrap_or(d.temperature),
                top_k: g.top_k.unwrap_or(d.top_k),
                top_p: g.top_p.unwrap_or(d.top_p),
                min_p: g.min_p.or(d.min_p),
                repetition_penalty: g.repetition_penalty.unwrap_or(d.repetition_penalty),
            },
            pad_token_id: g.pad_token_id.or(model.config.pad_token_id),
            eos_token_id: eos,
            seed: None,
        }
    }
}

/// What `generate` returns.
#[derive(Debug, Clone)]
pub struct GenerateOutput {
    /// Each row: the (padded) prompt, then the new tokens (pad after EOS).
    pub sequences: Vec<Vec<i64>>,
    /// Steps run (new tokens per sequence, at most `max_new_tokens`).
    pub new_tokens: usize,
    pub prompt_tokens: usize,
    pub prefill_seconds: f64,
    pub decode_seconds: f64,
}

/// Left-pads prompts of different lengths to one: (ids, attention mask).
pub fn pad_left(prompts: &[Vec<i64>], pad: i64) -> (Vec<Vec<i64>>, Vec<Vec<u8>>) {
    let n = prompts.iter().map(Vec::len).max().unwrap_or(0);
    prompts
        .iter()
        .map(|p| {
            let k = n - p.len();
            let mut ids = vec![pad; k];
            ids.extend_from_slice(p);
            let mut mask = vec![0u8; k];
            mask.resize(n, 1u8);
            (ids, mask)
        })
        .unzip()
}

/// The streamer: called once per step with that step's token of every sequence.
pub type Streamer<'a> = dyn FnMut(&[i64]) -> Result<()> + 'a;

impl CausalLM {
    /// Generates up to `opts.max_new_tokens` tokens after each row of
    /// `input_ids` (equal lengths; left padding marked 0 in `attention_mask`).
    pub fn generate(
        &self,
        input_ids: &[Vec<i64>],
        attention_mask: Option<&[Vec<u8>]>,
        opts: &GenerateOptions,
        mut streamer: Option<&mut Streamer>,
    ) -> Result<GenerateOutput> {
        opts.sampling.validate()?;
        let _g = crate::autograd::no_grad();
        let b = input_ids.len();
        let s = input_ids.first().map_or(0, Vec::len);
        if b == 0 || s == 0 {
            return Err(Error::invalid(
                "generate needs at least one non-empty prompt",
            ));
        }
        let mut mask: Vec<Vec<u8>> = match attention_mask {
            Some(m) => m.to_vec(),
            None => vec![vec![1; s]; b],
        };
        if mask.len() != b || mask.iter().any(|r| r.len() != s) {
            return Err(Error::invalid(format!(
                "attention_mask must have the shape of input_ids [{b}, {s}]"
            )));
        }
        let longest = mask
            .iter()
            .map(|r| r.iter().filter(|&&m| m != 0).count())
            .max()
            .unwrap_or(0);
        let max_pos = self.config.max_position_embeddings;
        if longest > max_pos {
            return Err(Error::invalid(format!(
                "the prompt is {longest} tokens long, more than max_position_embeddings ({max_pos}) of this model"
            )));
        }
        // never run past the positions the model knows
        let steps = opts.max_new_tokens.min(max_pos - longest);
        let pad = opts
            .pad_token_id
            .or_else(|| opts.eos_token_id.first().copied())
            .unwrap_or(0);
        let mut private = opts.seed.map(Generator::new);
        let mut sequences: Vec<Vec<i64>> = input_ids.to_vec();
        let mut cache = self.new_cache(b, s + steps)?;
        let mut unfinished = vec![true; b];
        let (mut prefill_seconds, mut decode_seconds) = (0.0, 0.0);
        let mut step_ids: Vec<Vec<i64>> = input_ids.to_vec();
        let mut made = 0;
        for step in 0..steps {
            let t0 = Instant::now();
            let out = self.forward_ids(
                &step_ids,
                Some(&mask),
                Some(&mut cache),
                LogitsRows::Last,
                false,
            )?;
            let logits = out.logits.to_vec_f32()?;
            let vocab = logits.len() / b;
            let mut next = Vec::with_capacity(b);
            for (i, row) in logits.chunks_exact(vocab).enumerate() {
                let mut row = row.to_vec();
                let id = match &mut private {
                    Some(g) => opts.sampling.choose(&mut row, &sequences[i], g)?,
                    None => {
                        opts.sampling
                            .choose(&mut row, &sequences[i], &mut default_generator())?
                    }
                };
                next.push(if unfinished[i] { id } else { pad });
            }
            let dt = t0.elapsed().as_secs_f64();
            if step == 0 {
                prefill_seconds = dt;
            } else {
                decode_seconds += dt;
            }
            for (i, &id) in next.iter().enumerate() {
                sequences[i].push(id);
                mask[i].push(1);
                if opts.eos_token_id.contains(&id) {
                    unfinished[i] = false;
                }
            }
            made += 1;
            if let Some(f) = streamer.as_mut() {
                f(&next)?;
            }
            if unfinished.iter().all(|u| !u) {
                break;
            }
            step_ids = next.into_iter().map(|id| vec![id]).collect();
        }
        Ok(GenerateOutput {
            sequences,
            new_tokens: made,
            prompt_tokens: s,
            prefill_seconds,
            decode_seconds,
        })
    }
}
