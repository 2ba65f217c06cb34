//! Lexer unit tests: layout tokens, line joining, numbers, strings and
//! f-string pieces, and the lexer's error messages.

use tinytorch_lang::syntax::lexer::{tokenize, MAX_BRACKETS, MAX_INDENTS};
use tinytorch_lang::syntax::token::{FStringPiece, TokenKind};
use tinytorch_lang::syntax::{ErrorKind, ParseError, Span};

/// Token kinds in a compact notation: names bare, layout tokens in caps.
fn kinds(src: &str) -> Vec<String> {
    tokenize(src)
        .expect("lexes")
        .into_iter()
        .map(|t| match t.kind {
            TokenKind::Name(n) => n,
            TokenKind::Int(v) => format!("int:{v}"),
            TokenKind::Float(v) => format!("float:{v:?}"),
            TokenKind::Str(s) => format!("str:{s:?}"),
            TokenKind::FString(p) => format!("fstr:{}", p.len()),
            TokenKind::Keyword(k) => k.to_string(),
            TokenKind::Op(o) => o.to_string(),
            TokenKind::Newline => "NL".into(),
            TokenKind::Indent => "INDENT".into(),
            TokenKind::Dedent => "DEDENT".into(),
            TokenKind::Eof => "EOF".into(),
        })
        .collect()
}

fn err(src: &str) -> ParseError {
    tokenize(src).expect_err("should fail")
}

#[test]
fn indentation_blocks() {
    let src = "if a:\n    b\n    if c:\n        d\ne\n";
    assert_eq!(
        kinds(src).join(" "),
        "if a : NL INDENT b NL if c : NL INDENT d NL DEDENT DEDENT e NL EOF"
    );
}

#[test]
fn blank_and_comment_lines_do_not_affect_layout() {
    let src = "if a:\n\n    # note\n    b   # trailing\n\n  \n# end\n";
    assert_eq!(kinds(src).join(" "), "if a : NL INDENT b NL DEDENT EOF");
}

#[test]
fn newline_and_dedents_are_synthesized_at_eof() {
    assert_eq!(
        kinds("if a:\n  b").join(" "),
        "if a : NL INDENT b NL DEDENT EOF"
    );
    assert_eq!(kinds("").join(" "), "EOF");
    assert_eq!(kinds("# only a comment").join(" "), "EOF");
}

#[test]
fn implicit_joining_and_continuation() {
    assert_eq!(
        kinds("x = (1,\n   2)\n").join(" "),
        "x = ( int:1 , int:2 ) NL EOF"
    );
    assert_eq!(kinds("x = [\n]\ny").join(" "), "x = [ ] NL y NL EOF");
    assert_eq!(
        kinds("x = 1 + \\\n  2\n").join(" "),
        "x = int:1 + int:2 NL EOF"
    );
    assert_eq!(
        kinds("x = 1 + \\\r\n  2\r\n").join(" "),
        "x = int:1 + int:2 NL EOF"
    );
}

#[test]
fn numbers() {
    let k = kinds("1 1_000 0x1F 0o17 0b1_01 1.5 1e-3 2. .5 1E+2 0 00 1_0.0_1");
    assert_eq!(
        k.join(" "),
        "int:1 int:1000 int:31 int:15 int:5 float:1.5 float:0.001 float:2.0 float:0.5 \
         float:100.0 int:0 int:0 float:10.01 NL EOF"
    );
    assert_eq!(kinds("x.real 1 .. ...")[..3].join(" "), "x . real");
    assert_eq!(kinds("a[1:]").join(" "), "a [ int:1 : ] NL EOF");
}

#[test]
fn bad_numbers() {
    assert_eq!(err("1__0").message, "invalid decimal literal");
    assert_eq!(err("1_").message, "invalid decimal literal");
    assert_eq!(err("12abc").message, "invalid decimal literal");
    assert!(err("012").message.starts_with("leading zeros"));
    assert_eq!(err("0x").message, "invalid number literal");
    assert_eq!(
        err("99999999999999999999").message,
        "integer literal too large"
    );
    assert_eq!(err("2j").message, "complex literals are not supported");
}

