//! Leaky integrate-and-fire neurons with exponential current synapses, exactly as NEST 3.10's
//! `iaf_psc_exp`, so that rasters are identical to NEST's.
//!
//! Sub-threshold dynamics (V relative to E_L):
//!   dV/dt = -V/tau_m + (I_ex + I_in + I_e + I_0)/C_m,   dI_x/dt = -I_x/tau_syn_x
//! integrated exactly over a step h with the propagators
//!   P22 = exp(-h/tau_m), P11x = exp(-h/tau_syn_x), P20 = tau_m/C_m (1 - P22),
//!   P21x = NEST's `propagator_32(tau_syn_x, tau_m, C_m, h)`.
//! Each step, in NEST's order: V <- P22 V + P21ex I_ex + P21in I_in + (I_e + I_0) P20 unless
//! refractory (then the refractory counter counts down and V stays clamped); currents decay;
//! spikes arriving in this step are added (weight > 0 to I_ex, < 0 to I_in); if V >= V_th the
//! neuron spikes, V <- V_reset and it is clamped for t_ref/h steps after this one. A spike is
//! stamped at the end of its step and arrives `delay` later. I_0 holds stimulus currents and
//! the gap-junction current g Σ_j w_ij (V_j - V_i) (V of the previous step); neither exists in
//! NEST's model, and with both zero the arithmetic is NEST's operation for operation.
//!
//! Units: ms, mV, pA, pF, nS.
//!
//! Speed: a spike takes at least the shortest delay to arrive, so the engine can advance up to
//! that many steps at once ([`Engine::step_batch`], NEST's min-delay interval): it takes all
//! their arrivals first, then carries each block of neurons through all the steps while the
//! block's state is in the L1 cache, instead of streaming the whole state through the cache
//! every step. Each partition (thread) owns its neurons' state and inbox: no atomics.

use crate::sim::SimError;
use std::hint::select_unpredictable as select;

use super::network::Network;
use super::spiking::{self, BLOCK, Inbox, Workers, partition, useful_threads};
use super::stdp::{StdpParams, Traces};
use super::{Engine, StepInput};

/// Parameters with NEST's `iaf_psc_exp` defaults where the issue fixes them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LifParams {
    pub tau_m: f64,
    pub c_m: f64,
    pub e_l: f64,
    pub v_th: f64,
    pub v_reset: f64,
    pub t_ref: f64,
    pub tau_syn_ex: f64,
    pub tau_syn_in: f64,
    /// Gap-junction conductance per unit of junction weight (nS).
    pub g_gap: f64,
    /// Plasticity of the chemical synapses (off by default).
    #[serde(flatten)]
    pub stdp: StdpParams,
}

impl Default for LifParams {
    fn default() -> Self {
        LifParams {
            tau_m: 10.0,
            c_m: 250.0,
            e_l: 0.0,
            v_th: 15.0,
            v_reset: 0.0,
            t_ref: 2.0,
            tau_syn_ex: 2.0,
            tau_syn_in: 2.0,
            g_gap: 0.0,
            stdp: StdpParams::default(),
        }
    }
}

/// NEST's `propagator_32`: the effect of a synaptic current on V over one step, with its
/// fallback for (nearly) equal time constants.
fn propagator_32(tau_syn: f64, tau: f64, c: f64, h: f64) -> f64 {
    let p32_linear = 1.0 / (2.0 * c * tau * tau) * h * h * (tau_syn - tau) * (-h / tau).exp();
    let p32_singular = h / c * (-h / tau).exp();
    let p32 = -tau / (c * (1.0 - tau / tau_syn)) * (-h / tau_syn).exp() * (h * (1.0 / tau_syn - 1.0 / tau)).exp_m1();
    let dev_p32 = (p32 - p32_singular).abs();
    if tau == tau_syn || ((tau - tau_syn).abs() < 0.1 && dev_p32 > 2.0 * p32_linear.abs()) {
        p32_singular
    } else {
        p32
    }
}

#[derive(Debug, Clone, Copy)]
struct Propagators {
    p22: f64,
    p11ex: f64,
    p11in: f64,
    p21ex: f64,
    p21in: f64,
    p20: f64,
    theta: f64,
    v_reset: f64,
    /// Steps of refractoriness + 1, as a double (see [`Part::free_at`]).
    fired: f64,
}

