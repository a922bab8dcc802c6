//! The few smallest eigenpairs of a large sparse symmetric operator, by LOBPCG (Knyazev 2001)
//! in its orthonormal-basis form: each iteration does Rayleigh–Ritz on the span of the current
//! vectors X, their residuals W and the previous search directions P, with the basis kept
//! orthonormal by Gram–Schmidt so that the small projected problem is a standard one.
//! Only one operator application per vector and iteration; memory is a handful of blocks.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use super::Control;
use super::linalg::{axpy, combine, dot, gram, norm, scale, symmetric_eigen};

/// A symmetric linear operator on `R^dim`.
pub(crate) trait SymOperator: Sync {
    fn dim(&self) -> usize;
    /// `y = A x` (y is overwritten).
    fn apply(&self, x: &[f64], y: &mut [f64]);
    /// An upper bound on the largest |eigenvalue|: makes the tolerance relative.
    fn norm_bound(&self) -> f64;

    /// `A` applied to each vector of a block; operators can do better than one at a time.
    fn apply_block(&self, block: &[Vec<f64>]) -> Vec<Vec<f64>> {
        block
            .iter()
            .map(|v| {
                let mut y = vec![0.0; v.len()];
                self.apply(v, &mut y);
                y
            })
            .collect()
    }
}

/// When to stop iterating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EigenOptions {
    /// Converged when each wanted residual `|A x - λ x|` is below `tolerance × ‖A‖`.
    pub tolerance: f64,
    pub max_iterations: usize,
    /// Extra vectors iterated along with the wanted ones: they speed up convergence when the
    /// wanted eigenvalues are close to the next ones.
    pub guard_vectors: usize,
    /// Seed of the random start (results are deterministic for a given seed).
    pub seed: u64,
}

impl Default for EigenOptions {
    fn default() -> Self {
        EigenOptions {
            tolerance: 1e-6,
            max_iterations: 2000,
            guard_vectors: 3,
            seed: 0x5eed_1a2b,
        }
    }
}

/// The result: eigenvalues ascending with their unit eigenvectors.
#[derive(Debug, Clone)]
pub(crate) struct Eigenpairs {
    pub values: Vec<f64>,
    pub vectors: Vec<Vec<f64>>,
    pub iterations: usize,
    pub converged: bool,
}

/// Re-orthonormalises the (slowly drifting) blocks and recomputes their images this often.
const REFRESH_EVERY: usize = 50;

type Block = Vec<Vec<f64>>;

