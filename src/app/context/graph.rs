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
    /// Chemical in- and out-degree and gap-junction degree per neuron.
    pub in_degree: Vec<u32>,
    pub out_degree: Vec<u32>,
    pub gap_degree: Vec<u32>,
    /// Edge ids of each kind (in [`EdgeKind::ALL`]'s order), heaviest first.
    by_kind: [Vec<u32>; 4],
    /// Largest weight over chemical and electrical edges (1 when there are none).
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
        let gap_degree = (0..n)
            .map(|i| (c.electrical.out_degree(i) + c.electrical.in_degree(i)) as u32)
            .collect();
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

    /// Total degree: chemical in + out + gap junctions.
    pub fn degree(&self, i: usize) -> u32 {
        self.in_degree[i] + self.out_degree[i] + self.gap_degree[i]
    }

    /// Calls `f(neighbour)` for every neuron connected to `i` by a chemical synapse (either
    /// direction) or a gap junction.
    pub fn for_each_neighbour(&self, i: usize, mut f: impl FnMut(usize)) {
        let c = &self.c;
        for &t in c.chemical.targets(i) {
            f(t as usize);
        }
        for id in c.chemical.in_ids(i) {
            f(c.chemical.get(id).pre as usize);
        }
        for &t in c.electrical.targets(i) {
            f(t as usize);
        }
        for id in c.electrical.in_ids(i) {
            f(c.electrical.get(id).pre as usize);
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

/// Inputs (chemical synapses onto `i`) and outputs (chemical synapses from `i`, plus gap
/// junctions, which count both ways), each sorted by weight, heaviest first.
pub fn partners(g: &GraphData, i: usize) -> (Vec<Partner>, Vec<Partner>) {
    let c = &g.c;
    let mut inputs: Vec<Partner> = c
        .chemical
        .in_ids(i)
        .map(|id| {
            let e = c.chemical.get(id);
            Partner {
                neuron: e.pre as usize,
                weight: e.weight,
                kind: EdgeKind::Chemical,
            }
        })
        .collect();
    let mut outputs: Vec<Partner> = c
        .chemical
        .out_ids(i)
        .map(|id| {
            let e = c.chemical.get(id);
            Partner {
                neuron: e.post as usize,
                weight: e.weight,
                kind: EdgeKind::Chemical,
            }
        })
        .collect();
    let gaps = c.electrical.out_ids(i).map(|id| {
        let e = c.electrical.get(id);
        (e.post as usize, e.weight)
    });
    let gaps_in = c.electrical.in_ids(i).map(|id| {
        let e = c.electrical.get(id);
        (e.pre as usize, e.weight)
    });
    for (j, w) in gaps.chain(gaps_in).collect::<Vec<_>>() {
        let p = Partner {
            neuron: j,
            weight: w,
            kind: EdgeKind::Electrical,
        };
        inputs.push(p.clone());
        outputs.push(p);
    }
    let by_weight = |a: &Partner, b: &Partner| b.weight.total_cmp(&a.weight).then(a.neuron.cmp(&b.neuron));
    inputs.sort_by(by_weight);
    outputs.sort_by(by_weight);
    (inputs, outputs)
}
