//! Parser behaviour beyond the golden files: precedence spelled out, spans,
//! Incomplete vs Invalid, nesting limits and the single-expression entry point.

use tinytorch_lang::syntax::ast::{ExprKind, StmtKind};
use tinytorch_lang::syntax::sexpr::{expr_to_sexpr, module_to_sexpr};
use tinytorch_lang::syntax::{parse_expression, parse_module, ErrorKind, ParseError, MAX_DEPTH};

fn sx(src: &str) -> String {
    expr_to_sexpr(&parse_expression(src).unwrap_or_else(|e| panic!("{src:?}: {e}")))
}

fn err(src: &str) -> ParseError {
    parse_module(src).expect_err("should not parse")
}

#[test]
fn precedence() {
    let cases = [
        ("-2**2", "(neg (** 2 2))"),
        ("2**-2", "(** 2 (neg 2))"),
        ("a ** b ** c", "(** a (** b c))"),
        ("a if b else c", "(ifexp b a c)"),
        ("not a == b", "(not (cmp a == b))"),
        ("a < b < c", "(cmp a < b < c)"),
        ("x @ w + b", "(+ (@ x w) b)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a or b and not c", "(or a (and b (not c)))"),
        ("-a.b[0](c)", "(neg (call ([] (. a b) 0) c))"),
        ("a & b == c", "(cmp (& a b) == c)"),
        ("a + b if c or d else e", "(ifexp (or c d) (+ a b) e)"),
        ("lambda: a if b else c", "(lambda (params) (ifexp b a c))"),
        ("~a ** 2", "(~ (** a 2))"),
        ("a in b == c not in d", "(cmp a in b == c not-in d)"),
        ("a % b * c", "(* (% a b) c)"),
        ("a >> 1 << 2", "(<< (>> a 1) 2)"),
        ("1, 2", "(tuple 1 2)"),
    ];
    for (src, want) in cases {
        assert_eq!(sx(src), want, "{src}");
    }
}

#[test]
fn spans_cover_nodes() {
    let src = "y = a + foo(b, c)\n";
    let m = parse_module(src).expect("parses");
    let StmtKind::Assign { value, .. } = &m.body[0].kind else {
        panic!("not an assignment")
    };
    assert_eq!(&src[value.span.start..value.span.end], "a + foo(b, c)");
    let ExprKind::BinOp { right, .. } = &value.kind else {
        panic!("not a binop")
    };
    assert_eq!(&src[right.span.start..right.span.end], "foo(b, c)");
    assert_eq!(
        &src[m.body[0].span.start..m.body[0].span.end],
        "y = a + foo(b, c)"
    );
}

#[test]
fn fstring_field_spans_point_into_the_file() {
    let src = "x = f'{a} and {b + c}'";
    let m = parse_module(src).expect("parses");
    let StmtKind::Assign { value, .. } = &m.body[0].kind else {
        panic!("not an assignment")
    };
    let ExprKind::FString(parts) = &value.kind else {
        panic!("not an f-string")
    };
    let spans: Vec<&str> = parts
        .iter()
        .filter_map(|p| match p {
            tinytorch_lang::syntax::ast::FStringPart::Field { value, .. } => {
                Some(&src[value.span.start..value.span.end])
            }
            _ => None,
        })
        .collect();
    assert_eq!(spans, ["a", "b + c"]);
}

#[test]
fn incomplete_versus_invalid() {
    let incomplete = [
        "def f():",
        "x = (1,\n 2,",
        "s = \"\"\"doc",
        "x = \\",
        "if a:\n    pass\nelif b:",
        "while True:",
        "class A(B):",
        "with m:",
        "try:\n    x\nexcept E:",
        "for x in xs:\n    for y in ys:",
        "x = {1: [2, (3,",
    ];
    for src in incomplete {
        assert_eq!(err(src).kind, ErrorKind::Incomplete, "{src:?}");
    }
    let invalid = [
        ("x = = 1", "invalid syntax"),
        ("    x = 1", "unexpected indent"),
        ("if x\n", "expected ':'"),
        ("x = 1)", "unmatched ')'"),
        ("x +", "invalid syntax"),
        ("def f(:\n", "invalid syntax"),
        (
            "f(**a, *b)",
            "iterable argument unpacking follows keyword argument unpacking",
        ),
        ("f(a=1, a=2)", "keyword argument repeated: a"),
        (
            "f(a.b=1)",
            "expression cannot contain assignment, perhaps you meant \"==\"?",
        ),
        ("x = *a", "can't use starred expression here"),
        ("(*a)", "cannot use starred expression here"),
        (
            "[*a for a in b]",
            "iterable unpacking cannot be used in comprehension",
        ),
        (
            "nonlocal x",
            "nonlocal declaration not allowed at module level",
        ),
        (
            "def f():\n    class A:\n        return 1\n",
            "'return' outside function",
        ),
        (
            "for x in y:\n    def f():\n        break\n",
            "'break' outside loop",
        ),
        (
            "x, y: int = 1, 2",
            "only single target (not tuple) can be annotated",
        ),
        ("from . import x", "relative imports are not supported"),
        (
            "from a import b,",
            "trailing comma not allowed without surrounding parentheses",
        ),
        (
            "def f(**k, a): pass",
            "arguments cannot follow var-keyword argument",
        ),
        ("def f(*a, *b): pass", "* argument may appear only once"),
        ("del *a, b", "cannot delete starred"),
        ("b'x'", "invalid syntax"),
        // An error before an unfinished bracket or string is reported at once.
        ("f(a=1, 2,", "positional argument follows keyword argument"),
        ("x = (a b", "invalid syntax. Perhaps you forgot a comma?"),
        ("x = = \"\"\"abc", "invalid syntax"),
        ("1 = 2; s = (3,", "cannot assign to literal"),
    ];
    for (src, msg) in invalid {
        let e = err(src);
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Invalid, msg),
            "{src:?}"
        );
    }
}

