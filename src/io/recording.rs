//! Recorded activity files to a [`Recording`]: the format is chosen by extension, else by the
//! first bytes. WormWideWeb JSON ([`super::wormwideweb`]), NWB 2.x ([`super::nwb`]), and
//! traces CSV, wide or long ([`super::traces`]).

use std::path::Path;

use super::{Location, Problem, ReadError};
use crate::model::Recording;

/// The recording formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingFormat {
    WormWideWeb,
    Nwb,
    /// Wide (`time_s,NAME,...`) or long (`neuron,time_s,value`), told apart by the header.
    TracesCsv,
}

const HDF5_SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";

impl RecordingFormat {
    /// By extension (`.nwb` `.h5` `.hdf5`, `.json`, `.csv` `.tsv` `.txt`), else by content.
    pub fn detect(path: &Path, head: &[u8]) -> RecordingFormat {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "nwb" | "h5" | "hdf5" => RecordingFormat::Nwb,
            "json" => RecordingFormat::WormWideWeb,
            "csv" | "tsv" | "txt" => RecordingFormat::TracesCsv,
            _ if head.starts_with(HDF5_SIGNATURE) => RecordingFormat::Nwb,
            _ if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => RecordingFormat::WormWideWeb,
            _ => RecordingFormat::TracesCsv,
        }
    }
}

/// Reads a recording file; errors name the file and what is wrong in it.
pub fn read_recording(path: &Path) -> Result<Recording, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| ReadError::new(path, Location::File, Problem::Io(e.to_string())))?;
    let format = RecordingFormat::detect(path, &bytes[..bytes.len().min(16)]);
    read_recording_bytes(format, path, bytes)
}

/// Reads a recording held in memory, named `name` in errors (fuzzing, drag and drop).
pub fn read_recording_bytes(format: RecordingFormat, name: &Path, bytes: Vec<u8>) -> Result<Recording, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::new(name, Location::File, Problem::Empty));
    }
    let mut recording = match format {
        RecordingFormat::WormWideWeb => super::wormwideweb::read(name, &bytes)?,
        RecordingFormat::Nwb => super::nwb::read(name, bytes)?,
        RecordingFormat::TracesCsv => super::traces::read_recording(name, &bytes)?,
    };
    recording.source.path = name.display().to_string();
    Ok(recording)
}

/// A recording's parts did not fit together: the error names the file and, if given, where.
pub(crate) fn invalid(name: &Path, at: Option<&str>, e: crate::model::recording::RecordingError) -> ReadError {
    let location = at.map_or(Location::File, |a| Location::Object(a.to_string()));
    ReadError::new(name, location, Problem::Recording(e))
}
