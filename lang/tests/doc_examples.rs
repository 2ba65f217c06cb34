//! Every `>>> ` example in a builtin's docstring runs and prints what the
//! docstring says (the docstrings were written from CPython/PyTorch output).

use tinytorch_lang::{BufferSink, Session};

const NAMES: &[&str] = &[
    "print",
    "len",
    "enumerate",
    "zip",
    "map",
    "min",
    "max",
    "sum",
    "abs",
    "round",
    "sorted",
    "isinstance",
    "type",
    "repr",
    "format",
    "int",
    "float",
    "str",
    "list",
    "dict",
    "range",
    "math.sqrt",
    "math.log",
    "math.floor",
    "math.factorial",
    "random.randint",
    "torch.zeros",
    "torch.tensor",
    "torch.arange",
    "torch.sum",
    "torch.nn.MSELoss",
    "torch.nn.Conv2d",
    "torch.nn.MaxPool2d",
    "torch.nn.functional.one_hot",
    "torch.nn.init.zeros_",
    "torch.nn.utils.clip_grad_norm_",
    "torch.optim.SGD",
    "torch.optim.Adam",
    "torch.optim.lr_scheduler.StepLR",
];

#[test]
fn docstring_examples_run() {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    s.run(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport math\nimport random",
        "<setup>",
        false,
    )
        .unwrap();
    let mut checked = 0;
    for name in NAMES {
        let doc = s
            .inspect(name, name.len())
            .unwrap_or_else(|| panic!("no doc for {name}"));
        let lines: Vec<&str> = doc.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if let Some(code) = lines[i].strip_prefix(">>> ") {
                let mut want = Vec::new();
                i += 1;
                while i < lines.len() && !lines[i].starts_with(">>> ") && !lines[i].is_empty() {
                    want.push(lines[i]);
                    i += 1;
                }
                if code.contains("...") || lines.get(i).is_some_and(|l| l.starts_with("...")) {
                    continue;
                }
                let shown = s
                    .run(code, "<doc>", true)
                    .unwrap_or_else(|e| panic!("{name}: {code}\n{}", e.render()));
                let mut got = sink.take_stdout();
                if let Some(d) = shown {
                    got.push_str(&d.text);
                }
                assert_eq!(got.trim_end(), want.join("\n"), "{name}: {code}");
                checked += 1;
            } else {
                i += 1;
            }
        }
    }
    assert!(checked >= 25, "only {checked} examples found");
}
