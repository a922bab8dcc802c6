//! Functional connectivity from activity (a simulation run or recorded traces: time × neuron):
//! pairwise affinities, their evolution over sliding windows as a tensor (neuron pairs ×
//! windows × recordings), its non-negative tensor factorisation, and per component an
//! affinity graph with its communities, a time curve and per-recording loadings — the dynamic
//! functional connectome of Dyballa et al. (ICLR 2024).

mod error;
pub use error::FunctionalError;
pub mod activity;
pub mod affinity;
pub mod compare;
pub mod ntf;
pub mod recorded;

use crate::analysis::communities::{self, Graph};
use ntf::{NtfOptions, Tensor3};

/// Traces of one recording: `values[neuron][sample]` at `time_s[sample]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Traces {
    pub names: Vec<String>,
    pub time_s: Vec<f64>,
    pub values: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AffinityKind {
    /// Dyballa et al.'s comparison of smoothed derivatives over stretches where both keep
    /// their sign (see [`affinity::differential`]); `smooth` is the derivative's half-width
    /// in samples.
    Differential {
        smooth: usize,
    },
    Pearson,
}

#[derive(Debug, Clone, Copy)]
pub struct DynamicOptions {
    /// Subtract each pair's median affinity over windows and recordings (clipped at 0), so
    /// the factorisation models what changes rather than the network-wide constant part.
    pub remove_baseline: bool,
    pub window_s: f64,
    pub step_s: f64,
    pub affinity: AffinityKind,
    pub ntf: NtfOptions,
}

/// A component's affinity graph keeps the pairs loading more than this fraction of its
/// strongest pair (the rest is fitting noise).
pub const GRAPH_FLOOR: f64 = 0.01;

/// One component of the dynamic functional connectome.
#[derive(Debug, Clone)]
pub struct Component {
    pub weight: f64,
    /// Loading of each neuron pair (upper triangle, see [`affinity::pair_index`]).
    pub pairs: Vec<f64>,
    /// Loading of each window: when the component is active.
    pub time_curve: Vec<f64>,
    pub recordings: Vec<f64>,
    /// Blocks of the component's affinity graph by the weighted degree-corrected SBM (as the
    /// paper does, there nested), ids by decreasing size; a neuron alone in its block takes
    /// no part in the component.
    pub communities: Vec<u32>,
    /// Modularity of those blocks (an SBM block can be disassortative, so it may be < 0).
    pub modularity: f64,
}

impl Component {
    /// How much each of the `n` neurons takes part: the sum of its pairs' loadings.
    pub fn participation(&self, n: usize) -> Vec<f64> {
        let mut p = vec![0.0; n];
        let mut pairs = self.pairs.iter();
        for i in 0..n {
            for j in i + 1..n {
                let w = pairs.next().copied().unwrap_or(0.0);
                p[i] += w;
                p[j] += w;
            }
        }
        p
    }

    /// The number of communities with at least two neurons (they come first).
    pub fn groups(&self) -> usize {
        let mut size = vec![0usize; self.communities.iter().map(|&c| c as usize + 1).max().unwrap_or(0)];
        for &c in &self.communities {
            size[c as usize] += 1;
        }
        size.iter().filter(|&&s| s >= 2).count()
    }
}

#[derive(Debug, Clone)]
pub struct DynamicConnectome {
    pub names: Vec<String>,
    /// Start of each window (s, from the first sample).
    pub window_start_s: Vec<f64>,
    pub components: Vec<Component>,
    /// ‖X − X̂‖ / ‖X‖ of the factorisation.
    pub rel_error: f64,
    /// Pairs × windows × recordings.
    pub shape: [usize; 3],
}

fn remove_baseline(x: &mut Tensor3) {
    let [pairs, nw, nr] = x.shape;
    let mut v = Vec::with_capacity(nw * nr);
    for p in 0..pairs {
        v.clear();
        for w in 0..nw {
            for r in 0..nr {
                v.push(x.at(p, w, r));
            }
        }
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        for w in 0..nw {
            for r in 0..nr {
                x.set(p, w, r, (x.at(p, w, r) - median).max(0.0));
            }
        }
    }
}

/// Windows of `window_s` every `step_s`, as sample ranges of a recording sampled like `t`.
pub fn windows(t: &[f64], window_s: f64, step_s: f64) -> Vec<std::ops::Range<usize>> {
    if t.len() < 2 || !(window_s > 0.0 && step_s > 0.0) {
        return Vec::new();
    }
    let dt = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    let len = ((window_s / dt).round() as usize).max(3);
    let step = ((step_s / dt).round() as usize).max(1);
    (0..)
        .map(|k| k * step)
        .take_while(|&s| s + len <= t.len())
        .map(|s| s..s + len)
        .collect()
}

