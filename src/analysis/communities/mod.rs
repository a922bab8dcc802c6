//! Structural communities: Louvain and Leiden (modularity, directed modularity or CPM) on a
//! weighted projection of the connectome, a degree-corrected stochastic block model
//! ([`sbm`]), and partition comparison (NMI, ARI).
//!
//! # Projection
//! [`projection`] builds one undirected graph from a [`Connectome`]: the weight of the pair
//! {i, j} is `chemical(i→j) + chemical(j→i) + gap(i, j)` (gap junctions are stored once per
//! pair). `other` connections (functional connectivity, ...) are not structural and are left
//! out. Self-connections are dropped, as igraph/leidenalg's peer script does
//! (`/work/shared/peers/communities.py`), so Q values compare directly.
//!
//! # Modularity
//! `Q = 1/(2m) Σ_c [ in_c − γ K_c² / (2m) ]`, with `A` the symmetric weight matrix,
//! `k_i = Σ_j A_ij`, `2m = Σ_i k_i`, `in_c = Σ_{i,j∈c} A_ij` (each internal edge counted
//! twice) and `K_c = Σ_{i∈c} k_i`. A self-loop of weight `w` given to [`Graph::from_edges`]
//! counts as `A_ii = 2w` (it adds `2w` to the degree, igraph's convention); aggregated graphs
//! keep a community's internal weight as that node's `A_ii`, so Q is invariant under
//! aggregation. Larger resolution γ gives more, smaller communities.
//!
//! # Directed modularity and CPM
//! [`projection_directed`] keeps synapse direction (gap junctions are arcs both ways):
//! Leicht & Newman's `Q = 1/m Σ_c [ m_c − γ K_c^out K_c^in / m ]`. The constant Potts model
//! (Traag, Van Dooren & Nesterov 2011) `Σ_c [ in_c/2 − γ n_c(n_c−1)/2 ]` has no resolution
//! limit; its γ is the weight density asked for inside communities. All three share one
//! null-model form in the optimiser (`Null`), so Louvain and Leiden run unchanged on each.
//!
//! # Algorithms
//! * **Louvain** (Blondel et al. 2008): sweeps over the nodes in a seeded random order, moving
//!   each to the neighbouring community with the largest strictly positive gain, until a sweep
//!   moves nothing; then the graph is aggregated by community and the process repeats until a
//!   level moves nothing.
//! * **Leiden** (Traag, Waltman & van Eck 2019): *fast local moving* with a queue (all nodes in
//!   a seeded random order; when a node moves, its neighbours outside its new community are
//!   queued again; an empty community is a candidate too); *refinement*: inside each community
//!   S every node starts alone, and nodes still alone that are well connected to S
//!   (`E(v, S−v) ≥ γ k_v (K_S − k_v)/2m`) are merged, in random order, into the well connected
//!   refined sub-community of S with the largest non-negative gain (greedy choice instead of the
//!   paper's θ-randomised one: deterministic and simpler; merges follow edges, so refined
//!   communities are connected); *aggregation* on the refined partition, with the unrefined
//!   partition as the starting partition of the aggregate. When refinement cannot shrink the
//!   graph the aggregate uses the unrefined partition. A level with one node per community ends
//!   an iteration. As a last safety net (a no-op when the guarantee holds) communities that are
//!   not connected are split into their components, which can only raise Q.
//!
//! Both methods repeat whole iterations from the current partition (as leidenalg's
//! `n_iterations`) until the partition no longer changes, or `max_iterations` (`None` = until
//! convergence). Everything is seeded ([`Options::seed`]) and deterministic. Graphs are CSR
//! arrays; the inner loops use dense scratch arrays indexed by community, no hashing.

pub mod sbm;
pub mod summary;

use std::collections::VecDeque;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

use crate::model::Connectome;

/// An undirected weighted graph in CSR form (each edge stored in both directions), with
/// per-node self-loop weights `A_ii` kept apart.
#[derive(Debug, Clone)]
pub struct Graph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    self_loops: Vec<f64>,
    strength: Vec<f64>,
    total: f64,
    /// Original nodes in each node (1 until aggregated): CPM's node weight.
    size: Vec<f64>,
    /// Out- and in-strengths when built from directed arcs (Leicht–Newman modularity).
    arcs: Option<Arcs>,
}

#[derive(Debug, Clone)]
struct Arcs {
    out: Vec<f64>,
    into: Vec<f64>,
}

