//! Pairwise affinities between neuron traces over one time window.
//!
//! - Pearson correlation (negative values clipped to 0 for the non-negative tensor).
//! - The differential affinity of Dyballa, Lang, Haslund-Gourley, Yemini & Zucker, "Learning
//!   dynamic representations of the functional connectome in neurobiological networks" (ICLR
//!   2024, arXiv 2402.14102), see [`differential`].
//!
//! What the paper fixes and what is ours. The paper defines the differential affinity in prose
//! (§2.1 and Fig. 2), with no numbered equation; the ICLR reviewers asked for one. Its
//! sentences: "we compare two neurons' derivatives during intervals in which both had a
//! constant sign", measuring "how similar two curves are, locally, in terms of their absolute
//! derivatives" (of smoothed traces), because "two neurons with very similar but opposite sign
//! derivatives are still likely to be interacting"; the affinities a_ij^(t) are non-negative
//! and bounded, so they can be used as adjacencies; the upper triangles, per time and per
//! animal, form the (time × animals × pairs) tensor for non-negative CP, and each component's
//! pair factor, as a weighted graph, goes to a nested weighted SBM. Nothing we could read
//! describes a kernel with self-tuned (k-th neighbour) scales, which an earlier version used.
//! The authors' code (the notebook `celegans-dynamic-communities.ipynb` in
//! dyballa/dynamic-connectomes) could not be read here, so the smoothing, the normalisation,
//! the sign threshold and the per-interval comparison below are our formalisation of those
//! sentences, not theirs; tests/fixtures/functional/differential.json restates it in NumPy.
//!
//! Missing values (NaN, e.g. frames a recording lost) are masked pair by pair, never zeroed:
//! a pair is compared over the samples both traces have. Pearson correlates those samples;
//! the differential affinity z-scores both traces over them, has no derivative where either
//! end is missing (no sign there, so no run crosses a gap) and averages over the derivative
//! samples both have. A pair with too few shared samples in a window (Pearson: 3, the
//! differential: one derivative sample) has affinity 0 there: no evidence of coupling.
//! Without NaN nothing changes.

/// A window of traces: `series[neuron][sample]`, all the same length.
pub type Window<'a> = [&'a [f64]];

/// The upper-triangle index of pair (i, j), i < j, among n neurons.
pub fn pair_index(n: usize, i: usize, j: usize) -> usize {
    debug_assert!(i < j && j < n);
    i * (2 * n - i - 1) / 2 + (j - i - 1)
}

/// The pair (i, j) of an upper-triangle index.
pub fn pair_of(n: usize, mut p: usize) -> (usize, usize) {
    for i in 0..n {
        let row = n - i - 1;
        if p < row {
            return (i, i + 1 + p);
        }
        p -= row;
    }
    panic!("pair index out of range")
}

/// Z-scores over the finite samples; NaN stays NaN.
fn zscore(x: &[f64]) -> Vec<f64> {
    let finite = || x.iter().filter(|v| v.is_finite());
    let n = finite().count().max(1) as f64;
    let mean = finite().sum::<f64>() / n;
    let sd = (finite().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if sd > 1e-12 {
        x.iter().map(|v| (v - mean) / sd).collect()
    } else {
        x.iter().map(|v| if v.is_finite() { 0.0 } else { f64::NAN }).collect()
    }
}

/// Pearson correlation over the samples both series have (0 with fewer than 3).
fn masked_correlation(a: &[f64], b: &[f64]) -> f64 {
    let both = || a.iter().zip(b).filter(|(x, y)| x.is_finite() && y.is_finite());
    let n = both().count();
    if n < 3 {
        return 0.0;
    }
    let (ma, mb) = both().fold((0.0, 0.0), |(sa, sb), (x, y)| (sa + x, sb + y));
    let (ma, mb) = (ma / n as f64, mb / n as f64);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in both() {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa > 1e-24 && sbb > 1e-24 {
        sab / (saa * sbb).sqrt()
    } else {
        0.0
    }
}

/// Pearson correlations of every pair (upper triangle), clipped at 0; with NaN, each pair
/// over the samples both have.
pub fn pearson(w: &Window) -> Vec<f64> {
    if w.iter().any(|s| s.iter().any(|v| v.is_nan())) {
        let n = w.len();
        let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                out.push(masked_correlation(w[i], w[j]).max(0.0));
            }
        }
        return out;
    }
    let z: Vec<Vec<f64>> = w.iter().map(|s| zscore(s)).collect();
    let n = z.len();
    let len = z.first().map_or(1, |s| s.len()).max(1) as f64;
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let r: f64 = z[i].iter().zip(&z[j]).map(|(a, b)| a * b).sum::<f64>() / len;
            out.push(r.max(0.0));
        }
    }
    out
}

