//! Small numerical kernels for the layouts: deterministic vector reductions, a dense
//! symmetric eigensolver for Rayleigh–Ritz steps, and preconditioned conjugate gradients.

use rayon::prelude::*;

use super::Control;

/// Reductions split into fixed chunks summed in order, so parallel results do not depend on
/// thread scheduling (layouts must be reproducible).
const CHUNK: usize = 1 << 14;

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    if a.len() <= CHUNK {
        return dot_serial(a, b);
    }
    let partial: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| dot_serial(x, y))
        .collect();
    partial.iter().sum()
}

pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// y += alpha * x
pub(crate) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    y.par_iter_mut()
        .zip(x.par_iter())
        .with_min_len(CHUNK)
        .for_each(|(y, x)| *y += alpha * x);
}

pub(crate) fn scale(alpha: f64, x: &mut [f64]) {
    x.par_iter_mut().with_min_len(CHUNK).for_each(|v| *v *= alpha);
}

/// Rows per chunk in the block kernels below: small enough that a chunk of every vector of a
/// block stays in cache while it is used many times.
const BLOCK_ROWS: usize = 1024;

/// All dot products `a_i · b_j`, row-major `|a| × |b|`, in one pass over row chunks (each
/// chunk of every vector is read once rather than once per pair).
pub(crate) fn gram(a: &[&[f64]], b: &[&[f64]]) -> Vec<f64> {
    let (p, q) = (a.len(), b.len());
    let n = a.first().map_or(0, |v| v.len());
    if p == 0 || q == 0 {
        return vec![0.0; p * q];
    }
    let partial: Vec<Vec<f64>> = (0..n.div_ceil(BLOCK_ROWS))
        .into_par_iter()
        .map(|c| {
            let rows = c * BLOCK_ROWS..((c + 1) * BLOCK_ROWS).min(n);
            let mut g = vec![0.0; p * q];
            for (i, ai) in a.iter().enumerate() {
                for (j, bj) in b.iter().enumerate() {
                    g[i * q + j] = dot_serial(&ai[rows.clone()], &bj[rows.clone()]);
                }
            }
            g
        })
        .collect();
    // Summed in chunk order: reproducible whatever the thread count.
    partial
        .into_iter()
        .reduce(|mut acc, g| {
            acc.iter_mut().zip(g).for_each(|(a, g)| *a += g);
            acc
        })
        .unwrap_or_else(|| vec![0.0; p * q])
}

/// `Σ_i basis_i · c_i` for each coefficient vector `c`, in one pass over row chunks.
pub(crate) fn combine(basis: &[&[f64]], coefficients: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = basis.first().map_or(0, |b| b.len());
    let mut out = vec![vec![0.0; n]; coefficients.len()];
    // Regroup the outputs by row chunk so that chunks can be filled in parallel.
    let mut chunks: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(BLOCK_ROWS)).map(|_| Vec::new()).collect();
    for o in &mut out {
        for (c, slice) in o.chunks_mut(BLOCK_ROWS).enumerate() {
            chunks[c].push(slice);
        }
    }
    chunks.into_par_iter().enumerate().for_each(|(c, outputs)| {
        let start = c * BLOCK_ROWS;
        for (o, coefficients) in outputs.into_iter().zip(coefficients) {
            for (b, &k) in basis.iter().zip(coefficients) {
                if k != 0.0 {
                    let b = &b[start..start + o.len()];
                    o.iter_mut().zip(b).for_each(|(o, b)| *o += k * b);
                }
            }
        }
    });
    out
}

/// A plain dot product with four partial sums (lets the compiler vectorise it).
fn dot_serial(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4.remainder().iter().zip(b4.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a4.zip(b4) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// Eigen-decomposition of a small dense symmetric matrix (row-major `n`×`n`) by cyclic Jacobi
/// rotations: slow for big matrices but accurate and simple, which is what Rayleigh–Ritz needs.
/// Returns eigenvalues ascending and the matching eigenvectors as columns of a row-major
/// matrix (`vectors[i * n + j]` is component `i` of vector `j`).
pub(crate) fn symmetric_eigen(matrix: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(matrix.len(), n * n);
    let mut a = matrix.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        if off <= 1e-30 * total || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Alg. 8.4.1).
                let tau = (aqq - app) / (2.0 * apq);
                // (signum of +0.0 is 1: equal diagonals rotate by 45 degrees)
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[i * n + i].total_cmp(&a[j * n + j]).then(i.cmp(&j)));
    let values = order.iter().map(|&j| a[j * n + j]).collect();
    let mut vectors = vec![0.0; n * n];
    for (new, &old) in order.iter().enumerate() {
        for i in 0..n {
            vectors[i * n + new] = v[i * n + old];
        }
    }
    (values, vectors)
}

