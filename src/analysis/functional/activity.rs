//! Activity traces from a simulation run, for functional connectivity: the protocol (with its
//! model settings) is run from time 0 and every neuron is sampled at a fixed interval.
//!
//! What a trace is depends on the model: for oscillators `sin θ`; for models that spike, a
//! calcium-like signal (each spike adds 1, decaying with `calcium_tau_ms`), because spike
//! trains and membrane sawtooths make poor inputs to trace-shape affinities and recorded
//! data (the seed paper's) are calcium imaging; otherwise (graded neurons) the first state
//! variable.
//!
//! Imaging noise (`noise_sd`, Gaussian, seeded from the run's seed) is added to every sample,
//! as in recorded data. It matters: without it a silent neuron's flat trace, or the smooth
//! decay after activity, is identical in shape to every other silent or decaying neuron's,
//! and shape-based affinities (which normalise amplitude away) call them perfectly alike.

use super::FunctionalError;
use std::sync::atomic::AtomicBool;

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;

use super::Traces;
use crate::model::Connectome;
use crate::sim::Simulation;
use crate::sim::models::{self, ModelConfig};
use crate::sim::protocol::Protocol;
use crate::sim::recording::RecordingSpec;

#[derive(Debug, Clone)]
pub struct ActivityOptions {
    pub duration_ms: f64,
    pub sample_ms: f64,
    pub calcium_tau_ms: f64,
    /// Standard deviation of the imaging noise, in the trace's units (one spike's calcium
    /// jump is 1).
    pub noise_sd: f64,
    /// Neurons to sample (all when `None`).
    pub neurons: Option<Vec<u32>>,
    /// Keep only active neurons (that spiked, for spiking models; whose trace changes,
    /// otherwise): silent neurons carry no functional connectivity, only noise, and under a
    /// focal stimulus most neurons of a connectome are silent.
    pub active_only: bool,
    pub threads: usize,
}

impl Default for ActivityOptions {
    fn default() -> Self {
        ActivityOptions {
            duration_ms: 4000.0,
            sample_ms: 10.0,
            calcium_tau_ms: 100.0,
            noise_sd: 0.05,
            neurons: None,
            active_only: false,
            threads: 1,
        }
    }
}

