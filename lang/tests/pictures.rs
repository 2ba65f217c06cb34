//! What the user sees from `plot`, `graph`, `show` and `tqdm`: a recording
//! [`OutputSink`] checks the calls a cell makes (displays with SVG and PNG
//! content, display ids, in-place updates, progress bars that always end
//! with a `done` update, after `break` and after an exception too), and a
//! small training loop that uses them all.

use std::sync::{Arc, Mutex};
use tinytorch::viz::Progress;
use tinytorch_lang::{Display, OutputSink, Session};

#[derive(Debug, Clone, PartialEq)]
enum Call {
    Out(String),
    Display {
        id: Option<String>,
        svg: bool,
        png: bool,
        plain: String,
        svg_text: String,
    },
    Update {
        id: String,
        svg: bool,
        png: bool,
    },
    Progress {
        id: String,
        count: u64,
        total: Option<u64>,
        desc: Option<String>,
        postfix: Vec<(String, String)>,
        done: bool,
    },
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Call>>>);

impl Recorder {
    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn has_png(d: &Display) -> bool {
    d.bundle
        .as_ref()
        .and_then(|b| b.png.as_ref())
        .is_some_and(|p| p.starts_with(b"\x89PNG"))
}

fn svg_of(d: &Display) -> String {
    d.bundle
        .as_ref()
        .and_then(|b| b.svg.clone())
        .unwrap_or_default()
}

impl OutputSink for Recorder {
    fn write_stdout(&mut self, s: &str) {
        self.0.lock().unwrap().push(Call::Out(s.to_string()));
    }
    fn write_stderr(&mut self, s: &str) {
        self.0.lock().unwrap().push(Call::Out(s.to_string()));
    }
    fn display(&mut self, d: &Display, id: Option<&str>) {
        let svg = svg_of(d);
        self.0.lock().unwrap().push(Call::Display {
            id: id.map(str::to_string),
            svg: svg.contains("<svg"),
            png: has_png(d),
            plain: d.text.clone(),
            svg_text: svg,
        });
    }
    fn update_display(&mut self, d: &Display, id: &str) {
        self.0.lock().unwrap().push(Call::Update {
            id: id.to_string(),
            svg: svg_of(d).contains("<svg"),
            png: has_png(d),
        });
    }
    fn progress(&mut self, id: &str, p: &Progress, done: bool) {
        self.0.lock().unwrap().push(Call::Progress {
            id: id.to_string(),
            count: p.count,
            total: p.total,
            desc: p.desc.clone(),
            postfix: p.postfix.clone(),
            done,
        });
    }
}

fn session() -> (Session, Recorder) {
    let mut s = Session::new();
    let r = Recorder::default();
    s.set_output(Box::new(r.clone()));
    s.set_step_limit(Some(10_000_000));
    s.run("import torch\nfrom tqdm import tqdm", "<setup>", true)
        .unwrap();
    (s, r)
}

fn run(s: &mut Session, src: &str) {
    if let Err(e) = s.run(src, "<cell>", true) {
        panic!("{}", e.render());
    }
}

fn displays(calls: &[Call]) -> Vec<&Call> {
    calls
        .iter()
        .filter(|c| matches!(c, Call::Display { .. } | Call::Update { .. }))
        .collect()
}

#[test]
fn plot_shows_svg_and_png_at_once_and_returns_none() {
    let (mut s, r) = session();
    let d = s
        .run(
            "plot([3.0, 2.0, 1.5], title='loss curve', xlabel='step', ylabel='loss')\nplot(torch.tensor([1.0, 0.5]), logy=True)",
            "<cell>",
            true,
        )
        .unwrap();
    assert_eq!(d, None, "plot returns None: nothing to echo");
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 2, "two pictures in one cell: {calls:?}");
    let Call::Display {
        id,
        svg,
        png,
        svg_text,
        ..
    } = ds[0]
    else {
        panic!("{:?}", ds[0])
    };
    assert_eq!(*id, None);
    assert!(*svg && *png);
    for text in ["loss curve", "step", "loss"] {
        assert!(svg_text.contains(text), "SVG lacks {text}");
    }
}

