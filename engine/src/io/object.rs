//! The checkpoint object tree: what `torch.save(obj)` can hold (tensors,
//! exact ints, floats, bools, strings, None, lists, tuples and ordered
//! dicts with string or int keys), and its JSON form in a safetensors
//! header.
//!
//! Tensors are stored as safetensors entries and referenced from the tree
//! by name; every other value lives in the JSON itself, typed so that it
//! loads back as it was: ints as decimal strings (every bit of an i64),
//! floats as their shortest round-trip text (NaN and infinities included),
//! `1` and `"1"` as different keys, tuples apart from lists.
//!
//! Knows nothing of files (that is `io/mod.rs`) or of the language.

use serde_json::{json, Map, Value};

use crate::{Error, Result, Tensor};

/// A value a checkpoint holds.
#[derive(Clone, Debug)]
pub enum Object {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Tensor(Tensor),
    List(Vec<Object>),
    Tuple(Vec<Object>),
    /// Insertion-ordered, as a Python dict.
    Dict(Vec<(Key, Object)>),
}

/// A dict key: strings and ints stay distinct (`1` is not `"1"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Str(String),
    Int(i64),
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Str(s.to_string())
    }
}

impl From<i64> for Key {
    fn from(i: i64) -> Self {
        Key::Int(i)
    }
}

impl Object {
    /// The value at `key` of a dict.
    pub fn get(&self, key: &Key) -> Option<&Object> {
        match self {
            Object::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A flat dict of string keys and tensors, in order.
    pub fn from_tensors<'a>(items: impl IntoIterator<Item = (&'a str, &'a Tensor)>) -> Object {
        Object::Dict(
            items
                .into_iter()
                .map(|(k, t)| (Key::Str(k.to_string()), Object::Tensor(t.clone())))
                .collect(),
        )
    }
}

/// The tree as JSON, each tensor replaced by `{"tensor": name}` with the
/// name `name_of` gives it (called once per tensor, depth first).
pub(crate) fn encode(obj: &Object, name_of: &mut dyn FnMut(&[&Key], &Tensor) -> String) -> Value {
    fn go(
        obj: &Object,
        path: &mut Vec<Key>,
        name_of: &mut dyn FnMut(&[&Key], &Tensor) -> String,
    ) -> Value {
        match obj {
            Object::None => Value::Null,
            Object::Bool(b) => Value::Bool(*b),
            Object::Int(i) => json!({ "int": i.to_string() }),
            Object::Float(f) => json!({ "float": float_text(*f) }),
            Object::Str(s) => Value::String(s.clone()),
            Object::Tensor(t) => {
                let refs: Vec<&Key> = path.iter().collect();
                json!({ "tensor": name_of(&refs, t) })
            }
            Object::List(v) => Value::Array(
                v.iter()
                    .enumerate()
                    .map(|(i, x)| with_key(path, Key::Int(i as i64), |p| go(x, p, name_of)))
                    .collect(),
            ),
            Object::Tuple(v) => {
                let items: Vec<Value> = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| with_key(path, Key::Int(i as i64), |p| go(x, p, name_of)))
                    .collect();
                json!({ "tuple": items })
            }
            Object::Dict(items) => {
                let pairs: Vec<Value> = items
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Key::Str(s) => Value::String(s.clone()),
                            Key::Int(i) => json!({ "int": i.to_string() }),
                        };
                        let val = with_key(path, k.clone(), |p| go(v, p, name_of));
                        Value::Array(vec![key, val])
                    })
                    .collect();
                json!({ "dict": pairs })
            }
        }
    }
    go(obj, &mut Vec::new(), name_of)
}

fn with_key<T>(path: &mut Vec<Key>, k: Key, f: impl FnOnce(&mut Vec<Key>) -> T) -> T {
    path.push(k);
    let r = f(path);
    path.pop();
    r
}

/// Rust's shortest round-trip text of a float, with Python's names for
/// the values JSON has no number for.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{f:?}")
    }
}

