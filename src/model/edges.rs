//! Connections of one kind in compressed sparse row form, with an incoming index.

use super::{Sign, StrColumn};

/// What a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// Chemical synapse, directed pre -> post.
    Chemical,
    /// Electrical synapse / gap junction, undirected: stored once per unordered pair with
    /// `pre <= post`.
    Electrical,
    /// Any other directed relation (functional connectivity, a generic graph's edges, a
    /// connection type we do not know: see [`Edges::original_type`]).
    Other,
    /// An undirected connection of unknown kind (an undirected graph's edges): stored once per
    /// unordered pair with `pre <= post`, drawn without an arrow sense, simulated as a synapse
    /// each way unless the user chooses otherwise.
    Undirected,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 4] = [
        EdgeKind::Chemical,
        EdgeKind::Electrical,
        EdgeKind::Other,
        EdgeKind::Undirected,
    ];

    /// The name used in files and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Chemical => "chemical",
            EdgeKind::Electrical => "electrical",
            EdgeKind::Other => "other",
            EdgeKind::Undirected => "undirected",
        }
    }

    /// Parses the connection type names found in the wild, case-insensitively.
    /// Returns `None` for a name we do not know (the readers report it as an error).
    pub fn parse(s: &str) -> Option<EdgeKind> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.replace(['_', '-'], " ");
        Some(match s.as_str() {
            "chemical" | "chem" | "c" | "s" | "sp" | "send" | "synapse" | "synaptic" | "chemical synapse"
            | "directed" => EdgeKind::Chemical,
            "electrical" | "elec" | "e" | "ej" | "gap" | "gap junction" | "gapjunction" | "gj"
            | "electrical synapse" => EdgeKind::Electrical,
            "other" | "functional" | "generic" => EdgeKind::Other,
            "undirected" => EdgeKind::Undirected,
            _ => return None,
        })
    }

    /// Whether `pre -> post` differs from `post -> pre`. Undirected kinds are stored once per
    /// unordered pair with `pre <= post`.
    pub fn is_directed(self) -> bool {
        !matches!(self, EdgeKind::Electrical | EdgeKind::Undirected)
    }
}

/// One edge as seen by a caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub pre: u32,
    pub post: u32,
    /// Magnitude: synapse count or whatever the source's unit is (never negative).
    pub weight: f64,
    /// The connection's own sign, if the source gave one (else see [`Connectome::edge_sign`]).
    ///
    /// [`Connectome::edge_sign`]: super::Connectome::edge_sign
    pub sign: Sign,
    /// Transmission delay in ms, if the source gave one.
    pub delay: Option<f32>,
}

/// Edges of one kind over `n` neurons, sorted by (pre, post): the sorted arrays are the
/// outgoing CSR; `in_order` lists edge ids sorted by (post, pre) for the incoming view.
#[derive(Debug, Clone, Default)]
pub struct Edges {
    out_offsets: Vec<u32>,
    pre: Vec<u32>,
    post: Vec<u32>,
    weight: Vec<f64>,
    sign: Vec<Sign>,
    /// Empty when no edge has a delay; else one per edge, NaN for "none".
    delay: Vec<f32>,
    in_offsets: Vec<u32>,
    in_order: Vec<u32>,
    /// The source's own connection-type value, per edge id, where it was one we do not know
    /// (such edges are kind `other`); empty when there is none.
    original_type: StrColumn,
}

/// Edge sets are equal when they hold the same edges (a missing delay equals a missing delay).
impl PartialEq for Edges {
    fn eq(&self, other: &Self) -> bool {
        self.out_offsets == other.out_offsets && self.iter().eq(other.iter())
    }
}

