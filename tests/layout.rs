//! Layouts: analytic spectral cases, signal flow on C. elegans, force-layout quality,
//! determinism and normalisation. `cargo test --release --test layout -- --ignored --nocapture`
//! also prints force-layout iteration times on generated graphs of 3k and 139k neurons.

use std::time::Instant;

use connectoscope::analysis::layout::{
    self, Control, ForceLayout, Laplacian, LayoutKind, Point, SpectralOptions, spectral_with,
};
use connectoscope::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

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
    graph(n, (0..n).map(|i| if i % 2 == 0 { (i, (i + 1) % n, EdgeKind::Chemical, 1.0) } else { ((i + 1) % n, i, EdgeKind::Electrical, 1.0) }))
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
    assert!(points.iter().flatten().all(|v| v.is_finite()), "{what}: non-finite coordinate");
    let n = points.len() as f64;
    for a in 0..3 {
        let mean = points.iter().map(|p| p[a] as f64).sum::<f64>() / n;
        assert!(mean.abs() < 1e-4, "{what}: mean {mean} on axis {a}");
    }
    let r = points.iter().map(|p| p.iter().map(|v| (v * v) as f64).sum::<f64>().sqrt()).fold(0.0, f64::max);
    assert!((r - 1.0).abs() < 1e-4, "{what}: farthest point at {r}");
}

