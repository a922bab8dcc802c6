//! Degree-corrected SBM: recovery of planted partitions (assortative, heavy-tailed degrees,
//! disassortative), no over-splitting of structureless graphs, the description length, edge
//! cases, determinism and C. elegans.

use std::time::Instant;

use common::planted;
use connectoscope::analysis::communities::sbm::{self, SbmFit, SbmOptions};
use connectoscope::analysis::communities::{self, Graph, Options};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

mod common;

/// Pareto(α = 2.2) propensities, capped at 15 and scaled to mean 1: a few hubs, many leaves.
fn heavy_tailed(n: usize, rng: &mut Pcg64Mcg) -> Vec<f64> {
    let theta: Vec<f64> = (0..n)
        .map(|_| (1.0 - rng.random::<f64>()).powf(-1.0 / 1.2).min(15.0))
        .collect();
    let mean = theta.iter().sum::<f64>() / n as f64;
    theta.iter().map(|t| t / mean).collect()
}

/// Degree-corrected planted partition: edge {i, j} with probability `min(1, θ_i θ_j ω)`, ω set
/// for mean degree `degree` and a fraction `mu` outside the group, weights 1–3. With `k = 1` it
/// is a configuration-like graph without blocks.
fn dc_planted(k: usize, size: usize, degree: f64, mu: f64, seed: u64) -> (Graph, Vec<u32>) {
    let n = k * size;
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let theta = heavy_tailed(n, &mut rng);
    let labels: Vec<u32> = (0..n).map(|i| (i / size) as u32).collect();
    let w_in = degree * (1.0 - mu) / size as f64;
    let w_out = if k > 1 { degree * mu / (n - size) as f64 } else { 0.0 };
    let mut e = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let w = if labels[i] == labels[j] { w_in } else { w_out };
            if rng.random::<f64>() < theta[i] * theta[j] * w {
                e.push((i as u32, j as u32, 1.0 + rng.random_range(0..3) as f64));
            }
        }
    }
    (Graph::from_edges(n, e), labels)
}

fn fit(g: &Graph, seed: u64) -> SbmFit {
    sbm::fit(
        g,
        &SbmOptions {
            seed,
            ..Default::default()
        },
    )
}

/// Blocks and NMI against `truth` over the nodes with edges (sparse random graphs have a few
/// without, which the fit puts in a block of their own).
fn on_connected(g: &Graph, f: &SbmFit, truth: &[u32]) -> (usize, f64) {
    let keep: Vec<usize> = (0..g.len()).filter(|&i| g.strength(i) > 0.0).collect();
    let found: Vec<u32> = keep.iter().map(|&i| f.membership[i]).collect();
    let truth: Vec<u32> = keep.iter().map(|&i| truth[i]).collect();
    let blocks = communities::canonical(&found)
        .iter()
        .max()
        .map_or(0, |&b| b as usize + 1);
    (blocks, communities::nmi(&found, &truth))
}

fn leiden(g: &Graph) -> communities::Partition {
    communities::detect(g, &Options::default())
}

#[test]
fn planted_partitions_give_the_number_of_groups() {
    for (k, size, mu, seed) in [(4, 100, 0.2, 1), (6, 80, 0.25, 2), (8, 60, 0.3, 3), (5, 200, 0.3, 4)] {
        let (g, truth) = planted(k, size, 16.0, mu, seed);
        let f = fit(&g, seed);
        let nmi = communities::nmi(&f.membership, &truth);
        println!("k {k} size {size} mu {mu}: B {} NMI {nmi:.3}", f.blocks);
        assert_eq!(f.blocks, k, "k {k} mu {mu}");
        assert!(nmi >= 0.9, "k {k} mu {mu}: NMI {nmi}");
    }
}

/// Hubs and leaves share groups: a model without degree correction would put hubs in blocks
/// of their own; the DC-SBM explains degrees by θ and recovers the groups.
#[test]
fn heavy_tailed_degrees_inside_groups() {
    for seed in [5, 6] {
        let (g, truth) = dc_planted(4, 150, 14.0, 0.15, seed);
        let degrees: Vec<f64> = (0..g.len()).map(|i| g.strength(i)).collect();
        let max = degrees.iter().cloned().fold(0.0, f64::max);
        let median = {
            let mut d = degrees.clone();
            d.sort_by(f64::total_cmp);
            d[d.len() / 2]
        };
        assert!(
            max > 6.0 * median,
            "the degrees should be heavy-tailed: {max} vs {median}"
        );
        let f = fit(&g, seed);
        let (blocks, nmi) = on_connected(&g, &f, &truth);
        println!(
            "DC planted seed {seed}: B {blocks} NMI {nmi:.3}, max/median degree {:.0}",
            max / median
        );
        assert_eq!(blocks, 4);
        assert!(nmi >= 0.9, "NMI {nmi}");
    }
}

