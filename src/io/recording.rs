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

/// Whether a file is recorded activity rather than a connectome, from its extension and first
/// bytes: NWB / HDF5; JSON with WormWideWeb's `trace_array`; a CSV whose header is a traces
/// table (`time_s,...` wide, or `neuron,time_s,value` long). Used to route dropped files.
pub fn looks_like_recording(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(1 << 20).read_to_end(&mut head));
    if read.is_err() || head.is_empty() {
        return false;
    }
    let lower = path.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".cscope.json") {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    match RecordingFormat::detect(path, &head[..head.len().min(16)]) {
        RecordingFormat::Nwb => head.starts_with(HDF5_SIGNATURE),
        RecordingFormat::WormWideWeb => text.contains("\"trace_array\""),
        RecordingFormat::TracesCsv => {
            let header = text.lines().next().unwrap_or("").to_ascii_lowercase();
            let first: Vec<&str> = header
                .split([',', '\t'])
                .map(|f| f.trim().trim_matches('"'))
                .take(3)
                .collect();
            matches!(first.first(), Some(&("time_s" | "time" | "t"))) || first == ["neuron", "time_s", "value"]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_are_told_from_connectomes() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for f in [
            "recordings/wormwideweb.json",
            "recordings/plain.nwb",
            "recordings/neuropal.nwb",
        ] {
            assert!(looks_like_recording(&fixtures.join(f)), "{f}");
        }
        let dir = tempfile::tempdir().unwrap();
        let wide = dir.path().join("wide.csv");
        std::fs::write(&wide, "time_s,AVAL,AVAR\n0,1,2\n").unwrap();
        let long = dir.path().join("long.csv");
        std::fs::write(&long, "neuron,time_s,value\nAVAL,0,1\n").unwrap();
        let edges = dir.path().join("edges.csv");
        std::fs::write(&edges, "pre,post,weight\nAVAL,AVAR,1\n").unwrap();
        let session = dir.path().join("a.cscope.json");
        std::fs::write(&session, "{\"trace_array\": []}").unwrap();
        assert!(looks_like_recording(&wide) && looks_like_recording(&long));
        assert!(!looks_like_recording(&edges) && !looks_like_recording(&session));
        assert!(!looks_like_recording(&dir.path().join("missing.nwb")));
        assert!(!looks_like_recording(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/datasets").as_path()
        ));
    }
}
