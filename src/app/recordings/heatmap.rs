//! The neurons × time heatmap of a recording: which rows in which order (by cell type, by
//! structural community, or by correlation with a reference trace), and its pixels (each row
//! scaled to its own 2nd–98th percentile, so weak and strong neurons both show their
//! dynamics; time binned to at most a given number of columns). No bevy here.

use crate::app::context::colors::ramp;
use crate::app::live::activity::robust_range;
use crate::app::recordings::colors::NO_VALUE;
use crate::model::Recording;
use crate::sim::synchrony;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowOrder {
    /// Sensory, inter-, motor neurons, then by name.
    #[default]
    CellType,
    /// By structural community (Communities window), then by name.
    Community,
    /// Most correlated with the reference first (the selected neuron, else velocity).
    Correlation,
}

impl RowOrder {
    pub const ALL: [RowOrder; 3] = [RowOrder::CellType, RowOrder::Community, RowOrder::Correlation];

    pub fn label(self) -> &'static str {
        match self {
            RowOrder::CellType => "cell type",
            RowOrder::Community => "community",
            RowOrder::Correlation => "correlation",
        }
    }
}

/// What a row is sorted by, per ROI.
pub struct RowKeys<'a> {
    /// The ROI's row label.
    pub names: &'a [String],
    /// The graph neuron the ROI shows, if matched to one.
    pub neuron: &'a [Option<u32>],
    /// Rank of a graph neuron's cell type (sensory 0, inter 1, motor 2, other 3).
    pub type_rank: &'a dyn Fn(u32) -> u32,
    /// Structural community of each graph neuron (empty: none found).
    pub community: &'a [u32],
}

/// The ROIs in display order: matched ROIs first, sorted by `order`; then the rest by name.
pub fn order_rows(recording: &Recording, keys: &RowKeys, order: RowOrder, reference: Option<&[f32]>) -> Vec<usize> {
    let n = recording.rois.len();
    let mut rows: Vec<usize> = (0..n).collect();
    match order {
        RowOrder::Correlation => {
            let r: Vec<f64> = (0..n)
                .map(|roi| {
                    reference
                        .and_then(|reference| correlation(recording.trace(roi), reference))
                        .unwrap_or(f64::NEG_INFINITY)
                })
                .collect();
            rows.sort_by(|&a, &b| r[b].total_cmp(&r[a]).then_with(|| keys.names[a].cmp(&keys.names[b])));
        }
        RowOrder::CellType | RowOrder::Community => {
            let group = |roi: usize| match keys.neuron[roi] {
                None => (1, u32::MAX),
                Some(i) if order == RowOrder::CellType => (0, (keys.type_rank)(i)),
                Some(i) => (0, keys.community.get(i as usize).copied().unwrap_or(u32::MAX)),
            };
            rows.sort_by(|&a, &b| group(a).cmp(&group(b)).then_with(|| keys.names[a].cmp(&keys.names[b])));
        }
    }
    rows
}

/// Pearson correlation of two traces over the frames where both have a value.
pub fn correlation(a: &[f32], b: &[f32]) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = a
        .iter()
        .zip(b)
        .filter(|(p, q)| p.is_finite() && q.is_finite())
        .map(|(&p, &q)| (p as f64, q as f64))
        .unzip();
    if x.len() < 3 {
        None
    } else {
        synchrony::correlation(&x, &y)
    }
}

/// RGBA pixels of the heatmap: one row per entry of `rows`, `columns` time bins (each the
/// mean of its frames, NaN ignored; a bin with no value is [`NO_VALUE`]).
pub fn pixels(recording: &Recording, rows: &[usize], columns: usize) -> Vec<u8> {
    let frames = recording.frames();
    let columns = columns.max(1);
    let mut out = Vec::with_capacity(rows.len() * columns * 4);
    let mut binned = vec![f32::NAN; columns];
    for &roi in rows {
        let trace = recording.trace(roi);
        for (c, b) in binned.iter_mut().enumerate() {
            let (from, to) = (
                c * frames / columns,
                ((c + 1) * frames / columns).max(c * frames / columns + 1),
            );
            let (sum, count) = trace[from.min(frames)..to.min(frames)]
                .iter()
                .filter(|v| v.is_finite())
                .fold((0.0f32, 0u32), |(s, k), &v| (s + v, k + 1));
            *b = if count > 0 { sum / count as f32 } else { f32::NAN };
        }
        let (lo, hi) = robust_range(trace.iter().copied());
        for &v in &binned {
            let c = if v.is_finite() {
                ramp((v - lo) / (hi - lo))
            } else {
                NO_VALUE
            };
            out.extend(c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::recording::{RecordingSource, RoiIdentity, TimeAxis};

    fn recording(traces: &[Vec<f32>]) -> Recording {
        let frames = traces[0].len();
        Recording::new(
            RecordingSource::default(),
            TimeAxis::Regular {
                start_s: 0.0,
                rate_hz: 1.0,
                frames,
            },
            vec![RoiIdentity::default(); traces.len()],
            traces.concat(),
            vec![],
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn rows_sort_by_type_community_and_correlation() {
        let r = recording(&[
            vec![0.0, 1.0, 0.0, 1.0],
            vec![1.0, 0.0, 1.0, 0.0],
            vec![0.0, 1.0, 0.1, 0.9],
            vec![5.0, 5.0, 5.0, 6.0],
        ]);
        let names: Vec<String> = ["d", "c", "b", "a"].map(String::from).to_vec();
        let neuron = [Some(0), Some(1), Some(2), None];
        let type_rank = |i: u32| [2, 0, 0][i as usize];
        let keys = RowKeys {
            names: &names,
            neuron: &neuron,
            type_rank: &type_rank,
            community: &[1, 0, 1],
        };
        // Sensory b, c (by name), then motor d; the unmatched ROI last.
        assert_eq!(order_rows(&r, &keys, RowOrder::CellType, None), [2, 1, 0, 3]);
        assert_eq!(order_rows(&r, &keys, RowOrder::Community, None), [1, 2, 0, 3]);
        let reference = [0.0, 1.0, 0.0, 1.0];
        let by_r = order_rows(&r, &keys, RowOrder::Correlation, Some(&reference));
        assert_eq!(by_r[..3], [0, 2, 3], "most correlated first, anti-correlated last");
        assert_eq!(by_r[3], 1);
    }

    #[test]
    fn pixels_bin_time_and_scale_each_row() {
        let r = recording(&[vec![0.0, 0.0, 10.0, 10.0], vec![f32::NAN, f32::NAN, 1.0, 3.0]]);
        let px = pixels(&r, &[0, 1], 2);
        assert_eq!(px.len(), 2 * 2 * 4);
        let at = |row: usize, col: usize| &px[(row * 2 + col) * 4..(row * 2 + col) * 4 + 4];
        let u8s = |c: [f32; 4]| c.map(|x| (x * 255.0).round() as u8);
        assert_eq!(at(0, 0), u8s(ramp(0.0)));
        assert_eq!(at(0, 1), u8s(ramp(1.0)));
        assert_eq!(at(1, 0), u8s(NO_VALUE), "no value in the first bin");
        // Row 1's range is its own (1..3): the mean 2 is mid-scale.
        assert_eq!(at(1, 1), u8s(ramp(0.5)));
    }
}
