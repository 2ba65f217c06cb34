//! `torch.einsum`: Einstein summation over any number of operands.
//!
//! The equation is parsed into axes ("labels", plus the broadcast dims an
//! ellipsis stands for). Repeated labels within one operand take a diagonal
//! view; every operand is then permuted and unsqueezed onto one global axis
//! order, labels used by nobody else are summed early, and operands are
//! contracted left to right: each pair becomes one batched matmul
//! `[batch, left, sum] @ [batch, sum, right]` (or a broadcast product when
//! nothing is summed), as PyTorch's `sumproduct_pair` does. Everything is
//! built from differentiable ops, so the gradient comes for free.

use crate::autograd::record;
use crate::{Error, Layout, Result, Tensor};

/// One subscript: a letter, or the ellipsis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    Label(u8),
    Ellipsis,
}

/// Parses one term; `at` is its offset in the equation (for messages) and
/// `who` names it ("operand 0", "output").
fn parse_term(term: &str, at: usize, who: &str) -> Result<Vec<Sub>> {
    let b = term.as_bytes();
    let mut subs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' => i += 1,
            b'.' => {
                let output = who == "output";
                if subs.contains(&Sub::Ellipsis) {
                    return Err(Error::invalid(if output {
                        "einsum(): found '.' for output but an ellipsis (...) was already found"
                            .to_string()
                    } else {
                        format!("einsum(): found '.' for {who} for which an ellipsis was already found")
                    }));
                }
                if !b[i..].starts_with(b"...") {
                    return Err(Error::invalid(if output {
                        "einsum(): found '.' for output that is not part of any ellipsis (...)"
                            .to_string()
                    } else {
                        format!("einsum(): found '.' for {who} that is not part of any ellipsis")
                    }));
                }
                subs.push(Sub::Ellipsis);
                i += 3;
            }
            c if c.is_ascii_alphabetic() => {
                subs.push(Sub::Label(c));
                i += 1;
            }
            _ => {
                return Err(Error::invalid(format!(
                    "einsum(): invalid subscript given at index {} in the equation string, subscripts must be in [a-zA-Z]",
                    at + i
                )))
            }
        }
    }
    Ok(subs)
}

/// A view of `t` with dims `p < q` merged into their diagonal (kept at
/// `p`), recorded as `DiagonalBackward0`.
fn diagonal(t: &Tensor, p: usize, q: usize) -> Tensor {
    let merge = move |l: &Layout| {
        let (mut shape, mut strides) = (l.shape().to_vec(), l.strides().to_vec());
        strides[p] += strides[q];
        shape.remove(q);
        strides.remove(q);
        Layout::new(shape, strides, l.offset())
    };
    let out = t.alias(merge(t.layout()));
    let in_shape = t.shape().to_vec();
    record(out, "DiagonalBackward0", &[t], vec![], move |g, _| {
        let z = Tensor::zeros_on(&in_shape, g.dtype(), g.device())?;
        let dst = merge(z.layout());
        z.storage_mut()
            .copy_into(&dst, &g.storage(), &g.layout().clone())?;
        Ok(vec![Some(z)])
    })
}

/// Contracts two operands laid out on the same `rank` global axes,
/// summing `sum_axes`; the result is on the same axes (summed ones size 1).
fn contract(l: &Tensor, r: &Tensor, sum_axes: &[usize]) -> Result<Tensor> {
    if sum_axes.is_empty() {
        return l.mul(r);
    }
    let (mut l, mut r) = (l.clone(), r.clone());
    let rank = l.dim();
    // Batch (both sides), left-only, right-only and summed axes.
    let (mut lro, mut lo, mut ro, mut sum) = (vec![], vec![], vec![], vec![]);
    let mut k = 1usize;
    for a in 0..rank {
        let (sl, sr) = (l.shape()[a] != 1, r.shape()[a] != 1);
        if sum_axes.contains(&a) {
            if sl && sr {
                k *= l.shape()[a];
            } else if sl {
                l = l.sum_dims(&[a as i64], true)?;
            } else if sr {
                r = r.sum_dims(&[a as i64], true)?;
            }
            sum.push(a);
        } else if sl && sr {
            lro.push(a);
        } else if sr {
            ro.push(a);
        } else {
            lo.push(a);
        }
    }
    let size = |t: &Tensor, axes: &[usize]| {
        axes.iter()
            .fold(1usize, |p, &a| p.saturating_mul(t.shape()[a]))
    };
    let (b, m, n) = (size(&l, &lro), size(&l, &lo), size(&r, &ro));
    let cat = |parts: &[&[usize]]| -> Vec<i64> {
        parts
            .iter()
            .flat_map(|p| p.iter().map(|&a| a as i64))
            .collect()
    };
    let lm = l
        .permute(&cat(&[&lro, &lo, &sum, &ro]))?
        .reshape_to(&[b, m, k])?;
    let rm = r
        .permute(&cat(&[&lro, &sum, &ro, &lo]))?
        .reshape_to(&[b, k, n])?;
    let out = lm.matmul(&rm)?;
    // Back to one dim per axis, in the order lro, lo, ro, sum ...
    let order: Vec<usize> = lro
        .iter()
        .chain(&lo)
        .chain(&ro)
        .chain(&sum)
        .copied()
        .collect();
    let shape: Vec<usize> = order
        .iter()
        .map(|&a| {
            if sum.contains(&a) {
                1
            } else if ro.contains(&a) {
                r.shape()[a]
            } else {
                l.shape()[a]
            }
        })
        .collect();
    let out = out.reshape_to(&shape)?;
    // ... then into global axis order.
    let mut inv = vec![0i64; rank];
    for (i, &a) in order.iter().enumerate() {
        inv[a] = i as i64;
    }
    out.permute(&inv)
}

