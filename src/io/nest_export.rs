//! Export of a simulation to NEST: a folder with a readable PyNEST script (`run.py`), the
//! connections and the protocol's realised random inputs as `.npy` arrays, and a README, so
//! that a run designed here can be scaled out (NEST threads and MPI) and give the same spikes.
//!
//! How the NEST run reproduces ours step for step:
//! - LIF is NEST's `iaf_psc_exp` operation for operation. Izhikevich is NEST's `izhikevich`
//!   with `consistent_integration` (the same forward Euler step, summed in another order: not
//!   bit-identical, see the script's header); the paper's scheme has no NEST twin.
//! - NEST first runs [`PREFIX_STEPS`] steps in which nothing can happen (no input, state at
//!   rest), so that inputs for our step 0 can arrive: a device's current reaches a neuron two
//!   steps after it is sent, a spike one step after it is stamped. Spike times are shifted back
//!   when the CSV is written.
//! - Every protocol item is a device: dc → `dc_generator`, pulses → `step_current_generator`,
//!   noise → one `step_current_generator` per target with our drawn values, Poisson → one
//!   `spike_generator` per target with our drawn events and weights. Devices are created in
//!   the protocol's order, the order NEST sums their currents in, which is ours.
//! - Silencing sets the outgoing weights to 0 between `Simulate` calls (with `min_delay` = dt,
//!   so that a change acts on the spikes of the step before it, as here); an ablation from the
//!   start leaves the neuron's connections and inputs out; one that starts later raises its
//!   threshold out of reach.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::npy;
use crate::model::Connectome;
use crate::sim::izhikevich::{self, IzhikevichParams, Preset};
use crate::sim::lif::LifParams;
use crate::sim::models::{ModelConfig, with_overrides};
use crate::sim::network::{Network, NetworkParams};
use crate::sim::protocol::{Action, Protocol, resolve_target};

/// Steps NEST runs before our step 0 (see the module doc).
pub const PREFIX_STEPS: u64 = 2;

/// The static part of the script; the run's settings are written above it.
const SCRIPT_BODY: &str = include_str!("nest_run.py");

