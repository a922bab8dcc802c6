//! FlyWire Codex download folders (<https://codex.flywire.ai/api/download>).
//!
//! Files used, each optionally gzipped (`.csv.gz` is how Codex serves them):
//! - `connections*.csv.gz` (required): `pre_root_id, post_root_id, neuropil, syn_count,
//!   nt_type`, one row per pair and neuropil; rows of a pair are summed. Codex offers several
//!   thresholdings (`connections.csv.gz`, `connections_no_threshold.csv.gz`, ...); with more
//!   than one present we take `connections.csv.gz`, and without it we refuse rather than sum
//!   different thresholdings of the same synapses.
//! - `neurons.csv.gz`: `root_id, group, nt_type, nt_type_score, ...`; its rows are neurons, in
//!   its order, followed by any connection endpoint it does not list.
//! - `classification.csv.gz`: `class` -> class, `cell_type` -> cell type, the rest
//!   (`flow, super_class, sub_class, hemibrain_type, hemilineage, side, nerve`) -> attributes.
//! - `consolidated_cell_types.csv.gz`: `primary_type` fills the cell type where
//!   classification left it empty (and stays an attribute, as does `additional_type(s)`).
//! - `coordinates.csv.gz`: `root_id, position "[x y z]" (nm), supervoxel_id`, several rows
//!   per neuron: the first wins.
//!
//! Annotation tables only annotate: rows for neurons outside the connectome are skipped.
//! Root ids are 64-bit integers kept verbatim as names. Signs follow from `nt_type` by the
//! sign rule.

use std::path::{Path, PathBuf};

use rayon::iter::{IntoParallelRefIterator, ParallelIterator};

use crate::model::{Connectome, ConnectomeBuilder, WarningCode, thousands};

use super::csv_edges::{self, UnknownNeurons};
use super::neuron_table::{self, TableRole};
use super::{LoadOptions, Location, Problem, ReadError, Source};

/// A Codex folder has at least one `connections*.csv[.gz]`.
pub fn looks_like(dir: &Path) -> bool {
    connection_files(dir).is_ok_and(|files| !files.is_empty())
}

