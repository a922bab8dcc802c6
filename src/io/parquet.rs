//! Apache Parquet edge tables, through the `parquet` crate's row API (no arrow).
//!
//! Columns are recognised by name, case-insensitively:
//! - FlyWire's `Connectivity_783.parquet` as the whole-brain LIF model of Shiu et al. uses it:
//!   `Presynaptic_ID`, `Postsynaptic_ID` (64-bit root ids, kept exact as names),
//!   `Connectivity` (synapse count), `Excitatory` (1 excitatory; 0 or -1 inhibitory) and
//!   `Excitatory x Connectivity` (the signed count, used when `Connectivity` or `Excitatory` is
//!   missing). The model's own 0-based `Presynaptic_Index` / `Postsynaptic_Index` are not
//!   needed: neurons are named by their ids.
//! - Codex-style and our usual names, as in CSV edge lists: `pre_root_id` / `pre` / `source`,
//!   `post_root_id` / `post` / `target`, `syn_count` / `weight`, `type`, `sign`, `delay`,
//!   `nt_type`.
//!
//! Rows of the same pair and kind are summed (reported), as in every reader. Snappy, gzip,
//! brotli and zstd pages are read.

use std::fs::File;
use std::path::Path;

use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;

use crate::model::{Connectome, ConnectomeBuilder, Sign};

use super::csv_edges::{self, Role, role_of};
use super::fields::{self, WeightColumn};
use super::neuron_table::{self, TableRole};
use super::{LoadOptions, Location, Problem, ReadError, Source};

/// What a column of an edge table means.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Edge(Role),
    /// FlyWire's `Excitatory` flag.
    Excitatory,
    /// FlyWire's `Excitatory x Connectivity`: a signed count.
    SignedCount,
}

fn column_of(name: &str) -> Option<Column> {
    let lower = name.trim().to_ascii_lowercase();
    Some(match lower.as_str() {
        "presynaptic_id" => Column::Edge(Role::Pre),
        "postsynaptic_id" => Column::Edge(Role::Post),
        "connectivity" => Column::Edge(Role::Weight(WeightColumn::Count)),
        "excitatory" => Column::Excitatory,
        "excitatory x connectivity" => Column::SignedCount,
        _ => Column::Edge(role_of(&lower)?),
    })
}

/// Reads a Parquet edge list file and the neuron table `options` names, if any.
pub fn read_file(path: &Path, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let file = File::open(path).map_err(|e| ReadError::new(path, Location::File, Problem::Io(e.to_string())))?;
    read_from(path, file, options)
}

/// Reads a Parquet edge list held in memory, named `name` in errors (fuzzing, embedding).
pub fn read_bytes(name: &str, bytes: Vec<u8>, options: &LoadOptions) -> Result<Connectome, ReadError> {
    read_from(Path::new(name), bytes::Bytes::from(bytes), options)
}

fn parquet_error(path: &Path, e: ParquetError) -> ReadError {
    ReadError::new(
        path,
        Location::File,
        Problem::Invalid(format!("not a Parquet file we can read: {e}")),
    )
}

/// Reads through [`read_checked`]; a panic inside the `parquet` crate on a corrupt file (it has
/// a few asserts) becomes an error rather than bringing the program down.
fn read_from<R: ChunkReader + 'static>(path: &Path, input: R, options: &LoadOptions) -> Result<Connectome, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_checked(path, input, options))).unwrap_or_else(|_| {
        Err(ReadError::new(
            path,
            Location::File,
            Problem::Invalid("not a Parquet file we can read: the parquet library failed on it".into()),
        ))
    })
}

/// Refuses column chunks that lie outside the file: the `parquet` crate asserts on them.
fn check_chunks<R: ChunkReader + 'static>(
    path: &Path,
    reader: &SerializedFileReader<R>,
    len: u64,
) -> Result<(), ReadError> {
    for group in reader.metadata().row_groups() {
        for column in group.columns() {
            let start = column.dictionary_page_offset().unwrap_or(column.data_page_offset());
            let size = column.compressed_size();
            if start < 0 || size < 0 || (start as u64).saturating_add(size as u64) > len {
                return Err(ReadError::new(
                    path,
                    Location::File,
                    Problem::Invalid(format!(
                        "not a Parquet file we can read: column {} lies outside the file",
                        column.column_path()
                    )),
                ));
            }
        }
    }
    Ok(())
}

