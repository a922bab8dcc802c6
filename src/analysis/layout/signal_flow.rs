//! Signal-flow layout (Varshney, Chen, Paniagua, Hall & Chklovskii 2011, "Structural
//! properties of the C. elegans neuronal network", PLoS Comput Biol 7:e1001066).
//!
//! Processing depth `z` is the least-squares solution of "every connection goes one level
//! down its dominant direction": it minimises `Σ_{i<j} A_ij (z_j − z_i − v_ij)²` with
//! `A = (W + Wᵀ)/2` the symmetrised chemical weights and `v_ij = sign(W_ij − W_ji)`, i.e. it
//! solves `L z = b` with `L` the Laplacian of `A` and `b_i = Σ_j A_ij sign(W_ji − W_ij)`.
//! With the paper's sign convention sensory neurons come out highest; the sign is flipped
//! here so that depth grows along the flow and sensory neurons have the lowest depth.
//! `L` is singular (constants on every component), `b` sums to zero on every component, so
//! the system is consistent: conjugate gradients solve it and the gauge is fixed by making
//! the mean depth zero on each component.
//!
//! The layout puts depth on the vertical axis, signal flowing downwards as in the paper's
//! figure (sensory at the top: `y = −depth`), and the 2nd and 3rd eigenvectors of the
//! normalised Laplacian of `A` on the horizontal axes.

use super::components::{Part, pack};
use super::graph::SymGraph;
use super::linalg::{SolveReport, conjugate_gradient};
use super::spectral::{Laplacian, LaplacianOperator, SpectralOptions, eigenvector_axes};
use super::{Control, Point, normalize};
use crate::analysis::layout::eigen::SymOperator;
use crate::model::{Connectome, EdgeKind};

#[derive(Debug, Clone, PartialEq)]
pub struct SignalFlowOptions {
    /// Add gap junctions to `A` (they pull coupled neurons to the same depth without a
    /// direction of their own). Off by default, as in the paper's chemical network.
    pub gap_junctions: bool,
    /// Relative residual at which conjugate gradients stop.
    pub tolerance: f64,
    pub max_iterations: usize,
    /// For the horizontal axes (the Laplacian is always the normalised one).
    pub spectral: SpectralOptions,
}

impl Default for SignalFlowOptions {
    fn default() -> Self {
        SignalFlowOptions {
            gap_junctions: false,
            tolerance: 1e-10,
            max_iterations: 20_000,
            spectral: SpectralOptions {
                laplacian: Laplacian::Normalized,
                ..Default::default()
            },
        }
    }
}

/// Processing depth of every neuron (see the module docs); sensory neurons lowest. Neurons
/// without chemical connections get depth 0.
pub fn processing_depth(c: &Connectome) -> Vec<f64> {
    processing_depth_with(c, &SignalFlowOptions::default(), &Control::default())
        .expect("not cancelled")
        .0
}

/// [`processing_depth`] with options, cancellation and progress, and how the solve went;
/// `None` if cancelled.
pub fn processing_depth_with(
    c: &Connectome,
    options: &SignalFlowOptions,
    control: &Control,
) -> Option<(Vec<f64>, SolveReport)> {
    Flow::new(c, options).depth(options, control)
}

/// Signal-flow layout: vertical = −processing depth, horizontal = normalised Laplacian
/// eigenvectors 2 and 3; every axis scaled to unit RMS over the largest component, then
/// normalised.
pub fn signal_flow(c: &Connectome) -> Vec<Point> {
    signal_flow_with(c, &SignalFlowOptions::default(), &Control::default()).expect("not cancelled")
}

/// [`signal_flow`] with options, cancellation and progress; `None` if cancelled.
pub fn signal_flow_with(c: &Connectome, options: &SignalFlowOptions, control: &Control) -> Option<Vec<Point>> {
    let flow = Flow::new(c, options);
    let (depth, _) = flow.depth(options, control)?;
    let components = flow.a.components();
    let depth_scale = {
        let main = components.first().map_or(&[][..], Vec::as_slice);
        let ms = main.iter().map(|&i| depth[i as usize].powi(2)).sum::<f64>() / main.len().max(1) as f64;
        if ms > 0.0 { 1.0 / ms.sqrt() } else { 1.0 }
    };
    let spectral = SpectralOptions {
        laplacian: Laplacian::Normalized,
        ..options.spectral.clone()
    };
    let mut parts = Vec::with_capacity(components.len());
    for nodes in components {
        let (axes, _) = eigenvector_axes(&flow.a.induced(&nodes), 2, &spectral, control)?;
        let local = nodes
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                [
                    axes[0][k] as f32,
                    (-depth[i as usize] * depth_scale) as f32,
                    axes[1][k] as f32,
                ]
            })
            .collect();
        parts.push(Part { nodes, local });
    }
    let mut points = pack(c.neurons.len(), parts, Some(1));
    normalize(&mut points);
    Some(points)
}

