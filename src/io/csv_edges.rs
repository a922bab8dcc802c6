//! CSV / TSV edge lists: one connection per row, with header detection.
//!
//! Recognised columns (case-insensitive):
//! - presynaptic: `pre`, `source`, `from`, `pre_root_id`, `bodyId_pre`, `presynaptic`
//! - postsynaptic: `post`, `target`, `to`, `post_root_id`, `bodyId_post`, `postsynaptic`
//! - signed weight: `weight` (a negative value marks an inhibitory connection);
//!   counts: `syn_count`, `synapses`, `count`, `nsyn` (must not be negative);
//!   without a weight column every row weighs 1
//! - `type` / `kind` / `edge_type`: chemical | electrical (gap junction, gap, EJ, ...) | other
//! - `sign` / `polarity`, `delay` (ms), `nt_type` (annotates the presynaptic neuron)
//!
//! Other columns (e.g. Codex's `neuropil`, neuPrint's `roi`) are ignored; rows of the same pair
//! and kind are summed. A file without a header is read as `pre,post[,weight[,type]]`.
//! Names may be anything, including integers (`0,27,3`) and 64-bit body ids, kept verbatim.

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign};

use super::fields::{self, WeightColumn};
use super::neuron_table::{self, TableRole};
use super::{Guard, LoadOptions, Location, MAX_LINE_BYTES, Problem, ReadError, Source, from_io};

/// A CSV reader over guarded text, with the delimiter sniffed from the first line.
pub(crate) type TableReader = csv::Reader<BufReader<Guard>>;

/// Opens a table: tab-separated if the name says `.tsv` or the first line has tabs and no
/// commas; comma-separated otherwise.
pub(crate) fn open_table(source: Source) -> Result<(PathBuf, TableReader), ReadError> {
    let (path, text) = source.text(Some(MAX_LINE_BYTES))?;
    let mut text = BufReader::with_capacity(1 << 16, text);
    let head = text.fill_buf().map_err(|e| from_io(&path, &e, Some(1)))?;
    let first_line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    let name = path.to_string_lossy().to_ascii_lowercase();
    let tsv = name.ends_with(".tsv") || name.ends_with(".tsv.gz")
        || (first_line.contains(&b'\t') && !first_line.contains(&b','));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if tsv { b'\t' } else { b',' })
        .buffer_capacity(1 << 16)
        .from_reader(text);
    Ok((path, reader))
}

/// Maps a csv error to a located `ReadError`.
pub(crate) fn csv_error(path: &Path, err: csv::Error) -> ReadError {
    let line = err.position().map(|p| p.line());
    match err.into_kind() {
        csv::ErrorKind::Io(e) => from_io(path, &e, line),
        csv::ErrorKind::Utf8 { pos, .. } => {
            let line = pos.map(|p| p.line()).or(line);
            ReadError::new(path, line.map_or(Location::File, Location::Line), Problem::NotUtf8)
        }
        other => ReadError::new(
            path,
            line.map_or(Location::File, Location::Line),
            Problem::Invalid(format!("{other:?}")),
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Pre,
    Post,
    Weight(WeightColumn),
    Kind,
    Sign,
    Delay,
    Transmitter,
}

fn role_of(header: &str) -> Option<Role> {
    Some(match header.trim().to_ascii_lowercase().as_str() {
        "pre" | "source" | "from" | "pre_root_id" | "bodyid_pre" | "presynaptic" | "pre_id" => {
            Role::Pre
        }
        "post" | "target" | "to" | "post_root_id" | "bodyid_post" | "postsynaptic" | "post_id" => {
            Role::Post
        }
        "weight" => Role::Weight(WeightColumn::Signed),
        "syn_count" | "synapses" | "count" | "nsyn" | "n_syn" | "synapse_count" => {
            Role::Weight(WeightColumn::Count)
        }
        "type" | "kind" | "edge_type" | "connection_type" | "synapse_type" => Role::Kind,
        "sign" | "polarity" => Role::Sign,
        "delay" | "delay_ms" => Role::Delay,
        "nt_type" => Role::Transmitter,
        _ => return None,
    })
}

/// Column positions of one edge list.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub headers: Vec<String>,
    pub pre: usize,
    pub post: usize,
    weight: Option<(usize, WeightColumn)>,
    pub kind: Option<usize>,
    pub sign: Option<usize>,
    delay: Option<usize>,
    transmitter: Option<usize>,
}

impl Layout {
    /// Works out the columns from the first record: a header if it names a known column,
    /// else positional `pre,post[,weight[,type]]`.
    pub fn detect(path: &Path, first: &csv::StringRecord) -> Result<(Layout, bool), ReadError> {
        let headers: Vec<String> = first
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.trim().to_owned())
            .collect();
        let roles: Vec<Option<Role>> = headers.iter().map(|h| role_of(h)).collect();
        if roles.iter().all(Option::is_none) {
            let numeric_weight = headers.get(2).is_none_or(|w| w.parse::<f64>().is_ok());
            if headers.len() < 2 || !numeric_weight {
                return Err(ReadError::new(
                    path,
                    Location::Line(1),
                    Problem::MissingColumn {
                        wanted: "pre and post (or source/target, from/to, pre_root_id/post_root_id, \
                                 bodyId_pre/bodyId_post)"
                            .into(),
                        found: headers.join(","),
                    },
                ));
            }
            let names = ["pre", "post", "weight", "type"];
            let layout = Layout {
                headers: (0..headers.len()).map(|i| names.get(i).unwrap_or(&"extra").to_string()).collect(),
                pre: 0,
                post: 1,
                weight: (headers.len() > 2).then_some((2, WeightColumn::Signed)),
                kind: (headers.len() > 3).then_some(3),
                ..Default::default()
            };
            return Ok((layout, false));
        }
        let find = |want: fn(Role) -> bool| roles.iter().position(|r| r.is_some_and(want));
        let missing = |wanted: &str| {
            ReadError::new(
                path,
                Location::Line(1),
                Problem::MissingColumn { wanted: wanted.into(), found: headers.join(",") },
            )
        };
        let pre = find(|r| r == Role::Pre).ok_or_else(|| missing("pre (or source, from, pre_root_id, bodyId_pre)"))?;
        let post =
            find(|r| r == Role::Post).ok_or_else(|| missing("post (or target, to, post_root_id, bodyId_post)"))?;
        let weight = find(|r| matches!(r, Role::Weight(_))).map(|i| match roles[i] {
            Some(Role::Weight(w)) => (i, w),
            _ => unreachable!(),
        });
        Ok((
            Layout {
                pre,
                post,
                weight,
                kind: find(|r| r == Role::Kind),
                sign: find(|r| r == Role::Sign),
                delay: find(|r| r == Role::Delay),
                transmitter: find(|r| r == Role::Transmitter),
                headers,
            },
            true,
        ))
    }
}

