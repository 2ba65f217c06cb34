//! The `math`, `time`, `random` and `sys` modules. `random` reproduces
//! CPython's Mersenne Twister stream exactly (seeding by `init_by_array`,
//! 53-bit `random()`, rejection-sampled `randbelow`), so seeded scripts
//! print what Python prints.

use super::args::{self, bind};
use super::{def, register_module};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, value_error, PyErr, PyResult};
use crate::eval::value::{ModuleObj, Native, Value};
use crate::eval::Interp;
use std::cell::RefCell;
use std::rc::Rc;

pub fn install(it: &mut Interp) {
    let m = register_module(
        it,
        "math",
        ModuleObj::new("math", "Mathematical functions on Python numbers."),
    );
    m.set("pi", Value::Float(std::f64::consts::PI));
    m.set("e", Value::Float(std::f64::consts::E));
    m.set("tau", Value::Float(std::f64::consts::TAU));
    m.set("inf", Value::Float(f64::INFINITY));
    m.set("nan", Value::Float(f64::NAN));
    let unary: &[(&'static str, &'static str, crate::eval::value::NativeFn)] = &[
        ("sqrt", "sqrt(x)\n\nThe square root of x.\n\n>>> math.sqrt(2)\n1.4142135623730951", |_, a| f1("sqrt", a, |x| (x >= 0.0).then(|| x.sqrt()))),
        ("exp", "exp(x)\n\ne raised to the power x.", |_, a| f1("exp", a, |x| Some(x.exp()))),
        ("log", "log(x[, base])\n\nThe natural logarithm of x (or to the given base).\n\n>>> math.log(math.e)\n1.0", log),
        ("log2", "log2(x)\n\nThe base-2 logarithm of x.", |_, a| f1("log2", a, |x| (x > 0.0).then(|| x.log2()))),
        ("log10", "log10(x)\n\nThe base-10 logarithm of x.", |_, a| f1("log10", a, |x| (x > 0.0).then(|| x.log10()))),
        ("log1p", "log1p(x)\n\nlog(1 + x), accurate near zero.", |_, a| f1("log1p", a, |x| (x > -1.0).then(|| x.ln_1p()))),
        ("sin", "sin(x)\n\nThe sine of x (radians).", |_, a| f1("sin", a, |x| Some(x.sin()))),
        ("cos", "cos(x)\n\nThe cosine of x (radians).", |_, a| f1("cos", a, |x| Some(x.cos()))),
        ("tan", "tan(x)\n\nThe tangent of x (radians).", |_, a| f1("tan", a, |x| Some(x.tan()))),
        ("asin", "asin(x)\n\nThe arc sine of x.", |_, a| f1("asin", a, |x| (x.abs() <= 1.0).then(|| x.asin()))),
        ("acos", "acos(x)\n\nThe arc cosine of x.", |_, a| f1("acos", a, |x| (x.abs() <= 1.0).then(|| x.acos()))),
        ("atan", "atan(x)\n\nThe arc tangent of x.", |_, a| f1("atan", a, |x| Some(x.atan()))),
        ("tanh", "tanh(x)\n\nThe hyperbolic tangent of x.", |_, a| f1("tanh", a, |x| Some(x.tanh()))),
        ("sinh", "sinh(x)\n\nThe hyperbolic sine of x.", |_, a| f1("sinh", a, |x| Some(x.sinh()))),
        ("cosh", "cosh(x)\n\nThe hyperbolic cosine of x.", |_, a| f1("cosh", a, |x| Some(x.cosh()))),
        ("fabs", "fabs(x)\n\nThe absolute value of x as a float.", |_, a| f1("fabs", a, |x| Some(x.abs()))),
        ("degrees", "degrees(x)\n\nRadians to degrees.", |_, a| f1("degrees", a, |x| Some(x.to_degrees()))),
        ("radians", "radians(x)\n\nDegrees to radians.", |_, a| f1("radians", a, |x| Some(x.to_radians()))),
        ("erf", "erf(x)\n\nThe error function.", |_, a| f1("erf", a, |x| Some(erf(x)))),
        ("floor", "floor(x)\n\nThe largest int <= x.\n\n>>> math.floor(-1.5)\n-2", |_, a| i1("floor", a, f64::floor)),
        ("ceil", "ceil(x)\n\nThe smallest int >= x.", |_, a| i1("ceil", a, f64::ceil)),
        ("trunc", "trunc(x)\n\nx truncated toward zero, as an int.", |_, a| i1("trunc", a, f64::trunc)),
        ("isnan", "isnan(x)\n\nWhether x is NaN.", |_, a| b1("isnan", a, f64::is_nan)),
        ("isinf", "isinf(x)\n\nWhether x is infinite.", |_, a| b1("isinf", a, f64::is_infinite)),
        ("isfinite", "isfinite(x)\n\nWhether x is neither infinite nor NaN.", |_, a| b1("isfinite", a, f64::is_finite)),
        ("pow", "pow(x, y)\n\nx ** y as floats.", |_, a| f2("pow", a, |x, y| Some(x.powf(y)))),
        ("atan2", "atan2(y, x)\n\nThe arc tangent of y/x, in the right quadrant.", |_, a| f2("atan2", a, |y, x| Some(y.atan2(x)))),
        ("hypot", "hypot(x, y)\n\nThe Euclidean norm sqrt(x*x + y*y).", |_, a| f2("hypot", a, |x, y| Some(x.hypot(y)))),
        ("fmod", "fmod(x, y)\n\nC's fmod: the remainder with the sign of x.", |_, a| f2("fmod", a, |x, y| (y != 0.0).then(|| x % y))),
        ("copysign", "copysign(x, y)\n\nx with the sign of y.", |_, a| f2("copysign", a, |x, y| Some(x.copysign(y)))),
        ("factorial", "factorial(n)\n\nn! for a non-negative int.\n\n>>> math.factorial(5)\n120", factorial),
        ("gcd", "gcd(*integers)\n\nThe greatest common divisor.", gcd),
        ("isclose", "isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)\n\nWhether a and b are close.", isclose),
        ("prod", "prod(iterable, *, start=1)\n\nThe product of the items.", prod),
        ("fsum", "fsum(iterable)\n\nAn accurate floating-point sum.", fsum),
        ("comb", "comb(n, k)\n\nThe number of ways to choose k of n items.", comb),
    ];
    for (n, d, f) in unary {
        def(&m, n, d, *f);
    }

    let t = register_module(it, "time", ModuleObj::new("time", "Clocks and sleeping."));
    def(
        &t,
        "perf_counter",
        "perf_counter()\n\nA monotonic clock in seconds, for timing code.",
        |_, a| {
            args::none("perf_counter", a)?;
            Ok(Value::Float(clock_start().elapsed().as_secs_f64()))
        },
    );
    def(
        &t,
        "time",
        "time()\n\nSeconds since the Unix epoch.",
        |_, a| {
            args::none("time", a)?;
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            Ok(Value::Float(d.as_secs_f64()))
        },
    );
    def(
        &t,
        "sleep",
        "sleep(secs)\n\nWaits secs seconds (interruptible).",
        |it, a| {
            let [s] = bind("sleep", a, ["secs"], 1)?;
            let s = args::float("sleep", "secs", &s.expect("required"))?;
            if s < 0.0 {
                return Err(value_error("sleep length must be non-negative"));
            }
            let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(s.min(1e6));
            while std::time::Instant::now() < end {
                if it.interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                    it.interrupt
                        .store(false, std::sync::atomic::Ordering::Relaxed);
                    return Err(exc("KeyboardInterrupt", ""));
                }
                std::thread::sleep(
                    (end - std::time::Instant::now()).min(std::time::Duration::from_millis(20)),
                );
            }
            Ok(Value::None)
        },
    );

    let r = register_module(
        it,
        "random",
        ModuleObj::new("random", "Python's Mersenne Twister random numbers."),
    );
    def(
        &r,
        "seed",
        "seed(a=None)\n\nSeeds the generator (as CPython does for int seeds).",
        |_, a| {
            let [s] = bind("seed", a, ["a"], 0)?;
            let seed = match s {
                None | Some(Value::None) => time_seed(),
                Some(v) => args::int("seed", "a", &v)?.unsigned_abs(),
            };
            RNG.with(|r| *r.borrow_mut() = Mt::from_seed(seed));
            Ok(Value::None)
        },
    );
    def(&r, "random", "random()\n\nA float in [0, 1).", |_, a| {
        args::none("random", a)?;
        Ok(Value::Float(RNG.with(|r| r.borrow_mut().random())))
    });
    def(&r, "randint", "randint(a, b)\n\nAn int in [a, b], both included.\n\n>>> random.seed(0); random.randint(1, 10)\n7", |_, a| {
        let [lo, hi] = bind("randint", a, ["a", "b"], 2)?;
        let lo = args::int("randint", "a", &lo.expect("required"))?;
        let hi = args::int("randint", "b", &hi.expect("required"))?;
        if hi < lo {
            return Err(value_error(format!("empty range in randrange({lo}, {})", hi + 1)));
        }
        Ok(Value::Int(lo + RNG.with(|r| r.borrow_mut().below((hi - lo + 1) as u64)) as i64))
    });
    def(
        &r,
        "randrange",
        "randrange(start, stop=None, step=1)\n\nA random item of range(start, stop, step).",
        |_, a| {
            let [s, e] = bind("randrange", a, ["start", "stop"], 1)?;
            let s = args::int("randrange", "start", &s.expect("required"))?;
            let (lo, hi) = match e {
                Some(e) => (s, args::int("randrange", "stop", &e)?),
                None => (0, s),
            };
            if hi <= lo {
                return Err(value_error("empty range for randrange()"));
            }
            Ok(Value::Int(
                lo + RNG.with(|r| r.borrow_mut().below((hi - lo) as u64)) as i64,
            ))
        },
    );
    def(
        &r,
        "uniform",
        "uniform(a, b)\n\nA float between a and b.",
        |_, a| {
            let [lo, hi] = bind("uniform", a, ["a", "b"], 2)?;
            let lo = args::float("uniform", "a", &lo.expect("required"))?;
            let hi = args::float("uniform", "b", &hi.expect("required"))?;
            Ok(Value::Float(
                lo + (hi - lo) * RNG.with(|r| r.borrow_mut().random()),
            ))
        },
    );
    def(
        &r,
        "shuffle",
        "shuffle(x)\n\nShuffles the list in place.",
        |_, a| {
            let [l] = bind("shuffle", a, ["x"], 1)?;
            let Some(Value::List(l)) = l else {
                return Err(type_error("shuffle() argument must be a list"));
            };
            let mut v = l.borrow_mut();
            RNG.with(|r| {
                let mut r = r.borrow_mut();
                for i in (1..v.len()).rev() {
                    let j = r.below(i as u64 + 1) as usize;
                    v.swap(i, j);
                }
            });
            Ok(Value::None)
        },
    );
    def(
        &r,
        "choice",
        "choice(seq)\n\nA random element of a non-empty sequence.",
        |it, a| {
            let [s] = bind("choice", a, ["seq"], 1)?;
            let items = it.collect(&s.expect("required"))?;
            if items.is_empty() {
                return Err(exc("IndexError", "Cannot choose from an empty sequence"));
            }
            let k = RNG.with(|r| r.borrow_mut().below(items.len() as u64)) as usize;
            Ok(items[k].clone())
        },
    );

    let s = register_module(
        it,
        "sys",
        ModuleObj::new("sys", "The interpreter: streams, argv, exit."),
    );
    s.set("stdout", Value::Native(Rc::new(Native::Stream(false))));
    s.set("stderr", Value::Native(Rc::new(Native::Stream(true))));
    s.set("argv", Value::list(vec![Value::str("")]));
    s.set(
        "version",
        Value::str(&format!("3.11 (tinytorch {})", crate::VERSION)),
    );
    s.set("maxsize", Value::Int(i64::MAX));
    def(
        &s,
        "exit",
        "exit(status=None)\n\nLeaves the program with the given exit status.",
        sys_exit,
    );
    def(
        &s,
        "getrecursionlimit",
        "getrecursionlimit()\n\nThe maximum depth of nested calls.",
        |_, _| Ok(Value::Int(crate::eval::call::MAX_DEPTH as i64)),
    );
    def(
        &s,
        "setrecursionlimit",
        "setrecursionlimit(n)\n\nAccepted for compatibility; the limit stays fixed.",
        |_, _| Ok(Value::None),
    );
}

