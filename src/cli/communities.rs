//! `connectoscope communities`: Leiden or Louvain modularity communities of the undirected
//! projection (see [`crate::analysis::communities`]), written as CSV `neuron,community`.

use std::path::PathBuf;
use std::time::Instant;

use super::LoadArgs;
use crate::analysis::communities::{self, Method, Options, Quality, summary};
use crate::io;

#[derive(Debug, clap::Args)]
pub struct CommunitiesArgs {
    /// A file, folder or bundled dataset name.
    pub input: String,
    #[command(flatten)]
    pub load: LoadArgs,
    /// leiden, louvain or sbm (weighted degree-corrected stochastic block model, the number
    /// of blocks chosen by minimum description length).
    #[arg(long, default_value = "leiden")]
    pub method: String,
    /// modularity or cpm (constant Potts model), for leiden and louvain.
    #[arg(long, default_value = "modularity")]
    pub quality: String,
    /// Resolution γ: larger gives more, smaller communities (for cpm: the inside density asked for).
    #[arg(long, default_value_t = 1.0)]
    pub resolution: f64,
    /// Keep the direction of chemical synapses (Leicht–Newman modularity) instead of the
    /// undirected projection.
    #[arg(long)]
    pub directed: bool,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Whole iterations at most; -1 runs until the partition stops changing.
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    pub iterations: i64,
    /// Write CSV `neuron,community` (ids 0..k-1 by decreasing size).
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    /// Write the undirected projection as CSV `pre,post,weight` (0-based ids, each pair once;
    /// with --directed the arcs, repeated pairs not summed).
    #[arg(long, value_name = "FILE.csv")]
    pub projection_out: Option<PathBuf>,
    /// Print one JSON object {method, modularity, communities, sizes, time_s}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &CommunitiesArgs) -> Result<String, String> {
    let method = Method::parse(&args.method)
        .ok_or_else(|| format!("--method {}: expected leiden, louvain or sbm", args.method))?;
    let quality = Quality::parse(&args.quality)
        .ok_or_else(|| format!("--quality {}: expected modularity or cpm", args.quality))?;
    if !(args.resolution.is_finite() && args.resolution >= 0.0) {
        return Err("--resolution must be a non-negative number".into());
    }
    let connectome = io::load(&args.input, &args.load.options()).map_err(|e| e.to_string())?;
    let graph = if args.directed {
        communities::projection_directed(&connectome)
    } else {
        communities::projection(&connectome)
    };
    if let Some(path) = &args.projection_out {
        let mut text = String::from("pre,post,weight\n");
        if args.directed {
            for (u, v, w) in communities::directed_arcs(&connectome) {
                text.push_str(&format!("{u},{v},{w}\n"));
            }
        } else {
            for (u, v, w) in graph.edges() {
                text.push_str(&format!("{u},{v},{w}\n"));
            }
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let opts = Options {
        method,
        quality,
        resolution: args.resolution,
        seed: args.seed,
        max_iterations: usize::try_from(args.iterations).ok(),
    };
    let t0 = Instant::now();
    let partition = communities::detect(&graph, &opts);
    let time_s = t0.elapsed().as_secs_f64();
    let sizes = partition.sizes();
    if let Some(path) = &args.out {
        io::write_atomically(path, |w| {
            summary::write_csv(connectome.neurons.names(), &partition.membership, w)
        })
        .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // The SBM minimises its description length; it has no quality function or resolution.
    let quality_name = if method == Method::Sbm {
        "description_length"
    } else {
        quality.as_str()
    };
    if args.json {
        let v = serde_json::json!({
            "method": method.as_str(),
            "modularity": partition.modularity,
            "quality": quality_name,
            "quality_value": partition.quality,
            "directed": args.directed,
            "communities": sizes.len(),
            "sizes": sizes,
            "time_s": time_s,
            "iterations": partition.iterations,
            "resolution": args.resolution,
            "seed": args.seed,
        });
        Ok(v.to_string() + "\n")
    } else {
        Ok(format!(
            "{}: {} communities, modularity {:.4}, {quality_name} {:.4} (γ = {}), largest {:?}, {:.3} s\n",
            method.as_str(),
            sizes.len(),
            partition.modularity,
            partition.quality,
            args.resolution,
            &sizes[..sizes.len().min(10)],
            time_s
        ))
    }
}
