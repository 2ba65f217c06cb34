//! The library: Python's builtins and modules, and the PyTorch-named tensor
//! library bound to the engine, as tables of declarations ([`crate::bind`]),
//! one file per family. The evaluator knows none of it; [`install`] puts it
//! into an interpreter.
//!
//! | family | what |
//! |---|---|
//! | `python/` | builtins (`print len range ...`), the methods of `str list dict ...`, `math time random sys os itertools functools collections` |
//! | `torch/` | the tensor type, dtypes and devices, creation, pointwise math, reductions, shapes and indexing, linear algebra, autograd |
//! | `nn/` | `nn.Module` (the engine's `Module` for classes written in the language), the engine's layers, `F`, `init`, `utils` |
//! | `optim` | optimizers and schedulers over the engine's |
//! | `data` | `Dataset`, `TensorDataset`, `DataLoader` |
//! | `distributed` | `torch.distributed`, `DistributedDataParallel`, `DistributedSampler` over the engine's |
//! | `io` | `torch.save` / `torch.load`, MNIST |
//! | `viz` | `graph show tqdm`, display ids |
//! | `figure` | `plot scatter hist bar heatmap subplots` (Figure, Axes), `confusion_matrix` |
//! | `transformers` | `AutoModelForCausalLM`, `AutoTokenizer`, `TextStreamer` over the engine's `llm` |
//! | `introspect` | completion, `help`, Jupyter's inspect, `dir` |

pub mod data;
pub mod distributed;
pub mod errors;
pub mod figure;
pub mod introspect;
pub mod io;
pub mod ipython;
pub mod nn;
pub mod optim;
pub mod python;
pub mod torch;
pub mod transformers;
pub mod viz;

use crate::eval::value::{Class, ClassKind, ModuleObj, Value};
use crate::eval::Interp;
use std::rc::Rc;

pub use errors::{from_engine, EngineResult};

/// Puts the whole library into `it`.
pub fn install(it: &mut Interp) {
    python::install(it);
    torch::install(it);
    nn::install(it);
    optim::install(it);
    data::install(it);
    distributed::install(it);
    io::install(it);
    viz::install(it);
    figure::install(it);
    introspect::install(it);
    ipython::install(it);
    transformers::install(it);
}

/// What a value shows as a cell's last expression or through `display()`:
/// a tensor with its HTML table, a figure as its picture, anything else as
/// its repr.
pub fn display_of(it: &mut Interp, v: &Value) -> crate::eval::error::PyResult<crate::Display> {
    let text = it.repr(v)?;
    if let Some(t) = v.downcast::<tinytorch::Tensor>() {
        return Ok(viz::tensor_display(t, text));
    }
    match figure::figure_display(v, text.clone()) {
        Some(d) => d,
        None => Ok(crate::Display::text(text)),
    }
}

/// A module registered under its dotted name (and as an attribute of its
/// parent); an existing one is returned as it is.
pub fn module(it: &mut Interp, path: &str, doc: &str) -> Rc<ModuleObj> {
    if let Some(Value::Module(m)) = it.modules.get(path) {
        return m.clone();
    }
    let m = ModuleObj::new(path, doc);
    if let Some((parent, leaf)) = path.rsplit_once('.') {
        if let Some(Value::Module(p)) = it.modules.get(parent) {
            p.set(leaf, Value::Module(m.clone()));
        }
    }
    it.modules
        .insert(path.to_string(), Value::Module(m.clone()));
    m
}

/// A library class: `module` is what `<class '...'>` prints.
pub fn class(name: &str, module: &str, bases: &[&Rc<Class>], doc: &str) -> Rc<Class> {
    let c = Class::new(
        name,
        bases.iter().map(|b| (*b).clone()).collect(),
        ClassKind::Object,
        module,
    );
    c.set("__doc__", Value::str(doc));
    c
}

