//! Incoming connections stored for the Kuramoto engine's coupling sums, Σ_j w_ij (sin θ_j,
//! cos θ_j) for every neuron i: rows in slices of four (SELL-C-σ with C = 4, Kreutzer et al.
//! 2014, SIAM J. Sci. Comput. 36(5)).
//!
//! Within each chunk of neurons the rows are sorted by length and taken four at a time; a
//! slice stores its rows' connections column by column (the first connection of each of the
//! four rows, then the second, …), as long as its longest row, the shorter rows padded with
//! zero weights. A slice's four sums then build up in the four lanes of one vector, with no
//! per-row loop ends (mispredicted as often as not, on heavy-tailed rows averaging 22
//! connections) and no horizontal additions: on the 3k/65k graph the row-by-row sums spent
//! as long at row ends as in the rows. Sorting within chunks keeps the padding to a few per
//! cent and every row of a slice in its chunk (threads write disjoint chunks).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use std::ops::Range;

/// Rows per slice: the lanes of an AVX2 vector of doubles.
pub(crate) const LANES: usize = 4;

/// The row of an unused lane (a chunk's last slice may have fewer than four rows).
const NO_ROW: u32 = u32::MAX;

/// A connection weight as stored (single precision where that is exact, else double).
pub(crate) trait Weight: Copy + Into<f64> + Send + Sync + 'static {
    const ZERO: Self;

    fn from_f64(w: f64) -> Self;

    /// Four weights from `p` as doubles.
    ///
    /// # Safety
    /// The CPU has AVX2, and `p` points to four weights.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load4(p: *const Self) -> __m256d;
}

impl Weight for f32 {
    const ZERO: f32 = 0.0;

    fn from_f64(w: f64) -> f32 {
        w as f32
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn load4(p: *const f32) -> __m256d {
        // SAFETY: the caller's.
        _mm256_cvtps_pd(unsafe { _mm_loadu_ps(p) })
    }
}

impl Weight for f64 {
    const ZERO: f64 = 0.0;

    fn from_f64(w: f64) -> f64 {
        w
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn load4(p: *const f64) -> __m256d {
        // SAFETY: the caller's.
        unsafe { _mm256_loadu_pd(p) }
    }
}

/// Rows by target in slices of four (see the module doc).
#[derive(Debug, Clone)]
pub(crate) struct SlicedRows<W> {
    /// The neurons whose rows slice s holds, lane by lane ([`NO_ROW`] for an unused lane).
    rows: Vec<[u32; LANES]>,
    /// Slice s's connections: `starts[s]..starts[s + 1]`, a multiple of four.
    starts: Vec<u32>,
    sources: Vec<u32>,
    weights: Vec<W>,
    /// Chunk c's slices: `chunk_starts[c]..chunk_starts[c + 1]`.
    chunk_starts: Vec<u32>,
}

impl<W: Weight> SlicedRows<W> {
    /// Slices rows given by `offsets` (row i: `offsets[i]..offsets[i + 1]`), `sources` and
    /// `weights`, sorting them within chunks of `chunk` neurons. Padding repeats the row's
    /// own neuron as the source, with weight 0.
    pub(crate) fn new(offsets: &[u32], sources: &[u32], weights: &[f64], chunk: usize) -> SlicedRows<W> {
        let n = offsets.len().saturating_sub(1);
        let row = |i: usize| offsets[i] as usize..offsets[i + 1] as usize;
        let mut sliced = SlicedRows {
            rows: Vec::with_capacity(n.div_ceil(LANES)),
            starts: vec![0],
            sources: Vec::with_capacity(sources.len() + sources.len() / 16),
            weights: Vec::with_capacity(sources.len() + sources.len() / 16),
            chunk_starts: vec![0],
        };
        for first in (0..n).step_by(chunk.max(1)) {
            let mut order: Vec<usize> = (first..(first + chunk).min(n)).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(row(i).len()));
            for lanes in order.chunks(LANES) {
                let longest = row(lanes[0]).len();
                for k in 0..longest {
                    for lane in 0..LANES {
                        let (source, weight) = match lanes.get(lane) {
                            Some(&i) if k < row(i).len() => {
                                let at = row(i).start + k;
                                (sources[at], W::from_f64(weights[at]))
                            }
                            Some(&i) => (i as u32, W::ZERO),
                            None => (lanes[0] as u32, W::ZERO),
                        };
                        sliced.sources.push(source);
                        sliced.weights.push(weight);
                    }
                }
                sliced.rows.push(std::array::from_fn(|lane| {
                    lanes.get(lane).map_or(NO_ROW, |&i| i as u32)
                }));
                sliced.starts.push(sliced.sources.len() as u32);
            }
            sliced.chunk_starts.push(sliced.rows.len() as u32);
        }
        sliced
    }

