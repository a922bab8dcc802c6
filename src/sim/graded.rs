//! Graded (non-spiking) rate neurons, the kind of model used for C. elegans circuits whose
//! neurons signal with graded potentials (Wicks, Roehrig & Rankin 1996, J Neurosci 16:4017;
//! Kunert, Shlizerman & Kutz 2014, PLoS Comput Biol 10:e1003440):
//!
//!   τ dV_i/dt = −(V_i − V_rest) + Σ_j w_ij σ(V_j) + Σ_j g_ij (V_j − V_i) + I_i
//!   σ(V) = 1 / (1 + exp(−β (V − V_th)))
//!
//! - Chemical (and `Other`) synapses transmit the presynaptic activation σ(V_j) with the signed
//!   weight w_ij = `g_syn` × network weight (`--J` × connection weight × sign), in mV: a fully
//!   active input of weight w shifts the steady state by w. Defaults: τ = 10 ms, V_rest = −35 mV
//!   (Kunert's E_cell), β = 0.125 /mV (Kunert's sigmoid slope), V_th = V_rest (Kunert sets the
//!   threshold at the equilibrium potential, so a neuron at rest is half active),
//!   `g_syn` = 0.025 (0.5 mV per unit of connection weight at the default `--J` 20).
//! - Gap junctions: g_ij = `g_gap` × junction weight, relative to the leak conductance
//!   (default 0.1).
//! - Inputs, in mV: the external current I (protocol `dc`, `pulses`, `noise`) and the bias
//!   ([`Engine::set_bias`], `--ie`) are added to I (a constant I shifts an isolated neuron's
//!   steady state by I); a synaptic event (protocol `poisson`) of weight w makes V jump by w.
//! - Integration: exponential Euler with the other neurons held over the step, i.e. exactly
//!   V_i ← V∞ + (V_i − V∞) exp(−h (1 + G_i)/τ) with G_i = Σ_j g_ij and
//!   V∞ = (V_rest + Σ_j w_ij σ(V_j) + Σ_j g_ij V_j + I_i) / (1 + G_i). The new V is a convex
//!   combination of old values and bounded drives, so the scheme is stable at any step.
//! - Neurons start at V_rest. They do not spike: `step` reports none.
//! - A muted neuron's chemical output is silenced (its gap junctions still conduct, as for the
//!   LIF model); an ablated one is held at V_rest with neither synapses nor junctions.

use crate::sim::SimError;
use serde::{Deserialize, Serialize};

use super::incoming::Incoming;
use super::network::Network;
use super::{Engine, StepInput};

/// Parameters (ms, mV).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradedParams {
    pub tau: f64,
    pub v_rest: f64,
    /// Half-activation voltage of the synaptic sigmoid.
    pub v_th: f64,
    /// Slope of the synaptic sigmoid (1/mV).
    pub beta: f64,
    /// mV of synaptic drive per unit of network weight at full activation.
    pub g_syn: f64,
    /// Gap-junction conductance per unit of junction weight, relative to the leak.
    pub g_gap: f64,
}

impl Default for GradedParams {
    fn default() -> Self {
        GradedParams {
            tau: 10.0,
            v_rest: -35.0,
            v_th: -35.0,
            beta: 0.125,
            g_syn: 0.025,
            g_gap: 0.1,
        }
    }
}

/// A network of graded neurons.
pub struct Graded {
    params: GradedParams,
    dt: f64,
    /// Chemical synapses by target, weights in mV.
    chemical: Incoming,
    gap_offsets: Vec<u32>,
    gap_partners: Vec<u32>,
    /// Conductances relative to the leak.
    gap_g: Vec<f64>,
    /// G_i and exp(−h (1 + G_i)/τ) of the intact network.
    gap_total: Vec<f64>,
    decay: Vec<f64>,
    v: Vec<f64>,
    bias: Vec<f64>,
    /// σ(V) of the step's start, 0 for neurons that send nothing (scratch).
    activation: Vec<f64>,
    next_v: Vec<f64>,
}

