//! Layouts: analytic spectral cases, signal flow on C. elegans, force-layout quality,
//! determinism and normalisation. `cargo test --release --test layout -- --ignored --nocapture`
//! also prints timings on generated graphs of 3k and 139k neurons.

use connectoscope::analysis::layout::{
    self, Control, ForceLayout, Laplacian, LayoutKind, Point, SpectralOptions, spectral_with,
};
use connectoscope::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign};

/// A connectome over neurons named 0..n with the given connections.
fn graph(n: usize, edges: impl IntoIterator<Item = (usize, usize, EdgeKind, f64)>) -> Connectome {
    let mut b = ConnectomeBuilder::new();
    for i in 0..n {
        b.neurons.find_or_add(&i.to_string());
    }
    for (line, (pre, post, kind, w)) in edges.into_iter().enumerate() {
        b.add_edge(kind, pre, post, w, Sign::Unknown, None, line as u64);
    }
    b.finish().unwrap()
}

fn path(n: usize) -> Connectome {
    graph(n, (0..n - 1).map(|i| (i, i + 1, EdgeKind::Chemical, 1.0)))
}

fn ring(n: usize) -> Connectome {
    // Mixed kinds and directions: the layouts treat them all as undirected.
    graph(
        n,
        (0..n).map(|i| {
            if i % 2 == 0 {
                (i, (i + 1) % n, EdgeKind::Chemical, 1.0)
            } else {
                ((i + 1) % n, i, EdgeKind::Electrical, 1.0)
            }
        }),
    )
}

fn axis(points: &[Point], a: usize) -> Vec<f64> {
    points.iter().map(|p| p[a] as f64).collect()
}

fn centred_unit(v: &[f64]) -> Vec<f64> {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let c: Vec<f64> = v.iter().map(|x| x - mean).collect();
    let norm = c.iter().map(|x| x * x).sum::<f64>().sqrt();
    c.iter().map(|x| x / norm).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Pearson correlation.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    dot(&centred_unit(a), &centred_unit(b))
}

/// Length of the projection of `v` (centred, unit) onto the span of `basis` (centred).
fn projection_onto_span(v: &[f64], basis: &[Vec<f64>]) -> f64 {
    let mut ortho: Vec<Vec<f64>> = Vec::new();
    for b in basis {
        let mut u = centred_unit(b);
        for q in &ortho {
            let c = dot(q, &u);
            u.iter_mut().zip(q).for_each(|(x, y)| *x -= c * y);
        }
        let norm = dot(&u, &u).sqrt();
        ortho.push(u.iter().map(|x| x / norm).collect());
    }
    let v = centred_unit(v);
    ortho.iter().map(|q| dot(q, &v).powi(2)).sum::<f64>().sqrt()
}

fn assert_normalised(points: &[Point], what: &str) {
    assert!(
        points.iter().flatten().all(|v| v.is_finite()),
        "{what}: non-finite coordinate"
    );
    let n = points.len() as f64;
    for a in 0..3 {
        let mean = points.iter().map(|p| p[a] as f64).sum::<f64>() / n;
        assert!(mean.abs() < 1e-4, "{what}: mean {mean} on axis {a}");
    }
    let r = points
        .iter()
        .map(|p| p.iter().map(|v| (v * v) as f64).sum::<f64>().sqrt())
        .fold(0.0, f64::max);
    assert!((r - 1.0).abs() < 1e-4, "{what}: farthest point at {r}");
}

fn spectral_of(c: &Connectome, laplacian: Laplacian, regularization: f64) -> Vec<Point> {
    let eigen = layout::EigenOptions {
        tolerance: 1e-9,
        ..Default::default()
    };
    let options = SpectralOptions {
        laplacian,
        regularization,
        eigen,
        log_weights: false,
    };
    let (points, report) = spectral_with(c, &options, &Control::default()).unwrap();
    assert!(report.converged, "{report:?}");
    points
}

#[test]
fn spectral_path_matches_combinatorial_eigenvectors() {
    // Big enough for the iterative solver; small ones are checked densely below.
    for n in [120, 20] {
        let points = spectral_of(&path(n), Laplacian::Combinatorial, 0.0);
        for k in 1..=3 {
            let exact: Vec<f64> = (0..n)
                .map(|i| (std::f64::consts::PI * k as f64 * (i as f64 + 0.5) / n as f64).cos())
                .collect();
            let r = correlation(&axis(&points, k - 1), &exact).abs();
            assert!(r >= 0.999, "n = {n}, eigenvector {}: correlation {r}", k + 1);
        }
        assert_normalised(&points, "path");
    }
}