/// Random graphs have no blocks: the description length does not pay for any, while modularity
/// finds many "communities" with a sizeable Q.
#[test]
fn structureless_graphs_are_not_split() {
    let (er, _) = planted(1, 400, 12.0, 0.0, 7);
    let (config, _) = dc_planted(1, 500, 10.0, 0.0, 8);
    for (name, g) in [("Erdős–Rényi", er), ("configuration", config)] {
        let f = fit(&g, 1);
        let (blocks, _) = on_connected(&g, &f, &vec![0; g.len()]);
        let p = leiden(&g);
        println!(
            "{name}: SBM B {blocks}, Leiden {} communities Q {:.3}",
            p.count(),
            p.modularity
        );
        assert_eq!(blocks, 1, "{name}");
        assert!(
            p.count() >= 5 && p.modularity > 0.2,
            "{name}: Leiden {} Q {}",
            p.count(),
            p.modularity
        );
    }
}

/// Two groups connected mostly across (bipartite-like): Q of the truth is negative, so
/// modularity cannot find it; the SBM can.
#[test]
fn disassortative_structure_is_recovered() {
    let n = 300;
    let mut rng = Pcg64Mcg::seed_from_u64(9);
    let truth: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
    let mut e = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let p = if truth[i] == truth[j] { 0.01 } else { 0.07 };
            if rng.random::<f64>() < p {
                e.push((i as u32, j as u32, 1.0 + rng.random_range(0..3) as f64));
            }
        }
    }
    let g = Graph::from_edges(n, e);
    assert!(communities::modularity(&g, &truth, 1.0) < -0.3);
    let f = fit(&g, 2);
    let nmi = communities::nmi(&f.membership, &truth);
    let leiden_nmi = communities::nmi(&leiden(&g).membership, &truth);
    println!("bipartite: B {} NMI {nmi:.3}, Leiden NMI {leiden_nmi:.3}", f.blocks);
    assert_eq!(f.blocks, 2);
    assert!(nmi >= 0.9, "NMI {nmi}");
    assert!(leiden_nmi < 0.2, "Leiden NMI {leiden_nmi}");
}

/// The edges are Erdős–Rényi, only the weights differ (heavier inside groups): the weights
/// are modelled per block pair, so they alone reveal the groups, as counts and as reals.
#[test]
fn weights_alone_reveal_groups() {
    let (n, k) = (240, 3);
    let mut rng = Pcg64Mcg::seed_from_u64(16);
    let truth: Vec<u32> = (0..n).map(|i| (i * k / n) as u32).collect();
    let mut e = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if rng.random::<f64>() < 0.1 {
                let mean = if truth[i] == truth[j] { 6.0 } else { 1.0 };
                let w = 1.0 + (-mean * (1.0 - rng.random::<f64>()).ln()).floor();
                e.push((i as u32, j as u32, w));
            }
        }
    }
    let counts = Graph::from_edges(n, e.iter().copied());
    let unweighted = Graph::from_edges(n, e.iter().map(|&(u, v, _)| (u, v, 1.0)));
    let reals = Graph::from_edges(n, e.iter().map(|&(u, v, w)| (u, v, w * 0.37)));
    assert_eq!(fit(&unweighted, 1).blocks, 1);
    for (name, g) in [("counts", counts), ("reals", reals)] {
        let f = fit(&g, 1);
        let nmi = communities::nmi(&f.membership, &truth);
        println!(
            "weights only, {name}: B {} NMI {nmi:.3} fit {:.1} truth {:.1}",
            f.blocks,
            f.description_length,
            sbm::description_length(&g, &truth)
        );
        assert_eq!(f.blocks, k, "{name}");
        assert!(nmi >= 0.9, "{name}: NMI {nmi}");
    }
}

/// The fit is at least as good as the planted truth under its own criterion, much better than
/// one block, reports the Σ of what it returns, and the scan's minimum is what it returns.
#[test]
fn description_length_of_fit_truth_and_one_block() {
    let (g, truth) = planted(5, 80, 14.0, 0.3, 10);
    let f = fit(&g, 3);
    let dl_truth = sbm::description_length(&g, &truth);
    let dl_one = sbm::description_length(&g, &vec![0; g.len()]);
    println!(
        "Σ: fit {:.1}, truth {dl_truth:.1}, one block {dl_one:.1}",
        f.description_length
    );
    assert!(
        f.description_length <= dl_truth + 1e-9 * dl_truth.abs(),
        "fit {} truth {dl_truth}",
        f.description_length
    );
    assert!(f.description_length < dl_one - 100.0);
    let recomputed = sbm::description_length(&g, &f.membership);
    assert!((recomputed - f.description_length).abs() < 1e-9 * recomputed.abs());
    let (b, min) = f.scan.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    assert_eq!(b, f.blocks);
    assert!(
        (min - f.description_length).abs() < 1e-6 * min.abs(),
        "scan {min} vs {}",
        f.description_length
    );
    assert!(f.scan.iter().any(|&(b, _)| b == 1) && f.scan.iter().any(|&(b, _)| b > 20));
    assert!(f.log_likelihood < 0.0 && f.log_likelihood > -f.description_length);
    // Relabelling does not change Σ.
    let swapped: Vec<u32> = truth.iter().map(|&c| 9 - c).collect();
    assert!((sbm::description_length(&g, &swapped) - dl_truth).abs() < 1e-9 * dl_truth.abs());
}

