//! Products: `matmul mm bmm dot outer mv einsum` (the engine's matmul in
//! all of PyTorch's cases, its einsum), matrix helpers `diag trace roll
//! lerp cdist` and counting `bincount histc unique`; `torch.linalg`: LU-based
//! `inv det slogdet solve`, the factorizations `cholesky qr eigh svd` and
//! what is built on them (`pinv lstsq matrix_rank`, spectral norms).

use super::pointwise::with_out;
use super::tensor::ok;
use super::values::named;
use crate::bind::{raw, row, Bound, Row};
use crate::eval::call::Args;
use crate::eval::error::{exc, type_error, PyResult};
use crate::eval::value::Value;
use crate::eval::Interp;
use crate::library::EngineResult;
use tinytorch::Tensor;

#[rustfmt::skip]
pub const BOTH: &[Row] = &[
    row("matmul(Tensor input, Tensor other, *, Tensor? out=None)", "The matrix product, with PyTorch's rules for 1-D and batched operands.", matmul),
    row("mm(Tensor input, Tensor mat2, *, Tensor? out=None)", "The product of two matrices.", mm),
    row("bmm(Tensor input, Tensor mat2, *, Tensor? out=None)", "Batched matrix products of two 3-D tensors.", bmm),
    row("dot(Tensor input, Tensor tensor)", "The dot product of two 1-D tensors.", dot),
    row("outer(Tensor input, Tensor vec2)", "The outer product of two 1-D tensors.", outer),
    row("mv(Tensor input, Tensor vec)", "Matrix times vector: [n, m] @ [m] -> [n].", mv),
    row("diag(Tensor input, int diagonal=0)", "A 1-D input as the diagonal of a square matrix; a matrix's diagonal as 1-D.", diag),
    row("trace(Tensor input)", "The sum of a matrix's main diagonal.", trace),
    row("roll(Tensor input, int[1] shifts, int[1] dims=[])", "Elements shifted along dims, wrapping around (over the flattened tensor without dims).", roll),
    row("lerp(Tensor input, Tensor end, Tensor|Number weight)", "input + weight * (end - input), in PyTorch's two-sided form.", lerp),
    row("bincount(Tensor input, Tensor? weights=None, int minlength=0)", "Occurrences of each value of a 1-D non-negative integer tensor (or the sum of weights).", bincount),
    row("histc(Tensor input, int bins=100, Scalar min=0, Scalar max=0)", "A histogram with equal-width bins over [min, max] (the data's range when both are 0).", histc),
    row("det(Tensor input)", "The determinant of a (batch of) square matrix.", det),
    row("inverse(Tensor input)", "The inverse of a (batch of) square matrix.", inv),
    row("slogdet(Tensor input)", "(sign, log|det|) of a (batch of) square matrix.", torch_slogdet),
    row("cholesky(Tensor input, bool upper=False)", "The Cholesky factor of a symmetric positive-definite matrix (lower, or upper).", cholesky),
    row("qr(Tensor input, bool some=True)", "(Q, R) with input = Q R: reduced (some=True) or complete.", torch_qr),
    row("svd(Tensor input, bool some=True, bool compute_uv=True)", "(U, S, V) with input = U diag(S) V^T (V, not Vh, as the old API).", torch_svd),
    row("pinverse(Tensor input, float rcond=1e-15)", "The Moore-Penrose pseudo-inverse (singular values below rcond * the largest are dropped).", pinverse),
    row("matrix_power(Tensor input, int n)", "The matrix times itself n times (the inverse's power for n < 0).", matrix_power),
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
    let t = b.tensor(0)?;
    let r = match b.opt_int(4)? {
        Some(d) => t.unique_dim(d),
        None => t.unique(),
    };
    let (values, inverse, counts) = r.map_err(|e| exc("RuntimeError", e.to_string()))?;
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
    with_out(&b, 2, b.tensor(0)?.matmul(b.tensor(1)?).py()?)
}

fn mm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    with_out(&b, 2, b.tensor(0)?.mm(b.tensor(1)?).py()?)
}

fn bmm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    with_out(&b, 2, b.tensor(0)?.bmm(b.tensor(1)?).py()?)
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

