//! Strided iteration for CPU kernels.
//!
//! A kernel over N operands that share one (broadcast) shape is planned
//! once: size-1 dims are dropped and adjacent dims that are contiguous for
//! every operand are merged ("coalesced"), so a contiguous or simply
//! broadcast tensor becomes one or two long rows. The kernel then only
//! writes a tight loop over one row, given each operand's start offset and
//! inner stride; rows are split over rayon (through [`super::par`]) above a size threshold.

use std::mem::MaybeUninit;
use std::ops::Range;

use super::par;
use crate::Layout;

/// Elements below which kernels stay on the calling thread.
pub const PAR_THRESHOLD: usize = 1 << 15;

/// A visiting plan for N operands of the same shape.
#[derive(Debug, Clone)]
pub struct Plan<const N: usize> {
    shape: Vec<usize>,
    strides: [Vec<usize>; N],
    offsets: [usize; N],
}

impl<const N: usize> Plan<N> {
    /// Plans a walk over `layouts`, which all have the same shape.
    pub fn new(layouts: [&Layout; N]) -> Self {
        let full = layouts[0].shape();
        if full.contains(&0) {
            // Nothing to visit (and merging huge dims could overflow).
            return Plan {
                shape: vec![0],
                strides: std::array::from_fn(|_| vec![0]),
                offsets: std::array::from_fn(|k| layouts[k].offset()),
            };
        }
        let keep: Vec<usize> = (0..full.len()).filter(|&d| full[d] != 1).collect();
        let mut shape: Vec<usize> = Vec::with_capacity(keep.len());
        let mut strides: [Vec<usize>; N] = std::array::from_fn(|_| Vec::with_capacity(keep.len()));
        for &d in &keep {
            let can_merge = !shape.is_empty()
                && (0..N).all(|k| {
                    let last = *strides[k].last().unwrap_or(&0);
                    layouts[k].strides()[d].saturating_mul(full[d]) == last
                });
            if can_merge {
                let n = shape.len() - 1;
                shape[n] = shape[n].saturating_mul(full[d]);
                for (k, s) in strides.iter_mut().enumerate() {
                    s[n] = layouts[k].strides()[d];
                }
            } else {
                shape.push(full[d]);
                for (k, s) in strides.iter_mut().enumerate() {
                    s.push(layouts[k].strides()[d]);
                }
            }
        }
        Plan {
            shape,
            strides,
            offsets: std::array::from_fn(|k| layouts[k].offset()),
        }
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().fold(1usize, |a, &d| a.saturating_mul(d))
    }

    /// Length of the innermost (row) dimension.
    pub fn inner_len(&self) -> usize {
        self.shape.last().copied().unwrap_or(1)
    }

    /// Each operand's stride along the row.
    pub fn inner_strides(&self) -> [usize; N] {
        std::array::from_fn(|k| self.strides[k].last().copied().unwrap_or(0))
    }

    pub fn rows(&self) -> usize {
        if self.shape.is_empty() {
            1
        } else {
            self.shape[..self.shape.len() - 1]
                .iter()
                .fold(1usize, |a, &d| a.saturating_mul(d))
        }
    }

    /// Calls `f(row, offsets)` for each row in `rows`, in order.
    pub fn for_rows(&self, rows: Range<usize>, mut f: impl FnMut(usize, [usize; N])) {
        if rows.is_empty() || self.numel() == 0 {
            return;
        }
        let mut cursor = Cursor::new(self, rows.start);
        for row in rows {
            f(row, cursor.offs);
            cursor.advance();
        }
    }