/// What to do with a name that no neuron table declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownNeurons {
    /// Add it as a neuron without annotations (plain edge lists).
    Add,
    /// Report it (the neurons were defined by a table).
    Error,
}

/// Reads the rows of an edge list into `builder`. Returns the number of rows read.
pub fn read_edges(
    source: Source,
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
) -> Result<usize, ReadError> {
    let (path, mut reader) = open_table(source)?;
    read_rows(&path, &mut reader, builder, unknown)
        .map_err(|e| reader.get_mut().get_mut().prefer_gzip_error(&path, e))
}

fn read_rows(
    path: &Path,
    reader: &mut TableReader,
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
) -> Result<usize, ReadError> {
    let mut first = csv::StringRecord::new();
    if !reader.read_record(&mut first).map_err(|e| csv_error(path, e))? {
        return Err(ReadError::new(path, Location::File, Problem::Empty));
    }
    let (layout, has_header) = Layout::detect(path, &first)?;
    let mut rows = 0usize;
    let mut row = |record: &csv::ByteRecord, builder: &mut ConnectomeBuilder| {
        rows += 1;
        read_row(path, &layout, record, builder, unknown)
    };
    if !has_header {
        row(first.as_byte_record(), builder)?;
    }
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(|e| csv_error(path, e))? {
        row(&record, builder)?;
    }
    if rows == 0 {
        return Err(ReadError::new(path, Location::File, Problem::HeaderOnly));
    }
    Ok(rows)
}

