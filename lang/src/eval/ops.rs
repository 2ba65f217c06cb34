//! Operators on Python values: arithmetic with int/float promotion and
//! Python's floor division and modulo, sequence concatenation and
//! repetition, comparisons (`==` across numbers, lexicographic sequences),
//! `in`, and dispatch to tensors and to user classes' dunder methods.

use super::call::Args;
use super::error::{exc, type_error, PyResult};
use super::interp::{hash_key, Interp};
use super::value::Value;
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use std::cmp::Ordering;
use std::rc::Rc;

fn dunder(op: BinOp) -> (&'static str, &'static str) {
    match op {
        BinOp::Add => ("__add__", "__radd__"),
        BinOp::Sub => ("__sub__", "__rsub__"),
        BinOp::Mul => ("__mul__", "__rmul__"),
        BinOp::MatMul => ("__matmul__", "__rmatmul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__"),
        BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__"),
        BinOp::Mod => ("__mod__", "__rmod__"),
        BinOp::Pow => ("__pow__", "__rpow__"),
        BinOp::LShift => ("__lshift__", "__rlshift__"),
        BinOp::RShift => ("__rshift__", "__rrshift__"),
        BinOp::BitOr => ("__or__", "__ror__"),
        BinOp::BitXor => ("__xor__", "__rxor__"),
        BinOp::BitAnd => ("__and__", "__rand__"),
    }
}

fn unsupported(op: BinOp, l: &Value, r: &Value) -> Box<super::error::PyErr> {
    type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        l.type_name(),
        r.type_name()
    ))
}

fn overflow() -> Box<super::error::PyErr> {
    exc("OverflowError", "integer overflow (ints are 64-bit here)")
}

pub fn int_pow(a: i64, b: i64) -> PyResult<Value> {
    if b < 0 {
        return float_pow(a as f64, b as f64).map(Value::Float);
    }
    let e = u32::try_from(b).map_err(|_| overflow())?;
    a.checked_pow(e).map(Value::Int).ok_or_else(overflow)
}

/// CPython's float `**`: zero to a negative power is a ZeroDivisionError,
/// an infinite result from finite operands an OverflowError (errno 34).
fn float_pow(a: f64, b: f64) -> PyResult<f64> {
    if a == 0.0 && b < 0.0 {
        return Err(exc(
            "ZeroDivisionError",
            "0.0 cannot be raised to a negative power",
        ));
    }
    let r = a.powf(b);
    if r.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(exc(
            "OverflowError",
            "(34, 'Numerical result out of range')",
        ));
    }
    Ok(r)
}

/// CPython's float divmod: `a == (a // b) * b + a % b` as closely as floats
/// allow, the remainder with b's sign (`2 // 0.1` is 19.0, not 20.0).
fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0f64.copysign(b);
    }
    let q = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0f64.copysign(a / b)
    };
    (q, m)
}

fn float_floordiv(a: f64, b: f64) -> PyResult<f64> {
    if b == 0.0 {
        return Err(exc("ZeroDivisionError", "float floor division by zero"));
    }
    Ok(float_divmod(a, b).0)
}

fn float_mod(a: f64, b: f64) -> PyResult<f64> {
    if b == 0.0 {
        return Err(exc("ZeroDivisionError", "float modulo"));
    }
    Ok(float_divmod(a, b).1)
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(*b as i64 as f64),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

/// `l op r` for the number cases decided inline by the evaluator: int
/// arithmetic that does not overflow, `%` and `//` by a positive int, and
/// float arithmetic with a float and an int or float. None: take the general
/// path (which also raises the errors). Some only when both operands are
/// numbers, so callers may skip dropping them.
#[inline(always)]
pub fn num_fast(op: BinOp, l: &Value, r: &Value) -> Option<Value> {
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => {
            let (a, b) = (*a, *b);
            match op {
                BinOp::Add => a.checked_add(b).map(Value::Int),
                BinOp::Sub => a.checked_sub(b).map(Value::Int),
                BinOp::Mul => a.checked_mul(b).map(Value::Int),
                // For b > 0, Python's floored % and // are the Euclidean ones.
                BinOp::Mod if b > 0 => Some(Value::Int(a.rem_euclid(b))),
                BinOp::FloorDiv if b > 0 => Some(Value::Int(a.div_euclid(b))),
                _ => None,
            }
        }
        (Value::Float(a), Value::Float(b)) => float_fast(op, *a, *b),
        (Value::Float(a), Value::Int(b)) => float_fast(op, *a, *b as f64),
        (Value::Int(a), Value::Float(b)) => float_fast(op, *a as f64, *b),
        _ => None,
    }
}

