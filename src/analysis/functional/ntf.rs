//! Non-negative CP decomposition (non-negative tensor factorisation) of a dense 3-way tensor
//! by hierarchical alternating least squares (HALS; Cichocki & Phan 2009, the algorithm of
//! tensorly's `non_negative_parafac_hals`): X ≈ Σ_r w_r a_r ∘ b_r ∘ c_r with a, b, c ≥ 0.
//! Several seeded random starts; the best fit is kept.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

/// A dense tensor of shape (I, J, K), stored with k fastest: `data[(i * J + j) * K + k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor3 {
    pub shape: [usize; 3],
    pub data: Vec<f64>,
}

impl Tensor3 {
    pub fn zeros(shape: [usize; 3]) -> Tensor3 {
        Tensor3 {
            shape,
            data: vec![0.0; shape[0] * shape[1] * shape[2]],
        }
    }

    pub fn at(&self, i: usize, j: usize, k: usize) -> f64 {
        self.data[(i * self.shape[1] + j) * self.shape[2] + k]
    }

    pub fn set(&mut self, i: usize, j: usize, k: usize, v: f64) {
        let [_, nj, nk] = self.shape;
        self.data[(i * nj + j) * nk + k] = v;
    }

    pub fn norm(&self) -> f64 {
        self.data.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

/// Factor matrices, each `rows × rank` row-major, with unit-norm columns and the scale in
/// `weights`.
#[derive(Debug, Clone)]
pub struct Cp {
    pub rank: usize,
    pub weights: Vec<f64>,
    pub factors: [Vec<f64>; 3],
    pub shape: [usize; 3],
    /// ‖X − X̂‖ / ‖X‖.
    pub rel_error: f64,
    pub iterations: usize,
}

impl Cp {
    /// Column `r` of factor `mode`.
    pub fn column(&self, mode: usize, r: usize) -> Vec<f64> {
        let rows = self.shape[mode];
        (0..rows).map(|i| self.factors[mode][i * self.rank + r]).collect()
    }

    /// The reconstructed entry (i, j, k).
    pub fn at(&self, i: usize, j: usize, k: usize) -> f64 {
        let r = self.rank;
        (0..r)
            .map(|c| {
                self.weights[c] * self.factors[0][i * r + c] * self.factors[1][j * r + c] * self.factors[2][k * r + c]
            })
            .sum()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct NtfOptions {
    pub rank: usize,
    pub max_iterations: usize,
    /// Stop when the relative error improves by less than this between iterations.
    pub tolerance: f64,
    pub restarts: usize,
    pub seed: u64,
}

impl Default for NtfOptions {
    fn default() -> Self {
        NtfOptions {
            rank: 10,
            max_iterations: 500,
            tolerance: 1e-8,
            restarts: 3,
            seed: 1,
        }
    }
}

/// The best of `restarts` HALS runs from seeded random non-negative starts.
pub fn ntf(x: &Tensor3, opts: &NtfOptions) -> Cp {
    (0..opts.restarts.max(1))
        .map(|k| hals(x, opts, opts.seed.wrapping_add(k as u64 * 0x9E37_79B9)))
        .min_by(|a, b| a.rel_error.total_cmp(&b.rel_error))
        .expect("at least one start")
}

/// One HALS sweep over a row's entries: a_r ← max(ε, a_r + (m_r − Σ_c a_c G_cr) / G_rr).
/// (Rows are independent, so sweeping row by row equals tensorly's column-by-column order.)
fn hals_row(row: &mut [f64], m: &[f64], g: &[f64], rank: usize) {
    for r in 0..rank {
        let fg: f64 = (0..rank).map(|c| row[c] * g[c * rank + r]).sum();
        let v = row[r] + (m[r] - fg) / g[r * rank + r].max(1e-300);
        // A tiny floor keeps a column from dying for good (as tensorly's epsilon).
        row[r] = v.max(1e-16);
    }
}

fn hadamard(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x * y).collect()
}

/// Updates A (mode 0) row by row from X_(0)(B ⊙ C) and returns Y = Σ_i a_i ⊗ x_i·· with the
/// new rows, in one parallel pass over the tensor.
fn update_first_mode(x: &Tensor3, f: &mut [Vec<f64>; 3], g: &[f64], rank: usize) -> Vec<f64> {
    let [_, nj, nk] = x.shape;
    let slab = nj * nk;
    let mut kr = vec![0.0; slab * rank];
    for j in 0..nj {
        for k in 0..nk {
            for r in 0..rank {
                kr[(j * nk + k) * rank + r] = f[1][j * rank + r] * f[2][k * rank + r];
            }
        }
    }
    let chunk = 256;
    let [a, _, _] = f;
    a.par_chunks_mut(chunk * rank)
        .enumerate()
        .fold(
            || vec![0.0; slab * rank],
            |mut y, (c, rows)| {
                let n = rows.len() / rank;
                let xs = &x.data[c * chunk * slab..(c * chunk + n) * slab];
                // M = X_block (B ⊙ C): the mode-0 MTTKRP of these rows.
                let mut m = vec![0.0; n * rank];
                gemm(n, slab, rank, (xs, slab, 1), (&kr, rank, 1), 0.0, &mut m);
                for (row, m) in rows.chunks_mut(rank).zip(m.chunks_exact(rank)) {
                    hals_row(row, m, g, rank);
                }
                // Y += X_blockᵀ A_block, with the new rows.
                gemm(slab, n, rank, (xs, 1, slab), (rows, rank, 1), 1.0, &mut y);
                y
            },
        )
        .reduce(
            || vec![0.0; slab * rank],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// `C ← beta C + A B` for row-major `C` (m × n); `A` (m × k) and `B` (k × n) given as
/// (data, row stride, column stride). matrixmultiply picks AVX2/FMA kernels at run time.
fn gemm(m: usize, k: usize, n: usize, a: (&[f64], usize, usize), b: (&[f64], usize, usize), beta: f64, c: &mut [f64]) {
    assert_eq!(c.len(), m * n);
    if m * n * k == 0 {
        c.iter_mut().for_each(|v| *v *= beta);
        return;
    }
    // The last element each operand's strides reach.
    assert!(a.0.len() > (m - 1) * a.1 + (k - 1) * a.2);
    assert!(b.0.len() > (k - 1) * b.1 + (n - 1) * b.2);
    // SAFETY: the asserts above keep every index the product reads or writes in bounds.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.0.as_ptr(),
            a.1 as isize,
            a.2 as isize,
            b.0.as_ptr(),
            b.1 as isize,
            b.2 as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The MTTKRP of mode 1 or 2 from Y: M1[j] = Σ_k Y[j,k] ∘ c_k, M2[k] = Σ_j Y[j,k] ∘ b_j.
fn from_projection(y: &[f64], f: &[Vec<f64>; 3], shape: [usize; 3], mode: usize, rank: usize) -> Vec<f64> {
    let [_, nj, nk] = shape;
    let mut m = vec![0.0; shape[mode] * rank];
    for j in 0..nj {
        for k in 0..nk {
            let yjk = &y[(j * nk + k) * rank..(j * nk + k + 1) * rank];
            let (row, other) = if mode == 1 {
                (j, &f[2][k * rank..(k + 1) * rank])
            } else {
                (k, &f[1][j * rank..(j + 1) * rank])
            };
            let out = &mut m[row * rank..(row + 1) * rank];
            for r in 0..rank {
                out[r] += yjk[r] * other[r];
            }
        }
    }
    m
}

/// FᵀF (rank × rank): the upper triangle, mirrored.
fn gram(f: &[f64], rank: usize) -> Vec<f64> {
    let mut g = vec![0.0; rank * rank];
    for row in f.chunks_exact(rank) {
        for a in 0..rank {
            let ra = row[a];
            g[a * rank + a..(a + 1) * rank]
                .iter_mut()
                .zip(&row[a..])
                .for_each(|(g, &rb)| *g += ra * rb);
        }
    }
    for a in 0..rank {
        for b in 0..a {
            g[a * rank + b] = g[b * rank + a];
        }
    }
    g
}

fn hals(x: &Tensor3, opts: &NtfOptions, seed: u64) -> Cp {
    let rank = opts.rank.max(1);
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut f: [Vec<f64>; 3] = std::array::from_fn(|m| (0..x.shape[m] * rank).map(|_| rng.random::<f64>()).collect());
    let norm_x = x.norm().max(f64::MIN_POSITIVE);
    // Scale the start so that its norm matches the data's.
    let start_norm = reconstruction_norm2(&f, rank).sqrt().max(f64::MIN_POSITIVE);
    let s = (norm_x / start_norm).cbrt();
    for v in f.iter_mut().flatten() {
        *v *= s;
    }
    let mut rel_error = f64::INFINITY;
    let mut iterations = 0;
    // FᵀF of each factor, renewed when the factor is.
    let mut grams: [Vec<f64>; 3] = std::array::from_fn(|m| gram(&f[m], rank));
    for it in 0..opts.max_iterations {
        iterations = it + 1;
        let mut last_m = Vec::new();
        // Mode 0 row by row (rows are independent in HALS), accumulating on the way
        // Y = Σ_i a_i ⊗ x_i with the updated rows: Y gives the MTTKRPs of modes 1 and 2, so
        // the tensor is read once per iteration.
        let g0 = hadamard(&grams[1], &grams[2]);
        let y = update_first_mode(x, &mut f, &g0, rank);
        grams[0] = gram(&f[0], rank);
        for mode in 1..3 {
            let m = from_projection(&y, &f, x.shape, mode, rank);
            let other = if mode == 1 { 2 } else { 1 };
            let g = hadamard(&grams[0], &grams[other]);
            let rows = x.shape[mode];
            let fm = &mut f[mode];
            for i in 0..rows {
                hals_row(
                    &mut fm[i * rank..(i + 1) * rank],
                    &m[i * rank..(i + 1) * rank],
                    &g,
                    rank,
                );
            }
            grams[mode] = gram(&f[mode], rank);
            if mode == 2 {
                last_m = m;
            }
        }
        // ‖X − X̂‖² = ‖X‖² − 2⟨X, X̂⟩ + ‖X̂‖², ⟨X, X̂⟩ from the last mode's MTTKRP.
        let inner: f64 = f[2].iter().zip(&last_m).map(|(a, b)| a * b).sum();
        let fit2: f64 = (0..rank * rank).map(|k| grams[0][k] * grams[1][k] * grams[2][k]).sum();
        let err2 = (norm_x * norm_x - 2.0 * inner + fit2).max(0.0);
        let e = err2.sqrt() / norm_x;
        let improved = rel_error - e;
        rel_error = e;
        if improved.abs() < opts.tolerance {
            break;
        }
    }
    // Unit-norm columns, scale in the weights, components by decreasing weight.
    let mut weights = vec![1.0; rank];
    for fm in f.iter_mut() {
        for r in 0..rank {
            let n = fm.chunks(rank).map(|row| row[r] * row[r]).sum::<f64>().sqrt();
            if n > 0.0 {
                for row in fm.chunks_mut(rank) {
                    row[r] /= n;
                }
                weights[r] *= n;
            }
        }
    }
    let mut order: Vec<usize> = (0..rank).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
    let permute =
        |fm: &Vec<f64>| -> Vec<f64> { fm.chunks(rank).flat_map(|row| order.iter().map(|&r| row[r])).collect() };
    Cp {
        rank,
        weights: order.iter().map(|&r| weights[r]).collect(),
        factors: [permute(&f[0]), permute(&f[1]), permute(&f[2])],
        shape: x.shape,
        rel_error,
        iterations,
    }
}

/// ‖Σ_r a_r ∘ b_r ∘ c_r‖² = Σ_{r,s} (AᵀA ∘ BᵀB ∘ CᵀC)_{rs}.
fn reconstruction_norm2(f: &[Vec<f64>; 3], rank: usize) -> f64 {
    let g: Vec<Vec<f64>> = f.iter().map(|m| gram(m, rank)).collect();
    (0..rank * rank).map(|k| g[0][k] * g[1][k] * g[2][k]).sum()
}

/// Cosine similarity of two vectors (0 if either is zero).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

/// A deterministic test tensor with planted non-negative factors plus uniform noise of
/// amplitude `noise`; the same formula is in `scripts/make_ntf_fixture.py` for tensorly.
pub fn planted(shape: [usize; 3], rank: usize, noise: f64) -> (Tensor3, [Vec<f64>; 3]) {
    let factor = |mode: usize, n: usize| -> Vec<f64> {
        let mut f = vec![0.0; n * rank];
        for i in 0..n {
            for r in 0..rank {
                let phase = (i as f64) * 0.37 * (r as f64 + 1.0) + (mode as f64) * 1.3 + r as f64;
                f[i * rank + r] = phase.sin().max(0.0) + if (i + r) % rank == 0 { 0.5 } else { 0.0 };
            }
        }
        f
    };
    let f = [factor(0, shape[0]), factor(1, shape[1]), factor(2, shape[2])];
    let mut x = Tensor3::zeros(shape);
    for i in 0..shape[0] {
        for j in 0..shape[1] {
            for k in 0..shape[2] {
                let clean: f64 = (0..rank)
                    .map(|r| f[0][i * rank + r] * f[1][j * rank + r] * f[2][k * rank + r])
                    .sum();
                let h = ((i as f64) * 12.9898 + (j as f64) * 78.233 + (k as f64) * 37.719).sin() * 43758.5453;
                x.set(i, j, k, clean + noise * (h - h.floor()));
            }
        }
    }
    (x, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_planted_factors() {
        let rank = 4;
        let (x, truth) = planted([30, 25, 12], rank, 0.0);
        let cp = ntf(
            &x,
            &NtfOptions {
                rank,
                restarts: 3,
                max_iterations: 2000,
                tolerance: 1e-12,
                seed: 7,
            },
        );
        assert!(cp.rel_error < 1e-3, "relative error {}", cp.rel_error);
        // Each planted component is matched by a found one in every mode.
        for r in 0..rank {
            let best = (0..rank)
                .map(|c| {
                    (0..3)
                        .map(|m| {
                            let t: Vec<f64> = (0..x.shape[m]).map(|i| truth[m][i * rank + r]).collect();
                            cosine(&t, &cp.column(m, c))
                        })
                        .fold(f64::INFINITY, f64::min)
                })
                .fold(0.0, f64::max);
            assert!(best >= 0.95, "component {r}: best cosine {best}");
        }
        // Reconstruction agrees with the reported error.
        let mut err2 = 0.0;
        for i in 0..x.shape[0] {
            for j in 0..x.shape[1] {
                for k in 0..x.shape[2] {
                    err2 += (x.at(i, j, k) - cp.at(i, j, k)).powi(2);
                }
            }
        }
        assert!((err2.sqrt() / x.norm() - cp.rel_error).abs() < 1e-6);
        assert!(cp.weights.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn seeded_and_non_negative() {
        let (x, _) = planted([10, 9, 8], 3, 0.2);
        let opts = NtfOptions {
            rank: 3,
            ..Default::default()
        };
        let (a, b) = (ntf(&x, &opts), ntf(&x, &opts));
        assert_eq!(a.factors, b.factors);
        assert!(a.factors.iter().flatten().all(|&v| v >= 0.0));
    }
}