/// The `k` smallest eigenpairs of `op` restricted to the orthogonal complement of
/// `constraints` (orthonormal vectors, e.g. a known null vector). `None` if cancelled.
pub(crate) fn smallest_eigenpairs(
    op: &impl SymOperator,
    constraints: &[Vec<f64>],
    k: usize,
    options: &EigenOptions,
    control: &Control,
) -> Option<Eigenpairs> {
    let n = op.dim();
    let available = n.saturating_sub(constraints.len());
    let k = k.min(available);
    let m = (k + options.guard_vectors).min(available);
    if k == 0 {
        return Some(Eigenpairs {
            values: Vec::new(),
            vectors: Vec::new(),
            iterations: 0,
            converged: true,
        });
    }
    let tolerance = options.tolerance * op.norm_bound();

    let mut rng = Pcg64::seed_from_u64(options.seed);
    let start: Block = (0..m)
        .map(|_| (0..n).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let mut x = orthonormalize(start, &[constraints]);
    let mut ax = op.apply_block(&x);
    let mut values = rayleigh_ritz(&mut x, &mut ax);
    let (mut p, mut ap): (Block, Block) = (Vec::new(), Vec::new());
    let mut first_residual = None;

    let mut iterations = 0;
    let converged = loop {
        let residuals: Block = (0..x.len())
            .map(|j| {
                let mut r = ax[j].clone();
                axpy(-values[j], &x[j], &mut r);
                r
            })
            .collect();
        let norms: Vec<f64> = residuals.iter().map(|r| norm(r)).collect();
        let worst = norms[..k.min(norms.len())].iter().fold(0.0f64, |a, &b| a.max(b));
        if worst <= tolerance {
            break true;
        }
        if iterations == options.max_iterations {
            break false;
        }
        if control.cancelled() {
            return None;
        }
        let first = *first_residual.get_or_insert(worst);
        control.report(((first / worst).ln() / (first / tolerance).ln()).clamp(0.0, 1.0) as f32);
        iterations += 1;

        let active: Block = residuals
            .into_iter()
            .zip(&norms)
            .filter(|&(_, &r)| r > tolerance)
            .map(|(r, _)| r)
            .collect();
        let w = orthonormalize(active, &[constraints, &x, &p]);
        let aw = op.apply_block(&w);

        // Rayleigh–Ritz on span[X, W, P] (orthonormal, so the projected problem is standard).
        let basis: Vec<&[f64]> = x.iter().chain(&w).chain(&p).map(Vec::as_slice).collect();
        let images: Vec<&[f64]> = ax.iter().chain(&aw).chain(&ap).map(Vec::as_slice).collect();
        let s = basis.len();
        let gram = symmetrised(gram(&basis, &images), s);
        let (ritz_values, coefficients) = symmetric_eigen(&gram, s);
        let columns = |j: usize| -> Vec<f64> { (0..s).map(|i| coefficients[i * s + j]).collect() };
        let new_x: Vec<Vec<f64>> = (0..m.min(s)).map(columns).collect();

        // New directions: the W and P parts of the new X, made orthonormal to the new X in
        // coefficient space (exact, since the basis is orthonormal).
        let m_old = x.len();
        let directions: Vec<Vec<f64>> = new_x
            .iter()
            .map(|c| {
                c.iter()
                    .enumerate()
                    .map(|(i, &v)| if i < m_old { 0.0 } else { v })
                    .collect()
            })
            .collect();
        let directions = orthonormalize(directions, &[&new_x]);

        let next = (combine(&basis, &new_x), combine(&images, &new_x));
        let next_p = (combine(&basis, &directions), combine(&images, &directions));
        (x, ax) = next;
        (p, ap) = next_p;
        values = ritz_values[..new_x.len()].to_vec();

        if iterations % REFRESH_EVERY == 0 {
            x = orthonormalize(x, &[constraints]);
            ax = op.apply_block(&x);
            values = rayleigh_ritz(&mut x, &mut ax);
            p = orthonormalize(p, &[constraints, &x]);
            ap = op.apply_block(&p);
        }
    };
    x.truncate(k);
    values.truncate(k);
    Some(Eigenpairs {
        values,
        vectors: x,
        iterations,
        converged,
    })
}

/// `(G + Gᵀ) / 2` of a square row-major matrix (rounding makes `Xᵀ A X` slightly asymmetric).
fn symmetrised(mut g: Vec<f64>, s: usize) -> Vec<f64> {
    for i in 0..s {
        for j in i + 1..s {
            let v = 0.5 * (g[i * s + j] + g[j * s + i]);
            g[i * s + j] = v;
            g[j * s + i] = v;
        }
    }
    g
}

fn slices(block: &[Vec<f64>]) -> Vec<&[f64]> {
    block.iter().map(Vec::as_slice).collect()
}

/// Rotates an orthonormal `x` (and its image) to the Ritz vectors of its span; returns the
/// Ritz values ascending.
fn rayleigh_ritz(x: &mut Block, ax: &mut Block) -> Vec<f64> {
    let m = x.len();
    let gram = symmetrised(gram(&slices(x), &slices(ax)), m);
    let (values, c) = symmetric_eigen(&gram, m);
    let columns: Vec<Vec<f64>> = (0..m).map(|j| (0..m).map(|i| c[i * m + j]).collect()).collect();
    *x = combine(&slices(x), &columns);
    *ax = combine(&slices(ax), &columns);
    values
}

/// Makes `block` orthonormal and orthogonal to the orthonormal vectors in `against`,
/// dropping vectors that are numerically dependent on the others: block classical
/// Gram–Schmidt against `against`, then modified Gram–Schmidt within the block, each done
/// twice ("twice is enough", Giraud et al. 2005).
pub(crate) fn orthonormalize(block: Block, against: &[&[Vec<f64>]]) -> Block {
    let q: Vec<&[f64]> = against.iter().flat_map(|set| set.iter()).map(Vec::as_slice).collect();
    let before: Vec<f64> = block.iter().map(|v| norm(v)).collect();
    let mut block = block;
    if !q.is_empty() && !block.is_empty() {
        for _pass in 0..2 {
            let c = gram(&q, &slices(&block));
            let k = block.len();
            let coefficients: Vec<Vec<f64>> = (0..k).map(|j| (0..q.len()).map(|i| c[i * k + j]).collect()).collect();
            let projections = combine(&q, &coefficients);
            for (v, projection) in block.iter_mut().zip(&projections) {
                axpy(-1.0, projection, v);
            }
        }
    }
    let mut kept: Block = Vec::with_capacity(block.len());
    for (mut v, before) in block.into_iter().zip(before) {
        if before == 0.0 {
            continue;
        }
        for _pass in 0..2 {
            for k in &kept {
                let c = dot(k, &v);
                axpy(-c, k, &mut v);
            }
        }
        let after = norm(&v);
        if after > 1e-10 * before {
            scale(1.0 / after, &mut v);
            kept.push(v);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diagonal operator with known spectrum.
    struct Diagonal(Vec<f64>);

    impl SymOperator for Diagonal {
        fn dim(&self) -> usize {
            self.0.len()
        }
        fn apply(&self, x: &[f64], y: &mut [f64]) {
            for ((y, x), d) in y.iter_mut().zip(x).zip(&self.0) {
                *y = d * x;
            }
        }
        fn norm_bound(&self) -> f64 {
            self.0.iter().fold(0.0, |a, &b| a.max(b.abs()))
        }
    }

    #[test]
    fn finds_smallest_of_a_diagonal_operator_under_a_constraint() {
        let n = 300;
        let op = Diagonal((0..n).map(|i| ((i * 37) % n) as f64 / n as f64).collect());
        // Constrain away the eigenvector of eigenvalue 0 (entry i with i*37 % n == 0: i = 0).
        let mut e0 = vec![0.0; n];
        e0[0] = 1.0;
        let options = EigenOptions {
            tolerance: 1e-10,
            ..Default::default()
        };
        let pairs = smallest_eigenpairs(&op, &[e0], 3, &options, &Control::default()).unwrap();
        assert!(pairs.converged, "{} iterations", pairs.iterations);
        for (got, want) in pairs.values.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want / n as f64).abs() < 1e-9, "{:?}", pairs.values);
        }
    }

    #[test]
    fn orthonormalize_drops_dependent_vectors() {
        let a = vec![1.0, 0.0, 0.0];
        let b = vec![1.0, 1.0, 0.0];
        let c = vec![3.0, 2.0, 0.0];
        let q = orthonormalize(vec![a, b, c], &[]);
        assert_eq!(q.len(), 2);
        assert!(dot(&q[0], &q[1]).abs() < 1e-15);
    }
}
