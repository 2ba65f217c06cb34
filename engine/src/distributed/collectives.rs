//! `torch.distributed`'s collectives on an explicit group, with PyTorch's
//! signatures and semantics: in place, results equal on every rank. Each
//! function checks its arguments, agrees on the call with every rank
//! (group.rs: a bad argument or a mismatch is an error on all of them),
//! then hands contiguous buffers to the backend. The default-group forms
//! (`distributed::all_reduce(t, op)`, ...) call these.

use super::group::{agree, Call, Kind, ProcessGroup, ReduceOp};
use super::reduce;
use crate::{Error, Result, Tensor};

/// Errors unless `root` is a rank of `g`.
fn check_root(g: &dyn ProcessGroup, what: &str, root: usize) -> Result<()> {
    if root >= g.size() {
        return Err(Error::invalid(format!(
            "Invalid {what} rank {root}: the group has ranks 0..{}",
            g.size()
        )));
    }
    Ok(())
}

fn check_device(g: &dyn ProcessGroup, t: &Tensor) -> Result<()> {
    #[cfg(all(feature = "distributed", feature = "cuda"))]
    if g.backend() == super::Backend::Nccl && !t.device().is_cuda() {
        return Err(Error::invalid(format!(
            "the nccl backend takes CUDA tensors, but got a tensor on {} (use the gloo or mpi backend for CPU tensors)",
            t.device()
        )));
    }
    let _ = (g, t);
    Ok(())
}

/// Each tensor of `list` (named `name`) has `like`'s dtype, shape and device.
fn check_list(what: &str, name: &str, list: &[Tensor], like: &Tensor, size: usize) -> Result<()> {
    if list.len() != size {
        return Err(Error::invalid(format!(
            "{what}: {name} has {} tensors, but the world size is {size}",
            list.len()
        )));
    }
    for (i, t) in list.iter().enumerate() {
        if t.dtype() != like.dtype() || t.shape() != like.shape() || t.device() != like.device() {
            return Err(Error::invalid(format!(
                "{what}: {name}[{i}] is a {} tensor of shape {:?} on {}, but the tensor is {} of shape {:?} on {}",
                t.dtype().name(),
                t.shape(),
                t.device(),
                like.dtype().name(),
                like.shape(),
                like.device()
            )));
        }
    }
    Ok(())
}

fn check_op(what: &str, op: ReduceOp, t: &Tensor) -> Result<()> {
    if !reduce::supports(op, t.dtype()) {
        return Err(Error::invalid(format!(
            "{what}: ReduceOp.{} is not supported for {} tensors",
            op.name(),
            t.dtype().name()
        )));
    }
    Ok(())
}

/// Writes `src`'s elements (same numel and dtype) into `dst` in row-major
/// order, in place.
pub(crate) fn assign(dst: &Tensor, src: &Tensor) -> Result<()> {
    let src = if dst.shares_storage(src) {
        src.contiguous_copy()?
    } else {
        src.clone()
    };
    let src = src.reshape_to(dst.shape())?;
    dst.storage_mut()
        .copy_into(dst.layout(), &src.storage(), src.layout())?;
    dst.storage_cell().bump_version();
    Ok(())
}

/// A flat contiguous tensor holding `list`'s tensors one after another.
fn flat_cat(list: &[Tensor]) -> Result<Tensor> {
    let flat: Vec<Tensor> = list
        .iter()
        .map(|t| t.reshape(&[-1]))
        .collect::<Result<_>>()?;
    crate::autograd::with_no_grad(|| Tensor::cat(&flat.iter().collect::<Vec<_>>(), 0))
}

/// Copies consecutive runs of `flat` into the tensors of `list`.
fn split_into(flat: &Tensor, list: &[Tensor]) -> Result<()> {
    let mut start = 0;
    for t in list {
        let n = t.numel();
        assign(t, &flat.narrow(0, start as i64, n)?)?;
        start += n;
    }
    Ok(())
}

