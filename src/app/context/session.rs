//! Sessions (`.cscope.json`): what is open and how it is shown — the source (path and a hash
//! of its bytes), the layout's positions, the camera, colours and filters, the selection, the
//! protocol and the time reached, communities and open recordings — so that
//! `connectoscope session.cscope.json` reopens it exactly. Pure data and file handling here;
//! the app gathers and applies it in `ui::session`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::sim::Protocol;

/// What a session file says first, so that other JSON is refused clearly.
pub const FORMAT: &str = "connectoscope-session";
pub const VERSION: u32 = 1;
/// The file name ending that marks a session.
pub const EXTENSION: &str = ".cscope.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub format: String,
    pub version: u32,
    pub source: SessionSource,
    /// The layout in its normalised coordinates (as saved with *Save as*); none while the
    /// first layout was still being computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<SavedLayout>,
    /// None (a session written by hand): the home view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<SavedCamera>,
    pub view: SavedView,
    /// Selected neurons by name (names survive a re-ordered file; indices would not).
    #[serde(default)]
    pub selection: Vec<String>,
    /// The simulation's protocol with its model settings, and the time it had reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    #[serde(default)]
    pub time_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communities: Option<SavedCommunities>,
    /// Recordings open beside the graph (paths), and the playback time on their time axis.
    #[serde(default)]
    pub recordings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_time_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSource {
    /// A file or folder path (absolute when saved), a bundled dataset's name or `synthetic:N:E`.
    pub path: String,
    /// FNV-1a 64 of the file's bytes (of a folder's files in name order) as 16 hex digits;
    /// none for bundled and synthetic graphs, which cannot change under us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedLayout {
    /// anatomical, force, spectral or signal-flow.
    pub kind: String,
    pub positions: Vec<[f32; 3]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedCamera {
    pub focus: [f32; 3],
    pub distance: f32,
    pub yaw: f32,
    pub pitch: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedView {
    /// type, nt, sign, degree, activity, recording or communities.
    pub color_by: String,
    pub size_by_degree: bool,
    pub node_scale: f32,
    /// dark or light.
    pub theme: String,
    /// none, selection or all.
    pub labels: String,
    pub hops: u8,
    pub chemical: bool,
    pub electrical: bool,
    pub min_weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_neuron: Option<u32>,
    pub cap: usize,
    pub edge_opacity: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedCommunities {
    /// leiden, louvain or sbm.
    pub method: String,
    /// modularity or cpm.
    pub quality: String,
    pub resolution: f64,
    pub directed: bool,
    pub seed: u64,
    /// Community of each neuron (in the file's neuron order), when they had been found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub membership: Vec<u32>,
}

/// Why a session cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: line {line}: not a connectoscope session: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: a session of format version {found}; this connectoscope reads version {VERSION}")]
    Version { path: PathBuf, found: u32 },
}

/// How the session's source compares with what is on disk now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    Unchanged,
    /// Bundled or synthetic: nothing to compare.
    NotAFile,
    Changed,
    Missing,
}

impl Session {
    pub fn read(path: &Path) -> Result<Session, SessionError> {
        let text = std::fs::read_to_string(path).map_err(|source| SessionError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |line: usize, message: String| SessionError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| invalid(e.line(), e.to_string()))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(invalid(1, format!("no \"format\": \"{FORMAT}\"")));
        }
        let found = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
        if found != VERSION {
            return Err(SessionError::Version {
                path: path.to_path_buf(),
                found,
            });
        }
        serde_json::from_str(&text).map_err(|e| invalid(e.line(), e.to_string()))
    }

    /// Writes atomically (a temporary file, then a rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).expect("sessions serialise");
        crate::io::write_atomically(path, |w| w.write_all(json.as_bytes()))
    }

    /// Compares the source with what is on disk now.
    pub fn source_state(&self) -> SourceState {
        match &self.source.hash {
            None => SourceState::NotAFile,
            Some(saved) => match source_hash(Path::new(&self.source.path)) {
                Ok(now) if &now == saved => SourceState::Unchanged,
                Ok(_) => SourceState::Changed,
                Err(_) => SourceState::Missing,
            },
        }
    }
}

/// Whether a path names a session file.
pub fn is_session(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(EXTENSION)
}

/// The hash recorded for a source: a file's bytes, or a folder's files (names and bytes) in
/// name order.
pub fn source_hash(path: &Path) -> std::io::Result<String> {
    let mut h = Fnv::default();
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for file in entries {
            h.write(file.file_name().map_or(&[][..], |n| n.as_encoded_bytes()));
            h.write(&std::fs::read(&file)?);
        }
    } else {
        h.write(&std::fs::read(path)?);
    }
    Ok(format!("{:016x}", h.0))
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (std's hasher is not).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The recently opened files and sessions, newest first, kept in the user's config folder
/// (`$XDG_CONFIG_HOME/connectoscope/recent.json`, else `~/.config/...`).
pub mod recent {
    use std::path::PathBuf;

    const KEEP: usize = 10;

    fn file() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("connectoscope").join("recent.json"))
    }

    pub fn load() -> Vec<String> {
        file()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Puts `entry` first and, with `save`, saves; a failure to save is not worth an error.
    pub fn push(list: &mut Vec<String>, entry: &str, save: bool) {
        list.retain(|e| e != entry);
        list.insert(0, entry.to_string());
        list.truncate(KEEP);
        if save
            && let Some(f) = file()
            && let Some(dir) = f.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let json = serde_json::to_string_pretty(list).unwrap_or_default();
            let _ = crate::io::write_atomically(&f, |w| w.write_all(json.as_bytes()));
        }
    }
}