impl Graph {
    /// Builds from undirected edges `(u, v, w)`; repeated pairs (in either order) are summed,
    /// non-positive and non-finite weights ignored, a self-loop `(i, i, w)` adds `2w` to `A_ii`.
    pub fn from_edges(n: usize, edges: impl IntoIterator<Item = (u32, u32, f64)>) -> Graph {
        let mut pairs: Vec<(u32, u32, f64)> = Vec::new();
        let mut self_loops = vec![0.0; n];
        for (u, v, w) in edges {
            assert!((u as usize) < n && (v as usize) < n, "edge ({u}, {v}) outside 0..{n}");
            if !(w.is_finite() && w > 0.0) {
                continue;
            }
            if u == v {
                self_loops[u as usize] += 2.0 * w;
            } else {
                pairs.push((u, v, w));
                pairs.push((v, u, w));
            }
        }
        pairs.sort_unstable_by_key(|&(u, v, _)| (u, v));
        let mut offsets = vec![0usize; n + 1];
        let mut targets = Vec::with_capacity(pairs.len());
        let mut weights: Vec<f64> = Vec::with_capacity(pairs.len());
        let mut last = None;
        for (u, v, w) in pairs {
            if last == Some((u, v)) {
                *weights.last_mut().unwrap() += w;
            } else {
                offsets[u as usize + 1] += 1;
                targets.push(v);
                weights.push(w);
                last = Some((u, v));
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let size = vec![1.0; n];
        Graph::finish(offsets, targets, weights, self_loops, size, None)
    }

    /// Builds from directed arcs `(pre, post, w)` for directed modularity: the graph holds the
    /// symmetric weights `A_uv + A_vu` and remembers each node's out- and in-strength.
    pub fn from_arcs(n: usize, arcs: impl IntoIterator<Item = (u32, u32, f64)>) -> Graph {
        let mut out = vec![0.0; n];
        let mut into = vec![0.0; n];
        let arcs: Vec<(u32, u32, f64)> = arcs
            .into_iter()
            .filter(|&(u, v, w)| {
                assert!((u as usize) < n && (v as usize) < n, "arc ({u}, {v}) outside 0..{n}");
                w.is_finite() && w > 0.0
            })
            .collect();
        for &(u, v, w) in &arcs {
            out[u as usize] += w;
            into[v as usize] += w;
        }
        let mut g = Graph::from_edges(n, arcs);
        g.arcs = Some(Arcs { out, into });
        g
    }

    /// Whether the graph was built from directed arcs.
    pub fn is_directed(&self) -> bool {
        self.arcs.is_some()
    }

    fn finish(
        offsets: Vec<usize>,
        targets: Vec<u32>,
        weights: Vec<f64>,
        self_loops: Vec<f64>,
        size: Vec<f64>,
        arcs: Option<Arcs>,
    ) -> Graph {
        let n = self_loops.len();
        let strength: Vec<f64> = (0..n)
            .map(|i| weights[offsets[i]..offsets[i + 1]].iter().sum::<f64>() + self_loops[i])
            .collect();
        let total = strength.iter().sum();
        Graph {
            offsets,
            targets,
            weights,
            self_loops,
            strength,
            total,
            size,
            arcs,
        }
    }

    pub fn len(&self) -> usize {
        self.self_loops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.self_loops.is_empty()
    }

    /// `2m`: the sum of all strengths.
    pub fn total_weight(&self) -> f64 {
        self.total
    }

    /// `k_i`, the weighted degree (self-loops included as `A_ii`).
    pub fn strength(&self, i: usize) -> f64 {
        self.strength[i]
    }

    /// Neighbours of `i` (not `i` itself) with the edge weights.
    pub fn neighbors(&self, i: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        let r = self.offsets[i]..self.offsets[i + 1];
        self.targets[r.clone()]
            .iter()
            .copied()
            .zip(self.weights[r].iter().copied())
    }

    /// Each undirected edge once, `u < v`, sorted; self-loops not included.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        (0..self.len()).flat_map(move |u| {
            self.neighbors(u)
                .filter(move |&(v, _)| v as usize > u)
                .map(move |(v, w)| (u as u32, v, w))
        })
    }

    /// The graph of communities: node `c` holds community `c` of `part` (ids `0..k`), with the
    /// community's internal weight as its self-loop `A_cc`.
    fn aggregate(&self, part: &[u32], k: usize) -> Graph {
        let mut start = vec![0usize; k + 1];
        for &c in part {
            start[c as usize + 1] += 1;
        }
        for c in 0..k {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; part.len()];
        for (i, &c) in part.iter().enumerate() {
            members[fill[c as usize]] = i as u32;
            fill[c as usize] += 1;
        }
        let mut scratch = vec![0.0f64; k];
        let mut touched: Vec<u32> = Vec::new();
        let mut offsets = Vec::with_capacity(k + 1);
        offsets.push(0);
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        let mut self_loops = vec![0.0; k];
        for c in 0..k {
            let mut inside = 0.0;
            for &i in &members[start[c]..start[c + 1]] {
                inside += self.self_loops[i as usize];
                for (j, w) in self.neighbors(i as usize) {
                    let d = part[j as usize];
                    if d as usize == c {
                        inside += w;
                    } else {
                        if scratch[d as usize] == 0.0 {
                            touched.push(d);
                        }
                        scratch[d as usize] += w;
                    }
                }
            }
            self_loops[c] = inside;
            touched.sort_unstable();
            for &d in &touched {
                targets.push(d);
                weights.push(scratch[d as usize]);
                scratch[d as usize] = 0.0;
            }
            touched.clear();
            offsets.push(targets.len());
        }
        let sum = |x: &[f64]| {
            let mut s = vec![0.0; k];
            for (i, &c) in part.iter().enumerate() {
                s[c as usize] += x[i];
            }
            s
        };
        let size = sum(&self.size);
        let arcs = self.arcs.as_ref().map(|a| Arcs {
            out: sum(&a.out),
            into: sum(&a.into),
        });
        Graph::finish(offsets, targets, weights, self_loops, size, arcs)
    }
}

