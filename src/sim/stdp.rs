//! Spike-timing-dependent plasticity of the chemical synapses, for the spiking engines.
//!
//! Pair-based, additive, all-to-all STDP with hard bounds, as in Song, Miller & Abbott 2000
//! (Nat Neurosci 3:919). Each neuron has a presynaptic trace x (time constant tau_plus) and a
//! postsynaptic trace y (tau_minus) that jump by 1 at each of its spikes and decay
//! exponentially, so that every earlier spike counts (all-to-all). When neuron i fires, each
//! synapse j -> i gains `a_plus * w_max * x_j`; when j fires, each synapse j -> i loses
//! `a_minus * w_max * y_i`; weights are clipped to [0, w_max]. So one pair with post after pre
//! by dt > 0 changes the weight by `+a_plus w_max exp(-dt/tau_plus)`, pre after post by
//! `-a_minus w_max exp(-dt/tau_minus)`.
//!
//! Conventions: spike times are the somatic ones (the step of the spike; delays do not
//! enter the pairing); spikes in the same step do not pair; a presynaptic spike transmits
//! the weight after its own update; only excitatory synapses (weight >= 0) are plastic, and
//! they start clipped to w_max. Weights are in the model's units (pA for LIF).

use crate::sim::SimError;
use serde::{Deserialize, Serialize};

use super::spiking::Inbox;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StdpParams {
    /// Plasticity on (1) or off (0).
    pub stdp: bool,
    /// Potentiation of a pair at dt -> 0+, as a fraction of w_max.
    pub a_plus: f64,
    /// Depression of a pair at dt -> 0-, as a fraction of w_max.
    pub a_minus: f64,
    /// Time constant of the presynaptic trace (potentiation window, ms).
    pub tau_plus: f64,
    /// Time constant of the postsynaptic trace (depression window, ms).
    pub tau_minus: f64,
    /// Upper bound of a plastic weight (model units); must be set when stdp is on.
    pub w_max: f64,
}

impl Default for StdpParams {
    /// Song, Miller & Abbott 2000: A+ = 0.005, A-/A+ = 1.05, tau = 20 ms.
    fn default() -> Self {
        StdpParams {
            stdp: false,
            a_plus: 0.005,
            a_minus: 0.00525,
            tau_plus: 20.0,
            tau_minus: 20.0,
            w_max: 0.0,
        }
    }
}

impl StdpParams {
    pub fn validate(&self) -> Result<(), SimError> {
        if !self.stdp {
            return Ok(());
        }
        if !(self.w_max > 0.0
            && self.tau_plus > 0.0
            && self.tau_minus > 0.0
            && self.a_plus >= 0.0
            && self.a_minus >= 0.0)
        {
            return Err(SimError::Parameter(
                "stdp needs w_max > 0 (model units, e.g. pA), tau_plus, tau_minus > 0 and a_plus, a_minus >= 0".into(),
            ));
        }
        Ok(())
    }
}

/// The traces of every neuron, kept by the engine and read by all partitions.
#[derive(Debug, Clone)]
pub(crate) struct Traces {
    pub params: StdpParams,
    /// x_j at the current step, without the spikes of the previous step (not paired yet).
    pre: Vec<f64>,
    /// y_i likewise.
    post: Vec<f64>,
    pre_decay: f64,
    post_decay: f64,
}

impl Traces {
    pub(crate) fn new(params: StdpParams, n: usize, dt: f64) -> Traces {
        Traces {
            params,
            pre: vec![0.0; n],
            post: vec![0.0; n],
            pre_decay: (-dt / params.tau_plus).exp(),
            post_decay: (-dt / params.tau_minus).exp(),
        }
    }

    /// Once the partitions have paired the spikes of the previous step: adds them to the
    /// traces and decays the traces by one step.
    pub(crate) fn advance(&mut self, previous_spikes: &[u32]) {
        for &i in previous_spikes {
            self.pre[i as usize] += 1.0;
            self.post[i as usize] += 1.0;
        }
        self.pre.iter_mut().for_each(|x| *x *= self.pre_decay);
        self.post.iter_mut().for_each(|y| *y *= self.post_decay);
    }

    pub(crate) fn reset(&mut self) {
        self.pre.fill(0.0);
        self.post.fill(0.0);
    }
}

/// The plastic side of one partition's inbox: its synapses by target, the initial weights
/// (for a reset) and the total change so far.
#[derive(Debug, Clone)]
pub(crate) struct Plasticity {
    /// Synapses onto local neuron i: `by_target[in_offsets[i]..in_offsets[i + 1]]`, as
    /// (presynaptic neuron, index into the inbox's synapses).
    in_offsets: Vec<u32>,
    by_target: Vec<(u32, u32)>,
    initial: Vec<f64>,
    pub change: f64,
}

impl Plasticity {
    /// Indexes the inbox's synapses by target and clips the plastic ones to w_max.
    pub(crate) fn new(inbox: &mut Inbox, n: usize, w_max: f64) -> Plasticity {
        for s in inbox.synapses.iter_mut().filter(|s| s.weight >= 0.0) {
            s.weight = s.weight.min(w_max);
        }
        let mut in_offsets = vec![0u32; inbox.range().len() + 1];
        for s in &inbox.synapses {
            in_offsets[s.target as usize + 1] += 1;
        }
        for i in 1..in_offsets.len() {
            in_offsets[i] += in_offsets[i - 1];
        }
        let mut fill = in_offsets.clone();
        let mut by_target = vec![(0, 0); inbox.synapses.len()];
        for pre in 0..n {
            for k in inbox.row(pre) {
                let slot = &mut fill[inbox.synapses[k].target as usize];
                by_target[*slot as usize] = (pre as u32, k as u32);
                *slot += 1;
            }
        }
        Plasticity {
            in_offsets,
            by_target,
            initial: inbox.synapses.iter().map(|s| s.weight).collect(),
            change: 0.0,
        }
    }

    /// Pairs the spikes of the previous step (ascending) with the traces: those of this
    /// partition's neurons potentiate their incoming synapses, then every unmuted one
    /// depresses its synapses onto this partition.
    pub(crate) fn learn(&mut self, inbox: &mut Inbox, spikes: &[u32], muted: &[bool], traces: &Traces) {
        let p = &traces.params;
        let (up, down) = (p.a_plus * p.w_max, p.a_minus * p.w_max);
        let range = inbox.range();
        let ours = spikes.partition_point(|&i| (i as usize) < range.start)
            ..spikes.partition_point(|&i| (i as usize) < range.end);
        for &post in &spikes[ours] {
            let local = post as usize - range.start;
            let incoming = self.in_offsets[local] as usize..self.in_offsets[local + 1] as usize;
            for &(pre, k) in &self.by_target[incoming] {
                let w = &mut inbox.synapses[k as usize].weight;
                if *w >= 0.0 {
                    let new = (*w + up * traces.pre[pre as usize]).min(p.w_max);
                    self.change += new - *w;
                    *w = new;
                }
            }
        }
        for &pre in spikes.iter().filter(|&&j| !muted[j as usize]) {
            for k in inbox.row(pre as usize) {
                let s = &mut inbox.synapses[k];
                if s.weight >= 0.0 {
                    let new = (s.weight - down * traces.post[range.start + s.target as usize]).max(0.0);
                    self.change += new - s.weight;
                    s.weight = new;
                }
            }
        }
    }

    /// Back to the initial weights.
    pub(crate) fn reset(&mut self, inbox: &mut Inbox) {
        for (s, &w) in inbox.synapses.iter_mut().zip(&self.initial) {
            s.weight = w;
        }
        self.change = 0.0;
    }
}
