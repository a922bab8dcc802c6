//! The one error type of every reader: which file, where in it, and what is wrong.

use std::fmt;
use std::path::PathBuf;

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (e.g. it is empty).
    File,
    /// A line (1-based).
    Line(u64),
    /// A cell of a table: line and column name.
    Cell { line: u64, column: String },
    /// An XML element, with the line it starts on.
    Element { line: u64, element: String },
    /// A JSON key or an HDF5 object path.
    Object(String),
}

/// What is wrong. Tests match on these variants.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("cannot read it: {0}")]
    Io(String),
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header but no rows")]
    HeaderOnly,
    #[error("missing required column: {wanted} (found: {found})")]
    MissingColumn { wanted: String, found: String },
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("'{0}' is not a finite number")]
    NotFinite(String),
    #[error("'{0}' is a negative count (only a signed `weight` column may be negative)")]
    NegativeCount(String),
    #[error("the row has {found} fields but the header has {expected}")]
    Ragged { expected: usize, found: usize },
    #[error("unknown connection type '{0}' (expected chemical, electrical / gap junction, or other)")]
    UnknownKind(String),
    #[error("unknown sign '{0}' (expected +/-, 1/-1, excitatory/inhibitory)")]
    UnknownSign(String),
    #[error("this is binary data, not text")]
    Binary,
    #[error("the text is not valid UTF-8")]
    NotUtf8,
    #[error("invalid XML: {0}")]
    Xml(String),
    #[error("the document ends before it is complete")]
    Truncated,
    #[error("refers to unknown neuron '{0}'")]
    UnknownNode(String),
    #[error("neuron '{0}' is listed twice")]
    DuplicateNode(String),
    #[error("corrupt gzip data: {0}")]
    Gzip(String),
    #[error("the line is longer than {0} bytes")]
    LineTooLong(usize),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("unrecognised format: {0}")]
    UnknownFormat(String),
    #[error("missing {0}")]
    MissingKey(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("cannot read it as HDF5: {0}")]
    Hdf5(String),
    #[error("{0}")]
    Recording(crate::model::recording::RecordingError),
}

/// A reader's error: the file, the place in it and the problem.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ReadError {
    pub path: PathBuf,
    pub location: Location,
    pub problem: Problem,
}

impl ReadError {
    pub fn new(path: impl Into<PathBuf>, location: Location, problem: Problem) -> ReadError {
        ReadError {
            path: path.into(),
            location,
            problem,
        }
    }

    /// The line the problem is on, if it has one.
    pub fn line(&self) -> Option<u64> {
        match &self.location {
            Location::File | Location::Object(_) => None,
            Location::Line(l) | Location::Cell { line: l, .. } | Location::Element { line: l, .. } => Some(*l),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        match &self.location {
            Location::File => {}
            Location::Line(l) => write!(f, ":{l}")?,
            Location::Cell { line, column } => write!(f, ":{line}: column '{column}'")?,
            Location::Element { line, element } => write!(f, ":{line}: <{element}>")?,
            Location::Object(path) => write!(f, ": '{path}'")?,
        }
        write!(f, ": {}", self.problem)
    }
}