pub fn sys_exit(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [code] = bind("exit", a, ["status"], 0)?;
    let (status, msg) = match &code {
        None | Some(Value::None) => (0, String::new()),
        Some(Value::Int(i)) => (*i as i32, i.to_string()),
        Some(other) => {
            let s = it.to_str(other)?;
            it.out.write_stderr(&format!("{s}\n"));
            (1, s)
        }
    };
    let mut e = exc("SystemExit", msg);
    e.exit = Some(status);
    Err(e)
}

fn clock_start() -> std::time::Instant {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}

fn num(fname: &str, v: &Value) -> PyResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::Tensor(t) if t.numel() == 1 => t.item().map_err(crate::eval::error::from_engine),
        other => Err(type_error(format!("must be real number, not {}", {
            let _ = fname;
            other.type_name()
        }))),
    }
}

fn domain() -> Box<PyErr> {
    value_error("math domain error")
}

fn f1(name: &str, a: Args, f: fn(f64) -> Option<f64>) -> PyResult<Value> {
    let [x] = bind(name, a, ["x"], 1)?;
    let x = num(name, &x.expect("required"))?;
    f(x).map(Value::Float).ok_or_else(domain)
}

fn f2(name: &str, a: Args, f: fn(f64, f64) -> Option<f64>) -> PyResult<Value> {
    let [x, y] = bind(name, a, ["x", "y"], 2)?;
    let x = num(name, &x.expect("required"))?;
    let y = num(name, &y.expect("required"))?;
    f(x, y).map(Value::Float).ok_or_else(domain)
}

