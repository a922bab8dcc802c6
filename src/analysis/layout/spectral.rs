//! Spectral layout: coordinates from the eigenvectors of the graph Laplacian with the smallest
//! non-zero eigenvalues (Hall 1970; Koren 2005), so that strongly connected neurons sit close.
//!
//! Default is the *normalised* Laplacian in its random-walk form: the generalised problem
//! `L x = λ D x`, solved as `N u = λ u` with `N = I − D^{-1/2} A D^{-1/2}` and `x = D^{-1/2} u`.
//! Degree normalisation keeps hubs from dominating the picture (Koren's "degree-normalised
//! eigenvectors"); the combinatorial `L = D − A` is available too. `A` sums all connection
//! kinds over both directions, by default as `ln(1 + w)` and regularised (see
//! [`SpectralOptions`]): on C. elegans the plain version spends its first eigenvectors on the
//! pharynx and on a handful of strongly coupled neurons (CAN, ALA, PVD) and squeezes the rest.
//!
//! Disconnected graphs: the Laplacian has one zero eigenvalue per component, so eigenvectors
//! of the whole graph would only tell components apart. Each component is therefore laid out
//! on its own (the largest spectrally with LOBPCG, tiny ones by dense diagonalisation) and the
//! components are packed around the largest (see [`super::components`]).

use rayon::prelude::*;

use super::components::{Part, pack};
use super::eigen::{EigenOptions, SymOperator, smallest_eigenpairs};
use super::graph::SymGraph;
use super::linalg::symmetric_eigen;
use super::{Control, Point, normalize};
use crate::model::{Connectome, EdgeKind};

/// Which Laplacian the eigenvectors come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Laplacian {
    /// `L = D − A`.
    Combinatorial,
    /// Random-walk normalised: generalised eigenvectors of `L x = λ D x`.
    #[default]
    Normalized,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpectralOptions {
    pub laplacian: Laplacian,
    /// Regularisation `τ` of the normalised Laplacian, as a multiple of the mean weighted
    /// degree: the eigenvectors of `A + (τ/n)·J` (Qin & Rohe 2013). Without it the first
    /// eigenvectors of a real connectome often just single out a weakly attached piece (a
    /// "dangling set", Zhang & Rohe 2018), leaving everything else in a line; 0 gives the
    /// textbook normalised Laplacian.
    pub regularization: f64,
    /// Use `ln(1 + w)` rather than `w` as the pair weight, so that a few very strong
    /// connections do not dominate the picture.
    pub log_weights: bool,
    pub eigen: EigenOptions,
}

impl Default for SpectralOptions {
    fn default() -> Self {
        SpectralOptions {
            laplacian: Laplacian::Normalized,
            regularization: 1.0,
            log_weights: true,
            eigen: EigenOptions::default(),
        }
    }
}

/// Laplacian-eigenvector layout: eigenvectors 2–4 of the normalised Laplacian of all
/// connections (chemical, electrical and other, summed over both directions), normalised.
pub fn spectral(c: &Connectome) -> Vec<Point> {
    spectral_with(c, &SpectralOptions::default(), &Control::default())
        .expect("not cancelled")
        .0
}

/// How the eigenvectors of the largest component were found.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralReport {
    /// The eigenvalues of the axes (of the symmetric operator: `N`, or `L`).
    pub eigenvalues: Vec<f64>,
    /// LOBPCG iterations (0 when the component was small enough to diagonalise densely).
    pub iterations: usize,
    /// False when the iteration cap was reached first (the layout is then approximate).
    pub converged: bool,
}

/// [`spectral`] with options, cancellation and progress; `None` if cancelled.
pub fn spectral_with(
    c: &Connectome,
    options: &SpectralOptions,
    control: &Control,
) -> Option<(Vec<Point>, SpectralReport)> {
    let transform = if options.log_weights { f64::ln_1p } else { |w| w };
    let g = SymGraph::from_connectome(c, &EdgeKind::ALL, transform);
    let components = g.components();
    let mut parts = Vec::with_capacity(components.len());
    let mut report = None;
    for nodes in components {
        let (axes, r) = eigenvector_axes(&g.induced(&nodes), 3, options, control)?;
        report.get_or_insert(r);
        let local = (0..nodes.len())
            .map(|i| [axes[0][i] as f32, axes[1][i] as f32, axes[2][i] as f32])
            .collect();
        parts.push(Part { nodes, local });
    }
    let mut points = pack(c.neurons.len(), parts, None);
    normalize(&mut points);
    let report = report.unwrap_or(SpectralReport {
        eigenvalues: Vec::new(),
        iterations: 0,
        converged: true,
    });
    Some((points, report))
}

/// Components up to this size are diagonalised densely (also covers those too small for
/// the iterative solver's block).
const DENSE_MAX: usize = 48;

/// `dims` Laplacian eigenvectors 2, 3, ... of a connected graph, each with unit RMS and a
/// canonical sign; axes beyond the graph's size are zero. `None` if cancelled.
pub(crate) fn eigenvector_axes(
    g: &SymGraph,
    dims: usize,
    options: &SpectralOptions,
    control: &Control,
) -> Option<(Vec<Vec<f64>>, SpectralReport)> {
    let n = g.len();
    let op = LaplacianOperator::new(g, options.laplacian, options.regularization);
    let (mut axes, report) = if n <= DENSE_MAX {
        let (eigenvalues, vectors) = dense_eigenvectors(&op, dims);
        (
            vectors,
            SpectralReport {
                eigenvalues,
                iterations: 0,
                converged: true,
            },
        )
    } else {
        let pairs = smallest_eigenpairs(&op, &[op.null_vector()], dims, &options.eigen, control)?;
        let report = SpectralReport {
            eigenvalues: pairs.values,
            iterations: pairs.iterations,
            converged: pairs.converged,
        };
        (pairs.vectors, report)
    };
    for u in &mut axes {
        op.to_layout_coordinates(u);
        canonicalise(u);
    }
    axes.resize(dims, vec![0.0; n]);
    Some((axes, report))
}

