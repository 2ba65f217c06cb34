//! `tinytorch-llm`: runs a Hugging Face Llama/Qwen2/Qwen3/Mistral directory
//! on the engine (`tinytorch::llm`) from the command line.
//!
//! ```text
//! tinytorch-llm --model DIR (--prompt TEXT | --prompt-ids 1,5,9) [--chat]
//!               [--max-new-tokens N] [--greedy | --temperature T --top-k K
//!               --top-p P --min-p M --repetition-penalty R --seed S]
//!               [--print-ids] [--logits] [--dtype auto|float32|bfloat16|float16]
//!               [--device cpu|cuda[:N]]
//! tinytorch-llm tokenize --tokenizer FILE TEXT
//! ```
//!
//! Generated text streams to stderr with a tokens/s summary; stdout holds
//! only what a script reads: `--print-ids` puts the generated ids alone,
//! space-separated, on its last line; `--logits` prints one JSON row of
//! logits per prompt position and generates nothing; when stdout is not a
//! terminal the generated text is written there too.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use tinytorch::llm::{CausalLM, ChatMessage, GenerateOptions, TextStreamer, Tokenizer};
use tinytorch::{DType, Device, Tensor};

const USAGE: &str = "usage:
  tinytorch-llm --model DIR (--prompt TEXT | --prompt-ids 1,5,9) [options]
  tinytorch-llm tokenize --tokenizer FILE TEXT

options:
  --max-new-tokens N       tokens to generate (default: generation_config.json, else 20)
  --greedy                 argmax decoding
  --temperature T --top-k K --top-p P --min-p M --repetition-penalty R
                           sampling settings (any of them turns sampling on)
  --seed S                 seed for sampling
  --chat                   wrap the prompt as a user message in the chat template
  --print-ids              print the generated ids, space-separated, as stdout's last line
  --logits                 print the prompt's logits as JSON (one row per position), no generation
  --dtype D                auto (stored), float32, bfloat16 or float16 weights
  --device D               cpu or cuda[:N]";

#[derive(Default)]
struct Args {
    model: Option<PathBuf>,
    prompt: Option<String>,
    prompt_ids: Option<Vec<i64>>,
    max_new_tokens: Option<usize>,
    greedy: bool,
    temperature: Option<f64>,
    top_k: Option<usize>,
    top_p: Option<f64>,
    min_p: Option<f64>,
    repetition_penalty: Option<f64>,
    seed: Option<u64>,
    chat: bool,
    print_ids: bool,
    logits: bool,
    dtype: Option<DType>,
    device: Device,
}

type Res<T> = Result<T, String>;

fn num<T: FromStr>(flag: &str, v: Option<String>) -> Res<T> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
}

fn parse(mut it: impl Iterator<Item = String>) -> Res<Args> {
    let mut a = Args::default();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--model" => a.model = Some(PathBuf::from(num::<String>(&flag, it.next())?)),
            "--prompt" => a.prompt = Some(num(&flag, it.next())?),
            "--prompt-ids" => {
                let v: String = num(&flag, it.next())?;
                let ids = v
                    .split(',')
                    .map(|s| s.trim().parse::<i64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| {
                        format!("--prompt-ids: expected comma-separated integers, got {v:?}")
                    })?;
                a.prompt_ids = Some(ids);
            }
            "--max-new-tokens" => a.max_new_tokens = Some(num(&flag, it.next())?),
            "--greedy" => a.greedy = true,
            "--temperature" => a.temperature = Some(num(&flag, it.next())?),
            "--top-k" => a.top_k = Some(num(&flag, it.next())?),
            "--top-p" => a.top_p = Some(num(&flag, it.next())?),
            "--min-p" => a.min_p = Some(num(&flag, it.next())?),
            "--repetition-penalty" => a.repetition_penalty = Some(num(&flag, it.next())?),
            "--seed" => a.seed = Some(num(&flag, it.next())?),
            "--chat" => a.chat = true,
            "--print-ids" => a.print_ids = true,
            "--logits" => a.logits = true,
            "--dtype" => {
                let v: String = num(&flag, it.next())?;
                a.dtype = match v.as_str() {
                    "auto" => None,
                    name => Some(
                        DType::from_name(name)
                            .filter(|d| matches!(d, DType::F32 | DType::BF16 | DType::F16))
                            .ok_or_else(|| {
                                format!("--dtype: expected auto, float32, bfloat16 or float16, got {v:?}")
                            })?,
                    ),
                };
            }
            "--device" => {
                let v: String = num(&flag, it.next())?;
                a.device = Device::from_str(&v).map_err(|e| format!("--device: {e}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if a.model.is_none() {
        return Err(format!("--model DIR is required\n{USAGE}"));
    }
    if a.prompt.is_some() == a.prompt_ids.is_some() {
        return Err(format!(
            "give exactly one of --prompt and --prompt-ids\n{USAGE}"
        ));
    }
    let sampling =
        a.temperature.is_some() || a.top_k.is_some() || a.top_p.is_some() || a.min_p.is_some();
    if a.greedy && sampling {
        return Err("--greedy cannot be combined with sampling settings".into());
    }
    Ok(a)
}

fn tokenize(mut it: impl Iterator<Item = String>) -> Res<()> {
    let (mut file, mut text) = (None, None);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tokenizer" => file = it.next(),
            _ if text.is_none() => text = Some(a),
            _ => return Err(format!("unexpected argument {a:?}\n{USAGE}")),
        }
    }
    let (Some(file), Some(text)) = (file, text) else {
        return Err(format!(
            "tokenize needs --tokenizer FILE and a TEXT\n{USAGE}"
        ));
    };
    let tok = Tokenizer::from_file(&file).map_err(|e| e.to_string())?;
    let ids = tok.encode(&text, true).map_err(|e| e.to_string())?;
    emit(&join(&ids))
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}

