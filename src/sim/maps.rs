//! Map-based neurons: one iteration of a two-dimensional map per time step, diffusively
//! coupled over the connectome.
//!
//! Chialvo (1995, Chaos Solitons Fractals 5:461), defaults a = 0.89, b = 0.6, c = 0.28,
//! k = 0.03 (spontaneous, aperiodic spiking):
//!   x_{n+1} = x_n² exp(y_n − x_n) + k + I_n,   y_{n+1} = a y_n − b x_n + c
//! Rulkov (2001, Phys Rev Lett 86:183, whose y_{n+1} = y_n − σ' x_n − β is written here with
//! μ = σ' and σ = −β/σ'), defaults α = 4.1, μ = 0.001, σ = −1 (Rulkov's σ' = β = 0.001;
//! α > 4 gives chaotic bursting):
//!   x_{n+1} = α / (1 + x_n²) + y_n + I_n,      y_{n+1} = y_n − μ (x_n − σ)
//!
//! Coupling: the diffusive (electrical) coupling of ring-star and chain networks of these maps,
//! over the connectome and normalised by in-strength instead of the ring's degree:
//!   I_n,i = b_i + I_ext,i + (ε / s_i) Σ_j w_ij (x_n,j − x_n,i)
//! - w_ij: incoming chemical (and `Other`) synapses with their network weights (`--J` ×
//!   weight), absolute by default (diffusive coupling pulls; with `signed = 1` inhibitory
//!   connections push apart, which can drive the maps off their attractors), and gap junctions
//!   in both directions weighing `gap_weight` × `--J` × junction weight.
//! - s_i = Σ_j |w_ij|, so the coupling term is ε times a weighted mean difference and `--J`
//!   cancels; neurons without inputs are uncoupled. s_i is that of the intact network: a
//!   muted or ablated input simply drops out of the sum.
//! - ε defaults: 0.005 for Chialvo, 0.1 for Rulkov: measured on the C. elegans connectome
//!   (1 s), the mean pairwise correlation of x is 0.13 / 0.73 / 0.99 at ε = 0.003 / 0.005 /
//!   0.01 for Chialvo (complete synchrony from about 0.01), and 0.07 / 0.36 / 0.45 at
//!   ε = 0.01 / 0.03 / 0.1 for Rulkov (bursts synchronise, the chaotic spikes within them do
//!   not; ε near 1 destabilises the map).
//! - Inputs, in units of x: the external current I_ext (protocol `dc`, `pulses`, `noise`) and
//!   the bias b_i ([`Engine::set_bias`], `--ie`) are added to I_n; a synaptic event (protocol
//!   `poisson`) of weight w adds w to I_n in its step.
//! - Time: one iteration per step, so dt (`--dt`) is the nominal duration of an iteration and
//!   only converts steps to ms for rasters, protocols and durations.
//! - A spike is x crossing `threshold` upward between two iterations: defaults 1.0 for Chialvo
//!   (spikes peak at x ≈ 1–1.6 from a baseline below 0.3) and 0.0 for Rulkov (spikes reach
//!   x ≈ 1–1.4 from the silent branch near −2).
//! - Initial states: points of one isolated neuron's own trajectory (after a transient of
//!   1000 iterations, at seeded random iterations among the next 5000), so every neuron starts
//!   on the attractor, desynchronised.
//! - A muted neuron still iterates but drops out of others' coupling; an ablated one is frozen
//!   and drops out as well.

use crate::sim::SimError;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use super::incoming::Incoming;
use super::network::Network;
use super::{Engine, StepInput};

/// How a map neuron iterates and how it is coupled.
pub trait NeuronMap: Copy + Send + 'static {
    const NAME: &'static str;
    /// One iteration of the map with input I added to the fast variable.
    fn iterate(&self, x: f64, y: f64, input: f64) -> (f64, f64);
    /// Where a spike is counted (x crossing upward).
    fn threshold(&self) -> f64;
    /// Coupling strength ε, signed weights, relative gap-junction weight.
    fn coupling(&self) -> (f64, bool, f64);
    /// Where an isolated neuron's trajectory starts before the transient.
    fn start(&self) -> (f64, f64);
}

/// The Chialvo map's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChialvoParams {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub k: f64,
    /// Coupling strength ε.
    pub epsilon: f64,
    /// Use signed weights instead of absolute ones.
    pub signed: bool,
    /// Weight of a gap junction relative to a chemical synapse of the same weight (0 = none).
    pub gap_weight: f64,
    /// Spike threshold on x.
    pub threshold: f64,
}

