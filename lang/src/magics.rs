//! IPython's input syntax that is not Python, as IPython's input
//! transformers treat it: line magics (`%time`, `%timeit`, `%matplotlib`,
//! ...), cell magics (`%%time`, `%%timeit`), help (`x?`, `x??`, `?x`) and
//! shell escapes (`!cmd`). A cell that parses as it is is never touched;
//! otherwise each such line becomes a call of a hidden builtin
//! (`library/ipython.rs`) on the same line, so tracebacks keep their line
//! numbers.

/// A cell magic on the cell's first line.
#[derive(Debug, Clone, PartialEq)]
pub enum CellMagic {
    /// `%%time`: the cell once, with its CPU and wall times after.
    Time,
    /// `%%timeit [-n N] [-r R] [setup]`: the body timed over loops and runs.
    Timeit(TimeitOptions),
}

/// `%timeit`'s options: loops per run (chosen automatically when absent),
/// runs, and a setup statement run once first.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeitOptions {
    pub number: Option<u64>,
    pub repeat: u32,
    pub setup: String,
}

/// Magics that change nothing here (plots are inline already; modules are
/// not reloaded): accepted and ignored, as a notebook written for IPython
/// uses them.
const ACCEPTED: &[&str] = &[
    "matplotlib",
    "config",
    "load_ext",
    "reload_ext",
    "unload_ext",
    "autoreload",
    "aimport",
    "precision",
];

/// `-n N -r R rest`: the options and what follows them.
fn timeit_options(args: &str) -> Result<(TimeitOptions, String), String> {
    let mut o = TimeitOptions {
        number: None,
        repeat: 7,
        setup: String::new(),
    };
    let mut rest = args.trim_start();
    loop {
        let (flag, after) = match rest.split_once(char::is_whitespace) {
            Some((f, a)) if f == "-n" || f == "-r" => (f, a.trim_start()),
            _ => break,
        };
        let (value, after) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        let n: u64 = value
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("%timeit {flag} takes a positive integer, not {value:?}"))?;
        if flag == "-n" {
            o.number = Some(n);
        } else {
            o.repeat = u32::try_from(n).unwrap_or(u32::MAX);
        }
        rest = after.trim_start();
    }
    Ok((o, rest.to_string()))
}

