//! Recordings as input to the dynamic functional connectome: ROIs named by their matched
//! neuron (the connectome's spelling, `?` dropped); one recording gives every ROI
//! (unlabelled ones as `roiN`, 1-based), several give the labelled neurons all of them have,
//! in the first one's order, so they can form the tensor's recordings axis.

use std::borrow::Borrow;
use std::collections::HashSet;

use super::Traces;
use crate::model::recording::names::match_names;
use crate::model::{Connectome, Recording};

/// Recordings that cannot be analysed together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordedError {
    #[error("no recording")]
    None,
    #[error("the {recordings} recordings share {shared} labelled neurons; at least 3 are needed")]
    TooFewShared { recordings: usize, shared: usize },
}

/// Each ROI's analysis name, or `None` to leave it out; a name seen before in the same
/// recording (two ROIs labelled alike) keeps only its first ROI.
fn named_rois(r: &Recording, connectome: &Connectome, keep_unlabelled: bool) -> Vec<(usize, String)> {
    let report = match_names(r, connectome);
    let mut seen = HashSet::new();
    (0..r.rois.len())
        .filter_map(|roi| match report.analysis_name(r, connectome, roi) {
            Some(n) => seen.insert(n.clone()).then_some((roi, n)),
            None if keep_unlabelled => Some((roi, format!("roi{}", roi + 1))),
            None => None,
        })
        .collect()
}

/// The traces of `recordings`, ready for [`super::dynamic_connectome`] (see the module doc).
pub fn recorded_traces<R: Borrow<Recording>>(
    recordings: &[R],
    connectome: &Connectome,
) -> Result<Vec<Traces>, RecordedError> {
    let single = recordings.len() == 1;
    let named: Vec<Vec<(usize, String)>> = recordings
        .iter()
        .map(|r| named_rois(r.borrow(), connectome, single))
        .collect();
    let first = named.first().ok_or(RecordedError::None)?;
    if single {
        return Ok(vec![recordings[0].borrow().to_traces(first)]);
    }
    let common: Vec<&String> = first
        .iter()
        .map(|(_, n)| n)
        .filter(|n| named[1..].iter().all(|names| names.iter().any(|(_, m)| m == *n)))
        .collect();
    if common.len() < 3 {
        return Err(RecordedError::TooFewShared {
            recordings: recordings.len(),
            shared: common.len(),
        });
    }
    Ok(recordings
        .iter()
        .zip(&named)
        .map(|(r, names)| {
            let selection: Vec<(usize, String)> = common
                .iter()
                .filter_map(|&n| names.iter().find(|(_, m)| m == n).map(|(roi, _)| (*roi, n.clone())))
                .collect();
            r.borrow().to_traces(&selection)
        })
        .collect())
}
