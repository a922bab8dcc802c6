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

use rayon::prelude::*;

use super::network::Network;
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
    refractory_steps: u32,
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
            refractory_steps: (p.t_ref / h).round() as u32,
        }
    }
}

/// The neurons of one thread: a contiguous range, the synapses onto them (rows by source),
/// their state and their spike ring buffers.
#[derive(Debug, Clone)]
struct Part {
    start: usize,
    /// Synapses onto this part's neurons, in rows by presynaptic neuron (all n sources).
    offsets: Vec<u32>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    delays: Vec<u16>,
    v: Vec<f64>,
    i_ex: Vec<f64>,
    i_in: Vec<f64>,
    refractory: Vec<u32>,
    i_e: Vec<f64>,
    /// `slots` rows of `len` inputs: row s % slots holds what arrives in step s.
    ring_ex: Vec<f64>,
    ring_in: Vec<f64>,
    slots: usize,
    spikes: Vec<u32>,
}

impl Part {
    fn new(net: &Network, range: std::ops::Range<usize>, slots: usize) -> Part {
        let len = range.len();
        let mut offsets = vec![0u32; net.n + 1];
        let (mut targets, mut weights, mut delays) = (Vec::new(), Vec::new(), Vec::new());
        for pre in 0..net.n {
            for k in net.out_range(pre) {
                let t = net.targets[k] as usize;
                if range.contains(&t) {
                    targets.push((t - range.start) as u32);
                    weights.push(net.weights[k]);
                    delays.push(net.delays[k]);
                }
            }
            offsets[pre + 1] = targets.len() as u32;
        }
        Part {
            start: range.start,
            offsets,
            targets,
            weights,
            delays,
            v: vec![0.0; len],
            i_ex: vec![0.0; len],
            i_in: vec![0.0; len],
            refractory: vec![0; len],
            i_e: vec![0.0; len],
            ring_ex: vec![0.0; len * slots],
            ring_in: vec![0.0; len * slots],
            slots,
            spikes: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.v.len()
    }

    /// Puts the spikes of step `step - 1` into the ring slots of their arrival steps.
    fn deliver(&mut self, previous_spikes: &[u32], step: u64, muted: &[bool]) {
        let len = self.len();
        for &src in previous_spikes {
            if muted[src as usize] {
                continue;
            }
            let row = self.offsets[src as usize] as usize..self.offsets[src as usize + 1] as usize;
            for k in row {
                // Emitted in step - 1, arriving in step - 1 + delay.
                let slot = ((step - 1 + self.delays[k] as u64) % self.slots as u64) as usize;
                let at = slot * len + self.targets[k] as usize;
                let w = self.weights[k];
                if w >= 0.0 {
                    self.ring_ex[at] += w;
                } else {
                    self.ring_in[at] += w;
                }
            }
        }
    }

    fn update(&mut self, p: &Propagators, step: u64, input: &StepInput, gap: &[f64]) {
        let len = self.len();
        let slot = (step % self.slots as u64) as usize * len;
        for &(neuron, w) in input.synaptic {
            let i = neuron as usize;
            if i >= self.start && i < self.start + len {
                let at = slot + i - self.start;
                if w >= 0.0 {
                    self.ring_ex[at] += w;
                } else {
                    self.ring_in[at] += w;
                }
            }
        }
        self.spikes.clear();
        let ring_ex = &mut self.ring_ex[slot..slot + len];
        let ring_in = &mut self.ring_in[slot..slot + len];
        let current = &input.current[self.start..self.start + len];
        let ablated = &input.ablated[self.start..self.start + len];
        for i in 0..len {
            if ablated[i] {
                self.v[i] = 0.0;
                self.i_ex[i] = 0.0;
                self.i_in[i] = 0.0;
                ring_ex[i] = 0.0;
                ring_in[i] = 0.0;
                continue;
            }
            if self.refractory[i] == 0 {
                let i0 = if gap.is_empty() { current[i] } else { current[i] + gap[self.start + i] };
                self.v[i] = self.v[i] * p.p22 + self.i_ex[i] * p.p21ex + self.i_in[i] * p.p21in + (self.i_e[i] + i0) * p.p20;
            } else {
                self.refractory[i] -= 1;
            }
            self.i_ex[i] *= p.p11ex;
            self.i_in[i] *= p.p11in;
            self.i_ex[i] += ring_ex[i];
            self.i_in[i] += ring_in[i];
            ring_ex[i] = 0.0;
            ring_in[i] = 0.0;
            if self.v[i] >= p.theta {
                self.refractory[i] = p.refractory_steps;
                self.v[i] = p.v_reset;
                self.spikes.push((self.start + i) as u32);
            }
        }
    }
}

/// A network of `iaf_psc_exp` neurons.
pub struct Lif {
    params: LifParams,
    prop: Propagators,
    dt: f64,
    parts: Vec<Part>,
    previous_spikes: Vec<u32>,
    step: u64,
    /// Gap junctions: partners and conductances (nS), empty when g_gap is 0.
    gap_offsets: Vec<u32>,
    gap_partners: Vec<u32>,
    gap_g: Vec<f64>,
    gap_current: Vec<f64>,
    pool: Option<rayon::ThreadPool>,
}

/// Below this many neurons a step is too short to be worth splitting across threads.
const MIN_NEURONS_PER_THREAD: usize = 2000;

impl Lif {
    /// Builds the engine over `net` (weights in pA, delays in steps of `dt`) using up to
    /// `threads` threads.
    pub fn new(net: &Network, params: LifParams, dt: f64, threads: usize) -> Lif {
        Lif::with_parts(net, params, dt, threads.clamp(1, (net.n / MIN_NEURONS_PER_THREAD).max(1)))
    }

