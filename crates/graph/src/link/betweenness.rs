//! Betweenness centrality (Brandes 2001) on an unweighted undirected graph, exact from every
//! source or estimated from a sample of sources (Brandes and Pich 2007), normalised to 0..1.

use super::networks::LocalGraph;

/// The normalised betweenness of every node from the given sources: the raw dependency sums
/// scaled by `n / sources` (1 when every node is a source), over the `(n - 1)(n - 2)` ordered
/// pairs of other nodes, clamped to 1 (a sampled estimate may overshoot).
pub(super) fn normalised(g: &LocalGraph, sources: &[u32]) -> Vec<f64> {
    let n = g.len();
    let mut score = raw(g, sources);
    if n < 3 || sources.is_empty() {
        return vec![0.0; n];
    }
    let scale = n as f64 / sources.len() as f64 / ((n - 1) as f64 * (n - 2) as f64);
    for s in score.iter_mut() {
        *s = (*s * scale).min(1.0);
    }
    score
}

/// Σ over sources `s` of the dependency of `s` on each node (each unordered pair counted from
/// both ends when every node is a source).
fn raw(g: &LocalGraph, sources: &[u32]) -> Vec<f64> {
    let n = g.len();
    let mut score = vec![0.0f64; n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![u32::MAX; n];
    let mut delta = vec![0.0f64; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for &s in sources {
        order.clear();
        sigma[s as usize] = 1.0;
        dist[s as usize] = 0;
        order.push(s);
        let mut i = 0;
        while i < order.len() {
            let v = order[i];
            i += 1;
            let dv = dist[v as usize];
            for &w in g.neighbours(v) {
                if dist[w as usize] == u32::MAX {
                    dist[w as usize] = dv + 1;
                    order.push(w);
                }
                if dist[w as usize] == dv + 1 {
                    sigma[w as usize] += sigma[v as usize];
                }
            }
        }
        for &w in order.iter().rev() {
            let dw = dist[w as usize];
            let share = (1.0 + delta[w as usize]) / sigma[w as usize];
            for &v in g.neighbours(w) {
                if dist[v as usize] != u32::MAX && dist[v as usize] + 1 == dw {
                    delta[v as usize] += sigma[v as usize] * share;
                }
            }
            if w != s {
                score[w as usize] += delta[w as usize];
            }
        }
        for &v in &order {
            (sigma[v as usize], dist[v as usize], delta[v as usize]) = (0.0, u32::MAX, 0.0);
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> LocalGraph {
        LocalGraph::from_edges(n, edges)
    }

    fn close(got: &[f64], expected: &[f64]) {
        assert_eq!(got.len(), expected.len());
        for (a, b) in got.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{got:?} != {expected:?}");
        }
    }

    fn all(n: usize) -> Vec<u32> {
        (0..n as u32).collect()
    }

    /// Betweenness by definition: for every pair, every shortest path enumerated.
    fn brute_force(n: usize, edges: &[(u32, u32)]) -> Vec<f64> {
        let g = graph(n, edges);
        let dist_from = |s: u32| {
            let mut dist = vec![u32::MAX; n];
            dist[s as usize] = 0;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                for &w in g.neighbours(v) {
                    if dist[w as usize] == u32::MAX {
                        dist[w as usize] = dist[v as usize] + 1;
                        queue.push_back(w);
                    }
                }
            }
            dist
        };
        let dist: Vec<Vec<u32>> = (0..n as u32).map(dist_from).collect();
        // Number of shortest paths s→t.
        let count = |s: usize, t: usize| -> f64 {
            if dist[s][t] == u32::MAX {
                return 0.0;
            }
            let mut paths = vec![0.0f64; n];
            paths[s] = 1.0;
            let mut by_dist: Vec<usize> = (0..n).filter(|&v| dist[s][v] <= dist[s][t]).collect();
            by_dist.sort_by_key(|&v| dist[s][v]);
            for &v in &by_dist {
                for &w in g.neighbours(v as u32) {
                    if dist[s][w as usize] == dist[s][v] + 1 {
                        paths[w as usize] += paths[v];
                    }
                }
            }
            paths[t]
        };
        let mut score = vec![0.0; n];
        for s in 0..n {
            for t in s + 1..n {
                let total = count(s, t);
                if total == 0.0 {
                    continue;
                }
                for v in 0..n {
                    if v != s && v != t && dist[s][v].checked_add(dist[v][t]) == Some(dist[s][t]) {
                        score[v] += count(s, v) * count(v, t) / total;
                    }
                }
            }
        }
        let pairs = ((n - 1) * (n - 2)) as f64 / 2.0;
        score.iter().map(|s| s / pairs).collect()
    }

    #[test]
    fn star_centre_is_on_every_path() {
        let edges = [(0, 1), (0, 2), (0, 3), (0, 4)];
        let b = normalised(&graph(5, &edges), &all(5));
        assert_eq!(b, vec![1.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn bridge_between_two_triangles() {
        // 0-1-2 triangle, 3-4-5 triangle, bridge 2-3: node 2 lies on the paths from {0, 1}
        // to {3, 4, 5}, 6 of the 10 pairs of other nodes; node 3 likewise.
        let edges = [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)];
        let b = normalised(&graph(6, &edges), &all(6));
        close(&b, &[0.0, 0.0, 0.6, 0.6, 0.0, 0.0]);
    }

    #[test]
    fn exact_equals_brute_force_on_small_graphs() {
        let graphs: Vec<(usize, Vec<(u32, u32)>)> = vec![
            (4, vec![(0, 1), (1, 2), (2, 3), (3, 0)]),
            (6, vec![(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (4, 5), (1, 2)]),
            (7, vec![(0, 1), (1, 2), (2, 3), (0, 4), (4, 3), (3, 5), (5, 6), (4, 6)]),
            (5, vec![(0, 1), (2, 3)]),
        ];
        for (n, edges) in graphs {
            close(&normalised(&graph(n, &edges), &all(n)), &brute_force(n, &edges));
        }
    }

    #[test]
    fn sampled_estimate_is_scaled() {
        // A path 0-1-2-3-4: from sources 0 and 4 only, the middle node's share is scaled by
        // 5 / 2; exact, it lies on 4 of the 6 pairs of other nodes.
        let edges = [(0, 1), (1, 2), (2, 3), (3, 4)];
        let g = graph(5, &edges);
        let exact = normalised(&g, &all(5));
        assert!((exact[2] - 4.0 / 6.0).abs() < 1e-12);
        let sampled = normalised(&g, &[0, 4]);
        // Each source depends on node 2 for two targets: 4 raw, × 5 / 2 / 12.
        assert!((sampled[2] - 4.0 * 2.5 / 12.0).abs() < 1e-12);
        assert_eq!(normalised(&g, &[]), vec![0.0; 5]);
    }
}