/// The undirected projection used for communities: `w{i,j} = chemical(i→j) + chemical(j→i) +
/// gap(i,j)` (+ an undirected connection's weight), self-connections dropped (see the module
/// documentation).
pub fn projection(c: &Connectome) -> Graph {
    let n = c.neurons.len();
    let edges = c
        .chemical
        .iter()
        .chain(c.electrical.iter())
        .chain(c.undirected.iter())
        .filter(|e| e.pre != e.post)
        .map(|e| (e.pre, e.post, e.weight));
    Graph::from_edges(n, edges)
}

/// The directed projection for Leicht–Newman modularity: every chemical synapse is an arc
/// `pre → post`, every gap junction (and undirected connection) an arc each way;
/// self-connections dropped.
pub fn projection_directed(c: &Connectome) -> Graph {
    Graph::from_arcs(c.neurons.len(), directed_arcs(c))
}

/// The arcs of [`projection_directed`] (repeated pairs not yet summed).
pub fn directed_arcs(c: &Connectome) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
    let chemical = c.chemical.iter().map(|e| (e.pre, e.post, e.weight));
    let gap = c
        .electrical
        .iter()
        .chain(c.undirected.iter())
        .flat_map(|e| [(e.pre, e.post, e.weight), (e.post, e.pre, e.weight)]);
    chemical.chain(gap).filter(|&(u, v, _)| u != v)
}

/// Per community: internal weight (symmetric, each internal edge counted twice) and the
/// sums of a per-node quantity.
fn community_sums(g: &Graph, membership: &[u32], node: &[&[f64]]) -> (Vec<f64>, Vec<Vec<f64>>) {
    assert_eq!(membership.len(), g.len());
    let k = membership.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut inside = vec![0.0; k];
    let mut sums = vec![vec![0.0; k]; node.len()];
    for i in 0..g.len() {
        let c = membership[i] as usize;
        for (s, x) in sums.iter_mut().zip(node) {
            s[c] += x[i];
        }
        inside[c] += g.self_loops[i];
        for (j, w) in g.neighbors(i) {
            if membership[j as usize] as usize == c {
                inside[c] += w;
            }
        }
    }
    (inside, sums)
}

/// Modularity of `membership` (any integer labels) at resolution `gamma`; for a graph built
/// with [`Graph::from_arcs`] the directed modularity of Leicht & Newman (2008),
/// `Q = 1/m Σ_c [ m_c − γ K_c^out K_c^in / m ]` (`m` total arc weight, `m_c` inside c).
pub fn modularity(g: &Graph, membership: &[u32], gamma: f64) -> f64 {
    if g.total <= 0.0 {
        return 0.0;
    }
    let m2 = g.total;
    if let Some(a) = &g.arcs {
        let (inside, sums) = community_sums(g, membership, &[&a.out, &a.into]);
        // Symmetric internal weight = 2 m_c, and m = m2 / 2.
        return (0..inside.len())
            .map(|c| inside[c] / m2 - 4.0 * gamma * sums[0][c] * sums[1][c] / (m2 * m2))
            .sum();
    }
    let (inside, tot) = community_sums(g, membership, &[&g.strength]);
    (0..inside.len())
        .map(|c| inside[c] - gamma * tot[0][c] * tot[0][c] / m2)
        .sum::<f64>()
        / m2
}