/// Below this, a smoothed derivative of a z-scored trace counts as zero (no sign).
pub const FLAT: f64 = 1e-12;

/// The differential affinity of every pair (upper triangle), in [0, 1]; `k` is the half-width,
/// in samples, of the smoothed derivative (clamped to 1..=(len − 1)/2). Our formalisation of
/// Dyballa et al. §2.1 (see the module notes; the numbers are ours, the paper has none):
///
/// 1. z_i = the trace of neuron i z-scored over the window (so a gain or an offset between
///    two neurons does not matter; a constant trace has no derivative and affinity 0).
/// 2. Smoothed derivative, t = h … L−1−h (T = L − 2h values):
///    g_i(t) = (z_i(t+h) − z_i(t−h)) / 2h, the mean of the 2h forward differences around t.
/// 3. s_i(t) = sign g_i(t), 0 where |g_i(t)| ≤ [`FLAT`].
/// 4. For a pair (i, j): the maximal runs I of consecutive t on which s_i and s_j are both
///    non-zero and both constant ("intervals in which both had a constant sign"; one rising
///    while the other falls counts, as in the paper). On each run, the absolute changes
///    A_i(I) = Σ_{t∈I} |g_i(t)| are compared: r_ij(I) = min(A_i, A_j) / max(A_i, A_j).
/// 5. The instantaneous affinity is a_ij(t) = r_ij(I) for t in a run I, 0 elsewhere, and the
///    window's affinity is its mean over the T derivative samples:
///    A_ij = (1/T) Σ_I |I| r_ij(I).
///
/// Co-varying (or mirror-image) traces score near 1, unrelated ones of like roughness about
/// 0.4–0.6 (not 0: any two wiggling traces share monotone stretches), so the per-pair baseline
/// removal of the dynamic connectome matters with this affinity.
pub fn differential(w: &Window, k: usize) -> Vec<f64> {
    let n = w.len();
    let len = w.first().map_or(0, |s| s.len());
    let pairs = n * n.saturating_sub(1) / 2;
    if len < 3 {
        return vec![0.0; pairs];
    }
    let h = k.clamp(1, (len - 1) / 2);
    let has_nan: Vec<bool> = w.iter().map(|s| s.iter().any(|v| v.is_nan())).collect();
    let slopes: Vec<Slopes> = w.iter().map(|s| Slopes::of(&zscore(s), h)).collect();
    let mut out = Vec::with_capacity(pairs);
    for i in 0..n {
        for j in i + 1..n {
            if has_nan[i] || has_nan[j] {
                // Pairwise masking: both traces z-scored over the samples both have, so a gap
                // in one does not change the other's scale.
                let (a, b) = masked_pair(w[i], w[j]);
                out.push(run_affinity(&Slopes::of(&zscore(&a), h), &Slopes::of(&zscore(&b), h)));
            } else {
                out.push(run_affinity(&slopes[i], &slopes[j]));
            }
        }
    }
    out
}

/// The smoothed derivative of a z-scored trace and its sign (0 where flat or missing).
struct Slopes {
    g: Vec<f64>,
    sign: Vec<i8>,
}

impl Slopes {
    fn of(z: &[f64], h: usize) -> Slopes {
        let g: Vec<f64> = (h..z.len() - h)
            .map(|t| (z[t + h] - z[t - h]) / (2 * h) as f64)
            .collect();
        let sign = g
            .iter()
            .map(|&v| {
                if v > FLAT {
                    1
                } else if v < -FLAT {
                    -1
                } else {
                    0
                }
            })
            .collect();
        Slopes { g, sign }
    }
}

/// Both series with NaN wherever either has one.
fn masked_pair(a: &[f64], b: &[f64]) -> (Vec<f64>, Vec<f64>) {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            if x.is_nan() || y.is_nan() {
                (f64::NAN, f64::NAN)
            } else {
                (x, y)
            }
        })
        .unzip()
}

