//! A running simulation: an engine, the protocol turned into per-step inputs, and a recorder.
//! The CLI and the app drive the same type, so the same protocol and seed give the same
//! raster in both.

use crate::sim::SimError;
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
    ) -> Result<Simulation, SimError> {
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
    pub fn set_protocol(&mut self, connectome: &Connectome, protocol: &Protocol) -> Result<(), SimError> {
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
            let targets = resolve_target(connectome, &item.target)
                .map_err(|e| SimError::Target(format!("item {}: {e}", k + 1)))?;
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

    /// Marks the neurons a stimulus (current, pulses, Poisson drive) is acting on now. Noise
    /// is background, not a stimulus: with noise into every neuron nothing would stand out.
    pub fn mark_driven(&self, driven: &mut [bool]) {
        driven.fill(false);
        for a in &self.items {
            if a.is_on(self.step) && !matches!(a.item.action, Action::Silence | Action::Ablate | Action::Noise { .. }) {
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
        let inputs = Inputs {
            current: &mut self.current,
            synaptic: &mut self.synaptic,
        };
        self.current_dirty |= drive(&mut self.items, step, dt, inputs, |_, _, _| {});
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

/// Where the protocol's inputs of a step go.
struct Inputs<'a> {
    current: &'a mut [f64],
    synaptic: &'a mut Vec<(u32, f64)>,
}

/// Adds the active items' currents and synaptic events of `step`; returns whether any current
/// was added. `draw(item, neuron, value)` sees each random value as it is used (a noise
/// current, or a Poisson event's weight): a no-op closure in the simulation, which the compiler
/// removes; [`realised_draws`] records them.
#[inline(always)]
fn drive(items: &mut [Active], step: u64, dt: f64, inputs: Inputs, mut draw: impl FnMut(usize, u32, f64)) -> bool {
    let mut added_current = false;
    for (k, a) in items.iter_mut().enumerate() {
        if !a.is_on(step) {
            continue;
        }
        match a.item.action {
            Action::Dc { amplitude } => add_current(inputs.current, &a.targets, amplitude),
            Action::Pulses { amplitude, .. } => {
                if (step - a.start) % a.period < a.width {
                    add_current(inputs.current, &a.targets, amplitude);
                }
            }
            Action::Noise { mean, std } => {
                for &t in &a.targets {
                    let z: f64 = a.rng.sample(StandardNormal);
                    let value = mean + std * z;
                    inputs.current[t as usize] += value;
                    draw(k, t, value);
                }
            }
            Action::Poisson { rate_hz, weight } => {
                let threshold = (-rate_hz * dt / 1000.0).exp();
                for &t in &a.targets {
                    let k_events = poisson_knuth(&mut a.rng, threshold);
                    if k_events > 0 {
                        let value = k_events as f64 * weight;
                        inputs.synaptic.push((t, value));
                        draw(k, t, value);
                    }
                }
                continue;
            }
            Action::Silence | Action::Ablate => continue,
        }
        added_current = true;
    }
    added_current
}

/// Replays the random inputs a [`Simulation`] of `steps` steps with this protocol and seed
/// draws, without any dynamics: `draw(step, item, neuron, value)` for every noise value and
/// every Poisson event (its summed weight), in the order the simulation uses them. The
/// streams are the simulation's own, so an exported run (e.g. to NEST) can replay them.
pub fn realised_draws(
    connectome: &Connectome,
    protocol: &Protocol,
    seed: u64,
    dt_ms: f64,
    steps: u64,
    mut draw: impl FnMut(u64, usize, u32, f64),
) -> Result<(), SimError> {
    let engine = Box::new(NoDynamics {
        n: connectome.neurons.len(),
        dt: dt_ms,
    });
    let mut sim = Simulation::new(engine, connectome, protocol, seed, RecordingSpec::default())?;
    let random = |a: &Active| matches!(a.item.action, Action::Noise { .. } | Action::Poisson { .. });
    if !sim.items.iter().any(random) {
        return Ok(());
    }
    let last = sim
        .items
        .iter()
        .filter(|a| random(a))
        .map(|a| a.stop)
        .max()
        .unwrap_or(0);
    for step in 0..steps.min(last) {
        sim.synaptic.clear();
        let inputs = Inputs {
            current: &mut sim.current,
            synaptic: &mut sim.synaptic,
        };
        drive(&mut sim.items, step, dt_ms, inputs, |k, t, v| draw(step, k, t, v));
    }
    Ok(())
}

/// The engine of [`realised_draws`]: only the size and time step matter.
struct NoDynamics {
    n: usize,
    dt: f64,
}

impl Engine for NoDynamics {
    fn name(&self) -> &'static str {
        "none"
    }
    fn len(&self) -> usize {
        self.n
    }
    fn dt_ms(&self) -> f64 {
        self.dt
    }
    fn step(&mut self, _: &StepInput, _: &mut Vec<u32>) {}
    fn variables(&self) -> &'static [&'static str] {
        &[]
    }
    fn value(&self, _: usize, _: usize) -> f64 {
        0.0
    }
    fn reset(&mut self) {}
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What the engine is handed each step: (step, noise-carrying current, synaptic events).
    type Seen = Arc<Mutex<Vec<(u64, Vec<f64>, Vec<(u32, f64)>)>>>;

    /// An engine that only records its inputs.
    struct Spy {
        n: usize,
        seen: Seen,
    }

    impl Engine for Spy {
        fn name(&self) -> &'static str {
            "spy"
        }
        fn len(&self) -> usize {
            self.n
        }
        fn dt_ms(&self) -> f64 {
            0.1
        }
        fn step(&mut self, input: &StepInput, _: &mut Vec<u32>) {
            let seen = (input.step, input.current.to_vec(), input.synaptic.to_vec());
            self.seen.lock().unwrap().push(seen);
        }
        fn variables(&self) -> &'static [&'static str] {
            &[]
        }
        fn value(&self, _: usize, _: usize) -> f64 {
            0.0
        }
        fn reset(&mut self) {}
    }

    #[test]
    fn realised_draws_are_the_inputs_the_engine_gets() {
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let protocol = Protocol::from_json(
            r#"{"items": [
                {"kind": "noise", "target": "AVA*", "mean": 5, "std": 20, "start_ms": 1, "stop_ms": 4},
                {"kind": "poisson", "target": "all", "rate_hz": 400, "weight": -7, "stop_ms": 5}
            ]}"#,
        )
        .unwrap();
        let seen = Seen::default();
        let spy = Spy {
            n: c.neurons.len(),
            seen: seen.clone(),
        };
        let mut sim = Simulation::new(Box::new(spy), &c, &protocol, 3, RecordingSpec::default()).unwrap();
        sim.run(60, None);
        let mut noise: Vec<(u64, u32, f64)> = Vec::new();
        let mut events: Vec<(u64, u32, f64)> = Vec::new();
        realised_draws(&c, &protocol, 3, 0.1, 60, |step, item, t, v| {
            if item == 0 { &mut noise } else { &mut events }.push((step, t, v));
        })
        .unwrap();
        let ava = resolve_target(&c, "AVA*").unwrap();
        assert_eq!(noise.len(), 2 * 30, "two AVAs, steps 10..40");
        assert!(events.len() > 100 && events.iter().all(|e| e.0 < 50));
        for (step, current, synaptic) in seen.lock().unwrap().iter() {
            let mine: Vec<(u32, f64)> = events.iter().filter(|e| e.0 == *step).map(|e| (e.1, e.2)).collect();
            assert_eq!(synaptic, &mine, "step {step}");
            for &t in &ava {
                let drawn = noise.iter().find(|e| e.0 == *step && e.1 == t).map_or(0.0, |e| e.2);
                assert_eq!(current[t as usize], drawn, "step {step}, neuron {t}");
            }
        }
    }
}
