//! NWB 2.x calcium imaging (HDF5, as on DANDI), read with the pure-Rust `hdf5-pure` crate so
//! nothing needs installing.
//!
//! Traces: a `RoiResponseSeries` group under `/processing/<module>/<container>/` (or
//! `/acquisition/`): `data` [time × ROI] (scaled by its `conversion` and `offset`), time from
//! `timestamps` or `starting_time` + its `rate`, and `rois`, the rows of the segmentation
//! (a `PlaneSegmentation`, or ndx-multichannel-volume's `VolumeSegmentation`) the columns are.
//! Where there are several series, ΔF/F (`DfOverF`, `SignalDFoF`) comes first, then the
//! others by path; [`read_series`] picks one by path.
//!
//! Names: the C. elegans NeuroPAL files (ndx-multichannel-volume) keep them in
//! `/processing/<module>/NeuronIDs/labels`, one per segmentation row ('' = unidentified, a
//! trailing `?` = uncertain); otherwise a text column `label`, `labels`, `neuron_name`,
//! `neuron` or `name` of the segmentation table is used. A column of numbers is refused.
//!
//! Behaviour: every 1-D `TimeSeries` under a `behavior` module (resampled linearly to the
//! frames when it has its own times), and every `/intervals/<name>` table (start/stop times).
//! The animal is `/general/subject/subject_id`.

use std::path::Path;

use hdf5_pure::{AttrValue, Dataset, File, Group};

use super::recording::invalid;
use super::{Location, Problem, ReadError};
use crate::model::recording::{BehaviourTrack, Intervals, RecordingSource, RoiIdentity};
use crate::model::{Recording, TimeAxis};

const LABEL_COLUMNS: [&str; 5] = ["label", "labels", "neuron_name", "neuron", "name"];

/// Reads the preferred series of an NWB file held in memory.
pub fn read(name: &Path, bytes: Vec<u8>) -> Result<Recording, ReadError> {
    read_series(name, bytes, None)
}

/// Reads the series at `series` (an HDF5 path), or the preferred one when `None`.
pub fn read_series(name: &Path, bytes: Vec<u8>, series: Option<&str>) -> Result<Recording, ReadError> {
    let size = bytes.len() as u64;
    let nwb = Nwb { name, file_bytes: size };
    let file = File::from_bytes(bytes).map_err(|e| nwb.h5("/", e))?;
    let eof = file.superblock().eof_address;
    if size < eof {
        return Err(ReadError::new(
            name,
            Location::File,
            Problem::Hdf5(format!(
                "the file is truncated: {size} bytes of the {eof} its superblock declares"
            )),
        ));
    }
    let all = series_paths(&file);
    let path = match series {
        Some(p) if all.iter().any(|a| a == p) => p.to_string(),
        Some(p) => {
            return Err(nwb.at(
                p,
                Problem::MissingKey(format!("RoiResponseSeries here (the file has: {})", all.join(", "))),
            ));
        }
        None => all.first().cloned().ok_or_else(|| {
            ReadError::new(
                name,
                Location::File,
                Problem::MissingKey("RoiResponseSeries: no calcium traces under /processing or /acquisition".into()),
            )
        })?,
    };
    nwb.series(&file, &path)
}

/// The paths of every `RoiResponseSeries`, the preferred first.
pub fn series_paths(file: &File) -> Vec<String> {
    let mut found = Vec::new();
    for top in ["/processing", "/acquisition"] {
        if let Ok(g) = file.group(top) {
            collect(&g, top, 3, &mut found);
        }
    }
    let rank = |p: &String| {
        let l = p.to_lowercase();
        if l.contains("dfof") || l.contains("dfoverf") {
            0
        } else {
            1
        }
    };
    found.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    found
}

fn collect(group: &Group, path: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(names) = group.groups() else { return };
    for n in names {
        let Ok(child) = group.group(&n) else { continue };
        let child_path = format!("{path}/{n}");
        if neurodata_type(&child).as_deref() == Some("RoiResponseSeries") {
            out.push(child_path);
        } else if depth > 1 {
            collect(&child, &child_path, depth - 1, out);
        }
    }
}

fn text(v: &AttrValue) -> Option<String> {
    match v {
        AttrValue::String(s) | AttrValue::AsciiString(s) | AttrValue::VarLenString(s) => Some(s.clone()),
        AttrValue::StringSized { value, .. } | AttrValue::AsciiStringSized { value, .. } => Some(value.clone()),
        _ => None,
    }
}