/// `all_reduce(tensor, op)`: every rank's `tensor` becomes the reduction
/// of all ranks' tensors (folded in rank order on the host backends).
pub fn all_reduce(g: &dyn ProcessGroup, tensor: &Tensor, op: ReduceOp) -> Result<()> {
    let call = check_op("all_reduce", op, tensor)
        .and_then(|_| check_device(g, tensor))
        .map(|_| Call::new(Kind::AllReduce).op(op).tensor(tensor));
    agree(g, Kind::AllReduce, call)?;
    g.all_reduce(tensor, op)
}

/// `broadcast(tensor, src)`: every rank's `tensor` becomes `src`'s.
pub fn broadcast(g: &dyn ProcessGroup, tensor: &Tensor, src: usize) -> Result<()> {
    let call = check_root(g, "src", src)
        .and_then(|_| check_device(g, tensor))
        .map(|_| Call::new(Kind::Broadcast).root(src).tensor(tensor));
    agree(g, Kind::Broadcast, call)?;
    g.broadcast(tensor, src)
}

/// `all_gather(tensor_list, tensor)`: `tensor_list[i]` becomes rank i's
/// `tensor` (the list has world-size tensors shaped like `tensor`).
pub fn all_gather(g: &dyn ProcessGroup, tensor_list: &[Tensor], tensor: &Tensor) -> Result<()> {
    let call = check_list("all_gather", "tensor_list", tensor_list, tensor, g.size())
        .and_then(|_| check_device(g, tensor))
        .map(|_| Call::new(Kind::AllGather).tensor(tensor));
    agree(g, Kind::AllGather, call)?;
    let out = Tensor::empty_on(
        &[g.size() * tensor.numel()],
        tensor.dtype(),
        tensor.device(),
    )?;
    g.all_gather(&out, tensor)?;
    split_into(&out, tensor_list)
}

/// `all_gather_into_tensor(output, input)`: `output` (world size times
/// `input`'s elements, stacked or concatenated) becomes every rank's
/// `input` in rank order.
pub fn all_gather_into_tensor(g: &dyn ProcessGroup, output: &Tensor, input: &Tensor) -> Result<()> {
    let call = (|| {
        if output.numel() != g.size() * input.numel() || output.dtype() != input.dtype() {
            return Err(Error::invalid(format!(
                "all_gather_into_tensor: output tensor must have world size ({}) times the input's {} {} elements, got {} {} elements",
                g.size(),
                input.numel(),
                input.dtype().name(),
                output.numel(),
                output.dtype().name()
            )));
        }
        check_device(g, input)?;
        Ok(Call::new(Kind::AllGather).tensor(input))
    })();
    agree(g, Kind::AllGather, call)?;
    g.all_gather(output, input)
}

/// `reduce_scatter(output, input_list, op)`: `output` on rank r becomes the
/// reduction over ranks of their `input_list[r]`.
pub fn reduce_scatter(
    g: &dyn ProcessGroup,
    output: &Tensor,
    input_list: &[Tensor],
    op: ReduceOp,
) -> Result<()> {
    let call = check_list("reduce_scatter", "input_list", input_list, output, g.size())
        .and_then(|_| check_op("reduce_scatter", op, output))
        .and_then(|_| check_device(g, output))
        .map(|_| Call::new(Kind::ReduceScatter).op(op).tensor(output));
    agree(g, Kind::ReduceScatter, call)?;
    g.reduce_scatter(output, &flat_cat(input_list)?, op)
}

