//! `transformers`: Hugging Face's spelling over the engine's `llm`, so that
//! a transformers snippet runs unchanged: `AutoModelForCausalLM` (the
//! model classes `LlamaForCausalLM`, `Qwen2ForCausalLM`, `Qwen3ForCausalLM`,
//! `MistralForCausalLM`), `AutoTokenizer`, `TextStreamer`, and the
//! `BatchEncoding` a tokenizer returns (a dict whose keys read as
//! attributes). Generated text streams into the REPL or the notebook cell
//! token by token. For teaching, beyond Hugging Face: `model.block_output`
//! (one decoder block's forward with its graph, for `graph()`), and
//! `output_attentions=True` probabilities that `show(..., labels=tokens)`
//! draws as per-head heatmaps.

use crate::bind::{into_class, row, Bound, Def, Row, Style};
use crate::eval::call::Args;
use crate::eval::dict::DictKind;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::{Class, Value};
use crate::eval::Interp;
use crate::library::torch::tensor::value as tensor_value;
use crate::library::{class_in, module, set_class, EngineResult};
use crate::protocol::Object;
use std::cell::RefCell;
use std::rc::Rc;
use tinytorch::llm::{CausalLM, GenerateOptions, StreamState, Tokenizer};
use tinytorch::{DType, Tensor};

