//! The `ProcessGroup` seam: what a distributed backend provides (rank, size,
//! the collectives on tensors, a byte exchange for control messages), and
//! the agreement every collective starts with.
//!
//! Before moving data, each collective exchanges a short description of
//! the call on every rank (which collective, op, root, dtype, shape, its
//! sequence number, and any local argument error). Every rank compares all
//! descriptions the same way, so a mismatch (shapes, dtypes, a rank calling
//! a different collective) or a bad argument on one rank becomes the same
//! error on every rank, naming both sides, instead of a hang or corrupted
//! data. Backends never see a call that failed this check.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::{DType, Error, Result, Tensor};

/// `torch.distributed.ReduceOp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    /// The sum divided by the world size (in the tensor's float type;
    /// truncating for integers, as NCCL).
    Avg,
    Max,
    Min,
    Product,
}

impl ReduceOp {
    pub const ALL: [ReduceOp; 5] = [
        ReduceOp::Sum,
        ReduceOp::Avg,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::Product,
    ];

    /// PyTorch's name (`ReduceOp.SUM` prints as `SUM`).
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "SUM",
            ReduceOp::Avg => "AVG",
            ReduceOp::Max => "MAX",
            ReduceOp::Min => "MIN",
            ReduceOp::Product => "PRODUCT",
        }
    }

    /// Parses PyTorch's names (`"SUM"`, `"sum"`, `"PRODUCT"`).
    pub fn from_name(name: &str) -> Option<ReduceOp> {
        ReduceOp::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }

    fn code(self) -> u8 {
        ReduceOp::ALL.iter().position(|&o| o == self).unwrap_or(0) as u8
    }
}

/// The engines behind a process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Open MPI (feature `distributed`): launch, rendezvous, CPU collectives.
    Mpi,
    /// NCCL on CUDA tensors (features `cuda` and `distributed`), bootstrapped over MPI.
    Nccl,
    /// Threads of one process (tests of the layers above).
    Threads,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Mpi => "mpi",
            Backend::Nccl => "nccl",
            Backend::Threads => "threads",
        }
    }
}

/// A group of ranks that run collectives together: the seam between the
/// tensor-level functions (collectives.rs, DDP) and the engines.
///
/// Callers reach the tensor methods through `collectives.rs`, which has
/// already checked the arguments and agreed on the call with every rank:
/// all tensors of one call share a dtype and a device kind the backend
/// takes, `all_gather`'s `out` holds `size() * input.numel()` elements and
/// `reduce_scatter`'s `input` `size() * out.numel()`, gather's `out` and
/// scatter's `input` are given exactly on the root. Tensors may be views;
/// results are written into them in place. Every rank of a group must call
/// the same collectives in the same order.
pub trait ProcessGroup: Send + Sync {
    fn backend(&self) -> Backend;
    /// This process's rank, `0..size()`.
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    /// How long a collective may wait for the other ranks.
    fn timeout(&self) -> Duration;
    /// The counter behind the calls' sequence numbers.
    fn sequence(&self) -> &AtomicU64;

    /// Every rank's bytes, in rank order (control messages of any length).
    fn all_gather_bytes(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>>;
    fn all_reduce(&self, t: &Tensor, op: ReduceOp) -> Result<()>;
    fn broadcast(&self, t: &Tensor, root: usize) -> Result<()>;
    /// `out` = every rank's `input`, concatenated in rank order.
    fn all_gather(&self, out: &Tensor, input: &Tensor) -> Result<()>;
    /// `out` = the reduction over ranks of slice `rank()` of `input`.
    fn reduce_scatter(&self, out: &Tensor, input: &Tensor, op: ReduceOp) -> Result<()>;
    /// On `root`, `out` = every rank's `input` in rank order.
    fn gather(&self, out: Option<&Tensor>, input: &Tensor, root: usize) -> Result<()>;
    /// `out` = slice `rank()` of `root`'s `input`.
    fn scatter(&self, out: &Tensor, input: Option<&Tensor>, root: usize) -> Result<()>;
    fn barrier(&self) -> Result<()>;
}

/// Which collective a call is (also the names used in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AllReduce,
    Broadcast,
    AllGather,
    ReduceScatter,
    Gather,
    Scatter,
    Barrier,
    /// DDP's model check and parameter broadcast.
    ModelCheck,
    /// A rank leaving the group (end of the program, destroy_process_group).
    Shutdown,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::AllReduce,
        Kind::Broadcast,
        Kind::AllGather,
        Kind::ReduceScatter,
        Kind::Gather,
        Kind::Scatter,
        Kind::Barrier,
        Kind::ModelCheck,
        Kind::Shutdown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::AllReduce => "all_reduce",
            Kind::Broadcast => "broadcast",
            Kind::AllGather => "all_gather",
            Kind::ReduceScatter => "reduce_scatter",
            Kind::Gather => "gather",
            Kind::Scatter => "scatter",
            Kind::Barrier => "barrier",
            Kind::ModelCheck => "DistributedDataParallel's model check",
            Kind::Shutdown => "shutdown (the end of the program or destroy_process_group)",
        }
    }
}

