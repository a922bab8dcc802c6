//! Izhikevich neurons (Izhikevich 2003, "Simple model of spiking neurons", IEEE Trans Neural
//! Netw 14:1569):
//!
//!   v' = 0.04 v² + 5 v + 140 - u + I,   u' = a (b v - u),   if v >= 30 mV: v <- c, u <- u + d
//!
//! with v in mV, t in ms, I in the model's current units (mV/ms). Presets (a, b, c, d) from the
//! paper's Fig. 2: regular spiking (RS) 0.02, 0.2, -65, 8; intrinsically bursting (IB) 0.02,
//! 0.2, -55, 4; chattering (CH) 0.02, 0.2, -50, 2; fast spiking (FS) 0.1, 0.2, -65, 2.
//! Excitatory neurons get `preset`, inhibitory ones (by sign) FS. v starts at v_init, u at b v.
//!
//! Integration (`paper_scheme`): by default forward Euler with the step h for v and u from the
//! same old values (NEST's `izhikevich` with consistent_integration). With paper_scheme=1, the
//! published code's scheme: v in two half-steps of h/2, then u from the new v (the paper
//! uses h = 1 ms: `v=v+0.5*(...); v=v+0.5*(...); u=u+a.*(b.*v-u)`).
//!
//! I = I_e (the constant input, `set_bias`) + the step's external current + I_syn. Synapses are
//! current-based, with delays from the network: with tau_syn = 0 (default) they are
//! instantaneous, a spike adding its weight (mV) to v in the step it arrives, before the
//! threshold (as NEST's `izhikevich`); with tau_syn > 0 a spike adds its weight to I_syn,
//! which decays exponentially (exactly) with tau_syn and acts from the next step.
//! Poisson and other external synaptic events arrive like spikes. Weights are the network's
//! (`--J` per synapse): with instantaneous synapses mV, so of the order of 0.5 (the paper's
//! network draws excitatory weights in [0, 0.5]), not the 20 pA of LIF.

use super::network::Network;
use super::spiking::{self, Inbox, Workers, partition, useful_threads};
use super::stdp::{StdpParams, Traces};
use super::{Engine, StepInput};
use crate::model::{Connectome, Sign};
use crate::sim::SimError;

/// A neuron class of the paper's Fig. 2, with its (a, b, c, d).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    RegularSpiking,
    IntrinsicallyBursting,
    Chattering,
    FastSpiking,
}

impl Preset {
    /// By the `preset` parameter's number: 0 RS, 1 IB, 2 CH, 3 FS.
    pub fn from_number(x: f64) -> Option<Preset> {
        use Preset::*;
        [RegularSpiking, IntrinsicallyBursting, Chattering, FastSpiking]
            .get(x as usize)
            .copied()
            .filter(|_| x.fract() == 0.0 && x >= 0.0)
    }