thread_local! {
    static TOKENIZER: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static STREAMER: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static OUTPUT: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static CONFIG: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static ENCODING: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    /// The model class of each architecture, by `model_type`.
    static MODELS: RefCell<Vec<(&'static str, Rc<Class>)>> = const { RefCell::new(Vec::new()) };
}

/// The model classes: (`model_type`, class name).
const ARCHES: &[(&str, &str)] = &[
    ("llama", "LlamaForCausalLM"),
    ("qwen2", "Qwen2ForCausalLM"),
    ("qwen3", "Qwen3ForCausalLM"),
    ("mistral", "MistralForCausalLM"),
];

// ----- the model ------------------------------------------------------------

/// A loaded causal language model.
pub struct ModelObj {
    model: RefCell<CausalLM>,
    class: Rc<Class>,
}

impl Object for ModelObj {
    fn class(&self) -> Rc<Class> {
        self.class.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        let m = self.model.borrow();
        let c = &m.config;
        Ok(format!(
            "{}(model_type={}, layers={}, hidden_size={}, heads={}, kv_heads={}, vocab_size={}, dtype=torch.{})",
            self.class.name,
            c.arch.name(),
            c.num_hidden_layers,
            c.hidden_size,
            c.num_attention_heads,
            c.num_key_value_heads,
            c.vocab_size,
            m.dtype.name()
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        let m = self.model.borrow();
        Ok(match name {
            "config" => Some(Value::object(ConfigObj(config_fields(&m)))),
            "dtype" => Some(Value::object(m.dtype)),
            "device" => Some(Value::object(m.device())),
            _ => None,
        })
    }
    fn call(&self, it: &mut Interp, this: &Value, args: Args) -> PyResult<Option<Value>> {
        let Some(f) = self.class.lookup("forward") else {
            return Ok(None);
        };
        let mut args = args;
        args.pos.insert(0, this.clone());
        it.call(&f, args).map(Some)
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["config", "dtype", "device"]
    }
}

/// `model.config`: the config's fields as attributes.
struct ConfigObj(Vec<(&'static str, Value)>);

fn config_fields(m: &CausalLM) -> Vec<(&'static str, Value)> {
    let c = &m.config;
    let int = |n: usize| Value::Int(n as i64);
    let ids = |v: &[i64]| match v {
        [one] => Value::Int(*one),
        many => Value::list(many.iter().map(|&i| Value::Int(i)).collect()),
    };
    vec![
        ("model_type", Value::str(c.arch.name())),
        ("vocab_size", int(c.vocab_size)),
        ("hidden_size", int(c.hidden_size)),
        ("intermediate_size", int(c.intermediate_size)),
        ("num_hidden_layers", int(c.num_hidden_layers)),
        ("num_attention_heads", int(c.num_attention_heads)),
        ("num_key_value_heads", int(c.num_key_value_heads)),
        ("head_dim", int(c.head_dim)),
        ("max_position_embeddings", int(c.max_position_embeddings)),
        ("rms_norm_eps", Value::Float(c.rms_norm_eps)),
        ("rope_theta", Value::Float(c.rope_theta)),
        ("tie_word_embeddings", Value::Bool(c.tie_word_embeddings)),
        ("eos_token_id", ids(&c.eos_token_id)),
        (
            "pad_token_id",
            c.pad_token_id.map_or(Value::None, Value::Int),
        ),
    ]
}

impl Object for ConfigObj {
    fn class(&self) -> Rc<Class> {
        class_in(&CONFIG, "PretrainedConfig")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    /// As transformers prints a config: its JSON.
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        fn json(it: &mut Interp, v: &Value) -> PyResult<String> {
            Ok(match v {
                Value::None => "null".into(),
                Value::Bool(b) => b.to_string(),
                Value::Str(s) => format!("{:?}", &**s),
                Value::List(l) => {
                    let items = l.borrow().clone();
                    let mut parts = Vec::new();
                    for x in &items {
                        parts.push(json(it, x)?);
                    }
                    format!("[{}]", parts.join(", "))
                }
                other => it.repr(other)?,
            })
        }
        let mut parts = Vec::new();
        for (k, v) in &self.0 {
            parts.push(format!("  \"{k}\": {}", json(it, v)?));
        }
        Ok(format!("PretrainedConfig {{\n{}\n}}", parts.join(",\n")))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(self
            .0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone()))
    }
    fn dir(&self) -> Vec<&'static str> {
        self.0.iter().map(|(k, _)| *k).collect()
    }
}

/// `CausalLMOutputWithPast`: `logits` and, when asked, `attentions`.
struct OutputObj {
    logits: Value,
    attentions: Value,
}

impl Object for OutputObj {
    fn class(&self) -> Rc<Class> {
        class_in(&OUTPUT, "CausalLMOutputWithPast")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, it: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "CausalLMOutputWithPast(logits={}, attentions={})",
            it.repr(&self.logits)?,
            it.repr(&self.attentions)?
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "logits" => Some(self.logits.clone()),
            "attentions" => Some(self.attentions.clone()),
            "past_key_values" | "hidden_states" | "loss" => Some(Value::None),
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec![
            "logits",
            "attentions",
            "past_key_values",
            "hidden_states",
            "loss",
        ]
    }
}

#[rustfmt::skip]
const AUTO_MODEL: &[Row] = &[
    row("from_pretrained(str pretrained_model_name_or_path, *, object torch_dtype=None, object dtype=None, object device_map=None, **kwargs)", "Loads a model directory (config.json, generation_config.json, model.safetensors or its shards): Llama, Qwen2, Qwen3 or Mistral. dtype (or torch_dtype) converts the weights; None or 'auto' keeps the stored dtype.", from_pretrained),
];

#[rustfmt::skip]
const MODEL_METHODS: &[Row] = &[
    row("forward(self, input_ids, attention_mask=None, *, bool output_attentions=False, **kwargs)", "model(input_ids): logits [batch, seq, vocab] (float32, no grad), and every layer's attention probabilities [batch, heads, seq, seq] with output_attentions=True.", forward),
    row("generate(self, input_ids=None, attention_mask=None, *, int? max_new_tokens=None, bool? do_sample=None, float? temperature=None, int? top_k=None, float? top_p=None, float? min_p=None, float? repetition_penalty=None, object streamer=None, int? pad_token_id=None, object eos_token_id=None, **kwargs)", "Generates after each prompt row (left-padded rows with their attention_mask): greedy, or sampling with transformers' temperature/top_k/top_p/min_p/repetition_penalty (seeded by torch.manual_seed). Returns the prompt and the new tokens, [batch, seq + new]. A TextStreamer prints text as it is made.", generate),
    row("to(self, object device)", "Moves every weight to device ('cpu' or 'cuda'); returns the model.", model_to),
    row("eval(self)", "Returns the model (it is always in inference mode).", model_eval),
    row("num_parameters(self)", "The number of weights.", num_parameters),
    row("block_output(self, input_ids, int layer=0)", "Decoder block `layer`'s output for a prompt, recorded by autograd (its input a leaf named hidden_states, every weight named), so graph() draws one block. A tinytorch addition.", block_output),
];

fn model_classes() -> Vec<(&'static str, Rc<Class>)> {
    MODELS.with(|m| m.borrow().clone())
}

fn model<'a>(b: &'a Bound) -> PyResult<&'a ModelObj> {
    b.value(0)
        .downcast::<ModelObj>()
        .ok_or_else(|| type_error("expected a causal language model"))
}

/// A dtype argument: None or "auto" keeps the stored one.
fn dtype_arg(it: &Interp, b: &Bound, i: usize) -> PyResult<Option<DType>> {
    match b.value(i) {
        Value::None => Ok(None),
        Value::Str(s) if &**s == "auto" => Ok(None),
        _ => b.dtype(it, i),
    }
}

fn from_pretrained(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let dir = b.str(0)?.to_string();
    let dtype = match dtype_arg(it, &b, 2)? {
        Some(d) => Some(d),
        None => dtype_arg(it, &b, 1)?,
    };
    let mut m = CausalLM::from_pretrained(&dir, dtype).py()?;
    if let Value::Str(s) = b.value(3) {
        if &**s != "auto" && &**s != "cpu" {
            let d = crate::bind::parse_device(s)?;
            m.to_device(d).py()?;
        }
    }
    let name = m.config.arch.name();
    let class = model_classes()
        .into_iter()
        .find(|(t, _)| *t == name)
        .map(|(_, c)| c)
        .ok_or_else(|| exc("ValueError", format!("no model class for {name}")))?;
    Ok(Value::object(ModelObj {
        model: RefCell::new(m),
        class,
    }))
}

/// Token ids as rows: a tensor `[b, s]` or `[s]`, or (nested) lists of ints.
fn id_rows(it: &mut Interp, v: &Value) -> PyResult<Vec<Vec<i64>>> {
    if let Some(t) = v.downcast::<Tensor>() {
        if t.dtype().is_float() {
            return Err(type_error("input_ids must be integer token ids"));
        }
        let flat = t.to_vec_i64().py()?;
        return Ok(match t.shape() {
            [_] => vec![flat],
            [b, s] => flat
                .chunks((*s).max(1))
                .take(*b)
                .map(<[i64]>::to_vec)
                .collect(),
            other => {
                return Err(exc(
                    "ValueError",
                    format!("input_ids must be [batch, seq] or [seq], got {other:?}"),
                ))
            }
        });
    }
    let items = it.collect(v)?;
    if items.iter().all(|x| matches!(x, Value::Int(_))) {
        return Ok(vec![items
            .iter()
            .map(|x| if let Value::Int(i) = x { *i } else { 0 })
            .collect()]);
    }
    let mut rows = Vec::new();
    for row in items {
        rows.push(id_rows(it, &row)?.into_iter().next().unwrap_or_default());
    }
    Ok(rows)
}

fn ids_tensor(rows: &[Vec<i64>]) -> PyResult<Tensor> {
    let (b, s) = (rows.len(), rows.first().map_or(0, Vec::len));
    if rows.iter().any(|r| r.len() != s) {
        return Err(exc(
            "ValueError",
            "token id rows of different lengths: pad them (tokenizer(..., padding=True))",
        ));
    }
    Tensor::from_vec(rows.concat(), &[b, s]).py()
}

fn forward(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = model(&b)?;
    let rows = id_rows(it, b.value(1))?;
    if let Some(mask) = b.opt(2).filter(|v| !matches!(v, Value::None)) {
        let mask = id_rows(it, mask)?;
        if mask.iter().flatten().any(|&x| x == 0) {
            return Err(exc(
                "NotImplementedError",
                "model(...) with padding in attention_mask: use model.generate for padded batches",
            ));
        }
    }
    let ids = ids_tensor(&rows)?;
    let m = m.model.borrow();
    let out = if b.bool(3)? {
        let o = m.forward_with_attentions(&ids).py()?;
        let atts = o.attentions.into_iter().map(tensor_value).collect();
        OutputObj {
            logits: tensor_value(o.logits),
            attentions: Value::tuple(atts),
        }
    } else {
        OutputObj {
            logits: tensor_value(m.forward(&ids).py()?),
            attentions: Value::None,
        }
    };
    Ok(Value::object(out))
}

fn generate(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = model(&b)?;
    if b.is_none(1) {
        return Err(type_error("generate() needs input_ids"));
    }
    let rows = id_rows(it, b.value(1))?;
    let mask: Option<Vec<Vec<u8>>> = match b.opt(2).filter(|v| !matches!(v, Value::None)) {
        Some(v) => Some(
            id_rows(it, v)?
                .into_iter()
                .map(|r| r.into_iter().map(|x| u8::from(x != 0)).collect())
                .collect(),
        ),
        None => None,
    };
    let model_ref = m.model.borrow();
    let mut opts = GenerateOptions::for_model(&model_ref);
    if let Some(n) = b.opt_int(3)? {
        opts.max_new_tokens = usize::try_from(n)
            .map_err(|_| exc("ValueError", "max_new_tokens must be a non-negative int"))?;
    }
    let s = &mut opts.sampling;
    if let Some(x) = b.opt(4).and_then(|v| {
        if let Value::Bool(x) = v {
            Some(*x)
        } else {
            None
        }
    }) {
        s.do_sample = x;
    }
    if let Some(x) = b.opt_float(5)? {
        s.temperature = x;
    }
    if let Some(x) = b.opt_int(6)? {
        s.top_k = usize::try_from(x).unwrap_or(0);
    }
    if let Some(x) = b.opt_float(7)? {
        s.top_p = x;
    }
    if let Some(x) = b.opt_float(8)? {
        s.min_p = Some(x);
    }
    if let Some(x) = b.opt_float(9)? {
        s.repetition_penalty = x;
    }
    if let Some(p) = b.opt_int(11)? {
        opts.pad_token_id = Some(p);
    }
    match b.value(12) {
        Value::None => {}
        Value::Int(i) => opts.eos_token_id = vec![*i],
        v => opts.eos_token_id = id_rows(it, v)?.concat(),
    }
    let streamer = b.value(10).clone();
    let out = if matches!(streamer, Value::None) {
        model_ref
            .generate(&rows, mask.as_deref(), &opts, None)
            .py()?
    } else {
        let obj = streamer
            .downcast::<StreamerObj>()
            .ok_or_else(|| type_error("streamer must be a TextStreamer"))?;
        if rows.len() != 1 {
            return Err(exc("ValueError", "TextStreamer only supports batch size 1"));
        }
        if !obj.skip_prompt {
            obj.put(it, &rows[0])?;
        }
        // The engine calls back per step; what it prints goes to this
        // session's output as it comes.
        let mut failed = None;
        let out = {
            let mut on_step = |ids: &[i64]| -> tinytorch::Result<()> {
                if let Err(e) = obj.put(it, &ids[..1]) {
                    failed = Some(e);
                    return Err(tinytorch::Error::invalid("streamer failed"));
                }
                Ok(())
            };
            model_ref.generate(&rows, mask.as_deref(), &opts, Some(&mut on_step))
        };
        if let Some(e) = failed {
            return Err(e);
        }
        let out = out.py()?;
        obj.end(it)?;
        out
    };
    ids_tensor(&out.sequences).map(tensor_value)
}

fn model_to(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = b
        .device(1)?
        .ok_or_else(|| type_error("to() needs a device"))?;
    model(&b)?.model.borrow_mut().to_device(d).py()?;
    Ok(b.value(0).clone())
}

fn model_eval(_: &mut Interp, b: Bound) -> PyResult<Value> {
    model(&b)?;
    Ok(b.value(0).clone())
}

fn num_parameters(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = model(&b)?.model.borrow();
    let c = &m.config;
    let embed = c.vocab_size * c.hidden_size;
    let per_layer: usize = m.model.layers.iter().map(layer_params).sum();
    let head = if m.lm_head.is_some() { embed } else { 0 };
    Ok(Value::Int(
        (embed + per_layer + c.hidden_size + head) as i64,
    ))
}

fn layer_params(l: &tinytorch::llm::DecoderLayer) -> usize {
    use tinytorch::nn::ModuleExt;
    l.parameters().iter().map(Tensor::numel).sum()
}

fn block_output(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let m = model(&b)?;
    let rows = id_rows(it, b.value(1))?;
    let ids = ids_tensor(&rows)?;
    let layer = usize::try_from(b.int(2)?).map_err(|_| exc("IndexError", "layer must be >= 0"))?;
    let m = m.model.borrow();
    let hidden = m
        .hidden_states_before(layer, &ids)
        .and_then(|h| h.requires_grad_(true))
        .py()?;
    hidden.set_name("hidden_states");
    m.block_forward(layer, &hidden).py().map(tensor_value)
}

// ----- the tokenizer ----------------------------------------------------------

/// A tokenizer (`TokenizersBackend` in transformers 5).
pub struct TokenizerObj {
    tok: Tokenizer,
    /// Where padding goes: "left" or "right".
    padding_side: RefCell<String>,
}

impl Object for TokenizerObj {
    fn class(&self) -> Rc<Class> {
        class_in(&TOKENIZER, "TokenizersBackend")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "TokenizersBackend(vocab_size={}, bos_token={:?}, eos_token={:?}, pad_token={:?}, padding_side='{}')",
            self.tok.vocab_size(),
            self.tok.bos_token.as_deref().unwrap_or("None"),
            self.tok.eos_token.as_deref().unwrap_or("None"),
            self.tok.pad_token.as_deref().unwrap_or("None"),
            self.padding_side.borrow()
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        let t = &self.tok;
        let s = |x: &Option<String>| x.as_deref().map_or(Value::None, Value::str);
        let id = |x: &Option<String>| {
            x.as_deref()
                .and_then(|x| t.token_to_id(x))
                .map_or(Value::None, Value::Int)
        };
        Ok(match name {
            "bos_token" => Some(s(&t.bos_token)),
            "eos_token" => Some(s(&t.eos_token)),
            "pad_token" => Some(s(&t.pad_token)),
            "bos_token_id" => Some(id(&t.bos_token)),
            "eos_token_id" => Some(id(&t.eos_token)),
            "pad_token_id" => Some(id(&t.pad_token)),
            "chat_template" => Some(s(&t.chat_template)),
            "vocab_size" => Some(Value::Int(t.vocab_size() as i64)),
            "padding_side" => Some(Value::str(&self.padding_side.borrow())),
            _ => None,
        })
    }
    fn setattr(&self, _: &mut Interp, name: &str, v: Value) -> PyResult<bool> {
        match (name, v) {
            ("padding_side", Value::Str(s)) if &*s == "left" || &*s == "right" => {
                *self.padding_side.borrow_mut() = s.to_string();
                Ok(true)
            }
            ("padding_side", _) => Err(exc("ValueError", "padding_side must be 'left' or 'right'")),
            _ => Ok(false),
        }
    }
    fn call(&self, it: &mut Interp, this: &Value, args: Args) -> PyResult<Option<Value>> {
        let f = self.class().lookup("__call__");
        match f {
            Some(f) => {
                let mut args = args;
                args.pos.insert(0, this.clone());
                it.call(&f, args).map(Some)
            }
            None => Ok(None),
        }
    }
    fn dir(&self) -> Vec<&'static str> {
        vec![
            "bos_token",
            "eos_token",
            "pad_token",
            "bos_token_id",
            "eos_token_id",
            "pad_token_id",
            "chat_template",
            "vocab_size",
            "padding_side",
        ]
    }
}