#[inline(always)]
fn float_fast(op: BinOp, a: f64, b: f64) -> Option<Value> {
    match op {
        BinOp::Add => Some(Value::Float(a + b)),
        BinOp::Sub => Some(Value::Float(a - b)),
        BinOp::Mul => Some(Value::Float(a * b)),
        BinOp::Div if b != 0.0 => Some(Value::Float(a / b)),
        _ => None,
    }
}

/// `l op r` for two ints or two floats, decided inline by the evaluator
/// (Some only for numbers, as with [`num_fast`]).
#[inline(always)]
pub fn cmp_fast(op: CmpOp, l: &Value, r: &Value) -> Option<bool> {
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => Some(match op {
            CmpOp::Eq | CmpOp::Is => a == b,
            CmpOp::NotEq | CmpOp::IsNot => a != b,
            CmpOp::Lt => a < b,
            CmpOp::LtE => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::GtE => a >= b,
            CmpOp::In | CmpOp::NotIn => return None,
        }),
        (Value::Float(a), Value::Float(b)) => Some(match op {
            CmpOp::Eq => a == b,
            CmpOp::NotEq => a != b,
            CmpOp::Lt => a < b,
            CmpOp::LtE => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::GtE => a >= b,
            _ => return None,
        }),
        _ => None,
    }
}