/// `torch.linalg`.
#[rustfmt::skip]
pub const LINALG: &[Row] = &[
    row("inv(Tensor A)", "The inverse of a (batch of) square matrix (LU with partial pivoting).", inv),
    row("det(Tensor A)", "The determinant of a (batch of) square matrix.", det),
    row("slogdet(Tensor A)", "(sign, log|det A|).", slogdet),
    row("solve(Tensor A, Tensor B, *, bool left=True)", "X with A X = B (B a vector or a matrix, batch dims broadcast).", solve),
    row("vector_norm(Tensor x, Scalar ord=2, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)", "The ord-norm of x over dim (all dims by default); inf, -inf and 0 as PyTorch.", vector_norm),
    row("matrix_norm(Tensor A, object ord='fro', int[2]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)", "The matrix norm over the last two dims: 'fro', 1, -1, inf, -inf.", matrix_norm),
    row("norm(Tensor A, object ord=None, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)", "A vector norm (1-D input or an int dim) or a matrix norm (2-D input), as PyTorch chooses.", linalg_norm),
    row("cholesky(Tensor A, *, bool upper=False)", "L lower with A = L L^T (U = L^T with upper=True); an error names the first minor that is not positive-definite.", cholesky),
    row("qr(Tensor A, str mode='reduced')", "(Q, R) with A = Q R by Householder reflections, LAPACK's signs: mode 'reduced', 'complete' or 'r'.", linalg_qr),
    row("eigh(Tensor A, str UPLO='L')", "(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix read from one triangle. Eigenvectors are unique up to sign: here each is turned so its largest entry is positive.", eigh),
    row("eigvalsh(Tensor A, str UPLO='L')", "The eigenvalues of a symmetric matrix, ascending.", eigvalsh),
    row("svd(Tensor A, bool full_matrices=True, *, str? driver=None)", "(U, S, Vh) with A = U diag(S) Vh, S descending. Singular vectors are unique up to sign: here each U column is turned so its largest entry is positive.", linalg_svd),
    row("svdvals(Tensor A, *, str? driver=None)", "The singular values, descending.", svdvals),
    row("solve_triangular(Tensor A, Tensor B, *, bool upper, bool left=True, bool unitriangular=False)", "X with A X = B (or X A = B with left=False) for triangular A.", solve_triangular),
    row("matrix_rank(Tensor A, *, float? atol=None, float? rtol=None, bool hermitian=False)", "How many singular values exceed max(atol, rtol * the largest).", matrix_rank),
    row("pinv(Tensor A, *, float? atol=None, float? rtol=None, bool hermitian=False)", "The Moore-Penrose pseudo-inverse, from the SVD.", pinv),
    row("lstsq(Tensor A, Tensor B, float? rcond=None, *, str? driver=None)", "The least-squares solution of A X = B (minimum-norm when underdetermined), with A's rank, as PyTorch's CPU driver 'gelsy'.", lstsq),
    row("matrix_power(Tensor A, int n)", "A times itself n times (the inverse's power for n < 0).", matrix_power),
];

fn cholesky(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_cholesky(b.bool(1)?))
}

fn linalg_qr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (q, r) = b.tensor(0)?.linalg_qr(b.str(1)?).py()?;
    Ok(named("linalg_qr", vec![q, r]))
}

fn torch_qr(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let mode = if b.bool(1)? { "reduced" } else { "complete" };
    let (q, r) = b.tensor(0)?.linalg_qr(mode).py()?;
    Ok(named("qr", vec![q, r]))
}

fn eigh(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (l, v) = b.tensor(0)?.linalg_eigh(b.str(1)?).py()?;
    Ok(named("linalg_eigh", vec![l, v]))
}

fn eigvalsh(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_eigvalsh(b.str(1)?))
}

fn linalg_svd(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (u, s, vh) = b.tensor(0)?.linalg_svd(b.bool(1)?).py()?;
    Ok(named("linalg_svd", vec![u, s, vh]))
}

fn svdvals(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_svdvals())
}