#[rustfmt::skip]
const AUTO_TOKENIZER: &[Row] = &[
    row("from_pretrained(str pretrained_model_name_or_path, **kwargs)", "Loads tokenizer.json and tokenizer_config.json (special tokens, chat template) from a model directory.", tokenizer_from_pretrained),
];

#[rustfmt::skip]
const TOKENIZER_METHODS: &[Row] = &[
    row("__call__(self, text, *, bool add_special_tokens=True, object padding=False, str? return_tensors=None, **kwargs)", "A BatchEncoding with input_ids and attention_mask for a text or a list of texts (lists, or tensors with return_tensors='pt'; padding=True pads on padding_side).", tokenizer_call),
    row("encode(self, text, *, bool add_special_tokens=True, str? return_tensors=None, **kwargs)", "The token ids of text (a list, or a [1, n] tensor with return_tensors='pt').", encode),
    row("decode(self, token_ids, *, bool skip_special_tokens=False, **kwargs)", "The text of token ids (a list or a 1-D tensor).", decode),
    row("batch_decode(self, sequences, *, bool skip_special_tokens=False, **kwargs)", "decode of each row.", batch_decode),
    row("convert_ids_to_tokens(self, ids)", "Each id's vocabulary string (a list for a list).", convert_ids_to_tokens),
    row("convert_tokens_to_ids(self, tokens)", "Each token's id (None when not in the vocabulary).", convert_tokens_to_ids),
    row("apply_chat_template(self, conversation, *, bool tokenize=True, bool add_generation_prompt=False, str? return_tensors=None, bool return_dict=False, **kwargs)", "The chat template rendered over messages ({'role': ..., 'content': ...}): the text with tokenize=False, else its ids (a tensor with return_tensors='pt', a BatchEncoding with return_dict=True).", apply_chat_template),
];

