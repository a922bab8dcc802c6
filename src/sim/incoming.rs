//! Incoming connections per neuron (compressed rows by target), for models whose update of
//! neuron i gathers a weighted sum over its inputs j (oscillators, maps, rate neurons) rather
//! than scattering spikes.
//!
//! A row holds the chemical (and `Other`) synapses onto i with their [`Network`] weights
//! (signed, or absolute for models where a sign means nothing), then i's gap junctions, each
//! weighing `gap_scale` times its junction weight. Models that treat a junction "like a
//! chemical synapse of the same weight" pass `gap_scale = relative weight × weight_scale`,
//! because network weights already carry the weight scale and junction weights do not.

use super::network::Network;

#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// Row of neuron i: `offsets[i]..offsets[i + 1]`.
    pub offsets: Vec<u32>,
    pub sources: Vec<u32>,
    pub weights: Vec<f64>,
}

impl Incoming {
    /// Builds the rows; `gap_scale = 0` leaves gap junctions out.
    pub fn build(net: &Network, signed: bool, gap_scale: f64) -> Incoming {
        let n = net.n;
        let with_gaps = gap_scale != 0.0;
        let mut counts = vec![0u32; n + 1];
        for &t in &net.targets {
            counts[t as usize + 1] += 1;
        }
        if with_gaps {
            for (i, count) in counts.iter_mut().skip(1).enumerate() {
                *count += net.gap_range(i).len() as u32;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let total = counts[n] as usize;
        let mut fill = counts.clone();
        let (mut sources, mut weights) = (vec![0u32; total], vec![0f64; total]);
        // Sources ascending within a row: rows of the network are by source.
        for pre in 0..n {
            for k in net.out_range(pre) {
                let slot = &mut fill[net.targets[k] as usize];
                sources[*slot as usize] = pre as u32;
                weights[*slot as usize] = if signed { net.weights[k] } else { net.weights[k].abs() };
                *slot += 1;
            }
        }
        if with_gaps {
            for (i, slot) in fill.iter_mut().take(n).enumerate() {
                for k in net.gap_range(i) {
                    sources[*slot as usize] = net.gap_partners[k];
                    weights[*slot as usize] = gap_scale * net.gap_weights[k];
                    *slot += 1;
                }
            }
        }
        Incoming {
            offsets: counts,
            sources,
            weights,
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    /// In-strength s_i = Σ_j |w_ij| per neuron.
    pub fn strength(&self) -> Vec<f64> {
        (0..self.len())
            .map(|i| self.weights[self.range(i)].iter().map(|w| w.abs()).sum())
            .collect()
    }
}

/// A network from lists of synapses (pre, post, signed weight) and gap junctions (a, b, weight),
/// for tests of the engines.
#[cfg(test)]
pub(crate) fn test_network(n: usize, synapses: &[(u32, u32, f64)], gaps: &[(u32, u32, f64)]) -> Network {
    let mut synapses = synapses.to_vec();
    synapses.sort_by_key(|s| (s.0, s.1));
    let mut out_offsets = vec![0u32; n + 1];
    for s in &synapses {
        out_offsets[s.0 as usize + 1] += 1;
    }
    let mut gap_lists = vec![Vec::new(); n];
    for &(a, b, w) in gaps {
        gap_lists[a as usize].push((b, w));
        gap_lists[b as usize].push((a, w));
    }
    let mut gap_offsets = vec![0u32; n + 1];
    for i in 0..n {
        out_offsets[i + 1] += out_offsets[i];
        gap_offsets[i + 1] = gap_offsets[i] + gap_lists[i].len() as u32;
    }
    Network {
        n,
        out_offsets,
        targets: synapses.iter().map(|s| s.1).collect(),
        weights: synapses.iter().map(|s| s.2).collect(),
        delays: vec![1; synapses.len()],
        gap_offsets,
        gap_partners: gap_lists.iter().flatten().map(|g| g.0).collect(),
        gap_weights: gap_lists.iter().flatten().map(|g| g.1).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_gather_synapses_and_both_directions_of_junctions() {
        let net = test_network(3, &[(2, 1, -3.0), (0, 1, 2.0)], &[(0, 2, 4.0)]);
        assert_eq!(net.out_offsets, vec![0, 1, 1, 2]);
        assert_eq!(net.gap_partners, vec![2, 0]);
        let signed = Incoming::build(&net, true, 0.5);
        assert_eq!(signed.offsets, vec![0, 1, 3, 4]);
        assert_eq!(signed.sources, vec![2, 0, 2, 0]);
        assert_eq!(signed.weights, vec![2.0, 2.0, -3.0, 2.0]);
        assert_eq!(signed.strength(), vec![2.0, 5.0, 2.0]);
        let unsigned = Incoming::build(&net, false, 0.0);
        assert_eq!(unsigned.offsets, vec![0, 0, 2, 2]);
        assert_eq!(unsigned.weights, vec![2.0, 3.0]);
    }
}