/// Affinities per window and recording → tensor → NTF → components with their communities.
pub fn dynamic_connectome(recordings: &[Traces], opts: &DynamicOptions) -> Result<DynamicConnectome, FunctionalError> {
    let first = recordings
        .first()
        .ok_or_else(|| FunctionalError::TooLittle("no recording".into()))?;
    let n = first.names.len();
    if n < 3 {
        return Err(FunctionalError::TooLittle("at least 3 neurons are needed".into()));
    }
    for (k, r) in recordings.iter().enumerate() {
        if r.names != first.names {
            return Err(FunctionalError::Mismatch(format!(
                "recording {} does not have the neurons of the first, in the same order",
                k + 1
            )));
        }
    }
    let per_recording: Vec<_> = recordings
        .iter()
        .map(|r| windows(&r.time_s, opts.window_s, opts.step_s))
        .collect();
    let n_windows = per_recording.iter().map(Vec::len).min().unwrap_or(0);
    if n_windows == 0 {
        return Err(FunctionalError::TooLittle(format!(
            "the recordings are shorter than one window of {} s",
            opts.window_s
        )));
    }
    let pairs = n * (n - 1) / 2;
    let mut x = Tensor3::zeros([pairs, n_windows, recordings.len()]);
    for (m, (r, ws)) in recordings.iter().zip(&per_recording).enumerate() {
        for (w, range) in ws.iter().take(n_windows).enumerate() {
            let segs: Vec<&[f64]> = r.values.iter().map(|v| &v[range.clone()]).collect();
            let a = match opts.affinity {
                AffinityKind::Differential { smooth } => affinity::differential(&segs, smooth),
                AffinityKind::Pearson => affinity::pearson(&segs),
            };
            for (p, v) in a.into_iter().enumerate() {
                x.set(p, w, m, v);
            }
        }
    }
    if opts.remove_baseline {
        remove_baseline(&mut x);
    }
    let cp = ntf::ntf(&x, &opts.ntf);
    let t0 = first.time_s[0];
    let window_start_s = per_recording[0]
        .iter()
        .take(n_windows)
        .map(|r| first.time_s[r.start] - t0)
        .collect();
    let components = (0..cp.rank)
        .map(|c| {
            let pairs_loading = cp.column(0, c);
            let floor = GRAPH_FLOOR * pairs_loading.iter().copied().fold(0.0, f64::max);
            let edges = pairs_loading
                .iter()
                .enumerate()
                .filter(|(_, w)| **w > floor.max(1e-12))
                .map(|(p, &w)| {
                    let (i, j) = affinity::pair_of(n, p);
                    (i as u32, j as u32, w)
                });
            let graph = Graph::from_edges(n, edges);
            let partition = communities::detect(
                &graph,
                &communities::Options {
                    method: communities::Method::Sbm,
                    ..Default::default()
                },
            );
            Component {
                weight: cp.weights[c],
                pairs: pairs_loading,
                time_curve: cp.column(1, c),
                recordings: cp.column(2, c),
                communities: partition.membership,
                modularity: partition.modularity,
            }
        })
        .collect();
    Ok(DynamicConnectome {
        names: first.names.clone(),
        window_start_s,
        components,
        rel_error: cp.rel_error,
        shape: x.shape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_tile_the_recording() {
        let t: Vec<f64> = (0..101).map(|k| k as f64 * 0.01).collect();
        let w = windows(&t, 0.2, 0.1);
        assert_eq!(w.first(), Some(&(0..20)));
        assert_eq!(w[1], 10..30);
        assert!(w.iter().all(|r| r.end <= 101));
        assert_eq!(w.len(), 9);
    }

    /// Two groups, each following its own driver in its own epoch, the rest independent.
    #[test]
    fn planted_groups_and_epochs_are_found() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let (n, samples) = (24, 800);
        let t: Vec<f64> = (0..samples).map(|k| k as f64 * 0.01).collect();
        let mut smooth_noise = |len: usize| -> Vec<f64> {
            let mut v = 0.0;
            (0..len)
                .map(|_| {
                    v = 0.8 * v + rng.random::<f64>() - 0.5;
                    v
                })
                .collect()
        };
        let drivers = [smooth_noise(samples), smooth_noise(samples)];
        let mut values: Vec<Vec<f64>> = (0..n).map(|_| smooth_noise(samples)).collect();
        for (i, v) in values.iter_mut().enumerate() {
            let group = i / 6;
            for (s, x) in v.iter_mut().enumerate() {
                let epoch = s / (samples / 2);
                if group < 2 && epoch == group {
                    *x = 3.0 * drivers[group][s] + 0.2 * *x;
                }
            }
        }
        let traces = Traces {
            names: (0..n).map(|i| format!("n{i}")).collect(),
            time_s: t,
            values,
        };
        let opts = DynamicOptions {
            remove_baseline: true,
            window_s: 1.0,
            step_s: 1.0,
            affinity: AffinityKind::Differential { smooth: 2 },
            ntf: NtfOptions {
                rank: 4,
                restarts: 3,
                ..Default::default()
            },
        };
        let dc = dynamic_connectome(&[traces], &opts).unwrap();
        assert_eq!(dc.shape, [n * (n - 1) / 2, 8, 1]);
        for group in 0..2 {
            let members: Vec<usize> = (group * 6..group * 6 + 6).collect();
            // The component loading most on this group's pairs...
            let within = |c: &Component| -> f64 {
                let mut s = 0.0;
                for (a, &i) in members.iter().enumerate() {
                    for &j in &members[a + 1..] {
                        s += c.pairs[affinity::pair_index(n, i, j)];
                    }
                }
                s
            };
            let c = dc
                .components
                .iter()
                .max_by(|a, b| within(a).total_cmp(&within(b)))
                .unwrap();
            // ...is active in the group's epoch (windows 0-3 for group 0, 4-7 for group 1)...
            let (on, off): (f64, f64) = if group == 0 {
                (c.time_curve[..4].iter().sum(), c.time_curve[4..].iter().sum())
            } else {
                (c.time_curve[4..].iter().sum(), c.time_curve[..4].iter().sum())
            };
            assert!(on > 3.0 * off, "group {group}: on {on} off {off}");
            // ...and puts the group in one community.
            let ids: std::collections::HashSet<u32> = members.iter().map(|&i| c.communities[i]).collect();
            assert_eq!(ids.len(), 1, "group {group} split: {:?}", c.communities);
        }
    }
}
