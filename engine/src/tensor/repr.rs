//! Tensor text exactly as PyTorch 2 prints it: `repr(t)` and `str(t)`, byte for byte.
//!
//! Owns the rules of PyTorch's `torch/_tensor_str.py`: one element formatter per tensor
//! (integer-valued floats as `1.`, fixed `1.5000`, scientific `1.0000e-05`) sharing a column
//! width, summarisation with `...` past `threshold` elements, wrapping of long rows at
//! `linewidth`, the nested bracket layout with blank lines between blocks, and the
//! `device=`/`dtype=`/`grad_fn=` suffixes with their line breaks.
//!
//! It is pure and must not know the tensor type, storage, devices or autograd: the caller
//! hands over the shape, the row-major values already widened from the storage dtype
//! (f16/bf16/f32 convert to f64 exactly, which is what PyTorch formats too) and the few facts
//! the suffixes need. Checked against `engine/tests/fixtures/repr.json`, made by torch itself.

/// Row-major element values, widened from the storage dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum ReprValues {
    Float(Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

impl ReprValues {
    /// Number of values held.
    pub fn len(&self) -> usize {
        match self {
            ReprValues::Float(v) => v.len(),
            ReprValues::Int(v) => v.len(),
            ReprValues::Bool(v) => v.len(),
        }
    }

    /// True when no value is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything `format_tensor` needs to know about one tensor.
#[derive(Clone, Debug)]
pub struct ReprInput<'a> {
    pub shape: &'a [usize],
    /// Row-major; `shape.iter().product()` values.
    pub values: ReprValues,
    /// PyTorch's name without `torch.`: "float32", "float64", "float16", "bfloat16", ...
    pub dtype: &'a str,
    /// `Some("cuda:0")` prints `device='cuda:0'`; `None` for the default device (CPU).
    pub device: Option<&'a str>,
    /// Prints `requires_grad=True`, unless `grad_fn` is set (PyTorch shows only the node).
    pub requires_grad: bool,
    /// Node name such as "MmBackward0", printed as `grad_fn=<MmBackward0>`.
    pub grad_fn: Option<&'a str>,
    /// An `nn.Parameter`: the text is preceded by a `Parameter containing:` line.
    pub is_parameter: bool,
}

impl<'a> ReprInput<'a> {
    /// A tensor on the default device with no autograd state.
    pub fn new(shape: &'a [usize], values: ReprValues, dtype: &'a str) -> Self {
        ReprInput {
            shape,
            values,
            dtype,
            device: None,
            requires_grad: false,
            grad_fn: None,
            is_parameter: false,
        }
    }
}

/// `torch.set_printoptions`; `Default` is PyTorch's "default" profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintOptions {
    /// Digits after the point in fixed and scientific mode (capped at 65535).
    pub precision: usize,
    /// More elements than this are summarised (`torch.inf` maps to `usize::MAX`).
    pub threshold: usize,
    /// Items kept at each end of a summarised dimension.
    pub edgeitems: usize,
    /// Characters per line before a row wraps.
    pub linewidth: usize,
    /// `Some` forces scientific notation on or off; `None` lets the values decide.
    pub sci_mode: Option<bool>,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            precision: 4,
            threshold: 1000,
            edgeitems: 3,
            linewidth: 80,
            sci_mode: None,
        }
    }
}

/// `torch.get_default_dtype()`: an empty tensor of any other dtype names its dtype.
const DEFAULT_FLOAT_DTYPE: &str = "float32";
/// Dtypes a non-empty tensor leaves implied: the default float dtype, int64 and bool.
const IMPLIED_DTYPES: [&str; 3] = [DEFAULT_FLOAT_DTYPE, "int64", "bool"];
const PREFIX: &str = "tensor(";
/// Deeper nesting is not laid out: PyTorch's recursive printer hits Python's recursion
/// limit long before, and this keeps our own recursion off the end of the stack.
const MAX_DIMS: usize = 256;
/// Rust's formatter rejects larger precisions; PyTorch accepts them but no one reads them.
const MAX_PRECISION: usize = u16::MAX as usize;

/// The text PyTorch prints for `repr(t)` (the same as `str(t)`).
///
/// Never panics: values that do not fill `shape` give `tensor(<invalid: ...>)` instead.
///
/// ```
/// use tinytorch::tensor::repr::{format_tensor, PrintOptions, ReprInput, ReprValues};
/// let shape = [2, 2];
/// let values = ReprValues::Float(vec![1.0, 2.5, -3.0, 0.125]);
/// let text = format_tensor(&ReprInput::new(&shape, values, "float32"), &PrintOptions::default());
/// assert_eq!(text, "tensor([[ 1.0000,  2.5000],\n        [-3.0000,  0.1250]])");
/// ```
pub fn format_tensor(input: &ReprInput, opts: &PrintOptions) -> String {
    let text = tensor_text(input, opts);
    if input.is_parameter {
        format!("Parameter containing:\n{text}")
    } else {
        text
    }
}

