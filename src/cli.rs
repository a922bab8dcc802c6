//! The command line: subcommands over the core. With no subcommand the desktop viewer opens
//! (`connectoscope [FILE] [--screenshot out.png] [--bench-frames N] [--layout KIND] [--size WxH]`).

mod communities;
mod export_nest;
mod functional;
mod recording;
#[cfg(feature = "app")]
mod render;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::layout::LayoutKind;
use crate::io::{self, LoadOptions, datasets};
use crate::model::{Connectome, Sign, SignRule, Summary};

#[derive(Debug, Parser)]
#[command(
    name = "connectoscope",
    version,
    about = "Connectomes in 3D, with live dynamics, communities and capture"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub view: ViewArgs,
}

/// With no subcommand: open the viewer.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// What to open (default: the bundled C. elegans connectome): a file, a folder, a bundled
    /// dataset name, or `synthetic:NEURONS:EDGES[:SEED]` (a random graph for benchmarks).
    #[arg(value_name = "FILE")]
    pub input: Option<String>,
    /// Render the window once the graph is laid out, save it as PNG and exit.
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<PathBuf>,
    /// Render N frames after warm-up, print {"frames","median_ms","p95_ms","neurons","edges_drawn","renderer"} and exit.
    #[arg(long, value_name = "N")]
    pub bench_frames: Option<u32>,
    /// Initial layout: anatomical, force, spectral or signal-flow.
    #[arg(long, value_name = "KIND", value_parser = parse_layout)]
    pub layout: Option<LayoutKind>,
    /// Window size.
    #[arg(long, value_name = "WxH", default_value = "1280x800", value_parser = parse_size)]
    pub size: (u32, u32),
    /// A protocol file (as saved by the app or read by `simulate --protocol`) to load into the
    /// simulation panel.
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<PathBuf>,
    /// Run the simulation for this much biological time (e.g. 500ms, 2s) as soon as the graph
    /// is open; with --screenshot the picture is taken when it has run.
    #[arg(long, value_name = "TIME", value_parser = parse_duration_ms)]
    pub run_for: Option<f64>,
    /// After --run-for, compute the dynamic functional connectome of the run (as the
    /// Communities window's one click does) and show component 1 at its peak.
    #[arg(long, requires = "run_for")]
    pub dynamic_connectome: bool,
    /// Recorded activity to open beside the graph (NWB, WormWideWeb JSON, traces CSV); repeat
    /// for several animals. A recording given as FILE opens with the default connectome.
    #[arg(long = "recording", value_name = "FILE")]
    pub recordings: Vec<PathBuf>,
}

/// Parses a biological duration: `500ms`, `0.5s` or a plain number of ms.
pub fn parse_duration_ms(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (number, scale) = if let Some(v) = t.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = t.strip_suffix('s') {
        (v, 1000.0)
    } else {
        (t, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * scale),
        _ => Err(format!("'{s}': expected a time such as 500ms or 2s")),
    }
}

/// Parses `WxH` (e.g. `1600x900`).
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{s}': expected WIDTHxHEIGHT, e.g. 1600x900"))?;
    let num = |v: &str| v.trim().parse::<u32>().ok().filter(|&n| (64..=16384).contains(&n));
    match (num(w), num(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!(
            "'{s}': width and height must be whole numbers from 64 to 16384"
        )),
    }
}

