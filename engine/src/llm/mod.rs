//! Large-language-model inference from Hugging Face files: the Llama,
//! Qwen2, Qwen3 and Mistral decoder-only transformers, built from the
//! engine's `nn` layers and tensor ops, with their tokenizers, chat
//! templates and `generate`.
//!
//! ```text
//! config.rs     config.json / generation_config.json -> ModelConfig, GenerationDefaults
//! weights.rs    model.safetensors (or sharded), memory-mapped, checked by name and shape
//! block.rs      one decoder block: RMSNorm, GQA attention with RoPE, SwiGLU MLP
//! model.rs      CausalLM: load, forward (masks, KV cache), attentions, one block's graph
//! sampling.rs   repetition penalty, temperature, top-k, top-p, min-p, greedy / draw
//! generate.rs   prefill + decode loop, left-padded batches, EOS, streaming callback
//! tokenizer.rs  tokenizer.json + tokenizer_config.json, chat templates, TextStreamer
//! inspect.rs    attention maps as labelled heatmaps (one per head)
//! ```
//!
//! Weights keep their stored dtype (or the one asked for); activations are
//! float32, and half-precision weights are widened inside each matmul
//! (`nn::functional::widening_linear`), so a bfloat16 model needs about its
//! file size in memory. Must not know the language layer: the language
//! wraps these types one to one.

mod block;
pub mod config;
pub mod generate;
pub mod inspect;
pub mod model;
pub mod sampling;
pub mod tokenizer;
pub mod weights;

pub use block::{Attention, DecoderLayer, Mlp};
pub use config::{Arch, GenerationDefaults, ModelConfig, RopeScaling};
pub use generate::{pad_left, GenerateOptions, GenerateOutput, Streamer};
pub use inspect::attention_views;
pub use model::{CausalLM, DecoderModel, ForwardOutput, KvCache, LogitsRows};
pub use sampling::SamplingConfig;
pub use tokenizer::{ChatMessage, StreamState, TextStreamer, Tokenizer};
pub use weights::Weights;