impl Interp {
    pub fn binary_op(&mut self, op: BinOp, l: Value, r: Value) -> PyResult<Value> {
        // Hot path: ints.
        if let (Value::Int(a), Value::Int(b)) = (&l, &r) {
            let (a, b) = (*a, *b);
            return match op {
                BinOp::Add => a.checked_add(b).map(Value::Int).ok_or_else(overflow),
                BinOp::Sub => a.checked_sub(b).map(Value::Int).ok_or_else(overflow),
                BinOp::Mul => a.checked_mul(b).map(Value::Int).ok_or_else(overflow),
                BinOp::Mod => {
                    if b == 0 {
                        return Err(exc("ZeroDivisionError", "integer modulo by zero"));
                    }
                    Ok(Value::Int(a.checked_rem_euclid(b).map_or(0, |m| {
                        if b < 0 && m != 0 {
                            m + b
                        } else {
                            m
                        }
                    })))
                }
                BinOp::FloorDiv => {
                    if b == 0 {
                        return Err(exc(
                            "ZeroDivisionError",
                            "integer division or modulo by zero",
                        ));
                    }
                    let q = a.checked_div(b).ok_or_else(overflow)?;
                    Ok(Value::Int(if (a % b != 0) && ((a < 0) != (b < 0)) {
                        q - 1
                    } else {
                        q
                    }))
                }
                BinOp::Div => {
                    if b == 0 {
                        return Err(exc("ZeroDivisionError", "division by zero"));
                    }
                    Ok(Value::Float(a as f64 / b as f64))
                }
                BinOp::Pow => int_pow(a, b),
                BinOp::BitAnd => Ok(Value::Int(a & b)),
                BinOp::BitOr => Ok(Value::Int(a | b)),
                BinOp::BitXor => Ok(Value::Int(a ^ b)),
                BinOp::LShift => {
                    if b < 0 {
                        return Err(exc("ValueError", "negative shift count"));
                    }
                    let r = a.checked_shl(b as u32).ok_or_else(overflow)?;
                    if b >= 64 || (r >> b) != a {
                        return Err(overflow());
                    }
                    Ok(Value::Int(r))
                }
                BinOp::RShift => {
                    if b < 0 {
                        return Err(exc("ValueError", "negative shift count"));
                    }
                    Ok(Value::Int(a >> b.min(63)))
                }
                BinOp::MatMul => Err(unsupported(op, &l, &r)),
            };
        }
        // `str % x` formats whatever x is (a tensor's `%f` reads its number).
        if let (BinOp::Mod, Value::Str(fmt)) = (op, &l) {
            return Ok(Value::str(&self.percent_format(fmt, &r)?));
        }
        if is_user_type(&l) || is_user_type(&r) {
            return self.binary_dispatch(op, &l, &r);
        }
        if let (Some(a), Some(b)) = (num(&l), num(&r)) {
            if let (Some(x), Some(y)) = (int_of(&l), int_of(&r)) {
                if op != BinOp::Div {
                    return self.binary_op(op, Value::Int(x), Value::Int(y));
                }
            }
            return Ok(Value::Float(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => {
                    if b == 0.0 {
                        return Err(exc(
                            "ZeroDivisionError",
                            if matches!(l, Value::Float(_)) || matches!(r, Value::Float(_)) {
                                "float division by zero"
                            } else {
                                "division by zero"
                            },
                        ));
                    }
                    a / b
                }
                BinOp::FloorDiv => float_floordiv(a, b)?,
                BinOp::Mod => float_mod(a, b)?,
                BinOp::Pow => float_pow(a, b)?,
                _ => return Err(unsupported(op, &l, &r)),
            }));
        }
        match (op, &l, &r) {
            (BinOp::Add, Value::Str(a), Value::Str(b)) => {
                let mut s = String::with_capacity(a.len() + b.len());
                s.push_str(a);
                s.push_str(b);
                return Ok(Value::Str(Rc::from(s)));
            }
            (BinOp::Add, Value::List(a), Value::List(b)) => {
                let mut v = a.borrow().clone();
                v.extend(b.borrow().iter().cloned());
                return Ok(Value::list(v));
            }
            (BinOp::Add, Value::Tuple(a), Value::Tuple(b)) => {
                let mut v = a.items.clone();
                v.extend(b.items.iter().cloned());
                return Ok(Value::tuple(v));
            }
            (
                BinOp::Mul,
                Value::Str(_) | Value::List(_) | Value::Tuple(_),
                Value::Int(_) | Value::Bool(_),
            ) => {
                return repeat(&l, int_of(&r).unwrap_or(0));
            }
            (
                BinOp::Mul,
                Value::Int(_) | Value::Bool(_),
                Value::Str(_) | Value::List(_) | Value::Tuple(_),
            ) => {
                return repeat(&r, int_of(&l).unwrap_or(0));
            }
            (BinOp::Mod, Value::Str(fmt), _) => {
                return Ok(Value::str(&self.percent_format(fmt, &r)?));
            }
            (BinOp::BitOr, Value::Dict(a), Value::Dict(b)) => {
                let mut d = a.borrow().clone();
                for (k, v) in b.borrow().iter() {
                    d.insert(hash_key(k)?, k.clone(), v.clone());
                }
                return Ok(Value::Dict(Rc::new(std::cell::RefCell::new(d))));
            }
            (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub, Value::Set(a), Value::Set(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                let items: Vec<Value> = match op {
                    BinOp::BitOr => a.keys().into_iter().chain(b.keys()).collect(),
                    BinOp::BitAnd => a
                        .keys()
                        .into_iter()
                        .filter(|k| Key::of(k).is_some_and(|kk| b.contains(&kk)))
                        .collect(),
                    _ => a
                        .keys()
                        .into_iter()
                        .filter(|k| !Key::of(k).is_some_and(|kk| b.contains(&kk)))
                        .collect(),
                };
                drop((a, b));
                return self.make_set(items);
            }
            _ => {}
        }
        if op == BinOp::Add {
            if let Value::Str(_) | Value::List(_) | Value::Tuple(_) = &l {
                if !matches!(r, Value::Instance(_)) {
                    return Err(type_error(format!(
                        "can only concatenate {} (not \"{}\") to {}",
                        l.type_name(),
                        r.type_name(),
                        l.type_name()
                    )));
                }
            }
        }
        Err(unsupported(op, &l, &r))
    }