/// Constant Potts model quality `Σ_c [ in_c/2 − γ n_c(n_c−1)/2 ]` (internal weight counted
/// once, `n_c` nodes; Traag et al. 2011): γ is the density inside communities it asks for.
pub fn cpm(g: &Graph, membership: &[u32], gamma: f64) -> f64 {
    let (inside, size) = community_sums(g, membership, &[&g.size]);
    (0..inside.len())
        .map(|c| inside[c] / 2.0 - gamma * size[0][c] * (size[0][c] - 1.0) / 2.0)
        .sum()
}

/// The value of the optimised quality function for `membership`.
pub fn quality(g: &Graph, membership: &[u32], quality: Quality, gamma: f64) -> f64 {
    match quality {
        Quality::Modularity => modularity(g, membership, gamma),
        Quality::Cpm => cpm(g, membership, gamma),
    }
}

/// Which quality function Louvain and Leiden optimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    /// Newman–Girvan modularity (Leicht–Newman on a directed graph).
    Modularity,
    /// Constant Potts model: no resolution limit, γ is a density.
    Cpm,
}

impl Quality {
    pub fn parse(s: &str) -> Option<Quality> {
        match s.trim().to_ascii_lowercase().as_str() {
            "modularity" => Some(Quality::Modularity),
            "cpm" => Some(Quality::Cpm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Modularity => "modularity",
            Quality::Cpm => "cpm",
        }
    }
}

/// Which algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Louvain,
    Leiden,
    /// The weighted degree-corrected SBM, blocks chosen by description length ([`sbm`]).
    Sbm,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s.trim().to_ascii_lowercase().as_str() {
            "louvain" => Some(Method::Louvain),
            "leiden" => Some(Method::Leiden),
            "sbm" => Some(Method::Sbm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Louvain => "louvain",
            Method::Leiden => "leiden",
            Method::Sbm => "sbm",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub method: Method,
    pub quality: Quality,
    /// γ: larger gives more, smaller communities.
    pub resolution: f64,
    pub seed: u64,
    /// Whole iterations to run at most; `None` runs until the partition stops changing.
    pub max_iterations: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            method: Method::Leiden,
            quality: Quality::Modularity,
            resolution: 1.0,
            seed: 1,
            max_iterations: None,
        }
    }
}

/// A result: community ids `0..k` ordered by decreasing size (ties by lowest node).
#[derive(Debug, Clone)]
pub struct Partition {
    pub membership: Vec<u32>,
    /// Modularity at the run's γ (at γ = 1 for CPM runs); directed if the graph is.
    pub modularity: f64,
    /// The optimised quality function's value (for the SBM its description length in nats,
    /// which is minimised).
    pub quality: f64,
    /// Whole iterations run.
    pub iterations: usize,
}

impl Partition {
    pub fn count(&self) -> usize {
        self.membership.iter().map(|&c| c as usize + 1).max().unwrap_or(0)
    }

    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![0; self.count()];
        for &c in &self.membership {
            s[c as usize] += 1;
        }
        s
    }
}

/// Finds communities of `g` with the chosen method.
pub fn detect(g: &Graph, opts: &Options) -> Partition {
    if opts.method == Method::Sbm {
        let fit = sbm::fit(
            g,
            &sbm::SbmOptions {
                seed: opts.seed,
                ..Default::default()
            },
        );
        return Partition {
            modularity: modularity(g, &fit.membership, 1.0),
            quality: fit.description_length,
            membership: fit.membership,
            iterations: 1,
        };
    }
    let n = g.len();
    let mut rng = Pcg64Mcg::seed_from_u64(opts.seed);
    let mut membership: Vec<u32> = (0..n as u32).collect();
    let mut iterations = 0;
    while opts.max_iterations.is_none_or(|m| iterations < m) {
        iterations += 1;
        let before = membership.clone();
        one_iteration(g, &mut membership, opts, &mut rng);
        if opts.method == Method::Leiden {
            split_disconnected(g, &mut membership);
        }
        membership = canonical(&membership);
        if membership == before {
            break;
        }
        // Guards against a (theoretical) floating-point cycle.
        if iterations >= 1000 {
            break;
        }
    }
    let membership = canonical(&membership);
    let q_gamma = if opts.quality == Quality::Modularity {
        opts.resolution
    } else {
        1.0
    };
    Partition {
        modularity: modularity(g, &membership, q_gamma),
        quality: quality(g, &membership, opts.quality, opts.resolution),
        membership,
        iterations,
    }
}

