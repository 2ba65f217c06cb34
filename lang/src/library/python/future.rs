//! `__future__`: every feature CPython 3 knows, each a `_Feature` with its
//! releases and compiler flag as CPython 3.11 prints them. All of them are
//! mandatory in Python 3 (or, for `annotations`, change only how
//! annotations are stored), so importing one changes nothing; the parser
//! checks the statement's place and names as CPython's compiler does.

use crate::eval::error::PyResult;
use crate::eval::value::{Class, ModuleObj, Value};
use crate::eval::Interp;
use crate::library::class_in;
use crate::protocol::Object;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    static FEATURE: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

type Release = (i64, i64, i64, &'static str, i64);

/// Name, optional release, mandatory release, compiler flag.
const FEATURES: &[(&str, Release, Option<Release>, i64)] = &[
    (
        "nested_scopes",
        (2, 1, 0, "beta", 1),
        Some((2, 2, 0, "alpha", 0)),
        0x10,
    ),
    (
        "generators",
        (2, 2, 0, "alpha", 1),
        Some((2, 3, 0, "final", 0)),
        0,
    ),
    (
        "division",
        (2, 2, 0, "alpha", 2),
        Some((3, 0, 0, "alpha", 0)),
        0x20000,
    ),
    (
        "absolute_import",
        (2, 5, 0, "alpha", 1),
        Some((3, 0, 0, "alpha", 0)),
        0x40000,
    ),
    (
        "with_statement",
        (2, 5, 0, "alpha", 1),
        Some((2, 6, 0, "alpha", 0)),
        0x80000,
    ),
    (
        "print_function",
        (2, 6, 0, "alpha", 2),
        Some((3, 0, 0, "alpha", 0)),
        0x100000,
    ),
    (
        "unicode_literals",
        (2, 6, 0, "alpha", 2),
        Some((3, 0, 0, "alpha", 0)),
        0x200000,
    ),
    (
        "barry_as_FLUFL",
        (3, 1, 0, "alpha", 2),
        Some((4, 0, 0, "alpha", 0)),
        0x400000,
    ),
    (
        "generator_stop",
        (3, 5, 0, "beta", 1),
        Some((3, 7, 0, "alpha", 0)),
        0x800000,
    ),
    ("annotations", (3, 7, 0, "beta", 1), None, 0x1000000),
];

/// One `__future__` feature.
pub struct Feature {
    optional: Release,
    mandatory: Option<Release>,
    flag: i64,
}

fn release(r: &Release) -> Value {
    Value::tuple(vec![
        Value::Int(r.0),
        Value::Int(r.1),
        Value::Int(r.2),
        Value::str(r.3),
        Value::Int(r.4),
    ])
}

fn release_repr(r: &Release) -> String {
    format!("({}, {}, {}, '{}', {})", r.0, r.1, r.2, r.3, r.4)
}

impl Object for Feature {
    fn class(&self) -> Rc<Class> {
        class_in(&FEATURE, "_Feature")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!(
            "_Feature({}, {}, {})",
            release_repr(&self.optional),
            self.mandatory
                .as_ref()
                .map_or("None".to_string(), release_repr),
            self.flag
        ))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "optional" => Some(release(&self.optional)),
            "mandatory" => Some(self.mandatory.as_ref().map_or(Value::None, release)),
            "compiler_flag" => Some(Value::Int(self.flag)),
            _ => None,
        })
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["compiler_flag", "mandatory", "optional"]
    }
}

pub fn install(it: &mut Interp) {
    FEATURE.with(|c| {
        *c.borrow_mut() = Some(crate::library::class(
            "_Feature",
            "__future__",
            &[&it.types.object],
            "A __future__ feature: its optional and mandatory releases and compiler flag.",
        ))
    });
    let m: Rc<ModuleObj> = crate::library::module(
        it,
        "__future__",
        "Record of phased-in incompatible language changes (all of them in effect).",
    );
    let mut names = Vec::new();
    for (name, optional, mandatory, flag) in FEATURES {
        m.set(
            name,
            Value::object(Feature {
                optional: *optional,
                mandatory: *mandatory,
                flag: *flag,
            }),
        );
        names.push(Value::str(name));
    }
    m.set("all_feature_names", Value::list(names));
}

#[cfg(test)]
mod tests {
    #[test]
    fn features_match_the_parser_s_list() {
        let ours: Vec<&str> = super::FEATURES.iter().map(|f| f.0).collect();
        assert_eq!(ours, crate::syntax::FUTURE_FEATURES);
    }
}
