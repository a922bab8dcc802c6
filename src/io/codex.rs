//! codex folder reader (in progress).

use std::path::Path;

use crate::model::Connectome;

use super::{LoadOptions, Location, Problem, ReadError};

pub fn looks_like(_dir: &Path) -> bool {
    false
}

pub fn read_dir(dir: &Path, _options: &LoadOptions) -> Result<Connectome, ReadError> {
    Err(ReadError::new(dir, Location::File, Problem::UnknownFormat("codex not yet supported".into())))
}