/// The symmetrised weights `A` and the imbalance `b`.
struct Flow {
    a: SymGraph,
    b: Vec<f64>,
}

impl Flow {
    fn new(c: &Connectome, options: &SignalFlowOptions) -> Flow {
        let n = c.neurons.len();
        let directed: Vec<EdgeKind> = EdgeKind::ALL.into_iter().filter(|k| k.is_directed()).collect();
        let arcs = || directed.iter().flat_map(|&k| c.edges(k).iter());
        // A = (W + Wᵀ)/2 (plus gap junctions on request).
        let gap = if options.gap_junctions {
            &c.electrical
        } else {
            &Default::default()
        };
        let a = SymGraph::from_pairs(
            n,
            || {
                arcs()
                    .map(|e| (e.pre, e.post, 0.5 * e.weight))
                    .chain(gap.iter().map(|e| (e.pre, e.post, e.weight)))
            },
            |w| w,
        );
        // Net weight of each pair, oriented from the lower to the higher index.
        let net = SymGraph::from_pairs(
            n,
            || {
                arcs().map(|e| {
                    let (lo, hi) = (e.pre.min(e.post), e.pre.max(e.post));
                    (lo, hi, if e.pre < e.post { e.weight } else { -e.weight })
                })
            },
            |w| w,
        );
        let mut b = vec![0.0; n];
        for (i, bi) in b.iter_mut().enumerate() {
            for (&j, &flow) in net.neighbours(i).iter().zip(net.weights(i)) {
                // Positive when j -> i dominates (i is downstream).
                let into_i = if (j as usize) < i { flow } else { -flow };
                let k = a.neighbours(i).binary_search(&j).expect("a pair with net flow is in A");
                *bi += a.weights(i)[k] as f64 * into_i.signum() as f64;
            }
        }
        Flow { a, b }
    }

    /// Solves `L z = b`, zero mean on each component; `None` if cancelled.
    fn depth(&self, options: &SignalFlowOptions, control: &Control) -> Option<(Vec<f64>, SolveReport)> {
        let components = self.a.components();
        let mut b = self.b.clone();
        // b sums to zero per component up to rounding; remove the rounding (consistency).
        remove_component_means(&mut b, &components);
        let op = LaplacianOperator::new(&self.a, Laplacian::Combinatorial, 0.0);
        let inv_diag: Vec<f64> = (0..self.a.len())
            .map(|i| self.a.strength(i))
            .map(|s| if s > 0.0 { 1.0 / s } else { 1.0 })
            .collect();
        let (mut z, report) = conjugate_gradient(
            |x, y| op.apply(x, y),
            &inv_diag,
            &b,
            options.tolerance,
            options.max_iterations,
            control,
        )?;
        remove_component_means(&mut z, &components);
        Some((z, report))
    }
}

fn remove_component_means(x: &mut [f64], components: &[Vec<u32>]) {
    for nodes in components {
        let mean = nodes.iter().map(|&i| x[i as usize]).sum::<f64>() / nodes.len() as f64;
        for &i in nodes {
            x[i as usize] -= mean;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConnectomeBuilder, Sign};

    fn chain(rows: &[(usize, usize, f64)], n: usize) -> Connectome {
        let mut b = ConnectomeBuilder::new();
        for i in 0..n {
            b.neurons.find_or_add(&i.to_string());
        }
        for (line, &(pre, post, w)) in rows.iter().enumerate() {
            b.add_edge(EdgeKind::Chemical, pre, post, w, Sign::Unknown, None, line as u64);
        }
        b.finish().unwrap()
    }

    #[test]
    fn a_feedforward_chain_has_unit_steps() {
        // 0 -> 1 -> 2 -> 3 with a weaker feedback 2 -> 1, plus an isolated neuron 4.
        let c = chain(&[(0, 1, 2.0), (1, 2, 5.0), (2, 1, 1.0), (2, 3, 1.0)], 5);
        let z = processing_depth(&c);
        for k in 0..3 {
            assert!((z[k + 1] - z[k] - 1.0).abs() < 1e-8, "{z:?}");
        }
        assert_eq!(z[4], 0.0);
        assert!((z[..4].iter().sum::<f64>()).abs() < 1e-9);
    }
}
