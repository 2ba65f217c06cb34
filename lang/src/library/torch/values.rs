//! The small value types of `torch`: `torch.dtype`, `torch.device`,
//! `torch.Size` (a tuple subclass) and the named tuples of
//! `torch.return_types` (`max(values=..., indices=...)`, `linalg_svd(U=...,
//! S=..., Vh=...)`).

use crate::bind::{parse_device, row, Bound, Row, Style};
use crate::eval::error::PyResult;
use crate::eval::value::{Class, TupleClass, Value};
use crate::eval::Interp;
use crate::protocol::Object;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tinytorch::{DType, Device};

/// The dtypes under every PyTorch spelling.
pub const DTYPES: &[(&str, DType)] = &[
    ("float32", DType::F32),
    ("float", DType::F32),
    ("float64", DType::F64),
    ("double", DType::F64),
    ("float16", DType::F16),
    ("half", DType::F16),
    ("bfloat16", DType::BF16),
    ("int64", DType::I64),
    ("long", DType::I64),
    ("int32", DType::I32),
    ("int", DType::I32),
    ("bool", DType::Bool),
];

/// Per interpreter thread: the tuple classes these values report.
#[derive(Default)]
struct Classes {
    size: Option<Rc<TupleClass>>,
    named: HashMap<&'static str, Rc<TupleClass>>,
}

thread_local! {
    static CLASSES: RefCell<Classes> = RefCell::new(Classes::default());
    static DTYPE_CLASS: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
    static DEVICE_CLASS: RefCell<Option<Rc<Class>>> = const { RefCell::new(None) };
}

/// `==` / `!=` of two values of one kind; None for the orderings.
fn equality(op: crate::syntax::ast::CmpOp, same: bool) -> Option<Value> {
    use crate::syntax::ast::CmpOp;
    match op {
        CmpOp::Eq => Some(Value::Bool(same)),
        CmpOp::NotEq => Some(Value::Bool(!same)),
        _ => None,
    }
}

impl Object for DType {
    fn class(&self) -> Rc<Class> {
        crate::library::class_in(&DTYPE_CLASS, "dtype")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(format!("torch.{}", self.name()))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "is_floating_point" => Some(Value::Bool(self.is_float())),
            "is_signed" => Some(Value::Bool(*self != DType::Bool)),
            "itemsize" => Some(Value::Int(self.size_in_bytes() as i64)),
            _ => None,
        })
    }
    fn compare(
        &self,
        _: &mut Interp,
        op: crate::syntax::ast::CmpOp,
        other: &Value,
        _: bool,
    ) -> PyResult<Option<Value>> {
        Ok(other
            .downcast::<DType>()
            .and_then(|o| equality(op, self == o)))
    }
    fn hash_key(&self) -> Option<String> {
        Some(format!("torch.{}", self.name()))
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["is_floating_point", "is_signed", "itemsize"]
    }
}