fn tok<'a>(b: &'a Bound) -> PyResult<&'a TokenizerObj> {
    b.value(0)
        .downcast::<TokenizerObj>()
        .ok_or_else(|| type_error("expected a tokenizer"))
}

fn tokenizer_from_pretrained(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = Tokenizer::from_pretrained(b.str(0)?).py()?;
    let side = t.padding_side.clone();
    Ok(Value::object(TokenizerObj {
        tok: t,
        padding_side: RefCell::new(side),
    }))
}

/// A `BatchEncoding`: a dict (so `**inputs` works) whose keys also read as
/// attributes.
fn encoding(it: &mut Interp, items: Vec<(&str, Value)>) -> PyResult<Value> {
    let d = Value::dict(Default::default());
    for (k, v) in items {
        it.set_item(&d, Value::str(k), v)?;
    }
    if let Value::Dict(cell) = &d {
        cell.borrow_mut().kind = Some(Rc::new(DictKind {
            class: class_in(&ENCODING, "BatchEncoding"),
            factory: RefCell::new(Value::None),
        }));
    }
    Ok(d)
}

fn int_list(v: &[i64]) -> Value {
    Value::list(v.iter().map(|&i| Value::Int(i)).collect())
}

fn texts(it: &mut Interp, v: &Value) -> PyResult<(Vec<String>, bool)> {
    match v {
        Value::Str(s) => Ok((vec![s.to_string()], false)),
        v => {
            let mut out = Vec::new();
            for x in it.collect(v)? {
                match x {
                    Value::Str(s) => out.push(s.to_string()),
                    other => {
                        return Err(type_error(format!(
                            "text input must be a str or a list of str, not {}",
                            other.type_name()
                        )))
                    }
                }
            }
            Ok((out, true))
        }
    }
}