fn read_row(
    path: &Path,
    layout: &Layout,
    record: &csv::ByteRecord,
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
) -> Result<(), ReadError> {
    let line = record.position().map_or(1, |p| p.line());
    if record.len() != layout.headers.len() {
        // A blank line inside a file is harmless; a short or long row is not.
        if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        return Err(ReadError::new(
            path,
            Location::Line(line),
            Problem::Ragged { expected: layout.headers.len(), found: record.len() },
        ));
    }
    let at = |col: usize, problem| {
        ReadError::new(path, Location::Cell { line, column: layout.headers[col].clone() }, problem)
    };
    let text = |col: usize| -> Result<&str, ReadError> {
        std::str::from_utf8(&record[col]).map(str::trim).map_err(|_| at(col, Problem::NotUtf8))
    };
    let neuron = |col: usize, builder: &mut ConnectomeBuilder| -> Result<usize, ReadError> {
        let name = text(col)?;
        if name.is_empty() {
            return Err(at(col, Problem::Invalid("empty neuron name".into())));
        }
        match (builder.neurons.find(name), unknown) {
            (Some(i), _) => Ok(i),
            (None, UnknownNeurons::Add) => Ok(builder.neurons.find_or_add(name)),
            (None, UnknownNeurons::Error) => Err(at(col, Problem::UnknownNode(name.to_owned()))),
        }
    };
    let pre = neuron(layout.pre, builder)?;
    let post = neuron(layout.post, builder)?;
    let (weight, mut sign) = match layout.weight {
        Some((col, kind)) => fields::weight(text(col)?, kind).map_err(|p| at(col, p))?,
        None => (1.0, Sign::Unknown),
    };
    let kind = match layout.kind {
        Some(col) => fields::kind(text(col)?).map_err(|p| at(col, p))?,
        None => EdgeKind::Chemical,
    };
    if let Some(col) = layout.sign {
        let given = fields::sign(text(col)?).map_err(|p| at(col, p))?;
        if given != Sign::Unknown {
            if sign != Sign::Unknown && sign != given {
                return Err(at(col, Problem::Conflict("the sign contradicts the negative weight".into())));
            }
            sign = given;
        }
    }
    let delay = match layout.delay {
        Some(col) => match text(col)? {
            "" => None,
            d => Some(fields::number(d).map_err(|p| at(col, p))? as f32),
        },
        None => None,
    };
    if let Some(col) = layout.transmitter {
        let nt = text(col)?;
        if !nt.is_empty() && builder.neurons.neurotransmitter.get(pre).is_none() {
            builder.neurons.neurotransmitter.set(pre, nt);
        }
    }
    builder.add_edge(kind, pre, post, weight, sign, delay, line);
    Ok(())
}

/// The sidecar neuron table of an edge list, if one exists: `X.neurons.csv` for `X.csv`, and
/// `A_neurons.csv` for `A_edges.csv`.
pub fn find_sidecar(edges: &Path) -> Option<PathBuf> {
    let candidate = neuron_table_path(edges);
    if candidate.is_file() {
        return Some(candidate);
    }
    let name = edges.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    let base = stem.strip_suffix("_edges")?;
    let ext = &name[stem.len()..];
    let candidate = edges.with_file_name(format!("{base}_neurons{ext}"));
    candidate.is_file().then_some(candidate)
}

/// Where the CSV writer puts the neuron table of `edges`: `X.neurons.csv` beside `X.csv`.
pub fn neuron_table_path(edges: &Path) -> PathBuf {
    let name = edges.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.split('.').next().unwrap_or("edges");
    edges.with_file_name(format!("{stem}.neurons.csv"))
}

/// Reads an edge list file and its neuron table (given in `options`, or the sidecar).
pub fn read_file(path: &Path, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let mut builder = ConnectomeBuilder::new();
    builder.sign_rule = options.sign_rule;
    let table = options.neuron_table.clone().or_else(|| find_sidecar(path));
    let unknown = match &table {
        Some(table) => {
            neuron_table::read(Source::open(table)?, &mut builder, TableRole::Defines)?;
            builder.neurons_from_table = true;
            UnknownNeurons::Error
        }
        None => UnknownNeurons::Add,
    };
    read_edges(Source::open(path)?, &mut builder, unknown)?;
    finish(builder, path)
}

/// Finishes a builder, placing merge conflicts in `path`.
pub(crate) fn finish(builder: ConnectomeBuilder, path: &Path) -> Result<Connectome, ReadError> {
    builder.finish().map_err(|e| {
        ReadError::new(path, Location::Line(e.line), Problem::Conflict(e.to_string()))
    })
}

/// Writes the connections as `pre,post,type,weight,sign[,delay]`. Weights are magnitudes;
/// `sign` holds a connection's own sign (`+`, `-` or empty). Neuron signs go to the table.
pub fn write_edges(connectome: &Connectome, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let delays = EdgeKind::ALL.iter().any(|&k| connectome.edges(k).has_delays());
    let mut header = vec!["pre", "post", "type", "weight", "sign"];
    if delays {
        header.push("delay");
    }
    w.write_record(&header)?;
    let names = connectome.neurons.names();
    for kind in EdgeKind::ALL {
        for e in connectome.edges(kind).iter() {
            let weight = e.weight.to_string();
            let delay = e.delay.map(|d| d.to_string()).unwrap_or_default();
            let mut row = vec![
                names[e.pre as usize].as_str(),
                names[e.post as usize].as_str(),
                kind.as_str(),
                &weight,
                neuron_table::sign_cell(e.sign),
            ];
            if delays {
                row.push(&delay);
            }
            w.write_record(&row)?;
        }
    }
    w.flush()
}