fn parse_layout(s: &str) -> Result<LayoutKind, String> {
    LayoutKind::parse(s).ok_or_else(|| format!("'{s}': expected anatomical, force, spectral or signal-flow"))
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the bundled datasets with their counts and citations.
    Datasets,
    /// Print counts, weights, degrees, components and reciprocity of a connectome, and the
    /// import report: how the file was interpreted (`--json`: a `warnings` array).
    Info {
        /// A file (CSV/TSV, GraphML, GEXF, optionally .gz), a neuPrint or Codex folder, or a
        /// bundled dataset name such as `celegans-cook2019`.
        input: String,
        #[command(flatten)]
        load: LoadArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run a model (LIF, ...) on a connectome and write spikes, traces and figures.
    Simulate(simulate::SimulateArgs),
    /// Write a simulation (every flag of `simulate`) as a PyNEST script that gives the same
    /// spikes: DIR/run.py, DIR/README.md and the connections as .npy arrays.
    ExportNest(export_nest::ExportNestArgs),
    /// Find structural communities (Leiden or Louvain modularity) and write `neuron,community`.
    Communities(communities::CommunitiesArgs),
    /// The dynamic functional connectome of activity traces: sliding-window affinities,
    /// non-negative tensor factorisation, communities per component.
    Functional(functional::FunctionalArgs),
    /// Describe recorded activity files (WormWideWeb JSON, NWB, traces CSV) and match their
    /// labels to a connectome's neurons.
    Recording(recording::RecordingArgs),
    /// Render a still (--out shot.png) or a video (--video out.mp4) with no window.
    #[cfg(feature = "app")]
    Render(render::RenderArgs),
    /// Convert between formats, chosen by the output's extension (.csv, .graphml, .gexf, or a
    /// folder ending in .sonata).
    Convert {
        input: String,
        output: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
    },
}

/// Options for reading a connectome, shared by the subcommands.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// A neuron table (name, class, type, neurotransmitter, sign, x, y, z, ...).
    #[arg(long, value_name = "FILE")]
    pub neurons: Option<PathBuf>,
    /// Per-connection signs overriding neuron signs, e.g. `celegans-fenyves2020-signs`.
    #[arg(long, value_name = "FILE")]
    pub signs: Option<PathBuf>,
    /// The sign of glutamatergic neurons.
    #[arg(long, value_enum, default_value_t = GlutamateSign::Excitatory)]
    pub glutamate: GlutamateSign,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GlutamateSign {
    Excitatory,
    Inhibitory,
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            neuron_table: self.neurons.clone(),
            edge_signs: self.signs.clone(),
            sign_rule: SignRule {
                glutamate: match self.glutamate {
                    GlutamateSign::Excitatory => Sign::Excitatory,
                    GlutamateSign::Inhibitory => Sign::Inhibitory,
                },
            },
        }
    }
}

/// Reads a protocol file; the error names the file (for `?` in the subcommands).
fn read_protocol(path: &std::path::Path) -> Result<crate::sim::Protocol, String> {
    crate::sim::Protocol::read(path).map_err(|e| e.to_string())
}