impl Propagators {
    fn new(p: &LifParams, h: f64) -> Propagators {
        let p22 = (-h / p.tau_m).exp();
        Propagators {
            p22,
            p11ex: (-h / p.tau_syn_ex).exp(),
            p11in: (-h / p.tau_syn_in).exp(),
            p21ex: propagator_32(p.tau_syn_ex, p.tau_m, p.c_m, h),
            p21in: propagator_32(p.tau_syn_in, p.tau_m, p.c_m, h),
            p20: p.tau_m / p.c_m * (1.0 - p22),
            theta: p.v_th - p.e_l,
            v_reset: p.v_reset - p.e_l,
            fired: (p.t_ref / h).round() + 1.0,
        }
    }
}

/// The most steps in one batch.
const MAX_BATCH: usize = 32;

/// The neurons of one thread: their inbox (synapses onto them, spikes in flight) and state.
#[derive(Debug, Clone)]
struct Part {
    inbox: Inbox,
    v: Vec<f64>,
    i_ex: Vec<f64>,
    i_in: Vec<f64>,
    /// The first step in which the neuron is no longer held at V_reset after its last spike
    /// (0 if it has not fired): a spike in step s sets s + `fired`, which also tells the
    /// step's spikes apart. A whole number held as a double, so that the update's vectors
    /// all have lanes of one width, and compared with the step rather than counted down (NEST
    /// counts down; this holds V in the same steps with less work).
    free_at: Vec<f64>,
    i_e: Vec<f64>,
    /// The neurons (global) that fired in each step of the last batch, ascending.
    spikes: Vec<Vec<u32>>,
}

impl Part {
    fn new(net: &Network, range: std::ops::Range<usize>) -> Part {
        let len = range.len();
        Part {
            inbox: Inbox::new(net, range),
            v: vec![0.0; len],
            i_ex: vec![0.0; len],
            i_in: vec![0.0; len],
            free_at: vec![0.0; len],
            i_e: vec![0.0; len],
            spikes: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.v.len()
    }

    /// Advances `steps` steps from step `first` with the same input, block of neurons by block
    /// (a block's state, 41 bytes a neuron, stays in the L1 cache through all of them).
    /// Every spike arriving in them is already queued (`steps` ≤ the shortest delay).
    fn advance(&mut self, p: &Propagators, first: u64, steps: usize, input: &StepInput, gap: &[f64]) {
        self.spikes.resize_with(steps, Vec::new);
        self.spikes.iter_mut().for_each(Vec::clear);
        self.inbox.take(first, steps, input.synaptic);
        let range = self.inbox.range();
        let (ablated, current) = (&input.ablated[range.clone()], &input.current[range.clone()]);
        let gap = if gap.is_empty() { gap } else { &gap[range.clone()] };
        let len = self.len();
        let mut drive = [0.0; BLOCK];
        for (block, lo) in (0..len).step_by(BLOCK).enumerate() {
            let hi = (lo + BLOCK).min(len);
            // The input's term of V, the same in every step of the batch.
            let drive = &mut drive[..hi - lo];
            for (k, drive) in drive.iter_mut().enumerate() {
                let i = lo + k;
                let i_0 = if gap.is_empty() {
                    current[i]
                } else {
                    current[i] + gap[i]
                };
                *drive = (self.i_e[i] + i_0) * p.p20;
            }
            for t in 0..steps {
                let state = State {
                    v: &mut self.v[lo..hi],
                    i_ex: &mut self.i_ex[lo..hi],
                    i_in: &mut self.i_in[lo..hi],
                    free_at: &mut self.free_at[lo..hi],
                };
                let inputs = Inputs {
                    drive,
                    ablated: &ablated[lo..hi],
                };
                let step = (first + t as u64) as f64;
                integrate(p, step, state, inputs, (range.start + lo, &mut self.spikes[t]));
                // Spikes arriving in this step join the currents after their decay, as in NEST.
                let (i_ex, i_in) = (&mut self.i_ex, &mut self.i_in);
                self.inbox.block_arrivals(t, block, |i, ex, inh| {
                    if !ablated[i] {
                        i_ex[i] += ex;
                        i_in[i] += inh;
                    }
                });
            }
        }
    }
}

/// A partition's state.
struct State<'a> {
    v: &'a mut [f64],
    i_ex: &'a mut [f64],
    i_in: &'a mut [f64],
    free_at: &'a mut [f64],
}