impl Default for ChialvoParams {
    fn default() -> Self {
        ChialvoParams {
            a: 0.89,
            b: 0.6,
            c: 0.28,
            k: 0.03,
            epsilon: 0.005,
            signed: false,
            gap_weight: 1.0,
            threshold: 1.0,
        }
    }
}

impl NeuronMap for ChialvoParams {
    const NAME: &'static str = "chialvo";

    #[inline]
    fn iterate(&self, x: f64, y: f64, input: f64) -> (f64, f64) {
        (x * x * (y - x).exp() + self.k + input, self.a * y - self.b * x + self.c)
    }

    fn threshold(&self) -> f64 {
        self.threshold
    }

    fn coupling(&self) -> (f64, bool, f64) {
        (self.epsilon, self.signed, self.gap_weight)
    }

    fn start(&self) -> (f64, f64) {
        (0.5, 0.5)
    }
}

/// The Rulkov map's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RulkovParams {
    pub alpha: f64,
    pub mu: f64,
    pub sigma: f64,
    /// Coupling strength ε.
    pub epsilon: f64,
    /// Use signed weights instead of absolute ones.
    pub signed: bool,
    /// Weight of a gap junction relative to a chemical synapse of the same weight (0 = none).
    pub gap_weight: f64,
    /// Spike threshold on x.
    pub threshold: f64,
}

impl Default for RulkovParams {
    fn default() -> Self {
        RulkovParams {
            alpha: 4.1,
            mu: 0.001,
            sigma: -1.0,
            epsilon: 0.1,
            signed: false,
            gap_weight: 1.0,
            threshold: 0.0,
        }
    }
}

impl NeuronMap for RulkovParams {
    const NAME: &'static str = "rulkov";

    #[inline]
    fn iterate(&self, x: f64, y: f64, input: f64) -> (f64, f64) {
        (self.alpha / (1.0 + x * x) + y + input, y - self.mu * (x - self.sigma))
    }

    fn threshold(&self) -> f64 {
        self.threshold
    }

    fn coupling(&self) -> (f64, bool, f64) {
        (self.epsilon, self.signed, self.gap_weight)
    }

    fn start(&self) -> (f64, f64) {
        (-1.0, -3.5)
    }
}

/// Iterations an isolated neuron runs before its trajectory supplies initial states, and how
/// many of its states are drawn from.
const TRANSIENT: usize = 1000;
const POOL: usize = 5000;

/// A network of map neurons.
pub struct MapNetwork<M: NeuronMap> {
    map: M,
    dt: f64,
    inputs: Incoming,
    /// ε / s_i (0 without inputs).
    gain: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
    x0: Vec<f64>,
    y0: Vec<f64>,
    bias: Vec<f64>,
    /// Synaptic events of this step per neuron, and who sends nothing (scratch).
    events: Vec<f64>,
    silent: Vec<bool>,
    next_x: Vec<f64>,
}

pub type Chialvo = MapNetwork<ChialvoParams>;
pub type Rulkov = MapNetwork<RulkovParams>;

impl<M: NeuronMap> MapNetwork<M> {
    /// Builds the maps over `net`; `weight_scale` is the `--J` its weights carry (gap junctions
    /// are scaled by it to weigh like synapses). Initial states are drawn from `seed`.
    pub fn new(net: &Network, map: M, weight_scale: f64, dt: f64, seed: u64) -> MapNetwork<M> {
        let (epsilon, signed, gap_weight) = map.coupling();
        let inputs = Incoming::build(net, signed, gap_weight * weight_scale);
        let gain = inputs
            .strength()
            .iter()
            .map(|&s| if s > 0.0 { epsilon / s } else { 0.0 })
            .collect();
        let mut trajectory = Vec::with_capacity(TRANSIENT + POOL);
        let (mut x, mut y) = map.start();
        for _ in 0..TRANSIENT + POOL {
            (x, y) = map.iterate(x, y, 0.0);
            trajectory.push((x, y));
        }
        let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x6D61_7073);
        let (x0, y0) = (0..net.n)
            .map(|_| trajectory[TRANSIENT + rng.random_range(0..POOL)])
            .unzip();
        let n = net.n;
        let mut network = MapNetwork {
            map,
            dt,
            inputs,
            gain,
            x: Vec::new(),
            y: Vec::new(),
            x0,
            y0,
            bias: vec![0.0; n],
            events: vec![0.0; n],
            silent: vec![false; n],
            next_x: vec![0.0; n],
        };
        network.reset();
        network
    }

    pub fn map(&self) -> &M {
        &self.map
    }

    /// Sets the initial states and restarts from them.
    pub fn set_state(&mut self, x0: &[f64], y0: &[f64]) -> Result<(), SimError> {
        let n = self.x.len();
        if x0.len() != n || y0.len() != n {
            let (what, found) = if x0.len() != n {
                ("initial x", x0.len())
            } else {
                ("initial y", y0.len())
            };
            return Err(SimError::Length {
                what,
                expected: n,
                found,
            });
        }
        self.x0 = x0.to_vec();
        self.y0 = y0.to_vec();
        self.reset();
        Ok(())
    }

    /// The diffusive input (ε / s_i) Σ_j w_ij (x_j − x_i) from the sources that send.
    fn coupling_input(&self, i: usize, silent: &[bool]) -> f64 {
        if self.gain[i] == 0.0 {
            return 0.0;
        }
        let row = self.inputs.range(i);
        let xi = self.x[i];
        let mut sum = 0.0;
        for (&j, &w) in self.inputs.sources[row.clone()].iter().zip(&self.inputs.weights[row]) {
            if !silent[j as usize] {
                sum += w * (self.x[j as usize] - xi);
            }
        }
        self.gain[i] * sum
    }
}

