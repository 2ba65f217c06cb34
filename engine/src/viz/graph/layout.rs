//! Layered (Sugiyama-style) layout of a directed graph, top to bottom:
//!
//! 1. cycles broken by reversing DFS back edges (autograd graphs have none,
//!    but no input may panic);
//! 2. layering by longest path measured from the sinks, so every input sits
//!    right above its first consumer, then nodes with more inputs than
//!    consumers pulled up towards their inputs (shorter edges overall);
//! 3. dummy nodes split edges that span several layers;
//! 4. crossing reduction: a DFS order from the root (crossing-free for
//!    trees), then barycentre sweeps down and up and adjacent transpositions,
//!    keeping the best order seen, crossings counted per layer pair with a
//!    Fenwick tree in O(E log V);
//! 5. coordinates: repeated sweeps pull each node towards the mean x of its
//!    neighbours, then an order-preserving projection (weighted isotonic
//!    regression, pool-adjacent-violators) restores minimum gaps, with
//!    dummies weighted heavily so long edges run straight.
//!
//! Knows only sizes and index pairs: nothing of labels, colours or SVG.

/// What to lay out: node sizes and edges `(from, to)` pointing downwards.
#[derive(Debug, Clone)]
pub struct LayoutInput<'a> {
    pub sizes: &'a [(f64, f64)],
    pub edges: &'a [(usize, usize)],
    /// Visited first when ordering, so it ends up leftmost among sinks.
    pub root: usize,
}

/// One routed edge: the points it passes through, from its source's centre
/// through its dummy nodes to its target's centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub from: usize,
    pub to: usize,
    pub points: Vec<(f64, f64)>,
}

/// Node centres, layer assignment, edge routes and the drawing's extent.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub centers: Vec<(f64, f64)>,
    pub layer_of: Vec<usize>,
    /// Real and dummy node ids per layer, left to right (ids >= node count
    /// are dummies).
    pub layers: Vec<Vec<usize>>,
    pub routes: Vec<Route>,
    pub width: f64,
    pub height: f64,
    /// Edge crossings between adjacent layers in the final order.
    pub crossings: usize,
}

/// Gaps between neighbouring boxes, dummy lanes and layers.
const NODE_GAP: f64 = 28.0;
const DUMMY_WIDTH: f64 = 6.0;
const LAYER_GAP: f64 = 46.0;
const MARGIN: f64 = 16.0;

/// Lays out a graph. Edges naming missing nodes and self-loops are ignored.
pub fn layout(input: &LayoutInput<'_>) -> Layout {
    let n = input.sizes.len();
    let edges: Vec<(usize, usize)> = input
        .edges
        .iter()
        .copied()
        .filter(|&(a, b)| a < n && b < n && a != b)
        .collect();
    if n == 0 {
        return Layout {
            centers: Vec::new(),
            layer_of: Vec::new(),
            layers: Vec::new(),
            routes: Vec::new(),
            width: 2.0 * MARGIN,
            height: 2.0 * MARGIN,
            crossings: 0,
        };
    }
    let reversed = back_edges(n, &edges);
    let dag: Vec<(usize, usize)> = edges
        .iter()
        .zip(&reversed)
        .map(|(&(a, b), &r)| if r { (b, a) } else { (a, b) })
        .collect();
    let layer_of = assign_layers(n, &dag);

    // Virtual graph: real nodes then dummies; each DAG edge becomes a chain.
    let mut vlayer = layer_of.clone();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut chains = Vec::with_capacity(dag.len());
    for &(a, b) in &dag {
        let mut chain = vec![a];
        let mut prev = a;
        for l in layer_of[a] + 1..layer_of[b] {
            let d = vlayer.len();
            vlayer.push(l);
            up.push(vec![prev]);
            down.push(Vec::new());
            down[prev].push(d);
            chain.push(d);
            prev = d;
        }
        up[b].push(prev);
        down[prev].push(b);
        chain.push(b);
        chains.push(chain);
    }
    let nl = layer_of.iter().max().map_or(0, |m| m + 1);
    let mut layers = initial_order(n, input.root, &vlayer, &up, nl);
    let crossings = reduce_crossings(&mut layers, &up, &down);

    let width_of = |v: usize| {
        if v < n {
            input.sizes[v].0.max(1.0)
        } else {
            DUMMY_WIDTH
        }
    };
    let xs = assign_x(&layers, &up, &down, n, &width_of);

    // Layer heights and centres.
    let mut layer_h = vec![0.0f64; nl];
    for v in 0..n {
        layer_h[layer_of[v]] = layer_h[layer_of[v]].max(input.sizes[v].1);
    }
    let mut ys = vec![0.0; nl];
    let mut y = MARGIN;
    for l in 0..nl {
        ys[l] = y + layer_h[l] / 2.0;
        y += layer_h[l] + LAYER_GAP;
    }
    let height = y - LAYER_GAP + MARGIN;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (v, &x) in xs.iter().enumerate() {
        lo = lo.min(x - width_of(v) / 2.0);
        hi = hi.max(x + width_of(v) / 2.0);
    }
    let shift = MARGIN - lo;
    let center = |v: usize| (xs[v] + shift, ys[vlayer[v]]);
    let centers = (0..n).map(center).collect();
    let routes = edges
        .iter()
        .zip(&reversed)
        .zip(&chains)
        .map(|((&(a, b), &r), chain)| {
            let mut points: Vec<(f64, f64)> = chain.iter().map(|&v| center(v)).collect();
            if r {
                points.reverse();
            }
            Route {
                from: a,
                to: b,
                points,
            }
        })
        .collect();
    Layout {
        centers,
        layer_of,
        layers,
        routes,
        width: hi - lo + 2.0 * MARGIN,
        height,
        crossings,
    }
}

