//! Which connections to draw: a weight threshold, toggles per kind, and a level of detail
//! for big graphs (the strongest k connections of each neuron, and a global cap). Works on
//! reused buffers, so a rebuild allocates nothing proportional to the edge count.

use crate::app::context::graph::GraphData;
use crate::model::EdgeKind;

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeFilter {
    pub chemical: bool,
    pub electrical: bool,
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
            min_weight: 0.0,
            per_neuron: match edges {
                0..=2_000 => None,
                2_001..=50_000 => Some(6),
                _ => Some(3),
            },
            cap: 100_000,
        }
    }
}

/// Fills `out` with the connections to draw, heaviest first, chemical and electrical merged.
/// `kept` is scratch space (one counter per neuron).
pub fn select_edges(g: &GraphData, f: &EdgeFilter, kept: &mut Vec<u32>, out: &mut Vec<(EdgeKind, u32)>) {
    out.clear();
    kept.clear();
    kept.resize(g.len(), 0);
    let chem: &[u32] = if f.chemical { &g.chemical_by_weight } else { &[] };
    let elec: &[u32] = if f.electrical { &g.electrical_by_weight } else { &[] };
    let weight = |kind: EdgeKind, id: u32| g.c.edges(kind).get(id as usize).weight;
    let (mut a, mut b) = (0, 0);
    while out.len() < f.cap {
        let next = match (chem.get(a), elec.get(b)) {
            (Some(&x), Some(&y)) => {
                if weight(EdgeKind::Chemical, x) >= weight(EdgeKind::Electrical, y) {
                    a += 1;
                    (EdgeKind::Chemical, x)
                } else {
                    b += 1;
                    (EdgeKind::Electrical, y)
                }
            }
            (Some(&x), None) => {
                a += 1;
                (EdgeKind::Chemical, x)
            }
            (None, Some(&y)) => {
                b += 1;
                (EdgeKind::Electrical, y)
            }
            (None, None) => break,
        };
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
