//! Louvain modularity optimisation (Blondel et al. 2008), multi-level and deterministic.
//!
//! Nodes are processed in index order (the caller indexes a network's members in
//! [`super::NodeRef`] order); a node moves to the neighbouring community of largest modularity
//! gain, ties going to the smallest community label, and only when that beats staying by more
//! than rounding noise. After each level the communities, renumbered by their smallest node,
//! become the nodes of the next level. Edge weights are integer counts, so sums are exact and
//! the result does not depend on the order in which they are added.

use super::networks::LocalGraph;

/// At most this many passes over the nodes per level, and this many levels.
const MAX_PASSES: usize = 64;
const MAX_LEVELS: usize = 32;

/// A move must beat staying by more than this (relative to the node's degree).
const EPSILON: f64 = 1e-12;

/// A weighted graph: sorted adjacency without self-loops, and each node's internal weight
/// (twice the weight of the edges folded into it), so that its degree is `internal` plus its
/// edges' weights.
struct Weighted {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    internal: Vec<f64>,
}

impl Weighted {
    fn len(&self) -> usize {
        self.internal.len()
    }

    fn edges(&self, i: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        let range = self.offsets[i]..self.offsets[i + 1];
        self.targets[range.clone()].iter().copied().zip(self.weights[range].iter().copied())
    }
}

/// The community of every node of `g`, numbered from 0 by smallest node.
pub(super) fn louvain(g: &LocalGraph) -> Vec<u32> {
    let n = g.len();
    let mut level = Weighted {
        offsets: g.offsets.clone(),
        targets: g.targets.clone(),
        weights: vec![1.0; g.targets.len()],
        internal: vec![0.0; n],
    };
    // The community of each original node, as a node of the current level.
    let mut of: Vec<u32> = (0..n as u32).collect();
    for _ in 0..MAX_LEVELS {
        let (moved, community) = move_nodes(&level);
        if !moved {
            break;
        }
        let (renumbered, count) = renumber(&community);
        for c in of.iter_mut() {
            *c = renumbered[*c as usize];
        }
        level = aggregate(&level, &renumbered, count);
    }
    of
}

/// One level's local moving: the community of each node, and whether any node moved.
fn move_nodes(g: &Weighted) -> (bool, Vec<u32>) {
    let n = g.len();
    let degree: Vec<f64> = (0..n).map(|i| g.internal[i] + g.edges(i).map(|(_, w)| w).sum::<f64>()).collect();
    let m2: f64 = degree.iter().sum();
    let mut community: Vec<u32> = (0..n as u32).collect();
    if m2 == 0.0 {
        return (false, community);
    }
    let mut total: Vec<f64> = degree.clone();
    let mut link = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut moved_any = false;
    for _ in 0..MAX_PASSES {
        let mut moved = false;
        for i in 0..n {
            let own = community[i];
            let k = degree[i];
            for (j, w) in g.edges(i) {
                let c = community[j as usize];
                if link[c as usize] == 0.0 {
                    touched.push(c);
                }
                link[c as usize] += w;
            }
            total[own as usize] -= k;
            let gain = |c: u32, link: &[f64]| link[c as usize] - total[c as usize] * k / m2;
            let stay = gain(own, &link);
            let mut best = own;
            let mut best_gain = f64::NEG_INFINITY;
            for &c in &touched {
                let g = gain(c, &link);
                if g > best_gain || g == best_gain && c < best {
                    (best, best_gain) = (c, g);
                }
            }
            if best == own || best_gain <= stay + EPSILON * k.max(1.0) {
                best = own;
            }
            total[best as usize] += k;
            if best != own {
                community[i] = best;
                moved = true;
            }
            for &c in &touched {
                link[c as usize] = 0.0;
            }
            touched.clear();
        }
        moved_any |= moved;
        if !moved {
            break;
        }
    }
    (moved_any, community)
}