fn tokenizer_call(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = tok(&b)?;
    let (texts, batched) = texts(it, b.value(1))?;
    let special = b.bool(2)?;
    let mut rows = Vec::new();
    for s in &texts {
        rows.push(t.tok.encode(s, special).py()?);
    }
    let pad = match b.value(3) {
        Value::Bool(x) => *x,
        Value::Str(s) => &**s == "longest" || &**s == "max_length",
        Value::None => false,
        _ => true,
    };
    let mut masks: Vec<Vec<i64>> = rows.iter().map(|r| vec![1; r.len()]).collect();
    if pad {
        let pad_id = t
            .tok
            .pad_token
            .as_deref()
            .and_then(|p| t.tok.token_to_id(p))
            .ok_or_else(|| {
                exc(
                    "ValueError",
                    "Asking to pad but the tokenizer does not have a padding token.",
                )
            })?;
        let n = rows.iter().map(Vec::len).max().unwrap_or(0);
        let left = &*t.padding_side.borrow() == "left";
        for (r, m) in rows.iter_mut().zip(masks.iter_mut()) {
            let k = n - r.len();
            if left {
                r.splice(0..0, std::iter::repeat(pad_id).take(k));
                m.splice(0..0, std::iter::repeat(0).take(k));
            } else {
                r.extend(std::iter::repeat(pad_id).take(k));
                m.extend(std::iter::repeat(0).take(k));
            }
        }
    }
    let (ids, mask) = match b.opt_str(4)? {
        Some("pt") => (
            tensor_value(ids_tensor(&rows)?),
            tensor_value(ids_tensor(&masks)?),
        ),
        Some(other) => {
            return Err(exc(
                "ValueError",
                format!("return_tensors='{other}': only 'pt' (PyTorch tensors) here"),
            ))
        }
        None if batched => (
            Value::list(rows.iter().map(|r| int_list(r)).collect()),
            Value::list(masks.iter().map(|r| int_list(r)).collect()),
        ),
        None => (int_list(&rows[0]), int_list(&masks[0])),
    };
    encoding(it, vec![("input_ids", ids), ("attention_mask", mask)])
}

