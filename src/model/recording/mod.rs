//! A recorded activity session: per-ROI traces (NaN = no value in that frame), their time
//! axis, the ROIs' identities, behaviour tracks and intervals, and where it came from.
//! Readers fill it (src/io/recording.rs); [`names`] matches its labels to a connectome.
//!
//! Replay reads the value of every ROI at a time `t` with [`Recording::values_at`]: linear
//! interpolation between the two frames around `t` (clamped at the ends); where either of them
//! is NaN, the nearer frame's value (NaN when that one is missing). [`Recording::frame_at`]
//! gives the nearest frame for displays that step frame by frame.

pub mod names;

/// When each frame was taken.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeAxis {
    /// `frames` frames `1 / rate_hz` apart, the first at `start_s`.
    Regular { start_s: f64, rate_hz: f64, frames: usize },
    /// One increasing time per frame (s).
    Irregular(Vec<f64>),
}

impl TimeAxis {
    pub fn frames(&self) -> usize {
        match self {
            TimeAxis::Regular { frames, .. } => *frames,
            TimeAxis::Irregular(t) => t.len(),
        }
    }

    /// The time of `frame` (s).
    pub fn time(&self, frame: usize) -> f64 {
        match self {
            TimeAxis::Regular { start_s, rate_hz, .. } => start_s + frame as f64 / rate_hz,
            TimeAxis::Irregular(t) => t[frame],
        }
    }

    pub fn start_s(&self) -> f64 {
        if self.frames() == 0 { 0.0 } else { self.time(0) }
    }

    /// From the first frame to the last (s).
    pub fn duration_s(&self) -> f64 {
        match self.frames() {
            0 | 1 => 0.0,
            n => self.time(n - 1) - self.time(0),
        }
    }

    /// Frames per second: the given rate, or the mean rate of irregular times.
    pub fn rate_hz(&self) -> f64 {
        match self {
            TimeAxis::Regular { rate_hz, .. } => *rate_hz,
            TimeAxis::Irregular(t) if t.len() >= 2 => (t.len() - 1) as f64 / self.duration_s(),
            TimeAxis::Irregular(_) => 0.0,
        }
    }

    /// Every frame's time (s).
    pub fn times(&self) -> Vec<f64> {
        (0..self.frames()).map(|f| self.time(f)).collect()
    }

    /// The frame before or at `t` and the fraction of the way to the next, clamped to the
    /// recording (`(0, 0.0)` before it, `(last, 0.0)` after it).
    pub fn locate(&self, t: f64) -> (usize, f64) {
        let n = self.frames();
        if n < 2 || t.is_nan() || t <= self.time(0) {
            return (0, 0.0);
        }
        if t >= self.time(n - 1) {
            return (n - 1, 0.0);
        }
        let k = match self {
            TimeAxis::Regular { start_s, rate_hz, .. } => (((t - start_s) * rate_hz).floor() as usize).min(n - 2),
            TimeAxis::Irregular(times) => times.partition_point(|&x| x <= t) - 1,
        };
        let (a, b) = (self.time(k), self.time(k + 1));
        (k, ((t - a) / (b - a)).clamp(0.0, 1.0))
    }
}

/// Who an ROI is, as the file says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoiIdentity {
    /// The neuron name as given (`AVAL`, `AVA`, `RMDV?`); `None` for an unidentified ROI.
    pub label: Option<String>,
    /// Neuron class, where the file gives one (e.g. `AVA`).
    pub class: Option<String>,
    /// The labeller's confidence, on the file's scale (WormWideWeb: 1–5).
    pub confidence: Option<f32>,
}

/// A behaviour variable sampled at every frame (NaN where missing).
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourTrack {
    pub name: String,
    pub values: Vec<f32>,
}

/// Named stretches of time, e.g. reversals.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    pub name: String,
    /// `(start_s, stop_s)`, on the recording's time axis.
    pub spans: Vec<(f64, f64)>,
}

impl Intervals {
    /// Whether `t` falls in one of the spans.
    pub fn contains(&self, t: f64) -> bool {
        self.spans.iter().any(|&(a, b)| a <= t && t <= b)
    }
}