/// Runs the CLI. Errors are printed to stderr; bad input exits with code 2.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        #[cfg(feature = "app")]
        None => {
            let v = cli.view;
            let protocol = match &v.protocol {
                Some(path) => match read_protocol(path) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                },
                None => None,
            };
            let mut recordings = v.recordings;
            let mut input = v.input;
            if let Some(path) = input.as_deref().map(std::path::Path::new)
                && path.is_file()
                && io::looks_like_recording(path)
            {
                recordings.insert(0, path.to_path_buf());
                input = None;
            }
            if let Some(missing) = recordings.iter().find(|p| !p.is_file()) {
                eprintln!("error: --recording {}: no such file", missing.display());
                return ExitCode::from(2);
            }
            return crate::app::run(crate::app::Options {
                input,
                recordings,
                screenshot: v.screenshot,
                bench_frames: v.bench_frames,
                layout: v.layout,
                size: v.size,
                protocol,
                run_for_ms: v.run_for,
                dynamic_connectome: v.dynamic_connectome,
                ..Default::default()
            });
        }
        #[cfg(feature = "app")]
        Some(Command::Render(args)) => return render::run(args),
        #[cfg(not(feature = "app"))]
        None => {
            Err("this build has no viewer (built without the `app` feature); see --help for the subcommands".into())
        }
        Some(Command::Datasets) => list_datasets(),
        Some(Command::Info { input, load, json }) => info(&input, &load, json),
        Some(Command::Convert { input, output, load }) => convert(&input, &output, &load),
        Some(Command::Simulate(args)) => simulate::run(&args),
        Some(Command::ExportNest(args)) => export_nest::run(&args),
        Some(Command::Communities(args)) => communities::run(&args),
        Some(Command::Functional(args)) => functional::run(&args),
        Some(Command::Recording(args)) => recording::run(&args),
    };
    match result {
        Ok(text) => {
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn load(input: &str, args: &LoadArgs) -> Result<Connectome, String> {
    io::load(input, &args.options()).map_err(|e| e.to_string())
}

fn list_datasets() -> Result<String, String> {
    use std::fmt::Write;
    let mut out = format!(
        "{:<30} {:>8} {:>10} {:>10}  description\n",
        "name", "neurons", "chemical", "electrical"
    );
    for d in datasets::ALL {
        let s = d.load(&LoadOptions::default()).map_err(|e| e.to_string())?.summary();
        let _ = writeln!(
            out,
            "{:<30} {:>8} {:>10} {:>10}  {}{}",
            d.name,
            s.neurons,
            s.chemical.edges,
            s.electrical.edges,
            d.description,
            if d.name == datasets::DEFAULT { " [default]" } else { "" }
        );
        let _ = writeln!(out, "{:<30} {:>8} {:>10} {:>10}  {}", "", "", "", "", d.citation);
    }
    Ok(out)
}

fn info(input: &str, args: &LoadArgs, json: bool) -> Result<String, String> {
    let c = load(input, args)?;
    let s = c.summary();
    if json {
        let mut v = serde_json::to_value(&s).map_err(|e| e.to_string())?;
        let warnings = serde_json::to_value(&c.import_report).map_err(|e| e.to_string())?;
        if let Some(map) = v.as_object_mut() {
            map.insert("warnings".into(), warnings);
        }
        Ok(serde_json::to_string_pretty(&v).map_err(|e| e.to_string())? + "\n")
    } else {
        Ok(describe(input, &c, &s) + &import_report(&c))
    }
}

/// The import report as text: one line per warning, or nothing when the file needed no
/// interpretation.
fn import_report(c: &Connectome) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if !c.import_report.is_empty() {
        out.push_str("import report\n");
    }
    for w in &c.import_report.warnings {
        let _ = writeln!(out, "  [{}] {}", w.code, w.message);
    }
    out
}

fn describe(input: &str, c: &Connectome, s: &Summary) -> String {
    let unknown = s.neurons - s.excitatory_neurons - s.inhibitory_neurons;
    let deg = |d: &crate::model::DegreeStats| format!("mean {:.2}, median {}, max {}", d.mean, d.median, d.max);
    let positions = match (&s.has_positions, &c.neurons.position_unit) {
        (true, Some(unit)) => format!("yes ({unit})"),
        (true, None) => "yes".into(),
        (false, _) => "no".into(),
    };
    format!(
        "{input}\n\
         neurons            {} ({} excitatory, {} inhibitory, {} unknown sign)\n\
         chemical           {} connections, total weight {} ({})\n\
         electrical         {} pairs, total weight {}\n\
         other              {} connections, total weight {}\n\
         undirected         {} pairs, total weight {}\n\
         self-connections   {} chemical\n\
         components         {} (largest {})\n\
         reciprocity        {:.3} of chemical connections\n\
         chemical in-degree {}\n\
         chemical out-degree {}\n\
         gap-junction degree {}\n\
         positions          {positions}\n",
        s.neurons,
        s.excitatory_neurons,
        s.inhibitory_neurons,
        unknown,
        s.chemical.edges,
        s.chemical.weight,
        s.weight_unit,
        s.electrical.edges,
        s.electrical.weight,
        s.other.edges,
        s.other.weight,
        s.undirected.edges,
        s.undirected.weight,
        s.self_connections,
        s.components,
        s.largest_component,
        s.reciprocity,
        deg(&s.chemical_in_degree),
        deg(&s.chemical_out_degree),
        deg(&s.electrical_degree),
    )
}

fn convert(input: &str, output: &std::path::Path, args: &LoadArgs) -> Result<String, String> {
    if io::Format::from_extension(output).is_none() {
        return Err(format!(
            "{}: unknown output format (use .csv, .graphml, .gexf or a .sonata folder)",
            output.display()
        ));
    }
    let c = load(input, args)?;
    io::save(&c, output).map_err(|e| e.to_string())?;
    let s = c.summary();
    eprintln!(
        "wrote {} ({} neurons, {} chemical, {} electrical, {} other, {} undirected)",
        output.display(),
        s.neurons,
        s.chemical.edges,
        s.electrical.edges,
        s.other.edges,
        s.undirected.edges
    );
    if io::Format::from_extension(output) == Some(io::Format::Csv) {
        eprintln!("wrote {}", io::csv_edges::neuron_table_path(output).display());
    }
    Ok(String::new())
}