    pub fn abcd(self) -> [f64; 4] {
        match self {
            Preset::RegularSpiking => [0.02, 0.2, -65.0, 8.0],
            Preset::IntrinsicallyBursting => [0.02, 0.2, -55.0, 4.0],
            Preset::Chattering => [0.02, 0.2, -50.0, 2.0],
            Preset::FastSpiking => [0.1, 0.2, -65.0, 2.0],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct IzhikevichParams {
    /// Class of the excitatory neurons: 0 regular spiking, 1 intrinsically bursting,
    /// 2 chattering, 3 fast spiking. Inhibitory neurons are fast spiking.
    pub preset: f64,
    /// Spike cutoff (mV).
    pub v_peak: f64,
    /// Initial v (mV); u starts at b v_init.
    pub v_init: f64,
    /// Synaptic time constant (ms); 0 for instantaneous synapses (jumps of v).
    pub tau_syn: f64,
    /// Integrate as the paper's code (v in two half-steps) instead of forward Euler.
    pub paper_scheme: bool,
    /// Plasticity of the chemical synapses (off by default).
    #[serde(flatten)]
    pub stdp: StdpParams,
}

impl Default for IzhikevichParams {
    fn default() -> Self {
        IzhikevichParams {
            preset: 0.0,
            v_peak: 30.0,
            v_init: -65.0,
            tau_syn: 0.0,
            paper_scheme: false,
            stdp: StdpParams::default(),
        }
    }
}

impl IzhikevichParams {
    pub fn validate(&self) -> Result<(), SimError> {
        if Preset::from_number(self.preset).is_none() {
            return Err(SimError::Parameter(
                "izhikevich: preset is 0 (RS), 1 (IB), 2 (CH) or 3 (FS)".into(),
            ));
        }
        if !(self.tau_syn >= 0.0 && self.v_peak.is_finite() && self.v_init < self.v_peak) {
            return Err(SimError::Parameter(
                "izhikevich: needs tau_syn >= 0 and v_init < v_peak".into(),
            ));
        }
        self.stdp.validate()
    }
}

/// Which neurons are inhibitory: by their sign, else (sign unknown) when most of their
/// synapses in `net` are negative.
pub fn inhibitory_neurons(connectome: &Connectome, net: &Network) -> Vec<bool> {
    (0..net.n)
        .map(|i| match connectome.neurons.sign.get(i) {
            Some(Sign::Inhibitory) => true,
            Some(Sign::Excitatory) => false,
            _ => {
                let negative = net.out_range(i).filter(|&k| net.weights[k] < 0.0).count();
                2 * negative > net.out_range(i).len()
            }
        })
        .collect()
}

/// The neurons of one thread: their inbox and state.
#[derive(Debug, Clone)]
struct Part {
    inbox: Inbox,
    /// Per neuron (a, b, c, d).
    abcd: Vec<[f64; 4]>,
    v: Vec<f64>,
    u: Vec<f64>,
    i_syn: Vec<f64>,
    i_e: Vec<f64>,
    /// What arrives in this step: jumps of v, or increments of I_syn.
    arriving: Vec<f64>,
    spikes: Vec<u32>,
}

/// Constants of a step.
#[derive(Debug, Clone, Copy)]
struct Stepping {
    h: f64,
    v_peak: f64,
    v_init: f64,
    /// exp(-h / tau_syn), or None for instantaneous synapses.
    syn_decay: Option<f64>,
    paper_scheme: bool,
}

impl Part {
    fn update(&mut self, k: &Stepping, step: u64, input: &StepInput) {
        let range = self.inbox.range();
        let (ablated, current) = (&input.ablated[range.clone()], &input.current[range.clone()]);
        let arriving = &mut self.arriving;
        self.inbox
            .arrivals(step, input.synaptic, |i, ex, inh| arriving[i] = ex + inh);
        self.spikes.clear();
        for i in 0..self.v.len() {
            let [a, b, c, d] = self.abcd[i];
            let incoming = std::mem::take(&mut self.arriving[i]);
            if ablated[i] {
                (self.v[i], self.u[i], self.i_syn[i]) = (k.v_init, b * k.v_init, 0.0);
                continue;
            }
            let input = self.i_e[i] + current[i] + self.i_syn[i];
            let (mut v, mut u) = (self.v[i], self.u[i]);
            if k.paper_scheme {
                let half = 0.5 * k.h;
                v += half * (0.04 * v * v + 5.0 * v + 140.0 - u + input);
                v += half * (0.04 * v * v + 5.0 * v + 140.0 - u + input);
                u += k.h * a * (b * v - u);
            } else {
                (v, u) = (
                    v + k.h * (0.04 * v * v + 5.0 * v + 140.0 - u + input),
                    u + k.h * a * (b * v - u),
                );
            }
            match k.syn_decay {
                None => v += incoming,
                Some(decay) => self.i_syn[i] = self.i_syn[i] * decay + incoming,
            }
            if v >= k.v_peak {
                (v, u) = (c, u + d);
                self.spikes.push((range.start + i) as u32);
            }
            (self.v[i], self.u[i]) = (v, u);
        }
    }
}

/// A network of Izhikevich neurons.
pub struct Izhikevich {
    stepping: Stepping,
    parts: Vec<Part>,
    previous_spikes: Vec<u32>,
    step: u64,
    traces: Option<Traces>,
    workers: Workers,
}

impl Izhikevich {
    /// Builds the engine over `net` (weights in mV for instantaneous synapses, else in current
    /// units; delays in steps of `dt`) with up to `threads` threads.
    pub fn new(net: &Network, params: IzhikevichParams, inhibitory: &[bool], dt: f64, threads: usize) -> Izhikevich {
        let excitatory = Preset::from_number(params.preset)
            .unwrap_or(Preset::RegularSpiking)
            .abcd();
        let traces = params.stdp.stdp.then(|| Traces::new(params.stdp, net.n, dt));
        let parts: Vec<Part> = partition(net.n, useful_threads(net.n, threads))
            .into_iter()
            .map(|range| {
                let len = range.len();
                let abcd = range
                    .clone()
                    .map(|i| {
                        if inhibitory[i] {
                            Preset::FastSpiking.abcd()
                        } else {
                            excitatory
                        }
                    })
                    .collect();
                let mut inbox = Inbox::new(net, range);
                if traces.is_some() {
                    inbox.enable_plasticity(net.n, params.stdp.w_max);
                }
                Part {
                    inbox,
                    abcd,
                    v: vec![0.0; len],
                    u: vec![0.0; len],
                    i_syn: vec![0.0; len],
                    i_e: vec![0.0; len],
                    arriving: vec![0.0; len],
                    spikes: Vec::new(),
                }
            })
            .collect();
        let stepping = Stepping {
            h: dt,
            v_peak: params.v_peak,
            v_init: params.v_init,
            syn_decay: (params.tau_syn > 0.0).then(|| (-dt / params.tau_syn).exp()),
            paper_scheme: params.paper_scheme,
        };
        let mut engine = Izhikevich {
            stepping,
            workers: Workers::new(parts.len()),
            parts,
            previous_spikes: Vec::new(),
            step: 0,
            traces,
        };
        engine.reset();
        engine
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
}

impl Engine for Izhikevich {
    fn name(&self) -> &'static str {
        "izhikevich"
    }

    fn len(&self) -> usize {
        self.parts.iter().map(|p| p.v.len()).sum()
    }

    fn dt_ms(&self) -> f64 {
        self.stepping.h
    }

    fn step(&mut self, input: &StepInput, spikes: &mut Vec<u32>) {
        let (stepping, step, previous, traces) =
            (self.stepping, self.step, &self.previous_spikes, self.traces.as_ref());
        self.workers.for_each(&mut self.parts, |part| {
            if step > 0 {
                part.inbox.deliver(previous, step, input.muted, traces);
            }
            part.update(&stepping, step, input);
        });
        let part_spikes = self.parts.iter().map(|p| p.spikes.as_slice());
        spiking::end_step(self.traces.as_mut(), &mut self.previous_spikes, part_spikes, spikes);
        self.step += 1;
    }

    fn variables(&self) -> &'static [&'static str] {
        &["V_m", "U_m", "I_syn"]
    }

    fn value(&self, variable: usize, neuron: usize) -> f64 {
        let (part, i) = self.part_of(neuron);
        match variable {
            0 => part.v[i],
            1 => part.u[i],
            _ => part.i_syn[i],
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
        for part in &mut self.parts {
            let range = part.inbox.range();
            part.i_e.copy_from_slice(&bias[range]);
        }
        Ok(())
    }

    fn synapse_weight(&self, pre: usize, post: usize) -> Option<f64> {
        spiking::synapse_weight(self.parts.iter().map(|p| &p.inbox), pre, post)
    }

    fn weight_change(&self) -> Option<f64> {
        spiking::weight_change(self.parts.iter().map(|p| &p.inbox))
    }

    fn reset(&mut self) {
        let v_init = self.stepping.v_init;
        for part in &mut self.parts {
            part.v.fill(v_init);
            for (u, abcd) in part.u.iter_mut().zip(&part.abcd) {
                *u = abcd[1] * v_init;
            }
            part.i_syn.fill(0.0);
            part.arriving.fill(0.0);
            part.inbox.reset();
            part.spikes.clear();
        }
        if let Some(traces) = &mut self.traces {
            traces.reset();
        }
        self.previous_spikes.clear();
        self.step = 0;
    }
}
