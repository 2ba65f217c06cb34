//! `state_dict()` as an ordered name -> tensor map, and strict loading with
//! PyTorch's messages.

use super::Module;
use crate::{Error, Result, Tensor};

/// An ordered map from dotted names to tensors (PyTorch's `OrderedDict`).
#[derive(Clone, Default)]
pub struct StateDict {
    entries: Vec<(String, Tensor)>,
}

impl StateDict {
    pub fn new() -> Self {
        StateDict::default()
    }

    /// Inserts or replaces `key` (a replaced key keeps its position).
    pub fn insert(&mut self, key: impl Into<String>, t: Tensor) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = t,
            None => self.entries.push((key, t)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    pub fn remove(&mut self, key: &str) -> Option<Tensor> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
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

pub(super) fn load(m: &dyn Module, sd: &StateDict, strict: bool) -> Result<()> {
    let own = super::ModuleExt::named_parameters(m);
    let mut missing = Vec::new();
    let mut mismatch = Vec::new();
    let mut pairs = Vec::new();
    for (k, p) in &own {
        match sd.get(k) {
            None => missing.push(format!("\"{k}\"")),
            Some(t) if t.shape() != p.shape() => mismatch.push(format!(
                "size mismatch for {k}: copying a param with shape {} from checkpoint, the shape in current model is {}.",
                torch_size(t.shape()),
                torch_size(p.shape())
            )),
            Some(t) => pairs.push((p.clone(), t.clone())),
        }
    }
    let unexpected: Vec<String> = sd
        .keys()
        .filter(|k| !own.iter().any(|(o, _)| o == k))
        .map(|k| format!("\"{k}\""))
        .collect();
    let mut msgs = Vec::new();
    if strict && !missing.is_empty() {
        msgs.push(format!(
            "Missing key(s) in state_dict: {}. ",
            missing.join(", ")
        ));
    }
    if strict && !unexpected.is_empty() {
        msgs.push(format!(
            "Unexpected key(s) in state_dict: {}. ",
            unexpected.join(", ")
        ));
    }
    msgs.extend(mismatch);
    if !msgs.is_empty() {
        return Err(Error::invalid(format!(
            "Error(s) in loading state_dict for {}:\n\t{}",
            m.type_name(),
            msgs.join("\n\t")
        )));
    }
    let _g = crate::autograd::no_grad();
    for (p, t) in pairs {
        copy_values(&p, &t)?;
    }
    Ok(())
}
