//! A connectome compiled for simulation: signed synaptic weights in model units, delays in
//! time steps, gap-junction partners in both directions, all in flat arrays.

use crate::model::{Connectome, EdgeKind, Sign};

/// How connections become synapses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkParams {
    /// Weight per unit of connection weight (e.g. pA per synapse for LIF).
    pub weight_scale: f64,
    /// Delay (ms) of connections without their own.
    pub delay_ms: f64,
    /// Time step (ms): delays are rounded to whole steps, at least one.
    pub dt_ms: f64,
    /// The sign given to connections whose sign is unknown.
    pub unknown_sign: Sign,
    /// Include `Other` connections (functional, generic) as directed synapses.
    pub include_other: bool,
    /// What undirected connections of unknown kind become.
    pub undirected: UndirectedAs,
}

/// What an undirected connection of unknown kind (an undirected graph's edge) becomes in a
/// simulation. It says nothing of how it works, so by default it couples its two neurons
/// both ways, as a chemical synapse each way (each signed by its own presynaptic neuron).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndirectedAs {
    /// A synapse each way, with the connection's weight.
    #[default]
    Synapses,
    /// A gap junction.
    Gap,
    /// Left out.
    None,
}

impl UndirectedAs {
    pub const NAMES: [&'static str; 3] = ["synapses", "gap", "none"];

    pub fn parse(s: &str) -> Option<UndirectedAs> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "synapses" | "synapse" | "chemical" => UndirectedAs::Synapses,
            "gap" | "gap_junctions" | "electrical" => UndirectedAs::Gap,
            "none" | "ignore" => UndirectedAs::None,
            _ => return None,
        })
    }
}

impl Default for NetworkParams {
    fn default() -> Self {
        NetworkParams {
            weight_scale: 1.0,
            delay_ms: 1.5,
            dt_ms: 0.1,
            unknown_sign: Sign::Excitatory,
            include_other: true,
            undirected: UndirectedAs::Synapses,
        }
    }
}

/// Synapses in compressed rows by presynaptic neuron, plus gap junctions.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub n: usize,
    pub out_offsets: Vec<u32>,
    pub targets: Vec<u32>,
    /// Signed weight in model units (negative = inhibitory).
    pub weights: Vec<f64>,
    /// Delay in steps (>= 1).
    pub delays: Vec<u16>,
    /// Gap junctions in both directions: partners of neuron i are
    /// `gap_partners[gap_offsets[i]..gap_offsets[i+1]]` with conductance weights.
    pub gap_offsets: Vec<u32>,
    pub gap_partners: Vec<u32>,
    pub gap_weights: Vec<f64>,
}

/// Converts a delay in ms to whole steps the way NEST does (rounded to the nearest step).
pub fn delay_steps(delay_ms: f64, dt_ms: f64) -> u16 {
    ((delay_ms / dt_ms).round().max(1.0)).min(u16::MAX as f64) as u16
}

impl Network {
    pub fn build(connectome: &Connectome, params: &NetworkParams) -> Network {
        let n = connectome.neurons.len();
        let mut kinds = vec![EdgeKind::Chemical];
        if params.include_other {
            kinds.push(EdgeKind::Other);
        }
        let mut rows: Vec<(u32, u32, f64, u16)> = Vec::new();
        for &kind in &kinds {
            let edges = connectome.edges(kind);
            rows.reserve(edges.len());
            for id in 0..edges.len() {
                let e = edges.get(id);
                let sign = match connectome.edge_sign(kind, id) {
                    Sign::Unknown => params.unknown_sign,
                    s => s,
                };
                let delay = delay_steps(e.delay.map_or(params.delay_ms, f64::from), params.dt_ms);
                rows.push((e.pre, e.post, e.weight * params.weight_scale * sign.factor(), delay));
            }
        }
        if params.undirected == UndirectedAs::Synapses {
            let edges = &connectome.undirected;
            rows.reserve(2 * edges.len());
            for e in edges.iter() {
                let delay = delay_steps(e.delay.map_or(params.delay_ms, f64::from), params.dt_ms);
                let ways: &[(u32, u32)] = if e.pre == e.post {
                    &[(e.pre, e.post)]
                } else {
                    &[(e.pre, e.post), (e.post, e.pre)]
                };
                for &(a, b) in ways {
                    let sign = match (e.sign, connectome.neurons.sign[a as usize]) {
                        (Sign::Unknown, Sign::Unknown) => params.unknown_sign,
                        (Sign::Unknown, s) | (s, _) => s,
                    };
                    rows.push((a, b, e.weight * params.weight_scale * sign.factor(), delay));
                }
            }
        }
        // Each kind's edges are sorted by (pre, post); merge into one row order.
        rows.sort_by_key(|r| (r.0, r.1));
        let mut out_offsets = vec![0u32; n + 1];
        for r in &rows {
            out_offsets[r.0 as usize + 1] += 1;
        }
        for i in 0..n {
            out_offsets[i + 1] += out_offsets[i];
        }
        let mut gap_offsets = vec![0u32; n + 1];
        let mut gap_kinds = vec![&connectome.electrical];
        if params.undirected == UndirectedAs::Gap {
            gap_kinds.push(&connectome.undirected);
        }
        let gaps = || gap_kinds.iter().flat_map(|k| k.iter()).filter(|e| e.pre != e.post);
        for e in gaps() {
            gap_offsets[e.pre as usize + 1] += 1;
            gap_offsets[e.post as usize + 1] += 1;
        }
        for i in 0..n {
            gap_offsets[i + 1] += gap_offsets[i];
        }
        let mut fill = gap_offsets.clone();
        let m = gap_offsets[n] as usize;
        let mut gap_partners = vec![0u32; m];
        let mut gap_weights = vec![0f64; m];
        for e in gaps() {
            for (a, b) in [(e.pre, e.post), (e.post, e.pre)] {
                let slot = &mut fill[a as usize];
                gap_partners[*slot as usize] = b;
                gap_weights[*slot as usize] = e.weight;
                *slot += 1;
            }
        }
        Network {
            n,
            out_offsets,
            targets: rows.iter().map(|r| r.1).collect(),
            weights: rows.iter().map(|r| r.2).collect(),
            delays: rows.iter().map(|r| r.3).collect(),
            gap_offsets,
            gap_partners,
            gap_weights,
        }
    }

    pub fn synapses(&self) -> usize {
        self.targets.len()
    }

    pub fn out_range(&self, pre: usize) -> std::ops::Range<usize> {
        self.out_offsets[pre] as usize..self.out_offsets[pre + 1] as usize
    }

    pub fn gap_range(&self, i: usize) -> std::ops::Range<usize> {
        self.gap_offsets[i] as usize..self.gap_offsets[i + 1] as usize
    }

    pub fn max_delay(&self) -> u16 {
        self.delays.iter().copied().max().unwrap_or(1)
    }

    /// The shortest delay (steps), or None without synapses.
    pub fn min_delay(&self) -> Option<u16> {
        self.delays.iter().copied().min()
    }

    pub fn has_gaps(&self) -> bool {
        !self.gap_partners.is_empty()
    }

    /// Bytes held by the arrays.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.out_offsets.len() + self.targets.len() + self.gap_offsets.len() + self.gap_partners.len())
            + 8 * (self.weights.len() + self.gap_weights.len())
            + 2 * self.delays.len()
    }
}
