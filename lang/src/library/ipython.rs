//! `IPython.display`: `display(*objs, display_id=None, clear=False)` shows
//! values as a cell's last expression would (a tensor with its HTML form in
//! a notebook; pictures keep their images), and `clear_output(wait=False)`
//! clears the running cell's outputs in a notebook (nothing in a terminal);
//! and what IPython's magics run (`crate::magics` rewrites them into calls
//! of the hidden builtins here): `%time`/`%%time` print CPU and wall times
//! and `%timeit`/`%%timeit` IPython's mean ± std. dev. line, with its
//! automatic loop count and number format.

use super::viz::emit;
use crate::bind::{raw, row, Bound, Row, Style};
use crate::eval::call::Args;
use crate::eval::error::{type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;

#[rustfmt::skip]
const DISPLAY: &[Row] = &[
    raw("display(*objs, include=None, exclude=None, metadata=None, transient=None, display_id=None, raw=False, clear=False, **kwargs)", "Shows each value as a cell's last expression would (display_id: later calls with the same id update that output).", display),
    row("clear_output(wait=False)", "Clears the running cell's outputs (wait: when the next output arrives). Nothing in a terminal.", clear_output),
];

/// What the rewritten magics call (hidden builtins).
#[rustfmt::skip]
const MAGICS: &[Row] = &[
    row("__ipython_time__(f)", "%time: runs f(), prints its CPU and wall times, returns its value.", magic_time),
    row("__ipython_timeit__(f, number=None, int repeat=7)", "%timeit: times f() over loops and runs.", magic_timeit),
    row("__ipython_usage_error__(str message)", "A magic used wrongly.", magic_usage_error),
    row("__ipython_shell__(str command)", "!command.", magic_shell),
];

pub fn install(it: &mut Interp) {
    for r in MAGICS {
        let d = crate::bind::Def::from_row("builtins", r, Style::Python);
        let name = crate::protocol::Callable::name(&d).to_string();
        it.builtins
            .insert(std::rc::Rc::from(name.as_str()), d.value());
    }
    super::module(it, "IPython", "IPython's display helpers, for notebooks.");
    let m = super::module(
        it,
        "IPython.display",
        "Rich display of values in notebooks.",
    );
    crate::bind::into_module(&m, "IPython.display", DISPLAY, Style::Python);
}

fn display(it: &mut Interp, a: Args) -> PyResult<Value> {
    let mut id = None;
    for (k, v) in &a.kw {
        match (&**k, v) {
            ("display_id", Value::Str(s)) => id = Some(s.to_string()),
            ("display_id", Value::None) => {}
            ("display_id", other) => {
                return Err(type_error(format!(
                    "display_id must be a str, not {}",
                    other.type_name()
                )))
            }
            ("clear", v) if it.truthy(v)? => it.out.clear_output(true),
            _ => {}
        }
    }
    for v in &a.pos {
        let d = super::display_of(it, v)?;
        emit(it, d, id.clone());
    }
    Ok(Value::None)
}

fn clear_output(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let wait = it.truthy(b.value(0))?;
    it.out.clear_output(wait);
    Ok(Value::None)
}

// ----- magics -------------------------------------------------------------------

/// A span of time as IPython's `_format_time` writes it: three significant
/// digits in s, ms, µs or ns (and h/min/s from a minute up).
pub fn format_time(secs: f64) -> String {
    if secs >= 60.0 {
        let (mut left, mut parts) = (secs, Vec::new());
        for (suffix, length) in [("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)] {
            let value = (left / length).floor();
            if value > 0.0 {
                left %= length;
                parts.push(format!("{value}{suffix}"));
            }
            if left < 1.0 {
                break;
            }
        }
        return parts.join(" ");
    }
    let units = ["s", "ms", "\u{b5}s", "ns"];
    let order = if secs > 0.0 {
        (-(secs.log10().floor() as i64).div_euclid(3)).clamp(0, 3) as usize
    } else {
        3
    };
    let scaled = secs * 1000f64.powi(order as i32);
    format!("{} {}", sig3(scaled), units[order])
}

/// `%.3g`.
fn sig3(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = x.abs().log10().floor() as i32;
    let decimals = (2 - digits).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The process's user and system CPU seconds so far.
#[cfg(unix)]
fn cpu_times() -> Option<(f64, f64)> {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage and RUSAGE_SELF.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return None;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Some((secs(u.ru_utime), secs(u.ru_stime)))
}

#[cfg(not(unix))]
fn cpu_times() -> Option<(f64, f64)> {
    None
}

/// A started `%time` measurement.
pub struct Clock {
    wall: std::time::Instant,
    cpu: Option<(f64, f64)>,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            wall: std::time::Instant::now(),
            cpu: cpu_times(),
        }
    }

    /// IPython's two lines: CPU times, then wall time.
    pub fn report(&self) -> String {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = match (self.cpu, cpu_times()) {
            (Some((u0, s0)), Some((u1, s1))) => {
                let (u, s) = ((u1 - u0).max(0.0), (s1 - s0).max(0.0));
                format!(
                    "CPU times: user {}, sys: {}, total: {}\n",
                    format_time(u),
                    format_time(s),
                    format_time(u + s)
                )
            }
            _ => String::new(),
        };
        format!("{cpu}Wall time: {}\n", format_time(wall))
    }
}

/// `%timeit`: `number` loops per run (without it, 1, 10, 100, ... until a
/// run takes 0.2 s, as IPython), `repeat` runs; IPython's summary line.
pub fn timeit(
    it: &mut Interp,
    number: Option<u64>,
    repeat: u32,
    run: &mut dyn FnMut(&mut Interp) -> PyResult<()>,
) -> PyResult<String> {
    let mut time = |it: &mut Interp, n: u64| -> PyResult<f64> {
        let t = std::time::Instant::now();
        for _ in 0..n {
            run(it)?;
        }
        Ok(t.elapsed().as_secs_f64())
    };
    let (number, first) = match number {
        Some(n) => (n, None),
        None => {
            let mut n = 1u64;
            loop {
                let t = time(it, n)?;
                if t >= 0.2 || n >= 10_000_000_000 {
                    break (n, Some(t));
                }
                n *= 10;
            }
        }
    };
    let mut per_loop = Vec::with_capacity(repeat as usize);
    if let Some(t) = first {
        per_loop.push(t / number as f64);
    }
    while per_loop.len() < repeat.max(1) as usize {
        per_loop.push(time(it, number)? / number as f64);
    }
    let n = per_loop.len() as f64;
    let mean = per_loop.iter().sum::<f64>() / n;
    let std = (per_loop.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n).sqrt();
    let plural = |k: u64| if k == 1 { "" } else { "s" };
    let runs = per_loop.len() as u64;
    Ok(format!(
        "{} \u{b1} {} per loop (mean \u{b1} std. dev. of {runs} run{}, {} loop{} each)\n",
        format_time(mean),
        format_time(std),
        plural(runs),
        thousands(number),
        plural(number)
    ))
}

/// `{:,}`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn magic_time(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let clock = Clock::start();
    let v = it.call(b.value(0), Args::default())?;
    let report = clock.report();
    it.out.write_stdout(&report);
    Ok(v)
}

