//! Weighted sums over one row of incoming connections of the sources' (sin θ, cos θ) pairs:
//! [Σ_j w_j sin θ_j, Σ_j w_j cos θ_j], the inner loop of the Kuramoto engine's coupling.
//!
//! A plain version with two partial sums, and one for AVX-512 that gathers eight pairs at a
//! time (masked at a row's end) and accumulates with fused multiply-adds in eight lanes:
//! rounding differs from the plain sums by an ulp or so per row; about a quarter faster on a
//! graph that fits in cache.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// A connection weight as stored (single precision where that is exact, else double).
pub(crate) trait Weight: Copy + Into<f64> + Sync {
    /// Up to eight weights from `p` as doubles, 0 in the lanes not in `lanes`.
    ///
    /// # Safety
    /// The CPU has AVX-512F and VL, and `p` points to the weights of the lanes set.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load8(p: *const Self, lanes: __mmask8) -> __m512d;

    /// [`row_sums`] with AVX-512 gathers.
    ///
    /// # Safety
    /// The CPU has AVX-512F and VL, and every source is an index into `sent`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    unsafe fn row_sums_avx512(sources: &[u32], weights: &[Self], sent: &[[f64; 2]]) -> [f64; 2] {
        debug_assert!(sources.iter().all(|&j| (j as usize) < sent.len()));
        let n = sources.len().min(weights.len());
        // The pairs as doubles: sin θ_j at 2j, cos θ_j at 2j + 1.
        let base = sent.as_ptr() as *const f64;
        let (mut sin, mut cos) = (_mm512_setzero_pd(), _mm512_setzero_pd());
        for k in (0..n).step_by(8) {
            // The last lanes of a row's tail load nothing (weight 0, no gather).
            let lanes = if n - k >= 8 { 0xff } else { (1u8 << (n - k)) - 1 };
            // SAFETY: lanes cover k..n at most; the sources index `sent`, so 2j and 2j + 1 are
            // in it.
            unsafe {
                let j = _mm256_maskz_loadu_epi32(lanes, sources.as_ptr().add(k) as *const i32);
                let at = _mm256_slli_epi32::<1>(j);
                let w = Self::load8(weights.as_ptr().add(k), lanes);
                let zero = _mm512_setzero_pd();
                let s = _mm512_mask_i32gather_pd::<8>(zero, lanes, at, base);
                let c = _mm512_mask_i32gather_pd::<8>(zero, lanes, at, base.add(1));
                sin = _mm512_fmadd_pd(w, s, sin);
                cos = _mm512_fmadd_pd(w, c, cos);
            }
        }
        [_mm512_reduce_add_pd(sin), _mm512_reduce_add_pd(cos)]
    }
}

impl Weight for f32 {
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn load8(p: *const f32, lanes: __mmask8) -> __m512d {
        // SAFETY: the caller's.
        _mm512_cvtps_pd(unsafe { _mm256_maskz_loadu_ps(lanes, p) })
    }
}

impl Weight for f64 {
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn load8(p: *const f64, lanes: __mmask8) -> __m512d {
        // SAFETY: the caller's.
        unsafe { _mm512_maskz_loadu_pd(lanes, p) }
    }
}
/// [Σ_j w_j sin θ_j, Σ_j w_j cos θ_j] over a row, `sent[j]` = (sin θ_j, cos θ_j).
#[inline(always)]
pub(crate) fn row_sums<W: Weight>(sources: &[u32], weights: &[W], sent: &[[f64; 2]]) -> [f64; 2] {
    // Two partial sums: one chain of additions is slower than the memory.
    let mut partial = [[0.0f64; 2]; 2];
    let (mut sources2, mut weights2) = (sources.chunks_exact(2), weights.chunks_exact(2));
    for (j, w) in (&mut sources2).zip(&mut weights2) {
        for k in 0..2 {
            let [s, c] = sent[j[k] as usize];
            let w: f64 = w[k].into();
            partial[k][0] += w * s;
            partial[k][1] += w * c;
        }
    }
    for (&j, &w) in sources2.remainder().iter().zip(weights2.remainder()) {
        let [s, c] = sent[j as usize];
        let w: f64 = w.into();
        partial[0][0] += w * s;
        partial[0][1] += w * c;
    }
    [partial[0][0] + partial[1][0], partial[0][1] + partial[1][1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_sums_match_the_plain_ones() {
        let sent: Vec<[f64; 2]> = (0..100).map(|j| (j as f64 * 0.37).sin_cos().into()).collect();
        for len in [0, 1, 7, 8, 9, 23, 64] {
            let sources: Vec<u32> = (0..len).map(|k| (k * 37 % 100) as u32).collect();
            let weights: Vec<f32> = (0..len).map(|k| (k % 5) as f32 - 1.5).collect();
            let plain = row_sums(&sources, &weights, &sent);
            let exact: [f64; 2] = [0, 1].map(|x| {
                sources
                    .iter()
                    .zip(&weights)
                    .map(|(&j, &w)| w as f64 * sent[j as usize][x])
                    .sum()
            });
            for x in 0..2 {
                assert!((plain[x] - exact[x]).abs() < 1e-12, "len {len}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
                // SAFETY: the CPU has AVX-512F and VL, and the sources are below 100.
                let wide = unsafe { f32::row_sums_avx512(&sources, &weights, &sent) };
                let wide64 = unsafe {
                    f64::row_sums_avx512(&sources, &weights.iter().map(|&w| w as f64).collect::<Vec<_>>(), &sent)
                };
                for x in 0..2 {
                    assert!((wide[x] - exact[x]).abs() < 1e-12, "len {len}: {wide:?} vs {exact:?}");
                    assert_eq!(wide[x], wide64[x]);
                }
            }
        }
    }
}
