//! Property tests: the lexer, parser and `classify` never panic, whatever the
//! input, and errors always carry spans inside the source.

use proptest::prelude::*;
use tinytorch_lang::syntax::sexpr::module_to_sexpr;
use tinytorch_lang::syntax::{classify, parse_expression, parse_module, tokenize};

/// Valid programs to mutate; together they touch every construct.
const CORPUS: &[&str] = &[
    "import torch\nimport torch.nn as nn\nfrom torch import optim, tensor\n\n\
     class Net(nn.Module):\n    def __init__(self, d=4, *, bias=True):\n        super().__init__()\n        \
     self.fc = nn.Linear(d, 2, bias=bias)\n\n    def forward(self, x):\n        return self.fc(x).relu()\n",
    "for i, (x, y) in enumerate(loader):\n    opt.zero_grad()\n    loss = F.mse_loss(model(x), y)\n    \
     loss.backward()\n    if i % 10 == 0:\n        print(f\"{i:>4} {loss.item():.4f} {x.shape!r}\")\n    else:\n        continue\n",
    "try:\n    x = t[0, 1:3, ..., None]\nexcept (IndexError, KeyError) as e:\n    raise RuntimeError('bad') from e\nelse:\n    pass\nfinally:\n    del x\n",
    "with torch.no_grad():\n    w -= lr * w.grad\n    w @= m; w **= 2\nassert w.shape == (3, 4), 'shape'\n",
    "squares = [x ** 2 for x in range(10) if x % 2 if x > 3]\nd = {k: v for k, v in zip(a, b)}\n\
     s = {1, 2, *rest}\ntotal = sum(p.numel() for p in model.parameters())\nf = lambda a, *b, **c: a if b else c\n",
    "def outer():\n    n = 0\n    def inner(step=1):\n        nonlocal n\n        n += step\n        return n\n    \
     return inner\nglobal g\nwhile not done and (a < b <= c or x is not None):\n    a, *rest = rest\n\
     x = -2 ** -y // 3 % 4 @ m | 1 ^ 2 & ~3 << 4 >> 5\n",
    "s = '''multi\nline''' \"concat\" r'\\d+'\ny = 0x1F + 1_000 + 1e-3 + .5\nprint(*args, sep='', **kw);\n",
];

fn check(src: &str) {
    let _ = tokenize(src);
    let _ = classify(src);
    let _ = parse_expression(src);
    match parse_module(src) {
        Ok(m) => {
            let _ = module_to_sexpr(&m);
        }
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= src.len(),
                "span {:?} outside {}",
                e.span,
                src.len()
            );
            let _ = e.render("<cell>", src);
        }
    }
}

#[test]
fn corpus_parses() {
    for src in CORPUS {
        if let Err(e) = parse_module(src) {
            panic!("{}\n{src}", e.render("<corpus>", src));
        }
    }
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, char),
    Replace(prop::sample::Index, char),
    Duplicate(prop::sample::Index, prop::sample::Index),
}

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '(', ')', '[', ']', '{', '}', ':', ',', '.', '=', '*', '@', '\n', ' ', '\t', '\\', '#',
            '\'', '"', 'f', 'r', 'x', '0', '_', '!', '-', 'e', ';', '\r', '\u{c}', 'é',
        ]),
        any::<char>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Edit::Delete),
        (any::<prop::sample::Index>(), interesting_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<prop::sample::Index>(), interesting_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Edit::Duplicate(a, b)),
    ]
}

fn apply(src: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for e in edits {
        if chars.is_empty() {
            break;
        }
        match e {
            Edit::Delete(i) => {
                chars.remove(i.index(chars.len()));
            }
            Edit::Insert(i, c) => {
                let at = i.index(chars.len() + 1);
                chars.insert(at, *c);
            }
            Edit::Replace(i, c) => {
                let at = i.index(chars.len());
                chars[at] = *c;
            }
            Edit::Duplicate(a, b) => {
                let (x, y) = (a.index(chars.len()), b.index(chars.len()));
                let (lo, hi) = (x.min(y), x.max(y).min(x.min(y) + 40));
                let piece: Vec<char> = chars[lo..hi].to_vec();
                chars.splice(hi..hi, piece);
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(src in any::<String>()) {
        check(&src);
    }

    #[test]
    fn python_like_strings_never_panic(src in "[ a-z0-9_()\\[\\]{}:.,;=+*/%@<>!&|^~#'\"\\\\\n\t-]{0,120}") {
        check(&src);
    }

    #[test]
    fn mutated_programs_never_panic(
        idx in 0..CORPUS.len(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        check(&apply(CORPUS[idx], &edits));
    }

    #[test]
    fn deep_nesting_is_an_error(extra in 1usize..2300, shape in 0usize..8) {
        // Brackets stop at CPython's 200 (the lexer), blocks at 100
        // indents, other nesting at the parser's MAX_DEPTH.
        let n = extra + if shape < 3 { 200 } else { tinytorch_lang::syntax::MAX_DEPTH };
        let src = match shape {
            0 => format!("{}x{}", "(".repeat(n), ")".repeat(n)),
            1 => format!("{}x{}", "[".repeat(n), "]".repeat(n)),
            2 => format!("{}x{}", "{".repeat(n), "}".repeat(n)),
            3 => format!("{}x", "-".repeat(n)),
            4 => format!("{}x", "not ".repeat(n)),
            5 => format!("x{}", "**x".repeat(n)),
            6 => format!("{}x", "lambda: ".repeat(n)),
            _ => (0..n).map(|i| format!("{}if x:\n", " ".repeat(i))).collect(),
        };
        prop_assert!(parse_module(&src).is_err());
        let _ = classify(&src);
    }
}