/// The file a recording came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordingSource {
    /// The path as given.
    pub path: String,
    /// `WormWideWeb JSON`, `NWB`, `traces CSV`, `long traces CSV`.
    pub format: String,
    /// Where in the file the traces were (NWB: the series' path) and what they are
    /// (e.g. `trace_array (z-scored)`).
    pub series: String,
}

/// A recording: `rois` traces over `time`, stored ROI by ROI.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub source: RecordingSource,
    /// The animal (NWB subject id, WormWideWeb uid), when the file says.
    pub animal: Option<String>,
    /// Free-form descriptors of the dataset (WormWideWeb `dataset_type`, e.g. `neuropal`).
    pub tags: Vec<String>,
    pub time: TimeAxis,
    pub rois: Vec<RoiIdentity>,
    /// `rois.len() × frames` values, ROI-major: `values[roi * frames + frame]`.
    values: Vec<f32>,
    pub behaviour: Vec<BehaviourTrack>,
    pub intervals: Vec<Intervals>,
}

/// Why parts of a recording do not fit together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordingError {
    #[error("{values} trace values for {rois} ROIs × {frames} frames")]
    TraceSize { values: usize, rois: usize, frames: usize },
    #[error("behaviour '{name}' has {len} values for {frames} frames")]
    BehaviourLength { name: String, len: usize, frames: usize },
    #[error("times must increase (frame {frame})")]
    TimesNotIncreasing { frame: usize },
    #[error("the sampling rate must be a positive number, not {0}")]
    BadRate(f64),
}

