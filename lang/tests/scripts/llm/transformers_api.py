# Hugging Face's transformers API over the engine's LLM: tokenizer,
# BatchEncoding, forward logits and attentions, greedy generation (one
# prompt and a left-padded batch), TextStreamer, chat templates; on the
# tiny random models of engine/tests/fixtures/llm.
import os
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, TextStreamer
root = "engine/tests/fixtures/llm"
if not os.path.exists(root):
    root = os.path.join("..", root)

tok = AutoTokenizer.from_pretrained(os.path.join(root, "llama"))
print(type(tok).__name__, tok.eos_token, tok.eos_token_id, tok.bos_token, tok.pad_token, tok.padding_side)
enc = tok("hello world", return_tensors="pt")
print(type(enc).__name__, enc)
print(enc.input_ids, list(enc.keys()))
print(tok("hello world"))
print(tok.encode("hello world"), tok.convert_ids_to_tokens(enc.input_ids[0]))

m = AutoModelForCausalLM.from_pretrained(os.path.join(root, "llama"), attn_implementation="eager")
print(type(m).__name__, m.config.num_hidden_layers, m.config.hidden_size, m.dtype, m.device)
with torch.no_grad():
    out = m(enc.input_ids)
print(type(out).__name__, out.logits.shape, out.logits[0, -1, :5])
g = m.generate(**enc, max_new_tokens=5, do_sample=False)
print(g)
print(tok.decode(g[0]), "|", tok.decode(g[0], skip_special_tokens=True))
print(tok.batch_decode(g, skip_special_tokens=True))
m.generate(enc.input_ids, max_new_tokens=5, do_sample=False, streamer=TextStreamer(tok))
m.generate(enc.input_ids, max_new_tokens=5, do_sample=False, streamer=TextStreamer(tok, skip_prompt=True))
b = tok(["hello world", "hi"], return_tensors="pt", padding=True)
print(b)
print(m.generate(**b, max_new_tokens=4, do_sample=False))

chat = AutoTokenizer.from_pretrained(os.path.join(root, "tok_chatml"))
msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
print(repr(chat.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)))
print(chat.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=False))
print(chat.apply_chat_template(msgs, return_dict=True))

q = AutoModelForCausalLM.from_pretrained(os.path.join(root, "qwen2"), attn_implementation="eager")
qt = AutoTokenizer.from_pretrained(os.path.join(root, "qwen2"))
x = qt("one two three", return_tensors="pt").input_ids
with torch.no_grad():
    o = q(x, output_attentions=True)
print(type(q).__name__, q.config.model_type, q.config.num_key_value_heads)
print(len(o.attentions), o.attentions[0].shape, torch.allclose(o.attentions[1][0, 0].sum(-1), torch.ones(8)))
print(o.attentions[0][0, 1, -1])

# expect: TokenizersBackend </s> 1 <s> <pad> left
# expect: BatchEncoding {'input_ids': tensor([[  0, 261,  78, 299, 289, 272, 298]]), 'attention_mask': tensor([[1, 1, 1, 1, 1, 1, 1]])}
# expect: tensor([[  0, 261,  78, 299, 289, 272, 298]]) ['input_ids', 'attention_mask']
# expect: {'input_ids': [0, 261, 78, 299, 289, 272, 298], 'attention_mask': [1, 1, 1, 1, 1, 1, 1]}
# expect: [0, 261, 78, 299, 289, 272, 298] ['<s>', 'he', 'l', 'lo', 'Ġw', 'or', 'ld']
# expect: LlamaForCausalLM 2 32 torch.float32 cpu
# expect: CausalLMOutputWithPast torch.Size([1, 7, 360]) tensor([-0.6770,  0.1893,  2.9039, -1.6903, -1.9799])
# expect: tensor([[  0, 261,  78, 299, 289, 272, 298, 197, 197, 354, 329, 341]])
# expect: <s>hello worldets15al | hello worldets15al
# expect: ['hello world\x06\x06ets15al']
# expect: <s>hello worldets15al
# expect: ets15al
# expect: {'input_ids': tensor([[  0, 261,  78, 299, 289, 272, 298],
# expect:         [  2,   2,   2,   2,   0,  74,  75]]), 'attention_mask': tensor([[1, 1, 1, 1, 1, 1, 1],
# expect:         [0, 0, 0, 0, 1, 1, 1]])}
# expect: tensor([[  0, 261,  78, 299, 289, 272, 298, 197, 197, 354, 329],
# expect:         [  2,   2,   2,   2,   0,  74,  75, 195, 197, 354, 259]])
# expect: '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n'
# expect: tensor([[  1,  85,  91,  85,  86,  71,  79, 201,  36,  71, 286,  84,  75, 295,
# expect:           16,   2, 201,   1,  87,  85, 271, 201, 335, 299, 264, 263,   2, 201,
# expect:            1,  67,  85,  85,  75,  85,  86, 276,  86, 201]])
# expect: {'input_ids': [1, 85, 91, 85, 86, 71, 79, 201, 36, 71, 286, 84, 75, 295, 16, 2, 201, 1, 87, 85, 271, 201, 335, 299, 264, 263, 2, 201], 'attention_mask': [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}
# expect: Qwen2ForCausalLM qwen2 2
# expect: 2 torch.Size([1, 4, 8, 8]) True
# expect: tensor([0.0659, 0.0112, 0.1774, 0.0680, 0.0060, 0.6107, 0.0487, 0.0119])