/// Relabels to `0..k` by decreasing community size, ties by the lowest member.
pub fn canonical(membership: &[u32]) -> Vec<u32> {
    let k = membership.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut size = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (i, &c) in membership.iter().enumerate() {
        size[c as usize] += 1;
        first[c as usize] = first[c as usize].min(i);
    }
    let mut ids: Vec<usize> = (0..k).filter(|&c| size[c] > 0).collect();
    ids.sort_unstable_by_key(|&c| (std::cmp::Reverse(size[c]), first[c]));
    let mut new = vec![0u32; k];
    for (r, &c) in ids.iter().enumerate() {
        new[c] = r as u32;
    }
    membership.iter().map(|&c| new[c as usize]).collect()
}

/// Relabels to `0..k` in order of first appearance; returns k.
fn compact(part: &mut [u32]) -> usize {
    let k = part.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut new = vec![u32::MAX; k];
    let mut next = 0;
    for c in part.iter_mut() {
        if new[*c as usize] == u32::MAX {
            new[*c as usize] = next;
            next += 1;
        }
        *c = new[*c as usize];
    }
    next as usize
}

/// Whether every community induces a connected subgraph.
pub fn communities_connected(g: &Graph, membership: &[u32]) -> bool {
    let mut m = membership.to_vec();
    let k = compact(&mut m);
    let mut split = m.clone();
    split_disconnected(g, &mut split);
    compact(&mut split) == k
}

/// Splits every community into its connected components (new ids beyond the old ones).
fn split_disconnected(g: &Graph, membership: &mut [u32]) {
    let n = g.len();
    let mut label = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for s in 0..n {
        if label[s] != u32::MAX {
            continue;
        }
        label[s] = next;
        stack.push(s as u32);
        while let Some(v) = stack.pop() {
            for (u, _) in g.neighbors(v as usize) {
                if label[u as usize] == u32::MAX && membership[u as usize] == membership[v as usize] {
                    label[u as usize] = next;
                    stack.push(u);
                }
            }
        }
        next += 1;
    }
    membership.copy_from_slice(&label);
}

/// The null-model term of a quality function, in one form for all of them: putting node
/// (or group) `x` with group `y` costs `λ/2 (a_x b_y + b_x a_y)` against the weight between
/// them, where `a`, `b` sum over members. Modularity: `a = b = k`, `λ = γ/2m`; directed
/// modularity: `a = k_out`, `b = k_in`, `λ = 2γ/m` (weights `A + Aᵀ`); CPM: `a = b = n`, `λ = γ`.
struct Null<'g> {
    a: &'g [f64],
    b: &'g [f64],
    half_lambda: f64,
}

impl<'g> Null<'g> {
    fn of(g: &'g Graph, quality: Quality, gamma: f64) -> Null<'g> {
        let per_total = if g.total > 0.0 { gamma / g.total } else { 0.0 };
        let (a, b, lambda) = match (quality, &g.arcs) {
            (Quality::Cpm, _) => (&g.size[..], &g.size[..], gamma),
            (Quality::Modularity, None) => (&g.strength[..], &g.strength[..], per_total),
            (Quality::Modularity, Some(arcs)) => (&arcs.out[..], &arcs.into[..], 4.0 * per_total),
        };
        Null {
            a,
            b,
            half_lambda: lambda / 2.0,
        }
    }

    /// The cost of joining a group with sums `(a1, b1)` to one with sums `(a2, b2)`.
    fn cost(&self, a1: f64, b1: f64, a2: f64, b2: f64) -> f64 {
        self.half_lambda * (a1 * b2 + b1 * a2)
    }

    /// Sums of `a` and `b` per community of `part` (ids below `k`).
    fn sums(&self, part: &[u32], k: usize) -> (Vec<f64>, Vec<f64>) {
        let (mut sa, mut sb) = (vec![0.0; k], vec![0.0; k]);
        for (i, &c) in part.iter().enumerate() {
            sa[c as usize] += self.a[i];
            sb[c as usize] += self.b[i];
        }
        (sa, sb)
    }
}

/// Community bookkeeping for local moving on one level.
struct Mover<'g> {
    null: Null<'g>,
    tot_a: Vec<f64>,
    tot_b: Vec<f64>,
    size: Vec<u32>,
    scratch: Vec<f64>,
    touched: Vec<u32>,
    empties: Vec<u32>,
}