fn encode(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let ids = tok(&b)?.tok.encode(b.str(1)?, b.bool(2)?).py()?;
    match b.opt_str(3)? {
        Some("pt") => Ok(tensor_value(ids_tensor(&[ids])?)),
        Some(other) => Err(exc(
            "ValueError",
            format!("return_tensors='{other}': only 'pt' (PyTorch tensors) here"),
        )),
        None => Ok(int_list(&ids)),
    }
}

fn decode(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let rows = id_rows(it, b.value(1))?;
    if rows.len() != 1 {
        return Err(type_error(
            "decode() takes one sequence of ids; use batch_decode for several",
        ));
    }
    let s = tok(&b)?.tok.decode(&rows[0], b.bool(2)?).py()?;
    Ok(Value::str(&s))
}

fn batch_decode(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let rows = id_rows(it, b.value(1))?;
    let t = tok(&b)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(Value::str(&t.tok.decode(&r, b.bool(2)?).py()?));
    }
    Ok(Value::list(out))
}

fn convert_ids_to_tokens(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = tok(&b)?;
    if let Value::Int(i) = b.value(1) {
        return Ok(Value::str(&t.tok.convert_ids_to_tokens(&[*i])[0]));
    }
    let ids = id_rows(it, b.value(1))?.concat();
    let toks = t.tok.convert_ids_to_tokens(&ids);
    Ok(Value::list(toks.iter().map(|s| Value::str(s)).collect()))
}