/// The cell magic on `src`'s first non-blank line and the body (that line
/// blanked, so line numbers stay), or an error for a malformed one.
pub fn cell_magic(src: &str) -> Option<Result<(CellMagic, String), String>> {
    let first = src.lines().position(|l| !l.trim().is_empty())?;
    let line = src.lines().nth(first)?.trim();
    let rest = line.strip_prefix("%%")?;
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let body: String = src
        .lines()
        .enumerate()
        .map(|(i, l)| if i == first { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    Some(match name {
        "time" => Ok((CellMagic::Time, body)),
        "timeit" => timeit_options(args).map(|(mut o, setup)| {
            o.setup = setup;
            (CellMagic::Timeit(o), body)
        }),
        other => Err(format!("Cell magic `%%{other}` not found.")),
    })
}

/// Python string literal of `s`.
fn quoted(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The position of the assignment's `=` at bracket depth 0 outside strings
/// (not part of `==`, `<=`, `>=`, `!=`), if `s` is `target = value`.
fn assignment_eq(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut depth, mut quote) = (0i32, None::<u8>);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b'=' if depth == 0 => {
                    let prev = i.checked_sub(1).map(|j| b[j]);
                    let next = b.get(i + 1).copied();
                    if !matches!(prev, Some(b'=' | b'<' | b'>' | b'!' | b':')) && next != Some(b'=')
                    {
                        return Some(i);
                    }
                    if next == Some(b'=') {
                        i += 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// One line, rewritten if it is IPython syntax; None if it is not.
fn line(l: &str) -> Option<String> {
    let body = l.trim_start();
    let indent = &l[..l.len() - body.len()];
    let body = body.trim_end();
    if let Some(cmd) = body.strip_prefix('!') {
        return Some(format!("{indent}__ipython_shell__({})", quoted(cmd.trim())));
    }
    if let Some(rest) = body.strip_prefix('%') {
        if let Some(cell) = rest.strip_prefix('%') {
            let name = cell.split_whitespace().next().unwrap_or("");
            return Some(format!(
                "{indent}__ipython_usage_error__({})",
                quoted(&format!(
                    "Cell magic `%%{name}` must be on the first line of the cell."
                ))
            ));
        }
        let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let args = args.trim();
        return Some(match name {
            "time" | "timeit" if args.is_empty() => format!(
                "{indent}__ipython_usage_error__({})",
                quoted(&format!("%{name} needs a statement to time"))
            ),
            "time" => match assignment_eq(args) {
                Some(eq) => format!(
                    "{indent}{} = __ipython_time__(lambda: ({}))",
                    args[..eq].trim_end(),
                    args[eq + 1..].trim()
                ),
                None => format!("{indent}__ipython_time__(lambda: ({args}))"),
            },
            "timeit" => match timeit_options(args) {
                Ok((o, stmt)) => {
                    // An assignment is timed by its right-hand side.
                    let expr = match assignment_eq(&stmt) {
                        Some(eq) => stmt[eq + 1..].trim().to_string(),
                        None => stmt,
                    };
                    format!(
                        "{indent}__ipython_timeit__(lambda: ({expr}), {}, {})",
                        o.number.map_or("None".into(), |n| n.to_string()),
                        o.repeat
                    )
                }
                Err(e) => format!("{indent}__ipython_usage_error__({})", quoted(&e)),
            },
            n if ACCEPTED.contains(&n) => format!("{indent}pass"),
            n => format!(
                "{indent}__ipython_usage_error__({})",
                quoted(&format!("Line magic function `%{n}` not found."))
            ),
        });
    }
    // Help: `x?`, `x??`, `?x`, `??x`.
    let target = if let Some(t) = body.strip_suffix('?') {
        t.strip_suffix('?').unwrap_or(t)
    } else if let Some(t) = body.strip_prefix('?') {
        t.strip_prefix('?').unwrap_or(t)
    } else {
        return None;
    };
    let target = target.trim();
    if target.is_empty() || target.contains('#') {
        return None;
    }
    Some(format!("{indent}help({target})"))
}

/// `src` with its IPython lines rewritten, or None when there are none.
/// Call it only for a cell that does not parse as it is.
pub fn transform(src: &str) -> Option<String> {
    let mut changed = false;
    let lines: Vec<String> = src
        .lines()
        .map(|l| match line(l) {
            Some(new) => {
                changed = true;
                new
            }
            None => l.to_string(),
        })
        .collect();
    changed.then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_calls_on_the_same_line() {
        let t = transform("x = 1\n%time y = f(x, k=2)\n%timeit -n 10 -r 3 f(x)\n  %matplotlib inline\nf?\n!pip install torch\n%who\n").unwrap();
        let l: Vec<&str> = t.lines().collect();
        assert_eq!(l[0], "x = 1");
        assert_eq!(l[1], "y = __ipython_time__(lambda: (f(x, k=2)))");
        assert_eq!(l[2], "__ipython_timeit__(lambda: (f(x)), 10, 3)");
        assert_eq!(l[3], "  pass");
        assert_eq!(l[4], "help(f)");
        assert_eq!(l[5], "__ipython_shell__('pip install torch')");
        assert_eq!(
            l[6],
            "__ipython_usage_error__('Line magic function `%who` not found.')"
        );
        assert_eq!(transform("a == b\n"), None);
    }

    #[test]
    fn assignment_is_found_outside_brackets_and_comparisons() {
        assert_eq!(assignment_eq("x = f(a=1)"), Some(2));
        assert_eq!(assignment_eq("f(a=1) == 2"), None);
        assert_eq!(assignment_eq("x[i] = '='"), Some(5));
        assert_eq!(assignment_eq("a <= b"), None);
    }

    #[test]
    fn cell_magics_blank_their_line() {
        let (m, body) = cell_magic("\n%%timeit -n 5 x = 2\ny = x * 2\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            m,
            CellMagic::Timeit(TimeitOptions {
                number: Some(5),
                repeat: 7,
                setup: "x = 2".into()
            })
        );
        assert_eq!(body, "\n\ny = x * 2");
        assert_eq!(cell_magic("%%time\n1").unwrap().unwrap().0, CellMagic::Time);
        assert!(cell_magic("%%bash\nls").unwrap().is_err());
        assert!(cell_magic("x = 1").is_none());
    }
}