#[test]
fn spectral_path_matches_normalised_eigenvectors() {
    // Random-walk Laplacian of a path: x_i = cos(π k i / (n − 1)).
    for n in [150, 30] {
        let points = spectral_of(&path(n), Laplacian::Normalized, 0.0);
        for k in 1..=3 {
            let exact: Vec<f64> = (0..n)
                .map(|i| (std::f64::consts::PI * (k * i) as f64 / (n - 1) as f64).cos())
                .collect();
            let r = correlation(&axis(&points, k - 1), &exact).abs();
            assert!(r >= 0.999, "n = {n}, eigenvector {}: correlation {r}", k + 1);
        }
    }
}

#[test]
fn spectral_ring_spans_the_first_fourier_modes() {
    let n = 100;
    let c = ring(n);
    let angle = |i: usize, k: f64| std::f64::consts::TAU * k * i as f64 / n as f64;
    // The regularisation adds a multiple of the all-ones matrix, which commutes with the
    // ring's adjacency: same eigenvectors.
    for case in [
        (Laplacian::Combinatorial, 0.0),
        (Laplacian::Normalized, 0.0),
        (Laplacian::Normalized, 1.0),
    ] {
        let points = spectral_of(&c, case.0, case.1);
        // λ2 = λ3 is a double eigenvalue: axes 1-2 span {cos, sin}(2πi/n) in some rotation.
        let plane = [axis(&points, 0), axis(&points, 1)];
        for mode in [|t: f64| t.cos(), |t: f64| t.sin()] {
            let exact: Vec<f64> = (0..n).map(|i| mode(angle(i, 1.0))).collect();
            let p = projection_onto_span(&exact, &plane);
            assert!(p >= 0.999, "{case:?}: first mode projects {p}");
        }
        // Axis 3 lies in the next double eigenspace {cos, sin}(4πi/n).
        let second: Vec<Vec<f64>> = [|t: f64| t.cos(), |t: f64| t.sin()]
            .iter()
            .map(|f| (0..n).map(|i| f(angle(i, 2.0))).collect())
            .collect();
        let p = projection_onto_span(&axis(&points, 2), &second);
        assert!(p >= 0.999, "{case:?}: third axis projects {p}");
        // On a ring every point is at the same distance in the first plane.
        let radii: Vec<f64> = points
            .iter()
            .map(|p| ((p[0] * p[0] + p[1] * p[1]) as f64).sqrt())
            .collect();
        let spread = radii.iter().fold(0.0f64, |a, &b| a.max(b)) - radii.iter().fold(f64::MAX, |a, &b| a.min(b));
        assert!(spread < 1e-3, "{case:?}: ring radii vary by {spread}");
    }
}

#[test]
fn spectral_handles_disconnected_graphs() {
    // A ring of 60, a path of 10, a pair, and three isolated neurons.
    let mut edges: Vec<_> = (0..60).map(|i| (i, (i + 1) % 60, EdgeKind::Chemical, 2.0)).collect();
    edges.extend((60..69).map(|i| (i, i + 1, EdgeKind::Electrical, 1.0)));
    edges.push((70, 71, EdgeKind::Chemical, 5.0));
    let c = graph(75, edges);
    let points = layout::spectral(&c);
    assert_normalised(&points, "disconnected spectral");
    // Distinct components do not pile up on one point.
    let distinct: std::collections::HashSet<[u32; 3]> = points.iter().map(|p| p.map(f32::to_bits)).collect();
    assert_eq!(distinct.len(), points.len());
    assert_eq!(points, layout::spectral(&c), "deterministic");
}

#[test]
fn tiny_and_empty_connectomes_are_handled() {
    for (n, edges) in [
        (0, vec![]),
        (1, vec![]),
        (2, vec![(0, 1, EdgeKind::Chemical, 1.0)]),
        (3, vec![(0, 0, EdgeKind::Chemical, 4.0)]),
    ] {
        let c = graph(n, edges);
        let mut f = ForceLayout::new(&c, None, 1);
        f.run(100, &Control::default());
        let all = [layout::spectral(&c), layout::signal_flow(&c), f.positions()];
        for points in all {
            assert_eq!(points.len(), n);
            assert!(points.iter().flatten().all(|v| v.is_finite()));
        }
        assert_eq!(layout::processing_depth(&c).len(), n);
    }
}

fn celegans() -> Connectome {
    connectoscope::io::load("celegans-cook2019", &Default::default()).unwrap()
}

