//! `connectoscope export-nest`: write a simulation as a PyNEST script with its data (see
//! [`crate::io::nest_export`]), taking every flag `simulate` takes.

use std::path::PathBuf;

use super::simulate::{self, SimulateArgs};
use crate::io::nest_export::{self, NestRun};

#[derive(Debug, clap::Args)]
pub struct ExportNestArgs {
    #[command(flatten)]
    pub sim: SimulateArgs,
    /// The folder to write (run.py, README.md, .npy arrays).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &ExportNestArgs) -> Result<String, String> {
    let sim = &args.sim;
    if sim.traces.is_some() || sim.spikes.is_some() {
        return Err("--spikes and --traces are simulate's outputs; the exported run.py takes --spikes FILE".into());
    }
    let prepared = simulate::prepare(sim)?;
    let run = NestRun {
        config: prepared.config,
        protocol: prepared.protocol,
        i_e: prepared.bias,
        duration_ms: sim.duration,
    };
    let summary = nest_export::write(&args.out, &prepared.connectome, &run, args.force).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote {}: {} neurons, {} connections, {} stimulus devices, {} changes between Simulate calls; run it with `python {}`\n",
        args.out.display(),
        summary.neurons,
        summary.connections,
        summary.devices,
        summary.changes,
        args.out.join("run.py").display()
    ))
}