#[test]
fn plot_forms_xs_ys_dicts_and_imports() {
    let (mut s, r) = session();
    run(
        &mut s,
        "from tinytorch import plot as p2\nimport torch\np2([0, 1, 2], [4, 2, 1])\nplot({'train': [3, 2, 1], 'val': torch.tensor([3.5, 2.5, 2.0])})\nplot({'a': ([1, 2], [5, 6])})",
    );
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 3, "{calls:?}");
    let Call::Display { svg_text, .. } = ds[1] else {
        panic!()
    };
    assert!(svg_text.contains("train") && svg_text.contains("val"));
}

#[test]
fn plot_errors_name_the_function_and_parameter() {
    let (mut s, _r) = session();
    let e = s.run("plot('abc')", "<cell>", true).unwrap_err();
    assert_eq!(e.exc, "TypeError");
    assert!(
        e.message.starts_with("plot(): argument 'ys'"),
        "{}",
        e.message
    );
    let e = s
        .run("plot([1, 2], [1, 2, 3])", "<cell>", true)
        .unwrap_err();
    assert_eq!(e.exc, "ValueError");
    assert!(e.message.contains("same first dimension"), "{}", e.message);
    let e = s
        .run("plot([1], colour='red')", "<cell>", true)
        .unwrap_err();
    assert_eq!(
        e.message,
        "plot() got an unexpected keyword argument 'colour'"
    );
    let e = s.run("show([1, 2])", "<cell>", true).unwrap_err();
    assert_eq!(e.exc, "TypeError");
    assert!(
        e.message.starts_with("show(): argument 't'"),
        "{}",
        e.message
    );
}

#[test]
fn display_ids_show_once_then_update_in_place() {
    let (mut s, r) = session();
    run(
        &mut s,
        "losses = []\nfor i in range(3):\n    losses.append(1.0 / (i + 1))\n    plot(losses, display_id='loss')",
    );
    // A later cell (or the same cell run again) owns its own output: the
    // id's first use there shows a new one (ipykernel's rule), later uses
    // update it.
    run(
        &mut s,
        "plot([1, 2], display_id='loss')\nplot([1, 3], display_id='loss')\nplot([1, 2], display_id='other')",
    );
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 6, "{calls:?}");
    assert!(
        matches!(ds[0], Call::Display { id: Some(i), svg: true, png: true, .. } if i == "loss")
    );
    for d in &ds[1..3] {
        assert!(
            matches!(d, Call::Update { id, svg: true, png: true } if id == "loss"),
            "{d:?}"
        );
    }
    assert!(
        matches!(ds[3], Call::Display { id: Some(i), .. } if i == "loss"),
        "{:?}",
        ds[3]
    );
    assert!(
        matches!(ds[4], Call::Update { id, .. } if id == "loss"),
        "{:?}",
        ds[4]
    );
    assert!(matches!(ds[5], Call::Display { id: Some(i), .. } if i == "other"));
}

#[test]
fn graph_and_show_display_pictures() {
    let (mut s, r) = session();
    run(
        &mut s,
        "from tinytorch import graph, show\nx = torch.ones(2, 3, requires_grad=True)\ny = (x * 2).sum()\ngraph(y)\ny.backward()\ngraph(y, display_id='g')\ngraph(y, display_id='g')\nshow(torch.eye(3))\nshow(torch.rand(4, 1, 5, 5))",
    );
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 5, "{calls:?}");
    let Call::Display {
        svg: true,
        png: true,
        svg_text,
        ..
    } = ds[0]
    else {
        panic!("{:?}", ds[0])
    };
    assert!(svg_text.contains("SumBackward0") && svg_text.contains("MulBackward0"));
    assert!(matches!(ds[2], Call::Update { id, .. } if id == "g"));
    assert!(matches!(
        ds[3],
        Call::Display {
            svg: true,
            png: true,
            ..
        }
    ));
}