    /// `l op r` when an operand is a native object or an instance: Python's
    /// protocol. The left operand's `__op__`, then the right one's
    /// `__rop__` (first when the right operand's class is a subclass of the
    /// left one's), each free to answer NotImplemented.
    fn binary_dispatch(&mut self, op: BinOp, l: &Value, r: &Value) -> PyResult<Value> {
        let right_first = matches!((l, r), (Value::Instance(a), Value::Instance(b))
            if !Rc::ptr_eq(&a.class, &b.class) && b.class.is_subclass(&a.class));
        if right_first {
            if let Some(v) = self.binary_side(op, r, l, true)? {
                return Ok(v);
            }
        }
        if let Some(v) = self.binary_side(op, l, r, false)? {
            return Ok(v);
        }
        if !right_first {
            if let Some(v) = self.binary_side(op, r, l, true)? {
                return Ok(v);
            }
        }
        Err(unsupported(op, l, r))
    }

    /// One operand's answer to `l op r` (`reflected`: `this` is the right
    /// operand); None for NotImplemented.
    fn binary_side(
        &mut self,
        op: BinOp,
        this: &Value,
        other: &Value,
        reflected: bool,
    ) -> PyResult<Option<Value>> {
        match this {
            Value::Object(o) => o.binary(self, op, other, reflected),
            Value::Instance(_) => {
                let (name, rname) = dunder(op);
                self.operator_dunder(this, if reflected { rname } else { name }, other)
            }
            _ => Ok(None),
        }
    }

    /// `this.name(other)` if the class defines it; None for a missing
    /// method or a `NotImplemented` answer.
    fn operator_dunder(
        &mut self,
        this: &Value,
        name: &str,
        other: &Value,
    ) -> PyResult<Option<Value>> {
        if !self.class_of(this).has(name) {
            return Ok(None);
        }
        let v = self.call_method(this, name, Args::new(vec![other.clone()]))?;
        Ok(if self.is_not_implemented(&v) {
            None
        } else {
            Some(v)
        })
    }

    /// Whether `v` is the `NotImplemented` singleton.
    pub fn is_not_implemented(&self, v: &Value) -> bool {
        v.is_same(&self.types.not_implemented)
    }

    /// `a op= b`: lists extend in place, tensors update in place, the rest rebinds.
    pub fn inplace_op(&mut self, op: BinOp, l: Value, r: Value) -> PyResult<Value> {
        match (&l, op) {
            (Value::List(a), BinOp::Add) => {
                let items = self.collect(&r)?;
                a.borrow_mut().extend(items);
                Ok(l)
            }
            (Value::Object(o), _) => match o.inplace(self, &l, op, &r)? {
                Some(v) => Ok(v),
                None => self.binary_op(op, l, r),
            },
            (Value::Instance(i), _) => {
                let name = format!("__i{}", &dunder(op).0[2..]);
                if i.class.has(&name) {
                    let v = self.call_method(&l, &name, Args::new(vec![r.clone()]))?;
                    if !self.is_not_implemented(&v) {
                        return Ok(v);
                    }
                }
                self.binary_op(op, l, r)
            }
            _ => self.binary_op(op, l, r),
        }
    }