#[test]
fn block_bounds_are_respected() {
    let (g, _) = planted(4, 60, 14.0, 0.2, 11);
    for (min, max) in [(3, Some(3)), (1, Some(2)), (6, None)] {
        let opts = SbmOptions {
            min_blocks: min,
            max_blocks: max,
            ..Default::default()
        };
        let f = sbm::fit(&g, &opts);
        assert!(
            f.blocks >= min && max.is_none_or(|m| f.blocks <= m),
            "{min}..{max:?}: {}",
            f.blocks
        );
        assert!(f.scan.iter().all(|&(b, _)| b >= min && max.is_none_or(|m| b <= m)));
    }
}

#[test]
fn same_seed_same_result() {
    let (g, _) = dc_planted(3, 120, 10.0, 0.25, 12);
    let a = fit(&g, 42);
    let b = fit(&g, 42);
    assert_eq!(a.membership, b.membership);
    assert_eq!(a.description_length, b.description_length);
    assert_eq!(a.scan, b.scan);
}

#[test]
fn edge_cases() {
    let empty = fit(&Graph::from_edges(0, []), 1);
    assert_eq!((empty.blocks, empty.membership.len()), (0, 0));

    let one = fit(&Graph::from_edges(1, []), 1);
    assert_eq!((one.blocks, one.membership.clone()), (1, vec![0]));
    assert!(one.description_length.is_finite());

    let no_edges = fit(&Graph::from_edges(5, []), 1);
    assert_eq!((no_edges.blocks, no_edges.membership), (1, vec![0; 5]));

    let edge = fit(&Graph::from_edges(2, [(0, 1, 3.0)]), 1);
    assert_eq!(edge.blocks, 1);

    let only_loop = fit(&Graph::from_edges(3, [(1, 1, 2.0)]), 1);
    assert_eq!(only_loop.blocks, 2);
    assert_ne!(only_loop.membership[1], only_loop.membership[0]);
    assert_eq!(only_loop.membership[0], only_loop.membership[2]);

    // Edgeless nodes share one block of their own; the groups are still found.
    let (g, truth) = planted(3, 60, 12.0, 0.1, 13);
    let extra = 7;
    let g = Graph::from_edges(g.len() + extra, g.edges());
    let f = fit(&g, 1);
    let iso = f.membership[truth.len()];
    assert!(f.membership[truth.len()..].iter().all(|&c| c == iso));
    assert!(f.membership[..truth.len()].iter().all(|&c| c != iso));
    assert_eq!(f.blocks, 4);
    assert!(communities::nmi(&f.membership[..truth.len()], &truth) > 0.95);

    // Real weights below 1 (affinities) are accepted.
    let (g, _) = planted(2, 40, 10.0, 0.1, 14);
    let g = Graph::from_edges(g.len(), g.edges().map(|(u, v, w)| (u, v, w / 4.0)));
    let f = fit(&g, 1);
    assert!(f.description_length.is_finite() && (1..=2).contains(&f.blocks));
}

#[test]
fn celegans() {
    let c = connectoscope::io::load("celegans-cook2019", &Default::default()).unwrap();
    let g = communities::projection(&c);
    let start = Instant::now();
    let f = fit(&g, 1);
    let time = start.elapsed();
    let again = fit(&g, 1);
    assert_eq!(f.membership, again.membership);
    let p = leiden(&g);
    let nmi = communities::nmi(&f.membership, &p.membership);
    println!(
        "C. elegans: {} nodes, {} edges, weight {}: B {}, Σ {:.1} (one block {:.1}), NMI vs Leiden ({} communities) {nmi:.3}, {time:.2?}",
        g.len(),
        g.edges().count(),
        g.total_weight() / 2.0,
        f.blocks,
        f.description_length,
        sbm::description_length(&g, &vec![0; g.len()]),
        p.count(),
    );
    assert!((2..=40).contains(&f.blocks), "B {}", f.blocks);
    assert!(nmi > 0.3, "NMI vs Leiden {nmi}");
}
