//! CSV / TSV edge lists: one connection per row, with header detection.
//!
//! Recognised columns (case-insensitive):
//! - presynaptic: `pre`, `source`, `from`, `pre_root_id`, `bodyId_pre`, `presynaptic`
//! - postsynaptic: `post`, `target`, `to`, `post_root_id`, `bodyId_post`, `postsynaptic`
//! - signed weight: `weight` (a negative value marks an inhibitory connection);
//!   counts: `syn_count`, `synapses`, `count`, `nsyn` (must not be negative);
//!   without a weight column every row weighs 1
//! - `type` / `kind` / `edge_type`: chemical | electrical (gap junction, gap, EJ, ...) | other |
//!   undirected; any other value is read as kind `other`, the value kept and reported
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
    let tsv = name.ends_with(".tsv")
        || name.ends_with(".tsv.gz")
        || (first_line.contains(&b'\t') && !first_line.contains(&b','));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if tsv { b'\t' } else { b',' })
        .buffer_capacity(1 << 16)
        .from_reader(text);
    Ok((path, reader))
}

/// The cells of a header row, trimmed, without a UTF-8 byte-order mark.
pub(crate) fn header_names(record: &csv::StringRecord) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 { h.trim_start_matches('\u{feff}') } else { h }
                .trim()
                .to_owned()
        })
        .collect()
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
pub(crate) enum Role {
    Pre,
    Post,
    Weight(WeightColumn),
    Kind,
    Sign,
    Delay,
    Transmitter,
}

