//! The tokenizer against transformers' `AutoTokenizer` on the fixture
//! tokenizers (tests/fixtures/llm/tok_*): ids with and without special
//! tokens (BOS from the post-processor), decoding, chat templates, and the
//! streamer's incremental text.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tinytorch::llm::{ChatMessage, TextStreamer, Tokenizer};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm")
        .join(name)
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir(name).join("expected.json")).unwrap())
        .unwrap()
}

#[test]
fn ids_and_decodes_match_transformers() {
    for name in ["tok_bos", "tok_chatml"] {
        let t = Tokenizer::from_pretrained(dir(name)).unwrap();
        let e = expected(name);
        assert_eq!(t.vocab_size() as i64, e["vocab_size"].as_i64().unwrap());
        for case in e["texts"].as_array().unwrap() {
            let text = case["text"].as_str().unwrap();
            let with = t.encode(text, true).unwrap();
            assert_eq!(with, ids(&case["ids"]), "{name}: {text:?}");
            assert_eq!(
                t.encode(text, false).unwrap(),
                ids(&case["ids_no_special"]),
                "{name}: {text:?}"
            );
            assert_eq!(
                t.decode(&with, false).unwrap(),
                case["decoded"].as_str().unwrap()
            );
            assert_eq!(
                t.decode(&with, true).unwrap(),
                case["decoded_skip"].as_str().unwrap()
            );
        }
    }
    // BOS comes from the post-processor of tok_bos only
    let bos = Tokenizer::from_pretrained(dir("tok_bos")).unwrap();
    assert_eq!(
        bos.encode("hi", true).unwrap()[0],
        bos.token_to_id("<s>").unwrap()
    );
    let chatml = Tokenizer::from_pretrained(dir("tok_chatml")).unwrap();
    assert_eq!(
        chatml.encode("hi", true).unwrap(),
        chatml.encode("hi", false).unwrap()
    );
}

#[test]
fn chat_templates_render_as_transformers() {
    for name in ["tok_bos", "tok_chatml"] {
        let t = Tokenizer::from_pretrained(dir(name)).unwrap();
        let e = expected(name);
        let msgs: Vec<ChatMessage> = e["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| ChatMessage::new(m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
            .collect();
        assert_eq!(
            t.apply_chat_template(&msgs, true).unwrap(),
            e["chat"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            t.apply_chat_template(&msgs, false).unwrap(),
            e["chat_no_prompt"].as_str().unwrap(),
            "{name}"
        );
    }
    // the template's raise_exception surfaces as an error
    let t = Tokenizer::from_pretrained(dir("tok_bos")).unwrap();
    let e = t
        .apply_chat_template(&[ChatMessage::new("tool", "x")], true)
        .unwrap_err();
    assert!(e.to_string().contains("unknown role"), "{e}");
    // a bare tokenizer.json has no template
    let bare = Tokenizer::from_file(dir("tok_bos").join("tokenizer.json")).unwrap();
    assert!(bare.apply_chat_template(&[], true).is_err());
}

#[test]
fn the_streamer_emits_the_decoded_text_piece_by_piece() {
    let t = Tokenizer::from_pretrained(dir("tok_chatml")).unwrap();
    let text = "héllo wörld 你好 🙂 and more";
    let ids = t.encode(text, false).unwrap();
    let mut s = TextStreamer::new(&t, true);
    let mut out = String::new();
    for &id in &ids {
        let piece = s.put(id).unwrap();
        assert!(
            !piece.contains('\u{FFFD}'),
            "a half character leaked: {piece:?}"
        );
        out.push_str(&piece);
    }
    out.push_str(&s.end().unwrap());
    assert_eq!(out, text);
}

#[test]
fn missing_tokenizer_file_is_an_error() {
    let e = Tokenizer::from_file(dir("nowhere.json")).err().unwrap();
    assert!(e.to_string().contains("no such file"), "{e}");
}