/// Community labels renumbered from 0 in order of their smallest node, and their count.
fn renumber(community: &[u32]) -> (Vec<u32>, usize) {
    let mut new = vec![u32::MAX; community.len()];
    let mut count = 0u32;
    for &c in community {
        if new[c as usize] == u32::MAX {
            new[c as usize] = count;
            count += 1;
        }
    }
    (community.iter().map(|&c| new[c as usize]).collect(), count as usize)
}

/// The next level: one node per community, edges summed, inner edges folded into `internal`.
fn aggregate(g: &Weighted, community: &[u32], count: usize) -> Weighted {
    let mut internal = vec![0.0f64; count];
    let mut pairs: Vec<(u32, u32, f64)> = Vec::new();
    for i in 0..g.len() {
        let ci = community[i];
        internal[ci as usize] += g.internal[i];
        for (j, w) in g.edges(i) {
            let cj = community[j as usize];
            if ci == cj {
                internal[ci as usize] += w;
            } else {
                pairs.push((ci, cj, w));
            }
        }
    }
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    let mut offsets = vec![0usize; count + 1];
    let mut targets = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let mut last: Option<(u32, u32)> = None;
    for (a, b, w) in pairs {
        if last == Some((a, b)) {
            *weights.last_mut().expect("a previous pair") += w;
        } else {
            targets.push(b);
            weights.push(w);
            offsets[a as usize + 1] += 1;
            last = Some((a, b));
        }
    }
    for i in 0..count {
        offsets[i + 1] += offsets[i];
    }
    Weighted { offsets, targets, weights, internal }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> LocalGraph {
        LocalGraph::from_edges(n, edges)
    }

    fn clique(nodes: std::ops::Range<u32>) -> Vec<(u32, u32)> {
        let nodes: Vec<u32> = nodes.collect();
        let mut edges = Vec::new();
        for (i, &a) in nodes.iter().enumerate() {
            for &b in &nodes[i + 1..] {
                edges.push((a, b));
            }
        }
        edges
    }

    #[test]
    fn two_cliques_joined_by_one_edge() {
        let mut edges = clique(0..5);
        edges.extend(clique(5..10));
        edges.push((4, 5));
        let of = louvain(&graph(10, &edges));
        assert_eq!(of, vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn ring_of_cliques_is_one_community_per_clique() {
        // The classic resolution example: six 4-cliques in a ring, each joined to the next by
        // one edge. Modularity prefers one community per clique.
        let mut edges = Vec::new();
        for c in 0..6u32 {
            edges.extend(clique(c * 4..c * 4 + 4));
            edges.push((c * 4 + 3, ((c + 1) % 6) * 4));
        }
        let of = louvain(&graph(24, &edges));
        let expected: Vec<u32> = (0..24).map(|i| i / 4).collect();
        assert_eq!(of, expected);
    }

    #[test]
    fn edgeless_and_tiny_graphs() {
        assert_eq!(louvain(&graph(3, &[])), vec![0, 1, 2]);
        assert_eq!(louvain(&graph(2, &[(0, 1)])), vec![0, 0]);
        assert!(louvain(&graph(0, &[])).is_empty());
    }

    #[test]
    fn aggregation_keeps_degrees() {
        let mut edges = clique(0..4);
        edges.push((3, 4));
        let g = graph(5, &edges);
        let level = Weighted {
            offsets: g.offsets.clone(),
            targets: g.targets.clone(),
            weights: vec![1.0; g.targets.len()],
            internal: vec![0.0; 5],
        };
        let next = aggregate(&level, &[0, 0, 0, 0, 1], 2);
        // Six inner edges, counted from both ends; one edge between the two.
        assert_eq!(next.internal, vec![12.0, 0.0]);
        assert_eq!(next.edges(0).collect::<Vec<_>>(), vec![(1, 1.0)]);
        assert_eq!(next.edges(1).collect::<Vec<_>>(), vec![(0, 1.0)]);
    }
}