pub fn read_dir(dir: &Path, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let connections = choose_connections(dir)?;
    let mut tables: Vec<PathBuf> = ["classification", "consolidated_cell_types", "coordinates"]
        .iter()
        .filter_map(|t| table(dir, t))
        .collect();
    tables.extend(options.neuron_table.clone());
    let annotate = |builder: &mut ConnectomeBuilder| -> Result<(), ReadError> {
        for path in &tables {
            neuron_table::read(Source::open(path)?, builder, TableRole::Annotates)?;
        }
        Ok(())
    };
    let read_connections = |builder: &mut ConnectomeBuilder| {
        // Endpoints missing from neurons.csv.gz are added: a connection list may name cells
        // that the neuron list leaves out.
        csv_edges::read_edges(Source::open(&connections)?, builder, UnknownNeurons::Add)
    };
    let mut builder = ConnectomeBuilder::new();
    builder.sign_rule = options.sign_rule;
    builder.weight_unit = Some("synapses".into());
    match table(dir, "neurons") {
        Some(neurons) => {
            // neurons.csv.gz and then the annotation tables are read on a second thread while
            // this one reads the connections (on a whole brain that hides the tables entirely);
            // the connections' neurons are renumbered into the table's order afterwards.
            let (side, defined, annotated, read) = std::thread::scope(|s| {
                let side = s.spawn(|| {
                    let mut side = ConnectomeBuilder::new();
                    let defined = Source::open(&neurons)
                        .and_then(|source| neuron_table::read(source, &mut side, TableRole::Defines));
                    let annotated = if defined.is_ok() { annotate(&mut side) } else { Ok(()) };
                    (side, defined, annotated)
                });
                let read = read_connections(&mut builder);
                let (side, defined, annotated) = side.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                (side, defined, annotated, read)
            });
            // Errors in the order a sequential read would meet them.
            defined?;
            read?;
            annotated?;
            let known = side.neurons.len();
            let mut neurons = side.neurons;
            // Looked up in parallel (139k names on a whole brain); then the endpoints the
            // table lacks are added, in the order the connections named them.
            let found: Vec<Option<usize>> = builder
                .neurons
                .names()
                .par_iter()
                .map(|name| neurons.find(name))
                .collect();
            let new_index: Vec<u32> = found
                .iter()
                .zip(builder.neurons.names())
                .map(|(&at, name)| at.unwrap_or_else(|| neurons.find_or_add(name)) as u32)
                .collect();
            // As if the tables were read after the connections: a transmitter that a connection
            // row gave only fills what neurons.csv.gz and the tables left empty.
            let nt = &mut neurons.neurotransmitter;
            for (i, &j) in new_index.iter().enumerate() {
                if let (None, Some(t)) = (nt.get(j as usize), builder.neurons.neurotransmitter.get(i)) {
                    nt.set(j as usize, t);
                }
            }
            builder.renumber(&new_index);
            if neurons.len() > known {
                let added = neurons.len() - known;
                let examples: Vec<&str> = neurons.names()[known..].iter().take(5).map(String::as_str).collect();
                let more = if added > 5 { ", ..." } else { "" };
                builder.report.add(
                    WarningCode::AddedNeurons,
                    added,
                    format!(
                        "{} neurons named by connections but missing from the neuron table were added \
                         (without annotations): {}{more}",
                        thousands(added),
                        examples.join(", ")
                    ),
                );
            }
            builder.neurons = neurons;
            builder.explicit_neuron_signs = side.explicit_neuron_signs;
            // The tables' warnings before those of the connections.
            let mut report = side.report;
            report.extend(std::mem::take(&mut builder.report));
            builder.report = report;
            builder.neurons_from_table = true;
            if builder.neurons.len() > known {
                // Some endpoints are not in neurons.csv.gz: annotate them too (annotating the
                // others again changes nothing).
                annotate(&mut builder)?;
            }
        }
        None => {
            read_connections(&mut builder)?;
            annotate(&mut builder)?;
        }
    }
    let n = &mut builder.neurons;
    // The consolidated type is a fallback: classification's cell_type is the curated one.
    if let Some(primary) = n.attribute("primary_type").cloned() {
        for i in 0..n.len() {
            if let (None, Some(t)) = (n.cell_type.get(i), primary.get(i)) {
                n.cell_type.set(i, t);
            }
        }
    }
    if n.has_positions() && n.position_unit.is_none() {
        n.position_unit = Some("nm".into());
    }
    csv_edges::finish(builder, &connections)
}

/// `NAME.csv.gz` or `NAME.csv` in `dir`, if present.
fn table(dir: &Path, name: &str) -> Option<PathBuf> {
    [format!("{name}.csv.gz"), format!("{name}.csv")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// All `connections*.csv[.gz]` files of `dir`, sorted by name.
fn connection_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.starts_with("connections") && (name.ends_with(".csv.gz") || name.ends_with(".csv")) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The one connection file to read (see the module docs).
fn choose_connections(dir: &Path) -> Result<PathBuf, ReadError> {
    let files = connection_files(dir).map_err(|e| ReadError::new(dir, Location::File, Problem::Io(e.to_string())))?;
    match files.as_slice() {
        [] => Err(ReadError::new(
            dir,
            Location::File,
            Problem::Invalid("no connections*.csv.gz file in this Codex folder".into()),
        )),
        [one] => Ok(one.clone()),
        _ => table(dir, "connections").ok_or_else(|| {
            let names: Vec<String> = files
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            ReadError::new(
                dir,
                Location::File,
                Problem::Invalid(format!(
                    "several connection files ({}) and no connections.csv.gz: they are different \
                     thresholdings of the same synapses, so keep only the one to load",
                    names.join(", ")
                )),
            )
        }),
    }
}