fn tensor_text(input: &ReprInput, opts: &PrintOptions) -> String {
    let shape = input.shape;
    let mut suffixes = Vec::new();
    if let Some(device) = input.device {
        suffixes.push(format!("device='{device}'"));
    }
    let numel = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let body = match numel {
        Some(n) if n == input.values.len() && shape.len() <= MAX_DIMS => {
            if n == 0 {
                // No element shows the dtype or the shape, so both are spelled out.
                if shape.len() != 1 {
                    suffixes.push(size_suffix(shape));
                }
                if input.dtype != DEFAULT_FLOAT_DTYPE {
                    suffixes.push(format!("dtype=torch.{}", input.dtype));
                }
                "[]".to_string()
            } else {
                if opts.edgeitems == 0 {
                    suffixes.push(size_suffix(shape));
                }
                if !IMPLIED_DTYPES.contains(&input.dtype) {
                    suffixes.push(format!("dtype=torch.{}", input.dtype));
                }
                Printer::new(input, opts).render(0, 0, PREFIX.len())
            }
        }
        _ => format!(
            "<invalid: {} values for shape {}>",
            input.values.len(),
            python_tuple(shape)
        ),
    };
    if let Some(name) = input.grad_fn {
        suffixes.push(format!("grad_fn=<{name}>"));
    } else if input.requires_grad {
        suffixes.push("requires_grad=True".to_string());
    }
    add_suffixes(format!("{PREFIX}{body}"), &suffixes, opts.linewidth)
}

/// Appends `, suffix` to the last line, or starts a new line aligned under the content
/// when it would pass `linewidth`. PyTorch counts the last line two characters longer
/// than it is, and so do we.
fn add_suffixes(mut text: String, suffixes: &[String], linewidth: usize) -> String {
    let indent = PREFIX.len();
    let last_line = text.rsplit('\n').next().unwrap_or("");
    let mut last_len = last_line.chars().count() + 2;
    for suffix in suffixes {
        let len = suffix.chars().count();
        if last_len + len + 2 > linewidth {
            text.push_str(",\n");
            text.push_str(&" ".repeat(indent));
            last_len = indent + len;
        } else {
            text.push_str(", ");
            last_len += len + 2;
        }
        text.push_str(suffix);
    }
    text.push(')');
    text
}

/// `size=(2, 3)`, with Python's tuple spelling: `()` and `(5,)`.
fn size_suffix(shape: &[usize]) -> String {
    format!("size={}", python_tuple(shape))
}

fn python_tuple(shape: &[usize]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", dims.join(", "))
        }
    }
}

/// Lays out a non-empty tensor whose values fill its shape.
struct Printer<'a> {
    values: &'a ReprValues,
    shape: &'a [usize],
    strides: Vec<usize>,
    summarize: bool,
    edgeitems: usize,
    linewidth: usize,
    cell: Cell,
}

impl<'a> Printer<'a> {
    fn new(input: &'a ReprInput, opts: &PrintOptions) -> Self {
        let shape = input.shape;
        let mut strides = vec![1; shape.len()];
        for d in (0..shape.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * shape[d + 1];
        }
        let mut printer = Printer {
            values: &input.values,
            shape,
            strides,
            summarize: input.values.len() > opts.threshold,
            edgeitems: opts.edgeitems,
            linewidth: opts.linewidth,
            cell: Cell::default(),
        };
        // The formatter sees only the elements that will be shown, so a huge value hidden
        // by `...` does not switch the whole tensor to scientific notation.
        let mut shown = Vec::new();
        printer.collect_shown(0, 0, &mut shown);
        printer.cell = Cell::new(&input.values, &shown, opts);
        printer
    }

    /// Indices shown along a dimension of length `len`; `None` is the `...` gap.
    fn shown(&self, len: usize) -> Vec<Option<usize>> {
        let edge = self.edgeitems;
        if self.summarize && len > edge.saturating_mul(2) {
            let head = (0..edge).map(Some);
            let tail = (len - edge..len).map(Some);
            head.chain([None]).chain(tail).collect()
        } else {
            (0..len).map(Some).collect()
        }
    }