fn progress(calls: &[Call]) -> Vec<(String, u64, bool)> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Progress {
                id, count, done, ..
            } => Some((id.clone(), *count, *done)),
            _ => None,
        })
        .collect()
}

#[test]
fn tqdm_reports_every_step_and_ends_done() {
    let (mut s, r) = session();
    run(
        &mut s,
        "from tqdm import tqdm\ntotal = 0\nfor i in tqdm(range(4), desc='epoch'):\n    total += i\nprint(total)",
    );
    let calls = r.take();
    let p = progress(&calls);
    let id = p[0].0.clone();
    assert_eq!(
        p,
        vec![
            (id.clone(), 0, false),
            (id.clone(), 1, false),
            (id.clone(), 2, false),
            (id.clone(), 3, false),
            (id.clone(), 4, false),
            (id.clone(), 4, true),
        ]
    );
    assert!(
        matches!(&calls[0], Call::Progress { total: Some(4), desc: Some(d), .. } if d == "epoch")
    );
    assert_eq!(calls.last(), Some(&Call::Out("6\n".into())));
    // Each bar has its own id.
    run(&mut s, "for i in tqdm([1, 2]):\n    pass");
    let p2 = progress(&r.take());
    assert_ne!(p2[0].0, id);
    assert_eq!(p2.last().map(|x| (x.1, x.2)), Some((2, true)));
}

/// The last two calls: a bar closed at `count`, then the output `out`.
fn closed_then(calls: &[Call], count: u64, out: &str) {
    let n = calls.len();
    assert!(
        matches!(&calls[n - 2], Call::Progress { count: c, done: true, .. } if *c == count),
        "{calls:?}"
    );
    assert_eq!(calls[n - 1], Call::Out(out.into()));
}

#[test]
fn tqdm_closes_after_break_before_the_next_print() {
    let (mut s, r) = session();
    run(
        &mut s,
        "for i in tqdm(range(10)):\n    if i == 3:\n        break\nprint('after')",
    );
    let calls = r.take();
    closed_then(&calls, 3, "after\n");
    assert!(
        matches!(
            &calls[calls.len() - 2],
            Call::Progress {
                total: Some(10),
                ..
            }
        ),
        "{calls:?}"
    );
    let dones = progress(&calls).iter().filter(|p| p.2).count();
    assert_eq!(dones, 1);
}

#[test]
fn tqdm_closes_when_an_exception_leaves_the_loop() {
    let (mut s, r) = session();
    let e = s
        .run(
            "for i in tqdm(range(5)):\n    if i == 2:\n        raise ValueError('boom')",
            "<cell>",
            true,
        )
        .unwrap_err();
    assert_eq!(e.exc, "ValueError");
    let p = progress(&r.take());
    assert_eq!(p.last().map(|x| (x.1, x.2)), Some((2, true)), "{p:?}");
    // Caught inside the cell: the bar ends before the handler's output.
    run(
        &mut s,
        "try:\n    for i in tqdm(range(5)):\n        x = 1 / (i - 1)\nexcept ZeroDivisionError:\n    print('caught')",
    );
    closed_then(&r.take(), 1, "caught\n");
}

#[test]
fn tqdm_manual_updates_postfix_and_context_manager() {
    let (mut s, r) = session();
    run(
        &mut s,
        "bar = tqdm(total=10, desc='d')\nbar.update(3)\nbar.set_postfix(loss=0.123456, step=7)\nbar.set_description('e')\nbar.update()\nbar.close()\nbar.close()\nwith tqdm(total=2) as b2:\n    b2.update(2)\nprint(len(tqdm(range(7))))",
    );
    let calls = r.take();
    let ps: Vec<&Call> = calls
        .iter()
        .filter(|c| matches!(c, Call::Progress { .. }))
        .collect();
    assert!(matches!(
        ps[1],
        Call::Progress {
            count: 3,
            total: Some(10),
            done: false,
            ..
        }
    ));
    let Call::Progress { postfix, .. } = ps[2] else {
        panic!()
    };
    assert_eq!(
        postfix,
        &vec![
            ("loss".to_string(), "0.123".to_string()),
            ("step".to_string(), "7".to_string())
        ]
    );
    assert!(matches!(ps[3], Call::Progress { desc: Some(d), .. } if d == "e"));
    assert!(matches!(
        ps[5],
        Call::Progress {
            count: 4,
            done: true,
            ..
        }
    ));
    // The second close writes nothing; the context manager closes b2.
    assert!(matches!(
        ps[6],
        Call::Progress {
            count: 0,
            done: false,
            ..
        }
    ));
    assert!(
        matches!(
            ps[8],
            Call::Progress {
                count: 2,
                done: true,
                ..
            }
        ),
        "{ps:?}"
    );
    assert!(calls.contains(&Call::Out("7\n".into())));
}

