//! A running simulation: an engine, the protocol turned into per-step inputs, and a recorder.
//! The CLI and the app drive the same type, so the same protocol and seed give the same
//! raster in both.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;

use super::protocol::{Action, Item, Protocol, resolve_target};
use super::{Engine, Recorder, RecordingSpec, StepInput};
use crate::model::Connectome;

/// A protocol item resolved against a network: its targets and its time window in steps.
struct Active {
    item: Item,
    /// Names the random stream: [`Item::stream_key`] and the count of earlier items with the
    /// same key.
    stream: (u64, u32),
    targets: Vec<u32>,
    start: u64,
    stop: u64,
    /// Pulse period and width in steps.
    period: u64,
    width: u64,
    rng: Pcg64Mcg,
}

impl Active {
    fn is_on(&self, step: u64) -> bool {
        step >= self.start && step < self.stop
    }
}

pub struct Simulation {
    pub engine: Box<dyn Engine>,
    pub recorder: Recorder,
    items: Vec<Active>,
    seed: u64,
    step: u64,
    current: Vec<f64>,
    current_dirty: bool,
    synaptic: Vec<(u32, f64)>,
    muted: Vec<bool>,
    ablated: Vec<bool>,
    spikes: Vec<u32>,
}

/// An independent, reproducible random stream per protocol item, named by what the item is
/// rather than its place in the list, so live edits elsewhere in the protocol leave it alone.
fn item_rng(seed: u64, (key, nth): (u64, u32)) -> Pcg64Mcg {
    let name = key ^ (nth as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Pcg64Mcg::seed_from_u64(seed ^ name.rotate_left(17))
}

impl Simulation {
    pub fn new(
        engine: Box<dyn Engine>,
        connectome: &Connectome,
        protocol: &Protocol,
        seed: u64,
        recording: RecordingSpec,
    ) -> Result<Simulation, String> {
        let n = engine.len();
        let dt = engine.dt_ms();
        let mut sim = Simulation {
            engine,
            recorder: Recorder::new(recording, dt),
            items: Vec::new(),
            seed,
            step: 0,
            current: vec![0.0; n],
            current_dirty: false,
            synaptic: Vec::new(),
            muted: vec![false; n],
            ablated: vec![false; n],
            spikes: Vec::new(),
        };
        sim.set_protocol(connectome, protocol)?;
        Ok(sim)
    }

    /// Replaces the protocol (live edits, see [`Protocol::splice`]). Items still present keep
    /// the state of their random streams, new ones start theirs from the seed, so a live run
    /// and the final protocol replayed from time 0 give the same spikes.
    pub fn set_protocol(&mut self, connectome: &Connectome, protocol: &Protocol) -> Result<(), String> {
        protocol.validate()?;
        let dt = self.engine.dt_ms();
        let steps = |ms: f64| (ms / dt).round().max(0.0) as u64;
        let mut items = Vec::with_capacity(protocol.items.len());
        let mut seen: Vec<(u64, u32)> = Vec::new();
        for (k, item) in protocol.items.iter().enumerate() {
            let key = item.stream_key();
            let nth = seen.iter().filter(|s| s.0 == key).count() as u32;
            seen.push((key, nth));
            let rng = match self.items.iter().position(|a| a.stream == (key, nth)) {
                Some(at) => self.items[at].rng.clone(),
                None => item_rng(self.seed, (key, nth)),
            };
            let targets = resolve_target(connectome, &item.target).map_err(|e| format!("item {}: {e}", k + 1))?;
            let (period, width) = match item.action {
                Action::Pulses {
                    width_ms, frequency_hz, ..
                } => (steps(1000.0 / frequency_hz).max(1), steps(width_ms).max(1)),
                _ => (1, 1),
            };
            items.push(Active {
                item: item.clone(),
                stream: (key, nth),
                targets,
                start: steps(item.start_ms),
                stop: item.stop_ms.map_or(u64::MAX, steps),
                period,
                width,
                rng,
            });
        }
        self.items = items;
        self.update_masks();
        Ok(())
    }

    pub fn step_index(&self) -> u64 {
        self.step
    }

    /// Biological time simulated so far (ms).
    pub fn time_ms(&self) -> f64 {
        self.step as f64 * self.engine.dt_ms()
    }

    /// Neurons that spiked in the last step.
    pub fn last_spikes(&self) -> &[u32] {
        &self.spikes
    }

    pub fn is_muted(&self, neuron: usize) -> bool {
        self.muted[neuron]
    }

    pub fn is_ablated(&self, neuron: usize) -> bool {
        self.ablated[neuron]
    }

    /// Marks the neurons a stimulus (current, noise, Poisson drive) is acting on now.
    pub fn mark_driven(&self, driven: &mut [bool]) {
        driven.fill(false);
        for a in &self.items {
            if a.is_on(self.step) && !matches!(a.item.action, Action::Silence | Action::Ablate) {
                for &t in &a.targets {
                    driven[t as usize] = true;
                }
            }
        }
    }

    /// Back to time 0: engine state, recordings and random streams.
    pub fn reset(&mut self) {
        self.engine.reset();
        self.recorder.clear();
        self.step = 0;
        for item in &mut self.items {
            item.rng = item_rng(self.seed, item.stream);
        }
        self.update_masks();
    }

    fn update_masks(&mut self) {
        self.muted.fill(false);
        self.ablated.fill(false);
        for a in &self.items {
            let mask = match a.item.action {
                Action::Silence => &mut self.muted,
                Action::Ablate => &mut self.ablated,
                _ => continue,
            };
            if a.is_on(self.step) {
                for &t in &a.targets {
                    mask[t as usize] = true;
                }
            }
        }
    }

    /// Advances one step.
    pub fn step(&mut self) {
        self.prepare_inputs();
        self.spikes.clear();
        let input = StepInput {
            step: self.step,
            current: &self.current,
            synaptic: &self.synaptic,
            muted: &self.muted,
            ablated: &self.ablated,
        };
        self.engine.step(&input, &mut self.spikes);
        self.recorder.record(self.step, &self.spikes, self.engine.as_ref());
        self.step += 1;
    }

    /// How many of the next `limit` steps have the same inputs as this one and need not be
    /// recorded one at a time, so the engine may take them as one batch (at least 1).
    fn steady_steps(&self, limit: u64) -> u64 {
        let spec = &self.recorder.spec;
        if !spec.traces.is_empty() || spec.order_parameter {
            return 1;
        }
        let (from, mut to) = (self.step, self.step + limit);
        for a in &self.items {
            match a.item.action {
                // Drawn or switched every step while on.
                Action::Pulses { .. } | Action::Noise { .. } | Action::Poisson { .. } => {
                    if a.start < to && a.stop > from {
                        return 1;
                    }
                }
                // Constant while on: the batch ends before the next switch.
                Action::Dc { .. } | Action::Silence | Action::Ablate => {
                    for switch in [a.start, a.stop] {
                        if switch > from {
                            to = to.min(switch);
                        }
                    }
                }
            }
        }
        (to - from).max(1)
    }

    /// Advances `steps` steps with the same inputs in one call of the engine.
    fn step_batch(&mut self, steps: usize, batch: &mut Vec<Vec<u32>>) {
        self.prepare_inputs();
        batch.resize_with(steps, Vec::new);
        batch.iter_mut().for_each(Vec::clear);
        let input = StepInput {
            step: self.step,
            current: &self.current,
            synaptic: &self.synaptic,
            muted: &self.muted,
            ablated: &self.ablated,
        };
        self.engine.step_batch(&input, batch);
        for spikes in batch.iter() {
            self.recorder.record(self.step, spikes, self.engine.as_ref());
            self.step += 1;
        }
        self.spikes.clone_from(&batch[steps - 1]);
    }

    /// Sets the masks, the currents and the synaptic events of the coming step.
    fn prepare_inputs(&mut self) {
        let step = self.step;
        let dt = self.engine.dt_ms();
        if self
            .items
            .iter()
            .any(|a| matches!(a.item.action, Action::Silence | Action::Ablate) && (a.start == step || a.stop == step))
        {
            self.update_masks();
        }
        if self.current_dirty {
            self.current.fill(0.0);
            self.current_dirty = false;
        }
        self.synaptic.clear();
        for a in &mut self.items {
            if !a.is_on(step) {
                continue;
            }
            match a.item.action {
                Action::Dc { amplitude } => add_current(&mut self.current, &a.targets, amplitude),
                Action::Pulses { amplitude, .. } => {
                    if (step - a.start) % a.period < a.width {
                        add_current(&mut self.current, &a.targets, amplitude);
                    }
                }
                Action::Noise { mean, std } => {
                    for &t in &a.targets {
                        let z: f64 = a.rng.sample(StandardNormal);
                        self.current[t as usize] += mean + std * z;
                    }
                }
                Action::Poisson { rate_hz, weight } => {
                    let threshold = (-rate_hz * dt / 1000.0).exp();
                    for &t in &a.targets {
                        let k = poisson_knuth(&mut a.rng, threshold);
                        if k > 0 {
                            self.synaptic.push((t, k as f64 * weight));
                        }
                    }
                    continue;
                }
                Action::Silence | Action::Ablate => continue,
            }
            self.current_dirty = true;
        }
    }

    /// Runs `steps` steps unless `cancel` is raised; returns the number of steps run. Steps
    /// with the same inputs go to the engine in batches (see [`Engine::step_batch`]).
    pub fn run(&mut self, steps: u64, cancel: Option<&AtomicBool>) -> u64 {
        let mut batch = Vec::new();
        let mut done = 0;
        while done < steps {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return done;
            }
            let max_batch = self.engine.max_batch() as u64;
            let batch_len = if max_batch > 1 {
                self.steady_steps((steps - done).min(max_batch))
            } else {
                1
            };
            if batch_len > 1 {
                self.step_batch(batch_len as usize, &mut batch);
            } else {
                self.step();
            }
            done += batch_len;
        }
        steps
    }
}

fn add_current(current: &mut [f64], targets: &[u32], amplitude: f64) {
    for &t in targets {
        current[t as usize] += amplitude;
    }
}

/// A Poisson sample with mean `lambda` given `threshold = exp(-lambda)` (Knuth's method: exact
/// and cheap for the small per-step means of spike trains).
fn poisson_knuth(rng: &mut Pcg64Mcg, threshold: f64) -> u32 {
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > threshold {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}