    fn collect_shown(&self, dim: usize, offset: usize, out: &mut Vec<usize>) {
        if dim == self.shape.len() {
            out.push(offset);
            return;
        }
        for i in self.shown(self.shape[dim]).into_iter().flatten() {
            self.collect_shown(dim + 1, offset + i * self.strides[dim], out);
        }
    }

    /// The bracketed text of the sub-tensor starting at `offset` from dimension `dim` on;
    /// `indent` is the column of its opening bracket.
    fn render(&self, dim: usize, offset: usize, indent: usize) -> String {
        let ndim = self.shape.len();
        if dim == ndim {
            return self.cell.format(self.values, offset);
        }
        if self.summarize && self.edgeitems == 0 {
            return "[...]".to_string();
        }
        let shown = self.shown(self.shape[dim]);
        if dim + 1 == ndim {
            let items: Vec<String> = shown
                .iter()
                .map(|i| match i {
                    Some(i) => self.cell.format(self.values, offset + i),
                    None => " ...".to_string(),
                })
                .collect();
            let per_line = (self.linewidth.saturating_sub(indent) / (self.cell.width + 2)).max(1);
            let lines: Vec<String> = items.chunks(per_line).map(|c| c.join(", ")).collect();
            return format!(
                "[{}]",
                lines.join(&format!(",\n{}", " ".repeat(indent + 1)))
            );
        }
        let slices: Vec<String> = shown
            .iter()
            .map(|i| match i {
                Some(i) => self.render(dim + 1, offset + i * self.strides[dim], indent + 1),
                None => "...".to_string(),
            })
            .collect();
        // One line break per remaining dimension: blank lines separate 3-d blocks.
        let sep = format!(",{}{}", "\n".repeat(ndim - dim - 1), " ".repeat(indent + 1));
        format!("[{}]", slices.join(&sep))
    }
}

/// How floats are written; chosen once per tensor from the shown values.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum FloatMode {
    /// Every finite value is a whole number: `1.`, `-20.`.
    #[default]
    Whole,
    Fixed,
    Scientific,
}

/// The element formatter: one mode and one column width for the whole tensor.
#[derive(Clone, Debug, Default)]
struct Cell {
    mode: FloatMode,
    precision: usize,
    width: usize,
}

impl Cell {
    fn new(values: &ReprValues, shown: &[usize], opts: &PrintOptions) -> Self {
        let precision = opts.precision.min(MAX_PRECISION);
        let mut cell = Cell {
            mode: FloatMode::Whole,
            precision,
            width: 1,
        };
        let finite: Vec<f64> = match values {
            ReprValues::Int(v) => {
                let widest = shown.iter().map(|&i| v[i].to_string().len()).max();
                cell.width = widest.unwrap_or(1).max(1);
                return cell;
            }
            ReprValues::Bool(v) => {
                let any_false = shown.iter().any(|&i| !v[i]);
                cell.width = if any_false { 5 } else { 4 };
                return cell;
            }
            ReprValues::Float(v) => shown
                .iter()
                .map(|&i| v[i])
                .filter(|x| x.is_finite() && *x != 0.0)
                .collect(),
        };
        // Zeros, nan and inf neither choose the mode nor widen the column.
        if finite.is_empty() {
            return cell;
        }
        let whole = finite.iter().all(|x| x.ceil() == *x);
        let min = finite.iter().fold(f64::INFINITY, |m, x| m.min(x.abs()));
        let max = finite.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        let scientific = opts
            .sci_mode
            .unwrap_or(max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4);
        cell.mode = match (scientific, whole) {
            (true, _) => FloatMode::Scientific,
            (false, true) => FloatMode::Whole,
            (false, false) => FloatMode::Fixed,
        };
        cell.width = finite
            .iter()
            .map(|&x| match cell.mode {
                FloatMode::Scientific => scientific_text(x, precision).len(),
                FloatMode::Whole => fixed_text(x, 0).len() + 1,
                FloatMode::Fixed => fixed_text(x, precision).len(),
            })
            .max()
            .unwrap_or(1)
            .max(1);
        cell
    }

    /// Element `i` right-aligned to the column width.
    fn format(&self, values: &ReprValues, i: usize) -> String {
        let text = match values {
            ReprValues::Int(v) => v[i].to_string(),
            ReprValues::Bool(v) => (if v[i] { "True" } else { "False" }).to_string(),
            ReprValues::Float(v) => {
                let x = v[i];
                match self.mode {
                    FloatMode::Scientific => scientific_text(x, self.precision),
                    FloatMode::Fixed => fixed_text(x, self.precision),
                    FloatMode::Whole if x.is_finite() => fixed_text(x, 0) + ".",
                    FloatMode::Whole => fixed_text(x, 0),
                }
            }
        };
        // Padded by hand: `format!`'s width argument stops at u16::MAX.
        let pad = self.width.saturating_sub(text.chars().count());
        " ".repeat(pad) + &text
    }
}