#[test]
fn tensors_carry_html_for_notebooks() {
    let (mut s, _r) = session();
    let d = s
        .run("torch.tensor([[1, 2], [3, 4]])", "<cell>", true)
        .unwrap()
        .unwrap();
    assert_eq!(d.text, "tensor([[1, 2],\n        [3, 4]])");
    let b = d.bundle.expect("a tensor has a rich form");
    assert_eq!(b.plain, d.text);
    assert!(
        b.svg.is_none() && b.png.is_none(),
        "no picture for a tensor"
    );
    let html = b.html.expect("html");
    assert!(
        html.contains("<table") && html.contains("title=\"[1, 1]\">4</td>"),
        "{html}"
    );
    let d = s
        .run("torch.zeros(30, 30)", "<cell>", true)
        .unwrap()
        .unwrap();
    let html = d.bundle.unwrap().html.unwrap();
    assert!(html.starts_with("<pre>tensor([[0., 0.,"), "{html}");
    let d = s.run("[1, 2]", "<cell>", true).unwrap().unwrap();
    assert_eq!(d.bundle, None);
}

/// The whole stack together: an nn.Module subclass, CrossEntropyLoss, Adam,
/// a DataLoader over a TensorDataset, tqdm with the running loss, and a
/// live loss plot. The loss must fall.
#[test]
fn a_training_loop_with_bar_and_live_plot_learns() {
    let (mut s, r) = session();
    run(
        &mut s,
        r#"
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

torch.manual_seed(0)
x = torch.randn(64, 2)
y = (x[:, 0] * x[:, 1] > 0).long()

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
losses = []
for epoch in tqdm(range(30), desc='train'):
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item()
    losses.append(total / len(loader))
    plot(losses, title='loss', display_id='loss')
print(losses[0] > 2 * losses[-1])
"#,
    );
    let calls = r.take();
    assert_eq!(calls.last(), Some(&Call::Out("True\n".into())), "loss fell");
    let ds = displays(&calls);
    assert_eq!(ds.len(), 30);
    assert!(matches!(ds[0], Call::Display { id: Some(_), .. }));
    assert!(matches!(ds[29], Call::Update { .. }));
    let p = progress(&calls);
    assert_eq!(p.last().map(|x| (x.1, x.2)), Some((30, true)));
}

#[test]
fn help_documents_the_picture_builtins() {
    let (mut s, r) = session();
    run(&mut s, "help(plot)\nhelp(graph)\nhelp(show)\nhelp(tqdm)");
    let text: String = r
        .take()
        .into_iter()
        .filter_map(|c| match c {
            Call::Out(s) => Some(s),
            _ => None,
        })
        .collect();
    for want in [
        "plot(ys) | plot(xs, ys)",
        "display_id (a tinytorch addition)",
        "graph(t, *, display_id=None, names=None, steps=False)",
        "show(t, *, display_id=None, labels=None, title=None, captions=None)",
        "set_postfix(ordered_dict=None",
    ] {
        assert!(text.contains(want), "help lacks {want:?}:\n{text}");
    }
}

