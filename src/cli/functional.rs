//! `connectoscope functional`: the dynamic functional connectome of activity traces — pairwise
//! affinities in sliding windows, their non-negative tensor factorisation, and per component
//! an affinity graph with its SBM communities, a time curve and per-recording loadings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::functional::activity::{self, ActivityOptions};
use crate::analysis::functional::ntf::NtfOptions;
use crate::analysis::functional::recorded::recorded_traces;
use crate::analysis::functional::{
    AffinityKind, DynamicConnectome, DynamicOptions, GRAPH_FLOOR, Traces, affinity, dynamic_connectome,
};
use crate::io;

#[derive(Debug, clap::Args)]
pub struct FunctionalArgs {
    /// Recordings: traces CSV (wide: time_s or time_ms, one column per neuron; or long:
    /// neuron,time_s,value), WormWideWeb JSON or NWB. Several files are several recordings
    /// (animals): the labelled neurons they all share are analysed. NaN values are masked
    /// pair by pair.
    #[arg(required_unless_present = "simulate", conflicts_with = "simulate")]
    pub traces: Vec<PathBuf>,
    /// Instead of traces: simulate this connectome (file, folder or bundled dataset) with
    /// --protocol and analyse every neuron's activity (calcium-like for spiking models), as
    /// the app's one click does.
    #[arg(long, value_name = "DATASET", requires = "protocol")]
    pub simulate: Option<String>,
    /// The protocol (stimuli and model settings) of the simulated run.
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<PathBuf>,
    /// How long to simulate (e.g. 4s, 4000ms).
    #[arg(long, default_value = "4s", value_parser = super::parse_duration_ms)]
    pub duration: f64,
    /// Sampling interval of the simulated activity (ms).
    #[arg(long, default_value_t = 10.0)]
    pub sample_ms: f64,
    /// Analyse every neuron of the simulated run, not only the active ones (those that
    /// spiked, or whose trace changes): silent neurons add only noise.
    #[arg(long)]
    pub all_neurons: bool,
    /// Also write the simulated activity as a traces CSV (time_s, one column per neuron).
    #[arg(long, value_name = "FILE.csv")]
    pub traces_out: Option<PathBuf>,
    /// Window length (s).
    #[arg(long)]
    pub window: f64,
    /// Step between windows (s).
    #[arg(long)]
    pub step: f64,
    /// Number of components.
    #[arg(long, default_value_t = 10)]
    pub rank: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Random starts of the factorisation (the best is kept).
    #[arg(long, default_value_t = 3)]
    pub restarts: usize,
    /// differential (Dyballa et al. 2024: smoothed derivatives compared where both keep their
    /// sign) or pearson.
    #[arg(long, default_value = "differential")]
    pub affinity: String,
    /// Half-width in samples of the smoothed derivative (differential affinity).
    #[arg(long, default_value_t = 2)]
    pub smooth: usize,
    /// Output folder: components.csv, time_curves.csv, recordings.csv, communities.csv,
    /// affinity_C.csv per component, summary.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Factorise the affinities as they are, without subtracting each pair's median over
    /// windows (by default the baseline is removed, so components show what changes).
    #[arg(long)]
    pub keep_baseline: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &FunctionalArgs) -> Result<String, String> {
    if !(args.window > 0.0 && args.step > 0.0 && args.window.is_finite() && args.step.is_finite()) {
        return Err("--window and --step must be positive numbers of seconds".into());
    }
    if args.rank == 0 {
        return Err("--rank must be at least 1".into());
    }
    let affinity = match args.affinity.as_str() {
        "differential" => AffinityKind::Differential {
            smooth: args.smooth.max(1),
        },
        "pearson" => AffinityKind::Pearson,
        other => return Err(format!("--affinity {other}: expected differential or pearson")),
    };
    let recordings = match &args.simulate {
        Some(dataset) => vec![simulated(dataset, args)?],
        None => recorded(&args.traces)?,
    };
    let t0 = Instant::now();
    let opts = DynamicOptions {
        remove_baseline: !args.keep_baseline,
        window_s: args.window,
        step_s: args.step,
        affinity,
        ntf: NtfOptions {
            rank: args.rank,
            seed: args.seed,
            restarts: args.restarts.max(1),
            ..Default::default()
        },
    };
    let dc = dynamic_connectome(&recordings, &opts)?;
    let time_s = t0.elapsed().as_secs_f64();
    write_outputs(&dc, &args.out)?;
    let summary = serde_json::json!({
        "neurons": dc.names.len(),
        "pairs": dc.shape[0],
        "windows": dc.shape[1],
        "recordings": dc.shape[2],
        "rank": dc.components.len(),
        "rel_error": dc.rel_error,
        "affinity": args.affinity,
        "time_s": time_s,
        "components": dc.components.iter().map(|c| serde_json::json!({
            "weight": c.weight,
            "communities": c.groups(),
            "modularity": c.modularity,
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&summary).expect("JSON");
    write(&args.out.join("summary.json"), |w| writeln!(w, "{text}"))?;
    Ok(if args.json {
        format!("{summary}\n")
    } else {
        format!(
            "{} neurons, {} windows, {} recordings: {} components, relative error {:.4}, {:.2} s; wrote {}\n",
            dc.names.len(),
            dc.shape[1],
            dc.shape[2],
            dc.components.len(),
            dc.rel_error,
            time_s,
            args.out.display()
        )
    })
}

/// Recordings as traces: labels in the default connectome's spelling; several files give
/// the labelled neurons they all share (see [`recorded_traces`]).
fn recorded(paths: &[PathBuf]) -> Result<Vec<Traces>, String> {
    let worm = io::load(io::datasets::DEFAULT, &Default::default()).map_err(|e| e.to_string())?;
    let recordings = paths
        .iter()
        .map(|p| io::read_recording(p).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let traces = recorded_traces(&recordings, &worm).map_err(|e| e.to_string())?;
    if traces.len() > 1 {
        eprintln!(
            "{} recordings: analysing the {} labelled neurons they all have",
            traces.len(),
            traces[0].names.len()
        );
    }
    Ok(traces)
}

/// The activity of a simulated run, written to --traces-out when asked.
fn simulated(dataset: &str, args: &FunctionalArgs) -> Result<Traces, String> {
    let connectome = io::load(dataset, &Default::default()).map_err(|e| e.to_string())?;
    let protocol = match &args.protocol {
        Some(p) => super::read_protocol(p)?,
        None => Default::default(),
    };
    let opts = ActivityOptions {
        duration_ms: args.duration,
        sample_ms: args.sample_ms,
        active_only: !args.all_neurons,
        ..Default::default()
    };
    let traces = activity::simulate_traces(&connectome, &protocol, &opts, None, &|_| {})?;
    if let Some(path) = &args.traces_out {
        write(path, |w| {
            write!(w, "time_s")?;
            for name in &traces.names {
                write!(w, ",{name}")?;
            }
            writeln!(w)?;
            for (k, t) in traces.time_s.iter().enumerate() {
                write!(w, "{t}")?;
                for v in &traces.values {
                    write!(w, ",{}", v[k])?;
                }
                writeln!(w)?;
            }
            Ok(())
        })?;
    }
    Ok(traces)
}

fn write(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), String> {
    io::write_atomically(path, f).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_outputs(dc: &DynamicConnectome, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let header = |w: &mut dyn Write, first: &str| -> std::io::Result<()> {
        write!(w, "{first}")?;
        for c in 1..=dc.components.len() {
            write!(w, ",c{c}")?;
        }
        writeln!(w)
    };
    write(&dir.join("components.csv"), |w| {
        writeln!(w, "component,weight,communities,modularity")?;
        for (c, comp) in dc.components.iter().enumerate() {
            writeln!(w, "c{},{},{},{}", c + 1, comp.weight, comp.groups(), comp.modularity)?;
        }
        Ok(())
    })?;
    write(&dir.join("time_curves.csv"), |w| {
        header(w, "window,start_s")?;
        for (k, start) in dc.window_start_s.iter().enumerate() {
            write!(w, "{k},{start}")?;
            for comp in &dc.components {
                write!(w, ",{}", comp.time_curve[k])?;
            }
            writeln!(w)?;
        }
        Ok(())
    })?;
    write(&dir.join("recordings.csv"), |w| {
        header(w, "recording")?;
        for m in 0..dc.shape[2] {
            write!(w, "{}", m + 1)?;
            for comp in &dc.components {
                write!(w, ",{}", comp.recordings[m])?;
            }
            writeln!(w)?;
        }
        Ok(())
    })?;
    write(&dir.join("communities.csv"), |w| {
        header(w, "neuron")?;
        for (i, name) in dc.names.iter().enumerate() {
            write!(w, "{name}")?;
            for comp in &dc.components {
                write!(w, ",{}", comp.communities[i])?;
            }
            writeln!(w)?;
        }
        Ok(())
    })?;
    let n = dc.names.len();
    for (c, comp) in dc.components.iter().enumerate() {
        let top = comp.pairs.iter().copied().fold(0.0, f64::max);
        write(&dir.join(format!("affinity_c{}.csv", c + 1)), |w| {
            writeln!(w, "neuron_a,neuron_b,weight")?;
            for (p, &v) in comp.pairs.iter().enumerate() {
                if v > GRAPH_FLOOR * top {
                    let (i, j) = affinity::pair_of(n, p);
                    writeln!(w, "{},{},{v}", dc.names[i], dc.names[j])?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}
