//! Synchrony of recorded activity, for models without a phase of their own (maps, spiking
//! neurons): the correlation of their traces and a Kuramoto order parameter from phases
//! interpolated between spikes.

use super::recording::Spike;

/// Pearson correlation coefficient of two equally long series; `None` when either is constant
/// (or shorter than two samples), where it is undefined.
pub fn correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    assert_eq!(a.len(), b.len(), "series of different lengths");
    let (ma, mb) = (mean(a)?, mean(b)?);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        ab += dx * dy;
        aa += dx * dx;
        bb += dy * dy;
    }
    (aa > 0.0 && bb > 0.0).then(|| (ab / (aa * bb).sqrt()).clamp(-1.0, 1.0))
}

fn mean(a: &[f64]) -> Option<f64> {
    (a.len() >= 2).then(|| a.iter().sum::<f64>() / a.len() as f64)
}

/// Mean correlation coefficient over all pairs of series (e.g. the x traces of a map network),
/// leaving out pairs with a constant series; `None` without any defined pair.
pub fn mean_pairwise_correlation(series: &[Vec<f64>]) -> Option<f64> {
    // Standardise once, then each pair is a dot product.
    let standard: Vec<Option<Vec<f64>>> = series.iter().map(|s| standardise(s)).collect();
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (k, a) in standard.iter().enumerate() {
        let Some(a) = a else { continue };
        for b in standard[k + 1..].iter().flatten() {
            sum += a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>().clamp(-1.0, 1.0);
            pairs += 1;
        }
    }
    (pairs > 0).then(|| sum / pairs as f64)
}

/// The series minus its mean, scaled to unit norm (`None` if constant or too short).
fn standardise(s: &[f64]) -> Option<Vec<f64>> {
    let m = mean(s)?;
    let norm = s.iter().map(|x| (x - m) * (x - m)).sum::<f64>().sqrt();
    (norm > 0.0).then(|| s.iter().map(|x| (x - m) / norm).collect())
}

/// Kuramoto order parameter r per step from spike-interpolated phases: between consecutive
/// spikes of a neuron at steps t_k < t_{k+1} its phase grows linearly by 2π,
/// θ(t) = 2π (t − t_k) / (t_{k+1} − t_k). At each step r = |mean exp(iθ)| over the neurons
/// whose phase is defined then (between their first and last spike), `None` where none is.
/// `spikes` are as recorded (any order), for neurons `0..neurons`, over `steps` steps.
pub fn spike_phase_order(spikes: &[Spike], neurons: usize, steps: u64) -> Vec<Option<f64>> {
    let mut trains: Vec<Vec<u32>> = vec![Vec::new(); neurons];
    for s in spikes {
        trains[s.neuron as usize].push(s.step);
    }
    let steps = steps as usize;
    let (mut re, mut im, mut count) = (vec![0.0; steps], vec![0.0; steps], vec![0u32; steps]);
    for train in &mut trains {
        train.sort_unstable();
        train.dedup();
        for pair in train.windows(2) {
            let (a, b) = (pair[0] as usize, pair[1] as usize);
            let period = (b - a) as f64;
            for t in a..b.min(steps) {
                let (s, c) = (std::f64::consts::TAU * (t - a) as f64 / period).sin_cos();
                re[t] += c;
                im[t] += s;
                count[t] += 1;
            }
        }
    }
    (0..steps)
        .map(|t| (count[t] > 0).then(|| re[t].hypot(im[t]) / count[t] as f64))
        .collect()
}

/// Mean of r(t) over the steps where it is defined, e.g. of [`spike_phase_order`].
pub fn mean_order(order: &[Option<f64>]) -> Option<f64> {
    let defined: Vec<f64> = order.iter().flatten().copied().collect();
    (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spike(step: u32, neuron: u32) -> Spike {
        Spike { step, neuron }
    }

    #[test]
    fn correlation_of_affine_copies_is_one_and_of_opposites_minus_one() {
        let a = [1.0, 3.0, 2.0, 5.0];
        let b: Vec<f64> = a.iter().map(|x| 2.0 * x + 1.0).collect();
        let c: Vec<f64> = a.iter().map(|x| -x).collect();
        assert!((correlation(&a, &b).unwrap() - 1.0).abs() < 1e-12);
        assert!((correlation(&a, &c).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(correlation(&a, &[2.0; 4]), None);
        let all = vec![a.to_vec(), b, c, vec![7.0; 4]];
        // Pairs: (a,b) = 1, (a,c) = -1, (b,c) = -1; the constant series is left out.
        assert!((mean_pairwise_correlation(&all).unwrap() + 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn spike_phases_of_identical_trains_are_in_sync_and_of_antiphase_ones_not() {
        let together = [
            spike(0, 0),
            spike(0, 1),
            spike(10, 0),
            spike(10, 1),
            spike(20, 0),
            spike(20, 1),
        ];
        let r = spike_phase_order(&together, 2, 25);
        assert!(r[..20].iter().all(|r| (r.unwrap() - 1.0).abs() < 1e-12), "{r:?}");
        assert!(r[20..].iter().all(Option::is_none), "no phase after the last spike");
        let apart = [
            spike(0, 0),
            spike(10, 0),
            spike(20, 0),
            spike(5, 1),
            spike(15, 1),
            spike(25, 1),
        ];
        let r = spike_phase_order(&apart, 2, 30);
        assert!(
            r[5..20].iter().all(|r| r.unwrap() < 1e-12),
            "half a period apart: {r:?}"
        );
        // Alone (r = 1) for 5 steps at each end, half a period apart for 15, none for 5.
        assert!(
            (mean_order(&r).unwrap() - 10.0 / 25.0).abs() < 1e-12,
            "{:?}",
            mean_order(&r)
        );
    }
}