#[test]
fn trange_and_write() {
    let (mut s, r) = session();
    run(
        &mut s,
        "from tqdm import trange\nfor i in trange(2, 5, desc='t'):\n    tqdm.write(f'step {i}')\nbar = tqdm(total=1)\nbar.write('x', end='!\\n')\nbar.close()",
    );
    let calls = r.take();
    let outs: Vec<&Call> = calls.iter().filter(|c| matches!(c, Call::Out(_))).collect();
    assert_eq!(
        outs,
        vec![
            &Call::Out("step 2\n".into()),
            &Call::Out("step 3\n".into()),
            &Call::Out("step 4\n".into()),
            &Call::Out("x!\n".into()),
        ]
    );
    assert!(calls.iter().any(|c| matches!(c, Call::Progress { count: 3, total: Some(3), done: true, desc: Some(d), .. } if d == "t")));
}

/// The language-model lesson's pictures: attention probabilities as
/// per-head heatmaps labelled with the prompt's tokens, one decoder
/// block's graph, and generated text streamed piece by piece.
#[test]
fn language_model_attention_block_graph_and_streaming() {
    let (mut s, r) = session();
    run(
        &mut s,
        "from transformers import AutoModelForCausalLM, AutoTokenizer, TextStreamer\n\
         d = '../engine/tests/fixtures/llm/qwen2'\n\
         m = AutoModelForCausalLM.from_pretrained(d)\n\
         tok = AutoTokenizer.from_pretrained(d)\n\
         ids = tok('one two three', return_tensors='pt').input_ids\n\
         tokens = tok.convert_ids_to_tokens(ids[0])\n\
         att = m(ids, output_attentions=True).attentions\n\
         show(att[0][0], labels=tokens, title='layer 0')\n\
         graph(m.block_output(ids, layer=1))\n\
         m.generate(ids, max_new_tokens=4, streamer=TextStreamer(tok, skip_prompt=True))",
    );
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 2, "{calls:?}");
    let Call::Display { svg_text, .. } = ds[0] else {
        panic!("{:?}", ds[0])
    };
    assert!(svg_text.contains("layer 0"), "title");
    // The tokens (byte-level pieces) label the heatmaps.
    for t in ["\u{120}th", "\u{120}t", "re"] {
        assert!(svg_text.contains(t), "label {t} missing");
    }
    let Call::Display { svg_text, .. } = ds[1] else {
        panic!("{:?}", ds[1])
    };
    for node in [
        "hidden_states",
        "LinearBackward0",
        "SoftmaxBackward0",
        "model.layers.1.mlp.down_proj.weight",
    ] {
        assert!(
            svg_text.contains(node),
            "{node} missing from the block graph"
        );
    }
    // Streamed: several writes, the last ending the line.
    let outs: Vec<&String> = calls
        .iter()
        .filter_map(|c| if let Call::Out(s) = c { Some(s) } else { None })
        .collect();
    assert!(outs.len() >= 2, "{outs:?}");
    assert!(outs.last().is_some_and(|s| s.ends_with('\n')), "{outs:?}");
}

/// Bad model directories are errors naming the problem; the session lives.
#[test]
fn language_model_errors_keep_the_session() {
    let mut s = Session::new();
    s.set_output(Box::new(tinytorch_lang::BufferSink::default()));
    let e = s
        .run(
            "from transformers import AutoModelForCausalLM\nAutoModelForCausalLM.from_pretrained('no/such/dir')",
            "<cell>",
            false,
        )
        .unwrap_err();
    assert!(e.message.contains("no/such/dir"), "{}", e.message);
    let e = s
        .run(
            "from transformers import AutoTokenizer\nAutoTokenizer.from_pretrained('no/such/dir')",
            "<cell>",
            false,
        )
        .unwrap_err();
    assert!(e.message.contains("tokenizer.json"), "{}", e.message);
    let e = s
        .run(
            "from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained('../engine/tests/fixtures/llm/llama')\nm.generate([[1] * 100], max_new_tokens=2)",
            "<cell>",
            false,
        )
        .unwrap_err();
    assert!(
        e.message.contains("max_position_embeddings") || e.message.contains("64"),
        "{}",
        e.message
    );
    let ok = s.run("1 + 1", "<cell>", true).unwrap();
    assert!(ok.is_some());
}