impl Edges {
    /// Builds from edges already sorted by (pre, post) with no duplicate pair.
    pub(crate) fn from_sorted(n: usize, edges: &[Edge]) -> Edges {
        debug_assert!(edges.windows(2).all(|w| (w[0].pre, w[0].post) < (w[1].pre, w[1].post)));
        let m = edges.len();
        let mut out_offsets = vec![0u32; n + 1];
        let mut in_offsets = vec![0u32; n + 1];
        for e in edges {
            out_offsets[e.pre as usize + 1] += 1;
            in_offsets[e.post as usize + 1] += 1;
        }
        for i in 0..n {
            out_offsets[i + 1] += out_offsets[i];
            in_offsets[i + 1] += in_offsets[i];
        }
        // Counting sort by post; stable, so ties stay ordered by pre.
        let mut fill = in_offsets.clone();
        let mut in_order = vec![0u32; m];
        for (id, e) in edges.iter().enumerate() {
            let slot = &mut fill[e.post as usize];
            in_order[*slot as usize] = id as u32;
            *slot += 1;
        }
        let any_delay = edges.iter().any(|e| e.delay.is_some());
        Edges {
            out_offsets,
            pre: edges.iter().map(|e| e.pre).collect(),
            post: edges.iter().map(|e| e.post).collect(),
            weight: edges.iter().map(|e| e.weight).collect(),
            sign: edges.iter().map(|e| e.sign).collect(),
            delay: if any_delay {
                edges.iter().map(|e| e.delay.unwrap_or(f32::NAN)).collect()
            } else {
                Vec::new()
            },
            in_offsets,
            in_order,
            original_type: StrColumn::default(),
        }
    }

    /// Sets the original connection-type value of edge `id` (see [`Edges::original_type`]).
    pub(crate) fn set_original_type(&mut self, id: usize, value: &str) {
        self.original_type.set(id, value);
    }

    /// The connection-type value the source gave edge `id`, when it was not one we know.
    pub fn original_type(&self, id: usize) -> Option<&str> {
        self.original_type.get(id)
    }

    /// Number of stored edges (unordered pairs for electrical edges).
    pub fn len(&self) -> usize {
        self.pre.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pre.is_empty()
    }

    /// Sum of weights.
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().fold(0.0, |a, w| a + w)
    }

    pub fn get(&self, id: usize) -> Edge {
        Edge {
            pre: self.pre[id],
            post: self.post[id],
            weight: self.weight[id],
            sign: self.sign[id],
            delay: self.delay.get(id).copied().filter(|d| !d.is_nan()),
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Edge> + '_ {
        (0..self.len()).map(|id| self.get(id))
    }

    pub(crate) fn set_sign(&mut self, id: usize, sign: Sign) {
        self.sign[id] = sign;
    }

    pub fn has_delays(&self) -> bool {
        !self.delay.is_empty()
    }

    /// Edge ids leaving `neuron` (for electrical edges: those stored with it as `pre`).
    pub fn out_ids(&self, neuron: usize) -> std::ops::Range<usize> {
        self.out_offsets[neuron] as usize..self.out_offsets[neuron + 1] as usize
    }

    /// Edge ids arriving at `neuron` (for electrical edges: those stored with it as `post`).
    pub fn in_ids(&self, neuron: usize) -> impl ExactSizeIterator<Item = usize> + '_ {
        let r = self.in_offsets[neuron] as usize..self.in_offsets[neuron + 1] as usize;
        self.in_order[r].iter().map(|&id| id as usize)
    }

    /// Targets of `neuron`'s outgoing edges, sorted.
    pub fn targets(&self, neuron: usize) -> &[u32] {
        &self.post[self.out_ids(neuron)]
    }

    pub fn out_weights(&self, neuron: usize) -> &[f64] {
        &self.weight[self.out_ids(neuron)]
    }

    pub fn out_degree(&self, neuron: usize) -> usize {
        self.out_ids(neuron).len()
    }

    pub fn in_degree(&self, neuron: usize) -> usize {
        (self.in_offsets[neuron + 1] - self.in_offsets[neuron]) as usize
    }

    /// The edge id of pre -> post, if present (binary search in the CSR row).
    pub fn find(&self, pre: usize, post: usize) -> Option<usize> {
        let r = self.out_ids(pre);
        let start = r.start;
        self.post[r].binary_search(&(post as u32)).ok().map(|k| start + k)
    }

    /// Bytes held by the arrays, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        8 * self.weight.capacity()
            + 4 * (self.out_offsets.capacity()
                + self.pre.capacity()
                + self.post.capacity()
                + self.delay.capacity()
                + self.in_offsets.capacity()
                + self.in_order.capacity())
            + self.sign.capacity()
    }
}