/// A block's inputs in a step: (I_e + I_0) P20, the input's term of V, and ablation.
struct Inputs<'a> {
    drive: &'a [f64],
    ablated: &'a [bool],
}

/// The block's first neuron (global) and the list its spikes are appended to.
type Spikes<'a> = (usize, &'a mut Vec<u32>);

/// Advances a block one step and lists the neurons that fired, ascending. The loop is
/// compiled again for AVX2 and AVX-512 and the widest the CPU has is used: a vector multiply
/// or add rounds exactly as a scalar one and none is fused, so results are the same.
fn integrate(p: &Propagators, step: f64, s: State, inputs: Inputs, spikes: Spikes) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { integrate_avx512(p, step, s, inputs, spikes) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { integrate_avx2(p, step, s, inputs, spikes) };
        }
    }
    integrate_any(p, step, s, inputs, spikes);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn integrate_avx512(p: &Propagators, step: f64, s: State, inputs: Inputs, spikes: Spikes) {
    integrate_any(p, step, s, inputs, spikes);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn integrate_avx2(p: &Propagators, step: f64, s: State, inputs: Inputs, spikes: Spikes) {
    integrate_any(p, step, s, inputs, spikes);
}

#[inline(always)]
fn integrate_any(p: &Propagators, step: f64, s: State, inputs: Inputs, spikes: Spikes) {
    let n = s.v.len();
    neurons(
        p,
        step,
        s.v,
        &mut s.i_ex[..n],
        &mut s.i_in[..n],
        &mut s.free_at[..n],
        &inputs.drive[..n],
    );
    let ablated = &inputs.ablated[..n];
    // (Folds over integers rather than `any`, which stops early and so is not vectorised.)
    if ablated.iter().fold(0, |any, &a| any | a as u8) != 0 {
        // Ablated neurons rest, silent.
        for i in (0..n).filter(|&i| ablated[i]) {
            (s.v[i], s.i_ex[i], s.i_in[i], s.free_at[i]) = (0.0, 0.0, 0.0, 0.0);
        }
    }
    let (start, spikes) = spikes;
    let fired = step + p.fired;
    // Mostly no spikes: look at 32 neurons at a time.
    for (c, chunk) in s.free_at.chunks(32).enumerate() {
        if chunk.iter().fold(0, |any, &r| any | (r == fired) as u32) != 0 {
            let first = start + 32 * c;
            spikes.extend(
                (0..chunk.len())
                    .filter(|&k| chunk[k] == fired)
                    .map(|k| (first + k) as u32),
            );
        }
    }
}

/// Every neuron's step in NEST's order and arithmetic: V (held while refractory), current
/// decay, threshold. The slices are separate arguments (so they cannot alias) of one length,
/// and every `if` is a select, so that the compiler vectorises the loop.
#[inline(always)]
fn neurons(
    p: &Propagators,
    step: f64,
    v: &mut [f64],
    i_ex: &mut [f64],
    i_in: &mut [f64],
    free_at: &mut [f64],
    drive: &[f64],
) {
    let n = v.len();
    let drive = &drive[..n];
    for i in 0..n {
        let integrated = v[i] * p.p22 + i_ex[i] * p.p21ex + i_in[i] * p.p21in + drive[i];
        // A refractory neuron is held at V_reset, where its spike put it.
        let v_new = select(step < free_at[i], p.v_reset, integrated);
        let spike = v_new >= p.theta;
        v[i] = select(spike, p.v_reset, v_new);
        free_at[i] = select(spike, step + p.fired, free_at[i]);
        i_ex[i] *= p.p11ex;
        i_in[i] *= p.p11in;
    }
}

/// A network of `iaf_psc_exp` neurons.
pub struct Lif {
    params: LifParams,
    prop: Propagators,
    dt: f64,
    parts: Vec<Part>,
    /// The spikes of each step of the last batch, to deliver at the start of the next.
    previous_spikes: Vec<Vec<u32>>,
    /// The most steps a batch may take: the shortest delay (1 with gap junctions, which
    /// couple neurons within a step, or plasticity, whose traces advance every step).
    max_batch: usize,
    step: u64,
    /// Gap junctions: partners and conductances (nS), empty when g_gap is 0.
    gap_offsets: Vec<u32>,
    gap_partners: Vec<u32>,
    gap_g: Vec<f64>,
    gap_current: Vec<f64>,
    /// Spike traces when the synapses are plastic.
    traces: Option<Traces>,
    workers: Workers,
}

impl Lif {
    /// Builds the engine over `net` (weights in pA, delays in steps of `dt`) using up to
    /// `threads` threads.
    pub fn new(net: &Network, params: LifParams, dt: f64, threads: usize) -> Lif {
        Lif::with_parts(net, params, dt, useful_threads(net.n, threads))
    }

    /// Like [`Lif::new`] with exactly `threads` partitions however small the network (tests
    /// use it to check that partitioning never changes a raster).
    pub fn with_parts(net: &Network, params: LifParams, dt: f64, threads: usize) -> Lif {
        let mut parts: Vec<Part> = partition(net.n, threads)
            .into_iter()
            .map(|range| Part::new(net, range))
            .collect();
        let traces = params.stdp.stdp.then(|| Traces::new(params.stdp, net.n, dt));
        if traces.is_some() {
            parts
                .iter_mut()
                .for_each(|part| part.inbox.enable_plasticity(net.n, params.stdp.w_max));
        }
        let with_gaps = params.g_gap != 0.0 && net.has_gaps();
        let max_batch = if with_gaps || traces.is_some() {
            1
        } else {
            net.min_delay().map_or(MAX_BATCH, |d| (d as usize).clamp(1, MAX_BATCH))
        };
        let mut lif = Lif {
            params,
            prop: Propagators::new(&params, dt),
            dt,
            workers: Workers::new(parts.len()),
            parts,
            previous_spikes: Vec::new(),
            max_batch,
            step: 0,
            gap_offsets: if with_gaps { net.gap_offsets.clone() } else { Vec::new() },
            gap_partners: if with_gaps {
                net.gap_partners.clone()
            } else {
                Vec::new()
            },
            gap_g: if with_gaps {
                net.gap_weights.iter().map(|w| w * params.g_gap).collect()
            } else {
                Vec::new()
            },
            gap_current: Vec::new(),
            traces,
        };
        lif.reset();
        lif
    }

    pub fn params(&self) -> &LifParams {
        &self.params
    }

    /// Sets the constant input current I_e (pA) of every neuron.
    pub fn set_i_e(&mut self, i_e: &[f64]) {
        for part in &mut self.parts {
            let range = part.inbox.range();
            part.i_e.copy_from_slice(&i_e[range]);
        }
    }

    fn part_of(&self, neuron: usize) -> (&Part, usize) {
        let part = self
            .parts
            .iter()
            .rev()
            .find(|p| p.inbox.start <= neuron)
            .expect("neuron in range");
        (part, neuron - part.inbox.start)
    }

    fn update_gap_current(&mut self) {
        if self.gap_partners.is_empty() {
            return;
        }
        let n = self.gap_offsets.len() - 1;
        let mut v = Vec::with_capacity(n);
        for part in &self.parts {
            v.extend_from_slice(&part.v);
        }
        self.gap_current.resize(n, 0.0);
        for i in 0..n {
            let mut sum = 0.0;
            for k in self.gap_offsets[i] as usize..self.gap_offsets[i + 1] as usize {
                sum += self.gap_g[k] * (v[self.gap_partners[k] as usize] - v[i]);
            }
            self.gap_current[i] = sum;
        }
    }
}

impl Engine for Lif {
    fn name(&self) -> &'static str {
        "lif"
    }

    fn len(&self) -> usize {
        self.parts.iter().map(Part::len).sum()
    }

    fn dt_ms(&self) -> f64 {
        self.dt
    }

    fn step(&mut self, input: &StepInput, spikes: &mut Vec<u32>) {
        self.step_batch(input, std::slice::from_mut(spikes));
    }

    fn max_batch(&self) -> usize {
        self.max_batch
    }

    fn step_batch(&mut self, input: &StepInput, spikes: &mut [Vec<u32>]) {
        let steps = spikes.len();
        assert!((1..=self.max_batch).contains(&steps), "{steps} steps in a batch");
        self.update_gap_current();
        let (prop, first, previous, gap) = (self.prop, self.step, &self.previous_spikes, &self.gap_current);
        let traces = self.traces.as_ref();
        // The step after the one that emitted previous[0].
        let delivered_from = first + 1 - previous.len() as u64;
        self.workers.for_each(&mut self.parts, |part| {
            for (k, emitted) in previous.iter().enumerate() {
                part.inbox
                    .deliver(emitted, delivered_from + k as u64, input.muted, traces);
            }
            part.advance(&prop, first, steps, input, gap);
        });
        // The traces see the spikes delivered in this step (batches of plastic networks are
        // single steps).
        if let Some(traces) = &mut self.traces {
            self.previous_spikes.iter().for_each(|emitted| traces.advance(emitted));
        }
        self.previous_spikes.resize_with(steps, Vec::new);
        for (t, (emitted, out)) in self.previous_spikes.iter_mut().zip(spikes).enumerate() {
            emitted.clear();
            for part in &self.parts {
                emitted.extend_from_slice(&part.spikes[t]);
            }
            out.extend_from_slice(emitted);
        }
        self.step += steps as u64;
    }

    fn variables(&self) -> &'static [&'static str] {
        &["V_m", "I_syn_ex", "I_syn_in"]
    }

    fn value(&self, variable: usize, neuron: usize) -> f64 {
        let (part, i) = self.part_of(neuron);
        match variable {
            0 => part.v[i] + self.params.e_l,
            1 => part.i_ex[i],
            _ => part.i_in[i],
        }
    }

    fn set_bias(&mut self, bias: &[f64]) -> Result<(), SimError> {
        let expected: usize = self.parts.iter().map(|p| p.inbox.range().len()).sum();
        if bias.len() != expected {
            return Err(SimError::Length {
                what: "constant input",
                expected,
                found: bias.len(),
            });
        }
        self.set_i_e(bias);
        Ok(())
    }

    fn synapse_weight(&self, pre: usize, post: usize) -> Option<f64> {
        spiking::synapse_weight(self.parts.iter().map(|p| &p.inbox), pre, post)
    }

    fn weight_change(&self) -> Option<f64> {
        spiking::weight_change(self.parts.iter().map(|p| &p.inbox))
    }

    fn reset(&mut self) {
        for part in &mut self.parts {
            part.v.fill(0.0);
            part.i_ex.fill(0.0);
            part.i_in.fill(0.0);
            part.free_at.fill(0.0);
            part.inbox.reset();
            part.spikes.clear();
        }
        self.previous_spikes.clear();
        if let Some(traces) = &mut self.traces {
            traces.reset();
        }
        self.step = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagators_match_nest_for_equal_time_constants() {
        let p = Propagators::new(&LifParams::default(), 0.1);
        // tau_syn == tau_m is not the case here (2 vs 10): the regular formula applies.
        let expected =
            -10.0 / (250.0 * (1.0 - 10.0 / 2.0)) * (-0.1f64 / 2.0).exp() * (0.1 * (1.0 / 2.0 - 1.0 / 10.0f64)).exp_m1();
        assert_eq!(p.p21ex, expected);
        assert_eq!(p.fired, 21.0, "20 refractory steps");
        assert_eq!(
            propagator_32(10.0, 10.0, 250.0, 0.1),
            0.1 / 250.0 * (-0.1f64 / 10.0).exp()
        );
    }

    #[test]
    fn a_driven_neuron_fires_at_the_analytic_rate() {
        // One neuron, I_e = 500 pA: V(t) = R I (1 - exp(-t/tau)), R = tau/C = 0.04 GOhm -> 20 mV;
        // it reaches 15 mV at t = -tau ln(1 - 15/20) = 13.86 ms, then 2 ms refractory.
        let net = Network {
            n: 1,
            out_offsets: vec![0, 0],
            gap_offsets: vec![0, 0],
            ..Default::default()
        };
        let mut lif = Lif::new(&net, LifParams::default(), 0.1, 1);
        lif.set_i_e(&[500.0]);
        let zeros = [0.0];
        let no = [false];
        let mut spikes = Vec::new();
        let mut times = Vec::new();
        for s in 0..1000u64 {
            spikes.clear();
            lif.step(
                &StepInput {
                    step: s,
                    current: &zeros,
                    synaptic: &[],
                    muted: &no,
                    ablated: &no,
                },
                &mut spikes,
            );
            if !spikes.is_empty() {
                times.push((s + 1) as f64 * 0.1);
            }
        }
        assert!(
            (times[0] - 13.9).abs() < 1e-9,
            "first spike at the end of step 139: {times:?}"
        );
        // Later intervals: 2 ms clamped + 13.9 ms of integration = 15.9 ms.
        assert!((times[1] - times[0] - 15.9).abs() < 1e-9, "{times:?}");
    }

    #[test]
    fn batches_within_the_shortest_delay_give_the_raster_of_single_steps() {
        use crate::sim::models::{self, ModelConfig};
        use crate::sim::{Protocol, RecordingSpec, Simulation};
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let (_, net) = models::build(&c, &ModelConfig::default()).unwrap();
        // Switches inside the run end batches early; the Poisson drive forces single steps.
        let items = r#"{"items": [{"kind": "dc", "target": "AVB*", "amplitude": 200, "start_ms": 30, "stop_ms": 120},
            {"kind": "silence", "target": "AVA*", "start_ms": 50.3, "stop_ms": 80},
            {"kind": "ablate", "target": "RIS", "start_ms": 90, "stop_ms": 100.7},
            {"kind": "poisson", "target": "all", "rate_hz": 40, "weight": 30, "start_ms": 150, "stop_ms": 170}]}"#;
        let protocol = Protocol::from_json(items).unwrap();
        let raster = |parts: usize, batched: bool| {
            let mut lif = Lif::with_parts(&net, LifParams::default(), 0.1, parts);
            assert_eq!(lif.max_batch(), 15, "1.5 ms delays of 0.1 ms steps");
            lif.set_i_e(&(0..net.n).map(|i| 340.0 + (i % 13) as f64 * 5.0).collect::<Vec<_>>());
            let spec = RecordingSpec {
                spikes: true,
                ..Default::default()
            };
            let mut sim = Simulation::new(Box::new(lif), &c, &protocol, 1, spec).unwrap();
            if batched {
                sim.run(2500, None);
            } else {
                (0..2500).for_each(|_| sim.step());
            }
            sim.recorder.spikes
        };
        let single = raster(1, false);
        assert!(single.len() > 1000, "{} spikes", single.len());
        assert_eq!(raster(1, true), single);
        assert_eq!(raster(2, true), single);
    }

    #[test]
    fn partitions_with_gap_junctions_and_ablation_give_the_same_raster() {
        use crate::sim::models::{self, ModelConfig};
        use crate::sim::{Protocol, RecordingSpec, Simulation};
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let (_, net) = models::build(&c, &ModelConfig::default()).unwrap();
        assert!(net.has_gaps());
        let items = r#"{"items": [{"kind": "ablate", "target": "AVA*", "start_ms": 50, "stop_ms": 150},
            {"kind": "poisson", "target": "all", "rate_hz": 50, "weight": 30}]}"#;
        let protocol = Protocol::from_json(items).unwrap();
        let raster = |parts: usize| {
            let params = LifParams {
                g_gap: 0.5,
                ..Default::default()
            };
            let mut lif = Lif::with_parts(&net, params, 0.1, parts);
            lif.set_i_e(&(0..net.n).map(|i| 350.0 + (i % 11) as f64 * 10.0).collect::<Vec<_>>());
            let spec = RecordingSpec {
                spikes: true,
                ..Default::default()
            };
            let mut sim = Simulation::new(Box::new(lif), &c, &protocol, 1, spec).unwrap();
            sim.run(2000, None);
            sim.recorder.spikes
        };
        let one = raster(1);
        assert!(one.len() > 1000);
        assert_eq!(raster(3), one);
    }
}