    /// Builds a contiguous output by filling each row with `fill(offsets,
    /// inner_strides, row_out)`, in parallel for large outputs. Callers
    /// have checked the output size; prefer [`Plan::try_collect`].
    pub fn collect<U: Send + 'static>(
        &self,
        fill: impl Fn([usize; N], [usize; N], &mut [MaybeUninit<U>]) + Sync,
    ) -> Vec<U> {
        let n = self.numel();
        let mut out: Vec<U> = super::pool::alloc(n);
        let done = self.fill_rows(&mut out.spare_capacity_mut()[..n], &fill, false);
        debug_assert!(done, "an unpolled fill always completes");
        // SAFETY: `fill_rows` without polling wrote every element of
        // `spare[..n]` exactly once: the row ranges partition 0..n and
        // `fill` writes its whole slice.
        unsafe { out.set_len(n) };
        out
    }

    /// [`Plan::collect`] that fails instead of aborting: the output is
    /// allocated fallibly, and the fill stops between chunks of rows on an
    /// interrupt request ([`crate::interrupt`]), dropping the partial output.
    pub fn try_collect<U: Send + 'static>(
        &self,
        fill: impl Fn([usize; N], [usize; N], &mut [MaybeUninit<U>]) + Sync,
    ) -> crate::Result<Vec<U>> {
        let n = self.numel();
        let mut out: Vec<U> = super::pool::try_alloc(n)?;
        if !self.fill_rows(&mut out.spare_capacity_mut()[..n], &fill, true) {
            return Err(crate::Error::Interrupted);
        }
        // SAFETY: `fill_rows` returned true: every chunk ran, so every
        // element of `spare[..n]` was written exactly once (as in `collect`).
        unsafe { out.set_len(n) };
        Ok(out)
    }

    /// Fills `spare` (this plan's `numel` elements) row by row; with `poll`
    /// each chunk first checks for an interrupt and is skipped if one is
    /// pending. Returns whether every chunk ran.
    fn fill_rows<U: Send>(
        &self,
        spare: &mut [MaybeUninit<U>],
        fill: &(impl Fn([usize; N], [usize; N], &mut [MaybeUninit<U>]) + Sync),
        poll: bool,
    ) -> bool {
        let n = spare.len();
        if n == 0 {
            return true;
        }
        let skipped = std::sync::atomic::AtomicBool::new(false);
        let stop = || {
            let s = poll && crate::interrupt::is_requested();
            if s {
                skipped.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            s
        };
        let inner = self.inner_len();
        let strides = self.inner_strides();
        let rows = self.rows();
        if n >= PAR_THRESHOLD && rows > 1 {
            let rows_per_task = (PAR_THRESHOLD / inner).max(1);
            par::chunks_mut(spare, rows_per_task * inner, &|t, chunk| {
                if stop() {
                    return;
                }
                let start = t * rows_per_task;
                let end = (start + rows_per_task).min(rows);
                self.for_rows(start..end, |row, offs| {
                    let r = row - start;
                    fill(offs, strides, &mut chunk[r * inner..(r + 1) * inner]);
                });
            });
        } else if n >= PAR_THRESHOLD {
            // One long row: split it.
            par::chunks_mut(spare, PAR_THRESHOLD, &|t, chunk| {
                if stop() {
                    return;
                }
                let base = t * PAR_THRESHOLD;
                let offs = std::array::from_fn(|k| self.offsets[k] + base * strides[k]);
                fill(offs, strides, chunk);
            });
        } else {
            self.for_rows(0..rows, |row, offs| {
                fill(offs, strides, &mut spare[row * inner..(row + 1) * inner]);
            });
        }
        !skipped.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The operands' offsets at one row of a [`Plan`], stepped like an
/// odometer. Generic over N only: every kernel's `for_rows` shares it.
struct Cursor<'p, const N: usize> {
    plan: &'p Plan<N>,
    idx: Vec<usize>,
    offs: [usize; N],
}

impl<'p, const N: usize> Cursor<'p, N> {
    /// Decodes `row`'s multi-index (once; then [`Cursor::advance`] steps).
    fn new(plan: &'p Plan<N>, row: usize) -> Self {
        let outer = plan.shape.len().saturating_sub(1);
        let mut idx = vec![0usize; outer];
        let mut rem = row;
        for d in (0..outer).rev() {
            idx[d] = rem % plan.shape[d];
            rem /= plan.shape[d];
        }
        let mut offs = plan.offsets;
        for (k, o) in offs.iter_mut().enumerate() {
            *o += (0..outer)
                .map(|d| idx[d] * plan.strides[k][d])
                .sum::<usize>();
        }
        Cursor { plan, idx, offs }
    }

    /// Moves to the next row: the last outer dim steps inline, a carry
    /// into the dims above is out of line.
    #[inline]
    fn advance(&mut self) {
        let Some(d) = self.idx.len().checked_sub(1) else {
            return;
        };
        self.idx[d] += 1;
        if self.idx[d] < self.plan.shape[d] {
            for (k, o) in self.offs.iter_mut().enumerate() {
                *o += self.plan.strides[k][d];
            }
        } else {
            self.carry(d);
        }
    }

    #[inline(never)]
    fn carry(&mut self, mut d: usize) {
        let plan = self.plan;
        loop {
            // Dim d wrapped: back to its start, then step the dim above.
            for (k, o) in self.offs.iter_mut().enumerate() {
                *o -= plan.strides[k][d] * (plan.shape[d] - 1);
            }
            self.idx[d] = 0;
            if d == 0 {
                return;
            }
            d -= 1;
            self.idx[d] += 1;
            if self.idx[d] < plan.shape[d] {
                for (k, o) in self.offs.iter_mut().enumerate() {
                    *o += plan.strides[k][d];
                }
                return;
            }
        }
    }
}

/// Fills `out` with `f(src[offset + j * stride])`, with a contiguous fast path
/// the compiler vectorises.
#[inline(always)]
pub fn map_row<T: Copy, U>(
    src: &[T],
    off: usize,
    stride: usize,
    out: &mut [MaybeUninit<U>],
    f: impl Fn(T) -> U,
) {
    if stride == 1 {
        let n = out.len();
        for (o, &x) in out.iter_mut().zip(&src[off..off + n]) {
            o.write(f(x));
        }
    } else {
        for (j, o) in out.iter_mut().enumerate() {
            o.write(f(src[off + j * stride]));
        }
    }
}

/// Two-operand version of [`map_row`] with fast paths for contiguous and
/// scalar-broadcast operands.
#[inline(always)]
pub fn zip_row<A: Copy, B: Copy, U>(
    a: &[A],
    b: &[B],
    offs: [usize; 2],
    strides: [usize; 2],
    out: &mut [MaybeUninit<U>],
    f: impl Fn(A, B) -> U,
) {
    let n = out.len();
    let [oa, ob] = offs;
    match strides {
        [1, 1] => {
            for ((o, &x), &y) in out.iter_mut().zip(&a[oa..oa + n]).zip(&b[ob..ob + n]) {
                o.write(f(x, y));
            }
        }
        [1, 0] => {
            let y = b[ob];
            for (o, &x) in out.iter_mut().zip(&a[oa..oa + n]) {
                o.write(f(x, y));
            }
        }
        [0, 1] => {
            let x = a[oa];
            for (o, &y) in out.iter_mut().zip(&b[ob..ob + n]) {
                o.write(f(x, y));
            }
        }
        [sa, sb] => {
            for (j, o) in out.iter_mut().enumerate() {
                o.write(f(a[oa + j * sa], b[ob + j * sb]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coalesces_contiguous_and_broadcast_dims() {
        let l = Layout::contiguous(&[4, 5, 6]);
        let p = Plan::new([&l]);
        assert_eq!(p.inner_len(), 120);
        assert_eq!(p.rows(), 1);
        let b = Layout::contiguous(&[6]).broadcast_to(&[4, 5, 6]).unwrap();
        let p = Plan::new([&l, &b]);
        assert_eq!((p.rows(), p.inner_len()), (20, 6));
    }

    #[test]
    fn collect_visits_in_row_major_order() {
        for shape in [vec![3usize, 4], vec![300, 257], vec![2, 1, 70000]] {
            let l = Layout::contiguous(&shape);
            let t = l.transpose(0, shape.len() - 1);
            let src: Vec<usize> = (0..l.numel()).collect();
            let got = Plan::new([&t]).collect(|[o], [s], out| map_row(&src, o, s, out, |x| x));
            assert_eq!(got, t.offsets());
        }
    }

    #[test]
    fn rows_carry_across_several_outer_dims() {
        // Permuted and sliced 4-D views keep three outer dims, so stepping
        // rows wraps one, two and three dims; parallel chunks start mid-way.
        let base = Layout::contiguous(&[5, 6, 7, 8]);
        let views = [
            base.permute(&[3, 1, 0, 2]).unwrap(),
            base.slice(1, 1, 6, 2).permute(&[2, 0, 3, 1]).unwrap(),
            Layout::contiguous(&[9, 70, 3, 20])
                .permute(&[0, 2, 1, 3])
                .unwrap(),
        ];
        for t in views {
            let src: Vec<usize> = (0..9 * 70 * 3 * 20).collect();
            let got = Plan::new([&t]).collect(|[o], [s], out| map_row(&src, o, s, out, |x| x));
            assert_eq!(got, t.offsets(), "{:?}", t.shape());
        }
    }
}