fn read_checked<R: ChunkReader + 'static>(
    path: &Path,
    input: R,
    options: &LoadOptions,
) -> Result<Connectome, ReadError> {
    let len = input.len();
    let reader = SerializedFileReader::new(input).map_err(|e| parquet_error(path, e))?;
    check_chunks(path, &reader, len)?;
    let schema = reader.metadata().file_metadata().schema_descr().root_schema();
    // The columns we use, in the order the projection gives them.
    let mut wanted = Vec::new();
    let mut columns = Vec::new();
    let mut selected = Vec::new();
    let mut names = Vec::new();
    let same = |a: &Column, b: &Column| {
        a == b || matches!((a, b), (Column::Edge(Role::Weight(_)), Column::Edge(Role::Weight(_))))
    };
    for field in schema.get_fields() {
        names.push(field.name().to_owned());
        if let (Some(c), true) = (column_of(field.name()), field.is_primitive()) {
            // The first column of each meaning wins, as in CSV.
            if !columns.iter().any(|d| same(d, &c)) {
                wanted.push(field.clone());
                columns.push(c);
                selected.push(field.name().to_owned());
            }
        }
    }
    let find = |want: Column| columns.iter().position(|&c| c == want);
    let missing = |wanted: &str| {
        ReadError::new(
            path,
            Location::File,
            Problem::MissingColumn {
                wanted: wanted.into(),
                found: names.join(","),
            },
        )
    };
    let pre = find(Column::Edge(Role::Pre)).ok_or_else(|| missing("Presynaptic_ID or pre_root_id (or pre, source)"))?;
    let post =
        find(Column::Edge(Role::Post)).ok_or_else(|| missing("Postsynaptic_ID or post_root_id (or post, target)"))?;
    let weight = columns.iter().position(|c| matches!(c, Column::Edge(Role::Weight(_))));
    let excitatory = find(Column::Excitatory);
    let signed = find(Column::SignedCount);
    let kind = find(Column::Edge(Role::Kind));
    let sign = find(Column::Edge(Role::Sign));
    let delay = find(Column::Edge(Role::Delay));
    let transmitter = find(Column::Edge(Role::Transmitter));

    let projection = Type::group_type_builder(schema.name())
        .with_fields(wanted)
        .build()
        .map_err(|e| parquet_error(path, e))?;
    let rows = reader
        .get_row_iter(Some(projection))
        .map_err(|e| parquet_error(path, e))?;
    let mut b = ConnectomeBuilder::new();
    b.sign_rule = options.sign_rule;
    let mut ids = rustc_hash::FxHashMap::<i64, u32>::default();
    let mut count = 0u64;
    for row in rows {
        count += 1;
        // Row numbers count from 1, as lines of a table do from its header.
        let line = count;
        let row = row.map_err(|e| parquet_error(path, e))?;
        let cells: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
        let at = |col: usize, problem| {
            ReadError::new(
                path,
                Location::Cell {
                    line,
                    column: selected[col].clone(),
                },
                problem,
            )
        };
        let mut neuron = |col: usize| -> Result<usize, ReadError> {
            match cells[col] {
                Field::Long(id) => Ok(*ids
                    .entry(*id)
                    .or_insert_with(|| b.neurons.find_or_add(&id.to_string()) as u32)
                    as usize),
                f => {
                    let name = text(f);
                    let name = name.trim();
                    if name.is_empty() {
                        return Err(at(col, Problem::Invalid("empty neuron name".into())));
                    }
                    Ok(b.neurons.find_or_add(name))
                }
            }
        };
        let (pre, post) = (neuron(pre)?, neuron(post)?);
        let number = |col: usize| -> Result<Option<f64>, ReadError> {
            match cells[col] {
                Field::Null => Ok(None),
                f => fields::number(&text(f)).map(Some).map_err(|p| at(col, p)),
            }
        };
        let (mut w, mut s) = (1.0, Sign::Unknown);
        match (weight, signed) {
            (Some(col), _) => {
                if let Some(v) = number(col)? {
                    let column = match columns[col] {
                        Column::Edge(Role::Weight(c)) => c,
                        _ => WeightColumn::Signed,
                    };
                    (w, s) = fields::weight(&v.to_string(), column).map_err(|p| at(col, p))?;
                }
            }
            (None, Some(col)) => {
                if let Some(v) = number(col)? {
                    (w, s) = (v.abs(), if v < 0.0 { Sign::Inhibitory } else { Sign::Excitatory });
                }
            }
            (None, None) => {}
        }
        if let Some(col) = excitatory
            && let Some(v) = number(col)?
        {
            s = if v > 0.0 { Sign::Excitatory } else { Sign::Inhibitory };
        }
        if let Some(col) = sign {
            let given = fields::sign(&text(cells[col])).map_err(|p| at(col, p))?;
            if given != Sign::Unknown {
                s = given;
            }
        }
        let delay = match delay {
            Some(col) => number(col)?.map(|d| d as f32),
            None => None,
        };
        if let Some(col) = transmitter {
            let nt = text(cells[col]);
            if !nt.trim().is_empty() && b.neurons.neurotransmitter.get(pre).is_none() {
                b.neurons.neurotransmitter.set(pre, nt.trim());
            }
        }
        let kind_cell = kind.map(|col| text(cells[col])).unwrap_or_default();
        match fields::known_kind(&kind_cell) {
            Some(kind) => b.add_edge(kind, pre, post, w, s, delay, line),
            None => b.add_edge_of_unknown_type(kind_cell.trim(), pre, post, w, s, delay, line),
        }
    }
    if count == 0 {
        return Err(ReadError::new(path, Location::File, Problem::HeaderOnly));
    }
    if let Some(table) = &options.neuron_table {
        neuron_table::read(Source::open(table)?, &mut b, TableRole::Annotates)?;
    }
    csv_edges::finish(b, path)
}

/// A cell as text (numbers as Rust writes them, which round-trips them exactly).
fn text(field: &Field) -> String {
    match field {
        Field::Null => String::new(),
        Field::Bool(v) => v.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        other => other.to_string(),
    }
}
