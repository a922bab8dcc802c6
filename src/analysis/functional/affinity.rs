//! Pairwise affinities between neuron traces over one time window.
//!
//! - Pearson correlation (negative values clipped to 0 for the non-negative tensor).
//! - The differential affinity after Dyballa et al. (ICLR 2024, arXiv 2402.14102): traces
//!   are compared through their time derivatives, with a Gaussian kernel whose scale is
//!   tuned per neuron, A_ij = exp(−d_ij² / (σ_i σ_j)), where d_ij is the distance between the
//!   z-scored derivative segments (divided by √length) and σ_i is neuron i's distance to its
//!   k-th nearest neighbour (Zelnik-Manor & Perona's self-tuning kernel). The paper's §3
//!   could not be read where this was written (no network; its notebook is not in the code
//!   index): this follows its description ("non-linear differential affinities with
//!   self-tuned scales") and the peer script's kernel, and should be checked against it.

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

fn zscore(x: &[f64]) -> Vec<f64> {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if sd > 1e-12 {
        x.iter().map(|v| (v - mean) / sd).collect()
    } else {
        vec![0.0; x.len()]
    }
}

/// Pearson correlations of every pair (upper triangle), clipped at 0.
pub fn pearson(w: &Window) -> Vec<f64> {
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

/// The differential affinity of every pair (upper triangle), see the module notes; `k` is the
/// neighbour whose distance sets each neuron's scale.
pub fn differential(w: &Window, k: usize) -> Vec<f64> {
    let d: Vec<Vec<f64>> = w
        .iter()
        .map(|s| zscore(&s.windows(2).map(|p| p[1] - p[0]).collect::<Vec<_>>()))
        .collect();
    let n = d.len();
    let len = d.first().map_or(1, |s| s.len()).max(1) as f64;
    let mut dist = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let e = (d[i].iter().zip(&d[j]).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / len).sqrt();
            dist[i * n + j] = e;
            dist[j * n + i] = e;
        }
    }
    let scale: Vec<f64> = (0..n)
        .map(|i| {
            let mut row: Vec<f64> = (0..n).filter(|&j| j != i).map(|j| dist[i * n + j]).collect();
            row.sort_by(f64::total_cmp);
            row.get(k.saturating_sub(1).min(row.len().saturating_sub(1)))
                .copied()
                .unwrap_or(1.0)
                .max(1e-9)
        })
        .collect();
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            out.push((-dist[i * n + j].powi(2) / (scale[i] * scale[j])).exp());
        }
    }
    out
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
        assert!(f[pair_index(4, 0, 1)] > 2.0 * f[pair_index(4, 2, 3)]);
    }
}