/// Steps 4-5 of [`differential`] for one pair, averaged over the derivative samples both
/// have (0 with none).
fn run_affinity(i: &Slopes, j: &Slopes) -> f64 {
    let (gi, gj, si, sj) = (&i.g, &j.g, &i.sign, &j.sign);
    let t_len = gi.len();
    let shared = gi.iter().zip(gj).filter(|(a, b)| !a.is_nan() && !b.is_nan()).count();
    if shared == 0 {
        return 0.0;
    }
    let mut total = 0.0;
    let mut t = 0;
    while t < t_len {
        let (a, b) = (si[t], sj[t]);
        if a == 0 || b == 0 {
            t += 1;
            continue;
        }
        let (mut ai, mut aj, mut run) = (0.0, 0.0, 0usize);
        while t < t_len && si[t] == a && sj[t] == b {
            ai += gi[t].abs();
            aj += gj[t].abs();
            run += 1;
            t += 1;
        }
        total += run as f64 * (ai.min(aj) / ai.max(aj));
    }
    total / shared as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_numbered_row_by_row() {
        let n = 5;
        let mut p = 0;
        for i in 0..n {
            for j in i + 1..n {
                assert_eq!(pair_index(n, i, j), p);
                assert_eq!(pair_of(n, p), (i, j));
                p += 1;
            }
        }
    }

    #[test]
    fn co_varying_traces_have_high_affinity() {
        let t: Vec<f64> = (0..200).map(|k| k as f64 * 0.05).collect();
        let a: Vec<f64> = t.iter().map(|x| x.sin()).collect();
        let b: Vec<f64> = t.iter().map(|x| 2.0 * x.sin() + 1.0).collect();
        let c: Vec<f64> = t.iter().map(|x| (3.7 * x).cos()).collect();
        let d: Vec<f64> = t.iter().map(|x| (5.1 * x + 1.0).sin()).collect();
        let w: Vec<&[f64]> = vec![&a, &b, &c, &d];
        let r = pearson(&w);
        assert!((r[pair_index(4, 0, 1)] - 1.0).abs() < 1e-9);
        assert!(r[pair_index(4, 0, 2)] < 0.3);
        let f = differential(&w, 1);
        assert!(f[pair_index(4, 0, 1)] > 0.99, "{f:?}");
        assert!(f.iter().all(|v| (0.0..=1.0).contains(v)));
        // Co-varying beats unrelated; two unrelated oscillations of like amplitude still share
        // much of their absolute slope, so no factor of 2 here (that was the old kernel's).
        for (i, j) in [(0, 2), (0, 3), (1, 2), (1, 3), (2, 3)] {
            assert!(f[pair_index(4, 0, 1)] > f[pair_index(4, i, j)] + 0.2, "{f:?}");
        }
    }

    /// §2.1: opposite-sign derivatives of like size still mean interaction; a flat trace has none.
    #[test]
    fn anti_phase_counts_and_flat_traces_do_not() {
        let t: Vec<f64> = (0..200).map(|k| k as f64 * 0.05).collect();
        let a: Vec<f64> = t.iter().map(|x| x.sin()).collect();
        let b: Vec<f64> = t.iter().map(|x| 1.0 - 3.0 * x.sin()).collect();
        let flat = vec![0.7; t.len()];
        let f = differential(&[&a, &b, &flat], 3);
        assert!(f[pair_index(3, 0, 1)] > 0.99, "{f:?}");
        assert_eq!(f[pair_index(3, 0, 2)], 0.0);
        assert_eq!(f[pair_index(3, 1, 2)], 0.0);
        assert_eq!(differential(&[&a[..2], &b[..2]], 1), vec![0.0]);
    }

    /// NaN samples are masked pair by pair: a co-varying pair stays co-varying across a gap,
    /// the pair's other samples decide, and a trace with no shared samples scores 0.
    #[test]
    fn missing_samples_are_masked_not_zeroed() {
        let t: Vec<f64> = (0..200).map(|k| k as f64 * 0.05).collect();
        let a: Vec<f64> = t.iter().map(|x| x.sin()).collect();
        let mut b: Vec<f64> = t.iter().map(|x| 2.0 * x.sin() + 1.0).collect();
        for v in &mut b[50..70] {
            *v = f64::NAN;
        }
        let c: Vec<f64> = t.iter().map(|x| (3.7 * x).cos()).collect();
        let gone = vec![f64::NAN; t.len()];
        let w: Vec<&[f64]> = vec![&a, &b, &c, &gone];
        let r = pearson(&w);
        assert!((r[pair_index(4, 0, 1)] - 1.0).abs() < 1e-9, "{r:?}");
        assert_eq!(r[pair_index(4, 0, 3)], 0.0);
        // Zeros in the gap instead of NaN would break the correlation.
        let mut zeroed = b.clone();
        for v in &mut zeroed[50..70] {
            *v = 0.0;
        }
        assert!(pearson(&[&a, &zeroed])[0] < 0.95);
        let f = differential(&w, 2);
        assert!(f[pair_index(4, 0, 1)] > 0.99, "{f:?}");
        assert!(f[pair_index(4, 0, 1)] > f[pair_index(4, 0, 2)] + 0.2, "{f:?}");
        assert_eq!(f[pair_index(4, 2, 3)], 0.0);
        assert!(f.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
        // Without NaN the masked path is not taken and nothing changes.
        let plain: Vec<&[f64]> = vec![&a, &c];
        assert!((masked_correlation(&a, &c).max(0.0) - pearson(&plain)[0]).abs() < 1e-12);
    }
}