/// Everything that defines a run, as `connectoscope simulate` and the app's Simulation panel
/// hold it.
#[derive(Debug, Clone)]
pub struct NestRun {
    pub config: ModelConfig,
    pub protocol: Protocol,
    /// Constant input per neuron (I_e, model units), if any.
    pub i_e: Option<Vec<f64>>,
    pub duration_ms: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum NestExportError {
    /// The run uses something NEST has no exact counterpart for.
    #[error("cannot export to NEST: {0}")]
    Unsupported(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What [`write`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    pub neurons: usize,
    pub connections: usize,
    /// Stimulus devices (generators) the script creates.
    pub devices: usize,
    /// Silencing and ablation changes between `Simulate` calls.
    pub changes: usize,
}

/// Writes the NEST export of `run` on `connectome` into the folder `dir` (atomically: into a
/// temporary folder that is then renamed); an existing `dir` is refused unless `force`.
pub fn write(
    dir: &Path,
    connectome: &Connectome,
    run: &NestRun,
    force: bool,
) -> Result<ExportSummary, NestExportError> {
    if dir.exists() && !force {
        return Err(NestExportError::Invalid(format!(
            "{}: already exists (use --force to replace it)",
            dir.display()
        )));
    }
    let plan = Plan::new(connectome, run)?;
    super::write_dir_atomically(dir, force, |tmp| plan.write_files(tmp, connectome))?;
    Ok(plan.summary())
}

/// The neuron model on the NEST side.
enum Model {
    Lif(LifParams),
    Izhikevich {
        params: IzhikevichParams,
        abcd: Vec<[f64; 4]>,
    },
}

/// A protocol item turned into devices.
enum Device {
    Dc {
        amplitude: f64,
        targets: Vec<u32>,
        start: u64,
        stop: Option<u64>,
    },
    /// A piecewise-constant current shared by the targets: (our step it starts, value).
    Steps {
        targets: Vec<u32>,
        changes: Vec<(u64, f64)>,
    },
    /// Our noise values, `values[(s - start) * targets + j]` for step s and target j.
    Noise {
        targets: Vec<u32>,
        start: u64,
        stop: u64,
        values: Vec<f64>,
    },
    /// Our Poisson events: (step, neuron, weight).
    Poisson { events: Vec<(u64, u32, f64)> },
}

/// What changes at a step between two `Simulate` calls.
#[derive(Default)]
struct Change {
    mute: Vec<u32>,
    unmute: Vec<u32>,
    ablate: Vec<u32>,
}

struct Plan {
    model: Model,
    net: Network,
    dt: f64,
    steps: u64,
    i_e: Vec<f64>,
    /// Ablated from step 0 to the end: left out.
    removed: Vec<bool>,
    /// Kept connections: (pre, index into the network's arrays).
    kept: Vec<(u32, usize)>,
    /// Per protocol item, in order (None: nothing to do in NEST, e.g. silencing).
    devices: Vec<(usize, String, Device)>,
    changes: BTreeMap<u64, Change>,
    notes: Vec<String>,
    threads: usize,
    /// Neurons whose spikes from a step on are left out of the CSV (Izhikevich ablations).
    dropped_from: Vec<(u32, u64)>,
}

fn unsupported(message: String) -> NestExportError {
    NestExportError::Unsupported(message)
}

impl Plan {
    fn new(connectome: &Connectome, run: &NestRun) -> Result<Plan, NestExportError> {
        let config = &run.config;
        let dt = config.dt_ms;
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(NestExportError::Invalid("dt must be a positive number of ms".into()));
        }
        if !(run.duration_ms >= 0.0 && run.duration_ms.is_finite()) {
            return Err(NestExportError::Invalid(
                "the duration must be a non-negative number of ms".into(),
            ));
        }
        run.protocol
            .validate()
            .map_err(|e| NestExportError::Invalid(e.into()))?;
        let n = connectome.neurons.len();
        let net = Network::build(
            connectome,
            &NetworkParams {
                weight_scale: config.weight_scale,
                delay_ms: config.delay_ms,
                dt_ms: dt,
                ..Default::default()
            },
        );
        let mut notes = Vec::new();
        let model = match config.model.as_str() {
            "lif" => {
                let p: LifParams = with_overrides(LifParams::default(), &config.params)
                    .map_err(|e| NestExportError::Invalid(e.into()))?;
                if p.g_gap != 0.0 && net.has_gaps() {
                    return Err(unsupported(format!(
                        "g_gap = {}: NEST's iaf_psc_exp has no gap junctions (export with g_gap=0)",
                        p.g_gap
                    )));
                }
                if p.stdp.stdp {
                    return Err(unsupported(
                        "stdp=1: our STDP pairs somatic spike times, NEST's stdp_synapse pairs them after the dendritic delay; no exact NEST twin".into(),
                    ));
                }
                Model::Lif(p)
            }
            "izhikevich" => {
                let p: IzhikevichParams = with_overrides(IzhikevichParams::default(), &config.params)
                    .map_err(|e| NestExportError::Invalid(e.into()))?;
                p.validate().map_err(|e| NestExportError::Invalid(e.into()))?;
                if p.tau_syn > 0.0 {
                    return Err(unsupported(format!(
                        "tau_syn = {}: NEST's izhikevich has instantaneous synapses only (export with tau_syn=0)",
                        p.tau_syn
                    )));
                }
                if p.stdp.stdp {
                    return Err(unsupported("stdp=1: our STDP has no exact NEST twin".into()));
                }
                let excitatory = Preset::from_number(p.preset).unwrap_or(Preset::RegularSpiking).abcd();
                let abcd = izhikevich::inhibitory_neurons(connectome, &net)
                    .iter()
                    .map(|&inh| if inh { Preset::FastSpiking.abcd() } else { excitatory })
                    .collect();
                if p.paper_scheme {
                    return Err(unsupported(
                        "paper_scheme=1: NEST's izhikevich without consistent_integration adds arriving spikes inside both half-steps of v, connectoscope after them; no exact NEST twin (export with paper_scheme=0)".into(),
                    ));
                }
                notes.push(
                    "Izhikevich (NEST's izhikevich, consistent_integration): the same forward Euler step, but NEST computes v + (h*(f(v,u) + I + I_e) + spikes) and connectoscope (v + h*(f(v,u) + (I_e + I))) + spikes, so v may differ in the last bit wherever spikes arrive or a stimulus current meets I_e; in a chaotic network the rasters then drift apart (measured in scripts/check_nest_export.result).".into(),
                );
                Model::Izhikevich { params: p, abcd }
            }
            other => {
                return Err(unsupported(format!(
                    "the {other} model has no NEST counterpart (lif → iaf_psc_exp and izhikevich → izhikevich export)"
                )));
            }
        };
        let i_e = match &run.i_e {
            Some(v) if v.len() != n => {
                return Err(NestExportError::Invalid(format!(
                    "{} I_e values for {n} neurons",
                    v.len()
                )));
            }
            Some(v) => v.clone(),
            None => vec![0.0; n],
        };
        let steps = (run.duration_ms / dt).round() as u64;
        let to_steps = |ms: f64| (ms / dt).round().max(0.0) as u64;
        // Resolve every item and check the ablations first: they decide what is left out.
        let items = &run.protocol.items;
        let mut targets = Vec::with_capacity(items.len());
        for (k, item) in items.iter().enumerate() {
            let t = resolve_target(connectome, &item.target)
                .map_err(|e| NestExportError::Invalid(format!("item {}: {e}", k + 1)))?;
            targets.push(t);
        }
        let window = |k: usize| {
            let item = &items[k];
            let start = to_steps(item.start_ms).min(steps);
            let stop = item.stop_ms.map_or(steps, to_steps).min(steps);
            (start, stop.max(start))
        };
        let describe = |k: usize| {
            let item = &items[k];
            let kind = serde_json::to_value(&item.action)
                .ok()
                .and_then(|v| v.get("kind").and_then(|k| k.as_str().map(str::to_owned)))
                .unwrap_or_default();
            let stop = item.stop_ms.map_or("the end".to_owned(), |s| format!("{s} ms"));
            format!(
                "item {} ({kind} {} from {} ms to {stop})",
                k + 1,
                item.target,
                item.start_ms
            )
        };
        // Per neuron: the first step it is ablated at, if any.
        let mut ablated_from: Vec<Option<u64>> = vec![None; n];
        let mut ablation_windows: Vec<Vec<(u64, u64, usize)>> = vec![Vec::new(); n];
        for (k, item) in items.iter().enumerate() {
            if item.action != Action::Ablate {
                continue;
            }
            let (start, stop) = window(k);
            if start >= stop {
                continue;
            }
            for &t in &targets[k] {
                ablation_windows[t as usize].push((start, stop, k));
            }
        }
        for (i, windows) in ablation_windows.iter_mut().enumerate() {
            if windows.is_empty() {
                continue;
            }
            windows.sort_unstable();
            // The union must be one interval reaching the end of the run.
            let mut reach = windows[0].0;
            let first = windows[0].0;
            for &(start, stop, k) in windows.iter() {
                if start > reach {
                    return Err(unsupported(format!(
                        "{}: NEST cannot reset a neuron's synaptic currents, so an ablation must last to the end of the run ({} is ablated twice with a gap)",
                        describe(k),
                        connectome.neurons.name(i)
                    )));
                }
                reach = reach.max(stop);
            }
            if reach < steps {
                let k = windows.iter().max_by_key(|w| w.1).map_or(0, |w| w.2);
                return Err(unsupported(format!(
                    "{}: NEST cannot reset a neuron's synaptic currents, so an ablation must last to the end of the run",
                    describe(k)
                )));
            }
            ablated_from[i] = Some(first);
        }
        let removed: Vec<bool> = ablated_from.iter().map(|a| *a == Some(0)).collect();
        let kept: Vec<(u32, usize)> = (0..net.n)
            .flat_map(|pre| net.out_range(pre).map(move |k| (pre as u32, k)))
            .filter(|&(pre, k)| !removed[pre as usize] && !removed[net.targets[k] as usize])
            .collect();

        // A LIF neuron ablated mid-run gets a threshold out of reach. An Izhikevich one would
        // still fire (its v runs away past any threshold): its output is muted from the step
        // after (the spike of the step before the ablation still goes out, as here) and its
        // spikes from the ablation on are left out of the CSV.
        let izhikevich = matches!(model, Model::Izhikevich { .. });
        let mut changes: BTreeMap<u64, Change> = BTreeMap::new();
        let mut dropped_from: Vec<(u32, u64)> = Vec::new();
        for (i, from) in ablated_from.iter().enumerate() {
            match from.filter(|&s| s > 0) {
                Some(s) if izhikevich => {
                    dropped_from.push((i as u32, s));
                    if s + 1 < steps {
                        changes.entry(s + 1).or_default().mute.push(i as u32);
                    }
                }
                Some(s) => changes.entry(s).or_default().ablate.push(i as u32),
                None => {}
            }
        }
        let muted_for_good = |i: usize, b: u64| izhikevich && ablated_from[i].is_some_and(|s| s > 0 && s < b);
        // Silencing: the muted set at each step where it may change.
        let silences: Vec<usize> = (0..items.len())
            .filter(|&k| items[k].action == Action::Silence)
            .collect();
        let mut boundaries: Vec<u64> = silences
            .iter()
            .flat_map(|&k| {
                let (a, b) = window(k);
                [a, b]
            })
            .filter(|&s| s < steps)
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        let mut muted = vec![false; n];
        for &b in &boundaries {
            let mut now = vec![false; n];
            for &k in &silences {
                let (start, stop) = window(k);
                if start <= b && b < stop {
                    for &t in &targets[k] {
                        now[t as usize] = true;
                    }
                }
            }
            let change = changes.entry(b).or_default();
            for i in 0..n {
                if now[i] != muted[i] && !removed[i] && !muted_for_good(i, b) {
                    if now[i] { &mut change.mute } else { &mut change.unmute }.push(i as u32);
                }
            }
            muted = now;
        }
        changes.retain(|_, c| !(c.mute.is_empty() && c.unmute.is_empty() && c.ablate.is_empty()));

        // The realised random inputs, as the simulation draws them.
        let mut noise: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        let mut poisson: BTreeMap<usize, Vec<(u64, u32, f64)>> = BTreeMap::new();
        crate::sim::realised_draws(
            connectome,
            &run.protocol,
            config.seed,
            dt,
            steps,
            |step, k, t, v| match items[k].action {
                Action::Noise { .. } => noise.entry(k).or_default().push(v),
                _ => {
                    if !removed[t as usize] {
                        poisson.entry(k).or_default().push((step, t, v));
                    }
                }
            },
        )
        .map_err(|e| NestExportError::Invalid(e.into()))?;

        let mut devices = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let (start, stop) = window(k);
            let all = &targets[k];
            let live: Vec<u32> = all.iter().copied().filter(|&t| !removed[t as usize]).collect();
            if start >= stop || live.is_empty() {
                continue;
            }
            let open_end = (stop >= steps).then_some(());
            let device = match item.action {
                Action::Dc { amplitude } => Device::Dc {
                    amplitude,
                    targets: live,
                    start,
                    stop: open_end.map_or(Some(stop), |()| None),
                },
                Action::Pulses {
                    amplitude,
                    width_ms,
                    frequency_hz,
                } => {
                    // As the simulation: on while (step - start) % period < width.
                    let period = to_steps(1000.0 / frequency_hz).max(1);
                    let width = to_steps(width_ms).max(1);
                    let mut changes = Vec::new();
                    let mut on = start;
                    while on < stop {
                        let off = (on + width).min(stop);
                        if changes.last().is_some_and(|c: &(u64, f64)| c.0 == on) {
                            changes.pop();
                        } else {
                            changes.push((on, amplitude));
                        }
                        if off < steps {
                            changes.push((off, 0.0));
                        }
                        on += period;
                    }
                    Device::Steps { targets: live, changes }
                }
                Action::Noise { .. } => {
                    let values = noise.remove(&k).unwrap_or_default();
                    let width = all.len();
                    // Keep the columns of live targets only.
                    let keep: Vec<usize> = (0..width).filter(|&j| !removed[all[j] as usize]).collect();
                    let values = if keep.len() == width {
                        values
                    } else {
                        values
                            .chunks_exact(width)
                            .flat_map(|row| keep.iter().map(move |&j| row[j]))
                            .collect()
                    };
                    Device::Noise {
                        targets: live,
                        start,
                        stop,
                        values,
                    }
                }
                Action::Poisson { .. } => Device::Poisson {
                    events: poisson.remove(&k).unwrap_or_default(),
                },
                Action::Silence | Action::Ablate => continue,
            };
            devices.push((k, describe(k), device));
        }
        Ok(Plan {
            model,
            net,
            dt,
            steps,
            i_e,
            removed,
            kept,
            devices,
            changes,
            notes,
            threads: config.threads.max(1),
            dropped_from,
        })
    }

    fn summary(&self) -> ExportSummary {
        let devices = self
            .devices
            .iter()
            .map(|(_, _, d)| match d {
                Device::Dc { .. } | Device::Steps { .. } => 1,
                Device::Noise { targets, .. } => targets.len(),
                Device::Poisson { events } => {
                    let mut neurons: Vec<u32> = events.iter().map(|e| e.1).collect();
                    neurons.sort_unstable();
                    neurons.dedup();
                    neurons.len()
                }
            })
            .sum();
        ExportSummary {
            neurons: self.net.n,
            connections: self.kept.len(),
            devices,
            changes: self.changes.len(),
        }
    }

    fn write_files(&self, dir: &Path, connectome: &Connectome) -> io::Result<()> {
        let net = &self.net;
        let kept = &self.kept;
        let pre: Vec<u32> = kept.iter().map(|c| c.0).collect();
        let post: Vec<u32> = kept.iter().map(|c| net.targets[c.1]).collect();
        let weight: Vec<f64> = kept.iter().map(|c| net.weights[c.1]).collect();
        let delay: Vec<f64> = kept.iter().map(|c| net.delays[c.1] as f64 * self.dt).collect();
        npy_file(dir, "pre.npy", &pre)?;
        npy_file(dir, "post.npy", &post)?;
        npy_file(dir, "weight.npy", &weight)?;
        npy_file(dir, "delay.npy", &delay)?;
        let i_e: Vec<f64> = (0..net.n)
            .map(|i| if self.removed[i] { 0.0 } else { self.i_e[i] })
            .collect();
        npy_file(dir, "I_e.npy", &i_e)?;
        if let Model::Izhikevich { abcd, .. } = &self.model {
            for (c, name) in ["a", "b", "c", "d"].iter().enumerate() {
                let column: Vec<f64> = abcd.iter().map(|x| x[c]).collect();
                npy_file(dir, &format!("{name}.npy"), &column)?;
            }
        }
        let names = serde_json::to_vec(connectome.neurons.names()).map_err(io::Error::other)?;
        fs::write(dir.join("neurons.json"), names)?;
        for (k, _, device) in &self.devices {
            match device {
                Device::Dc { targets, .. } | Device::Steps { targets, .. } => {
                    npy_file(dir, &format!("item{}_targets.npy", k + 1), targets)?
                }
                Device::Noise { targets, values, .. } => {
                    npy_file(dir, &format!("item{}_targets.npy", k + 1), targets)?;
                    npy_file(dir, &format!("item{}_noise.npy", k + 1), values)?;
                }
                Device::Poisson { events } => {
                    let column = |f: fn(&(u64, u32, f64)) -> f64| events.iter().map(f).collect::<Vec<f64>>();
                    let neurons: Vec<u32> = events.iter().map(|e| e.1).collect();
                    let steps: Vec<u64> = events.iter().map(|e| e.0).collect();
                    npy_file(dir, &format!("item{}_neuron.npy", k + 1), &neurons)?;
                    npy_file(dir, &format!("item{}_step.npy", k + 1), &steps)?;
                    npy_file(dir, &format!("item{}_weight.npy", k + 1), &column(|e| e.2))?;
                }
            }
        }
        fs::write(dir.join("run.py"), self.script(connectome))?;
        fs::write(dir.join("README.md"), self.readme())?;
        Ok(())
    }

    fn script(&self, connectome: &Connectome) -> String {
        let mut s = String::new();
        let (nest_model, what) = match &self.model {
            Model::Lif(_) => ("iaf_psc_exp", "leaky integrate-and-fire (iaf_psc_exp)"),
            Model::Izhikevich { .. } => ("izhikevich", "Izhikevich (izhikevich)"),
        };
        let _ = writeln!(s, "#!/usr/bin/env python3");
        let _ = writeln!(
            s,
            "\"\"\"A connectoscope simulation exported for NEST (3.5 or later; checked with 3.10)."
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{} neurons, {} connections, {what}, {} ms in steps of {} ms.",
            self.net.n,
            self.kept.len(),
            self.steps as f64 * self.dt,
            self.dt
        );
        let _ = writeln!(
            s,
            "It writes the spikes as `connectoscope simulate --spikes` does (`neuron,time_ms`, sorted by\ntime then neuron) and gives the same spikes: random inputs are connectoscope's own draws."
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "    python run.py [--threads N] [--spikes FILE]    (mpirun -np 64 python run.py: NEST with MPI)"
        );
        if !self.notes.is_empty() {
            let _ = writeln!(s, "\nDifferences from connectoscope:");
            for note in &self.notes {
                let _ = writeln!(s, "- {note}");
            }
        }
        let _ = writeln!(s, "\"\"\"");
        s.push_str(SCRIPT_BODY.split("# ---- settings ----").next().unwrap_or(""));
        let _ = writeln!(s, "# ---- settings (written by connectoscope) ----");
        let _ = writeln!(s, "MODEL = {nest_model:?}");
        let _ = writeln!(s, "DT = {:?}  # ms, NEST's resolution", self.dt);
        let _ = writeln!(s, "STEPS = {}  # steps of DT to simulate", self.steps);
        let _ = writeln!(s, "THREADS = {}  # default of --threads", self.threads);
        let _ = writeln!(
            s,
            "PREFIX = {PREFIX_STEPS}  # steps NEST runs first, at rest, so that inputs for step 0 can arrive"
        );
        let max_delay = self.kept.iter().map(|c| self.net.delays[c.1]).max().unwrap_or(1);
        let _ = writeln!(s, "MAX_DELAY = {:?}  # ms", max_delay as f64 * self.dt);
        match &self.model {
            Model::Lif(p) => {
                let _ = writeln!(s, "# Units: mV, ms, pF, pA. Weights in pA, delays in ms.");
                let _ = writeln!(s, "NEURON = {{");
                for (k, v) in [
                    ("E_L", p.e_l),
                    ("V_m", p.e_l),
                    ("V_reset", p.v_reset),
                    ("V_th", p.v_th),
                    ("C_m", p.c_m),
                    ("tau_m", p.tau_m),
                    ("t_ref", p.t_ref),
                    ("tau_syn_ex", p.tau_syn_ex),
                    ("tau_syn_in", p.tau_syn_in),
                ] {
                    let _ = writeln!(s, "    {k:?}: {v:?},");
                }
                let _ = writeln!(s, "}}");
                let _ = writeln!(s, "PER_NEURON = []  # parameters loaded from <name>.npy");
                let _ = writeln!(s, "INITIAL = {{\"V_m\": {:?}}}  # state after the prefix", p.e_l);
            }
            Model::Izhikevich { params, .. } => {
                let _ = writeln!(s, "# Units: mV, ms; currents in mV/ms; weights in mV (jumps of V_m).");
                let _ = writeln!(
                    s,
                    "NEURON = {{\"V_th\": {:?}, \"V_m\": {:?}, \"consistent_integration\": {}}}",
                    params.v_peak,
                    params.v_init,
                    if params.paper_scheme { "False" } else { "True" }
                );
                let _ = writeln!(s, "PER_NEURON = [\"a\", \"b\", \"c\", \"d\"]  # loaded from <name>.npy");
                let _ = writeln!(s, "INITIAL = {{\"V_m\": {:?}, \"U_m\": \"b * V_m\"}}", params.v_init);
            }
        }
        let removed: Vec<u32> = (0..self.net.n as u32).filter(|&i| self.removed[i as usize]).collect();
        let _ = writeln!(
            s,
            "# Ablated from the start: no connections, no input, threshold out of reach."
        );
        let _ = writeln!(s, "REMOVED = {}", py_list(&removed));
        let drops: Vec<String> = self.dropped_from.iter().map(|(i, s)| format!("{i}: {s}")).collect();
        let _ = writeln!(
            s,
            "# Ablated mid-run (Izhikevich): output muted, spikes from this step on left out."
        );
        let _ = writeln!(s, "SPIKES_DROPPED_FROM = {{{}}}", drops.join(", "));
        let _ = writeln!(
            s,
            "# Protocol items as devices, in the protocol's order (the order NEST sums currents in)."
        );
        let _ = writeln!(
            s,
            "# Steps are connectoscope's: step s covers [s*DT, (s+1)*DT); targets in item<k>_targets.npy."
        );
        let _ = writeln!(s, "DEVICES = [");
        for (k, what, device) in &self.devices {
            let _ = writeln!(s, "    # {what}");
            let k = k + 1;
            let line = match device {
                Device::Dc {
                    amplitude, start, stop, ..
                } => format!(
                    "{{\"item\": {k}, \"kind\": \"dc\", \"amplitude\": {amplitude:?}, \"start\": {start}, \"stop\": {}}}",
                    stop.map_or("None".to_owned(), |s| s.to_string())
                ),
                Device::Steps { changes, .. } => {
                    let steps: Vec<u64> = changes.iter().map(|c| c.0).collect();
                    let values: Vec<String> = changes.iter().map(|c| format!("{:?}", c.1)).collect();
                    format!(
                        "{{\"item\": {k}, \"kind\": \"steps\", \"steps\": {}, \"values\": [{}]}}",
                        py_list(&steps),
                        values.join(", ")
                    )
                }
                Device::Noise { start, stop, .. } => format!(
                    "{{\"item\": {k}, \"kind\": \"noise\", \"start\": {start}, \"stop\": {stop}}},  # values in item{k}_noise.npy, one row per step"
                ),
                Device::Poisson { .. } => format!(
                    "{{\"item\": {k}, \"kind\": \"poisson\"}},  # events in item{k}_step.npy, _neuron.npy, _weight.npy"
                ),
            };
            let line = if line.contains('#') { line } else { format!("{line},") };
            let _ = writeln!(s, "    {line}");
        }
        let _ = writeln!(s, "]");
        let _ = writeln!(
            s,
            "# Changes between Simulate calls, at the start of a step: (step, what, neurons)."
        );
        let _ = writeln!(s, "CHANGES = [");
        for (step, c) in &self.changes {
            for (what, list) in [("mute", &c.mute), ("unmute", &c.unmute), ("ablate", &c.ablate)] {
                if !list.is_empty() {
                    let _ = writeln!(s, "    ({step}, {what:?}, {}),", py_list(list));
                }
            }
        }
        let _ = writeln!(s, "]");
        let _ = connectome;
        s.push_str(SCRIPT_BODY.split("# ---- settings ----").nth(1).unwrap_or(""));
        s
    }

    fn readme(&self) -> String {
        format!(
            "# A connectoscope simulation for NEST\n\n\
             `run.py` builds the network ({} neurons, {} connections) in NEST and simulates {} ms; it\n\
             writes the spikes in connectoscope's CSV format (`neuron,time_ms`) to `spikes.csv` beside it,\n\
             the same spikes as `connectoscope simulate` with the same settings and seed.\n\n\
             Needs Python 3 with NumPy and NEST 3.5 or later (`pip install nest-simulator` gives 3.10).\n\n\
             ```sh\n\
             python run.py                      # one thread\n\
             python run.py --threads 8          # 8 threads\n\
             python run.py --spikes out.csv     # another output file\n\
             mpirun -np 64 python run.py        # 64 MPI processes: gathered into one file\n\
             ```\n\n\
             `mpirun` needs NEST built with MPI (and mpi4py): the PyPI wheel (`pip install\n\
             nest-simulator`) has no MPI, so build NEST from source with `-Dwith-mpi=ON` on the cluster.\n\
             Threads and processes do not change the spikes.\n\n\
             Files: `pre.npy`, `post.npy` (0-based neuron indices), `weight.npy` (pA for LIF, mV for\n\
             Izhikevich), `delay.npy` (ms), `I_e.npy`, `neurons.json` (names), and per protocol item\n\
             `item<k>_*.npy` (targets, and the realised noise values or Poisson events).\n",
            self.net.n,
            self.kept.len(),
            self.steps as f64 * self.dt,
        )
    }
}

fn py_list<T: std::fmt::Display>(values: &[T]) -> String {
    let items: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}

fn npy_file<T: npy::Element>(dir: &Path, name: &str, data: &[T]) -> io::Result<()> {
    let mut out = BufWriter::new(fs::File::create(dir.join(name))?);
    npy::write(data, &mut out)?;
    out.flush()
}
