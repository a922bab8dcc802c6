//! WormWideWeb dataset JSON (Atanas et al. 2023, Flavell lab; the freely moving NeuroPAL
//! recordings): `trace_array` (neurons × time, z-scored; else `trace_original`), time from
//! `timestamp_confocal` (s) or `avg_timestep` (minutes per volume), identities from `labeled`
//! (keyed by the 1-based ROI index: `label`, `neuron_class`, `confidence`, ...), behaviour
//! tracks (`velocity`, `head_curvature`, `angular_velocity`, `body_curvature`, `pumping`),
//! `reversal_events` as `[start, stop]` confocal frames (1-based and inclusive, as the lab's
//! Julia code numbers them), `dataset_type` and `uid`.
//!
//! JSON has no NaN: `null` is read as NaN, and so is a bare `NaN` (as Python's and Julia's
//! writers emit), never zero.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::recording::invalid;
use super::{Location, Problem, ReadError};
use crate::model::recording::{BehaviourTrack, Intervals, RecordingSource, RoiIdentity};
use crate::model::{Recording, TimeAxis};

/// The behaviour tracks we read, in this order, when present.
pub const BEHAVIOUR_KEYS: [&str; 5] = [
    "velocity",
    "head_curvature",
    "angular_velocity",
    "body_curvature",
    "pumping",
];

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    trace_array: Option<&'a RawValue>,
    #[serde(borrow)]
    trace_original: Option<&'a RawValue>,
    avg_timestep: Option<f64>,
    timestamp_confocal: Option<Vec<Option<f64>>>,
    labeled: Option<HashMap<String, Value>>,
    velocity: Option<Vec<Option<f64>>>,
    head_curvature: Option<Vec<Option<f64>>>,
    angular_velocity: Option<Vec<Option<f64>>>,
    body_curvature: Option<Vec<Option<f64>>>,
    pumping: Option<Vec<Option<f64>>>,
    reversal_events: Option<Vec<Vec<f64>>>,
    dataset_type: Option<Value>,
    uid: Option<Value>,
}