impl Recording {
    /// Assembles a recording, checking that every part has the same number of frames.
    pub fn new(
        source: RecordingSource,
        time: TimeAxis,
        rois: Vec<RoiIdentity>,
        values: Vec<f32>,
        behaviour: Vec<BehaviourTrack>,
        intervals: Vec<Intervals>,
    ) -> Result<Recording, RecordingError> {
        let frames = time.frames();
        match &time {
            TimeAxis::Regular { rate_hz, start_s, .. }
                if !(rate_hz.is_finite() && *rate_hz > 0.0 && start_s.is_finite()) =>
            {
                return Err(RecordingError::BadRate(*rate_hz));
            }
            TimeAxis::Irregular(t) => {
                if let Some(k) = t
                    .windows(2)
                    .position(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
                {
                    return Err(RecordingError::TimesNotIncreasing { frame: k + 1 });
                }
                if let Some(k) = t.iter().position(|x| !x.is_finite()) {
                    return Err(RecordingError::TimesNotIncreasing { frame: k });
                }
            }
            _ => {}
        }
        if values.len() != rois.len() * frames {
            return Err(RecordingError::TraceSize {
                values: values.len(),
                rois: rois.len(),
                frames,
            });
        }
        if let Some(b) = behaviour.iter().find(|b| b.values.len() != frames) {
            return Err(RecordingError::BehaviourLength {
                name: b.name.clone(),
                len: b.values.len(),
                frames,
            });
        }
        Ok(Recording {
            source,
            animal: None,
            tags: Vec::new(),
            time,
            rois,
            values,
            behaviour,
            intervals,
        })
    }

    pub fn frames(&self) -> usize {
        self.time.frames()
    }

    /// The trace of one ROI, frame by frame (NaN = no value).
    pub fn trace(&self, roi: usize) -> &[f32] {
        let n = self.frames();
        &self.values[roi * n..(roi + 1) * n]
    }

    /// The ROIs with a label.
    pub fn labelled(&self) -> usize {
        self.rois.iter().filter(|r| r.label.is_some()).count()
    }

    /// Frames in which at least one ROI has no value.
    pub fn nan_frames(&self) -> usize {
        let n = self.frames();
        let mut missing = vec![false; n];
        for roi in 0..self.rois.len() {
            for (m, v) in missing.iter_mut().zip(self.trace(roi)) {
                *m |= v.is_nan();
            }
        }
        missing.iter().filter(|&&m| m).count()
    }

    /// The frame nearest to `t` (s).
    pub fn frame_at(&self, t: f64) -> usize {
        let (k, f) = self.time.locate(t);
        if f > 0.5 { k + 1 } else { k }
    }

    /// Every ROI's value at time `t` into `out` (one per ROI): linear between the frames
    /// around `t`; where one of them is NaN, the nearer frame's value (maybe NaN).
    pub fn values_at(&self, t: f64, out: &mut [f32]) {
        let n = self.frames();
        if n == 0 {
            out.fill(f32::NAN);
            return;
        }
        let (k, f) = self.time.locate(t);
        let k1 = (k + 1).min(n - 1);
        let f = f as f32;
        for (roi, o) in out.iter_mut().enumerate().take(self.rois.len()) {
            let (a, b) = (self.values[roi * n + k], self.values[roi * n + k1]);
            *o = if a.is_nan() || b.is_nan() {
                if f > 0.5 { b } else { a }
            } else {
                a + (b - a) * f
            };
        }
    }

    /// A behaviour track by name.
    pub fn behaviour(&self, name: &str) -> Option<&BehaviourTrack> {
        self.behaviour.iter().find(|b| b.name == name)
    }

    /// The names of the behaviour tracks, then of the interval sets.
    pub fn behaviour_names(&self) -> Vec<String> {
        self.behaviour
            .iter()
            .map(|b| b.name.clone())
            .chain(self.intervals.iter().map(|i| i.name.clone()))
            .collect()
    }

    /// The traces in f64 for the functional analysis: the ROIs of `selection`, in its order,
    /// under its names; NaN stays NaN (see [`crate::analysis::functional::affinity`]).
    pub fn to_traces(&self, selection: &[(usize, String)]) -> crate::analysis::functional::Traces {
        crate::analysis::functional::Traces {
            names: selection.iter().map(|(_, n)| n.clone()).collect(),
            time_s: self.time.times(),
            values: selection
                .iter()
                .map(|&(roi, _)| self.trace(roi).iter().map(|&v| v as f64).collect())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(time: TimeAxis) -> Recording {
        let values = vec![0.0, 1.0, 2.0, f32::NAN, 10.0, 20.0, 30.0, 40.0];
        Recording::new(
            RecordingSource::default(),
            time,
            vec![RoiIdentity::default(); 2],
            values,
            vec![],
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn replay_interpolates_and_masks() {
        for time in [
            TimeAxis::Regular {
                start_s: 1.0,
                rate_hz: 2.0,
                frames: 4,
            },
            TimeAxis::Irregular(vec![1.0, 1.5, 2.0, 2.5]),
        ] {
            let r = small(time);
            let mut out = [0.0f32; 2];
            r.values_at(1.25, &mut out);
            assert_eq!(out, [0.5, 15.0]);
            r.values_at(0.0, &mut out);
            assert_eq!(out, [0.0, 10.0]);
            r.values_at(9.0, &mut out);
            assert!(out[0].is_nan() && out[1] == 40.0);
            // Between 2.0 (value 2) and 2.5 (NaN): the nearer frame.
            r.values_at(2.1, &mut out);
            assert_eq!(out[0], 2.0);
            r.values_at(2.4, &mut out);
            assert!(out[0].is_nan());
            assert_eq!(r.frame_at(1.74), 1);
            assert_eq!(r.frame_at(1.76), 2);
            assert_eq!(r.nan_frames(), 1);
            assert_eq!(r.time.duration_s(), 1.5);
            assert_eq!(r.time.rate_hz(), 2.0);
        }
    }

    #[test]
    fn parts_must_agree() {
        let e = Recording::new(
            RecordingSource::default(),
            TimeAxis::Irregular(vec![0.0, 1.0, 1.0]),
            vec![],
            vec![],
            vec![],
            vec![],
        );
        assert_eq!(e.unwrap_err(), RecordingError::TimesNotIncreasing { frame: 2 });
        let e = Recording::new(
            RecordingSource::default(),
            TimeAxis::Regular {
                start_s: 0.0,
                rate_hz: 1.0,
                frames: 3,
            },
            vec![RoiIdentity::default()],
            vec![0.0; 2],
            vec![],
            vec![],
        );
        assert!(matches!(e, Err(RecordingError::TraceSize { values: 2, .. })));
    }
}
