//! Keyword-argument completion inside calls of built-ins: the names come
//! from the binding rows' PyTorch signature strings, and keyword candidates
//! come before other names that share the prefix.

use tinytorch_lang::Session;

fn session() -> Session {
    let mut s = Session::new();
    s.run(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\
         model = nn.Linear(2, 1)\na = torch.zeros(2, 3)\nb = torch.tensor([0, 1])\n\
         loss = F.cross_entropy(a, b)",
        "<cell>",
        false,
    )
    .unwrap();
    s
}

/// The candidates for `line` completed at its end, with the replaced word.
fn complete(s: &Session, line: &str) -> (String, Vec<String>) {
    let (start, c) = s.complete(line, line.len());
    (line[start..].to_string(), c)
}

#[test]
fn keywords_of_builtin_functions_and_classes() {
    let s = session();
    for (line, word, want) in [
        ("torch.zeros(3, requires_", "requires_", "requires_grad="),
        ("torch.zeros(3, dt", "dt", "dtype="),
        ("nn.Linear(2, 3, bi", "bi", "bias="),
        ("torch.optim.SGD(model.parameters(), l", "l", "lr="),
        (
            "torch.optim.Adam(model.parameters(), weight_d",
            "weight_d",
            "weight_decay=",
        ),
        ("a.sum(di", "di", "dim="),
        ("torch.cat([a, a], di", "di", "dim="),
        // The innermost open call counts.
        (
            "torch.zeros(len([1, 2]), requires_",
            "requires_",
            "requires_grad=",
        ),
        (
            "print(torch.ones(2, requires_",
            "requires_",
            "requires_grad=",
        ),
        ("print(1, 2, se", "se", "sep="),
    ] {
        let (w, c) = complete(&s, line);
        assert_eq!(w, word, "{line}");
        assert_eq!(c.first().map(String::as_str), Some(want), "{line}: {c:?}");
    }
    // PyTorch's signature also has the deprecated `reduce`.
    let (w, c) = complete(&s, "F.cross_entropy(a, b, red");
    assert_eq!(w, "red");
    assert_eq!(c, ["reduce=", "reduction="], "{c:?}");
    let (_, c) = complete(&s, "F.cross_entropy(a, b, reducti");
    assert_eq!(c, ["reduction="], "{c:?}");
}

#[test]
fn keyword_candidates_come_first() {
    let s = session();
    let (_, c) = complete(&s, "torch.optim.SGD(model.parameters(), l");
    // lr= first; names such as len, list, loss and lambda after it.
    assert_eq!(c[0], "lr=", "{c:?}");
    let kw_end = c.iter().position(|n| !n.ends_with('=')).unwrap_or(c.len());
    assert!(c[kw_end..].iter().all(|n| !n.ends_with('=')), "{c:?}");
    for other in ["len", "list", "loss", "lambda"] {
        assert!(c[kw_end..].contains(&other.to_string()), "{other}: {c:?}");
    }
    // With nothing typed after the comma, only the keywords are offered.
    let (_, c) = complete(&s, "nn.Linear(2, 3, ");
    assert!(c.contains(&"bias=".to_string()), "{c:?}");
    assert!(c.iter().all(|n| n.ends_with('=')), "{c:?}");
}

#[test]
fn outside_a_call_no_keywords() {
    let s = session();
    let (_, c) = complete(&s, "requires_");
    assert!(c.is_empty(), "{c:?}");
    let (_, c) = complete(&s, "x = (1, l");
    assert!(c.iter().all(|n| !n.ends_with('=')), "{c:?}");
}
