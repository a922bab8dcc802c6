//! A model judged against an animal: the protocol is simulated for as long as the recording
//! lasts (simulated time 0 = the recording's first frame), every matched neuron's
//! calcium-like activity ([`super::activity`], no imaging noise) is read at the recording's
//! frame times, and each neuron's simulated and recorded traces are correlated (Pearson, over
//! the frames where the recording has a value).
//!
//! Only ROIs matched to one neuron are compared (class-level labels name no single neuron);
//! where two ROIs match the same neuron, the first is used.

use std::sync::atomic::AtomicBool;

use super::FunctionalError;
use super::activity::{ActivityOptions, simulate_traces};
use crate::model::recording::names::NameReport;
use crate::model::{Connectome, Recording};
use crate::sim::protocol::Protocol;
use crate::sim::synchrony::correlation;

/// One neuron's agreement between the model and the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct NeuronFit {
    /// Index into the connectome's neurons.
    pub neuron: u32,
    /// The recording's ROI.
    pub roi: usize,
    /// Pearson correlation; `None` when either trace is flat (a silent model neuron) or fewer
    /// than 3 frames have a recorded value.
    pub r: Option<f64>,
    /// Frames compared.
    pub frames: usize,
}

#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Decay of the simulated calcium signal (GCaMP-like: about a second).
    pub calcium_tau_ms: f64,
    /// Compare at most this much of the recording (long recordings take long to simulate).
    pub max_duration_s: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            calcium_tau_ms: 1000.0,
            max_duration_s: 600.0,
        }
    }
}

/// The ROIs matched to exactly one neuron, each neuron once: `(roi, neuron)`.
pub fn single_neuron_rois(report: &NameReport) -> Vec<(usize, u32)> {
    let mut seen = std::collections::HashSet::new();
    report
        .matches
        .iter()
        .enumerate()
        .filter_map(|(roi, m)| match m {
            Some(m) if m.neurons.len() == 1 && seen.insert(m.neurons[0]) => Some((roi, m.neurons[0])),
            _ => None,
        })
        .collect()
}