impl Object for Device {
    fn class(&self) -> Rc<Class> {
        crate::library::class_in(&DEVICE_CLASS, "device")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn repr(&self, _: &mut Interp) -> PyResult<String> {
        Ok(match self {
            Device::Cpu => "device(type='cpu')".into(),
            Device::Cuda(n) => format!("device(type='cuda', index={n})"),
        })
    }
    fn str(&self, _: &mut Interp) -> PyResult<String> {
        Ok(match self {
            Device::Cpu => "cpu".into(),
            Device::Cuda(n) => format!("cuda:{n}"),
        })
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> PyResult<Option<Value>> {
        Ok(match name {
            "type" => Some(Value::str(self.kind())),
            "index" => Some(match self {
                Device::Cuda(n) => Value::Int(*n as i64),
                Device::Cpu => Value::None,
            }),
            _ => None,
        })
    }
    /// A device equals another device or its string (`x.device == 'cpu'`).
    fn compare(
        &self,
        _: &mut Interp,
        op: crate::syntax::ast::CmpOp,
        other: &Value,
        _: bool,
    ) -> PyResult<Option<Value>> {
        let same = match other {
            Value::Str(s) => parse_device(s).is_ok_and(|d| d == *self),
            v => match v.downcast::<Device>() {
                Some(d) => d == self,
                None => return Ok(None),
            },
        };
        Ok(equality(op, same))
    }
    fn hash_key(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }
    fn dir(&self) -> Vec<&'static str> {
        vec!["type", "index"]
    }
}

/// A `torch.Size`.
pub fn size(dims: &[usize]) -> Value {
    let items = dims.iter().map(|&d| Value::Int(d as i64)).collect();
    match CLASSES.with(|c| c.borrow().size.clone()) {
        Some(c) => Value::tuple_of(&c, items),
        None => Value::tuple(items),
    }
}

/// A `torch.return_types.<name>(values, indices)`.
pub fn values_indices(
    name: &'static str,
    values: tinytorch::Tensor,
    indices: tinytorch::Tensor,
) -> Value {
    named(name, vec![values, indices])
}

/// A `torch.return_types.<name>(...)` of tensors, one per field of
/// `RETURN_TYPES`'s row.
pub fn named(name: &'static str, tensors: Vec<tinytorch::Tensor>) -> Value {
    let items = tensors.into_iter().map(super::tensor::value).collect();
    match CLASSES.with(|c| c.borrow().named.get(name).cloned()) {
        Some(c) => Value::tuple_of(&c, items),
        None => Value::tuple(items),
    }
}

/// The named tuples of `torch.return_types`: name and fields.
#[rustfmt::skip]
const RETURN_TYPES: &[(&str, &[&str])] = &[
    ("max", &["values", "indices"]),
    ("min", &["values", "indices"]),
    ("sort", &["values", "indices"]),
    ("topk", &["values", "indices"]),
    ("kthvalue", &["values", "indices"]),
    ("mode", &["values", "indices"]),
    ("median", &["values", "indices"]),
    ("aminmax", &["min", "max"]),
    ("slogdet", &["sign", "logabsdet"]),
    ("linalg_slogdet", &["sign", "logabsdet"]),
    ("qr", &["Q", "R"]),
    ("linalg_qr", &["Q", "R"]),
    ("linalg_eigh", &["eigenvalues", "eigenvectors"]),
    ("svd", &["U", "S", "V"]),
    ("linalg_svd", &["U", "S", "Vh"]),
    ("linalg_lstsq", &["solution", "residuals", "rank", "singular_values"]),
];

pub const DEVICE: &[Row] = &[row(
    "device(type, index=None)",
    "A device: torch.device('cpu'), torch.device('cuda', 0) or torch.device('cuda:0').",
    device_new,
)];

pub const SIZE: &[Row] = &[row(
    "Size(sizes=(), /)",
    "A tensor's shape: a tuple of ints.\n\n>>> torch.Size([2, 3])\ntorch.Size([2, 3])",
    size_new,
)];

#[rustfmt::skip]
const SIZE_METHODS: &[Row] = &[
    row("numel(self, /)", "The number of elements a tensor of this shape holds.", numel),
    row("__repr__(self, /)", "torch.Size([...]).", size_repr),
];

const NAMED_METHODS: &[Row] = &[row(
    "__repr__(self, /)",
    "torch.return_types.name(field=..., ...), one field per line.",
    named_repr,
)];

fn device_new(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = match b.value(0) {
        Value::Str(s) => parse_device(s)?,
        v => match v.downcast::<Device>() {
            Some(d) => *d,
            None => {
                return Err(crate::eval::error::type_error(format!(
                    "device(): argument 'type' must be str, not {}",
                    v.type_name()
                )))
            }
        },
    };
    Ok(Value::object(match (d, b.opt_int(1)?) {
        (Device::Cuda(_), Some(n)) if n >= 0 => Device::Cuda(n as usize),
        (d, _) => d,
    }))
}

fn size_new(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let items = it.collect(b.value(0))?;
    let mut dims = Vec::with_capacity(items.len());
    for v in items {
        match v {
            Value::Int(n) if n >= 0 => dims.push(n as usize),
            other => {
                return Err(crate::eval::error::type_error(format!(
                    "torch.Size() takes an iterable of 'int' (item 0 is '{}')",
                    other.type_name()
                )))
            }
        }
    }
    Ok(size(&dims))
}

fn items(b: &Bound) -> Vec<Value> {
    match b.value(0) {
        Value::Tuple(t) => t.items.clone(),
        _ => vec![],
    }
}

fn numel(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut n: i64 = 1;
    for v in items(&b) {
        if let Value::Int(d) = v {
            n = n.saturating_mul(d);
        }
    }
    Ok(Value::Int(n))
}

fn size_repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let mut parts = Vec::new();
    for v in items(&b) {
        parts.push(it.repr(&v)?);
    }
    Ok(Value::str(&format!("torch.Size([{}])", parts.join(", "))))
}

fn named_repr(it: &mut Interp, b: Bound) -> PyResult<Value> {
    let Value::Tuple(t) = b.value(0) else {
        return Ok(Value::str("()"));
    };
    let Some(c) = &t.class else {
        return Ok(Value::str(&it.repr(b.value(0))?));
    };
    let mut parts = Vec::new();
    for (f, v) in c.fields.iter().zip(&t.items) {
        parts.push(format!("{f}={}", it.repr(v)?));
    }
    Ok(Value::str(&format!(
        "torch.return_types.{}(\n{})",
        c.class.name,
        parts.join(",\n")
    )))
}

/// Makes the classes, records them for this thread, and fills `torch`.
pub fn install(it: &mut Interp, torch: &crate::eval::value::ModuleObj) {
    let object = it.types.object.clone();
    let dtype = super::super::class(
        "dtype",
        "torch",
        &[&object],
        "torch.dtype: an element type.",
    );
    let device = super::super::class("device", "torch", &[&object], DEVICE[0].doc);
    let d = crate::bind::Def::from_row("torch", &DEVICE[0], Style::Torch);
    *device.new.borrow_mut() = Some(d.value());
    let size_class = super::super::class("Size", "torch", &[&it.types.tuple], SIZE[0].doc);
    crate::bind::into_class(&size_class, SIZE_METHODS, Style::Python);
    let s = crate::bind::Def::from_row("torch", &SIZE[0], Style::Torch);
    *size_class.new.borrow_mut() = Some(s.value());
    let return_types =
        super::super::module(it, "torch.return_types", "Named results of reductions.");
    let mut named = HashMap::new();
    for &(name, fields) in RETURN_TYPES {
        let c = super::super::class(
            name,
            "torch.return_types",
            &[&it.types.tuple],
            "A named tuple of results.",
        );
        crate::bind::into_class(&c, NAMED_METHODS, Style::Python);
        return_types.set(name, Value::Class(c.clone()));
        named.insert(
            name,
            Rc::new(TupleClass {
                class: c,
                fields: fields.to_vec(),
            }),
        );
    }
    crate::library::set_class(&DTYPE_CLASS, &dtype);
    crate::library::set_class(&DEVICE_CLASS, &device);
    CLASSES.with(|c| {
        *c.borrow_mut() = Classes {
            size: Some(Rc::new(TupleClass {
                class: size_class.clone(),
                fields: vec![],
            })),
            named,
        }
    });
    for (n, d) in DTYPES {
        torch.set(n, Value::object(*d));
    }
    torch.set("dtype", Value::Class(dtype));
    torch.set("device", Value::Class(device));
    torch.set("Size", Value::Class(size_class));
}