/// How a conjugate-gradient solve ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveReport {
    pub iterations: usize,
    /// Final residual norm relative to the right-hand side's.
    pub relative_residual: f64,
    pub converged: bool,
}

/// Solves `A x = b` for symmetric positive semi-definite `A` (given by `apply`) with
/// Jacobi-preconditioned conjugate gradients from `x = 0`. For a singular but consistent
/// system this converges to a solution; the caller fixes the null-space part afterwards.
/// `inv_diag` is the preconditioner (1 / diagonal, or 1 where the diagonal is zero).
/// `None` if cancelled.
pub(crate) fn conjugate_gradient(
    apply: impl Fn(&[f64], &mut [f64]),
    inv_diag: &[f64],
    b: &[f64],
    tolerance: f64,
    max_iterations: usize,
    control: &Control,
) -> Option<(Vec<f64>, SolveReport)> {
    let n = b.len();
    let mut x = vec![0.0; n];
    let b_norm = norm(b);
    if b_norm == 0.0 {
        return Some((
            x,
            SolveReport {
                iterations: 0,
                relative_residual: 0.0,
                converged: true,
            },
        ));
    }
    let mut r = b.to_vec();
    let mut z: Vec<f64> = r.iter().zip(inv_diag).map(|(r, d)| r * d).collect();
    let mut p = z.clone();
    let mut ap = vec![0.0; n];
    let mut rz = dot(&r, &z);
    let mut report = SolveReport {
        iterations: 0,
        relative_residual: 1.0,
        converged: false,
    };
    for it in 1..=max_iterations {
        apply(&p, &mut ap);
        let pap = dot(&p, &ap);
        if pap <= 0.0 {
            break; // p in the null space: nothing left to reduce
        }
        let alpha = rz / pap;
        axpy(alpha, &p, &mut x);
        axpy(-alpha, &ap, &mut r);
        report.iterations = it;
        report.relative_residual = norm(&r) / b_norm;
        if report.relative_residual <= tolerance {
            report.converged = true;
            break;
        }
        if control.cancelled() {
            return None;
        }
        control.report((report.relative_residual.ln() / tolerance.ln()).clamp(0.0, 1.0) as f32);
        z.par_iter_mut()
            .zip(r.par_iter().zip(inv_diag.par_iter()))
            .with_min_len(CHUNK)
            .for_each(|(z, (r, d))| *z = r * d);
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        p.par_iter_mut()
            .zip(z.par_iter())
            .with_min_len(CHUNK)
            .for_each(|(p, z)| *p = z + beta * *p);
    }
    Some((x, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalises() {
        let a = [4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 1.0];
        let (values, vectors) = symmetric_eigen(&a, 3);
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        for j in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|k| a[i * 3 + k] * vectors[k * 3 + j]).sum();
                assert!((av - values[j] * vectors[i * 3 + j]).abs() < 1e-12);
            }
        }
        let trace: f64 = values.iter().sum();
        assert!((trace - 8.0).abs() < 1e-12);
    }

    #[test]
    fn block_kernels_match_vector_ones() {
        let n = 3000;
        let vectors: Vec<Vec<f64>> = (0..4)
            .map(|k| (0..n).map(|i| ((i * (k + 3)) as f64).sin()).collect())
            .collect();
        let refs: Vec<&[f64]> = vectors.iter().map(Vec::as_slice).collect();
        let g = gram(&refs[..3], &refs);
        for i in 0..3 {
            for j in 0..4 {
                assert!((g[i * 4 + j] - dot(refs[i], refs[j])).abs() < 1e-9);
            }
        }
        let c = vec![vec![1.0, 0.0, -2.0, 0.5], vec![0.0; 4]];
        let out = combine(&refs, &c);
        for i in 0..n {
            let want = vectors[0][i] - 2.0 * vectors[2][i] + 0.5 * vectors[3][i];
            assert!((out[0][i] - want).abs() < 1e-12 && out[1][i] == 0.0);
        }
    }

    #[test]
    fn cg_solves_spd_system() {
        // Tridiagonal [-1 3 -1]: diagonally dominant, SPD.
        let n = 50;
        let apply = |x: &[f64], y: &mut [f64]| {
            for i in 0..n {
                let left = if i > 0 { x[i - 1] } else { 0.0 };
                let right = if i + 1 < n { x[i + 1] } else { 0.0 };
                y[i] = 3.0 * x[i] - left - right;
            }
        };
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let (x, report) = conjugate_gradient(apply, &vec![1.0 / 3.0; n], &b, 1e-12, 200, &Control::default()).unwrap();
        assert!(report.converged);
        let mut ax = vec![0.0; n];
        apply(&x, &mut ax);
        assert!(ax.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-9));
    }
}