fn spectral_of(c: &Connectome, laplacian: Laplacian, regularization: f64) -> Vec<Point> {
    let eigen = layout::EigenOptions { tolerance: 1e-9, ..Default::default() };
    let options = SpectralOptions { laplacian, regularization, eigen, log_weights: false };
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
            let exact: Vec<f64> =
                (0..n).map(|i| (std::f64::consts::PI * k as f64 * (i as f64 + 0.5) / n as f64).cos()).collect();
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
            let exact: Vec<f64> = (0..n).map(|i| (std::f64::consts::PI * (k * i) as f64 / (n - 1) as f64).cos()).collect();
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
    for (laplacian, tau) in [(Laplacian::Combinatorial, 0.0), (Laplacian::Normalized, 0.0), (Laplacian::Normalized, 1.0)] {
        let laplacian = (laplacian, tau);
        let points = spectral_of(&c, laplacian.0, tau);
        // λ2 = λ3 is a double eigenvalue: axes 1-2 span {cos, sin}(2πi/n) in some rotation.
        let plane = [axis(&points, 0), axis(&points, 1)];
        for mode in [|t: f64| t.cos(), |t: f64| t.sin()] {
            let exact: Vec<f64> = (0..n).map(|i| mode(angle(i, 1.0))).collect();
            let p = projection_onto_span(&exact, &plane);
            assert!(p >= 0.999, "{laplacian:?}: first mode projects {p}");
        }
        // Axis 3 lies in the next double eigenspace {cos, sin}(4πi/n).
        let second: Vec<Vec<f64>> =
            [|t: f64| t.cos(), |t: f64| t.sin()].iter().map(|f| (0..n).map(|i| f(angle(i, 2.0))).collect()).collect();
        let p = projection_onto_span(&axis(&points, 2), &second);
        assert!(p >= 0.999, "{laplacian:?}: third axis projects {p}");
        // On a ring every point is at the same distance in the first plane.
        let radii: Vec<f64> = points.iter().map(|p| ((p[0] * p[0] + p[1] * p[1]) as f64).sqrt()).collect();
        let spread = radii.iter().fold(0.0f64, |a, &b| a.max(b)) - radii.iter().fold(f64::MAX, |a, &b| a.min(b));
        assert!(spread < 1e-3, "{laplacian:?}: ring radii vary by {spread}");
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

fn celegans() -> Connectome {
    connectoscope::io::load("celegans-cook2019", &Default::default()).unwrap()
}

fn mean_by_type(c: &Connectome, values: &[f64], cell_type: &str) -> f64 {
    let v: Vec<f64> =
        (0..c.neurons.len()).filter(|&i| c.neurons.cell_type.get(i) == Some(cell_type)).map(|i| values[i]).collect();
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
    assert!(s < i && i < m, "mean depth sensory {s:.3}, interneuron {i:.3}, motor {m:.3}");

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
    let mut f = ForceLayout::new(&c, None, 42);
    let before = stress(&f.positions(), &d);
    let mut steps = 0;
    while !f.is_settled() && steps < 3000 {
        f.step();
        steps += 1;
    }
    let after = stress(&f.positions(), &d);
    assert!(after < 0.5 * before, "stress {before:.4} -> {after:.4} after {steps} steps");
    assert!(f.is_settled(), "not settled after {steps} steps");
    assert_eq!(f.step(), 0.0, "a settled layout stays put");
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
            if (i < k) == (j < k) { intra.push(d) } else { inter.push(d) }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(mean(&intra) < 0.5 * mean(&inter), "intra {:.3} vs inter {:.3}", mean(&intra), mean(&inter));
    let max_intra = intra.iter().fold(0.0f64, |a, &b| a.max(b));
    let min_inter = inter.iter().fold(f64::MAX, |a, &b| a.min(b));
    assert!(max_intra < min_inter, "clusters overlap: {max_intra:.3} vs {min_inter:.3}");
    // Isolated neurons stay near the graph rather than drifting off: the cliques still span a
    // good part of the normalised picture.
    let clique_extent = distance(p[1], p[k + 1]);
    assert!(clique_extent > 0.2, "cliques squeezed to {clique_extent:.3} by far isolated neurons");
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

/// A connectome-like random graph: `n` neurons in communities of 300, 80% of connections
/// within a community, skewed out-degrees, `m` distinct connections of 1..=20 synapses.
fn generated(n: usize, m: usize, seed: u64) -> Connectome {
    let mut rng = Pcg64::seed_from_u64(seed);
    let community = 300;
    let mut b = ConnectomeBuilder::new();
    for i in 0..n {
        b.neurons.find_or_add(&i.to_string());
    }
    let mut seen = rustc_hash::FxHashSet::default();
    while seen.len() < m {
        let pre = rng.random_range(0..n).min(rng.random_range(0..n));
        let post = if rng.random_bool(0.8) {
            let base = pre / community * community;
            (base + rng.random_range(0..community)).min(n - 1)
        } else {
            rng.random_range(0..n)
        };
        let w = (1.0 / (1.0 - rng.random::<f64>() * 0.95)).floor().min(20.0);
        if seen.insert((pre, post)) {
            b.add_edge(EdgeKind::Chemical, pre, post, w, Sign::Unknown, None, seen.len() as u64);
        }
    }
    b.finish().unwrap()
}

/// CPU seconds used by this process so far (Linux; wall-clock elsewhere would mislead on a
/// shared machine, so this returns `None` there).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().ok()? + fields[12].parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Milliseconds per force-layout iteration on generated graphs, as CPU time (run with
/// RAYON_NUM_THREADS=1 for the one-core figure) and wall-clock time.
#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn force_iteration_timing() {
    for (n, m, warmup, steps) in [(3_000, 65_000, 10, 200), (139_000, 3_700_000, 2, 10)] {
        let c = generated(n, m, 11);
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let mut f = ForceLayout::new(&c, None, 1);
        let setup = t.elapsed().as_secs_f64();
        let setup_cpu = cpu_seconds().zip(cpu).map(|(b, a)| b - a);
        for _ in 0..warmup {
            f.step();
        }
        let (t, cpu) = (Instant::now(), cpu_seconds());
        for _ in 0..steps {
            f.step();
        }
        let wall = t.elapsed().as_secs_f64() * 1e3 / steps as f64;
        let cpu = cpu_seconds().zip(cpu).map(|(b, a)| (b - a) * 1e3 / steps as f64);
        println!(
            "force n={n} pairs={}: setup {setup:.2} s (cpu {setup_cpu:.2?} s), {:.0} MB held; per iteration {wall:.1} ms wall, cpu {cpu:.1?} ms; {} threads",
            c.chemical.len(),
            f.heap_bytes() as f64 / 1e6,
            rayon::current_num_threads()
        );
        assert!(f.positions().iter().flatten().all(|v| v.is_finite()));
    }
}