#[test]
fn render_points_at_the_error() {
    let src = "x = 1\ny = (2 +* 3)\n";
    let e = err(src);
    let text = e.render("<cell>", src);
    assert!(
        text.starts_with("  File \"<cell>\", line 2\n    y = (2 +* 3)\n"),
        "{text}"
    );
    assert!(
        text.ends_with("SyntaxError: can't use starred expression here"),
        "{text}"
    );
}

#[test]
fn future_imports_only_at_the_start_with_known_names() {
    // CPython's compile-time rules; a docstring and other future imports may come first.
    for ok in [
        "from __future__ import annotations\nx = 1\n",
        "\"\"\"doc\"\"\"\n# c\nfrom __future__ import division\nfrom __future__ import (generators,\n  print_function as pf)\n",
        "from __future__ import annotations; from __future__ import division\n",
    ] {
        assert!(parse_module(ok).is_ok(), "{ok:?}");
    }
    let misplaced = "from __future__ imports must occur at the beginning of the file";
    for (src, msg, line) in [
        ("x = 1\nfrom __future__ import annotations\n", misplaced, 2),
        ("'a'\n'b'\nfrom __future__ import division\n", misplaced, 3),
        (
            "def f():\n    from __future__ import annotations\n",
            misplaced,
            2,
        ),
        (
            "import torch\nfrom __future__ import annotations\n",
            misplaced,
            2,
        ),
        (
            "if True:\n    pass\nfrom __future__ import annotations\n",
            misplaced,
            3,
        ),
        ("from __future__ import braces\n", "not a chance", 1),
        (
            "from __future__ import foo\n",
            "future feature foo is not defined",
            1,
        ),
        (
            "from __future__ import *\n",
            "future feature * is not defined",
            1,
        ),
    ] {
        let e = err(src);
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Invalid, msg),
            "{src:?}"
        );
        assert!(
            e.render("f.py", src).contains(&format!("line {line}\n")),
            "{src:?}"
        );
    }
    let src = "x = 1\nfrom __future__ import generators\n";
    let text = err(src).render("f.py", src);
    assert!(
        text.contains(
            "    from __future__ import generators\n    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        ),
        "{text}"
    );
}

fn assert_depth_error(src: &str) {
    let e = err(src);
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(
        e.message.contains("nested")
            || e.message.contains("depth")
            || e.message.contains("indentation"),
        "{}",
        e.message
    );
}

#[test]
fn cpython_nesting_limits_are_reached() {
    // CPython 3.11 parses 200 nested brackets and refuses 201.
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        let ok = format!("x = {}1{}", open.repeat(200), close.repeat(200));
        assert!(parse_module(&ok).is_ok(), "200 x {open}");
        let deep = format!("x = {}1{}", open.repeat(201), close.repeat(201));
        let e = parse_module(&deep).unwrap_err();
        assert_eq!(e.message, "too many nested parentheses");
    }
    // A 300-term sum, as CPython accepts.
    assert!(parse_module(&format!("x = 1{}", " + 1".repeat(300))).is_ok());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = MAX_DEPTH * 5;
    assert_depth_error(&format!("x = {}1{}", "(".repeat(n), ")".repeat(n)));
    assert_depth_error(&format!("x = {}1{}", "[".repeat(n), "]".repeat(n)));
    assert_depth_error(&format!("x = {}1", "-".repeat(n)));
    assert_depth_error(&format!("x = {}1", "not ".repeat(n)));
    assert_depth_error(&format!("x = {}1", "2 ** ".repeat(n)));
    assert_depth_error(&format!("x = {}1", "lambda: ".repeat(n)));
    assert_depth_error(&format!("x = {}1", "a if b else ".repeat(n)));
    assert_depth_error(&format!("x = 1{}", " + 1".repeat(n)));
    assert_depth_error(&format!("x = a{}", ".b".repeat(n)));
    assert_depth_error(&format!("x = f{}", "()".repeat(n)));
    let mut blocks = String::new();
    for i in 0..n {
        blocks.push_str(&format!("{}if x:\n", " ".repeat(i)));
    }
    assert_depth_error(&blocks);
    // Moderate nesting is fine.
    let ok = format!("x = {}1{}", "(".repeat(50), ")".repeat(50));
    assert!(parse_module(&ok).is_ok());
}

#[test]
fn deep_nesting_is_safe_on_a_small_stack() {
    // The REPL may parse on a worker thread; the depth limit must leave room.
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let nested = format!("x = {}1{}", "(".repeat(199), ")".repeat(199));
            let _ = parse_module(&nested);
            let unary = format!("x = {}1", "-".repeat(5000));
            let _ = parse_module(&unary);
            let fstr = format!("x = f'{{{}1{}}}'", "(".repeat(199), ")".repeat(199));
            let _ = parse_module(&fstr);
        })
        .expect("spawns");
    handle.join().expect("no stack overflow");
}

#[test]
fn expression_entry_point() {
    assert_eq!(sx("\n  a + b  \n"), "(+ a b)");
    assert!(parse_expression("a b").is_err());
    assert!(parse_expression("x = 1").is_err());
}

#[test]
fn module_helpers() {
    let m = parse_module("x = 1\ny;").expect("parses");
    assert!(m.trailing_semicolon);
    assert_eq!(module_to_sexpr(&m), "(= x 1)\n(expr y)\n;\n");
    assert!(!parse_module("x;\ny").expect("parses").trailing_semicolon);
}
