//! Tokens: what the lexer hands the parser. Owns the keyword and operator
//! tables and their spellings (used in error messages); knows nothing of
//! grammar.

use super::span::Span;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    Name(String),
    Int(i64),
    Float(f64),
    /// A string literal with its escapes already decoded.
    Str(String),
    /// An f-string, split into literal text and replacement fields.
    FString(Vec<FStringPiece>),
    Keyword(Keyword),
    Op(Op),
    /// End of a logical line.
    Newline,
    Indent,
    Dedent,
    Eof,
}

/// One piece of an f-string as the lexer sees it. Field expressions stay
/// source text here; the parser parses them (with spans into the file) so that
/// the lexer needs no parser.
#[derive(Clone, Debug, PartialEq)]
pub enum FStringPiece {
    Literal(String),
    Field(FieldSource),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldSource {
    /// The expression between `{` and `!`/`:`/`=`/`}`.
    pub expr: String,
    /// Byte offset of `expr` in the whole source, for spans.
    pub offset: usize,
    /// `Some("x=")` for the self-documenting form `{x=}`: the text to echo.
    pub debug: Option<String>,
    /// `r`, `s` or `a` after `!`.
    pub conversion: Option<char>,
    /// The format spec after `:`, which may itself hold fields (`{x:{w}}`).
    pub spec: Option<Vec<FStringPiece>>,
}

macro_rules! spelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            /// The source spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled_enum! {
    /// Reserved words (Python's keyword list minus the async/yield family).
    Keyword {
        False = "False", None = "None", True = "True", And = "and", As = "as",
        Assert = "assert", Break = "break", Class = "class", Continue = "continue",
        Def = "def", Del = "del", Elif = "elif", Else = "else", Except = "except",
        Finally = "finally", For = "for", From = "from", Global = "global", If = "if",
        Import = "import", In = "in", Is = "is", Lambda = "lambda",
        Nonlocal = "nonlocal", Not = "not", Or = "or", Pass = "pass", Raise = "raise",
        Return = "return", Try = "try", While = "while", With = "with",
        Yield = "yield", Async = "async", Await = "await",
    }
}

spelled_enum! {
    /// Operators and delimiters. Listed longest first within each family so that
    /// the lexer's table scan finds maximal munch.
    Op {
        PowAssign = "**=", FloorDivAssign = "//=", ShlAssign = "<<=", ShrAssign = ">>=",
        Ellipsis = "...",
        Pow = "**", FloorDiv = "//", Shl = "<<", Shr = ">>", Le = "<=", Ge = ">=",
        EqEq = "==", Ne = "!=", Arrow = "->", PlusAssign = "+=", MinusAssign = "-=",
        StarAssign = "*=", SlashAssign = "/=", PercentAssign = "%=", AtAssign = "@=",
        AmpAssign = "&=", PipeAssign = "|=", CaretAssign = "^=",
        Plus = "+", Minus = "-", Star = "*", Slash = "/", Percent = "%", At = "@",
        Amp = "&", Pipe = "|", Caret = "^", Tilde = "~", Lt = "<", Gt = ">",
        LParen = "(", RParen = ")", LBracket = "[", RBracket = "]", LBrace = "{",
        RBrace = "}", Comma = ",", Colon = ":", Dot = ".", Semi = ";", Assign = "=",
    }
}

impl Keyword {
    pub fn from_name(s: &str) -> Option<Keyword> {
        Keyword::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl TokenKind {
    /// How an error message names this token.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Name(n) => format!("name '{n}'"),
            TokenKind::Int(_) | TokenKind::Float(_) => "number".into(),
            TokenKind::Str(_) | TokenKind::FString(_) => "string".into(),
            TokenKind::Keyword(k) => format!("'{k}'"),
            TokenKind::Op(o) => format!("'{o}'"),
            TokenKind::Newline => "end of line".into(),
            TokenKind::Indent => "indent".into(),
            TokenKind::Dedent => "dedent".into(),
            TokenKind::Eof => "end of input".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for k in Keyword::ALL {
            assert_eq!(Keyword::from_name(k.as_str()), Some(*k));
        }
        assert_eq!(Keyword::from_name("print"), None);
        assert_eq!(Op::PowAssign.to_string(), "**=");
    }

    #[test]
    fn operator_table_is_longest_first() {
        // The lexer picks the first entry that prefixes the input, so no entry may
        // be shadowed by an earlier, shorter one.
        for (i, a) in Op::ALL.iter().enumerate() {
            for b in &Op::ALL[..i] {
                assert!(!a.as_str().starts_with(b.as_str()), "{a} shadowed by {b}");
            }
        }
    }
}
