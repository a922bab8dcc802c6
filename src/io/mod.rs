//! Readers and writers, one file per format, and the bundled datasets.
//!
//! [`load`] opens anything a user may hand us: a bundled dataset's short name, a CSV/TSV edge
//! list, GraphML, GEXF, GML, a NeuroML2 network (each optionally gzipped), a Parquet edge
//! table, a neuPrint export folder, a FlyWire Codex download folder or a SONATA circuit; a
//! file is recognised by its extension, else by its first bytes. Every reader fills the
//! connectome's [`import_report`](crate::model::Connectome::import_report). [`save`] writes
//! by extension, atomically. [`read_recording`] opens recorded activity (WormWideWeb JSON,
//! NWB, traces CSV).

pub mod codex;
pub mod csv_edges;
pub mod datasets;
pub mod edge_signs;
mod error;
pub mod fields;
pub mod gexf;
pub mod gml;
pub mod graphml;
pub mod nest_export;
pub mod neuprint;
pub mod neuroml;
pub mod neuron_table;
pub mod npy;
pub mod nwb;
pub mod parquet;
pub mod recording;
mod sniff;
pub mod sonata;
mod source;
pub mod traces;
#[cfg(feature = "video")]
pub mod video;
pub mod wormwideweb;
mod xml;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use error::{Location, Problem, ReadError};
pub use recording::{RecordingFormat, looks_like_recording, read_recording, read_recording_bytes};
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
    Gml,
    NeuroMl,
    Parquet,
    NeuprintFolder,
    CodexFolder,
    /// A SONATA circuit folder (`NAME.sonata/`).
    Sonata,
}

/// What we read, for the error about a file we cannot.
pub const FORMATS_WE_READ: &str = "CSV/TSV edge lists (pre,post[,weight[,type]] with or without a header), \
     GraphML, GEXF, GML, NeuroML2 networks (.nml), Parquet edge tables, \
     neuPrint export folders, FlyWire Codex folders and SONATA circuits (files optionally gzipped)";

impl Format {
    /// Guesses the format of a path: folders by their files, files by extension (a trailing
    /// `.gz` ignored), then by their first bytes.
    pub fn detect(path: &Path) -> Result<Format, ReadError> {
        if path.is_dir() {
            if sonata::looks_like(path) {
                return Ok(Format::Sonata);
            }
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
                    "a folder that is neither a SONATA circuit (circuit_config.json, nodes and edges .h5), \
                     a neuPrint export (neurons.csv + total-connections.csv) \
                     nor a FlyWire Codex download (connections*.csv.gz)"
                        .into(),
                ),
            ));
        }
        let by_extension = Format::from_extension(path);
        // `.xml` may be GraphML or NeuroML: look inside.
        if let Some(f) = by_extension.filter(|_| !has_extension(path, "xml")) {
            return Ok(f);
        }
        let head = sniff::head(path)?;
        match sniff::format(&head) {
            Some(f @ (Format::GraphMl | Format::Gexf | Format::NeuroMl)) => Ok(f),
            // An `.xml` file that is none of those: GraphML's reader says what it is.
            _ if by_extension.is_some() => Ok(Format::GraphMl),
            Some(f) => Ok(f),
            None => Err(ReadError::new(
                path,
                Location::File,
                Problem::UnknownFormat(format!("{}; we read {FORMATS_WE_READ}", sniff::describe(&head))),
            )),
        }
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
            "sonata" => Some(Format::Sonata),
            "gml" => Some(Format::Gml),
            "nml" => Some(Format::NeuroMl),
            "parquet" | "pq" => Some(Format::Parquet),
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
        Format::Gml => gml::read(Source::open(path)?, options)?,
        Format::NeuroMl => neuroml::read(Source::open(path)?, options)?,
        Format::Parquet => parquet::read_file(path, options)?,
        Format::NeuprintFolder => neuprint::read_dir(path, options)?,
        Format::CodexFolder => codex::read_dir(path, options)?,
        Format::Sonata => sonata::read_dir(path, options)?,
    })
}

/// Reads a connectome from bytes held in memory, named `name` in errors (fuzzing, embedding).
/// A `Csv` input is an edge list; the folder formats are not available this way.
pub fn read_bytes(format: Format, name: &str, bytes: Vec<u8>) -> Result<Connectome, ReadError> {
    let options = LoadOptions::default();
    if format == Format::Parquet {
        return parquet::read_bytes(name, bytes, &options);
    }
    let source = Source::reader(name, std::io::Cursor::new(bytes));
    match format {
        Format::Csv => {
            let mut builder = crate::model::ConnectomeBuilder::new();
            csv_edges::read_edges(source, &mut builder, csv_edges::UnknownNeurons::Add)?;
            csv_edges::finish(builder, Path::new(name))
        }
        Format::GraphMl => graphml::read(source, &options),
        Format::Gexf => gexf::read(source, &options),
        Format::Gml => gml::read(source, &options),
        Format::NeuroMl => neuroml::read(source, &options),
        Format::Parquet => unreachable!("read above"),
        Format::NeuprintFolder | Format::CodexFolder | Format::Sonata => Err(ReadError::new(
            name,
            Location::File,
            Problem::UnknownFormat("folder formats are read from folders".into()),
        )),
    }
}

/// Whether the file name (a trailing `.gz` ignored) ends in `.ext`.
fn has_extension(path: &Path, ext: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(&format!(".{ext}"))
}

/// Writes a connectome in the format its extension names (`.csv` also writes the neuron
/// table beside it, see [`csv_edges::neuron_table_path`]). Each file is written to a temporary
/// name and renamed, so a failed save never leaves a half-written file under the final name.
pub fn save(connectome: &Connectome, path: &Path) -> io::Result<()> {
    let format = Format::from_extension(path).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: unknown output format (use .csv, .graphml, .gexf or a .sonata folder)",
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
        Format::Sonata => sonata::write_dir(connectome, path),
        Format::Gml | Format::NeuroMl | Format::Parquet => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: we read GML, NeuroML and Parquet but do not write them (use .csv, .graphml, .gexf or a .sonata folder)",
                path.display()
            ),
        )),
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

/// Writes a folder through `fill` into a temporary folder beside `dir`, then renames it into
/// place, so a failed export never leaves a half-written folder under the final name. An
/// existing `dir` is an error unless `replace` is set (then it is swapped out and removed).
pub fn write_dir_atomically(dir: &Path, replace: bool, fill: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let name = dir
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a folder name", dir.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    if dir.exists() && !replace {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{}: already exists (use --force to replace it)", dir.display()),
        ));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = parent.join(format!(".{name}.tmp{}", std::process::id()));
    let old = parent.join(format!(".{name}.old{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let result = fs::create_dir(&tmp).and_then(|()| fill(&tmp)).and_then(|()| {
        if dir.exists() {
            fs::rename(dir, &old)?;
        }
        fs::rename(&tmp, dir)
    });
    match result {
        Ok(()) => {
            let _ = fs::remove_dir_all(&old);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            if old.exists() && !dir.exists() {
                let _ = fs::rename(&old, dir);
            }
            Err(io::Error::new(e.kind(), format!("{}: {e}", dir.display())))
        }
    }
}