    /// The slices of chunk `c`.
    pub(crate) fn chunk(&self, c: usize) -> Range<usize> {
        self.chunk_starts[c] as usize..self.chunk_starts[c + 1] as usize
    }

    /// The rows of slice `s` as (lane, neuron), unused lanes left out.
    pub(crate) fn rows(&self, s: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.rows[s]
            .iter()
            .enumerate()
            .filter(|&(_, &i)| i != NO_ROW)
            .map(|(lane, &i)| (lane, i as usize))
    }

    /// Every source, padding included (to check them against the network's size).
    pub(crate) fn sources(&self) -> &[u32] {
        &self.sources
    }

    /// [Σ w sin θ_j, Σ w cos θ_j] of slice `s`'s four rows, lane by lane, `sent[j]` = (sin θ_j,
    /// cos θ_j).
    #[inline(always)]
    pub(crate) fn sums(&self, s: usize, sent: &[[f64; 2]]) -> [[f64; LANES]; 2] {
        let range = self.starts[s] as usize..self.starts[s + 1] as usize;
        let (sources, weights) = (&self.sources[range.clone()], &self.weights[range]);
        let mut sums = [[0.0; LANES]; 2];
        for (j, w) in sources.chunks_exact(LANES).zip(weights.chunks_exact(LANES)) {
            for lane in 0..LANES {
                let [s, c] = sent[j[lane] as usize];
                let w: f64 = w[lane].into();
                sums[0][lane] += w * s;
                sums[1][lane] += w * c;
            }
        }
        sums
    }

