//! The undirected weighted graph the layouts work on: every connection kind and direction
//! folded into one symmetric adjacency, stored as CSR with each pair in both endpoints' rows.

use crate::model::{Connectome, EdgeKind};

/// Symmetric adjacency in CSR form. Self-loops are dropped (they carry no layout information);
/// the weight of a pair is the sum over the chosen kinds and both directions, then transformed.
#[derive(Debug, Clone, Default)]
pub(crate) struct SymGraph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    weights: Vec<f32>,
}

impl SymGraph {
    /// Folds the `kinds` of `c` into one graph; `transform` maps a pair's summed weight to the
    /// stored one (e.g. `ln(1 + w)` for forces).
    pub fn from_connectome(c: &Connectome, kinds: &[EdgeKind], transform: impl Fn(f64) -> f64) -> SymGraph {
        let pairs = || {
            kinds
                .iter()
                .flat_map(|&k| c.edges(k).iter().map(|e| (e.pre, e.post, e.weight)))
        };
        SymGraph::from_pairs(c.neurons.len(), pairs, transform)
    }

    /// Builds from `(a, b, weight)` pairs in any order, duplicates and both directions allowed,
    /// listed by `pairs()` (called twice). Pairs whose transformed weight is zero are left out.
    pub fn from_pairs<I: Iterator<Item = (u32, u32, f64)>>(
        n: usize,
        pairs: impl Fn() -> I,
        transform: impl Fn(f64) -> f64,
    ) -> SymGraph {
        // Counting pass, then fill: avoids a global sort of all pairs.
        let mut offsets = vec![0u32; n + 1];
        for (a, b, _) in pairs() {
            if a != b {
                offsets[a as usize + 1] += 1;
                offsets[b as usize + 1] += 1;
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        // f32 halves this transient buffer (synapse counts are exact in f32).
        let mut row = vec![(0u32, 0f32); offsets[n] as usize];
        for (a, b, w) in pairs() {
            if a != b {
                for (from, to) in [(a, b), (b, a)] {
                    let slot = &mut fill[from as usize];
                    row[*slot as usize] = (to, w as f32);
                    *slot += 1;
                }
            }
        }
        // Sort each row by target and merge repeated pairs, compacting in place.
        let mut targets = Vec::with_capacity(row.len());
        let mut weights = Vec::with_capacity(row.len());
        let mut new_offsets = Vec::with_capacity(n + 1);
        new_offsets.push(0u32);
        for i in 0..n {
            let r = &mut row[offsets[i] as usize..offsets[i + 1] as usize];
            r.sort_unstable_by_key(|&(t, _)| t);
            let mut k = 0;
            while k < r.len() {
                let t = r[k].0;
                let mut w = 0f64;
                while k < r.len() && r[k].0 == t {
                    w += r[k].1 as f64;
                    k += 1;
                }
                // A zero weight is no connection (the readers allow explicit zeros).
                let w = transform(w) as f32;
                if w != 0.0 && w.is_finite() {
                    targets.push(t);
                    weights.push(w);
                }
            }
            new_offsets.push(targets.len() as u32);
        }
        SymGraph {
            offsets: new_offsets,
            targets,
            weights,
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn weights(&self, i: usize) -> &[f32] {
        &self.weights[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn degree(&self, i: usize) -> usize {
        (self.offsets[i + 1] - self.offsets[i]) as usize
    }

    /// Sum of the weights at `i`.
    pub fn strength(&self, i: usize) -> f64 {
        self.weights(i).iter().map(|&w| w as f64).sum()
    }

    /// Connected components, largest first (ties: lowest first node), each sorted ascending.
    pub fn components(&self) -> Vec<Vec<u32>> {
        let n = self.len();
        let mut seen = vec![false; n];
        let mut components = Vec::new();
        let mut stack = Vec::new();
        for start in 0..n {
            if seen[start] {
                continue;
            }
            seen[start] = true;
            stack.push(start as u32);
            let mut members = Vec::new();
            while let Some(v) = stack.pop() {
                members.push(v);
                for &u in self.neighbours(v as usize) {
                    if !seen[u as usize] {
                        seen[u as usize] = true;
                        stack.push(u);
                    }
                }
            }
            members.sort_unstable();
            components.push(members);
        }
        // Stable sort keeps discovery order (lowest first node) among equal sizes.
        components.sort_by_key(|m| std::cmp::Reverse(m.len()));
        components
    }

    /// The subgraph induced by `nodes` (sorted ascending), renumbered 0..nodes.len().
    pub fn induced(&self, nodes: &[u32]) -> SymGraph {
        if nodes.len() == self.len() {
            return self.clone();
        }
        // A full renumbering table for big subsets; binary search for small ones, so that
        // thousands of tiny components cost no more than their own size.
        let table = (nodes.len() > self.len() / 64).then(|| {
            let mut local = vec![u32::MAX; self.len()];
            for (k, &v) in nodes.iter().enumerate() {
                local[v as usize] = k as u32;
            }
            local
        });
        let local = |u: u32| match &table {
            Some(t) => Some(t[u as usize]).filter(|&l| l != u32::MAX),
            None => nodes.binary_search(&u).ok().map(|k| k as u32),
        };
        let mut g = SymGraph {
            offsets: vec![0],
            targets: Vec::new(),
            weights: Vec::new(),
        };
        for &v in nodes {
            for (&u, &w) in self.neighbours(v as usize).iter().zip(self.weights(v as usize)) {
                if let Some(lu) = local(u) {
                    g.targets.push(lu);
                    g.weights.push(w);
                }
            }
            g.offsets.push(g.targets.len() as u32);
        }
        g
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.offsets.capacity() + self.targets.capacity() + self.weights.capacity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_directions_and_duplicates() {
        let pairs = [(0u32, 1u32, 1.0), (1, 0, 2.0), (1, 2, 4.0), (2, 2, 9.0), (0, 1, 3.0)];
        let g = SymGraph::from_pairs(4, || pairs.iter().copied(), |w| w);
        assert_eq!(g.neighbours(0), &[1]);
        assert_eq!(g.weights(0), &[6.0]);
        assert_eq!(g.neighbours(1), &[0, 2]);
        assert_eq!(g.weights(1), &[6.0, 4.0]);
        assert_eq!(g.neighbours(3), &[] as &[u32]);
        assert_eq!(g.components(), vec![vec![0, 1, 2], vec![3]]);
        let sub = g.induced(&[1, 2]);
        assert_eq!(sub.neighbours(0), &[1]);
        assert_eq!(sub.weights(1), &[4.0]);
    }

    #[test]
    fn small_induced_subgraphs_match_big_ones() {
        // A ring of 500: a 3-node subset takes the binary-search path, a 400-node one the table.
        let ring = SymGraph::from_pairs(500, || (0..500u32).map(|i| (i, (i + 1) % 500, 1.0)), |w| w);
        let small = ring.induced(&[7, 8, 9]);
        assert_eq!(
            (small.neighbours(0), small.neighbours(1), small.neighbours(2)),
            (&[1][..], &[0, 2][..], &[1][..])
        );
        let nodes: Vec<u32> = (0..400).collect();
        let big = ring.induced(&nodes);
        assert_eq!(big.neighbours(8), &[7, 9]);
        assert_eq!(big.neighbours(399), &[398]);
        assert_eq!(ring.components().len(), 1);
    }
}
