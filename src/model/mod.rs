//! The connectome as pure data: neurons with their annotations, and connections of each kind
//! in compressed sparse row form. Nothing here knows about files or rendering.

mod builder;
mod edges;
mod neurons;
pub mod recording;
mod report;
mod signs;
mod stats;

pub use builder::{ConnectomeBuilder, MergeError};
pub use edges::{Edge, EdgeKind, Edges};
pub use neurons::{Neurons, Position, StrColumn};
pub use recording::{Recording, TimeAxis};
pub use report::{ImportReport, ImportWarning, WarningCode, thousands, value_counts};
pub use signs::{Sign, SignRule};
pub use stats::{DegreeStats, KindStats, Summary};

use petgraph::graph::{DiGraph, NodeIndex};

/// A connectome: neurons and their chemical, electrical, other and undirected connections.
#[derive(Debug, Clone)]
pub struct Connectome {
    pub neurons: Neurons,
    pub chemical: Edges,
    /// Gap junctions, once per unordered pair (`pre <= post`).
    pub electrical: Edges,
    pub other: Edges,
    /// Undirected connections of unknown kind, once per unordered pair (`pre <= post`).
    pub undirected: Edges,
    /// What a weight counts, e.g. `synapses` or `EM sections`.
    pub weight_unit: String,
    /// The rule the neuron signs were derived with.
    pub sign_rule: SignRule,
    /// How the reader interpreted its file (empty for a connectome built in code).
    pub import_report: ImportReport,
}

/// Connectomes are equal when they hold the same data; how each was read is not part of it
/// (a round trip through a file is equal to the original even where the reader reports).
impl PartialEq for Connectome {
    fn eq(&self, other: &Self) -> bool {
        self.neurons == other.neurons
            && self.chemical == other.chemical
            && self.electrical == other.electrical
            && self.other == other.other
            && self.undirected == other.undirected
            && self.weight_unit == other.weight_unit
            && self.sign_rule == other.sign_rule
    }
}

impl Connectome {
    pub fn edges(&self, kind: EdgeKind) -> &Edges {
        match kind {
            EdgeKind::Chemical => &self.chemical,
            EdgeKind::Electrical => &self.electrical,
            EdgeKind::Other => &self.other,
            EdgeKind::Undirected => &self.undirected,
        }
    }

    pub(crate) fn edges_mut(&mut self, kind: EdgeKind) -> &mut Edges {
        match kind {
            EdgeKind::Chemical => &mut self.chemical,
            EdgeKind::Electrical => &mut self.electrical,
            EdgeKind::Other => &mut self.other,
            EdgeKind::Undirected => &mut self.undirected,
        }
    }

    /// The effective sign of a connection: its own sign if the source gave one, else (for
    /// directed kinds) the presynaptic neuron's sign. See [`signs`](self::SignRule) for the rule.
    pub fn edge_sign(&self, kind: EdgeKind, id: usize) -> Sign {
        let e = self.edges(kind).get(id);
        match (e.sign, kind) {
            (Sign::Unknown, EdgeKind::Chemical | EdgeKind::Other) => self.neurons.sign[e.pre as usize],
            (s, _) => s,
        }
    }

    /// Re-derives neuron signs from neurotransmitters with another rule (e.g. glutamate
    /// inhibitory for insects). Neurons whose sign cannot be derived keep their current sign.
    pub fn apply_sign_rule(&mut self, rule: SignRule) {
        for i in 0..self.neurons.len() {
            if let Some(nt) = self.neurons.neurotransmitter.get(i) {
                let s = rule.sign_of(nt);
                if s != Sign::Unknown {
                    self.neurons.sign[i] = s;
                }
            }
        }
        self.sign_rule = rule;
    }

    /// Sets the sign of individual connections (per-edge predictions override neuron signs).
    /// Returns how many connections were found.
    pub fn set_edge_signs(&mut self, kind: EdgeKind, signs: &[(usize, usize, Sign)]) -> usize {
        let edges = self.edges_mut(kind);
        let mut found = 0;
        for &(pre, post, sign) in signs {
            let (a, b) = if !kind.is_directed() {
                (pre.min(post), pre.max(post))
            } else {
                (pre, post)
            };
            if let Some(id) = edges.find(a, b) {
                edges.set_sign(id, sign);
                found += 1;
            }
        }
        found
    }

    /// A petgraph view over the chosen kinds, for the algorithms petgraph already has
    /// (components, shortest paths, ...). Node `i` is neuron `i`; gap junctions and undirected
    /// connections become a pair of opposite arcs (they work both ways); edge data is the weight.
    pub fn to_petgraph(&self, kinds: &[EdgeKind]) -> DiGraph<u32, f64> {
        let m: usize = kinds
            .iter()
            .map(|&k| self.edges(k).len() * if k.is_directed() { 1 } else { 2 })
            .sum();
        let mut g = DiGraph::with_capacity(self.neurons.len(), m);
        for i in 0..self.neurons.len() {
            g.add_node(i as u32);
        }
        for &kind in kinds {
            for e in self.edges(kind).iter() {
                let (a, b) = (NodeIndex::new(e.pre as usize), NodeIndex::new(e.post as usize));
                g.add_edge(a, b, e.weight);
                if !kind.is_directed() && a != b {
                    g.add_edge(b, a, e.weight);
                }
            }
        }
        g
    }

    /// Checks what every reader must guarantee: edges refer to existing neurons, gap junctions
    /// and undirected connections are stored once with `pre <= post`, weights are finite and non-negative, names are
    /// unique and non-empty. Used by tests and fuzz targets.
    pub fn check_invariants(&self) -> Result<(), String> {
        let n = self.neurons.len();
        for (i, name) in self.neurons.names().iter().enumerate() {
            if name.is_empty() || self.neurons.find(name) != Some(i) {
                return Err(format!("neuron {i} has an empty or duplicate name '{name}'"));
            }
        }
        if self.neurons.sign.len() != n || self.neurons.position.len() != n {
            return Err("per-neuron arrays have the wrong length".into());
        }
        for kind in EdgeKind::ALL {
            let edges = self.edges(kind);
            let mut previous = None;
            for e in edges.iter() {
                if e.pre as usize >= n || e.post as usize >= n {
                    return Err(format!("{kind:?} edge {e:?} refers to a missing neuron"));
                }
                if !(e.weight.is_finite() && e.weight >= 0.0) {
                    return Err(format!("{kind:?} edge {e:?} has a bad weight"));
                }
                if !kind.is_directed() && e.pre > e.post {
                    return Err(format!("{kind:?} edge {e:?} is not stored with pre <= post"));
                }
                if previous >= Some((e.pre, e.post)) {
                    return Err(format!("{kind:?} edges are not sorted and unique at {e:?}"));
                }
                previous = Some((e.pre, e.post));
            }
        }
        Ok(())
    }

    /// Bytes held by the connection arrays (neuron names and annotations not included).
    pub fn edge_heap_bytes(&self) -> usize {
        EdgeKind::ALL.iter().map(|&k| self.edges(k).heap_bytes()).sum()
    }
}