/// Runs `protocol` (its `simulation` settings, LIF defaults without) and samples activity.
/// `progress` gets the fraction done after each sample; a set `cancel` stops with an error.
pub fn simulate_traces(
    connectome: &Connectome,
    protocol: &Protocol,
    opts: &ActivityOptions,
    cancel: Option<&AtomicBool>,
    progress: &dyn Fn(f64),
) -> Result<Traces, FunctionalError> {
    if !(opts.duration_ms > 0.0 && opts.sample_ms > 0.0 && opts.calcium_tau_ms > 0.0 && opts.noise_sd >= 0.0) {
        return Err(FunctionalError::Options(
            "duration, sampling interval and calcium time constant must be positive".into(),
        ));
    }
    let mut config = protocol
        .simulation
        .clone()
        .unwrap_or_else(|| ModelConfig::for_model("lif"));
    config.threads = opts.threads.max(1);
    let (engine, _) = models::build(connectome, &config)?;
    let recording = RecordingSpec {
        spikes: true,
        ..Default::default()
    };
    let mut sim = Simulation::new(engine, connectome, protocol, config.seed, recording)?;
    let neurons: Vec<u32> = match &opts.neurons {
        Some(list) => list.clone(),
        None => (0..connectome.neurons.len() as u32).collect(),
    };
    if let Some(&bad) = neurons.iter().find(|&&i| i as usize >= connectome.neurons.len()) {
        return Err(FunctionalError::Options(format!(
            "neuron index {bad} is outside the connectome"
        )));
    }
    let dt = config.dt_ms;
    let steps_per_sample = ((opts.sample_ms / dt).round() as u64).max(1);
    let samples = ((opts.duration_ms / dt) as u64 / steps_per_sample) as usize;
    let sample_ms = steps_per_sample as f64 * dt;
    let decay = (-sample_ms / opts.calcium_tau_ms).exp();

    let mut slot = vec![u32::MAX; connectome.neurons.len()];
    for (k, &i) in neurons.iter().enumerate() {
        slot[i as usize] = k as u32;
    }
    let mut calcium = vec![0.0f64; neurons.len()];
    let mut spikes_read = 0;
    // Oscillators are known from the start; whether a model spikes only once it has run, so
    // the others keep both the state variable and the calcium signal until then.
    let oscillator = sim.engine.phase(0).is_some();
    let mut state_values = vec![Vec::with_capacity(samples); neurons.len()];
    let mut calcium_values = vec![Vec::with_capacity(if oscillator { 0 } else { samples }); neurons.len()];
    let mut time_s = Vec::with_capacity(samples);
    for s in 0..samples {
        if sim.run(steps_per_sample, cancel) < steps_per_sample {
            return Err(FunctionalError::Cancelled);
        }
        let now_ms = sim.time_ms();
        for c in calcium.iter_mut() {
            *c *= decay;
        }
        for spike in &sim.recorder.spikes[spikes_read..] {
            let k = slot[spike.neuron as usize];
            if k != u32::MAX {
                let t = (spike.step as f64 + 1.0) * dt;
                calcium[k as usize] += (-(now_ms - t) / opts.calcium_tau_ms).exp();
            }
        }
        spikes_read = sim.recorder.spikes.len();
        for (k, &i) in neurons.iter().enumerate() {
            match sim.engine.phase(i as usize) {
                Some(theta) if oscillator => state_values[k].push(theta.sin()),
                _ => {
                    state_values[k].push(sim.engine.value(0, i as usize));
                    calcium_values[k].push(calcium[k]);
                }
            }
        }
        time_s.push(now_ms / 1000.0);
        progress((s + 1) as f64 / samples as f64);
    }
    let spiking = !oscillator && sim.recorder.total_spikes > 0;
    let mut values = if spiking { calcium_values } else { state_values };
    let mut spikes = vec![0u32; connectome.neurons.len()];
    for s in &sim.recorder.spikes {
        spikes[s.neuron as usize] += 1;
    }
    let keep: Vec<bool> = neurons
        .iter()
        .zip(&values)
        .map(|(&i, v)| {
            let active = if spiking {
                spikes[i as usize] > 0
            } else {
                v.iter().any(|&x| (x - v[0]).abs() > 1e-9 * (1.0 + v[0].abs()))
            };
            !opts.active_only || active
        })
        .collect();
    let mut rng = Pcg64Mcg::seed_from_u64(config.seed ^ 0x1A61_0A5E);
    for v in values.iter_mut().flatten() {
        *v += opts.noise_sd * rng.sample::<f64, _>(StandardNormal);
    }
    let mut kept = keep.iter();
    values.retain(|_| *kept.next().unwrap());
    Ok(Traces {
        names: neurons
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(&i, _)| connectome.neurons.name(i as usize).to_string())
            .collect(),
        time_s,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::protocol::parse_stimulus;

    fn worm() -> Connectome {
        crate::io::load("celegans-cook2019", &Default::default()).unwrap()
    }

    #[test]
    fn spiking_runs_give_calcium_and_oscillators_give_sines() {
        let c = worm();
        let mut p = Protocol::default();
        p.items.push(parse_stimulus("dc AVAL amplitude=2000 start=0").unwrap());
        let opts = ActivityOptions {
            duration_ms: 300.0,
            neurons: Some(vec![0, 1, 2]),
            ..Default::default()
        };
        let mut ava = opts.clone();
        ava.neurons = Some(vec![crate::sim::protocol::resolve_target(&c, "AVAL").unwrap()[0]]);
        let t = simulate_traces(&c, &p, &ava, None, &|_| {}).unwrap();
        assert_eq!(t.time_s.len(), 30);
        assert!((t.time_s[0] - 0.01).abs() < 1e-9);
        // A driven LIF neuron fires regularly: its calcium rises and stays positive.
        assert!(t.values[0].iter().all(|&v| v >= 0.0));
        assert!(t.values[0][29] > 1.0, "{:?}", t.values[0]);

        p.simulation = Some(ModelConfig::for_model("kuramoto"));
        let k = simulate_traces(&c, &p, &opts, None, &|_| {}).unwrap();
        assert_eq!(k.values.len(), 3);
        // sin θ plus imaging noise of sd 0.05.
        assert!(k.values.iter().flatten().all(|v| (-1.4..=1.4).contains(v)));
        assert!(k.values[0].iter().any(|&v| v < -0.5) && k.values[0].iter().any(|&v| v > 0.5));
    }

    #[test]
    fn cancel_stops_the_run() {
        let c = worm();
        let cancel = AtomicBool::new(true);
        let r = simulate_traces(&c, &Protocol::default(), &Default::default(), Some(&cancel), &|_| {});
        assert_eq!(r.unwrap_err(), FunctionalError::Cancelled);
    }
}