impl Graded {
    pub fn new(net: &Network, params: GradedParams, dt: f64) -> Graded {
        let mut chemical = Incoming::build(net, true, 0.0);
        for w in &mut chemical.weights {
            *w *= params.g_syn;
        }
        let gap_g: Vec<f64> = net.gap_weights.iter().map(|w| w * params.g_gap).collect();
        let gap_total: Vec<f64> = (0..net.n).map(|i| gap_g[net.gap_range(i)].iter().sum()).collect();
        let decay = gap_total
            .iter()
            .map(|total| (-dt * (1.0 + total) / params.tau).exp())
            .collect();
        let n = net.n;
        Graded {
            params,
            dt,
            chemical,
            gap_offsets: net.gap_offsets.clone(),
            gap_partners: net.gap_partners.clone(),
            gap_g,
            gap_total,
            decay,
            v: vec![params.v_rest; n],
            bias: vec![0.0; n],
            activation: vec![0.0; n],
            next_v: vec![0.0; n],
        }
    }

    pub fn params(&self) -> &GradedParams {
        &self.params
    }

    /// Membrane potentials (mV).
    pub fn v(&self) -> &[f64] {
        &self.v
    }

    fn sigmoid(&self, v: f64) -> f64 {
        1.0 / (1.0 + (-self.params.beta * (v - self.params.v_th)).exp())
    }

    fn gap_range(&self, i: usize) -> std::ops::Range<usize> {
        self.gap_offsets[i] as usize..self.gap_offsets[i + 1] as usize
    }
}

