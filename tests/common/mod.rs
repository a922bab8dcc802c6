//! Helpers shared by the integration tests (each test binary uses a subset).
#![allow(dead_code)]

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, csv_edges, neuron_table};
use connectoscope::model::EdgeKind;

pub fn load(name: &str) -> Connectome {
    io::load(name, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Everything a connectome holds, as text: its edge list and neuron table (names, every
/// annotation, signs, positions, attributes in order, weights, kinds, edge signs, delays).
pub fn dump(c: &Connectome) -> String {
    let mut out = Vec::new();
    csv_edges::write_edges(c, &mut out).unwrap();
    neuron_table::write(c, &mut out).unwrap();
    let units = format!(
        "{} / {:?} / {:?}\n",
        c.weight_unit, c.neurons.position_unit, c.sign_rule
    );
    units + &String::from_utf8(out).unwrap()
}

pub fn assert_same(a: &Connectome, b: &Connectome) {
    assert_eq!(a.summary(), b.summary());
    for kind in EdgeKind::ALL {
        assert_eq!(a.edges(kind), b.edges(kind), "{kind:?}");
    }
    let (da, db) = (dump(a), dump(b));
    for (la, lb) in da.lines().zip(db.lines()) {
        assert_eq!(la, lb);
    }
    assert_eq!(da.lines().count(), db.lines().count());
}

/// Planted partition: `k` groups of `size`, each node with about `degree` neighbours, a fraction
/// `mu` of them outside its group, synapse-count weights 1–3. Returns the graph and the labels.
pub fn planted(
    k: usize,
    size: usize,
    degree: f64,
    mu: f64,
    seed: u64,
) -> (connectoscope::analysis::communities::Graph, Vec<u32>) {
    let n = k * size;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let p_in = degree * (1.0 - mu) / (size - 1) as f64;
    let p_out = degree * mu / (n - size) as f64;
    let labels: Vec<u32> = (0..n).map(|i| (i / size) as u32).collect();
    let mut e = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let p = if labels[i] == labels[j] { p_in } else { p_out };
            if rng.random::<f64>() < p {
                e.push((i as u32, j as u32, 1.0 + rng.random_range(0..3) as f64));
            }
        }
    }
    (connectoscope::analysis::communities::Graph::from_edges(n, e), labels)
}