/// micrograd's draw_dot, and more: leaves named by the variables holding
/// them, an op by the variable its result went to, one-element values as
/// `data`, signed gradients (hand-derived: L = (a*b + a) / 2 at a = 2,
/// b = -3 gives dL/da = (b + 1) / 2 = -1, dL/db = a / 2 = 1, dL/dc = 1/2),
/// and names= for tensors that are not globals.
#[test]
fn graph_names_values_and_signed_gradients() {
    let (mut s, r) = session();
    run(
        &mut s,
        "a = torch.tensor(2.0, requires_grad=True)\nb = torch.tensor(-3.0, requires_grad=True)\nc = a * b\nc.retain_grad()\nd = c + a\nL = d * 0.5\nL.backward()\ngraph(L)\ndef inner():\n    w = torch.ones(3, requires_grad=True)\n    (w * 0).sum().backward()\n    graph((w * 0).sum(), names={'w': w})\ninner()",
    );
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 2, "{calls:?}");
    let (
        Call::Display {
            svg_text: first,
            plain,
            ..
        },
        Call::Display {
            svg_text: second, ..
        },
    ) = (ds[0], ds[1])
    else {
        panic!("{ds:?}")
    };
    for want in [
        ">a<", ">b<", ">L<", "data 2", "data -3", "grad -1", "grad 1", "c = -6", "grad 0.5",
        "d = -4",
    ] {
        assert!(first.contains(want), "{want} missing from the graph");
    }
    assert!(
        plain.contains("AccumulateGrad a [] float32 data=2 grad=-1"),
        "{plain}"
    );
    assert!(
        second.contains(">w<") && second.contains("‖grad‖ 0"),
        "names= and a zero gradient"
    );
}

/// `graph(t, steps=True)`: a line and a picture per backward step, the
/// running node outlined and named in the legend.
#[test]
fn graph_steps_through_the_backward_pass() {
    let (mut s, r) = session();
    run(
        &mut s,
        "a = torch.tensor(2.0, requires_grad=True)\nb = torch.tensor(-3.0, requires_grad=True)\nc = a * b\nL = (c + a) * 0.5\ngraph(L, steps=True)",
    );
    let calls = r.take();
    let ds = displays(&calls);
    assert_eq!(ds.len(), 3, "{calls:?}");
    let lines: Vec<&String> = calls
        .iter()
        .filter_map(|c| if let Call::Out(s) = c { Some(s) } else { None })
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[1].starts_with("step 2 of 3: AddBackward0"),
        "{lines:?}"
    );
    for d in ds {
        let Call::Display { svg_text, .. } = d else {
            panic!("{d:?}")
        };
        assert!(
            svg_text.contains("running now"),
            "the legend names the outline"
        );
        assert!(
            svg_text.contains("c = -6"),
            "the op's result keeps its name"
        );
    }
    let e = s
        .run("graph(torch.ones(2), steps=True)", "<cell>", false)
        .unwrap_err();
    assert!(e.message.contains("no autograd graph"), "{}", e.message);
}

fn display_texts(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Display { svg_text, png, .. } => {
                assert!(*png, "every picture carries a PNG");
                Some(svg_text.clone())
            }
            _ => None,
        })
        .collect()
}