impl Engine for Graded {
    fn name(&self) -> &'static str {
        "graded"
    }

    fn len(&self) -> usize {
        self.v.len()
    }

    fn dt_ms(&self) -> f64 {
        self.dt
    }

    fn step(&mut self, input: &StepInput, _spikes: &mut Vec<u32>) {
        let n = self.v.len();
        for j in 0..n {
            let silent = input.muted[j] || input.ablated[j];
            self.activation[j] = if silent { 0.0 } else { self.sigmoid(self.v[j]) };
        }
        let p = self.params;
        for i in 0..n {
            if input.ablated[i] {
                self.next_v[i] = p.v_rest;
                continue;
            }
            let row = self.chemical.range(i);
            let synaptic: f64 = self.chemical.sources[row.clone()]
                .iter()
                .zip(&self.chemical.weights[row])
                .map(|(&j, &w)| w * self.activation[j as usize])
                .sum();
            let (mut pull, mut total) = (0.0, 0.0);
            for k in self.gap_range(i) {
                let j = self.gap_partners[k] as usize;
                if !input.ablated[j] {
                    pull += self.gap_g[k] * self.v[j];
                    total += self.gap_g[k];
                }
            }
            // A junction to an ablated partner no longer conducts.
            let decay = if total == self.gap_total[i] {
                self.decay[i]
            } else {
                (-self.dt * (1.0 + total) / p.tau).exp()
            };
            let v_inf = (p.v_rest + synaptic + pull + input.current[i] + self.bias[i]) / (1.0 + total);
            self.next_v[i] = v_inf + (self.v[i] - v_inf) * decay;
        }
        for &(neuron, w) in input.synaptic {
            if !input.ablated[neuron as usize] {
                self.next_v[neuron as usize] += w;
            }
        }
        std::mem::swap(&mut self.v, &mut self.next_v);
    }

    fn variables(&self) -> &'static [&'static str] {
        &["V", "activation"]
    }

    fn value(&self, variable: usize, neuron: usize) -> f64 {
        if variable == 0 {
            self.v[neuron]
        } else {
            self.sigmoid(self.v[neuron])
        }
    }

    fn reset(&mut self) {
        self.v.fill(self.params.v_rest);
    }

    /// A constant input per neuron (mV).
    fn set_bias(&mut self, bias: &[f64]) -> Result<(), SimError> {
        if bias.len() != self.v.len() {
            return Err(SimError::Length {
                what: "constant input",
                expected: self.v.len(),
                found: bias.len(),
            });
        }
        self.bias = bias.to_vec();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::incoming::test_network;

    /// Runs `ms` of constant input from V_rest and returns V.
    fn settle(engine: &mut Graded, ms: f64, current: &[f64]) -> Vec<f64> {
        let n = engine.len();
        let no = vec![false; n];
        let mut spikes = Vec::new();
        for step in 0..(ms / engine.dt_ms()).round() as u64 {
            engine.step(
                &StepInput {
                    step,
                    current,
                    synaptic: &[],
                    muted: &no,
                    ablated: &no,
                },
                &mut spikes,
            );
        }
        assert!(spikes.is_empty(), "graded neurons do not spike");
        engine.v().to_vec()
    }

    fn sigmoid(p: &GradedParams, v: f64) -> f64 {
        1.0 / (1.0 + (-p.beta * (v - p.v_th)).exp())
    }

    #[test]
    fn a_driven_pair_reaches_its_analytic_steady_state() {
        // 0 -> 1 with network weight 40 (g_syn 0.025: 1 mV), 0 driven by 10 mV: 0 settles at
        // V_rest + 10 and 1 at V_rest + 1 mV × σ(V_0); here 0 has no input but 1's output does
        // not reach it.
        let p = GradedParams::default();
        let mut engine = Graded::new(&test_network(2, &[(0, 1, 40.0)], &[]), p, 0.1);
        let v = settle(&mut engine, 500.0, &[10.0, 0.0]);
        let v0 = p.v_rest + 10.0;
        assert!((v[0] - v0).abs() < 1e-9, "{}", v[0]);
        assert!((v[1] - (p.v_rest + sigmoid(&p, v0))).abs() < 1e-9, "{}", v[1]);
        assert!((engine.value(1, 0) - sigmoid(&p, v0)).abs() < 1e-9);
    }

    #[test]
    fn gap_junctions_pull_voltages_together() {
        // Steady state of two neurons with inputs I_0, I_1 and a junction g:
        // V_0 − V_1 = (I_0 − I_1) / (1 + 2g).
        let p = GradedParams {
            g_gap: 0.5,
            ..Default::default()
        };
        for weight in [0.0, 1.0, 10.0] {
            let mut engine = Graded::new(&test_network(2, &[], &[(0, 1, weight)]), p, 0.1);
            let v = settle(&mut engine, 1000.0, &[12.0, 0.0]);
            let g = 0.5 * weight;
            assert!((v[0] - v[1] - 12.0 / (1.0 + 2.0 * g)).abs() < 1e-9, "g = {g}: {v:?}");
            assert!((v[0] + v[1] - 2.0 * p.v_rest - 12.0).abs() < 1e-9, "the mean is kept");
        }
    }

    #[test]
    fn inhibitory_input_lowers_the_voltage_and_silencing_it_restores_rest() {
        let p = GradedParams::default();
        let net = test_network(2, &[(0, 1, -200.0)], &[]);
        let mut engine = Graded::new(&net, p, 0.1);
        let v = settle(&mut engine, 500.0, &[20.0, 0.0]);
        let expected = p.v_rest - 200.0 * p.g_syn * sigmoid(&p, p.v_rest + 20.0);
        assert!(v[1] < p.v_rest - 3.0 && (v[1] - expected).abs() < 1e-9, "{v:?}");

        let (no, yes) = ([false, false], [true, false]);
        let mut spikes = Vec::new();
        for (muted, ablated) in [(yes, no), (no, yes)] {
            let mut engine = Graded::new(&net, p, 0.1);
            for step in 0..5000 {
                let input = StepInput {
                    step,
                    current: &[20.0, 0.0],
                    synaptic: &[],
                    muted: &muted,
                    ablated: &ablated,
                };
                engine.step(&input, &mut spikes);
            }
            assert_eq!(engine.v()[1], p.v_rest, "no input reaches 1");
            assert_eq!(
                engine.v()[0] == p.v_rest,
                ablated[0],
                "an ablated neuron is held at rest"
            );
        }
    }
}
