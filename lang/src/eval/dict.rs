//! Python's insertion-ordered dict (also the storage of sets): entries in a
//! vector, a hash index from [`Key`] to position, tombstones on delete.

use super::value::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// The hashable form of a value. Numbers that compare equal hash equal
/// (`1 == 1.0 == True`), as in Python; objects hash by identity.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    None,
    Int(i64),
    Float(u64),
    Str(Rc<str>),
    Tuple(Vec<Key>),
    Id(usize),
}

impl Key {
    /// The key of `v`, or None for unhashable values (list, dict, set).
    pub fn of(v: &Value) -> Option<Key> {
        Some(match v {
            Value::None => Key::None,
            Value::Bool(b) => Key::Int(*b as i64),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e18 {
                    Key::Int(*f as i64)
                } else {
                    Key::Float(f.to_bits())
                }
            }
            Value::Str(s) => Key::Str(s.clone()),
            Value::Tuple(t) => Key::Tuple(t.items.iter().map(Key::of).collect::<Option<_>>()?),
            Value::List(_) | Value::Dict(_) | Value::Set(_) => return None,
            Value::Object(o) => match o.hash_key() {
                Some(k) => Key::Str(Rc::from(k)),
                None => Key::Id(v.identity()),
            },
            other => Key::Id(other.identity()),
        })
    }
}

#[derive(Default, Clone)]
pub struct Dict {
    entries: Vec<Option<(Value, Value)>>,
    index: HashMap<Key, usize>,
    live: usize,
    /// For a dict of a subclass of `dict` (`defaultdict`, `OrderedDict`,
    /// `Counter`): its class and state.
    pub kind: Option<Rc<DictKind>>,
}

/// What a dict of a `dict` subclass carries: its class (whose methods and
/// `__missing__`/`__repr__` apply before dict's) and a defaultdict's
/// `default_factory`.
pub struct DictKind {
    pub class: Rc<super::value::Class>,
    pub factory: std::cell::RefCell<Value>,
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn get(&self, k: &Key) -> Option<&Value> {
        self.index
            .get(k)
            .and_then(|&i| self.entries[i].as_ref().map(|e| &e.1))
    }

    pub fn contains(&self, k: &Key) -> bool {
        self.index.contains_key(k)
    }

    pub fn insert(&mut self, key: Key, kv: Value, v: Value) {
        if let Some(&i) = self.index.get(&key) {
            if let Some(e) = self.entries[i].as_mut() {
                e.1 = v;
                return;
            }
        }
        self.index.insert(key, self.entries.len());
        self.entries.push(Some((kv, v)));
        self.live += 1;
    }

    pub fn remove(&mut self, k: &Key) -> Option<(Value, Value)> {
        let i = self.index.remove(k)?;
        let e = self.entries[i].take();
        self.live -= 1;
        if self.entries.len() > 32 && self.live * 2 < self.entries.len() {
            self.compact();
        }
        e
    }

    fn compact(&mut self) {
        self.entries.retain(|e| e.is_some());
        self.index.clear();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some((k, _)) = e {
                if let Some(key) = Key::of(k) {
                    self.index.insert(key, i);
                }
            }
        }
    }

    pub fn clear(&mut self) {
        *self = Dict::default();
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().flatten().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|(k, _)| k.clone()).collect()
    }

    pub fn values(&self) -> Vec<Value> {
        self.iter().map(|(_, v)| v.clone()).collect()
    }

    /// `popitem()`: the last inserted pair.
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        let (k, _) = self.entries.iter().rev().flatten().next()?;
        let key = Key::of(k)?;
        self.remove(&key)
    }
}