fn convert_tokens_to_ids(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = tok(&b)?;
    let one = |s: &str| t.tok.token_to_id(s).map_or(Value::None, Value::Int);
    if let Value::Str(s) = b.value(1) {
        return Ok(one(s));
    }
    let mut out = Vec::new();
    for x in it.collect(b.value(1))? {
        match x {
            Value::Str(s) => out.push(one(&s)),
            other => {
                return Err(type_error(format!(
                    "tokens must be str, not {}",
                    other.type_name()
                )))
            }
        }
    }
    Ok(Value::list(out))
}

fn apply_chat_template(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = tok(&b)?;
    let mut messages = Vec::new();
    for m in it.collect(b.value(1))? {
        let role = it.get_item(&m, &Value::str("role"))?;
        let content = it.get_item(&m, &Value::str("content"))?;
        match (role, content) {
            (Value::Str(r), Value::Str(c)) => messages.push(tinytorch::llm::ChatMessage::new(
                r.to_string(),
                c.to_string(),
            )),
            _ => {
                return Err(type_error(
                    "each message must be a dict with str 'role' and 'content'",
                ))
            }
        }
    }
    let text = t.tok.apply_chat_template(&messages, b.bool(3)?).py()?;
    if !b.bool(2)? {
        return Ok(Value::str(&text));
    }
    // The template writes the special tokens itself.
    let ids = t.tok.encode(&text, false).py()?;
    let pt = match b.opt_str(4)? {
        Some("pt") => true,
        None => false,
        Some(other) => {
            return Err(exc(
                "ValueError",
                format!("return_tensors='{other}': only 'pt' (PyTorch tensors) here"),
            ))
        }
    };
    let as_value = |rows: &[Vec<i64>]| -> PyResult<Value> {
        Ok(if pt {
            tensor_value(ids_tensor(rows)?)
        } else {
            int_list(&rows[0])
        })
    };
    if b.bool(5)? {
        let mask = vec![vec![1; ids.len()]];
        let (i, m) = (as_value(&[ids])?, as_value(&mask)?);
        return encoding(it, vec![("input_ids", i), ("attention_mask", m)]);
    }
    as_value(&[ids])
}

// ----- BatchEncoding --------------------------------------------------------

#[rustfmt::skip]
const ENCODING_METHODS: &[Row] = &[
    row("__getattr__(self, str name)", "A key read as an attribute (inputs.input_ids).", encoding_getattr),
    row("to(self, object device)", "The tensors moved to device; returns this BatchEncoding.", encoding_to),
];

fn encoding_getattr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let name = b.str(1)?;
    match it.get_item(b.value(0), &Value::str(name)) {
        Ok(v) => Ok(v),
        Err(_) => Err(exc(
            "AttributeError",
            format!("'BatchEncoding' object has no attribute '{name}'"),
        )),
    }
}

fn encoding_to(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = b
        .device(1)?
        .ok_or_else(|| type_error("to() needs a device"))?;
    let this = b.value(0).clone();
    let Value::Dict(cell) = &this else {
        return Ok(this);
    };
    let items: Vec<(Value, Value)> = cell
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in items {
        if let Some(t) = v.downcast::<Tensor>() {
            let moved = tensor_value(t.to_device(d).py()?);
            it.set_item(&this, k, moved)?;
        }
    }
    Ok(this)
}

// ----- TextStreamer -----------------------------------------------------------

/// `TextStreamer(tokenizer, skip_prompt=False, **decode_kwargs)`: prints
/// the text of each generated token as soon as it is whole (the engine's
/// [`StreamState`] rule).
pub struct StreamerObj {
    tokenizer: Value,
    skip_prompt: bool,
    state: RefCell<StreamState>,
}

