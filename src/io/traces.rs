//! Activity traces as CSV (or TSV), in two shapes told apart by the header:
//! - wide: a time column (`time` / `time_s` / `t` in seconds, or `time_ms`), then one column
//!   per neuron (a name; `NAME:VARIABLE`, as `simulate --traces` writes, is read as NAME);
//! - long: columns `neuron`, `time_s` (or `time` / `time_ms`) and `value`, one row per
//!   neuron and time, in any order; a (neuron, time) with no row is NaN.
//!
//! An empty cell, `NaN` or `NA` is a missing value (NaN, masked later, never zero). Neuron
//! names that are numbers are refused: they mean a missing header or a wrong column.

use std::collections::HashMap;
use std::path::Path;

use super::recording::invalid;
use super::{Location, Problem, ReadError};
use crate::analysis::functional::Traces;
use crate::model::recording::{RecordingSource, RoiIdentity};
use crate::model::{Recording, TimeAxis};

/// Reads a traces file for the functional analysis (NaN where a value is missing).
pub fn read(path: &Path) -> Result<Traces, String> {
    let r = super::read_recording(path).map_err(|e| e.to_string())?;
    let selection: Vec<(usize, String)> = (0..r.rois.len())
        .filter_map(|roi| Some((roi, r.rois[roi].label.clone()?)))
        .collect();
    Ok(r.to_traces(&selection))
}

/// Reads a wide or long traces CSV held in memory.
pub fn read_recording(name: &Path, bytes: &[u8]) -> Result<Recording, ReadError> {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(name, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let cell = |line: u64, column: &str, problem| {
        ReadError::new(
            name,
            Location::Cell {
                line,
                column: column.to_string(),
            },
            problem,
        )
    };
    let column = |wanted: &[&str]| headers.iter().position(|h| wanted.contains(&h.as_str()));
    let time_scale = |h: &str| if h == "time_ms" { 0.001 } else { 1.0 };
    let long = (
        column(&["neuron"]),
        column(&["time_s", "time", "t", "time_ms"]),
        column(&["value"]),
    );
    let (time, names, values, format) = if let (Some(n), Some(t), Some(v)) = long {
        let scale = time_scale(&headers[t]);
        let mut rows: Vec<(usize, f64, f32)> = Vec::new();
        let mut neuron_index: HashMap<String, usize> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(name, e))?;
            let line = record.position().map_or(0, |p| p.line());
            let label = record[n].trim();
            if label.is_empty() || label.parse::<f64>().is_ok() {
                return Err(cell(
                    line,
                    &headers[n],
                    Problem::Invalid(format!(
                        "'{label}' is not a neuron name (a column of numbers where names belong?)"
                    )),
                ));
            }
            let time = finite(&record[t]).map_err(|p| cell(line, &headers[t], p))? * scale;
            let value = missing_or_number(&record[v]).map_err(|p| cell(line, &headers[v], p))?;
            let k = *neuron_index.entry(label.to_string()).or_insert_with(|| {
                names.push(label.to_string());
                names.len() - 1
            });
            rows.push((k, time, value));
        }
        let mut times: Vec<f64> = rows.iter().map(|r| r.1).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let frames = times.len();
        let mut values = vec![f32::NAN; names.len() * frames];
        let mut filled = vec![false; values.len()];
        for &(k, t, v) in &rows {
            let f = times.partition_point(|&x| x < t);
            if std::mem::replace(&mut filled[k * frames + f], true) {
                return Err(ReadError::new(
                    name,
                    Location::File,
                    Problem::Invalid(format!("neuron '{}' has two values at {t} s", names[k])),
                ));
            }
            values[k * frames + f] = v;
        }
        (times, names, values, "long traces CSV")
    } else {
        if headers.len() < 2 {
            return Err(ReadError::new(
                name,
                Location::Line(1),
                Problem::Invalid(
                    "a time column and at least one neuron column are needed (or neuron,time_s,value)".into(),
                ),
            ));
        }
        if headers.iter().all(|h| h.parse::<f64>().is_ok()) {
            return Err(ReadError::new(
                name,
                Location::Line(1),
                Problem::Invalid(
                    "the first row is numbers: the header row (time_s,NAME,... or neuron,time_s,value) is missing"
                        .into(),
                ),
            ));
        }
        let scale = match headers[0].as_str() {
            "time" | "time_s" | "t" | "time_ms" => time_scale(&headers[0]),
            other => {
                return Err(ReadError::new(
                    name,
                    Location::Line(1),
                    Problem::Invalid(format!(
                        "the first column must be time (s) or time_ms, not '{other}' (or use the long form neuron,time_s,value)"
                    )),
                ));
            }
        };
        let names: Vec<String> = headers[1..]
            .iter()
            .map(|h| h.split(':').next().unwrap_or(h).trim().to_string())
            .collect();
        if let Some(bad) = names.iter().find(|n| n.is_empty() || n.parse::<f64>().is_ok()) {
            return Err(ReadError::new(
                name,
                Location::Line(1),
                Problem::Invalid(format!(
                    "column name '{bad}' is not a neuron name (is the header row missing?)"
                )),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(ReadError::new(
                name,
                Location::Line(1),
                Problem::DuplicateNode(dup.clone()),
            ));
        }
        let mut times = Vec::new();
        let mut columns: Vec<Vec<f32>> = vec![Vec::new(); names.len()];
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(name, e))?;
            let line = record.position().map_or(0, |p| p.line());
            let t = finite(&record[0]).map_err(|p| cell(line, &headers[0], p))? * scale;
            if times.last().is_some_and(|&last| t <= last) {
                return Err(cell(line, &headers[0], Problem::Invalid("times must increase".into())));
            }
            times.push(t);
            for (k, (series, field)) in columns.iter_mut().zip(record.iter().skip(1)).enumerate() {
                series.push(missing_or_number(field).map_err(|p| cell(line, &headers[k + 1], p))?);
            }
        }
        (times, names, columns.concat(), "traces CSV")
    };
    if time.is_empty() {
        return Err(ReadError::new(name, Location::File, Problem::HeaderOnly));
    }
    let rois = names
        .into_iter()
        .map(|n| RoiIdentity {
            label: Some(n),
            ..Default::default()
        })
        .collect();
    let source = RecordingSource {
        path: name.display().to_string(),
        format: format.into(),
        series: String::new(),
    };
    Recording::new(source, TimeAxis::Irregular(time), rois, values, vec![], vec![]).map_err(|e| invalid(name, None, e))
}

fn csv_error(name: &Path, e: csv::Error) -> ReadError {
    let location = e.position().map_or(Location::File, |p| Location::Line(p.line()));
    let problem = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Problem::Ragged {
            expected: *expected_len as usize,
            found: *len as usize,
        },
        csv::ErrorKind::Utf8 { .. } => Problem::NotUtf8,
        _ => Problem::Invalid(e.to_string()),
    };
    ReadError::new(name, location, problem)
}

fn finite(s: &str) -> Result<f64, Problem> {
    let v: f64 = s.trim().parse().map_err(|_| Problem::NotANumber(s.to_string()))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Problem::NotFinite(s.to_string()))
    }
}

fn missing_or_number(s: &str) -> Result<f32, Problem> {
    match s.trim() {
        "" | "NaN" | "nan" | "NA" => Ok(f32::NAN),
        t => {
            let v: f64 = t.parse().map_err(|_| Problem::NotANumber(s.to_string()))?;
            if v.is_finite() {
                Ok(v as f32)
            } else {
                Err(Problem::NotFinite(s.to_string()))
            }
        }
    }
}
