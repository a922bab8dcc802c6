//! `connectoscope simulate`: run a model on a connectome headless and write spikes, traces and
//! a JSON summary. The formats are a contract that other tools check us against.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::{Rng, SeedableRng};

use super::LoadArgs;
use crate::io;
use crate::model::Connectome;
use crate::sim::models::{self, ModelConfig};
use crate::sim::protocol::{self, Action, Item, Protocol};
use crate::sim::{RecordingSpec, Simulation};

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// A file, folder or bundled dataset name.
    pub input: String,
    #[command(flatten)]
    pub load: LoadArgs,
    /// The model: lif, izhikevich, kuramoto, chialvo, rulkov or graded (default: the
    /// protocol file's, else lif).
    #[arg(long)]
    pub model: Option<String>,
    /// Biological time to simulate (ms).
    #[arg(long, default_value_t = 1000.0)]
    pub duration: f64,
    /// Time step (ms) [default: the protocol file's, else 0.1].
    #[arg(long)]
    pub dt: Option<f64>,
    /// Synaptic weight per unit of connection weight, multiplied by the connection's sign
    /// (default: 20 pA per synapse for lif, 0.5 mV for izhikevich, 20 for the others).
    #[arg(long = "J")]
    pub j: Option<f64>,
    /// Delay of connections without their own (ms) [default: the protocol file's, else 1.5].
    #[arg(long)]
    pub delay: Option<f64>,
    /// Constant input per neuron from a CSV `neuron,I_e_pA` (unlisted neurons get 0).
    #[arg(long, value_name = "FILE.csv", conflicts_with = "ie_range")]
    pub ie: Option<PathBuf>,
    /// Constant input per neuron drawn uniformly from A:B (seeded).
    #[arg(long, value_name = "A:B")]
    pub ie_range: Option<String>,
    /// A stimulus `KIND TARGET key=value ...`, e.g. "dc AVB* amplitude=300 start=100 stop=500".
    #[arg(long = "stim", value_name = "SPEC")]
    pub stims: Vec<String>,
    /// Mute the output of these neurons (name, pattern such as AVB*, class:AVA, ...).
    #[arg(long, value_name = "TARGET")]
    pub silence: Vec<String>,
    /// Remove these neurons from the network.
    #[arg(long, value_name = "TARGET")]
    pub ablate: Vec<String>,
    /// A protocol file (JSON) as saved by the app; --stim/--silence/--ablate add to it.
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<PathBuf>,
    /// Model parameter override `name=value` (e.g. tau_m=20, g_gap=0.5).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Seed of every random stream [default: the protocol file's, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write spikes as CSV `neuron,time_ms`.
    #[arg(long, value_name = "FILE")]
    pub spikes: Option<PathBuf>,
    /// Write traces as CSV `time_ms,NEURON:VAR,...` of the neurons chosen with --trace.
    #[arg(long, value_name = "FILE")]
    pub traces: Option<PathBuf>,
    /// Neurons to trace (target syntax as for --silence); default: the first 10.
    #[arg(long = "trace", value_name = "TARGET")]
    pub trace_targets: Vec<String>,
    /// Variable to trace (default: the model's first, e.g. V_m).
    #[arg(long, value_name = "NAME")]
    pub trace_var: Option<String>,
    /// What undirected connections of unknown kind (an undirected graph's edges) become:
    /// `synapses` (a synapse each way, the default), `gap` (gap junctions) or `none`.
    #[arg(long, value_name = "AS", default_value = "synapses")]
    pub undirected: String,
    /// Worker threads for the engine.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Print one JSON object with the run's figures.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &SimulateArgs) -> Result<String, String> {
    if !(args.duration >= 0.0 && args.duration.is_finite()) {
        return Err("--duration must be a non-negative number of ms".into());
    }
    let t0 = Instant::now();
    let Run {
        connectome,
        protocol,
        config,
        bias,
    } = prepare(args)?;
    let (mut engine, net) = models::build(&connectome, &config)?;
    if let Some(bias) = &bias {
        engine.set_bias(bias)?;
    }
    let mut recording = RecordingSpec {
        spikes: args.spikes.is_some(),
        rate_bin_ms: 0.0,
        ..Default::default()
    };
    if args.traces.is_some() {
        let var = match &args.trace_var {
            Some(name) => engine.variables().iter().position(|v| v == name).ok_or_else(|| {
                format!(
                    "--trace-var {name}: the {} model has {:?}",
                    engine.name(),
                    engine.variables()
                )
            })?,
            None => 0,
        };
        let neurons: Vec<u32> = if args.trace_targets.is_empty() {
            (0..connectome.neurons.len().min(10) as u32).collect()
        } else {
            let mut all = Vec::new();
            for t in &args.trace_targets {
                all.extend(protocol::resolve_target(&connectome, t).map_err(|e| format!("--trace {t}: {e}"))?);
            }
            all.sort_unstable();
            all.dedup();
            all
        };
        recording.traces = neurons.into_iter().map(|n| (n, var)).collect();
        recording.trace_every = 1;
    }
    let model_name = engine.name();
    let variables = engine.variables();
    let mut sim = Simulation::new(engine, &connectome, &protocol, config.seed, recording)?;
    let build_s = t0.elapsed().as_secs_f64();
    let steps = (args.duration / config.dt_ms).round() as u64;
    let t1 = Instant::now();
    sim.run(steps, None);
    let sim_s = t1.elapsed().as_secs_f64();

    let names = connectome.neurons.names();
    if let Some(path) = &args.spikes {
        write(path, |w| sim.recorder.write_spikes_csv(names, w))?;
    }
    if let Some(path) = &args.traces {
        write(path, |w| sim.recorder.write_traces_csv(names, variables, w))?;
    }
    let n = connectome.neurons.len();
    let spikes = sim.recorder.total_spikes;
    let seconds = args.duration / 1000.0;
    let mean_rate_hz = if n == 0 || seconds == 0.0 {
        0.0
    } else {
        spikes as f64 / n as f64 / seconds
    };
    if args.json {
        let v = serde_json::json!({
            "model": model_name,
            "neurons": n,
            "synapses": net.synapses(),
            "steps": steps,
            "duration_ms": args.duration,
            "dt_ms": config.dt_ms,
            "spikes": spikes,
            "mean_rate_hz": mean_rate_hz,
            "build_s": build_s,
            "sim_s": sim_s,
            "threads": config.threads,
        });
        Ok(format!("{v}\n"))
    } else {
        Ok(format!(
            "{model_name}: {n} neurons, {} synapses, {steps} steps of {} ms: {spikes} spikes ({mean_rate_hz:.2} Hz per neuron); build {build_s:.3} s, simulation {sim_s:.3} s\n",
            net.synapses(),
            config.dt_ms
        ))
    }
}