fn neurodata_type(g: &Group) -> Option<String> {
    g.attrs().ok()?.get("neurodata_type").and_then(text)
}

fn number(v: &AttrValue) -> Option<f64> {
    Some(match v {
        AttrValue::F64(x) => *x,
        AttrValue::F32(x) => *x as f64,
        AttrValue::I64(x) => *x as f64,
        AttrValue::I32(x) => *x as f64,
        AttrValue::U64(x) => *x as f64,
        AttrValue::U32(x) => *x as f64,
        _ => return None,
    })
}

/// Parent path of an HDF5 path.
fn parent(path: &str) -> &str {
    path.rsplit_once('/')
        .map_or("/", |(p, _)| if p.is_empty() { "/" } else { p })
}

struct Nwb<'a> {
    name: &'a Path,
    /// The file's size: a dataset claiming far more values than it could hold (a corrupt
    /// dataspace) is refused before anything is allocated for it.
    file_bytes: u64,
}

/// Values a dataset may hold per byte of file (gzip of real traces is nowhere near this).
const MAX_VALUES_PER_BYTE: u64 = 256;

impl Nwb<'_> {
    fn at(&self, path: &str, problem: Problem) -> ReadError {
        ReadError::new(self.name, Location::Object(path.to_string()), problem)
    }

    fn h5(&self, path: &str, e: hdf5_pure::Error) -> ReadError {
        let message = e.to_string();
        let lower = message.to_lowercase();
        let problem = if lower.contains("eof")
            || lower.contains("truncat")
            || lower.contains("out of bounds")
            || lower.contains("beyond")
        {
            Problem::Hdf5(format!("{message} (the file looks truncated)"))
        } else {
            Problem::Hdf5(message)
        };
        if path == "/" {
            ReadError::new(self.name, Location::File, problem)
        } else {
            self.at(path, problem)
        }
    }

    fn dataset(&self, file: &File, path: &str) -> Result<Dataset, ReadError> {
        let d = file.dataset(path).map_err(|e| self.h5(path, e))?;
        let shape = d.shape().map_err(|e| self.h5(path, e))?;
        let values = shape.iter().try_fold(1u64, |n, &k| n.checked_mul(k));
        let limit = MAX_VALUES_PER_BYTE * self.file_bytes + (1 << 20);
        match values {
            Some(v) if v <= limit => Ok(d),
            _ => Err(self.at(
                path,
                Problem::Hdf5(format!(
                    "shape {shape:?} is more than a file of {} bytes can hold (corrupt?)",
                    self.file_bytes
                )),
            )),
        }
    }

    fn f64s(&self, file: &File, path: &str) -> Result<Vec<f64>, ReadError> {
        self.dataset(file, path)?.read_f64().map_err(|e| self.h5(path, e))
    }

    fn series(&self, file: &File, path: &str) -> Result<Recording, ReadError> {
        let data_path = format!("{path}/data");
        let data = self.dataset(file, &data_path)?;
        let shape = data.shape().map_err(|e| self.h5(&data_path, e))?;
        let (frames, rois) = match shape.as_slice() {
            [t] => (*t as usize, 1),
            [t, r] => (*t as usize, *r as usize),
            other => {
                return Err(self.at(
                    &data_path,
                    Problem::Invalid(format!("expected [time × ROI] data, found shape {other:?}")),
                ));
            }
        };
        let raw = data.read_f32().map_err(|e| self.h5(&data_path, e))?;
        if raw.len() != frames * rois {
            return Err(self.at(
                &data_path,
                Problem::Invalid(format!("{} values for shape {shape:?}", raw.len())),
            ));
        }
        let attrs = data.attrs().unwrap_or_default();
        let conversion = attrs.get("conversion").and_then(number).unwrap_or(1.0);
        let offset = attrs.get("offset").and_then(number).unwrap_or(0.0);
        // Time × ROI on disk, ROI-major here.
        let mut values = vec![0.0f32; raw.len()];
        for (t, row) in raw.chunks_exact(rois.max(1)).enumerate() {
            for (r, &v) in row.iter().enumerate() {
                values[r * frames + t] = if conversion == 1.0 && offset == 0.0 {
                    v
                } else {
                    (v as f64 * conversion + offset) as f32
                };
            }
        }
        let time = self.time_axis(file, path, frames)?;
        let rows = self.roi_rows(file, path, rois)?;
        let labels = self.labels(file, path)?;
        if let (Some((at, l)), Some(&top)) = (&labels, rows.iter().max())
            && top >= l.len()
        {
            return Err(self.at(
                at,
                Problem::Invalid(format!(
                    "lengths disagree: {} labels, but the series uses segmentation row {top}",
                    l.len()
                )),
            ));
        }
        let labels = labels.map(|(_, l)| l);
        let identities = rows
            .iter()
            .map(|&row| RoiIdentity {
                label: labels
                    .as_ref()
                    .and_then(|l| l.get(row))
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                ..Default::default()
            })
            .collect();
        let behaviour = self.behaviour(file, &time)?;
        let intervals = self.intervals(file)?;
        let source = RecordingSource {
            path: self.name.display().to_string(),
            format: "NWB".into(),
            series: path.to_string(),
        };
        let mut recording = Recording::new(source, time, identities, values, behaviour, intervals)
            .map_err(|e| invalid(self.name, Some(path), e))?;
        recording.animal = self
            .dataset(file, "/general/subject/subject_id")
            .ok()
            .and_then(|d| d.read_string().ok())
            .and_then(|s| s.into_iter().next());
        Ok(recording)
    }

    fn time_axis(&self, file: &File, series: &str, frames: usize) -> Result<TimeAxis, ReadError> {
        let stamps = format!("{series}/timestamps");
        if file.dataset(&stamps).is_ok() {
            let t = self.f64s(file, &stamps)?;
            if t.len() != frames {
                return Err(self.at(
                    &stamps,
                    Problem::Invalid(format!("lengths disagree: {} timestamps for {frames} frames", t.len())),
                ));
            }
            return Ok(TimeAxis::Irregular(t));
        }
        let start = format!("{series}/starting_time");
        if file.dataset(&start).is_err() {
            return Err(self.at(
                series,
                Problem::MissingKey("'timestamps' or 'starting_time' with its 'rate'".into()),
            ));
        }
        let d = self.dataset(file, &start)?;
        let start_s = d
            .read_f64()
            .map_err(|e| self.h5(&start, e))?
            .first()
            .copied()
            .unwrap_or(0.0);
        let rate_hz = d
            .attrs()
            .ok()
            .and_then(|a| a.get("rate").and_then(number))
            .ok_or_else(|| self.at(&start, Problem::MissingKey("attribute 'rate'".into())))?;
        Ok(TimeAxis::Regular {
            start_s,
            rate_hz,
            frames,
        })
    }

    /// The segmentation rows of the series' columns (`rois`), else 0..rois.
    fn roi_rows(&self, file: &File, series: &str, rois: usize) -> Result<Vec<usize>, ReadError> {
        let path = format!("{series}/rois");
        if file.dataset(&path).is_err() {
            return Ok((0..rois).collect());
        }
        let d = self.dataset(file, &path)?;
        let rows = d.read_i64().map_err(|e| self.h5(&path, e))?;
        if rows.len() != rois {
            return Err(self.at(
                &path,
                Problem::Invalid(format!(
                    "lengths disagree: {} rows for {rois} ROI columns of data",
                    rows.len()
                )),
            ));
        }
        rows.iter()
            .map(|&r| usize::try_from(r).map_err(|_| self.at(&path, Problem::Invalid(format!("row {r} is negative")))))
            .collect()
    }

    /// ROI labels by segmentation row: NeuroPAL `NeuronIDs/labels`, else a label column of the
    /// module's segmentation table.
    fn labels(&self, file: &File, series: &str) -> Result<Option<(String, Vec<String>)>, ReadError> {
        let module = parent(parent(series));
        let Ok(group) = file.group(module) else { return Ok(None) };
        let children = group.groups().unwrap_or_default();
        for n in &children {
            let Ok(g) = group.group(n) else { continue };
            if n == "NeuronIDs" || neurodata_type(&g).as_deref() == Some("SegmentationLabels") {
                let path = format!("{module}/{n}/labels");
                if file.dataset(&path).is_ok() {
                    return Ok(Some((path.clone(), self.strings(file, &path)?)));
                }
            }
        }
        // Segmentation tables: module/ImageSegmentation/<PlaneSegmentation>.
        for n in &children {
            let Ok(g) = group.group(n) else { continue };
            for table in g.groups().unwrap_or_default() {
                let Ok(t) = g.group(&table) else { continue };
                let is_table = neurodata_type(&t).is_some_and(|k| k.ends_with("Segmentation"));
                if !is_table {
                    continue;
                }
                // Columns by name: listing a table's datasets can fail on its other members.
                for col in LABEL_COLUMNS {
                    let path = format!("{module}/{n}/{table}/{col}");
                    if file.dataset(&path).is_ok() {
                        return Ok(Some((path.clone(), self.strings(file, &path)?)));
                    }
                }
            }
        }
        Ok(None)
    }

    /// A text dataset; numbers where names belong are an error.
    fn strings(&self, file: &File, path: &str) -> Result<Vec<String>, ReadError> {
        let d = self.dataset(file, path)?;
        match d.read_string() {
            Ok(s) => Ok(s),
            Err(_) if d.read_f64().is_ok() => Err(self.at(
                path,
                Problem::Invalid("the labels are numbers, not neuron names".into()),
            )),
            Err(e) => Err(self.h5(path, e)),
        }
    }

    fn behaviour(&self, file: &File, time: &TimeAxis) -> Result<Vec<BehaviourTrack>, ReadError> {
        let mut tracks = Vec::new();
        let Ok(processing) = file.group("/processing") else {
            return Ok(tracks);
        };
        for module in processing.groups().unwrap_or_default() {
            let lower = module.to_lowercase();
            if !(lower.starts_with("behavio")) {
                continue;
            }
            let base = format!("/processing/{module}");
            let mut series = Vec::new();
            collect_time_series(file, &base, 2, &mut series);
            for path in series {
                let data_path = format!("{path}/data");
                let d = self.dataset(file, &data_path)?;
                if d.shape().map(|s| s.len()).unwrap_or(0) != 1 {
                    continue; // 2-D (e.g. positions): not a single track
                }
                let values = self.f64s(file, &data_path)?;
                let own_time = self.time_axis(file, &path, values.len()).ok();
                let resampled: Vec<f32> = match own_time {
                    Some(t) => resample(&values, &t, time),
                    None if values.len() == time.frames() => values.iter().map(|&v| v as f32).collect(),
                    None => {
                        return Err(self.at(
                            &data_path,
                            Problem::Invalid(format!(
                                "lengths disagree: {} values, no times of their own, for {} frames",
                                values.len(),
                                time.frames()
                            )),
                        ));
                    }
                };
                let name = path.rsplit('/').next().unwrap_or(&path).to_string();
                tracks.push(BehaviourTrack {
                    name,
                    values: resampled,
                });
            }
        }
        Ok(tracks)
    }

    fn intervals(&self, file: &File) -> Result<Vec<Intervals>, ReadError> {
        let mut out = Vec::new();
        let Ok(group) = file.group("/intervals") else {
            return Ok(out);
        };
        for n in group.groups().unwrap_or_default() {
            let base = format!("/intervals/{n}");
            let (start, stop) = (format!("{base}/start_time"), format!("{base}/stop_time"));
            if file.dataset(&start).is_err() || file.dataset(&stop).is_err() {
                continue;
            }
            let (a, b) = (self.f64s(file, &start)?, self.f64s(file, &stop)?);
            if a.len() != b.len() {
                return Err(self.at(
                    &base,
                    Problem::Invalid(format!(
                        "lengths disagree: {} start and {} stop times",
                        a.len(),
                        b.len()
                    )),
                ));
            }
            out.push(Intervals {
                name: n,
                spans: a.into_iter().zip(b).collect(),
            });
        }
        Ok(out)
    }
}

/// Groups with a `data` dataset (TimeSeries and their kin) under `path`, `depth` levels down.
fn collect_time_series(file: &File, path: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(g) = file.group(path) else { return };
    for n in g.groups().unwrap_or_default() {
        let child = format!("{path}/{n}");
        if file.dataset(&format!("{child}/data")).is_ok() {
            out.push(child);
        } else if depth > 1 {
            collect_time_series(file, &child, depth - 1, out);
        }
    }
}

/// A series sampled at `from` (same length as `values`) resampled linearly at the frames of `to`.
fn resample(values: &[f64], from: &TimeAxis, to: &TimeAxis) -> Vec<f32> {
    (0..to.frames())
        .map(|f| {
            let t = to.time(f);
            if values.is_empty() || t < from.start_s() || t > from.start_s() + from.duration_s() {
                return f32::NAN;
            }
            let (k, w) = from.locate(t);
            let k1 = (k + 1).min(values.len() - 1);
            (values[k] + (values[k1] - values[k]) * w) as f32
        })
        .collect()
}