/// Python's `nan`/`inf`/`-inf`, which its `f` and `e` formats share (never `-nan`).
fn non_finite_text(x: f64) -> Option<String> {
    if x.is_nan() {
        Some("nan".to_string())
    } else if x.is_infinite() {
        Some(if x > 0.0 { "inf" } else { "-inf" }.to_string())
    } else {
        None
    }
}

/// Python's `format(x, '.{precision}f')`: exact decimal, ties to even, `-0` kept.
fn fixed_text(x: f64, precision: usize) -> String {
    non_finite_text(x).unwrap_or_else(|| format!("{x:.precision$}"))
}

/// Python's `format(x, '.{precision}e')`: the exponent carries a sign and two digits at
/// least (`1.0000e-05`), where Rust writes `1.0000e-5`.
fn scientific_text(x: f64, precision: usize) -> String {
    if let Some(text) = non_finite_text(x) {
        return text;
    }
    let rust = format!("{x:.precision$e}");
    match rust.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => rust,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(shape: &[usize], v: &[f64]) -> String {
        let input = ReprInput::new(shape, ReprValues::Float(v.to_vec()), "float32");
        format_tensor(&input, &PrintOptions::default())
    }

    #[test]
    fn scientific_exponent_is_signed_and_two_digits() {
        assert_eq!(scientific_text(1e-5, 4), "1.0000e-05");
        assert_eq!(scientific_text(1e300, 4), "1.0000e+300");
        assert_eq!(scientific_text(-0.0, 2), "-0.00e+00");
        assert_eq!(scientific_text(2.5, 0), "2e+00");
        assert_eq!(scientific_text(f64::NEG_INFINITY, 4), "-inf");
    }

    #[test]
    fn fixed_rounds_ties_to_even_like_python() {
        assert_eq!(fixed_text(0.03125, 4), "0.0312");
        assert_eq!(fixed_text(2.5, 0), "2");
        assert_eq!(fixed_text(-0.0, 0), "-0");
        assert_eq!(fixed_text(-f64::NAN, 4), "nan");
    }

    #[test]
    fn python_tuples() {
        assert_eq!(python_tuple(&[]), "()");
        assert_eq!(python_tuple(&[5]), "(5,)");
        assert_eq!(python_tuple(&[0, 3]), "(0, 3)");
    }

    #[test]
    fn suffix_wraps_when_the_last_line_is_full() {
        let long = format!("tensor([{}])", "1".repeat(60));
        let text = add_suffixes(long, &["dtype=torch.float64".to_string()], 80);
        assert!(text.ends_with("1]),\n       dtype=torch.float64)"));
    }

    #[test]
    fn parameter_header_and_requires_grad() {
        let shape = [2];
        let mut input = ReprInput::new(&shape, ReprValues::Float(vec![1.0, 2.0]), "float32");
        input.is_parameter = true;
        input.requires_grad = true;
        let text = format_tensor(&input, &PrintOptions::default());
        assert_eq!(
            text,
            "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
        );
    }

    #[test]
    fn mismatched_values_do_not_panic() {
        assert_eq!(
            floats(&[2, 3], &[1.0]),
            "tensor(<invalid: 1 values for shape (2, 3)>)"
        );
        let huge = [usize::MAX, 2];
        assert!(floats(&huge, &[]).starts_with("tensor(<invalid"));
        let deep = vec![1; MAX_DIMS + 1];
        assert!(floats(&deep, &[1.0]).starts_with("tensor(<invalid"));
    }

    #[test]
    fn extreme_options_do_not_panic() {
        let shape = [4, 3];
        let values = ReprValues::Int((0..12).collect());
        let input = ReprInput::new(&shape, values, "int64");
        let opts = PrintOptions {
            precision: usize::MAX,
            threshold: 0,
            edgeitems: usize::MAX,
            linewidth: 0,
            sci_mode: Some(true),
        };
        assert!(format_tensor(&input, &opts).starts_with("tensor([[ 0,"));
        let floats = ReprInput::new(&[2], ReprValues::Float(vec![1.5, 2.0]), "float64");
        let opts = PrintOptions {
            precision: 100_000,
            ..PrintOptions::default()
        };
        let text = format_tensor(&floats, &opts);
        assert!(text.starts_with("tensor([1.5000") && text.ends_with("dtype=torch.float64)"));
    }
}
