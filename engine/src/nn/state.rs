//! `state_dict()` as an ordered name -> tensor map, and `load_state_dict`
//! with PyTorch's checks and messages: shapes must match exactly (never
//! broadcast), missing and unexpected keys fail a strict load and are
//! returned by a non-strict one, and a load that fails writes nothing.

use std::collections::{HashMap, HashSet};

use super::Module;
use crate::{Error, Result, Tensor};

/// An ordered map from dotted names to tensors (PyTorch's `OrderedDict`),
/// with a hash index so that building one of n entries is O(n).
#[derive(Clone, Default)]
pub struct StateDict {
    entries: Vec<(String, Tensor)>,
    index: HashMap<String, usize>,
}

impl StateDict {
    pub fn new() -> Self {
        StateDict::default()
    }

    /// Inserts or replaces `key` (a replaced key keeps its position).
    pub fn insert(&mut self, key: impl Into<String>, t: Tensor) {
        let key = key.into();
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1 = t,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, t));
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    pub fn remove(&mut self, key: &str) -> Option<Tensor> {
        let i = self.index.remove(key)?;
        let (_, t) = self.entries.remove(i);
        for (k, _) in &self.entries[i..] {
            if let Some(j) = self.index.get_mut(k) {
                *j -= 1;
            }
        }
        Some(t)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.entries.iter().map(|(k, t)| (k.as_str(), t))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(String, Tensor)> for StateDict {
    fn from_iter<I: IntoIterator<Item = (String, Tensor)>>(it: I) -> Self {
        let mut sd = StateDict::new();
        for (k, t) in it {
            sd.insert(k, t);
        }
        sd
    }
}

impl std::fmt::Debug for StateDict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, t)| (k, t.shape())))
            .finish()
    }
}

/// `torch.Size([2, 3])`.
pub(crate) fn torch_size(s: &[usize]) -> String {
    let inner: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("torch.Size([{}])", inner.join(", "))
}

/// Copies `src`'s values into the tensor `dst` in place (same shape),
/// converting dtype and device, and bumps `dst`'s version counter.
pub(crate) fn copy_values(dst: &Tensor, src: &Tensor) -> Result<()> {
    let src = src.to_dtype(dst.dtype())?.to_device(dst.device())?;
    let src_storage = src.storage().clone();
    dst.storage_mut()
        .copy_into(dst.layout(), &src_storage, src.layout())?;
    dst.storage_cell().bump_version();
    Ok(())
}

/// What a non-strict `load_state_dict` reports (PyTorch's
/// `_IncompatibleKeys`): parameters the state dict lacks, and its keys the
/// module does not have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IncompatibleKeys {
    pub missing_keys: Vec<String>,
    pub unexpected_keys: Vec<String>,
}

pub(super) fn load(m: &dyn Module, sd: &StateDict, strict: bool) -> Result<IncompatibleKeys> {
    let own = super::ModuleExt::state_entries(m);
    load_named(&m.type_name(), &own, sd, strict)
}

/// `load_state_dict` for a module of class `type_name` whose tensors (in
/// `named_parameters` order, buffers included if it has any) are `own`:
/// the engine's half of the language's `Module.load_state_dict`. Checks
/// everything first, then copies every value in place (converting dtype
/// and device), so an error leaves every tensor as it was.
pub fn load_named(
    type_name: &str,
    own: &[(String, Tensor)],
    sd: &StateDict,
    strict: bool,
) -> Result<IncompatibleKeys> {
    let mut keys = IncompatibleKeys::default();
    let mut mismatch = Vec::new();
    let mut pairs = Vec::new();
    for (k, p) in own {
        match sd.get(k) {
            None => keys.missing_keys.push(k.clone()),
            Some(t) if t.shape() != p.shape() => mismatch.push(format!(
                "size mismatch for {k}: copying a param with shape {} from checkpoint, the shape in current model is {}.",
                torch_size(t.shape()),
                torch_size(p.shape())
            )),
            Some(t) => pairs.push((p.clone(), t.clone())),
        }
    }
    let names: HashSet<&str> = own.iter().map(|(o, _)| o.as_str()).collect();
    keys.unexpected_keys = sd
        .keys()
        .filter(|k| !names.contains(k))
        .map(str::to_string)
        .collect();
    let quoted = |v: &[String]| {
        v.iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut msgs = Vec::new();
    if strict && !keys.missing_keys.is_empty() {
        msgs.push(format!(
            "Missing key(s) in state_dict: {}. ",
            quoted(&keys.missing_keys)
        ));
    }
    if strict && !keys.unexpected_keys.is_empty() {
        msgs.push(format!(
            "Unexpected key(s) in state_dict: {}. ",
            quoted(&keys.unexpected_keys)
        ));
    }
    msgs.extend(mismatch);
    if !msgs.is_empty() {
        return Err(Error::invalid(format!(
            "Error(s) in loading state_dict for {type_name}:\n\t{}",
            msgs.join("\n\t")
        )));
    }
    // Convert everything before writing anything (a conversion can fail).
    let converted = pairs
        .into_iter()
        .map(|(p, t)| Ok((t.to_dtype(p.dtype())?.to_device(p.device())?, p)))
        .collect::<Result<Vec<_>>>()?;
    let _g = crate::autograd::no_grad();
    for (t, p) in converted {
        copy_values(&p, &t)?;
    }
    Ok(keys)
}