fn mean_by_type(c: &Connectome, values: &[f64], cell_type: &str) -> f64 {
    let v: Vec<f64> = (0..c.neurons.len())
        .filter(|&i| c.neurons.cell_type.get(i) == Some(cell_type))
        .map(|i| values[i])
        .collect();
    assert!(!v.is_empty(), "no {cell_type} neurons");
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn signal_flow_puts_sensory_before_inter_before_motor() {
    let c = celegans();
    let depth = layout::processing_depth(&c);
    assert!(depth.iter().all(|z| z.is_finite()));
    let (s, i, m) = (
        mean_by_type(&c, &depth, "sensory"),
        mean_by_type(&c, &depth, "interneuron"),
        mean_by_type(&c, &depth, "motor"),
    );
    assert!(
        s < i && i < m,
        "mean depth sensory {s:.3}, interneuron {i:.3}, motor {m:.3}"
    );

    // In the layout, signal flows downwards: sensory on top.
    let points = layout::signal_flow(&c);
    assert_normalised(&points, "signal flow");
    let y = axis(&points, 1);
    assert!(mean_by_type(&c, &y, "sensory") > mean_by_type(&c, &y, "motor"));
    assert_eq!(points, layout::signal_flow(&c), "deterministic");
}

#[test]
fn every_layout_is_finite_and_normalised_on_celegans() {
    let c = celegans();
    for kind in LayoutKind::ALL {
        let points = match kind {
            LayoutKind::Anatomical => match layout::anatomical(&c) {
                Some(p) => p,
                None => continue,
            },
            LayoutKind::Force => {
                let mut f = ForceLayout::new(&c, None, 1);
                for _ in 0..50 {
                    f.step();
                }
                f.positions()
            }
            LayoutKind::Spectral => layout::spectral(&c),
            LayoutKind::SignalFlow => layout::signal_flow(&c),
        };
        assert_eq!(points.len(), c.neurons.len());
        assert_normalised(&points, kind.as_str());
    }
}

fn distance(a: Point, b: Point) -> f64 {
    (0..3).map(|k| ((a[k] - b[k]) as f64).powi(2)).sum::<f64>().sqrt()
}

/// All-pairs hop distances (BFS), for the stress measure.
fn hops(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<f64>> {
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in edges {
        adj[a].push(b);
        adj[b].push(a);
    }
    (0..n)
        .map(|s| {
            let mut d = vec![f64::INFINITY; n];
            d[s] = 0.0;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                for &u in &adj[v] {
                    if d[u].is_infinite() {
                        d[u] = d[v] + 1.0;
                        queue.push_back(u);
                    }
                }
            }
            d
        })
        .collect()
}

/// Kamada–Kawai stress `Σ (‖x_i − x_j‖ − s·d_ij)² / d_ij²` at the best scale `s`, divided by
/// the number of pairs: 0 when layout distances are proportional to graph distances.
fn stress(points: &[Point], d: &[Vec<f64>]) -> f64 {
    let (mut a, mut b, mut pairs) = (0.0, 0.0, 0.0);
    let mut terms = Vec::new();
    for i in 0..points.len() {
        for j in i + 1..points.len() {
            let e = distance(points[i], points[j]);
            let w = 1.0 / (d[i][j] * d[i][j]);
            // Best uniform scale of the layout: minimise Σ w (t·e − d)².
            a += w * e * d[i][j];
            b += w * e * e;
            pairs += 1.0;
            terms.push((e, d[i][j], w));
        }
    }
    let t = a / b;
    terms.iter().map(|(e, d, w)| w * (t * e - d).powi(2)).sum::<f64>() / pairs
}

#[test]
fn force_layout_lowers_stress_of_a_grid() {
    // A 6 × 6 × 3 grid graph: its natural layout is known, a random start is far from it.
    let (nx, ny, nz) = (6, 6, 3);
    let id = |x: usize, y: usize, z: usize| x + nx * (y + ny * z);
    let mut edges = Vec::new();
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                if x + 1 < nx {
                    edges.push((id(x, y, z), id(x + 1, y, z)));
                }
                if y + 1 < ny {
                    edges.push((id(x, y, z), id(x, y + 1, z)));
                }
                if z + 1 < nz {
                    edges.push((id(x, y, z), id(x, y, z + 1)));
                }
            }
        }
    }
    let n = nx * ny * nz;
    let c = graph(n, edges.iter().map(|&(a, b)| (a, b, EdgeKind::Chemical, 1.0)));
    let d = hops(n, &edges);
    // From a random start and from the app's neutral start, the evenly spread sphere.
    let sphere = layout::fibonacci_sphere(n);
    for start in [None, Some(&sphere[..])] {
        let mut f = ForceLayout::new(&c, start, 42);
        let before = stress(&f.positions(), &d);
        let mut steps = 0;
        while !f.is_settled() && steps < 3000 {
            f.step();
            steps += 1;
        }
        let after = stress(&f.positions(), &d);
        assert!(
            after < 0.25 * before,
            "stress {before:.4} -> {after:.4} after {steps} steps"
        );
        assert!(f.is_settled(), "not settled after {steps} steps");
        assert_eq!(f.step(), 0.0, "a settled layout stays put");
    }
}