    pub fn unary_op(&mut self, op: UnaryOp, v: Value) -> PyResult<Value> {
        match (op, &v) {
            (UnaryOp::Not, _) => Ok(Value::Bool(!self.truthy(&v)?)),
            (UnaryOp::Neg, Value::Int(i)) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
            (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
            (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnaryOp::Pos, Value::Int(_) | Value::Float(_)) => Ok(v),
            (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
            (UnaryOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
            (UnaryOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i64))),
            (_, Value::Object(o)) => match o.unary(self, op)? {
                Some(r) => Ok(r),
                None => Err(bad_unary(op, &v)),
            },
            (_, Value::Instance(i)) => {
                let name = match op {
                    UnaryOp::Neg => "__neg__",
                    UnaryOp::Pos => "__pos__",
                    _ => "__invert__",
                };
                if i.class.lookup(name).is_some() {
                    return self.call_method(&v, name, Args::default());
                }
                Err(bad_unary(op, &v))
            }
            _ => Err(bad_unary(op, &v)),
        }
    }

    pub fn compare(&mut self, op: CmpOp, l: &Value, r: &Value) -> PyResult<Value> {
        if let (Value::Int(a), Value::Int(b)) = (l, r) {
            return Ok(Value::Bool(match op {
                CmpOp::Eq => a == b,
                CmpOp::NotEq => a != b,
                CmpOp::Lt => a < b,
                CmpOp::LtE => a <= b,
                CmpOp::Gt => a > b,
                CmpOp::GtE => a >= b,
                CmpOp::Is => a == b,
                CmpOp::IsNot => a != b,
                CmpOp::In | CmpOp::NotIn => {
                    return Err(type_error("argument of type 'int' is not iterable"))
                }
            }));
        }
        match op {
            CmpOp::Is => return Ok(Value::Bool(l.is_same(r))),
            CmpOp::IsNot => return Ok(Value::Bool(!l.is_same(r))),
            CmpOp::In => return Ok(Value::Bool(self.contains(r, l)?)),
            CmpOp::NotIn => return Ok(Value::Bool(!self.contains(r, l)?)),
            _ => {}
        }
        if is_user_type(l) || is_user_type(r) {
            if let Some(v) = self.compare_side(op, l, r, false)? {
                return Ok(v);
            }
            if let Some(v) = self.compare_side(mirror(op), r, l, true)? {
                return Ok(v);
            }
            // Neither side orders the pair: Python's TypeError (`order`
            // would ask `compare` again, forever).
            if !matches!(op, CmpOp::Eq | CmpOp::NotEq) {
                return Err(type_error(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.symbol(),
                    l.type_name(),
                    r.type_name()
                )));
            }
        }
        match op {
            CmpOp::Eq => Ok(Value::Bool(self.eq(l, r)?)),
            CmpOp::NotEq => Ok(Value::Bool(!self.eq(l, r)?)),
            _ => {
                let ord = self.order(l, r).map_err(|e| {
                    if !e.is("TypeError") {
                        return e;
                    }
                    type_error(format!(
                        "'{}' not supported between instances of '{}' and '{}'",
                        op.symbol(),
                        l.type_name(),
                        r.type_name()
                    ))
                })?;
                Ok(Value::Bool(match (op, ord) {
                    (_, None) => false,
                    (CmpOp::Lt, Some(o)) => o == Ordering::Less,
                    (CmpOp::LtE, Some(o)) => o != Ordering::Greater,
                    (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
                    (_, Some(o)) => o != Ordering::Less,
                }))
            }
        }
    }

    /// `l == r` as a bool. Containers compare their items one level deeper,
    /// within the call depth limit (a list that contains itself is
    /// CPython's RecursionError, not a crash).
    pub fn eq(&mut self, l: &Value, r: &Value) -> PyResult<bool> {
        if matches!(l, Value::List(_) | Value::Tuple(_) | Value::Dict(_)) {
            return self.one_level_deeper("in comparison", |it| it.eq_items(l, r));
        }
        self.eq_items(l, r)
    }

    fn eq_items(&mut self, l: &Value, r: &Value) -> PyResult<bool> {
        Ok(match (l, r) {
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::None, Value::None) => true,
            (Value::List(a), Value::List(b)) => {
                if Rc::ptr_eq(a, b) {
                    return Ok(true);
                }
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                self.seq_eq(&a, &b)?
            }
            (Value::Tuple(a), Value::Tuple(b)) => {
                let named = |t: &super::value::Tuple| {
                    t.class.as_ref().is_some_and(|c| !c.fields.is_empty())
                };
                if named(a) != named(b) {
                    false
                } else {
                    self.seq_eq(&a.items, &b.items)?
                }
            }
            (Value::Dict(a), Value::Dict(b)) => {
                if Rc::ptr_eq(a, b) {
                    return Ok(true);
                }
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                if a.len() != b.len() {
                    return Ok(false);
                }
                for (k, v) in a.iter() {
                    let Some(key) = Key::of(k) else {
                        return Ok(false);
                    };
                    match b.get(&key) {
                        Some(w) => {
                            if !(same_object(v, w) || self.eq(v, w)?) {
                                return Ok(false);
                            }
                        }
                        None => return Ok(false),
                    }
                }
                true
            }
            (Value::Set(a), Value::Set(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len()
                    && a.keys()
                        .iter()
                        .all(|k| Key::of(k).is_some_and(|kk| b.contains(&kk)))
            }
            (Value::Range(a), Value::Range(b)) => a == b,
            (Value::Object(_) | Value::Instance(_), _)
            | (_, Value::Object(_) | Value::Instance(_)) => {
                if let Some(v) = self.compare_side(CmpOp::Eq, l, r, false)? {
                    return self.truthy(&v);
                }
                if let Some(v) = self.compare_side(CmpOp::Eq, r, l, true)? {
                    return self.truthy(&v);
                }
                l.is_same(r)
            }
            _ => match (num(l), num(r)) {
                (Some(a), Some(b)) => a == b,
                _ => l.is_same(r),
            },
        })
    }

    fn seq_eq(&mut self, a: &[Value], b: &[Value]) -> PyResult<bool> {
        if a.len() != b.len() {
            return Ok(false);
        }
        for (x, y) in a.iter().zip(b) {
            if !(same_object(x, y) || self.eq(x, y)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Ordering for `<` and `sorted`: numbers, strings, sequences lexicographically.
    pub fn order(&mut self, l: &Value, r: &Value) -> PyResult<Option<Ordering>> {
        if matches!(l, Value::List(_) | Value::Tuple(_)) {
            return self.one_level_deeper("in comparison", |it| it.order_items(l, r));
        }
        self.order_items(l, r)
    }

    fn order_items(&mut self, l: &Value, r: &Value) -> PyResult<Option<Ordering>> {
        match (l, r) {
            (Value::Str(a), Value::Str(b)) => Ok(Some(a.cmp(b))),
            (Value::List(_) | Value::Tuple(_), Value::List(_) | Value::Tuple(_))
                if std::mem::discriminant(l) == std::mem::discriminant(r) =>
            {
                let a = self.collect(l)?;
                let b = self.collect(r)?;
                for (x, y) in a.iter().zip(&b) {
                    if !self.eq(x, y)? {
                        return self.order(x, y);
                    }
                }
                Ok(Some(a.len().cmp(&b.len())))
            }
            (Value::Object(_) | Value::Instance(_), _)
            | (_, Value::Object(_) | Value::Instance(_)) => {
                let lt = self.compare(CmpOp::Lt, l, r)?;
                if self.truthy(&lt)? {
                    return Ok(Some(Ordering::Less));
                }
                let gt = self.compare(CmpOp::Lt, r, l)?;
                Ok(Some(if self.truthy(&gt)? {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }))
            }
            _ => match (num(l), num(r)) {
                (Some(a), Some(b)) => Ok(a.partial_cmp(&b)),
                _ => Err(type_error("not comparable")),
            },
        }
    }

    /// `needle in haystack`.
    pub fn contains(&mut self, hay: &Value, needle: &Value) -> PyResult<bool> {
        match hay {
            Value::Str(s) => match needle {
                Value::Str(n) => Ok(s.contains(&**n)),
                _ => Err(type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    needle.type_name()
                ))),
            },
            Value::Dict(d) | Value::Set(d) => Ok(d.borrow().contains(&hash_key(needle)?)),
            Value::Range(r) => Ok(match needle {
                Value::Int(i) => {
                    let (s, e, st) = **r;
                    if st > 0 {
                        *i >= s && *i < e && (i - s) % st == 0
                    } else {
                        *i <= s && *i > e && (s - i) % (-st) == 0
                    }
                }
                _ => false,
            }),
            Value::Instance(_) | Value::Object(_) if self.class_of(hay).has("__contains__") => {
                let v = self.call_method(hay, "__contains__", Args::new(vec![needle.clone()]))?;
                self.truthy(&v)
            }
            _ => {
                let items = self.collect(hay)?;
                for x in &items {
                    if self.eq(x, needle)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }
}

use super::dict::Key;

/// Operands whose operators the protocol decides (native objects, user instances).
#[inline]
fn is_user_type(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Instance(_))
}

/// `a op b` as `b op' a`.
pub fn mirror(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtE => CmpOp::GtE,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtE => CmpOp::LtE,
        o => o,
    }
}

fn cmp_dunder(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "__lt__",
        CmpOp::LtE => "__le__",
        CmpOp::Gt => "__gt__",
        CmpOp::GtE => "__ge__",
        CmpOp::Eq => "__eq__",
        _ => "__ne__",
    }
}

impl Interp {
    /// One operand's answer to a comparison (`reflected`: `this` was the
    /// right operand and `op` is mirrored); None for NotImplemented.
    fn compare_side(
        &mut self,
        op: CmpOp,
        this: &Value,
        other: &Value,
        reflected: bool,
    ) -> PyResult<Option<Value>> {
        match this {
            Value::Object(o) => o.compare(self, op, other, reflected),
            Value::Instance(_) => self.operator_dunder(this, cmp_dunder(op), other),
            _ => Ok(None),
        }
    }
}

/// `seq * n`: the size is checked first, so a huge product is a
/// MemoryError (CPython's), not an abort.
fn repeat(v: &Value, n: i64) -> PyResult<Value> {
    let n = n.max(0) as usize;
    let total = |len: usize, elem: usize| -> PyResult<usize> {
        let count = len.checked_mul(n).ok_or_else(|| exc("MemoryError", ""))?;
        let bytes = count
            .checked_mul(elem)
            .ok_or_else(|| exc("MemoryError", ""))?;
        super::error::check_alloc(bytes)?;
        Ok(count)
    };
    Ok(match v {
        Value::Str(s) => {
            total(s.len(), 1)?;
            Value::str(&s.repeat(n))
        }
        Value::List(l) => {
            let src = l.borrow();
            let mut out = Vec::with_capacity(total(src.len(), std::mem::size_of::<Value>())?);
            for _ in 0..n {
                out.extend(src.iter().cloned());
            }
            Value::list(out)
        }
        Value::Tuple(t) => {
            let mut out = Vec::with_capacity(total(t.items.len(), std::mem::size_of::<Value>())?);
            for _ in 0..n {
                out.extend(t.items.iter().cloned());
            }
            Value::tuple(out)
        }
        _ => Value::None,
    })
}

fn bad_unary(op: UnaryOp, v: &Value) -> Box<super::error::PyErr> {
    type_error(format!(
        "bad operand type for unary {}: '{}'",
        op.symbol(),
        v.type_name()
    ))
}

/// Containers compare their items as CPython's `PyObject_RichCompareBool`
/// does: the same object is equal to itself without asking it (a list that
/// contains itself, a tensor in two lists). Floats are values here, not
/// objects, so NaN stays unequal.
fn same_object(x: &Value, y: &Value) -> bool {
    !matches!(x, Value::Float(_)) && x.is_same(y)
}
