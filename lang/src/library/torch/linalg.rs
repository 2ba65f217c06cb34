//! Products: `matmul mm bmm dot outer einsum` (the engine's matmul in all
//! of PyTorch's cases, its einsum).

use super::tensor::ok;
use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use tinytorch::Tensor;

#[rustfmt::skip]
pub const BOTH: &[Row] = &[
    row("matmul(Tensor input, Tensor other)", "The matrix product, with PyTorch's rules for 1-D and batched operands.", matmul),
    row("mm(Tensor input, Tensor mat2)", "The product of two matrices.", mm),
    row("bmm(Tensor input, Tensor mat2)", "Batched matrix products of two 3-D tensors.", bmm),
    row("dot(Tensor input, Tensor tensor)", "The dot product of two 1-D tensors.", dot),
    row("outer(Tensor input, Tensor vec2)", "The outer product of two 1-D tensors.", outer),
];

pub const FUNCTIONS: &[Row] = &[raw(
    "einsum(str equation, *operands)",
    "Einstein summation, e.g. torch.einsum('ij,jk->ik', a, b) (operands also as one list).",
    einsum,
)];

fn matmul(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.matmul(b.tensor(1)?))
}

fn mm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.mm(b.tensor(1)?))
}

fn bmm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.bmm(b.tensor(1)?))
}

fn dot(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, o) = (b.tensor(0)?, b.tensor(1)?);
    if t.dim() != 1 || o.dim() != 1 {
        return Err(exc(
            "RuntimeError",
            format!(
                "1D tensors expected, but got {}D and {}D tensors",
                t.dim(),
                o.dim()
            ),
        ));
    }
    ok(t.mul(o).and_then(|x| x.sum()))
}

fn outer(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (t, o) = (b.tensor(0)?, b.tensor(1)?);
    ok(t.unsqueeze(1).and_then(|x| x.mul(&o.unsqueeze(0)?)))
}

fn einsum(_: &mut Interp, a: Args) -> PyResult<Value> {
    if let Some((k, _)) = a.kw.first() {
        return Err(type_error(format!(
            "einsum() got an unexpected keyword argument '{k}'"
        )));
    }
    let mut pos = a.pos.into_iter();
    let eq = match pos.next() {
        Some(Value::Str(s)) => s,
        Some(other) => {
            return Err(type_error(format!(
                "einsum(): argument 'equation' (position 1) must be str, not {}",
                other.type_name()
            )))
        }
        None => {
            return Err(type_error(
                "einsum() missing 1 required positional arguments: \"equation\"",
            ))
        }
    };
    let rest: Vec<Value> = pos.collect();
    let items: Vec<Value> = match rest.as_slice() {
        [Value::List(l)] => l.borrow().clone(),
        [Value::Tuple(t)] => t.items.clone(),
        _ => rest,
    };
    let ops: Vec<Tensor> = items
        .iter()
        .map(|v| {
            v.downcast::<Tensor>().cloned().ok_or_else(|| {
                type_error(format!(
                    "einsum(): operands must be Tensors, not {}",
                    v.type_name()
                ))
            })
        })
        .collect::<PyResult<_>>()?;
    let refs: Vec<&Tensor> = ops.iter().collect();
    ok(Tensor::einsum(&eq, &refs))
}