#[test]
fn strings() {
    let k = kinds(
        r#"'a' "b\n" '''x
y''' """q"q""" r'\d' R"\"" u'u'"#,
    );
    assert_eq!(
        k.join(" "),
        r#"str:"a" str:"b\n" str:"x\ny" str:"q\"q" str:"\\d" str:"\\\"" str:"u" NL EOF"#
    );
    assert_eq!(
        kinds(r"'\x41\101\u00e9\U0001F600\q'")[0],
        "str:\"AAé😀\\\\q\""
    );
    assert_eq!(kinds("'a\\\nb'")[0], "str:\"ab\"");
}

#[test]
fn string_errors() {
    let e = err("s = 'abc\nx");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Invalid, "unterminated string literal")
    );
    let e = err("s = '''abc\n");
    assert_eq!(e.kind, ErrorKind::Incomplete);
    assert_eq!(e.span.start, 4);
    assert!(err(r"'\x4'").message.contains("truncated"));
    assert!(err(r"'\N{DASH}'").message.contains("not supported"));
}

#[test]
fn fstrings_split_into_pieces() {
    let toks = tokenize("f'a{x!r:>{w}}b{{c}}'").expect("lexes");
    let TokenKind::FString(pieces) = &toks[0].kind else {
        panic!("not an f-string")
    };
    assert_eq!(pieces.len(), 3);
    assert_eq!(pieces[0], FStringPiece::Literal("a".into()));
    let FStringPiece::Field(f) = &pieces[1] else {
        panic!("no field")
    };
    assert_eq!(
        (f.expr.as_str(), f.offset, f.conversion),
        ("x", 4, Some('r'))
    );
    let spec = f.spec.as_ref().expect("spec");
    assert_eq!(spec[0], FStringPiece::Literal(">".into()));
    assert!(matches!(&spec[1], FStringPiece::Field(w) if w.expr == "w"));
    assert_eq!(pieces[2], FStringPiece::Literal("b{c}".into()));
}

#[test]
fn fstring_fields_with_nested_brackets_and_strings() {
    let toks = tokenize(r#"f"{d['k']:>5} {f(a, {1: 2})} {x = } {a != b} {a==b}""#).expect("lexes");
    let TokenKind::FString(pieces) = &toks[0].kind else {
        panic!("not an f-string")
    };
    let exprs: Vec<_> = pieces
        .iter()
        .filter_map(|p| match p {
            FStringPiece::Field(f) => Some((f.expr.clone(), f.debug.clone())),
            FStringPiece::Literal(_) => None,
        })
        .collect();
    assert_eq!(exprs[0].0, "d['k']");
    assert_eq!(exprs[1].0, "f(a, {1: 2})");
    assert_eq!(exprs[2], ("x ".to_string(), Some("x = ".to_string())));
    assert_eq!(exprs[3].0, "a != b");
    assert_eq!(exprs[4].0, "a==b");
}

#[test]
fn fstring_errors() {
    assert_eq!(err("f'{x'").message, "f-string: expecting '}'");
    assert_eq!(err("f'}'").message, "f-string: single '}' is not allowed");
    assert!(err("f'{x#}'").message.contains("'#'"));
    assert!(err("f'{x:{y:{z}}}'").message.contains("nested too deeply"));
    assert!(err("f'{a)}'").message.contains("unmatched"));
}

#[test]
fn operators_maximal_munch() {
    let k = kinds("a **= b //= c @= d -> e ** f // g @ h != i <<= j >>= k ... l");
    assert_eq!(
        k.join(" "),
        "a **= b //= c @= d -> e ** f // g @ h != i <<= j >>= k ... l NL EOF"
    );
}

#[test]
fn bracket_errors() {
    let e = err("x = (1, 2\n");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Incomplete, "'(' was never closed")
    );
    assert_eq!(err("x)").message, "unmatched ')'");
    assert!(err("(]").message.contains("does not match"));
    assert_eq!(
        err(&"(".repeat(MAX_BRACKETS + 1)).message,
        "too many nested parentheses"
    );
}

#[test]
fn indentation_errors() {
    let e = err("if a:\n    b\n  c\n");
    assert_eq!(
        (e.exc, e.message.as_str()),
        (
            "IndentationError",
            "unindent does not match any outer indentation level"
        )
    );
    assert_eq!(err("if a:\n        b\n\tc\n").exc, "TabError");
    // Tabs alone are fine, as in Python.
    assert_eq!(
        kinds("if a:\n\tb\n").join(" "),
        "if a : NL INDENT b NL DEDENT EOF"
    );
    let deep: String = (0..=MAX_INDENTS + 1)
        .map(|i| format!("{}if x:\n", " ".repeat(i)))
        .collect();
    assert_eq!(err(&deep).message, "too many levels of indentation");
}

#[test]
fn continuation_errors() {
    let e = err("x = 1 + \\");
    assert_eq!(e.kind, ErrorKind::Incomplete);
    assert_eq!(
        err("x = 1 \\ y").message,
        "unexpected character after line continuation character"
    );
    assert!(err("x = $").message.starts_with("invalid character '$'"));
}

#[test]
fn spans_are_byte_offsets() {
    let toks = tokenize("é = 'ü'").expect("lexes");
    assert_eq!(toks[0].span, Span::new(0, 2));
    assert_eq!(toks[2].span, Span::new(5, 9));
}