/// Where a native type keeps its class: one per interpreter thread (each
/// session runs on its own thread), set when the library is installed.
pub type ClassSlot = std::thread::LocalKey<std::cell::RefCell<Option<Rc<Class>>>>;

/// The class in `slot` (a bare one of that name before install, so that
/// `type()` stays total).
pub fn class_in(slot: &'static ClassSlot, name: &str) -> Rc<Class> {
    slot.with(|c| c.borrow().clone())
        .unwrap_or_else(|| Class::new(name, vec![], ClassKind::Object, "builtins"))
}

pub fn set_class(slot: &'static ClassSlot, c: &Rc<Class>) {
    slot.with(|s| *s.borrow_mut() = Some(c.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::call::Args;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    fn interp() -> Interp {
        let mut it = Interp::new(
            Box::new(crate::BufferSink::default()),
            Arc::new(AtomicBool::new(false)),
        );
        install(&mut it);
        it
    }

    /// Every native callable reachable from the builtins and the modules:
    /// (where it was found, the value).
    fn natives(it: &Interp) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut classes: Vec<(String, Rc<Class>)> = Vec::new();
        for (k, v) in &it.builtins {
            match v {
                Value::Builtin(_) => out.push((k.to_string(), v.clone())),
                Value::Class(c) => classes.push((k.to_string(), c.clone())),
                _ => {}
            }
        }
        for (path, m) in &it.modules {
            let Value::Module(m) = m else { continue };
            for (k, v) in m.attrs.borrow().iter() {
                match v {
                    Value::Builtin(_) => out.push((format!("{path}.{k}"), v.clone())),
                    Value::Class(c) => classes.push((format!("{path}.{k}"), c.clone())),
                    _ => {}
                }
            }
        }
        for t in [
            &it.types.str,
            &it.types.list,
            &it.types.dict,
            &it.types.set,
            &it.types.tuple,
        ] {
            classes.push((t.name.to_string(), t.clone()));
        }
        for (path, c) in classes {
            if !seen.insert(Rc::as_ptr(&c) as usize) {
                continue;
            }
            if let Some(v) = c.new.borrow().clone() {
                out.push((format!("{path}()"), v));
            }
            for (k, v) in c.attrs.borrow().iter() {
                if let Value::Builtin(_) = v {
                    out.push((format!("{path}.{k}"), v.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn every_binding_has_a_signature_a_doc_and_parses() {
        let it = interp();
        let all = natives(&it);
        assert!(all.len() > 400, "only {} natives", all.len());
        for (path, v) in &all {
            let Value::Builtin(b) = v else { continue };
            let doc = b.doc().lines().next().unwrap_or("");
            assert!(!doc.trim().is_empty(), "{path}: no doc line");
            let sigs = b.signatures(false);
            assert!(!sigs.is_empty(), "{path}: no signature");
            for s in &sigs {
                assert!(
                    s.starts_with(&format!("{}(", b.name())),
                    "{path}: signature {s:?} does not name {}",
                    b.name()
                );
            }
        }
    }

    #[test]
    fn every_module_function_and_tensor_method_completes() {
        let mut it = interp();
        let t = crate::library::torch::tensor::value(
            tinytorch::Tensor::zeros_on(&[2], tinytorch::DType::F32, tinytorch::Device::Cpu)
                .expect("a small tensor"),
        );
        it.set_global("x", t);
        for module in [
            "torch",
            "torch.nn.functional",
            "torch.nn.init",
            "math",
            "random",
        ] {
            let Some(Value::Module(m)) = it.modules.get(module).cloned() else {
                panic!("{module} missing")
            };
            let names: Vec<Rc<str>> = m.attrs.borrow().names();
            for n in names {
                if n.starts_with('_') {
                    continue;
                }
                let line = format!("{module}.{n}");
                let (_, got) = introspect::complete(&mut it, &line, line.len());
                assert!(
                    got.iter().any(|g| **g == *n),
                    "{line}: not completed ({got:?})"
                );
            }
        }
        let tensor = crate::library::torch::tensor::parameter_class().bases[0].clone();
        for n in tensor.attrs.borrow().names() {
            if n.starts_with('_') {
                continue;
            }
            let line = format!("x.{n}");
            let (_, got) = introspect::complete(&mut it, &line, line.len());
            assert!(got.iter().any(|g| **g == *n), "{line}: not completed");
        }
    }

    #[test]
    fn keyword_arguments_complete_from_signatures() {
        let mut it = interp();
        let cases = [
            ("torch.zeros(3, requires_", "requires_grad="),
            ("torch.nn.Linear(2, 3, bi", "bias="),
            ("torch.nn.functional.cross_entropy(a, b, red", "reduction="),
            ("torch.optim.SGD(p, l", "lr="),
        ];
        for (line, want) in cases {
            let (_, got) = introspect::complete(&mut it, line, line.len());
            assert!(got.iter().any(|g| g == want), "{line}: {got:?}");
        }
    }

    #[test]
    fn unknown_keywords_raise_pytorch_s_type_error() {
        let mut it = interp();
        let mut checked = 0;
        let mut bad = Vec::new();
        for (path, v) in natives(&it) {
            let Value::Builtin(b) = &v else { continue };
            // The torch library (Python's builtins keep CPython's own order
            // of checks: `sorted(k=1)` complains of the missing iterable).
            if !path.starts_with("torch")
                || path.ends_with("()")
                || b.signatures(false)
                    .iter()
                    .any(|s| s.contains("**") || s.contains("(*") || s.contains(", *a"))
            {
                continue;
            }
            let args = Args {
                pos: vec![],
                kw: vec![(Rc::from("__bogus__"), Value::Int(1))],
            };
            let e = match b.call(&mut it, args) {
                Err(e) => e,
                Ok(_) => {
                    bad.push(format!("{path} accepted an unknown keyword"));
                    continue;
                }
            };
            let msg = it.exception_message(&e.value);
            // CPython's own wording for builtins taking no keywords at all.
            if !e.is("TypeError")
                || !(msg.contains("'__bogus__'")
                    || msg.contains("__bogus__=int")
                    || msg.ends_with("takes no keyword arguments"))
            {
                bad.push(format!("{path}: {}: {msg}", e.name()));
            }
            checked += 1;
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        assert!(checked > 250, "checked {checked}");
    }

    #[test]
    fn type_errors_read_like_pytorch_s() {
        // Each message as PyTorch 2.15 prints it (run by hand).
        let mut it = interp();
        let cases = [
            (
                "torch.exp(torch.ones(1), foo=1)",
                "exp() got an unexpected keyword argument 'foo'",
            ),
            (
                "torch.ones(2, 3).sum(dimm=0)",
                "sum() received an invalid combination of arguments - got (dimm=int, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n",
            ),
            (
                "torch.add(torch.ones(1), 'a')",
                "add(): argument 'other' (position 2) must be Tensor, not str",
            ),
            (
                "torch.cat(torch.ones(1))",
                "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor",
            ),
            (
                "torch.zeros(True)",
                "zeros(): argument 'size' (position 1) must be tuple of ints, not bool",
            ),
        ];
        for (src, want) in cases {
            let module = crate::syntax::parse_module(src).expect("parses");
            let source = Rc::new(crate::eval::code::Source {
                name: "<t>".into(),
                text: src.into(),
            });
            it.set_global("torch", it.modules["torch"].clone());
            let code = crate::eval::code::resolve_module(&module, source, &mut it);
            let mut frame = crate::eval::interp::Frame {
                slots: vec![Value::Unbound; code.nslots as usize],
                func: None,
            };
            let e = match it.exec_block(&code.body, &mut frame) {
                Err(e) => e,
                Ok(_) => panic!("{src} did not fail"),
            };
            assert_eq!(it.exception_message(&e.value), want, "{src}");
        }
    }
}