impl<M: NeuronMap> Engine for MapNetwork<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn len(&self) -> usize {
        self.x.len()
    }

    fn dt_ms(&self) -> f64 {
        self.dt
    }

    fn step(&mut self, input: &StepInput, spikes: &mut Vec<u32>) {
        let n = self.x.len();
        for &(neuron, w) in input.synaptic {
            self.events[neuron as usize] += w;
        }
        let mut silent = std::mem::take(&mut self.silent);
        for (j, s) in silent.iter_mut().enumerate() {
            *s = input.muted[j] || input.ablated[j];
        }
        let threshold = self.map.threshold();
        for i in 0..n {
            if input.ablated[i] {
                self.next_x[i] = self.x[i];
                continue;
            }
            let drive = self.bias[i] + input.current[i] + self.events[i] + self.coupling_input(i, &silent);
            let (x, y) = self.map.iterate(self.x[i], self.y[i], drive);
            self.next_x[i] = x;
            self.y[i] = y;
            if self.x[i] < threshold && x >= threshold {
                spikes.push(i as u32);
            }
        }
        std::mem::swap(&mut self.x, &mut self.next_x);
        self.events.fill(0.0);
        self.silent = silent;
    }

    fn variables(&self) -> &'static [&'static str] {
        &["x", "y"]
    }

    fn value(&self, variable: usize, neuron: usize) -> f64 {
        if variable == 0 { self.x[neuron] } else { self.y[neuron] }
    }

    fn reset(&mut self) {
        self.x.clone_from(&self.x0);
        self.y.clone_from(&self.y0);
        self.events.fill(0.0);
    }

    /// A constant input per neuron, in units of x.
    fn set_bias(&mut self, bias: &[f64]) -> Result<(), SimError> {
        if bias.len() != self.x.len() {
            return Err(SimError::Length {
                what: "constant input",
                expected: self.x.len(),
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
    use crate::sim::synchrony::mean_pairwise_correlation;

    /// Runs `steps` steps without input; returns the x series per neuron and the spike counts.
    fn run<M: NeuronMap>(
        engine: &mut MapNetwork<M>,
        steps: usize,
        muted: &[bool],
        ablated: &[bool],
    ) -> (Vec<Vec<f64>>, Vec<usize>) {
        let n = engine.len();
        let zeros = vec![0.0; n];
        let (mut xs, mut counts, mut spikes) = (vec![Vec::new(); n], vec![0; n], Vec::new());
        for step in 0..steps {
            spikes.clear();
            let input = StepInput {
                step: step as u64,
                current: &zeros,
                synaptic: &[],
                muted,
                ablated,
            };
            engine.step(&input, &mut spikes);
            for &s in &spikes {
                counts[s as usize] += 1;
            }
            for (i, series) in xs.iter_mut().enumerate() {
                series.push(engine.value(0, i));
            }
        }
        (xs, counts)
    }

    /// The published equations iterated directly: x series and threshold crossings.
    fn direct(
        mut x: f64,
        mut y: f64,
        steps: usize,
        next: impl Fn(f64, f64) -> (f64, f64),
        threshold: f64,
    ) -> (Vec<f64>, usize) {
        let (mut xs, mut crossings) = (Vec::new(), 0);
        for _ in 0..steps {
            let (x1, y1) = next(x, y);
            crossings += (x < threshold && x1 >= threshold) as usize;
            (x, y) = (x1, y1);
            xs.push(x);
        }
        (xs, crossings)
    }

    #[test]
    fn a_lone_neuron_follows_the_published_equations_exactly() {
        let net = test_network(1, &[], &[]);
        let no = [false];
        let (a, b, c, k) = (0.89, 0.6, 0.28, 0.03);
        let mut chialvo = Chialvo::new(&net, ChialvoParams::default(), 20.0, 0.1, 3);
        chialvo.set_state(&[0.4], &[1.1]).unwrap();
        let (ours, spikes) = run(&mut chialvo, 5000, &no, &no);
        let (published, crossings) = direct(
            0.4,
            1.1,
            5000,
            |x, y| (x * x * (y - x).exp() + k, a * y - b * x + c),
            1.0,
        );
        assert_eq!(ours[0], published);
        assert!(crossings > 50, "it spikes: {crossings}");
        assert_eq!(spikes[0], crossings);

        let (alpha, mu, sigma) = (4.1, 0.001, -1.0);
        let mut rulkov = Rulkov::new(&net, RulkovParams::default(), 20.0, 0.1, 3);
        rulkov.set_state(&[-1.5], &[-2.9]).unwrap();
        let (ours, spikes) = run(&mut rulkov, 20_000, &no, &no);
        let (published, crossings) = direct(
            -1.5,
            -2.9,
            20_000,
            |x, y| (alpha / (1.0 + x * x) + y, y - mu * (x - sigma)),
            0.0,
        );
        assert_eq!(ours[0], published);
        assert!(crossings > 500, "it bursts: {crossings}");
        assert_eq!(spikes[0], crossings);
    }

    fn all_to_all(n: u32) -> Network {
        let synapses: Vec<(u32, u32, f64)> = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j, 1.0)))
            .collect();
        test_network(n as usize, &synapses, &[])
    }

    /// Mean pairwise correlation of the x series over the second half of `steps`.
    fn correlation<M: NeuronMap>(map: M, steps: usize) -> f64 {
        let mut engine = MapNetwork::new(&all_to_all(10), map, 1.0, 0.1, 5);
        let no = vec![false; 10];
        let (xs, _) = run(&mut engine, steps, &no, &no);
        let late: Vec<Vec<f64>> = xs.into_iter().map(|s| s[steps / 2..].to_vec()).collect();
        mean_pairwise_correlation(&late).unwrap()
    }

    #[test]
    fn strongly_coupled_identical_chialvo_maps_synchronise() {
        let coupled = correlation(
            ChialvoParams {
                epsilon: 0.3,
                ..Default::default()
            },
            6000,
        );
        let uncoupled = correlation(
            ChialvoParams {
                epsilon: 0.0,
                ..Default::default()
            },
            6000,
        );
        assert!(coupled > 0.999_999, "{coupled}");
        assert!(uncoupled < 0.6, "{uncoupled}");
    }

    #[test]
    fn coupling_correlates_rulkov_bursts() {
        // Diffusive coupling of x synchronises the bursts, not every chaotic spike in them.
        let coupled = correlation(
            RulkovParams {
                epsilon: 0.7,
                ..Default::default()
            },
            20_000,
        );
        let uncoupled = correlation(
            RulkovParams {
                epsilon: 0.0,
                ..Default::default()
            },
            20_000,
        );
        assert!(coupled > 0.5, "{coupled}");
        assert!(uncoupled.abs() < 0.2, "{uncoupled}");
    }

    #[test]
    fn muted_and_ablated_neurons_stop_pulling() {
        // 0 -> 1 only: with 0 silent, 1 iterates as if alone.
        let net = test_network(2, &[(0, 1, 1.0)], &[]);
        let params = ChialvoParams {
            epsilon: 0.5,
            ..Default::default()
        };
        let alone = {
            let mut engine = Chialvo::new(&test_network(1, &[], &[]), params, 1.0, 0.1, 1);
            engine.set_state(&[0.2], &[1.5]).unwrap();
            run(&mut engine, 500, &[false], &[false]).0.remove(0)
        };
        for (muted, ablated) in [([true, false], [false, false]), ([false, false], [true, false])] {
            let mut engine = Chialvo::new(&net, params, 1.0, 0.1, 1);
            engine.set_state(&[0.9, 0.2], &[0.3, 1.5]).unwrap();
            let (xs, counts) = run(&mut engine, 500, &muted, &ablated);
            assert_eq!(xs[1], alone);
            if ablated[0] {
                assert!(xs[0].iter().all(|&x| x == 0.9) && counts[0] == 0, "frozen");
            } else {
                assert!(counts[0] > 0, "a muted neuron still spikes");
            }
        }
        let mut engine = Chialvo::new(&net, params, 1.0, 0.1, 1);
        engine.set_state(&[0.9, 0.2], &[0.3, 1.5]).unwrap();
        let (coupled, _) = run(&mut engine, 500, &[false, false], &[false, false]);
        assert_ne!(coupled[1], alone, "the control: 0 does pull 1");
    }
}