/// Reads a WormWideWeb JSON document.
pub fn read(name: &Path, bytes: &[u8]) -> Result<Recording, ReadError> {
    let err = |at: &str, problem| ReadError::new(name, Location::Object(at.to_string()), problem);
    let text = std::str::from_utf8(bytes).map_err(|_| ReadError::new(name, Location::File, Problem::NotUtf8))?;
    let text = nan_to_null(text);
    let json_error =
        |e: serde_json::Error| ReadError::new(name, Location::Line(e.line() as u64), Problem::Json(e.to_string()));
    let doc: Document = serde_json::from_str(&text).map_err(json_error)?;

    let (key, raw) = match (doc.trace_array, doc.trace_original) {
        (Some(raw), _) => ("trace_array", raw),
        (None, Some(raw)) => ("trace_original", raw),
        (None, None) => {
            return Err(ReadError::new(
                name,
                Location::File,
                Problem::MissingKey("key 'trace_array' (neurons × time traces; nor is there 'trace_original')".into()),
            ));
        }
    };
    let mut de = serde_json::Deserializer::from_str(raw.get());
    let Rows { values, rows, width } = serde::de::DeserializeSeed::deserialize(RowsSeed, &mut de)
        .map_err(|e| err(key, Problem::Json(format!("expected rows of numbers: {e}"))))?;
    let (rois, frames) = (rows, width.unwrap_or(0));
    if let Some((row, len)) = values.ragged {
        return Err(err(
            key,
            Problem::Invalid(format!(
                "lengths disagree: row {row} has {len} values, row 1 has {frames}"
            )),
        ));
    }
    if rois == 0 || frames == 0 {
        return Err(err(key, Problem::Invalid("no traces".into())));
    }
    let values = values.data;

    let time = match (&doc.timestamp_confocal, doc.avg_timestep) {
        (Some(t), _) => {
            if t.len() != frames {
                return Err(err(
                    "timestamp_confocal",
                    Problem::Invalid(format!("lengths disagree: {} times for {frames} frames", t.len())),
                ));
            }
            TimeAxis::Irregular(t.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
        }
        (None, Some(minutes)) => TimeAxis::Regular {
            start_s: 0.0,
            rate_hz: 1.0 / (minutes * 60.0),
            frames,
        },
        (None, None) => {
            return Err(ReadError::new(
                name,
                Location::File,
                Problem::MissingKey(
                    "key 'avg_timestep' (minutes per volume; nor is there 'timestamp_confocal')".into(),
                ),
            ));
        }
    };

    let labeled = doc.labeled.ok_or_else(|| {
        ReadError::new(
            name,
            Location::File,
            Problem::MissingKey("key 'labeled' (the ROI identities)".into()),
        )
    })?;
    let mut identities = vec![RoiIdentity::default(); rois];
    for (index, entry) in &labeled {
        let at = format!("labeled.{index}");
        let roi = index
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&k| (1..=rois).contains(&k))
            .ok_or_else(|| {
                err(
                    &at,
                    Problem::Invalid(format!("'{index}' is not an ROI number from 1 to {rois}")),
                )
            })?;
        identities[roi - 1] = identity(entry).map_err(|p| err(&at, p))?;
    }

    let mut behaviour = Vec::new();
    for (key, track) in BEHAVIOUR_KEYS.iter().zip([
        &doc.velocity,
        &doc.head_curvature,
        &doc.angular_velocity,
        &doc.body_curvature,
        &doc.pumping,
    ]) {
        if let Some(v) = track {
            behaviour.push(BehaviourTrack {
                name: key.to_string(),
                values: v.iter().map(|x| x.map_or(f32::NAN, |x| x as f32)).collect(),
            });
        }
    }
    let mut intervals = Vec::new();
    if let Some(events) = &doc.reversal_events {
        let mut spans = Vec::with_capacity(events.len());
        for (k, pair) in events.iter().enumerate() {
            let frame = |v: f64| (v.fract() == 0.0 && v >= 1.0 && v <= frames as f64).then(|| v as usize - 1);
            match pair.as_slice() {
                [a, b] if a <= b && frame(*a).is_some() && frame(*b).is_some() => {
                    spans.push((frame(*a).unwrap(), frame(*b).unwrap()))
                }
                _ => {
                    return Err(err(
                        &format!("reversal_events[{k}]"),
                        Problem::Invalid(format!(
                            "{pair:?} is not a [start, stop] pair of frames from 1 to {frames}"
                        )),
                    ));
                }
            }
        }
        intervals.push((spans, "reversal_events"));
    }

    let source = RecordingSource {
        path: name.display().to_string(),
        format: "WormWideWeb JSON".into(),
        series: if key == "trace_array" {
            "trace_array (z-scored)".into()
        } else {
            "trace_original (ratiometric)".into()
        },
    };
    let intervals = intervals
        .into_iter()
        .map(|(spans, name)| Intervals {
            name: name.into(),
            spans: spans
                .iter()
                .map(|&(a, b)| (time_of(&time, a), time_of(&time, b)))
                .collect(),
        })
        .collect();
    let mut recording = Recording::new(source, time, identities, values, behaviour, intervals).map_err(|e| {
        let at = match &e {
            crate::model::recording::RecordingError::BehaviourLength { name, .. } => name.clone(),
            crate::model::recording::RecordingError::TimesNotIncreasing { .. } => "timestamp_confocal".into(),
            _ => key.into(),
        };
        invalid(name, Some(&at), e)
    })?;
    recording.animal = doc.uid.as_ref().map(plain_string);
    recording.tags = match doc.dataset_type {
        Some(Value::Array(items)) => items.iter().map(plain_string).collect(),
        Some(other) => vec![plain_string(&other)],
        None => Vec::new(),
    };
    Ok(recording)
}

/// Rows of numbers (`null` = NaN) read straight into one flat `f32` buffer, row after row;
/// the first row whose length differs from the first row's is noted (1-based, its length).
struct Rows {
    values: Flat,
    rows: usize,
    width: Option<usize>,
}

#[derive(Default)]
struct Flat {
    data: Vec<f32>,
    ragged: Option<(usize, usize)>,
}