#[test]
fn force_layout_separates_two_cliques() {
    // Two 8-cliques joined by a single connection, plus isolated neurons that gravity holds.
    let k = 8;
    let mut edges = Vec::new();
    for base in [0, k] {
        for i in 0..k {
            for j in i + 1..k {
                edges.push((base + i, base + j, EdgeKind::Chemical, 3.0));
            }
        }
    }
    edges.push((0, k, EdgeKind::Electrical, 1.0));
    let isolated = 5;
    let c = graph(2 * k + isolated, edges);
    let mut f = ForceLayout::new(&c, None, 7);
    for _ in 0..1500 {
        if f.is_settled() {
            break;
        }
        f.step();
    }
    let p = f.positions();
    let (mut intra, mut inter) = (Vec::new(), Vec::new());
    for i in 0..2 * k {
        for j in i + 1..2 * k {
            let d = distance(p[i], p[j]);
            if (i < k) == (j < k) {
                intra.push(d)
            } else {
                inter.push(d)
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&intra) < 0.5 * mean(&inter),
        "intra {:.3} vs inter {:.3}",
        mean(&intra),
        mean(&inter)
    );
    let max_intra = intra.iter().fold(0.0f64, |a, &b| a.max(b));
    let min_inter = inter.iter().fold(f64::MAX, |a, &b| a.min(b));
    assert!(
        max_intra < min_inter,
        "clusters overlap: {max_intra:.3} vs {min_inter:.3}"
    );
    // Isolated neurons stay near the graph rather than drifting off: the cliques still span a
    // good part of the normalised picture.
    let clique_extent = distance(p[1], p[k + 1]);
    assert!(
        clique_extent > 0.2,
        "cliques squeezed to {clique_extent:.3} by far isolated neurons"
    );
    assert_normalised(&p, "force");
}

#[test]
fn force_layout_is_deterministic_given_the_seed() {
    let c = celegans();
    let run = |seed| {
        let mut f = ForceLayout::new(&c, None, seed);
        for _ in 0..30 {
            f.step();
        }
        f.positions()
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
    // Starting from a given layout also works and is deterministic.
    let start = layout::spectral(&c);
    let mut a = ForceLayout::new(&c, Some(&start), 9);
    let mut b = ForceLayout::new(&c, Some(&start), 9);
    for _ in 0..10 {
        assert_eq!(a.step(), b.step());
    }
    assert_eq!(a.positions(), b.positions());
}

#[test]
fn isolated_neurons_stay_close_to_the_network() {
    // A 200-neuron ring with chords, and 50 neurons without any connection.
    let n = 200;
    let edges = (0..n).flat_map(|i| {
        [
            (i, (i + 1) % n, EdgeKind::Chemical, 2.0),
            (i, (i + 17) % n, EdgeKind::Electrical, 1.0),
        ]
    });
    let c = graph(n + 50, edges);
    let mut f = ForceLayout::new(&c, None, 5);
    let steps = f.run(5000, &Control::default());
    assert!(f.is_settled(), "not settled after {steps} steps");
    let p = f.positions();
    let radius = |q: &Point| q.iter().map(|v| (v * v) as f64).sum::<f64>().sqrt();
    let connected = p[..n].iter().map(radius).sum::<f64>() / n as f64;
    let isolated = p[n..].iter().map(radius).sum::<f64>() / 50.0;
    // Gravity holds the isolated ones on a shell near the network, which therefore still
    // fills a good part of the normalised picture.
    assert!(
        connected > 0.25 && isolated < 4.0 * connected,
        "connected at {connected:.3}, isolated at {isolated:.3}"
    );
    assert_normalised(&p, "force with isolated neurons");
}

#[test]
fn long_computations_can_be_cancelled_and_report_progress() {
    use std::cell::RefCell;
    let c = celegans();
    let stop = || true;
    let cancelled = Control {
        cancel: Some(&stop),
        progress: None,
    };
    // (celegans' largest component is iterative, not dense, so cancellation is checked.)
    assert!(spectral_with(&c, &SpectralOptions::default(), &cancelled).is_none());
    assert!(layout::signal_flow_with(&c, &Default::default(), &cancelled).is_none());
    let mut f = ForceLayout::new(&c, None, 1);
    assert_eq!(f.run(100, &cancelled), 0);

    let seen = RefCell::new(Vec::new());
    let record = |p: f32| seen.borrow_mut().push(p);
    let observed = Control {
        cancel: None,
        progress: Some(&record),
    };
    let (_, report) = spectral_with(&c, &SpectralOptions::default(), &observed).unwrap();
    assert!(report.converged && report.iterations > 0, "{report:?}");
    assert_eq!(report.eigenvalues.len(), 3);
    assert!(report.eigenvalues.windows(2).all(|w| w[0] <= w[1]) && report.eigenvalues[0] > 0.0);
    assert_eq!(f.run(5, &observed), 5);
    let seen = seen.borrow();
    assert!(!seen.is_empty() && seen.iter().all(|p| (0.0..=1.0).contains(p)));
}