/// What the flags define: the network, the protocol, the model settings and the constant input.
pub(crate) struct Run {
    pub connectome: Connectome,
    pub protocol: Protocol,
    pub config: ModelConfig,
    pub bias: Option<Vec<f64>>,
}

/// Loads the input and reads the flags into a [`Run`] (shared with `export-nest`).
pub(crate) fn prepare(args: &SimulateArgs) -> Result<Run, String> {
    let connectome = io::load(&args.input, &args.load.options()).map_err(|e| e.to_string())?;
    let protocol = build_protocol(args)?;
    let config = model_config(args, protocol.simulation.as_ref())?;
    let bias = constant_input(args, config.seed, &connectome)?;
    Ok(Run {
        connectome,
        protocol,
        config,
        bias,
    })
}

fn write(path: &Path, f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<(), String> {
    io::write_atomically(path, f).map_err(|e| e.to_string())
}

/// The model settings: flags first, then the protocol file's `simulation` (its parameters and
/// weight scale only if it is for the same model), then the model's defaults.
fn model_config(args: &SimulateArgs, saved: Option<&ModelConfig>) -> Result<ModelConfig, String> {
    let model = args
        .model
        .clone()
        .or_else(|| saved.map(|s| s.model.clone()))
        .unwrap_or_else(|| "lif".into());
    let same_model = saved.filter(|s| s.model == model);
    let mut params = same_model.map(|s| s.params.clone()).unwrap_or_default();
    for spec in &args.params {
        let (name, value) = parse_param(spec)?;
        params.insert(name, value);
    }
    let defaults = ModelConfig::for_model(&model);
    Ok(ModelConfig {
        dt_ms: args.dt.or(saved.map(|s| s.dt_ms)).unwrap_or(defaults.dt_ms),
        weight_scale: args
            .j
            .or(same_model.map(|s| s.weight_scale))
            .unwrap_or(defaults.weight_scale),
        delay_ms: args.delay.or(saved.map(|s| s.delay_ms)).unwrap_or(defaults.delay_ms),
        seed: args.seed.or(saved.map(|s| s.seed)).unwrap_or(defaults.seed),
        threads: args.threads.max(1),
        params,
        model,
        undirected: crate::sim::UndirectedAs::parse(&args.undirected).ok_or_else(|| {
            format!(
                "--undirected {}: expected one of {}",
                args.undirected,
                crate::sim::UndirectedAs::NAMES.join(", ")
            )
        })?,
    })
}

fn parse_param(spec: &str) -> Result<(String, f64), String> {
    let (name, value) = spec
        .split_once('=')
        .ok_or_else(|| format!("--param {spec}: use NAME=VALUE"))?;
    let v = value
        .parse()
        .map_err(|_| format!("--param {spec}: '{value}' is not a number"))?;
    Ok((name.trim().to_owned(), v))
}

/// The protocol from --protocol plus --stim, --silence and --ablate.
fn build_protocol(args: &SimulateArgs) -> Result<Protocol, String> {
    let mut protocol = match &args.protocol {
        Some(path) => super::read_protocol(path)?,
        None => Protocol::default(),
    };
    for spec in &args.stims {
        protocol
            .items
            .push(protocol::parse_stimulus(spec).map_err(|e| format!("--stim: {e}"))?);
    }
    for (targets, action) in [(&args.silence, Action::Silence), (&args.ablate, Action::Ablate)] {
        for target in targets {
            protocol.items.push(Item {
                action: action.clone(),
                target: target.clone(),
                start_ms: 0.0,
                stop_ms: None,
            });
        }
    }
    Ok(protocol)
}

/// The constant input per neuron from --ie or --ie-range, if either is given.
fn constant_input(args: &SimulateArgs, seed: u64, connectome: &Connectome) -> Result<Option<Vec<f64>>, String> {
    let n = connectome.neurons.len();
    if let Some(path) = &args.ie {
        return read_ie(path, connectome).map(Some);
    }
    let Some(range) = &args.ie_range else { return Ok(None) };
    let bad = || format!("--ie-range {range}: use A:B with numbers A <= B");
    let (a, b) = range.split_once(':').ok_or_else(bad)?;
    let (a, b): (f64, f64) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    if !(a <= b && a.is_finite() && b.is_finite()) {
        return Err(bad());
    }
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x1E_5EED);
    Ok(Some((0..n).map(|_| a + (b - a) * rng.random::<f64>()).collect()))
}

/// Reads `neuron,I_e_pA`: a name not in the connectome is an error naming the line.
fn read_ie(path: &Path, connectome: &Connectome) -> Result<Vec<f64>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    if headers.len() != 2 || &headers[0] != "neuron" || &headers[1] != "I_e_pA" {
        return Err(format!("{}:1: the header must be `neuron,I_e_pA`", path.display()));
    }
    let mut ie = vec![0.0; connectome.neurons.len()];
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let at = |msg: String| format!("{}:{line}: {msg}", path.display());
        let i = connectome
            .neurons
            .find(record[0].trim())
            .ok_or_else(|| at(format!("no neuron named '{}'", &record[0])))?;
        let v: f64 = record[1]
            .trim()
            .parse()
            .map_err(|_| at(format!("'{}' is not a number", &record[1])))?;
        if !v.is_finite() {
            return Err(at(format!("'{}' is not finite", &record[1])));
        }
        ie[i] = v;
    }
    Ok(ie)
}