/// `torch.svd`: V rather than Vh; with compute_uv=False, zero U and V.
fn torch_svd(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let (u, s, vh) = t.linalg_svd(!b.bool(1)?).py()?;
    let v = vh.mt().py()?;
    if !b.bool(2)? {
        let zeros = |x: &Tensor| x.detach().mul_scalar(0.0);
        return Ok(named("svd", vec![zeros(&u).py()?, s, zeros(&v).py()?]));
    }
    Ok(named("svd", vec![u, s, v]))
}

fn solve_triangular(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?
        .linalg_solve_triangular(b.tensor(1)?, b.bool(2)?, b.bool(3)?, b.bool(4)?))
}

fn matrix_rank(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?
        .linalg_matrix_rank(b.opt_float(1)?, b.opt_float(2)?))
}

fn pinv(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_pinv(b.opt_float(1)?, b.opt_float(2)?))
}

fn pinverse(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_pinv(None, Some(b.float(1)?)))
}

fn lstsq(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let a = b.tensor(0)?;
    let (x, rank) = a.linalg_lstsq(b.tensor(1)?, b.opt_float(2)?).py()?;
    let empty = Tensor::zeros_on(&[0], a.dtype(), a.device()).py()?;
    Ok(named("linalg_lstsq", vec![x, empty.clone(), rank, empty]))
}

fn matrix_power(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_matrix_power(b.int(1)?))
}

fn torch_slogdet(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (s, l) = b.tensor(0)?.linalg_slogdet().py()?;
    Ok(named("slogdet", vec![s, l]))
}

fn inv(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_inv())
}

fn det(_: &mut Interp, b: Bound) -> PyResult<Value> {
    ok(b.tensor(0)?.linalg_det())
}

fn slogdet(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let (s, l) = b.tensor(0)?.linalg_slogdet().py()?;
    Ok(named("linalg_slogdet", vec![s, l]))
}

fn solve(_: &mut Interp, b: Bound) -> PyResult<Value> {
    if !b.bool(2)? {
        return Err(exc(
            "NotImplementedError",
            "linalg.solve(left=False) is not supported here",
        ));
    }
    ok(b.tensor(0)?.linalg_solve(b.tensor(1)?))
}

/// An `ord` argument: a number, inf, or one of PyTorch's strings.
fn ord_text(v: &Value) -> PyResult<String> {
    Ok(match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { "inf" } else { "-inf" }.into(),
        Value::Float(f) if f.fract() == 0.0 => (*f as i64).to_string(),
        Value::Str(s) => s.to_string(),
        other => {
            return Err(type_error(format!(
                "linalg: ord must be a number or a string, not {}",
                other.type_name()
            )))
        }
    })
}

fn vector_norm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let dims = b.opt_ints(2)?;
    ok(b.tensor(0)?
        .linalg_vector_norm(b.float(1)?, dims.as_deref(), b.bool(3)?))
}

fn matrix_norm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let d = b.opt_ints(2)?.unwrap_or(vec![-2, -1]);
    let t = b.tensor(0)?;
    let nd = t.dim() as i64;
    if d.iter().map(|&x| (x + nd) % nd.max(1)).collect::<Vec<_>>() != [nd - 2, nd - 1] {
        return Err(exc(
            "NotImplementedError",
            "linalg.matrix_norm: only over the last two dims here",
        ));
    }
    ok(t.linalg_matrix_norm(&ord_text(b.value(1))?, b.bool(3)?))
}

fn linalg_norm(_: &mut Interp, b: Bound) -> PyResult<Value> {
    let t = b.tensor(0)?;
    let dims = b.opt_ints(2)?;
    let keep = b.bool(3)?;
    let matrix = match &dims {
        Some(d) => d.len() == 2,
        None => t.dim() == 2 && !b.is_none(1),
    };
    if b.is_none(1) {
        // The 2-norm of the flattened input (Frobenius for a matrix).
        return ok(t.linalg_vector_norm(2.0, dims.as_deref(), keep));
    }
    if matrix {
        let o = ord_text(b.value(1))?;
        if o == "fro" {
            return ok(t.linalg_vector_norm(2.0, dims.as_deref().or(Some(&[-2, -1])), keep));
        }
        return ok(t.linalg_matrix_norm(&o, keep));
    }
    ok(t.linalg_vector_norm(b.float(1)?, dims.as_deref(), keep))
}