impl<'g> Mover<'g> {
    fn new(g: &'g Graph, part: &[u32], opts: &Options) -> Mover<'g> {
        let n = g.len();
        let null = Null::of(g, opts.quality, opts.resolution);
        let (tot_a, tot_b) = null.sums(part, n);
        let mut size = vec![0u32; n];
        for &c in part {
            size[c as usize] += 1;
        }
        let empties = (0..n as u32).rev().filter(|&c| size[c as usize] == 0).collect();
        Mover {
            null,
            tot_a,
            tot_b,
            size,
            scratch: vec![0.0; n],
            touched: Vec::new(),
            empties,
        }
    }

    /// Moves `v` to its best community; returns whether it changed.
    fn move_node(&mut self, g: &Graph, part: &mut [u32], v: usize, allow_empty: bool) -> bool {
        let cv = part[v];
        let (av, bv) = (self.null.a[v], self.null.b[v]);
        self.tot_a[cv as usize] -= av;
        self.tot_b[cv as usize] -= bv;
        self.size[cv as usize] -= 1;
        for (u, w) in g.neighbors(v) {
            let c = part[u as usize];
            if self.scratch[c as usize] == 0.0 {
                self.touched.push(c);
            }
            self.scratch[c as usize] += w;
        }
        let gain = |s: &Mover, c: u32| {
            let c = c as usize;
            s.scratch[c] - s.null.cost(av, bv, s.tot_a[c], s.tot_b[c])
        };
        let mut best = cv;
        let mut best_gain = gain(self, cv);
        for &c in &self.touched {
            let g = gain(self, c);
            if g > best_gain {
                best = c;
                best_gain = g;
            }
        }
        let mut took_empty = false;
        if allow_empty
            && self.size[cv as usize] > 0
            && best_gain < 0.0
            && let Some(&e) = self.empties.last()
        {
            best = e;
            took_empty = true;
        }
        for &c in &self.touched {
            self.scratch[c as usize] = 0.0;
        }
        self.touched.clear();
        if took_empty {
            self.empties.pop();
        }
        part[v] = best;
        self.tot_a[best as usize] += av;
        self.tot_b[best as usize] += bv;
        self.size[best as usize] += 1;
        if best != cv && self.size[cv as usize] == 0 {
            self.empties.push(cv);
        }
        best != cv
    }
}

/// Louvain local moving: sweeps in random order until a sweep moves nothing.
fn move_sweeps(g: &Graph, part: &mut [u32], opts: &Options, rng: &mut Pcg64Mcg) -> bool {
    let mut mover = Mover::new(g, part, opts);
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.shuffle(rng);
    let mut any = false;
    for _ in 0..10_000 {
        let mut moved = false;
        for &v in &order {
            moved |= mover.move_node(g, part, v, false);
        }
        any |= moved;
        if !moved {
            break;
        }
    }
    any
}

/// Leiden's fast local moving with a queue.
fn move_queue(g: &Graph, part: &mut [u32], opts: &Options, rng: &mut Pcg64Mcg) -> bool {
    let n = g.len();
    let mut mover = Mover::new(g, part, opts);
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(rng);
    let mut queue: VecDeque<u32> = order.into_iter().collect();
    let mut queued = vec![true; n];
    let mut any = false;
    while let Some(v) = queue.pop_front() {
        queued[v as usize] = false;
        if mover.move_node(g, part, v as usize, true) {
            any = true;
            let c = part[v as usize];
            for (u, _) in g.neighbors(v as usize) {
                if !queued[u as usize] && part[u as usize] != c {
                    queued[u as usize] = true;
                    queue.push_back(u);
                }
            }
        }
    }
    any
}

/// Leiden's refinement: returns the refined partition (compact ids) and its size.
fn refine(g: &Graph, part: &[u32], opts: &Options, rng: &mut Pcg64Mcg) -> (Vec<u32>, usize) {
    let n = g.len();
    let null = Null::of(g, opts.quality, opts.resolution);
    let (comm_a, comm_b) = null.sums(part, n);
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let (mut r_a, mut r_b) = (null.a.to_vec(), null.b.to_vec());
    let mut r_size = vec![1u32; n];
    // Weight from each refined community to the rest of its community.
    let mut r_ext: Vec<f64> = (0..n)
        .map(|v| {
            g.neighbors(v)
                .filter(|&(u, _)| part[u as usize] == part[v])
                .map(|(_, w)| w)
                .sum()
        })
        .collect();
    let mut scratch = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    for v in order {
        let rv = refined[v] as usize;
        if r_size[rv] != 1 {
            continue;
        }
        let s = part[v] as usize;
        let (av, bv) = (null.a[v], null.b[v]);
        // Well connected to the rest of S: E(v, S − v) ≥ cost(v, S − v).
        if r_ext[rv] < null.cost(av, bv, comm_a[s] - av, comm_b[s] - bv) {
            continue;
        }
        for (u, w) in g.neighbors(v) {
            if part[u as usize] as usize != s {
                continue;
            }
            let c = refined[u as usize];
            if scratch[c as usize] == 0.0 {
                touched.push(c);
            }
            scratch[c as usize] += w;
        }
        let mut best = u32::MAX;
        let mut best_gain = 0.0;
        for &c in &touched {
            let cu = c as usize;
            if cu == rv || r_ext[cu] < null.cost(r_a[cu], r_b[cu], comm_a[s] - r_a[cu], comm_b[s] - r_b[cu]) {
                continue;
            }
            let gain = scratch[cu] - null.cost(av, bv, r_a[cu], r_b[cu]);
            if gain >= best_gain && (best == u32::MAX || gain > best_gain) {
                best = c;
                best_gain = gain;
            }
        }
        if best != u32::MAX {
            let b = best as usize;
            let w_vb = scratch[b];
            r_ext[b] = r_ext[b] + r_ext[rv] - 2.0 * w_vb;
            r_a[b] += av;
            r_b[b] += bv;
            r_size[b] += 1;
            r_a[rv] = 0.0;
            r_b[rv] = 0.0;
            r_size[rv] = 0;
            refined[v] = best;
        }
        for &c in &touched {
            scratch[c as usize] = 0.0;
        }
        touched.clear();
    }
    let k = compact(&mut refined);
    (refined, k)
}

/// One whole iteration (all levels) from the partition in `membership`.
fn one_iteration(g0: &Graph, membership: &mut [u32], opts: &Options, rng: &mut Pcg64Mcg) {
    let mut owned: Option<Graph> = None;
    let mut node_of: Vec<u32> = (0..g0.len() as u32).collect();
    let mut part = membership.to_vec();
    compact(&mut part);
    loop {
        let g = owned.as_ref().unwrap_or(g0);
        let moved = match opts.method {
            Method::Louvain => move_sweeps(g, &mut part, opts, rng),
            Method::Leiden | Method::Sbm => move_queue(g, &mut part, opts, rng),
        };
        let k = compact(&mut part);
        if k == g.len() {
            break;
        }
        let (agg_part, agg_k) = match opts.method {
            // (The SBM never gets here: `detect` hands it to `sbm::fit`.)
            Method::Leiden | Method::Sbm => {
                let (r, rk) = refine(g, &part, opts, rng);
                if rk < g.len() { (r, rk) } else { (part.clone(), k) }
            }
            Method::Louvain => {
                if !moved && owned.is_some() {
                    break;
                }
                (part.clone(), k)
            }
        };
        let mut next_part = vec![0u32; agg_k];
        for (v, &r) in agg_part.iter().enumerate() {
            next_part[r as usize] = part[v];
        }
        for x in node_of.iter_mut() {
            *x = agg_part[*x as usize];
        }
        let next = g.aggregate(&agg_part, agg_k);
        owned = Some(next);
        part = next_part;
    }
    for (o, m) in membership.iter_mut().enumerate() {
        *m = part[node_of[o] as usize];
    }
}

/// Contingency counts of two labelings: (pair counts, row sums, column sums, n).
fn contingency(a: &[u32], b: &[u32]) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
    assert_eq!(a.len(), b.len());
    let mut pairs: Vec<(u32, u32)> = a.iter().copied().zip(b.iter().copied()).collect();
    pairs.sort_unstable();
    let mut cells = Vec::new();
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j] == pairs[i] {
            j += 1;
        }
        cells.push((j - i) as f64);
        i = j;
    }
    let counts = |x: &[u32]| {
        let k = x.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut s = vec![0.0; k];
        for &c in x {
            s[c as usize] += 1.0;
        }
        s.into_iter().filter(|&c| c > 0.0).collect::<Vec<f64>>()
    };
    (cells, counts(a), counts(b), a.len() as f64)
}