impl StreamerObj {
    fn tok(&self) -> PyResult<&TokenizerObj> {
        self.tokenizer
            .downcast::<TokenizerObj>()
            .ok_or_else(|| type_error("TextStreamer needs a tokenizer"))
    }

    /// Adds ids; prints the text that became final.
    fn put(&self, it: &mut Interp, ids: &[i64]) -> PyResult<()> {
        let piece = self.state.borrow_mut().put(&self.tok()?.tok, ids).py()?;
        if !piece.is_empty() {
            it.out.write_stdout(&piece);
        }
        Ok(())
    }

    /// Prints what is held back, and ends the line.
    fn end(&self, it: &mut Interp) -> PyResult<()> {
        let piece = self.state.borrow_mut().end(&self.tok()?.tok).py()?;
        it.out.write_stdout(&format!("{piece}\n"));
        Ok(())
    }
}

impl Object for StreamerObj {
    fn class(&self) -> Rc<Class> {
        class_in(&STREAMER, "TextStreamer")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "<transformers.generation.streamers.TextStreamer object at 0x{:x}>",
            self as *const Self as usize
        ))
    }
}

const STREAMER_NEW: Row = row(
    "TextStreamer(tokenizer, bool skip_prompt=False, *, bool skip_special_tokens=False, **decode_kwargs)",
    "Pass as generate(..., streamer=) to print the text as tokens are made (the prompt too, unless skip_prompt).",
    streamer_new,
);

fn streamer_new(_: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.value(0).downcast::<TokenizerObj>().is_none() {
        return Err(type_error("TextStreamer needs a tokenizer"));
    }
    Ok(Value::object(StreamerObj {
        tokenizer: b.value(0).clone(),
        skip_prompt: b.bool(1)?,
        state: RefCell::new(StreamState::new(b.bool(2)?)),
    }))
}

/// Registers `transformers`.
pub fn install(it: &mut Interp) {
    let m = module(
        it,
        "transformers",
        "Hugging Face's names over tinytorch's LLM engine: AutoModelForCausalLM, AutoTokenizer, TextStreamer.",
    );
    let object = it.types.object.clone();
    let new_class = |name: &str, doc: &str| super::class(name, "transformers", &[&object], doc);

    let auto = new_class(
        "AutoModelForCausalLM",
        "Loads a causal language model with AutoModelForCausalLM.from_pretrained(dir).",
    );
    into_class(&auto, AUTO_MODEL, Style::Python);
    m.set("AutoModelForCausalLM", Value::Class(auto));
    let mut models = Vec::new();
    for (arch, name) in ARCHES {
        let c = new_class(
            name,
            "A decoder-only transformer loaded from Hugging Face files.",
        );
        into_class(&c, MODEL_METHODS, Style::Python);
        m.set(name, Value::Class(c.clone()));
        models.push((*arch, c));
    }
    MODELS.with(|s| *s.borrow_mut() = models);

    let auto_tok = new_class(
        "AutoTokenizer",
        "Loads a tokenizer with AutoTokenizer.from_pretrained(dir).",
    );
    into_class(&auto_tok, AUTO_TOKENIZER, Style::Python);
    m.set("AutoTokenizer", Value::Class(auto_tok));
    let tok_class = new_class("TokenizersBackend", "A Hugging Face fast tokenizer.");
    into_class(&tok_class, TOKENIZER_METHODS, Style::Python);
    set_class(&TOKENIZER, &tok_class);

    let streamer = new_class("TextStreamer", STREAMER_NEW.doc);
    *streamer.new.borrow_mut() =
        Some(Def::from_row("transformers", &STREAMER_NEW, Style::Python).value());
    set_class(&STREAMER, &streamer);
    m.set("TextStreamer", Value::Class(streamer));

    let enc = super::class(
        "BatchEncoding",
        "transformers",
        &[&it.types.dict],
        "A tokenizer's output: a dict whose keys also read as attributes.",
    );
    into_class(&enc, ENCODING_METHODS, Style::Python);
    set_class(&ENCODING, &enc);
    m.set("BatchEncoding", Value::Class(enc));
    set_class(
        &OUTPUT,
        &new_class(
            "CausalLMOutputWithPast",
            "logits and attentions of a forward pass.",
        ),
    );
    set_class(
        &CONFIG,
        &new_class("PretrainedConfig", "A model's config.json."),
    );
}
