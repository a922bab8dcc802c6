//! neuPrint export folders (hemibrain, MANC, optic lobe, ...), as written by neuprint-python
//! (`fetch_neurons` / `fetch_adjacencies` saved with `to_csv`) or the hemibrain
//! "traced adjacencies" download.
//!
//! Files, each optionally gzipped and optionally prefixed `traced-`:
//! - `neurons.csv` (required): `bodyId, type, instance, status, somaLocation "[x, y, z]"` (or
//!   `x, y, z` columns), `roiInfo`, ...; its rows are the neurons, in its order. `type` becomes
//!   the cell type, other columns attributes. Positions are in voxels of 8 nm (every neuPrint
//!   dataset so far is 8 nm isotropic FIB-SEM).
//! - `total-connections.csv`: `bodyId_pre, bodyId_post, weight`, or
//!   `roi-connections.csv`: `bodyId_pre, bodyId_post, roi, weight`, one row per ROI (summed).
//!   When both exist only the total is read: the ROI rows split the same synapses, so adding
//!   them would count each synapse twice. (Summed ROI rows can fall short of the total, as
//!   synapses outside every primary ROI are missing from them.)
//!
//! `weight` is a synapse count here: a negative value is an error. A connection naming a body
//! that `neurons.csv` does not list is an error too: neuPrint exports list both ends of every
//! connection they contain (adjacency exports restrict connections to the exported neurons),
//! so an unknown body means a mismatched pair of files, not a fragment to add silently.

use std::path::{Path, PathBuf};

use crate::model::Connectome;

use super::csv_edges::{self, UnknownNeurons};
use super::neuron_table::{self, TableRole};
use super::{LoadOptions, Location, Problem, ReadError, Source};

const NEURONS: &[&str] = &["neurons.csv", "traced-neurons.csv"];
/// In order of preference.
const CONNECTIONS: &[&str] = &[
    "total-connections.csv",
    "traced-total-connections.csv",
    "roi-connections.csv",
    "traced-roi-connections.csv",
];

/// A neuPrint folder has a neuron table and a connection table.
pub fn looks_like(dir: &Path) -> bool {
    find(dir, NEURONS).is_some() && find(dir, CONNECTIONS).is_some()
}

pub fn read_dir(dir: &Path, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let missing = |what: &str| {
        ReadError::new(
            dir,
            Location::File,
            Problem::Invalid(format!("no {what} in this neuPrint folder")),
        )
    };
    let neurons = find(dir, NEURONS).ok_or_else(|| missing("neurons.csv"))?;
    let connections = find(dir, CONNECTIONS).ok_or_else(|| missing("total-connections.csv or roi-connections.csv"))?;
    let mut builder = crate::model::ConnectomeBuilder::new();
    builder.sign_rule = options.sign_rule;
    builder.weight_unit = Some("synapses".into());
    neuron_table::read(Source::open(&neurons)?, &mut builder, TableRole::Defines)?;
    builder.neurons_from_table = true;
    csv_edges::read_count_edges(Source::open(&connections)?, &mut builder, UnknownNeurons::Error)?;
    if let Some(extra) = &options.neuron_table {
        neuron_table::read(Source::open(extra)?, &mut builder, TableRole::Annotates)?;
    }
    let n = &mut builder.neurons;
    if n.has_positions() && n.position_unit.is_none() {
        n.position_unit = Some("voxels (8 nm)".into());
    }
    csv_edges::finish(builder, &connections)
}

/// The first of `names` (or its `.gz`) present in `dir`, case-insensitively.
fn find(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| Some(e.ok()?.path()))
        .collect();
    entries.sort();
    names.iter().find_map(|want| {
        entries
            .iter()
            .find(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                (name == *want || name.strip_suffix(".gz") == Some(want)) && p.is_file()
            })
            .cloned()
    })
}