/// The contents of every `<text>` element of an SVG document.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn subplots_show_once_when_the_cell_ends() {
    let (mut s, r) = session();
    run(
        &mut s,
        "fig, axes = subplots(2, 2, figsize=(8, 6))
fig.suptitle('four panels')
axes[0, 0].plot([3, 2, 1], 'o-', label='loss')
axes[0, 0].set_yscale('log')
axes[0, 1].scatter([0, 1, 2], [1, 0, 1], c=[0, 1, 1], names=['cat', 'dog'])
axes[1, 0].bar(['a', 'b'], [2, 5])
axes[1, 1].imshow(torch.rand(8, 8), cmap='gray')
axes[1, 1].axis('off')
for ax, t in zip(axes.flat, ['p', 'q', 'r', 's']):
    ax.set_title(t)
print(len(axes), axes.shape, axes[1][0] is axes[1, 0])",
    );
    let calls = r.take();
    // The print comes first, the one picture when the cell ends.
    assert!(
        matches!(&calls[0], Call::Out(o) if o.contains("2 (2, 2)")),
        "{calls:?}"
    );
    let pics = display_texts(&calls);
    assert_eq!(pics.len(), 1, "{calls:?}");
    let texts = svg_texts(&pics[0]);
    let doc = roxmltree::Document::parse(&pics[0]).unwrap();
    for t in [
        "four panels",
        "p",
        "q",
        "r",
        "s",
        "loss",
        "cat",
        "dog",
        "a",
        "b",
    ] {
        assert!(texts.iter().any(|x| x == t), "missing {t} in {texts:?}");
    }
    // The grey image is one embedded raster.
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("image"))
            .count(),
        1
    );
    // Unchanged: the next cell shows nothing; changed: it shows again.
    run(&mut s, "x = 1");
    assert!(display_texts(&r.take()).is_empty());
    run(&mut s, "axes[0, 0].set_xlabel('step')");
    assert_eq!(display_texts(&r.take()).len(), 1);
    // Shown explicitly, or as the last expression: not again at the end.
    run(&mut s, "axes[0, 0].grid(False)\nfig.show()");
    assert_eq!(display_texts(&r.take()).len(), 1);
    let d = s
        .run("axes[0, 0].set_ylabel('loss')\nfig", "<cell>", true)
        .unwrap();
    assert!(display_texts(&r.take()).is_empty());
    let d = d.expect("the figure as the cell's value");
    assert!(
        d.text.starts_with("<Figure size 800x600 with 4 Axes>"),
        "{}",
        d.text
    );
    assert!(d.bundle.as_ref().and_then(|b| b.png.as_ref()).is_some());
}

#[test]
fn one_call_charts_show_at_once() {
    let (mut s, r) = session();
    run(
        &mut s,
        "scatter(torch.tensor([0., 1.]), [2, 3], title='pts', xlim=(-1, 2), legend='outside', label='p')
hist(torch.tensor([[0., 1.], [1., 2.]]), bins=2, title='h')
bar([1, 2, 3], [3, 1, 2], color='C2', title='b')
heatmap(torch.tensor([[1, 2], [3, 4]]), labels=['x', 'y'], xlabel='predicted', ylabel='true')
plot([1, 2, 3], [1, 4, 9], 'r--', logx=True, figsize=(4, 3), marker='s')",
    );
    let pics = display_texts(&r.take());
    assert_eq!(pics.len(), 5);
    let has = |i: usize, t: &str| svg_texts(&pics[i]).iter().any(|x| x == t);
    assert!(has(0, "pts") && has(0, "p"));
    assert!(has(1, "h"));
    assert!(has(3, "predicted") && has(3, "4") && has(3, "y"));
    assert!(pics[4].contains("width=\"400\""), "figsize in inches");
}