    /// Like [`Lif::new`] with exactly `threads` partitions however small the network (tests
    /// use it to check that partitioning never changes a raster).
    pub fn with_parts(net: &Network, params: LifParams, dt: f64, threads: usize) -> Lif {
        let threads = threads.max(1);
        let slots = net.max_delay() as usize + 1;
        let chunk = net.n.div_ceil(threads).max(1);
        let parts: Vec<Part> = (0..threads)
            .map(|t| Part::new(net, (t * chunk).min(net.n)..((t + 1) * chunk).min(net.n), slots))
            .collect();
        let with_gaps = params.g_gap != 0.0 && net.has_gaps();
        let mut lif = Lif {
            params,
            prop: Propagators::new(&params, dt),
            dt,
            parts,
            previous_spikes: Vec::new(),
            step: 0,
            gap_offsets: if with_gaps { net.gap_offsets.clone() } else { Vec::new() },
            gap_partners: if with_gaps { net.gap_partners.clone() } else { Vec::new() },
            gap_g: if with_gaps { net.gap_weights.iter().map(|w| w * params.g_gap).collect() } else { Vec::new() },
            gap_current: Vec::new(),
            pool: (threads > 1).then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok()).flatten(),
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
            let len = part.len();
            part.i_e.copy_from_slice(&i_e[part.start..part.start + len]);
        }
    }

    fn part_of(&self, neuron: usize) -> (&Part, usize) {
        let part = self.parts.iter().rev().find(|p| p.start <= neuron).expect("neuron in range");
        (part, neuron - part.start)
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
        self.update_gap_current();
        let (prop, step, previous) = (self.prop, self.step, &self.previous_spikes);
        let gap = &self.gap_current;
        let run = |part: &mut Part| {
            if step > 0 {
                part.deliver(previous, step, input.muted);
            }
            part.update(&prop, step, input, gap);
        };
        match &self.pool {
            Some(pool) => pool.install(|| self.parts.par_iter_mut().for_each(run)),
            None => self.parts.iter_mut().for_each(run),
        }
        self.previous_spikes.clear();
        for part in &self.parts {
            self.previous_spikes.extend_from_slice(&part.spikes);
        }
        spikes.extend_from_slice(&self.previous_spikes);
        self.step += 1;
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

    fn set_bias(&mut self, bias: &[f64]) -> Result<(), String> {
        self.set_i_e(bias);
        Ok(())
    }

    fn reset(&mut self) {
        for part in &mut self.parts {
            part.v.fill(0.0);
            part.i_ex.fill(0.0);
            part.i_in.fill(0.0);
            part.refractory.fill(0);
            part.ring_ex.fill(0.0);
            part.ring_in.fill(0.0);
            part.spikes.clear();
        }
        self.previous_spikes.clear();
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
        let expected = -10.0 / (250.0 * (1.0 - 10.0 / 2.0)) * (-0.1f64 / 2.0).exp() * (0.1 * (1.0 / 2.0 - 1.0 / 10.0f64)).exp_m1();
        assert_eq!(p.p21ex, expected);
        assert_eq!(p.refractory_steps, 20);
        assert_eq!(propagator_32(10.0, 10.0, 250.0, 0.1), 0.1 / 250.0 * (-0.1f64 / 10.0).exp());
    }

    #[test]
    fn a_driven_neuron_fires_at_the_analytic_rate() {
        // One neuron, I_e = 500 pA: V(t) = R I (1 - exp(-t/tau)), R = tau/C = 0.04 GOhm -> 20 mV;
        // it reaches 15 mV at t = -tau ln(1 - 15/20) = 13.86 ms, then 2 ms refractory.
        let net = Network { n: 1, out_offsets: vec![0, 0], gap_offsets: vec![0, 0], ..Default::default() };
        let mut lif = Lif::new(&net, LifParams::default(), 0.1, 1);
        lif.set_i_e(&[500.0]);
        let zeros = [0.0];
        let no = [false];
        let mut spikes = Vec::new();
        let mut times = Vec::new();
        for s in 0..1000u64 {
            spikes.clear();
            lif.step(&StepInput { step: s, current: &zeros, synaptic: &[], muted: &no, ablated: &no }, &mut spikes);
            if !spikes.is_empty() {
                times.push((s + 1) as f64 * 0.1);
            }
        }
        assert!((times[0] - 13.9).abs() < 1e-9, "first spike at the end of step 139: {times:?}");
        // Later intervals: 2 ms clamped + 13.9 ms of integration = 15.9 ms.
        assert!((times[1] - times[0] - 15.9).abs() < 1e-9, "{times:?}");
    }
}