pub(crate) fn role_of(header: &str) -> Option<Role> {
    Some(match header.trim().to_ascii_lowercase().as_str() {
        "pre" | "source" | "from" | "pre_root_id" | "bodyid_pre" | "presynaptic" | "pre_id" => Role::Pre,
        "post" | "target" | "to" | "post_root_id" | "bodyid_post" | "postsynaptic" | "post_id" => Role::Post,
        "weight" => Role::Weight(WeightColumn::Signed),
        "syn_count" | "synapses" | "count" | "nsyn" | "n_syn" | "synapse_count" => Role::Weight(WeightColumn::Count),
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
        let headers = header_names(first);
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
                headers: (0..headers.len())
                    .map(|i| names.get(i).unwrap_or(&"extra").to_string())
                    .collect(),
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
                Problem::MissingColumn {
                    wanted: wanted.into(),
                    found: headers.join(","),
                },
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
    read_edges_as(source, builder, unknown, false)
}

/// Like [`read_edges`], for formats whose `weight` column is a count (neuPrint): a negative
/// value is an error rather than an inhibitory sign.
pub(crate) fn read_count_edges(
    source: Source,
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
) -> Result<usize, ReadError> {
    read_edges_as(source, builder, unknown, true)
}

fn read_edges_as(
    source: Source,
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
    counts: bool,
) -> Result<usize, ReadError> {
    let (path, mut reader) = open_table(source)?;
    read_rows(&path, &mut reader, builder, unknown, counts)
        .map_err(|e| reader.get_mut().get_mut().prefer_gzip_error(&path, e))
}

fn read_rows(
    path: &Path,
    reader: &mut TableReader,
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
    counts: bool,
) -> Result<usize, ReadError> {
    let mut first = csv::StringRecord::new();
    if !reader.read_record(&mut first).map_err(|e| csv_error(path, e))? {
        return Err(ReadError::new(path, Location::File, Problem::Empty));
    }
    let (mut layout, has_header) = Layout::detect(path, &first)?;
    if let (true, Some((_, column))) = (counts, &mut layout.weight) {
        *column = WeightColumn::Count;
    }
    let mut rows = 0usize;
    let mut ids = Ids::default();
    if !has_header {
        rows += 1;
        read_row(
            path,
            &layout,
            first.as_byte_record(),
            [None; 2],
            builder,
            unknown,
            &mut ids,
        )?;
    }
    // Rows are read in batches so that the id lookups of a whole batch run back to back:
    // independent hash-table probes overlap their cache misses, where row by row each waits
    // for memory alone (a whole-brain table of 139k ids does not fit in cache).
    const BATCH: usize = 256;
    let mut batch = vec![csv::ByteRecord::new(); BATCH];
    let mut keys = vec![None::<u64>; 2 * BATCH];
    let mut known = vec![[None::<u32>; 2]; BATCH];
    loop {
        let (mut len, mut pending, mut end) = (0, None, false);
        while len < BATCH && !end {
            match reader.read_byte_record(&mut batch[len]) {
                Ok(true) => len += 1,
                Ok(false) => end = true,
                // Reported after the rows before it, which may hold an earlier error.
                Err(e) => (pending, end) = (Some(csv_error(path, e)), true),
            }
        }
        for (record, k) in batch[..len].iter().zip(keys.chunks_exact_mut(2)) {
            k[0] = record.get(layout.pre).and_then(canonical_u64);
            k[1] = record.get(layout.post).and_then(canonical_u64);
        }
        for (k, found) in keys.chunks_exact(2).zip(&mut known[..len]) {
            *found = [0, 1].map(|j| k[j].and_then(|id| ids.index.get(&id).copied()));
        }
        for (record, &found) in batch[..len].iter().zip(&known) {
            rows += 1;
            read_row(path, &layout, record, found, builder, unknown, &mut ids)?;
        }
        if let Some(e) = pending {
            return Err(e);
        }
        if end {
            break;
        }
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
    known: [Option<u32>; 2],
    builder: &mut ConnectomeBuilder,
    unknown: UnknownNeurons,
    ids: &mut Ids,
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
            Problem::Ragged {
                expected: layout.headers.len(),
                found: record.len(),
            },
        ));
    }
    let at = |col: usize, problem| {
        ReadError::new(
            path,
            Location::Cell {
                line,
                column: layout.headers[col].clone(),
            },
            problem,
        )
    };
    let text = |col: usize| -> Result<&str, ReadError> {
        std::str::from_utf8(&record[col])
            .map(str::trim)
            .map_err(|_| at(col, Problem::NotUtf8))
    };
    let mut neuron = |col: usize, known: Option<u32>, builder: &mut ConnectomeBuilder| {
        // Fast path: an integer id seen before (the bulk of a whole-brain list).
        if let Some(i) = known {
            return Ok(i as usize);
        }
        let name = text(col)?;
        let raw = &record[col];
        if raw.first().is_some_and(u8::is_ascii_whitespace) || raw.last().is_some_and(u8::is_ascii_whitespace) {
            builder.trimmed_names += 1;
        }
        if name.is_empty() {
            return Err(at(col, Problem::Invalid("empty neuron name".into())));
        }
        let i = match (builder.neurons.find(name), unknown) {
            (Some(i), _) => i,
            (None, UnknownNeurons::Add) => builder.neurons.find_or_add(name),
            (None, UnknownNeurons::Error) => return Err(at(col, Problem::UnknownNode(name.to_owned()))),
        };
        if let Some(id) = canonical_u64(&record[col]) {
            ids.index.insert(id, i as u32);
        }
        Ok(i)
    };
    let pre = neuron(layout.pre, known[0], builder)?;
    let post = neuron(layout.post, known[1], builder)?;
    let (weight, mut sign) = match layout.weight {
        Some((col, kind)) => match canonical_u64(&record[col]) {
            // Plain integers (synapse counts) need no float parsing; 15 digits are exact.
            Some(v) if record[col].len() <= 15 => (v as f64, Sign::Unknown),
            _ => fields::weight(text(col)?, kind).map_err(|p| at(col, p))?,
        },
        None => (1.0, Sign::Unknown),
    };
    let kind_cell = match layout.kind {
        Some(col) => text(col)?,
        None => "",
    };
    if let Some(col) = layout.sign {
        let given = fields::sign(text(col)?).map_err(|p| at(col, p))?;
        if given != Sign::Unknown {
            if sign != Sign::Unknown && sign != given {
                return Err(at(
                    col,
                    Problem::Conflict("the sign contradicts the negative weight".into()),
                ));
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
    // `has_nt` spares a look into the (larger, uncached) transmitter column on every row.
    if let Some(col) = layout.transmitter
        && !ids.has_nt.get(pre).is_some_and(|&b| b)
    {
        let nt = text(col)?;
        if !nt.is_empty() && builder.neurons.neurotransmitter.get(pre).is_none() {
            builder.neurons.neurotransmitter.set(pre, nt);
        }
        if builder.neurons.neurotransmitter.get(pre).is_some() {
            if ids.has_nt.len() <= pre {
                ids.has_nt.resize(pre + 1, false);
            }
            ids.has_nt[pre] = true;
        }
    }
    match fields::known_kind(kind_cell) {
        Some(kind) => builder.add_edge(kind, pre, post, weight, sign, delay, line),
        None => builder.add_edge_of_unknown_type(kind_cell, pre, post, weight, sign, delay, line),
    }
    Ok(())
}

/// What a reader remembers about neurons across rows.
#[derive(Default)]
struct Ids {
    /// Neuron index by integer id, for names that are canonical integers: hashing a `u64` is
    /// far cheaper than hashing and comparing an 18-digit string, ten million times per brain.
    index: rustc_hash::FxHashMap<u64, u32>,
    /// Whether a neuron already has its transmitter.
    has_nt: Vec<bool>,
}

/// The value of a name written as a canonical non-negative integer (digits only, no leading
/// zero), which is then the only name with that value; `None` for anything else.
fn canonical_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    if bytes.len() > 19 {
        // 20 digits may overflow: the slow, checked way (only the largest ids get here).
        let text = std::str::from_utf8(bytes).ok()?;
        return if text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        };
    }
    // Up to 19 digits cannot overflow. Eight at a time: a chain of one multiply per digit
    // would cost more than the hash lookup it feeds.
    let mut chunks = bytes.chunks_exact(8);
    let mut v = 0u64;
    for chunk in &mut chunks {
        v = v * 100_000_000 + eight_digits(chunk.try_into().ok()?)?;
    }
    for &b in chunks.remainder() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// Eight ASCII digits as a number (SWAR: all eight bytes in one register), or `None`.
fn eight_digits(bytes: [u8; 8]) -> Option<u64> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let x = u64::from_le_bytes(bytes);
    // Each byte is 0x30..=0x39: high nibble 3, and adding 6 does not carry into it.
    if x & HIGH != ZEROS || x.wrapping_add(0x0606_0606_0606_0606) & HIGH != ZEROS {
        return None;
    }
    // Combine neighbouring digits, then pairs, then quadruples (first byte most significant).
    let d = x - ZEROS;
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((d.wrapping_mul(10_000) + (d >> 32)) & 0xFFFF_FFFF)
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
    let name = edges
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
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
    builder
        .finish()
        .map_err(|e| ReadError::new(path, Location::Line(e.line), Problem::Conflict(e.to_string())))
}

/// Writes the connections as `pre,post,type,weight,sign[,delay]` (`type` is the source's own
/// value for connections of a type we did not know). Weights are magnitudes;
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
        let edges = connectome.edges(kind);
        for (id, e) in edges.iter().enumerate() {
            let weight = e.weight.to_string();
            let delay = e.delay.map(|d| d.to_string()).unwrap_or_default();
            let mut row = vec![
                names[e.pre as usize].as_str(),
                names[e.post as usize].as_str(),
                edges.original_type(id).unwrap_or(kind.as_str()),
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

#[cfg(test)]
mod tests {
    use super::canonical_u64;

    #[test]
    fn canonical_integer_ids() {
        let edges = [
            0u64,
            7,
            10,
            99_999_999,
            100_000_000,
            9_999_999_999_999_999_999,
            u64::MAX,
        ];
        for v in edges.into_iter().chain([720_575_940_629_970_489]) {
            assert_eq!(canonical_u64(v.to_string().as_bytes()), Some(v), "{v}");
        }
        for v in (0..2000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 64)) {
            assert_eq!(canonical_u64(v.to_string().as_bytes()), Some(v), "{v}");
        }
        let bad = ["", "007", "00", "-1", "+1", " 1", "1 ", "1e3", "12345678x", "1234567:"];
        let more = ["12345678/1", "18446744073709551616", "123456789012345678901", "７"];
        for bad in bad.into_iter().chain(more) {
            assert_eq!(canonical_u64(bad.as_bytes()), None, "{bad}");
        }
    }
}
