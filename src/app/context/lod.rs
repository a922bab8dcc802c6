//! Which connections to draw: a weight threshold, toggles per kind, and a level of detail
//! for big graphs (the strongest k connections of each neuron, and a global cap). Works on
//! reused buffers, so a rebuild allocates nothing proportional to the edge count.

use crate::app::context::graph::GraphData;
use crate::model::EdgeKind;

/// The default cap on a software renderer (see [`EdgeFilter::for_renderer`]).
pub const SOFTWARE_CAP: usize = 25_000;

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeFilter {
    pub chemical: bool,
    pub electrical: bool,
    /// Undirected connections of unknown kind (an undirected graph's edges).
    pub undirected: bool,
    /// Connections of a kind we do not know (the file's own type is kept).
    pub other: bool,
    /// Connections lighter than this are hidden.
    pub min_weight: f64,
    /// Keep a connection only while one of its ends has kept fewer than this many.
    pub per_neuron: Option<u32>,
    /// At most this many connections in all (heaviest first).
    pub cap: usize,
}

impl EdgeFilter {
    /// Defaults that keep the picture readable and big graphs responsive: above 2,000
    /// connections only each neuron's strongest few are drawn (every connected neuron keeps
    /// at least one), at most 100,000 in all.
    pub fn for_graph(edges: usize) -> EdgeFilter {
        EdgeFilter {
            chemical: true,
            electrical: true,
            undirected: true,
            other: true,
            min_weight: 0.0,
            per_neuron: match edges {
                0..=2_000 => None,
                2_001..=50_000 => Some(6),
                _ => Some(3),
            },
            cap: 100_000,
        }
    }

    /// [`EdgeFilter::for_graph`], with at most [`SOFTWARE_CAP`] connections on a software
    /// renderer (Mesa's llvmpipe), where the lines' pixels cost most of a big graph's frame.
    pub fn for_renderer(edges: usize, software: bool) -> EdgeFilter {
        let mut filter = EdgeFilter::for_graph(edges);
        if software {
            filter.cap = filter.cap.min(SOFTWARE_CAP);
        }
        filter
    }

    pub fn shows(&self, kind: EdgeKind) -> bool {
        match kind {
            EdgeKind::Chemical => self.chemical,
            EdgeKind::Electrical => self.electrical,
            EdgeKind::Undirected => self.undirected,
            EdgeKind::Other => self.other,
        }
    }
}

/// Fills `out` with the connections to draw, heaviest first, all kinds shown merged.
/// `kept` is scratch space (one counter per neuron).
pub fn select_edges(g: &GraphData, f: &EdgeFilter, kept: &mut Vec<u32>, out: &mut Vec<(EdgeKind, u32)>) {
    out.clear();
    kept.clear();
    kept.resize(g.len(), 0);
    let lists = EdgeKind::ALL.map(|kind| (kind, if f.shows(kind) { g.by_weight(kind) } else { &[] }));
    let weight = |kind: EdgeKind, id: u32| g.c.edges(kind).get(id as usize).weight;
    let mut at = [0usize; 4];
    while out.len() < f.cap {
        // The heaviest of the lists' heads (the first list wins a tie: chemical first).
        let mut best: Option<(usize, f64)> = None;
        for (k, (kind, ids)) in lists.iter().enumerate() {
            if let Some(&id) = ids.get(at[k]) {
                let w = weight(*kind, id);
                if best.is_none_or(|(_, b)| w > b) {
                    best = Some((k, w));
                }
            }
        }
        let Some((k, _)) = best else { break };
        let next = (lists[k].0, lists[k].1[at[k]]);
        at[k] += 1;
        let e = g.c.edges(next.0).get(next.1 as usize);
        if e.weight < f.min_weight {
            break; // sorted: everything after is lighter
        }
        let (p, q) = (e.pre as usize, e.post as usize);
        if let Some(k) = f.per_neuron
            && kept[p] >= k
            && kept[q] >= k
        {
            continue;
        }
        kept[p] += 1;
        kept[q] += 1;
        out.push(next);
    }
}

/// Weight on a 0..1 log scale relative to the heaviest connection.
pub fn weight_level(w: f64, max: f64) -> f32 {
    if max <= 0.0 || w <= 0.0 {
        return 0.0;
    }
    ((1.0 + w).ln() / (1.0 + max).ln()).clamp(0.0, 1.0) as f32
}
