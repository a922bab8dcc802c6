//! The loaded graph plus what the viewer derives from it once (degrees, edges sorted by
//! weight, lower-case names for search). Built on the loading thread; no bevy here.

use std::sync::Arc;

use crate::model::{Connectome, EdgeKind};

/// A connectome ready for viewing.
pub struct GraphData {
    /// What was opened (file path, bundled name or `synthetic:N:E`).
    pub source: String,
    /// Shared with the simulation thread.
    pub c: Arc<Connectome>,
    /// Chemical in- and out-degree, gap-junction and undirected degree per neuron.
    pub in_degree: Vec<u32>,
    pub out_degree: Vec<u32>,
    pub gap_degree: Vec<u32>,
    pub undirected_degree: Vec<u32>,
    /// Edge ids of each kind (in [`EdgeKind::ALL`]'s order), heaviest first.
    by_kind: [Vec<u32>; 4],
    /// Largest weight over connections of every kind (1 when there are none).
    pub max_weight: f64,
    /// Lower-case names and classes, for search.
    pub names_lower: Vec<String>,
    pub classes_lower: Vec<String>,
}

impl GraphData {
    pub fn new(source: impl Into<String>, c: Connectome) -> GraphData {
        let n = c.neurons.len();
        let in_degree = (0..n).map(|i| c.chemical.in_degree(i) as u32).collect();
        let out_degree = (0..n).map(|i| c.chemical.out_degree(i) as u32).collect();
        let both_ways = |e: &crate::model::Edges| (0..n).map(|i| (e.out_degree(i) + e.in_degree(i)) as u32).collect();
        let gap_degree = both_ways(&c.electrical);
        let undirected_degree = both_ways(&c.undirected);
        let by_weight = |kind: EdgeKind| {
            let e = c.edges(kind);
            let mut ids: Vec<u32> = (0..e.len() as u32).collect();
            ids.sort_by(|&a, &b| e.get(b as usize).weight.total_cmp(&e.get(a as usize).weight));
            ids
        };
        let by_kind = EdgeKind::ALL.map(by_weight);
        let max_weight = EdgeKind::ALL
            .iter()
            .zip(&by_kind)
            .filter_map(|(&kind, ids)| ids.first().map(|&id| c.edges(kind).get(id as usize).weight))
            .fold(0.0, f64::max);
        let names_lower = c.neurons.names().iter().map(|s| s.to_lowercase()).collect();
        let classes_lower = (0..n)
            .map(|i| c.neurons.class.get(i).unwrap_or("").to_lowercase())
            .collect();
        GraphData {
            source: source.into(),
            c: Arc::new(c),
            in_degree,
            out_degree,
            gap_degree,
            undirected_degree,
            by_kind,
            max_weight: if max_weight > 0.0 { max_weight } else { 1.0 },
            names_lower,
            classes_lower,
        }
    }

    /// The edge ids of a kind, heaviest first.
    pub fn by_weight(&self, kind: EdgeKind) -> &[u32] {
        let k = EdgeKind::ALL.iter().position(|&x| x == kind).expect("a kind");
        &self.by_kind[k]
    }

    pub fn len(&self) -> usize {
        self.c.neurons.len()
    }

    /// Total degree: chemical in + out, gap junctions and undirected connections.
    pub fn degree(&self, i: usize) -> u32 {
        self.in_degree[i] + self.out_degree[i] + self.gap_degree[i] + self.undirected_degree[i]
    }

    /// Calls `f(neighbour)` for every neuron connected to `i` by a connection of any kind
    /// (either direction).
    pub fn for_each_neighbour(&self, i: usize, mut f: impl FnMut(usize)) {
        for kind in EdgeKind::ALL {
            let e = self.c.edges(kind);
            for &t in e.targets(i) {
                f(t as usize);
            }
            for id in e.in_ids(i) {
                f(e.get(id).pre as usize);
            }
        }
    }

    /// A short description for tooltips: class, type, neurotransmitter, degrees.
    pub fn describe(&self, i: usize) -> Vec<(&'static str, String)> {
        let n = &self.c.neurons;
        let mut rows = Vec::new();
        if let Some(v) = n.class.get(i) {
            rows.push(("class", v.to_string()));
        }
        if let Some(v) = n.cell_type.get(i) {
            rows.push(("type", v.to_string()));
        }
        if let Some(v) = n.neurotransmitter.get(i) {
            rows.push(("transmitter", v.replace(';', ", ")));
        }
        rows.push(("sign", n.sign[i].as_str().to_string()));
        rows.push(("in / out", format!("{} / {}", self.in_degree[i], self.out_degree[i])));
        rows.push(("gap junctions", self.gap_degree[i].to_string()));
        if self.undirected_degree[i] > 0 {
            rows.push(("undirected", self.undirected_degree[i].to_string()));
        }
        rows
    }
}

/// One connection of the selected neuron, for the inspector.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub neuron: usize,
    pub weight: f64,
    pub kind: EdgeKind,
}

/// Inputs (directed connections onto `i`) and outputs (from `i`); gap junctions and
/// undirected connections count both ways. Each list sorted by weight, heaviest first.
pub fn partners(g: &GraphData, i: usize) -> (Vec<Partner>, Vec<Partner>) {
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for kind in EdgeKind::ALL {
        let e = g.c.edges(kind);
        let partner = |neuron: u32, weight: f64| Partner {
            neuron: neuron as usize,
            weight,
            kind,
        };
        let ins = e.in_ids(i).map(|id| e.get(id)).map(|x| partner(x.pre, x.weight));
        let outs = e.out_ids(i).map(|id| e.get(id)).map(|x| partner(x.post, x.weight));
        if kind.is_directed() {
            inputs.extend(ins);
            outputs.extend(outs);
        } else {
            let both: Vec<Partner> = ins.chain(outs).collect();
            inputs.extend(both.iter().cloned());
            outputs.extend(both);
        }
    }
    let by_weight = |a: &Partner, b: &Partner| b.weight.total_cmp(&a.weight).then(a.neuron.cmp(&b.neuron));
    inputs.sort_by(by_weight);
    outputs.sort_by(by_weight);
    (inputs, outputs)
}