impl Tensor {
    /// `torch.einsum(equation, *operands)`: implicit (`"ij,jk"`) and
    /// explicit (`"ij,jk->ik"`) output, any number of operands, repeated
    /// labels within an operand (diagonals, `"ii->i"`), and `...` for
    /// broadcast dims. Contractions run as batched matmuls.
    ///
    /// ```
    /// use tinytorch::{Tensor, DType};
    /// let a = Tensor::from_vec_f64(&[1.0, 2.0, 3.0, 4.0], &[2, 2], DType::F64)?;
    /// let v = Tensor::from_vec_f64(&[1.0, 1.0], &[2], DType::F64)?;
    /// // row sums: [1 + 2, 3 + 4]
    /// assert_eq!(Tensor::einsum("ij,j->i", &[&a, &v])?.to_vec_f64()?, vec![3.0, 7.0]);
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn einsum(equation: &str, operands: &[&Tensor]) -> Result<Tensor> {
        if operands.is_empty() {
            return Err(Error::invalid(
                "einsum(): must provide at least one operand",
            ));
        }
        super::same_device("einsum", operands)?;
        let (lhs, rhs) = match equation.find("->") {
            Some(p) => (&equation[..p], Some((&equation[p + 2..], p + 2))),
            None => (equation, None),
        };
        let mut terms = Vec::new();
        let mut at = 0;
        for (i, t) in lhs.split(',').enumerate() {
            terms.push(parse_term(t, at, &format!("operand {i}"))?);
            at += t.len() + 1;
        }
        if terms.len() < operands.len() {
            return Err(Error::invalid(
                "einsum(): more operands were provided than specified in the equation",
            ));
        }
        if terms.len() > operands.len() {
            return Err(Error::invalid(
                "einsum(): fewer operands were provided than specified in the equation",
            ));
        }

        // Global axes: the ellipsis dims first, then the letters in ASCII
        // order (PyTorch's implicit output order: upper before lower case).
        let mut ell = 0usize;
        for (i, (term, t)) in terms.iter().zip(operands).enumerate() {
            let labels = term.iter().filter(|s| **s != Sub::Ellipsis).count();
            let has_ell = term.contains(&Sub::Ellipsis);
            if has_ell && labels > t.dim() {
                return Err(Error::invalid(format!(
                    "einsum(): the number of subscripts in the equation ({labels}) is more than the number of dimensions ({}) for operand {i}",
                    t.dim()
                )));
            }
            if !has_ell && labels != t.dim() {
                return Err(Error::invalid(format!(
                    "einsum(): the number of subscripts in the equation ({labels}) does not match the number of dimensions ({}) for operand {i} and no ellipsis was given",
                    t.dim()
                )));
            }
            if has_ell {
                ell = ell.max(t.dim() - labels);
            }
        }
        let mut letters: Vec<u8> = terms
            .iter()
            .flatten()
            .filter_map(|s| match s {
                Sub::Label(c) => Some(*c),
                Sub::Ellipsis => None,
            })
            .collect();
        letters.sort_unstable();
        letters.dedup();
        let axis_of = |c: u8| ell + letters.binary_search(&c).expect("every letter is listed");
        let rank = ell + letters.len();

        // Each operand's dims as global axes (an ellipsis takes the last
        // broadcast axes, right-aligned as in broadcasting).
        let op_axes: Vec<Vec<usize>> = terms
            .iter()
            .zip(operands)
            .map(|(term, t)| {
                let n_ell = t.dim() + 1 - term.len();
                term.iter()
                    .flat_map(|s| match s {
                        Sub::Label(c) => vec![axis_of(*c)],
                        Sub::Ellipsis => (ell - n_ell..ell).collect(),
                    })
                    .collect()
            })
            .collect();

        // Output axes.
        let out_axes: Vec<usize> = match rhs {
            Some((r, at)) => {
                let mut axes = Vec::new();
                for s in parse_term(r, at, "output")? {
                    match s {
                        Sub::Ellipsis => axes.extend(0..ell),
                        Sub::Label(c) => {
                            if letters.binary_search(&c).is_err() {
                                return Err(Error::invalid(format!(
                                    "einsum(): output subscript {} does not appear in the equation for any input operand",
                                    c as char
                                )));
                            }
                            let a = axis_of(c);
                            if axes.contains(&a) {
                                return Err(Error::invalid(format!(
                                    "einsum(): output subscript {} appears more than once in the output",
                                    c as char
                                )));
                            }
                            axes.push(a);
                        }
                    }
                }
                axes
            }
            None => {
                let once = |a: usize| op_axes.iter().flatten().filter(|&&x| x == a).count() == 1;
                (0..ell).chain((ell..rank).filter(|&a| once(a))).collect()
            }
        };

        // Sizes must agree or be 1, axis by axis, in operand order.
        let mut seen = vec![1usize; rank];
        for (i, (t, axes)) in operands.iter().zip(&op_axes).enumerate() {
            for (d, (&a, &size)) in axes.iter().zip(t.shape()).enumerate() {
                // (a repeated label is checked against itself below)
                if size == 1 || axes[..d].contains(&a) {
                    continue;
                }
                if seen[a] != 1 && seen[a] != size {
                    return Err(Error::invalid(if a < ell {
                        format!(
                            "einsum(): dimension {d} covered by ellipsis in operand {i} has size {size} which does not broadcast with previously seen ellipsis with size {} for the respective dimension",
                            seen[a]
                        )
                    } else {
                        format!(
                            "einsum(): subscript {} has size {size} for operand {i} which does not broadcast with previously seen size {}",
                            letters[a - ell] as char,
                            seen[a]
                        )
                    }));
                }
                seen[a] = size;
            }
        }

        // Diagonals, then every operand onto all `rank` axes.
        let mut ops: Vec<Tensor> = Vec::with_capacity(operands.len());
        for (i, (t, axes)) in operands.iter().zip(&op_axes).enumerate() {
            let mut t = (*t).clone();
            let mut axes = axes.clone();
            while let Some((p, q)) = (0..axes.len())
                .flat_map(|q| (0..q).map(move |p| (p, q)))
                .find(|&(p, q)| axes[p] == axes[q])
            {
                if t.shape()[p] != t.shape()[q] {
                    let c = letters[axes[p] - ell] as char;
                    return Err(Error::invalid(format!(
                        "einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, {} != {}",
                        t.shape()[q],
                        t.shape()[p]
                    )));
                }
                t = diagonal(&t, p, q);
                axes.remove(q);
            }
            let mut perm: Vec<usize> = (0..axes.len()).collect();
            perm.sort_by_key(|&k| axes[k]);
            t = t.permute(&perm.iter().map(|&k| k as i64).collect::<Vec<_>>())?;
            axes.sort_unstable();
            for a in 0..rank {
                if axes.binary_search(&a).is_err() {
                    t = t.unsqueeze(a as i64)?;
                }
            }
            ops.push(t);
        }

        // Which operands hold each axis (by subscript, not by size).
        let holds = |i: usize, a: usize| op_axes[i].contains(&a);
        let needed_after =
            |j: usize, a: usize| out_axes.contains(&a) || (j + 1..ops.len()).any(|k| holds(k, a));
        let sum_early = |i: usize, t: &Tensor| -> Result<Tensor> {
            let dims: Vec<i64> = (0..rank)
                .filter(|&a| {
                    t.shape()[a] != 1
                        && holds(i, a)
                        && !out_axes.contains(&a)
                        && !(0..ops.len()).any(|k| k != i && holds(k, a))
                })
                .map(|a| a as i64)
                .collect();
            if dims.is_empty() {
                Ok(t.clone())
            } else {
                t.sum_dims(&dims, true)
            }
        };
        let mut acc = sum_early(0, &ops[0])?;
        for (j, op) in ops.iter().enumerate().skip(1) {
            let rhs = sum_early(j, op)?;
            let sum_axes: Vec<usize> = (0..rank)
                .filter(|&a| {
                    (acc.shape()[a] != 1 || rhs.shape()[a] != 1)
                        && (0..=j).any(|k| holds(k, a))
                        && !needed_after(j, a)
                })
                .collect();
            acc = contract(&acc, &rhs, &sum_axes)?;
        }

        // Drop the summed (now size-1) axes and order the rest as the output.
        let rest: Vec<usize> = (0..rank).filter(|a| !out_axes.contains(a)).collect();
        let leftover: Vec<i64> = rest
            .iter()
            .filter(|&&a| acc.shape()[a] != 1)
            .map(|&a| a as i64)
            .collect();
        if !leftover.is_empty() {
            acc = acc.sum_dims(&leftover, true)?;
        }
        for &a in rest.iter().rev() {
            acc = acc.squeeze_dim(a as i64)?;
        }
        let kept: Vec<usize> = (0..rank).filter(|a| out_axes.contains(a)).collect();
        let perm: Vec<i64> = out_axes
            .iter()
            .map(|a| kept.binary_search(a).expect("output axes are kept") as i64)
            .collect();
        if perm.iter().enumerate().all(|(i, &p)| i as i64 == p) {
            Ok(acc)
        } else {
            acc.permute(&perm)
        }
    }
}
