//! gexf reader and writer (in progress).

use std::io::{self, Write};

use crate::model::Connectome;

use super::{LoadOptions, Location, Problem, ReadError, Source};

pub fn read(source: Source, _options: &LoadOptions) -> Result<Connectome, ReadError> {
    Err(ReadError::new(source.path, Location::File, Problem::UnknownFormat("gexf not yet supported".into())))
}

pub fn write(_connectome: &Connectome, _out: &mut dyn Write) -> io::Result<()> {
    Err(io::Error::other("gexf writer not yet supported"))
}