/// `reduce_scatter_tensor(output, input, op)`: `input` holds world-size
/// runs of `output`'s size; rank r's `output` becomes the reduction of run r.
pub fn reduce_scatter_tensor(
    g: &dyn ProcessGroup,
    output: &Tensor,
    input: &Tensor,
    op: ReduceOp,
) -> Result<()> {
    let call = (|| {
        if input.numel() != g.size() * output.numel() || output.dtype() != input.dtype() {
            return Err(Error::invalid(format!(
                "reduce_scatter_tensor: input tensor must have world size ({}) times the output's {} {} elements, got {} {} elements",
                g.size(),
                output.numel(),
                output.dtype().name(),
                input.numel(),
                input.dtype().name()
            )));
        }
        check_op("reduce_scatter_tensor", op, output)?;
        check_device(g, output)?;
        Ok(Call::new(Kind::ReduceScatter).op(op).tensor(output))
    })();
    agree(g, Kind::ReduceScatter, call)?;
    g.reduce_scatter(output, input, op)
}

/// `gather(tensor, gather_list, dst)`: on `dst`, `gather_list[i]` becomes
/// rank i's `tensor`; other ranks pass no list.
pub fn gather(
    g: &dyn ProcessGroup,
    tensor: &Tensor,
    gather_list: Option<&[Tensor]>,
    dst: usize,
) -> Result<()> {
    let is_dst = g.rank() == dst;
    let call = (|| {
        check_root(g, "dst", dst)?;
        match (is_dst, gather_list) {
            (true, None) => {
                return Err(Error::invalid(
                    "Argument ``gather_list`` must be specified on destination rank.",
                ))
            }
            (true, Some(l)) => check_list("gather", "gather_list", l, tensor, g.size())?,
            (false, Some(l)) if !l.is_empty() => {
                return Err(Error::invalid(
                    "Argument ``gather_list`` must NOT be specified on non-destination ranks.",
                ))
            }
            (false, _) => {}
        }
        check_device(g, tensor)?;
        Ok(Call::new(Kind::Gather).root(dst).tensor(tensor))
    })();
    agree(g, Kind::Gather, call)?;
    if !is_dst {
        return g.gather(None, tensor, dst);
    }
    let out = Tensor::empty_on(
        &[g.size() * tensor.numel()],
        tensor.dtype(),
        tensor.device(),
    )?;
    g.gather(Some(&out), tensor, dst)?;
    split_into(&out, gather_list.unwrap_or_default())
}

/// `scatter(tensor, scatter_list, src)`: rank i's `tensor` becomes `src`'s
/// `scatter_list[i]`; other ranks pass no list.
pub fn scatter(
    g: &dyn ProcessGroup,
    tensor: &Tensor,
    scatter_list: Option<&[Tensor]>,
    src: usize,
) -> Result<()> {
    let is_src = g.rank() == src;
    let call = (|| {
        check_root(g, "src", src)?;
        match (is_src, scatter_list) {
            (true, None) => {
                return Err(Error::invalid(
                    "Argument ``scatter_list`` must be specified on source rank.",
                ))
            }
            (true, Some(l)) => check_list("scatter", "scatter_list", l, tensor, g.size())?,
            (false, Some(l)) if !l.is_empty() => {
                return Err(Error::invalid(
                    "Argument ``scatter_list`` must NOT be specified on non-source ranks.",
                ))
            }
            (false, _) => {}
        }
        check_device(g, tensor)?;
        Ok(Call::new(Kind::Scatter).root(src).tensor(tensor))
    })();
    agree(g, Kind::Scatter, call)?;
    let flat = match (is_src, scatter_list) {
        (true, Some(l)) => Some(flat_cat(l)?),
        _ => None,
    };
    g.scatter(tensor, flat.as_ref(), src)
}

/// `barrier()`: returns once every rank has called it.
pub fn barrier(g: &dyn ProcessGroup) -> Result<()> {
    agree(g, Kind::Barrier, Ok(Call::new(Kind::Barrier)))?;
    g.barrier()
}

/// Every rank's bytes, in rank order (what `all_gather_object` pickles
/// through): the length may differ between ranks.
pub fn all_gather_bytes(g: &dyn ProcessGroup, mine: &[u8]) -> Result<Vec<Vec<u8>>> {
    g.all_gather_bytes(mine)
}
