//! Products: `matmul mm bmm dot outer mv einsum` (the engine's matmul in
//! all of PyTorch's cases, its einsum), matrix helpers `diag trace roll
//! lerp cdist` and counting `bincount histc unique`.

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
    row("mv(Tensor input, Tensor vec)", "Matrix times vector: [n, m] @ [m] -> [n].", mv),
    row("diag(Tensor input, int diagonal=0)", "A 1-D input as the diagonal of a square matrix; a matrix's diagonal as 1-D.", diag),
    row("trace(Tensor input)", "The sum of a matrix's main diagonal.", trace),
    row("roll(Tensor input, int[1] shifts, int[1] dims=[])", "Elements shifted along dims, wrapping around (over the flattened tensor without dims).", roll),
    row("lerp(Tensor input, Tensor end, Tensor|Number weight)", "input + weight * (end - input), in PyTorch's two-sided form.", lerp),
    row("bincount(Tensor input, Tensor? weights=None, int minlength=0)", "Occurrences of each value of a 1-D non-negative integer tensor (or the sum of weights).", bincount),
    row("histc(Tensor input, int bins=100, Scalar min=0, Scalar max=0)", "A histogram with equal-width bins over [min, max] (the data's range when both are 0).", histc),
    row("unique(Tensor input, bool sorted=True, bool return_inverse=False, bool return_counts=False, int? dim=None)", "The distinct values, ascending; with the inverse indices and counts when asked.", unique),
];

pub const FUNCTIONS: &[Row] = &[
    raw(
        "einsum(str equation, *operands)",
        "Einstein summation, e.g. torch.einsum('ij,jk->ik', a, b) (operands also as one list).",
        einsum,
    ),
    row(
        "cdist(Tensor x1, Tensor x2, float p=2.0, str compute_mode='use_mm_for_euclid_dist_if_necessary')",
        "The p-norm distance between every row of x1 and every row of x2.",
        cdist,
    ),
];

fn mv(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.mv(b.tensor(1)?))
}

fn diag(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.diag(b.int(1)?))
}

fn trace(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.trace())
}

fn roll(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.roll(&b.ints(1)?, &b.ints(2)?))
}

fn lerp(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.lerp(b.tensor(1)?, b.operand(2)?))
}

fn bincount(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.bincount(b.opt_tensor(1)?, b.size(2)?))
}

fn histc(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.histc(b.size(1)?, b.float(2)?, b.float(3)?))
}

fn unique(_: &mut Interp, b: Bound) -> PyResult<Value> {
    if b.opt(4).is_some() {
        return Err(exc(
            "NotImplementedError",
            "unique(dim=...) is not supported here; unique over the flattened tensor is",
        ));
    }
    let (values, inverse, counts) = b
        .tensor(0)?
        .unique()
        .map_err(|e| exc("RuntimeError", e.to_string()))?;
    let (inv, cnt) = (b.bool(2)?, b.bool(3)?);
    let v = super::tensor::value;
    Ok(match (inv, cnt) {
        (false, false) => v(values),
        (true, false) => Value::tuple(vec![v(values), v(inverse)]),
        (false, true) => Value::tuple(vec![v(values), v(counts)]),
        (true, true) => Value::tuple(vec![v(values), v(inverse), v(counts)]),
    })
}

fn cdist(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.cdist(b.tensor(1)?, b.float(2)?))
}

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