fn i1(name: &str, a: Args, f: fn(f64) -> f64) -> PyResult<Value> {
    let [x] = bind(name, a, ["x"], 1)?;
    match x.expect("required") {
        Value::Int(i) => Ok(Value::Int(i)),
        v => {
            let r = f(num(name, &v)?);
            if !r.is_finite() {
                return Err(exc(
                    "OverflowError",
                    "cannot convert float infinity to integer",
                ));
            }
            Ok(Value::Int(r as i64))
        }
    }
}

fn b1(name: &str, a: Args, f: fn(f64) -> bool) -> PyResult<Value> {
    let [x] = bind(name, a, ["x"], 1)?;
    Ok(Value::Bool(f(num(name, &x.expect("required"))?)))
}

fn log(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [x, base] = bind("log", a, ["x", "base"], 1)?;
    let x = num("log", &x.expect("required"))?;
    if x <= 0.0 {
        return Err(domain());
    }
    match base {
        None => Ok(Value::Float(x.ln())),
        Some(b) => {
            let b = num("log", &b)?;
            if b <= 0.0 || b == 1.0 {
                return Err(domain());
            }
            Ok(Value::Float(x.ln() / b.ln()))
        }
    }
}

/// Abramowitz-Stegun 7.1.26 is too coarse for users comparing digits; use
/// the series/continued-fraction pair instead (|error| < 1e-15).
fn erf(x: f64) -> f64 {
    if x.abs() < 2.5 {
        // Maclaurin series.
        let mut sum = x;
        let mut term = x;
        let x2 = x * x;
        for n in 1..80 {
            term *= -x2 / n as f64;
            let t = term / (2 * n + 1) as f64;
            sum += t;
            if t.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // Continued fraction for erfc.
        let ax = x.abs();
        let mut f = 0.0;
        for n in (1..60).rev() {
            f = (n as f64 / 2.0) / (ax + f);
        }
        let erfc = (-ax * ax).exp() / (std::f64::consts::PI.sqrt() * (ax + f));
        (1.0 - erfc).copysign(x)
    }
}

fn factorial(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [n] = bind("factorial", a, ["n"], 1)?;
    let n = args::int("factorial", "n", &n.expect("required"))?;
    if n < 0 {
        return Err(value_error("factorial() not defined for negative values"));
    }
    let mut r: i64 = 1;
    for k in 2..=n {
        r = r
            .checked_mul(k)
            .ok_or_else(|| exc("OverflowError", "integer overflow"))?;
    }
    Ok(Value::Int(r))
}

fn gcd(_: &mut Interp, a: Args) -> PyResult<Value> {
    let mut g: i64 = 0;
    for v in &a.pos {
        let mut x = args::int("gcd", "integers", v)?.abs();
        let mut y = g;
        while y != 0 {
            let t = x % y;
            x = y;
            y = t;
        }
        g = x;
    }
    Ok(Value::Int(g))
}

fn comb(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [n, k] = bind("comb", a, ["n", "k"], 2)?;
    let n = args::int("comb", "n", &n.expect("required"))?;
    let k = args::int("comb", "k", &k.expect("required"))?;
    if n < 0 || k < 0 {
        return Err(value_error("n and k must be non-negative integers"));
    }
    if k > n {
        return Ok(Value::Int(0));
    }
    let k = k.min(n - k);
    let mut r: i128 = 1;
    for i in 0..k {
        r = r * (n - i) as i128 / (i + 1) as i128;
    }
    i64::try_from(r)
        .map(Value::Int)
        .map_err(|_| exc("OverflowError", "integer overflow"))
}

fn isclose(_: &mut Interp, a: Args) -> PyResult<Value> {
    let [x, y, rel, abs] = bind("isclose", a, ["a", "b", "rel_tol", "abs_tol"], 2)?;
    let x = num("isclose", &x.expect("required"))?;
    let y = num("isclose", &y.expect("required"))?;
    let rel = args::opt_float("isclose", "rel_tol", &rel)?.unwrap_or(1e-9);
    let abs = args::opt_float("isclose", "abs_tol", &abs)?.unwrap_or(0.0);
    Ok(Value::Bool(
        x == y || (x - y).abs() <= (rel * x.abs().max(y.abs())).max(abs),
    ))
}

fn prod(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [xs, start] = bind("prod", a, ["iterable", "start"], 1)?;
    let mut acc = start.unwrap_or(Value::Int(1));
    for x in it.collect(&xs.expect("required"))? {
        acc = it.binary_op(crate::syntax::ast::BinOp::Mul, acc, x)?;
    }
    Ok(acc)
}

fn fsum(it: &mut Interp, a: Args) -> PyResult<Value> {
    let [xs] = bind("fsum", a, ["iterable"], 1)?;
    // Neumaier compensated summation.
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for x in it.collect(&xs.expect("required"))? {
        let x = num("fsum", &x)?;
        let t = s + x;
        c += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    Ok(Value::Float(s + c))
}

/// MT19937 as CPython's `random` module drives it.
struct Mt {
    state: [u32; 624],
    idx: usize,
}

thread_local! {
    static RNG: RefCell<Mt> = RefCell::new(Mt::from_seed(time_seed()));
}

fn time_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(5489)
}

impl Mt {
    fn init_genrand(s: u32) -> Mt {
        let mut state = [0u32; 624];
        state[0] = s;
        for i in 1..624 {
            state[i] = 1812433253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt { state, idx: 624 }
    }

    /// CPython's `init_by_array` with the seed's 32-bit words, low first.
    fn from_seed(seed: u64) -> Mt {
        let key: Vec<u32> = if seed >> 32 == 0 {
            vec![seed as u32]
        } else {
            vec![seed as u32, (seed >> 32) as u32]
        };
        let mut mt = Mt::init_genrand(19650218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        let n = 624;
        for _ in 0..n.max(key.len()) {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1664525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= n {
                s[0] = s[n - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..n - 1 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1566083941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= n {
                s[0] = s[n - 1];
                i = 1;
            }
        }
        s[0] = 0x8000_0000;
        mt
    }

    fn next_u32(&mut self) -> u32 {
        if self.idx >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = self.state[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[k] = v;
            }
            self.idx = 0;
        }
        let mut y = self.state[self.idx];
        self.idx += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
    }

    fn getrandbits(&mut self, k: u32) -> u64 {
        if k <= 32 {
            return (self.next_u32() >> (32 - k)) as u64;
        }
        let lo = self.next_u32() as u64;
        let hi = (self.next_u32() >> (64 - k)) as u64;
        lo | (hi << 32)
    }

    /// A uniform int in [0, n) by rejection, as CPython's `_randbelow`.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mt;

    #[test]
    fn matches_cpython_stream() {
        // CPython 3.11: random.seed(0); random.random() -> 0.8444218515250481,
        // then random.randint(1, 10) -> 7 on a fresh seed(0).
        let mut r = Mt::from_seed(0);
        assert_eq!(r.random(), 0.8444218515250481);
        let mut r = Mt::from_seed(0);
        assert_eq!(1 + r.below(10), 7);
    }
}