/// Simulates `protocol` alongside `recording` and correlates every matched neuron (see the
/// module doc). `progress` gets the fraction done; a set `cancel` stops with an error.
pub fn simulated_vs_recorded(
    connectome: &Connectome,
    protocol: &Protocol,
    recording: &Recording,
    report: &NameReport,
    opts: &CompareOptions,
    cancel: Option<&AtomicBool>,
    progress: &dyn Fn(f64),
) -> Result<Vec<NeuronFit>, FunctionalError> {
    let pairs = single_neuron_rois(report);
    if pairs.is_empty() {
        return Err(FunctionalError::TooLittle(
            "no ROI of the recording is matched to a single neuron of this connectome".into(),
        ));
    }
    let frames = recording.frames();
    let rate = recording.time.rate_hz();
    if frames < 3 || rate <= 0.0 {
        return Err(FunctionalError::TooLittle(format!(
            "the recording has {frames} frames: at least 3 are needed"
        )));
    }
    let t0 = recording.time.start_s();
    let duration_s = recording.time.duration_s().min(opts.max_duration_s);
    // Frames within the compared stretch.
    let compared = (0..frames)
        .take_while(|&f| recording.time.time(f) - t0 <= duration_s + 1e-9)
        .count();
    let sample_ms = 1000.0 / rate;
    let traces = simulate_traces(
        connectome,
        protocol,
        &ActivityOptions {
            duration_ms: duration_s * 1000.0 + 2.0 * sample_ms,
            sample_ms,
            calcium_tau_ms: opts.calcium_tau_ms,
            noise_sd: 0.0,
            neurons: Some(pairs.iter().map(|&(_, n)| n).collect()),
            active_only: false,
            threads: 1,
        },
        cancel,
        progress,
    )?;
    // The simulated sample nearest each frame's time.
    let nearest: Vec<usize> = (0..compared)
        .map(|f| {
            let t = recording.time.time(f) - t0;
            traces
                .time_s
                .partition_point(|&s| s < t)
                .min(traces.time_s.len().saturating_sub(1))
        })
        .collect();
    Ok(pairs
        .iter()
        .zip(&traces.values)
        .map(|(&(roi, neuron), simulated)| {
            let recorded = &recording.trace(roi)[..compared];
            let (x, y): (Vec<f64>, Vec<f64>) = recorded
                .iter()
                .zip(&nearest)
                .filter(|(v, _)| v.is_finite())
                .map(|(&v, &k)| (v as f64, simulated[k]))
                .unzip();
            NeuronFit {
                neuron,
                roi,
                r: if x.len() >= 3 { correlation(&x, &y) } else { None },
                frames: x.len(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::recording::names::match_names;
    use crate::model::recording::{RecordingSource, RoiIdentity, TimeAxis};
    use crate::sim::protocol::parse_stimulus;

    /// A neuron driven in the second half of the run: a recording that rises then (AVAL)
    /// agrees with the model, one that falls then (AVAR, undriven and silent in the model)
    /// has no correlation, an unmatched and a class-level ROI are left out.
    #[test]
    fn a_driven_neuron_correlates_with_a_recording_that_follows_the_drive() {
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let mut p = Protocol::default();
        p.items
            .push(parse_stimulus("dc AVAL amplitude=2000 start=2000 stop=4000").unwrap());
        let frames = 40;
        let rate = 10.0;
        let step = |f: usize| if f as f64 / rate >= 2.0 { 1.0 } else { 0.0 };
        let mut values = Vec::new();
        values.extend((0..frames).map(|f| step(f) as f32 + 0.01 * (f % 3) as f32));
        values.extend((0..frames).map(|f| if f == 7 { f32::NAN } else { 1.0 - step(f) as f32 }));
        values.extend((0..frames).map(|f| f as f32));
        values.extend((0..frames).map(|f| f as f32));
        let label = |l: &str| RoiIdentity {
            label: Some(l.into()),
            ..Default::default()
        };
        let rec = Recording::new(
            RecordingSource::default(),
            TimeAxis::Regular {
                start_s: 100.0,
                rate_hz: rate,
                frames,
            },
            vec![label("AVAL"), label("AVAR"), label("XYZ"), label("AVB")],
            values,
            vec![],
            vec![],
        )
        .unwrap();
        let report = match_names(&rec, &c);
        let fits = simulated_vs_recorded(&c, &p, &rec, &report, &Default::default(), None, &|_| {}).unwrap();
        assert_eq!(fits.len(), 2, "only single-neuron matches");
        let aval = c.neurons.find("AVAL").unwrap() as u32;
        assert_eq!((fits[0].neuron, fits[0].roi, fits[0].frames), (aval, 0, frames));
        assert!(fits[0].r.unwrap() > 0.7, "{:?}", fits[0]);
        assert_eq!(fits[1].frames, frames - 1, "the NaN frame is left out");
        // AVAR is not driven: silent in the model (no correlation) or, if AVAL excites it,
        // rising when its recording falls.
        assert!(fits[1].r.is_none_or(|r| r < 0.0), "{:?}", fits[1]);
    }

    #[test]
    fn nothing_matched_is_refused() {
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let rec = Recording::new(
            RecordingSource::default(),
            TimeAxis::Regular {
                start_s: 0.0,
                rate_hz: 1.0,
                frames: 5,
            },
            vec![RoiIdentity::default()],
            vec![0.0; 5],
            vec![],
            vec![],
        )
        .unwrap();
        let report = match_names(&rec, &c);
        let e = simulated_vs_recorded(
            &c,
            &Protocol::default(),
            &rec,
            &report,
            &Default::default(),
            None,
            &|_| {},
        );
        assert!(matches!(e, Err(FunctionalError::TooLittle(_))));
    }
}