/// One rank's description of a collective call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub kind: Kind,
    pub op: Option<ReduceOp>,
    /// src/dst of rooted collectives.
    pub root: Option<usize>,
    /// dtype and shape of the tensor every rank contributes (None: no tensor).
    pub tensor: Option<(DType, Vec<usize>)>,
}

impl Call {
    pub fn new(kind: Kind) -> Call {
        Call {
            kind,
            op: None,
            root: None,
            tensor: None,
        }
    }

    pub fn op(mut self, op: ReduceOp) -> Call {
        self.op = Some(op);
        self
    }

    pub fn root(mut self, root: usize) -> Call {
        self.root = Some(root);
        self
    }

    pub fn tensor(mut self, t: &Tensor) -> Call {
        self.tensor = Some((t.dtype(), t.shape().to_vec()));
        self
    }
}

/// The wire form: kind, op, dtype, flags, root, sequence, ndim, dims, and
/// the local error's text when flag 1 is set.
fn encode(call: &Call, seq: u64, local_error: Option<&str>) -> Vec<u8> {
    let kind = Kind::ALL.iter().position(|&k| k == call.kind).unwrap_or(0) as u8;
    let op = call.op.map_or(u8::MAX, ReduceOp::code);
    let (dtype, dims) = match &call.tensor {
        Some((d, s)) => (
            DType::ALL.iter().position(|x| x == d).unwrap_or(0) as u8,
            s.clone(),
        ),
        None => (u8::MAX, Vec::new()),
    };
    let mut out = vec![kind, op, dtype, local_error.is_some() as u8];
    out.extend((call.root.map_or(u32::MAX, |r| r as u32)).to_le_bytes());
    out.extend(seq.to_le_bytes());
    out.extend((dims.len() as u32).to_le_bytes());
    for d in dims {
        out.extend((d as u64).to_le_bytes());
    }
    if let Some(e) = local_error {
        out.extend(e.as_bytes());
    }
    out
}

/// A decoded peer description: the call, its sequence number, its local error.
type Peer = (Call, u64, Option<String>);

fn decode(b: &[u8]) -> Option<Peer> {
    let u32_at = |i: usize| Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?));
    let u64_at = |i: usize| Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?));
    let kind = *Kind::ALL.get(*b.first()? as usize)?;
    let op = ReduceOp::ALL.get(*b.get(1)? as usize).copied();
    let dtype = DType::ALL.get(*b.get(2)? as usize).copied();
    let has_error = *b.get(3)? == 1;
    let root = u32_at(4)?;
    let seq = u64_at(8)?;
    let ndim = u32_at(16)? as usize;
    let dims = (0..ndim)
        .map(|i| u64_at(20 + 8 * i).map(|d| d as usize))
        .collect::<Option<Vec<_>>>()?;
    let rest = b.get(20 + 8 * ndim..)?;
    let call = Call {
        kind,
        op,
        root: (root != u32::MAX).then_some(root as usize),
        tensor: dtype.map(|d| (d, dims)),
    };
    let err = has_error.then(|| String::from_utf8_lossy(rest).into_owned());
    Some((call, seq, err))
}

