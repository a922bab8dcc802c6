//! Readers and writers, one file per format, and the bundled datasets.
//!
//! [`load`] opens anything a user may hand us: a bundled dataset's short name, a CSV/TSV edge
//! list, GraphML, GEXF (each optionally gzipped), a neuPrint export folder or a FlyWire Codex
//! download folder. [`save`] writes by extension, atomically. [`read_recording`] opens recorded
//! activity (WormWideWeb JSON, NWB, traces CSV).

pub mod codex;
pub mod csv_edges;
pub mod datasets;
pub mod edge_signs;
mod error;
pub mod fields;
pub mod gexf;
pub mod graphml;
pub mod neuprint;
pub mod neuron_table;
pub mod nwb;
pub mod recording;
mod source;
pub mod traces;
#[cfg(feature = "video")]
pub mod video;
pub mod wormwideweb;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use error::{Location, Problem, ReadError};
pub use recording::{RecordingFormat, read_recording, read_recording_bytes};
pub use source::{Guard, MAX_LINE_BYTES, Source, from_io};

use crate::model::{Connectome, SignRule};

/// Options that apply to every reader.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A neuron table to use instead of (or where there is no) sidecar.
    pub neuron_table: Option<PathBuf>,
    /// A per-connection sign file (`pre,post,...,polarity|sign`) overriding neuron signs.
    pub edge_signs: Option<PathBuf>,
    /// How neurotransmitters map to signs.
    pub sign_rule: SignRule,
}

/// The formats we read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    GraphMl,
    Gexf,
    NeuprintFolder,
    CodexFolder,
}

impl Format {
    /// Guesses the format of a path: folders by their files, files by extension (a trailing
    /// `.gz` ignored), then by their first bytes.
    pub fn detect(path: &Path) -> Result<Format, ReadError> {
        if path.is_dir() {
            if neuprint::looks_like(path) {
                return Ok(Format::NeuprintFolder);
            }
            if codex::looks_like(path) {
                return Ok(Format::CodexFolder);
            }
            return Err(ReadError::new(
                path,
                Location::File,
                Problem::UnknownFormat(
                    "a folder that is neither a neuPrint export (neurons.csv + total-connections.csv) \
                     nor a FlyWire Codex download (connections*.csv.gz)"
                        .into(),
                ),
            ));
        }
        if let Some(f) = Format::from_extension(path) {
            return Ok(f);
        }
        Ok(Format::Csv)
    }

    /// The format an output or input path names by its extension.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = Path::new(name).extension()?.to_str()?.to_owned();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "graphml" | "xml" => Some(Format::GraphMl),
            "gexf" => Some(Format::Gexf),
            _ => None,
        }
    }
}

/// Loads a connectome from a bundled dataset name, a file or a folder.
pub fn load(what: &str, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let path = Path::new(what);
    let mut connectome = match datasets::find(what) {
        Some(dataset) if !path.exists() => dataset.load(options)?,
        _ => load_path(path, options)?,
    };
    if let Some(signs) = &options.edge_signs {
        let source = match datasets::aux_file(&signs.to_string_lossy()) {
            Some(bundled) if !signs.exists() => bundled,
            _ => Source::open(signs)?,
        };
        edge_signs::apply(&mut connectome, source)?;
    }
    Ok(connectome)
}

/// Loads a connectome from a file or folder (without applying `options.edge_signs`).
pub fn load_path(path: &Path, options: &LoadOptions) -> Result<Connectome, ReadError> {
    if !path.exists() {
        return Err(ReadError::new(
            path,
            Location::File,
            Problem::Io("no such file or folder, and not a bundled dataset (see `connectoscope datasets`)".to_string()),
        ));
    }
    Ok(match Format::detect(path)? {
        Format::Csv => csv_edges::read_file(path, options)?,
        Format::GraphMl => graphml::read(Source::open(path)?, options)?,
        Format::Gexf => gexf::read(Source::open(path)?, options)?,
        Format::NeuprintFolder => neuprint::read_dir(path, options)?,
        Format::CodexFolder => codex::read_dir(path, options)?,
    })
}

/// Reads a connectome from bytes held in memory, named `name` in errors (fuzzing, embedding).
/// A `Csv` input is an edge list; the folder formats are not available this way.
pub fn read_bytes(format: Format, name: &str, bytes: Vec<u8>) -> Result<Connectome, ReadError> {
    let source = Source::reader(name, std::io::Cursor::new(bytes));
    let options = LoadOptions::default();
    match format {
        Format::Csv => {
            let mut builder = crate::model::ConnectomeBuilder::new();
            csv_edges::read_edges(source, &mut builder, csv_edges::UnknownNeurons::Add)?;
            csv_edges::finish(builder, Path::new(name))
        }
        Format::GraphMl => graphml::read(source, &options),
        Format::Gexf => gexf::read(source, &options),
        Format::NeuprintFolder | Format::CodexFolder => Err(ReadError::new(
            name,
            Location::File,
            Problem::UnknownFormat("folder formats are read from folders".into()),
        )),
    }
}

/// Writes a connectome in the format its extension names (`.csv` also writes the neuron
/// table beside it, see [`csv_edges::neuron_table_path`]). Each file is written to a temporary
/// name and renamed, so a failed save never leaves a half-written file under the final name.
pub fn save(connectome: &Connectome, path: &Path) -> io::Result<()> {
    let format = Format::from_extension(path).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: unknown output format (use .csv, .graphml or .gexf)",
                path.display()
            ),
        )
    })?;
    match format {
        Format::Csv => {
            write_atomically(path, |w| csv_edges::write_edges(connectome, w))?;
            let table = csv_edges::neuron_table_path(path);
            write_atomically(&table, |w| neuron_table::write(connectome, w))
        }
        Format::GraphMl => write_atomically(path, |w| graphml::write(connectome, w)),
        Format::Gexf => write_atomically(path, |w| gexf::write(connectome, w)),
        Format::NeuprintFolder | Format::CodexFolder => unreachable!("not an extension"),
    }
}

/// Writes through `write` into a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file name", path.display()),
        )
    })?;
    let tmp = dir.join(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut out = BufWriter::new(fs::File::create(&tmp)?);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    match result.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        }
    }
}