fn magic_timeit(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let f = b.value(0).clone();
    let number = match b.opt_int(1)? {
        Some(n) if n > 0 => Some(n as u64),
        Some(_) => {
            return Err(crate::eval::error::exc(
                "UsageError",
                "%timeit -n takes a positive integer",
            ))
        }
        None => None,
    };
    let repeat = u32::try_from(b.int(2)?.max(1)).unwrap_or(7);
    let report = timeit(it, number, repeat, &mut |it| {
        it.call(&f, Args::default()).map(|_| ())
    })?;
    it.out.write_stdout(&report);
    Ok(Value::None)
}

fn magic_usage_error(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Err(crate::eval::error::exc("UsageError", b.str(0)?))
}

fn magic_shell(_: &mut Interp, b: Bound) -> PyResult<Value> {
    Err(crate::eval::error::exc(
        "UsageError",
        format!(
            "!{}: tinytorch does not run shell commands from a cell; run it in a terminal (packages are not needed: torch is built in)",
            b.str(0)?
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_ipython_writes_them() {
        assert_eq!(format_time(0.00213), "2.13 ms");
        assert_eq!(format_time(1.5e-7), "150 ns");
        assert_eq!(format_time(2.5e-6), "2.5 \u{b5}s");
        assert_eq!(format_time(0.0), "0 ns");
        assert_eq!(format_time(12.3456), "12.3 s");
        assert_eq!(format_time(75.0), "1min 15s");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(100), "100");
    }
}