fn describe(t: &Option<(DType, Vec<usize>)>) -> String {
    match t {
        Some((d, s)) => format!("a {} tensor of shape {s:?}", d.name()),
        None => "no tensor".into(),
    }
}

/// Agrees on a call with every rank of `g`: returns this rank's own
/// argument error, or the first peer's, or a mismatch naming both ranks;
/// the same verdict on every rank. `call` is this rank's description, or
/// the error its argument checks raised (the exchange still happens, so
/// the other ranks fail too instead of waiting).
pub fn agree(g: &dyn ProcessGroup, kind: Kind, call: Result<Call>) -> Result<()> {
    let seq = g.sequence().fetch_add(1, Ordering::Relaxed);
    let (mine, local) = match call {
        Ok(c) => (c, None),
        Err(e) => (Call::new(kind), Some(e)),
    };
    let wire = encode(&mine, seq, local.as_ref().map(|e| e.to_string()).as_deref());
    let all = g.all_gather_bytes(&wire)?;
    if let Some(e) = local {
        return Err(e);
    }
    let peers = all
        .iter()
        .enumerate()
        .map(|(r, b)| {
            decode(b).ok_or_else(|| {
                Error::Internal(format!("rank {r} sent an unreadable collective header"))
            })
        })
        .collect::<Result<Vec<Peer>>>()?;
    let name = kind.name();
    if let Some((r, (_, _, e))) = peers.iter().enumerate().find(|(_, p)| p.2.is_some()) {
        return Err(Error::invalid(format!(
            "{name} failed on rank {r}: {}",
            e.as_deref().unwrap_or_default()
        )));
    }
    let (first, seq0, _) = &peers[0];
    for (r, (c, s, _)) in peers.iter().enumerate().skip(1) {
        if c.kind != first.kind {
            let at = if s == seq0 {
                format!("call #{s} of the process group")
            } else {
                format!("calls #{seq0} and #{s} of the process group")
            };
            return Err(Error::invalid(format!(
                "ranks called different collectives: rank 0 called {} and rank {r} called {} ({at})",
                first.kind.name(),
                c.kind.name()
            )));
        }
        if s != seq0 {
            return Err(Error::invalid(format!(
                "{name}: ranks are at different collectives: rank 0 is at call #{seq0} and rank {r} at call #{s} of the process group"
            )));
        }
        if c.op != first.op {
            let op = |o: Option<ReduceOp>| o.map_or("none", ReduceOp::name);
            return Err(Error::invalid(format!(
                "{name}: ranks passed different ops: rank 0 passed {} and rank {r} passed {}",
                op(first.op),
                op(c.op)
            )));
        }
        if c.root != first.root {
            let root = |o: Option<usize>| o.map_or("none".into(), |v| v.to_string());
            return Err(Error::invalid(format!(
                "{name}: ranks passed different root ranks: rank 0 passed {} and rank {r} passed {}",
                root(first.root),
                root(c.root)
            )));
        }
        if c.tensor != first.tensor {
            return Err(Error::invalid(format!(
                "{name}: the tensors differ across ranks: rank 0 has {} and rank {r} has {}",
                describe(&first.tensor),
                describe(&c.tensor)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let c = Call {
            kind: Kind::ReduceScatter,
            op: Some(ReduceOp::Product),
            root: Some(3),
            tensor: Some((DType::BF16, vec![2, 0, 7])),
        };
        let (back, seq, err) = decode(&encode(&c, 41, Some("bad list"))).unwrap();
        assert_eq!((back, seq, err.as_deref()), (c, 41, Some("bad list")));
        let bare = Call::new(Kind::Barrier);
        assert_eq!(decode(&encode(&bare, 0, None)).unwrap(), (bare, 0, None));
        assert!(decode(&[0, 1, 2]).is_none());
    }

    #[test]
    fn op_names_are_pytorchs() {
        assert_eq!(ReduceOp::from_name("sum"), Some(ReduceOp::Sum));
        assert_eq!(ReduceOp::from_name("PRODUCT"), Some(ReduceOp::Product));
        assert_eq!(ReduceOp::from_name("BAND"), None);
        assert_eq!(ReduceOp::Avg.name(), "AVG");
    }
}
