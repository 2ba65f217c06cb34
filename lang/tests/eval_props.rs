//! Property test: the evaluator never panics on any program the parser
//! accepts. Programs are random sequences of small statements over a few
//! names (arithmetic on ints, floats, strings, lists, dicts and tensors;
//! calls, loops, comprehensions, try/except), run with a step limit.

use proptest::prelude::*;
use tinytorch_lang::{BufferSink, Session};

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("xs".to_string()),
        Just("t".to_string()),
        Just("0".to_string()),
        Just("-3".to_string()),
        Just("2.5".to_string()),
        Just("'s'".to_string()),
        Just("None".to_string()),
        Just("True".to_string()),
        Just("[1, 2]".to_string()),
        Just("{'k': 1}".to_string()),
        Just("(1, 'x')".to_string()),
        Just("torch.ones(2)".to_string()),
        Just("f".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "//", "%", "**", "@", "<", "==", "and", "or", "in", "&",
                    "|"
                ]),
                inner.clone()
            )
                .prop_map(|(l, o, r)| format!("({l} {o} {r})")),
            inner.clone().prop_map(|x| format!("-{x}")),
            inner.clone().prop_map(|x| format!("not {x}")),
            (inner.clone(), inner.clone()).prop_map(|(x, i)| format!("{x}[{i}]")),
            inner.clone().prop_map(|x| format!("{x}[1:]")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "append", "pop", "sum", "shape", "T", "keys", "upper", "item", "grad"
                ])
            )
                .prop_map(|(x, m)| format!("{x}.{m}")),
            (
                prop::sample::select(vec![
                    "len",
                    "str",
                    "int",
                    "float",
                    "list",
                    "sorted",
                    "sum",
                    "max",
                    "repr",
                    "f",
                    "print",
                    "abs",
                    "torch.tensor"
                ]),
                inner.clone()
            )
                .prop_map(|(g, x)| format!("{g}({x})")),
            inner.clone().prop_map(|x| format!("[v for v in {x}]")),
            inner.clone().prop_map(|x| format!("f'{{{x}:>4}}'")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(c, x, y)| format!("({x} if {c} else {y})")),
        ]
    })
}

fn stmt() -> impl Strategy<Value = String> {
    prop_oneof![
        (prop::sample::select(vec!["a", "b", "xs", "t"]), expr())
            .prop_map(|(n, e)| format!("{n} = {e}")),
        expr(),
        (prop::sample::select(vec!["a", "b"]), expr()).prop_map(|(n, e)| format!("{n} += {e}")),
        (expr(), expr()).prop_map(|(it, body)| format!("for v in {it}:\n    {body}")),
        (expr(), expr()).prop_map(|(c, body)| format!("while {c}:\n    {body}\n    break")),
        expr().prop_map(|body| format!("def f(x=1, *r, **k):\n    return {body}")),
        (expr(), expr()).prop_map(|(e, h)| format!(
            "try:\n    {e}\nexcept Exception as err:\n    {h}\nfinally:\n    pass"
        )),
        expr().prop_map(|e| format!("class C:\n    def m(self):\n        return {e}\nC().m()")),
        expr().prop_map(|e| format!("with torch.no_grad():\n    {e}")),
        expr().prop_map(|e| format!("del a\na = {e}")),
        expr().prop_map(|e| format!("assert {e}")),
        expr().prop_map(|e| format!("raise {e}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
    #[test]
    fn evaluator_never_panics(stmts in prop::collection::vec(stmt(), 1..8)) {
        let src = format!("import torch\na = 1\nb = 2\nxs = [1, 2, 3]\nt = torch.ones(2, 2)\ndef f(x=1, *r, **k):\n    return x\n{}\n", stmts.join("\n"));
        let mut s = Session::new();
        s.set_output(Box::new(BufferSink::default()));
        s.set_step_limit(Some(10_000));
        if let Err(e) = s.run(&src, "<prop>", true) {
            prop_assert_ne!(e.exc.as_str(), "SystemError", "the evaluator died on:\n{}", src);
        }
        // The session survives whatever happened.
        let r = s.run("1 + 1", "<after>", true);
        prop_assert!(r.is_ok(), "session unusable after:\n{}", src);
    }
}