/// The tree back from JSON, each `{"tensor": name}` resolved by `tensor`.
pub(crate) fn decode(v: &Value, tensor: &mut dyn FnMut(&str) -> Result<Tensor>) -> Result<Object> {
    let bad = |what: &str| Error::Io(format!("checkpoint structure: {what}"));
    Ok(match v {
        Value::Null => Object::None,
        Value::Bool(b) => Object::Bool(*b),
        Value::String(s) => Object::Str(s.clone()),
        Value::Array(items) => Object::List(
            items
                .iter()
                .map(|x| decode(x, tensor))
                .collect::<Result<_>>()?,
        ),
        Value::Object(m) => {
            let (tag, body) = single(m).ok_or_else(|| bad("an object with one tag expected"))?;
            match (tag, body) {
                ("int", Value::String(s)) => Object::Int(s.parse().map_err(|_| bad("bad int"))?),
                ("float", Value::String(s)) => {
                    Object::Float(parse_float(s).ok_or_else(|| bad("bad float"))?)
                }
                ("tensor", Value::String(name)) => Object::Tensor(tensor(name)?),
                ("tuple", Value::Array(items)) => Object::Tuple(
                    items
                        .iter()
                        .map(|x| decode(x, tensor))
                        .collect::<Result<_>>()?,
                ),
                ("dict", Value::Array(pairs)) => {
                    let mut out = Vec::with_capacity(pairs.len());
                    for p in pairs {
                        let [k, v] = p.as_array().map(|a| a.as_slice()).unwrap_or(&[]) else {
                            return Err(bad("a dict item is not a [key, value] pair"));
                        };
                        let key = match k {
                            Value::String(s) => Key::Str(s.clone()),
                            Value::Object(km) => match single(km) {
                                Some(("int", Value::String(s))) => {
                                    Key::Int(s.parse().map_err(|_| bad("bad int key"))?)
                                }
                                _ => return Err(bad("unknown key type")),
                            },
                            _ => return Err(bad("unknown key type")),
                        };
                        out.push((key, decode(v, tensor)?));
                    }
                    Object::Dict(out)
                }
                (t, _) => return Err(bad(&format!("unknown tag \"{t}\""))),
            }
        }
        Value::Number(_) => return Err(bad("a bare number")),
    })
}

fn single(m: &Map<String, Value>) -> Option<(&str, &Value)> {
    if m.len() != 1 {
        return None;
    }
    m.iter().next().map(|(k, v)| (k.as_str(), v))
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        s => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_json_exactly() {
        let obj = Object::Dict(vec![
            (Key::from("seed"), Object::Int((1 << 62) + 1)),
            (Key::from(1), Object::Str("int key".into())),
            (Key::from("1"), Object::Str("str key".into())),
            (
                Key::from("f"),
                Object::List(vec![
                    Object::Float(0.1),
                    Object::Float(f64::NAN),
                    Object::Float(-0.0),
                    Object::Float(f64::NEG_INFINITY),
                ]),
            ),
            (
                Key::from("t"),
                Object::Tuple(vec![Object::None, Object::Bool(true)]),
            ),
        ]);
        let v = encode(&obj, &mut |_, _| unreachable!("no tensors"));
        let back = decode(&v, &mut |_| unreachable!("no tensors")).unwrap();
        let Object::Dict(items) = back else {
            panic!("{back:?}")
        };
        assert!(
            matches!(items[0], (Key::Str(ref k), Object::Int(i)) if k == "seed" && i == (1 << 62) + 1)
        );
        assert!(matches!(items[1], (Key::Int(1), Object::Str(ref s)) if s == "int key"));
        assert!(
            matches!(items[2], (Key::Str(ref k), Object::Str(ref s)) if k == "1" && s == "str key")
        );
        let Object::List(f) = &items[3].1 else {
            panic!()
        };
        let bits: Vec<u64> = f
            .iter()
            .map(|x| match x {
                Object::Float(v) => v.to_bits(),
                _ => 0,
            })
            .collect();
        assert_eq!(bits[0], 0.1f64.to_bits());
        assert!(f64::from_bits(bits[1]).is_nan());
        assert_eq!(bits[2], (-0.0f64).to_bits());
        assert_eq!(bits[3], f64::NEG_INFINITY.to_bits());
        assert!(
            matches!(&items[4].1, Object::Tuple(t) if matches!(t[..], [Object::None, Object::Bool(true)]))
        );
    }
}