/// Marks edges that close a cycle in an iterative DFS, to be reversed.
fn back_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let mut out_e: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &(a, _)) in edges.iter().enumerate() {
        out_e[a].push(i);
    }
    // 0 = unvisited, 1 = on the stack, 2 = done
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for s in 0..n {
        if state[s] != 0 {
            continue;
        }
        let mut stack = vec![(s, 0usize)];
        state[s] = 1;
        while let Some(&mut (v, ref mut k)) = stack.last_mut() {
            if let Some(&ei) = out_e[v].get(*k) {
                *k += 1;
                let w = edges[ei].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[ei] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Longest-path layering from the sinks, then inputs-heavy nodes pulled up.
fn assign_layers(n: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in dag {
        outs[a].push(b);
        ins[b].push(a);
    }
    // Topological order (Kahn); the DAG has no cycles left.
    let mut indeg: Vec<usize> = ins.iter().map(Vec::len).collect();
    let mut order: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut i = 0;
    while i < order.len() {
        let v = order[i];
        i += 1;
        for &w in &outs[v] {
            indeg[w] -= 1;
            if indeg[w] == 0 {
                order.push(w);
            }
        }
    }
    let mut depth = vec![0usize; n];
    for &v in order.iter().rev() {
        depth[v] = outs[v].iter().map(|&w| depth[w] + 1).max().unwrap_or(0);
    }
    let maxd = depth.iter().copied().max().unwrap_or(0);
    let mut layer: Vec<usize> = depth.iter().map(|d| maxd - d).collect();
    for _ in 0..4 {
        let mut moved = false;
        for &v in &order {
            if ins[v].is_empty() || ins[v].len() <= outs[v].len() {
                continue;
            }
            let lowest = ins[v].iter().map(|&u| layer[u] + 1).max().unwrap_or(0);
            if lowest < layer[v] {
                layer[v] = lowest;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    layer
}

/// Per-layer order from a DFS that starts at the root and follows inputs, so
/// a tree comes out without crossings.
fn initial_order(
    n: usize,
    root: usize,
    vlayer: &[usize],
    up: &[Vec<usize>],
    nl: usize,
) -> Vec<Vec<usize>> {
    let total = vlayer.len();
    let mut layers = vec![Vec::new(); nl];
    let mut seen = vec![false; total];
    let has_down: Vec<bool> = {
        let mut h = vec![false; total];
        for ups in up {
            for &u in ups {
                h[u] = true;
            }
        }
        h
    };
    let starts = std::iter::once(root.min(n - 1))
        .chain((0..n).filter(|&v| !has_down[v]))
        .chain(0..total);
    for s in starts {
        if seen[s] {
            continue;
        }
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            layers[vlayer[v]].push(v);
            // Reverse so the first input is visited (and placed) first.
            stack.extend(up[v].iter().rev().filter(|&&u| !seen[u]));
        }
    }
    layers
}

/// Crossings between two adjacent layers, counting inversions of the lower
/// endpoints with a Fenwick tree.
fn crossings_between(
    upper: &[usize],
    lower_pos: &[usize],
    down: &[Vec<usize>],
    nlower: usize,
) -> usize {
    let mut ends: Vec<(usize, usize)> = Vec::new();
    for (i, &u) in upper.iter().enumerate() {
        for &w in &down[u] {
            ends.push((i, lower_pos[w]));
        }
    }
    ends.sort_unstable();
    let mut tree = vec![0usize; nlower + 1];
    let mut count = 0;
    for (seen, &(_, p)) in ends.iter().enumerate() {
        // Edges already inserted with a lower end strictly right of p cross.
        let mut le = 0;
        let mut i = p + 1;
        while i > 0 {
            le += tree[i];
            i &= i - 1;
        }
        count += seen - le;
        let mut i = p + 1;
        while i <= nlower {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    count
}

fn positions(layers: &[Vec<usize>], total: usize) -> Vec<usize> {
    let mut pos = vec![0; total];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    pos
}

/// Total crossings of an ordering.
pub fn count_crossings(layers: &[Vec<usize>], down: &[Vec<usize>]) -> usize {
    let pos = positions(layers, down.len());
    layers
        .windows(2)
        .map(|w| crossings_between(&w[0], &pos, down, w[1].len()))
        .sum()
}

/// Barycentre sweeps plus transpositions; leaves the best order found in
/// `layers` and returns its crossing count.
fn reduce_crossings(layers: &mut [Vec<usize>], up: &[Vec<usize>], down: &[Vec<usize>]) -> usize {
    let mut best = layers.to_vec();
    let mut best_c = count_crossings(layers, down);
    for iter in 0..12 {
        if best_c == 0 {
            break;
        }
        let downward = iter % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        let mut pos = positions(layers, up.len());
        for l in order {
            let nbrs = if downward { up } else { down };
            let mut keyed: Vec<(f64, usize)> = layers[l]
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let ns = &nbrs[v];
                    let key = if ns.is_empty() {
                        i as f64
                    } else {
                        ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in layers[l].iter().enumerate() {
                pos[v] = i;
            }
        }
        transpose(layers, up, down);
        let c = count_crossings(layers, down);
        if c < best_c {
            best_c = c;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
    best_c
}

/// Swaps adjacent nodes while that removes crossings with both neighbouring
/// layers.
fn transpose(layers: &mut [Vec<usize>], up: &[Vec<usize>], down: &[Vec<usize>]) {
    // Crossings between edges of u and edges of v (u left of v) to one side.
    let pair = |pos: &[usize], a: &[usize], b: &[usize]| -> usize {
        a.iter()
            .map(|&x| b.iter().filter(|&&y| pos[y] < pos[x]).count())
            .sum()
    };
    let mut pos = positions(layers, up.len());
    for _ in 0..4 {
        let mut improved = false;
        for layer in layers.iter_mut() {
            for i in 0..layer.len().saturating_sub(1) {
                let (u, v) = (layer[i], layer[i + 1]);
                let now = pair(&pos, &up[u], &up[v]) + pair(&pos, &down[u], &down[v]);
                let swapped = pair(&pos, &up[v], &up[u]) + pair(&pos, &down[v], &down[u]);
                if swapped < now {
                    layer.swap(i, i + 1);
                    pos.swap(u, v);
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Weighted isotonic regression under minimum gaps: the x closest to
/// `target` (weighted least squares) with `x[i+1] - x[i] >= gap[i]`.
fn project(target: &[f64], weight: &[f64], gap: &[f64]) -> Vec<f64> {
    let mut offset = vec![0.0; target.len()];
    for i in 1..target.len() {
        offset[i] = offset[i - 1] + gap[i - 1];
    }
    // Blocks of (total weight, weighted sum, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for i in 0..target.len() {
        let t = target[i] - offset[i];
        blocks.push((weight[i], weight[i] * t, 1));
        while blocks.len() > 1 {
            let (w1, s1, c1) = blocks[blocks.len() - 1];
            let (w0, s0, c0) = blocks[blocks.len() - 2];
            if s0 / w0 <= s1 / w1 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w0 + w1, s0 + s1, c0 + c1);
        }
    }
    let mut out = Vec::with_capacity(target.len());
    for (w, s, c) in blocks {
        for _ in 0..c {
            out.push(s / w + offset[out.len()]);
        }
    }
    out
}

fn assign_x(
    layers: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    n: usize,
    width_of: &dyn Fn(usize) -> f64,
) -> Vec<f64> {
    let total = up.len();
    let mut x = vec![0.0; total];
    let gaps: Vec<Vec<f64>> = layers
        .iter()
        .map(|layer| {
            layer
                .windows(2)
                .map(|w| {
                    let g = if w[0] >= n || w[1] >= n {
                        NODE_GAP / 2.0
                    } else {
                        NODE_GAP
                    };
                    (width_of(w[0]) + width_of(w[1])) / 2.0 + g
                })
                .collect()
        })
        .collect();
    for (layer, gap) in layers.iter().zip(&gaps) {
        let mut at = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            x[v] = at;
            at += gap.get(i).copied().unwrap_or(0.0);
        }
    }
    let weight = |v: usize| if v >= n { 4.0 } else { 1.0 };
    let place = |x: &mut Vec<f64>, l: usize, use_up: bool, use_down: bool| {
        let layer = &layers[l];
        let target: Vec<f64> = layer
            .iter()
            .map(|&v| {
                let mut ns: Vec<usize> = Vec::new();
                if use_up {
                    ns.extend(&up[v]);
                }
                if use_down {
                    ns.extend(&down[v]);
                }
                if ns.is_empty() {
                    x[v]
                } else {
                    ns.iter().map(|&u| x[u]).sum::<f64>() / ns.len() as f64
                }
            })
            .collect();
        let w: Vec<f64> = layer.iter().map(|&v| weight(v)).collect();
        for (&v, nx) in layer.iter().zip(project(&target, &w, &gaps[l])) {
            x[v] = nx;
        }
    };
    for _ in 0..6 {
        for l in 1..layers.len() {
            place(&mut x, l, true, false);
        }
        for l in (0..layers.len().saturating_sub(1)).rev() {
            place(&mut x, l, false, true);
        }
    }
    for l in 0..layers.len() {
        place(&mut x, l, true, true);
    }
    x.truncate(total);
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: usize, edges: &[(usize, usize)], root: usize) -> Layout {
        let sizes = vec![(40.0, 20.0); n];
        layout(&LayoutInput {
            sizes: &sizes,
            edges,
            root,
        })
    }

    #[test]
    fn a_tree_has_no_crossings_and_flows_down() {
        // ((a, b) -> m, (c, d) -> p) -> r, listed to tempt crossings.
        let edges = [(0, 4), (2, 5), (1, 4), (3, 5), (4, 6), (5, 6)];
        let l = run(7, &edges, 6);
        assert_eq!(l.crossings, 0);
        for &(a, b) in &edges {
            assert!(l.centers[a].1 < l.centers[b].1, "{a} above {b}");
        }
    }

    #[test]
    fn k23_keeps_only_its_unavoidable_crossings() {
        // Every pair of bottom nodes of K(2,3) adds one crossing: 3 at best.
        let edges = [(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)];
        assert_eq!(run(5, &edges, 2).crossings, 3);
    }

    #[test]
    fn sweeps_untangle_what_the_first_order_crosses() {
        // 0 feeds 2 and 3, 1 feeds 2: drawable without crossings.
        let edges = [(0, 3), (1, 2), (0, 2)];
        assert_eq!(run(4, &edges, 2).crossings, 0);
    }

    #[test]
    fn long_edges_get_dummies_and_cycles_do_not_panic() {
        let l = run(4, &[(0, 1), (1, 2), (2, 3), (0, 3)], 3);
        assert_eq!(l.routes[3].points.len(), 4);
        let l = run(3, &[(0, 1), (1, 2), (2, 0)], 2);
        assert_eq!(l.routes.len(), 3);
        let l = run(0, &[], 0);
        assert!(l.centers.is_empty());
    }

    #[test]
    fn crossings_count_inversions() {
        // 0,1 above 2,3 with 0->3 and 1->2: one crossing.
        let down = vec![vec![3], vec![2], vec![], vec![]];
        assert_eq!(count_crossings(&[vec![0, 1], vec![2, 3]], &down), 1);
        assert_eq!(count_crossings(&[vec![0, 1], vec![3, 2]], &down), 0);
    }

    #[test]
    fn projection_keeps_order_and_gaps() {
        let x = project(&[5.0, 5.0, 5.0], &[1.0, 1.0, 1.0], &[2.0, 2.0]);
        assert_eq!(x, vec![3.0, 5.0, 7.0]);
        let x = project(&[0.0, 10.0], &[1.0, 1.0], &[2.0]);
        assert_eq!(x, vec![0.0, 10.0]);
    }
}