/// Scales to unit RMS and fixes the sign: the first clearly non-zero entry is positive.
fn canonicalise(x: &mut [f64]) {
    let rms = (x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64).sqrt();
    if rms == 0.0 || !rms.is_finite() {
        x.fill(0.0);
        return;
    }
    let big = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let first = x.iter().find(|v| v.abs() >= 0.5 * big).copied().unwrap_or(1.0);
    let s = first.signum() / rms;
    x.iter_mut().for_each(|v| *v *= s);
}

/// The Laplacian of a connected graph as an operator, symmetrised (`N` for the normalised case),
/// optionally regularised: `A + (τ/n)·J` in place of `A` (every pair joined by a weak link).
pub(crate) struct LaplacianOperator<'a> {
    g: &'a SymGraph,
    kind: Laplacian,
    /// Weighted degree, including the regularisation `τ`.
    strength: Vec<f64>,
    /// `D^{-1/2}` (normalised case).
    inv_sqrt: Vec<f64>,
    /// `τ / n`.
    uniform: f64,
}

impl<'a> LaplacianOperator<'a> {
    /// `regularization` is `τ` as a multiple of the mean weighted degree (normalised case only:
    /// for the combinatorial Laplacian it would only shift the eigenvalues).
    pub fn new(g: &'a SymGraph, kind: Laplacian, regularization: f64) -> Self {
        let n = g.len();
        let mut strength: Vec<f64> = (0..n).map(|i| g.strength(i)).collect();
        let tau = match kind {
            Laplacian::Normalized => regularization * strength.iter().sum::<f64>() / n.max(1) as f64,
            Laplacian::Combinatorial => 0.0,
        };
        strength.iter_mut().for_each(|s| *s += tau);
        let inv_sqrt = strength
            .iter()
            .map(|&s| if s > 0.0 { 1.0 / s.sqrt() } else { 0.0 })
            .collect();
        LaplacianOperator {
            g,
            kind,
            strength,
            inv_sqrt,
            uniform: tau / n.max(1) as f64,
        }
    }

    /// The unit eigenvector of eigenvalue 0: constant, or `D^{1/2} 1` normalised.
    pub fn null_vector(&self) -> Vec<f64> {
        let v: Vec<f64> = match self.kind {
            Laplacian::Combinatorial => vec![1.0; self.g.len()],
            Laplacian::Normalized => self.strength.iter().map(|s| s.sqrt()).collect(),
        };
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }

    /// Maps an eigenvector of the symmetric operator to layout coordinates (`x = D^{-1/2} u`).
    pub fn to_layout_coordinates(&self, u: &mut [f64]) {
        if self.kind == Laplacian::Normalized {
            u.iter_mut().zip(&self.inv_sqrt).for_each(|(u, s)| *u *= s);
        }
    }
}

impl SymOperator for LaplacianOperator<'_> {
    fn dim(&self) -> usize {
        self.g.len()
    }

    fn apply(&self, x: &[f64], y: &mut [f64]) {
        let g = self.g;
        // The regularisation's rank-one part, (τ/n)·1·(1ᵀ D^{-1/2} x), computed once.
        let uniform = match self.kind {
            Laplacian::Normalized if self.uniform > 0.0 => {
                self.uniform * x.iter().zip(&self.inv_sqrt).map(|(x, s)| x * s).sum::<f64>()
            }
            _ => 0.0,
        };
        y.par_iter_mut().enumerate().with_min_len(1024).for_each(|(i, yi)| {
            let neighbours = g.neighbours(i).iter().zip(g.weights(i));
            *yi = match self.kind {
                Laplacian::Combinatorial => {
                    self.strength[i] * x[i] - neighbours.map(|(&j, &w)| w as f64 * x[j as usize]).sum::<f64>()
                }
                Laplacian::Normalized => {
                    let s: f64 = neighbours
                        .map(|(&j, &w)| w as f64 * self.inv_sqrt[j as usize] * x[j as usize])
                        .sum();
                    x[i] - self.inv_sqrt[i] * (s + uniform)
                }
            };
        });
    }

    fn norm_bound(&self) -> f64 {
        match self.kind {
            // Gershgorin: each row's absolute sum is twice its strength.
            Laplacian::Combinatorial => 2.0 * self.strength.iter().fold(0.0f64, |a, &b| a.max(b)),
            Laplacian::Normalized => 2.0,
        }
    }
}

/// Eigenpairs 2..=dims+1 by dense diagonalisation (small components).
fn dense_eigenvectors(op: &LaplacianOperator, dims: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = op.dim();
    let mut matrix = vec![0.0; n * n];
    let mut unit = vec![0.0; n];
    let mut column = vec![0.0; n];
    for j in 0..n {
        unit[j] = 1.0;
        op.apply(&unit, &mut column);
        unit[j] = 0.0;
        for i in 0..n {
            matrix[i * n + j] = column[i];
        }
    }
    let (values, vectors) = symmetric_eigen(&matrix, n);
    let wanted = 1..n.min(dims + 1);
    (
        values[wanted.clone()].to_vec(),
        wanted.map(|j| (0..n).map(|i| vectors[i * n + j]).collect()).collect(),
    )
}