    /// [`SlicedRows::sums`] with AVX2: each (sin, cos) pair is one 16-byte load; two columns
    /// at a time go into two pairs of sums, so that the chains of fused multiply-adds overlap.
    /// Rounds differently from the plain sums by an ulp or so.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA, and every source is an index into `sent`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(crate) unsafe fn sums_avx2(&self, s: usize, sent: &[[f64; 2]]) -> [[f64; LANES]; 2] {
        let range = self.starts[s] as usize..self.starts[s + 1] as usize;
        let (sources, weights) = (&self.sources[range.clone()], &self.weights[range]);
        debug_assert!(sources.iter().all(|&j| (j as usize) < sent.len()));
        let pair = |j: u32| {
            // SAFETY: j indexes `sent` (the caller's), whose pairs are 16 bytes.
            unsafe { _mm_loadu_pd(sent.as_ptr().add(j as usize) as *const f64) }
        };
        // One column: [sin] += w × [sin θ of the four sources], [cos] likewise.
        let column = |k: usize, [sin, cos]: [__m256d; 2]| {
            // SAFETY: k + 4 ≤ the slice's length (a multiple of four).
            let w = unsafe { W::load4(weights.as_ptr().add(k)) };
            let j = &sources[k..k + LANES];
            // [s0, c0, s2, c2] and [s1, c1, s3, c3], unpacked into [s0..s3] and [c0..c3].
            let pairs02 = _mm256_insertf128_pd::<1>(_mm256_castpd128_pd256(pair(j[0])), pair(j[2]));
            let pairs13 = _mm256_insertf128_pd::<1>(_mm256_castpd128_pd256(pair(j[1])), pair(j[3]));
            [
                _mm256_fmadd_pd(w, _mm256_unpacklo_pd(pairs02, pairs13), sin),
                _mm256_fmadd_pd(w, _mm256_unpackhi_pd(pairs02, pairs13), cos),
            ]
        };
        let zero = _mm256_setzero_pd();
        let (mut first, mut second) = ([zero; 2], [zero; 2]);
        let len = sources.len();
        let mut k = 0;
        while k + 2 * LANES <= len {
            first = column(k, first);
            second = column(k + LANES, second);
            k += 2 * LANES;
        }
        if k < len {
            first = column(k, first);
        }
        let mut sums = [[0.0; LANES]; 2];
        for (x, sum) in sums.iter_mut().enumerate() {
            // SAFETY: four doubles into a four-double array.
            unsafe { _mm256_storeu_pd(sum.as_mut_ptr(), _mm256_add_pd(first[x], second[x])) };
        }
        sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eleven rows of 0 to 9 connections from 100 neurons, sources and weights varied.
    fn rows() -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        let lengths = [3, 0, 9, 1, 4, 8, 2, 7, 5, 6, 1];
        let mut offsets = vec![0u32];
        let (mut sources, mut weights) = (Vec::new(), Vec::new());
        for (i, &len) in lengths.iter().enumerate() {
            for k in 0..len {
                sources.push(((i * 31 + k * 37) % 100) as u32);
                weights.push((k % 5) as f64 - 1.5);
            }
            offsets.push(sources.len() as u32);
        }
        (offsets, sources, weights)
    }

    #[test]
    fn slices_give_each_row_its_sums() {
        let sent: Vec<[f64; 2]> = (0..100).map(|j| (j as f64 * 0.37).sin_cos().into()).collect();
        let (offsets, sources, weights) = rows();
        let n = offsets.len() - 1;
        let exact = |i: usize, x: usize| -> f64 {
            (offsets[i] as usize..offsets[i + 1] as usize)
                .map(|k| weights[k] * sent[sources[k] as usize][x])
                .sum()
        };
        // Chunks of 5: the last slice of each chunk has unused lanes.
        let sliced = SlicedRows::<f32>::new(&offsets, &sources, &weights, 5);
        assert_eq!(sliced.chunk_starts, vec![0, 2, 4, 5]);
        let mut seen = vec![0; n];
        for c in 0..3 {
            for s in sliced.chunk(c) {
                let plain = sliced.sums(s, &sent);
                #[cfg(target_arch = "x86_64")]
                let wide = (std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
                    // SAFETY: the CPU has AVX2 and FMA, and the sources are below 100.
                    .then(|| unsafe { sliced.sums_avx2(s, &sent) });
                for (lane, i) in sliced.rows(s) {
                    assert!((5 * c..5 * c + 5).contains(&i), "row {i} in chunk {c}");
                    seen[i] += 1;
                    for x in 0..2 {
                        assert!((plain[x][lane] - exact(i, x)).abs() < 1e-12, "row {i}");
                        #[cfg(target_arch = "x86_64")]
                        if let Some(wide) = wide {
                            assert!((wide[x][lane] - exact(i, x)).abs() < 1e-12, "row {i}");
                        }
                    }
                }
            }
        }
        assert_eq!(seen, vec![1; n], "every row in one slice");
        // Longest first within a chunk: chunk 0 (lengths 3, 0, 9, 1, 4) takes 9 columns of
        // four and an empty slice, chunk 1 (8, 2, 7, 5, 6) 8 and 2.
        assert_eq!(sliced.starts[..5], [0, 36, 36, 68, 76]);
        assert_eq!(sliced.sources().len() % LANES, 0);
    }
}