struct RowsSeed;

impl<'de> serde::de::DeserializeSeed<'de> for RowsSeed {
    type Value = Rows;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Rows, D::Error> {
        d.deserialize_seq(RowsSeed)
    }
}

impl<'de> serde::de::Visitor<'de> for RowsSeed {
    type Value = Rows;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of arrays of numbers")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
        let mut out = Rows {
            values: Flat::default(),
            rows: 0,
            width: None,
        };
        while let Some(len) = seq.next_element_seed(RowSeed(&mut out.values.data))? {
            out.rows += 1;
            match out.width {
                None => out.width = Some(len),
                Some(w) if w != len && out.values.ragged.is_none() => out.values.ragged = Some((out.rows, len)),
                Some(_) => {}
            }
        }
        Ok(out)
    }
}

/// One row appended to the buffer; its value is the row's length.
struct RowSeed<'a>(&'a mut Vec<f32>);

impl<'de> serde::de::DeserializeSeed<'de> for RowSeed<'_> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowSeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of numbers or nulls")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let start = self.0.len();
        while let Some(v) = seq.next_element::<Option<f64>>()? {
            self.0.push(v.map_or(f32::NAN, |x| x as f32));
        }
        Ok(self.0.len() - start)
    }
}

fn time_of(time: &TimeAxis, frame: usize) -> f64 {
    if frame < time.frames() {
        time.time(frame)
    } else {
        f64::NAN
    }
}

fn plain_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One `labeled` entry: `label` must be text (a number means a wrong column).
fn identity(entry: &Value) -> Result<RoiIdentity, Problem> {
    let text = |key: &str| -> Result<Option<String>, Problem> {
        match entry.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(Problem::Invalid(format!(
                "'{key}' is {other}, not a neuron name (a column of numbers where names belong?)"
            ))),
        }
    };
    if !entry.is_object() {
        return Err(Problem::Invalid(format!(
            "expected an object with a 'label', found {entry}"
        )));
    }
    if entry.get("label").is_none() {
        return Err(Problem::MissingKey("key 'label'".into()));
    }
    let confidence = match entry.get("confidence") {
        Some(Value::Number(n)) => n.as_f64().map(|v| v as f32),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(RoiIdentity {
        label: text("label")?,
        class: text("neuron_class")?,
        confidence,
    })
}

/// Replaces bare `NaN` / `-NaN` tokens outside strings by `null`, so serde can read them.
pub fn nan_to_null(text: &str) -> Cow<'_, str> {
    if memchr::memmem::find(text.as_bytes(), b"NaN").is_none() {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 64);
    let (mut in_string, mut escaped, mut copied) = (false, false, 0);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if bytes[i..].starts_with(b"NaN") || bytes[i..].starts_with(b"-NaN") {
            let len = if b == b'-' { 4 } else { 3 };
            out.push_str(&text[copied..i]);
            out.push_str("null");
            i += len;
            copied = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_tokens_become_null_outside_strings() {
        assert_eq!(
            nan_to_null(r#"{"a":[1,NaN,-NaN],"NaN":"NaN"}"#),
            r#"{"a":[1,null,null],"NaN":"NaN"}"#
        );
        assert!(matches!(nan_to_null("[1,2]"), Cow::Borrowed(_)));
    }

    #[test]
    fn null_is_nan_and_missing_keys_are_named() {
        let doc = br#"{"trace_array":[[1,null,3],[4,5,6]],"avg_timestep":0.01,"labeled":{"2":{"label":"AVAL"}}}"#;
        let r = read(Path::new("x.json"), doc).unwrap();
        assert!(r.trace(0)[1].is_nan());
        assert_eq!(r.trace(1), &[4.0, 5.0, 6.0]);
        assert_eq!(r.rois[1].label.as_deref(), Some("AVAL"));
        assert!((r.time.rate_hz() - 1.0 / 0.6).abs() < 1e-12);
        let e = read(Path::new("x.json"), br#"{"avg_timestep":0.01,"labeled":{}}"#).unwrap_err();
        assert!(e.to_string().contains("x.json: missing key 'trace_array'"), "{e}");
    }
}