/// Normalised mutual information `2 I(A;B) / (H(A) + H(B))` (igraph's "nmi"); 1 when both
/// partitions are trivial and equal.
pub fn nmi(a: &[u32], b: &[u32]) -> f64 {
    let (_, ra, rb, n) = contingency(a, b);
    if n == 0.0 {
        return 1.0;
    }
    let h = |s: &[f64]| -s.iter().map(|&c| c / n * (c / n).ln()).sum::<f64>();
    let (ha, hb) = (h(&ra), h(&rb));
    if ha + hb == 0.0 {
        return 1.0;
    }
    // I = H(A) + H(B) − H(A,B)
    let mut pairs: Vec<(u32, u32)> = a.iter().copied().zip(b.iter().copied()).collect();
    pairs.sort_unstable();
    let mut hab = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j] == pairs[i] {
            j += 1;
        }
        let p = (j - i) as f64 / n;
        hab -= p * p.ln();
        i = j;
    }
    (2.0 * (ha + hb - hab) / (ha + hb)).clamp(0.0, 1.0)
}

/// Adjusted Rand index (Hubert & Arabie 1985).
pub fn ari(a: &[u32], b: &[u32]) -> f64 {
    let (cells, ra, rb, n) = contingency(a, b);
    let c2 = |x: f64| x * (x - 1.0) / 2.0;
    let index: f64 = cells.iter().map(|&c| c2(c)).sum();
    let sa: f64 = ra.iter().map(|&c| c2(c)).sum();
    let sb: f64 = rb.iter().map(|&c| c2(c)).sum();
    let expected = sa * sb / c2(n);
    let max = (sa + sb) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn random_graph(n: usize, p: f64, seed: u64) -> Graph {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let mut e = Vec::new();
        for i in 0..n as u32 {
            for j in i + 1..n as u32 {
                if rng.random::<f64>() < p {
                    e.push((i, j, 1.0 + rng.random_range(0..4) as f64));
                }
            }
        }
        Graph::from_edges(n, e)
    }

    #[test]
    fn aggregation_keeps_modularity() {
        let g = random_graph(120, 0.05, 3);
        let part: Vec<u32> = (0..120).map(|i| (i % 7) as u32).collect();
        let agg = g.aggregate(&part, 7);
        let q = modularity(&g, &part, 1.3);
        let q_agg = modularity(&agg, &(0..7).collect::<Vec<u32>>(), 1.3);
        assert!((q - q_agg).abs() < 1e-12, "{q} vs {q_agg}");
        assert!((agg.total_weight() - g.total_weight()).abs() < 1e-9);
    }

    /// Directed modularity of arcs both ways equals the undirected modularity; aggregation
    /// keeps directed modularity and CPM.
    #[test]
    fn directed_modularity_and_cpm_under_aggregation() {
        let g = random_graph(90, 0.08, 5);
        let arcs: Vec<(u32, u32, f64)> = g.edges().flat_map(|(u, v, w)| [(u, v, w), (v, u, w)]).collect();
        let d = Graph::from_arcs(90, arcs);
        let part: Vec<u32> = (0..90).map(|i| (i % 5) as u32).collect();
        assert!((modularity(&d, &part, 1.2) - modularity(&g, &part, 1.2)).abs() < 1e-12);

        let one_way: Vec<(u32, u32, f64)> = g.edges().collect();
        let d = Graph::from_arcs(90, one_way);
        let agg = d.aggregate(&part, 5);
        let ids: Vec<u32> = (0..5).collect();
        assert!((modularity(&d, &part, 0.8) - modularity(&agg, &ids, 0.8)).abs() < 1e-12);
        assert!((cpm(&g, &part, 0.3) - cpm(&g.aggregate(&part, 5), &ids, 0.3)).abs() < 1e-9);
    }

    /// The refinement alone (without the split safety net) gives connected communities.
    #[test]
    fn leiden_iteration_connected_without_safety_net() {
        for seed in 0..20 {
            let g = random_graph(150, 0.03, seed);
            let opts = Options {
                seed,
                ..Default::default()
            };
            let mut rng = Pcg64Mcg::seed_from_u64(seed);
            let mut m: Vec<u32> = (0..150).collect();
            for _ in 0..3 {
                one_iteration(&g, &mut m, &opts, &mut rng);
                assert!(communities_connected(&g, &m), "seed {seed}");
            }
        }
    }
}