fn run(a: Args) -> Res<()> {
    let dir = a.model.expect("checked in parse");
    let e = |e: tinytorch::Error| e.to_string();
    let t0 = Instant::now();
    let mut model = CausalLM::from_pretrained(&dir, a.dtype).map_err(e)?;
    if a.device != Device::Cpu {
        model.to_device(a.device).map_err(e)?;
    }
    let load_s = t0.elapsed().as_secs_f64();
    let tok = if dir.join("tokenizer.json").is_file() {
        Some(Tokenizer::from_pretrained(&dir).map_err(e)?)
    } else {
        None
    };
    let prompt: Vec<i64> = match (&a.prompt_ids, &a.prompt) {
        (Some(ids), _) => ids.clone(),
        (None, Some(text)) => {
            let tok = tok.as_ref().ok_or_else(|| {
                format!("{} has no tokenizer.json; use --prompt-ids", dir.display())
            })?;
            if a.chat {
                let s = tok
                    .apply_chat_template(&[ChatMessage::new("user", text.as_str())], true)
                    .map_err(e)?;
                tok.encode(&s, false).map_err(e)?
            } else {
                tok.encode(text, true).map_err(e)?
            }
        }
        _ => unreachable!("parse checks that one prompt is given"),
    };
    if a.logits {
        let n = prompt.len();
        let ids = Tensor::from_vec(prompt, &[1, n]).map_err(e)?;
        let logits = model.forward(&ids).map_err(e)?.to_vec_f32().map_err(e)?;
        let vocab = model.config.vocab_size;
        let rows: Vec<String> = logits
            .chunks(vocab)
            .map(|r| {
                format!(
                    "[{}]",
                    r.iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        return emit(&format!("[{}]", rows.join(",\n ")));
    }
    let mut opts = GenerateOptions::for_model(&model);
    if let Some(n) = a.max_new_tokens {
        opts.max_new_tokens = n;
    }
    let s = &mut opts.sampling;
    if a.greedy {
        s.do_sample = false;
    }
    if a.temperature.is_some() || a.top_k.is_some() || a.top_p.is_some() || a.min_p.is_some() {
        s.do_sample = true;
    }
    s.temperature = a.temperature.unwrap_or(s.temperature);
    s.top_k = a.top_k.unwrap_or(s.top_k);
    s.top_p = a.top_p.unwrap_or(s.top_p);
    s.min_p = a.min_p.or(s.min_p);
    s.repetition_penalty = a.repetition_penalty.unwrap_or(s.repetition_penalty);
    opts.seed = a.seed;
    let mut streamer = tok.as_ref().map(|t| TextStreamer::new(t, true));
    let mut err = std::io::stderr();
    let mut text = String::new();
    let mut on_token = |ids: &[i64]| -> tinytorch::Result<()> {
        if let Some(s) = streamer.as_mut() {
            let piece = s.put(ids[0])?;
            text.push_str(&piece);
            let _ = write!(err, "{piece}");
            let _ = err.flush();
        }
        Ok(())
    };
    let out = model
        .generate(
            std::slice::from_ref(&prompt),
            None,
            &opts,
            Some(&mut on_token),
        )
        .map_err(e)?;
    if let Some(s) = streamer.as_mut() {
        let piece = s.end().map_err(e)?;
        eprint!("{piece}");
        text.push_str(&piece);
    }
    let new = &out.sequences[0][prompt.len()..];
    let decode_tokens = out.new_tokens.saturating_sub(1);
    eprintln!(
        "\n[{} prompt tokens in {:.3} s ({:.1} tokens/s); {} new tokens, {:.1} tokens/s decoding; load {:.2} s, weights {}]",
        out.prompt_tokens,
        out.prefill_seconds,
        out.prompt_tokens as f64 / out.prefill_seconds.max(1e-9),
        out.new_tokens,
        decode_tokens as f64 / out.decode_seconds.max(1e-9),
        load_s,
        model.dtype.name()
    );
    if a.print_ids {
        emit(&join(new))
    } else if !std::io::stdout().is_terminal() {
        emit(&text)
    } else {
        Ok(())
    }
}

/// One line to stdout; a closed pipe (`| head`) ends quietly.
fn emit(line: &str) -> Res<()> {
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let result = if args.peek().map(String::as_str) == Some("tokenize") {
        args.next();
        tokenize(args)
    } else {
        parse(args).and_then(run)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("tinytorch-llm: {msg}");
            ExitCode::from(2)
        }
    }
}