#[test]
fn histogram_counts_and_confusion_matrix_are_numpys_and_sklearns() {
    let (mut s, r) = session();
    // np.histogram([1, 2, 2, 3, 4, 4, 4, 5], bins=4) -> [1, 2, 1, 4], [1, 2, 3, 4, 5]
    run(
        &mut s,
        "fig, ax = subplots()
n, bins, patches = ax.hist([1, 2, 2, 3, 4, 4, 4, 5], bins=4)
print(n.tolist(), bins.tolist(), patches)
n, _, _ = ax.hist(torch.tensor([0., 0., 1., 3.]), bins=2, density=True)
print(n.tolist())
print(confusion_matrix(torch.tensor([0, 1, 2, 2, 1]), torch.tensor([0, 2, 2, 2, 1])))
print(confusion_matrix(torch.tensor([0]), torch.tensor([0]), num_classes=3).shape)",
    );
    let out: String = r
        .take()
        .into_iter()
        .filter_map(|c| match c {
            Call::Out(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(
        out,
        "[1.0, 2.0, 1.0, 4.0] [1.0, 2.0, 3.0, 4.0, 5.0] None\n\
         [0.5, 0.1666666716337204]\n\
         tensor([[1, 0, 0],\n        [0, 1, 1],\n        [0, 0, 2]])\n\
         torch.Size([3, 3])\n"
    );
}

#[test]
fn figure_errors_are_clear_and_change_nothing() {
    let (mut s, r) = session();
    run(&mut s, "fig, (a, b) = subplots(1, 2)\na.plot([1, 2])");
    r.take();
    for (src, exc, msg) in [
        (
            "a.plot([1, 2], [1])",
            "ValueError",
            "x and y must have same first dimension",
        ),
        (
            "a.plot([1], colour='red')",
            "TypeError",
            "plot() got an unexpected keyword argument 'colour'",
        ),
        (
            "a.legend(loc='top')",
            "ValueError",
            "'top' is not a valid value for loc",
        ),
        (
            "b.hist([1, 2], bins=0)",
            "ValueError",
            "`bins` must be positive",
        ),
        (
            "b.scatter([1, 2], [1, 2], c=[0])",
            "ValueError",
            "'c' argument has 1 elements",
        ),
        (
            "b.imshow(torch.zeros(2, 3, 4, 5))",
            "TypeError",
            "invalid shape [2, 3, 4, 5]",
        ),
        (
            "a.set_yscale('cubic')",
            "ValueError",
            "'cubic' is not a valid value for scale",
        ),
        (
            "fig.savefig('x.jpg')",
            "ValueError",
            "Format 'jpg' is not supported",
        ),
        (
            "subplots(0, 2)",
            "ValueError",
            "nrows must be between 1 and 16",
        ),
        (
            "a.plot([1], color='blurple')",
            "ValueError",
            "'blurple' is not a valid color",
        ),
        (
            "fig, axes = subplots(2, 2)\naxes[2, 0]",
            "IndexError",
            "index 2 is out of bounds",
        ),
    ] {
        let e = s.run(src, "<cell>", true).unwrap_err();
        assert_eq!(e.exc, exc, "{src}: {}", e.message);
        assert!(e.message.contains(msg), "{src}: {}", e.message);
    }
    // The failed calls left the panels as they were; the figure still shows.
    let d = s
        .run(
            "fig, (a, b) = subplots(1, 2)\na.plot([1, 2])\nfig",
            "<cell>",
            true,
        )
        .unwrap();
    assert!(d.unwrap().text.contains("[0,0]"));
}

#[test]
fn savefig_writes_png_and_svg() {
    let (mut s, _r) = session();
    let dir = std::env::temp_dir().join(format!("tinytorch-savefig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("f.png");
    let svg = dir.join("f.svg");
    run(
        &mut s,
        &format!(
            "fig, ax = subplots(figsize=(3, 2))\nax.plot([1, 2])\nfig.savefig({:?})\nfig.savefig({:?})",
            png.display().to_string(),
            svg.display().to_string()
        ),
    );
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.contains("width=\"300\""));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn image_grids_take_captions() {
    let (mut s, r) = session();
    run(
        &mut s,
        "imgs = torch.rand(3, 1, 8, 8)\nshow(imgs, captions=[f'pred {p} / true {t}' for p, t in zip([3, 1, 2], [5, 1, 2])])\nshow(torch.rand(2, 8, 8), captions=['a', 'b'])",
    );
    let pics = display_texts(&r.take());
    assert_eq!(pics.len(), 2);
    assert!(svg_texts(&pics[0]).iter().any(|t| t == "pred 3 / true 5"));
    assert!(svg_texts(&pics[1]).iter().any(|t| t == "b"));
    let e = s
        .run(
            "show(torch.rand(3, 1, 8, 8), captions=['x'])",
            "<cell>",
            true,
        )
        .unwrap_err();
    assert_eq!(e.exc, "ValueError");
    assert!(e.message.contains("one caption per image"), "{}", e.message);
}
