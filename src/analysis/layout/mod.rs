//! Layouts: 3D positions for every neuron. Each returns positions centred on the origin and
//! scaled so that the farthest neuron is at distance 1 (see [`normalize`]); the app scales
//! them to the scene and animates between layouts.
//!
//! - `force`: progressive 3D ForceAtlas2, with a Barnes–Hut `octree` and step sizes in `speed`.
//! - `spectral`: Laplacian eigenvectors, found by LOBPCG (`eigen`, kernels in `linalg`).
//! - `signal_flow`: Varshney et al.'s processing depth (conjugate gradients) plus eigenvectors.
//! - `graph`: the symmetric weighted graph they all work on; `components`: how disconnected
//!   pieces are placed around the largest one.

use crate::model::Connectome;

mod components;
mod eigen;
mod force;
mod graph;
mod linalg;
mod octree;
mod signal_flow;
mod spectral;
mod speed;

pub use eigen::EigenOptions;
pub use force::{ForceLayout, ForceSettings};
pub use linalg::SolveReport;
pub use signal_flow::{SignalFlowOptions, processing_depth, processing_depth_with, signal_flow, signal_flow_with};
pub use spectral::{Laplacian, SpectralOptions, SpectralReport, spectral, spectral_with};

/// A 3D position.
pub type Point = [f32; 3];

/// The layouts the app and CLI offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayoutKind {
    /// Soma positions from the data (C. elegans neuron table, Codex coordinates).
    Anatomical,
    /// 3D force-directed (Barnes–Hut), progressive.
    Force,
    /// Laplacian eigenvectors 2–4.
    Spectral,
    /// Varshney et al. 2011: one axis is signal-flow depth, the others Laplacian eigenvectors.
    SignalFlow,
}

impl LayoutKind {
    pub const ALL: [LayoutKind; 4] = [
        LayoutKind::Anatomical,
        LayoutKind::Force,
        LayoutKind::Spectral,
        LayoutKind::SignalFlow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LayoutKind::Anatomical => "anatomical",
            LayoutKind::Force => "force",
            LayoutKind::Spectral => "spectral",
            LayoutKind::SignalFlow => "signal-flow",
        }
    }

    pub fn parse(s: &str) -> Option<LayoutKind> {
        LayoutKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Centres `points` on their mean and scales them so the farthest is at distance 1.
pub fn normalize(points: &mut [Point]) {
    if points.is_empty() {
        return;
    }
    let n = points.len() as f64;
    let mut mean = [0f64; 3];
    for p in points.iter() {
        for a in 0..3 {
            mean[a] += p[a] as f64 / n;
        }
    }
    let mut r2max = 0f64;
    for p in points.iter_mut() {
        let mut r2 = 0.0;
        for a in 0..3 {
            p[a] -= mean[a] as f32;
            r2 += (p[a] as f64).powi(2);
        }
        r2max = r2max.max(r2);
    }
    if r2max > 0.0 {
        let s = (1.0 / r2max.sqrt()) as f32;
        for p in points.iter_mut() {
            for v in p.iter_mut() {
                *v *= s;
            }
        }
    }
}

/// Soma positions, normalised; `None` when some neuron has no position.
pub fn anatomical(c: &Connectome) -> Option<Vec<Point>> {
    let mut points: Vec<Point> = c.neurons.position.iter().copied().collect::<Option<_>>()?;
    normalize(&mut points);
    Some(points)
}

/// Evenly spread points on the unit sphere: a neutral starting layout.
pub fn fibonacci_sphere(n: usize) -> Vec<Point> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    (0..n)
        .map(|i| {
            let y = 1.0 - 2.0 * (i as f64 + 0.5) / n as f64;
            let r = (1.0 - y * y).sqrt();
            let phi = golden * i as f64;
            [(r * phi.cos()) as f32, y as f32, (r * phi.sin()) as f32]
        })
        .collect()
}

/// Lets the caller of a long layout computation (typically a background job) stop it and
/// follow its progress. Both are polled between iterations, on the calling thread.
#[derive(Clone, Copy, Default)]
pub struct Control<'a> {
    /// Returns true to stop: the computation then returns `None` (or, for
    /// [`ForceLayout::run`], stops stepping).
    pub cancel: Option<&'a dyn Fn() -> bool>,
    /// Receives an estimate of the fraction done, in 0..=1.
    pub progress: Option<&'a dyn Fn(f32)>,
}

impl Control<'_> {
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|cancel| cancel())
    }

    pub(crate) fn report(&self, fraction: f32) {
        if let Some(progress) = self.progress {
            progress(fraction);
        }
    }
}

/// The principal axes of a point cloud, longest spread first, as a right-handed orthonormal
/// basis. Each axis points the way of the coordinate axis it is closest to, so an anatomical
/// layout keeps its head on the side it was on; the third is flipped if needed to keep
/// handedness (no mirror images).
pub fn principal_axes(points: &[Point]) -> [[f32; 3]; 3] {
    let n = points.len().max(1) as f64;
    let mut mean = [0f64; 3];
    for p in points {
        for a in 0..3 {
            mean[a] += p[a] as f64 / n;
        }
    }
    let mut cov = vec![0f64; 9];
    for p in points {
        let d = [p[0] as f64 - mean[0], p[1] as f64 - mean[1], p[2] as f64 - mean[2]];
        for i in 0..3 {
            for j in 0..3 {
                cov[i * 3 + j] += d[i] * d[j] / n;
            }
        }
    }
    if cov.iter().any(|v| !v.is_finite()) {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    // Ascending eigenvalues: the longest axis is the last column.
    let (_, vectors) = linalg::symmetric_eigen(&cov, 3);
    let mut axes = [[0f32; 3]; 3];
    for (k, column) in [2usize, 1, 0].into_iter().enumerate() {
        let v = [vectors[column], vectors[3 + column], vectors[6 + column]];
        let strongest = (0..3).max_by(|&a, &b| v[a].abs().total_cmp(&v[b].abs())).unwrap_or(0);
        let sign = if v[strongest] < 0.0 { -1.0 } else { 1.0 };
        axes[k] = [(v[0] * sign) as f32, (v[1] * sign) as f32, (v[2] * sign) as f32];
    }
    let [a, b, c] = axes;
    let det =
        a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
    if det < 0.0 {
        axes[2] = [-c[0], -c[1], -c[2]];
    }
    axes
}
